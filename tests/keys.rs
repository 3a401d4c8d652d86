//! Keys where organisations keep them: PKCS#12 files (made by OpenSSL with its modern and
//! its legacy algorithms, and by keygen), encrypted PKCS#8 keys, and keys on a PKCS#11
//! token (SoftHSM2, set up by the test). What they sign is checked by pdfsig, pyHanko and
//! `openssl cms -verify`; no password or PIN may appear in anything seloste prints.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

const PASSWORD: &str = "Salasana-7391";
const PIN: &str = "480516";
const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";

fn scratch(name: &str) -> PathBuf {
    scratch_in("keys", name)
}

/// seloste with extra environment variables.
fn seloste_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_seloste"));
    command.args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the seloste binary runs")
}

fn no_secret_in(output: &Output, context: &str) {
    let printed = format!("{}{}", stdout(output), stderr(output));
    for secret in [PASSWORD, PIN, "999999"] {
        assert!(!printed.contains(secret), "{context}: a secret was printed:\n{printed}");
    }
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::write(path, text).unwrap();
    path.to_owned()
}

fn run_ok(program: &str, args: &[&str]) -> Output {
    let output = run(program, args);
    assert!(output.status.success(), "{program} {args:?}: {}{}", stdout(&output), stderr(&output));
    output
}

/// Renders the first sample in Finnish as PDF and DOCX with `key_args`; returns the folder.
fn render_signed(out: &Path, key_args: &[&str], env: &[(&str, &str)]) -> Output {
    let record = samples().join("huittinen-lastensuojelu.yaml");
    let mut args = vec!["render", record.to_str().unwrap(), "-o", out.to_str().unwrap(), "--lang", "fi"];
    args.extend(key_args);
    seloste_with(&args, env)
}

/// Every signature in `out` is valid for seloste, pdfsig, pyHanko and openssl.
fn assert_signed(out: &Path, ca: &Path) {
    let ca = ca.to_str().unwrap();
    let files = files_in(out);
    let mut verify = vec!["verify", "--trust", ca];
    verify.extend(files.iter().filter(|path| !path.to_string_lossy().ends_with(".p7s")).map(|p| p.to_str().unwrap()));
    let verdict = seloste(&verify);
    assert!(verdict.status.success(), "seloste verify: {}{}", stdout(&verdict), stderr(&verdict));
    for pdf in files.iter().filter(|path| path.extension().is_some_and(|ext| ext == "pdf")) {
        let report = stdout(&run("pdfsig", &[pdf.to_str().unwrap()]));
        assert!(report.contains("Signature is Valid."), "pdfsig {}: {report}", pdf.display());
        let pyhanko =
            run("pyhanko", &["sign", "validate", "--trust", ca, "--no-revocation-check", pdf.to_str().unwrap()]);
        let report = stdout(&pyhanko);
        assert!(report.contains("INTACT") && report.contains("TRUSTED"), "pyHanko {}: {report}", pdf.display());
    }
    for p7s in files.iter().filter(|path| path.to_string_lossy().ends_with(".p7s")) {
        let content = PathBuf::from(p7s.to_string_lossy().trim_end_matches(".p7s"));
        let verified = openssl_cms_verify(p7s, &content, Path::new(ca));
        assert!(verified.status.success(), "openssl cms {}: {}", p7s.display(), stderr(&verified));
    }
}

fn tools() -> bool {
    ["openssl", "pdfsig", "pyhanko"].iter().all(|tool| have_tool(tool))
}

