//! Putting a point on the road network.

use crate::{HazardLayer, RouteError, RouteOptions, Router};
use corridor_geo::{haversine_m, LatLon};
use corridor_graph::{Dir, Near, Profile, RoadGraph, INFINITY};
use corridor_hazards::Effect;

/// Which end of a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// Where the trip starts.
    Origin,
    /// Where it ends.
    Destination,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Endpoint::Origin => "origin",
            Endpoint::Destination => "destination",
        })
    }
}

/// A point put on a road.
#[derive(Clone, Debug, PartialEq)]
pub struct Snap {
    /// The point given.
    pub input: LatLon,
    /// The closest point on the road.
    pub point: LatLon,
    /// Distance between the two, in metres.
    pub distance_m: f64,
    /// The edge.
    pub edge: u32,
    /// Position along the edge as a share of its length, 0 at the tail.
    pub frac: f64,
}

/// A component counts as "the network" (not an island such as a car park)
/// when it has at least this many nodes, or is the largest one.
const MAIN_COMPONENT_NODES: u32 = 500;

/// Size of the weakly connected component of each node, over the edges a
/// profile may use.
pub(crate) fn component_sizes(g: &RoadGraph, profile: Profile) -> Vec<u32> {
    let n = g.num_nodes();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn find(p: &mut [u32], mut x: u32) -> u32 {
        while p[x as usize] != x {
            p[x as usize] = p[p[x as usize] as usize];
            x = p[x as usize];
        }
        x
    }
    for e in 0..g.num_edges() as u32 {
        if g.usable(profile, e) {
            let (a, b) = (
                find(&mut parent, g.edge_tail[e as usize]),
                find(&mut parent, g.edge_head[e as usize]),
            );
            if a != b {
                parent[a as usize] = b;
            }
        }
    }
    let mut size = vec![0u32; n];
    for v in 0..n as u32 {
        let r = find(&mut parent, v);
        size[r as usize] += 1;
    }
    (0..n as u32)
        .map(|v| size[find(&mut parent, v) as usize])
        .collect()
}

/// What snapping asks of each edge, one byte per edge so that a candidate
/// costs one memory read: bit `2p` is set when profile `p` may use it, bit
/// `2p + 1` when it is on profile `p`'s main network (a component of at
/// least [`MAIN_COMPONENT_NODES`] nodes, or the largest).
pub(crate) fn snap_classes(g: &RoadGraph) -> Vec<u8> {
    let mut class = vec![0u8; g.num_edges()];
    for p in Profile::ALL {
        let sizes = component_sizes(g, p);
        let largest = sizes.iter().copied().max().unwrap_or(0);
        for (e, c) in class.iter_mut().enumerate() {
            if g.usable(p, e as u32) {
                *c |= usable_bit(p);
                if sizes[g.edge_tail[e] as usize] >= MAIN_COMPONENT_NODES.min(largest) {
                    *c |= main_bit(p);
                }
            }
        }
    }
    class
}

fn usable_bit(p: Profile) -> u8 {
    1 << (2 * p.index())
}

fn main_bit(p: Profile) -> u8 {
    2 << (2 * p.index())
}

/// Fraction of the edge's length before a point on segment `seg` at `t`.
///
/// The edge's length is the sum of its segments' haversine lengths in shape
/// order ([`corridor_geo::polyline_length_m`], as the importer and the
/// graph builder compute it), so only the segments up to `seg` are
/// measured: the rest of the sum is already `edge_length_m`, bit for bit
/// when the graph was made with the same maths library (a file imported
/// elsewhere may differ in the last digits, which moves the share as much).
pub(crate) fn frac_along(g: &RoadGraph, e: u32, seg: u32, t: f64) -> f64 {
    let total = g.edge_length_m[e as usize];
    if total.is_nan() || total <= 0.0 {
        return 0.0;
    }
    let (a, b) = g.shape_range(e);
    let s = a + seg as usize;
    // At the end of the last segment the sum is the whole edge: `total`
    // itself, so the share is 1 (a point snapped onto a node often is).
    if t == 1.0 && s + 2 == b {
        return 1.0;
    }
    let pt = |i: usize| LatLon::from_e7(g.shape_lat[i], g.shape_lon[i]);
    let mut before = 0.0;
    for i in a..s.min(b.saturating_sub(1)) {
        before += haversine_m(pt(i), pt(i + 1));
    }
    // At a segment's start its length would add nothing.
    if s + 1 < b && t != 0.0 {
        before += haversine_m(pt(s), pt(s + 1)) * t;
    }
    (before / total).clamp(0.0, 1.0)
}

