//! Publishing a folder of web pages: the register index, `index.html` in Finnish and,
//! when any register is published in Swedish, `index.sv.html`.
//!
//! The index is rebuilt from the folder, not from the run that wrote into it, so a
//! register published by an earlier run (or by another shard) stays listed. What the
//! index says of a register it reads from the register's own pages, whose `dcterms`
//! meta elements name it, its publisher and its date; which files each language form
//! has, it sees from the names beside the page. Only regular files named as our pages
//! (`<id>.<fi|sv|fi-sv>.html`) are read, only their `<head>`, and a page whose head does
//! not name the id its file name has is passed over. A lock file keeps two processes
//! from writing the index at once, so the last one to write has seen every page.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::compose::{LangForm, Texts};
use crate::error::Error;
use crate::output;
use crate::render::html::{FileKind, FileLink, IndexEntry, PageLink, WebRenderer};
use crate::text::Lang;
use crate::time::Date;

/// The name before `.html` of the index: no register may have it as its id, since its
/// Swedish page would be the Swedish index.
pub const INDEX_STEM: &str = "index";
/// The index in each language, by file name.
const INDEX_FI: &str = "index.html";
const INDEX_SV: &str = "index.sv.html";
/// Larger than any page seloste writes; a larger file named like a page is passed over.
const MAX_PAGE_BYTES: u64 = 8 << 20;

/// An alphabetical order, from `templates/collation.yaml`.
pub struct Collation {
    weights: HashMap<char, u32>,
    variants: HashMap<char, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CollationFile {
    alphabet: String,
    #[serde(default)]
    variants: BTreeMap<char, String>,
}

impl Collation {
    pub fn parse(name: &str, text: &str) -> Result<Collation, Error> {
        let file: CollationFile = serde_yaml_ng::from_str(text)
            .map_err(|err| Error::Template { name: name.to_owned(), message: err.to_string() })?;
        let weights = file.alphabet.chars().enumerate().map(|(index, c)| (c, index as u32)).collect();
        Ok(Collation { weights, variants: file.variants.into_iter().collect() })
    }

