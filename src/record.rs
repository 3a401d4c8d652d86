//! The record stage: one YAML (or JSON) file per register, and the organisation file it
//! shares with the organisation's other registers.
//!
//! Deserialisation is where most input errors are found, because that is where the
//! parser still knows the line. Two rules need more than the shape of the data: a text
//! must exist in every language the record declares, and a cited statute must be in the
//! catalog. Both are checked while deserialising, against a [`LoadContext`] installed
//! for the duration of one file's load, so their errors carry the file's line too.

use std::cell::RefCell;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::error::{Error, InputError};
use crate::statutes::StatuteCatalog;

/// A language of a notice text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Fi,
    Sv,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Fi, Lang::Sv];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Fi => "fi",
            Lang::Sv => "sv",
        }
    }

    /// The BCP 47 tag with the Finnish region, as Word and PDF readers expect it.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Fi => "fi-FI",
            Lang::Sv => "sv-FI",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A calendar date, written `2018-05-17` in records and printed `17.5.2018` in notices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.trim().splitn(3, '-');
        let year: u16 = parts.next()?.parse().ok()?;
        let month: u8 = parts.next()?.parse().ok()?;
        let day: u8 = parts.next()?.parse().ok()?;
        let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1000..=9999).contains(&year).then_some(())?;
        (1..=days_in_month).contains(&day).then_some(Date { year, month, day })
    }

    /// The Finnish and Swedish official form: day and month without leading zeros.
    pub fn finnish(self) -> String {
        format!("{}.{}.{}", self.day, self.month, self.year)
    }

    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.iso())
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Date::parse(&text).ok_or_else(|| {
            de::Error::custom(format!("`{text}` is not a date; write it as YYYY-MM-DD, e.g. 2018-05-17"))
        })
    }
}

impl JsonSchema for Date {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "date", "description": "A date as YYYY-MM-DD." })
    }
}

/// What one file's load is checked against, beyond the shape of the data.
#[derive(Clone)]
pub struct LoadContext {
    pub languages: Vec<Lang>,
    pub statutes: Arc<StatuteCatalog>,
}

thread_local! {
    static CONTEXT: RefCell<Option<LoadContext>> = const { RefCell::new(None) };
}

/// Runs `load` with `context` visible to the deserialisers of [`Localized`] and
/// [`StatuteRef`], which serde gives no other way to reach.
fn with_context<T>(context: &LoadContext, load: impl FnOnce() -> T) -> T {
    let previous = CONTEXT.with(|cell| cell.replace(Some(context.clone())));
    let result = load();
    CONTEXT.with(|cell| cell.replace(previous));
    result
}

fn declared_languages() -> Vec<Lang> {
    CONTEXT.with(|cell| cell.borrow().as_ref().map(|context| context.languages.clone()).unwrap_or_default())
}

fn with_catalog<T>(f: impl FnOnce(&StatuteCatalog) -> T) -> Option<T> {
    CONTEXT.with(|cell| cell.borrow().as_ref().map(|context| f(&context.statutes)))
}

/// A free text given once per language.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fi: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sv: Option<String>,
}

impl Localized {
    /// The text in `lang`. Loading guarantees it exists for every declared language.
    pub fn get(&self, lang: Lang) -> &str {
        let text = match lang {
            Lang::Fi => &self.fi,
            Lang::Sv => &self.sv,
        };
        text.as_deref().unwrap_or_default()
    }
}

fn check_languages<E: de::Error>(fi: &Option<String>, sv: &Option<String>) -> Result<(), E> {
    for lang in declared_languages() {
        let text = match lang {
            Lang::Fi => fi,
            Lang::Sv => sv,
        };
        if text.as_deref().is_none_or(|t| t.trim().is_empty()) {
            return Err(E::custom(format!(
                "the `{lang}` text is missing; the record declares the languages it is published in, and each text needs every one of them"
            )));
        }
    }
    Ok(())
}

