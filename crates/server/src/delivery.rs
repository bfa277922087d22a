//! Delivery of alerts to subscribers, from a durable outbox in the store.
//!
//! **Invariant:** every CAP alert the server publishes is queued, once, for
//! every subscriber registered when it is first queued, and a queued row is
//! sent until the subscriber acknowledges it (any 2xx answer), then never
//! again. At least once, idempotent by alert identifier:
//!
//! * queued in the same step that makes a new alert visible (after each
//!   append, before the write is answered), and again by the worker at
//!   start and on every pass (a crash between the append and the queueing
//!   loses nothing: the alert is published from the log, and queueing is
//!   idempotent: `outbox_alerts` and the primary key (subscriber,
//!   identifier));
//! * the exact bytes published (the file `GET /public/cap/…` serves) are
//!   stored in the row when it is queued, and sent as they are;
//! * a claim leases a row (its next attempt moves past the send's timeout),
//!   so two servers on one PostgreSQL never send a row at once, and a row
//!   whose server died mid-send is sent again when its lease ends;
//! * a failure (no connection, a timeout, any status but 2xx) is retried
//!   with exponential backoff, capped ([`Settings`]), and at once when a
//!   new alert is queued (the subscriber may have recovered; a row being
//!   sent keeps its lease).
//!
//! Each delivery is `POST URL` with `Content-Type: application/cap+xml`,
//! `X-Corridor-Alert: IDENTIFIER`, `X-Corridor-Attempt: N` and
//! `X-Corridor-Signature: t=UNIX,v1=HEX`, where HEX is the HMAC-SHA256,
//! keyed with the subscriber's secret, of `UNIX.IDENTIFIER.BODY` ([`sign`],
//! checked by [`verify`]; README tells a subscriber how). Response bodies
//! are never read: only the status counts.

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Due;
use axum::http::{header, Request, Uri};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;

/// Most subscribers registered at once.
pub const MAX_SUBSCRIBERS: usize = 32;
/// Longest subscriber URL, bytes.
pub const MAX_URL: usize = 2048;
/// Shortest and longest secret, bytes (printable ASCII).
pub const SECRET_LEN: (usize, usize) = (16, 256);
/// A signature older or newer than this is refused by [`verify`]'s callers
/// that follow the README (seconds).
pub const TOLERANCE_SECONDS: i64 = 300;

/// How deliveries are paced.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The wait after the first failure; doubled after each further one.
    pub backoff_base: Duration,
    /// The longest wait between two attempts.
    pub backoff_max: Duration,
    /// The longest a delivery may take (connect, send, answer).
    pub timeout: Duration,
    /// Deliveries in flight at once (per server).
    pub concurrency: usize,
    /// Most alerts kept waiting for one subscriber: beyond it the oldest
    /// are given up ([`Store::trim`](crate::store::Store::trim)), so a
    /// subscriber that is gone for good costs a bounded number of rows.
    pub max_pending: usize,
    /// The longest the worker sleeps without being woken (it is woken by
    /// every new alert of this server; this picks up the rows of other
    /// servers on the same database).
    pub poll: Duration,
}

/// [`Settings::max_pending`] unless told otherwise: far more than any
/// burst of alerts, so only a subscriber that stays down reaches it.
pub const DEFAULT_MAX_PENDING: usize = 1000;

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            backoff_base: Duration::from_secs(10),
            backoff_max: Duration::from_secs(3600),
            timeout: Duration::from_secs(10),
            concurrency: 4,
            max_pending: DEFAULT_MAX_PENDING,
            poll: Duration::from_secs(30),
        }
    }
}

