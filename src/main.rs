//! The command line: parses arguments, calls the library, prints results and errors.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use seloste::batch::Outcome;
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
    #[command(after_help = "Example:\n  seloste render samples/huittinen-lastensuojelu.yaml -o out --lang fi --lang fi+sv --format pdf\n\nWrites out/<id>.<fi|sv|fi-sv>.<pdf|docx>.")]
    Render {
        /// Record files (YAML or JSON).
        #[arg(required = true, value_name = "RECORD")]
        records: Vec<PathBuf>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Render every record under a folder; goes on past bad records and reports them.
    #[command(after_help = "Example:\n  seloste batch samples -o out\n\nOrganisation files and other data in the folder are recognised by their `kind` and skipped.\nExits with status 1 if any record failed.")]
    Batch {
        /// The folder to search for records, recursively.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Print the JSON Schema of a record (or of an organisation file), for editors.
    #[command(after_help = "Example:\n  seloste schema > record.schema.json\n  seloste schema organisation > organisation.schema.json")]
    Schema {
        #[arg(value_enum, default_value = "record")]
        of: SchemaOf,
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
    /// Output format; repeat for several. Default: both.
    #[arg(long = "format", value_enum)]
    formats: Vec<FormatArg>,
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
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaOf {
    Record,
    Organisation,
}

impl OutputArgs {
    fn forms(&self) -> Vec<LangForm> {
        let mut forms: Vec<LangForm> = self
            .langs
            .iter()
            .map(|lang| match lang {
                LangArg::Fi => LangForm::Fi,
                LangArg::Sv => LangForm::Sv,
                LangArg::FiSv => LangForm::FiSv,
            })
            .collect();
        forms.sort();
        forms.dedup();
        forms
    }

    fn formats(&self) -> Vec<Format> {
        let mut formats: Vec<Format> = self
            .formats
            .iter()
            .map(|format| match format {
                FormatArg::Pdf => Format::Pdf,
                FormatArg::Docx => Format::Docx,
            })
            .collect();
        if formats.is_empty() {
            formats = Format::ALL.to_vec();
        }
        formats.sort();
        formats.dedup();
        formats
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
        Command::Render { records, output } => {
            let engine = engine(cli.templates.as_deref())?;
            let mut failed = 0;
            for path in &records {
                let result = engine.load(path).and_then(|register| {
                    let outputs = engine.produce(&register, &output.forms(), &output.formats())?;
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
            Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Batch { dir, output } => {
            let engine = engine(cli.templates.as_deref())?;
            let report = seloste::batch::run(&engine, &dir, &output.output, &output.forms(), &output.formats(), |path, outcome| {
                match outcome {
                    Outcome::Rendered { id, files } => println!("ok      {id}: {} files", files.len()),
                    Outcome::Failed(err) => eprintln!("FAILED  {err}"),
                    Outcome::Skipped { reason } => println!("skipped {}: {reason}", path.display()),
                }
            })?;
            let rendered = report.count(|outcome| matches!(outcome, Outcome::Rendered { .. }));
            let files: usize = report
                .outcomes
                .iter()
                .map(|(_, outcome)| match outcome {
                    Outcome::Rendered { files, .. } => files.len(),
                    _ => 0,
                })
                .sum();
            let skipped = report.count(|outcome| matches!(outcome, Outcome::Skipped { .. }));
            println!(
                "{} records: {rendered} rendered ({files} files in {}), {} failed; {skipped} other files skipped",
                rendered + report.failed(),
                output.output.display(),
                report.failed()
            );
            Ok(if report.failed() == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
    }
}
