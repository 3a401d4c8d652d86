//! DOCX through docx-rs: the same composed document as the PDF, with Word's own heading
//! styles, real bulleted lists, and the SFS 2487 title block with PAGE and NUMPAGES fields
//! in the page header.
//!
//! docx-rs 0.4 cannot write a run's language (`w:lang`) nor the title, author and
//! language of the core properties. Both are added to the parts docx-rs builds, before
//! they are packed: the language by [`tag_languages`], the properties by [`core_xml`].
//! Nor does it compress the package; [`deflate_parts`] does.

use std::io::Cursor;

use docx_rs::{
    AbstractNumbering, AlignmentType, BreakType, Docx, IndentLevel, Level, LevelJc, LevelText, LineSpacing, NumPages,
    NumberFormat, Numbering, NumberingId, PageMargin, PageNum, Paragraph, Run, RunFonts, SpecialIndentType, Start,
    Style, StyleType, Tab, TabValueType, Table, TableCell, TableLayoutType, TableRow, WidthType,
};

use crate::compose::{Block, Document, Field, Section};
use crate::error::Error;
use crate::text::Lang;
use crate::xml::escape as xml_escape;

/// Twentieths of a point per centimetre, Word's unit of length.
const TWIPS_PER_CM: f64 = 566.929;

fn cm(value: f64) -> i32 {
    (value * TWIPS_PER_CM).round() as i32
}

/// The SFS 2487 grid, as in the PDF layout: margins, the body column and the title block.
const MARGIN_LEFT_CM: f64 = 2.0;
const MARGIN_RIGHT_CM: f64 = 1.5;
const BODY_INDENT_CM: f64 = 2.3;
const LABEL_WIDTH_CM: f64 = 4.2;
const BLOCK_START_CM: f64 = 9.2 - MARGIN_LEFT_CM;
const A4_WIDTH_CM: f64 = 21.0;
const FONT: &str = "Arial";
/// The width of the page-number column at the right of the title block.
const PAGE_COLUMN_CM: f64 = 2.0;
/// docx-rs defines numbering 1 itself (decimal); the bullets take the next id.
const BULLETS: usize = 2;
/// The table style of label-value rows; [`mark_header_columns`] finds the tables by it.
const FIELD_TABLE_STYLE: &str = "SelosteFields";

/// The bookmark that opens each language's part; [`tag_languages`] finds the parts by it.
fn part_bookmark(lang: Lang) -> String {
    format!("seloste_{}", lang.code())
}

pub fn render(document: &Document) -> Result<Vec<u8>, Error> {
    let text_width = A4_WIDTH_CM - MARGIN_LEFT_CM - MARGIN_RIGHT_CM;
    let mut docx = Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(cm(4.0))
                .bottom(cm(2.0))
                .left(cm(MARGIN_LEFT_CM))
                .right(cm(MARGIN_RIGHT_CM))
                .header(cm(1.0))
                .footer(cm(1.0)),
        )
        .default_fonts(RunFonts::new().ascii(FONT).hi_ansi(FONT).cs(FONT))
        .default_size(22)
        .add_style(heading_style("Heading1", "heading 1", 30, 0))
        .add_style(heading_style("Heading2", "heading 2", 24, 1))
        .add_style(heading_style("Heading3", "heading 3", 22, 2))
        .add_style(Style::new(FIELD_TABLE_STYLE, StyleType::Table).name("Seloste fields"))
        .add_abstract_numbering(
            AbstractNumbering::new(BULLETS).add_level(
                Level::new(0, Start::new(1), NumberFormat::new("bullet"), LevelText::new("•"), LevelJc::new("left"))
                    .indent(Some(cm(BODY_INDENT_CM + 0.6)), Some(SpecialIndentType::Hanging(cm(0.6))), None, None),
            ),
        )
        .add_numbering(Numbering::new(BULLETS, BULLETS))
        .header(header(document, text_width));

    let mut bookmark = 0;
    for (index, part) in document.parts.iter().enumerate() {
        bookmark += 1;
        let title = Paragraph::new()
            .style("Heading1")
            .page_break_before(index > 0)
            .add_bookmark_start(bookmark, part_bookmark(part.lang))
            .add_run(Run::new().add_text(&part.heading))
            .add_bookmark_end(bookmark);
        docx = docx.add_paragraph(title);
        if let Some(draft) = &part.draft {
            docx = docx.add_paragraph(body_paragraph(draft).bold());
        }
        docx = docx.add_paragraph(body_paragraph(&part.intro));
        if !part.details.is_empty() {
            docx = docx.add_table(field_table(&part.details));
        }
        for section in &part.sections {
            docx = add_section(docx, section, 2);
        }
        if let Some(note) = &part.signature {
            docx = docx.add_paragraph(
                body_paragraph(&note.statement).keep_next(true).line_spacing(LineSpacing::new().before(360).after(120)),
            );
            for signer in &note.signers {
                docx = docx.add_paragraph(body_paragraph(signer));
            }
        }
    }

    let mut xml = docx.build();
    xml.document = mark_header_columns(&xml.document);
    xml.document = tag_languages(&xml.document, document.parts.iter().map(|part| part.lang));
    xml.styles = default_styles(&xml.styles, document.lang);
    xml.doc_props.core = core_xml(document).into_bytes();
    let mut stored = Cursor::new(Vec::new());
    xml.pack(&mut stored).map_err(|err| Error::Render { what: document.title.clone(), message: err.to_string() })?;
    deflate_parts(stored.get_ref())
        .map_err(|err| Error::Render { what: document.title.clone(), message: format!("packing the DOCX: {err}") })
}

