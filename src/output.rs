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
    std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), action: "create the folder", source })?;
    let mut staged = Staged::default();
    let written = staged.write(path, bytes, mode).and_then(|()| staged.move_into_place());
    if written.is_err() {
        staged.discard();
    }
    written
}

/// Files written under temporary names beside their final paths, moved into place only
/// once all of them are on disk: a crash leaves no file of a record half-written.
#[derive(Default)]
struct Staged {
    files: PendingFiles,
    renames: Vec<(PathBuf, PathBuf)>,
}

impl Staged {
    fn write(&mut self, path: &Path, bytes: &[u8], mode: u32) -> Result<(), Error> {
        let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let file_name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        let temporary = dir.join(format!(".{file_name}.{}.partial", std::process::id()));
        self.renames.push((temporary.clone(), path.to_owned()));
        self.files.write_with_mode(&temporary, bytes, mode).map_err(|err| match err {
            Error::Io { action, source, .. } => Error::Io { path: path.to_owned(), action, source },
            other => other,
        })
    }

    fn move_into_place(&mut self) -> Result<(), Error> {
        self.files.flush()?;
        for (temporary, path) in &self.renames {
            std::fs::rename(temporary, path).map_err(|source| Error::Io { path: path.clone(), action: "write", source })?;
        }
        self.renames.clear();
        Ok(())
    }

    /// Removes the temporary files not yet moved into place.
    fn discard(&mut self) {
        for (temporary, _) in self.renames.drain(..) {
            let _ = std::fs::remove_file(temporary);
        }
    }
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
        self.write_with_mode(path, bytes, 0o644)
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
        let flush_error = |path: &Path, source| Error::Io { path: path.to_owned(), action: "flush to disk", source };
        for (path, file) in self.open.drain(..) {
            file.sync_all().map_err(|source| flush_error(&path, source))?;
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
    std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), action: "create the folder", source })?;
    let mut staged = Staged::default();
    let mut paths = Vec::with_capacity(outputs.len());
    let written = outputs
        .iter()
        .try_for_each(|output| {
            let path = dir.join(&output.file_name);
            staged.write(&path, &output.bytes, 0o644)?;
            paths.push(path);
            Ok(())
        })
        .and_then(|()| staged.move_into_place());
    if written.is_err() {
        staged.discard();
    }
    written.map(|()| paths)
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
