//! A draft as YAML text, written here because no YAML serializer keeps comments: keys in
//! the order of the samples, every value a double-quoted string (so that no text of the
//! source is read as YAML), `TODO` where the source did not say, and the source text
//! that was not taken as a value as comments under the field it belongs to.

use super::fields::{Draft, Kept, Listed, OrganisationDraft, PersonDraft};
use crate::text::Lang;

/// A YAML document being written.
#[derive(Default)]
struct Yaml {
    out: String,
}

impl Yaml {
    fn line(&mut self, indent: usize, text: &str) {
        self.out.push_str(&"  ".repeat(indent));
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn comment(&mut self, indent: usize, text: &str) {
        for line in text.lines() {
            self.line(indent, format!("# {line}").trim_end());
        }
    }

    fn scalar(&mut self, indent: usize, key: &str, value: &str) {
        self.line(indent, &format!("{key}: {}", quoted(value)));
    }

    /// `key:` then `  fi: "..."`.
    fn text(&mut self, indent: usize, key: &str, lang: Lang, value: &str) {
        self.line(indent, &format!("{key}:"));
        self.scalar(indent + 1, lang.code(), value);
    }

    /// `key:` then `  - fi: "..."` for each item; `todo` when there is none.
    fn texts(&mut self, indent: usize, key: &str, lang: Lang, items: &[String], todo: &str) {
        self.line(indent, &format!("{key}:"));
        self.items(indent + 1, lang, items, todo);
    }

    /// `- fi: "..."` for each item; `todo` when there is none.
    fn items(&mut self, indent: usize, lang: Lang, items: &[String], todo: &str) {
        if items.is_empty() {
            self.line(indent, &format!("- {}: {}", lang.code(), quoted(&format!("TODO: {todo}"))));
        }
        for item in items {
            self.line(indent, &format!("- {}: {}", lang.code(), quoted(item)));
        }
    }

    fn kept(&mut self, indent: usize, kept: &[&Kept]) {
        for block in kept {
            if block.lines.is_empty() {
                self.comment(indent, &format!("From the source section \"{}\".", block.heading));
                continue;
            }
            let heading = if block.heading.is_empty() { String::new() } else { format!(" \"{}\"", block.heading) };
            self.comment(indent, &format!("From the source{heading}, not taken as a value:"));
            for line in &block.lines {
                self.comment(indent, &format!("  {}", line.replace('\t', "  ")));
            }
        }
    }
}

/// A YAML double-quoted string.
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn todo(what: &str) -> String {
    format!("TODO: {what}")
}

/// Writes one field (or a group of fields) of the record.
type FieldWriter = fn(&mut Yaml, &Draft, Lang);

/// The record's fields in the order of the samples, each with the field keys of the
/// source sections that belong to it. A section's heading is written above its field,
/// its text that was not taken as a value below it.
const FIELDS: [(&[&str], FieldWriter); 21] = [
    (&["preamble"], |_, _, _| {}),
    (&["name"], write_name),
    (&["history", "document_date"], write_document),
    (&["controller", "controller_body"], write_controller_body),
    (&["responsible"], write_responsible),
    (&["contact"], write_contacts),
    (&["purposes"], |yaml, draft, lang| {
        yaml.texts(0, "purposes", lang, &draft.purposes, "the purposes of the processing")
    }),
    (&["legal_basis"], |yaml, draft, _| write_legal_basis(yaml, draft)),
    (&["data_subjects"], |yaml, draft, lang| {
        yaml.texts(0, "data_subjects", lang, &draft.data_subjects, "the groups of people whose data the register holds")
    }),
    (&["data_categories"], |yaml, draft, lang| {
        yaml.line(0, "data_categories:");
        if draft.data_categories.is_empty() {
            yaml.texts(1, "- items", lang, &[], "the categories of personal data");
        }
        for (name, items) in &draft.data_categories {
            match name {
                Some(name) => {
                    yaml.line(1, "- name:");
                    yaml.scalar(3, lang.code(), name);
                    yaml.texts(2, "items", lang, items, "the data of this group");
                }
                None => yaml.texts(1, "- items", lang, items, "the categories of personal data"),
            }
        }
    }),
    (&["secrecy"], write_secrecy),
    (&["sources"], |yaml, draft, lang| yaml.texts(0, "sources", lang, &draft.sources, "where the data come from")),
    (&["obligation"], write_obligation),
    (&["disclosures"], write_disclosures),
    (&["transfers"], write_transfers),
    (&["processors"], write_processors),
    (&["systems"], write_systems),
    (&["security", "security_manual", "security_electronic"], write_security),
    (&["retention"], |yaml, draft, lang| {
        yaml.line(0, "retention:");
        yaml.texts(1, "text", lang, &draft.retention, "how long the data are kept");
    }),
    (&["automated"], write_automated),
    (&["rights", "complaint"], |yaml, _, _| {
        yaml.comment(
            0,
            "The rights and the complaint are printed from the templates; the source's words on them follow.",
        )
    }),
];

/// The draft record.
pub fn record(draft: &Draft, lang: Lang, id: &str, organisation_file: &str, source: &str) -> String {
    let kept = |fields: &[&str]| -> Vec<&Kept> {
        draft.kept.iter().filter(|(key, _)| fields.contains(&key.as_str())).map(|(_, kept)| kept).collect()
    };
    let mut yaml = Yaml::default();
    yaml.comment(0, &format!("Imported by `seloste import` from {source}."));
    yaml.comment(0, "A DRAFT: fill in every TODO, check each value against the source, then run `seloste check`.");
    yaml.comment(0, "Text of the source that was not taken as a value stands as comments under its field.");
    yaml.line(0, "kind: record");
    yaml.line(0, "status: draft");
    yaml.scalar(0, "organisation", organisation_file);
    yaml.scalar(0, "id", id);
    yaml.line(0, &format!("languages: [{}]", lang.code()));
    for (fields, write) in FIELDS {
        let blocks = kept(fields);
        let (headings, texts): (Vec<&Kept>, Vec<&Kept>) = blocks.into_iter().partition(|block| block.lines.is_empty());
        yaml.kept(0, &headings);
        write(&mut yaml, draft, lang);
        yaml.kept(0, &texts);
    }
    let known: Vec<&str> = FIELDS.iter().flat_map(|(fields, _)| fields.iter().copied()).collect();
    let rest: Vec<&Kept> =
        draft.kept.iter().filter(|(key, _)| !known.contains(&key.as_str())).map(|(_, kept)| kept).collect();
    if !rest.is_empty() {
        yaml.comment(0, "Sections of the source that match no field of the record:");
        yaml.kept(0, &rest);
    }
    yaml.out
}

fn write_name(yaml: &mut Yaml, draft: &Draft, lang: Lang) {
    yaml.text(0, "name", lang, draft.name.as_deref().unwrap_or(&todo("the register's name")));
}

fn write_document(yaml: &mut Yaml, draft: &Draft, _: Lang) {
    yaml.line(0, "document:");
    match draft.date {
        Some(date) => yaml.line(1, &format!("date: {}", date.iso())),
        None => yaml.scalar(1, "date", &todo("the notice's date, YYYY-MM-DD")),
    }
    if !draft.history.is_empty() {
        yaml.line(1, "history:");
        for (updated, date, by) in &draft.history {
            let event = if *updated { "updated" } else { "drafted" };
            let by = if by.is_empty() { todo("who") } else { by.clone() };
            yaml.line(2, &format!("- {{ event: {event}, date: {}, by: {} }}", date.iso(), quoted(&by)));
        }
    }
}

fn write_controller_body(yaml: &mut Yaml, draft: &Draft, lang: Lang) {
    if let Some(body) = &draft.controller_body {
        yaml.text(0, "controller_body", lang, body);
    }
}

fn write_responsible(yaml: &mut Yaml, draft: &Draft, lang: Lang) {
    if let Some(person) = &draft.responsible {
        write_person(yaml, 0, "responsible", person, lang, false);
    }
}

fn write_contacts(yaml: &mut Yaml, draft: &Draft, lang: Lang) {
    match draft.contacts.as_slice() {
        [] => {}
        [one] => write_person(yaml, 0, "contact", one, lang, false),
        several => {
            yaml.line(0, "contact:");
            for person in several {
                write_person(yaml, 1, "-", person, lang, true);
            }
        }
    }
}

fn write_secrecy(yaml: &mut Yaml, draft: &Draft, lang: Lang) {
    if let Some(secrecy) = &draft.secrecy {
        yaml.line(0, "secrecy:");
        yaml.text(1, "text", lang, secrecy);
    }
}

fn write_obligation(yaml: &mut Yaml, draft: &Draft, lang: Lang) {
    let missing = todo("whether the data must be given, and what follows if not (GDPR Art. 13(2)(e))");
    yaml.text(0, "obligation", lang, draft.obligation.as_deref().unwrap_or(&missing));
}

fn write_disclosures(yaml: &mut Yaml, draft: &Draft, lang: Lang) {
    write_listed(yaml, "disclosures", &draft.disclosures, |yaml, item| {
        yaml.line(1, "- recipient:");
        yaml.scalar(3, lang.code(), item);
    });
}

fn write_transfers(yaml: &mut Yaml, draft: &Draft, lang: Lang) {
    write_listed(yaml, "transfers", &draft.transfers, |yaml, item| {
        yaml.line(1, "- destination:");
        yaml.scalar(3, lang.code(), item);
        yaml.scalar(2, "ground", &todo("adequacy, safeguards or derogation"));
        yaml.text(2, "basis", lang, &todo("the adequacy decision, safeguard or derogation"));
    });
}

fn write_processors(yaml: &mut Yaml, draft: &Draft, lang: Lang) {
    write_listed(yaml, "processors", &draft.processors, |yaml, item| {
        yaml.line(1, &format!("- name: {}", quoted(item)));
        yaml.text(2, "task", lang, &todo("what the processor does with the data"));
    });
}

fn write_systems(yaml: &mut Yaml, draft: &Draft, _: Lang) {
    if !draft.systems.is_empty() {
        yaml.line(0, "systems:");
        for system in &draft.systems {
            yaml.line(1, &format!("- name: {}", quoted(system)));
        }
    }
}

fn write_security(yaml: &mut Yaml, draft: &Draft, lang: Lang) {
    let parts = [
        ("general", "security", &draft.security_general),
        ("electronic", "security_electronic", &draft.security_electronic),
        ("manual", "security_manual", &draft.security_manual),
    ];
    let part_headings =
        |field: &'static str| draft.security_part_headings.iter().filter(move |(part, _)| part == field);
    // The heading the paper material was read under, and those of parts that gave no
    // paragraphs, stand above the fields.
    let empty_parts = parts.iter().filter(|(_, _, paragraphs)| paragraphs.is_empty()).map(|(_, field, _)| *field);
    for field in std::iter::once("manual_material").chain(empty_parts) {
        for (_, heading) in part_headings(field) {
            yaml.comment(0, &format!("From the source section \"{heading}\"."));
        }
    }
    match &draft.manual_material {
        Some(material) => yaml.text(0, "manual_material", lang, material),
        None if draft.manual_material_none => yaml.line(0, "manual_material: none"),
        None => yaml.text(0, "manual_material", lang, &todo("the paper material, or `manual_material: none`")),
    }
    yaml.line(0, "security:");
    for (key, field, paragraphs) in parts {
        if paragraphs.is_empty() {
            continue;
        }
        yaml.line(1, &format!("{key}:"));
        for (_, heading) in part_headings(field) {
            yaml.comment(2, &format!("From the source section \"{heading}\"."));
        }
        yaml.items(2, lang, paragraphs, "");
    }
    if parts.iter().all(|(_, _, paragraphs)| paragraphs.is_empty()) {
        yaml.texts(1, "general", lang, &[], "how the register is protected");
    }
}

fn write_automated(yaml: &mut Yaml, draft: &Draft, lang: Lang) {
    if draft.automated_none {
        yaml.line(0, "automated_decisions: none");
    } else {
        let missing = todo("automated decision-making and profiling, or `automated_decisions: none`");
        yaml.text(0, "automated_decisions", lang, &missing);
    }
}

fn write_legal_basis(yaml: &mut Yaml, draft: &Draft) {
    yaml.line(0, "legal_basis:");
    for from in &draft.art6_from {
        yaml.comment(1, &format!("Guessed from the source's words, check it: point {from}"));
    }
    if draft.art6.is_empty() {
        yaml.comment(1, "TODO: the points of GDPR Art. 6(1), e.g. [c, e]");
    }
    let points: Vec<String> = draft.art6.iter().map(char::to_string).collect();
    yaml.line(1, &format!("gdpr_art6: [{}]", points.join(", ")));
    if !draft.statutes.is_empty() {
        yaml.comment(1, "Every statute the source cites; `seloste check` says which are repealed or moved.");
        yaml.line(1, "statutes:");
        for number in &draft.statutes {
            yaml.line(2, &format!("- {}", quoted(number)));
        }
    }
}

fn write_listed(yaml: &mut Yaml, key: &str, listed: &Listed, item: impl Fn(&mut Yaml, &str)) {
    match listed {
        Listed::None => yaml.line(0, &format!("{key}: none")),
        // In the list's own shape, so that `check` reads it and says what to fill in.
        Listed::Unknown => {
            yaml.line(0, &format!("{key}:"));
            item(yaml, &todo(&format!("list the {key}, or write `{key}: none`")));
        }
        Listed::Items(items) => {
            yaml.line(0, &format!("{key}:"));
            for text in items {
                item(yaml, text);
            }
        }
    }
}

/// A person: `key:` then its fields, or as a list item when `item`.
fn write_person(yaml: &mut Yaml, indent: usize, key: &str, person: &PersonDraft, lang: Lang, item: bool) {
    let (first, inner) = if item { ("- ", indent + 1) } else { ("", indent + 1) };
    if !item {
        yaml.line(indent, &format!("{key}:"));
    }
    let mut lines: Vec<(String, String)> = Vec::new();
    if let Some(name) = &person.name {
        lines.push(("name".into(), quoted(name)));
    }
    let title = person.title.clone().unwrap_or_else(|| todo("the person's title"));
    lines.push(("title".into(), format!("{{ {}: {} }}", lang.code(), quoted(&title))));
    for (field, value) in [("address", &person.address), ("phone", &person.phone), ("email", &person.email)] {
        if let Some(value) = value {
            lines.push((field.into(), quoted(value)));
        }
    }
    for (index, (field, value)) in lines.iter().enumerate() {
        let prefix = if index == 0 {
            first
        } else if item {
            "  "
        } else {
            ""
        };
        let indent = if item { indent } else { inner };
        yaml.line(indent, &format!("{prefix}{field}: {value}"));
    }
}

/// The draft organisation file.
pub fn organisation(organisation: &OrganisationDraft, lang: Lang, source: &str) -> String {
    let mut yaml = Yaml::default();
    yaml.comment(
        0,
        &format!("Imported by `seloste import` from {source}; shared by the registers of this controller."),
    );
    yaml.comment(0, "A DRAFT: fill in every TODO and check each value.");
    yaml.line(0, "kind: organisation");
    yaml.text(0, "name", lang, organisation.name.as_deref().unwrap_or(&todo("the controller's name")));
    if let Some(id) = &organisation.business_id {
        yaml.scalar(0, "business_id", id);
    }
    yaml.scalar(0, "address", organisation.address.as_deref().unwrap_or(&todo("the controller's address")));
    for (key, value) in
        [("phone", &organisation.phone), ("email", &organisation.email), ("website", &organisation.website)]
    {
        if let Some(value) = value {
            yaml.scalar(0, key, value);
        }
    }
    let dpo = organisation.dpo.clone().unwrap_or_default();
    yaml.line(0, "dpo:");
    if let Some(name) = &dpo.name {
        yaml.scalar(1, "name", name);
    }
    let title = dpo
        .title
        .clone()
        .unwrap_or_else(|| if lang == Lang::Sv { "dataskyddsombud".into() } else { "tietosuojavastaava".into() });
    yaml.text(1, "title", lang, &title);
    for (key, value) in [("address", &dpo.address), ("phone", &dpo.phone)] {
        if let Some(value) = value {
            yaml.scalar(1, key, value);
        }
    }
    yaml.scalar(1, "email", dpo.email.as_deref().unwrap_or(&todo("the data protection officer's e-mail")));
    yaml.line(0, "rights:");
    yaml.scalar(
        1,
        "address",
        organisation
            .rights_address
            .as_deref()
            .unwrap_or(&todo("where a data subject sends a request about their rights")),
    );
    yaml.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_so_that_no_text_is_read_as_yaml() {
        assert_eq!(quoted("a: \"b\" # c\\"), "\"a: \\\"b\\\" # c\\\\\"");
        assert_eq!(quoted("x\u{7}"), "\"x\\u0007\"");
    }
}
