//! The web pages (`--format html`) and the register index: checked in headless Chromium
//! with axe-core (tests/browser/check-pages.mjs) and, for what needs no browser, by
//! reading the pages here.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use scraper::{Html, Selector};

fn page(path: &Path) -> Html {
    Html::parse_document(&std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display())))
}

fn select<'a>(html: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    html.select(&Selector::parse(css).unwrap()).collect()
}

fn text_of(element: &scraper::ElementRef) -> String {
    normalise(&element.text().collect::<String>())
}

/// The sample batch in every format, signed with a test key, as a municipality would
/// publish it.
fn published(name: &str) -> PathBuf {
    let dir = scratch_in("html", name);
    let out = dir.join("site");
    let result = seloste(&[
        "batch",
        samples().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--format",
        "pdf",
        "--format",
        "docx",
        "--format",
        "html",
        "--test-key",
        dir.join("key").to_str().unwrap(),
        "--signing-time",
        "2026-11-02T10:00:00Z",
    ]);
    assert!(result.status.success(), "{}{}", stdout(&result), stderr(&result));
    assert!(stdout(&result).contains("wrote"), "{}", stdout(&result));
    out
}

#[test]
fn every_page_and_the_index_pass_axe_and_the_browser_checks() {
    if !have_tool("node") || !have_tool("chromium") {
        return;
    }
    let browser_tests = project_root().join("tests/browser");
    if !browser_tests.join("node_modules/playwright-core").is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "tests/browser/node_modules is missing; .ci/run must run `npm ci` there"
        );
        eprintln!("SKIPPED CHECK: run `npm ci --prefix tests/browser` (tests/run.sh does)");
        return;
    }
    let site = published("browser");
    let pages = files_in(&site).into_iter().filter(|path| path.extension().is_some_and(|ext| ext == "html")).count();
    assert_eq!(pages, 17, "15 notices and two indexes");
    let shots = site.parent().unwrap().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let result = run(
        "node",
        &[
            browser_tests.join("check-pages.mjs").to_str().unwrap(),
            site.to_str().unwrap(),
            shots.to_str().unwrap(),
            "lieto-lapsiperheet.fi-sv.html",
        ],
    );
    let report = stdout(&result);
    assert!(result.status.success(), "{report}{}", stderr(&result));
    assert!(report.contains(r#""pages":17,"violations":0"#), "{report}");
    for width in [320, 1280] {
        let shot = shots.join(format!("lieto-lapsiperheet.fi-sv.html.{width}.png"));
        assert!(std::fs::metadata(&shot).is_ok_and(|meta| meta.len() > 10_000), "{} missing", shot.display());
    }
}

#[test]
fn pages_have_landmarks_contents_languages_and_links_to_the_signed_files() {
    let site = published("structure");
    for path in files_in(&site) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".html") else { continue };
        if stem.starts_with("index") {
            continue;
        }
        let html = page(&path);
        let (id, form) = stem.rsplit_once('.').unwrap();
        let lang = if form == "sv" { "sv" } else { "fi" };
        assert_eq!(select(&html, "html")[0].attr("lang"), Some(lang), "{name}");
        assert_eq!(select(&html, "h1").len(), 1, "{name}");
        for landmark in ["header", "main#main", "nav.toc", "dl", "time[datetime='2026-11-02']"] {
            assert!(!select(&html, landmark).is_empty(), "{name}: no {landmark}");
        }
        assert_eq!(select(&html, "a[href]")[0].attr("href"), Some("#main"), "{name}: the skip link is not first");
        let headings = select(&html, "main section > [id]");
        let contents = select(&html, "nav.toc a");
        assert_eq!(contents.len(), headings.len(), "{name}");
        for (link, heading) in contents.iter().zip(&headings) {
            assert_eq!(link.attr("href").unwrap(), format!("#{}", heading.attr("id").unwrap()), "{name}");
            assert_eq!(text_of(link), text_of(heading), "{name}");
        }
        let policy = select(&html, "meta[http-equiv='Content-Security-Policy']")[0].attr("content").unwrap();
        assert!(policy.starts_with("default-src 'none'; style-src 'sha256-"), "{name}: {policy}");
        // Every link is to the page itself, a file beside it, or an address the notice gives.
        for link in select(&html, "a[href]") {
            let href = link.attr("href").unwrap();
            let external = href.starts_with("mailto:") || href.starts_with("https://");
            assert!(href.starts_with('#') || external || site.join(href).is_file(), "{name}: {href} is not there");
        }
        let files: Vec<&str> = select(&html, ".links a").iter().filter_map(|link| link.attr("href")).collect();
        for file in [format!("{id}.{form}.pdf"), format!("{id}.{form}.docx"), format!("{id}.{form}.docx.p7s")] {
            assert!(files.contains(&file.as_str()), "{name}: no link to {file} in {files:?}");
        }
        if form == "fi-sv" {
            let swedish = select(&html, "div.part[lang='sv'] h2");
            assert_eq!(swedish.len(), 1, "{name}: the Swedish part is not marked");
            assert!(!select(&html, "header p[lang='sv']").is_empty(), "{name}: DATASKYDDSBESKRIVNING is not marked sv");
        }
    }
    let fi_page = page(&site.join("lieto-lapsiperheet.fi.html"));
    let other: Vec<_> = select(&fi_page, "a[hreflang='sv']");
    assert_eq!(text_of(&other[0]), "På svenska");
    assert_eq!(other[0].attr("lang"), Some("sv"));
    assert!(
        select(&fi_page, "a[href='mailto:tietosuoja@lieto.fi']").len() == 1,
        "the DPO's e-mail address is not a link"
    );
    // The signed page's detached signature verifies with openssl.
    if have_tool("openssl") {
        let ca = site.parent().unwrap().join("key/ca.pem");
        let page = site.join("lieto-lapsiperheet.fi.html");
        let verified = openssl_cms_verify(&site.join("lieto-lapsiperheet.fi.html.p7s"), &page, &ca);
        assert!(verified.status.success(), "{}", stderr(&verified));
    }
}

