#!/usr/bin/env python3
"""RoutingKit's kind of car graph (every OSM node of a car way is a node) as
plain text, for the same-graph benchmarks.

usage: pb_export.py PBF DIR

Builds the graph with ../shared/peers/bench/pbgraph.py (the peers' own
loader, pyosmium) and writes DIR/nodes.txt ("lat lon" per node) and
DIR/arcs.txt ("tail head ms" per arc), the files `corridor-bench export`
writes for corridor's graph. Then `corridor-bench order DIR` adds our node
order (our_order.txt), and `scripts/rk_same_graph.py DIR` /
`corridor-bench cch DIR` / `scripts/rk_custom.py DIR` run as on our graph.
This graph keeps the degree-2 nodes our importer folds into edges, so it is
larger and its elimination tree taller: a map corridor was not tuned on."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "peers", "bench"))
import pbgraph as P  # noqa: E402


def _node(self, n):
    """pbgraph's _node, but reading the location before registering the
    node: on a clipped extract a way may reference nodes outside it, and
    pbgraph's version then leaves the id registered without coordinates."""
    i = self.idx.get(n.ref)
    if i is None:
        lat, lon = n.lat, n.lon  # raises InvalidLocationError first
        i = len(self.osm)
        self.idx[n.ref] = i
        self.osm.append(n.ref)
        self.lat.append(lat)
        self.lon.append(lon)
    return i


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    pbf, d = sys.argv[1], sys.argv[2]
    P._H._node = _node
    g = P.load_graph(pbf)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "nodes.txt"), "w") as f:
        f.writelines(f"{la:.7f} {lo:.7f}\n" for la, lo in zip(g.lat, g.lon))
    with open(os.path.join(d, "arcs.txt"), "w") as f:
        f.writelines(f"{t} {h} {w}\n" for t, h, w in zip(g.tail, g.head, g.w))
    print(f"{g.n} nodes, {g.m} arcs -> {d}", file=sys.stderr)


if __name__ == "__main__":
    main()
