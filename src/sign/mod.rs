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
use crate::pkix;
use crate::pkix::{Signature, TokenInfo};
use crate::record::{Register, SignatureLevel};
use crate::timestamp::Tsa;

/// What makes signatures: the key with its certificate, the time the signatures state,
/// the timestamp authority, if any, and the PAdES level.
pub struct Signer {
    pub identity: Identity,
    pub time: SystemTime,
    pub tsa: Option<Tsa>,
    pub level: SignatureLevel,
    /// The TSA's CA certificates where its tokens leave them out (B-LT needs the path).
    pub tsa_chain: Vec<x509_cert::Certificate>,
    /// Where B-LT's CRLs come from, each fetched once per run.
    revocation: crate::revocation::Fetcher,
}

impl Signer {
    /// A signer at `level`; by default B-T with a TSA and B-B without. B-T and B-LT need
    /// a TSA; with B-B, a TSA given is used only for the archive's evidence records.
    pub fn new(
        identity: Identity,
        time: SystemTime,
        tsa: Option<Tsa>,
        level: Option<SignatureLevel>,
    ) -> Result<Signer, Error> {
        let level = signature_level(tsa.as_ref(), level)?;
        let timeout = tsa.as_ref().map_or(std::time::Duration::from_secs(30), |tsa| tsa.timeout);
        let revocation = crate::revocation::Fetcher::new(timeout);
        Ok(Signer { identity, time, tsa, level, tsa_chain: Vec::new(), revocation })
    }

    /// The same signer, completing the TSA's chain with `certificates` (a `--tsa-chain`).
    pub fn with_tsa_chain(self, certificates: Vec<x509_cert::Certificate>) -> Signer {
        Signer { tsa_chain: certificates, ..self }
    }

    /// The TSA that stamps signatures: none at B-B.
    fn signature_tsa(&self) -> Option<&Tsa> {
        self.tsa.as_ref().filter(|_| self.level >= SignatureLevel::Timestamped)
    }

    /// Signs a PDF: the unsigned bytes stay as the signed file's prefix. Returns the
    /// signed file and what its signature states.
    pub fn sign_pdf(&self, pdf: &[u8]) -> Result<(Vec<u8>, Signature), Error> {
        let capacity = pades::contents_capacity(self.identity.certificates_size(), self.signature_tsa().is_some());
        let (signed, cms) = pades::sign_pdf(pdf, &self.identity, self.time, capacity, |range_digest| {
            cms::sign_detached(&self.identity, range_digest, None, self.signature_tsa())
        })?;
        let signed = match self.level {
            SignatureLevel::Basic | SignatureLevel::Timestamped => signed,
            SignatureLevel::LongTerm => self.add_validation_data(&signed, &cms)?,
            SignatureLevel::LongTermArchival => {
                let with_data = self.add_validation_data(&signed, &cms)?;
                let tsa = self.tsa.as_ref().ok_or_else(|| {
                    Error::Usage("--level B-LTA needs a timestamp authority: give --tsa URL".to_owned())
                })?;
                pades::add_document_timestamp(&with_data, |range_digest| {
                    let imprint = pkix::digest::imprint(&const_oid::db::rfc5912::ID_SHA_256, range_digest);
                    Ok(tsa.stamp_imprint(imprint)?.der)
                })?
            }
        };
        Ok((signed, self.made("PAdES", cms.timestamp)))
    }

    /// PAdES B-LT: the signer's and the TSA's chains with the CRLs of every certificate
    /// but their roots, fetched now and checked to show that none was revoked at the
    /// timestamp's time, appended to the signed file as its DSS.
    fn add_validation_data(&self, signed: &[u8], cms: &cms::Signed) -> Result<Vec<u8>, Error> {
        let mut signer_chain = vec![self.identity.certificate.clone()];
        signer_chain.extend(self.identity.chain.iter().cloned());
        let token = cms
            .token_der
            .as_deref()
            .ok_or_else(|| revocation_error("B-LT needs a timestamped signature: give --tsa".to_owned()))?;
        let token = pkix::signed_data::check(token, pkix::signed_data::Content::Embedded(pkix::ID_CT_TST_INFO), false)
            .map_err(|invalid| revocation_error(format!("the timestamp token cannot be read: {invalid}")))?;
        let mut tsa_chain = vec![token.signer.clone()];
        for certificate in token.certificates.iter().chain(&self.tsa_chain) {
            if !tsa_chain.contains(certificate) {
                tsa_chain.push(certificate.clone());
            }
        }
        let tsa_time = cms.timestamp.as_ref().map_or(self.time, |info| info.gen_time.to_system_time());

        let mut crls = Vec::new();
        // Both chains are checked at the timestamp's time, as verify checks them.
        for (role, chain, usage, hint) in [
            (
                "signer",
                &signer_chain,
                pkix::path::Usage::DocumentSigning,
                "give the whole chain with --chain FILE (or in the certificate file)",
            ),
            (
                "TSA",
                &tsa_chain,
                pkix::path::Usage::TimeStamping,
                "give the TSA's CA certificates with --tsa-chain FILE (or `tsa_chain:` in `signing:`)",
            ),
        ] {
            let fetched = self.revocation.crls_for(chain)?;
            let roots: Vec<_> = chain.iter().filter(|certificate| is_root(certificate)).cloned().collect();
            if roots.is_empty() {
                return Err(revocation_error(format!(
                    "the {role}'s chain does not reach its root CA, so B-LT cannot prove it: {hint}"
                )));
            }
            pkix::TrustStore::new(roots)
                .with_revocation(fetched.clone(), Vec::new())
                .validate(&chain[0], chain, tsa_time, usage)
                .map_err(|invalid| revocation_error(format!("the {role}'s chain: {invalid}")))?;
            crls.extend(fetched);
        }
        let mut certificates = Vec::new();
        for certificate in signer_chain.iter().chain(&tsa_chain) {
            let der = der::Encode::to_der(certificate).map_err(|err| revocation_error(err.to_string()))?;
            if !certificates.contains(&der) {
                certificates.push(der);
            }
        }
        crls.sort();
        crls.dedup();
        pades::add_dss(signed, &certificates, &crls)
    }

