//! Routes through the customizable contraction hierarchy, with hazards as
//! metrics and the time rule answered without re-customizing per query.
//!
//! ## Hazards as metrics
//! A set of hazards *in force* gives a static metric: an edge under a
//! blocking hazard in force weighs [`INFINITY`], one under slowing hazards
//! its time times the largest factor (the same
//! [`HazardLayer::static_time`] the time rule uses). The metric of a set is
//! derived from the hazard-free base metric of the profile by a partial
//! update over the edges those hazards touch, and kept in a small cache keyed
//! by (profile, layer, set), so the next query with the same set costs
//! nothing to prepare.
//!
//! ## The time rule, exactly
//! For a departure `T` and a bound `D` on the trip's duration, each hazard is
//! either *never met* (it ends by `T`, or starts after anything the traveller
//! could reach by `T + D`, margin and slow-down included), *always met*
//! (valid from at most `T + margin` until after `T + D`), or *uncertain*. With
//! no uncertain hazard, the time rule on every route of at most `D` is the
//! static metric of the always-met set, so its shortest route is the exact
//! answer as long as it takes at most `D`. `D` starts at the hazard-free
//! travel time (a lower bound) and grows to the route found until it holds.
//! With uncertain hazards, the route with all of them in force (a safe
//! upper bound) is exact when it costs no more than the route with none of
//! them (a lower bound). Otherwise the time-dependent Dijkstra answers.
//!
//! ## Failures
//! No route even without hazards is told by the hazard-free metric. When
//! every hazard that matters is in force from departure for good, a missing
//! route is final and the hazards that cut it are read from the cut index of
//! that hazard set ([`crate::cut`]); otherwise (a windowed hazard might let a
//! later traveller through) the Dijkstra search decides and names them.

use crate::assembly::{leg, Assembly};
use crate::cch::{Cch, CchQuery, Metric, Step};
use crate::cut::{self, CutIndex};
use crate::search::{at, edge_end, end_cost, Ends, Two};
use crate::{Engine, EngineStats, HazardLayer, Method, Route, RouteOptions, Router, Snap};
use corridor_graph::{Dir, Profile, RoadGraph, INFINITY};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Metrics kept per router for recent hazard sets.
const CACHE: usize = 16;
/// Rounds of growing the duration bound before falling back to Dijkstra.
const ROUNDS: usize = 4;

/// The hierarchy, the base metrics and the caches of a [`Router`].
pub(crate) struct CchEngine {
    /// One hierarchy per profile, over the edges it may use.
    pub(crate) cch: [Cch; 2],
    base: [Arc<Metric>; 2],
    cache: Mutex<Vec<Cached>>,
    /// Cut indexes of recent hazard sets, keyed like `cache`, and the
    /// recent sets asked about once, without an index (`cut` module docs).
    cuts: Mutex<Vec<(Key, Arc<CutIndex>)>>,
    cuts_asked: Mutex<Vec<Key>>,
    /// Query state and scratch vectors per profile, taken for one query
    /// and given back, so that a route allocates only what it returns.
    pool: [Mutex<Vec<Scratch>>; 2],
    stats: Counters,
}

/// What one query reuses from the last: the query arrays and the vector
/// the path is unpacked into.
pub(crate) struct Scratch {
    pub(crate) q: CchQuery,
    pub(crate) steps: Vec<Step>,
}

#[derive(Default)]
struct Counters {
    metrics_customized: AtomicU64,
    cut_indexes: AtomicU64,
    static_routes: AtomicU64,
    bounded_routes: AtomicU64,
    dijkstra_fallbacks: AtomicU64,
}

/// (profile, layer id, hazards in force).
type Key = (Profile, u64, Vec<u32>);

struct Cached {
    profile: Profile,
    layer: u64,
    active: Vec<u32>,
    metric: Arc<Metric>,
}

/// What the hierarchy says about a route.
// One answer a route, moved once: boxing the route would add an allocation
// to every route for nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Answer {
    /// The exact route.
    Route(Route),
    /// No route even without hazards.
    Disconnected,
    /// Cut by hazards in force for good: the hazards on the boundary of
    /// what the origin can reach (as the Dijkstra search names them).
    Cut(Vec<u32>),
    /// Blocked, or not provably exact under the time rule: ask Dijkstra.
    Unsure,
}

/// A path found through the hierarchy, with the legs it travels (none when
/// only the cost was asked for).
struct Found<'a> {
    method: Method,
    cost: u32,
    route: Option<Assembly<'a>>,
}

