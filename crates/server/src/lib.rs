//! The coordination server: one scenario's corridors, verdicts, actions
//! and public log over HTTP, with the public feeds and the web map.
//!
//! * `state.rs`: [`AppState`], and the live [`corridor_ledger::Ledger`]
//!   every handler reads; writes are checked by the ledger, signed with the
//!   party's key (custodial signing), stored durably, then made live.
//! * `auth.rs`: bearer tokens (hashed in one place, compared in constant
//!   time); `sessions.rs`: HttpOnly cookie sessions for the page, with a
//!   CSRF token.
//! * `front.rs`: the front door. [`App`] answers public GETs of files and
//!   pages already made for the live log state before the router and its
//!   layers (from memory, precompressed, counted in the reader's rate
//!   limit), and hands everything else to the router; [`front::serve`]
//!   runs the connections (keep-alive, `TCP_NODELAY`, a header timeout).
//! * `guard.rs`: rate limits (per party for writes, per address for reads
//!   and unauthenticated attempts, bounded) and the same-origin rule.
//! * `error.rs`: [`ApiError`], the one error type, and its status codes.
//! * `routes/`: `public` (page, scenario, map layers, corridors, alerts),
//!   `feeds` (`/public/…`), `log` (text, head, proofs, events), `act`
//!   (actions, sessions), `hazards` (reports, lifts, incidents),
//!   `convoys` (movement notifications, acknowledgements, positions,
//!   the parties' view and stream).
//! * `convoys.rs`: convoys on the road, for the parties only: private
//!   records, positions in memory within the retention, the checks.
//! * `store.rs`: SQLite (embedded) and PostgreSQL behind one trait.
//! * `delivery.rs`: every new alert POSTed to each subscriber (registered
//!   by the mediator, `routes/subscribers`) with an HMAC signature, from
//!   the durable outbox in the store, retried with backoff until
//!   acknowledged.
//!
//! Status codes: 200 OK; 400 malformed request (the message names the
//! field); 401 no or unknown token; 403 acting as another party, a hazard
//! not this party's, a cross-origin write; 404 unknown corridor, hazard or
//! file; 409 refused by the ledger (lifecycle, time, window) or a
//! concurrent append; 413 request too large; 429 too many requests; 500
//! internal (no details leave the server); 503 the store refuses writes.

pub mod auth;
pub mod compressed;
pub mod convoys;
pub mod delivery;
pub mod error;
pub mod front;
pub mod guard;
pub mod page;
pub mod routes;
pub mod sessions;
pub mod state;
pub mod store;

pub use auth::{new_token, set_token};
pub use error::ApiError;
pub use front::App;
pub use state::{AppState, READS_PER_MINUTE, WRITES_PER_MINUTE};

use axum::extract::DefaultBodyLimit;
use axum::http::{header, Extensions, HeaderMap, StatusCode, Version};
use axum::Router;
use std::sync::Arc;
use tower_http::compression::predicate::Predicate as _;

/// Largest request body, bytes.
pub const MAX_BODY: usize = 16 * 1024;

/// The web application: the public fast path ([`front`]) in front of the
/// router.
pub fn app(state: Arc<AppState>) -> App {
    App::new(state.clone(), router(state))
}

/// The router with its layers: every route, for whatever the fast path
/// leaves to it.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .merge(routes::public::router())
        .merge(routes::feeds::router())
        .merge(routes::log::router())
        .merge(routes::act::router())
        .merge(routes::hazards::router())
        .merge(routes::routing::router())
        .merge(routes::proposals::router())
        .merge(routes::plan::router())
        .merge(routes::subscribers::router())
        .merge(routes::convoys::router())
        .fallback(|| async { ApiError::NotFound("no such resource".into()) })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(guard::body_in_time))
        .layer(axum::middleware::map_response(error::json_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
        ))
        // gzip for every client that asks (the road network, feeds and
        // pages shrink several times over a slow link); never for event
        // streams, which must not be buffered, nor for a body served
        // precompressed (it carries its ETag): there gzip was already
        // tried, and a body it would not shrink stays plain under the
        // plain body's tag.
        .layer(
            tower_http::compression::CompressionLayer::new().compress_when(
                tower_http::compression::predicate::DefaultPredicate::new().and(
                    |_: StatusCode, _: Version, h: &HeaderMap, _: &Extensions| {
                        !h.contains_key(header::ETAG)
                    },
                ),
            ),
        )
        .with_state(state)
}
