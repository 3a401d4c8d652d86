//! Reading the files a user writes (records, organisation files, archive plans, rule
//! files): within limits that no real file reaches, parsed once into a tree that knows
//! the line of every field, so that every later stage can point at a line without
//! reading the file again.
//!
//! YAML and JSON are both read by one YAML 1.2 parser (JSON is YAML's flow style), event
//! by event: the tree is built here, with aliases counted at their expanded size, so a
//! small file cannot expand into gigabytes, and then handed to serde for the typed load.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

use crate::error::{Diagnostic, Error};

/// Bounds on what one file may be. A real privacy notice is a few kilobytes, with no text
/// over a few thousand characters and no list over a few dozen items; these leave room
/// for far more and still keep a hostile or broken file from exhausting memory.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The file's size in bytes.
    pub file_bytes: u64,
    /// How deep maps and lists may nest.
    pub depth: usize,
    /// Characters in one text.
    pub text_chars: usize,
    /// Items in one list.
    pub list_items: usize,
    /// Bytes of text in the whole file once aliases are expanded.
    pub expanded_bytes: usize,
}

impl Limits {
    /// The limits of a record, an organisation file or an archive plan.
    pub const INPUT: Limits =
        Limits { file_bytes: 1 << 20, depth: 32, text_chars: 20_000, list_items: 1_000, expanded_bytes: 4 << 20 };

    /// The limits of a template, a statute catalog or a rules file of one's own: larger,
    /// since a catalog lists many statutes.
    pub const TEMPLATE: Limits =
        Limits { file_bytes: 8 << 20, depth: 32, text_chars: 100_000, list_items: 100_000, expanded_bytes: 64 << 20 };
}

/// A file the user wrote, as read.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// A parsed file: its tree, and the line of every field path in it.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub source: SourceFile,
    pub tree: Value,
    lines: BTreeMap<String, usize>,
}

/// Reads a regular file of at most `max_bytes` bytes. A device, a folder or a larger
/// file is refused before anything is read from it beyond the limit.
pub fn read_bytes(path: &Path, max_bytes: u64) -> Result<Vec<u8>, Error> {
    let metadata = std::fs::metadata(path).map_err(|source| Error::io(path, "read", source))?;
    if !metadata.is_file() {
        return Err(Error::input(Diagnostic::error("file.kind", path, "", "this is not a regular file")));
    }
    let file = std::fs::File::open(path).map_err(|source| Error::io(path, "read", source))?;
    let mut bytes = Vec::new();
    file.take(max_bytes + 1).read_to_end(&mut bytes).map_err(|source| Error::io(path, "read", source))?;
    if bytes.len() as u64 > max_bytes {
        return Err(Error::input(Diagnostic::error(
            "limit.file-size",
            path,
            "",
            format!("the file is larger than {} KiB, far more than it can be", max_bytes / 1024),
        )));
    }
    Ok(bytes)
}

/// Reads a file as text: a regular file, within `limits`, in UTF-8 (a byte-order mark is
/// dropped). Nothing of the content is ever shown in an error, since a wrong path may
/// point at a key.
pub fn read(path: &Path, limits: &Limits) -> Result<SourceFile, Error> {
    let bytes = read_bytes(path, limits.file_bytes)?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::input(
            Diagnostic::error("file.encoding", path, "", "the file is not UTF-8 text")
                .with_hint("records and organisation files are YAML or JSON text in UTF-8"),
        )
    })?;
    let text = text.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(text);
    Ok(SourceFile { path: path.to_owned(), text })
}

/// Reads and parses a YAML or JSON file.
pub fn read_parsed(path: &Path, limits: &Limits) -> Result<Parsed, Error> {
    let source = read(path, limits)?;
    parse(source, limits)
}

impl Parsed {
    /// The line of a field path, or of the nearest enclosing field that has one.
    pub fn line_of(&self, field: &str) -> Option<usize> {
        let mut field = field.trim_start_matches('.');
        loop {
            if let Some(line) = self.lines.get(field) {
                return Some(*line);
            }
            let cut = field.rfind(['.', '['])?;
            field = &field[..cut];
        }
    }

