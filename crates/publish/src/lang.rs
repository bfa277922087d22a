//! The three languages, their message templates (Project Fluent files in
//! `locales/`, kept out of the code so a translator can work on them alone).
//! Place names per language come from the scenario and its names table
//! ([`crate::cap::local_name`]).

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// A language of the public texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lang {
    /// Ukrainian.
    Uk,
    /// Russian.
    Ru,
    /// English.
    En,
}

impl std::str::FromStr for Lang {
    type Err = String;
    /// `uk`, `ru` or `en` (or the full tag, `uk-UA`…).
    fn from_str(s: &str) -> Result<Lang, String> {
        Lang::ALL
            .into_iter()
            .find(|l| l.code() == s || l.tag() == s)
            .ok_or_else(|| {
                format!(
                    "unknown language `{}` (uk, ru, en)",
                    s.chars().take(16).collect::<String>()
                )
            })
    }
}

impl Lang {
    /// All, in the order alerts carry them.
    pub const ALL: [Lang; 3] = [Lang::Uk, Lang::Ru, Lang::En];

    /// The RFC 5646 tag CAP uses.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Uk => "uk-UA",
            Lang::Ru => "ru-RU",
            Lang::En => "en-US",
        }
    }

    /// The short code used in file names.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Uk => "uk",
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// The short codes, as the API and the command line take them.
    pub const CODES: [&'static str; 3] = ["uk", "ru", "en"];

    fn source(self) -> &'static str {
        match self {
            Lang::Uk => include_str!("../locales/uk-UA/alerts.ftl"),
            Lang::Ru => include_str!("../locales/ru-RU/alerts.ftl"),
            Lang::En => include_str!("../locales/en-US/alerts.ftl"),
        }
    }
}

/// The message bundles of all languages.
pub struct Texts {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

/// A template argument.
pub enum Arg<'a> {
    /// Text.
    Str(&'a str),
    /// A number (selects plural forms).
    Num(f64),
}

impl Texts {
    /// Loads every language's templates. Panics only if a shipped template
    /// file is broken, which the tests rule out.
    pub fn new() -> Texts {
        let bundles = Lang::ALL
            .iter()
            .map(|&l| {
                let id: LanguageIdentifier = l.tag().parse().expect("valid tag");
                let mut b = FluentBundle::new(vec![id]);
                b.set_use_isolating(false);
                let res = FluentResource::try_new(l.source().to_string())
                    .unwrap_or_else(|(_, e)| panic!("locales/{}/alerts.ftl: {e:?}", l.tag()));
                b.add_resource(res).expect("no duplicate messages");
                (l, b)
            })
            .collect();
        Texts { bundles }
    }

    /// Whether `lang` has message `id`.
    pub fn has(&self, lang: Lang, id: &str) -> bool {
        self.bundles
            .iter()
            .any(|(l, b)| *l == lang && b.get_message(id).is_some_and(|m| m.value().is_some()))
    }

    /// Message `id` in `lang` with `args`.
    pub fn get(&self, lang: Lang, id: &str, args: &[(&str, Arg)]) -> String {
        let b = &self
            .bundles
            .iter()
            .find(|x| x.0 == lang)
            .expect("every language loaded")
            .1;
        let Some(msg) = b.get_message(id).and_then(|m| m.value()) else {
            return format!("[missing {id}]");
        };
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            match v {
                Arg::Str(s) => fa.set(*k, FluentValue::from(*s)),
                Arg::Num(n) => fa.set(*k, FluentValue::from(*n)),
            }
        }
        let mut errors = vec![];
        let s = b.format_pattern(msg, Some(&fa), &mut errors);
        // Collapse the doubled spaces an empty alternative can leave.
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

impl Default for Texts {
    fn default() -> Self {
        Texts::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_forms_follow_each_language() {
        let t = Texts::new();
        let h = |l, n: f64| t.get(l, "hours", &[("h", Arg::Num(n))]);
        assert_eq!(h(Lang::Uk, 1.0), "1 година");
        assert_eq!(h(Lang::Uk, 3.0), "3 години");
        assert_eq!(h(Lang::Uk, 5.0), "5 годин");
        assert_eq!(h(Lang::Uk, 21.0), "21 година");
        assert_eq!(h(Lang::Uk, 11.0), "11 годин");
        assert_eq!(h(Lang::Ru, 1.0), "1 час");
        assert_eq!(h(Lang::Ru, 2.0), "2 часа");
        assert_eq!(h(Lang::Ru, 5.0), "5 часов");
        assert_eq!(h(Lang::En, 1.0), "1 hour");
        assert_eq!(h(Lang::En, 2.0), "2 hours");
        let m = |l, n: f64| t.get(l, "minutes", &[("m", Arg::Num(n))]);
        assert_eq!(m(Lang::Uk, 22.0), "22 хвилини");
        assert_eq!(m(Lang::Ru, 25.0), "25 минут");
        let d = |l| {
            t.get(
                l,
                "date",
                &[
                    ("day", Arg::Num(5.0)),
                    ("m", Arg::Num(3.0)),
                    ("year", Arg::Str("2022")),
                ],
            )
        };
        assert_eq!(d(Lang::Uk), "5 березня 2022 р.");
        assert_eq!(d(Lang::Ru), "5 марта 2022 г.");
        assert_eq!(d(Lang::En), "5 March 2022");
    }
}
