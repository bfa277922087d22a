//! Hazard files: a GeoJSON FeatureCollection with one feature per hazard.
//!
//! Properties: `id` (string, unique), `kind` (`shelling`, `mines`,
//! `bridge_destroyed`, `checkpoint_closed`, `front_line`, `other`),
//! `buffer_m` (metres, required and > 0 for lines and points, optional for
//! polygons), `valid_from` / `valid_until` (RFC 3339 with an offset; either may
//! be missing or null for an open end), `effect` (`"block"`, the default, or
//! `{"slow": FACTOR}` with FACTOR > 1) and `source` (string). Geometries:
//! Polygon, MultiPolygon, LineString, MultiLineString, Point, MultiPoint.
//!
//! Bounds, so that no file can make routing slow (issue 12): at most
//! [`MAX_FEATURES`] features, [`MAX_FEATURE_VERTICES`] positions per feature
//! and [`MAX_FILE_VERTICES`] in all, `buffer_m` at most [`MAX_BUFFER_M`];
//! and no line or ring may jump more than 180° of longitude (a geometry over
//! the antimeridian must be cut in two, as RFC 7946 asks).

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
    /// More features than a hazard file may hold.
    #[error("{found} features, more than the {MAX_FEATURES} a hazard file may hold")]
    TooManyFeatures {
        /// Features in the file.
        found: usize,
    },
}

/// Most features in one hazard file.
pub const MAX_FEATURES: usize = 10_000;
/// Most positions (vertices) in one feature: a hazard drawn by hand or
/// traced from a map has far fewer; routing time grows with them (issue 12).
pub const MAX_FEATURE_VERTICES: usize = 10_000;
/// Most positions in one hazard file.
pub const MAX_FILE_VERTICES: usize = 100_000;
/// Largest `buffer_m`, metres.
pub const MAX_BUFFER_M: f64 = 50_000.0;

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
    if features.len() > MAX_FEATURES {
        return Err(HazardFileError::TooManyFeatures {
            found: features.len(),
        });
    }
    let mut errors = Vec::new();
    let mut vertices = 0usize;
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
                vertices += vertex_count(&h.parts);
                if vertices > MAX_FILE_VERTICES {
                    errors.push(FeatureError {
                        index,
                        id,
                        reason: format!(
                            "the file holds more than {MAX_FILE_VERTICES} positions in all up to this feature; simplify the geometries or split the file"
                        ),
                    });
                    break;
                } else if !seen.insert(h.id.clone()) {
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
                .filter(|b| b.is_finite() && *b >= 0.0 && *b <= MAX_BUFFER_M)
                .ok_or("`buffer_m` must be a number of metres between 0 and 50000")?,
        ),
    };
    let geometry = feature.geometry.as_ref().ok_or("missing geometry")?;
    let parts = parts_of(&geometry.value)?;
    if parts.is_empty() {
        // An empty MultiPolygon (or MultiLineString, MultiPoint) is valid
        // GeoJSON, but as a hazard it would close nothing while the log
        // and the map said it was reported.
        return Err(
            "the geometry is empty: a hazard needs at least one point, line or polygon".into(),
        );
    }
    let n = vertex_count(&parts);
    if n > MAX_FEATURE_VERTICES {
        return Err(format!(
            "{n} positions, more than the {MAX_FEATURE_VERTICES} a hazard may have; simplify the geometry"
        ));
    }
    let areal = parts.iter().all(|p| matches!(p, Part::Polygon(_)));
    let buffer_m = match buffer_m {
        Some(b) if b > 0.0 || areal => b,
        _ if areal => 0.0,
        _ => return Err("`buffer_m` > 0 is required for lines and points".into()),
    };
    // A polygon without area (all its positions one point, or going out
    // and back along a line) is a point or a line: without a buffer it
    // closes only the roads through that point or across that line, which
    // a point or a line may not do without a buffer (a review's were
    // accepted).
    // (Collinear, not a zero signed area: a bowtie's two lobes cancel.)
    let on_a_line = |r: &[(f64, f64)]| {
        let Some(&a) = r.first() else { return true };
        match r.iter().find(|&&v| v != a) {
            None => true,
            Some(&b) => r
                .iter()
                .all(|&c| (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0) == 0.0),
        }
    };
    let no_area = |p: &Part| match p {
        Part::Polygon(rings) => rings.first().is_some_and(|r| on_a_line(r)),
        _ => false,
    };
    if buffer_m == 0.0 && parts.iter().any(no_area) {
        return Err("a polygon without area (its positions all on one point or going out and back along a line) needs `buffer_m` > 0; or draw the area".into());
    }
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

