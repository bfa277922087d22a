//! The route as other tools read it.
//!
//! * [`route`]: corridor's own shape — what `corridor route` prints (human
//!   text, `--json`, `--geojson`) and `GET /api/route` serves.
//! * [`osrm`]: OSRM's route API (`/route/v1/{profile}/{coordinates}`): the
//!   request's coordinates and options, the response (`code`, `routes`,
//!   `legs`, `waypoints`), and Google's encoded polyline, so that tools
//!   written for OSRM (Leaflet Routing Machine, fleet tools) route around
//!   hazards without change.
//! * [`tiles`]: the road network for a web map, in XYZ tiles at the detail
//!   of each zoom, never over 50 KB each.
//!
//! **Architecture invariant:** one owner for each shape: the CLI and the
//! server both render through this crate. No IO.
#![deny(missing_docs)]

pub mod osrm;
pub mod route;
pub mod tiles;

pub use route::{duration_text, RouteView};

/// The years a departure may be given in, both ends included: routes are
/// written in RFC 3339, whose years have four digits, and an arrival (or a
/// window's last safe departure) comes days after its departure. The CLI
/// and the server both refuse a departure outside them.
pub const DEPART_YEARS: std::ops::RangeInclusive<i32> = 1900..=9000;