    /// What kind of seloste file this is, by its `kind` field.
    pub fn kind(&self) -> Option<&str> {
        self.tree.get("kind").and_then(Value::as_str)
    }

    /// A diagnostic about `field` of this file, at its line.
    pub fn error(&self, rule: &str, field: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(rule, &self.source.path, field, message).at_line(self.line_of(field))
    }

    /// The typed value of the whole file. A shape error names the field and its line;
    /// values in serde's message are shortened, and never shown if they look like key
    /// material.
    pub fn typed<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_path_to_error::deserialize(&self.tree).map_err(|err| Error::input(self.shape_error(&err).0))
    }

    /// Like [`Parsed::typed`], but reports every shape error of the file at once, as a
    /// compiler does. After each error the tree is repaired where it failed, from `fill`
    /// (a complete, valid file of the same kind) or by dropping an unknown or optional
    /// field, and read again, until it reads or an error cannot be repaired.
    pub fn typed_all<T: DeserializeOwned>(&self, fill: &Value) -> Result<T, Error> {
        match self.typed_repaired(fill) {
            (Some(value), diagnostics) if diagnostics.is_empty() => Ok(value),
            (_, diagnostics) => Err(Error::Input(diagnostics)),
        }
    }

    /// Every shape error of the file, as [`Parsed::typed_all`] finds them, and the value
    /// read from the repaired tree, if it could be repaired: for checking the rest of a
    /// file whose errors are already reported.
    pub fn typed_repaired<T: DeserializeOwned>(&self, fill: &Value) -> (Option<T>, Vec<Diagnostic>) {
        let first = match serde_path_to_error::deserialize(&self.tree) {
            Ok(value) => return (Some(value), Vec::new()),
            Err(err) => err,
        };
        let mut tree = self.tree.clone();
        let mut diagnostics = Vec::new();
        let mut failed_at = std::collections::BTreeSet::new();
        // Where a misspelt field's likely name is, so that the same slip is not told
        // again as that field missing.
        let mut suggested = std::collections::BTreeSet::new();
        let mut err = first;
        for _ in 0..MAX_SHAPE_ERRORS {
            let (diagnostic, target, kind) = self.shape_error(&err);
            let repeated = !failed_at.insert(target.clone());
            if let (Shape::Unknown, Some(name)) = (kind, did_you_mean(&err.inner().to_string())) {
                let mut place = target[..target.len().saturating_sub(1)].to_vec();
                place.push(Step::Key(name));
                suggested.insert(place);
            }
            let told = matches!(kind, Shape::Missing) && suggested.contains(&target);
            if !repeated && !told {
                diagnostics.push(diagnostic);
            }
            if repeated || !repair(&mut tree, &target, kind, fill) {
                break;
            }
            err = match serde_path_to_error::deserialize::<_, T>(&tree) {
                Ok(value) => return (Some(value), diagnostics),
                Err(err) => err,
            };
        }
        (None, diagnostics)
    }

    /// The diagnostic of a shape error, with the path of the value it is about and what
    /// kind of error it is.
    fn shape_error(&self, err: &serde_path_to_error::Error<serde_json::Error>) -> (Diagnostic, Vec<Step>, Shape) {
        let mut target: Vec<Step> = err
            .path()
            .iter()
            .filter_map(|segment| match segment {
                serde_path_to_error::Segment::Seq { index } => Some(Step::Index(*index)),
                serde_path_to_error::Segment::Map { key } => Some(Step::Key(key.clone())),
                _ => None,
            })
            .collect();
        let mut field = err.path().to_string();
        let message = redact(&err.inner().to_string());
        let kind = if let Some(unknown) = unknown_name(&message) {
            // Inside a list the path already ends at the unknown field; elsewhere it
            // ends at the struct that has it.
            if !ends_with_segment(&field, &unknown) {
                field = join(&field, &unknown);
                target.push(Step::Key(unknown));
            }
            Shape::Unknown
        } else if let Some(missing) = missing_name(&message) {
            target.push(Step::Key(missing));
            Shape::Missing
        } else {
            Shape::Value
        };
        let diagnostic = self.error(shape_rule(&message), &field, message).with_suggestion();
        let diagnostic = if field == "." { Diagnostic { field: String::new(), ..diagnostic } } else { diagnostic };
        (diagnostic, target, kind)
    }
}

