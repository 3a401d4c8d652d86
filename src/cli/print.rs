//! Everything the command line prints, in one place: results on standard output,
//! diagnostics and errors on standard error, a batch's progress and summary. A closed
//! standard output (`seloste verify ... | head`) ends the command quietly, as ripgrep does.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use seloste::batch::{Outcome, Report};
use seloste::pkix::{Check, Signature};
use seloste::time::format_time;
use seloste::verify::Verified;
use seloste::{Diagnostic, Error};

/// Why a command stopped early.
pub enum Failure {
    /// The library reported an error; it is printed and the exit status is 1.
    Seloste(Error),
    /// Standard output was closed by its reader: stop quietly.
    ClosedPipe,
}

impl From<Error> for Failure {
    fn from(err: Error) -> Failure {
        Failure::Seloste(err)
    }
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Failure {
        if err.kind() == io::ErrorKind::BrokenPipe {
            Failure::ClosedPipe
        } else {
            Failure::Seloste(Error::io(Path::new("standard output"), "write", err))
        }
    }
}

/// Prints a result line on standard output.
pub fn out(line: impl std::fmt::Display) -> Result<(), Failure> {
    writeln!(io::stdout().lock(), "{line}")?;
    Ok(())
}

/// A finding as a line (with its hint below): `warning: file:line: field `x`: message [rule]`.
pub fn finding(diagnostic: &Diagnostic) -> String {
    let text = diagnostic.to_string();
    let (first, hint) = text.split_once('\n').map_or((text.as_str(), None), |(first, hint)| (first, Some(hint)));
    let mut line = format!("{}: {first} [{}]", diagnostic.severity, diagnostic.rule);
    if let Some(hint) = hint {
        line.push('\n');
        line.push_str(hint);
    }
    line
}

/// Prints an error: each diagnostic of an input error on a line of its own.
pub fn error(err: &Error) {
    let mut stderr = io::stderr().lock();
    match err {
        Error::Input(diagnostics) => {
            for diagnostic in diagnostics {
                let _ = writeln!(stderr, "{}", finding(diagnostic));
            }
        }
        other => {
            let _ = writeln!(stderr, "error: {other}");
        }
    }
}

/// Prints the warnings among what the check said short of an error; the notes are left to
/// `seloste check`.
pub fn warnings(diagnostics: &[Diagnostic]) {
    let mut stderr = io::stderr().lock();
    for diagnostic in diagnostics.iter().filter(|diagnostic| diagnostic.severity == seloste::Severity::Warning) {
        let _ = writeln!(stderr, "{}", finding(diagnostic));
    }
}

/// A verdict line of `verify` for `path`.
pub fn verdict(path: &Path, result: &Check<Verified>) -> String {
    match result {
        Ok(verified) => {
            let mut line = format!("valid    {}: {}", path.display(), signature_text(&verified.newest));
            for earlier in &verified.earlier {
                line.push_str(&format!("; earlier {}, nothing it signed changed since", signature_text(earlier)));
            }
            line
        }
        Err(invalid) => format!("INVALID  {}: {invalid}", path.display()),
    }
}

fn signature_text(signature: &Signature) -> String {
    let time = signature.claimed_time.map(format_time).unwrap_or_else(|| "no signing time".into());
    let stamped = match &signature.timestamp {
        Some(token) => format!("; timestamp {} by {}", format_time(token.gen_time.to_system_time()), token.tsa),
        None => "; no timestamp".to_owned(),
    };
    format!("{} signature by {}, signed {time}{stamped}", signature.kind, signature.signer)
}

/// Progress of a batch: a bar on a terminal; otherwise a line per record and a progress
/// line every few seconds, which suits logs.
pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    /// Files done, notices done, and when the last progress line was printed.
    state: Mutex<(usize, usize, Instant)>,
}

