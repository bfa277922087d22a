//! Rendering: human text by default, JSON and GeoJSON for machines. Only this
//! layer knows the wire formats.

use chrono::{DateTime, FixedOffset, SecondsFormat};
use corridor_geo::LatLon;
use corridor_hazards::{Effect, Part};
use corridor_osm::ImportStats;
use corridor_routing::{HazardLayer, Route, Router};
use serde_json::{json, Value};
use std::fmt::Write;

pub struct ImportSummary {
    pub extract: String,
    pub output: String,
    pub stats: ImportStats,
    pub car_edges: usize,
    pub foot_edges: usize,
    pub file_bytes: usize,
    pub seconds: f64,
    /// Time spent ordering and contracting for the routing hierarchy.
    pub contraction_seconds: f64,
    /// Arcs of the car hierarchy's chordal supergraph.
    pub cch_arcs: usize,
    /// Arcs of the foot hierarchy's.
    pub cch_arcs_foot: usize,
}

impl ImportSummary {
    pub fn human(&self) -> String {
        let s = &self.stats;
        format!(
            "Imported {} in {:.2} s\n  {} of {} ways routable ({} clipped at the extract's edge), {} OSM nodes\n  graph: {} nodes, {} edges ({} for car, {} for foot)\n  routing hierarchies: {} arcs for car, {} for foot, ordered and contracted in {:.2} s\n  wrote {} ({:.1} MB)\n",
            self.extract, self.seconds, s.ways_routable, s.ways_read, s.ways_clipped, s.osm_nodes,
            s.nodes, s.edges, self.car_edges, self.foot_edges, self.cch_arcs, self.cch_arcs_foot, self.contraction_seconds,
            self.output, self.file_bytes as f64 / 1e6
        )
    }

    pub fn to_json(&self) -> Value {
        let s = &self.stats;
        json!({
            "extract": self.extract, "output": self.output, "seconds": self.seconds,
            "ways_read": s.ways_read, "ways_routable": s.ways_routable, "ways_clipped": s.ways_clipped,
            "nodes_out_of_range": s.nodes_out_of_range,
            "osm_nodes": s.osm_nodes, "nodes": s.nodes, "edges": s.edges,
            "car_edges": self.car_edges, "foot_edges": self.foot_edges, "file_bytes": self.file_bytes,
            "cch_arcs_car": self.cch_arcs, "cch_arcs_foot": self.cch_arcs_foot, "contraction_seconds": self.contraction_seconds,
        })
    }
}

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
            let blocking = set
                .hazards
                .iter()
                .filter(|h| h.effect == Effect::Block)
                .count();
            let _ = writeln!(
                s,
                "  hazards   {} in force ({} blocking, {} slowing) touching {} road edges",
                set.len(),
                blocking,
                set.len() - blocking,
                self.layer.edges_touched()
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

    pub fn to_json(&self) -> Value {
        let r = self.route;
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
                "name": x.name, "ref": x.road_ref,
                "distance_m": (x.distance_m * 10.0).round() / 10.0,
                "duration_s": x.duration_ms as f64 / 1000.0,
            })).collect::<Vec<_>>(),
            "osm_way_ids": r.way_ids,
            "slowed_by": r.slowed_by,
            "method": r.method.name(),
            "hazards_in_force": self.layer.set().hazards.iter().map(|h| h.id.clone()).collect::<Vec<_>>(),
            "geometry": { "type": "LineString", "coordinates": r.geometry.iter().map(|p| lonlat(*p)).collect::<Vec<_>>() },
            "attribution": "Map data (c) OpenStreetMap contributors, ODbL",
        })
    }

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
        for h in &self.layer.set().hazards {
            for part in &h.parts {
                let geometry = match part {
                    Part::Point(p) => json!({"type": "Point", "coordinates": [p.0, p.1]}),
                    Part::Line(l) => {
                        json!({"type": "LineString", "coordinates": l.iter().map(|p| [p.0, p.1]).collect::<Vec<_>>()})
                    }
                    Part::Polygon(rings) => {
                        json!({"type": "Polygon", "coordinates": rings.iter().map(|r| r.iter().map(|p| [p.0, p.1]).collect::<Vec<_>>()).collect::<Vec<_>>()})
                    }
                };
                features.push(json!({
                    "type": "Feature",
                    "properties": {
                        "role": "hazard", "id": h.id, "kind": h.kind.name(), "buffer_m": h.buffer_m,
                        "effect": match h.effect { Effect::Block => json!("block"), Effect::Slow(f) => json!({"slow": f}) },
                        "source": h.source,
                    },
                    "geometry": geometry,
                }));
            }
        }
        json!({"type": "FeatureCollection", "features": features})
    }
}

/// Prints JSON for machines (pretty, one document).
pub fn print_json(v: &Value) -> Result<(), crate::exit::Failure> {
    let text = serde_json::to_string_pretty(v).map_err(anyhow::Error::from)?;
    println!("{text}");
    Ok(())
}

