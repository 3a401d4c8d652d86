//! Writing results: every file appears whole or not at all, and nothing is ever written
//! through a link someone else planted.
//!
//! A file is first written to a new temporary file beside its final place, created
//! exclusively (it never opens an existing file or follows a link) under an unpredictable
//! name, and flushed to disk; only then is it renamed into place. A rename replaces a link
//! at the final name rather than following it. Temporary names carry the writing
//! process's id, so what a killed process left behind is removed by the next run.

use std::io::Write;
use std::path::{Path, PathBuf};

use tempfile::{NamedTempFile, TempPath};

use crate::error::Error;

/// Mode of a file anyone may read: a notice, a certificate, a bag file.
const READABLE: u32 = 0o644;
/// Mode of a private key: its owner's only, from the moment the file exists.
const PRIVATE: u32 = 0o600;
/// The end of every temporary file's name.
const PARTIAL: &str = ".partial";

/// When written files are made durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// Each file is flushed as it is written, and each folder as entries are renamed in.
    EachFile,
    /// Nothing is flushed here: the caller makes a whole group of records durable at
    /// once with [`FilesystemSync`], before any of them is moved into place and again
    /// after (ARCHITECTURE.md, "Group commit").
    Deferred,
}

/// One produced file, in memory until every file of its record is ready.
#[derive(Debug, Clone)]
pub struct Output {
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// What the file's signature states: the PDF's own, or the DOCX's detached `.p7s`.
    pub signature: Option<crate::pkix::Signature>,
}

/// Files written and flushed under temporary names, not yet in place. Dropped without
/// [`Staged::commit`], they are removed: nothing of them is left in the folder. They are
/// held by name, closed, so that a group of records waiting to be flushed together holds
/// no open files.
pub struct Staged {
    files: Vec<(TempPath, PathBuf)>,
}

impl Staged {
    /// Moves every file into place, then flushes the folders' entries.
    pub fn commit(self) -> Result<Vec<PathBuf>, Error> {
        self.move_into_place(Durability::EachFile)
    }

    /// Moves every file into place; with [`Durability::EachFile`], then flushes the
    /// folders' entries.
    pub fn move_into_place(self, durability: Durability) -> Result<Vec<PathBuf>, Error> {
        let mut folders: Vec<PathBuf> = Vec::new();
        let mut paths = Vec::new();
        for (file, path) in self.files {
            file.persist(&path).map_err(|err| Error::io(&path, "write", err.error))?;
            let folder = folder_of(&path).to_owned();
            if !folders.contains(&folder) {
                folders.push(folder);
            }
            paths.push(path);
        }
        if durability == Durability::EachFile {
            for folder in folders {
                sync_dir(&folder)?;
            }
        }
        Ok(paths)
    }
}

fn folder_of(path: &Path) -> &Path {
    path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Flushes a folder's entries to disk, so that a rename into it survives a crash.
pub fn sync_dir(dir: &Path) -> Result<(), Error> {
    std::fs::File::open(dir)
        .and_then(|folder| folder.sync_all())
        .map_err(|source| Error::io(dir, "flush to disk", source))
}

/// A new temporary file for `path`, in its folder: created exclusively, under a name no
/// one can guess, with `mode`.
fn temporary_for(path: &Path, mode: u32) -> Result<NamedTempFile, Error> {
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let prefix = format!(".{name}.{}.", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(PARTIAL).rand_bytes(12);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    builder.tempfile_in(folder_of(path)).map_err(|source| Error::io(path, "write", source))
}

/// Writes and flushes `files` under temporary names; see [`Staged`].
pub fn stage<'a>(dir: &Path, files: impl IntoIterator<Item = (PathBuf, &'a [u8])>) -> Result<Staged, Error> {
    stage_with_mode(dir, files, READABLE, Durability::EachFile)
}

fn stage_with_mode<'a>(
    dir: &Path,
    files: impl IntoIterator<Item = (PathBuf, &'a [u8])>,
    mode: u32,
    durability: Durability,
) -> Result<Staged, Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::io(dir, "create the folder", source))?;
    let mut written: Vec<(NamedTempFile, PathBuf)> = Vec::new();
    for (path, bytes) in files {
        let mut file = temporary_for(&path, mode)?;
        file.write_all(bytes).map_err(|source| Error::io(&path, "write", source))?;
        written.push((file, path));
    }
    if durability == Durability::EachFile {
        for (file, path) in &written {
            file.as_file().sync_all().map_err(|source| Error::io(path, "flush to disk", source))?;
        }
    }
    Ok(Staged { files: written.into_iter().map(|(file, path)| (file.into_temp_path(), path)).collect() })
}

