//! Archive packages: BagIt bags checked by bagit.py, append-only versions, the version
//! chain, tampering caught by `seloste verify`, a batch killed mid-archive, and the
//! SÄHKE2-model metadata read back as XML.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use seloste::archive::bag::{sha256_hex, sha512_hex};

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("archive").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn archive_batch(samples: &Path, dir: &Path) -> std::process::Output {
    let (out, keys, archive) = (dir.join("out"), dir.join("keys"), dir.join("archive"));
    let args = [
        "batch",
        samples.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--test-key",
        keys.to_str().unwrap(),
        "--archive",
        archive.to_str().unwrap(),
    ];
    seloste(&args)
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        for path in files_in(&folder) {
            if path.is_dir() {
                pending.push(path);
            } else {
                files.insert(path.strip_prefix(dir).unwrap().to_owned(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

fn bags(archive: &Path) -> Vec<PathBuf> {
    files_in(archive)
        .into_iter()
        .filter(|path| path.is_dir())
        .flat_map(|register| files_in(&register))
        .filter(|path| path.is_dir())
        .collect()
}

fn verify_archive(path: &Path, keys: &Path) -> std::process::Output {
    seloste(&["verify", path.to_str().unwrap(), "--trust", keys.join("ca.pem").to_str().unwrap()])
}

#[test]
fn bags_validate_and_versions_are_added_only_for_changed_content() {
    let dir = scratch("versions");
    let samples = copy_samples(&dir);
    let first = archive_batch(&samples, &dir);
    assert!(first.status.success(), "{}{}", stdout(&first), stderr(&first));
    let archive = dir.join("archive");
    let created = bags(&archive);
    assert_eq!(created.len(), 5, "{created:?}");
    if have_tool("bagit.py") {
        for bag in &created {
            let result = run("bagit.py", &["--validate", bag.to_str().unwrap()]);
            assert!(result.status.success(), "bagit.py: {}{}", stdout(&result), stderr(&result));
        }
    }

    let before = snapshot(&archive);
    let again = archive_batch(&samples, &dir);
    assert!(again.status.success());
    assert_eq!(stdout(&again).matches("unchanged ").count(), 5, "{}", stdout(&again));
    assert_eq!(snapshot(&archive), before, "an unchanged batch changed the archive");

    let record = samples.join("lieto-lapsiperheet.yaml");
    let original = std::fs::read_to_string(&record).unwrap();
    let text = original.replace("fi: asiakkaalta saadut tiedot", "fi: asiakkaalta itseltään saadut tiedot");
    assert_ne!(text, original, "the edit must change the record");
    std::fs::write(&record, text).unwrap();
    let changed = archive_batch(&samples, &dir);
    assert!(changed.status.success(), "{}", stderr(&changed));
    assert!(stdout(&changed).contains("lieto-lapsiperheet: 9 files, archived as v0002"), "{}", stdout(&changed));
    let after = snapshot(&archive);
    let added: Vec<&PathBuf> = after.keys().filter(|path| !before.contains_key(*path)).collect();
    assert!(added.iter().all(|path| path.starts_with("lieto-lapsiperheet/v0002")), "{added:?}");
    for (path, bytes) in &before {
        assert!(after.get(path) == Some(bytes), "{} changed", path.display());
    }
    let info = std::fs::read_to_string(archive.join("lieto-lapsiperheet/v0002/bag-info.txt")).unwrap();
    let previous = std::fs::read(archive.join("lieto-lapsiperheet/v0001/tagmanifest-sha512.txt")).unwrap();
    assert!(info.contains("Seloste-Previous-Version: v0001"), "{info}");
    assert!(info.contains(&format!("Seloste-Previous-Tagmanifest-SHA512: {}", sha512_hex(&previous))), "{info}");
    let verified = verify_archive(&archive, &dir.join("keys"));
    assert!(verified.status.success(), "{}", stdout(&verified));

    let listing = stdout(&seloste(&["archive", "list", archive.to_str().unwrap(), "lieto-lapsiperheet"]));
    assert_eq!(listing.lines().count(), 2, "{listing}");
    assert!(
        listing.contains("lieto-lapsiperheet v0002") && listing.contains("signed by seloste TEST signer"),
        "{listing}"
    );
}

/// A fresh signed archive of the samples for one tampering case.
fn tamper_case(name: &str) -> (PathBuf, PathBuf) {
    let dir = scratch(name);
    let result = archive_batch(&samples(), &dir);
    assert!(result.status.success(), "{}", stderr(&result));
    (dir.join("archive"), dir.join("keys"))
}

fn assert_archive_rejected(archive: &Path, keys: &Path, case: &str, expected: &str) {
    let result = verify_archive(archive, keys);
    let report = stdout(&result);
    assert_eq!(result.status.code(), Some(1), "{case}: accepted: {report}");
    assert!(report.contains(expected), "{case}: the report lacks {expected:?}: {report}");
}

#[test]
fn verify_catches_changed_removed_and_added_payload_and_edited_tag_files() {
    let (archive, keys) = tamper_case("payload-byte");
    let pdf = archive.join("parkano-lapsiperheet/v0001/data/parkano-lapsiperheet.fi.pdf");
    let mut bytes = std::fs::read(&pdf).unwrap();
    bytes[100] ^= 0x20;
    std::fs::write(&pdf, bytes).unwrap();
    assert_archive_rejected(
        &archive,
        &keys,
        "payload byte",
        "parkano-lapsiperheet.fi.pdf: its manifest-sha512.txt checksum does not match",
    );

    let (archive, keys) = tamper_case("payload-removed");
    std::fs::remove_file(archive.join("lieto-lapsiperheet/v0001/data/lieto-lapsiperheet.sv.docx")).unwrap();
    assert_archive_rejected(
        &archive,
        &keys,
        "payload removed",
        "lieto-lapsiperheet.sv.docx: listed in manifest-sha512.txt but missing",
    );

    let (archive, keys) = tamper_case("payload-added");
    std::fs::write(archive.join("lieto-lapsiperheet/v0001/data/extra.txt"), "added later").unwrap();
    assert_archive_rejected(
        &archive,
        &keys,
        "payload added",
        "data/extra.txt: in the payload but not in manifest-sha512.txt",
    );

    let (archive, keys) = tamper_case("bag-info");
    let info = archive.join("huittinen-lastensuojelu/v0001/bag-info.txt");
    let text = std::fs::read_to_string(&info).unwrap().replace("Bagging-Date: ", "Bagging-Date: 1999-01-01 was ");
    std::fs::write(&info, text).unwrap();
    assert_archive_rejected(&archive, &keys, "bag-info edited", "bag-info.txt: changed since bagging");

    let (archive, keys) = tamper_case("tag-manifest");
    let manifest = archive.join("huittinen-lastensuojelu/v0001/tagmanifest-sha512.txt");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.replace_range(0..1, if text.starts_with('0') { "1" } else { "0" });
    std::fs::write(&manifest, text).unwrap();
    assert_archive_rejected(&archive, &keys, "tag manifest edited", "changed since bagging");
}

#[test]
fn verify_catches_a_removed_earlier_version() {
    let dir = scratch("chain");
    let samples = copy_samples(&dir);
    assert!(archive_batch(&samples, &dir).status.success());
    let record = samples.join("parkano-lapsiperheet.yaml");
    let original = std::fs::read_to_string(&record).unwrap();
    let text = original.replace("fi: päätöstiedot", "fi: päätöstiedot ja niiden perustelut");
    assert_ne!(text, original, "the edit must change the record");
    std::fs::write(&record, text).unwrap();
    assert!(archive_batch(&samples, &dir).status.success());
    let archive = dir.join("archive");
    assert!(archive.join("parkano-lapsiperheet/v0002").exists());
    std::fs::remove_dir_all(archive.join("parkano-lapsiperheet/v0001")).unwrap();
    assert_archive_rejected(&archive, &dir.join("keys"), "v0001 removed", "the chain is broken");
}

#[test]
fn verify_catches_a_swapped_signature_even_with_the_manifests_rewritten() {
    let (archive, keys) = tamper_case("signature");
    let bag = archive.join("uusikaupunki-sosiaalityo/v0001");
    let data = bag.join("data");
    std::fs::copy(data.join("uusikaupunki-sosiaalityo.sv.docx.p7s"), data.join("uusikaupunki-sosiaalityo.fi.docx.p7s"))
        .unwrap();
    // Re-hash everything, as a forger would, so that only the signature check can notice.
    for (manifest, hash) in
        [("manifest-sha512.txt", sha512_hex as fn(&[u8]) -> String), ("manifest-sha256.txt", sha256_hex)]
    {
        let text: String = std::fs::read_to_string(bag.join(manifest))
            .unwrap()
            .lines()
            .map(|line| {
                let path = line.split_whitespace().nth(1).unwrap();
                format!("{}  {path}\n", hash(&std::fs::read(bag.join(path)).unwrap()))
            })
            .collect();
        std::fs::write(bag.join(manifest), text).unwrap();
    }
    let tag: String = ["bag-info.txt", "bagit.txt", "manifest-sha256.txt", "manifest-sha512.txt"]
        .iter()
        .map(|file| format!("{}  {file}\n", sha512_hex(&std::fs::read(bag.join(file)).unwrap())))
        .collect();
    std::fs::write(bag.join("tagmanifest-sha512.txt"), tag).unwrap();
    assert_archive_rejected(&bag, &keys, "swapped .p7s", "uusikaupunki-sosiaalityo.fi.docx");
}

#[test]
fn a_batch_killed_while_archiving_leaves_no_partial_version_and_the_next_run_completes() {
    let dir = scratch("killed");
    let archive = dir.join("archive");
    let binary = env!("CARGO_BIN_EXE_seloste");
    for delay_ms in [150u64, 300, 450, 600, 800] {
        let mut child = Command::new(binary)
            .args(["batch", samples().to_str().unwrap(), "-o", dir.join("out").to_str().unwrap()])
            .args(["--test-key", dir.join("keys").to_str().unwrap(), "--archive", archive.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        for bag in bags(&archive) {
            let name = bag.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with('v') {
                let result = verify_archive(&bag, &dir.join("keys"));
                assert!(
                    result.status.success(),
                    "after a kill at {delay_ms} ms, {} is visible but not whole: {}",
                    bag.display(),
                    stdout(&result)
                );
            }
        }
    }
    let finished = archive_batch(&samples(), &dir);
    assert!(finished.status.success(), "{}", stderr(&finished));
    let versions: Vec<PathBuf> =
        bags(&archive).into_iter().filter(|bag| bag.file_name().unwrap().to_string_lossy().starts_with('v')).collect();
    assert_eq!(versions.len(), 5, "{versions:?}");
    assert!(versions.iter().all(|bag| bag.ends_with("v0001")), "{versions:?}");
    let verified = verify_archive(&archive, &dir.join("keys"));
    assert!(verified.status.success(), "{}", stdout(&verified));
}

/// Every file under `dir`, in every folder below it.
fn every_file(dir: &Path) -> Vec<PathBuf> {
    files_in(dir).into_iter().flat_map(|path| if path.is_dir() { every_file(&path) } else { vec![path] }).collect()
}

/// A batch reports a record done only once its files and its version are on disk. After
/// the batch, the page cache is dropped without a `sync`: a page the batch left unwritten
/// is dirty and cannot be dropped, so none of its files may still be in memory
/// (`fincore`), and what is then read back, from the disk, verifies. (Other tests running
/// at the same time flush the same filesystem, so this alone does not prove the batch
/// flushed; the order of its flushes is checked below, from its system calls.)
#[test]
fn a_batch_s_files_are_on_disk_when_it_ends_and_read_back_whole_from_it() {
    let dir = scratch("read-back");
    let finished = archive_batch(&samples(), &dir);
    assert!(finished.status.success(), "{}", stderr(&finished));
    let written: Vec<PathBuf> =
        every_file(&dir.join("out")).into_iter().chain(every_file(&dir.join("archive"))).collect();
    assert!(written.len() > 100, "{}", written.len());
    let dropped = std::fs::write("/proc/sys/vm/drop_caches", "3").is_ok();
    if dropped && have_tool("fincore") {
        for file in &written {
            let resident = run("fincore", &["--bytes", "--noheadings", "--output", "RES", file.to_str().unwrap()]);
            assert_eq!(stdout(&resident).trim(), "0", "{} was still in memory, not written out", file.display());
        }
    } else {
        eprintln!("NOTE: the page cache could not be dropped here (needs root); the files are read back from it");
    }
    let outputs: Vec<String> =
        every_file(&dir.join("out")).iter().map(|path| path.to_string_lossy().into_owned()).collect();
    let mut args = vec!["verify".to_owned()];
    args.extend(outputs.into_iter().filter(|path| !path.ends_with(".p7s") && !path.contains("test-key")));
    args.extend([dir.join("archive").to_string_lossy().into_owned(), "--trust".into()]);
    args.push(dir.join("keys/ca.pem").to_string_lossy().into_owned());
    let verified = seloste(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(verified.status.success(), "{}", stdout(&verified));
}

/// The group commit's order, seen in the system calls of each storing thread: every run
/// of renames that moves records' files and versions into place comes right after a
/// `syncfs` (every byte stored before any name points at it) and is followed by one (the
/// renames stored before the records are reported done).
#[test]
fn a_batch_flushes_before_it_moves_anything_into_place_and_after() {
    if !have_tool("strace") {
        return;
    }
    let dir = scratch("group-commit-order");
    let trace = dir.join("trace");
    let (out, archive) = (dir.join("out"), dir.join("archive"));
    let traced = run(
        "strace",
        &[
            // One file per thread, so that no call is split by another thread's.
            "-ff",
            "-qq",
            "-e",
            "trace=syncfs,fsync,fdatasync,rename,renameat,renameat2",
            "-o",
            trace.to_str().unwrap(),
            env!("CARGO_BIN_EXE_seloste"),
            "batch",
            samples().to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--test-key",
            dir.join("keys").to_str().unwrap(),
            "--archive",
            archive.to_str().unwrap(),
        ],
    );
    assert!(traced.status.success(), "{}", stderr(&traced));
    let mut calls: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
    for file in files_in(&dir).into_iter().filter(|file| file.to_string_lossy().contains("/trace.")) {
        let pid = file.extension().unwrap().to_string_lossy().into_owned();
        for call in std::fs::read_to_string(&file).unwrap().lines() {
            let name = call.split('(').next().unwrap_or_default().to_owned();
            calls.entry(pid.clone()).or_default().push((name, call.to_owned()));
        }
    }
    // A record's move into place: a temporary name of ours renamed in the output folder or
    // the archive. (Files made new with no-replace, like the archive's marker, are not.)
    let publishes = |call: &str| {
        call.starts_with("rename")
            && call.contains(".partial")
            && !call.contains("RENAME_NOREPLACE")
            && (call.contains(out.to_str().unwrap()) || call.contains(archive.to_str().unwrap()))
            && !call.contains("test-key")
    };
    let mut runs = 0;
    for (pid, calls) in &calls {
        let mut index = 0;
        while index < calls.len() {
            if !publishes(&calls[index].1) {
                index += 1;
                continue;
            }
            let start = index;
            while index < calls.len() && calls[index].0.starts_with("rename") {
                index += 1;
            }
            runs += 1;
            let before = start.checked_sub(1).map(|at| calls[at].0.as_str());
            let after = calls.get(index).map(|(name, _)| name.as_str());
            assert_eq!(before, Some("syncfs"), "thread {pid}: renames at call {start} not after a syncfs: {calls:?}");
            assert_eq!(after, Some("syncfs"), "thread {pid}: renames at call {start} not followed by a syncfs");
        }
    }
    assert!(runs >= 1, "no record was moved into place: {calls:?}");
}

const READ_METADATA: &str = r#"
import sys, xml.etree.ElementTree as ET
ns = {"m": "urn:seloste:archive-metadata:1"}
root = ET.parse(sys.argv[1]).getroot()
for path in ["m:identity/m:taskClass", "m:identity/m:version", "m:restriction/m:publicityClass", "m:restriction/m:personalData",
             "m:retention/m:periodYears", "m:retention/m:reason", "m:file/m:name", "m:file/m:pronom", "m:file/m:sha256",
             "m:file/m:sha512", "m:signature/m:signer"]:
    print(root.find(path, ns).text)
"#;

#[test]
fn the_metadata_xml_parses_and_carries_the_plan_and_the_file_hashes() {
    if !have_tool("python3") {
        return;
    }
    let (archive, _) = tamper_case("metadata");
    let data = archive.join("huittinen-lastensuojelu/v0001/data");
    let result =
        python(READ_METADATA, &[data.join("huittinen-lastensuojelu.fi-sv.pdf.metadata.xml").to_str().unwrap()]);
    assert!(result.status.success(), "{}", stderr(&result));
    let values: Vec<String> = stdout(&result).lines().map(str::to_owned).collect();
    let pdf = std::fs::read(data.join("huittinen-lastensuojelu.fi-sv.pdf")).unwrap();
    assert_eq!(values[0], "05 09 01");
    assert_eq!(values[1], "v0001");
    assert_eq!(values[2], "1");
    assert_eq!(values[3], "2");
    assert_eq!(values[4], "-1", "permanent retention");
    assert!(values[5].contains("831/1994"));
    assert_eq!(values[6], "huittinen-lastensuojelu.fi-sv.pdf");
    assert_eq!(values[7], "fmt/476");
    assert_eq!(values[8], sha256_hex(&pdf));
    assert_eq!(values[9], sha512_hex(&pdf));
    assert_eq!(values[10], "seloste TEST signer");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("huittinen-lastensuojelu.fi-sv.pdf.metadata.json")).unwrap())
            .unwrap();
    assert_eq!(json["file"]["sha512"], sha512_hex(&pdf));
}

#[test]
fn an_archive_folder_that_is_not_ours_and_an_unknown_task_class_are_refused() {
    let dir = scratch("not-ours");
    std::fs::create_dir_all(dir.join("archive")).unwrap();
    std::fs::write(dir.join("archive/notes.txt"), "someone else's files").unwrap();
    let result = archive_batch(&samples(), &dir);
    assert!(!result.status.success());
    assert!(stderr(&result).contains("not a seloste archive"), "{}", stderr(&result));
    assert_eq!(files_in(&dir.join("archive")).len(), 1);

    let dir = scratch("unknown-class");
    let samples = copy_samples(&dir);
    let record = samples.join("lieto-lapsiperheet.yaml");
    std::fs::write(
        &record,
        std::fs::read_to_string(&record).unwrap().replace("task_class: 05 17 02", "task_class: 99 99 99"),
    )
    .unwrap();
    let result = archive_batch(&samples, &dir);
    assert_eq!(result.status.code(), Some(1));
    let message = stderr(&result);
    assert!(message.contains("lieto-lapsiperheet.yaml") && message.contains("`99 99 99`"), "{message}");
    assert!(!dir.join("archive/lieto-lapsiperheet").exists());
    assert_eq!(bags(&dir.join("archive")).len(), 4);
}
