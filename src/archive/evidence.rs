//! Evidence records for archived versions (RFC 4998): each version's tag manifest, which
//! fixes every file of its bag, is proven to exist by one timestamp over a hash tree of
//! all the versions a batch made; renewals add new records beside the old.
//!
//! A version's first record is `evidence.ers` beside its tag manifest; each renewal writes
//! the whole renewed record as the next file, `evidence-2.ers`, `evidence-3.ers`, ...: the
//! version's payload, manifests and earlier records are never rewritten. The files are
//! not listed in the tag manifest they prove, which BagIt allows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use cms::content_info::ContentInfo;
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;

use super::bag;
use super::layout::{MARKER, archive_error, registers, versions};
use crate::error::Error;
use crate::pkix::ers::{self, ArchiveTimeStamp, EvidenceRecord, HashTree};
use crate::pkix::{self, Invalid};
use crate::time::format_time;
use crate::timestamp::Tsa;

pub const FIRST: &str = "evidence.ers";
/// The hash algorithm of a version's first record.
pub const FIRST_ALGORITHM: ObjectIdentifier = const_oid::db::rfc5912::ID_SHA_256;

/// What a sealing or a renewal did.
#[derive(Debug, Default)]
pub struct Done {
    /// Versions given their first record.
    pub sealed: usize,
    /// Versions whose record was renewed.
    pub renewed: usize,
    /// Timestamps asked of the TSA.
    pub requests: usize,
    /// One line per version that could not be given one, naming it and why.
    pub problems: Vec<String>,
}

/// The evidence files of a bag, oldest first.
pub fn files(bag_dir: &Path) -> Vec<(u32, PathBuf)> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir(bag_dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|entry| number_of(&entry.file_name().to_string_lossy()).map(|n| (n, entry.path())))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

fn number_of(name: &str) -> Option<u32> {
    if name == FIRST {
        return Some(1);
    }
    let digits = name.strip_prefix("evidence-")?.strip_suffix(".ers")?;
    digits.parse::<u32>().ok().filter(|n| *n >= 2 && digits == n.to_string())
}

fn file_name(number: u32) -> String {
    if number == 1 { FIRST.to_owned() } else { format!("evidence-{number}.ers") }
}

/// Gives each of `bags` (versions in the archive at `root`) that has none its first
/// evidence record, all under one timestamp from `tsa` over a hash tree of their tag
/// manifests with `algorithm`. Holds the archive's evidence lock, as a renewal does.
pub fn seal(root: &Path, bags: &[PathBuf], tsa: &Tsa, algorithm: ObjectIdentifier) -> Result<Done, Error> {
    let _lock = lock(root)?;
    seal_locked(bags, tsa, algorithm)
}

fn lock(root: &Path) -> Result<std::fs::File, Error> {
    crate::output::lock(&root.join(".evidence.lock"))
}

fn seal_locked(bags: &[PathBuf], tsa: &Tsa, algorithm: ObjectIdentifier) -> Result<Done, Error> {
    let mut done = Done::default();
    let mut leaves = Vec::new();
    for bag_dir in bags.iter().filter(|bag_dir| files(bag_dir).is_empty()) {
        match tag_manifest(bag_dir) {
            Ok(manifest) => leaves.push((bag_dir, hash(&algorithm, &manifest))),
            Err(err) => done.problems.push(err.to_string()),
        }
    }
    if leaves.is_empty() {
        return Ok(done);
    }
    let (tree, token) = stamp_tree(&leaves, tsa, algorithm)?;
    done.requests += 1;
    for (bag_dir, leaf) in &leaves {
        let record = EvidenceRecord {
            version: 1,
            digest_algorithms: vec![algorithm_identifier(algorithm)],
            crypto_infos: None,
            encryption_info: None,
            archive_time_stamp_sequence: vec![vec![archive_time_stamp(&tree, leaf, &token)]],
        };
        match write(bag_dir, 1, &record) {
            Ok(()) => done.sealed += 1,
            Err(err) => done.problems.push(err.to_string()),
        }
    }
    Ok(done)
}

