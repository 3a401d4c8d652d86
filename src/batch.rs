//! Batch: every record under a folder, through the whole pipeline. Organisation files
//! and other data in the folder are recognised by their `kind` and skipped; a bad record
//! is reported and the batch goes on.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::archive::plan::TaskClass;
use crate::archive::{Archive, Archiving, Entry, Prepared, Vocabulary, evidence};
use crate::error::{Diagnostic, Error, Severity};
use crate::output::{Durability, FilesystemSync};
use crate::record::load::RECORD;
use crate::record::{HistoryEvent, Register};
use crate::sign::{KeySource, Signer};
use crate::source::{self, Limits};
use crate::time::Date;
use crate::timestamp::Tsa;
use crate::{Checked, Engine, Format, LangForm};

/// What a batch did with one file.
#[derive(Debug)]
pub enum Outcome {
    /// A record, rendered: how many notices (language forms), the files written, and the
    /// archived version if archiving.
    Rendered { id: String, notices: usize, files: Vec<PathBuf>, version: Option<Archived>, warnings: Vec<Diagnostic> },
    /// A record whose content is the same as its newest archived version: nothing written.
    Unchanged { id: String, warnings: Vec<Diagnostic> },
    /// A record that failed; nothing was written for it.
    Failed(Error),
    /// Not a record: an organisation file, or data of some other kind.
    Skipped { reason: String },
}

/// A version a batch added to the archive.
#[derive(Debug)]
pub struct Archived {
    /// `v0001`, ...
    pub name: String,
    pub bag: PathBuf,
    /// The TSA that gives the version its evidence record when the batch ends.
    pub evidence_tsa: Option<Tsa>,
}

impl std::fmt::Display for Archived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

#[derive(Debug)]
pub struct Report {
    pub outcomes: Vec<(PathBuf, Outcome)>,
    /// The evidence records given to the new versions, one result per TSA.
    pub evidence: Vec<(Tsa, Result<evidence::Done, Error>)>,
}

impl Report {
    pub fn count(&self, matches: impl Fn(&Outcome) -> bool) -> usize {
        self.outcomes.iter().filter(|(_, outcome)| matches(outcome)).count()
    }

    pub fn failed(&self) -> usize {
        self.count(|outcome| matches!(outcome, Outcome::Failed(_)))
    }

    /// Whether a new version was left without the evidence record it should have.
    pub fn evidence_missing(&self) -> bool {
        self.evidence.iter().any(|(_, done)| done.as_ref().map_or(true, |done| !done.problems.is_empty()))
    }

    /// Every warning the check gave a record that was rendered or found unchanged.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.outcomes.iter().flat_map(|(_, outcome)| match outcome {
            Outcome::Rendered { warnings, .. } | Outcome::Unchanged { warnings, .. } => warnings.as_slice(),
            _ => &[],
        })
    }
}

