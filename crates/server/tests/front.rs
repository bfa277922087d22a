//! The front door (issue 16, item 6): public GETs answered before the
//! router, exactly as the router answers them; a write in the feeds the
//! moment it is answered; another server's write within the freshness
//! bound; the read limit counted on both paths; the per-core listeners.

mod common;

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use axum::response::Response;
use common::{call, state};
use corridor_server::guard::{Limits, MAX_CLIENTS};
use corridor_server::{app, router, AppState};
use http_body_util::BodyExt;
use serde_json::json;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;
use tower::ServiceExt;

fn get(uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut r = Request::builder().uri(uri);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.body(Body::empty()).unwrap()
}

/// Status, the headers the two paths must agree on, and the body.
async fn parts(res: Response) -> (StatusCode, Vec<(&'static str, String)>, Bytes) {
    let h = |n: &'static str| {
        (
            n,
            res.headers()
                .get(n)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default(),
        )
    };
    let heads = vec![
        h("etag"),
        h("vary"),
        h("cache-control"),
        h("content-type"),
        h("content-encoding"),
        h("content-security-policy"),
        h("x-content-type-options"),
    ];
    let status = res.status();
    (
        status,
        heads,
        res.into_body().collect().await.unwrap().to_bytes(),
    )
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .unwrap();
    out
}

async fn open_corridor(st: &Arc<AppState>) {
    common::acts(st, "sumy-poltava", common::AGREE_AND_OPEN).await;
}

