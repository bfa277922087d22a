//! Place names as residents write them (issue 14): the names table is
//! sourced (every name is one of the town's GeoNames alternate names, or a
//! hand correction with its reason), covers every oblast centre and every
//! town of more than 20,000 people, and gives the names residents write;
//! the scenario check warns, never guesses, where a name is missing; the
//! gathering point takes the nearest named road of the map.

use corridor_geo::LatLon;
use corridor_graph::{RoadGraph, INFINITY};
use corridor_negotiation::names::{romanize_uk, NameTable};
use corridor_negotiation::Scenario;
use corridor_routing::Router;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn root(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root(rel)).unwrap()
}

fn table() -> NameTable {
    NameTable::from_csv(&read("data/ukraine/place-names.csv")).unwrap()
}

/// GeoNames records by id: (name, population, alternate names).
fn towns() -> BTreeMap<u64, (String, u64, Vec<String>)> {
    let v: serde_json::Value = serde_json::from_str(&read("data/ukraine/towns.json")).unwrap();
    v.as_object()
        .unwrap()
        .values()
        .map(|t| {
            (
                t["geonameid"].as_u64().unwrap(),
                (
                    t["name"].as_str().unwrap().to_string(),
                    t["population"].as_u64().unwrap_or(0),
                    t["alternatenames"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|s| s.as_str().unwrap().to_string())
                        .collect(),
                ),
            )
        })
        .collect()
}

/// (geonameid, lang) → (name, reason) of the hand corrections.
fn corrections() -> BTreeMap<(u64, String), (String, String)> {
    read("data/ukraine/place-name-corrections.csv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.splitn(4, ',').collect();
            assert_eq!(f.len(), 4, "{l}");
            (
                (f[0].parse().unwrap(), f[1].to_string()),
                (f[2].to_string(), f[3].to_string()),
            )
        })
        .collect()
}

#[test]
fn every_name_of_the_table_is_from_geonames_or_a_correction_with_its_reason() {
    let t = table();
    let towns = towns();
    let fixes = corrections();
    let mut from_geonames = 0;
    for (id, n) in &t.towns {
        let (_, _, alternates) = towns
            .get(id)
            .unwrap_or_else(|| panic!("{id} not in towns.json"));
        for (lang, name) in [("uk", &n.uk), ("ru", &n.ru)] {
            match fixes.get(&(*id, lang.to_string())) {
                Some((fixed, reason)) => {
                    assert_eq!(
                        fixed, name,
                        "{id} {lang}: the table differs from its correction"
                    );
                    assert!(
                        reason.trim().len() > 10,
                        "{id} {lang}: a correction needs its reason"
                    );
                    assert_eq!(
                        reason.contains("not in GeoNames"),
                        !alternates.contains(name),
                        "{id} {lang} `{name}`: the reason must say whether GeoNames has it"
                    );
                }
                None => {
                    assert!(
                        alternates.contains(name),
                        "{id} {lang} `{name}` is neither a GeoNames name of the town nor a correction"
                    );
                    from_geonames += 1;
                }
            }
        }
    }
    // Every correction is used.
    for (id, lang) in fixes.keys() {
        assert!(
            t.towns.contains_key(id),
            "correction for {id} {lang}: not in the table"
        );
    }
    assert!(from_geonames > 300, "{from_geonames}");
}

#[test]
fn the_table_covers_every_oblast_centre_and_every_town_over_20000() {
    let t = table();
    let centres = t.towns.values().filter(|n| n.oblast_centre).count();
    // The centres of the 24 oblasts and of Crimea, and Sevastopol (Kyiv,
    // the capital, is also the centre of its oblast).
    assert_eq!(centres, 26);
    // The towns left out are city districts GeoNames lists as places,
    // each named in the script.
    let script = read("scripts/place_names.py");
    let block = script
        .split("DISTRICTS = {")
        .nth(1)
        .unwrap()
        .split('}')
        .next()
        .unwrap();
    let districts: BTreeSet<u64> = block
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    let mut left_out = 0;
    for (id, (name, population, _)) in towns() {
        if population > 20_000 && !t.towns.contains_key(&id) {
            assert!(
                districts.contains(&id),
                "{id} {name} ({population}) is missing"
            );
            left_out += 1;
        }
    }
    assert_eq!(left_out, districts.len());
}

#[test]
fn names_as_residents_write_them() {
    let t = table();
    let towns = towns();
    let by_name = |name: &str| {
        let (id, _) = towns
            .iter()
            .filter(|(_, (n, _, _))| n == name)
            .max_by_key(|(_, (_, p, _))| *p)
            .unwrap();
        t.towns[id].clone()
    };
    for (geonames, uk, ru, en) in [
        ("Kyiv", "Київ", "Киев", "Kyiv"),
        ("Kharkiv", "Харків", "Харьков", "Kharkiv"),
        ("Zaporizhzhya", "Запоріжжя", "Запорожье", "Zaporizhzhia"),
        ("Dnipro", "Дніпро", "Днепр", "Dnipro"),
        ("Mykolayiv", "Миколаїв", "Николаев", "Mykolaiv"),
        (
            "Kropyvnytskyi",
            "Кропивницький",
            "Кропивницкий",
            "Kropyvnytskyi",
        ),
        ("Lozova", "Лозова", "Лозовая", "Lozova"),
        ("Pokrovsk", "Покровськ", "Покровск", "Pokrovsk"),
        ("Izyum", "Ізюм", "Изюм", "Izium"),
        ("Odesa", "Одеса", "Одесса", "Odesa"),
        ("Lviv", "Львів", "Львов", "Lviv"),
        ("Vinnytsya", "Вінниця", "Винница", "Vinnytsia"),
        (
            "Bila Tserkva",
            "Біла Церква",
            "Белая Церковь",
            "Bila Tserkva",
        ),
        ("Mariupol", "Маріуполь", "Мариуполь", "Mariupol"),
    ] {
        let n = by_name(geonames);
        assert_eq!((n.uk.as_str(), n.ru.as_str()), (uk, ru), "{geonames}");
        assert_eq!(romanize_uk(&n.uk), en, "{geonames}");
    }
}

