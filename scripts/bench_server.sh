#!/usr/bin/env bash
# Public-endpoint throughput and p99 latency (wrk), interleaved with nginx
# serving the same bytes as static files (gzip_static: the same gzip -9
# forms), and the time from an incident report to the updated alert being
# served.
# Needs: cargo build --release -p corridor; Debian's wrk and nginx
# (apt-get install wrk nginx-light).
#
# usage: scripts/bench_server.sh [OUTDIR]    (never run two benchmarks at once)
# Environment (all optional):
#   CORRIDOR=./target/release/corridor   the binary
#   PORT=18090 NGINX_PORT=18091          loopback ports
#   RUNS=3 DURATION=10s CONNS=100 THREADS=2   wrk settings
#   NGINX_WORKERS=auto                    nginx's worker_processes
#   MODES="plain gzip close"              plain: no Accept-Encoding;
#       gzip: Accept-Encoding: gzip; close: gzip with Connection: close
#       (a new TCP connection per request, keep-alive off); paced: gzip,
#       each connection waiting PACE_MS (default 10) after each answer, so
#       both servers get the same offered load, below either's capacity
#       (latency at equal load rather than at saturation)
#   PATHS="/public/corridors.geojson /public/alerts.atom CAP /"
#       CAP stands for the first CAP alert of the log.
# Each (mode, path) is measured RUNS times, corridor and nginx alternating
# (corridor, nginx, corridor, nginx, ...), so both see the same machine.
set -euo pipefail
OUT=${1:-target/bench-results}
mkdir -p "$OUT"
C=${CORRIDOR:-./target/release/corridor}
S=examples/ukraine/scenario.toml
DATA=${KEEP_DATA:-$(mktemp -d)}
PORT=${PORT:-18090}
NGINX_PORT=${NGINX_PORT:-18091}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-100}
THREADS=${THREADS:-2}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
MODES=${MODES:-plain gzip close}
PATHS=${PATHS:-/public/corridors.geojson /public/alerts.atom CAP /}
$C serve --scenario "$S" --data "$DATA" --addr 127.0.0.1:$PORT --reads-per-minute 100000000 >/dev/null 2>&1 &
SERVER=$!
W=
trap 'rm -rf "$W"; kill $SERVER 2>/dev/null || true; [ -f "$DATA/nginx.pid" ] && kill "$(cat "$DATA/nginx.pid")" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.1; done
tok() { grep "^$1	" "$DATA/credentials.txt" | cut -f3; }
act() { curl -sf -H "Authorization: Bearer $(tok "$1")" -d "{\"action\":\"$2\",\"proposal\":\"sumy-poltava\"}" http://127.0.0.1:$PORT/api/act >/dev/null; }
act ua propose; act ru accept; act ua accept; act icrc countersign; act zp-admin open
# The same bytes as static files behind nginx: each measured file as the
# server sends it (the feeds are what `corridor publish` writes, with the
# server's own address as base URL).
W=$(mktemp -d)   # readable by nginx's workers (the data folder is not)
chmod 755 "$W"
CAP=/public/cap/$(curl -sf http://127.0.0.1:$PORT/public/alerts.atom | grep -o 'cap/[^"]*\.xml' | head -1 | cut -d/ -f2)
for p in $PATHS; do
  [ "$p" = CAP ] && p=$CAP
  f="$W$p"; [ "$p" = / ] && f="$W/index.html"
  mkdir -p "$(dirname "$f")"
  curl -sf "http://127.0.0.1:$PORT$p" -o "$f"
  # The server's own gzip form (gzip -9), for nginx's gzip_static.
  curl -sf -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT$p" -o "$f.gz"
  gzip -t "$f.gz" 2>/dev/null || rm "$f.gz"
done
cat > "$DATA/nginx.conf" <<CONF
worker_processes $NGINX_WORKERS;
pid $DATA/nginx.pid;
error_log $DATA/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  gzip_static on;
  keepalive_requests 1000000;
  types { application/geo+json geojson; application/atom+xml atom; application/cap+xml xml; text/html html; }
  server { listen 127.0.0.1:$NGINX_PORT; root $W; index index.html; }
}
CONF
nginx -c "$DATA/nginx.conf"
echo "function delay() return ${PACE_MS:-10} end" > "$DATA/pace.lua"
sleep 0.5
curl -sf -H 'Accept-Encoding: gzip' "http://127.0.0.1:$NGINX_PORT/public/alerts.atom" -o /dev/null -w '%{size_download}' >/dev/null
# CPU time (user + system, clock ticks) of processes, the exited threads
# included: CPU per request is steadier than requests/s on a busy machine.
cpu() { local t=0 p; for p in "$@"; do t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}'))); done; echo "$t"; }
pids() { if [ "$1" = corridor ]; then echo "$SERVER"; else pgrep -P "$(cat "$DATA/nginx.pid")" | tr '\n' ' '; fi; }
one() { # name mode path run url
  local h=()
  local s=()
  case $2 in
    gzip) h=(-H 'Accept-Encoding: gzip') ;;
    close) h=(-H 'Accept-Encoding: gzip' -H 'Connection: close') ;;
    paced) h=(-H 'Accept-Encoding: gzip'); s=(-s "$DATA/pace.lua") ;;
  esac
  local bytes
  bytes=$(curl -sf "${h[@]:0:2}" "$5" -o /dev/null -w '%{size_download}')
  local ps c0 c1 out
  ps=$(pids "$1")
  # shellcheck disable=SC2086
  c0=$(cpu $ps)
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${h[@]}" "${s[@]}" "$5")
  # shellcheck disable=SC2086
  c1=$(cpu $ps)
  echo "$out" | awk -v n="$1" -v m="$2" -v p="$3" -v i="$4" -v b="$bytes" -v load="$(cut -d' ' -f1 /proc/loadavg)" -v ticks=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /requests in/ {reqs=$1} /Requests\/sec/ {rps=$2} /^ +50%/ {p50=ms($2)} /^ +99%/ {p99=ms($2)}
    /Non-2xx/ {bad=$NF} /Socket errors/ {err=$0}
    END {printf "{\"name\":\"%s\",\"mode\":\"%s\",\"path\":\"%s\",\"run\":%d,\"bytes\":%d,\"requests_per_s\":%s,\"p50_ms\":%s,\"p99_ms\":%s,\"cpu_us_per_request\":%.2f,\"non_2xx\":%d,\"load\":%s%s}\n", n, m, p, i, b, rps, p50, p99, ticks * 1e6 / hz / reqs, bad, load, err ? ",\"errors\":\"" err "\"" : ""}'
}
{
  for mode in $MODES; do
    for p in $PATHS; do
      [ "$p" = CAP ] && p=$CAP
      for i in $(seq 1 "$RUNS"); do
        one corridor "$mode" "$p" "$i" "http://127.0.0.1:$PORT$p"
        one nginx "$mode" "$p" "$i" "http://127.0.0.1:$NGINX_PORT$p"
      done
    done
  done
} | tee "$OUT/server_wrk.jsonl"
# Medians and ratios per (mode, path).
python3 - "$OUT/server_wrk.jsonl" <<'PY' | tee "$OUT/server_summary.txt"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
keys = sorted({(r["mode"], r["path"]) for r in rows}, key=lambda k: ("plain gzip close paced".split().index(k[0]) if k[0] in "plain gzip close paced".split() else 9, k[1]))
print("| mode | path | bytes | corridor req/s | p99 ms | CPU µs/req | nginx req/s | p99 ms | CPU µs/req | ratio req/s | ratio p99 |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for k in keys:
    med = {}
    for n in ("corridor", "nginx"):
        rs = [r for r in rows if (r["mode"], r["path"]) == k and r["name"] == n]
        med[n] = (statistics.median(r["requests_per_s"] for r in rs), statistics.median(r["p99_ms"] for r in rs), rs[0]["bytes"], statistics.median(r["cpu_us_per_request"] for r in rs))
    c, g = med["corridor"], med["nginx"]
    print(f"| {k[0]} | `{k[1]}` | {c[2]} | {c[0]:,.0f} | {c[1]:.2f} | {c[3]:.1f} | {g[0]:,.0f} | {g[1]:.2f} | {g[3]:.1f} | {c[0]/g[0]:.2f}x | {c[1]/g[1]:.2f}x |")
PY
# Incident to updated alert: report, then poll the feed until it has one
# more suspension than before. (Entries are counted, not the newest read:
# alerts of the same second are not in log order in the feed.)
count() { curl -sf http://127.0.0.1:$PORT/public/alerts.atom | grep -c "<title>.*$1" || true; }
for i in 1 2 3; do
  before=$(count SUSPENDED)
  t0=$(date +%s%N)
  curl -sf -H "Authorization: Bearer $(tok ru)" \
    -d "{\"kind\":\"shelling\",\"at\":\"50.2533,34.6764\",\"radius_m\":5000,\"id\":\"bench-$i\"}" \
    http://127.0.0.1:$PORT/api/incidents >/dev/null
  until [ "$(count SUSPENDED)" -gt "$before" ]; do :; done
  t1=$(date +%s%N)
  echo "{\"run\":$i,\"incident_to_alert_ms\":$(( (t1 - t0) / 1000000 ))}"
  reopened=$(count "open again")
  curl -sf -X POST -H "Authorization: Bearer $(tok icrc)" http://127.0.0.1:$PORT/api/hazards/bench-$i/lift >/dev/null
  act icrc reopen
  until [ "$(count "open again")" -gt "$reopened" ]; do :; done
done | tee "$OUT/server_incident.jsonl"
