//! The types of a record and an organisation file: the file format itself.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::source::Parsed;
use crate::text::{Lang, Localized, Phrase};
use crate::time::Date;

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
                Ok(StatuteRef { number: number.trim().to_owned(), sections: None, historical: false })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<StatuteRef, A::Error> {
                let fields = CitationFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(StatuteRef {
                    number: fields.number.trim().to_owned(),
                    sections: fields.sections,
                    historical: fields.historical,
                })
            }
        }
        deserializer.deserialize_any(CitationVisitor)
    }
}

/// A point a notice must answer even when the answer is "there is none": the record
/// either gives what there is or says `none`. A notice states a negative ("no processors
/// are used") only when its record says so; a record that leaves the field out is refused.
#[derive(Clone, Debug, PartialEq)]
pub enum Stated<T> {
    None,
    Given(T),
}

/// The word that states a negative.
pub const NONE: &str = "none";

impl<T> Stated<T> {
    /// What is given, or `None` when the record says there is none.
    pub fn given(&self) -> Option<&T> {
        match self {
            Stated::None => None,
            Stated::Given(value) => Some(value),
        }
    }
}

impl<T> Stated<Vec<T>> {
    /// The items given; none when the record says `none`.
    pub fn items(&self) -> &[T] {
        self.given().map_or(&[], Vec::as_slice)
    }
}

impl<T: Serialize> Serialize for Stated<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Stated::None => serializer.serialize_str(NONE),
            Stated::Given(value) => value.serialize(serializer),
        }
    }
}

/// `none`, or the value itself. A list or a map goes to `T` through the same access, so
/// that an error inside it keeps its path (`processors[1].task`).
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Stated<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StatedVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for StatedVisitor<T> {
            type Value = Stated<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`none`, or what there is")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Stated<T>, E> {
                if text.trim() == NONE {
                    return Ok(Stated::None);
                }
                T::deserialize(de::value::StrDeserializer::new(text)).map(Stated::Given)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Stated<T>, A::Error> {
                T::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Stated::Given)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Stated<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Stated::Given)
            }
        }
        deserializer.deserialize_any(StatedVisitor(std::marker::PhantomData))
    }
}

impl<T: JsonSchema> JsonSchema for Stated<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Stated_{}", T::schema_name()).into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let given = generator.subschema_for::<T>();
        json_schema!({
            "description": "`none` when there is none (the notice then says so), or what there is.",
            "anyOf": [{ "const": NONE }, given]
        })
    }
}

/// One item, or a list of them: the schema of a field read by [`one_or_many`].
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

/// Reads a field that holds one item (a map) or a list of them, keeping the path of an
/// error inside either.
fn one_or_many<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Vec<T>, D::Error> {
    struct OneOrManyVisitor<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrManyVisitor<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("one entry, or a list of entries")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Vec<T>, A::Error> {
            Vec::deserialize(de::value::SeqAccessDeserializer::new(seq))
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vec<T>, A::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|one| vec![one])
        }
    }
    deserializer.deserialize_any(OneOrManyVisitor(std::marker::PhantomData))
}

/// Whether a notice may be published.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Work in progress: marked as a draft, never signed or archived.
    Draft,
    /// Approved for publication.
    #[default]
    Final,
}