/// How long after departure a destination must stay clear of blocking
/// hazards: people arrive and stay there. Bounded, so that a hazard that
/// starts long after (say one reported for next month) does not close the
/// destination to every corridor today; a day covers any trip on one
/// network and the first hours at the destination.
pub const DESTINATION_CLEAR_MS: i64 = 24 * 3_600_000;

/// Radius of the first snapping circle, in metres (then 60, 240, 960...):
/// most points given lie on or beside a road, and a small circle visits a
/// few R-tree nodes where a 60 m one in a city centre visits dozens. The
/// answer does not depend on it: the nearest open road of the main network
/// within a circle is the nearest one within any larger circle.
const SNAP_FIRST_RADIUS_M: f64 = 15.0;

impl Router {
    /// Snaps `p` to the nearest road that the profile may use and that no
    /// blocking hazard closes, preferring the main network over islands.
    pub fn snap(
        &self,
        layer: &HazardLayer,
        endpoint: Endpoint,
        p: LatLon,
        opts: &RouteOptions,
    ) -> Result<Snap, RouteError> {
        let g = self.graph();
        let profile = opts.profile;
        // When the hazard must not be valid: at departure (plus the margin)
        // for the origin, from departure until a day after for the
        // destination (`DESTINATION_CLEAR_MS`).
        let (from, until) = match endpoint {
            Endpoint::Origin => (
                opts.depart_ms,
                opts.depart_ms.saturating_add(opts.margin_ms),
            ),
            Endpoint::Destination => (
                opts.depart_ms,
                opts.depart_ms.saturating_add(DESTINATION_CLEAR_MS),
            ),
        };
        let set = layer.set();
        let in_hazard = |h: u32, inside: bool| {
            let hz = &set.hazards[h as usize];
            RouteError::InHazard {
                endpoint,
                point: p,
                hazard: hz.id.clone(),
                kind: hz.kind.name(),
                inside,
                from_ms: (hz.validity.from_ms > opts.depart_ms).then_some(hz.validity.from_ms),
            }
        };
        if let Some(&h) = set.containing(p).iter().find(|&&h| {
            let hz = &set.hazards[h as usize];
            hz.effect == Effect::Block && hz.validity.overlaps(from, until)
        }) {
            return Err(in_hazard(h, true));
        }
        let hazards = layer.edges_touched() > 0;
        let blocked = |e: u32| -> Option<u32> {
            if !hazards {
                return None;
            }
            let w = [Dir::Forward, Dir::Backward]
                .into_iter()
                .map(|d| g.time(profile, e, d))
                .filter(|&w| w < INFINITY)
                .max()
                .unwrap_or(0);
            match endpoint {
                Endpoint::Origin => layer.traverse(e, w, opts.depart_ms, opts.margin_ms).err(),
                Endpoint::Destination => layer.blocked_between(e, from, until),
            }
        };
        let (usable, main) = (usable_bit(profile), main_bit(profile));
        // Search in growing circles: the nearest open road of the main
        // network within a circle is the nearest one within the limit, so
        // the common case never looks at the thousands of segments of a
        // whole kilometre of city.
        let mut radius = SNAP_FIRST_RADIUS_M.min(opts.max_snap_m);
        // One pass over the segments in the circle keeps the best of each
        // kind by (distance, edge, segment): exactly the first such hit of
        // the sorted list `SegmentIndex::within` gives, without sorting it,
        // and the same whatever order the index visits segments in. The
        // closest point is computed for the chosen one only.
        let better = |h: &Near, cur: &Option<Near>| {
            cur.as_ref().is_none_or(|c| {
                h.distance_m
                    .total_cmp(&c.distance_m)
                    .then(h.edge.cmp(&c.edge))
                    .then(h.segment.cmp(&c.segment))
                    .is_lt()
            })
        };
        let (nearest, best) = loop {
            let last = radius >= opts.max_snap_m;
            let (mut nearest, mut on_main, mut open) = (None, None, None);
            let usable_edge = |e: u32| self.snap_class[e as usize] & usable != 0;
            self.index().for_each_within(p, radius, usable_edge, |h| {
                let class = self.snap_class[h.edge as usize];
                if better(h, &nearest) {
                    nearest = Some(*h);
                }
                if better(h, &on_main) && class & main != 0 && blocked(h.edge).is_none() {
                    on_main = Some(*h);
                }
                // Any open road, main network or not, counts only in the
                // last circle.
                if last && better(h, &open) && blocked(h.edge).is_none() {
                    open = Some(*h);
                }
            });
            if on_main.is_some() || last {
                break (nearest, on_main.or(open));
            }
            radius = (radius * 4.0).min(opts.max_snap_m);
        };
        let Some(nearest) = nearest else {
            return Err(RouteError::OffMap {
                endpoint,
                point: p,
                profile: profile.name(),
                max_snap_m: opts.max_snap_m,
                nearest_m: self.nearest_usable_m(p, profile),
            });
        };
        let Some(best) = best.map(|h| h.hit()) else {
            return Err(in_hazard(blocked(nearest.edge).unwrap_or(0), false));
        };
        Ok(Snap {
            input: p,
            point: best.point,
            distance_m: best.distance_m,
            edge: best.edge,
            frac: frac_along(g, best.edge, best.segment, best.t),
        })
    }

