//! RFC 3161 timestamps: proof from a timestamp authority (TSA) that a signature existed at
//! a time that does not rest on the signer's own clock.
//!
//! The client sends a SHA-256 imprint of the signature value with a nonce and certReq, and
//! checks the answer before using it: status granted, the same nonce and imprint, a TSA
//! signature that verifies, and a TSA certificate whose extendedKeyUsage is timeStamping
//! and critical. The token then becomes the SignerInfo's signature-time-stamp-token.

use std::time::Duration;

use cms::content_info::ContentInfo;
use const_oid::ObjectIdentifier;
use der::asn1::{BitString, GeneralizedTime, OctetString, Uint};
use der::{Decode, Encode, Sequence};
use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::Extensions;
use x509_cert::ext::pkix::name::GeneralName;

use crate::error::Error;

/// id-aa-signatureTimeStampToken (RFC 3161, appendix A).
pub const ID_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
/// id-ct-TSTInfo, the content type of a timestamp token.
pub const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// id-kp-timeStamping.
pub const ID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");

#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct MessageImprint {
    pub hash_algorithm: AlgorithmIdentifierOwned,
    pub hashed_message: OctetString,
}

#[derive(Clone, Debug, Sequence)]
struct TimeStampReq {
    version: u8,
    message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    req_policy: Option<ObjectIdentifier>,
    #[asn1(optional = "true")]
    nonce: Option<Uint>,
    cert_req: bool,
}

#[derive(Clone, Debug, Sequence)]
struct PkiStatusInfo {
    status: u8,
    #[asn1(optional = "true")]
    status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    fail_info: Option<BitString>,
}

#[derive(Clone, Debug, Sequence)]
struct TimeStampResp {
    status: PkiStatusInfo,
    #[asn1(optional = "true")]
    time_stamp_token: Option<ContentInfo>,
}

#[derive(Clone, Debug, Sequence)]
pub struct Accuracy {
    #[asn1(optional = "true")]
    pub seconds: Option<u64>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub millis: Option<u16>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub micros: Option<u16>,
}

/// What a TSA states in a token.
#[derive(Clone, Debug, Sequence)]
pub struct TstInfo {
    pub version: u8,
    pub policy: ObjectIdentifier,
    pub message_imprint: MessageImprint,
    pub serial_number: Uint,
    pub gen_time: GeneralizedTime,
    #[asn1(optional = "true")]
    pub accuracy: Option<Accuracy>,
    #[asn1(default = "Default::default")]
    pub ordering: bool,
    #[asn1(optional = "true")]
    pub nonce: Option<Uint>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub tsa: Option<GeneralName>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<Extensions>,
}

/// A timestamp authority and how long to wait for it.
#[derive(Clone, Debug)]
pub struct Tsa {
    pub url: String,
    pub timeout: Duration,
}

/// A checked timestamp token and what it states.
pub struct Token {
    pub der: Vec<u8>,
    pub info: crate::verify::TokenInfo,
}

impl Tsa {
    fn error(&self, message: impl Into<String>) -> Error {
        Error::Timestamp { url: self.url.clone(), message: message.into() }
    }

    /// Asks the TSA to stamp `data` (a signature value) and checks its answer.
    pub fn stamp(&self, data: &[u8]) -> Result<Token, Error> {
        let imprint = MessageImprint {
            hash_algorithm: crate::sign::cms::sha256_algorithm(),
            hashed_message: OctetString::new(digest(&SHA256, data).as_ref()).map_err(|err| self.error(err.to_string()))?,
        };
        let mut nonce_bytes = [0u8; 8];
        SystemRandom::new().fill(&mut nonce_bytes).map_err(|_| self.error("no randomness for the nonce"))?;
        nonce_bytes[0] = (nonce_bytes[0] & 0x7f) | 0x01;
        let nonce = Uint::new(&nonce_bytes).map_err(|err| self.error(err.to_string()))?;
        let request = TimeStampReq { version: 1, message_imprint: imprint.clone(), req_policy: None, nonce: Some(nonce.clone()), cert_req: true }
            .to_der()
            .map_err(|err| self.error(err.to_string()))?;

        let answer = self.post(&request)?;
        let response = TimeStampResp::from_der(&answer)
            .map_err(|err| self.error(format!("the answer is not an RFC 3161 timestamp response ({err})")))?;
        if response.status.status > 1 {
            let reason = response.status.status_string.map(|texts| format!(": {}", texts.join("; "))).unwrap_or_default();
            let name = match response.status.status {
                2 => "rejection",
                3 => "waiting",
                4 => "revocation warning",
                5 => "revocation notification",
                _ => "unknown status",
            };
            return Err(self.error(format!("the TSA refused the request: status {} ({name}){reason}", response.status.status)));
        }
        let token = response.time_stamp_token.ok_or_else(|| self.error("the TSA granted the request but sent no token"))?;
        let token_der = token.to_der().map_err(|err| self.error(err.to_string()))?;
        let info = crate::verify::check_token(&token_der, &imprint, None).map_err(|invalid| self.error(invalid.0))?;
        if info.nonce.as_ref() != Some(&nonce) {
            return Err(self.error("the token's nonce is not the one sent: the answer belongs to another request"));
        }
        Ok(Token { der: token_der, info })
    }

    fn post(&self, request: &[u8]) -> Result<Vec<u8>, Error> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(self.timeout))
            .http_status_as_error(false)
            .build()
            .into();
        let mut response = agent
            .post(&self.url)
            .header("Content-Type", "application/timestamp-query")
            .send(request)
            .map_err(|err| match err {
                ureq::Error::Timeout(_) => self.error(format!("no answer within {} s (--tsa-timeout)", self.timeout.as_secs())),
                other => self.error(format!("cannot reach the TSA: {other}")),
            })?;
        if response.status() != 200 {
            return Err(self.error(format!("the TSA answered HTTP {}", response.status())));
        }
        response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
            .map_err(|err| match err {
                ureq::Error::Timeout(_) => self.error(format!("no answer within {} s (--tsa-timeout)", self.timeout.as_secs())),
                other => self.error(format!("cannot read the TSA's answer: {other}")),
            })
    }
}
