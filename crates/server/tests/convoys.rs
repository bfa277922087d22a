//! Convoys through the API: simulated tracks raise every event kind and a
//! clean one none; no live position reaches any public endpoint; positions
//! are deleted after the retention; times and batches are checked.

use axum::http::StatusCode;
use corridor_negotiation::convoy::{simulate, Fix, SimOptions};
use corridor_server::AppState;
use serde_json::{json, Value};
use std::sync::Arc;

mod common;
use common::{call, example, movable, Hands};

/// The Ukrainian exercise with a clock the test moves, Sumy–Poltava open,
/// and `retention_s` for positions.
async fn open_state(retention_s: i64) -> (Arc<AppState>, Arc<Hands>) {
    let st = common::exercise(
        "ukraine",
        Box::new(corridor_server::store::Sqlite::memory().unwrap()),
        None,
        "2022-03-07T12:00:00+02:00",
    );
    let mut st = st;
    let (clock, hands) = movable("2022-03-07T12:00:00+02:00");
    {
        let s = Arc::get_mut(&mut st).expect("not shared yet");
        s.clock = clock;
        s.convoys.retention_s = retention_s;
        // Room for a party's hundred notifications in a test's seconds.
        s.per_minute.0 = 1_000;
    }
    let _ = example; // the helper module's
    common::acts(&st, "sumy-poltava", common::AGREE_AND_OPEN).await;
    (st, hands)
}

