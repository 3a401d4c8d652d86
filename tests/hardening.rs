//! Hardening: one regression test per defect an adversarial probe found, and their
//! siblings. Certificate paths against hand-made bad chains (with openssl and pyHanko as
//! the independent judges), no file content in errors, stripped signatures in an archive,
//! concurrent writers of one archive, characters a document cannot carry, link loops,
//! input limits, links planted at the names we write, and the lesser ones.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::*;

fn scratch(name: &str) -> PathBuf {
    scratch_in("hardening", name)
}

fn sample_text() -> String {
    std::fs::read_to_string(samples().join("huittinen-lastensuojelu.yaml")).unwrap()
}

/// The hand-made chains of tests/chains.py, made once per test run.
fn chains() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = scratch("chains");
        let result = Command::new("python3").arg(project_root().join("tests/chains.py")).arg(&dir).output().unwrap();
        assert!(result.status.success(), "chains.py: {}", stderr(&result));
        dir
    })
}

fn trust_args(dir: &Path) -> Vec<String> {
    ["root.pem", "root-pathlen0.pem"]
        .iter()
        .flat_map(|root| ["--trust".to_owned(), dir.join(root).display().to_string()])
        .collect()
}

/// Signs `content` with a case's key and certificate by openssl, so the signature does not
/// depend on our signer refusing bad certificates; returns the .p7s path.
fn openssl_sign(case: &Path, content: &Path) -> PathBuf {
    let signature = PathBuf::from(format!("{}.p7s", content.display()));
    let mut args = vec!["cms", "-sign", "-binary", "-cades", "-md", "sha256", "-outform", "DER"];
    let (input, signer, key, chain, out) = (
        content.to_str().unwrap().to_owned(),
        case.join("cert.pem").display().to_string(),
        case.join("key.pem").display().to_string(),
        case.join("chain.pem").display().to_string(),
        signature.display().to_string(),
    );
    args.extend(["-in", &input, "-signer", &signer, "-inkey", &key, "-out", &out]);
    if std::fs::metadata(case.join("chain.pem")).unwrap().len() > 0 {
        args.extend(["-certfile", &chain]);
    }
    let result = run("openssl", &args);
    assert!(result.status.success(), "openssl cms -sign: {}", stderr(&result));
    signature
}

/// Whether openssl accepts the signature, validating the chain for S/MIME signing.
fn openssl_accepts(content: &Path, signature: &Path, roots: &Path) -> bool {
    let args = [
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        signature.to_str().unwrap(),
        "-content",
        content.to_str().unwrap(),
        "-CAfile",
        roots.to_str().unwrap(),
        "-purpose",
        "smimesign",
        "-out",
        "/dev/null",
    ];
    run("openssl", &args).status.success()
}

