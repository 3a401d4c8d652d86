//! Incremental updates: new versions of a few objects appended after a PDF's last byte,
//! so that every byte of the original stays in place as the new file's prefix. The
//! renderer uses one to complete the XMP metadata, signing one to add the signature.

use lopdf::{Dictionary, Document, IncrementalDocument, Object, ObjectId, StringFormat, Writer};

use super::objects::ClassicPdf;

/// A PDF opened for an update: only the objects the update needs are read from a file
/// with classic cross-reference tables (what Typst writes); any other file lopdf loads
/// whole.
pub enum Reader<'a> {
    Classic(ClassicPdf<'a>),
    Loaded(Box<Document>),
}

impl<'a> Reader<'a> {
    pub fn open(pdf: &'a [u8]) -> Result<Reader<'a>, String> {
        match ClassicPdf::read(pdf) {
            Some(classic) => Ok(Reader::Classic(classic)),
            None => Document::load_mem(pdf)
                .map(|document| Reader::Loaded(Box::new(document)))
                .map_err(|err| format!("not a readable PDF: {err}")),
        }
    }

    pub fn trailer(&self) -> &Dictionary {
        match self {
            Reader::Classic(classic) => &classic.trailer,
            Reader::Loaded(document) => &document.trailer,
        }
    }

    pub fn object(&self, id: ObjectId) -> Option<Object> {
        match self {
            Reader::Classic(classic) => classic.object(id),
            Reader::Loaded(document) => document.get_object(id).ok().cloned(),
        }
    }

    /// `value` itself, or the object it refers to.
    pub fn resolve(&self, value: &Object) -> Option<Object> {
        match value {
            Object::Reference(id) => self.object(*id),
            direct => Some(direct.clone()),
        }
    }

    /// The dictionary `value` is or refers to.
    pub fn dictionary(&self, value: Option<&Object>) -> Option<Dictionary> {
        match self.resolve(value?)? {
            Object::Dictionary(dict) => Some(dict),
            _ => None,
        }
    }

    /// The document catalog and its id.
    pub fn catalog(&self) -> Result<(ObjectId, Dictionary), String> {
        let root = self
            .trailer()
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(|err| format!("no document catalog: {err}"))?;
        let catalog = self.dictionary(Some(&Object::Reference(root))).ok_or("the document catalog cannot be read")?;
        Ok((root, catalog))
    }

    /// The first object number the update may use for new objects.
    pub fn next_id(&self) -> Result<u32, String> {
        match self {
            Reader::Classic(classic) => {
                let size =
                    classic.trailer.get(b"Size").and_then(Object::as_i64).map_err(|_| "the trailer has no /Size")?;
                u32::try_from(size).map_err(|_| "the trailer's /Size is out of range".to_owned())
            }
            Reader::Loaded(document) => Ok(document.max_id + 1),
        }
    }
}

/// The objects an update writes: new ones, numbered from [`Reader::next_id`], and new
/// versions of existing ones under their own numbers.
#[derive(Default)]
pub struct Update {
    pub objects: Vec<(ObjectId, Object)>,
    /// A dictionary among `objects` that gets `/Contents` as a hexadecimal string of this
    /// many zero bytes, written last in the dictionary: the room a signature fills in later.
    pub reserve: Option<(ObjectId, usize)>,
}

/// `pdf` with `update` appended.
pub fn append(pdf: &[u8], reader: Reader, update: Update) -> Result<Vec<u8>, String> {
    let capacity = update.reserve.map_or(0, |(_, bytes)| 2 * bytes);
    let mut out = Vec::with_capacity(pdf.len() + capacity + 8192);
    match reader {
        Reader::Classic(classic) => append_classic(pdf, &classic, update, &mut out)?,
        Reader::Loaded(document) => append_loaded(pdf, *document, update, &mut out)?,
    }
    if !out.starts_with(pdf) {
        return Err("the incremental update did not keep the original bytes".into());
    }
    Ok(out)
}

/// Writes the update by hand with lopdf's object writer, `/Contents` as a run of zeros
/// copied in rather than formatted byte by byte.
fn append_classic(pdf: &[u8], classic: &ClassicPdf, mut update: Update, out: &mut Vec<u8>) -> Result<(), String> {
    update.objects.sort_by_key(|(id, _)| *id);
    out.extend_from_slice(pdf);
    if !pdf.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets = Vec::new();
    for (id, object) in &update.objects {
        offsets.push((id.0, out.len()));
        out.extend_from_slice(format!("{} {} obj\n", id.0, id.1).as_bytes());
        Writer::write_object(out, object).map_err(|err| err.to_string())?;
        if let Some((reserved, bytes)) = update.reserve
            && reserved == *id
        {
            if !out.ends_with(b">>") {
                return Err("the object to reserve /Contents in is not a dictionary".into());
            }
            out.truncate(out.len() - 2);
            out.extend_from_slice(b"/Contents<");
            out.resize(out.len() + 2 * bytes, b'0');
            out.extend_from_slice(b">>>");
        }
        out.extend_from_slice(b"\nendobj\n");
    }

    let xref_start = out.len();
    out.extend_from_slice(b"xref\n");
    let mut rest = offsets.as_slice();
    while let Some(&(first, _)) = rest.first() {
        let run = rest.iter().enumerate().take_while(|(index, (id, _))| *id == first + *index as u32).count();
        out.extend_from_slice(format!("{first} {run}\n").as_bytes());
        for (_, offset) in &rest[..run] {
            out.extend_from_slice(format!("{offset:010} 00000 n\r\n").as_bytes());
        }
        rest = &rest[run..];
    }
    let old_size = classic.trailer.get(b"Size").and_then(Object::as_i64).unwrap_or(0);
    let highest = update.objects.iter().map(|(id, _)| i64::from(id.0) + 1).max().unwrap_or(0);
    let mut trailer = Dictionary::new();
    trailer.set("Size", Object::Integer(old_size.max(highest)));
    for key in [b"Root".as_slice(), b"Info", b"ID"] {
        if let Ok(value) = classic.trailer.get(key) {
            trailer.set(key, value.clone());
        }
    }
    trailer.set("Prev", Object::Integer(classic.startxref as i64));
    out.extend_from_slice(b"trailer\n");
    Writer::write_object(out, &Object::Dictionary(trailer)).map_err(|err| err.to_string())?;
    out.extend_from_slice(format!("\nstartxref\n{xref_start}\n%%EOF\n").as_bytes());
    Ok(())
}

/// Writes the update through lopdf's incremental document, for files it had to load whole.
fn append_loaded(pdf: &[u8], document: Document, update: Update, out: &mut Vec<u8>) -> Result<(), String> {
    let max_id = document.max_id.max(update.objects.iter().map(|(id, _)| id.0).max().unwrap_or(0));
    let mut incremental = IncrementalDocument::create_from(pdf.to_vec(), document);
    for (id, mut object) in update.objects {
        if let Some((reserved, bytes)) = update.reserve
            && reserved == id
            && let Object::Dictionary(dict) = &mut object
        {
            dict.set("Contents", Object::String(vec![0; bytes], StringFormat::Hexadecimal));
        }
        incremental.new_document.set_object(id, object);
    }
    incremental.new_document.max_id = max_id;
    incremental.save_to(out).map_err(|err| err.to_string())
}
