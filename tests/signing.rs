//! Signed notices, checked with pdfsig, pyHanko, openssl cms and qpdf, and `seloste
//! verify` against the known attacks on PDF signatures. Keys and certificates are made
//! in the test with `seloste keygen`.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("signing").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Test material made by `seloste keygen` into `dir`.
fn keygen(dir: &Path, extra: &[&str]) -> Keys {
    let mut args = vec!["keygen", "-o", dir.to_str().unwrap()];
    args.extend(extra);
    let result = seloste(&args);
    assert!(result.status.success(), "keygen: {}", stderr(&result));
    Keys { ca: dir.join("ca.pem"), cert: dir.join("cert.pem"), key: dir.join("key.pem") }
}

struct Keys {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

impl Keys {
    fn args(&self) -> Vec<String> {
        vec!["--key".into(), self.key.display().to_string(), "--cert".into(), self.cert.display().to_string()]
    }
}

/// The samples, rendered and signed once per test run, and the keys that signed them.
fn signed() -> &'static (PathBuf, Keys) {
    static SIGNED: OnceLock<(PathBuf, Keys)> = OnceLock::new();
    SIGNED.get_or_init(|| {
        let dir = scratch("samples");
        let keys = keygen(&dir.join("keys"), &["--name", "Testikunta"]);
        let out = dir.join("out");
        let mut args =
            vec!["batch".to_owned(), samples().display().to_string(), "-o".into(), out.display().to_string()];
        args.extend(keys.args());
        let result = seloste(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(result.status.success(), "signed batch: {}{}", stdout(&result), stderr(&result));
        (out, keys)
    })
}

fn signed_files(extension: &str) -> Vec<PathBuf> {
    files_in(&signed().0).into_iter().filter(|path| path.to_string_lossy().ends_with(extension)).collect()
}

#[test]
fn the_private_key_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&signed().1.key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let certificate = std::fs::read_to_string(&signed().1.cert).unwrap();
    assert!(certificate.contains("BEGIN CERTIFICATE"));
}

#[test]
fn pdfsig_finds_every_signed_pdf_valid_and_wholly_signed() {
    if !have_tool("pdfsig") {
        return;
    }
    let pdfs = signed_files(".pdf");
    assert_eq!(pdfs.len(), 15);
    for pdf in pdfs {
        let report = stdout(&run("pdfsig", &[pdf.to_str().unwrap()]));
        assert!(report.contains("Signature is Valid."), "{}: {report}", pdf.display());
        assert!(report.contains("Total document signed"), "{}: {report}", pdf.display());
        assert!(report.contains("ETSI.CAdES.detached"), "{}: {report}", pdf.display());
    }
}

#[test]
fn pyhanko_reports_every_signed_pdf_intact_and_trusted() {
    if !have_tool("pyhanko") {
        return;
    }
    let ca = signed().1.ca.to_str().unwrap();
    for pdf in signed_files(".pdf") {
        let result =
            run("pyhanko", &["sign", "validate", "--trust", ca, "--no-revocation-check", pdf.to_str().unwrap()]);
        let report = stdout(&result);
        assert!(result.status.success(), "{}: {report}{}", pdf.display(), stderr(&result));
        assert!(report.contains("INTACT") && report.contains("TRUSTED"), "{}: {report}", pdf.display());
    }
}

#[test]
fn openssl_verifies_each_docx_signature_and_rejects_a_changed_byte() {
    if !have_tool("openssl") {
        return;
    }
    let ca = signed().1.ca.to_str().unwrap();
    let verify = |p7s: &Path, content: &Path| openssl_cms_verify(p7s, content, Path::new(ca));
    let signatures = signed_files(".docx.p7s");
    assert_eq!(signatures.len(), 15);
    let dir = scratch("openssl");
    for p7s in signatures {
        let docx = PathBuf::from(p7s.to_string_lossy().trim_end_matches(".p7s"));
        let result = verify(&p7s, &docx);
        assert_eq!(result.status.code(), Some(0), "{}: {}", p7s.display(), stderr(&result));

        let mut changed = std::fs::read(&docx).unwrap();
        let middle = changed.len() / 2;
        changed[middle] ^= 0x01;
        let tampered = dir.join(docx.file_name().unwrap());
        std::fs::write(&tampered, changed).unwrap();
        assert_ne!(verify(&p7s, &tampered).status.code(), Some(0), "{}: a changed byte passed", p7s.display());
    }
}

