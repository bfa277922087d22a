#!/usr/bin/env python3
"""Cross-check corridor's routes with Valhalla and OSRM on the same queries.

usage: scripts/crosscheck.py PBF OURS.json [--workdir DIR]
  OURS.json comes from `corridor-bench crosscheck GRAPH 200 OURS.json` (random
  pairs on the main car network and 5 random 1 km hazard squares, with our
  routes without and with the hazards). Needs the peers:
  eval "$(bash ../shared/peers/setup.sh target/peers)".
Prints a JSON summary: median ratios of our duration and distance to each
peer's, and how many routes of each engine pass through a hazard square."""
import argparse, json, os, statistics, subprocess, sys, time

PEERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "peers", "bench")
sys.path.insert(0, PEERS)
import httpbench as H  # noqa: E402
import bench_valhalla as V  # noqa: E402


def decode6(s):
    """Valhalla's encoded polyline, precision 6 -> [[lon, lat], ...]."""
    out, idx, lat, lon = [], 0, 0, 0
    while idx < len(s):
        vals = []
        for _ in range(2):
            shift = res = 0
            while True:
                b = ord(s[idx]) - 63
                idx += 1
                res |= (b & 0x1F) << shift
                shift += 5
                if b < 0x20:
                    break
            vals.append(~(res >> 1) if res & 1 else res >> 1)
        lat += vals[0]
        lon += vals[1]
        out.append([lon / 1e6, lat / 1e6])
    return out


def seg_hits_box(p, q, box):
    """Liang-Barsky: does segment p-q meet the axis-aligned box (lon0, lat0, lon1, lat1)?"""
    x0, y0, x1, y1 = box
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for pk, qk in ((-dx, p[0] - x0), (dx, x1 - p[0]), (-dy, p[1] - y0), (dy, y1 - p[1])):
        if pk == 0:
            if qk < 0:
                return False
        else:
            t = qk / pk
            if pk < 0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
            if t0 > t1:
                return False
    return True


def through(geom, boxes):
    return any(seg_hits_box(geom[i], geom[i + 1], b) for b in boxes for i in range(len(geom) - 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pbf")
    ap.add_argument("ours")
    ap.add_argument("--workdir", default="target/crosscheck")
    a = ap.parse_args()
    work = os.path.abspath(a.workdir)
    os.makedirs(work, exist_ok=True)
    data = json.load(open(a.ours))
    rings = data["hazards"]
    boxes = [(min(p[0] for p in r), min(p[1] for p in r), max(p[0] for p in r), max(p[1] for p in r)) for r in rings]
    qs = data["queries"]
    pbf = os.path.abspath(a.pbf)
    res = {"queries": len(qs), "hazard_squares": len(rings)}

    # OSRM: extract + partition + customize, then osrm-routed on loopback.
    obin, prof = os.environ["OSRM_BIN"], os.environ["OSRM_PROFILES"]
    link = f"{work}/region.osm.pbf"
    if not os.path.lexists(link):
        os.symlink(pbf, link)
    base = f"{work}/region.osrm"
    for cmd in ([f"{obin}/osrm-extract", "-p", f"{prof}/car.lua", link], [f"{obin}/osrm-partition", base], [f"{obin}/osrm-customize", base]):
        subprocess.run(cmd, check=True, capture_output=True, cwd=work)
    p = H.start_server([f"{obin}/osrm-routed", "--algorithm", "mld", "-i", "127.0.0.1", "-p", "5078", "-t", "1", base], f"{work}/routed.log")
    cli = H.KeepAlive("127.0.0.1", 5078)
    H.wait_ready(lambda: cli.request("GET", "/route/v1/driving/8.69,49.41;8.70,49.41")[0] in (200, 400), timeout=60)
    osrm = []
    for q in qs:
        u = f"/route/v1/driving/{q['from'][0]:.7f},{q['from'][1]:.7f};{q['to'][0]:.7f},{q['to'][1]:.7f}?overview=full&geometries=geojson&steps=false"
        st, body, _ = cli.request("GET", u)
        j = json.loads(body) if st == 200 else {}
        osrm.append(None if j.get("code") != "Ok" else {"duration_s": j["routes"][0]["duration"], "distance_m": j["routes"][0]["distance"], "geometry": j["routes"][0]["geometry"]["coordinates"]})
    H.stop_server(p)

    # Valhalla: tiles, service on loopback; hazards as exclude_polygons with the
    # perimeter limit raised (5 squares of 4 km exceed the default 10 km).
    vbin = os.environ["VALHALLA_BIN"]
    cfg, _ = V.make_config(os.environ["VALHALLA_CONFIG_PY"], work, 8012, exclude_len=100000)
    if not os.path.exists(f"{work}/tiles"):
        subprocess.run([f"{vbin}/valhalla_build_tiles", "-c", cfg, pbf], check=True, capture_output=True, cwd=work)
    p, cli, _ = V.serve(vbin, cfg, work, 8012, "x")
    val, val_h = [], []
    for q in qs:
        for out, ex in ((val, None), (val_h, rings)):
            b = {"locations": [{"lon": q["from"][0], "lat": q["from"][1]}, {"lon": q["to"][0], "lat": q["to"][1]}], "costing": "auto", "directions_type": "none"}
            if ex:
                b["exclude_polygons"] = ex
            st, body, _ = cli.request("POST", "/route", json.dumps(b))
            j = json.loads(body) if st == 200 else {}
            if "trip" not in j:
                out.append(None)
                continue
            geom = [pt for leg in j["trip"]["legs"] for pt in decode6(leg["shape"])]
            out.append({"duration_s": j["trip"]["summary"]["time"], "distance_m": j["trip"]["summary"]["length"] * 1000, "geometry": geom})
    H.stop_server(p)

    def ratios(peer, key):
        r = [q["ours"][key] / x[key] for q, x in zip(qs, peer) if x and "error" not in q["ours"] and x[key] > 0]
        return {"median": round(statistics.median(r), 3), "p10": round(sorted(r)[len(r) // 10], 3), "p90": round(sorted(r)[len(r) * 9 // 10], 3), "n": len(r)}

    res["ours_vs_osrm"] = {"duration": ratios(osrm, "duration_s"), "distance": ratios(osrm, "distance_m")}
    res["ours_vs_valhalla"] = {"duration": ratios(val, "duration_s"), "distance": ratios(val, "distance_m")}
    ours_h = [q["ours_hazards"] for q in qs]
    res["routes_through_a_hazard"] = {
        "ours_with_hazards": sum(1 for x in ours_h if "geometry" in x and through(x["geometry"], boxes)),
        "ours_with_hazards_routed": sum(1 for x in ours_h if "geometry" in x),
        "osrm_no_avoidance": sum(1 for x in osrm if x and through(x["geometry"], boxes)),
        "osrm_routed": sum(1 for x in osrm if x),
        "valhalla_exclude_polygons": sum(1 for x in val_h if x and through(x["geometry"], boxes)),
        "valhalla_exclude_polygons_routed": sum(1 for x in val_h if x),
    }
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
