//! Statute citations in free text: where a text cites a statute by number, what it must
//! have meant, and whether what it says of the statute is right.
//!
//! Only what reads as a citation is taken: a number in parentheses (`(621/1999)`), one
//! near a word for a statute (`lain 812/2000`, `asetus 2016/679`, `förordning`), one
//! followed by a section sign, or one marked as an EU act (`(EU)`, `/EU`). A fraction or
//! a month elsewhere in a text is left alone.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

use super::{Source, StatuteCatalog};
use crate::text::Lang;

/// One citation found in a text.
#[derive(Clone, Debug, PartialEq)]
pub struct Citation {
    /// Where it stands in the text, in bytes.
    pub range: Range<usize>,
    /// As written.
    pub written: String,
    /// The statute it means, as seloste cites it (`(EU) 2016/679`, `980/2012`), when it
    /// can be told.
    pub number: Option<String>,
    pub issue: Option<Issue>,
}

/// What is wrong with how a citation is written, or with what the text says of it.
#[derive(Clone, Debug, PartialEq)]
pub enum Issue {
    /// An EU act written the old or a wrong way (`679/2016/EU`, `(EU) 679/2016`, `2016/679`).
    EuForm,
    /// The year written first (`2012/980` for `980/2012`).
    YearFirst,
    /// Number and year swapped, the year shortened (`992/734` for `734/1992`).
    Swapped,
    /// The year in two digits (`523/99` for `523/1999`).
    ShortYear,
    /// No statute has this number.
    Unknown,
    /// The words before the citation name another statute than the number does; `better`
    /// is the number their title fits, when one does.
    TitleMismatch { better: Option<String> },
}

fn pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(r"(?:\(\s*(?P<pre>EU|EY|ETY|EG|EEG)\s*\)\s*(?:N:o|nro|No|nr)?\s*)?(?P<a>\d{1,4})\s?/\s?(?P<b>\d{1,4})(?:\s?/\s?(?P<post>EU|EY|ETY|EG|EEG)\b)?")
            .expect("a fixed, valid pattern")
    })
}

/// Words that make a nearby number a statute's.
const STATUTE_WORDS: &[&str] = &[
    "laki",
    "lain",
    "lakia",
    "laissa",
    "lakiin",
    "asetus",
    "asetuksen",
    "asetusta",
    "asetuksessa",
    "säädös",
    "lag",
    "lagen",
    "lagens",
    "förordning",
    "förordningen",
    "direktiivi",
    "direktiv",
    "kaari",
    "balk",
];

/// Words that make a number an EU act's.
const EU_WORDS: &[&str] = &[
    "tietosuoja-asetus",
    "tietosuoja-asetuksen",
    "dataskyddsförordning",
    "dataskyddsförordningen",
    "eu",
    "eu:n",
    "eu:s",
    "gdpr",
];

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == ':'))
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether a word is, or ends in, a word for a statute (`sosiaalihuoltolain`, `Barnskyddslagen`).
fn is_statute_word(word: &str) -> bool {
    STATUTE_WORDS.iter().any(|statute| word == *statute || (word.len() > statute.len() + 3 && word.ends_with(statute)))
}

fn is_year(part: &str) -> bool {
    part.len() == 4 && part.parse::<u32>().is_ok_and(|year| (1734..=2100).contains(&year))
}

/// Every citation in `text`, read with the catalog's knowledge.
pub fn find(text: &str, catalog: &StatuteCatalog) -> Vec<Citation> {
    let mut found = Vec::new();
    for captures in pattern().captures_iter(text) {
        let whole = captures.get(0).expect("a match has its whole");
        let range = whole.range();
        // Part of a longer run of digits and slashes (a date, a reference number): not one.
        let before = text[..range.start].chars().next_back();
        let after = text[range.end..].chars().next();
        if before.is_some_and(|c| c.is_ascii_digit() || c == '/' || c == '.')
            || after.is_some_and(|c| c.is_ascii_digit() || c == '/')
        {
            continue;
        }
        let (a, b) = (&captures["a"], &captures["b"]);
        let marked_eu = captures.name("pre").is_some() || captures.name("post").is_some();
        let context = &text[text[..range.start].char_indices().rev().nth(60).map_or(0, |(at, _)| at)..range.start];
        let context_words = words_of(context);
        let parenthesised = context.trim_end().ends_with('(') && text[range.end..].trim_start().starts_with(')');
        let statute_like = parenthesised
            || context_words.iter().rev().take(6).any(|word| is_statute_word(word))
            || text[range.end..].trim_start().starts_with('§')
            || text[range.end..].chars().take(12).any(|c| c == '§');
        let eu_like = marked_eu || context_words.iter().rev().take(6).any(|word| EU_WORDS.contains(&word.as_str()));
        if !(statute_like || eu_like) {
            continue;
        }
        let written = whole.as_str().to_owned();
        let (number, issue) = read(a, b, marked_eu, eu_like, &written, catalog)
            .or_else(|| short_year(a, b, context, catalog))
            .unwrap_or_default();
        let issue = issue.or_else(|| number.as_deref().and_then(|number| title_mismatch(number, context, catalog)));
        if number.is_some() || issue.is_some() {
            found.push(Citation { range, written, number, issue });
        }
    }
    found
}