/// Notifies the standard convoy as `token`'s party; its id.
async fn notify(st: &Arc<AppState>, token: &str) -> String {
    let (s, b) = call(st, "POST", "/api/convoys", Some(token), Some(notify_body())).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    serde_json::from_str::<Value>(&b).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn notify_body() -> Value {
    json!({"corridor": "sumy-poltava", "people": 120, "departure": "2022-03-08T10:00:00+02:00",
           "vehicles": {"count": 3, "seats": 150, "markings": "white buses, red cross on roof, plates ICRC 01-03"}})
}

/// Notifies (as zp-admin), acknowledges as both belligerents and departs at
/// 10:00; returns (convoy id, tracker token).
async fn notified_and_departed(st: &Arc<AppState>, hands: &Hands) -> (String, String) {
    let (s, b) = call(
        st,
        "POST",
        "/api/convoys",
        Some("token-zp-admin"),
        Some(notify_body()),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let v: Value = serde_json::from_str(&b).unwrap();
    let id = v["id"].as_str().unwrap().to_string();
    let token = v["tracker_token"].as_str().unwrap().to_string();
    for t in ["token-ru", "token-ua"] {
        let (s, b) = call(st, "POST", &format!("/api/convoys/{id}/ack"), Some(t), None).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    hands.set("2022-03-08T10:00:00+02:00");
    let (s, b) = call(
        st,
        "POST",
        &format!("/api/convoys/{id}/depart"),
        Some("token-zp-admin"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    (id, token)
}

/// The parties' view of convoy `id`, read with `token` (answered 200).
async fn view(st: &Arc<AppState>, id: &str, token: &str) -> Value {
    let (s, b) = call(st, "GET", &format!("/api/convoys/{id}"), Some(token), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    serde_json::from_str(&b).unwrap()
}

fn route(st: &AppState) -> corridor_negotiation::convoy::RouteLine {
    let live = st.live().unwrap();
    (*corridor_server::convoys::plan_of(&live, "sumy-poltava")
        .unwrap()
        .0)
        .clone()
}

/// A fix as a tracker sends it: 6 decimals (0.1 m), UTC.
fn wire(f: &Fix) -> Value {
    json!({"time": corridor_server::convoys::rfc3339(f.t_ms),
           "lat": (f.at.lat * 1e6).round() / 1e6, "lon": (f.at.lon * 1e6).round() / 1e6})
}

/// Feeds `track` in batches of `per` fixes, the clock at each batch's last
/// fix; returns every event (kind, raised) the server answered.
async fn feed(
    st: &Arc<AppState>,
    hands: &Hands,
    id: &str,
    token: &str,
    track: &[Fix],
    per: usize,
) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for chunk in track.chunks(per) {
        let last = chunk.last().unwrap();
        hands.set(&corridor_server::convoys::rfc3339(last.t_ms));
        let body = json!({"positions": chunk.iter().map(wire).collect::<Vec<_>>()});
        let (s, b) = call(
            st,
            "POST",
            &format!("/api/convoys/{id}/positions"),
            Some(token),
            Some(body),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let v: Value = serde_json::from_str(&b).unwrap();
        for e in v["events"].as_array().unwrap() {
            out.push((
                e["kind"].as_str().unwrap().to_string(),
                e["raised"].as_bool().unwrap(),
            ));
        }
    }
    out
}

const START_MS: i64 = 1_646_726_400_000; // 2022-03-08T10:00:00+02:00

fn opts() -> SimOptions {
    SimOptions {
        interval_s: 30.0,
        noise_m: 20.0,
        ..Default::default()
    }
}

async fn drive(o: SimOptions, hazard: bool) -> Vec<(String, bool)> {
    let (st, hands) = open_state(86_400).await;
    let line = route(&st);
    if hazard {
        let mid = line.point_at(line.length_m() / 2.0);
        let (s, b) = call(&st, "POST", "/api/hazards", Some("token-icrc"),
            Some(json!({"kind": "shelling", "at": format!("{},{}", mid.lat, mid.lon), "radius_m": 1000}))).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    let (id, token) = notified_and_departed(&st, &hands).await;
    let track = simulate(&line, &o, START_MS);
    feed(&st, &hands, &id, &token, &track, 10).await
}

fn raised(ev: &[(String, bool)]) -> Vec<&str> {
    ev.iter().filter(|e| e.1).map(|e| e.0.as_str()).collect()
}

#[tokio::test]
async fn a_clean_track_with_gps_noise_raises_nothing_but_its_arrival() {
    for seed in [1, 2, 3] {
        let ev = drive(SimOptions { seed, ..opts() }, false).await;
        assert_eq!(raised(&ev), vec!["arrived"], "seed {seed}: {ev:?}");
    }
}

#[tokio::test]
async fn every_event_kind_is_raised_by_a_simulated_track() {
    let ev = drive(
        SimOptions {
            detour: Some((0.3, 800.0, 600.0)),
            ..opts()
        },
        false,
    )
    .await;
    assert_eq!(raised(&ev), vec!["off_route", "arrived"], "{ev:?}");
    assert!(
        ev.contains(&("off_route".into(), false)),
        "cleared once back: {ev:?}"
    );
    let ev = drive(
        SimOptions {
            stop: Some((0.5, 900.0)),
            ..opts()
        },
        false,
    )
    .await;
    assert_eq!(raised(&ev), vec!["stopped", "arrived"], "{ev:?}");
    let ev = drive(
        SimOptions {
            delay: Some((0.3, 0.2)),
            ..opts()
        },
        false,
    )
    .await;
    assert!(raised(&ev).contains(&"late"), "{ev:?}");
    // A shelling zone on the road, reported before the departure: it
    // closes the road ahead (raised at the first report, cleared on
    // entering it), then the convoy is inside it.
    let ev = drive(opts(), true).await;
    assert_eq!(
        raised(&ev),
        vec!["hazard_ahead", "in_hazard", "arrived"],
        "{ev:?}"
    );
}

/// Review of issue 15: a convoy leaves only inside its window, up to the
/// last safe departure.
#[tokio::test]
async fn a_departure_outside_the_window_is_refused() {
    let (st, hands) = open_state(86_400).await;
    let id = notify(&st, "token-zp-admin").await;
    for t in ["token-ru", "token-ua"] {
        let (s, b) = call(
            &st,
            "POST",
            &format!("/api/convoys/{id}/ack"),
            Some(t),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    let depart = |at: &'static str| {
        let st = st.clone();
        let hands = hands.clone();
        let id = id.clone();
        async move {
            hands.set(at);
            call(
                &st,
                "POST",
                &format!("/api/convoys/{id}/depart"),
                Some("token-zp-admin"),
                None,
            )
            .await
        }
    };
    // The window is 09:00-21:00 (+02:00).
    let (s, b) = depart("2022-03-08T08:30:00+02:00").await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert!(
        b.contains("before the window opens") && b.contains("09:00"),
        "{b}"
    );
    let (s, b) = depart("2022-03-08T20:59:00+02:00").await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert!(b.contains("after the last safe departure"), "{b}");
    let (s, b) = depart("2022-03-08T09:00:00+02:00").await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

/// Review of issue 15: a hazard reported on the road ahead, a suspension
/// and a reopening reach the parties' stream at once, without waiting for
/// the convoy's next report; lifting the hazard clears it.
#[tokio::test]
async fn a_new_hazard_ahead_or_a_suspension_reaches_the_parties_at_once() {
    let (st, hands) = open_state(86_400).await;
    let line = route(&st);
    let (id, token) = notified_and_departed(&st, &hands).await;
    let track = simulate(&line, &opts(), START_MS);
    let ev = feed(&st, &hands, &id, &token, &track[..10], 10).await;
    assert!(raised(&ev).is_empty(), "{ev:?}");
    let mut stream = st.convoys.events.subscribe();
    let mut next_event = move || {
        let mut out = Vec::new();
        while let Ok(m) = stream.try_recv() {
            let v: Value = serde_json::from_str(&m).unwrap();
            if v["type"] == "event" {
                out.push((
                    v["kind"].as_str().unwrap().to_string(),
                    v["raised"].as_bool().unwrap(),
                    v["hazard"].clone(),
                ));
            }
        }
        out
    };
    // A shelling zone 70 % of the way.
    let at = line.point_at(line.length_m() * 0.7);
    let (s, b) = call(
        &st,
        "POST",
        "/api/hazards",
        Some("token-icrc"),
        Some(json!({"kind": "shelling", "at": format!("{},{}", at.lat, at.lon), "radius_m": 500})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let hazard = serde_json::from_str::<Value>(&b).unwrap()["hazard"].clone();
    let got = next_event();
    assert_eq!(
        got,
        vec![("hazard_ahead".to_string(), true, hazard.clone())],
        "{b}"
    );
    // The corridor suspended, then reopened.
    for (action, raised) in [("suspend", true), ("reopen", false)] {
        let (s, b) = call(&st, "POST", "/api/act", Some("token-zp-admin"),
            Some(json!({"action": action, "proposal": "sumy-poltava", "reason": "shelling reported near the road"}))).await;
        assert_eq!(s, StatusCode::OK, "{action}: {b}");
        assert_eq!(
            next_event(),
            vec![("corridor_not_open".to_string(), raised, Value::Null)],
            "{action}"
        );
    }
    // Lifted: no longer ahead.
    let (s, b) = call(
        &st,
        "POST",
        &format!("/api/hazards/{}/lift", hazard.as_str().unwrap()),
        Some("token-icrc"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        next_event(),
        vec![("hazard_ahead".to_string(), false, hazard)]
    );
    // The parties' view lists them.
    let v = view(&st, &id, "token-ru").await;
    let kinds: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "hazard_ahead",
            "corridor_not_open",
            "corridor_not_open",
            "hazard_ahead"
        ]
    );
}

/// Review of issue 15: one party cannot fill the convoy table (a cap per
/// party; a notification never acted on expires with its window), and
/// the list is bounded.
#[tokio::test]
async fn notifications_are_capped_per_party_and_expire_with_their_window() {
    let (st, _hands) = open_state(86_400).await;
    let max = corridor_server::convoys::MAX_ACTIVE_PER_PARTY;
    // A genuine notification by Ukraine, then a flood by another party.
    let genuine = notify(&st, "token-ua").await;
    for i in 0..max {
        let (s, b) = call(
            &st,
            "POST",
            "/api/convoys",
            Some("token-zp-admin"),
            Some(notify_body()),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{i}: {b}");
    }
    let (s, b) = call(
        &st,
        "POST",
        "/api/convoys",
        Some("token-zp-admin"),
        Some(notify_body()),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert!(b.contains(&format!("{max} convoys")), "{b}");
    let log_size = st.live().unwrap().log.len();
    // Refused before anything was logged; another party still may.
    let (s, _) = call(
        &st,
        "POST",
        "/api/convoys",
        Some("token-zp-admin"),
        Some(notify_body()),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(st.live().unwrap().log.len(), log_size);
    let (s, b) = call(
        &st,
        "POST",
        "/api/convoys",
        Some("token-ua"),
        Some(notify_body()),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // After the window closes, those never departed no longer count.
    let live = st.live().unwrap();
    let after = chrono::DateTime::parse_from_rfc3339("2022-03-08T21:00:01+02:00")
        .unwrap()
        .timestamp_millis();
    assert!(st.convoys.check_room(&st, &live, "zp-admin", after).is_ok());
    let before = chrono::DateTime::parse_from_rfc3339("2022-03-08T20:00:00+02:00")
        .unwrap()
        .timestamp_millis();
    assert!(st
        .convoys
        .check_room(&st, &live, "zp-admin", before)
        .is_err());
    // The list: at most `limit`, with the total; the flood does not push
    // the genuine ones out of the first page (notifiers taken in turn).
    let (s, b) = call(&st, "GET", "/api/convoys?limit=7", Some("token-ru"), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let v: Value = serde_json::from_str(&b).unwrap();
    let ids: Vec<&str> = v["convoys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 7);
    assert!(ids.contains(&genuine.as_str()), "{ids:?}");
    assert_eq!(v["total"], max + 2);
    assert_eq!(v["more"], true);
    // Pages: offset.
    let (_, b) = call(
        &st,
        "GET",
        &format!("/api/convoys?limit=500&offset={}", max - 10),
        Some("token-ru"),
        None,
    )
    .await;
    let v: Value = serde_json::from_str(&b).unwrap();
    assert_eq!(v["convoys"].as_array().unwrap().len(), 12);
    assert_eq!(v["more"], false);
    for bad in ["0", "501", "x"] {
        let (s, _) = call(
            &st,
            "GET",
            &format!("/api/convoys?limit={bad}"),
            Some("token-ru"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
    }
}

/// Review of issue 15: a party's streams are capped on their own (one
/// party cannot take every stream), and a reader too slow for the stream
/// is told to read the list again rather than silently missing events.
#[tokio::test]
async fn convoy_streams_are_capped_per_party_and_a_slow_reader_is_told_to_resync() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let (st, _hands) = open_state(86_400).await;
    let open = |token: &'static str| {
        let st = st.clone();
        async move {
            corridor_server::app(st)
                .oneshot(
                    axum::http::Request::builder()
                        .uri("/api/convoys/stream")
                        .header("authorization", format!("Bearer {token}"))
                        .body(axum::body::Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap()
        }
    };
    let mut held = Vec::new();
    for _ in 0..corridor_server::convoys::MAX_STREAMS_PER_PARTY {
        let r = open("token-ru").await;
        assert_eq!(r.status(), StatusCode::OK);
        held.push(r);
    }
    assert_eq!(
        open("token-ru").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    let slow = open("token-ua").await;
    assert_eq!(slow.status(), StatusCode::OK);
    drop(held);
    assert_eq!(open("token-ru").await.status(), StatusCode::OK);
    // More messages than the channel holds, while `slow` reads nothing.
    for i in 0..5_000 {
        st.convoys.announce(json!({"type": "test", "n": i}));
    }
    let mut body = slow.into_body();
    let mut text = String::new();
    while !text.contains("resync") {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
            .await
            .expect("a frame")
            .unwrap()
            .unwrap();
        if let Some(d) = frame.data_ref() {
            text.push_str(&String::from_utf8_lossy(d));
        }
    }
    assert!(text.contains("\"type\":\"resync\""), "{text}");
}

/// Every public endpoint's output, and every message of the public event
/// stream, searched for every position a tracker sent.
#[tokio::test]
async fn no_live_position_reaches_any_public_endpoint() {
    let (st, hands) = open_state(86_400).await;
    let mut public_stream = st.events.subscribe();
    let mut parties_stream = st.convoys.events.subscribe();
    let line = route(&st);
    let (id, token) = notified_and_departed(&st, &hands).await;
    let track = simulate(
        &line,
        &SimOptions {
            detour: Some((0.3, 800.0, 600.0)),
            stop: Some((0.6, 600.0)),
            ..opts()
        },
        START_MS,
    );
    let ev = feed(&st, &hands, &id, &token, &track, 10).await;
    assert!(raised(&ev).contains(&"off_route"));
    // The parties' stream carried the event, with its position.
    let mut pushed = Vec::new();
    while let Ok(m) = parties_stream.try_recv() {
        pushed.push(serde_json::from_str::<Value>(&m).unwrap());
    }
    assert!(
        pushed.iter().any(|m| m["type"] == "event"
            && m["kind"] == "off_route"
            && m["raised"] == true
            && m["convoy"] == id.as_str()
            && m["at"].is_array()),
        "{pushed:?}"
    );
    assert!(pushed.iter().any(|m| m["type"] == "position"));
    // The parties see the positions.
    let view = view(&st, &id, "token-ru").await;
    assert_eq!(view["status"], "at_destination");
    assert!(view["track"].as_array().unwrap().len() > 100);
    // The search below finds a position where one is shown: the parties'
    // own view shows the last fix in the forms searched for.
    let last = wire(track.last().unwrap());
    let b = view.to_string();
    assert!(
        b.contains(&format!("{}", last["lat"].as_f64().unwrap())),
        "{b}"
    );
    // Over: the movement is recorded in the public log, revealed.
    let (s, b) = call(
        &st,
        "POST",
        &format!("/api/convoys/{id}/end"),
        Some("token-zp-admin"),
        Some(json!({"outcome": "arrived", "people": 118})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let mut texts: Vec<(String, String)> = Vec::new();
    for uri in [
        "/",
        "/api/scenario",
        "/api/network.geojson",
        "/api/territories.geojson",
        "/api/corridors",
        "/api/alerts?lang=uk",
        "/api/alerts?lang=ru",
        "/api/alerts?lang=en",
        "/api/log",
        "/api/log/head",
        "/api/log/proof?entry=1",
        "/public/alerts.atom",
        "/public/corridors.geojson",
        "/public/index.html",
        "/openapi.json",
        "/healthz",
    ] {
        let (_, b) = call(&st, "GET", uri, None, None).await;
        texts.push((uri.to_string(), b));
    }
    // Every published file (CAP, SMS) named in the public index.
    let names: Vec<String> = corridor_server::routes::feeds::files(&st)
        .unwrap()
        .iter()
        .map(|f| f.path.clone())
        .collect();
    assert!(names.len() > 3, "{names:?}");
    for n in names {
        let (s, b) = call(&st, "GET", &format!("/public/{n}"), None, None).await;
        assert_eq!(s, StatusCode::OK, "{n}");
        texts.push((n, b));
    }
    while let Ok(m) = public_stream.try_recv() {
        texts.push(("/api/events".into(), m));
    }
    // The log names the movement only now, after the fact, coarsely.
    let log = &texts.iter().find(|t| t.0 == "/api/log").unwrap().1;
    assert!(log.contains("\"kind\":\"movement\"") && log.contains("off_route"));
    let mut checked = 0;
    for f in &track {
        let w = wire(f);
        let (lat, lon) = (w["lat"].as_f64().unwrap(), w["lon"].as_f64().unwrap());
        let forms = |x: f64| {
            // As sent (6 decimals, 0.1 m) and in micro-degrees. (Fewer
            // decimals would match the public places the track starts at.)
            [format!("{x}"), format!("{}", (x * 1e6).round() as i64)]
        };
        for (uri, text) in &texts {
            let has = |x: f64| forms(x).iter().any(|s| text.contains(s.as_str()));
            assert!(
                !(has(lat) && has(lon)),
                "{uri} shows the position {lat},{lon}"
            );
        }
        checked += 1;
    }
    assert!(checked > 400);
}

#[tokio::test]
async fn positions_are_deleted_after_the_retention_and_times_are_checked() {
    let (st, hands) = open_state(600).await; // ten minutes
    let line = route(&st);
    let (id, token) = notified_and_departed(&st, &hands).await;
    let track = simulate(&line, &opts(), START_MS);
    feed(&st, &hands, &id, &token, &track[..20], 10).await; // ten minutes of fixes
    let kept = |st: &Arc<AppState>| {
        let st = st.clone();
        let id = id.clone();
        async move {
            let v = view(&st, &id, "token-icrc").await;
            v["positions_kept"].as_u64().unwrap()
        }
    };
    assert_eq!(kept(&st).await, 20);
    // Five minutes later, the first five minutes are gone; an hour later, all.
    hands.set(&corridor_server::convoys::rfc3339(track[19].t_ms + 300_000));
    let n = kept(&st).await;
    assert!((9..=11).contains(&n), "{n}");
    hands.set(&corridor_server::convoys::rfc3339(
        track[19].t_ms + 3_600_000,
    ));
    assert_eq!(kept(&st).await, 0);
    // Nor is the last fix shown any more.
    let v = view(&st, &id, "token-icrc").await;
    assert!(v["last"].is_null(), "{}", v["last"]);
    // A fix older than the retention, or in the future, is refused by name.
    let post = |fixes: Vec<Value>| {
        let st = st.clone();
        let uri = format!("/api/convoys/{id}/positions");
        let token = token.clone();
        async move {
            call(
                &st,
                "POST",
                &uri,
                Some(&token),
                Some(json!({"positions": fixes})),
            )
            .await
        }
    };
    let now = track[19].t_ms + 3_600_000;
    let at =
        |t: i64| json!({"time": corridor_server::convoys::rfc3339(t), "lat": 50.9, "lon": 34.8});
    let (s, b) = post(vec![at(now), at(now - 700_000)]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        b.contains("positions[1].time") && b.contains("retention"),
        "{b}"
    );
    let (s, b) = post(vec![at(now + 120_000)]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(b.contains("future"), "{b}");

    let (s, b) = post(vec![
        json!({"time": "2022-03-08T11:00:00", "lat": 50.9, "lon": 34.8}),
    ])
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, _) = post(vec![
        json!({"time": corridor_server::convoys::rfc3339(now), "lat": 95.0, "lon": 34.8}),
    ])
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = post(vec![]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = post((0..501).map(|i| at(now - i * 1000)).collect()).await;
    assert!(
        s == StatusCode::BAD_REQUEST || s == StatusCode::PAYLOAD_TOO_LARGE,
        "{s}"
    );
    // Fixes arriving twice or out of order are ignored, not counted twice.
    let (s, b) = post(vec![at(now), at(now)]).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let v: Value = serde_json::from_str(&b).unwrap();
    assert_eq!(
        (v["taken"].as_u64(), v["ignored"].as_u64()),
        (Some(1), Some(1))
    );
}

/// Review of issue 15: a convoy on the road when the server restarts
/// reports on (its route was set only at departure), and a flood of
/// unauthenticated posts to its positions never uses up its tracker's
/// budget (the limit was counted per path before the token was checked).
#[tokio::test]
async fn a_convoy_reports_on_after_a_restart_and_a_flood_does_not_silence_it() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("convoy-restart");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("c.sqlite");
    let now = "2022-03-07T12:00:00+02:00";
    let (clock, hands) = movable(now);
    let mut st = common::exercise(
        "ukraine",
        Box::new(corridor_server::store::Sqlite::open(&db).unwrap()),
        None,
        now,
    );
    Arc::get_mut(&mut st).unwrap().clock = clock.clone();
    common::acts(&st, "sumy-poltava", common::AGREE_AND_OPEN).await;
    let (id, token) = notified_and_departed(&st, &hands).await;
    let track = simulate(&route(&st), &opts(), START_MS);
    assert!(track.len() > 40);
    feed(&st, &hands, &id, &token, &track[..10], 10).await;
    // 700 posts without the token: refused, and soon limited by address.
    let path = format!("/api/convoys/{id}/positions");
    let mut limited = 0;
    for _ in 0..700 {
        let (s, _) = call(&st, "POST", &path, None, Some(json!({"positions": []}))).await;
        assert!(
            s == StatusCode::UNAUTHORIZED || s == StatusCode::TOO_MANY_REQUESTS,
            "{s}"
        );
        limited += usize::from(s == StatusCode::TOO_MANY_REQUESTS);
    }
    assert!(limited > 0, "the flood is limited");
    // The real tracker is not.
    feed(&st, &hands, &id, &token, &track[10..20], 10).await;
    // Restart on the same database: the convoy still reports.
    drop(st);
    let mut st = common::exercise(
        "ukraine",
        Box::new(corridor_server::store::Sqlite::open(&db).unwrap()),
        None,
        now,
    );
    Arc::get_mut(&mut st).unwrap().clock = clock;
    feed(&st, &hands, &id, &token, &track[20..40], 10).await;
    let v = view(&st, &id, "token-ru").await;
    assert!(!v["eta"].is_null(), "routed again after the restart: {v}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Review of issue 15: after a restart a suspension still reaches the
/// convoys on the road at once (the records were loaded only by a convoy
/// request), an arrived convoy is not alarmed again, and the tracker hears
/// of it in its next answer.
#[tokio::test]
async fn after_a_restart_a_suspension_reaches_the_convoys_still_on_the_road() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("convoy-resume");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("c.sqlite");
    let now = "2022-03-07T12:00:00+02:00";
    let (clock, hands) = movable(now);
    let fresh = |clock: corridor_server::state::Clock| {
        let mut st = common::exercise(
            "ukraine",
            Box::new(corridor_server::store::Sqlite::open(&db).unwrap()),
            None,
            now,
        );
        let s = Arc::get_mut(&mut st).unwrap();
        s.clock = clock;
        s.per_minute.0 = 1_000;
        st
    };
    let st = fresh(clock.clone());
    common::acts(&st, "sumy-poltava", common::AGREE_AND_OPEN).await;
    let line = route(&st);
    let (done, done_token) = notified_and_departed(&st, &hands).await;
    let (on_road, token) = notified_and_departed(&st, &hands).await;
    let track = simulate(&line, &opts(), START_MS);
    let ev = feed(&st, &hands, &done, &done_token, &track, 10).await;
    assert_eq!(raised(&ev), vec!["arrived"]);
    hands.set(&corridor_server::convoys::rfc3339(START_MS));
    feed(&st, &hands, &on_road, &token, &track[..10], 10).await;
    drop(st);
    let st = fresh(clock);
    let mut stream = st.convoys.events.subscribe();
    let (s, b) = call(&st, "POST", "/api/act", Some("token-zp-admin"),
        Some(json!({"action": "suspend", "proposal": "sumy-poltava", "reason": "shelling near the road"}))).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let mut got = Vec::new();
    while let Ok(m) = stream.try_recv() {
        let v: Value = serde_json::from_str(&m).unwrap();
        if v["type"] == "event" {
            got.push((
                v["convoy"].as_str().unwrap().to_string(),
                v["kind"].as_str().unwrap().to_string(),
            ));
        }
    }
    assert_eq!(
        got,
        vec![(on_road.clone(), "corridor_not_open".to_string())]
    );
    // The tracker's next answer carries it too.
    hands.set(&corridor_server::convoys::rfc3339(track[11].t_ms));
    let body = json!({"positions": track[10..12].iter().map(wire).collect::<Vec<_>>()});
    let (s, b) = call(
        &st,
        "POST",
        &format!("/api/convoys/{on_road}/positions"),
        Some(&token),
        Some(body),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(b.contains("corridor_not_open"), "{b}");
    // The arrived one still says so.
    let (_, b) = call(
        &st,
        "GET",
        &format!("/api/convoys/{done}"),
        Some("token-ru"),
        None,
    )
    .await;
    let v: Value = serde_json::from_str(&b).unwrap();
    assert_eq!(v["status"], "at_destination", "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Review: one fix at the destination, dated the day before (or now),
/// made the convoy arrive and silenced its monitoring. A fix before the
/// departure less one trip is left out (the rest of its batch taken); one
/// no vehicle could have reached is refused as implausible, neither taken
/// nor kept; a first fix at the destination does not arrive; and the
/// checks go on.
#[tokio::test]
async fn a_tracker_cannot_arrive_by_jumping_to_the_destination() {
    let (st, hands) = open_state(3 * 86_400).await;
    let line = route(&st);
    let (id, token) = notified_and_departed(&st, &hands).await;
    let post = |fixes: Vec<Value>| {
        let st = st.clone();
        let uri = format!("/api/convoys/{id}/positions");
        let token = token.clone();
        async move {
            let (s, b) = call(
                &st,
                "POST",
                &uri,
                Some(&token),
                Some(json!({"positions": fixes})),
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{b}");
            serde_json::from_str::<Value>(&b).unwrap()
        }
    };
    let end = line.point_at(line.length_m());
    let fix = |t: i64, p: corridor_geo::LatLon| wire(&Fix { t_ms: t, at: p });
    let v = post(vec![
        fix(START_MS - 86_400_000, end),
        fix(START_MS + 1_000, line.point_at(0.0)),
    ])
    .await;
    assert_eq!(
        (v["taken"].as_u64(), v["ignored"].as_u64()),
        (Some(1), Some(1)),
        "{v}"
    );
    // At the destination one second later: implausible, not taken.
    let v = post(vec![fix(START_MS + 2_000, end)]).await;
    assert_eq!(
        (v["taken"].as_u64(), v["ignored"].as_u64()),
        (Some(0), Some(1)),
        "{v}"
    );
    assert!(
        v["events"].to_string().contains("implausible_position"),
        "{v}"
    );
    let c = view(&st, &id, "token-icrc").await;
    assert_ne!(c["status"], "at_destination", "{c}");
    assert!(!c.to_string().contains("\"arrived\""), "{c}");
}
