//! The archive stage: every published version of every notice, as a BagIt bag with the
//! metadata the archive formation plan prescribes, append-only and chained.
//!
//! `ARCHIVE/<register id>/<version>/` holds one bag per version (`v0001`, `v0002`, ...).
//! A version is assembled in a temporary folder beside its final place and moved there in
//! one rename, so a crash never leaves a partial version visible; an existing version is
//! never modified or deleted. Each bag names the previous version and the SHA-512 of its
//! tag manifest, and with a TSA an evidence record ([`evidence`]) proves the tag manifest.

pub mod bag;
pub mod check;
pub mod evidence;
pub mod layout;
pub mod metadata;
pub mod plan;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::error::Error;
use crate::output::{Durability, Output, PendingFiles};
use crate::record::Register;
use crate::time::format_time;

use bag::PayloadFile;
pub use check::{list, missing, verify_archive};
pub use layout::MARKER;
use layout::{archive_error, is_document, version_name, versions};
use metadata::Described;
pub use metadata::Vocabulary;
use plan::TaskClass;

const MARKER_TEXT: &str =
    "seloste archive 1\nEach folder is a register; each vNNNN folder in it is one version, a BagIt bag.\n";
/// The bag-info label holding the fingerprint of the notice's content.
const CONTENT_LABEL: &str = "Seloste-Content-SHA256";
/// The bag-info label of the archived notice's own date (`document.date`).
const DOCUMENT_DATE_LABEL: &str = "Seloste-Document-Date";

#[derive(Clone)]
pub struct Archive {
    root: PathBuf,
}

/// One version to add: the register's files and what describes them.
pub struct Entry<'a> {
    pub register: &'a Register,
    pub class: &'a TaskClass,
    pub vocabulary: &'a Vocabulary,
    /// What the notices say, with the plan row: a new version is made only when it changes.
    pub fingerprint: &'a str,
    pub outputs: &'a [Output],
}

impl Archive {
    /// The archive's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Opens an archive, creating it in a folder that does not exist or is empty. A
    /// non-empty folder without the archive marker is not ours and is refused.
    ///
    /// Several processes may open a new archive at once (the shards of one batch): the
    /// marker is created exclusively, so exactly one of them creates it, and a folder
    /// found not empty is looked at again for a marker another process has just made.
    pub fn open(root: &Path) -> Result<Archive, Error> {
        let archive = Archive { root: root.to_owned() };
        let marker = root.join(MARKER);
        if marker.exists() {
            crate::output::remove_stale(root);
            return Ok(archive);
        }
        std::fs::create_dir_all(root).map_err(|source| Error::io(root, "create the archive folder", source))?;
        let empty = std::fs::read_dir(root).map(|mut entries| entries.next().is_none()).unwrap_or(true);
        if !empty && !marker.exists() {
            return Err(archive_error(
                root,
                format!(
                    "the folder is not a seloste archive (it has files but no {MARKER}); give an empty or new folder"
                ),
            ));
        }
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&marker) {
            Ok(mut file) => {
                use std::io::Write;
                file.write_all(MARKER_TEXT.as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(|source| Error::io(&marker, "write", source))?;
                crate::output::sync_dir(root)?;
            }
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(source) => return Err(Error::io(&marker, "create", source)),
        }
        Ok(archive)
    }

    /// The content fingerprint of the register's newest version, if any.
    pub fn latest_fingerprint(&self, id: &str) -> Option<String> {
        self.latest_label(id, CONTENT_LABEL)
    }

    /// The newest version of the register, with the date of the notice it holds, if any.
    pub fn latest_version(&self, id: &str) -> Option<(String, Option<crate::time::Date>)> {
        let (number, _) = versions(&self.root.join(id)).pop()?;
        let date = self.latest_label(id, DOCUMENT_DATE_LABEL).and_then(|date| crate::time::Date::parse(&date));
        Some((version_name(number), date))
    }

    fn latest_label(&self, id: &str, label: &str) -> Option<String> {
        let (_, dir) = versions(&self.root.join(id)).pop()?;
        let info = bag::read_bag_info(&dir).ok()?;
        bag::label(&info, label).map(str::to_owned)
    }

