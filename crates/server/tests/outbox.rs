//! Issue 14, item 6: the delivery outbox. The store's rules on SQLite and
//! PostgreSQL (queued once per subscriber and alert, leased claims, never
//! due again once acknowledged, two servers never claiming one row), the
//! subscriber endpoints (mediator only, checked input, no secret shown),
//! and the worker delivering real alerts over HTTP to a subscriber that
//! fails before it acknowledges.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use corridor_server::delivery::{self, Settings};
use corridor_server::store::{Postgres, Sqlite, Store, StoreError};
use corridor_server::{app, AppState};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower::ServiceExt;

mod common;
use common::{acts, call, state_on};

fn pg_url() -> Option<String> {
    let url = std::env::var("CORRIDOR_TEST_PG").ok();
    if url.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CORRIDOR_TEST_PG is not set in CI: .ci/run starts PostgreSQL"
        );
        eprintln!("CORRIDOR_TEST_PG not set: PostgreSQL part skipped");
    }
    url
}

/// The PostgreSQL tests of this binary share one database: one at a time.
static PG: Mutex<()> = Mutex::new(());

fn pg_store(url: &str) -> Postgres {
    let s = Postgres::connect(url).expect("connect to PostgreSQL");
    assert_eq!(
        s.version().unwrap() as usize,
        corridor_server::store::PG_MIGRATIONS.len()
    );
    s
}

fn alerts(ids: &[&str]) -> Vec<(String, String)> {
    ids.iter()
        .map(|i| (i.to_string(), format!("<alert>{i}</alert>")))
        .collect()
}

/// Subscribers a and b, registered at 10 ms (at most 3 at once).
fn subscribers_a_and_b(s: &dyn Store) -> (i64, i64) {
    let a = s
        .add_subscriber("http://a.test/hook", "secret-a-0123456789", 10, 3)
        .unwrap();
    let b = s
        .add_subscriber("http://b.test/hook", "secret-b-0123456789", 10, 3)
        .unwrap();
    (a, b)
}