/// More shape errors than this in one file are not all listed: the file is probably not
/// what it claims to be.
const MAX_SHAPE_ERRORS: usize = 50;

/// One step of a path into a tree.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Key(String),
    Index(usize),
}

/// What a shape error is about: a field that should not be there, one that should, or a
/// value of the wrong shape.
#[derive(Clone, Copy)]
enum Shape {
    Unknown,
    Missing,
    Value,
}

/// Repairs `tree` at `target` so that reading can go on past an error: an unknown field
/// is dropped; a missing or malformed value is replaced by `fill`'s value at the same
/// place (the first item of a list standing for any); a malformed value `fill` does not
/// have is dropped if it is a field (so an optional one). Returns false when it cannot.
fn repair(tree: &mut Value, target: &[Step], kind: Shape, fill: &Value) -> bool {
    let Some((last, parent)) = target.split_last() else { return false };
    let replacement = fill_at(fill, target);
    let Some(parent) = node_at(tree, parent) else { return false };
    match (kind, last, parent) {
        (Shape::Unknown, Step::Key(key), Value::Object(map)) => map.remove(key).is_some(),
        (Shape::Missing | Shape::Value, Step::Key(key), Value::Object(map)) => match replacement {
            Some(value) => {
                map.insert(key.clone(), value);
                true
            }
            None => matches!(kind, Shape::Value) && map.remove(key).is_some(),
        },
        (Shape::Value, Step::Index(index), Value::Array(items)) => match (replacement, items.get_mut(*index)) {
            (Some(value), Some(item)) => {
                *item = value;
                true
            }
            _ => false,
        },
        _ => false,
    }
}

fn node_at<'a>(tree: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    path.iter().try_fold(tree, |node, step| match step {
        Step::Key(key) => node.get_mut(key.as_str()),
        Step::Index(index) => node.get_mut(*index),
    })
}

fn fill_at(fill: &Value, path: &[Step]) -> Option<Value> {
    let mut node = fill;
    for step in path {
        node = match step {
            Step::Key(key) => node.get(key.as_str())?,
            Step::Index(_) => node.get(0)?,
        };
    }
    Some(node.clone())
}

/// The name in serde's "missing field `x`" message.
fn missing_name(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split_once('`').map(|(name, _)| name.to_owned())
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() || parent == "." { key.to_owned() } else { format!("{parent}.{key}") }
}

fn ends_with_segment(path: &str, name: &str) -> bool {
    path == name || path.strip_suffix(name).is_some_and(|parent| parent.ends_with('.'))
}

fn shape_rule(message: &str) -> &'static str {
    if message.starts_with("unknown field") {
        "schema.unknown-field"
    } else if message.starts_with("missing field") {
        "schema.missing-field"
    } else if message.starts_with("unknown variant") {
        "schema.unknown-value"
    } else {
        "schema.value"
    }
}

/// The name in serde's "unknown field `x`" message.
fn unknown_name(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split_once('`').map(|(name, _)| name.to_owned())
}

/// How many characters of a value an error message may quote.
const QUOTED_CHARS: usize = 40;

/// Shortens every value quoted in a parser's message, and hides one that looks like key
/// material or binary data, so that an error never shows the content of a file that was
/// not what it should be.
pub fn redact(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(400));
    let mut rest = message;
    while let Some(start) = rest.find(['"', '`']) {
        let quote = rest[start..].chars().next().unwrap_or('"');
        out.push_str(&rest[..=start]);
        let after = &rest[start + 1..];
        let end = after.find(quote).unwrap_or(after.len());
        out.push_str(&excerpt(&after[..end]));
        rest = &after[end..];
        if let Some(stripped) = rest.strip_prefix(quote) {
            out.push(quote);
            rest = stripped;
        }
    }
    out.push_str(rest);
    out
}