    /// Builds the entry's new version, whole and flushed to disk, in a temporary folder
    /// beside its final place; `None` when the content is unchanged. Nothing is visible
    /// until [`Prepared::commit`]; dropped without it, the folder goes. The register's
    /// lock is held from reading its newest version until then, so two processes adding
    /// the same register one after the other each see what the other added.
    /// With [`Durability::Deferred`] nothing is flushed: the caller flushes the archive's
    /// filesystem before the commit and after it.
    pub fn prepare(
        &self,
        entry: &Entry<'_>,
        now: SystemTime,
        durability: Durability,
    ) -> Result<Option<Prepared>, Error> {
        let id = &entry.register.record.id;
        if self.latest_fingerprint(id).as_deref() == Some(entry.fingerprint) {
            return Ok(None);
        }
        let register_dir = self.root.join(id);
        let lock = lock_register(&self.root, id)?;
        if self.latest_fingerprint(id).as_deref() == Some(entry.fingerprint) {
            return Ok(None);
        }
        crate::output::remove_stale(&register_dir);
        if register_dir.symlink_metadata().is_ok_and(|metadata| !metadata.is_dir()) {
            return Err(archive_error(
                &register_dir,
                "this must be the register's folder of versions, but it is not a folder",
            ));
        }
        let previous = versions(&register_dir).pop();
        let version = version_name(previous.as_ref().map_or(1, |(number, _)| number + 1));
        let described = Described {
            register: entry.register,
            class: entry.class,
            vocabulary: entry.vocabulary,
            version: &version,
            now,
        };
        let payload = payload(&described, entry.outputs);
        let info = bag_info(&described, entry.fingerprint, previous.as_ref())?;
        let temporary = build(&self.root, &version, &payload, &info, durability)?;
        Ok(Some(Prepared {
            root: self.root.clone(),
            register_dir,
            version,
            temporary: Some(temporary),
            durability,
            _lock: lock,
        }))
    }
}

/// A version built and flushed in its temporary folder in the archive's root, not yet in
/// place: a register gets its folder only with its first version.
pub struct Prepared {
    root: PathBuf,
    register_dir: PathBuf,
    version: String,
    /// The temporary folder, until it is moved into place.
    temporary: Option<PathBuf>,
    durability: Durability,
    _lock: std::fs::File,
}

impl Prepared {
    /// Where the version's bag will be once committed.
    pub fn bag(&self) -> PathBuf {
        self.register_dir.join(&self.version)
    }

    /// Moves the version into place in one rename and flushes the folders it touched
    /// (with [`Durability::Deferred`], the caller flushes them).
    pub fn commit(mut self) -> Result<String, Error> {
        let each_file = self.durability == Durability::EachFile;
        std::fs::create_dir_all(&self.register_dir)
            .map_err(|source| Error::io(&self.register_dir, "create the folder", source))?;
        if each_file {
            crate::output::sync_dir(&self.root)?;
        }
        let final_dir = self.register_dir.join(&self.version);
        if final_dir.exists() {
            return Err(archive_error(
                &final_dir,
                "the version folder already exists; an archived version is never replaced",
            ));
        }
        let temporary = self.temporary.take().expect("a prepared version has its folder until it is committed");
        if let Err(source) = std::fs::rename(&temporary, &final_dir) {
            let _ = std::fs::remove_dir_all(&temporary);
            return Err(Error::io(&final_dir, "move the bag into place", source));
        }
        if each_file {
            crate::output::sync_dir(&self.register_dir)?;
            crate::output::sync_dir(&self.root)?;
        }
        Ok(std::mem::take(&mut self.version))
    }
}

impl Drop for Prepared {
    fn drop(&mut self) {
        if let Some(temporary) = &self.temporary {
            let _ = std::fs::remove_dir_all(temporary);
        }
    }
}

/// The bag's payload: every file, and for each document its metadata as JSON and XML.
fn payload<'a>(described: &Described<'_>, outputs: &'a [Output]) -> Vec<PayloadFile<'a>> {
    let mut payload: Vec<PayloadFile> =
        outputs.iter().map(|output| PayloadFile::new(&output.file_name, &output.bytes)).collect();
    for (index, output) in outputs.iter().enumerate().filter(|(_, output)| is_document(&output.file_name)) {
        let metadata = metadata::metadata(described, output, &payload[index]);
        let json_text = serde_json::to_string_pretty(&metadata).unwrap_or_default();
        payload.push(PayloadFile::new(&format!("{}.metadata.json", output.file_name), json_text.into_bytes()));
        payload.push(PayloadFile::new(
            &format!("{}.metadata.xml", output.file_name),
            metadata::to_xml(&metadata).into_bytes(),
        ));
    }
    payload.sort_by(|a, b| a.name.cmp(&b.name));
    payload
}

