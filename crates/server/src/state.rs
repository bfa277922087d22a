//! What the handlers share: the scenario, the road graph, the store, the
//! parties' keys, and the live ledger.
//!
//! The server keeps one [`Live`] value: the verified log and its
//! [`Ledger`], with every view derived from them (published files, the
//! corridors with verdicts, alert texts) computed at most once per log
//! state. A write checks its entry against the ledger, signs it, stores it
//! durably and only then replaces the live value; readers hold an `Arc` of
//! the value they started with. When another server appended to the same
//! database, the log is read and replayed again before anything is served.

use crate::compressed::Precompressed;
use crate::error::ApiError;
use crate::sessions::Sessions;
use crate::store::Store;
use chrono::{DateTime, FixedOffset};
use corridor_ledger::{Body, Ledger};
use corridor_log::{Log, Record};
use corridor_negotiation::Scenario;
use corridor_publish::Site;
use ed25519_dalek::SigningKey;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

/// The clock: injected so that tests can set the time.
pub type Clock = Arc<dyn Fn() -> DateTime<FixedOffset> + Send + Sync>;

/// The wall clock, in the machine's offset.
pub fn wall_clock() -> Clock {
    Arc::new(|| chrono::Local::now().fixed_offset())
}

/// Views derived from one log state, each computed on first use.
#[derive(Default)]
pub struct Views {
    /// Every public file (CAP, Atom, GeoJSON, SMS, index).
    pub files: OnceLock<Arc<Vec<corridor_publish::File>>>,
    /// `/api/corridors`.
    pub corridors: OnceLock<Arc<Value>>,
    /// `/api/alerts` per language (uk, ru, en).
    pub alerts: [OnceLock<Arc<Value>>; 3],
    /// The hazards in force mapped onto the road graph, for routing.
    pub layer: OnceLock<Arc<corridor_routing::HazardLayer>>,
    /// The public files, each compressed once (`/public/…`).
    pub public: OnceLock<Arc<HashMap<String, Precompressed>>>,
    /// The map page with its alerts rendered, per language (uk, ru, en).
    pub pages: [OnceLock<Arc<Precompressed>>; 3],
    /// The text-only page, per language.
    pub text_pages: [OnceLock<Arc<Precompressed>>; 3],
    /// The whole log as served by `/api/log` (megabytes for a long one:
    /// made and compressed once per log state, not per request).
    pub log_text: OnceLock<Arc<Precompressed>>,
}

impl Clone for Views {
    /// A changed log has no views yet.
    fn clone(&self) -> Views {
        Views::default()
    }
}

/// The log, its ledger and their views at one moment.
#[derive(Clone)]
pub struct Live {
    /// The verified log.
    pub log: Log,
    /// Its fold.
    pub ledger: Ledger,
    /// Derived views.
    pub views: Views,
}

/// Everything the handlers share.
pub struct AppState {
    scenario: Scenario,
    /// The scenario's road graph, ready for routing, if it has one.
    pub router: Option<corridor_routing::Router>,
    /// The store.
    pub store: Box<dyn Store>,
    /// The parties' signing keys (custodial signing).
    pub keys: HashMap<String, SigningKey>,
    /// Where the public feeds point.
    pub site: Site,
    /// Live changes: one message per appended entry (server-sent events).
    pub events: tokio::sync::broadcast::Sender<String>,
    /// Requests per minute allowed: (writes per party, reads per address).
    pub per_minute: (u32, u32),
    /// The clock that stamps entries.
    pub clock: Clock,
    /// Browser sessions.
    pub sessions: Sessions,
    /// Rate-limit counters.
    pub limits: crate::guard::Limits,
    /// The parties' token hashes, read from the store now and then.
    pub tokens: crate::auth::TokenCache,
    /// Open connections per client address, and how many one may hold.
    pub connections: Arc<crate::front::Connections>,
    /// Open event streams per client address.
    pub streams: Mutex<HashMap<String, usize>>,
    /// The car network for the map, built once.
    pub network: OnceLock<Arc<Precompressed>>,
    /// The territories for the map, built once.
    pub territories: OnceLock<Arc<String>>,
    /// How alerts are delivered to subscribers.
    pub delivery: crate::delivery::Settings,
    /// Wakes the delivery worker (a new alert was queued).
    pub outbox: tokio::sync::Notify,
    /// The log length whose alerts are queued (so an unchanged log is not
    /// published again for nothing).
    pub(crate) queued: Mutex<Option<u64>>,
    /// The log length when the delivery worker last trimmed the
    /// subscribers' backlogs ([`crate::delivery::trim_backlogs`]).
    pub(crate) trimmed: Mutex<Option<u64>>,
    /// The road network indexed for map tiles, built once.
    pub tiles: OnceLock<Option<corridor_wire::tiles::Tiles>>,
    /// Tiles already made (bounded: emptied when full).
    pub tile_cache: Mutex<HashMap<(u8, u32, u32), Arc<Precompressed>>>,
    /// Convoys on the road (parties only; `crate::convoys`).
    pub convoys: crate::convoys::Convoys,
    live: RwLock<Arc<Live>>,
    /// When `live` was last known to match the store (a check or a write):
    /// nanoseconds after `epoch`, plus one; 0 for never. An atomic, as
    /// every public read looks at it.
    checked: AtomicU64,
    epoch: Instant,
    /// A check of the store for the public fast path is asked for or
    /// under way.
    checking: AtomicBool,
    /// The thread that makes those checks, started at the first one.
    checker: Mutex<Option<std::thread::Thread>>,
    /// Held while the whole log is read from the store ([`AppState::live`]).
    reading: Mutex<()>,
    /// How many times it was.
    store_reads: AtomicU64,
    write: Mutex<()>,
}