/// Renews the evidence of every version in the archive at `root` (RFC 4998 §5.2): with
/// `new_algorithm`, a hash-tree renewal (a new chain over each tag manifest and the chains
/// before, hashed with it); without, a timestamp renewal (a new timestamp over each
/// chain's newest one). Versions without a record get their first. One TSA request per
/// hash algorithm in use, however many versions. Renewals are serialised by a lock. A
/// record whose newest TSA certificate has expired by `now` is not renewed: its proof has
/// lapsed, and a new timestamp cannot restore it.
pub fn renew(root: &Path, tsa: &Tsa, new_algorithm: Option<ObjectIdentifier>, now: SystemTime) -> Result<Done, Error> {
    if !root.join(MARKER).exists() {
        return Err(archive_error(root, format!("not a seloste archive (no {MARKER})")));
    }
    let _lock = lock(root)?;
    let bags: Vec<PathBuf> = registers(root)
        .map_err(|source| Error::io(root, "read", source))?
        .iter()
        .flat_map(|register| versions(register).into_iter().map(|(_, bag_dir)| bag_dir))
        .collect();
    let (sealed, unsealed): (Vec<PathBuf>, Vec<PathBuf>) =
        bags.into_iter().partition(|bag_dir| !files(bag_dir).is_empty());
    let mut done = Done::default();
    if !unsealed.is_empty() {
        done = seal_locked(&unsealed, tsa, new_algorithm.unwrap_or(FIRST_ALGORITHM))?;
    }
    let mut renewals: Vec<Renewal> = Vec::new();
    for bag_dir in sealed {
        match Renewal::read(&bag_dir, now) {
            Ok(renewal) => renewals.push(renewal),
            Err(problem) => done.problems.push(problem),
        }
    }
    let leaf_of = |renewal: &Renewal| match new_algorithm {
        Some(algorithm) => renewal.hash_tree_leaf(algorithm),
        None => renewal.timestamp_leaf(),
    };
    let mut by_algorithm: BTreeMap<ObjectIdentifier, Vec<(Renewal, Vec<u8>)>> = BTreeMap::new();
    for renewal in renewals {
        match leaf_of(&renewal) {
            Ok((algorithm, leaf)) => by_algorithm.entry(algorithm).or_default().push((renewal, leaf)),
            Err(invalid) => done.problems.push(format!("{}: not renewed: {invalid}", renewal.bag_dir.display())),
        }
    }
    for (algorithm, leaves) in by_algorithm {
        let (tree, token) = match stamp_tree(&leaves, tsa, algorithm) {
            Ok(stamped) => stamped,
            Err(err) => {
                done.problems.push(format!("{} versions not renewed: {err}", leaves.len()));
                continue;
            }
        };
        done.requests += 1;
        for (renewal, leaf) in &leaves {
            let stamp = archive_time_stamp(&tree, leaf, &token);
            match renewal.write(stamp, new_algorithm) {
                Ok(()) => done.renewed += 1,
                Err(err) => done.problems.push(err.to_string()),
            }
        }
    }
    Ok(done)
}

/// A version's newest record, checked to prove its tag manifest before it is renewed.
struct Renewal {
    bag_dir: PathBuf,
    number: u32,
    record: EvidenceRecord,
    manifest: Vec<u8>,
}

impl Renewal {
    fn read(bag_dir: &Path, now: SystemTime) -> Result<Renewal, String> {
        let (number, path) =
            files(bag_dir).pop().ok_or_else(|| format!("{}: no evidence record", bag_dir.display()))?;
        let bytes = crate::source::read_bytes(&path, ers::MAX_RECORD_BYTES as u64).map_err(|err| err.to_string())?;
        let manifest = tag_manifest(bag_dir).map_err(|err| err.to_string())?;
        let refuse = |invalid: Invalid| format!("{}: not renewed: {invalid}", path.display());
        let proven = ers::check_record(&bytes, &manifest, None, now).map_err(refuse)?;
        if proven.latest.tsa_valid_until <= now {
            return Err(format!(
                "{}: not renewed: the certificate of {}, the TSA of its newest timestamp, expired on {}; the proof lapsed then, and a new timestamp cannot restore it",
                path.display(),
                proven.latest.tsa,
                &format_time(proven.latest.tsa_valid_until)[..10]
            ));
        }
        let record = ers::decode(&bytes).map_err(refuse)?;
        Ok(Renewal { bag_dir: bag_dir.to_owned(), number, record, manifest })
    }

