//! The check stage: what a loaded register says, checked before anything is published.
//! Every rule runs and every finding is reported, as a compiler reports every error of a
//! file, each with a stable rule id, a severity, the file, the field and its line, a
//! message in English and, where one can be said, the fix.
//!
//! - The rules over the whole record are a table of small functions ([`RULES`]).
//! - The rules over each text ([`walk`] shows them every one): a text in every declared
//!   language, characters a document can carry and the fonts can print, every cited
//!   statute known and in force, statute citations in free text read right ([`crate::
//!   statutes::citations`]), and the rules of [`lint`] (outdated bodies and terms, from data).
//! - [`completeness`]: the composed notice answers every point of GDPR Art. 13 and 14.
//!
//! A finding accepted on purpose (`check: { accept: { <rule>: <reason> } }` in the record or
//! the organisation file) is reported as a note with its reason.

pub mod completeness;
pub mod contact;
pub mod lint;
pub mod walk;

use std::collections::BTreeMap;

use crate::compose::Document;
use crate::error::{Diagnostic, Severity};
use crate::record::{Art6, Register};
use crate::source::Parsed;
use crate::statutes::citations::{self, Issue};
use crate::statutes::{Entries, Problem, StatuteCatalog};
use crate::text::{Lang, Localized, Phrase};
use completeness::Checklist;
use lint::Rules;
use walk::{File, Text, Visitor};

/// What the rules are checked against.
pub struct Context<'a> {
    pub register: &'a Register,
    pub statutes: &'a StatuteCatalog,
    /// The organisation's own statutes, if it has a file of them.
    pub own_statutes: Option<&'a Entries>,
    /// The rules over free text: the built-in ones, and the organisation's own.
    pub rules: &'a [&'a Rules],
    /// Whether the notice's fonts can print a character.
    pub printable: &'a dyn Fn(char) -> bool,
}

impl Context<'_> {
    fn source(&self, file: File) -> &Parsed {
        match file {
            File::Record => &self.register.source,
            File::Organisation => &self.register.organisation_source,
        }
    }

    /// A finding about a field of the record.
    fn error(&self, rule: &str, field: &str, message: impl Into<String>) -> Diagnostic {
        self.register.source.error(rule, field, message)
    }
}

/// A rule over the whole register.
type Rule = fn(&Context<'_>, &mut Vec<Diagnostic>);

/// The rules that span fields of a record, in the order their findings are reported.
const RULES: &[Rule] = &[id_form, declared_languages, legal_basis, required_lists, dpo, contacts, texts];

/// The ids of the rules of this module, for telling an accepted rule from a mistyped one.
const RULE_IDS: &[&str] = &[
    "record.id",
    "draft.todo",
    "record.languages",
    "record.required",
    "legal-basis.art6",
    "legal-basis.art6-f",
    "gdpr.dpo",
    "text.language-missing",
    "text.control-character",
    "text.unprintable-character",
    "statute.unknown",
    "statute.repealed",
    "statute.moved",
    "statute.no-title",
    "citation.eu-form",
    "citation.year-first",
    "citation.swapped",
    "citation.short-year",
    "citation.unknown",
    "citation.title-mismatch",
    "citation.repealed",
];

/// What `seloste check --format json` writes: every finding, and how many of each.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct Report {
    /// Records checked.
    pub records: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Every finding, by file and line.
    pub findings: Vec<Diagnostic>,
}

impl Report {
    /// The report of `findings` about `records` records; a finding about an organisation
    /// file that several records share is told once.
    pub fn new(records: usize, mut findings: Vec<Diagnostic>) -> Report {
        findings.sort_by(|a, b| (&a.file, a.line, &a.field, &a.rule).cmp(&(&b.file, b.line, &b.field, &b.rule)));
        findings.dedup();
        let count = |severity| findings.iter().filter(|finding| finding.severity == severity).count();
        Report {
            records,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            notes: count(Severity::Note),
            findings,
        }
    }
}

