//! What checking a signature, a token or a certificate concludes.

use std::time::SystemTime;

/// Why a signature, token or certificate is not valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// The PDF carries no signature at all.
    NotSigned,
    /// The signature, token or certificate fails a check; the text says which and why.
    Rejected(String),
}

impl Invalid {
    pub fn reason(&self) -> &str {
        match self {
            Invalid::NotSigned => "the PDF is not signed",
            Invalid::Rejected(reason) => reason,
        }
    }

    /// The same problem, said of a part of the whole (`timestamp: ...`).
    pub fn within(self, part: &str) -> Invalid {
        match self {
            Invalid::Rejected(reason) => Invalid::Rejected(format!("{part}: {reason}")),
            other => other,
        }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.reason())
    }
}

pub type Check<T> = Result<T, Invalid>;

pub fn rejected<T>(reason: impl Into<String>) -> Check<T> {
    Err(Invalid::Rejected(reason.into()))
}

/// What a valid signature states.
#[derive(Debug, Clone)]
pub struct Signature {
    /// `PAdES` or `CAdES`.
    pub kind: &'static str,
    pub signer: String,
    /// The signing time the signature claims: `/M` in a PDF, signing-time in CAdES.
    pub claimed_time: Option<SystemTime>,
    /// The RFC 3161 timestamp over the signature, if it has one.
    pub timestamp: Option<TokenInfo>,
}

/// What a checked timestamp token states.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub gen_time: der::asn1::GeneralizedTime,
    pub nonce: Option<der::asn1::Uint>,
    pub tsa: String,
    /// The end of the TSA certificate's validity: a renewal must come before it.
    pub tsa_valid_until: SystemTime,
}
