//! Order quality (issue 16): today's order (frozen in `order_v1`) against
//! the engine's order, and RoutingKit's order when `rk_order.txt` is there,
//! on one plain text graph (`export`, `tiled-export` or
//! scripts/pbgraph_export.py).
//!
//!   order DIR [new|v1]         writes our_order.txt for scripts/rk_same_graph.py
//!   order-compare DIR [REPS] [K] [ablate]
//!                              the orders side by side: order time (interleaved
//!                              runs, median), elimination-tree height, CCH arcs,
//!                              full customization, distance and path query p50
//!                              (interleaved, median of REPS), on the graph tiled
//!                              K x K when K > 1; "ablate" adds the new order with
//!                              one part switched off at a time
//!   tiled-export DIR K OUT     the graph tiled K x K as text, with our order

use crate::same_graph::Plain;
use crate::{median, order_v1, pct};
use anyhow::{Context, Result};
use corridor_graph::INFINITY;
use corridor_routing::cch::order::{self, OrderOptions};
use corridor_routing::cch::{Cch, CchQuery, Metric};
use serde_json::json;
use std::path::Path;
use std::time::Instant;

type OrderFn = Box<dyn Fn(&Plain) -> Vec<u32>>;

fn new_order(opts: OrderOptions) -> OrderFn {
    Box::new(move |p: &Plain| {
        order::nested_dissection_with(p.n(), &p.tail, &p.head, &p.lat, &p.lon, &opts)
    })
}

fn v1_order() -> OrderFn {
    Box::new(|p: &Plain| order_v1::nested_dissection(p.n(), &p.tail, &p.head, &p.lat, &p.lon))
}

fn by_rank(rank: &[u32]) -> String {
    let mut by_rank = vec![0u32; rank.len()];
    for (v, &r) in rank.iter().enumerate() {
        by_rank[r as usize] = v as u32;
    }
    by_rank.iter().map(|v| format!("{v}\n")).collect()
}

/// Ranks from a file of node ids listed from rank 0 up.
fn read_order(path: &Path, n: usize) -> Result<Vec<u32>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut rank = vec![u32::MAX; n];
    for (r, l) in text.lines().enumerate() {
        let v: usize = l
            .trim()
            .parse()
            .with_context(|| format!("bad line in {}: {l}", path.display()))?;
        anyhow::ensure!(
            v < n && rank[v] == u32::MAX,
            "{} is not a permutation",
            path.display()
        );
        rank[v] = r as u32;
    }
    anyhow::ensure!(
        rank.iter().all(|&r| r != u32::MAX),
        "{} misses nodes",
        path.display()
    );
    Ok(rank)
}

/// `order DIR [new|v1]`.
pub fn write(dir: &str, which: &str) -> Result<()> {
    let p = Plain::read(Path::new(dir))?;
    let f = match which {
        "v1" => v1_order(),
        "new" => new_order(OrderOptions::default()),
        other => anyhow::bail!("order: unknown order {other} (new or v1)"),
    };
    let t = Instant::now();
    let rank = f(&p);
    let secs = t.elapsed().as_secs_f64();
    std::fs::write(Path::new(dir).join("our_order.txt"), by_rank(&rank))?;
    println!(
        "{}",
        json!({"order": which, "nodes": p.n(), "order_s": secs})
    );
    Ok(())
}

