//! seloste: privacy notices (tietosuojaseloste / dataskyddsbeskrivning) for Finnish
//! public-sector registers.
//!
//! The pipeline has one module per stage: [`record`] loads a register's YAML or JSON
//! record and its organisation file, [`check`] applies the rules that span fields,
//! [`compose`] turns a register and a language form into one [`compose::Document`],
//! and [`render`] prints that document as PDF (Typst) or DOCX (docx-rs). [`batch`] runs
//! the pipeline over a folder. [`Engine`] holds what is loaded once per process.

pub mod archive;
pub mod assets;
pub mod batch;
pub mod check;
pub mod compose;
pub mod error;
pub mod hex;
pub mod output;
pub mod record;
pub mod render;
pub mod sign;
pub mod statutes;
pub mod timestamp;
pub mod verify;

use std::path::Path;

pub use assets::Assets;
pub use compose::{Document, LangForm};
pub use error::{Error, InputError};
pub use output::Output;
pub use record::Register;
pub use render::Format;

/// Everything loaded once per process: the compiled text templates, the statute
/// catalog, the fonts and the layout.
pub struct Engine {
    texts: compose::Texts,
    pdf: render::pdf::PdfRenderer,
}

impl Engine {
    pub fn new(assets: &Assets) -> Result<Engine, Error> {
        Ok(Engine { texts: compose::Texts::load(assets)?, pdf: render::pdf::PdfRenderer::load(assets)? })
    }

    /// The statute catalog the records are checked against and cite from.
    pub fn statutes(&self) -> &statutes::StatuteCatalog {
        self.texts.statutes()
    }

    /// Loads and checks a record and its organisation file.
    pub fn load(&self, path: &Path) -> Result<Register, Error> {
        record::load_register(path, self.texts.statutes())
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
                let text = record::read_text(&register.path).unwrap_or_default();
                return Err(Error::Input(InputError::new(
                    &register.path,
                    "languages".into(),
                    check::line_of(&text, "languages:"),
                    format!("the record is not published in `{missing}`, so it has no `{}` form; add `{missing}` to its languages and its texts", form.file_code()),
                )));
            }
        }
        Ok(requested.to_vec())
    }

    /// Composes the register's notice in each requested form; `signed_by` names the
    /// signing certificate when the notices will be signed.
    pub fn compose_forms(&self, register: &Register, forms: &[LangForm], signed_by: Option<&str>) -> Result<Vec<(LangForm, Document)>, Error> {
        self.forms_for(register, forms)?
            .into_iter()
            .map(|form| self.compose(register, form, signed_by).map(|document| (form, document)))
            .collect()
    }

    /// A fingerprint of what composed notices say: the same whenever the content is the
    /// same, however often it is signed.
    pub fn fingerprint(&self, register: &Register, documents: &[(LangForm, Document)]) -> Result<String, Error> {
        let documents: Vec<&Document> = documents.iter().map(|(_, document)| document).collect();
        let json = serde_json::to_vec(&documents).map_err(|err| Error::Render { what: register.record.id.clone(), message: err.to_string() })?;
        Ok(archive::bag::sha256_hex(&json))
    }

    /// Produces every requested file of one register in memory, named
    /// `<id>.<form>.<ext>`, signed when `signing` is given (a PDF inside, a DOCX or JSON
    /// file by a detached `<file>.p7s`). Nothing is returned unless everything succeeded.
    pub fn produce(
        &self,
        register: &Register,
        forms: &[LangForm],
        formats: &[Format],
        signing: Option<&sign::Signing>,
    ) -> Result<Vec<Output>, Error> {
        let signer_name = signing.map(|signing| signing.identity.common_name());
        let documents = self.compose_forms(register, forms, signer_name.as_deref())?;
        self.render_forms(register, &documents, formats, signing)
    }

    /// Renders composed notices into every format, signing them when `signing` is given.
    pub fn render_forms(
        &self,
        register: &Register,
        documents: &[(LangForm, Document)],
        formats: &[Format],
        signing: Option<&sign::Signing>,
    ) -> Result<Vec<Output>, Error> {
        let mut outputs = Vec::new();
        for (form, document) in documents {
            for &format in formats {
                let ident = format!("{}.{}", register.record.id, form.file_code());
                let file_name = format!("{ident}.{}", format.extension());
                let bytes = self.render(document, format, &ident)?;
                match (signing, format) {
                    (None, _) => outputs.push(Output { file_name, bytes, signature: None }),
                    (Some(signing), Format::Pdf) => {
                        let (bytes, signature) = signing.sign_pdf(&bytes)?;
                        outputs.push(Output { file_name, bytes, signature: Some(signature) });
                    }
                    (Some(signing), Format::Docx | Format::Json) => {
                        let (p7s, signature) = signing.sign_detached(&bytes)?;
                        outputs.push(Output { file_name: format!("{file_name}.p7s"), bytes: p7s, signature: None });
                        outputs.push(Output { file_name, bytes, signature: Some(signature) });
                    }
                }
            }
        }
        Ok(outputs)
    }
}
