//! Reads single objects of a PDF whose cross-reference sections are classic tables, as
//! Typst and most producers write them. An update touches a handful of a PDF's objects
//! (trailer, catalog, page tree, first page, metadata); parsing all of them, as a full
//! load does, costs a quarter of what rendering the notice costs. Anything this reader
//! does not handle (cross-reference streams, object streams, encryption, a damaged table)
//! makes it decline, and the caller loads the whole file with lopdf instead.

use std::collections::HashMap;

use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};

/// The newest cross-reference data of a PDF and the offset of each object.
pub struct ClassicPdf<'a> {
    pdf: &'a [u8],
    /// Each object's offset; `None` for an object the newest section lists as free.
    offsets: HashMap<u32, Option<usize>>,
    /// The newest trailer.
    pub trailer: Dictionary,
    /// Where the newest cross-reference section starts: the update's `/Prev`.
    pub startxref: usize,
}

impl<'a> ClassicPdf<'a> {
    /// Reads the cross-reference tables from `startxref` back along `/Prev`; `None` when
    /// the file is not of the kind this reader handles.
    pub fn read(pdf: &'a [u8]) -> Option<ClassicPdf<'a>> {
        let tail_start = pdf.len().saturating_sub(1024);
        let keyword = find_last(&pdf[tail_start..], b"startxref")? + tail_start;
        let mut cursor = Cursor { pdf, at: keyword + b"startxref".len() };
        let startxref = usize::try_from(cursor.integer()?).ok()?;

        let mut offsets = HashMap::new();
        let mut newest_trailer = None;
        let mut section = Some(startxref);
        let mut sections_read = 0;
        while let Some(at) = section {
            sections_read += 1;
            if sections_read > 64 {
                return None;
            }
            let mut cursor = Cursor { pdf, at };
            let trailer = cursor.xref_section(&mut offsets)?;
            if trailer.has(b"XRefStm") || trailer.has(b"Encrypt") {
                return None;
            }
            section = match trailer.get(b"Prev") {
                Ok(Object::Integer(prev)) => Some(usize::try_from(*prev).ok()?),
                Ok(_) => return None,
                Err(_) => None,
            };
            newest_trailer.get_or_insert(trailer);
        }
        Some(ClassicPdf { pdf, offsets, trailer: newest_trailer?, startxref })
    }

    /// The object `id`, if this reader can parse it: any object, and a stream whose
    /// `/Length` is given directly, with its content as stored (still filtered).
    pub fn object(&self, id: ObjectId) -> Option<Object> {
        let offset = (*self.offsets.get(&id.0)?)?;
        let mut cursor = Cursor { pdf: self.pdf, at: offset };
        let (number, generation) = (cursor.integer()?, cursor.integer()?);
        if number != i64::from(id.0) || generation != i64::from(id.1) || !cursor.keyword(b"obj") {
            return None;
        }
        let mut object = cursor.object(0)?;
        if let Object::Dictionary(dict) = &object
            && cursor.keyword(b"stream")
        {
            object = Object::Stream(cursor.stream_content(dict.clone())?);
        }
        cursor.keyword(b"endobj").then_some(object)
    }
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|window| window == needle)
}

/// Objects nest no deeper than this; deeper input is declined, not recursed into.
const MAX_DEPTH: usize = 32;

struct Cursor<'a> {
    pdf: &'a [u8],
    at: usize,
}

fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn is_delimiter(byte: u8) -> bool {
    matches!(byte, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.pdf.get(self.at).copied()
    }

    fn rest(&self) -> &[u8] {
        self.pdf.get(self.at..).unwrap_or_default()
    }

    /// Skips whitespace and comments.
    fn skip_space(&mut self) {
        while let Some(byte) = self.peek() {
            if is_whitespace(byte) {
                self.at += 1;
            } else if byte == b'%' {
                while self.peek().is_some_and(|byte| byte != b'\n' && byte != b'\r') {
                    self.at += 1;
                }
            } else {
                break;
            }
        }
    }

    /// Consumes `word` if it comes next as a whole keyword.
    fn keyword(&mut self, word: &[u8]) -> bool {
        self.skip_space();
        let rest = self.rest();
        let whole = rest.starts_with(word)
            && rest.get(word.len()).is_none_or(|&next| is_whitespace(next) || is_delimiter(next));
        if whole {
            self.at += word.len();
        }
        whole
    }

    /// The bytes of a regular token: a number or a keyword.
    fn token(&mut self) -> &[u8] {
        self.skip_space();
        let start = self.at;
        while self.peek().is_some_and(|byte| !is_whitespace(byte) && !is_delimiter(byte)) {
            self.at += 1;
        }
        &self.pdf[start..self.at]
    }

    fn integer(&mut self) -> Option<i64> {
        std::str::from_utf8(self.token()).ok()?.parse().ok()
    }

    /// The content after the `stream` keyword: an end of line, `/Length` bytes, then
    /// `endstream`.
    fn stream_content(&mut self, dict: Dictionary) -> Option<Stream> {
        match self.rest() {
            [b'\r', b'\n', ..] => self.at += 2,
            [b'\n', ..] => self.at += 1,
            _ => return None,
        }
        let length = usize::try_from(dict.get(b"Length").ok()?.as_i64().ok()?).ok()?;
        let content = self.rest().get(..length)?.to_vec();
        self.at += length;
        self.keyword(b"endstream").then(|| Stream::new(dict, content).with_compression(false))
    }

    /// One classic cross-reference section and its trailer. Entries already known, from a
    /// newer section, win.
    fn xref_section(&mut self, offsets: &mut HashMap<u32, Option<usize>>) -> Option<Dictionary> {
        if !self.keyword(b"xref") {
            return None;
        }
        loop {
            if self.keyword(b"trailer") {
                return match self.object(0)? {
                    Object::Dictionary(trailer) => Some(trailer),
                    _ => None,
                };
            }
            let first = u32::try_from(self.integer()?).ok()?;
            let count = u32::try_from(self.integer()?).ok()?;
            for number in first..first.checked_add(count)? {
                let offset = usize::try_from(self.integer()?).ok()?;
                self.integer()?;
                let in_use = match self.token() {
                    b"n" => true,
                    b"f" => false,
                    _ => return None,
                };
                offsets.entry(number).or_insert(in_use.then_some(offset));
            }
        }
    }

    /// A direct object, or a reference.
    fn object(&mut self, depth: usize) -> Option<Object> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_space();
        match self.peek()? {
            b'<' if self.rest().starts_with(b"<<") => {
                self.at += 2;
                let mut dictionary = Dictionary::new();
                loop {
                    self.skip_space();
                    if self.rest().starts_with(b">>") {
                        self.at += 2;
                        return Some(Object::Dictionary(dictionary));
                    }
                    let Object::Name(key) = self.object(depth + 1)? else { return None };
                    let value = self.object(depth + 1)?;
                    dictionary.set(key, value);
                }
            }
            b'<' => self.hex_string(),
            b'(' => self.literal_string(),
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    if self.peek()? == b']' {
                        self.at += 1;
                        return Some(Object::Array(items));
                    }
                    items.push(self.object(depth + 1)?);
                }
            }
            b'/' => {
                self.at += 1;
                self.name()
            }
            _ => self.number_reference_or_keyword(),
        }
    }

    fn name(&mut self) -> Option<Object> {
        let start = self.at;
        while self.peek().is_some_and(|byte| !is_whitespace(byte) && !is_delimiter(byte)) {
            self.at += 1;
        }
        let raw = &self.pdf[start..self.at];
        let mut name = Vec::with_capacity(raw.len());
        let mut bytes = raw.iter().copied();
        while let Some(byte) = bytes.next() {
            if byte == b'#' {
                let high = (bytes.next()? as char).to_digit(16)?;
                let low = (bytes.next()? as char).to_digit(16)?;
                name.push((high * 16 + low) as u8);
            } else {
                name.push(byte);
            }
        }
        Some(Object::Name(name))
    }

    fn hex_string(&mut self) -> Option<Object> {
        self.at += 1;
        let mut digits = Vec::new();
        loop {
            let byte = self.peek()?;
            self.at += 1;
            match byte {
                b'>' => break,
                _ if is_whitespace(byte) => {}
                _ => digits.push((byte as char).to_digit(16)? as u8),
            }
        }
        if digits.len() % 2 == 1 {
            digits.push(0);
        }
        let bytes = digits.chunks(2).map(|pair| pair[0] * 16 + pair[1]).collect();
        Some(Object::String(bytes, StringFormat::Hexadecimal))
    }

    fn literal_string(&mut self) -> Option<Object> {
        self.at += 1;
        let mut bytes = Vec::new();
        let mut open = 1;
        loop {
            let byte = self.peek()?;
            self.at += 1;
            match byte {
                b'(' => {
                    open += 1;
                    bytes.push(byte);
                }
                b')' => {
                    open -= 1;
                    if open == 0 {
                        return Some(Object::String(bytes, StringFormat::Literal));
                    }
                    bytes.push(byte);
                }
                b'\\' => {
                    let escaped = self.peek()?;
                    self.at += 1;
                    match escaped {
                        b'n' => bytes.push(b'\n'),
                        b'r' => bytes.push(b'\r'),
                        b't' => bytes.push(b'\t'),
                        b'b' => bytes.push(0x08),
                        b'f' => bytes.push(0x0c),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.at += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut value = u32::from(escaped - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(digit @ b'0'..=b'7') => {
                                        value = value * 8 + u32::from(digit - b'0');
                                        self.at += 1;
                                    }
                                    _ => break,
                                }
                            }
                            bytes.push(value as u8);
                        }
                        other => bytes.push(other),
                    }
                }
                _ => bytes.push(byte),
            }
        }
    }

    /// A number, `N G R`, `true`, `false` or `null`.
    fn number_reference_or_keyword(&mut self) -> Option<Object> {
        let token = self.token().to_vec();
        match token.as_slice() {
            b"true" => return Some(Object::Boolean(true)),
            b"false" => return Some(Object::Boolean(false)),
            b"null" => return Some(Object::Null),
            _ => {}
        }
        let text = std::str::from_utf8(&token).ok()?;
        if let Ok(integer) = text.parse::<i64>() {
            let before = self.at;
            if let Some(generation) = self.integer()
                && self.keyword(b"R")
                && let (Ok(number), Ok(generation)) = (u32::try_from(integer), u16::try_from(generation))
            {
                return Some(Object::Reference((number, generation)));
            }
            self.at = before;
            return Some(Object::Integer(integer));
        }
        text.parse::<f32>().ok().filter(|value| value.is_finite()).map(Object::Real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Option<Object> {
        Cursor { pdf: text.as_bytes(), at: 0 }.object(0)
    }

    #[test]
    fn reads_the_object_syntax() {
        let object =
            parse("<</Type /Catalog/Pages 3 0 R /Kids[1 2.5 -3 (a\\(b\\)\\101\\\nc) <4a4> /A#20B true null]>>")
                .unwrap();
        let dict = object.as_dict().unwrap();
        assert_eq!(dict.get(b"Type").unwrap(), &Object::Name(b"Catalog".to_vec()));
        assert_eq!(dict.get(b"Pages").unwrap(), &Object::Reference((3, 0)));
        let kids = dict.get(b"Kids").unwrap().as_array().unwrap();
        assert_eq!(kids[0], Object::Integer(1));
        assert_eq!(kids[1], Object::Real(2.5));
        assert_eq!(kids[2], Object::Integer(-3));
        assert_eq!(kids[3], Object::String(b"a(b)Ac".to_vec(), StringFormat::Literal));
        assert_eq!(kids[4], Object::String(vec![0x4a, 0x40], StringFormat::Hexadecimal));
        assert_eq!(kids[5], Object::Name(b"A B".to_vec()));
        assert_eq!(kids[6], Object::Boolean(true));
        assert_eq!(kids[7], Object::Null);
    }

    #[test]
    fn two_integers_are_not_a_reference_without_r() {
        assert_eq!(parse("[1 2]").unwrap().as_array().unwrap(), &vec![Object::Integer(1), Object::Integer(2)]);
    }

    #[test]
    fn reads_a_stream_with_a_direct_length() {
        let pdf = b"%PDF-1.7\n1 0 obj\n<</Length 5/Type/Metadata>>\nstream\nab\ncd\nendstream\nendobj\n";
        let offsets = HashMap::from([(1, Some(9))]);
        let reader = ClassicPdf { pdf, offsets, trailer: Dictionary::new(), startxref: 0 };
        let Some(Object::Stream(stream)) = reader.object((1, 0)) else { panic!("no stream read") };
        assert_eq!(stream.content, b"ab\ncd");
        assert_eq!(stream.dict.get(b"Type").unwrap(), &Object::Name(b"Metadata".to_vec()));
    }

    #[test]
    fn declines_what_it_cannot_read() {
        assert!(parse("<</A (unterminated>>").is_none());
        assert!(parse(&"[".repeat(100)).is_none());
        assert!(ClassicPdf::read(b"%PDF-1.7\nno cross-reference here").is_none());
    }
}
