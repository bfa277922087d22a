//! corridor's benchmarks, apart from the tests. Each subcommand prints JSON
//! on stdout; BENCHMARKS.md records the figures with the commands.
//!
//!   corridor-bench import PBF [OUT.graph]      import time (median of 3) and peak RSS; writes the graph to OUT
//!   corridor-bench routes GRAPH [N] [REPS] [ENGINE]  route latency p50/p99, without and with 5 hazards
//!   corridor-bench crosscheck GRAPH N OUT      our routes for N random pairs (without and
//!                                              with 5 hazards) for scripts/crosscheck.py
//!   corridor-bench hazard-change GRAPH [N] [REPS] [QUERIES_OUT]  a new hazard, then N corridors re-routed
//!       (QUERIES_OUT: the squares and pairs, as JSON, for scripts/valhalla_same_queries.py)
//!   corridor-bench assembly GRAPH [N] [REPS]   full route p50 against the bare path query
//!   corridor-bench comb GRAPH [TEETH] [REPS] [check]   mapping the worst polygon a hazard file may hold
//!   corridor-bench circles GRAPH [N] [RADIUS_M] [REPS]   mapping N circles as parties report them
//!                                              on the same pairs; hazard mapping times
//!   corridor-bench time-windows GRAPH [K] [REPS]  hazards valid part of the day, K routes per departure
//!   corridor-bench evacuation [REPS]            planning 100,000 people; optimality gaps
//!   corridor-bench convoys [VEHICLES] [SECONDS] [REPS] [PORT] [BATCH]  convoy positions over HTTP:
//!                                              ingest rate, report-to-stream p99, memory
//!   corridor-bench export GRAPH|PBF DIR        the car graph and our order as text, for
//!                                              scripts/rk_same_graph.py (RoutingKit)
//!   corridor-bench cch DIR [REPS]              every CCH phase on that same graph
//!   corridor-bench prep GRAPH [REPS]          preprocessing time and memory per node
//!   corridor-bench tiled DIR K [REPS]          the same, on that graph tiled K x K
//!   corridor-bench order DIR [new|v1]         our order of a text graph (our_order.txt)
//!   corridor-bench order-compare DIR [REPS] [K] [ablate]  today's order against the new one
//!                                              (and RoutingKit's, from rk_order.txt)
//!   corridor-bench tiled-export DIR K OUT      DIR's graph tiled K x K as text, with our order
//!                                              (its hazard squares moved to the middle copy)
//!   corridor-bench custom DIR [REPS]           customization only (full on 1 and 2 threads,
//!                                              partial updates) on DIR's graph and order,
//!                                              for scripts/rk_custom.py (RoutingKit, interleaved)
//!   corridor-bench map-tiles GRAPH [K]         map tiles of the network (or of it tiled K x K):
//!                                              largest tile and time per tile, per zoom
//!   corridor-bench layer GRAPH [K] [REPS] [ready]
//!                                              a 1 km and a 5 km hazard mapped onto the network
//!                                              (or onto it tiled K x K): time and bytes held;
//!                                              with `ready`, Router::new timed there too

use anyhow::{bail, Context, Result};
use corridor_geo::LatLon;
use corridor_graph::{Profile, RoadGraph};
use corridor_hazards::{Effect, Hazard, HazardKind, HazardSet, Part, Validity};
use corridor_routing::{HazardLayer, RouteOptions, Router};
use serde_json::json;
use std::time::Instant;

