//! A notice's lines cut into sections by their headings. A heading is known by its words,
//! not its number: the vocabulary (`templates/import-headings.yaml`, Finnish and Swedish,
//! with the variants real notices use) says which field each heading is about. A line
//! that looks like a heading but matches nothing starts a section of its own, kept.

use std::path::Path;

use serde::Deserialize;

use crate::error::{Diagnostic, Error};
use crate::source::{self, Limits, SourceFile};
use crate::text::Lang;

/// The heading vocabulary file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VocabularyFile {
    #[allow(dead_code)]
    kind: VocabularyKind,
    headings: Vec<HeadingEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum VocabularyKind {
    ImportHeadings,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeadingEntry {
    field: String,
    #[serde(default)]
    fi: Vec<String>,
    #[serde(default)]
    sv: Vec<String>,
}

/// Which field each heading is about, in the file's order: the first variant a heading
/// starts with wins.
pub struct Vocabulary {
    variants: Vec<(String, String, Lang)>,
}

/// A heading found on a line, and the text after it on the same line.
#[derive(Clone, Debug, PartialEq)]
pub struct Heading {
    /// The field the heading is about; `None` for a heading the vocabulary does not know.
    pub field: Option<String>,
    pub lang: Option<Lang>,
    /// The heading as written, without its number.
    pub text: String,
    /// The section's number, when the heading has one (`7`, `2.3`).
    pub number: Option<Vec<u32>>,
    /// The numbering as written (`1a`, `2.3.`, `B)`), kept with the source's text.
    pub marker: String,
    /// Text after the heading on the same line (after a tab or a colon).
    pub rest: Option<String>,
}

impl Heading {
    /// The heading as the source numbered it: `10) Tietojen säännönmukaiset luovutukset`.
    pub fn numbered(&self) -> String {
        if self.marker.is_empty() { self.text.clone() } else { format!("{} {}", self.marker, self.text) }
    }
}

/// A section of a notice: its heading and its lines.
#[derive(Debug)]
pub struct Section {
    pub heading: Option<Heading>,
    pub lines: Vec<String>,
}

impl Section {
    pub fn field(&self) -> Option<&str> {
        self.heading.as_ref().and_then(|heading| heading.field.as_deref())
    }
}

/// A heading line is at most this long; a longer line is text.
const MAX_HEADING_WORDS: usize = 14;

impl Vocabulary {
    pub fn parse(name: &str, text: &str) -> Result<Vocabulary, Error> {
        let parsed = source::parse(SourceFile { path: name.into(), text: text.to_owned() }, &Limits::TEMPLATE)?;
        let file: VocabularyFile = parsed.typed()?;
        let mut variants = Vec::new();
        for entry in file.headings {
            for (lang, words) in [(Lang::Fi, entry.fi), (Lang::Sv, entry.sv)] {
                for variant in words {
                    let normal = normalise(&variant);
                    if normal.is_empty() {
                        return Err(Error::input(Diagnostic::error(
                            "import.headings",
                            Path::new(name),
                            format!("headings.{}", entry.field),
                            "an empty heading variant",
                        )));
                    }
                    variants.push((normal, entry.field.clone(), lang));
                }
            }
        }
        Ok(Vocabulary { variants })
    }

    /// Whether a heading text is one of the vocabulary's variants word for word.
    fn is_exact(&self, heading: &str) -> bool {
        let normal = normalise(heading);
        self.variants.iter().any(|(variant, _, _)| normal == *variant)
    }

    /// The variant a heading text matches, with its field and language.
    fn variant_of(&self, heading: &str) -> Option<(&str, &str, Lang)> {
        let normal = normalise(heading);
        self.variants
            .iter()
            .find(|(variant, _, _)| {
                normal == *variant
                    || normal.strip_prefix(variant.as_str()).is_some_and(|rest| {
                        (rest.starts_with(|c: char| !c.is_alphanumeric()) || variant.chars().count() >= 10)
                            && !reads_as_a_sentence(rest)
                    })
            })
            .map(|(variant, field, lang)| (variant.as_str(), field.as_str(), *lang))
    }

    /// The heading `line` starts with, if it is one.
    pub fn heading(&self, line: &str) -> Option<Heading> {
        let (number, body) = split_number(line);
        let candidates = [
            body.split_once('\t').map(|(head, rest)| (head, Some(rest))),
            // `Rekisterin nimi: …`, not the colon inside `EU:n`.
            body.split_once(": ")
                .or_else(|| body.strip_suffix(':').map(|head| (head, "")))
                .filter(|(head, _)| head.split_whitespace().count() <= 6)
                .map(|(head, rest)| (head, Some(rest))),
            Some((body, None)),
        ];
        for (head, rest) in candidates.into_iter().flatten() {
            let words = head.split_whitespace().count();
            // A sentence that starts with a heading's words is text, not a heading.
            let sentence = rest.is_none() && words > 3 && head.trim_end().ends_with('.');
            if words == 0 || words > MAX_HEADING_WORDS || sentence || head.contains('@') {
                continue;
            }
            if let Some((variant, field, lang)) = self.variant_of(head) {
                let (head, rest) = match (rest, named_after(head, variant)) {
                    (None, Some((title, name))) => (title, Some(name)),
                    _ => (head, rest),
                };
                let rest = rest.map(|rest| rest.trim().to_owned()).filter(|rest| !rest.is_empty());
                return Some(Heading {
                    field: Some(field.to_owned()),
                    lang: Some(lang),
                    text: head.trim().trim_end_matches(':').to_owned(),
                    number: number.clone(),
                    marker: marker_of(line, body),
                    rest,
                });
            }
        }
        None
    }
}

/// `Tietosuojavastaava Olli Kangasniemi`, `Rekisterinpitäjä Huittisten kaupunki`: a
/// heading's words followed by a value that starts with a capital are the heading and
/// the first line of its section (words in lower case, `… ja yhteystiedot`, extend the
/// heading instead).
fn named_after<'a>(head: &'a str, variant: &str) -> Option<(&'a str, &'a str)> {
    let words: Vec<&str> = head.split_whitespace().collect();
    let heading_words = variant.split_whitespace().count();
    let value = &words[heading_words.min(words.len())..];
    let first = value.first()?;
    if value.len() > 6 || !first.starts_with(char::is_uppercase) {
        return None;
    }
    // The value's offset in `head`: `first` is a slice of it.
    let at = first.as_ptr() as usize - head.as_ptr() as usize;
    Some((head[..at].trim_end(), &head[at..]))
}

