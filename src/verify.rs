//! The verify stage: is a signed PDF, or a DOCX with its `.p7s`, intact, signed by whom,
//! and does the signer's certificate chain to a trust anchor?
//!
//! A PDF signature is checked against the known attacks on PDF signatures (universal
//! signature forgery, signature wrapping, incremental saving): the `/ByteRange` must
//! start at 0, point exactly at this dictionary's `/Contents` and reach the end of the
//! file; the gap must hold only that hex string; the CMS must be one SignedData whose
//! message digest matches, whose signature verifies over the signed attributes, and whose
//! signing-certificate-v2 names the certificate that signed.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use const_oid::ObjectIdentifier;
use const_oid::db::{rfc5911, rfc5912};
use der::{Decode, Encode};
use lopdf::{Document, Object};
use ring::digest;
use ring::signature::{self as ring_sig, UnparsedPublicKey, VerificationAlgorithm};
use x509_cert::Certificate;

use crate::error::Error;
use crate::sign::cms::{ID_SIGNING_CERTIFICATE_V2, SigningCertificateV2};
use crate::sign::keys::{common_name, format_time, unix_seconds};

/// The certificates a signature must chain to.
#[derive(Default)]
pub struct TrustStore {
    anchors: Vec<Certificate>,
}

impl TrustStore {
    pub fn load(paths: &[PathBuf]) -> Result<TrustStore, Error> {
        let mut anchors = Vec::new();
        for path in paths {
            anchors.extend(crate::sign::keys::load_certificates(path)?);
        }
        Ok(TrustStore { anchors })
    }
}

/// What a valid signature says.
#[derive(Debug, Clone)]
pub struct Signature {
    pub kind: &'static str,
    pub signer: String,
    /// The signing time the signature claims: `/M` in a PDF, signing-time in CAdES.
    pub claimed_time: Option<SystemTime>,
}

/// A signature problem: why the file is not valid.
#[derive(Debug, Clone)]
pub struct Invalid(pub String);

type Check<T> = Result<T, Invalid>;

fn invalid<T>(message: impl Into<String>) -> Check<T> {
    Err(Invalid(message.into()))
}

/// Verifies one file: a signed PDF, or a DOCX (or any file) with its detached `<file>.p7s`.
pub fn verify_file(path: &Path, trust: &TrustStore) -> Check<Signature> {
    let is_p7s = path.extension().is_some_and(|ext| ext == "p7s");
    let (content_path, signature_path) = if is_p7s {
        (path.with_extension(""), path.to_owned())
    } else {
        (path.to_owned(), PathBuf::from(format!("{}.p7s", path.display())))
    };
    let content = std::fs::read(&content_path).map_err(|err| Invalid(format!("cannot read {}: {err}", content_path.display())))?;
    if !is_p7s && content.starts_with(b"%PDF-") {
        return verify_pdf(&content, trust);
    }
    let cms = std::fs::read(&signature_path)
        .map_err(|err| Invalid(format!("no detached signature: cannot read {}: {err}", signature_path.display())))?;
    verify_detached(&content, &cms, trust)
}

/// Verifies a detached CAdES signature over `content`.
pub fn verify_detached(content: &[u8], cms: &[u8], trust: &TrustStore) -> Check<Signature> {
    let signed = check_cms(cms, |algorithm| hash(algorithm, content), trust)?;
    Ok(Signature { kind: "CAdES", signer: signed.signer, claimed_time: signed.signing_time })
}

/// Verifies every signature of a PDF; the newest must cover the whole file.
pub fn verify_pdf(pdf: &[u8], trust: &TrustStore) -> Check<Signature> {
    let document = Document::load_mem(pdf).map_err(|err| Invalid(format!("not a readable PDF: {err}")))?;
    let mut dictionaries: Vec<&lopdf::Dictionary> = document
        .objects
        .values()
        .filter_map(|object| object.as_dict().ok())
        .filter(|dict| dict.get(b"Type").and_then(Object::as_name).ok() == Some(b"Sig".as_slice()) || dict.has(b"ByteRange"))
        .collect();
    if dictionaries.is_empty() {
        return invalid("the PDF is not signed");
    }
    let mut results = Vec::new();
    for dictionary in dictionaries.drain(..) {
        results.push(check_pdf_signature(pdf, dictionary, trust)?);
    }
    results.sort_by_key(|(end, _)| *end);
    let (covered_to, signature) = results.pop().expect("at least one signature");
    if covered_to != pdf.len() {
        return invalid(format!(
            "the file was changed after signing: {} bytes follow the signed range",
            pdf.len().saturating_sub(covered_to)
        ));
    }
    Ok(signature)
}

