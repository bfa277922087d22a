//! Stable-toolchain fuzzing of the API's JSON bodies (issue 12; see
//! `fuzz/mutate.rs`): mutated request bodies for every write endpoint, sent
//! through the app as parties. Whatever the body, the answer is a status
//! the API documents with `{"error": …}` or a success, never a 500 and
//! never a panic; and the log the server holds still verifies.
//!
//! A seed (`fuzz/corpus/api/seed-*`) is the endpoint on its first line
//! (`act`, `hazards`, `incidents`, `session`, `proposals`, `plan`,
//! `subscribers`, `convoys` or `lift/ID`) and the body after it.

mod common;
#[path = "../../../fuzz/mutate.rs"]
mod mutate;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use corridor_server::app;
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

#[test]
fn fuzz_api() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mut st = Arc::try_unwrap(common::state()).ok().unwrap();
    st.per_minute = (u32::MAX, u32::MAX);
    let st = Arc::new(st);
    let parties = ["ua", "ru", "icrc", "zp-admin"];
    let st2 = st.clone();
    mutate::run("api", move |input| {
        let text = mutate::text(input);
        let (target, body) = text.split_once('\n').unwrap_or((&text, ""));
        let uri = match target {
            "hazards" => "/api/hazards".to_string(),
            "incidents" => "/api/incidents".to_string(),
            "session" => "/api/session".to_string(),
            "proposals" => "/api/proposals".to_string(),
            "plan" => "/api/plan".to_string(),
            "subscribers" => "/api/subscribers".to_string(),
            "convoys" => "/api/convoys".to_string(),
            t if t.starts_with("lift/") => format!("/api/hazards/{}/lift", &t[5..]),
            _ => "/api/act".to_string(),
        };
        let who = parties[input.len() % parties.len()];
        let Ok(req) = Request::builder()
            .method("POST")
            .uri(&uri)
            .header("authorization", format!("Bearer token-{who}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
        else {
            return; // not a request a client could send (bad URI)
        };
        let st = st2.clone();
        let (status, bytes) = rt.block_on(async move {
            let res = app(st).oneshot(req).await.unwrap();
            let s = res.status();
            (s, res.into_body().collect().await.unwrap().to_bytes())
        });
        assert!(
            status != StatusCode::INTERNAL_SERVER_ERROR,
            "500 for {uri} {body:?}: {}",
            String::from_utf8_lossy(&bytes)
        );
        if !status.is_success() {
            let v: serde_json::Value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("{status} without a JSON error for {uri} {body:?}"));
            assert!(v["error"].is_string(), "{status}: {v}");
        }
    });
    // Whatever was accepted is a sound log.
    let live = st.live().unwrap();
    let v = corridor_log::verify(&live.log.to_text(), &|id| {
        st.scenario().party(id).map(|p| p.key)
    });
    assert!(v.problems.is_empty(), "{:?}", v.problems);
}