/// Hierarchies with at least this many arcs get their base metric
/// customized in parallel (below, threads cost more than they save:
/// BENCHMARKS.md, parallel customization).
const PARALLEL_FROM_ARCS: usize = 100_000;

impl CchEngine {
    pub(crate) fn new(g: &RoadGraph) -> CchEngine {
        let cch = [Profile::Car, Profile::Foot].map(|p| Cch::for_graph(g, p));
        // A country's hierarchy is customized on every core (the result is
        // the same bit for bit); a city's is too small to gain from it.
        let base = [Profile::Car, Profile::Foot].map(|p| {
            let h = &cch[p.index()];
            let w = |e| base_weights(g, p, e);
            Arc::new(if h.num_arcs() >= PARALLEL_FROM_ARCS {
                Metric::new_parallel(h, w)
            } else {
                Metric::new(h, w)
            })
        });
        CchEngine {
            cch,
            base,
            cache: Mutex::new(Vec::new()),
            cuts: Mutex::new(Vec::new()),
            cuts_asked: Mutex::new(Vec::new()),
            stats: Counters::default(),
            pool: [Mutex::new(Vec::new()), Mutex::new(Vec::new())],
        }
    }

    pub(crate) fn base(&self, p: Profile) -> &Arc<Metric> {
        &self.base[p.index()]
    }

    /// The metric of `profile` with the hazards `active` (sorted indices
    /// into the layer's set) in force, from the cache or by partial update.
    pub(crate) fn metric(
        &self,
        g: &RoadGraph,
        layer: &HazardLayer,
        p: Profile,
        active: &[u32],
    ) -> Arc<Metric> {
        if active.iter().all(|&h| layer.edges_of(h).is_empty()) {
            return self.base[p.index()].clone();
        }
        {
            let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(c) = cache
                .iter()
                .find(|c| c.profile == p && c.layer == layer.id() && c.active == active)
            {
                return c.metric.clone();
            }
        }
        let mask = mask(layer, active);
        let mut changed: Vec<u32> = active
            .iter()
            .flat_map(|&h| layer.edges_of(h).iter().copied())
            .collect();
        changed.sort_unstable();
        changed.dedup();
        let mut m = (*self.base[p.index()]).clone();
        m.update(&self.cch[p.index()], &changed, |e| {
            hazard_weights(g, layer, p, &mask, e)
        });
        let m = Arc::new(m);
        self.stats
            .metrics_customized
            .fetch_add(1, Ordering::Relaxed);
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CACHE {
            cache.remove(0);
        }
        cache.push(Cached {
            profile: p,
            layer: layer.id(),
            active: active.to_vec(),
            metric: m.clone(),
        });
        m
    }

