//! Customization paths against each other and against Dijkstra on random
//! graphs: the parallel customization equals the sequential one bit for bit
//! (weights and unpacking data) on any number of threads, and a partial
//! update (frontier-tested, from triangle lists) equals a full
//! re-customization bit for bit after any sequence of changes, with the
//! queries on it equal to Dijkstra's.

mod common;
use common::graph;
use corridor_graph::{Dir, Profile, RoadGraph, INFINITY};
use corridor_hazards::HazardSet;
use corridor_routing::cch::{order, Cch, CchQuery, Metric};
use corridor_routing::{reference, RouteOptions};
use proptest::prelude::*;

fn weights(g: &RoadGraph) -> impl Fn(u32) -> [u32; 2] + Sync + '_ {
    move |e| {
        [
            g.time(Profile::Car, e, Dir::Forward),
            g.time(Profile::Car, e, Dir::Backward),
        ]
    }
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
    Cch::new(&c, &g.edge_tail, &g.edge_head, |_| true).expect("hierarchy")
}

fn dijkstra(g: &RoadGraph, s: u32, t: u32) -> Option<u32> {
    let hits = vec![Vec::new(); g.num_edges()];
    reference::node_to_node(
        g,
        &HazardSet::default(),
        &hits,
        s,
        t,
        &RouteOptions::default(),
    )
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

/// A jittered `w × h` grid with random one-way streets, missing streets and
/// long random shortcuts: big enough for several levels of separators.
fn grid(
    w: usize,
    h: usize,
    jitter: &[(f64, f64)],
    kinds: &[(u32, u8)],
    shortcuts: &[(usize, usize, u32)],
) -> RoadGraph {
    let n = w * h;
    let pts: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            (
                ((i / w) as f64 + jitter[i].0) / h as f64,
                ((i % w) as f64 + jitter[i].1) / w as f64,
            )
        })
        .collect();
    let mut edges = Vec::new();
    for i in 0..n {
        let (x, y) = (i % w, i / w);
        if x + 1 < w {
            let (wt, k) = kinds[2 * i];
            if k != 4 {
                edges.push((i, i + 1, wt, k % 3));
            }
        }
        if y + 1 < h {
            let (wt, k) = kinds[2 * i + 1];
            if k != 4 {
                edges.push((i, i + w, wt, k % 3));
            }
        }
    }
    edges.extend(shortcuts.iter().map(|&(a, b, wt)| (a % n, b % n, wt, 0u8)));
    if edges.is_empty() {
        edges.push((0, 1 % n, 1000, 0));
    }
    graph(n, &pts, &edges)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Parallel customization on 1, 2 and 3 threads equals the sequential
    /// one, weights and vias, on random grids (many subtrees and levels).
    #[test]
    fn parallel_equals_sequential(
        w in 4usize..26,
        h in 4usize..26,
        jitter in prop::collection::vec((0.0..0.4f64, 0.0..0.4f64), 625),
        kinds in prop::collection::vec((1u32..300_000, 0u8..5), 1250),
        shortcuts in prop::collection::vec((0usize..625, 0usize..625, 1u32..900_000), 0..30),
        ties in any::<bool>(),
    ) {
        let mut kinds = kinds;
        if ties {
            // Few distinct weights: many equal candidates, so the vias
            // depend on the order the candidates are looked at.
            for k in &mut kinds {
                k.0 = 1000 * (1 + k.0 % 3);
            }
        }
        let g = grid(w, h, &jitter, &kinds, &shortcuts);
        let cch = hierarchy(&g);
        let seq = Metric::new(&cch, weights(&g));
        for threads in [1, 2, 3] {
            let par = pool(threads).install(|| Metric::new_parallel(&cch, weights(&g)));
            prop_assert!(par.same_as(&seq), "{} threads", threads);
        }
        // Re-customizing a metric in place (the arrays hold old values).
        let mut m = Metric::new(&cch, |_| [7, 7]);
        pool(2).install(|| m.customize_parallel(&cch, weights(&g)));
        prop_assert!(m.same_as(&seq));
    }

    /// Partial updates (weights up, down, blocked, one way closed, restored)
    /// equal full re-customization bit for bit, derive no more than the
    /// arcs the change reaches, and answer as Dijkstra does.
    #[test]
    fn update_equals_full_and_dijkstra(
        w in 3usize..16,
        h in 3usize..16,
        jitter in prop::collection::vec((0.0..0.4f64, 0.0..0.4f64), 225),
        kinds in prop::collection::vec((1u32..300_000, 0u8..5), 450),
        shortcuts in prop::collection::vec((0usize..225, 0usize..225, 1u32..900_000), 0..12),
        rounds in prop::collection::vec(prop::collection::vec((0usize..1000, 0u32..400_000, 0u8..6), 1..25), 1..5),
        queries in prop::collection::vec((0usize..225, 0usize..225), 10),
    ) {
        let mut g = grid(w, h, &jitter, &kinds, &shortcuts);
        let n = g.num_nodes();
        let m_edges = g.num_edges();
        let original = g.time_ms[0].clone();
        let cch = hierarchy(&g);
        let mut m = Metric::new(&cch, weights(&g));
        let mut q = CchQuery::new(&cch);
        let half = |w: u32| if w >= INFINITY { w } else { w / 2 + 1 };
        for round in &rounds {
            let mut changed = Vec::new();
            for &(e, wt, how) in round {
                let e = e % m_edges;
                let wt = wt.max(1);
                let [f0, b0] = [original[0][e], original[1][e]];
                let (f, b) = match how {
                    0 => (wt, wt),
                    1 => (INFINITY, INFINITY),
                    2 => (f0, INFINITY),
                    3 => (f0, b0), // restored
                    // Faster or slower than the original (one way stays one way).
                    4 => (half(f0), half(b0)),
                    _ => (if f0 >= INFINITY { f0 } else { f0 * 3 }, b0),
                };
                g.time_ms[0][0][e] = f;
                g.time_ms[0][1][e] = b;
                changed.push(e as u32);
            }
            let stats = m.update_with_stats(&cch, &changed, weights(&g));
            prop_assert!(stats.changed <= stats.derived && stats.derived <= stats.reached,
                "{:?}", stats);
            let full = Metric::new(&cch, weights(&g));
            prop_assert!(m.same_as(&full));
            for &(s, t) in &queries {
                let (s, t) = ((s % n) as u32, (t % n) as u32);
                prop_assert_eq!(q.distance(&cch, &m, s, t), dijkstra(&g, s, t), "{} -> {}", s, t);
            }
        }
        // The plain update does the same as the counting one.
        let mut a = Metric::new(&cch, weights(&g));
        let mut b = a.clone();
        let all: Vec<u32> = (0..m_edges as u32).collect();
        let restore = |e: u32| [original[0][e as usize], original[1][e as usize]];
        let changed_a = a.update(&cch, &all, restore);
        let stats_b = b.update_with_stats(&cch, &all, restore);
        prop_assert_eq!(changed_a, stats_b.changed);
        prop_assert!(a.same_as(&b));
        prop_assert!(a.same_as(&Metric::new(&cch, restore)));
    }
}

/// An empty hierarchy and a graph without edges customize (both ways) and
/// update without panicking.
#[test]
fn degenerate_hierarchies() {
    let g = graph(3, &[(0.0, 0.0), (0.5, 0.5), (1.0, 1.0)], &[(0, 0, 5, 0)]);
    let cch = hierarchy(&g);
    let mut m = Metric::new(&cch, weights(&g));
    let p = pool(2).install(|| Metric::new_parallel(&cch, weights(&g)));
    assert!(p.same_as(&m));
    assert_eq!(m.update(&cch, &[0], weights(&g)), 0);
    assert_eq!(cch.num_triangles(), 0);
}