impl Settings {
    /// The wait before attempt `attempts + 1`, after `attempts` failures:
    /// base × 2^(attempts − 1), at most the cap, plus up to an eighth of
    /// it at random (so that subscribers that failed together are not
    /// retried together).
    pub fn backoff(&self, attempts: u32) -> Duration {
        let doubling = attempts.saturating_sub(1).min(30);
        let wait = self
            .backoff_base
            .saturating_mul(1u32 << doubling)
            .min(self.backoff_max);
        let mut b = [0u8; 2];
        let jitter = if getrandom::fill(&mut b).is_ok() {
            wait.mul_f64(f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX) / 8.0)
        } else {
            Duration::ZERO
        };
        (wait + jitter).min(self.backoff_max)
    }

    /// How long a claimed row stays leased: longer than any send can take.
    pub fn lease(&self) -> Duration {
        self.timeout.saturating_mul(2) + Duration::from_secs(5)
    }
}

/// Now, Unix milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A subscriber URL, checked: `http://HOST[:PORT][/PATH][?QUERY]`, at most
/// [`MAX_URL`] bytes, no credentials, no fragment. HTTPS is refused: this
/// build has no TLS client (see docs/security.md).
pub fn check_url(url: &str) -> Result<Uri, String> {
    if url.is_empty() || url.len() > MAX_URL {
        return Err(format!("1 to {MAX_URL} bytes"));
    }
    if !url.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("printable ASCII only, no spaces (percent-encode the rest)".into());
    }
    let uri: Uri = url.parse().map_err(|e| format!("not a URL: {e}"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err("https is not supported by this server yet: use http:// (on a network you trust, or through a TLS proxy)".into())
        }
        _ => return Err("must start with http://".into()),
    }
    let authority = uri.authority().ok_or("no host")?;
    if authority.as_str().contains('@') {
        return Err("credentials in the URL are refused: the signature authenticates".into());
    }
    if authority.host().is_empty() {
        return Err("no host".into());
    }
    // A port that is there must be one (1–65535): never a silent 80.
    if let Some((_, port)) = authority.as_str().rsplit_once(':') {
        if !port.contains(']') && !matches!(port.parse::<u16>(), Ok(p) if p > 0) {
            return Err(format!("the port `{port}` is not 1 to 65535"));
        }
    }
    if url.contains('#') {
        return Err("no fragment".into());
    }
    Ok(uri)
}

/// The URL as a new registration stores and compares it ([`check_url`]
/// first, and spellings that reach the same place by another name
/// refused; URLs registered before keep being sent to as they are): the
/// scheme and host in lower case, an IPv6 address in its one form, the
/// port left out when it is 80, the path `/` when there is none, an empty
/// query dropped, and percent-escapes as RFC 3986 (6.2.2) has them: an
/// escaped unreserved character (`%7E`, `%6F`) written as itself, the hex
/// digits of the others in upper case. So `HTTP://A.test:80/hook?` and
/// `http://a.test/hook` are one subscriber, not two that each get every
/// alert (a review registered both), and so are `/h%6Fok` and `/hook`.
pub fn canonical_url(url: &str) -> Result<String, String> {
    let uri = check_url(url)?;
    // Spellings that reach the same place by another name are refused, so
    // that one endpoint is one subscriber (a review registered several):
    // a host with a trailing dot, an IPv4 address not written as four
    // decimal numbers (`127.1`, `2130706433`, `0x7f.0.0.1` and `0177.0.0.1`
    // all reach 127.0.0.1), and `.` or `..` segments in the path; each
    // checked on the unescaped spelling (`%2E%2E` is `..`).
    let authority = uri.authority().ok_or("no host")?;
    let host = unescape_unreserved(authority.host()).to_ascii_lowercase();
    let host = host.as_str();
    if host.ends_with('.') {
        return Err("no trailing dot after the host name".into());
    }
    let numeric = host.rsplit('.').next().is_some_and(|last| {
        last.bytes().all(|b| b.is_ascii_digit()) || last.to_ascii_lowercase().starts_with("0x")
    });
    if !host.starts_with('[') && numeric && host.parse::<std::net::Ipv4Addr>().is_err() {
        return Err(format!(
            "`{host}` is not an IPv4 address written as four decimal numbers (a.b.c.d)"
        ));
    }
    let path = unescape_unreserved(uri.path());
    if path.split('/').any(|seg| seg == "." || seg == "..") {
        return Err("no `.` or `..` segments in the path".into());
    }
    // An IPv6 address in its one textual form (RFC 5952: `[0:0::1]` is
    // `[::1]`).
    let host = match host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .and_then(|h| h.parse::<std::net::Ipv6Addr>().ok())
    {
        Some(a) => format!("[{a}]"),
        None => host.to_string(),
    };
    let port = match authority.port_u16() {
        Some(80) | None => String::new(),
        Some(p) => format!(":{p}"),
    };
    let path = match path.as_str() {
        "" => "/",
        p => p,
    };
    let query = match uri.query() {
        Some(q) if !q.is_empty() => format!("?{}", unescape_unreserved(q)),
        _ => String::new(),
    };
    let canonical = format!("http://{host}{port}{path}{query}");
    // The spelling is what every attempt checks and sends: it must pass
    // too (an empty path made a URL of 2,048 bytes one byte too long, and
    // it was registered but never delivered to).
    check_url(&canonical)?;
    Ok(canonical)
}

