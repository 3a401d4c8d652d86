//! Every error the library returns, and the diagnostics that describe problems in the
//! files a user wrote. This module knows nothing of the rest of seloste; the command
//! line prints what it describes, in one place.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// How serious a diagnostic is: an error stops the record, a warning is printed and
/// kept in the batch summary, a note is advice.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        })
    }
}

/// A problem in a file the user wrote: which rule, which file, which field, which line,
/// what is wrong, and how to fix it where that can be said.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Diagnostic {
    /// A stable identifier of the rule, e.g. `statute.repealed`.
    pub rule: String,
    pub severity: Severity,
    pub file: PathBuf,
    /// 1-based; absent when the problem has no single place.
    pub line: Option<usize>,
    /// The field path, e.g. `legal_basis.statutes[1]`; empty when the whole file is at fault.
    pub field: String,
    /// What is wrong, in English.
    pub message: String,
    /// How to fix it, in English, when that can be said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The text to write instead, when one replacement fixes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
}

impl Diagnostic {
    /// An error under `rule`.
    pub fn error(rule: &str, file: &Path, field: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        let field = field.into();
        Diagnostic {
            rule: rule.to_owned(),
            severity: Severity::Error,
            file: file.to_owned(),
            line: None,
            field: if field == "." { String::new() } else { field },
            message: message.into(),
            hint: None,
            replacement: None,
        }
    }

    pub fn with_severity(mut self, severity: Severity) -> Diagnostic {
        self.severity = severity;
        self
    }

    pub fn at_line(mut self, line: Option<usize>) -> Diagnostic {
        self.line = line;
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_replacement(mut self, replacement: impl Into<String>) -> Diagnostic {
        self.replacement = Some(replacement.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.field.is_empty() {
            write!(f, ": field `{}`", self.field)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// What failed, named by the stage it failed in.
#[derive(Debug)]
pub enum Error {
    /// Files the user wrote are wrong: every error found in them, never none.
    Input(Vec<Diagnostic>),
    /// The command line asks for something that cannot be done.
    Usage(String),
    /// A file could not be read or written.
    Io { path: PathBuf, action: &'static str, source: std::io::Error },
    /// A template shipped in templates/ is broken: a fault of the installation, not of the record.
    Template { name: String, message: String },
    /// A renderer could not print the document (Typst refused it, or a DOCX could not be packed).
    Render { what: String, message: String },
    /// A key, certificate or signature could not be made or used.
    Signing { what: String, message: String },
    /// The timestamp authority could not give a usable timestamp.
    Timestamp { url: String, message: String },
    /// Revocation data for a long-term signature could not be had, or says a certificate
    /// was revoked.
    Revocation { url: String, message: String },
    /// The archive refused the operation or is not in the state it must be.
    Archive { path: PathBuf, message: String },
}

impl Error {
    /// One problem in a file the user wrote.
    pub fn input(diagnostic: Diagnostic) -> Error {
        Error::Input(vec![diagnostic])
    }

    pub fn io(path: &Path, action: &'static str, source: std::io::Error) -> Error {
        Error::Io { path: path.to_owned(), action, source }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input(diagnostics) => {
                for (index, diagnostic) in diagnostics.iter().enumerate() {
                    if index > 0 {
                        write!(f, "\n{}: ", diagnostic.severity)?;
                    }
                    diagnostic.fmt(f)?;
                }
                Ok(())
            }
            Error::Usage(message) => f.write_str(message),
            Error::Io { path, action, source } => write!(f, "{}: cannot {action}: {source}", path.display()),
            Error::Template { name, message } => write!(f, "template {name}: {message}"),
            Error::Render { what, message } => write!(f, "rendering {what}: {message}"),
            Error::Signing { what, message } => write!(f, "signing {what}: {message}"),
            Error::Timestamp { url, message } => write!(f, "timestamp authority {url}: {message}"),
            Error::Revocation { url, message } if url.is_empty() => write!(f, "revocation data: {message}"),
            Error::Revocation { url, message } => write!(f, "revocation data from {url}: {message}"),
            Error::Archive { path, message } => write!(f, "archive {}: {message}", path.display()),
        }
    }
}

impl std::error::Error for Error {}

impl From<Diagnostic> for Error {
    fn from(diagnostic: Diagnostic) -> Error {
        Error::input(diagnostic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diagnostic_names_file_line_field_and_hint() {
        let diagnostic = Diagnostic::error("test.rule", Path::new("a.yaml"), "purposes[0]", "bad")
            .at_line(Some(7))
            .with_hint("fix it");
        assert_eq!(diagnostic.to_string(), "a.yaml:7: field `purposes[0]`: bad\n  hint: fix it");
    }

    #[test]
    fn several_input_errors_print_one_per_line() {
        let first = Diagnostic::error("a", Path::new("a.yaml"), "", "one");
        let second = Diagnostic::error("b", Path::new("a.yaml"), "x", "two").at_line(Some(3));
        assert_eq!(Error::Input(vec![first, second]).to_string(), "a.yaml: one\nerror: a.yaml:3: field `x`: two");
    }
}