    /// The detached CAdES signature (DER) over the exact bytes of `content`, and what it
    /// states.
    pub fn sign_detached(&self, content: &[u8]) -> Result<(Vec<u8>, Signature), Error> {
        let signed = cms::sign_detached(
            &self.identity,
            digest(&SHA256, content).as_ref(),
            Some(self.time),
            self.signature_tsa(),
        )?;
        Ok((signed.der, self.made("CAdES", signed.timestamp)))
    }

    /// What a signature made here states, as `verify` would read it back: kept with the
    /// file so that archiving need not parse the file again to describe it.
    fn made(&self, kind: &'static str, timestamp: Option<TokenInfo>) -> Signature {
        Signature { kind, signer: self.identity.common_name(), claimed_time: Some(self.time), timestamp }
    }
}

fn revocation_error(message: String) -> Error {
    Error::Revocation { url: String::new(), message }
}

fn is_root(certificate: &x509_cert::Certificate) -> bool {
    certificate.tbs_certificate.issuer == certificate.tbs_certificate.subject
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

/// The level signatures get: the one asked for, else B-T with a timestamp authority and
/// B-B without. A timestamped level without an authority is an error; a command line
/// checks it before it makes anything (a test key) for signing.
pub fn signature_level(tsa: Option<&Tsa>, level: Option<SignatureLevel>) -> Result<SignatureLevel, Error> {
    let level = level.unwrap_or(if tsa.is_some() { SignatureLevel::Timestamped } else { SignatureLevel::Basic });
    if level >= SignatureLevel::Timestamped && tsa.is_none() {
        return Err(Error::Usage(format!(
            "--level {} timestamps the signatures: give a timestamp authority with --tsa URL (or `tsa:` in the organisation file's `signing:`)",
            level.name()
        )));
    }
    Ok(level)
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
        /// A level given here replaces the organisation file's.
        level: Option<SignatureLevel>,
        timeout: std::time::Duration,
        loaded: BTreeMap<PathBuf, Arc<Signer>>,
        /// Keys that could not be opened, with why: not tried again for the organisation's
        /// other records, so that a wrong PIN is tried once, not once per record.
        failed: BTreeMap<PathBuf, String>,
    },
}

impl KeySource {
    pub fn per_organisation(
        time: SystemTime,
        tsa: Option<Tsa>,
        level: Option<SignatureLevel>,
        timeout: std::time::Duration,
    ) -> KeySource {
        KeySource::PerOrganisation { time, tsa, level, timeout, loaded: BTreeMap::new(), failed: BTreeMap::new() }
    }

    /// The signer of `register`, if anything is to be signed.
    pub fn for_register(&mut self, register: &Register) -> Result<Option<Arc<Signer>>, Error> {
        match self {
            KeySource::None => Ok(None),
            KeySource::One(signer) => Ok(Some(Arc::clone(signer))),
            KeySource::PerOrganisation { time, tsa, level, timeout, loaded, failed } => {
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
                let tsa_chain = match &files.tsa_chain {
                    Some(path) => keys::load_certificates(&base.join(path)),
                    None => Ok(Vec::new()),
                };
                let signer = tsa_chain
                    .and_then(|chain| {
                        Ok(Signer::new(identity, *time, tsa, level.or(files.level))?.with_tsa_chain(chain))
                    })
                    .inspect_err(|error| {
                        failed.insert(register.organisation_path.clone(), error.to_string());
                    })?;
                let signer = Arc::new(signer);
                loaded.insert(register.organisation_path.clone(), Arc::clone(&signer));
                Ok(Some(signer))
            }
        }
    }
}
