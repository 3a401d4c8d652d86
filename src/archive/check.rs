//! Reading an archive back: verifying every bag, signature, token and chain link, and
//! listing the versions.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

use super::layout::{MARKER, archive_error, is_document, registers, version_name, versions};
use super::{bag, evidence};
use crate::error::Error;
use crate::pkix::{Invalid, TrustStore, ers};
use crate::time::format_time;
use crate::verify;

/// What checking an archive found: a line per problem, each naming where, and a line
/// per version that an evidence record proves, with the time it proves.
#[derive(Debug, Default)]
pub struct Findings {
    pub problems: Vec<String>,
    pub proofs: Vec<String>,
}

/// Checks an archive, a register's folder, or one bag: every bag complete and valid,
/// payload signatures, tag-manifest timestamps and evidence records valid, and the version
/// chain unbroken.
pub fn verify_archive(path: &Path, trust: &TrustStore) -> Findings {
    let mut findings = Findings::default();
    if path.join("bagit.txt").exists() {
        verify_bag(path, trust, &mut findings);
    } else if path.join(MARKER).exists() {
        for register in registers(path).unwrap_or_default() {
            findings.problems.extend(verify_register(&register, trust, &mut findings.proofs));
        }
    } else if !versions(path).is_empty() {
        findings.problems.extend(verify_register(path, trust, &mut findings.proofs));
    } else {
        findings.problems.push(format!("{}: not a seloste archive, register folder or bag", path.display()));
    }
    findings
}

fn verify_register(dir: &Path, trust: &TrustStore, proofs: &mut Vec<String>) -> Vec<String> {
    let mut bag_findings = Findings::default();
    let mut problems = Vec::new();
    let found = versions(dir);
    let mut previous: Option<(u32, PathBuf)> = None;
    for (number, bag_dir) in &found {
        let expected = previous.as_ref().map_or(1, |(n, _)| n + 1);
        if *number != expected {
            problems.push(format!(
                "{}: version {} is missing: the chain is broken",
                dir.display(),
                version_name(expected)
            ));
        }
        verify_bag(bag_dir, trust, &mut bag_findings);
        problems.append(&mut bag_findings.problems);
        let info = bag::read_bag_info(bag_dir).unwrap_or_default();
        match &previous {
            None => {
                if bag::label(&info, "Seloste-Previous-Version").is_some() && *number == 1 {
                    problems.push(format!("{}: the first version names a previous one", bag_dir.display()));
                }
            }
            Some((previous_number, previous_dir)) => {
                let manifest = std::fs::read(previous_dir.join(bag::TAG_MANIFEST)).unwrap_or_default();
                if bag::label(&info, "Seloste-Previous-Version") != Some(version_name(*previous_number).as_str())
                    || bag::label(&info, "Seloste-Previous-Tagmanifest-SHA512")
                        != Some(bag::sha512_hex(&manifest).as_str())
                {
                    problems.push(format!(
                        "{}: the link to {} does not match its tag manifest: the chain is broken",
                        bag_dir.display(),
                        version_name(*previous_number)
                    ));
                }
            }
        }
        previous = Some((*number, bag_dir.clone()));
    }
    if found.first().is_some_and(|(number, _)| *number != 1) {
        problems.push(format!("{}: v0001 is missing: the chain is broken", dir.display()));
    }
    // Once a register's versions are proven by evidence records, one without is either a
    // version whose batch could not reach its TSA or a record that was removed.
    let unproven: Vec<&PathBuf> =
        found.iter().map(|(_, bag_dir)| bag_dir).filter(|bag_dir| evidence::files(bag_dir).is_empty()).collect();
    if unproven.len() < found.len() {
        for bag_dir in unproven {
            problems.push(format!(
                "{}: no evidence record, while other versions of the register have one: give it one with `seloste archive renew ARCHIVE --tsa URL`",
                bag_dir.display()
            ));
        }
    }
    proofs.append(&mut bag_findings.proofs);
    problems
}

