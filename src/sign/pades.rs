//! PAdES baseline B-B: a CMS signature inside the PDF, appended as an incremental update
//! so that every byte of the unsigned PDF stays in place as the signed file's prefix.
//!
//! The update adds an invisible signature field (a zero-size widget, printable, with an
//! empty appearance), the catalog's `/AcroForm`, and the first page's `/Annots` and
//! `/Tabs /S`: what PDF/A-2 and PDF/UA-1 ask of a signed file. Nothing in `/Info` or the
//! XMP changes.

use std::time::SystemTime;

use lopdf::{Dictionary, Document, IncrementalDocument, Object, ObjectId, Stream, StringFormat, Writer};
use ring::digest::{Context, SHA256};

use super::cms::Signed;
use super::keys::Identity;
use super::pdf_objects::ClassicPdf;
use crate::error::Error;
use crate::pkix::TokenInfo;
use crate::time::format_time;

/// Bytes reserved in `/Contents` for what a CMS holds beyond its certificates: signed
/// attributes, the signature value (512 bytes for RSA-4096) and the ASN.1 around them.
const CMS_OVERHEAD: usize = 2048;
/// Bytes reserved for a timestamp token: the TSA's signature and its certificates, which
/// only the TSA's answer tells, so with room for a chain of several.
const TOKEN_ALLOWANCE: usize = 16 * 1024;

/// The bytes `/Contents` reserves for the CMS of a signature with these certificates.
/// The reserved hex doubles the signed file's size, so it is sized to what is needed.
pub fn contents_capacity(certificates_size: usize, timestamped: bool) -> usize {
    certificates_size + CMS_OVERHEAD + if timestamped { TOKEN_ALLOWANCE } else { 0 }
}
/// The `/ByteRange` is written with this placeholder, then overwritten in place with the
/// real offsets padded to the same width.
const BYTE_RANGE_PLACEHOLDER: i64 = 9_999_999_999;

fn pdf_error(what: &str, message: impl std::fmt::Display) -> Error {
    Error::Signing { what: what.into(), message: message.to_string() }
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
    let text = format_time(time);
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    format!("D:{digits}Z")
}

/// What the update changes, read from the unsigned file: its catalog and first page.
struct Target {
    root: ObjectId,
    catalog: Dictionary,
    first_page: ObjectId,
    page: Dictionary,
}

/// Finds the catalog and the first page through `object`, and refuses a file whose form
/// already holds a signature.
fn find_target(trailer: &Dictionary, object: impl Fn(ObjectId) -> Option<Object>) -> Result<Target, Error> {
    let resolve = |value: &Object| match value {
        Object::Reference(id) => object(*id),
        direct => Some(direct.clone()),
    };
    let root = trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|err| pdf_error("PDF", format!("no document catalog: {err}")))?;
    let catalog = object(root)
        .and_then(|catalog| catalog.as_dict().ok().cloned())
        .ok_or_else(|| pdf_error("PDF", "the document catalog cannot be read"))?;

    let mut fields: Vec<(Object, usize)> = catalog
        .get(b"AcroForm")
        .ok()
        .and_then(resolve)
        .and_then(|form| form.as_dict().ok().and_then(|form| form.get(b"Fields").ok()).and_then(resolve))
        .and_then(|fields| fields.as_array().ok().cloned())
        .unwrap_or_default()
        .into_iter()
        .map(|field| (field, 0))
        .collect();
    while let Some((field, depth)) = fields.pop() {
        let Some(Object::Dictionary(field)) = resolve(&field) else { continue };
        if field.get(b"FT").and_then(Object::as_name).ok() == Some(b"Sig".as_slice()) && field.has(b"V") {
            return Err(pdf_error("PDF", "the PDF is already signed; seloste signs only unsigned notices"));
        }
        if depth < 16
            && let Some(Object::Array(kids)) = field.get(b"Kids").ok().and_then(resolve)
        {
            fields.extend(kids.into_iter().map(|kid| (kid, depth + 1)));
        }
    }

    let no_pages = || pdf_error("PDF", "the PDF has no pages");
    let mut node = catalog.get(b"Pages").and_then(Object::as_reference).map_err(|_| no_pages())?;
    for _ in 0..32 {
        let dict = object(node).and_then(|node| node.as_dict().ok().cloned()).ok_or_else(no_pages)?;
        if dict.get(b"Type").and_then(Object::as_name).ok() == Some(b"Page".as_slice()) {
            return Ok(Target { root, catalog, first_page: node, page: dict });
        }
        let kids = dict.get(b"Kids").ok().and_then(resolve);
        node = kids.and_then(|kids| kids.as_array().ok()?.first()?.as_reference().ok()).ok_or_else(no_pages)?;
    }
    Err(no_pages())
}

