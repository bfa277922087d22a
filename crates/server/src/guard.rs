//! The middleware every request passes: rate limits and the same-origin
//! rule for writes.
//!
//! * Reads are limited per client address; searches and plans, which cost
//!   CPU, to [`HEAVY_PER_MINUTE`] per address.
//! * Writes are limited per *party*, whatever the form of its credentials
//!   (white space, case of the scheme, token or session), and attempts
//!   without a valid credential per address, at a tenth of the rate.
//! * Counters are bounded: at most [`MAX_CLIENTS`] windows are held; when
//!   full, expired windows are dropped, and a new client is refused until
//!   room frees (so no flood of made-up keys can grow memory).
//! * A write from a browser on another origin is refused: `Origin`, when
//!   sent, must be this server's (its `Host` with the request's scheme, or
//!   the public base URL's origin), and `Sec-Fetch-Site: cross-site` is
//!   refused. No CORS header ever allows another origin.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Searches and plans per minute and address.
pub const HEAVY_PER_MINUTE: u32 = 30;

/// Batches of positions per minute and convoy (one every second on average).
pub const TRACKER_PER_MINUTE: u32 = 600;

/// Most rate-limit windows held at once.
pub const MAX_CLIENTS: usize = 10_000;

/// Rate-limit counters: key → (window start, count).
#[derive(Default)]
pub struct Limits {
    map: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Limits {
    /// Counts one request of `key`; whether it is within `limit` a minute.
    pub fn admit(&self, key: String, limit: u32) -> bool {
        let mut m = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let minute = Duration::from_secs(60);
        if !m.contains_key(&key) && m.len() >= MAX_CLIENTS {
            m.retain(|_, (start, _)| now.duration_since(*start) < minute);
            if m.len() >= MAX_CLIENTS {
                return false;
            }
        }
        let e = m.entry(key).or_insert((now, 0));
        if now.duration_since(e.0) >= minute {
            *e = (now, 0);
        }
        e.1 = e.1.saturating_add(1);
        e.1 <= limit
    }

    /// Windows held.
    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next()?;
    Some(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    ))
}

/// Whether a write's browser headers say it comes from this server's page.
fn same_origin(st: &AppState, h: &HeaderMap) -> bool {
    if h.get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"))
    {
        return false;
    }
    let Some(origin) = h.get(header::ORIGIN) else {
        return true; // not a browser's cross-origin request
    };
    let Some(origin) = origin.to_str().ok().and_then(origin_of) else {
        return false; // "null" or garbage
    };
    let proto = h
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("http");
    let mut allowed: Vec<String> = origin_of(&st.site.base_url).into_iter().collect();
    if let Some(host) = h.get(header::HOST).and_then(|v| v.to_str().ok()) {
        allowed.push(format!(
            "{}://{}",
            proto.to_ascii_lowercase(),
            host.to_ascii_lowercase()
        ));
    }
    allowed.contains(&origin)
}

/// The middleware.
pub async fn guard(
    State(st): State<Arc<AppState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    // Planning and searching cost milliseconds to seconds of CPU: they have
    // a budget of their own, per address, even though they change nothing.
    let heavy = matches!(req.uri().path(), "/api/plan" | "/api/search");
    let write = !heavy && !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let h = req.headers().clone();
    if write && !same_origin(&st, &h) {
        return ApiError::Forbidden("cross-origin writes are refused".into()).into_response();
    }
    let addr = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "local".into());
    // A convoy's tracker reports positions with its own token, limited per
    // convoy (checked by the handler, against that convoy's token only).
    let tracker = write
        && req.uri().path().starts_with("/api/convoys/")
        && req.uri().path().ends_with("/positions");
    let (key, limit) = if tracker {
        // Counted per convoy only once its tracker's token matches: an
        // unauthenticated flood must neither use up the real tracker's
        // budget nor make a limiter window per made-up path (review of
        // issue 15); it counts against its address, as any anonymous write.
        let (st2, path, h2) = (st.clone(), req.uri().path().to_string(), h.clone());
        let ok = tokio::task::spawn_blocking(move || {
            crate::routes::convoys::tracker_matches(&st2, &path, &h2)
        })
        .await
        .unwrap_or(false);
        if ok {
            (format!("tracker:{}", req.uri().path()), TRACKER_PER_MINUTE)
        } else {
            (format!("anon:{addr}"), (st.per_minute.0 / 2).max(1))
        }
    } else if write {
        let st2 = st.clone();
        let party = tokio::task::spawn_blocking(move || crate::auth::authenticate(&st2, &h).ok())
            .await
            .ok()
            .flatten();
        match party {
            Some(p) => (format!("party:{p}"), st.per_minute.0),
            None => (format!("anon:{addr}"), (st.per_minute.0 / 2).max(1)),
        }
    } else if heavy {
        (format!("heavy:{addr}"), HEAVY_PER_MINUTE)
    } else {
        (format!("read:{addr}"), st.per_minute.1)
    };
    if !st.limits.admit(key, limit) {
        return ApiError::TooMany.into_response();
    }
    next.run(req).await
}
