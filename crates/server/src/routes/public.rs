//! Public reads (no account): the web page and its assets, the scenario,
//! the road network and territories for the map, the corridors with every
//! party's verdict, and the alert texts. Everything derived from the log is
//! computed once per log state (`state::Views`); the network and the
//! territories once per process.

use super::{blocking, Shared};
use crate::compressed::Precompressed;
use crate::error::ApiError;
use crate::state::{AppState, Live};
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use corridor_negotiation::Role;
use corridor_publish::lang::{Lang, Texts};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};

/// The page's Content-Security-Policy: no inline script, no other origin.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// The routes of this module.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/", get(index))
        .route("/text", get(text_page))
        .route(
            "/assets/app.js",
            asset("text/javascript", include_str!("../../assets/app.js")),
        )
        .route(
            "/assets/leaflet.js",
            asset(
                "text/javascript",
                include_str!("../../assets/leaflet/leaflet.js"),
            ),
        )
        .route(
            "/assets/leaflet.css",
            asset("text/css", include_str!("../../assets/leaflet/leaflet.css")),
        )
        .route(
            "/openapi.json",
            asset(
                "application/json",
                include_str!("../../assets/openapi.json"),
            ),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/api/scenario", get(scenario))
        .route("/api/network.geojson", get(network))
        .route("/api/tiles/{z}/{x}/{file}", get(tile))
        .route("/api/territories.geojson", get(territories))
        .route("/api/corridors", get(corridors))
        .route("/api/alerts", get(alerts))
}

/// A static file compiled into the binary, compressed on first use.
fn asset(content_type: &'static str, body: &'static str) -> axum::routing::MethodRouter<Shared> {
    let once: Arc<OnceLock<Precompressed>> = Arc::new(OnceLock::new());
    get(move |headers: HeaderMap| async move {
        once.get_or_init(|| Precompressed::new(body, content_type))
            .respond(&headers, "public, max-age=3600")
    })
}

/// Headers every page carries. A page is in the reader's language, so a
/// shared cache must key it by `Accept-Language` too.
pub(crate) fn page_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::VARY,
        HeaderValue::from_static("accept-encoding, accept-language"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

/// The language a page is rendered in, and its index in `Lang::ALL`.
fn page_lang(q: &LangQuery, headers: &HeaderMap) -> (Lang, usize) {
    let lang = crate::page::pick_lang(
        q.lang.as_deref(),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    (lang, Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0))
}

/// The page a GET of `path` without a query asks for, as rendered for the
/// live log state (the public fast path, `front`): `None` when that page
/// is not rendered yet or the path is not a page.
pub(crate) fn rendered_page<'a>(
    live: &'a Live,
    path: &str,
    headers: &HeaderMap,
) -> Option<&'a Precompressed> {
    let slots = match path {
        "/" => &live.views.pages,
        "/text" => &live.views.text_pages,
        _ => return None,
    };
    let (_, i) = page_lang(&LangQuery { lang: None }, headers);
    slots[i].get().map(|p| &**p)
}

fn page_facts(live: &Live) -> crate::page::PageFacts<'_> {
    let s = live.ledger.scenario();
    crate::page::PageFacts {
        title: &s.name,
        status: s.status,
    }
}

/// The map page, with the alerts already in it in the reader's language.
async fn index(
    st: State<Shared>,
    headers: HeaderMap,
    q: Result<Query<LangQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    page(st, headers, q, Page::Map).await
}

/// The same alerts with no script and no map: for the oldest phones and the
/// slowest links.
async fn text_page(
    st: State<Shared>,
    headers: HeaderMap,
    q: Result<Query<LangQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    page(st, headers, q, Page::Text).await
}

#[derive(Clone, Copy)]
enum Page {
    Map,
    Text,
}

