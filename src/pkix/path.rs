//! Certificate path validation (RFC 5280 §6): does a signer's or a TSA's certificate chain
//! to a trust anchor, every link fit for its role and valid at the time that matters?
//!
//! The path is built and checked by `rustls-webpki`, a maintained validator on the same
//! `ring` we sign with: each signature in the chain, name chaining, basicConstraints
//! (only a CA issues, the signer is not one, pathLenConstraint), validity of every
//! certificate at the given time, and refusal of critical extensions it does not know.
//! What it leaves to its caller is checked here with `x509-cert`: keyUsage keyCertSign on
//! every issuer, keyUsage on the signer, extended key usage by role, and the validity of
//! the trust anchor itself.

use std::cell::RefCell;
use std::time::{Duration, SystemTime};

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280;
use der::{Decode, Encode};
use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use webpki::{EndEntityCert, ExtendedKeyUsageValidator, KeyPurposeIdIter, VerifiedPath};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages};

use super::certs::{check_validity, common_name};
use super::oid::ID_KP_TIME_STAMPING;
use super::verdict::{Check, Invalid, rejected};

/// What a certificate at the end of a path must be fit for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// Signing documents: keyUsage digitalSignature or nonRepudiation, and an extended
    /// key usage, where the certificate has one, that allows signing documents.
    DocumentSigning,
    /// Stamping time: extendedKeyUsage timeStamping alone, marked critical (RFC 3161 §2.3).
    TimeStamping,
}

/// Extended key usages that allow signing documents, when a signer's certificate names
/// any: e-mail protection (what most signing certificates carry), document signing
/// (RFC 9336), Adobe's and Microsoft's document signing, and any usage.
const DOCUMENT_SIGNING_PURPOSES: [ObjectIdentifier; 5] = [
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4"),
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.36"),
    ObjectIdentifier::new_unwrap("1.2.840.113583.1.1.5"),
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.10.3.12"),
    ObjectIdentifier::new_unwrap("2.5.29.37.0"),
];

/// A trusted certificate, kept whole so that its own validity can be checked.
#[derive(Clone)]
struct Anchor {
    certificate: Certificate,
    der: Vec<u8>,
}

/// The certificates a signature must chain to.
#[derive(Default)]
pub struct TrustStore {
    anchors: Vec<Anchor>,
    /// Check everything but the chain: for describing a signature just made.
    integrity_only: bool,
    /// Revocation lists (DER) every certificate of a path but the anchor must be covered
    /// by and not listed in; `None` checks no revocation.
    crls: Option<Vec<Vec<u8>>>,
    /// Certificates to build paths with besides those a signature carries (a PDF's DSS).
    more_certificates: Vec<Certificate>,
}

impl TrustStore {
    pub fn new(anchors: Vec<Certificate>) -> TrustStore {
        let anchors = anchors
            .into_iter()
            .filter_map(|certificate| Some(Anchor { der: certificate.to_der().ok()?, certificate }))
            .collect();
        TrustStore { anchors, ..TrustStore::default() }
    }

    /// The same anchors, with revocation checked by `crls` (DER): each must be signed by
    /// the issuer of the certificates it covers and current at the time validated, and a
    /// certificate no CRL covers fails (PAdES B-LT: the file must carry what proves the
    /// status). `certificates` join every path's pool.
    pub fn with_revocation(&self, crls: Vec<Vec<u8>>, certificates: Vec<Certificate>) -> TrustStore {
        TrustStore {
            anchors: self.anchors.clone(),
            integrity_only: self.integrity_only,
            crls: Some(crls),
            more_certificates: certificates,
        }
    }

    /// A store that skips the chain check: used to read what a signature just made states,
    /// never to judge a file someone else signed.
    pub fn integrity_only() -> TrustStore {
        TrustStore { integrity_only: true, ..TrustStore::default() }
    }

