#!/usr/bin/env python3
"""Runs one of the peers' benchmark scripts (../shared/peers/bench) with
pbgraph's node loader fixed for clipped extracts.

usage: peer_patched.py PEER_SCRIPT [ARGS...]

On an extract clipped from a larger one (helsinki-center,
tiny-finnish-town) a way may reference nodes outside the extract. The
shared pbgraph.py registers such a node before reading its location, so the
way is skipped but the node stays without coordinates and the graph's
arrays no longer line up (IndexError later). pb_export.py holds the fix
(the location read first); this wrapper installs it in pbgraph, then runs
the script as `python3 PEER_SCRIPT ARGS...` would.

It also bounds pbgraph's sampler of origin-destination pairs around a
square: on an extract narrower than the square plus its margins (the
5 km square of bench_valhalla.py on helsinki-center or tiny-finnish-town)
no pair qualifies and the shared sampler loops for ever; here it stops
(empty) instead, so that the script's other sets are still measured; the
set's figures (and their medians) are then null.

And for bench_osrm.py, which waits for osrm-routed to answer its first
random pair with a route before timing the restart after the hazard: when
no --seed is given, the smallest seed from 1 whose first pair has both ends
outside the hazard square (plus 200 m) and a way between them avoiding it
(on pbgraph's own graph) is passed. On a large extract that is seed 1, the
script's default, and nothing changes; on a small one the default pair is
cut by the square and the server would never count as ready. The seed also
draws the script's timed random queries (and its pairs across the
hazard), so on those extracts OSRM is timed on another random sample of
the same kind; the choice does not depend on OSRM's speed."""
import argparse
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def osrm_options(args):
    """bench_osrm.py's options, parsed as it parses them (same names, so
    the same abbreviations); they are passed through untouched."""
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("pbf")
    for name in ("--workdir", "--reps", "--build-reps", "--port"):
        ap.add_argument(name)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--hazard-side", type=float, default=1000.0)
    known, _ = ap.parse_known_args(args)
    return known


def osrm_probe_seed(pbgraph, a):
    """The seed for bench_osrm.py (module docs): its first random pair
    stays routable once the hazard square is blocked."""
    side, queries = a.hazard_side, a.queries
    g = pbgraph.load_graph(a.pbf)
    hlat, hlon = pbgraph.hazard_square_center(g)
    ring = pbgraph.square(hlat, hlon, side)
    blocked = set(pbgraph.arcs_in_square(g, ring))
    first, arcs = pbgraph.adjacency(g.n, g.tail, g.head)

    def near(v):
        return pbgraph.cheb_m(g.lat[v], g.lon[v], hlat, hlon) < side / 2 + 200.0

    def reaches(o, d):
        seen, todo = {o}, [o]
        while todo:
            v = todo.pop()
            for e in arcs[first[v]:first[v + 1]]:
                w = g.head[e]
                if e not in blocked and w not in seen:
                    seen.add(w)
                    todo.append(w)
        return d in seen

    for seed in range(1, 201):
        o, d, _ = pbgraph.sample_od(g, queries, seed)[0]
        if not near(o) and not near(d) and reaches(o, d):
            return seed
    return 1


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    script = os.path.abspath(sys.argv[1])
    sys.path.insert(0, os.path.dirname(script))
    sys.path.insert(0, HERE)
    # pb_export puts ../shared/peers/bench first on the path: the peers'
    # own pbgraph is the one patched and used.
    from pb_export import _node  # the one copy of the fix
    import pbgraph

    pbgraph._H._node = _node
    sample = pbgraph.sample_od

    def bounded_sample_od(g, count, seed, side_m=None, margin_m=200.0):
        if side_m is not None:
            # The farthest pair of the network's nodes, by the sampler's own
            # measure, bounded by the bounding box: if even that is too
            # close, no pair ever qualifies.
            lat = [g.lat[v] for v in g.scc]
            lon = [g.lon[v] for v in g.scc]
            span = pbgraph.cheb_m(min(lat), min(lon), max(lat), max(lon))
            if span / 2 < side_m / 2 + margin_m:
                print(
                    f"peer_patched.py: this extract's network spans {span:.0f} m, too "
                    f"small for pairs around a {side_m:.0f} m square (pbgraph.sample_od "
                    "would loop for ever): that set is left empty",
                    file=sys.stderr,
                )
                return []
        return sample(g, count, seed, side_m, margin_m)

    pbgraph.sample_od = bounded_sample_od
    # The figures of such an empty set are None; their median is None too
    # (the shared median would compare None with None).
    median = pbgraph.median
    pbgraph.median = lambda xs: None if any(x is None for x in xs) else median(xs)
    args = sys.argv[2:]
    if os.path.basename(script) == "bench_osrm.py":
        a = osrm_options(args)
        if a.seed is None:
            args += ["--seed", str(osrm_probe_seed(pbgraph, a))]
    sys.argv = [script] + args
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
