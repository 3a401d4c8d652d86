//! Batch at scale: the same bytes whatever the thread count, shards that partition the
//! records exactly, and a large batch that goes on past its bad records.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::*;

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("batch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `count` synthetic records made from the samples (each with its own id), with the
/// samples' organisation files; the records listed in `bad` cite an unknown statute.
fn synthetic(dir: &Path, count: usize, bad: &[usize]) -> PathBuf {
    let records = dir.join("records");
    std::fs::create_dir_all(records.join("organisations")).unwrap();
    for organisation in files_in(&samples().join("organisations")) {
        std::fs::copy(&organisation, records.join("organisations").join(organisation.file_name().unwrap())).unwrap();
    }
    std::fs::copy(samples().join("archive-plan.yaml"), records.join("archive-plan.yaml")).unwrap();
    let sources: Vec<(String, String)> = files_in(&samples())
        .into_iter()
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "yaml") && path.file_name().unwrap() != "archive-plan.yaml"
        })
        .map(|path| (path.file_stem().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(path).unwrap()))
        .collect();
    for index in 0..count {
        let (id, text) = &sources[index % sources.len()];
        let new_id = format!("{id}-{index:05}");
        let mut text = text.replace(&format!("id: {id}\n"), &format!("id: {new_id}\n"));
        if bad.contains(&index) {
            text =
                text.replace("    - 1301/2014\n", "    - 1301/2099\n").replace("    - 812/2000\n", "    - 812/2099\n");
        }
        std::fs::write(records.join(format!("{new_id}.yaml")), text).unwrap();
    }
    records
}

fn batch(records: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["batch", records.to_str().unwrap(), "-o", out.to_str().unwrap()];
    args.extend(extra);
    seloste(&args)
}

#[test]
fn output_bytes_and_names_do_not_depend_on_the_number_of_jobs() {
    let dir = scratch("jobs");
    let records = synthetic(&dir, 12, &[]);
    let one = batch(&records, &dir.join("one"), &["--jobs", "1"]);
    let two = batch(&records, &dir.join("two"), &["--jobs", "2"]);
    assert!(one.status.success() && two.status.success(), "{}{}", stderr(&one), stderr(&two));
    let names = |dir: &Path| files_in(dir).iter().map(|path| path.file_name().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(names(&dir.join("one")), names(&dir.join("two")));
    assert_eq!(names(&dir.join("one")).len(), 12 * 6);
    for name in names(&dir.join("one")) {
        assert!(
            std::fs::read(dir.join("one").join(&name)).unwrap() == std::fs::read(dir.join("two").join(&name)).unwrap(),
            "{name:?} differs"
        );
    }
    let summary = |output: &std::process::Output, folder: &str| {
        let line =
            stdout(output).lines().find(|line| line.contains(" records: ")).map(str::to_owned).unwrap_or_default();
        line.replace(dir.join(folder).to_str().unwrap(), "OUT")
    };
    assert_eq!(summary(&one, "one"), summary(&two, "two"));
}

#[test]
fn shards_partition_the_records_exactly() {
    let dir = scratch("shards");
    let records = synthetic(&dir, 25, &[]);
    let mut seen = BTreeSet::new();
    for shard in 1..=3 {
        let out = dir.join(format!("shard-{shard}"));
        let result = batch(&records, &out, &["--shard", &format!("{shard}/3"), "--lang", "fi", "--format", "docx"]);
        assert!(result.status.success(), "{}", stderr(&result));
        for file in files_in(&out) {
            let id = file.file_name().unwrap().to_string_lossy().trim_end_matches(".fi.docx").to_owned();
            assert!(seen.insert(id.clone()), "{id} is in two shards");
        }
    }
    assert_eq!(seen.len(), 25, "every record in exactly one shard: {seen:?}");
}

#[test]
fn bad_jobs_and_shard_values_are_usage_errors() {
    let dir = scratch("usage");
    for args in [["--jobs", "0"], ["--shard", "0/3"], ["--shard", "4/3"], ["--shard", "two"], ["--shard", "1/0"]] {
        let result = batch(&samples(), &dir.join("out"), &args);
        assert_eq!(result.status.code(), Some(2), "{args:?}: {}", stderr(&result));
        assert!(stderr(&result).contains(args[0]), "{args:?}: {}", stderr(&result));
        assert!(files_in(&dir.join("out")).is_empty());
    }
}

#[test]
fn a_thousand_records_with_ten_bad_render_the_rest_and_report_the_ten() {
    let dir = scratch("thousand");
    let bad: Vec<usize> = (0..10).map(|n| n * 97 + 3).collect();
    let records = synthetic(&dir, 1000, &bad);
    let out = dir.join("out");
    let result = batch(&records, &out, &["--lang", "fi", "--format", "pdf", "--jobs", "2"]);
    assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
    let report = stdout(&result);
    assert!(report.contains("1000 records: 990 rendered (990 files"), "{report}");
    assert!(report.contains("10 failed"), "{report}");
    assert_eq!(report.lines().filter(|line| line.starts_with("failed: ")).count(), 10, "{report}");
    assert!(report.lines().filter(|line| line.starts_with("failed: ")).all(|line| line.contains("2099")), "{report}");
    assert_eq!(files_in(&out).len(), 990);
}

#[test]
fn a_record_whose_file_cannot_be_stored_fails_alone_and_leaves_nothing_half_written() {
    let dir = scratch("unstorable");
    let records = synthetic(&dir, 6, &[]);
    let blocked_id = files_in(&records)
        .into_iter()
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "yaml") && path.file_name().unwrap() != "archive-plan.yaml"
        })
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .nth(2)
        .unwrap();
    let out = dir.join("out");
    // A folder where the record's PDF should go: the rename into place fails.
    let blocker = out.join(format!("{blocked_id}.fi.pdf"));
    std::fs::create_dir_all(blocker.join("occupied")).unwrap();
    let archive = dir.join("archive");
    let result = batch(
        &records,
        &out,
        &["--lang", "fi", "--format", "pdf", "--jobs", "2", "--archive", archive.to_str().unwrap()],
    );
    assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
    let report = stdout(&result);
    assert!(report.contains("6 records: 5 rendered"), "{report}");
    let failures: Vec<&str> = report.lines().filter(|line| line.starts_with("failed: ")).collect();
    assert_eq!(failures.len(), 1, "{report}");
    assert!(failures[0].contains(&blocker.display().to_string()), "{report}");
    let written: Vec<PathBuf> = files_in(&out).into_iter().filter(|path| path.is_file()).collect();
    assert_eq!(written.len(), 5, "{written:?}");
    assert!(written.iter().all(|path| !path.to_string_lossy().contains(".partial")), "{written:?}");
    assert!(!archive.join(&blocked_id).exists(), "a record that was not written out must not be archived");
}

#[test]
fn an_output_folder_that_cannot_be_made_stops_the_batch_before_any_record() {
    let dir = scratch("bad-out");
    let records = synthetic(&dir, 3, &[]);
    let not_a_folder = dir.join("out");
    std::fs::write(&not_a_folder, "a file where the output folder should be").unwrap();
    let result = batch(&records, &not_a_folder, &["--lang", "fi", "--format", "pdf"]);
    assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
    assert!(
        stderr(&result).contains(&format!("{}: cannot create the folder", not_a_folder.display())),
        "{}",
        stderr(&result)
    );
    assert!(!stdout(&result).contains("failed: "), "no record should be tried: {}", stdout(&result));
}
