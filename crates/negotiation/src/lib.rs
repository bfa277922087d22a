//! Negotiating corridors: what each party will accept, written down as
//! rules and checked mechanically.
//!
//! * [`scenario`]: the scenario file (TOML) — map, territories, parties with
//!   keys and rules, places, hazards, proposals — checked with file, line
//!   and reason for every mistake.
//! * [`territory`]: areas from GeoJSON; inside or not, and how far a route
//!   runs through.
//! * [`gazetteer`]: towns by name in any script, for routes given town by
//!   town.
//! * [`names`]: towns' names in Ukrainian and Russian (the names table)
//!   and the official romanization of Ukrainian for English.
//! * [`plan`]: a proposal's route (road graph, or polyline between places)
//!   and its canonical form and content hash.
//! * [`evaluate`]: each party's verdict with a stable code and a plain
//!   message per broken rule.
//! * [`search`]: for an origin, the fastest route to each destination that
//!   every belligerent accepts, alternatives, and what blocks the rest.
//! * [`convoy`]: the checks on a convoy's reported positions (off route,
//!   stopped, late, in a hazard) and simulated GPS tracks.
//! * [`lifecycle`]: the corridor's states and who may move it between them,
//!   replayed from the public log.
//!
//! **Architecture invariant:** no IO: files reach the scenario parser
//! through a callback, the graph through a `Router`.
#![deny(missing_docs)]

pub mod convoy;
pub mod evaluate;
pub mod gazetteer;
pub mod lifecycle;
pub mod names;
pub mod plan;
pub mod scenario;
pub mod search;
pub mod territory;
pub mod text;

pub use evaluate::{evaluate, Evaluation, Verdict, Violation};
pub use scenario::{Party, Role, Scenario, ScenarioError, ScenarioErrors, Status};