/// A handle on the filesystem that holds a folder, to make everything written to it
/// durable at once: file contents, new files and renames alike (Linux `syncfs`). One call
/// does for a group of records what a flush of each file and folder does for one.
///
/// The handle must be opened before the writes it is to cover: Linux reports a failed
/// write-back to a `syncfs` only through handles opened before the failure, so a handle
/// opened afterwards, or one another thread has already been told through, would miss it.
pub struct FilesystemSync {
    folder: std::fs::File,
    path: PathBuf,
}

/// Filesystems whose `syncfs` writes everything to stable storage and reports failures:
/// ext4 (and ext2/3), XFS, Btrfs, F2FS and tmpfs (nothing to write). Network and FUSE
/// filesystems are left out: their `syncfs` may not ask the server to store anything.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const SYNCFS_TRUSTED: [i64; 5] = [0xEF53, 0x5846_5342, 0x9123_683E, 0xF2F5_2010, 0x0102_1994];

impl FilesystemSync {
    /// A handle on `dir`'s filesystem, or `None` where a group cannot be made durable at
    /// once (another system, or a filesystem not in the list above): the caller then
    /// flushes each file as it writes it.
    pub fn open(dir: &Path) -> Result<Option<FilesystemSync>, Error> {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        {
            use std::os::fd::AsRawFd;
            let folder = std::fs::File::open(dir).map_err(|source| Error::io(dir, "flush to disk", source))?;
            // SAFETY: fstatfs fills the zeroed struct we own from an open descriptor.
            let kind = unsafe {
                let mut info: libc::statfs = std::mem::zeroed();
                if libc::fstatfs(folder.as_raw_fd(), &mut info) != 0 {
                    return Err(Error::io(dir, "flush to disk", std::io::Error::last_os_error()));
                }
                info.f_type as i64
            };
            Ok(SYNCFS_TRUSTED.contains(&kind).then(|| FilesystemSync { folder, path: dir.to_owned() }))
        }
        #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
        {
            let _ = dir;
            Ok(None)
        }
    }

    /// Returns once everything written to the filesystem is on disk.
    pub fn sync(&self) -> Result<(), Error> {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: syncfs takes an open file descriptor, which `self.folder` keeps open.
            if unsafe { libc::syncfs(self.folder.as_raw_fd()) } != 0 {
                return Err(Error::io(&self.path, "flush to disk", std::io::Error::last_os_error()));
            }
        }
        #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
        let _ = (&self.folder, &self.path);
        Ok(())
    }
}

/// Takes an exclusive lock on the lock file `path`, made empty if missing, waiting for a
/// process that holds it. The lock goes with the returned file, also when the process dies.
pub fn lock(path: &Path) -> Result<std::fs::File, Error> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|source| Error::io(path, "open the lock", source))?;
    file.lock().map_err(|source| Error::io(path, "lock", source))?;
    Ok(file)
}

/// Writes `bytes` to `path` through a temporary file and one rename, so that a reader, or
/// a crash, never sees a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    stage(folder_of(path), [(path.to_owned(), bytes)])?.commit().map(|_| ())
}

/// Writes a private key: readable and writable by its owner only from the moment the file
/// exists, and never in place of anything already at `path`, not even a link.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_new_with_mode(path, bytes, PRIVATE)
}

/// Writes a new file, never in place of anything already at `path`, not even a link: for
/// files a user edits afterwards, such as exported templates.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_new_with_mode(path, bytes, READABLE)
}

fn write_new_with_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Error> {
    let staged = stage_with_mode(folder_of(path), [(path.to_owned(), bytes)], mode, Durability::EachFile)?;
    for (file, path) in staged.files {
        file.persist_noclobber(&path).map_err(|err| Error::io(&path, "create", err.error))?;
    }
    sync_dir(folder_of(path))
}

/// Writes a record's outputs into `dir`, returning the paths written.
pub fn write_outputs(dir: &Path, outputs: &[Output]) -> Result<Vec<PathBuf>, Error> {
    stage_outputs(dir, outputs, Durability::EachFile)?.commit()
}

