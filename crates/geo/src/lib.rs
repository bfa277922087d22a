//! Geodesy for corridor, kept small and exact enough for road routing.
//!
//! Everything here works on WGS 84 longitude/latitude in degrees and answers in
//! metres. Two tools cover every need of the engine:
//!
//! * great-circle distances ([`haversine_m`]) for lengths of road edges, and
//! * a *local tangent plane* ([`LocalFrame`]) for "how close does this road come
//!   to that hazard" questions. The plane is centred on the place being tested,
//!   so its scale error is below 0.1 % within 50 km of the centre at any
//!   latitude below 85°, which is far finer than any hazard buffer.
//!
//! Containment and crossing tests ([`point_in_ring`], [`segments_intersect`])
//! are done in plain longitude/latitude coordinates, because GeoJSON (RFC 7946)
//! defines lines and polygon rings as straight in that coordinate space.
//!
//! The crate does no IO and has no dependencies.
#![deny(missing_docs)]

mod ring_index;
pub use ring_index::RingIndex;

/// Mean Earth radius in metres (IUGG), used by every distance in corridor.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A WGS 84 position in degrees. `lat` first, as people say it; GeoJSON order
/// (lon, lat) is handled at the edges of the system.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct LatLon {
    /// Latitude in degrees, -90..=90.
    pub lat: f64,
    /// Longitude in degrees, -180..=180.
    pub lon: f64,
}

impl LatLon {
    /// Makes a position without checking it; see [`LatLon::checked`].
    pub const fn new(lat: f64, lon: f64) -> Self {
        LatLon { lat, lon }
    }

    /// Makes a position, refusing NaN, infinities and values out of range.
    pub fn checked(lat: f64, lon: f64) -> Result<Self, CoordError> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(CoordError::Latitude(lat));
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(CoordError::Longitude(lon));
        }
        Ok(LatLon { lat, lon })
    }

    /// Parses `"LAT,LON"` (degrees, optional spaces), checking the range.
    /// The error quotes at most the first 40 characters of the input (a
    /// client's 20,000 were echoed whole in its 400).
    pub fn parse(s: &str) -> Result<Self, CoordError> {
        let syntax = || {
            let mut shown: String = s.chars().take(40).collect();
            if shown.len() < s.len() {
                shown.push('…');
            }
            CoordError::Syntax(shown)
        };
        let (a, b) = s.split_once(',').ok_or_else(syntax)?;
        let lat: f64 = a.trim().parse().map_err(|_| syntax())?;
        let lon: f64 = b.trim().parse().map_err(|_| syntax())?;
        LatLon::checked(lat, lon)
    }

    /// Encodes to OSM's fixed-point form (1e-7 degrees), as stored in graph files.
    pub fn to_e7(self) -> (i32, i32) {
        (
            (self.lat * 1e7).round() as i32,
            (self.lon * 1e7).round() as i32,
        )
    }

    /// Decodes OSM's fixed-point form (1e-7 degrees).
    pub fn from_e7(lat: i32, lon: i32) -> Self {
        LatLon {
            lat: lat as f64 * 1e-7,
            lon: lon as f64 * 1e-7,
        }
    }
}

impl std::fmt::Display for LatLon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.6},{:.6}", self.lat, self.lon)
    }
}

/// Why a coordinate was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum CoordError {
    /// Not of the form `LAT,LON` with two decimal numbers.
    Syntax(String),
    /// Latitude outside -90..=90 or not a number.
    Latitude(f64),
    /// Longitude outside -180..=180 or not a number.
    Longitude(f64),
}

impl std::fmt::Display for CoordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CoordError::Syntax(s) => write!(
                f,
                "`{s}` is not a coordinate: expected LAT,LON in decimal degrees, e.g. 49.4094,8.6942"
            ),
            CoordError::Latitude(v) => {
                write!(f, "latitude {v} is out of range: it must lie in -90..=90")
            }
            CoordError::Longitude(v) => {
                write!(f, "longitude {v} is out of range: it must lie in -180..=180")
            }
        }
    }
}

impl std::error::Error for CoordError {}

