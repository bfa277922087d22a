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
# Valhalla, two ways:
#  - its own pairs: 100 x the p50 of a query with a 1 km square on the
#    pair's midpoint as `exclude_polygons` (bench_valhalla.py's
#    `b_exclude_1km_square.median_p50_ms`);
#  - our queries: the very corridors and square of corridor's figure, sent
#    with the square as `exclude_polygons` (scripts/valhalla_same_queries.py;
#    100 x the p50 over the pairs Valhalla's network joins without the
#    square, median of 3 reps; the total of all 100 is shown too). On the small
#    extracts only this one is a route: there no square on a pair's midpoint
#    leaves a way round it.
# Needs the release benchmark binary (cargo build --release -p corridor-bench)
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
  [ -f "$graph" ] || "$BIN/corridor-bench" import "$pbf" "$graph" >/dev/null
  echo "== $x ($(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  "$BIN/corridor-bench" hazard-change "$graph" 100 3 "$OUT/$x.queries.json" > "$OUT/$x.ours1.json"
  python3 "$ROOT/scripts/peer_patched.py" "$PEERS/bench_osrm.py" "$pbf" --workdir "$OUT/$x-osrm" --queries 200 --reps 3 \
    --build-reps 1 --port "${OSRM_PORT:-18621}" > "$OUT/$x.osrm.json" 2> "$OUT/$x.osrm.log" \
    || echo "$x: bench_osrm.py failed, see $OUT/$x.osrm.log" >&2
  "$BIN/corridor-bench" hazard-change "$graph" 100 3 > "$OUT/$x.ours2.json"
  python3 "$ROOT/scripts/peer_patched.py" "$PEERS/bench_valhalla.py" "$pbf" --workdir "$OUT/$x-valhalla" --queries 200 --reps 3 \
    --build-reps 1 --port "${VALHALLA_PORT:-18622}" > "$OUT/$x.valhalla.json" 2> "$OUT/$x.valhalla.log" \
    || echo "$x: bench_valhalla.py failed, see $OUT/$x.valhalla.log" >&2
  python3 "$ROOT/scripts/valhalla_same_queries.py" "$OUT/$x.queries.json" "$OUT/$x-valhalla" --reps 3 \
    --port "${VALHALLA_PORT:-18622}" > "$OUT/$x.valhalla-same.json" 2>> "$OUT/$x.valhalla.log" \
    || echo "$x: valhalla_same_queries.py failed, see $OUT/$x.valhalla.log" >&2
  "$BIN/corridor-bench" hazard-change "$graph" 100 3 > "$OUT/$x.ours3.json"
done
python3 - "$OUT" "${EXTRACTS[@]}" <<'PY'
import json, sys, statistics
out, names = sys.argv[1], sys.argv[2:]


def load(path):
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return None


print("| extract | corridor: 1 km hazard + 100 routes (runs) | OSRM: customize + restart + 100 queries | ratio "
      "| Valhalla, its own pairs: 100 x p50 with exclude_polygons | ratio "
      "| Valhalla, our corridors and square: 100 x p50 | ratio |")
print("|---|---|---|---|---|---|---|---|")
for x in names:
    ours = [json.load(open(f"{out}/{x}.ours{i}.json"))["square_1000m"] for i in (1, 2, 3)]
    t = [o["total_ms"] for o in ours]
    m = statistics.median(t)
    # A small town may have fewer than 100 corridors with both ends outside
    # the square: the peers are then charged for as many queries as we ran.
    n = ours[0]["corridors"]
    row = [x, f"{m:.2f} ms ({', '.join(f'{a:.2f}' for a in t)}; {n} corridors, {ours[0]['edges_touched']} edges, "
              f"{ours[0]['routes_changed']} changed, {ours[0]['no_route']} without a route)"]
    o = load(f"{out}/{x}.osrm.json")
    if o:
        osrm = o["hazard_update"]["median_total_s"] * 1000 + n * o["queries_no_hazard"]["median_p50_ms"]
        row += [f"{o['hazard_update']['median_total_s']*1000:.0f} ms + {n} x {o['queries_no_hazard']['median_p50_ms']:.3f} ms"
                f" = {osrm:.1f} ms", f"{osrm/m:.0f}x"]
    else:
        row += ["bench_osrm.py failed (see its log)", "-"]
    v = load(f"{out}/{x}.valhalla.json")
    b = (v or {}).get("b_exclude_1km_square", {})
    if b.get("median_p50_ms") is not None:
        val = n * b["median_p50_ms"]
        k = b["runs"][0]["n"]
        row += [f"{n} x {b['median_p50_ms']:.2f} ms = {val:.0f} ms" + ("" if k >= n else f" (p50 of {k} pairs)"),
                f"{val/m:.0f}x"]
    else:
        row += ["no pair of its own has a way round its square" if v else "bench_valhalla.py failed", "-"]
    s = (load(f"{out}/{x}.valhalla-same.json") or {}).get("square_1000m")
    if s and s["median_p50_ms_joined"] is not None:
        val = n * s["median_p50_ms_joined"]
        row += [f"{n} x {s['median_p50_ms_joined']:.2f} ms = {val:.0f} ms (p50 over the {s['valhalla_routed_without_square']} "
                f"pairs its network joins; all {s['pairs']} took {s['median_total_ms']:.0f} ms; routed with the square: "
                f"Valhalla {s['valhalla_routed']}, corridor {s['corridor_routed']}; {s['answers_agree']} answers agree)",
                f"{val/m:.0f}x"]
    else:
        row += ["valhalla_same_queries.py failed", "-"]
    print("| " + " | ".join(row) + " |")
PY
