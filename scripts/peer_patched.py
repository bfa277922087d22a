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
the same kind; the choice does not depend on OSRM's speed.

And for bench_valhalla.py, whose pairs around a square (each pair with its
own square on its midpoint, given to Valhalla as `exclude_polygons`) are
drawn as the shared sampler draws them, a pair is kept only if a way joins
its ends that avoids every arc with an end in its square (on pbgraph's own
graph, the arcs `arcs_in_square` would block). Otherwise Valhalla is timed
saying "no path", which is not a route: on the small clipped extracts every
square cut its pair apart. Where every drawn pair has such a way (the large
extracts) the sample is the shared sampler's, pair for pair: the same random
draws are made in the same order, and none is dropped. (Blocking the arcs
with an end in the square is `arcs_in_square`'s rule; Valhalla also drops
an edge that only crosses the square, so a pair kept here may still have
no Valhalla route. The search is a plain walk over the whole graph per
pair: seconds on the large extracts.)"""
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


def reaches(pbgraph, g, adj, o, d, ring):
    """Whether a way leads from node `o` to node `d` on arcs with no end in
    `ring` (a square, as `pbgraph.arcs_in_square` tests it)."""
    first, arcs = adj

    def open_node(v):
        return not pbgraph.in_ring_box(ring, g.lat[v], g.lon[v])

    if not (open_node(o) and open_node(d)):
        return False
    seen, todo = {o}, [o]
    while todo:
        v = todo.pop()
        if v == d:
            return True
        for e in arcs[first[v]:first[v + 1]]:
            w = g.head[e]
            if w not in seen and open_node(w):
                seen.add(w)
                todo.append(w)
    return False


def osrm_probe_seed(pbgraph, a):
    """The seed for bench_osrm.py (module docs): its first random pair
    stays routable once the hazard square is blocked."""
    side, queries = a.hazard_side, a.queries
    g = pbgraph.load_graph(a.pbf)
    hlat, hlon = pbgraph.hazard_square_center(g)
    ring = pbgraph.square(hlat, hlon, side)
    adj = pbgraph.adjacency(g.n, g.tail, g.head)

    def near(v):
        return pbgraph.cheb_m(g.lat[v], g.lon[v], hlat, hlon) < side / 2 + 200.0

    for seed in range(1, 201):
        o, d, _ = pbgraph.sample_od(g, queries, seed)[0]
        if not near(o) and not near(d) and reaches(pbgraph, g, adj, o, d, ring):
            return seed
    return 1


def connected_sampler(pbgraph):
    """pbgraph.sample_od for bench_valhalla.py (module docs): the shared
    sampler's draws, each pair around a square kept only if the square
    leaves a way between its ends; at most 1,000 draws per pair wanted, so
    a network that the square always cuts gives a short (or empty) set."""
    import random

    def sample_od(g, count, seed, side_m=None, margin_m=200.0):
        if side_m is None:
            return pbgraph.sample_od_shared(g, count, seed)
        adj = pbgraph.adjacency(g.n, g.tail, g.head)
        rng = random.Random(seed)
        nodes, out, dropped = g.scc, [], 0
        for _ in range(1000 * count):
            if len(out) == count:
                break
            o, d = rng.choice(nodes), rng.choice(nodes)
            if o == d:
                continue
            if pbgraph.cheb_m(g.lat[o], g.lon[o], g.lat[d], g.lon[d]) / 2 < side_m / 2 + margin_m:
                continue
            mlat, mlon = (g.lat[o] + g.lat[d]) / 2, (g.lon[o] + g.lon[d]) / 2
            ring = pbgraph.square(mlat, mlon, side_m)
            if reaches(pbgraph, g, adj, o, d, ring):
                out.append((o, d, ring))
            else:
                dropped += 1
        print(
            f"peer_patched.py: {len(out)} pairs around a {side_m:.0f} m square kept, "
            f"{dropped} drawn pairs dropped (the square cut them apart)",
            file=sys.stderr,
        )
        return out

    return sample_od


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
    if os.path.basename(script) == "bench_valhalla.py":
        pbgraph.sample_od_shared = bounded_sample_od
        pbgraph.sample_od = connected_sampler(pbgraph)
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
