//! The command line: parses arguments, calls the library, prints results and errors.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use clap::{Parser, Subcommand, ValueEnum};

use seloste::archive::{Archive, Archiving};
use indicatif::{ProgressBar, ProgressStyle};
use seloste::batch::{Outcome, Shard};
use seloste::record::Date;
use seloste::sign::{Identity, Signers, Signing, keys};
use seloste::timestamp::Tsa;
use seloste::verify::{self, TrustStore};
use seloste::{Assets, Engine, Error, Format, LangForm};

#[derive(Parser)]
#[command(name = "seloste", version, about = "Privacy notices (tietosuojaseloste / dataskyddsbeskrivning) for Finnish public-sector registers, as PDF/A-2a + PDF/UA-1 and DOCX")]
struct Cli {
    /// A folder with your own copies of fi.yaml, sv.yaml, statutes.yaml or notice.typ,
    /// used instead of the built-in ones.
    #[arg(long, global = true, value_name = "DIR")]
    templates: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render the privacy notices of one or more records.
    #[command(after_help = "Examples:\n  seloste render samples/huittinen-lastensuojelu.yaml -o out --lang fi --lang fi+sv --format pdf\n  seloste render samples/huittinen-lastensuojelu.yaml -o out --key key.pem --cert cert.pem\n\nWrites out/<id>.<fi|sv|fi-sv>.<pdf|docx>, and <id>.<form>.docx.p7s when signing.")]
    Render {
        /// Record files (YAML or JSON).
        #[arg(required = true, value_name = "RECORD")]
        records: Vec<PathBuf>,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        signing: SigningArgs,
    },
    /// Render every record under a folder; goes on past bad records and reports them.
    #[command(after_help = "Examples:\n  seloste batch samples -o out\n  seloste batch samples -o out --test-key out/test-key\n\nOrganisation files and other data in the folder are recognised by their `kind` and skipped.\nExits with status 1 if any record failed.")]
    Batch {
        /// The folder to search for records, recursively.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        signing: SigningArgs,
        /// Put a new version of each changed register into this archive (BagIt bags with
        /// the archive formation plan's metadata); unchanged registers write nothing.
        #[arg(long, value_name = "ARCHIVE")]
        archive: Option<PathBuf>,
        /// Worker threads (default: the number of cores). Output does not depend on it.
        #[arg(long, value_name = "N", default_value_t = default_jobs(), value_parser = clap::value_parser!(u16).range(1..))]
        jobs: u16,
        /// Do only part K of N of the records (K from 1 to N), chosen by register id, so
        /// that N machines can share a batch.
        #[arg(long, value_name = "K/N", value_parser = parse_shard)]
        shard: Option<Shard>,
    },
    /// Sign existing PDFs (PAdES, in place) and other files such as DOCX (a detached <file>.p7s).
    #[command(after_help = "Example:\n  seloste sign out/*.pdf out/*.docx --key key.pem --cert cert.pem --chain chain.pem\n\nA PDF is replaced atomically by its signed version; any other file gets <file>.p7s beside it.")]
    Sign {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        key: KeyArgs,
        /// The signing time the signatures state: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ; default now.
        #[arg(long, value_name = "TIME")]
        signing_time: Option<String>,
        #[command(flatten)]
        tsa: TsaArgs,
    },
    /// Verify signed PDFs, DOCX files with their .p7s, or an archive (or one register's folder, or one bag).
    #[command(after_help = "Examples:\n  seloste verify out/*.pdf out/*.docx --trust ca.pem\n  seloste verify archive --trust ca.pem --trust tsa-ca.pem\n\nPrints one verdict line per file and every problem of an archive; exits with status 1 if anything is not valid.")]
    Verify {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// A trusted CA certificate (PEM); repeat for several.
        #[arg(long, value_name = "CA.pem")]
        trust: Vec<PathBuf>,
    },
    /// Make test signing material: a test CA, a signing certificate and its key.
    #[command(after_help = "Example:\n  seloste keygen -o test-key --name \"Huittisten kaupunki\"\n\nWrites DIR/ca.pem, DIR/cert.pem and DIR/key.pem (mode 0600). For testing only: real notices are\nsigned with the organisation's own key and certificate.")]
    Keygen {
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
        /// The organisation name in the certificates; "TEST" is always added to the common names.
        #[arg(long, default_value = "seloste")]
        name: String,
        /// First day of validity (YYYY-MM-DD).
        #[arg(long, value_name = "DATE", default_value = "2020-01-01")]
        valid_from: String,
        /// Last day of validity (YYYY-MM-DD).
        #[arg(long, value_name = "DATE", default_value = "2049-12-31")]
        valid_until: String,
    },
    /// List an archive's versions, with dates, hashes and signers.
    #[command(subcommand)]
    Archive(ArchiveCommand),
    /// Print the JSON Schema of a record (or of an organisation file), for editors.
    #[command(after_help = "Example:\n  seloste schema > record.schema.json\n  seloste schema organisation > organisation.schema.json")]
    Schema {
        #[arg(value_enum, default_value = "record")]
        of: SchemaOf,
    },
}

