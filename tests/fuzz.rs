//! Mutation fuzzing of what reads untrusted bytes: record loading (the YAML/JSON reader,
//! the typed load, the checks and the composer), the statute citation reader, and
//! verify's PDF and CMS parsing. Each target starts from real inputs and applies random
//! mutations (flips, cuts, repeats, insertions of the syntax that matters); no input may
//! make seloste panic.
//!
//! Each target runs for `FUZZ_SECONDS` (5 s by default, 60 s under CI=true), in rounds of
//! proptest cases, so a failure is shrunk to a small input. The number of executions is
//! printed (`cargo test --release --test fuzz -- --nocapture`). By hand, for longer:
//! `FUZZ_SECONDS=600 cargo test --release --test fuzz -- --nocapture`.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};

use common::*;
use seloste::record::{Organisation, Record, Register};
use seloste::source::{self, Limits, SourceFile};
use seloste::{Assets, Engine, LangForm};

fn budget() -> Duration {
    let default = if std::env::var("CI").as_deref() == Ok("true") { 60 } else { 5 };
    let seconds = std::env::var("FUZZ_SECONDS").ok().and_then(|text| text.parse().ok()).unwrap_or(default);
    Duration::from_secs(seconds)
}

/// Runs `test` on values of `strategy` until the budget is spent; fails on the first
/// input that fails, shrunk.
fn fuzz<S: Strategy>(target: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    let deadline = Instant::now() + budget();
    let mut executions = 0u64;
    let mut round = 0u64;
    while Instant::now() < deadline {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&round.to_le_bytes());
        let config = Config { cases: 64, failure_persistence: None, ..Config::default() };
        let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
        match runner.run(&strategy, &test) {
            Ok(()) => {}
            Err(TestError::Fail(reason, value)) => panic!("{target}: {reason}\ninput: {value:?}"),
            Err(TestError::Abort(reason)) => panic!("{target}: aborted: {reason}"),
        }
        executions += 64;
        round += 1;
    }
    eprintln!("fuzz {target}: {executions} executions in {:.0?}", budget());
}

/// One change to a byte string.
#[derive(Clone, Debug)]
enum Mutation {
    Flip { at: prop::sample::Index, bit: u8 },
    Cut { at: prop::sample::Index, len: u8 },
    Repeat { at: prop::sample::Index, len: u8, times: u8 },
    Insert { at: prop::sample::Index, token: prop::sample::Index },
    Truncate { at: prop::sample::Index },
}

/// What matters to YAML, JSON, PDF and DER parsers.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b": ",
    b"- ",
    b"\n",
    b"\n  ",
    b"\t",
    b"&a ",
    b"*a",
    b"\"",
    b"'",
    b"!!str ",
    b"---\n",
    b"~",
    b"\\u0000",
    b"# ",
    b"<<: ",
    b"0x",
    b"-1",
    b"1e999",
    b"null",
    b"kind: record\n",
    b"\xc3\xa4",
    b"\xff",
    b"\x00",
    b"/ByteRange [0 1 2 3]",
    b"/Contents <00>",
    b" obj",
    b"endobj",
    b"stream\n",
    b"%%EOF",
    b"trailer",
    b"\x30\x82\xff\xff",
    b"\x30\x80",
    b"\x06\x09",
    b"\x04\x00",
    b"417/2007",
    b"(EU) 2016/679",
    b"2007/417",
    b"\xc2\xa7",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<prop::sample::Index>(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        (any::<prop::sample::Index>(), 1u8..64).prop_map(|(at, len)| Mutation::Cut { at, len }),
        (any::<prop::sample::Index>(), 1u8..64, 1u8..16).prop_map(|(at, len, times)| Mutation::Repeat {
            at,
            len,
            times
        }),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(at, token)| Mutation::Insert { at, token }),
        any::<prop::sample::Index>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn mutate(original: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for mutation in mutations {
        let len = bytes.len().max(1);
        match mutation {
            Mutation::Flip { at, bit } => {
                if !bytes.is_empty() {
                    let at = at.index(len);
                    bytes[at] ^= 1 << bit;
                }
            }
            Mutation::Cut { at, len: cut } => {
                let at = at.index(len).min(bytes.len());
                let end = (at + usize::from(*cut)).min(bytes.len());
                bytes.drain(at..end);
            }
            Mutation::Repeat { at, len: size, times } => {
                let at = at.index(len).min(bytes.len());
                let end = (at + usize::from(*size)).min(bytes.len());
                let piece = bytes[at..end].to_vec();
                for _ in 0..*times {
                    bytes.splice(at..at, piece.iter().copied());
                }
            }
            Mutation::Insert { at, token } => {
                let at = at.index(len).min(bytes.len());
                let token = TOKENS[token.index(TOKENS.len())];
                bytes.splice(at..at, token.iter().copied());
            }
            Mutation::Truncate { at } => bytes.truncate(at.index(len)),
        }
    }
    bytes
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(&Assets::embedded()).expect("the built-in templates load"))
}