/// Every finding of every rule about `register`, before any acceptance.
pub fn check_register(context: &Context<'_>) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    for rule in RULES {
        rule(context, &mut findings);
    }
    findings
}

/// Every point of GDPR Art. 13 and 14 the composed `documents` leave unanswered.
pub fn check_notice(
    checklist: &Checklist,
    register: &Register,
    documents: &[&Document],
    consent_text: &dyn Fn(Lang) -> String,
) -> Vec<Diagnostic> {
    completeness::check(checklist, register, documents, consent_text)
}

/// Turns the findings the record or the organisation accepts into notes with the reason,
/// and reports an accepted rule id that names no rule, at its line.
pub fn accept(register: &Register, known: &[&str], findings: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut accepted: BTreeMap<&str, &str> = BTreeMap::new();
    let mut unknown = Vec::new();
    let settings = [
        (&register.organisation_source, register.organisation.check.as_ref()),
        (&register.source, register.record.check.as_ref()),
    ];
    for (source, settings) in settings {
        for (rule, reason) in settings.iter().flat_map(|settings| &settings.accept) {
            if known.contains(&rule.as_str()) {
                accepted.insert(rule, reason);
            } else {
                let field = format!("check.accept.{rule}");
                let mut diagnostic = source.error(
                    "check.accept",
                    &field,
                    format!("`{}` is not a rule of seloste check", crate::source::excerpt(rule)),
                );
                if let Some(near) =
                    known.iter().max_by(|a, b| strsim::jaro_winkler(rule, a).total_cmp(&strsim::jaro_winkler(rule, b)))
                {
                    diagnostic = diagnostic.with_hint(format!("did you mean `{near}`?"));
                }
                unknown.push(diagnostic);
            }
        }
    }
    let mut findings: Vec<Diagnostic> = findings
        .into_iter()
        .map(|finding| match accepted.get(finding.rule.as_str()) {
            Some(reason) if finding.severity != Severity::Note => Diagnostic {
                severity: Severity::Note,
                message: format!("{} (accepted: {reason})", finding.message),
                ..finding
            },
            _ => finding,
        })
        .collect();
    findings.extend(unknown);
    findings
}

/// Every rule id the check can report, with the rules from data.
pub fn known_rules<'a>(checklist: &'a Checklist, rules: &'a [&'a Rules]) -> Vec<&'a str> {
    let mut known: Vec<&str> = RULE_IDS.to_vec();
    known.extend(contact::RULE_IDS);
    known.extend(checklist.rules());
    known.extend(rules.iter().flat_map(|rules| rules.ids()));
    known
}

fn contacts(context: &Context<'_>, findings: &mut Vec<Diagnostic>) {
    for problem in contact::problems(context.register) {
        let finding = context.source(problem.file).error(problem.rule, &problem.field, problem.message);
        findings.push(finding.with_hint(problem.hint));
    }
}

fn id_form(context: &Context<'_>, findings: &mut Vec<Diagnostic>) {
    let id = &context.register.record.id;
    let usable = !id.is_empty()
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-');
    if !usable {
        findings.push(context.error(
            "record.id",
            "id",
            format!(
                "`{}` is not a usable register id: use lower-case letters a-z, digits and hyphens, e.g. `huittinen-lastensuojelu`",
                crate::source::excerpt(id)
            ),
        ));
    }
}

fn declared_languages(context: &Context<'_>, findings: &mut Vec<Diagnostic>) {
    let languages = &context.register.record.languages;
    if languages.is_empty() {
        findings.push(context.error(
            "record.languages",
            "languages",
            "the record declares no language; write `languages: [fi]`, `[sv]` or `[fi, sv]`",
        ));
    }
    for (index, lang) in languages.iter().enumerate() {
        if languages[..index].contains(lang) {
            findings.push(context.error("record.languages", "languages", format!("`{lang}` is listed twice")));
        }
    }
}

