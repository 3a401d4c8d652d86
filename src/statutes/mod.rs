//! What seloste knows of Finnish statutes: the title of every statute in both languages
//! (the Finlex table, [`finlex`]), and, in the curated catalog `templates/statutes.yaml`,
//! which were repealed and by what, which sections moved elsewhere, the titles the table
//! lacks or gets wrong, and the short names people write. An organisation may add its
//! own entries (a statute too new for the table, a local regulation, a decree with its
//! issuer) in a file its organisation file names. A record cites `417/2007`, and the
//! notice prints `Lastensuojelulaki (417/2007)` or `Barnskyddslag (417/2007)`.
//!
//! [`citations`] finds statute citations in free text and reads them as the checker and
//! the importer need them.

pub mod citations;
pub mod finlex;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::assets::Asset;
use crate::error::{Diagnostic, Error};
use crate::record::StatuteRef;
use crate::source::{self, Limits, SourceFile};
use crate::text::{Lang, Localized};
use crate::time::Date;

/// A statute as a catalog file states it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statute {
    /// As the statute is cited: `417/2007`, `(EU) 2016/679`, or an organisation's own
    /// identifier for a local regulation.
    pub number: String,
    /// The title in each language; left out, it comes from the Finlex table.
    #[serde(default)]
    pub title: Option<Localized>,
    #[serde(default)]
    pub repealed: Option<Repeal>,
    /// Sections repealed or moved to another statute while this one stays in force.
    #[serde(default)]
    pub moved: Vec<Moved>,
    /// Short names people write in free text for this statute, lower-case.
    #[serde(default)]
    pub aliases: Aliases,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Moved {
    pub sections: Vec<String>,
    pub date: Date,
    pub to: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aliases {
    #[serde(default)]
    pub fi: Vec<String>,
    #[serde(default)]
    pub sv: Vec<String>,
}

impl Aliases {
    pub fn get(&self, lang: Lang) -> &[String] {
        match lang {
            Lang::Fi => &self.fi,
            Lang::Sv => &self.sv,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repeal {
    pub date: Date,
    pub by: String,
}

/// Marks a file as a statute catalog.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CatalogKind {
    Statutes,
}

/// A catalog file: ours (`templates/statutes.yaml`, which also names the type words), or
/// an organisation's own (`kind: statutes` with its entries).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[allow(dead_code)]
    kind: CatalogKind,
    /// The Finnish type words of the Finlex table and how each language writes them.
    #[serde(default)]
    types: BTreeMap<String, Localized>,
    statutes: Vec<Statute>,
}

/// Where what is known of a statute comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The curated catalog (or an organisation's own file).
    Catalog,
    /// Only the Finlex table of titles: nothing is known of its repeal.
    Table,
}

/// What is known of one statute, wherever from.
#[derive(Clone, Debug)]
pub struct Known<'a> {
    pub number: &'a str,
    /// The title in each language, formed as it prints; empty where unknown.
    pub title: Cow<'a, Localized>,
    pub repealed: Option<&'a Repeal>,
    pub moved: &'a [Moved],
    pub aliases: Option<&'a Aliases>,
    pub source: Source,
}

/// Entries of one catalog file, by number.
#[derive(Debug, Default, Clone)]
pub struct Entries {
    by_number: BTreeMap<String, Statute>,
}

impl Entries {
    fn from(statutes: Vec<Statute>) -> Result<Entries, String> {
        let mut by_number = BTreeMap::new();
        for statute in statutes {
            let number = statute.number.clone();
            if by_number.insert(number.clone(), statute).is_some() {
                return Err(format!("statute {number} is listed twice"));
            }
        }
        Ok(Entries { by_number })
    }

    /// An organisation's own statutes, from the file its organisation file names.
    pub fn load_own(path: &Path) -> Result<Entries, Error> {
        let parsed = source::read_parsed(path, &Limits::TEMPLATE)?;
        let file: CatalogFile = parsed.typed()?;
        Entries::from(file.statutes)
            .map_err(|message| Error::input(Diagnostic::error("statutes.file", path, "statutes", message)))
    }
}