/// A page in the reader's language, rendered once per log state.
async fn page(
    State(st): State<Shared>,
    headers: HeaderMap,
    q: Result<Query<LangQuery>, axum::extract::rejection::QueryRejection>,
    which: Page,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    let (lang, i) = page_lang(&q, &headers);
    let page = blocking(st, move |st| {
        // The files of the same log state as the page, which is cached
        // with that state.
        let live = st.live()?;
        let files = match which {
            Page::Text => Some(crate::routes::feeds::files_of(st, &live)),
            Page::Map => None,
        };
        let slot = match which {
            Page::Map => &live.views.pages[i],
            Page::Text => &live.views.text_pages[i],
        };
        Ok(slot
            .get_or_init(|| {
                let a = live.views.alerts[i].get_or_init(|| Arc::new(alerts_view(&live, lang)));
                let facts = page_facts(&live);
                let html = match &files {
                    None => {
                        crate::page::index(include_str!("../../assets/index.html"), lang, &facts, a)
                    }
                    Some(files) => {
                        // The language's SMS texts, and every other file.
                        let mut names: Vec<String> = files
                            .iter()
                            .map(|f| f.path.clone())
                            .filter(|p| {
                                !p.starts_with("sms/")
                                    || p.ends_with(&format!("-{}.txt", lang.code()))
                            })
                            .collect();
                        names.sort();
                        crate::page::text_page(lang, &facts, a, &names)
                    }
                };
                Arc::new(Precompressed::new(html, "text/html; charset=utf-8"))
            })
            .clone())
    })
    .await?;
    Ok(page_headers(page.respond(&headers, "no-cache")))
}

/// A map tile of the road network: `/api/tiles/{z}/{x}/{y}.geojson`.
async fn tile(
    State(st): State<Shared>,
    headers: HeaderMap,
    UrlPath((z, x, file)): UrlPath<(String, String, String)>,
) -> Result<Response, ApiError> {
    let bad = |what: &str| ApiError::BadRequest(format!("tile: {what}"));
    // Any number is a zoom (one past 255 is as much out of range as 17).
    let z: u8 = match z.parse::<u64>() {
        Ok(z) => u8::try_from(z).unwrap_or(u8::MAX),
        Err(_) => return Err(bad("zoom is not a number")),
    };
    let x: u32 = x.parse().map_err(|_| bad("x is not a tile index"))?;
    let y: u32 = file
        .strip_suffix(".geojson")
        .ok_or_else(|| bad("the file is {y}.geojson"))?
        .parse()
        .map_err(|_| bad("y is not a tile index"))?;
    let t = blocking(st, move |st| {
        let Some(router) = st.router.as_ref() else {
            return Err(ApiError::NotFound("this scenario has no road graph".into()));
        };
        let tiles = st
            .tiles
            .get_or_init(|| Some(corridor_wire::tiles::Tiles::new(router.graph())))
            .as_ref()
            .ok_or_else(|| ApiError::NotFound("no tiles".into()))?;
        if let Some(t) = st
            .tile_cache
            .lock()
            .map_err(|_| ApiError::Internal)?
            .get(&(z, x, y))
        {
            return Ok(t.clone());
        }
        let body = tiles.tile(router.graph(), z, x, y).map_err(|e| match e {
            corridor_wire::tiles::TileError::Zoom(_) => ApiError::NotFound(format!("tile: {e}")),
            corridor_wire::tiles::TileError::Index => ApiError::BadRequest(format!("tile: {e}")),
        })?;
        let t = Arc::new(Precompressed::new(body, "application/geo+json"));
        // An empty tile is cheap to make: it is not kept, so that tiles
        // asked for anywhere on Earth do not fill the cache.
        if !tiles.has_roads(z, x, y) {
            return Ok(t);
        }
        let mut cache = st.tile_cache.lock().map_err(|_| ApiError::Internal)?;
        let held: usize = cache.values().map(|t| t.raw().len() + t.wire_len()).sum();
        if held + t.raw().len() + t.wire_len() > TILE_CACHE_BYTES {
            // The coarse tiles are few and the costly ones to make (a
            // country's motorways): they stay; the fine ones go.
            cache.retain(|k, _| k.0 <= KEEP_ZOOM);
        }
        cache.insert((z, x, y), t.clone());
        Ok(t)
    })
    .await?;
    Ok(t.respond(&headers, "public, max-age=86400"))
}

