//! One function per command: each turns its arguments into library calls and hands
//! what to print to [`super::print`].

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use seloste::archive::{self, Archive, Archiving};
use seloste::batch::{self, Options};
use seloste::check::Report;
use seloste::pkix::{TrustStore, ers};
use seloste::sign::{Identity, KeySource, KeySpec, SecretSource, Signer, keys, secret};
use seloste::time::{Date, parse_time};
use seloste::timestamp::Tsa;
use seloste::{Assets, Diagnostic, Engine, Error, Format, verify};

use super::args::{
    ArchiveCommand, Cli, Command, KeyArgs, OutputArgs, ReportFormat, SchemaOf, SigningArgs, TemplatesCommand, TsaArgs,
};
use super::print::{self, Failure, Progress, out};

/// Runs the command the user gave.
pub fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let templates = cli.templates.as_deref();
    match cli.command {
        Command::Schema { of } => schema(of),
        Command::Check { paths, format } => check(templates, &paths, format),
        Command::Render { records, output, signing, dry_run } => {
            render(templates, &records, &output, &signing, dry_run)
        }
        Command::Batch { dir, output, signing, archive, jobs, shard } => {
            let options =
                Options { forms: &output.forms(), formats: &output.formats(), jobs: usize::from(jobs), shard };
            batch(templates, &dir, &output.output, &options, &signing, archive.as_deref())
        }
        Command::Sign { files, key, signing_time, tsa } => sign(&files, &key, signing_time.as_deref(), &tsa),
        Command::Verify { files, trust, records } => verify(&files, &trust, records.as_deref()),
        Command::Archive(ArchiveCommand::List { archive, register, records }) => {
            archive_list(&archive, register.as_deref(), records.as_deref())
        }
        Command::Archive(ArchiveCommand::Renew { archive, tsa, tsa_timeout, digest }) => {
            archive_renew(&archive, Tsa { url: tsa, timeout: Duration::from_secs(tsa_timeout) }, digest.as_deref())
        }
        Command::Keygen { output, name, valid_from, valid_until, p12, key_password_file, key_password_env } => {
            let p12_password =
                p12.then(|| secret::source_of(key_password_file.as_deref(), key_password_env.as_deref())).flatten();
            keygen(&output, &name, &valid_from, &valid_until, p12_password.as_ref())
        }
        Command::Templates(TemplatesCommand::Export { dir }) => export_templates(&dir),
        Command::Import { sources, output } => import(templates, &sources, &output),
    }
}

/// Rules whose findings on a fresh draft are worth telling at once: the legal references
/// the source got wrong. The rest is in `seloste check`.
const REFERENCE_RULES: [&str; 6] =
    ["statute.", "citation.", "renamed-body.", "repealed-law.", "obsolete-term.", "controller."];

/// Reads legacy notices into drafts in `dir`, and tells per source what was found, what
/// is left to fill in and what the check says of its legal references.
fn import(templates: Option<&Path>, sources: &[PathBuf], dir: &Path) -> Result<ExitCode, Failure> {
    let engine = engine(templates)?;
    let sources = seloste::import::discover(sources)?;
    let mut failed = 0;
    let mut read = Vec::new();
    for result in engine.importer().read_all(&sources) {
        match result {
            Ok(one) => read.push(one),
            Err(err) => {
                failed += 1;
                print::error(&err);
            }
        }
    }
    for result in seloste::import::write_all(dir, read) {
        let written = match result {
            Ok(written) => written,
            Err(err) => {
                failed += 1;
                print::error(&err);
                continue;
            }
        };
        out(format!("imported {} → {}", written.source.display(), written.record.display()))?;
        let shared = if written.new_organisation { "new" } else { "shared" };
        out(format!("  organisation file ({shared}): {}", written.organisation.display()))?;
        out(format!("  found: {}", written.found.join(", ")))?;
        if !written.unmapped.is_empty() {
            out(format!("  kept as comments (no field): {}", written.unmapped.join("; ")))?;
        }
        let findings = engine.check_file(&written.record);
        let to_fill: Vec<&Diagnostic> =
            findings.iter().filter(|finding| finding.is_error() && !is_reference(finding)).collect();
        out(format!("  left to fill in or fix: {}", to_fill.len()))?;
        for finding in findings.iter().filter(|finding| is_reference(finding)) {
            out(format!("  {}", print::finding(finding).lines().next().unwrap_or_default()))?;
        }
    }
    Ok(status(failed))
}

fn is_reference(finding: &Diagnostic) -> bool {
    REFERENCE_RULES.iter().any(|prefix| finding.rule.starts_with(prefix))
}