fn store_suite(s: &dyn Store) {
    let (a, b) = subscribers_a_and_b(s);
    assert_ne!(a, b);
    assert!(matches!(
        s.add_subscriber("http://a.test/hook", "another-secret-0000", 10, 3),
        Err(StoreError::Refused(_))
    ));
    // Queued once per subscriber and alert, whatever the repetitions.
    assert_eq!(s.enqueue(&alerts(&["x.1", "x.2"]), 1000, 0).unwrap(), 4);
    assert_eq!(s.enqueue(&alerts(&["x.1", "x.2"]), 1000, 0).unwrap(), 0);
    assert_eq!(s.enqueue(&alerts(&["x.2", "x.3"]), 1000, 0).unwrap(), 2);
    assert_eq!(s.next_due().unwrap(), Some(1000));
    let keys = |due: Vec<corridor_server::store::Due>| -> Vec<(i64, String, u32)> {
        due.into_iter()
            .map(|d| (d.subscriber, d.identifier, d.attempts))
            .collect()
    };
    let k = |sub: i64, id: &str, n: u32| (sub, id.to_string(), n);
    // Nothing is due before its time.
    assert!(s.claim(999, 500, 10, &[]).unwrap().is_empty());
    // Each subscriber's oldest alert, one row per subscriber.
    let first = s.claim(1000, 500, 10, &[]).unwrap();
    let d = first.iter().find(|d| d.subscriber == a).unwrap();
    assert_eq!(d.body, "<alert>x.1</alert>");
    assert_eq!(d.url, "http://a.test/hook");
    assert_eq!(d.secret, "secret-a-0123456789");
    assert_eq!(keys(first), vec![k(a, "x.1", 1), k(b, "x.1", 1)]);
    // In publication order: x.2 waits while x.1 is being sent (leased),
    // also for a claim that leaves out the busy subscribers.
    assert!(s.claim(1000, 500, 10, &[]).unwrap().is_empty());
    assert!(s.claim(1000, 500, 10, &[a, b]).unwrap().is_empty());
    assert_eq!(s.next_due().unwrap(), Some(1500));
    // a acknowledges x.1: x.2 is next; then x.2 fails, and b's x.1 too.
    s.delivered(a, "x.1", 1100).unwrap();
    assert_eq!(
        keys(s.claim(1100, 500, 10, &[]).unwrap()),
        vec![k(a, "x.2", 1)]
    );
    s.failed(a, "x.2", 1, "HTTP 500", 1150, 3000, 0).unwrap();
    s.failed(b, "x.1", 1, "cannot connect: refused", 1200, 2000, 0)
        .unwrap();
    // An acknowledgement is final: a late failure report changes nothing.
    s.failed(a, "x.1", 1, "late", 1300, 1300, 0).unwrap();
    // x.3 of a and x.2 of b are due since 1000, but wait behind their
    // failed elders: nothing until b's x.1 is due again at 2000.
    assert!(s.claim(1600, 500, 10, &[]).unwrap().is_empty());
    assert_eq!(s.next_due().unwrap(), Some(2000));
    assert_eq!(
        keys(s.claim(2000, 500, 10, &[]).unwrap()),
        vec![k(b, "x.1", 2)]
    );
    s.delivered(b, "x.1", 2100).unwrap();
    assert_eq!(
        keys(s.claim(2100, 500, 10, &[]).unwrap()),
        vec![k(b, "x.2", 1)]
    );
    // Its server dies mid-send: when the lease ends it is due again.
    assert!(s.claim(2599, 500, 10, &[]).unwrap().is_empty());
    assert_eq!(
        keys(s.claim(2600, 500, 10, &[]).unwrap()),
        vec![k(b, "x.2", 2)]
    );
    let infos = s.subscribers().unwrap();
    let ia = infos.iter().find(|i| i.id == a).unwrap();
    assert_eq!((ia.pending, ia.delivered), (2, 1));
    assert_eq!(ia.last_error.as_deref(), Some("HTTP 500"));
    assert_eq!(ia.created_ms, 10);
    let ib = infos.iter().find(|i| i.id == b).unwrap();
    assert_eq!((ib.pending, ib.delivered), (2, 1));
    // Far in the future, what is unacknowledged arrives, in order, as each
    // is acknowledged.
    let drain = |now: i64| {
        let mut all = Vec::new();
        loop {
            let c = keys(s.claim(now, 500, 10, &[]).unwrap());
            if c.is_empty() {
                break;
            }
            for (sub, id, _) in c {
                s.delivered(sub, &id, now).unwrap();
                all.push((sub, id));
            }
        }
        all.sort();
        all
    };
    let o = |sub: i64, id: &str| (sub, id.to_string());
    assert_eq!(
        drain(10_000),
        vec![o(a, "x.2"), o(a, "x.3"), o(b, "x.2"), o(b, "x.3")]
    );
    // A subscriber registered later gets the alerts queued after it only.
    let c = s
        .add_subscriber("http://c.test/", "secret-c-0123456789", 20, 3)
        .unwrap();
    assert!(matches!(
        s.add_subscriber("http://d.test/", "secret-d-0123456789", 20, 3),
        Err(StoreError::Refused(_))
    ));
    assert_eq!(
        s.enqueue(&alerts(&["x.1", "x.2", "x.3"]), 20_000, 0)
            .unwrap(),
        0
    );
    assert_eq!(s.enqueue(&alerts(&["x.4"]), 20_000, 0).unwrap(), 3);
    let ic = s
        .subscribers()
        .unwrap()
        .into_iter()
        .find(|i| i.id == c)
        .unwrap();
    assert_eq!((ic.pending, ic.delivered), (1, 0));
    // Removing a subscriber removes its rows.
    assert!(s.remove_subscriber(b).unwrap());
    assert!(!s.remove_subscriber(b).unwrap());
    assert_eq!(drain(100_000), vec![o(a, "x.4"), o(c, "x.4")]);
}

