//! Territories: named areas (countries, oblasts, control zones drawn by
//! hand) read from GeoJSON, with the two questions the rules ask of them:
//! does a point lie inside, and how far does a route run through.

use corridor_geo::{haversine_m, point_in_ring, LatLon};
use serde_json::Value;

/// One polygon: outer ring then holes, (lon, lat) degrees.
pub type Polygon = Vec<Vec<(f64, f64)>>;

/// A territory: one or more polygons.
#[derive(Clone, Debug, PartialEq)]
pub struct Territory {
    /// Id used by the rules.
    pub id: String,
    /// Name for people.
    pub name: String,
    polygons: Vec<(Polygon, [f64; 4])>,
}

fn bbox(rings: &Polygon) -> [f64; 4] {
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for &(x, y) in rings.iter().flatten() {
        b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
    }
    b
}

fn ring(v: &Value) -> Result<Vec<(f64, f64)>, String> {
    let ring: Vec<(f64, f64)> = v
        .as_array()
        .ok_or("a ring is not an array of positions")?
        .iter()
        .map(|p| {
            let xy = p
                .as_array()
                .and_then(|p| Some((p.first()?.as_f64()?, p.get(1)?.as_f64()?)));
            match xy {
                Some((x, y)) if (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y) => {
                    Ok((x, y))
                }
                _ => Err(format!(
                    "{p} is not a [longitude, latitude] position on the Earth"
                )),
            }
        })
        .collect::<Result<_, _>>()?;
    // RFC 7946, 3.1.6: at least four positions, the last equal to the
    // first. An open ring would be closed by the containment test but not
    // by the length through, and the two would disagree.
    if ring.len() < 4 || ring.first() != ring.last() {
        return Err(format!(
            "a polygon ring needs at least four positions and must be closed (last = first); this one has {} and {}",
            ring.len(),
            if ring.first() == ring.last() { "is closed" } else { "is not closed" }
        ));
    }
    Ok(ring)
}

fn polygon(v: &Value) -> Result<Polygon, String> {
    let rings: Polygon = v
        .as_array()
        .ok_or("a Polygon's coordinates are not an array of rings")?
        .iter()
        .map(ring)
        .collect::<Result<_, _>>()?;
    if rings.is_empty() {
        return Err("a Polygon needs an outer ring".into());
    }
    Ok(rings)
}

impl Territory {
    /// A territory from polygons given directly. An open ring is closed
    /// (its first position added at its end), as the containment test
    /// reads it, so that the length through sees the same boundary.
    pub fn from_polygons(id: &str, name: &str, polygons: Vec<Polygon>) -> Territory {
        Territory {
            id: id.into(),
            name: name.into(),
            polygons: polygons
                .into_iter()
                .map(|mut p| {
                    for r in &mut p {
                        if let (Some(&first), Some(&last)) = (r.first(), r.last()) {
                            if first != last {
                                r.push(first);
                            }
                        }
                    }
                    let b = bbox(&p);
                    (p, b)
                })
                .collect(),
        }
    }

