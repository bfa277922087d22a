//! Convoys: movement notifications, acknowledgements, departure, the
//! tracker's positions, the record when over, and the parties' view and
//! event stream. Nothing here is public: every route needs a party (not
//! an observer) or, for positions, the convoy's own tracker token.

use super::{blocking, json_body, Shared};
use crate::auth;
use crate::convoys::{self, now_ms, now_text, plan_of, random_hex, Record};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use corridor_ledger::convoy::{Details, Movement, Notify, Vehicles, OUTCOMES};
use corridor_ledger::Body;
use corridor_negotiation::lifecycle::State as Life;
use corridor_negotiation::Role;
use serde::Deserialize;
use serde_json::{json, Value};

/// Largest body of a batch of positions, bytes.
pub const MAX_POSITIONS_BODY: usize = 64 * 1024;
/// Longest markings text, characters.
pub const MAX_MARKINGS: usize = 200;
/// Most vehicles in one movement.
pub const MAX_VEHICLES: u32 = 1_000;

/// The routes of this module.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/api/convoys", post(notify).get(list))
        .route("/api/convoys/stream", get(stream))
        .route(
            "/assets/convoys.js",
            get(|| async {
                (
                    [
                        (axum::http::header::CONTENT_TYPE, "text/javascript"),
                        (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
                    ],
                    include_str!("../../assets/convoys.js"),
                )
            }),
        )
        .route("/api/convoys/{id}", get(one))
        .route("/api/convoys/{id}/ack", post(ack))
        .route("/api/convoys/{id}/depart", post(depart))
        .route("/api/convoys/{id}/end", post(end))
        .route(
            "/api/convoys/{id}/positions",
            post(positions).layer(DefaultBodyLimit::max(MAX_POSITIONS_BODY)),
        )
}