/// Every statute seloste knows, and how to cite it.
pub struct StatuteCatalog {
    curated: Entries,
    types: BTreeMap<String, Localized>,
    table: finlex::Table,
    /// Where the curated catalog was read from, for errors that name it.
    name: String,
}

/// Why a citation cannot stand as it is.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// The number is in no catalog and not in the table; perhaps it meant another.
    Unknown { guess: Option<String> },
    /// The statute was repealed; the chain of successors leads to the one in force.
    Repealed { date: Date, by: String, in_force: Option<String> },
    /// Cited sections were repealed or moved elsewhere.
    Moved { sections: Vec<String>, date: Date, to: String },
    /// The table has no title in a language the notice is published in.
    NoTitle { lang: Lang },
}

impl StatuteCatalog {
    /// The curated catalog, with `overrides` (an organisation's copy in `--templates`)
    /// merged over it entry by entry, and the Finlex table.
    pub fn load(curated: &Asset, overrides: Option<&Asset>, table: &'static [u8]) -> Result<StatuteCatalog, Error> {
        let file = read_catalog(curated)?;
        let mut entries = Entries::from(file.statutes).map_err(|message| broken(curated, message))?;
        let mut types = file.types;
        if let Some(overrides) = overrides {
            let more = read_catalog(overrides)?;
            types.extend(more.types);
            let more = Entries::from(more.statutes).map_err(|message| broken(overrides, message))?;
            entries.by_number.extend(more.by_number);
        }
        let name = overrides
            .map_or_else(|| curated.name.clone(), |overrides| format!("{} and {}", curated.name, overrides.name));
        let catalog = StatuteCatalog { curated: entries, types, table: finlex::Table::new(table), name };
        catalog.check_links().map_err(|message| broken(overrides.unwrap_or(curated), message))?;
        Ok(catalog)
    }

    /// Every repeal and move must lead to an entry, so that a chain can be followed.
    fn check_links(&self) -> Result<(), String> {
        for statute in self.curated.by_number.values() {
            let targets =
                statute.repealed.iter().map(|repeal| &repeal.by).chain(statute.moved.iter().map(|moved| &moved.to));
            for target in targets {
                if !self.curated.by_number.contains_key(target) {
                    return Err(format!("statute {} refers to {target}, which is not in the catalog", statute.number));
                }
            }
        }
        Ok(())
    }