    /// Validates the path from `certificate` through `pool` to a trust anchor at `at`, and
    /// that `certificate` is fit for `usage`.
    pub fn validate(&self, certificate: &Certificate, pool: &[Certificate], at: SystemTime, usage: Usage) -> Check<()> {
        check_end_entity(certificate, usage)?;
        if self.integrity_only {
            return Ok(());
        }
        if self.anchors.is_empty() {
            return rejected("no trust anchor given: name the CA certificate with --trust");
        }
        let der = certificate
            .to_der()
            .map_err(|err| Invalid::Rejected(format!("the certificate cannot be encoded: {err}")))?;
        if let Some(anchor) = self.anchors.iter().find(|anchor| anchor.der == der) {
            // The certificate is itself trusted: it is its own path.
            return check_validity(&anchor.certificate, at).map_err(Invalid::Rejected);
        }
        let intermediates: Vec<CertificateDer<'static>> = pool
            .iter()
            .chain(&self.more_certificates)
            .filter(|candidate| *candidate != certificate)
            .filter_map(|candidate| candidate.to_der().ok())
            .map(CertificateDer::from)
            .collect();
        let anchor_ders: Vec<CertificateDer<'_>> =
            self.anchors.iter().map(|anchor| CertificateDer::from(anchor.der.as_slice())).collect();
        let trust_anchors: Vec<TrustAnchor<'_>> =
            anchor_ders.iter().filter_map(|der| webpki::anchor_from_trusted_cert(der).ok()).collect();
        let end_entity_der = CertificateDer::from(der.as_slice());
        let end_entity = EndEntityCert::try_from(&end_entity_der)
            .map_err(|err| Invalid::Rejected(explain(&err, certificate, at)))?;
        let time = UnixTime::since_unix_epoch(at.duration_since(SystemTime::UNIX_EPOCH).unwrap_or(Duration::ZERO));

        // webpki reports its own errors as codes; the reason found by our own checks of a
        // candidate path is kept here, to be told instead.
        let reason: RefCell<Option<String>> = RefCell::new(None);
        let our_checks = |path: &VerifiedPath<'_>| -> Result<(), webpki::Error> {
            self.check_path(path, at).map_err(|message| {
                *reason.borrow_mut() = Some(message);
                webpki::Error::ExtensionValueInvalid
            })
        };
        let purposes = Purposes(usage);
        let parsed: Vec<webpki::CertRevocationList<'_>> = match &self.crls {
            None => Vec::new(),
            Some(crls) => newest_per_issuer(crls)
                .into_iter()
                .map(|der| webpki::OwnedCertRevocationList::from_der(der).map(webpki::CertRevocationList::from))
                .collect::<Result<_, _>>()
                .map_err(|err| Invalid::Rejected(format!("a revocation list (CRL) is malformed: {err}")))?,
        };
        let crl_refs: Vec<&webpki::CertRevocationList<'_>> = parsed.iter().collect();
        let revocation = match &self.crls {
            None => None,
            Some(_) => Some(
                webpki::RevocationOptionsBuilder::new(&crl_refs)
                    .map_err(|_| {
                        Invalid::Rejected(format!(
                            "the file carries no revocation data (CRL) for the chain of {}",
                            common_name(certificate)
                        ))
                    })?
                    .with_depth(webpki::RevocationCheckDepth::Chain)
                    .with_status_policy(webpki::UnknownStatusPolicy::Deny)
                    .with_expiration_policy(webpki::ExpirationPolicy::Enforce)
                    .build(),
            ),
        };
        end_entity
            .verify_for_usage(
                webpki::ALL_VERIFICATION_ALGS,
                &trust_anchors,
                &intermediates,
                time,
                purposes,
                revocation,
                Some(&our_checks),
            )
            .map(|_| ())
            .map_err(|err| Invalid::Rejected(reason.take().unwrap_or_else(|| explain(&err, certificate, at))))
    }

    /// What webpki leaves to us on a path it accepts: every issuer may sign certificates,
    /// and the trust anchor is valid at `at`.
    fn check_path(&self, path: &VerifiedPath<'_>, at: SystemTime) -> Result<(), String> {
        let mut below_anchor = 0;
        for issuer in path.intermediate_certificates() {
            let issuer = Certificate::from_der(issuer.der().as_ref())
                .map_err(|err| format!("a CA certificate is malformed: {err}"))?;
            check_issuer(&issuer)?;
            // RFC 5280 §6.1.4 (l): a self-issued certificate does not count against a path length.
            below_anchor += usize::from(issuer.tbs_certificate.issuer != issuer.tbs_certificate.subject);
        }
        let anchor = path.anchor();
        let trusted = self.anchors.iter().find(|candidate| {
            webpki::anchor_from_trusted_cert(&CertificateDer::from(candidate.der.as_slice())).is_ok_and(|found| {
                found.subject == anchor.subject && found.subject_public_key_info == anchor.subject_public_key_info
            })
        });
        if let Some(trusted) = trusted {
            check_issuer(&trusted.certificate)?;
            // webpki keeps no path length for a trust anchor; its certificate states it.
            if let Some(limit) =
                basic_constraints(&trusted.certificate).and_then(|constraints| constraints.path_len_constraint)
                && below_anchor > usize::from(limit)
            {
                return Err(format!(
                    "the chain is longer than the trusted CA {} allows: {below_anchor} CA certificates below it, pathLenConstraint {limit}",
                    common_name(&trusted.certificate)
                ));
            }
            check_validity(&trusted.certificate, at).map_err(|_| {
                format!(
                    "the trusted CA {} is not valid at {}",
                    common_name(&trusted.certificate),
                    crate::time::format_time(at)
                )
            })?;
        }
        Ok(())
    }
}

