//! The contraction hierarchy on every shipped extract: 10,000 queries per
//! extract and profile against a plain Dijkstra written here, before and
//! after partial updates; and the router's two engines against each other
//! under hazards with time windows.

use crate::extracts::{import, pick, random_squares, rng, EXTRACTS};
use corridor_graph::{Dir, Profile, RoadGraph, INFINITY};
use corridor_hazards::{Effect, HazardSet, Part, Validity};
use corridor_routing::cch::{Cch, CchQuery, Metric};
use corridor_routing::{reference, Engine, HazardLayer, RouteOptions, Router};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

const SOURCES: usize = 100;
const TARGETS: usize = 100;

/// Static weights of every edge under `set` (all hazards in force), from the
/// brute-force mapping: blocked, or slowed by the largest factor.
fn static_weights(g: &RoadGraph, p: Profile, set: &HazardSet) -> Vec<[u32; 2]> {
    let hits = reference::edge_hazards(g, set);
    (0..g.num_edges())
        .map(|e| {
            [Dir::Forward, Dir::Backward].map(|d| {
                let w = g.time(p, e as u32, d);
                if w >= INFINITY || w == 0 {
                    return w;
                }
                let mut f = 1.0f64;
                for &h in &hits[e] {
                    match set.hazards[h as usize].effect {
                        Effect::Block => return INFINITY,
                        Effect::Slow(x) => f = f.max(x),
                    }
                }
                if f == 1.0 {
                    w
                } else {
                    ((w as f64 * f).ceil()).min((INFINITY - 1) as f64) as u32
                }
            })
        })
        .collect()
}

/// Nodes with an edge the profile may use.
fn nodes_of(g: &RoadGraph, p: Profile) -> Vec<u32> {
    let mut on = vec![false; g.num_nodes()];
    for e in 0..g.num_edges() as u32 {
        if g.usable(p, e) {
            on[g.edge_tail[e as usize] as usize] = true;
            on[g.edge_head[e as usize] as usize] = true;
        }
    }
    (0..g.num_nodes() as u32)
        .filter(|&v| on[v as usize])
        .collect()
}

/// Textbook one-to-all Dijkstra over the raw edge arrays.
fn one_to_all(g: &RoadGraph, w: &[[u32; 2]], s: u32) -> Vec<u32> {
    let n = g.num_nodes();
    let mut out: Vec<Vec<(u32, u32)>> = vec![Vec::new(); n];
    for (e, w) in w.iter().enumerate().take(g.num_edges()) {
        let (t, h) = (g.edge_tail[e], g.edge_head[e]);
        if w[0] < INFINITY {
            out[t as usize].push((h, w[0]));
        }
        if w[1] < INFINITY {
            out[h as usize].push((t, w[1]));
        }
    }
    let mut dist = vec![INFINITY; n];
    let mut heap = BinaryHeap::new();
    dist[s as usize] = 0;
    heap.push(Reverse((0u32, s)));
    while let Some(Reverse((d, v))) = heap.pop() {
        if d > dist[v as usize] {
            continue;
        }
        for &(u, c) in &out[v as usize] {
            let nd = d + c;
            if nd < dist[u as usize] {
                dist[u as usize] = nd;
                heap.push(Reverse((nd, u)));
            }
        }
    }
    dist
}

/// 100 × 100 queries of `metric` against Dijkstra on `w`: distances with
/// one-to-many, and a sample with full paths whose edges add up.
#[allow(clippy::too_many_arguments)]
fn check(
    name: &str,
    what: &str,
    g: &RoadGraph,
    cch: &Cch,
    metric: &Metric,
    w: &[[u32; 2]],
    nodes: &[u32],
    seed: u64,
) -> usize {
    let mut r = rng(seed);
    let n = nodes.len();
    let targets: Vec<u32> = (0..TARGETS).map(|_| nodes[pick(&mut r, n)]).collect();
    let mut q = CchQuery::new(cch);
    let mut reachable = 0;
    for i in 0..SOURCES {
        let s = nodes[pick(&mut r, n)];
        let want = one_to_all(g, w, s);
        let got = q.one_to_many(cch, metric, &[(s, 0)], &targets);
        for (k, &t) in targets.iter().enumerate() {
            let want_t = (want[t as usize] < INFINITY).then_some(want[t as usize]);
            assert_eq!(got[k], want_t, "{name} {what}: {s} -> {t}");
            reachable += want_t.is_some() as usize;
        }
        // Paths for a few pairs: they chain from s to t and weigh the distance.
        if i % 10 == 0 {
            for &t in targets.iter().take(10) {
                let Some(path) = q.path(cch, metric, &[(s, 0)], &[(t, 0)]) else {
                    assert_eq!(want[t as usize], INFINITY, "{name} {what}: path {s} -> {t}");
                    continue;
                };
                let (mut at, mut sum) = (s, 0u32);
                for st in &path.steps {
                    let e = st.edge as usize;
                    let (from, to, d) = if st.forward {
                        (g.edge_tail[e], g.edge_head[e], 0)
                    } else {
                        (g.edge_head[e], g.edge_tail[e], 1)
                    };
                    assert_eq!(from, at, "{name} {what}: path {s} -> {t} breaks");
                    sum += w[e][d];
                    at = to;
                }
                assert_eq!(
                    (at, sum),
                    (t, want[t as usize]),
                    "{name} {what}: path {s} -> {t}"
                );
            }
        }
    }
    reachable
}

