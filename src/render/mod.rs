//! The render stage: three renderers of one composed [`crate::compose::Document`].

pub mod docx;
pub mod html;
pub mod pdf;

use crate::compose::Document;
use crate::error::Error;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Pdf,
    Docx,
    /// A self-contained web page, for publishing on the organisation's site.
    Html,
    /// The composed document as JSON: exactly what the PDF layout reads as `/data.json`.
    Json,
}

impl Format {
    /// The formats made when none is asked for.
    pub const DEFAULT: [Format; 2] = [Format::Pdf, Format::Docx];

    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Html => "html",
            Format::Json => "json",
        }
    }
}

/// The composed document as the JSON the PDF layout reads and `--format json` writes.
pub fn json(document: &Document, ident: &str) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(document).map_err(|err| Error::Render { what: ident.into(), message: err.to_string() })
}
