//! Named places: a gazetteer read from GeoNames-style JSON (the shipped
//! `towns.json`: name, alternate names in several scripts, coordinates,
//! population), so that a route can be given town by town, as in 2022.

use corridor_geo::LatLon;
use serde_json::Value;

/// One place.
#[derive(Clone, Debug, PartialEq)]
pub struct Town {
    /// Main name (Latin script).
    pub name: String,
    /// Every name it is known by, lower-cased, the main one included.
    pub names: Vec<String>,
    /// Its alternate names as written (several scripts and languages).
    pub alternates: Vec<String>,
    /// Where.
    pub at: LatLon,
    /// Population.
    pub population: u64,
    /// GeoNames id, if the record has one.
    pub geonameid: Option<u64>,
    /// Its names in Ukrainian and Russian from the names table
    /// ([`Gazetteer::apply_names`]), if the table has the town.
    pub local: Option<crate::names::LocalNames>,
}

impl Town {
    /// Its Ukrainian name, from the names table.
    pub fn name_uk(&self) -> Option<&str> {
        self.local.as_ref().map(|l| l.uk.as_str())
    }

    /// Its Russian name, from the names table.
    pub fn name_ru(&self) -> Option<&str> {
        self.local.as_ref().map(|l| l.ru.as_str())
    }

    /// Its English name: the official romanization of its Ukrainian name
    /// (GeoNames' main names use several older systems: Zaporizhzhya,
    /// Izyum).
    pub fn name_en(&self) -> Option<String> {
        self.name_uk().map(crate::names::romanize_uk)
    }
}

/// A set of places searchable by any of their names.
#[derive(Clone, Debug, Default)]
pub struct Gazetteer {
    towns: Vec<Town>,
}

impl Gazetteer {
    /// Reads a JSON object (or array) of GeoNames records with `name`,
    /// `alternatenames`, `latitude`, `longitude` and `population`.
    pub fn from_json(text: &str) -> Result<Gazetteer, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let items: Vec<&Value> = match &v {
            Value::Object(m) => m.values().collect(),
            Value::Array(a) => a.iter().collect(),
            _ => return Err("expected an object or array of places".into()),
        };
        let mut towns = Vec::with_capacity(items.len());
        for (i, t) in items.into_iter().enumerate() {
            let get = |k: &str| t.get(k);
            let name = get("name")
                .and_then(Value::as_str)
                .ok_or(format!("place {i} has no name"))?;
            let (lat, lon) = (
                get("latitude").and_then(Value::as_f64),
                get("longitude").and_then(Value::as_f64),
            );
            let at = match (lat, lon) {
                (Some(a), Some(b)) => {
                    LatLon::checked(a, b).map_err(|e| format!("place {name}: {e}"))?
                }
                _ => return Err(format!("place {name} has no coordinates")),
            };
            let mut names = vec![name.to_lowercase()];
            let alternates: Vec<String> = get("alternatenames")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            names.extend(alternates.iter().map(|s| s.to_lowercase()));
            towns.push(Town {
                name: name.to_string(),
                names,
                alternates,
                at,
                population: get("population").and_then(Value::as_u64).unwrap_or(0),
                geonameid: get("geonameid").and_then(Value::as_u64),
                local: None,
            });
        }
        Ok(Gazetteer { towns })
    }

    /// Gives every town of `table` (by GeoNames id) its Ukrainian and
    /// Russian names; returns how many towns got names.
    pub fn apply_names(&mut self, table: &crate::names::NameTable) -> usize {
        let mut n = 0;
        for t in &mut self.towns {
            t.local = t.geonameid.and_then(|id| table.towns.get(&id)).cloned();
            n += usize::from(t.local.is_some());
        }
        n
    }

    /// Every place.
    pub fn towns(&self) -> &[Town] {
        &self.towns
    }

    /// The town called `name` (as [`Gazetteer::find`]) if it lies within
    /// `max_m` metres of `at`; else the nearest town of that name within
    /// `max_m`, if any: how a published place that records only its name
    /// and position finds its town again.
    pub fn near(&self, name: &str, at: LatLon, max_m: f64) -> Option<&Town> {
        let close = |t: &&Town| corridor_geo::haversine_m(t.at, at) <= max_m;
        if let Some(t) = self.find(name).filter(close) {
            return Some(t);
        }
        let key = name.trim().to_lowercase();
        self.towns
            .iter()
            .filter(|t| t.names.contains(&key))
            .filter(close)
            .min_by(|a, b| {
                corridor_geo::haversine_m(a.at, at).total_cmp(&corridor_geo::haversine_m(b.at, at))
            })
    }

    /// Number of places.
    pub fn len(&self) -> usize {
        self.towns.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.towns.is_empty()
    }

    /// The place called `name` (any script, any case); when several share
    /// the name, the most populous. Main names win over alternate names.
    pub fn find(&self, name: &str) -> Option<&Town> {
        let key = name.trim().to_lowercase();
        let best = |main: bool| {
            self.towns
                .iter()
                .filter(|t| {
                    if main {
                        t.names[0] == key
                    } else {
                        t.names.contains(&key)
                    }
                })
                .max_by_key(|t| t.population)
        };
        best(true).or_else(|| best(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_by_any_name_and_prefers_the_largest() {
        let g = Gazetteer::from_json(
            r#"{"1":{"name":"Mykolaivka","latitude":47.0,"longitude":35.0,"population":1500,"alternatenames":["Николаевка"]},
                "2":{"name":"Mykolaivka","latitude":48.0,"longitude":37.0,"population":9000,"alternatenames":[]},
                "3":{"name":"Zaporizhzhia","latitude":47.82,"longitude":35.19,"population":710000,"alternatenames":["Запоріжжя","Запорожье"]}}"#,
        )
        .unwrap();
        assert_eq!(g.find("mykolaivka").unwrap().population, 9000);
        assert_eq!(g.find("Запоріжжя").unwrap().name, "Zaporizhzhia");
        assert_eq!(g.find("ЗАПОРОЖЬЕ").unwrap().name, "Zaporizhzhia");
        assert!(g.find("Atlantis").is_none());
    }
}