    /// Whether edge `e` lies on `profile`'s main network.
    pub(crate) fn on_main(&self, profile: Profile, e: u32) -> bool {
        self.snap_class
            .get(e as usize)
            .is_some_and(|c| c & main_bit(profile) != 0)
    }

    /// Distance to the nearest road of `profile`'s main network, as
    /// [`Router::nearest_usable_m`] finds any road.
    pub(crate) fn nearest_main_m(&self, p: LatLon, profile: Profile) -> Option<f64> {
        self.nearest_m(p, |e| self.on_main(profile, e))
    }

    /// Distance to the nearest road the profile may use, searching up to 50 km
    /// in circles doubling from 2 km, keeping the least distance without
    /// collecting or sorting the segments (a point 20 km off the map, on
    /// a public endpoint, had every segment within 50 km gathered and
    /// sorted for this one number: 15 ms a request).
    fn nearest_usable_m(&self, p: LatLon, profile: Profile) -> Option<f64> {
        let g = self.graph();
        self.nearest_m(p, |e| g.usable(profile, e))
    }

    /// Distance to the nearest edge `keep` takes, within 50 km.
    fn nearest_m(&self, p: LatLon, keep: impl Fn(u32) -> bool + Copy) -> Option<f64> {
        let mut r: f64 = 2_000.0;
        loop {
            let mut best: Option<f64> = None;
            self.index().for_each_within(p, r, keep, |n| {
                if best.is_none_or(|b| n.distance_m < b) {
                    best = Some(n.distance_m);
                }
            });
            if best.is_some() || r >= 50_000.0 {
                return best;
            }
            r = (r * 2.0).min(50_000.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::graph;
    use proptest::prelude::*;

    /// The definition `frac_along` had before it read the total from the
    /// graph: every segment measured, in shape order.
    fn measured_whole(g: &RoadGraph, e: u32, seg: u32, t: f64) -> f64 {
        let (a, b) = g.shape_range(e);
        let pt = |i: usize| LatLon::from_e7(g.shape_lat[i], g.shape_lon[i]);
        let s = a + seg as usize;
        let (mut before, mut total) = (0.0, 0.0);
        for i in a..b.saturating_sub(1) {
            let d = haversine_m(pt(i), pt(i + 1));
            if i < s {
                before += d;
            } else if i == s {
                before += d * t;
            }
            total += d;
        }
        if total <= 0.0 {
            return 0.0;
        }
        (before / total).clamp(0.0, 1.0)
    }

    proptest! {
        /// Bit for bit the share measured over the whole shape, on shapes
        /// with repeated points, a zero-length edge and any segment.
        #[test]
        fn frac_along_equals_the_share_measured_over_the_whole_shape(
            shapes in proptest::collection::vec(
                proptest::collection::vec((-900_000_000i32..900_000_000, -1_800_000_000i32..1_800_000_000), 2..7), 1..4),
            near in proptest::collection::vec((0i32..3, 0i32..3), 2..7),
            still in 2usize..5,
            e in 0usize..5,
            seg in 0u32..8,
            t in prop_oneof![Just(0.0), Just(1.0), 0.0f64..=1.0],
        ) {
            // Far-apart points, points a few e7 units apart (often the same
            // point twice in a row), and an edge of one point repeated.
            let mut shapes = shapes;
            shapes.push(near.iter().map(|&(a, b)| (600_000_000 + a, 300_000_000 + b)).collect());
            shapes.push(vec![(100, 200); still]);
            let g = graph(&shapes);
            let e = (e % shapes.len()) as u32;
            let got = frac_along(&g, e, seg, t);
            let want = measured_whole(&g, e, seg, t);
            prop_assert_eq!(got.to_bits(), want.to_bits(), "edge {} segment {} t {}", e, seg, t);
        }
    }
}
