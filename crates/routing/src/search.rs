//! Dijkstra from a position on an edge to a position on an edge, under the
//! time rule of the crate docs, and the assembly of the route it finds.

use crate::assembly::{leg, Assembly};
use crate::engine::Answer;
use crate::{Endpoint, Engine, HazardLayer, Method, RouteError, RouteOptions, Router, Snap};
use corridor_geo::{haversine_m, LatLon};
use corridor_graph::{Dir, Profile, RoadGraph, INFINITY};
use corridor_hazards::Effect;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

/// One edge (or part of one) that a route travels.
#[derive(Clone, Debug, PartialEq)]
pub struct Traversal {
    /// The edge.
    pub edge: u32,
    /// Direction of travel along it.
    pub dir: Dir,
    /// Where travel starts on the edge, as a share of its length from the tail.
    pub from_frac: f64,
    /// Where it ends.
    pub to_frac: f64,
    /// Milliseconds after departure at which the edge is entered.
    pub enter_ms: u32,
    /// Milliseconds spent on it (hazard slow-downs included).
    pub duration_ms: u32,
    /// Metres travelled on it.
    pub length_m: f64,
}

/// A stretch of the route along roads of one name and ref.
#[derive(Clone, Debug, PartialEq)]
pub struct RoadStretch {
    /// Road name (may be empty), shared with the graph's string table.
    pub name: Arc<str>,
    /// Road number (may be empty), shared likewise.
    pub road_ref: Arc<str>,
    /// Metres along it.
    pub distance_m: f64,
    /// Milliseconds along it.
    pub duration_ms: u64,
}

/// The fastest route found.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    /// Profile used.
    pub profile: Profile,
    /// Departure, ms since the epoch.
    pub depart_ms: i64,
    /// The time rule's delay allowance it was found with
    /// ([`RouteOptions::margin_ms`]): a hazard counts while the traveller
    /// could be on the road, up to this late.
    pub margin_ms: i64,
    /// Travel time in milliseconds.
    pub duration_ms: u64,
    /// Length in metres.
    pub distance_m: f64,
    /// Where the origin was put on the network.
    pub origin: Snap,
    /// Where the destination was put on the network.
    pub destination: Snap,
    /// The edges travelled, in order.
    pub legs: Vec<Traversal>,
    /// The route's line, origin road point to destination road point.
    pub geometry: Vec<LatLon>,
    /// Consecutive stretches by road name and ref.
    pub roads: Vec<RoadStretch>,
    /// OSM way ids travelled, consecutive repeats removed.
    pub way_ids: Vec<i64>,
    /// Ids of hazards that slowed the route down.
    pub slowed_by: Vec<String>,
    /// How the route was found.
    pub method: Method,
}

impl Route {
    /// Arrival, ms since the epoch.
    pub fn arrive_ms(&self) -> i64 {
        self.depart_ms + self.duration_ms as i64
    }

    /// "via Bergheimer Straße, B 37": the main roads in route order, naming
    /// those that carry at least `min_share` of the distance (at most `max`).
    pub fn via(&self, max: usize, min_share: f64) -> Vec<String> {
        main_roads(&self.roads, self.distance_m, max, min_share)
    }
}

/// The main roads of a route made of `stretches` (in order) of `total`
/// metres: the `max` roads with the most distance, each at least
/// `min_share` of it, in the order they are first met. A route through via
/// points passes the stretches of all its legs, so that a long road of a
/// later leg is not crowded out by the short streets of the first.
pub fn main_roads(
    stretches: &[RoadStretch],
    total: f64,
    max: usize,
    min_share: f64,
) -> Vec<String> {
    let mut by_label: Vec<(String, f64, usize)> = Vec::new();
    for (i, r) in stretches.iter().enumerate() {
        let label = match (r.name.is_empty(), r.road_ref.is_empty()) {
            (true, true) => continue,
            (false, true) => r.name.to_string(),
            (true, false) => r.road_ref.to_string(),
            (false, false) => format!("{} ({})", r.name, r.road_ref),
        };
        match by_label.iter_mut().find(|(l, _, _)| *l == label) {
            Some(x) => x.1 += r.distance_m,
            None => by_label.push((label, r.distance_m, i)),
        }
    }
    let total = total.max(1.0);
    let mut top: Vec<_> = by_label
        .into_iter()
        .filter(|(_, d, _)| d / total >= min_share)
        .collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1));
    top.truncate(max);
    top.sort_by_key(|x| x.2);
    top.into_iter().map(|x| x.0).collect()
}

