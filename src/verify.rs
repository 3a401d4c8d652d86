//! The verify stage: is a signed PDF, or a DOCX with its `.p7s`, intact, signed by whom,
//! and does the signer's certificate chain to a trust anchor?
//!
//! A PDF signature is checked against the known attacks on PDF signatures (universal
//! signature forgery, signature wrapping, incremental saving): the `/ByteRange` must
//! start at 0, point exactly at this dictionary's `/Contents` and reach the end of the
//! file; the gap must hold only that hex string; the CMS must be one SignedData whose
//! message digest matches, whose signature verifies over the signed attributes, and whose
//! signing-certificate-v2 names the certificate that signed. The CMS and certificate
//! checks themselves are [`crate::pkix`]'s, shared with signing and timestamping.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use const_oid::ObjectIdentifier;
use lopdf::{Document, Object};

use crate::pkix::path::Usage;
use crate::pkix::signed_data::{self, Content};
use crate::pkix::{
    self, Check, ID_SIGNATURE_TIME_STAMP_TOKEN, Invalid, Signature, TokenInfo, TrustStore, rejected, tsp,
};

/// What a file's signatures state: the newest, which covers the whole file, and any
/// earlier ones, oldest first.
#[derive(Debug, Clone)]
pub struct Verified {
    pub newest: Signature,
    pub earlier: Vec<Signature>,
}

/// Verifies one file: a signed PDF, or a DOCX (or any file) with its detached `<file>.p7s`.
pub fn verify_file(path: &Path, trust: &TrustStore) -> Check<Verified> {
    let is_p7s = path.extension().is_some_and(|ext| ext == "p7s");
    let (content_path, signature_path) = if is_p7s {
        (path.with_extension(""), path.to_owned())
    } else {
        (path.to_owned(), PathBuf::from(format!("{}.p7s", path.display())))
    };
    let content = read(&content_path)?;
    if !is_p7s && content.starts_with(b"%PDF-") {
        return verify_pdf(&content, trust);
    }
    let cms = read(&signature_path).map_err(|invalid| invalid.within("no detached signature"))?;
    verify_detached(&content, &cms, trust).map(|newest| Verified { newest, earlier: Vec::new() })
}

/// The largest file verify reads: a signed notice is well under a megabyte.
const MAX_VERIFIED_BYTES: u64 = 256 << 20;

fn read(path: &Path) -> Check<Vec<u8>> {
    crate::source::read_bytes(path, MAX_VERIFIED_BYTES)
        .map_err(|err| Invalid::Rejected(format!("cannot read {}: {err}", path.display())))
}

/// Verifies a detached CAdES signature over `content`.
pub fn verify_detached(content: &[u8], cms: &[u8], trust: &TrustStore) -> Check<Signature> {
    let signed = check_cms(cms, |algorithm| pkix::hash(algorithm, content), trust)?;
    Ok(Signature {
        kind: "CAdES",
        signer: signed.signer,
        claimed_time: signed.signing_time,
        timestamp: signed.timestamp,
    })
}

