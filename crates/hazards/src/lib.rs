//! Hazards: shelling zones, mined roads, destroyed bridges, closed
//! checkpoints, front lines.
//!
//! A hazard is a geometry (polygon, line or point, with a buffer in metres), a
//! validity interval, an effect on travel ([`Effect::Block`] or
//! [`Effect::Slow`]) and a source. This crate
//! * parses and validates hazard files (a GeoJSON FeatureCollection, see
//!   [`parse_geojson`]), refusing bad features with their index and reason;
//! * finds which road edges each hazard touches ([`HazardSet::edge_hits`]):
//!   an edge is touched when any part of its shape comes within the hazard's
//!   buffer, measured in metres in a local tangent plane at the road, so the
//!   test is right at any latitude.
//!
//! *When* a hazard matters for a trip is the router's rule (see
//! `corridor-routing`); this crate only gives each hazard its [`Validity`].
//! No IO: callers pass the file's text.
#![deny(missing_docs)]

mod mapping;
mod parse;
pub mod write;

pub use mapping::EPS_DEG;

pub use parse::{
    parse_geojson, FeatureError, HazardFileError, MAX_BUFFER_M, MAX_FEATURES, MAX_FEATURE_VERTICES,
    MAX_FILE_VERTICES,
};

use corridor_geo::{
    degree_margins, point_in_ring, point_segment_distance, segment_segment_distance,
    segments_intersect, LatLon, LocalFrame,
};

/// What kind of danger a hazard is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HazardKind {
    /// Artillery or rocket fire on an area.
    Shelling,
    /// Mines on or beside a road.
    Mines,
    /// A bridge that is down.
    BridgeDestroyed,
    /// A checkpoint that lets nobody through.
    CheckpointClosed,
    /// The line of contact.
    FrontLine,
    /// Anything else.
    Other,
}

impl HazardKind {
    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            HazardKind::Shelling => "shelling",
            HazardKind::Mines => "mines",
            HazardKind::BridgeDestroyed => "bridge_destroyed",
            HazardKind::CheckpointClosed => "checkpoint_closed",
            HazardKind::FrontLine => "front_line",
            HazardKind::Other => "other",
        }
    }

    /// Parses a name used in files.
    pub fn parse(s: &str) -> Option<HazardKind> {
        Some(match s {
            "shelling" => HazardKind::Shelling,
            "mines" => HazardKind::Mines,
            "bridge_destroyed" => HazardKind::BridgeDestroyed,
            "checkpoint_closed" => HazardKind::CheckpointClosed,
            "front_line" => HazardKind::FrontLine,
            "other" => HazardKind::Other,
            _ => return None,
        })
    }
}

/// What a hazard does to the roads it touches.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Effect {
    /// Nobody may pass.
    Block,
    /// Travel takes this many times longer (always > 1).
    Slow(f64),
}

/// Half-open validity interval `[from, until)` in milliseconds since the Unix
/// epoch; an open end is `i64::MIN` or `i64::MAX`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    /// First instant at which the hazard is valid.
    pub from_ms: i64,
    /// First instant at which it is no longer valid.
    pub until_ms: i64,
}

impl Validity {
    /// Valid at all times.
    pub const ALWAYS: Validity = Validity {
        from_ms: i64::MIN,
        until_ms: i64::MAX,
    };

    /// Whether the hazard is valid at any instant of the closed interval
    /// `[a, b]` (milliseconds since the epoch).
    pub fn overlaps(&self, a: i64, b: i64) -> bool {
        self.from_ms <= b && a < self.until_ms
    }
}

/// One planar geometry part of a hazard, in (lon, lat) degrees.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    /// A polygon: outer ring then holes, each closed or not.
    Polygon(Vec<Vec<(f64, f64)>>),
    /// A polyline.
    Line(Vec<(f64, f64)>),
    /// A single point.
    Point((f64, f64)),
}

/// One hazard.
#[derive(Clone, Debug, PartialEq)]
pub struct Hazard {
    /// Identifier from the file (unique within a set).
    pub id: String,
    /// Kind of danger.
    pub kind: HazardKind,
    /// Geometry parts (a MultiPolygon has several).
    pub parts: Vec<Part>,
    /// Buffer in metres around the geometry (0 allowed for polygons).
    pub buffer_m: f64,
    /// When it is valid.
    pub validity: Validity,
    /// Its effect on travel.
    pub effect: Effect,
    /// Who reported it.
    pub source: String,
}

/// A hazard touching an edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct EdgeHit {
    /// The edge.
    pub edge: u32,
    /// Index of the hazard in its [`HazardSet`].
    pub hazard: u32,
}

