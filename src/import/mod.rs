//! `seloste import`: legacy notices in, draft records out, nothing lost.
//!
//! Each source is read as lines ([`extract`]), cut into sections by its headings
//! ([`sections`], by the words of the heading vocabulary, not the numbers), read into the
//! fields of a draft ([`fields`]) and written as YAML with the source text that was not
//! taken as a value in comments ([`yaml`]). A draft is `status: draft`, declares only
//! the language it was written in (import never translates), and has `TODO` where the
//! source did not say, which `seloste check` reports as an error: a draft cannot be
//! published by accident. One organisation file is written per controller and shared by
//! its registers.
//!
//! This module knows nothing of rendering or signing; it uses the statute catalog to
//! read citations.

pub mod extract;
pub mod fields;
pub mod sections;
mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Diagnostic, Error};
use crate::statutes::StatuteCatalog;
use crate::text::Lang;
use extract::Format;
use fields::Draft;
use sections::Vocabulary;

/// What import needs: the heading vocabulary, the statute catalog, and a font for PDFs
/// whose fonts are not embedded.
pub struct Importer<'a> {
    pub vocabulary: &'a Vocabulary,
    pub catalog: &'a StatuteCatalog,
    pub fallback_font: &'static [u8],
}

/// One source read into a draft, not yet written.
pub struct Read {
    pub source: PathBuf,
    /// The language the source is written in; the draft declares only it.
    pub lang: Lang,
    pub draft: Draft,
    /// Section headings of the source that match no field, kept as comments.
    pub unmapped: Vec<String>,
}

/// One source written as a draft.
pub struct Written {
    pub source: PathBuf,
    pub record: PathBuf,
    pub organisation: PathBuf,
    /// Whether this source's controller got a new organisation file (or shares one).
    pub new_organisation: bool,
    /// The fields found in the source.
    pub found: Vec<&'static str>,
    /// The headings that match no field.
    pub unmapped: Vec<String>,
}

/// The files `sources` names: files as given, folders searched for `.txt`, `.docx`,
/// `.pdf`, `.html` and `.htm` files, in name order.
pub fn discover(sources: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut found = Vec::new();
    for source in sources {
        if source.is_dir() {
            let mut pending = vec![source.clone()];
            let mut files = Vec::new();
            while let Some(dir) = pending.pop() {
                let entries = std::fs::read_dir(&dir).map_err(|err| Error::io(&dir, "read the folder", err))?;
                for entry in entries {
                    let path = entry.map_err(|err| Error::io(&dir, "read the folder", err))?.path();
                    if path.is_dir() {
                        pending.push(path);
                    } else if Format::of(&path).is_some() {
                        files.push(path);
                    }
                }
            }
            files.sort();
            found.extend(files);
        } else {
            found.push(source.clone());
        }
    }
    Ok(found)
}

impl Importer<'_> {
    /// Reads every source, in parallel; each result is the source's draft or why it
    /// could not be read.
    pub fn read_all(&self, sources: &[PathBuf]) -> Vec<Result<Read, Error>> {
        sources.par_iter().map(|source| self.read(source)).collect()
    }

    /// Reads one source into a draft.
    pub fn read(&self, source: &Path) -> Result<Read, Error> {
        let refuse = |message: String| Error::input(Diagnostic::error("import.source", source, "", message));
        let format = Format::of(source).ok_or_else(|| {
            refuse("not a notice seloste can read: give a .txt, .docx, .pdf, .html or .htm file".into())
        })?;
        let size = std::fs::metadata(source).map_err(|err| Error::io(source, "read", err))?.len();
        if size > extract::MAX_SOURCE_BYTES {
            return Err(refuse(format!("{size} bytes is more than a notice has; is this the right file?")));
        }
        let bytes = std::fs::read(source).map_err(|err| Error::io(source, "read", err))?;
        let lines = extract::lines(&bytes, format, self.fallback_font).map_err(refuse)?;
        let sections = sections::sections(&lines, self.vocabulary);
        if !sections.iter().any(|section| section.field().is_some()) {
            return Err(refuse("no section of a privacy notice was found in it (no heading such as \"Rekisterinpitäjä\" or \"Personuppgiftsansvarig\")".into()));
        }
        let lang = sections::language(&sections);
        let unmapped = sections
            .iter()
            .filter_map(|section| {
                section.heading.as_ref().filter(|heading| heading.field.is_none()).map(|heading| heading.text.clone())
            })
            .collect();
        let draft = fields::read(&sections, self.catalog);
        Ok(Read { source: source.to_owned(), lang, draft, unmapped })
    }
}