/// The package again with every part deflated. docx-rs writes its parts uncompressed
/// (`Stored`), which made a two-page notice 64 KB instead of 15, four times what is
/// written, hashed, signed and archived. The fastest level: these parts are XML, which
/// even it shrinks to a quarter. Every entry keeps the fixed date of 1980-01-01, so the
/// file is the same whenever it is made.
fn deflate_parts(stored: &[u8]) -> zip::result::ZipResult<Vec<u8>> {
    let mut parts = zip::ZipArchive::new(Cursor::new(stored))?;
    let mut package = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(stored.len() / 3)));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .last_modified_time(zip::DateTime::default());
    for index in 0..parts.len() {
        let mut part = parts.by_index(index)?;
        if part.is_dir() {
            package.add_directory(part.name(), options)?;
        } else {
            package.start_file(part.name(), options)?;
            std::io::copy(&mut part, &mut package)?;
        }
    }
    Ok(package.finish()?.into_inner())
}

fn heading_style(id: &str, name: &str, size: usize, outline: usize) -> Style {
    Style::new(id, StyleType::Paragraph)
        .name(name)
        .based_on("Normal")
        .next("Normal")
        .bold()
        .size(size)
        .outline_lvl(outline)
        .line_spacing(LineSpacing::new().before(240).after(120))
}

/// The title block at the top of every page, as a borderless table: organisation at
/// the left, document type, date and reference from 9.2 cm, and the page as `1 (3)`
/// with PAGE and NUMPAGES fields at the right margin.
fn header(document: &Document, text_width: f64) -> docx_rs::Header {
    let lines = |texts: &[String]| -> Vec<Paragraph> {
        texts.iter().map(|text| Paragraph::new().add_run(Run::new().add_text(text))).collect()
    };
    let mut middle: Vec<Paragraph> = document
        .header
        .doc_types
        .iter()
        .map(|doc_type| Paragraph::new().add_run(Run::new().add_text(doc_type).bold()))
        .collect();
    middle
        .extend(document.header.draft.iter().map(|draft| Paragraph::new().add_run(Run::new().add_text(draft).bold())));
    middle.extend(lines(std::slice::from_ref(&document.header.date)));
    middle.extend(lines(&document.header.reference.iter().cloned().collect::<Vec<_>>()));
    let page = Paragraph::new()
        .align(AlignmentType::Right)
        .add_page_num(PageNum::new())
        .add_run(Run::new().add_text(" ("))
        .add_num_pages(NumPages::new())
        .add_run(Run::new().add_text(")"));

    let widths = [cm(BLOCK_START_CM), cm(text_width - BLOCK_START_CM - PAGE_COLUMN_CM), cm(PAGE_COLUMN_CM)];
    let cell = |paragraphs: Vec<Paragraph>, width: i32| {
        paragraphs.into_iter().fold(TableCell::new().width(width as usize, WidthType::Dxa), TableCell::add_paragraph)
    };
    let row = TableRow::new(vec![
        cell(lines(&document.header.organisation), widths[0]),
        cell(middle, widths[1]),
        cell(vec![page], widths[2]),
    ]);
    let table = Table::without_borders(vec![row])
        .set_grid(widths.iter().map(|width| *width as usize).collect())
        .layout(TableLayoutType::Fixed)
        .width(cm(text_width) as usize, WidthType::Dxa)
        .indent(0);
    docx_rs::Header::new().add_table(table)
}

