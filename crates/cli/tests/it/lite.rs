//! Issue 14, item 2: the public page for a phone on a 2G link. In a real
//! headless Chromium with the link emulated (250 kbit/s each way, 300 ms
//! latency) and an empty cache, the first view of the demo with an open
//! corridor (the alerts, and the map around the corridor) transfers at most
//! 150 KB and its alert text is readable within 5 s; the same alerts are
//! there with no JavaScript at all.

use crate::cdp::Browser;
use crate::server::{example, free_port, http, start, tokens, Server};
use serde_json::json;
use std::time::{Duration, Instant};

/// The budget of the first view, bytes on the wire.
const FIRST_VIEW_BYTES: u64 = 150_000;
/// When the alert text must be readable, from navigation.
const READABLE_MS: f64 = 5_000.0;

fn open_demo_corridor(port: u16, data: &std::path::Path) {
    let tok = tokens(data);
    for (who, a) in [
        ("north", "propose"),
        ("south", "accept"),
        ("north", "accept"),
        ("mediator", "countersign"),
        ("mediator", "open"),
    ] {
        let body = format!("{{\"action\":\"{a}\",\"proposal\":\"altstadt-rohrbach\"}}");
        let (s, b) = http(port, "POST", "/api/act", Some(&tok[who]), &body).unwrap();
        assert_eq!(s, 200, "{who} {a}: {b}");
    }
}

