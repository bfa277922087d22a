//! corridor's own route shape: what `corridor route` prints (human, JSON,
//! GeoJSON) and `GET /api/route` serves.

use chrono::{DateTime, FixedOffset, SecondsFormat};
use corridor_geo::LatLon;
use corridor_hazards::Effect;
use corridor_routing::{HazardLayer, Route, Router};
use serde_json::{json, Value};
use std::fmt::Write;

/// A route with what it needs to be shown: the router (road names), the
/// hazards in force and the time zone of the departure.
pub struct RouteView<'a> {
    router: &'a Router,
    layer: &'a HazardLayer,
    route: &'a Route,
    offset: FixedOffset,
}

fn rfc3339(ms: i64, offset: FixedOffset) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&offset)
                .to_rfc3339_opts(SecondsFormat::Secs, false)
        })
        .unwrap_or_else(|| "out of range".into())
}

/// A duration for people: `42 s`, `3 min 5 s`, `1 h 12 min`.
pub fn duration_text(ms: u64) -> String {
    let s = ms / 1000;
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

fn lonlat(p: LatLon) -> Value {
    json!([(p.lon * 1e6).round() / 1e6, (p.lat * 1e6).round() / 1e6])
}

impl<'a> RouteView<'a> {
    /// A view of `route` under `layer`, times shown at `offset`.
    pub fn new(
        router: &'a Router,
        layer: &'a HazardLayer,
        route: &'a Route,
        offset: FixedOffset,
    ) -> Self {
        RouteView {
            router,
            layer,
            route,
            offset,
        }
    }

    fn road_label(&self, e: u32) -> String {
        let g = self.router.graph();
        match (g.name(e), g.road_ref(e)) {
            ("", "") => "an unnamed road".into(),
            (n, "") => n.into(),
            ("", r) => r.into(),
            (n, r) => format!("{n} ({r})"),
        }
    }

    /// The hazards in force at some time of the trip, from departure to
    /// arrival and the time rule's margin after (indices into the layer's
    /// set), and the others: those the route was found with, and not.
    fn in_force(&self) -> (Vec<u32>, Vec<u32>) {
        let (a, b) = self.trip();
        (0..self.layer.set().len() as u32)
            .partition(|&h| self.layer.set().hazards[h as usize].validity.overlaps(a, b))
    }

    /// When the trip is on the road for the time rule: departure to
    /// arrival plus the margin.
    fn trip(&self) -> (i64, i64) {
        let r = self.route;
        (r.depart_ms, r.arrive_ms().saturating_add(r.margin_ms))
    }

    /// For people (what `corridor route` prints).
    pub fn human(&self) -> String {
        let r = self.route;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Route by {} from {} to {}",
            r.profile.name(),
            r.origin.input,
            r.destination.input
        );
        let _ = writeln!(s, "  distance  {:.2} km", r.distance_m / 1000.0);
        let _ = writeln!(s, "  duration  {}", duration_text(r.duration_ms));
        let _ = writeln!(s, "  depart    {}", rfc3339(r.depart_ms, self.offset));
        let _ = writeln!(s, "  arrive    {}", rfc3339(r.arrive_ms(), self.offset));
        let via = r.via(4, 0.05);
        if !via.is_empty() {
            let _ = writeln!(s, "  via       {}", via.join(", "));
        }
        let _ = writeln!(
            s,
            "  origin      snapped {:.0} m to {}",
            r.origin.distance_m,
            self.road_label(r.origin.edge)
        );
        let _ = writeln!(
            s,
            "  destination snapped {:.0} m to {}",
            r.destination.distance_m,
            self.road_label(r.destination.edge)
        );
        let set = self.layer.set();
        if !set.is_empty() {
            let (now, other) = self.in_force();
            let blocking = now
                .iter()
                .filter(|&&h| set.hazards[h as usize].effect == Effect::Block)
                .count();
            // Roads, not graph edges: a road split at a turn restriction
            // is one, and the joins of no length there are none (review).
            let g = self.router.graph();
            let mut edges: Vec<u32> = now
                .iter()
                .flat_map(|&h| self.layer.edges_of(h).iter().copied())
                .filter(|&e| g.edge_length_m[e as usize] > 0.0)
                .map(|e| g.canonical(e))
                .collect();
            edges.sort_unstable();
            edges.dedup();
            let _ = writeln!(
                s,
                "  hazards   {} in force during the trip ({} blocking, {} slowing) touching {} road edges{}",
                now.len(),
                blocking,
                now.len() - blocking,
                edges.len(),
                match other.len() {
                    0 => String::new(),
                    n => format!("; {n} more loaded, not in force then"),
                }
            );
            if !r.slowed_by.is_empty() {
                let _ = writeln!(s, "            slowed by {}", r.slowed_by.join(", "));
            }
        }
        let ways: Vec<String> = r.way_ids.iter().map(|w| w.to_string()).collect();
        let shown = ways.len().min(12);
        let _ = writeln!(
            s,
            "  OSM ways  {}{}",
            ways[..shown].join(" "),
            if ways.len() > shown {
                format!(" … ({} in all; --json lists them)", ways.len())
            } else {
                String::new()
            }
        );
        s
    }

    /// For machines (`corridor route --json`, `GET /api/route`).
    pub fn to_json(&self) -> Value {
        let r = self.route;
        let (now, other) = self.in_force();
        let set = self.layer.set();
        let ids = |hs: &[u32]| -> Vec<String> {
            hs.iter()
                .map(|&h| set.hazards[h as usize].id.clone())
                .collect()
        };
        let snap = |sn: &corridor_routing::Snap| {
            json!({
                "input": lonlat(sn.input), "snapped": lonlat(sn.point),
                "snap_distance_m": (sn.distance_m * 10.0).round() / 10.0,
                "road": self.road_label(sn.edge),
            })
        };
        json!({
            "profile": r.profile.name(),
            "distance_m": (r.distance_m * 10.0).round() / 10.0,
            "duration_s": r.duration_ms as f64 / 1000.0,
            "depart": rfc3339(r.depart_ms, self.offset),
            "arrive": rfc3339(r.arrive_ms(), self.offset),
            "origin": snap(&r.origin),
            "destination": snap(&r.destination),
            "via": r.via(4, 0.05),
            "roads": r.roads.iter().map(|x| json!({
                "name": &*x.name, "ref": &*x.road_ref,
                "distance_m": (x.distance_m * 10.0).round() / 10.0,
                "duration_s": x.duration_ms as f64 / 1000.0,
            })).collect::<Vec<_>>(),
            "osm_way_ids": r.way_ids,
            "slowed_by": r.slowed_by,
            "method": r.method.name(),
            "hazards_in_force": ids(&now),
            "hazards_not_in_force": ids(&other),
            "geometry": { "type": "LineString", "coordinates": r.geometry.iter().map(|p| lonlat(*p)).collect::<Vec<_>>() },
            "attribution": "Map data (c) OpenStreetMap contributors, ODbL",
        })
    }

    /// A FeatureCollection: the route, its snapped ends, and each loaded
    /// hazard (`in_force`: at some time of the trip).
    pub fn to_geojson(&self) -> Value {
        let mut props = self.to_json();
        let geometry = props
            .as_object_mut()
            .and_then(|o| o.remove("geometry"))
            .unwrap_or(Value::Null);
        let mut features =
            vec![json!({"type": "Feature", "properties": props, "geometry": geometry})];
        for (role, sn) in [
            ("origin", &self.route.origin),
            ("destination", &self.route.destination),
        ] {
            features.push(json!({
                "type": "Feature",
                "properties": {"role": role, "snap_distance_m": (sn.distance_m * 10.0).round() / 10.0},
                "geometry": {"type": "Point", "coordinates": lonlat(sn.point)},
            }));
        }
        let (a, b) = self.trip();
        for h in &self.layer.set().hazards {
            for part in &h.parts {
                features.push(json!({
                    "type": "Feature",
                    "properties": {
                        "role": "hazard", "id": h.id, "kind": h.kind.name(), "buffer_m": h.buffer_m,
                        "effect": corridor_hazards::write::effect(h.effect),
                        "in_force": h.validity.overlaps(a, b),
                        "source": h.source,
                    },
                    "geometry": corridor_hazards::write::part_geometry(part),
                }));
            }
        }
        json!({"type": "FeatureCollection", "features": features})
    }
}
