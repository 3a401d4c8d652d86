//! The official Finnish and Swedish titles of 57,518 Finnish statutes, from Semantic
//! Finlex (data.finlex.fi, Ministry of Justice of Finland, CC BY 4.0), shipped compressed
//! in the binary and read once per process, on the first lookup that needs it.
//!
//! The table holds each statute's number, its type (Laki, Asetus, Päätös, ...) and its
//! title in each language as the statute was published; a title that starts with a
//! lower-case letter is printed after its type word ("Laki sosiaalihuollon asiakkaan
//! asemasta ja oikeuksista"). It says nothing of repeal; that is the curated catalog's.
//!
//! The text is kept as it decompresses, with an index of its lines sorted by number: a
//! lookup is a binary search, and no row is copied until one is asked for.

use std::io::Read;
use std::ops::Range;
use std::sync::OnceLock;

/// One statute as the table gives it.
#[derive(Clone, Debug)]
pub struct Row<'a> {
    /// The Finnish type word: `Laki`, `Asetus`, `Päätös`, ...; empty for a few.
    pub kind: &'a str,
    /// The titles, without a trailing full stop; empty where the table has none.
    pub fi: &'a str,
    pub sv: &'a str,
}

/// The decompressed table and its lines, sorted by number.
struct Lines {
    text: String,
    /// Each line's range in `text`, sorted by the number that starts it.
    index: Vec<Range<u32>>,
}

/// The table, decompressed and indexed on first use.
pub struct Table {
    compressed: &'static [u8],
    lines: OnceLock<Lines>,
}

impl Table {
    pub fn new(compressed: &'static [u8]) -> Table {
        Table { compressed, lines: OnceLock::new() }
    }

    /// The row of `number` (`980/2012`), if the table has it.
    pub fn get(&self, number: &str) -> Option<Row<'_>> {
        let lines = self.lines.get_or_init(|| read(self.compressed));
        let line = |range: &Range<u32>| &lines.text[range.start as usize..range.end as usize];
        let found = lines.index.binary_search_by(|range| number_of(line(range)).cmp(number)).ok()?;
        let mut cells = line(&lines.index[found]).split('\t').skip(1);
        let kind = cells.next().unwrap_or_default().trim();
        let fi = tidy_title(cells.next().unwrap_or_default());
        let sv = tidy_title(cells.next().unwrap_or_default());
        Some(Row { kind, fi, sv })
    }
}

fn number_of(line: &str) -> &str {
    line.split('\t').next().unwrap_or_default().trim()
}

fn tidy_title(title: &str) -> &str {
    title.trim().trim_end_matches('.').trim()
}

/// Decompresses the gzip-compressed, tab-separated table (number, type, fi, sv, with a
/// header) and indexes its lines. The table is ours, built into the binary; if it did not
/// read, no statute would be found in it, and the check would say so of each citation.
fn read(compressed: &[u8]) -> Lines {
    let mut text = String::new();
    if flate2::read::GzDecoder::new(compressed).read_to_string(&mut text).is_err() {
        return Lines { text: String::new(), index: Vec::new() };
    }
    let mut index = Vec::with_capacity(60_000);
    let mut start = 0usize;
    for line in text.split_inclusive('\n') {
        let end = start + line.trim_end_matches(['\n', '\r']).len();
        if start > 0 {
            index.push(start as u32..end as u32);
        }
        start += line.len();
    }
    index.sort_by(|a, b| {
        number_of(&text[a.start as usize..a.end as usize]).cmp(number_of(&text[b.start as usize..b.end as usize]))
    });
    Lines { text, index }
}
