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
print(sum(1 for p in d.paragraphs if p.style is not None and p.style.name == "Title"))
print(sum(1 for p in d.paragraphs if p.style is not None and p.style.name == "Heading 1"))
looks = [t._tbl.tblPr.find(qn("w:tblLook")) for t in d.tables]
print(sum(1 for look in looks if look is not None and look.get(qn("w:firstColumn")) == "1"))
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
            assert_eq!(lines[3], expected_langs.join(", "), "{id} {form:?}: core language lists every language");
            assert_eq!(lines[4], "0", "{id} {form:?}: runs with more than one w:lang");
            assert_eq!(lines[5], "0", "{id} {form:?}: a part title is a Heading 1, not a Title");
            assert_eq!(lines[6], form.languages().len().to_string(), "{id} {form:?}: one Heading 1 per language part");
            let field_tables: usize = lines[7].parse().unwrap();
            assert!(field_tables >= 3 * form.languages().len(), "{id} {form:?}: {field_tables} label-value tables");
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

/// The text of a PDF with its lines as laid out, so that a label and its value (two
/// cells of a table row) read together; white space normalised.
fn pdf_layout_text(pdf: &Path) -> String {
    let output = run("pdftotext", &["-layout", "-enc", "UTF-8", pdf.to_str().unwrap(), "-"]);
    assert!(output.status.success(), "pdftotext failed on {}", pdf.display());
    normalise(&stdout(&output))
}

/// The texts an expert review asked for (issue 14), in every notice: the Art. 13(2)(e)
/// section, the rights as the GDPR states them, the date in the body, the Swedish wording.
#[test]
fn every_notice_states_the_reviewed_texts() {
    if !have_tool("pdftotext") {
        return;
    }
    let fi_texts = [
        "Henkilötietojen antamisen velvollisuus",
        "Oikeuksien käyttämistä koskevan pyynnön voi lähettää osoitteeseen",
        "Määräaikaa voidaan jatkaa enintään kahdella kuukaudella",
        "hakea muutosta tuomioistuimelta (tietosuoja-asetuksen 12 artiklan 4 kohta)",
        "Päivämäärä 2.11.2026",
        "Rekisterin tietoja käsitellään seuraavissa tietojärjestelmissä",
        "Salassapitoperuste Laki",
        "Rekisteröityjen ryhmät",
        "Tietosuojavastaava Yhteystiedot",
    ];
    let sv_texts = [
        "I denna dataskyddsbeskrivning redogörs för hur den personuppgiftsansvarige behandlar",
        "Skyldighet att lämna personuppgifter",
        "Kategorier av registrerade",
        "Ändamålen med behandlingen",
        "Principer för skyddet av registret",
        "Bestämmelser om behandlingen finns i följande lagar",
        "Sekretessgrund Lag",
        "Uppgifterna i registret behandlas i följande informationssystem",
        "Om begäran avslås får",
        "om han eller hon anser",
        "tietosuoja.fi/sv",
        "högst två månader",
        "Datum 2.11.2026",
        "Dataskyddsombud Kontaktuppgifter",
    ];
    let never = [
        "kirjallisesti",
        "skriftligen",
        "Tietosuojavastaava Tietosuojavastaava",
        "Dataskyddsombud Dataskyddsombud",
        "Grund:",
        "Peruste:",
        "berättar vi",
    ];
    for id in RECORDS {
        for form in LangForm::ALL {
            let text = pdf_layout_text(&output(id, form, "pdf"));
            for &lang in form.languages() {
                let expected: &[&str] = if lang == Lang::Fi { &fi_texts } else { &sv_texts };
                for phrase in expected {
                    assert!(text.contains(phrase), "{id} {form:?}: {phrase:?} missing");
                }
            }
            for phrase in never {
                assert!(!text.contains(phrase), "{id} {form:?}: {phrase:?} printed");
            }
            if form == LangForm::Sv {
                assert!(!text.contains("(vaihde)") && !text.contains(" PL "), "{id}: Finnish in the Swedish notice");
            }
        }
    }
    let erasure = pdf_text(&output("parkano-lapsiperheet", LangForm::FiSv, "pdf"));
    assert!(erasure.contains("julkisen vallan käyttämiseksi") && erasure.contains("myndighetsutövning"));
}

