//! The negotiating table, live: `POST /api/proposals` (a party proposes a
//! new corridor, or counters one, between places of the scenario, towns of
//! its gazetteer or points on the map; every party's verdict comes back at
//! once, and the proposal reaches every client by server-sent events) and
//! `GET /api/search` (the corridors every belligerent accepts from an
//! origin, alternatives, and for each destination without one the rule
//! that binds).

use super::{blocking, json_body, Shared};
use crate::auth;
use crate::error::ApiError;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, FixedOffset};
use corridor_geo::LatLon;
use corridor_graph::Profile;
use corridor_ledger::state::{local_time, plain_id};
use corridor_negotiation::plan::{self, PlannedRoute, ProposalContent};
use corridor_negotiation::scenario::{Place, ProposalSpec, Waypoint, Window};
use corridor_negotiation::search::{self, SearchOptions, MAX_ALTERNATIVES};
use corridor_negotiation::{Role, Scenario};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Most via points or checkpoints of one proposal.
pub const MAX_VIA: usize = 10;
/// Longest window of a proposal.
pub const MAX_WINDOW_HOURS: i64 = 72;

/// The routes of this module.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/api/proposals", post(propose))
        .route("/api/search", get(search_route))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProposalRequest {
    /// The corridor's id (default: made from the places).
    id: Option<String>,
    /// A place id of the scenario, a town of its gazetteer, or `LAT,LON`.
    origin: String,
    /// Likewise.
    destination: String,
    /// Points the route must pass, in order (places, towns or `LAT,LON`).
    #[serde(default)]
    via: Vec<String>,
    /// Checkpoints the route must pass (after the via points).
    #[serde(default)]
    checkpoints: Vec<String>,
    /// RFC 3339 with offset.
    window_start: String,
    /// RFC 3339 with offset.
    window_end: String,
    /// `car` (default) or `foot`.
    profile: Option<String>,
    /// The corridor this one counters.
    answers: Option<String>,
    /// Route and evaluate, but record nothing (the page's preview).
    #[serde(default)]
    dry_run: bool,
}

fn bad(field: &str, why: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(format!("{field}: {why}"))
}

/// A place of the request: the scenario's (by id), a town of the
/// gazetteer, or a point.
pub fn resolve(scn: &Scenario, field: &str, s: &str) -> Result<Place, ApiError> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 100 {
        return Err(bad(
            field,
            "give a place id, a town, or LAT,LON (at most 100 characters)",
        ));
    }
    if let Some(p) = scn.place(s) {
        return Ok(p.clone());
    }
    let point = |id: String, name: String, at: LatLon, names: Vec<String>| Place {
        id,
        name,
        at,
        people: 0,
        capacity: None,
        names,
        name_uk: None,
        name_ru: None,
        name_en: None,
        gathering: Default::default(),
    };
    if s.contains(',') && s.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
        let at = LatLon::parse(s).map_err(|e| bad(field, e))?;
        return Ok(point(
            format!("pt-{:.5}-{:.5}", at.lat, at.lon),
            format!("{:.4}, {:.4}", at.lat, at.lon),
            at,
            Vec::new(),
        ));
    }
    let t = scn.gazetteer.find(s).ok_or_else(|| {
        bad(
            field,
            format!(
                "`{}` is not a place of the scenario, a town of its gazetteer, nor LAT,LON",
                s.chars().take(40).collect::<String>()
            ),
        )
    })?;
    let slug: String = t
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    Ok(point(
        format!("town-{slug}"),
        t.name.clone(),
        t.at,
        t.alternates.clone(),
    ))
}

fn time(field: &str, s: &str) -> Result<DateTime<FixedOffset>, ApiError> {
    let t = DateTime::parse_from_rfc3339(s).map_err(|e| {
        bad(
            field,
            format!("not an RFC 3339 time with a UTC offset ({e}; e.g. 2026-12-01T09:00:00+02:00)"),
        )
    })?;
    // RFC 3339 allows offsets to ±23:59; no zone is beyond ±14:00, and CAP
    // (xs:dateTime) refuses them.
    if t.offset().local_minus_utc().abs() > 14 * 3600 {
        return Err(bad(field, "a UTC offset is at most 14 hours either way"));
    }
    Ok(t)
}

/// How far ahead a window may open: corridors are arranged days ahead, and
/// an alert's short texts give no year.
pub const MAX_LEAD_DAYS: i64 = 60;

/// Nearest a proposal's destination may be to its origin, in metres: a
/// corridor from a place to itself (or across the street) leads nobody
/// out, and would be announced as if it did.
pub const MIN_APART_M: f64 = 100.0;

