//! The coordination server: one scenario's corridors, verdicts, actions
//! and public log over HTTP, with the public feeds and the web map.
//!
//! * Public endpoints (no account, read only): the web page and its
//!   vendored Leaflet, `/api/scenario`, `/api/network.geojson`,
//!   `/api/territories.geojson`, `/api/corridors`, `/api/alerts?lang=`,
//!   `/api/log` (the log text), `/api/log/head`, and the feeds under
//!   `/public/` (`alerts.atom`, `corridors.geojson`, `cap/*.xml`).
//! * Write endpoint: `POST /api/act` with `Authorization: Bearer TOKEN`.
//!   The token names the party (tokens are stored only as SHA-256 hashes and
//!   compared in constant time); the action is checked against the corridor
//!   lifecycle, signed with the party's key held by the server (custodial
//!   signing: parties act from a browser without key handling; the public
//!   log still proves which key signed what), and appended durably.
//!
//! Status codes: 200 OK; 400 malformed request; 401 no or unknown token;
//! 403 acting as another party; 404 unknown corridor or file; 409 refused
//! by the lifecycle or a concurrent append; 413 request too large; 500
//! internal (no details leave the server; they go to the log).

pub mod store;

use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use corridor_graph::{Dir, Profile};
use corridor_log::Log;
use corridor_negotiation::lifecycle::{Action, Book};
use corridor_negotiation::plan;
use corridor_negotiation::Scenario;
use corridor_publish::Site;
use ed25519_dalek::SigningKey;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use store::{Store, StoreError};

/// Everything the handlers share.
pub struct AppState {
    /// The scenario.
    pub scenario: Scenario,
    /// Its road graph, ready for routing, if it has one.
    pub router: Option<corridor_routing::Router>,
    /// The store.
    pub store: Box<dyn Store>,
    /// The parties' signing keys (custodial).
    pub keys: HashMap<String, SigningKey>,
    /// Where the public feeds point.
    pub site: Site,
    /// Serializes appends within this process (the store's key on the
    /// sequence number serializes them across processes).
    pub write: Mutex<()>,
    /// Live changes: one message per appended entry (server-sent events).
    pub events: tokio::sync::broadcast::Sender<String>,
    /// Requests per minute and client allowed: (writes, reads).
    pub per_minute: (u32, u32),
    /// Request counters for the rate limits: (client, class) → (window start, count).
    limits: Mutex<HashMap<(String, bool), (std::time::Instant, u32)>>,
    /// The verified log and its published files, reused while the store
    /// holds the same number of entries (entries are never changed, only
    /// appended).
    cache: Mutex<Cache>,
}

type Cache = Option<(u64, Arc<Log>, Option<Arc<Vec<corridor_publish::File>>>)>;

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
        AppState {
            scenario,
            router,
            store,
            keys,
            site,
            write: Mutex::new(()),
            events: tokio::sync::broadcast::channel(256).0,
            limits: Mutex::new(HashMap::new()),
            per_minute: (WRITES_PER_MINUTE, READS_PER_MINUTE),
            cache: Mutex::new(None),
        }
    }
}

/// Requests per minute and client: writes, and everything else.
pub const WRITES_PER_MINUTE: u32 = 60;
/// See [`WRITES_PER_MINUTE`].
pub const READS_PER_MINUTE: u32 = 1200;