mod assembly;
mod comb;
mod convoys;
mod custom;
mod layer;
mod map_tiles;
mod order_quality;
mod order_v1;
mod outbox;
mod same_graph;

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn pct(v: &[f64], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn load(path: &str) -> Result<(Router, f64)> {
    let t = Instant::now();
    let bytes = std::fs::read(path).with_context(|| format!("reading {path}"))?;
    let g = RoadGraph::from_bytes(&bytes)?;
    let router = Router::new(g);
    Ok((router, t.elapsed().as_secs_f64() * 1000.0))
}

/// One hazard closing the roads of a `side`-metre square centred on `c`,
/// always in force: what the benchmarks map and route around.
fn block_square(id: &str, c: LatLon, side: f64) -> HazardSet {
    HazardSet {
        hazards: vec![Hazard {
            id: id.into(),
            kind: HazardKind::Shelling,
            parts: vec![Part::square(c, side)],
            buffer_m: 0.0,
            validity: Validity::ALWAYS,
            effect: Effect::Block,
            source: "bench".into(),
        }],
    }
}

/// Of `nodes`, the one nearest their centroid: where the benchmarks put
/// their hazards, the way the peers' scripts place theirs.
fn hub(g: &RoadGraph, nodes: &[u32]) -> Result<u32> {
    let k = nodes.len().max(1) as f64;
    let centre = LatLon::new(
        nodes.iter().map(|&v| g.node_pos(v).lat).sum::<f64>() / k,
        nodes.iter().map(|&v| g.node_pos(v).lon).sum::<f64>() / k,
    );
    nodes
        .iter()
        .copied()
        .min_by(|&a, &b| {
            corridor_geo::haversine_m(g.node_pos(a), centre)
                .total_cmp(&corridor_geo::haversine_m(g.node_pos(b), centre))
        })
        .context("no nodes")
}

/// Nodes of the main car network (largest weakly connected component).
fn main_nodes(r: &Router) -> Vec<u32> {
    let g = r.graph();
    let adj = r.adjacency(Profile::Car);
    // Nodes reachable both ways from a central node, found with two searches
    // of the engine itself would be circular; a BFS over car arcs is enough.
    let mut seen = vec![false; g.num_nodes()];
    let mut best: Vec<u32> = Vec::new();
    for s in 0..g.num_nodes() as u32 {
        if seen[s as usize] || adj.out(s).is_empty() {
            continue;
        }
        let mut comp = vec![s];
        seen[s as usize] = true;
        let mut i = 0;
        while i < comp.len() {
            let v = comp[i];
            i += 1;
            for a in adj.out(v) {
                if !seen[a.head as usize] {
                    seen[a.head as usize] = true;
                    comp.push(a.head);
                }
            }
        }
        if comp.len() > best.len() {
            best = comp;
        }
    }
    best
}

/// `k` random square hazards of `side_m`, centred on random network nodes.
fn squares(g: &RoadGraph, nodes: &[u32], rng: &mut Rng, k: usize, side_m: f64) -> HazardSet {
    let mut set = HazardSet::default();
    for i in 0..k {
        let c = g.node_pos(nodes[rng.below(nodes.len())]);
        set.hazards.push(Hazard {
            id: format!("square-{i}"),
            kind: HazardKind::Shelling,
            parts: vec![Part::square(c, side_m)],
            buffer_m: 0.0,
            validity: Validity::ALWAYS,
            effect: Effect::Block,
            source: "bench".into(),
        });
    }
    set
}

fn pairs(g: &RoadGraph, nodes: &[u32], rng: &mut Rng, n: usize) -> Vec<(LatLon, LatLon)> {
    (0..n)
        .map(|_| {
            (
                g.node_pos(nodes[rng.below(nodes.len())]),
                g.node_pos(nodes[rng.below(nodes.len())]),
            )
        })
        .collect()
}

fn cmd_import(pbf: &str, out: Option<&str>) -> Result<()> {
    let mut secs = Vec::new();
    let mut stats = None;
    let mut last = None;
    for _ in 0..3 {
        let t = Instant::now();
        let (g, s) = corridor_osm::import(pbf.as_ref(), &mut |_, _, _| {})?;
        let bytes = g.to_bytes();
        secs.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let back = RoadGraph::from_bytes(&bytes)?;
        let load_ms = t.elapsed().as_secs_f64() * 1000.0;
        stats = Some((s, bytes.len(), load_ms, back.num_nodes()));
        last = Some(bytes);
    }
    let (s, size, load_ms, _) = stats.expect("three runs");
    if let (Some(out), Some(bytes)) = (out, &last) {
        std::fs::write(out, bytes).with_context(|| format!("writing {out}"))?;
    }
    println!(
        "{}",
        json!({
            "extract": pbf, "import_s_median": median(secs.clone()), "import_s_runs": secs,
            "peak_rss_mib": peak_rss_mib(), "nodes": s.nodes, "edges": s.edges,
            "graph_file_bytes": size, "graph_load_ms": load_ms,
        })
    );
    Ok(())
}

fn cmd_routes(graph: &str, n: usize, reps: usize, engine: &str) -> Result<()> {
    let engine = corridor_routing::Engine::parse(engine).context("engine: cch or dijkstra")?;
    let (router, load_ms) = load(graph)?;
    let g = router.graph();
    let nodes = main_nodes(&router);
    let mut rng = Rng(42);
    let qs = pairs(g, &nodes, &mut rng, n);
    let hazards = squares(g, &nodes, &mut rng, 5, 1000.0);
    let t = Instant::now();
    let layer = HazardLayer::new(g, router.index(), hazards);
    let layer_ms = t.elapsed().as_secs_f64() * 1000.0;
    let empty = HazardLayer::empty(g);
    let opts = RouteOptions {
        engine,
        ..Default::default()
    };
    let mut out = serde_json::Map::new();
    out.insert("engine".into(), json!(format!("{engine:?}")));
    for (name, l) in [("no_hazards", &empty), ("five_1km_hazards", &layer)] {
        let mut p50s = Vec::new();
        let mut p99s = Vec::new();
        let mut failed = 0;
        for _ in 0..reps {
            let mut us = Vec::with_capacity(n);
            failed = 0;
            for &(a, b) in &qs {
                let t = Instant::now();
                let r = router.route(l, a, b, &opts);
                us.push(t.elapsed().as_secs_f64() * 1e6);
                failed += r.is_err() as usize;
            }
            p50s.push(pct(&us, 0.5));
            p99s.push(pct(&us, 0.99));
        }
        out.insert(
            name.into(),
            json!({"p50_us_median": median(p50s.clone()), "p99_us_median": median(p99s.clone()),
                   "p50_us_runs": p50s, "p99_us_runs": p99s, "no_route": failed}),
        );
    }
    // The share of snapping: both endpoints, no search.
    let mut us = Vec::with_capacity(n);
    for &(a, b) in &qs {
        let t = Instant::now();
        let x = router.snap(&empty, corridor_routing::Endpoint::Origin, a, &opts);
        let y = router.snap(&empty, corridor_routing::Endpoint::Destination, b, &opts);
        us.push(t.elapsed().as_secs_f64() * 1e6);
        std::hint::black_box((x.is_ok(), y.is_ok()));
    }
    out.insert("snap_both_p50_us".into(), json!(pct(&us, 0.5)));
    out.insert("queries".into(), json!(n));
    out.insert("reps".into(), json!(reps));
    out.insert("graph_load_and_prepare_ms".into(), json!(load_ms));
    out.insert("hazard_layer_ms".into(), json!(layer_ms));
    out.insert("edges_touched".into(), json!(layer.edges_touched()));
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}

fn cmd_crosscheck(graph: &str, n: usize, out: &str) -> Result<()> {
    let (router, _) = load(graph)?;
    let g = router.graph();
    let nodes = main_nodes(&router);
    let mut rng = Rng(7);
    let qs = pairs(g, &nodes, &mut rng, n);
    let hazards = squares(g, &nodes, &mut rng, 5, 1000.0);
    let layer = HazardLayer::new(g, router.index(), hazards.clone());
    let empty = HazardLayer::empty(g);
    let opts = RouteOptions::default();
    let one = |l: &HazardLayer, a: LatLon, b: LatLon| match router.route(l, a, b, &opts) {
        Ok(r) => json!({"duration_s": r.duration_ms as f64 / 1000.0, "distance_m": r.distance_m,
                        "geometry": r.geometry.iter().map(|p| [p.lon, p.lat]).collect::<Vec<_>>()}),
        Err(e) => json!({"error": e.to_string()}),
    };
    let queries: Vec<_> = qs
        .iter()
        .map(|&(a, b)| {
            json!({"from": [a.lon, a.lat], "to": [b.lon, b.lat],
                              "ours": one(&empty, a, b), "ours_hazards": one(&layer, a, b)})
        })
        .collect();
    let polys: Vec<_> = hazards
        .hazards
        .iter()
        .map(|h| match &h.parts[0] {
            Part::Polygon(r) => json!(r[0]),
            _ => json!(null),
        })
        .collect();
    std::fs::write(
        out,
        serde_json::to_string(&json!({"hazards": polys, "queries": queries}))?,
    )?;
    eprintln!("wrote {out}");
    Ok(())
}

/// A hazard appears; every active corridor is routed again. Times the whole
/// change: mapping the hazard onto the roads, deriving the metric by partial
/// customization, and 100 full routes (snapping, query, unpacking, geometry).
fn cmd_hazard_change(
    graph: &str,
    corridors: usize,
    reps: usize,
    queries_out: Option<&str>,
) -> Result<()> {
    let (router, _) = load(graph)?;
    let g = router.graph();
    let nodes = main_nodes(&router);
    // The hazard sits at the main network's node nearest its centroid, the
    // way the peers' scripts place theirs.
    let c = g.node_pos(hub(g, &nodes)?);
    let opts = RouteOptions::default();
    let empty = HazardLayer::empty(g);
    let mut out = serde_json::Map::new();
    let mut queries = serde_json::Map::new();
    for side in [1000.0, 5000.0] {
        // Corridors whose ends lie outside the square (plus 200 m), the way
        // the peers' scripts sample theirs.
        let mut rng = Rng(11);
        let far = |p: LatLon| {
            let (dy, dx) = corridor_geo::degree_margins(c.lat, side / 2.0 + 200.0);
            (p.lat - c.lat).abs() > dy || (p.lon - c.lon).abs() > dx
        };
        let mut qs = Vec::new();
        // A small town may not reach beyond a 5 km square: give up after
        // enough draws rather than loop for ever, and say so.
        let mut draws = 0usize;
        while qs.len() < corridors && draws < corridors.max(1) * 10_000 {
            draws += 1;
            let (a, b) = (
                g.node_pos(nodes[rng.below(nodes.len())]),
                g.node_pos(nodes[rng.below(nodes.len())]),
            );
            if far(a) && far(b) {
                qs.push((a, b));
            }
        }
        if qs.is_empty() {
            out.insert(
                format!("square_{}m", side as u32),
                json!({"skipped": "no node of the main network lies outside the square (+200 m)"}),
            );
            continue;
        }
        let before: Vec<Option<u64>> = qs
            .iter()
            .map(|&(a, b)| {
                router
                    .route(&empty, a, b, &opts)
                    .ok()
                    .map(|r| r.duration_ms)
            })
            .collect();
        let (mut total, mut layer_ms, mut first_ms) = (vec![], vec![], vec![]);
        let (mut changed, mut failed, mut touched) = (0, 0, 0);
        let mut routed: Vec<bool> = vec![];
        for _ in 0..reps {
            let set = block_square("shelling", c, side);
            let t0 = Instant::now();
            let layer = HazardLayer::new(g, router.index(), set);
            layer_ms.push(t0.elapsed().as_secs_f64() * 1e3);
            let mut results = Vec::with_capacity(qs.len());
            for (i, &(a, b)) in qs.iter().enumerate() {
                results.push(
                    router
                        .route(&layer, a, b, &opts)
                        .ok()
                        .map(|r| r.duration_ms),
                );
                if i == 0 {
                    first_ms.push(t0.elapsed().as_secs_f64() * 1e3);
                }
            }
            total.push(t0.elapsed().as_secs_f64() * 1e3);
            changed = results.iter().zip(&before).filter(|(x, y)| x != y).count();
            routed = results.iter().map(Option::is_some).collect();
            failed = results.iter().filter(|x| x.is_none()).count();
            touched = layer.edges_touched();
        }
        // The routes alone, with the hazard's metric already customized:
        // the same pairs with and without the hazard, in passes of their own.
        let layer = HazardLayer::new(g, router.index(), block_square("shelling", c, side));
        let _ = router.route(&layer, qs[0].0, qs[0].1, &opts);
        let (mut with_us, mut without_us) = (vec![], vec![]);
        for _ in 0..reps {
            for (l, out) in [(&layer, &mut with_us), (&empty, &mut without_us)] {
                for &(a, b) in &qs {
                    let t0 = Instant::now();
                    std::hint::black_box(router.route(l, a, b, &opts).is_ok());
                    out.push(t0.elapsed().as_secs_f64() * 1e6);
                }
            }
        }
        // The same queries for another engine (scripts/valhalla_same_queries.py).
        let ring = match Part::square(c, side) {
            Part::Polygon(rings) => rings.into_iter().next().unwrap_or_default(),
            _ => vec![],
        };
        queries.insert(
            format!("square_{}m", side as u32),
            json!({"side_m": side, "centre": [c.lat, c.lon], "ring_lon_lat": ring,
                   "pairs_lat_lon": qs.iter().map(|(a, b)| [[a.lat, a.lon], [b.lat, b.lon]]).collect::<Vec<_>>(),
                   "routed_with_hazard": routed}),
        );
        out.insert(
            format!("square_{}m", side as u32),
            json!({"corridors": qs.len(), "total_ms": median(total.clone()), "total_ms_runs": total,
                   "map_hazard_ms": median(layer_ms), "map_and_first_route_ms": median(first_ms),
                   "edges_touched": touched, "routes_changed": changed, "no_route": failed,
                   "route_with_hazard_us_p50": pct(&with_us, 0.5),
                   "route_without_hazard_us_p50": pct(&without_us, 0.5)}),
        );
    }
    if let Some(path) = queries_out {
        let text = serde_json::to_string(&serde_json::Value::Object(queries))?;
        std::fs::write(path, text).with_context(|| format!("cannot write {path}"))?;
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::Value::Object(out))?
    );
    Ok(())
}

