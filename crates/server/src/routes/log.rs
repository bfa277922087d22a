//! The public log: its text, a signed tree head, inclusion and consistency
//! proofs, and server-sent events for every new entry.

use super::{blocking, Shared};
use crate::compressed::Precompressed;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// The routes of this module.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/api/log", get(log_text))
        .route("/api/log/head", get(log_head))
        .route("/api/log/proof", get(log_proof))
        .route("/api/events", get(sse))
}

async fn log_text(State(st): State<Shared>, headers: HeaderMap) -> Result<Response, ApiError> {
    let text = blocking(st, |st| {
        let live = st.live()?;
        Ok(live
            .views
            .log_text
            .get_or_init(|| {
                Arc::new(Precompressed::new(
                    live.log.to_text(),
                    "application/x-ndjson",
                ))
            })
            .clone())
    })
    .await?;
    Ok(text.respond(&headers, "no-cache"))
}

/// Size and tree hash of the log, with a tree head signed by the mediator
/// (whose key the server holds), checkable with `corridor log verify
/// --heads` as it comes.
async fn log_head(State(st): State<Shared>) -> Result<Json<Value>, ApiError> {
    let live = blocking(st.clone(), AppState::live).await?;
    let signed = super::public::mediator(&st).map(|id| {
        let t = (st.clock)();
        live.log
            .head(
                &t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
                id,
                &st.keys[id],
            )
            .to_json()
    });
    Ok(Json(
        json!({"size": live.log.len(), "tree_hash": corridor_log::hex(&live.log.root()), "signed": signed}),
    ))
}

#[derive(Deserialize)]
struct ProofQuery {
    entry: Option<usize>,
    from: Option<usize>,
}

/// Inclusion proof of an entry, or consistency proof from an earlier size.
async fn log_proof(
    State(st): State<Shared>,
    q: Result<Query<ProofQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = q?;
    let live = blocking(st, AppState::live).await?;
    let log = &live.log;
    let proof = match (q.entry, q.from) {
        (Some(i), None) => log.inclusion_json(i),
        (None, Some(m)) => log.consistency_json(m),
        _ => None,
    };
    proof.map(Json).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "give entry=N (0..{}) or from=SIZE (1..={})",
            log.len(),
            log.len()
        ))
    })
}

/// Most event streams open at once, and from one address.
pub const MAX_STREAMS: usize = 1_000;
/// See [`MAX_STREAMS`].
pub const MAX_STREAMS_PER_ADDRESS: usize = 20;

/// One open event stream, counted until it is dropped.
struct Listener {
    st: Shared,
    addr: String,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let mut m = self.st.streams.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = m.get_mut(&self.addr) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.addr);
            }
        }
    }
}

/// Server-sent events: one `entry` event per appended entry. Bounded:
/// [`MAX_STREAMS`] in all, [`MAX_STREAMS_PER_ADDRESS`] per address (503
/// beyond).
async fn sse(State(st): State<Shared>, req: axum::extract::Request) -> Result<Response, ApiError> {
    use tokio_stream::StreamExt;
    // Counted as reads are: an IPv6 host by its /64.
    let addr = crate::guard::peer(&req).map_or_else(
        || "local".to_string(),
        |a| crate::guard::client_key(a).to_string(),
    );
    {
        let mut m = st.streams.lock().unwrap_or_else(|e| e.into_inner());
        let total: usize = m.values().sum();
        let mine = m.get(&addr).copied().unwrap_or(0);
        if total >= MAX_STREAMS || mine >= MAX_STREAMS_PER_ADDRESS {
            return Err(ApiError::Unavailable(
                "too many live event streams: try again later".into(),
            ));
        }
        *m.entry(addr.clone()).or_insert(0) += 1;
    }
    let listener = Listener {
        st: st.clone(),
        addr,
    };
    let rx = st.events.subscribe();
    let stream = tokio_stream::wrappers::BroadcastStream::new(rx).filter_map(move |m| {
        let _held = &listener;
        m.ok().map(|data| {
            Ok::<_, std::convert::Infallible>(
                axum::response::sse::Event::default()
                    .event("entry")
                    .data(data),
            )
        })
    });
    Ok(axum::response::sse::Sse::new(stream)
        .keep_alive(axum::response::sse::KeepAlive::default())
        .into_response())
}
