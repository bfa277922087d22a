//! Mapping a hazard onto the road edges by whole R-tree nodes.
//!
//! The plain way (kept as [`HazardSet::edge_hits_reference`]) asks the
//! segment R-tree for every segment whose box meets the hazard's box and
//! tests each one exactly ([`segment_meets_part`]). For a large area that is
//! tens of thousands of exact tests, almost all of them answered "inside".
//!
//! Here the tree is walked from the root ([`SegmentIndex::visit`]). For each
//! node the part's boundary edges (ring edges of a polygon, holes included;
//! edges of a line) that could come near the node's box are kept, filtered
//! from the parent's list:
//! * no boundary edge near and the box's centre inside the polygon: the
//!   whole box lies inside, so every segment under it has both ends inside
//!   and is taken without a test;
//! * no boundary edge near and the centre outside (or a line): no segment
//!   under it can be inside, cross the boundary or come within the buffer,
//!   so the node is skipped;
//! * otherwise the children are looked at, and segments under such a node
//!   are tested exactly, the way the reference does.
//!
//! "Near" is decided conservatively: the box is widened by the buffer's
//! degree margins at its highest latitude (the margins the exact test itself
//! uses for its cheap box test, and never smaller) plus [`EPS_DEG`], and for
//! a polygon without a buffer an edge must meet that box, otherwise its own
//! bounding box must. A box with no edge near is at least `EPS_DEG` away
//! from the boundary, so the even-odd test gives every point in it the same
//! answer as its centre: the result is exactly the reference's edge set (the
//! property tests hold the two together).
//!
//! A segment under a node that is looked into is tested against the
//! boundary edges near that node only (any edge that could cross it or come
//! within the buffer is among them), and containment goes through each
//! ring's grid ([`RingIndex`], `point_in_ring` bit for bit). So a polygon of
//! 10,000 vertices costs each segment near its boundary a few dozen edge
//! tests, not 30,000: a comb of 2,499 teeth over 5 km of Heidelberg maps in
//! about 45 ms instead of 830 (`corridor-bench comb`, BENCHMARKS.md).

use crate::{
    meets_boundary, part_bbox, ring_edges, segment_meets_part, EdgeHit, Hazard, HazardSet, Part,
};
use corridor_geo::{degree_margins, LatLon, RingIndex};
use corridor_graph::{BoxVisitor, RoadGraph, SegmentIndex, Verdict};

/// Extra width, in degrees, of a node's box when deciding whether a boundary
/// edge comes near it (about 0.1 mm): keeps the whole-node decisions clear
/// of floating-point rounding at the boundary.
pub const EPS_DEG: f64 = 1e-9;

type Pt = (f64, f64);

impl HazardSet {
    /// Every (edge, hazard) pair where the edge's shape comes within the
    /// hazard's buffer, sorted by edge then hazard. Whole R-tree nodes are
    /// taken or skipped against each part's geometry, and only segments near
    /// a boundary are tested exactly (module `mapping`); the result equals
    /// [`edge_hits_reference`](Self::edge_hits_reference).
    pub fn edge_hits(&self, g: &RoadGraph, index: &SegmentIndex) -> Vec<EdgeHit> {
        let mut hits = self.edge_hits_by_hazard(g, index);
        hits.sort_unstable();
        hits
    }

    /// The pairs of [`edge_hits`](Self::edge_hits), sorted by hazard then
    /// edge (what building a layer needs, without a sort of all pairs).
    pub fn edge_hits_by_hazard(&self, g: &RoadGraph, index: &SegmentIndex) -> Vec<EdgeHit> {
        let mut marks = Marks::new(g.num_edges());
        let mut out = Vec::new();
        for (h, hz) in self.hazards.iter().enumerate() {
            for part in &hz.parts {
                map_part(g, index, hz, part, &mut marks);
            }
            marks.drain(|edge| {
                out.push(EdgeHit {
                    edge,
                    hazard: h as u32,
                })
            });
        }
        out
    }

