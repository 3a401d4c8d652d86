//! PDF files as files: reading single objects and appending incremental updates. Shared
//! by the renderer and signing, and knowing nothing of either: no notice, no signature.

pub mod objects;
pub mod update;

pub use update::{Reader, Update, append};
