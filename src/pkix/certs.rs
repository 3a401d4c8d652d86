//! Certificates: reading them from PEM, naming them, and their validity in time.

use std::time::SystemTime;

use der::Decode;
use x509_cert::Certificate;

use crate::time::format_time;

/// The PEM blocks of a text: (label, DER) pairs, in order.
pub fn pem_blocks(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let text = String::from_utf8_lossy(bytes);
    let mut blocks = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start..];
        let Some(end_label) = after.find("-----END ") else { break };
        let Some(block_end) = after[end_label + 9..].find("-----").map(|at| end_label + 9 + at + 5) else { break };
        let block = &after[..block_end];
        let (label, der) = der::pem::decode_vec(block.as_bytes()).map_err(|err| format!("malformed PEM: {err}"))?;
        blocks.push((label.to_owned(), der));
        rest = &after[block_end..];
    }
    if blocks.is_empty() {
        return Err("no PEM block found; expected a file that starts with -----BEGIN".into());
    }
    Ok(blocks)
}

/// Every certificate of a PEM text, in order; at least one.
pub fn certificates_from_pem(bytes: &[u8]) -> Result<Vec<Certificate>, String> {
    let certificates = pem_blocks(bytes)?
        .into_iter()
        .filter(|(label, _)| label == "CERTIFICATE")
        .map(|(_, der)| Certificate::from_der(&der).map_err(|err| format!("malformed certificate: {err}")))
        .collect::<Result<Vec<_>, _>>()?;
    if certificates.is_empty() {
        return Err("no CERTIFICATE block in this file".into());
    }
    Ok(certificates)
}

/// The common name of a certificate's subject, or the whole subject if it has none.
pub fn common_name(certificate: &Certificate) -> String {
    subject_attribute(certificate, const_oid::db::rfc4519::CN)
        .unwrap_or_else(|| certificate.tbs_certificate.subject.to_string())
}

/// The subject's title attribute (X.520 `title`), which an organisation's certificate
/// may carry: the role its holder signs in.
pub fn title(certificate: &Certificate) -> Option<String> {
    subject_attribute(certificate, const_oid::db::rfc4519::TITLE)
}

fn subject_attribute(certificate: &Certificate, oid: const_oid::ObjectIdentifier) -> Option<String> {
    let attributes = certificate.tbs_certificate.subject.0.iter().flat_map(|rdn| rdn.0.iter());
    attributes.filter(|attribute| attribute.oid == oid).find_map(|attribute| {
        let utf8 = attribute.value.decode_as::<der::asn1::Utf8StringRef>().map(|text| text.as_str().to_owned());
        let printable =
            || attribute.value.decode_as::<der::asn1::PrintableStringRef>().map(|text| text.as_str().to_owned());
        utf8.or_else(|_| printable()).ok()
    })
}

/// Whether `certificate` is valid at `at`; if not, why, naming it.
pub fn check_validity(certificate: &Certificate, at: SystemTime) -> Result<(), String> {
    let validity = &certificate.tbs_certificate.validity;
    if at < validity.not_before.to_system_time() || at > validity.not_after.to_system_time() {
        return Err(format!(
            "the certificate of {} is not valid at {} (valid from {} to {})",
            common_name(certificate),
            format_time(at),
            validity.not_before,
            validity.not_after
        ));
    }
    Ok(())
}