impl<'de> Deserialize<'de> for Localized {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Texts {
            fi: Option<String>,
            sv: Option<String>,
        }
        struct LocalizedVisitor;
        impl<'de> Visitor<'de> for LocalizedVisitor {
            type Value = Localized;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a text per language, e.g. `{ fi: ..., sv: ... }`")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Localized, E> {
                Err(E::custom("this text needs a version per language, written as `fi: ...` and `sv: ...` under it"))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Localized, A::Error> {
                let texts = Texts::deserialize(de::value::MapAccessDeserializer::new(map))?;
                check_languages(&texts.fi, &texts.sv)?;
                Ok(Localized { fi: texts.fi, sv: texts.sv })
            }
        }
        deserializer.deserialize_any(LocalizedVisitor)
    }
}

/// A short text that is often the same in every language: a proper name, an address,
/// a section reference. One string when it is the same (`ProConsona`, `PL 24, 21421 Lieto`,
/// `24 §`), or a text per language (`Lieto` / `Lundo`; `25 kohta` / `25 punkten`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Phrase {
    Same(String),
    PerLanguage(Localized),
}

impl Phrase {
    pub fn get(&self, lang: Lang) -> &str {
        match self {
            Phrase::Same(text) => text,
            Phrase::PerLanguage(texts) => texts.get(lang),
        }
    }
}

impl<'de> Deserialize<'de> for Phrase {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Phrase;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("one string, or a text per language `{ fi: ..., sv: ... }`")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Phrase, E> {
                if text.trim().is_empty() {
                    return Err(E::custom("this text is empty"));
                }
                Ok(Phrase::Same(text.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Phrase, A::Error> {
                Localized::deserialize(de::value::MapAccessDeserializer::new(map)).map(Phrase::PerLanguage)
            }
        }
        deserializer.deserialize_any(NameVisitor)
    }
}

impl JsonSchema for Phrase {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Phrase".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let per_language = generator.subschema_for::<Localized>();
        json_schema!({
            "description": "One string when the text is the same in every language, otherwise a text per language.",
            "anyOf": [{ "type": "string", "minLength": 1 }, per_language]
        })
    }
}

/// A citation of a statute by its number, optionally narrowed to sections.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatuteRef {
    /// The statute's number as Finlex writes it: `417/2007`, or `(EU) 2016/679`.
    pub number: String,
    /// The cited sections: `24 §`, or per language when the words differ
    /// (`{ fi: 24 § 1 mom. 25 kohta, sv: 24 § 1 mom. 25 punkten }`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sections: Option<Phrase>,
    /// Set when a repealed statute is cited on purpose, e.g. for data collected under it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub historical: bool,
}

fn check_statute<E: de::Error>(citation: &StatuteRef) -> Result<(), E> {
    let problem = with_catalog(|catalog| catalog.check_citation(&citation.number, citation.historical));
    match problem {
        Some(Err(message)) => Err(E::custom(message)),
        _ => Ok(()),
    }
}

/// The long form of a citation, `{ number: ..., sections: ... }`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "StatuteCitation")]
struct CitationFields {
    /// The statute's number as Finlex writes it: `417/2007`, or `(EU) 2016/679`.
    number: String,
    /// The cited sections: `24 §`, or per language when the words differ.
    #[serde(default)]
    sections: Option<Phrase>,
    /// Set when a repealed statute is cited on purpose, e.g. for data collected under it.
    #[serde(default)]
    historical: bool,
}

impl JsonSchema for StatuteRef {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StatuteRef".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let long_form = generator.subschema_for::<CitationFields>();
        json_schema!({
            "description": "A statute of the catalog, by its number (`417/2007`) or as `{ number, sections, historical }`.",
            "anyOf": [{ "type": "string", "pattern": "^(\\(EU\\) )?[0-9]+/[0-9]{4}$" }, long_form]
        })
    }
}

