//! Digests as the signature standards name them.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912;
use der::asn1::OctetString;
use ring::digest;
use spki::AlgorithmIdentifierOwned;

use super::asn1::MessageImprint;

pub fn sha256_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid: rfc5912::ID_SHA_256, parameters: None }
}

/// The SHA-256 imprint of `data`, as a timestamp request states it and a token must echo it.
pub fn sha256_imprint(data: &[u8]) -> MessageImprint {
    let hashed = digest::digest(&digest::SHA256, data);
    MessageImprint {
        hash_algorithm: sha256_algorithm(),
        hashed_message: OctetString::new(hashed.as_ref()).expect("a 32-byte digest fits an OCTET STRING"),
    }
}

/// The imprint a timestamp over a digest already made carries.
pub fn imprint(algorithm: &ObjectIdentifier, digest: &[u8]) -> MessageImprint {
    MessageImprint {
        hash_algorithm: AlgorithmIdentifierOwned { oid: *algorithm, parameters: None },
        hashed_message: OctetString::new(digest.to_vec()).expect("a digest fits an OCTET STRING"),
    }
}

/// The digest of `content` under a signature's digest algorithm; `None` for an
/// algorithm that is refused (SHA-1, MD5) or unknown.
pub fn hash(algorithm: &ObjectIdentifier, content: &[u8]) -> Option<Vec<u8>> {
    let algorithm = match *algorithm {
        rfc5912::ID_SHA_256 => &digest::SHA256,
        rfc5912::ID_SHA_384 => &digest::SHA384,
        rfc5912::ID_SHA_512 => &digest::SHA512,
        _ => return None,
    };
    Some(digest::digest(algorithm, content).as_ref().to_vec())
}
