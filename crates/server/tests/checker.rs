//! The public fast path's store checker (`AppState::public_live`): one
//! thread per server state, started by the first check, ended when the
//! state is dropped. Alone in its test binary, so no other test's state
//! starts a checker while the threads are counted.

mod common;

use axum::body::Body;
use axum::http::Request;
use std::time::{Duration, Instant};

/// Threads of this process named `corridor-check` (Linux).
fn checkers() -> usize {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim() == "corridor-check")
        .count()
}

#[tokio::test]
async fn one_checker_thread_per_state_and_none_once_it_is_dropped() {
    if !std::path::Path::new("/proc/self/task").exists() {
        eprintln!("no /proc: skipped");
        return;
    }
    assert_eq!(checkers(), 0);
    let st = common::state();
    let front = corridor_server::app(st.clone());
    common::call(&st, "GET", "/public/alerts.atom", None, None).await;
    // Reads for three times the bound (100 ms): many checks, one thread.
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(300) {
        let req = Request::builder()
            .uri("/public/alerts.atom")
            .body(Body::empty())
            .unwrap();
        assert!(front.answer_fast(&req).is_some());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(checkers(), 1);
    drop(front);
    drop(st);
    let start = Instant::now();
    while checkers() > 0 && start.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(checkers(), 0, "the checker outlived its state");
}
