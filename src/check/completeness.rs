//! Completeness: does the composed notice answer every point of GDPR Articles 13 and 14?
//! The points and the sections that answer them are data (`templates/checklist.yaml`);
//! the check reads the composed notice, so a fixed text the templates always print counts
//! as present, and a template of one's own that leaves one out is caught.

use std::path::Path;

use serde::Deserialize;

use crate::compose::{Block, Document, Section};
use crate::error::{Diagnostic, Error, Severity};
use crate::record::{Art6, Art9, Register, TransferGround};
use crate::source::{self, Limits, SourceFile};
use crate::text::Lang;

#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ChecklistKind {
    Checklist,
}

/// A point a notice must answer, and the section that answers it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Point {
    pub section: String,
    pub rule: String,
    pub article: String,
    pub what: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecialCategories {
    pub words: Words,
    pub statutes: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Words {
    pub fi: Vec<String>,
    pub sv: Vec<String>,
}

/// What the check asks of every notice.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    #[allow(dead_code)]
    kind: ChecklistKind,
    pub sections: Vec<Point>,
    pub special_categories: SpecialCategories,
}

impl Checklist {
    pub fn parse(name: &str, text: &str) -> Result<Checklist, Error> {
        let parsed = source::parse(SourceFile { path: name.into(), text: text.to_owned() }, &Limits::TEMPLATE)?;
        parsed.typed()
    }

    /// Every rule id the checklist can report.
    pub fn rules(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().map(|point| point.rule.as_str()).chain(RULES.iter().copied())
    }
}

/// The rules of this module besides the checklist's sections.
const RULES: &[&str] = &[
    "gdpr.obligation",
    "gdpr.transfer-safeguards-copy",
    "gdpr.consent-withdrawal",
    "gdpr.special-categories",
    "record.empty-list",
    "record.contradiction",
];

/// The points the record itself must answer, whether or not its notice can be composed:
/// the obligation to provide the data, and an Art. 9(2) point for special categories.
pub fn record_points(checklist: &Checklist, register: &Register) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    obligation(register, &mut findings);
    safeguard_copies(register, &mut findings);
    stated_negatives(register, &mut findings);
    special_categories(checklist, register, &mut findings);
    findings
}