/// `s` with each percent-escape of an unreserved character (RFC 3986:
/// letters, digits, `-`, `.`, `_`, `~`) replaced by the character, and the
/// hex digits of every other escape in upper case; what is not an escape
/// is kept as it is.
fn unescape_unreserved(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if let (b'%', Some(&h), Some(&l)) = (b[i], b.get(i + 1), b.get(i + 2)) {
            if let (Some(h), Some(l)) = (hex(h), hex(l)) {
                let c = (h * 16 + l) as u8;
                if c.is_ascii_alphanumeric() || b"-._~".contains(&c) {
                    out.push(c as char);
                } else {
                    out.push_str(&format!("%{c:02X}"));
                }
                i += 3;
                continue;
            }
        }
        // Whole characters: `s` is text, and only ASCII is ever skipped.
        let ch = s[i..].chars().next().unwrap_or('\u{FFFD}');
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    out
}

/// A secret, checked: [`SECRET_LEN`] bytes of printable ASCII.
pub fn check_secret(secret: &str) -> Result<(), String> {
    let (lo, hi) = SECRET_LEN;
    if secret.len() < lo || secret.len() > hi || !secret.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "{lo} to {hi} printable ASCII characters (e.g. 32 random bytes in hex)"
        ));
    }
    Ok(())
}

fn mac(secret: &str, t: i64, identifier: &str, body: &str) -> Hmac<Sha256> {
    // HMAC takes a key of any length: this cannot fail.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    m.update(t.to_string().as_bytes());
    m.update(b".");
    m.update(identifier.as_bytes());
    m.update(b".");
    m.update(body.as_bytes());
    m
}

/// The `X-Corridor-Signature` value of a delivery at Unix time `t`:
/// `t=T,v1=HEX`, HEX the HMAC-SHA256 with key `secret` of
/// `T.IDENTIFIER.BODY`.
pub fn sign(secret: &str, t: i64, identifier: &str, body: &str) -> String {
    let tag = mac(secret, t, identifier, body).finalize().into_bytes();
    format!("t={t},v1={}", corridor_log::hex(&tag))
}