/// A new alert pulls forward the backoff of a subscriber that failed (it
/// may have recovered: the new alert, and the ones before it, should not
/// wait an hour), but never a row being sent (leased); and the status shows
/// when the row that will be sent next is due, not the earliest of the rows
/// waiting behind it.
fn backoff_suite(s: &dyn Store) {
    let (a, b) = subscribers_a_and_b(s);
    let hour = 3_600_000;
    assert_eq!(s.enqueue(&alerts(&["y.1"]), 1000, 0).unwrap(), 2);
    assert_eq!(s.claim(1000, 500, 10, &[]).unwrap().len(), 2);
    // a fails and waits an hour; b's y.1 is still being sent.
    s.failed(a, "y.1", 1, "HTTP 503", 1100, 1100 + hour, 0)
        .unwrap();
    let next = |id: i64| {
        s.subscribers()
            .unwrap()
            .into_iter()
            .find(|i| i.id == id)
            .unwrap()
            .next_attempt_ms
    };
    assert_eq!(next(a), Some(1100 + hour));
    // A new alert: a's y.1 is due at once, b's lease stands.
    assert_eq!(s.enqueue(&alerts(&["y.2"]), 1200, 0).unwrap(), 2);
    assert_eq!(next(a), Some(1200));
    assert_eq!(next(b), Some(1500), "a lease is not pulled forward");
    let due = s.claim(1200, 500, 10, &[]).unwrap();
    let got: Vec<(i64, String, u32)> = due
        .into_iter()
        .map(|d| (d.subscriber, d.identifier, d.attempts))
        .collect();
    assert_eq!(got, vec![(a, "y.1".to_string(), 2)]);
    // It fails again: the status shows y.1's hour, not y.2's time (y.2
    // waits behind y.1 and is not what is sent next).
    s.failed(a, "y.1", 2, "HTTP 503", 1300, 1300 + hour, 0)
        .unwrap();
    assert_eq!(next(a), Some(1300 + hour));
    assert!(s.claim(1400, 500, 10, &[]).unwrap().is_empty());
    // The same alert queued again is no new alert: nothing moves.
    assert_eq!(s.enqueue(&alerts(&["y.1", "y.2"]), 1450, 0).unwrap(), 0);
    assert_eq!(next(a), Some(1300 + hour));
    // b's lease ends (its server died mid-send): due again, as before.
    assert_eq!(s.claim(1500, 500, 10, &[]).unwrap().len(), 1);
    // The first claim's failure comes in late (attempt 1; the row is now
    // on its second, being sent): it changes nothing, the lease stands.
    s.failed(b, "y.1", 1, "no answer", 1510, 1510 + hour, 0)
        .unwrap();
    assert_eq!(next(b), Some(2000));
    // A new alert with a least gap of 500 ms after the last attempt: a
    // (last tried at 1300) is due at 1800, not at once; b keeps its lease.
    assert_eq!(s.enqueue(&alerts(&["y.3"]), 1520, 500).unwrap(), 2);
    assert_eq!(next(a), Some(1800));
    assert_eq!(next(b), Some(2000));
    assert!(s.claim(1799, 500, 10, &[b]).unwrap().is_empty());
    assert_eq!(s.claim(1800, 500, 10, &[b]).unwrap().len(), 1);
    // A new alert while a's y.1 is being sent (attempt 3, leased until
    // 2300) cannot pull it forward; the failure that ends the send then
    // retries after the gap, not after the hour (review).
    assert_eq!(s.enqueue(&alerts(&["y.4"]), 1900, 500).unwrap(), 2);
    assert_eq!(next(a), Some(2300));
    s.failed(a, "y.1", 3, "no answer", 2000, 2000 + hour, 500)
        .unwrap();
    assert_eq!(next(a), Some(2500));
    // Without a new alert during the send, the backoff stands.
    assert_eq!(s.claim(2500, 500, 10, &[b]).unwrap().len(), 1);
    s.failed(a, "y.1", 4, "no answer", 2600, 2600 + hour, 500)
        .unwrap();
    assert_eq!(next(a), Some(2600 + hour));
    // A new alert in the very millisecond of the claim still counts (a
    // review: times compared, it did not).
    let t = 2600 + hour;
    assert_eq!(s.claim(t, 500, 10, &[b]).unwrap().len(), 1);
    assert_eq!(s.enqueue(&alerts(&["y.5"]), t, 500).unwrap(), 2);
    s.failed(a, "y.1", 5, "no answer", t + 100, t + 100 + hour, 500)
        .unwrap();
    assert_eq!(next(a), Some(t + 600));
}

