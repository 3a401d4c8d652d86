//! The compose stage: a register and a language form give one [`Document`], the value
//! both renderers read. The fixed texts come from `templates/<lang>.yaml`, one
//! Handlebars template per text, filled with the record's data; this module decides
//! only which texts appear, in what order, and how they are numbered.

use std::collections::BTreeMap;
use std::sync::Arc;

use handlebars::Handlebars;
use serde::Serialize;
use serde_json::{Value, json};

use crate::assets::Assets;
use crate::error::Error;
use crate::record::{Art6, Art9, HistoryEvent, Person, Register, Status, StatuteRef, TransferGround};
use crate::statutes::{Entries, StatuteCatalog};
use crate::text::{Lang, Localized};
use crate::time::Date;

/// A language form of a notice: one language, or both in one document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LangForm {
    Fi,
    Sv,
    FiSv,
}

impl LangForm {
    pub const ALL: [LangForm; 3] = [LangForm::Fi, LangForm::Sv, LangForm::FiSv];

    /// The languages the form carries, in the order they appear.
    pub fn languages(self) -> &'static [Lang] {
        match self {
            LangForm::Fi => &[Lang::Fi],
            LangForm::Sv => &[Lang::Sv],
            LangForm::FiSv => &[Lang::Fi, Lang::Sv],
        }
    }

    /// The form's part of an output file name: `fi`, `sv` or `fi-sv`.
    pub fn file_code(self) -> &'static str {
        match self {
            LangForm::Fi => "fi",
            LangForm::Sv => "sv",
            LangForm::FiSv => "fi-sv",
        }
    }

    /// The form of one language.
    pub fn single(lang: Lang) -> LangForm {
        match lang {
            Lang::Fi => LangForm::Fi,
            Lang::Sv => LangForm::Sv,
        }
    }

    /// The forms a record is published in by default: each declared language, and the
    /// bilingual form when it declares both.
    pub fn defaults(declared: &[Lang]) -> Vec<LangForm> {
        let mut forms = Vec::new();
        if declared.contains(&Lang::Fi) {
            forms.push(LangForm::Fi);
        }
        if declared.contains(&Lang::Sv) {
            forms.push(LangForm::Sv);
        }
        if forms.len() == 2 {
            forms.push(LangForm::FiSv);
        }
        forms
    }
}

/// One notice, composed: everything either renderer prints, and nothing about how.
#[derive(Clone, Debug, Serialize)]
pub struct Document {
    /// The document title for metadata: PDF `/Title`, DOCX `dc:title`.
    pub title: String,
    /// The main language; the first part's.
    pub lang: Lang,
    pub author: String,
    pub subject: String,
    pub date: Date,
    pub header: Header,
    pub parts: Vec<Part>,
}

/// The SFS 2487 title block, repeated at the top of every page.
#[derive(Clone, Debug, Serialize)]
pub struct Header {
    /// Organisation and body, at the top left.
    pub organisation: Vec<String>,
    /// The language of each organisation line, for a renderer that marks the language of
    /// its parts (HTML `lang`); not in the JSON, so the archive's fingerprint stays.
    #[serde(skip)]
    pub organisation_langs: Vec<Lang>,
    /// TIETOSUOJASELOSTE, DATASKYDDSBESKRIVNING, or both, one to a line.
    pub doc_types: Vec<String>,
    /// LUONNOS / UTKAST on a draft, on every page.
    pub draft: Option<String>,
    pub date: String,
    pub reference: Option<String>,
}

/// The full text in one language.
#[derive(Clone, Debug, Serialize)]
pub struct Part {
    pub lang: Lang,
    /// The register's name, the part's title.
    pub heading: String,
    /// LUONNOS or UTKAST on a draft, under the heading, where a screen reader reads it too.
    pub draft: Option<String>,
    /// The organisation's name in the part's language, for a renderer's metadata (the web
    /// page's publisher); not in the JSON, so the archive's fingerprint stays.
    #[serde(skip)]
    pub publisher: String,
    pub intro: String,
    /// The document's date, version and case number, in the text as well as in the title
    /// block, which a screen reader skips as a page artifact.
    pub details: Vec<Field>,
    pub sections: Vec<Section>,
    /// The electronic-signature statement, when the notice is rendered for signing.
    pub signature: Option<SignatureNote>,
}