    /// Writes the record with `stamp` added as the next file: a new chain for a hash-tree
    /// renewal, the newest chain's next timestamp otherwise.
    fn write(&self, stamp: ArchiveTimeStamp, new_algorithm: Option<ObjectIdentifier>) -> Result<(), Error> {
        let mut record = self.record.clone();
        match new_algorithm {
            Some(algorithm) => {
                if !record.digest_algorithms.iter().any(|declared| declared.oid == algorithm) {
                    record.digest_algorithms.push(algorithm_identifier(algorithm));
                }
                record.archive_time_stamp_sequence.push(vec![stamp]);
            }
            None => record
                .archive_time_stamp_sequence
                .last_mut()
                .expect("a checked record has a chain")
                .push(ArchiveTimeStamp { digest_algorithm: None, ..stamp }),
        }
        write(&self.bag_dir, self.number + 1, &record)
    }

    /// A hash-tree renewal's leaf: the tag manifest with the chains so far, hashed anew.
    fn hash_tree_leaf(&self, algorithm: ObjectIdentifier) -> Result<(ObjectIdentifier, Vec<u8>), Invalid> {
        let leaf = ers::renewal_leaf(&algorithm, &self.manifest, &self.record.archive_time_stamp_sequence)?;
        Ok((algorithm, leaf))
    }

    /// A timestamp renewal's leaf: the newest timestamp, with its chain's algorithm.
    fn timestamp_leaf(&self) -> Result<(ObjectIdentifier, Vec<u8>), Invalid> {
        let chain = self.record.archive_time_stamp_sequence.last().expect("a checked record has a chain");
        let algorithm = ers::chain_algorithm(chain)?;
        let leaf = ers::timestamp_leaf(&algorithm, chain.last().expect("a checked chain has a timestamp"))?;
        Ok((algorithm, leaf))
    }
}

/// Builds the tree over the leaves and has its root stamped.
fn stamp_tree<T>(
    leaves: &[(T, Vec<u8>)],
    tsa: &Tsa,
    algorithm: ObjectIdentifier,
) -> Result<(HashTree, ContentInfo), Error> {
    let failed = |message: String| Error::Timestamp { url: tsa.url.clone(), message };
    let hashes: Vec<Vec<u8>> = leaves.iter().map(|(_, leaf)| leaf.clone()).collect();
    let tree = HashTree::build(algorithm, &hashes).map_err(|invalid| failed(invalid.to_string()))?;
    let token = tsa.stamp_imprint(pkix::digest::imprint(&algorithm, &tree.root))?;
    let token = ContentInfo::from_der(&token.der).map_err(|err| failed(format!("the token is not DER: {err}")))?;
    Ok((tree, token))
}

fn archive_time_stamp(tree: &HashTree, leaf: &[u8], token: &ContentInfo) -> ArchiveTimeStamp {
    ArchiveTimeStamp {
        digest_algorithm: Some(algorithm_identifier(tree.algorithm)),
        attributes: None,
        reduced_hashtree: tree.reduced(leaf),
        time_stamp: token.clone(),
    }
}

fn algorithm_identifier(algorithm: ObjectIdentifier) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid: algorithm, parameters: None }
}

fn hash(algorithm: &ObjectIdentifier, bytes: &[u8]) -> Vec<u8> {
    pkix::hash(algorithm, bytes).expect("the evidence algorithms are ones pkix::hash knows")
}

fn tag_manifest(bag_dir: &Path) -> Result<Vec<u8>, Error> {
    let path = bag_dir.join(bag::TAG_MANIFEST);
    std::fs::read(&path).map_err(|source| Error::io(&path, "read", source))
}

/// Writes record `number` of a bag, never over an existing file.
fn write(bag_dir: &Path, number: u32, record: &EvidenceRecord) -> Result<(), Error> {
    let path = bag_dir.join(file_name(number));
    let der =
        record.to_der().map_err(|err| archive_error(&path, format!("cannot encode the evidence record: {err}")))?;
    crate::output::write_new(&path, &der)
}
