//! The shared certificate and CMS layer: what signing, timestamping and verifying all
//! need, and nothing else. It knows nothing of notices, files or the command line: it
//! reads and checks bytes, and states what it found in plain values.
//!
//! - [`verdict`]: what a check concludes ([`Invalid`], [`Signature`], [`TokenInfo`]);
//! - [`oid`] and [`digest`]: the identifiers and digests the standards name;
//! - [`asn1`]: the ESS and timestamp structures the `cms` and `x509-cert` crates lack;
//! - [`certs`]: PEM blocks, certificates, their names and validity;
//! - [`signed_data`]: checking one CMS SignedData (digest, attributes, signature);
//! - [`tsp`]: checking an RFC 3161 timestamp token;
//! - [`ers`]: evidence records (RFC 4998): hash trees, renewals, and checking them;
//! - [`path`]: certificate path validation to a trust anchor (RFC 5280 §6).

pub mod asn1;
pub mod certs;
pub mod digest;
pub mod ers;
pub mod oid;
pub mod path;
pub mod signed_data;
pub mod tsp;
pub mod verdict;

pub use asn1::MessageImprint;
pub use digest::{hash, sha256_algorithm, sha256_imprint};
pub use oid::{ID_CT_TST_INFO, ID_KP_TIME_STAMPING, ID_SIGNATURE_TIME_STAMP_TOKEN, ID_SIGNING_CERTIFICATE_V2};
pub use path::TrustStore;
pub use verdict::{Check, Invalid, Signature, TokenInfo, rejected};
