//! Convoys on the road: what the server keeps for the parties, and only
//! for them.
//!
//! * The **public log** holds a movement's commitment when it is notified
//!   and acknowledged, and its details, departure, people carried and
//!   coarse events once it is over (`corridor_ledger::convoy`).
//! * The **private record** (store table `convoys`, one JSON document per
//!   convoy: details, salt, tracker token hash, departure, events with
//!   positions rounded to 0.01°) is for the parties (not observers), through
//!   `GET /api/convoys…` and their event stream.
//! * **Positions** are kept in memory only, per convoy at most
//!   [`MAX_POSITIONS`], and each is deleted once older than the retention
//!   setting ([`Convoys::retention_s`]); they are never written to disk,
//!   the log, a feed or the public event stream.
//!
//! Each batch is checked on arrival (`corridor_negotiation::convoy`): off
//! route, stopped, in a hazard in force at the fix's time, and late (ETA
//! from the last fix routed on the road graph with the hazards in force,
//! or along the agreed line at its planned speed without a graph).

use crate::error::ApiError;
use crate::state::{AppState, Live};
use chrono::{DateTime, FixedOffset, TimeZone};
use corridor_geo::LatLon;
use corridor_ledger::convoy::{Details, RoadEvent, MAX_EVENTS};
use corridor_negotiation::convoy::{
    coarse, hazards_on_route, Event, Fix, OnRoute, RouteLine, Track,
};
use corridor_negotiation::lifecycle::State as Life;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// Positions kept per convoy (about seven hours at one every five seconds);
/// the oldest go first.
pub const MAX_POSITIONS: usize = 5_000;
/// Convoys not yet over, at most (all parties together).
pub const MAX_ACTIVE: usize = 2_000;
/// Convoys not yet over notified by one party, at most: one party cannot
/// fill the table for the others.
pub const MAX_ACTIVE_PER_PARTY: usize = 500;
/// Positions in one batch, at most.
pub const MAX_BATCH: usize = 500;
/// How far in the future a fix's time may be (clock skew), seconds.
pub const MAX_SKEW_S: i64 = 30;
/// Default retention of positions, seconds (24 hours).
pub const DEFAULT_RETENTION_S: i64 = 24 * 3600;
/// Open convoy event streams, at most (all parties together).
pub const MAX_STREAMS: usize = 200;
/// Open convoy event streams of one party, at most (its operators' pages).
pub const MAX_STREAMS_PER_PARTY: usize = 16;
/// How long a routed ETA is reused (scaled to the distance left) before
/// the road graph is asked again, ms of fix time; a change of the hazards
/// asks again at once.
pub const ETA_REUSE_MS: i64 = 15_000;
/// Convoys in one page of `GET /api/convoys`, at most.
pub const MAX_LIST: usize = 500;

/// The private record of a convoy, as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    /// Id.
    pub id: String,
    /// Who notified it.
    pub notifier: String,
    /// When, RFC 3339.
    pub notified: String,
    /// What was notified.
    pub details: Details,
    /// The commitment's salt (hex), revealed in the movement entry.
    pub salt: String,
    /// SHA-256 (hex) of the tracker token.
    pub tracker_sha256: String,
    /// When it departed.
    pub departed: Option<String>,
    /// Over: `arrived` or `called_off` (the movement entry is logged).
    pub outcome: Option<String>,
    /// Events, positions rounded to 0.01°: the first [`MAX_EVENTS`] / 2 and
    /// the latest as many.
    pub events: Vec<RoadEvent>,
    /// Extra words of each event, in order.
    #[serde(default)]
    pub details_of_events: Vec<String>,
    /// The hazards on the agreed route when it departed (the parties
    /// agreed to those; a hazard ahead that slows traffic is raised only
    /// if it is not one of them).
    #[serde(default)]
    pub known_hazards: Vec<String>,
    /// The agreed line, planned trip time and window end at departure (the
    /// corridor may be re-proposed on another route while the convoy is on
    /// the road; a restart must check it against the one it took).
    #[serde(default)]
    pub agreed: Option<Agreed>,
    /// The conditions raised, kept with each event so that a restart
    /// resumes them (no position: those are never written to disk).
    #[serde(default)]
    pub raised: Option<Raised>,
}