    /// The plain mapping, one exact test per segment the R-tree finds in
    /// each part's box: the reference [`edge_hits`](Self::edge_hits) is held
    /// to. Sorted by edge then hazard.
    pub fn edge_hits_reference(&self, g: &RoadGraph, index: &SegmentIndex) -> Vec<EdgeHit> {
        let mut hits = Vec::new();
        for (h, hz) in self.hazards.iter().enumerate() {
            for part in &hz.parts {
                let (lo, hi) = query_box(part, hz.buffer_m);
                for (edge, seg) in index.edges_in_box(lo, hi) {
                    let (p, q) = segment(g, edge, seg);
                    if segment_meets_part(p, q, part, hz.buffer_m) {
                        hits.push(EdgeHit {
                            edge,
                            hazard: h as u32,
                        });
                    }
                }
            }
        }
        hits.sort_unstable();
        hits.dedup();
        hits
    }
}

/// The box of a part widened by its buffer: where the reference looks.
pub(crate) fn query_box(part: &Part, buffer_m: f64) -> (LatLon, LatLon) {
    let (min, max) = part_bbox(part);
    let mid_lat = (min.lat + max.lat) / 2.0;
    let (dlat, dlon) = degree_margins(
        mid_lat.abs().max(min.lat.abs()).max(max.lat.abs()),
        buffer_m,
    );
    (
        LatLon::new(min.lat - dlat, min.lon - dlon),
        LatLon::new(max.lat + dlat, max.lon + dlon),
    )
}

fn segment(g: &RoadGraph, edge: u32, seg: u32) -> (LatLon, LatLon) {
    let (a, _) = g.shape_range(edge);
    let i = a + seg as usize;
    (
        LatLon::from_e7(g.shape_lat[i], g.shape_lon[i]),
        LatLon::from_e7(g.shape_lat[i + 1], g.shape_lon[i + 1]),
    )
}

/// A set of edges as a bitset, emptied in ascending order.
struct Marks {
    words: Vec<u64>,
    lo: usize,
    hi: usize,
}

impl Marks {
    fn new(edges: usize) -> Marks {
        Marks {
            words: vec![0; edges.div_ceil(64)],
            lo: usize::MAX,
            hi: 0,
        }
    }

    fn set(&mut self, e: u32) {
        let w = e as usize / 64;
        self.words[w] |= 1 << (e % 64);
        self.lo = self.lo.min(w);
        self.hi = self.hi.max(w + 1);
    }

    fn drain(&mut self, mut f: impl FnMut(u32)) {
        for w in self.lo..self.hi {
            let mut bits = std::mem::take(&mut self.words[w]);
            while bits != 0 {
                f((w * 64) as u32 + bits.trailing_zeros());
                bits &= bits - 1;
            }
        }
        self.lo = usize::MAX;
        self.hi = 0;
    }
}

fn map_part(g: &RoadGraph, index: &SegmentIndex, hz: &Hazard, part: &Part, marks: &mut Marks) {
    let (lo, hi) = query_box(part, hz.buffer_m);
    let (edges, kind): (Vec<(Pt, Pt)>, Kind) = match part {
        Part::Polygon(rings) => (
            rings.iter().flat_map(|r| ring_edges(r)).collect(),
            Kind::Polygon,
        ),
        Part::Line(l) if l.len() >= 2 => (l.windows(2).map(|w| (w[0], w[1])).collect(), Kind::Line),
        // A point (or a one-point line) is tested by distance alone, without
        // the box test the rest relies on: only the reference's box prunes.
        Part::Line(_) | Part::Point(_) => (Vec::new(), Kind::Point),
    };
    let rings = match part {
        Part::Polygon(rings) => rings.iter().map(|r| RingIndex::new(r)).collect(),
        _ => Vec::new(),
    };
    let mut walk = Walk {
        g,
        part,
        rings,
        buffer_m: hz.buffer_m,
        query: ([lo.lon, lo.lat], [hi.lon, hi.lat]),
        kind,
        edges,
        lists: vec![Vec::new()],
        depth: 0,
        marks,
    };
    walk.lists[0] = (0..walk.edges.len() as u32).collect();
    index.visit(&mut walk);
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Polygon,
    Line,
    Point,
}

