//! Reading a record and the organisation file it names. A file is accepted only as the
//! kind it must be (`kind: record`, `kind: organisation`), checked before its fields, so
//! that a path pointing at something else is refused by kind and its content never shown.

use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

use super::types::{Organisation, Record, Register};
use crate::error::{Diagnostic, Error};
use crate::source::{self, Limits, Parsed, SourceFile};

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
    let (register, errors) = load_register_repaired(path)?;
    if errors.is_empty() { Ok(register) } else { Err(Error::Input(errors)) }
}

/// Loads a record and its organisation file however many shape errors they have: every
/// error, and the register read with each wrong value repaired (from the starter files),
/// so that the check can say what else is wrong. Fails only when a file cannot be read
/// as its kind at all.
pub fn load_register_repaired(path: &Path) -> Result<(Register, Vec<Diagnostic>), Error> {
    let source = source::read_parsed(path, &Limits::INPUT)?;
    expect_kind(&source, RECORD)?;
    let (record, record_errors) = source.typed_repaired::<Record>(starter(&STARTER_RECORD));
    let mut errors = hint_stated_fields(record_errors);
    let Some(record) = record else { return Err(Error::Input(errors)) };
    let organisation_path = path.parent().unwrap_or(Path::new(".")).join(&record.organisation);
    let organisation_source = read_organisation(&source, &organisation_path)?;
    let (organisation, organisation_errors) =
        organisation_source.typed_repaired::<Organisation>(starter(&STARTER_ORGANISATION));
    errors.extend(organisation_errors);
    let Some(organisation) = organisation else { return Err(Error::Input(errors)) };
    let register =
        Register { path: path.to_owned(), record, source, organisation_path, organisation, organisation_source };
    Ok((register, errors))
}

/// A complete record and organisation file, for the user to start from and for reading
/// on past a shape error ([`Parsed::typed_all`]).
pub static STARTER_RECORD: Starter =
    Starter::new("templates/starter/record.yaml", include_str!("../../templates/starter/record.yaml"));
pub static STARTER_ORGANISATION: Starter =
    Starter::new("templates/starter/organisation.yaml", include_str!("../../templates/starter/organisation.yaml"));

/// A built-in starter file and its tree, parsed on first use.
pub struct Starter {
    pub name: &'static str,
    pub text: &'static str,
    tree: OnceLock<Value>,
}

impl Starter {
    const fn new(name: &'static str, text: &'static str) -> Starter {
        Starter { name, text, tree: OnceLock::new() }
    }
}

fn starter(starter: &Starter) -> &Value {
    starter.tree.get_or_init(|| {
        let file = SourceFile { path: starter.name.into(), text: starter.text.to_owned() };
        source::parse(file, &Limits::INPUT).map(|parsed| parsed.tree).unwrap_or(Value::Null)
    })
}

/// The fields a record must state even when there is nothing to state.
const STATED_FIELDS: [&str; 5] = ["disclosures", "transfers", "processors", "manual_material", "automated_decisions"];

/// Tells, with a missing field that takes `none`, that it does.
fn hint_stated_fields(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diagnostics
        .into_iter()
        .map(|diagnostic| {
            let stated = STATED_FIELDS.iter().find(|field| diagnostic.message == format!("missing field `{field}`"));
            match stated {
                Some(field) if diagnostic.rule == "schema.missing-field" => diagnostic.with_hint(format!(
                    "every notice states this point: write `{field}: none` if there is nothing to state, and the notice says so"
                )),
                _ => diagnostic,
            }
        })
        .collect()
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