#[test]
fn cch_equals_dijkstra_on_every_extract_before_and_after_updates() {
    for &(name, ..) in EXTRACTS {
        let mut g = import(name);
        // The contraction goes through the graph file like `corridor import`'s.
        g.contractions = Cch::contractions_of(&g);
        let g = RoadGraph::from_bytes(&g.to_bytes()).expect("round trip with contractions");
        let router = Router::new(g.clone());
        let mut r = rng(99);
        let first = random_squares(&g, &mut r, 5);
        let second = random_squares(&g, &mut r, 5);
        for p in Profile::ALL {
            let cch = router.cch(p);
            let nodes = nodes_of(&g, p);
            // Before: the hazard-free metric.
            let base = router.base_metric(p);
            let w0: Vec<[u32; 2]> = (0..g.num_edges() as u32)
                .map(|e| [g.time(p, e, Dir::Forward), g.time(p, e, Dir::Backward)])
                .collect();
            let reach = check(name, "no hazards", &g, cch, &base, &w0, &nodes, 1);
            assert!(
                reach > SOURCES * TARGETS / 4,
                "{name}: too few reachable pairs"
            );
            // After a partial update from the base: the router's own metric
            // for the first hazard set, all hazards in force.
            let layer = HazardLayer::new(router.graph(), router.index(), first.clone());
            let all: Vec<u32> = (0..first.len() as u32).collect();
            let m1 = router.metric(&layer, p, &all);
            let w1 = static_weights(&g, p, &first);
            check(name, "first hazards", &g, cch, &m1, &w1, &nodes, 2);
            // After a second partial update, from the first state straight to
            // a second hazard set: only the edges either set touches change.
            let layer2 = HazardLayer::new(router.graph(), router.index(), second.clone());
            let w2 = static_weights(&g, p, &second);
            let mut changed: Vec<u32> = (0..g.num_edges() as u32)
                .filter(|&e| !layer.on_edge(e).is_empty() || !layer2.on_edge(e).is_empty())
                .collect();
            changed.dedup();
            let mut m2 = (*m1).clone();
            m2.update(cch, &changed, |e| w2[e as usize]);
            check(name, "second hazards", &g, cch, &m2, &w2, &nodes, 3);
            // And back to no hazards.
            m2.update(cch, &changed, |e| w0[e as usize]);
            check(name, "hazards lifted", &g, cch, &m2, &w0, &nodes, 4);
        }
    }
}

#[test]
fn engines_agree_on_every_extract_under_time_windows() {
    const T0: i64 = 1_646_470_800_000; // 2022-03-05T09:00:00Z
    for &(name, ..) in EXTRACTS {
        let g = import(name);
        let router = Router::new(g.clone());
        // (Seed 7 since the barriers of tag policy 2 renumbered the nodes: with
        // seed 5 a 250 m square covered the heart of Helsinki's centre.)
        let mut r = rng(7);
        let mut set = random_squares(&g, &mut r, 6);
        let car_nodes = nodes_of(&g, Profile::Car);
        // Smaller squares (250 m) so that most routes exist; some hazards
        // hold for good, some start or end within the hour.
        for (i, h) in set.hazards.iter_mut().enumerate() {
            let c = g.node_pos(car_nodes[pick(&mut r, car_nodes.len())]);
            h.parts = vec![Part::square(c, 250.0)];
            h.validity = match i % 3 {
                0 => Validity::ALWAYS,
                1 => Validity {
                    from_ms: T0 + 20 * 60_000,
                    until_ms: T0 + 4 * 3_600_000,
                },
                _ => Validity {
                    from_ms: T0 - 3_600_000,
                    until_ms: T0 + 10 * 60_000,
                },
            };
        }
        let layer = HazardLayer::new(router.graph(), router.index(), set);
        let (mut same, mut routes) = (0, 0);
        for p in Profile::ALL {
            let nodes = nodes_of(&g, p);
            for k in 0..60 {
                let opts = RouteOptions {
                    profile: p,
                    depart_ms: T0 + (k % 6) * 15 * 60_000 - 30 * 60_000,
                    margin_ms: 5 * 60_000,
                    ..Default::default()
                };
                let a = g.node_pos(nodes[pick(&mut r, nodes.len())]);
                let b = g.node_pos(nodes[pick(&mut r, nodes.len())]);
                let got = router.route(&layer, a, b, &opts);
                let want = router.route(
                    &layer,
                    a,
                    b,
                    &RouteOptions {
                        engine: Engine::Dijkstra,
                        ..opts.clone()
                    },
                );
                match (&got, &want) {
                    (Ok(x), Ok(y)) => {
                        assert_eq!(x.duration_ms, y.duration_ms, "{name}: {a} -> {b}");
                        routes += 1;
                    }
                    (Err(x), Err(y)) => assert_eq!(x, y, "{name}: {a} -> {b}"),
                    _ => panic!("{name}: engines disagree on {a} -> {b}: {got:?} / {want:?}"),
                }
                same += 1;
            }
        }
        assert_eq!(same, 120);
        assert!(routes >= 25, "{name}: too few routes found: {routes}");
    }
}
