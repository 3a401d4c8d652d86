//! The object identifiers of the signature standards that `const-oid`'s database lacks.

use const_oid::ObjectIdentifier;

/// id-aa-signingCertificateV2 (RFC 5035).
pub const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// id-aa-signatureTimeStampToken (RFC 3161, appendix A).
pub const ID_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
/// id-ct-TSTInfo, the content type of a timestamp token.
pub const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// id-kp-timeStamping.
pub const ID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
