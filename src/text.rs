//! Languages and the texts given in them. This module knows nothing of the rest of
//! seloste: records, templates and renderers all speak in these types.

use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

/// A language of a notice text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Fi,
    Sv,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Fi, Lang::Sv];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Fi => "fi",
            Lang::Sv => "sv",
        }
    }

    /// The BCP 47 tag with the Finnish region, as Word and PDF readers expect it.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Fi => "fi-FI",
            Lang::Sv => "sv-FI",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A free text given once per language. Which languages must be present depends on the
/// record that holds it; the check stage makes sure of that.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fi: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sv: Option<String>,
}

impl Localized {
    /// The text in `lang`; empty when it is missing, which the check stage refuses for
    /// every language a record declares.
    pub fn get(&self, lang: Lang) -> &str {
        self.text(lang).unwrap_or_default()
    }

    /// The text in `lang`, if given and not blank.
    pub fn text(&self, lang: Lang) -> Option<&str> {
        let text = match lang {
            Lang::Fi => &self.fi,
            Lang::Sv => &self.sv,
        };
        text.as_deref().filter(|text| !text.trim().is_empty())
    }

    /// Every text given, with its language.
    pub fn texts(&self) -> impl Iterator<Item = (Lang, &str)> {
        Lang::ALL.into_iter().filter_map(|lang| self.text(lang).map(|text| (lang, text)))
    }

    /// Each given text changed by `change`.
    pub fn map(&self, change: impl Fn(&str) -> String) -> Localized {
        Localized { fi: self.fi.as_deref().map(&change), sv: self.sv.as_deref().map(&change) }
    }
}

impl<'de> Deserialize<'de> for Localized {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Texts {
            fi: Option<String>,
            sv: Option<String>,
        }
        struct LocalizedVisitor;
        impl<'de> Visitor<'de> for LocalizedVisitor {
            type Value = Localized;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a text per language, e.g. `{ fi: ..., sv: ... }`")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Localized, E> {
                Err(E::custom("this text needs a version per language, written as `fi: ...` and `sv: ...` under it"))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Localized, A::Error> {
                let texts = Texts::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Localized { fi: texts.fi, sv: texts.sv })
            }
        }
        deserializer.deserialize_any(LocalizedVisitor)
    }
}

/// A short text that is often the same in every language: a proper name, an address,
/// a section reference. One string when it is the same (`ProConsona`, `PL 24, 21421 Lieto`,
/// `24 §`), or a text per language (`Lieto` / `Lundo`; `25 kohta` / `25 punkten`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Phrase {
    Same(String),
    PerLanguage(Localized),
}

impl Phrase {
    pub fn get(&self, lang: Lang) -> &str {
        match self {
            Phrase::Same(text) => text,
            Phrase::PerLanguage(texts) => texts.get(lang),
        }
    }

    /// Every text of the phrase: one, or one per language given.
    pub fn texts(&self) -> Vec<(Option<Lang>, &str)> {
        match self {
            Phrase::Same(text) => vec![(None, text.as_str())],
            Phrase::PerLanguage(texts) => texts.texts().map(|(lang, text)| (Some(lang), text)).collect(),
        }
    }
}

impl<'de> Deserialize<'de> for Phrase {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PhraseVisitor;
        impl<'de> Visitor<'de> for PhraseVisitor {
            type Value = Phrase;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("one string, or a text per language `{ fi: ..., sv: ... }`")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Phrase, E> {
                if text.trim().is_empty() {
                    return Err(E::custom("this text is empty"));
                }
                Ok(Phrase::Same(text.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Phrase, A::Error> {
                Localized::deserialize(de::value::MapAccessDeserializer::new(map)).map(Phrase::PerLanguage)
            }
        }
        deserializer.deserialize_any(PhraseVisitor)
    }
}

impl JsonSchema for Phrase {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Phrase".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let per_language = generator.subschema_for::<Localized>();
        json_schema!({
            "description": "One string when the text is the same in every language, otherwise a text per language.",
            "anyOf": [{ "type": "string", "minLength": 1 }, per_language]
        })
    }
}
