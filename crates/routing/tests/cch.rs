//! The contraction hierarchy against the reference Dijkstra on random graphs:
//! every phase (order, contraction, full, partial and perfect customization,
//! distance, path and one-to-many queries), and the router's two engines
//! against each other under random hazards and departure times.

mod common;
use common::{graph, hazards, T0};
use corridor_geo::LatLon;
use corridor_graph::{Dir, Profile, RoadGraph, INFINITY};
use corridor_hazards::HazardSet;
use corridor_routing::cch::{order, Cch, CchQuery, Metric};
use corridor_routing::{reference, Engine, HazardLayer, RouteError, RouteOptions, Router};
use proptest::prelude::*;

fn weights(g: &RoadGraph, p: Profile) -> impl Fn(u32) -> [u32; 2] + '_ {
    move |e| [g.time(p, e, Dir::Forward), g.time(p, e, Dir::Backward)]
}

fn hierarchy(g: &RoadGraph) -> Cch {
    let rank = order::nested_dissection(
        g.num_nodes(),
        &g.edge_tail,
        &g.edge_head,
        &g.node_lat,
        &g.node_lon,
    );
    let c = order::contract(g.num_nodes(), &g.edge_tail, &g.edge_head, &rank);
    c.validate(g.num_nodes(), &g.edge_tail, &g.edge_head, |_| true)
        .expect("contraction valid");
    Cch::new(&c, &g.edge_tail, &g.edge_head, |_| true).expect("hierarchy")
}

/// Plain Dijkstra on the car times of `g` (no hazards).
fn dijkstra(g: &RoadGraph, s: u32, t: u32) -> Option<u32> {
    let opts = RouteOptions::default();
    let set = HazardSet::default();
    let hits = vec![Vec::new(); g.num_edges()];
    reference::node_to_node(g, &set, &hits, s, t, &opts)
}