/// Hazards valid only part of the day, and departures every 10 minutes from
/// 08:00 to 15:00 (+01:00): how the hierarchy answers each departure time,
/// how often it customizes, and the Dijkstra engine on the same queries.
fn cmd_time_windows(graph: &str, per_departure: usize, reps: usize) -> Result<()> {
    let (router, _) = load(graph)?;
    let g = router.graph();
    let nodes = main_nodes(&router);
    let mut rng = Rng(23);
    let day = 1_646_463_600_000i64; // 2022-03-05T08:00:00+01:00
    let hour = 3_600_000i64;
    let mut set = squares(g, &nodes, &mut rng, 5, 1000.0);
    let windows = [
        (i64::MIN, i64::MAX),
        (day + hour, day + 6 * hour),
        (day + 3 * hour, day + 3 * hour + hour / 2),
        (day + 4 * hour, i64::MAX),
        (i64::MIN, day + 2 * hour + hour / 4),
    ];
    for (h, (a, b)) in set.hazards.iter_mut().zip(windows) {
        h.validity = Validity {
            from_ms: a,
            until_ms: b,
        };
    }
    let layer = HazardLayer::new(g, router.index(), set);
    let departures: Vec<i64> = (0..=42).map(|k| day + k * 600_000).collect();
    let qs: Vec<(i64, LatLon, LatLon)> = departures
        .iter()
        .flat_map(|&d| {
            pairs(g, &nodes, &mut rng, per_departure)
                .into_iter()
                .map(move |(a, b)| (d, a, b))
        })
        .collect();
    let run = |engine: corridor_routing::Engine| {
        let mut us = Vec::with_capacity(qs.len());
        let mut out = Vec::with_capacity(qs.len());
        for &(d, a, b) in &qs {
            let opts = RouteOptions {
                depart_ms: d,
                engine,
                ..Default::default()
            };
            let t = Instant::now();
            let r = router.route(&layer, a, b, &opts);
            us.push(t.elapsed().as_secs_f64() * 1e6);
            out.push(
                r.map(|r| (r.duration_ms, r.method))
                    .map_err(|e| e.to_string()),
            );
        }
        (us, out)
    };
    let before = router.engine_stats();
    let (mut c50, mut c99, mut d50, mut d99) = (vec![], vec![], vec![], vec![]);
    let (mut cch, mut dij) = (vec![], vec![]);
    for _ in 0..reps {
        let (us, out) = run(corridor_routing::Engine::Cch);
        c50.push(pct(&us, 0.5));
        c99.push(pct(&us, 0.99));
        cch = out;
        let (us, out) = run(corridor_routing::Engine::Dijkstra);
        d50.push(pct(&us, 0.5));
        d99.push(pct(&us, 0.99));
        dij = out;
    }
    let after = router.engine_stats();
    let agree = cch
        .iter()
        .zip(&dij)
        .filter(|(a, b)| match (a, b) {
            (Ok(x), Ok(y)) => x.0 == y.0,
            (Err(x), Err(y)) => x == y,
            _ => false,
        })
        .count();
    let count = |m: corridor_routing::Method| {
        cch.iter()
            .filter(|r| r.as_ref().is_ok_and(|x| x.1 == m))
            .count()
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "queries": qs.len(), "departures": departures.len(), "reps": reps,
            "cch_p50_us": median(c50), "cch_p99_us": median(c99),
            "dijkstra_p50_us": median(d50), "dijkstra_p99_us": median(d99),
            "agree_with_dijkstra": agree,
            "answered_static": count(corridor_routing::Method::Hierarchy),
            "answered_bounds": count(corridor_routing::Method::HierarchyBounds),
            "answered_dijkstra_fallback": count(corridor_routing::Method::Dijkstra),
            "no_route": cch.iter().filter(|r| r.is_err()).count(),
            "metrics_customized_all_reps": after.metrics_customized - before.metrics_customized,
            "cut_indexes_all_reps": after.cut_indexes - before.cut_indexes,
        }))?
    );
    Ok(())
}