/// The objects of the update, numbered from `next_id`: the signature (without its
/// `/Contents`, which each writer reserves), its empty appearance, the widget, and the
/// catalog and first page with the form and the widget added. The first is the signature.
fn update_objects(
    target: Target,
    next_id: u32,
    object: impl Fn(ObjectId) -> Option<Object>,
    signer: &str,
    time: SystemTime,
) -> Vec<(ObjectId, Object)> {
    let (signature_id, appearance_id, widget_id) = ((next_id, 0), (next_id + 1, 0), (next_id + 2, 0));
    let mut signature = Dictionary::new();
    signature.set("Type", Object::Name(b"Sig".to_vec()));
    signature.set("Filter", Object::Name(b"Adobe.PPKLite".to_vec()));
    signature.set("SubFilter", Object::Name(b"ETSI.CAdES.detached".to_vec()));
    signature.set(
        "ByteRange",
        Object::Array(vec![
            0.into(),
            BYTE_RANGE_PLACEHOLDER.into(),
            BYTE_RANGE_PLACEHOLDER.into(),
            BYTE_RANGE_PLACEHOLDER.into(),
        ]),
    );
    signature.set("M", Object::string_literal(pdf_date(time)));
    signature.set("Name", text_string(signer));

    let mut appearance = Dictionary::new();
    appearance.set("Type", Object::Name(b"XObject".to_vec()));
    appearance.set("Subtype", Object::Name(b"Form".to_vec()));
    appearance.set("BBox", Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]));

    let mut widget = Dictionary::new();
    widget.set("Type", Object::Name(b"Annot".to_vec()));
    widget.set("Subtype", Object::Name(b"Widget".to_vec()));
    widget.set("FT", Object::Name(b"Sig".to_vec()));
    widget.set("T", Object::string_literal("Signature1"));
    widget.set("TU", text_string(signer));
    widget.set("V", Object::Reference(signature_id));
    widget.set("P", Object::Reference(target.first_page));
    widget.set("Rect", Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]));
    widget.set("F", Object::Integer(4));
    widget.set("AP", Object::Dictionary(Dictionary::from_iter([("N", Object::Reference(appearance_id))])));

    let resolve = |value: Option<&Object>| match value {
        Some(Object::Reference(id)) => object(*id),
        direct => direct.cloned(),
    };
    // A form the file already has keeps its fields and settings; the signature joins them.
    let mut catalog = target.catalog;
    let mut acroform =
        resolve(catalog.get(b"AcroForm").ok()).and_then(|form| form.as_dict().ok().cloned()).unwrap_or_default();
    let mut fields =
        resolve(acroform.get(b"Fields").ok()).and_then(|fields| fields.as_array().ok().cloned()).unwrap_or_default();
    fields.push(Object::Reference(widget_id));
    acroform.set("Fields", Object::Array(fields));
    acroform.set("SigFlags", Object::Integer(3));
    catalog.set("AcroForm", Object::Dictionary(acroform));

    let mut page = target.page;
    let mut annotations =
        resolve(page.get(b"Annots").ok()).and_then(|array| array.as_array().ok().cloned()).unwrap_or_default();
    annotations.push(Object::Reference(widget_id));
    page.set("Annots", Object::Array(annotations));
    page.set("Tabs", Object::Name(b"S".to_vec()));

    vec![
        (signature_id, Object::Dictionary(signature)),
        (appearance_id, Object::Stream(Stream::new(appearance, Vec::new()))),
        (widget_id, Object::Dictionary(widget)),
        (target.root, Object::Dictionary(catalog)),
        (target.first_page, Object::Dictionary(page)),
    ]
}

/// Appends the update to a file with classic cross-reference tables: only the objects
/// the update touches are read, and the update is written here, `/Contents` as a run of
/// zeros copied in rather than formatted byte by byte.
fn append_classic(
    pdf: &[u8],
    objects: &ClassicPdf,
    signer: &str,
    time: SystemTime,
    capacity: usize,
) -> Result<Vec<u8>, Error> {
    let read = |id: ObjectId| objects.object(id);
    let target = find_target(&objects.trailer, read)?;
    let size = objects
        .trailer
        .get(b"Size")
        .and_then(Object::as_i64)
        .map_err(|_| pdf_error("PDF", "the trailer has no /Size"))?;
    let next_id = u32::try_from(size).map_err(|_| pdf_error("PDF", "the trailer's /Size is out of range"))?;
    let mut update = update_objects(target, next_id, read, signer, time);
    update.sort_by_key(|(id, _)| *id);

    let mut signed = Vec::with_capacity(pdf.len() + 2 * capacity + 8192);
    signed.extend_from_slice(pdf);
    if !pdf.ends_with(b"\n") {
        signed.push(b'\n');
    }
    let mut offsets = Vec::new();
    for (id, object) in &update {
        offsets.push((id.0, signed.len()));
        signed.extend_from_slice(format!("{} {} obj\n", id.0, id.1).as_bytes());
        write_object(&mut signed, object)?;
        if id.0 == next_id {
            // The signature: its `/Contents` placeholder goes before the closing `>>`.
            signed.truncate(signed.len() - 2);
            signed.extend_from_slice(b"/Contents<");
            signed.resize(signed.len() + 2 * capacity, b'0');
            signed.extend_from_slice(b">>>");
        }
        signed.extend_from_slice(b"\nendobj\n");
    }

    let xref_start = signed.len();
    signed.extend_from_slice(b"xref\n");
    let mut rest = offsets.as_slice();
    while let Some(&(first, _)) = rest.first() {
        let run = rest.iter().enumerate().take_while(|(index, (id, _))| *id == first + *index as u32).count();
        signed.extend_from_slice(format!("{first} {run}\n").as_bytes());
        for (_, offset) in &rest[..run] {
            signed.extend_from_slice(format!("{offset:010} 00000 n\r\n").as_bytes());
        }
        rest = &rest[run..];
    }
    let mut trailer = Dictionary::new();
    trailer.set("Size", Object::Integer(i64::from(next_id) + 3));
    for key in [b"Root".as_slice(), b"Info", b"ID"] {
        if let Ok(value) = objects.trailer.get(key) {
            trailer.set(key, value.clone());
        }
    }
    trailer.set("Prev", Object::Integer(objects.startxref as i64));
    signed.extend_from_slice(b"trailer\n");
    write_object(&mut signed, &Object::Dictionary(trailer))?;
    signed.extend_from_slice(format!("\nstartxref\n{xref_start}\n%%EOF\n").as_bytes());
    Ok(signed)
}

