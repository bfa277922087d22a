//! Hazards: `POST /api/hazards` (report), `POST /api/hazards/{id}/lift`,
//! and `POST /api/incidents` (report, then suspend every open corridor it
//! touches and propose each again around it).

use super::act::act_on;
use super::{blocking, json_body, Shared};
use crate::auth;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use corridor_ledger::entry::{HazardEntry, Lift};
use corridor_ledger::state::Owner;
use corridor_ledger::{Body, HazardReport, Verb};
use corridor_negotiation::lifecycle::State as Life;
use serde::{Deserialize, Serialize};

/// The routes of this module.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/api/hazards", post(add_hazard))
        .route("/api/hazards/{id}/lift", post(lift_hazard))
        .route("/api/incidents", post(incident))
}

/// Longest description of a report (the log's `source` adds the party).
pub const MAX_DESCRIPTION: usize = 400;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HazardRequest {
    id: Option<String>,
    kind: String,
    /// LAT,LON.
    at: String,
    radius_m: f64,
    valid_from: Option<String>,
    valid_until: Option<String>,
    description: Option<String>,
}

/// How far beyond its radius a reported hazard may lie from the map's
/// bounding box, in metres.
pub const MAX_OFF_MAP_M: f64 = 50_000.0;

/// The least radius of a reported hazard, in metres.
pub const MIN_RADIUS_M: f64 = 1.0;

/// The most area one party's reported hazards may cover in all, in m²:
/// four of the largest (4 π (50 km)², about 31,400 km²), or 200 of about
/// 7 km. Circles that overlap count as many times.
pub const MAX_PARTY_AREA_M2: f64 = 4.0
    * std::f64::consts::PI
    * corridor_ledger::state::MAX_RADIUS_M
    * corridor_ledger::state::MAX_RADIUS_M;

/// A reported hazard's entry; every rule (id, kind, radius, times, owner)
/// is the ledger's.
fn report(st: &AppState, party: &str, req: HazardRequest) -> Result<(String, u64), ApiError> {
    let bad = |field: &str, why: String| ApiError::BadRequest(format!("{field}: {why}"));
    let at = corridor_geo::LatLon::parse(&req.at).map_err(|e| bad("at", e.to_string()))?;
    // A hazard far from the map (latitude and longitude swapped, most
    // likely) would go into the public record touching no road.
    if let Some((lo, hi)) = st.router.as_ref().and_then(|r| r.graph().bbox()) {
        let inside =
            corridor_geo::LatLon::new(at.lat.clamp(lo.lat, hi.lat), at.lon.clamp(lo.lon, hi.lon));
        let d = corridor_geo::haversine_m(at, inside);
        if d > req.radius_m.max(0.0) + MAX_OFF_MAP_M {
            return Err(bad(
                "at",
                format!(
                    "{},{} is {:.0} km from the map ({:.4},{:.4} to {:.4},{:.4}): is it latitude,longitude?",
                    at.lat, at.lon, d / 1000.0, lo.lat, lo.lon, hi.lat, hi.lon
                ),
            ));
        }
    }
    // The request's own mistakes are 400s naming the field; the ledger
    // then holds the entry to the rules (owners, ids never reused: 409/403).
    if let Some(id) = &req.id {
        if !corridor_ledger::state::plain_id(id) {
            return Err(bad(
                "id",
                "1 to 64 of A-Z, a-z, 0-9, '.', '_', ':', '-'".into(),
            ));
        }
    }
    if corridor_hazards::HazardKind::parse(&req.kind).is_none() {
        return Err(bad("kind", format!("`{}` is not a hazard kind (shelling, mines, bridge_destroyed, checkpoint_closed, front_line, other…)", req.kind.chars().take(32).collect::<String>())));
    }
    let max = corridor_ledger::state::MAX_RADIUS_M;
    // A radius under a metre (1e-300 was taken) closes only the roads
    // through one exact point: a report that says a hazard and does
    // nothing.
    if !(req.radius_m.is_finite() && req.radius_m >= MIN_RADIUS_M && req.radius_m <= max) {
        return Err(bad(
            "radius_m",
            format!("at least {MIN_RADIUS_M} and at most {max} m"),
        ));
    }
    for (field, t) in [
        ("valid_from", &req.valid_from),
        ("valid_until", &req.valid_until),
    ] {
        if let Some(t) = t {
            let Ok(t) = chrono::DateTime::parse_from_rfc3339(t) else {
                return Err(bad(field, "not an RFC 3339 time with a UTC offset".into()));
            };
            // A hazard already over changes no route from now on, yet
            // every route would pay for mapping it (a review reported
            // 30 hazards of 2001, accepted).
            if field == "valid_until"
                && t.timestamp_millis() <= chrono::Utc::now().timestamp_millis()
            {
                return Err(bad(
                    field,
                    format!(
                        "{} is already past: a hazard that has ended changes no route",
                        t.to_rfc3339()
                    ),
                ));
            }
        }
    }
    if let Some(d) = &req.description {
        if d.chars().count() > MAX_DESCRIPTION || !corridor_ledger::state::plain_text(d) {
            return Err(bad("description", format!("at most {MAX_DESCRIPTION} characters, without control or direction-override characters (line breaks allowed)")));
        }
    }
    let (rec, _) = st.append(party, |ledger| {
        // Each report is mapped onto the roads on every route, search and
        // view after the next write: a party's 200 circles of 50 km over
        // one city made a corridor search take 30 s (review). Its reports
        // together may cover at most the area of a few of the largest.
        let held: f64 = ledger
            .hazards()
            .filter(|(_, o)| matches!(o, Owner::Party(p, _) if p == party))
            .map(|(h, _)| std::f64::consts::PI * h.buffer_m * h.buffer_m)
            .sum();
        let new = std::f64::consts::PI * req.radius_m * req.radius_m;
        if held + new > MAX_PARTY_AREA_M2 {
            return Err(ApiError::Conflict(format!(
                "`{party}`'s hazards in force cover {:.0} km² and this one {:.0} km²: at most {:.0} km² in all; lift some first",
                held / 1e6,
                new / 1e6,
                MAX_PARTY_AREA_M2 / 1e6
            )));
        }
        // A report without an id is named KIND-PARTY-N, N the log's length
        // or the next number free (no other party may take such an id:
        // `default_id_owner`).
        let id = req.id.clone().unwrap_or_else(|| {
            (ledger.len()..)
                .map(|n| format!("{}-{}-{}", req.kind, party, n))
                .find(|id| !ledger.id_used(id))
                .unwrap_or_default()
        });
        Ok(Body::Hazard(HazardEntry {
            hazard: HazardReport {
                id,
                kind: req.kind.clone(),
                at: [at.lat, at.lon],
                radius_m: req.radius_m,
                valid_from: req.valid_from.clone(),
                valid_until: req.valid_until.clone(),
                source: format!("{party}: {}", req.description.clone().unwrap_or_default()),
            },
        }))
    })?;
    let id = match corridor_ledger::Body::decode(&rec.entry.kind, &rec.entry.body) {
        Ok((Body::Hazard(h), _)) => h.hazard.id,
        _ => return Err(ApiError::internal("a hazard entry without its hazard")),
    };
    Ok((id, rec.entry.seq))
}