#[test]
fn verify_refuses_every_hand_made_bad_chain_that_openssl_refuses() {
    if !have_tool("openssl") || !have_tool("python3") {
        return;
    }
    let chains = chains();
    let dir = scratch("bad-chains");
    let roots = dir.join("roots.pem");
    let both =
        [std::fs::read(chains.join("root.pem")).unwrap(), std::fs::read(chains.join("root-pathlen0.pem")).unwrap()]
            .concat();
    std::fs::write(&roots, both).unwrap();
    // (case, what seloste says, whether openssl accepts it too)
    let cases = [
        ("good", None, true),
        ("good-intermediate", None, true),
        ("end-entity-as-ca", Some("an end-entity certificate acts as a CA"), false),
        ("issuer-without-keycertsign", Some("keyCertSign"), false),
        ("path-length", Some("pathLenConstraint"), false),
        ("server-auth-only", Some("is not for signing documents"), false),
        ("unknown-critical-extension", Some("critical extension"), false),
        ("key-usage-encryption-only", Some("does not allow signing (keyUsage)"), false),
        ("expired-intermediate", Some("has expired"), false),
        ("issuer-name-mismatch", Some("does not chain to a trusted CA"), false),
        // openssl lets a CA certificate sign S/MIME; seloste asks a signer not to be a CA.
        ("ca-as-signer", Some("is a CA certificate, not a signer's"), true),
    ];
    for (case, refusal, openssl_ok) in cases {
        let content = dir.join(format!("{case}.docx"));
        std::fs::write(&content, format!("the notice signed by {case}")).unwrap();
        let signature = openssl_sign(&chains.join(case), &content);
        let mut args = vec!["verify".to_owned(), content.display().to_string()];
        args.extend(trust_args(chains));
        let result = seloste(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let verdict = stdout(&result);
        match refusal {
            None => assert!(result.status.success() && verdict.starts_with("valid"), "{case}: {verdict}"),
            Some(reason) => {
                assert!(!result.status.success(), "{case} accepted: {verdict}");
                assert!(verdict.contains("INVALID") && verdict.contains(reason), "{case}: {verdict}");
            }
        }
        assert_eq!(openssl_accepts(&content, &signature, &roots), openssl_ok, "{case}: openssl's verdict changed");
    }
}

#[test]
fn a_pdf_signed_through_an_end_entity_acting_as_a_ca_is_refused() {
    if !have_tool("pyhanko") || !have_tool("python3") {
        return;
    }
    let chains = chains();
    let dir = scratch("forged-pdf");
    let unsigned = dir.join("unsigned.pdf");
    let record = samples().join("huittinen-lastensuojelu.yaml");
    let result =
        seloste(&["render", record.to_str().unwrap(), "-o", dir.to_str().unwrap(), "--lang", "fi", "--format", "pdf"]);
    assert!(result.status.success(), "{}", stderr(&result));
    std::fs::rename(dir.join("huittinen-lastensuojelu.fi.pdf"), &unsigned).unwrap();
    for (case, expected) in [("good", "valid"), ("end-entity-as-ca", "an end-entity certificate acts as a CA")] {
        let signed = dir.join(format!("{case}.pdf"));
        let case_dir = chains.join(case);
        let mut args = vec!["sign", "addsig", "--field", "Sig1", "pemder"];
        let (key, cert, chain) = (
            case_dir.join("key.pem").display().to_string(),
            case_dir.join("cert.pem").display().to_string(),
            case_dir.join("chain.pem").display().to_string(),
        );
        args.extend(["--key", &key, "--cert", &cert, "--no-pass"]);
        if std::fs::metadata(&chain).unwrap().len() > 0 {
            args.extend(["--chain", &chain]);
        }
        args.extend([unsigned.to_str().unwrap(), signed.to_str().unwrap()]);
        let made = run("pyhanko", &args);
        assert!(made.status.success(), "pyhanko: {}", stderr(&made));
        let mut verify = vec!["verify".to_owned(), signed.display().to_string()];
        verify.extend(trust_args(chains));
        let verdict = stdout(&seloste(&verify.iter().map(String::as_str).collect::<Vec<_>>()));
        assert!(verdict.contains(expected), "{case}: {verdict}");
    }
}

#[test]
fn sign_refuses_a_certificate_that_verify_would_refuse() {
    if !have_tool("python3") {
        return;
    }
    let chains = chains();
    let dir = scratch("sign-refuses");
    for (case, root, expected) in [
        ("end-entity-as-ca", "root.pem", "acts as a CA"),
        ("server-auth-only", "root.pem", "not for signing documents"),
        ("key-usage-encryption-only", "root.pem", "keyUsage"),
        ("ca-as-signer", "root.pem", "is a CA certificate"),
        ("path-length", "root-pathlen0.pem", "pathLenConstraint"),
        ("expired-intermediate", "root.pem", "has expired"),
    ] {
        let case_dir = chains.join(case);
        let chain = dir.join(format!("{case}-chain.pem"));
        let chain_bytes =
            [std::fs::read(case_dir.join("chain.pem")).unwrap(), std::fs::read(chains.join(root)).unwrap()].concat();
        std::fs::write(&chain, chain_bytes).unwrap();
        let file = dir.join(format!("{case}.docx"));
        std::fs::write(&file, "content").unwrap();
        let result = seloste(&[
            "sign",
            file.to_str().unwrap(),
            "--key",
            case_dir.join("key.pem").to_str().unwrap(),
            "--cert",
            case_dir.join("cert.pem").to_str().unwrap(),
            "--chain",
            chain.to_str().unwrap(),
        ]);
        assert!(!result.status.success(), "{case}: signed");
        assert!(stderr(&result).contains(expected), "{case}: {}", stderr(&result));
        assert!(!PathBuf::from(format!("{}.p7s", file.display())).exists(), "{case}: wrote a signature");
    }
}

/// A record in a scratch folder next to copies of the organisation files and a private key.
fn record_pointing_at(dir: &Path, field: &str, target: &str) -> PathBuf {
    let samples = copy_samples(dir);
    let secret = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRETSECRETSECRET\n-----END PRIVATE KEY-----\n";
    std::fs::write(samples.join("organisations/secret.pem"), secret).unwrap();
    let record = samples.join("huittinen-lastensuojelu.yaml");
    let text = std::fs::read_to_string(&record).unwrap();
    match field {
        "organisation" => std::fs::write(
            &record,
            text.replace("organisation: organisations/huittinen.yaml", &format!("organisation: {target}")),
        )
        .unwrap(),
        "archive_plan" => {
            let organisation = samples.join("organisations/huittinen.yaml");
            let org_text = std::fs::read_to_string(&organisation).unwrap();
            std::fs::write(
                &organisation,
                org_text.replace("archive_plan: ../archive-plan.yaml", &format!("archive_plan: {target}")),
            )
            .unwrap();
        }
        _ => unreachable!(),
    }
    record
}

#[test]
fn an_error_never_shows_the_content_of_a_file_that_is_not_what_it_should_be() {
    let started = Instant::now();
    for (case, field, target, archive) in [
        ("organisation-key", "organisation", "organisations/secret.pem", false),
        ("organisation-dev-zero", "organisation", "/dev/zero", false),
        ("plan-key", "archive_plan", "secret.pem", true),
    ] {
        let dir = scratch(case);
        let record = record_pointing_at(&dir, field, target);
        let out = dir.join("out");
        let result = if archive {
            let archive = dir.join("archive");
            seloste(&[
                "batch",
                record.parent().unwrap().to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--archive",
                archive.to_str().unwrap(),
            ])
        } else {
            seloste(&["render", record.to_str().unwrap(), "-o", out.to_str().unwrap()])
        };
        let said = format!("{}{}", stdout(&result), stderr(&result));
        assert!(!result.status.success(), "{case}: accepted");
        for secret in ["BEGIN", "PRIVATE", "SECRET", "MIGH"] {
            assert!(!said.contains(secret), "{case}: the error shows the file:\n{said}");
        }
        assert!(said.contains("kind") || said.contains("regular file"), "{case}: not refused by kind:\n{said}");
    }
    assert!(started.elapsed() < Duration::from_secs(60), "reading /dev/zero was not bounded");
}

/// Rewrites a bag's manifests and tag manifest after its payload was changed, as someone
/// hiding a change would, so that only the checks beyond BagIt can catch it.
const REMANIFEST: &str = r#"
import hashlib, os, sys
bag = sys.argv[1]
def digest(path, name):
    return hashlib.new(name, open(path, 'rb').read()).hexdigest()
files = sorted(os.path.join(root, f)[len(bag) + 1:] for root, _, fs in os.walk(os.path.join(bag, 'data')) for f in fs)
for name in ('sha512', 'sha256'):
    with open(os.path.join(bag, f'manifest-{name}.txt'), 'w') as out:
        for f in files:
            out.write(f"{digest(os.path.join(bag, f), name)}  {f}\n")
size = sum(os.path.getsize(os.path.join(bag, f)) for f in files)
info = [line for line in open(os.path.join(bag, 'bag-info.txt')) if not line.startswith('Payload-Oxum')]
info.append(f"Payload-Oxum: {size}.{len(files)}\n")
open(os.path.join(bag, 'bag-info.txt'), 'w').write(''.join(info))
with open(os.path.join(bag, 'tagmanifest-sha512.txt'), 'w') as out:
    for f in ('bag-info.txt', 'bagit.txt', 'manifest-sha256.txt', 'manifest-sha512.txt'):
        out.write(f"{digest(os.path.join(bag, f), 'sha512')}  {f}\n")
"#;

#[test]
fn verify_archive_catches_signatures_stripped_with_the_manifests_recomputed() {
    if !have_tool("python3") {
        return;
    }
    let dir = scratch("stripped");
    let samples = copy_samples(&dir);
    let (out, keys, archive) = (dir.join("out"), dir.join("keys"), dir.join("archive"));
    let batch = |extra: &[&str]| {
        let mut args = vec![
            "batch",
            samples.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--archive",
            archive.to_str().unwrap(),
        ];
        args.extend(extra);
        seloste(&args)
    };
    assert!(batch(&["--test-key", keys.to_str().unwrap()]).status.success());
    let bag = archive.join("lieto-lapsiperheet/v0001");
    let data = bag.join("data");
    // An unsigned rendering of the same notice takes the signed one's place, the DOCX
    // signature goes, and every manifest is recomputed.
    let unsigned = dir.join("unsigned");
    let record = samples.join("lieto-lapsiperheet.yaml");
    assert!(seloste(&["render", record.to_str().unwrap(), "-o", unsigned.to_str().unwrap()]).status.success());
    std::fs::copy(unsigned.join("lieto-lapsiperheet.fi.pdf"), data.join("lieto-lapsiperheet.fi.pdf")).unwrap();
    std::fs::remove_file(data.join("lieto-lapsiperheet.fi.docx.p7s")).unwrap();
    assert!(python(REMANIFEST, &[bag.to_str().unwrap()]).status.success());
    let ca = keys.join("ca.pem");
    let verdict = stdout(&seloste(&["verify", archive.to_str().unwrap(), "--trust", ca.to_str().unwrap()]));
    assert!(verdict.contains("lieto-lapsiperheet.fi.pdf: not signed, but its metadata says"), "{verdict}");
    assert!(verdict.contains("lieto-lapsiperheet.fi.docx"), "{verdict}");
    assert!(verdict.contains("size or hash"), "{verdict}");

    // The metadata rewritten too, to say "not signed": a later version still names this
    // one's tag manifest, so the chain breaks.
    let edited = samples.join("lieto-lapsiperheet.yaml");
    std::fs::write(
        &edited,
        std::fs::read_to_string(&edited).unwrap().replace("sosiaalipalveluna.", "sosiaalipalveluna ja perhetyönä."),
    )
    .unwrap();
    let second = dir.join("second");
    std::fs::create_dir_all(&second).unwrap();
    let result = seloste(&[
        "batch",
        samples.to_str().unwrap(),
        "-o",
        second.to_str().unwrap(),
        "--archive",
        archive.to_str().unwrap(),
        "--test-key",
        keys.to_str().unwrap(),
    ]);
    assert!(result.status.success(), "{}", stderr(&result));
    let rewrite = r#"
import json, sys, os
data = os.path.join(sys.argv[1], 'data')
for name in os.listdir(data):
    if name.endswith('.metadata.json'):
        path = os.path.join(data, name)
        meta = json.load(open(path))
        meta['signature'] = None
        meta['identity']['approver'] = None
        document = os.path.join(data, name[:-len('.metadata.json')])
        import hashlib
        content = open(document, 'rb').read()
        meta['file']['sha256'] = hashlib.sha256(content).hexdigest()
        meta['file']['sha512'] = hashlib.sha512(content).hexdigest()
        meta['file']['size'] = len(content)
        json.dump(meta, open(path, 'w'), indent=2, ensure_ascii=False)
        os.remove(path[:-len('.json')] + '.xml')
"#;
    assert!(python(rewrite, &[bag.to_str().unwrap()]).status.success());
    assert!(python(REMANIFEST, &[bag.to_str().unwrap()]).status.success());
    let verdict = stdout(&seloste(&[
        "verify",
        archive.join("lieto-lapsiperheet").to_str().unwrap(),
        "--trust",
        ca.to_str().unwrap(),
    ]));
    assert!(verdict.contains("the chain is broken"), "{verdict}");
}

/// Runs `count` copies of `seloste` with `args_of(i)` at the same moment.
fn at_once(count: usize, args_of: impl Fn(usize) -> Vec<String>) -> Vec<std::process::Output> {
    let children: Vec<std::process::Child> = (0..count)
        .map(|index| {
            Command::new(env!("CARGO_BIN_EXE_seloste"))
                .args(args_of(index))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children.into_iter().map(|child| child.wait_with_output().unwrap()).collect()
}

#[test]
fn shards_and_batches_that_share_one_new_archive_at_once_all_succeed() {
    for attempt in 0..6 {
        let dir = scratch(&format!("shards-{attempt}"));
        let archive = dir.join("archive");
        let results = at_once(4, |index| {
            let out = dir.join(format!("out-{index}"));
            vec![
                "batch".into(),
                samples().display().to_string(),
                "-o".into(),
                out.display().to_string(),
                "--shard".into(),
                format!("{}/4", index + 1),
                "--archive".into(),
                archive.display().to_string(),
                "--jobs".into(),
                "1".into(),
            ]
        });
        for result in &results {
            assert!(result.status.success(), "attempt {attempt}: a shard failed: {}{}", stdout(result), stderr(result));
        }
        let verdict = seloste(&["verify", archive.to_str().unwrap(), "--records", samples().to_str().unwrap()]);
        assert!(verdict.status.success(), "attempt {attempt}: {}", stdout(&verdict));
        let registers = files_in(&archive).into_iter().filter(|path| path.is_dir()).count();
        assert_eq!(registers, 5, "attempt {attempt}: every register archived once");

        // Two whole batches into one archive at once: each register gets one version.
        let shared = dir.join("shared");
        let results = at_once(2, |index| {
            vec![
                "batch".into(),
                samples().display().to_string(),
                "-o".into(),
                dir.join(format!("both-{index}")).display().to_string(),
                "--archive".into(),
                shared.display().to_string(),
            ]
        });
        for result in &results {
            assert!(result.status.success(), "attempt {attempt}: a batch failed: {}", stderr(result));
        }
        for register in files_in(&shared).into_iter().filter(|path| path.is_dir()) {
            let versions: Vec<PathBuf> = files_in(&register).into_iter().filter(|path| path.is_dir()).collect();
            assert_eq!(versions.len(), 1, "attempt {attempt}: {versions:?}");
        }
    }
}

#[test]
fn archive_list_shows_a_register_whose_record_has_no_version() {
    let dir = scratch("missing");
    let archive = dir.join("archive");
    let out = dir.join("out");
    let result = seloste(&[
        "batch",
        samples().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--archive",
        archive.to_str().unwrap(),
        "--shard",
        "1/2",
    ]);
    assert!(result.status.success());
    let listed =
        stdout(&seloste(&["archive", "list", archive.to_str().unwrap(), "--records", samples().to_str().unwrap()]));
    assert!(listed.contains("has no archived version"), "{listed}");
    assert!(
        seloste(&["verify", archive.to_str().unwrap()]).status.success(),
        "without --records, the archive is valid"
    );
    assert!(
        !seloste(&["verify", archive.to_str().unwrap(), "--records", samples().to_str().unwrap()]).status.success()
    );
}

/// Renders a record written from `text` and returns the result and its output folder.
fn render_text(case: &str, text: &str) -> (std::process::Output, PathBuf) {
    let dir = scratch(case);
    let samples = copy_samples(&dir);
    let record = samples.join(format!("{case}.yaml"));
    std::fs::write(&record, text).unwrap();
    let out = dir.join("out");
    (seloste(&["render", record.to_str().unwrap(), "-o", out.to_str().unwrap()]), out)
}

#[test]
fn characters_a_document_cannot_carry_are_refused_with_their_field() {
    for (case, character, expected) in
        [("vertical-tab", "\\v", "U+000B"), ("form-feed", "\\f", "U+000C"), ("emoji", "😀", "cannot be printed")]
    {
        let text = sample_text().replace(
            "  - fi: Lastensuojelun ja sen tukitoimien järjestäminen ja toteuttaminen.",
            &format!("  - fi: \"Lastensuojelun{character} ja sen tukitoimien järjestäminen ja toteuttaminen.\""),
        );
        let (result, out) = render_text(case, &text);
        let message = stderr(&result);
        assert!(!result.status.success(), "{case}: accepted");
        assert!(message.contains("purposes[0].fi") && message.contains(expected), "{case}: {message}");
        assert!(files_in(&out).is_empty(), "{case}: wrote files");
    }
}

#[test]
fn a_byte_order_mark_is_read_and_combining_accents_print_once() {
    if !have_tool("pdftotext") {
        return;
    }
    let text = format!(
        "\u{feff}{}",
        sample_text().replace("Lastensuojelun asiakasrekisteri", "Lastensuojelun asiakasrekiste\u{301}ri")
    );
    let (result, out) = render_text("bom-and-accents", &text);
    assert!(result.status.success(), "{}", stderr(&result));
    let pdf_text = pdf_text(&out.join("huittinen-lastensuojelu.fi.pdf"));
    assert!(pdf_text.contains("Lastensuojelun asiakasrekist\u{e9}ri"), "{pdf_text}");
    assert!(!pdf_text.contains('\u{301}'), "a combining accent in the text layer: {pdf_text}");
}

#[test]
fn a_word_longer_than_a_line_breaks_and_stays_on_the_page() {
    if !have_tool("pdftotext") {
        return;
    }
    let word = "x".repeat(600);
    let text = sample_text()
        .replace("Lastensuojelun ja sen tukitoimien", &format!("Lastensuojelun {word} ja sen tukitoimien"));
    let (result, out) = render_text("long-word", &text);
    assert!(result.status.success(), "{}", stderr(&result));
    let pdf = out.join("huittinen-lastensuojelu.fi.pdf");
    let boxes = stdout(&run("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]));
    let widest = boxes
        .split("xMax=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse::<f64>().ok())
        .fold(0.0, f64::max);
    assert!(widest < 595.0, "text runs off the A4 page: xMax {widest}");
    let all = pdf_text(&pdf).replace(['\u{200b}', ' '], "");
    assert!(all.contains(&word), "the word lost characters");
}

#[test]
fn batch_follows_links_to_folders_once_and_a_link_loop_ends() {
    let dir = scratch("link-loop");
    let samples = copy_samples(&dir);
    std::os::unix::fs::symlink(".", samples.join("again")).unwrap();
    std::os::unix::fs::symlink("..", samples.join("organisations/up")).unwrap();
    let out = dir.join("out");
    let started = Instant::now();
    let result =
        seloste(&["batch", samples.to_str().unwrap(), "-o", out.to_str().unwrap(), "--format", "docx", "--lang", "fi"]);
    assert!(result.status.success(), "{}{}", stdout(&result), stderr(&result));
    assert!(stdout(&result).contains("5 records: 5 rendered"), "{}", stdout(&result));
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn inputs_beyond_the_limits_are_refused_quickly_and_by_name() {
    let big = "x".repeat(15_000);
    let aliases = vec!["*big"; 400].join(", ");
    let bombs = [
        (
            "alias-bomb",
            sample_text().replace(
                "task_class: 05 09 01\n",
                &format!("task_class: 05 09 01\nx-big: &big {big}\nx-many: [{aliases}]\n"),
            ),
            "expands to more than",
        ),
        (
            "long-text",
            sample_text().replace("Lastensuojelun ja sen tukitoimien", &"y".repeat(25_000)),
            "longer than 20000 characters",
        ),
        ("huge-file", format!("{}\n# {}\n", sample_text(), "z".repeat(2 << 20)), "larger than 1024 KiB"),
        (
            "long-list",
            sample_text().replace("purposes:\n", &format!("purposes:\n{}", "  - { fi: a, sv: b }\n".repeat(1_200))),
            "more than 1000 items",
        ),
    ];
    for (case, text, expected) in bombs {
        let started = Instant::now();
        let (result, out) = render_text(case, &text);
        assert!(!result.status.success(), "{case}: accepted");
        assert!(stderr(&result).contains(expected), "{case}: {}", stderr(&result));
        assert!(files_in(&out).is_empty());
        assert!(started.elapsed() < Duration::from_secs(10), "{case} took {:?}", started.elapsed());
    }
    let (result, _) = render_text(
        "long-text-field",
        &sample_text().replace("Lastensuojelun ja sen tukitoimien", &"y".repeat(25_000)),
    );
    assert!(stderr(&result).contains("purposes[0].fi"), "the field is named: {}", stderr(&result));
}

#[test]
fn a_link_at_an_output_name_is_replaced_never_written_through() {
    let dir = scratch("planted-link");
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "root's file").unwrap();
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::os::unix::fs::symlink(&victim, out.join("huittinen-lastensuojelu.fi.docx")).unwrap();
    let record = samples().join("huittinen-lastensuojelu.yaml");
    let result =
        seloste(&["render", record.to_str().unwrap(), "-o", out.to_str().unwrap(), "--lang", "fi", "--format", "docx"]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "root's file");
    assert!(!out.join("huittinen-lastensuojelu.fi.docx").is_symlink());

    // keygen never writes a key through a link, nor over anything at its name.
    let keys = dir.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let attacker = dir.join("attacker-owned");
    std::os::unix::fs::symlink(&attacker, keys.join("key.pem")).unwrap();
    let result = seloste(&["keygen", "-o", keys.to_str().unwrap()]);
    assert!(!result.status.success(), "keygen wrote through a dangling link");
    assert!(!attacker.exists());
    assert!(files_in(&keys).iter().all(|path| !path.to_string_lossy().contains(".partial")));
}

#[test]
fn a_record_whose_archive_version_fails_leaves_nothing_in_the_output_folder() {
    let dir = scratch("archive-fails");
    let archive = dir.join("archive");
    std::fs::create_dir_all(&archive).unwrap();
    std::fs::write(archive.join("seloste-archive.txt"), "seloste archive 1\n").unwrap();
    // A file where the register's folder must go.
    std::fs::write(archive.join("lieto-lapsiperheet"), "not a folder").unwrap();
    let out = dir.join("out");
    let result = seloste(&[
        "batch",
        samples().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--archive",
        archive.to_str().unwrap(),
    ]);
    assert_eq!(result.status.code(), Some(1));
    let written: Vec<PathBuf> = files_in(&out);
    assert!(written.iter().all(|path| !path.to_string_lossy().contains("lieto-lapsiperheet")), "{written:?}");
    assert!(written.iter().all(|path| !path.to_string_lossy().contains(".partial")), "{written:?}");
    assert_eq!(written.len(), 24, "the other four records are written");
}

#[test]
fn what_a_killed_process_left_behind_is_removed_by_the_next_run() {
    let dir = scratch("stale");
    let out = dir.join("out");
    let archive = dir.join("archive");
    std::fs::create_dir_all(&out).unwrap();
    // Names a process that is not running (pid 4194303 is above Linux's largest).
    let stale_file = out.join(".x.fi.pdf.4194303.AbCdEf012345.partial");
    std::fs::write(&stale_file, "half").unwrap();
    assert!(
        seloste(&[
            "batch",
            samples().to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--archive",
            archive.to_str().unwrap()
        ])
        .status
        .success()
    );
    let stale_bag = archive.join("lieto-lapsiperheet/.v0002.partial-4194303-AbCdEf012345");
    std::fs::create_dir_all(stale_bag.join("data")).unwrap();
    let edited_dir = scratch("stale-edited");
    let samples = copy_samples(&edited_dir);
    let edited = samples.join("lieto-lapsiperheet.yaml");
    std::fs::write(
        &edited,
        std::fs::read_to_string(&edited).unwrap().replace("sosiaalipalveluna.", "sosiaalipalveluna ja perhetyönä."),
    )
    .unwrap();
    assert!(
        seloste(&[
            "batch",
            samples.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--archive",
            archive.to_str().unwrap()
        ])
        .status
        .success()
    );
    assert!(!stale_file.exists(), "a stale temporary file stayed");
    assert!(!stale_bag.exists(), "a stale bag folder stayed");
    assert!(archive.join("lieto-lapsiperheet/v0002").is_dir());
}

#[test]
fn two_signatures_are_both_named_and_a_change_between_them_is_reported() {
    if !have_tool("pyhanko") || !have_tool("python3") {
        return;
    }
    let chains = chains();
    let dir = scratch("two-signatures");
    let record = samples().join("huittinen-lastensuojelu.yaml");
    let good = chains.join("good");
    let first_sign = |out: &Path| {
        seloste(&[
            "render",
            record.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--lang",
            "fi",
            "--format",
            "pdf",
            "--key",
            good.join("key.pem").to_str().unwrap(),
            "--cert",
            good.join("cert.pem").to_str().unwrap(),
        ])
    };
    let once = dir.join("once");
    assert!(first_sign(&once).status.success());
    let signed = once.join("huittinen-lastensuojelu.fi.pdf");
    let second = chains.join("good-intermediate");
    let add_signature = |input: &Path, output: &Path| {
        let made = run(
            "pyhanko",
            &[
                "sign",
                "addsig",
                "--field",
                "Sig2",
                "pemder",
                "--key",
                second.join("key.pem").to_str().unwrap(),
                "--cert",
                second.join("cert.pem").to_str().unwrap(),
                "--chain",
                second.join("chain.pem").to_str().unwrap(),
                "--no-pass",
                input.to_str().unwrap(),
                output.to_str().unwrap(),
            ],
        );
        assert!(made.status.success(), "pyhanko: {}", stderr(&made));
    };
    let twice = dir.join("twice.pdf");
    add_signature(&signed, &twice);
    let mut args = vec!["verify".to_owned(), twice.display().to_string()];
    args.extend(trust_args(chains));
    let verdict = stdout(&seloste(&args.iter().map(String::as_str).collect::<Vec<_>>()));
    assert!(verdict.starts_with("valid"), "{verdict}");
    assert!(
        verdict.contains("Good Signer Under Intermediate")
            && verdict.contains("earlier PAdES signature by Good Signer,"),
        "{verdict}"
    );

    // A page changed in an incremental update between the two signatures.
    let changed = dir.join("changed.pdf");
    let rotate = "import sys\nfrom pypdf import PdfWriter\nw = PdfWriter(sys.argv[1], incremental=True)\nw.pages[0].rotate(90)\nw.write(sys.argv[2])";
    let result = python(rotate, &[signed.to_str().unwrap(), changed.to_str().unwrap()]);
    assert!(result.status.success(), "{}", stderr(&result));
    let changed_twice = dir.join("changed-twice.pdf");
    add_signature(&changed, &changed_twice);
    let mut args = vec!["verify".to_owned(), changed_twice.display().to_string()];
    args.extend(trust_args(chains));
    let result = seloste(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let verdict = stdout(&result);
    assert!(!result.status.success() && verdict.contains("was changed after Good Signer signed it"), "{verdict}");
}
