//! `seloste check`: every rule with its exact id, line and suggestion; the samples pass
//! with notes only; the JSON report validates against `seloste schema findings`; records
//! made from the legacy notices raise what a data protection officer would expect; render
//! and batch run the same check; bad rule configuration is named by file and line.

mod common;

use std::path::PathBuf;

use common::*;
use serde_json::Value;

fn scratch(name: &str) -> PathBuf {
    scratch_in("check", name)
}

fn sample_text() -> String {
    std::fs::read_to_string(samples().join("huittinen-lastensuojelu.yaml")).unwrap()
}

/// Writes `text` as a record beside copies of the samples and checks it as JSON.
fn check_record(case: &str, text: &str) -> (PathBuf, Value, std::process::Output) {
    let dir = scratch(case);
    let samples = copy_samples(&dir);
    let record = samples.join(format!("{case}.yaml"));
    std::fs::write(&record, text).unwrap();
    let result = seloste(&["check", record.to_str().unwrap(), "--format", "json"]);
    let report: Value = serde_json::from_slice(&result.stdout)
        .unwrap_or_else(|err| panic!("{case}: not JSON ({err}): {}", stdout(&result)));
    (record, report, result)
}

fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"].as_array().unwrap().iter().filter(|finding| finding["rule"] == rule).collect()
}

fn line_of(text: &str, needle: &str) -> u64 {
    text.lines().position(|line| line.contains(needle)).unwrap_or_else(|| panic!("{needle:?} not in the record")) as u64
        + 1
}

/// Asserts one finding of `rule` at the line holding `needle`, with the replacement given.
fn assert_finding(report: &Value, text: &str, rule: &str, needle: &str, severity: &str, replacement: Option<&str>) {
    let found = findings(report, rule);
    let line = line_of(text, needle);
    let finding = found
        .iter()
        .find(|finding| finding["line"] == line)
        .unwrap_or_else(|| panic!("no {rule} at line {line}: {}", serde_json::to_string_pretty(report).unwrap()));
    assert_eq!(finding["severity"], severity, "{rule}");
    match replacement {
        Some(replacement) => assert_eq!(finding["replacement"], replacement, "{rule}: {finding}"),
        None => assert!(finding.get("replacement").is_none() || finding["replacement"].is_null(), "{rule}: {finding}"),
    }
    assert!(!finding["message"].as_str().unwrap().is_empty());
}

#[test]
fn the_samples_pass_with_notes_at_most() {
    let result = seloste(&["check", samples().to_str().unwrap()]);
    let report = stdout(&result);
    assert!(result.status.success(), "{report}");
    assert!(report.contains("5 records checked: 0 errors, 0 warnings"), "{report}");
    assert!(report.contains("(accepted: A sample"), "accepted findings are told as notes with the reason:\n{report}");
}

#[test]
fn citations_in_free_text_are_read_and_corrected() {
    let text = sample_text()
        .replace("  - fi: asiakas itse\n", "  - fi: asiakas itse; henkilötietolain (523/1999) mukaisesti\n")
        .replace("  - fi: lapsen huoltajat\n", "  - fi: lapsen huoltajat, EU:n yleinen tietosuoja-asetus 679/2016/EU\n")
        .replace(
            "  - fi: muut sosiaalihuollon rekisterinpitäjät asiakkaan suostumuksella\n",
            "  - fi: muut sosiaalihuollon rekisterinpitäjät vanhuspalvelulain (2012/980) mukaan\n",
        )
        .replace(
            "    sv: barnets vårdnadshavare\n",
            "    sv: barnets vårdnadshavare enligt lagen om klientavgifter (992/734)\n",
        )
        .replace(
            "    fi: Rekisterin tiedot ovat salassa pidettäviä.\n",
            "    fi: Rekisterin tiedot ovat salassa pidettäviä, Lastensuojelulaki (1301/2014).\n",
        );
    let (_, report, _) = check_record("citations", &text);
    assert_finding(&report, &text, "citation.repealed", "henkilötietolain (523/1999)", "warning", Some("1050/2018"));
    assert_finding(&report, &text, "citation.eu-form", "679/2016/EU", "warning", Some("(EU) 2016/679"));
    assert_finding(&report, &text, "citation.year-first", "(2012/980)", "warning", Some("980/2012"));
    assert_finding(&report, &text, "citation.swapped", "(992/734)", "warning", Some("734/1992"));
    assert_finding(
        &report,
        &text,
        "citation.title-mismatch",
        "Lastensuojelulaki (1301/2014)",
        "warning",
        Some("417/2007"),
    );
}

