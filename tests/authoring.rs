//! Authoring as a data protection officer meets it (issue 20): negatives only when the
//! record states them, every error of a run at once, contact data checked, drafts that
//! cannot be published by accident, re-issues that say so, what a record can say, the
//! templates to start from.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

fn scratch(name: &str) -> PathBuf {
    scratch_in("authoring", name)
}

/// A copy of the samples in a fresh folder, with `edit` applied to one record's text.
fn samples_with(case: &str, record: &str, edit: impl FnOnce(String) -> String) -> (PathBuf, PathBuf) {
    let dir = scratch(case);
    let samples = copy_samples(&dir);
    let path = samples.join(format!("{record}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(text)).unwrap();
    (dir, path)
}

fn check_json(path: &Path) -> (Value, std::process::Output) {
    let result = seloste(&["check", path.to_str().unwrap(), "--format", "json"]);
    let report =
        serde_json::from_slice(&result.stdout).unwrap_or_else(|err| panic!("not JSON ({err}): {}", stderr(&result)));
    (report, result)
}

fn rules_of(report: &Value) -> Vec<(String, String, Option<u64>)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap().to_owned(),
                finding["field"].as_str().unwrap_or_default().to_owned(),
                finding["line"].as_u64(),
            )
        })
        .collect()
}

fn render(args: &[&str]) -> std::process::Output {
    seloste(&[&["render"], args].concat())
}

/// The text of a PDF with its lines as laid out, white space normalised.
fn layout_text(pdf: &Path) -> String {
    let output = run("pdftotext", &["-layout", "-enc", "UTF-8", pdf.to_str().unwrap(), "-"]);
    assert!(output.status.success(), "pdftotext failed on {}", pdf.display());
    normalise(&stdout(&output))
}

#[test]
fn a_negative_is_printed_only_when_the_record_states_it() {
    // Left out: refused, with the way to say "none".
    let (_, path) =
        samples_with("negatives-missing", "lieto-lapsiperheet", |text| text.replace("processors: none\n", ""));
    let (report, result) = check_json(&path);
    assert_eq!(result.status.code(), Some(1));
    let missing = &report["findings"][0];
    assert_eq!(missing["rule"], "schema.missing-field");
    assert!(missing["hint"].as_str().unwrap().contains("`processors: none`"), "{missing}");

    // An empty list says nothing either way; "none" against paper security contradicts.
    let (_, path) = samples_with("negatives-empty", "lieto-lapsiperheet", |text| {
        let text = text.replace("processors: none\n", "processors: []\n");
        let start = text.find("manual_material:").unwrap();
        let end = start + text[start..].find("\nsecurity:").unwrap();
        format!("{}manual_material: none{}", &text[..start], &text[end..])
    });
    let (report, _) = check_json(&path);
    let rules = rules_of(&report);
    assert!(rules.iter().any(|(rule, field, _)| rule == "record.empty-list" && field == "processors"), "{rules:?}");
    assert!(
        rules.iter().any(|(rule, field, _)| rule == "record.contradiction" && field == "manual_material"),
        "{rules:?}"
    );

    // Stated: printed. Every sample states its negatives explicitly.
    if have_tool("pdftotext") {
        let dir = scratch("negatives-stated");
        let record = samples().join("lieto-lapsiperheet.yaml");
        let result =
            render(&[record.to_str().unwrap(), "-o", dir.to_str().unwrap(), "--lang", "fi", "--format", "pdf"]);
        assert!(result.status.success(), "{}", stderr(&result));
        let text = layout_text(&dir.join("lieto-lapsiperheet.fi.pdf"));
        assert!(text.contains("Rekisterinpitäjä ei käytä henkilötietojen käsittelijöitä."));
        assert!(text.contains("Rekisterin tietoja ei käytetä automaattiseen päätöksentekoon"));
    }
    for sample in files_in(&samples()).into_iter().filter(|path| path.extension().is_some_and(|ext| ext == "yaml")) {
        let text = std::fs::read_to_string(&sample).unwrap();
        if !text.contains("kind: record") {
            continue;
        }
        for field in ["disclosures:", "transfers:", "processors:", "manual_material:", "automated_decisions:"] {
            assert!(text.lines().any(|line| line.starts_with(field)), "{}: no `{field}`", sample.display());
        }
    }
}

