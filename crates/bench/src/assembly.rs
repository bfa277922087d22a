//! `corridor-bench assembly GRAPH [N] [REPS]`: the whole route through
//! `Router::route` (snapping both points, the hierarchy query, geometry,
//! road stretches, way ids) against the bare path query between the same two
//! nodes (`CchQuery::path` on the base metric: the elimination-tree walks
//! and the unpacking of the path into original edges), on the same pairs,
//! interleaved pair by pair. Also the snapping of both points alone; how
//! much slower the bare query is from two seeds each side (the node, and
//! the other end of its first car arc at that arc's weight), which is what
//! a route snapped onto one of a node's edges searches from, to tell the
//! search's share of the gap from the assembly's (the ratio stays
//! one seed each side); and the hazard mapping of a 1 km and a 5 km square at the network's centre
//! (whole R-tree nodes against the plain per-segment test).

use crate::{load, main_nodes, median, pct, Rng};
use anyhow::Result;
use corridor_graph::Profile;
use corridor_routing::cch::CchQuery;
use corridor_routing::{Endpoint, HazardLayer, RouteOptions};
use serde_json::json;
use std::hint::black_box;
use std::time::Instant;

pub fn run(graph: &str, n: usize, reps: usize) -> Result<()> {
    let (router, _) = load(graph)?;
    let g = router.graph();
    let nodes = main_nodes(&router);
    let mut rng = Rng(42);
    let pairs: Vec<(u32, u32)> = (0..n)
        .map(|_| (nodes[rng.below(nodes.len())], nodes[rng.below(nodes.len())]))
        .collect();
    let empty = HazardLayer::empty(g);
    let opts = RouteOptions::default();
    let cch = router.cch(Profile::Car);
    let metric = router.base_metric(Profile::Car);
    let mut q = CchQuery::new(cch);
    // Warm up both (pools, caches).
    for &(s, t) in pairs.iter().take(50) {
        black_box(q.path(cch, &metric, &[(s, 0)], &[(t, 0)]));
        black_box(
            router
                .route(&empty, g.node_pos(s), g.node_pos(t), &opts)
                .is_ok(),
        );
    }
    // Two seeds each side: the node and the other end of its first car arc.
    let adj = router.adjacency(Profile::Car);
    let two = |v: u32| -> [(u32, u32); 2] {
        let first = adj.first_out[v as usize] as usize;
        match adj.arcs.get(first) {
            Some(a) if first < adj.first_out[v as usize + 1] as usize => {
                [(v, 0), (a.head, a.weight)]
            }
            _ => [(v, 0), (v, 0)],
        }
    };
    let (mut full50, mut bare50, mut snap50, mut ratio) = (vec![], vec![], vec![], vec![]);
    // p50 of the bare query from two seeds each side over that from one,
    // each measured in a pass of its own.
    let mut two50 = vec![];
    let (mut full99, mut bare99) = (vec![], vec![]);
    for _ in 0..reps {
        let (mut full, mut bare, mut snap, mut bare2) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for &(s, t) in &pairs {
            let (a, b) = (g.node_pos(s), g.node_pos(t));
            let t0 = Instant::now();
            let p = q.path(cch, &metric, &[(s, 0)], &[(t, 0)]);
            bare.push(t0.elapsed().as_secs_f64() * 1e6);
            black_box(p);
            let t0 = Instant::now();
            let r = router.route(&empty, a, b, &opts);
            full.push(t0.elapsed().as_secs_f64() * 1e6);
            black_box(r.is_ok());
            let t0 = Instant::now();
            let x = router.snap(&empty, Endpoint::Origin, a, &opts);
            let y = router.snap(&empty, Endpoint::Destination, b, &opts);
            snap.push(t0.elapsed().as_secs_f64() * 1e6);
            black_box((x.is_ok(), y.is_ok()));
        }
        // Apart from the interleaved loop, where each query would find the
        // route's own search of the same pair still in the cache: one pass
        // over all pairs with one seed each side, one with two.
        let mut bare1 = Vec::with_capacity(n);
        for (one, out) in [(true, &mut bare1), (false, &mut bare2)] {
            for &(s, t) in &pairs {
                let (ss, tt) = (two(s), two(t));
                let k = if one { 1 } else { 2 };
                let t0 = Instant::now();
                let p = q.path(cch, &metric, &ss[..k], &tt[..k]);
                out.push(t0.elapsed().as_secs_f64() * 1e6);
                black_box(p);
            }
        }
        let (f, b) = (pct(&full, 0.5), pct(&bare, 0.5));
        full50.push(f);
        bare50.push(b);
        ratio.push(f / b);
        full99.push(pct(&full, 0.99));
        bare99.push(pct(&bare, 0.99));
        snap50.push(pct(&snap, 0.5));
        two50.push(pct(&bare2, 0.5) / pct(&bare1, 0.5));
    }
    // Hazard mapping at the network's centre.
    let hub = crate::hub(g, &nodes)?;
    let mut mapping = serde_json::Map::new();
    for side in [1000.0, 5000.0] {
        let set = crate::block_square("square", g.node_pos(hub), side);
        let (mut nodes_ms, mut plain_ms, mut layer_ms) = (vec![], vec![], vec![]);
        let (mut a, mut b) = (vec![], vec![]);
        for _ in 0..reps.max(3) * 5 {
            let t0 = Instant::now();
            a = set.edge_hits(g, router.index());
            nodes_ms.push(t0.elapsed().as_secs_f64() * 1e3);
            let t0 = Instant::now();
            b = set.edge_hits_reference(g, router.index());
            plain_ms.push(t0.elapsed().as_secs_f64() * 1e3);
            let t0 = Instant::now();
            black_box(HazardLayer::new(g, router.index(), set.clone()).edges_touched());
            layer_ms.push(t0.elapsed().as_secs_f64() * 1e3);
        }
        anyhow::ensure!(a == b, "the two mappings differ");
        mapping.insert(
            format!("square_{}m", side as u32),
            json!({"edges": a.len(), "tree_nodes_ms_median": median(nodes_ms),
                   "per_segment_ms_median": median(plain_ms),
                   "hazard_layer_new_ms_median": median(layer_ms)}),
        );
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "graph": graph, "pairs": n, "reps": reps,
            "full_route_p50_us_median": median(full50.clone()),
            "bare_path_query_p50_us_median": median(bare50.clone()),
            "ratio_full_over_bare_median": median(ratio.clone()),
            "full_route_p99_us_median": median(full99),
            "bare_path_query_p99_us_median": median(bare99),
            "snap_both_p50_us_median": median(snap50),
            "two_seeds_over_one_seed_p50_median": median(two50),
            "full_p50_us_runs": full50, "bare_p50_us_runs": bare50, "ratio_runs": ratio,
            "hazard_mapping": mapping,
        }))?
    );
    Ok(())
}