impl Drop for AppState {
    fn drop(&mut self) {
        // Lets the checker thread see that the state is gone, and end.
        let checker = self.checker.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = checker.take() {
            t.unpark();
        }
    }
}

/// Requests per minute and party: writes.
pub const WRITES_PER_MINUTE: u32 = 60;
/// Requests per minute and client address: everything else.
pub const READS_PER_MINUTE: u32 = 1200;

impl AppState {
    /// A state for `scenario` with `store`; `keys` are the parties' signing
    /// keys the server holds.
    pub fn new(
        scenario: Scenario,
        router: Option<corridor_routing::Router>,
        store: Box<dyn Store>,
        keys: HashMap<String, SigningKey>,
        site: Site,
    ) -> AppState {
        // Gathering points the scenario does not describe take the nearest
        // named road of the map, as `corridor publish` does: the same bytes.
        let mut scenario = scenario;
        if let Some(r) = &router {
            scenario.name_gathering_roads(r);
        }
        let live = Live {
            log: Log::new(),
            ledger: Ledger::new(scenario.clone()),
            views: Views::default(),
        };
        AppState {
            scenario,
            router,
            store,
            keys,
            site,
            events: tokio::sync::broadcast::channel(256).0,
            per_minute: (WRITES_PER_MINUTE, READS_PER_MINUTE),
            clock: wall_clock(),
            sessions: Sessions::default(),
            limits: Default::default(),
            tokens: Default::default(),
            connections: crate::front::Connections::new(crate::front::CONNECTIONS_PER_ADDRESS, 0),
            streams: Mutex::new(HashMap::new()),
            network: OnceLock::new(),
            territories: OnceLock::new(),
            delivery: crate::delivery::Settings::default(),
            outbox: tokio::sync::Notify::new(),
            queued: Mutex::new(None),
            trimmed: Mutex::new(None),
            tiles: OnceLock::new(),
            tile_cache: Mutex::new(HashMap::new()),
            convoys: Default::default(),
            live: RwLock::new(Arc::new(live)),
            checked: AtomicU64::new(0),
            epoch: Instant::now(),
            checking: AtomicBool::new(false),
            checker: Mutex::new(None),
            reading: Mutex::new(()),
            store_reads: AtomicU64::new(0),
            write: Mutex::new(()),
        }
    }

    /// The scenario file as read (parties, keys, places). What is in force
    /// (the exercise clock, reported hazards) is the ledger's.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The live ledger: the one held, or read again from the store when
    /// the store holds more entries (another server appended).
    pub fn live(&self) -> Result<Arc<Live>, ApiError> {
        // The store is as of this moment or later.
        let asked = self.tick();
        let held = self.held();
        if self.store.len()? == held.log.len() as u64 {
            self.mark_checked(asked);
            return Ok(held);
        }
        // One reading of the whole log at a time: after another server's
        // write, every request that finds the store longer comes here at
        // once; the first reads and replays the log, the others wait for
        // it and then find the held ledger up to date.
        let _one = self.reading.lock().unwrap_or_else(|e| e.into_inner());
        let held = self.held();
        if self.store.len()? == held.log.len() as u64 {
            self.mark_checked(asked);
            return Ok(held);
        }
        self.store_reads.fetch_add(1, Ordering::Relaxed);
        let fresh = Arc::new(self.read_store()?);
        let mut w = self.live.write().unwrap_or_else(|e| e.into_inner());
        // A write of this server may have made a longer log live while the
        // store was read: never go back to a shorter one.
        let fresh = if fresh.log.len() >= w.log.len() {
            *w = fresh.clone();
            fresh
        } else {
            w.clone()
        };
        drop(w);
        self.mark_checked(asked);
        Ok(fresh)
    }

