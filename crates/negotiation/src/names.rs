//! Place names as residents write them: the table of Ukrainian and Russian
//! names of towns (`data/ukraine/place-names.csv`, keyed by GeoNames id,
//! made by `scripts/place_names.py`), and the official romanization of
//! Ukrainian for the English name (Cabinet of Ministers of Ukraine,
//! resolution No. 55 of 27 January 2010).

use std::collections::BTreeMap;

/// A town's names in Ukrainian and Russian.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalNames {
    /// Ukrainian.
    pub uk: String,
    /// Russian.
    pub ru: String,
    /// Whether it is an oblast centre.
    pub oblast_centre: bool,
}

/// The names table, by GeoNames id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NameTable {
    /// Names by GeoNames id.
    pub towns: BTreeMap<u64, LocalNames>,
}

/// Most rows a names table may have (a whole country's towns fit).
const MAX_ROWS: usize = 200_000;

impl NameTable {
    /// Reads the CSV: `#` comment lines, a header naming at least
    /// `geonameid`, `uk` and `ru` (and optionally `oblast_centre`), then one
    /// town per line. Names hold no commas or quotes; every mistake is
    /// reported with its line.
    pub fn from_csv(text: &str) -> Result<NameTable, String> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty());
        let (_, header) = lines.next().ok_or("empty names table")?;
        let cols: Vec<&str> = header.split(',').map(str::trim).collect();
        let col = |name: &str| {
            cols.iter()
                .position(|c| *c == name)
                .ok_or(format!("the header has no `{name}` column"))
        };
        let (id, uk, ru) = (col("geonameid")?, col("uk")?, col("ru")?);
        let centre = col("oblast_centre").ok();
        let mut towns = BTreeMap::new();
        for (i, line) in lines {
            if towns.len() >= MAX_ROWS {
                return Err(format!("more than {MAX_ROWS} rows"));
            }
            let at = |what: &str| format!("line {}: {what}", i + 1);
            if line.contains('"') {
                return Err(at("quoted fields are not supported"));
            }
            let f: Vec<&str> = line.split(',').map(str::trim).collect();
            if f.len() != cols.len() {
                return Err(at(&format!(
                    "{} fields where the header has {}",
                    f.len(),
                    cols.len()
                )));
            }
            let gid: u64 = f[id]
                .parse()
                .map_err(|_| at(&format!("`{}` is not a GeoNames id", f[id])))?;
            if f[uk].is_empty() || f[ru].is_empty() {
                return Err(at("a name is empty"));
            }
            let names = LocalNames {
                uk: f[uk].to_string(),
                ru: f[ru].to_string(),
                oblast_centre: centre.is_some_and(|c| f[c] == "1"),
            };
            if towns.insert(gid, names).is_some() {
                return Err(at(&format!("GeoNames id {gid} twice")));
            }
        }
        Ok(NameTable { towns })
    }
}