#[test]
fn the_first_view_fits_a_2g_link_and_the_alerts_need_no_script() {
    let Some(chromium) = Browser::available() else {
        return;
    };
    let data = crate::scratch("2g").join("data");
    let port = free_port();
    let _server = Server(start(&data, port, &example("heidelberg/scenario.toml")));
    open_demo_corridor(port, &data);
    // A phone-sized window.
    let mut browser = Browser::launch(chromium, &data, 412, 800);
    let cdp = &mut browser.cdp;
    cdp.call("Network.enable", json!({})).unwrap();
    cdp.call("Network.setCacheDisabled", json!({"cacheDisabled": true}))
        .unwrap();
    cdp.call(
        "Network.emulateNetworkConditions",
        json!({"offline": false, "latency": 300, "downloadThroughput": 31_250,
               "uploadThroughput": 31_250, "connectionType": "cellular2g"}),
    )
    .unwrap();
    // A Ukrainian phone: the page must speak Ukrainian without ?lang=.
    cdp.call(
        "Network.setExtraHTTPHeaders",
        json!({"headers": {"Accept-Language": "uk-UA,uk;q=0.9,en;q=0.5"}}),
    )
    .unwrap();
    cdp.events.clear();
    let t0 = Instant::now();
    cdp.call(
        "Page.navigate",
        json!({"url": format!("http://127.0.0.1:{port}/")}),
    )
    .unwrap();
    // Readable: the open corridor's alert text is on screen.
    let headline = "document.querySelector('#alerts .alert.open b') ? document.querySelector('#alerts .alert.open b').textContent : ''";
    let text_seen = loop {
        let v = cdp.eval(headline).unwrap_or_default();
        if v.as_str().is_some_and(|s| !s.is_empty()) {
            break (t0.elapsed(), v.as_str().unwrap().to_string());
        }
        assert!(t0.elapsed() < Duration::from_secs(30), "no alert text");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        text_seen.1.contains("Відкрито"),
        "in Ukrainian: {}",
        text_seen.1
    );
    // The whole first view: alerts, corridor and the roads around it.
    while cdp
        .eval("document.body && document.body.dataset.ready")
        .unwrap_or_default()
        != "1"
    {
        assert!(
            t0.elapsed() < Duration::from_secs(90),
            "the first view never completed: {:?}",
            cdp.errors()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let ready = t0.elapsed();
    std::thread::sleep(Duration::from_millis(300));
    let fcp = cdp
        .eval("(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || -1")
        .unwrap()
        .as_f64()
        .unwrap();
    let tiles = cdp.eval("tiles.size").unwrap().as_u64().unwrap();
    // Bytes on the wire of every finished request (the event stream never
    // finishes; what it sent is counted from its data events).
    let mut bytes = 0u64;
    let mut urls = std::collections::HashMap::new();
    for (m, p) in &cdp.events {
        match m.as_str() {
            "Network.requestWillBeSent" => {
                urls.insert(
                    p["requestId"].as_str().unwrap_or("").to_string(),
                    p["request"]["url"].as_str().unwrap_or("").to_string(),
                );
            }
            "Network.loadingFinished" => {
                bytes += p["encodedDataLength"].as_f64().unwrap_or(0.0) as u64
            }
            _ => {}
        }
    }
    let streamed: u64 = cdp
        .events
        .iter()
        .filter(|(m, p)| {
            m == "Network.dataReceived"
                && urls
                    .get(p["requestId"].as_str().unwrap_or(""))
                    .is_some_and(|u| u.ends_with("/api/events"))
        })
        .map(|(_, p)| p["encodedDataLength"].as_f64().unwrap_or(0.0) as u64)
        .sum();
    bytes += streamed;
    eprintln!(
        "2G first view: {bytes} bytes over {} requests ({tiles} road tiles); alert text seen after {} ms (first contentful paint {fcp:.0} ms); complete after {} ms",
        urls.len(),
        text_seen.0.as_millis(),
        ready.as_millis()
    );
    assert!(
        !urls.values().any(|u| u.contains("/api/network.geojson")),
        "the whole network is not part of the first view"
    );
    assert!(tiles > 0, "the roads around the corridor are drawn");
    assert!(
        bytes <= FIRST_VIEW_BYTES,
        "first view {bytes} bytes > {FIRST_VIEW_BYTES}: {:?}",
        urls.values().collect::<Vec<_>>()
    );
    assert!(
        fcp > 0.0 && fcp <= READABLE_MS,
        "first contentful paint {fcp} ms"
    );
    assert!(
        text_seen.0.as_secs_f64() * 1000.0 <= READABLE_MS,
        "alert text after {:?}",
        text_seen.0
    );
    let errors = cdp.errors();
    assert!(errors.is_empty(), "console errors: {errors:?}");

    // No JavaScript at all, at full speed: the map page still says where
    // and when, and the text page has everything, in the language asked.
    cdp.call(
        "Network.emulateNetworkConditions",
        json!({"offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
    )
    .unwrap();
    cdp.call(
        "Emulation.setScriptExecutionDisabled",
        json!({"value": true}),
    )
    .unwrap();
    let headline = |lang: &str| {
        let (_, a) = http(port, "GET", &format!("/api/alerts?lang={lang}"), None, "").unwrap();
        let a: serde_json::Value = serde_json::from_str(&a).unwrap();
        a["alerts"][0]["headline"].as_str().unwrap().to_string()
    };
    for (url, want) in [
        ("/?lang=en", headline("en")),
        ("/text?lang=ru", headline("ru")),
    ] {
        let want = want.as_str();
        cdp.call(
            "Page.navigate",
            json!({"url": format!("http://127.0.0.1:{port}{url}")}),
        )
        .unwrap();
        let t = Instant::now();
        loop {
            let body = cdp
                .eval("document.readyState === 'complete' ? document.body.innerText : ''")
                .unwrap_or_default();
            let body = body.as_str().unwrap_or("");
            if body.contains(want) {
                break;
            }
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "{url} without script lacks `{want}`: {body}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let links = cdp
        .eval("[...document.querySelectorAll('a')].map(a => a.getAttribute('href')).join(' ')")
        .unwrap();
    let links = links.as_str().unwrap_or("");
    assert!(
        links.contains("/public/cap/")
            && links.contains("/text?lang=uk")
            && links.contains("/?lang=ru"),
        "{links}"
    );
}
