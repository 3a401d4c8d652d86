//! The check stage: rules that span several fields of a record, run after it has loaded.
//! Rules that concern one value (a text per declared language, a known statute) are
//! checked while loading, in [`crate::record`], where the line is still known.

use std::path::Path;

use crate::error::{Error, InputError};
use crate::record::{Art6, Record};

/// The first line (1-based) of `text` that contains `needle`, to point an error at a
/// value that has already lost its position.
pub fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|line| line.contains(needle)).map(|index| index + 1)
}

pub fn check_record(path: &Path, text: &str, record: &Record) -> Result<(), Error> {
    let fail = |field: &str, needle: &str, message: String| {
        Error::Input(InputError::new(path, field.to_owned(), line_of(text, needle), message))
    };

    let id_ok = !record.id.is_empty()
        && record.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !record.id.starts_with('-');
    if !id_ok {
        return Err(fail(
            "id",
            "id:",
            format!("`{}` is not a usable register id: use lower-case letters a-z, digits and hyphens, e.g. `huittinen-lastensuojelu`", record.id),
        ));
    }
    if record.languages.is_empty() {
        return Err(fail("languages", "languages:", "the record declares no language; write `languages: [fi]`, `[sv]` or `[fi, sv]`".into()));
    }
    let mut seen = Vec::new();
    for lang in &record.languages {
        if seen.contains(lang) {
            return Err(fail("languages", "languages:", format!("`{lang}` is listed twice")));
        }
        seen.push(*lang);
    }
    if record.legal_basis.gdpr_art6.is_empty() {
        return Err(fail(
            "legal_basis.gdpr_art6",
            "gdpr_art6",
            "name at least one point of GDPR Art. 6(1) as the legal basis, e.g. `[c]` for a legal obligation or `[e]` for a task in the public interest".into(),
        ));
    }
    if record.legal_basis.gdpr_art6.contains(&Art6::F) {
        return Err(Error::Input(
            InputError::new(
                path,
                "legal_basis.gdpr_art6".into(),
                line_of(text, "gdpr_art6"),
                "point (f), legitimate interests, does not apply to processing by public authorities in the performance of their tasks (GDPR Art. 6(1), last subparagraph)".into(),
            )
            .with_hint("a municipality's or county's register rests on (c) a legal obligation or (e) a task in the public interest"),
        ));
    }
    if record.purposes.is_empty() {
        return Err(fail("purposes", "purposes:", "state at least one purpose of the processing".into()));
    }
    if record.data_categories.iter().all(|group| group.items.is_empty()) {
        return Err(fail("data_categories", "data_categories:", "list the categories of personal data the register holds".into()));
    }
    if record.sources.is_empty() {
        return Err(fail("sources", "sources:", "state where the data come from (GDPR Art. 14(2)(f))".into()));
    }
    if record.retention.text.is_empty() {
        return Err(fail("retention.text", "retention:", "state how long the data are kept, or the criteria for it".into()));
    }
    Ok(())
}
