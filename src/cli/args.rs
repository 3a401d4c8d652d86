//! The command line's arguments, as clap reads them, and what they mean to the library.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use seloste::batch::Shard;
use seloste::record::SignatureLevel;
use seloste::sign::{KeySpec, secret};
use seloste::timestamp::Tsa;
use seloste::{Format, LangForm};

#[derive(Parser)]
#[command(
    name = "seloste",
    version,
    about = "Privacy notices (tietosuojaseloste / dataskyddsbeskrivning) for Finnish public-sector registers, as PDF/A-2a + PDF/UA-1 and DOCX"
)]
pub struct Cli {
    /// A folder with your own copies of fi.yaml, sv.yaml, statutes.yaml or notice.typ,
    /// used instead of the built-in ones.
    #[arg(long, global = true, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Render the privacy notices of one or more records.
    #[command(
        after_help = "Examples:\n  seloste render samples/huittinen-lastensuojelu.yaml -o out --lang fi --lang fi+sv --format pdf\n  seloste render samples/huittinen-lastensuojelu.yaml -o out --key key.pem --cert cert.pem\n\nWrites out/<id>.<fi|sv|fi-sv>.<pdf|docx|html>, and <id>.<form>.docx.p7s when signing; with html, also out/index.html (and index.sv.html), the register index."
    )]
    Render {
        /// Record files (YAML or JSON).
        #[arg(required = true, value_name = "RECORD")]
        records: Vec<PathBuf>,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        signing: SigningArgs,
        /// Check the records and show the files that would be written, without writing any.
        #[arg(long)]
        dry_run: bool,
    },
    /// Check records: GDPR Art. 13/14 completeness, statutes, outdated bodies and terms,
    /// every text; prints every finding with its rule, severity and place.
    #[command(
        after_help = "Examples:\n  seloste check samples\n  seloste check records/huittinen-lastensuojelu.yaml --format json\n\nExit status: 0 when there is no error, 1 when there is, 2 for a usage error."
    )]
    Check {
        /// Record files (YAML or JSON), or folders searched for records.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// `text` for people, `json` for machines (see `seloste schema findings`).
        #[arg(long, value_enum, default_value = "text")]
        format: ReportFormat,
    },
    /// Render every record under a folder; goes on past bad records and reports them.
    #[command(
        after_help = "Examples:\n  seloste batch samples -o out\n  seloste batch samples -o out --test-key out/test-key\n  seloste batch samples -o site --format pdf --format docx --format html\n\nWith html, out/index.html (and index.sv.html) lists every register whose page is in the folder.\nOrganisation files and other data in the folder are recognised by their `kind` and skipped.\nExits with status 1 if any record failed."
    )]
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
    #[command(
        after_help = "Example:\n  seloste sign out/*.pdf out/*.docx --key key.pem --cert cert.pem --chain chain.pem\n\nA PDF is replaced atomically by its signed version; any other file gets <file>.p7s beside it."
    )]
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
    #[command(
        after_help = "Examples:\n  seloste verify out/*.pdf out/*.docx --trust ca.pem\n  seloste verify archive --trust ca.pem --trust tsa-ca.pem\n\nPrints one verdict line per file and every problem of an archive; exits with status 1 if anything is not valid."
    )]
    Verify {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// A trusted CA certificate (PEM); repeat for several.
        #[arg(long, value_name = "CA.pem")]
        trust: Vec<PathBuf>,
        /// With an archive: also report every record under DIR that has no archived version.
        #[arg(long, value_name = "DIR")]
        records: Option<PathBuf>,
    },
    /// Make test signing material: a test CA, a signing certificate and its key.
    #[command(
        after_help = "Examples:\n  seloste keygen -o test-key --name \"Huittisten kaupunki\"\n  seloste keygen -o test-key --p12 --key-password-file password.txt\n\nWrites DIR/ca.pem, DIR/cert.pem and DIR/key.pem (mode 0600), and with --p12 also DIR/key.p12\n(the key, its certificate and the CA, under the password). For testing only: real notices are\nsigned with the organisation's own key and certificate."
    )]
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
        /// Also write the key with its certificates as DIR/key.p12 (PKCS#12, AES-256).
        #[arg(long, requires = "p12_password")]
        p12: bool,
        /// The .p12's password: the first line of FILE.
        #[arg(long, value_name = "FILE", group = "p12_password")]
        key_password_file: Option<PathBuf>,
        /// The .p12's password: the environment variable VAR.
        #[arg(long, value_name = "VAR", group = "p12_password")]
        key_password_env: Option<String>,
    },
    /// List an archive's versions, with dates, hashes and signers.
    #[command(subcommand)]
    Archive(ArchiveCommand),
    /// Print the JSON Schema of a record (or of an organisation file), for editors.
    #[command(
        after_help = "Example:\n  seloste schema > record.schema.json\n  seloste schema organisation > organisation.schema.json\n  seloste schema findings > findings.schema.json"
    )]
    Schema {
        #[arg(value_enum, default_value = "record")]
        of: SchemaOf,
    },
    /// Read legacy notices (.txt, .docx, .pdf, .html; or folders of them) into draft
    /// records, one organisation file per controller; nothing of a source is lost.
    #[command(
        after_help = "Example:\n  seloste import old-notices/ -o drafts\n\nEach draft is `status: draft` with TODO where the source did not say; `seloste check drafts` lists what is left.\nExits with status 1 if any source could not be read."
    )]
    Import {
        /// Notices, or folders searched for them.
        #[arg(required = true, value_name = "SOURCE")]
        sources: Vec<PathBuf>,
        /// The folder the drafts are written to.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
    /// The built-in templates, catalog and rules, and a record and an organisation file
    /// to start from.
    #[command(subcommand)]
    Templates(TemplatesCommand),
}

