//! `seloste import`: the five legacy notices and notices written in other layouts
//! (tests/data/import) import with each field in place, nothing of a source is lost, the
//! outdated references are reported, a draft with its TODOs filled renders and passes the
//! check, the same notice as DOCX, PDF and HTML imports to the same fields, and bad input
//! is named and passed over.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use serde_json::Value;

fn scratch(name: &str) -> PathBuf {
    scratch_in("import", name)
}

fn corpus() -> PathBuf {
    project_root().join("tests/data/import")
}

/// Every notice of the corpus with its expectations.
fn notices() -> Vec<(PathBuf, Value)> {
    let mut found = Vec::new();
    for dir in [corpus(), corpus().join("legacy")] {
        for path in files_in(&dir) {
            if path.extension().is_some_and(|ext| ext == "txt") {
                let expect = path.with_extension("expect.yaml");
                found.push((path.clone(), yaml_to_json(&expect)));
            }
        }
    }
    assert!(found.len() >= 13, "the corpus is incomplete: {found:?}");
    found
}

const YAML_TO_JSON: &str =
    "import sys, json, yaml\nprint(json.dumps(yaml.safe_load(open(sys.argv[1], encoding='utf-8')), default=str))";

fn yaml_to_json(path: &Path) -> Value {
    let output = python(YAML_TO_JSON, &[path.to_str().unwrap()]);
    assert!(output.status.success(), "{} is not YAML: {}", path.display(), stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The whole corpus imported once into one folder, with what import printed.
fn imported() -> &'static (PathBuf, String) {
    static IMPORTED: OnceLock<(PathBuf, String)> = OnceLock::new();
    IMPORTED.get_or_init(|| {
        let dir = scratch("corpus");
        let result = seloste(&["import", corpus().to_str().unwrap(), "-o", dir.to_str().unwrap()]);
        assert!(result.status.success(), "import failed:\n{}{}", stdout(&result), stderr(&result));
        (dir, stdout(&result))
    })
}

/// The draft record made from `source`, found by the `imported … → …` line.
fn draft_of(source: &Path, printed: &str) -> PathBuf {
    let line = printed
        .lines()
        .find(|line| line.starts_with("imported ") && line.contains(&format!("{} → ", source.display())))
        .unwrap_or_else(|| panic!("no draft for {}:\n{printed}", source.display()));
    PathBuf::from(line.rsplit(" → ").next().unwrap())
}

fn texts(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) => vec![text.clone()],
        Value::Array(items) => items.iter().flat_map(texts).collect(),
        Value::Object(map) => map.values().flat_map(texts).collect(),
        _ => Vec::new(),
    }
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn contains_all(what: &str, source: &Path, values: &[String], expected: &Value) {
    for phrase in expected.as_array().into_iter().flatten() {
        let phrase = squeeze(phrase.as_str().unwrap());
        assert!(
            values.iter().any(|value| squeeze(value).contains(&phrase)),
            "{}: {what} lacks {phrase:?}; has {values:#?}",
            source.display()
        );
    }
}