/// Bytes of tiles kept in memory (each raw and compressed).
const TILE_CACHE_BYTES: usize = 64 << 20;
/// Tiles of this zoom and coarser are never evicted: at most a few thousand
/// over any country, and the slowest to make.
const KEEP_ZOOM: u8 = 8;

async fn scenario(State(st): State<Shared>) -> Result<Json<Value>, ApiError> {
    let live = blocking(st.clone(), AppState::live).await?;
    let s = live.ledger.scenario();
    Ok(Json(json!({
        "name": s.name,
        "status": format!("{:?}", s.status).to_lowercase(),
        "time_zone": s.tz.name(),
        "exercise_clock_days": live.ledger.shift_days(),
        "parties": s.parties.iter().map(|p| json!({"id": p.id, "name": p.name, "role": p.role.name(),
            "public_key": corridor_log::format_public_key(&p.key)})).collect::<Vec<_>>(),
        "places": s.origins.iter().chain(&s.destinations).map(|p| json!({"id": p.id, "name": p.name,
            "name_uk": p.name_uk, "name_ru": p.name_ru, "at": [p.at.lon, p.at.lat]})).collect::<Vec<_>>(),
        "proposals": s.proposals.iter().map(|p| json!({"id": p.id, "origin": p.origin, "destination": p.destination,
            "window": {"start": p.window.start.to_rfc3339(), "end": p.window.end.to_rfc3339()}})).collect::<Vec<_>>(),
        "tiles": st.router.as_ref().map(|_| json!({"min_zoom": corridor_wire::tiles::MIN_ZOOM, "max_zoom": corridor_wire::tiles::MAX_ZOOM})),
        "attribution": "Map data (c) OpenStreetMap contributors, ODbL",
    })))
}

fn geojson(body: Arc<String>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/geo+json")],
        body.as_str().to_owned(),
    )
        .into_response()
}

/// The car network as lines, rounded to 5 decimals, for the map (no tile
/// server needed). Built once.
async fn network(State(st): State<Shared>, headers: HeaderMap) -> Response {
    let body = st.network.get_or_init(|| {
        let text = match &st.router {
            Some(r) => corridor_wire::tiles::network_geojson(r.graph()),
            None => r#"{"type":"FeatureCollection","features":[]}"#.to_string(),
        };
        Arc::new(Precompressed::new(text, "application/geo+json"))
    });
    // 1.5 MB for a city: compressed once, not per request.
    body.respond(&headers, "public, max-age=3600")
}

async fn territories(State(st): State<Shared>) -> Response {
    let body = st.territories.get_or_init(|| {
        let f: Vec<Value> = st
            .scenario()
            .territories
            .iter()
            .map(|t| {
                json!({"type": "Feature", "id": t.id, "properties": {"id": t.id, "name": t.name},
                    "geometry": {"type": "MultiPolygon", "coordinates": t.polygons().map(|p| p.iter().map(|r| r.iter().map(|&(x, y)| [x, y]).collect::<Vec<_>>()).collect::<Vec<_>>()).collect::<Vec<_>>()}})
            })
            .collect();
        Arc::new(json!({"type": "FeatureCollection", "features": f}).to_string())
    });
    geojson(body.clone())
}

async fn corridors(State(st): State<Shared>) -> Result<Json<Value>, ApiError> {
    blocking(st, |st| {
        let live = st.live()?;
        Ok(live
            .views
            .corridors
            .get_or_init(|| Arc::new(corridors_view(st, &live)))
            .clone())
    })
    .await
    .map(|v| Json((*v).clone()))
}