    /// How many times the whole log was read from the store and replayed
    /// (at the start, and after other servers' writes): for tests and
    /// monitoring.
    pub fn store_reads(&self) -> u64 {
        self.store_reads.load(Ordering::Relaxed)
    }

    /// The live ledger without asking the store, if it was known to match
    /// the store less than `max_age` ago: no IO, so it may be called on the
    /// async runtime. A single server's own writes are always in it; another
    /// server's (on a shared PostgreSQL) show after at most `max_age`.
    pub fn recent_live(&self, max_age: Duration) -> Option<Arc<Live>> {
        (self.since_checked()? < max_age).then(|| self.held())
    }

    /// As [`AppState::recent_live`], for reads that should never wait for
    /// the store (the public fast path, `front`): once the last check is
    /// half of `max_age` old, one check is asked of the checker thread (one
    /// at a time, whatever the number of readers), so that under steady
    /// traffic the held ledger stays fresh without any reader waiting or
    /// querying. `None` when it is `max_age` old or more (after a quiet
    /// spell, or while the store does not answer): ask [`AppState::live`].
    ///
    /// The checks run on one long-lived thread, woken when one is due (at
    /// most every `max_age / 2`), rather than on a runtime's blocking pool:
    /// under saturation a pool thread that has just finished a check may
    /// not be scheduled back to idle before the next one is due, and the
    /// pool then starts a new thread for it (seventy in ten seconds of
    /// `wrk` on two cores), each start competing with the serving threads.
    pub fn public_live(self: &Arc<Self>, max_age: Duration) -> Option<Arc<Live>> {
        let age = self.since_checked()?;
        if age >= max_age / 2
            && !self.checking.load(Ordering::Relaxed)
            && !self.checking.swap(true, Ordering::AcqRel)
        {
            match self.checker() {
                Some(t) => t.unpark(),
                None => self.checking.store(false, Ordering::Release),
            }
        }
        (age < max_age).then(|| self.held())
    }

