//! The middleware every request passes: rate limits and the same-origin
//! rule for writes.
//!
//! * Reads are limited per client address (`--reads-per-minute`, default
//!   [`crate::READS_PER_MINUTE`]; an IPv6 address by its /64), in the same
//!   window whether served by the public fast path (`front`) or the router;
//!   searches and plans, which cost CPU, to [`HEAVY_PER_MINUTE`] per
//!   address.
//! * Writes are limited per *party*, whatever the form of its credentials
//!   (white space, case of the scheme, token or session), and attempts
//!   without a valid credential per address, at half the rate.
//! * Counters are bounded: at most [`MAX_CLIENTS`] windows are held per
//!   table (reads; the rest), in 16 shards under their own locks; when a
//!   shard is full, its expired windows are dropped, and a new client is
//!   refused until room frees (so no flood of made-up keys can grow
//!   memory).
//! * Every address is counted as reads are, an IPv6 host by its /64
//!   ([`client_key`]): searches, plans, anonymous writes and live event
//!   streams too.
//! * A write or a plan (a POST) from a browser on another origin is
//!   refused, and so is a search or plan the browser marks
//!   `Sec-Fetch-Site: cross-site`: `Origin`, when
//!   sent, must be this server's (its `Host` with the request's scheme, or
//!   the public base URL's origin), and `Sec-Fetch-Site: cross-site` is
//!   refused. No CORS header ever allows another origin.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Searches and plans per minute and address.
pub const HEAVY_PER_MINUTE: u32 = 30;

/// Batches of positions per minute and convoy (one every second on average).
pub const TRACKER_PER_MINUTE: u32 = 600;

/// Most rate-limit windows held at once, per table (reads by address; the
/// rest by key).
pub const MAX_CLIENTS: usize = 10_000;

/// Shards of each table: two threads counting two different clients rarely
/// wait for each other.
const SHARDS: usize = 16;

/// Fixed one-minute windows per key, in [`SHARDS`] shards each bounded to
/// its share of [`MAX_CLIENTS`]: key → (window start, count).
struct Windows<K> {
    shards: Vec<Mutex<HashMap<K, (Instant, u32)>>>,
    pick: std::hash::RandomState,
}

impl<K: std::hash::Hash + Eq> Default for Windows<K> {
    fn default() -> Self {
        Windows {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            pick: std::hash::RandomState::new(),
        }
    }
}

impl<K: std::hash::Hash + Eq> Windows<K> {
    fn admit(&self, key: K, limit: u32) -> bool {
        use std::hash::BuildHasher;
        // The shard from a per-process keyed hash: no client can aim all
        // its keys at one shard.
        let shard = self.pick.hash_one(&key) as usize % SHARDS;
        let mut m = self.shards[shard].lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let minute = Duration::from_secs(60);
        if m.len() >= MAX_CLIENTS / SHARDS && !m.contains_key(&key) {
            m.retain(|_, (start, _)| now.duration_since(*start) < minute);
            if m.len() >= MAX_CLIENTS / SHARDS {
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

    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).len())
            .sum()
    }
}

/// Rate-limit counters: fixed one-minute windows, bounded.
///
/// Reads are counted per client address (an IPv6 address by its /64, the
/// block one subscriber usually holds), keyed without allocating, so the
/// public fast path (`front`) can count every request; everything else per
/// key (`party:…`, `anon:…`, `heavy:…`, `tracker:…`). Authenticated keys
/// (a party's, a convoy tracker's) have a table of their own, bounded by
/// the scenario's parties and the convoys: anonymous clients filling theirs
/// from many addresses can never crowd a party or a tracker out (a party's
/// suspension, a convoy's positions refused with 429).
#[derive(Default)]
pub struct Limits {
    keyed: Windows<String>,
    trusted: Windows<String>,
    reads: Windows<Option<IpAddr>>,
}

impl Limits {
    /// Counts one request of `key`; whether it is within `limit` a minute.
    pub fn admit(&self, key: String, limit: u32) -> bool {
        if key.starts_with("party:") || key.starts_with("tracker:") {
            self.trusted.admit(key, limit)
        } else {
            self.keyed.admit(key, limit)
        }
    }

    /// Counts one read from `addr` (`None`: no address known, as for a
    /// request made in-process); whether it is within `limit` a minute.
    pub fn admit_read(&self, addr: Option<IpAddr>, limit: u32) -> bool {
        self.reads.admit(addr.map(client_key), limit)
    }