/// Evacuation planning: plan time for 100,000 people, 500 vehicles and 5
/// corridors (median of `reps`), the gap to the lower bound with windows long
/// enough for everyone, and the gap to the exact optimum on random small
/// instances.
fn cmd_evacuation(reps: usize) -> Result<()> {
    use corridor_evacuation::{ccrp, check, exact, lower_bound, Corridor, Group, Problem, Vehicle};
    let t0 = 27_440_000i64;
    let big = |hours: i64| {
        let corridors: Vec<Corridor> = (0..5)
            .map(|i| Corridor {
                id: format!("c{i}"),
                origin: format!("o{i}"),
                destination: format!("d{i}"),
                open: t0 + 30 * i as i64,
                close: t0 + 30 * i as i64 + hours * 60,
                travel: 90 + 30 * i as i64,
                per_hour: Some(40),
                min_spacing: 1,
            })
            .collect();
        let groups: Vec<Group> = (0..5)
            .flat_map(|i| {
                [
                    Group {
                        origin: format!("o{i}"),
                        destination: format!("d{i}"),
                        accessible: false,
                        people: 19_000,
                    },
                    Group {
                        origin: format!("o{i}"),
                        destination: format!("d{i}"),
                        accessible: true,
                        people: 1_000,
                    },
                ]
            })
            .collect();
        let vehicles: Vec<Vehicle> = (0..500)
            .map(|i| Vehicle {
                id: format!("v{i}"),
                seats: if i % 10 == 0 { 16 } else { 50 },
                accessible: i % 10 == 0,
                // Accessible vehicles spread over the corridors too.
                start: if i % 2 == 0 {
                    format!("o{}", (i / 10 + i) % 5)
                } else {
                    format!("d{}", (i / 10 + i) % 5)
                },
                ready: t0 - 60,
            })
            .collect();
        Problem {
            corridors,
            groups,
            vehicles,
            loading: 20,
            unloading: 15,
        }
    };
    let p = big(12);
    let mut ms = Vec::new();
    let mut s = ccrp::plan(&p);
    for _ in 0..reps {
        let t = Instant::now();
        s = ccrp::plan(&p);
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let errs = check::check(&p, &s);
    // Long windows: everyone gets out; compare with the lower bound.
    let long = big(24 * 7);
    let t = Instant::now();
    let sl = ccrp::plan(&long);
    let long_ms = t.elapsed().as_secs_f64() * 1000.0;
    let lb = lower_bound(&long).context("bound")?;
    let first = long.corridors.iter().map(|c| c.open).min().unwrap_or(t0);
    let done = sl.last_arrival().context("arrivals")?;
    // Small instances: the exact optimum.
    let mut rng = Rng(5);
    let (mut n, mut sum_gap, mut worst, mut optimal) = (0, 0.0, 0.0f64, 0);
    for _ in 0..200 {
        let nc = 1 + rng.below(2);
        let mut corridors: Vec<Corridor> = Vec::new();
        for i in 0..nc {
            let open = t0 + 10 * rng.below(6) as i64;
            let travel = 10 * (1 + rng.below(6)) as i64;
            let per_hour = if rng.below(2) == 0 {
                None
            } else {
                Some(2 + rng.below(10) as u32)
            };
            let min_spacing = 10 * rng.below(3) as i64;
            let close = open + 60 * (1 + rng.below(4)) as i64;
            corridors.push(Corridor {
                id: format!("c{i}"),
                origin: "a".into(),
                destination: format!("d{i}"),
                open,
                close,
                travel,
                per_hour,
                min_spacing,
            });
        }
        let groups = (0..nc)
            .map(|i| Group {
                origin: "a".into(),
                destination: format!("d{i}"),
                accessible: false,
                people: 1_000_000,
            })
            .collect();
        let vehicles = (0..1 + rng.below(5))
            .map(|i| Vehicle {
                id: format!("v{i}"),
                seats: 40,
                accessible: false,
                start: if rng.below(2) == 0 {
                    "a".into()
                } else {
                    format!("d{}", rng.below(nc))
                },
                ready: t0 - 60,
            })
            .collect();
        let p = Problem {
            corridors,
            groups,
            vehicles,
            loading: 10,
            unloading: 10,
        };
        let got = ccrp::plan(&p).legs.iter().filter(|l| l.loaded).count() as f64;
        let opt = exact::max_trips(&p).map_err(anyhow::Error::msg)? as f64;
        if opt > 0.0 {
            n += 1;
            let gap = (opt - got) / opt;
            sum_gap += gap;
            worst = worst.max(gap);
            optimal += usize::from(gap == 0.0);
        }
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "large": {"people": p.people(), "vehicles": p.vehicles.len(), "corridors": p.corridors.len(),
                      "window_hours": 12, "plan_ms_median": median(ms.clone()), "plan_ms_runs": ms,
                      "evacuated": s.total(), "legs": s.legs.len(), "checker_errors": errs.len()},
            "all_out": {"window_hours": 168, "plan_ms": long_ms, "evacuated": sl.total(),
                        "completion_min": done - first, "lower_bound_min": lb - first,
                        "gap_to_lower_bound": (done - lb) as f64 / (lb - first) as f64},
            "small_exact": {"instances": n, "optimal": optimal, "mean_gap": sum_gap / n.max(1) as f64, "worst_gap": worst},
        }))?
    );
    Ok(())
}

