//! Signing keys and certificates: loading what an organisation brings (a PKCS#8 PEM key,
//! its certificate and chain), and making test material with `seloste keygen`.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use der::{Decode, Encode};
use ring::rand::SystemRandom;
use ring::signature::{self as ring_sig, EcdsaKeyPair, KeyPair, RsaKeyPair};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use crate::error::{Error, InputError};
use crate::record::Date;

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
    Error::Input(InputError::new(path, String::new(), None, message.into()))
}

fn hinted(path: &Path, message: &str, hint: &str) -> Error {
    Error::Input(InputError::new(path, String::new(), None, message.into()).with_hint(hint))
}

/// Reads the PEM blocks of a file: (label, DER) pairs.
fn pem_blocks(path: &Path) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io { path: path.to_owned(), action: "read", source })?;
    let text = String::from_utf8_lossy(&bytes);
    let mut blocks = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start..];
        let Some(end_label) = after.find("-----END ") else { break };
        let Some(block_end) = after[end_label + 9..].find("-----").map(|at| end_label + 9 + at + 5) else { break };
        let block = &after[..block_end];
        let (label, der) = der::pem::decode_vec(block.as_bytes())
            .map_err(|err| key_error(path, format!("malformed PEM: {err}")))?;
        blocks.push((label.to_owned(), der));
        rest = &after[block_end..];
    }
    if blocks.is_empty() {
        return Err(key_error(path, "no PEM block found; expected a file that starts with -----BEGIN"));
    }
    Ok(blocks)
}

/// Reads every certificate of a PEM file, in order.
pub fn load_certificates(path: &Path) -> Result<Vec<Certificate>, Error> {
    pem_blocks(path)?
        .into_iter()
        .filter(|(label, _)| label == "CERTIFICATE")
        .map(|(_, der)| Certificate::from_der(&der).map_err(|err| key_error(path, format!("malformed certificate: {err}"))))
        .collect::<Result<Vec<_>, _>>()
        .and_then(|certificates| {
            if certificates.is_empty() {
                Err(key_error(path, "no CERTIFICATE block in this file"))
            } else {
                Ok(certificates)
            }
        })
}

fn load_private_key(path: &Path) -> Result<PrivateKey, Error> {
    let blocks = pem_blocks(path)?;
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
    Err(key_error(path, "unsupported or malformed private key; seloste signs with ECDSA P-256, P-384 or RSA (2048 bits or more)"))
}

/// Seconds since the Unix epoch of a certificate time.
pub fn unix_seconds(time: &x509_cert::time::Time) -> u64 {
    time.to_unix_duration().as_secs()
}

impl Identity {
    /// The DER size of the certificates a signature carries: the signer's and its chain.
    pub fn certificates_size(&self) -> usize {
        let chain: usize = self.chain.iter().filter_map(|certificate| certificate.encoded_len().ok()).map(|len| u32::from(len) as usize).sum();
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
                format!("this key does not belong to the certificate in {} (the public keys differ)", certificate.display()),
            ));
        }

        let seconds = at.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs();
        let validity = &signer.tbs_certificate.validity;
        if seconds < unix_seconds(&validity.not_before) || seconds > unix_seconds(&validity.not_after) {
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
        let certificate_der = signer.to_der().map_err(|err| key_error(certificate, err.to_string()))?;
        Ok(Identity { key: private_key, certificate: signer, certificate_der, chain: chain_certificates })
    }

    /// The signer's common name, as a verdict line shows it.
    pub fn common_name(&self) -> String {
        common_name(&self.certificate)
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
        let failed = || Error::Render { what: "signature".into(), message: "the key refused to sign".into() };
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

/// The common name of a certificate's subject, or the whole subject if it has none.
pub fn common_name(certificate: &Certificate) -> String {
    for rdn in certificate.tbs_certificate.subject.0.iter() {
        for attribute in rdn.0.iter() {
            if attribute.oid == const_oid::db::rfc4519::CN {
                if let Ok(name) = attribute.value.decode_as::<der::asn1::Utf8StringRef>() {
                    return name.as_str().to_owned();
                }
                if let Ok(name) = attribute.value.decode_as::<der::asn1::PrintableStringRef>() {
                    return name.as_str().to_owned();
                }
            }
        }
    }
    certificate.tbs_certificate.subject.to_string()
}

/// A time as the verdict lines print it: `2026-11-02 00:00:00 UTC`.
pub fn format_time(time: SystemTime) -> String {
    let seconds = time.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs();
    let days = seconds / 86_400;
    let (year, month, day) = civil_from_days(days as i64);
    let rest = seconds % 86_400;
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// Days since 1970-01-01 to a calendar date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Days from 1970-01-01 to a calendar date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Midnight UTC at the start of `date`.
pub fn start_of(date: Date) -> SystemTime {
    let days = days_from_civil(date.year.into(), date.month.into(), date.day.into());
    SystemTime::UNIX_EPOCH + Duration::from_secs((days.max(0) as u64) * 86_400)
}

/// Reads a signing time given on the command line: `2026-11-02` (midnight UTC) or
/// `2026-11-02T14:30:00Z`.
pub fn parse_time(text: &str) -> Option<SystemTime> {
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time.strip_suffix('Z')?)),
        None => (text, None),
    };
    let start = start_of(Date::parse(date)?);
    let Some(time) = time else { return Some(start) };
    let parts: Vec<u64> = time.split(':').map(|part| part.parse().ok()).collect::<Option<_>>()?;
    let [hours, minutes, seconds] = parts.as_slice() else { return None };
    (*hours < 24 && *minutes < 60 && *seconds < 61).then(|| start + Duration::from_secs(hours * 3600 + minutes * 60 + seconds))
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
pub fn generate_test_material(dir: &Path, name: &str, valid_from: Date, valid_until: Date) -> Result<TestMaterial, Error> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256};

    let material = TestMaterial { ca: dir.join("ca.pem"), certificate: dir.join("cert.pem"), key: dir.join("key.pem") };
    for path in [&material.ca, &material.certificate, &material.key] {
        if path.exists() {
            return Err(Error::Io {
                path: path.clone(),
                action: "create",
                source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "the file exists; keygen never overwrites key material"),
            });
        }
    }
    let failed = |err: rcgen::Error| Error::Render { what: "keygen".into(), message: err.to_string() };
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

    std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), action: "create the folder", source })?;
    crate::output::write_atomic(&material.ca, ca_certificate.pem().as_bytes())?;
    crate::output::write_atomic(&material.certificate, certificate.pem().as_bytes())?;
    crate::output::write_private(&material.key, signer_key.serialize_pem().as_bytes())?;
    Ok(material)
}