/// At most two items (the two ends of an edge), kept without a heap
/// allocation; reads as a slice.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Two<T: Copy> {
    items: [T; 2],
    len: usize,
}

impl<T: Copy> Two<T> {
    /// None yet; `fill` only pads the unused slots.
    pub(crate) fn new(fill: T) -> Two<T> {
        Two {
            items: [fill; 2],
            len: 0,
        }
    }

    /// Adds an item (there are never more than two by construction).
    pub(crate) fn push(&mut self, x: T) {
        self.items[self.len] = x;
        self.len += 1;
    }
}

impl<T: Copy> std::ops::Deref for Two<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.items[..self.len]
    }
}

const NONE: u32 = u32::MAX;
/// `pred_arc` values at or above this mark a source: `SRC + k` is source k.
const SRC: u32 = u32::MAX - 8;

/// Where a search may end.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Target {
    /// At a node.
    Node(u32),
    /// At a position on an edge, reached from its tail after `from_tail`
    /// of its length, or from its head after `from_head` (0 when the
    /// position is the node itself, whatever the edge's shape). Of a split
    /// edge, each way is travelled on the half that carries it
    /// ([`RoadGraph::carrier`]), from that half's tail or head.
    Edge {
        edge: u32,
        from_tail: f64,
        from_head: f64,
    },
}

/// A start of the search: a node reached at `cost` by travelling part of an edge.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Source {
    pub(crate) node: u32,
    pub(crate) cost: u32,
    /// The stretch of the origin's edge travelled: edge, direction, from, to.
    pub(crate) leg: Option<(u32, Dir, f64, f64)>,
}

/// Search state, reusable across queries on one graph.
pub(crate) struct Search {
    dist: Vec<u32>,
    pred_node: Vec<u32>,
    pred_arc: Vec<u32>,
    touched: Vec<u32>,
    heap: BinaryHeap<Reverse<(u32, u32)>>,
    /// (head, hazard) of arcs refused by a blocking hazard in the last search.
    pub(crate) blocked: Vec<(u32, u32)>,
}

/// How the best route ends.
#[derive(Clone, Copy, Debug)]
enum End {
    /// Straight along the origin's edge.
    Direct(Dir),
    /// At node `node`, then `partial` along the target edge (if any).
    Via { node: u32, last: Option<(Dir, u32)> },
}

impl Search {
    pub(crate) fn new(n: usize) -> Search {
        Search {
            dist: vec![INFINITY; n],
            pred_node: vec![NONE; n],
            pred_arc: vec![NONE; n],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
            blocked: Vec::new(),
        }
    }

    fn reset(&mut self) {
        for &v in &self.touched {
            self.dist[v as usize] = INFINITY;
            self.pred_node[v as usize] = NONE;
            self.pred_arc[v as usize] = NONE;
        }
        self.touched.clear();
        self.heap.clear();
        self.blocked.clear();
    }

    fn reach(&mut self, v: u32, d: u32, from: u32, arc: u32) {
        if self.dist[v as usize] == INFINITY {
            self.touched.push(v);
        }
        self.dist[v as usize] = d;
        self.pred_node[v as usize] = from;
        self.pred_arc[v as usize] = arc;
        self.heap.push(Reverse((d, v)));
    }

