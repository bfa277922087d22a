//! `corridor-bench comb GRAPH [TEETH] [REPS]`: mapping the worst polygon a
//! hazard file may hold onto the network. A comb of `TEETH` teeth (four
//! vertices each; 2,499 teeth is the 10,000 vertices a feature may have)
//! over a 5 km square at the network's centre puts a boundary edge near
//! every road segment of the square, so every segment there is tested
//! exactly. Prints, without a buffer and with a 50 m one, the time of the
//! mapping by tree nodes (`HazardSet::edge_hits`) and the edges hit; with `check` as a
//! fourth argument also the plain reference's time and that the two agree.

use anyhow::Result;
use corridor_geo::LatLon;
use corridor_hazards::{Effect, Hazard, HazardKind, HazardSet, Part, Validity};
use serde_json::json;
use std::time::Instant;

/// A comb of `teeth` teeth, `side_m` wide and high, centred on `c`: a bar
/// along the bottom tenth and teeth a pitch apart, each half a pitch wide.
pub fn comb(c: LatLon, side_m: f64, teeth: usize) -> Part {
    let dlat = side_m / 111_320.0;
    let dlon = side_m / (111_320.0 * c.lat.to_radians().cos());
    let (x0, y0) = (c.lon - dlon / 2.0, c.lat - dlat / 2.0);
    let (bar, top) = (y0 + dlat / 10.0, y0 + dlat);
    let pitch = dlon / teeth.max(1) as f64;
    let mut ring = vec![(x0, y0)];
    for i in 0..teeth {
        let x = x0 + i as f64 * pitch;
        ring.extend([
            (x, top),
            (x + pitch / 2.0, top),
            (x + pitch / 2.0, bar),
            (x + pitch, bar),
        ]);
    }
    ring.push((x0 + dlon, y0));
    ring.push((x0, y0));
    Part::Polygon(vec![ring])
}

pub fn run(graph: &str, teeth: usize, reps: usize, check: bool) -> Result<()> {
    let (router, _) = crate::load(graph)?;
    let g = router.graph();
    let hub = g.node_pos(crate::hub(g, &crate::main_nodes(&router))?);
    let part = comb(hub, 5000.0, teeth);
    let vertices = match &part {
        Part::Polygon(r) => r[0].len(),
        _ => 0,
    };
    let mut out = json!({"graph": graph, "teeth": teeth, "vertices": vertices});
    for buffer_m in [0.0, 50.0] {
        let set = HazardSet {
            hazards: vec![Hazard {
                id: "comb".into(),
                kind: HazardKind::Shelling,
                parts: vec![part.clone()],
                buffer_m,
                validity: Validity::ALWAYS,
                effect: Effect::Block,
                source: "bench".into(),
            }],
        };
        let (mut ms, mut hits) = (vec![], vec![]);
        for _ in 0..reps.max(1) {
            let t = Instant::now();
            hits = set.edge_hits(g, router.index());
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let mut o = json!({"edges_hit": hits.len(), "edge_hits_ms_median": crate::median(ms.clone()),
                           "ms_runs": ms});
        if check {
            let t = Instant::now();
            let want = set.edge_hits_reference(g, router.index());
            o["reference_ms"] = json!(t.elapsed().as_secs_f64() * 1e3);
            o["equal_to_reference"] = json!(want == hits);
        }
        out[format!("buffer_{}m", buffer_m as u32)] = o;
    }
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

/// `corridor-bench circles GRAPH [N] [RADIUS_M] [REPS]`: `N` circles (a
/// point with a buffer, as a party reports a hazard through the server)
/// of `RADIUS_M` metres, spread over the network's centre: the time of the
/// mapping (`HazardSet::edge_hits`) and of the layer routing builds from
/// it (`HazardLayer::new`), and the (edge, hazard) pairs it holds. A party
/// may hold 200 hazards of up to 50 km.
pub fn circles(graph: &str, n: usize, radius_m: f64, reps: usize) -> Result<()> {
    let (router, _) = crate::load(graph)?;
    let g = router.graph();
    let hub = g.node_pos(crate::hub(g, &crate::main_nodes(&router))?);
    let set = HazardSet {
        hazards: (0..n)
            .map(|i| Hazard {
                id: format!("c{i}"),
                kind: HazardKind::Shelling,
                parts: vec![Part::Point((
                    hub.lon + (i % 10) as f64 * 1e-3,
                    hub.lat + (i / 10) as f64 * 1e-3,
                ))],
                buffer_m: radius_m,
                validity: Validity::ALWAYS,
                effect: Effect::Block,
                source: "bench".into(),
            })
            .collect(),
    };
    let (mut map_ms, mut layer_ms, mut pairs) = (vec![], vec![], 0);
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        pairs = set.edge_hits(g, router.index()).len();
        map_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let layer = corridor_routing::HazardLayer::new(g, router.index(), set.clone());
        layer_ms.push(t.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(layer.edges_touched());
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({"graph": graph, "circles": n, "radius_m": radius_m,
            "edges": g.num_edges(), "pairs": pairs,
            "edge_hits_ms_median": crate::median(map_ms.clone()), "edge_hits_ms_runs": map_ms,
            "hazard_layer_new_ms_median": crate::median(layer_ms.clone()), "layer_ms_runs": layer_ms}))?
    );
    Ok(())
}