/// The agreed line as the convoy departed on it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Agreed {
    /// [lat, lon] vertices.
    pub line: Vec<[f64; 2]>,
    /// Planned trip time, ms.
    pub planned_ms: i64,
    /// The window's end, ms since the epoch.
    pub end_ms: i64,
}

/// What a restart resumes of a convoy's checks.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Raised {
    /// Kinds raised (names).
    pub kinds: Vec<String>,
    /// Hazards it is in.
    pub hazards_in: Vec<String>,
    /// Hazards raised as ahead.
    pub hazards_ahead: Vec<String>,
}

/// A convoy in memory: its record, the track state and the positions.
pub struct Run {
    /// The record.
    pub rec: Record,
    /// The checks' state.
    pub track: Track,
    /// Positions within the retention, oldest first.
    pub positions: VecDeque<Fix>,
    /// The agreed line (set at departure, from the corridor's content).
    pub route: Option<Arc<RouteLine>>,
    /// Planned duration of the corridor's trip, ms, and the window's end.
    pub plan: Option<(i64, i64)>,
    /// Last ETA (ms from the last fix).
    pub eta_ms: Option<i64>,
    /// The hazards on the route, for the hazards' fingerprint.
    on_route: Option<(u64, Arc<Vec<OnRoute>>)>,
    /// The last routed (free-flow) ETA: fix time, distance along, ms, and
    /// the hazards' fingerprint.
    routed: Option<(i64, f64, Option<i64>, u64)>,
    /// Events raised by a change of the log since the tracker's last batch
    /// (given back in its next answer, so that the tracker hears of them
    /// too), at most [`MAX_PENDING`].
    pending: Vec<Event>,
}

/// Events kept for the tracker's next answer, at most.
pub const MAX_PENDING: usize = 50;

impl Run {
    fn new(rec: Record) -> Run {
        Run {
            rec,
            track: Track::default(),
            positions: VecDeque::new(),
            route: None,
            plan: None,
            eta_ms: None,
            on_route: None,
            routed: None,
            pending: Vec::new(),
        }
    }

    /// On the road: departed and not over.
    pub fn on_the_road(&self) -> bool {
        self.rec.departed.is_some() && self.rec.outcome.is_none()
    }

    /// Counts against the limits: not over, and departed or its window
    /// not yet closed (a notification never acted on expires with its
    /// window).
    fn active(&self, live: &Live, now_ms: i64) -> bool {
        self.rec.outcome.is_none()
            && (self.rec.departed.is_some()
                || live
                    .ledger
                    .corridor(&self.rec.details.corridor)
                    .and_then(|c| c.content().window())
                    .is_some_and(|(_, end)| end.timestamp_millis() > now_ms))
    }
}

/// All convoys, and the parties' event stream.
pub struct Convoys {
    runs: Mutex<HashMap<String, Arc<Mutex<Run>>>>,
    loaded: std::sync::OnceLock<()>,
    /// Every message for the parties (never the public stream).
    pub events: tokio::sync::broadcast::Sender<String>,
    /// Positions older than this are deleted, seconds.
    pub retention_s: i64,
    /// Open event streams per party.
    pub streams: Mutex<HashMap<String, usize>>,
    last_prune_ms: std::sync::atomic::AtomicI64,
}

