//! From a notice's sections to the fields of a draft record: each section's text goes to
//! the field its heading names, read for what the field holds (list items, paragraphs, a
//! person with a title, an address, phone numbers, e-mails, a business id, statutes,
//! GDPR Art. 6 points named in words). What is not taken as a value is kept, word for
//! word, to be written as a comment under the field: nothing of the source is lost.

use std::sync::OnceLock;

use regex::Regex;

use super::extract::run_on;
use super::sections::{Heading, Section};
use crate::statutes::{StatuteCatalog, citations};
use crate::time::Date;

/// A person of the notice, as far as the source names them.
#[derive(Debug, Default, Clone)]
pub struct PersonDraft {
    pub name: Option<String>,
    pub title: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl PersonDraft {
    fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.title.is_none()
            && self.address.is_none()
            && self.phone.is_none()
            && self.email.is_none()
    }
}

/// What the organisation file gets.
#[derive(Debug, Default, Clone)]
pub struct OrganisationDraft {
    pub name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub business_id: Option<String>,
    pub dpo: Option<PersonDraft>,
    pub rights_address: Option<String>,
}

impl OrganisationDraft {
    /// Takes what `other` knows and this one does not.
    pub fn fill_from(&mut self, other: &OrganisationDraft) {
        for (mine, theirs) in [
            (&mut self.address, &other.address),
            (&mut self.phone, &other.phone),
            (&mut self.email, &other.email),
            (&mut self.website, &other.website),
            (&mut self.business_id, &other.business_id),
            (&mut self.rights_address, &other.rights_address),
        ] {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        }
        if self.dpo.as_ref().is_none_or(|dpo| dpo.email.is_none()) && other.dpo.is_some() {
            self.dpo.clone_from(&other.dpo);
        }
    }
}

/// A field given as a list, or stated to have nothing, or not found.
#[derive(Debug, Default, PartialEq)]
pub enum Listed {
    #[default]
    Unknown,
    None,
    Items(Vec<String>),
}

/// Source text kept as a comment under a field: the section's heading and its lines.
#[derive(Debug, Clone)]
pub struct Kept {
    pub heading: String,
    pub lines: Vec<String>,
}

/// Everything read from one notice.
#[derive(Debug, Default)]
pub struct Draft {
    pub name: Option<String>,
    /// A title line before the first section that names a register, used when no
    /// section gives the name.
    pub name_guess: Option<String>,
    pub date: Option<Date>,
    /// (updated?, date, by)
    pub history: Vec<(bool, Date, String)>,
    pub organisation: OrganisationDraft,
    pub controller_body: Option<String>,
    pub responsible: Option<PersonDraft>,
    pub contacts: Vec<PersonDraft>,
    pub purposes: Vec<String>,
    pub art6: Vec<char>,
    /// Where each Art. 6 point was read from, for the comment.
    pub art6_from: Vec<String>,
    pub statutes: Vec<String>,
    pub data_subjects: Vec<String>,
    /// The data content in groups: a group's name (a line ending in a colon, such as
    /// `Aikuispalveluiden osarekisteri:`) and its items.
    pub data_categories: Vec<(Option<String>, Vec<String>)>,
    pub secrecy: Option<String>,
    pub sources: Vec<String>,
    pub obligation: Option<String>,
    pub disclosures: Listed,
    pub transfers: Listed,
    pub processors: Listed,
    pub systems: Vec<String>,
    pub manual_material: Option<String>,
    /// The source answered that there is no paper material.
    pub manual_material_none: bool,
    pub security_general: Vec<String>,
    pub security_electronic: Vec<String>,
    pub security_manual: Vec<String>,
    /// The source's own headings of the security parts (`Manuellt material`), by the
    /// part's field key, written above the part's paragraphs.
    pub security_part_headings: Vec<(String, String)>,
    pub retention: Vec<String>,
    pub automated_none: bool,
    /// Source text under each field, by the field's key; `""` for what belongs nowhere.
    pub kept: Vec<(String, Kept)>,
}

fn regex(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("a fixed, valid pattern"))
}

fn email_pattern() -> &'static Regex {
    static CELL: OnceLock<Regex> = OnceLock::new();
    regex(&CELL, r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
}

fn phone_pattern() -> &'static Regex {
    static CELL: OnceLock<Regex> = OnceLock::new();
    regex(
        &CELL,
        r"(?:\+358[ -]?\(?0?\)?\d{1,3}|\(0\d{1,3}\)|\b0\d{1,3})(?:[ -]?\d{2,4}){1,3}\b(?: ?\([\p{L} ]{2,20}\))?",
    )
}

fn address_pattern() -> &'static Regex {
    static CELL: OnceLock<Regex> = OnceLock::new();
    regex(
        &CELL,
        r"(?:(?:PL|PB|Box) ?\d+|[\p{Lu}][\p{L}.-]*(?: [\p{L}.-]+){0,3} \d+(?: ?[A-Za-z])?(?: ?[A-Z] ?\d+)?), ?\d{5} +[\p{Lu}][\p{L}-]+",
    )
}

fn business_id_pattern() -> &'static Regex {
    static CELL: OnceLock<Regex> = OnceLock::new();
    regex(&CELL, r"\b\d{7}-\d\b")
}

fn website_pattern() -> &'static Regex {
    static CELL: OnceLock<Regex> = OnceLock::new();
    regex(&CELL, r"(?:https?://)?www\.[\w.-]+\.[a-z]{2,}(?:/[\w./-]*[\w/])?")
}

fn date_pattern() -> &'static Regex {
    static CELL: OnceLock<Regex> = OnceLock::new();
    regex(&CELL, r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
}

/// The organisation words that end an organisation's name.
const ORGANISATION_WORDS: &[&str] = &[
    "kaupunki",
    "kunta",
    "hyvinvointialue",
    "kuntayhtymä",
    "yhtymä",
    "stad",
    "kommun",
    "välfärdsområde",
    "välfärdsområdet",
    "samkommun",
];

