//! PAdES baseline B-B: a CMS signature inside the PDF, appended as an incremental update
//! so that every byte of the unsigned PDF stays in place as the signed file's prefix.
//!
//! The update adds an invisible signature field (a zero-size widget, printable, with an
//! empty appearance), the catalog's `/AcroForm`, and the first page's `/Annots` and
//! `/Tabs /S`: what PDF/A-2 and PDF/UA-1 ask of a signed file. Nothing in `/Info` or the
//! XMP changes.

use std::time::SystemTime;

use lopdf::{Dictionary, Document, IncrementalDocument, Object, ObjectId, Stream, StringFormat};
use ring::digest::{SHA256, digest};

use super::keys::Identity;
use crate::error::Error;

/// Bytes reserved for the CMS in `/Contents`: room for a certificate chain and, later, a
/// timestamp token.
pub const CONTENTS_CAPACITY: usize = 24 * 1024;
/// The `/ByteRange` is written with this placeholder, then overwritten in place with the
/// real offsets padded to the same width.
const BYTE_RANGE_PLACEHOLDER: i64 = 9_999_999_999;

fn pdf_error(what: &str, message: impl std::fmt::Display) -> Error {
    Error::Render { what: what.into(), message: message.to_string() }
}

/// A PDF text string: PDFDocEncoding when ASCII, else UTF-16BE with a byte-order mark.
pub fn text_string(text: &str) -> Object {
    if text.is_ascii() {
        Object::String(text.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut bytes = vec![0xFE, 0xFF];
        bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        Object::String(bytes, StringFormat::Hexadecimal)
    }
}

/// `D:20261102000000Z`, the PDF date of `time`.
pub fn pdf_date(time: SystemTime) -> String {
    let text = super::keys::format_time(time);
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    format!("D:{digits}Z")
}

/// The names of the signers already in a PDF: its signature fields that carry a value.
pub fn existing_signatures(document: &Document) -> Vec<ObjectId> {
    document
        .objects
        .iter()
        .filter_map(|(id, object)| {
            let dict = object.as_dict().ok()?;
            let is_signature = dict.get(b"Type").and_then(Object::as_name).ok() == Some(b"Sig".as_slice())
                || dict.get(b"FT").and_then(Object::as_name).ok() == Some(b"Sig".as_slice()) && dict.has(b"V");
            is_signature.then_some(*id)
        })
        .collect()
}

/// Signs `pdf` as `identity`, at `time`, in `/Contents` given by `build_cms` from the
/// SHA-256 of the signed ranges. Returns the signed file.
pub fn sign_pdf(
    pdf: &[u8],
    identity: &Identity,
    time: SystemTime,
    build_cms: impl FnOnce(&[u8]) -> Result<Vec<u8>, Error>,
) -> Result<Vec<u8>, Error> {
    let document = Document::load_mem(pdf).map_err(|err| pdf_error("PDF", format!("not a readable PDF: {err}")))?;
    if !existing_signatures(&document).is_empty() {
        return Err(pdf_error("PDF", "the PDF is already signed; seloste signs only unsigned notices"));
    }
    let root_id = document
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|err| pdf_error("PDF", format!("no document catalog: {err}")))?;
    let first_page = *document.get_pages().get(&1).ok_or_else(|| pdf_error("PDF", "the PDF has no pages"))?;
    let signer = identity.common_name();

    let mut update = IncrementalDocument::create_from(pdf.to_vec(), document);
    let new = &mut update.new_document;
    let mut signature = Dictionary::new();
    signature.set("Type", Object::Name(b"Sig".to_vec()));
    signature.set("Filter", Object::Name(b"Adobe.PPKLite".to_vec()));
    signature.set("SubFilter", Object::Name(b"ETSI.CAdES.detached".to_vec()));
    signature.set("ByteRange", Object::Array(vec![0.into(), BYTE_RANGE_PLACEHOLDER.into(), BYTE_RANGE_PLACEHOLDER.into(), BYTE_RANGE_PLACEHOLDER.into()]));
    signature.set("Contents", Object::String(vec![0; CONTENTS_CAPACITY], StringFormat::Hexadecimal));
    signature.set("M", Object::string_literal(pdf_date(time)));
    signature.set("Name", text_string(&signer));
    let signature_id = new.add_object(signature);

    let mut appearance = Dictionary::new();
    appearance.set("Type", Object::Name(b"XObject".to_vec()));
    appearance.set("Subtype", Object::Name(b"Form".to_vec()));
    appearance.set("BBox", Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]));
    let appearance_id = new.add_object(Stream::new(appearance, Vec::new()));

    let mut widget = Dictionary::new();
    widget.set("Type", Object::Name(b"Annot".to_vec()));
    widget.set("Subtype", Object::Name(b"Widget".to_vec()));
    widget.set("FT", Object::Name(b"Sig".to_vec()));
    widget.set("T", Object::string_literal("Signature1"));
    widget.set("TU", text_string(&signer));
    widget.set("V", Object::Reference(signature_id));
    widget.set("P", Object::Reference(first_page));
    widget.set("Rect", Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]));
    widget.set("F", Object::Integer(4));
    widget.set("AP", Object::Dictionary(Dictionary::from_iter([("N", Object::Reference(appearance_id))])));
    let widget_id = new.add_object(widget);

    update.opt_clone_object_to_new_document(root_id).map_err(|err| pdf_error("PDF catalog", err))?;
    let catalog = update
        .new_document
        .get_object_mut(root_id)
        .and_then(Object::as_dict_mut)
        .map_err(|err| pdf_error("PDF catalog", err))?;
    let mut acroform = Dictionary::new();
    acroform.set("Fields", Object::Array(vec![Object::Reference(widget_id)]));
    acroform.set("SigFlags", Object::Integer(3));
    catalog.set("AcroForm", Object::Dictionary(acroform));

    let existing_annotations = match update.get_prev_documents().get_dictionary(first_page).ok().and_then(|page| page.get(b"Annots").ok()) {
        Some(Object::Array(annotations)) => annotations.clone(),
        Some(Object::Reference(id)) => update.get_prev_documents().get_object(*id).and_then(Object::as_array).cloned().unwrap_or_default(),
        _ => Vec::new(),
    };
    update.opt_clone_object_to_new_document(first_page).map_err(|err| pdf_error("PDF page", err))?;
    let page = update
        .new_document
        .get_object_mut(first_page)
        .and_then(Object::as_dict_mut)
        .map_err(|err| pdf_error("PDF page", err))?;
    let mut annotations = existing_annotations;
    annotations.push(Object::Reference(widget_id));
    page.set("Annots", Object::Array(annotations));
    page.set("Tabs", Object::Name(b"S".to_vec()));

    let mut signed = Vec::with_capacity(pdf.len() + 2 * CONTENTS_CAPACITY + 4096);
    update.save_to(&mut signed).map_err(|err| pdf_error("PDF", err))?;
    if !signed.starts_with(pdf) {
        return Err(pdf_error("PDF", "the incremental update did not keep the original bytes"));
    }

    let (contents_start, contents_end) = find_contents_placeholder(&signed, pdf.len())?;
    let byte_range = [0, contents_start, contents_end, signed.len() - contents_end];
    write_byte_range(&mut signed, pdf.len(), byte_range)?;

    let mut covered = Vec::with_capacity(signed.len());
    covered.extend_from_slice(&signed[..contents_start]);
    covered.extend_from_slice(&signed[contents_end..]);
    let cms = build_cms(digest(&SHA256, &covered).as_ref())?;
    if cms.len() > CONTENTS_CAPACITY {
        return Err(pdf_error("PDF signature", format!("the signature ({} bytes) does not fit the {CONTENTS_CAPACITY} bytes reserved", cms.len())));
    }
    let hex: String = cms.iter().map(|byte| format!("{byte:02x}")).collect();
    signed[contents_start + 1..contents_start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(signed)
}