/// The official romanization of a Ukrainian name (resolution No. 55 of
/// the Cabinet of Ministers of Ukraine, 27 January 2010): є ї й ю я are
/// Ye Yi Y Yu Ya at the start of a word and ie i i iu ia elsewhere; зг is
/// zgh (to tell it from ж); г h, ґ g, х kh, ц ts, ч ch, ш sh, щ shch, ж
/// zh, и y, і i; the soft sign and the apostrophe are dropped. Capitals
/// stay capitals (a whole capitalized digraph only when the next letter
/// is a capital too). Characters that are not Ukrainian letters are kept.
pub fn romanize_uk(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() * 2);
    for (i, &c) in chars.iter().enumerate() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let upper = c != lower;
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let word_start = prev.is_none_or(|p| !(p.is_alphabetic() || matches!(p, '\'' | '’' | 'ʼ')));
        let t: &str = match lower {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' if prev.is_some_and(|p| matches!(p, 'з' | 'З')) => "gh",
            'г' => "h",
            'ґ' => "g",
            'д' => "d",
            'е' => "e",
            'є' if word_start => "ye",
            'є' => "ie",
            'ж' => "zh",
            'з' => "z",
            'и' => "y",
            'і' => "i",
            'ї' if word_start => "yi",
            'ї' => "i",
            'й' if word_start => "y",
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
            'ь' | '\'' | '’' | 'ʼ' => "",
            'ю' if word_start => "yu",
            'ю' => "iu",
            'я' if word_start => "ya",
            'я' => "ia",
            _ => {
                out.push(c);
                continue;
            }
        };
        if upper {
            let next_upper = chars
                .get(i + 1)
                .is_some_and(|n| n.is_uppercase() && n.is_alphabetic());
            let mut it = t.chars();
            if let Some(first) = it.next() {
                out.extend(first.to_uppercase());
                if next_upper {
                    out.extend(it.flat_map(char::to_uppercase));
                } else {
                    out.extend(it);
                }
            }
        } else {
            out.push_str(t);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The examples of the resolution's table, and the names the issue
    /// names.
    #[test]
    fn the_official_romanization_of_2010() {
        for (uk, en) in [
            ("Алушта", "Alushta"),
            ("Андрій", "Andrii"),
            ("Борщагівка", "Borshchahivka"),
            ("Борисенко", "Borysenko"),
            ("Вінниця", "Vinnytsia"),
            ("Володимир", "Volodymyr"),
            ("Гадяч", "Hadiach"),
            ("Богдан", "Bohdan"),
            ("Згурський", "Zghurskyi"),
            ("Ґалаґан", "Galagan"),
            ("Ґорґани", "Gorgany"),
            ("Донецьк", "Donetsk"),
            ("Дмитро", "Dmytro"),
            ("Рівне", "Rivne"),
            ("Олег", "Oleh"),
            ("Есмань", "Esman"),
            ("Єнакієве", "Yenakiieve"),
            ("Гаєвич", "Haievych"),
            ("Короп'є", "Koropie"),
            ("Житомир", "Zhytomyr"),
            ("Жанна", "Zhanna"),
            ("Жежелів", "Zhezheliv"),
            ("Закарпаття", "Zakarpattia"),
            ("Казимирчук", "Kazymyrchuk"),
            ("Медвин", "Medvyn"),
            ("Михайленко", "Mykhailenko"),
            ("Іванків", "Ivankiv"),
            ("Іващенко", "Ivashchenko"),
            ("Їжакевич", "Yizhakevych"),
            ("Кадиївка", "Kadyivka"),
            ("Мар'їне", "Marine"),
            ("Йосипівка", "Yosypivka"),
            ("Стрий", "Stryi"),
            ("Олексій", "Oleksii"),
            ("Київ", "Kyiv"),
            ("Коваленко", "Kovalenko"),
            ("Лебедин", "Lebedyn"),
            ("Леонід", "Leonid"),
            ("Хмельницький", "Khmelnytskyi"),
            ("Харків", "Kharkiv"),
            ("Христина", "Khrystyna"),
            ("Біла Церква", "Bila Tserkva"),
            ("Чернівці", "Chernivtsi"),
            ("Шостка", "Shostka"),
            ("Кишеньки", "Kyshenky"),
            ("Щербухи", "Shcherbukhy"),
            ("Гоща", "Hoshcha"),
            ("Гаращенко", "Harashchenko"),
            ("Юрій", "Yurii"),
            ("Корюківка", "Koriukivka"),
            ("Яготин", "Yahotyn"),
            ("Ярошенко", "Yaroshenko"),
            ("Костянтин", "Kostiantyn"),
            ("Знам'янка", "Znamianka"),
            ("Феодосія", "Feodosiia"),
            ("Запоріжжя", "Zaporizhzhia"),
            ("Ізюм", "Izium"),
            ("Слов’янськ", "Sloviansk"),
            ("Івано-Франківськ", "Ivano-Frankivsk"),
            ("Кам'янець-Подільський", "Kamianets-Podilskyi"),
        ] {
            assert_eq!(romanize_uk(uk), en, "{uk}");
        }
        // A word after a space or hyphen starts again: Ye, Yi, Y, Yu, Ya.
        assert_eq!(romanize_uk("Нова Юрівка"), "Nova Yurivka");
        assert_eq!(romanize_uk("ЗГУРСЬКИЙ"), "ZGHURSKYI");
        assert_eq!(romanize_uk("Жовті Води"), "Zhovti Vody");
        assert_eq!(romanize_uk("A-1"), "A-1");
    }

    #[test]
    fn the_table_is_read_with_its_mistakes_reported_by_line() {
        let t = NameTable::from_csv(
            "# comment\ngeonameid,geonames_name,uk,ru,oblast_centre,population\n703448,Kyiv,Київ,Киев,1,2952301\n702760,Lozova,Лозова,Лозовая,0,54026\n",
        )
        .unwrap();
        assert_eq!(t.towns[&703448].ru, "Киев");
        assert!(t.towns[&703448].oblast_centre);
        assert!(!t.towns[&702760].oblast_centre);
        let bad = |s: &str| NameTable::from_csv(s).unwrap_err();
        assert!(bad("geonameid,uk\n1,а\n").contains("`ru`"));
        assert!(bad("geonameid,uk,ru\nx,а,б\n").starts_with("line 2"));
        assert!(bad("geonameid,uk,ru\n1,а,б\n1,в,г\n").contains("twice"));
        assert!(bad("geonameid,uk,ru\n1,а\n").contains("2 fields"));
        assert!(bad("geonameid,uk,ru\n1,,б\n").contains("empty"));
    }
}