/// A validated list of hazards.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HazardSet {
    /// The hazards, in file order.
    pub hazards: Vec<Hazard>,
}

impl HazardSet {
    /// Number of hazards.
    pub fn len(&self) -> usize {
        self.hazards.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.hazards.is_empty()
    }

    /// Hazards whose buffered geometry contains the point `p`, as the
    /// mapping sees them: a part whose box, widened by the buffer (the box
    /// [`edge_hits_reference`](Self::edge_hits_reference) searches), does
    /// not hold `p` is passed over without looking at its edges. (The
    /// box's longitude margin is taken at the box's own latitudes, so a
    /// point buffer of tens of kilometres near a pole reaches a little less
    /// far east and west than the exact distance would.)
    pub fn containing(&self, p: LatLon) -> Vec<u32> {
        (0..self.hazards.len() as u32)
            .filter(|&h| {
                let hz = &self.hazards[h as usize];
                hz.parts.iter().any(|part| {
                    let (lo, hi) = mapping::query_box(part, hz.buffer_m);
                    (lo.lat..=hi.lat).contains(&p.lat)
                        && (lo.lon..=hi.lon).contains(&p.lon)
                        && segment_meets_part(p, p, part, hz.buffer_m)
                })
            })
            .collect()
    }
}

impl Part {
    /// A square polygon of `side_m` metres centred on `c` (sides along
    /// meridians and parallels), as used for test and benchmark hazards.
    pub fn square(c: LatLon, side_m: f64) -> Part {
        let dlat = side_m / 2.0 / 111_195.0;
        let dlon = dlat / c.lat.to_radians().cos().max(1e-6);
        Part::Polygon(vec![vec![
            (c.lon - dlon, c.lat - dlat),
            (c.lon + dlon, c.lat - dlat),
            (c.lon + dlon, c.lat + dlat),
            (c.lon - dlon, c.lat + dlat),
            (c.lon - dlon, c.lat - dlat),
        ]])
    }
}

fn part_bbox(part: &Part) -> (LatLon, LatLon) {
    let pts: &[(f64, f64)] = match part {
        Part::Polygon(rings) => rings.first().map_or(&[], |r| r.as_slice()),
        Part::Line(l) => l,
        Part::Point(p) => std::slice::from_ref(p),
    };
    let mut min = LatLon::new(f64::INFINITY, f64::INFINITY);
    let mut max = LatLon::new(f64::NEG_INFINITY, f64::NEG_INFINITY);
    for &(lon, lat) in pts {
        min.lat = min.lat.min(lat);
        min.lon = min.lon.min(lon);
        max.lat = max.lat.max(lat);
        max.lon = max.lon.max(lon);
    }
    (min, max)
}

/// Whether the road segment `p`-`q` comes within `buffer_m` of `part`
/// (touching or inside counts as distance 0).
pub fn segment_meets_part(p: LatLon, q: LatLon, part: &Part, buffer_m: f64) -> bool {
    match part {
        Part::Polygon(rings) => {
            let inside = |x: (f64, f64)| {
                rings.first().is_some_and(|outer| point_in_ring(x, outer))
                    && !rings[1..].iter().any(|hole| point_in_ring(x, hole))
            };
            meets_boundary(
                p,
                q,
                buffer_m,
                Some(&inside),
                rings.iter().flat_map(|r| ring_edges(r)),
            )
        }
        Part::Line(l) if l.len() >= 2 => {
            meets_boundary(p, q, buffer_m, None, l.windows(2).map(|w| (w[0], w[1])))
        }
        Part::Line(l) => l.first().is_some_and(|&x| point_meets(p, q, x, buffer_m)),
        Part::Point(x) => point_meets(p, q, *x, buffer_m),
    }
}

/// Whether the segment `p`-`q` comes within `buffer_m` of the point `x`.
fn point_meets(p: LatLon, q: LatLon, x: (f64, f64), buffer_m: f64) -> bool {
    if buffer_m <= 0.0 {
        return false;
    }
    let frame = LocalFrame::new(p);
    let x = frame.project(LatLon::new(x.1, x.0));
    point_segment_distance(x, frame.project(p), frame.project(q)).0 <= buffer_m
}