/// Runs the command; an error (the usage among them) is printed as text
/// with exit 1, never with a backtrace, whatever `RUST_BACKTRACE` says.
fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Every subcommand and its arguments.
const USAGE: &str = "usage:\n  corridor-bench import PBF [OUT.graph]\n  corridor-bench routes GRAPH [N=1000] [REPS=3] [cch|dijkstra]\n  corridor-bench crosscheck GRAPH N OUT.json\n  corridor-bench hazard-change GRAPH [N=100] [REPS=3] [QUERIES_OUT.json]\n  corridor-bench assembly GRAPH [N=1000] [REPS=3]\n  corridor-bench comb GRAPH [TEETH=2499] [REPS=3] [check]\n  corridor-bench circles GRAPH [N=200] [RADIUS_M=50000] [REPS=3]\n  corridor-bench time-windows GRAPH [K=25] [REPS=3]\n  corridor-bench export GRAPH DIR\n  corridor-bench cch DIR [REPS=3]\n  corridor-bench prep GRAPH [REPS=3]\n  corridor-bench tiled DIR K [REPS=1]\n  corridor-bench evacuation [REPS=3]\n  corridor-bench convoys [VEHICLES=500] [SECONDS=120] [REPS=3] [PORT=18740] [BATCH=100]\n  corridor-bench order DIR [new|v1]\n  corridor-bench order-compare DIR [REPS=3] [K=1] [ablate]\n  corridor-bench tiled-export DIR K OUT\n  corridor-bench custom DIR [REPS=3]\n  corridor-bench map-tiles GRAPH [K=1]\n  corridor-bench layer GRAPH [K=1] [REPS=5] [ready]\n  corridor-bench outbox [SUBSCRIBERS=20] [ALERTS=2000] [MAX_PENDING=1000] [POSTGRES_URL]";

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    match args.first().map(String::as_str) {
        Some("import") if args.len() >= 2 => cmd_import(&args[1], args.get(2).map(String::as_str)),
        Some("routes") if args.len() >= 2 => cmd_routes(
            &args[1],
            num(2, 1000),
            num(3, 3),
            args.get(4).map_or("cch", String::as_str),
        ),
        Some("crosscheck") if args.len() >= 4 => cmd_crosscheck(&args[1], num(2, 200), &args[3]),
        Some("hazard-change") if args.len() >= 2 => cmd_hazard_change(
            &args[1],
            num(2, 100),
            num(3, 3),
            args.get(4).map(String::as_str),
        ),
        Some("layer") if args.len() >= 2 => layer::run(
            &args[1],
            num(2, 1),
            num(3, 5),
            args.get(4).is_some_and(|a| a == "ready"),
        ),
        Some("circles") if args.len() >= 2 => comb::circles(
            &args[1],
            num(2, 200),
            args.get(3).and_then(|s| s.parse().ok()).unwrap_or(50_000.0),
            num(4, 3),
        ),
        Some("comb") if args.len() >= 2 => comb::run(
            &args[1],
            num(2, 2499),
            num(3, 3),
            args.get(4).is_some_and(|a| a == "check"),
        ),
        Some("assembly") if args.len() >= 2 => assembly::run(&args[1], num(2, 1000), num(3, 3)),
        Some("outbox") => outbox::run(
            num(1, 20),
            num(2, 2000),
            num(3, 1000),
            args.get(4).map(String::as_str),
        ),
        Some("time-windows") if args.len() >= 2 => {
            cmd_time_windows(&args[1], num(2, 25), num(3, 3))
        }
        Some("evacuation") => cmd_evacuation(num(1, 3)),
        Some("convoys") => convoys::run(
            num(1, 500),
            num(2, 120) as u64,
            num(3, 3),
            num(4, 18740) as u16,
            num(5, 100),
        ),
        Some("export") if args.len() >= 3 => same_graph::export(&args[1], &args[2]),
        Some("cch") if args.len() >= 2 => same_graph::cch(&args[1], num(2, 3)),
        Some("prep") if args.len() >= 2 => same_graph::prep(&args[1], num(2, 3)),
        Some("tiled") if args.len() >= 3 => same_graph::tiled(&args[1], num(2, 2), num(3, 1)),
        Some("order") if args.len() >= 2 => {
            order_quality::write(&args[1], args.get(2).map_or("new", String::as_str))
        }
        Some("order-compare") if args.len() >= 2 => order_quality::compare(
            &args[1],
            num(2, 3),
            num(3, 1),
            args.get(4).is_some_and(|a| a == "ablate"),
        ),
        Some("tiled-export") if args.len() >= 4 => {
            custom::tiled_export(&args[1], num(2, 2), &args[3])
        }
        Some("custom") if args.len() >= 2 => custom::custom(&args[1], num(2, 3)),
        Some("map-tiles") if args.len() >= 2 => map_tiles::run(&args[1], num(2, 1)),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}\n\nMost print JSON on stdout (export and tiled-export write files instead); BENCHMARKS.md gives the commands behind its figures.");
            Ok(())
        }
        _ => bail!("{USAGE}\n(--help for this list)"),
    }
}