/// The words that make a name a body of the organisation.
const BODY_WORDS: &[&str] =
    &["lautakunta", "hallitus", "johtokunta", "jaosto", "nämnd", "nämnden", "styrelse", "sektion"];

/// Labels of contact forms, dropped from what is read as a name or a title.
const LABELS: &[&str] = &[
    "nimi",
    "osoite",
    "yhteystiedot",
    "puhelin",
    "puh",
    "sähköposti",
    "email",
    "e-mail",
    "namn",
    "adress",
    "kontaktuppgifter",
    "telefon",
    "tfn",
    "e-post",
    "postiosoite",
    "käyntiosoite",
    "postadress",
    "besöksadress",
];

/// Reads every section of a notice into a draft.
pub fn read(sections: &[Section], catalog: &StatuteCatalog) -> Draft {
    let mut draft = Draft::default();
    for section in sections {
        let heading = section.heading.as_ref().map(Heading::numbered).unwrap_or_default();
        let field = section.field().unwrap_or_default();
        // A security part's heading is its own: the part reads it (and may give it to the
        // paper material) before its lines.
        let security_part = matches!(field, "security_manual" | "security_electronic");
        if security_part {
            draft.security_part_headings.push((field.to_owned(), heading.clone()));
        }
        // `Päivitetty 15.2.2016`, `Datum:` / `20.8.2020`: a date heading carries its date
        // in itself or on the line under it.
        if matches!(field, "history" | "document_date") {
            let first = section.lines.first().map_or("", String::as_str);
            read_history(&mut draft, &[format!("{heading} {first}")]);
        }
        let kept = read_section(&mut draft, field, &section.lines);
        if security_part {
            // The part's heading already stands above its paragraphs.
            if !kept.is_empty() {
                draft.kept.push((field.to_owned(), Kept { heading: String::new(), lines: kept }));
            }
            continue;
        }
        if !kept.is_empty() || !heading.is_empty() {
            let key = if field.is_empty() && heading.is_empty() { "preamble" } else { field };
            draft.kept.push((key.to_owned(), Kept { heading, lines: kept }));
        }
    }
    let all: Vec<&str> = sections.iter().flat_map(|section| section.lines.iter().map(String::as_str)).collect();
    finish(&mut draft, &all, catalog);
    draft
}

/// Reads a section's lines into the draft; returns the lines it did not take as values.
type SectionReader = fn(&mut Draft, &[String]) -> Vec<String>;

/// The reader of each field's sections. Lines a reader returns are kept as comments under
/// the field; a section of no known field goes to `read_unknown`.
const READERS: [(&[&str], SectionReader); 23] = [
    (&["name"], read_name),
    (&["controller", "controller_body"], |draft, lines| {
        read_controller(draft, lines);
        lines.to_vec()
    }),
    (&["responsible"], |draft, lines| {
        draft.responsible = Some(person(lines)).filter(|person| !person.is_empty()).or(draft.responsible.take());
        lines.to_vec()
    }),
    (&["contact"], |draft, lines| {
        draft.contacts.extend(Some(person(lines)).filter(|person| !person.is_empty()));
        lines.to_vec()
    }),
    (&["dpo"], |draft, lines| {
        draft.organisation.dpo =
            Some(person(lines)).filter(|person| !person.is_empty()).or(draft.organisation.dpo.take());
        lines.to_vec()
    }),
    (&["purposes"], |draft, lines| {
        draft.purposes.extend(joined_paragraphs(lines));
        Vec::new()
    }),
    (&["legal_basis"], |draft, lines| {
        read_art6(draft, lines);
        lines.to_vec()
    }),
    (&["data_subjects"], |draft, lines| {
        draft.data_subjects.extend(items(lines));
        Vec::new()
    }),
    (&["data_categories"], read_data_categories),
    (&["secrecy"], |draft, lines| {
        draft.secrecy = Some(lines.join(" "));
        Vec::new()
    }),
    (&["sources"], |draft, lines| {
        draft.sources.extend(items(lines));
        Vec::new()
    }),
    (&["obligation"], |draft, lines| {
        draft.obligation = Some(lines.join(" "));
        Vec::new()
    }),
    (&["disclosures"], |draft, lines| listed(&mut draft.disclosures, lines, &NONE_DISCLOSED)),
    (&["transfers"], |draft, lines| listed(&mut draft.transfers, lines, &NONE_TRANSFERRED)),
    (&["processors"], |draft, lines| listed(&mut draft.processors, lines, &NONE_PROCESSORS)),
    (&["systems"], |draft, lines| {
        draft.systems.extend(items(lines));
        Vec::new()
    }),
    (&["security"], |draft, lines| read_security(draft, "security", lines)),
    (&["security_manual"], |draft, lines| read_security(draft, "security_manual", lines)),
    (&["security_electronic"], |draft, lines| read_security(draft, "security_electronic", lines)),
    (&["retention"], |draft, lines| {
        draft.retention.extend(joined_paragraphs(lines));
        Vec::new()
    }),
    (&["automated"], read_automated),
    (&["rights", "complaint"], |draft, lines| {
        if draft.organisation.rights_address.is_none() {
            draft.organisation.rights_address = lines.iter().find_map(|line| rights_address(line));
        }
        lines.to_vec()
    }),
    (&["history", "document_date"], |draft, lines| {
        read_history(draft, lines);
        lines.to_vec()
    }),
];

fn read_section(draft: &mut Draft, field: &str, lines: &[String]) -> Vec<String> {
    match READERS.iter().find(|(fields, _)| fields.contains(&field)) {
        Some((_, read)) => read(draft, lines),
        None => read_unknown(draft, field, lines),
    }
}

fn read_name(draft: &mut Draft, lines: &[String]) -> Vec<String> {
    let Some((first, rest)) = lines.split_first() else { return Vec::new() };
    draft.name = Some(strip_label(first).to_owned());
    rest.to_vec()
}

