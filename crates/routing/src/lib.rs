//! Routing: from two points and a set of hazards to the exact fastest route,
//! or a precise reason why there is none.
//!
//! The pieces, in the order a query meets them:
//! * [`Router`] owns the graph, its per-profile adjacency and the segment
//!   R-tree; it is built once per graph and shared by all queries.
//! * [`HazardLayer`] maps a [`HazardSet`](corridor_hazards::HazardSet) onto the
//!   edges it touches (built once per hazard set, in milliseconds).
//! * `snap` puts each endpoint on the nearest usable road, refusing points
//!   more than [`RouteOptions::max_snap_m`] from any road.
//! * [`cch`] is the customizable contraction hierarchy that answers most
//!   queries in microseconds, with hazards as metrics (partial customization)
//!   and the time rule below proven exact per query (`engine` module), or
//!   handed to the search.
//! * `search` is a Dijkstra search from a position on an edge to a position
//!   on an edge, applying the time rule below to every edge it relaxes.
//! * On failure, [`RouteError::Cut`] names the hazards whose blocked roads
//!   enclose the origin.
//!
//! ## The time rule
//! A traveller who reaches edge `e` at time `t` (departure plus the fastest
//! time to its start) could be on it from `t` until `t + w·F + margin`, where
//! `w` is the edge's travel time, `F` the largest slow-down factor of any
//! hazard on that edge (1 if none) and `margin` the delay allowance
//! ([`RouteOptions::margin_ms`], 15 minutes by default). A hazard affects the
//! traversal when its validity `[valid_from, valid_until)` meets that closed
//! interval. A blocking hazard then forbids the edge; slowing hazards multiply
//! its time by the largest of their factors.
//!
//! The search settles each node at its earliest arrival and never waits, so a
//! hazard that *ends* during a trip is only avoided, never waited out: routes
//! are always safe under the rule, and may be slower than "wait until the
//! shelling stops". Hazards that *start* during the trip are handled exactly:
//! arriving earlier is never worse.
//!
//! **Architecture invariant:** no OSM tags and no file formats here; the crate
//! does no IO.
#![deny(missing_docs)]

mod assembly;
pub mod cch;
mod cut;
mod engine;
mod hazard_layer;
pub mod reference;
mod search;
mod snap;
#[cfg(test)]
mod testing;

pub use hazard_layer::HazardLayer;
pub use search::{main_roads, RoadStretch, Route, Traversal};
pub use snap::{Endpoint, Snap, DESTINATION_CLEAR_MS};

use corridor_geo::LatLon;
use corridor_graph::{Adjacency, Profile, RoadGraph, SegmentIndex};

/// Options of one route query.
#[derive(Clone, Debug)]
pub struct RouteOptions {
    /// Travel profile.
    pub profile: Profile,
    /// Departure, milliseconds since the Unix epoch.
    pub depart_ms: i64,
    /// Farthest a point may be from a road, in metres.
    pub max_snap_m: f64,
    /// Delay allowance of the time rule, in milliseconds.
    pub margin_ms: i64,
    /// Which engine answers.
    pub engine: Engine,
}

/// The engine that answers a route query. Both give the same travel time to
/// the millisecond; the tests hold them to it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Engine {
    /// The customizable contraction hierarchy ([`cch`]): microseconds per
    /// query, hazards applied by partial customization.
    #[default]
    Cch,
    /// The time-dependent Dijkstra search: the reference, a millisecond or
    /// more per query on a city.
    Dijkstra,
}

/// How a route was found and shown exact under the time rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// The hierarchy, with the hazards in force during the whole trip (or
    /// none) as a static metric.
    Hierarchy,
    /// The hierarchy, with some hazard starting or ending during the trip:
    /// the route with all of them in force cost no more than the route with
    /// none of them.
    HierarchyBounds,
    /// The time-dependent Dijkstra search.
    Dijkstra,
}

impl Method {
    /// A stable name for logs and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Method::Hierarchy => "cch",
            Method::HierarchyBounds => "cch-bounds",
            Method::Dijkstra => "dijkstra",
        }
    }
}

/// Counters of the work the hierarchy did since the router was built.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Metrics derived by partial customization (cache misses).
    pub metrics_customized: u64,
    /// Cut indexes built.
    pub cut_indexes: u64,
    /// Routes answered by the hierarchy with a static metric.
    pub static_routes: u64,
    /// Routes answered by the hierarchy with the two-bound proof.
    pub bounded_routes: u64,
    /// Queries handed to the Dijkstra search.
    pub dijkstra_fallbacks: u64,
}

impl Engine {
    /// Parses `cch` or `dijkstra`.
    pub fn parse(s: &str) -> Option<Engine> {
        match s {
            "cch" => Some(Engine::Cch),
            "dijkstra" => Some(Engine::Dijkstra),
            _ => None,
        }
    }

