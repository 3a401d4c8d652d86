//! seloste: privacy notices (tietosuojaseloste / dataskyddsbeskrivning) for Finnish
//! public-sector registers.
//!
//! The pipeline has one module per stage: [`record`] loads a register's YAML or JSON
//! record and its organisation file, [`check`] says what is wrong with it, [`compose`]
//! turns a register and a language form into one [`compose::Document`], [`render`]
//! prints that document as PDF (Typst) or DOCX (docx-rs), [`sign`] signs the bytes,
//! [`output`] writes them and [`archive`] keeps every version; [`verify`] checks signed
//! files beside [`sign`]. [`batch`] runs the pipeline over a folder. [`Engine`] holds
//! what is loaded once per process. ARCHITECTURE.md states which module may use which.

pub mod archive;
pub mod assets;
pub mod batch;
pub mod check;
pub mod compose;
pub mod error;
pub mod hex;
pub mod import;
pub mod output;
pub mod pdf;
pub mod pkix;
pub mod publish;
pub mod record;
pub mod render;
pub mod revocation;
pub mod sign;
pub mod source;
pub mod statutes;
pub mod text;
pub mod time;
pub mod timestamp;
pub mod verify;
pub mod xml;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::json;

pub use assets::Assets;
pub use compose::{Document, LangForm};
pub use error::{Diagnostic, Error, Severity};
pub use output::Output;
pub use record::Register;
pub use render::Format;

/// The archive's code lists and phrases in `lang`, from its templates; the title is left
/// to be made per register.
fn archive_words(texts: &compose::Texts, lang: text::Lang) -> Result<archive::Vocabulary, Error> {
    let data = json!({ "years": "{years}" });
    let text = |key: &str| texts.render(lang, &format!("archive.{key}"), &data);
    Ok(archive::Vocabulary {
        title: String::new(),
        publicity: [text("publicity.1")?, text("publicity.2")?, text("publicity.3")?, text("publicity.4")?],
        personal_data: [text("personal_data.1")?, text("personal_data.2")?, text("personal_data.3")?],
        permanent: text("permanent")?,
        years: text("years")?,
        signed: text("signed")?,
        unsigned: text("unsigned")?,
    })
}

/// What an organisation adds to the checks and the citations of its notices, from the
/// files its organisation file names.
#[derive(Default)]
struct OrganisationExtras {
    statutes: Option<statutes::Entries>,
    rules: Option<check::lint::Rules>,
}

/// A loaded register that passed the check, with what the check said short of an error.
pub struct Checked {
    pub register: Register,
    /// Warnings and notes, every one.
    pub findings: Vec<Diagnostic>,
}

/// Everything loaded once per process: the compiled text templates, the statute
/// catalog, the check's rules, the fonts and the layout.
pub struct Engine {
    texts: compose::Texts,
    pdf: render::pdf::PdfRenderer,
    web: render::html::WebRenderer,
    /// The order of register names in the web index.
    collation: publish::Collation,
    /// The archive's words in each language, but for the title, which names the register.
    archive_words: Vec<(text::Lang, archive::Vocabulary)>,
    rules: check::lint::Rules,
    checklist: check::completeness::Checklist,
    headings: import::sections::Vocabulary,
    /// The regular font, for reading PDFs whose fonts are not embedded.
    fallback_font: &'static [u8],
    /// Each organisation's own statutes and rules, read once per organisation file.
    extras: Mutex<HashMap<PathBuf, Arc<OrganisationExtras>>>,
}

impl Engine {
    pub fn new(assets: &Assets) -> Result<Engine, Error> {
        let texts = compose::Texts::load(assets)?;
        let archive_words = text::Lang::ALL
            .into_iter()
            .map(|lang| Ok((lang, archive_words(&texts, lang)?)))
            .collect::<Result<_, Error>>()?;
        let rules = check::lint::Rules::parse(Path::new(&assets.lint_rules.name), &assets.lint_rules.text)?;
        let checklist = check::completeness::Checklist::parse(&assets.checklist.name, &assets.checklist.text)?;
        let headings = import::sections::Vocabulary::parse(&assets.import_headings.name, &assets.import_headings.text)?;
        Ok(Engine {
            texts,
            pdf: render::pdf::PdfRenderer::load(assets)?,
            web: render::html::WebRenderer::load(assets)?,
            collation: publish::Collation::parse(&assets.collation.name, &assets.collation.text)?,
            archive_words,
            rules,
            checklist,
            headings,
            fallback_font: assets.fonts.first().copied().unwrap_or_default(),
            extras: Mutex::default(),
        })
    }