/// Whether the words after a heading's known start make it a sentence: more than a
/// heading adds (`… ja tietojen siirto EU tai ETA:n ulkopuolelle`), or a verb (`… ovat lakisääteinen velvoite`,
/// `… säilytetään`, `… förvaras`).
fn reads_as_a_sentence(rest: &str) -> bool {
    const VERBS: [&str; 8] = ["on", "ovat", "ei", "eivät", "voidaan", "är", "kan", "används"];
    let words: Vec<&str> = rest.split_whitespace().collect();
    let passive = |word: &&str| {
        let word = word.trim_end_matches([',', '.']);
        word.ends_with("taan") || word.ends_with("tään") || word.ends_with("daan") || word.ends_with("dään")
    };
    words.len() > 8 || words.iter().any(|word| VERBS.contains(word) || passive(word))
}

/// A heading text as it is compared: lower case, single spaces, no closing colon or full stop.
fn normalise(text: &str) -> String {
    let text = text.trim().trim_end_matches([':', '.', ' ']).to_lowercase();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `7. Rekisterin tietosisältö` → (`[7]`, `Rekisterin tietosisältö`); also `2.3`, `4)`, `A.`, `§ 3`.
fn split_number(line: &str) -> (Option<Vec<u32>>, &str) {
    let trimmed = line.trim_start();
    let trimmed = trimmed.strip_prefix("<p>").unwrap_or(trimmed);
    if let Some(rest) = trimmed.strip_prefix('§') {
        let digits: String = rest.trim_start().chars().take_while(char::is_ascii_digit).collect();
        if let Ok(number) = digits.parse() {
            let after = rest.trim_start()[digits.len()..].trim_start_matches(['.', ')']);
            return (Some(vec![number]), after.trim_start());
        }
    }
    let token: &str = trimmed.split_whitespace().next().unwrap_or_default();
    let numeric = token.trim_end_matches(['.', ')']);
    if !numeric.is_empty()
        && numeric.split('.').all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
    {
        let parts: Option<Vec<u32>> = numeric.split('.').map(|part| part.parse().ok()).collect();
        if let Some(parts) = parts {
            return (Some(parts), trimmed[token.len()..].trim_start());
        }
    }
    let letter =
        token.len() == 2 && token.starts_with(|c: char| c.is_ascii_alphabetic()) && token.ends_with(['.', ')']);
    let rest = trimmed[token.len()..].trim_start();
    // `A Manuaalinen aineisto`: a capital letter alone before a capitalised word.
    let bare_letter =
        token.len() == 1 && token.starts_with(|c: char| c.is_ascii_uppercase()) && rest.starts_with(char::is_uppercase);
    if letter || bare_letter {
        return (None, rest);
    }
    // `1a Rekisterin nimi`: a number with a letter.
    let digits: String = token.chars().take_while(char::is_ascii_digit).collect();
    if !digits.is_empty() && token.len() == digits.len() + 1 && token.ends_with(|c: char| c.is_ascii_lowercase()) {
        return (digits.parse().ok().map(|number| vec![number]), rest);
    }
    (None, trimmed)
}

/// Whether an unknown line looks like a heading of its own: numbered next in the
/// notice's sequence, or written in capitals, short and without a closing full stop.
fn unknown_heading(line: &str, last_number: Option<u32>) -> Option<Heading> {
    let (number, body) = split_number(line);
    let words = body.split_whitespace().count();
    let capitalised = body.starts_with(|c: char| c.is_uppercase());
    if words == 0 || words > 10 || body.ends_with('.') || body.contains('\t') || !capitalised {
        return None;
    }
    // `62200 HARMAAKOSKI`: a postal code, not a section number.
    if number.as_ref().is_some_and(|parts| parts[0] >= 1000) {
        return None;
    }
    let next_in_sequence = match (&number, last_number) {
        (Some(parts), Some(last)) => parts[0] == last + 1,
        (Some(parts), None) => parts[0] == 1,
        _ => false,
    };
    let letters: Vec<char> = body.chars().filter(|c| c.is_alphabetic()).collect();
    let capitals = letters.len() >= 4 && letters.iter().all(|c| c.is_uppercase()) && !body.starts_with("- ");
    (next_in_sequence || capitals).then(|| Heading {
        field: None,
        lang: None,
        text: body.trim_end_matches(':').to_owned(),
        number,
        marker: marker_of(line, body),
        rest: None,
    })
}

/// The numbering before a heading's `body` on its `line`.
fn marker_of(line: &str, body: &str) -> String {
    let marker = &line[..line.len() - body.len()];
    marker.trim().trim_start_matches("<p>").trim().to_owned()
}

/// The notice's sections, in order; lines before the first heading make a section
/// without one.
pub fn sections(lines: &[String], vocabulary: &Vocabulary) -> Vec<Section> {
    let mut sections = vec![Section { heading: None, lines: Vec::new() }];
    let mut last_number: Option<u32> = None;
    let mut index = 0;
    while index < lines.len() {
        let (heading, used) = match split_heading(&lines[index..], vocabulary, last_number) {
            Some((heading, used)) => (Some(heading), used),
            None => {
                // A heading in capitals straight under a known one (`PERHE- JA
                // SOSIAALIPALVELU` under `Rekisterin tietosisältö`) divides that section.
                let current = sections.last().expect("a section");
                let under_known = current.field().is_some() && current.lines.is_empty();
                let unknown = unknown_heading(&lines[index], last_number);
                (unknown.filter(|heading| heading.number.is_some() || !under_known), 1)
            }
        };
        let line = &lines[index];
        index += used;
        match heading {
            Some(mut heading) => {
                if let Some(number) = heading.number.as_ref().map(|parts| parts[0]) {
                    last_number = Some(number);
                }
                let rest = heading.rest.take();
                sections.push(Section { heading: Some(heading), lines: rest.into_iter().collect() });
            }
            None => sections.last_mut().expect("a section").lines.push(line.clone()),
        }
    }
    sections.retain(|section| section.heading.is_some() || !section.lines.is_empty());
    sections
}

/// A known heading at the start of `lines`, and how many lines it takes: one, or two or
/// three when a form puts the number on a line of its own or breaks a long heading
/// (`5.` / `Henkilötietojen käsittelyn` / `tarkoitus`).
fn split_heading(lines: &[String], vocabulary: &Vocabulary, last_number: Option<u32>) -> Option<(Heading, usize)> {
    let first = &lines[0];
    let accept = |heading: Heading| heading_in_sequence(&heading, last_number).then_some(heading);
    if let Some(heading) = vocabulary.heading(first).and_then(accept) {
        // `Paperiset asiakirjat säilytetään lukituissa` / `kaapeissa.`: a sentence broken
        // over lines that starts with a heading's words.
        let long = first.split_whitespace().count() > 3;
        let continues = lines.get(1).is_some_and(|next| next.trim_start().starts_with(char::is_lowercase));
        if heading.rest.is_none() && long && continues {
            return None;
        }
        return Some((heading, 1));
    }
    let short = |line: &str| line.split_whitespace().count() <= 5 && !line.ends_with('.') && !line.contains('\t');
    let (number, body) = split_number(first);
    let number_alone = number.is_some() && body.is_empty();
    if !(short(first) || number_alone) {
        return None;
    }
    let mut joined = first.clone();
    for (used, next) in lines.iter().enumerate().skip(1).take(2) {
        if !short(next) && !next.contains('\t') {
            return None;
        }
        joined = format!("{joined} {next}");
        if let Some(heading) = vocabulary.heading(&joined).and_then(accept) {
            // `Rekisterissä olevat` / `henkilötiedot`: a heading one more line completes.
            if let Some(after) = lines.get(used + 1).filter(|after| short(after))
                && let Some(longer) = vocabulary
                    .heading(&format!("{joined} {after}"))
                    .filter(|longer| longer.rest.is_none() && vocabulary.is_exact(&longer.text))
            {
                return Some((longer, used + 2));
            }
            return Some(run_on_heading(heading, &lines[used + 1..], used + 1));
        }
        if next.contains('\t') {
            return None;
        }
    }
    None
}

/// Words that join the parts of a heading broken over lines.
const CONNECTIVES: [&str; 7] = ["ja", "tai", "sekä", "eli", "och", "eller", "samt"];

/// A heading broken over more lines than the vocabulary needed (`Rekisterin tietojen
/// siirto` / `kolmanteen maahan tai` / `kansainväliselle järjestölle EU:n` / `tai Euroopan
/// talousalueen` / `(ETA) ulkopuolelle`): a short line joined by a connective or a
/// parenthesis belongs to it.
fn run_on_heading(mut heading: Heading, after: &[String], mut used: usize) -> (Heading, usize) {
    let connective = |word: Option<&str>| word.is_some_and(|word| CONNECTIVES.contains(&word.to_lowercase().as_str()));
    for (index, line) in after.iter().enumerate() {
        let line = line.trim();
        let short = line.split_whitespace().count() <= 5 && !line.ends_with('.') && !line.contains('\t');
        // `käsittelyä on ulkoistettu` / `toimeksiantosopimuksella` / `Ei ☐`: one word in
        // lower case that no line in lower case follows (a list's items would).
        let last_word = line.split_whitespace().count() == 1
            && line.starts_with(char::is_lowercase)
            && after.get(index + 1).is_none_or(|next| !next.trim_start().starts_with(char::is_lowercase));
        let joined = connective(heading.text.split_whitespace().next_back())
            || connective(line.split_whitespace().next())
            || connective(line.split_whitespace().next_back())
            || line.starts_with('(')
            || last_word;
        let words = heading.text.split_whitespace().count() + line.split_whitespace().count();
        if heading.rest.is_some() || !short || !joined || words > MAX_HEADING_WORDS {
            break;
        }
        heading.text = format!("{} {line}", heading.text);
        used += 1;
    }
    (heading, used)
}

/// A numbered line whose number runs backwards (a numbered list inside a section) is
/// not a heading, even if its words are a heading's.
fn heading_in_sequence(heading: &Heading, last_number: Option<u32>) -> bool {
    match (&heading.number, last_number) {
        (Some(parts), Some(last)) => parts.len() > 1 || parts[0] > last,
        _ => true,
    }
}

/// The language most headings are in.
pub fn language(sections: &[Section]) -> Lang {
    let count =
        |lang| sections.iter().filter(|section| section.heading.as_ref().and_then(|h| h.lang) == Some(lang)).count();
    if count(Lang::Sv) > count(Lang::Fi) { Lang::Sv } else { Lang::Fi }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary() -> Vocabulary {
        Vocabulary::parse(
            "test",
            "kind: import-headings\nheadings:\n  - field: name\n    fi: [rekisterin nimi]\n    sv: [registrets namn]\n  - field: controller\n    fi: [rekisterinpitäjä]\n  - field: data_categories\n    fi: [rekisterin tietosisältö]\n  - field: transfers\n    fi: [rekisterin tietojen siirto]\n  - field: security\n    fi: [suojauksen periaatteet, rekisterin suojauksen periaatteet, paperiset asiakirjat]\n",
        )
        .unwrap()
    }

    #[test]
    fn headings_are_found_by_their_words_with_any_numbering() {
        let vocabulary = vocabulary();
        for line in [
            "1. Rekisterin nimi",
            "1) REKISTERIN NIMI",
            "2.1 Rekisterin nimi:",
            "§ 1 Rekisterin nimi",
            "A. Rekisterin nimi",
        ] {
            let heading = vocabulary.heading(line).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(heading.field.as_deref(), Some("name"), "{line}");
        }
        let same_line = vocabulary.heading("Rekisterin nimi: Nuorisotyön asiakasrekisteri").unwrap();
        assert_eq!(same_line.rest.as_deref(), Some("Nuorisotyön asiakasrekisteri"));
        let tabbed = vocabulary.heading("2. Rekisterinpitäjä\tNimi Perusturvalautakunta").unwrap();
        assert_eq!(
            (tabbed.field.as_deref(), tabbed.rest.as_deref()),
            (Some("controller"), Some("Nimi Perusturvalautakunta"))
        );
        assert_eq!(vocabulary.heading("Registrets namn").unwrap().lang, Some(Lang::Sv));
        let named = vocabulary.heading("Rekisterinpitäjä Huittisten kaupunki").unwrap();
        assert_eq!((named.text.as_str(), named.rest.as_deref()), ("Rekisterinpitäjä", Some("Huittisten kaupunki")));
        assert!(vocabulary.heading("Rekisterin nimi on pitkä lause, joka kertoo asiasta enemmän kuin otsikko kertoisi koskaan ja vielä vähän").is_none());
    }

    #[test]
    fn sections_keep_unknown_headings_and_numbered_lists_inside() {
        let lines: Vec<String> = [
            "Seloste",
            "1. Rekisterin nimi",
            "Kirjasto",
            "2. Rekisterin tietosisältö",
            "1. nimi",
            "2. osoite",
            "3. Evästeet",
            "Sivusto käyttää evästeitä.",
        ]
        .iter()
        .map(|line| line.to_string())
        .collect();
        let sections = sections(&lines, &vocabulary());
        let headings: Vec<Option<&str>> =
            sections.iter().map(|s| s.heading.as_ref().map(|h| h.text.as_str())).collect();
        assert_eq!(headings, [None, Some("Rekisterin nimi"), Some("Rekisterin tietosisältö"), Some("Evästeet")]);
        assert_eq!(sections[2].lines, ["1. nimi", "2. osoite"]);
        assert_eq!(sections[3].field(), None);
        assert_eq!(sections[1].heading.as_ref().unwrap().numbered(), "1. Rekisterin nimi");
    }

    #[test]
    fn a_heading_broken_over_lines_is_read_whole_and_a_sentence_is_not_one() {
        let lines: Vec<String> = [
            "14.",
            "Rekisterin tietojen siirto",
            "kolmanteen maahan tai",
            "kansainväliselle järjestölle EU:n",
            "tai Euroopan talousalueen",
            "(ETA) ulkopuolelle",
            "☒Ei",
            "15. Rekisterin suojauksen periaatteet",
            "Paperiset asiakirjat säilytetään lukituissa",
            "kaapeissa.",
        ]
        .iter()
        .map(|line| line.to_string())
        .collect();
        let sections = sections(&lines, &vocabulary());
        let transfers = sections[0].heading.as_ref().unwrap();
        assert_eq!(transfers.field.as_deref(), Some("transfers"));
        assert!(transfers.text.ends_with("(ETA) ulkopuolelle"), "{}", transfers.text);
        assert_eq!(sections[0].lines, ["☒Ei"]);
        assert_eq!(sections[1].field(), Some("security"));
        assert_eq!(sections[1].lines.len(), 2, "a sentence that starts with a heading's words is text");
    }
}