/// The data content; a sentence on secrecy in it is the secrecy statement.
fn read_data_categories(draft: &mut Draft, lines: &[String]) -> Vec<String> {
    let (secrecy, rest): (Vec<&String>, Vec<&String>) = lines.iter().partition(|line| is_secrecy(line));
    if let Some(line) = secrecy.first() {
        draft.secrecy = Some(strip_label(line).to_owned());
    }
    for line in rest {
        let trimmed = strip_marker(line).trim();
        // `Aikuispalveluiden osarekisteri:` names the group the items after it form.
        let group_name =
            trimmed.strip_suffix(':').filter(|name| !name.is_empty() && name.split_whitespace().count() <= 8);
        match (group_name, draft.data_categories.last_mut()) {
            (Some(name), _) => draft.data_categories.push((Some(name.to_owned()), Vec::new())),
            (None, Some((_, group))) => group.push(line.clone()),
            (None, None) => draft.data_categories.push((None, vec![line.clone()])),
        }
    }
    for (_, group) in &mut draft.data_categories {
        *group = items(group);
    }
    draft.data_categories.retain(|(name, group)| name.is_some() || !group.is_empty());
    secrecy.into_iter().skip(1).cloned().collect()
}

fn read_automated(draft: &mut Draft, lines: &[String]) -> Vec<String> {
    let text = lines.join(" ").to_lowercase();
    draft.automated_none =
        ["ei käytetä", "ei tehdä", "används inte", "förekommer inte", "ei ole"].iter().any(|no| text.contains(no));
    lines.to_vec()
}

/// A section of no known field; before the first heading, the notice's title lines may
/// name the register and date the notice.
fn read_unknown(draft: &mut Draft, field: &str, lines: &[String]) -> Vec<String> {
    if field.is_empty() {
        read_history(draft, lines);
        if draft.name_guess.is_none() {
            draft.name_guess =
                lines.iter().find(|line| looks_like_register_name(line)).map(|line| strip_label(line).to_owned());
        }
    }
    lines.to_vec()
}

/// What says there is nothing to state, in each language.
const NONE_DISCLOSED: [&str; 6] = [
    "ei luovuteta",
    "tietoja ei luovuteta",
    "ei säännönmukaisesti luovuteta",
    "lämnas inte ut",
    "utlämnas inte",
    "ei luovutuksia",
];
const NONE_TRANSFERRED: [&str; 7] = [
    "ei siirretä",
    "eikä siirretä",
    "ei luovuteta eu",
    "överförs inte",
    "överlåts inte",
    "lämnas inte ut utanför",
    "ei siirry",
];
const NONE_PROCESSORS: [&str; 3] = ["ei käytä henkilötietojen käsittelijöitä", "ei käsittelijöitä", "anlitar inga"];

/// The marks of a ticked box, and of any box.
const TICKED: [&str; 6] = ["☒", "☑", "✔", "✓", "[x]", "[X]"];
const BOXES: [char; 6] = ['☐', '☒', '☑', '□', '■', '✓'];

/// A form's yes/no answer: `☒Ei` / `☐Kyllä`, `Kyllä ☒`, `[x] Nej`.
fn checked_answer(lines: &[String]) -> Option<bool> {
    lines.iter().find_map(|line| {
        let line = line.trim();
        let answer = TICKED
            .iter()
            .find_map(|mark| line.strip_prefix(mark).or_else(|| line.strip_suffix(mark)))?
            .trim()
            .to_lowercase();
        match answer.trim_end_matches(['.', ',']) {
            "ei" | "nej" => Some(false),
            "kyllä" | "ja" => Some(true),
            _ => None,
        }
    })
}

/// A line of a form's yes/no boxes or their follow-up question (`☐Kyllä`, `Ei ☐`, `Minne?`).
fn is_form_line(line: &str) -> bool {
    let line = line.trim();
    let boxed = line.starts_with(BOXES) || line.ends_with(BOXES);
    (boxed && line.split_whitespace().count() <= 3) || (line.ends_with('?') && line.split_whitespace().count() <= 3)
}

/// Words that make a denial partial: what follows them is disclosed after all.
const EXCEPTIONS: [&str; 14] = [
    "paitsi",
    "lukuun ottamatta",
    "kuitenkin",
    "voidaan luovuttaa",
    "luovutetaan",
    "voidaan siirtää",
    "siirretään",
    "utom",
    "förutom",
    "dock",
    "kan lämnas ut",
    "lämnas ut till",
    "kan överföras",
    "överförs till",
];

fn listed(target: &mut Listed, lines: &[String], none: &[&str]) -> Vec<String> {
    let text = lines.join(" ").to_lowercase();
    let answered_no = checked_answer(lines) == Some(false);
    // "Tietoja ei luovuteta säännönmukaisesti. … voidaan luovuttaa ARA:lle" and "ei
    // luovuteta, paitsi laskutusta varten …" name recipients: a denial says none only
    // when nothing in the section makes an exception to it.
    let exception = EXCEPTIONS.iter().any(|word| text.contains(word));
    let denied = none.iter().any(|no| text.contains(no)) && !exception;
    if answered_no || (lines.len() <= 2 && denied) {
        *target = Listed::None;
        return lines.to_vec();
    }
    let (form, lines): (Vec<String>, Vec<String>) = lines.iter().cloned().partition(|line| is_form_line(line));
    let found = items(&lines);
    if !found.is_empty() {
        match target {
            Listed::Items(existing) => existing.extend(found),
            _ => *target = Listed::Items(found),
        }
    }
    form
}

/// Words of a text about data leaving the EU and the EEA.
const ABROAD: [&str; 8] = [
    "eu:n ulkopuol",
    "eta:n ulkopuol",
    "euroopan unionin ulkopuol",
    "euroopan talousalueen ulkopuol",
    "kolmansiin maihin",
    "utanför eu",
    "utanför ees",
    "tredje land",
];