#[derive(Subcommand)]
enum ArchiveCommand {
    /// The versions in ARCHIVE, or of one register.
    #[command(after_help = "Example:\n  seloste archive list archive huittinen-lastensuojelu")]
    List {
        #[arg(value_name = "ARCHIVE")]
        archive: PathBuf,
        #[arg(value_name = "REGISTER")]
        register: Option<String>,
    },
}

#[derive(clap::Args)]
struct OutputArgs {
    /// The folder to write into.
    #[arg(short, long, value_name = "DIR", default_value = ".")]
    output: PathBuf,
    /// Language form; repeat for several. Default: each declared language, and fi+sv when both are.
    #[arg(long = "lang", value_enum)]
    langs: Vec<LangArg>,
    /// Output format; repeat for several. Default: pdf and docx. `json` is the composed
    /// notice both are printed from, e.g. for a web page or for `typst compile`.
    #[arg(long = "format", value_enum)]
    formats: Vec<FormatArg>,
}

#[derive(clap::Args)]
struct KeyArgs {
    /// The signing key: PKCS#8 PEM.
    #[arg(long, value_name = "KEY", required = true)]
    key: PathBuf,
    /// The signing certificate (PEM), optionally followed by its chain.
    #[arg(long, value_name = "CERT", required = true)]
    cert: PathBuf,
    /// More chain certificates (PEM).
    #[arg(long, value_name = "PEM")]
    chain: Option<PathBuf>,
}

#[derive(clap::Args)]
struct TsaArgs {
    /// Timestamp each signature at this RFC 3161 timestamp authority (PAdES B-T).
    #[arg(long, value_name = "URL")]
    tsa: Option<String>,
    /// How long to wait for the timestamp authority, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    tsa_timeout: u64,
}

impl TsaArgs {
    fn tsa(&self) -> Option<Tsa> {
        self.tsa.clone().map(|url| Tsa { url, timeout: self.timeout() })
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.tsa_timeout)
    }
}

#[derive(clap::Args)]
struct SigningArgs {
    /// Sign with this key (PKCS#8 PEM); needs --cert.
    #[arg(long, value_name = "KEY", requires = "cert")]
    key: Option<PathBuf>,
    /// The signing certificate (PEM); needs --key.
    #[arg(long, value_name = "CERT", requires = "key")]
    cert: Option<PathBuf>,
    /// More chain certificates (PEM).
    #[arg(long, value_name = "PEM", requires = "key")]
    chain: Option<PathBuf>,
    /// Sign with the key named in each organisation file (`signing:`).
    #[arg(long, conflicts_with = "key")]
    sign: bool,
    /// Sign with a TEST key kept in DIR, made there on first use. Never for real notices.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["key", "sign"])]
    test_key: Option<PathBuf>,
    /// The signing time the signatures state: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ; default now.
    #[arg(long, value_name = "TIME")]
    signing_time: Option<String>,
    #[command(flatten)]
    tsa: TsaArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    Fi,
    Sv,
    #[value(name = "fi+sv", alias = "fi-sv")]
    FiSv,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Pdf,
    Docx,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaOf {
    Record,
    Organisation,
}

/// Sorted, without repeats: the order and count of outputs never depend on the order of options.
fn unique<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items.dedup();
    items
}

impl OutputArgs {
    fn forms(&self) -> Vec<LangForm> {
        unique(
            self.langs
                .iter()
                .map(|lang| match lang {
                    LangArg::Fi => LangForm::Fi,
                    LangArg::Sv => LangForm::Sv,
                    LangArg::FiSv => LangForm::FiSv,
                })
                .collect(),
        )
    }

    fn formats(&self) -> Vec<Format> {
        let formats = unique(
            self.formats
                .iter()
                .map(|format| match format {
                    FormatArg::Pdf => Format::Pdf,
                    FormatArg::Docx => Format::Docx,
                    FormatArg::Json => Format::Json,
                })
                .collect(),
        );
        if formats.is_empty() { Format::DEFAULT.to_vec() } else { formats }
    }
}

fn usage_error(message: String) -> Error {
    Error::Input(seloste::InputError::new(Path::new("command line"), String::new(), None, message))
}

fn signing_time(option: Option<&str>) -> Result<SystemTime, Error> {
    match option {
        None | Some("now") => Ok(SystemTime::now()),
        Some(text) => keys::parse_time(text)
            .ok_or_else(|| usage_error(format!("--signing-time `{text}`: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC), or now"))),
    }
}

