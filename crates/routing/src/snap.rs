//! Putting a point on the road network.

use crate::{HazardLayer, RouteError, RouteOptions, Router};
use corridor_geo::{haversine_m, LatLon};
use corridor_graph::{Dir, Profile, RoadGraph, INFINITY};
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

/// Fraction of the edge's length before a point on segment `seg` at `t`.
pub(crate) fn frac_along(g: &RoadGraph, e: u32, seg: u32, t: f64) -> f64 {
    let pts: Vec<LatLon> = g.shape(e).collect();
    let total = corridor_geo::polyline_length_m(&pts);
    if total <= 0.0 {
        return 0.0;
    }
    let before: f64 = pts[..=seg as usize]
        .windows(2)
        .map(|w| haversine_m(w[0], w[1]))
        .sum();
    let here = haversine_m(pts[seg as usize], pts[seg as usize + 1]) * t;
    ((before + here) / total).clamp(0.0, 1.0)
}

/// Radius of the first snapping circle, in metres.
const SNAP_FIRST_RADIUS_M: f64 = 60.0;

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
        // for the origin, at any time from departure on for the destination.
        let (from, until) = match endpoint {
            Endpoint::Origin => (
                opts.depart_ms,
                opts.depart_ms.saturating_add(opts.margin_ms),
            ),
            Endpoint::Destination => (opts.depart_ms, i64::MAX),
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
            }
        };
        if let Some(&h) = set.containing(p).iter().find(|&&h| {
            let hz = &set.hazards[h as usize];
            hz.effect == Effect::Block && hz.validity.overlaps(from, until)
        }) {
            return Err(in_hazard(h, true));
        }
        let blocked = |e: u32| -> Option<u32> {
            let w = [Dir::Forward, Dir::Backward]
                .into_iter()
                .map(|d| g.time(profile, e, d))
                .filter(|&w| w < INFINITY)
                .max()
                .unwrap_or(0);
            match endpoint {
                Endpoint::Origin => layer.traverse(e, w, opts.depart_ms, opts.margin_ms).err(),
                Endpoint::Destination => layer.blocked_from(e, opts.depart_ms),
            }
        };
        let sizes = &self.component_size[profile.index()];
        let largest = self.largest_component[profile.index()];
        let main =
            |e: u32| sizes[g.edge_tail[e as usize] as usize] >= MAIN_COMPONENT_NODES.min(largest);
        // Search in growing circles: the nearest open road of the main
        // network within a circle is the nearest one within the limit, so
        // the common case never looks at the thousands of segments of a
        // whole kilometre of city.
        let mut radius = SNAP_FIRST_RADIUS_M.min(opts.max_snap_m);
        let (hits, best) = loop {
            let hits: Vec<_> = self
                .index()
                .within(g, p, radius)
                .into_iter()
                .filter(|h| g.usable(profile, h.edge))
                .collect();
            let found = hits
                .iter()
                .position(|h| main(h.edge) && blocked(h.edge).is_none());
            if found.is_some() || radius >= opts.max_snap_m {
                let best = found.or_else(|| hits.iter().position(|h| blocked(h.edge).is_none()));
                break (hits, best);
            }
            radius = (radius * 4.0).min(opts.max_snap_m);
        };
        if hits.is_empty() {
            return Err(RouteError::OffMap {
                endpoint,
                point: p,
                profile: profile.name(),
                max_snap_m: opts.max_snap_m,
                nearest_m: self.nearest_usable_m(p, profile),
            });
        }
        let Some(best) = best.map(|i| &hits[i]) else {
            return Err(in_hazard(blocked(hits[0].edge).unwrap_or(0), false));
        };
        Ok(Snap {
            input: p,
            point: best.point,
            distance_m: best.distance_m,
            edge: best.edge,
            frac: frac_along(g, best.edge, best.segment, best.t),
        })
    }

    /// Distance to the nearest road the profile may use, searching up to 50 km.
    fn nearest_usable_m(&self, p: LatLon, profile: Profile) -> Option<f64> {
        let g = self.graph();
        let mut r = 2_000.0;
        while r <= 50_000.0 {
            if let Some(h) = self
                .index()
                .within(g, p, r)
                .into_iter()
                .find(|h| g.usable(profile, h.edge))
            {
                return Some(h.distance_m);
            }
            r *= 5.0;
        }
        None
    }
}
