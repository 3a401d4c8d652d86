//! HTML: the third renderer of the composed document, a web page an organisation can
//! publish as it is, and the index of such pages.
//!
//! The pages are made by the Handlebars templates `templates/notice.html` and
//! `templates/index.html` from a view built here, and Handlebars escapes every value, so a
//! record's `<script>` or `{{` prints as text. A page is self-contained: its style sheet,
//! `templates/web.css`, is inline, and its Content-Security-Policy allows that style sheet
//! (by its hash) and nothing else, so the page can neither load nor run anything. The
//! words around the notice (skip link, table of contents, link texts) are the `web` texts
//! of `templates/<lang>.yaml`.

use handlebars::Handlebars;
use serde::Serialize;
use serde_json::{Value, json};

use crate::assets::Assets;
use crate::compose::{Block, Document, Field, LangForm, Part, Section, Texts};
use crate::error::Error;
use crate::text::Lang;
use crate::time::Date;

/// A file of the same notice that a page or the index links to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    Pdf,
    SignedPdf,
    Docx,
    /// The detached signature (`.docx.p7s`) of the DOCX.
    DocxSignature,
}

impl FileKind {
    /// The `web` text naming the file on a notice's page.
    fn label_key(self) -> &'static str {
        match self {
            FileKind::Pdf => "web.pdf",
            FileKind::SignedPdf => "web.pdf_signed",
            FileKind::Docx => "web.docx",
            FileKind::DocxSignature => "web.docx_signature",
        }
    }

    /// The `web` text naming the file in the index, where the register's name is the context.
    fn short_label_key(self) -> &'static str {
        match self {
            FileKind::Pdf | FileKind::SignedPdf => "web.index_pdf",
            FileKind::Docx => "web.index_docx",
            FileKind::DocxSignature => "web.index_signature",
        }
    }

    fn media_type(self) -> &'static str {
        match self {
            FileKind::Pdf | FileKind::SignedPdf => "application/pdf",
            FileKind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileKind::DocxSignature => "application/pkcs7-signature",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileLink {
    pub kind: FileKind,
    /// The file's name, relative to the page.
    pub href: String,
}

/// A page of the same register in a language form, relative to the page linking to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageLink {
    pub form: LangForm,
    pub href: String,
}

/// What a notice's page links to besides itself.
#[derive(Clone, Debug, Default)]
pub struct Links {
    /// The register's id, which the page states for the index to find it by.
    pub id: String,
    /// The notice's PDF, DOCX and signature files.
    pub files: Vec<FileLink>,
    /// The pages of its other language forms.
    pub pages: Vec<PageLink>,
}

/// One register in the index, as its pages describe it.
#[derive(Clone, Debug)]
pub struct IndexEntry {
    pub id: String,
    /// The register's name in each language it is published in.
    pub names: Vec<(Lang, String)>,
    /// The organisation's name in each language its pages give it.
    pub publishers: Vec<(Lang, String)>,
    pub date: Date,
    /// Each language form's page, with the files of that form.
    pub versions: Vec<(PageLink, Vec<FileLink>)>,
}

impl IndexEntry {
    /// The name to list the register by in `lang`'s index: its name in `lang`, or else in
    /// the first language it has.
    pub fn name_in(&self, lang: Lang) -> (Lang, &str) {
        in_language(&self.names, lang)
    }
}

/// The text of `texts` in `lang`, or else the first there is, with the language it is in.
pub fn in_language(texts: &[(Lang, String)], lang: Lang) -> (Lang, &str) {
    let (text_lang, text) = texts.iter().find(|(of, _)| *of == lang).or(texts.first()).expect("at least one text");
    (*text_lang, text)
}

/// The templates of the web pages, compiled once per process.
pub struct WebRenderer {
    registry: Handlebars<'static>,
    style: String,
    policy: String,
}

