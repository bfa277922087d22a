//! Subscribers, the mediator's alone: `POST /api/subscribers` (a URL and
//! a secret), `GET /api/subscribers` (with each one's deliveries; never a
//! secret), `DELETE /api/subscribers/{id}`.
//!
//! Registrations are not entries of the public log: the log records what
//! the parties agreed and what the public was told, and every alert
//! delivered is already published from it; who receives alerts by push
//! (a broadcaster's or an aid agency's endpoint) is operational detail
//! that a party at war could use as a list of targets, and the secrets
//! must never be public. They live in the store's own tables, like the
//! parties' token hashes.

use super::{blocking, json_body, Shared};
use crate::auth;
use crate::delivery::{canonical_url, check_secret, now_ms, MAX_SUBSCRIBERS};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{StoreError, SubscriberInfo};
use axum::extract::{Path as UrlPath, State};
use axum::http::HeaderMap;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// The routes of this module.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/api/subscribers", get(list).post(add))
        .route("/api/subscribers/{id}", delete(remove))
}

/// The requesting party, if it is the mediator.
fn mediator(st: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    let party = auth::authenticate(st, headers)?;
    match st.scenario().party(&party).map(|p| p.role) {
        Some(corridor_negotiation::Role::Mediator) => Ok(party),
        _ => Err(ApiError::Forbidden(
            "only the mediator manages subscribers".into(),
        )),
    }
}

fn refused(e: StoreError) -> ApiError {
    match e {
        StoreError::Refused(m) => ApiError::Conflict(m),
        e => e.into(),
    }
}

fn rfc3339(ms: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSubscriber {
    url: String,
    secret: String,
}

/// What a registration answers.
#[derive(Serialize)]
struct Registered {
    id: i64,
    url: String,
}

/// A subscriber as listed.
#[derive(Serialize)]
struct Listed {
    id: i64,
    url: String,
    /// RFC 3339, UTC.
    created: Option<String>,
    pending: u64,
    delivered: u64,
    /// Given up undelivered: the oldest of a backlog beyond
    /// `--delivery-max-pending`.
    dropped: u64,
    last_error: Option<String>,
    /// RFC 3339, UTC; none when nothing is pending or while an attempt
    /// is under way.
    next_attempt: Option<String>,
    /// Whether its next alert is being sent now (an attempt under way,
    /// not yet answered).
    sending: bool,
}

impl Listed {
    fn new(s: SubscriberInfo, now_ms: i64) -> Listed {
        // Under way: the next attempt is not known until this one ends
        // (the lease's end is only when another server may take it over).
        let sending = s.leased_until_ms.is_some_and(|t| t > now_ms);
        Listed {
            id: s.id,
            url: s.url,
            created: rfc3339(s.created_ms),
            pending: s.pending,
            delivered: s.delivered,
            dropped: s.dropped,
            last_error: s.last_error,
            next_attempt: s.next_attempt_ms.filter(|_| !sending).and_then(rfc3339),
            sending,
        }
    }
}

async fn add(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Registered>, ApiError> {
    blocking(st, move |st| {
        let who = mediator(st, &headers)?;
        let req: NewSubscriber = json_body(&body)?;
        let url = canonical_url(&req.url).map_err(|e| ApiError::BadRequest(format!("url: {e}")))?;
        check_secret(&req.secret).map_err(|e| ApiError::BadRequest(format!("secret: {e}")))?;
        let id = st
            .store
            .add_subscriber(&url, &req.secret, now_ms(), MAX_SUBSCRIBERS)
            .map_err(refused)?;
        // The host only: a query string may carry the subscriber's token.
        let host = url
            .parse::<axum::http::Uri>()
            .ok()
            .and_then(|u| u.host().map(str::to_string))
            .unwrap_or_default();
        tracing::info!(id, host = %host, by = %who, "subscriber registered");
        Ok(Json(Registered { id, url }))
    })
    .await
}

async fn list(
    State(st): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    blocking(st, move |st| {
        mediator(st, &headers)?;
        let now = now_ms();
        let subs: Vec<Listed> = st
            .store
            .subscribers()?
            .into_iter()
            .map(|s| Listed::new(s, now))
            .collect();
        Ok(Json(serde_json::json!({ "subscribers": subs })))
    })
    .await
}

async fn remove(
    State(st): State<Shared>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    blocking(st, move |st| {
        let who = mediator(st, &headers)?;
        let id: i64 = id
            .parse()
            .map_err(|_| ApiError::NotFound("no such subscriber".into()))?;
        if !st.store.remove_subscriber(id)? {
            return Err(ApiError::NotFound("no such subscriber".into()));
        }
        tracing::info!(id, by = %who, "subscriber removed");
        Ok(Json(serde_json::json!({ "removed": id })))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// While an attempt is under way the list says so, and shows no next
    /// attempt (its lease's end is not when the alert will be tried
    /// again); once the lease is over, the row's time is shown again.
    #[test]
    fn an_attempt_under_way_is_shown_as_sending() {
        let info = SubscriberInfo {
            id: 1,
            url: "http://a.test/".into(),
            created_ms: 0,
            pending: 1,
            delivered: 0,
            dropped: 0,
            last_error: None,
            next_attempt_ms: Some(5_000),
            leased_until_ms: Some(5_000),
        };
        let during = Listed::new(info.clone(), 4_999);
        assert!(during.sending);
        assert_eq!(during.next_attempt, None);
        let after = Listed::new(info.clone(), 5_000);
        assert!(!after.sending);
        assert_eq!(
            after.next_attempt.as_deref(),
            Some("1970-01-01T00:00:05.000Z")
        );
        let never = Listed::new(
            SubscriberInfo {
                leased_until_ms: None,
                ..info
            },
            0,
        );
        assert!(!never.sending && never.next_attempt.is_some());
    }
}