impl<'de> Deserialize<'de> for StatuteRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CitationVisitor;
        impl<'de> Visitor<'de> for CitationVisitor {
            type Value = StatuteRef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a statute number such as `417/2007`, or `{ number: 417/2007, sections: ... }`")
            }
            fn visit_str<E: de::Error>(self, number: &str) -> Result<StatuteRef, E> {
                let citation = StatuteRef { number: number.trim().to_owned(), sections: None, historical: false };
                check_statute(&citation)?;
                Ok(citation)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<StatuteRef, A::Error> {
                let fields = CitationFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let citation = StatuteRef {
                    number: fields.number.trim().to_owned(),
                    sections: fields.sections,
                    historical: fields.historical,
                };
                check_statute(&citation)?;
                Ok(citation)
            }
        }
        deserializer.deserialize_any(CitationVisitor)
    }
}

/// Marks a file as a register's record, so a folder can also hold organisation files.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    Record,
}

/// Marks a file as an organisation file.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrganisationKind {
    Organisation,
}

/// One register: everything its privacy notice states.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Always `record`.
    pub kind: RecordKind,
    /// The organisation file shared by this organisation's records, relative to this file.
    pub organisation: PathBuf,
    /// The register's identifier: lower-case letters, digits and hyphens. Output files are named after it.
    pub id: String,
    /// The languages the notice is published in.
    pub languages: Vec<Lang>,
    /// The register's name.
    pub name: Localized,
    pub document: DocumentInfo,
    /// The task class code of the archive formation plan (AMS/TOS), e.g. `05 09 01`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_class: Option<String>,
    /// The body of the organisation that keeps the register, e.g. the perusturvalautakunta.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller_body: Option<Localized>,
    /// The person responsible for the register (rekisterin vastuuhenkilö).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible: Option<Person>,
    /// The contact person for matters of the register (yhteyshenkilö).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Person>,
    /// Purposes of the processing, one paragraph each.
    pub purposes: Vec<Localized>,
    pub legal_basis: LegalBasis,
    /// Groups of people whose data the register holds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_subjects: Vec<Localized>,
    /// Categories of personal data, in sub-registers (osarekisterit) where the register has them.
    pub data_categories: Vec<DataGroup>,
    /// Secrecy of the register's data and its legal grounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrecy: Option<Secrecy>,
    /// Where the data come from.
    pub sources: Vec<Localized>,
    /// Whether giving the data is a statutory or contractual requirement, and what follows if it is not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obligation: Option<Localized>,
    /// Regular disclosures and their recipients; none when empty, and the notice says so.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disclosures: Vec<Disclosure>,
    /// Transfers outside the EU/EEA; none when empty, and the notice says so.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transfers: Vec<Transfer>,
    /// Processors that handle the data on the controller's behalf (outsourced processing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub processors: Vec<Processor>,
    /// Information systems that hold the register.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<System>,
    /// Paper material, if the register has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_material: Option<Localized>,
    pub security: Security,
    pub retention: Retention,
    /// Automated decision-making and profiling, if used; when absent the notice states that neither is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated_decisions: Option<Localized>,
    /// Who signs this notice, when it differs from the organisation file's signer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<Signer>,
}

/// The person whose electronic signature a signed notice carries, as the notice names them.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Signer {
    pub name: String,
    pub title: Localized,
}

/// Where the organisation keeps its signing material. Paths are relative to the
/// organisation file. A record never holds a key.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SigningFiles {
    /// The PKCS#8 PEM private key.
    pub key: PathBuf,
    /// The signing certificate (PEM), optionally followed by its chain.
    pub certificate: PathBuf,
    /// More chain certificates (PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<PathBuf>,
    /// The RFC 3161 timestamp authority's URL, for timestamped (PAdES B-T) signatures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tsa: Option<String>,
}