    /// Where the catalog was read from.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What is known of `number`: an organisation's own entry first, then the curated
    /// catalog, then the Finlex table.
    pub fn find<'a>(&'a self, number: &'a str, own: Option<&'a Entries>) -> Option<Known<'a>> {
        let entry = own.and_then(|own| own.by_number.get(number)).or_else(|| self.curated.by_number.get(number));
        if let Some(statute) = entry {
            let title = match &statute.title {
                Some(title) => Cow::Borrowed(title),
                None => Cow::Owned(self.table_title(number).unwrap_or_default()),
            };
            return Some(Known {
                number,
                title,
                repealed: statute.repealed.as_ref(),
                moved: &statute.moved,
                aliases: Some(&statute.aliases),
                source: Source::Catalog,
            });
        }
        let title = self.table_title(number)?;
        Some(Known {
            number,
            title: Cow::Owned(title),
            repealed: None,
            moved: &[],
            aliases: None,
            source: Source::Table,
        })
    }

    /// The title the table gives, formed as it prints: a title that starts with a
    /// lower-case letter gets its type word in the language ("Laki …", "Lag …").
    fn table_title(&self, number: &str) -> Option<Localized> {
        let row = self.table.get(number)?;
        let formed = |title: &str, lang: Lang| -> Option<String> {
            let first = title.chars().next()?;
            if !first.is_lowercase() {
                return Some(title.to_owned());
            }
            let word = self.types.get(row.kind).and_then(|words| words.text(lang))?;
            Some(format!("{word} {title}"))
        };
        Some(Localized { fi: formed(row.fi, Lang::Fi), sv: formed(row.sv, Lang::Sv) })
    }

    /// The statute in force that a repealed one leads to, following the chain of repeals.
    pub fn in_force(&self, number: &str) -> Option<String> {
        let mut current = number;
        for _ in 0..16 {
            match self.curated.by_number.get(current).and_then(|statute| statute.repealed.as_ref()) {
                Some(repeal) => current = &repeal.by,
                None => return (current != number).then(|| current.to_owned()),
            }
        }
        None
    }

    /// Every problem with a citation in a notice published in `languages`.
    pub fn problems(&self, citation: &StatuteRef, own: Option<&Entries>, languages: &[Lang]) -> Vec<Problem> {
        let Some(known) = self.find(&citation.number, own) else {
            return vec![Problem::Unknown { guess: self.guess(&citation.number) }];
        };
        let mut problems = Vec::new();
        for &lang in languages {
            if known.title.text(lang).is_none() {
                problems.push(Problem::NoTitle { lang });
            }
        }
        if citation.historical {
            return problems;
        }
        if let Some(repeal) = known.repealed {
            problems.push(Problem::Repealed {
                date: repeal.date,
                by: repeal.by.clone(),
                in_force: self.in_force(&citation.number),
            });
        }
        let cited =
            citation.sections.as_ref().map(|sections| section_numbers(sections.get(Lang::Fi))).unwrap_or_default();
        for moved in known.moved {
            let sections: Vec<String> =
                moved.sections.iter().filter(|section| cited.contains(section)).cloned().collect();
            if !sections.is_empty() {
                problems.push(Problem::Moved { sections, date: moved.date, to: moved.to.clone() });
            }
        }
        problems
    }

    /// Whether a record may cite `number`: known, and in force unless cited for history.
    pub fn check_citation(&self, number: &str, historical: bool) -> Result<(), String> {
        let citation = StatuteRef { number: number.to_owned(), sections: None, historical };
        match self.problems(&citation, None, &[]).first() {
            None => Ok(()),
            Some(problem) => Err(self.describe(number, problem)),
        }
    }

    /// A problem in words.
    pub fn describe(&self, number: &str, problem: &Problem) -> String {
        let title_of = |number: &str| {
            self.find(number, None).map(|known| known.title.get(Lang::Fi).to_owned()).unwrap_or_default()
        };
        match problem {
            Problem::Unknown { guess } => {
                let mut message = format!(
                    "unknown statute `{}`: it is in neither the statute catalog ({}) nor the Finlex table of titles",
                    source::excerpt(number),
                    self.name
                );
                if let Some(guess) = guess {
                    message.push_str(&format!("; did you mean `{guess}`?"));
                }
                message
            }
            Problem::Repealed { date, by, in_force } => {
                let mut message = format!(
                    "statute {number} ({}) was repealed on {} by {by} ({})",
                    title_of(number),
                    date.finnish(),
                    title_of(by)
                );
                match in_force {
                    Some(in_force) if in_force != by => {
                        message.push_str(&format!(
                            ", which was repealed in turn; in force today: {in_force} ({})",
                            title_of(in_force)
                        ));
                    }
                    _ => {}
                }
                message.push_str("; cite the statute in force, or mark the citation `historical: true`");
                message
            }
            Problem::Moved { sections, date, to } => format!(
                "sections {} § of {number} were repealed on {} and their matter is now in {to} ({}); cite {to}, or mark the citation `historical: true`",
                sections.join(", "),
                date.finnish(),
                title_of(to)
            ),
            Problem::NoTitle { lang } => format!(
                "the {} title of {number} cannot be formed from the Finlex table (it has none, or no type word for it); give it in the organisation's own statute file",
                match lang {
                    Lang::Fi => "Finnish",
                    Lang::Sv => "Swedish",
                }
            ),
        }
    }

    /// Catches the usual slips: number and year swapped (`2007/417`), a year written in
    /// three digits, or the EU regulation written the old way (`679/2016/EU`).
    pub fn guess(&self, number: &str) -> Option<String> {
        let digits: Vec<&str> = number.split(|c: char| !c.is_ascii_digit()).filter(|part| !part.is_empty()).collect();
        let [a, b, ..] = digits.as_slice() else { return None };
        let mut candidates =
            vec![format!("(EU) {b}/{a}"), format!("(EU) {a}/{b}"), format!("{b}/{a}"), format!("{a}/{b}")];
        for (number, year) in [(b, a), (a, b)] {
            if year.len() == 3 {
                candidates.push(format!("{number}/1{year}"));
            }
        }
        candidates.into_iter().find(|candidate| candidate != number && self.find(candidate, None).is_some())
    }

    /// How a citation prints: `Lastensuojelulaki (417/2007)`, with sections after it.
    pub fn cite(&self, citation: &StatuteRef, lang: Lang, own: Option<&Entries>) -> String {
        let title = self
            .find(&citation.number, own)
            .and_then(|known| known.title.text(lang).map(str::to_owned))
            .unwrap_or_default();
        let mut text = if citation.number.starts_with('(') {
            format!("{title} {}", citation.number)
        } else {
            format!("{title} ({})", citation.number)
        };
        if let Some(sections) = &citation.sections {
            text.push(' ');
            text.push_str(sections.get(lang));
        }
        text.trim().to_owned()
    }

    /// Every statute of the curated catalog, for finding titles and short names in text.
    pub fn curated(&self) -> impl Iterator<Item = &Statute> {
        self.curated.by_number.values()
    }
}