/// Writes the drafts into `dir`: `<id>.yaml` for each, and `organisations/<id>.yaml` once
/// per controller (an organisation file already there is used, never written over). A
/// record file already there is not written over either: it may have been edited.
pub fn write_all(dir: &Path, read: Vec<Read>) -> Vec<Result<Written, Error>> {
    // What the sources of one controller say of it, together: each file of theirs may
    // give what the others leave out.
    let mut merged: BTreeMap<String, (fields::OrganisationDraft, Lang, String)> = BTreeMap::new();
    for read in &read {
        let (id, _) = organisation_id(read);
        match merged.get_mut(&id) {
            Some((organisation, _, _)) => organisation.fill_from(&read.draft.organisation),
            None => {
                let source = read.source.display().to_string();
                merged.insert(id, (read.draft.organisation.clone(), read.lang, source));
            }
        }
    }
    let mut written_organisations: BTreeMap<String, Result<bool, String>> = BTreeMap::new();
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    read.into_iter()
        .map(|read| {
            let draft = &read.draft;
            let source_name = read.source.display().to_string();
            let (organisation_id, organisation_name) = organisation_id(&read);
            let organisation_path = dir.join("organisations").join(format!("{organisation_id}.yaml"));
            let new_organisation = match written_organisations.get(&organisation_id) {
                Some(Ok(_)) => false,
                Some(Err(message)) => {
                    return Err(Error::input(Diagnostic::error("import.organisation", &organisation_path, "", message.clone())));
                }
                None => {
                    let written = if organisation_path.exists() {
                        Ok(false)
                    } else {
                        let (organisation, lang, source) = &merged[&organisation_id];
                        let text = yaml::organisation(organisation, *lang, source);
                        crate::output::write_new(&organisation_path, text.as_bytes()).map(|()| true).map_err(|err| err.to_string())
                    };
                    written_organisations.insert(organisation_id.clone(), written.clone());
                    written.map_err(|message| Error::input(Diagnostic::error("import.organisation", &organisation_path, "", message)))?
                }
            };
            let register_name = draft.name.clone().unwrap_or_else(|| stem(&read.source));
            // `solviks-arbetarinstituts-kursregister`, not `solviks-solviks-…`.
            let organisation_slug = slug(short_organisation(&organisation_name), 20);
            let register_slug = slug(&register_name, 40);
            let mut id = if register_slug.starts_with(&format!("{organisation_slug}-")) {
                register_slug
            } else {
                format!("{organisation_slug}-{register_slug}")
            };
            let count = ids.entry(id.clone()).or_insert(0);
            *count += 1;
            if *count > 1 {
                id = format!("{id}-{count}");
            }
            let record_path = dir.join(format!("{id}.yaml"));
            if record_path.exists() {
                return Err(Error::input(Diagnostic::error(
                    "import.exists",
                    &record_path,
                    "",
                    format!("a draft of {source_name} is already here and may have been edited; import into another folder or remove it first"),
                )));
            }
            let organisation_file = format!("organisations/{organisation_id}.yaml");
            let text = yaml::record(draft, read.lang, &id, &organisation_file, &source_name);
            crate::output::write_new(&record_path, text.as_bytes())?;
            Ok(Written {
                source: read.source.clone(),
                record: record_path,
                organisation: organisation_path,
                new_organisation,
                found: found_fields(draft),
                unmapped: read.unmapped,
            })
        })
        .collect()
}

/// The organisation file's id and the controller's name. A controller the source does not
/// name gets a file of its own, never one shared with another source's.
fn organisation_id(read: &Read) -> (String, String) {
    let name = read.draft.organisation.name.clone().unwrap_or_else(|| format!("organisaatio {}", stem(&read.source)));
    (slug(&name, 40), name)
}

/// The fields of a draft that the source filled.
fn found_fields(draft: &Draft) -> Vec<&'static str> {
    let checks: [(&'static str, bool); 14] = [
        ("name", draft.name.is_some()),
        ("controller", draft.organisation.name.is_some()),
        ("address", draft.organisation.address.is_some()),
        ("contact", !draft.contacts.is_empty()),
        ("data protection officer", draft.organisation.dpo.is_some()),
        ("purposes", !draft.purposes.is_empty()),
        ("legal basis", !draft.art6.is_empty()),
        ("statutes", !draft.statutes.is_empty()),
        ("data content", !draft.data_categories.is_empty()),
        ("sources", !draft.sources.is_empty()),
        ("disclosures", draft.disclosures != fields::Listed::Unknown),
        ("transfers", draft.transfers != fields::Listed::Unknown),
        (
            "security",
            !(draft.security_general.is_empty()
                && draft.security_electronic.is_empty()
                && draft.security_manual.is_empty()),
        ),
        ("retention", !draft.retention.is_empty()),
    ];
    checks.into_iter().filter(|(_, found)| *found).map(|(name, _)| name).collect()
}

/// `Huittisten kaupunki` → `huittinen`-like short name: the first word, without the
/// genitive `-n` of a Finnish municipality name.
fn short_organisation(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or(name)
}

fn stem(path: &Path) -> String {
    path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_else(|| "rekisteri".into())
}

/// An identifier from a name: lower-case ASCII letters, digits and hyphens.
pub fn slug(name: &str, max: usize) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'ä' | 'å' | 'á' | 'à' | 'â' => 'a',
            'ö' | 'ø' | 'ó' | 'ô' => 'o',
            'é' | 'è' | 'ê' => 'e',
            'ü' | 'ú' => 'u',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        };
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    // Cut at a word's end, never inside one.
    if out.len() > max {
        let cut = out[..=max].rfind('-').filter(|at| *at > 0).unwrap_or(max);
        out.truncate(cut);
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() { "rekisteri".into() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lower_case_ascii() {
        assert_eq!(slug("Lastensuojelun asiakasrekisteri", 40), "lastensuojelun-asiakasrekisteri");
        assert_eq!(slug("Björkby kommun – Hemvård (2019)", 40), "bjorkby-kommun-hemvard-2019");
        assert_eq!(slug("***", 40), "rekisteri");
    }
}