    /// Runs Dijkstra from `sources` until `target` is settled at its best, or
    /// the reachable set is exhausted. Returns the cost and how it ends.
    fn run(
        &mut self,
        r: &Router,
        layer: &HazardLayer,
        opts: &RouteOptions,
        sources: &[Source],
        target: Target,
        direct: Option<(u32, Dir)>,
    ) -> Option<(u32, End)> {
        self.reset();
        let g = r.graph();
        let adj = r.adjacency(opts.profile);
        let mut best: Option<(u32, End)> = direct.map(|(c, d)| (c, End::Direct(d)));
        for (k, s) in sources.iter().enumerate() {
            if s.cost < self.dist[s.node as usize] {
                self.reach(s.node, s.cost, NONE, SRC + k as u32);
            }
        }
        while let Some(Reverse((d, v))) = self.heap.pop() {
            if d > self.dist[v as usize] {
                continue;
            }
            if best.is_some_and(|(b, _)| d >= b) {
                break;
            }
            let now = opts.depart_ms.saturating_add(d as i64);
            match target {
                Target::Node(t) if t == v => {
                    best = Some((
                        d,
                        End::Via {
                            node: v,
                            last: None,
                        },
                    ));
                    break;
                }
                Target::Edge {
                    edge,
                    from_tail,
                    from_head,
                } => {
                    for (end, dir, share) in [
                        (edge_end(g, edge, Dir::Forward), Dir::Forward, from_tail),
                        (edge_end(g, edge, Dir::Backward), Dir::Backward, from_head),
                    ] {
                        if end != v {
                            continue;
                        }
                        let edge = g.carrier(edge, dir);
                        let Some(cost) = end_cost(g, opts.profile, edge, dir, share, |e, w| {
                            layer.traverse(e, w, now, opts.margin_ms)
                        }) else {
                            continue;
                        };
                        match cost {
                            Ok(c) => {
                                // A total at the sentinel is no route.
                                let total = d.saturating_add(c).min(INFINITY);
                                if total < INFINITY && best.is_none_or(|(b, _)| total < b) {
                                    best = Some((
                                        total,
                                        End::Via {
                                            node: v,
                                            last: Some((dir, c)),
                                        },
                                    ));
                                }
                            }
                            Err(h) => self.blocked.push((NONE, h)),
                        }
                    }
                }
                _ => {}
            }
            let first = adj.first_out[v as usize];
            for (i, a) in adj.out(v).iter().enumerate() {
                match layer.traverse(a.edge, a.weight, now, opts.margin_ms) {
                    Ok(c) => {
                        let nd = d.saturating_add(c).min(INFINITY);
                        if nd < self.dist[a.head as usize] {
                            self.reach(a.head, nd, v, first + i as u32);
                        }
                    }
                    Err(h) => self.blocked.push((a.head, h)),
                }
            }
        }
        let _ = g;
        best
    }
}

/// Travel time of a share of an edge, rounded to the millisecond.
pub(crate) fn partial(w: u32, share: f64) -> u32 {
    (w as f64 * share.clamp(0.0, 1.0)).round() as u32
}

/// Where a route enters edge `e`'s road to travel it in `dir`: the tail of
/// the half carrying `dir` when forward, its head when backward.
pub(crate) fn edge_end(g: &RoadGraph, e: u32, dir: Dir) -> u32 {
    let c = g.carrier(e, dir) as usize;
    match dir {
        Dir::Forward => g.edge_tail[c],
        Dir::Backward => g.edge_head[c],
    }
}

/// Cost of the last stretch of a route: `share` of `edge` travelled in `dir`
/// to the destination point, under `cost` (the hazard rule in force).
/// `None` when the profile cannot travel it that way.
pub(crate) fn end_cost(
    g: &RoadGraph,
    p: Profile,
    edge: u32,
    dir: Dir,
    share: f64,
    cost: impl Fn(u32, u32) -> Result<u32, u32>,
) -> Option<Result<u32, u32>> {
    let w = g.time(p, edge, dir);
    if w >= INFINITY && share > 0.0 {
        return None;
    }
    let base = if share > 0.0 { partial(w, share) } else { 0 };
    Some(cost(edge, base))
}

/// The node as a whole of each copy of a turn restriction's node: its
/// source and sink (`flags::CENTRE`), where a route from or to the node
/// itself starts or ends, bound by no turn (review: a route to the node
/// ended only by turning onto the road it was snapped to, so arriving by a
/// road from which that turn is forbidden went round the block). A graph
/// whose centre joins do not pair up (a corrupt file) maps nothing.
pub(crate) type Centres = HashMap<u32, (u32, u32)>;

