#!/usr/bin/env python3
"""RoutingKit CCH on exactly corridor's car graph.

usage: rk_same_graph.py DIR [--queries 10000] [--reps 3] [--seed 1]

DIR holds nodes.txt, arcs.txt and our_order.txt from
`corridor-bench export GRAPH DIR`. This script samples the queries from the
largest strongly connected component and the hazard squares the same way
../shared/peers/bench/bench_cch.py does (its pbgraph helpers), writes them
(pairs.txt; blocked_1km.txt and blocked_5km.txt unless DIR has them), times RoutingKit's phases with
its own inertial-flow order and with ours, writes RoutingKit's distances
(rk_dist.txt, one per pair, "-" when unreachable) and its order
(rk_order.txt, node ids from rank 0 up), and prints JSON.
`corridor-bench cch DIR` then times corridor on the same files."""
import argparse
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "peers", "bench"))
import pbgraph as P  # noqa: E402
import routingkit_cch as rk  # noqa: E402


def load(d):
    g = P.Graph()
    g.lat, g.lon = [], []
    with open(os.path.join(d, "nodes.txt")) as f:
        for line in f:
            la, lo = line.split()
            g.lat.append(float(la))
            g.lon.append(float(lo))
    g.tail, g.head, g.w = [], [], []
    with open(os.path.join(d, "arcs.txt")) as f:
        for line in f:
            t, h, w = line.split()
            g.tail.append(int(t))
            g.head.append(int(h))
            g.w.append(int(w))
    g.n, g.m = len(g.lat), len(g.tail)
    g.scc = P.largest_scc(g)
    with open(os.path.join(d, "our_order.txt")) as f:
        g.our_order = [int(x) for x in f]
    return g


def time_queries(metric, pairs, reps):
    q = rk.CCHQuery(metric)
    dist_p50, path_p50, dist_p99, path_p99 = [], [], [], []
    dists = []
    pc = time.perf_counter_ns
    for _ in range(reps):
        ld, lp = [], []
        dists = []
        for s, t in pairs:
            t0 = pc()
            r = q.run(s, t)
            d = r.distance
            del r
            ld.append((pc() - t0) / 1e3)
            dists.append(d)
        for s, t in pairs:
            t0 = pc()
            r = q.run(s, t)
            _ = r.distance
            _ = r.node_path
            del r
            lp.append((pc() - t0) / 1e3)
        dist_p50.append(P.pct(ld, 50))
        dist_p99.append(P.pct(ld, 99))
        path_p50.append(P.pct(lp, 50))
        path_p99.append(P.pct(lp, 99))
    return {"distance_p50_us": P.median(dist_p50), "distance_p99_us": P.median(dist_p99),
            "path_p50_us": P.median(path_p50), "path_p99_us": P.median(path_p99),
            "distance_p50_us_runs": dist_p50, "path_p50_us_runs": path_p50}, dists


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--queries", type=int, default=10000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    g = load(a.dir)
    rng = random.Random(a.seed)
    pairs = [(rng.choice(g.scc), rng.choice(g.scc)) for _ in range(a.queries)]
    with open(os.path.join(a.dir, "pairs.txt"), "w") as f:
        f.writelines(f"{s} {t}\n" for s, t in pairs)
    # The hazard squares: those already in DIR (`corridor-bench
    # tiled-export` moves the extract's to the middle copy, where the
    # sampling below finds no node: the tiles' common corner is empty), else
    # sampled as ../shared/peers/bench/bench_cch.py does.
    files = {side: os.path.join(a.dir, f"blocked_{side // 1000}km.txt") for side in (1000, 5000)}
    blocked = {}
    if all(os.path.exists(f) for f in files.values()):
        for side, name in files.items():
            with open(name) as f:
                blocked[side] = [int(x) for x in f.read().split()]
    else:
        hlat, hlon = P.hazard_square_center(g)
        for side in (1000, 5000):
            arcs = P.arcs_in_square(g, P.square(hlat, hlon, side))
            blocked[side] = arcs
            with open(files[side], "w") as f:
                f.writelines(f"{e}\n" for e in arcs)

    res = {"engine": "RoutingKit CCH (routingkit_cch)", "nodes": g.n, "arcs": g.m,
           "largest_scc": len(g.scc), "queries": a.queries, "reps": a.reps}
    T = {k: [] for k in ("order_inertial_s", "cch_build_s", "customize_full_s",
                         "partial_1km_s", "partial_5km_s", "cch_build_our_order_s",
                         "customize_full_our_order_s")}
    order = None
    for _ in range(a.reps):
        t0 = time.perf_counter()
        order = rk.compute_order_inertial(g.n, g.tail, g.head, g.lat, g.lon)
        T["order_inertial_s"].append(time.perf_counter() - t0)
    # RoutingKit's order itself, for `corridor-bench order-compare DIR`.
    with open(os.path.join(a.dir, "rk_order.txt"), "w") as f:
        f.writelines(f"{v}\n" for v in order)
    for _ in range(a.reps):
        t0 = time.perf_counter()
        cch = rk.CCH(order, g.tail, g.head, False)
        T["cch_build_s"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        metric = rk.CCHMetric(cch, g.w)
        T["customize_full_s"].append(time.perf_counter() - t0)
    res["rk_order"], dists = time_queries(metric, pairs, a.reps)
    with open(os.path.join(a.dir, "rk_dist.txt"), "w") as f:
        f.writelines(("-" if d is None else str(d)) + "\n" for d in dists)
    updater = rk.CCHMetricPartialUpdater(cch)
    for side in (1000, 5000):
        block = {e: P.INF_WEIGHT for e in blocked[side]}
        restore = {e: g.w[e] for e in blocked[side]}
        for _ in range(a.reps):
            t0 = time.perf_counter()
            updater.apply(metric, block)
            T[f"partial_{side // 1000}km_s"].append(time.perf_counter() - t0)
            updater.apply(metric, restore)
    res["blocked_arcs"] = {"1km": len(blocked[1000]), "5km": len(blocked[5000])}
    # The same engine with our order: isolates the quality of the order.
    for _ in range(a.reps):
        t0 = time.perf_counter()
        cch2 = rk.CCH(g.our_order, g.tail, g.head, False)
        T["cch_build_our_order_s"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        metric2 = rk.CCHMetric(cch2, g.w)
        T["customize_full_our_order_s"].append(time.perf_counter() - t0)
    res["our_order"], dists2 = time_queries(metric2, pairs, a.reps)
    res["our_order_distance_mismatches"] = sum(1 for x, y in zip(dists, dists2) if x != y)
    res["times_median_s"] = {k: P.median(v) for k, v in T.items()}
    res["times_all_s"] = T
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