/// Rate limits per client (address, or token for writes) and a strict
/// same-origin rule for writes: a browser request from another origin is
/// refused, and no CORS header ever allows one.
async fn guard(
    State(st): State<Shared>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let write = req.method() != axum::http::Method::GET;
    let h = req.headers();
    if write {
        if let (Some(origin), Some(host)) = (h.get(header::ORIGIN), h.get(header::HOST)) {
            let o = origin.to_str().unwrap_or("");
            let same = o
                .split("://")
                .nth(1)
                .is_some_and(|x| x == host.to_str().unwrap_or("-"));
            if !same {
                return ApiError(
                    StatusCode::FORBIDDEN,
                    "cross-origin writes are refused".into(),
                )
                .into_response();
            }
        }
    }
    let client = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "local".into());
    let key = if write {
        h.get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(|t| corridor_log::hex(&Sha256::digest(t.as_bytes())))
            .unwrap_or(client)
    } else {
        client
    };
    let limit = if write {
        st.per_minute.0
    } else {
        st.per_minute.1
    };
    {
        let mut l = st.limits.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        let e = l.entry((key, write)).or_insert((now, 0));
        if now.duration_since(e.0) >= std::time::Duration::from_secs(60) {
            *e = (now, 0);
        }
        e.1 += 1;
        if e.1 > limit {
            return ApiError(
                StatusCode::TOO_MANY_REQUESTS,
                "too many requests: slow down".into(),
            )
            .into_response();
        }
    }
    next.run(req).await
}

async fn sse(State(st): State<Shared>) -> impl IntoResponse {
    use tokio_stream::StreamExt;
    let rx = st.events.subscribe();
    let stream = tokio_stream::wrappers::BroadcastStream::new(rx).filter_map(|m| {
        m.ok().map(|data| {
            Ok::<_, std::convert::Infallible>(
                axum::response::sse::Event::default()
                    .event("entry")
                    .data(data),
            )
        })
    });
    axum::response::sse::Sse::new(stream).keep_alive(axum::response::sse::KeepAlive::default())
}

type Shared = Arc<AppState>;

/// An error response: a status and a message safe to show.
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({"error": self.1}))).into_response()
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "internal error");
    ApiError(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
}

/// Runs store work off the async threads (the PostgreSQL client blocks).
async fn blocking<T: Send + 'static>(
    st: Shared,
    f: impl FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(move || f(&st))
        .await
        .map_err(internal)?
}

/// The verified log: from the cache when the store has not grown.
fn load_log(st: &AppState) -> Result<Log, ApiError> {
    Ok((*cached_log(st)?).clone())
}

fn cached_log(st: &AppState) -> Result<Arc<Log>, ApiError> {
    let n = st.store.len().map_err(internal)?;
    if let Some((len, log, _)) = st.cache.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        if *len == n {
            return Ok(log.clone());
        }
    }
    let log = Arc::new(read_log(st)?);
    *st.cache.lock().unwrap_or_else(|e| e.into_inner()) =
        Some((log.len() as u64, log.clone(), None));
    Ok(log)
}

/// Reads and verifies the whole log from the store.
fn read_log(st: &AppState) -> Result<Log, ApiError> {
    let lines = st.store.lines().map_err(internal)?;
    let mut text = lines.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    let key_of = |id: &str| st.scenario.party(id).map(|p| p.key);
    let v = corridor_log::verify(&text, &key_of);
    if let Some(p) = v.problems.first() {
        return Err(internal(format!("stored log does not verify: {p}")));
    }
    Ok(v.log)
}

/// The scenario with the hazards reported through the log in force
/// (`hazard` entries, minus those lifted by `lift` entries).
fn effective(st: &AppState, log: &Log) -> Scenario {
    let mut scn = st.scenario.clone();
    for r in log.records() {
        let b = &r.entry.body;
        match r.entry.kind.as_str() {
            "hazard" => {
                if let Some(h) = b.get("hazard").and_then(hazard_of) {
                    scn.hazards.hazards.retain(|x| x.id != h.id);
                    scn.hazards.hazards.push(h);
                }
            }
            "lift" => {
                if let Some(id) = b.get("hazard").and_then(Value::as_str) {
                    scn.hazards.hazards.retain(|x| x.id != id);
                }
            }
            _ => {}
        }
    }
    scn
}

