//! Checking one CMS SignedData (RFC 5652): structure, message digest, content type,
//! signing-certificate-v2 and the signature over the signed attributes. The chain of the
//! signer's certificate is [`super::path`]'s concern; this is shared by signatures
//! (detached content) and timestamp tokens (TSTInfo inside).

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use const_oid::db::{rfc5911, rfc5912};
use der::{Decode, Encode};
use ring::digest;
use ring::signature::{self as ring_sig, UnparsedPublicKey, VerificationAlgorithm};
use x509_cert::Certificate;

use spki::AlgorithmIdentifierOwned;

use super::asn1::{RsaPssParameters, SigningCertificateV2};
use super::digest::hash;
use super::oid::ID_SIGNING_CERTIFICATE_V2;
use super::verdict::{Check, Invalid, rejected};

/// What the content of a SignedData is, and so how its digest is found.
pub enum Content<'a> {
    /// A detached signature: the digest of content held elsewhere, per algorithm.
    Detached(&'a dyn Fn(&ObjectIdentifier) -> Option<Vec<u8>>),
    /// Content inside the SignedData, of this type (a timestamp token's TSTInfo).
    Embedded(ObjectIdentifier),
}

/// A SignedData whose one signature verifies over its content.
pub struct Checked {
    pub signer: Certificate,
    /// Every certificate the SignedData carries, the signer's among them.
    pub certificates: Vec<Certificate>,
    pub signer_info: SignerInfo,
    pub signing_time: Option<std::time::SystemTime>,
    /// The embedded content, for [`Content::Embedded`].
    pub content: Option<Vec<u8>>,
}

impl Checked {
    /// The DER of an unsigned attribute's first value, if the signer info has it.
    pub fn unsigned_attribute(&self, oid: ObjectIdentifier) -> Check<Option<Vec<u8>>> {
        self.signer_info
            .unsigned_attrs
            .iter()
            .flat_map(|attributes| attributes.iter())
            .find(|attribute| attribute.oid == oid)
            .and_then(|attribute| attribute.values.get(0))
            .map(|value| value.to_der().map_err(|err| Invalid::Rejected(err.to_string())))
            .transpose()
    }
}

/// Checks a SignedData's structure, message digest, signing-certificate-v2 (when
/// `require_signing_certificate` or present) and signature; not the chain.
pub fn check(cms: &[u8], content: Content<'_>, require_signing_certificate: bool) -> Check<Checked> {
    let content_info = ContentInfo::from_der(cms).map_err(|err| Invalid::Rejected(format!("not CMS: {err}")))?;
    if content_info.content_type != rfc5911::ID_SIGNED_DATA {
        return rejected("the CMS is not SignedData");
    }
    let signed_data: SignedData =
        content_info.content.decode_as().map_err(|err| Invalid::Rejected(format!("malformed SignedData: {err}")))?;
    let signer_info = match signed_data.signer_infos.0.as_slice() {
        [one] => one.clone(),
        _ => return rejected("the signature must have exactly one signer"),
    };
    let digest_algorithm = signer_info.digest_alg.oid;
    let Expected { content_type: expected_content_type, digest: expected_digest, embedded } =
        expected_content(&signed_data, content, &digest_algorithm)?;
    let Some(expected_digest) = expected_digest else {
        return rejected(format!(
            "the digest algorithm {digest_algorithm} is refused (SHA-1 and MD5 are not accepted)"
        ));
    };
    let certificates = carried_certificates(&signed_data);
    let signer = signer_certificate(&signer_info, &certificates)?;
    let Some(attributes) = &signer_info.signed_attrs else {
        return rejected("the signature has no signed attributes");
    };
    let attribute =
        |oid: ObjectIdentifier| attributes.iter().find(|attribute| attribute.oid == oid).and_then(|a| a.values.get(0));

    let content_type = attribute(rfc5911::ID_CONTENT_TYPE).and_then(|value| value.decode_as::<ObjectIdentifier>().ok());
    if content_type != Some(expected_content_type) {
        return rejected(format!("the content-type attribute is missing or not {expected_content_type}"));
    }
    let message_digest =
        attribute(rfc5911::ID_MESSAGE_DIGEST).and_then(|value| value.decode_as::<der::asn1::OctetString>().ok());
    if message_digest.as_ref().map(|digest| digest.as_bytes()) != Some(expected_digest.as_slice()) {
        return rejected("the signed content has changed: its digest does not match the signature's message-digest");
    }
    let signer_der = signer.to_der().map_err(|err| Invalid::Rejected(err.to_string()))?;
    match attribute(ID_SIGNING_CERTIFICATE_V2).map(|value| value.decode_as::<SigningCertificateV2>()) {
        Some(Ok(essential)) => {
            let certified = essential.certs.first().map(|id| id.cert_hash.as_bytes().to_vec());
            if certified.as_deref() != Some(digest::digest(&digest::SHA256, &signer_der).as_ref()) {
                return rejected(
                    "the signing-certificate-v2 attribute names another certificate than the one that signed",
                );
            }
        }
        Some(Err(_)) => return rejected("the signing-certificate-v2 attribute is malformed"),
        None if require_signing_certificate => return rejected("the signing-certificate-v2 attribute is missing"),
        None => {}
    }

    let signed_attributes = attributes.to_der().map_err(|err| Invalid::Rejected(err.to_string()))?;
    verify_signature(
        &signer,
        &signer_info.signature_algorithm,
        &digest_algorithm,
        &signed_attributes,
        signer_info.signature.as_bytes(),
    )
    .map_err(|_| Invalid::Rejected("the signature value does not verify with the signer's certificate".into()))?;
    let signing_time = attribute(rfc5911::ID_SIGNING_TIME)
        .and_then(|value| value.to_der().ok())
        .and_then(|der| x509_cert::time::Time::from_der(&der).ok())
        .map(|time| time.to_system_time());
    Ok(Checked { signer, certificates, signer_info, signing_time, content: embedded })
}

