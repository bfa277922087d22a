#!/usr/bin/env python3
"""Turn restrictions against OSRM: a route across every restricted turn.

usage: scripts/crosscheck_turns.py PBF GRAPH [GRAPH ...] --osrm URL [--corridor BIN] [--control]

For each car turn restriction via a node in PBF (read here with pyosmium,
not by corridor), a trip that the restriction concerns: from the point
40 m before the via node along the `from` way to the point 40 m after it
along the way the restriction forbids (`no_*`: its `to` way; `only_*`:
another car way at the node); ways ending at the node only, and at least
40 m long. OSRM (car.lua, which
applies the restrictions) and `corridor route` on each GRAPH route it; the
script prints, per graph, how many trips differ from OSRM's distance by
over 5 % and over 25 %, the median ratio, and how many of our routes
make the forbidden turn (the `from` way followed at once by the forbidden
one). A graph made without turn restrictions makes it, and is much
shorter than OSRM.
With --control, the same trips across turns no restriction names instead
(every 20th junction of two car ways that is no restriction's via node),
to show that the trips themselves agree where no restriction is at stake."""
import argparse, json, statistics, subprocess, sys, urllib.error, urllib.request
import osmium

CAR = {"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
       "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
       "residential", "living_street", "service", "road"}


class Read(osmium.SimpleHandler):
    def __init__(self):
        super().__init__()
        self.rules, self.ways, self.at, self.pos = [], {}, {}, {}

    def relation(self, r):
        t = r.tags
        if t.get("type") != "restriction" or "motorcar" in t.get("except", ""):
            return
        v = t.get("restriction:motorcar") or t.get("restriction", "")
        m = [(x.role, x.type, x.ref) for x in r.members]
        f = [ref for role, ty, ref in m if role == "from" and ty == "w"]
        to = [ref for role, ty, ref in m if role == "to" and ty == "w"]
        via = [(ty, ref) for role, ty, ref in m if role == "via"]
        if len(f) == 1 and len(to) == 1 and len(via) == 1 and via[0][0] == "n" and v[:3] in ("no_", "onl"):
            self.rules.append((v, f[0], via[0][1], to[0]))

    def way(self, w):
        if w.tags.get("highway") in CAR:
            refs = [n.ref for n in w.nodes]
            self.ways[w.id] = refs
            for n in refs:
                self.at.setdefault(n, set()).add(w.id)

    def node(self, n):
        self.pos[n.id] = (n.location.lat, n.location.lon)


def beside(refs, v, pos, leaving, metres=40.0):
    """The point `metres` along way `refs` from its end at node v (or the
    way's other end, if shorter), so that it lies on that way and not on
    another at the junction. None when v is inside the way or absent."""
    if not refs or v not in refs or refs.count(v) > 1:
        return None
    i = refs.index(v)
    if i not in (0, len(refs) - 1):
        return None
    walk = refs if i == 0 else refs[::-1]
    pts = [pos.get(n) for n in walk]
    if any(p is None for p in pts):
        return None
    done = 0.0
    for a, b in zip(pts, pts[1:]):
        d = metres_between(a, b)
        if done + d >= metres and d > 0:
            t = (metres - done) / d
            return (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
        done += d
    return None  # a way shorter than that: its far end is another junction


def metres_between(a, b):
    import math
    y = math.radians(b[0] - a[0]) * 6371000
    x = math.radians(b[1] - a[1]) * 6371000 * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(x, y)


def osrm(url, a, b):
    q = f"{url}/route/v1/driving/{a[1]},{a[0]};{b[1]},{b[0]}?overview=false"
    try:
        with urllib.request.urlopen(q, timeout=10) as r:
            d = json.load(r)
    except urllib.error.HTTPError:  # NoRoute and the like come as 400
        return None
    return d["routes"][0]["distance"] if d.get("code") == "Ok" else None


def ours(binary, graph, a, b):
    """Our distance and the OSM ways travelled, in order."""
    p = subprocess.run([binary, "route", "--graph", graph, "--from", f"{a[0]},{a[1]}",
                        "--to", f"{b[0]},{b[1]}", "--json"], capture_output=True, text=True)
    if p.returncode != 0:
        return None, []
    d = json.loads(p.stdout)
    return d["distance_m"], d["osm_way_ids"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pbf")
    ap.add_argument("graphs", nargs="+")
    ap.add_argument("--osrm", required=True)
    ap.add_argument("--corridor", default="target/release/corridor")
    ap.add_argument("--control", action="store_true")
    a = ap.parse_args()
    h = Read()
    h.apply_file(a.pbf, locations=False)
    trips, restrictions = [], len(h.rules)
    if a.control:
        vias = {v for _, _, v, _ in h.rules}
        junctions = sorted(n for n, ws in h.at.items() if len(ws) >= 2 and n not in vias)[::20]
        for v in junctions:
            ws = sorted(h.at[v])
            start, end = beside(h.ways[ws[0]], v, h.pos, False), beside(h.ways[ws[1]], v, h.pos, True)
            if start and end:
                trips.append((("control", ws[0], ws[1]), start, end))
        h.rules = []
    for kind, f, v, to in h.rules:
        if f == to:
            continue  # a U-turn: no fastest route makes one
        start = beside(h.ways.get(f), v, h.pos, False)
        if kind.startswith("no_"):
            targets = [to]
        else:
            targets = sorted(w for w in h.at.get(v, ()) if w not in (f, to))[:1]
        for w in targets:
            end = beside(h.ways.get(w), v, h.pos, True)
            if start and end:
                trips.append(((kind, f, w), start, end))
    out = {"restrictions": restrictions, "control": a.control, "trips": len(trips)}
    theirs = [osrm(a.osrm, s, e) for _, s, e in trips]
    for g in a.graphs:
        ratios, taken = [], 0
        for ((kind, f, w), s, e), t in zip(trips, theirs):
            o, ways = ours(a.corridor, g, s, e)
            # The forbidden turn made straight from the `from` way onto the
            # way the trip ends on (its ways in a row, repeats dropped).
            taken += kind != "control" and any(x == f and y == w for x, y in zip(ways, ways[1:]))
            if o is not None and t:
                ratios.append(o / t)
        out[g] = {"routed_by_both": len(ratios),
                  "median_ratio": round(statistics.median(ratios), 3) if ratios else None,
                  "off_over_5pct": sum(abs(r - 1) > 0.05 for r in ratios),
                  "off_over_25pct": sum(abs(r - 1) > 0.25 for r in ratios),
                  "shorter_over_25pct": sum(r < 0.75 for r in ratios),
                  "forbidden_turn_made": taken}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    sys.exit(main())