/// A hazard as logged: {id, kind, at: [lat, lon], radius_m, valid_from?,
/// valid_until?, source}.
fn hazard_of(v: &Value) -> Option<corridor_hazards::Hazard> {
    use corridor_hazards::{Effect, Hazard, HazardKind, Part, Validity};
    let at = v.get("at")?.as_array()?;
    let (lat, lon) = (at.first()?.as_f64()?, at.get(1)?.as_f64()?);
    let time = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.timestamp_millis())
    };
    Some(Hazard {
        id: v.get("id")?.as_str()?.to_string(),
        kind: HazardKind::parse(v.get("kind")?.as_str()?).unwrap_or(HazardKind::Other),
        parts: vec![Part::Point((lon, lat))],
        buffer_m: v.get("radius_m")?.as_f64()?.max(1.0),
        validity: Validity {
            from_ms: time("valid_from").unwrap_or(i64::MIN),
            until_ms: time("valid_until").unwrap_or(i64::MAX),
        },
        effect: Effect::Block,
        source: v
            .get("source")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    })
}

/// A proposal's route under `scn`'s hazards, its canonical form and version.
fn plan_spec(
    st: &AppState,
    scn: &Scenario,
    spec: &corridor_negotiation::scenario::ProposalSpec,
) -> Result<(plan::PlannedRoute, Value, String), plan::PlanError> {
    let layer = st
        .router
        .as_ref()
        .map(|r| corridor_routing::HazardLayer::new(r.graph(), r.index(), scn.hazards.clone()));
    let route = plan::plan(scn, spec, st.router.as_ref().zip(layer.as_ref()))?;
    let canonical = plan::canonical(scn, spec, &route);
    let version = plan::version_hash(&canonical);
    Ok((route, canonical, version))
}

/// A static file compiled into the binary.
fn asset(content_type: &'static str, body: &'static str) -> axum::routing::MethodRouter<Shared> {
    get(move || async move { ([(header::CONTENT_TYPE, content_type)], body) })
}

/// The web application.
pub fn app(state: Shared) -> Router {
    Router::new()
        .route("/", get(index))
        .route(
            "/assets/leaflet.js",
            asset(
                "text/javascript",
                include_str!("../assets/leaflet/leaflet.js"),
            ),
        )
        .route(
            "/assets/leaflet.css",
            asset("text/css", include_str!("../assets/leaflet/leaflet.css")),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/api/scenario", get(scenario))
        .route("/api/network.geojson", get(network))
        .route("/api/territories.geojson", get(territories))
        .route("/api/corridors", get(corridors))
        .route("/api/alerts", get(alerts))
        .route("/api/log", get(log_text))
        .route("/api/log/head", get(log_head))
        .route("/api/act", post(act))
        .route("/api/events", get(sse))
        .route("/api/hazards", post(add_hazard))
        .route("/api/hazards/{id}/lift", post(lift_hazard))
        .route("/api/incidents", post(incident))
        .route("/api/log/proof", get(log_proof))
        .route(
            "/openapi.json",
            asset("application/json", include_str!("../assets/openapi.json")),
        )
        .route("/public/alerts.atom", get(|s| feed(s, "alerts.atom")))
        .route(
            "/public/corridors.geojson",
            get(|s| feed(s, "corridors.geojson")),
        )
        .route("/public/cap/{file}", get(cap_file))
        .layer(DefaultBodyLimit::max(16 * 1024))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

async fn index() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        include_str!("../assets/index.html"),
    )
}

async fn scenario(State(st): State<Shared>) -> Json<Value> {
    let s = &st.scenario;
    Json(json!({
        "name": s.name,
        "status": format!("{:?}", s.status).to_lowercase(),
        "time_zone": s.tz.name(),
        "parties": s.parties.iter().map(|p| json!({"id": p.id, "name": p.name, "role": p.role.name(),
            "public_key": corridor_log::format_public_key(&p.key)})).collect::<Vec<_>>(),
        "places": s.origins.iter().chain(&s.destinations).map(|p| json!({"id": p.id, "name": p.name,
            "name_uk": p.name_uk, "name_ru": p.name_ru, "at": [p.at.lon, p.at.lat]})).collect::<Vec<_>>(),
        "proposals": s.proposals.iter().map(|p| json!({"id": p.id, "origin": p.origin, "destination": p.destination,
            "window": {"start": p.window.start.to_rfc3339(), "end": p.window.end.to_rfc3339()}})).collect::<Vec<_>>(),
        "attribution": "Map data (c) OpenStreetMap contributors, ODbL",
    }))
}