/// Every point the composed `documents` leave unanswered.
pub fn check(
    checklist: &Checklist,
    register: &Register,
    documents: &[&Document],
    consent_text: &dyn Fn(Lang) -> String,
) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    let path = register.path.as_path();
    for document in documents {
        for part in &document.parts {
            for point in &checklist.sections {
                let answered =
                    part.sections.iter().any(|section| section.key == point.section && says_something(section));
                if !answered {
                    findings.push(missing(path, point, part.lang));
                }
            }
            consent_withdrawal(register, part.lang, &part.sections, consent_text, &mut findings);
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    findings.retain(|finding| seen.insert((finding.rule.clone(), finding.message.clone())));
    findings
}

fn missing(path: &Path, point: &Point, lang: Lang) -> Diagnostic {
    Diagnostic::error(
        &point.rule,
        path,
        "",
        format!("the {lang} notice does not state {} (GDPR Art. {})", point.what, point.article),
    )
    .with_hint("give it in the record, or restore its text in the templates")
}

fn says_something(section: &Section) -> bool {
    let blocks = section.blocks.iter().chain(section.subsections.iter().flat_map(|sub| &sub.blocks));
    blocks.into_iter().any(|block| match block {
        Block::Paragraph { text } => !text.trim().is_empty(),
        Block::List { items } => items.iter().any(|item| !item.trim().is_empty()),
        Block::Fields { rows } => rows.iter().any(|row| row.lines.iter().any(|line| !line.trim().is_empty())),
    })
}

fn section_text(sections: &[Section], key: &str) -> String {
    let mut text = String::new();
    for section in sections.iter().filter(|section| section.key == key) {
        for block in &section.blocks {
            match block {
                Block::Paragraph { text: paragraph } => text.push_str(paragraph),
                Block::List { items } => items.iter().for_each(|item| text.push_str(item)),
                Block::Fields { rows } => rows.iter().flat_map(|row| &row.lines).for_each(|line| text.push_str(line)),
            }
            text.push('\n');
        }
    }
    text
}

/// Art. 13(2)(c): where the processing rests on consent, the notice tells that it can be
/// withdrawn.
fn consent_withdrawal(
    register: &Register,
    lang: Lang,
    sections: &[Section],
    consent_text: &dyn Fn(Lang) -> String,
    findings: &mut Vec<Diagnostic>,
) {
    let basis = &register.record.legal_basis;
    if !(basis.gdpr_art6.contains(&Art6::A) || basis.gdpr_art9.contains(&Art9::A)) {
        return;
    }
    let expected = consent_text(lang);
    if expected.trim().is_empty() || !section_text(sections, "rights").contains(expected.trim()) {
        findings.push(
            Diagnostic::error(
                "gdpr.consent-withdrawal",
                &register.path,
                "legal_basis",
                format!("the processing rests on consent, but the {lang} notice does not say it may be withdrawn (GDPR Art. 13(2)(c), 14(2)(d))"),
            )
            .with_hint("restore the text `rights.consent` in the templates"),
        );
    }
}

/// Art. 13(2)(e): whether providing the data is required, and what follows if it is not.
fn obligation(register: &Register, findings: &mut Vec<Diagnostic>) {
    if register.record.obligation.is_none() {
        let path = &register.path;
        findings.push(
            register
                .source
                .error(
                    "gdpr.obligation",
                    "obligation",
                    "the notice does not say whether providing the data is a statutory or contractual requirement, whether the person must provide it, and what follows if they do not (GDPR Art. 13(2)(e))",
                )
                .with_hint(format!(
                    "add `obligation: {{ fi: ..., sv: ... }}` to {}, e.g. that the law obliges the client to give the data a service needs, and that without them the service cannot be decided",
                    path.display()
                )),
        );
    }
}

/// Art. 13(1)(f), 14(1)(f): a transfer on appropriate safeguards must say how to obtain
/// a copy of them or where they have been made available.
fn safeguard_copies(register: &Register, findings: &mut Vec<Diagnostic>) {
    for (index, transfer) in register.record.transfers.items().iter().enumerate() {
        if transfer.ground == TransferGround::Safeguards && transfer.copy.is_none() {
            findings.push(
                register
                    .source
                    .error(
                        "gdpr.transfer-safeguards-copy",
                        &format!("transfers[{index}]"),
                        "the transfer rests on appropriate safeguards (GDPR Art. 46) but the notice does not say how to obtain a copy of them (Art. 13(1)(f), 14(1)(f))",
                    )
                    .with_severity(Severity::Warning)
                    .with_hint("add `copy: { fi: ..., sv: ... }`: where the safeguards can be requested or read"),
            );
        }
    }
}

/// A list given empty says neither what there is nor that there is none; and a stated
/// negative must not contradict another field.
fn stated_negatives(register: &Register, findings: &mut Vec<Diagnostic>) {
    let record = &register.record;
    let lists = [
        ("disclosures", record.disclosures.given().map(Vec::len)),
        ("transfers", record.transfers.given().map(Vec::len)),
        ("processors", record.processors.given().map(Vec::len)),
    ];
    for (field, _) in lists.iter().filter(|(_, len)| *len == Some(0)) {
        findings.push(
            register
                .source
                .error("record.empty-list", field, format!("`{field}` is an empty list"))
                .with_hint(format!("list them, or write `{field}: none` if there are none")),
        );
    }
    if record.manual_material.given().is_none() && !record.security.manual.is_empty() {
        findings.push(
            register
                .source
                .error(
                    "record.contradiction",
                    "manual_material",
                    "`manual_material: none` says the register has no paper material, but `security.manual` says how paper material is protected",
                )
                .with_hint("describe the paper material, or remove `security.manual`"),
        );
    }
}

/// Art. 9: a register whose subject is social or health care holds special categories of
/// data, which need an Art. 9(2) point besides the Art. 6(1) one.
fn special_categories(checklist: &Checklist, register: &Register, findings: &mut Vec<Diagnostic>) {
    let record = &register.record;
    if !record.legal_basis.gdpr_art9.is_empty() {
        return;
    }
    let hints = &checklist.special_categories;
    let texts = std::iter::once(&record.name)
        .chain(&record.purposes)
        .chain(record.data_categories.iter().flat_map(|group| group.items.iter().chain(&group.name)));
    let mut sign = None;
    for text in texts {
        for (lang, words) in [(Lang::Fi, &hints.words.fi), (Lang::Sv, &hints.words.sv)] {
            let lower = text.get(lang).to_lowercase();
            if let Some(word) = words.iter().find(|word| lower.contains(word.as_str())) {
                sign.get_or_insert_with(|| format!("it speaks of “{word}…”"));
            }
        }
    }
    if let Some(number) = record
        .legal_basis
        .statutes
        .iter()
        .map(|citation| &citation.number)
        .find(|number| hints.statutes.contains(number))
    {
        sign.get_or_insert_with(|| format!("it cites {number}"));
    }
    if let Some(sign) = sign {
        findings.push(
            register
                .source
                .error(
                    "gdpr.special-categories",
                    "legal_basis.gdpr_art9",
                    format!("the register seems to hold special categories of personal data ({sign}), but names no point of GDPR Art. 9(2)"),
                )
                .with_severity(Severity::Warning)
                .with_hint("social welfare and health care data rest on Art. 9(2)(h), with the statute that provides for them; write `gdpr_art9: [h]`"),
        );
    }
}
