#!/usr/bin/env bash
# Order quality (issue 16, items 3 and 7): today's order (frozen in
# crates/bench/src/order_v1.rs) against the engine's, and RoutingKit's, on
# every shipped extract's car graph, on RoutingKit's own kind of graph of each
# extract (every OSM node a node: scripts/pb_export.py), and on the
# Heidelberg car graph tiled K x K up to 1.9 M nodes. Runs one benchmark at a
# time (2 cores). Needs routingkit_cch and pyosmium (pip install osmium).
# Figures in BENCHMARKS.md, "Order quality".
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-target/release/corridor-bench}
C=${C:-target/release/corridor}
W=${W:-target/orderbench}
mkdir -p "$W"
for x in tiny-finnish-town andorra helsinki-center liechtenstein heidelberg; do
  "$C" import "data/osm/$x.osm.pbf" -o "$W/$x.graph" > /dev/null
  "$B" export "$W/$x.graph" "$W/car-$x"
  python3 scripts/pb_export.py "data/osm/$x.osm.pbf" "$W/pb-$x"
done
for d in "$W"/car-* "$W"/pb-*; do
  "$B" order "$d" new                                  # our_order.txt
  python3 scripts/rk_same_graph.py "$d" > "$d/rk.json"   # RoutingKit: own order vs ours; pairs.txt, rk_order.txt
  "$B" order-compare "$d" 3 > "$d/order_compare.json"    # v1 vs new (vs RoutingKit's order, our engine)
done
for K in 2 4 8 11; do
  "$B" tiled-export "$W/car-heidelberg" "$K" "$W/tiled-$K"
  python3 scripts/rk_order.py "$W/tiled-$K" > "$W/tiled-$K/rk_order.json"   # once: minutes at 1.9 M nodes
  "$B" order-compare "$W/tiled-$K" 1 > "$W/tiled-$K/order_compare.json"   # reads rk_order.txt too
done