#[test]
fn pkcs12_files_and_encrypted_keys_sign_with_their_password() {
    if !tools() {
        return;
    }
    let dir = scratch("pkcs12");
    let password = write(&dir.join("password"), &format!("{PASSWORD}\n"));
    let keys = dir.join("keys");
    let made =
        seloste(&["keygen", "-o", keys.to_str().unwrap(), "--p12", "--key-password-file", password.to_str().unwrap()]);
    assert!(made.status.success(), "{}", stderr(&made));
    no_secret_in(&made, "keygen --p12");
    let (key, cert, ca) = (keys.join("key.pem"), keys.join("cert.pem"), keys.join("ca.pem"));
    let pass = format!("file:{}", password.display());
    for (name, legacy) in [("modern", false), ("legacy", true)] {
        let p12 = dir.join(format!("{name}.p12"));
        let mut args = vec!["pkcs12", "-export", "-inkey", key.to_str().unwrap(), "-in", cert.to_str().unwrap()];
        args.extend(["-certfile", ca.to_str().unwrap(), "-passout", &pass, "-out", p12.to_str().unwrap()]);
        if legacy {
            args.push("-legacy");
        }
        run_ok("openssl", &args);
    }
    let encrypted = dir.join("encrypted.pem");
    run_ok(
        "openssl",
        &[
            "pkcs8",
            "-topk8",
            "-in",
            key.to_str().unwrap(),
            "-v2",
            "aes-256-cbc",
            "-passout",
            &pass,
            "-out",
            encrypted.to_str().unwrap(),
        ],
    );
    let password_file = password.to_str().unwrap();
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("keygen", vec!["--key".into(), keys.join("key.p12").display().to_string()]),
        ("modern", vec!["--key".into(), dir.join("modern.p12").display().to_string()]),
        ("legacy", vec!["--key".into(), dir.join("legacy.p12").display().to_string()]),
        (
            "encrypted",
            vec!["--key".into(), encrypted.display().to_string(), "--cert".into(), cert.display().to_string()],
        ),
    ];
    for (name, key_args) in cases {
        let out = dir.join(format!("out-{name}"));
        let mut args: Vec<&str> = key_args.iter().map(String::as_str).collect();
        args.extend(["--key-password-env", "SELOSTE_TEST_PASSWORD"]);
        let result = render_signed(&out, &args, &[("SELOSTE_TEST_PASSWORD", PASSWORD)]);
        assert!(result.status.success(), "{name}: {}", stderr(&result));
        no_secret_in(&result, name);
        assert_signed(&out, &ca);
        let mut args: Vec<&str> = key_args.iter().map(String::as_str).collect();
        args.extend(["--key-password-file", password_file]);
        let result = render_signed(&dir.join(format!("out-{name}-file")), &args, &[]);
        assert!(result.status.success(), "{name} with --key-password-file: {}", stderr(&result));
    }
}

#[test]
fn a_wrong_or_missing_password_or_certificate_is_a_clear_error_and_writes_nothing() {
    if !have_tool("openssl") {
        return;
    }
    let dir = scratch("wrong-password");
    let password = write(&dir.join("password"), PASSWORD);
    let wrong = write(&dir.join("wrong"), "999999");
    let keys = dir.join("keys");
    let made =
        seloste(&["keygen", "-o", keys.to_str().unwrap(), "--p12", "--key-password-file", password.to_str().unwrap()]);
    assert!(made.status.success(), "{}", stderr(&made));
    let other = dir.join("other");
    assert!(seloste(&["keygen", "-o", other.to_str().unwrap()]).status.success());
    let p12 = keys.join("key.p12");
    let (other_cert, pem_key) = (other.join("cert.pem"), keys.join("key.pem"));
    let out = dir.join("out");
    let cases: [(&str, Vec<&str>, &str); 4] = [
        (
            "wrong password",
            vec!["--key", p12.to_str().unwrap(), "--key-password-file", wrong.to_str().unwrap()],
            "does not open",
        ),
        ("no password", vec!["--key", p12.to_str().unwrap()], "--key-password-file"),
        (
            "someone else's certificate",
            vec![
                "--key",
                p12.to_str().unwrap(),
                "--key-password-file",
                password.to_str().unwrap(),
                "--cert",
                other_cert.to_str().unwrap(),
            ],
            "does not belong to the certificate",
        ),
        ("a PEM key without a certificate", vec!["--key", pem_key.to_str().unwrap()], "--cert"),
    ];
    for (case, args, expected) in cases {
        let result = render_signed(&out, &args, &[]);
        assert_eq!(result.status.code(), Some(1), "{case}: {}", stderr(&result));
        assert!(stderr(&result).contains(expected), "{case}: {}", stderr(&result));
        no_secret_in(&result, case);
        assert!(!out.exists() || files_in(&out).is_empty(), "{case}: files were written");
    }
}