/// What a number `a/b` means and what is wrong with how it is written; `None` when it is
/// no statute the catalog knows in the form tried.
type Reading = Option<(Option<String>, Option<Issue>)>;

/// `523/99`: the year in two digits, in the century whose statute of that number the
/// words before it name (the 1900s when the words do not tell).
fn short_year(a: &str, b: &str, context: &str, catalog: &StatuteCatalog) -> Reading {
    if b.len() != 2 {
        return None;
    }
    let known: Vec<String> = ["19", "20"]
        .iter()
        .map(|century| format!("{a}/{century}{b}"))
        .filter(|number| catalog.find(number, None).is_some())
        .collect();
    let named = known.iter().find(|number| title_mismatch(number, context, catalog).is_none());
    named.or(known.first()).map(|number| (Some(number.clone()), Some(Issue::ShortYear)))
}

/// A number `a/b` read in the full forms: EU acts, number/year, year/number, a
/// three-digit year.
fn read(a: &str, b: &str, marked_eu: bool, eu_like: bool, written: &str, catalog: &StatuteCatalog) -> Reading {
    let known = |number: &str| catalog.find(number, None).is_some();
    if marked_eu || eu_like {
        for candidate in [format!("(EU) {a}/{b}"), format!("(EU) {b}/{a}")] {
            if known(&candidate) {
                let issue =
                    (written.split_whitespace().collect::<Vec<_>>().join(" ") != candidate).then_some(Issue::EuForm);
                return Some((Some(candidate), issue));
            }
        }
        if marked_eu {
            return Some((None, None));
        }
    }
    if is_year(b) {
        let number = format!("{a}/{b}");
        if known(&number) {
            return Some((Some(number), None));
        }
        if is_year(a) && known(&format!("{b}/{a}")) {
            return Some((Some(format!("{b}/{a}")), Some(Issue::YearFirst)));
        }
        return Some((Some(number), Some(Issue::Unknown)));
    }
    if is_year(a) && known(&format!("{b}/{a}")) {
        return Some((Some(format!("{b}/{a}")), Some(Issue::YearFirst)));
    }
    // A year in three digits, written first or last: `992/734` for 734/1992.
    for (number, year) in [(b, a), (a, b)] {
        if year.len() == 3 {
            let candidate = format!("{number}/1{year}");
            if known(&candidate) {
                return Some((Some(candidate), Some(Issue::Swapped)));
            }
        }
    }
    None
}

/// The start of a word, for comparing inflected Finnish and Swedish words.
fn stem(word: &str) -> String {
    word.chars().take(5).collect()
}

/// Stems of the words that tell statutes apart: not the words for a statute, not short ones.
fn telling_stems(words: &[String]) -> Vec<String> {
    const COMMON: &[&str] = &[
        "laki", "lain", "lakia", "lag", "lagen", "asetu", "föror", "annet", "koske", "mukaa", "peruste", "nojal",
        "enlig", "om", "och", "ja", "sekä",
    ];
    words
        .iter()
        .filter(|word| word.chars().count() >= 4 && !word.chars().any(|c| c.is_ascii_digit()))
        .map(|word| stem(word))
        .filter(|stem| !COMMON.iter().any(|common| stem.starts_with(common)))
        .collect()
}

/// The stems of a statute's titles and short names in both languages.
fn statute_stems(number: &str, catalog: &StatuteCatalog) -> Vec<String> {
    let Some(known) = catalog.find(number, None) else { return Vec::new() };
    let mut words = Vec::new();
    for lang in Lang::ALL {
        words.extend(words_of(known.title.get(lang)));
        if let Some(aliases) = known.aliases {
            words.extend(aliases.get(lang).iter().flat_map(|alias| words_of(alias)));
        }
    }
    let mut stems: Vec<String> = words.iter().map(|word| stem(word)).collect();
    // A compound title ("Sosiaalihuoltolaki") is also named by its first part.
    stems.extend(
        words.iter().filter_map(|word| word.strip_suffix("laki").or_else(|| word.strip_suffix("lag")).map(stem)),
    );
    stems
}

/// How well `words` fit a statute's titles and short names: for each word, the longest
/// start it shares with one of theirs, summed.
fn fit(words: &[String], number: &str, catalog: &StatuteCatalog) -> usize {
    let Some(known) = catalog.find(number, None) else { return 0 };
    let mut theirs: Vec<String> = Vec::new();
    for lang in Lang::ALL {
        theirs.extend(words_of(known.title.get(lang)));
        if let Some(aliases) = known.aliases {
            theirs.extend(aliases.get(lang).iter().flat_map(|alias| words_of(alias)));
        }
    }
    let shared = |a: &str, b: &str| a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    words
        .iter()
        .filter(|word| !is_statute_word(word) || word.len() > 8)
        .map(|word| theirs.iter().map(|their| shared(word, their)).max().unwrap_or(0))
        .filter(|length| *length >= 4)
        .sum()
}