/// Every YAML and JSON file under `dir`, in a stable order.
///
/// Links are followed, to folders and to files, but each folder and each file is taken
/// once, however many links lead to it: a link loop ends, and a record reached by two
/// paths is not a duplicate of itself.
pub fn discover(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
    while let Some(folder) = pending.pop() {
        let real = std::fs::canonicalize(&folder).map_err(|source| Error::io(&folder, "read the folder", source))?;
        if !seen.insert(real) {
            continue;
        }
        let mut paths = std::fs::read_dir(&folder)
            .and_then(|entries| entries.map(|entry| entry.map(|entry| entry.path())).collect::<Result<Vec<_>, _>>())
            .map_err(|source| Error::io(&folder, "read the folder", source))?;
        // In name order, so that of two paths to one file the same one is kept every time.
        paths.sort();
        let mut folders = Vec::new();
        for path in paths {
            let hidden = path.file_name().is_some_and(|name| name.to_string_lossy().starts_with('.'));
            if hidden {
                continue;
            }
            if path.is_dir() {
                folders.push(path);
            } else if path
                .extension()
                .and_then(|ext| ext.to_str())
                .is_some_and(|ext| matches!(ext.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json"))
                && std::fs::canonicalize(&path).is_ok_and(|real| seen.insert(real))
            {
                found.push(path);
            }
        }
        pending.extend(folders.into_iter().rev());
    }
    found.sort();
    Ok(found)
}

/// Files given on a command line, sorted into records and the rest.
#[derive(Debug, Default)]
pub struct Given {
    pub records: Vec<PathBuf>,
    /// The files of another kind, each with why it is not a record.
    pub skipped: Vec<(PathBuf, String)>,
}

/// The records among `paths` (files, or folders searched as `batch` does), in order, and
/// the files given that are of another kind.
pub fn records_among(paths: &[PathBuf]) -> Result<Given, Error> {
    let Given { mut records, mut skipped } = Given::default();
    for path in paths {
        if path.is_dir() {
            for file in discover(path)? {
                if let Found::Record { .. } = classify(&file) {
                    records.push(file);
                }
            }
            continue;
        }
        match classify(path) {
            Found::Other(Outcome::Skipped { reason }) => skipped.push((path.clone(), reason)),
            _ => records.push(path.clone()),
        }
    }
    Ok(Given { records, skipped })
}

/// Every record under `dir` with its register id, for asking the archive which are missing.
pub fn record_ids(dir: &Path) -> Result<Vec<(PathBuf, String)>, Error> {
    Ok(discover(dir)?
        .into_iter()
        .filter_map(|path| match classify(&path) {
            Found::Record { id: Some(id) } => Some((path, id)),
            _ => None,
        })
        .collect())
}

/// One of N parts of a batch, so that N machines can share it: `--shard K/N`, K from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Reads `K/N` with 1 ≤ K ≤ N.
    pub fn parse(text: &str) -> Option<Shard> {
        let (index, count) = text.split_once('/')?;
        let (index, count): (usize, usize) = (index.trim().parse().ok()?, count.trim().parse().ok()?);
        (count >= 1 && (1..=count).contains(&index)).then_some(Shard { index, count })
    }

    /// Whether the register `id` belongs to this shard. The part depends on the id alone,
    /// so a register always falls to the same shard and its archive versions never collide.
    pub fn contains(&self, id: &str) -> bool {
        let hash = ring::digest::digest(&ring::digest::SHA256, id.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&hash.as_ref()[..8]);
        (u64::from_be_bytes(first) % self.count as u64) as usize + 1 == self.index
    }
}

/// How a batch runs.
pub struct Options<'a> {
    pub forms: &'a [LangForm],
    pub formats: &'a [Format],
    /// Worker threads; output never depends on it.
    pub jobs: usize,
    pub shard: Option<Shard>,
}

/// Hands the memory the allocators keep after frees back to the system: mimalloc's (the
/// binary's allocator) and glibc's (what C code and a library user's program use). With
/// glibc alone, the memory freed in the workers' arenas stayed with the process: peak RSS
/// grew from 67 MiB at 1,002 notices to 106-186 MiB at 10,002 (bench/run.py). With
/// mimalloc and mi_collect after each record: 195-205 MB at 1,002, 208 MB at 3,003; and
/// with transparent huge pages off as well (src/main.rs): 141 MiB at 1,002, 148 at 10,000.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer and works on the allocator's own free lists under
    // the allocator's locks; any thread may call it at any time.
    unsafe {
        libc::malloc_trim(0);
    }
    // SAFETY: mi_collect takes no pointer; it frees mimalloc's own empty pages of the
    // calling thread's heap and may be called from any thread at any time.
    unsafe {
        libmimalloc_sys::mi_collect(false);
    }
}

