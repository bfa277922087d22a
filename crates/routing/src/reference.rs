//! The reference: the plainest possible implementation of the same question,
//! for tests and benchmarks to check the engine against.
//!
//! It maps hazards to edges by testing every segment of every edge against
//! every hazard (no spatial index), and finds shortest times with an O(n²)
//! Dijkstra over the raw edge arrays (no heap, no adjacency), under the same
//! time rule as the engine.

use crate::RouteOptions;
use corridor_geo::LatLon;
use corridor_graph::{Dir, RoadGraph, INFINITY};
use corridor_hazards::{segment_meets_part, Effect, HazardSet};

/// Hazards touching each edge, by brute force.
pub fn edge_hazards(g: &RoadGraph, set: &HazardSet) -> Vec<Vec<u32>> {
    (0..g.num_edges() as u32)
        .map(|e| {
            let pts: Vec<LatLon> = g.shape(e).collect();
            (0..set.len() as u32)
                .filter(|&h| {
                    let hz = &set.hazards[h as usize];
                    pts.windows(2)
                        .any(|w| hz.parts.iter().any(|p| segment_meets_part(w[0], w[1], p, hz.buffer_m)))
                })
                .collect()
        })
        .collect()
}

/// Fastest travel time in ms from node `s` to node `t`, or `None`.
pub fn node_to_node(g: &RoadGraph, set: &HazardSet, hits: &[Vec<u32>], s: u32, t: u32, opts: &RouteOptions) -> Option<u32> {
    let n = g.num_nodes();
    let mut dist = vec![u64::MAX; n];
    let mut done = vec![false; n];
    dist[s as usize] = 0;
    loop {
        let mut v = usize::MAX;
        for i in 0..n {
            if !done[i] && dist[i] != u64::MAX && (v == usize::MAX || dist[i] < dist[v]) {
                v = i;
            }
        }
        if v == usize::MAX {
            return None;
        }
        if v == t as usize {
            return Some(dist[v] as u32);
        }
        done[v] = true;
        let now = opts.depart_ms + dist[v] as i64;
        for e in 0..g.num_edges() {
            for (dir, from, to) in [
                (Dir::Forward, g.edge_tail[e], g.edge_head[e]),
                (Dir::Backward, g.edge_head[e], g.edge_tail[e]),
            ] {
                let w = g.time(opts.profile, e as u32, dir);
                if from as usize != v || w >= INFINITY {
                    continue;
                }
                let worst = hits[e]
                    .iter()
                    .map(|&h| match set.hazards[h as usize].effect {
                        Effect::Slow(f) => f,
                        Effect::Block => 1.0,
                    })
                    .fold(1.0f64, f64::max);
                let leave = now + (w as f64 * worst).ceil() as i64 + opts.margin_ms;
                let active: Vec<_> = hits[e]
                    .iter()
                    .map(|&h| &set.hazards[h as usize])
                    .filter(|hz| hz.validity.overlaps(now, leave))
                    .collect();
                if active.iter().any(|hz| hz.effect == Effect::Block) {
                    continue;
                }
                let factor = active
                    .iter()
                    .map(|hz| match hz.effect {
                        Effect::Slow(f) => f,
                        Effect::Block => 1.0,
                    })
                    .fold(1.0f64, f64::max);
                let c = if factor == 1.0 { w } else { (w as f64 * factor).ceil() as u32 };
                let nd = dist[v] + c as u64;
                if nd < dist[to as usize] {
                    dist[to as usize] = nd;
                }
            }
        }
    }
}