fn verify_bag(dir: &Path, trust: &TrustStore, findings: &mut Findings) {
    let problems_before = findings.problems.len();
    let problems = &mut findings.problems;
    problems.extend(bag::check_bag(dir).into_iter().map(|problem| format!("{}: {problem}", dir.display())));
    let data = dir.join("data");
    let mut documents: Vec<PathBuf> = std::fs::read_dir(&data)
        .map(|entries| {
            entries.flatten().map(|entry| entry.path()).filter(|path| is_document(&path.to_string_lossy())).collect()
        })
        .unwrap_or_default();
    documents.sort();
    for document in documents {
        problems.extend(
            check_document(&document, trust).into_iter().map(|problem| format!("{}: {problem}", document.display())),
        );
    }
    let token_path = dir.join(bag::TAG_MANIFEST_TOKEN);
    if let Ok(token) = std::fs::read(&token_path) {
        let manifest = std::fs::read(dir.join(bag::TAG_MANIFEST)).unwrap_or_default();
        if let Err(invalid) = verify::check_token_over(&token, &manifest, trust) {
            problems.push(format!("{}: {invalid}", token_path.display()));
        }
    }
    match check_evidence(dir, trust) {
        // What a record proves is told only of a bag found whole.
        Ok(Some(proof)) if findings.problems.len() == problems_before => findings.proofs.push(proof),
        Ok(Some(_)) => {}
        Ok(None) => {}
        Err(problem) => findings.problems.push(problem),
    }
}

/// Checks a bag's evidence records: each must be a record that the next one extends, and
/// the newest must prove the tag manifest with timestamps from trusted TSAs. Returns what
/// the newest proves, `None` for a bag without one.
fn check_evidence(dir: &Path, trust: &TrustStore) -> Result<Option<String>, String> {
    let records = evidence::files(dir);
    let Some((_, newest)) = records.last() else { return Ok(None) };
    let manifest = std::fs::read(dir.join(bag::TAG_MANIFEST)).unwrap_or_default();
    let read = |path: &Path| -> Result<Vec<u8>, String> {
        crate::source::read_bytes(path, ers::MAX_RECORD_BYTES as u64).map_err(|err| err.to_string())
    };
    let mut earlier: Option<(PathBuf, ers::EvidenceRecord)> = None;
    for (position, (number, path)) in records.iter().enumerate() {
        if *number as usize != position + 1 {
            return Err(format!("{}: an earlier evidence record is missing", path.display()));
        }
        let record = ers::decode(&read(path)?).map_err(|invalid| format!("{}: {invalid}", path.display()))?;
        if let Some((earlier_path, before)) = &earlier
            && !ers::extends(&record, before)
        {
            return Err(format!(
                "{}: it does not keep what {} proved: a renewal must add to the record, not replace it",
                path.display(),
                earlier_path.display()
            ));
        }
        earlier = Some((path.clone(), record));
    }
    let proven = ers::check_record(&read(newest)?, &manifest, Some(trust), SystemTime::now())
        .map_err(|invalid| format!("{}: {invalid}", newest.display()))?;
    Ok(Some(format!(
        "{}: existed by {} (evidence record: {} timestamp{} in {} chain{}; the newest from {}, whose certificate is valid until {})",
        dir.display(),
        format_time(proven.existed_at),
        proven.timestamps,
        if proven.timestamps == 1 { "" } else { "s" },
        proven.chains,
        if proven.chains == 1 { "" } else { "s" },
        proven.latest.tsa,
        &format_time(proven.latest.tsa_valid_until)[..10],
    )))
}

