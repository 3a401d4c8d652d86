//! PAdES baseline B-B: a CMS signature inside the PDF, appended as an incremental update
//! so that every byte of the unsigned PDF stays in place as the signed file's prefix.
//!
//! The update adds an invisible signature field (a zero-size widget, printable, with an
//! empty appearance), the catalog's `/AcroForm`, the first page's `/Annots` and `/Tabs /S`,
//! and a `Form` structure element for the widget: what PDF/A-2 and PDF/UA-1 ask of a
//! signed file. Nothing in `/Info` or the XMP changes.

use std::time::SystemTime;

use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};
use ring::digest::{Context, SHA256};

use super::cms::Signed;
use super::keys::Identity;
use crate::error::Error;
use crate::pdf::{Reader, Update, append};
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

/// What an update adds: a signature by a signer at a time, or a document timestamp
/// (PAdES B-LTA) over a file already signed.
enum Field<'a> {
    Signature { signer: &'a str, time: SystemTime },
    DocumentTimestamp,
}

impl Field<'_> {
    /// The field's name, what a screen reader says of it, and its value's dictionary.
    fn describe(&self) -> (&'static str, String, Dictionary) {
        let mut value = Dictionary::new();
        value.set("Filter", Object::Name(b"Adobe.PPKLite".to_vec()));
        match self {
            Field::Signature { signer, time } => {
                value.set("Type", Object::Name(b"Sig".to_vec()));
                value.set("SubFilter", Object::Name(b"ETSI.CAdES.detached".to_vec()));
                value.set("M", Object::string_literal(pdf_date(*time)));
                value.set("Name", text_string(signer));
                ("Signature1", signer.to_string(), value)
            }
            Field::DocumentTimestamp => {
                value.set("Type", Object::Name(b"DocTimeStamp".to_vec()));
                value.set("SubFilter", Object::Name(b"ETSI.RFC3161".to_vec()));
                ("DocumentTimestamp1", "Aikaleima – Tidsstämpel (RFC 3161)".to_owned(), value)
            }
        }
    }
}

/// Finds the catalog and the first page; for a signature, refuses a file whose form
/// already holds one.
fn find_target(reader: &Reader, field: &Field) -> Result<Target, Error> {
    let adding = field;
    let (root, catalog) = reader.catalog().map_err(|message| pdf_error("PDF", message))?;
    let mut fields: Vec<(Object, usize)> = reader
        .dictionary(catalog.get(b"AcroForm").ok())
        .and_then(|form| form.get(b"Fields").ok().and_then(|fields| reader.resolve(fields)))
        .and_then(|fields| fields.as_array().ok().cloned())
        .unwrap_or_default()
        .into_iter()
        .map(|field| (field, 0))
        .collect();
    while let Some((field, depth)) = fields.pop() {
        let Some(field) = reader.dictionary(Some(&field)) else { continue };
        if field.get(b"FT").and_then(Object::as_name).ok() == Some(b"Sig".as_slice())
            && field.has(b"V")
            && matches!(adding, Field::Signature { .. })
        {
            return Err(pdf_error("PDF", "the PDF is already signed; seloste signs only unsigned notices"));
        }
        if depth < 16
            && let Some(Object::Array(kids)) = field.get(b"Kids").ok().and_then(|kids| reader.resolve(kids))
        {
            fields.extend(kids.into_iter().map(|kid| (kid, depth + 1)));
        }
    }

    let no_pages = || pdf_error("PDF", "the PDF has no pages");
    let mut node = catalog.get(b"Pages").and_then(Object::as_reference).map_err(|_| no_pages())?;
    for _ in 0..32 {
        let dict = reader.dictionary(Some(&Object::Reference(node))).ok_or_else(no_pages)?;
        if dict.get(b"Type").and_then(Object::as_name).ok() == Some(b"Page".as_slice()) {
            return Ok(Target { root, catalog, first_page: node, page: dict });
        }
        let kids = dict.get(b"Kids").ok().and_then(|kids| reader.resolve(kids));
        node = kids.and_then(|kids| kids.as_array().ok()?.first()?.as_reference().ok()).ok_or_else(no_pages)?;
    }
    Err(no_pages())
}