/// A subscriber that is gone does not make the outbox grow for ever: each
/// keeps its newest alerts up to the bound, by log entry (`z.10` is newer
/// than `z.9`), never losing the one being sent; the rest are counted as
/// dropped, and what is kept still goes out in order.
fn backlog_suite(s: &dyn Store) {
    let (a, b) = subscribers_a_and_b(s);
    let ids: Vec<String> = (1..=30).map(|i| format!("z.{i}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    // z.1 alone first, claimed for both: leased until 1500.
    assert_eq!(s.enqueue(&alerts(&refs[..1]), 1000, 0).unwrap(), 2);
    assert_eq!(s.claim(1000, 500, 10, &[]).unwrap().len(), 2);
    s.delivered(b, "z.1", 1100).unwrap();
    for (i, id) in refs[1..].iter().enumerate() {
        assert_eq!(s.enqueue(&alerts(&[id]), 1100 + i as i64, 0).unwrap(), 2);
    }
    assert_eq!(s.trim(10, 1200).unwrap(), 19 + 19);
    let info = |id: i64| {
        s.subscribers()
            .unwrap()
            .into_iter()
            .find(|i| i.id == id)
            .unwrap()
    };
    // a: z.1 (being sent) and z.21..z.30; b: z.21..z.30.
    assert_eq!((info(a).pending, info(a).dropped), (11, 19));
    assert_eq!(
        (info(b).pending, info(b).dropped, info(b).delivered),
        (10, 19, 1)
    );
    assert_eq!(s.trim(10, 1200).unwrap(), 0, "within the bound");
    let next = |now: i64, busy: &[i64]| -> Vec<(i64, String)> {
        s.claim(now, 500, 10, busy)
            .unwrap()
            .into_iter()
            .map(|d| (d.subscriber, d.identifier))
            .collect()
    };
    assert_eq!(next(1300, &[]), [(b, "z.21".to_string())]);
    s.failed(a, "z.1", 1, "HTTP 503", 1400, 2000, 0).unwrap();
    // Its lease over, z.1 is the oldest and goes first at the next trim.
    assert_eq!(s.enqueue(&alerts(&["z.31"]), 1500, 0).unwrap(), 2);
    assert_eq!(s.trim(10, 1500).unwrap(), 2);
    assert_eq!((info(a).pending, info(a).dropped), (10, 21));
    // b's z.21, being sent, stays though it is now one over the bound.
    assert_eq!((info(b).pending, info(b).dropped), (11, 19));
    assert_eq!(next(2000, &[b]), [(a, "z.22".to_string())]);
    s.delivered(a, "z.22", 2001).unwrap();
    assert_eq!(next(2002, &[b]), [(a, "z.23".to_string())]);
}

#[test]
fn the_outbox_rules_on_sqlite() {
    store_suite(&Sqlite::memory().unwrap());
    backoff_suite(&Sqlite::memory().unwrap());
    backlog_suite(&Sqlite::memory().unwrap());
}

#[test]
fn the_outbox_rules_on_postgresql() {
    let Some(url) = pg_url() else { return };
    let _one = PG.lock().unwrap_or_else(|e| e.into_inner());
    let s = pg_store(&url);
    s.reset().unwrap();
    store_suite(&s);
    s.reset().unwrap();
    backoff_suite(&s);
    s.reset().unwrap();
    backlog_suite(&s);
}

/// A claim reads the heads, then updates each; a row that another server
/// claimed in between (one of schema 4 takes no advisory lock) must be
/// checked again as committed, not claimed a second time (review: both
/// sent it at once). And a row queued without `seq` by such a server gets
/// its place from the trigger, as on SQLite.
#[test]
fn a_claim_checks_again_a_row_claimed_meanwhile() {
    let Some(url) = pg_url() else { return };
    let _one = PG.lock().unwrap_or_else(|e| e.into_inner());
    let s = pg_store(&url);
    s.reset().unwrap();
    s.add_subscriber("http://a.test/", "secret-0123456789", 0, 10)
        .unwrap();
    assert_eq!(s.enqueue(&alerts(&["y.1"]), 1000, 0).unwrap(), 1);
    let mut old = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let mut tx = old.transaction().unwrap();
    tx.execute(
        "UPDATE outbox SET attempts = 1, next_attempt_ms = 60000, leased_until_ms = 60000
         WHERE identifier = 'y.1'",
        &[],
    )
    .unwrap();
    let claimer = {
        let url = url.clone();
        std::thread::spawn(move || Postgres::connect(&url).unwrap().claim(2000, 500, 10, &[]))
    };
    // The claim has read y.1 as due and waits for its row.
    std::thread::sleep(Duration::from_millis(500));
    tx.commit().unwrap();
    let got = claimer.join().unwrap().unwrap();
    assert!(got.is_empty(), "claimed twice: {got:?}");
    // Rows without a place.
    s.reset().unwrap();
    s.add_subscriber("http://a.test/", "secret-0123456789", 0, 10)
        .unwrap();
    s.enqueue(&alerts(&["y.5"]), 0, 0).unwrap();
    for id in ["y.10", "y.9"] {
        old.execute(
            "INSERT INTO outbox (subscriber, identifier, body, next_attempt_ms)
             SELECT id, $1, 'b', 0 FROM subscribers",
            &[&id],
        )
        .unwrap();
    }
    let mut sent = vec![];
    for now in 1..4 {
        let d = s.claim(now, 100, 4, &[]).unwrap().remove(0);
        s.delivered(d.subscriber, &d.identifier, now).unwrap();
        sent.push(d.identifier);
    }
    assert_eq!(sent, ["y.5", "y.9", "y.10"]);
    // Its acknowledgement, a bare update (then another that changes the
    // time), is counted once by the trigger.
    s.enqueue(&alerts(&["y.11"]), 0, 0).unwrap();
    for t in [7i64, 8] {
        old.execute(
            "UPDATE outbox SET delivered_ms = $1 WHERE identifier = 'y.11'",
            &[&t],
        )
        .unwrap();
    }
    assert_eq!(s.subscribers().unwrap()[0].delivered, 4);
    let body: String = old
        .query_one("SELECT body FROM outbox WHERE identifier = 'y.11'", &[])
        .unwrap()
        .get(0);
    assert_eq!(body, "", "its body let go");
}

/// Two servers on one PostgreSQL claim at the same moment, again and
/// again: no row is claimed by both, and every row by one.
#[test]
fn two_servers_never_claim_the_same_row() {
    let Some(url) = pg_url() else { return };
    let _one = PG.lock().unwrap_or_else(|e| e.into_inner());
    let s = pg_store(&url);
    s.reset().unwrap();
    let subs: Vec<i64> = (0..6)
        .map(|i| {
            s.add_subscriber(&format!("http://{i}.test/"), "secret-0123456789", 0, 10)
                .unwrap()
        })
        .collect();
    let ids: Vec<String> = (0..10).map(|i| format!("y.{i:02}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(s.enqueue(&alerts(&refs), 1000, 0).unwrap(), 60);
    let mut expected: Vec<(i64, String)> = subs
        .iter()
        .flat_map(|s| ids.iter().map(move |i| (*s, i.clone())))
        .collect();
    expected.sort();
    let barrier = Arc::new(std::sync::Barrier::new(2));
    let claimers: Vec<_> = (0..2)
        .map(|_| {
            let url = url.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let s = Postgres::connect(&url).unwrap();
                let mut got = Vec::new();
                loop {
                    barrier.wait();
                    let c = s.claim(1000, 60_000, 3, &[]).unwrap();
                    // Each sent and acknowledged: the subscriber's next
                    // alert becomes its head.
                    for d in c {
                        s.delivered(d.subscriber, &d.identifier, 1000).unwrap();
                        got.push((d.subscriber, d.identifier));
                    }
                    // Both see the end together (no claim runs between the
                    // barriers), or one would wait for the other forever.
                    barrier.wait();
                    let left = s.next_due().unwrap().is_some_and(|t| t <= 1000);
                    barrier.wait();
                    if !left {
                        break;
                    }
                }
                got
            })
        })
        .collect();
    let got: Vec<Vec<(i64, String)>> = claimers.into_iter().map(|t| t.join().unwrap()).collect();
    let mut all: Vec<(i64, String)> = got.concat();
    all.sort();
    assert_eq!(all, expected, "each row claimed exactly once");
    assert!(got.iter().all(|g| !g.is_empty()), "both servers worked");
}

async fn request(
    st: &Arc<AppState>,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (StatusCode, String) {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req
        .body(body.map_or(Body::empty(), |b| Body::from(b.to_string())))
        .unwrap();
    let res = app(st.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).to_string())
}

#[tokio::test]
async fn only_the_mediator_manages_subscribers() {
    let st = state_on(Box::new(Sqlite::memory().unwrap()));
    let good =
        json!({"url": "http://127.0.0.1:18650/hook", "secret": "a-secret-of-32-characters-000000"});
    let post = |token: Option<&'static str>, body: Value| {
        let st = st.clone();
        async move { call(&st, "POST", "/api/subscribers", token, Some(body)).await }
    };
    assert_eq!(post(None, good.clone()).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        post(Some("forged"), good.clone()).await.0,
        StatusCode::UNAUTHORIZED
    );
    for party in ["token-ua", "token-ru", "token-zp-admin"] {
        assert_eq!(
            post(Some(party), good.clone()).await.0,
            StatusCode::FORBIDDEN,
            "{party}"
        );
        assert_eq!(
            call(&st, "GET", "/api/subscribers", Some(party), None)
                .await
                .0,
            StatusCode::FORBIDDEN
        );
    }
    for (bad, field) in [
        (
            json!({"url": "https://x.test/", "secret": "a-secret-of-32-characters-000000"}),
            "url",
        ),
        (
            json!({"url": "http://u:p@x.test/", "secret": "a-secret-of-32-characters-000000"}),
            "url",
        ),
        (
            json!({"url": "file:///etc/passwd", "secret": "a-secret-of-32-characters-000000"}),
            "url",
        ),
        (
            json!({"url": format!("http://x.test/{}", "a".repeat(3000)), "secret": "a-secret-of-32-characters-000000"}),
            "url",
        ),
        (
            json!({"url": "http://x.test/", "secret": "short"}),
            "secret",
        ),
        (
            json!({"url": "http://x.test/", "secret": "x".repeat(300)}),
            "secret",
        ),
        (json!({"url": "http://x.test/"}), "secret"),
        (
            json!({"url": "http://x.test/", "secret": "a-secret-of-32-characters-000000", "more": 1}),
            "more",
        ),
    ] {
        let (s, b) = post(Some("token-icrc"), bad.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {b}");
        assert!(b.contains(field), "{b} names {field}");
    }
    // A cross-origin write is refused even with the mediator's token.
    let (s, _) = request(
        &st,
        "POST",
        "/api/subscribers",
        &[
            ("authorization", "Bearer token-icrc"),
            ("origin", "http://evil.example"),
        ],
        Some(good.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, b) = post(Some("token-icrc"), good.clone()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let id = serde_json::from_str::<Value>(&b).unwrap()["id"]
        .as_i64()
        .unwrap();
    // The same URL twice: 409; also written otherwise (review: each
    // spelling was a subscriber of its own, and got every alert again).
    for same in [
        "http://127.0.0.1:18650/hook",
        "HTTP://127.0.0.1:18650/hook?",
        "http://127.0.0.1:18650/hook?",
    ] {
        let body = json!({"url": same, "secret": "a-secret-of-32-characters-000000"});
        assert_eq!(
            post(Some("token-icrc"), body).await.0,
            StatusCode::CONFLICT,
            "{same}"
        );
    }
    // A URL of the longest length whose spelling adds the path `/` is
    // refused, not registered and never delivered to.
    let long = format!("http://a.test?{}", "x".repeat(delivery::MAX_URL - 14));
    assert_eq!(long.len(), delivery::MAX_URL);
    let body = json!({"url": long, "secret": "a-secret-of-32-characters-000000"});
    let (s, b) = post(Some("token-icrc"), body).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let body = json!({"url": "http://X.test:80", "secret": "a-secret-of-32-characters-000000"});
    let (s, b) = post(Some("token-icrc"), body).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(b.contains(r#""url":"http://x.test/""#), "{b}");
    let removed = serde_json::from_str::<Value>(&b).unwrap()["id"]
        .as_i64()
        .unwrap();
    let gone = format!("/api/subscribers/{removed}");
    assert_eq!(
        call(&st, "DELETE", &gone, Some("token-icrc"), None).await.0,
        StatusCode::OK
    );
    let (s, b) = call(&st, "GET", "/api/subscribers", Some("token-icrc"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        !b.contains("a-secret-of-32"),
        "the secret is never shown: {b}"
    );
    let v: Value = serde_json::from_str(&b).unwrap();
    assert_eq!(v["subscribers"][0]["id"], json!(id));
    assert_eq!(v["subscribers"][0]["pending"], json!(0));
    assert!(v["subscribers"][0]["created"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    // Bounded.
    for i in 1..delivery::MAX_SUBSCRIBERS {
        let body = json!({"url": format!("http://x.test/{i}"), "secret": "a-secret-of-32-characters-000000"});
        assert_eq!(post(Some("token-icrc"), body).await.0, StatusCode::OK);
    }
    let (s, b) = post(
        Some("token-icrc"),
        json!({"url": "http://x.test/one-more", "secret": "a-secret-of-32-characters-000000"}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    // Removal: the mediator's only; once.
    let path = format!("/api/subscribers/{id}");
    assert_eq!(
        call(&st, "DELETE", &path, Some("token-ua"), None).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&st, "DELETE", &path, Some("token-icrc"), None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(&st, "DELETE", &path, Some("token-icrc"), None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(
            &st,
            "DELETE",
            "/api/subscribers/x",
            Some("token-icrc"),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
}

/// What the test subscriber saw: per alert identifier, each request's
/// (attempt header, signature header, body), and the answers it gave.
#[derive(Default)]
struct Seen {
    requests: HashMap<String, Vec<(String, String, String, String)>>,
    acknowledged: HashMap<String, usize>,
}

/// A subscriber on a loopback port: answers 500 to the first `fails`
/// requests for each alert, then 200.
async fn subscriber(fails: usize) -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let s2 = seen.clone();
    let hook = axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
        let seen = s2.clone();
        async move {
            let h = |k: &str| {
                headers
                    .get(k)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string()
            };
            let id = h("x-corridor-alert");
            let mut seen = seen.lock().unwrap();
            let reqs = seen.requests.entry(id.clone()).or_default();
            reqs.push((
                h("x-corridor-attempt"),
                h("x-corridor-signature"),
                h("content-type"),
                body,
            ));
            if reqs.len() <= fails {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                *seen.acknowledged.entry(id).or_default() += 1;
                StatusCode::OK
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, axum::Router::new().route("/hook", hook))
            .await
            .unwrap();
    });
    (url, seen)
}

const SECRET: &str = "outbox-test-secret-0123456789abcdef";

/// Registers `url` as a subscriber, as the mediator.
async fn register(st: &Arc<AppState>, url: &str) {
    let (s, b) = call(
        st,
        "POST",
        "/api/subscribers",
        Some("token-icrc"),
        Some(json!({"url": url, "secret": SECRET})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

/// Agrees, opens and suspends the Sumy corridor: two alerts.
async fn open_then_suspend(st: &Arc<AppState>) {
    acts(
        st,
        "sumy-poltava",
        &[
            ("token-ua", "propose"),
            ("token-ru", "accept"),
            ("token-ua", "accept"),
            ("token-icrc", "countersign"),
            ("token-zp-admin", "open"),
            ("token-ru", "suspend"),
        ],
    )
    .await;
}

/// The files the server publishes, as served.
async fn published_files(st: &Arc<AppState>) -> Arc<Vec<corridor_publish::File>> {
    let st = st.clone();
    tokio::task::spawn_blocking(move || corridor_server::routes::feeds::files(&st).unwrap())
        .await
        .unwrap()
}

async fn delivery_suite(st: Arc<AppState>) {
    let (url, seen) = subscriber(2).await;
    register(&st, &url).await;
    // Another subscriber takes connections and never answers: it holds one
    // slot for the whole timeout at each attempt, never the others.
    let hang = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hang_url = format!("http://{}/", hang.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((c, _)) = hang.accept().await {
            held.push(c);
        }
    });
    register(&st, &hang_url).await;
    tokio::spawn(delivery::run(st.clone()));
    open_then_suspend(&st).await;
    // The published alerts, as served.
    let files = published_files(&st).await;
    let published = delivery::alerts_of(&files);
    assert_eq!(published.len(), 2, "opened, suspended");
    let t = Instant::now();
    loop {
        let done = {
            let seen = seen.lock().unwrap();
            published
                .iter()
                .all(|(id, _)| seen.acknowledged.contains_key(id))
        };
        if done {
            break;
        }
        // Well within the silent subscriber's timeout (5 s): it did not
        // hold up the other.
        assert!(t.elapsed() < Duration::from_secs(4), "not delivered in 4 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Longer than the longest backoff: nothing more arrives.
    tokio::time::sleep(Duration::from_millis(600)).await;
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.requests.len(), published.len());
        for (id, body) in &published {
            let reqs = &seen.requests[id];
            assert_eq!(reqs.len(), 3, "{id}: two failures, one acknowledgement");
            assert_eq!(seen.acknowledged[id], 1, "{id}");
            for (i, (attempt, sig, ctype, got)) in reqs.iter().enumerate() {
                assert_eq!(attempt, &(i + 1).to_string());
                assert_eq!(ctype, "application/cap+xml");
                assert!(got == body, "{id}: the bytes published");
                let now = chrono::Utc::now().timestamp();
                delivery::verify(SECRET, sig, id, got, now, delivery::TOLERANCE_SECONDS)
                    .unwrap_or_else(|e| panic!("{id}: {e}"));
                assert!(delivery::verify("another-secret-0000", sig, id, got, now, 300).is_err());
            }
        }
    }
    let (_, b) = call(&st, "GET", "/api/subscribers", Some("token-icrc"), None).await;
    let v: Value = serde_json::from_str(&b).unwrap();
    assert_eq!(v["subscribers"][0]["delivered"], json!(2), "{v}");
    assert_eq!(v["subscribers"][0]["pending"], json!(0), "{v}");
    assert_eq!(v["subscribers"][0]["last_error"], Value::Null, "{v}");
    assert_eq!(v["subscribers"][1]["delivered"], json!(0), "{v}");
    assert_eq!(v["subscribers"][1]["pending"], json!(2), "{v}");
}

fn quick(st: &mut Arc<AppState>) {
    Arc::get_mut(st).expect("not shared yet").delivery = Settings {
        backoff_base: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
        timeout: Duration::from_secs(5),
        concurrency: 2,
        poll: Duration::from_millis(500),
        ..Settings::default()
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_reach_a_failing_subscriber_once_acknowledged_on_sqlite() {
    let mut st = state_on(Box::new(Sqlite::memory().unwrap()));
    quick(&mut st);
    delivery_suite(st).await;
}

#[test]
fn alerts_reach_a_failing_subscriber_once_acknowledged_on_postgresql() {
    let Some(url) = pg_url() else { return };
    let _one = PG.lock().unwrap_or_else(|e| e.into_inner());
    let s = pg_store(&url);
    s.reset().unwrap();
    let mut st = state_on(Box::new(s));
    quick(&mut st);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(delivery_suite(st.clone()));
    // The worker's tasks end with the runtime; the client is dropped
    // outside it.
    drop(rt);
    drop(st);
}

/// A crash between storing entries and queueing their alerts loses
/// nothing: the store holds the entries as such a crash leaves them (no
/// outbox rows for them), and a server started on it queues each alert,
/// once, with the bytes it publishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_stored_but_never_queued_are_queued_at_start() {
    let before = state_on(Box::new(Sqlite::memory().unwrap()));
    open_then_suspend(&before).await;
    let lines = before.store.lines().unwrap();
    let store = Sqlite::memory().unwrap();
    let sub = store
        .add_subscriber("http://127.0.0.1:9/", "secret-0123456789", 0, 32)
        .unwrap();
    for l in &lines {
        let seq = serde_json::from_str::<Value>(l).unwrap()["entry"]["seq"]
            .as_u64()
            .unwrap();
        store.append(seq, l).unwrap();
    }
    let after = state_on(Box::new(store));
    let st = after.clone();
    let (first, second, files) = tokio::task::spawn_blocking(move || {
        (
            delivery::queue_published(&st).unwrap(),
            delivery::queue_published(&st).unwrap(),
            corridor_server::routes::feeds::files(&st).unwrap(),
        )
    })
    .await
    .unwrap();
    assert_eq!((first, second), (2, 0), "opened and suspended, once");
    let mut published = delivery::alerts_of(&files);
    published.sort();
    let mut sent = Vec::new();
    loop {
        let due = after.store.claim(i64::MAX / 4, 1, 10, &[]).unwrap();
        if due.is_empty() {
            break;
        }
        for d in due {
            assert_eq!(d.subscriber, sub);
            after.store.delivered(sub, &d.identifier, 0).unwrap();
            sent.push((d.identifier, d.body));
        }
    }
    sent.sort();
    assert_eq!(sent, published);
}

/// The worker's trim: a subscriber that is down keeps only the newest
/// `max_pending`, the rest counted as dropped in the mediator's list; once
/// for each log length whose alerts are queued. A log that has grown but
/// whose new alerts are not queued yet is not taken as trimmed (review: the
/// trim read the log's length, marked it done before the write's enqueue
/// committed, and the backlog stayed over the bound).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_bounds_a_dead_subscriber_s_backlog() {
    let before = state_on(Box::new(Sqlite::memory().unwrap()));
    open_then_suspend(&before).await;
    // The same log in a store with a dead subscriber, its alerts not
    // queued yet (as a write appended and not yet queued).
    let store = Sqlite::memory().unwrap();
    store
        .add_subscriber("http://127.0.0.1:9/dead", "secret-0123456789", 0, 32)
        .unwrap();
    for (i, l) in before.store.lines().unwrap().iter().enumerate() {
        store.append(i as u64, l).unwrap();
    }
    let mut st = state_on(Box::new(store));
    Arc::get_mut(&mut st).expect("not shared yet").delivery = Settings {
        max_pending: 1,
        ..Settings::default()
    };
    let list = |st: &Arc<AppState>| {
        let st = st.clone();
        async move {
            let (s, b) = call(&st, "GET", "/api/subscribers", Some("token-icrc"), None).await;
            assert_eq!(s, StatusCode::OK);
            let v: Value = serde_json::from_str(&b).unwrap();
            (
                v["subscribers"][0]["pending"].clone(),
                v["subscribers"][0]["dropped"].clone(),
            )
        }
    };
    let pass = |st: &Arc<AppState>, queue: bool| {
        let st = st.clone();
        tokio::task::spawn_blocking(move || {
            if queue {
                delivery::queue_published(&st).unwrap();
            }
            delivery::trim_backlogs(&st);
        })
    };
    pass(&st, false).await.unwrap();
    assert_eq!(list(&st).await, (json!(0), json!(0)), "nothing queued yet");
    for _ in 0..2 {
        pass(&st, true).await.unwrap();
        assert_eq!(
            list(&st).await,
            (json!(1), json!(1)),
            "the opening given up"
        );
    }
    // What is left is the newest alert, the suspension.
    let files = published_files(&st).await;
    let newest = delivery::alerts_of(&files)
        .into_iter()
        .max_by_key(|(id, _)| corridor_server::store::alert_seq(id))
        .unwrap();
    let due = st.store.claim(i64::MAX / 4, 1, 10, &[]).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].identifier, newest.0);
}
