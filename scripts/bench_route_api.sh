#!/usr/bin/env bash
# Route-query throughput and latency at 100 concurrent connections (wrk),
# corridor beside a real osrm-routed, on the same origin/destination pairs
# (crates/server/tests/data/osrm/pairs.txt, one "lon,lat;lon,lat" a line).
#
# Modes:
#   osrm (default)  GET /route/v1/driving/{lon,lat;lon,lat}?QUERY on corridor and on OSRM
#   api             GET /api/route?from=LAT,LON&to=LAT,LON on corridor (lat,lon order!),
#                   beside OSRM's /route/v1/driving for the same pairs
#   all             both of the above
# A target that does not answer the first pair with HTTP 200 is skipped.
# Only loopback URLs are accepted (127.0.0.0/8, localhost, [::1]); every wrk
# run is bounded by -d and by timeout(1), so the script stops by itself.
#
# Peers: eval "$(bash ../shared/peers/setup.sh /work/peers)"; OSRM data and the
# osrm-routed command line: crates/server/tests/data/osrm/README.md.
# corridor: start it with a high --reads-per-minute (e.g. 100000000, as
# scripts/bench_server.sh does), or its rate limit shows up as non-2xx answers.
# Needs: wrk (apt-get install -y wrk), curl. The machine has 2 cores: the
# client shares them with the server; never run two benchmarks at once.
#
# usage: scripts/bench_route_api.sh [options] [CORRIDOR_URL] [OSRM_URL]
#   defaults: CORRIDOR_URL=http://127.0.0.1:8080  OSRM_URL=http://127.0.0.1:5055
#   --mode osrm|api|all   (default osrm)
#   --query Q             query string for /route/v1 (default overview=full&geometries=geojson;
#                         use "" for OSRM's defaults)
#   --runs N              runs per target; the median is reported (default 3)
#   -c N -t N -d DUR      wrk connections/threads/duration (default 100, 2, 20s)
#   --pairs FILE          pairs file (default crates/server/tests/data/osrm/pairs.txt)
#   --out FILE            also append one JSON line per run to FILE
#   --osrm-only           leave corridor alone, measure OSRM only
set -euo pipefail

MODE=osrm
QUERY='overview=full&geometries=geojson'
RUNS=3
CONN=100
THREADS=2
DUR=20s
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PAIRS=$ROOT/crates/server/tests/data/osrm/pairs.txt
OUT=
OSRM_ONLY=
pos=()
while [ $# -gt 0 ]; do
  case "$1" in
    --mode) MODE=$2; shift 2 ;;
    --query) QUERY=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    -c) CONN=$2; shift 2 ;;
    -t) THREADS=$2; shift 2 ;;
    -d) DUR=$2; shift 2 ;;
    --pairs) PAIRS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --osrm-only) OSRM_ONLY=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) pos+=("$1"); shift ;;
  esac
done
CORRIDOR=${pos[0]:-http://127.0.0.1:8080}
OSRM=${pos[1]:-http://127.0.0.1:5055}
CORRIDOR=${CORRIDOR%/}
OSRM=${OSRM%/}
case "$MODE" in osrm|api|all) ;; *) echo "--mode must be osrm, api or all" >&2; exit 2 ;; esac
case "$RUNS" in ''|*[!0-9]*|0) echo "--runs must be a positive integer" >&2; exit 2 ;; esac
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is missing" >&2; exit 2; }
[ -s "$PAIRS" ] || { echo "no pairs file $PAIRS" >&2; exit 2; }