fn line_geojson(points: &[LatLon]) -> Value {
    json!({"type": "LineString", "coordinates": points.iter().map(|p| [p.lon, p.lat]).collect::<Vec<_>>()})
}

/// `corridor evaluate --json`: one proposal's verdicts and its route.
pub fn evaluation_json(
    scn: &corridor_negotiation::Scenario,
    ev: &corridor_negotiation::Evaluation,
    r: &corridor_negotiation::plan::PlannedRoute,
) -> Value {
    use corridor_negotiation::plan::RouteSource;
    let mut v = ev.to_json(scn);
    v["route"] = json!({
        "source": match r.source { RouteSource::Graph => "graph", RouteSource::Polyline => "polyline" },
        "distance_m": r.distance_m.round(), "duration_s": r.duration_ms / 1000, "via": r.via,
        "geometry": line_geojson(&r.geometry),
    });
    v
}

/// `corridor search --json`.
pub fn search_json(
    scn: &corridor_negotiation::Scenario,
    origin: &str,
    window: &corridor_negotiation::scenario::Window,
    results: &[corridor_negotiation::search::DestinationResult],
) -> Value {
    let v: Vec<Value> = results
        .iter()
        .map(|r| {
            json!({
                "destination": r.destination,
                "options": r.options.iter().map(|c| json!({
                    "distance_m": c.route.distance_m.round(), "duration_s": c.route.duration_ms / 1000,
                    "via": c.route.via, "version": c.evaluation.version,
                    "last_safe_departure": c.evaluation.last_safe_departure.with_timezone(&scn.tz).to_rfc3339(),
                    "geometry": line_geojson(&c.route.geometry),
                })).collect::<Vec<_>>(),
                "blocked_by": r.blocked_by,
            })
        })
        .collect();
    json!({"origin": origin, "window": {"start": window.start.to_rfc3339(), "end": window.end.to_rfc3339()}, "results": v})
}

/// `corridor log verify --json`.
pub fn verified_json(
    log: &corridor_log::Log,
    ledger: &corridor_ledger::Ledger,
    heads_checked: usize,
    problems: &[String],
) -> Value {
    json!({
        "entries": log.len(), "tree_hash": corridor_log::hex(&log.root()),
        "heads_checked": heads_checked, "ok": problems.is_empty(), "problems": problems,
        "exercise_clock_days": ledger.shift_days(),
        "corridors": ledger.corridors().values().map(|c| json!({"id": c.life.id, "state": c.state().name(),
            "version": c.life.version, "versions": c.life.versions, "proposed_by": c.proposed_by})).collect::<Vec<_>>(),
    })
}

/// An evacuation plan, for `corridor plan --json`.
pub struct Plan<'a> {
    pub problem: &'a corridor_evacuation::Problem,
    pub schedule: &'a corridor_evacuation::Schedule,
    pub summary: &'a corridor_evacuation::Summary,
    pub tz: chrono_tz::Tz,
    pub ms: f64,
}

impl Plan<'_> {
    pub fn to_json(&self) -> Value {
        let (problem, sum, tz) = (self.problem, self.summary, self.tz);
        let at = |m: i64| chrono::DateTime::from_timestamp(m.saturating_mul(60), 0).map(|t| t.with_timezone(&tz).to_rfc3339());
        let legs: Vec<Value> = self
            .schedule
            .legs
            .iter()
            .map(|l| {
                json!({
                    "vehicle": problem.vehicles[l.vehicle].id, "corridor": problem.corridors[l.corridor].id,
                    "loaded": l.loaded, "depart": at(l.depart), "arrive": at(l.arrive),
                    "carries": l.carries.iter().map(|&(g, n)| json!({"origin": problem.groups[g].origin, "destination": problem.groups[g].destination, "accessible": problem.groups[g].accessible, "people": n})).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "people": problem.people(), "evacuated": self.schedule.total(), "left": sum.left.iter().sum::<u64>(),
            "groups": problem.groups.iter().enumerate().map(|(i, g)| json!({"origin": g.origin, "destination": g.destination, "accessible": g.accessible, "people": g.people, "evacuated": sum.evacuated[i], "left": sum.left[i]})).collect::<Vec<_>>(),
            "corridors": problem.corridors.iter().enumerate().map(|(i, c)| json!({"id": c.id, "last_safe_departure": at(sum.last_safe_departure[i]), "departures_used": sum.slots[i].0, "departures_available": sum.slots[i].1})).collect::<Vec<_>>(),
            "bottleneck": sum.bottleneck, "with_extra_hour": sum.with_extra_hour, "with_ten_more_vehicles": sum.with_ten_more_vehicles,
            "lower_bound_all_out": corridor_evacuation::lower_bound(problem).and_then(|m| at(m)),
            "plan_ms": self.ms, "legs": legs, "time_zone": tz.name(),
        })
    }
}