#[derive(Serialize)]
struct Reported {
    seq: u64,
    hazard: String,
}

async fn add_hazard(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Reported>, ApiError> {
    blocking(st, move |st| {
        let party = auth::authenticate(st, &headers)?;
        let (hazard, seq) = report(st, &party, json_body(&body)?)?;
        Ok(Json(Reported { seq, hazard }))
    })
    .await
}

#[derive(Serialize)]
struct Lifted {
    seq: u64,
    lifted: String,
}

async fn lift_hazard(
    State(st): State<Shared>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Lifted>, ApiError> {
    blocking(st, move |st| {
        let party = auth::authenticate(st, &headers)?;
        let (rec, _) = st.append(&party, |ledger| {
            if ledger.owner(&id).is_none() {
                return Err(ApiError::NotFound(format!("no hazard `{id}` in force")));
            }
            Ok(Body::Lift(Lift {
                hazard: id.clone(),
                reason: None,
            }))
        })?;
        Ok(Json(Lifted {
            seq: rec.entry.seq,
            lifted: id,
        }))
    })
    .await
}

#[derive(Serialize)]
struct IncidentOutcome {
    hazard: String,
    suspended: Vec<String>,
    proposed_again: Vec<String>,
    not_affected: Vec<String>,
    /// Corridors the hazard touches that this party may not suspend, with why.
    not_suspended: Vec<(String, String)>,
    /// Suspended corridors not proposed again, with why (no route around
    /// the hazard, or not this party's to propose).
    not_proposed_again: Vec<(String, String)>,
}

/// An incident: the hazard goes into the log; every open corridor whose
/// route it touches is suspended (the lifecycle decides, never routing);
/// each is then proposed again around it when a route exists and this
/// party may propose; the alerts follow from the log.
async fn incident(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<IncidentOutcome>, ApiError> {
    blocking(st, move |st| {
        let party = auth::authenticate(st, &headers)?;
        let (hazard_id, _) = report(st, &party, json_body(&body)?)?;
        let live = st.live()?;
        let hazard = live
            .ledger
            .scenario()
            .hazards
            .hazards
            .iter()
            .find(|h| h.id == hazard_id)
            .cloned()
            .ok_or_else(|| ApiError::internal("the hazard just reported is not in force"))?;
        let mut out = IncidentOutcome {
            hazard: hazard_id,
            suspended: vec![],
            proposed_again: vec![],
            not_affected: vec![],
            not_suspended: vec![],
            not_proposed_again: vec![],
        };
        for (id, c) in live.ledger.corridors() {
            if c.state() != Life::Open {
                continue;
            }
            // Only while the corridor is in force: a hazard that starts
            // after its window closes, or ended before it opens, touches no
            // convoy of it (the time rule of the router).
            let in_window = c.content().window().is_none_or(|(a, b)| {
                hazard
                    .validity
                    .overlaps(a.timestamp_millis(), b.timestamp_millis())
            });
            let line = c.content().line();
            let hit = in_window
                && line.windows(2).any(|w| {
                    hazard.parts.iter().any(|p| {
                        corridor_hazards::segment_meets_part(w[0], w[1], p, hazard.buffer_m)
                    })
                });
            if !hit {
                out.not_affected.push(id.clone());
                continue;
            }
            let reason = format!("incident: {} ({})", hazard.id, hazard.kind.name());
            match act_on(st, &party, id, Verb::Suspend, Some(reason), None) {
                Ok(_) => out.suspended.push(id.clone()),
                Err(e) => {
                    out.not_suspended
                        .push((id.clone(), e.message().to_string()));
                    continue;
                }
            }
            // A new version around the hazard, if one exists and this
            // party may propose; failing that, the corridor stays suspended.
            match act_on(st, &party, id, Verb::Propose, None, None) {
                Ok(_) => out.proposed_again.push(id.clone()),
                Err(e) => out
                    .not_proposed_again
                    .push((id.clone(), e.message().to_string())),
            }
        }
        Ok(Json(out))
    })
    .await
}