/// Checks one signature dictionary; returns where its signed range ends.
fn check_pdf_signature(pdf: &[u8], dictionary: &lopdf::Dictionary, trust: &TrustStore) -> Check<(usize, Signature)> {
    if dictionary.get(b"Type").and_then(Object::as_name).ok() != Some(b"Sig".as_slice()) {
        return invalid("a signature dictionary is not of /Type /Sig");
    }
    let sub_filter = dictionary.get(b"SubFilter").and_then(Object::as_name).unwrap_or_default();
    if sub_filter != b"ETSI.CAdES.detached" && sub_filter != b"adbe.pkcs7.detached" {
        return invalid(format!("unsupported /SubFilter {}", String::from_utf8_lossy(sub_filter)));
    }
    let Ok(Object::Array(range)) = dictionary.get(b"ByteRange") else {
        return invalid("/ByteRange is missing or not a direct array");
    };
    let range: Vec<i64> = range.iter().map(|item| item.as_i64().unwrap_or(-1)).collect();
    if range.len() != 4 || range.iter().any(|value| *value < 0) || range[0] != 0 {
        return invalid("/ByteRange is not four non-negative integers starting at 0");
    }
    let [_, gap_start, gap_end, tail] = [range[0] as usize, range[1] as usize, range[2] as usize, range[3] as usize];
    let Ok(Object::String(contents, _)) = dictionary.get(b"Contents") else {
        return invalid("/Contents is missing or not a direct string");
    };
    if contents.is_empty() {
        return invalid("/Contents is empty");
    }
    let covered_to = gap_end.checked_add(tail).filter(|end| *end <= pdf.len());
    let Some(covered_to) = covered_to.filter(|_| gap_start < gap_end) else {
        return invalid("/ByteRange points outside the file");
    };
    let gap = &pdf[gap_start..gap_end];
    if gap.first() != Some(&b'<') || gap.last() != Some(&b'>') || !gap[1..gap.len() - 1].iter().all(u8::is_ascii_hexdigit) {
        return invalid("the gap in /ByteRange does not hold exactly the /Contents hex string");
    }
    let before = String::from_utf8_lossy(&pdf[gap_start.saturating_sub(16)..gap_start]);
    if !before.trim_end().ends_with("/Contents") {
        return invalid("/ByteRange does not point at this signature's /Contents");
    }
    let hex = &gap[1..gap.len() - 1];
    let decoded: Vec<u8> = hex
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("zz"), 16).unwrap_or(0))
        .collect();
    if decoded != *contents {
        return invalid("/ByteRange points at a different /Contents than this signature's");
    }
    let der_length = der_length(contents).ok_or_else(|| Invalid("/Contents is not a DER structure".into()))?;
    if contents[der_length..].iter().any(|byte| *byte != 0) {
        return invalid("/Contents has data after the signature");
    }
    let mut signed_bytes = Vec::with_capacity(gap_start + tail);
    signed_bytes.extend_from_slice(&pdf[..gap_start]);
    signed_bytes.extend_from_slice(&pdf[gap_end..covered_to]);
    let signed = check_cms(&contents[..der_length], |algorithm| hash(algorithm, &signed_bytes), trust)?;
    let claimed_time = dictionary.get(b"M").ok().and_then(|m| m.as_str().ok()).and_then(parse_pdf_date);
    Ok((covered_to, Signature { kind: "PAdES", signer: signed.signer, claimed_time: claimed_time.or(signed.signing_time) }))
}

