//! Bad input: each case gives one clear error naming the file, the field and the line,
//! exits non-zero and writes nothing. Record text is data: markup characters print as
//! themselves in PDF and DOCX.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// A scratch folder holding a copy of the sample organisation files, so that edited
/// records can refer to them as the samples do.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bad-input").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("organisations")).unwrap();
    for organisation in files_in(&samples().join("organisations")) {
        std::fs::copy(&organisation, dir.join("organisations").join(organisation.file_name().unwrap())).unwrap();
    }
    dir
}

fn sample_text() -> String {
    std::fs::read_to_string(samples().join("huittinen-lastensuojelu.yaml")).unwrap()
}

/// Writes `text` as a record in a fresh scratch folder, renders it, and checks that it
/// fails with a message naming the file and holding each of `expected`, and that no
/// output file appeared.
fn assert_rejected(case: &str, file_name: &str, text: &str, expected: &[&str]) {
    let dir = scratch(case);
    let record = dir.join(file_name);
    std::fs::write(&record, text).unwrap();
    let out = dir.join("out");
    let result = seloste(&["render", record.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let message = stderr(&result);
    assert!(!result.status.success(), "{case}: accepted");
    assert!(message.contains(file_name), "{case}: the error does not name the file:\n{message}");
    for part in expected {
        assert!(message.contains(part), "{case}: the error lacks {part:?}:\n{message}");
    }
    assert_eq!(message.matches("error:").count(), 1, "{case}: not one error:\n{message}");
    assert!(!message.contains("panicked"), "{case}: panic:\n{message}");
    assert!(files_in(&out).is_empty(), "{case}: wrote {:?}", files_in(&out));
}

#[test]
fn malformed_yaml_names_the_line() {
    let text = sample_text().replace("name:\n  fi: Lastensuojelun", "name:\n  fi: [Lastensuojelun");
    assert_rejected("malformed", "malformed.yaml", &text, &["malformed.yaml:20:"]);
}

#[test]
fn missing_required_field_is_named() {
    let text = sample_text().replace("id: huittinen-lastensuojelu\n", "");
    assert_rejected("missing-field", "missing.yaml", &text, &["missing field `id`", "missing.yaml:"]);
}

#[test]
fn unknown_field_gets_a_did_you_mean_hint_and_its_line() {
    let text = sample_text().replace("\npurposes:", "\npurpose:");
    let line = text.lines().position(|line| line.starts_with("purpose:")).unwrap() + 1;
    assert_rejected(
        "unknown-field",
        "unknown.yaml",
        &text,
        &[&format!("unknown.yaml:{line}:"), "unknown field `purpose`", "did you mean `purposes`?"],
    );
}

#[test]
fn unknown_statute_number_is_named_with_field_and_line() {
    let text = sample_text().replace("    - 417/2007\n", "    - 417/2099\n");
    let line = text.lines().position(|line| line.contains("417/2099")).unwrap() + 1;
    assert_rejected(
        "unknown-statute",
        "statute.yaml",
        &text,
        &[&format!("statute.yaml:{line}:"), "legal_basis.statutes[0]", "unknown statute `417/2099`"],
    );
}

#[test]
fn swapped_statute_number_gets_a_hint() {
    let text = sample_text().replace("    - 1301/2014\n", "    - 2014/1301\n");
    assert_rejected("swapped-statute", "swapped.yaml", &text, &["did you mean `1301/2014`?"]);
}

#[test]
fn repealed_statute_is_refused_unless_marked_historical() {
    let text = sample_text().replace("    - 1050/2018\n", "    - 523/1999\n");
    assert_rejected(
        "repealed",
        "repealed.yaml",
        &text,
        &["523/1999", "repealed on 1.1.2019 by 1050/2018", "historical: true"],
    );

    let dir = scratch("historical");
    let record = dir.join("historical.yaml");
    std::fs::write(
        &record,
        sample_text().replace("    - 1050/2018\n", "    - { number: 523/1999, historical: true }\n"),
    )
    .unwrap();
    let result = seloste(&[
        "render",
        record.to_str().unwrap(),
        "-o",
        dir.join("out").to_str().unwrap(),
        "--format",
        "docx",
        "--lang",
        "fi",
    ]);
    assert!(result.status.success(), "{}", stderr(&result));
}

#[test]
fn text_missing_in_a_declared_language_names_field_and_line() {
    let removed = "    sv: Att ordna och genomföra barnskyddet och dess stödåtgärder.\n";
    let text = sample_text().replace(removed, "");
    let line = text.lines().position(|line| line.contains("Lastensuojelun ja sen tukitoimien")).unwrap() + 1;
    assert_rejected(
        "missing-sv",
        "missing-sv.yaml",
        &text,
        &[&format!("missing-sv.yaml:{line}:"), "purposes[0]", "`sv` text is missing"],
    );
}

#[test]
fn invalid_date_names_the_field() {
    let text = sample_text().replacen("date: 2026-11-02", "date: 2026-13-02", 1);
    assert_rejected("bad-date", "date.yaml", &text, &["document.date", "not a date"]);
}

#[test]
fn unreadable_record_and_missing_organisation_file_are_clear_errors() {
    let dir = scratch("unreadable");
    let missing = dir.join("no-such-record.yaml");
    let result = seloste(&["render", missing.to_str().unwrap(), "-o", dir.join("out").to_str().unwrap()]);
    assert!(!result.status.success());
    assert!(stderr(&result).contains("no-such-record.yaml: cannot read"), "{}", stderr(&result));

    let text = sample_text().replace("organisations/huittinen.yaml", "organisations/nowhere.yaml");
    assert_rejected("no-organisation", "orphan.yaml", &text, &["field `organisation`", "nowhere.yaml"]);
}

#[test]
fn a_language_form_the_record_does_not_declare_is_refused() {
    let text = sample_text().replace("languages: [fi, sv]", "languages: [fi]");
    let dir = scratch("undeclared");
    let record = dir.join("fi-only.yaml");
    std::fs::write(&record, text).unwrap();
    let out = dir.join("out");
    let result =
        seloste(&["render", record.to_str().unwrap(), "-o", out.to_str().unwrap(), "--lang", "fi", "--lang", "sv"]);
    assert!(!result.status.success());
    assert!(stderr(&result).contains("not published in `sv`"), "{}", stderr(&result));
    assert!(files_in(&out).is_empty());

    let default = seloste(&["render", record.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(default.status.success(), "{}", stderr(&default));
    let names: Vec<String> =
        files_in(&out).iter().map(|path| path.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["huittinen-lastensuojelu.fi.docx", "huittinen-lastensuojelu.fi.pdf"]);
}

/// Every character that means something in Typst, Handlebars, Markdown or XML.
const MARKUP: &str = r"Tietoja #kaikille *heti* _nyt_ $x$ <b>tag</b> @viite \n [linkki] = {{kaava}} & loppu";

fn record_with_markup(dir: &Path) -> PathBuf {
    let text =
        sample_text().replace("  fi: Lastensuojelun asiakasrekisteri\n", &format!("  fi: '{MARKUP}'\n")).replace(
            "  - fi: Rekisterin tietoja ei yhdistetä muihin henkilörekistereihin.\n",
            &format!("  - fi: '{MARKUP}'\n"),
        );
    let record = dir.join("markup.yaml");
    std::fs::write(&record, text).unwrap();
    record
}

#[test]
fn markup_characters_in_a_record_print_literally_in_pdf() {
    if !have_tool("pdftotext") {
        return;
    }
    let dir = scratch("markup-pdf");
    let record = record_with_markup(&dir);
    let out = dir.join("out");
    let result =
        seloste(&["render", record.to_str().unwrap(), "-o", out.to_str().unwrap(), "--lang", "fi", "--format", "pdf"]);
    assert!(result.status.success(), "{}", stderr(&result));
    let text = pdf_text(&out.join("huittinen-lastensuojelu.fi.pdf"));
    assert!(text.matches(MARKUP).count() >= 2, "the markup did not print literally:\n{text}");
}

#[test]
fn markup_characters_in_a_record_print_literally_in_docx() {
    if !have_tool("python3") {
        return;
    }
    let dir = scratch("markup-docx");
    let record = record_with_markup(&dir);
    let out = dir.join("out");
    let result =
        seloste(&["render", record.to_str().unwrap(), "-o", out.to_str().unwrap(), "--lang", "fi", "--format", "docx"]);
    assert!(result.status.success(), "{}", stderr(&result));
    let script = "import sys, docx\nd = docx.Document(sys.argv[1])\nprint('\\n'.join(p.text for p in d.paragraphs))\nprint(d.core_properties.title)";
    let text = stdout(&python(script, &[out.join("huittinen-lastensuojelu.fi.docx").to_str().unwrap()]));
    assert!(text.matches(MARKUP).count() >= 3, "the markup did not survive in the DOCX:\n{text}");
}

#[test]
fn batch_goes_on_past_a_bad_record_reports_it_and_exits_non_zero() {
    let dir = scratch("batch");
    std::fs::copy(samples().join("lieto-lapsiperheet.yaml"), dir.join("lieto-lapsiperheet.yaml")).unwrap();
    std::fs::copy(samples().join("parkano-lapsiperheet.yaml"), dir.join("parkano-lapsiperheet.yaml")).unwrap();
    std::fs::write(dir.join("broken.yaml"), sample_text().replace("    - 417/2007\n", "    - 417/2099\n")).unwrap();
    std::fs::write(dir.join("notes.yaml"), "title: not a record\n").unwrap();
    let out = dir.join("out");
    let result = seloste(&["batch", dir.to_str().unwrap(), "-o", out.to_str().unwrap(), "--format", "docx"]);
    assert_eq!(result.status.code(), Some(1));
    let report = stdout(&result);
    assert!(stderr(&result).contains("broken.yaml:"), "{}", stderr(&result));
    assert!(report.contains("3 records: 2 rendered"), "{report}");
    assert!(report.contains("1 failed"), "{report}");
    assert!(report.contains("notes.yaml: not a record"), "{report}");
    assert_eq!(files_in(&out).len(), 6, "the good records' files: {:?}", files_in(&out));
    assert!(!files_in(&out).iter().any(|path| path.to_string_lossy().contains("huittinen")));
}

/// Options that shape signatures, given without anything to sign with, are an error
/// naming the option, not silently ignored.
#[test]
fn signature_options_without_a_key_are_refused_by_name() {
    let dir = scratch("signature-options-without-key");
    let record = samples().join("lieto-lapsiperheet.yaml");
    let out = dir.join("out");
    for (option, value, expected) in [
        ("--tsa", "http://127.0.0.1:9/", "--tsa timestamps signatures"),
        ("--level", "B-LT", "--level sets the level of signatures"),
        ("--tsa-chain", "ca.pem", "--tsa-chain completes the TSA's chain"),
    ] {
        let result = seloste(&["render", record.to_str().unwrap(), "-o", out.to_str().unwrap(), option, value]);
        assert!(!result.status.success(), "{option} without a key was accepted");
        assert!(stderr(&result).contains(expected), "{option}: {}", stderr(&result));
        assert!(files_in(&out).is_empty(), "{option}: something was written");
    }
}

/// A mistake in the other signing options is found before a `--test-key` folder is
/// filled: the run fails and leaves no key behind. A certificate file that is not one is
/// named as a certificate file.
#[test]
fn a_signing_option_in_error_leaves_no_test_key_behind() {
    let dir = scratch("signing-option-before-test-key");
    std::fs::write(dir.join("not-pem.pem"), "not a certificate\n").unwrap();
    let record = samples().join("lieto-lapsiperheet.yaml");
    let out = dir.join("out");
    let keys = dir.join("test-key");
    let missing = dir.join("missing.pem");
    let not_pem = dir.join("not-pem.pem");
    for (option, value, expected) in [
        ("--tsa-chain", missing.to_str().unwrap(), "missing.pem: cannot read"),
        ("--tsa-chain", not_pem.to_str().unwrap(), "[certificate.file]"),
        ("--level", "B-T", "--level B-T timestamps the signatures"),
    ] {
        let args =
            ["render", record.to_str().unwrap(), "-o", out.to_str().unwrap(), "--test-key", keys.to_str().unwrap()];
        let result = seloste(&[&args[..], &[option, value]].concat());
        assert!(!result.status.success(), "{option} {value} was accepted");
        assert!(stderr(&result).contains(expected), "{option} {value}: {}", stderr(&result));
        assert!(!keys.exists(), "{option} {value}: a test key was made: {:?}", files_in(&keys));
        assert!(files_in(&out).is_empty(), "{option} {value}: something was written");
    }
}

/// A dry run writes nothing, not even the test key it would sign with; it says it would
/// make one and lists the signed files the real run writes.
#[test]
fn a_dry_run_makes_no_test_key() {
    let dir = scratch("dry-run-test-key");
    let record = samples().join("lieto-lapsiperheet.yaml");
    let out = dir.join("out");
    let keys = dir.join("test-key");
    let args = ["--test-key", keys.to_str().unwrap()];
    let dry =
        seloste(&[&["render", "--dry-run", record.to_str().unwrap(), "-o", out.to_str().unwrap()], &args[..]].concat());
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(!keys.exists() && !out.exists(), "a dry run wrote {:?} {:?}", files_in(&keys), files_in(&out));
    assert!(stdout(&dry).contains("would make a TEST signing key"), "{}", stdout(&dry));
    let real = seloste(&[&["render", record.to_str().unwrap(), "-o", out.to_str().unwrap()], &args[..]].concat());
    assert!(real.status.success(), "{}", stderr(&real));
    let files = |output: &std::process::Output, said: &str| -> Vec<String> {
        stdout(output).lines().filter_map(|line| line.strip_prefix(said)).map(str::to_owned).collect()
    };
    let written = files(&real, "wrote ");
    assert!(written.iter().any(|file| file.ends_with(".p7s")), "nothing signed: {written:?}");
    assert_eq!(files(&dry, "would write "), written, "the dry run's plan is not what the run wrote");
}