/// Whether the words right before a citation name the statute the number does. Only the
/// phrase back to the last clause break counts, and only when it holds a word for a
/// statute, so that "henkilötietolain (523/1999)" is checked and "... ja (523/1999)" is not.
fn title_mismatch(number: &str, context: &str, catalog: &StatuteCatalog) -> Option<Issue> {
    let phrase =
        context.trim_end().trim_end_matches('(').rsplit(['.', ';', '(', ')', '\n', ':']).next().unwrap_or_default();
    let words = words_of(phrase);
    let tail: Vec<String> = words.iter().rev().take(8).rev().cloned().collect();
    if !tail.iter().any(|word| is_statute_word(word)) {
        return None;
    }
    let telling = telling_stems(&tail);
    if telling.is_empty() {
        return None;
    }
    let known = statute_stems(number, catalog);
    if telling.iter().any(|stem| known.contains(stem)) {
        return None;
    }
    // Another statute whose title the words fit best: by how long a start each word
    // shares with a word of its title or short names.
    let better = catalog
        .curated()
        .filter(|statute| statute.repealed.is_none() && statute.number != number)
        .map(|statute| (fit(&tail, &statute.number, catalog), statute.number.clone()))
        .filter(|(score, _)| *score >= 5)
        .max_by_key(|(score, _)| *score)
        .map(|(_, number)| number);
    let table_only = catalog.find(number, None).is_some_and(|known| known.source == Source::Table);
    // Titles from the table alone are terse; a mismatch is told only when another fits.
    if table_only && better.is_none() {
        return None;
    }
    Some(Issue::TitleMismatch { better })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::Assets;

    fn catalog() -> StatuteCatalog {
        let assets = Assets::embedded();
        StatuteCatalog::load(&assets.statutes, None, assets.finlex).unwrap()
    }

    fn first(text: &str) -> Citation {
        find(text, &catalog()).into_iter().next().unwrap_or_else(|| panic!("no citation in {text:?}"))
    }

    #[test]
    fn eu_acts_written_the_old_ways_read_as_the_regulation() {
        for written in ["679/2016/EU", "(EU) 679/2016", "2016/679/EU"] {
            let citation = first(&format!("EU:n yleinen tietosuoja-asetus {written} säätää"));
            assert_eq!(citation.number.as_deref(), Some("(EU) 2016/679"), "{written}");
            assert_eq!(citation.issue, Some(Issue::EuForm), "{written}");
        }
        let right = first("tietosuoja-asetus (EU) 2016/679");
        assert_eq!(right.issue, None);
        let bare = first("EU:n yleinen tietosuoja-asetus (2016/679) artiklat 12 - 20");
        assert_eq!((bare.number.as_deref(), bare.issue), (Some("(EU) 2016/679"), Some(Issue::EuForm)));
    }

    #[test]
    fn a_year_written_first_or_swapped_is_read_by_the_table() {
        let citation = first("vanhuspalvelulain (2012/980) mukaan");
        assert_eq!((citation.number.as_deref(), citation.issue), (Some("980/2012"), Some(Issue::YearFirst)));
        let citation = first("asiakasmaksulain (992/734) mukaan");
        assert_eq!((citation.number.as_deref(), citation.issue), (Some("734/1992"), Some(Issue::Swapped)));
        let citation = first("henkilötietolaki (523/99) 10 §");
        assert_eq!((citation.number.as_deref(), citation.issue), (Some("523/1999"), Some(Issue::ShortYear)));
    }

    #[test]
    fn the_words_before_a_number_must_name_its_statute() {
        let citation = first("Lastensuojelulaki (1301/2014)");
        assert_eq!(citation.issue, Some(Issue::TitleMismatch { better: Some("417/2007".into()) }));
        for right in [
            "Laki viranomaisten toiminnan julkisuudesta 24 § (621/1999)",
            "henkilötietolain (523/1999) 22 §:n perusteella",
            "sosiaalihuollon asiakkaan asemaa ja oikeuksia koskevan lain 812/2000 20-21 §:ien nojalla",
            "Sosiaalihuoltolaki (1301/2014)",
            "Socialvårdslag (1301/2014)",
        ] {
            assert_eq!(first(right).issue, None, "{right}");
        }
    }

    #[test]
    fn numbers_that_are_not_citations_are_left_alone() {
        let catalog = catalog();
        for text in ["puh. 040 486 0935", "päivitetty 17.5.2018", "dnro 123/00.01.00/2024", "kello 8/16", "1/2 tuntia"]
        {
            assert!(find(text, &catalog).is_empty(), "{text}");
        }
        assert_eq!(first("lain 9999/2020 mukaan").issue, Some(Issue::Unknown));
    }
}