/// What a subscriber checks (and the tests do): the signature header is
/// well formed, one `v1` matches (in constant time), and its time is
/// within `tolerance` seconds of `now` (a replay of an old delivery is
/// refused; a subscriber also ignores an identifier it already took).
pub fn verify(
    secret: &str,
    header_value: &str,
    identifier: &str,
    body: &str,
    now: i64,
    tolerance: i64,
) -> Result<(), String> {
    let mut t = None;
    let mut tags = Vec::new();
    for part in header_value.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => tags.push(v.to_string()),
            _ => {}
        }
    }
    let t = t.ok_or("no t=")?;
    if (now - t).abs() > tolerance {
        return Err(format!("signed at {t}, now {now}: outside the tolerance"));
    }
    for tag in tags {
        let Some(bytes) = unhex(&tag) else { continue };
        if mac(secret, t, identifier, body)
            .verify_slice(&bytes)
            .is_ok()
        {
            return Ok(());
        }
    }
    Err("no v1 signature matches".into())
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let pairs = s.as_bytes().chunks_exact(2);
    if !pairs.remainder().is_empty() || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    pairs
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect()
}

/// The CAP alerts among published files: (identifier, exact text). The
/// identifier is the file's name without `.xml` (the CAP identifier, which
/// publishing makes of plain characters).
pub fn alerts_of(files: &[corridor_publish::File]) -> Vec<(String, String)> {
    files
        .iter()
        .filter_map(|f| {
            let stem = f.path.strip_prefix("cap/")?.strip_suffix(".xml")?;
            Some((stem.to_string(), f.text.clone()))
        })
        .collect()
}

/// Queues every alert of the live log state not queued before (blocking:
/// runs on a blocking thread). Cheap when the log has not grown since the
/// last call. Returns the rows created.
pub fn queue_published(st: &AppState) -> Result<usize, ApiError> {
    let len = st.store.len()?;
    if *st.queued.lock().unwrap_or_else(|e| e.into_inner()) == Some(len) {
        return Ok(0);
    }
    // The files exactly as `/public/cap/…` serves them.
    let files = crate::routes::feeds::files(st)?;
    let gap = st.delivery.backoff_base.as_millis().min(i64::MAX as u128) as i64;
    let rows = st.store.enqueue(&alerts_of(&files), now_ms(), gap)?;
    *st.queued.lock().unwrap_or_else(|e| e.into_inner()) = Some(len);
    if rows > 0 {
        tracing::info!(rows, "alerts queued for subscribers");
        st.outbox.notify_one();
    }
    Ok(rows)
}

/// Bounds each subscriber's backlog ([`Settings::max_pending`]) once for
/// every log length the worker sees: the worker's job, not the write's (a
/// write queues its alerts and is answered; with 20 subscribers down and
/// 1,000 alerts waiting for each, a trim on PostgreSQL takes tens of
/// milliseconds). A failure is logged and tried again on the next pass.
pub fn trim_backlogs(st: &AppState) {
    // The length whose alerts are queued (set once their enqueue has
    // committed), not the log's length now: a write appended but not yet
    // queued must not count as trimmed (review: its rows then stayed over
    // the bound until the next entry).
    let Some(len) = *st.queued.lock().unwrap_or_else(|e| e.into_inner()) else {
        return;
    };
    if *st.trimmed.lock().unwrap_or_else(|e| e.into_inner()) == Some(len) {
        return;
    }
    let max_pending = st.delivery.max_pending;
    match st.store.trim(max_pending, now_ms()) {
        Ok(dropped) => {
            if dropped > 0 {
                tracing::warn!(
                    dropped,
                    max_pending,
                    "outbox: gave up the oldest undelivered alerts of subscribers over the bound"
                );
            }
            *st.trimmed.lock().unwrap_or_else(|e| e.into_inner()) = Some(len);
        }
        Err(e) => tracing::warn!(error = %e, "outbox: cannot trim the subscribers' backlogs"),
    }
}

