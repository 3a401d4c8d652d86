//! Reading a legacy notice, whatever its format, as lines of text: what a person reading
//! it would see, one paragraph, list item, heading or table row to a line, with a tab
//! between the cells of a row (or between a heading and its text on the same line, as
//! Word tables and the old two-column forms put them).
//!
//! Plain text is read as written (UTF-8, or Windows-1252 as old Word exports are). A DOCX
//! is a ZIP of XML: paragraphs, list items and table rows from `word/document.xml`. A
//! PDF's text layer comes from hayro's interpreter, glyph by glyph, made into lines by
//! their positions. HTML goes through html5ever, as a browser parses it. Inline HTML
//! fragments that legacy text exports carry (`<p>`, `<ul>`) become line breaks.

use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::Arc;

use kurbo::{Affine, BezPath, Point, Rect};

/// The largest source read: a notice is tens of kilobytes; a large scanned PDF is a few
/// megabytes.
pub const MAX_SOURCE_BYTES: u64 = 32 << 20;
/// The largest part of a DOCX read uncompressed, against ZIP bombs.
const MAX_DOCX_PART: u64 = 16 << 20;
/// The most pages of a PDF read.
const MAX_PDF_PAGES: usize = 200;

/// The formats a notice is read from, by its file name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Docx,
    Pdf,
    Html,
}

impl Format {
    pub fn of(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_string_lossy().to_lowercase();
        match extension.as_str() {
            "txt" | "text" => Some(Format::Text),
            "docx" => Some(Format::Docx),
            "pdf" => Some(Format::Pdf),
            "html" | "htm" => Some(Format::Html),
            _ => None,
        }
    }
}

/// The lines of a notice. `fallback_font` draws the glyphs of a PDF whose fonts are not
/// embedded (their positions and Unicode come from the PDF; only the shapes from it).
pub fn lines(bytes: &[u8], format: Format, fallback_font: &'static [u8]) -> Result<Vec<String>, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("the file is empty".into());
    }
    let lines = match format {
        Format::Text => decode_text(bytes)?.lines().map(str::to_owned).collect(),
        Format::Docx => docx_lines(bytes)?,
        Format::Pdf => pdf_lines(bytes, fallback_font)?,
        Format::Html => html_lines(&decode_text(bytes)?),
    };
    // HTML fragments left in the text itself (old exports saved as text, or pasted into
    // Word) are read alike in every format.
    let lines: Vec<String> = lines
        .iter()
        .flat_map(|line| text_lines(line))
        .map(|line| tidy(&line))
        .filter(|line| !line.is_empty())
        .collect();
    if lines.is_empty() {
        return Err("the file has no text".into());
    }
    Ok(lines)
}

/// UTF-8, or Windows-1252 for a file that is not; a file with NUL bytes is binary.
fn decode_text(bytes: &[u8]) -> Result<String, String> {
    if bytes.contains(&0) {
        return Err("this is a binary file, not a text notice".into());
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    Ok(match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|&byte| windows_1252(byte)).collect(),
    })
}

fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9F => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

/// The lines of a text file, with the HTML fragments old exports left in it made into
/// line breaks and their entities decoded.
fn text_lines(text: &str) -> Vec<String> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('>').filter(|close| *close < 200);
        let tag = close.map(|close| &after[..close]);
        match tag.filter(|tag| is_tag(tag)) {
            Some(tag) => {
                let name = tag.trim_start_matches('/').split([' ', '/']).next().unwrap_or_default().to_lowercase();
                if matches!(name.as_str(), "p" | "br" | "li" | "ul" | "ol" | "div" | "tr" | "h1" | "h2" | "h3" | "h4") {
                    out.push('\n');
                } else if matches!(name.as_str(), "td" | "th") {
                    out.push('\t');
                }
                rest = &after[tag.len() + 1..];
            }
            None => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    decode_entities(&out).lines().map(str::to_owned).collect()
}

/// Whether `<tag>` is an HTML tag rather than a `<` in text.
fn is_tag(tag: &str) -> bool {
    let name = tag.trim_start_matches('/');
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().take_while(|c| !c.is_whitespace() && *c != '/').all(|c| c.is_ascii_alphanumeric())
}

fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    text.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&ndash;", "–")
        .replace("&amp;", "&")
}

