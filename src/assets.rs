//! The files every notice is made from: the text templates, the statute catalog, the
//! Typst layout and the fonts. They are compiled into the binary, so seloste runs the
//! same from any folder; an organisation may point `--templates` at a folder of its own
//! copies of the text files to change the wording.

use std::path::Path;

use crate::error::Error;
use crate::source::{self, Limits};
use crate::text::Lang;

/// One asset file: the name it is reported by, and its content.
pub struct Asset {
    pub name: String,
    pub text: String,
}

pub struct Assets {
    pub texts: Vec<(Lang, Asset)>,
    pub statutes: Asset,
    pub layout: Asset,
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
            layout: embedded!("templates/notice.typ"),
            fonts: vec![
                include_bytes!("../fonts/LiberationSans-Regular.ttf"),
                include_bytes!("../fonts/LiberationSans-Bold.ttf"),
                include_bytes!("../fonts/LiberationSans-Italic.ttf"),
                include_bytes!("../fonts/LiberationSans-BoldItalic.ttf"),
            ],
        }
    }

    /// Replaces each embedded template for which `dir` holds a file of the same name.
    pub fn with_templates_from(mut self, dir: &Path) -> Result<Assets, Error> {
        if !dir.is_dir() {
            let missing = std::io::Error::new(std::io::ErrorKind::NotFound, "no such folder");
            return Err(Error::io(dir, "use as the templates folder", missing));
        }
        let assets = self.texts.iter_mut().map(|(_, asset)| asset).chain([&mut self.statutes, &mut self.layout]);
        for asset in assets {
            let file_name = asset.name.trim_start_matches("templates/");
            let path = dir.join(file_name);
            if path.exists() {
                asset.text = source::read(&path, &Limits::TEMPLATE)?.text;
                asset.name = path.display().to_string();
            }
        }
        Ok(self)
    }
}
