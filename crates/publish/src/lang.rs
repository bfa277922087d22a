//! The three languages, their message templates (Project Fluent files in
//! `locales/`, kept out of the code so a translator can work on them alone),
//! and place names in each language.

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

/// Latin letters for a Cyrillic letter (Ukrainian and Russian), roughly as
/// place names are transliterated; other characters are kept, lower-cased.
fn latin(s: &str) -> String {
    let mut o = String::new();
    for c in s.to_lowercase().chars() {
        let t = match c {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "h",
            'ґ' => "g",
            'д' => "d",
            'е' => "e",
            'є' => "ie",
            'ё' => "e",
            'ж' => "zh",
            'з' => "z",
            'и' => "y",
            'і' => "i",
            'ї' => "i",
            'й' => "i",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ъ' => "",
            'ы' => "y",
            'ь' => "",
            'э' => "e",
            'ю' => "iu",
            'я' => "ia",
            '\'' | '’' | 'ʼ' => "",
            _ => {
                o.push(c);
                continue;
            }
        };
        o.push_str(t);
    }
    o
}

/// Edit distance between two strings, by characters.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The name of a place in `lang`, from its alternate names. GeoNames gives
/// no language tags, so among the Cyrillic names the one whose
/// transliteration is closest to the place's Latin name wins, a Ukrainian
/// letter (і, ї, є, ґ) counting for Ukrainian and against Russian, a Russian
/// one (ы, э, ё, ъ) the other way. Falls back to `default`.
pub fn place_name(lang: Lang, default: &str, names: &[String], explicit: Option<&str>) -> String {
    if let Some(e) = explicit {
        return e.to_string();
    }
    if lang == Lang::En {
        return default.to_string();
    }
    // Each language's own alphabet (other Cyrillic languages' names are
    // in the data too: Belarusian, Serbian, Bulgarian…).
    let alphabet = match lang {
        Lang::Uk => "абвгґдеєжзиіїйклмнопрстуфхцчшщьюяʼ'’- ",
        _ => "абвгдеёжзийклмнопрстуфхцчшщъыьэюя- ",
    };
    let fits = |s: &str| s.to_lowercase().chars().all(|c| alphabet.contains(c));
    let mine = match lang {
        Lang::Uk => "іїєґ",
        _ => "ыэёъ",
    };
    let target = latin(default.split([',', '(']).next().unwrap_or(default).trim());
    names
        .iter()
        .filter(|n| n.chars().next().is_some_and(char::is_uppercase) && fits(n))
        .filter(|n| n.chars().any(|c| ('\u{400}'..='\u{4ff}').contains(&c)))
        .min_by_key(|n| {
            let d = distance(&latin(n), &target) as i64 * 2;
            let bonus = i64::from(n.to_lowercase().chars().any(|c| mine.contains(c)));
            (d - bonus, -(n.chars().count() as i64))
        })
        .map(|n| n.to_string())
        .unwrap_or_else(|| default.to_string())
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

    #[test]
    fn place_names_by_script() {
        let names: Vec<String> = ["Zaporizhzhya", "Запоріжжя", "Запорожье", "Zaporoże"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            place_name(Lang::Uk, "Zaporizhzhia", &names, None),
            "Запоріжжя"
        );
        assert_eq!(
            place_name(Lang::Ru, "Zaporizhzhia", &names, None),
            "Запорожье"
        );
        assert_eq!(
            place_name(Lang::En, "Zaporizhzhia", &names, None),
            "Zaporizhzhia"
        );
        let names: Vec<String> = ["Жданов", "Мариупол", "Мариуполь", "Маріуполь", "Марїоуполь"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(place_name(Lang::Uk, "Mariupol", &names, None), "Маріуполь");
        assert_eq!(place_name(Lang::Ru, "Mariupol", &names, None), "Мариуполь");
        assert_eq!(place_name(Lang::Ru, "X", &[], Some("Икс")), "Икс");
        // Poltava's alternates include other Cyrillic languages' names.
        let names: Vec<String> = ["Балтавар", "Полтава", "Poltawa"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(place_name(Lang::Uk, "Poltava", &names, None), "Полтава");
        assert_eq!(
            place_name(Lang::Ru, "Poltava reception centre", &names, None),
            "Полтава"
        );
    }
}