#[test]
fn signed_pdfs_keep_pdf_a_and_pdf_ua_metadata_and_pass_qpdf() {
    if !have_tool("pdfinfo") || !have_tool("qpdf") {
        return;
    }
    for pdf in signed_files(".pdf") {
        let path = pdf.to_str().unwrap();
        let xmp = normalise(&stdout(&run("pdfinfo", &["-meta", path])));
        for expected in [
            "<pdfaid:part>2</pdfaid:part>",
            "<pdfaid:conformance>A</pdfaid:conformance>",
            "<pdfuaid:part>1</pdfuaid:part>",
        ] {
            assert!(xmp.contains(expected), "{path}: {expected} lost in signing");
        }
        let check = run("qpdf", &["--check", path]);
        assert_eq!(check.status.code(), Some(0), "{path}: {}", stdout(&check));
    }
}

#[test]
fn the_notice_says_it_is_signed_in_its_language() {
    if !have_tool("pdftotext") {
        return;
    }
    let dir = &signed().0;
    let fi = pdf_text(&dir.join("lieto-lapsiperheet.fi.pdf"));
    let sv = pdf_text(&dir.join("lieto-lapsiperheet.sv.pdf"));
    assert!(fi.contains("Tämä asiakirja on sähköisesti allekirjoitettu."), "{fi}");
    assert!(sv.contains("Detta dokument har undertecknats elektroniskt."), "{sv}");
    assert!(fi.contains("Krista Ryödi, vs. toimialajohtaja"), "the signer's name and role are missing: {fi}");
    assert!(sv.contains("Krista Ryödi, t.f. sektordirektör"), "the signer's name and role are missing: {sv}");
}

