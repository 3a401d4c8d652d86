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
pub mod output;
pub mod pkix;
pub mod record;
pub mod render;
pub mod sign;
pub mod source;
pub mod statutes;
pub mod text;
pub mod time;
pub mod timestamp;
pub mod verify;
pub mod xml;

use std::path::Path;

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

/// Everything loaded once per process: the compiled text templates, the statute
/// catalog, the fonts and the layout.
pub struct Engine {
    texts: compose::Texts,
    pdf: render::pdf::PdfRenderer,
    /// The archive's words in each language, but for the title, which names the register.
    archive_words: Vec<(text::Lang, archive::Vocabulary)>,
}

impl Engine {
    pub fn new(assets: &Assets) -> Result<Engine, Error> {
        let texts = compose::Texts::load(assets)?;
        let archive_words = text::Lang::ALL
            .into_iter()
            .map(|lang| Ok((lang, archive_words(&texts, lang)?)))
            .collect::<Result<_, Error>>()?;
        Ok(Engine { texts, pdf: render::pdf::PdfRenderer::load(assets)?, archive_words })
    }

    /// The statute catalog the records are checked against and cite from.
    pub fn statutes(&self) -> &statutes::StatuteCatalog {
        self.texts.statutes()
    }

    /// Loads a record and its organisation file, then checks them: every error found is
    /// reported at once.
    pub fn load(&self, path: &Path) -> Result<Register, Error> {
        let register = record::load::load_register(path)?;
        let printable = |c: char| self.pdf.can_print(c);
        let errors: Vec<Diagnostic> = check::check_register(&register, self.statutes(), &printable)
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect();
        if errors.is_empty() { Ok(register) } else { Err(Error::Input(errors)) }
    }

    /// `signed_by` names the signing certificate when the notice is rendered for signing.
    pub fn compose(&self, register: &Register, form: LangForm, signed_by: Option<&str>) -> Result<Document, Error> {
        compose::compose(&self.texts, register, form, signed_by)
    }

    pub fn render(&self, document: &Document, format: Format, ident: &str) -> Result<Vec<u8>, Error> {
        match format {
            Format::Pdf => self.pdf.render(document, ident),
            Format::Docx => render::docx::render(document),
            Format::Json => render::json(document, ident),
        }
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

    /// The words the archive describes `register` with, in its first language.
    pub fn archive_vocabulary(&self, register: &Register) -> Result<archive::Vocabulary, Error> {
        let lang = register.record.languages[0];
        let words = self.archive_words.iter().find(|(of, _)| *of == lang).map(|(_, words)| words.clone());
        let data = json!({ "register": register.record.name.get(lang) });
        let title = self.texts.render(lang, "archive.title", &data)?;
        Ok(archive::Vocabulary { title, ..words.expect("words for every language") })
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
        let signer_name = signer.map(|signer| signer.identity.common_name());
        let documents = self.compose_forms(register, forms, signer_name.as_deref())?;
        self.render_forms(register, &documents, formats, signer)
    }

    /// Renders composed notices into every format, signing them when `signer` is given.
    pub fn render_forms(
        &self,
        register: &Register,
        documents: &[(LangForm, Document)],
        formats: &[Format],
        signer: Option<&sign::Signer>,
    ) -> Result<Vec<Output>, Error> {
        let mut outputs = Vec::new();
        for (form, document) in documents {
            for &format in formats {
                let ident = format!("{}.{}", register.record.id, form.file_code());
                let file_name = format!("{ident}.{}", format.extension());
                let bytes = self.render(document, format, &ident)?;
                match (signer, format) {
                    (None, _) => outputs.push(Output { file_name, bytes, signature: None }),
                    (Some(signer), Format::Pdf) => {
                        let (bytes, signature) = signer.sign_pdf(&bytes)?;
                        outputs.push(Output { file_name, bytes, signature: Some(signature) });
                    }
                    (Some(signer), Format::Docx | Format::Json) => {
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