/// The car network as lines, rounded to 5 decimals, for the map (no tile
/// server needed).
async fn network(State(st): State<Shared>) -> Response {
    let Some(r) = &st.router else {
        return Json(json!({"type": "FeatureCollection", "features": []})).into_response();
    };
    let g = r.graph();
    let lines: Vec<Vec<[f64; 2]>> = (0..g.num_edges() as u32)
        .filter(|&e| {
            g.time(Profile::Car, e, Dir::Forward) < corridor_graph::INFINITY
                || g.time(Profile::Car, e, Dir::Backward) < corridor_graph::INFINITY
        })
        .map(|e| {
            g.shape(e)
                .map(|p| [(p.lon * 1e5).round() / 1e5, (p.lat * 1e5).round() / 1e5])
                .collect()
        })
        .collect();
    Json(
        json!({"type": "FeatureCollection", "features": [{"type": "Feature",
        "geometry": {"type": "MultiLineString", "coordinates": lines},
        "properties": {"attribution": "(c) OpenStreetMap contributors"}}]}),
    )
    .into_response()
}

async fn territories(State(st): State<Shared>) -> Json<Value> {
    let f: Vec<Value> = st
        .scenario
        .territories
        .iter()
        .map(|t| {
            json!({"type": "Feature", "id": t.id, "properties": {"id": t.id, "name": t.name},
                "geometry": {"type": "MultiPolygon", "coordinates": t.polygons().map(|p| p.iter().map(|r| r.iter().map(|&(x, y)| [x, y]).collect::<Vec<_>>()).collect::<Vec<_>>()).collect::<Vec<_>>()}})
        })
        .collect();
    Json(json!({"type": "FeatureCollection", "features": f}))
}

async fn corridors(State(st): State<Shared>) -> Result<Json<Value>, ApiError> {
    blocking(st, corridors_sync).await.map(Json)
}

fn corridors_sync(st: &AppState) -> Result<Value, ApiError> {
    let log = load_log(st)?;
    let scn = effective(st, &log);
    let scn = &scn;
    let book = Book::replay(scn, &log).map_err(|(s, e)| internal(format!("entry {s}: {e}")))?;
    let mut out = Vec::new();
    for spec in &scn.proposals {
        let (version, verdicts) = match plan_spec(st, scn, spec) {
            Ok((r, _, v)) => {
                let ev = corridor_negotiation::evaluate(scn, spec, &r, &v);
                (Some(v), ev.to_json(scn))
            }
            Err(e) => (None, json!({"error": e.to_string()})),
        };
        let c = book.corridors.get(&spec.id);
        out.push(json!({
            "id": spec.id, "state": c.map(|c| c.state.name()).unwrap_or("not proposed"),
            "version_on_table": c.map(|c| c.version.clone()), "version_of_scenario": version,
            "accepted": c.map(|c| c.accepted.iter().cloned().collect::<Vec<_>>()).unwrap_or_default(),
            "window": {"start": spec.window.start.to_rfc3339(), "end": spec.window.end.to_rfc3339()},
            "evaluation": verdicts,
        }));
    }
    Ok(json!({"corridors": out}))
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// The alert texts of every announced event, newest first, in one language.
async fn alerts(
    State(st): State<Shared>,
    Query(q): Query<LangQuery>,
) -> Result<Json<Value>, ApiError> {
    use corridor_publish::lang::{Lang, Texts};
    let lang = match q.lang.as_deref().unwrap_or("uk") {
        "uk" => Lang::Uk,
        "ru" => Lang::Ru,
        "en" => Lang::En,
        other => {
            return Err(ApiError(
                StatusCode::BAD_REQUEST,
                format!("unknown language `{other}` (uk, ru, en)"),
            ))
        }
    };
    let log = blocking(st.clone(), load_log).await?;
    let texts = Texts::new();
    let evs = corridor_publish::events(&st.scenario, &log);
    let mut out: Vec<Value> = evs
        .iter()
        .map(|e| {
            let f = corridor_publish::cap::facts(&st.scenario, e, lang, &texts);
            let duration = corridor_publish::cap::duration_text(&texts, lang, f.hours, f.minutes);
            let km = format!("{}", f.km);
            let a = corridor_publish::cap::args(&f, e.kind, st.scenario.tz.name(), &duration, &km);
            json!({"corridor": e.corridor, "kind": e.kind.name(), "open": e.kind.open(), "sent": e.sent(),
                   "window_end": f.window.1.to_rfc3339(),
                   "headline": texts.get(lang, "headline", &a), "description": texts.get(lang, "description", &a),
                   "instruction": texts.get(lang, "instruction", &a)})
        })
        .collect();
    out.reverse();
    Ok(Json(json!({"lang": lang.tag(), "alerts": out})))
}

async fn log_text(State(st): State<Shared>) -> Result<Response, ApiError> {
    let log = blocking(st, load_log).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        log.to_text(),
    )
        .into_response())
}