impl Default for Convoys {
    fn default() -> Convoys {
        Convoys {
            runs: Mutex::new(HashMap::new()),
            loaded: std::sync::OnceLock::new(),
            events: tokio::sync::broadcast::channel(4096).0,
            retention_s: DEFAULT_RETENTION_S,
            streams: Mutex::new(HashMap::new()),
            last_prune_ms: std::sync::atomic::AtomicI64::new(i64::MIN),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Milliseconds of an RFC 3339 time.
pub fn ms(t: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(t)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// An RFC 3339 time (UTC offset kept as `+00:00`) of milliseconds.
pub fn rfc3339(ms: i64) -> String {
    chrono::Utc
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| {
            t.fixed_offset()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
        })
        .unwrap_or_default()
}

/// A new random hex string of `n` bytes.
pub fn random_hex(n: usize) -> Result<String, ApiError> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(ApiError::internal)?;
    Ok(corridor_log::hex(&b))
}

impl Convoys {
    /// Reads the private records from the store on first use.
    fn ensure_loaded(&self, st: &AppState) -> Result<(), ApiError> {
        if self.loaded.get().is_some() {
            return Ok(());
        }
        let all = st.store.convoy_all()?;
        // A convoy on the road when the server stopped reports on after
        // the restart: its agreed route and plan are made again (review of
        // issue 15: they were set only at departure).
        let live = st.live()?;
        let mut runs = lock(&self.runs);
        if self.loaded.get().is_some() {
            return Ok(());
        }
        for (id, doc) in all {
            let rec: Record = serde_json::from_str(&doc).map_err(ApiError::internal)?;
            let (route, plan) = match (&rec.departed, &rec.outcome, &rec.agreed) {
                (Some(_), None, Some(a)) => (
                    RouteLine::new(a.line.iter().map(|p| LatLon::new(p[0], p[1])).collect())
                        .map(Arc::new),
                    Some((a.planned_ms, a.end_ms)),
                ),
                // Records from before the agreed line was kept.
                (Some(_), None, None) => match plan_of(&live, &rec.details.corridor) {
                    Some((line, planned, end)) => (Some(line), Some((planned, end))),
                    None => (None, None),
                },
                _ => (None, None),
            };
            let track = rec
                .raised
                .as_ref()
                .map(|r| {
                    Track::resume(
                        r.kinds
                            .iter()
                            .filter_map(|k| corridor_negotiation::convoy::Kind::parse(k)),
                        r.hazards_in.iter().cloned(),
                        r.hazards_ahead.iter().cloned(),
                    )
                })
                .unwrap_or_default();
            let mut run = Run::new(rec);
            run.route = route;
            run.plan = plan;
            run.track = track;
            runs.insert(id, Arc::new(Mutex::new(run)));
        }
        let _ = self.loaded.set(());
        Ok(())
    }

    /// One convoy.
    pub fn get(&self, st: &AppState, id: &str) -> Result<Arc<Mutex<Run>>, ApiError> {
        self.ensure_loaded(st)?;
        lock(&self.runs)
            .get(id)
            .cloned()
            .ok_or_else(|| ApiError::NotFound(format!("no convoy `{id}`")))
    }

    /// Every convoy id, sorted.
    pub fn ids(&self, st: &AppState) -> Result<Vec<String>, ApiError> {
        self.ensure_loaded(st)?;
        let mut v: Vec<String> = lock(&self.runs).keys().cloned().collect();
        v.sort();
        Ok(v)
    }

    /// Whether `party` may notify one more convoy: at most [`MAX_ACTIVE`]
    /// active in all and [`MAX_ACTIVE_PER_PARTY`] of its own (checked
    /// before the notification is logged).
    pub fn check_room(
        &self,
        st: &AppState,
        live: &Live,
        party: &str,
        now_ms: i64,
    ) -> Result<(), ApiError> {
        self.ensure_loaded(st)?;
        let runs: Vec<_> = lock(&self.runs).values().cloned().collect();
        let (mut all, mut own) = (0, 0);
        for r in runs {
            let r = lock(&r);
            if r.active(live, now_ms) {
                all += 1;
                if r.rec.notifier == party {
                    own += 1;
                }
            }
        }
        if own >= MAX_ACTIVE_PER_PARTY {
            return Err(ApiError::Conflict(format!(
                "{party} has {MAX_ACTIVE_PER_PARTY} convoys notified and not over: end or call off one first"
            )));
        }
        if all >= MAX_ACTIVE {
            return Err(ApiError::Unavailable(format!(
                "{MAX_ACTIVE} convoys are under way already"
            )));
        }
        Ok(())
    }

    /// Adds a new convoy (its room checked by [`Convoys::check_room`]).
    pub fn insert(&self, st: &AppState, rec: Record) -> Result<(), ApiError> {
        self.ensure_loaded(st)?;
        let mut runs = lock(&self.runs);
        st.store.convoy_put(
            &rec.id,
            &serde_json::to_string(&rec).map_err(ApiError::internal)?,
        )?;
        runs.insert(rec.id.clone(), Arc::new(Mutex::new(Run::new(rec))));
        Ok(())
    }

    /// After a log entry that may change a convoy's road (a hazard, an
    /// incident, a lift, a corridor suspended, closed or reopened): every
    /// convoy on the road is checked at once, not at its next report.
    pub fn after_append(&self, st: &AppState, live: &Live) {
        if let Err(e) = self.ensure_loaded(st) {
            tracing::warn!(error = e.message(), "convoys not loaded: not checked now");
            return;
        }
        let now = now_ms(st);
        let runs: Vec<_> = lock(&self.runs).values().cloned().collect();
        for r in runs {
            let mut r = lock(&r);
            if !r.on_the_road() {
                continue;
            }
            let events = refresh(live, &mut r, now);
            if let Err(e) = record_events(st, &mut r, &events) {
                tracing::warn!(
                    convoy = r.rec.id,
                    error = e.message(),
                    "convoy events not stored"
                );
            }
            let room = MAX_PENDING.saturating_sub(r.pending.len());
            r.pending.extend(events.into_iter().take(room));
        }
    }

    /// Writes a convoy's record.
    pub fn save(&self, st: &AppState, rec: &Record) -> Result<(), ApiError> {
        st.store.convoy_put(
            &rec.id,
            &serde_json::to_string(rec).map_err(ApiError::internal)?,
        )?;
        Ok(())
    }

    /// Deletes every position older than the retention, in every convoy.
    pub fn prune(&self, now_ms: i64) {
        let runs: Vec<_> = lock(&self.runs).values().cloned().collect();
        for r in runs {
            prune_run(&mut lock(&r), now_ms, self.retention_s);
        }
    }

    /// [`Convoys::prune`], at most once a minute (called on every batch
    /// of any convoy, so that positions go even if nobody reads).
    pub fn prune_now_and_then(&self, now_ms: i64) {
        use std::sync::atomic::Ordering;
        let last = self.last_prune_ms.load(Ordering::Relaxed);
        if now_ms.saturating_sub(last) >= 60_000
            && self
                .last_prune_ms
                .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.prune(now_ms);
        }
    }

    /// Sends one message to the parties' streams.
    pub fn announce(&self, msg: Value) {
        let _ = self.events.send(msg.to_string());
    }
}

fn prune_run(r: &mut Run, now_ms: i64, retention_s: i64) {
    let oldest = now_ms.saturating_sub(retention_s.saturating_mul(1000));
    while r.positions.front().is_some_and(|f| f.t_ms < oldest) {
        r.positions.pop_front();
    }
}

/// One position as sent by a tracker.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Position {
    /// RFC 3339 with offset.
    pub time: String,
    /// Degrees.
    pub lat: f64,
    /// Degrees.
    pub lon: f64,
}

