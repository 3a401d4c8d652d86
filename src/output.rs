//! Writing results: every file appears whole or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Mode of a file anyone may read: a notice, a certificate, a bag file.
const READABLE: u32 = 0o644;

/// Writes `bytes` to `path` through a temporary file in the same folder and one rename,
/// so that a reader, or a crash, never sees a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_staged(folder_of(path), [(path.to_owned(), bytes)], READABLE)
}

/// Like [`write_atomic`], for a private key: readable and writable by its owner only,
/// from the moment the file exists.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_staged(folder_of(path), [(path.to_owned(), bytes)], 0o600)
}

fn folder_of(path: &Path) -> &Path {
    path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Writes files into `dir` under temporary names, flushes them all to disk, then renames
/// each into place: a crash leaves no file half-written, and an error removes what was
/// not yet moved into place.
fn write_staged<'a>(dir: &Path, files: impl IntoIterator<Item = (PathBuf, &'a [u8])>, mode: u32) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), action: "create the folder", source })?;
    let mut pending = PendingFiles::default();
    // (temporary, final) of each file; a temporary already renamed no longer exists.
    let mut renames: Vec<(PathBuf, PathBuf)> = Vec::new();
    let written = (|| {
        for (path, bytes) in files {
            let file_name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
            let temporary = folder_of(&path).join(format!(".{file_name}.{}.partial", std::process::id()));
            renames.push((temporary.clone(), path));
            pending.write_with_mode(&temporary, bytes, mode)?;
        }
        pending.flush()?;
        for (temporary, path) in &renames {
            std::fs::rename(temporary, path).map_err(|source| Error::Io { path: path.clone(), action: "write", source })?;
        }
        Ok(())
    })();
    written.map_err(|err| {
        for (temporary, _) in &renames {
            let _ = std::fs::remove_file(temporary);
        }
        // A reader knows the final name, not the temporary one.
        match err {
            Error::Io { path, action, source } => {
                let path = renames.iter().find(|(temporary, _)| *temporary == path).map_or(path, |(_, path)| path.clone());
                Error::Io { path, action, source }
            }
            other => other,
        }
    })
}

/// New files written but not yet known to be on disk: every file of a record or a bag is
/// written first and then flushed, so that nothing is renamed into place before all of
/// it is stored.
#[derive(Default)]
pub struct PendingFiles {
    open: Vec<(PathBuf, std::fs::File)>,
}

/// Files held open before a flush: a bag has about 30, and each of a batch's storing
/// threads has its own set, well under the usual limit of 1,024 open files.
const MAX_PENDING: usize = 64;

impl PendingFiles {
    /// Creates `path` (which must not be in use) with `bytes`.
    pub fn write(&mut self, path: &Path, bytes: &[u8]) -> Result<(), Error> {
        self.write_with_mode(path, bytes, READABLE)
    }

    fn write_with_mode(&mut self, path: &Path, bytes: &[u8], mode: u32) -> Result<(), Error> {
        if self.open.len() >= MAX_PENDING {
            self.flush()?;
        }
        let mut file = open_with_mode(path, mode).map_err(|source| Error::Io { path: path.to_owned(), action: "write", source })?;
        file.write_all(bytes).map_err(|source| Error::Io { path: path.to_owned(), action: "write", source })?;
        self.open.push((path.to_owned(), file));
        Ok(())
    }

    /// Returns once every file written is on disk.
    pub fn flush(&mut self) -> Result<(), Error> {
        for (path, file) in self.open.drain(..) {
            file.sync_all().map_err(|source| Error::Io { path, action: "flush to disk", source })?;
        }
        Ok(())
    }
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
    let paths: Vec<PathBuf> = outputs.iter().map(|output| dir.join(&output.file_name)).collect();
    let files = paths.iter().cloned().zip(outputs.iter().map(|output| output.bytes.as_slice()));
    write_staged(dir, files, READABLE)?;
    Ok(paths)
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