/// [`segment_meets_part`] for a polygon (`inside` its containment test) or
/// a line (`inside` `None`) whose boundary edges are `edges`. The edges may
/// be any subset that holds every edge within reach of the segment (the
/// mapping passes those near an R-tree node's box): each edge is tested on
/// its own, so the answer is the same.
pub(crate) fn meets_boundary<I>(
    p: LatLon,
    q: LatLon,
    buffer_m: f64,
    inside: Option<&dyn Fn((f64, f64)) -> bool>,
    edges: I,
) -> bool
where
    I: Iterator<Item = ((f64, f64), (f64, f64))> + Clone,
{
    let (pp, qq) = ((p.lon, p.lat), (q.lon, q.lat));
    // Containment and crossing in lon/lat, where GeoJSON edges are straight.
    if let Some(inside) = inside {
        if inside(pp) || inside(qq) {
            return true;
        }
        if edges.clone().any(|(a, b)| segments_intersect(pp, qq, a, b)) {
            return true;
        }
    }
    if buffer_m <= 0.0 {
        return false;
    }
    // Distance in a tangent plane at the road segment.
    let frame = LocalFrame::new(p);
    let (a, b) = (frame.project(p), frame.project(q));
    let proj = |(lon, lat): (f64, f64)| frame.project(LatLon::new(lat, lon));
    let (dlat, dlon) = degree_margins(p.lat.abs().max(q.lat.abs()), buffer_m);
    let near = |x: (f64, f64), y: (f64, f64)| {
        // Cheap box test before the exact one.
        x.0.max(y.0) >= pp.0.min(qq.0) - dlon
            && x.0.min(y.0) <= pp.0.max(qq.0) + dlon
            && x.1.max(y.1) >= pp.1.min(qq.1) - dlat
            && x.1.min(y.1) <= pp.1.max(qq.1) + dlat
    };
    let mut edges = edges;
    edges.any(|(x, y)| near(x, y) && segment_segment_distance(a, b, proj(x), proj(y)) <= buffer_m)
}

fn ring_edges(ring: &[(f64, f64)]) -> impl Iterator<Item = ((f64, f64), (f64, f64))> + Clone + '_ {
    let n = ring.len();
    (0..n).map(move |i| (ring[i], ring[(i + 1) % n]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(lat: f64, lon: f64, d: f64) -> Part {
        Part::Polygon(vec![vec![
            (lon - d, lat - d),
            (lon + d, lat - d),
            (lon + d, lat + d),
            (lon - d, lat + d),
            (lon - d, lat - d),
        ]])
    }

    #[test]
    fn polygon_containment_and_crossing() {
        let sq = square(49.0, 8.0, 0.01);
        // Inside.
        assert!(segment_meets_part(
            LatLon::new(49.0, 8.0),
            LatLon::new(49.001, 8.0),
            &sq,
            0.0
        ));
        // Crossing straight through without an endpoint inside.
        assert!(segment_meets_part(
            LatLon::new(48.9, 8.0),
            LatLon::new(49.1, 8.0),
            &sq,
            0.0
        ));
        // Outside, 0.02 deg of longitude away (~1.46 km at 49N).
        let (p, q) = (LatLon::new(49.0, 8.03), LatLon::new(49.001, 8.03));
        assert!(!segment_meets_part(p, q, &sq, 1400.0));
        assert!(segment_meets_part(p, q, &sq, 1500.0));
    }

    #[test]
    fn buffer_in_metres_at_high_latitude() {
        // 0.01 deg of longitude at 69N is about 398 m.
        let pt = Part::Point((33.0, 69.0));
        let (p, q) = (LatLon::new(68.99, 33.01), LatLon::new(69.01, 33.01));
        assert!(!segment_meets_part(p, q, &pt, 390.0));
        assert!(segment_meets_part(p, q, &pt, 405.0));
    }

    #[test]
    fn holes_are_outside() {
        let Part::Polygon(mut rings) = square(49.0, 8.0, 0.01) else {
            unreachable!()
        };
        let Part::Polygon(hole) = square(49.0, 8.0, 0.005) else {
            unreachable!()
        };
        rings.push(hole[0].clone());
        let donut = Part::Polygon(rings);
        assert!(!segment_meets_part(
            LatLon::new(49.0, 8.0),
            LatLon::new(49.001, 8.0),
            &donut,
            0.0
        ));
        assert!(segment_meets_part(
            LatLon::new(49.0, 8.0),
            LatLon::new(49.001, 8.0),
            &donut,
            600.0
        ));
    }

    #[test]
    fn validity_overlap() {
        let v = Validity {
            from_ms: 100,
            until_ms: 200,
        };
        assert!(v.overlaps(150, 160));
        assert!(v.overlaps(50, 100));
        assert!(!v.overlaps(50, 99));
        assert!(!v.overlaps(200, 300), "until is exclusive");
        assert!(Validity::ALWAYS.overlaps(i64::MIN, i64::MIN));
    }
}