/// Every corridor of the scenario and of the log: its state, the version on
/// the table, each party's answer, and every party's verdict by its rules
/// (on the version on the table; for a proposal not yet made, on its route
/// with the hazards in force).
fn corridors_view(st: &AppState, live: &Live) -> Value {
    let l = &live.ledger;
    let scn = l.scenario();
    let mut ids: Vec<&str> = scn.proposals.iter().map(|p| p.id.as_str()).collect();
    for id in l.corridors().keys() {
        if !ids.contains(&id.as_str()) {
            ids.push(id);
        }
    }
    let out: Vec<Value> = ids
        .into_iter()
        .map(|id| {
            let c = l.corridor(id);
            let (window, evaluation) = match c {
                Some(c) => {
                    let content = c.content();
                    let ev = content.replayed().map(|(spec, route)| {
                        corridor_negotiation::evaluate(scn, &spec, &route, &c.life.version).to_json(scn)
                    });
                    (json!({"start": content.window.start, "end": content.window.end}), ev)
                }
                None => {
                    let spec = scn.proposal(id).expect("listed from the scenario");
                    let ev = match super::act::route(st, scn, spec) {
                        Ok(content) => content.replayed().map(|(spec, route)| {
                            corridor_negotiation::evaluate(scn, &spec, &route, &content.version()).to_json(scn)
                        }),
                        Err(e) => Some(json!({"error": e.message()})),
                    };
                    (json!({"start": spec.window.start.to_rfc3339(), "end": spec.window.end.to_rfc3339()}), ev)
                }
            };
            let (origin, destination) = match c {
                Some(c) => (json!(c.content().origin), json!(c.content().destination)),
                None => {
                    let spec = scn.proposal(id).expect("listed from the scenario");
                    // The same shape as a proposal's content (micro-degrees, lat first).
                    let place = |p: &str| scn.place(p).map(|x| json!({"id": x.id, "name": x.name,
                        "at": [(x.at.lat * 1e6).round() as i64, (x.at.lon * 1e6).round() as i64]}));
                    (json!(place(&spec.origin)), json!(place(&spec.destination)))
                }
            };
            json!({
                "id": id,
                "origin": origin,
                "destination": destination,
                "state": c.map_or("not proposed", |c| c.state().name()),
                "version_on_table": c.map(|c| c.life.version.clone()),
                "proposed_by": c.map(|c| c.proposed_by.clone()),
                "answers": c.and_then(|c| c.answers.clone()),
                "accepted": c.map(|c| c.life.accepted.iter().cloned().collect::<Vec<_>>()).unwrap_or_default(),
                "rejected": c.map(|c| c.life.rejected.clone()).unwrap_or_default(),
                "window": window,
                "evaluation": evaluation,
            })
        })
        .collect();
    json!({"corridors": out})
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// The alert texts of every announced event, newest first, in one language.
async fn alerts(
    State(st): State<Shared>,
    q: Result<Query<LangQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = q?;
    let lang: Lang = q
        .lang
        .as_deref()
        .unwrap_or("uk")
        .parse()
        .map_err(|e| ApiError::BadRequest(format!("lang: {e}")))?;
    let i = Lang::ALL.iter().position(|l| *l == lang).expect("listed");
    let live = blocking(st, AppState::live).await?;
    let v = live.views.alerts[i]
        .get_or_init(|| Arc::new(alerts_view(&live, lang)))
        .clone();
    Ok(Json((*v).clone()))
}

fn alerts_view(live: &Live, lang: Lang) -> Value {
    let scn = live.ledger.scenario();
    let texts = Texts::new();
    let mut out: Vec<Value> = corridor_publish::events(&live.ledger)
        .iter()
        .map(|e| {
            let f = corridor_publish::cap::facts(scn, e, lang, &texts);
            let duration = corridor_publish::cap::duration_text(&texts, lang, f.hours, f.minutes);
            let km = format!("{}", f.km);
            let a = corridor_publish::cap::args(&f, e.kind, scn.tz.name(), &duration, &km);
            json!({"corridor": e.corridor, "kind": e.kind.name(), "open": e.kind.open(), "sent": e.sent(),
                   "window_end": f.window.1.to_rfc3339(),
                   "last_safe_departure": e.content.last_safe_departure().map(|t| t.to_rfc3339()),
                   "headline": texts.get(lang, "headline", &a), "description": texts.get(lang, "description", &a),
                   "instruction": texts.get(lang, "instruction", &a)})
        })
        .collect();
    out.reverse();
    json!({"lang": lang.tag(), "alerts": out})
}

/// The mediator, if the server holds its key (it signs tree heads).
pub fn mediator(st: &AppState) -> Option<&str> {
    st.scenario()
        .parties
        .iter()
        .find(|p| p.role == Role::Mediator && st.keys.contains_key(&p.id))
        .map(|p| p.id.as_str())
}