struct Walk<'a> {
    g: &'a RoadGraph,
    part: &'a Part,
    /// A polygon's rings, outer first, prepared for containment tests.
    rings: Vec<RingIndex<'a>>,
    buffer_m: f64,
    /// The reference's search box, `[lon, lat]`.
    query: ([f64; 2], [f64; 2]),
    kind: Kind,
    /// The part's boundary edges.
    edges: Vec<(Pt, Pt)>,
    /// Per depth of the walk, the boundary edges near the node entered.
    lists: Vec<Vec<u32>>,
    depth: usize,
    marks: &'a mut Marks,
}

/// Bounds on the distance the exact test ([`segment_meets_part`] of a
/// point) measures from the point `x` to any segment lying in the box
/// `min`–`max` (`[lon, lat]`): at least `.0`, and at most `.1` (the
/// distance to the segment's first end bounds that to the segment). The
/// exact test measures in the tangent
/// plane at the segment's first end `p`: `x` lies `(Δlon · ky · cos p.lat,
/// Δlat · ky)` from it. Over the box, Δlon, Δlat and the cosine are each
/// bounded below and above, which bounds that distance, and the segment's
/// other points, also in the box, are at least the lower bound away. A box
/// across the antimeridian, or with the point's longitude more than 180°
/// away, gets no bounds (0, ∞): it is looked into.
fn circle_bounds(x: Pt, min: [f64; 2], max: [f64; 2]) -> (f64, f64) {
    let ky = corridor_geo::EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
    let span = |v: f64, lo: f64, hi: f64| -> (f64, f64) {
        let near = if v < lo {
            lo - v
        } else if v > hi {
            v - hi
        } else {
            0.0
        };
        (near, (v - lo).abs().max((hi - v).abs()))
    };
    let (lon_near, lon_far) = span(x.0, min[0], max[0]);
    let (lat_near, lat_far) = span(x.1, min[1], max[1]);
    if lon_far > 180.0 {
        return (0.0, f64::INFINITY);
    }
    // The cosine over the box's latitudes (as the frame takes it, never
    // below 1e-6): largest nearest the equator, smallest farthest.
    let (a, b) = (min[1].abs(), max[1].abs());
    let lowest = if min[1] <= 0.0 && max[1] >= 0.0 {
        0.0
    } else {
        a.min(b)
    };
    let cos_hi = lowest.to_radians().cos().max(1e-6);
    let cos_lo = a.max(b).to_radians().cos().max(1e-6);
    let near = (lon_near * ky * cos_lo).hypot(lat_near * ky);
    let far = (lon_far * ky * cos_hi).hypot(lat_far * ky);
    (near, far)
}

fn boxes_meet(a: ([f64; 2], [f64; 2]), b: ([f64; 2], [f64; 2])) -> bool {
    a.0[0] <= b.1[0] && a.1[0] >= b.0[0] && a.0[1] <= b.1[1] && a.1[1] >= b.0[1]
}

/// Whether segment `a`-`b` may meet the box (a false "yes" is harmless; a
/// "no" is sure up to the caller's margin).
fn segment_meets_box(a: Pt, b: Pt, min: [f64; 2], max: [f64; 2]) -> bool {
    if a.0.max(b.0) < min[0]
        || a.0.min(b.0) > max[0]
        || a.1.max(b.1) < min[1]
        || a.1.min(b.1) > max[1]
    {
        return false;
    }
    // All four corners strictly on one side of the line: no meeting.
    let side = |c: Pt| (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0);
    let s = [
        side((min[0], min[1])),
        side((max[0], min[1])),
        side((max[0], max[1])),
        side((min[0], max[1])),
    ];
    !(s.iter().all(|&x| x > 0.0) || s.iter().all(|&x| x < 0.0))
}