fn body_paragraph(text: &str) -> Paragraph {
    Paragraph::new()
        .indent(Some(cm(BODY_INDENT_CM)), None, None, None)
        .line_spacing(LineSpacing::new().after(120))
        .add_run(Run::new().add_text(text))
}

fn add_section(mut docx: Docx, section: &Section, level: usize) -> Docx {
    let style = format!("Heading{}", level.min(3));
    let heading = Paragraph::new()
        .style(&style)
        .keep_next(true)
        .tabs(&[Tab::new().val(TabValueType::Left).pos(cm(BODY_INDENT_CM) as usize)])
        .add_run(Run::new().add_text(&section.number).add_tab().add_text(&section.heading));
    docx = docx.add_paragraph(heading);
    for (index, block) in section.blocks.iter().enumerate() {
        let introduces_list = matches!(section.blocks.get(index + 1), Some(Block::List { .. }));
        docx = add_block(docx, block, introduces_list);
    }
    for subsection in &section.subsections {
        docx = add_section(docx, subsection, level + 1);
    }
    docx
}

/// `introduces_list`: the block is a paragraph a list follows, kept on the page of the
/// list's first item.
fn add_block(mut docx: Docx, block: &Block, introduces_list: bool) -> Docx {
    match block {
        Block::Paragraph { text } => docx.add_paragraph(body_paragraph(text).keep_next(introduces_list)),
        Block::List { items } => {
            for item in items {
                let paragraph = Paragraph::new()
                    .numbering(NumberingId::new(BULLETS), IndentLevel::new(0))
                    .line_spacing(LineSpacing::new().after(60))
                    .add_run(Run::new().add_text(item));
                docx = docx.add_paragraph(paragraph);
            }
            docx
        }
        Block::Fields { rows } => docx.add_table(field_table(rows)),
    }
}

/// Label-value rows as a borderless two-column table whose first column is marked as
/// the header column, so that a screen reader names the label with each value.
fn field_table(rows: &[Field]) -> Table {
    let text_width = A4_WIDTH_CM - MARGIN_LEFT_CM - MARGIN_RIGHT_CM;
    let widths = [cm(LABEL_WIDTH_CM), cm(text_width - BODY_INDENT_CM - LABEL_WIDTH_CM)];
    let cell = |paragraph: Paragraph, width: i32| {
        TableCell::new().width(width as usize, WidthType::Dxa).add_paragraph(paragraph)
    };
    let rows = rows
        .iter()
        .map(|row| {
            let mut value = Run::new();
            for (index, line) in row.lines.iter().enumerate() {
                if index > 0 {
                    value = value.add_break(BreakType::TextWrapping);
                }
                value = value.add_text(line);
            }
            let label = Paragraph::new()
                .line_spacing(LineSpacing::new().after(80))
                .add_run(Run::new().add_text(&row.label).bold());
            let value = Paragraph::new().line_spacing(LineSpacing::new().after(80)).add_run(value);
            TableRow::new(vec![cell(label, widths[0]), cell(value, widths[1])]).cant_split()
        })
        .collect();
    Table::without_borders(rows)
        .style(FIELD_TABLE_STYLE)
        .set_grid(widths.iter().map(|width| *width as usize).collect())
        .layout(TableLayoutType::Fixed)
        .width((widths[0] + widths[1]) as usize, WidthType::Dxa)
        .indent(cm(BODY_INDENT_CM))
}

