//! The bundled samples, rendered once, checked with tools that are not ours:
//! pdftotext, pdfinfo, qpdf, LibreOffice, python-docx and jsonschema.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use seloste::text::Lang;
use seloste::{Assets, Engine, LangForm, Register};

const RECORDS: [&str; 5] = [
    "huittinen-lastensuojelu",
    "huittinen-sosiaalihuolto",
    "lieto-lapsiperheet",
    "parkano-lapsiperheet",
    "uusikaupunki-sosiaalityo",
];

/// The samples rendered by `seloste batch samples`, once per test run.
fn rendered() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("samples-rendered");
        let _ = std::fs::remove_dir_all(&dir);
        let output = seloste(&["batch", samples().to_str().unwrap(), "-o", dir.to_str().unwrap()]);
        assert!(output.status.success(), "batch failed:\n{}{}", stdout(&output), stderr(&output));
        dir
    })
}

fn engine() -> Engine {
    Engine::new(&Assets::embedded()).expect("the built-in templates load")
}

fn register(engine: &Engine, id: &str) -> Register {
    engine.load(&samples().join(format!("{id}.yaml"))).expect("the sample loads")
}

fn output(id: &str, form: LangForm, extension: &str) -> PathBuf {
    rendered().join(format!("{id}.{}.{extension}", form.file_code()))
}