/// A transfer on an Art. 49 derogation is not called a safeguard, and a restriction of
/// the right of access under the Data Protection Act 34 § is printed with the rights.
#[test]
fn transfers_say_their_ground_and_access_restrictions_print() {
    if !have_tool("pdftotext") {
        return;
    }
    let fi = pdf_text(&output("huittinen-lastensuojelu", LangForm::Fi, "pdf"));
    let sv = pdf_text(&output("huittinen-lastensuojelu", LangForm::Sv, "pdf"));
    assert!(fi.contains("siirron peruste (tietosuoja-asetuksen 49 artikla):") && fi.contains("nimenomainen suostumus"));
    assert!(
        sv.contains("grund för överföringen (artikel 49 i dataskyddsförordningen):")
            && sv.contains("klientens uttryckliga")
    );
    assert!(!fi.contains("suojatoimet") && !sv.contains("skyddsåtgärder"), "a derogation is called a safeguard");
    assert!(sv.contains("Upprättande och uppdatering av beskrivningen"));
    assert!(fi.contains("Oikeutta saada pääsy tietoihin on rajoitettu tietosuojalain (1050/2018) 34 §:n nojalla"));
    assert!(sv.contains("Rätten till tillgång till uppgifterna har begränsats med stöd av 34 § i dataskyddslagen"));
    let lieto = pdf_text(&output("lieto-lapsiperheet", LangForm::Sv, "pdf"));
    assert!(lieto.contains("PB 24") && !lieto.contains("PL 24"), "a Finnish post-office box in Swedish");
}

/// Words of page 1 with their boxes, as `pdftotext -bbox` gives them: (word, x, y) in points.
fn first_page_words(pdf: &Path) -> Vec<(String, f64, f64)> {
    let output = run("pdftotext", &["-bbox", "-f", "1", "-l", "1", pdf.to_str().unwrap(), "-"]);
    assert!(output.status.success(), "pdftotext -bbox failed on {}", pdf.display());
    let html = stdout(&output);
    let attribute = |tag: &str, name: &str| -> f64 {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[start..].split('"').next().unwrap().parse().unwrap()
    };
    html.split("<word ")
        .skip(1)
        .map(|word| {
            let (tag, rest) = word.split_once('>').unwrap();
            let text = rest.split("</word>").next().unwrap().to_owned();
            (text, attribute(tag, "xMin"), attribute(tag, "yMin"))
        })
        .collect()
}

/// SFS 2487: the title block starts 9.2 cm from the paper's left edge, and the page
/// number stands on its first line; in fi-sv the two document types are two lines.
#[test]
fn the_title_block_starts_at_9_2_cm_with_the_page_number_on_its_first_line() {
    if !have_tool("pdftotext") {
        return;
    }
    let block_start = 9.2 / 2.54 * 72.0;
    for id in RECORDS {
        for form in LangForm::ALL {
            let pdf = output(id, form, "pdf");
            let words = first_page_words(&pdf);
            let find = |wanted: &str| words.iter().find(|(word, _, _)| word == wanted).cloned();
            let first_type = if form == LangForm::Sv { "DATASKYDDSBESKRIVNING" } else { "TIETOSUOJASELOSTE" };
            let (_, x, y) = find(first_type).unwrap_or_else(|| panic!("{id} {form:?}: no {first_type}"));
            assert!(
                (x - block_start).abs() < 0.5,
                "{id} {form:?}: the title block starts at {x:.1} pt, not {block_start:.1}"
            );
            let (_, _, page_y) = find("1").unwrap_or_else(|| panic!("{id} {form:?}: no page number"));
            assert!(
                (page_y - y).abs() < 1.0,
                "{id} {form:?}: the page number is at y {page_y}, the block's first line at {y}"
            );
            if form == LangForm::FiSv {
                let (_, sv_x, sv_y) = find("DATASKYDDSBESKRIVNING").expect("the Swedish type");
                assert!(
                    (sv_x - block_start).abs() < 0.5 && sv_y > y + 5.0,
                    "{id}: the Swedish type is not on the next line"
                );
                assert!(find("–").is_none(), "{id}: a dash between the types");
            }
        }
    }
}

