//! One error type for every handler: a status and a message safe to show.
//! Internal details never leave the server; they go to the log.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use corridor_ledger::{Refusal, Rule};
use serde::Serialize;

/// What a handler answers when it cannot do what was asked.
#[derive(Debug)]
pub enum ApiError {
    /// 400: the request is malformed; the message names the field.
    BadRequest(String),
    /// 401: no valid token or session.
    Unauthorized,
    /// 403: not this party's to do.
    Forbidden(String),
    /// 404: no such thing.
    NotFound(String),
    /// 405: the path exists, not with this method.
    MethodNotAllowed,
    /// 408: the request's body did not arrive in time.
    Timeout,
    /// 413: the request's body is larger than any route takes.
    TooLarge,
    /// 409: refused by the ledger (lifecycle, time, window, hazard rules),
    /// or a concurrent append.
    Conflict(String),
    /// 429: too many requests.
    TooMany,
    /// 500: a bug or a store failure (details logged, not shown).
    Internal,
    /// 503: the store refuses writes (read-only, full).
    Unavailable(String),
    /// 503 with `Retry-After: 1`: the store cannot be read just now (the
    /// parties' tokens, `auth::TOKENS_RETRY`).
    TryAgain(String),
}

/// The body of every error response.
#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

impl ApiError {
    /// Logs an internal failure and hides it from the client.
    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %e, "internal error");
        ApiError::Internal
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Timeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooMany => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable(_) | ApiError::TryAgain(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The message shown.
    pub fn message(&self) -> &str {
        match self {
            ApiError::BadRequest(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m)
            | ApiError::Unavailable(m)
            | ApiError::TryAgain(m) => m,
            ApiError::Unauthorized => "a valid bearer token or session is required",
            ApiError::MethodNotAllowed => "this method is not allowed here",
            ApiError::TooMany => "too many requests: slow down",
            ApiError::Timeout => "the request's body did not arrive in time",
            ApiError::TooLarge => "the request's body is too large",
            ApiError::Internal => "internal error",
        }
    }
}

/// A refusal of the ledger: 403 for what is not this party's to do (a
/// hazard it does not own, the exercise clock), 400 for an unreadable body,
/// 409 otherwise.
impl From<Refusal> for ApiError {
    fn from(e: Refusal) -> ApiError {
        let m = format!("refused ({}): {}", e.rule.code(), e.message);
        match e.rule {
            Rule::Body => ApiError::BadRequest(m),
            Rule::Party | Rule::Clock => ApiError::Forbidden(m),
            Rule::Hazard if e.message.contains("only") || e.message.contains("observers") => {
                ApiError::Forbidden(m)
            }
            Rule::Convoy if e.message.contains("only") || e.message.contains("observer") => {
                ApiError::Forbidden(m)
            }
            _ => ApiError::Conflict(m),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> ApiError {
        use crate::store::StoreError;
        match e {
            StoreError::Conflict(_) => ApiError::Conflict(e.to_string()),
            StoreError::ReadOnly(_) => {
                tracing::error!(error = %e, "store refuses writes");
                ApiError::Unavailable(
                    "the server's store refuses writes; nothing was recorded".into(),
                )
            }
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // Limits are per minute; an unreadable store is asked again after
        // a second.
        let retry = match self {
            ApiError::TooMany => Some("60"),
            ApiError::TryAgain(_) => Some("1"),
            _ => None,
        };
        if let Some(retry) = retry {
            return (
                self.status(),
                [(axum::http::header::RETRY_AFTER, retry)],
                Json(ErrorBody {
                    error: self.message(),
                }),
            )
                .into_response();
        }
        (
            self.status(),
            Json(ErrorBody {
                error: self.message(),
            }),
        )
            .into_response()
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(e: axum::extract::rejection::QueryRejection) -> ApiError {
        ApiError::BadRequest(format!("bad query: {}", e.body_text()))
    }
}

/// Every error answer is `{"error": …}`, also those of axum's own
/// extractors (a body over the limit, a path that is not UTF-8): their
/// plain text becomes the message.
pub async fn json_errors(res: Response) -> Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let bytes = axum::body::to_bytes(res.into_body(), 4096)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    let message = if text.trim().is_empty() {
        status.canonical_reason().unwrap_or("error").to_lowercase()
    } else {
        text.trim().to_string()
    };
    (status, Json(ErrorBody { error: &message })).into_response()
}