#[test]
fn every_notice_imports_with_its_fields_in_place() {
    if !have_tool("python3") {
        return;
    }
    let (_, printed) = imported();
    for (source, expect) in notices() {
        let source_text = squeeze(&String::from_utf8_lossy(&std::fs::read(&source).unwrap()));
        let draft_path = draft_of(&source, printed);
        let draft = yaml_to_json(&draft_path);
        let organisation_path = draft_path.parent().unwrap().join(draft["organisation"].as_str().unwrap());
        let organisation = yaml_to_json(&organisation_path);
        let at = source.display();
        let lang = expect["language"].as_str().unwrap();
        assert_eq!(
            draft["languages"],
            serde_json::json!([lang]),
            "{at}: the draft declares only the source's language"
        );
        assert_eq!(draft["status"], "draft", "{at}");
        let name = expect["name"].as_str().unwrap();
        assert_eq!(squeeze(draft["name"][lang].as_str().unwrap()), squeeze(name), "{at}: name");
        // The controller, where the source names it (a notice may name only its body).
        let controller = squeeze(expect["controller"].as_str().unwrap());
        if source_text.contains(&controller) || source_text.contains(&controller.replace("kaupunki", "kaupungin")) {
            assert_eq!(
                squeeze(organisation["name"][lang].as_str().unwrap_or_default()),
                controller,
                "{at}: controller"
            );
        }
        if let Some(body) = expect.get("controller_body") {
            assert_eq!(
                squeeze(draft["controller_body"][lang].as_str().unwrap()),
                squeeze(body.as_str().unwrap()),
                "{at}: body"
            );
        }
        let mut addresses = texts(&organisation["address"]);
        addresses.extend(texts(&draft["contact"]));
        addresses.extend(texts(&draft["responsible"]));
        if let Some(address) = expect.get("controller_address") {
            contains_all("the address", &source, &addresses, &serde_json::json!([address]));
        }
        if let Some(id) = expect.get("business_id") {
            assert_eq!(&organisation["business_id"], id, "{at}: business id");
        }
        let people = texts(&draft["contact"]).into_iter().chain(texts(&draft["responsible"])).collect::<Vec<_>>();
        for key in ["contact_name", "contact_email"] {
            if let Some(value) = expect.get(key) {
                contains_all(key, &source, &people, &serde_json::json!([value]));
            }
        }
        if let Some(email) = expect.get("dpo_email") {
            assert_eq!(&organisation["dpo"]["email"], email, "{at}: DPO e-mail");
        }
        contains_all("purposes", &source, &texts(&draft["purposes"]), &expect["purposes_contains"]);
        contains_all("data content", &source, &texts(&draft["data_categories"]), &expect["data_categories_contains"]);
        contains_all("sources", &source, &texts(&draft["sources"]), &expect["sources_contains"]);
        if expect.get("disclosures_none").is_some() {
            assert_eq!(draft["disclosures"], "none", "{at}: disclosures");
        } else {
            contains_all("disclosures", &source, &texts(&draft["disclosures"]), &expect["disclosures_contains"]);
        }
        if expect.get("transfers_none").is_some() {
            assert_eq!(draft["transfers"], "none", "{at}: transfers");
        } else if let Some(transfers) = expect.get("transfers_contains") {
            contains_all("transfers", &source, &texts(&draft["transfers"]), transfers);
        }
        contains_all("security", &source, &texts(&draft["security"]), &expect["security_contains"]);
        let statutes = texts(&draft["legal_basis"]["statutes"]);
        for number in expect["statutes"].as_array().unwrap() {
            assert!(
                statutes.contains(&number.as_str().unwrap().to_owned()),
                "{at}: statute {number} not cited: {statutes:?}"
            );
        }
        for point in expect.get("art6").and_then(Value::as_array).into_iter().flatten() {
            assert!(draft["legal_basis"]["gdpr_art6"].as_array().unwrap().contains(point), "{at}: Art. 6(1)({point})");
        }
        if let Some(heading) = expect.get("unmapped_heading") {
            let text = std::fs::read_to_string(&draft_path).unwrap();
            assert!(text.contains(heading.as_str().unwrap()), "{at}: the unmapped section was dropped");
        }
    }
}

/// The words of a text, for comparing a source with its draft whatever the layout.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|word| word.chars().count() > 1).map(str::to_lowercase).collect()
}

/// Every sentence of every source is in its draft, as a value or in a comment: its words
/// appear in the draft in the same order, close together.
#[test]
fn nothing_of_a_source_is_lost() {
    let (_, printed) = imported();
    for (source, _) in notices() {
        let text = String::from_utf8_lossy(&std::fs::read(&source).unwrap()).into_owned();
        let text = join_broken_words(&strip_tags(&text));
        let draft = std::fs::read_to_string(draft_of(&source, printed)).unwrap().replace("\\\"", "\"");
        // Comments keep the source's lines as they were broken; values join them.
        let uncommented: String =
            draft.lines().map(|line| format!("{}\n", line.trim_start().trim_start_matches('#').trim())).collect();
        let draft = words(&join_broken_words(&uncommented));
        // A sentence with a letter in it: a section's number alone is layout, not text.
        let sentences = text.split(['.', '\n', '\t']).map(words);
        for sentence in sentences.filter(|sentence| sentence.iter().any(|word| word.chars().any(char::is_alphabetic))) {
            assert!(appears_in_order(&sentence, &draft), "{}: lost: {:?}", source.display(), sentence.join(" "));
        }
    }
}