    /// The cut index of `profile` with `active` in force, built by `build`
    /// the second time it is asked for (the first time: `None`, and the
    /// caller searches instead) and kept with the recent ones.
    fn cut_index(
        &self,
        layer: &HazardLayer,
        p: Profile,
        active: &[u32],
        build: impl FnOnce() -> CutIndex,
    ) -> Option<Arc<CutIndex>> {
        let key: Key = (p, layer.id(), active.to_vec());
        if let Some((_, c)) = self
            .cuts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|(k, _)| *k == key)
        {
            return Some(c.clone());
        }
        {
            let mut asked = self.cuts_asked.lock().unwrap_or_else(|e| e.into_inner());
            match asked.iter().position(|k| *k == key) {
                Some(i) => {
                    asked.remove(i);
                }
                None => {
                    if asked.len() >= CACHE {
                        asked.remove(0);
                    }
                    asked.push(key);
                    return None;
                }
            }
        }
        let c = Arc::new(build());
        self.stats.cut_indexes.fetch_add(1, Ordering::Relaxed);
        let mut cuts = self.cuts.lock().unwrap_or_else(|e| e.into_inner());
        // Another thread may have built the same index meanwhile.
        if let Some((_, other)) = cuts.iter().find(|(k, _)| *k == key) {
            return Some(other.clone());
        }
        if cuts.len() >= CACHE {
            cuts.remove(0);
        }
        cuts.push((key, c.clone()));
        Some(c)
    }

    /// Counts a query the hierarchy handed to Dijkstra.
    pub(crate) fn count_fallback(&self, engine: Engine) {
        if engine == Engine::Cch {
            self.stats
                .dijkstra_fallbacks
                .fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Runs `f` with a scratch of profile `p` taken from the pool (a new
    /// one when all are in use) and puts it back.
    pub(crate) fn with_scratch<R>(&self, p: Profile, f: impl FnOnce(&Cch, &mut Scratch) -> R) -> R {
        let cch = &self.cch[p.index()];
        let pool = &self.pool[p.index()];
        let taken = pool.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut s = taken.unwrap_or_else(|| Scratch {
            q: CchQuery::new(cch),
            steps: Vec::new(),
        });
        let r = f(cch, &mut s);
        pool.lock().unwrap_or_else(|e| e.into_inner()).push(s);
        r
    }
}

/// Edge weights of a profile without hazards.
pub(crate) fn base_weights(g: &RoadGraph, p: Profile, e: u32) -> [u32; 2] {
    [g.time(p, e, Dir::Forward), g.time(p, e, Dir::Backward)]
}

/// Edge weights of a profile with the hazards of `mask` in force.
pub(crate) fn hazard_weights(
    g: &RoadGraph,
    layer: &HazardLayer,
    p: Profile,
    mask: &[bool],
    e: u32,
) -> [u32; 2] {
    [Dir::Forward, Dir::Backward].map(|d| hazard_weight(g, layer, p, mask, e, d))
}

/// One direction of [`hazard_weights`].
pub(crate) fn hazard_weight(
    g: &RoadGraph,
    layer: &HazardLayer,
    p: Profile,
    mask: &[bool],
    e: u32,
    d: Dir,
) -> u32 {
    let w = g.time(p, e, d);
    if w >= INFINITY {
        INFINITY
    } else {
        layer.static_time(e, w, mask).unwrap_or(INFINITY)
    }
}

fn mask(layer: &HazardLayer, active: &[u32]) -> Vec<bool> {
    let mut m = vec![false; layer.set().len()];
    for &h in active {
        m[h as usize] = true;
    }
    m
}

/// When every hazard that matters is in force from departure (plus the
/// margin) for good, those hazards; `None` when some hazard starts later or
/// ends.
fn permanent(layer: &HazardLayer, opts: &RouteOptions) -> Option<Vec<u32>> {
    let t = opts.depart_ms;
    let mut out = Vec::new();
    for h in 0..layer.set().len() as u32 {
        let v = layer.set().hazards[h as usize].validity;
        if layer.edges_of(h).is_empty() || v.until_ms <= t {
            continue;
        }
        if v.from_ms > t.saturating_add(opts.margin_ms) || v.until_ms != i64::MAX {
            return None;
        }
        out.push(h);
    }
    Some(out)
}

/// Hazards always met and hazards perhaps met by a trip leaving at
/// `depart` and taking at most `bound` ms (module docs).
fn classify(
    layer: &HazardLayer,
    p: Profile,
    opts: &RouteOptions,
    bound: u32,
) -> (Vec<u32>, Vec<u32>) {
    let t = opts.depart_ms;
    let end = t.saturating_add(bound as i64);
    let (mut always, mut uncertain) = (Vec::new(), Vec::new());
    for h in 0..layer.set().len() as u32 {
        if layer.edges_of(h).is_empty() {
            continue;
        }
        let v = layer.set().hazards[h as usize].validity;
        let reach = end
            .saturating_add(layer.worst_ms(p, h))
            .saturating_add(opts.margin_ms);
        if v.until_ms <= t || v.from_ms > reach {
            continue;
        }
        if v.from_ms <= t.saturating_add(opts.margin_ms) && v.until_ms > end {
            always.push(h);
        } else {
            uncertain.push(h);
        }
    }
    (always, uncertain)
}

impl Router {
    /// [`Router::route`] through the hierarchy (module docs of `engine`).
    pub(crate) fn route_cch(
        &self,
        layer: &HazardLayer,
        s: &Snap,
        t: &Snap,
        opts: &RouteOptions,
    ) -> Answer {
        let p = opts.profile;
        let done = |f: Found| {
            let counter = match f.method {
                Method::HierarchyBounds => &self.cch.stats.bounded_routes,
                _ => &self.cch.stats.static_routes,
            };
            counter.fetch_add(1, Ordering::Relaxed);
            match f.route {
                Some(r) => Answer::Route(r.finish(s.clone(), t.clone(), f.cost, f.method)),
                // Every path asked for with its legs has them; were one
                // ever missing, Dijkstra would still answer exactly.
                None => {
                    debug_assert!(false, "a path asked for with its legs came without");
                    Answer::Unsure
                }
            }
        };
        if layer.edges_touched() == 0 {
            return match self.cch_path(layer, s, t, opts, &[], true) {
                Some(f) => done(f),
                None => Answer::Disconnected,
            };
        }
        if let Some(active) = permanent(layer, opts) {
            // Every hazard that matters is in force from departure for good:
            // the static metric is the time rule for trips of any length.
            // Hazards only slow or close roads, so a route under them means
            // one without; only when there is none is the hazard-free
            // metric asked whether the hazards cut the way.
            return match self.cch_path(layer, s, t, opts, &active, true) {
                Some(f) => done(f),
                None if self.cch_path(layer, s, t, opts, &[], false).is_none() => {
                    Answer::Disconnected
                }
                None => Answer::Cut(self.cut_static(layer, s, t, p, &active)),
            };
        }
        // The hazard-free cost: a lower bound, and the disconnected test.
        let Some(free) = self.cch_path(layer, s, t, opts, &[], false) else {
            return Answer::Disconnected;
        };
        match self.route_bounded(layer, s, t, opts, free.cost) {
            Some(f) => done(f),
            None => Answer::Unsure,
        }
    }

    /// The hazards that stop the origin from reaching the destination when
    /// `active` are in force for good: those refusing an arc (or the last
    /// stretch) out of the region the origin reaches, as the Dijkstra search
    /// would name them, from the cut index of that hazard set or, the first
    /// time the set is asked about, from one search (`cut` module docs).
    fn cut_static(
        &self,
        layer: &HazardLayer,
        s: &Snap,
        t: &Snap,
        p: Profile,
        active: &[u32],
    ) -> Vec<u32> {
        let g = self.graph();
        let mask = mask(layer, active);
        let cost = |e: u32, w: u32| layer.static_time(e, w, &mask);
        let ends = Ends::new(g, &self.centres, p, s, t, cost);
        let refuse = |e: u32, w: u32| cost(e, w).err();
        let sources: Vec<u32> = ends.sources.iter().map(|x| x.node).collect();
        let mut found = match self.cch.cut_index(layer, p, active, || {
            CutIndex::new(self.adjacency(p), refuse)
        }) {
            Some(index) => index.answer(&sources),
            None => cut::search(self.adjacency(p), refuse, &sources),
        };
        let mut cut = std::mem::take(&mut found.hazards);
        if let crate::search::Target::Edge {
            edge,
            from_tail,
            from_head,
        } = ends.target
        {
            for (dir, share) in [(Dir::Forward, from_tail), (Dir::Backward, from_head)] {
                if found.reached(edge_end(g, edge, dir)) {
                    if let Some(Err(h)) = end_cost(g, p, g.carrier(edge, dir), dir, share, cost) {
                        cut.push(h);
                    }
                }
            }
        }
        cut
    }

    /// The rounds of the module docs, from a first duration bound.
    fn route_bounded<'a>(
        &'a self,
        layer: &'a HazardLayer,
        s: &Snap,
        t: &Snap,
        opts: &'a RouteOptions,
        mut bound: u32,
    ) -> Option<Found<'a>> {
        let p = opts.profile;
        let found = |active: &[u32]| self.cch_path(layer, s, t, opts, active, true);
        for _ in 0..ROUNDS {
            let (always, uncertain) = classify(layer, p, opts, bound);
            if uncertain.is_empty() {
                let r = found(&always)?;
                if r.cost <= bound {
                    return Some(r);
                }
                bound = r.cost;
                continue;
            }
            let mut all = always.clone();
            all.extend_from_slice(&uncertain);
            all.sort_unstable();
            let upper = found(&all)?;
            if upper.cost > bound {
                bound = upper.cost;
                continue;
            }
            let lower = self.cch_path(layer, s, t, opts, &always, false)?;
            if lower.cost == upper.cost {
                return Some(Found {
                    method: Method::HierarchyBounds,
                    ..upper
                });
            }
            return None;
        }
        None
    }

    /// Shortest path under the static metric of the `active` hazards,
    /// between snapped points, with its route assembled when `legs` is set.
    fn cch_path<'a>(
        &'a self,
        layer: &'a HazardLayer,
        s: &Snap,
        t: &Snap,
        opts: &'a RouteOptions,
        active: &[u32],
        legs: bool,
    ) -> Option<Found<'a>> {
        let p = opts.profile;
        let g = self.graph();
        let eng = &self.cch;
        let metric = eng.metric(g, layer, p, active);
        let mask = mask(layer, active);
        let cost = |e: u32, w: u32| layer.static_time(e, w, &mask);
        let ends = Ends::new(g, &self.centres, p, s, t, cost);
        let mut sources = Two::new((0, 0));
        for x in ends.sources.iter() {
            sources.push((x.node, x.cost));
        }
        let targets = ends.target_seeds(g, p, cost);
        let mut seeds = Two::new((0, 0));
        for &(v, _, c) in targets.iter() {
            seeds.push((v, c));
        }
        if !legs {
            let cost = eng.with_scratch(p, |cch, x| x.q.cost(cch, &metric, &sources, &seeds));
            let best = match (cost, ends.direct) {
                (Some(a), Some((b, _))) => a.min(b),
                (a, b) => a.or(b.map(|x| x.0))?,
            };
            return Some(Found {
                method: Method::Hierarchy,
                cost: best,
                route: None,
            });
        }
        // Without a hazard in force an edge's time is its base time, read
        // straight from the graph.
        let hazards = active.iter().any(|&h| !layer.edges_of(h).is_empty());
        let weight = |edge: u32, dir: Dir| {
            if hazards {
                hazard_weight(g, layer, p, &mask, edge, dir)
            } else {
                g.time(p, edge, dir)
            }
        };
        // The route is assembled while the unpacked steps are walked, each
        // edge's data read once (`assembly` module docs).
        let found = eng.with_scratch(p, |cch, x| {
            let (cost, source, target) =
                x.q.path_into(cch, &metric, &sources, &seeds, &mut x.steps)?;
            if ends.direct.is_some_and(|(c, _)| cost >= c) {
                return None;
            }
            let mut route = Assembly::new(g, layer, opts, &self.shape_repeats, x.steps.len() + 2);
            let src = ends
                .sources
                .iter()
                .filter(|x| x.node == source)
                .min_by_key(|x| x.cost)?;
            if let Some((e, d, a, b)) = src.leg {
                if a != b {
                    route.push(leg(g, e, d, a, b, 0, src.cost));
                }
            }
            let mut clock = src.cost;
            for &Step { edge, forward } in &x.steps {
                let dir = if forward { Dir::Forward } else { Dir::Backward };
                let w = weight(edge, dir);
                route.push_whole(edge, forward, clock, w);
                clock += w;
            }
            Some((cost, target, clock, route))
        });
        let Some((cost, target, clock, mut route)) = found else {
            let (c, dir) = ends.direct?;
            let mut route = Assembly::new(g, layer, opts, &self.shape_repeats, 1);
            // Both ends on one turn restriction's node, snapped to two of its
            // roads, is a route of nothing (review: a leg along the origin's
            // road to the destination's share of another was 7.5 m in 0 s).
            if g.canonical(s.edge) == g.canonical(t.edge) {
                route.push(leg(g, g.carrier(s.edge, dir), dir, s.frac, t.frac, 0, c));
            }
            return Some(Found {
                method: Method::Hierarchy,
                cost: c,
                route: Some(route),
            });
        };
        let &(node, dir, c) = targets
            .iter()
            .filter(|x| x.0 == target)
            .min_by_key(|x| x.2)?;
        let from = if dir == Dir::Forward { 0.0 } else { 1.0 };
        if from != t.frac && !at(g, node, t.point) {
            route.push(leg(g, g.carrier(t.edge, dir), dir, from, t.frac, clock, c));
        }
        debug_assert_eq!(clock + c, cost, "legs add up to the path cost");
        Some(Found {
            method: Method::Hierarchy,
            cost,
            route: Some(route),
        })
    }

    /// The hierarchy of a profile.
    pub fn cch(&self, profile: Profile) -> &Cch {
        &self.cch.cch[profile.index()]
    }

    /// The metric of `profile` with the hazards `active` (sorted indices
    /// into `layer`'s set) in force, derived from the base metric by partial
    /// customization and cached.
    pub fn metric(&self, layer: &HazardLayer, profile: Profile, active: &[u32]) -> Arc<Metric> {
        self.cch.metric(self.graph(), layer, profile, active)
    }

    /// What the hierarchy has done so far.
    pub fn engine_stats(&self) -> EngineStats {
        let c = &self.cch.stats;
        let get = |x: &AtomicU64| x.load(Ordering::Relaxed);
        EngineStats {
            metrics_customized: get(&c.metrics_customized),
            cut_indexes: get(&c.cut_indexes),
            static_routes: get(&c.static_routes),
            bounded_routes: get(&c.bounded_routes),
            dijkstra_fallbacks: get(&c.dijkstra_fallbacks),
        }
    }

    /// The hazard-free metric of a profile.
    pub fn base_metric(&self, profile: Profile) -> Arc<Metric> {
        self.cch.base(profile).clone()
    }
}