#[test]
fn every_shape_error_of_every_record_is_reported_in_one_run() {
    let (_, path) = samples_with("all-errors", "lieto-lapsiperheet", |text| {
        text.replace("languages: [fi, sv]", "languages: [fi, sv]\nlanguage: fi")
            .replacen("  date: 2026-11-02", "  date: 2026-13-02", 1)
            .replace("transfers: none\n", "")
            .replace("  gdpr_art6: [c, e]", "  gdpr_art6: [c, x]")
            .replace("data_subjects:\n  - fi:", "data_subjects:\n  - fin:")
    });
    let second = path.with_file_name("parkano-lapsiperheet.yaml");
    let text = std::fs::read_to_string(&second).unwrap();
    std::fs::write(&second, text.replace("id: parkano-lapsiperheet", "id: parkano-lapsiperheet\nnmae: x")).unwrap();
    let (report, result) = check_json(path.parent().unwrap());
    assert_eq!(result.status.code(), Some(1));
    let rules = rules_of(&report);
    for (rule, field) in [
        ("schema.missing-field", ""),
        ("schema.unknown-field", "language"),
        ("schema.value", "document.date"),
        ("schema.unknown-value", "legal_basis.gdpr_art6[1]"),
        ("schema.unknown-field", "data_subjects[0].fin"),
        ("schema.unknown-field", "nmae"),
    ] {
        assert!(
            rules.iter().any(|(found, at, _)| found == rule && at == field),
            "{rule} at `{field}` missing: {rules:?}"
        );
    }
}

#[test]
fn contact_data_is_checked_with_field_and_line() {
    let dir = scratch("contacts");
    let samples = copy_samples(&dir);
    let organisation = samples.join("organisations/uusikaupunki.yaml");
    let text = std::fs::read_to_string(&organisation).unwrap();
    let text = text
        .replace("email: kirjaamo@uusikaupunki.fi", "email: kirjaamo.uusikaupunki.fi\nbusiness_id: 0135202-5")
        .replace("website: www.uusikaupunki.fi", "website: uusikaupunki");
    std::fs::write(&organisation, &text).unwrap();
    let record = samples.join("uusikaupunki-sosiaalityo.yaml");
    let record_text = std::fs::read_to_string(&record).unwrap().replace("  phone: 040 486 0935", "  phone: abc");
    std::fs::write(&record, &record_text).unwrap();
    let (report, result) = check_json(&record);
    assert_eq!(result.status.code(), Some(1));
    let rules = rules_of(&report);
    for (rule, field) in [
        ("contact.email", "email"),
        ("contact.business-id", "business_id"),
        ("contact.website", "website"),
        ("contact.phone", "contact[0].phone"),
    ] {
        assert!(
            rules.iter().any(|(found, at, line)| found == rule && at == field && line.is_some()),
            "{rule} at {field}: {rules:?}"
        );
    }
    let id =
        report["findings"].as_array().unwrap().iter().find(|finding| finding["rule"] == "contact.business-id").unwrap();
    assert!(id["message"].as_str().unwrap().contains("check digit"), "{id}");
}

