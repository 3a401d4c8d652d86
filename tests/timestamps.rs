//! RFC 3161 timestamps against a real timestamp authority: `openssl ts -reply` behind a
//! small HTTP server on 127.0.0.1 (tests/tsa_server.py), started by the tests and stopped
//! when they end. Checked with pyHanko, openssl ts -verify and `seloste verify`.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};

use common::*;

/// The running TSA: its URL, its CA, and the pipe whose closing stops it.
struct Tsa {
    url: String,
    ca: PathBuf,
    _process: Mutex<(Child, ChildStdin)>,
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("timestamps").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts the TSA once per test run; `None` (outside CI) when openssl or python3 is missing.
fn tsa() -> Option<&'static Tsa> {
    static TSA: OnceLock<Option<Tsa>> = OnceLock::new();
    TSA.get_or_init(|| start_tsa(&scratch("tsa"))).as_ref()
}

/// Starts a TSA of its own that keeps its certificates in `dir` and counts its answers in
/// `dir/requests.log`; it stops when the returned value is dropped.
fn start_tsa(dir: &Path) -> Option<Tsa> {
    start_tsa_with(dir, &[])
}

/// Starts a TSA of its own with more options of tests/tsa_server.py (`--pki`).
fn start_tsa_with(dir: &Path, options: &[&str]) -> Option<Tsa> {
    {
        if !have_tool("openssl") || !have_tool("python3") {
            return None;
        }
        let mut child = Command::new("python3")
            .arg(project_root().join("tests/tsa_server.py"))
            .args(["--dir", dir.to_str().unwrap(), "--max-seconds", "900", "--stop-on-eof"])
            .args(options)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the TSA server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert!(line.starts_with("http://127.0.0.1:"), "the TSA server did not start: {line:?}");
        let stdin = child.stdin.take().unwrap();
        Some(Tsa { url: line.trim().to_owned(), ca: dir.join("tsa-ca.pem"), _process: Mutex::new((child, stdin)) })
    }
}

/// The samples signed and timestamped once per test run, with the signer's CA.
fn stamped() -> Option<&'static (PathBuf, PathBuf)> {
    static STAMPED: OnceLock<Option<(PathBuf, PathBuf)>> = OnceLock::new();
    STAMPED
        .get_or_init(|| {
            let tsa = tsa()?;
            let dir = scratch("samples");
            let keys = dir.join("keys");
            let out = dir.join("out");
            let result = seloste(&[
                "batch",
                samples().to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--test-key",
                keys.to_str().unwrap(),
                "--tsa",
                &format!("{}/", tsa.url),
            ]);
            assert!(result.status.success(), "{}{}", stdout(&result), stderr(&result));
            Some((out, keys.join("ca.pem")))
        })
        .as_ref()
}

fn outputs(suffix: &str) -> Vec<PathBuf> {
    files_in(&stamped().unwrap().0).into_iter().filter(|path| path.to_string_lossy().ends_with(suffix)).collect()
}

