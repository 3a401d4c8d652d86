//! Signing keys and certificates: loading what an organisation brings (a PKCS#8 PEM key,
//! its certificate and chain), and making test material with `seloste keygen`.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use der::Encode;
use ring::rand::SystemRandom;
use ring::signature::{self as ring_sig, EcdsaKeyPair, KeyPair, RsaKeyPair};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use crate::error::{Diagnostic, Error};
use crate::pkix::certs::{self, certificates_from_pem, common_name, pem_blocks, title};
use crate::pkix::path::{self, Usage};
use crate::pkix::{Check, TrustStore};
use crate::source;
use crate::time::{Date, format_time};

/// A private key that ring can sign with.
enum PrivateKey {
    EcdsaP256(EcdsaKeyPair),
    EcdsaP384(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

/// A signer: the private key with the certificate it belongs to and the chain above it.
pub struct Identity {
    key: PrivateKey,
    pub certificate: Certificate,
    pub certificate_der: Vec<u8>,
    pub chain: Vec<Certificate>,
}

fn key_error(path: &Path, message: impl Into<String>) -> Error {
    Error::input(Diagnostic::error("key.file", path, "", message))
}

fn hinted(path: &Path, message: &str, hint: &str) -> Error {
    Error::input(Diagnostic::error("key.file", path, "", message).with_hint(hint))
}

/// Key and certificate files are small; anything larger is not one.
const MAX_KEY_FILE_BYTES: u64 = 1 << 20;

fn read_key_file(path: &Path) -> Result<Vec<u8>, Error> {
    source::read_bytes(path, MAX_KEY_FILE_BYTES)
}

/// Reads every certificate of a PEM file, in order.
pub fn load_certificates(path: &Path) -> Result<Vec<Certificate>, Error> {
    certificates_from_pem(&read_key_file(path)?).map_err(|message| key_error(path, message))
}

fn load_private_key(path: &Path) -> Result<PrivateKey, Error> {
    let blocks = pem_blocks(&read_key_file(path)?).map_err(|message| key_error(path, message))?;
    let (label, der) = &blocks[0];
    match label.as_str() {
        "PRIVATE KEY" => {}
        "ENCRYPTED PRIVATE KEY" => {
            let message = "the key is encrypted; seloste reads an unencrypted PKCS#8 key (keep it readable only by the signing account: chmod 600)";
            return Err(hinted(path, message, "openssl pkcs8 -in encrypted.pem -out key.pem"));
        }
        "EC PRIVATE KEY" | "RSA PRIVATE KEY" => {
            let message = format!("this is a traditional {label}; seloste reads PKCS#8 (\"PRIVATE KEY\")");
            return Err(hinted(path, &message, "openssl pkcs8 -topk8 -nocrypt -in old.pem -out key.pem"));
        }
        other => return Err(key_error(path, format!("expected a PRIVATE KEY block, found {other}"))),
    }
    let rng = SystemRandom::new();
    if let Ok(key) = EcdsaKeyPair::from_pkcs8(&ring_sig::ECDSA_P256_SHA256_ASN1_SIGNING, der, &rng) {
        return Ok(PrivateKey::EcdsaP256(key));
    }
    if let Ok(key) = EcdsaKeyPair::from_pkcs8(&ring_sig::ECDSA_P384_SHA384_ASN1_SIGNING, der, &rng) {
        return Ok(PrivateKey::EcdsaP384(key));
    }
    if let Ok(key) = RsaKeyPair::from_pkcs8(der) {
        return Ok(PrivateKey::Rsa(key));
    }
    Err(key_error(
        path,
        "unsupported or malformed private key; seloste signs with ECDSA P-256, P-384 or RSA (2048 bits or more)",
    ))
}

impl Identity {
    /// The DER size of the certificates a signature carries: the signer's and its chain.
    pub fn certificates_size(&self) -> usize {
        let chain: usize = self
            .chain
            .iter()
            .filter_map(|certificate| certificate.encoded_len().ok())
            .map(|len| u32::from(len) as usize)
            .sum();
        self.certificate_der.len() + chain
    }

    /// Loads a signing key and its certificate, and the chain above it if given. The key
    /// must belong to the certificate, and the certificate must be valid at `at`.
    pub fn load(key: &Path, certificate: &Path, chain: Option<&Path>, at: SystemTime) -> Result<Identity, Error> {
        let private_key = load_private_key(key)?;
        let mut certificates = load_certificates(certificate)?;
        let signer = certificates.remove(0);
        let mut chain_certificates = certificates;
        if let Some(chain) = chain {
            chain_certificates.extend(load_certificates(chain)?);
        }

        let public_key = match &private_key {
            PrivateKey::EcdsaP256(key) | PrivateKey::EcdsaP384(key) => key.public_key().as_ref().to_vec(),
            PrivateKey::Rsa(key) => key.public_key().as_ref().to_vec(),
        };
        let certified_key = signer.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes();
        if public_key != certified_key {
            return Err(key_error(
                key,
                format!(
                    "this key does not belong to the certificate in {} (the public keys differ)",
                    certificate.display()
                ),
            ));
        }

        if certs::check_validity(&signer, at).is_err() {
            let validity = &signer.tbs_certificate.validity;
            return Err(key_error(
                certificate,
                format!(
                    "the certificate is not valid at the signing time {}: it is valid from {} to {}",
                    format_time(at),
                    validity.not_before,
                    validity.not_after
                ),
            ));
        }
        check_signer(&signer, &chain_certificates, at).map_err(|invalid| key_error(certificate, invalid.reason()))?;
        let certificate_der = signer.to_der().map_err(|err| key_error(certificate, err.to_string()))?;
        Ok(Identity { key: private_key, certificate: signer, certificate_der, chain: chain_certificates })
    }

    /// The signer's common name, as a verdict line shows it.
    pub fn common_name(&self) -> String {
        common_name(&self.certificate)
    }

    /// The signer as a signed notice names them when no file does: the common name,
    /// and the role if the certificate states one.
    pub fn signatory_line(&self) -> String {
        match title(&self.certificate) {
            Some(role) => format!("{}, {role}", self.common_name()),
            None => self.common_name(),
        }
    }

    /// The signature algorithm, for the CMS SignerInfo.
    pub fn signature_algorithm(&self) -> AlgorithmIdentifierOwned {
        let oid = match self.key {
            PrivateKey::EcdsaP256(_) => const_oid::db::rfc5912::ECDSA_WITH_SHA_256,
            PrivateKey::EcdsaP384(_) => const_oid::db::rfc5912::ECDSA_WITH_SHA_384,
            PrivateKey::Rsa(_) => const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
        };
        let parameters = matches!(self.key, PrivateKey::Rsa(_)).then(|| der::asn1::Null.into());
        AlgorithmIdentifierOwned { oid, parameters }
    }

    /// Signs `message` (the DER of the signed attributes).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let rng = SystemRandom::new();
        let failed = || Error::Signing { what: "the signature".into(), message: "the key refused to sign".into() };
        match &self.key {
            PrivateKey::EcdsaP256(key) | PrivateKey::EcdsaP384(key) => {
                key.sign(&rng, message).map(|signature| signature.as_ref().to_vec()).map_err(|_| failed())
            }
            PrivateKey::Rsa(key) => {
                let mut signature = vec![0; key.public().modulus_len()];
                key.sign(&ring_sig::RSA_PKCS1_SHA256, &rng, message, &mut signature).map_err(|_| failed())?;
                Ok(signature)
            }
        }
    }
}

/// Refuses to sign with a certificate that `verify` would reject: one that is not fit to
/// sign documents, or, when the chain given reaches a root, one whose path to that root is
/// not valid at the signing time.
fn check_signer(signer: &Certificate, chain: &[Certificate], at: SystemTime) -> Check<()> {
    path::check_end_entity(signer, Usage::DocumentSigning)?;
    let roots: Vec<Certificate> = chain
        .iter()
        .filter(|certificate| certificate.tbs_certificate.issuer == certificate.tbs_certificate.subject)
        .cloned()
        .collect();
    if roots.is_empty() {
        return Ok(());
    }
    TrustStore::new(roots).validate(signer, chain, at, Usage::DocumentSigning)
}

/// What `seloste keygen` writes.
pub struct TestMaterial {
    pub ca: PathBuf,
    pub certificate: PathBuf,
    pub key: PathBuf,
}

/// Makes a self-signed test CA and an ECDSA P-256 signing certificate issued by it, with
/// keyUsage digitalSignature and nonRepudiation and "TEST" in both common names. The key
/// file is readable by its owner only. Existing files are never overwritten.
pub fn generate_test_material(
    dir: &Path,
    name: &str,
    valid_from: Date,
    valid_until: Date,
) -> Result<TestMaterial, Error> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
    };

    let material = TestMaterial { ca: dir.join("ca.pem"), certificate: dir.join("cert.pem"), key: dir.join("key.pem") };
    for path in [&material.ca, &material.certificate, &material.key] {
        // A link counts as there, even one that leads nowhere: keygen writes through none.
        if path.symlink_metadata().is_ok() {
            let exists = std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "the file exists; keygen never overwrites key material",
            );
            return Err(Error::io(path, "create", exists));
        }
    }
    let failed = |err: rcgen::Error| Error::Signing { what: "test key material".into(), message: err.to_string() };
    let from = rcgen::date_time_ymd(valid_from.year.into(), valid_from.month, valid_from.day);
    let until = rcgen::date_time_ymd(valid_until.year.into(), valid_until.month, valid_until.day);

    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(failed)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
    ca_params.distinguished_name.push(DnType::CommonName, format!("{name} TEST CA"));
    ca_params.distinguished_name.push(DnType::OrganizationName, name);
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params.not_before = from;
    ca_params.not_after = until;
    let ca_certificate = ca_params.self_signed(&ca_key).map_err(failed)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let signer_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(failed)?;
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
    params.distinguished_name.push(DnType::CommonName, format!("{name} TEST signer"));
    params.distinguished_name.push(DnType::OrganizationName, name);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::ContentCommitment];
    params.not_before = from;
    params.not_after = until;
    let certificate = params.signed_by(&signer_key, &issuer).map_err(failed)?;

    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_owned(),
        action: "create the folder",
        source,
    })?;
    crate::output::write_atomic(&material.ca, ca_certificate.pem().as_bytes())?;
    crate::output::write_atomic(&material.certificate, certificate.pem().as_bytes())?;
    crate::output::write_private(&material.key, signer_key.serialize_pem().as_bytes())?;
    Ok(material)
}