#[test]
fn every_sample_renders_in_fi_sv_and_fi_sv_as_pdf_and_docx() {
    let mut expected: Vec<String> = Vec::new();
    for id in RECORDS {
        for form in LangForm::ALL {
            for extension in ["pdf", "docx"] {
                expected.push(format!("{id}.{}.{extension}", form.file_code()));
            }
        }
    }
    expected.sort();
    let found: Vec<String> =
        files_in(rendered()).iter().map(|path| path.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(found, expected);
}

#[test]
fn pdf_text_holds_name_controller_document_type_page_marker_and_statute_titles() {
    if !have_tool("pdftotext") {
        return;
    }
    let engine = engine();
    for id in RECORDS {
        let register = register(&engine, id);
        for form in LangForm::ALL {
            let text = pdf_text(&output(id, form, "pdf"));
            assert!(text.contains("1 ("), "{id} {form:?}: no page marker `1 (`");
            for &lang in form.languages() {
                let name = normalise(register.record.name.get(lang));
                assert!(text.contains(&name), "{id} {form:?}: register name {name:?} missing");
                let controller = register.organisation.name.get(lang);
                assert!(text.contains(controller), "{id} {form:?}: controller {controller:?} missing");
                let doc_type = match lang {
                    Lang::Fi => "TIETOSUOJASELOSTE",
                    Lang::Sv => "DATASKYDDSBESKRIVNING",
                };
                assert!(text.contains(doc_type), "{id} {form:?}: {doc_type} missing");
                for citation in &register.record.legal_basis.statutes {
                    let cited = normalise(&engine.statutes().cite(citation, lang, None));
                    assert!(text.contains(&cited), "{id} {form:?}: statute {cited:?} missing");
                }
            }
        }
    }
}

#[test]
fn statute_titles_print_in_the_language_of_the_notice() {
    if !have_tool("pdftotext") {
        return;
    }
    let fi = pdf_text(&output("huittinen-lastensuojelu", LangForm::Fi, "pdf"));
    let sv = pdf_text(&output("huittinen-lastensuojelu", LangForm::Sv, "pdf"));
    assert!(fi.contains("Lastensuojelulaki (417/2007)"));
    assert!(!fi.contains("Barnskyddslag"));
    assert!(sv.contains("Barnskyddslag (417/2007)"));
    assert!(!sv.contains("Lastensuojelulaki"));
    assert!(fi.contains("(621/1999) 24 § 1 mom. 25 kohta"));
    assert!(sv.contains("(621/1999) 24 § 1 mom. 25 punkten"), "section references print in Swedish");
    assert!(!sv.contains("kohta") && !sv.contains(" ja "), "Finnish words in the Swedish notice");
    assert!(fi.contains("Tietosuojavaltuutetun toimisto"));
    assert!(sv.contains("Dataombudsmannens byrå"));
}

#[test]
fn pdfs_are_tagged_pdf_a_2a_and_pdf_ua_1_and_pass_qpdf_check() {
    if !have_tool("pdfinfo") || !have_tool("qpdf") {
        return;
    }
    for id in RECORDS {
        for form in LangForm::ALL {
            let pdf = output(id, form, "pdf");
            let path = pdf.to_str().unwrap();
            let info = stdout(&run("pdfinfo", &[path]));
            assert!(
                info.lines().any(|line| line.starts_with("Tagged:") && line.ends_with("yes")),
                "{path}: not tagged"
            );
            assert!(info.contains("Title:"), "{path}: no title");
            let xmp = normalise(&stdout(&run("pdfinfo", &["-meta", path])));
            for expected in [
                "<pdfaid:part>2</pdfaid:part>",
                "<pdfaid:conformance>A</pdfaid:conformance>",
                "<pdfuaid:part>1</pdfuaid:part>",
            ] {
                assert!(xmp.contains(expected), "{path}: XMP lacks {expected}");
            }
            let check = run("qpdf", &["--check", path]);
            assert_eq!(check.status.code(), Some(0), "{path}: qpdf --check:\n{}", stdout(&check));
        }
    }
}

/// The languages of the structure elements of a PDF, as qpdf reads them.
fn structure_languages(pdf: &Path) -> Vec<String> {
    let json = run("qpdf", &["--json", "--json-key=qpdf", pdf.to_str().unwrap()]);
    assert!(json.status.success(), "qpdf --json failed on {}", pdf.display());
    let tree: serde_json::Value = serde_json::from_slice(&json.stdout).expect("qpdf prints JSON");
    let objects = tree["qpdf"][1].as_object().expect("qpdf's JSON lists the objects");
    objects
        .values()
        .filter_map(|object| object.get("value"))
        .filter(|value| value.get("/Type").and_then(|kind| kind.as_str()) == Some("/StructElem"))
        .filter_map(|value| {
            value.get("/Lang").and_then(|lang| lang.as_str()).map(|lang| lang.trim_start_matches("u:").to_owned())
        })
        .collect()
}

#[test]
fn bilingual_pdfs_tag_the_swedish_structure_elements_sv() {
    if !have_tool("qpdf") {
        return;
    }
    for id in RECORDS {
        let bilingual = structure_languages(&output(id, LangForm::FiSv, "pdf"));
        assert!(bilingual.iter().any(|lang| lang.starts_with("sv")), "{id}: no structure element with /Lang sv");
        let finnish = structure_languages(&output(id, LangForm::Fi, "pdf"));
        assert!(!finnish.iter().any(|lang| lang.starts_with("sv")), "{id}: Swedish tags in the Finnish notice");
    }
}

#[test]
fn docx_files_open_in_libreoffice_and_hold_the_register_name() {
    if !have_tool("soffice") || !have_tool("pdftotext") {
        return;
    }
    let converted = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("libreoffice");
    let profile = converted.join("profile");
    let _ = std::fs::remove_dir_all(&converted);
    let docx: Vec<PathBuf> =
        files_in(rendered()).into_iter().filter(|path| path.extension().is_some_and(|ext| ext == "docx")).collect();
    let mut args = vec![
        format!("-env:UserInstallation=file://{}", profile.display()),
        "--headless".to_owned(),
        "--convert-to".to_owned(),
        "pdf".to_owned(),
        "--outdir".to_owned(),
        converted.display().to_string(),
    ];
    args.extend(docx.iter().map(|path| path.display().to_string()));
    let result = run("soffice", &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(result.status.success(), "soffice failed: {}", stderr(&result));

    let engine = engine();
    for id in RECORDS {
        let register = register(&engine, id);
        for form in LangForm::ALL {
            let pdf = converted.join(format!("{id}.{}.pdf", form.file_code()));
            assert!(pdf.exists(), "LibreOffice did not convert {id} {form:?}");
            let text = pdf_text(&pdf);
            for &lang in form.languages() {
                let name = normalise(register.record.name.get(lang));
                assert!(text.contains(&name), "{id} {form:?}: {name:?} missing from the LibreOffice rendering");
            }
        }
    }
}

const DOCX_REPORT: &str = r#"
import sys, docx
from docx.oxml.ns import qn
d = docx.Document(sys.argv[1])
headings = [p.text for p in d.paragraphs if p.style is not None and p.style.name.startswith("Heading")]
langs = set()
repeated = 0
for p in d.paragraphs:
    for r in p.runs:
        rpr = r._r.rPr
        tags = rpr.findall(qn("w:lang")) if rpr is not None else []
        repeated += len(tags) > 1
        langs.update(tag.get(qn("w:val")) for tag in tags)
print(len(headings))
print(" ".join(sorted(langs)))
print(d.core_properties.title)
print(d.core_properties.language)
print(repeated)
"#;

#[test]
fn docx_has_word_heading_styles_run_languages_and_core_properties() {
    if !have_tool("python3") {
        return;
    }
    let engine = engine();
    for id in RECORDS {
        let register = register(&engine, id);
        for form in LangForm::ALL {
            let docx = output(id, form, "docx");
            let report = python(DOCX_REPORT, &[docx.to_str().unwrap()]);
            assert!(report.status.success(), "python-docx cannot read {}: {}", docx.display(), stderr(&report));
            let report = stdout(&report);
            let lines: Vec<&str> = report.lines().collect();
            let headings: usize = lines[0].parse().unwrap();
            assert!(headings >= 10, "{id} {form:?}: only {headings} Heading paragraphs");
            let expected_langs: Vec<&str> = form.languages().iter().map(|lang| lang.tag()).collect();
            assert_eq!(lines[1], expected_langs.join(" "), "{id} {form:?}: run languages");
            assert!(
                lines[2].contains(register.record.name.get(form.languages()[0])),
                "{id} {form:?}: title {}",
                lines[2]
            );
            assert_eq!(lines[3], form.languages()[0].tag());
            assert_eq!(lines[4], "0", "{id} {form:?}: runs with more than one w:lang");
        }
    }
}

#[test]
fn rendering_again_gives_identical_bytes() {
    let again = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("samples-again");
    let _ = std::fs::remove_dir_all(&again);
    let output = seloste(&["batch", samples().to_str().unwrap(), "-o", again.to_str().unwrap()]);
    assert!(output.status.success());
    let first = files_in(rendered());
    assert_eq!(first.len(), files_in(&again).len());
    for path in first {
        let name = path.file_name().unwrap();
        assert!(
            std::fs::read(&path).unwrap() == std::fs::read(again.join(name)).unwrap(),
            "{name:?} differs between two runs"
        );
    }
}

#[test]
fn rendering_twice_in_one_process_gives_identical_bytes() {
    let engine = engine();
    let register = register(&engine, "uusikaupunki-sosiaalityo");
    let first = engine.produce(&register, &[], &seloste::Format::DEFAULT, None).unwrap();
    let second = engine.produce(&register, &[], &seloste::Format::DEFAULT, None).unwrap();
    for (a, b) in first.iter().zip(&second) {
        assert!(a.bytes == b.bytes, "{} differs within one process", a.file_name);
    }
}

const VALIDATE: &str = r#"
import sys, json, yaml, jsonschema
schema = json.loads(sys.argv[1])
for path in sys.argv[2:]:
    # YAML reads 2026-11-02 as a date; the record format, like JSON, treats it as text.
    record = json.loads(json.dumps(yaml.safe_load(open(path, encoding="utf-8")), default=str))
    jsonschema.validate(record, schema)
print("valid")
"#;

#[test]
fn sample_records_and_organisations_validate_against_the_printed_schema() {
    if !have_tool("python3") {
        return;
    }
    for (of, files) in [
        ("record", RECORDS.iter().map(|id| samples().join(format!("{id}.yaml"))).collect::<Vec<_>>()),
        ("organisation", files_in(&samples().join("organisations"))),
    ] {
        let schema = seloste(&["schema", of]);
        assert!(schema.status.success());
        let mut args = vec![stdout(&schema)];
        args.extend(files.iter().map(|path| path.display().to_string()));
        let result = python(VALIDATE, &args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(result.status.success(), "{of} schema rejects a sample: {}", stderr(&result));
    }
}

/// `--format json` writes the composed notice alone: the same bytes the PDF layout reads
/// as its data.
#[test]
fn json_format_writes_exactly_the_composed_notice() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("samples-json");
    let _ = std::fs::remove_dir_all(&dir);
    let record = samples().join("lieto-lapsiperheet.yaml");
    let output =
        seloste(&["render", record.to_str().unwrap(), "-o", dir.to_str().unwrap(), "--format", "json", "--lang", "sv"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let written = files_in(&dir);
    assert_eq!(written, vec![dir.join("lieto-lapsiperheet.sv.json")]);

    let engine = engine();
    let composed = engine.compose(&register(&engine, "lieto-lapsiperheet"), LangForm::Sv, None).unwrap();
    assert!(std::fs::read(&written[0]).unwrap() == serde_json::to_vec(&composed).unwrap());
    let value: serde_json::Value = serde_json::from_slice(&std::fs::read(&written[0]).unwrap()).unwrap();
    assert_eq!(value["lang"], "sv");
}