    /// The union of the Polygon and MultiPolygon features of a GeoJSON
    /// FeatureCollection whose property `property` is one of `values` (every
    /// feature when `property` is `None`).
    pub fn from_geojson(
        id: &str,
        name: &str,
        text: &str,
        property: Option<&str>,
        values: &[String],
    ) -> Result<Territory, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let features = doc
            .get("features")
            .and_then(Value::as_array)
            .ok_or("not a GeoJSON FeatureCollection")?;
        let mut polygons = Vec::new();
        let mut matched = 0;
        for (i, f) in features.iter().enumerate() {
            if let Some(prop) = property {
                let v = f.get("properties").and_then(|p| p.get(prop)).or_else(|| {
                    // A feature's own `id` counts as its property `id`.
                    (prop == "id").then(|| f.get("id")).flatten()
                });
                let text = match v {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Number(n)) => n.to_string(),
                    _ => continue,
                };
                if !values.contains(&text) {
                    continue;
                }
            }
            matched += 1;
            let g = f
                .get("geometry")
                .ok_or(format!("feature {i} has no geometry"))?;
            let coords = g.get("coordinates");
            match (g.get("type").and_then(Value::as_str), coords) {
                (Some("Polygon"), Some(c)) => {
                    polygons.push(polygon(c).map_err(|e| format!("feature {i}: {e}"))?)
                }
                (Some("MultiPolygon"), Some(Value::Array(ps))) => {
                    if ps.is_empty() {
                        return Err(format!("feature {i}: an empty MultiPolygon covers nothing"));
                    }
                    for p in ps {
                        polygons.push(polygon(p).map_err(|e| format!("feature {i}: {e}"))?);
                    }
                }
                (t, _) => {
                    return Err(format!(
                        "feature {i} is a {}, not a Polygon or MultiPolygon",
                        t.unwrap_or("geometry without a type")
                    ))
                }
            }
        }
        if matched == 0 {
            return Err(match property {
                Some(p) => format!("no feature has `{p}` equal to any of {values:?}"),
                None => "the file has no features".into(),
            });
        }
        Ok(Territory::from_polygons(id, name, polygons))
    }

    /// The polygons: outer ring then holes, (lon, lat).
    pub fn polygons(&self) -> impl Iterator<Item = &Polygon> {
        self.polygons.iter().map(|x| &x.0)
    }

    /// Whether `p` lies inside (holes excluded).
    pub fn contains(&self, p: LatLon) -> bool {
        let pt = (p.lon, p.lat);
        self.polygons.iter().any(|(rings, b)| {
            pt.0 >= b[0]
                && pt.0 <= b[2]
                && pt.1 >= b[1]
                && pt.1 <= b[3]
                && point_in_ring(pt, &rings[0])
                && !rings[1..].iter().any(|h| point_in_ring(pt, h))
        })
    }

    /// Metres of the polyline `line` inside the territory: each segment is
    /// cut where it crosses a boundary and each piece is tested at its
    /// middle (boundaries are straight in lon/lat, as GeoJSON draws them).
    pub fn length_inside_m(&self, line: &[LatLon]) -> f64 {
        let mut total = 0.0;
        for w in line.windows(2) {
            let (a, b) = ((w[0].lon, w[0].lat), (w[1].lon, w[1].lat));
            let sb = [a.0.min(b.0), a.1.min(b.1), a.0.max(b.0), a.1.max(b.1)];
            let mut cuts = vec![0.0, 1.0];
            let mut near = false;
            for (rings, pb) in &self.polygons {
                if sb[2] < pb[0] || sb[0] > pb[2] || sb[3] < pb[1] || sb[1] > pb[3] {
                    continue;
                }
                near = true;
                for r in rings {
                    for e in r.windows(2) {
                        if let Some(t) = crossing(a, b, e[0], e[1]) {
                            cuts.push(t);
                        }
                    }
                }
            }
            if !near {
                continue;
            }
            cuts.sort_by(f64::total_cmp);
            for c in cuts.windows(2) {
                if c[1] - c[0] <= 0.0 {
                    continue;
                }
                let at = |t: f64| {
                    LatLon::new(
                        w[0].lat + t * (w[1].lat - w[0].lat),
                        w[0].lon + t * (w[1].lon - w[0].lon),
                    )
                };
                if self.contains(at((c[0] + c[1]) / 2.0)) {
                    total += haversine_m(at(c[0]), at(c[1]));
                }
            }
        }
        total
    }
}

