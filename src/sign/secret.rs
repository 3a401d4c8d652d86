//! Passwords of key files and PINs of tokens: read from a file or an environment
//! variable, never from the command line (where every user of the machine can read it in
//! the process list), and never shown: `Secret` has no `Display`, its `Debug` hides the
//! value, and every error about it names only where it was to be read from.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Diagnostic, Error};

/// Where a password or PIN is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSource {
    /// The first line of a file.
    File(PathBuf),
    /// The value of an environment variable.
    Env(String),
}

/// A password or PIN. The bytes are overwritten when it is dropped.
pub struct Secret(zeroize::Zeroizing<String>);

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Secret(..)")
    }
}

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A password file holds one line; anything larger is not one.
const MAX_SECRET_FILE_BYTES: u64 = 4096;

impl SecretSource {
    /// Reads the secret; `what` names it in errors ("the key's password", "the PIN").
    pub fn read(&self, what: &str) -> Result<Secret, Error> {
        match self {
            SecretSource::File(path) => read_file(path, what),
            SecretSource::Env(name) => match std::env::var(name) {
                Ok(value) if !value.is_empty() => Ok(Secret(value.into())),
                Ok(_) | Err(std::env::VarError::NotPresent) => Err(Error::Usage(format!(
                    "{what} was to be read from the environment variable {name}, which is not set or empty"
                ))),
                Err(std::env::VarError::NotUnicode(_)) => {
                    Err(Error::Usage(format!("the environment variable {name} ({what}) is not UTF-8 text")))
                }
            },
        }
    }

    /// The source as the user named it, for messages.
    pub fn describe(&self) -> String {
        match self {
            SecretSource::File(path) => path.display().to_string(),
            SecretSource::Env(name) => format!("${name}"),
        }
    }
}

fn read_file(path: &Path, what: &str) -> Result<Secret, Error> {
    let bytes = crate::source::read_bytes(path, MAX_SECRET_FILE_BYTES)?;
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(Error::input(Diagnostic::error(
            "key.secret",
            path,
            "",
            format!("{what}: the file is not UTF-8 text"),
        )));
    };
    // The whole file is wiped when `whole` is dropped; the value is the first line.
    let whole = Secret(text.into());
    let line_end = whole.0.find(['\r', '\n']).unwrap_or(whole.0.len());
    let value = Secret(whole.0[..line_end].to_owned().into());
    if value.0.is_empty() {
        return Err(Error::input(Diagnostic::error("key.secret", path, "", format!("{what}: the file is empty"))));
    }
    Ok(value)
}

/// A `--key-password-file` / `--key-password-env` pair, one of which may be given.
pub fn source_of(file: Option<&Path>, env: Option<&str>) -> Option<SecretSource> {
    file.map(|path| SecretSource::File(path.to_owned())).or_else(|| env.map(|name| SecretSource::Env(name.to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_its_first_line_and_never_shown() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pin");
        std::fs::write(&path, "1234\nsecond line\n").unwrap();
        let secret = SecretSource::File(path.clone()).read("the PIN").unwrap();
        assert_eq!(secret.expose(), "1234");
        assert_eq!(format!("{secret:?}"), "Secret(..)");
        std::fs::write(&path, "\n").unwrap();
        let error = SecretSource::File(path).read("the PIN").unwrap_err().to_string();
        assert!(error.contains("empty"), "{error}");
        let missing = SecretSource::Env("SELOSTE_TEST_UNSET_VARIABLE".into()).read("the PIN").unwrap_err();
        assert!(missing.to_string().contains("SELOSTE_TEST_UNSET_VARIABLE"));
    }
}