/// The labels of `bag-info.txt`: who and what, the plan row, the content fingerprint, and
/// the link to the previous version by its tag-manifest hash.
fn bag_info(
    described: &Described<'_>,
    fingerprint: &str,
    previous: Option<&(u32, PathBuf)>,
) -> Result<Vec<(String, String)>, Error> {
    let Described { register, class, vocabulary, version, now } = described;
    let first_language = register.record.languages[0];
    let organisation = register.organisation.name.get(first_language);
    let contact = register
        .organisation
        .dpo
        .as_ref()
        .and_then(|dpo| dpo.email.clone())
        .or_else(|| register.organisation.email.clone())
        .unwrap_or_default();
    let retention = &class.notice.retention;
    let mut info = vec![
        ("Source-Organization".to_owned(), organisation.to_owned()),
        ("Contact-Email".to_owned(), contact),
        ("External-Identifier".to_owned(), format!("{} {version}", register.record.id)),
        ("External-Description".to_owned(), vocabulary.title.clone()),
        ("Bagging-Date".to_owned(), format_time(*now)[..10].to_owned()),
        ("Seloste-Task-Class".to_owned(), format!("{} {}", class.code, class.name.get(crate::text::Lang::Fi))),
        ("Seloste-Document-Class".to_owned(), class.notice.class.clone()),
        (
            "Seloste-Retention".to_owned(),
            format!("{}; {}; {}", vocabulary.retention(class), retention.reason, retention.start),
        ),
        (CONTENT_LABEL.to_owned(), fingerprint.to_owned()),
        (DOCUMENT_DATE_LABEL.to_owned(), register.record.document.date.iso()),
    ];
    if let Some((previous_number, previous_dir)) = previous {
        let manifest_path = previous_dir.join(bag::TAG_MANIFEST);
        let previous_manifest =
            std::fs::read(&manifest_path).map_err(|source| Error::io(&manifest_path, "read", source))?;
        info.push(("Seloste-Previous-Version".to_owned(), version_name(*previous_number)));
        info.push(("Seloste-Previous-Tagmanifest-SHA512".to_owned(), bag::sha512_hex(&previous_manifest)));
    }
    Ok(info)
}

/// Builds the bag in a temporary folder in `dir` and flushes every file and folder of it;
/// returns the folder. On any error the folder goes.
fn build(
    dir: &Path,
    version: &str,
    payload: &[PayloadFile],
    info: &[(String, String)],
    durability: Durability,
) -> Result<PathBuf, Error> {
    let temporary = crate::output::temporary_dir(dir, version)?;
    let built = (|| {
        let mut files = PendingFiles::new(durability);
        bag::write_bag(&temporary, payload, info, &mut files)?;
        files.flush()?;
        if durability == Durability::EachFile {
            crate::output::sync_dir(&temporary.join("data"))?;
            crate::output::sync_dir(&temporary)?;
        }
        Ok(())
    })();
    match built {
        Ok(()) => Ok(temporary),
        Err(err) => {
            let _ = std::fs::remove_dir_all(&temporary);
            Err(err)
        }
    }
}

/// Takes the register's lock, `.<id>.lock` in the archive's root, waiting for another
/// process that holds it. The lock goes with the returned file, also when the process dies.
fn lock_register(root: &Path, id: &str) -> Result<std::fs::File, Error> {
    crate::output::lock(&root.join(format!(".{id}.lock")))
}

/// An archive run: the archive, each organisation's plan (loaded once), and the time.
pub struct Archiving {
    pub archive: Archive,
    plans: std::collections::BTreeMap<PathBuf, (PathBuf, plan::ArchivePlan)>,
    pub now: SystemTime,
}

impl Archiving {
    pub fn new(archive: Archive, now: SystemTime) -> Archiving {
        Archiving { archive, plans: Default::default(), now }
    }

    /// The register's task class in its organisation's archive formation plan.
    pub fn task_class(&mut self, register: &Register) -> Result<TaskClass, Error> {
        if !self.plans.contains_key(&register.organisation_path) {
            let Some(relative) = &register.organisation.archive_plan else {
                return Err(Error::input(crate::error::Diagnostic::error(
                    "archive.plan",
                    &register.organisation_path,
                    "archive_plan",
                    "archiving needs the organisation's archive formation plan: add `archive_plan: <file>` to the organisation file",
                )));
            };
            let plan_path = register.organisation_path.parent().unwrap_or(Path::new(".")).join(relative);
            let plan = plan::ArchivePlan::load(&plan_path)?;
            self.plans.insert(register.organisation_path.clone(), (plan_path, plan));
        }
        let (plan_path, plan) = &self.plans[&register.organisation_path];
        plan.task_class(register, plan_path).cloned()
    }
}
