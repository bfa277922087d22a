//! `corridor serve` as a process: a crash test (SIGKILL during a burst of
//! writes; after a restart every acknowledged write is there and the log
//! verifies) and the web page in a real headless Chromium.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn example(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(rel)
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A minimal HTTP/1.1 exchange: (status, body), or None when the server
/// does not answer.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    // Headers, then the body by Content-Length when given (some servers
    // keep the connection open), else to the end.
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    while !out.ends_with(b"\r\n\r\n") {
        if s.read(&mut b).ok()? == 0 {
            break;
        }
        out.push(b[0]);
    }
    let head = String::from_utf8_lossy(&out).to_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    match length {
        Some(n) => {
            let mut body = vec![0u8; n];
            s.read_exact(&mut body).ok()?;
            out.extend_from_slice(&body);
        }
        None => {
            s.read_to_end(&mut out).ok()?;
        }
    }
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|x| x.1.to_string())
        .unwrap_or_default();
    // Chunked bodies: keep it simple, strip the chunk size lines.
    let body = if text.to_lowercase().contains("transfer-encoding: chunked") {
        let mut b = String::new();
        let mut rest = body.as_str();
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 || tail.len() < n {
                break;
            }
            b.push_str(&tail[..n]);
            rest = tail[n..].trim_start_matches("\r\n");
        }
        b
    } else {
        body
    };
    Some((status, body))
}

pub fn start(data: &Path, port: u16, scenario: &Path) -> Child {
    start_with(data, port, scenario, &[])
}

