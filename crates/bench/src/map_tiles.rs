//! `map-tiles GRAPH [K]`: the road network as map tiles (corridor-wire's
//! `tiles`), on the graph or on the graph tiled `K × K` (copies side by side,
//! straight edges, for a country-sized network): the index build time, and
//! per zoom the tiles over the network's box (up to 300 of them, evenly
//! spread), their largest size and the time to make one (median, max).

use anyhow::Result;
use corridor_geo::LatLon;
use corridor_graph::{Dir, Profile, RoadGraph};
use corridor_wire::tiles::{tile_of, Tiles, MAX_TILE_BYTES, MAX_ZOOM, MIN_ZOOM};
use serde_json::json;
use std::time::Instant;

/// `g` copied `k × k` times, each copy shifted by the graph's extent.
pub(crate) fn tiled(g: &RoadGraph, k: usize) -> RoadGraph {
    if k <= 1 {
        return g.clone();
    }
    let (lo, hi) = g.bbox().expect("a graph with nodes");
    let (dlat, dlon) = (hi.lat - lo.lat, hi.lon - lo.lon);
    let mut t = RoadGraph::builder();
    let n = g.num_nodes() as u32;
    for i in 0..k {
        for j in 0..k {
            for v in 0..n {
                let p = g.node_pos(v);
                t.push_node(
                    LatLon::new(p.lat + i as f64 * dlat, p.lon + j as f64 * dlon),
                    i64::from(v) + 1,
                );
            }
            let base = ((i * k + j) as u32) * n;
            for e in 0..g.num_edges() as u32 {
                let mut time = [[0u32; 2]; 2];
                for (pi, p) in [Profile::Car, Profile::Foot].into_iter().enumerate() {
                    time[pi] = [g.time(p, e, Dir::Forward), g.time(p, e, Dir::Backward)];
                }
                t.push_straight_edge(
                    base + g.edge_tail[e as usize],
                    base + g.edge_head[e as usize],
                    time,
                );
            }
        }
    }
    t
}

pub fn run(path: &str, k: usize) -> Result<()> {
    let (router, _) = crate::load(path)?;
    let g = tiled(router.graph(), k);
    let t = Instant::now();
    let tiles = Tiles::new(&g);
    let build_ms = t.elapsed().as_secs_f64() * 1000.0;
    let (lo, hi) = g.bbox().expect("a graph with nodes");
    let mut zooms = Vec::new();
    for z in MIN_ZOOM..=MAX_ZOOM {
        let (x0, y1) = tile_of(lo, z);
        let (x1, y0) = tile_of(hi, z);
        let all: Vec<(u32, u32)> = (x0..=x1)
            .flat_map(|x| (y0..=y1).map(move |y| (x, y)))
            .collect();
        let step = all.len().div_ceil(300).max(1);
        let mut ms = Vec::new();
        let mut largest = 0;
        let mut bytes = 0usize;
        for &(x, y) in all.iter().step_by(step) {
            let t = Instant::now();
            let body = tiles
                .tile(&g, z, x, y)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            largest = largest.max(body.len());
            bytes += body.len();
        }
        ms.sort_by(f64::total_cmp);
        zooms.push(
            json!({"zoom": z, "tiles_in_box": all.len(), "measured": ms.len(),
            "largest_bytes": largest, "mean_bytes": bytes / ms.len().max(1),
            "ms_p50": ms[ms.len() / 2], "ms_max": ms[ms.len() - 1]}),
        );
        assert!(largest <= MAX_TILE_BYTES);
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({"graph": path, "tiled": k, "nodes": g.num_nodes(),
            "edges": g.num_edges(), "index_build_ms": build_ms, "zooms": zooms}))?
    );
    Ok(())
}
