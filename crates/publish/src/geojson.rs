//! GeoJSON (RFC 7946) of the corridors as last announced, the hazards and
//! the gathering points: longitude first, outer rings counter-clockwise,
//! holes clockwise, status and window as properties.

use crate::events::{cap_time, Event};
use corridor_negotiation::plan::from_e6;
use corridor_negotiation::Scenario;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn validity(ms: i64, open: i64) -> Value {
    if ms == open {
        Value::Null
    } else {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| json!(cap_time(t.fixed_offset())))
            .unwrap_or(Value::Null)
    }
}

/// The FeatureCollection.
pub fn collection(scn: &Scenario, events: &[Event]) -> String {
    let mut last: BTreeMap<&str, &Event> = BTreeMap::new();
    for e in events {
        last.insert(&e.corridor, e);
    }
    let mut features = Vec::new();
    for e in last.values() {
        let c = &e.content;
        let line: Vec<[f64; 2]> = c.line().iter().map(|p| [p.lon, p.lat]).collect();
        features.push(json!({
            "type": "Feature",
            "id": format!("corridor:{}", e.corridor),
            "geometry": {"type": "LineString", "coordinates": line},
            "properties": {
                "kind": "corridor", "corridor": e.corridor, "status": e.kind.name(),
                "open": e.kind.open(), "version": e.version,
                "window_start": c.window.start, "window_end": c.window.end,
                "time_zone": scn.tz.name(),
                "origin": c.origin.name, "destination": c.destination.name,
                "distance_m": c.route.distance_m, "duration_s": c.route.duration_s,
                "announced": e.sent(), "log_entry": e.seq,
            },
        }));
        let at = from_e6(c.origin.at);
        features.push(json!({
            "type": "Feature",
            "id": format!("gathering:{}", e.corridor),
            "geometry": {"type": "Point", "coordinates": [at.lon, at.lat]},
            "properties": {"kind": "gathering_point", "corridor": e.corridor,
                           "name": c.origin.name, "status": e.kind.name()},
        }));
    }
    for h in &scn.hazards.hazards {
        let geometry = corridor_hazards::write::geometry(h);
        features.push(json!({
            "type": "Feature",
            "id": format!("hazard:{}", h.id),
            "geometry": geometry,
            "properties": {
                "kind": "hazard", "hazard": h.id, "hazard_kind": h.kind.name(), "buffer_m": h.buffer_m,
                "source": h.source,
                "effect": corridor_hazards::write::effect(h.effect),
                "valid_from": validity(h.validity.from_ms, i64::MIN),
                "valid_until": validity(h.validity.until_ms, i64::MAX),
            },
        }));
    }
    let fc = json!({
        "type": "FeatureCollection",
        "name": scn.name,
        "attribution": "Map data (c) OpenStreetMap contributors, ODbL",
        "features": features,
    });
    serde_json::to_string_pretty(&fc).expect("JSON")
}