/// The content type and digest the signed attributes must state, and the embedded content.
struct Expected {
    content_type: ObjectIdentifier,
    /// `None` when the digest algorithm is refused.
    digest: Option<Vec<u8>>,
    embedded: Option<Vec<u8>>,
}

fn expected_content(
    signed_data: &SignedData,
    content: Content<'_>,
    digest_algorithm: &ObjectIdentifier,
) -> Check<Expected> {
    let econtent = &signed_data.encap_content_info;
    match content {
        Content::Detached(digest_of) => {
            if econtent.econtent.is_some() {
                return rejected("the signature is not detached");
            }
            Ok(Expected { content_type: rfc5911::ID_DATA, digest: digest_of(digest_algorithm), embedded: None })
        }
        Content::Embedded(content_type) => {
            if econtent.econtent_type != content_type {
                return rejected(format!("the content is of type {}, not {content_type}", econtent.econtent_type));
            }
            let octets = econtent
                .econtent
                .as_ref()
                .and_then(|any| any.decode_as::<der::asn1::OctetString>().ok())
                .ok_or_else(|| Invalid::Rejected("the token holds no content".into()))?;
            let bytes = octets.as_bytes().to_vec();
            Ok(Expected { content_type, digest: hash(digest_algorithm, &bytes), embedded: Some(bytes) })
        }
    }
}

fn carried_certificates(signed_data: &SignedData) -> Vec<Certificate> {
    signed_data
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            cms::cert::CertificateChoices::Certificate(certificate) => Some(certificate.clone()),
            _ => None,
        })
        .collect()
}

fn signer_certificate(signer_info: &SignerInfo, certificates: &[Certificate]) -> Check<Certificate> {
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &signer_info.sid else {
        return rejected("the signer is identified by key id, not by issuer and serial number");
    };
    certificates
        .iter()
        .find(|certificate| {
            certificate.tbs_certificate.issuer == sid.issuer
                && certificate.tbs_certificate.serial_number == sid.serial_number
        })
        .cloned()
        .ok_or_else(|| Invalid::Rejected("the signer's certificate is not in the signature".into()))
}

/// Verifies `signature` over `message` with the key of `certificate`, under a signature
/// algorithm and, for plain rsaEncryption, the digest algorithm beside it.
pub fn verify_signature(
    certificate: &Certificate,
    algorithm: &AlgorithmIdentifierOwned,
    digest: &ObjectIdentifier,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    let verification = if algorithm.oid == rfc5912::ID_RSASSA_PSS {
        rsa_pss_algorithm(algorithm)
    } else {
        verification_algorithm(&algorithm.oid, digest, certificate)
    }
    .ok_or_else(|| format!("unsupported signature algorithm {}", algorithm.oid))?;
    let key = certificate.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes();
    UnparsedPublicKey::new(verification, key)
        .verify(message, signature)
        .map_err(|_| "the signature does not verify".to_owned())
}

