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

    /// The sort key of `text`: its letters' places in the alphabet, case and accents
    /// aside. A letter in neither list sorts after the alphabet, by its code point; white
    /// space and punctuation are passed over.
    pub fn key(&self, text: &str) -> Vec<u32> {
        let mut key = Vec::with_capacity(text.len());
        for c in text.chars().flat_map(char::to_lowercase) {
            match self.variants.get(&c) {
                Some(base) => key.extend(base.chars().map(|c| self.weight(c))),
                None if c.is_alphanumeric() => key.push(self.weight(c)),
                None => {}
            }
        }
        key
    }

    fn weight(&self, c: char) -> u32 {
        self.weights.get(&c).copied().unwrap_or(self.weights.len() as u32 + u32::from(c))
    }
}

/// Rewrites the index pages of `dir` from the pages in it; returns the files written.
/// An index that would list nothing is removed, so that no index lists pages gone from
/// the folder.
pub fn write_index(web: &WebRenderer, texts: &Texts, collation: &Collation, dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let _lock = lock(dir)?;
    let mut entries = scan(dir)?;
    let swedish = entries.iter().any(|entry| entry.names.iter().any(|(lang, _)| *lang == Lang::Sv));
    let mut written = Vec::new();
    for (lang, name, other) in [(Lang::Fi, INDEX_FI, (Lang::Sv, INDEX_SV)), (Lang::Sv, INDEX_SV, (Lang::Fi, INDEX_FI))]
    {
        let path = dir.join(name);
        if entries.is_empty() || (lang == Lang::Sv && !swedish) {
            match std::fs::remove_file(&path) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                    return Err(Error::io(&path, "remove the outdated index", err));
                }
                _ => continue,
            }
        }
        sort_for(&mut entries, lang, collation);
        let publishers = publishers_in(&entries, lang, collation);
        let bytes = web.index(texts, lang, &entries, &publishers, swedish.then_some(other))?;
        output::write_atomic(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}

/// The organisations of the registers, each named once in `lang` where it can be, in
/// alphabetical order.
fn publishers_in<'a>(entries: &'a [IndexEntry], lang: Lang, collation: &Collation) -> Vec<(Lang, &'a str)> {
    let mut publishers: Vec<(Lang, &str)> =
        entries.iter().map(|entry| crate::render::html::in_language(&entry.publishers, lang)).collect();
    publishers.sort_by_cached_key(|(_, name)| (collation.key(name), name.to_string()));
    publishers.dedup_by(|a, b| a.1 == b.1);
    publishers
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
    publishers: Vec<(Lang, String)>,
    date: Date,
}

/// Every register with a page in `dir`, in no particular order.
fn scan(dir: &Path) -> Result<Vec<IndexEntry>, Error> {
    let listing = std::fs::read_dir(dir).map_err(|source| Error::io(dir, "read the folder", source))?;
    let mut pages: BTreeMap<String, Vec<(LangForm, PageFacts)>> = BTreeMap::new();
    for entry in listing.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some((id, form)) = page_name(&file_name) else { continue };
        let Some(text) = read_page(&entry.path()) else { continue };
        if let Some(facts) = read_head(&text, id) {
            pages.entry(id.to_owned()).or_default().push((form, facts));
        }
    }
    Ok(pages.into_iter().map(|(id, pages)| entry_of(dir, id, pages)).collect())
}

/// The text of a page, if it is a regular file (not a link, not a device or pipe) of a
/// page's size in UTF-8. What is checked is the file opened, not the name.
fn read_page(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    if path.symlink_metadata().ok()?.is_symlink() {
        return None;
    }
    let file = options.open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > MAX_PAGE_BYTES {
        return None;
    }
    let mut text = String::new();
    file.take(MAX_PAGE_BYTES).read_to_string(&mut text).ok()?;
    Some(text)
}

