//! The route of a proposal, computed and stored with it, and the proposal's
//! canonical form and content hash: any change to route or window is a new
//! version with a new hash.

use crate::scenario::{ProposalSpec, Scenario, Waypoint};
use corridor_geo::{haversine_m, LatLon};
use corridor_graph::Profile;
use corridor_routing::{HazardLayer, RouteError, RouteOptions, Router};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// How the route was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteSource {
    /// Fastest route on the road graph, avoiding the hazards in force.
    Graph,
    /// Straight lines between named places (no graph for the region):
    /// distance × detour factor, timed at the scenario's convoy speed.
    Polyline,
}

/// A proposal's route.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedRoute {
    /// Graph or polyline.
    pub source: RouteSource,
    /// The line travelled.
    pub geometry: Vec<LatLon>,
    /// Metres (road metres, or straight-line metres × detour factor).
    pub distance_m: f64,
    /// Travel time, ms.
    pub duration_ms: u64,
    /// Places or main roads along it, for people.
    pub via: Vec<String>,
    /// Graph edges travelled (graph routes), for overlap between routes.
    pub edges: Vec<u32>,
}

/// Why a proposal has no route.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// The router refused (off the map, in a hazard, cut, disconnected).
    #[error("{0}")]
    Route(#[from] RouteError),
    /// The proposal names a place the scenario lacks.
    #[error("unknown place `{0}`")]
    UnknownPlace(String),
}

/// Routes a graph trip through `points` in order, departing at `depart_ms`
/// (each leg departs when the previous arrives), under `layer`.
pub fn route_through(
    router: &Router,
    layer: &HazardLayer,
    points: &[LatLon],
    profile: Profile,
    depart_ms: i64,
    max_snap_m: f64,
) -> Result<PlannedRoute, RouteError> {
    let mut out = PlannedRoute {
        source: RouteSource::Graph,
        geometry: Vec::new(),
        distance_m: 0.0,
        duration_ms: 0,
        via: Vec::new(),
        edges: Vec::new(),
    };
    for w in points.windows(2) {
        let opts = RouteOptions {
            profile,
            depart_ms: depart_ms.saturating_add_unsigned(out.duration_ms),
            max_snap_m,
            ..Default::default()
        };
        let r = router.route(layer, w[0], w[1], &opts)?;
        out.distance_m += r.distance_m;
        out.duration_ms = out.duration_ms.saturating_add(r.duration_ms);
        for p in r.geometry.iter().copied() {
            if out.geometry.last() != Some(&p) {
                out.geometry.push(p);
            }
        }
        for v in r.via(4, 0.05) {
            if !out.via.contains(&v) {
                out.via.push(v);
            }
        }
        out.edges.extend(r.legs.iter().map(|l| l.edge));
    }
    Ok(out)
}

/// Milliseconds as a whole number, clamped to what a time can hold (NaN,
/// negative: 0): defence in depth behind the scenario's speed bounds.
fn whole_ms(ms: f64) -> u64 {
    if ms.is_nan() {
        return 0;
    }
    ms.round().clamp(0.0, i64::MAX as f64 / 2.0) as u64
}

/// The polyline route through `points` (no graph).
pub fn polyline(scn: &Scenario, points: &[Waypoint]) -> PlannedRoute {
    let straight: f64 = points
        .windows(2)
        .map(|w| haversine_m(w[0].at, w[1].at))
        .sum();
    let distance_m = straight * scn.no_graph.detour_factor;
    PlannedRoute {
        source: RouteSource::Polyline,
        geometry: points.iter().map(|w| w.at).collect(),
        distance_m,
        duration_ms: whole_ms(distance_m / (scn.no_graph.speed_kmh / 3.6) * 1000.0),
        via: points.iter().map(|w| w.name.clone()).collect(),
        edges: Vec::new(),
    }
}

/// The route of a proposal: on the graph when there is one (through its via
/// points, departing when the window opens, avoiding the scenario's
/// hazards), else along its named places.
pub fn plan(
    scn: &Scenario,
    spec: &ProposalSpec,
    graph: Option<(&Router, &HazardLayer)>,
) -> Result<PlannedRoute, PlanError> {
    let place = |id: &str| {
        scn.place(id)
            .ok_or_else(|| PlanError::UnknownPlace(id.to_string()))
    };
    let (o, d) = (place(&spec.origin)?, place(&spec.destination)?);
    match graph {
        Some((router, layer)) if spec.route.is_empty() => {
            let mut pts = vec![o.at];
            pts.extend(spec.via.iter().map(|w| w.at));
            pts.push(d.at);
            Ok(route_through(
                router,
                layer,
                &pts,
                spec.profile,
                spec.window.start.timestamp_millis(),
                scn.max_snap_m,
            )?)
        }
        _ => {
            let mut pts = vec![Waypoint {
                name: o.name.clone(),
                at: o.at,
                names: o.names.clone(),
            }];
            pts.extend(spec.route.iter().cloned());
            pts.extend(spec.via.iter().cloned());
            pts.push(Waypoint {
                name: d.name.clone(),
                at: d.at,
                names: d.names.clone(),
            });
            Ok(polyline(scn, &pts))
        }
    }
}

fn e6(p: LatLon) -> Value {
    json!([(p.lat * 1e6).round() as i64, (p.lon * 1e6).round() as i64])
}

/// The canonical form of a proposal version: what the parties sign.
/// Coordinates are integer micro-degrees (lat, lon), distances whole metres,
/// durations whole seconds, times RFC 3339 with their offsets.
pub fn canonical(scn: &Scenario, spec: &ProposalSpec, route: &PlannedRoute) -> Value {
    let place = |id: &str| {
        scn.place(id)
            .map(|p| json!({"id": p.id, "name": p.name, "at": e6(p.at)}))
            .unwrap_or(Value::Null)
    };
    json!({
        "scenario": scn.name,
        "id": spec.id,
        "origin": place(&spec.origin),
        "destination": place(&spec.destination),
        "window": {"start": spec.window.start.to_rfc3339(), "end": spec.window.end.to_rfc3339()},
        "profile": spec.profile.name(),
        "via": spec.via.iter().chain(&spec.route).map(|w| json!({"name": w.name, "at": e6(w.at)})).collect::<Vec<_>>(),
        "route": {
            "source": match route.source { RouteSource::Graph => "graph", RouteSource::Polyline => "polyline" },
            "distance_m": route.distance_m.round() as i64,
            "duration_s": route.duration_ms / 1000,
            "roads": route.via,
            "geometry": route.geometry.iter().map(|p| e6(*p)).collect::<Vec<_>>(),
        },
    })
}

/// The content hash of a proposal version: SHA-256 of its canonical JSON, hex.
pub fn version_hash(canonical: &Value) -> String {
    corridor_log::hex(&Sha256::digest(corridor_log::canonical(canonical)))
}