/// Size and tree hash of the log, with a tree head signed by the mediator
/// (whose key the server holds), checkable with `corridor log verify --heads`.
async fn log_head(State(st): State<Shared>) -> Result<Json<Value>, ApiError> {
    let log = blocking(st.clone(), load_log).await?;
    let signer =
        st.scenario.parties.iter().find(|p| {
            p.role == corridor_negotiation::Role::Mediator && st.keys.contains_key(&p.id)
        });
    let signed = signer.map(|p| log.head(&now(), &p.id, &st.keys[&p.id]).to_json());
    Ok(Json(
        json!({"size": log.len(), "tree_hash": corridor_log::hex(&log.root()), "signed": signed}),
    ))
}

fn publish(st: &AppState) -> Result<Arc<Vec<corridor_publish::File>>, ApiError> {
    let log = cached_log(st)?;
    if let Some((len, _, Some(files))) = st.cache.lock().unwrap_or_else(|e| e.into_inner()).as_ref()
    {
        if *len == log.len() as u64 {
            return Ok(files.clone());
        }
    }
    let files = Arc::new(corridor_publish::publish(
        &effective(st, &log),
        &log,
        &st.site,
    ));
    let mut c = st.cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((len, _, f)) = c.as_mut() {
        if *len == log.len() as u64 {
            *f = Some(files.clone());
        }
    }
    Ok(files)
}

async fn feed(State(st): State<Shared>, name: &'static str) -> Result<Response, ApiError> {
    let files = blocking(st, publish).await?;
    let f = files
        .iter()
        .find(|f| f.path == name)
        .ok_or_else(|| internal("feed missing"))?;
    let ct = if name.ends_with(".atom") {
        "application/atom+xml"
    } else {
        "application/geo+json"
    };
    Ok(([(header::CONTENT_TYPE, ct)], f.text.clone()).into_response())
}