fn sample_records() -> Vec<Vec<u8>> {
    files_in(&samples())
        .into_iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml") && !path.ends_with("archive-plan.yaml"))
        .map(|path| std::fs::read(path).unwrap())
        .collect()
}

fn sample_organisation() -> (PathBuf, Organisation, source::Parsed) {
    let path = samples().join("organisations/huittinen.yaml");
    let parsed = source::read_parsed(&path, &Limits::INPUT).unwrap();
    (path.clone(), parsed.typed().unwrap(), parsed)
}

#[test]
fn record_loading_never_panics() {
    let records = sample_records();
    let (organisation_path, organisation, organisation_source) = sample_organisation();
    let strategy = (0..records.len(), prop::collection::vec(mutation(), 1..8));
    fuzz("record loading", strategy, |(which, mutations)| {
        let bytes = mutate(&records[which], &mutations);
        let Ok(text) = String::from_utf8(bytes) else { return Ok(()) };
        let path = Path::new("fuzzed.yaml");
        let Ok(parsed) = source::parse(SourceFile { path: path.to_owned(), text }, &Limits::INPUT) else {
            return Ok(());
        };
        let Ok(record) = parsed.typed::<Record>() else { return Ok(()) };
        let register = Register {
            path: path.to_owned(),
            record,
            source: parsed,
            organisation_path: organisation_path.clone(),
            organisation: organisation.clone(),
            organisation_source: organisation_source.clone(),
        };
        let Ok(findings) = engine().check(&register) else { return Ok(()) };
        if findings.iter().all(|finding| !finding.is_error()) {
            for form in LangForm::defaults(&register.record.languages) {
                let _ = engine().compose(&register, form, None);
            }
        }
        Ok(())
    });
}

#[test]
fn the_citation_reader_never_panics() {
    let catalog = engine().statutes();
    let strategy = (
        prop::sample::select(vec!["417/2007", "(EU) 2016/679", "679/2016/EU", "2014/1301", "812/2000"]),
        prop::collection::vec(mutation(), 1..6),
    );
    fuzz("citation reader", strategy, |(number, mutations)| {
        let text = String::from_utf8_lossy(&mutate(number.as_bytes(), &mutations)).into_owned();
        let _ = catalog.check_citation(&text, false);
        Ok(())
    });
}

/// A signed sample PDF, a DOCX, the DOCX's signature, and the trust anchor's path.
type Signed = (Vec<u8>, Vec<u8>, Vec<u8>, PathBuf);

fn signed() -> &'static Signed {
    static SIGNED: OnceLock<Signed> = OnceLock::new();
    SIGNED.get_or_init(|| {
        let dir = scratch_in("fuzz", "signed");
        let keys = dir.join("keys");
        let record = samples().join("huittinen-lastensuojelu.yaml");
        let out = dir.join("out");
        let result = seloste(&[
            "render",
            record.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--lang",
            "fi",
            "--test-key",
            keys.to_str().unwrap(),
        ]);
        assert!(result.status.success(), "{}", stderr(&result));
        let read = |name: &str| std::fs::read(out.join(name)).unwrap();
        (
            read("huittinen-lastensuojelu.fi.pdf"),
            read("huittinen-lastensuojelu.fi.docx"),
            read("huittinen-lastensuojelu.fi.docx.p7s"),
            keys.join("ca.pem"),
        )
    })
}

fn trust() -> seloste::pkix::TrustStore {
    let anchors = seloste::sign::keys::load_certificates(&signed().3).unwrap();
    seloste::pkix::TrustStore::new(anchors)
}

#[test]
fn verify_never_panics_on_a_damaged_pdf() {
    let (pdf, _, _, _) = signed();
    let trust = trust();
    // Damage lands where it matters: the signature dictionary and the end of the file.
    let signature_at = pdf.windows(10).rposition(|window| window == b"/ByteRange").unwrap_or(0);
    let strategy = (any::<bool>(), prop::collection::vec(mutation(), 1..6));
    fuzz("verify PDF", strategy, |(near_signature, mutations)| {
        let mutated = if near_signature {
            let (head, tail) = pdf.split_at(signature_at);
            [head, &mutate(tail, &mutations)].concat()
        } else {
            mutate(pdf, &mutations)
        };
        let _ = seloste::verify::verify_pdf(&mutated, &trust);
        Ok(())
    });
}

#[test]
fn verify_never_panics_on_a_damaged_cms() {
    let (_, docx, p7s, _) = signed();
    let trust = trust();
    fuzz("verify CMS", prop::collection::vec(mutation(), 1..6), |mutations| {
        let _ = seloste::verify::verify_detached(docx, &mutate(p7s, &mutations), &trust);
        Ok(())
    });
}