/// A SoftHSM2 token made for the test, with an ECDSA and an RSA key and their
/// certificates from a CA made here.
struct Token {
    env: Vec<(String, String)>,
    pin_file: PathBuf,
    ca: PathBuf,
    dir: PathBuf,
}

impl Token {
    fn env(&self) -> Vec<(&str, &str)> {
        self.env.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect()
    }

    fn tool(&self, program: &str, args: &[&str]) -> Output {
        let mut command = Command::new(program);
        command.args(args);
        for (name, value) in &self.env {
            command.env(name, value);
        }
        let output = command.output().unwrap_or_else(|err| panic!("cannot run {program}: {err}"));
        assert!(output.status.success(), "{program} {args:?}: {}{}", stdout(&output), stderr(&output));
        output
    }

    /// pkcs11-tool, logged in to the test token.
    fn pkcs11_tool(&self, args: &[&str]) -> Output {
        let login = ["--module", SOFTHSM, "--token-label", "seloste-test", "--login", "--pin", PIN];
        self.tool("pkcs11-tool", &[&login[..], args].concat())
    }

    fn write_object(&self, kind: &str, file: &Path, id: &str, label: &str) {
        self.pkcs11_tool(&["--write-object", file.to_str().unwrap(), "--type", kind, "--id", id, "--label", label]);
    }