    /// The checker thread of [`AppState::public_live`], started if need be
    /// (`None` if the system refuses a thread: the readers then go on with
    /// what is held until it is too old, then ask the store themselves).
    fn checker(self: &Arc<Self>) -> Option<std::thread::Thread> {
        let mut slot = self.checker.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = &*slot {
            return Some(t.clone());
        }
        // The thread holds the state only while it checks, so the state can
        // be dropped; `Drop` then wakes it to end.
        let state = Arc::downgrade(self);
        let spawned = std::thread::Builder::new()
            .name("corridor-check".into())
            .spawn(move || loop {
                std::thread::park();
                let Some(st) = state.upgrade() else { return };
                // Park may return without an unpark: check only when asked.
                if st.checking.load(Ordering::Acquire) {
                    // A check that fails, or even panics, must not leave
                    // `checking` set (no check would ever be asked again)
                    // nor end the thread.
                    let checked =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| st.live()));
                    match checked {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => tracing::warn!(error = e.message(), "checking the store"),
                        Err(_) => tracing::error!("checking the store panicked"),
                    }
                    st.checking.store(false, Ordering::Release);
                }
            });
        match spawned {
            Ok(h) => {
                *slot = Some(h.thread().clone());
                Some(h.thread().clone())
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot start the store checker thread");
                None
            }
        }
    }

    /// The ledger held, as it is (no check).
    fn held(&self) -> Arc<Live> {
        self.live.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// How long ago `live` was last known to match the store.
    fn since_checked(&self) -> Option<Duration> {
        let at = self.checked.load(Ordering::Acquire).checked_sub(1)?;
        Some(Duration::from_nanos(self.tick().saturating_sub(at + 1)))
    }

    /// Now, as `checked` counts (never 0).
    fn tick(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64 + 1
    }

    /// `live` matched the store at `at` (a [`AppState::tick`]).
    fn mark_checked(&self, at: u64) {
        // Never backwards: a slow check finishing after a write.
        self.checked.fetch_max(at, Ordering::AcqRel);
    }

    /// Reads, verifies and replays the whole stored log.
    fn read_store(&self) -> Result<Live, ApiError> {
        let lines = self.store.lines()?;
        let mut text = lines.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        let v = corridor_log::verify(&text, &|id| self.scenario.party(id).map(|p| p.key));
        if let Some(p) = v.problems.first() {
            return Err(ApiError::internal(format!(
                "stored log does not verify: {p}"
            )));
        }
        let ledger = Ledger::replay(self.scenario.clone(), &v.log)
            .map_err(|(seq, e)| ApiError::internal(format!("stored entry {seq}: {e}")))?;
        Ok(Live {
            log: v.log,
            ledger,
            views: Views::default(),
        })
    }

    /// The hazards in force on the road graph (`None` without a graph):
    /// mapped once per log state.
    pub fn layer(&self, live: &Live) -> Option<Arc<corridor_routing::HazardLayer>> {
        let r = self.router.as_ref()?;
        Some(
            live.views
                .layer
                .get_or_init(|| {
                    Arc::new(corridor_routing::HazardLayer::new(
                        r.graph(),
                        r.index(),
                        live.ledger.scenario().hazards.clone(),
                    ))
                })
                .clone(),
        )
    }

    /// The time to stamp on the next entry: the server's clock, to the
    /// second. A clock behind the log's last entry (set back, or slower
    /// than another server's on the same database) makes the ledger refuse
    /// the entry (409): the record's times never go backwards, and a time
    /// is never made up.
    fn stamp(&self) -> String {
        (self.clock)().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    }

    /// Appends the entry `make` builds from the live ledger, by `party`:
    /// checked by the ledger, signed with the party's key, stored durably,
    /// then made live and announced, and the alerts it publishes queued
    /// for the subscribers before the write is answered. Nothing is
    /// written when any step refuses.
    pub fn append(
        &self,
        party: &str,
        make: impl FnOnce(&Ledger) -> Result<Body, ApiError>,
    ) -> Result<(Record, Arc<Live>), ApiError> {
        let done = self.append_entry(party, make)?;
        // The entry is stored: a failure to queue is not the writer's (the
        // worker queues what is published at start and on every pass).
        if let Err(e) = crate::delivery::queue_published(self) {
            tracing::warn!(
                error = e.message(),
                "new alerts not queued yet: the delivery worker will"
            );
        }
        // A hazard, a lift or a corridor's change reaches the convoys on
        // the road at once (their own entries change no road).
        if !matches!(
            done.0.entry.kind.as_str(),
            "notify" | "acknowledge" | "movement"
        ) {
            self.convoys.after_append(self, &done.1);
        }
        Ok(done)
    }

    fn append_entry(
        &self,
        party: &str,
        make: impl FnOnce(&Ledger) -> Result<Body, ApiError>,
    ) -> Result<(Record, Arc<Live>), ApiError> {
        let _w = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let mut live = self.live()?;
        let body = make(&live.ledger)?;
        let key = self
            .keys
            .get(party)
            .ok_or_else(|| ApiError::Forbidden(format!("the server holds no key for `{party}`")))?;
        let next = Arc::make_mut(&mut live);
        next.views = Views::default();
        let time = self.stamp();
        let kind = body.kind();
        let rec = next.ledger.append(&mut next.log, &time, party, body, key)?;
        if let Err(e) = self.store.append(rec.entry.seq, &rec.line()) {
            // The store is the truth: forget what was not stored.
            if let Ok(fresh) = self.read_store() {
                *self.live.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(fresh);
            }
            return Err(e.into());
        }
        // Live before the write is answered: every read that starts after
        // the answer sees the entry (the public fast path too, `front`).
        *self.live.write().unwrap_or_else(|e| e.into_inner()) = live.clone();
        self.mark_checked(self.tick());
        let _ = self.events.send(
            serde_json::json!({"seq": rec.entry.seq, "party": party, "kind": kind,
                "tree_hash": corridor_log::hex(&live.log.root())})
            .to_string(),
        );
        Ok((rec, live))
    }

    /// For an exercise or test scenario whose first window has passed (or
    /// opens within two hours), on an empty log: the mediator's clock entry
    /// moving every time of the scenario by whole days, so that the first
    /// window opens two to twenty-six hours from now. Returns the days.
    pub fn start_exercise_clock(&self) -> Result<Option<i64>, ApiError> {
        if self.scenario.status == corridor_negotiation::Status::Actual
            || !self.live()?.log.is_empty()
        {
            return Ok(None);
        }
        let Some(first) = self.scenario.proposals.iter().map(|p| p.window.start).min() else {
            return Ok(None);
        };
        let Some(mediator) = self.scenario.parties.iter().find(|p| {
            p.role == corridor_negotiation::Role::Mediator && self.keys.contains_key(&p.id)
        }) else {
            return Ok(None);
        };
        let lead = (self.clock)() + chrono::Duration::hours(2);
        if first >= lead {
            return Ok(None);
        }
        let days = (lead - first).num_seconds().div_euclid(86_400) + 1;
        let id = mediator.id.clone();
        self.append(&id, |_| {
            Ok(Body::Clock(corridor_ledger::entry::Clock {
                shift_days: days,
            }))
        })?;
        Ok(Some(days))
    }
}
