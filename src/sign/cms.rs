//! CMS SignedData (RFC 5652) for detached signatures: built from the `cms` crate's types,
//! signed with ring. PAdES wants no signing-time attribute (its time is the PDF's `/M`);
//! CAdES for the DOCX wants one.

use std::time::SystemTime;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5911::{ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SIGNED_DATA, ID_SIGNING_TIME};
use const_oid::db::rfc5912::ID_SHA_256;
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence};
use ring::digest::{SHA256, digest};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::{Attribute, AttributeValue};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;

use super::keys::Identity;
use crate::error::Error;
use crate::timestamp::{ID_SIGNATURE_TIME_STAMP_TOKEN, Tsa};
use crate::verify::TokenInfo;

/// id-aa-signingCertificateV2 (RFC 5035).
pub const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

/// ESSCertIDv2 with the default hash algorithm, SHA-256, left out as DER requires.
#[derive(Clone, Debug, Sequence)]
pub struct EssCertIdV2 {
    pub cert_hash: OctetString,
    pub issuer_serial: Option<IssuerSerial>,
}

#[derive(Clone, Debug, Sequence)]
pub struct IssuerSerial {
    pub issuer: Vec<GeneralName>,
    pub serial_number: SerialNumber,
}

/// SigningCertificateV2 (RFC 5035): binds the signature to the signer's certificate, so
/// another certificate with the same key cannot be swapped in.
#[derive(Clone, Debug, Sequence)]
pub struct SigningCertificateV2 {
    pub certs: Vec<EssCertIdV2>,
}

pub fn sha256_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid: ID_SHA_256, parameters: None }
}

fn failed(err: der::Error) -> Error {
    Error::Render { what: "CMS signature".into(), message: err.to_string() }
}

fn attribute(oid: ObjectIdentifier, value: impl Encode) -> Result<Attribute, Error> {
    let value = AttributeValue::from_der(&value.to_der().map_err(failed)?).map_err(failed)?;
    Ok(Attribute { oid, values: SetOfVec::try_from(vec![value]).map_err(failed)? })
}

/// Builds a detached SignedData over content whose SHA-256 is `content_digest`.
/// `signing_time` adds the signing-time attribute (CAdES); PAdES leaves it out. With a
/// `tsa`, the signature value is timestamped and the token added as an unsigned attribute.
/// A SignedData (DER) and the timestamp token it carries, if any.
pub struct Signed {
    pub der: Vec<u8>,
    pub timestamp: Option<TokenInfo>,
}

pub fn sign_detached(identity: &Identity, content_digest: &[u8], signing_time: Option<SystemTime>, tsa: Option<&Tsa>) -> Result<Signed, Error> {
    let certificate = &identity.certificate;
    let essential = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(digest(&SHA256, &identity.certificate_der).as_ref()).map_err(failed)?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(certificate.tbs_certificate.issuer.clone())],
                serial_number: certificate.tbs_certificate.serial_number.clone(),
            }),
        }],
    };
    let mut attributes = vec![
        attribute(ID_CONTENT_TYPE, ID_DATA)?,
        attribute(ID_MESSAGE_DIGEST, OctetString::new(content_digest).map_err(failed)?)?,
        attribute(ID_SIGNING_CERTIFICATE_V2, essential)?,
    ];
    if let Some(time) = signing_time {
        let time = x509_cert::time::Time::try_from(time).map_err(failed)?;
        attributes.push(attribute(ID_SIGNING_TIME, time)?);
    }
    let signed_attributes = SetOfVec::try_from(attributes).map_err(failed)?;
    // The signature covers the attributes' DER as a SET OF (tag 0x31), not as the
    // [0] IMPLICIT field they are stored in.
    let signature = identity.sign(&signed_attributes.to_der().map_err(failed)?)?;
    let token = tsa.map(|tsa| tsa.stamp(&signature)).transpose()?;
    let unsigned_attrs = match &token {
        Some(token) => {
            let value = Any::from_der(&token.der).map_err(failed)?;
            let attribute = Attribute { oid: ID_SIGNATURE_TIME_STAMP_TOKEN, values: SetOfVec::try_from(vec![value]).map_err(failed)? };
            Some(SetOfVec::try_from(vec![attribute]).map_err(failed)?)
        }
        None => None,
    };

    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: certificate.tbs_certificate.issuer.clone(),
            serial_number: certificate.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sha256_algorithm(),
        signed_attrs: Some(signed_attributes),
        signature_algorithm: identity.signature_algorithm(),
        signature: OctetString::new(signature).map_err(failed)?,
        unsigned_attrs,
    };
    let mut certificates = vec![CertificateChoices::Certificate(certificate.clone())];
    certificates.extend(identity.chain.iter().cloned().map(CertificateChoices::Certificate));
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sha256_algorithm()]).map_err(failed)?,
        encap_content_info: EncapsulatedContentInfo { econtent_type: ID_DATA, econtent: None },
        certificates: Some(CertificateSet(SetOfVec::try_from(certificates).map_err(failed)?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info]).map_err(failed)?),
    };
    let content = Any::from_der(&signed_data.to_der().map_err(failed)?).map_err(failed)?;
    let der = ContentInfo { content_type: ID_SIGNED_DATA, content }.to_der().map_err(failed)?;
    Ok(Signed { der, timestamp: token.map(|token| token.info) })
}
