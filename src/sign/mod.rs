//! The sign stage: PAdES inside each PDF, a detached CAdES `.p7s` beside each DOCX.

pub mod cms;
pub mod keys;
pub mod pades;
pub mod secret;
pub mod token;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use ring::digest::{SHA256, digest};

pub use keys::{Identity, KeySpec};
pub use secret::SecretSource;

use crate::error::{Diagnostic, Error};
use crate::pkix::{Signature, TokenInfo};
use crate::record::Register;
use crate::timestamp::Tsa;

/// What makes signatures: the key with its certificate, the time the signatures state,
/// and the timestamp authority, if any.
pub struct Signer {
    pub identity: Identity,
    pub time: SystemTime,
    pub tsa: Option<Tsa>,
}

impl Signer {
    /// Signs a PDF: the unsigned bytes stay as the signed file's prefix. Returns the
    /// signed file and what its signature states.
    pub fn sign_pdf(&self, pdf: &[u8]) -> Result<(Vec<u8>, Signature), Error> {
        let capacity = pades::contents_capacity(self.identity.certificates_size(), self.tsa.is_some());
        let (signed, timestamp) = pades::sign_pdf(pdf, &self.identity, self.time, capacity, |range_digest| {
            cms::sign_detached(&self.identity, range_digest, None, self.tsa.as_ref())
        })?;
        Ok((signed, self.made("PAdES", timestamp)))
    }

    /// The detached CAdES signature (DER) over the exact bytes of `content`, and what it
    /// states.
    pub fn sign_detached(&self, content: &[u8]) -> Result<(Vec<u8>, Signature), Error> {
        let signed =
            cms::sign_detached(&self.identity, digest(&SHA256, content).as_ref(), Some(self.time), self.tsa.as_ref())?;
        Ok((signed.der, self.made("CAdES", signed.timestamp)))
    }

    /// What a signature made here states, as `verify` would read it back: kept with the
    /// file so that archiving need not parse the file again to describe it.
    fn made(&self, kind: &'static str, timestamp: Option<TokenInfo>) -> Signature {
        Signature { kind, signer: self.identity.common_name(), claimed_time: Some(self.time), timestamp }
    }
}

/// The largest file `sign` reads: a notice is well under a megabyte.
const MAX_SIGNED_FILE_BYTES: u64 = 256 << 20;

/// Signs an existing file: a PDF is replaced by its signed version, atomically; any
/// other file gets a detached `<file>.p7s` beside it. Returns the path written.
pub fn sign_file(signer: &Signer, path: &Path) -> Result<PathBuf, Error> {
    let bytes = crate::source::read_bytes(path, MAX_SIGNED_FILE_BYTES)?;
    let named = |err: Error| match err {
        Error::Signing { message, .. } => Error::Signing { what: path.display().to_string(), message },
        other => other,
    };
    if bytes.starts_with(b"%PDF-") {
        let (signed, _) = signer.sign_pdf(&bytes).map_err(named)?;
        crate::output::write_atomic(path, &signed)?;
        Ok(path.to_owned())
    } else {
        let signature_path = PathBuf::from(format!("{}.p7s", path.display()));
        let (signature, _) = signer.sign_detached(&bytes).map_err(named)?;
        crate::output::write_atomic(&signature_path, &signature)?;
        Ok(signature_path)
    }
}

/// The key an organisation file names, with its paths taken from the file's folder.
fn key_spec(files: &crate::record::SigningFiles, base: &Path) -> KeySpec {
    KeySpec {
        key: if token::is_pkcs11_uri(&files.key) {
            files.key.clone()
        } else {
            base.join(&files.key).display().to_string()
        },
        certificate: files.certificate.as_ref().map(|path| base.join(path)),
        chain: files.chain.as_ref().map(|path| base.join(path)),
        password: secret::source_of(
            files.password_file.as_ref().map(|path| base.join(path)).as_deref(),
            files.password_env.as_deref(),
        ),
        pin: secret::source_of(
            files.pin_file.as_ref().map(|path| base.join(path)).as_deref(),
            files.pin_env.as_deref(),
        ),
        module: files.pkcs11_module.as_ref().map(|path| base.join(path)),
        rsa_pss: files.rsa_pss,
    }
}

/// Where the signing key of each register comes from.
pub enum KeySource {
    /// Nothing is signed.
    None,
    /// One key for everything, from the command line.
    One(Arc<Signer>),
    /// Each organisation's own key and TSA, named in its organisation file; loaded once
    /// per file. A `tsa` given here replaces the organisation file's.
    PerOrganisation {
        time: SystemTime,
        tsa: Option<Tsa>,
        timeout: std::time::Duration,
        loaded: BTreeMap<PathBuf, Arc<Signer>>,
        /// Keys that could not be opened, with why: not tried again for the organisation's
        /// other records, so that a wrong PIN is tried once, not once per record.
        failed: BTreeMap<PathBuf, String>,
    },
}

impl KeySource {
    pub fn per_organisation(time: SystemTime, tsa: Option<Tsa>, timeout: std::time::Duration) -> KeySource {
        KeySource::PerOrganisation { time, tsa, timeout, loaded: BTreeMap::new(), failed: BTreeMap::new() }
    }

    /// The signer of `register`, if anything is to be signed.
    pub fn for_register(&mut self, register: &Register) -> Result<Option<Arc<Signer>>, Error> {
        match self {
            KeySource::None => Ok(None),
            KeySource::One(signer) => Ok(Some(Arc::clone(signer))),
            KeySource::PerOrganisation { time, tsa, timeout, loaded, failed } => {
                if let Some(signer) = loaded.get(&register.organisation_path) {
                    return Ok(Some(Arc::clone(signer)));
                }
                if let Some(reason) = failed.get(&register.organisation_path) {
                    return Err(Error::Signing {
                        what: register.organisation_path.display().to_string(),
                        message: format!(
                            "its signing key could not be opened for an earlier record ({reason}); not tried again"
                        ),
                    });
                }
                let Some(files) = &register.organisation.signing else {
                    return Err(Error::input(Diagnostic::error(
                        "organisation.signing",
                        &register.organisation_path,
                        "signing",
                        "signing was asked for, but the organisation file names no signing key; add `signing: { key: ..., certificate: ... }` or give --key and --cert",
                    )));
                };
                let base = register.organisation_path.parent().unwrap_or(Path::new("."));
                let identity = Identity::load(&key_spec(files, base), *time).inspect_err(|error| {
                    failed.insert(register.organisation_path.clone(), error.to_string());
                })?;
                let tsa = tsa.clone().or_else(|| files.tsa.clone().map(|url| Tsa { url, timeout: *timeout }));
                let signer = Arc::new(Signer { identity, time: *time, tsa });
                loaded.insert(register.organisation_path.clone(), Arc::clone(&signer));
                Ok(Some(signer))
            }
        }
    }
}