/// `tietosuojaohjeistuk-` / `sella` as the one word the layout broke; `sosiaali-` / `ja
/// terveys…` stays two.
fn join_broken_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let line = line.trim_end();
        let next_word = lines.peek().and_then(|next| next.split_whitespace().next()).unwrap_or_default();
        let broken = line.ends_with('-')
            && line.len() > 1
            && next_word.starts_with(char::is_lowercase)
            && !["ja", "tai", "sekä", "eli", "och", "eller", "samt"].contains(&next_word);
        if broken {
            out.push_str(&line[..line.len() - 1]);
            out.push_str(lines.next().unwrap().trim_start());
            out.push('\n');
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push('\n');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ").replace("&amp;", "&")
}

/// Whether `sentence` occurs in `draft` word by word, in order, within a span of at most
/// three times its length plus ten (keys and markers between list items).
fn appears_in_order(sentence: &[String], draft: &[String]) -> bool {
    let span = sentence.len() * 3 + 10;
    draft.iter().enumerate().filter(|(_, word)| **word == sentence[0]).any(|(start, _)| {
        let mut next = 1;
        for word in draft[start + 1..].iter().take(span) {
            if next == sentence.len() {
                break;
            }
            if *word == sentence[next] {
                next += 1;
            }
        }
        next == sentence.len()
    })
}

