//! `corridor-bench layer GRAPH [K] [REPS]`: mapping a hazard onto the road
//! network, on the graph or on the graph tiled `K × K` (map_tiles' copies,
//! for a country-sized network): for a 1 km and a 5 km square on the middle
//! copy's node nearest its main network's centroid (where the hazard-change
//! benchmark puts its square), the time of `HazardLayer::new` (the R-tree walk and
//! the layer built from its hits) and the bytes the layer holds. This is
//! what each proposal routed through the server and each destination,
//! alternative and explanation of the corridor search pays. With
//! `ready` as a fourth argument, also the time `Router::new` takes on the
//! (tiled) graph with its contraction computed beforehand, as a server
//! loading a stored graph pays it: the segment index is built on a second
//! thread meanwhile, so this is less than the two one after the other.

use anyhow::{Context, Result};
use corridor_graph::SegmentIndex;
use corridor_routing::HazardLayer;
use serde_json::json;
use std::hint::black_box;
use std::time::Instant;

pub fn run(path: &str, k: usize, reps: usize, ready: bool) -> Result<()> {
    let (router, _) = crate::load(path)?;
    let one = router.graph();
    let hub = one.node_pos(crate::hub(one, &crate::main_nodes(&router))?);
    // The copies are shifted by the graph's extent (map_tiles::tiled).
    let (lo, hi) = one.bbox().context("a graph with nodes")?;
    let mid = (k / 2) as f64;
    let centre = corridor_geo::LatLon::new(
        hub.lat + mid * (hi.lat - lo.lat),
        hub.lon + mid * (hi.lon - lo.lon),
    );
    let g = crate::map_tiles::tiled(one, k);
    let t = Instant::now();
    let index = SegmentIndex::build(&g);
    let index_ms = t.elapsed().as_secs_f64() * 1e3;
    let mut out = serde_json::Map::new();
    for side in [1000.0, 5000.0] {
        let set = crate::block_square("square", centre, side);
        let (mut ms, mut layer) = (vec![], HazardLayer::empty(&g));
        for _ in 0..reps.max(1) {
            let t = Instant::now();
            layer = HazardLayer::new(&g, &index, set.clone());
            ms.push(t.elapsed().as_secs_f64() * 1e3);
            black_box(layer.edges_touched());
        }
        out.insert(
            format!("square_{}m", side as u32),
            json!({"edges_touched": layer.edges_touched(), "layer_bytes": layer.heap_bytes(),
                   "hazard_layer_new_ms_median": crate::median(ms.clone()), "ms_runs": ms}),
        );
    }
    out.insert("k".into(), json!(k));
    out.insert("nodes".into(), json!(g.num_nodes()));
    out.insert("edges".into(), json!(g.num_edges()));
    out.insert("segment_index_build_ms".into(), json!(index_ms));
    out.insert("segment_index_bytes".into(), json!(index.heap_bytes()));
    if ready {
        let mut g = g.clone();
        g.contractions = corridor_routing::cch::Cch::contractions_of(&g);
        let mut ms = vec![];
        for _ in 0..reps.max(1) {
            let g = g.clone();
            let t = Instant::now();
            black_box(corridor_routing::Router::new(g).graph().num_nodes());
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        out.insert(
            "router_new_ms_median".into(),
            json!(crate::median(ms.clone())),
        );
        out.insert("router_new_ms_runs".into(), json!(ms));
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::Value::Object(out))?
    );
    Ok(())
}
