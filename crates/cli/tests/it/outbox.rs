//! Issue 14, item 6, end to end: a real `corridor serve`, a subscriber
//! (a small HTTP server in this test) that answers 500 the first three
//! times it sees each alert and 200 after, and the server SIGKILLed in
//! the middle of the retries and restarted on the same store. The
//! subscriber ends with every alert exactly as published (byte-identical
//! to what `corridor publish` writes from the exported log and to what
//! the server serves, XML-DSig signature included), each acknowledged
//! once, each request signed, and nothing sent after its acknowledgement.
//! On SQLite and PostgreSQL.

use crate::server::{example, free_port, http, start_with, tokens, Server};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "e2e-subscriber-secret-0123456789abcdef";
const FAILS: usize = 3;

/// One request as the subscriber saw it.
#[derive(Clone, Debug)]
struct Seen {
    attempt: String,
    signature: String,
    content_type: String,
    body: Vec<u8>,
    /// The status it answered.
    answered: u16,
}

type Book = Arc<Mutex<BTreeMap<String, Vec<Seen>>>>;

/// The subscriber: one thread, one connection at a time, HTTP/1.1 read by
/// hand (request line, headers, a body of Content-Length bytes).
fn subscriber() -> (String, Book) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/cap-hook", listener.local_addr().unwrap());
    let book: Book = Arc::default();
    let b2 = book.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
            let mut r = BufReader::new(conn.try_clone().unwrap());
            let mut line = String::new();
            if r.read_line(&mut line).is_err() || !line.starts_with("POST /cap-hook ") {
                let _ = conn.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                continue;
            }
            let mut headers = BTreeMap::new();
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                }
            }
            let n: usize = headers
                .get("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0u8; n];
            if r.read_exact(&mut body).is_err() {
                continue;
            }
            let h = |k: &str| headers.get(k).cloned().unwrap_or_default();
            let id = h("x-corridor-alert");
            let answered = {
                let mut book = b2.lock().unwrap();
                let seen = book.entry(id).or_default();
                let answered = if seen.len() < FAILS { 500 } else { 200 };
                seen.push(Seen {
                    attempt: h("x-corridor-attempt"),
                    signature: h("x-corridor-signature"),
                    content_type: h("content-type"),
                    body,
                    answered,
                });
                answered
            };
            let reason = if answered == 200 {
                "OK"
            } else {
                "Internal Server Error"
            };
            let _ = conn.write_all(
                format!("HTTP/1.1 {answered} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            );
        }
    });
    (url, book)
}