    fn new(name: &str) -> Token {
        let dir = scratch(name);
        let tokens = dir.join("tokens");
        std::fs::create_dir_all(&tokens).unwrap();
        let conf = write(
            &dir.join("softhsm2.conf"),
            &format!("directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n", tokens.display()),
        );
        let token = Token {
            env: vec![("SOFTHSM2_CONF".into(), conf.display().to_string())],
            pin_file: write(&dir.join("pin"), &format!("{PIN}\n")),
            ca: dir.join("ca.pem"),
            dir: dir.clone(),
        };
        token.tool(
            "softhsm2-util",
            &["--init-token", "--free", "--label", "seloste-test", "--pin", PIN, "--so-pin", "12345678"],
        );
        // A CA and two signers, an ECDSA P-256 and an RSA 2048 key.
        let file = |name: &str| dir.join(name).display().to_string();
        let extensions = write(
            &dir.join("signer.ext"),
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n",
        );
        run_ok(
            "openssl",
            &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", &file("ca.key")],
        );
        run_ok(
            "openssl",
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                &file("ca.key"),
                "-subj",
                "/CN=Token TEST CA/O=seloste",
                "-days",
                "3650",
                "-out",
                &file("ca.pem"),
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        for (key, algorithm) in [
            ("ec", vec!["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
            ("rsa", vec!["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
        ] {
            let key_file = file(&format!("{key}.key"));
            let mut args = vec!["genpkey"];
            args.extend(algorithm);
            args.extend(["-out", &key_file]);
            run_ok("openssl", &args);
            let request = file(&format!("{key}.csr"));
            run_ok(
                "openssl",
                &[
                    "req",
                    "-new",
                    "-key",
                    &key_file,
                    "-subj",
                    &format!("/CN=Token TEST signer {key}/O=seloste"),
                    "-out",
                    &request,
                ],
            );
            let certificate = file(&format!("{key}.pem"));
            run_ok(
                "openssl",
                &[
                    "x509",
                    "-req",
                    "-in",
                    &request,
                    "-CA",
                    &file("ca.pem"),
                    "-CAkey",
                    &file("ca.key"),
                    "-days",
                    "3650",
                    "-extfile",
                    extensions.to_str().unwrap(),
                    "-out",
                    &certificate,
                ],
            );
            let der = file(&format!("{key}.der"));
            run_ok("openssl", &["x509", "-in", &certificate, "-outform", "DER", "-out", &der]);
            let id = if key == "ec" { "01" } else { "02" };
            token.tool(
                "softhsm2-util",
                &[
                    "--import",
                    &key_file,
                    "--token",
                    "seloste-test",
                    "--label",
                    &format!("signer-{key}"),
                    "--id",
                    id,
                    "--pin",
                    PIN,
                ],
            );
            token.write_object("cert", Path::new(&der), id, &format!("signer-{key}"));
        }
        token
    }
}

fn token_tools() -> bool {
    tools() && have_tool("softhsm2-util") && have_tool("pkcs11-tool")
}

#[test]
fn keys_on_a_pkcs11_token_sign_as_file_keys_do() {
    if !token_tools() {
        return;
    }
    let token = Token::new("token");
    let pin = token.pin_file.to_str().unwrap();
    for (key, padding) in [("ec", None), ("rsa", None), ("rsa", Some("--rsa-pss"))] {
        let out = token.dir.join(format!("out-{key}{}", padding.unwrap_or_default()));
        let uri = format!("pkcs11:token=seloste-test;object=signer-{key}");
        let mut args = vec!["--key", &uri, "--pkcs11-module", SOFTHSM, "--pin-file", pin];
        args.extend(padding);
        let result = render_signed(&out, &args, &token.env());
        assert!(result.status.success(), "{key}: {}", stderr(&result));
        no_secret_in(&result, key);
        assert_signed(&out, &token.ca);
    }
    // RSA-PSS from a key file too; the signature names RSASSA-PSS with SHA-256.
    let out = token.dir.join("out-file-pss");
    let (key, cert) = (token.dir.join("rsa.key"), token.dir.join("rsa.pem"));
    let result =
        render_signed(&out, &["--key", key.to_str().unwrap(), "--cert", cert.to_str().unwrap(), "--rsa-pss"], &[]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert_signed(&out, &token.ca);
    let p7s = out.join("huittinen-lastensuojelu.fi.docx.p7s");
    let printed =
        stdout(&run_ok("openssl", &["cms", "-cmsout", "-print", "-inform", "DER", "-in", p7s.to_str().unwrap()]));
    assert!(printed.contains("rsassaPss"), "{printed}");
    // A whole batch through the token, with the PIN from the environment.
    let out = token.dir.join("batch");
    let mut env = token.env();
    env.push(("SELOSTE_TEST_PIN", PIN));
    let batch = seloste_with(
        &[
            "batch",
            samples().to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--key",
            "pkcs11:token=seloste-test;id=%01",
            "--pkcs11-module",
            SOFTHSM,
            "--pin-env",
            "SELOSTE_TEST_PIN",
        ],
        &env,
    );
    assert!(batch.status.success(), "{}{}", stdout(&batch), stderr(&batch));
    no_secret_in(&batch, "batch");
    let pdfs: Vec<PathBuf> =
        files_in(&out).into_iter().filter(|path| path.extension().is_some_and(|e| e == "pdf")).collect();
    assert_eq!(pdfs.len(), 15);
    let mut verify = vec!["verify", "--trust", token.ca.to_str().unwrap()];
    verify.extend(pdfs.iter().map(|path| path.to_str().unwrap()));
    let verdict = seloste(&verify);
    assert!(verdict.status.success(), "{}", stdout(&verdict));

    // The organisation file's own `signing:` names the token, the module and the PIN's file.
    let copy = copy_samples(&token.dir.join("organisation"));
    let organisation = copy.join("organisations").join("huittinen.yaml");
    let text = std::fs::read_to_string(&organisation).unwrap();
    let signing = format!(
        "signing:\n  key: \"pkcs11:token=seloste-test;object=signer-rsa\"\n  pkcs11_module: {SOFTHSM}\n  pin_file: {}\n",
        token.pin_file.display()
    );
    std::fs::write(&organisation, format!("{text}\n{signing}")).unwrap();
    let record = copy.join("huittinen-lastensuojelu.yaml");
    let out = token.dir.join("organisation-out");
    let result = seloste_with(
        &["render", record.to_str().unwrap(), "-o", out.to_str().unwrap(), "--lang", "fi", "--sign"],
        &token.env(),
    );
    assert!(result.status.success(), "{}", stderr(&result));
    assert_signed(&out, &token.ca);
}

#[test]
fn token_errors_are_clear_stop_at_the_first_wrong_pin_and_never_show_it() {
    if !token_tools() {
        return;
    }
    let token = Token::new("token-errors");
    // A second key under the label of the first, for an ambiguous URI.
    token.tool(
        "softhsm2-util",
        &[
            "--import",
            token.dir.join("rsa.key").to_str().unwrap(),
            "--token",
            "seloste-test",
            "--label",
            "signer-ec",
            "--id",
            "03",
            "--pin",
            PIN,
        ],
    );
    // A key that asks for the PIN at every signature, as a citizen card's signing key.
    token.pkcs11_tool(&[
        "--keypairgen",
        "--key-type",
        "EC:prime256v1",
        "--id",
        "04",
        "--label",
        "always",
        "--always-auth",
    ]);
    let wrong_pin = write(&token.dir.join("wrong-pin"), "999999");
    let not_a_module = token.dir.join("pin");
    let pin = token.pin_file.to_str().unwrap();
    let out = token.dir.join("out");
    let cases: [(&str, Vec<&str>, &str); 8] = [
        (
            "wrong PIN",
            vec![
                "--key",
                "pkcs11:token=seloste-test;id=%02",
                "--pkcs11-module",
                SOFTHSM,
                "--pin-file",
                wrong_pin.to_str().unwrap(),
            ],
            "did not accept the PIN",
        ),
        ("no module", vec!["--key", "pkcs11:token=seloste-test;id=%02", "--pin-file", pin], "--pkcs11-module"),
        (
            "missing module",
            vec![
                "--key",
                "pkcs11:token=seloste-test;id=%02",
                "--pkcs11-module",
                "/nonexistent/libpkcs11.so",
                "--pin-file",
                pin,
            ],
            "not there",
        ),
        (
            "not a module",
            vec![
                "--key",
                "pkcs11:token=seloste-test;id=%02",
                "--pkcs11-module",
                not_a_module.to_str().unwrap(),
                "--pin-file",
                pin,
            ],
            "not a PKCS#11 module",
        ),
        (
            "ambiguous URI",
            vec!["--key", "pkcs11:token=seloste-test;object=signer-ec", "--pkcs11-module", SOFTHSM, "--pin-file", pin],
            "2 keys match",
        ),
        (
            "no such token",
            vec!["--key", "pkcs11:token=elsewhere;object=signer-ec", "--pkcs11-module", SOFTHSM, "--pin-file", pin],
            "no token matches",
        ),
        (
            "a PIN for every signature",
            vec!["--key", "pkcs11:token=seloste-test;id=%04", "--pkcs11-module", SOFTHSM, "--pin-file", pin],
            "CKA_ALWAYS_AUTHENTICATE",
        ),
        (
            "a PIN in the URI",
            vec!["--key", "pkcs11:token=seloste-test;object=signer-ec?pin-value=999999", "--pkcs11-module", SOFTHSM],
            "--pin-file",
        ),
    ];
    for (case, args, expected) in cases {
        let result = render_signed(&out, &args, &token.env());
        assert_eq!(result.status.code(), Some(1), "{case}: {}", stderr(&result));
        assert!(stderr(&result).contains(expected), "{case}: {}", stderr(&result));
        no_secret_in(&result, case);
        assert!(!out.exists() || files_in(&out).is_empty(), "{case}: files were written");
    }
    // A batch whose organisation file names a wrong PIN tries it once, for the first of the
    // organisation's records, and not again for the others.
    let copy = copy_samples(&token.dir.join("wrong-pin-batch"));
    let organisation = copy.join("organisations").join("huittinen.yaml");
    let text = std::fs::read_to_string(&organisation).unwrap();
    let signing = format!(
        "signing:\n  key: \"pkcs11:token=seloste-test;id=%02\"\n  pkcs11_module: {SOFTHSM}\n  pin_file: {}\n",
        wrong_pin.display()
    );
    std::fs::write(&organisation, format!("{text}\n{signing}")).unwrap();
    let batch_out = token.dir.join("wrong-pin-out");
    let batch = seloste_with(
        &["batch", copy.to_str().unwrap(), "-o", batch_out.to_str().unwrap(), "--sign", "--format", "pdf"],
        &token.env(),
    );
    assert_eq!(batch.status.code(), Some(1), "{}", stderr(&batch));
    let printed = format!("{}{}", stdout(&batch), stderr(&batch));
    // Each failure is printed as it happens (`failed: …`) and again in the summary.
    let failures: Vec<&str> = printed.lines().filter(|line| line.starts_with("failed: ")).collect();
    let lines_for = |phrase: &str| failures.iter().filter(|line| line.contains(phrase)).count();
    let tried = failures.iter().filter(|line| line.contains("did not accept") && !line.contains("not tried again"));
    assert_eq!(tried.count(), 1, "{printed}");
    assert_eq!(lines_for("not tried again"), 1, "the organisation's second record: {printed}");
    no_secret_in(&batch, "batch with a wrong PIN");
    // One wrong PIN was tried once: the right one still opens the token.
    let result = render_signed(
        &out,
        &["--key", "pkcs11:token=seloste-test;id=%02", "--pkcs11-module", SOFTHSM, "--pin-file", pin],
        &token.env(),
    );
    assert!(result.status.success(), "{}", stderr(&result));
}

/// Regression: a batch killed while it made its --test-key folder left `ca.pem` without
/// `key.pem`, and every later run refused to overwrite it. The test kills each batch the
/// moment the first key file exists, in place or in a folder beside it. Batches started
/// together with one new folder must all sign with the key that one of them made.
#[test]
fn a_test_key_folder_appears_whole_even_when_its_maker_is_killed_or_races() {
    let dir = scratch("test-key-whole");
    let binary = env!("CARGO_BIN_EXE_seloste");
    let batch = |keys: &Path, out: &str| {
        let mut command = Command::new(binary);
        command.args(["batch", samples().to_str().unwrap(), "-o", dir.join(out).to_str().unwrap()]);
        command.args(["--format", "docx", "--test-key", keys.to_str().unwrap()]);
        command.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped());
        command
    };
    let keys = dir.join("keys");
    let mut child = batch(&keys, "out").spawn().unwrap();
    let started = std::time::Instant::now();
    while !first_key_file_written(&dir) {
        assert!(started.elapsed().as_secs() < 60, "no key file appeared");
        std::thread::sleep(std::time::Duration::from_micros(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    let present: Vec<bool> = ["ca.pem", "cert.pem", "key.pem"].iter().map(|name| keys.join(name).exists()).collect();
    assert!(present.iter().all(|&is| is == present[0]), "a partial key folder: {present:?}");
    let rerun = batch(&keys, "out").output().unwrap();
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert!(no_partial_folders(&dir), "the killed batch's folder was left behind");

    for round in 0..3 {
        let shared = dir.join(format!("keys-shared-{round}"));
        let racers: Vec<_> =
            ["out-a", "out-b", "out-c"].iter().map(|out| batch(&shared, out).spawn().unwrap()).collect();
        for racer in racers {
            let finished = racer.wait_with_output().unwrap();
            assert!(finished.status.success(), "{}", stderr(&finished));
        }
    }
    assert!(no_partial_folders(&dir));
}

/// Whether a `ca.pem` exists in `dir`'s `keys` folder or in a temporary folder beside it.
fn first_key_file_written(dir: &Path) -> bool {
    dir.join("keys/ca.pem").exists()
        || files_in(dir).iter().any(|path| path.to_string_lossy().contains(".partial-") && path.join("ca.pem").exists())
}

fn no_partial_folders(dir: &Path) -> bool {
    !files_in(dir).iter().any(|path| path.to_string_lossy().contains(".partial-"))
}
