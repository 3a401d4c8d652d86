//! Checking an RFC 3161 timestamp token: what the TSA client and the verifier both do.

use std::time::SystemTime;

use der::{Decode, Tagged};

use crate::time::format_time;

use super::asn1::{MessageImprint, TstInfo};
use super::certs::common_name;
use super::oid::ID_CT_TST_INFO;
use super::path::{TrustStore, Usage, check_time_stamping_usage};
use super::signed_data::{self, Content};
use super::verdict::{Check, Invalid, TokenInfo, rejected};

/// Checks an RFC 3161 token: its imprint is `imprint`, its TSA signature verifies, the
/// TSA certificate is a critical-timeStamping one, and, with `trust`, the TSA chains to a
/// trust anchor at the token's own time.
pub fn check_token(token: &[u8], imprint: &MessageImprint, trust: Option<&TrustStore>) -> Check<TokenInfo> {
    check_token_until(token, imprint, trust, None)
}

/// Checks a token as [`check_token`] does and, with `trust` and `until`, that the TSA's
/// path is still valid at `until` too: a timestamp is proof only while its TSA's
/// certificate is, so one that an evidence record relies on must be valid when the next
/// timestamp covered it, or now.
pub fn check_token_until(
    token: &[u8],
    imprint: &MessageImprint,
    trust: Option<&TrustStore>,
    until: Option<SystemTime>,
) -> Check<TokenInfo> {
    let checked = signed_data::check(token, Content::Embedded(ID_CT_TST_INFO), false)?;
    let info = TstInfo::from_der(checked.content.as_deref().unwrap_or_default())
        .map_err(|err| Invalid::Rejected(format!("the token's TSTInfo is malformed: {err}")))?;
    // Parameters are compared by meaning, not encoding: SHA-2 with NULL or absent ones.
    let stated = &info.message_imprint;
    let same_parameters = stated.hash_algorithm.parameters == imprint.hash_algorithm.parameters
        || [&stated.hash_algorithm.parameters, &imprint.hash_algorithm.parameters]
            .iter()
            .all(|parameters| parameters.as_ref().is_none_or(|any| any.tag() == der::Tag::Null));
    if stated.hash_algorithm.oid != imprint.hash_algorithm.oid
        || !same_parameters
        || stated.hashed_message != imprint.hashed_message
    {
        return rejected("the token stamps other data: its imprint is not the hash of what it should stamp");
    }
    let gen_time: SystemTime = info.gen_time.to_system_time();
    match trust {
        Some(trust) => {
            trust
                .validate(&checked.signer, &checked.certificates, gen_time, Usage::TimeStamping)
                .map_err(|invalid| invalid.within("TSA"))?;
            if let Some(until) = until {
                trust.validate(&checked.signer, &checked.certificates, until, Usage::TimeStamping).map_err(
                    |invalid| {
                        invalid.within(&format!("TSA, when this timestamp was relied on ({})", format_time(until)))
                    },
                )?;
            }
        }
        None => check_time_stamping_usage(&checked.signer)?,
    }
    Ok(TokenInfo {
        gen_time: info.gen_time,
        nonce: info.nonce,
        tsa: common_name(&checked.signer),
        tsa_valid_until: checked.signer.tbs_certificate.validity.not_after.to_system_time(),
    })
}