#[test]
fn cited_statutes_repealed_moved_or_unknown_are_errors_with_the_statute_in_force() {
    let text = sample_text()
        .replace("    - 417/2007\n", "    - 254/2015\n")
        .replace("    - 1301/2014\n", "    - { number: 812/2000, sections: { fi: 14 ja 15 §, sv: 14 och 15 § } }\n")
        .replace("    - 1050/2018\n", "    - 2014/1301\n")
        .replace("    - 703/2023\n", "    - 159/2007\n");
    let (_, report, result) = check_record("statutes", &text);
    assert_eq!(result.status.code(), Some(1));
    assert_finding(&report, &text, "statute.repealed", "- 254/2015", "error", Some("703/2023"));
    assert_finding(&report, &text, "statute.repealed", "- 159/2007", "error", Some("703/2023"));
    assert_finding(&report, &text, "statute.moved", "14 ja 15 §", "error", Some("703/2023"));
    assert_finding(&report, &text, "statute.unknown", "- 2014/1301", "error", Some("1301/2014"));
    let chain = findings(&report, "statute.repealed")
        .into_iter()
        .find(|finding| finding["message"].as_str().unwrap().contains("159/2007"))
        .unwrap();
    assert!(chain["message"].as_str().unwrap().contains("in force today: 703/2023"), "{chain}");
}

#[test]
fn renamed_bodies_and_outdated_terms_are_found_in_both_languages() {
    let text = sample_text()
        .replace(
            "  - fi: lapsen huoltajat\n",
            "  - fi: maistraatista ja Väestörekisterikeskuksen väestötietojärjestelmästä\n",
        )
        .replace(
            "    sv: barnets vårdnadshavare\n",
            "    sv: befolkningsdatasystemet hos Befolkningsregistercentralen\n",
        )
        .replace(
            "  - fi: asiakas itse\n",
            "  - fi: asiakas itse (katso rekisteriseloste); aluehallintovirasto ja Valvira\n",
        );
    let (_, report, _) = check_record("bodies", &text);
    assert_finding(
        &report,
        &text,
        "renamed-body.maistraatti",
        "maistraatista",
        "warning",
        Some("Digi- ja väestötietovirasto"),
    );
    assert_finding(
        &report,
        &text,
        "renamed-body.vaestorekisterikeskus",
        "maistraatista",
        "warning",
        Some("Digi- ja väestötietovirasto"),
    );
    assert_finding(
        &report,
        &text,
        "renamed-body.befolkningsregistercentralen",
        "hos Befolkningsregistercentralen",
        "warning",
        Some("Myndigheten för digitalisering och befolkningsdata"),
    );
    assert_finding(
        &report,
        &text,
        "obsolete-term.rekisteriseloste",
        "katso rekisteriseloste",
        "warning",
        Some("tietosuojaseloste"),
    );
    assert_finding(
        &report,
        &text,
        "renamed-body.aluehallintovirasto",
        "katso rekisteriseloste",
        "warning",
        Some("Lupa- ja valvontavirasto"),
    );
    assert_finding(
        &report,
        &text,
        "renamed-body.valvira",
        "katso rekisteriseloste",
        "warning",
        Some("Lupa- ja valvontavirasto"),
    );
}