impl Progress {
    pub fn new(files: usize) -> Progress {
        let bar = io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(files as u64);
            if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} files {elapsed} {msg}") {
                bar.set_style(style);
            }
            bar
        });
        Progress { bar, started: Instant::now(), state: Mutex::new((0, 0, Instant::now())) }
    }

    pub fn file_done(&self, path: &Path, outcome: &Outcome) {
        let line = outcome_line(path, outcome);
        let mut state = self.state.lock().unwrap_or_else(|poison| poison.into_inner());
        state.0 += 1;
        if let Outcome::Rendered { notices, .. } = outcome {
            state.1 += notices;
        }
        let failed = matches!(outcome, Outcome::Failed(_));
        match &self.bar {
            Some(bar) => {
                if failed {
                    bar.println(&line);
                }
                bar.set_message(format!("{} notices", state.1));
                bar.inc(1);
            }
            None => {
                // A closed standard output must not stop the batch; its lines are only news.
                if failed {
                    let _ = writeln!(io::stderr().lock(), "{line}");
                } else {
                    let _ = writeln!(io::stdout().lock(), "{line}");
                }
                if state.2.elapsed() >= Duration::from_secs(5) {
                    let seconds = self.started.elapsed().as_secs_f64();
                    let _ = writeln!(
                        io::stdout().lock(),
                        "progress: {} files, {} notices, {:.1} notices/s",
                        state.0,
                        state.1,
                        state.1 as f64 / seconds.max(1e-9)
                    );
                    state.2 = Instant::now();
                }
            }
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn outcome_line(path: &Path, outcome: &Outcome) -> String {
    match outcome {
        Outcome::Rendered { id, files, version: None, .. } => format!("ok      {id}: {} files", files.len()),
        Outcome::Rendered { id, files, version: Some(version), .. } => {
            format!("ok      {id}: {} files, archived as {version}", files.len())
        }
        Outcome::Unchanged { id, .. } => format!("unchanged {id}: same as its newest archived version"),
        Outcome::Failed(err) => {
            let mut text = String::new();
            for (index, line) in err.to_string().lines().enumerate() {
                text.push_str(if index == 0 { "FAILED  " } else { "\n        " });
                text.push_str(line);
            }
            text
        }
        Outcome::Skipped { reason } => format!("skipped {}: {reason}", path.display()),
    }
}

/// The end of a batch: counts, throughput, and each failure with its error.
pub fn summary(report: &Report, output: &Path, elapsed: Duration) -> Result<(), Failure> {
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
    out(format!(
        "{} records: {rendered} rendered ({files} files in {}), {unchanged} unchanged, {} failed; {skipped} other files skipped",
        rendered + unchanged + report.failed(),
        output.display(),
        report.failed()
    ))?;
    let seconds = elapsed.as_secs_f64();
    out(format!("{notices} notices in {seconds:.2} s: {:.1} notices/s", notices as f64 / seconds.max(1e-9)))?;
    let warnings: Vec<&Diagnostic> = report.warnings().collect();
    if !warnings.is_empty() {
        out(format!("{} warnings (run `seloste check` on the records for every finding):", warnings.len()))?;
        for warning in warnings {
            out(format!("warning: {}", warning.to_string().lines().next().unwrap_or_default()))?;
        }
    }
    for (path, outcome) in &report.outcomes {
        if let Outcome::Failed(err) = outcome {
            out(format!("failed: {}: {}", path.display(), err.to_string().lines().next().unwrap_or_default()))?;
        }
    }
    for (tsa, done) in &report.evidence {
        match done {
            Ok(done) => {
                out(format!(
                    "evidence records: {} under {} from {}",
                    counted(done.sealed, "new version"),
                    counted(done.requests, "timestamp"),
                    tsa.url
                ))?;
                for problem in &done.problems {
                    out(format!("failed: {problem}"))?;
                }
            }
            Err(err) => out(format!(
                "failed: the new versions have no evidence record yet ({}); give them one with `seloste archive renew ARCHIVE --tsa {}`",
                err.to_string().lines().next().unwrap_or_default(),
                tsa.url
            ))?,
        }
    }
    Ok(())
}

/// `1 version`, `5 versions`.
pub fn counted(count: usize, noun: &str) -> String {
    if count == 1 { format!("1 {noun}") } else { format!("{count} {noun}s") }
}
