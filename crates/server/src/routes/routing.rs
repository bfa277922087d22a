//! Routing over HTTP with the hazards in force: `GET /api/route` in
//! corridor's own shape (what `corridor route --json` prints) and the
//! OSRM-compatible `GET /route/v1/{profile}/{lon,lat;lon,lat…}`, so that
//! tools written for OSRM route around hazards without change.

use super::{blocking, Shared};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Datelike, FixedOffset};
use corridor_geo::LatLon;
use corridor_graph::Profile;
use corridor_routing::{Route, RouteError, RouteOptions};
use corridor_wire::osrm;
use serde::Deserialize;

/// The routes of this module.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/api/route", get(route))
        .route("/route/v1/{profile}/{coordinates}", get(osrm_route))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteQuery {
    /// LAT,LON.
    from: String,
    /// LAT,LON.
    to: String,
    profile: Option<String>,
    /// RFC 3339 with offset (default now).
    depart: Option<String>,
}

/// The departure asked for; "now" (the default) in the scenario's zone, so
/// that the times answered read as the scenario's, whatever zone the
/// server's machine keeps.
fn depart(st: &AppState, t: Option<&str>) -> Result<DateTime<FixedOffset>, String> {
    match t {
        None | Some("now") => Ok((st.clock)().with_timezone(&st.scenario().tz).fixed_offset()),
        Some(t) => {
            let shown = t.chars().take(40).collect::<String>();
            let parsed = DateTime::parse_from_rfc3339(t).map_err(|_| format!(
                "depart: `{shown}` is not an RFC 3339 time with a UTC offset (in a URL, write `+` as %2B)"
            ))?;
            // An arrival years ahead would be written with a fifth digit,
            // which RFC 3339 has not (review: 9999-12-31 gave `+10000-…`).
            let years = corridor_wire::DEPART_YEARS;
            if !years.contains(&parsed.year()) {
                return Err(format!(
                    "depart: `{shown}` is not from the year {} to {}",
                    years.start(),
                    years.end()
                ));
            }
            Ok(parsed)
        }
    }
}

/// Routes through `points` in order, each leg departing when the previous
/// arrives, under the hazards in force.
pub fn legs(
    st: &AppState,
    points: &[LatLon],
    profile: Profile,
    depart_ms: i64,
) -> Result<Result<Vec<Route>, RouteError>, ApiError> {
    let router = st
        .router
        .as_ref()
        .ok_or_else(|| ApiError::NotFound("this scenario has no road graph".into()))?;
    let live = st.live()?;
    let layer = st
        .layer(&live)
        .ok_or_else(|| ApiError::NotFound("this scenario has no road graph".into()))?;
    let max_snap_m = live.ledger.scenario().max_snap_m.max(1000.0);
    let mut out: Vec<Route> = Vec::new();
    for w in points.windows(2) {
        let at = depart_ms + out.iter().map(|r| r.duration_ms as i64).sum::<i64>();
        let opts = RouteOptions {
            profile,
            depart_ms: at,
            max_snap_m,
            ..Default::default()
        };
        match router.route(&layer, w[0], w[1], &opts) {
            Ok(r) => out.push(r),
            Err(e) => return Ok(Err(e)),
        }
    }
    Ok(Ok(out))
}

/// `GET /api/route?from=LAT,LON&to=LAT,LON[&profile=car|foot][&depart=TIME]`.
async fn route(
    State(st): State<Shared>,
    q: Result<Query<RouteQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    blocking(st, move |st| {
        let bad = ApiError::BadRequest;
        let from = LatLon::parse(&q.from).map_err(|e| bad(format!("from: {e}")))?;
        let to = LatLon::parse(&q.to).map_err(|e| bad(format!("to: {e}")))?;
        let profile: Profile = q
            .profile
            .as_deref()
            .unwrap_or("car")
            .parse()
            .map_err(|e| bad(format!("profile: {e}")))?;
        let t = depart(st, q.depart.as_deref()).map_err(bad)?;
        match legs(st, &[from, to], profile, t.timestamp_millis())? {
            Ok(r) => {
                let live = st.live()?;
                let (Some(router), Some(layer)) = (st.router.as_ref(), st.layer(&live)) else {
                    return Err(ApiError::NotFound("this scenario has no road graph".into()));
                };
                let view = corridor_wire::RouteView::new(router, &layer, &r[0], *t.offset());
                Ok(Json(view.to_json()).into_response())
            }
            Err(e) => Err(ApiError::Conflict(format!("no route: {e}"))),
        }
    })
    .await
}

/// `GET /route/v1/{profile}/{lon,lat;lon,lat…}`: OSRM's route service.
async fn osrm_route(
    State(st): State<Shared>,
    UrlPath((profile, coordinates)): UrlPath<(String, String)>,
    q: Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let answer = move |st: &AppState| -> Result<Response, ApiError> {
        let fail = |e: osrm::Error| (StatusCode::BAD_REQUEST, Json(e.to_json())).into_response();
        let query = match q {
            Ok(Query(q)) => q,
            Err(e) => {
                return Ok(fail(osrm::Error {
                    code: "InvalidQuery",
                    message: e.body_text(),
                }))
            }
        };
        let req = match osrm::parse(&profile, &coordinates, &query) {
            Ok(r) => r,
            Err(e) => return Ok(fail(e)),
        };
        let t = match depart(st, req.depart.as_deref()) {
            Ok(t) => t,
            Err(m) => {
                return Ok(fail(osrm::Error {
                    code: "InvalidOptions",
                    message: m,
                }))
            }
        };
        let Some(router) = st.router.as_ref() else {
            return Ok(fail(osrm::Error {
                code: "NoSegment",
                message: "this scenario has no road graph".into(),
            }));
        };
        match legs(st, &req.points, req.profile, t.timestamp_millis())? {
            Ok(routes) => Ok(Json(osrm::response(router, &req, &routes)).into_response()),
            Err(e) => Ok(fail(osrm::Error::from_route(&e))),
        }
    };
    match blocking(st, answer).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}
