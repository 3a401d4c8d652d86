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
use crate::timestamp::{ID_CT_TST_INFO, ID_KP_TIME_STAMPING, ID_SIGNATURE_TIME_STAMP_TOKEN, MessageImprint, TstInfo};
use crate::sign::keys::{common_name, format_time, unix_seconds};

/// The certificates a signature must chain to.
#[derive(Default)]
pub struct TrustStore {
    anchors: Vec<Certificate>,
    /// Check everything but the chain: for describing a signature just made.
    integrity_only: bool,
}

impl TrustStore {
    /// A store that skips the chain check: used to read what a signature just made states,
    /// never to judge a file someone else signed.
    pub fn integrity_only() -> TrustStore {
        TrustStore { anchors: Vec::new(), integrity_only: true }
    }

    pub fn load(paths: &[PathBuf]) -> Result<TrustStore, Error> {
        let mut anchors = Vec::new();
        for path in paths {
            anchors.extend(crate::sign::keys::load_certificates(path)?);
        }
        Ok(TrustStore { anchors, integrity_only: false })
    }
}

/// What a valid signature says.
#[derive(Debug, Clone)]
pub struct Signature {
    pub kind: &'static str,
    pub signer: String,
    /// The signing time the signature claims: `/M` in a PDF, signing-time in CAdES.
    pub claimed_time: Option<SystemTime>,
    /// The RFC 3161 timestamp over the signature, if it has one.
    pub timestamp: Option<TokenInfo>,
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
    Ok(Signature { kind: "CAdES", signer: signed.signer, claimed_time: signed.signing_time, timestamp: signed.timestamp })
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
    let signature = Signature { kind: "PAdES", signer: signed.signer, claimed_time: claimed_time.or(signed.signing_time), timestamp: signed.timestamp };
    Ok((covered_to, signature))
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
    timestamp: Option<TokenInfo>,
}

/// What the content of a SignedData is, and so how its digest is found.
enum Content<'a> {
    /// A detached signature: the digest of content held elsewhere, per algorithm.
    Detached(&'a dyn Fn(&ObjectIdentifier) -> Option<Vec<u8>>),
    /// Content inside the SignedData, of this type (a timestamp token's TSTInfo).
    Embedded(ObjectIdentifier),
}

/// A SignedData whose one signature verifies over its content.
struct Checked {
    signer: Certificate,
    certificates: Vec<Certificate>,
    signer_info: cms::signed_data::SignerInfo,
    signing_time: Option<SystemTime>,
    content: Option<Vec<u8>>,
}

