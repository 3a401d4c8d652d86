//! Making a detached CMS SignedData (RFC 5652) from the `cms` crate's types, signed through
//! the signer's key. PAdES wants no signing-time attribute (its time is the PDF's `/M`);
//! CAdES for the DOCX wants one.

use std::time::SystemTime;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5911::{ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SIGNED_DATA, ID_SIGNING_TIME};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use ring::digest::{SHA256, digest};
use x509_cert::attr::{Attribute, AttributeValue};
use x509_cert::ext::pkix::name::GeneralName;

use super::keys::Identity;
use crate::error::Error;
use crate::pkix::asn1::{EssCertIdV2, IssuerSerial, SigningCertificateV2};
use crate::pkix::{ID_SIGNATURE_TIME_STAMP_TOKEN, ID_SIGNING_CERTIFICATE_V2, TokenInfo, sha256_algorithm};
use crate::timestamp::Tsa;

fn failed(err: der::Error) -> Error {
    Error::Signing { what: "the CMS signature".into(), message: err.to_string() }
}

fn attribute(oid: ObjectIdentifier, value: impl Encode) -> Result<Attribute, Error> {
    let value = AttributeValue::from_der(&value.to_der().map_err(failed)?).map_err(failed)?;
    Ok(Attribute { oid, values: SetOfVec::try_from(vec![value]).map_err(failed)? })
}

/// A SignedData (DER) and the timestamp token it carries, if any.
pub struct Signed {
    pub der: Vec<u8>,
    pub timestamp: Option<TokenInfo>,
    /// The token itself (DER), whose certificates B-LT adds to the file.
    pub token_der: Option<Vec<u8>>,
}

/// Builds a detached SignedData over content whose SHA-256 is `content_digest`.
/// `signing_time` adds the signing-time attribute (CAdES); PAdES leaves it out. With a
/// `tsa`, the signature value is timestamped and the token added as an unsigned attribute.
pub fn sign_detached(
    identity: &Identity,
    content_digest: &[u8],
    signing_time: Option<SystemTime>,
    tsa: Option<&Tsa>,
) -> Result<Signed, Error> {
    let signed_attributes = signed_attributes(identity, content_digest, signing_time)?;
    // The signature covers the attributes' DER as a SET OF (tag 0x31), not as the
    // [0] IMPLICIT field they are stored in.
    let signature = identity.sign(&signed_attributes.to_der().map_err(failed)?)?;
    let token = tsa.map(|tsa| tsa.stamp(&signature)).transpose()?;
    let unsigned_attrs = match &token {
        Some(token) => {
            let value = Any::from_der(&token.der).map_err(failed)?;
            let attribute = Attribute {
                oid: ID_SIGNATURE_TIME_STAMP_TOKEN,
                values: SetOfVec::try_from(vec![value]).map_err(failed)?,
            };
            Some(SetOfVec::try_from(vec![attribute]).map_err(failed)?)
        }
        None => None,
    };

    let certificate = &identity.certificate;
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
    let (timestamp, token_der) = token.map(|token| (token.info, token.der)).unzip();
    Ok(Signed { der, timestamp, token_der })
}

/// content-type, message-digest, signing-certificate-v2 and, for CAdES, signing-time.
fn signed_attributes(
    identity: &Identity,
    content_digest: &[u8],
    signing_time: Option<SystemTime>,
) -> Result<SetOfVec<Attribute>, Error> {
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
    SetOfVec::try_from(attributes).map_err(failed)
}
