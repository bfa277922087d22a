#!/usr/bin/env python3
"""Valhalla on corridor's own hazard-change queries: the same square, the
same corridors, timed the way ../shared/peers/bench/bench_valhalla.py times
its own (valhalla_service with one worker, one keep-alive request in flight,
`directions_type: none`), with the square as `exclude_polygons`.

usage: valhalla_same_queries.py QUERIES.json VALHALLA_WORKDIR [--reps 3] [--port 18622]

QUERIES.json is written by `corridor-bench hazard-change GRAPH N REPS
QUERIES.json`; VALHALLA_WORKDIR is a bench_valhalla.py work folder whose
tiles were built from the same extract (scripts/bench_hazard_change.sh runs
both). Needs VALHALLA_BIN (../shared/peers/setup.sh).

bench_valhalla.py's own 1 km set puts a square on each pair's midpoint; on a
small clipped extract no such square leaves a way round it (Valhalla answers
"no path" to every query), so its figure there is not a route. These
queries are the ones corridor answers in its figure: one square at the
network's centre, corridors with both ends outside it (+200 m).

Prints JSON: per square, the pairs, how many Valhalla routes without and
with the square, how many of its answers (route or none) agree with
corridor's, each repetition's total and p50 over all the pairs and its p50
over the pairs its network joins without the square (on a small clipped
extract Valhalla's car network drops roads corridor keeps, and a "no path"
answer is not a route), and their medians. `answers_agree` counts every pair, joined or not.

Limits: the pairs are drawn by corridor on its own network; Valhalla's
`exclude_polygons` drops the edges that cross the square, corridor blocks
the road segments that meet it, which is the same rule, but the two
networks differ in the roads they keep (most on the small extracts)."""
import argparse
import json
import os
import sys

PEERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "peers", "bench")
sys.path.insert(0, os.path.abspath(PEERS))
import bench_valhalla as V  # noqa: E402
import httpbench as H  # noqa: E402
import pbgraph as P  # noqa: E402


def body(pair, ring=None):
    (alat, alon), (blat, blon) = pair
    b = {
        "locations": [{"lat": alat, "lon": alon}, {"lat": blat, "lon": blon}],
        "costing": "auto",
        "directions_type": "none",
    }
    if ring is not None:
        b["exclude_polygons"] = [ring]
    return json.dumps(b)


def routed(cli, pair, ring=None):
    """(found a route, seconds)."""
    st, data, dt = cli.request("POST", "/route", body(pair, ring))
    return st == 200 and "trip" in json.loads(data), dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("queries")
    ap.add_argument("workdir")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--port", type=int, default=18622)
    a = ap.parse_args()
    vbin = os.environ["VALHALLA_BIN"]
    work = os.path.abspath(a.workdir)
    if not os.path.isdir(os.path.join(work, "tiles")):
        sys.exit(f"{work}/tiles: no tiles (run bench_valhalla.py with --workdir {work} first)")
    qs = json.load(open(a.queries))
    # The 5 km square needs the raised polygon-length limit, as
    # bench_valhalla.py's set (c) does; the 1 km square is within the default.
    cfg, _ = V.make_config(os.environ["VALHALLA_CONFIG_PY"], work, a.port, exclude_len=100000)
    p, cli, _ = V.serve(vbin, cfg, work, a.port, "same-queries")
    out = {"engine": "Valhalla 3.9.1", "queries": os.path.abspath(a.queries)}
    try:
        for name, q in sorted(qs.items()):
            ring = q["ring_lon_lat"]
            pairs = q["pairs_lat_lon"]
            ours = q["routed_with_hazard"]
            # Which pairs Valhalla's own network joins at all: on a small
            # clipped extract its car network is not ours (it drops roads
            # that corridor keeps), and "no path" is not a route.
            free = [routed(cli, pair)[0] for pair in pairs]
            totals, p50s, p50s_free, found = [], [], [], []
            for rep in range(a.reps):
                ms, found = [], []
                for pair in pairs:
                    ok, dt = routed(cli, pair, ring)
                    ms.append(dt * 1000)
                    found.append(ok)
                totals.append(sum(ms))
                p50s.append(P.pct(ms, 50))
                p50s_free.append(P.pct([t for t, f in zip(ms, free) if f], 50))
                P.log(f"{name} rep{rep}: total {sum(ms):.1f} ms, p50 {p50s[-1]} ms, "
                      f"{sum(found)}/{len(pairs)} routed")
            out[name] = {
                "pairs": len(pairs),
                "valhalla_routed_without_square": sum(free),
                "valhalla_routed": sum(found),
                "corridor_routed": sum(ours),
                "answers_agree": sum(x == y for x, y in zip(found, ours)),
                "total_ms_runs": [P.r3(t) for t in totals],
                "median_total_ms": P.r3(P.median(totals)),
                "p50_ms_runs": [P.r3(t) for t in p50s],
                "median_p50_ms": P.r3(P.median(p50s)) if all(x is not None for x in p50s) else None,
                # Over the pairs its network joins without the square,
                # whatever the answer with it: corridor's figure likewise
                # includes the corridors the square cuts.
                "p50_ms_joined_runs": [P.r3(t) for t in p50s_free],
                "median_p50_ms_joined": P.r3(P.median(p50s_free)) if all(x is not None for x in p50s_free) else None,
            }
    finally:
        cli.close()
        H.stop_server(p)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