/// The objects of the update, new ones numbered from `next_id`: the signature (whose
/// `/Contents` the writer reserves), its empty appearance, the widget and its structure
/// element, and the catalog, first page and structure tree with them added.
fn update_objects(reader: &Reader, field: &Field) -> Result<Update, Error> {
    let target = find_target(reader, field)?;
    let (name, signer, mut signature) = field.describe();
    let signer = signer.as_str();
    let next_id = reader.next_id().map_err(|message| pdf_error("PDF", message))?;
    let signature_id = (next_id, 0);
    let appearance_id = (next_id + 1, 0);
    let widget_id = (next_id + 2, 0);
    let element_id = (next_id + 3, 0);
    signature.set(
        "ByteRange",
        Object::Array(vec![
            0.into(),
            BYTE_RANGE_PLACEHOLDER.into(),
            BYTE_RANGE_PLACEHOLDER.into(),
            BYTE_RANGE_PLACEHOLDER.into(),
        ]),
    );

    let mut appearance = Dictionary::new();
    appearance.set("Type", Object::Name(b"XObject".to_vec()));
    appearance.set("Subtype", Object::Name(b"Form".to_vec()));
    appearance.set("BBox", Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]));

    if let Field::DocumentTimestamp = field {
        // The field is its own zero-size widget, on no page: no page, annotation list or
        // structure tree of the signed revisions changes (PDF/UA-1 tags annotations of
        // pages), only the form's list of fields.
        let widget_free = Dictionary::from_iter([
            ("FT", Object::Name(b"Sig".to_vec())),
            ("T", Object::string_literal(name)),
            ("TU", text_string(signer)),
            ("V", Object::Reference(signature_id)),
            ("Type", Object::Name(b"Annot".to_vec())),
            ("Subtype", Object::Name(b"Widget".to_vec())),
            ("Rect", Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()])),
            ("F", Object::Integer(4)),
        ]);
        let mut catalog = target.catalog;
        add_to_form(reader, &mut catalog, appearance_id);
        return Ok(Update {
            objects: vec![
                (signature_id, Object::Dictionary(signature)),
                (appearance_id, Object::Dictionary(widget_free)),
                (target.root, Object::Dictionary(catalog)),
            ],
            reserve: Some((signature_id, 0)),
        });
    }

    let mut widget = Dictionary::new();
    widget.set("Type", Object::Name(b"Annot".to_vec()));
    widget.set("Subtype", Object::Name(b"Widget".to_vec()));
    widget.set("FT", Object::Name(b"Sig".to_vec()));
    widget.set("T", Object::string_literal(name));
    widget.set("TU", text_string(signer));
    widget.set("V", Object::Reference(signature_id));
    widget.set("P", Object::Reference(target.first_page));
    widget.set("Rect", Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]));
    widget.set("F", Object::Integer(4));
    widget.set("AP", Object::Dictionary(Dictionary::from_iter([("N", Object::Reference(appearance_id))])));

    let mut catalog = target.catalog;
    add_to_form(reader, &mut catalog, widget_id);

    let mut page = target.page;
    page.set("Annots", with_reference(reader, &page, b"Annots", widget_id));
    page.set("Tabs", Object::Name(b"S".to_vec()));

    let mut objects = vec![
        (signature_id, Object::Dictionary(signature)),
        (appearance_id, Object::Stream(Stream::new(appearance, Vec::new()))),
    ];
    let tagged = TaggedWidget { widget: widget_id, element: element_id, page: target.first_page, alt: signer };
    objects.extend(tag_widget(reader, &mut catalog, &mut widget, &tagged)?);
    objects.push((widget_id, Object::Dictionary(widget)));
    objects.push((target.root, Object::Dictionary(catalog)));
    objects.push((target.first_page, Object::Dictionary(page)));
    Ok(Update { objects, reserve: Some((signature_id, 0)) })
}

