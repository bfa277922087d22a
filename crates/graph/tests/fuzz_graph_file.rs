//! Stable-toolchain fuzzing of the graph-file loader (see `fuzz/mutate.rs`):
//! any bytes give `Ok` or an error, never a panic, and a graph that loads
//! can be used (adjacency, R-tree, shapes, names) without one.

#[path = "../../../fuzz/mutate.rs"]
mod mutate;

use corridor_graph::{decode_body, Adjacency, Profile, RoadGraph, SegmentIndex, MAGIC};
use sha2::{Digest, Sha256};

/// The input's body behind a correct header and checksum, so that mutations
/// reach the decoder and the validation, not just the checksum.
fn resealed(input: &[u8]) -> Vec<u8> {
    let body = input.get(64..).unwrap_or_default();
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&corridor_graph::FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&Sha256::digest(body));
    out.extend_from_slice(body);
    out
}

fn use_graph(g: &RoadGraph) {
    for p in Profile::ALL {
        let _ = Adjacency::build(g, p, false);
        let _ = Adjacency::build(g, p, true);
        let _ = g.usable_edges(p);
    }
    let _ = SegmentIndex::build(g);
    let _ = g.bbox();
    for e in 0..g.num_edges() as u32 {
        let _ = g.shape(e).count();
        let _ = (g.name(e), g.road_ref(e));
        let _ = g.node_pos(g.edge_tail[e as usize]);
    }
}

#[test]
fn fuzz_graph_file() {
    mutate::run("graph_file", |input| {
        let _ = RoadGraph::from_bytes(input);
        let _ = decode_body(input.get(64..).unwrap_or_default());
        if let Ok(g) = RoadGraph::from_bytes(&resealed(input)) {
            use_graph(&g);
        }
    });
}
