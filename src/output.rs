//! Writing results: every file appears whole or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Writes `bytes` to `path` through a temporary file in the same folder and one rename,
/// so that a reader, or a crash, never sees a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_with_mode(path, bytes, 0o644)
}

/// Like [`write_atomic`], for a private key: readable and writable by its owner only,
/// from the moment the file exists.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_with_mode(path, bytes, 0o600)
}

fn write_with_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Error> {
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let io_error = |action: &'static str, source| Error::Io { path: path.to_owned(), action, source };
    std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), action: "create the folder", source })?;
    let file_name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = dir.join(format!(".{file_name}.{}.partial", std::process::id()));
    let written = (|| {
        let mut file = open_with_mode(&temporary, mode)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(source) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(io_error("write", source));
    }
    std::fs::rename(&temporary, path).map_err(|source| {
        let _ = std::fs::remove_file(&temporary);
        io_error("write", source)
    })
}

/// One produced file, in memory until every file of its record is ready.
#[derive(Debug, Clone)]
pub struct Output {
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// What the file's signature states: the PDF's own, or the DOCX's detached `.p7s`.
    pub signature: Option<crate::verify::Signature>,
}

/// Writes a record's outputs into `dir`, returning the paths written.
pub fn write_outputs(dir: &Path, outputs: &[Output]) -> Result<Vec<PathBuf>, Error> {
    outputs
        .iter()
        .map(|output| {
            let path = dir.join(&output.file_name);
            write_atomic(&path, &output.bytes).map(|()| path)
        })
        .collect()
}

#[cfg(unix)]
fn open_with_mode(path: &Path, mode: u32) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(mode).open(path)
}

#[cfg(not(unix))]
fn open_with_mode(path: &Path, _mode: u32) -> std::io::Result<std::fs::File> {
    std::fs::File::create(path)
}