/// "Tämä asiakirja on sähköisesti allekirjoitettu." and who signed, with their title.
#[derive(Clone, Debug, Serialize)]
pub struct SignatureNote {
    pub statement: String,
    pub signers: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Section {
    /// Which section this is (`controller`, `dpo`, ...), for the check; not printed.
    #[serde(skip)]
    pub key: String,
    /// `1`, `7.2`: computed here so that both renderers number alike.
    pub number: String,
    pub heading: String,
    pub blocks: Vec<Block>,
    pub subsections: Vec<Section>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Block {
    Paragraph {
        text: String,
    },
    List {
        items: Vec<String>,
    },
    /// Label-value rows, e.g. Osoite / Risto Rytin katu 36; a value may have several lines.
    Fields {
        rows: Vec<Field>,
    },
}

#[derive(Clone, Debug, Serialize)]
pub struct Field {
    pub label: String,
    pub lines: Vec<String>,
    /// The date the row states, for a renderer that marks dates up (HTML `<time>`). Not in
    /// the JSON: the printed line says it, and the archive's fingerprint stays as it was.
    #[serde(skip)]
    pub datetime: Option<Date>,
}

/// The fixed texts of every language, compiled once per process.
pub struct Texts {
    registry: Handlebars<'static>,
    statutes: Arc<StatuteCatalog>,
}

impl Texts {
    /// Compiles the text templates of every language and loads the statute catalog.
    /// Both languages must define the same texts, so a text never goes missing in one.
    pub fn load(assets: &Assets) -> Result<Texts, Error> {
        let statutes =
            Arc::new(StatuteCatalog::load(&assets.statutes, assets.statute_overrides.as_ref(), assets.finlex)?);
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        registry.register_escape_fn(handlebars::no_escape);
        let mut keys_per_language = Vec::new();
        for (lang, asset) in &assets.texts {
            let broken = |message: String| Error::Template { name: asset.name.clone(), message };
            let tree: Value = serde_yaml_ng::from_str(&asset.text).map_err(|err| broken(err.to_string()))?;
            let mut flat = BTreeMap::new();
            flatten("", &tree, &mut flat).map_err(broken)?;
            for (key, source) in &flat {
                registry
                    .register_template_string(&format!("{lang}/{key}"), source)
                    .map_err(|err| broken(format!("{key}: {err}")))?;
            }
            keys_per_language.push((asset.name.clone(), flat.into_keys().collect::<Vec<_>>()));
        }
        let (first_name, first_keys) = &keys_per_language[0];
        for (name, keys) in &keys_per_language[1..] {
            let unmatched = first_keys
                .iter()
                .find(|key| !keys.contains(key))
                .or_else(|| keys.iter().find(|key| !first_keys.contains(key)));
            if let Some(key) = unmatched {
                return Err(Error::Template {
                    name: name.clone(),
                    message: format!(
                        "the text `{key}` is in only one of {first_name} and {name}; every language needs every text"
                    ),
                });
            }
        }
        Ok(Texts { registry, statutes })
    }

    pub fn statutes(&self) -> &Arc<StatuteCatalog> {
        &self.statutes
    }

    /// The text `key` of `lang`'s templates, filled with `data`.
    pub fn render(&self, lang: Lang, key: &str, data: &Value) -> Result<String, Error> {
        self.registry
            .render(&format!("{lang}/{key}"), data)
            .map(|text| text.trim().to_owned())
            .map_err(|err| Error::Template { name: format!("templates/{lang}.yaml: {key}"), message: err.to_string() })
    }
}

fn flatten(prefix: &str, tree: &Value, out: &mut BTreeMap<String, String>) -> Result<(), String> {
    match tree {
        Value::Object(map) => {
            for (key, value) in map {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                flatten(&path, value, out)?;
            }
            Ok(())
        }
        Value::String(text) => {
            out.insert(prefix.to_owned(), text.clone());
            Ok(())
        }
        _ => Err(format!("`{prefix}` must be a text or a group of texts")),
    }
}

/// Composes the notice of `register` in `form`. `signed_by` is given when the notice is
/// rendered for signing: the certificate's name (and role, if it has one), used when
/// neither the record nor the organisation file names the signer.
pub fn compose(
    texts: &Texts,
    register: &Register,
    own: Option<&Entries>,
    form: LangForm,
    signed_by: Option<&str>,
) -> Result<Document, Error> {
    let record = &register.record;
    let organisation = &register.organisation;
    let primary = form.languages()[0];
    let mut parts = Vec::new();
    let mut titles = Vec::new();
    let mut doc_types = Vec::new();
    let mut markings = Vec::new();
    let mut subject = String::new();
    let mut org_lines: Vec<String> = Vec::new();
    let mut org_langs = Vec::new();
    for &lang in form.languages() {
        let composer = Composer { texts, register, own, lang, data: context(register, lang) };
        let mut part = composer.part()?;
        if let Some(certificate_name) = signed_by {
            part.signature = Some(composer.signature_note(certificate_name)?);
        }
        if record.status == Status::Draft {
            let marking = composer.text("draft")?;
            markings.push(marking.clone());
            part.draft = Some(marking);
        }
        parts.push(part);
        titles.push(composer.text("title")?);
        doc_types.push(composer.text("doc_type")?);
        if lang == primary {
            subject = composer.text("subject")?;
        }
        for line in [Some(organisation.name.get(lang)), record.controller_body.as_ref().map(|b| b.get(lang))]
            .into_iter()
            .flatten()
        {
            if !org_lines.iter().any(|seen| seen == line) {
                org_lines.push(line.to_owned());
                org_langs.push(lang);
            }
        }
    }
    Ok(Document {
        title: titles.join(" – "),
        lang: primary,
        author: organisation.name.get(primary).to_owned(),
        subject,
        date: record.document.date,
        header: Header {
            organisation: org_lines,
            organisation_langs: org_langs,
            doc_types,
            draft: (!markings.is_empty()).then(|| markings.join(" / ")),
            date: record.document.date.finnish(),
            reference: record.document.reference.clone(),
        },
        parts,
    })
}

/// What the consent texts of the templates need to be printed, for the check to compare
/// them with a notice.
pub fn consent_context() -> Value {
    json!({ "consent": true })
}

/// The values a language's templates may use.
fn context(register: &Register, lang: Lang) -> Value {
    let record = &register.record;
    let art6 = &record.legal_basis.gdpr_art6;
    let consent = art6.contains(&Art6::A) || record.legal_basis.gdpr_art9.contains(&Art9::A);
    json!({
        "register": record.name.get(lang),
        "organisation": register.organisation.name.get(lang),
        "task_class": record.task_class,
        "consent": consent,
        "objection": art6.contains(&Art6::E) || art6.contains(&Art6::F),
        "portability": art6.contains(&Art6::A) || art6.contains(&Art6::B),
        "erasure_exempt": !(art6.contains(&Art6::A) || art6.contains(&Art6::B)),
        "rights_address": register.organisation.rights.address.get(lang),
        "forms": register.organisation.rights.forms.as_ref().map(|forms| forms.get(lang)),
    })
}

/// What a section says: its blocks, and its numbered subsections' headings and blocks.
struct Body {
    blocks: Vec<Block>,
    subsections: Vec<(String, Vec<Block>)>,
}

impl Body {
    fn new(blocks: Vec<Block>) -> Body {
        Body { blocks, subsections: Vec::new() }
    }

    /// A section that is always printed.
    fn of(blocks: Vec<Block>) -> Option<Body> {
        Some(Body::new(blocks))
    }
}

/// Writes a section's body, or `None` to leave the section out.
type WriteSection = fn(&Composer<'_>) -> Result<Option<Body>, Error>;

/// The sections of a notice, in order: the key of each heading in the templates and the
/// function that writes its body. Numbers follow from which sections are printed.
const SECTIONS: &[(&str, WriteSection)] = &[
    ("controller", |composer| composer.controller()),
    ("persons", |composer| composer.persons()),
    ("dpo", |composer| composer.dpo()),
    ("purposes", |composer| composer.purposes()),
    ("legal_basis", |composer| composer.legal_basis()),
    ("data_subjects", |composer| composer.data_subjects()),
    ("data_categories", |composer| composer.data_categories()),
    ("sources", |composer| composer.sources()),
    ("obligation", |composer| composer.obligation()),
    ("disclosures", |composer| composer.disclosures()),
    ("transfers", |composer| composer.transfers()),
    ("processors", |composer| composer.processors()),
    ("security", |composer| composer.security()),
    ("retention", |composer| composer.retention()),
    ("automated", |composer| composer.automated()),
    ("rights", |composer| composer.rights()),
    ("complaint", |composer| composer.complaint()),
    ("history", |composer| composer.history()),
];

/// Builds one language's part.
struct Composer<'a> {
    texts: &'a Texts,
    register: &'a Register,
    /// The organisation's own statutes, cited before the catalog's.
    own: Option<&'a Entries>,
    lang: Lang,
    data: Value,
}

impl Composer<'_> {
    fn text(&self, key: &str) -> Result<String, Error> {
        self.texts.render(self.lang, key, &self.data)
    }

    fn text_with(&self, key: &str, extra: Value) -> Result<String, Error> {
        let mut data = self.data.clone();
        if let (Value::Object(map), Value::Object(more)) = (&mut data, extra) {
            map.extend(more);
        }
        self.texts.render(self.lang, key, &data)
    }

    fn local(&self, text: &Localized) -> String {
        text.get(self.lang).to_owned()
    }

    fn locals(&self, texts: &[Localized]) -> Vec<String> {
        texts.iter().map(|text| self.local(text)).collect()
    }

    fn paragraphs(&self, texts: &[Localized]) -> Vec<Block> {
        texts.iter().map(|text| Block::Paragraph { text: self.local(text) }).collect()
    }

    fn cite(&self, citations: &[StatuteRef]) -> Vec<String> {
        citations.iter().map(|citation| self.texts.statutes.cite(citation, self.lang, self.own)).collect()
    }

    fn field(&self, label: &str, lines: Vec<String>) -> Result<Option<Field>, Error> {
        let lines: Vec<String> = lines.into_iter().filter(|line| !line.trim().is_empty()).collect();
        if lines.is_empty() {
            return Ok(None);
        }
        Ok(Some(Field { label: self.text(&format!("labels.{label}"))?, lines, datetime: None }))
    }

    /// A person's rows: name and title on one line, then address, phone and email.
    fn person_lines(&self, person: &Person) -> Vec<String> {
        let title = person.title.get(self.lang);
        let mut lines = vec![match &person.name {
            Some(name) => format!("{name}, {title}"),
            None => title.to_owned(),
        }];
        lines.extend(person.address.as_ref().map(|address| address.get(self.lang).to_owned()));
        lines.extend(person.phone.as_ref().map(|phone| phone.get(self.lang).to_owned()));
        lines.extend(person.email.clone());
        lines
    }

    /// One language's whole text: its sections in the order of [`SECTIONS`], numbered.
    fn part(&self) -> Result<Part, Error> {
        let mut sections = Vec::new();
        for (key, write) in SECTIONS {
            let Some(body) = write(self)? else { continue };
            let number = (sections.len() + 1).to_string();
            let subsections = body
                .subsections
                .into_iter()
                .enumerate()
                .map(|(index, (heading, blocks))| Section {
                    key: format!("{key}.{}", index + 1),
                    number: format!("{number}.{}", index + 1),
                    heading,
                    blocks,
                    subsections: Vec::new(),
                })
                .collect();
            sections.push(Section {
                key: (*key).to_owned(),
                number,
                heading: self.text(&format!("headings.{key}"))?,
                blocks: body.blocks,
                subsections,
            });
        }
        let record = &self.register.record;
        let document = &record.document;
        let details = [
            self.field("date", vec![document.date.finnish()])?
                .map(|row| Field { datetime: Some(document.date), ..row }),
            self.field("version", document.version.iter().cloned().collect())?,
            self.field("reference", document.reference.iter().cloned().collect())?,
        ];
        Ok(Part {
            lang: self.lang,
            heading: self.local(&record.name),
            draft: None,
            publisher: self.register.organisation.name.get(self.lang).to_owned(),
            intro: self.text("paragraphs.intro")?,
            details: details.into_iter().flatten().collect(),
            sections,
            signature: None,
        })
    }

    fn signature_note(&self, certificate_name: &str) -> Result<SignatureNote, Error> {
        let signer = self.register.record.signer.as_ref().or(self.register.organisation.signer.as_ref());
        let line = match signer {
            Some(signer) => format!("{}, {}", signer.name, signer.title.get(self.lang)),
            None => certificate_name.to_owned(),
        };
        Ok(SignatureNote { statement: self.text("paragraphs.signed")?, signers: vec![line] })
    }

    fn controller(&self) -> Result<Option<Body>, Error> {
        let organisation = &self.register.organisation;
        let record = &self.register.record;
        let rows = [
            self.field("name", vec![organisation.name.get(self.lang).to_owned()])?,
            self.field("body", record.controller_body.iter().map(|body| self.local(body)).collect())?,
            self.field("address", vec![organisation.address.get(self.lang).to_owned()])?,
            self.field("phone", organisation.phone.iter().map(|phone| phone.get(self.lang).to_owned()).collect())?,
            self.field("email", organisation.email.iter().cloned().collect())?,
            self.field("website", organisation.website.iter().cloned().collect())?,
            self.field("business_id", organisation.business_id.iter().cloned().collect())?,
        ];
        let mut blocks = vec![Block::Fields { rows: rows.into_iter().flatten().collect() }];
        if let Some(note) = &record.controller_note {
            blocks.push(Block::Paragraph { text: self.local(note) });
        }
        Ok(Body::of(blocks))
    }

    fn persons(&self) -> Result<Option<Body>, Error> {
        let record = &self.register.record;
        let mut persons = Vec::new();
        if let Some(person) = &record.responsible {
            persons.extend(self.field("responsible", self.person_lines(person))?);
        }
        for person in &record.contact {
            persons.extend(self.field("contact", self.person_lines(person))?);
        }
        Ok((!persons.is_empty()).then(|| Body::new(vec![Block::Fields { rows: persons }])))
    }

    fn dpo(&self) -> Result<Option<Body>, Error> {
        let Some(dpo) = &self.register.organisation.dpo else { return Ok(None) };
        let dpo = self.field("dpo", self.person_lines(dpo))?;
        Ok(Body::of(vec![Block::Fields { rows: dpo.into_iter().collect() }]))
    }

    fn purposes(&self) -> Result<Option<Body>, Error> {
        Ok(Body::of(self.paragraphs(&self.register.record.purposes)))
    }

    fn data_subjects(&self) -> Result<Option<Body>, Error> {
        let subjects = &self.register.record.data_subjects;
        Ok((!subjects.is_empty()).then(|| Body::new(vec![Block::List { items: self.locals(subjects) }])))
    }

    fn sources(&self) -> Result<Option<Body>, Error> {
        Ok(Body::of(vec![Block::List { items: self.locals(&self.register.record.sources) }]))
    }

    /// GDPR Art. 13(2)(e): whether the data must be provided, and what follows if not.
    fn obligation(&self) -> Result<Option<Body>, Error> {
        let obligation = self.register.record.obligation.as_ref();
        Ok(obligation.map(|text| Body::new(vec![Block::Paragraph { text: self.local(text) }])))
    }

    fn retention(&self) -> Result<Option<Body>, Error> {
        let record = &self.register.record;
        let mut blocks = self.paragraphs(&record.retention.text);
        if record.task_class.is_some() {
            blocks.push(Block::Paragraph { text: self.text("paragraphs.retention_plan")? });
        }
        Ok(Body::of(blocks))
    }

    fn automated(&self) -> Result<Option<Body>, Error> {
        let text = match self.register.record.automated_decisions.given() {
            Some(text) => self.local(text),
            None => self.text("paragraphs.automated_none")?,
        };
        Ok(Body::of(vec![Block::Paragraph { text }]))
    }

    fn complaint(&self) -> Result<Option<Body>, Error> {
        Ok(Body::of(vec![Block::Paragraph { text: self.text("paragraphs.complaint")? }]))
    }

    fn legal_basis(&self) -> Result<Option<Body>, Error> {
        let basis = &self.register.record.legal_basis;
        let mut blocks = vec![Block::Paragraph { text: self.text("paragraphs.art6_intro")? }];
        let points = basis
            .gdpr_art6
            .iter()
            .map(|point| self.text(&format!("art6.{}", point_letter(point))))
            .collect::<Result<Vec<_>, _>>()?;
        blocks.push(Block::List { items: points });
        if !basis.gdpr_art9.is_empty() {
            blocks.push(Block::Paragraph { text: self.text("paragraphs.art9_intro")? });
            let points = basis
                .gdpr_art9
                .iter()
                .map(|point| self.text(&format!("art9.{}", point_letter(point))))
                .collect::<Result<Vec<_>, _>>()?;
            blocks.push(Block::List { items: points });
        }
        if let Some(explanation) = &basis.explanation {
            blocks.push(Block::Paragraph { text: self.local(explanation) });
        }
        if !basis.statutes.is_empty() {
            blocks.push(Block::Paragraph { text: self.text("paragraphs.statutes_intro")? });
            blocks.push(Block::List { items: self.cite(&basis.statutes) });
        }
        Ok(Body::of(blocks))
    }

    fn data_categories(&self) -> Result<Option<Body>, Error> {
        let record = &self.register.record;
        let mut blocks = Vec::new();
        let mut sub_registers = Vec::new();
        for group in &record.data_categories {
            let list = Block::List { items: self.locals(&group.items) };
            match &group.name {
                Some(name) => sub_registers.push((self.local(name), vec![list])),
                None => blocks.push(list),
            }
        }
        if let Some(secrecy) = &record.secrecy {
            let rows = [
                self.field("secrecy", vec![self.local(&secrecy.text)])?,
                self.field("secrecy_grounds", self.cite(&secrecy.statutes))?,
            ];
            blocks.push(Block::Fields { rows: rows.into_iter().flatten().collect() });
        }
        Ok(Some(Body { blocks, subsections: sub_registers }))
    }

    fn disclosures(&self) -> Result<Option<Body>, Error> {
        let Some(disclosures) = self.register.record.disclosures.given() else {
            return Ok(Body::of(vec![Block::Paragraph { text: self.text("paragraphs.disclosures_none")? }]));
        };
        let items = disclosures
            .iter()
            .map(|disclosure| {
                let mut item = self.local(&disclosure.recipient);
                let mut grounds: Vec<String> = disclosure.basis.iter().map(|basis| self.local(basis)).collect();
                grounds.extend(self.cite(&disclosure.statutes));
                if !grounds.is_empty() {
                    item = format!("{item} ({})", grounds.join("; "));
                }
                item
            })
            .collect();
        Ok(Body::of(vec![Block::List { items }]))
    }

    fn transfers(&self) -> Result<Option<Body>, Error> {
        let Some(transfers) = self.register.record.transfers.given() else {
            return Ok(Body::of(vec![Block::Paragraph { text: self.text("paragraphs.transfers_none")? }]));
        };
        let items = transfers
            .iter()
            .map(|transfer| {
                let key = match transfer.ground {
                    TransferGround::Adequacy => "paragraphs.transfer_adequacy",
                    TransferGround::Safeguards => "paragraphs.transfer_safeguards",
                    TransferGround::Derogation => "paragraphs.transfer_derogation",
                };
                let copy = transfer.copy.as_ref().map(|copy| self.local(copy));
                let data = json!({ "destination": self.local(&transfer.destination), "basis": self.local(&transfer.basis), "copy": copy });
                self.text_with(key, data)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Body::of(vec![Block::Paragraph { text: self.text("paragraphs.transfers_intro")? }, Block::List { items }]))
    }

    fn processors(&self) -> Result<Option<Body>, Error> {
        let Some(processors) = self.register.record.processors.given() else {
            return Ok(Body::of(vec![Block::Paragraph { text: self.text("paragraphs.processors_none")? }]));
        };
        let business_id = self.text("labels.business_id")?;
        let items = processors
            .iter()
            .map(|processor| {
                let identity: Vec<String> = [
                    processor.business_id.as_ref().map(|id| format!("{business_id} {id}")),
                    processor.address.as_ref().map(|address| address.get(self.lang).to_owned()),
                ]
                .into_iter()
                .flatten()
                .collect();
                let name = processor.name.get(self.lang);
                let name =
                    if identity.is_empty() { name.to_owned() } else { format!("{name} ({})", identity.join(", ")) };
                format!("{name}: {}", self.local(&processor.task))
            })
            .collect();
        Ok(Body::of(vec![Block::Paragraph { text: self.text("paragraphs.processors_intro")? }, Block::List { items }]))
    }

    fn security(&self) -> Result<Option<Body>, Error> {
        let record = &self.register.record;
        let blocks = self.paragraphs(&record.security.general);

        let mut electronic = Vec::new();
        if !record.systems.is_empty() {
            electronic.push(Block::Paragraph { text: self.text("paragraphs.systems_intro")? });
            let systems = record
                .systems
                .iter()
                .map(|system| match &system.description {
                    Some(description) => format!("{}: {}", system.name.get(self.lang), self.local(description)),
                    None => system.name.get(self.lang).to_owned(),
                })
                .collect();
            electronic.push(Block::List { items: systems });
        }
        electronic.extend(self.paragraphs(&record.security.electronic));

        let mut manual = Vec::new();
        match record.manual_material.given() {
            Some(material) => manual.push(Block::Paragraph { text: self.local(material) }),
            None => manual.push(Block::Paragraph { text: self.text("paragraphs.manual_none")? }),
        }
        manual.extend(self.paragraphs(&record.security.manual));

        let mut parts = Vec::new();
        if !electronic.is_empty() {
            parts.push((self.text("headings.security_electronic")?, electronic));
        }
        parts.push((self.text("headings.security_manual")?, manual));
        Ok(Some(Body { blocks, subsections: parts }))
    }

    fn rights(&self) -> Result<Option<Body>, Error> {
        let keys = ["access", "rectification", "erasure", "restriction", "objection", "portability", "consent"];
        let mut items = Vec::new();
        for key in keys {
            let text = self.text(&format!("rights.{key}"))?;
            if !text.is_empty() {
                items.push(text);
            }
        }
        let mut blocks = vec![Block::Paragraph { text: self.text("paragraphs.rights_intro")? }, Block::List { items }];
        let restriction = self.register.record.access_restriction.as_ref().map(|text| self.local(text));
        for key in ["rights_restriction", "rights_how", "rights_forms", "rights_answer", "rights_refusal"] {
            let text = self.text_with(&format!("paragraphs.{key}"), json!({ "restriction": restriction }))?;
            if !text.is_empty() {
                blocks.push(Block::Paragraph { text });
            }
        }
        Ok(Body::of(blocks))
    }

    fn history(&self) -> Result<Option<Body>, Error> {
        if self.register.record.document.history.is_empty() {
            return Ok(None);
        }
        let mut rows = Vec::new();
        for entry in &self.register.record.document.history {
            let label = match entry.event {
                HistoryEvent::Drafted => "drafted",
                HistoryEvent::Updated => "updated",
            };
            rows.extend(self.field(label, vec![format!("{} {}", entry.date.finnish(), entry.by.get(self.lang))])?);
        }
        Ok(Body::of(vec![Block::Fields { rows }]))
    }
}

/// The letter of a GDPR article point, as records and templates write it (`c`).
fn point_letter(point: &impl Serialize) -> String {
    serde_json::to_value(point).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_forms_add_the_bilingual_form_only_when_both_languages_are_declared() {
        assert_eq!(LangForm::defaults(&[Lang::Fi]), vec![LangForm::Fi]);
        assert_eq!(LangForm::defaults(&[Lang::Sv, Lang::Fi]), vec![LangForm::Fi, LangForm::Sv, LangForm::FiSv]);
    }

    #[test]
    fn both_languages_define_the_same_texts() {
        assert!(Texts::load(&Assets::embedded()).is_ok());
    }
}