/// The batch's worker threads. They form a rayon pool because Typst lays out and
/// exports in parallel on rayon: inside our own pool its parallel parts run on the
/// same `jobs` threads, stealing work, instead of handing it to a second pool of
/// threads that would compete with ours for the cores and spin while idle.
fn workers(jobs: usize) -> Result<rayon::ThreadPool, Error> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .thread_name(|index| format!("seloste-batch-{index}"))
        // Typst's layout recurses deeply: the main thread's usual 8 MiB, not rayon's 2.
        .stack_size(8 << 20)
        .build()
        .map_err(|err| Error::io(Path::new("."), "start the worker threads", std::io::Error::other(err)))
}

/// What the pre-pass found a file to be.
enum Found {
    Record { id: Option<String> },
    Other(Outcome),
}

/// Typst's memo cache grows with every compilation, so after every record the entries
/// that no record used in the last this-many records per worker are dropped: what every
/// notice lays out the same (fonts, fixed texts, the title block) stays warm, and so does
/// a record's fi and sv notice until its fi+sv form has reused them whole; its own layouts
/// go soon after. The age counts evictions, which every worker makes, hence per worker: at
/// a fixed age of 1, with 2 jobs, the other worker's evictions dropped a record's fi notice
/// before its fi+sv form came. Measured (bench/run.py's varied records, 1,002 notices, PDF,
/// 2 jobs, medians of 3): age 1: 16.8 s, 179 MiB; age 4: 11.7-12.6 s, 201-206 MiB; age 8:
/// 12.5 s, 234 MiB; age 16: 12.1 s, 300 MiB. With 1 job the age made no difference.
const RECORDS_KEPT_PER_WORKER: usize = 2;

/// The records a batch will process, found before any is processed: which files are
/// records, which shard they fall in, and which ids repeat. Deciding this up front keeps
/// the report, and which duplicate fails, the same whatever the number of threads.
struct Plan {
    /// Every file found, with its outcome when the plan already decides it.
    outcomes: Vec<(PathBuf, Option<Outcome>)>,
    /// Indexes into `outcomes` of the records to process.
    work: Vec<usize>,
}

fn plan(files: Vec<PathBuf>, shard: Option<Shard>, progress: &(dyn Fn(&Path, &Outcome) + Sync)) -> Plan {
    let mut plan = Plan { outcomes: Vec::new(), work: Vec::new() };
    let mut ids: BTreeMap<String, PathBuf> = BTreeMap::new();
    for path in files {
        let outcome = match classify(&path) {
            Found::Other(outcome) => Some(outcome),
            Found::Record { id } => {
                let id = id.unwrap_or_default();
                if shard.is_some_and(|shard| !shard.contains(&id)) {
                    continue;
                }
                match ids.get(&id).filter(|_| !id.is_empty()) {
                    Some(first) => Some(Outcome::Failed(Error::input(Diagnostic::error(
                        "record.id",
                        &path,
                        "id",
                        format!(
                            "the id `{id}` is already used by {}; output files are named by id, so each must be unique",
                            first.display()
                        ),
                    )))),
                    None => {
                        ids.insert(id, path.clone());
                        plan.work.push(plan.outcomes.len());
                        None
                    }
                }
            }
        };
        if let Some(outcome) = &outcome {
            progress(&path, outcome);
        }
        plan.outcomes.push((path, outcome));
    }
    plan
}

/// Runs the pipeline on every record under `dir` (or this shard's part of them), on
/// `options.jobs` threads, writing into `out`. `progress` is told about each file as it
/// is done, in whatever order the threads finish; the report is in file order.
pub fn run(
    engine: &Engine,
    dir: &Path,
    out: &Path,
    options: &Options<'_>,
    keys: KeySource,
    archiving: Option<Archiving>,
    progress: &(dyn Fn(&Path, &Outcome) + Sync),
) -> Result<Report, Error> {
    let files = discover(dir)?;
    // A bad output folder fails the batch at once, not every record after rendering it.
    std::fs::create_dir_all(out).map_err(|source| Error::io(out, "create the folder", source))?;
    crate::output::remove_stale(out);
    let mut plan = plan(files, options.shard, progress);
    let results = execute(engine, &plan, out, options, keys, archiving, progress)?;
    let mut report = collect(&mut plan, results);
    report.evidence = seal_new_versions(&report);
    Ok(report)
}

