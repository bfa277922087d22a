#!/usr/bin/env bash
# Public-endpoint throughput and p99 latency at 100 concurrent connections
# (wrk), beside nginx serving the same feeds as static files, and the time
# from an incident report to the updated alert being served.
# Needs: cargo build --release; Debian's wrk and nginx (apt-get install wrk nginx-light).
# usage: scripts/bench_server.sh [OUTDIR]    (never run two benchmarks at once)
set -euo pipefail
OUT=${1:-target/bench-results}
mkdir -p "$OUT"
C=./target/release/corridor
S=examples/ukraine/scenario.toml
DATA=$(mktemp -d)
PORT=18090
NGINX_PORT=18091
$C serve --scenario "$S" --data "$DATA" --addr 127.0.0.1:$PORT --reads-per-minute 100000000 >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; [ -f "$DATA/nginx.pid" ] && kill "$(cat "$DATA/nginx.pid")" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.1; done
tok() { grep "^$1	" "$DATA/credentials.txt" | cut -f3; }
act() { curl -sf -H "Authorization: Bearer $(tok "$1")" -d "{\"action\":\"$2\",\"proposal\":\"sumy-poltava\"}" http://127.0.0.1:$PORT/api/act >/dev/null; }
act ua propose; act ru accept; act ua accept; act icrc countersign; act zp-admin open
# The same feeds as static files behind nginx.
curl -sf http://127.0.0.1:$PORT/api/log > "$DATA/log.jsonl"
$C publish "$S" --log "$DATA/log.jsonl" --out "$DATA/public" --publisher "$DATA/publisher" >/dev/null
cat > "$DATA/nginx.conf" <<CONF
worker_processes 1;
pid $DATA/nginx.pid;
error_log $DATA/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  types { application/geo+json geojson; application/atom+xml atom; }
  server { listen 127.0.0.1:$NGINX_PORT; root $DATA; location /public/ { } }
}
CONF
nginx -c "$DATA/nginx.conf"
sleep 0.5
run() { # name url
  for i in 1 2 3; do
    wrk -t2 -c100 -d10s --latency "$2" | awk -v n="$1" -v i="$i" '
      /Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2}
      END {print "{\"name\":\"" n "\",\"run\":" i ",\"requests_per_s\":" rps ",\"p99\":\"" p99 "\"}"}'
  done
}
{
  run corridor-geojson http://127.0.0.1:$PORT/public/corridors.geojson
  run nginx-geojson http://127.0.0.1:$NGINX_PORT/public/corridors.geojson
  run corridor-atom http://127.0.0.1:$PORT/public/alerts.atom
  run nginx-atom http://127.0.0.1:$NGINX_PORT/public/alerts.atom
} > "$OUT/server_wrk.jsonl"
# Incident to updated alert: report, then poll the feed until it says so.
for i in 1 2 3; do
  t0=$(date +%s%N)
  curl -sf -H "Authorization: Bearer $(tok ru)" \
    -d "{\"kind\":\"shelling\",\"at\":\"50.2533,34.6764\",\"radius_m\":5000,\"id\":\"bench-$i\"}" \
    http://127.0.0.1:$PORT/api/incidents >/dev/null
  until curl -sf http://127.0.0.1:$PORT/public/alerts.atom | grep -q "SUSPENDED"; do :; done
  t1=$(date +%s%N)
  echo "{\"run\":$i,\"incident_to_alert_ms\":$(( (t1 - t0) / 1000000 ))}"
  curl -sf -X POST -H "Authorization: Bearer $(tok icrc)" http://127.0.0.1:$PORT/api/hazards/bench-$i/lift >/dev/null
  act icrc reopen
  # Wait until the reopened alert is the newest, so the next run starts clean.
  until curl -sf http://127.0.0.1:$PORT/public/alerts.atom | sed -n '/<entry>/,/<\/entry>/p' | head -4 | grep -q "reopened"; do :; done
done > "$OUT/server_incident.jsonl"
cat "$OUT/server_wrk.jsonl" "$OUT/server_incident.jsonl"