/// An archived document is what its metadata says it is: the same bytes, and signed by
/// the signer the metadata names when, and only when, the metadata says it is signed. A
/// bag whose signatures were stripped and manifests recomputed fails here.
fn check_document(document: &Path, trust: &TrustStore) -> Vec<String> {
    let mut problems = Vec::new();
    let metadata_path = PathBuf::from(format!("{}.metadata.json", document.display()));
    let metadata: Option<Value> =
        std::fs::read(&metadata_path).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let Some(metadata) = metadata else {
        return vec!["its metadata (.metadata.json) is missing or not JSON".to_owned()];
    };
    let xml = std::fs::read_to_string(format!("{}.metadata.xml", document.display())).unwrap_or_default();
    if xml != super::metadata::to_xml(&metadata) {
        problems.push("its metadata as XML does not say what its metadata as JSON says".to_owned());
    }
    let bytes = std::fs::read(document).unwrap_or_default();
    let file = &metadata["file"];
    if file["sha256"].as_str() != Some(bag::sha256_hex(&bytes).as_str())
        || file["sha512"].as_str() != Some(bag::sha512_hex(&bytes).as_str())
        || file["size"].as_u64() != Some(bytes.len() as u64)
    {
        problems.push("the file is not the one its metadata describes (size or hash)".to_owned());
    }
    let signer = metadata["signature"]["signer"].as_str();
    match (verify::verify_file(document, trust), signer) {
        (Ok(verified), Some(signer)) if verified.newest.signer == signer => {}
        (Ok(verified), Some(signer)) => {
            problems.push(format!("signed by {}, but its metadata names {signer}", verified.newest.signer));
        }
        (Ok(verified), None) => {
            problems.push(format!("signed by {}, but its metadata says it is not signed", verified.newest.signer));
        }
        (Err(Invalid::NotSigned), Some(signer)) => {
            problems.push(format!("not signed, but its metadata says {signer} signed it: the signature was removed"));
        }
        (Err(Invalid::Rejected(reason)), Some(_)) => problems.push(reason),
        (Err(_), None) => {}
    }
    problems
}

/// A line for each record (path and register id) that has no version in the archive at
/// `root`: a register a batch failed on, or one added since.
pub fn missing(root: &Path, records: &[(PathBuf, String)]) -> Vec<String> {
    records
        .iter()
        .filter(|(_, id)| versions(&root.join(id)).is_empty())
        .map(|(path, id)| {
            format!("{}: the register `{id}` of {} has no archived version", root.display(), path.display())
        })
        .collect()
}

/// One line per version: register, version, bagging date, tag-manifest hash, signers.
pub fn list(root: &Path, register: Option<&str>) -> Result<Vec<String>, Error> {
    if !root.join(MARKER).exists() {
        return Err(archive_error(root, format!("not a seloste archive (no {MARKER})")));
    }
    let registers: Vec<PathBuf> = registers(root)
        .map_err(|source| Error::io(root, "read", source))?
        .into_iter()
        .filter(|path| register.is_none_or(|id| path.file_name().is_some_and(|name| name == id)))
        .collect();
    if let (Some(id), true) = (register, registers.is_empty()) {
        return Err(archive_error(root, format!("no register `{id}` in the archive")));
    }
    let mut lines = Vec::new();
    for register_dir in registers {
        for (number, bag_dir) in versions(&register_dir) {
            let info = bag::read_bag_info(&bag_dir).unwrap_or_default();
            let manifest = std::fs::read(bag_dir.join(bag::TAG_MANIFEST)).unwrap_or_default();
            let mut signers: Vec<String> = std::fs::read_dir(bag_dir.join("data"))
                .map(|entries| {
                    entries
                        .flatten()
                        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".metadata.json"))
                        .filter_map(|entry| std::fs::read(entry.path()).ok())
                        .filter_map(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
                        .filter_map(|metadata| metadata["signature"]["signer"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            signers.sort();
            signers.dedup();
            let signed =
                if signers.is_empty() { "unsigned".to_owned() } else { format!("signed by {}", signers.join(", ")) };
            let stamped = match evidence::files(&bag_dir).len() {
                0 if bag_dir.join(bag::TAG_MANIFEST_TOKEN).exists() => ", tag manifest timestamped".to_owned(),
                0 => String::new(),
                1 => ", evidence record".to_owned(),
                n => format!(", evidence record renewed {} times", n - 1),
            };
            lines.push(format!(
                "{} {}  {}  tagmanifest-sha512 {}…  {signed}{stamped}",
                register_dir.file_name().unwrap_or_default().to_string_lossy(),
                version_name(number),
                bag::label(&info, "Bagging-Date").unwrap_or("?"),
                &bag::sha512_hex(&manifest)[..16],
            ));
        }
    }
    Ok(lines)
}
