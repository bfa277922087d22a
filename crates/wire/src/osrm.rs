//! OSRM's route API (v5/v1 URL scheme), as `osrm-routed` answers it:
//! `GET /route/v1/{profile}/{lon,lat;lon,lat[;…]}?overview=&geometries=&steps=`.
//!
//! The response has OSRM's field names and types: `code` (`Ok`,
//! `NoRoute`, `NoSegment`, `InvalidUrl`, `InvalidQuery`,
//! `InvalidOptions`), `routes[]` with `distance` (m), `duration` (s),
//! `weight`, `weight_name`, `geometry` (encoded polyline with precision 5
//! by default, `polyline6`, or GeoJSON) and `legs[]` (`distance`,
//! `duration`, `weight`, `summary`, `steps`), and `waypoints[]` (`name`,
//! `location` as `[lon, lat]`, `distance` from the input point). The
//! difference from OSRM is the point of corridor: every hazard in force is
//! avoided, with the departure given by `depart` (RFC 3339, default now).
//! Turn-by-turn `steps` are not produced (always `[]`); `overview=simplified`
//! returns the full geometry; waypoints carry no `hint`; a point farther
//! than the scenario's snapping distance from any road is `NoSegment`
//! (OSRM snaps a point in Berlin to Heidelberg; a corridor must not).

use corridor_geo::LatLon;
use corridor_graph::Profile;
use corridor_routing::{Route, RouteError, Router};
use serde_json::{json, Value};

/// Most coordinates in one request.
pub const MAX_COORDINATES: usize = 25;

/// How much geometry to return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overview {
    /// The whole line (`full`, and `simplified`).
    Full,
    /// None (`false`).
    None,
}

/// How the geometry is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Geometries {
    /// Encoded polyline, 5 decimals (OSRM's default).
    Polyline,
    /// Encoded polyline, 6 decimals.
    Polyline6,
    /// A GeoJSON LineString.
    GeoJson,
}

/// A parsed request.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// `driving` (or `car`) or `walking` (or `foot`).
    pub profile: Profile,
    /// The points, in order.
    pub points: Vec<LatLon>,
    /// Geometry wanted.
    pub overview: Overview,
    /// Its encoding.
    pub geometries: Geometries,
    /// Departure (RFC 3339), if given.
    pub depart: Option<String>,
}

/// An OSRM error: its code and message, answered with HTTP 400.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// OSRM's code.
    pub code: &'static str,
    /// Plain words.
    pub message: String,
}

impl Error {
    fn new(code: &'static str, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
        }
    }

    /// The body OSRM answers.
    pub fn to_json(&self) -> Value {
        json!({"code": self.code, "message": self.message})
    }

    /// The error for a route the router refused: `NoSegment` when a point
    /// is off the map, `NoRoute` otherwise (cut by hazards, inside one, or
    /// not connected), with corridor's reason as the message.
    /// A point in the message is written as the client wrote it, longitude
    /// first, and says so (corridor's own messages put latitude first).
    pub fn from_route(e: &RouteError) -> Error {
        let text = e.to_string();
        let lon_first = |p: &LatLon| {
            text.replacen(
                &p.to_string(),
                &format!("{:.6},{:.6} (lon,lat)", p.lon, p.lat),
                1,
            )
        };
        match e {
            RouteError::OffMap { point, .. } => Error::new("NoSegment", lon_first(point)),
            RouteError::InHazard { point, .. } => Error::new("NoRoute", lon_first(point)),
            _ => Error::new("NoRoute", text),
        }
    }
}