/// Gives every version the batch made its evidence record: one tree and one timestamp
/// for all the versions of each TSA (RFC 4998), instead of a request per version.
fn seal_new_versions(report: &Report) -> Vec<(Tsa, Result<evidence::Done, Error>)> {
    let mut by_tsa: BTreeMap<String, (Tsa, Vec<PathBuf>)> = BTreeMap::new();
    for (_, outcome) in &report.outcomes {
        if let Outcome::Rendered { version: Some(Archived { bag, evidence_tsa: Some(tsa), .. }), .. } = outcome {
            by_tsa.entry(tsa.url.clone()).or_insert_with(|| (tsa.clone(), Vec::new())).1.push(bag.clone());
        }
    }
    by_tsa
        .into_values()
        .map(|(tsa, bags)| {
            let root = bags[0].parent().and_then(Path::parent).unwrap_or(Path::new("."));
            let done = evidence::seal(root, &bags, &tsa, evidence::FIRST_ALGORITHM);
            (tsa, done)
        })
        .collect()
}

/// Processes the planned records: workers load, check, compose, render and sign; storing
/// threads write, flush and archive what the workers hand them.
fn execute(
    engine: &Engine,
    plan: &Plan,
    out: &Path,
    options: &Options<'_>,
    keys: KeySource,
    archiving: Option<Archiving>,
    progress: &(dyn Fn(&Path, &Outcome) + Sync),
) -> Result<Vec<(usize, Outcome)>, Error> {
    let keys = Mutex::new(keys);
    let archiving = archiving.map(Mutex::new);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::with_capacity(plan.work.len()));
    let finish = |index: usize, outcome: Outcome| {
        progress(&plan.outcomes[index].0, &outcome);
        lock(&results).push((index, outcome));
    };
    let store = |index: usize, store: Box<Store>| finish(index, store.run(out).unwrap_or_else(Outcome::Failed));
    let pool = workers(options.jobs)?;
    // Rendered records wait here for a storing thread; the bound keeps memory flat when
    // the disk is slower than the workers. A group of records is flushed together, so as
    // many may wait as a group holds (32 records of some 0.5 MB each).
    let bound = GROUP_MAX.max(2 * options.jobs);
    let (to_store, stored_by) = std::sync::mpsc::sync_channel::<(usize, Box<Store>)>(bound);
    let stored_by = Mutex::new(stored_by);
    std::thread::scope(|scope| {
        for _ in 0..STORING_THREADS {
            scope.spawn(|| {
                loop {
                    let group = {
                        let receiver = lock(&stored_by);
                        let Ok(first) = receiver.recv() else { break };
                        let mut group = vec![first];
                        while group.len() < GROUP_MAX {
                            let Ok(next) = receiver.try_recv() else { break };
                            group.push(next);
                        }
                        group
                    };
                    store_group(group, out, &finish);
                }
            });
        }
        // Each worker takes the next record until none is left. A broadcast gives every
        // worker exactly one such loop, so a worker waiting inside Typst's parallel layout
        // can only pick up Typst's small tasks, never a whole record: the stack never nests
        // records.
        pool.broadcast(|_| {
            while let Some(&index) = plan.work.get(next.fetch_add(1, Ordering::Relaxed)) {
                match process(engine, &plan.outcomes[index].0, options, &keys, archiving.as_ref()) {
                    Ok(Step::Store(rendered)) => {
                        // Only fails if every storing thread has died: store it here.
                        if let Err(unsent) = to_store.send((index, rendered)) {
                            let (index, rendered) = unsent.0;
                            store(index, rendered);
                        }
                    }
                    Ok(Step::Done(outcome)) => finish(index, outcome),
                    Err(err) => finish(index, Outcome::Failed(err)),
                }
                comemo::evict(RECORDS_KEPT_PER_WORKER * pool.current_num_threads());
                release_freed_memory();
            }
        });
        drop(to_store);
    });
    Ok(results.into_inner().unwrap_or_else(|poison| poison.into_inner()))
}

