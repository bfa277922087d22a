//! Rendering: human text by default, JSON and GeoJSON for machines. Only this
//! layer of the binary knows the wire formats; the route's own shape is
//! `corridor-wire`'s, shared with the server.

use corridor_geo::LatLon;
use corridor_osm::ImportStats;
use serde_json::{json, Value};

pub use corridor_wire::RouteView;

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

/// What the import left out of a file that is not a plain extract (nodes
/// off the Earth, ways longer than OSM allows), if anything.
fn skipped(s: &corridor_osm::ImportStats) -> String {
    let mut out = String::new();
    if s.nodes_out_of_range > 0 {
        out += &format!(
            "  skipped {} nodes with coordinates off the Earth\n",
            s.nodes_out_of_range
        );
    }
    if s.ways_too_long > 0 {
        out += &format!(
            "  skipped {} ways of more than {} nodes (OSM allows 2,000)\n",
            s.ways_too_long,
            corridor_osm::MAX_WAY_NODES
        );
    }
    out
}

impl ImportSummary {
    pub fn human(&self) -> String {
        let s = &self.stats;
        format!(
            "Imported {} in {:.2} s\n  {} of {} ways routable ({} clipped at the extract's edge), {} OSM nodes, {} barriers, {} turn restrictions ({} left out: via a way, or not on the roads read)\n  graph: {} nodes, {} edges ({} for car, {} for foot)\n  routing hierarchies: {} arcs for car, {} for foot, ordered and contracted in {:.2} s\n  wrote {} ({:.1} MB)\n",
            self.extract, self.seconds, s.ways_routable, s.ways_read, s.ways_clipped, s.osm_nodes, s.barriers,
            s.turn_restrictions, s.turn_restrictions_skipped, s.nodes, s.edges, self.car_edges, self.foot_edges, self.cch_arcs, self.cch_arcs_foot, self.contraction_seconds,
            self.output, self.file_bytes as f64 / 1e6
        ) + &skipped(s)
    }

    pub fn to_json(&self) -> Value {
        let s = &self.stats;
        json!({
            "extract": self.extract, "output": self.output, "seconds": self.seconds,
            "ways_read": s.ways_read, "ways_routable": s.ways_routable, "ways_clipped": s.ways_clipped,
            "nodes_out_of_range": s.nodes_out_of_range, "ways_too_long": s.ways_too_long,
            "osm_nodes": s.osm_nodes, "barriers": s.barriers,
            "turn_restrictions": s.turn_restrictions, "turn_restrictions_skipped": s.turn_restrictions_skipped,
            "nodes": s.nodes, "edges": s.edges,
            "car_edges": self.car_edges, "foot_edges": self.foot_edges, "file_bytes": self.file_bytes,
            "cch_arcs_car": self.cch_arcs, "cch_arcs_foot": self.cch_arcs_foot, "contraction_seconds": self.contraction_seconds,
        })
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