    /// The organisation's own statutes and rules, read on its first register.
    fn extras(&self, register: &Register) -> Result<Arc<OrganisationExtras>, Error> {
        let mut cache = self.extras.lock().unwrap_or_else(|poison| poison.into_inner());
        if let Some(extras) = cache.get(&register.organisation_path) {
            return Ok(Arc::clone(extras));
        }
        let base = register.organisation_path.parent().unwrap_or(Path::new("."));
        let organisation = &register.organisation;
        let statutes =
            organisation.statutes.as_ref().map(|path| statutes::Entries::load_own(&base.join(path))).transpose()?;
        let rules_path = organisation.check.as_ref().and_then(|settings| settings.rules.as_ref());
        let rules = rules_path.map(|path| check::lint::Rules::load(&base.join(path))).transpose()?;
        let extras = Arc::new(OrganisationExtras { statutes, rules });
        cache.insert(register.organisation_path.clone(), Arc::clone(&extras));
        Ok(extras)
    }

    /// Every finding of the check about a loaded register, errors included: the record's
    /// fields and texts, and the notice composed in each declared language.
    pub fn check(&self, register: &Register) -> Result<Vec<Diagnostic>, Error> {
        let extras = self.extras(register)?;
        let mut rules = vec![&self.rules];
        rules.extend(extras.rules.as_ref());
        let printable = |c: char| self.pdf.can_print(c);
        let context = check::Context {
            register,
            statutes: self.statutes(),
            own_statutes: extras.statutes.as_ref(),
            rules: &rules,
            printable: &printable,
        };
        let mut findings = check::check_register(&context);
        findings.extend(check::completeness::record_points(&self.checklist, register));
        if !findings.iter().any(Diagnostic::is_error) {
            let forms: Vec<LangForm> = register.record.languages.iter().map(|lang| LangForm::single(*lang)).collect();
            let documents = self.compose_forms(register, &forms, None)?;
            let documents: Vec<&Document> = documents.iter().map(|(_, document)| document).collect();
            let consent =
                |lang| self.texts.render(lang, "rights.consent", &compose::consent_context()).unwrap_or_default();
            findings.extend(check::check_notice(&self.checklist, register, &documents, &consent));
        }
        let known = check::known_rules(&self.checklist, &rules);
        Ok(check::accept(register, &known, findings))
    }

    /// Loads a record and its organisation file, then checks them: every error found is
    /// reported at once; warnings and notes come with the register.
    pub fn load_checked(&self, path: &Path) -> Result<Checked, Error> {
        let register = record::load::load_register(path)?;
        let (errors, findings): (Vec<Diagnostic>, Vec<Diagnostic>) =
            self.check(&register)?.into_iter().partition(Diagnostic::is_error);
        if errors.is_empty() { Ok(Checked { register, findings }) } else { Err(Error::Input(errors)) }
    }