#[test]
fn the_index_lists_every_register_in_finnish_and_swedish_order_and_is_rebuilt_from_the_folder() {
    let dir = scratch_in("html", "index");
    let site = dir.join("site");
    let render = |record: &str, more: &[&str]| {
        let (record, site) = (samples().join(record), site.to_str().unwrap().to_owned());
        let mut args = vec!["render", record.to_str().unwrap(), "-o", &site, "--format", "html", "--format", "pdf"];
        args.extend(more);
        let result = seloste(&args);
        assert!(result.status.success(), "{}", stderr(&result));
        stdout(&result)
    };
    // One register per run: the second run's index still lists the first.
    assert!(render("uusikaupunki-sosiaalityo.yaml", &[]).contains("index.html"));
    render("huittinen-lastensuojelu.yaml", &[]);
    render("lieto-lapsiperheet.yaml", &[]);
    render("parkano-lapsiperheet.yaml", &[]);
    render("huittinen-sosiaalihuolto.yaml", &[]);
    // Things in the folder that are not our pages are passed over.
    std::fs::write(site.join("notes.fi.html"), "<html><head><title>x</title></head></html>").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(site.join("lieto-lapsiperheet.fi.html"), site.join("linked.fi.html")).unwrap();
    render("lieto-lapsiperheet.yaml", &[]);

    let names = |index: &Html| select(index, "ul.registers > li > h2").iter().map(text_of).collect::<Vec<_>>();
    let finnish = page(&site.join("index.html"));
    assert_eq!(select(&finnish, "html")[0].attr("lang"), Some("fi"));
    let listed = names(&finnish);
    assert_eq!(listed.len(), 5, "{listed:?}");
    let mut sorted = listed.clone();
    sorted.sort_by_key(|name| name.to_lowercase());
    assert_eq!(listed, sorted, "not in alphabetical order");
    let swedish = page(&site.join("index.sv.html"));
    assert_eq!(select(&swedish, "html")[0].attr("lang"), Some("sv"));
    assert_eq!(names(&swedish).len(), 5);
    assert!(names(&swedish).iter().any(|name| name.starts_with("Registret för tjänster för barnfamiljer")));
    // Each register links to its pages and PDFs, and the indexes to each other.
    for link in select(&finnish, "ul.registers a[href]") {
        assert!(site.join(link.attr("href").unwrap()).is_file(), "{:?}", link.attr("href"));
    }
    assert_eq!(select(&finnish, "header a[hreflang='sv']")[0].attr("href"), Some("index.sv.html"));

    // The same record and folder give the same page and index, byte for byte.
    let read = |name: &str| std::fs::read(site.join(name)).unwrap();
    let before = [read("index.html"), read("lieto-lapsiperheet.fi-sv.html")];
    render("lieto-lapsiperheet.yaml", &[]);
    assert_eq!(before, [read("index.html"), read("lieto-lapsiperheet.fi-sv.html")]);

    // With no Swedish page left, the Swedish index goes too, and the Finnish one stops
    // linking to it.
    for path in files_in(&site) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".sv.html") || name.ends_with(".fi-sv.html") {
            std::fs::remove_file(path).unwrap();
        }
    }
    render("lieto-lapsiperheet.yaml", &["--lang", "fi"]);
    assert!(!site.join("index.sv.html").exists(), "the Swedish index lists pages that are gone");
    assert!(select(&page(&site.join("index.html")), "a[href='index.sv.html']").is_empty());
}