/// `corridor serve` with more arguments (e.g. `--database URL`).
pub fn start_with(data: &Path, port: u16, scenario: &Path, more: &[&str]) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_corridor"))
        .args([
            "serve",
            "--scenario",
            scenario.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
            "--addr",
            &format!("127.0.0.1:{port}"),
        ])
        .args(more)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start corridor serve");
    let t = Instant::now();
    while http(port, "GET", "/healthz", None, "").is_none() {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

pub fn tokens(data: &Path) -> std::collections::HashMap<String, String> {
    std::fs::read_to_string(data.join("credentials.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() == 3).then(|| (f[0].to_string(), f[2].to_string()))
        })
        .collect()
}

#[test]
fn every_acknowledged_write_survives_a_sigkill() {
    let data = crate::scratch("crash").join("data");
    let scn = example("ukraine/scenario.toml");
    let port = free_port();
    let mut server = start(&data, port, &scn);
    let tok = tokens(&data);
    let act = |who: &str, action: &str| {
        let body = format!("{{\"action\":\"{action}\",\"proposal\":\"sumy-poltava\"}}");
        http(port, "POST", "/api/act", Some(&tok[who]), &body)
    };
    for (who, a) in [
        ("ua", "propose"),
        ("ru", "accept"),
        ("ua", "accept"),
        ("icrc", "countersign"),
        ("zp-admin", "open"),
    ] {
        assert_eq!(act(who, a).map(|x| x.0), Some(200), "{a}");
    }
    // A burst of suspend/reopen from another thread; kill the server in the
    // middle of it. Every acknowledged (200) write is remembered.
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u64>::new()));
    let acked2 = acked.clone();
    let tok2 = tok.clone();
    let burst = std::thread::spawn(move || {
        for i in 0..400 {
            let (who, a) = if i % 2 == 0 {
                ("ru", "suspend")
            } else {
                ("icrc", "reopen")
            };
            let body = format!("{{\"action\":\"{a}\",\"proposal\":\"sumy-poltava\"}}");
            match http(port, "POST", "/api/act", Some(&tok2[who]), &body) {
                Some((200, b)) => {
                    let v: serde_json::Value = serde_json::from_str(&b).unwrap();
                    acked2.lock().unwrap().push(v["seq"].as_u64().unwrap());
                }
                Some(_) => {}
                None => break,
            }
        }
    });
    let t = Instant::now();
    while acked.lock().unwrap().len() < 10 && t.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    burst.join().unwrap();
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 10,
        "too few writes before the kill: {}",
        acked.len()
    );
    // Restart on the same data: everything acknowledged is there.
    let mut server = start(&data, port, &scn);
    let (s, log) = http(port, "GET", "/api/log", None, "").unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(s, 200);
    let n = log.lines().count() as u64;
    let max = *acked.iter().max().unwrap();
    assert!(
        n > max,
        "acknowledged entry {max} lost: the log has {n} entries"
    );
    // And the log verifies offline, lifecycle included.
    let f = data.join("exported.jsonl");
    std::fs::write(&f, &log).unwrap();
    let out = crate::corridor(&[
        "log",
        "verify",
        f.to_str().unwrap(),
        "--scenario",
        scn.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The map in a real headless Chromium (Debian's `chromium`, which `.ci/run`
/// installs), driven over the DevTools protocol: the page loads its vendored
/// Leaflet with no console error, shows the open corridor and its alert;
/// an incident posted through the API turns the corridor suspended on the
/// page within 2 seconds (server-sent events).
#[test]
fn the_web_page_renders_in_headless_chromium() {
    let Some(chromium) = crate::cdp::Browser::available() else {
        return;
    };
    let data = crate::scratch("web").join("data");
    let scn = example("ukraine/scenario.toml");
    let port = free_port();
    // Killed however the test ends.
    let _server = Server(start(&data, port, &scn));
    let tok = tokens(&data);
    for (who, a) in [
        ("ua", "propose"),
        ("ru", "accept"),
        ("ua", "accept"),
        ("icrc", "countersign"),
        ("zp-admin", "open"),
    ] {
        let body = format!("{{\"action\":\"{a}\",\"proposal\":\"sumy-poltava\"}}");
        assert_eq!(
            http(port, "POST", "/api/act", Some(&tok[who]), &body).map(|x| x.0),
            Some(200)
        );
    }
    // Issue 12, item 1: text a party sends that looks like HTML. Its id is
    // refused; its description reaches the map's tooltip, as text.
    let probe =
        r#"{"id":"<img src=x onerror=alert(1)>","kind":"mines","at":"50.40,34.20","radius_m":100}"#;
    assert_eq!(
        http(port, "POST", "/api/hazards", Some(&tok["ru"]), probe).map(|x| x.0),
        Some(400)
    );
    let probe = r#"{"id":"probe-1","kind":"mines","at":"50.40,34.20","radius_m":100,"description":"<img src=x onerror='window.__xss=1'>"}"#;
    let (s, b) = http(port, "POST", "/api/hazards", Some(&tok["ru"]), probe).unwrap();
    assert_eq!(s, 200, "{b}");
    let mut browser = crate::cdp::Browser::launch(chromium, &data, 1280, 900);
    {
        let cdp = &mut browser.cdp;
        cdp.call(
            "Page.navigate",
            serde_json::json!({"url": format!("http://127.0.0.1:{port}/?lang=en")}),
        )
        .unwrap();
        let t = Instant::now();
        while cdp
            .eval("document.body && document.body.dataset.ready")
            .unwrap()
            != "1"
        {
            assert!(
                t.elapsed() < Duration::from_secs(30),
                "the page did not finish loading: {:?}",
                cdp.errors()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(
            cdp.eval("!!document.querySelector('.leaflet-container')")
                .unwrap()
                == true,
            "Leaflet did not start"
        );
        let alerts = cdp
            .eval("document.getElementById('alerts').innerText")
            .unwrap();
        assert!(
            alerts
                .as_str()
                .unwrap()
                .contains("Humanitarian corridor open: Sumy → Poltava reception centre"),
            "{alerts}"
        );
        // Hover the reported hazard on the map: its tooltip shows the
        // markup as text, and no script ran.
        let at = cdp
            .eval("(() => { const p = map.latLngToContainerPoint([50.40, 34.20]); const r = document.getElementById('map').getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; })()")
            .unwrap();
        let (x, y) = (at[0].as_f64().unwrap(), at[1].as_f64().unwrap());
        for t in ["mouseMoved", "mouseMoved"] {
            cdp.call(
                "Input.dispatchMouseEvent",
                serde_json::json!({"type": t, "x": x, "y": y}),
            )
            .unwrap();
            std::thread::sleep(Duration::from_millis(150));
        }
        let tip = cdp
            .eval("(document.querySelector('.leaflet-tooltip') || {}).textContent || ''")
            .unwrap();
        assert!(
            tip.as_str().unwrap().contains("<img src=x onerror="),
            "the hazard's tooltip, as text: {tip}"
        );
        assert_eq!(
            cdp.eval("typeof window.__xss").unwrap(),
            "undefined",
            "a party's text ran as script"
        );
        let side = cdp.eval("document.body.innerText").unwrap();
        assert!(side
            .as_str()
            .unwrap()
            .contains("OpenStreetMap contributors"));
        cdp.eval("document.getElementById('coordinator').open = true; corridors(); true")
            .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let view = cdp
            .eval("document.getElementById('corridors').innerText")
            .unwrap();
        assert!(
            view.as_str().unwrap().contains("sumy-poltava: open"),
            "{view}"
        );
        // An incident through the API; the page shows the suspension within 2 s.
        let report = r#"{"kind":"shelling","at":"50.2533,34.6764","radius_m":5000,"description":"artillery near the route"}"#;
        assert_eq!(
            http(port, "POST", "/api/incidents", Some(&tok["ru"]), report).map(|x| x.0),
            Some(200)
        );
        let t = Instant::now();
        loop {
            let a = cdp.eval("document.getElementById('alerts').innerText + document.getElementById('corridors').innerText").unwrap();
            let a = a.as_str().unwrap_or("").to_string();
            if a.contains("SUSPENDED") && a.contains("sumy-poltava: suspended") {
                break;
            }
            assert!(
                t.elapsed() < Duration::from_secs(2),
                "the corridor did not turn suspended within 2 s:\n{a}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // A party signs in through the page (its token traded for an
        // HttpOnly session cookie) and reopens the corridor from the page.
        let icrc = &tok["icrc"];
        cdp.eval(&format!(
            "document.getElementById('token').value = '{icrc}'; document.getElementById('login').requestSubmit(); true"
        ))
        .unwrap();
        let t = Instant::now();
        loop {
            let r = cdp
                .eval("document.getElementById('result').textContent")
                .unwrap();
            if r.as_str().unwrap_or("").contains("signed in as icrc") {
                break;
            }
            assert!(t.elapsed() < PAGE_WAIT, "no session: {r}");
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(
            cdp.eval("document.cookie").unwrap(),
            "",
            "the session cookie is not readable by the page"
        );
        assert_eq!(
            cdp.eval("document.getElementById('token').value").unwrap(),
            ""
        );
        // The corridor's own button, which sends the version the page shows.
        cdp.eval(
            "(() => { const d = [...document.querySelectorAll('#corridors .corridor')]
                .find(d => d.querySelector('b').textContent.startsWith('sumy-poltava:'));
              [...d.querySelectorAll('button')].find(b => b.textContent === 'reopen').click();
              return true; })()",
        )
        .unwrap();
        let t = Instant::now();
        loop {
            let r = cdp
                .eval("document.getElementById('result').textContent")
                .unwrap();
            let r = r.as_str().unwrap_or("").to_string();
            if r.contains("icrc: reopen sumy-poltava → open") {
                break;
            }
            assert!(t.elapsed() < PAGE_WAIT, "reopen from the page: {r}");
            std::thread::sleep(Duration::from_millis(50));
        }
        // A version proposed while the page is open (here by ru, through
        // the API): a click on it within a moment of its drawing is held
        // back, as the reader cannot have read it; a click after is sent,
        // with that version.
        let body = r#"{"action":"propose","proposal":"kharkiv-belgorod"}"#;
        assert_eq!(
            http(port, "POST", "/api/act", Some(&tok["ru"]), body).map(|x| x.0),
            Some(200)
        );
        let click = "(() => { const d = [...document.querySelectorAll('#corridors .corridor')]
            .find(d => d.querySelector('b').textContent.startsWith('kharkiv-belgorod: proposed'));
          if (!d) return 'not drawn';
          [...d.querySelectorAll('button')].find(b => b.textContent === 'accept').click();
          return 'clicked'; })()";
        let t = Instant::now();
        while cdp.eval(click).unwrap() != "clicked" {
            assert!(t.elapsed() < PAGE_WAIT, "the new version never drawn");
            std::thread::sleep(Duration::from_millis(20));
        }
        wait_for(
            cdp,
            "document.getElementById('result').textContent",
            "read it before you act",
        );
        std::thread::sleep(Duration::from_millis(2100));
        assert_eq!(cdp.eval(click).unwrap(), "clicked");
        wait_for(
            cdp,
            "document.getElementById('result').textContent",
            "icrc: accept kharkiv-belgorod → proposed",
        );
        // Issue 13: ua proposes a corridor by clicking the map (origin near
        // Sumy, destination near Poltava), previews every party's verdict,
        // and sends it; the table shows it at once.
        let ua = &tok["ua"];
        cdp.eval(&format!(
            "document.getElementById('token').value = '{ua}'; document.getElementById('login').requestSubmit(); true"
        ))
        .unwrap();
        wait_for(
            cdp,
            "document.getElementById('result').textContent",
            "signed in as ua",
        );
        cdp.eval("map.setView([50.25, 34.65], 8, { animate: false }); true")
            .unwrap();
        std::thread::sleep(Duration::from_millis(200));
        for (lat, lon) in [(50.91, 34.80), (49.59, 34.55)] {
            let at = cdp
                .eval(&format!("(() => {{ const p = map.latLngToContainerPoint([{lat}, {lon}]); const r = document.getElementById('map').getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }})()"))
                .unwrap();
            let (x, y) = (at[0].as_f64().unwrap(), at[1].as_f64().unwrap());
            for t in ["mouseMoved", "mousePressed", "mouseReleased"] {
                cdp.call(
                    "Input.dispatchMouseEvent",
                    serde_json::json!({"type": t, "x": x, "y": y, "button": "left", "clickCount": 1}),
                )
                .unwrap();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let picked = cdp.eval("document.getElementById('porigin').value + ' → ' + document.getElementById('pdest').value").unwrap();
        let dbg = cdp.eval("JSON.stringify([map.getSize(), map.getBounds().toBBoxString(), map.latLngToContainerPoint([50.91, 34.80]), document.getElementById('map').getBoundingClientRect()])").unwrap();
        assert!(
            picked.as_str().unwrap().starts_with("50.9"),
            "the map clicks set the places: {picked} {dbg}"
        );
        cdp.eval("document.getElementById('ppreview').click(); true")
            .unwrap();
        wait_for(
            cdp,
            "document.getElementById('pverdicts').innerText",
            "ru: ",
        );
        cdp.eval("document.getElementById('propose').requestSubmit(); true")
            .unwrap();
        wait_for(
            cdp,
            "document.getElementById('pverdicts').innerText",
            "(proposed)",
        );
        let t = Instant::now();
        let (_, table) = http(port, "GET", "/api/corridors", None, "").unwrap();
        assert!(t.elapsed() < Duration::from_secs(1));
        let table: serde_json::Value = serde_json::from_str(&table).unwrap();
        let new = table["corridors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["proposed_by"] == "ua")
            .expect("the other parties see the proposal");
        assert!(
            new["evaluation"]["verdicts"].as_array().unwrap().len() >= 2,
            "{new}"
        );
        wait_for(
            cdp,
            "document.getElementById('corridors').innerText",
            "proposed by ua",
        );
        // The plan view: people out over time per corridor, as a chart.
        cdp.eval("document.getElementById('planview').open = true; true")
            .unwrap();
        wait_for(
            cdp,
            "document.getElementById('plantext').value",
            "sumy-poltava",
        );
        cdp.eval("document.getElementById('planrun').click(); true")
            .unwrap();
        wait_for(
            cdp,
            "document.getElementById('plansum').textContent",
            "inside the windows",
        );
        assert!(
            cdp.eval("document.querySelectorAll('#planchart path.plan-series').length")
                .unwrap()
                .as_u64()
                .unwrap()
                >= 1,
            "a series per corridor"
        );
        // Issue 15: a convoy notified, acknowledged by both belligerents
        // and departed shows in the signed-in party's convoy view; a
        // tracker's off-route fixes show there as an event within a second.
        // A convoy departs only inside its window: a corridor whose window
        // opens now (the exercise's open the next day).
        let now = chrono::Utc::now();
        let start = now.to_rfc3339();
        let proposal = format!(
            r#"{{"id":"sumy-now","origin":"sumy","destination":"poltava","window_start":"{start}","window_end":"{}"}}"#,
            (now + chrono::Duration::hours(6)).to_rfc3339()
        );
        let (s, b) = http(port, "POST", "/api/proposals", Some(&tok["ua"]), &proposal).unwrap();
        assert_eq!(s, 200, "{b}");
        for (who, a) in [
            ("ru", "accept"),
            ("ua", "accept"),
            ("icrc", "countersign"),
            ("zp-admin", "open"),
        ] {
            let body = format!(r#"{{"action":"{a}","proposal":"sumy-now"}}"#);
            let (s, b) = http(port, "POST", "/api/act", Some(&tok[who]), &body).unwrap();
            assert_eq!(s, 200, "{a}: {b}");
        }
        let notice = format!(
            r#"{{"corridor":"sumy-now","people":40,"departure":"{start}","vehicles":{{"count":1,"seats":50,"markings":"white bus"}}}}"#
        );
        let (s, b) = http(
            port,
            "POST",
            "/api/convoys",
            Some(&tok["zp-admin"]),
            &notice,
        )
        .unwrap();
        assert_eq!(s, 200, "{b}");
        let v: serde_json::Value = serde_json::from_str(&b).unwrap();
        let (id, tracker) = (
            v["id"].as_str().unwrap(),
            v["tracker_token"].as_str().unwrap(),
        );
        for who in ["ua", "ru"] {
            let (s, b) = http(
                port,
                "POST",
                &format!("/api/convoys/{id}/ack"),
                Some(&tok[who]),
                "",
            )
            .unwrap();
            assert_eq!(s, 200, "{b}");
        }
        let (s, b) = http(
            port,
            "POST",
            &format!("/api/convoys/{id}/depart"),
            Some(&tok["zp-admin"]),
            "",
        )
        .unwrap();
        assert_eq!(s, 200, "{b}");
        wait_for(cdp, "document.getElementById('convoys').textContent", id);
        wait_for(
            cdp,
            "document.getElementById('convoys').textContent",
            "on_the_road",
        );
        // Two fixes 2 km east of Sumy, 40 s apart: off the agreed line.
        let now = chrono::Utc::now();
        let fix = |t: chrono::DateTime<chrono::Utc>| {
            format!(
                r#"{{"time":"{}","lat":50.9174,"lon":34.83}}"#,
                t.to_rfc3339()
            )
        };
        let batch = format!(
            r#"{{"positions":[{},{}]}}"#,
            fix(now - chrono::Duration::seconds(40)),
            fix(now)
        );
        let sent = Instant::now();
        let (s, b) = http(
            port,
            "POST",
            &format!("/api/convoys/{id}/positions"),
            Some(tracker),
            &batch,
        )
        .unwrap();
        assert_eq!(s, 200, "{b}");
        assert!(b.contains("off_route"), "{b}");
        wait_for(
            cdp,
            "document.getElementById('convoy-events').textContent",
            "RAISED off_route",
        );
        let shown = sent.elapsed();
        eprintln!("off-route event on the page {shown:?} after the report");
        assert!(
            shown < Duration::from_secs(1),
            "the off-route event took {shown:?} to show"
        );
        let errors = cdp.errors();
        assert!(errors.is_empty(), "console errors: {errors:?}");
    }
}

/// Waits up to 5 s until `expr` (a string in the page) contains `want`.
/// How long the page may take to show what it should: a moment on a
/// quiet machine, seconds on two cores shared with a build (CI failed once
/// at 5 s).
const PAGE_WAIT: Duration = Duration::from_secs(20);

fn wait_for(cdp: &mut crate::cdp::Cdp, expr: &str, want: &str) {
    let t = Instant::now();
    loop {
        let v = cdp.eval(expr).unwrap();
        let v = v.as_str().unwrap_or("").to_string();
        if v.contains(want) {
            return;
        }
        assert!(t.elapsed() < PAGE_WAIT, "{expr} never showed `{want}`: {v}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A server process killed when dropped, also when a test panics.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