/// The length of the DER element at the start of `bytes`, header included.
fn der_length(bytes: &[u8]) -> Option<usize> {
    let first = *bytes.get(1)?;
    let (length, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let count = (first & 0x7f) as usize;
        if count == 0 || count > 4 {
            return None;
        }
        let length = bytes.get(2..2 + count)?.iter().fold(0usize, |acc, byte| acc << 8 | *byte as usize);
        (length, 2 + count)
    };
    let total = header.checked_add(length)?;
    (total <= bytes.len()).then_some(total)
}

/// `D:20261102000000Z` or `D:20261102000000+02'00'` to a time.
fn parse_pdf_date(raw: &[u8]) -> Option<SystemTime> {
    let text = std::str::from_utf8(raw).ok()?.strip_prefix("D:")?;
    let number = |range: std::ops::Range<usize>| text.get(range).and_then(|part| part.parse::<u32>().ok());
    let date = crate::record::Date {
        year: number(0..4)? as u16,
        month: number(4..6).unwrap_or(1) as u8,
        day: number(6..8).unwrap_or(1) as u8,
    };
    let seconds = number(8..10).unwrap_or(0) * 3600 + number(10..12).unwrap_or(0) * 60 + number(12..14).unwrap_or(0);
    let mut time = crate::sign::keys::start_of(date) + std::time::Duration::from_secs(seconds.into());
    if let (Some(sign), Some(hours), Some(minutes)) = (text.get(14..15), number(15..17), number(18..20)) {
        let offset = std::time::Duration::from_secs((hours * 3600 + minutes * 60).into());
        time = match sign {
            "+" => time - offset,
            "-" => time + offset,
            _ => time,
        };
    }
    Some(time)
}

/// The digest algorithms a signature may use; SHA-1 and MD5 are refused.
fn hash(algorithm: &ObjectIdentifier, content: &[u8]) -> Option<Vec<u8>> {
    let algorithm = match *algorithm {
        rfc5912::ID_SHA_256 => &digest::SHA256,
        rfc5912::ID_SHA_384 => &digest::SHA384,
        rfc5912::ID_SHA_512 => &digest::SHA512,
        _ => return None,
    };
    Some(digest::digest(algorithm, content).as_ref().to_vec())
}

struct SignedBy {
    signer: String,
    signing_time: Option<SystemTime>,
}