/// Where segment a–b crosses segment c–d, as a share of a–b.
fn crossing(a: (f64, f64), b: (f64, f64), c: (f64, f64), d: (f64, f64)) -> Option<f64> {
    let r = (b.0 - a.0, b.1 - a.1);
    let s = (d.0 - c.0, d.1 - c.1);
    let den = r.0 * s.1 - r.1 * s.0;
    if den.abs() < 1e-18 {
        return None;
    }
    let q = (c.0 - a.0, c.1 - a.1);
    let t = (q.0 * s.1 - q.1 * s.0) / den;
    let u = (q.0 * r.1 - q.1 * r.0) / den;
    ((0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&u)).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> Territory {
        Territory::from_polygons(
            "sq",
            "Square",
            vec![vec![vec![
                (30.0, 50.0),
                (31.0, 50.0),
                (31.0, 51.0),
                (30.0, 51.0),
                (30.0, 50.0),
            ]]],
        )
    }

    /// Review: a ring left open was closed by the containment test but not
    /// by the length through (its last side was never cut).
    #[test]
    fn open_rings_are_refused_in_files_and_closed_when_given() {
        let open = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
            "geometry":{"type":"Polygon","coordinates":[[[30,50],[31,50],[31,51],[30,51]]]}}]}"#;
        let err = Territory::from_geojson("t", "T", open, None, &[]).unwrap_err();
        assert!(err.contains("must be closed"), "{err}");
        let empty = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
            "geometry":{"type":"MultiPolygon","coordinates":[]}}]}"#;
        let err = Territory::from_geojson("t", "T", empty, None, &[]).unwrap_err();
        assert!(err.contains("empty MultiPolygon"), "{err}");
        let bad = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
            "geometry":{"type":"Polygon","coordinates":[[[30,50],[31,95],[31,51],[30,50]]]}}]}"#;
        let err = Territory::from_geojson("t", "T", bad, None, &[]).unwrap_err();
        assert!(err.contains("[31,95]"), "{err}");
        // Given open, the square is closed: a line leaving through its
        // closing (western) side runs through it as far as the closed one.
        let t = Territory::from_polygons(
            "sq",
            "Square",
            vec![vec![vec![
                (30.0, 50.0),
                (31.0, 50.0),
                (31.0, 51.0),
                (30.0, 51.0),
            ]]],
        );
        let line = [LatLon::new(50.5, 29.5), LatLon::new(50.5, 30.5)];
        let want = square().length_inside_m(&line);
        assert!(want > 30_000.0);
        assert_eq!(t.length_inside_m(&line), want);
    }

    #[test]
    fn inside_and_length_through() {
        let t = square();
        assert!(t.contains(LatLon::new(50.5, 30.5)));
        assert!(!t.contains(LatLon::new(50.5, 31.5)));
        // A line along latitude 50.5 from 29.5 to 31.5 runs exactly one
        // degree of longitude inside.
        let line = [LatLon::new(50.5, 29.5), LatLon::new(50.5, 31.5)];
        let want = haversine_m(LatLon::new(50.5, 30.0), LatLon::new(50.5, 31.0));
        assert!((t.length_inside_m(&line) - want).abs() < 1.0);
        // Outside entirely.
        let line = [LatLon::new(52.0, 29.5), LatLon::new(52.0, 31.5)];
        assert_eq!(t.length_inside_m(&line), 0.0);
    }

    #[test]
    fn geojson_features_are_selected_by_property() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","id":"A","properties":{"code":"UA14"},"geometry":{"type":"Polygon","coordinates":[[[30,50],[31,50],[31,51],[30,51],[30,50]]]}},
          {"type":"Feature","id":"B","properties":{"code":"UA63"},"geometry":{"type":"MultiPolygon","coordinates":[[[[32,50],[33,50],[33,51],[32,51],[32,50]]]]}}]}"#;
        let t = Territory::from_geojson("x", "X", text, Some("code"), &["UA63".into()]).unwrap();
        assert!(t.contains(LatLon::new(50.5, 32.5)));
        assert!(!t.contains(LatLon::new(50.5, 30.5)));
        let t = Territory::from_geojson("x", "X", text, Some("id"), &["A".into()]).unwrap();
        assert!(t.contains(LatLon::new(50.5, 30.5)));
        let e =
            Territory::from_geojson("x", "X", text, Some("code"), &["UA99".into()]).unwrap_err();
        assert!(e.contains("no feature"), "{e}");
    }
}
