//! The render stage: two renderers of one composed [`crate::compose::Document`].

pub mod docx;
pub mod pdf;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Pdf,
    Docx,
}

impl Format {
    pub const ALL: [Format; 2] = [Format::Pdf, Format::Docx];

    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Docx => "docx",
        }
    }
}