/// Checks a CMS SignedData whose content's digest `content_digest` computes.
fn check_cms(cms: &[u8], content_digest: impl Fn(&ObjectIdentifier) -> Option<Vec<u8>>, trust: &TrustStore) -> Check<SignedBy> {
    let content_info = ContentInfo::from_der(cms).map_err(|err| Invalid(format!("the signature is not CMS: {err}")))?;
    if content_info.content_type != rfc5911::ID_SIGNED_DATA {
        return invalid("the CMS is not SignedData");
    }
    let signed_data: SignedData =
        content_info.content.decode_as().map_err(|err| Invalid(format!("malformed SignedData: {err}")))?;
    if signed_data.encap_content_info.econtent.is_some() {
        return invalid("the signature is not detached");
    }
    let signer_info = match signed_data.signer_infos.0.as_slice() {
        [one] => one,
        _ => return invalid("the signature must have exactly one signer"),
    };
    let digest_algorithm = signer_info.digest_alg.oid;
    let Some(expected_digest) = content_digest(&digest_algorithm) else {
        return invalid(format!("the digest algorithm {digest_algorithm} is refused (SHA-1 and MD5 are not accepted)"));
    };
    let certificates: Vec<Certificate> = signed_data
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            cms::cert::CertificateChoices::Certificate(certificate) => Some(certificate.clone()),
            _ => None,
        })
        .collect();
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &signer_info.sid else {
        return invalid("the signer is identified by key id, not by issuer and serial number");
    };
    let Some(signer) = certificates
        .iter()
        .find(|certificate| certificate.tbs_certificate.issuer == sid.issuer && certificate.tbs_certificate.serial_number == sid.serial_number)
    else {
        return invalid("the signer's certificate is not in the signature");
    };
    let Some(attributes) = &signer_info.signed_attrs else {
        return invalid("the signature has no signed attributes");
    };
    let attribute = |oid: ObjectIdentifier| attributes.iter().find(|attribute| attribute.oid == oid).and_then(|a| a.values.get(0));

    let content_type = attribute(rfc5911::ID_CONTENT_TYPE).and_then(|value| value.decode_as::<ObjectIdentifier>().ok());
    if content_type != Some(rfc5911::ID_DATA) {
        return invalid("the content-type attribute is missing or not id-data");
    }
    let message_digest = attribute(rfc5911::ID_MESSAGE_DIGEST).and_then(|value| value.decode_as::<der::asn1::OctetString>().ok());
    if message_digest.as_ref().map(|digest| digest.as_bytes()) != Some(expected_digest.as_slice()) {
        return invalid("the signed content has changed: its digest does not match the signature's message-digest");
    }
    let signer_der = signer.to_der().map_err(|err| Invalid(err.to_string()))?;
    let signing_certificate = attribute(ID_SIGNING_CERTIFICATE_V2)
        .and_then(|value| value.decode_as::<SigningCertificateV2>().ok())
        .ok_or_else(|| Invalid("the signing-certificate-v2 attribute is missing".into()))?;
    let certified = signing_certificate.certs.first().map(|id| id.cert_hash.as_bytes().to_vec());
    if certified.as_deref() != Some(digest::digest(&digest::SHA256, &signer_der).as_ref()) {
        return invalid("the signing-certificate-v2 attribute names another certificate than the one that signed");
    }

    let signed_attributes = attributes.to_der().map_err(|err| Invalid(err.to_string()))?;
    let algorithm = signature_algorithm(&signer_info.signature_algorithm.oid, &digest_algorithm, signer)
        .ok_or_else(|| Invalid(format!("unsupported signature algorithm {}", signer_info.signature_algorithm.oid)))?;
    let public_key = signer.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes();
    UnparsedPublicKey::new(algorithm, public_key)
        .verify(&signed_attributes, signer_info.signature.as_bytes())
        .map_err(|_| Invalid("the signature value does not verify with the signer's certificate".into()))?;

    check_key_usage(signer)?;
    check_chain(signer, &certificates, trust)?;
    let signing_time = attribute(rfc5911::ID_SIGNING_TIME)
        .and_then(|value| value.to_der().ok())
        .and_then(|der| x509_cert::time::Time::from_der(&der).ok())
        .map(|time| time.to_system_time());
    Ok(SignedBy { signer: common_name(signer), signing_time })
}

/// The ring algorithm for a signature algorithm OID, as used with `digest` and the key of `certificate`.
fn signature_algorithm(oid: &ObjectIdentifier, digest: &ObjectIdentifier, certificate: &Certificate) -> Option<&'static dyn VerificationAlgorithm> {
    let key_parameters = certificate.tbs_certificate.subject_public_key_info.algorithm.parameters.as_ref();
    let curve = key_parameters.and_then(|parameters| parameters.decode_as::<ObjectIdentifier>().ok());
    let p384 = curve == Some(const_oid::db::rfc5912::SECP_384_R_1);
    Some(match (*oid, p384) {
        (rfc5912::ECDSA_WITH_SHA_256, false) => &ring_sig::ECDSA_P256_SHA256_ASN1,
        (rfc5912::ECDSA_WITH_SHA_384, false) => &ring_sig::ECDSA_P256_SHA384_ASN1,
        (rfc5912::ECDSA_WITH_SHA_256, true) => &ring_sig::ECDSA_P384_SHA256_ASN1,
        (rfc5912::ECDSA_WITH_SHA_384, true) => &ring_sig::ECDSA_P384_SHA384_ASN1,
        (rfc5912::SHA_256_WITH_RSA_ENCRYPTION, _) => &ring_sig::RSA_PKCS1_2048_8192_SHA256,
        (rfc5912::SHA_384_WITH_RSA_ENCRYPTION, _) => &ring_sig::RSA_PKCS1_2048_8192_SHA384,
        (rfc5912::SHA_512_WITH_RSA_ENCRYPTION, _) => &ring_sig::RSA_PKCS1_2048_8192_SHA512,
        (rfc5912::RSA_ENCRYPTION, _) => match *digest {
            rfc5912::ID_SHA_256 => &ring_sig::RSA_PKCS1_2048_8192_SHA256,
            rfc5912::ID_SHA_384 => &ring_sig::RSA_PKCS1_2048_8192_SHA384,
            rfc5912::ID_SHA_512 => &ring_sig::RSA_PKCS1_2048_8192_SHA512,
            _ => return None,
        },
        _ => return None,
    })
}