    /// The sort key of `text`: its letters' places in the alphabet, case and accents aside.
    pub fn key(&self, text: &str) -> Vec<u32> {
        let mut key = Vec::with_capacity(text.len());
        for c in text.chars().flat_map(char::to_lowercase) {
            match self.variants.get(&c) {
                Some(base) => key.extend(base.chars().filter_map(|c| self.weights.get(&c))),
                None => key.extend(self.weights.get(&c)),
            }
        }
        key
    }
}

/// Rewrites the index pages of `dir` from the pages in it; returns the files written.
pub fn write_index(web: &WebRenderer, texts: &Texts, collation: &Collation, dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let _lock = lock(dir)?;
    let mut entries = scan(dir)?;
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let swedish = entries.iter().any(|entry| entry.names.iter().any(|(lang, _)| *lang == Lang::Sv));
    let mut written = Vec::new();
    for (lang, name, other) in [(Lang::Fi, INDEX_FI, (Lang::Sv, INDEX_SV)), (Lang::Sv, INDEX_SV, (Lang::Fi, INDEX_FI))]
    {
        if lang == Lang::Sv && !swedish {
            continue;
        }
        sort_for(&mut entries, lang, collation);
        let other = swedish.then_some(other);
        let bytes = web.index(texts, lang, &entries, other)?;
        let path = dir.join(name);
        output::write_atomic(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}

/// Sorts the registers by their names as listed in `lang`'s index.
fn sort_for(entries: &mut [IndexEntry], lang: Lang, collation: &Collation) {
    entries.sort_by_cached_key(|entry| {
        let (_, name) = entry.name_in(lang);
        (collation.key(name), name.to_owned(), entry.id.clone())
    });
}

/// Takes the folder's index lock, `.index.lock`, waiting for a process that holds it.
fn lock(dir: &Path) -> Result<std::fs::File, Error> {
    output::lock(&dir.join(".index.lock"))
}

/// What one page says of its register.
struct PageFacts {
    names: Vec<(Lang, String)>,
    publisher: String,
    date: Date,
}

/// Every register with a page in `dir`, in no particular order.
fn scan(dir: &Path) -> Result<Vec<IndexEntry>, Error> {
    let listing = std::fs::read_dir(dir).map_err(|source| Error::io(dir, "read the folder", source))?;
    let mut pages: BTreeMap<String, Vec<(LangForm, PageFacts)>> = BTreeMap::new();
    for entry in listing.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some((id, form)) = page_name(&file_name) else { continue };
        let regular = entry.path().symlink_metadata().is_ok_and(|meta| meta.is_file() && meta.len() <= MAX_PAGE_BYTES);
        if !regular {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
        if let Some(facts) = read_head(&text, id) {
            pages.entry(id.to_owned()).or_default().push((form, facts));
        }
    }
    Ok(pages.into_iter().map(|(id, pages)| entry_of(dir, id, pages)).collect())
}

/// The register's entry from its pages: the names of every page, the newest page's date
/// and publisher, and each form's files.
fn entry_of(dir: &Path, id: String, mut pages: Vec<(LangForm, PageFacts)>) -> IndexEntry {
    pages.sort_by_key(|(form, _)| *form);
    let mut names: Vec<(Lang, String)> = Vec::new();
    for (_, facts) in &pages {
        for (lang, name) in &facts.names {
            if !names.iter().any(|(known, _)| known == lang) {
                names.push((*lang, name.clone()));
            }
        }
    }
    names.sort();
    let newest = pages.iter().map(|(_, facts)| facts).max_by_key(|facts| facts.date).expect("a register has a page");
    let (publisher, date) = (newest.publisher.clone(), newest.date);
    let versions = pages
        .iter()
        .map(|(form, _)| {
            let stem = format!("{id}.{}", form.file_code());
            let files = [(FileKind::Pdf, "pdf"), (FileKind::Docx, "docx"), (FileKind::DocxSignature, "docx.p7s")]
                .into_iter()
                .map(|(kind, extension)| FileLink { kind, href: format!("{stem}.{extension}") })
                .filter(|file| dir.join(&file.href).symlink_metadata().is_ok_and(|meta| meta.is_file()))
                .collect();
            (PageLink { form: *form, href: format!("{stem}.html") }, files)
        })
        .collect();
    IndexEntry { id, names, publisher, date, versions }
}

/// The register id and language form of a page's file name, `<id>.<form>.html`.
fn page_name(file_name: &str) -> Option<(&str, LangForm)> {
    if file_name == INDEX_FI || file_name == INDEX_SV {
        return None;
    }
    let (id, form) = file_name.strip_suffix(".html")?.rsplit_once('.')?;
    let form = LangForm::ALL.into_iter().find(|candidate| candidate.file_code() == form)?;
    (!id.is_empty()).then_some((id, form))
}

/// What a page's head says of its register, if it is a page of the register `id`.
fn read_head(text: &str, id: &str) -> Option<PageFacts> {
    let head = &text[..text.find("</head>")?];
    let document = scraper::Html::parse_document(head);
    let selector = scraper::Selector::parse("meta[name][content]").ok()?;
    let mut facts = PageFacts { names: Vec::new(), publisher: String::new(), date: Date::parse("1000-01-01")? };
    let mut named_id = None;
    let mut dated = false;
    for meta in document.select(&selector) {
        let element = meta.value();
        let content = element.attr("content").unwrap_or_default().trim().to_owned();
        match element.attr("name").unwrap_or_default() {
            "dcterms.identifier" => named_id = Some(content),
            "dcterms.publisher" => facts.publisher = content,
            "dcterms.date" => {
                facts.date = Date::parse(&content)?;
                dated = true;
            }
            "dcterms.title" => {
                let lang = Lang::ALL.into_iter().find(|lang| element.attr("lang") == Some(lang.code()))?;
                facts.names.push((lang, content));
            }
            _ => {}
        }
    }
    (named_id.as_deref() == Some(id) && dated && !facts.names.is_empty()).then_some(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collation() -> Collation {
        Collation::parse("templates/collation.yaml", include_str!("../templates/collation.yaml")).unwrap()
    }

    #[test]
    fn a_with_rings_and_dots_come_after_z() {
        let collation = collation();
        let mut names = vec!["Öljyrekisteri", "Ähtärin rekisteri", "Åbolands register", "Zoo", "aapinen", "Älli"];
        names.sort_by_key(|name| collation.key(name));
        assert_eq!(names, ["aapinen", "Zoo", "Åbolands register", "Ähtärin rekisteri", "Älli", "Öljyrekisteri"]);
    }

    #[test]
    fn accents_sort_as_their_letter() {
        let collation = collation();
        assert_eq!(collation.key("Müller"), collation.key("myller"));
        assert_eq!(collation.key("Café-rekisteri"), collation.key("caferekisteri"));
        assert!(collation.key("Ærø") > collation.key("Zz"));
    }

    #[test]
    fn only_page_names_are_pages() {
        assert_eq!(page_name("lieto.fi-sv.html"), Some(("lieto", LangForm::FiSv)));
        assert_eq!(page_name("a.b.sv.html"), Some(("a.b", LangForm::Sv)));
        assert_eq!(page_name("index.html"), None);
        assert_eq!(page_name("index.sv.html"), None);
        assert_eq!(page_name("x.en.html"), None);
        assert_eq!(page_name("x.fi.pdf"), None);
    }
}