/// Parses `{profile}` and `{coordinates}` of the path and the query.
pub fn parse(
    profile: &str,
    coordinates: &str,
    query: &[(String, String)],
) -> Result<Request, Error> {
    let profile = match profile {
        "driving" | "car" => Profile::Car,
        "walking" | "foot" => Profile::Foot,
        other => {
            return Err(Error::new(
                "InvalidOptions",
                format!("profile `{}` is not served (driving, walking)", clip(other)),
            ))
        }
    };
    let coordinates = coordinates.strip_suffix(".json").unwrap_or(coordinates);
    let mut points = Vec::new();
    for c in coordinates.split(';') {
        let (lon, lat) = c
            .split_once(',')
            .and_then(|(a, b)| Some((a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?)))
            .ok_or_else(|| Error::new("InvalidUrl", format!("`{}` is not lon,lat", clip(c))))?;
        let p = LatLon::checked(lat, lon)
            .map_err(|e| Error::new("InvalidValue", format!("`{}`: {e}", clip(c))))?;
        points.push(p);
    }
    if points.len() < 2 {
        return Err(Error::new("InvalidQuery", "give at least two coordinates"));
    }
    if points.len() > MAX_COORDINATES {
        return Err(Error::new(
            "TooBig",
            format!("at most {MAX_COORDINATES} coordinates"),
        ));
    }
    let mut r = Request {
        profile,
        points,
        overview: Overview::Full,
        geometries: Geometries::Polyline,
        depart: None,
    };
    for (k, v) in query {
        match (k.as_str(), v.as_str()) {
            ("overview", "full" | "simplified") => r.overview = Overview::Full,
            ("overview", "false") => r.overview = Overview::None,
            ("geometries", "polyline") => r.geometries = Geometries::Polyline,
            ("geometries", "polyline6") => r.geometries = Geometries::Polyline6,
            ("geometries", "geojson") => r.geometries = Geometries::GeoJson,
            ("depart", t) => r.depart = Some(t.to_string()),
            // Accepted and answered as OSRM would without them.
            (
                "steps" | "alternatives" | "annotations" | "continue_straight" | "generate_hints"
                | "skip_waypoints",
                _,
            ) => {}
            (k, v) => {
                return Err(Error::new(
                    "InvalidOptions",
                    format!("option {}={} is not supported", clip(k), clip(v)),
                ))
            }
        }
    }
    Ok(r)
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Google's encoded polyline of `points` (lat, lon) at `precision` decimals.
pub fn encode_polyline(points: &[LatLon], precision: u32) -> String {
    let factor = 10f64.powi(precision as i32);
    let mut out = String::new();
    let (mut last_lat, mut last_lon) = (0i64, 0i64);
    let put = |v: i64, out: &mut String| {
        let mut v = if v < 0 { !(v << 1) } else { v << 1 };
        while v >= 0x20 {
            out.push(char::from((((v & 0x1f) | 0x20) + 63) as u8));
            v >>= 5;
        }
        out.push(char::from((v + 63) as u8));
    };
    for p in points {
        let lat = (p.lat * factor).round() as i64;
        let lon = (p.lon * factor).round() as i64;
        put(lat - last_lat, &mut out);
        put(lon - last_lon, &mut out);
        last_lat = lat;
        last_lon = lon;
    }
    out
}

/// Decodes [`encode_polyline`]'s text (for tests and clients).
pub fn decode_polyline(s: &str, precision: u32) -> Option<Vec<LatLon>> {
    let factor = 10f64.powi(precision as i32);
    let bytes = s.as_bytes();
    let (mut i, mut lat, mut lon) = (0usize, 0i64, 0i64);
    let next = |i: &mut usize| -> Option<i64> {
        let (mut shift, mut result) = (0u32, 0i64);
        loop {
            let b = i64::from(*bytes.get(*i)?) - 63;
            *i += 1;
            if !(0..64).contains(&b) || shift > 60 {
                return None;
            }
            result |= (b & 0x1f) << shift;
            shift += 5;
            if b < 0x20 {
                break;
            }
        }
        Some(if result & 1 == 1 {
            !(result >> 1)
        } else {
            result >> 1
        })
    };
    let mut out = Vec::new();
    while i < bytes.len() {
        lat += next(&mut i)?;
        lon += next(&mut i)?;
        out.push(LatLon::new(lat as f64 / factor, lon as f64 / factor));
    }
    Some(out)
}

fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

fn road(router: &Router, edge: u32) -> String {
    let g = router.graph();
    match (g.name(edge), g.road_ref(edge)) {
        ("", r) => r.to_string(),
        (n, _) => n.to_string(),
    }
}

/// The `Ok` response for `legs` (one route per consecutive pair of points).
pub fn response(router: &Router, req: &Request, legs: &[Route]) -> Value {
    let distance: f64 = legs.iter().map(|l| l.distance_m).sum();
    let duration: f64 = legs.iter().map(|l| l.duration_ms as f64 / 1000.0).sum();
    let mut line: Vec<LatLon> = Vec::new();
    for l in legs {
        for p in &l.geometry {
            if line.last() != Some(p) {
                line.push(*p);
            }
        }
    }
    let mut route = json!({
        "distance": round(distance, 1),
        "duration": round(duration, 1),
        "weight": round(duration, 1),
        "weight_name": "duration",
        "legs": legs.iter().map(|l| {
            let d = round(l.duration_ms as f64 / 1000.0, 1);
            json!({
                "distance": round(l.distance_m, 1), "duration": d, "weight": d,
                "summary": l.via(2, 0.05).join(", "), "steps": [],
            })
        }).collect::<Vec<_>>(),
    });
    if req.overview == Overview::Full {
        route["geometry"] = match req.geometries {
            Geometries::Polyline => json!(encode_polyline(&line, 5)),
            Geometries::Polyline6 => json!(encode_polyline(&line, 6)),
            Geometries::GeoJson => json!({"type": "LineString",
                "coordinates": line.iter().map(|p| [round(p.lon, 6), round(p.lat, 6)]).collect::<Vec<_>>()}),
        };
    }
    let mut waypoints: Vec<Value> = legs
        .iter()
        .map(|l| &l.origin)
        .chain(legs.last().map(|l| &l.destination))
        .map(|s| {
            json!({"name": road(router, s.edge), "location": [round(s.point.lon, 6), round(s.point.lat, 6)],
                   "distance": round(s.distance_m, 1)})
        })
        .collect();
    waypoints.truncate(req.points.len());
    json!({"code": "Ok", "routes": [route], "waypoints": waypoints})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polyline_matches_googles_example() {
        // The example of Google's format documentation.
        let pts = [
            LatLon::new(38.5, -120.2),
            LatLon::new(40.7, -120.95),
            LatLon::new(43.252, -126.453),
        ];
        assert_eq!(encode_polyline(&pts, 5), "_p~iF~ps|U_ulLnnqC_mqNvxq`@");
        let back = decode_polyline("_p~iF~ps|U_ulLnnqC_mqNvxq`@", 5).unwrap();
        for (a, b) in back.iter().zip(&pts) {
            assert!((a.lat - b.lat).abs() < 1e-9 && (a.lon - b.lon).abs() < 1e-9);
        }
        assert!(decode_polyline("\u{1}", 5).is_none());
    }

    #[test]
    fn requests_are_parsed_as_osrm_does_and_bad_ones_named() {
        let q = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        let r = parse(
            "driving",
            "8.67,49.41;8.69,49.42",
            &q("geometries", "geojson"),
        )
        .unwrap();
        assert_eq!(r.points[0], LatLon::new(49.41, 8.67), "lon,lat in the URL");
        assert_eq!(r.geometries, Geometries::GeoJson);
        assert_eq!(
            parse("driving", "8.67,49.41", &[]).unwrap_err().code,
            "InvalidQuery"
        );
        assert_eq!(parse("driving", "x;y", &[]).unwrap_err().code, "InvalidUrl");
        assert_eq!(
            parse("driving", "8.67,99;8.6,49", &[]).unwrap_err().code,
            "InvalidValue"
        );
        assert_eq!(
            parse("cycling", "8.67,49.41;8.69,49.42", &[])
                .unwrap_err()
                .code,
            "InvalidOptions"
        );
        assert_eq!(
            parse("driving", "8.67,49.41;8.69,49.42", &q("bogus", "1"))
                .unwrap_err()
                .code,
            "InvalidOptions"
        );
        let many = vec!["8.6,49.4"; MAX_COORDINATES + 1].join(";");
        assert_eq!(parse("driving", &many, &[]).unwrap_err().code, "TooBig");
    }
}
