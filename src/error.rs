//! Every error the library returns, and the one place that turns them into text.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem in a file the user wrote: which file, which field, which line, what is
/// wrong, and a hint where one can be guessed.
#[derive(Debug, Clone)]
pub struct InputError {
    pub file: PathBuf,
    /// The field path, e.g. `legal_basis.statutes[1]`; empty when the whole file is at fault.
    pub field: String,
    pub line: Option<usize>,
    pub message: String,
    pub hint: Option<String>,
}

impl InputError {
    pub fn new(file: &Path, field: String, line: Option<usize>, message: String) -> InputError {
        let field = if field == "." { String::new() } else { field };
        InputError { file: file.to_owned(), field, line, message, hint: None }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> InputError {
        self.hint = Some(hint.into());
        self
    }

    /// Adds "did you mean" for an unknown field or value, from the names the parser expected.
    pub fn with_suggestion(self) -> InputError {
        match did_you_mean(&self.message) {
            Some(name) => {
                // The hint replaces serde's list of every expected name, which is long for a record.
                let short = self.message.split(", expected").next().unwrap_or_default().to_owned();
                InputError { message: short, ..self }.with_hint(format!("did you mean `{name}`?"))
            }
            None => self,
        }
    }
}

/// Reads serde's "unknown field `x`, expected one of `a`, `b`" and picks the closest name.
fn did_you_mean(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `").or_else(|| message.strip_prefix("unknown variant `"))?;
    let (unknown, expected) = rest.split_once('`')?;
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|name| (strsim::jaro_winkler(unknown, name), name))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name.to_owned())
}

impl fmt::Display for InputError {
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

#[derive(Debug)]
pub enum Error {
    /// A record, organisation file or other input is wrong.
    Input(InputError),
    /// A file could not be read or written.
    Io { path: PathBuf, action: &'static str, source: std::io::Error },
    /// A template shipped in templates/ is broken: a fault of the installation, not of the record.
    Template { name: String, message: String },
    /// Typst refused the document (for example a PDF/A or PDF/UA rule).
    Render { what: String, message: String },
    /// The timestamp authority could not give a usable timestamp.
    Timestamp { url: String, message: String },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input(err) => err.fmt(f),
            Error::Io { path, action, source } => write!(f, "{}: cannot {action}: {source}", path.display()),
            Error::Template { name, message } => write!(f, "template {name}: {message}"),
            Error::Render { what, message } => write!(f, "{what}: {message}"),
            Error::Timestamp { url, message } => write!(f, "timestamp authority {url}: {message}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<InputError> for Error {
    fn from(err: InputError) -> Error {
        Error::Input(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_picks_the_closest_expected_name() {
        let message = "unknown field `purpose`, expected one of `kind`, `purposes`, `sources`";
        assert_eq!(did_you_mean(message).as_deref(), Some("purposes"));
        assert_eq!(did_you_mean("unknown field `zzz`, expected `kind` or `id`"), None);
        assert_eq!(did_you_mean("missing field `id`"), None);
    }

    #[test]
    fn an_input_error_names_file_line_field_and_hint() {
        let error = InputError::new(Path::new("a.yaml"), "purposes[0]".into(), Some(7), "bad".into()).with_hint("fix it");
        assert_eq!(error.to_string(), "a.yaml:7: field `purposes[0]`: bad\n  hint: fix it");
    }
}