/// Adds `field` to the catalog's form: a form the file already has keeps its fields and
/// settings, and the new field joins them.
fn add_to_form(reader: &Reader, catalog: &mut Dictionary, field: ObjectId) {
    let mut acroform = reader.dictionary(catalog.get(b"AcroForm").ok()).unwrap_or_default();
    acroform.set("Fields", with_reference(reader, &acroform, b"Fields", field));
    acroform.set("SigFlags", Object::Integer(3));
    catalog.set("AcroForm", Object::Dictionary(acroform));
}

/// The array at `key` in `dictionary` (direct or referred to), with a reference to `id`
/// added at its end: a page's annotations, a form's fields.
fn with_reference(reader: &Reader, dictionary: &Dictionary, key: &[u8], id: ObjectId) -> Object {
    let mut items = dictionary
        .get(key)
        .ok()
        .and_then(|items| reader.resolve(items))
        .and_then(|items| items.as_array().ok().cloned())
        .unwrap_or_default();
    items.push(Object::Reference(id));
    Object::Array(items)
}

/// The widget annotation and where it goes in the structure tree.
struct TaggedWidget<'a> {
    widget: ObjectId,
    element: ObjectId,
    page: ObjectId,
    /// What a screen reader says of the signature.
    alt: &'a str,
}

/// Puts the signature widget in the structure tree, as PDF/UA-1 (7.18.1, 7.18.4) asks of
/// every annotation: a `Form` element, child of the document element, whose content is
/// the widget (an object reference), with the widget's `/StructParent` entry in the
/// parent tree. Returns the element and the tree objects it changes; an untagged PDF is
/// left untagged.
fn tag_widget(
    reader: &Reader,
    catalog: &mut Dictionary,
    widget: &mut Dictionary,
    tagged: &TaggedWidget,
) -> Result<Vec<(ObjectId, Object)>, Error> {
    let Some(tree_value) = catalog.get(b"StructTreeRoot").ok().cloned() else { return Ok(Vec::new()) };
    let broken = |what: &str| pdf_error("PDF structure tree", format!("{what} cannot be read"));
    let mut tree = reader.dictionary(Some(&tree_value)).ok_or_else(|| broken("the structure tree root"))?;
    let mut changed = Vec::new();

    let parent_tree_value = tree.get(b"ParentTree").ok().cloned().ok_or_else(|| broken("the parent tree"))?;
    let mut parent_tree = reader.dictionary(Some(&parent_tree_value)).ok_or_else(|| broken("the parent tree"))?;
    let key = match tree.get(b"ParentTreeNextKey").and_then(Object::as_i64) {
        Ok(key) => key,
        Err(_) => highest_key(reader, &parent_tree, 0).map_or(0, |highest| highest + 1),
    };
    add_number(&mut parent_tree, key, Object::Reference(tagged.element));
    tree.set("ParentTreeNextKey", Object::Integer(key + 1));
    tree.set("ParentTree", replace(&parent_tree_value, parent_tree, &mut changed));

    // The element's parent: the document element, or the root if it has several children.
    let children = tree.get(b"K").ok().and_then(|children| reader.resolve(children));
    let document_element = match children {
        Some(Object::Array(kids)) if kids.len() == 1 => kids[0].as_reference().ok(),
        Some(_) => tree.get(b"K").ok().and_then(|kid| kid.as_reference().ok()),
        None => None,
    }
    .filter(|id| reader.dictionary(Some(&Object::Reference(*id))).is_some_and(|kid| kid.has(b"S")));
    let parent = match document_element {
        Some(id) => {
            let mut element =
                reader.dictionary(Some(&Object::Reference(id))).ok_or_else(|| broken("the document element"))?;
            element.set("K", with_child(element.get(b"K").ok(), tagged.element));
            changed.push((id, Object::Dictionary(element)));
            Object::Reference(id)
        }
        None => {
            tree.set("K", with_child(tree.get(b"K").ok(), tagged.element));
            tree_value.as_reference().map_or(Object::Null, Object::Reference)
        }
    };
    catalog.set("StructTreeRoot", replace(&tree_value, tree, &mut changed));

    let mut content = Dictionary::new();
    content.set("Type", Object::Name(b"OBJR".to_vec()));
    content.set("Obj", Object::Reference(tagged.widget));
    content.set("Pg", Object::Reference(tagged.page));
    let mut element = Dictionary::new();
    element.set("Type", Object::Name(b"StructElem".to_vec()));
    element.set("S", Object::Name(b"Form".to_vec()));
    if !matches!(parent, Object::Null) {
        element.set("P", parent);
    }
    element.set("Pg", Object::Reference(tagged.page));
    element.set("Alt", text_string(tagged.alt));
    element.set("K", Object::Dictionary(content));
    changed.push((tagged.element, Object::Dictionary(element)));
    widget.set("StructParent", Object::Integer(key));
    Ok(changed)
}