/// A value as an error message may quote it: at most a short excerpt, and nothing at all
/// of what looks like key material or binary data.
pub fn excerpt(value: &str) -> String {
    if looks_secret(value) {
        "<content not shown>".to_owned()
    } else if value.chars().count() > QUOTED_CHARS {
        value.chars().take(QUOTED_CHARS).chain(['…']).collect()
    } else {
        value.to_owned()
    }
}

fn looks_secret(text: &str) -> bool {
    text.contains("-----BEGIN")
        || text.contains("PRIVATE KEY")
        || text.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
}

impl Diagnostic {
    /// Adds "did you mean" for an unknown field or value, from the names the parser expected.
    pub fn with_suggestion(self) -> Diagnostic {
        match did_you_mean(&self.message) {
            Some(name) => {
                // The hint replaces serde's list of every expected name, which is long for a record.
                let short = self.message.split(", expected").next().unwrap_or_default().to_owned();
                Diagnostic { message: short, ..self }.with_hint(format!("did you mean `{name}`?"))
            }
            None => self,
        }
    }
}

/// Reads serde's "unknown field `x`, expected one of `a`, `b`" and picks the closest name.
fn did_you_mean(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `").or_else(|| message.strip_prefix("unknown variant `"))?;
    let (unknown, expected) = rest.split_once('`')?;
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|name| (strsim::jaro_winkler(unknown, name), name))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name.to_owned())
}

/// Parses YAML or JSON text into a tree, recording the line of every field.
pub fn parse(source: SourceFile, limits: &Limits) -> Result<Parsed, Error> {
    let mut builder = TreeBuilder {
        limits: *limits,
        path: &source.path,
        open: Vec::new(),
        fields: Vec::new(),
        lines: BTreeMap::new(),
        anchors: BTreeMap::new(),
        expanded: 0,
        documents: 0,
        done: None,
    };
    let tree = builder.build(&source.text)?;
    Ok(Parsed { lines: builder.lines, tree, source })
}

/// A map or list being built, with the key waiting for its value.
enum Open {
    Map { map: Map<String, Value>, key: Option<String>, anchor: usize },
    List { items: Vec<Value>, anchor: usize },
}

struct TreeBuilder<'a> {
    limits: Limits,
    path: &'a Path,
    open: Vec<Open>,
    /// The field path of each open node, and of the value being read.
    fields: Vec<String>,
    lines: BTreeMap<String, usize>,
    /// Anchored nodes and their expanded size in bytes.
    anchors: BTreeMap<usize, (Value, usize)>,
    expanded: usize,
    documents: usize,
    done: Option<Value>,
}