/// `order-compare DIR [REPS] [K] [ablate]`.
pub fn compare(dir: &str, reps: usize, k: usize, ablate: bool) -> Result<()> {
    let reps = reps.max(1);
    let mut p = Plain::read(Path::new(dir))?;
    if k > 1 {
        p = p.tiled(k, 12);
    }
    let n = p.n();
    let mut variants: Vec<(String, OrderFn)> = vec![
        ("v1 (before issue 16)".into(), v1_order()),
        ("new".into(), new_order(OrderOptions::default())),
    ];
    // Extra settings to try, from the environment: "DIRS:SHARE,SHARE;..."
    // (for choosing the defaults; nothing is read when it is unset).
    if let Ok(spec) = std::env::var("CORRIDOR_BENCH_ORDER_TRY") {
        for item in spec.split(';').filter(|s| !s.is_empty()) {
            let (d, st) = item
                .split_once(':')
                .context("CORRIDOR_BENCH_ORDER_TRY: DIRS:SHARES")?;
            let stages = st
                .split(',')
                .map(|x| x.parse::<f64>())
                .collect::<Result<Vec<_>, _>>()
                .context("CORRIDOR_BENCH_ORDER_TRY: bad share")?;
            let opts = OrderOptions {
                directions: d.parse()?,
                stages,
                ..OrderOptions::default()
            };
            variants.push((format!("try {item}"), new_order(opts)));
        }
    }
    if ablate {
        let d = OrderOptions::default();
        variants.push((
            "new without reduction".into(),
            new_order(OrderOptions {
                reduce: false,
                ..d.clone()
            }),
        ));
        variants.push((
            "new with chain reduction".into(),
            new_order(OrderOptions {
                chains: true,
                ..d.clone()
            }),
        ));
        variants.push((
            "new with 4 directions".into(),
            new_order(OrderOptions {
                directions: 4,
                ..d.clone()
            }),
        ));
        variants.push((
            "new with one stage (25 %)".into(),
            new_order(OrderOptions {
                stages: vec![0.25],
                ..d.clone()
            }),
        ));
    }
    // Order times, interleaved run by run.
    let mut times: Vec<Vec<f64>> = vec![vec![]; variants.len()];
    let mut ranks: Vec<Vec<u32>> = vec![vec![]; variants.len()];
    for _ in 0..reps {
        for (i, (_, f)) in variants.iter().enumerate() {
            let t = Instant::now();
            ranks[i] = f(&p);
            times[i].push(t.elapsed().as_secs_f64());
        }
    }
    let mut names: Vec<String> = variants.iter().map(|v| v.0.clone()).collect();
    let rk_file = Path::new(dir).join("rk_order.txt");
    if k <= 1 && rk_file.exists() {
        ranks.push(read_order(&rk_file, n)?);
        names.push("RoutingKit (rk_order.txt)".into());
        times.push(vec![]);
    }
    // Hierarchies and metrics.
    let weights = |a: u32| [p.w[a as usize], INFINITY];
    let mut built = Vec::new();
    let mut rows = Vec::new();
    for rank in &ranks {
        let t = Instant::now();
        let c = order::contract(n, &p.tail, &p.head, rank);
        let contract_s = t.elapsed().as_secs_f64();
        let cch = Cch::new(&c, &p.tail, &p.head, |_| true).map_err(anyhow::Error::msg)?;
        let mut custom = vec![];
        let mut metric = None;
        for _ in 0..reps {
            let t = Instant::now();
            metric = Some(Metric::new(&cch, weights));
            custom.push(t.elapsed().as_secs_f64());
        }
        let (ss_nodes, ss_arcs) = search_space(&cch);
        rows.push(json!({
            "tree_height": cch.tree_height(), "cch_arcs": cch.num_arcs(),
            "mean_search_space_nodes": ss_nodes, "mean_search_space_arcs": ss_arcs,
            "contract_s": contract_s, "customize_full_s": median(custom),
        }));
        built.push((cch, metric.expect("reps > 0")));
    }
    // Queries: pairs.txt when there (rk_same_graph.py's), else random pairs.
    let pairs: Vec<(u32, u32)> = match std::fs::read_to_string(Path::new(dir).join("pairs.txt")) {
        Ok(s) if k <= 1 => s
            .lines()
            .filter_map(|l| {
                let mut it = l.split_whitespace().map(|x| x.parse::<u32>());
                match (it.next(), it.next()) {
                    (Some(Ok(a)), Some(Ok(b))) if (a as usize) < n && (b as usize) < n => {
                        Some((a, b))
                    }
                    _ => None,
                }
            })
            .collect(),
        _ => {
            let mut rng = crate::Rng(0x2545_F491_4F6C_DD1D);
            (0..2000)
                .map(|_| (rng.below(n) as u32, rng.below(n) as u32))
                .collect()
        }
    };
    let mut dist_p50: Vec<Vec<f64>> = vec![vec![]; built.len()];
    let mut path_p50: Vec<Vec<f64>> = vec![vec![]; built.len()];
    let mut answers: Vec<Vec<Option<u32>>> = vec![vec![]; built.len()];
    for _ in 0..reps {
        for (i, (cch, m)) in built.iter().enumerate() {
            let mut q = CchQuery::new(cch);
            let mut us = Vec::with_capacity(pairs.len());
            answers[i].clear();
            for &(s, t) in &pairs {
                let t0 = Instant::now();
                let d = q.distance(cch, m, s, t);
                us.push(t0.elapsed().as_secs_f64() * 1e6);
                answers[i].push(d);
            }
            dist_p50[i].push(pct(&us, 0.5));
            let mut us = Vec::with_capacity(pairs.len());
            for &(s, t) in &pairs {
                let t0 = Instant::now();
                std::hint::black_box(q.path(cch, m, &[(s, 0)], &[(t, 0)]));
                us.push(t0.elapsed().as_secs_f64() * 1e6);
            }
            path_p50[i].push(pct(&us, 0.5));
        }
    }
    let mut out = Vec::new();
    for (i, mut row) in rows.into_iter().enumerate() {
        let o = row.as_object_mut().expect("object");
        o.insert("order".into(), json!(names[i]));
        if !times[i].is_empty() {
            o.insert("order_s".into(), json!(median(times[i].clone())));
            o.insert("order_s_runs".into(), json!(times[i]));
        }
        o.insert(
            "query_distance_p50_us".into(),
            json!(median(dist_p50[i].clone())),
        );
        o.insert(
            "query_path_p50_us".into(),
            json!(median(path_p50[i].clone())),
        );
        o.insert("query_distance_p50_us_runs".into(), json!(dist_p50[i]));
        o.insert(
            "distance_mismatches_vs_first".into(),
            json!(answers[i]
                .iter()
                .zip(&answers[0])
                .filter(|(a, b)| a != b)
                .count()),
        );
        out.push(row);
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "graph": dir, "tiled": k.max(1), "nodes": n, "arcs": p.tail.len(),
            "queries": pairs.len(), "reps": reps, "orders": out,
        }))?
    );
    Ok(())
}

/// Mean over all nodes of the elimination-tree query's work from that node:
/// the ancestors it visits (itself included) and their upward arcs. The
/// figure the order decides, free of timing noise.
fn search_space(cch: &Cch) -> (f64, f64) {
    let n = cch.num_nodes();
    let (mut nodes, mut arcs) = (vec![0u64; n], vec![0u64; n]);
    let (mut sum_nodes, mut sum_arcs) = (0u64, 0u64);
    for x in (0..n).rev() {
        let up = cch.up_degree(x as u32) as u64;
        let (pn, pa) = match cch.parent_of(x as u32) {
            Some(p) => (nodes[p as usize], arcs[p as usize]),
            None => (0, 0),
        };
        nodes[x] = pn + 1;
        arcs[x] = pa + up;
        sum_nodes += nodes[x];
        sum_arcs += arcs[x];
    }
    let d = n.max(1) as f64;
    (sum_nodes as f64 / d, sum_arcs as f64 / d)
}