/// Under a heading that joins disclosures and transfers ("Tietojen luovutus ja siirto
/// EU:n ulkopuolelle"), the items about the EU and the EEA are the transfers.
fn separate_transfers(draft: &mut Draft) {
    let Listed::Items(items) = &mut draft.disclosures else { return };
    if draft.transfers != Listed::Unknown {
        return;
    }
    let abroad = |item: &String| {
        let lower = item.to_lowercase();
        ABROAD.iter().any(|words| lower.contains(words))
    };
    let (transfers, disclosures): (Vec<String>, Vec<String>) = items.drain(..).partition(abroad);
    *items = disclosures;
    if transfers.is_empty() {
        return;
    }
    let none = transfers.iter().all(|item| {
        let lower = item.to_lowercase();
        NONE_TRANSFERRED.iter().any(|no| lower.contains(no))
    });
    if none {
        draft.kept.push(("transfers".to_owned(), Kept { heading: String::new(), lines: transfers }));
        draft.transfers = Listed::None;
    } else {
        draft.transfers = Listed::Items(transfers);
    }
    if items.is_empty() {
        draft.disclosures = Listed::Unknown;
    }
}

/// The parts of the security section, by the words their sub-headings start with.
const SECURITY_PARTS: [(&str, &[&str]); 3] = [
    ("security_manual", &["manuaali", "manuell", "paperi", "pappers"]),
    (
        "security_electronic",
        &["sähköi", "atk", "elektronisk", "digitaali", "tietojärjestelm", "automaattisesti käsiteltävä"],
    ),
    ("security", &["tietojen suojauksen periaatteet", "suojauksen periaatteet", "principer för"]),
];

/// The security section, or one of its parts (`part`) when the source gave it a heading
/// of its own: paragraphs go to the part whose sub-heading came last, and a short first
/// line of the manual part (`- paperiasiakirjat`) names the paper material.
fn read_security(draft: &mut Draft, part: &'static str, lines: &[String]) -> Vec<String> {
    // `Rekisterissä on manuaalista (paperi) aineistoa` / `☐Ei` / `☒Kyllä`: the form's
    // question is the heading, its answer says whether there is paper material.
    let (form, lines): (Vec<String>, Vec<String>) = lines.iter().cloned().partition(|line| is_form_line(line));
    if part == "security_manual" && draft.manual_material.is_none() {
        match checked_answer(&form) {
            Some(false) => draft.manual_material_none = true,
            Some(true) => {
                draft.manual_material = draft
                    .security_part_headings
                    .iter()
                    .rev()
                    .find(|(part, _)| part == "security_manual")
                    .map(|(_, heading)| heading_words(heading).to_owned());
            }
            None => {}
        }
    }
    let mut part = part;
    let pieces: Vec<String> = joined_paragraphs(&lines).iter().flat_map(|line| split_letter_labels(line)).collect();
    for piece in pieces {
        let mut rest = without_letter_label(&piece);
        // `Tietojen suojauksen periaatteet: A. Sähköiset ylläpitojärjestelmät: Käyttö…`:
        // labels one after another, each naming the part the text goes to.
        loop {
            let lower = rest.to_lowercase();
            let Some((key, _)) =
                SECURITY_PARTS.iter().find(|(_, words)| words.iter().any(|word| lower.starts_with(word)))
            else {
                break;
            };
            part = key;
            let (label, after) = split_label(rest);
            if let Some(label) = label {
                draft.security_part_headings.push((part.to_owned(), label.to_owned()));
            }
            let labelled_again = without_letter_label(after).len() != after.len()
                || after.split_once(": ").is_some_and(|(label, _)| label.split_whitespace().count() <= 5);
            rest = without_letter_label(after);
            if !labelled_again {
                break;
            }
        }
        if rest.is_empty() {
            continue;
        }
        match part {
            "security_manual" => draft.security_manual.push(rest.to_owned()),
            "security_electronic" => draft.security_electronic.push(rest.to_owned()),
            _ => draft.security_general.push(rest.to_owned()),
        }
    }
    let names_material = |text: &str| {
        let lower = text.to_lowercase();
        MATERIAL_WORDS.iter().any(|word| lower.contains(word))
    };
    if draft.manual_material.is_none()
        && let Some(first) = draft.security_manual.first()
        && first.split_whitespace().count() <= 5
        && names_material(first)
    {
        draft.manual_material = Some(strip_marker(first).to_owned());
        draft.security_manual.remove(0);
        if let Some(heading) = draft.security_part_headings.iter_mut().find(|(part, _)| part == "security_manual") {
            heading.0 = "manual_material".to_owned();
        }
    }
    form
}

/// A heading without its numbering: `9. Rekisterissä on …` → `Rekisterissä on …`.
fn heading_words(heading: &str) -> &str {
    heading.trim_start_matches(|c: char| !c.is_alphabetic() && c != '(').trim_start()
}

/// Words that name paper material (`Paperiset asiakirjat`, `Pappershandlingar`).
const MATERIAL_WORDS: [&str; 7] = ["paperi", "asiakirj", "kortisto", "aineisto", "pappers", "handling", "material"];

/// `A. Sähköiset järjestelmät: X B. Manuaalinen aineisto: Y` as its labelled parts: a
/// line that starts with a letter label is split before each next letter in turn.
fn split_letter_labels(line: &str) -> Vec<String> {
    let trimmed = line.trim();
    let mut letter = match trimmed.as_bytes() {
        [first @ b'A'..=b'D', b'.' | b')', b' ', ..] => *first,
        _ => return vec![trimmed.to_owned()],
    };
    let mut pieces = Vec::new();
    let mut rest = trimmed;
    loop {
        letter += 1;
        let label = [format!(" {}. ", letter as char), format!(" {}) ", letter as char)];
        let Some(at) = label.iter().filter_map(|label| rest.find(label.as_str())).min() else { break };
        pieces.push(rest[..at].trim().to_owned());
        rest = rest[at..].trim_start();
    }
    pieces.push(rest.to_owned());
    pieces
}

/// A line without a leading letter label (`B. `, `a) `).
fn without_letter_label(line: &str) -> &str {
    let trimmed = line.trim();
    trimmed
        .strip_prefix(|c: char| c.is_ascii_alphabetic())
        .and_then(|rest| rest.strip_prefix(['.', ')']))
        .map_or(trimmed, str::trim_start)
}

