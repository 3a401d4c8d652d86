//! BagIt (RFC 8493): writing a bag, and checking one.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ring::digest::{SHA256, SHA512, digest};

use crate::error::Error;
use crate::hex;
use crate::output::PendingFiles;

pub const TAG_MANIFEST: &str = "tagmanifest-sha512.txt";
/// The RFC 3161 token over the tag manifest that versions made before evidence records
/// carry. It is not listed in the tag manifest it stamps, which BagIt allows.
pub const TAG_MANIFEST_TOKEN: &str = "tagmanifest-sha512.txt.tsr";
const BAGIT_TXT: &str = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(digest(&SHA256, bytes).as_ref())
}

pub fn sha512_hex(bytes: &[u8]) -> String {
    hex::encode(digest(&SHA512, bytes).as_ref())
}

/// A file of a bag's payload with its checksums, computed once for the manifests and
/// the metadata that cite them.
#[derive(Clone)]
pub struct PayloadFile<'a> {
    pub name: String,
    pub bytes: Cow<'a, [u8]>,
    pub sha256: String,
    pub sha512: String,
}

impl<'a> PayloadFile<'a> {
    pub fn new(name: &str, bytes: impl Into<Cow<'a, [u8]>>) -> PayloadFile<'a> {
        let bytes = bytes.into();
        PayloadFile { name: name.to_owned(), sha256: sha256_hex(&bytes), sha512: sha512_hex(&bytes), bytes }
    }
}

/// Writes a complete bag into `dir` (a new, empty folder): the payload under
/// `data/`, SHA-512 and SHA-256 manifests, `bag-info.txt` with Payload-Oxum added, and
/// the SHA-512 tag manifest. Returns the tag manifest's bytes. The files are on disk
/// only once `files` is flushed.
pub fn write_bag(
    dir: &Path,
    payload: &[PayloadFile],
    info: &[(String, String)],
    files: &mut PendingFiles,
) -> Result<Vec<u8>, Error> {
    files.write(&dir.join("bagit.txt"), BAGIT_TXT.as_bytes())?;
    let data = dir.join("data");
    std::fs::create_dir(&data).map_err(|source| Error::io(&data, "create the folder", source))?;
    let mut manifest512 = String::new();
    let mut manifest256 = String::new();
    let mut octets = 0;
    for file in payload {
        let name = &file.name;
        files.write(&dir.join("data").join(name), &file.bytes)?;
        manifest512.push_str(&format!("{}  data/{name}\n", file.sha512));
        manifest256.push_str(&format!("{}  data/{name}\n", file.sha256));
        octets += file.bytes.len();
    }
    let mut bag_info = String::new();
    for (label, value) in info {
        bag_info.push_str(&format!("{label}: {}\n", value.replace('\n', " ")));
    }
    bag_info.push_str(&format!("Payload-Oxum: {octets}.{}\n", payload.len()));
    let tag_files = [
        ("bag-info.txt", bag_info.as_bytes()),
        ("bagit.txt", BAGIT_TXT.as_bytes()),
        ("manifest-sha256.txt", manifest256.as_bytes()),
        ("manifest-sha512.txt", manifest512.as_bytes()),
    ];
    let mut tag_manifest = String::new();
    for (tag_file, bytes) in tag_files {
        if tag_file != "bagit.txt" {
            files.write(&dir.join(tag_file), bytes)?;
        }
        tag_manifest.push_str(&format!("{}  {tag_file}\n", sha512_hex(bytes)));
    }
    files.write(&dir.join(TAG_MANIFEST), tag_manifest.as_bytes())?;
    Ok(tag_manifest.into_bytes())
}

/// The labels of a `bag-info.txt`, in order.
pub fn read_bag_info(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(dir.join("bag-info.txt")).map_err(|err| format!("bag-info.txt: {err}"))?;
    Ok(text
        .lines()
        .filter_map(|line| {
            line.split_once(':').map(|(label, value)| (label.trim().to_owned(), value.trim().to_owned()))
        })
        .collect())
}

pub fn label<'a>(info: &'a [(String, String)], name: &str) -> Option<&'a str> {
    info.iter().find(|(label, _)| label == name).map(|(_, value)| value.as_str())
}

/// Every file under `dir`, as paths relative to it with `/` separators.
fn files_under(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(dir.join(&relative)) else { continue };
        for entry in entries.flatten() {
            let path = relative.join(entry.file_name());
            if entry.path().is_dir() {
                pending.push(path);
            } else {
                found.insert(path.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found
}

/// A manifest's lines: path → checksum.
fn read_manifest(dir: &Path, name: &str) -> Result<BTreeMap<String, String>, String> {
    let text = std::fs::read_to_string(dir.join(name)).map_err(|err| format!("{name}: {err}"))?;
    let mut entries = BTreeMap::new();
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let (checksum, path) =
            line.split_once(char::is_whitespace).ok_or_else(|| format!("{name}: malformed line `{line}`"))?;
        entries.insert(path.trim().to_owned(), checksum.to_owned());
    }
    Ok(entries)
}

/// Checks a bag's structure and every checksum; returns each problem found.
pub fn check_bag(dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    match std::fs::read_to_string(dir.join("bagit.txt")) {
        Ok(text) if text == BAGIT_TXT => {}
        Ok(_) => problems.push("bagit.txt is not the BagIt 1.0 declaration".to_owned()),
        Err(err) => problems.push(format!("bagit.txt: {err}")),
    }
    let payload: BTreeSet<String> =
        files_under(&dir.join("data")).into_iter().map(|path| format!("data/{path}")).collect();
    for (name, hash) in
        [("manifest-sha512.txt", sha512_hex as fn(&[u8]) -> String), ("manifest-sha256.txt", sha256_hex)]
    {
        match read_manifest(dir, name) {
            Ok(entries) => {
                for (path, checksum) in &entries {
                    match std::fs::read(dir.join(path)) {
                        Ok(bytes) if hash(&bytes) == *checksum => {}
                        Ok(_) => problems.push(format!("{path}: its {name} checksum does not match")),
                        Err(_) => problems.push(format!("{path}: listed in {name} but missing")),
                    }
                }
                for extra in payload.iter().filter(|path| !entries.contains_key(*path)) {
                    problems.push(format!("{extra}: in the payload but not in {name}"));
                }
            }
            Err(err) => problems.push(err),
        }
    }
    match read_manifest(dir, TAG_MANIFEST) {
        Ok(entries) => {
            for required in ["bag-info.txt", "bagit.txt", "manifest-sha256.txt", "manifest-sha512.txt"] {
                if !entries.contains_key(required) {
                    problems.push(format!("{required} is not in the tag manifest"));
                }
            }
            for (path, checksum) in &entries {
                match std::fs::read(dir.join(path)) {
                    Ok(bytes) if sha512_hex(&bytes) == *checksum => {}
                    Ok(_) => problems.push(format!("{path}: changed since bagging (tag manifest checksum)")),
                    Err(_) => problems.push(format!("{path}: listed in the tag manifest but missing")),
                }
            }
        }
        Err(err) => problems.push(err),
    }
    match read_bag_info(dir) {
        Ok(info) => {
            let octets: usize = payload
                .iter()
                .filter_map(|path| std::fs::metadata(dir.join(path)).ok())
                .map(|meta| meta.len() as usize)
                .sum();
            let expected = format!("{octets}.{}", payload.len());
            if label(&info, "Payload-Oxum") != Some(expected.as_str()) {
                problems.push(format!("Payload-Oxum is {:?}, the payload is {expected}", label(&info, "Payload-Oxum")));
            }
        }
        Err(err) => problems.push(err),
    }
    problems
}
