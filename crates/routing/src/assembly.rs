//! The route a search found, assembled leg by leg as the path is walked.
//!
//! A route's legs, line, road stretches, way ids and slowing hazards are all
//! read from the same few per-edge arrays of the graph. On a city graph the
//! edges of a path lie far apart in those arrays, so the cost of assembly is
//! the cache misses, not the arithmetic: [`Assembly::push`] reads each edge's
//! data once, while the path is being unpacked, instead of walking the legs
//! again afterwards.

use crate::search::partial;
use crate::{HazardLayer, Method, RoadStretch, Route, RouteOptions, Snap, Traversal};
use corridor_geo::{haversine_m, LatLon};
use corridor_graph::{Dir, RoadGraph};
use corridor_hazards::Effect;

/// A route being built, one [`Traversal`] at a time, in travel order.
pub(crate) struct Assembly<'a> {
    g: &'a RoadGraph,
    layer: &'a HazardLayer,
    opts: &'a RouteOptions,
    /// Edges whose shape repeats a point, one bit each ([`repeated_points`]).
    repeats: &'a [u64],
    /// Whether any hazard touches any edge (else `slowed_by` stays empty
    /// and the layer is not looked at).
    hazards: bool,
    pub(crate) legs: Vec<Traversal>,
    geometry: Vec<LatLon>,
    roads: Vec<RoadStretch>,
    way_ids: Vec<i64>,
    slowed: Vec<u32>,
    /// Name and ref string ids of the current stretch.
    stretch: (u32, u32),
}

impl<'a> Assembly<'a> {
    /// An empty route, with room for about `legs` legs.
    pub(crate) fn new(
        g: &'a RoadGraph,
        layer: &'a HazardLayer,
        opts: &'a RouteOptions,
        repeats: &'a [u64],
        legs: usize,
    ) -> Self {
        Assembly {
            g,
            layer,
            opts,
            repeats,
            hazards: layer.edges_touched() > 0,
            legs: Vec::with_capacity(legs),
            // Room enough that the stretches and ways never grow (copying
            // what they hold) while the path is walked, a leg adding at
            // most one of each; and that the line seldom does: city edges
            // have two to four shape points, consecutive edges sharing
            // one. The spare room stays with the route (a few dozen bytes
            // a leg).
            geometry: Vec::with_capacity(4 * legs + 2),
            roads: Vec::with_capacity(legs),
            way_ids: Vec::with_capacity(legs),
            slowed: Vec::new(),
            stretch: (u32::MAX, u32::MAX),
        }
    }

    /// Appends the next leg: its line, its road stretch, its way, and the
    /// slowing hazards in force while it is travelled.
    pub(crate) fn push(&mut self, l: Traversal) {
        let g = self.g;
        let (a, b) = (l.from_frac, l.to_frac);
        if (a, b) == (0.0, 1.0) {
            self.whole_line(l.edge, true);
        } else if (a, b) == (1.0, 0.0) {
            self.whole_line(l.edge, false);
        } else {
            self.line(sub_shape(g, l.edge, a, b).into_iter());
        }
        self.rest(l);
    }

    /// Appends edge `edge` travelled whole, forward (tail to head) or
    /// backward, entered `enter_ms` after departure and taking
    /// `duration_ms`: the same as [`Assembly::push`] of the matching
    /// [`leg`], for the legs that make up nearly all of a route.
    #[inline(always)]
    pub(crate) fn push_whole(&mut self, edge: u32, forward: bool, enter_ms: u32, duration_ms: u32) {
        self.whole_line(edge, forward);
        let (dir, a, b) = if forward {
            (Dir::Forward, 0.0, 1.0)
        } else {
            (Dir::Backward, 1.0, 0.0)
        };
        let l = leg(self.g, edge, dir, a, b, enter_ms, duration_ms);
        self.rest(l);
    }