/// Verifies every signature of a PDF: the newest must cover the whole file, and what was
/// added after each earlier one may only sign, not change what it signed.
pub fn verify_pdf(pdf: &[u8], trust: &TrustStore) -> Check<Verified> {
    let document = Document::load_mem(pdf).map_err(|err| Invalid::Rejected(format!("not a readable PDF: {err}")))?;
    let dictionaries: Vec<&lopdf::Dictionary> = document
        .objects
        .values()
        .filter_map(|object| object.as_dict().ok())
        .filter(|dict| {
            dict.get(b"Type").and_then(Object::as_name).ok() == Some(b"Sig".as_slice()) || dict.has(b"ByteRange")
        })
        .collect();
    if dictionaries.is_empty() {
        return Err(Invalid::NotSigned);
    }
    // With validation data (PAdES B-LT), every chain is checked for revocation by the
    // CRLs in the file, and a certificate they do not cover fails.
    let long_term = validation_data(&document).map(|(crls, certificates)| trust.with_revocation(crls, certificates));
    let trust = long_term.as_ref().unwrap_or(trust);
    let mut results = Vec::new();
    for dictionary in dictionaries {
        results.push(check_pdf_signature(pdf, dictionary, trust)?);
    }
    results.sort_by_key(|(end, _)| *end);
    let (covered_to, last) = results.last().expect("at least one signature");
    let covered_to = *covered_to;
    let Some(signed_to) =
        results.iter().filter(|(_, found)| found.kind != DOCUMENT_TIMESTAMP).map(|(end, _)| *end).max()
    else {
        return rejected("the PDF holds document timestamps but no signature");
    };
    let changed = |after: usize| {
        rejected(format!(
            "the file was changed after signing: {} bytes follow the signed range",
            pdf.len().saturating_sub(after)
        ))
    };
    // After the newest signature, the file may grow only by validation data (B-LT's DSS)
    // and document timestamps (B-LTA), in whole incremental updates; nothing may follow
    // the newest document timestamp. The DSS is not signed: at B-LT anyone may replace
    // it, which is why only what it proves counts, and B-LTA's timestamp seals it.
    if covered_to != pdf.len() && (last.kind == DOCUMENT_TIMESTAMP || !pdf.trim_ascii_end().ends_with(b"%%EOF")) {
        return changed(covered_to);
    }
    if signed_to != pdf.len() {
        if long_term.is_none() {
            return changed(signed_to);
        }
        let Ok(revision) = Document::load_mem(&pdf[..signed_to]) else { return changed(signed_to) };
        adds_only_validation_data(&revision, &document)
            .map_err(|change| Invalid::Rejected(format!("the file was changed after signing: {change}")))?;
    }
    for (end, signature) in results.iter().filter(|(end, found)| found.kind != DOCUMENT_TIMESTAMP && *end < signed_to) {
        let revision = Document::load_mem(&pdf[..*end]).map_err(|err| {
            Invalid::Rejected(format!("the revision signed by {} cannot be read: {err}", signature.signer))
        })?;
        changes_only_sign(&revision, &document).map_err(|change| {
            Invalid::Rejected(format!("the document was changed after {} signed it: {change}", signature.signer))
        })?;
    }
    // The document timestamps of B-LTA stand beside the signatures they keep provable.
    let stamped_last = results.last().is_some_and(|(_, signature)| signature.kind == DOCUMENT_TIMESTAMP);
    let mut signatures: Vec<Signature> = results
        .into_iter()
        .map(|(_, signature)| signature)
        .filter(|signature| signature.kind != DOCUMENT_TIMESTAMP)
        .collect();
    let Some(mut newest) = signatures.pop() else {
        return rejected("the PDF holds document timestamps but no signature");
    };
    if long_term.is_some() && newest.timestamp.is_some() {
        newest.kind = if stamped_last { "PAdES B-LTA" } else { "PAdES B-LT" };
    }
    Ok(Verified { newest, earlier: signatures })
}

/// The CRLs and certificates of a PDF's Document Security Store, if it has one with CRLs.
fn validation_data(document: &Document) -> Option<(Vec<Vec<u8>>, Vec<x509_cert::Certificate>)> {
    let catalog = document.catalog().ok()?;
    let dss = match catalog.get(b"DSS").ok()? {
        Object::Reference(id) => document.get_dictionary(*id).ok()?,
        Object::Dictionary(dss) => dss,
        _ => return None,
    };
    let streams = |key: &[u8]| -> Vec<Vec<u8>> {
        let Ok(Object::Array(items)) = dss.get(key) else { return Vec::new() };
        items
            .iter()
            .filter_map(|item| item.as_reference().ok())
            .filter_map(|id| document.get_object(id).ok()?.as_stream().ok())
            .filter_map(|stream| {
                if stream.dict.has(b"Filter") {
                    stream.decompressed_content_with_limit(MAX_VALIDATION_ITEM_BYTES).ok()
                } else {
                    Some(stream.content.clone())
                }
            })
            .take(MAX_VALIDATION_ITEMS)
            .collect()
    };
    let crls = streams(b"CRLs");
    if crls.is_empty() {
        return None;
    }
    let certificates = streams(b"Certs")
        .iter()
        .filter_map(|der| <x509_cert::Certificate as der::Decode>::from_der(der).ok())
        .collect();
    Some((crls, certificates))
}

/// The kind of a document timestamp's entry among a PDF's signatures.
const DOCUMENT_TIMESTAMP: &str = "document timestamp";

