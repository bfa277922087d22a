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
# Customization beside RoutingKit, interleaved (issue 16): our car graph and
# RoutingKit's every-node graph of every extract, and the tiled graphs.
for x in andorra heidelberg helsinki-center liechtenstein tiny-finnish-town; do
  $B export "data/osm/$x.osm.pbf" "target/cchbench/car-$x"
  python3 scripts/pb_export.py "data/osm/$x.osm.pbf" "target/cchbench/pb-$x"
  $B order "target/cchbench/pb-$x" >/dev/null
  for g in car pb; do
    python3 scripts/rk_custom.py "target/cchbench/$g-$x" --rounds 5 --reps 3 \
      --bench $B --json "$OUT/custom-$g-$x.json" >/dev/null
  done
done
for k in 2 4 8 11; do
  $B tiled-export target/cchbench/car-heidelberg $k "target/cchbench/tiled-$k" >/dev/null
  python3 scripts/rk_custom.py "target/cchbench/tiled-$k" --rounds 3 --reps 2 \
    --bench $B --json "$OUT/custom-tiled-$k.json" >/dev/null
done
for k in 2 4 6 8 11; do
  /usr/bin/time -f '{"k": '$k', "wall_s": %e, "max_rss_kib": %M}' -a -o "$OUT/tiled_time.jsonl" \
    $B tiled target/cchbench/hd $k 1 >> "$OUT/tiled.jsonl"
done
echo "results in $OUT"