async fn cap_file(
    State(st): State<Shared>,
    UrlPath(file): UrlPath<String>,
) -> Result<Response, ApiError> {
    let files = blocking(st, publish).await?;
    let want = format!("cap/{file}");
    let f = files
        .iter()
        .find(|f| f.path == want)
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, "no such alert".into()))?;
    Ok((
        [(header::CONTENT_TYPE, "application/cap+xml")],
        f.text.clone(),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActRequest {
    /// Acting party (optional; must be the token's).
    party: Option<String>,
    action: String,
    proposal: String,
    reason: Option<String>,
}

fn eq_ct(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The party whose token this is (constant-time comparison of hashes).
fn authenticate(st: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    let unauthorized = || {
        ApiError(
            StatusCode::UNAUTHORIZED,
            "a valid bearer token is required".into(),
        )
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(unauthorized)?;
    let h = corridor_log::hex(&Sha256::digest(token.trim().as_bytes()));
    let mut found = None;
    for p in &st.scenario.parties {
        if let Some(stored) = st.store.token_hash(&p.id).map_err(internal)? {
            if eq_ct(stored.as_bytes(), h.as_bytes()) {
                found = Some(p.id.clone());
            }
        }
    }
    found.ok_or_else(unauthorized)
}

async fn act(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    blocking(st, move |st| act_sync(st, &headers, &body))
        .await
        .map(Json)
}

fn act_sync(st: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let party = authenticate(st, headers)?;
    let req: ActRequest = serde_json::from_slice(body)
        .map_err(|e| ApiError(StatusCode::BAD_REQUEST, format!("bad request body: {e}")))?;
    if req.party.as_ref().is_some_and(|p| *p != party) {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            format!("this token acts for `{party}` only"),
        ));
    }
    let _guard = st.write.lock().unwrap_or_else(|e| e.into_inner());
    let mut log = load_log(st)?;
    act_on(
        st,
        &party,
        &mut log,
        &req.proposal,
        &req.action,
        req.reason.clone().unwrap_or_default(),
    )
}

/// Appends an entry by `party` to the log and the store, durably, and tells
/// the listeners.
fn append(
    st: &AppState,
    log: &mut Log,
    party: &str,
    kind: &str,
    body: Value,
) -> Result<u64, ApiError> {
    let key = st
        .keys
        .get(party)
        .ok_or_else(|| internal(format!("no key held for {party}")))?;
    let rec = log.append(&now(), party, kind, body, key).clone();
    st.store
        .append(rec.entry.seq, &rec.line())
        .map_err(|e| match e {
            StoreError::Conflict(_) => ApiError(StatusCode::CONFLICT, e.to_string()),
            other => internal(other),
        })?;
    let _ = st.events.send(
        json!({"seq": rec.entry.seq, "party": party, "kind": kind, "tree_hash": corridor_log::hex(&log.root())})
            .to_string(),
    );
    Ok(rec.entry.seq)
}

fn now() -> String {
    chrono::Local::now()
        .fixed_offset()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// One lifecycle action by `party` on corridor `proposal`, checked, signed
/// and appended.
fn act_on(
    st: &AppState,
    party: &str,
    log: &mut Log,
    proposal: &str,
    action: &str,
    reason: String,
) -> Result<Value, ApiError> {
    let scn = effective(st, log);
    let mut book = Book::replay(&scn, log).map_err(|(s, e)| internal(format!("entry {s}: {e}")))?;
    let spec = scn
        .proposal(proposal)
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("no corridor `{proposal}`")))?;
    let (_, content, version) = plan_spec(st, &scn, spec)
        .map_err(|e| ApiError(StatusCode::CONFLICT, format!("no route: {e}")))?;
    let current = book
        .corridors
        .get(proposal)
        .map(|c| c.version.clone())
        .unwrap_or_else(|| version.clone());
    let action = match action {
        "propose" => Action::Propose { version },
        "accept" => Action::Accept { version: current },
        "reject" => Action::Reject {
            version: current,
            reason,
        },
        "countersign" => Action::Countersign { version: current },
        "open" => Action::Open,
        "suspend" => Action::Suspend { reason },
        "reopen" => Action::Reopen,
        "close" => Action::Close,
        "complete" => Action::Complete,
        "cancel" => Action::Cancel { reason },
        other => {
            return Err(ApiError(
                StatusCode::BAD_REQUEST,
                format!("`{other}` is not an action"),
            ))
        }
    };
    let state = book
        .apply(&scn, party, proposal, &action)
        .map_err(|e| ApiError(StatusCode::CONFLICT, e.to_string()))?;
    let mut body = action.body(proposal);
    if matches!(action, Action::Propose { .. }) {
        body["content"] = content;
    }
    let seq = append(st, log, party, action.name(), body)?;
    Ok(
        json!({"seq": seq, "party": party, "action": action.name(), "corridor": proposal,
              "state": state.name(), "tree_hash": corridor_log::hex(&log.root())}),
    )
}

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

/// Checks a reported hazard and turns it into its log body.
fn hazard_body(party: &str, req: &HazardRequest, seq: usize) -> Result<Value, ApiError> {
    let bad = |m: String| ApiError(StatusCode::BAD_REQUEST, m);
    let at = corridor_geo::LatLon::parse(&req.at).map_err(|e| bad(format!("at: {e}")))?;
    if corridor_hazards::HazardKind::parse(&req.kind).is_none() {
        return Err(bad(format!("`{}` is not a hazard kind", req.kind)));
    }
    if !(req.radius_m.is_finite() && req.radius_m > 0.0 && req.radius_m <= 50_000.0) {
        return Err(bad("radius_m must be within 0..50000".into()));
    }
    for t in [&req.valid_from, &req.valid_until].into_iter().flatten() {
        chrono::DateTime::parse_from_rfc3339(t)
            .map_err(|_| bad(format!("`{t}` is not a time with a UTC offset")))?;
    }
    let id = req
        .id
        .clone()
        .unwrap_or_else(|| format!("{}-{}-{seq}", req.kind, party));
    Ok(
        json!({"hazard": {"id": id, "kind": req.kind, "at": [at.lat, at.lon], "radius_m": req.radius_m,
        "valid_from": req.valid_from, "valid_until": req.valid_until,
        "source": format!("{party}: {}", req.description.clone().unwrap_or_default())}}),
    )
}

fn may_report(st: &AppState, party: &str) -> Result<(), ApiError> {
    match st.scenario.party(party).map(|p| p.role) {
        Some(corridor_negotiation::Role::Observer) | None => Err(ApiError(
            StatusCode::FORBIDDEN,
            "observers cannot report hazards".into(),
        )),
        _ => Ok(()),
    }
}

/// A checked hazard report: who, the write lock, the log, the entry body.
struct Report<'a> {
    party: String,
    _guard: std::sync::MutexGuard<'a, ()>,
    log: Log,
    body: Value,
}

