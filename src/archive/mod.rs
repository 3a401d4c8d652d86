//! The archive stage: every published version of every notice, as a BagIt bag with the
//! metadata the archive formation plan prescribes, append-only and chained.
//!
//! `ARCHIVE/<register id>/<version>/` holds one bag per version (`v0001`, `v0002`, ...).
//! A version is assembled in a temporary folder beside its final place and moved there in
//! one rename, so a crash never leaves a partial version visible; an existing version is
//! never modified or deleted. Each bag names the previous version and the SHA-512 of its
//! tag manifest, and with a TSA the tag manifest carries an RFC 3161 token.

pub mod bag;
pub mod plan;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::{Value, json};

use crate::error::Error;
use crate::output::{Output, PendingFiles};
use crate::record::Register;
use crate::sign::keys::format_time;
use crate::timestamp::Tsa;
use crate::verify::{self, TrustStore};

use bag::PayloadFile;
use plan::TaskClass;

/// The file that marks a folder as a seloste archive.
pub const MARKER: &str = "seloste-archive.txt";
const MARKER_TEXT: &str = "seloste archive 1\nEach folder is a register; each vNNNN folder in it is one version, a BagIt bag.\n";
/// The bag-info label holding the fingerprint of the notice's content.
const CONTENT_LABEL: &str = "Seloste-Content-SHA256";

#[derive(Clone)]
pub struct Archive {
    root: PathBuf,
}

/// What adding a register's notices did.
pub enum Added {
    Version(String),
    Unchanged(String),
}

fn archive_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Io { path: path.to_owned(), action: "use as an archive", source: std::io::Error::other(message.into()) }
}

fn version_name(number: u32) -> String {
    format!("v{number:04}")
}

fn version_number(name: &str) -> Option<u32> {
    name.strip_prefix('v').filter(|digits| digits.len() == 4).and_then(|digits| digits.parse().ok())
}

/// The versions in a register's folder, in order.
pub fn versions(register_dir: &Path) -> Vec<(u32, PathBuf)> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir(register_dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|entry| version_number(&entry.file_name().to_string_lossy()).map(|number| (number, entry.path())))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

impl Archive {
    /// Opens an archive, creating it in a folder that does not exist or is empty. A
    /// non-empty folder without the archive marker is not ours and is refused.
    pub fn open(root: &Path) -> Result<Archive, Error> {
        let marker = root.join(MARKER);
        if marker.exists() {
            return Ok(Archive { root: root.to_owned() });
        }
        let empty = std::fs::read_dir(root).map(|mut entries| entries.next().is_none()).unwrap_or(true);
        if !empty {
            return Err(archive_error(root, format!("the folder is not a seloste archive (it has files but no {MARKER}); give an empty or new folder")));
        }
        std::fs::create_dir_all(root).map_err(|source| Error::Io { path: root.to_owned(), action: "create the archive folder", source })?;
        crate::output::write_atomic(&marker, MARKER_TEXT.as_bytes())?;
        Ok(Archive { root: root.to_owned() })
    }

    /// The content fingerprint of the register's newest version, if any.
    pub fn latest_fingerprint(&self, id: &str) -> Option<String> {
        let (_, dir) = versions(&self.root.join(id)).pop()?;
        let info = bag::read_bag_info(&dir).ok()?;
        bag::label(&info, CONTENT_LABEL).map(str::to_owned)
    }