/// A batch of positions.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// The positions, in any order (each is taken only if later than the
    /// last taken).
    pub positions: Vec<Position>,
}

/// Reads and checks a batch: sizes, coordinates, times (not beyond
/// [`MAX_SKEW_S`] in the future, not older than the retention). Fixes
/// before `not_before_ms` (the departure less one planned trip, the most a
/// replay such as `corridor simulate --speedup` stamps its fixes before
/// it) are left out, and counted: a tracker resending a backlog from
/// before the departure still gets the rest through.
pub fn read_batch(
    b: Batch,
    now_ms: i64,
    retention_s: i64,
    not_before_ms: i64,
) -> Result<(Vec<Fix>, usize), ApiError> {
    if b.positions.is_empty() || b.positions.len() > MAX_BATCH {
        return Err(ApiError::BadRequest(format!(
            "positions: 1 to {MAX_BATCH} in a batch"
        )));
    }
    let mut out = Vec::with_capacity(b.positions.len());
    for (i, p) in b.positions.into_iter().enumerate() {
        let at = LatLon::checked(p.lat, p.lon)
            .map_err(|e| ApiError::BadRequest(format!("positions[{i}]: {e}")))?;
        let t = ms(&p.time).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "positions[{i}].time: not an RFC 3339 time with a UTC offset"
            ))
        })?;
        if t > now_ms + MAX_SKEW_S * 1000 {
            return Err(ApiError::BadRequest(format!(
                "positions[{i}].time: {} is in the future (more than {MAX_SKEW_S} s ahead of the server's clock)",
                p.time
            )));
        }
        if t < now_ms - retention_s * 1000 {
            return Err(ApiError::BadRequest(format!(
                "positions[{i}].time: {} is older than the retention of positions ({} h)",
                p.time,
                retention_s / 3600
            )));
        }
        out.push(Fix { t_ms: t, at });
    }
    let before = out.len();
    out.retain(|f| f.t_ms >= not_before_ms);
    let early = before - out.len();
    out.sort_by_key(|f| f.t_ms);
    Ok((out, early))
}