    /// Appends the whole shape of `edge`, in the direction of travel,
    /// straight from the graph's arrays, dropping repeats of the last point
    /// as [`Assembly::line`] does. An edge whose own shape never repeats a
    /// point (all but a handful: [`repeated_points`]) can repeat only the
    /// route's last point, so its points are copied in one branch-free loop.
    #[inline(always)]
    fn whole_line(&mut self, edge: u32, forward: bool) {
        let g = self.g;
        let (a, b) = g.shape_range(edge);
        let (lat, lon) = (&g.shape_lat[a..b], &g.shape_lon[a..b]);
        let n = lat.len().min(lon.len());
        let e = edge as usize;
        let repeats = self
            .repeats
            .get(e / 64)
            .is_some_and(|w| w >> (e % 64) & 1 != 0);
        let point = |(&y, &x): (&i32, &i32)| LatLon::from_e7(y, x);
        if n == 0 || repeats {
            let pts = lat.iter().zip(lon).map(point);
            return if forward {
                self.line(pts)
            } else {
                self.line(pts.rev())
            };
        }
        let first = if forward { 0 } else { n - 1 };
        let skip = self.geometry.last() == Some(&point((&lat[first], &lon[first])));
        if forward {
            let s = usize::from(skip);
            self.geometry
                .extend(lat[s..n].iter().zip(&lon[s..n]).map(point));
        } else {
            let end = n - usize::from(skip);
            self.geometry
                .extend(lat[..end].iter().zip(&lon[..end]).rev().map(point));
        }
    }

    /// Everything of leg `l` but its line.
    #[inline(always)]
    fn rest(&mut self, l: Traversal) {
        let g = self.g;
        let e = l.edge as usize;
        let key = (g.edge_name[e], g.edge_ref[e]);
        match self.roads.last_mut() {
            Some(r) if key == self.stretch => {
                r.distance_m += l.length_m;
                r.duration_ms += l.duration_ms as u64;
            }
            _ => {
                self.stretch = key;
                self.roads.push(RoadStretch {
                    name: g.name_shared(l.edge),
                    road_ref: g.road_ref_shared(l.edge),
                    distance_m: l.length_m,
                    duration_ms: l.duration_ms as u64,
                })
            }
        }
        let way = g.edge_way[e];
        if self.way_ids.last() != Some(&way) {
            self.way_ids.push(way);
        }
        if self.hazards {
            self.slowing(&l);
        }
        self.legs.push(l);
    }

    /// Appends points, dropping repeats of the last one.
    #[inline]
    fn line(&mut self, pts: impl Iterator<Item = LatLon>) {
        let mut last = self.geometry.last().copied();
        for p in pts {
            if last != Some(p) {
                self.geometry.push(p);
                last = Some(p);
            }
        }
    }

    /// Notes the slowing hazards that made leg `l` slower than its base time.
    fn slowing(&mut self, l: &Traversal) {
        let on = self.layer.on_edge(l.edge);
        if on.is_empty() {
            return;
        }
        let opts = self.opts;
        let base = self.g.time(opts.profile, l.edge, l.dir);
        let share = (l.to_frac - l.from_frac).abs();
        if l.duration_ms > partial(base, share) {
            let now = opts.depart_ms + l.enter_ms as i64;
            let leave = now + l.duration_ms as i64 + opts.margin_ms;
            for &h in on {
                let hz = &self.layer.set().hazards[h as usize];
                if matches!(hz.effect, Effect::Slow(_)) && hz.validity.overlaps(now, leave) {
                    self.slowed.push(h);
                }
            }
        }
    }

    /// The route from `origin` to `destination` taking `cost` ms.
    pub(crate) fn finish(
        mut self,
        origin: Snap,
        destination: Snap,
        cost: u32,
        method: Method,
    ) -> Route {
        match self.geometry.len() {
            0 => self.geometry = vec![origin.point, destination.point],
            1 => self.geometry.push(self.geometry[0]),
            _ => {}
        }
        self.slowed.sort_unstable();
        self.slowed.dedup();
        let hazards = &self.layer.set().hazards;
        Route {
            profile: self.opts.profile,
            depart_ms: self.opts.depart_ms,
            margin_ms: self.opts.margin_ms,
            duration_ms: cost as u64,
            distance_m: self.legs.iter().map(|l| l.length_m).sum(),
            origin,
            destination,
            legs: self.legs,
            geometry: self.geometry,
            roads: self.roads,
            way_ids: self.way_ids,
            slowed_by: self
                .slowed
                .iter()
                .map(|&h| hazards[h as usize].id.clone())
                .collect(),
            method,
        }
    }
}

/// One bit per edge, set when the edge's shape has two equal points in a
/// row (OSM ways sometimes have two nodes at one position).
pub(crate) fn repeated_points(g: &RoadGraph) -> Vec<u64> {
    let mut bits = vec![0u64; g.num_edges().div_ceil(64)];
    for e in 0..g.num_edges() {
        let (a, b) = g.shape_range(e as u32);
        let (lat, lon) = (&g.shape_lat[a..b], &g.shape_lon[a..b]);
        if (1..lat.len().min(lon.len())).any(|i| (lat[i], lon[i]) == (lat[i - 1], lon[i - 1])) {
            bits[e / 64] |= 1 << (e % 64);
        }
    }
    bits
}