fn vertex_count(parts: &[Part]) -> usize {
    parts
        .iter()
        .map(|p| match p {
            Part::Point(_) => 1,
            Part::Line(l) => l.len(),
            Part::Polygon(rings) => rings.iter().map(Vec::len).sum(),
        })
        .sum()
}

/// Refuses a line or ring that jumps more than 180° of longitude between
/// two positions: in GeoJSON that is the long way round the globe (a
/// polygon over the antimeridian would block a whole latitude band;
/// issue 12). RFC 7946 §3.1.9 asks for such geometries to be cut in two.
fn no_antimeridian_jump(pts: &[(f64, f64)]) -> Result<(), String> {
    match pts.windows(2).find(|w| (w[1].0 - w[0].0).abs() > 180.0) {
        Some(w) => Err(format!(
            "the geometry crosses the antimeridian (longitude jumps from {} to {}); cut it in two at ±180° (RFC 7946, section 3.1.9)",
            w[0].0, w[1].0
        )),
        None => Ok(()),
    }
}

fn line(l: &[Vec<f64>]) -> Result<Vec<(f64, f64)>, String> {
    if l.len() < 2 {
        return Err("a LineString needs at least two positions".into());
    }
    let pts = l
        .iter()
        .map(|p| position(p))
        .collect::<Result<Vec<_>, _>>()?;
    no_antimeridian_jump(&pts)?;
    Ok(pts)
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
        no_antimeridian_jump(&ring)?;
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

    /// Review: polygons without area, without a buffer, were taken.
    #[test]
    fn a_polygon_without_area_needs_a_buffer() {
        let f = |props: &str| {
            format!(
                r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"id":"p","kind":"shelling"{props}}},"geometry":{{"type":"Polygon","coordinates":[[[8.7,49.4],[8.7,49.4],[8.7,49.4],[8.7,49.4]]]}}}}]}}"#
            )
        };
        let err = parse_geojson(&f("")).unwrap_err().to_string();
        assert!(err.contains("without area"), "{err}");
        assert!(parse_geojson(&f(r#","buffer_m":100"#)).is_ok());
        // Out and back along a line: a line, which needs a buffer too.
        let line = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"l","kind":"shelling"},"geometry":{"type":"Polygon","coordinates":[[[8.7,49.4],[8.8,49.4],[8.7,49.4],[8.7,49.4]]]}}]}"#;
        let err = parse_geojson(line).unwrap_err().to_string();
        assert!(err.contains("without area"), "{err}");
        // A bowtie (its lobes' signed areas cancel) has area: taken.
        let bowtie = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"b","kind":"shelling"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}]}"#;
        assert!(parse_geojson(bowtie).is_ok());
        // A true polygon without a buffer is still taken.
        let square = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"s","kind":"shelling"},"geometry":{"type":"Polygon","coordinates":[[[8.7,49.4],[8.8,49.4],[8.8,49.5],[8.7,49.4]]]}}]}"#;
        assert!(parse_geojson(square).is_ok());
    }

    /// Review: an empty MultiPolygon was taken as a hazard on nothing.
    #[test]
    fn empty_multi_geometries_are_refused() {
        for g in ["MultiPolygon", "MultiLineString", "MultiPoint"] {
            let text = format!(
                r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"id":"e","kind":"shelling"}},"geometry":{{"type":"{g}","coordinates":[]}}}}]}}"#
            );
            let err = parse_geojson(&text).unwrap_err().to_string();
            assert!(err.contains("the geometry is empty"), "{g}: {err}");
        }
    }

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

    /// A FeatureCollection of `features`, each given as (geometry type,
    /// coordinates JSON, extra properties).
    fn collection(features: &[(&str, String, &str)]) -> String {
        let fs: Vec<String> = features
            .iter()
            .enumerate()
            .map(|(i, (ty, coords, extra))| {
                format!(
                    r#"{{"type":"Feature","properties":{{"id":"h{i}","kind":"shelling"{extra}}},"geometry":{{"type":"{ty}","coordinates":{coords}}}}}"#
                )
            })
            .collect();
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            fs.join(",")
        )
    }

    /// A closed ring of `n` positions (n ≥ 4) round (8.7, 49.4).
    fn ring(n: usize) -> String {
        let mut pts: Vec<String> = (0..n - 1)
            .map(|i| {
                let a = i as f64 / (n - 1) as f64 * std::f64::consts::TAU;
                format!("[{},{}]", 8.7 + 0.01 * a.cos(), 49.4 + 0.01 * a.sin())
            })
            .collect();
        pts.push(pts[0].clone());
        format!("[[{}]]", pts.join(","))
    }

    fn reasons(text: &str) -> Vec<String> {
        match parse_geojson(text) {
            Err(HazardFileError::Features(errs)) => errs.into_iter().map(|e| e.reason).collect(),
            other => panic!("expected feature errors, got {other:?}"),
        }
    }

    // issue 12: a 100,000-vertex polygon made one route take 32 s.
    #[test]
    fn issue_12_hazard_complexity_is_bounded() {
        let small = ring(MAX_FEATURE_VERTICES);
        assert_eq!(
            parse_geojson(&collection(&[("Polygon", small.clone(), "")]))
                .unwrap()
                .len(),
            1,
            "the bound itself is fine"
        );
        let big = ring(MAX_FEATURE_VERTICES + 1);
        let r = reasons(&collection(&[("Polygon", big, "")]));
        assert!(r[0].contains("positions, more than"), "{r:?}");
        // Eleven features of 10,000 positions: the file bound.
        let many: Vec<_> = (0..11).map(|_| ("Polygon", small.clone(), "")).collect();
        let r = reasons(&collection(&many));
        assert!(r.iter().any(|r| r.contains("in all")), "{r:?}");
        // Too many features.
        let point = ("Point", "[8.7,49.4]".to_string(), r#","buffer_m":10"#);
        let text = collection(&vec![point.clone(); MAX_FEATURES + 1]);
        assert_eq!(
            parse_geojson(&text),
            Err(HazardFileError::TooManyFeatures {
                found: MAX_FEATURES + 1
            })
        );
        // A buffer of 500 km round a point blocked a country.
        let r = reasons(&collection(&[(
            "Point",
            "[8.7,49.4]".into(),
            r#","buffer_m":500000"#,
        )]));
        assert!(r[0].contains("buffer_m"), "{r:?}");
        parse_geojson(&collection(&[(
            "Point",
            "[8.7,49.4]".into(),
            r#","buffer_m":50000"#,
        )]))
        .expect("50 km is fine");
    }

    // issue 12: a polygon over the antimeridian, drawn 179° → -179°, was
    // read as the long way round and blocked a whole latitude band.
    #[test]
    fn issue_12_antimeridian_jumps_are_refused() {
        let r = reasons(&collection(&[
            (
                "Polygon",
                "[[[179.5,65],[-179.5,65],[-179.5,66],[179.5,66],[179.5,65]]]".into(),
                "",
            ),
            (
                "LineString",
                "[[179.9,65],[-179.9,65]]".into(),
                r#","buffer_m":10"#,
            ),
            (
                "MultiPolygon",
                "[[[[170,65],[175,65],[175,66],[170,65]]],[[[-170,65],[179,65],[170,66],[-170,65]]]]"
                    .into(),
                "",
            ),
        ]));
        assert_eq!(r.len(), 3, "{r:?}");
        assert!(r.iter().all(|r| r.contains("antimeridian")), "{r:?}");
        // The same area on one side of it is fine.
        parse_geojson(&collection(&[(
            "Polygon",
            "[[[179.0,65],[180,65],[180,66],[179.0,66],[179.0,65]]]".into(),
            "",
        )]))
        .expect("a polygon touching 180° from the west");
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