/// The RSASSA-PSS parameters seloste writes for `hash` (SHA-256 or SHA-384): MGF1 with the
/// same hash and a salt as long as the hash, as ring signs and verifies them.
pub fn rsa_pss(hash: ObjectIdentifier) -> AlgorithmIdentifierOwned {
    let hash_algorithm = AlgorithmIdentifierOwned { oid: hash, parameters: None };
    let mgf1 = AlgorithmIdentifierOwned {
        oid: rfc5912::ID_MGF_1,
        parameters: Some(der::Any::encode_from(&hash_algorithm).expect("an algorithm identifier encodes")),
    };
    let salt_length = if hash == rfc5912::ID_SHA_384 { 48 } else { 32 };
    let parameters = RsaPssParameters {
        hash_algorithm: Some(hash_algorithm),
        mask_gen_algorithm: Some(mgf1),
        salt_length: Some(salt_length),
        trailer_field: None,
    };
    AlgorithmIdentifierOwned {
        oid: rfc5912::ID_RSASSA_PSS,
        parameters: Some(der::Any::encode_from(&parameters).expect("PSS parameters encode")),
    }
}

/// The ring algorithm for RSASSA-PSS parameters: SHA-256, -384 or -512 with MGF1 of the
/// same hash and a salt as long as the hash; anything else is not supported.
fn rsa_pss_algorithm(algorithm: &AlgorithmIdentifierOwned) -> Option<&'static dyn VerificationAlgorithm> {
    let parameters: RsaPssParameters = algorithm.parameters.as_ref()?.decode_as().ok()?;
    let hash = parameters.hash_algorithm?.oid;
    let mgf = parameters.mask_gen_algorithm?;
    let mgf_hash: AlgorithmIdentifierOwned = mgf.parameters.as_ref()?.decode_as().ok()?;
    if mgf.oid != rfc5912::ID_MGF_1 || mgf_hash.oid != hash || parameters.trailer_field.unwrap_or(1) != 1 {
        return None;
    }
    match (hash, parameters.salt_length?) {
        (rfc5912::ID_SHA_256, 32) => Some(&ring_sig::RSA_PSS_2048_8192_SHA256),
        (rfc5912::ID_SHA_384, 48) => Some(&ring_sig::RSA_PSS_2048_8192_SHA384),
        (rfc5912::ID_SHA_512, 64) => Some(&ring_sig::RSA_PSS_2048_8192_SHA512),
        _ => None,
    }
}

/// The ring algorithm for a signature algorithm OID, as used with `digest` and the key of `certificate`.
fn verification_algorithm(
    oid: &ObjectIdentifier,
    digest: &ObjectIdentifier,
    certificate: &Certificate,
) -> Option<&'static dyn VerificationAlgorithm> {
    let key_parameters = certificate.tbs_certificate.subject_public_key_info.algorithm.parameters.as_ref();
    let curve = key_parameters.and_then(|parameters| parameters.decode_as::<ObjectIdentifier>().ok());
    let p384 = curve == Some(rfc5912::SECP_384_R_1);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_pss_parameters_ring_verifies_are_accepted() {
        assert!(rsa_pss_algorithm(&rsa_pss(rfc5912::ID_SHA_256)).is_some());
        assert!(rsa_pss_algorithm(&rsa_pss(rfc5912::ID_SHA_384)).is_some());
        let mut salted = rsa_pss(rfc5912::ID_SHA_256);
        let mut parameters: RsaPssParameters = salted.parameters.as_ref().unwrap().decode_as().unwrap();
        parameters.salt_length = Some(20);
        salted.parameters = Some(der::Any::encode_from(&parameters).unwrap());
        assert!(rsa_pss_algorithm(&salted).is_none(), "a salt the hash does not fix");
        let defaults = AlgorithmIdentifierOwned {
            oid: rfc5912::ID_RSASSA_PSS,
            parameters: Some(
                der::Any::encode_from(&RsaPssParameters {
                    hash_algorithm: None,
                    mask_gen_algorithm: None,
                    salt_length: None,
                    trailer_field: None,
                })
                .unwrap(),
            ),
        };
        assert!(rsa_pss_algorithm(&defaults).is_none(), "the SHA-1 defaults");
    }
}