const STRUCTURE_REPORT: &str = r#"
import sys, pypdf
reader = pypdf.PdfReader(sys.argv[1])
root = reader.trailer["/Root"]
tree = root["/StructTreeRoot"]
roles = tree.get("/RoleMap", {})
counts = {}
row_scoped = 0
def walk(node, depth):
    node = node.get_object()
    if isinstance(node, pypdf.generic.ArrayObject):
        for kid in node:
            walk(kid, depth)
        return
    if not isinstance(node, pypdf.generic.DictionaryObject) or depth > 200:
        return
    global row_scoped
    kind = node.get("/S")
    if kind is not None:
        kind = roles.get(kind, kind)
        counts[kind] = counts.get(kind, 0) + 1
        attributes = node.get("/A")
        attributes = attributes if isinstance(attributes, list) else [attributes]
        if kind == "/TH" and any(a is not None and a.get_object().get("/Scope") == "/Row" for a in attributes):
            row_scoped += 1
    if "/K" in node:
        walk(node["/K"], depth + 1)
walk(tree["/K"], 0)
print(counts.get("/Table", 0), counts.get("/TH", 0), counts.get("/TD", 0), row_scoped)
def titles(items):
    for item in items:
        if isinstance(item, list):
            yield from titles(item)
        else:
            yield item.title
print("\n".join(titles(reader.outline)))
"#;

/// Label-value rows are tables whose labels are row headers (TH, scope Row), and the
/// bookmarks keep a space between a section's number and its heading.
#[test]
fn field_rows_are_tables_with_row_headers_and_bookmarks_are_spaced() {
    if !have_tool("python3") {
        return;
    }
    for id in RECORDS {
        let pdf = output(id, LangForm::FiSv, "pdf");
        let report = python(STRUCTURE_REPORT, &[pdf.to_str().unwrap()]);
        assert!(report.status.success(), "{id}: {}", stderr(&report));
        let report = stdout(&report);
        let mut lines = report.lines();
        let counts: Vec<usize> = lines.next().unwrap().split(' ').map(|count| count.parse().unwrap()).collect();
        assert!(counts[0] >= 6, "{id}: {} tables", counts[0]);
        assert!(counts[1] >= 10 && counts[1] == counts[3], "{id}: {} TH, {} with scope Row", counts[1], counts[3]);
        assert!(counts[2] >= counts[1], "{id}: {} TD for {} TH", counts[2], counts[1]);
        let numbered: Vec<&str> = lines.filter(|title| title.starts_with(|c: char| c.is_ascii_digit())).collect();
        assert!(numbered.len() >= 30, "{id}: {numbered:?}");
        for title in numbered {
            let after_number = title.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
            assert!(after_number.starts_with(' '), "{id}: bookmark {title:?} has no space after its number");
        }
    }
}

#[test]
fn bilingual_pdfs_list_both_languages_in_the_xmp() {
    if !have_tool("pdfinfo") {
        return;
    }
    for id in RECORDS {
        for form in LangForm::ALL {
            let pdf = output(id, form, "pdf");
            let xmp = normalise(&stdout(&run("pdfinfo", &["-meta", pdf.to_str().unwrap()])));
            let items: String =
                form.languages().iter().map(|lang| format!("<rdf:li>{}</rdf:li>", lang.tag())).collect();
            assert!(
                xmp.contains(&format!("<dc:language><rdf:Bag>{items}</rdf:Bag></dc:language>")),
                "{id} {form:?}: {xmp}"
            );
        }
    }
}