/// A sub-heading and the text after it on the same line: `Manuaalinen aineisto: Paperit`,
/// `Sähköinen aineisto Tietotekniset laitteet …` (the text starts at the next capital), or
/// a line that is only a short heading.
fn split_label(text: &str) -> (Option<&str>, &str) {
    fn after(rest: &str) -> &str {
        rest.trim().trim_start_matches("- ").trim()
    }
    if let Some((label, rest)) = text.split_once(": ").or_else(|| text.strip_suffix(':').map(|label| (label, "")))
        && label.split_whitespace().count() <= 5
    {
        return (Some(label.trim()), after(rest));
    }
    let words: Vec<(usize, &str)> =
        text.split_whitespace().map(|word| (word.as_ptr() as usize - text.as_ptr() as usize, word)).collect();
    if words.len() <= 4 && !text.contains('.') {
        return (Some(text.trim()), "");
    }
    let capital = words.iter().skip(1).take(3).find(|(_, word)| word.starts_with(char::is_uppercase));
    let lower_before = |at: usize| {
        words.iter().skip(1).take_while(|(start, _)| *start < at).all(|(_, word)| word.starts_with(char::is_lowercase))
    };
    match capital {
        Some((at, _)) if lower_before(*at) => (Some(text[..*at].trim()), after(&text[*at..])),
        _ => (None, text),
    }
}

/// Whether `line` carries on the sentence of `previous`: it starts in lower case, and
/// `previous` is long (a list's items one per line are short) and did not end its sentence.
fn continues_sentence(previous: &str, line: &str) -> bool {
    line.trim_start().starts_with(char::is_lowercase)
        && previous.chars().count() >= 50
        && !previous.trim_end().ends_with(['.', ':', ';', '!', '?'])
}

/// Lines of prose joined where the source broke a sentence: a line that starts in lower
/// case continues a long one before it unless that one closed its sentence (short lines
/// are a list's items, one per line).
fn joined_paragraphs(lines: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in lines {
        let line = line.replace('\t', " ");
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let continues = out.last().is_some_and(|last| continues_sentence(last, line));
        match out.last_mut() {
            Some(last) if continues => run_on(last, line),
            _ => out.push(strip_marker(line).to_owned()),
        }
    }
    out
}

fn is_secrecy(line: &str) -> bool {
    let lower = line.to_lowercase();
    lower.contains("salassa pidettäv") || lower.contains("sekretessbelag") || lower.contains("salassapito")
}

/// The organisation and its body from the controller section.
fn read_controller(draft: &mut Draft, lines: &[String]) {
    let text = lines.join("\n");
    let organisation = &mut draft.organisation;
    if organisation.name.is_none() {
        organisation.name = organisation_name(&text);
    }
    if draft.controller_body.is_none() {
        draft.controller_body = body_name(&text);
    }
    organisation.address = organisation.address.take().or_else(|| address(&text));
    let without_ids = business_id_pattern().replace_all(&text, " ");
    organisation.phone = organisation.phone.take().or_else(|| find(phone_pattern(), &without_ids));
    organisation.email = organisation.email.take().or_else(|| find(email_pattern(), &text));
    organisation.website = organisation.website.take().or_else(|| find(website_pattern(), &text));
    organisation.business_id = organisation.business_id.take().or_else(|| find(business_id_pattern(), &text));
}

fn find(pattern: &Regex, text: &str) -> Option<String> {
    pattern.find(text).map(|found| found.as_str().trim().to_owned())
}

/// A postal address, without a label before it (`Yhteystiedot Risto Rytin katu 36, …`).
fn address(text: &str) -> Option<String> {
    let found = find(address_pattern(), text)?;
    let mut rest = found.as_str();
    while let Some((word, after)) = rest.split_once(' ')
        && LABELS.contains(&word.to_lowercase().trim_end_matches([':', '.']))
    {
        rest = after;
    }
    Some(rest.to_owned())
}

/// `Huittisten kaupunki`, `Lundo kommun`: up to and including the organisation word,
/// with the capitalised words before it.
fn organisation_name(text: &str) -> Option<String> {
    let words: Vec<&str> =
        text.split(|c: char| c.is_whitespace() || c == ',').filter(|word| !word.is_empty()).collect();
    for (index, word) in words.iter().enumerate() {
        let bare = word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        let organisation = ORGANISATION_WORDS.iter().any(|end| bare.ends_with(end))
            && !BODY_WORDS.iter().any(|body| bare.ends_with(body));
        if organisation && index > 0 {
            let mut start = index;
            let named = |word: &str| {
                word.starts_with(char::is_uppercase)
                    && !LABELS.contains(&word.to_lowercase().trim_end_matches([':', '.']))
            };
            while start > 0 && named(words[start - 1]) && index - start < 3 {
                start -= 1;
            }
            if start < index || bare.len() > 12 {
                return Some(words[start..=index].join(" ").trim_end_matches(['.', ',', ':']).to_owned());
            }
        }
    }
    None
}

/// `Perusturvalautakunta`, `sosiaali- ja terveyslautakunta`, `Vapaa-aikalautakunta`,
/// `tekninen lautakunta`, `Socialnämnden`, `Tekniska nämnden`.
fn body_name(text: &str) -> Option<String> {
    static CELL: OnceLock<Regex> = OnceLock::new();
    let pattern = regex(
        &CELL,
        r"(?i)\b(?:\p{L}+- (?:ja|och) )?(?:\p{L}+(?:nen|ska) )?(?:\p{L}[\p{L}-]*)?(?:lautakunta|hallitus|johtokunta|jaosto|nämnden|nämnd|styrelsen|styrelse)\b",
    );
    let found = pattern.find(text)?.as_str();
    let mut chars = found.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect())
}

