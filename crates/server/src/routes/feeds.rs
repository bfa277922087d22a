//! The public files under `/public/`: the Atom feed, the GeoJSON, each CAP
//! alert. Published from the live ledger once per log state, by the same
//! function `corridor publish` uses, so the bytes are the same.

use super::{blocking, Shared};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

/// The routes of this module.
pub fn router() -> Router<Shared> {
    Router::new()
        .route(
            "/public/alerts.atom",
            get(|s| feed(s, "alerts.atom".into())),
        )
        .route(
            "/public/corridors.geojson",
            get(|s| feed(s, "corridors.geojson".into())),
        )
        .route("/public/index.html", get(|s| feed(s, "index.html".into())))
        .route("/public/", get(|s| feed(s, "index.html".into())))
        .route("/public/cap/{file}", get(cap_file))
        .route("/public/sms/{file}", get(sms_file))
        .route("/public/cbs/{file}", get(cbs_file))
}

/// Every public file of the live log state.
pub fn files(st: &AppState) -> Result<Arc<Vec<corridor_publish::File>>, ApiError> {
    let live = st.live()?;
    Ok(live
        .views
        .files
        .get_or_init(|| {
            // Never silent about an SMS over its budget (issue 14).
            for w in corridor_publish::report(&live.ledger).warnings {
                tracing::warn!("publishing: {w}");
            }
            Arc::new(corridor_publish::publish(&live.ledger, &st.site))
        })
        .clone())
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("atom") => "application/atom+xml",
        Some("geojson") => "application/geo+json",
        Some("xml") => "application/cap+xml",
        Some("html") => "text/html; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    }
}

async fn feed(State(st): State<Shared>, path: String) -> Result<Response, ApiError> {
    let files = blocking(st, files).await?;
    let f = files
        .iter()
        .find(|f| f.path == path)
        .ok_or_else(|| ApiError::NotFound("no such file".into()))?;
    Ok((
        [(header::CONTENT_TYPE, content_type(&path))],
        f.text.clone(),
    )
        .into_response())
}

async fn cbs_file(st: State<Shared>, UrlPath(file): UrlPath<String>) -> Result<Response, ApiError> {
    feed(st, format!("cbs/{file}")).await
}

async fn cap_file(st: State<Shared>, UrlPath(file): UrlPath<String>) -> Result<Response, ApiError> {
    feed(st, format!("cap/{file}")).await
}

async fn sms_file(st: State<Shared>, UrlPath(file): UrlPath<String>) -> Result<Response, ApiError> {
    feed(st, format!("sms/{file}")).await
}