    /// What `seloste import` reads legacy notices with.
    pub fn importer(&self) -> import::Importer<'_> {
        import::Importer { vocabulary: &self.headings, catalog: self.statutes(), fallback_font: self.fallback_font }
    }

    /// The statute catalog the records are checked against and cite from.
    pub fn statutes(&self) -> &statutes::StatuteCatalog {
        self.texts.statutes()
    }

    /// Every finding about the record at `path`: what stops it from loading, or what the
    /// check says of it.
    /// A file with shape errors is checked as repaired, and what the check says of a
    /// repaired field is left out, so that one run says everything once.
    pub fn check_file(&self, path: &Path) -> Vec<Diagnostic> {
        let found = record::load::load_register_repaired(path).and_then(|(register, errors)| {
            let findings = self.check(&register)?;
            let repaired = |finding: &Diagnostic| {
                errors.iter().any(|error| {
                    error.file == finding.file && (error.field.is_empty() || finding.field.starts_with(&error.field))
                })
            };
            let mut all: Vec<Diagnostic> = errors.iter().cloned().map(todo_as_fill_in).collect();
            all.extend(findings.into_iter().filter(|finding| !repaired(finding)));
            Ok(all)
        });
        match found {
            Ok(findings) => findings,
            Err(Error::Input(diagnostics)) => diagnostics,
            Err(other) => vec![Diagnostic::error("file.read", path, "", other.to_string())],
        }
    }

    /// Loads and checks a record, keeping only the register; see [`Engine::load_checked`].
    pub fn load(&self, path: &Path) -> Result<Register, Error> {
        self.load_checked(path).map(|checked| checked.register)
    }

    /// `signed_by` names the signing certificate when the notice is rendered for signing.
    pub fn compose(&self, register: &Register, form: LangForm, signed_by: Option<&str>) -> Result<Document, Error> {
        let extras = self.extras(register)?;
        compose::compose(&self.texts, register, extras.statutes.as_ref(), form, signed_by)
    }

    /// Prints a composed document; `links` is what its web page links to besides itself.
    fn render(
        &self,
        document: &Document,
        format: Format,
        ident: &str,
        links: &render::html::Links,
    ) -> Result<Vec<u8>, Error> {
        match format {
            Format::Pdf => self.pdf.render(document, ident),
            Format::Docx => render::docx::render(document),
            Format::Html => self.web.page(&self.texts, document, links),
            Format::Json => render::json(document, ident),
        }
    }

    /// Rewrites the register index of a folder of web pages (`index.html`, and
    /// `index.sv.html` when a register is in Swedish) from the pages in it.
    pub fn write_index(&self, dir: &Path) -> Result<Vec<PathBuf>, Error> {
        publish::write_index(&self.web, &self.texts, &self.collation, dir)
    }

    /// The language forms to produce for `register`: the requested ones, or by default
    /// every declared language and the bilingual form when both are declared.
    pub fn forms_for(&self, register: &Register, requested: &[LangForm]) -> Result<Vec<LangForm>, Error> {
        let declared = &register.record.languages;
        if requested.is_empty() {
            return Ok(LangForm::defaults(declared));
        }
        for form in requested {
            if let Some(missing) = form.languages().iter().find(|lang| !declared.contains(lang)) {
                return Err(Error::input(register.source.error(
                    "record.languages",
                    "languages",
                    format!("the record is not published in `{missing}`, so it has no `{}` form; add `{missing}` to its languages and its texts", form.file_code()),
                )));
            }
        }
        Ok(requested.to_vec())
    }

    /// Composes the register's notice in each requested form; `signed_by` names the
    /// signing certificate when the notices will be signed.
    pub fn compose_forms(
        &self,
        register: &Register,
        forms: &[LangForm],
        signed_by: Option<&str>,
    ) -> Result<Vec<(LangForm, Document)>, Error> {
        self.forms_for(register, forms)?
            .into_iter()
            .map(|form| self.compose(register, form, signed_by).map(|document| (form, document)))
            .collect()
    }

    /// A fingerprint of what composed notices say: the same whenever the content is the
    /// same, however often it is signed.
    pub fn fingerprint(&self, register: &Register, documents: &[(LangForm, Document)]) -> Result<String, Error> {
        let documents: Vec<&Document> = documents.iter().map(|(_, document)| document).collect();
        let json = serde_json::to_vec(&documents)
            .map_err(|err| Error::Render { what: register.record.id.clone(), message: err.to_string() })?;
        Ok(archive::bag::sha256_hex(&json))
    }

    /// The words the archive describes `register` with, in its first language; the
    /// title in each language the notice is published in.
    pub fn archive_vocabulary(&self, register: &Register) -> Result<archive::Vocabulary, Error> {
        let languages = &register.record.languages;
        let lang = languages[0];
        let words = self.archive_words.iter().find(|(of, _)| *of == lang).map(|(_, words)| words.clone());
        let titles = languages
            .iter()
            .map(|&lang| {
                let data = json!({ "register": register.record.name.get(lang) });
                self.texts.render(lang, "archive.title", &data)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(archive::Vocabulary { title: titles.join(" / "), ..words.expect("words for every language") })
    }

    /// Produces every requested file of one register in memory, named
    /// `<id>.<form>.<ext>`, signed when `signer` is given (a PDF inside, a DOCX or JSON
    /// file by a detached `<file>.p7s`). Nothing is returned unless everything succeeded.
    pub fn produce(
        &self,
        register: &Register,
        forms: &[LangForm],
        formats: &[Format],
        signer: Option<&sign::Signer>,
    ) -> Result<Vec<Output>, Error> {
        let signer_name = signer.map(|signer| signer.identity.signatory_line());
        let documents = self.compose_forms(register, forms, signer_name.as_deref())?;
        self.render_forms(register, &documents, formats, signer)
    }

    /// The files [`Engine::produce`] would make for `register`, by name, without making
    /// them: what `render --dry-run` shows. A signed DOCX or JSON comes with its `.p7s`.
    pub fn planned_files(
        &self,
        register: &Register,
        forms: &[LangForm],
        formats: &[Format],
        signed: bool,
    ) -> Result<Vec<String>, Error> {
        if signed {
            register.require_final("signed")?;
        }
        refuse_index_id(register, formats)?;
        let mut names = Vec::new();
        for form in self.forms_for(register, forms)? {
            for &format in formats {
                let name = format!("{}.{}.{}", register.record.id, form.file_code(), format.extension());
                if signed && format != Format::Pdf {
                    names.push(format!("{name}.p7s"));
                }
                names.push(name);
            }
        }
        Ok(names)
    }

    /// Renders composed notices into every format, signing them when `signer` is given.
    pub fn render_forms(
        &self,
        register: &Register,
        documents: &[(LangForm, Document)],
        formats: &[Format],
        signer: Option<&sign::Signer>,
    ) -> Result<Vec<Output>, Error> {
        if signer.is_some() {
            register.require_final("signed")?;
        }
        refuse_index_id(register, formats)?;
        let links = PageLinks {
            id: &register.record.id,
            forms: documents.iter().map(|(form, _)| *form).collect(),
            formats,
            signed: signer.is_some(),
        };
        let mut outputs = Vec::new();
        for (form, document) in documents {
            let page_links = links.of(*form);
            for &format in formats {
                let ident = format!("{}.{}", register.record.id, form.file_code());
                let file_name = format!("{ident}.{}", format.extension());
                let bytes = self.render(document, format, &ident, &page_links)?;
                match (signer, format) {
                    (None, _) => outputs.push(Output { file_name, bytes, signature: None }),
                    (Some(signer), Format::Pdf) => {
                        let (bytes, signature) = signer.sign_pdf(&bytes)?;
                        outputs.push(Output { file_name, bytes, signature: Some(signature) });
                    }
                    (Some(signer), Format::Docx | Format::Html | Format::Json) => {
                        let (p7s, signature) = signer.sign_detached(&bytes)?;
                        outputs.push(Output { file_name: format!("{file_name}.p7s"), bytes: p7s, signature: None });
                        outputs.push(Output { file_name, bytes, signature: Some(signature) });
                    }
                }
            }
        }
        Ok(outputs)
    }
}

/// A register's web pages cannot be named like the index: `index.sv.html` is the Swedish one.
fn refuse_index_id(register: &Register, formats: &[Format]) -> Result<(), Error> {
    if !formats.contains(&Format::Html) || register.record.id != publish::INDEX_STEM {
        return Ok(());
    }
    Err(Error::input(register.source.error(
        "record.id",
        "id",
        format!(
            "the id `{}` is taken by the register index of the web pages (index.html); choose another id",
            publish::INDEX_STEM
        ),
    )))
}

/// The files of one register made in one run, which its web pages link to.
struct PageLinks<'a> {
    id: &'a str,
    forms: Vec<LangForm>,
    formats: &'a [Format],
    signed: bool,
}