#[test]
fn record_text_in_a_page_is_text() {
    let dir = scratch_in("html", "markup");
    let samples = copy_samples(&dir);
    let markup = r#"<script>alert("x")</script></p> & {{name}} 'lainaus' <b>"#;
    let record = samples.join("huittinen-lastensuojelu.yaml");
    let text = std::fs::read_to_string(&record)
        .unwrap()
        .replace("  fi: Lastensuojelun asiakasrekisteri\n", &format!("  fi: '{}'\n", markup.replace('\'', "''")));
    std::fs::write(&record, text).unwrap();
    let out = dir.join("out");
    let result =
        seloste(&["render", record.to_str().unwrap(), "-o", out.to_str().unwrap(), "--lang", "fi", "--format", "html"]);
    assert!(result.status.success(), "{}", stderr(&result));
    let path = out.join("huittinen-lastensuojelu.fi.html");
    let html = page(&path);
    assert!(select(&html, "script").is_empty(), "a script element came from the record");
    assert!(select(&html, "main b").is_empty(), "a <b> element came from the record");
    assert_eq!(text_of(&select(&html, "h1")[0]), normalise(markup));
    let index = page(&out.join("index.html"));
    assert_eq!(text_of(&select(&index, "ul.registers h2")[0]), normalise(markup));
    assert!(select(&index, "script").is_empty());
}

#[test]
fn a_register_cannot_take_the_index_s_name() {
    let dir = scratch_in("html", "index-id");
    let samples = copy_samples(&dir);
    let record = samples.join("lieto-lapsiperheet.yaml");
    let text = std::fs::read_to_string(&record).unwrap().replace("id: lieto-lapsiperheet", "id: index");
    std::fs::write(&record, text).unwrap();
    let out = dir.join("out");
    let result = seloste(&["render", record.to_str().unwrap(), "-o", out.to_str().unwrap(), "--format", "html"]);
    assert!(!result.status.success());
    assert!(stderr(&result).contains("`index` is taken by the register index"), "{}", stderr(&result));
    assert!(files_in(&out).is_empty(), "{:?}", files_in(&out));
}
