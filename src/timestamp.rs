//! RFC 3161 timestamps: proof from a timestamp authority (TSA) that a signature existed at
//! a time that does not rest on the signer's own clock.
//!
//! The client sends a SHA-256 imprint of the signature value with a nonce and certReq, and
//! checks the answer before using it with [`crate::pkix::tsp`], as `verify` does later:
//! status granted, the same nonce and imprint, a TSA signature that verifies, and a TSA
//! certificate whose extendedKeyUsage is timeStamping and critical.

use std::time::Duration;

use der::asn1::Uint;
use der::{Decode, Encode};
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::Error;
use crate::pkix::asn1::{TimeStampReq, TimeStampResp};
use crate::pkix::{self, MessageImprint, TokenInfo, tsp};

/// A timestamp authority and how long to wait for it.
#[derive(Clone, Debug)]
pub struct Tsa {
    pub url: String,
    pub timeout: Duration,
}

/// A checked timestamp token and what it states.
pub struct Token {
    pub der: Vec<u8>,
    pub info: TokenInfo,
}

/// The largest answer read from a TSA: a token with its certificates is a few kilobytes.
const MAX_ANSWER_BYTES: u64 = 1 << 20;

impl Tsa {
    fn error(&self, message: impl Into<String>) -> Error {
        Error::Timestamp { url: self.url.clone(), message: message.into() }
    }

    /// Asks the TSA to stamp `data` (a signature value) and checks its answer.
    pub fn stamp(&self, data: &[u8]) -> Result<Token, Error> {
        self.stamp_imprint(pkix::sha256_imprint(data))
    }

    /// Asks the TSA to stamp a hash already made (the root of an evidence record's tree).
    pub fn stamp_imprint(&self, imprint: MessageImprint) -> Result<Token, Error> {
        let nonce = self.nonce()?;
        let request = TimeStampReq {
            version: 1,
            message_imprint: imprint.clone(),
            req_policy: None,
            nonce: Some(nonce.clone()),
            cert_req: true,
        }
        .to_der()
        .map_err(|err| self.error(err.to_string()))?;

        let answer = self.post(&request)?;
        let response = TimeStampResp::from_der(&answer)
            .map_err(|err| self.error(format!("the answer is not an RFC 3161 timestamp response ({err})")))?;
        if response.status.status > 1 {
            let reason =
                response.status.status_string.map(|texts| format!(": {}", texts.join("; "))).unwrap_or_default();
            let name = match response.status.status {
                2 => "rejection",
                3 => "waiting",
                4 => "revocation warning",
                5 => "revocation notification",
                _ => "unknown status",
            };
            return Err(
                self.error(format!("the TSA refused the request: status {} ({name}){reason}", response.status.status))
            );
        }
        let token =
            response.time_stamp_token.ok_or_else(|| self.error("the TSA granted the request but sent no token"))?;
        let token_der = token.to_der().map_err(|err| self.error(err.to_string()))?;
        let info = tsp::check_token(&token_der, &imprint, None).map_err(|invalid| self.error(invalid.reason()))?;
        if info.nonce.as_ref() != Some(&nonce) {
            return Err(self.error("the token's nonce is not the one sent: the answer belongs to another request"));
        }
        Ok(Token { der: token_der, info })
    }

    /// A random positive 64-bit nonce.
    fn nonce(&self) -> Result<Uint, Error> {
        let mut bytes = [0u8; 8];
        SystemRandom::new().fill(&mut bytes).map_err(|_| self.error("no randomness for the nonce"))?;
        bytes[0] = (bytes[0] & 0x7f) | 0x01;
        Uint::new(&bytes).map_err(|err| self.error(err.to_string()))
    }

    fn post(&self, request: &[u8]) -> Result<Vec<u8>, Error> {
        let agent: ureq::Agent =
            ureq::Agent::config_builder().timeout_global(Some(self.timeout)).http_status_as_error(false).build().into();
        let timed_out = || self.error(format!("no answer within {} s (--tsa-timeout)", self.timeout.as_secs()));
        let mut response =
            agent.post(&self.url).header("Content-Type", "application/timestamp-query").send(request).map_err(
                |err| match err {
                    ureq::Error::Timeout(_) => timed_out(),
                    other => self.error(format!("cannot reach the TSA: {other}")),
                },
            )?;
        if response.status() != 200 {
            return Err(self.error(format!("the TSA answered HTTP {}", response.status())));
        }
        response.body_mut().with_config().limit(MAX_ANSWER_BYTES).read_to_vec().map_err(|err| match err {
            ureq::Error::Timeout(_) => timed_out(),
            other => self.error(format!("cannot read the TSA's answer: {other}")),
        })
    }
}