/// One line as it is kept: white space made single spaces (a tab kept as the one tab
/// between cells), invisible characters dropped.
fn tidy(line: &str) -> String {
    let cells: Vec<String> = line
        .split('\t')
        .map(|cell| {
            cell.chars()
                .filter(|c| !matches!(c, '\u{AD}' | '\u{200B}' | '\u{FEFF}'))
                .map(|c| if c.is_whitespace() { ' ' } else { c })
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|cell| !cell.is_empty())
        .collect();
    cells.join("\t")
}

// ---- DOCX ----

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const W_STRICT: &str = "http://purl.oclc.org/ooxml/wordprocessingml/main";

fn docx_lines(bytes: &[u8]) -> Result<Vec<String>, String> {
    if !bytes.starts_with(b"PK") {
        return Err("this is not a DOCX file (not a ZIP package)".into());
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|err| format!("a damaged DOCX: {err}"))?;
    let xml = {
        let part = zip.by_name("word/document.xml").map_err(|_| "a DOCX without word/document.xml".to_owned())?;
        if part.size() > MAX_DOCX_PART {
            return Err("the DOCX's text is too large for a notice".into());
        }
        let mut xml = String::new();
        part.take(MAX_DOCX_PART).read_to_string(&mut xml).map_err(|err| format!("a damaged DOCX: {err}"))?;
        xml
    };
    let options = roxmltree::ParsingOptions { allow_dtd: false, nodes_limit: 4_000_000, ..Default::default() };
    let document =
        roxmltree::Document::parse_with_options(&xml, options).map_err(|err| format!("a damaged DOCX: {err}"))?;
    let namespace = document.root_element().tag_name().namespace().unwrap_or(W);
    let namespace = if namespace == W_STRICT { W_STRICT } else { W };
    let body = document
        .root_element()
        .children()
        .find(|node| node.has_tag_name((namespace, "body")))
        .ok_or("a DOCX without a body")?;
    let mut lines = Vec::new();
    docx_blocks(body, namespace, &mut lines, 0);
    Ok(lines)
}

/// Paragraphs and table rows of `node`, in order; a list paragraph starts with `- `.
fn docx_blocks(node: roxmltree::Node<'_, '_>, namespace: &str, lines: &mut Vec<String>, depth: usize) {
    if depth > 32 {
        return;
    }
    for child in node.children().filter(roxmltree::Node::is_element) {
        let name = child.tag_name().name();
        match name {
            "p" => {
                let numbered = child
                    .children()
                    .find(|node| node.has_tag_name((namespace, "pPr")))
                    .and_then(|properties| properties.children().find(|node| node.has_tag_name((namespace, "numPr"))))
                    .is_some();
                let text = docx_text(child, namespace);
                if numbered && !text.trim().is_empty() {
                    lines.push(format!("- {text}"));
                } else {
                    lines.extend(text.split('\n').map(str::to_owned));
                }
            }
            "tbl" => {
                for row in child.children().filter(|node| node.has_tag_name((namespace, "tr"))) {
                    let cells: Vec<String> = row
                        .children()
                        .filter(|node| node.has_tag_name((namespace, "tc")))
                        .map(|cell| {
                            let mut inner = Vec::new();
                            docx_blocks(cell, namespace, &mut inner, depth + 1);
                            // A cell's paragraphs stay lines: a name and an address in
                            // one cell are not one run of words.
                            inner.join("\n")
                        })
                        .collect();
                    lines.push(cells.join("\t"));
                }
            }
            "sdt" | "sdtContent" | "customXml" | "smartTag" | "ins" => docx_blocks(child, namespace, lines, depth + 1),
            _ => {}
        }
    }
}

/// The text of a paragraph: its runs' text, tabs and breaks, not what was deleted.
fn docx_text(paragraph: roxmltree::Node<'_, '_>, namespace: &str) -> String {
    let mut text = String::new();
    let mut stack = vec![paragraph];
    let mut nodes = Vec::new();
    while let Some(node) = stack.pop() {
        nodes.push(node);
        let skip = |child: &roxmltree::Node<'_, '_>| {
            child.has_tag_name((namespace, "del")) || child.has_tag_name((namespace, "moveFrom"))
        };
        let children: Vec<_> = node.children().filter(|child| child.is_element() && !skip(child)).collect();
        stack.extend(children.into_iter().rev());
    }
    for node in nodes.into_iter().skip(1) {
        if node.has_tag_name((namespace, "t")) {
            text.push_str(node.text().unwrap_or_default());
        } else if node.has_tag_name((namespace, "tab"))
            && node.parent().is_some_and(|parent| parent.has_tag_name((namespace, "r")))
        {
            text.push('\t');
        } else if node.has_tag_name((namespace, "br")) || node.has_tag_name((namespace, "cr")) {
            text.push('\n');
        }
    }
    text
}

// ---- PDF ----

/// One glyph placed on the page, in points from the top left.
struct Placed {
    x: f64,
    y: f64,
    end: f64,
    size: f64,
    text: String,
}

/// Collects the glyphs of a page, and whether it draws images (a scan).
struct Glyphs {
    placed: Vec<Placed>,
    images: usize,
    height: f64,
}

impl<'a> hayro_interpret::Device<'a> for Glyphs {
    fn set_soft_mask(&mut self, _: Option<hayro_interpret::SoftMask<'a>>) {}
    fn set_blend_mode(&mut self, _: hayro_interpret::BlendMode) {}
    fn draw_path(&mut self, _: &BezPath, _: Affine, _: &hayro_interpret::Paint<'a>, _: &hayro_interpret::PathDrawMode) {
    }
    fn push_clip_path(&mut self, _: &hayro_interpret::ClipPath) {}
    fn push_transparency_group(
        &mut self,
        _: f32,
        _: Option<hayro_interpret::SoftMask<'a>>,
        _: hayro_interpret::BlendMode,
    ) {
    }
    fn draw_glyph(
        &mut self,
        glyph: &hayro_interpret::font::Glyph<'a>,
        transform: Affine,
        glyph_transform: Affine,
        _: &hayro_interpret::Paint<'a>,
        _: &hayro_interpret::GlyphDrawMode,
    ) {
        use hayro_interpret::hayro_cmap::BfString;
        let text = match glyph.as_unicode() {
            Some(BfString::Char(c)) => c.to_string(),
            Some(BfString::String(text)) => text,
            None => return,
        };
        let flip = Affine::new([1.0, 0.0, 0.0, -1.0, 0.0, self.height]);
        let placement = flip * transform * glyph_transform;
        let origin = placement * Point::ORIGIN;
        let coefficients = (transform * glyph_transform).as_coeffs();
        let size = (coefficients[2].powi(2) + coefficients[3].powi(2)).sqrt() * 1000.0;
        let advance = match glyph {
            hayro_interpret::font::Glyph::Outline(outline) => outline.advance_width().map_or(500.0, f64::from),
            hayro_interpret::font::Glyph::Type3(_) => 500.0,
        };
        let end = (placement * Point::new(advance, 0.0)).x;
        self.placed.push(Placed { x: origin.x, y: origin.y, end, size, text });
    }
    fn draw_image(&mut self, _: hayro_interpret::Image<'a, '_>, _: Affine) {
        self.images += 1;
    }
    fn pop_clip_path(&mut self) {}
    fn pop_transparency_group(&mut self) {}
}

fn pdf_lines(bytes: &[u8], fallback_font: &'static [u8]) -> Result<Vec<String>, String> {
    use hayro_syntax::LoadPdfError;
    if !bytes.starts_with(b"%PDF") {
        return Err("this is not a PDF file".into());
    }
    let pdf = match hayro_syntax::Pdf::new(bytes.to_vec()) {
        Ok(pdf) => pdf,
        Err(LoadPdfError::Decryption(_)) => return Err("the PDF is encrypted: save it without a password".into()),
        Err(LoadPdfError::Invalid) => return Err("a damaged PDF".into()),
    };
    let font: hayro_interpret::font::FontData = Arc::new(fallback_font);
    let settings = hayro_interpret::InterpreterSettings {
        font_resolver: Arc::new(move |_| Some((font.clone(), 0))),
        ..Default::default()
    };
    let cache = hayro_interpret::InterpreterCache::new();
    let mut placed = Vec::new();
    let (mut glyphs_seen, mut images_seen) = (0, 0);
    for (index, page) in pdf.pages().iter().take(MAX_PDF_PAGES).enumerate() {
        let (_, height) = page.render_dimensions();
        let mut context = hayro_interpret::Context::new(
            Affine::IDENTITY,
            Rect::new(0.0, 0.0, 1.0, 1.0),
            &cache,
            pdf.xref(),
            settings.clone(),
        );
        let mut device = Glyphs { placed: Vec::new(), images: 0, height: f64::from(height) };
        hayro_interpret::interpret_page(page, &mut context, &mut device);
        glyphs_seen += device.placed.iter().filter(|glyph| !glyph.text.trim().is_empty()).count();
        images_seen += device.images;
        // The pages one below the other, so that a paragraph runs on over a page break.
        let page_top = index as f64 * PAGE_SPACING;
        placed.extend(device.placed.into_iter().map(|glyph| Placed { y: glyph.y + page_top, ..glyph }));
    }
    if glyphs_seen == 0 {
        return Err(if images_seen > 0 {
            "the PDF has no text layer (a scanned image): run text recognition (OCR) on it first".into()
        } else {
            "the PDF has no text".into()
        });
    }
    Ok(text_lines_of(placed))
}

/// Further down than any page is tall.
const PAGE_SPACING: f64 = 100_000.0;

/// The glyphs of the pages as lines: grouped by their baseline, ordered left to right, with a
/// space where a gap is a word's width apart and a tab where it is a column apart. A line
/// that stops short of the text's right edge by more than the next line's first word
/// ends its paragraph; the lines of one paragraph are joined, as the text was written
/// before it was laid out.
fn text_lines_of(mut placed: Vec<Placed>) -> Vec<String> {
    placed.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
    let mut rows: Vec<Vec<Placed>> = Vec::new();
    for glyph in placed {
        match rows.last_mut() {
            Some(row) if (row[0].y - glyph.y).abs() < row[0].size.max(1.0) * 0.4 => row.push(glyph),
            _ => rows.push(vec![glyph]),
        }
    }
    let mut laid: Vec<(String, f64, f64, f64)> = Vec::new();
    for mut row in rows {
        row.sort_by(|a, b| a.x.total_cmp(&b.x));
        let mut text = String::new();
        let mut last_end: Option<f64> = None;
        for glyph in &row {
            if let Some(end) = last_end {
                let gap = glyph.x - end;
                if gap > glyph.size * 2.0 {
                    text.push('\t');
                } else if gap > glyph.size * 0.15 && !text.ends_with(' ') && glyph.text != " " {
                    text.push(' ');
                }
            }
            text.push_str(&glyph.text);
            last_end = Some(glyph.end.max(glyph.x));
        }
        let (start, end, y) = (row[0].x, last_end.unwrap_or(row[0].x), row[0].y);
        laid.push((text, start, end, y));
    }
    let right = laid.iter().map(|(_, _, end, _)| *end).fold(0.0, f64::max);
    let left = laid.iter().map(|(_, start, _, _)| *start).fold(f64::MAX, f64::min);
    let width = (right - left).max(1.0);
    // The usual distance between lines; a larger one is a gap between paragraphs.
    let mut spacings: Vec<f64> =
        laid.windows(2).map(|pair| pair[1].3 - pair[0].3).filter(|spacing| *spacing > 0.0).collect();
    spacings.sort_by(f64::total_cmp);
    let line_spacing = spacings.get(spacings.len() / 2).copied().unwrap_or(f64::MAX);
    let mut lines: Vec<String> = Vec::new();
    let mut open = false;
    for (index, (text, start, end, y)) in laid.iter().enumerate() {
        let continues = open && !text.contains('\t') && !starts_item(text) && (start - left).abs() < width * 0.2;
        if continues {
            run_on(lines.last_mut().expect("an open paragraph"), text);
        } else {
            lines.push(text.clone());
        }
        // Full: the next line's first word would not have fitted after this one.
        let room = right - end;
        let next_word = laid.get(index + 1).map_or(0.0, |(next, start, end, _)| {
            let per_char = (end - start) / next.chars().count().max(1) as f64;
            let word = next.split_whitespace().next().map_or(0, |word| word.chars().count());
            (word as f64 + 1.5) * per_char
        });
        let full = room < width * 0.05 || room < next_word;
        let next_indented = laid.get(index + 1).is_some_and(|(_, next, _, _)| (next - start).abs() < width * 0.2);
        let page = |y: f64| (y / PAGE_SPACING).floor();
        let next_close = laid
            .get(index + 1)
            .is_some_and(|(_, _, _, next_y)| next_y - y < line_spacing * 1.5 || page(*next_y) != page(*y));
        open = full && next_indented && next_close;
    }
    lines
}

/// Appends the next line of a paragraph the layout broke: `tietosuojaohjeistuk-` /
/// `sella` is one word, `sosiaali-` / `ja terveys…` two, `e-` / `postadress` one word with
/// its hyphen, `https://` / `www…` one address.
pub fn run_on(line: &mut String, next: &str) {
    let first_word = next.split_whitespace().next().unwrap_or_default();
    let joins_words = ["ja", "tai", "sekä", "eli", "och", "eller", "samt"].contains(&first_word);
    let fragment = line.rsplit(char::is_whitespace).next().unwrap_or_default();
    let prefix = fragment.chars().count() <= 3;
    if line.ends_with('-') && next.starts_with(char::is_lowercase) && prefix && !joins_words {
        line.push_str(next);
        return;
    }
    if line.ends_with('-') && next.starts_with(char::is_lowercase) && !joins_words {
        line.pop();
    } else if !line.ends_with('/') {
        line.push(' ');
    }
    line.push_str(next);
}

fn starts_item(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with("- ") || text.starts_with("• ") || text.starts_with("* ") || text.starts_with("– ")
}

// ---- HTML ----

fn html_lines(html: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    // A page that marks its content (`<main>`, else `<article>`) is read there only, not
    // in the site's header, cookie banner, side bar and footer around it.
    let content = ["main", "article"].iter().find_map(|name| {
        document
            .tree
            .root()
            .descendants()
            .find(|node| matches!(node.value(), scraper::Node::Element(element) if element.name() == *name))
    });
    let mut lines = Vec::new();
    html_blocks(content.unwrap_or(document.tree.root()), &mut lines, 0);
    lines
}

fn html_blocks(node: ego_tree::NodeRef<'_, scraper::Node>, lines: &mut Vec<String>, depth: usize) {
    if depth > 64 {
        return;
    }
    for child in node.children() {
        let scraper::Node::Element(element) = child.value() else {
            if let scraper::Node::Text(text) = child.value()
                && !text.trim().is_empty()
            {
                lines.push(text.to_string());
            }
            continue;
        };
        match element.name() {
            "script" | "style" | "head" | "template" | "nav" | "noscript" | "aside" => {}
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "p" | "dt" | "dd" | "caption" => lines.push(inline_text(child)),
            "li" => {
                lines.push(format!("- {}", inline_text(child)));
                html_nested_lists(child, lines, depth + 1);
            }
            "tr" => {
                let cells: Vec<String> = child
                    .children()
                    .filter(|cell| matches!(cell.value(), scraper::Node::Element(cell) if matches!(cell.name(), "td" | "th")))
                    .map(inline_text)
                    .collect();
                lines.push(cells.join("\t"));
            }
            _ => html_blocks(child, lines, depth + 1),
        }
    }
}

/// The lists nested in a list item, as items of their own.
fn html_nested_lists(item: ego_tree::NodeRef<'_, scraper::Node>, lines: &mut Vec<String>, depth: usize) {
    for child in item.children() {
        if matches!(child.value(), scraper::Node::Element(element) if matches!(element.name(), "ul" | "ol")) {
            html_blocks(child, lines, depth);
        }
    }
}

/// The text of an element on one line; `<br>` breaks it, nested lists are left to
/// [`html_nested_lists`].
fn inline_text(node: ego_tree::NodeRef<'_, scraper::Node>) -> String {
    let mut text = String::new();
    for descendant in node.children() {
        match descendant.value() {
            scraper::Node::Text(part) => text.push_str(&part.text),
            scraper::Node::Element(element) => match element.name() {
                "br" => text.push('\n'),
                "ul" | "ol" | "script" | "style" => {}
                _ => text.push_str(&inline_text(descendant)),
            },
            _ => {}
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_with_html_fragments_becomes_lines() {
        let lines = text_lines("1. Nimi\tRekisteri<p>Toinen &amp; kolmas</p><ul><li>a</li></ul> x < y");
        assert_eq!(lines, ["1. Nimi\tRekisteri", "Toinen & kolmas", "", "", "a", "", " x < y"]);
    }

    #[test]
    fn windows_1252_is_read_when_the_file_is_not_utf8() {
        assert_eq!(decode_text(b"Rekisterinpit\xe4j\xe4 \x96 \x80").unwrap(), "Rekisterinpitäjä – €");
        assert!(decode_text(b"a\0b").is_err());
    }

    #[test]
    fn html_is_parsed_as_a_browser_does() {
        let html = "<html><body><h2>1. Rekisterinpitäjä</h2><p>Kunta<br>PL 1<ul><li>yksi<li>kaksi<ul><li>sisempi</ul></ul><table><tr><td>Nimi<td>Etu Suku</table>";
        let lines: Vec<String> = html_lines(html)
            .iter()
            .flat_map(|line| line.split('\n'))
            .map(tidy)
            .filter(|line| !line.is_empty())
            .collect();
        assert_eq!(lines, ["1. Rekisterinpitäjä", "Kunta", "PL 1", "- yksi", "- kaksi", "- sisempi", "Nimi\tEtu Suku"]);
        let page = "<body><header><p>Hyväksy evästeet</p></header><main><h1>Seloste</h1><aside>Jaa</aside></main><footer><p>Kunta 2026</p></footer></body>";
        assert_eq!(html_lines(page), ["Seloste"]);
    }
}