/// Waits up to `secs` for `done` over the subscriber's book.
fn wait_for(
    book: &Book,
    secs: u64,
    what: &str,
    done: impl Fn(&BTreeMap<String, Vec<Seen>>) -> bool,
) {
    let t = Instant::now();
    while !done(&book.lock().unwrap()) {
        assert!(
            t.elapsed() < Duration::from_secs(secs),
            "{what}: not within {secs} s: {:?}",
            book.lock()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.iter().map(|s| s.answered).collect::<Vec<_>>()))
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn deliver_through_a_crash(name: &str, database: Option<&str>) {
    let dir = crate::scratch(name);
    let data = dir.join("data");
    let scn = example("ukraine/scenario.toml");
    let port = free_port();
    let mut args: Vec<&str> = vec![
        "--delivery-backoff",
        "0.3",
        "--delivery-backoff-max",
        "1",
        "--delivery-timeout",
        "2",
    ];
    if let Some(u) = database {
        args.extend(["--database", u]);
    }
    let mut server = Server(start_with(&data, port, &scn, &args));
    let tok = tokens(&data);
    let (url, book) = subscriber();
    let (s, b) = http(
        port,
        "POST",
        "/api/subscribers",
        Some(&tok["icrc"]),
        &format!("{{\"url\":\"{url}\",\"secret\":\"{SECRET}\"}}"),
    )
    .unwrap();
    assert_eq!(s, 200, "{b}");
    let act = |who: &str, a: &str| {
        let (s, b) = http(
            port,
            "POST",
            "/api/act",
            Some(&tok[who]),
            &format!("{{\"action\":\"{a}\",\"proposal\":\"sumy-poltava\"}}"),
        )
        .expect("server answers");
        assert_eq!(s, 200, "{who} {a}: {b}");
    };
    for (who, a) in [
        ("ua", "propose"),
        ("ru", "accept"),
        ("ua", "accept"),
        ("icrc", "countersign"),
        ("zp-admin", "open"),
    ] {
        act(who, a);
    }
    // The opening alert is being retried: kill the server between two
    // attempts (SIGKILL: nothing is flushed or finished).
    wait_for(&book, 30, "a first failed attempt", |b| {
        b.values().any(|v| !v.is_empty())
    });
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    let before: usize = book.lock().unwrap().values().map(Vec::len).sum();
    assert!(
        before < FAILS,
        "killed in the middle of the retries: {before}"
    );
    // Restarted on the same store, it resumes; a new alert follows.
    server.0 = start_with(&data, port, &scn, &args);
    act("ru", "suspend");
    wait_for(&book, 60, "every alert acknowledged", |b| {
        b.len() == 2 && b.values().all(|v| v.iter().any(|s| s.answered == 200))
    });
    // Longer than the longest backoff and the worker's pass: anything
    // re-sent after an acknowledgement would have arrived.
    std::thread::sleep(Duration::from_secs(3));
    // Every alert as published: the log exported and published by the CLI.
    let (s, log) = http(port, "GET", "/api/log", None, "").unwrap();
    assert_eq!(s, 200);
    let log_file = dir.join("log.jsonl");
    std::fs::write(&log_file, &log).unwrap();
    let public = dir.join("public");
    let out = crate::corridor(&[
        "publish",
        scn.to_str().unwrap(),
        "--log",
        log_file.to_str().unwrap(),
        "--out",
        public.to_str().unwrap(),
        "--base-url",
        &format!("http://127.0.0.1:{port}/public/"),
        // The server's own publisher key, made at its first start.
        "--publisher",
        data.join("publisher").to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut published = BTreeMap::new();
    for e in std::fs::read_dir(public.join("cap")).unwrap() {
        let p = e.unwrap().path();
        let stem = p.file_stem().unwrap().to_string_lossy().to_string();
        published.insert(stem, std::fs::read(&p).unwrap());
    }
    assert_eq!(
        published.len(),
        2,
        "opened, suspended: {:?}",
        published.keys()
    );
    let book = book.lock().unwrap().clone();
    assert_eq!(
        book.keys().collect::<Vec<_>>(),
        published.keys().collect::<Vec<_>>(),
        "every alert, and only those, reached the subscriber"
    );
    let now = chrono::Utc::now().timestamp();
    for (id, bytes) in &published {
        let (s, served) = http(port, "GET", &format!("/public/cap/{id}.xml"), None, "").unwrap();
        assert_eq!(s, 200);
        assert!(
            served.as_bytes() == bytes.as_slice(),
            "{id}: served = published"
        );
        let seen = &book[id];
        let answers: Vec<u16> = seen.iter().map(|s| s.answered).collect();
        assert_eq!(
            answers,
            [500, 500, 500, 200],
            "{id}: three failures, one acknowledgement, nothing after it"
        );
        for (i, s) in seen.iter().enumerate() {
            assert!(
                s.body == *bytes,
                "{id}, request {}: the bytes published",
                i + 1
            );
            assert_eq!(s.content_type, "application/cap+xml");
            let body = std::str::from_utf8(&s.body).unwrap();
            // The alert's own XML-DSig signature travels with it.
            corridor_xmldsig::verify(body).unwrap_or_else(|e| panic!("{id}: {e}"));
            corridor_server::delivery::verify(SECRET, &s.signature, id, body, now, 600)
                .unwrap_or_else(|e| panic!("{id}, request {}: {e}", i + 1));
            assert!(corridor_server::delivery::verify(
                "not-the-secret-0000",
                &s.signature,
                id,
                body,
                now,
                600
            )
            .is_err());
        }
        // Attempts count up across the restart (a claim the kill cut off
        // before its request left counts, so numbers may skip).
        let numbers: Vec<usize> = seen.iter().map(|s| s.attempt.parse().unwrap()).collect();
        assert!(
            numbers[0] == 1 && numbers.windows(2).all(|w| w[0] < w[1]),
            "{id}: {numbers:?}"
        );
    }
    // The mediator sees them delivered.
    let (s, b) = http(port, "GET", "/api/subscribers", Some(&tok["icrc"]), "").unwrap();
    assert_eq!(s, 200, "{b}");
    let v: serde_json::Value = serde_json::from_str(&b).unwrap();
    assert_eq!(v["subscribers"][0]["delivered"], 2, "{v}");
    assert_eq!(v["subscribers"][0]["pending"], 0, "{v}");
    assert!(!b.contains(SECRET));
    drop(server);
}

#[test]
fn every_alert_reaches_a_failing_subscriber_through_a_crash_on_sqlite() {
    deliver_through_a_crash("outbox-sqlite", None);
}

#[test]
fn every_alert_reaches_a_failing_subscriber_through_a_crash_on_postgresql() {
    let Ok(url) = std::env::var("CORRIDOR_TEST_PG") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CORRIDOR_TEST_PG is not set in CI: .ci/run starts PostgreSQL"
        );
        eprintln!("CORRIDOR_TEST_PG not set: PostgreSQL outbox test skipped");
        return;
    };
    // A schema of its own on the test database, so that the parity test
    // of this binary can run at the same time on the default one.
    let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("PostgreSQL");
    c.batch_execute("CREATE SCHEMA IF NOT EXISTS corridor_outbox_e2e")
        .unwrap();
    drop(c);
    let sep = if url.contains('?') { '&' } else { '?' };
    let url = format!("{url}{sep}options=-c%20search_path%3Dcorridor_outbox_e2e");
    let pg = corridor_server::store::Postgres::connect(&url).expect("PostgreSQL");
    pg.reset().unwrap();
    drop(pg);
    deliver_through_a_crash("outbox-pg", Some(&url));
}