/// The report, in file order: each planned outcome, and each processed record's.
fn collect(plan: &mut Plan, results: Vec<(usize, Outcome)>) -> Report {
    for (index, outcome) in results {
        plan.outcomes[index].1 = Some(outcome);
    }
    let outcomes = std::mem::take(&mut plan.outcomes)
        .into_iter()
        .filter_map(|(path, outcome)| outcome.map(|outcome| (path, outcome)))
        .collect();
    Report { outcomes, evidence: Vec::new() }
}

/// Threads that write rendered records to disk while the workers render the next ones.
/// Writing mostly waits for the disk to confirm that files are stored, which takes no
/// CPU; on the workers, that wait made a full batch on ext4 twice as slow as one held
/// in memory (bench/run.py). Several at once let the filesystem confirm them together.
const STORING_THREADS: usize = 4;

/// A register whose content changed since its newest archived version must say so in its
/// history: an `updated` entry later than that version's date.
fn reissue_without_update(register: &Register, version: &str, archived: Date) -> Option<Diagnostic> {
    let updated_since = register
        .record
        .document
        .history
        .iter()
        .any(|entry| entry.event == HistoryEvent::Updated && entry.date > archived);
    (!updated_since).then(|| {
        register
            .source
            .error(
                "archive.no-update-entry",
                "document.history",
                format!(
                    "the notice changed since the archived {version} (dated {}), but its history has no `updated` entry after that date",
                    archived.finnish()
                ),
            )
            .with_severity(Severity::Warning)
            .with_hint("add `- { event: updated, date: <today>, by: <who> }` to `document.history` and set `document.date`")
    })
}