    /// The names the command line offers.
    pub const NAMES: [&'static str; 2] = ["cch", "dijkstra"];
}

impl std::str::FromStr for Engine {
    type Err = String;
    fn from_str(s: &str) -> Result<Engine, String> {
        Engine::parse(s).ok_or_else(|| format!("`{s}` is not an engine (cch, dijkstra)"))
    }
}

impl Default for RouteOptions {
    fn default() -> Self {
        RouteOptions {
            profile: Profile::Car,
            depart_ms: 0,
            max_snap_m: 1000.0,
            margin_ms: 15 * 60 * 1000,
            engine: Engine::Cch,
        }
    }
}

/// Why a hazard not yet in force at departure still closes an end: its
/// start (UTC) and the rule that reaches it.
fn later(endpoint: Endpoint, from_ms: Option<i64>) -> String {
    let Some(t) = from_ms.and_then(chrono::DateTime::from_timestamp_millis) else {
        return String::new();
    };
    let why = match endpoint {
        Endpoint::Origin => "before the origin's road is left, with the safety margin",
        Endpoint::Destination => "a destination must stay clear for a day after departure",
    };
    format!(", in force from {} ({why})", t.format("%Y-%m-%dT%H:%M:%SZ"))
}

/// Why no route was given.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// No usable road within the snapping distance.
    #[error("the {endpoint} {point} is off the map: no {profile} road within {max_snap_m} m{}", .nearest_m.map(|d| format!(" (nearest road {d:.0} m away)")).unwrap_or_default())]
    OffMap {
        /// Which end.
        endpoint: Endpoint,
        /// The point given.
        point: LatLon,
        /// The profile.
        profile: &'static str,
        /// The limit.
        max_snap_m: f64,
        /// The nearest road of any kind within 50 km, if one was found.
        nearest_m: Option<f64>,
    },
    /// The point lies inside a blocking hazard, or every road near it is blocked.
    #[error("the {endpoint} {point} is {} blocking hazard `{hazard}` ({kind}){}; choose a point outside it", if *.inside { "inside" } else { "cut off: every road near it is in" }, later(*.endpoint, *.from_ms))]
    InHazard {
        /// Which end.
        endpoint: Endpoint,
        /// The point given.
        point: LatLon,
        /// Id of the hazard.
        hazard: String,
        /// Its kind.
        kind: &'static str,
        /// True when the point itself is within the hazard's buffer.
        inside: bool,
        /// When the hazard comes into force after departure (Unix ms): a
        /// destination must stay clear for a day after it
        /// ([`DESTINATION_CLEAR_MS`]), an origin for the time rule's
        /// margin.
        from_ms: Option<i64>,
    },
    /// A route exists without hazards, but these hazards cut the points apart.
    #[error("no safe route: hazard(s) {} cut the origin off from the destination (a route exists without them)", .hazards.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", "))]
    Cut {
        /// Ids of the blocking hazards on the boundary of what the origin can reach.
        hazards: Vec<String>,
    },
    /// Not connected even without hazards.
    #[error("no route: no {profile} road connects the origin with the destination, even without hazards{}", .islands.iter().map(|i| i.to_string()).collect::<String>())]
    Disconnected {
        /// The profile.
        profile: &'static str,
        /// The ends snapped to a road off the profile's main network (a
        /// car park, a stretch of path cut off from the rest).
        islands: Vec<Island>,
    },
}

/// An end of a route snapped to a road off the profile's main network.
#[derive(Clone, Debug, PartialEq)]
pub struct Island {
    /// Which end.
    pub endpoint: Endpoint,
    /// How far the main network is from the point given, if within 50 km.
    pub main_m: Option<f64>,
}

impl std::fmt::Display for Island {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "; the {} was matched to a road cut off from the main network",
            self.endpoint
        )?;
        match self.main_m {
            Some(d) => write!(
                f,
                ", which is {d:.0} m away (a snapping distance of {:.0} m reaches it, or move the point)",
                (d / 100.0).ceil() * 100.0
            ),
            None => write!(f, ", and none is within 50 km"),
        }
    }
}

/// A graph made ready for queries: adjacency per profile, segment index and
/// which edges lie on each profile's main network (to avoid snapping to
/// islands).
pub struct Router {
    graph: RoadGraph,
    index: SegmentIndex,
    adj: [Adjacency; 2],
    /// Per edge, usable and main-network bits of each profile
    /// (`snap::snap_classes`).
    snap_class: Vec<u8>,
    /// Edges whose shape repeats a point (`assembly::repeated_points`).
    shape_repeats: Vec<u64>,
    /// The node as a whole of each copy of a turn restriction's node
    /// (`search::centres`).
    centres: search::Centres,
    cch: engine::CchEngine,
}

impl Router {
    /// Prepares a graph for routing.
    pub fn new(graph: RoadGraph) -> Router {
        // The segment index (its R-tree and snapping's grid, about a
        // second on a country) is built on a second thread while this one
        // prepares the rest, the hierarchies above all.
        let (index, adj, snap_class, shape_repeats, centres, cch) = std::thread::scope(|s| {
            let index = s.spawn(|| SegmentIndex::build(&graph));
            let adj = [
                Adjacency::build(&graph, Profile::Car, false),
                Adjacency::build(&graph, Profile::Foot, false),
            ];
            let snap_class = snap::snap_classes(&graph);
            let shape_repeats = assembly::repeated_points(&graph);
            let centres = search::centres(&graph);
            let cch = engine::CchEngine::new(&graph);
            let index = index
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (index, adj, snap_class, shape_repeats, centres, cch)
        });
        Router {
            graph,
            index,
            adj,
            snap_class,
            shape_repeats,
            centres,
            cch,
        }
    }

    /// The graph.
    pub fn graph(&self) -> &RoadGraph {
        &self.graph
    }

    /// The segment index.
    pub fn index(&self) -> &SegmentIndex {
        &self.index
    }

    /// Adjacency of a profile.
    pub fn adjacency(&self, profile: Profile) -> &Adjacency {
        &self.adj[profile.index()]
    }
}