/// `Huittisten kaupungin` → `Huittisten kaupunki`: an organisation named only in the
/// genitive.
fn organisation_from_genitive(text: &str) -> Option<String> {
    const GENITIVES: [(&str, &str); 5] = [
        ("kaupungin", "kaupunki"),
        ("kunnan", "kunta"),
        ("hyvinvointialueen", "hyvinvointialue"),
        ("kuntayhtymän", "kuntayhtymä"),
        ("kommuns", "kommun"),
    ];
    let words: Vec<&str> =
        text.split(|c: char| c.is_whitespace() || c == ',').filter(|word| !word.is_empty()).collect();
    words.windows(2).find_map(|pair| {
        let owner = pair[0];
        let bare = pair[1].trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        let nominative = GENITIVES.iter().find(|(genitive, _)| bare == *genitive).map(|(_, nominative)| *nominative)?;
        (owner.starts_with(char::is_uppercase) && owner.chars().all(char::is_alphabetic))
            .then(|| format!("{owner} {nominative}"))
    })
}

/// A person: the name (two or three capitalised words), the title (the words before or
/// after it), address, phone, e-mail.
fn person(lines: &[String]) -> PersonDraft {
    let text = business_id_pattern().replace_all(&lines.join("\n"), " ").into_owned();
    let mut person = PersonDraft {
        address: address(&text),
        phone: find(phone_pattern(), &text),
        email: find(email_pattern(), &text),
        ..PersonDraft::default()
    };
    let mut rest = text.clone();
    for pattern in [email_pattern(), phone_pattern(), address_pattern(), website_pattern()] {
        rest = pattern.replace_all(&rest, "\n").into_owned();
    }
    for line in rest.lines() {
        let words: Vec<&str> = line
            .split_whitespace()
            .map(|word| word.trim_matches(|c: char| c == ',' || c == ':' || c == ';'))
            .filter(|word| !word.is_empty() && !LABELS.contains(&word.to_lowercase().trim_end_matches('.')))
            .collect();
        if words.is_empty() {
            continue;
        }
        if person.name.is_none()
            && let Some((start, end)) = name_run(&words)
        {
            person.name = Some(words[start..end].join(" "));
            let before = words[..start].join(" ");
            let after = words[end..].join(" ");
            let title = if before.is_empty() { after } else { before };
            // The title written with the name is the person's, over a line read before.
            if !title.is_empty() {
                person.title = Some(lower_first(&title));
            }
            continue;
        }
        if person.title.is_none()
            && words.len() <= 6
            && !words.iter().any(|word| word.chars().any(|c| c.is_ascii_digit()))
        {
            person.title = Some(lower_first(&words.join(" ")));
        }
    }
    person
}

/// Where a person's name stands: two or three capitalised words, not an organisation's.
fn name_run(words: &[&str]) -> Option<(usize, usize)> {
    let is_name = |word: &str| {
        let mut chars = word.chars();
        chars.next().is_some_and(char::is_uppercase)
            && chars.clone().next().is_some_and(char::is_lowercase)
            && word.chars().all(|c| c.is_alphabetic() || c == '-')
            && !ORGANISATION_WORDS
                .iter()
                .chain(BODY_WORDS)
                .any(|organisation| word.to_lowercase().ends_with(organisation))
    };
    // First name and surname: the last two of a run of capitalised words; a capitalised
    // word before them is a title at the start of a line (`Perusturvajohtaja Kristiina Piirala`).
    (0..words.len()).rev().find_map(|end| {
        let start = end.checked_sub(1)?;
        (is_name(words[start]) && is_name(words[end])).then_some((start, end + 1))
    })
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if chars.clone().next().is_some_and(char::is_lowercase) => {
            first.to_lowercase().chain(chars).collect()
        }
        Some(first) => std::iter::once(first).chain(chars).collect(),
        None => String::new(),
    }
}

/// The address a rights request is sent to, from "… osoitetaan: …" or "… sänds till …".
fn rights_address(line: &str) -> Option<String> {
    let lower = line.to_lowercase();
    ["osoitetaan:", "lähetetään:", "osoitteeseen:", "sänds till:", "skickas till:", "till adressen:"]
        .iter()
        .find_map(|marker| {
            lower.find(marker).map(|at| line[at + marker.len()..].trim().trim_end_matches('.').to_owned())
        })
        .filter(|address| address_pattern().is_match(address))
}

/// GDPR Art. 6(1) points the text names in words or letters.
fn read_art6(draft: &mut Draft, lines: &[String]) {
    const WORDS: &[(char, &[&str])] = &[
        ('a', &["suostum", "samtycke"]),
        ('b', &["sopimu", "avtal"]),
        (
            'c',
            &[
                "lakisääteinen velvoite",
                "lakisääteisen velvoitteen",
                "lakisääteisten velvoitteiden",
                "rättslig förpliktelse",
                "rättsliga förpliktelse",
                "6 artiklan 1 kohdan c",
                "6.1 c",
                "6(1)(c)",
            ],
        ),
        ('d', &["elintärkeiden etujen", "grundläggande betydelse"]),
        (
            'e',
            &[
                "yleisen edun",
                "yleistä etua",
                "julkisen vallan",
                "viranomaistoimin",
                "allmänt intresse",
                "myndighetsutövning",
                "6 artiklan 1 kohdan e",
                "6.1 e",
                "6(1)(e)",
            ],
        ),
        ('f', &["oikeutettu etu", "oikeutettujen etujen", "berättigat intresse", "berättigade intressen"]),
    ];
    for line in lines {
        // A form's unticked box names a ground that does not apply.
        if line.trim_start().starts_with(['☐', '□']) {
            continue;
        }
        let lower = line.to_lowercase();
        for (point, words) in WORDS {
            if words.iter().any(|word| lower.contains(word)) && !draft.art6.contains(point) {
                draft.art6.push(*point);
                draft.art6_from.push(format!("{point}: \"{}\"", excerpt(line)));
            }
        }
    }
    draft.art6.sort_unstable();
}

fn excerpt(line: &str) -> String {
    if line.chars().count() > 80 { line.chars().take(80).chain(['…']).collect() } else { line.to_owned() }
}

