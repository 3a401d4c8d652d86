//! The layering rules of ARCHITECTURE.md, checked on the source: which module may use
//! which, and no module that uses another that, directly or through others, uses it back.
//!
//! A module is a file under src/ (`pkix/path.rs` is `pkix::path`, a `mod.rs` is its
//! folder's module, lib.rs is the crate root). A use is any path in the code, outside
//! comments and unit tests, that names an item of another module: `use` statements, with
//! their braces expanded, and paths written inline. Declaring a child module is not a use.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What each top-level module may use besides itself. The order is the order of the
/// layers, from the vocabulary at the bottom to the batch at the top.
const ALLOWED: &[(&str, &[&str])] = &[
    ("text", &[]),
    ("time", &[]),
    ("hex", &[]),
    ("xml", &[]),
    ("error", &[]),
    ("source", &["error"]),
    ("pkix", &["time", "hex"]),
    ("assets", &["error", "source", "text"]),
    ("record", &["error", "source", "text", "time"]),
    ("output", &["error", "pkix"]),
    ("statutes", &["assets", "error", "record", "source", "text", "time"]),
    ("compose", &["assets", "error", "record", "statutes", "text", "time"]),
    ("check", &["compose", "error", "record", "source", "statutes", "text", "time"]),
    ("import", &["error", "output", "source", "statutes", "text", "time"]),
    ("pdf", &["error"]),
    ("render", &["assets", "compose", "error", "pdf", "text", "time", "xml"]),
    ("timestamp", &["error", "pkix"]),
    ("revocation", &["error", "pkix"]),
    ("sign", &["error", "hex", "output", "pdf", "pkix", "record", "revocation", "source", "text", "time", "timestamp"]),
    ("verify", &["error", "pkix", "source", "time"]),
    ("publish", &["compose", "error", "output", "render", "text", "time"]),
    ("archive", &["error", "hex", "output", "pkix", "record", "source", "text", "time", "timestamp", "verify", "xml"]),
    (
        "lib",
        &[
            "archive", "assets", "check", "compose", "error", "import", "output", "publish", "record", "render",
            "sign", "source", "statutes", "text", "time",
        ],
    ),
    ("batch", &["archive", "error", "lib", "output", "record", "sign", "source", "text", "time", "timestamp"]),
];

/// Every module of the library, by path (`pkix::path`; the crate root is ``), with its source.
fn modules() -> BTreeMap<String, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = BTreeMap::new();
    let mut pending = vec![src.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let relative: PathBuf = path.strip_prefix(&src).unwrap().with_extension("");
            let mut parts: Vec<String> = relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
            if parts.last().is_some_and(|last| last == "mod") {
                parts.pop();
            }
            // The command line is the binary, not the library: it may use anything public.
            if parts == ["main"] || parts.first().is_some_and(|first| first == "cli") {
                continue;
            }
            if parts == ["lib"] {
                parts.clear();
            }
            found.insert(parts.join("::"), std::fs::read_to_string(&path).unwrap());
        }
    }
    found
}

/// The code of a file without comments and without its unit tests.
fn code(source: &str) -> String {
    let without_tests = match source.find("#[cfg(test)]\nmod tests") {
        Some(at) => &source[..at],
        None => source,
    };
    without_tests.lines().map(|line| line.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

/// The paths of a `use` tree: `a::{b, c::{d, e}}` gives `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap_or(tree).trim().to_owned()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (at, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|item| !item.trim().is_empty())
        .flat_map(expand)
        .map(|path| if path == "self" { prefix.trim_end_matches("::").to_owned() } else { format!("{prefix}{path}") })
        .collect()
}

/// The module a path names, seen from module `from`, if it is one of ours.
fn resolve(from: &str, path: &str, modules: &BTreeMap<String, String>) -> Option<String> {
    let segments: Vec<&str> = path.split("::").map(str::trim).collect();
    let mut base: Vec<&str> = if from.is_empty() { Vec::new() } else { from.split("::").collect() };
    let mut rest = &segments[..];
    match rest.first().copied() {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("super") => {
            while rest.first() == Some(&"super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        Some("self") => rest = &rest[1..],
        Some(first) => {
            let child = base.iter().copied().chain([first]).collect::<Vec<_>>().join("::");
            if !modules.contains_key(&child) {
                return None;
            }
        }
        None => return None,
    }
    let mut best = base.join("::");
    for segment in rest {
        base.push(segment);
        let candidate = base.join("::");
        if !modules.contains_key(&candidate) {
            break;
        }
        best = candidate;
    }
    Some(best)
}

/// Which module each module uses.
fn uses() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let use_statement = regex::Regex::new(r"\buse\s+([^;]+);").unwrap();
    let inline_path =
        regex::Regex::new(r"(?:^|[^:\w])((?:crate|super|[a-z_][a-z0-9_]*)(?:::[A-Za-z_][A-Za-z0-9_]*)+)").unwrap();
    let mut graph = BTreeMap::new();
    for (module, source) in &modules {
        let code = code(source);
        let mut used = BTreeSet::new();
        for statement in use_statement.captures_iter(&code) {
            for path in expand(&statement[1].replace('\n', " ")) {
                used.extend(resolve(module, &path, &modules));
            }
        }
        for path in inline_path.captures_iter(&use_statement.replace_all(&code, "")) {
            used.extend(resolve(module, &path[1], &modules));
        }
        used.remove(module);
        graph.insert(module.clone(), used);
    }
    graph
}

fn top(module: &str) -> &str {
    if module.is_empty() { "lib" } else { module.split("::").next().unwrap_or(module) }
}

#[test]
fn no_module_uses_one_that_uses_it_back() {
    let graph = uses();
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut pending: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        while let Some((module, route)) = pending.pop() {
            for next in &graph[&module] {
                assert!(next != start, "import cycle: {} -> {start}", route.join(" -> "));
                if seen.insert(next.clone()) {
                    let mut route = route.clone();
                    route.push(next.clone());
                    pending.push((next.clone(), route));
                }
            }
        }
    }
}

#[test]
fn each_module_uses_only_the_layers_below_it() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    for (module, used) in uses() {
        let own = top(&module);
        let permitted =
            allowed.get(own).unwrap_or_else(|| panic!("module `{own}` has no row in ALLOWED: say what it may use"));
        for other in used.iter().map(|used| top(used)).filter(|other| *other != own) {
            assert!(
                permitted.contains(&other),
                "`{module}` uses `{other}`, which ARCHITECTURE.md does not allow it to"
            );
        }
    }
}

#[test]
fn the_checker_sees_every_kind_of_use() {
    assert_eq!(expand("super::{a, b::{c, d as e}, self}"), ["super::a", "super::b::c", "super::b::d", "super"]);
    let graph = uses();
    assert!(graph["pkix::tsp"].contains("pkix::signed_data"), "a `use super::` of a sibling");
    assert!(graph[""].contains("check"), "an inline path from the crate root");
    assert!(graph["sign::cms"].contains("pkix::asn1"), "a `use crate::` path");
}