# Loopback only: scheme http, host 127.x.x.x, localhost or [::1].
check_loopback() {
  local url=$1 rest host
  case "$url" in http://*) rest=${url#http://} ;; *) echo "refusing $url: only http:// loopback URLs" >&2; exit 2 ;; esac
  rest=${rest%%/*}
  case "$rest" in
    \[*) host=${rest%%]*}]; ;;
    *) host=${rest%%:*} ;;
  esac
  if [[ "$host" =~ ^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ || "$host" == localhost || "$host" == "[::1]" ]]; then
    return 0
  fi
  echo "refusing $url: $host is not a loopback address" >&2
  exit 2
}
check_loopback "$CORRIDOR"
check_loopback "$OSRM"

# wrk -d takes 20s, 2m, 1h; timeout(1) gets the same plus a margin.
dur_s() {
  local d=$1
  case "$d" in
    *ms) echo 1 ;;
    *s) echo "${d%s}" ;;
    *m) echo $(( ${d%m} * 60 )) ;;
    *h) echo $(( ${d%h} * 3600 )) ;;
    *) echo "$d" ;;
  esac
}
LIMIT=$(( $(dur_s "$DUR") + 30 ))

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Cycles through the pairs; each wrk thread starts at a different pair.
# args: KIND (osrm|api) PREFIX QUERY PAIRSFILE
cat > "$TMP/route.lua" <<'LUA'
local reqs, i = {}, 0
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  local kind, prefix, query, file = args[1], args[2], args[3], args[4]
  if prefix == "-" then prefix = "" end
  if query == "-" then query = "" end
  for line in io.lines(file) do
    local a, b, c, d = line:match("^%s*([-%d.]+),([-%d.]+);([-%d.]+),([-%d.]+)%s*$")
    if a then
      local path
      if kind == "api" then
        -- corridor's own API: from=LAT,LON&to=LAT,LON
        path = prefix .. "/api/route?from=" .. b .. "," .. a .. "&to=" .. d .. "," .. c
      else
        path = prefix .. "/route/v1/driving/" .. a .. "," .. b .. ";" .. c .. "," .. d
        if query ~= "" then path = path .. "?" .. query end
      end
      reqs[#reqs + 1] = wrk.format("GET", path)
    end
  end
  if #reqs == 0 then error("no pairs in " .. file) end
  i = (tid or 0) % #reqs
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
LUA

first_pair=$(grep -m1 -E '^[[:space:]]*-?[0-9]' "$PAIRS" | tr -d '[:space:]')
# path for the first pair, as the Lua script builds it
first_path() { # KIND
  local o=${first_pair%%;*} d=${first_pair##*;}
  if [ "$1" = api ]; then
    echo "/api/route?from=${o##*,},${o%%,*}&to=${d##*,},${d%%,*}"
  else
    echo "/route/v1/driving/$first_pair${QUERY:+?$QUERY}"
  fi
}

to_ms() { # wrk latency such as 512.00us, 1.23ms, 1.02s, 2.00m
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else printf "nan" }'
}
median() { sort -g | awk '{a[NR]=$1} END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2] + a[NR/2+1]) / 2 }'; }

declare -A RPS P50 P99
bench() { # NAME BASE KIND
  local name=$1 base=$2 kind=$3 path code prefix host
  path=$(first_path "$kind")
  code=$(curl -s -o "$TMP/probe" -w '%{http_code}' --max-time 5 "$base$path" || true)
  if [ "$code" != 200 ]; then
    [ "$code" = 000 ] && code="nothing (no server?)" || code="HTTP $code"
    echo "== $name: skipped, $base$path answered $code" >&2
    return 0
  fi
  if [ "$kind" = osrm ] && ! grep -q '"code" *: *"Ok"' "$TMP/probe"; then
    echo "== $name: skipped, $base$path did not answer code Ok" >&2
    return 0
  fi
  host=${base#http://}; host=${host%%/*}
  prefix=${base#http://$host}
  echo "== $name: $base$path ($RUNS x wrk -c$CONN -t$THREADS -d$DUR)" >&2
  local r rps p50 p99 non2xx sockerr
  : > "$TMP/$name.runs"
  for r in $(seq 1 "$RUNS"); do
    # other work on the machine skews the figures: say how busy it was
    echo "   run $r: load average $(cut -d' ' -f1 /proc/loadavg) before the run" >&2
    timeout -k 5 "$LIMIT" wrk -c"$CONN" -t"$THREADS" -d"$DUR" --timeout 10s --latency \
      -s "$TMP/route.lua" "http://$host/" -- "$kind" "${prefix:--}" "${QUERY:--}" "$PAIRS" > "$TMP/$name.$r.txt" 2>&1 || {
      echo "   run $r: wrk failed:" >&2; sed 's/^/     /' "$TMP/$name.$r.txt" >&2; continue; }
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$TMP/$name.$r.txt")
    p50=$(to_ms "$(awk '/^ +50% / {print $2}' "$TMP/$name.$r.txt")")
    p99=$(to_ms "$(awk '/^ +99% / {print $2}' "$TMP/$name.$r.txt")")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$TMP/$name.$r.txt")
    sockerr=$(awk '/Socket errors:/ {sub(/^ *Socket errors: */, ""); print}' "$TMP/$name.$r.txt")
    printf '   run %d: %10.1f req/s  p50 %8.3f ms  p99 %8.3f ms%s%s\n' "$r" "$rps" "$p50" "$p99" \
      "${non2xx:+  NON-2xx: $non2xx}" "${sockerr:+  socket errors: $sockerr}" >&2
    if [ -n "$non2xx" ]; then
      echo "   run $r: WARNING $non2xx answers were not 2xx (rate limit? wrong endpoint?): figures not comparable" >&2
      echo "$name" >> "$TMP/non2xx"
    fi
    echo "$rps $p50 $p99" >> "$TMP/$name.runs"
    if [ -n "$OUT" ]; then
      printf '{"name":"%s","url":"%s","run":%d,"connections":%s,"threads":%s,"duration":"%s","requests_per_s":%s,"p50_ms":%s,"p99_ms":%s,"non_2xx":%s}\n' \
        "$name" "$base$path" "$r" "$CONN" "$THREADS" "$DUR" "$rps" "$p50" "$p99" "${non2xx:-0}" >> "$OUT"
    fi
  done
  [ -s "$TMP/$name.runs" ] || return 0
  RPS[$name]=$(awk '{print $1}' "$TMP/$name.runs" | median)
  P50[$name]=$(awk '{print $2}' "$TMP/$name.runs" | median)
  P99[$name]=$(awk '{print $3}' "$TMP/$name.runs" | median)
}