impl TreeBuilder<'_> {
    fn diagnostic(&self, line: usize, rule: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(rule, self.path, self.fields.last().cloned().unwrap_or_default(), message).at_line(Some(line))
    }

    fn fail(&self, line: usize, rule: &str, message: impl Into<String>) -> Error {
        Error::input(self.diagnostic(line, rule, message))
    }

    fn build(&mut self, text: &str) -> Result<Value, Error> {
        for event in Parser::new_from_str(text) {
            let (event, span) = event.map_err(|err| {
                Diagnostic::error("yaml.syntax", self.path, "", format!("not valid YAML: {}", redact(err.info())))
                    .at_line(Some(err.marker().line()))
            })?;
            let line = span.start.line();
            match event {
                Event::DocumentStart(_) => {
                    self.documents += 1;
                    if self.documents > 1 {
                        return Err(self.fail(
                            line,
                            "yaml.documents",
                            "the file holds more than one YAML document (a second `---`)",
                        ));
                    }
                }
                Event::Scalar(text, style, anchor, tag) => {
                    let is_key = matches!(self.open.last(), Some(Open::Map { key: None, .. }));
                    if is_key {
                        self.key(text.into_owned(), line)?;
                    } else {
                        let value = scalar(&text, style, tag.as_deref().map(|tag| tag.suffix.as_str()))
                            .map_err(|message| self.fail(line, "yaml.tag", message))?;
                        self.value(value, anchor, line)?;
                    }
                }
                Event::Alias(anchor) => {
                    self.refuse_complex_key(line)?;
                    let Some((value, size)) = self.anchors.get(&anchor).cloned() else {
                        return Err(self.fail(
                            line,
                            "yaml.alias",
                            "an alias refers to an anchor that is not defined before it",
                        ));
                    };
                    self.count(size, line)?;
                    self.value(value, 0, line)?;
                }
                Event::SequenceStart(anchor, _) => self.start(Open::List { items: Vec::new(), anchor }, line)?,
                Event::MappingStart(anchor, _) => self.start(Open::Map { map: Map::new(), key: None, anchor }, line)?,
                Event::SequenceEnd | Event::MappingEnd => self.end(line)?,
                Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
            }
        }
        Ok(self.done.take().unwrap_or(Value::Null))
    }

    /// The field path of the value about to be read.
    fn next_field(&self) -> String {
        let parent = self.fields.last().map(String::as_str).unwrap_or_default();
        match self.open.last() {
            Some(Open::Map { key: Some(key), .. }) => join(parent, key),
            Some(Open::List { items, .. }) => format!("{parent}[{}]", items.len()),
            _ => parent.to_owned(),
        }
    }

    fn key(&mut self, key: String, line: usize) -> Result<(), Error> {
        let Some(Open::Map { map, key: slot, .. }) = self.open.last_mut() else {
            unreachable!("a key is read only in a map")
        };
        if map.contains_key(&key) {
            let message = format!("the key `{}` appears twice", redact(&key));
            return Err(self.fail(line, "yaml.duplicate-key", message));
        }
        *slot = Some(key);
        let field = self.next_field();
        self.lines.insert(field, line);
        Ok(())
    }

    fn start(&mut self, node: Open, line: usize) -> Result<(), Error> {
        self.refuse_complex_key(line)?;
        if self.open.len() >= self.limits.depth {
            return Err(self.fail(
                line,
                "limit.depth",
                format!("the data nests deeper than {} levels", self.limits.depth),
            ));
        }
        let field = self.next_field();
        self.lines.entry(field.clone()).or_insert(line);
        self.fields.push(field);
        self.open.push(node);
        Ok(())
    }

    /// A key must be a plain text; YAML also allows a list, a map or an alias as a key,
    /// which no seloste file uses.
    fn refuse_complex_key(&self, line: usize) -> Result<(), Error> {
        match self.open.last() {
            Some(Open::Map { key: None, .. }) => {
                Err(self.fail(line, "yaml.complex-key", "a key must be a text, not a list, a map or an alias"))
            }
            _ => Ok(()),
        }
    }

    fn end(&mut self, line: usize) -> Result<(), Error> {
        let node = self.open.pop().expect("the parser closes only what it opened");
        self.fields.pop();
        let (value, anchor) = match node {
            Open::Map { map, anchor, .. } => (Value::Object(map), anchor),
            Open::List { items, anchor } => (Value::Array(items), anchor),
        };
        self.value(value, anchor, line)
    }

    fn count(&mut self, size: usize, line: usize) -> Result<(), Error> {
        self.expanded = self.expanded.saturating_add(size);
        let limit = self.limits.expanded_bytes;
        if self.expanded > limit {
            return Err(self.fail(
                line,
                "limit.expanded-size",
                format!("the data expands to more than {} KiB of text", limit / 1024),
            ));
        }
        Ok(())
    }

    /// Places a finished value into the node that holds it.
    fn value(&mut self, value: Value, anchor: usize, line: usize) -> Result<(), Error> {
        let limits = self.limits;
        if let Value::String(text) = &value
            && text.chars().count() > limits.text_chars
        {
            let message =
                format!("this text is longer than {} characters, far more than a notice needs", limits.text_chars);
            return Err(Error::input(
                self.diagnostic(line, "limit.text-length", message).with_field(self.next_field()),
            ));
        }
        if matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null) {
            self.count(size_of(&value), line)?;
            let field = self.next_field();
            self.lines.entry(field).or_insert(line);
        }
        if anchor > 0 {
            self.anchors.insert(anchor, (value.clone(), size_of(&value)));
        }
        match self.open.last_mut() {
            Some(Open::Map { map, key, .. }) => {
                let key = key.take().expect("a value in a map follows its key");
                map.insert(key, value);
            }
            Some(Open::List { items, .. }) => {
                if items.len() >= limits.list_items {
                    let message = format!("this list has more than {} items", limits.list_items);
                    return Err(self.fail(line, "limit.list-length", message));
                }
                items.push(value);
            }
            None => self.done = Some(value),
        }
        Ok(())
    }
}

