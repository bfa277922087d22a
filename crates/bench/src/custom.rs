//! Customization on exactly the graph RoutingKit gets: full (sequential and
//! on 1 and 2 threads), partial updates for the hazard squares, and what
//! each update did. `scripts/rk_custom.py DIR` runs `custom DIR 1` between
//! RoutingKit's own runs (interleaved) and prints the ratios.
//!
//! `order DIR` adds our node order (`our_order.txt`) to a directory that
//! holds only `nodes.txt` and `arcs.txt` (such as `scripts/pb_export.py`
//! writes); `tiled-export DIR K OUT` writes the graph of `DIR` tiled `K × K`
//! (as `tiled` builds it) with our order and `DIR`'s hazard squares moved to
//! the middle copy to `OUT`.

use crate::median;
use crate::same_graph::Plain;
use anyhow::{Context, Result};
use corridor_graph::INFINITY;
use corridor_routing::cch::{order, Cch, Metric};
use serde_json::json;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

fn write_order(p: &Plain, dir: &Path) -> Result<f64> {
    let t = Instant::now();
    let rank = p.order();
    let s = t.elapsed().as_secs_f64();
    let mut by_rank = vec![0u32; rank.len()];
    for (v, &r) in rank.iter().enumerate() {
        by_rank[r as usize] = v as u32;
    }
    let mut out = String::with_capacity(8 * by_rank.len());
    for v in by_rank {
        writeln!(out, "{v}")?;
    }
    std::fs::write(dir.join("our_order.txt"), out)?;
    Ok(s)
}

/// `tiled-export DIR K OUT`. The hazard squares of `DIR`
/// (`blocked_1km.txt`, `blocked_5km.txt`), when present, are carried over
/// to the middle copy, as `tiled` does.
pub fn tiled_export(dir: &str, k: usize, out: &str) -> Result<()> {
    let src = Plain::read(Path::new(dir))?;
    let per_copy = src.tail.len() as u32;
    let p = src.tiled(k, 12);
    let out = Path::new(out);
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    p.write(out)?;
    let copy = ((k / 2) * k + k / 2) as u32;
    for name in ["blocked_1km.txt", "blocked_5km.txt"] {
        if let Some(arcs) = read_list(Path::new(dir), name) {
            let mut s = String::new();
            for a in arcs {
                writeln!(s, "{}", copy * per_copy + a)?;
            }
            std::fs::write(out.join(name), s)?;
        }
    }
    let s = write_order(&p, out)?;
    println!(
        "{}",
        json!({"nodes": p.n(), "arcs": p.tail.len(), "order_s": s})
    );
    Ok(())
}

fn read_list(dir: &Path, name: &str) -> Option<Vec<u32>> {
    std::fs::read_to_string(dir.join(name))
        .ok()
        .map(|s| s.lines().filter_map(|l| l.trim().parse().ok()).collect())
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// CPU time of this thread, in ms: unlike the wall clock it does not count
/// the time the thread waits for a core, so on a shared machine it measures
/// the work of single-threaded code far more stably.
fn cpu_ms() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we pass and reads
    // nothing else.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 * 1e-6
}

fn plan_json(p: corridor_routing::cch::ParallelPlan) -> serde_json::Value {
    json!({"tasks": p.tasks, "top_levels": p.top_levels, "top_arcs": p.top_arcs,
           "total_work": p.total_work, "top_work": p.top_work,
           "largest_task_work": p.largest_task_work})
}

