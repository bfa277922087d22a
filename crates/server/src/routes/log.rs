//! The public log: its text, a signed tree head, inclusion and consistency
//! proofs, and server-sent events for every new entry.

use super::{blocking, Shared};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

/// The routes of this module.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/api/log", get(log_text))
        .route("/api/log/head", get(log_head))
        .route("/api/log/proof", get(log_proof))
        .route("/api/events", get(sse))
}

async fn log_text(State(st): State<Shared>) -> Result<Response, ApiError> {
    let live = blocking(st, AppState::live).await?;
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], live.log.to_text()).into_response())
}

/// Size and tree hash of the log, with a tree head signed by the mediator
/// (whose key the server holds), checkable with `corridor log verify
/// --heads` as it comes.
async fn log_head(State(st): State<Shared>) -> Result<Json<Value>, ApiError> {
    let live = blocking(st.clone(), AppState::live).await?;
    let signed = super::public::mediator(&st).map(|id| {
        let t = (st.clock)();
        live.log
            .head(&t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false), id, &st.keys[id])
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

async fn sse(State(st): State<Shared>) -> impl IntoResponse {
    use tokio_stream::StreamExt;
    let rx = st.events.subscribe();
    let stream = tokio_stream::wrappers::BroadcastStream::new(rx).filter_map(|m| {
        m.ok().map(|data| {
            Ok::<_, std::convert::Infallible>(
                axum::response::sse::Event::default().event("entry").data(data),
            )
        })
    });
    axum::response::sse::Sse::new(stream).keep_alive(axum::response::sse::KeepAlive::default())
}