/// The agreed line, planned trip time and window end of a corridor in the
/// log.
pub fn plan_of(live: &Live, corridor: &str) -> Option<(Arc<RouteLine>, i64, i64)> {
    let c = live.ledger.corridor(corridor)?;
    let content = c.content();
    let line = RouteLine::new(
        content
            .route
            .geometry
            .iter()
            .map(|&p| corridor_negotiation::plan::from_e6(p))
            .collect(),
    )?;
    let (_, end) = content.window()?;
    Some((
        Arc::new(line),
        i64::try_from(content.route.duration_s)
            .unwrap_or(i64::MAX)
            .saturating_mul(1000),
        end.timestamp_millis(),
    ))
}

/// The event as the parties' record keeps it (position rounded).
pub fn road_event(e: &Event) -> RoadEvent {
    RoadEvent {
        kind: e.kind.name().to_string(),
        raised: e.raised,
        time: rfc3339(e.t_ms),
        at: coarse(e.at),
    }
}

/// A fingerprint of the hazards (ids, validity, effect, geometry size):
/// what the cached stretches of hazards on a route and the routed ETA
/// depend on.
fn hazards_fingerprint(live: &Live) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for z in &live.ledger.scenario().hazards.hazards {
        z.id.hash(&mut h);
        z.validity.from_ms.hash(&mut h);
        z.validity.until_ms.hash(&mut h);
        z.buffer_m.to_bits().hash(&mut h);
        z.parts.len().hash(&mut h);
        match z.effect {
            corridor_hazards::Effect::Block => 0u64.hash(&mut h),
            corridor_hazards::Effect::Slow(f) => f.to_bits().hash(&mut h),
        }
    }
    h.finish()
}

/// The hazards on the convoy's route, made again when the hazards change.
fn on_route(live: &Live, run: &mut Run) -> Arc<Vec<OnRoute>> {
    let fp = hazards_fingerprint(live);
    match (&run.on_route, &run.route) {
        (Some((f, v)), _) if *f == fp => v.clone(),
        (_, Some(route)) => {
            let v = Arc::new(hazards_on_route(
                route,
                &live.ledger.scenario().hazards.hazards,
            ));
            run.on_route = Some((fp, v.clone()));
            v
        }
        _ => Arc::new(Vec::new()),
    }
}