/// What `POST /api/proposals` answers.
#[derive(Serialize)]
pub struct Proposed {
    /// Entry number (absent for a dry run).
    pub seq: Option<u64>,
    /// The corridor.
    pub corridor: String,
    /// Version hash.
    pub version: String,
    /// Its state (`proposed`; `preview` for a dry run).
    pub state: String,
    /// The corridor it counters.
    pub answers: Option<String>,
    /// The route.
    pub route: Value,
    /// Every party's verdict, with codes and reasons.
    pub evaluation: Value,
}

fn route_json(content: &ProposalContent, r: &PlannedRoute) -> Value {
    json!({
        "source": content.route.source, "distance_m": content.route.distance_m,
        "duration_s": content.route.duration_s, "via": r.via,
        "geometry": {"type": "LineString", "coordinates": r.geometry.iter().map(|p| [p.lon, p.lat]).collect::<Vec<_>>()},
        "origin": content.origin, "destination": content.destination,
    })
}

async fn propose(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Proposed>, ApiError> {
    blocking(st, move |st| {
        let party = auth::authenticate(st, &headers)?;
        let req: ProposalRequest = json_body(&body)?;
        let role = st.scenario().party(&party).map(|p| p.role);
        if !matches!(role, Some(Role::Belligerent | Role::Mediator)) {
            return Err(ApiError::Conflict(format!(
                "refused (lifecycle): `{party}` may not propose (only a belligerent or the mediator)"
            )));
        }
        let live = st.live()?;
        let scn = live.ledger.scenario();
        let o = resolve(scn, "origin", &req.origin)?;
        let d = resolve(scn, "destination", &req.destination)?;
        let apart = corridor_geo::haversine_m(o.at, d.at);
        if o.id == d.id || apart < MIN_APART_M {
            return Err(bad(
                "destination",
                format!("the destination is {apart:.0} m from the origin: a corridor leads people from one place to another"),
            ));
        }
        if req.via.len() + req.checkpoints.len() > MAX_VIA {
            return Err(bad("via", format!("at most {MAX_VIA} via points and checkpoints")));
        }
        let mut via = Vec::new();
        for (field, list) in [("via", &req.via), ("checkpoints", &req.checkpoints)] {
            for s in list.iter() {
                let p = resolve(scn, field, s)?;
                via.push(Waypoint { name: p.name, at: p.at, names: p.names });
            }
        }
        let (start, end) = (time("window_start", &req.window_start)?, time("window_end", &req.window_end)?);
        if end <= start {
            return Err(bad("window_end", "the window ends before it opens"));
        }
        if end - start > chrono::Duration::hours(MAX_WINDOW_HOURS) {
            return Err(bad("window_end", format!("a window is at most {MAX_WINDOW_HOURS} hours")));
        }
        let now = (st.clock)();
        if end <= now {
            return Err(bad(
                "window_end",
                format!("the window closed at {}: propose a window still to come", local_time(scn, end)),
            ));
        }
        if start > now + chrono::Duration::days(MAX_LEAD_DAYS) {
            return Err(bad(
                "window_start",
                format!("{} is more than {MAX_LEAD_DAYS} days ahead: propose it nearer the time", local_time(scn, start)),
            ));
        }
        let profile: Profile = req.profile.as_deref().unwrap_or("car").parse().map_err(|e| bad("profile", e))?;
        let id = match &req.id {
            Some(id) if !plain_id(id) => {
                return Err(bad("id", "1 to 64 of A-Z, a-z, 0-9, '.', '_', ':', '-'"))
            }
            Some(id) => id.clone(),
            None => {
                let base: String = format!("{}-{}", o.id, d.id).chars().take(48).collect();
                let mut n = 1;
                while live.ledger.corridor(&format!("{base}-{n}")).is_some() || scn.proposal(&format!("{base}-{n}")).is_some() {
                    n += 1;
                }
                format!("{base}-{n}")
            }
        };
        if let Some(a) = &req.answers {
            if live.ledger.corridor(a).is_none() {
                return Err(bad("answers", format!("no corridor `{}` is on the table", a.chars().take(64).collect::<String>())));
            }
        }
        let spec = ProposalSpec {
            id: id.clone(),
            origin: o.id.clone(),
            destination: d.id.clone(),
            window: Window { start, end },
            profile,
            via,
            route: Vec::new(),
        };
        let layer = st.layer(&live);
        let r = plan::plan_between(scn, &spec, &o, &d, st.router.as_ref().zip(layer.as_deref()))
            .map_err(|e| ApiError::Conflict(format!("no route: {e}")))?;
        // Two places apart may still meet the roads at one point (the end
        // of a dead end between them): the road points must be apart too.
        if let (Some(&a), Some(&b)) = (r.geometry.first(), r.geometry.last()) {
            let apart = corridor_geo::haversine_m(a, b);
            if apart < MIN_APART_M {
                return Err(bad(
                    "destination",
                    format!("the roads reach the destination {apart:.0} m from where they leave the origin: a corridor leads people from one place to another"),
                ));
            }
        }
        let content = plan::canonical_between(scn, &spec, &o, &d, &r);
        let version = content.version();
        let evaluation = with_places(scn, &o, &d, |s| corridor_negotiation::evaluate(s, &spec, &r, &version).to_json(s));
        let route = route_json(&content, &r);
        if req.dry_run {
            return Ok(Json(Proposed { seq: None, corridor: id, version, state: "preview".into(), answers: req.answers, route, evaluation }));
        }
        let answers = req.answers.clone();
        let (rec, live) = st.append(&party, move |_| Ok(corridor_ledger::propose(content, answers)))?;
        let state = live.ledger.corridor(&id).map_or("proposed", |c| c.state().name()).to_string();
        Ok(Json(Proposed { seq: Some(rec.entry.seq), corridor: id, version, state, answers: req.answers, route, evaluation }))
    })
    .await
}

/// Runs `f` on the scenario with `places` in it (a clone only when one of
/// them is not the scenario's).
fn with_places<T>(scn: &Scenario, o: &Place, d: &Place, f: impl FnOnce(&Scenario) -> T) -> T {
    if scn.place(&o.id).is_some() && scn.place(&d.id).is_some() {
        return f(scn);
    }
    let mut s = scn.clone();
    for (p, list) in [(o, 0), (d, 1)] {
        if s.place(&p.id).is_none() {
            if list == 0 {
                s.origins.push(p.clone())
            } else {
                s.destinations.push(p.clone())
            }
        }
    }
    f(&s)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    origin: String,
    destination: Option<String>,
    window_start: Option<String>,
    window_end: Option<String>,
    profile: Option<String>,
    alternatives: Option<usize>,
    max_shared: Option<f64>,
}

/// `GET /api/search?origin=…`: what `corridor search` answers.
async fn search_route(
    State(st): State<Shared>,
    q: Result<Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = q?;
    blocking(st, move |st| {
        let live = st.live()?;
        let scn = live.ledger.scenario();
        let o = resolve(scn, "origin", &q.origin)?;
        let window = match (&q.window_start, &q.window_end) {
            (Some(s), Some(e)) => Window { start: time("window_start", s)?, end: time("window_end", e)? },
            (None, None) => scn
                .proposals
                .iter()
                .find(|p| p.origin == o.id)
                .map(|p| p.window)
                .ok_or_else(|| bad("window_start", "no proposal from this origin gives a window: give window_start and window_end"))?,
            _ => return Err(bad("window_end", "give both window_start and window_end, or neither")),
        };
        if window.end <= window.start {
            return Err(bad("window_end", "the window ends before it opens"));
        }
        let alternatives = q.alternatives.unwrap_or(2);
        if alternatives > MAX_ALTERNATIVES {
            return Err(bad("alternatives", format!("at most {MAX_ALTERNATIVES}")));
        }
        let max_shared = q.max_shared.unwrap_or(0.5);
        if !(0.0..=1.0).contains(&max_shared) {
            return Err(bad("max_shared", "a share within 0..1"));
        }
        let profile: Profile = q.profile.as_deref().unwrap_or("car").parse().map_err(|e| bad("profile", e))?;
        // One destination asked for is the only one searched (a town or a
        // point as well as a place of the scenario).
        let d = match &q.destination {
            Some(d) => Some(resolve(scn, "destination", d)?),
            None => None,
        };
        if let Some(d) = &d {
            // A place of the scenario that is no destination (an origin)
            // would be searched for nothing and answer an empty list.
            if scn.place(&d.id).is_some() && !scn.destinations.iter().any(|x| x.id == d.id) {
                return Err(bad("destination", format!("`{}` is an origin of the scenario, not a destination: give its LAT,LON to search towards it", d.id)));
            }
        }
        let opts = SearchOptions { profile, window, alternatives, max_shared, destination: d.as_ref().map(|d| d.id.clone()) };
        let results = with_places(scn, &o, d.as_ref().unwrap_or(&o), |s| search::search(s, &o.id, &opts, st.router.as_ref()))
            .map_err(|e| ApiError::BadRequest(format!("search: {e}")))?;
        Ok(Json(search::results_json(scn, &o.id, &window, &results)))
    })
    .await
}