/// The worker: queues what is published, claims due rows as long as
/// fewer than [`Settings::concurrency`] are in flight, sends each in its
/// own task (a slow subscriber holds one slot, not the others), records
/// each answer, and sleeps until a send ends, the next row is due, a new
/// alert wakes it, or [`Settings::poll`] has passed. Runs until the
/// runtime stops.
pub async fn run(st: Arc<AppState>) {
    let concurrency = st.delivery.concurrency.max(1);
    let mut inflight = tokio::task::JoinSet::new();
    // The subscribers being sent to, by task: one delivery each at a time.
    let mut busy: std::collections::HashMap<tokio::task::Id, i64> = Default::default();
    loop {
        let free = concurrency.saturating_sub(inflight.len());
        let mut claimed_all = false;
        let mut failed = false;
        if free > 0 {
            let s = st.clone();
            let b: Vec<i64> = busy.values().copied().collect();
            let claimed = tokio::task::spawn_blocking(move || -> Result<Vec<Due>, ApiError> {
                queue_published(&s)?;
                trim_backlogs(&s);
                let lease = s.delivery.lease().as_millis() as i64;
                Ok(s.store.claim(now_ms(), lease, free, &b)?)
            })
            .await;
            match claimed {
                Ok(Ok(due)) => {
                    claimed_all = due.len() == free;
                    for d in due {
                        let sub = d.subscriber;
                        let task = inflight.spawn(attempt(st.clone(), d));
                        busy.insert(task.id(), sub);
                    }
                }
                Ok(Err(e)) => {
                    failed = true;
                    tracing::warn!(error = e.message(), "outbox: cannot claim deliveries");
                }
                Err(e) => {
                    failed = true;
                    tracing::error!(error = %e, "outbox: claim task failed");
                }
            }
        }
        if claimed_all {
            // Every slot was filled: more may be due; wait for a slot.
            if let Some(done) = inflight.join_next_with_id().await {
                busy.remove(&done.map_or_else(|e| e.id(), |(id, ())| id));
            }
            continue;
        }
        let poll = st.delivery.poll;
        let wait = if failed {
            poll
        } else {
            let s = st.clone();
            let next = tokio::task::spawn_blocking(move || s.store.next_due())
                .await
                .ok()
                .and_then(|r| r.ok())
                .flatten();
            // At least a moment: a row another server is claiming right
            // now looks due until its claim commits.
            next.map_or(poll, |t| {
                Duration::from_millis((t - now_ms()).max(0) as u64)
                    .clamp(Duration::from_millis(20), poll)
            })
        };
        tokio::select! {
            Some(done) = inflight.join_next_with_id(), if !inflight.is_empty() => {
                busy.remove(&done.map_or_else(|e| e.id(), |(id, ())| id));
            }
            _ = st.outbox.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// One delivery: sent, then recorded as acknowledged or failed.
async fn attempt(st: Arc<AppState>, d: Due) {
    let outcome = send(&d, st.delivery.timeout).await;
    let next = st.delivery.backoff(d.attempts);
    let s = st.clone();
    let recorded = tokio::task::spawn_blocking(move || {
        let now = now_ms();
        match &outcome {
            Ok(()) => s.store.delivered(d.subscriber, &d.identifier, now),
            Err(e) => s.store.failed(
                d.subscriber,
                &d.identifier,
                d.attempts,
                e,
                now,
                now.saturating_add(next.as_millis() as i64),
                s.delivery.backoff_base.as_millis().min(i64::MAX as u128) as i64,
            ),
        }
        .map(|()| (d, outcome))
    })
    .await;
    match recorded {
        Ok(Ok((d, Ok(())))) => tracing::info!(
            subscriber = d.subscriber,
            alert = %d.identifier,
            attempts = d.attempts,
            "alert delivered"
        ),
        Ok(Ok((d, Err(e)))) => tracing::warn!(
            subscriber = d.subscriber,
            alert = %d.identifier,
            attempts = d.attempts,
            error = %e,
            retry_in_ms = next.as_millis() as u64,
            "delivery failed"
        ),
        // Not recorded: the lease ends and the row is sent again.
        Ok(Err(e)) => tracing::error!(error = %e, "outbox: cannot record a delivery"),
        Err(e) => tracing::error!(error = %e, "outbox: record task failed"),
    }
}

/// POSTs one alert; `Ok` when the subscriber answered 2xx in time.
async fn send(d: &Due, timeout: Duration) -> Result<(), String> {
    match tokio::time::timeout(timeout, post(d)).await {
        Ok(r) => r,
        Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
    }
}

/// The request target of `uri`: its path and query, the path `/` when it
/// has none (`http://host?x=1` is asked for as `/?x=1`; `?x=1` alone is no
/// request target, and every delivery to it failed).
fn request_target(uri: &Uri) -> String {
    let path = match uri.path() {
        "" => "/",
        p => p,
    };
    match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    }
}

async fn post(d: &Due) -> Result<(), String> {
    let uri = check_url(&d.url)?;
    let authority = uri.authority().ok_or("no host")?.clone();
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let port = authority.port_u16().unwrap_or(80);
    let path = request_target(&uri);
    let stream = tokio::net::TcpStream::connect((host, port))
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake: {e}"))?;
    let driver = tokio::spawn(async move {
        let _ = conn.await;
    });
    let t = chrono::Utc::now().timestamp();
    let req = Request::post(path)
        .header(header::HOST, authority.as_str())
        .header(header::CONTENT_TYPE, "application/cap+xml")
        .header(
            header::USER_AGENT,
            concat!("corridor/", env!("CARGO_PKG_VERSION")),
        )
        .header(header::CONNECTION, "close")
        .header("x-corridor-alert", d.identifier.as_str())
        .header("x-corridor-attempt", d.attempts.to_string())
        .header(
            "x-corridor-signature",
            sign(&d.secret, t, &d.identifier, &d.body),
        )
        .body(http_body_util::Full::new(axum::body::Bytes::from(
            d.body.clone(),
        )))
        .map_err(|e| format!("request: {e}"))?;
    let res = sender.send_request(req).await;
    // The answer's body is never read: only its status counts.
    driver.abort();
    let res = res.map_err(|e| format!("no answer: {e}"))?;
    let status = res.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Review: `http://host?x=1` was accepted and never delivered to.
    #[test]
    fn every_accepted_url_has_a_request_target() {
        for (url, want) in [
            ("http://127.0.0.1:18601?x=1", "/?x=1"),
            ("http://127.0.0.1:18601", "/"),
            ("http://h/hook", "/hook"),
            ("http://h/hook?a=1&b=2", "/hook?a=1&b=2"),
        ] {
            let uri = check_url(url).unwrap();
            let t = request_target(&uri);
            assert_eq!(t, want, "{url}");
            assert!(Request::post(t.as_str()).body(()).is_ok(), "{url}");
        }
    }

    #[test]
    fn urls_are_checked() {
        for ok in [
            "http://127.0.0.1:18650/hook",
            "http://alerts.example.org/cap?feed=1",
            "http://[::1]:8000/",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "ftp://example.org/",
            "https://example.org/",
            "http://user:pw@example.org/",
            "http://example.org/a b",
            "example.org/hook",
            "http:///nohost",
            "http://example.org/#frag",
            "javascript:alert(1)",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        assert!(check_url(&format!("http://e.org/{}", "a".repeat(MAX_URL))).is_err());
    }

    /// Review: one endpoint spelled several ways was several subscribers,
    /// each sent every alert. Equal spellings give one canonical URL; the
    /// ones that reach the same place by another name are refused.
    #[test]
    fn one_endpoint_has_one_spelling() {
        for (a, b) in [
            ("HTTP://A.test:80/hook?", "http://a.test/hook"),
            ("http://a.test", "http://a.test/"),
            ("http://[0:0::1]:8000/x", "http://[::1]:8000/x"),
            ("http://10.0.0.1:080/", "http://10.0.0.1/"),
            ("http://a.test/h%6Fok", "http://a.test/hook"),
            (
                "http://a.test/%7euser?q=%61%2f",
                "http://a.test/~user?q=a%2F",
            ),
        ] {
            assert_eq!(
                canonical_url(a).unwrap(),
                canonical_url(b).unwrap(),
                "{a} {b}"
            );
        }
        assert_eq!(canonical_url("http://[0:0::1]/").unwrap(), "http://[::1]/");
        assert_eq!(
            canonical_url("http://a.test/a%2fb%zz%4").unwrap(),
            "http://a.test/a%2Fb%zz%4",
            "other escapes upper-cased, malformed ones kept"
        );
        for bad in [
            "http://a.test./hook",
            "http://127.1/",
            "http://2130706433/",
            "http://0x7f.0.0.1/",
            "http://0177.0.0.1/",
            "http://a.test/./hook",
            "http://a.test/x/../hook",
            "http://a.test/x/%2E%2e/hook",
            "http://a.test/%2E/hook",
            "http://127%2E1/",
        ] {
            assert!(canonical_url(bad).is_err(), "{bad}");
        }
        // Names that merely contain digits or hex letters are names.
        for ok in ["http://cafe.example/", "http://a1.test/", "http://1a.test/"] {
            assert!(canonical_url(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn secrets_are_bounded() {
        assert!(check_secret("0123456789abcdef").is_ok());
        assert!(check_secret("short").is_err());
        assert!(check_secret(&"x".repeat(257)).is_err());
        assert!(check_secret("with a space in it!").is_err());
    }

    #[test]
    fn a_signature_verifies_and_any_change_breaks_it() {
        let s = sign(
            "secret-secret-16",
            1_700_000_000,
            "corridor.x.1",
            "<alert/>",
        );
        assert!(s.starts_with("t=1700000000,v1="), "{s}");
        assert_eq!(s.len(), "t=1700000000,v1=".len() + 64);
        let ok = |sec: &str, h: &str, id: &str, body: &str, now: i64| {
            verify(sec, h, id, body, now, TOLERANCE_SECONDS).is_ok()
        };
        assert!(ok(
            "secret-secret-16",
            &s,
            "corridor.x.1",
            "<alert/>",
            1_700_000_100
        ));
        assert!(!ok(
            "secret-secret-17",
            &s,
            "corridor.x.1",
            "<alert/>",
            1_700_000_100
        ));
        assert!(!ok(
            "secret-secret-16",
            &s,
            "corridor.x.2",
            "<alert/>",
            1_700_000_100
        ));
        assert!(!ok(
            "secret-secret-16",
            &s,
            "corridor.x.1",
            "<alert />",
            1_700_000_100
        ));
        // A replay after the tolerance.
        assert!(!ok(
            "secret-secret-16",
            &s,
            "corridor.x.1",
            "<alert/>",
            1_700_000_400
        ));
        // Another time with the same tag.
        let moved = s.replacen("t=1700000000", "t=1700000001", 1);
        assert!(!ok(
            "secret-secret-16",
            &moved,
            "corridor.x.1",
            "<alert/>",
            1_700_000_100
        ));
        assert!(!ok(
            "secret-secret-16",
            "garbage",
            "corridor.x.1",
            "<alert/>",
            0
        ));
        // RFC 4231 test case 2, to hold the HMAC to the standard.
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap();
        m.update(b"what do ya want for nothing?");
        assert_eq!(
            corridor_log::hex(&m.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let s = Settings {
            backoff_base: Duration::from_secs(10),
            backoff_max: Duration::from_secs(100),
            ..Settings::default()
        };
        let within = |a: u32, lo: u64| {
            let d = s.backoff(a);
            assert!(
                d >= Duration::from_secs(lo) && d <= Duration::from_secs(lo) * 9 / 8,
                "{a}: {d:?}"
            );
        };
        within(1, 10);
        within(2, 20);
        within(3, 40);
        within(4, 80);
        assert_eq!(s.backoff(5), Duration::from_secs(100));
        assert_eq!(s.backoff(u32::MAX), Duration::from_secs(100));
    }
}
