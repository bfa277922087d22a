//! What the server's test binaries share: the Ukrainian exercise on a
//! store, a stopped clock, one request through the app.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use corridor_negotiation::Scenario;
use corridor_server::store::{Due, Sqlite, Store, StoreError, SubscriberInfo};
use corridor_server::{app, set_token, AppState};
use http_body_util::BodyExt;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tower::ServiceExt;

pub fn example(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(rel)
}

/// The Ukrainian exercise (no road graph) with tokens `token-PARTY`, on
/// an in-memory SQLite store.
pub fn state() -> Arc<AppState> {
    state_on(Box::new(Sqlite::memory().unwrap()))
}

/// The Ukrainian exercise on `store`, on the exercise's own day (the day
/// before the Sumy–Poltava window).
pub fn state_on(store: Box<dyn Store>) -> Arc<AppState> {
    exercise("ukraine", store, None, "2022-03-07T12:00:00+02:00")
}

/// The Heidelberg exercise on its real road graph, on the exercise's day.
pub fn heidelberg() -> Arc<AppState> {
    let graph = corridor_osm::import(
        &example("../data/osm/heidelberg.osm.pbf"),
        &mut |_, _, _| {},
    )
    .unwrap()
    .0;
    exercise(
        "heidelberg",
        Box::new(Sqlite::memory().unwrap()),
        Some(corridor_routing::Router::new(graph)),
        "2022-03-05T08:00:00+01:00",
    )
}

/// The example `name` (its scenario and its parties' keys, tokens
/// `token-PARTY`) on `store`, with the clock stopped at `now`.
pub fn exercise(
    name: &str,
    store: Box<dyn Store>,
    router: Option<corridor_routing::Router>,
    now: &str,
) -> Arc<AppState> {
    let p = example(&format!("{name}/scenario.toml"));
    let dir = p.parent().unwrap().to_path_buf();
    let read = move |rel: &str| std::fs::read_to_string(dir.join(rel)).map_err(|e| e.to_string());
    let scenario = Scenario::parse(
        &std::fs::read_to_string(&p).unwrap(),
        "scenario.toml",
        &read,
    )
    .unwrap();
    let mut keys = HashMap::new();
    for party in scenario.parties.iter().map(|p| p.id.clone()) {
        let k = corridor_log::parse_secret_key(
            &std::fs::read_to_string(example(&format!("{name}/keys/{party}.key"))).unwrap(),
        )
        .unwrap();
        set_token(store.as_ref(), &party, &format!("token-{party}")).unwrap();
        keys.insert(party, k);
    }
    let mut st = AppState::new(
        scenario,
        router,
        store,
        keys,
        corridor_publish::Site {
            base_url: "http://test/public/".into(),
            sender: "alerts@test".into(),
            sender_name: "test".into(),
            signer: Some(test_signer()),
        },
    );
    st.clock = at(now);
    Arc::new(st)
}

/// A clock the test moves: `set` it to an RFC 3339 time.
pub struct Hands(std::sync::Mutex<chrono::DateTime<chrono::FixedOffset>>);

impl Hands {
    pub fn set(&self, t: &str) {
        *self.0.lock().unwrap() = chrono::DateTime::parse_from_rfc3339(t).unwrap();
    }
}

/// A clock stopped at `t`, and its hands.
pub fn movable(t: &str) -> (corridor_server::state::Clock, Arc<Hands>) {
    let hands = Arc::new(Hands(std::sync::Mutex::new(
        chrono::DateTime::parse_from_rfc3339(t).unwrap(),
    )));
    let h = hands.clone();
    (Arc::new(move || *h.0.lock().unwrap()), hands)
}

/// A clock stopped at `t`.
pub fn at(t: &str) -> corridor_server::state::Clock {
    let t = chrono::DateTime::parse_from_rfc3339(t).unwrap();
    Arc::new(move || t)
}

pub async fn call(
    st: &Arc<AppState>,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, String) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = req
        .body(body.map_or(Body::empty(), |b| Body::from(b.to_string())))
        .unwrap();
    let res = app(st.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).to_string())
}

/// The Heidelberg exercise's acts from proposal to opening.
pub const TO_OPEN: &[(&str, &str)] = &[
    ("token-north", "propose"),
    ("token-south", "accept"),
    ("token-north", "accept"),
    ("token-mediator", "countersign"),
    ("token-mediator", "open"),
];

/// Lifecycle actions on `proposal`, each by its token, each answered 200.
pub async fn acts(st: &Arc<AppState>, proposal: &str, steps: &[(&str, &str)]) {
    for (token, action) in steps {
        let body = serde_json::json!({"action": action, "proposal": proposal});
        let (s, b) = call(st, "POST", "/api/act", Some(token), Some(body)).await;
        assert_eq!(s, StatusCode::OK, "{action} by {token}: {b}");
    }
}