/// The hazard ids on `route` in force at `at_ms`: what the parties agreed
/// to when the convoy departed.
pub fn known_hazards(live: &Live, route: &RouteLine, at_ms: i64) -> Vec<String> {
    hazards_on_route(route, &live.ledger.scenario().hazards.hazards)
        .into_iter()
        .filter(|h| h.validity.from_ms <= at_ms && at_ms < h.validity.until_ms)
        .map(|h| h.id)
        .collect()
}

/// The checks that depend on the log rather than on the positions: the
/// corridor still open, and hazards on the road ahead.
fn refresh(live: &Live, run: &mut Run, now_ms: i64) -> Vec<Event> {
    let Some(route) = run.route.clone() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let state = live
        .ledger
        .corridor(&run.rec.details.corridor)
        .map(|c| c.state());
    out.extend(run.track.check_corridor(
        &route,
        state == Some(Life::Open),
        state.map_or("unknown", |s| s.name()),
        now_ms,
    ));
    let arrive = match (run.track.last, run.eta_ms, run.plan) {
        (Some(f), Some(e), _) => f.t_ms.saturating_add(e),
        (_, _, Some((planned, _))) => now_ms.saturating_add(planned),
        _ => now_ms,
    };
    let stretches = on_route(live, run);
    let known: BTreeSet<String> = run.rec.known_hazards.iter().cloned().collect();
    out.extend(
        run.track
            .check_ahead(&route, &stretches, &known, now_ms, arrive),
    );
    out
}

/// Stores events in the convoy's record and pushes them to the parties.
fn record_events(st: &AppState, run: &mut Run, events: &[Event]) -> Result<(), ApiError> {
    if events.is_empty() {
        return Ok(());
    }
    for e in events {
        // The first half of MAX_EVENTS and the latest half: how the trip
        // went wrong first and how it ended (an arrival, say) both
        // outlast the flicker of a bad tracker in between.
        if run.rec.events.len() >= MAX_EVENTS {
            let drop = MAX_EVENTS / 2;
            run.rec.events.remove(drop);
            if run.rec.details_of_events.len() > drop {
                run.rec.details_of_events.remove(drop);
            }
        }
        run.rec.events.push(road_event(e));
        run.rec.details_of_events.push(e.detail.clone());
    }
    run.rec.raised = Some(Raised {
        kinds: run
            .track
            .raised
            .iter()
            .map(|k| k.name().to_string())
            .collect(),
        hazards_in: run.track.hazards_in.iter().cloned().collect(),
        hazards_ahead: run.track.hazards_ahead.iter().cloned().collect(),
    });
    st.convoys.save(st, &run.rec)?;
    for e in events {
        st.convoys.announce(json!({
            "type": "event",
            "convoy": run.rec.id,
            "kind": e.kind.name(),
            "raised": e.raised,
            "time": rfc3339(e.t_ms),
            "at": [e.at.lat, e.at.lon],
            "hazard": e.hazard,
            "detail": e.detail,
        }));
    }
    Ok(())
}

