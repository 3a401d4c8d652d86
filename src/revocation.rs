//! Revocation data for PAdES B-LT: the certificate revocation lists (CRLs) of a chain,
//! fetched from the certificates' CRL distribution points when the file is signed, so
//! that a validator years later finds in the file itself that no certificate was revoked.
//!
//! Each CRL is read as DER and must parse; whether its issuer signed it and whether it
//! lists a certificate is decided by path validation with it ([`crate::pkix::TrustStore`]),
//! as `verify` later decides it from the same bytes. Certificates that name only an OCSP
//! responder are refused with a clear error: seloste embeds CRLs.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;

use const_oid::db::rfc5280::{ID_CE_CRL_DISTRIBUTION_POINTS, ID_PE_AUTHORITY_INFO_ACCESS};
use der::Decode;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::CrlDistributionPoints;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};

use crate::error::Error;
use crate::pkix::certs::common_name;

/// The largest CRL read: a CA's full list of revoked certificates for years of issuing.
const MAX_CRL_BYTES: u64 = 32 << 20;

/// Fetches CRLs, waiting at most `timeout` for each answer, and keeps what it fetched:
/// a batch signs every notice with the same chains, so each list is fetched once per run,
/// not once per PDF.
#[derive(Debug)]
pub struct Fetcher {
    timeout: Duration,
    fetched: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl Fetcher {
    pub fn new(timeout: Duration) -> Fetcher {
        Fetcher { timeout, fetched: Mutex::new(BTreeMap::new()) }
    }

    /// The CRLs (DER) covering every certificate of `chain` that is not self-signed (a
    /// root is trusted as itself), each distribution point fetched once.
    pub fn crls_for(&self, chain: &[Certificate]) -> Result<Vec<Vec<u8>>, Error> {
        let mut urls = BTreeSet::new();
        for certificate in chain.iter().filter(|certificate| !self_signed(certificate)) {
            urls.insert(crl_url(certificate)?);
        }
        urls.into_iter().map(|url| self.fetch_once(&url)).collect()
    }

    /// The list at `url`, fetched on first need. The lock is held while fetching, so that
    /// workers needing the same list at once wait for one download instead of making two.
    fn fetch_once(&self, url: &str) -> Result<Vec<u8>, Error> {
        let mut fetched = self.fetched.lock().unwrap_or_else(|poison| poison.into_inner());
        if let Some(crl) = fetched.get(url) {
            return Ok(crl.clone());
        }
        let crl = self.fetch(url)?;
        fetched.insert(url.to_owned(), crl.clone());
        Ok(crl)
    }

    fn fetch(&self, url: &str) -> Result<Vec<u8>, Error> {
        let failed = |message: String| Error::Revocation { url: url.to_owned(), message };
        let agent: ureq::Agent =
            ureq::Agent::config_builder().timeout_global(Some(self.timeout)).http_status_as_error(false).build().into();
        let timed_out = || failed(format!("no answer within {} s", self.timeout.as_secs()));
        let mut response = agent.get(url).call().map_err(|err| match err {
            ureq::Error::Timeout(_) => timed_out(),
            other => failed(format!("cannot fetch the revocation list: {other}")),
        })?;
        if response.status() != 200 {
            return Err(failed(format!("the server answered HTTP {}", response.status())));
        }
        let bytes = response.body_mut().with_config().limit(MAX_CRL_BYTES).read_to_vec().map_err(|err| match err {
            ureq::Error::Timeout(_) => timed_out(),
            other => failed(format!("cannot read the revocation list: {other}")),
        })?;
        CertificateList::from_der(&bytes)
            .map_err(|err| failed(format!("the answer is not a revocation list (DER CRL): {err}")))?;
        Ok(bytes)
    }
}

fn self_signed(certificate: &Certificate) -> bool {
    certificate.tbs_certificate.issuer == certificate.tbs_certificate.subject
}

/// The first HTTP address among the certificate's CRL distribution points.
fn crl_url(certificate: &Certificate) -> Result<String, Error> {
    let name = common_name(certificate);
    let extension =
        |oid| certificate.tbs_certificate.extensions.iter().flatten().find(|extension| extension.extn_id == oid);
    let points = extension(ID_CE_CRL_DISTRIBUTION_POINTS)
        .and_then(|extension| CrlDistributionPoints::from_der(extension.extn_value.as_bytes()).ok());
    let urls = points.into_iter().flat_map(|points| points.0).flat_map(|point| match point.distribution_point {
        Some(DistributionPointName::FullName(names)) => names,
        _ => Vec::new(),
    });
    for general_name in urls {
        if let GeneralName::UniformResourceIdentifier(uri) = general_name
            && (uri.as_str().starts_with("http://") || uri.as_str().starts_with("https://"))
        {
            return Ok(uri.as_str().to_owned());
        }
    }
    let only_ocsp = extension(ID_PE_AUTHORITY_INFO_ACCESS).is_some();
    Err(Error::Revocation {
        url: String::new(),
        message: if only_ocsp {
            format!(
                "the certificate of {name} names no CRL distribution point (only an OCSP responder, which seloste does not use yet): its revocation status cannot be embedded for B-LT"
            )
        } else {
            format!(
                "the certificate of {name} has no revocation information (no CRL distribution point): its revocation status cannot be embedded for B-LT"
            )
        },
    })
}
