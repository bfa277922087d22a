//! The public files under `/public/`: the Atom feed, the GeoJSON, each CAP
//! alert. Published from the live ledger once per log state, by the same
//! function `corridor publish` uses, so the bytes are the same; each file is
//! compressed once per log state and served from memory.

use super::{blocking, Shared};
use crate::compressed::Precompressed;
use crate::error::ApiError;
use crate::state::{AppState, Live};
use axum::extract::{Path as UrlPath, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;
use std::sync::Arc;

/// The routes of this module.
pub fn router() -> Router<Shared> {
    Router::new()
        .route(
            "/public/alerts.atom",
            get(|s, h| feed(s, h, "alerts.atom".into())),
        )
        .route(
            "/public/corridors.geojson",
            get(|s, h| feed(s, h, "corridors.geojson".into())),
        )
        .route(
            "/public/index.html",
            get(|s, h| feed(s, h, "index.html".into())),
        )
        .route(
            "/public/publisher.crt",
            get(|s, h| feed(s, h, "publisher.crt".into())),
        )
        .route("/public/", get(|s, h| feed(s, h, "index.html".into())))
        .route("/public/cap/{file}", get(cap_file))
        .route("/public/sms/{file}", get(sms_file))
        .route("/public/cbs/{file}", get(cbs_file))
}

/// Every public file of the live log state.
pub fn files(st: &AppState) -> Result<Arc<Vec<corridor_publish::File>>, ApiError> {
    Ok(files_of(st, &*st.live()?))
}

/// Every public file of the log state `live` (a view made from another
/// state than the caller's would be cached with the wrong one).
pub fn files_of(st: &AppState, live: &Live) -> Arc<Vec<corridor_publish::File>> {
    live.views
        .files
        .get_or_init(|| {
            // Never silent about an SMS over its budget (issue 14), but
            // each warning once: the files are made again at every write,
            // and an old alert's warning would repeat with each.
            static LOGGED: std::sync::Mutex<Option<std::collections::HashSet<String>>> =
                std::sync::Mutex::new(None);
            let mut logged = LOGGED.lock().unwrap_or_else(|e| e.into_inner());
            let seen = logged.get_or_insert_with(Default::default);
            for w in corridor_publish::report(&live.ledger).warnings {
                if seen.len() >= 10_000 {
                    seen.clear();
                }
                if seen.insert(w.clone()) {
                    tracing::warn!("publishing: {w}");
                }
            }
            drop(logged);
            Arc::new(corridor_publish::publish(&live.ledger, &st.site))
        })
        .clone()
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("atom") => "application/atom+xml",
        Some("geojson") => "application/geo+json",
        Some("xml") => "application/cap+xml",
        Some("html") => "text/html; charset=utf-8",
        Some("crt") => "application/pem-certificate-chain",
        _ => "text/plain; charset=utf-8",
    }
}

/// How stale a public file may be when several servers share a database:
/// another server's new entry shows within this time (a server's own
/// writes show at once).
pub(crate) const FRESH: std::time::Duration = std::time::Duration::from_millis(100);

/// `Cache-Control` of the public files: alerts change with the log, so
/// caches revalidate (ETag) rather than keep them.
pub(crate) const CACHE: &str = "no-cache";

/// The public file a URL path names, as the routes above match it (the
/// public fast path, `front`, answers exactly these): `None` for any other
/// path. Percent-encoded names are left to the router, which decodes them.
pub(crate) fn file_of(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/public/")?;
    match rest {
        "" => Some("index.html"),
        "alerts.atom" | "corridors.geojson" | "index.html" | "publisher.crt" => Some(rest),
        _ => {
            let (dir, name) = rest.split_once('/')?;
            (matches!(dir, "cap" | "sms" | "cbs") && !name.is_empty() && !name.contains(['/', '%']))
                .then_some(rest)
        }
    }
}

/// Every public file of the live log state, compressed, by path.
fn compressed(st: &AppState) -> Result<Arc<HashMap<String, Precompressed>>, ApiError> {
    let live = st.live()?;
    if let Some(m) = live.views.public.get() {
        return Ok(m.clone());
    }
    let files = files(st)?;
    Ok(live
        .views
        .public
        .get_or_init(|| {
            Arc::new(
                files
                    .iter()
                    .map(|f| {
                        (
                            f.path.clone(),
                            Precompressed::new(f.text.clone(), content_type(&f.path)),
                        )
                    })
                    .collect(),
            )
        })
        .clone())
}

async fn feed(
    State(st): State<Shared>,
    headers: HeaderMap,
    path: String,
) -> Result<Response, ApiError> {
    // The cheap path: the files of a log state checked against the store
    // within the last 100 ms, already compressed; no thread hop, no query.
    // Else, on a blocking thread, ask the store.
    let ready = st
        .recent_live(FRESH)
        .and_then(|l| l.views.public.get().cloned());
    let all = match ready {
        Some(m) => m,
        None => blocking(st, compressed).await?,
    };
    let f = all
        .get(&path)
        .ok_or_else(|| ApiError::NotFound("no such file".into()))?;
    Ok(f.respond(&headers, CACHE))
}

async fn cbs_file(
    st: State<Shared>,
    headers: HeaderMap,
    UrlPath(file): UrlPath<String>,
) -> Result<Response, ApiError> {
    feed(st, headers, format!("cbs/{file}")).await
}

async fn cap_file(
    st: State<Shared>,
    headers: HeaderMap,
    UrlPath(file): UrlPath<String>,
) -> Result<Response, ApiError> {
    feed(st, headers, format!("cap/{file}")).await
}

async fn sms_file(
    st: State<Shared>,
    headers: HeaderMap,
    UrlPath(file): UrlPath<String>,
) -> Result<Response, ApiError> {
    feed(st, headers, format!("sms/{file}")).await
}