/// Stages a record's outputs in `dir`, to be committed once everything else about the
/// record (its archive version) has succeeded.
pub fn stage_outputs(dir: &Path, outputs: &[Output], durability: Durability) -> Result<Staged, Error> {
    let files = outputs.iter().map(|output| (dir.join(&output.file_name), output.bytes.as_slice()));
    stage_with_mode(dir, files, READABLE, durability)
}

/// New files written into a folder that is itself new and private to this process (a bag
/// being built), not yet known to be on disk: every file of a bag is written first and
/// then flushed, so that nothing is moved into place before all of it is stored.
pub struct PendingFiles {
    open: Vec<(PathBuf, std::fs::File)>,
    durability: Durability,
}

/// Files held open before a flush: a bag has about 30, and each of a batch's storing
/// threads has its own set, well under the usual limit of 1,024 open files.
const MAX_PENDING: usize = 64;

impl PendingFiles {
    pub fn new(durability: Durability) -> PendingFiles {
        PendingFiles { open: Vec::new(), durability }
    }

    /// Creates `path`, which must not exist (not even as a link), with `bytes`.
    pub fn write(&mut self, path: &Path, bytes: &[u8]) -> Result<(), Error> {
        if self.open.len() >= MAX_PENDING {
            self.flush()?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(READABLE);
        }
        let mut file = options.open(path).map_err(|source| Error::io(path, "write", source))?;
        file.write_all(bytes).map_err(|source| Error::io(path, "write", source))?;
        if self.durability == Durability::EachFile {
            self.open.push((path.to_owned(), file));
        }
        Ok(())
    }

    /// Returns once every file written is on disk (with [`Durability::Deferred`], at once:
    /// the caller flushes the filesystem).
    pub fn flush(&mut self) -> Result<(), Error> {
        for (path, file) in self.open.drain(..) {
            file.sync_all().map_err(|source| Error::io(&path, "flush to disk", source))?;
        }
        Ok(())
    }
}

/// The id of the process that made a temporary name of ours (`.name.PID.random.partial`
/// or `.vNNNN.partial-PID-random`), if `name` is one.
fn writer_of(name: &str) -> Option<u32> {
    let hidden = name.strip_prefix('.')?;
    if let Some(rest) = hidden.strip_suffix(PARTIAL) {
        let mut parts = rest.rsplitn(3, '.');
        let _random = parts.next()?;
        return parts.next()?.parse().ok();
    }
    let (_, rest) = hidden.split_once(".partial-")?;
    rest.split('-').next()?.parse().ok()
}

/// Whether a process with this id is running. Where that cannot be known, it is assumed
/// to be, so that nothing another process may still be writing is removed.
fn is_running(pid: u32) -> bool {
    if cfg!(target_os = "linux") { Path::new("/proc").join(pid.to_string()).exists() } else { true }
}

/// Removes what a killed process left in `dir`: temporary files and bag folders of ours
/// whose writer is no longer running. Returns how many were removed.
pub fn remove_stale(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = writer_of(&name) else { continue };
        if pid == std::process::id() || is_running(pid) {
            continue;
        }
        let path = entry.path();
        let gone = match entry.file_type() {
            Ok(kind) if kind.is_dir() => std::fs::remove_dir_all(&path),
            _ => std::fs::remove_file(&path),
        };
        removed += usize::from(gone.is_ok());
    }
    removed
}

/// A temporary bag folder in `dir` for version `version`, private to this process until
/// it is renamed into place.
pub fn temporary_dir(dir: &Path, version: &str) -> Result<PathBuf, Error> {
    let folder = tempfile::Builder::new()
        .prefix(&format!(".{version}.partial-{}-", std::process::id()))
        .rand_bytes(12)
        .tempdir_in(dir)
        .map_err(|source| Error::io(dir, "create a temporary folder", source))?
        .keep();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755))
            .map_err(|source| Error::io(&folder, "create a temporary folder", source))?;
    }
    Ok(folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_tell_their_writer() {
        assert_eq!(writer_of(".x.fi.pdf.4242.AbCdEf012345.partial"), Some(4242));
        assert_eq!(writer_of(".v0003.partial-77-AbCdEf012345"), Some(77));
        assert_eq!(writer_of("x.fi.pdf"), None);
        assert_eq!(writer_of(".hidden"), None);
    }
}