/// The offsets of `<` and just after `>` of the zero-filled `/Contents` placeholder,
/// searched for only in the appended update.
fn find_contents_placeholder(signed: &[u8], update_start: usize) -> Result<(usize, usize), Error> {
    let placeholder_len = 2 * CONTENTS_CAPACITY + 2;
    let update = &signed[update_start..];
    let start = update
        .windows(10)
        .position(|window| window == b"/Contents<")
        .map(|at| update_start + at + "/Contents".len())
        .ok_or_else(|| pdf_error("PDF signature", "the /Contents placeholder was not written"))?;
    let end = start + placeholder_len;
    let zeros = signed.get(start + 1..end - 1).is_some_and(|hex| hex.iter().all(|&byte| byte == b'0'));
    if !zeros || signed.get(end - 1) != Some(&b'>') {
        return Err(pdf_error("PDF signature", "the /Contents placeholder is not where it was expected"));
    }
    Ok((start, end))
}

/// Overwrites the placeholder `/ByteRange` array with `range`, padded with spaces to the
/// same width so that no offset moves.
fn write_byte_range(signed: &mut [u8], update_start: usize, range: [usize; 4]) -> Result<(), Error> {
    let placeholder = format!("[0 {0} {0} {0}]", BYTE_RANGE_PLACEHOLDER);
    let update = &signed[update_start..];
    let at = update
        .windows(placeholder.len())
        .position(|window| window == placeholder.as_bytes())
        .map(|at| update_start + at)
        .ok_or_else(|| pdf_error("PDF signature", "the /ByteRange placeholder was not written"))?;
    let mut actual = format!("[{} {} {} {}", range[0], range[1], range[2], range[3]);
    while actual.len() < placeholder.len() - 1 {
        actual.push(' ');
    }
    actual.push(']');
    signed[at..at + placeholder.len()].copy_from_slice(actual.as_bytes());
    Ok(())
}