async fn shell_sumy(st: &Arc<AppState>, id: &str) {
    let (s, b) = call(
        st,
        "POST",
        "/api/incidents",
        Some("token-ru"),
        Some(json!({"kind": "shelling", "at": "50.2533,34.6764", "radius_m": 5000, "id": id})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(b.contains("sumy-poltava"), "{b}");
}

fn suspensions(atom: &str) -> usize {
    atom.matches("<title>Humanitarian corridor SUSPENDED")
        .count()
}

/// Every public file and page, under every `Accept-Encoding` and
/// `If-None-Match` a client may send: the fast path answers (no router),
/// with the status, headers and bytes the router gives.
#[tokio::test]
async fn the_fast_path_answers_public_gets_as_the_router_does() {
    // Thousands of reads from one address: the limit out of the way.
    let mut st = Arc::try_unwrap(state()).ok().unwrap();
    st.per_minute.1 = u32::MAX;
    let st = Arc::new(st);
    open_corridor(&st).await;
    let (_, atom) = call(&st, "GET", "/public/alerts.atom", None, None).await;
    let cap = atom
        .split("href=\"http://test/public/cap/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|f| format!("/public/cap/{f}"))
        .expect("a CAP alert in the feed");
    let languages = [None, Some("en"), Some("ru-RU,ru;q=0.9,en;q=0.5")];
    // Pages are rendered per language on first use (by the router).
    for l in languages.iter().flatten() {
        for p in ["/", "/text"] {
            let r = app(st.clone())
                .oneshot(get(p, &[("accept-language", l)]))
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
        }
    }
    let (_, _) = call(&st, "GET", "/", None, None).await;
    let (_, _) = call(&st, "GET", "/text", None, None).await;
    // Each with whether it takes gzip.
    let encodings = [
        (None, false),
        (Some("gzip"), true),
        (Some("gzip, deflate, br"), true),
        (Some("GZIP;q=0.5, br"), true),
        (Some("*"), true),
        (Some("br"), false),
        (Some("gzip;q=0"), false),
        (Some("identity"), false),
    ];
    let mut fast = 0;
    let front = app(st.clone());
    for path in [
        "/public/alerts.atom",
        "/public/corridors.geojson",
        "/public/",
        "/public/index.html",
        "/public/publisher.crt",
        cap.as_str(),
        "/",
        "/text",
    ] {
        for l in languages {
            for (e, takes_gzip) in encodings {
                let mut h: Vec<(&str, &str)> = Vec::new();
                if let Some(e) = e {
                    h.push(("accept-encoding", e));
                }
                if let Some(l) = l {
                    h.push(("accept-language", l));
                }
                let slow = parts(router(st.clone()).oneshot(get(path, &h)).await.unwrap()).await;
                assert_eq!(slow.0, StatusCode::OK, "{path} {h:?}");
                let quick = front
                    .answer_fast(&get(path, &h))
                    .unwrap_or_else(|| panic!("{path} {h:?}: not on the fast path"));
                let quick = parts(quick).await;
                fast += 1;
                assert_eq!(quick.0, slow.0, "{path} {h:?}");
                assert_eq!(quick.1.len(), slow.1.len());
                for (q, s) in quick.1.iter().zip(&slow.1) {
                    // The router's compression layer zips a body that gzip
                    // does not shrink (kept plain here): the same bytes.
                    if q.0 == "content-encoding" && q.1.is_empty() && s.1 == "gzip" {
                        assert_eq!(quick.2, gunzip(&slow.2), "{path} {h:?}");
                        continue;
                    }
                    assert_eq!(q, s, "{path} {h:?}");
                }
                if quick.1[4].1 == slow.1[4].1 {
                    assert_eq!(quick.2, slow.2, "{path} {h:?}");
                }
                // Caches key each file by the encoding, a page by the
                // language too.
                let vary = if path.starts_with("/public/") {
                    "accept-encoding"
                } else {
                    "accept-encoding, accept-language"
                };
                assert_eq!(quick.1[1].1, vary, "{path}");
                // gzip exactly when the client takes it (the feeds and
                // pages all shrink; a file that would not stays plain).
                let gz = quick.1[4].1 == "gzip";
                assert!(!gz || takes_gzip, "{path} {h:?}: gzip not asked for");
                if path != "/public/publisher.crt" {
                    assert_eq!(gz, takes_gzip, "{path} {h:?}");
                }
                // Revalidation: the tag just given, weakened, in a list, `*`:
                // 304 with no body; another tag: the file again.
                let tag = quick.1[0].1.clone();
                for (inm, want) in [
                    (tag.clone(), StatusCode::NOT_MODIFIED),
                    (format!("W/{tag}"), StatusCode::NOT_MODIFIED),
                    (format!("\"0000\", {tag}"), StatusCode::NOT_MODIFIED),
                    ("*".to_string(), StatusCode::NOT_MODIFIED),
                    ("\"0000\"".to_string(), StatusCode::OK),
                ] {
                    let mut h2 = h.clone();
                    h2.push(("if-none-match", &inm));
                    let q = parts(front.answer_fast(&get(path, &h2)).unwrap()).await;
                    let s = parts(router(st.clone()).oneshot(get(path, &h2)).await.unwrap()).await;
                    assert_eq!(q.0, want, "{path} {h2:?}");
                    assert_eq!(s.0, want, "{path} {h2:?}");
                    assert_eq!(q.1[0], s.1[0], "{path} {h2:?}: the same tag");
                    if want == StatusCode::NOT_MODIFIED {
                        assert!(q.2.is_empty());
                    }
                }
            }
        }
    }
    assert_eq!(fast, 8 * 3 * 8);
    // Left to the router: other methods, a query, files that do not
    // exist or are not addressed as the router addresses them.
    for (method, uri) in [
        ("HEAD", "/public/alerts.atom"),
        ("POST", "/public/alerts.atom"),
        ("GET", "/public/alerts.atom?x=1"),
        ("GET", "/?lang=en"),
        ("GET", "/public/cap/none.xml"),
        ("GET", "/public/cap/../alerts.atom"),
        ("GET", "/public/nothing.txt"),
        ("GET", "/public/cap/"),
        ("GET", "/public"),
        ("GET", "/api/corridors"),
    ] {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        assert!(front.answer_fast(&req).is_none(), "{method} {uri}");
    }
    // The router still answers them as before.
    let (s, _) = call(&st, "GET", "/public/cap/none.xml", None, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, b) = call(&st, "GET", "/?lang=en", None, None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

/// Freshness: a suspension is in every feed the moment its POST is
/// answered; the fast path never serves the file of an older log state,
/// and a client's old tag gets the new file, not 304.
#[tokio::test]
async fn a_write_is_in_the_feeds_the_moment_it_is_answered() {
    let st = state();
    open_corridor(&st).await;
    let front = app(st.clone());
    let (_, before) = call(&st, "GET", "/public/alerts.atom", None, None).await;
    let quick = front
        .answer_fast(&get("/public/alerts.atom", &[]))
        .expect("served from memory");
    let old_tag = quick.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(suspensions(&before), 0);
    for round in 1..=3 {
        shell_sumy(&st, &format!("shelling-{round}")).await;
        // Straight after the answer: the new state or the router, never the
        // old file.
        if let Some(r) = front.answer_fast(&get("/public/alerts.atom", &[])) {
            let b = parts(r).await.2;
            assert_eq!(
                suspensions(std::str::from_utf8(&b).unwrap()),
                round,
                "round {round}"
            );
        }
        let (s, atom) = call(&st, "GET", "/public/alerts.atom", None, None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(suspensions(&atom), round, "round {round}: {atom}");
        let (_, geo) = call(&st, "GET", "/public/corridors.geojson", None, None).await;
        assert!(geo.contains("\"status\": \"suspended\""), "{geo}");
        // Now from memory, the same bytes.
        let r = front
            .answer_fast(&get("/public/alerts.atom", &[("if-none-match", &old_tag)]))
            .expect("served from memory");
        assert_eq!(r.status(), StatusCode::OK, "an old tag gets the new file");
        assert_eq!(parts(r).await.2, atom.as_bytes());
        // Lift and reopen for the next round.
        let (s, b) = call(
            &st,
            "POST",
            &format!("/api/hazards/shelling-{round}/lift"),
            Some("token-icrc"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        common::acts(&st, "sumy-poltava", &[("token-icrc", "reopen")]).await;
        let (_, geo) = call(&st, "GET", "/public/corridors.geojson", None, None).await;
        assert!(!geo.contains("\"status\": \"suspended\""), "{geo}");
    }
}

/// Two server states on one SQLite database in a new temporary folder
/// (returned, to be removed), as two servers sharing a store.
fn two_servers(tag: &str) -> (std::path::PathBuf, Arc<AppState>, Arc<AppState>) {
    let dir = std::env::temp_dir().join(format!(
        "corridor-front-{tag}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("corridor.sqlite");
    let open = || {
        common::exercise(
            "ukraine",
            Box::new(corridor_server::store::Sqlite::open(&db).unwrap()),
            None,
            "2022-03-07T12:00:00+02:00",
        )
    };
    let (here, there) = (open(), open());
    (dir, here, there)
}

/// [`two_servers`] with a corridor open, and the front of the first after
/// one read of the alerts (no suspension yet).
async fn two_servers_reading(
    tag: &str,
) -> (
    std::path::PathBuf,
    Arc<AppState>,
    Arc<AppState>,
    corridor_server::App,
) {
    let (dir, here, there) = two_servers(tag);
    open_corridor(&here).await;
    let front = app(here.clone());
    let (_, atom) = call(&here, "GET", "/public/alerts.atom", None, None).await;
    assert_eq!(suspensions(&atom), 0);
    (dir, here, there, front)
}

/// Two servers on one database: a write through the other shows here
/// within the freshness bound. Once the last check of the store is that
/// old, the fast path stands aside until the store has been asked again.
#[tokio::test]
async fn another_servers_write_shows_within_the_freshness_bound() {
    let (dir, here, there, front) = two_servers_reading("shared").await;
    assert!(front
        .answer_fast(&get("/public/alerts.atom", &[]))
        .is_some());
    shell_sumy(&there, "elsewhere").await;
    // Past the bound (100 ms) with no reader, nothing is served unchecked.
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    if let Some(r) = front.answer_fast(&get("/public/alerts.atom", &[])) {
        // Only after a check that read the other server's entry.
        let b = parts(r).await.2;
        assert_eq!(suspensions(std::str::from_utf8(&b).unwrap()), 1);
    }
    let (_, atom) = call(&here, "GET", "/public/alerts.atom", None, None).await;
    assert_eq!(suspensions(&atom), 1, "{atom}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Under steady reads the fast path stays fresh by itself: its checker
/// thread asks the store every half bound, so reads go on being answered
/// from memory long past the bound, and another server's write shows on
/// the fast path soon after it is committed (once the checker has read it
/// in; the readers are sent to the router meanwhile).
#[tokio::test]
async fn steady_reads_stay_fast_and_see_another_servers_write() {
    let (dir, here, there, front) = two_servers_reading("steady").await;
    let tick = std::time::Duration::from_millis(10);
    // Five times the bound (100 ms), every read from memory.
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_millis(500) {
        let r = front.answer_fast(&get("/public/alerts.atom", &[]));
        assert!(r.is_some(), "stood aside {:?} in", start.elapsed());
        tokio::time::sleep(tick).await;
    }
    // The other server writes from its own thread while this one reads.
    let writer = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(shell_sumy(&there, "elsewhere"));
        std::time::Instant::now()
    });
    let mut seen = None;
    while start.elapsed() < std::time::Duration::from_secs(10) {
        match front.answer_fast(&get("/public/alerts.atom", &[])) {
            Some(r) => {
                let b = parts(r).await.2;
                if suspensions(std::str::from_utf8(&b).unwrap()) == 1 {
                    seen = Some(std::time::Instant::now());
                    break;
                }
            }
            // Stood aside (a check under way, or the new log's files not
            // made yet): the request goes to the router, which makes them.
            None => {
                call(&here, "GET", "/public/alerts.atom", None, None).await;
            }
        }
        tokio::time::sleep(tick).await;
    }
    let seen = seen.expect("the other server's write never showed on the fast path");
    let written = writer.join().unwrap();
    let late = seen.saturating_duration_since(written);
    assert!(late < std::time::Duration::from_secs(2), "{late:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// After another server's write, requests that all find the store longer
/// at once read and replay the log once between them, and all get the new
/// state.
#[test]
fn concurrent_readers_read_the_store_once() {
    let (dir, here, there) = two_servers("herd");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(open_corridor(&here));
    rt.block_on(shell_sumy(&there, "elsewhere"));
    let want = there.live().unwrap().log.len();
    let before = here.store_reads();
    let start = Arc::new(std::sync::Barrier::new(8));
    let readers: Vec<_> = (0..8)
        .map(|_| {
            let (st, start) = (here.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                st.live().unwrap().log.len()
            })
        })
        .collect();
    for r in readers {
        assert_eq!(r.join().unwrap(), want);
    }
    assert_eq!(here.store_reads() - before, 1, "reads");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The fast path counts each read in the address's window, the same one
/// the router counts in: past the limit, 429 on both.
#[tokio::test]
async fn fast_reads_count_in_the_read_limit() {
    let mut st = Arc::try_unwrap(state()).ok().unwrap();
    st.per_minute.1 = 4;
    let st = Arc::new(st);
    open_corridor(&st).await; // writes: the parties' own limit
    let front = app(st.clone());
    let (s, _) = call(&st, "GET", "/public/alerts.atom", None, None).await; // 1, by the router
    assert_eq!(s, StatusCode::OK);
    for _ in 0..3 {
        let r = front.answer_fast(&get("/public/alerts.atom", &[])).unwrap(); // 2, 3, 4
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = front.answer_fast(&get("/public/alerts.atom", &[])).unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let b = parts(r).await.2;
    assert!(std::str::from_utf8(&b).unwrap().contains("\"error\""));
    let (s, _) = call(&st, "GET", "/api/scenario", None, None).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "the same window");
}

/// Reads are counted per IPv4 address and per IPv6 /64; the table stays
/// bounded whatever the addresses.
#[test]
fn reads_are_limited_per_address_and_per_ipv6_block_in_bounded_memory() {
    let l = Limits::default();
    let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
    assert!(l.admit_read(ip("2001:db8:1:2::1"), 2));
    assert!(l.admit_read(ip("2001:db8:1:2:ffff:ffff:ffff:9"), 2));
    assert!(!l.admit_read(ip("2001:db8:1:2::77"), 2), "the same /64");
    assert!(l.admit_read(ip("2001:db8:1:3::1"), 2), "another /64");
    assert!(l.admit_read(ip("192.0.2.1"), 2));
    assert!(l.admit_read(ip("::ffff:192.0.2.1"), 2));
    assert!(!l.admit_read(ip("192.0.2.1"), 2), "IPv4-mapped is IPv4");
    assert!(l.admit_read(ip("192.0.2.2"), 2));
    let flood = Limits::default();
    let mut refused = 0;
    for i in 0..(MAX_CLIENTS as u128 + 5_000) {
        if !flood.admit_read(Some(IpAddr::V6(Ipv6Addr::from(i << 64))), 10) {
            refused += 1;
        }
    }
    assert!(flood.len() <= MAX_CLIENTS, "{}", flood.len());
    assert!(refused >= 5_000, "new clients wait for room: {refused}");
}

/// Reads whole HTTP/1.1 responses (with `Content-Length`) off `s`.
fn responses(s: &mut std::net::TcpStream, n: usize) -> Vec<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut chunk = [0u8; 4096];
    while out.len() < n {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8(buf[..end].to_vec()).unwrap();
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                let body = buf[end + 4..end + 4 + len].to_vec();
                buf.drain(..end + 4 + len);
                out.push((head, body));
                continue;
            }
        }
        let k = s.read(&mut chunk).unwrap();
        assert!(k > 0, "the connection closed early");
        buf.extend_from_slice(&chunk[..k]);
    }
    out
}

/// The per-core listeners: every thread serves, a connection is kept
/// alive across requests (pipelined too), and a port already in use is
/// refused rather than shared.
#[test]
fn per_core_listeners_serve_keep_alive_and_refuse_a_taken_port() {
    let st = state();
    let listening =
        corridor_server::front::serve_per_core("127.0.0.1:0", app(st.clone()), 2).unwrap();
    let addr = listening.local_addr();
    assert_ne!(addr.port(), 0);
    let again = corridor_server::front::serve_per_core(&addr.to_string(), app(state()), 1);
    assert!(again.is_err(), "a second server on the same port");
    for _ in 0..8 {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let req = "GET /public/alerts.atom HTTP/1.1\r\nHost: test\r\nAccept-Encoding: gzip\r\n\r\n";
        s.write_all(format!("{req}{req}").as_bytes()).unwrap();
        let rs = responses(&mut s, 2);
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
            .unwrap();
        let h = responses(&mut s, 1);
        for (head, body) in &rs {
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            assert!(head.contains("content-encoding: gzip"), "{head}");
            assert!(String::from_utf8(gunzip(body)).unwrap().contains("<feed"));
        }
        assert_eq!(rs[0].1, rs[1].1);
        assert!(h[0].0.starts_with("HTTP/1.1 200"), "{}", h[0].0);
        assert_eq!(h[0].1, b"ok");
    }
    listening.stop();
    assert!(std::net::TcpStream::connect(addr).is_err(), "stopped");
}

/// One address may hold at most its share of connections open at once:
/// one more is closed unread, the ones it holds are served, and a slot
/// freed is free for the next connection. The table forgets an address
/// once its connections are closed.
#[test]
fn one_address_holds_at_most_its_share_of_connections() {
    use std::time::{Duration, Instant};
    let mut st = state();
    Arc::get_mut(&mut st).unwrap().connections = corridor_server::front::Connections::new(3, 0);
    let listening =
        corridor_server::front::serve_per_core("127.0.0.1:0", app(st.clone()), 1).unwrap();
    let addr = listening.local_addr();
    let me: IpAddr = "127.0.0.1".parse().unwrap();
    let until = |want: u32| {
        let t0 = Instant::now();
        while st.connections.held(me) != want {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "held {} of {want}",
                st.connections.held(me)
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    let connect = || {
        let s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    };
    let healthz = |s: &mut std::net::TcpStream| {
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
            .unwrap();
        let r = responses(s, 1);
        assert!(r[0].0.starts_with("HTTP/1.1 200"), "{}", r[0].0);
    };
    let mut held: Vec<_> = (0..3).map(|_| connect()).collect();
    until(3);
    // The fourth is closed without an answer.
    let mut extra = connect();
    let _ = extra.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n");
    let mut buf = [0u8; 64];
    match extra.read(&mut buf) {
        Ok(0) => {}
        Err(e)
            if e.kind() != std::io::ErrorKind::WouldBlock
                && e.kind() != std::io::ErrorKind::TimedOut => {}
        other => panic!("a fourth connection was served: {other:?}"),
    }
    assert_eq!(st.connections.held(me), 3);
    // Those held are served; a slot freed serves the next one.
    healthz(&mut held[0]);
    held.truncate(1);
    until(1);
    let mut next = connect();
    healthz(&mut next);
    drop(next);
    drop(held);
    until(0);
    assert_eq!(
        st.connections.counts(),
        (0, 0),
        "no address is held once closed"
    );
    listening.stop();
}