/// Declares the first column of every field table a header column (`w:tblLook`), which
/// docx-rs cannot write; Word and its accessibility checker read labels from it.
fn mark_header_columns(document_xml: &[u8]) -> Vec<u8> {
    let xml = String::from_utf8_lossy(document_xml);
    let marker = format!(r#"<w:tblStyle w:val="{FIELD_TABLE_STYLE}" />"#);
    let look = r#"<w:tblLook w:val="0080" w:firstRow="0" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="1" w:noVBand="1" />"#;
    let mut out = String::with_capacity(xml.len() + xml.len() / 16);
    let mut rest: &str = &xml;
    while let Some(at) = rest.find(&marker) {
        let Some(close) = rest[at..].find("</w:tblPr>").map(|close| at + close) else { break };
        out.push_str(&rest[..close]);
        out.push_str(look);
        rest = &rest[close..];
    }
    out.push_str(rest);
    out.into_bytes()
}

/// Gives every run of each language part its `w:lang`, so that spelling, hyphenation and
/// screen readers switch language with the text. The parts start at their bookmarks, in
/// document order.
fn tag_languages(document_xml: &[u8], langs: impl Iterator<Item = Lang>) -> Vec<u8> {
    let xml = String::from_utf8_lossy(document_xml);
    let mut cuts: Vec<(usize, Lang)> = langs
        .filter_map(|lang| xml.find(&format!("w:name=\"{}\"", part_bookmark(lang))).map(|at| (at, lang)))
        .collect();
    cuts.sort();
    let mut out = String::with_capacity(xml.len() + xml.len() / 8);
    let mut start = 0;
    for (index, (at, lang)) in cuts.iter().enumerate() {
        if index == 0 {
            out.push_str(&xml[..*at]);
            start = *at;
        }
        let end = cuts.get(index + 1).map_or(xml.len(), |next| next.0);
        out.push_str(&with_language(&xml[start..end], *lang));
        start = end;
    }
    if cuts.is_empty() {
        out.push_str(&xml);
    }
    out.into_bytes()
}

/// Adds `<w:lang>` as the last child of every run-property element in `xml`.
fn with_language(xml: &str, lang: Lang) -> String {
    let tag = format!("<w:lang w:val=\"{}\" />", lang.tag());
    // Closing tags first: the empty elements, once expanded, must not be tagged again.
    xml.replace("</w:rPr>", &format!("{tag}</w:rPr>")).replace("<w:rPr />", &format!("<w:rPr>{tag}</w:rPr>"))
}

/// Sets the document's default language in the styles' run-property defaults, so that
/// the header and anything added later in Word start in the main language, and marks
/// Normal as the default paragraph style, which docx-rs leaves unmarked.
fn default_styles(styles_xml: &[u8], lang: Lang) -> Vec<u8> {
    let xml = String::from_utf8_lossy(styles_xml).replacen(
        r#"<w:style w:type="paragraph" w:styleId="Normal">"#,
        r#"<w:style w:type="paragraph" w:default="1" w:styleId="Normal">"#,
        1,
    );
    let Some(defaults) = xml.find("<w:rPrDefault>") else { return xml.into_bytes() };
    let Some(close) = xml[defaults..].find("</w:rPr>").map(|at| defaults + at + "</w:rPr>".len()) else {
        return xml.into_bytes();
    };
    format!("{}{}{}", &xml[..defaults], with_language(&xml[defaults..close], lang), &xml[close..]).into_bytes()
}

/// The package's core properties: title, author, subject and language, dated by the
/// document's own date so that the file is the same whenever it is rendered.
fn core_xml(document: &Document) -> String {
    let date = format!("{}T00:00:00Z", document.date.iso());
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" "#,
            r#"xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" "#,
            r#"xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            r#"<dc:title>{title}</dc:title><dc:subject>{subject}</dc:subject><dc:creator>{author}</dc:creator>"#,
            r#"<cp:lastModifiedBy>{author}</cp:lastModifiedBy><dc:language>{lang}</dc:language><cp:revision>1</cp:revision>"#,
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{date}</dcterms:created>"#,
            r#"<dcterms:modified xsi:type="dcterms:W3CDTF">{date}</dcterms:modified>"#,
            r#"</cp:coreProperties>"#
        ),
        title = xml_escape(&document.title),
        subject = xml_escape(&document.subject),
        author = xml_escape(&document.author),
        lang = document.parts.iter().map(|part| part.lang.tag()).collect::<Vec<_>>().join(", "),
        date = date,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_run_property_of_a_part_gets_its_language() {
        let xml = r#"<w:p><w:r><w:rPr /><w:t>a</w:t></w:r><w:r><w:rPr><w:b /></w:rPr></w:r></w:p>"#;
        assert_eq!(
            with_language(xml, Lang::Sv),
            r#"<w:p><w:r><w:rPr><w:lang w:val="sv-FI" /></w:rPr><w:t>a</w:t></w:r><w:r><w:rPr><w:b /><w:lang w:val="sv-FI" /></w:rPr></w:r></w:p>"#
        );
    }

    #[test]
    fn parts_are_tagged_from_their_bookmark_on() {
        let xml = format!(
            r#"<w:body><w:bookmarkStart w:name="{}" /><w:rPr /><w:bookmarkStart w:name="{}" /><w:rPr /></w:body>"#,
            part_bookmark(Lang::Fi),
            part_bookmark(Lang::Sv)
        );
        let tagged = String::from_utf8(tag_languages(xml.as_bytes(), [Lang::Fi, Lang::Sv].into_iter())).unwrap();
        let fi = tagged.find("fi-FI").unwrap();
        let sv = tagged.find("sv-FI").unwrap();
        assert!(fi < sv && tagged.matches("w:lang").count() == 2, "{tagged}");
    }
}
