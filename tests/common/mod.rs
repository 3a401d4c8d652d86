//! Helpers shared by the integration tests: running seloste, and running the
//! independent tools that check its output.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn samples() -> PathBuf {
    project_root().join("samples")
}

/// Runs the seloste binary with `args`.
pub fn seloste(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seloste")).args(args).output().expect("the seloste binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Whether an external checking tool is installed. Under CI a missing tool fails the
/// test, because a check that silently does not run proves nothing; elsewhere the
/// test says so loudly and passes, so a developer without the tools can still run
/// the rest (`bash tests/run.sh` installs them).
pub fn have_tool(name: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|output| output.status.success());
    if !found {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{name} is not installed; .ci/run must install it");
        eprintln!("SKIPPED CHECK: {name} is not installed (run `bash tests/run.sh` to install the checking tools)");
    }
    found
}

/// Runs a checking tool; returns its output whatever its exit status.
pub fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program).args(args).output().unwrap_or_else(|err| panic!("cannot run {program}: {err}"))
}

/// `openssl cms -verify` of a detached DER signature over `content`, trusting `ca`, for
/// any purpose; returns its output whatever its exit status.
pub fn openssl_cms_verify(p7s: &Path, content: &Path, ca: &Path) -> Output {
    let (p7s, content, ca) = (p7s.to_str().unwrap(), content.to_str().unwrap(), ca.to_str().unwrap());
    run(
        "openssl",
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            p7s,
            "-content",
            content,
            "-CAfile",
            ca,
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
    )
}

/// The text of a PDF as pdftotext extracts it, with every run of white space made one
/// space, so that a phrase broken over two lines still matches.
pub fn pdf_text(pdf: &Path) -> String {
    let output = run("pdftotext", &["-enc", "UTF-8", pdf.to_str().unwrap(), "-"]);
    assert!(output.status.success(), "pdftotext failed on {}: {}", pdf.display(), stderr(&output));
    normalise(&stdout(&output))
}

pub fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs a Python snippet with `args` in `sys.argv[1:]`.
pub fn python(script: &str, args: &[&str]) -> Output {
    Command::new("python3").arg("-c").arg(script).args(args).output().expect("python3 runs")
}

/// A fresh, empty scratch folder for a test.
pub fn scratch_in(group: &str, name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(group).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A copy of the samples (records, organisation files, archive plan) that a test may edit.
pub fn copy_samples(dir: &Path) -> PathBuf {
    let copy = dir.join("samples");
    for source in files_in(&samples()).into_iter().chain(files_in(&samples().join("organisations"))) {
        if source.is_file() {
            let relative = source.strip_prefix(samples()).unwrap();
            let target = copy.join(relative);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&source, target).unwrap();
        }
    }
    copy
}

/// Files in `dir`, sorted, or none if it does not exist.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|entry| entry.ok().map(|entry| entry.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
}