/// The new value of a dictionary that was `original`: a new version of the object it
/// refers to (recorded in `changed`), or the dictionary itself if it was direct.
fn replace(original: &Object, dict: Dictionary, changed: &mut Vec<(ObjectId, Object)>) -> Object {
    match original {
        Object::Reference(id) => {
            changed.push((*id, Object::Dictionary(dict)));
            Object::Reference(*id)
        }
        _ => Object::Dictionary(dict),
    }
}

/// `/K` with `child` appended, whether it held one kid or an array of them.
fn with_child(kids: Option<&Object>, child: ObjectId) -> Object {
    let mut kids = match kids {
        Some(Object::Array(kids)) => kids.clone(),
        Some(kid) => vec![kid.clone()],
        None => Vec::new(),
    };
    kids.push(Object::Reference(child));
    Object::Array(kids)
}

/// Adds `key` to a number tree whose keys are all below it: to the root's `/Nums`, or as
/// a new leaf after the root's `/Kids`.
fn add_number(tree: &mut Dictionary, key: i64, value: Object) {
    if let Ok(Object::Array(kids)) = tree.get(b"Kids") {
        let mut leaf = Dictionary::new();
        leaf.set("Limits", Object::Array(vec![key.into(), key.into()]));
        leaf.set("Nums", Object::Array(vec![key.into(), value]));
        let mut kids = kids.clone();
        kids.push(Object::Dictionary(leaf));
        tree.set("Kids", Object::Array(kids));
    } else {
        let mut nums = tree.get(b"Nums").and_then(Object::as_array).cloned().unwrap_or_default();
        nums.extend([key.into(), value]);
        tree.set("Nums", Object::Array(nums));
    }
}

/// The highest key of a number tree, for a tree root without `/ParentTreeNextKey`.
fn highest_key(reader: &Reader, node: &Dictionary, depth: usize) -> Option<i64> {
    let own = node.get(b"Nums").and_then(Object::as_array).ok().into_iter().flatten().step_by(2);
    let mut highest = own.filter_map(|key| key.as_i64().ok()).max();
    if depth < 16
        && let Ok(kids) = node.get(b"Kids").and_then(Object::as_array)
    {
        for kid in kids.iter().filter_map(|kid| reader.dictionary(Some(kid))) {
            highest = highest.max(highest_key(reader, &kid, depth + 1));
        }
    }
    highest
}

/// Signs `pdf` as `identity`, at `time`, with the CMS that `build_cms` makes from the
/// SHA-256 of the signed ranges, in a `/Contents` of `capacity` bytes. Returns the signed
/// file and the CMS.
pub fn sign_pdf(
    pdf: &[u8],
    identity: &Identity,
    time: SystemTime,
    capacity: usize,
    build_cms: impl FnOnce(&[u8]) -> Result<Signed, Error>,
) -> Result<(Vec<u8>, Signed), Error> {
    let signer = identity.common_name();
    let mut made = None;
    let signed = fill_field(pdf, &Field::Signature { signer: &signer, time }, capacity, |range_digest| {
        let cms = build_cms(range_digest)?;
        let der = cms.der.clone();
        made = Some(cms);
        Ok(der)
    })?;
    Ok((signed, made.expect("the CMS was built")))
}

