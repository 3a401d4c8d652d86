//! Rules over free text, from data: bodies and terms that no longer exist or were renamed,
//! repealed laws named in words, Finnish left in Swedish text. The rules are in
//! `templates/lint-rules.yaml`, and an organisation may add a file of its own of the same
//! form; this module only reads them and runs them.

use std::path::Path;

use regex::Regex;
use serde::Deserialize;

use crate::error::{Diagnostic, Error, Severity};
use crate::source::{self, Limits, Parsed, SourceFile};
use crate::text::Lang;
use crate::time::Date;

/// Marks a file as lint rules.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum RulesKind {
    LintRules,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[allow(dead_code)]
    kind: RulesKind,
    rules: Vec<RuleFields>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFields {
    id: String,
    severity: Severity,
    lang: Lang,
    pattern: String,
    #[serde(default)]
    fields: Vec<String>,
    #[serde(default)]
    since: Option<Date>,
    message: String,
    suggestion: Option<String>,
}

/// One rule, compiled.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub severity: Severity,
    pub lang: Lang,
    pattern: Regex,
    /// The fields the rule looks at (a path or its start); every field when empty.
    fields: Vec<String>,
    pub message: String,
    pub suggestion: Option<String>,
}

/// A rule that fired on a text.
pub struct Hit<'a> {
    pub rule: &'a Rule,
    /// What the rule matched, as written.
    pub matched: &'a str,
}

/// A set of rules. Each runs on its own: a rule's pattern starts with a word, so the
/// regex engine skips to that word's occurrences, which is far quicker over a notice than
/// one set of all the patterns would be (a set cannot skip, and Unicode word boundaries
/// keep it on the slowest engine).
#[derive(Debug)]
pub struct Rules {
    rules: Vec<Rule>,
}

impl Rules {
    /// Reads and compiles a rules file; a pattern that does not compile is an error at its
    /// line.
    pub fn parse(path: &Path, text: &str) -> Result<Rules, Error> {
        let parsed = source::parse(SourceFile { path: path.to_owned(), text: text.to_owned() }, &Limits::TEMPLATE)?;
        Rules::from_parsed(&parsed)
    }

    /// An organisation's own rules file.
    pub fn load(path: &Path) -> Result<Rules, Error> {
        Rules::from_parsed(&source::read_parsed(path, &Limits::TEMPLATE)?)
    }

    fn from_parsed(parsed: &Parsed) -> Result<Rules, Error> {
        let file: RulesFile = parsed.typed()?;
        let mut rules = Vec::new();
        let mut problems = Vec::new();
        for (index, fields) in file.rules.into_iter().enumerate() {
            if !is_rule_id(&fields.id) {
                problems.push(parsed.error(
                    "rules.id",
                    &format!("rules[{index}].id"),
                    "a rule id is lower-case letters, digits, hyphens and dots, e.g. `renamed-body.maistraatti`",
                ));
            }
            if rules.iter().any(|rule: &Rule| rule.id == fields.id) {
                problems.push(parsed.error(
                    "rules.id",
                    &format!("rules[{index}].id"),
                    format!("the rule id `{}` is used twice", fields.id),
                ));
            }
            match Regex::new(&fields.pattern) {
                Ok(pattern) => rules.push(Rule {
                    id: fields.id,
                    severity: fields.severity,
                    lang: fields.lang,
                    pattern,
                    fields: fields.fields,
                    message: match fields.since {
                        Some(date) if !fields.message.contains(&date.finnish()) => {
                            format!("{} (since {})", fields.message, date.finnish())
                        }
                        _ => fields.message,
                    },
                    suggestion: fields.suggestion,
                }),
                Err(err) => problems.push(
                    parsed
                        .error(
                            "rules.pattern",
                            &format!("rules[{index}].pattern"),
                            "the pattern is not a valid regular expression",
                        )
                        .with_hint(first_line(&err.to_string())),
                ),
            }
        }
        if !problems.is_empty() {
            return Err(Error::Input(problems));
        }
        Ok(Rules { rules })
    }

    /// The rules of `lang` that fire on `text` at `field`, with what each matched.
    pub fn hits<'a>(&'a self, lang: Lang, field: &str, text: &'a str) -> Vec<Hit<'a>> {
        self.rules
            .iter()
            .filter(|rule| rule.lang == lang)
            .filter(|rule| rule.fields.is_empty() || rule.fields.iter().any(|start| field.starts_with(start.as_str())))
            .filter_map(|rule| {
                let found = rule.pattern.find(text)?;
                Some(Hit { rule, matched: found.as_str().trim_matches(|c: char| !c.is_alphanumeric()) })
            })
            .collect()
    }

    /// Every rule id, for telling a known id from a mistyped one.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|rule| rule.id.as_str())
    }
}

fn first_line(text: &str) -> String {
    text.lines().rev().find(|line| !line.trim().is_empty()).unwrap_or(text).trim().to_owned()
}

fn is_rule_id(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.'))
}

/// A diagnostic for a hit on a text at `field` of `parsed`.
pub fn diagnostic(parsed: &Parsed, field: &str, hit: &Hit<'_>) -> Diagnostic {
    let mut diagnostic = parsed
        .error(&hit.rule.id, field, format!("\"{}\": {}", source::excerpt(hit.matched), hit.rule.message))
        .with_severity(hit.rule.severity);
    if let Some(suggestion) = &hit.rule.suggestion {
        diagnostic = diagnostic.with_hint(format!("write `{suggestion}`")).with_replacement(suggestion.clone());
    }
    diagnostic
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::Assets;

    fn built_in() -> Rules {
        let asset = Assets::embedded().lint_rules;
        Rules::parse(Path::new(&asset.name), &asset.text).unwrap()
    }

    #[derive(Deserialize)]
    struct Example {
        id: String,
        fires: Vec<String>,
        silent: Vec<String>,
    }

    #[test]
    fn every_rule_fires_on_its_examples_and_only_there() {
        let rules = built_in();
        let examples: Vec<Example> =
            serde_yaml_ng::from_str(include_str!("../../templates/lint-rules-examples.yaml")).unwrap();
        for example in examples {
            let rule = rules
                .rules
                .iter()
                .find(|rule| rule.id == example.id)
                .unwrap_or_else(|| panic!("no rule {}", example.id));
            let field = rule.fields.first().cloned().unwrap_or_default();
            for text in &example.fires {
                assert!(
                    rules.hits(rule.lang, &field, text).iter().any(|hit| hit.rule.id == rule.id),
                    "{} is silent on {text:?}",
                    rule.id
                );
            }
            for text in &example.silent {
                assert!(
                    rules.hits(rule.lang, &field, text).iter().all(|hit| hit.rule.id != rule.id),
                    "{} fires on {text:?}",
                    rule.id
                );
            }
        }
    }

    #[test]
    fn a_bad_pattern_is_named_with_its_line() {
        let text = "kind: lint-rules\nrules:\n  - id: own.x\n    severity: warning\n    lang: fi\n    pattern: 'a(b'\n    message: m\n";
        let Err(Error::Input(problems)) = Rules::parse(Path::new("own-rules.yaml"), text) else { panic!("accepted") };
        assert_eq!(problems[0].line, Some(6));
        assert_eq!(problems[0].field, "rules[0].pattern");
    }
}
