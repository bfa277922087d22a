//! The routes, one module per resource, each with its own router.

pub mod act;
pub mod convoys;
pub mod feeds;
pub mod hazards;
pub mod log;
pub mod plan;
pub mod proposals;
pub mod public;
pub mod routing;
pub mod subscribers;

use crate::error::ApiError;
use crate::state::AppState;
use std::sync::Arc;

/// The shared state, as handlers take it.
pub type Shared = Arc<AppState>;

/// Runs store and ledger work off the async threads (the PostgreSQL client
/// blocks, routing takes CPU).
pub async fn blocking<T: Send + 'static>(
    st: Shared,
    f: impl FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(move || f(&st))
        .await
        .map_err(ApiError::internal)?
}

/// Reads a JSON request body, naming the field that is wrong.
pub fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::BadRequest(format!("bad request body: {e}")))
}