/// The register's entry from its pages: the names of every page, the newest page's date,
/// and each form's files.
fn entry_of(dir: &Path, id: String, mut pages: Vec<(LangForm, PageFacts)>) -> IndexEntry {
    pages.sort_by_key(|(form, _)| *form);
    let date = pages.iter().map(|(_, facts)| facts.date).max().expect("a register has a page");
    let names = by_language(pages.iter().flat_map(|(_, facts)| &facts.names));
    let publishers = by_language(pages.iter().flat_map(|(_, facts)| &facts.publishers));
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
    IndexEntry { id, names, publishers, date, versions }
}

/// One text per language, the first given, in the order of the languages.
fn by_language<'a>(texts: impl Iterator<Item = &'a (Lang, String)>) -> Vec<(Lang, String)> {
    let mut chosen: Vec<(Lang, String)> = Vec::new();
    for (lang, text) in texts {
        if !chosen.iter().any(|(known, _)| known == lang) {
            chosen.push((*lang, text.clone()));
        }
    }
    chosen.sort();
    chosen
}

/// The register id and language form of a page's file name, `<id>.<form>.html`.
fn page_name(file_name: &str) -> Option<(&str, LangForm)> {
    if file_name == INDEX_FI || file_name == INDEX_SV {
        return None;
    }
    let (id, form) = file_name.strip_suffix(".html")?.rsplit_once('.')?;
    let form = LangForm::ALL.into_iter().find(|candidate| candidate.file_code() == form)?;
    // Only names a record's id can have: the id goes into the index's links as it is.
    let usable = !id.starts_with('-') && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    (!id.is_empty() && usable).then_some((id, form))
}

/// What a page's head says of its register, if it is a page of the register `id`.
fn read_head(text: &str, id: &str) -> Option<PageFacts> {
    let head = &text[..text.find("</head>")?];
    let document = scraper::Html::parse_document(head);
    let selector = scraper::Selector::parse("meta[name][content]").ok()?;
    let mut facts = PageFacts { names: Vec::new(), publishers: Vec::new(), date: Date::parse("1000-01-01")? };
    let mut named_id = None;
    let mut dated = false;
    for meta in document.select(&selector) {
        let element = meta.value();
        let content = element.attr("content").unwrap_or_default().trim().to_owned();
        let lang = Lang::ALL.into_iter().find(|lang| element.attr("lang") == Some(lang.code()));
        match element.attr("name").unwrap_or_default() {
            "dcterms.identifier" => named_id = Some(content),
            "dcterms.publisher" => facts.publishers.push((lang?, content)),
            "dcterms.date" => {
                facts.date = Date::parse(&content)?;
                dated = true;
            }
            "dcterms.title" => facts.names.push((lang?, content)),
            _ => {}
        }
    }
    let complete = dated && !facts.names.is_empty() && !facts.publishers.is_empty();
    (named_id.as_deref() == Some(id) && complete).then_some(facts)
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
        assert!(collation.key("Łódź") < collation.key("Åbo"), "a mapped letter sorts as its base");
        assert!(collation.key("Ωmega") > collation.key("Öö"), "an unknown letter sorts after the alphabet");
        assert_eq!(collation.key("a-b c"), collation.key("abc"));
    }

    #[test]
    fn only_page_names_are_pages() {
        assert_eq!(page_name("lieto.fi-sv.html"), Some(("lieto", LangForm::FiSv)));
        assert_eq!(page_name("a-2.sv.html"), Some(("a-2", LangForm::Sv)));
        assert_eq!(page_name("a.b.sv.html"), None);
        assert_eq!(page_name("index.html"), None);
        assert_eq!(page_name("index.sv.html"), None);
        assert_eq!(page_name("x.en.html"), None);
        assert_eq!(page_name("x.fi.pdf"), None);
        assert_eq!(page_name("https:evil.example.fi.html"), None);
        assert_eq!(page_name("a#b.fi.html"), None);
    }
}
