#!/usr/bin/env python3
"""Walks: `corridor route --profile foot` (no hazards) against osrm-routed
with OSRM's foot.lua, on the same random pairs of points.

usage: scripts/crosscheck_foot.py OSRM_PORT POINTS.json N GRAPH
  POINTS.json: [[lat, lon], ...] to draw pairs from (seeded); GRAPH: made by
  `corridor import`. OSRM: osrm-extract -p $OSRM_PROFILES/foot.lua,
  osrm-partition, osrm-customize, osrm-routed --algorithm mld -p OSRM_PORT.
Prints the distance ratios (ours / OSRM's) over pairs OSRM routes farther
than 200 m, then the five largest and three smallest with their points."""
import json, random, statistics, sys, urllib.request
theirs, pts, n, GRAPH = int(sys.argv[1]), json.load(open(sys.argv[2])), int(sys.argv[3]), sys.argv[4]
rnd = random.Random(11)
import subprocess
def ours_cli(a, b):
    r = subprocess.run(["/work/main/target/release/corridor", "route", "--graph", GRAPH, "--profile", "foot", "--json",
                        "--from", f"{a[0]:.6f},{a[1]:.6f}", "--to", f"{b[0]:.6f},{b[1]:.6f}", "--depart", "2022-03-05T10:00:00+01:00"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None
    return json.loads(r.stdout)["distance_m"]
def get(port, prof, a, b):
    u = f"http://127.0.0.1:{port}/route/v1/{prof}/{a[1]:.6f},{a[0]:.6f};{b[1]:.6f},{b[0]:.6f}?overview=false"
    try:
        with urllib.request.urlopen(u, timeout=30) as r:
            j = json.load(r)
    except Exception as e:
        return None
    return j["routes"][0]["distance"] if j.get("code") == "Ok" else None
ratios, worst = [], []
for _ in range(n):
    a, b = rnd.choice(pts), rnd.choice(pts)
    x, y = ours_cli(a, b), get(theirs, "foot", a, b)
    if x and y and y > 200:
        ratios.append(x / y); worst.append((x / y, a, b, x, y))
ratios.sort()
q = lambda p: ratios[min(len(ratios) - 1, int(p * len(ratios)))]
print(json.dumps({"pairs": len(ratios), "median": round(statistics.median(ratios), 4), "p10": round(q(0.1), 4), "p90": round(q(0.9), 4),
                  "over_5pct_longer": sum(r > 1.05 for r in ratios), "over_5pct_shorter": sum(r < 0.95 for r in ratios)}))
worst.sort()
for w in worst[-5:] + worst[:3]:
    print(round(w[0], 3), w[1], w[2], round(w[3]), round(w[4]))