/// Handlebars' name of each template, and the asset it is read from.
const NOTICE: &str = "notice";
const INDEX: &str = "index";

impl WebRenderer {
    pub fn load(assets: &Assets) -> Result<WebRenderer, Error> {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        registry.register_escape_fn(handlebars::html_escape);
        for (name, asset) in [(NOTICE, &assets.web_page), (INDEX, &assets.web_index)] {
            registry
                .register_template_string(name, &asset.text)
                .map_err(|err| Error::Template { name: asset.name.clone(), message: err.to_string() })?;
        }
        // A browser hashes the style with its line ends made LF; so must the policy, or a
        // copy saved with CRLF line ends would lose all its style.
        let style = assets.web_style.text.replace("\r\n", "\n").replace('\r', "\n");
        Ok(WebRenderer { policy: content_security_policy(&style), style, registry })
    }

    /// The web page of one composed notice.
    pub fn page(&self, texts: &Texts, document: &Document, links: &Links) -> Result<Vec<u8>, Error> {
        let lang = document.lang;
        let word = |key: &str| texts.render(lang, key, &json!({}));
        let bilingual = document.parts.len() > 1;
        let files = links
            .files
            .iter()
            .map(|file| {
                Ok(json!({ "href": file.href, "type": file.kind.media_type(), "label": word(file.kind.label_key())? }))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let languages = links
            .pages
            .iter()
            .map(|page| page_link(texts, lang, page, Vec::new()))
            .collect::<Result<Vec<_>, Error>>()?;
        let parts = document
            .parts
            .iter()
            .map(|part| part_view(texts, part, lang, bilingual))
            .collect::<Result<Vec<_>, Error>>()?;
        let view = json!({
            "lang": lang.code(),
            "title": document.title,
            "description": document.subject,
            "id": links.id,
            "publisher": document.author,
            "publishers": document.parts.iter().map(|part| json!({ "lang": part.lang.code(), "text": part.publisher })).collect::<Vec<_>>(),
            "date": document.date.iso(),
            "names": document.parts.iter().map(|part| json!({ "lang": part.lang.code(), "text": part.heading })).collect::<Vec<_>>(),
            "headings": document.parts.iter().map(|part| json!({
                "lang": (part.lang != lang).then(|| part.lang.code()),
                "text": part.heading,
            })).collect::<Vec<_>>(),
            "header": header_view(document),
            "files": files,
            "languages": languages,
            "parts": parts,
            "texts": { "skip": word("web.skip")?, "files": word("web.files")?, "languages": word("web.languages")? },
            "style": self.style,
            "csp": self.policy,
        });
        self.fill(NOTICE, &view, &document.title)
    }

    /// The index page in `lang` of the registers in `entries`, in the order given, under
    /// the names of the `publishers`; `other` is the index in the other language, when
    /// there is one.
    pub fn index(
        &self,
        texts: &Texts,
        lang: Lang,
        entries: &[IndexEntry],
        publishers: &[(Lang, &str)],
        other: Option<(Lang, &str)>,
    ) -> Result<Vec<u8>, Error> {
        let word = |key: &str| texts.render(lang, key, &json!({}));
        let registers = entries
            .iter()
            .map(|entry| {
                let (name_lang, name) = entry.name_in(lang);
                let (publisher_lang, publisher) = in_language(&entry.publishers, lang);
                let versions = entry
                    .versions
                    .iter()
                    .map(|(page, files)| {
                        let files = files
                            .iter()
                            .map(|file| {
                                Ok(json!({ "href": file.href, "type": file.kind.media_type(), "label": word(file.kind.short_label_key())? }))
                            })
                            .collect::<Result<Vec<_>, Error>>()?;
                        page_link(texts, lang, page, files)
                    })
                    .collect::<Result<Vec<_>, Error>>()?;
                Ok(json!({
                    "anchor": format!("r-{}", entry.id),
                    "name": name,
                    "lang": (name_lang != lang).then(|| name_lang.code()),
                    "date": entry.date.iso(),
                    "date_text": entry.date.finnish(),
                    "publisher": publisher,
                    "publisher_lang": (publisher_lang != lang).then(|| publisher_lang.code()),
                    "versions": versions,
                }))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let publishers: Vec<Value> = publishers
            .iter()
            .map(|(of, text)| json!({ "text": text, "lang": (*of != lang).then(|| of.code()) }))
            .collect();
        let other = other
            .map(|(other_lang, href)| -> Result<Value, Error> {
                let label = texts.render(other_lang, "web.in_language", &json!({}))?;
                Ok(json!({ "lang": other_lang.code(), "href": href, "label": label }))
            })
            .transpose()?;
        let title = word("web.index_title")?;
        let view = json!({
            "lang": lang.code(),
            "title": title,
            "publishers": publishers,
            "other": other,
            "registers": registers,
            "texts": { "skip": word("web.skip")?, "index_intro": word("web.index_intro")?, "index_dated": word("web.index_dated")? },
            "style": self.style,
            "csp": self.policy,
        });
        self.fill(INDEX, &view, &title)
    }

    fn fill(&self, template: &str, view: &Value, what: &str) -> Result<Vec<u8>, Error> {
        self.registry
            .render(template, view)
            .map(String::into_bytes)
            .map_err(|err| Error::Render { what: what.to_owned(), message: err.to_string() })
    }
}

/// The title block, each line marked with its language where it is not the page's.
fn header_view(document: &Document) -> Value {
    let header = &document.header;
    let marked =
        |text: &String, lang: Lang| json!({ "text": text, "lang": (lang != document.lang).then(|| lang.code()) });
    json!({
        "organisation": header.organisation.iter().zip(&header.organisation_langs).map(|(text, lang)| marked(text, *lang)).collect::<Vec<_>>(),
        "doc_types": header.doc_types.iter().zip(&document.parts).map(|(text, part)| marked(text, part.lang)).collect::<Vec<_>>(),
        "drafts": document.parts.iter().filter_map(|part| part.draft.as_ref().map(|draft| marked(draft, part.lang))).collect::<Vec<_>>(),
        "date": header.date,
        "reference": header.reference,
    })
}

/// Forbids every request, script, plug-in and form; allows only the inline style sheet,
/// named by its SHA-256 hash.
fn content_security_policy(style: &str) -> String {
    use base64ct::Encoding;
    let hash = ring::digest::digest(&ring::digest::SHA256, style.as_bytes());
    let hash = base64ct::Base64::encode_string(hash.as_ref());
    format!("default-src 'none'; style-src 'sha256-{hash}'; base-uri 'none'; form-action 'none'")
}

/// A link to a language form's page, named in the language it opens: "På svenska" on a
/// Finnish page, the page's own words for the bilingual form.
fn page_link(texts: &Texts, page_lang: Lang, page: &PageLink, files: Vec<Value>) -> Result<Value, Error> {
    let (label_lang, key) = match page.form.languages() {
        [only] => (*only, "web.in_language"),
        _ => (page_lang, "web.in_both"),
    };
    let single = (page.form.languages().len() == 1).then(|| label_lang.code());
    Ok(json!({
        "href": page.href,
        "lang": single,
        "label": texts.render(label_lang, key, &json!({}))?,
        "label_lang": label_lang.code(),
        "files": files,
    }))
}

/// One language's part of the page. On a bilingual page each part has its own heading
/// under the page's `<h1>`, and its sections go one level deeper.
fn part_view(texts: &Texts, part: &Part, page_lang: Lang, bilingual: bool) -> Result<Value, Error> {
    let top_level = if bilingual { 3 } else { 2 };
    let id = part.lang.code();
    Ok(json!({
        "id": id,
        "lang_attr": (part.lang != page_lang).then_some(id),
        "heading": bilingual.then_some(&part.heading),
        "draft": part.draft,
        "intro": part.intro,
        "details": part.details.iter().map(row_view).collect::<Vec<_>>(),
        "contents": texts.render(part.lang, "web.contents", &json!({}))?,
        "sections": part.sections.iter().map(|section| section_view(section, id, top_level)).collect::<Vec<_>>(),
        "signature": part.signature,
    }))
}

/// A section with its heading level (`h2` to `h6`) and an id made of the part's language
/// and its number (`fi-7-2`), unique on the page and stable from run to run.
fn section_view(section: &Section, part_id: &str, level: usize) -> Value {
    json!({
        "id": format!("{part_id}-{}", section.number.replace('.', "-")),
        "tag": format!("h{}", level.min(6)),
        "number": section.number,
        "heading": section.heading,
        "blocks": section.blocks.iter().map(block_view).collect::<Vec<_>>(),
        "subsections": section.subsections.iter().map(|sub| section_view(sub, part_id, level + 1)).collect::<Vec<_>>(),
    })
}

fn block_view(block: &Block) -> Value {
    let (paragraph, list, fields) = match block {
        Block::Paragraph { text } => (Some(text.as_str()), None, None),
        Block::List { items } => (None, Some(items), None),
        Block::Fields { rows } => (None, None, Some(rows.iter().map(row_view).collect::<Vec<_>>())),
    };
    json!({ "paragraph": paragraph, "list": list, "fields": fields })
}

#[derive(Serialize)]
struct LineView<'a> {
    text: &'a str,
    href: Option<String>,
    datetime: Option<String>,
}

/// A label and its lines; a line that is an e-mail address or a web address becomes a
/// link, and the date line a `<time>`.
fn row_view(field: &Field) -> Value {
    let lines: Vec<LineView> = field
        .lines
        .iter()
        .map(|line| LineView {
            text: line,
            href: address_of(line),
            datetime: field.datetime.filter(|date| *line == date.finnish()).map(Date::iso),
        })
        .collect();
    json!({ "label": field.label, "lines": lines })
}

/// The address a line is, when the whole line is one: `mailto:` for an e-mail address,
/// the web address itself (with `https://` when it starts with `www.`).
fn address_of(line: &str) -> Option<String> {
    let line = line.trim();
    if line.is_empty() || line.chars().any(|c| c.is_whitespace() || "<>\"'`\\".contains(c)) {
        return None;
    }
    if line.starts_with("https://") || line.starts_with("http://") {
        return Some(line.to_owned());
    }
    if line.starts_with("www.") && line.len() > 4 {
        return Some(format!("https://{line}"));
    }
    // An address with `?`, `&` or `%` could add hidden recipients or a text to the mail.
    if line.chars().any(|c| "?&%/:;,".contains(c)) {
        return None;
    }
    let (local, domain) = line.split_once('@')?;
    let plausible = !local.is_empty() && !domain.contains('@') && domain.contains('.') && !domain.starts_with('.');
    plausible.then(|| format!("mailto:{line}"))
}

#[cfg(test)]
mod tests {
    use super::address_of;

    #[test]
    fn whole_line_addresses_become_links() {
        assert_eq!(address_of("tietosuoja@lieto.fi").as_deref(), Some("mailto:tietosuoja@lieto.fi"));
        assert_eq!(address_of("www.lieto.fi").as_deref(), Some("https://www.lieto.fi"));
        assert_eq!(address_of("https://example.fi/a?b=1").as_deref(), Some("https://example.fi/a?b=1"));
        assert_eq!(address_of("PL 24, 21421 Lieto"), None);
        assert_eq!(address_of("javascript:alert(1)"), None);
        assert_eq!(address_of("a@b"), None);
        assert_eq!(address_of("x@y.fi\"onmouseover"), None);
        assert_eq!(address_of("x@y.fi?bcc=z@evil.fi"), None);
    }
}