/// Writes the built-in templates and the starter files into `dir`, never over a file.
fn export_templates(dir: &Path) -> Result<ExitCode, Failure> {
    let assets = Assets::embedded();
    let starters = [&seloste::record::load::STARTER_RECORD, &seloste::record::load::STARTER_ORGANISATION];
    let files = assets
        .files()
        .into_iter()
        .map(|asset| (asset.name.as_str(), asset.text.as_str()))
        .chain(starters.iter().map(|starter| (starter.name, starter.text)));
    for (name, text) in files {
        let path = dir.join(name.trim_start_matches("templates/"));
        seloste::output::write_new(&path, text.as_bytes())?;
        out(format!("wrote {}", path.display()))?;
    }
    out(format!("Edit the copies you need and give the folder as `seloste --templates {}`.", dir.display()))?;
    Ok(ExitCode::SUCCESS)
}

fn status(failed: usize) -> ExitCode {
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn engine(templates: Option<&Path>) -> Result<Engine, Error> {
    let assets = match templates {
        Some(dir) => Assets::embedded().with_templates_from(dir)?,
        None => Assets::embedded(),
    };
    Engine::new(&assets)
}

fn schema(of: SchemaOf) -> Result<ExitCode, Failure> {
    let schema = match of {
        SchemaOf::Record => schemars::schema_for!(seloste::record::Record),
        SchemaOf::Organisation => schemars::schema_for!(seloste::record::Organisation),
        SchemaOf::Findings => schemars::schema_for!(seloste::check::Report),
    };
    out(serde_json::to_string_pretty(&schema).unwrap_or_default())?;
    Ok(ExitCode::SUCCESS)
}

fn check(templates: Option<&Path>, paths: &[PathBuf], format: ReportFormat) -> Result<ExitCode, Failure> {
    let engine = engine(templates)?;
    let batch::Given { records, skipped } = batch::records_among(paths)?;
    let mut findings: Vec<Diagnostic> = Vec::new();
    for path in &records {
        findings.extend(engine.check_file(path));
    }
    let report = Report::new(records.len(), findings);
    match format {
        ReportFormat::Json => out(serde_json::to_string_pretty(&report).unwrap_or_default())?,
        ReportFormat::Text => {
            for (path, reason) in &skipped {
                out(format!("skipped {}: {reason}", path.display()))?;
            }
            for finding in &report.findings {
                out(print::finding(finding))?;
            }
            out(format!(
                "{} records checked: {} errors, {} warnings, {} notes",
                report.records, report.errors, report.warnings, report.notes
            ))?;
        }
    }
    Ok(if report.errors > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn render(
    templates: Option<&Path>,
    records: &[PathBuf],
    output: &OutputArgs,
    signing: &SigningArgs,
    dry_run: bool,
) -> Result<ExitCode, Failure> {
    let engine = engine(templates)?;
    let mut keys = key_source(signing, dry_run)?;
    // Organisation files and archive plans given with the records (`render records/*.yaml`)
    // are passed over with a note, as `batch` passes over them.
    let batch::Given { records, skipped } = batch::records_among(records)?;
    for (path, reason) in &skipped {
        out(format!("skipped {}: {reason}", path.display()))?;
    }
    let mut failed = 0;
    for path in &records {
        let result = engine.load_checked(path).and_then(|checked| {
            print::warnings(&checked.findings);
            let register = checked.register;
            let signer = keys.for_register(&register)?;
            if dry_run {
                // A test key not made yet (see key_source) still signs the real run.
                let signed = signer.is_some() || signing.test_key.is_some();
                let names = engine.planned_files(&register, &output.forms(), &output.formats(), signed)?;
                return Ok(names.into_iter().map(|name| (output.output.join(name), "would write")).collect());
            }
            let outputs = engine.produce(&register, &output.forms(), &output.formats(), signer.as_deref())?;
            let written = seloste::output::write_outputs(&output.output, &outputs)?;
            Ok(written.into_iter().map(|file| (file, "wrote")).collect::<Vec<_>>())
        });
        match result {
            Ok(files) => {
                for (file, done) in files {
                    out(format!("{done} {}", file.display()))?;
                }
            }
            Err(err) => {
                failed += 1;
                print::error(&err);
            }
        }
    }
    if dry_run && output.formats().contains(&Format::Html) {
        let index = output.output.join("index.html");
        out(format!("would write {} (and index.sv.html when a register is in Swedish)", index.display()))?;
    } else if !write_index(&engine, &output.output, &output.formats())? {
        failed += 1;
    }
    Ok(status(failed))
}

/// With web pages among the formats, rewrites the folder's register index; false when
/// that failed (the error is printed).
fn write_index(engine: &Engine, dir: &Path, formats: &[Format]) -> Result<bool, Failure> {
    if !formats.contains(&Format::Html) || !dir.is_dir() {
        return Ok(true);
    }
    match engine.write_index(dir) {
        Ok(written) => {
            for path in written {
                out(format!("wrote {}", path.display()))?;
            }
            Ok(true)
        }
        Err(err) => {
            print::error(&err);
            Ok(false)
        }
    }
}

fn batch(
    templates: Option<&Path>,
    dir: &Path,
    output: &Path,
    options: &Options<'_>,
    signing: &SigningArgs,
    archive: Option<&Path>,
) -> Result<ExitCode, Failure> {
    let engine = engine(templates)?;
    let keys = key_source(signing, false)?;
    let archiving = match archive {
        Some(path) => Some(Archiving::new(Archive::open(path)?, SystemTime::now())),
        None => None,
    };
    let started = Instant::now();
    let progress = Progress::new(batch::discover(dir)?.len());
    let report =
        batch::run(&engine, dir, output, options, keys, archiving, &|path, outcome| progress.file_done(path, outcome))?;
    progress.finish();
    print::summary(&report, output, started.elapsed())?;
    let index_written = write_index(&engine, output, options.formats)?;
    Ok(status(report.failed() + usize::from(report.evidence_missing()) + usize::from(!index_written)))
}

fn sign(files: &[PathBuf], key: &KeyArgs, signing_time: Option<&str>, tsa: &TsaArgs) -> Result<ExitCode, Failure> {
    let time = signing_time_of(signing_time)?;
    let spec = key.access.spec(&key.key, key.cert.as_deref(), key.chain.as_deref());
    let signer = command_line_signer(Identity::load(&spec, time)?, time, tsa, tsa_chain(tsa)?)?;
    let mut failed = 0;
    for file in files {
        match seloste::sign::sign_file(&signer, file) {
            Ok(written) => out(format!("signed {}", written.display()))?,
            Err(err) => {
                failed += 1;
                print::error(&err);
            }
        }
    }
    Ok(status(failed))
}

fn verify(files: &[PathBuf], trust: &[PathBuf], records: Option<&Path>) -> Result<ExitCode, Failure> {
    let mut anchors = Vec::new();
    for path in trust {
        anchors.extend(keys::load_certificates(path)?);
    }
    let trust = TrustStore::new(anchors);
    let mut failed = 0;
    for file in files {
        if file.is_dir() {
            let mut findings = archive::verify_archive(file, &trust);
            if let Some(records) = records {
                findings.problems.extend(archive::missing(file, &batch::record_ids(records)?));
            }
            let problems = findings.problems;
            for problem in &problems {
                out(format!("INVALID  {problem}"))?;
            }
            for proof in &findings.proofs {
                out(format!("proven   {proof}"))?;
            }
            if problems.is_empty() {
                out(format!(
                    "valid    {}: every bag complete, every hash and signature valid, the version chain unbroken",
                    file.display()
                ))?;
            }
            failed += usize::from(!problems.is_empty());
            continue;
        }
        let result = verify::verify_file(file, &trust);
        failed += usize::from(result.is_err());
        out(print::verdict(file, &result))?;
    }
    Ok(status(failed))
}

fn archive_list(archive: &Path, register: Option<&str>, records: Option<&Path>) -> Result<ExitCode, Failure> {
    for line in archive::list(archive, register)? {
        out(line)?;
    }
    if let Some(records) = records {
        for line in archive::missing(archive, &batch::record_ids(records)?) {
            out(line)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The signer of one key given on the command line, with the command line's timestamp
/// authority, level and TSA chain (`--tsa-chain`).
fn command_line_signer(
    identity: Identity,
    time: SystemTime,
    args: &TsaArgs,
    tsa_chain: Vec<x509_cert::Certificate>,
) -> Result<Signer, Error> {
    Ok(Signer::new(identity, time, args.tsa(), args.level())?.with_tsa_chain(tsa_chain))
}

/// The certificates of `--tsa-chain`, none without it.
fn tsa_chain(args: &TsaArgs) -> Result<Vec<x509_cert::Certificate>, Error> {
    args.tsa_chain.as_deref().map_or(Ok(Vec::new()), keys::load_certificates)
}

fn archive_renew(archive: &Path, tsa: Tsa, digest: Option<&str>) -> Result<ExitCode, Failure> {
    let algorithm = match digest {
        None => None,
        Some(name) => Some(ers::digest_algorithm(name).ok_or_else(|| {
            Error::Usage(format!(
                "--digest `{name}` is not a hash algorithm for evidence records: give sha256, sha384 or sha512"
            ))
        })?),
    };
    let done = archive::evidence::renew(archive, &tsa, algorithm, SystemTime::now())?;
    for problem in &done.problems {
        out(format!("INVALID  {problem}"))?;
    }
    let kind = match algorithm {
        Some(algorithm) => format!("hash-tree renewal with {}", ers::digest_name(&algorithm)),
        None => "timestamp renewal".to_owned(),
    };
    if done.sealed > 0 {
        out(format!(
            "sealed   {}: {} without a record given their first",
            archive.display(),
            print::counted(done.sealed, "version")
        ))?;
    }
    out(format!(
        "renewed  {}: {} ({kind}), {} to {}",
        archive.display(),
        print::counted(done.renewed, "version"),
        print::counted(done.requests, "request"),
        tsa.url
    ))?;
    Ok(status(done.problems.len()))
}

fn keygen(
    output: &Path,
    name: &str,
    valid_from: &str,
    valid_until: &str,
    p12_password: Option<&SecretSource>,
) -> Result<ExitCode, Failure> {
    let valid_from = parse_date("--valid-from", valid_from)?;
    let valid_until = parse_date("--valid-until", valid_until)?;
    // The password is read and the .p12's place checked before anything is written, so a
    // missing password or an existing file writes nothing.
    let password = p12_password.map(|source| source.read("the .p12's password")).transpose()?;
    let p12_path = output.join("key.p12");
    if password.is_some() && p12_path.symlink_metadata().is_ok() {
        return Err(Error::Usage(format!("{} exists; keygen never overwrites key material", p12_path.display())).into());
    }
    let material = keys::generate_test_material(output, name, valid_from, valid_until)?;
    for path in [&material.ca, &material.certificate, &material.key] {
        out(format!("wrote {}", path.display()))?;
    }
    if let Some(password) = password {
        let p12 = keys::write_test_pkcs12(&material, &password)?;
        out(format!("wrote {}", p12.display()))?;
    }
    out("These are TEST keys: never sign real notices with them.")?;
    Ok(ExitCode::SUCCESS)
}

fn signing_time_of(option: Option<&str>) -> Result<SystemTime, Error> {
    match option {
        None | Some("now") => Ok(SystemTime::now()),
        Some(text) => parse_time(text).ok_or_else(|| {
            Error::Usage(format!("--signing-time `{text}`: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC), or now"))
        }),
    }
}

fn parse_date(option: &str, text: &str) -> Result<Date, Error> {
    Date::parse(text).ok_or_else(|| Error::Usage(format!("{option} `{text}` is not a date; write YYYY-MM-DD")))
}

/// Where the signing keys come from: one key given on the command line, a test key made
/// on first use, each organisation file's own, or none. A dry run makes no test key: it
/// says it would, and signs nothing.
fn key_source(args: &SigningArgs, dry_run: bool) -> Result<KeySource, Failure> {
    let time = signing_time_of(args.signing_time.as_deref())?;
    if let Some(key) = &args.key {
        let identity = Identity::load(&args.access.spec(key, args.cert.as_deref(), args.chain.as_deref()), time)?;
        return Ok(KeySource::One(Arc::new(command_line_signer(identity, time, &args.tsa, tsa_chain(&args.tsa)?)?)));
    }
    if let Some(dir) = &args.test_key {
        // The other signing options are checked first, so that a mistake in them leaves
        // no key behind.
        seloste::sign::signature_level(args.tsa.tsa().as_ref(), args.tsa.level())?;
        let chain = tsa_chain(&args.tsa)?;
        let key = dir.join("key.pem");
        if !key.exists() && dry_run {
            out(format!("would make a TEST signing key and certificate in {}", dir.display()))?;
            return Ok(KeySource::None);
        }
        if !key.exists() {
            let valid_from = Date::parse("2020-01-01").expect("a valid date");
            let valid_until = Date::parse("2049-12-31").expect("a valid date");
            match keys::generate_test_material(dir, "seloste", valid_from, valid_until) {
                Ok(_) => out(format!(
                    "made a TEST signing key and certificate in {} (trust anchor: {})",
                    dir.display(),
                    dir.join("ca.pem").display()
                ))?,
                // Another process started with the same --test-key folder made it first.
                Err(_) if key.exists() => {}
                Err(error) => return Err(error.into()),
            }
        }
        let identity = Identity::load(&KeySpec::files(&key, &dir.join("cert.pem"), None), time)?;
        return Ok(KeySource::One(Arc::new(command_line_signer(identity, time, &args.tsa, chain)?)));
    }
    if args.sign {
        return Ok(KeySource::per_organisation(time, args.tsa.tsa(), args.tsa.level(), args.tsa.timeout()));
    }
    // Options that shape signatures mean nothing without one: say so rather than ignore them.
    let given = [
        (args.tsa.tsa.is_some(), "--tsa timestamps signatures"),
        (args.tsa.level.is_some(), "--level sets the level of signatures"),
        (args.tsa.tsa_chain.is_some(), "--tsa-chain completes the TSA's chain for signatures"),
    ];
    if let Some((_, what)) = given.iter().find(|(present, _)| *present) {
        return Err(Error::Usage(format!("{what}: sign with --key and --cert, --sign or --test-key")).into());
    }
    Ok(KeySource::None)
}
