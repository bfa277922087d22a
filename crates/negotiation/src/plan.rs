//! The route of a proposal, computed and stored with it, and the proposal's
//! canonical form and content hash: any change to route or window is a new
//! version with a new hash.

use crate::scenario::{Place, ProposalSpec, Scenario, Waypoint};
use chrono::{DateTime, FixedOffset};
use corridor_geo::{haversine_m, LatLon};
use corridor_graph::Profile;
use corridor_routing::{HazardLayer, RouteError, RouteOptions, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
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
    /// Graph edges travelled (graph routes), for overlap between routes;
    /// a split road by its forward half (`RoadGraph::canonical`).
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
    let mut stretches = Vec::new();
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
        stretches.extend(r.roads.iter().cloned());
        // One id per road: the two halves of a road split at a turn
        // restriction are the same road for overlap.
        let g = router.graph();
        out.edges.extend(r.legs.iter().map(|l| g.canonical(l.edge)));
    }
    // The main roads of the whole route, not of its first leg.
    out.via = corridor_routing::main_roads(&stretches, out.distance_m, 4, 0.05);
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
    let (o, d) = ends(scn, spec)?;
    plan_between(scn, spec, o, d, graph)
}

fn ends<'s>(scn: &'s Scenario, spec: &ProposalSpec) -> Result<(&'s Place, &'s Place), PlanError> {
    let place = |id: &str| {
        scn.place(id)
            .ok_or_else(|| PlanError::UnknownPlace(id.to_string()))
    };
    Ok((place(&spec.origin)?, place(&spec.destination)?))
}

/// [`plan`] between places given explicitly (a point or a town proposed on
/// the map, not in the scenario).
pub fn plan_between(
    scn: &Scenario,
    spec: &ProposalSpec,
    o: &Place,
    d: &Place,
    graph: Option<(&Router, &HazardLayer)>,
) -> Result<PlannedRoute, PlanError> {
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

/// A point in a proposal's canonical form: integer micro-degrees, `[lat, lon]`.
pub type E6 = [i64; 2];

fn e6(p: LatLon) -> E6 {
    [(p.lat * 1e6).round() as i64, (p.lon * 1e6).round() as i64]
}

/// A point of the canonical form back in degrees.
pub fn from_e6(p: E6) -> LatLon {
    LatLon::new(p[0] as f64 / 1e6, p[1] as f64 / 1e6)
}

/// An origin or destination as signed in a proposal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceRef {
    /// The scenario's place id.
    pub id: String,
    /// Its name in the scenario.
    pub name: String,
    /// Where (micro-degrees, lat then lon).
    pub at: E6,
}

/// A named point the route passes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViaRef {
    /// Name.
    pub name: String,
    /// Where (micro-degrees).
    pub at: E6,
}

/// The window as signed: RFC 3339 with the offset it was written with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowRef {
    /// Opens.
    pub start: String,
    /// Closes.
    pub end: String,
}

/// The route as signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteRef {
    /// `graph` or `polyline`.
    pub source: String,
    /// Whole metres.
    pub distance_m: i64,
    /// Whole seconds, rounded up.
    pub duration_s: u64,
    /// Main roads or places along it, for people.
    pub roads: Vec<String>,
    /// The line (micro-degrees).
    pub geometry: Vec<E6>,
}

/// The canonical form of a proposal version: what the parties sign, and
/// what every reader of the log (publishing, the server, the CLI) reads back.
/// Coordinates are integer micro-degrees (lat, lon), distances whole metres,
/// durations whole seconds, times RFC 3339 with their offsets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposalContent {
    /// Scenario name.
    pub scenario: String,
    /// Proposal (corridor) id.
    pub id: String,
    /// Where people gather.
    pub origin: PlaceRef,
    /// Where they go.
    pub destination: PlaceRef,
    /// When the corridor is in force.
    pub window: WindowRef,
    /// `car` or `foot`.
    pub profile: String,
    /// Points the route passes, in order.
    pub via: Vec<ViaRef>,
    /// The route.
    pub route: RouteRef,
}

impl ProposalContent {
    /// The window as times (`None` only for a content not made by [`canonical`]).
    pub fn window(&self) -> Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)> {
        Some((
            DateTime::parse_from_rfc3339(&self.window.start).ok()?,
            DateTime::parse_from_rfc3339(&self.window.end).ok()?,
        ))
    }

    /// The last moment a convoy may leave and still arrive inside the window.
    pub fn last_safe_departure(&self) -> Option<DateTime<FixedOffset>> {
        let (_, end) = self.window()?;
        // `try_seconds`: a log may hold any number (a hostile one, say
        // 10^17 s), which `seconds` would panic on.
        end.checked_sub_signed(chrono::Duration::try_seconds(
            i64::try_from(self.route.duration_s).ok()?,
        )?)
    }

    /// The route's line in degrees.
    pub fn line(&self) -> Vec<LatLon> {
        self.route.geometry.iter().map(|&p| from_e6(p)).collect()
    }

    /// Whether the route was drawn between named places (no road graph).
    pub fn is_polyline(&self) -> bool {
        self.route.source == "polyline"
    }

    /// As JSON (keys sorted: the canonical encoding is [`corridor_log::canonical`] of it).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("plain data always serializes")
    }

    /// The content hash of this version: SHA-256 of the canonical JSON, hex.
    pub fn version(&self) -> String {
        version_hash(&self.to_value())
    }
}