impl PageLinks<'_> {
    /// What the page of `form` links to: the same form's PDF, DOCX and the DOCX's
    /// signature, and the pages of the other forms.
    fn of(&self, form: LangForm) -> render::html::Links {
        use render::html::{FileKind, FileLink, PageLink};
        let stem = |form: LangForm| format!("{}.{}", self.id, form.file_code());
        let mut files = Vec::new();
        if self.formats.contains(&Format::Pdf) {
            let kind = if self.signed { FileKind::SignedPdf } else { FileKind::Pdf };
            files.push(FileLink { kind, href: format!("{}.pdf", stem(form)) });
        }
        if self.formats.contains(&Format::Docx) {
            files.push(FileLink { kind: FileKind::Docx, href: format!("{}.docx", stem(form)) });
            if self.signed {
                files.push(FileLink { kind: FileKind::DocxSignature, href: format!("{}.docx.p7s", stem(form)) });
            }
        }
        let pages = self
            .forms
            .iter()
            .filter(|other| **other != form)
            .map(|other| PageLink { form: *other, href: format!("{}.html", stem(*other)) })
            .collect();
        render::html::Links { id: self.id.to_owned(), files, pages }
    }
}

/// A shape error on a value that is a draft's `TODO` (`document.date: "TODO: …"` is not a
/// date) says what to fill in, as the TODOs in texts do.
fn todo_as_fill_in(error: Diagnostic) -> Diagnostic {
    let Some(start) = error.message.find("`TODO:") else { return error };
    let what = error.message[start + 6..].split('`').next().unwrap_or_default().trim();
    Diagnostic {
        rule: "draft.todo".into(),
        message: format!("fill in: {what}"),
        hint: Some("replace the TODO with the value".into()),
        ..error
    }
}