fn report<'a>(st: &'a AppState, headers: &HeaderMap, body: &[u8]) -> Result<Report<'a>, ApiError> {
    let party = authenticate(st, headers)?;
    may_report(st, &party)?;
    let req: HazardRequest = serde_json::from_slice(body)
        .map_err(|e| ApiError(StatusCode::BAD_REQUEST, format!("bad request body: {e}")))?;
    let _guard = st.write.lock().unwrap_or_else(|e| e.into_inner());
    let log = load_log(st)?;
    let body = hazard_body(&party, &req, log.len())?;
    Ok(Report {
        party,
        _guard,
        log,
        body,
    })
}

async fn add_hazard(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    blocking(st, move |st| {
        let Report {
            party,
            _guard,
            mut log,
            body: b,
        } = report(st, &headers, &body)?;
        let id = b["hazard"]["id"].clone();
        let seq = append(st, &mut log, &party, "hazard", b)?;
        Ok(Json(json!({"seq": seq, "hazard": id})))
    })
    .await
}

async fn lift_hazard(
    State(st): State<Shared>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    blocking(st, move |st| {
        let party = authenticate(st, &headers)?;
        may_report(st, &party)?;
        let _guard = st.write.lock().unwrap_or_else(|e| e.into_inner());
        let mut log = load_log(st)?;
        if !effective(st, &log)
            .hazards
            .hazards
            .iter()
            .any(|h| h.id == id)
        {
            return Err(ApiError(
                StatusCode::NOT_FOUND,
                format!("no hazard `{id}` in force"),
            ));
        }
        let seq = append(st, &mut log, &party, "lift", json!({"hazard": id}))?;
        Ok(Json(json!({"seq": seq, "lifted": id})))
    })
    .await
}

