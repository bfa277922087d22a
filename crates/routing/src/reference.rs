//! The reference: the plainest possible implementation of the same question,
//! for tests and benchmarks to check the engine against.
//!
//! It maps hazards to edges by testing every segment of every edge against
//! every hazard (no spatial index), and finds shortest times with a textbook
//! Dijkstra over adjacency lists of its own, under the same time rule as the
//! engine.

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
                    pts.windows(2).any(|w| {
                        hz.parts
                            .iter()
                            .any(|p| segment_meets_part(w[0], w[1], p, hz.buffer_m))
                    })
                })
                .collect()
        })
        .collect()
}

/// Fastest travel time in ms from node `s` to node `t`, or `None`: a
/// textbook Dijkstra with a binary heap over adjacency lists it builds itself
/// from the raw edge arrays, sharing no code with the engine's search.
pub fn node_to_node(
    g: &RoadGraph,
    set: &HazardSet,
    hits: &[Vec<u32>],
    s: u32,
    t: u32,
    opts: &RouteOptions,
) -> Option<u32> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let n = g.num_nodes();
    let mut out: Vec<Vec<(usize, usize, Dir)>> = vec![Vec::new(); n];
    for e in 0..g.num_edges() {
        let (a, b) = (g.edge_tail[e] as usize, g.edge_head[e] as usize);
        out[a].push((b, e, Dir::Forward));
        out[b].push((a, e, Dir::Backward));
    }
    let mut dist = vec![u64::MAX; n];
    let mut heap = BinaryHeap::new();
    dist[s as usize] = 0;
    heap.push(Reverse((0u64, s as usize)));
    while let Some(Reverse((d, v))) = heap.pop() {
        if d > dist[v] {
            continue;
        }
        if v == t as usize {
            // A time at or above the sentinel is no time: the engine
            // saturates every sum there and reads it as unreachable.
            return (d < INFINITY as u64).then_some(d as u32);
        }
        let now = opts.depart_ms + d as i64;
        for &(to, e, dir) in &out[v] {
            let w = g.time(opts.profile, e as u32, dir);
            if w >= INFINITY {
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
            // A slowed edge stays passable: its time is capped just below
            // the sentinel, as the engine's hazard layer caps it.
            let c = if factor == 1.0 {
                w
            } else {
                (w as f64 * factor).ceil().min((INFINITY - 1) as f64) as u32
            };
            let nd = d + c as u64;
            if nd < dist[to] {
                dist[to] = nd;
                heap.push(Reverse((nd, to)));
            }
        }
    }
    None
}