/// The leg travelling `edge` in `dir` from `from_frac` to `to_frac` of its
/// length, entered `enter_ms` after departure and taking `duration_ms`.
pub(crate) fn leg(
    g: &RoadGraph,
    edge: u32,
    dir: Dir,
    from_frac: f64,
    to_frac: f64,
    enter_ms: u32,
    duration_ms: u32,
) -> Traversal {
    Traversal {
        edge,
        dir,
        from_frac,
        to_frac,
        enter_ms,
        duration_ms,
        length_m: g.edge_length_m[edge as usize] * (to_frac - from_frac).abs(),
    }
}

/// The part of an edge's shape between two shares of its length, in the
/// direction of travel.
pub(crate) fn sub_shape(g: &RoadGraph, e: u32, from: f64, to: f64) -> Vec<LatLon> {
    let mut pts: Vec<LatLon> = g.shape(e).collect();
    if (from, to) == (0.0, 1.0) {
        return pts;
    }
    if (from, to) == (1.0, 0.0) {
        pts.reverse();
        return pts;
    }
    let (lo, hi) = if from <= to { (from, to) } else { (to, from) };
    let mut cum = vec![0.0];
    for w in pts.windows(2) {
        cum.push(cum.last().copied().unwrap_or(0.0) + haversine_m(w[0], w[1]));
    }
    let total = *cum.last().unwrap_or(&0.0);
    let at = |share: f64| -> LatLon {
        let want = share * total;
        for i in 0..pts.len() - 1 {
            if cum[i + 1] >= want {
                let seg = cum[i + 1] - cum[i];
                let t = if seg > 0.0 {
                    (want - cum[i]) / seg
                } else {
                    0.0
                };
                return LatLon::new(
                    pts[i].lat + t * (pts[i + 1].lat - pts[i].lat),
                    pts[i].lon + t * (pts[i + 1].lon - pts[i].lon),
                );
            }
        }
        pts[pts.len() - 1]
    };
    let mut out = vec![at(lo)];
    for i in 1..pts.len() - 1 {
        if total > 0.0 && cum[i] / total > lo && cum[i] / total < hi {
            out.push(pts[i]);
        }
    }
    out.push(at(hi));
    if from > to {
        out.reverse();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::graph;
    use proptest::prelude::*;

    proptest! {
        /// `push_whole` gives the legs `leg` gives, and the line made by
        /// joining the edges' shapes and dropping every point equal to the
        /// one before it, whether or not an edge repeats points itself or
        /// starts where the last one ended.
        #[test]
        fn whole_legs_equal_the_plain_definition(
            shapes in proptest::collection::vec(
                proptest::collection::vec((0i32..3, 0i32..3), 2..6), 1..6),
            walk in proptest::collection::vec((0usize..6, any::<bool>(), 0u32..500), 0..12),
        ) {
            let g = graph(&shapes);
            let layer = HazardLayer::empty(&g);
            let opts = RouteOptions::default();
            let repeats = repeated_points(&g);
            let mut fast = Assembly::new(&g, &layer, &opts, &repeats, 0);
            let (mut want_line, mut want_legs, mut clock) = (Vec::<LatLon>::new(), vec![], 0);
            for &(e, forward, w) in &walk {
                let e = (e % shapes.len()) as u32;
                fast.push_whole(e, forward, clock, w);
                let (dir, a, b) = if forward { (Dir::Forward, 0.0, 1.0) } else { (Dir::Backward, 1.0, 0.0) };
                want_legs.push(leg(&g, e, dir, a, b, clock, w));
                let pts: Vec<LatLon> = if forward { g.shape(e).collect() } else { g.shape(e).rev().collect() };
                for p in pts {
                    if want_line.last() != Some(&p) {
                        want_line.push(p);
                    }
                }
                clock += w;
            }
            prop_assert_eq!(&fast.geometry, &want_line);
            prop_assert_eq!(&fast.legs, &want_legs);
            for (e, s) in shapes.iter().enumerate() {
                let has = s.windows(2).any(|w| w[0] == w[1]);
                prop_assert_eq!(repeats[e / 64] >> (e % 64) & 1 == 1, has);
            }
        }
    }
}