/// Of several CRLs of one issuer, the newest (by thisUpdate): webpki takes the first
/// whose issuer matches, so an older one listed first must not hide a later revocation.
/// A CRL that does not parse is kept, for webpki to refuse with its reason.
fn newest_per_issuer(crls: &[Vec<u8>]) -> Vec<&Vec<u8>> {
    use x509_cert::crl::CertificateList;
    /// A CRL's issuer and thisUpdate, when it parses.
    type Issued = Option<(x509_cert::name::Name, SystemTime)>;
    let mut newest: Vec<(Issued, &Vec<u8>)> = Vec::new();
    for der in crls {
        let parsed = CertificateList::from_der(der)
            .ok()
            .map(|crl| (crl.tbs_cert_list.issuer.clone(), crl.tbs_cert_list.this_update.to_system_time()));
        let same_issuer = parsed.as_ref().and_then(|(issuer, _)| {
            newest.iter().position(|(seen, _)| seen.as_ref().is_some_and(|(other, _)| other == issuer))
        });
        match (same_issuer, &parsed) {
            (Some(index), Some((_, time))) => {
                if newest[index].0.as_ref().is_some_and(|(_, seen)| seen < time) {
                    newest[index] = (parsed, der);
                }
            }
            _ => newest.push((parsed, der)),
        }
    }
    newest.into_iter().map(|(_, der)| der).collect()
}

/// Extended key usage as webpki asks it, for every certificate of a path: a CA may name
/// none or any that includes the end entity's purpose; the end entity's own is checked
/// strictly by [`check_end_entity`], so here only a list that excludes the purpose fails.
struct Purposes(Usage);

impl ExtendedKeyUsageValidator for Purposes {
    fn validate(&self, purposes: KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        let mut present = Vec::new();
        for purpose in purposes {
            present.push(purpose?.to_decoded_oid());
        }
        let dotted = |arcs: &Vec<usize>| arcs.iter().map(ToString::to_string).collect::<Vec<_>>().join(".");
        let allowed: Vec<String> = match self.0 {
            Usage::DocumentSigning => DOCUMENT_SIGNING_PURPOSES.iter().map(ToString::to_string).collect(),
            Usage::TimeStamping => vec![ID_KP_TIME_STAMPING.to_string(), "2.5.29.37.0".to_owned()],
        };
        if present.is_empty() || present.iter().any(|arcs| allowed.contains(&dotted(arcs))) {
            return Ok(());
        }
        // The OID's content octets, as webpki names a purpose.
        let required = match self.0 {
            Usage::DocumentSigning => webpki::KeyUsage::required(&[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x24]),
            Usage::TimeStamping => webpki::KeyUsage::required(&[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08]),
        };
        Err(webpki::Error::RequiredEkuNotFoundContext(webpki::RequiredEkuNotFoundContext { required, present }))
    }
}

fn extension(certificate: &Certificate, oid: ObjectIdentifier) -> Option<&x509_cert::ext::Extension> {
    certificate.tbs_certificate.extensions.iter().flatten().find(|extension| extension.extn_id == oid)
}

fn basic_constraints(certificate: &Certificate) -> Option<BasicConstraints> {
    extension(certificate, rfc5280::ID_CE_BASIC_CONSTRAINTS)
        .and_then(|extension| BasicConstraints::from_der(extension.extn_value.as_bytes()).ok())
}

fn key_usage(certificate: &Certificate) -> Option<KeyUsage> {
    extension(certificate, rfc5280::ID_CE_KEY_USAGE)
        .and_then(|extension| KeyUsage::from_der(extension.extn_value.as_bytes()).ok())
}

fn extended_key_usage(certificate: &Certificate) -> Option<(bool, ExtendedKeyUsage)> {
    extension(certificate, rfc5280::ID_CE_EXT_KEY_USAGE).and_then(|extension| {
        ExtendedKeyUsage::from_der(extension.extn_value.as_bytes()).ok().map(|usage| (extension.critical, usage))
    })
}