/// ETA from `fix` to the end of the route, ms, at the convoy's own pace
/// ([`Track::pace`]): the free-flow time routed on the road graph with the
/// hazards in force (reused for [`ETA_REUSE_MS`], scaled to the distance
/// left, unless the hazards changed); without a graph, or when the fix
/// cannot be routed from (GPS noise can put it on a road inside a hazard
/// the agreed route passes by), along the agreed line at its planned
/// speed. `None`: no road to the destination.
fn eta(st: &AppState, live: &Live, run: &mut Run, fix: Fix) -> Option<i64> {
    let route = run.route.clone()?;
    let (planned_ms, _) = run.plan?;
    let dest = *route.points().last()?;
    let len = route.length_m().max(1.0);
    let left = (len - run.track.along_m).max(0.0);
    let fp = hazards_fingerprint(live);
    let along = run.track.along_m;
    // Off the road, the way back may differ from the line: route again.
    let on_road = run.track.off_m <= live.ledger.scenario().convoy_checks.off_route_m;
    let free = match run.routed {
        Some((t, s0, Some(ms), f))
            if f == fp && on_road && (0..ETA_REUSE_MS).contains(&(fix.t_ms - t)) =>
        {
            let left0 = (len - s0).max(1.0);
            Some((ms as f64 * (left / left0).min(1.0)) as i64)
        }
        _ => {
            let routed = match (st.router.as_ref(), st.layer(live)) {
                (Some(router), Some(layer)) => {
                    let opts = corridor_routing::RouteOptions {
                        depart_ms: fix.t_ms,
                        ..Default::default()
                    };
                    router
                        .route(&layer, fix.at, dest, &opts)
                        .ok()
                        .map(|r| r.duration_ms as i64)
                }
                _ => None,
            };
            let free = routed.or_else(|| {
                let left = left + run.track.off_m;
                Some((planned_ms as f64 * left / len) as i64)
            });
            run.routed = Some((fix.t_ms, along, free, fp));
            free
        }
    };
    let pace = run.track.pace(&route, planned_ms);
    free.map(|f| (f as f64 * pace) as i64)
}

/// Takes a checked batch for convoy `run`: every fix observed in order,
/// the ETA from the last checked against the window, the corridor and the
/// hazards ahead checked, events stored and announced. Returns (taken,
/// ignored, events).
pub fn take_batch(
    st: &AppState,
    live: &Live,
    run: &mut Run,
    fixes: Vec<Fix>,
    now_ms: i64,
) -> Result<(usize, usize, Vec<Event>), ApiError> {
    let conv = &st.convoys;
    let settings = &live.ledger.scenario().convoy_checks;
    let route = run
        .route
        .clone()
        .ok_or_else(|| ApiError::Conflict("the convoy has no agreed route".into()))?;
    let hazards = &live.ledger.scenario().hazards.hazards;
    if run.track.anchor.is_none() {
        // The first fix is judged against the start at the earliest time a
        // fix may carry: the departure less one planned trip.
        let trip = run.plan.map_or(0, |(planned, _)| planned);
        run.track.anchor = run.rec.departed.as_deref().and_then(ms).map(|t| Fix {
            t_ms: t.saturating_sub(trip),
            at: route.point_at(0.0),
        });
    }
    let (mut taken, mut ignored) = (0, 0);
    let mut events = Vec::new();
    for f in fixes {
        match run.track.observe(&route, settings, f, hazards) {
            // Refused as implausible: its event goes out, the fix is
            // neither counted as taken nor kept.
            Some(ev) if run.track.last_rejected => {
                ignored += 1;
                events.extend(ev);
            }
            Some(ev) => {
                taken += 1;
                run.positions.push_back(f);
                if run.positions.len() > MAX_POSITIONS {
                    run.positions.pop_front();
                }
                events.extend(ev);
            }
            None => ignored += 1,
        }
    }
    prune_run(run, now_ms, conv.retention_s);
    if let (Some(last), Some((_, end))) = (run.track.last, run.plan) {
        if taken > 0 {
            run.eta_ms = eta(st, live, run, last);
            events.extend(run.track.check_eta(settings, run.eta_ms, end));
        }
    }
    if taken > 0 {
        events.extend(refresh(live, run, now_ms));
    }
    record_events(st, run, &events)?;
    // Those raised by the log since the last batch, for the tracker too.
    events.splice(0..0, std::mem::take(&mut run.pending));
    if taken > 0 {
        if let Some(f) = run.track.last {
            conv.announce(json!({
                "type": "position",
                "convoy": run.rec.id,
                "time": rfc3339(f.t_ms),
                "at": [f.at.lat, f.at.lon],
                "along_m": run.track.along_m.round(),
                "length_m": route.length_m().round(),
                "eta": run.eta_ms.map(|e| rfc3339(f.t_ms + e)),
            }));
        }
    }
    Ok((taken, ignored, events))
}