fn legal_basis(context: &Context<'_>, findings: &mut Vec<Diagnostic>) {
    let art6 = &context.register.record.legal_basis.gdpr_art6;
    if art6.is_empty() {
        findings.push(context.error(
            "legal-basis.art6",
            "legal_basis.gdpr_art6",
            "name at least one point of GDPR Art. 6(1) as the legal basis, e.g. `[c]` for a legal obligation or `[e]` for a task in the public interest",
        ));
    }
    if art6.contains(&Art6::F) {
        findings.push(
            context
                .error(
                    "legal-basis.art6-f",
                    "legal_basis.gdpr_art6",
                    "point (f), legitimate interests, does not apply to processing by public authorities in the performance of their tasks (GDPR Art. 6(1), last subparagraph)",
                )
                .with_hint("a municipality's or county's register rests on (c) a legal obligation or (e) a task in the public interest"),
        );
    }
}

fn required_lists(context: &Context<'_>, findings: &mut Vec<Diagnostic>) {
    let record = &context.register.record;
    let required: [(&str, bool, &str); 4] = [
        ("purposes", record.purposes.is_empty(), "state at least one purpose of the processing"),
        (
            "data_categories",
            record.data_categories.iter().all(|group| group.items.is_empty()),
            "list the categories of personal data the register holds",
        ),
        ("sources", record.sources.is_empty(), "state where the data come from (GDPR Art. 14(2)(f))"),
        (
            "retention.text",
            record.retention.text.is_empty(),
            "state how long the data are kept, or the criteria for it",
        ),
    ];
    for (field, missing, message) in required {
        if missing {
            findings.push(context.error("record.required", field, message));
        }
    }
}

/// Every public authority has a data protection officer (GDPR Art. 37(1)(a)), and the
/// notice gives their contact details (Art. 13(1)(b), 14(1)(b)).
fn dpo(context: &Context<'_>, findings: &mut Vec<Diagnostic>) {
    let organisation = &context.register.organisation_source;
    match &context.register.organisation.dpo {
        None => findings.push(
            organisation
                .error("gdpr.dpo", "dpo", "the organisation names no data protection officer (GDPR Art. 37(1)(a), 13(1)(b), 14(1)(b))")
                .with_hint("add `dpo: { title: { fi: Tietosuojavastaava, sv: Dataskyddsombud }, email: ... }` to the organisation file"),
        ),
        Some(dpo) if dpo.email.is_none() && dpo.phone.is_none() && dpo.address.is_none() => findings.push(
            organisation
                .error("gdpr.dpo", "dpo", "the data protection officer has no contact details (GDPR Art. 13(1)(b), 14(1)(b))")
                .with_hint("give at least an e-mail address or a phone number"),
        ),
        Some(_) => {}
    }
}

/// The rules that look at each text.
fn texts(context: &Context<'_>, findings: &mut Vec<Diagnostic>) {
    let mut rules = TextRules { context, findings };
    walk::walk_record(&context.register.record, &mut rules);
    walk::walk_organisation(&context.register.organisation, &mut rules);
}

/// The strings of a text, each with the languages it is read in: its own when given per
/// language, every declared language when it is the same in all.
fn strings<'t>(text: &Text<'t>, declared: &[Lang]) -> Vec<(Option<Lang>, Vec<Lang>, &'t str)> {
    match text {
        Text::Localized(texts) => texts.texts().map(|(lang, text)| (Some(lang), vec![lang], text)).collect(),
        Text::Phrase(Phrase::PerLanguage(texts)) => {
            texts.texts().map(|(lang, text)| (Some(lang), vec![lang], text)).collect()
        }
        Text::Phrase(Phrase::Same(text)) => vec![(None, declared.to_vec(), text.as_str())],
        Text::Plain(text) => vec![(None, declared.to_vec(), *text)],
        Text::Statute(citation) => vec![(None, Vec::new(), citation.number.as_str())],
    }
}

/// Characters a document cannot carry: the controls that XML 1.0 forbids and PDF text
/// cannot show, and the noncharacters. Tab and line breaks are kept as layout.
fn is_forbidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}')
}

