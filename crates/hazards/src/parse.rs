//! Hazard files: a GeoJSON FeatureCollection with one feature per hazard.
//!
//! Properties: `id` (string, unique), `kind` (`shelling`, `mines`,
//! `bridge_destroyed`, `checkpoint_closed`, `front_line`, `other`),
//! `buffer_m` (metres, required and > 0 for lines and points, optional for
//! polygons), `valid_from` / `valid_until` (RFC 3339 with an offset; either may
//! be missing or null for an open end), `effect` (`"block"`, the default, or
//! `{"slow": FACTOR}` with FACTOR > 1) and `source` (string). Geometries:
//! Polygon, MultiPolygon, LineString, MultiLineString, Point, MultiPoint.

use crate::{Effect, Hazard, HazardKind, HazardSet, Part, Validity};
use chrono::DateTime;
use serde_json::Value;

/// Why one feature was refused.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureError {
    /// Index of the feature in `features` (0-based).
    pub index: usize,
    /// Its `id`, when it had a readable one.
    pub id: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for FeatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.id {
            Some(id) => write!(f, "feature {} (id {id:?}): {}", self.index, self.reason),
            None => write!(f, "feature {}: {}", self.index, self.reason),
        }
    }
}

/// Why a hazard file was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum HazardFileError {
    /// Not JSON, or not a FeatureCollection.
    #[error("not a GeoJSON FeatureCollection: {0}")]
    NotGeoJson(String),
    /// One or more features are invalid; all are listed.
    #[error("{} invalid hazard feature(s):\n{}", .0.len(), .0.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Features(Vec<FeatureError>),
}

/// Parses and validates a hazard file. Either every feature is valid and the
/// whole set is returned, or every bad feature is reported: nothing is
/// silently dropped.
pub fn parse_geojson(text: &str) -> Result<HazardSet, HazardFileError> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| HazardFileError::NotGeoJson(e.to_string()))?;
    if v.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(HazardFileError::NotGeoJson(
            "the top level must be an object with \"type\": \"FeatureCollection\"".into(),
        ));
    }
    let features = v
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| HazardFileError::NotGeoJson("\"features\" must be an array".into()))?;
    let mut errors = Vec::new();
    let mut set = HazardSet::default();
    let mut seen = std::collections::HashSet::new();
    for (index, f) in features.iter().enumerate() {
        let id = f
            .get("properties")
            .and_then(|p| p.get("id"))
            .or_else(|| f.get("id"))
            .and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            });
        match parse_feature(f, id.clone()) {
            Ok(h) => {
                if !seen.insert(h.id.clone()) {
                    errors.push(FeatureError {
                        index,
                        id,
                        reason: "duplicate id".into(),
                    });
                } else {
                    set.hazards.push(h);
                }
            }
            Err(reason) => errors.push(FeatureError { index, id, reason }),
        }
    }
    if errors.is_empty() {
        Ok(set)
    } else {
        Err(HazardFileError::Features(errors))
    }
}

