//! The node order: a permutation, the same on every run, and exact
//! hierarchies on graphs full of what the order's reduction takes out
//! (degree-2 chains, trees hanging off, rings, isolated nodes).

mod common;
use common::graph;
use corridor_graph::{Dir, Profile, RoadGraph};
use corridor_hazards::HazardSet;
use corridor_routing::cch::order::{self, OrderOptions};
use corridor_routing::cch::{Cch, CchQuery, Metric};
use corridor_routing::{reference, RouteOptions};
use proptest::prelude::*;

fn is_permutation(rank: &[u32]) -> bool {
    let mut seen = vec![false; rank.len()];
    rank.iter().all(|&r| {
        let fresh = (r as usize) < seen.len() && !seen[r as usize];
        if fresh {
            seen[r as usize] = true;
        }
        fresh
    })
}

fn rank_with(g: &RoadGraph, opts: &OrderOptions) -> Vec<u32> {
    order::nested_dissection_with(
        g.num_nodes(),
        &g.edge_tail,
        &g.edge_head,
        &g.node_lat,
        &g.node_lon,
        opts,
    )
}

/// A `w × h` grid whose streets are subdivided into chains of `split[i]`
/// extra nodes, with dead-end spurs (trees) and a ring off to the side,
/// plus a few isolated nodes. Returns the points and the edges.
#[allow(clippy::type_complexity)]
fn chained_grid(
    w: usize,
    h: usize,
    split: &[(usize, u32, u8)],
    spurs: &[(usize, usize)],
) -> (Vec<(f64, f64)>, Vec<(usize, usize, u32, u8)>) {
    let mut pts: Vec<(f64, f64)> = (0..w * h)
        .map(|i| ((i / w) as f64 / h as f64, (i % w) as f64 / w as f64))
        .collect();
    let mut edges = Vec::new();
    let mut street =
        |a: usize, b: usize, (extra, wt, kind): (usize, u32, u8), pts: &mut Vec<(f64, f64)>| {
            if kind == 4 {
                return; // no street here
            }
            let (pa, pb) = (pts[a], pts[b]);
            let mut prev = a;
            for j in 0..extra {
                let f = (j + 1) as f64 / (extra + 1) as f64;
                pts.push((pa.0 + f * (pb.0 - pa.0), pa.1 + f * (pb.1 - pa.1)));
                let v = pts.len() - 1;
                edges.push((prev, v, wt, kind % 3));
                prev = v;
            }
            edges.push((prev, b, wt, kind % 3));
        };
    for i in 0..w * h {
        let (x, y) = (i % w, i / w);
        if x + 1 < w {
            street(i, i + 1, split[2 * i], &mut pts);
        }
        if y + 1 < h {
            street(i, i + w, split[2 * i + 1], &mut pts);
        }
    }
    // Dead-end spurs: a path of `len` nodes off node `at` (any node so far,
    // chain nodes included), each with a one-node twig.
    for &(at, len) in spurs {
        let mut prev = at % pts.len();
        for j in 0..len {
            let p = pts[prev];
            pts.push((p.0 + 0.01, p.1 + 0.003 * j as f64));
            let v = pts.len() - 1;
            edges.push((prev, v, 1000, 0));
            if j % 2 == 1 {
                pts.push((p.0 - 0.01, p.1));
                edges.push((v, pts.len() - 1, 500, 0));
            }
            prev = v;
        }
    }
    // A ring of degree-2 nodes on its own, and two isolated nodes.
    let ring0 = pts.len();
    for j in 0..7 {
        pts.push((1.2 + 0.01 * j as f64, 1.2));
    }
    for j in 0..7 {
        edges.push((ring0 + j, ring0 + (j + 1) % 7, 700, 0));
    }
    pts.push((1.5, 1.5));
    pts.push((1.6, 1.5));
    (pts, edges)
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The order is a permutation, deterministic, and gives exact distances
    /// (CCH against Dijkstra), for the default options and the others the
    /// benchmarks use.
    #[test]
    fn order_is_a_deterministic_permutation_and_exact(
        w in 3usize..12,
        h in 3usize..12,
        split in prop::collection::vec((0usize..6, 1u32..300_000, 0u8..6), 288),
        spurs in prop::collection::vec((0usize..1000, 1usize..9), 0..8),
        queries in prop::collection::vec((0usize..5000, 0usize..5000), 12),
    ) {
        let (pts, edges) = chained_grid(w, h, &split, &spurs);
        prop_assume!(!edges.is_empty());
        let n = pts.len();
        let g = graph(n, &pts, &edges);
        let variants = [
            OrderOptions::default(),
            OrderOptions { directions: 4, stages: vec![0.25], reduce: false, chains: false },
            OrderOptions { directions: 3, stages: vec![0.05, 0.5], reduce: true, chains: true },
            OrderOptions { reduce: true, chains: false, ..OrderOptions::default() },
        ];
        for opts in &variants {
            let rank = rank_with(&g, opts);
            prop_assert_eq!(rank.len(), n);
            prop_assert!(is_permutation(&rank), "not a permutation: {:?}", rank);
            prop_assert_eq!(&rank_with(&g, opts), &rank, "not deterministic");
            let c = order::contract(n, &g.edge_tail, &g.edge_head, &rank);
            c.validate(n, &g.edge_tail, &g.edge_head, |_| true)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let cch = Cch::new(&c, &g.edge_tail, &g.edge_head, |_| true)
                .map_err(TestCaseError::fail)?;
            let m = Metric::new(&cch, |e| {
                [g.time(Profile::Car, e, Dir::Forward), g.time(Profile::Car, e, Dir::Backward)]
            });
            let mut q = CchQuery::new(&cch);
            for &(s, t) in &queries {
                let (s, t) = ((s % n) as u32, (t % n) as u32);
                prop_assert_eq!(q.distance(&cch, &m, s, t), dijkstra(&g, s, t), "{} -> {}", s, t);
            }
        }
    }
}

/// The reduction pays off where it should: on a long road (a path: a tree,
/// taken out by default) or a ring (chains taken out), the elimination tree
/// is logarithmic, not linear.
#[test]
fn chains_are_ordered_by_centroids() {
    for len in [1usize, 2, 3, 10, 100, 1000] {
        let pts: Vec<(f64, f64)> = (0..len).map(|i| (0.0, i as f64 / len as f64)).collect();
        let mut edges: Vec<(usize, usize, u32, u8)> =
            (1..len).map(|i| (i - 1, i, 1000, 0)).collect();
        for ring in [false, true] {
            if ring && len >= 3 {
                edges.push((len - 1, 0, 1000, 0));
            } else if ring {
                continue;
            }
            if edges.is_empty() {
                continue;
            }
            let g = graph(len, &pts, &edges);
            let chains = OrderOptions {
                chains: true,
                ..OrderOptions::default()
            };
            let rank = rank_with(&g, &chains);
            assert!(is_permutation(&rank));
            assert!(is_permutation(&rank_with(&g, &OrderOptions::default())));
            let c = order::contract(len, &g.edge_tail, &g.edge_head, &rank);
            let cch = Cch::new(&c, &g.edge_tail, &g.edge_head, |_| true).expect("cch");
            let bound = 2 + 2 * (usize::BITS - len.leading_zeros()) as usize;
            assert!(
                cch.tree_height() <= bound,
                "path of {len} (ring: {ring}): height {} > {bound}",
                cch.tree_height()
            );
            // A path or a ring has at most 2 upward arcs per node.
            assert!(
                cch.num_arcs() <= 2 * len,
                "{} arcs for {len} nodes",
                cch.num_arcs()
            );
        }
    }
}