impl Diagnostic {
    fn with_field(mut self, field: String) -> Diagnostic {
        self.field = field;
        self
    }
}

/// The bytes of text a value holds, counting each node as a few bytes.
fn size_of(value: &Value) -> usize {
    match value {
        Value::String(text) => text.len() + 8,
        Value::Array(items) => items.iter().map(size_of).sum::<usize>() + 8,
        Value::Object(map) => map.iter().map(|(key, value)| key.len() + size_of(value)).sum::<usize>() + 8,
        _ => 8,
    }
}

/// A scalar's value under the YAML 1.2 core schema: only a plain scalar can be a
/// number, a truth value or null; quoted and block scalars are always text.
fn scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Result<Value, String> {
    let text_value = || Value::String(composed(text));
    match tag {
        None => {}
        Some("str") => return Ok(text_value()),
        Some("int" | "float" | "bool" | "null") => {}
        Some(other) => return Err(format!("the tag `!{other}` is not used in seloste files")),
    }
    if style != ScalarStyle::Plain {
        return Ok(text_value());
    }
    Ok(match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => number(text).unwrap_or_else(text_value),
    })
}

/// Text in Unicode normalisation form C: a letter and its combining accent become the one
/// precomposed letter (`e` + U+0301 → `é`), as every renderer and reader expects it.
fn composed(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    if unicode_normalization::is_nfc(text) { text.to_owned() } else { text.nfc().collect() }
}