/// The status of a convoy in words.
pub fn status(run: &Run, acked_by_all: bool) -> &'static str {
    match (&run.rec.outcome, &run.rec.departed) {
        (Some(o), _) if o == "arrived" => "arrived",
        (Some(_), _) => "called_off",
        (None, Some(_)) if run.track.arrived => "at_destination",
        (None, Some(_)) => "on_the_road",
        (None, None) if acked_by_all => "acknowledged",
        (None, None) => "notified",
    }
}

/// What the parties see of a convoy: `GET /api/convoys/{id}`.
pub fn view(st: &AppState, live: &Live, run: &Run, now_ms: i64) -> Value {
    let l = &live.ledger;
    let logged = l.convoys().get(&run.rec.id);
    let acks: Vec<Value> = logged
        .map(|c| {
            c.acks
                .iter()
                .map(|(p, t)| json!({"party": p, "time": t.to_rfc3339()}))
                .collect()
        })
        .unwrap_or_default();
    let waiting: Vec<&str> = l
        .belligerents()
        .filter(|b| !logged.is_some_and(|c| c.acks.contains_key(*b)))
        .collect();
    let route = run
        .route
        .clone()
        .or_else(|| plan_of(live, &run.rec.details.corridor).map(|p| p.0));
    let window = l
        .corridor(&run.rec.details.corridor)
        .map(|c| json!({"start": c.content().window.start, "end": c.content().window.end}));
    // The last position still kept: after the retention, none (review of
    // issue 15: the last exact fix outlived it).
    let last = run
        .positions
        .back()
        .map(|f| json!({"time": rfc3339(f.t_ms), "at": [f.at.lat, f.at.lon]}));
    let eta = match (run.track.last, run.eta_ms) {
        (Some(f), Some(e)) => Some(rfc3339(f.t_ms + e)),
        _ => None,
    };
    let late_by = match (run.track.last, run.eta_ms, run.plan) {
        (Some(f), Some(e), Some((_, end))) => Some((f.t_ms + e - end) / 1000),
        _ => None,
    };
    let _ = now_ms;
    let events: Vec<Value> = run
        .rec
        .events
        .iter()
        .zip(run.rec.details_of_events.iter().map(Some).chain(std::iter::repeat(None)))
        .map(|(e, d)| json!({"kind": e.kind, "raised": e.raised, "time": e.time, "at": e.at, "detail": d}))
        .collect();
    let track: Vec<[f64; 2]> = run
        .positions
        .iter()
        .rev()
        .take(1000)
        .rev()
        .map(|f| [f.at.lat, f.at.lon])
        .collect();
    let _ = st;
    json!({
        "id": run.rec.id,
        "corridor": run.rec.details.corridor,
        "notifier": run.rec.notifier,
        "notified": run.rec.notified,
        "vehicles": run.rec.details.vehicles,
        "people": run.rec.details.people,
        "departure": run.rec.details.departure,
        "commitment": logged.map(|c| c.commitment.clone()),
        "status": status(run, waiting.is_empty()),
        "acknowledged": acks,
        "awaiting": waiting,
        "departed": run.rec.departed,
        "outcome": run.rec.outcome,
        "window": window,
        "length_m": route.as_ref().map(|r| r.length_m().round()),
        "along_m": run.track.along_m.round(),
        "off_route_m": run.track.off_m.round(),
        "eta": eta,
        "late_by_s": late_by,
        "raised": run.track.raised.iter().map(|k| k.name()).collect::<Vec<_>>(),
        "last": last,
        "track": track,
        "positions_kept": run.positions.len(),
        "events": events,
    })
}

/// A time of the server's clock as ms.
pub fn now_ms(st: &AppState) -> i64 {
    (st.clock)().timestamp_millis()
}

/// The server's clock as RFC 3339 (seconds, its offset).
pub fn now_text(st: &AppState) -> String {
    let t: DateTime<FixedOffset> = (st.clock)();
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}