fn broken(asset: &Asset, message: String) -> Error {
    Error::Template { name: asset.name.clone(), message }
}

fn read_catalog(asset: &Asset) -> Result<CatalogFile, Error> {
    let parsed =
        source::parse(SourceFile { path: asset.name.clone().into(), text: asset.text.clone() }, &Limits::TEMPLATE)?;
    parsed.typed()
}

/// The section numbers a citation names: `14 ja 15 §` → 14, 15; `17–18 §` → 17, 18;
/// `24 § 1 mom. 25 kohta` → 24; `4 a §` → `4 a`.
pub fn section_numbers(sections: &str) -> Vec<String> {
    let mut found = Vec::new();
    let parts: Vec<&str> = sections.split('§').collect();
    // What comes before each § names sections; what follows the last one (mom., kohta)
    // does not.
    for part in &parts[..parts.len().saturating_sub(1)] {
        let words: Vec<&str> = part.split([',', ' ', '\u{a0}']).filter(|word| !word.is_empty()).collect();
        let tail: Vec<&str> = words.iter().rev().take_while(|word| !word.ends_with('.')).copied().collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        let mut index = 0;
        while index < tail.len() {
            let word = tail[index];
            if let Some((from, to)) = word.split_once(['-', '–']) {
                if let (Ok(from), Ok(to)) = (from.parse::<u32>(), to.parse::<u32>())
                    && from <= to
                    && to - from < 100
                {
                    found.extend((from..=to).map(|number| number.to_string()));
                }
            } else if word.chars().all(|c| c.is_ascii_digit()) {
                let letter =
                    tail.get(index + 1).filter(|next| next.len() == 1 && next.chars().all(|c| c.is_ascii_lowercase()));
                match letter {
                    Some(letter) => {
                        found.push(format!("{word} {letter}"));
                        index += 1;
                    }
                    None => found.push(word.to_owned()),
                }
            }
            index += 1;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::Assets;
    use crate::text::Phrase;

    fn catalog() -> StatuteCatalog {
        let assets = Assets::embedded();
        StatuteCatalog::load(&assets.statutes, None, assets.finlex).unwrap()
    }

    fn citation(number: &str, sections: Option<&str>) -> StatuteRef {
        StatuteRef {
            number: number.into(),
            sections: sections.map(|text| Phrase::Same(text.into())),
            historical: false,
        }
    }

    #[test]
    fn citations_print_title_number_and_sections_in_each_language() {
        let catalog = catalog();
        assert_eq!(catalog.cite(&citation("417/2007", None), Lang::Fi, None), "Lastensuojelulaki (417/2007)");
        assert_eq!(catalog.cite(&citation("417/2007", None), Lang::Sv, None), "Barnskyddslag (417/2007)");
        assert_eq!(
            catalog.cite(&citation("621/1999", Some("24 §")), Lang::Sv, None),
            "Lag om offentlighet i myndigheternas verksamhet (621/1999) 24 §"
        );
        assert_eq!(
            catalog.cite(&citation("(EU) 2016/679", None), Lang::Fi, None),
            "EU:n yleinen tietosuoja-asetus (EU) 2016/679"
        );
    }

    #[test]
    fn any_statute_of_the_table_is_cited_with_its_title_in_both_languages() {
        let catalog = catalog();
        assert_eq!(
            catalog.cite(&citation("980/2012", None), Lang::Fi, None),
            "Laki ikääntyneen väestön toimintakyvyn tukemisesta sekä iäkkäiden sosiaali- ja terveyspalveluista (980/2012)"
        );
        assert_eq!(
            catalog.cite(&citation("980/2012", None), Lang::Sv, None),
            "Lag om stödjande av den äldre befolkningens funktionsförmåga och om social- och hälsovårdstjänster för äldre (980/2012)"
        );
    }

    #[test]
    fn common_slips_get_a_guess_and_repealed_statutes_the_successor_in_force() {
        let catalog = catalog();
        assert!(catalog.check_citation("2009/661", false).unwrap_err().contains("did you mean `661/2009`?"));
        assert!(catalog.check_citation("679/2016/EU", false).unwrap_err().contains("did you mean `(EU) 2016/679`?"));
        assert!(catalog.check_citation("99999/2024", false).unwrap_err().contains("unknown statute"));
        let repealed = catalog.check_citation("159/2007", false).unwrap_err();
        assert!(repealed.contains("repealed on 1.11.2021 by 784/2021"), "{repealed}");
        assert!(repealed.contains("in force today: 703/2023"), "{repealed}");
        assert!(catalog.check_citation("159/2007", true).is_ok());
        assert_eq!(catalog.in_force("254/2015").as_deref(), Some("703/2023"));
    }

    #[test]
    fn moved_sections_are_named_and_others_are_not() {
        let catalog = catalog();
        let moved = catalog.problems(&citation("812/2000", Some("14 ja 15 §")), None, &[Lang::Fi]);
        assert!(matches!(&moved[..], [Problem::Moved { to, .. }] if to == "703/2023"), "{moved:?}");
        assert!(catalog.problems(&citation("812/2000", Some("20 §")), None, &[Lang::Fi]).is_empty());
    }

    #[test]
    fn section_numbers_are_read_from_how_citations_write_them() {
        assert_eq!(section_numbers("14 ja 15 §"), ["14", "15"]);
        assert_eq!(section_numbers("17–18 §"), ["17", "18"]);
        assert_eq!(section_numbers("24 § 1 mom. 25 kohta"), ["24"]);
        assert_eq!(section_numbers("4 a §"), ["4 a"]);
        assert_eq!(section_numbers("14 § ja 15 §"), ["14", "15"]);
    }

    #[test]
    fn the_catalog_holds_every_statute_of_the_domain_notes() {
        let catalog = catalog();
        for number in [
            "(EU) 2016/679",
            "1050/2018",
            "523/1999",
            "1301/2014",
            "417/2007",
            "812/2000",
            "621/1999",
            "159/2007",
            "784/2021",
            "254/2015",
            "703/2023",
            "434/2003",
            "734/1992",
            "189/2001",
            "661/2009",
            "831/1994",
            "906/2019",
            "1412/1997",
        ] {
            assert!(
                catalog.find(number, None).is_some_and(|known| known.source == Source::Catalog),
                "{number} missing"
            );
        }
    }
}