/// The largest certificate or CRL read from a DSS, decompressed (as the signer fetches).
const MAX_VALIDATION_ITEM_BYTES: usize = 32 << 20;

/// More certificates or CRLs than any real chain's validation data holds.
const MAX_VALIDATION_ITEMS: usize = 256;

/// Whether the objects `later` added to or changed from `signed` only add signatures (a
/// signature and its field, the form's list of fields, a page's list of annotations, an
/// appearance, validation data), and change nothing the earlier signature covered.
fn changes_only_sign(signed: &Document, later: &Document) -> Result<(), String> {
    // Signing tools note the time in the document information and the XMP: the signed
    // revision's own, each still what it was.
    let info = signed.trailer.get(b"Info").and_then(Object::as_reference).ok();
    let xmp = signed.catalog().ok().and_then(|catalog| catalog.get(b"Metadata").and_then(Object::as_reference).ok());
    for (id, object) in &later.objects {
        match signed.objects.get(id) {
            Some(before) if before == object => {}
            Some(before) if Some(*id) == info && before.as_dict().is_ok() && object.as_dict().is_ok() => {}
            Some(before) if Some(*id) == xmp && is_xmp(before) && is_xmp(object) => {}
            Some(before) => changed_only_signing_keys(id, before, object)?,
            None => added_only_signing(id, object)?,
        }
    }
    match signed.objects.keys().find(|id| !later.objects.contains_key(id)) {
        Some(id) => Err(format!("object {} {} was removed", id.0, id.1)),
        None => Ok(()),
    }
}

/// Whether `later` adds to `signed` nothing but validation data and document timestamps:
/// new DSS and VRI dictionaries, untyped streams (certificates, CRLs), cross-reference
/// streams, document-timestamp dictionaries and their fields, each its own widget on no
/// page and with no appearance; and in the catalog, which must stay the catalog, only a
/// new `/DSS`, `/Extensions`, and the form's list of fields grown by those fields.
fn adds_only_validation_data(signed: &Document, later: &Document) -> Result<(), String> {
    let root = |document: &Document| document.trailer.get(b"Root").and_then(Object::as_reference).ok();
    let catalog_id = root(signed).ok_or("the signed revision has no catalog")?;
    if root(later) != Some(catalog_id) {
        return Err("the document catalog was replaced".into());
    }
    let mut timestamp_fields = Vec::new();
    for (id, object) in &later.objects {
        if signed.objects.contains_key(id) {
            continue;
        }
        let dictionary = match object {
            Object::Dictionary(dictionary) => dictionary,
            Object::Stream(stream) => &stream.dict,
            _ => return Err(format!("object {} {} was added, and it is not validation data", id.0, id.1)),
        };
        let name = |key: &[u8]| dictionary.get(key).and_then(Object::as_name).ok();
        let is_stream = matches!(object, Object::Stream(_));
        let timestamp_field = name(b"FT") == Some(b"Sig")
            && !dictionary.has(b"P")
            && !dictionary.has(b"AP")
            && dictionary
                .get(b"V")
                .and_then(Object::as_reference)
                .ok()
                .and_then(|value| later.get_dictionary(value).ok())
                .is_some_and(|value| value.get(b"Type").and_then(Object::as_name).ok() == Some(b"DocTimeStamp"));
        let allowed = match (name(b"Type"), is_stream) {
            (Some(b"DSS" | b"VRI" | b"DocTimeStamp"), false) => true,
            (Some(b"XRef"), true) => true,
            (None, true) => !dictionary.has(b"Subtype"),
            _ => timestamp_field,
        };
        if !allowed {
            return Err(format!("object {} {} was added, and it is not validation data", id.0, id.1));
        }
        if timestamp_field {
            timestamp_fields.push(Object::Reference(*id));
        }
    }
    for (id, before) in &signed.objects {
        let after = later.objects.get(id).ok_or_else(|| format!("object {} {} was removed", id.0, id.1))?;
        if before == after {
            continue;
        }
        if *id != catalog_id {
            return Err(format!("object {} {} was changed", id.0, id.1));
        }
        let (Ok(before), Ok(after)) = (before.as_dict(), after.as_dict()) else {
            return Err("the document catalog was changed".into());
        };
        let keys: std::collections::BTreeSet<&[u8]> =
            before.iter().chain(after.iter()).map(|(key, _)| key.as_slice()).collect();
        for key in keys {
            let (old, new) = (before.get(key).ok(), after.get(key).ok());
            let fine = old == new
                || matches!(key, b"DSS" | b"Extensions")
                || (key == b"AcroForm" && form_grew_by(signed, old, later, new, &timestamp_fields));
            if !fine {
                return Err(format!("the document catalog was changed (/{})", String::from_utf8_lossy(key)));
            }
        }
    }
    Ok(())
}