fn read_history(draft: &mut Draft, lines: &[String]) {
    for line in lines {
        let lower = line.to_lowercase();
        let updated = ["päivit", "uppdater", "muutettu", "ändrad"].iter().any(|word| lower.contains(word));
        let drafted = ["laadit", "laatim", "upprätt", "laatija", "datum", "päiväys", "päivätty"]
            .iter()
            .any(|word| lower.contains(word));
        if !(updated || drafted) {
            continue;
        }
        // Each date, with the words after it up to the next tab or date, is one entry.
        let dates: Vec<regex::Captures<'_>> = date_pattern().captures_iter(line).collect();
        for (index, captures) in dates.iter().enumerate() {
            let whole = captures.get(0).expect("a match");
            let Some(date) = date_of(captures) else { continue };
            let end = dates.get(index + 1).map_or(line.len(), |next| next.get(0).expect("a match").start());
            let by = line[whole.end()..end].split('\t').next().unwrap_or_default().trim();
            let by: String = by
                .split_whitespace()
                .take_while(|word| word.starts_with(char::is_uppercase))
                .collect::<Vec<_>>()
                .join(" ");
            let before = line[..whole.start()].to_lowercase();
            let is_update = updated
                && (!drafted
                    || before.rfind("päivit").or(before.rfind("uppdater"))
                        > before.rfind("laadit").or(before.rfind("upprätt")));
            if !draft.history.iter().any(|(_, known, _)| *known == date) {
                draft.history.push((is_update, date, by));
            }
        }
    }
}

fn date_of(captures: &regex::Captures<'_>) -> Option<Date> {
    let [day, month, year] = [1, 2, 3].map(|index| captures.get(index).map_or("", |part| part.as_str()));
    Date::parse(&format!("{year}-{month:0>2}-{day:0>2}"))
}

fn looks_like_register_name(line: &str) -> bool {
    let lower = line.to_lowercase();
    let words = line.split_whitespace().count();
    (2..=10).contains(&words)
        && (lower.contains("rekisteri") || lower.contains("register"))
        && !lower.contains("seloste")
        && !lower.contains("beskrivning")
        && !line.ends_with('.')
}

fn strip_label(line: &str) -> &str {
    let trimmed = line.trim();
    for label in ["Nimi", "Namn", "Rekisterin nimi", "Registrets namn"] {
        if let Some(rest) = trimmed.strip_prefix(label)
            && rest.starts_with([' ', ':', '\t'])
        {
            return rest.trim_start_matches([' ', ':', '\t']).trim();
        }
    }
    trimmed.trim_start_matches("- ").trim()
}

/// The items of a list section: every line one item, a line with items run together
/// (`- a- b- c`, as old exports flatten lists) split, list markers dropped.
pub fn items(lines: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut marked = false;
    let mut previous = String::new();
    for line in lines {
        let line = line.replace('\t', " ");
        let unmarked = strip_marker(&line) == line.trim();
        // An indented line under a marked item, or a line in lower case after a long
        // one that did not end its sentence, is the item's text run on.
        let indented = marked && line.starts_with(' ');
        let runs_on = unmarked && (indented || continues_sentence(&previous, &line));
        previous = line.trim().to_owned();
        if let Some(last) = out.last_mut().filter(|_| runs_on) {
            run_on(last, line.trim());
            continue;
        }
        marked = !unmarked;
        for item in split_inline_items(&line) {
            let item = strip_marker(&item);
            if !item.is_empty() {
                out.push(item.to_owned());
            }
        }
    }
    out
}

/// `- a- b- c` → `a`, `b`, `c`; a hyphen that ends a word shortened before `ja`, `tai`,
/// `sekä`, `och`, `eller` (`yksilöinti- ja yhteystiedot`) is not a break.
fn split_inline_items(line: &str) -> Vec<String> {
    let trimmed = line.trim_start();
    if !trimmed.starts_with("- ") {
        return vec![line.to_owned()];
    }
    let mut items = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = trimmed.chars().collect();
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        let breaks =
            c == '-' && index > 0 && chars.get(index + 1) == Some(&' ') && !chars[index - 1].is_whitespace() && {
                let next: String = chars[index + 2..].iter().take_while(|c| c.is_alphanumeric()).collect();
                !["ja", "tai", "sekä", "eli", "och", "eller", "samt"].contains(&next.as_str())
            };
        if breaks {
            items.push(std::mem::take(&mut current));
            index += 2;
            continue;
        }
        current.push(c);
        index += 1;
    }
    items.push(current);
    items
}

fn strip_marker(item: &str) -> &str {
    let trimmed = item.trim();
    for marker in ["- ", "• ", "* ", "– ", "· ", "o ", "▪ ", "■ "] {
        if let Some(rest) = trimmed.strip_prefix(marker) {
            return rest.trim();
        }
    }
    // `-Asiakkaan nimi`: a hyphen set straight before a capital.
    if let Some(rest) = trimmed.strip_prefix(['-', '•']).filter(|rest| rest.starts_with(char::is_uppercase)) {
        return rest;
    }
    let token = trimmed.split_whitespace().next().unwrap_or_default();
    let numbered = token.len() <= 4
        && token.ends_with(['.', ')'])
        && token[..token.len() - 1].chars().all(|c| c.is_ascii_digit() || c.is_ascii_lowercase());
    if numbered && token.len() > 1 && trimmed.len() > token.len() {
        return trimmed[token.len()..].trim();
    }
    trimmed
}