#[test]
fn gdpr_points_the_notice_leaves_unanswered_are_named_by_article() {
    let text = remove_block(&sample_text().replace("  gdpr_art9: [h]\n", ""), "obligation:");
    let dir = scratch("gdpr");
    let samples = copy_samples(&dir);
    let organisation = samples.join("organisations/huittinen.yaml");
    let org_text = std::fs::read_to_string(&organisation).unwrap();
    std::fs::write(&organisation, remove_block(&org_text, "dpo:")).unwrap();
    let record = samples.join("gdpr.yaml");
    std::fs::write(&record, &text).unwrap();
    let result = seloste(&["check", record.to_str().unwrap(), "--format", "json"]);
    let report: Value = serde_json::from_slice(&result.stdout).unwrap();
    let dpo = &findings(&report, "gdpr.dpo")[0];
    assert!(
        dpo["message"].as_str().unwrap().contains("37(1)(a)")
            && dpo["file"].as_str().unwrap().ends_with("huittinen.yaml"),
        "{dpo}"
    );
    assert_eq!(result.status.code(), Some(1));

    // With the DPO back, the points of the composed notice are checked.
    std::fs::write(&organisation, org_text).unwrap();
    let result = seloste(&["check", record.to_str().unwrap(), "--format", "json"]);
    let report: Value = serde_json::from_slice(&result.stdout).unwrap();
    let obligation = &findings(&report, "gdpr.obligation")[0];
    assert!(obligation["message"].as_str().unwrap().contains("13(2)(e)"), "{obligation}");
    let special = &findings(&report, "gdpr.special-categories")[0];
    assert_eq!(special["severity"], "warning");
    assert_eq!(special["line"], line_of(&text, "legal_basis:"));
}