/// Whether the form `new` is `old` with only document-timestamp fields added to its list.
fn form_grew_by(
    signed: &Document,
    old: Option<&Object>,
    later: &Document,
    new: Option<&Object>,
    added: &[Object],
) -> bool {
    let resolve = |document: &Document, value: Option<&Object>| -> Option<lopdf::Dictionary> {
        match value? {
            Object::Dictionary(dictionary) => Some(dictionary.clone()),
            Object::Reference(id) => document.get_dictionary(*id).ok().cloned(),
            _ => None,
        }
    };
    let (Some(old), Some(new)) = (resolve(signed, old), resolve(later, new)) else { return false };
    let fields = |form: &lopdf::Dictionary, document: &Document| -> Vec<Object> {
        match form.get(b"Fields") {
            Ok(Object::Array(fields)) => fields.clone(),
            Ok(Object::Reference(id)) => {
                document.get_object(*id).ok().and_then(|o| o.as_array().ok().cloned()).unwrap_or_default()
            }
            _ => Vec::new(),
        }
    };
    let (before, after) = (fields(&old, signed), fields(&new, later));
    let others_same = old.iter().chain(new.iter()).all(|(key, _)| {
        key.as_slice() == b"Fields" || key.as_slice() == b"SigFlags" || old.get(key).ok() == new.get(key).ok()
    });
    others_same
        && after.len() >= before.len()
        && after[..before.len()] == before[..]
        && after[before.len()..].iter().all(|field| added.contains(field))
}

fn is_xmp(object: &Object) -> bool {
    object
        .as_stream()
        .is_ok_and(|stream| stream.dict.get(b"Type").and_then(Object::as_name).ok() == Some(b"Metadata".as_slice()))
}

/// Keys of an existing dictionary that signing may change: the catalog's form, validation
/// data, PDF version and metadata, the form's fields and flags, a page's annotations and
/// tab order.
const SIGNING_KEYS: &[&[u8]] = &[
    b"AcroForm",
    b"DSS",
    b"Perms",
    b"Extensions",
    b"Version",
    b"Metadata",
    b"Fields",
    b"SigFlags",
    b"DA",
    b"DR",
    b"Annots",
    b"Tabs",
];

fn changed_only_signing_keys(id: &lopdf::ObjectId, before: &Object, after: &Object) -> Result<(), String> {
    let (Ok(before), Ok(after)) = (before.as_dict(), after.as_dict()) else {
        return Err(format!("object {} {} was changed", id.0, id.1));
    };
    let keys: std::collections::BTreeSet<&[u8]> =
        before.iter().chain(after.iter()).map(|(key, _)| key.as_slice()).collect();
    for key in keys {
        if before.get(key).ok() != after.get(key).ok() && !SIGNING_KEYS.contains(&key) {
            return Err(format!("object {} {} was changed (/{})", id.0, id.1, String::from_utf8_lossy(key)));
        }
    }
    Ok(())
}

/// New objects that signing adds: signature dictionaries, signature fields and their
/// widgets, appearance streams, validation data (certificates, CRLs, OCSP answers) and
/// cross-reference streams. Anything else new, a page or content above all, is a change.
fn added_only_signing(id: &lopdf::ObjectId, object: &Object) -> Result<(), String> {
    let dictionary = match object {
        Object::Dictionary(dictionary) => dictionary,
        Object::Stream(stream) => &stream.dict,
        Object::Array(_) => return Ok(()),
        _ => return Err(format!("object {} {} was added", id.0, id.1)),
    };
    let name = |key: &[u8]| dictionary.get(key).and_then(Object::as_name).ok();
    let allowed = matches!(name(b"Type"), Some(b"Sig" | b"DocTimeStamp" | b"DSS" | b"VRI" | b"XRef" | b"XObject"))
        || name(b"FT") == Some(b"Sig")
        || (name(b"Subtype") == Some(b"Widget") && dictionary.has(b"Parent"))
        || name(b"Subtype") == Some(b"Form")
        || dictionary.has(b"Fields")
        || (matches!(object, Object::Stream(_)) && !dictionary.has(b"Type") && !dictionary.has(b"Subtype"));
    if allowed { Ok(()) } else { Err(format!("object {} {} was added, and it is not part of a signature", id.0, id.1)) }
}