impl Walk<'_> {
    /// Whether `p` is inside the polygon, holes left out: the exact test's
    /// answer ([`RingIndex::contains`] is `point_in_ring` bit for bit).
    fn inside(&self, p: Pt) -> bool {
        self.rings.first().is_some_and(|outer| outer.contains(p))
            && !self.rings[1..].iter().any(|hole| hole.contains(p))
    }
}

impl BoxVisitor for Walk<'_> {
    fn enter(&mut self, min: [f64; 2], max: [f64; 2]) -> Verdict {
        if !boxes_meet((min, max), self.query) {
            return Verdict::Skip;
        }
        if self.kind == Kind::Point {
            // A circle: a node wholly within it is taken, one wholly
            // beyond it skipped, the rest looked into (`leave` comes back
            // up one level, as for the others).
            let centre = match self.part {
                Part::Point(x) => Some(*x),
                Part::Line(l) => l.first().copied(),
                Part::Polygon(_) => None,
            };
            let Some(x) = centre.filter(|_| self.buffer_m > 0.0) else {
                return Verdict::Skip;
            };
            let (near, far) = circle_bounds(x, min, max);
            if near > self.buffer_m * (1.0 + 1e-9) {
                return Verdict::Skip;
            }
            let inside_query = self.query.0[0] <= min[0]
                && self.query.0[1] <= min[1]
                && max[0] <= self.query.1[0]
                && max[1] <= self.query.1[1];
            if inside_query && far < self.buffer_m * (1.0 - 1e-9) {
                return Verdict::TakeAll;
            }
            self.depth += 1;
            return Verdict::Descend;
        }
        let (dlat, dlon) = if self.buffer_m > 0.0 {
            degree_margins(min[1].abs().max(max[1].abs()), self.buffer_m)
        } else {
            (0.0, 0.0)
        };
        let lo = [min[0] - dlon - EPS_DEG, min[1] - dlat - EPS_DEG];
        let hi = [max[0] + dlon + EPS_DEG, max[1] + dlat + EPS_DEG];
        let d = self.depth;
        if self.lists.len() <= d + 1 {
            self.lists.push(Vec::new());
        }
        let (upper, lower) = self.lists.split_at_mut(d + 1);
        let (parent, near) = (&upper[d], &mut lower[0]);
        near.clear();
        let exact = self.kind == Kind::Polygon && self.buffer_m <= 0.0;
        for &i in parent {
            let (a, b) = self.edges[i as usize];
            let meets = if exact {
                segment_meets_box(a, b, lo, hi)
            } else {
                let bmin = [a.0.min(b.0), a.1.min(b.1)];
                let bmax = [a.0.max(b.0), a.1.max(b.1)];
                boxes_meet((bmin, bmax), (lo, hi))
            };
            if meets {
                near.push(i);
            }
        }
        if near.is_empty() {
            let centre = ((min[0] + max[0]) / 2.0, (min[1] + max[1]) / 2.0);
            return if self.kind == Kind::Polygon && self.inside(centre) {
                Verdict::TakeAll
            } else {
                Verdict::Skip
            };
        }
        self.depth += 1;
        Verdict::Descend
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn take(&mut self, edge: u32, _segment: u32) {
        self.marks.set(edge);
    }

    fn test(&mut self, edge: u32, seg: u32, min: [f64; 2], max: [f64; 2]) {
        if !boxes_meet((min, max), self.query) {
            return;
        }
        let (p, q) = segment(self.g, edge, seg);
        let meets = match self.kind {
            Kind::Point => segment_meets_part(p, q, self.part, self.buffer_m),
            // The exact test against the boundary edges near the node the
            // segment lies under: any edge that could cross it or come
            // within the buffer is one of them (module docs), so the answer
            // is the plain test's, without looking at the rest of a ring
            // of thousands.
            Kind::Polygon | Kind::Line => {
                let near = self.lists[self.depth]
                    .iter()
                    .map(|&i| self.edges[i as usize]);
                let inside = |x: Pt| self.inside(x);
                let polygon = self.kind == Kind::Polygon;
                meets_boundary(p, q, self.buffer_m, polygon.then_some(&inside as _), near)
            }
        };
        if meets {
            self.marks.set(edge);
        }
    }
}