/// Great-circle distance in metres (haversine on the mean Earth sphere).
pub fn haversine_m(a: LatLon, b: LatLon) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = p2 - p1;
    let dl = (b.lon - a.lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Length in metres of a polyline.
pub fn polyline_length_m(points: &[LatLon]) -> f64 {
    points.windows(2).map(|w| haversine_m(w[0], w[1])).sum()
}

/// How many degrees of latitude and longitude span `metres` around `lat`.
/// Used to widen bounding boxes before an exact test; generous near the poles.
pub fn degree_margins(lat: f64, metres: f64) -> (f64, f64) {
    margins_at(lat.abs().min(89.0).to_radians().cos(), metres)
}

/// [`degree_margins`] given the cosine of the latitude (taken at 89° beyond).
fn margins_at(cos_lat: f64, metres: f64) -> (f64, f64) {
    let dlat = metres / EARTH_RADIUS_M * (180.0 / std::f64::consts::PI);
    (dlat * 1.01, dlat / cos_lat * 1.01)
}

/// A local tangent plane (equirectangular, centred on `origin`): x east and
/// y north, in metres. Accurate for distances of tens of kilometres at any
/// latitude, because the scale is taken at the place being measured.
#[derive(Clone, Copy, Debug)]
pub struct LocalFrame {
    origin: LatLon,
    kx: f64,
    ky: f64,
}

impl LocalFrame {
    /// A frame centred on `origin`.
    pub fn new(origin: LatLon) -> Self {
        let ky = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        let kx = ky * origin.lat.to_radians().cos().max(1e-6);
        LocalFrame { origin, kx, ky }
    }

    /// [`degree_margins`] at the frame's origin, without computing its
    /// cosine again (equal up to rounding in the last digits).
    pub fn margins(&self, metres: f64) -> (f64, f64) {
        let c = if self.origin.lat.abs() <= 89.0 {
            self.kx / self.ky
        } else {
            89f64.to_radians().cos()
        };
        margins_at(c, metres)
    }

    /// Projects a position to (x, y) metres.
    pub fn project(&self, p: LatLon) -> (f64, f64) {
        let mut dlon = p.lon - self.origin.lon;
        if dlon > 180.0 {
            dlon -= 360.0;
        } else if dlon < -180.0 {
            dlon += 360.0;
        }
        (dlon * self.kx, (p.lat - self.origin.lat) * self.ky)
    }

    /// Back from (x, y) metres to a position.
    pub fn unproject(&self, x: f64, y: f64) -> LatLon {
        LatLon::new(self.origin.lat + y / self.ky, self.origin.lon + x / self.kx)
    }
}

/// Distance from point `p` to segment `a`-`b` in the plane, and the fraction
/// along the segment (0 at `a`, 1 at `b`) of the closest point.
pub fn point_segment_distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (cx, cy) = (a.0 + t * dx, a.1 + t * dy);
    (((p.0 - cx).powi(2) + (p.1 - cy).powi(2)).sqrt(), t)
}

fn orient(a: (f64, f64), b: (f64, f64), c: (f64, f64)) -> f64 {
    (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0)
}

fn on_segment(a: (f64, f64), b: (f64, f64), p: (f64, f64)) -> bool {
    p.0 >= a.0.min(b.0) && p.0 <= a.0.max(b.0) && p.1 >= a.1.min(b.1) && p.1 <= a.1.max(b.1)
}

/// Whether two closed segments in the plane touch or cross.
pub fn segments_intersect(a: (f64, f64), b: (f64, f64), c: (f64, f64), d: (f64, f64)) -> bool {
    let (o1, o2, o3, o4) = (
        orient(a, b, c),
        orient(a, b, d),
        orient(c, d, a),
        orient(c, d, b),
    );
    if ((o1 > 0.0 && o2 < 0.0) || (o1 < 0.0 && o2 > 0.0))
        && ((o3 > 0.0 && o4 < 0.0) || (o3 < 0.0 && o4 > 0.0))
    {
        return true;
    }
    (o1 == 0.0 && on_segment(a, b, c))
        || (o2 == 0.0 && on_segment(a, b, d))
        || (o3 == 0.0 && on_segment(c, d, a))
        || (o4 == 0.0 && on_segment(c, d, b))
}

/// Distance between two segments in the plane (0 when they touch or cross).
pub fn segment_segment_distance(a: (f64, f64), b: (f64, f64), c: (f64, f64), d: (f64, f64)) -> f64 {
    if segments_intersect(a, b, c, d) {
        return 0.0;
    }
    point_segment_distance(a, c, d)
        .0
        .min(point_segment_distance(b, c, d).0)
        .min(point_segment_distance(c, a, b).0)
        .min(point_segment_distance(d, a, b).0)
}

/// Even-odd test of a point against one closed ring (first point may or may
/// not repeat at the end). Points exactly on the boundary may go either way;
/// callers that care also test the distance to the boundary.
pub fn point_in_ring(p: (f64, f64), ring: &[(f64, f64)]) -> bool {
    let n = ring.len();
    if n < 3 {
        return false;
    }
    let mut inside = false;
    let mut j = n - 1;
    for i in 0..n {
        inside ^= crosses_right(p, ring[i], ring[j]);
        j = i;
    }
    inside
}