fn parse_feature(f: &Value, id: Option<String>) -> Result<Hazard, String> {
    if f.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err("not a Feature".into());
    }
    let feature = geojson::Feature::from_json_value(f.clone())
        .map_err(|e| format!("invalid GeoJSON: {e}"))?;
    let props = feature.properties.clone().unwrap_or_default();
    let id = id.ok_or("missing `id` (a string)")?;
    if id.trim().is_empty() {
        return Err("empty `id`".into());
    }
    let kind_s = props
        .get("kind")
        .and_then(Value::as_str)
        .ok_or("missing `kind`")?;
    let kind = HazardKind::parse(kind_s).ok_or_else(|| {
        format!("unknown kind `{kind_s}` (expected shelling, mines, bridge_destroyed, checkpoint_closed, front_line or other)")
    })?;
    let buffer_m = match props.get("buffer_m") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_f64()
                .filter(|b| b.is_finite() && *b >= 0.0 && *b <= 500_000.0)
                .ok_or("`buffer_m` must be a number of metres between 0 and 500000")?,
        ),
    };
    let geometry = feature.geometry.as_ref().ok_or("missing geometry")?;
    let parts = parts_of(&geometry.value)?;
    let areal = parts.iter().all(|p| matches!(p, Part::Polygon(_)));
    let buffer_m = match buffer_m {
        Some(b) if b > 0.0 || areal => b,
        _ if areal => 0.0,
        _ => return Err("`buffer_m` > 0 is required for lines and points".into()),
    };
    let time = |key: &str| -> Result<Option<i64>, String> {
        match props.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
                .map(|t| Some(t.timestamp_millis()))
                .map_err(|_| format!("`{key}` = {s:?} is not an RFC 3339 time with an offset, e.g. 2022-03-05T10:00:00+03:00")),
            Some(_) => Err(format!("`{key}` must be a string")),
        }
    };
    let validity = Validity {
        from_ms: time("valid_from")?.unwrap_or(i64::MIN),
        until_ms: time("valid_until")?.unwrap_or(i64::MAX),
    };
    if validity.from_ms >= validity.until_ms {
        return Err("`valid_until` must be after `valid_from`".into());
    }
    let effect = match props.get("effect") {
        None | Some(Value::Null) => Effect::Block,
        Some(Value::String(s)) if s == "block" => Effect::Block,
        Some(Value::Object(o)) if o.len() == 1 && o.contains_key("slow") => {
            let f = o["slow"]
                .as_f64()
                .filter(|f| f.is_finite() && *f > 1.0 && *f <= 1000.0);
            Effect::Slow(f.ok_or("`effect.slow` must be a factor greater than 1 (at most 1000)")?)
        }
        Some(other) => {
            return Err(format!(
                "`effect` must be \"block\" or {{\"slow\": FACTOR}}, not {other}"
            ))
        }
    };
    let source = match props.get("source") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err("`source` must be a string".into()),
    };
    Ok(Hazard {
        id,
        kind,
        parts,
        buffer_m,
        validity,
        effect,
        source,
    })
}

fn position(p: &[f64]) -> Result<(f64, f64), String> {
    if p.len() < 2 {
        return Err("a position needs longitude and latitude".into());
    }
    let (lon, lat) = (p[0], p[1]);
    if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
        return Err(format!(
            "longitude {lon} is out of range (GeoJSON order is [lon, lat])"
        ));
    }
    if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
        return Err(format!(
            "latitude {lat} is out of range (GeoJSON order is [lon, lat])"
        ));
    }
    Ok((lon, lat))
}

fn line(l: &[Vec<f64>]) -> Result<Vec<(f64, f64)>, String> {
    if l.len() < 2 {
        return Err("a LineString needs at least two positions".into());
    }
    l.iter().map(|p| position(p)).collect()
}

fn polygon(rings: &[Vec<Vec<f64>>]) -> Result<Part, String> {
    if rings.is_empty() {
        return Err("a Polygon needs an outer ring".into());
    }
    let mut out = Vec::new();
    for r in rings {
        let ring: Vec<(f64, f64)> = r.iter().map(|p| position(p)).collect::<Result<_, _>>()?;
        if ring.len() < 4 || ring.first() != ring.last() {
            return Err(
                "a polygon ring needs at least four positions and must be closed (last = first)"
                    .into(),
            );
        }
        out.push(ring);
    }
    Ok(Part::Polygon(out))
}

