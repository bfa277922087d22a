//! The CCH phases measured on exactly the graph RoutingKit gets.
//!
//! `export GRAPH DIR` writes the car network of a corridor graph as plain
//! text (`nodes.txt`: lat lon per node; `arcs.txt`: tail head ms per arc,
//! nodes renumbered to those with a car arc) plus our node order
//! (`our_order.txt`, node ids from rank 0 up). `scripts/rk_same_graph.py DIR`
//! loads the same files into RoutingKit (`routingkit_cch`), samples the
//! queries and the hazard squares (`pairs.txt`, `blocked_1km.txt`,
//! `blocked_5km.txt`), times RoutingKit and writes its distances
//! (`rk_dist.txt`). `cch DIR` then times our phases on the same files and
//! checks every distance against RoutingKit's.

use crate::{median, pct};
use anyhow::{Context, Result};
use corridor_graph::{Dir, Profile, RoadGraph, INFINITY};
use corridor_routing::cch::{order, Cch, CchQuery, Metric};
use serde_json::json;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

/// A directed graph as RoutingKit sees it.
pub struct Plain {
    pub lat: Vec<i32>,
    pub lon: Vec<i32>,
    pub tail: Vec<u32>,
    pub head: Vec<u32>,
    pub w: Vec<u32>,
}

impl Plain {
    /// The car arcs of a corridor graph, nodes renumbered densely.
    pub fn car(g: &RoadGraph) -> Plain {
        let mut id = vec![u32::MAX; g.num_nodes()];
        let mut p = Plain {
            lat: vec![],
            lon: vec![],
            tail: vec![],
            head: vec![],
            w: vec![],
        };
        let mut node = |v: u32, p: &mut Plain| {
            if id[v as usize] == u32::MAX {
                id[v as usize] = p.lat.len() as u32;
                p.lat.push(g.node_lat[v as usize]);
                p.lon.push(g.node_lon[v as usize]);
            }
            id[v as usize]
        };
        for e in 0..g.num_edges() as u32 {
            let (t, h) = (g.edge_tail[e as usize], g.edge_head[e as usize]);
            for (dir, a, b) in [(Dir::Forward, t, h), (Dir::Backward, h, t)] {
                let w = g.time(Profile::Car, e, dir);
                if w < INFINITY && a != b {
                    let (a, b) = (node(a, &mut p), node(b, &mut p));
                    p.tail.push(a);
                    p.head.push(b);
                    p.w.push(w);
                }
            }
        }
        p
    }

    pub fn n(&self) -> usize {
        self.lat.len()
    }

    fn weights(&self) -> impl Fn(u32) -> [u32; 2] + '_ {
        |a| [self.w[a as usize], INFINITY]
    }

    pub fn write(&self, dir: &Path) -> Result<()> {
        let mut s = String::new();
        for i in 0..self.n() {
            writeln!(
                s,
                "{:.7} {:.7}",
                self.lat[i] as f64 * 1e-7,
                self.lon[i] as f64 * 1e-7
            )?;
        }
        std::fs::write(dir.join("nodes.txt"), s)?;
        let mut s = String::new();
        for i in 0..self.tail.len() {
            writeln!(s, "{} {} {}", self.tail[i], self.head[i], self.w[i])?;
        }
        std::fs::write(dir.join("arcs.txt"), s)?;
        Ok(())
    }

    pub fn read(dir: &Path) -> Result<Plain> {
        let mut p = Plain {
            lat: vec![],
            lon: vec![],
            tail: vec![],
            head: vec![],
            w: vec![],
        };
        for l in read(dir, "nodes.txt")?.lines() {
            let mut it = l.split_whitespace().map(|x| x.parse::<f64>());
            let (Some(Ok(la)), Some(Ok(lo))) = (it.next(), it.next()) else {
                anyhow::bail!("bad line in nodes.txt: {l}");
            };
            p.lat.push((la * 1e7).round() as i32);
            p.lon.push((lo * 1e7).round() as i32);
        }
        for l in read(dir, "arcs.txt")?.lines() {
            let v = ints(l)?;
            p.tail.push(v[0]);
            p.head.push(v[1]);
            p.w.push(v[2]);
        }
        Ok(p)
    }

    /// Our nested-dissection order (ranks) of this graph.
    pub fn order(&self) -> Vec<u32> {
        order::nested_dissection(self.n(), &self.tail, &self.head, &self.lat, &self.lon)
    }
}

