//! The outbox under a backlog, over the `Store` trait as it was before
//! issue 16's twelfth round (no `trim`), so that the same file times an
//! older checkout and a newer one (BENCHMARKS.md, "twelfth round").
//! `corridor-bench outbox` is the benchmark of the current code; this file
//! exists only to measure the "before" column. To run it on a checkout:
//!
//!   cp scripts/outbox_backlog_harness.rs crates/server/tests/backlog_bench.rs
//!   SUBS=20 ALERTS=1000 cargo test --release -p corridor-server \
//!       --test backlog_bench -- --nocapture
//!   rm crates/server/tests/backlog_bench.rs
//!
//! It prints the mean time to queue one alert (over all of them), and the
//! p50 of 21 claims of 4 and of `next_due` with SUBS × ALERTS rows waiting.
use corridor_server::store::{Sqlite, Store};
use std::time::Instant;

#[test]
fn backlog_timing() {
    let subs: usize = std::env::var("SUBS").ok().and_then(|x| x.parse().ok()).unwrap_or(20);
    let alerts: usize = std::env::var("ALERTS").ok().and_then(|x| x.parse().ok()).unwrap_or(1000);
    let dir = std::env::temp_dir().join(format!("bb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let s = Sqlite::open(&dir.join("db.sqlite")).unwrap();
    for i in 0..subs {
        s.add_subscriber(&format!("http://{i}.test/"), "secret-0123456789", 0, 1000).unwrap();
    }
    let body = "x".repeat(3000);
    let t0 = Instant::now();
    for a in 0..alerts {
        s.enqueue(&[(format!("c.x.{a}"), body.clone())], 1000 + a as i64, 0).unwrap();
    }
    let enq = t0.elapsed().as_secs_f64() * 1e3 / alerts as f64;
    let mut claim = vec![];
    let mut next = vec![];
    for k in 0..21 {
        let t0 = Instant::now();
        let d = s.claim(1_000_000 + k, 1, 4, &[]).unwrap();
        claim.push(t0.elapsed().as_secs_f64() * 1e3);
        assert!(!d.is_empty());
        let t0 = Instant::now();
        s.next_due().unwrap();
        next.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    claim.sort_by(f64::total_cmp);
    next.sort_by(f64::total_cmp);
    println!("BACKLOG subs={subs} alerts={alerts} rows={} enqueue_ms_mean={enq:.3} claim_ms_p50={:.3} next_due_ms_p50={:.3}", subs*alerts, claim[10], next[10]);
    let _ = std::fs::remove_dir_all(&dir);
}