/// Adds a document timestamp (PAdES B-LTA, SubFilter ETSI.RFC3161) as an incremental
/// update: `stamp` gets the SHA-256 of everything but the token's own place and returns
/// the token (DER), which then covers the whole file, validation data included.
pub fn add_document_timestamp(
    pdf: &[u8],
    stamp: impl FnOnce(&[u8]) -> Result<Vec<u8>, Error>,
) -> Result<Vec<u8>, Error> {
    fill_field(pdf, &Field::DocumentTimestamp, TOKEN_ALLOWANCE, stamp)
}

/// Appends `field` with `/Contents` of `capacity` bytes reserved, sets its `/ByteRange`,
/// and fills `/Contents` with what `contents` makes from the SHA-256 of the covered bytes.
fn fill_field(
    pdf: &[u8],
    field: &Field,
    capacity: usize,
    contents: impl FnOnce(&[u8]) -> Result<Vec<u8>, Error>,
) -> Result<Vec<u8>, Error> {
    let reader = Reader::open(pdf).map_err(|message| pdf_error("PDF", message))?;
    let mut update = update_objects(&reader, field)?;
    update.reserve = update.reserve.map(|(id, _)| (id, capacity));
    let mut signed = append(pdf, reader, update).map_err(|message| pdf_error("PDF", message))?;

    let (contents_start, contents_end) = find_contents_placeholder(&signed, pdf.len(), capacity)?;
    let byte_range = [0, contents_start, contents_end, signed.len() - contents_end];
    write_byte_range(&mut signed, pdf.len(), byte_range)?;

    let mut covered = Context::new(&SHA256);
    covered.update(&signed[..contents_start]);
    covered.update(&signed[contents_end..]);
    let der = contents(covered.finish().as_ref())?;
    if der.len() > capacity {
        return Err(pdf_error(
            "PDF signature",
            format!("the signature ({} bytes) does not fit the {capacity} bytes reserved", der.len()),
        ));
    }
    let hex = crate::hex::encode(&der);
    signed[contents_start + 1..contents_start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(signed)
}

/// Appends the Document Security Store (ISO 32000-2 §12.8.4.3, ETSI EN 319 142-1 B-LT)
/// as an incremental update: the certificates and CRLs (DER) a validator needs, each a
/// stream, named from the catalog's `/DSS`. The signed revision stays the file's prefix,
/// so the signature still covers exactly what it covered.
pub fn add_dss(pdf: &[u8], certificates: &[Vec<u8>], crls: &[Vec<u8>]) -> Result<Vec<u8>, Error> {
    let reader = Reader::open(pdf).map_err(|message| pdf_error("PDF", message))?;
    let (root, mut catalog) = reader.catalog().map_err(|message| pdf_error("PDF", message))?;
    let mut next_id = reader.next_id().map_err(|message| pdf_error("PDF", message))?;
    let mut objects = Vec::new();
    let mut streams = |items: &[Vec<u8>]| -> Object {
        let mut references = Vec::new();
        for item in items {
            let id = (next_id, 0);
            next_id += 1;
            objects.push((id, Object::Stream(Stream::new(Dictionary::new(), item.clone()))));
            references.push(Object::Reference(id));
        }
        Object::Array(references)
    };
    let mut dss = Dictionary::new();
    dss.set("Type", Object::Name(b"DSS".to_vec()));
    dss.set("Certs", streams(certificates));
    if !crls.is_empty() {
        dss.set("CRLs", streams(crls));
    }
    let dss_id = (next_id, 0);
    objects.push((dss_id, Object::Dictionary(dss)));
    catalog.set("DSS", Object::Reference(dss_id));
    // The DSS extends ISO 32000-1, on which PDF/A-2 rests; declared as ETSI's developer
    // extension (ESIC), at the level pyHanko also writes.
    let mut extensions = reader.dictionary(catalog.get(b"Extensions").ok()).unwrap_or_default();
    extensions.set(
        "ESIC",
        Object::Dictionary(Dictionary::from_iter([
            ("BaseVersion", Object::Name(b"1.7".to_vec())),
            ("ExtensionLevel", Object::Integer(1)),
        ])),
    );
    catalog.set("Extensions", Object::Dictionary(extensions));
    objects.push((root, Object::Dictionary(catalog)));
    append(pdf, reader, Update { objects, reserve: None }).map_err(|message| pdf_error("PDF", message))
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
