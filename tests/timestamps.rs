//! RFC 3161 timestamps against a real timestamp authority: `openssl ts -reply` behind a
//! small HTTP server on 127.0.0.1 (tests/tsa_server.py), started by the tests and stopped
//! when they end. Checked with pyHanko, openssl ts -verify and `seloste verify`.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
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
    TSA.get_or_init(|| {
        if !have_tool("openssl") || !have_tool("python3") {
            return None;
        }
        let dir = scratch("tsa");
        let mut child = Command::new("python3")
            .arg(project_root().join("tests/tsa_server.py"))
            .args(["--dir", dir.to_str().unwrap(), "--max-seconds", "900", "--stop-on-eof"])
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
    })
    .as_ref()
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

#[test]
fn archived_bags_carry_a_valid_token_over_their_tag_manifest() {
    let Some(tsa) = tsa() else { return };
    let dir = scratch("archive");
    let keys = dir.join("keys");
    let archive = dir.join("archive");
    let result = seloste(&[
        "batch",
        samples().to_str().unwrap(),
        "-o",
        dir.join("out").to_str().unwrap(),
        "--test-key",
        keys.to_str().unwrap(),
        "--tsa",
        &format!("{}/", tsa.url),
        "--archive",
        archive.to_str().unwrap(),
    ]);
    assert!(result.status.success(), "{}", stderr(&result));
    let bag = archive.join("huittinen-lastensuojelu/v0001");
    assert!(bag.join("tagmanifest-sha512.txt.tsr").exists());
    if have_tool("bagit.py") {
        let validated = run("bagit.py", &["--validate", bag.to_str().unwrap()]);
        assert!(validated.status.success(), "{}", stderr(&validated));
    }
    let trust =
        ["--trust", keys.join("ca.pem").to_str().unwrap(), "--trust", tsa.ca.to_str().unwrap()].map(str::to_owned);
    let verify = |path: &Path| {
        let mut args = vec!["verify".to_owned(), path.display().to_string()];
        args.extend(trust.iter().cloned());
        seloste(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    assert!(verify(&archive).status.success(), "{}", stdout(&verify(&archive)));
    let listing = stdout(&seloste(&["archive", "list", archive.to_str().unwrap()]));
    assert_eq!(listing.matches("tag manifest timestamped").count(), 5, "{listing}");

    let other = std::fs::read(archive.join("lieto-lapsiperheet/v0001/tagmanifest-sha512.txt.tsr")).unwrap();
    std::fs::write(bag.join("tagmanifest-sha512.txt.tsr"), other).unwrap();
    let rejected = verify(&bag);
    assert_eq!(rejected.status.code(), Some(1));
    assert!(stdout(&rejected).contains("tagmanifest-sha512.txt.tsr"), "{}", stdout(&rejected));
}
