//! `POST /api/plan`: the evacuation planner on the corridors agreed or open
//! in the log, with the fleet and the demand given in the request (the
//! planning file's content as JSON, `scenario` left out): the schedule,
//! people out, and the bottleneck in words. Every plan answered has passed
//! the independent checker. For parties (a token or a session); nothing is
//! recorded.

use super::{blocking, Shared};
use crate::error::ApiError;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use corridor_evacuation::{ccrp, check, plan_file, summarize};
use corridor_negotiation::lifecycle::State as Life;
use serde_json::Value;

/// Most vehicles one request may plan for (the planner's work grows with
/// trips × vehicles × corridors).
pub const MAX_VEHICLES: usize = 2_000;

/// Most work one request may ask of the planner, in steps of its inner
/// loop for the plan and both what-ifs
/// ([`corridor_evacuation::plan_and_summary_work`]): under a second on
/// one core of a small machine.
pub const MAX_PLAN_WORK: u128 = 100_000_000;

/// The routes of this module.
pub fn router() -> Router<Shared> {
    Router::new().route("/api/plan", post(plan))
}

async fn plan(
    State(st): State<Shared>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    blocking(st, move |st| {
        // The parties' and the authorities' tool: the demand it is given
        // is theirs to share.
        crate::auth::authenticate(st, &headers)?;
        let mut req: Value = serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("bad request body: {e}")))?;
        let Some(obj) = req.as_object_mut() else {
            return Err(ApiError::BadRequest("the body is the planning file's content as a JSON object".into()));
        };
        obj.entry("scenario").or_insert_with(|| Value::String("(this server's)".into()));
        let text = toml::to_string(&req)
            .map_err(|e| ApiError::BadRequest(format!("bad request body: {e} (no nulls; arrays of objects for corridor, demand, vehicles)")))?;
        let live = st.live()?;
        let ledger = &live.ledger;
        let now = (st.clock)().timestamp();
        let resolve = |id: &str| -> Result<plan_file::Resolved, String> {
            let c = ledger.corridor(id).ok_or(format!("no corridor `{id}` is on the table"))?;
            if !matches!(c.state(), Life::Agreed | Life::Countersigned | Life::Open) {
                return Err(format!("corridor `{id}` is {}: plans use agreed or open corridors", c.state().name()));
            }
            let content = c.content();
            let (start, end) = content.window().ok_or(format!("corridor `{id}` has no readable window"))?;
            // Nobody leaves in the past, nor before the window opens: the
            // plan starts at the later of the two, rounded up to the
            // minute; it ends at the window's close, rounded down.
            let from = start.timestamp().max(now);
            Ok((
                content.origin.id.clone(),
                content.destination.id.clone(),
                from.div_euclid(60) + i64::from(from.rem_euclid(60) != 0),
                end.timestamp().div_euclid(60),
                i64::try_from(content.route.duration_s).unwrap_or(i64::MAX).saturating_add(59) / 60,
            ))
        };
        let is_place = |id: &str| ledger.scenario().place(id).is_some();
        // The parser names lines of the TOML it reads; the client sent
        // JSON: each reason is given with the field of its line instead
        // (the key the TOML written from the JSON has there).
        let (_, problem) = plan_file::parse(&text, "request", &resolve, &is_place).map_err(|e| {
            let reasons: Vec<String> = e.iter().map(|m| field_reason(&text, m)).collect();
            ApiError::BadRequest(reasons.join("; "))
        })?;
        if problem.vehicles.len() > MAX_VEHICLES {
            return Err(ApiError::BadRequest(format!("vehicles: at most {MAX_VEHICLES} per request")));
        }
        // The planner's work grows with trips × vehicles × corridors²,
        // and a 2 KB request can ask for minutes of it: bounded.
        let work = corridor_evacuation::plan_and_summary_work(&problem);
        if work > MAX_PLAN_WORK {
            return Err(ApiError::BadRequest(format!(
                "this plan is too large to compute on the server (about {work:.1e} steps, at most {MAX_PLAN_WORK:.0e}): fewer corridors, vehicles or departures (a shorter window, a convoy limit), or `corridor plan` on your own machine",
                work = work as f64,
                MAX_PLAN_WORK = MAX_PLAN_WORK as f64
            )));
        }
        let started = std::time::Instant::now();
        let schedule = ccrp::plan(&problem);
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let errs = check::check(&problem, &schedule);
        if !errs.is_empty() {
            return Err(ApiError::internal(format!("the plan fails its own checker: {}", errs.join("; "))));
        }
        let sum = summarize(&problem, &schedule);
        let mut v = corridor_evacuation::plan_json(&problem, &schedule, &sum, ledger.scenario().tz, ms);
        v["checked"] = Value::Bool(true);
        Ok(Json(v))
    })
    .await
}

/// `request:LINE: reason` as `` `field`: reason ``, the field being the key
/// on that line of `toml` (or its table's name); the reason alone if the
/// line has none.
fn field_reason(toml: &str, m: &str) -> String {
    let mut parts = m.splitn(3, ':');
    let (_, line, reason) = (parts.next(), parts.next(), parts.next());
    let Some(reason) = reason.map(str::trim) else {
        return m.to_string();
    };
    let key = line
        .and_then(|n| n.trim().parse::<usize>().ok())
        .and_then(|n| toml.lines().nth(n.saturating_sub(1)))
        .map(str::trim)
        .and_then(|l| match l.split_once('=') {
            Some((k, _)) => Some(k.trim().trim_matches('"').to_string()),
            None => l
                .strip_prefix("[[")
                .and_then(|x| x.strip_suffix("]]"))
                .map(|t| t.trim().to_string()),
        });
    match key {
        Some(k) if !reason.contains(&format!("`{k}`")) => format!("`{k}`: {reason}"),
        _ => reason.to_string(),
    }
}