/// Every TODO of a draft is reported by `check` as what to fill in, whatever the shape of
/// its field, so that no draft passes the check and none stops it with a puzzling error.
#[test]
fn check_reports_every_todo_as_something_to_fill_in() {
    let (dir, _) = imported();
    let result = seloste(&["check", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(result.status.code(), Some(1), "drafts must not pass the check");
    let report: Value = serde_json::from_slice(&result.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let mut todos = 0;
    for finding in findings {
        let message = finding["message"].as_str().unwrap();
        if message.contains("TODO") || finding["rule"] == "draft.todo" {
            assert_eq!(finding["rule"], "draft.todo", "{finding}");
            assert!(message.starts_with("fill in"), "{finding}");
            todos += 1;
        }
        assert!(!finding["rule"].as_str().unwrap().starts_with("schema."), "a draft's shape is wrong: {finding}");
    }
    assert!(todos > 20, "{todos} TODOs reported");
}

#[test]
fn outdated_references_are_reported_on_import() {
    let (_, printed) = imported();
    for rule in [
        "[statute.repealed]",
        "[renamed-body.vaestorekisterikeskus]",
        "[repealed-law.henkilotietolaki]",
        "[citation.eu-form]",
    ] {
        assert!(printed.contains(rule), "import did not report {rule}:\n{printed}");
    }
    assert!(printed.contains("left to fill in or fix:"));
    assert!(printed.contains("organisation file (shared)"), "the controllers' files are not shared");
}

/// Fills every TODO of a draft with a plausible value, puts the statute in force for a
/// repealed one, as the check suggests, and writes the draft back: what a DPO does.
const FILL: &str = r#"
import sys, json, yaml, subprocess
record_path, seloste = sys.argv[1], sys.argv[2]
def fill(value, key):
    if isinstance(value, dict):
        return {k: fill(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, key) for v in value]
    if isinstance(value, str) and value.startswith("TODO"):
        if key == "date": return "2026-11-02"
        if key == "ground": return "safeguards"
        if key == "email": return "tietosuoja@example.fi"
        if key == "manual_material": return "none" if not has_manual else {lang: "Paperiasiakirjat."}
        if key in ("automated_decisions", "disclosures", "transfers", "processors"): return "none"
        if key == "address": return "PL 1, 00100 Helsinki"
        return "Täydennetty teksti."
    return value
for path in [record_path]:
    data = yaml.safe_load(open(path, encoding="utf-8"))
    lang = data["languages"][0]
    has_manual = bool((data.get("security") or {}).get("manual"))
    org_path = path.rsplit("/", 1)[0] + "/" + data["organisation"]
    org = fill(yaml.safe_load(open(org_path, encoding="utf-8")), "")
    yaml.safe_dump(org, open(org_path, "w", encoding="utf-8"), allow_unicode=True, sort_keys=False)
    data = fill(data, "")
    data["status"] = "final"
    basis = data["legal_basis"]
    if not basis.get("gdpr_art6"): basis["gdpr_art6"] = ["e"]
    for transfer in data.get("transfers") or []:
        if isinstance(transfer, dict): transfer["copy"] = {k: "Kirjaamosta." for k in transfer["destination"]}
    yaml.safe_dump(data, open(path, "w", encoding="utf-8"), allow_unicode=True, sort_keys=False)
    report = json.loads(subprocess.run([seloste, "check", path, "--format", "json"], capture_output=True).stdout)
    statutes = basis.get("statutes", [])
    for finding in report["findings"]:
        field, replacement = finding["field"], finding.get("replacement")
        if finding["rule"] in ("statute.repealed", "statute.moved", "statute.unknown") and field.startswith("legal_basis.statutes["):
            index = int(field.split("[")[1].split("]")[0])
            statutes[index] = replacement or None
    basis["statutes"] = list(dict.fromkeys(s for s in statutes if s))
    yaml.safe_dump(data, open(path, "w", encoding="utf-8"), allow_unicode=True, sort_keys=False)
"#;

#[test]
fn a_draft_with_its_todos_filled_renders_and_passes_the_check() {
    if !have_tool("python3") {
        return;
    }
    let dir = scratch("filled");
    let drafts = dir.join("drafts");
    let legacy = corpus().join("legacy");
    let result = seloste(&[
        "import",
        legacy.to_str().unwrap(),
        corpus().join("bjorkby-hemvard.txt").to_str().unwrap(),
        "-o",
        drafts.to_str().unwrap(),
    ]);
    assert!(result.status.success(), "{}", stderr(&result));
    let binary = env!("CARGO_BIN_EXE_seloste");
    let records: Vec<PathBuf> =
        files_in(&drafts).into_iter().filter(|path| path.extension().is_some_and(|ext| ext == "yaml")).collect();
    assert_eq!(records.len(), 6);
    for record in &records {
        let fill = python(FILL, &[record.to_str().unwrap(), binary]);
        assert!(fill.status.success(), "{}: {}", record.display(), stderr(&fill));
        let check = seloste(&["check", record.to_str().unwrap()]);
        assert_eq!(
            check.status.code(),
            Some(0),
            "{} does not pass the check once filled:\n{}",
            record.display(),
            stdout(&check)
        );
        let out = dir.join("out");
        let render = seloste(&["render", record.to_str().unwrap(), "-o", out.to_str().unwrap(), "--format", "pdf"]);
        assert!(render.status.success(), "{}: {}", record.display(), stderr(&render));
    }
}

/// The fields that must come out the same whatever format the notice was saved in.
fn key_fields(draft: &Path) -> Value {
    let draft = yaml_to_json(draft);
    serde_json::json!({
        "name": draft["name"],
        "statutes": draft["legal_basis"]["statutes"],
        "art6": draft["legal_basis"]["gdpr_art6"],
        "data_categories": texts(&draft["data_categories"]).iter().map(|text| squeeze(text)).collect::<Vec<_>>(),
        "sources": texts(&draft["sources"]).iter().map(|text| squeeze(text)).collect::<Vec<_>>(),
        "disclosures": texts(&draft["disclosures"]).iter().map(|text| squeeze(text)).collect::<Vec<_>>(),
        "transfers": draft["transfers"].is_string(),
    })
}

fn html_of(text: &str) -> String {
    let escape = |line: &str| line.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let body: String = text
        .lines()
        .map(|line| match line.split_once('\t') {
            Some(_) => format!(
                "<table><tr>{}</tr></table>\n",
                line.split('\t').map(|cell| format!("<td>{}</td>", escape(cell))).collect::<String>()
            ),
            None => format!("<p>{}</p>\n", escape(line)),
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"fi\"><head><meta charset=\"utf-8\"><title>Seloste</title><style>p {{ margin: 0 }}</style></head><body>\n{body}</body></html>\n"
    )
}

#[test]
fn the_same_notice_as_docx_pdf_and_html_imports_to_the_same_fields() {
    if !have_tool("soffice") || !have_tool("python3") {
        return;
    }
    let dir = scratch("formats");
    let sources = ["legacy/parkano-lapsiperheet-2018.txt", "kaislalahti-kirjasto.txt", "bjorkby-hemvard.txt"];
    for name in sources {
        let source = corpus().join(name);
        let stem = source.file_stem().unwrap().to_string_lossy().into_owned();
        let case = dir.join(&stem);
        std::fs::create_dir_all(&case).unwrap();
        let text = std::fs::read_to_string(&source).unwrap();
        std::fs::write(case.join(format!("{stem}.txt")), &text).unwrap();
        std::fs::write(case.join(format!("{stem}.html")), html_of(&text)).unwrap();
        let profile = format!("-env:UserInstallation=file://{}", dir.join("lo-profile").display());
        for format in ["docx:MS Word 2007 XML", "pdf:writer_pdf_Export"] {
            let converted = run(
                "soffice",
                &[
                    &profile,
                    "--headless",
                    "--infilter=Text (encoded):UTF8,LF,,,",
                    "--convert-to",
                    format,
                    "--outdir",
                    case.to_str().unwrap(),
                    case.join(format!("{stem}.txt")).to_str().unwrap(),
                ],
            );
            assert!(converted.status.success(), "LibreOffice failed on {stem}: {}", stderr(&converted));
        }
        let mut fields = Vec::new();
        for extension in ["txt", "docx", "pdf", "html"] {
            let out = case.join(format!("drafts-{extension}"));
            let file = case.join(format!("{stem}.{extension}"));
            let result = seloste(&["import", file.to_str().unwrap(), "-o", out.to_str().unwrap()]);
            assert!(result.status.success(), "{}: {}{}", file.display(), stdout(&result), stderr(&result));
            fields.push((extension, key_fields(&draft_of(&file, &stdout(&result)))));
        }
        for (extension, found) in &fields[1..] {
            assert_eq!(found, &fields[0].1, "{stem}: the {extension} imports differently from the text");
        }
    }
}

/// A one-page PDF holding only an image: a scan without a text layer.
fn scanned_pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>".to_owned(),
        "<< /Length 33 >>\nstream\nq 100 0 0 100 50 50 cm /Im1 Do Q\nendstream".to_owned(),
        "<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 1 >>\nstream\n\u{7f}\nendstream".to_owned(),
    ];
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (index, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", index + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    pdf
}

#[test]
fn bad_sources_are_named_and_the_others_go_on() {
    let dir = scratch("bad");
    let sources = dir.join("sources");
    std::fs::create_dir_all(&sources).unwrap();
    std::fs::copy(corpus().join("kaislalahti-kirjasto.txt"), sources.join("good.txt")).unwrap();
    std::fs::write(sources.join("empty.txt"), "").unwrap();
    std::fs::write(sources.join("binary.txt"), b"\x7fELF\x02\x01\x01\0\0\0-----BEGIN PRIVATE KEY-----").unwrap();
    std::fs::write(sources.join("corrupt.docx"), b"PK\x03\x04 this is not a zip").unwrap();
    std::fs::write(sources.join("scanned.pdf"), scanned_pdf()).unwrap();
    std::fs::write(
        sources.join("page.html"),
        "<html><body><h1>Tervetuloa</h1><p>Kirjaston aukioloajat.</p></body></html>",
    )
    .unwrap();
    let mut expected_errors = vec!["empty.txt", "binary.txt", "corrupt.docx", "scanned.pdf", "page.html"];
    if have_tool("qpdf") {
        let plain = dir.join("plain.pdf");
        std::fs::write(&plain, scanned_pdf()).unwrap();
        let encrypted = sources.join("encrypted.pdf");
        let result = run(
            "qpdf",
            &["--encrypt", "user", "owner", "256", "--", plain.to_str().unwrap(), encrypted.to_str().unwrap()],
        );
        assert!(result.status.success(), "{}", stderr(&result));
        expected_errors.push("encrypted.pdf");
    }
    let out = dir.join("out");
    let result = seloste(&["import", sources.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
    let errors = stderr(&result);
    for name in &expected_errors {
        assert!(errors.lines().any(|line| line.contains(name)), "no error names {name}:\n{errors}");
    }
    assert!(
        errors.contains("text layer") && errors.contains("encrypted") || !expected_errors.contains(&"encrypted.pdf"),
        "{errors}"
    );
    assert!(!errors.contains("PRIVATE KEY"), "an error showed the content of a file that was not a notice");
    assert!(stdout(&result).contains("good.txt →"), "the good source was not imported:\n{}", stdout(&result));
}