/// A notice without groups of data subjects is not rendered; a transfer on safeguards
/// without the way to a copy of them is a warning.
#[test]
fn data_subjects_are_required_and_safeguards_need_a_copy() {
    let text =
        remove_block(&sample_text(), "data_subjects:").replace("    ground: derogation\n", "    ground: safeguards\n");
    let (record, report, result) = check_record("subjects", &text);
    let missing = findings(&report, "gdpr.data-subjects");
    assert_eq!(missing.len(), 2, "one per language: {report}");
    assert!(missing[0]["message"].as_str().unwrap().contains("14(1)(d)"));
    assert_eq!(missing[0]["severity"], "error");
    assert_finding(&report, &text, "gdpr.transfer-safeguards-copy", "- destination:", "warning", None);
    assert_eq!(result.status.code(), Some(1));
    let out = record.parent().unwrap().join("out");
    let render = seloste(&["render", record.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(render.status.code(), Some(1), "{}", stderr(&render));
    assert!(files_in(&out).is_empty(), "a notice without data subjects was written");
}

/// `text` without the YAML block that starts at the line `key` and runs while indented.
fn remove_block(text: &str, key: &str) -> String {
    let mut out = Vec::new();
    let mut skipping = false;
    for line in text.lines() {
        if line.starts_with(key) {
            skipping = true;
            continue;
        }
        if skipping && (line.starts_with(' ') || line.is_empty()) {
            continue;
        }
        skipping = false;
        out.push(line);
    }
    out.join("\n") + "\n"
}

#[test]
fn a_template_that_leaves_a_point_out_is_caught_on_the_composed_notice() {
    let dir = scratch("templates");
    let templates = dir.join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    let fi = std::fs::read_to_string(project_root().join("templates/fi.yaml")).unwrap();
    let complaint_start = fi.find("  complaint: >-").unwrap();
    let complaint_end = complaint_start + fi[complaint_start..].find("  signed:").unwrap();
    let fi = format!("{}  complaint: \"\"\n{}", &fi[..complaint_start], &fi[complaint_end..]);
    std::fs::write(templates.join("fi.yaml"), fi).unwrap();
    let record = samples().join("lieto-lapsiperheet.yaml");
    let result =
        seloste(&["--templates", templates.to_str().unwrap(), "check", record.to_str().unwrap(), "--format", "json"]);
    let report: Value = serde_json::from_slice(&result.stdout).unwrap();
    let complaint = &findings(&report, "gdpr.complaint")[0];
    assert!(
        complaint["message"].as_str().unwrap().contains("the fi notice")
            && complaint["message"].as_str().unwrap().contains("13(2)(d)")
    );
    assert_eq!(result.status.code(), Some(1));
}

#[test]
fn the_json_report_validates_against_the_printed_schema() {
    if !have_tool("python3") {
        return;
    }
    let dir = scratch("schema");
    let schema = seloste(&["schema", "findings"]);
    assert!(schema.status.success());
    std::fs::write(dir.join("findings.schema.json"), &schema.stdout).unwrap();
    let text = sample_text().replace("    - 417/2007\n", "    - 254/2015\n");
    let (_, _, result) = check_record("schema-report", &text);
    std::fs::write(dir.join("report.json"), &result.stdout).unwrap();
    let validate = "import json, sys, jsonschema\nschema = json.load(open(sys.argv[1]))\njsonschema.validate(json.load(open(sys.argv[2])), schema)";
    let checked = python(
        validate,
        &[dir.join("findings.schema.json").to_str().unwrap(), dir.join("report.json").to_str().unwrap()],
    );
    assert!(checked.status.success(), "{}", stderr(&checked));
}

#[test]
fn a_mistyped_accepted_rule_and_a_bad_rule_pattern_are_named_with_file_and_line() {
    let dir = scratch("config");
    let samples = copy_samples(&dir);
    let organisation = samples.join("organisations/huittinen.yaml");
    let text = std::fs::read_to_string(&organisation)
        .unwrap()
        .replace("    controller.perusturvalautakunta:", "    controller.perusturvalautakuna:");
    std::fs::write(&organisation, &text).unwrap();
    let record = samples.join("huittinen-lastensuojelu.yaml");
    let result = seloste(&["check", record.to_str().unwrap()]);
    let said = stdout(&result);
    let line = line_of(&text, "controller.perusturvalautakuna:");
    assert!(
        said.contains(&format!("huittinen.yaml:{line}: field `check.accept.controller.perusturvalautakuna`")),
        "{said}"
    );
    assert!(said.contains("did you mean `controller.perusturvalautakunta`?"), "{said}");
    assert_eq!(result.status.code(), Some(1));

    let rules = samples.join("organisations/own-rules.yaml");
    std::fs::write(
        &rules,
        "kind: lint-rules\nrules:\n  - id: huittinen.old-name\n    severity: warning\n    lang: fi\n    pattern: 'Huittisten (kaupunki'\n    message: m\n",
    )
    .unwrap();
    std::fs::write(
        &organisation,
        format!(
            "{}  rules: own-rules.yaml\n",
            std::fs::read_to_string(samples.join("organisations/huittinen.yaml"))
                .unwrap()
                .replace("controller.perusturvalautakuna", "controller.perusturvalautakunta")
        ),
    )
    .unwrap();
    let result = seloste(&["check", record.to_str().unwrap()]);
    let said = stdout(&result);
    assert!(
        said.contains("own-rules.yaml:6: field `rules[0].pattern`: the pattern is not a valid regular expression"),
        "{said}"
    );
}

#[test]
fn any_statute_of_the_finlex_table_prints_with_its_title_in_both_languages() {
    if !have_tool("pdftotext") {
        return;
    }
    let dir = scratch("table-statute");
    let samples = copy_samples(&dir);
    let record = samples.join("huittinen-lastensuojelu.yaml");
    std::fs::write(&record, sample_text().replace("    - 1050/2018\n", "    - 1050/2018\n    - 980/2012\n")).unwrap();
    let out = dir.join("out");
    let result = seloste(&["render", record.to_str().unwrap(), "-o", out.to_str().unwrap(), "--format", "pdf"]);
    assert!(result.status.success(), "{}", stderr(&result));
    let fi = pdf_text(&out.join("huittinen-lastensuojelu.fi.pdf"));
    assert!(fi.contains("Laki ikääntyneen väestön toimintakyvyn tukemisesta sekä iäkkäiden sosiaali- ja terveyspalveluista (980/2012)"), "{fi}");
    let sv = pdf_text(&out.join("huittinen-lastensuojelu.sv.pdf"));
    assert!(
        sv.contains("Lag om stödjande av den äldre befolkningens funktionsförmåga och om social- och hälsovårdstjänster för äldre (980/2012)"),
        "{sv}"
    );
}

#[test]
fn render_and_batch_run_the_check_errors_stop_the_record_and_warnings_are_kept() {
    let dir = scratch("pipeline");
    let samples = copy_samples(&dir);
    let warned = samples.join("lieto-lapsiperheet.yaml");
    let text = std::fs::read_to_string(&warned).unwrap().replace("  gdpr_art9: [h]\n", "");
    std::fs::write(&warned, text).unwrap();
    let failing = samples.join("parkano-lapsiperheet.yaml");
    std::fs::write(
        &failing,
        std::fs::read_to_string(&failing).unwrap().replace("    - 703/2023\n", "    - 254/2015\n"),
    )
    .unwrap();
    let out = dir.join("out");
    let result =
        seloste(&["batch", samples.to_str().unwrap(), "-o", out.to_str().unwrap(), "--format", "docx", "--lang", "fi"]);
    assert_eq!(result.status.code(), Some(1));
    let report = stdout(&result);
    assert!(report.contains("4 rendered"), "{report}");
    assert!(
        report.contains("1 warnings")
            && report.contains("lieto-lapsiperheet.yaml")
            && report.contains("special categories"),
        "{report}"
    );
    assert!(report.contains("failed: ") && report.contains("254/2015"), "{report}");

    let result =
        seloste(&["render", warned.to_str().unwrap(), "-o", out.to_str().unwrap(), "--format", "docx", "--lang", "fi"]);
    assert!(result.status.success());
    assert!(
        stderr(&result).contains("warning:") && stderr(&result).contains("[gdpr.special-categories]"),
        "{}",
        stderr(&result)
    );
}

#[test]
fn render_passes_over_organisation_files_and_plans_with_a_note() {
    let dir = scratch("render-glob");
    let mut args = vec!["render".to_owned()];
    args.extend(files_in(&samples()).into_iter().filter(|path| path.is_file()).map(|path| path.display().to_string()));
    args.extend(files_in(&samples().join("organisations")).into_iter().map(|path| path.display().to_string()));
    args.extend([
        "-o".into(),
        dir.join("out").display().to_string(),
        "--format".into(),
        "docx".into(),
        "--lang".into(),
        "fi".into(),
    ]);
    let result = seloste(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(
        stdout(&result).contains("skipped") && stdout(&result).contains("organisation file"),
        "{}",
        stdout(&result)
    );
    assert_eq!(files_in(&dir.join("out")).len(), 5);
}

#[test]
fn usage_errors_exit_with_two() {
    assert_eq!(seloste(&["check"]).status.code(), Some(2));
    assert_eq!(seloste(&["check", "samples", "--format", "xml"]).status.code(), Some(2));
}

/// Records made from the legacy notices' own words: what a data protection officer would
/// expect to be told.
#[test]
fn records_in_the_legacy_notices_words_raise_what_a_dpo_expects() {
    let legacy = project_root().join("tests/data/legacy-check");
    let result = seloste(&["check", legacy.to_str().unwrap(), "--format", "json"]);
    let report: Value = serde_json::from_slice(&result.stdout).unwrap_or_else(|_| panic!("{}", stderr(&result)));
    let rules: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|finding| finding["rule"].as_str().unwrap()).collect();
    for expected in [
        "statute.repealed",
        "citation.repealed",
        "repealed-law.henkilotietolaki",
        "renamed-body.maistraatti",
        "renamed-body.vaestorekisterikeskus",
        "obsolete-term.tarkastusoikeus",
        "citation.eu-form",
        "gdpr.dpo",
        "gdpr.obligation",
        "gdpr.transfer-safeguards-copy",
        "controller.perusturvalautakunta",
    ] {
        assert!(rules.contains(&expected), "{expected} not raised: {rules:?}");
    }
    assert_eq!(result.status.code(), Some(1));
}