fn parse_date(option: &str, text: &str) -> Result<Date, Error> {
    Date::parse(text).ok_or_else(|| usage_error(format!("{option} `{text}` is not a date; write YYYY-MM-DD")))
}

impl SigningArgs {
    fn signers(&self) -> Result<Signers, Error> {
        let time = signing_time(self.signing_time.as_deref())?;
        if let (Some(key), Some(cert)) = (&self.key, &self.cert) {
            let identity = Identity::load(key, cert, self.chain.as_deref(), time)?;
            return Ok(Signers::One(Arc::new(Signing { identity, time, tsa: self.tsa.tsa() })));
        }
        if let Some(dir) = &self.test_key {
            let key = dir.join("key.pem");
            if !key.exists() {
                let valid_from = Date::parse("2020-01-01").expect("a valid date");
                let valid_until = Date::parse("2049-12-31").expect("a valid date");
                keys::generate_test_material(dir, "seloste", valid_from, valid_until)?;
                println!("made a TEST signing key and certificate in {} (trust anchor: {})", dir.display(), dir.join("ca.pem").display());
            }
            let identity = Identity::load(&key, &dir.join("cert.pem"), None, time)?;
            return Ok(Signers::One(Arc::new(Signing { identity, time, tsa: self.tsa.tsa() })));
        }
        if self.sign {
            return Ok(Signers::per_organisation(time, self.tsa.tsa(), self.tsa.timeout()));
        }
        if self.tsa.tsa.is_some() {
            return Err(usage_error("--tsa timestamps signatures: sign with --key and --cert, --sign or --test-key".into()));
        }
        Ok(Signers::None)
    }
}

fn default_jobs() -> u16 {
    std::thread::available_parallelism().map_or(1, |cores| cores.get().min(usize::from(u16::MAX)) as u16)
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    Shard::parse(text).ok_or_else(|| format!("`{text}` is not a shard: write K/N with 1 <= K <= N, e.g. 2/8"))
}

/// Progress of a batch: a bar on a terminal; otherwise a line per record and a progress
/// line every few seconds, which suits logs.
struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    /// Files done, notices done, and when the last progress line was printed.
    state: Mutex<(usize, usize, Instant)>,
}

