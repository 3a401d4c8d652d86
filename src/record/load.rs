//! Reading a record and the organisation file it names. A file is accepted only as the
//! kind it must be (`kind: record`, `kind: organisation`), checked before its fields, so
//! that a path pointing at something else is refused by kind and its content never shown.

use std::path::Path;

use super::types::{Organisation, Record, Register};
use crate::error::{Diagnostic, Error};
use crate::source::{self, Limits, Parsed};

/// The kinds of file seloste reads, by their `kind` field.
pub const RECORD: &str = "record";
pub const ORGANISATION: &str = "organisation";

/// Requires `parsed` to declare `kind: <expected>`.
pub fn expect_kind(parsed: &Parsed, expected: &str) -> Result<(), Error> {
    let diagnostic = match parsed.kind() {
        Some(kind) if kind == expected => return Ok(()),
        Some(kind) => parsed
            .error("file.kind", "kind", format!("this is a `{}` file, not a `{expected}` file", source::redact(kind)))
            .with_hint(format!("give a file that starts with `kind: {expected}`")),
        None => Diagnostic::error(
            "file.kind",
            &parsed.source.path,
            "",
            format!("this is not a seloste `{expected}` file: it has no `kind: {expected}`"),
        ),
    };
    Err(Error::input(diagnostic))
}

/// Loads a record and its organisation file: their shape, not yet whether what they say
/// is complete (that is [`crate::check`]).
pub fn load_register(path: &Path) -> Result<Register, Error> {
    let source = source::read_parsed(path, &Limits::INPUT)?;
    expect_kind(&source, RECORD)?;
    let record: Record = source.typed()?;
    let organisation_path = path.parent().unwrap_or(Path::new(".")).join(&record.organisation);
    let organisation_source = read_organisation(&source, &organisation_path)?;
    let organisation: Organisation = organisation_source.typed()?;
    Ok(Register { path: path.to_owned(), record, source, organisation_path, organisation, organisation_source })
}

/// Reads the organisation file a record names; a file that cannot be read is reported at
/// the record's `organisation` field.
fn read_organisation(record: &Parsed, path: &Path) -> Result<Parsed, Error> {
    let parsed = source::read_parsed(path, &Limits::INPUT).map_err(|err| match err {
        Error::Io { source, .. } => Error::input(record.error(
            "record.organisation",
            "organisation",
            format!("cannot read the organisation file {}: {source}", path.display()),
        )),
        other => other,
    })?;
    expect_kind(&parsed, ORGANISATION)?;
    Ok(parsed)
}