names=()
[ -n "$OSRM_ONLY" ] && MODE=none
case "$MODE" in
  osrm) bench corridor-route-v1 "$CORRIDOR" osrm; names+=(corridor-route-v1) ;;
  api) bench corridor-api-route "$CORRIDOR" api; names+=(corridor-api-route) ;;
  all) bench corridor-route-v1 "$CORRIDOR" osrm; bench corridor-api-route "$CORRIDOR" api
       names+=(corridor-route-v1 corridor-api-route) ;;
  none) ;;
esac
bench osrm-route-v1 "$OSRM" osrm
names+=(osrm-route-v1)

echo
printf '%-20s %12s %10s %10s   (median of %d runs, wrk -c%s -t%s -d%s, %d pairs)\n' \
  target 'req/s' 'p50 ms' 'p99 ms' "$RUNS" "$CONN" "$THREADS" "$DUR" "$(grep -cE '^[[:space:]]*-?[0-9]' "$PAIRS")"
for n in "${names[@]}"; do
  if [ -n "${RPS[$n]:-}" ]; then
    printf '%-20s %12.1f %10.3f %10.3f%s\n' "$n" "${RPS[$n]}" "${P50[$n]}" "${P99[$n]}" \
      "$(grep -qx "$n" "$TMP/non2xx" 2>/dev/null && echo '   <- had non-2xx answers')"
  else
    printf '%-20s %12s\n' "$n" skipped
  fi
done
if [ -n "${RPS[osrm-route-v1]:-}" ]; then
  for n in corridor-route-v1 corridor-api-route; do
    [ -n "${RPS[$n]:-}" ] || continue
    awk -v n="$n" -v a="${RPS[$n]}" -v b="${RPS[osrm-route-v1]}" -v c="${P50[$n]}" -v d="${P50[osrm-route-v1]}" \
        -v e="${P99[$n]}" -v f="${P99[osrm-route-v1]}" 'BEGIN {
      printf "ratio %s / osrm: req/s x%.2f, p50 x%.2f, p99 x%.2f\n", n, a / b, (d > 0 ? c / d : 0), (f > 0 ? e / f : 0) }'
  done
fi