/// Checks one signature dictionary; returns where its signed range ends.
fn check_pdf_signature(pdf: &[u8], dictionary: &lopdf::Dictionary, trust: &TrustStore) -> Check<(usize, Signature)> {
    let kind = dictionary.get(b"Type").and_then(Object::as_name).ok();
    let sub_filter = dictionary.get(b"SubFilter").and_then(Object::as_name).unwrap_or_default();
    let document_timestamp = match kind {
        Some(b"Sig") if sub_filter == b"ETSI.CAdES.detached" || sub_filter == b"adbe.pkcs7.detached" => false,
        Some(b"DocTimeStamp") if sub_filter == b"ETSI.RFC3161" => true,
        Some(b"Sig" | b"DocTimeStamp") => {
            return rejected(format!("unsupported /SubFilter {}", String::from_utf8_lossy(sub_filter)));
        }
        _ => return rejected("a signature dictionary is not of /Type /Sig or /DocTimeStamp"),
    };
    let Ok(Object::Array(range)) = dictionary.get(b"ByteRange") else {
        return rejected("/ByteRange is missing or not a direct array");
    };
    let range: Vec<i64> = range.iter().map(|item| item.as_i64().unwrap_or(-1)).collect();
    if range.len() != 4 || range.iter().any(|value| *value < 0) || range[0] != 0 {
        return rejected("/ByteRange is not four non-negative integers starting at 0");
    }
    let [_, gap_start, gap_end, tail] = [range[0] as usize, range[1] as usize, range[2] as usize, range[3] as usize];
    let Ok(Object::String(contents, _)) = dictionary.get(b"Contents") else {
        return rejected("/Contents is missing or not a direct string");
    };
    if contents.is_empty() {
        return rejected("/Contents is empty");
    }
    let covered_to = gap_end.checked_add(tail).filter(|end| *end <= pdf.len());
    let Some(covered_to) = covered_to.filter(|_| gap_start < gap_end) else {
        return rejected("/ByteRange points outside the file");
    };
    check_gap(pdf, gap_start, gap_end, contents)?;
    let der_length =
        der_length(contents).ok_or_else(|| Invalid::Rejected("/Contents is not a DER structure".into()))?;
    if contents[der_length..].iter().any(|byte| *byte != 0) {
        return rejected("/Contents has data after the signature");
    }
    let mut signed_bytes = Vec::with_capacity(gap_start + tail);
    signed_bytes.extend_from_slice(&pdf[..gap_start]);
    signed_bytes.extend_from_slice(&pdf[gap_end..covered_to]);
    if document_timestamp {
        let imprint = pkix::sha256_imprint(&signed_bytes);
        let info = tsp::check_token(&contents[..der_length], &imprint, Some(trust))
            .map_err(|invalid| invalid.within("document timestamp"))?;
        let stamped = Signature {
            kind: DOCUMENT_TIMESTAMP,
            signer: info.tsa.clone(),
            claimed_time: Some(info.gen_time.to_system_time()),
            timestamp: Some(info),
        };
        return Ok((covered_to, stamped));
    }
    let signed = check_cms(&contents[..der_length], |algorithm| pkix::hash(algorithm, &signed_bytes), trust)?;
    let claimed_time = dictionary.get(b"M").ok().and_then(|m| m.as_str().ok()).and_then(parse_pdf_date);
    let signature = Signature {
        kind: "PAdES",
        signer: signed.signer,
        claimed_time: claimed_time.or(signed.signing_time),
        timestamp: signed.timestamp,
    };
    Ok((covered_to, signature))
}