fn parts_of(v: &geojson::Value) -> Result<Vec<Part>, String> {
    use geojson::Value as G;
    Ok(match v {
        G::Point(p) => vec![Part::Point(position(p)?)],
        G::MultiPoint(ps) => ps
            .iter()
            .map(|p| position(p).map(Part::Point))
            .collect::<Result<_, _>>()?,
        G::LineString(l) => vec![Part::Line(line(l)?)],
        G::MultiLineString(ls) => ls
            .iter()
            .map(|l| line(l).map(Part::Line))
            .collect::<Result<_, _>>()?,
        G::Polygon(p) => vec![polygon(p)?],
        G::MultiPolygon(ps) => ps.iter().map(|p| polygon(p)).collect::<Result<_, _>>()?,
        G::GeometryCollection(_) => {
            return Err("GeometryCollection is not supported: use one feature per geometry".into())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_geometries_and_effects() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"id":"s1","kind":"shelling","valid_from":"2022-03-05T10:00:00+03:00","valid_until":null,"source":"OSCE"},
           "geometry":{"type":"Polygon","coordinates":[[[8.69,49.40],[8.70,49.40],[8.70,49.41],[8.69,49.40]]]}},
          {"type":"Feature","properties":{"id":"m1","kind":"mines","buffer_m":50,"effect":{"slow":3}},
           "geometry":{"type":"LineString","coordinates":[[8.69,49.40],[8.70,49.41]]}},
          {"type":"Feature","properties":{"id":"b1","kind":"bridge_destroyed","buffer_m":30,"effect":"block"},
           "geometry":{"type":"Point","coordinates":[8.69,49.41]}}
        ]}"#;
        let set = parse_geojson(text).unwrap();
        assert_eq!(set.len(), 3);
        assert_eq!(set.hazards[0].validity.from_ms, 1_646_463_600_000);
        assert_eq!(set.hazards[0].validity.until_ms, i64::MAX);
        assert_eq!(set.hazards[1].effect, Effect::Slow(3.0));
        assert_eq!(set.hazards[2].kind, HazardKind::BridgeDestroyed);
    }

    #[test]
    fn reports_every_bad_feature_with_index() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"id":"p","kind":"mines"},"geometry":{"type":"Point","coordinates":[8.69,49.41]}},
          {"type":"Feature","properties":{"id":"k","kind":"rain","buffer_m":5},"geometry":{"type":"Point","coordinates":[8.69,49.41]}},
          {"type":"Feature","properties":{"id":"t","kind":"mines","buffer_m":5,"valid_from":"2022-03-05 10:00"},"geometry":{"type":"Point","coordinates":[8.69,49.41]}},
          {"type":"Feature","properties":{"id":"o","kind":"mines","buffer_m":5},"geometry":{"type":"Point","coordinates":[49.41,98.69]}},
          {"type":"Feature","properties":{"id":"e","kind":"mines","buffer_m":5,"effect":{"slow":0.5}},"geometry":{"type":"Point","coordinates":[8.69,49.41]}},
          {"type":"Feature","properties":{"id":"r","kind":"shelling"},"geometry":{"type":"Polygon","coordinates":[[[8.69,49.40],[8.70,49.40],[8.70,49.41]]]}},
          {"type":"Feature","properties":{"id":"w","kind":"mines","buffer_m":5,"valid_from":"2022-03-05T12:00:00+03:00","valid_until":"2022-03-05T10:00:00+03:00"},"geometry":{"type":"Point","coordinates":[8.69,49.41]}},
          {"type":"Feature","properties":{"kind":"mines","buffer_m":5},"geometry":{"type":"Point","coordinates":[8.69,49.41]}},
          {"type":"Feature","properties":{"id":"p","kind":"mines","buffer_m":5},"geometry":{"type":"Point","coordinates":[8.69,49.41]}},
          {"type":"Feature","properties":{"id":"p","kind":"mines","buffer_m":5},"geometry":{"type":"Point","coordinates":[8.69,49.41]}}
        ]}"#;
        let Err(HazardFileError::Features(errs)) = parse_geojson(text) else {
            panic!("must fail")
        };
        let idx: Vec<usize> = errs.iter().map(|e| e.index).collect();
        assert_eq!(idx, vec![0, 1, 2, 3, 4, 5, 6, 7, 9], "{errs:#?}");
        assert!(errs[0].reason.contains("buffer_m"));
        assert!(errs[1].reason.contains("unknown kind"));
        assert!(errs[2].reason.contains("RFC 3339"));
        assert!(errs[3].reason.contains("out of range"));
        assert!(errs[4].reason.contains("greater than 1"));
        assert!(errs[5].reason.contains("closed"));
        assert!(errs[6].reason.contains("after"));
        assert!(errs[7].reason.contains("missing `id`"));
        assert!(errs[8].reason.contains("duplicate"));
    }

    #[test]
    fn refuses_non_geojson() {
        assert!(matches!(
            parse_geojson("nope"),
            Err(HazardFileError::NotGeoJson(_))
        ));
        assert!(matches!(
            parse_geojson(r#"{"type":"Feature"}"#),
            Err(HazardFileError::NotGeoJson(_))
        ));
        assert!(matches!(
            parse_geojson(r#"{"type":"FeatureCollection"}"#),
            Err(HazardFileError::NotGeoJson(_))
        ));
        assert_eq!(
            parse_geojson(r#"{"type":"FeatureCollection","features":[]}"#)
                .unwrap()
                .len(),
            0
        );
    }
}
