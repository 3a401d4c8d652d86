//! The files every notice is made from: the text templates, the statute catalog and the
//! table of statute titles, the check's rules, the Typst layout and the fonts. They are
//! compiled into the binary, so seloste runs the same from any folder; an organisation
//! may point `--templates` at a folder of its own copies to change the wording.

use std::path::Path;

use crate::error::Error;
use crate::source::{self, Limits};
use crate::text::Lang;

/// One asset file: the name it is reported by, and its content.
#[derive(Clone)]
pub struct Asset {
    pub name: String,
    pub text: String,
}

pub struct Assets {
    pub texts: Vec<(Lang, Asset)>,
    /// The curated statute catalog.
    pub statutes: Asset,
    /// An organisation's `statutes.yaml` from `--templates`: merged over the built-in
    /// catalog entry by entry, never in place of it.
    pub statute_overrides: Option<Asset>,
    /// The official titles of every Finnish statute (Semantic Finlex, CC BY 4.0), gzip.
    pub finlex: &'static [u8],
    /// The rules for outdated bodies, terms and laws in free text.
    pub lint_rules: Asset,
    /// What the check asks of a notice beyond single fields.
    pub checklist: Asset,
    /// The headings of legacy notices and the fields they are about, for `seloste import`.
    pub import_headings: Asset,
    pub layout: Asset,
    /// The web page of a notice, the register index, and their style sheet.
    pub web_page: Asset,
    pub web_index: Asset,
    pub web_style: Asset,
    /// The alphabetical order the register index sorts names in.
    pub collation: Asset,
    /// Font files, as bytes, in a fixed order.
    pub fonts: Vec<&'static [u8]>,
}

macro_rules! embedded {
    ($path:literal) => {
        Asset { name: $path.to_owned(), text: include_str!(concat!("../", $path)).to_owned() }
    };
}

impl Assets {
    /// The templates and fonts this build of seloste was made with.
    pub fn embedded() -> Assets {
        Assets {
            texts: vec![(Lang::Fi, embedded!("templates/fi.yaml")), (Lang::Sv, embedded!("templates/sv.yaml"))],
            statutes: embedded!("templates/statutes.yaml"),
            statute_overrides: None,
            finlex: include_bytes!("../data/finlex-statute-titles.tsv.gz"),
            lint_rules: embedded!("templates/lint-rules.yaml"),
            checklist: embedded!("templates/checklist.yaml"),
            import_headings: embedded!("templates/import-headings.yaml"),
            layout: embedded!("templates/notice.typ"),
            web_page: embedded!("templates/notice.html"),
            web_index: embedded!("templates/index.html"),
            web_style: embedded!("templates/web.css"),
            collation: embedded!("templates/collation.yaml"),
            fonts: vec![
                include_bytes!("../fonts/LiberationSans-Regular.ttf"),
                include_bytes!("../fonts/LiberationSans-Bold.ttf"),
                include_bytes!("../fonts/LiberationSans-Italic.ttf"),
                include_bytes!("../fonts/LiberationSans-BoldItalic.ttf"),
            ],
        }
    }

    /// Every built-in template, by its file name, for `seloste templates export`.
    pub fn files(&self) -> Vec<&Asset> {
        let mut files: Vec<&Asset> = self.texts.iter().map(|(_, asset)| asset).collect();
        files.extend([
            &self.statutes,
            &self.lint_rules,
            &self.checklist,
            &self.import_headings,
            &self.layout,
            &self.web_page,
            &self.web_index,
            &self.web_style,
            &self.collation,
        ]);
        files
    }

    /// Uses the templates `dir` holds instead of the built-in ones of the same name; a
    /// `statutes.yaml` there adds to the built-in catalog rather than replacing it.
    pub fn with_templates_from(mut self, dir: &Path) -> Result<Assets, Error> {
        if !dir.is_dir() {
            let missing = std::io::Error::new(std::io::ErrorKind::NotFound, "no such folder");
            return Err(Error::io(dir, "use as the templates folder", missing));
        }
        let read = |asset: &Asset| -> Result<Option<Asset>, Error> {
            let path = dir.join(asset.name.trim_start_matches("templates/"));
            if !path.exists() {
                return Ok(None);
            }
            Ok(Some(Asset { name: path.display().to_string(), text: source::read(&path, &Limits::TEMPLATE)?.text }))
        };
        self.statute_overrides = read(&self.statutes)?;
        let replaced = self.texts.iter_mut().map(|(_, asset)| asset).chain([
            &mut self.lint_rules,
            &mut self.checklist,
            &mut self.import_headings,
            &mut self.layout,
            &mut self.web_page,
            &mut self.web_index,
            &mut self.web_style,
            &mut self.collation,
        ]);
        for asset in replaced {
            if let Some(own) = read(asset)? {
                *asset = own;
            }
        }
        Ok(self)
    }
}