/// The notice document's own identity and history.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentInfo {
    /// The document's date, printed in the title block.
    pub date: Date,
    /// The document or case number, e.g. `Dnro 123/00.01.00/2024`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Who drafted and who updated the notice, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryEntry {
    pub event: HistoryEvent,
    pub date: Date,
    pub by: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum HistoryEvent {
    /// laadittu / upprättad
    Drafted,
    /// päivitetty / uppdaterad
    Updated,
}

/// A person named in the notice, by name, by title, or both.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Person {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub title: Localized,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Phrase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A point of GDPR Art. 6(1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Art6 {
    A,
    B,
    C,
    D,
    E,
    F,
}

/// A point of GDPR Art. 9(2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Art9 {
    A,
    B,
    C,
    D,
    E,
    F,
    G,
    H,
    I,
    J,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalBasis {
    /// Points of GDPR Art. 6(1), e.g. `[c, e]`.
    pub gdpr_art6: Vec<Art6>,
    /// Points of GDPR Art. 9(2) when special categories of data are processed, e.g. `[g, h]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gdpr_art9: Vec<Art9>,
    /// The statutes that require or govern the processing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statutes: Vec<StatuteRef>,
    /// More about the basis, in the organisation's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Localized>,
}

/// A group of data categories; a sub-register (osarekisteri) when it has a name.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataGroup {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Localized>,
    pub items: Vec<Localized>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Secrecy {
    pub text: Localized,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statutes: Vec<StatuteRef>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    /// Who receives the data and what.
    pub recipient: Localized,
    /// On what ground, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<Localized>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statutes: Vec<StatuteRef>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// Where the data go: the country or international organisation.
    pub destination: Localized,
    /// The safeguard, e.g. an adequacy decision or standard contractual clauses.
    pub safeguard: Localized,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Processor {
    pub name: Phrase,
    /// What the processor does with the data.
    pub task: Localized,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct System {
    pub name: Phrase,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Localized>,
}

/// The principles that protect the register, for electronic and for paper material.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Security {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub general: Vec<Localized>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub electronic: Vec<Localized>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub manual: Vec<Localized>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// How long the data are kept, or the criteria for it.
    pub text: Vec<Localized>,
}

/// What every register of one organisation shares.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// Always `organisation`.
    pub kind: OrganisationKind,
    pub name: Phrase,
    /// The business id (Y-tunnus / FO-nummer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_id: Option<String>,
    pub address: Phrase,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// The data protection officer; every public authority has one (GDPR Art. 37(1)(a)).
    pub dpo: Person,
    pub rights: RightsContact,
    /// Who signs the organisation's notices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<Signer>,
    /// The signing key and certificate, for `render` and `batch` without `--key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing: Option<SigningFiles>,
    /// The organisation's archive formation plan (AMS/TOS file), relative to this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_plan: Option<PathBuf>,
}

/// Where a data subject turns to use their rights.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RightsContact {
    /// The postal address requests are sent to.
    pub address: Phrase,
    /// Where the request forms are found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forms: Option<Localized>,
}

/// A record with the organisation file it refers to.
#[derive(Clone, Debug)]
pub struct Register {
    pub path: PathBuf,
    pub record: Record,
    pub organisation_path: PathBuf,
    pub organisation: Organisation,
}

/// The two formats a record may be written in.
fn is_json(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
}

/// Reads a file, naming it in the error.
pub fn read_text(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|err| Error::Io { path: path.to_owned(), action: "read", source: err })
}

/// Parses the document into an untyped tree, for the few things that must be known
/// before the typed load (the file's kind and languages).
pub fn parse_untyped(path: &Path, text: &str) -> Result<serde_json::Value, Error> {
    let parsed = if is_json(path) {
        serde_json::from_str::<serde_json::Value>(text).map_err(|err| json_error(path, String::new(), err))
    } else {
        serde_yaml_ng::from_str::<serde_json::Value>(text).map_err(|err| yaml_error(path, String::new(), err))
    };
    parsed.map_err(Error::Input)
}