    /// Adds a version of `register` holding `outputs`, unless its newest version has the
    /// same content fingerprint.
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &self,
        register: &Register,
        class: &TaskClass,
        fingerprint: &str,
        outputs: &[Output],
        tsa: Option<&Tsa>,
        now: SystemTime,
    ) -> Result<Added, Error> {
        let id = &register.record.id;
        if self.latest_fingerprint(id).as_deref() == Some(fingerprint) {
            return Ok(Added::Unchanged(id.clone()));
        }
        let register_dir = self.root.join(id);
        std::fs::create_dir_all(&register_dir).map_err(|source| Error::Io { path: register_dir.clone(), action: "create the folder", source })?;
        let existing = versions(&register_dir);
        let number = existing.last().map_or(1, |(number, _)| number + 1);
        let version = version_name(number);
        let final_dir = register_dir.join(&version);
        if final_dir.exists() {
            return Err(archive_error(&final_dir, "the version folder already exists; an archived version is never replaced"));
        }

        let mut payload: Vec<PayloadFile> = outputs.iter().map(|output| PayloadFile::new(&output.file_name, &output.bytes)).collect();
        for (index, output) in outputs.iter().enumerate().filter(|(_, output)| is_document(&output.file_name)) {
            let metadata = metadata(register, class, &version, output, &payload[index], now);
            let json_text = serde_json::to_string_pretty(&metadata).unwrap_or_default();
            payload.push(PayloadFile::new(&format!("{}.metadata.json", output.file_name), json_text.into_bytes()));
            payload.push(PayloadFile::new(&format!("{}.metadata.xml", output.file_name), to_xml(&metadata).into_bytes()));
        }
        payload.sort_by(|a, b| a.name.cmp(&b.name));

        let organisation = register.organisation.name.get(register.record.languages[0]);
        let contact = register.organisation.dpo.email.clone().or_else(|| register.organisation.email.clone()).unwrap_or_default();
        let mut info = vec![
            ("Source-Organization".to_owned(), organisation.to_owned()),
            ("Contact-Email".to_owned(), contact),
            ("External-Identifier".to_owned(), format!("{id} {version}")),
            (
                "External-Description".to_owned(),
                format!("Tietosuojaseloste / dataskyddsbeskrivning: {}", register.record.name.get(register.record.languages[0])),
            ),
            ("Bagging-Date".to_owned(), format_time(now)[..10].to_owned()),
            ("Seloste-Task-Class".to_owned(), format!("{} {}", class.code, class.name.get(crate::record::Lang::Fi))),
            ("Seloste-Document-Class".to_owned(), class.notice.class.clone()),
            ("Seloste-Retention".to_owned(), format!("{}; {}; {}", retention_text(class), class.notice.retention.reason, class.notice.retention.start)),
            (CONTENT_LABEL.to_owned(), fingerprint.to_owned()),
        ];
        if let Some((previous_number, previous_dir)) = existing.last() {
            let previous_manifest = std::fs::read(previous_dir.join(bag::TAG_MANIFEST))
                .map_err(|source| Error::Io { path: previous_dir.join(bag::TAG_MANIFEST), action: "read", source })?;
            info.push(("Seloste-Previous-Version".to_owned(), version_name(*previous_number)));
            info.push(("Seloste-Previous-Tagmanifest-SHA512".to_owned(), bag::sha512_hex(&previous_manifest)));
        }

        let temporary = register_dir.join(format!(".{version}.partial-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&temporary);
        let built = (|| {
            let mut files = PendingFiles::default();
            let tag_manifest = bag::write_bag(&temporary, &payload, &info, &mut files)?;
            if let Some(tsa) = tsa {
                let token = tsa.stamp(&tag_manifest)?;
                files.write(&temporary.join(bag::TAG_MANIFEST_TOKEN), &token.der)?;
            }
            files.flush()?;
            bag::sync_dir(&temporary.join("data"))?;
            bag::sync_dir(&temporary)?;
            if final_dir.exists() {
                return Err(archive_error(&final_dir, "the version folder appeared while the bag was built; an archived version is never replaced"));
            }
            std::fs::rename(&temporary, &final_dir).map_err(|source| Error::Io { path: final_dir.clone(), action: "move the bag into place", source })?;
            bag::sync_dir(&register_dir)
        })();
        if built.is_err() {
            let _ = std::fs::remove_dir_all(&temporary);
        }
        built.map(|()| Added::Version(version))
    }
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
                return Err(Error::Input(crate::InputError::new(
                    &register.organisation_path,
                    "archive_plan".into(),
                    None,
                    "archiving needs the organisation's archive formation plan: add `archive_plan: <file>` to the organisation file".into(),
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

fn is_document(name: &str) -> bool {
    name.ends_with(".pdf") || name.ends_with(".docx")
}

fn retention_text(class: &TaskClass) -> String {
    match class.notice.retention.period.years() {
        -1 => "pysyvä".to_owned(),
        years => format!("{years} vuotta"),
    }
}

fn publicity_name(class: u8) -> &'static str {
    match class {
        1 => "Julkinen",
        2 => "Osittain salassa pidettävä",
        3 => "Salassa pidettävä",
        _ => "Ei-julkinen",
    }
}

fn personal_data_name(class: u8) -> &'static str {
    match class {
        1 => "Ei sisällä henkilötietoja",
        2 => "Sisältää henkilötietoja",
        _ => "Sisältää arkaluonteisia henkilötietoja",
    }
}

/// The SÄHKE2-model metadata of one archived document.
fn metadata(register: &Register, class: &TaskClass, version: &str, output: &Output, file: &PayloadFile, now: SystemTime) -> Value {
    let record = &register.record;
    let is_pdf = output.file_name.ends_with(".pdf");
    let form = output.file_name.trim_start_matches(&format!("{}.", record.id)).split('.').next().unwrap_or_default().to_owned();
    let languages: Vec<&str> = form.split('-').collect();
    let signature_file = format!("{}.p7s", output.file_name);
    let signature = output.signature.as_ref();
    let retention = &class.notice.retention;
    json!({
        "identity": {
            "nativeId": format!("{}.{form}", record.id),
            "title": format!("Tietosuojaseloste / dataskyddsbeskrivning: {}", record.name.get(record.languages[0])),
            "languages": languages,
            "taskClass": class.code,
            "taskClassName": { "fi": class.name.get(crate::record::Lang::Fi), "sv": class.name.get(crate::record::Lang::Sv) },
            "documentClass": class.notice.class,
            "version": version,
            "created": record.document.date.iso(),
            "archived": format_time(now),
            "author": register.organisation.name.get(record.languages[0]),
            "approver": signature.map(|signature| signature.signer.clone()),
            "status": if signature.is_some() { "allekirjoitettu" } else { "valmis" },
        },
        "restriction": {
            "publicityClass": class.notice.publicity,
            "publicityClassName": publicity_name(class.notice.publicity),
            "personalData": class.notice.personal_data,
            "personalDataName": personal_data_name(class.notice.personal_data),
        },
        "retention": {
            "periodYears": retention.period.years(),
            "period": retention_text(class),
            "reason": retention.reason,
            "startCriterion": retention.start,
        },
        "file": {
            "name": output.file_name,
            "format": if is_pdf { class.notice.format.clone() } else { "Office Open XML (DOCX)".to_owned() },
            "pronom": if is_pdf { pronom_of(&class.notice.format) } else { "fmt/412" },
            "size": output.bytes.len(),
            "sha256": file.sha256,
            "sha512": file.sha512,
        },
        "signature": signature.map(|signature| json!({
            "type": signature.kind,
            "signatureFile": if is_pdf { None } else { Some(signature_file.clone()) },
            "signer": signature.signer,
            "signingTime": signature.claimed_time.map(format_time),
            "timestamp": signature.timestamp.as_ref().map(|token| json!({
                "time": format_time(token.gen_time.to_system_time()),
                "tsa": token.tsa,
            })),
        })),
    })
}

/// The PRONOM identifier of a PDF/A level.
fn pronom_of(format: &str) -> &'static str {
    match format {
        "PDF/A-2a" => "fmt/476",
        "PDF/A-2b" => "fmt/477",
        "PDF/A-2u" => "fmt/478",
        "PDF/A-3a" => "fmt/479",
        _ => "",
    }
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The same metadata as XML: one element per key, arrays as repeated `item` elements.
pub fn to_xml(metadata: &Value) -> String {
    fn element(name: &str, value: &Value, depth: usize, out: &mut String) {
        let indent = "  ".repeat(depth);
        match value {
            Value::Null => {}
            Value::Object(map) => {
                out.push_str(&format!("{indent}<{name}>\n"));
                for (key, child) in map {
                    element(key, child, depth + 1, out);
                }
                out.push_str(&format!("{indent}</{name}>\n"));
            }
            Value::Array(items) => {
                out.push_str(&format!("{indent}<{name}>\n"));
                for item in items {
                    element("item", item, depth + 1, out);
                }
                out.push_str(&format!("{indent}</{name}>\n"));
            }
            Value::String(text) => out.push_str(&format!("{indent}<{name}>{}</{name}>\n", xml_escape(text))),
            other => out.push_str(&format!("{indent}<{name}>{other}</{name}>\n")),
        }
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<!-- Metadata of an archived document, after the SÄHKE2 metadata model: identity, restriction, retention, file, signature. -->\n");
    let mut body = String::new();
    element("document", metadata, 0, &mut body);
    out.push_str(&body.replacen("<document>", "<document xmlns=\"urn:seloste:archive-metadata:1\">", 1));
    out
}

/// Checks an archive, a register's folder, or one bag: every bag complete and valid,
/// payload signatures and tag-manifest timestamps valid, and the version chain unbroken.
/// Returns a line per problem, each naming where.
pub fn verify_archive(path: &Path, trust: &TrustStore) -> Vec<String> {
    if path.join("bagit.txt").exists() {
        return verify_bag(path, trust);
    }
    if path.join(MARKER).exists() {
        let mut registers: Vec<PathBuf> = std::fs::read_dir(path)
            .map(|entries| entries.flatten().map(|entry| entry.path()).filter(|path| path.is_dir()).collect())
            .unwrap_or_default();
        registers.sort();
        return registers.iter().flat_map(|register| verify_register(register, trust)).collect();
    }
    if !versions(path).is_empty() {
        return verify_register(path, trust);
    }
    vec![format!("{}: not a seloste archive, register folder or bag", path.display())]
}

fn verify_register(dir: &Path, trust: &TrustStore) -> Vec<String> {
    let mut problems = Vec::new();
    let found = versions(dir);
    let mut previous: Option<(u32, PathBuf)> = None;
    for (number, bag_dir) in &found {
        let expected = previous.as_ref().map_or(1, |(n, _)| n + 1);
        if *number != expected {
            problems.push(format!("{}: version {} is missing: the chain is broken", dir.display(), version_name(expected)));
        }
        problems.extend(verify_bag(bag_dir, trust));
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
                    || bag::label(&info, "Seloste-Previous-Tagmanifest-SHA512") != Some(bag::sha512_hex(&manifest).as_str())
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
    problems
}

fn verify_bag(dir: &Path, trust: &TrustStore) -> Vec<String> {
    let mut problems: Vec<String> = bag::check_bag(dir).into_iter().map(|problem| format!("{}: {problem}", dir.display())).collect();
    let data = dir.join("data");
    let documents: Vec<PathBuf> = std::fs::read_dir(&data)
        .map(|entries| entries.flatten().map(|entry| entry.path()).filter(|path| is_document(&path.to_string_lossy())).collect())
        .unwrap_or_default();
    for document in documents {
        let is_pdf = document.extension().is_some_and(|ext| ext == "pdf");
        let has_signature = is_pdf || PathBuf::from(format!("{}.p7s", document.display())).exists();
        if has_signature && let Err(invalid) = verify::verify_file(&document, trust) {
            if is_pdf && invalid.0 == "the PDF is not signed" {
                continue;
            }
            problems.push(format!("{}: {}", document.display(), invalid.0));
        }
    }
    let token_path = dir.join(bag::TAG_MANIFEST_TOKEN);
    if let Ok(token) = std::fs::read(&token_path) {
        let manifest = std::fs::read(dir.join(bag::TAG_MANIFEST)).unwrap_or_default();
        if let Err(invalid) = verify::check_token_over(&token, &manifest, trust) {
            problems.push(format!("{}: {}", token_path.display(), invalid.0));
        }
    }
    problems
}

/// One line per version: register, version, bagging date, tag-manifest hash, signers.
pub fn list(root: &Path, register: Option<&str>) -> Result<Vec<String>, Error> {
    if !root.join(MARKER).exists() {
        return Err(archive_error(root, format!("not a seloste archive (no {MARKER})")));
    }
    let mut registers: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|source| Error::Io { path: root.to_owned(), action: "read", source })?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_dir() && register.is_none_or(|id| path.file_name().is_some_and(|name| name == id)))
        .collect();
    registers.sort();
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
            let signed = if signers.is_empty() { "unsigned".to_owned() } else { format!("signed by {}", signers.join(", ")) };
            let stamped = if bag_dir.join(bag::TAG_MANIFEST_TOKEN).exists() { ", tag manifest timestamped" } else { "" };
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