/// An incident: the hazard goes into the log; every open corridor whose
/// route it touches is suspended; each is proposed again with a route that
/// avoids it (when the reporting party may propose); the alerts follow from
/// the log.
async fn incident(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    blocking(st, move |st| {
        let Report { party, _guard, mut log, body: b } = report(st, &headers, &body)?;
        let hazard = hazard_of(&b["hazard"]).ok_or_else(|| internal("hazard body"))?;
        append(st, &mut log, &party, "hazard", b)?;
        let scn = effective(st, &log);
        let book = Book::replay(&scn, &log).map_err(|(s, e)| internal(format!("entry {s}: {e}")))?;
        let open: Vec<String> = book
            .corridors
            .values()
            .filter(|c| c.state == corridor_negotiation::lifecycle::State::Open)
            .map(|c| c.id.clone())
            .collect();
        let (mut suspended, mut proposed, mut untouched) = (vec![], vec![], vec![]);
        for id in open {
            // The route on the table, as logged with its proposal.
            let line: Vec<corridor_geo::LatLon> = log
                .records()
                .iter()
                .rev()
                .find(|r| r.entry.kind == "propose" && r.entry.body["proposal"] == id.as_str())
                .and_then(|r| r.entry.body.pointer("/content/route/geometry").cloned())
                .and_then(|g| {
                    g.as_array().map(|a| {
                        a.iter()
                            .filter_map(|p| Some(corridor_geo::LatLon::new(p[0].as_f64()? / 1e6, p[1].as_f64()? / 1e6)))
                            .collect()
                    })
                })
                .unwrap_or_default();
            let hit = line
                .windows(2)
                .any(|w| hazard.parts.iter().any(|p| corridor_hazards::segment_meets_part(w[0], w[1], p, hazard.buffer_m)));
            if !hit {
                untouched.push(id);
                continue;
            }
            let reason = format!("incident: {} ({})", hazard.id, hazard.kind.name());
            match act_on(st, &party, &mut log, &id, "suspend", reason) {
                Ok(_) => suspended.push(id.clone()),
                Err(e) => return Err(ApiError(e.0, format!("suspending {id}: {}", e.1))),
            }
            // A new version with a route around the hazard, if one exists and
            // this party may propose.
            if act_on(st, &party, &mut log, &id, "propose", String::new()).is_ok() {
                proposed.push(id);
            }
        }
        Ok(Json(json!({"hazard": hazard.id, "suspended": suspended, "proposed_again": proposed, "not_affected": untouched})))
    })
    .await
}

#[derive(Deserialize)]
struct ProofQuery {
    entry: Option<usize>,
    from: Option<usize>,
}

/// Inclusion proof of an entry, or consistency proof from an earlier size.
async fn log_proof(
    State(st): State<Shared>,
    Query(q): Query<ProofQuery>,
) -> Result<Json<Value>, ApiError> {
    let log = blocking(st, load_log).await?;
    let hexes = |p: Vec<[u8; 32]>| p.iter().map(|h| corridor_log::hex(h)).collect::<Vec<_>>();
    match (q.entry, q.from) {
        (Some(i), None) if i < log.len() => Ok(Json(
            json!({"type": "inclusion", "entry": i, "tree_size": log.len(),
            "leaf_hash": log.leaf(i).map(|h| corridor_log::hex(&h)), "tree_hash": corridor_log::hex(&log.root()),
            "audit_path": hexes(log.inclusion_proof(i))}),
        )),
        (None, Some(m)) if m >= 1 && m <= log.len() => {
            Ok(Json(json!({"type": "consistency", "first_size": m,
            "first_tree_hash": corridor_log::hex(&log.root_at(m)), "second_size": log.len(),
            "second_tree_hash": corridor_log::hex(&log.root()), "proof": hexes(log.consistency_proof(m))})))
        }
        _ => Err(ApiError(
            StatusCode::BAD_REQUEST,
            format!(
                "give entry=N (0..{}) or from=SIZE (1..={})",
                log.len(),
                log.len()
            ),
        )),
    }
}

/// A fresh random token (32 bytes, hex).
pub fn new_token() -> Result<String, String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| format!("no randomness: {e}"))?;
    Ok(corridor_log::hex(&b))
}

/// Stores the SHA-256 of `token` as `party`'s token.
pub fn set_token(store: &dyn Store, party: &str, token: &str) -> Result<(), StoreError> {
    store.set_token_hash(party, &corridor_log::hex(&Sha256::digest(token.as_bytes())))
}