#[derive(Subcommand)]
pub enum TemplatesCommand {
    /// Write the built-in files into DIR (a new or empty folder; nothing is overwritten), to
    /// edit and use with `--templates DIR`, and starter/record.yaml and
    /// starter/organisation.yaml to copy for a new register.
    #[command(after_help = "Example:
  seloste templates export my-templates
  seloste --templates my-templates render records -o out")]
    Export {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum ArchiveCommand {
    /// The versions in ARCHIVE, or of one register.
    #[command(after_help = "Example:\n  seloste archive list archive huittinen-lastensuojelu")]
    List {
        #[arg(value_name = "ARCHIVE")]
        archive: PathBuf,
        #[arg(value_name = "REGISTER")]
        register: Option<String>,
        /// Also list every record under DIR that has no archived version.
        #[arg(long, value_name = "DIR")]
        records: Option<PathBuf>,
    },
    /// Renew the evidence records of every version (RFC 4998): a new timestamp over each
    /// version's newest one, or with --digest a new hash tree over the data and the whole
    /// record so far. Versions without a record get their first. One TSA request per hash
    /// algorithm, however many versions; nothing of a version is rewritten.
    #[command(after_help = "Examples:
  seloste archive renew archive --tsa https://tsa.example.fi/
  seloste archive renew archive --tsa https://tsa.example.fi/ --digest sha512

Renew before the certificate of the TSA that made the newest timestamps expires (`seloste verify ARCHIVE` prints it), and with --digest when the hash algorithm in use is no longer considered secure.")]
    Renew {
        #[arg(value_name = "ARCHIVE")]
        archive: PathBuf,
        /// The RFC 3161 timestamp authority.
        #[arg(long, value_name = "URL")]
        tsa: String,
        /// How long to wait for the timestamp authority, in seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
        tsa_timeout: u64,
        /// Renew the hash tree with this algorithm (sha256, sha384, sha512).
        #[arg(long, value_name = "ALGORITHM")]
        digest: Option<String>,
    },
}

#[derive(clap::Args)]
pub struct OutputArgs {
    /// The folder to write into.
    #[arg(short, long, value_name = "DIR", default_value = ".")]
    pub output: PathBuf,
    /// Language form; repeat for several. Default: each declared language, and fi+sv when both are.
    #[arg(long = "lang", value_enum)]
    pub langs: Vec<LangArg>,
    /// Output format; repeat for several. Default: pdf and docx. `html` is a web page to
    /// publish, and writes the register index (index.html) of the folder too; `json` is
    /// the composed notice every format is printed from, e.g. for `typst compile`.
    #[arg(long = "format", value_enum)]
    pub formats: Vec<FormatArg>,
}

#[derive(clap::Args)]
pub struct KeyArgs {
    /// The signing key: a PKCS#8 PEM file (encrypted or not), a PKCS#12 file (.p12, .pfx),
    /// or a key on a token as a `pkcs11:` URI.
    #[arg(long, value_name = "KEY", required = true)]
    pub key: String,
    /// The signing certificate (PEM), optionally followed by its chain; a .p12 or a token
    /// gives its own.
    #[arg(long, value_name = "CERT")]
    pub cert: Option<PathBuf>,
    /// More chain certificates (PEM).
    #[arg(long, value_name = "PEM")]
    pub chain: Option<PathBuf>,
    #[command(flatten)]
    pub access: KeyAccessArgs,
}

/// How to open a protected key: never a password or PIN on the command line.
#[derive(clap::Args)]
pub struct KeyAccessArgs {
    /// Read the password of an encrypted key or a .p12 from the first line of FILE.
    #[arg(long, value_name = "FILE", conflicts_with = "key_password_env")]
    pub key_password_file: Option<PathBuf>,
    /// Read the password of an encrypted key or a .p12 from the environment variable VAR.
    #[arg(long, value_name = "VAR")]
    pub key_password_env: Option<String>,
    /// The PKCS#11 module of the token (a shared library, e.g. /usr/lib/softhsm/libsofthsm2.so).
    #[arg(long, value_name = "PATH")]
    pub pkcs11_module: Option<PathBuf>,
    /// Read the token's PIN from the first line of FILE.
    #[arg(long, value_name = "FILE", conflicts_with = "pin_env")]
    pub pin_file: Option<PathBuf>,
    /// Read the token's PIN from the environment variable VAR.
    #[arg(long, value_name = "VAR")]
    pub pin_env: Option<String>,
    /// Sign with an RSA key by RSASSA-PSS (SHA-256) instead of PKCS#1 v1.5.
    #[arg(long)]
    pub rsa_pss: bool,
}

impl KeyAccessArgs {
    /// The key `--key` names, with these ways to open it.
    pub fn spec(&self, key: &str, cert: Option<&Path>, chain: Option<&Path>) -> KeySpec {
        KeySpec {
            key: key.to_owned(),
            certificate: cert.map(Path::to_owned),
            chain: chain.map(Path::to_owned),
            password: secret::source_of(self.key_password_file.as_deref(), self.key_password_env.as_deref()),
            pin: secret::source_of(self.pin_file.as_deref(), self.pin_env.as_deref()),
            module: self.pkcs11_module.clone(),
            rsa_pss: self.rsa_pss,
        }
    }
}

#[derive(clap::Args)]
pub struct TsaArgs {
    /// Timestamp each signature at this RFC 3161 timestamp authority (PAdES B-T); with
    /// --archive, also the new versions' evidence records (one request for all of them).
    #[arg(long, value_name = "URL")]
    pub tsa: Option<String>,
    /// How long to wait for the timestamp authority, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub tsa_timeout: u64,
    /// The PAdES level: B-B (the signature), B-T (with a timestamp; needs --tsa), B-LT (also
    /// the chains' certificates and CRLs in the PDF, fetched from the certificates' CRL
    /// addresses), B-LTA (B-LT and a document timestamp over it all). Default: B-T with
    /// --tsa, else B-B, or the organisation file's `level`.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub level: Option<LevelArg>,
    /// The TSA's CA certificates (PEM), for B-LT and B-LTA when its tokens do not carry them.
    #[arg(long, value_name = "FILE")]
    pub tsa_chain: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LevelArg {
    #[value(name = "B-B", alias = "b-b")]
    Basic,
    #[value(name = "B-T", alias = "b-t")]
    Timestamped,
    #[value(name = "B-LT", alias = "b-lt")]
    LongTerm,
    #[value(name = "B-LTA", alias = "b-lta")]
    LongTermArchival,
}

impl From<LevelArg> for SignatureLevel {
    fn from(level: LevelArg) -> SignatureLevel {
        match level {
            LevelArg::Basic => SignatureLevel::Basic,
            LevelArg::Timestamped => SignatureLevel::Timestamped,
            LevelArg::LongTerm => SignatureLevel::LongTerm,
            LevelArg::LongTermArchival => SignatureLevel::LongTermArchival,
        }
    }
}

impl TsaArgs {
    pub fn level(&self) -> Option<SignatureLevel> {
        self.level.map(SignatureLevel::from)
    }

    pub fn tsa(&self) -> Option<Tsa> {
        self.tsa.clone().map(|url| Tsa { url, timeout: self.timeout() })
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.tsa_timeout)
    }
}

#[derive(clap::Args)]
pub struct SigningArgs {
    /// Sign with this key: a PKCS#8 PEM file (encrypted or not; needs --cert), a PKCS#12
    /// file (.p12, .pfx), or a key on a token as a `pkcs11:` URI.
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// The signing certificate (PEM); needs --key. A .p12 or a token gives its own.
    #[arg(long, value_name = "CERT", requires = "key")]
    pub cert: Option<PathBuf>,
    /// More chain certificates (PEM).
    #[arg(long, value_name = "PEM", requires = "key")]
    pub chain: Option<PathBuf>,
    #[command(flatten)]
    pub access: KeyAccessArgs,
    /// Sign with the key named in each organisation file (`signing:`).
    #[arg(long, conflicts_with = "key")]
    pub sign: bool,
    /// Sign with a TEST key kept in DIR, made there on first use. Never for real notices.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["key", "sign"])]
    pub test_key: Option<PathBuf>,
    /// The signing time the signatures state: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ; default now.
    #[arg(long, value_name = "TIME")]
    pub signing_time: Option<String>,
    #[command(flatten)]
    pub tsa: TsaArgs,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LangArg {
    Fi,
    Sv,
    #[value(name = "fi+sv", alias = "fi-sv")]
    FiSv,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Pdf,
    Docx,
    Html,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SchemaOf {
    Record,
    Organisation,
    /// The report `seloste check --format json` writes.
    Findings,
}

/// Sorted, without repeats: the order and count of outputs never depend on the order of options.
fn unique<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items.dedup();
    items
}

impl OutputArgs {
    pub fn forms(&self) -> Vec<LangForm> {
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

    pub fn formats(&self) -> Vec<Format> {
        let formats = unique(
            self.formats
                .iter()
                .map(|format| match format {
                    FormatArg::Pdf => Format::Pdf,
                    FormatArg::Docx => Format::Docx,
                    FormatArg::Html => Format::Html,
                    FormatArg::Json => Format::Json,
                })
                .collect(),
        );
        if formats.is_empty() { Format::DEFAULT.to_vec() } else { formats }
    }
}

pub fn default_jobs() -> u16 {
    std::thread::available_parallelism().map_or(1, |cores| cores.get().min(usize::from(u16::MAX)) as u16)
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    Shard::parse(text).ok_or_else(|| format!("`{text}` is not a shard: write K/N with 1 <= K <= N, e.g. 2/8"))
}