fn yaml_error(path: &Path, field: String, err: serde_yaml_ng::Error) -> InputError {
    let line = err.location().map(|location| location.line());
    let message = strip_location(&err.to_string());
    InputError::new(path, field, line, message).with_suggestion()
}

fn json_error(path: &Path, field: String, err: serde_json::Error) -> InputError {
    let line = (err.line() > 0).then_some(err.line());
    let message = strip_location(&err.to_string());
    InputError::new(path, field, line, message).with_suggestion()
}

/// Parser messages end with their own "at line L column C"; we print the line ourselves.
fn strip_location(message: &str) -> String {
    let cut = message.find(" at line ").unwrap_or(message.len());
    let message = &message[..cut];
    // serde_yaml_ng prefixes its own copy of the field path; ours comes from serde_path_to_error.
    match message.split_once(": ") {
        Some((head, rest)) if !head.contains(' ') && !head.is_empty() && head != "invalid type" => rest.to_owned(),
        _ => message.to_owned(),
    }
}

/// Loads one typed file, checking it against `context`.
pub fn load_typed<T: for<'de> Deserialize<'de>>(
    path: &Path,
    text: &str,
    context: &LoadContext,
) -> Result<T, Error> {
    with_context(context, || {
        if is_json(path) {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
                let field = err.path().to_string();
                json_error(path, field, err.into_inner())
            })
        } else {
            let deserializer = serde_yaml_ng::Deserializer::from_str(text);
            serde_path_to_error::deserialize(deserializer).map_err(|err| {
                let field = err.path().to_string();
                yaml_error(path, field, err.into_inner())
            })
        }
    })
    .map_err(Error::Input)
}

/// The languages a record declares, read before the typed load so that every text can be
/// checked against them. A malformed list is left for the typed load to report.
fn declared(tree: &serde_json::Value) -> Vec<Lang> {
    serde_json::from_value::<Vec<Lang>>(tree.get("languages").cloned().unwrap_or_default()).unwrap_or_default()
}

/// What kind of seloste file a parsed document is, by its `kind` field.
pub fn kind_of(tree: &serde_json::Value) -> Option<&str> {
    tree.get("kind").and_then(|kind| kind.as_str())
}

/// Loads a record and its organisation file.
pub fn load_register(path: &Path, statutes: &Arc<StatuteCatalog>) -> Result<Register, Error> {
    let text = read_text(path)?;
    let tree = parse_untyped(path, &text)?;
    let context = LoadContext { languages: declared(&tree), statutes: Arc::clone(statutes) };
    let record: Record = load_typed(path, &text, &context)?;
    crate::check::check_record(path, &text, &record)?;

    let organisation_path = path.parent().unwrap_or(Path::new(".")).join(&record.organisation);
    let organisation_text = read_text(&organisation_path).map_err(|err| match err {
        Error::Io { source, .. } => Error::Input(InputError::new(
            path,
            "organisation".into(),
            crate::check::line_of(&text, "organisation:"),
            format!("cannot read the organisation file {}: {source}", organisation_path.display()),
        )),
        other => other,
    })?;
    let organisation: Organisation = load_typed(&organisation_path, &organisation_text, &context)?;
    Ok(Register { path: path.to_owned(), record, organisation_path, organisation })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_print_without_leading_zeros_and_reject_impossible_days() {
        let date = Date::parse("2018-05-07").unwrap();
        assert_eq!(date.finnish(), "7.5.2018");
        assert_eq!(date.iso(), "2018-05-07");
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2018-13-01").is_none());
        assert!(Date::parse("17.5.2018").is_none());
    }

    #[test]
    fn parser_locations_are_stripped_from_messages() {
        assert_eq!(strip_location("missing field `id` at line 3 column 1"), "missing field `id`");
        assert_eq!(strip_location("name.fi: invalid length at line 2 column 3"), "invalid length");
    }
}
