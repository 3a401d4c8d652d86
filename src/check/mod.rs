//! The check stage: what a loaded register says, checked before anything is composed.
//! Every rule runs and every finding is reported, as a compiler reports every error of
//! a file, each with a stable rule id, the file, the field and its line.
//!
//! The rules are a table of small functions over the register ([`RULES`]), and text
//! rules that see every text through [`walk`].

pub mod walk;

use crate::error::Diagnostic;
use crate::record::{Art6, Register};
use crate::source::Parsed;
use crate::statutes::StatuteCatalog;
use crate::text::{Lang, Localized, Phrase};
use walk::{File, Text, Visitor};

/// What the rules are checked against.
pub struct Context<'a> {
    pub register: &'a Register,
    pub statutes: &'a StatuteCatalog,
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

    /// An error about a field of the record.
    fn error(&self, rule: &str, field: &str, message: impl Into<String>) -> Diagnostic {
        self.register.source.error(rule, field, message)
    }
}

/// A rule over the whole register.
type Rule = fn(&Context<'_>, &mut Vec<Diagnostic>);

/// The rules that span fields of a record, in the order their findings are reported.
const RULES: &[Rule] = &[id_form, declared_languages, legal_basis, required_lists, texts];

/// Every finding of every rule about `register`. `printable` tells whether the notice's
/// fonts can print a character.
pub fn check_register(
    register: &Register,
    statutes: &StatuteCatalog,
    printable: &dyn Fn(char) -> bool,
) -> Vec<Diagnostic> {
    let context = Context { register, statutes, printable };
    let mut findings = Vec::new();
    for rule in RULES {
        rule(&context, &mut findings);
    }
    findings
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

/// The rules that look at each text: every declared language present, every statute
/// cited known and in force.
fn texts(context: &Context<'_>, findings: &mut Vec<Diagnostic>) {
    let mut rules = TextRules { context, findings };
    walk::walk_record(&context.register.record, &mut rules);
    walk::walk_organisation(&context.register.organisation, &mut rules);
}

/// The strings of a text, each with its language when it is given per language.
fn strings<'t>(text: &Text<'t>) -> Vec<(Option<Lang>, &'t str)> {
    match text {
        Text::Localized(texts) => texts.texts().map(|(lang, text)| (Some(lang), text)).collect(),
        Text::Phrase(phrase) => phrase.texts(),
        Text::Plain(text) => vec![(None, *text)],
        Text::Statute(citation) => vec![(None, citation.number.as_str())],
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
}

impl Visitor for TextRules<'_, '_> {
    fn visit(&mut self, file: File, field: &str, text: Text<'_>) {
        for (lang, string) in strings(&text) {
            let field = match lang {
                Some(lang) => format!("{field}.{lang}"),
                None => field.to_owned(),
            };
            self.characters(file, &field, string);
        }
        match text {
            Text::Localized(texts) | Text::Phrase(Phrase::PerLanguage(texts)) => self.languages(file, field, texts),
            Text::Statute(citation) => {
                if let Err(message) = self.context.statutes.check_citation(&citation.number, citation.historical) {
                    let diagnostic = self.error(file, "statute.citation", field, message);
                    self.findings.push(diagnostic);
                }
            }
            Text::Phrase(Phrase::Same(_)) | Text::Plain(_) => {}
        }
    }
}