/// Reads a file's `kind` and `id`, cheaply, without the typed load.
fn classify(path: &Path) -> Found {
    let parsed = match source::read_parsed(path, &Limits::INPUT) {
        Ok(parsed) => parsed,
        Err(err) => return Found::Other(Outcome::Failed(err)),
    };
    match parsed.kind() {
        Some(RECORD) => Found::Record { id: parsed.tree.get("id").and_then(|id| id.as_str()).map(str::to_owned) },
        Some(other) => Found::Other(Outcome::Skipped { reason: format!("{other} file, not a record") }),
        None => Found::Other(Outcome::Skipped { reason: "not a record (no `kind: record`)".into() }),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// How far a worker takes a record: done, or rendered and waiting to be stored.
enum Step {
    Done(Outcome),
    Store(Box<Store>),
}

/// A record's files, rendered and signed in memory, to be written out and archived.
struct Store {
    id: String,
    notices: usize,
    /// What the check said of the record short of an error.
    warnings: Vec<Diagnostic>,
    outputs: Vec<crate::output::Output>,
    archive: Option<ArchiveEntry>,
}

/// What a new archive version needs besides the files.
struct ArchiveEntry {
    archive: Archive,
    register: Register,
    class: TaskClass,
    vocabulary: Vocabulary,
    fingerprint: String,
    signer: Option<Arc<Signer>>,
    now: SystemTime,
}

impl Store {
    /// Stores the record on its own: [`Store::stage`], then [`StagedRecord::publish`],
    /// each file and folder flushed as it is written.
    fn run(self, out: &Path) -> Result<Outcome, Error> {
        self.stage(out, Durability::EachFile)?.publish()
    }

    /// Writes the record's files under temporary names and builds its archive version
    /// beside its final place, nothing yet visible.
    fn stage(self, out: &Path, durability: Durability) -> Result<StagedRecord, Error> {
        let staged = crate::output::stage_outputs(out, &self.outputs, durability)?;
        let prepared = match &self.archive {
            None => None,
            Some(entry) => {
                let version = Entry {
                    register: &entry.register,
                    class: &entry.class,
                    vocabulary: &entry.vocabulary,
                    fingerprint: &entry.fingerprint,
                    outputs: &self.outputs,
                };
                let evidence_tsa = entry.signer.as_ref().and_then(|signer| signer.tsa.clone());
                entry.archive.prepare(&version, entry.now, durability)?.map(|prepared| (prepared, evidence_tsa))
            }
        };
        let Store { id, notices, warnings, .. } = self;
        Ok(StagedRecord { id, notices, warnings, staged, prepared, durability })
    }
}

/// A record's files written and its archive version built, not yet in place.
struct StagedRecord {
    id: String,
    notices: usize,
    warnings: Vec<Diagnostic>,
    staged: crate::output::Staged,
    /// The version, with the TSA of its evidence record.
    prepared: Option<(Prepared, Option<Tsa>)>,
    durability: Durability,
}

impl StagedRecord {
    /// Moves the files, then the version, into place: a record whose version cannot be
    /// built has left nothing in `out`, and one whose files cannot be moved into place is
    /// not archived.
    fn publish(self) -> Result<Outcome, Error> {
        let files = self.staged.move_into_place(self.durability)?;
        let version = match self.prepared {
            None => None,
            Some((prepared, evidence_tsa)) => {
                let bag = prepared.bag();
                Some(Archived { name: prepared.commit()?, bag, evidence_tsa })
            }
        };
        Ok(Outcome::Rendered { id: self.id, notices: self.notices, files, version, warnings: self.warnings })
    }
}

/// The most records a storing thread makes durable together.
const GROUP_MAX: usize = 32;

/// Stores a group of records with two flushes of each filesystem in all, instead of
/// one flush per file and folder (ARCHITECTURE.md, "Group commit"): every record is
/// written under temporary names; the filesystems are flushed, so every byte is stored
/// before anything is renamed; each record is moved into place; the filesystems are
/// flushed again, so the renames are stored before any record is reported done. Where a
/// filesystem cannot be flushed at once, each record is stored on its own.
fn store_group(mut group: Vec<(usize, Box<Store>)>, out: &Path, finish: &(dyn Fn(usize, Outcome) + Sync)) {
    let flush_failed = |message: &str| Outcome::Failed(Error::io(out, "flush to disk", std::io::Error::other(message)));
    let syncs = match filesystem_syncs(&group, out) {
        Ok(Some(syncs)) => syncs,
        Ok(None) => {
            for (index, store) in group {
                finish(index, store.run(out).unwrap_or_else(Outcome::Failed));
            }
            return;
        }
        Err(err) => {
            for (index, _) in group {
                finish(index, flush_failed(&err.to_string()));
            }
            return;
        }
    };
    // Register locks are taken in the order of the ids, in every process, so that two
    // batches archiving into one archive never wait for each other in a circle.
    group.sort_by(|(_, a), (_, b)| a.id.cmp(&b.id));
    let mut staged = Vec::new();
    for (index, store) in group {
        match store.stage(out, Durability::Deferred) {
            Ok(record) => staged.push((index, record)),
            Err(err) => finish(index, Outcome::Failed(err)),
        }
    }
    if let Err(message) = sync_all(&syncs) {
        for (index, _) in staged {
            finish(index, flush_failed(&message));
        }
        return;
    }
    let published: Vec<(usize, Result<Outcome, Error>)> =
        staged.into_iter().map(|(index, record)| (index, record.publish())).collect();
    let synced = sync_all(&syncs);
    for (index, result) in published {
        let outcome = match (result, &synced) {
            (Err(err), _) => Outcome::Failed(err),
            (Ok(_), Err(message)) => flush_failed(message),
            (Ok(outcome), Ok(())) => outcome,
        };
        finish(index, outcome);
    }
}

/// Handles on the filesystems of the output folder and of the archive, opened before
/// anything of the group is written; `None` when one cannot be flushed at once.
fn filesystem_syncs(group: &[(usize, Box<Store>)], out: &Path) -> Result<Option<Vec<FilesystemSync>>, Error> {
    let mut roots = vec![out.to_owned()];
    for root in group.iter().filter_map(|(_, store)| store.archive.as_ref().map(|entry| entry.archive.root())) {
        if !roots.iter().any(|known| same_filesystem(known, root)) {
            roots.push(root.to_owned());
        }
    }
    let mut syncs = Vec::new();
    for root in roots {
        match FilesystemSync::open(&root)? {
            Some(sync) => syncs.push(sync),
            None => return Ok(None),
        }
    }
    Ok(Some(syncs))
}

/// Whether two folders are on one filesystem, which one flush covers for both.
fn same_filesystem(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        matches!((a.metadata(), b.metadata()), (Ok(a), Ok(b)) if a.dev() == b.dev())
    }
    #[cfg(not(unix))]
    {
        a == b
    }
}

/// Flushes each filesystem; the first failure's message.
fn sync_all(syncs: &[FilesystemSync]) -> Result<(), String> {
    syncs.iter().try_for_each(FilesystemSync::sync).map_err(|err| err.to_string())
}

/// The CPU part of a record: load, check, compose, render, sign.
fn process(
    engine: &Engine,
    path: &Path,
    options: &Options<'_>,
    keys: &Mutex<KeySource>,
    archiving: Option<&Mutex<Archiving>>,
) -> Result<Step, Error> {
    let Checked { register, findings } = engine.load_checked(path)?;
    let warnings: Vec<Diagnostic> =
        findings.into_iter().filter(|finding| finding.severity == Severity::Warning).collect();
    let signer = lock(keys).for_register(&register)?;
    let id = register.record.id.clone();
    let (forms, formats) = (options.forms, options.formats);
    let notices = engine.forms_for(&register, forms)?.len();
    let Some(archiving) = archiving else {
        let outputs = engine.produce(&register, forms, formats, signer.as_deref())?;
        return Ok(Step::Store(Box::new(Store { id, notices, warnings, outputs, archive: None })));
    };
    register.require_final("archived")?;
    let class = lock(archiving).task_class(&register)?;
    let signer_name = signer.as_ref().map(|signer| signer.identity.signatory_line());
    let documents = engine.compose_forms(&register, forms, signer_name.as_deref())?;
    let content = engine.fingerprint(&register, &documents)?;
    let plan_row = serde_json::to_string(&class).unwrap_or_default();
    let fingerprint = crate::archive::bag::sha256_hex(format!("{content}\n{plan_row}").as_bytes());
    let (now, unchanged) = {
        let archiving = lock(archiving);
        (archiving.now, archiving.archive.latest_fingerprint(&id).as_deref() == Some(fingerprint.as_str()))
    };
    if unchanged {
        return Ok(Step::Done(Outcome::Unchanged { id, warnings }));
    }
    let mut warnings = warnings;
    let previous = lock(archiving).archive.latest_version(&id);
    warnings.extend(previous.and_then(|(version, date)| reissue_without_update(&register, &version, date?)));
    let outputs = engine.render_forms(&register, &documents, formats, signer.as_deref())?;
    // Registers have folders of their own, so versions of different registers never
    // contend; the lock is only for the shared plan cache above.
    let archive = lock(archiving).archive.clone();
    let vocabulary = engine.archive_vocabulary(&register)?;
    let archive = Some(ArchiveEntry { archive, register, class, vocabulary, fingerprint, signer, now });
    Ok(Step::Store(Box::new(Store { id, notices, warnings, outputs, archive })))
}
