//! The statute catalog: each statute's number, its Finnish and Swedish titles and its
//! status. It lives in `templates/statutes.yaml`, so a record cites `417/2007` and the
//! notice prints `Lastensuojelulaki (417/2007)` or `Barnskyddslag (417/2007)`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::assets::Asset;
use crate::error::Error;
use crate::record::StatuteRef;
use crate::text::{Lang, Localized};
use crate::time::Date;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statute {
    pub number: String,
    pub title: Localized,
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repeal {
    pub date: Date,
    pub by: String,
}

#[derive(Debug, Default)]
pub struct StatuteCatalog {
    by_number: BTreeMap<String, Statute>,
}

impl StatuteCatalog {
    pub fn load(asset: &Asset) -> Result<StatuteCatalog, Error> {
        let broken = |message: String| Error::Template { name: asset.name.clone(), message };
        let statutes: Vec<Statute> = serde_yaml_ng::from_str(&asset.text).map_err(|err| broken(err.to_string()))?;
        Self::from_statutes(statutes).map_err(broken)
    }

    fn from_statutes(statutes: Vec<Statute>) -> Result<StatuteCatalog, String> {
        let mut by_number = BTreeMap::new();
        for statute in statutes {
            if statute.title.fi.is_none() || statute.title.sv.is_none() {
                return Err(format!("statute {} needs both a Finnish and a Swedish title", statute.number));
            }
            let number = statute.number.clone();
            if by_number.insert(number.clone(), statute).is_some() {
                return Err(format!("statute {number} is listed twice"));
            }
        }
        let catalog = StatuteCatalog { by_number };
        for statute in catalog.by_number.values() {
            if let Some(repeal) = &statute.repealed
                && !catalog.by_number.contains_key(&repeal.by)
            {
                return Err(format!(
                    "statute {} is repealed by {}, which is not in the catalog",
                    statute.number, repeal.by
                ));
            }
        }
        Ok(catalog)
    }

    pub fn get(&self, number: &str) -> Option<&Statute> {
        self.by_number.get(number)
    }

    /// Whether a record may cite `number`: it must be in the catalog, and in force unless
    /// the citation says it is cited for history.
    pub fn check_citation(&self, number: &str, historical: bool) -> Result<(), String> {
        let Some(statute) = self.get(number) else {
            let mut message = format!(
                "unknown statute `{}`: it is not in the statute catalog (templates/statutes.yaml)",
                crate::source::excerpt(number)
            );
            if let Some(guess) = self.guess(number) {
                message.push_str(&format!("; did you mean `{guess}`?"));
            }
            return Err(message);
        };
        match &statute.repealed {
            Some(repeal) if !historical => {
                let successor = self.get(&repeal.by).map(|s| s.title.get(Lang::Fi)).unwrap_or_default();
                Err(format!(
                    "statute {number} ({}) was repealed on {} by {} ({successor}); cite the statute in force, or mark the citation `historical: true`",
                    statute.title.get(Lang::Fi),
                    repeal.date.finnish(),
                    repeal.by,
                ))
            }
            _ => Ok(()),
        }
    }

    /// Catches the usual slips: number and year swapped (`2007/417`), or the EU
    /// regulation written the old way (`679/2016/EU`).
    fn guess(&self, number: &str) -> Option<String> {
        let digits: Vec<&str> = number.split(|c: char| !c.is_ascii_digit()).filter(|part| !part.is_empty()).collect();
        let [a, b, ..] = digits.as_slice() else { return None };
        [format!("{b}/{a}"), format!("{a}/{b}"), format!("(EU) {b}/{a}"), format!("(EU) {a}/{b}")]
            .into_iter()
            .find(|candidate| candidate != number && self.by_number.contains_key(candidate))
    }

    /// How a citation prints: `Lastensuojelulaki (417/2007)`, with sections after it.
    pub fn cite(&self, citation: &StatuteRef, lang: Lang) -> String {
        let title = self.get(&citation.number).map(|s| s.title.get(lang)).unwrap_or_default();
        let mut text = if citation.number.starts_with('(') {
            format!("{title} {}", citation.number)
        } else {
            format!("{title} ({})", citation.number)
        };
        if let Some(sections) = &citation.sections {
            text.push(' ');
            text.push_str(sections.get(lang));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::Assets;
    use crate::text::Phrase;

    fn catalog() -> StatuteCatalog {
        StatuteCatalog::load(&Assets::embedded().statutes).unwrap()
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
        assert_eq!(catalog.cite(&citation("417/2007", None), Lang::Fi), "Lastensuojelulaki (417/2007)");
        assert_eq!(catalog.cite(&citation("417/2007", None), Lang::Sv), "Barnskyddslag (417/2007)");
        assert_eq!(
            catalog.cite(&citation("621/1999", Some("24 §")), Lang::Sv),
            "Lag om offentlighet i myndigheternas verksamhet (621/1999) 24 §"
        );
        assert_eq!(
            catalog.cite(&citation("(EU) 2016/679", None), Lang::Fi),
            "EU:n yleinen tietosuoja-asetus (EU) 2016/679"
        );
    }

    #[test]
    fn common_slips_get_a_guess_and_repealed_statutes_a_successor() {
        let catalog = catalog();
        assert!(catalog.check_citation("2009/661", false).unwrap_err().contains("did you mean `661/2009`?"));
        assert!(catalog.check_citation("679/2016/EU", false).unwrap_err().contains("did you mean `(EU) 2016/679`?"));
        let repealed = catalog.check_citation("159/2007", false).unwrap_err();
        assert!(repealed.contains("repealed on 1.11.2021 by 784/2021"), "{repealed}");
        assert!(catalog.check_citation("159/2007", true).is_ok());
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
            assert!(catalog.get(number).is_some(), "{number} missing from the catalog");
        }
    }
}