/// [`Centres`] of a graph.
pub(crate) fn centres(g: &RoadGraph) -> Centres {
    use corridor_graph::flags::CENTRE;
    let n = g.num_nodes();
    let centre = |e: usize| g.edge_flags[e] & CENTRE != 0;
    // Nodes with an edge that is no centre join (a centre has none).
    let mut other = vec![false; n];
    for e in (0..g.num_edges()).filter(|&e| !centre(e)) {
        other[g.edge_tail[e] as usize] = true;
        other[g.edge_head[e] as usize] = true;
    }
    let same = |a: u32, b: u32| {
        g.node_osm[a as usize] == g.node_osm[b as usize]
            && g.node_pos(a) == g.node_pos(b)
            && !other[a as usize]
    };
    let mut out = Centres::new();
    for e in (0..g.num_edges()).filter(|&e| centre(e)) {
        let (t, h) = (g.edge_tail[e], g.edge_head[e]);
        let (copy, pair) = if !other[t as usize] {
            (h, (t, t.wrapping_add(1)))
        } else if !other[h as usize] {
            (t, (h.wrapping_sub(1), h))
        } else {
            continue;
        };
        if (pair.0 as usize) < n
            && (pair.1 as usize) < n
            && same(pair.0, copy)
            && same(pair.1, copy)
        {
            out.insert(copy, pair);
        }
    }
    out
}

/// Where a route may start and end on the network, under a cost rule.
pub(crate) struct Ends {
    pub(crate) sources: Two<Source>,
    pub(crate) target: Target,
    /// Travelling straight along the origin's edge to the destination.
    pub(crate) direct: Option<(u32, Dir)>,
}

impl Ends {
    /// The starts, target and direct option of a route from `s` to `t`;
    /// `cost(edge, ms)` applies the hazards to a traversal at departure.
    /// An end on a turn restriction's node starts or ends at the node as a
    /// whole ([`Centres`]).
    pub(crate) fn new(
        g: &RoadGraph,
        centres: &Centres,
        p: Profile,
        s: &Snap,
        t: &Snap,
        cost: impl Fn(u32, u32) -> Result<u32, u32>,
    ) -> Ends {
        let (e, f) = (s.edge, s.frac);
        let mut sources = Two::new(Source {
            node: 0,
            cost: 0,
            leg: None,
        });
        // Leaving forward reaches the head of the half carrying forward
        // travel, backward the tail of the other (the same edge unless
        // split: `RoadGraph::carrier`).
        for (dir, share, to) in [(Dir::Forward, 1.0 - f, 1.0), (Dir::Backward, f, 0.0)] {
            let e = g.carrier(e, dir);
            let node = match dir {
                Dir::Forward => g.edge_head[e as usize],
                Dir::Backward => g.edge_tail[e as usize],
            };
            if at(g, node, s.point) {
                sources.push(Source {
                    node: centres.get(&node).map_or(node, |c| c.0),
                    cost: 0,
                    leg: None,
                });
                continue;
            }
            let w = g.time(p, e, dir);
            if w >= INFINITY {
                continue;
            }
            if let Ok(c) = cost(e, partial(w, share)) {
                sources.push(Source {
                    node,
                    cost: c,
                    leg: Some((e, dir, f, to)),
                });
            }
        }
        let mut direct = None;
        let same_road = g.canonical(t.edge) == g.canonical(e);
        if same_road && t.frac == f {
            // The same place: nothing to travel.
            direct = Some((0, Dir::Forward));
        } else if same_road {
            let dir = if t.frac > f {
                Dir::Forward
            } else {
                Dir::Backward
            };
            let e = g.carrier(e, dir);
            let w = g.time(p, e, dir);
            if w < INFINITY {
                if let Ok(c) = cost(e, partial(w, (t.frac - f).abs())) {
                    direct = Some((c, dir));
                }
            }
        }
        let ends_at = [Dir::Forward, Dir::Backward]
            .map(|d| edge_end(g, t.edge, d))
            .into_iter()
            .find(|&v| at(g, v, t.point));
        if let Some(sink) = ends_at.and_then(|v| centres.get(&v)).map(|c| c.1) {
            // Both ends on one turn restriction's node: nothing to travel.
            if sources
                .iter()
                .any(|x| x.cost == 0 && x.node.wrapping_add(1) == sink)
            {
                direct = Some((0, Dir::Forward));
            }
            return Ends {
                sources,
                target: Target::Node(sink),
                direct,
            };
        }
        let target = Target::Edge {
            edge: t.edge,
            from_tail: if at(g, edge_end(g, t.edge, Dir::Forward), t.point) {
                0.0
            } else {
                t.frac
            },
            from_head: if at(g, edge_end(g, t.edge, Dir::Backward), t.point) {
                0.0
            } else {
                1.0 - t.frac
            },
        };
        Ends {
            sources,
            target,
            direct,
        }
    }

