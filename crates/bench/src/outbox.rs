//! `corridor-bench outbox [SUBSCRIBERS=20] [ALERTS=2000] [MAX_PENDING=1000]
//! [POSTGRES_URL]`: the delivery outbox under a backlog, as when every
//! subscriber is down. Alerts of 3 KB (a signed CAP alert's size) are
//! queued one at a time, each followed by the trim to `MAX_PENDING` per
//! subscriber (0: no trim, the backlog grows), as the delivery worker does
//! after each new log entry (`trim_backlogs`);
//! then claims (4 at a time, each lease ending at once so the heads stay
//! due), `next_due` and the mediator's status list are timed. SQLite in a
//! file (WAL, full sync, as `serve` runs it) unless a PostgreSQL URL is
//! given (its tables are emptied first: use a scratch database).

use crate::median;
use anyhow::Result;
use corridor_server::store::{Postgres, Sqlite, Store};
use serde_json::json;
use std::time::Instant;

pub fn run(subscribers: usize, alerts: usize, max_pending: usize, pg: Option<&str>) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("corridor-bench-outbox-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let store: Box<dyn Store> = match pg {
        Some(url) => {
            let s = Postgres::connect(url)?;
            s.reset()?;
            Box::new(s)
        }
        None => Box::new(Sqlite::open(&dir.join("outbox.sqlite"))?),
    };
    for i in 0..subscribers {
        store.add_subscriber(
            &format!("http://{i}.test/hook"),
            "secret-0123456789",
            0,
            1000,
        )?;
    }
    let body = "x".repeat(3000);
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1e3;
    let (mut enqueue, mut trim) = (vec![], vec![]);
    let mut dropped = 0;
    for a in 0..alerts {
        let now = 1_000 + a as i64;
        let t = Instant::now();
        store.enqueue(&[(format!("c.bench.{a}"), body.clone())], now, 10_000)?;
        enqueue.push(ms(t));
        if max_pending > 0 {
            let t = Instant::now();
            dropped += store.trim(max_pending, now)?;
            trim.push(ms(t));
        }
    }
    // The last 100 alerts: the backlog at its fullest.
    let tail = |v: &[f64]| median(v[v.len().saturating_sub(100)..].to_vec());
    let (mut claim, mut next, mut status) = (vec![], vec![], vec![]);
    for k in 0..21 {
        let now = 10_000_000 + k;
        let t = Instant::now();
        let got = store.claim(now, 0, 4, &[])?;
        claim.push(ms(t));
        anyhow::ensure!(!got.is_empty(), "nothing to claim");
        let t = Instant::now();
        std::hint::black_box(store.next_due()?);
        next.push(ms(t));
        let t = Instant::now();
        let s = store.subscribers()?;
        status.push(ms(t));
        anyhow::ensure!(s.len() == subscribers, "subscribers lost");
    }
    let pending: u64 = store.subscribers()?.iter().map(|s| s.pending).sum();
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "store": if pg.is_some() { "postgresql" } else { "sqlite" },
            "subscribers": subscribers, "alerts": alerts, "max_pending": max_pending,
            "rows_pending_at_end": pending, "rows_dropped": dropped,
            "enqueue_ms_p50_last_100": tail(&enqueue),
            "trim_ms_p50_last_100": if trim.is_empty() { 0.0 } else { tail(&trim) },
            "claim_ms_p50": median(claim),
            "next_due_ms_p50": median(next),
            "status_ms_p50": median(status),
        }))?
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
