//! Batch: every record under a folder, through the whole pipeline. Organisation files
//! and other data in the folder are recognised by their `kind` and skipped; a bad record
//! is reported and the batch goes on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::archive::{Added, Archiving};
use crate::error::Error;
use crate::sign::Signers;
use crate::{Engine, Format, LangForm};

/// What a batch did with one file.
#[derive(Debug)]
pub enum Outcome {
    /// A record, rendered; the files written, and the archived version if archiving.
    Rendered { id: String, files: Vec<PathBuf>, version: Option<String> },
    /// A record whose content is the same as its newest archived version: nothing written.
    Unchanged { id: String },
    /// A record that failed; nothing was written for it.
    Failed(Error),
    /// Not a record: an organisation file, or data of some other kind.
    Skipped { reason: String },
}

#[derive(Debug)]
pub struct Report {
    pub outcomes: Vec<(PathBuf, Outcome)>,
}

impl Report {
    pub fn count(&self, matches: impl Fn(&Outcome) -> bool) -> usize {
        self.outcomes.iter().filter(|(_, outcome)| matches(outcome)).count()
    }

    pub fn failed(&self) -> usize {
        self.count(|outcome| matches!(outcome, Outcome::Failed(_)))
    }
}

/// Every YAML and JSON file under `dir`, in a stable order.
pub fn discover(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder)
            .map_err(|source| Error::Io { path: folder.clone(), action: "read the folder", source })?;
        for entry in entries {
            let path = entry.map_err(|source| Error::Io { path: folder.clone(), action: "read the folder", source })?.path();
            let hidden = path.file_name().is_some_and(|name| name.to_string_lossy().starts_with('.'));
            if hidden {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .and_then(|ext| ext.to_str())
                .is_some_and(|ext| matches!(ext.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json"))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Runs the pipeline on every record under `dir`, writing into `out`. `progress` is
/// told about each file as it is done.
pub fn run(
    engine: &Engine,
    dir: &Path,
    out: &Path,
    forms: &[LangForm],
    formats: &[Format],
    signers: &mut Signers,
    mut archiving: Option<&mut Archiving>,
    mut progress: impl FnMut(&Path, &Outcome),
) -> Result<Report, Error> {
    let mut outcomes = Vec::new();
    let mut ids: BTreeMap<String, PathBuf> = BTreeMap::new();
    for path in discover(dir)? {
        let outcome = process(engine, &path, out, forms, formats, signers, archiving.as_deref_mut(), &mut ids);
        progress(&path, &outcome);
        outcomes.push((path, outcome));
    }
    Ok(Report { outcomes })
}

fn process(
    engine: &Engine,
    path: &Path,
    out: &Path,
    forms: &[LangForm],
    formats: &[Format],
    signers: &mut Signers,
    archiving: Option<&mut Archiving>,
    ids: &mut BTreeMap<String, PathBuf>,
) -> Outcome {
    let tree = match crate::record::read_text(path).and_then(|text| crate::record::parse_untyped(path, &text)) {
        Ok(tree) => tree,
        Err(err) => return Outcome::Failed(err),
    };
    match crate::record::kind_of(&tree) {
        Some("record") => {}
        Some(other) => return Outcome::Skipped { reason: format!("{other} file, not a record") },
        None => return Outcome::Skipped { reason: "not a record (no `kind: record`)".into() },
    }
    let result = engine.load(path).and_then(|register| {
        if let Some(first) = ids.get(&register.record.id) {
            return Err(Error::Input(crate::InputError::new(
                path,
                "id".into(),
                None,
                format!("the id `{}` is already used by {}; output files are named by id, so each must be unique", register.record.id, first.display()),
            )));
        }
        ids.insert(register.record.id.clone(), path.to_owned());
        let signing = signers.for_register(&register)?;
        let id = register.record.id.clone();
        let Some(archiving) = archiving else {
            let outputs = engine.produce(&register, forms, formats, signing.as_deref())?;
            let files = crate::output::write_outputs(out, &outputs)?;
            return Ok(Outcome::Rendered { id, files, version: None });
        };
        let class = archiving.task_class(&register)?;
        let signer_name = signing.as_ref().map(|signing| signing.identity.common_name());
        let content = engine.fingerprint(&register, forms, signer_name.as_deref())?;
        let plan_row = serde_json::to_string(&class).unwrap_or_default();
        let fingerprint = crate::archive::bag::sha256_hex(format!("{content}\n{plan_row}").as_bytes());
        if archiving.archive.latest_fingerprint(&id).as_deref() == Some(fingerprint.as_str()) {
            return Ok(Outcome::Unchanged { id });
        }
        let outputs = engine.produce(&register, forms, formats, signing.as_deref())?;
        let files = crate::output::write_outputs(out, &outputs)?;
        let tsa = signing.as_ref().and_then(|signing| signing.tsa.as_ref());
        let version = match archiving.archive.add(&register, &class, &fingerprint, &outputs, tsa, archiving.now)? {
            Added::Version(version) => Some(version),
            Added::Unchanged(_) => None,
        };
        Ok(Outcome::Rendered { id, files, version })
    });
    result.unwrap_or_else(Outcome::Failed)
}
