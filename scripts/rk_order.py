#!/usr/bin/env python3
"""RoutingKit's inertial-flow order on a plain text graph, timed.

usage: rk_order.py DIR [--reps 1]

DIR holds nodes.txt and arcs.txt (`corridor-bench export`,
`corridor-bench tiled-export` or scripts/pb_export.py). Times
`routingkit_cch.compute_order_inertial` (the reference's order, the one
rk_same_graph.py also times) and writes the order to DIR/rk_order.txt (node
ids from rank 0 up), so that `corridor-bench order-compare DIR` can measure
the elimination-tree height and arcs of RoutingKit's order beside ours.
Only the order: no sampling, no queries, so it also runs on the 2-million-node
tiled graphs. Prints JSON."""
import argparse
import json
import os
import statistics
import time

import routingkit_cch as rk


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--reps", type=int, default=1)
    a = ap.parse_args()
    lat, lon, tail, head = [], [], [], []
    with open(os.path.join(a.dir, "nodes.txt")) as f:
        for line in f:
            la, lo = line.split()
            lat.append(float(la))
            lon.append(float(lo))
    with open(os.path.join(a.dir, "arcs.txt")) as f:
        for line in f:
            t, h, _ = line.split()
            tail.append(int(t))
            head.append(int(h))
    times = []
    order = None
    for _ in range(a.reps):
        t0 = time.perf_counter()
        order = rk.compute_order_inertial(len(lat), tail, head, lat, lon)
        times.append(time.perf_counter() - t0)
    with open(os.path.join(a.dir, "rk_order.txt"), "w") as f:
        f.writelines(f"{v}\n" for v in order)
    print(json.dumps({"engine": "RoutingKit compute_order_inertial", "nodes": len(lat),
                      "arcs": len(tail), "order_s": statistics.median(times),
                      "order_s_runs": times}))


if __name__ == "__main__":
    main()