/// The signer's certificate must allow signing: keyUsage digitalSignature or nonRepudiation.
fn check_key_usage(certificate: &Certificate) -> Check<()> {
    use x509_cert::ext::pkix::{KeyUsage, KeyUsages};
    let usage = certificate
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|extension| extension.extn_id == const_oid::db::rfc5280::ID_CE_KEY_USAGE)
        .and_then(|extension| KeyUsage::from_der(extension.extn_value.as_bytes()).ok());
    match usage {
        Some(usage) if !usage.0.contains(KeyUsages::DigitalSignature) && !usage.0.contains(KeyUsages::NonRepudiation) => {
            invalid("the signer's certificate does not allow signing (keyUsage)")
        }
        _ => Ok(()),
    }
}

/// Whether `issuer` signed `certificate`.
fn issued_by(certificate: &Certificate, issuer: &Certificate) -> bool {
    if certificate.tbs_certificate.issuer != issuer.tbs_certificate.subject {
        return false;
    }
    let Ok(tbs) = certificate.tbs_certificate.to_der() else { return false };
    let Some(algorithm) = signature_algorithm(&certificate.signature_algorithm.oid, &rfc5912::ID_SHA_256, issuer) else {
        return false;
    };
    let key = issuer.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes();
    let Some(signature) = certificate.signature.as_bytes() else { return false };
    UnparsedPublicKey::new(algorithm, key).verify(&tbs, signature).is_ok()
}

/// The chain from `certificate` through `pool` must reach a trust anchor, every link
/// valid now.
fn check_chain(certificate: &Certificate, pool: &[Certificate], trust: &TrustStore) -> Check<()> {
    if trust.anchors.is_empty() {
        return invalid("no trust anchor given: name the CA certificate with --trust");
    }
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs();
    let mut current = certificate.clone();
    for _ in 0..8 {
        let validity = &current.tbs_certificate.validity;
        if now < unix_seconds(&validity.not_before) || now > unix_seconds(&validity.not_after) {
            return invalid(format!(
                "the certificate of {} is not valid now (valid from {} to {})",
                common_name(&current),
                validity.not_before,
                validity.not_after
            ));
        }
        if trust.anchors.iter().any(|anchor| anchor == &current) {
            return Ok(());
        }
        if let Some(anchor) = trust.anchors.iter().find(|anchor| issued_by(&current, anchor)) {
            let validity = &anchor.tbs_certificate.validity;
            if now < unix_seconds(&validity.not_before) || now > unix_seconds(&validity.not_after) {
                return invalid(format!("the trusted CA {} is not valid now", common_name(anchor)));
            }
            return Ok(());
        }
        match pool.iter().find(|candidate| *candidate != &current && issued_by(&current, candidate)) {
            Some(issuer) => current = issuer.clone(),
            None => {
                return invalid(format!(
                    "the signer's certificate does not chain to a trusted CA (issuer: {})",
                    current.tbs_certificate.issuer
                ));
            }
        }
    }
    invalid("the certificate chain is too long")
}

/// A verdict line for `path`.
pub fn describe(path: &Path, result: &Check<Signature>) -> String {
    match result {
        Ok(signature) => {
            let time = signature.claimed_time.map(format_time).unwrap_or_else(|| "no signing time".into());
            format!("valid    {}: {} signature by {}, signed {time}", path.display(), signature.kind, signature.signer)
        }
        Err(Invalid(reason)) => format!("INVALID  {}: {reason}", path.display()),
    }
}