/// The gap the `/ByteRange` leaves must hold exactly this dictionary's `/Contents`.
fn check_gap(pdf: &[u8], gap_start: usize, gap_end: usize, contents: &[u8]) -> Check<()> {
    let gap = &pdf[gap_start..gap_end];
    if gap.first() != Some(&b'<')
        || gap.last() != Some(&b'>')
        || !gap[1..gap.len() - 1].iter().all(u8::is_ascii_hexdigit)
    {
        return rejected("the gap in /ByteRange does not hold exactly the /Contents hex string");
    }
    let before = String::from_utf8_lossy(&pdf[gap_start.saturating_sub(16)..gap_start]);
    if !before.trim_end().ends_with("/Contents") {
        return rejected("/ByteRange does not point at this signature's /Contents");
    }
    let hex = &gap[1..gap.len() - 1];
    let decoded: Vec<u8> = hex
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("zz"), 16).unwrap_or(0))
        .collect();
    if decoded != contents {
        return rejected("/ByteRange points at a different /Contents than this signature's");
    }
    Ok(())
}

/// The length of the DER element at the start of `bytes`, header included.
fn der_length(bytes: &[u8]) -> Option<usize> {
    let first = *bytes.get(1)?;
    let (length, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let count = (first & 0x7f) as usize;
        if count == 0 || count > 4 {
            return None;
        }
        let length = bytes.get(2..2 + count)?.iter().fold(0usize, |acc, byte| acc << 8 | *byte as usize);
        (length, 2 + count)
    };
    let total = header.checked_add(length)?;
    (total <= bytes.len()).then_some(total)
}

/// `D:20261102000000Z` or `D:20261102000000+02'00'` to a time.
fn parse_pdf_date(raw: &[u8]) -> Option<SystemTime> {
    let text = std::str::from_utf8(raw).ok()?.strip_prefix("D:")?;
    let number = |range: std::ops::Range<usize>| text.get(range).and_then(|part| part.parse::<u32>().ok());
    let date = crate::time::Date {
        year: number(0..4)? as u16,
        month: number(4..6).unwrap_or(1) as u8,
        day: number(6..8).unwrap_or(1) as u8,
    };
    let seconds = number(8..10).unwrap_or(0) * 3600 + number(10..12).unwrap_or(0) * 60 + number(12..14).unwrap_or(0);
    let mut time = date.start() + std::time::Duration::from_secs(seconds.into());
    if let (Some(sign), Some(hours), Some(minutes)) = (text.get(14..15), number(15..17), number(18..20)) {
        let offset = std::time::Duration::from_secs((hours * 3600 + minutes * 60).into());
        time = match sign {
            "+" => time - offset,
            "-" => time + offset,
            _ => time,
        };
    }
    Some(time)
}

struct SignedBy {
    signer: String,
    signing_time: Option<SystemTime>,
    timestamp: Option<TokenInfo>,
}

/// Checks a CMS signature over content whose digest `content_digest` computes, its
/// timestamp if it has one, and the chains of both to the trust anchors.
fn check_cms(
    cms: &[u8],
    content_digest: impl Fn(&ObjectIdentifier) -> Option<Vec<u8>>,
    trust: &TrustStore,
) -> Check<SignedBy> {
    let checked = signed_data::check(cms, Content::Detached(&content_digest), true)?;
    let timestamp = match checked.unsigned_attribute(ID_SIGNATURE_TIME_STAMP_TOKEN)? {
        Some(token) => {
            let imprint = pkix::sha256_imprint(checked.signer_info.signature.as_bytes());
            Some(tsp::check_token(&token, &imprint, Some(trust)).map_err(|invalid| invalid.within("timestamp"))?)
        }
        None => None,
    };
    // With a timestamp, the signer's certificate must have been valid when it was stamped;
    // without one, nothing but the signer's word vouches for the time, so it must be valid now.
    let at = timestamp.as_ref().map_or_else(SystemTime::now, |info| info.gen_time.to_system_time());
    trust.validate(&checked.signer, &checked.certificates, at, Usage::DocumentSigning)?;
    Ok(SignedBy { signer: pkix::certs::common_name(&checked.signer), signing_time: checked.signing_time, timestamp })
}

/// Checks a token that stamps `data` itself (an archived bag's tag manifest).
pub fn check_token_over(token: &[u8], data: &[u8], trust: &TrustStore) -> Check<TokenInfo> {
    tsp::check_token(token, &pkix::sha256_imprint(data), Some(trust))
}