/// The party asking, which must not be an observer: live convoy data is
/// for the parties that answer for the convoy's safety. A session cookie
/// counts for reads without its CSRF token (an event stream cannot send
/// headers; a read changes nothing and the cookie is SameSite=Strict).
fn party(st: &AppState, headers: &HeaderMap, read: bool) -> Result<(String, Role), ApiError> {
    let id = match auth::authenticate(st, headers) {
        Ok(p) => p,
        Err(e) if read && auth::bearer(headers).is_none() => {
            st.sessions.party_by_cookie(headers).ok_or(e)?
        }
        Err(e) => return Err(e),
    };
    let role = st
        .scenario()
        .party(&id)
        .map(|p| p.role)
        .ok_or(ApiError::Unauthorized)?;
    if role == Role::Observer {
        return Err(ApiError::Forbidden(
            "convoys are shown to the parties, not to observers".into(),
        ));
    }
    Ok((id, role))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NotifyRequest {
    corridor: String,
    vehicles: Vehicles,
    people: u32,
    departure: String,
}

async fn notify(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    blocking(st, move |st| {
        let (who, _) = party(st, &headers, false)?;
        let req: NotifyRequest = json_body(&body)?;
        let bad = |f: &str, why: String| ApiError::BadRequest(format!("{f}: {why}"));
        let v = &req.vehicles;
        if v.count == 0 || v.count > MAX_VEHICLES {
            return Err(bad("vehicles.count", format!("1 to {MAX_VEHICLES}")));
        }
        if req.people > v.seats {
            return Err(bad("people", format!("{} people, {} seats", req.people, v.seats)));
        }
        if v.markings.trim().is_empty()
            || v.markings.chars().count() > MAX_MARKINGS
            || !corridor_ledger::state::plain_text(&v.markings)
        {
            return Err(bad("vehicles.markings", format!("1 to {MAX_MARKINGS} characters of plain text (how the vehicles can be recognised)")));
        }
        let dep = chrono::DateTime::parse_from_rfc3339(&req.departure)
            .map_err(|_| bad("departure", "not an RFC 3339 time with a UTC offset".into()))?;
        let live = st.live()?;
        let c = live
            .ledger
            .corridor(&req.corridor)
            .ok_or_else(|| ApiError::NotFound(format!("no corridor `{}` in the log", req.corridor)))?;
        if !matches!(c.state(), Life::Agreed | Life::Countersigned | Life::Open | Life::Suspended) {
            return Err(ApiError::Conflict(format!(
                "corridor `{}` is {}: movements are notified on agreed corridors",
                req.corridor,
                c.state().name()
            )));
        }
        let content = c.content();
        if let (Some((start, end)), Some(last)) = (content.window(), content.last_safe_departure()) {
            if dep < start || dep > last {
                return Err(ApiError::Conflict(format!(
                    "the departure {} is outside the window: from {} to the last safe departure, {} (the window closes {})",
                    req.departure, start.to_rfc3339(), last.to_rfc3339(), end.to_rfc3339()
                )));
            }
        }
        let now = now_ms(st);
        st.convoys.check_room(st, &live, &who, now)?;
        drop(live);
        let details = Details {
            corridor: req.corridor.clone(),
            vehicles: req.vehicles.clone(),
            people: req.people,
            departure: req.departure.clone(),
        };
        let salt = random_hex(16)?;
        let id = format!("cv-{}", random_hex(8)?);
        let commitment = details.commitment(&salt);
        let token = auth::new_token().map_err(ApiError::internal)?;
        let (rec, live) = st.append(&who, |_| {
            Ok(Body::Notify(Notify {
                convoy: id.clone(),
                commitment: commitment.clone(),
            }))
        })?;
        st.convoys.insert(
            st,
            Record {
                id: id.clone(),
                notifier: who.clone(),
                notified: rec.entry.time.clone(),
                details,
                salt,
                tracker_sha256: auth::hash_token(&token),
                departed: None,
                outcome: None,
                events: Vec::new(),
                details_of_events: Vec::new(),
                known_hazards: Vec::new(),
                agreed: None,
                raised: None,
            },
        )?;
        st.convoys.announce(json!({"type": "notified", "convoy": id, "by": who}));
        let awaiting: Vec<&str> = live.ledger.belligerents().collect();
        Ok(Json(json!({
            "id": id,
            "seq": rec.entry.seq,
            "commitment": commitment,
            "tracker_token": token,
            "awaiting": awaiting,
        })))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// At most this many (default 100, at most [`convoys::MAX_LIST`]).
    limit: Option<usize>,
    /// Skip this many of the order (paging).
    offset: Option<usize>,
    /// Only those not over.
    active: Option<bool>,
}

/// Whether the corridor of a convoy lets it depart now: open, and inside
/// its window up to the last safe departure.
fn may_depart_now(live: &crate::state::Live, corridor: &str, now_ms: i64) -> bool {
    live.ledger.corridor(corridor).is_some_and(|c| {
        let content = c.content();
        c.state() == Life::Open
            && match (content.window(), content.last_safe_departure()) {
                (Some((start, _)), Some(last)) => {
                    start.timestamp_millis() <= now_ms && now_ms <= last.timestamp_millis()
                }
                _ => true,
            }
    })
}

/// The convoys in the order a party needs them: not over first; among
/// those, the ones awaiting its acknowledgement, then its own, then the
/// most recently notified (so that another party's flood of notifications
/// cannot push a genuine one out of sight); `limit` from `offset`, with
/// the total.
async fn list(
    State(st): State<Shared>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if limit == 0 || limit > convoys::MAX_LIST {
        return Err(ApiError::BadRequest(format!(
            "limit: 1 to {}",
            convoys::MAX_LIST
        )));
    }
    let offset = q.offset.unwrap_or(0);
    blocking(st, move |st| {
        let (who, role) = party(st, &headers, true)?;
        let live = st.live()?;
        let now = now_ms(st);
        st.convoys.prune(now);
        let logged = live.ledger.convoys();
        let belligerent = live.ledger.belligerents().any(|b| b == who);
        let mut runs = Vec::new();
        for id in st.convoys.ids(st)? {
            let run = st.convoys.get(st, &id)?;
            let (over, notified, notifier) = {
                let r = run.lock().unwrap_or_else(|e| e.into_inner());
                (
                    r.rec.outcome.is_some(),
                    r.rec.notified.clone(),
                    r.rec.notifier.clone(),
                )
            };
            if q.active == Some(true) && over {
                continue;
            }
            let awaits_me =
                belligerent && logged.get(&id).is_some_and(|c| !c.acks.contains_key(&who));
            runs.push((
                over,
                !awaits_me,
                notifier != who,
                notifier,
                notified,
                id,
                run,
            ));
        }
        // Within each notifier, newest first; then the notifiers taken in
        // turn (the newest of each, then the second of each...), so that a
        // party with hundreds of notifications shows as many as the others
        // on each page.
        runs.sort_by(|a, b| {
            (a.0, a.1, a.2, &a.3, std::cmp::Reverse(&a.4)).cmp(&(
                b.0,
                b.1,
                b.2,
                &b.3,
                std::cmp::Reverse(&b.4),
            ))
        });
        let mut rank = Vec::with_capacity(runs.len());
        for (i, r) in runs.iter().enumerate() {
            let same = i > 0 && {
                let p = &runs[i - 1];
                (p.0, p.1, p.2, &p.3) == (r.0, r.1, r.2, &r.3)
            };
            rank.push(if same { rank[i - 1] + 1 } else { 0usize });
        }
        let mut runs: Vec<_> = runs
            .into_iter()
            .zip(rank)
            .map(
                |((over, not_awaiting, not_mine, _, notified, id, run), k)| {
                    (
                        (
                            over,
                            not_awaiting,
                            not_mine,
                            k,
                            std::cmp::Reverse(notified),
                            id,
                        ),
                        run,
                    )
                },
            )
            .collect();
        runs.sort_by(|a, b| a.0.cmp(&b.0));
        let total = runs.len();
        let mut out = Vec::new();
        for (_, run) in runs.into_iter().skip(offset).take(limit) {
            let r = run.lock().unwrap_or_else(|e| e.into_inner());
            let departable = may_depart_now(&live, &r.rec.details.corridor, now);
            let mut v = convoys::view(st, &live, &r, now);
            drop(r);
            if let Some(o) = v.as_object_mut() {
                // The list is a summary: the track is in the convoy's own view.
                o.remove("track");
                // What the asking party may do now (the page shows only
                // those buttons; the server checks again on the write).
                let waiting = o["awaiting"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|p| p == who.as_str()));
                let none_waiting = o["awaiting"].as_array().is_some_and(|a| a.is_empty());
                let mine = o["notifier"] == who.as_str() || role == Role::Mediator;
                let fresh = o["departed"].is_null() && o["outcome"].is_null();
                o.insert(
                    "can".into(),
                    json!({"acknowledge": waiting,
                           "depart": mine && none_waiting && fresh && departable,
                           "end": mine && o["outcome"].is_null()}),
                );
            }
            out.push(v);
        }
        Ok(Json(json!({
            "convoys": out,
            "total": total,
            "offset": offset,
            "more": total > offset.saturating_add(limit),
            "you": who,
            "time_zone": live.ledger.scenario().tz.name(),
        })))
    })
    .await
}

async fn one(
    State(st): State<Shared>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    blocking(st, move |st| {
        party(st, &headers, true)?;
        let live = st.live()?;
        let run = st.convoys.get(st, &id)?;
        let now = now_ms(st);
        st.convoys.prune(now);
        let v = convoys::view(
            st,
            &live,
            &run.lock().unwrap_or_else(|e| e.into_inner()),
            now,
        );
        Ok(Json(v))
    })
    .await
}

async fn ack(
    State(st): State<Shared>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    blocking(st, move |st| {
        let (who, _) = party(st, &headers, false)?;
        st.convoys.get(st, &id)?;
        let (rec, live) = st.append(&who, |l| {
            let c = l
                .convoys()
                .get(&id)
                .ok_or_else(|| ApiError::NotFound(format!("no convoy `{id}`")))?;
            Ok(Body::Acknowledge(Notify {
                convoy: id.clone(),
                commitment: c.commitment.clone(),
            }))
        })?;
        let awaiting: Vec<&str> = live
            .ledger
            .belligerents()
            .filter(|b| !live.ledger.convoys()[&id].acks.contains_key(*b))
            .collect();
        st.convoys
            .announce(json!({"type": "acknowledged", "convoy": id, "by": who}));
        Ok(Json(
            json!({"seq": rec.entry.seq, "convoy": id, "awaiting": awaiting}),
        ))
    })
    .await
}

async fn depart(
    State(st): State<Shared>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    blocking(st, move |st| {
        let (who, role) = party(st, &headers, false)?;
        let run = st.convoys.get(st, &id)?;
        let live = st.live()?;
        let mut r = run.lock().unwrap_or_else(|e| e.into_inner());
        if r.rec.notifier != who && role != Role::Mediator {
            return Err(ApiError::Forbidden(
                "only the party that notified a movement, or the mediator, marks it departed"
                    .into(),
            ));
        }
        if r.rec.departed.is_some() || r.rec.outcome.is_some() {
            return Err(ApiError::Conflict(format!(
                "convoy `{id}` has departed already"
            )));
        }
        let logged = live.ledger.convoys().get(&id).ok_or(ApiError::Internal)?;
        let waiting: Vec<&str> = live
            .ledger
            .belligerents()
            .filter(|b| !logged.acks.contains_key(*b))
            .collect();
        if !waiting.is_empty() {
            return Err(ApiError::Conflict(format!(
                "convoy `{id}` cannot depart: not yet acknowledged by {}",
                waiting.join(", ")
            )));
        }
        let corridor = &r.rec.details.corridor;
        let state = live.ledger.corridor(corridor).map(|c| c.state());
        if state != Some(Life::Open) {
            return Err(ApiError::Conflict(format!(
                "corridor `{corridor}` is {}: a convoy departs only on an open corridor",
                state.map_or("unknown", |s| s.name())
            )));
        }
        let (line, planned, end) = plan_of(&live, corridor)
            .ok_or_else(|| ApiError::Conflict(format!("corridor `{corridor}` has no route")))?;
        // Only inside the window, up to its last safe departure: a convoy
        // that leaves earlier drives under no ceasefire (review of issue 15).
        let now_t = (st.clock)();
        if let Some(c) = live.ledger.corridor(corridor) {
            let content = c.content();
            if let (Some((start, _)), Some(last)) = (content.window(), content.last_safe_departure()) {
                if now_t < start {
                    return Err(ApiError::Conflict(format!(
                        "convoy `{id}` cannot depart before the window opens, {}",
                        corridor_ledger::state::local_time(live.ledger.scenario(), start)
                    )));
                }
                if now_t > last {
                    return Err(ApiError::Conflict(format!(
                        "convoy `{id}` cannot depart after the last safe departure, {}: it would not arrive before the window closes",
                        corridor_ledger::state::local_time(live.ledger.scenario(), last)
                    )));
                }
            }
        }
        let now = now_text(st);
        r.rec.known_hazards = convoys::known_hazards(&live, &line, now_t.timestamp_millis());
        r.rec.agreed = Some(convoys::Agreed {
            line: line.points().iter().map(|p| [p.lat, p.lon]).collect(),
            planned_ms: planned,
            end_ms: end,
        });
        r.rec.departed = Some(now.clone());
        r.route = Some(line);
        r.plan = Some((planned, end));
        st.convoys.save(st, &r.rec)?;
        st.convoys
            .announce(json!({"type": "departed", "convoy": id, "time": now}));
        Ok(Json(json!({"convoy": id, "departed": now})))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EndRequest {
    outcome: String,
    people: u32,
}

async fn end(
    State(st): State<Shared>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    blocking(st, move |st| {
        let (who, _) = party(st, &headers, false)?;
        let req: EndRequest = json_body(&body)?;
        if !OUTCOMES.contains(&req.outcome.as_str()) {
            return Err(ApiError::BadRequest(format!(
                "outcome: one of {}",
                OUTCOMES.join(", ")
            )));
        }
        let run = st.convoys.get(st, &id)?;
        let movement = {
            let r = run.lock().unwrap_or_else(|e| e.into_inner());
            if req.outcome == "arrived" && r.rec.departed.is_none() {
                return Err(ApiError::Conflict(format!("convoy `{id}` never departed")));
            }
            Movement {
                convoy: id.clone(),
                outcome: req.outcome.clone(),
                details: r.rec.details.clone(),
                salt: r.rec.salt.clone(),
                departed: r.rec.departed.clone(),
                people: req.people,
                events: r.rec.events.clone(),
            }
        };
        // The ledger checks who may record it and everything revealed (and
        // refuses a second one). The convoy is not locked meanwhile: the
        // append checks every convoy on the road.
        let (rec, _) = st.append(&who, |_| Ok(Body::Movement(movement)))?;
        let mut r = run.lock().unwrap_or_else(|e| e.into_inner());
        r.rec.outcome = Some(req.outcome.clone());
        st.convoys.save(st, &r.rec)?;
        st.convoys
            .announce(json!({"type": "over", "convoy": id, "outcome": req.outcome}));
        Ok(Json(
            json!({"seq": rec.entry.seq, "convoy": id, "outcome": req.outcome}),
        ))
    })
    .await
}

/// The tracker's token must be this convoy's (compared in constant time
/// on the hashes); party tokens are not trackers.
/// Whether `path` (`/api/convoys/{id}/positions`) names a convoy whose
/// tracker token the request carries (for the rate limiter).
pub fn tracker_matches(st: &AppState, path: &str, headers: &HeaderMap) -> bool {
    let Some(id) = path
        .strip_prefix("/api/convoys/")
        .and_then(|p| p.strip_suffix("/positions"))
    else {
        return false;
    };
    match st.convoys.get(st, id) {
        Ok(run) => {
            let r = run.lock().unwrap_or_else(|e| e.into_inner());
            tracker_ok(headers, &r.rec.tracker_sha256)
        }
        Err(_) => false,
    }
}

fn tracker_ok(headers: &HeaderMap, stored: &str) -> bool {
    let Some(t) = auth::bearer(headers) else {
        return false;
    };
    let h = auth::hash_token(t);
    h.len() == stored.len()
        && h.bytes()
            .zip(stored.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

async fn positions(
    State(st): State<Shared>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    blocking(st, move |st| {
        st.convoys.prune_now_and_then(now_ms(st));
        let run = st.convoys.get(st, &id).map_err(|_| ApiError::Unauthorized)?;
        let mut r = run.lock().unwrap_or_else(|e| e.into_inner());
        if !tracker_ok(&headers, &r.rec.tracker_sha256) {
            return Err(ApiError::Unauthorized);
        }
        if r.rec.departed.is_none() {
            return Err(ApiError::Conflict(format!(
                "convoy `{id}` has not departed: positions are taken from its departure on"
            )));
        }
        if r.rec.outcome.is_some() {
            return Err(ApiError::Conflict(format!("convoy `{id}` is over")));
        }
        let now = now_ms(st);
        let departed = r.rec.departed.as_deref().and_then(convoys::ms).unwrap_or(now);
        let trip = r.plan.map_or(0, |(planned, _)| planned);
        let (fixes, early) = convoys::read_batch(
            json_body(&body)?,
            now,
            st.convoys.retention_s,
            departed.saturating_sub(trip),
        )?;
        let live = st.live()?;
        let (taken, ignored, events) = convoys::take_batch(st, &live, &mut r, fixes, now)?;
        let ignored = ignored + early;
        let ev: Vec<Value> = events
            .iter()
            .map(|e| json!({"kind": e.kind.name(), "raised": e.raised, "time": convoys::rfc3339(e.t_ms), "detail": e.detail}))
            .collect();
        Ok(Json(json!({
            "taken": taken,
            "ignored": ignored,
            "events": ev,
            "along_m": r.track.along_m.round(),
            "eta": match (r.track.last, r.eta_ms) {
                (Some(f), Some(e)) => Some(convoys::rfc3339(f.t_ms + e)),
                _ => None,
            },
        })))
    })
    .await
}

/// One open stream of a party, counted until dropped.
struct Held(Shared, String);

impl Drop for Held {
    fn drop(&mut self) {
        let mut n = self
            .0
            .convoys
            .streams
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(c) = n.get_mut(&self.1) {
            *c = c.saturating_sub(1);
            if *c == 0 {
                n.remove(&self.1);
            }
        }
    }
}

/// The parties' live stream: every notification, acknowledgement,
/// departure, position and event of every convoy, as server-sent events
/// (`convoy`), and the public log's `entry` events as `/api/events` sends
/// them. Bounded: [`convoys::MAX_STREAMS_PER_PARTY`] open per party
/// and [`convoys::MAX_STREAMS`] in all. A reader too slow for the stream
/// gets `{"type":"resync","missed":N}` in place of what it missed, and
/// should read `GET /api/convoys` again.
async fn stream(State(st): State<Shared>, headers: HeaderMap) -> Result<Response, ApiError> {
    use tokio_stream::StreamExt;
    let st2 = st.clone();
    let (who, _) = blocking(st.clone(), move |st| party(st, &headers, true)).await?;
    {
        let mut n = st.convoys.streams.lock().unwrap_or_else(|e| e.into_inner());
        let total: usize = n.values().sum();
        let own = n.get(&who).copied().unwrap_or(0);
        if own >= convoys::MAX_STREAMS_PER_PARTY {
            return Err(ApiError::Unavailable(format!(
                "{} live convoy streams of {who} are open: close one (another tab?)",
                convoys::MAX_STREAMS_PER_PARTY
            )));
        }
        if total >= convoys::MAX_STREAMS {
            return Err(ApiError::Unavailable(
                "too many live convoy streams: try again later".into(),
            ));
        }
        *n.entry(who.clone()).or_insert(0) += 1;
    }
    let held = Held(st2, who);
    let rx = st.convoys.events.subscribe();
    // The public log's `entry` events ride on the same stream, so that a
    // signed-in page needs one connection, not two (a browser allows six
    // per server: three tabs with two streams each froze every request).
    let public = tokio_stream::wrappers::BroadcastStream::new(st.events.subscribe())
        .filter_map(|m| m.ok())
        .map(|data| ("entry", data));
    let stream = tokio_stream::wrappers::BroadcastStream::new(rx)
        .map(|m| {
            let data = match m {
                Ok(data) => data,
                Err(tokio_stream::wrappers::errors::BroadcastStreamRecvError::Lagged(n)) => {
                    json!({"type": "resync", "missed": n}).to_string()
                }
            };
            ("convoy", data)
        })
        .merge(public)
        .map(move |(name, data)| {
            let _held = &held;
            Ok::<_, std::convert::Infallible>(
                axum::response::sse::Event::default().event(name).data(data),
            )
        });
    Ok(axum::response::sse::Sse::new(stream)
        .keep_alive(axum::response::sse::KeepAlive::default())
        .into_response())
}