fn read(dir: &Path, name: &str) -> Result<String> {
    std::fs::read_to_string(dir.join(name))
        .with_context(|| format!("reading {}/{name}", dir.display()))
}

fn ints(l: &str) -> Result<Vec<u32>> {
    let v: Result<Vec<u32>, _> = l.split_whitespace().map(str::parse).collect();
    let v = v.with_context(|| format!("bad line: {l}"))?;
    anyhow::ensure!(v.len() >= 2, "bad line: {l}");
    Ok(v)
}

/// `export GRAPH DIR`; GRAPH may also be an `.osm.pbf` extract, imported
/// first as `corridor import` does.
pub fn export(graph: &str, dir: &str) -> Result<()> {
    let g = if graph.ends_with(".pbf") {
        corridor_osm::import(graph.as_ref(), &mut |_, _, _| {})?.0
    } else {
        RoadGraph::from_bytes(&std::fs::read(graph).with_context(|| format!("reading {graph}"))?)?
    };
    let dir = Path::new(dir);
    std::fs::create_dir_all(dir)?;
    let p = Plain::car(&g);
    p.write(dir)?;
    // Files of an earlier graph in DIR whose arc ids would no longer be
    // this graph's: scripts/rk_same_graph.py samples the hazard squares
    // again when they are absent (review: it reused them).
    for stale in [
        "blocked_1km.txt",
        "blocked_5km.txt",
        "pairs.txt",
        "rk_dist.txt",
        "rk_order.txt",
    ] {
        match std::fs::remove_file(dir.join(stale)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    let rank = p.order();
    let mut by_rank = vec![0u32; rank.len()];
    for (v, &r) in rank.iter().enumerate() {
        by_rank[r as usize] = v as u32;
    }
    let s: String = by_rank.iter().map(|v| format!("{v}\n")).collect();
    std::fs::write(dir.join("our_order.txt"), s)?;
    eprintln!(
        "exported {} nodes, {} car arcs to {}",
        p.n(),
        p.tail.len(),
        dir.display()
    );
    Ok(())
}

/// Times every phase `reps` times on the graph of `build`; returns medians.
pub fn phases(p: &Plain, reps: usize) -> serde_json::Value {
    let n = p.n();
    let mut t_order = vec![];
    let mut t_contract = vec![];
    let mut t_derive = vec![];
    let mut t_custom = vec![];
    let mut rank = vec![];
    let mut cch = None;
    for _ in 0..reps {
        let t = Instant::now();
        rank = p.order();
        t_order.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let c = order::contract(n, &p.tail, &p.head, &rank);
        t_contract.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let h = Cch::new(&c, &p.tail, &p.head, |_| true).expect("own contraction");
        t_derive.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let m = Metric::new(&h, p.weights());
        t_custom.push(t.elapsed().as_secs_f64());
        drop(m);
        cch = Some(h);
    }
    let cch = cch.expect("reps > 0");
    json!({
        "nodes": n, "arcs": p.tail.len(), "cch_arcs": cch.num_arcs(),
        "tree_height": cch.tree_height(),
        "order_s": median(t_order.clone()), "order_s_runs": t_order,
        "contract_s": median(t_contract), "derive_s": median(t_derive),
        "customize_full_s": median(t_custom.clone()), "customize_full_s_runs": t_custom,
        "topology_bytes_per_node": cch.heap_bytes() as f64 / n.max(1) as f64,
        "metric_bytes_per_node": 16.0 * cch.num_arcs() as f64 / n.max(1) as f64,
        "triangles": cch.num_triangles(),
        "topology_bytes_per_arc": cch.heap_bytes() as f64 / cch.num_arcs().max(1) as f64,
        "triangle_bytes_per_arc": cch.triangle_bytes() as f64 / cch.num_arcs().max(1) as f64,
    })
}

/// `cch DIR [REPS]`.
pub fn cch(dir: &str, reps: usize) -> Result<()> {
    let dir = Path::new(dir);
    let p = Plain::read(dir)?;
    let n = p.n();
    let mut out = phases(&p, reps);
    // Everything else with our order as exported (the one RoutingKit also
    // ran with), so both engines search the same hierarchy.
    let mut rank = vec![0u32; n];
    for (r, l) in read(dir, "our_order.txt")?.lines().enumerate() {
        rank[l.trim().parse::<usize>()?] = r as u32;
    }
    let c = order::contract(n, &p.tail, &p.head, &rank);
    let cch = Cch::new(&c, &p.tail, &p.head, |_| true).map_err(anyhow::Error::msg)?;
    let mut metric = Metric::new(&cch, p.weights());
    let pairs: Vec<(u32, u32)> = read(dir, "pairs.txt")?
        .lines()
        .map(|l| ints(l).map(|v| (v[0], v[1])))
        .collect::<Result<_>>()?;
    let rk: Option<Vec<Option<u32>>> = read(dir, "rk_dist.txt")
        .ok()
        .map(|s| s.lines().map(|l| l.trim().parse().ok()).collect());
    let mut q = CchQuery::new(&cch);
    let mut dist_p50 = vec![];
    let mut dist_p99 = vec![];
    let mut path_p50 = vec![];
    let mut path_p99 = vec![];
    let mut dists = vec![];
    for _ in 0..reps {
        let mut us = Vec::with_capacity(pairs.len());
        dists.clear();
        for &(s, t) in &pairs {
            let t0 = Instant::now();
            let d = q.distance(&cch, &metric, s, t);
            us.push(t0.elapsed().as_secs_f64() * 1e6);
            dists.push(d);
        }
        dist_p50.push(pct(&us, 0.5));
        dist_p99.push(pct(&us, 0.99));
        let mut us = Vec::with_capacity(pairs.len());
        for &(s, t) in &pairs {
            let t0 = Instant::now();
            let r = q.path(&cch, &metric, &[(s, 0)], &[(t, 0)]);
            // The node path, as RoutingKit returns it.
            let nodes: Vec<u32> = r
                .map(|r| r.steps.iter().map(|st| p.head[st.edge as usize]).collect())
                .unwrap_or_default();
            us.push(t0.elapsed().as_secs_f64() * 1e6);
            std::hint::black_box(nodes);
        }
        path_p50.push(pct(&us, 0.5));
        path_p99.push(pct(&us, 0.99));
    }
    let mismatches = rk
        .as_ref()
        .map(|rk| rk.iter().zip(&dists).filter(|(a, b)| a != b).count());
    // Perfect customization and the query on the pruned metric.
    let t0 = Instant::now();
    let (perfect, removed) = metric.perfect(&cch);
    let perfect_s = t0.elapsed().as_secs_f64();
    let mut us = vec![];
    for &(s, t) in &pairs {
        let t0 = Instant::now();
        std::hint::black_box(q.distance(&cch, &perfect, s, t));
        us.push(t0.elapsed().as_secs_f64() * 1e6);
    }
    let perfect_p50 = pct(&us, 0.5);
    // Partial updates: block the arcs of the hazard squares, then restore.
    let mut partial = serde_json::Map::new();
    for name in ["blocked_1km", "blocked_5km"] {
        let Ok(text) = read(dir, &format!("{name}.txt")) else {
            continue;
        };
        let blocked: Vec<u32> = text.lines().filter_map(|l| l.trim().parse().ok()).collect();
        let mut is_blocked = vec![false; p.tail.len()];
        for &a in &blocked {
            is_blocked[a as usize] = true;
        }
        let (mut t_up, mut t_back, mut arcs_changed) = (vec![], vec![], 0);
        for _ in 0..reps {
            let t0 = Instant::now();
            arcs_changed = metric.update(&cch, &blocked, |a| {
                [
                    if is_blocked[a as usize] {
                        INFINITY
                    } else {
                        p.w[a as usize]
                    },
                    INFINITY,
                ]
            });
            t_up.push(t0.elapsed().as_secs_f64() * 1e3);
            let t0 = Instant::now();
            metric.update(&cch, &blocked, p.weights());
            t_back.push(t0.elapsed().as_secs_f64() * 1e3);
        }
        partial.insert(
            name.into(),
            json!({"arcs_blocked": blocked.len(), "cch_arcs_changed": arcs_changed,
                   "update_ms": median(t_up.clone()), "update_ms_runs": t_up,
                   "restore_ms": median(t_back)}),
        );
    }
    let o = out.as_object_mut().expect("object");
    o.insert("queries".into(), json!(pairs.len()));
    o.insert(
        "query_distance_p50_us".into(),
        json!(median(dist_p50.clone())),
    );
    o.insert("query_distance_p99_us".into(), json!(median(dist_p99)));
    o.insert("query_distance_p50_us_runs".into(), json!(dist_p50));
    o.insert("query_path_p50_us".into(), json!(median(path_p50.clone())));
    o.insert("query_path_p99_us".into(), json!(median(path_p99)));
    o.insert("query_path_p50_us_runs".into(), json!(path_p50));
    o.insert("perfect_customization_s".into(), json!(perfect_s));
    o.insert("perfect_arc_directions_removed".into(), json!(removed));
    o.insert("query_distance_p50_us_perfect".into(), json!(perfect_p50));
    o.insert("partial".into(), serde_json::Value::Object(partial));
    o.insert(
        "unreachable".into(),
        json!(dists.iter().filter(|d| d.is_none()).count()),
    );
    o.insert("mismatches_vs_routingkit".into(), json!(mismatches));
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

impl Plain {
    /// Nodes of the largest strongly connected component (Kosaraju, both
    /// passes iterative). Not the component of a node of highest degree:
    /// since tag policy 3 that node can be a turn restriction's source,
    /// which has arcs out and none in, a component of one.
    fn main_scc(&self) -> Vec<bool> {
        let n = self.n();
        let csr = |from: &[u32], to: &[u32]| {
            let mut first = vec![0u32; n + 1];
            for &a in from {
                first[a as usize + 1] += 1;
            }
            for v in 0..n {
                first[v + 1] += first[v];
            }
            let mut fill = first.clone();
            let mut adj = vec![0u32; from.len()];
            for (&a, &b) in from.iter().zip(to) {
                adj[fill[a as usize] as usize] = b;
                fill[a as usize] += 1;
            }
            (first, adj)
        };
        let (fo, fa) = csr(&self.tail, &self.head);
        let (bo, ba) = csr(&self.head, &self.tail);
        // First pass: nodes in order of finishing, on the forward arcs.
        let mut seen = vec![false; n];
        let mut finished = Vec::with_capacity(n);
        let mut stack: Vec<(u32, u32)> = vec![];
        for r in 0..n {
            if seen[r] {
                continue;
            }
            seen[r] = true;
            stack.push((r as u32, fo[r]));
            while let Some(top) = stack.last_mut() {
                let (v, next) = *top;
                if next < fo[v as usize + 1] {
                    top.1 += 1;
                    let u = fa[next as usize];
                    if !seen[u as usize] {
                        seen[u as usize] = true;
                        stack.push((u, fo[u as usize]));
                    }
                } else {
                    finished.push(v);
                    stack.pop();
                }
            }
        }
        // Second pass: components on the backward arcs, latest finish first.
        let mut comp = vec![u32::MAX; n];
        let mut size = vec![];
        let mut todo = vec![];
        for &r in finished.iter().rev() {
            if comp[r as usize] != u32::MAX {
                continue;
            }
            let c = size.len() as u32;
            size.push(0u32);
            comp[r as usize] = c;
            todo.push(r);
            while let Some(v) = todo.pop() {
                size[c as usize] += 1;
                for &u in &ba[bo[v as usize] as usize..bo[v as usize + 1] as usize] {
                    if comp[u as usize] == u32::MAX {
                        comp[u as usize] = c;
                        todo.push(u);
                    }
                }
            }
        }
        let Some(big) = (0..size.len()).max_by_key(|&c| size[c]) else {
            return vec![];
        };
        comp.iter().map(|&c| c as usize == big).collect()
    }

    /// `k × k` copies of this graph side by side, each joined to its east and
    /// north neighbours by `links` two-way roads between the nodes nearest
    /// the shared border: a synthetic country-sized network that keeps a
    /// road network's local structure.
    pub fn tiled(&self, k: usize, links: usize) -> Plain {
        let n = self.n();
        let (min_la, max_la) = (
            self.lat.iter().min().copied().unwrap_or(0),
            self.lat.iter().max().copied().unwrap_or(0),
        );
        let (min_lo, max_lo) = (
            self.lon.iter().min().copied().unwrap_or(0),
            self.lon.iter().max().copied().unwrap_or(0),
        );
        let (h, w) = (max_la - min_la + 1000, max_lo - min_lo + 1000);
        let mut out = Plain {
            lat: vec![],
            lon: vec![],
            tail: vec![],
            head: vec![],
            w: vec![],
        };
        for i in 0..k {
            for j in 0..k {
                for v in 0..n {
                    out.lat.push(self.lat[v] + i as i32 * h);
                    out.lon.push(self.lon[v] + j as i32 * w);
                }
                let off = ((i * k + j) * n) as u32;
                for a in 0..self.tail.len() {
                    out.tail.push(self.tail[a] + off);
                    out.head.push(self.head[a] + off);
                    out.w.push(self.w[a]);
                }
            }
        }
        // Border nodes: the `links` most eastern / western / northern /
        // southern nodes of the main strongly connected component.
        let main = self.main_scc();
        let extreme = |key: &dyn Fn(usize) -> i64| {
            let mut v: Vec<usize> = (0..n).filter(|&x| main[x]).collect();
            v.sort_by_key(|&x| key(x));
            v.truncate(links);
            v
        };
        let east = extreme(&|x| -(self.lon[x] as i64));
        let west = extreme(&|x| self.lon[x] as i64);
        let north = extreme(&|x| -(self.lat[x] as i64));
        let south = extreme(&|x| self.lat[x] as i64);
        let mut join = |a: u32, b: u32| {
            for (x, y) in [(a, b), (b, a)] {
                out.tail.push(x);
                out.head.push(y);
                out.w.push(60_000);
            }
        };
        for i in 0..k {
            for j in 0..k {
                let base = ((i * k + j) * n) as u32;
                if j + 1 < k {
                    let right = ((i * k + j + 1) * n) as u32;
                    for (&a, &b) in east.iter().zip(&west) {
                        join(base + a as u32, right + b as u32);
                    }
                }
                if i + 1 < k {
                    let up = (((i + 1) * k + j) * n) as u32;
                    for (&a, &b) in north.iter().zip(&south) {
                        join(base + a as u32, up + b as u32);
                    }
                }
            }
        }
        out
    }
}

/// `tiled DIR K [REPS]`: the exported graph tiled `K × K`, every phase timed.
pub fn tiled(dir: &str, k: usize, reps: usize) -> Result<()> {
    let p = Plain::read(Path::new(dir))?.tiled(k, 12);
    let n = p.n();
    let mut out = phases(&p, reps);
    let rank = p.order();
    let c = order::contract(n, &p.tail, &p.head, &rank);
    let cch = Cch::new(&c, &p.tail, &p.head, |_| true).map_err(anyhow::Error::msg)?;
    let mut metric = Metric::new(&cch, p.weights());
    let mut q = CchQuery::new(&cch);
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = |m: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % m as u64) as u32
    };
    let pairs: Vec<(u32, u32)> = (0..2000).map(|_| (next(n), next(n))).collect();
    let (mut dist, mut path) = (vec![], vec![]);
    for &(s, t) in &pairs {
        let t0 = Instant::now();
        std::hint::black_box(q.distance(&cch, &metric, s, t));
        dist.push(t0.elapsed().as_secs_f64() * 1e6);
    }
    let reachable = pairs
        .iter()
        .filter(|&&(s, t)| q.distance(&cch, &metric, s, t).is_some())
        .count();
    for &(s, t) in &pairs {
        let t0 = Instant::now();
        std::hint::black_box(q.path(&cch, &metric, &[(s, 0)], &[(t, 0)]));
        path.push(t0.elapsed().as_secs_f64() * 1e6);
    }
    // The 1 km square of `blocked_1km.txt`, in the middle copy.
    let per_copy_arcs = Plain::read(Path::new(dir))?.tail.len() as u32;
    let copy = ((k / 2) * k + k / 2) as u32;
    let blocked: Vec<u32> = read(Path::new(dir), "blocked_1km.txt")
        .map(|s| {
            s.lines()
                .filter_map(|l| l.trim().parse::<u32>().ok())
                .map(|a| copy * per_copy_arcs + a)
                .collect()
        })
        .unwrap_or_default();
    let mut is_blocked = vec![false; p.tail.len()];
    for &a in &blocked {
        is_blocked[a as usize] = true;
    }
    let mut t_up = vec![];
    for _ in 0..reps {
        let t0 = Instant::now();
        metric.update(&cch, &blocked, |a| {
            [
                if is_blocked[a as usize] {
                    INFINITY
                } else {
                    p.w[a as usize]
                },
                INFINITY,
            ]
        });
        t_up.push(t0.elapsed().as_secs_f64() * 1e3);
        metric.update(&cch, &blocked, p.weights());
    }
    let o = out.as_object_mut().expect("object");
    o.insert("copies".into(), json!(k * k));
    o.insert("random_pairs".into(), json!(pairs.len()));
    o.insert("reachable_pairs".into(), json!(reachable));
    o.insert("query_distance_p50_us".into(), json!(pct(&dist, 0.5)));
    o.insert("query_path_p50_us".into(), json!(pct(&path, 0.5)));
    o.insert("partial_1km_ms".into(), json!(median(t_up)));
    o.insert("partial_1km_arcs".into(), json!(blocked.len()));
    o.insert("peak_rss_mib".into(), json!(crate::peak_rss_mib()));
    println!("{}", serde_json::to_string(&out)?);
    Ok(())
}

/// `prep GRAPH`: every phase on the car network of a graph file, plus the
/// time to build both profiles' hierarchies and base metrics as `route` and
/// `serve` do when the file has no stored contraction.
pub fn prep(graph: &str, reps: usize) -> Result<()> {
    let mut g =
        RoadGraph::from_bytes(&std::fs::read(graph).with_context(|| format!("reading {graph}"))?)?;
    let p = Plain::car(&g);
    let mut out = phases(&p, reps);
    g.contractions.clear();
    let t0 = Instant::now();
    let contractions = Cch::contractions_of(&g);
    let both = t0.elapsed().as_secs_f64();
    g.contractions = contractions;
    let t0 = Instant::now();
    let router = corridor_routing::Router::new(g.clone());
    let ready = t0.elapsed().as_secs_f64();
    let o = out.as_object_mut().expect("object");
    o.insert("graph".into(), json!(graph));
    o.insert("all_nodes".into(), json!(g.num_nodes()));
    o.insert("order_and_contract_both_profiles_s".into(), json!(both));
    o.insert(
        "router_ready_from_stored_contraction_s".into(),
        json!(ready),
    );
    o.insert(
        "foot_cch_arcs".into(),
        json!(router.cch(Profile::Foot).num_arcs()),
    );
    println!("{}", serde_json::to_string(&out)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Plain;

    /// A ring of three nodes, and a source (like a turn restriction's) with
    /// arcs to all of them and none in: the source has the highest degree,
    /// the ring is the largest component.
    fn ring_and_source() -> Plain {
        let (tail, head) = (vec![0, 1, 2, 3, 3, 3], vec![1, 2, 0, 0, 1, 2]);
        Plain {
            lat: vec![0, 0, 100, 50],
            lon: vec![0, 100, 50, 50],
            w: vec![1; tail.len()],
            tail,
            head,
        }
    }

    #[test]
    fn the_main_component_is_the_largest_not_the_busiest_node_s() {
        assert_eq!(ring_and_source().main_scc(), [true, true, true, false]);
    }

    #[test]
    fn tiling_joins_the_copies_through_the_main_component() {
        let g = ring_and_source();
        // Fewer nodes in the component (3) than links asked for (12).
        let t = g.tiled(2, 12);
        assert_eq!(t.n(), 16);
        let joins = t.tail.len() - 4 * g.tail.len();
        // Four borders between the 2 x 2 copies, three links each, both ways.
        assert_eq!(joins, 4 * 3 * 2);
        assert!(t.main_scc().iter().filter(|&&x| x).count() == 12);
    }
}