/// Whether a ray from `p` towards +x crosses the ring edge from `b` to `a`
/// (`a` the later vertex), by the half-open rule of [`point_in_ring`]: the
/// one place that rule is written, so that [`RingIndex`] gives the same
/// answer bit for bit.
#[inline(always)]
fn crosses_right(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> bool {
    let ((xi, yi), (xj, yj)) = (a, b);
    if (yi > p.1) != (yj > p.1) {
        let x = xj + (p.1 - yj) / (yi - yj) * (xi - xj);
        p.0 < x
    } else {
        false
    }
}

/// Signed area of a ring in the plane: positive when counter-clockwise.
pub fn ring_signed_area(ring: &[(f64, f64)]) -> f64 {
    let n = ring.len();
    if n < 3 {
        return 0.0;
    }
    let mut s = 0.0;
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + 1) % n]);
        s += a.0 * b.1 - b.0 * a.1;
    }
    s / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Review: a 20,000-character coordinate was echoed whole in the
    /// error; now its first 40 characters, marked as cut.
    #[test]
    fn a_bad_coordinate_is_quoted_short() {
        let long = "1".repeat(20_000);
        let e = LatLon::parse(&format!("x{long}")).unwrap_err().to_string();
        assert!(e.len() < 200, "{} bytes", e.len());
        assert!(e.contains(&format!("`x{}…`", &long[..39])), "{e}");
        let e = LatLon::parse("49.4,east").unwrap_err().to_string();
        assert!(e.contains("`49.4,east`"), "{e}");
        assert_eq!(LatLon::parse(" 49.4 , 8.6 "), Ok(LatLon::new(49.4, 8.6)));
    }

    #[test]
    fn haversine_known_distance() {
        // Heidelberg Hauptbahnhof to Bismarckplatz is about 1.27 km.
        let d = haversine_m(LatLon::new(49.4037, 8.6756), LatLon::new(49.4094, 8.6932));
        assert!((d - 1_395.0).abs() < 30.0, "{d}");
        // One degree of latitude is about 111.2 km everywhere.
        let d = haversine_m(LatLon::new(60.0, 25.0), LatLon::new(61.0, 25.0));
        assert!((d - 111_195.0).abs() < 5.0, "{d}");
    }

    #[test]
    fn frame_margins_are_degree_margins() {
        for lat in [-89.5, -89.0, -60.0, -1.0, 0.0, 12.5, 49.4, 69.0, 89.0, 89.9] {
            for m in [0.0, 1.0, 15.0, 960.0, 50_000.0] {
                let (a, b) = LocalFrame::new(LatLon::new(lat, 10.0)).margins(m);
                let (c, d) = degree_margins(lat, m);
                let close = |x: f64, y: f64| (x - y).abs() <= 1e-12 * y.abs();
                assert!(close(a, c) && close(b, d), "{lat} {m}: {a} {b} vs {c} {d}");
            }
        }
    }

    #[test]
    fn local_frame_matches_haversine_at_high_latitude() {
        let o = LatLon::new(69.0, 33.0);
        let f = LocalFrame::new(o);
        let p = LatLon::new(69.01, 33.05);
        let (x, y) = f.project(p);
        let planar = (x * x + y * y).sqrt();
        let exact = haversine_m(o, p);
        assert!((planar - exact).abs() / exact < 1e-3, "{planar} vs {exact}");
    }

    #[test]
    fn coordinates_are_validated() {
        assert!(LatLon::parse("49.4,8.7").is_ok());
        assert!(matches!(
            LatLon::parse("91,8"),
            Err(CoordError::Latitude(_))
        ));
        assert!(matches!(
            LatLon::parse("49,181"),
            Err(CoordError::Longitude(_))
        ));
        assert!(matches!(
            LatLon::parse("NaN,8"),
            Err(CoordError::Latitude(_))
        ));
        assert!(matches!(LatLon::parse("49.4"), Err(CoordError::Syntax(_))));
        assert!(matches!(LatLon::parse("a,b"), Err(CoordError::Syntax(_))));
    }

    #[test]
    fn ring_tests() {
        let sq = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)];
        assert!(point_in_ring((0.5, 0.5), &sq));
        assert!(!point_in_ring((1.5, 0.5), &sq));
        assert!(ring_signed_area(&sq) > 0.0);
        assert!(segments_intersect(
            (0.0, 0.0),
            (1.0, 1.0),
            (0.0, 1.0),
            (1.0, 0.0)
        ));
        assert!(!segments_intersect(
            (0.0, 0.0),
            (1.0, 0.0),
            (0.0, 1.0),
            (1.0, 1.0)
        ));
        assert_eq!(
            segment_segment_distance((0.0, 0.0), (1.0, 0.0), (0.0, 2.0), (1.0, 2.0)),
            2.0
        );
    }

    proptest::proptest! {
        #[test]
        fn segment_distance_is_symmetric_and_bounded(
            ax in -100.0..100.0f64, ay in -100.0..100.0f64, bx in -100.0..100.0f64, by in -100.0..100.0f64,
            cx in -100.0..100.0f64, cy in -100.0..100.0f64, dx in -100.0..100.0f64, dy in -100.0..100.0f64,
        ) {
            let d1 = segment_segment_distance((ax, ay), (bx, by), (cx, cy), (dx, dy));
            let d2 = segment_segment_distance((cx, cy), (dx, dy), (ax, ay), (bx, by));
            proptest::prop_assert!((d1 - d2).abs() < 1e-9);
            // Never more than the distance between any two sampled points.
            for i in 0..=10 {
                let t = i as f64 / 10.0;
                let p = (ax + t * (bx - ax), ay + t * (by - ay));
                let (dp, _) = point_segment_distance(p, (cx, cy), (dx, dy));
                proptest::prop_assert!(d1 <= dp + 1e-9);
            }
        }
    }
}
