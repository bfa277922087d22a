#!/usr/bin/env bash
# Every CCH figure of BENCHMARKS.md, in sequence (never two benchmarks at once).
# usage: scripts/bench_cch.sh [OUTDIR]   (default target/bench-results)
# Needs the release build and, for RoutingKit, `routingkit_cch` (installed by
# ../shared/peers/setup.sh) plus pyosmium for the peers' helper module.
set -euo pipefail
OUT=${1:-target/bench-results}
mkdir -p "$OUT" target/cchbench
cargo build --release -p corridor -p corridor-bench
B=./target/release/corridor-bench
for x in andorra heidelberg helsinki-center liechtenstein tiny-finnish-town; do
  ./target/release/corridor import "data/osm/$x.osm.pbf" -o "target/cchbench/$x.graph" >/dev/null
  $B prep "target/cchbench/$x.graph"
done > "$OUT/prep.jsonl"
$B export target/cchbench/heidelberg.graph target/cchbench/hd
python3 scripts/rk_same_graph.py target/cchbench/hd > "$OUT/rk_same_graph.json"
$B cch target/cchbench/hd > "$OUT/cch_same_graph.json"
$B hazard-change target/cchbench/heidelberg.graph 100 3 > "$OUT/hazard_change.json"
$B routes target/cchbench/heidelberg.graph 1000 3 > "$OUT/routes.json"
for k in 2 4 6 8 11; do
  /usr/bin/time -f '{"k": '$k', "wall_s": %e, "max_rss_kib": %M}' -a -o "$OUT/tiled_time.jsonl" \
    $B tiled target/cchbench/hd $k 1 >> "$OUT/tiled.jsonl"
done
echo "results in $OUT"