/// Without a signer in the record or the organisation file, the notice names the
/// certificate's holder.
#[test]
fn without_a_named_signer_the_notice_names_the_certificate_holder() {
    if !have_tool("pdftotext") {
        return;
    }
    let dir = scratch("certificate-holder");
    let copy = copy_samples(&dir);
    let record = copy.join("lieto-lapsiperheet.yaml");
    let text = std::fs::read_to_string(&record).unwrap();
    let unnamed = text.split("# The person who signs the notice").next().unwrap().to_owned();
    std::fs::write(&record, unnamed).unwrap();
    let out = dir.join("out");
    let mut args = vec!["render".to_owned(), record.display().to_string(), "-o".into(), out.display().to_string()];
    args.extend(["--lang".into(), "fi".into(), "--format".into(), "pdf".into()]);
    args.extend(signed().1.args());
    let result = seloste(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(result.status.success(), "{}", stderr(&result));
    let fi = pdf_text(&out.join("lieto-lapsiperheet.fi.pdf"));
    assert!(fi.contains("allekirjoitettu. Testikunta TEST signer"), "{fi}");
}

/// The signature statement is never alone on the last page: the last section's text is
/// on the same page, and the widget is a Form element in the structure tree (PDF/UA-1 7.18).
#[test]
fn the_signature_stays_with_the_last_section_and_its_widget_is_tagged() {
    if !have_tool("pdftotext") || !have_tool("python3") {
        return;
    }
    for pdf in signed_files(".pdf") {
        let path = pdf.to_str().unwrap();
        let pages: Vec<String> = stdout(&run("pdftotext", &["-enc", "UTF-8", path, "-"]))
            .split('\u{c}')
            .map(normalise)
            .filter(|page| !page.is_empty())
            .collect();
        let last = pages.last().unwrap();
        let statement = ["allekirjoitettu.", "undertecknats elektroniskt."];
        let at = statement.iter().filter_map(|phrase| last.find(phrase)).max().expect("the statement on the last page");
        let body_before = &last[..at];
        assert!(body_before.split_whitespace().count() > 30, "{path}: the statement stands alone: {last}");
        let report = python(
            r#"
import sys, pypdf
reader = pypdf.PdfReader(sys.argv[1])
widget = [a.get_object() for a in reader.pages[0]["/Annots"] if a.get_object().get("/FT") == "/Sig"][0]
tree = reader.trailer["/Root"]["/StructTreeRoot"]
nums = tree["/ParentTree"]["/Nums"]
element = dict(zip(nums[::2], nums[1::2]))[widget["/StructParent"]].get_object()
kid = element["/K"].get_object()
print(element["/S"], kid["/Type"], kid["/Obj"].get_object() == widget, bool(element.get("/Alt")), tree["/ParentTreeNextKey"] > widget["/StructParent"])
"#,
            &[path],
        );
        assert!(report.status.success(), "{path}: {}", stderr(&report));
        assert_eq!(stdout(&report).trim(), "/Form /OBJR True True True", "{path}");
    }
}

/// An unsigned rendering of one sample, for signing with `seloste sign`.
fn unsigned_pdf(dir: &Path) -> PathBuf {
    let record = samples().join("parkano-lapsiperheet.yaml");
    let result =
        seloste(&["render", record.to_str().unwrap(), "-o", dir.to_str().unwrap(), "--lang", "fi", "--format", "pdf"]);
    assert!(result.status.success(), "{}", stderr(&result));
    dir.join("parkano-lapsiperheet.fi.pdf")
}

fn sign(keys: &Keys, files: &[&Path]) -> std::process::Output {
    let mut args = vec!["sign".to_owned()];
    args.extend(files.iter().map(|file| file.display().to_string()));
    args.extend(keys.args());
    seloste(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn the_unsigned_pdf_is_an_exact_prefix_of_the_signed_one() {
    let dir = scratch("prefix");
    let pdf = unsigned_pdf(&dir);
    let unsigned = std::fs::read(&pdf).unwrap();
    let result = sign(&signed().1, &[&pdf]);
    assert!(result.status.success(), "{}", stderr(&result));
    let signed_bytes = std::fs::read(&pdf).unwrap();
    assert!(signed_bytes.len() > unsigned.len() && signed_bytes.starts_with(&unsigned));
}

/// A file whose objects are cross-referenced by a stream, as qpdf writes it with object
/// streams, is signed through a full load instead of the quick reader of classic tables;
/// it must come out as valid as a notice Typst wrote.
#[test]
fn a_pdf_with_a_cross_reference_stream_is_signed_and_verifies() {
    if !have_tool("qpdf") || !have_tool("pdfsig") {
        return;
    }
    let dir = scratch("xref-stream");
    let pdf = unsigned_pdf(&dir);
    let streamed = dir.join("streamed.pdf");
    let rewritten =
        std::process::Command::new("qpdf").arg("--object-streams=generate").arg(&pdf).arg(&streamed).output().unwrap();
    assert!(rewritten.status.success(), "{}", stderr(&rewritten));
    let unsigned = std::fs::read(&streamed).unwrap();
    assert!(
        unsigned.windows(10).any(|window| window == b"/Type/XRef" || window == b"/Type /XRe"),
        "qpdf wrote no cross-reference stream"
    );

    let keys = &signed().1;
    let result = sign(keys, &[&streamed]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(std::fs::read(&streamed).unwrap().starts_with(&unsigned));
    let report = std::process::Command::new("pdfsig").arg(&streamed).output().unwrap();
    let report = String::from_utf8_lossy(&report.stdout);
    assert!(report.contains("Signature is Valid.") && report.contains("Total document signed"), "{report}");
    let verdict = verify(&streamed, &keys.ca);
    assert!(verdict.status.success(), "{}", stdout(&verdict));
    let check = std::process::Command::new("qpdf").arg("--check").arg(&streamed).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
}

fn verify(file: &Path, ca: &Path) -> std::process::Output {
    seloste(&["verify", file.to_str().unwrap(), "--trust", ca.to_str().unwrap()])
}

fn assert_verify_rejects(file: &Path, ca: &Path, why: &str) {
    let result = verify(file, ca);
    let verdict = stdout(&result);
    assert_eq!(result.status.code(), Some(1), "{why}: accepted: {verdict}");
    assert!(verdict.starts_with("INVALID"), "{why}: {verdict}");
}

/// The two signed ranges of a PDF, from its /ByteRange.
fn byte_range(pdf: &[u8]) -> [usize; 4] {
    let text = String::from_utf8_lossy(pdf);
    let start = text.rfind("/ByteRange").unwrap();
    let open = start + text[start..].find('[').unwrap();
    let close = open + text[open..].find(']').unwrap();
    let numbers: Vec<usize> = text[open + 1..close].split_whitespace().map(|n| n.parse().unwrap()).collect();
    [numbers[0], numbers[1], numbers[2], numbers[3]]
}

#[test]
fn verify_accepts_the_signed_samples_and_names_signer_and_time() {
    let (dir, keys) = signed();
    let mut args = vec!["verify".to_owned()];
    args.extend(signed_files(".pdf").iter().chain(signed_files(".docx").iter()).map(|path| path.display().to_string()));
    args.extend(["--trust".to_owned(), keys.ca.display().to_string()]);
    let result = seloste(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let report = stdout(&result);
    assert!(result.status.success(), "{report}");
    assert_eq!(report.lines().filter(|line| line.starts_with("valid")).count(), 30, "{report}");
    assert!(report.contains("PAdES signature by Testikunta TEST signer, signed"), "{report}");
    assert!(report.contains("CAdES signature by Testikunta TEST signer"), "{report}");
    assert!(dir.exists());
}

#[test]
fn verify_rejects_a_changed_byte_in_either_signed_range_and_appended_bytes() {
    let (dir, keys) = signed();
    let original = std::fs::read(dir.join("huittinen-lastensuojelu.fi.pdf")).unwrap();
    let [_, gap_start, gap_end, _] = byte_range(&original);
    let work = scratch("tamper");
    for (name, offset) in [("first-range", gap_start / 2), ("second-range", gap_end + 10)] {
        let mut changed = original.clone();
        changed[offset] = if changed[offset] == b' ' { b'\n' } else { b' ' };
        let path = work.join(format!("{name}.pdf"));
        std::fs::write(&path, changed).unwrap();
        assert_verify_rejects(&path, &keys.ca, name);
    }
    let mut appended = original.clone();
    appended.extend_from_slice(b"\n% appended after signing\n");
    let path = work.join("appended.pdf");
    std::fs::write(&path, appended).unwrap();
    assert_verify_rejects(&path, &keys.ca, "appended bytes");
}

#[test]
fn verify_rejects_an_incremental_update_that_changes_a_page() {
    if !have_tool("python3") {
        return;
    }
    let (dir, keys) = signed();
    let work = scratch("incremental");
    let output = work.join("updated.pdf");
    let script = "import sys\nfrom pypdf import PdfWriter\nw = PdfWriter(sys.argv[1], incremental=True)\nw.pages[0].rotate(90)\nw.write(sys.argv[2])";
    let result =
        python(script, &[dir.join("uusikaupunki-sosiaalityo.fi.pdf").to_str().unwrap(), output.to_str().unwrap()]);
    assert!(result.status.success(), "pypdf: {}", stderr(&result));
    let original = std::fs::read(dir.join("uusikaupunki-sosiaalityo.fi.pdf")).unwrap();
    assert!(std::fs::read(&output).unwrap().starts_with(&original), "pypdf did not write an incremental update");
    assert_verify_rejects(&output, &keys.ca, "incremental update");
}

#[test]
fn verify_rejects_an_altered_byte_range() {
    let (dir, keys) = signed();
    let original = std::fs::read(dir.join("lieto-lapsiperheet.sv.pdf")).unwrap();
    let [a, b, c, d] = byte_range(&original);
    let text = format!("[{a} {b} {c} {d}");
    let altered = format!("[{a} {} {c} {}", b + 2, d - 2);
    assert!(altered.len() <= text.len() + 2);
    let position = original.windows(text.len()).rposition(|window| window == text.as_bytes()).unwrap();
    let mut changed = original.clone();
    let padded = format!("{altered:<width$}", width = text.len());
    changed[position..position + text.len()].copy_from_slice(&padded.as_bytes()[..text.len()]);
    let path = scratch("byte-range").join("altered.pdf");
    std::fs::write(&path, changed).unwrap();
    assert_verify_rejects(&path, &keys.ca, "altered ByteRange");
}

#[test]
fn verify_rejects_another_certificate_swapped_into_the_signature() {
    if !have_tool("python3") {
        return;
    }
    let (dir, keys) = signed();
    let work = scratch("swap");
    let other = keygen(&work.join("other"), &["--name", "Toinen"]);
    let script = r#"
import sys, binascii
from asn1crypto import cms, pem, x509
pdf = open(sys.argv[1], "rb").read()
start = pdf.rindex(b"/Contents") + len(b"/Contents")
start = pdf.index(b"<", start)
end = pdf.index(b">", start)
der = binascii.unhexlify(pdf[start + 1:end])
info = cms.ContentInfo.load(der)
other = x509.Certificate.load(pem.unarmor(open(sys.argv[2], "rb").read())[2])
info["content"]["certificates"] = [cms.CertificateChoices({"certificate": other})]
new = binascii.hexlify(info.dump(force=True))
new = new + b"0" * (end - start - 1 - len(new))
open(sys.argv[3], "wb").write(pdf[:start + 1] + new + pdf[end:])
"#;
    let swapped = work.join("swapped.pdf");
    let result = python(
        script,
        &[
            dir.join("parkano-lapsiperheet.sv.pdf").to_str().unwrap(),
            other.cert.to_str().unwrap(),
            swapped.to_str().unwrap(),
        ],
    );
    assert!(result.status.success(), "{}", stderr(&result));
    assert_verify_rejects(&swapped, &keys.ca, "swapped certificate");
    assert_verify_rejects(&swapped, &other.ca, "swapped certificate, its own CA trusted");
}

#[test]
fn verify_rejects_the_p7s_of_another_docx_and_an_untrusted_ca() {
    let (dir, keys) = signed();
    let work = scratch("wrong-p7s");
    let docx = work.join("notice.docx");
    std::fs::copy(dir.join("lieto-lapsiperheet.fi.docx"), &docx).unwrap();
    std::fs::copy(dir.join("lieto-lapsiperheet.sv.docx.p7s"), work.join("notice.docx.p7s")).unwrap();
    assert_verify_rejects(&docx, &keys.ca, "the .p7s of another DOCX");

    let stranger = keygen(&work.join("stranger"), &[]);
    assert_verify_rejects(&dir.join("lieto-lapsiperheet.fi.pdf"), &stranger.ca, "untrusted CA, PDF");
    assert_verify_rejects(&dir.join("lieto-lapsiperheet.fi.docx"), &stranger.ca, "untrusted CA, DOCX");
    let no_trust = seloste(&["verify", dir.join("lieto-lapsiperheet.fi.pdf").to_str().unwrap()]);
    assert_eq!(no_trust.status.code(), Some(1));
    assert!(stdout(&no_trust).contains("--trust"), "{}", stdout(&no_trust));
}

/// `seloste sign` with these keys must fail with a message naming `names` and leave the
/// files as they were. Without `pdf` it signs a fresh unsigned PDF and a DOCX, and no
/// `.p7s` may appear; with `pdf` it signs a copy of that PDF alone.
fn assert_sign_refused(case: &str, key: &Path, cert: &Path, pdf: Option<&Path>, names: &str) {
    let work = scratch(case);
    let mut targets = Vec::new();
    match pdf {
        Some(pdf) => {
            let copy = work.join("target.pdf");
            std::fs::copy(pdf, &copy).unwrap();
            targets.push(copy);
        }
        None => {
            targets.push(unsigned_pdf(&work));
            let docx = work.join("notice.docx");
            std::fs::copy(signed().0.join("lieto-lapsiperheet.fi.docx"), &docx).unwrap();
            targets.push(docx);
        }
    }
    let before: Vec<Vec<u8>> = targets.iter().map(|path| std::fs::read(path).unwrap()).collect();
    let mut args = vec!["sign".to_owned()];
    args.extend(targets.iter().map(|path| path.display().to_string()));
    args.extend(["--key".to_owned(), key.display().to_string(), "--cert".to_owned(), cert.display().to_string()]);
    let result = seloste(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let message = stderr(&result);
    assert!(!result.status.success(), "{case}: signing succeeded");
    assert!(message.contains(names), "{case}: the error does not name {names}: {message}");
    assert!(!message.contains("panicked"), "{case}: {message}");
    let after: Vec<Vec<u8>> = targets.iter().map(|path| std::fs::read(path).unwrap()).collect();
    assert!(before == after, "{case}: a file changed");
    assert!(!work.join("notice.docx.p7s").exists(), "{case}: a .p7s was written");
}

#[test]
fn signing_refuses_bad_keys_and_certificates_without_touching_files() {
    let keys = &signed().1;
    let work = scratch("bad-keys");
    let other = keygen(&work.join("other"), &[]);
    assert_sign_refused("mismatch", &other.key, &keys.cert, None, "other/key.pem");
    assert_sign_refused("missing-key", &work.join("absent.pem"), &keys.cert, None, "absent.pem");

    let malformed = work.join("malformed.pem");
    std::fs::write(&malformed, "-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n").unwrap();
    assert_sign_refused("malformed", &malformed, &keys.cert, None, "malformed.pem");

    if have_tool("openssl") {
        let encrypted = work.join("encrypted.pem");
        let result = run(
            "openssl",
            &[
                "pkcs8",
                "-topk8",
                "-in",
                keys.key.to_str().unwrap(),
                "-passout",
                "pass:secret",
                "-out",
                encrypted.to_str().unwrap(),
            ],
        );
        assert!(result.status.success(), "{}", stderr(&result));
        assert_sign_refused("encrypted", &encrypted, &keys.cert, None, "encrypted.pem");
    }

    let expired = keygen(&work.join("expired"), &["--valid-from", "2020-01-01", "--valid-until", "2021-01-01"]);
    assert_sign_refused("expired", &expired.key, &expired.cert, None, "expired/cert.pem");
}

#[test]
fn signing_refuses_a_corrupt_pdf_and_one_already_signed() {
    let keys = &signed().1;
    let work = scratch("bad-pdfs");
    let corrupt = work.join("corrupt.pdf");
    std::fs::write(&corrupt, b"%PDF-1.7\nthis is not a PDF body\n").unwrap();
    assert_sign_refused("corrupt", &keys.key, &keys.cert, Some(&corrupt), "target.pdf");
    let already = signed().0.join("huittinen-sosiaalihuolto.fi.pdf");
    assert_sign_refused("already-signed", &keys.key, &keys.cert, Some(&already), "already signed");
}