/// Checks a SignedData's structure, message digest, signing-certificate-v2 (when
/// `require_signing_certificate` or present) and signature; not the chain.
fn check_signed_data(cms: &[u8], content: Content<'_>, require_signing_certificate: bool) -> Check<Checked> {
    let content_info = ContentInfo::from_der(cms).map_err(|err| Invalid(format!("not CMS: {err}")))?;
    if content_info.content_type != rfc5911::ID_SIGNED_DATA {
        return invalid("the CMS is not SignedData");
    }
    let signed_data: SignedData = content_info.content.decode_as().map_err(|err| Invalid(format!("malformed SignedData: {err}")))?;
    let signer_info = match signed_data.signer_infos.0.as_slice() {
        [one] => one.clone(),
        _ => return invalid("the signature must have exactly one signer"),
    };
    let digest_algorithm = signer_info.digest_alg.oid;
    let econtent = &signed_data.encap_content_info;
    let (expected_content_type, expected_digest, embedded) = match content {
        Content::Detached(digest_of) => {
            if econtent.econtent.is_some() {
                return invalid("the signature is not detached");
            }
            (rfc5911::ID_DATA, digest_of(&digest_algorithm), None)
        }
        Content::Embedded(content_type) => {
            if econtent.econtent_type != content_type {
                return invalid(format!("the content is of type {}, not {content_type}", econtent.econtent_type));
            }
            let octets = econtent
                .econtent
                .as_ref()
                .and_then(|any| any.decode_as::<der::asn1::OctetString>().ok())
                .ok_or_else(|| Invalid("the token holds no content".into()))?;
            let bytes = octets.as_bytes().to_vec();
            (content_type, hash(&digest_algorithm, &bytes), Some(bytes))
        }
    };
    let Some(expected_digest) = expected_digest else {
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
        .cloned()
    else {
        return invalid("the signer's certificate is not in the signature");
    };
    let Some(attributes) = &signer_info.signed_attrs else {
        return invalid("the signature has no signed attributes");
    };
    let attribute = |oid: ObjectIdentifier| attributes.iter().find(|attribute| attribute.oid == oid).and_then(|a| a.values.get(0));

    let content_type = attribute(rfc5911::ID_CONTENT_TYPE).and_then(|value| value.decode_as::<ObjectIdentifier>().ok());
    if content_type != Some(expected_content_type) {
        return invalid(format!("the content-type attribute is missing or not {expected_content_type}"));
    }
    let message_digest = attribute(rfc5911::ID_MESSAGE_DIGEST).and_then(|value| value.decode_as::<der::asn1::OctetString>().ok());
    if message_digest.as_ref().map(|digest| digest.as_bytes()) != Some(expected_digest.as_slice()) {
        return invalid("the signed content has changed: its digest does not match the signature's message-digest");
    }
    let signer_der = signer.to_der().map_err(|err| Invalid(err.to_string()))?;
    match attribute(ID_SIGNING_CERTIFICATE_V2).map(|value| value.decode_as::<SigningCertificateV2>()) {
        Some(Ok(essential)) => {
            let certified = essential.certs.first().map(|id| id.cert_hash.as_bytes().to_vec());
            if certified.as_deref() != Some(digest::digest(&digest::SHA256, &signer_der).as_ref()) {
                return invalid("the signing-certificate-v2 attribute names another certificate than the one that signed");
            }
        }
        Some(Err(_)) => return invalid("the signing-certificate-v2 attribute is malformed"),
        None if require_signing_certificate => return invalid("the signing-certificate-v2 attribute is missing"),
        None => {}
    }

    let signed_attributes = attributes.to_der().map_err(|err| Invalid(err.to_string()))?;
    let algorithm = signature_algorithm(&signer_info.signature_algorithm.oid, &digest_algorithm, &signer)
        .ok_or_else(|| Invalid(format!("unsupported signature algorithm {}", signer_info.signature_algorithm.oid)))?;
    let public_key = signer.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes();
    UnparsedPublicKey::new(algorithm, public_key)
        .verify(&signed_attributes, signer_info.signature.as_bytes())
        .map_err(|_| Invalid("the signature value does not verify with the signer's certificate".into()))?;
    let signing_time = attribute(rfc5911::ID_SIGNING_TIME)
        .and_then(|value| value.to_der().ok())
        .and_then(|der| x509_cert::time::Time::from_der(&der).ok())
        .map(|time| time.to_system_time());
    Ok(Checked { signer, certificates, signer_info, signing_time, content: embedded })
}

/// Checks a CMS signature over content whose digest `content_digest` computes, its
/// timestamp if it has one, and the chains of both to the trust anchors.
fn check_cms(cms: &[u8], content_digest: impl Fn(&ObjectIdentifier) -> Option<Vec<u8>>, trust: &TrustStore) -> Check<SignedBy> {
    let checked = check_signed_data(cms, Content::Detached(&content_digest), true)?;
    check_key_usage(&checked.signer)?;
    let token = checked
        .signer_info
        .unsigned_attrs
        .iter()
        .flat_map(|attributes| attributes.iter())
        .find(|attribute| attribute.oid == ID_SIGNATURE_TIME_STAMP_TOKEN)
        .and_then(|attribute| attribute.values.get(0))
        .map(|value| value.to_der().map_err(|err| Invalid(err.to_string())))
        .transpose()?;
    let timestamp = match token {
        Some(token) => {
            let imprint = MessageImprint {
                hash_algorithm: crate::sign::cms::sha256_algorithm(),
                hashed_message: der::asn1::OctetString::new(digest::digest(&digest::SHA256, checked.signer_info.signature.as_bytes()).as_ref())
                    .map_err(|err| Invalid(err.to_string()))?,
            };
            let info = check_token(&token, &imprint, Some(trust)).map_err(|Invalid(reason)| Invalid(format!("timestamp: {reason}")))?;
            Some(info)
        }
        None => None,
    };
    // With a timestamp, the signer's certificate must have been valid when it was stamped;
    // without one, nothing but the signer's word vouches for the time, so it must be valid now.
    let at = timestamp.as_ref().map_or_else(SystemTime::now, |info| info.gen_time.to_system_time());
    check_chain(&checked.signer, &checked.certificates, trust, at)?;
    Ok(SignedBy { signer: common_name(&checked.signer), signing_time: checked.signing_time, timestamp })
}

/// What a checked timestamp token states.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub gen_time: der::asn1::GeneralizedTime,
    pub nonce: Option<der::asn1::Uint>,
    pub tsa: String,
}