    /// The target's end nodes with the cost from each to the destination
    /// point under the time-independent rule `cost`.
    pub(crate) fn target_seeds(
        &self,
        g: &RoadGraph,
        p: Profile,
        cost: impl Fn(u32, u32) -> Result<u32, u32>,
    ) -> Two<(u32, Dir, u32)> {
        let mut out = Two::new((0, Dir::Forward, 0));
        let Target::Edge {
            edge,
            from_tail,
            from_head,
        } = self.target
        else {
            if let Target::Node(v) = self.target {
                out.push((v, Dir::Forward, 0));
            }
            return out;
        };
        for (dir, share) in [(Dir::Forward, from_tail), (Dir::Backward, from_head)] {
            let v = edge_end(g, edge, dir);
            if let Some(Ok(c)) = end_cost(g, p, g.carrier(edge, dir), dir, share, &cost) {
                out.push((v, dir, c));
            }
        }
        out
    }
}

/// A snapped point on a node is the node: no share of the edge to travel.
pub(crate) fn at(g: &RoadGraph, v: u32, pt: LatLon) -> bool {
    within_mm(g.node_pos(v), pt)
}

/// Whether `a` and `b` are less than 1 mm apart (by [`haversine_m`]). The
/// great-circle distance is at least the arc between the two latitudes, so
/// points 2 mm or more apart in latitude alone (a margin well beyond any
/// rounding) are told apart without the trigonometry: most calls. A point
/// given exactly on a node (a client routing from a node, a via point from
/// an earlier route) is the node without it too.
fn within_mm(a: LatLon, b: LatLon) -> bool {
    const TWO_MM_IN_DEGREES: f64 =
        2e-3 / corridor_geo::EARTH_RADIUS_M * (180.0 / std::f64::consts::PI);
    if a == b {
        return true;
    }
    if (a.lat - b.lat).abs() >= TWO_MM_IN_DEGREES {
        return false;
    }
    haversine_m(a, b) < 1e-3
}

impl Router {
    /// The exact fastest route from `from` to `to` under the hazards of
    /// `layer` and the time rule (crate docs).
    pub fn route(
        &self,
        layer: &HazardLayer,
        from: LatLon,
        to: LatLon,
        opts: &RouteOptions,
    ) -> Result<Route, RouteError> {
        let s = self.snap(layer, Endpoint::Origin, from, opts)?;
        let t = self.snap(layer, Endpoint::Destination, to, opts)?;
        let answer = match opts.engine {
            Engine::Cch => self.route_cch(layer, &s, &t, opts),
            Engine::Dijkstra => Answer::Unsure,
        };
        let disconnected = || RouteError::Disconnected {
            profile: opts.profile.name(),
            islands: [(Endpoint::Origin, &s), (Endpoint::Destination, &t)]
                .into_iter()
                .filter(|(_, sn)| !self.on_main(opts.profile, sn.edge))
                .map(|(endpoint, sn)| crate::Island {
                    endpoint,
                    main_m: self.nearest_main_m(sn.input, opts.profile),
                })
                .collect(),
        };
        let mut cut = match answer {
            Answer::Route(route) => return Ok(route),
            Answer::Disconnected => return Err(disconnected()),
            Answer::Cut(cut) => cut,
            Answer::Unsure => {
                self.cch.count_fallback(opts.engine);
                let search = &mut Search::new(self.graph().num_nodes());
                if let Some(route) = self.route_snapped(search, layer, &s, &t, opts) {
                    return Ok(route);
                }
                let cut: Vec<u32> = search
                    .blocked
                    .iter()
                    .filter(|(head, _)| *head == NONE || search.dist[*head as usize] >= INFINITY)
                    .map(|x| x.1)
                    .collect();
                // The hierarchy answers "unsure" only after it has found a
                // hazard-free route.
                let empty = HazardLayer::empty(self.graph());
                if opts.engine == Engine::Dijkstra
                    && self.route_snapped(search, &empty, &s, &t, opts).is_none()
                {
                    return Err(disconnected());
                }
                cut
            }
        };
        cut.sort_unstable();
        cut.dedup();
        if cut.is_empty() {
            // Should not happen; name every blocking hazard rather than none.
            cut = (0..layer.set().len() as u32)
                .filter(|&h| layer.set().hazards[h as usize].effect == Effect::Block)
                .collect();
        }
        Err(RouteError::Cut {
            hazards: cut
                .iter()
                .map(|&h| layer.set().hazards[h as usize].id.clone())
                .collect(),
        })
    }