impl Status {
    pub fn is_final(&self) -> bool {
        *self == Status::Final
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
    /// `draft` until the notice is approved: a draft is marked LUONNOS / UTKAST on every
    /// page, and is never signed or archived. `final` when left out.
    #[serde(default, skip_serializing_if = "Status::is_final")]
    pub status: Status,
    /// The register's name.
    pub name: Localized,
    pub document: DocumentInfo,
    /// The task class code of the archive formation plan (AMS/TOS), e.g. `05 09 01`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_class: Option<String>,
    /// The body of the organisation that keeps the register, e.g. the perusturvalautakunta.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller_body: Option<Localized>,
    /// More about the controller, printed under its details: a joint controllership
    /// (GDPR Art. 26) and who answers for what, or the services a contractor produces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller_note: Option<Localized>,
    /// The person responsible for the register (rekisterin vastuuhenkilö).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible: Option<Person>,
    /// The contact person for matters of the register (yhteyshenkilö): one person, or a
    /// list of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "one_or_many")]
    #[schemars(with = "OneOrMany<Person>")]
    pub contact: Vec<Person>,
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
    /// Regular disclosures and their recipients, or `none` (the notice then says there are none).
    pub disclosures: Stated<Vec<Disclosure>>,
    /// Transfers outside the EU/EEA, or `none`.
    pub transfers: Stated<Vec<Transfer>>,
    /// Processors that handle the data on the controller's behalf (outsourced processing), or `none`.
    pub processors: Stated<Vec<Processor>>,
    /// Information systems that hold the register.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<System>,
    /// Paper material, or `none` if the register has none.
    pub manual_material: Stated<Localized>,
    pub security: Security,
    pub retention: Retention,
    /// How the right of access to the data is restricted by law, where it is (Data
    /// Protection Act 1050/2018 34 §, e.g. in child welfare): printed with the rights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_restriction: Option<Localized>,
    /// Automated decision-making and profiling, or `none` if neither is used.
    pub automated_decisions: Stated<Localized>,
    /// Who signs this notice, when it differs from the organisation file's signer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<Signatory>,
    /// How `seloste check` treats this record: findings accepted, with the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckSettings>,
}

/// How the check treats a record or an organisation's records.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckSettings {
    /// Findings accepted on purpose, by rule id, each with the reason: they are reported
    /// as notes, with the reason, instead of warnings or errors.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub accept: BTreeMap<String, String>,
    /// A file of the organisation's own rules for free text (`kind: lint-rules`, the form
    /// of templates/lint-rules.yaml), relative to the organisation file. Only in the
    /// organisation file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<PathBuf>,
}

/// The person whose electronic signature a signed notice carries, as the notice names them.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Signatory {
    pub name: String,
    pub title: Localized,
}

/// Where the organisation keeps its signing material. Paths are relative to the
/// organisation file. A record never holds a key, and no file holds a password or PIN:
/// only where to read one.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SigningFiles {
    /// The private key: a PKCS#8 PEM file (encrypted or not), a PKCS#12 file (`.p12`,
    /// `.pfx`), or a key on a token as an RFC 7512 URI (`pkcs11:token=…;object=…`).
    pub key: String,
    /// The signing certificate (PEM), optionally followed by its chain. A PKCS#12 file or
    /// a token gives its own when this is left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<PathBuf>,
    /// A file whose first line is the password of the key file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
    /// The environment variable that holds the password of the key file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
    /// The PKCS#11 module (shared library) of the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pkcs11_module: Option<PathBuf>,
    /// A file whose first line is the token's PIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_file: Option<PathBuf>,
    /// The environment variable that holds the token's PIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_env: Option<String>,
    /// Sign with an RSA key by RSASSA-PSS (SHA-256) instead of PKCS#1 v1.5.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rsa_pss: bool,
    /// More chain certificates (PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<PathBuf>,
    /// The RFC 3161 timestamp authority's URL, for timestamped (PAdES B-T) signatures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tsa: Option<String>,
    /// The CA certificates (PEM) of the TSA, for B-LT and B-LTA when the TSA's tokens do
    /// not carry them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tsa_chain: Option<PathBuf>,
    /// The PAdES level of the PDF signatures; by default B-T with a timestamp authority,
    /// B-B without. `--level` overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<SignatureLevel>,
}

/// What a PAdES signature carries for a validator years later (ETSI EN 319 142-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub enum SignatureLevel {
    /// The signature and the signer's certificate.
    #[serde(rename = "B-B")]
    Basic,
    /// With a timestamp over the signature.
    #[serde(rename = "B-T")]
    Timestamped,
    /// With the certificates and revocation lists (CRLs) of the signer's and the TSA's
    /// chains in the file's DSS.
    #[serde(rename = "B-LT")]
    LongTerm,
    /// B-LT with a document timestamp over the whole file, validation data included.
    #[serde(rename = "B-LTA")]
    LongTermArchival,
}

