//! Where things are in an archive: the marker, the version folders and their names.

use std::path::{Path, PathBuf};

use crate::error::Error;

/// The file that marks a folder as a seloste archive.
pub const MARKER: &str = "seloste-archive.txt";

pub fn archive_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Archive { path: path.to_owned(), message: message.into() }
}

pub fn version_name(number: u32) -> String {
    format!("v{number:04}")
}

pub fn version_number(name: &str) -> Option<u32> {
    name.strip_prefix('v').filter(|digits| digits.len() == 4).and_then(|digits| digits.parse().ok())
}

/// The registers' folders of an archive, in order: every folder but the hidden ones, which
/// are versions being built and locks.
pub fn registers(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(root)?
        .flatten()
        .filter(|entry| !entry.file_name().to_string_lossy().starts_with('.'))
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    found.sort();
    Ok(found)
}

/// The versions in a register's folder, in order.
pub fn versions(register_dir: &Path) -> Vec<(u32, PathBuf)> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir(register_dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|entry| {
                    version_number(&entry.file_name().to_string_lossy()).map(|number| (number, entry.path()))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

pub fn is_document(name: &str) -> bool {
    name.ends_with(".pdf") || name.ends_with(".docx")
}