/// Characters that take no glyph, so need none from the font: spaces, and the invisible
/// formatting characters (soft hyphen, zero-width space and joiners, word joiner, BOM).
fn needs_no_glyph(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

struct TextRules<'a, 'b> {
    context: &'a Context<'b>,
    findings: &'a mut Vec<Diagnostic>,
}

impl TextRules<'_, '_> {
    fn error(&self, file: File, rule: &str, field: &str, message: impl Into<String>) -> Diagnostic {
        self.context.source(file).error(rule, field, message)
    }

    /// A `TODO` an import left where its source did not say: the notice cannot be
    /// published until it is filled in.
    fn not_filled_in(&mut self, file: File, field: &str, text: &str) {
        if let Some(at) = text.find("TODO") {
            let what = text[at + 4..].trim_start_matches([':', ' ']).trim();
            let message = if what.is_empty() { "not filled in".to_owned() } else { format!("fill in: {what}") };
            self.findings
                .push(self.error(file, "draft.todo", field, message).with_hint("replace the TODO with the value"));
        }
    }

    /// Every character of a text must be one a document can carry and the fonts can print.
    fn characters(&mut self, file: File, field: &str, text: &str) {
        if let Some(c) = text.chars().find(|c| is_forbidden(*c)) {
            let message =
                format!("the text holds the control character U+{:04X}, which a document cannot carry", u32::from(c));
            let diagnostic = self
                .error(file, "text.control-character", field, message)
                .with_hint("remove it, or write a line break as a new line");
            self.findings.push(diagnostic);
        } else if let Some(c) = text.chars().find(|c| !needs_no_glyph(*c) && !(self.context.printable)(*c)) {
            let message = format!(
                "the character {c} (U+{:04X}) cannot be printed: the notice's font has no glyph for it",
                u32::from(c)
            );
            let diagnostic = self
                .error(file, "text.unprintable-character", field, message)
                .with_hint("write it in words, or with the letters of the Finnish and Swedish alphabets");
            self.findings.push(diagnostic);
        }
    }

    fn languages(&mut self, file: File, field: &str, texts: &Localized) {
        for &lang in &self.context.register.record.languages {
            if texts.text(lang).is_none() {
                let field = format!("{field}.{lang}");
                let message = format!(
                    "the `{lang}` text is missing; the record declares the languages it is published in, and each text needs every one of them"
                );
                let diagnostic = self.error(file, "text.language-missing", &field, message);
                self.findings.push(diagnostic);
            }
        }
    }

    /// A structured citation: known, in force, its sections where they are, its title known.
    fn statute(&mut self, file: File, field: &str, citation: &crate::record::StatuteRef) {
        let statutes = self.context.statutes;
        let declared = &self.context.register.record.languages;
        for problem in statutes.problems(citation, self.context.own_statutes, declared) {
            let rule = match &problem {
                Problem::Unknown { .. } => "statute.unknown",
                Problem::Repealed { .. } => "statute.repealed",
                Problem::Moved { .. } => "statute.moved",
                Problem::NoTitle { .. } => "statute.no-title",
            };
            let mut diagnostic = self.error(file, rule, field, statutes.describe(&citation.number, &problem));
            match &problem {
                Problem::Unknown { guess: Some(guess) } => diagnostic = diagnostic.with_replacement(guess.clone()),
                Problem::Repealed { in_force: Some(in_force), .. } => {
                    diagnostic = diagnostic.with_replacement(in_force.clone())
                }
                Problem::Moved { to, .. } => diagnostic = diagnostic.with_replacement(to.clone()),
                _ => {}
            }
            self.findings.push(diagnostic);
        }
    }

    /// Statute citations in free text, read as a reader would.
    fn citations(&mut self, file: File, field: &str, text: &str) {
        let statutes = self.context.statutes;
        for citation in citations::find(text, statutes) {
            let written = crate::source::excerpt(&citation.written);
            let (rule, message, replacement) = match (&citation.issue, &citation.number) {
                (Some(Issue::EuForm), Some(number)) => (
                    "citation.eu-form",
                    format!("`{written}` cites an EU act the way it is not cited; write `{number}`"),
                    Some(number.clone()),
                ),
                (Some(Issue::YearFirst), Some(number)) => (
                    "citation.year-first",
                    format!("`{written}` writes the year first; the statute is `{number}`"),
                    Some(number.clone()),
                ),
                (Some(Issue::Swapped), Some(number)) => (
                    "citation.swapped",
                    format!("`{written}` has the number and the year swapped; the statute is `{number}`"),
                    Some(number.clone()),
                ),
                (Some(Issue::ShortYear), Some(number)) => (
                    "citation.short-year",
                    format!("`{written}` writes the year in two digits; the statute is `{number}`"),
                    Some(number.clone()),
                ),
                (Some(Issue::Unknown), _) => {
                    ("citation.unknown", format!("no statute has the number `{written}`"), None)
                }
                (Some(Issue::TitleMismatch { better }), Some(number)) => {
                    let title = statutes
                        .find(number, self.context.own_statutes)
                        .map(|known| known.title.get(Lang::Fi).to_owned());
                    let mut message =
                        format!("the words before `{written}` do not name its statute, {}", title.unwrap_or_default());
                    if let Some(better) = better {
                        let title = statutes
                            .find(better, None)
                            .map(|known| known.title.get(Lang::Fi).to_owned())
                            .unwrap_or_default();
                        message.push_str(&format!("; did you mean {better} ({title})?"));
                    }
                    ("citation.title-mismatch", message, better.clone())
                }
                (None, Some(number)) => {
                    match statutes.find(number, self.context.own_statutes).and_then(|known| known.repealed) {
                        Some(repeal) => {
                            let in_force = statutes.in_force(number).unwrap_or_else(|| repeal.by.clone());
                            let title = statutes
                                .find(&in_force, None)
                                .map(|known| known.title.get(Lang::Fi).to_owned())
                                .unwrap_or_default();
                            (
                                "citation.repealed",
                                format!(
                                    "the text cites {number}, repealed on {}; in force today: {in_force} ({title})",
                                    repeal.date.finnish()
                                ),
                                Some(in_force),
                            )
                        }
                        None => continue,
                    }
                }
                _ => continue,
            };
            let mut diagnostic = self.error(file, rule, field, message).with_severity(Severity::Warning);
            if let Some(replacement) = replacement {
                diagnostic = diagnostic.with_hint(format!("write `{replacement}`")).with_replacement(replacement);
            }
            self.findings.push(diagnostic);
        }
    }

    /// The rules from data over a text in the languages it is read in.
    fn lint(&mut self, file: File, field: &str, languages: &[Lang], text: &str) {
        for rules in self.context.rules {
            for &lang in languages {
                for hit in rules.hits(lang, field, text) {
                    let diagnostic = lint::diagnostic(self.context.source(file), field, &hit);
                    self.findings.push(diagnostic);
                }
            }
        }
    }
}

impl Visitor for TextRules<'_, '_> {
    fn visit(&mut self, file: File, field: &str, text: Text<'_>) {
        let declared = self.context.register.record.languages.clone();
        let free_text = matches!(text, Text::Localized(_) | Text::Phrase(_));
        for (lang, read_in, string) in strings(&text, &declared) {
            let field = match lang {
                Some(lang) => format!("{field}.{lang}"),
                None => field.to_owned(),
            };
            self.characters(file, &field, string);
            self.not_filled_in(file, &field, string);
            if !matches!(text, Text::Statute(_)) {
                self.lint(file, &field, &read_in, string);
            }
            if free_text {
                self.citations(file, &field, string);
            }
        }
        match text {
            Text::Localized(texts) | Text::Phrase(Phrase::PerLanguage(texts)) => self.languages(file, field, texts),
            Text::Statute(citation) => self.statute(file, field, citation),
            Text::Phrase(Phrase::Same(_)) | Text::Plain(_) => {}
        }
    }
}