#[test]
fn a_draft_is_marked_never_signed_never_archived_and_a_dry_run_writes_nothing() {
    let (dir, path) = samples_with("draft", "parkano-lapsiperheet", |text| {
        text.replace("languages: [fi, sv]", "languages: [fi, sv]\nstatus: draft")
    });
    let record = path.to_str().unwrap();
    let out = dir.join("out");

    let dry = render(&[record, "-o", out.to_str().unwrap(), "--dry-run"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(stdout(&dry).contains("would write") && stdout(&dry).contains("parkano-lapsiperheet.fi-sv.docx"));
    assert!(!out.exists(), "a dry run wrote files");

    let keys = dir.join("keys");
    let signed = render(&[record, "-o", out.to_str().unwrap(), "--test-key", keys.to_str().unwrap()]);
    assert_eq!(signed.status.code(), Some(1));
    assert!(stderr(&signed).contains("a draft is never signed") && stderr(&signed).contains("[record.draft]"));
    assert!(files_in(&out).is_empty(), "a draft was signed");

    let rendered = render(&[record, "-o", out.to_str().unwrap(), "--lang", "fi+sv"]);
    assert!(rendered.status.success(), "{}", stderr(&rendered));
    if have_tool("pdftotext") {
        let text = layout_text(&out.join("parkano-lapsiperheet.fi-sv.pdf"));
        assert!(text.contains("LUONNOS / UTKAST") && text.contains("UTKAST"), "{text}");
    }
    let docx = std::fs::read(out.join("parkano-lapsiperheet.fi-sv.docx")).unwrap();
    let unzipped =
        run("unzip", &["-p", out.join("parkano-lapsiperheet.fi-sv.docx").to_str().unwrap(), "word/document.xml"]);
    assert!(!docx.is_empty() && stdout(&unzipped).contains("LUONNOS"), "no draft marking in the DOCX");

    let archive = dir.join("archive");
    let batch = seloste(&[
        "batch",
        path.parent().unwrap().to_str().unwrap(),
        "-o",
        dir.join("batch").to_str().unwrap(),
        "--archive",
        archive.to_str().unwrap(),
    ]);
    assert_eq!(batch.status.code(), Some(1));
    assert!(
        stdout(&batch).contains("a draft is never archived") || stderr(&batch).contains("a draft is never archived")
    );
    assert!(!archive.join("parkano-lapsiperheet").exists(), "a draft entered the archive");
    assert!(archive.join("lieto-lapsiperheet").exists(), "the other records were not archived");
}

#[test]
fn a_changed_notice_without_an_update_entry_is_warned_about_when_archived() {
    let dir = scratch("reissue");
    let samples = copy_samples(&dir);
    let archive = dir.join("archive");
    let batch = |out: &str| {
        seloste(&[
            "batch",
            samples.to_str().unwrap(),
            "-o",
            dir.join(out).to_str().unwrap(),
            "--archive",
            archive.to_str().unwrap(),
        ])
    };
    assert!(batch("first").status.success());
    let record = samples.join("lieto-lapsiperheet.yaml");
    let text = std::fs::read_to_string(&record).unwrap();
    let changed = text.replace("asiakkaalta saadut tiedot", "asiakkaalta itseltään saadut tiedot");
    std::fs::write(&record, &changed).unwrap();
    let second = batch("second");
    assert!(second.status.success(), "{}", stderr(&second));
    let said = format!("{}{}", stdout(&second), stderr(&second));
    assert!(said.contains("has no `updated` entry") && said.contains("v0001"), "{said}");

    let updated = changed.replace("  date: 2026-11-02\n", "  date: 2026-11-20\n  history:\n    - { event: updated, date: 2026-11-20, by: { fi: tietosuojavastaava, sv: dataskyddsombud } }\n");
    let updated =
        updated.replace("asiakkaalta itseltään saadut tiedot", "asiakkaalta ja hänen edustajaltaan saadut tiedot");
    std::fs::write(&record, updated).unwrap();
    let third = batch("third");
    assert!(third.status.success());
    assert!(!format!("{}{}", stdout(&third), stderr(&third)).contains("has no `updated` entry"));
}

#[test]
fn several_contacts_a_controller_note_an_identified_processor_and_a_role_in_the_history_print() {
    if !have_tool("pdftotext") {
        return;
    }
    let (dir, path) = samples_with("what-a-record-says", "huittinen-lastensuojelu", |text| {
        text.replace(
            "contact:\n  name: Sinikka Piranen",
            "controller_note:\n  fi: Palveluja tuottavat myös sopimuskumppanit kaupungin lukuun.\n  sv: Tjänsterna produceras också av avtalspartner för stadens räkning.\ncontact:\n- name: Anna Esimerkki\n  title: { fi: sosiaaliohjaaja, sv: socialhandledare }\n  email: anna.esimerkki@huittinen.fi\n- name: Sinikka Piranen",
        )
        .replace("      sv: Tjänsteproducenter som ingått uppdragsavtal\n", "      sv: Tjänsteproducenter som ingått uppdragsavtal\n    business_id: 0204819-8\n    address: Esimerkkikatu 1, 32700 Huittinen\n")
        .replace("by: Sinikka Piranen }", "by: { fi: sosiaalityön johtaja, sv: chef för socialarbetet } }")
    });
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("- name: Anna Esimerkki") && text.contains("business_id: 0204819-8"),
        "the edit did not apply"
    );
    let out = dir.join("out");
    let result = render(&[path.to_str().unwrap(), "-o", out.to_str().unwrap(), "--format", "pdf"]);
    assert!(result.status.success(), "{}", stderr(&result));
    let fi = layout_text(&out.join("huittinen-lastensuojelu.fi.pdf"));
    let sv = layout_text(&out.join("huittinen-lastensuojelu.sv.pdf"));
    assert!(fi.contains("Yhteyshenkilö Anna Esimerkki, sosiaaliohjaaja"), "{fi}");
    assert!(fi.contains("Yhteyshenkilö Sinikka Piranen, sosiaalityön johtaja"), "{fi}");
    assert!(fi.contains("Palveluja tuottavat myös sopimuskumppanit kaupungin lukuun."));
    assert!(fi.contains("(Y-tunnus 0204819-8, Esimerkkikatu 1, 32700 Huittinen)"), "{fi}");
    assert!(sv.contains("(FO-nummer 0204819-8"), "{sv}");
    assert!(fi.contains("Päivitetty 2.11.2026 sosiaalityön johtaja"), "{fi}");
    assert!(sv.contains("Uppdaterad 2.11.2026 chef för socialarbetet"), "{sv}");
}

#[test]
fn templates_export_gives_files_to_start_from_and_an_own_catalog_adds_to_the_built_in_one() {
    let dir = scratch("templates");
    let exported = dir.join("exported");
    let result = seloste(&["templates", "export", exported.to_str().unwrap()]);
    assert!(result.status.success(), "{}", stderr(&result));
    for name in [
        "fi.yaml",
        "sv.yaml",
        "statutes.yaml",
        "lint-rules.yaml",
        "checklist.yaml",
        "notice.typ",
        "starter/record.yaml",
        "starter/organisation.yaml",
    ] {
        assert!(exported.join(name).is_file(), "{name} not exported");
    }
    let again = seloste(&["templates", "export", exported.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1), "export wrote over existing files");
    let (report, result) = check_json(&exported.join("starter/record.yaml"));
    assert_eq!(report["errors"], 0, "the starter record does not pass the check: {report}");
    assert_eq!(result.status.code(), Some(0));

    // An own statutes.yaml with two new laws adds them; the GDPR stays known.
    let own = dir.join("own");
    std::fs::create_dir_all(&own).unwrap();
    std::fs::write(
        own.join("statutes.yaml"),
        "kind: statutes\nstatutes:\n  - number: 1234/2026\n    title: { fi: Laki kokeilusta, sv: Lag om försök }\n  - number: 1235/2026\n    title: { fi: Laki toisesta kokeilusta, sv: Lag om ett annat försök }\n",
    )
    .unwrap();
    let (_, record) = samples_with("own-catalog", "lieto-lapsiperheet", |text| {
        text.replace("    - 1301/2014\n", "    - 1301/2014\n    - (EU) 2016/679\n    - 1234/2026\n")
    });
    let result = seloste(&["--templates", own.to_str().unwrap(), "check", record.to_str().unwrap()]);
    assert_eq!(result.status.code(), Some(0), "{}{}", stdout(&result), stderr(&result));
}

/// What the review of a re-issue found in the layout and the archive metadata.
#[test]
fn explanation_before_statutes_secrecy_labelled_and_fi_only_archive_metadata_in_finnish() {
    let (dir, path) = samples_with("smaller", "parkano-lapsiperheet", |text| {
        text.replace("languages: [fi, sv]", "languages: [fi]")
            .replace(
                "legal_basis:\n",
                "legal_basis:\n  explanation:\n    fi: Käsittely perustuu lakisääteisiin tehtäviin.\n",
            )
            .replace("    - 1301/2014\n", "    - 1301/2014\n    - (EU) 2016/679\n")
    });
    let samples = path.parent().unwrap();
    for other in files_in(samples) {
        if other != path
            && other.extension().is_some_and(|ext| ext == "yaml")
            && other.file_name().unwrap() != "archive-plan.yaml"
        {
            std::fs::remove_file(other).unwrap();
        }
    }
    let archive = dir.join("archive");
    let result = seloste(&[
        "batch",
        samples.to_str().unwrap(),
        "-o",
        dir.join("out").to_str().unwrap(),
        "--archive",
        archive.to_str().unwrap(),
    ]);
    assert!(result.status.success(), "{}{}", stdout(&result), stderr(&result));
    let metadata: Value = serde_json::from_slice(
        &std::fs::read(archive.join("parkano-lapsiperheet/v0001/data/parkano-lapsiperheet.fi.pdf.metadata.json"))
            .unwrap(),
    )
    .unwrap();
    let identity = &metadata["identity"];
    assert!(!identity["title"].as_str().unwrap().contains("dataskyddsbeskrivning"), "{identity}");
    assert!(identity["taskClassName"].get("sv").is_none(), "{identity}");
    assert!(!identity["taskClassName"]["fi"].as_str().unwrap().is_empty());
    if have_tool("pdftotext") {
        let text = layout_text(&dir.join("out/parkano-lapsiperheet.fi.pdf"));
        let explanation = text.find("Käsittely perustuu lakisääteisiin tehtäviin.").unwrap();
        let statutes = text.find("Käsittelystä säädetään seuraavissa laeissa").unwrap();
        assert!(explanation < statutes, "the explanation comes after the statutes");
        assert!(text.contains("• EU:n yleinen tietosuoja-asetus (EU) 2016/679"), "the GDPR without its title: {text}");
        assert!(text.contains("Henkilötietoryhmät Salassapito Tiedot ovat salassa pidettäviä"), "{text}");
        assert!(text.contains("Salassapitoperuste Laki viranomaisten toiminnan julkisuudesta"), "{text}");
    }
}

/// A paragraph that introduces a list is never the last line of a page, in any sample.
#[test]
fn a_list_introduction_stays_with_its_first_item() {
    if !have_tool("pdftotext") {
        return;
    }
    let dir = scratch("intros");
    let result = seloste(&["batch", samples().to_str().unwrap(), "-o", dir.to_str().unwrap(), "--format", "pdf"]);
    assert!(result.status.success(), "{}", stderr(&result));
    for pdf in files_in(&dir) {
        let text = stdout(&run("pdftotext", &["-layout", "-enc", "UTF-8", pdf.to_str().unwrap(), "-"]));
        for page in text.split('\u{c}') {
            let last = page.lines().rev().find(|line| !line.trim().is_empty()).unwrap_or_default();
            assert!(!last.trim_end().ends_with(':'), "{}: a page ends with the introduction {last:?}", pdf.display());
        }
    }
}