fn number(text: &str) -> Option<Value> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<i64>()
            .ok()
            .map(Value::from)
            .or_else(|| text.parse::<f64>().ok().and_then(Number::from_f64).map(Value::Number));
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(Value::from);
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return i64::from_str_radix(octal, 8).ok().map(Value::from);
    }
    let float = digits.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && digits.bytes().any(|b| b.is_ascii_digit())
        && digits.bytes().next().is_some_and(|b| b.is_ascii_digit() || b == b'.');
    if float {
        return text.parse::<f64>().ok().and_then(Number::from_f64).map(Value::Number);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<Parsed, Error> {
        parse(SourceFile { path: "t.yaml".into(), text: text.into() }, &Limits::INPUT)
    }

    /// The rule of the one diagnostic of an input error.
    fn rule(error: Error) -> String {
        match error {
            Error::Input(diagnostics) => diagnostics[0].rule.clone(),
            other => panic!("not an input error: {other}"),
        }
    }

    #[test]
    fn every_field_has_its_line_in_block_and_flow_style() {
        let parsed = parsed("a: 1\nlist:\n  - x\n  - { y: 2, z: [3, 4] }\nname:\n  fi: Nimi\n  sv: Namn\n").unwrap();
        assert_eq!(parsed.line_of("a"), Some(1));
        assert_eq!(parsed.line_of("list[0]"), Some(3));
        assert_eq!(parsed.line_of("list[1].z[1]"), Some(4));
        assert_eq!(parsed.line_of("name.sv"), Some(7));
        assert_eq!(parsed.line_of("name.en"), Some(5), "an absent field falls back to its parent");
        assert_eq!(parsed.tree["list"][1]["z"][1], Value::from(4));
    }

    #[test]
    fn scalars_follow_the_yaml_1_2_core_schema() {
        let parsed = parsed("a: 05 09 01\nb: 2026-11-02\nc: 10\nd: '10'\ne: yes\nf: ~\ng: 417/2007\nh: -1\n").unwrap();
        assert_eq!(parsed.tree["a"], "05 09 01");
        assert_eq!(parsed.tree["b"], "2026-11-02");
        assert_eq!(parsed.tree["c"], 10);
        assert_eq!(parsed.tree["d"], "10");
        assert_eq!(parsed.tree["e"], "yes");
        assert_eq!(parsed.tree["f"], Value::Null);
        assert_eq!(parsed.tree["g"], "417/2007");
        assert_eq!(parsed.tree["h"], -1);
    }

    #[test]
    fn texts_are_read_in_composed_form() {
        let parsed = parsed("a: \"e\\u0301\"\nb: Ma\u{0308}ki\n").unwrap();
        assert_eq!(parsed.tree["a"], "\u{e9}");
        assert_eq!(parsed.tree["b"], "M\u{e4}ki");
    }

    #[test]
    fn json_reads_like_yaml() {
        let parsed = parsed("{\n  \"id\": \"x\",\n  \"n\": [1, 2.5, true, null]\n}").unwrap();
        assert_eq!(parsed.tree["n"][1], 2.5);
        assert_eq!(parsed.line_of("n[0]"), Some(3));
    }

    #[test]
    fn aliases_count_at_their_expanded_size() {
        let big = "x".repeat(10_000);
        let mut text = format!("a: &big {big}\nb: [");
        text.push_str(&vec!["*big"; 600].join(", "));
        text.push_str("]\n");
        assert_eq!(rule(parsed(&text).unwrap_err()), "limit.expanded-size");
    }

    #[test]
    fn duplicate_keys_second_documents_and_deep_nesting_are_refused() {
        assert_eq!(rule(parsed("a: 1\na: 2\n").unwrap_err()), "yaml.duplicate-key");
        assert_eq!(rule(parsed("a: 1\n---\nb: 2\n").unwrap_err()), "yaml.documents");
        assert_eq!(rule(parsed(&format!("{}1{}", "[".repeat(40), "]".repeat(40))).unwrap_err()), "limit.depth");
    }

    #[test]
    fn quoted_values_are_shortened_and_keys_never_shown() {
        let message = "invalid type: string \"-----BEGIN PRIVATE KEY-----\\nMIGH\", expected struct Organisation";
        assert_eq!(redact(message), "invalid type: string \"<content not shown>\", expected struct Organisation");
        let long = format!("invalid value: \"{}\"", "a".repeat(100));
        assert_eq!(redact(&long), format!("invalid value: \"{}…\"", "a".repeat(QUOTED_CHARS)));
    }

    /// Regression: an unknown field inside a list item was named twice
    /// (`transfers[0].safeguard.safeguard`).
    #[test]
    fn an_unknown_field_is_named_once_at_any_depth() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Item {
            name: String,
        }
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Top {
            items: Vec<Item>,
            inner: Option<Item>,
        }
        for (text, field) in [
            ("items:\n  - name: a\n    nmae: b\n", "items[0].nmae"),
            ("items: []\ninner:\n  name: a\n  nmae: b\n", "inner.nmae"),
            ("items: []\nitemz: 1\n", "itemz"),
        ] {
            match parsed(text).unwrap().typed::<Top>().unwrap_err() {
                Error::Input(diagnostics) => assert_eq!(diagnostics[0].field, field, "{text}"),
                other => panic!("not an input error: {other}"),
            }
        }
    }

    #[test]
    fn did_you_mean_picks_the_closest_expected_name() {
        let message = "unknown field `purpose`, expected one of `kind`, `purposes`, `sources`";
        assert_eq!(did_you_mean(message).as_deref(), Some("purposes"));
        assert_eq!(did_you_mean("unknown field `zzz`, expected `kind` or `id`"), None);
        assert_eq!(did_you_mean("missing field `id`"), None);
    }
}
