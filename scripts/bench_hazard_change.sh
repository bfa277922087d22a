#!/usr/bin/env bash
# usage: scripts/bench_hazard_change.sh OUTDIR [EXTRACT...]
#
# A 1 km hazard then 100 re-routed corridors, corridor against OSRM and
# Valhalla on the same extract, interleaved in one run per extract:
#   corridor, OSRM, corridor, Valhalla, corridor
# corridor = `corridor-bench hazard-change GRAPH 100 3` (its 1 km square's
# median total of 3 reps; the figure kept is the median of the 3 runs).
# OSRM = customize with the square's segments at speed 0 + restart until it
# answers (`hazard_update.median_total_s`) + 100 x the p50 of a query
# (`queries_no_hazard.median_p50_ms`): OSRM has no per-query avoidance.
# Valhalla = 100 x the p50 of a query with the square as `exclude_polygons`
# (`b_exclude_1km_square.median_p50_ms`).
# Needs the release binaries (cargo build --release -p corridor -p corridor-bench)
# and the peers: eval "$(bash ../shared/peers/setup.sh /work/peers)".
# The peers' scripts run through scripts/peer_patched.py, which lets them
# run on the small clipped extracts (helsinki-center, tiny-finnish-town):
# pbgraph.py's crash fixed, OSRM's readiness pair chosen outside the hazard
# (by --seed, which also draws its timed sample), and no endless sampling
# around a square the extract cannot hold (see the script's docs).
# Ports: OSRM on $OSRM_PORT (default 18621), Valhalla on $VALHALLA_PORT (18622).
set -euo pipefail
OUT=${1:?usage: $0 OUTDIR [EXTRACT...]}
shift
EXTRACTS=("${@:-tiny-finnish-town andorra helsinki-center liechtenstein heidelberg}")
read -r -a EXTRACTS <<<"${EXTRACTS[*]}"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release
PEERS=$ROOT/../shared/peers/bench
DATA=${DATA:-$ROOT/../shared/data/osm}
: "${VALHALLA_BIN:?source peers/setup.sh first}" "${OSRM_BIN:?source peers/setup.sh first}"
mkdir -p "$OUT"
for x in "${EXTRACTS[@]}"; do
  pbf=$DATA/$x.osm.pbf
  graph=$OUT/$x.graph
  [ -f "$graph" ] || "$BIN/corridor" import "$pbf" -o "$graph" >/dev/null
  echo "== $x ($(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  "$BIN/corridor-bench" hazard-change "$graph" 100 3 > "$OUT/$x.ours1.json"
  python3 "$ROOT/scripts/peer_patched.py" "$PEERS/bench_osrm.py" "$pbf" --workdir "$OUT/$x-osrm" --queries 200 --reps 3 \
    --build-reps 1 --port "${OSRM_PORT:-18621}" > "$OUT/$x.osrm.json" 2> "$OUT/$x.osrm.log" \
    || echo "$x: bench_osrm.py failed, see $OUT/$x.osrm.log" >&2
  "$BIN/corridor-bench" hazard-change "$graph" 100 3 > "$OUT/$x.ours2.json"
  python3 "$ROOT/scripts/peer_patched.py" "$PEERS/bench_valhalla.py" "$pbf" --workdir "$OUT/$x-valhalla" --queries 200 --reps 3 \
    --build-reps 1 --port "${VALHALLA_PORT:-18622}" > "$OUT/$x.valhalla.json" 2> "$OUT/$x.valhalla.log" \
    || echo "$x: bench_valhalla.py failed, see $OUT/$x.valhalla.log" >&2
  "$BIN/corridor-bench" hazard-change "$graph" 100 3 > "$OUT/$x.ours3.json"
done
python3 - "$OUT" "${EXTRACTS[@]}" <<'PY'
import json, sys, statistics
out, names = sys.argv[1], sys.argv[2:]
print("| extract | corridor: 1 km hazard + 100 routes (runs) | OSRM: customize + restart + 100 queries | ratio | Valhalla: 100 queries with exclude_polygons | ratio |")
print("|---|---|---|---|---|---|")
for x in names:
    ours = [json.load(open(f"{out}/{x}.ours{i}.json"))["square_1000m"] for i in (1, 2, 3)]
    t = [o["total_ms"] for o in ours]
    m = statistics.median(t)
    try:
        o = json.load(open(f"{out}/{x}.osrm.json"))
        v = json.load(open(f"{out}/{x}.valhalla.json"))
    except (OSError, ValueError):
        print(f"| {x} | {m:.2f} ms ({', '.join(f'{a:.2f}' for a in t)}) | peer bench failed (see its log) | - | - | - |")
        continue
    # A small town may have fewer than 100 corridors with both ends outside
    # the square: the peers are then charged for as many queries as we ran.
    n = ours[0]["corridors"]
    osrm = o["hazard_update"]["median_total_s"] * 1000 + n * o["queries_no_hazard"]["median_p50_ms"]
    val = n * v["b_exclude_1km_square"]["median_p50_ms"]
    print(f"| {x} | {m:.2f} ms ({', '.join(f'{a:.2f}' for a in t)}; {n} corridors, {ours[0]['edges_touched']} edges, "
          f"{ours[0]['routes_changed']} changed, {ours[0]['no_route']} without a route) | "
          f"{o['hazard_update']['median_total_s']*1000:.0f} ms + {n} x {o['queries_no_hazard']['median_p50_ms']:.3f} ms = {osrm:.1f} ms | "
          f"{osrm/m:.0f}x | {n} x {v['b_exclude_1km_square']['median_p50_ms']:.2f} ms = {val:.0f} ms | {val/m:.0f}x |")
PY