impl SignatureLevel {
    pub fn name(self) -> &'static str {
        match self {
            SignatureLevel::Basic => "B-B",
            SignatureLevel::Timestamped => "B-T",
            SignatureLevel::LongTerm => "B-LT",
            SignatureLevel::LongTermArchival => "B-LTA",
        }
    }
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
    /// The notice's version as the organisation numbers it, e.g. `2.0`; printed with the date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Who drafted and who updated the notice, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryEntry {
    pub event: HistoryEvent,
    pub date: Date,
    /// Who: a name, or a role per language (`{ fi: tietosuojavastaava, sv: dataskyddsombud }`).
    pub by: Phrase,
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
    /// A phone number, with a note in each language where it has one:
    /// `{ fi: 02 560 4111 (vaihde), sv: 02 560 4111 (växel) }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phrase>,
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
    /// What the transfer rests on (GDPR Chapter V).
    pub ground: TransferGround,
    /// The ground in words: the adequacy decision, the safeguard (e.g. standard data
    /// protection clauses), or the derogation (e.g. the person's explicit consent).
    pub basis: Localized,
    /// With appropriate safeguards: how a copy of them can be obtained (Art. 13(1)(f)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy: Option<Localized>,
}

/// The ground of a transfer outside the EU/EEA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TransferGround {
    /// A Commission adequacy decision (Art. 45).
    Adequacy,
    /// Appropriate safeguards (Art. 46), such as standard data protection clauses.
    Safeguards,
    /// A derogation for a specific situation (Art. 49), such as explicit consent. A
    /// derogation is not a safeguard, and the notice does not call it one.
    Derogation,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Processor {
    /// The processor's name, or a description of a group of them.
    pub name: Phrase,
    /// The processor's business id (Y-tunnus), when it is one organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Phrase>,
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
    /// A phone number, with a note in each language where it has one:
    /// `{ fi: 02 560 4111 (vaihde), sv: 02 560 4111 (växel) }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phrase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// The data protection officer; every public authority has one (GDPR Art. 37(1)(a)),
    /// and the notice must give their contact details (Art. 13(1)(b)). `seloste check`
    /// reports a missing one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpo: Option<Person>,
    pub rights: RightsContact,
    /// Who signs the organisation's notices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<Signatory>,
    /// The signing key and certificate, for `render` and `batch` without `--key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing: Option<SigningFiles>,
    /// The organisation's archive formation plan (AMS/TOS file), relative to this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_plan: Option<PathBuf>,
    /// The organisation's own statutes (`kind: statutes`): entries added to the catalog,
    /// such as a statute too new for the Finlex table, a local regulation, or a decree
    /// with its issuer. Relative to this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statutes: Option<PathBuf>,
    /// How `seloste check` treats the organisation's notices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckSettings>,
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

impl Register {
    /// Refuses to `action` (sign, archive) a draft: only a notice its record marks
    /// `final` is published.
    pub fn require_final(&self, action: &str) -> Result<(), crate::error::Error> {
        if self.record.status.is_final() {
            return Ok(());
        }
        let diagnostic = self
            .source
            .error("record.draft", "status", format!("this notice is a draft, and a draft is never {action}"))
            .with_hint("when the notice is approved, set `status: final` (or remove `status`)");
        Err(crate::error::Error::input(diagnostic))
    }
}

/// A record with the organisation file it refers to, each with its parsed source, so
/// that every later stage can point at a line without reading the file again.
#[derive(Clone, Debug)]
pub struct Register {
    pub path: PathBuf,
    pub record: Record,
    pub source: Parsed,
    pub organisation_path: PathBuf,
    pub organisation: Organisation,
    pub organisation_source: Parsed,
}
