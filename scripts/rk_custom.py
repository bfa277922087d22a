#!/usr/bin/env python3
"""Customization, corridor beside RoutingKit, interleaved on the same graph.

usage: rk_custom.py DIR [--rounds 5] [--reps 3]
                        [--bench target/release/corridor-bench] [--json OUT.json]

DIR holds nodes.txt, arcs.txt and our_order.txt (`corridor-bench export`,
or `scripts/pb_export.py` + `corridor-bench order DIR`, or
`corridor-bench tiled-export`). The hazard squares (blocked_1km.txt,
blocked_5km.txt) are sampled as scripts/rk_same_graph.py does when absent.

RoutingKit's order is computed once (timed once). Then each round times, in
this order: REPS times RoutingKit's full customization with its own order
and with ours, its partial updates (block the square, then restore) on
both, then one run of `corridor-bench custom DIR REPS` (REPS times our full
customization sequential and on 1 and 2 threads, and the same partial
updates, all on the hierarchy of our order). Medians (and minima) over all
ROUNDS x REPS values, of the wall time and of the thread's CPU time (which
leaves out the time spent waiting for a core on a shared machine); ratios
are corridor / RoutingKit, of the medians. RoutingKit's times include its Python binding: converting the
weight list (full customization) or the dict (partial update) to C++."""
import argparse
import json
import os
import random
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "peers", "bench"))
import pbgraph as P  # noqa: E402
import routingkit_cch as rk  # noqa: E402
from rk_same_graph import load  # noqa: E402


def med(v):
    v = sorted(v)
    return v[len(v) // 2]


def blocked_squares(g, d):
    out = {}
    for side in (1000, 5000):
        path = os.path.join(d, f"blocked_{side // 1000}km.txt")
        if not os.path.exists(path):
            hlat, hlon = P.hazard_square_center(g)
            arcs = P.arcs_in_square(g, P.square(hlat, hlon, side))
            with open(path, "w") as f:
                f.writelines(f"{e}\n" for e in arcs)
        with open(path) as f:
            out[side] = [int(x) for x in f if x.strip()]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--bench", default=os.path.join(HERE, "..", "target", "release", "corridor-bench"))
    ap.add_argument("--json")
    a = ap.parse_args()
    load_before = open("/proc/loadavg").read().split()[:3]
    g = load(a.dir)
    random.seed(1)
    blocked = blocked_squares(g, a.dir)
    t0 = time.perf_counter()
    rk_order = rk.compute_order_inertial(g.n, g.tail, g.head, g.lat, g.lon)
    order_s = time.perf_counter() - t0
    cchs = {"rk": rk.CCH(rk_order, g.tail, g.head, False),
            "our": rk.CCH(g.our_order, g.tail, g.head, False)}
    keys = ["rk_full_ms", "rk_full_our_order_ms", "rk_1km_ms", "rk_5km_ms",
            "rk_1km_our_order_ms", "rk_5km_our_order_ms", "full_ms", "p1km_ms", "p5km_ms"]
    R = {k: [] for k in keys + [k.replace("_ms", "_cpu_ms") for k in keys] + ["par1_ms", "par2_ms"]}

    def timed(key, f):
        """Runs f, appending its wall and thread CPU time (ms) to R."""
        t0, c0 = time.perf_counter(), time.thread_time()
        x = f()
        R[key].append((time.perf_counter() - t0) * 1e3)
        R[key.replace("_ms", "_cpu_ms")].append((time.thread_time() - c0) * 1e3)
        return x

    ours = None
    for r in range(a.rounds):
        for _ in range(a.reps):
            metrics = {}
            for name, key in (("rk", "rk_full_ms"), ("our", "rk_full_our_order_ms")):
                metrics[name] = timed(key, lambda: rk.CCHMetric(cchs[name], g.w))
            for name, suffix in (("rk", ""), ("our", "_our_order")):
                up = rk.CCHMetricPartialUpdater(cchs[name])
                for side in (1000, 5000):
                    block = {e: P.INF_WEIGHT for e in blocked[side]}
                    restore = {e: g.w[e] for e in blocked[side]}
                    timed(f"rk_{side // 1000}km{suffix}_ms", lambda: up.apply(metrics[name], block))
                    up.apply(metrics[name], restore)
            del metrics
        out = subprocess.run([a.bench, "custom", a.dir, str(a.reps)], check=True,
                             capture_output=True, text=True).stdout
        ours = json.loads(out)
        R["full_ms"] += ours["customize_full_ms_runs"]
        R["full_cpu_ms"] += ours["customize_full_cpu_ms_runs"]
        R["p1km_cpu_ms"] += ours["partial"]["blocked_1km"]["update_cpu_ms_runs"]
        R["p5km_cpu_ms"] += ours["partial"]["blocked_5km"]["update_cpu_ms_runs"]
        R["par1_ms"] += ours["customize_parallel_1t_ms_runs"]
        R["par2_ms"] += ours["customize_parallel_2t_ms_runs"]
        R["p1km_ms"] += ours["partial"]["blocked_1km"]["update_ms_runs"]
        R["p5km_ms"] += ours["partial"]["blocked_5km"]["update_ms_runs"]
        print(f"round {r + 1}/{a.rounds} done", file=sys.stderr)
    M = {k: med(v) for k, v in R.items()}
    res = {"dir": a.dir, "nodes": g.n, "arcs": g.m, "rounds": a.rounds, "reps": a.reps,
           "load_before": load_before, "load_after": open("/proc/loadavg").read().split()[:3],
           "rk_order_s_once": order_s, "medians_ms": M,
           "minima_ms": {k: min(v) for k, v in R.items()}, "runs_ms": R,
           "ours_last_run": ours,
           "ratios": {
               "full_vs_rk_own_order": M["full_ms"] / M["rk_full_ms"],
               "full_vs_rk_our_order": M["full_ms"] / M["rk_full_our_order_ms"],
               "par2_vs_rk_own_order": M["par2_ms"] / M["rk_full_ms"],
               "partial_1km_vs_rk_own_order": M["p1km_ms"] / M["rk_1km_ms"],
               "partial_1km_vs_rk_our_order": M["p1km_ms"] / M["rk_1km_our_order_ms"],
               "partial_5km_vs_rk_own_order": M["p5km_ms"] / M["rk_5km_ms"],
               "partial_5km_vs_rk_our_order": M["p5km_ms"] / M["rk_5km_our_order_ms"],
               "cpu_full_vs_rk_own_order": M["full_cpu_ms"] / M["rk_full_cpu_ms"],
               "cpu_full_vs_rk_our_order": M["full_cpu_ms"] / M["rk_full_our_order_cpu_ms"],
               "cpu_partial_1km_vs_rk_own_order": M["p1km_cpu_ms"] / M["rk_1km_cpu_ms"],
               "cpu_partial_1km_vs_rk_our_order": M["p1km_cpu_ms"] / M["rk_1km_our_order_cpu_ms"],
               "cpu_partial_5km_vs_rk_own_order": M["p5km_cpu_ms"] / M["rk_5km_cpu_ms"],
               "cpu_partial_5km_vs_rk_our_order": M["p5km_cpu_ms"] / M["rk_5km_our_order_cpu_ms"],
               "speedup_2t_vs_1t": M["par1_ms"] / M["par2_ms"],
               "speedup_2t_vs_sequential": M["full_ms"] / M["par2_ms"]}}
    s = json.dumps(res, indent=1)
    if a.json:
        with open(a.json, "w") as f:
            f.write(s)
    print(s)


if __name__ == "__main__":
    main()