/// Checks a path: it starts at `s`, ends at `t`, chains, and its weights sum
/// to `cost`.
fn check_path(
    g: &RoadGraph,
    s: u32,
    t: u32,
    cost: u32,
    steps: &[corridor_routing::cch::Step],
) -> Result<(), String> {
    let mut at = s;
    let mut sum = 0u64;
    for st in steps {
        let (tail, head) = (g.edge_tail[st.edge as usize], g.edge_head[st.edge as usize]);
        let (from, to, dir) = if st.forward {
            (tail, head, Dir::Forward)
        } else {
            (head, tail, Dir::Backward)
        };
        if from != at {
            return Err(format!("path breaks at node {at}"));
        }
        sum += g.time(Profile::Car, st.edge, dir) as u64;
        at = to;
    }
    if at != t {
        return Err(format!("path ends at {at}, not {t}"));
    }
    if sum != cost as u64 {
        return Err(format!("path weighs {sum}, cost says {cost}"));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Every phase against Dijkstra, before and after partial updates.
    #[test]
    fn cch_equals_dijkstra(
        n in 2usize..60,
        pts in prop::collection::vec((0.0..1.0f64, 0.0..1.0f64), 60),
        edges in prop::collection::vec((0usize..60, 0usize..60, 1u32..600_000, 0u8..3), 1..140),
        changes in prop::collection::vec(prop::collection::vec((0usize..140, 0u32..900_000, 0u8..4), 1..8), 1..4),
        queries in prop::collection::vec((0usize..60, 0usize..60), 12),
    ) {
        let mut g = graph(n, &pts, &edges);
        let cch = hierarchy(&g);
        let mut m = Metric::new(&cch, weights(&g, Profile::Car));
        let mut q = CchQuery::new(&cch);
        let m_edges = g.num_edges();
        for round in 0..=changes.len() {
            if round > 0 {
                // Change some edges: a new weight, blocked, or one way closed.
                let mut changed = Vec::new();
                for &(e, w, how) in &changes[round - 1] {
                    let e = e % m_edges;
                    let w = w.max(1);
                    let (f, b) = match how {
                        0 => (w, w),
                        1 => (INFINITY, INFINITY),
                        2 => (w, INFINITY),
                        _ => (INFINITY, w),
                    };
                    g.time_ms[0][0][e] = f;
                    g.time_ms[0][1][e] = b;
                    changed.push(e as u32);
                }
                m.update(&cch, &changed, weights(&g, Profile::Car));
                // Partial equals full customization, arc by arc.
                let full = Metric::new(&cch, weights(&g, Profile::Car));
                for a in 0..cch.num_arcs() as u32 {
                    prop_assert_eq!(m.up_weight(a), full.up_weight(a), "arc {} up", a);
                    prop_assert_eq!(m.down_weight(a), full.down_weight(a), "arc {} down", a);
                }
            }
            let (perfect, _) = m.perfect(&cch);
            let mut targets = Vec::new();
            for &(s, t) in &queries {
                let (s, t) = ((s % n) as u32, (t % n) as u32);
                targets.push(t);
                let want = dijkstra(&g, s, t);
                prop_assert_eq!(q.distance(&cch, &m, s, t), want, "{} -> {} round {}", s, t, round);
                prop_assert_eq!(q.distance(&cch, &perfect, s, t), want, "perfect {} -> {}", s, t);
                let path = q.path(&cch, &m, &[(s, 0)], &[(t, 0)]);
                prop_assert_eq!(path.as_ref().map(|p| p.cost), want);
                if let Some(p) = path {
                    check_path(&g, s, t, p.cost, &p.steps).map_err(TestCaseError::fail)?;
                }
                if let Some(p) = q.path(&cch, &perfect, &[(s, 0)], &[(t, 0)]) {
                    check_path(&g, s, t, p.cost, &p.steps).map_err(TestCaseError::fail)?;
                }
            }
            let s0 = (queries[0].0 % n) as u32;
            let many = q.one_to_many(&cch, &m, &[(s0, 0)], &targets);
            for (i, &t) in targets.iter().enumerate() {
                prop_assert_eq!(many[i], dijkstra(&g, s0, t), "one-to-many {} -> {}", s0, t);
            }
        }
    }

    /// Larger graphs, so that the inertial-flow separators (not only the
    /// minimum-degree order of small cells) are exercised: a jittered grid
    /// with random one-way streets, random weights and random shortcuts.
    #[test]
    fn cch_equals_dijkstra_on_larger_grids(
        w in 6usize..18,
        h in 6usize..18,
        jitter in prop::collection::vec((0.0..0.4f64, 0.0..0.4f64), 324),
        kinds in prop::collection::vec((1u32..300_000, 0u8..5), 700),
        shortcuts in prop::collection::vec((0usize..324, 0usize..324, 1u32..900_000), 0..20),
        queries in prop::collection::vec((0usize..324, 0usize..324), 20),
    ) {
        let n = w * h;
        let pts: Vec<(f64, f64)> = (0..n)
            .map(|i| (((i / w) as f64 + jitter[i].0) / h as f64, ((i % w) as f64 + jitter[i].1) / w as f64))
            .collect();
        let mut edges = Vec::new();
        for i in 0..n {
            let (x, y) = (i % w, i / w);
            if x + 1 < w {
                let (wt, k) = kinds[2 * i];
                if k != 4 { edges.push((i, i + 1, wt, k % 3)); }
            }
            if y + 1 < h {
                let (wt, k) = kinds[2 * i + 1];
                if k != 4 { edges.push((i, i + w, wt, k % 3)); }
            }
        }
        edges.extend(shortcuts.iter().map(|&(a, b, wt)| (a % n, b % n, wt, 0u8)));
        prop_assume!(!edges.is_empty());
        let g = graph(n, &pts, &edges);
        let cch = hierarchy(&g);
        let m = Metric::new(&cch, weights(&g, Profile::Car));
        let mut q = CchQuery::new(&cch);
        for &(s, t) in &queries {
            let (s, t) = ((s % n) as u32, (t % n) as u32);
            let want = dijkstra(&g, s, t);
            prop_assert_eq!(q.distance(&cch, &m, s, t), want, "{} -> {}", s, t);
            if let Some(p) = q.path(&cch, &m, &[(s, 0)], &[(t, 0)]) {
                check_path(&g, s, t, p.cost, &p.steps).map_err(TestCaseError::fail)?;
            }
        }
    }

    /// The router's engines agree on random points, hazards and departures:
    /// the same travel time to the millisecond, or the same kind of error.
    #[test]
    fn engines_agree(
        n in 4usize..40,
        pts in prop::collection::vec((0.0..1.0f64, 0.0..1.0f64), 40),
        edges in prop::collection::vec((0usize..40, 0usize..40, 1u32..600_000, 0u8..3), 5..90),
        hz in prop::collection::vec((0.0..1.0f64, 0.0..1.0f64, 0.1..1.5f64, 0u8..3, -30i64..180, 1i64..120, 0u8..6), 0..6),
        depart_min in 0i64..90,
        queries in prop::collection::vec((0.0..1.0f64, 0.0..1.0f64, 0.0..1.0f64, 0.0..1.0f64), 6),
        foot in any::<bool>(),
    ) {
        let g = graph(n, &pts, &edges);
        let router = Router::new(g);
        let layer = HazardLayer::new(router.graph(), router.index(), hazards(&hz));
        let opts = RouteOptions {
            profile: if foot { Profile::Foot } else { Profile::Car },
            depart_ms: T0 + depart_min * 60_000,
            margin_ms: 10 * 60_000,
            max_snap_m: 5_000.0,
            engine: Engine::Cch,
        };
        let reference = RouteOptions { engine: Engine::Dijkstra, ..opts.clone() };
        for &(a, b, c, d) in &queries {
            let from = LatLon::new(50.44 + a * 0.02, 30.50 + b * 0.03);
            let to = LatLon::new(50.44 + c * 0.02, 30.50 + d * 0.03);
            let got = router.route(&layer, from, to, &opts);
            let want = router.route(&layer, from, to, &reference);
            match (&got, &want) {
                (Ok(x), Ok(y)) => {
                    prop_assert_eq!(x.duration_ms, y.duration_ms);
                    let legs: u64 = x.legs.iter().map(|l| l.duration_ms as u64).sum();
                    prop_assert_eq!(legs, x.duration_ms, "legs add up");
                    for w in x.legs.windows(2) {
                        prop_assert_eq!(w[1].enter_ms, w[0].enter_ms + w[0].duration_ms);
                    }
                }
                // The same error, down to the hazards named as the cut.
                (Err(x), Err(y)) => prop_assert_eq!(x, y),
                _ => prop_assert!(false, "engines disagree: {:?} vs {:?}", got.map(|r| r.duration_ms), want.map(|r| r.duration_ms)),
            }
        }
    }
}

#[test]
fn a_hazard_that_starts_mid_trip_is_handled_exactly() {
    // Three edges of 10 minutes; a blocking hazard on the middle one from
    // minute 40. Departing at 0 the traveller is off it by 35 (margin 15):
    // clear. Departing at 6 they could be on it until 41: cut.
    let pts = [(0.0, 0.0), (0.0, 0.33), (0.0, 0.66), (0.0, 1.0)];
    let ten = 600_000;
    let g = graph(4, &pts, &[(0, 1, ten, 0), (1, 2, ten, 0), (2, 3, ten, 0)]);
    let router = Router::new(g.clone());
    let layer = HazardLayer::new(
        router.graph(),
        router.index(),
        hazards(&[(0.0, 0.5, 0.2, 2, 40, 60, 1)]),
    );
    assert_eq!(layer.edges_touched(), 1);
    let mut opts = RouteOptions {
        depart_ms: T0,
        margin_ms: 15 * 60_000,
        ..Default::default()
    };
    let r = router
        .route(&layer, g.node_pos(0), g.node_pos(3), &opts)
        .expect("clear at 0");
    assert_eq!(r.duration_ms, 3 * ten as u64);
    opts.depart_ms = T0 + 6 * 60_000;
    let e = router
        .route(&layer, g.node_pos(0), g.node_pos(3), &opts)
        .unwrap_err();
    assert!(matches!(e, RouteError::Cut { .. }), "{e}");
}

/// A graph file whose contraction was damaged (checksum recomputed, as a
/// buggy or hostile writer would) is refused with a message, never used.
#[test]
fn damaged_contractions_are_refused() {
    let pts: Vec<(f64, f64)> = (0..30)
        .map(|i| ((i % 6) as f64 / 6.0, (i / 6) as f64 / 5.0))
        .collect();
    let edges: Vec<(usize, usize, u32, u8)> = (0..29)
        .flat_map(|i| [(i, i + 1, 60_000, 0u8), (i, (i + 6) % 30, 90_000, 1u8)])
        .collect();
    let mut g = graph(30, &pts, &edges);
    g.contractions = Cch::contractions_of(&g);
    assert!(RoadGraph::from_bytes(&g.to_bytes()).is_ok());
    type Damage = (&'static str, fn(&mut corridor_graph::Contraction));
    let damage: [Damage; 5] = [
        ("not a permutation", |c| c.rank[1] = c.rank[0]),
        ("index", |c| c.first_up[3] = u32::MAX),
        ("unsorted", |c| {
            let x = (0..c.rank.len())
                .find(|&x| c.first_up[x + 1] - c.first_up[x] >= 2)
                .expect("a node with two upward arcs");
            c.up_head
                .swap(c.first_up[x] as usize, c.first_up[x] as usize + 1);
        }),
        ("missing arc", |c| {
            let x = (0..c.rank.len())
                .find(|&x| c.first_up[x + 1] > c.first_up[x])
                .expect("an arc");
            c.up_head.remove(c.first_up[x] as usize);
            for f in c.first_up[x + 1..].iter_mut() {
                *f -= 1;
            }
        }),
        ("one profile only", |c| c.rank.clear()),
    ];
    for (what, f) in damage {
        let mut bad = g.clone();
        f(&mut bad.contractions[0]);
        if what == "one profile only" {
            bad.contractions.truncate(1);
        }
        let err = RoadGraph::from_bytes(&bad.to_bytes()).unwrap_err();
        assert!(
            matches!(err, corridor_graph::GraphFileError::Corrupt(_)),
            "{what}: {err}"
        );
    }
}