/// What is read from the whole text: the statutes it cites, the organisation when the
/// controller section did not name it, dates.
fn finish(draft: &mut Draft, all: &[&str], catalog: &StatuteCatalog) {
    separate_transfers(draft);
    for line in all {
        for citation in citations::find(line, catalog) {
            if let Some(number) = citation.number
                && !draft.statutes.contains(&number)
            {
                draft.statutes.push(number);
            }
        }
    }
    let text = all.join("\n");
    if draft.name.is_none() {
        draft.name = draft.name_guess.take();
    }
    if draft.organisation.name.is_none() {
        draft.organisation.name = organisation_name(&text).or_else(|| organisation_from_genitive(&text));
    }
    if draft.organisation.website.is_none() {
        draft.organisation.website = find(website_pattern(), &text);
    }
    if draft.organisation.business_id.is_none() {
        draft.organisation.business_id = find(business_id_pattern(), &text);
    }
    if draft.organisation.address.is_none() {
        draft.organisation.address =
            draft.contacts.iter().chain(&draft.responsible).find_map(|person| person.address.clone());
    }
    if draft.organisation.dpo.is_none() {
        // A DPO named in running text: the e-mail next to "tietosuojavastaava".
        for line in all {
            let lower = line.to_lowercase();
            if (lower.contains("tietosuojavastaa") || lower.contains("dataskyddsombud"))
                && let Some(email) = find(email_pattern(), line)
            {
                draft.organisation.dpo = Some(PersonDraft { email: Some(email), ..PersonDraft::default() });
                break;
            }
        }
    }
    draft.date = draft.history.iter().map(|(_, date, _)| *date).max();
    if !draft.art6.is_empty() {
        return;
    }
    let purposes: Vec<String> = draft.purposes.clone();
    read_art6(draft, &purposes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|line| line.to_string()).collect()
    }

    #[test]
    fn a_denial_with_an_exception_names_its_recipients() {
        let mut disclosures = Listed::Unknown;
        listed(
            &mut disclosures,
            &lines(&["Tietoja ei luovuteta kunnan ulkopuolelle, paitsi laskuttajalle."]),
            &NONE_DISCLOSED,
        );
        assert!(matches!(disclosures, Listed::Items(_)), "{disclosures:?}");
        let mut transfers = Listed::Unknown;
        let text = lines(&["Palvelin on Suomessa. Tietoja ei siirretä EU:n tai ETA:n ulkopuolelle."]);
        listed(&mut transfers, &text, &NONE_TRANSFERRED);
        assert_eq!(transfers, Listed::None);
    }

    #[test]
    fn a_form_answer_and_labelled_security_parts_are_read() {
        assert_eq!(checked_answer(&lines(&["☐Ei", "☒Kyllä"])), Some(true));
        assert_eq!(checked_answer(&lines(&["Ei ☒", "Kyllä ☐"])), Some(false));
        assert_eq!(checked_answer(&lines(&["Ei", "Kyllä"])), None);
        assert_eq!(
            split_letter_labels("A. Sähköiset järjestelmät: ProConsona B. Manuaalinen aineisto: Paperiset"),
            ["A. Sähköiset järjestelmät: ProConsona", "B. Manuaalinen aineisto: Paperiset"]
        );
        assert_eq!(split_label("Manuaalinen aineisto: Paperiset"), (Some("Manuaalinen aineisto"), "Paperiset"));
        assert_eq!(
            split_label("Sähköinen aineisto Tietotekniset laitteet ovat lukitussa tilassa."),
            (Some("Sähköinen aineisto"), "Tietotekniset laitteet ovat lukitussa tilassa.")
        );
        let mut draft = Draft::default();
        read_security(
            &mut draft,
            "security",
            &lines(&["A. Sähköinen aineisto: Käyttö vaatii tunnuksen.", "B. MANUAALINEN AINEISTO: - paperiasiakirjat"]),
        );
        assert_eq!(draft.security_electronic, ["Käyttö vaatii tunnuksen."]);
        assert_eq!(draft.manual_material.as_deref(), Some("paperiasiakirjat"));
    }

    #[test]
    fn items_split_flattened_lists_but_not_shortened_compounds() {
        let found = items(&lines(&[
            "- Asiakkaan yksilöinti- ja yhteystiedot- asiakasmaksuja koskevat tiedot",
            "• toinen",
            "3) kolmas",
            "tavallinen rivi",
        ]));
        assert_eq!(
            found,
            [
                "Asiakkaan yksilöinti- ja yhteystiedot",
                "asiakasmaksuja koskevat tiedot",
                "toinen",
                "kolmas",
                "tavallinen rivi"
            ]
        );
    }

    #[test]
    fn a_person_has_a_name_a_title_and_contact_details() {
        let found = person(&lines(&[
            "Nimi Sosiaalityön johtaja Sinikka Piranen",
            "Yhteystiedot Risto Rytin katu 36, 32700 Huittinen 02 560 4111 (vaihde)",
            "sinikka.piranen@huittinen.fi",
        ]));
        assert_eq!(found.name.as_deref(), Some("Sinikka Piranen"));
        assert_eq!(found.title.as_deref(), Some("sosiaalityön johtaja"));
        assert_eq!(found.address.as_deref(), Some("Risto Rytin katu 36, 32700 Huittinen"));
        assert_eq!(found.phone.as_deref(), Some("02 560 4111 (vaihde)"));
        assert_eq!(found.email.as_deref(), Some("sinikka.piranen@huittinen.fi"));
    }

    #[test]
    fn organisations_and_bodies_are_told_apart() {
        assert_eq!(body_name("Tammiharjun kunta / Vapaa-aikalautakunta").as_deref(), Some("Vapaa-aikalautakunta"));
        assert_eq!(body_name("Harmaakosken kaupunki, tekninen lautakunta").as_deref(), Some("Tekninen lautakunta"));
        assert_eq!(
            organisation_name("Nimi Huittisten kaupunki, Perusturvalautakunta").as_deref(),
            Some("Huittisten kaupunki")
        );
        assert_eq!(
            body_name("Nimi Huittisten kaupunki, Perusturvalautakunta").as_deref(),
            Some("Perusturvalautakunta")
        );
        assert_eq!(organisation_name("Satakunnan hyvinvointialue").as_deref(), Some("Satakunnan hyvinvointialue"));
        assert_eq!(organisation_name("Lundo kommun, Socialnämnden").as_deref(), Some("Lundo kommun"));
    }
}