#[test]
fn pyhanko_validates_the_timestamped_signatures_and_their_tokens() {
    let (Some(tsa), Some((_, ca))) = (tsa(), stamped()) else { return };
    if !have_tool("pyhanko") {
        return;
    }
    let pdfs = outputs(".pdf");
    assert_eq!(pdfs.len(), 15);
    for pdf in pdfs {
        let result = run(
            "pyhanko",
            &[
                "sign",
                "validate",
                "--trust",
                ca.to_str().unwrap(),
                "--trust",
                tsa.ca.to_str().unwrap(),
                "--no-revocation-check",
                pdf.to_str().unwrap(),
            ],
        );
        let report = stdout(&result);
        assert!(result.status.success(), "{}: {report}{}", pdf.display(), stderr(&result));
        assert!(report.contains("INTACT:TRUSTED"), "{}: {report}", pdf.display());
        assert!(report.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>"), "{}: {report}", pdf.display());
    }
}

const EXTRACT_TOKEN: &str = r#"
import sys, hashlib
from asn1crypto import cms
info = cms.ContentInfo.load(open(sys.argv[1], "rb").read())
signer = info["content"]["signer_infos"][0]
token = [a for a in signer["unsigned_attrs"] if a["type"].dotted == "1.2.840.113549.1.9.16.2.14"][0]["values"][0]
open(sys.argv[2], "wb").write(token.dump())
print(hashlib.sha256(signer["signature"].native).hexdigest())
"#;

#[test]
fn openssl_ts_verifies_the_token_of_each_docx_signature_against_the_signature_value() {
    let (Some(tsa), Some(_)) = (tsa(), stamped()) else { return };
    let work = scratch("openssl-ts");
    let signatures = outputs(".docx.p7s");
    assert_eq!(signatures.len(), 15);
    for p7s in signatures {
        let token = work.join("token.der");
        let extracted = python(EXTRACT_TOKEN, &[p7s.to_str().unwrap(), token.to_str().unwrap()]);
        assert!(extracted.status.success(), "{}", stderr(&extracted));
        let digest = stdout(&extracted).trim().to_owned();
        let verify = |digest: &str| {
            run(
                "openssl",
                &[
                    "ts",
                    "-verify",
                    "-digest",
                    digest,
                    "-token_in",
                    "-in",
                    token.to_str().unwrap(),
                    "-CAfile",
                    tsa.ca.to_str().unwrap(),
                ],
            )
        };
        let result = verify(&digest);
        assert!(result.status.success(), "{}: {}{}", p7s.display(), stdout(&result), stderr(&result));
        let other = "00".repeat(32);
        assert!(!verify(&other).status.success(), "openssl accepted the token for other data");
    }
}

#[test]
fn verify_prints_the_timestamp_and_accepts_the_stamped_files() {
    let (Some(tsa), Some((dir, ca))) = (tsa(), stamped()) else { return };
    let mut args = vec!["verify".to_owned()];
    args.extend(outputs(".pdf").iter().chain(outputs(".docx").iter()).map(|path| path.display().to_string()));
    args.extend(["--trust".into(), ca.display().to_string(), "--trust".into(), tsa.ca.display().to_string()]);
    let result = seloste(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let report = stdout(&result);
    assert!(result.status.success(), "{report}");
    assert_eq!(report.matches("; timestamp ").count(), 30, "{report}");
    assert!(report.contains("by TEST TSA"), "{report}");

    let untrusted_tsa =
        seloste(&["verify", dir.join("lieto-lapsiperheet.fi.pdf").to_str().unwrap(), "--trust", ca.to_str().unwrap()]);
    assert_eq!(untrusted_tsa.status.code(), Some(1));
    assert!(stdout(&untrusted_tsa).contains("timestamp: TSA"), "{}", stdout(&untrusted_tsa));
}

const TRANSPLANT: &str = r#"
import sys
from asn1crypto import cms
target = cms.ContentInfo.load(open(sys.argv[1], "rb").read())
donor = cms.ContentInfo.load(open(sys.argv[2], "rb").read())
target["content"]["signer_infos"][0]["unsigned_attrs"] = donor["content"]["signer_infos"][0]["unsigned_attrs"]
open(sys.argv[3], "wb").write(target.dump(force=True))
"#;

#[test]
fn verify_rejects_a_token_transplanted_from_another_signature() {
    let (Some(tsa), Some((dir, ca))) = (tsa(), stamped()) else { return };
    let work = scratch("transplant");
    let docx = work.join("notice.docx");
    std::fs::copy(dir.join("parkano-lapsiperheet.fi.docx"), &docx).unwrap();
    let result = python(
        TRANSPLANT,
        &[
            dir.join("parkano-lapsiperheet.fi.docx.p7s").to_str().unwrap(),
            dir.join("parkano-lapsiperheet.sv.docx.p7s").to_str().unwrap(),
            work.join("notice.docx.p7s").to_str().unwrap(),
        ],
    );
    assert!(result.status.success(), "{}", stderr(&result));
    let verdict = seloste(&[
        "verify",
        docx.to_str().unwrap(),
        "--trust",
        ca.to_str().unwrap(),
        "--trust",
        tsa.ca.to_str().unwrap(),
    ]);
    assert_eq!(verdict.status.code(), Some(1), "{}", stdout(&verdict));
    assert!(stdout(&verdict).contains("imprint"), "{}", stdout(&verdict));
}

/// Signing with a bad TSA must fail naming the TSA URL and write or replace nothing.
fn assert_tsa_refused(case: &str, url: &str, expected: &str) {
    let work = scratch(case);
    let keys = work.join("keys");
    let out = work.join("out");
    let record = samples().join("lieto-lapsiperheet.yaml");
    let mut args =
        vec!["render", record.to_str().unwrap(), "-o", out.to_str().unwrap(), "--test-key", keys.to_str().unwrap()];
    args.extend(["--lang", "fi", "--tsa", url, "--tsa-timeout", "2"]);
    let result = seloste(&args);
    let message = stderr(&result);
    assert!(!result.status.success(), "{case}: accepted");
    assert!(message.contains(url), "{case}: the error does not name {url}: {message}");
    assert!(message.contains(expected), "{case}: {message}");
    assert!(files_in(&out).is_empty(), "{case}: wrote {:?}", files_in(&out));

    let existing = work.join("existing.pdf");
    std::fs::copy(stamped().unwrap().0.join("lieto-lapsiperheet.fi.docx"), &existing).unwrap();
    let before = std::fs::read(&existing).unwrap();
    let sign = seloste(&[
        "sign",
        existing.to_str().unwrap(),
        "--key",
        keys.join("key.pem").to_str().unwrap(),
        "--cert",
        keys.join("cert.pem").to_str().unwrap(),
        "--tsa",
        url,
        "--tsa-timeout",
        "2",
    ]);
    assert!(!sign.status.success(), "{case}: sign accepted");
    assert_eq!(std::fs::read(&existing).unwrap(), before, "{case}: the file changed");
    assert!(!Path::new(&format!("{}.p7s", existing.display())).exists(), "{case}: a .p7s was written");
}

#[test]
fn a_bad_timestamp_authority_is_a_clear_error_and_nothing_is_written() {
    let Some(tsa) = tsa() else { return };
    stamped();
    let url = |path: &str| format!("{}/{path}", tsa.url);
    assert_tsa_refused("http-error", &url("http-error"), "HTTP 500");
    assert_tsa_refused("reject", &url("reject"), "refused the request: status 2 (rejection)");
    assert_tsa_refused("garbage", &url("garbage"), "not an RFC 3161 timestamp response");
    assert_tsa_refused("wrong-imprint", &url("wrong-imprint"), "imprint");
    assert_tsa_refused("wrong-nonce", &url("wrong-nonce"), "nonce");
    assert_tsa_refused("slow", &url("slow"), "no answer within 2 s");
    assert_tsa_refused("unreachable", "http://127.0.0.1:9/", "cannot reach the TSA");
}

/// Answers the TSA has given so far (tests/tsa_server.py counts them).
fn requests_answered(tsa_dir: &Path) -> usize {
    std::fs::read_to_string(tsa_dir.join("requests.log")).map_or(0, |log| log.lines().count())
}

/// The samples, and with `copies` > 1 each register again under new ids.
fn registers(dir: &Path, copies: usize) -> PathBuf {
    let records = copy_samples(dir);
    let originals: Vec<PathBuf> =
        files_in(&records).into_iter().filter(|path| path.extension().is_some_and(|ext| ext == "yaml")).collect();
    for copy in 2..=copies {
        for record in &originals {
            let text = std::fs::read_to_string(record).unwrap();
            let Some(id) = text.lines().find_map(|line| line.strip_prefix("id: ")).map(str::to_owned) else { continue };
            let renamed = text.replace(&format!("id: {id}\n"), &format!("id: {id}-{copy}\n"));
            std::fs::write(records.join(format!("{id}-{copy}.yaml")), renamed).unwrap();
        }
    }
    records
}

fn archive_with_evidence(dir: &Path, tsa: &Tsa, records: &Path) -> (PathBuf, PathBuf, Output) {
    let (keys, archive) = (dir.join("keys"), dir.join("archive"));
    let result = seloste(&[
        "batch",
        records.to_str().unwrap(),
        "-o",
        dir.join("out").to_str().unwrap(),
        "--test-key",
        keys.to_str().unwrap(),
        "--tsa",
        &format!("{}/", tsa.url),
        "--archive",
        archive.to_str().unwrap(),
    ]);
    assert!(result.status.success(), "{}{}", stdout(&result), stderr(&result));
    (archive, keys, result)
}

fn verify_with(paths: &[&Path], keys: &Path, tsa: &Tsa) -> Output {
    let mut args: Vec<String> = vec!["verify".into()];
    args.extend(paths.iter().map(|path| path.display().to_string()));
    args.extend(["--trust".into(), keys.join("ca.pem").display().to_string()]);
    args.extend(["--trust".into(), tsa.ca.display().to_string()]);
    seloste(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn version_bags(archive: &Path) -> Vec<PathBuf> {
    files_in(archive).into_iter().filter(|path| path.is_dir()).flat_map(|register| files_in(&register)).collect()
}

/// Every file of an archive but its evidence records, with its bytes.
fn everything_but_evidence(archive: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![archive.to_owned()];
    while let Some(dir) = pending.pop() {
        for path in files_in(&dir) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                pending.push(path);
            } else if !name.ends_with(".ers") && !name.starts_with('.') {
                files.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

/// The independent reading of a bag's newest evidence record (tests/ers_check.py).
fn ers_check(bag: &Path, tsa: &Tsa) -> String {
    let script = project_root().join("tests/ers_check.py");
    let checked = run("python3", &[script.to_str().unwrap(), bag.to_str().unwrap(), tsa.ca.to_str().unwrap()]);
    assert!(checked.status.success(), "{}: {}{}", bag.display(), stdout(&checked), stderr(&checked));
    stdout(&checked)
}

#[test]
fn a_batch_proves_all_its_versions_with_one_timestamp_and_renewals_keep_them_proven() {
    let dir = scratch("evidence");
    let tsa_dir = dir.join("tsa");
    let Some(tsa) = start_tsa(&tsa_dir) else { return };

    // One request for the evidence of all versions, besides one per signature, for 5
    // registers and for 15.
    for copies in [1usize, 3] {
        let batch_dir = dir.join(format!("registers-{copies}"));
        let before = requests_answered(&tsa_dir);
        let (archive, _, result) = archive_with_evidence(&batch_dir, &tsa, &registers(&batch_dir, copies));
        let signatures = files_in(&batch_dir.join("out"))
            .iter()
            .filter(|path| path.extension().is_some_and(|ext| ext == "pdf" || ext == "p7s"))
            .count();
        assert_eq!(version_bags(&archive).len(), 5 * copies);
        assert_eq!(requests_answered(&tsa_dir) - before, signatures + 1, "{}", stdout(&result));
        assert!(
            stdout(&result).contains(&format!("evidence records: {} new versions under 1 timestamp", 5 * copies)),
            "{}",
            stdout(&result)
        );
    }

    let (archive, keys) = (dir.join("registers-1/archive"), dir.join("registers-1/keys"));
    let bags = version_bags(&archive);
    for bag in &bags {
        assert!(bag.join("evidence.ers").is_file(), "{}", bag.display());
        assert!(!bag.join("tagmanifest-sha512.txt.tsr").exists(), "the evidence record replaces the per-bag token");
        if have_tool("bagit.py") {
            let validated = run("bagit.py", &["--validate", bag.to_str().unwrap()]);
            assert!(validated.status.success(), "{}", stderr(&validated));
        }
        assert!(ers_check(bag, &tsa).contains("ok chain 1 timestamp 1 sha256"));
    }
    let verified = verify_with(&[&archive], &keys, &tsa);
    assert!(verified.status.success(), "{}", stdout(&verified));
    assert_eq!(stdout(&verified).matches("proven   ").count(), 5, "{}", stdout(&verified));
    assert!(stdout(&verified).contains("(evidence record: 1 timestamp in 1 chain;"), "{}", stdout(&verified));

    // Two renewals, each one request, and nothing of a version but its evidence changes.
    let unchanged = everything_but_evidence(&archive);
    let archive_arg = archive.to_str().unwrap();
    let url = format!("{}/", tsa.url);
    for (extra, expected) in [(None, "timestamp renewal"), (Some("sha512"), "hash-tree renewal with SHA-512")] {
        let before = requests_answered(&tsa_dir);
        let mut args = vec!["archive", "renew", archive_arg, "--tsa", &url];
        args.extend(extra.map(|digest| ["--digest", digest]).into_iter().flatten());
        let renewed = seloste(&args);
        assert!(renewed.status.success(), "{}{}", stdout(&renewed), stderr(&renewed));
        assert!(stdout(&renewed).contains(&format!("5 versions ({expected}), 1 request")), "{}", stdout(&renewed));
        assert_eq!(requests_answered(&tsa_dir) - before, 1);
    }
    assert_eq!(everything_but_evidence(&archive), unchanged, "a renewal rewrote a version");
    for bag in &bags {
        let read = ers_check(bag, &tsa);
        assert!(read.contains("ok chain 1 timestamp 2 sha256") && read.contains("ok chain 2 timestamp 1 sha512"));
        assert!(bag.join("evidence-3.ers").is_file());
    }
    let verified = verify_with(&[&archive], &keys, &tsa);
    assert!(verified.status.success(), "{}", stdout(&verified));
    assert_eq!(stdout(&verified).matches("3 timestamps in 2 chains").count(), 5, "{}", stdout(&verified));
    let listing = stdout(&seloste(&["archive", "list", archive_arg]));
    assert_eq!(listing.matches("evidence record renewed 2 times").count(), 5, "{listing}");

    evidence_attacks_are_caught(&dir, &archive, &keys, &tsa);
}

/// Each way of breaking the evidence, on a copy of the renewed archive, fails `verify`
/// with a line naming the record.
fn evidence_attacks_are_caught(dir: &Path, archive: &Path, keys: &Path, tsa: &Tsa) {
    use der::{Decode, Encode};
    use seloste::pkix::ers::EvidenceRecord;

    let edit_record = |path: &Path, edit: &dyn Fn(&mut EvidenceRecord)| {
        let mut record = EvidenceRecord::from_der(&std::fs::read(path).unwrap()).unwrap();
        edit(&mut record);
        std::fs::write(path, record.to_der().unwrap()).unwrap();
    };
    type Attack<'a> = (&'a str, &'a str, Box<dyn Fn(&Path) + 'a>);
    let attacks: Vec<Attack> = vec![
        (
            "payload byte changed",
            "checksum does not match",
            Box::new(|bag: &Path| {
                let pdf = files_in(&bag.join("data")).into_iter().find(|path| path.to_string_lossy().ends_with(".pdf"));
                let pdf = pdf.unwrap();
                let mut bytes = std::fs::read(&pdf).unwrap();
                bytes[200] ^= 1;
                std::fs::write(&pdf, bytes).unwrap();
            }),
        ),
        (
            "tag manifest swapped with another version's",
            "does not contain the data's hash",
            Box::new(|bag: &Path| {
                // Versions whose tag manifests share a group of the tree's first level have
                // the same record, rightly: it proves each of them. Another one's does not.
                let own = std::fs::read(bag.join("evidence.ers")).unwrap();
                let other = version_bags(bag.parent().unwrap().parent().unwrap())
                    .into_iter()
                    .find(|other| std::fs::read(other.join("evidence.ers")).unwrap() != own)
                    .unwrap();
                for name in ["evidence.ers", "evidence-2.ers", "evidence-3.ers"] {
                    std::fs::copy(other.join(name), bag.join(name)).unwrap();
                }
            }),
        ),
        (
            "reduced hash tree edited",
            "evidence-3.ers",
            Box::new(move |bag: &Path| {
                edit_record(&bag.join("evidence-3.ers"), &|record| {
                    let tree = record.archive_time_stamp_sequence[0][0].reduced_hashtree.as_mut().unwrap();
                    let last = tree.last_mut().unwrap();
                    let mut hash = last[0].as_bytes().to_vec();
                    hash[0] ^= 1;
                    last[0] = der::asn1::OctetString::new(hash).unwrap();
                })
            }),
        ),
        (
            "a renewal that does not cover the timestamp before it",
            "chain 1, timestamp 2: the token stamps other data",
            Box::new(move |bag: &Path| {
                for name in ["evidence-2.ers", "evidence-3.ers"] {
                    edit_record(&bag.join(name), &|record| {
                        let chain = &mut record.archive_time_stamp_sequence[0];
                        chain[1].time_stamp = chain[0].time_stamp.clone();
                    })
                }
            }),
        ),
        (
            "a renewal that replaces the record instead of adding to it",
            "does not keep what",
            Box::new(|bag: &Path| {
                std::fs::remove_file(bag.join("evidence-3.ers")).unwrap();
                std::fs::copy(bag.join("evidence.ers"), bag.join("evidence-3.ers")).unwrap();
            }),
        ),
        (
            "an earlier record removed",
            "an earlier evidence record is missing",
            Box::new(|bag: &Path| std::fs::remove_file(bag.join("evidence-2.ers")).unwrap()),
        ),
    ];
    for (index, (attack, expected, tamper)) in attacks.iter().enumerate() {
        let copy = dir.join(format!("attack-{index}"));
        let copied = run("cp", &["-a", archive.to_str().unwrap(), copy.to_str().unwrap()]);
        assert!(copied.status.success(), "{}", stderr(&copied));
        let bag = copy.join("lieto-lapsiperheet/v0001");
        tamper(&bag);
        let verified = verify_with(&[&bag], keys, tsa);
        assert_eq!(verified.status.code(), Some(1), "{attack}: not caught\n{}", stdout(&verified));
        assert!(stdout(&verified).contains(expected), "{attack}: {}", stdout(&verified));
    }
}

/// Renders one sample's Finnish PDF into `out`, signed at `level` with the given key.
fn render_signed(out: &Path, tsa: &Tsa, key: &[String], level: &str) -> Output {
    let record = samples().join("lieto-lapsiperheet.yaml");
    let url = format!("{}/", tsa.url);
    let mut args = vec!["render", record.to_str().unwrap(), "-o", out.to_str().unwrap(), "--format", "pdf"];
    args.extend(["--lang", "fi", "--tsa", &url, "--level", level]);
    args.extend(key.iter().map(String::as_str));
    seloste(&args)
}

#[test]
fn b_lt_pdfs_carry_the_chains_and_crls_and_verify_from_them_alone() {
    let dir = scratch("long-term");
    let pki = dir.join("pki");
    let Some(tsa) = start_tsa_with(&pki, &["--pki"]) else { return };
    let file = |name: &str| pki.join(name).display().to_string();
    let (signer, revoked) = (
        [file("signer.key"), file("signer.pem"), file("signing-ca.pem")],
        [file("revoked.key"), file("revoked.pem"), file("signing-ca.pem")],
    );
    let key_args = |[key, cert, chain]: &[String; 3]| -> Vec<String> {
        vec!["--key".into(), key.clone(), "--cert".into(), cert.clone(), "--chain".into(), chain.clone()]
    };

    let out = dir.join("out");
    let args = key_args(&signer);
    let made = render_signed(&out, &tsa, &args, "B-LT");
    assert!(made.status.success(), "{}{}", stdout(&made), stderr(&made));
    let pdf = out.join("lieto-lapsiperheet.fi.pdf");
    let pdf_arg = pdf.to_str().unwrap();
    let trust = ["--trust", &file("signing-ca.pem"), "--trust", &file("tsa-ca.pem")].map(str::to_owned);
    let verify = |path: &str| {
        let mut args = vec!["verify".to_owned(), path.to_owned()];
        args.extend(trust.iter().cloned());
        seloste(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let verified = verify(pdf_arg);
    assert!(verified.status.success(), "{}", stdout(&verified));
    assert!(stdout(&verified).contains("PAdES B-LT signature by TEST LONG-TERM SIGNER"), "{}", stdout(&verified));
    let bytes = std::fs::read(&pdf).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("/DSS") && text.contains("/CRLs") && text.contains("/ESIC"), "no DSS in the file");
    if have_tool("pdfsig") {
        let checked = run("pdfsig", &[pdf_arg]);
        assert!(stdout(&checked).contains("Signature is Valid"), "{}", stdout(&checked));
    }
    if have_tool("qpdf") {
        let checked = run("qpdf", &["--check", pdf_arg]);
        assert!(checked.status.success(), "{}", stdout(&checked));
    }
    if have_tool("pdfinfo") {
        let meta = stdout(&run("pdfinfo", &["-meta", pdf_arg]));
        assert!(meta.contains("pdfaid:part") && meta.contains("pdfuaid:part"), "the PDF/A and PDF/UA ids were lost");
    }
    // After the signature, an update that changes a page, or passes a page's content off
    // as metadata, is a change, however much validation data the file carries.
    let document = lopdf::Document::load_mem(&bytes).unwrap();
    let page_id = document.page_iter().next().unwrap();
    let mut page = document.get_dictionary(page_id).unwrap().clone();
    let contents_id = page.get(b"Contents").unwrap().as_reference().unwrap();
    page.set("Rotate", lopdf::Object::Integer(90));
    let metadata = lopdf::Stream::new(
        lopdf::Dictionary::from_iter([("Type", lopdf::Object::Name(b"Metadata".to_vec()))]),
        b"0 0 m 500 500 l S".to_vec(),
    );
    for (name, changed) in [
        ("page", (page_id, lopdf::Object::Dictionary(page))),
        ("content as metadata", (contents_id, lopdf::Object::Stream(metadata))),
    ] {
        let reader = seloste::pdf::Reader::open(&bytes).unwrap();
        let update = seloste::pdf::Update { objects: vec![changed], reserve: None };
        let forged = seloste::pdf::append(&bytes, reader, update).unwrap();
        let forged_path = dir.join("changed-after-signing.pdf");
        std::fs::write(&forged_path, forged).unwrap();
        let verified = verify(forged_path.to_str().unwrap());
        assert_eq!(verified.status.code(), Some(1), "{name}: {}", stdout(&verified));
        assert!(stdout(&verified).contains("changed after signing"), "{name}: {}", stdout(&verified));
    }
    // Validation data may follow the signature; bytes that are no whole update may not.
    let mut appended = bytes.clone();
    appended.extend_from_slice(b"% added later\n");
    let tampered = dir.join("tampered.pdf");
    std::fs::write(&tampered, appended).unwrap();
    assert_eq!(verify(tampered.to_str().unwrap()).status.code(), Some(1));

    // A revoked signer, a certificate without revocation information, and B-LT without a
    // TSA are refused, and nothing is written.
    let refused = dir.join("refused");
    let args = key_args(&revoked);
    let result = render_signed(&refused, &tsa, &args, "B-LT");
    assert!(!result.status.success());
    assert!(stderr(&result).contains("was revoked"), "{}", stderr(&result));
    let test_key = dir.join("test-key");
    assert!(seloste(&["keygen", "-o", test_key.to_str().unwrap()]).status.success());
    let args = key_args(&[
        test_key.join("key.pem").display().to_string(),
        test_key.join("cert.pem").display().to_string(),
        test_key.join("ca.pem").display().to_string(),
    ]);
    let result = render_signed(&refused, &tsa, &args, "B-LT");
    assert!(stderr(&result).contains("has no revocation information"), "{}", stderr(&result));
    assert!(files_in(&refused).iter().all(|path| !path.to_string_lossy().ends_with(".pdf")));
    let record = samples().join("lieto-lapsiperheet.yaml");
    let mut args = vec!["render".to_owned(), record.display().to_string(), "-o".into(), refused.display().to_string()];
    args.extend(["--level".into(), "B-LT".into()]);
    args.extend(key_args(&signer));
    let result = seloste(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(stderr(&result).contains("give a timestamp authority with --tsa"), "{}", stderr(&result));

    // A TSA whose tokens leave out its CA: refused with the way out, which then works.
    let no_chain = dir.join("no-chain");
    let mut args = vec!["render".to_owned(), record.display().to_string(), "-o".into(), no_chain.display().to_string()];
    args.extend(["--format", "pdf", "--lang", "fi", "--level", "B-LT", "--tsa"].map(str::to_owned));
    args.push(format!("{}/no-chain", tsa.url));
    args.extend(key_args(&signer));
    let result = seloste(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(stderr(&result).contains("--tsa-chain"), "{}", stderr(&result));
    args.extend(["--tsa-chain".to_owned(), file("tsa-ca.pem")]);
    let result = seloste(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(result.status.success(), "{}", stderr(&result));
    let verified = verify(no_chain.join("lieto-lapsiperheet.fi.pdf").to_str().unwrap());
    assert!(stdout(&verified).contains("PAdES B-LT signature"), "{}", stdout(&verified));

    // A DSS whose CRL is another CA's proves nothing about the signer.
    let b_t = dir.join("b-t");
    let args = key_args(&signer);
    let made = render_signed(&b_t, &tsa, &args, "B-T");
    assert!(made.status.success(), "{}", stderr(&made));
    let b_t_pdf = std::fs::read(b_t.join("lieto-lapsiperheet.fi.pdf")).unwrap();
    let certificates: Vec<Vec<u8>> = ["signer.pem", "signing-ca.pem", "tsa.pem", "tsa-ca.pem"]
        .iter()
        .map(|name| pem_to_der(&pki.join(name)))
        .collect();
    let other_crl = std::fs::read(pki.join("crl-tsa-ca.crl")).unwrap();
    let forged = seloste::sign::pades::add_dss(&b_t_pdf, &certificates, &[other_crl]).unwrap();
    let forged_path = dir.join("forged.pdf");
    std::fs::write(&forged_path, forged).unwrap();
    let verified = verify(forged_path.to_str().unwrap());
    assert_eq!(verified.status.code(), Some(1), "{}", stdout(&verified));
    assert!(
        stdout(&verified).contains("no revocation list (CRL) that its issuer signed covers"),
        "{}",
        stdout(&verified)
    );
}

fn pem_to_der(path: &Path) -> Vec<u8> {
    let converted = run("openssl", &["x509", "-in", path.to_str().unwrap(), "-outform", "DER"]);
    assert!(converted.status.success());
    converted.stdout
}

#[test]
fn the_samples_sign_and_archive_at_b_lta_and_pyhanko_validates_them_from_the_file_alone() {
    let dir = scratch("long-term-archival");
    let pki = dir.join("pki");
    let Some(tsa) = start_tsa_with(&pki, &["--pki"]) else { return };
    let file = |name: &str| pki.join(name).display().to_string();
    let (out, archive) = (dir.join("out"), dir.join("archive"));
    let url = format!("{}/", tsa.url);
    let result = seloste(&[
        "batch",
        samples().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--key",
        &file("signer.key"),
        "--cert",
        &file("signer.pem"),
        "--chain",
        &file("signing-ca.pem"),
        "--tsa",
        &url,
        "--level",
        "B-LTA",
        "--archive",
        archive.to_str().unwrap(),
    ]);
    assert!(result.status.success(), "{}{}", stdout(&result), stderr(&result));
    let trust = ["--trust", &file("signing-ca.pem"), "--trust", &file("tsa-ca.pem")];
    let pdfs: Vec<PathBuf> =
        files_in(&out).into_iter().filter(|path| path.extension().is_some_and(|ext| ext == "pdf")).collect();
    assert_eq!(pdfs.len(), 15);
    let mut args: Vec<&str> = vec!["verify"];
    args.extend(pdfs.iter().map(|pdf| pdf.to_str().unwrap()));
    args.extend(trust);
    let verified = seloste(&args);
    assert!(verified.status.success(), "{}", stdout(&verified));
    assert_eq!(stdout(&verified).matches("PAdES B-LTA signature").count(), 15, "{}", stdout(&verified));
    let verified = seloste(&["verify", archive.to_str().unwrap(), trust[0], trust[1], trust[2], trust[3]]);
    assert!(verified.status.success(), "{}", stdout(&verified));
    assert_eq!(stdout(&verified).matches("proven   ").count(), 5, "{}", stdout(&verified));

    // pyHanko's AdES validation of one Finnish, one Swedish and one bilingual notice, with
    // revocation data required and online fetching off: only what the file holds counts.
    let script = project_root().join("tests/pades_ltv.py");
    for pdf in pdfs.iter().filter(|pdf| pdf.to_string_lossy().contains("huittinen-lastensuojelu")) {
        let validated = run(
            "python3",
            &[script.to_str().unwrap(), pdf.to_str().unwrap(), &file("signing-ca.pem"), &file("tsa-ca.pem")],
        );
        assert!(validated.status.success(), "{}: {}{}", pdf.display(), stdout(&validated), stderr(&validated));
        if have_tool("pdfsig") {
            let checked = stdout(&run("pdfsig", &[pdf.to_str().unwrap()]));
            assert!(checked.contains("Signature #2") && checked.contains("Signature is Valid"), "{checked}");
        }
        if have_tool("qpdf") {
            assert!(run("qpdf", &["--check", pdf.to_str().unwrap()]).status.success());
        }
    }

    // The organisation file's `signing:` names the level, with its key and TSA.
    let copy = copy_samples(&dir.join("organisation"));
    let organisation = copy.join("organisations").join("huittinen.yaml");
    let text = std::fs::read_to_string(&organisation).unwrap();
    let signing = format!(
        "signing:\n  key: {}\n  certificate: {}\n  chain: {}\n  tsa: {url}\n  level: B-LTA\n",
        file("signer.key"),
        file("signer.pem"),
        file("signing-ca.pem")
    );
    std::fs::write(&organisation, format!("{text}\n{signing}")).unwrap();
    let record = copy.join("huittinen-lastensuojelu.yaml");
    let organisation_out = dir.join("organisation-out");
    let args = ["render", record.to_str().unwrap(), "-o", organisation_out.to_str().unwrap(), "--lang", "fi"];
    let made = seloste(&[&args[..], &["--format", "pdf", "--sign"]].concat());
    assert!(made.status.success(), "{}", stderr(&made));
    let pdf = organisation_out.join("huittinen-lastensuojelu.fi.pdf");
    let verified = seloste(&["verify", pdf.to_str().unwrap(), trust[0], trust[1], trust[2], trust[3]]);
    assert!(stdout(&verified).contains("PAdES B-LTA signature"), "{}", stdout(&verified));

    // Anything added after the document timestamp is a change.
    let mut appended = std::fs::read(&pdfs[0]).unwrap();
    appended.extend_from_slice(b"\n% added later\n");
    let tampered = dir.join("tampered.pdf");
    std::fs::write(&tampered, appended).unwrap();
    let verified = seloste(&["verify", tampered.to_str().unwrap(), trust[0], trust[1], trust[2], trust[3]]);
    assert_eq!(verified.status.code(), Some(1), "{}", stdout(&verified));
}