/// The acts that take a proposal of the exercise from nothing to open:
/// proposed by one party, accepted by both, countersigned by the mediator,
/// opened by the administration. `acts(st, id, AGREE_AND_OPEN)`.
#[allow(dead_code)] // not every test binary opens a corridor this way
pub const AGREE_AND_OPEN: &[(&str, &str)] = &[
    ("token-ua", "propose"),
    ("token-ru", "accept"),
    ("token-ua", "accept"),
    ("token-icrc", "countersign"),
    ("token-zp-admin", "open"),
];

/// A publisher key and certificate made from a fixed secret (tests only).
pub fn test_signer() -> corridor_xmldsig::Signer {
    let p = corridor_xmldsig::new_publisher(
        "test publisher",
        [42u8; 32],
        std::time::SystemTime::now(),
        30,
    )
    .unwrap();
    corridor_xmldsig::Signer::from_pem(&p.key_pem, &p.cert_pem).unwrap()
}

/// A store that counts the token look-ups made through it (each party's
/// token hash asked for counts one, once read), then pauses `pause_ms`
/// after each (a slow shared database), and otherwise is `inner`.
pub struct CountingTokens {
    pub inner: Box<dyn Store>,
    pub lookups: Arc<std::sync::atomic::AtomicUsize>,
    pub pause_ms: Arc<std::sync::atomic::AtomicU64>,
    /// While set, every token hash read fails (a store outage).
    pub failing: Arc<std::sync::atomic::AtomicBool>,
}

impl Store for CountingTokens {
    fn append(&self, seq: u64, line: &str) -> Result<(), StoreError> {
        self.inner.append(seq, line)
    }
    fn lines(&self) -> Result<Vec<String>, StoreError> {
        self.inner.lines()
    }
    fn len(&self) -> Result<u64, StoreError> {
        self.inner.len()
    }
    fn token_hash(&self, party: &str) -> Result<Option<String>, StoreError> {
        use std::sync::atomic::Ordering::SeqCst;
        let read = if self.failing.load(SeqCst) {
            Err(StoreError::Db(
                "the store is unreachable (a test's outage)".into(),
            ))
        } else {
            self.inner.token_hash(party)
        };
        self.lookups.fetch_add(1, SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(self.pause_ms.load(SeqCst)));
        read
    }
    fn set_token_hash(&self, party: &str, sha256_hex: &str) -> Result<(), StoreError> {
        self.inner.set_token_hash(party, sha256_hex)
    }
    fn convoy_put(&self, id: &str, doc: &str) -> Result<(), StoreError> {
        self.inner.convoy_put(id, doc)
    }
    fn convoy_all(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.inner.convoy_all()
    }
    fn add_subscriber(
        &self,
        url: &str,
        secret: &str,
        now_ms: i64,
        max: usize,
    ) -> Result<i64, StoreError> {
        self.inner.add_subscriber(url, secret, now_ms, max)
    }
    fn remove_subscriber(&self, id: i64) -> Result<bool, StoreError> {
        self.inner.remove_subscriber(id)
    }
    fn subscribers(&self) -> Result<Vec<SubscriberInfo>, StoreError> {
        self.inner.subscribers()
    }
    fn enqueue(
        &self,
        alerts: &[(String, String)],
        now_ms: i64,
        retry_gap_ms: i64,
    ) -> Result<usize, StoreError> {
        self.inner.enqueue(alerts, now_ms, retry_gap_ms)
    }
    fn claim(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
        busy: &[i64],
    ) -> Result<Vec<Due>, StoreError> {
        self.inner.claim(now_ms, lease_ms, limit, busy)
    }
    fn delivered(&self, subscriber: i64, identifier: &str, now_ms: i64) -> Result<(), StoreError> {
        self.inner.delivered(subscriber, identifier, now_ms)
    }
    #[allow(clippy::too_many_arguments)]
    fn failed(
        &self,
        subscriber: i64,
        identifier: &str,
        attempt: u32,
        error: &str,
        now_ms: i64,
        next_ms: i64,
        retry_gap_ms: i64,
    ) -> Result<(), StoreError> {
        self.inner.failed(
            subscriber,
            identifier,
            attempt,
            error,
            now_ms,
            next_ms,
            retry_gap_ms,
        )
    }
    fn next_due(&self) -> Result<Option<i64>, StoreError> {
        self.inner.next_due()
    }
    fn trim(&self, max_pending: usize, now_ms: i64) -> Result<u64, StoreError> {
        self.inner.trim(max_pending, now_ms)
    }
}
