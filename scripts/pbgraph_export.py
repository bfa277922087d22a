#!/usr/bin/env python3
"""RoutingKit's own kind of car graph of a PBF (every OSM node on a car way is
a graph node), written as corridor-bench's plain text graph.

usage: pbgraph_export.py PBF DIR

Builds the graph with ../shared/peers/bench/pbgraph.py (the peers' benchmark
code, so the graph is exactly the one bench_cch.py measures) and writes
DIR/nodes.txt ("lat lon" per node) and DIR/arcs.txt ("tail head ms" per arc).
Then `corridor-bench order DIR` writes our order (our_order.txt) and
`scripts/rk_same_graph.py DIR` / `corridor-bench cch DIR` compare the engines
on it: a larger "map we have not seen", with many degree-2 nodes."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "peers", "bench"))
import pbgraph as P  # noqa: E402


def _node(self, n):
    # pbgraph._H._node records the id before reading the location, so a node
    # without one (cut off at the extract's edge) leaves the arrays unequal;
    # read the location first, so the way is dropped whole as pbgraph intends.
    i = self.idx.get(n.ref)
    if i is None:
        lat, lon = n.lat, n.lon  # raises InvalidLocationError first
        i = len(self.osm)
        self.idx[n.ref] = i
        self.osm.append(n.ref)
        self.lat.append(lat)
        self.lon.append(lon)
    return i


P._H._node = _node


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    pbf, out = sys.argv[1], sys.argv[2]
    g = P.load_graph(pbf)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "nodes.txt"), "w") as f:
        f.writelines(f"{la:.7f} {lo:.7f}\n" for la, lo in zip(g.lat, g.lon))
    with open(os.path.join(out, "arcs.txt"), "w") as f:
        f.writelines(f"{t} {h} {w}\n" for t, h, w in zip(g.tail, g.head, g.w))
    print(f"{g.n} nodes, {g.m} arcs -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