fn parse(text: &str) -> Scenario {
    let dir = root("examples/ukraine");
    let read = move |rel: &str| std::fs::read_to_string(dir.join(rel)).map_err(|e| e.to_string());
    Scenario::parse(text, "scenario.toml", &read).unwrap()
}

#[test]
fn the_scenario_check_warns_where_a_name_is_missing_and_never_guesses() {
    let text = read("examples/ukraine/scenario.toml");
    let scn = parse(&text);
    assert!(scn.warnings.is_empty(), "{:?}", scn.warnings);
    // Towns get the table's names; explicit ones win.
    let sumy = scn.place("sumy").unwrap();
    assert_eq!(sumy.name_uk.as_deref(), Some("Суми"));
    assert_eq!(sumy.name_ru.as_deref(), Some("Сумы"));
    assert_eq!(sumy.name_en.as_deref(), Some("Sumy"));
    let kharkiv = scn.place("kharkiv").unwrap();
    assert_eq!(kharkiv.name_ru.as_deref(), Some("Харьков"));
    assert_eq!(
        sumy.gathering.uk.as_deref(),
        Some("пл. Незалежності, біля ОДА")
    );
    let zp = scn.place("zaporizhzhia").unwrap();
    assert_eq!(zp.name_en.as_deref(), Some("Zaporizhzhia reception centre"));
    // Without the table, every town lacks its names: a warning per place
    // and language, with its line, the place and the key to add.
    let bare = parse(&text.replace("place_names = \"../../data/ukraine/place-names.csv\"", ""));
    let w: Vec<String> = bare.warnings.iter().map(|e| e.message.clone()).collect();
    assert!(
        w.iter()
            .any(|m| m.contains("origin `kharkiv` has no Russian name") && m.contains("name_ru")),
        "{w:#?}"
    );
    assert!(w
        .iter()
        .any(|m| m.contains("origin `sumy` has no Ukrainian name")));
    assert!(w.iter().any(|m| m.contains("town `Orikhiv`")), "{w:#?}");
    assert_eq!(bare.place("kharkiv").unwrap().name_ru, None);
    let line = bare
        .warnings
        .iter()
        .find(|e| e.message.contains("`kharkiv`"))
        .unwrap()
        .line;
    assert_eq!(text.lines().nth(line - 1).unwrap(), "id = \"kharkiv\"");
    // A place with no description of its gathering point and no map.
    let undescribed = parse(&text.replacen(
        "gathering = { uk = \"Південний вокзал\", ru = \"Южный вокзал\", en = \"Pivdennyi railway station\" }",
        "",
        1,
    ));
    assert!(undescribed.warnings.iter().any(|e| e
        .message
        .contains("origin `kharkiv`: the gathering point is known only by its coordinates")));
    // A table without a gazetteer is a mistake.
    let err = Scenario::parse(
        "name = \"x\"\nstatus = \"test\"\ntime_zone = \"Europe/Kyiv\"\nplace_names = \"t.csv\"\n",
        "s.toml",
        &|_| Ok("geonameid,uk,ru\n".into()),
    )
    .unwrap_err();
    assert!(err.to_string().contains("set `gazetteer` too"), "{err}");
}

#[test]
fn the_gathering_point_takes_the_nearest_named_road() {
    let text = read("examples/ukraine/scenario.toml");
    let mut scn = parse(&text.replacen(
        "gathering = { uk = \"Південний вокзал\", ru = \"Южный вокзал\", en = \"Pivdennyi railway station\" }",
        "",
        1,
    ));
    let k = scn.place("kharkiv").unwrap().at;
    // Three roads near Kharkiv's point: an unnamed one closest, a named
    // one 100 m away, another named one 300 m away; nothing near Sumy.
    let mut g = RoadGraph::builder();
    let road = |g: &mut RoadGraph, dlat: f64, name: &str| {
        let a = g.push_node(LatLon::new(k.lat + dlat, k.lon - 0.01), 1);
        let b = g.push_node(LatLon::new(k.lat + dlat, k.lon + 0.01), 2);
        let e = g.push_straight_edge(a, b, [[1000, 1000], [INFINITY, INFINITY]]);
        if !name.is_empty() {
            g.set_edge_name(e, name);
        }
    };
    road(&mut g, 0.0003, "");
    road(&mut g, 0.0009, "вулиця Євгена Котляра");
    road(&mut g, -0.0027, "Привокзальна площа");
    g.validate().unwrap();
    let router = Router::new(g);
    assert_eq!(scn.name_gathering_roads(&router), 1);
    assert_eq!(
        scn.place("kharkiv").unwrap().gathering.road.as_deref(),
        Some("вулиця Євгена Котляра")
    );
    // Described places keep their description; places far from any road
    // get none.
    assert_eq!(scn.place("sumy").unwrap().gathering.road, None);
}
