//! Every text of a register, with its field path: the one place that knows where texts
//! live in a record and an organisation file, so that each rule of the check stage only
//! says what it checks.

use crate::record::{
    DataGroup, Disclosure, DocumentInfo, LegalBasis, Organisation, Person, Processor, Record, RightsContact, Secrecy,
    Security, Signatory, StatuteRef, System, Transfer,
};
use crate::text::{Localized, Phrase};

/// Which file a text is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum File {
    Record,
    Organisation,
}

/// What a rule sees of one text.
pub enum Text<'a> {
    /// A free text given per language.
    Localized(&'a Localized),
    /// A short text, the same in every language or given per language.
    Phrase(&'a Phrase),
    /// A value that is not translated: a person's name, a phone number, an address of a web site.
    Plain(&'a str),
    /// A statute citation.
    Statute(&'a StatuteRef),
}

/// Receives every text of a register.
pub trait Visitor {
    fn visit(&mut self, file: File, field: &str, text: Text<'_>);
}

struct Walker<'v> {
    file: File,
    visitor: &'v mut dyn Visitor,
}

impl Walker<'_> {
    fn localized(&mut self, field: &str, text: &Localized) {
        self.visitor.visit(self.file, field, Text::Localized(text));
    }

    fn localized_list(&mut self, field: &str, texts: &[Localized]) {
        for (index, text) in texts.iter().enumerate() {
            self.localized(&format!("{field}[{index}]"), text);
        }
    }

    fn optional_localized(&mut self, field: &str, text: &Option<Localized>) {
        if let Some(text) = text {
            self.localized(field, text);
        }
    }

    fn phrase(&mut self, field: &str, text: &Phrase) {
        self.visitor.visit(self.file, field, Text::Phrase(text));
    }

    fn plain(&mut self, field: &str, text: &Option<String>) {
        if let Some(text) = text {
            self.visitor.visit(self.file, field, Text::Plain(text));
        }
    }

    fn statutes(&mut self, field: &str, citations: &[StatuteRef]) {
        for (index, citation) in citations.iter().enumerate() {
            let field = format!("{field}[{index}]");
            self.visitor.visit(self.file, &field, Text::Statute(citation));
            if let Some(sections) = &citation.sections {
                self.phrase(&format!("{field}.sections"), sections);
            }
        }
    }

    fn person(&mut self, field: &str, person: &Person) {
        self.plain(&format!("{field}.name"), &person.name);
        self.localized(&format!("{field}.title"), &person.title);
        if let Some(address) = &person.address {
            self.phrase(&format!("{field}.address"), address);
        }
        if let Some(phone) = &person.phone {
            self.phrase(&format!("{field}.phone"), phone);
        }
        self.plain(&format!("{field}.email"), &person.email);
    }

    fn signatory(&mut self, field: &str, signatory: &Option<Signatory>) {
        if let Some(signatory) = signatory {
            self.plain(&format!("{field}.name"), &Some(signatory.name.clone()));
            self.localized(&format!("{field}.title"), &signatory.title);
        }
    }

    fn document(&mut self, document: &DocumentInfo) {
        self.plain("document.reference", &document.reference);
        self.plain("document.version", &document.version);
        for (index, entry) in document.history.iter().enumerate() {
            self.phrase(&format!("document.history[{index}].by"), &entry.by);
        }
    }

    fn legal_basis(&mut self, basis: &LegalBasis) {
        self.statutes("legal_basis.statutes", &basis.statutes);
        self.optional_localized("legal_basis.explanation", &basis.explanation);
    }

    fn data_categories(&mut self, groups: &[DataGroup]) {
        for (index, group) in groups.iter().enumerate() {
            self.optional_localized(&format!("data_categories[{index}].name"), &group.name);
            self.localized_list(&format!("data_categories[{index}].items"), &group.items);
        }
    }

    fn secrecy(&mut self, secrecy: &Option<Secrecy>) {
        if let Some(secrecy) = secrecy {
            self.localized("secrecy.text", &secrecy.text);
            self.statutes("secrecy.statutes", &secrecy.statutes);
        }
    }

    fn disclosures(&mut self, disclosures: &[Disclosure]) {
        for (index, disclosure) in disclosures.iter().enumerate() {
            let field = format!("disclosures[{index}]");
            self.localized(&format!("{field}.recipient"), &disclosure.recipient);
            self.optional_localized(&format!("{field}.basis"), &disclosure.basis);
            self.statutes(&format!("{field}.statutes"), &disclosure.statutes);
        }
    }

    fn transfers(&mut self, transfers: &[Transfer]) {
        for (index, transfer) in transfers.iter().enumerate() {
            self.localized(&format!("transfers[{index}].destination"), &transfer.destination);
            self.localized(&format!("transfers[{index}].basis"), &transfer.basis);
            self.optional_localized(&format!("transfers[{index}].copy"), &transfer.copy);
        }
    }

    fn processors(&mut self, processors: &[Processor]) {
        for (index, processor) in processors.iter().enumerate() {
            self.phrase(&format!("processors[{index}].name"), &processor.name);
            self.plain(&format!("processors[{index}].business_id"), &processor.business_id);
            if let Some(address) = &processor.address {
                self.phrase(&format!("processors[{index}].address"), address);
            }
            self.localized(&format!("processors[{index}].task"), &processor.task);
        }
    }

    fn systems(&mut self, systems: &[System]) {
        for (index, system) in systems.iter().enumerate() {
            self.phrase(&format!("systems[{index}].name"), &system.name);
            self.optional_localized(&format!("systems[{index}].description"), &system.description);
        }
    }

    fn security(&mut self, security: &Security) {
        self.localized_list("security.general", &security.general);
        self.localized_list("security.electronic", &security.electronic);
        self.localized_list("security.manual", &security.manual);
    }

    fn rights(&mut self, rights: &RightsContact) {
        self.phrase("rights.address", &rights.address);
        self.optional_localized("rights.forms", &rights.forms);
    }
}

/// Shows `visitor` every text of `record`.
pub fn walk_record(record: &Record, visitor: &mut dyn Visitor) {
    let mut walker = Walker { file: File::Record, visitor };
    walker.localized("name", &record.name);
    walker.document(&record.document);
    walker.optional_localized("controller_body", &record.controller_body);
    walker.optional_localized("controller_note", &record.controller_note);
    if let Some(person) = &record.responsible {
        walker.person("responsible", person);
    }
    for (index, person) in record.contact.iter().enumerate() {
        walker.person(&format!("contact[{index}]"), person);
    }
    walker.localized_list("purposes", &record.purposes);
    walker.legal_basis(&record.legal_basis);
    walker.localized_list("data_subjects", &record.data_subjects);
    walker.data_categories(&record.data_categories);
    walker.secrecy(&record.secrecy);
    walker.localized_list("sources", &record.sources);
    walker.optional_localized("obligation", &record.obligation);
    walker.disclosures(record.disclosures.items());
    walker.transfers(record.transfers.items());
    walker.processors(record.processors.items());
    walker.systems(&record.systems);
    if let Some(material) = record.manual_material.given() {
        walker.localized("manual_material", material);
    }
    walker.security(&record.security);
    walker.localized_list("retention.text", &record.retention.text);
    walker.optional_localized("access_restriction", &record.access_restriction);
    if let Some(decisions) = record.automated_decisions.given() {
        walker.localized("automated_decisions", decisions);
    }
    walker.signatory("signer", &record.signer);
}

/// Shows `visitor` every text of `organisation`.
pub fn walk_organisation(organisation: &Organisation, visitor: &mut dyn Visitor) {
    let mut walker = Walker { file: File::Organisation, visitor };
    walker.phrase("name", &organisation.name);
    walker.plain("business_id", &organisation.business_id);
    walker.phrase("address", &organisation.address);
    if let Some(phone) = &organisation.phone {
        walker.phrase("phone", phone);
    }
    walker.plain("email", &organisation.email);
    walker.plain("website", &organisation.website);
    if let Some(dpo) = &organisation.dpo {
        walker.person("dpo", dpo);
    }
    walker.rights(&organisation.rights);
    walker.signatory("signer", &organisation.signer);
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Collects the paths of every text visited.
    #[derive(Default)]
    struct Paths(BTreeSet<String>);

    impl Visitor for Paths {
        fn visit(&mut self, _: File, field: &str, text: Text<'_>) {
            match text {
                Text::Localized(texts) => {
                    self.0.extend(texts.texts().map(|(lang, _)| format!("{field}.{lang}")));
                }
                Text::Phrase(Phrase::Same(_)) | Text::Plain(_) => {
                    self.0.insert(field.to_owned());
                }
                Text::Phrase(Phrase::PerLanguage(texts)) => {
                    self.0.extend(texts.texts().map(|(lang, _)| format!("{field}.{lang}")));
                }
                Text::Statute(_) => {
                    self.0.insert(format!("{field}.number"));
                }
            }
        }
    }

    /// Every string leaf of a serialised value, by path, leaving out what is not text.
    fn string_paths(value: &serde_json::Value, path: &str, out: &mut BTreeSet<String>) {
        match value {
            serde_json::Value::String(_) => {
                out.insert(path.to_owned());
            }
            serde_json::Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    string_paths(item, &format!("{path}[{index}]"), out);
                }
            }
            serde_json::Value::Object(map) => {
                for (key, item) in map {
                    let child = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                    string_paths(item, &child, out);
                }
            }
            _ => {}
        }
    }

    /// Fields that hold codes, dates, paths or keys, not text anyone reads in a notice.
    fn is_not_text(path: &str) -> bool {
        let last = path.rsplit('.').next().unwrap_or(path);
        let last = last.split('[').next().unwrap_or(last);
        matches!(
            last,
            "kind"
                | "organisation"
                | "id"
                | "languages"
                | "task_class"
                | "date"
                | "event"
                | "gdpr_art6"
                | "gdpr_art9"
                | "archive_plan"
                | "key"
                | "certificate"
                | "chain"
                | "tsa"
                | "ground"
                | "statutes"
        ) || (path.contains("statutes[") && !path.contains(".sections"))
            || path.starts_with("check.")
            || matches!(path, "disclosures" | "transfers" | "processors" | "manual_material" | "automated_decisions")
    }

    #[test]
    fn the_walk_reaches_every_text_of_the_samples() {
        let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        for entry in std::fs::read_dir(&samples).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|ext| ext != "yaml") || path.ends_with("archive-plan.yaml") {
                continue;
            }
            let register = crate::record::load::load_register(&path).unwrap();
            for (visited, value) in [
                (
                    {
                        let mut paths = Paths::default();
                        walk_record(&register.record, &mut paths);
                        paths.0
                    },
                    serde_json::to_value(&register.record).unwrap(),
                ),
                (
                    {
                        let mut paths = Paths::default();
                        walk_organisation(&register.organisation, &mut paths);
                        paths.0
                    },
                    serde_json::to_value(&register.organisation).unwrap(),
                ),
            ] {
                let mut expected = BTreeSet::new();
                string_paths(&value, "", &mut expected);
                expected.retain(|path| !is_not_text(path));
                let visited: BTreeSet<String> = visited.into_iter().filter(|path| !path.ends_with(".number")).collect();
                assert_eq!(visited, expected, "{}", path.display());
            }
        }
    }
}