/// `custom DIR [REPS]`: our customization on the hierarchy of
/// `our_order.txt`, medians of `REPS`.
pub fn custom(dir: &str, reps: usize) -> Result<()> {
    let reps = reps.max(1);
    let dir = Path::new(dir);
    let p = Plain::read(dir)?;
    let n = p.n();
    let order =
        read_list(dir, "our_order.txt").context("our_order.txt (corridor-bench order DIR)")?;
    anyhow::ensure!(
        order.len() == n,
        "our_order.txt has {} nodes, the graph {n}",
        order.len()
    );
    let mut rank = vec![u32::MAX; n];
    for (r, &v) in order.iter().enumerate() {
        anyhow::ensure!(
            (v as usize) < n && rank[v as usize] == u32::MAX,
            "our_order.txt is not a permutation"
        );
        rank[v as usize] = r as u32;
    }
    let t = Instant::now();
    let c = order::contract(n, &p.tail, &p.head, &rank);
    let contract_ms = ms(t);
    let t = Instant::now();
    let cch = Cch::new(&c, &p.tail, &p.head, |_| true).map_err(anyhow::Error::msg)?;
    let derive_ms = ms(t);
    let w = |a: u32| [p.w[a as usize], INFINITY];
    let pools: Vec<rayon::ThreadPool> = [1, 2]
        .iter()
        .map(|&k| rayon::ThreadPoolBuilder::new().num_threads(k).build())
        .collect::<Result<_, _>>()?;
    // Schedule made once, outside the timings (it is cached per hierarchy).
    let mut metric = Metric::new_parallel(&cch, w);
    let (mut seq, mut seq_cpu, mut par1, mut par2) = (vec![], vec![], vec![], vec![]);
    let mut equal = true;
    for _ in 0..reps {
        let (t, c) = (Instant::now(), cpu_ms());
        let m = Metric::new(&cch, w);
        seq.push(ms(t));
        seq_cpu.push(cpu_ms() - c);
        for (pool, out) in pools.iter().zip([&mut par1, &mut par2]) {
            let t = Instant::now();
            pool.install(|| metric.customize_parallel(&cch, w));
            out.push(ms(t));
            equal &= metric.same_as(&m);
        }
    }
    let full = Metric::new(&cch, w);
    let mut partial = serde_json::Map::new();
    for name in ["blocked_1km", "blocked_5km"] {
        let Some(blocked) = read_list(dir, &format!("{name}.txt")) else {
            continue;
        };
        let mut is_blocked = vec![false; p.tail.len()];
        for &a in &blocked {
            anyhow::ensure!(
                (a as usize) < p.tail.len(),
                "{name}.txt: arc {a} out of range"
            );
            is_blocked[a as usize] = true;
        }
        let wb = |a: u32| {
            if is_blocked[a as usize] {
                [INFINITY, INFINITY]
            } else {
                w(a)
            }
        };
        let (mut t_up, mut c_up, mut t_back) = (vec![], vec![], vec![]);
        for _ in 0..reps {
            let (t, c) = (Instant::now(), cpu_ms());
            metric.update(&cch, &blocked, wb);
            t_up.push(ms(t));
            c_up.push(cpu_ms() - c);
            let t = Instant::now();
            metric.update(&cch, &blocked, w);
            t_back.push(ms(t));
        }
        // Untimed: what the update did, and that it is exact.
        let stats = metric.update_with_stats(&cch, &blocked, wb);
        let blocked_full = Metric::new(&cch, wb);
        let exact = metric.same_as(&blocked_full);
        let back = metric.update_with_stats(&cch, &blocked, w);
        let restored = metric.same_as(&full);
        partial.insert(
            name.into(),
            json!({"arcs_blocked": blocked.len(),
                   "update_ms": median(t_up.clone()), "update_ms_runs": t_up,
                   "update_cpu_ms": median(c_up.clone()), "update_cpu_ms_runs": c_up,
                   "restore_ms": median(t_back.clone()), "restore_ms_runs": t_back,
                   "arcs_derived": stats.derived, "arcs_changed": stats.changed,
                   "arcs_reached": stats.reached,
                   "restore_arcs_derived": back.derived, "restore_arcs_changed": back.changed,
                   "equals_full_customization": exact && restored}),
        );
    }
    let arcs = cch.num_arcs().max(1) as f64;
    let plan = cch.parallel_plan();
    println!(
        "{}",
        json!({
            "nodes": n, "arcs": p.tail.len(), "cch_arcs": cch.num_arcs(),
            "triangles": cch.num_triangles(), "tree_height": cch.tree_height(),
            "contract_ms": contract_ms, "derive_ms": derive_ms,
            "topology_bytes_per_arc": cch.heap_bytes() as f64 / arcs,
            "triangle_bytes_per_arc": cch.triangle_bytes() as f64 / arcs,
            "metric_bytes_per_arc": full.heap_bytes() as f64 / arcs,
            "customize_full_ms": median(seq.clone()), "customize_full_ms_runs": seq,
            "customize_full_cpu_ms": median(seq_cpu.clone()), "customize_full_cpu_ms_runs": seq_cpu,
            "customize_parallel_1t_ms": median(par1.clone()), "customize_parallel_1t_ms_runs": par1,
            "customize_parallel_2t_ms": median(par2.clone()), "customize_parallel_2t_ms_runs": par2,
            "parallel_equals_sequential": equal,
            "parallel_plan": plan_json(plan),
            "parallel_plan_16_threads": plan_json(cch.parallel_plan_for(16)),
            "partial": partial,
        })
    );
    Ok(())
}