fn write_object(out: &mut Vec<u8>, object: &Object) -> Result<(), Error> {
    Writer::write_object(out, object).map_err(|err| pdf_error("PDF", err))
}

/// Appends the update to any other PDF lopdf reads (cross-reference streams, object
/// streams), by loading all of it.
fn append_with_lopdf(pdf: &[u8], signer: &str, time: SystemTime, capacity: usize) -> Result<Vec<u8>, Error> {
    let document = Document::load_mem(pdf).map_err(|err| pdf_error("PDF", format!("not a readable PDF: {err}")))?;
    let read = |id: ObjectId| document.get_object(id).ok().cloned();
    let target = find_target(&document.trailer, read)?;
    let next_id = document.max_id + 1;
    let update = update_objects(target, next_id, read, signer, time);
    let mut incremental = IncrementalDocument::create_from(pdf.to_vec(), document);
    for (id, mut object) in update {
        if id.0 == next_id
            && let Object::Dictionary(signature) = &mut object
        {
            signature.set("Contents", Object::String(vec![0; capacity], StringFormat::Hexadecimal));
        }
        incremental.new_document.set_object(id, object);
    }
    incremental.new_document.max_id = next_id + 2;
    let mut signed = Vec::with_capacity(pdf.len() + 2 * capacity + 8192);
    incremental.save_to(&mut signed).map_err(|err| pdf_error("PDF", err))?;
    Ok(signed)
}

/// Signs `pdf` as `identity`, at `time`, with the CMS that `build_cms` makes from the
/// SHA-256 of the signed ranges, in a `/Contents` of `capacity` bytes. Returns the signed
/// file and the timestamp the CMS carries.
pub fn sign_pdf(
    pdf: &[u8],
    identity: &Identity,
    time: SystemTime,
    capacity: usize,
    build_cms: impl FnOnce(&[u8]) -> Result<Signed, Error>,
) -> Result<(Vec<u8>, Option<TokenInfo>), Error> {
    let signer = identity.common_name();
    let mut signed = match ClassicPdf::read(pdf) {
        Some(objects) => append_classic(pdf, &objects, &signer, time, capacity)?,
        None => append_with_lopdf(pdf, &signer, time, capacity)?,
    };
    if !signed.starts_with(pdf) {
        return Err(pdf_error("PDF", "the incremental update did not keep the original bytes"));
    }

    let (contents_start, contents_end) = find_contents_placeholder(&signed, pdf.len(), capacity)?;
    let byte_range = [0, contents_start, contents_end, signed.len() - contents_end];
    write_byte_range(&mut signed, pdf.len(), byte_range)?;

    let mut covered = Context::new(&SHA256);
    covered.update(&signed[..contents_start]);
    covered.update(&signed[contents_end..]);
    let cms = build_cms(covered.finish().as_ref())?;
    if cms.der.len() > capacity {
        return Err(pdf_error(
            "PDF signature",
            format!("the signature ({} bytes) does not fit the {capacity} bytes reserved", cms.der.len()),
        ));
    }
    let hex = crate::hex::encode(&cms.der);
    signed[contents_start + 1..contents_start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok((signed, cms.timestamp))
}

/// The offsets of `<` and just after `>` of the zero-filled `/Contents` placeholder,
/// searched for only in the appended update.
fn find_contents_placeholder(signed: &[u8], update_start: usize, capacity: usize) -> Result<(usize, usize), Error> {
    let placeholder_len = 2 * capacity + 2;
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