/// Checks an RFC 3161 token: its imprint is `imprint`, its TSA signature verifies, the TSA
/// certificate's extendedKeyUsage is timeStamping and critical, and, with `trust`, the TSA
/// chains to a trust anchor.
pub fn check_token(token: &[u8], imprint: &MessageImprint, trust: Option<&TrustStore>) -> Check<TokenInfo> {
    let checked = check_signed_data(token, Content::Embedded(ID_CT_TST_INFO), false)?;
    let info = TstInfo::from_der(checked.content.as_deref().unwrap_or_default())
        .map_err(|err| Invalid(format!("the token's TSTInfo is malformed: {err}")))?;
    if &info.message_imprint != imprint {
        return invalid("the token stamps other data: its imprint is not the hash of this signature");
    }
    let time_stamping = checked
        .signer
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|extension| extension.extn_id == const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE);
    let usages = time_stamping.and_then(|extension| {
        x509_cert::ext::pkix::ExtendedKeyUsage::from_der(extension.extn_value.as_bytes()).ok().map(|usage| (extension.critical, usage))
    });
    match usages {
        Some((true, usage)) if usage.0.contains(&ID_KP_TIME_STAMPING) => {}
        _ => return invalid("the TSA certificate's extendedKeyUsage is not a critical timeStamping"),
    }
    if let Some(trust) = trust {
        check_chain(&checked.signer, &checked.certificates, trust, SystemTime::now())
            .map_err(|Invalid(reason)| Invalid(format!("TSA: {reason}")))?;
    }
    Ok(TokenInfo { gen_time: info.gen_time, nonce: info.nonce, tsa: common_name(&checked.signer) })
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
/// valid at `at`.
fn check_chain(certificate: &Certificate, pool: &[Certificate], trust: &TrustStore, at: SystemTime) -> Check<()> {
    if trust.integrity_only {
        return Ok(());
    }
    if trust.anchors.is_empty() {
        return invalid("no trust anchor given: name the CA certificate with --trust");
    }
    let now = at.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs();
    let mut current = certificate.clone();
    for _ in 0..8 {
        let validity = &current.tbs_certificate.validity;
        if now < unix_seconds(&validity.not_before) || now > unix_seconds(&validity.not_after) {
            return invalid(format!(
                "the certificate of {} is not valid at {} (valid from {} to {})",
                common_name(&current),
                format_time(at),
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
                return invalid(format!("the trusted CA {} is not valid at {}", common_name(anchor), format_time(at)));
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

/// Checks a token that stamps `data` itself (an archived bag's tag manifest).
pub fn check_token_over(token: &[u8], data: &[u8], trust: &TrustStore) -> Check<TokenInfo> {
    let imprint = MessageImprint {
        hash_algorithm: crate::sign::cms::sha256_algorithm(),
        hashed_message: der::asn1::OctetString::new(digest::digest(&digest::SHA256, data).as_ref()).map_err(|err| Invalid(err.to_string()))?,
    };
    check_token(token, &imprint, Some(trust))
}

/// A verdict line for `path`.
pub fn describe(path: &Path, result: &Check<Signature>) -> String {
    match result {
        Ok(signature) => {
            let time = signature.claimed_time.map(format_time).unwrap_or_else(|| "no signing time".into());
            let stamped = match &signature.timestamp {
                Some(token) => format!("; timestamp {} by {}", format_time(token.gen_time.to_system_time()), token.tsa),
                None => "; no timestamp".to_owned(),
            };
            format!("valid    {}: {} signature by {}, signed {time}{stamped}", path.display(), signature.kind, signature.signer)
        }
        Err(Invalid(reason)) => format!("INVALID  {}: {reason}", path.display()),
    }
}
