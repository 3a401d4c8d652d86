//! The record stage: one YAML (or JSON) file per register, and the organisation file it
//! shares with the organisation's other registers. The types here are the file format:
//! `seloste schema` prints them as JSON Schema. [`load`] reads them; whether what they
//! say is complete and consistent is the check stage's concern.

pub mod load;
mod types;

pub use types::*;