/// The canonical form of a proposal version (see [`ProposalContent`]).
pub fn canonical(scn: &Scenario, spec: &ProposalSpec, route: &PlannedRoute) -> ProposalContent {
    let unknown = |id: &str| Place {
        id: id.to_string(),
        name: id.to_string(),
        at: LatLon::new(0.0, 0.0),
        people: 0,
        capacity: None,
        names: Vec::new(),
        name_uk: None,
        name_ru: None,
        name_en: None,
        gathering: Default::default(),
    };
    let o = scn
        .place(&spec.origin)
        .cloned()
        .unwrap_or_else(|| unknown(&spec.origin));
    let d = scn
        .place(&spec.destination)
        .cloned()
        .unwrap_or_else(|| unknown(&spec.destination));
    canonical_between(scn, spec, &o, &d, route)
}

/// [`canonical`] between places given explicitly.
pub fn canonical_between(
    scn: &Scenario,
    spec: &ProposalSpec,
    o: &Place,
    d: &Place,
    route: &PlannedRoute,
) -> ProposalContent {
    let place = |p: &Place| PlaceRef {
        id: p.id.clone(),
        name: p.name.clone(),
        at: e6(p.at),
    };
    ProposalContent {
        scenario: scn.name.clone(),
        id: spec.id.clone(),
        origin: place(o),
        destination: place(d),
        window: WindowRef {
            start: spec.window.start.to_rfc3339(),
            end: spec.window.end.to_rfc3339(),
        },
        profile: spec.profile.name().to_string(),
        via: spec
            .via
            .iter()
            .chain(&spec.route)
            .map(|w| ViaRef {
                name: w.name.clone(),
                at: e6(w.at),
            })
            .collect(),
        route: RouteRef {
            source: match route.source {
                RouteSource::Graph => "graph",
                RouteSource::Polyline => "polyline",
            }
            .to_string(),
            distance_m: route.distance_m.round() as i64,
            // Rounded up: the last safe departure (window end minus this)
            // is never later than the true one.
            duration_s: route.duration_ms.div_ceil(1000),
            roads: route.via.clone(),
            geometry: route.geometry.iter().map(|p| e6(*p)).collect(),
        },
    }
}

impl ProposalContent {
    /// The origin and destination as places (for a scenario that does not
    /// list them: points and towns proposed on the map).
    pub fn places(&self) -> (Place, Place) {
        let place = |p: &PlaceRef| Place {
            id: p.id.clone(),
            name: p.name.clone(),
            at: from_e6(p.at),
            people: 0,
            capacity: None,
            names: Vec::new(),
            name_uk: None,
            name_ru: None,
            name_en: None,
            gathering: Default::default(),
        };
        (place(&self.origin), place(&self.destination))
    }
}

/// The content hash of a canonical JSON value: SHA-256, hex.
pub fn version_hash(canonical: &Value) -> String {
    corridor_log::hex(&Sha256::digest(corridor_log::canonical(canonical)))
}

impl ProposalContent {
    /// The proposal and route this content records, for evaluating a
    /// logged version without routing again. `None` when its window or
    /// profile cannot be read.
    pub fn replayed(&self) -> Option<(ProposalSpec, PlannedRoute)> {
        let (start, end) = self.window()?;
        let way = |v: &ViaRef| Waypoint {
            name: v.name.clone(),
            at: from_e6(v.at),
            names: Vec::new(),
        };
        let polyline = self.is_polyline();
        let spec = ProposalSpec {
            id: self.id.clone(),
            origin: self.origin.id.clone(),
            destination: self.destination.id.clone(),
            window: crate::scenario::Window { start, end },
            profile: Profile::parse(&self.profile)?,
            via: if polyline {
                Vec::new()
            } else {
                self.via.iter().map(way).collect()
            },
            route: if polyline {
                self.via.iter().map(way).collect()
            } else {
                Vec::new()
            },
        };
        let route = PlannedRoute {
            source: if polyline {
                RouteSource::Polyline
            } else {
                RouteSource::Graph
            },
            geometry: self.line(),
            distance_m: self.route.distance_m as f64,
            duration_ms: self.route.duration_s.saturating_mul(1000),
            via: self.route.roads.clone(),
            edges: Vec::new(),
        };
        Some((spec, route))
    }
}