impl Progress {
    fn new(files: usize) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(files as u64);
            if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} files {elapsed} {msg}") {
                bar.set_style(style);
            }
            bar
        });
        Progress { bar, started: Instant::now(), state: Mutex::new((0, 0, Instant::now())) }
    }

    fn file_done(&self, path: &Path, outcome: &Outcome) {
        let line = match outcome {
            Outcome::Rendered { id, files, version: None, .. } => format!("ok      {id}: {} files", files.len()),
            Outcome::Rendered { id, files, version: Some(version), .. } => {
                format!("ok      {id}: {} files, archived as {version}", files.len())
            }
            Outcome::Unchanged { id } => format!("unchanged {id}: same as its newest archived version"),
            Outcome::Failed(err) => format!("FAILED  {err}"),
            Outcome::Skipped { reason } => format!("skipped {}: {reason}", path.display()),
        };
        let mut state = self.state.lock().unwrap_or_else(|poison| poison.into_inner());
        state.0 += 1;
        if let Outcome::Rendered { notices, .. } = outcome {
            state.1 += notices;
        }
        match &self.bar {
            Some(bar) => {
                if matches!(outcome, Outcome::Failed(_)) {
                    bar.println(&line);
                }
                bar.set_message(format!("{} notices", state.1));
                bar.inc(1);
            }
            None => {
                if matches!(outcome, Outcome::Failed(_)) {
                    eprintln!("{line}");
                } else {
                    println!("{line}");
                }
                if state.2.elapsed() >= Duration::from_secs(5) {
                    let seconds = self.started.elapsed().as_secs_f64();
                    println!("progress: {} files, {} notices, {:.1} notices/s", state.0, state.1, state.1 as f64 / seconds.max(1e-9));
                    state.2 = Instant::now();
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The end of a batch: counts, throughput, and each failure with its error.
fn print_summary(report: &seloste::batch::Report, output: &Path, elapsed: Duration) {
    let mut rendered = 0;
    let mut notices = 0;
    let mut files = 0;
    for (_, outcome) in &report.outcomes {
        if let Outcome::Rendered { notices: n, files: written, .. } = outcome {
            rendered += 1;
            notices += n;
            files += written.len();
        }
    }
    let skipped = report.count(|outcome| matches!(outcome, Outcome::Skipped { .. }));
    let unchanged = report.count(|outcome| matches!(outcome, Outcome::Unchanged { .. }));
    println!(
        "{} records: {rendered} rendered ({files} files in {}), {unchanged} unchanged, {} failed; {skipped} other files skipped",
        rendered + unchanged + report.failed(),
        output.display(),
        report.failed()
    );
    let seconds = elapsed.as_secs_f64();
    println!("{notices} notices in {seconds:.2} s: {:.1} notices/s", notices as f64 / seconds.max(1e-9));
    for (path, outcome) in &report.outcomes {
        if let Outcome::Failed(err) = outcome {
            println!("failed: {}: {}", path.display(), err.to_string().lines().next().unwrap_or_default());
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn engine(templates: Option<&Path>) -> Result<Engine, Error> {
    let assets = match templates {
        Some(dir) => Assets::embedded().with_templates_from(dir)?,
        None => Assets::embedded(),
    };
    Engine::new(&assets)
}

fn status(failed: usize) -> ExitCode {
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        Command::Schema { of } => {
            let schema = match of {
                SchemaOf::Record => schemars::schema_for!(seloste::record::Record),
                SchemaOf::Organisation => schemars::schema_for!(seloste::record::Organisation),
            };
            // A closed pipe (`seloste schema | head`) is not an error worth a message.
            let _ = writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(&schema).unwrap_or_default());
            Ok(ExitCode::SUCCESS)
        }
        Command::Render { records, output, signing } => {
            let engine = engine(cli.templates.as_deref())?;
            let mut signers = signing.signers()?;
            let mut failed = 0;
            for path in &records {
                let result = engine.load(path).and_then(|register| {
                    let signing = signers.for_register(&register)?;
                    let outputs = engine.produce(&register, &output.forms(), &output.formats(), signing.as_deref())?;
                    seloste::output::write_outputs(&output.output, &outputs)
                });
                match result {
                    Ok(files) => files.iter().for_each(|file| println!("wrote {}", file.display())),
                    Err(err) => {
                        failed += 1;
                        eprintln!("error: {err}");
                    }
                }
            }
            Ok(status(failed))
        }
        Command::Batch { dir, output, signing, archive, jobs, shard } => {
            let engine = engine(cli.templates.as_deref())?;
            let signers = signing.signers()?;
            let archiving = match &archive {
                Some(path) => Some(Archiving::new(Archive::open(path)?, SystemTime::now())),
                None => None,
            };
            let (forms, formats) = (output.forms(), output.formats());
            let options = seloste::batch::Options { forms: &forms, formats: &formats, jobs: usize::from(jobs), shard };
            let started = Instant::now();
            let progress = Progress::new(seloste::batch::discover(&dir)?.len());
            let report = seloste::batch::run(&engine, &dir, &output.output, &options, signers, archiving, &|path, outcome| {
                progress.file_done(path, outcome)
            })?;
            progress.finish();
            print_summary(&report, &output.output, started.elapsed());
            Ok(status(report.failed()))
        }
        Command::Sign { files, key, signing_time: time, tsa } => {
            let time = signing_time(time.as_deref())?;
            let signing = Signing { identity: Identity::load(&key.key, &key.cert, key.chain.as_deref(), time)?, time, tsa: tsa.tsa() };
            let mut failed = 0;
            for file in &files {
                match seloste::sign::sign_file(&signing, file) {
                    Ok(written) => println!("signed {}", written.display()),
                    Err(err) => {
                        failed += 1;
                        eprintln!("error: {err}");
                    }
                }
            }
            Ok(status(failed))
        }
        Command::Verify { files, trust } => {
            let trust = TrustStore::load(&trust)?;
            let mut failed = 0;
            for file in &files {
                if file.is_dir() {
                    let problems = seloste::archive::verify_archive(file, &trust);
                    for problem in &problems {
                        println!("INVALID  {problem}");
                    }
                    if problems.is_empty() {
                        println!("valid    {}: every bag complete, every hash and signature valid, the version chain unbroken", file.display());
                    }
                    failed += usize::from(!problems.is_empty());
                    continue;
                }
                let result = verify::verify_file(file, &trust);
                failed += usize::from(result.is_err());
                println!("{}", verify::describe(file, &result));
            }
            Ok(status(failed))
        }
        Command::Archive(ArchiveCommand::List { archive, register }) => {
            for line in seloste::archive::list(&archive, register.as_deref())? {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Keygen { output, name, valid_from, valid_until } => {
            let valid_from = parse_date("--valid-from", &valid_from)?;
            let valid_until = parse_date("--valid-until", &valid_until)?;
            let material = keys::generate_test_material(&output, &name, valid_from, valid_until)?;
            for path in [&material.ca, &material.certificate, &material.key] {
                println!("wrote {}", path.display());
            }
            println!("These are TEST keys: never sign real notices with them.");
            Ok(ExitCode::SUCCESS)
        }
    }
}