    /// Travel time in ms between two nodes under the hazards, if reachable.
    /// The node-to-node form of [`Router::route`], used to check the engine
    /// against the reference.
    pub fn node_to_node(
        &self,
        layer: &HazardLayer,
        s: u32,
        t: u32,
        opts: &RouteOptions,
    ) -> Option<u32> {
        let mut search = Search::new(self.graph().num_nodes());
        let src = [Source {
            node: s,
            cost: 0,
            leg: None,
        }];
        search
            .run(self, layer, opts, &src, Target::Node(t), None)
            .map(|x| x.0)
    }

    fn route_snapped(
        &self,
        search: &mut Search,
        layer: &HazardLayer,
        s: &Snap,
        t: &Snap,
        opts: &RouteOptions,
    ) -> Option<Route> {
        let g = self.graph();
        let p = opts.profile;
        let (e, f) = (s.edge, s.frac);
        let ends = Ends::new(g, &self.centres, p, s, t, |e, w| {
            layer.traverse(e, w, opts.depart_ms, opts.margin_ms)
        });
        let sources = &ends.sources;
        let (cost, end) = search.run(self, layer, opts, sources, ends.target, ends.direct)?;
        // Walk the predecessors back to the source.
        let mut legs: Vec<Traversal> = Vec::new();
        match end {
            // Along one road; or nothing, both ends on one turn
            // restriction's node, snapped to two of its roads.
            End::Direct(dir) if g.canonical(e) == g.canonical(t.edge) => {
                legs.push(leg(g, g.carrier(e, dir), dir, f, t.frac, 0, cost))
            }
            End::Direct(_) => {}
            End::Via { node, last } => {
                let adj = self.adjacency(p);
                let mut v = node;
                let mut rev = Vec::new();
                loop {
                    let arc = search.pred_arc[v as usize];
                    if arc >= SRC {
                        let src = sources[(arc - SRC) as usize];
                        if let Some((se, sd, a, b)) = src.leg {
                            if a != b {
                                rev.push(leg(g, se, sd, a, b, 0, src.cost));
                            }
                        }
                        break;
                    }
                    let a = adj.arcs[arc as usize];
                    let u = search.pred_node[v as usize];
                    let (du, dv) = (search.dist[u as usize], search.dist[v as usize]);
                    let (ff, tf) = if a.dir == Dir::Forward {
                        (0.0, 1.0)
                    } else {
                        (1.0, 0.0)
                    };
                    rev.push(leg(g, a.edge, a.dir, ff, tf, du, dv - du));
                    v = u;
                }
                rev.reverse();
                legs = rev;
                if let Some((dir, c)) = last {
                    let from = if dir == Dir::Forward { 0.0 } else { 1.0 };
                    if from != t.frac && !at(g, node, t.point) {
                        legs.push(leg(
                            g,
                            g.carrier(t.edge, dir),
                            dir,
                            from,
                            t.frac,
                            search.dist[node as usize],
                            c,
                        ));
                    }
                }
            }
        }
        let mut route = Assembly::new(g, layer, opts, &self.shape_repeats, legs.len());
        for l in legs {
            route.push(l);
        }
        Some(route.finish(s.clone(), t.clone(), cost, Method::Dijkstra))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The latitude shortcut never changes the answer of the plain
        /// test, from points a few micrometres to metres apart, anywhere.
        #[test]
        fn within_mm_is_the_plain_haversine_test(
            lat in -89.9f64..89.9,
            lon in -179.9f64..179.9,
            scale in prop::sample::select(vec![1e-9, 1e-8, 2e-8, 5e-8, 1e-7, 1e-5]),
            dy in -1.0f64..1.0,
            dx in -1.0f64..1.0,
        ) {
            let a = LatLon::new(lat, lon);
            let b = LatLon::new(lat + dy * scale, lon + dx * scale);
            prop_assert_eq!(within_mm(a, b), haversine_m(a, b) < 1e-3);
            // Equal points, which the shortcut answers first.
            prop_assert_eq!(within_mm(a, a), haversine_m(a, a) < 1e-3);
        }
    }
}