/// An issuer must be a CA (basicConstraints cA) and, where it states its key usage, be
/// allowed to sign certificates (keyCertSign).
fn check_issuer(certificate: &Certificate) -> Result<(), String> {
    let name = common_name(certificate);
    if !basic_constraints(certificate).is_some_and(|constraints| constraints.ca) {
        return Err(format!("{name} issues certificates in the chain but is not a CA (basicConstraints)"));
    }
    match key_usage(certificate) {
        Some(usage) if !usage.0.contains(KeyUsages::KeyCertSign) => {
            Err(format!("{name} issues certificates in the chain but its keyUsage does not allow it (keyCertSign)"))
        }
        _ => Ok(()),
    }
}

/// Whether a certificate can sign for `usage` on its own: not a CA, its key usage, its
/// extended key usage. `sign` asks this of a signer's certificate before signing with it.
pub fn check_end_entity(certificate: &Certificate, usage: Usage) -> Check<()> {
    let name = common_name(certificate);
    if basic_constraints(certificate).is_some_and(|constraints| constraints.ca) {
        return rejected(format!("the certificate of {name} is a CA certificate, not a signer's (basicConstraints)"));
    }
    match usage {
        Usage::DocumentSigning => {
            if let Some(usages) = key_usage(certificate)
                && !usages.0.contains(KeyUsages::DigitalSignature)
                && !usages.0.contains(KeyUsages::NonRepudiation)
            {
                return rejected("the signer's certificate does not allow signing (keyUsage)");
            }
            if let Some((_, purposes)) = extended_key_usage(certificate)
                && !purposes.0.iter().any(|purpose| DOCUMENT_SIGNING_PURPOSES.contains(purpose))
            {
                return rejected(format!(
                    "the certificate of {name} is not for signing documents: its extended key usage allows only {}",
                    purposes.0.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                ));
            }
            Ok(())
        }
        Usage::TimeStamping => check_time_stamping_usage(certificate),
    }
}

/// A TSA's certificate must have extendedKeyUsage timeStamping alone, marked critical.
pub fn check_time_stamping_usage(certificate: &Certificate) -> Check<()> {
    match extended_key_usage(certificate) {
        Some((true, usage)) if usage.0 == [ID_KP_TIME_STAMPING] => Ok(()),
        _ => rejected("the TSA certificate's extendedKeyUsage is not a critical timeStamping alone"),
    }
}

/// webpki's verdict, in words.
fn explain(error: &webpki::Error, certificate: &Certificate, at: SystemTime) -> String {
    let name = common_name(certificate);
    let when = crate::time::format_time(at);
    match error {
        webpki::Error::UnknownIssuer => {
            format!(
                "the certificate of {name} does not chain to a trusted CA (issuer: {})",
                certificate.tbs_certificate.issuer
            )
        }
        webpki::Error::CaUsedAsEndEntity => format!("the certificate of {name} is a CA certificate, not a signer's"),
        webpki::Error::CertRevoked => format!("a certificate of the chain of {name} was revoked by {when}"),
        webpki::Error::UnknownRevocationStatus => {
            format!("no revocation list (CRL) that its issuer signed covers a certificate of the chain of {name}")
        }
        webpki::Error::CrlExpired { .. } => {
            format!("a revocation list (CRL) for the chain of {name} was out of date at {when} (its nextUpdate passed)")
        }
        webpki::Error::InvalidCrlSignatureForPublicKey | webpki::Error::UnsupportedCrlSignatureAlgorithmContext(_) => {
            format!("a revocation list (CRL) for the chain of {name} is not signed by the certificate's issuer")
        }
        webpki::Error::EndEntityUsedAsCa => {
            "a certificate in the chain issues certificates but is not a CA: an end-entity certificate acts as a CA"
                .to_owned()
        }
        webpki::Error::PathLenConstraintViolated => {
            "the chain is longer than a CA's pathLenConstraint allows".to_owned()
        }
        webpki::Error::CertExpired { .. } => format!("a certificate of the chain of {name} has expired by {when}"),
        webpki::Error::CertNotValidYet { .. } => {
            format!("a certificate of the chain of {name} is not yet valid at {when}")
        }
        webpki::Error::UnsupportedCriticalExtension => {
            "a certificate of the chain has a critical extension that is not understood, so it must be refused"
                .to_owned()
        }
        webpki::Error::RequiredEkuNotFoundContext(_) => {
            "a certificate of the chain does not allow this use (extendedKeyUsage)".to_owned()
        }
        webpki::Error::InvalidSignatureForPublicKey
        | webpki::Error::UnsupportedSignatureAlgorithmContext(_)
        | webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            "a certificate of the chain is not signed by its issuer's key with a supported algorithm".to_owned()
        }
        webpki::Error::BadDer | webpki::Error::BadDerTime => {
            format!("the certificate of {name} or one of its chain is malformed")
        }
        other => format!("the certificate chain of {name} is not valid: {other:?}"),
    }
}