    /// Windows held.
    pub fn len(&self) -> usize {
        self.keyed.len() + self.trusted.len() + self.reads.len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Longest a client may pause while sending a request's body (hyper
/// bounds the headers themselves).
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest a request's whole body may take: a 64 KB batch of positions
/// over 16 kbit/s of a congested mobile link.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Reads a request's body whole, or answers 408 if the client pauses
/// longer than [`BODY_IDLE_TIMEOUT`] or takes longer than
/// [`BODY_READ_TIMEOUT`] in all: a body sent a byte every few seconds would
/// otherwise hold its connection (and a descriptor) for as long as the
/// client liked. The body read is at most the largest any route takes
/// (413 beyond); each route's own limit still applies.
pub async fn body_in_time(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use tokio_stream::StreamExt;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let most = crate::MAX_BODY.max(crate::routes::convoys::MAX_POSITIONS_BODY);
    let deadline = tokio::time::Instant::now() + BODY_READ_TIMEOUT;
    let mut chunks = body.into_data_stream();
    let mut bytes = Vec::new();
    loop {
        let wait =
            BODY_IDLE_TIMEOUT.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
        match tokio::time::timeout(wait, chunks.next()).await {
            Ok(None) => break,
            Ok(Some(Ok(chunk))) => {
                if bytes.len() + chunk.len() > most {
                    return ApiError::TooLarge.into_response();
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(Some(Err(_))) => {
                return ApiError::BadRequest("the request's body could not be read".into())
                    .into_response()
            }
            Err(_) => return ApiError::Timeout.into_response(),
        }
    }
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(bytes),
    ))
    .await
}

/// The address a client is counted by (reads, heavy and anonymous writes,
/// live event streams): an IPv4 address itself (an IPv4-mapped IPv6
/// address as IPv4), an IPv6 address by its /64 prefix (a single host is
/// routinely given a whole /64, so counting per address would hand one
/// client 2^64 budgets and let it fill the table).
pub fn client_key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(a) => IpAddr::V4(a),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(a) & !((1u128 << 64) - 1))),
        },
    }
}

/// The peer's address of a request served through axum's connect-info
/// service (tests and in-process callers have none).
pub fn peer(req: &axum::extract::Request) -> Option<IpAddr> {
    req.extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
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
    if !write && !heavy {
        // Reads: the same window the public fast path counts in (`front`),
        // keyed by the address itself (no allocation, no header copy).
        if !st.limits.admit_read(peer(&req), st.per_minute.1) {
            return ApiError::TooMany.into_response();
        }
        return next.run(req).await;
    }
    let h = req.headers().clone();
    // A search or a plan changes nothing, but a foreign page must not spend
    // this server's CPU through its visitors' browsers either: a POST from
    // another origin, or a GET the browser marks cross-site, is refused.
    let posted = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let cross_site = h
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"));
    if (posted && !same_origin(&st, &h)) || (heavy && cross_site) {
        let what = if write {
            "writes"
        } else {
            "searches and plans"
        };
        return ApiError::Forbidden(format!("cross-origin {what} are refused")).into_response();
    }
    let addr = peer(&req).map_or_else(|| "local".into(), |a| client_key(a).to_string());
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
        let party = tokio::task::spawn_blocking(move || crate::auth::authenticate(&st2, &h)).await;
        match party {
            Ok(Ok(p)) => (format!("party:{p}"), st.per_minute.0),
            // The tokens cannot be read from the store: 503 at once (it
            // costs nothing, `auth::TOKENS_RETRY`), not counted against
            // the address as a made-up token, so that a party whose
            // token was refused for the outage is not also limited after.
            Ok(Err(e @ ApiError::TryAgain(_))) => return e.into_response(),
            _ => (format!("anon:{addr}"), (st.per_minute.0 / 2).max(1)),
        }
    } else {
        (format!("heavy:{addr}"), HEAVY_PER_MINUTE)
    };
    if !st.limits.admit(key, limit) {
        return ApiError::TooMany.into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Review: anonymous writes from ten thousand /64s filled the one
    /// table, and a party that had not written for a minute got 429 on its
    /// next write (a suspension, say). Parties and trackers have a table of
    /// their own.
    #[test]
    fn anonymous_keys_never_crowd_out_a_party_or_a_tracker() {
        let l = Limits::default();
        for i in 0..MAX_CLIENTS * 2 {
            l.admit(format!("anon:2001:db8:{i:x}::"), 1);
        }
        assert!(
            !l.admit("anon:someone-new".into(), 1),
            "the anonymous table is full"
        );
        assert!(l.admit("party:icrc".into(), 60));
        assert!(l.admit("tracker:/api/convoys/cv-1/positions".into(), 600));
        assert!(l.len() <= MAX_CLIENTS + 2);
    }
}
