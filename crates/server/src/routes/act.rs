//! `POST /api/act`: one lifecycle action of the authenticated party; and
//! `POST`/`DELETE /api/session`, the browser's session.

use super::{blocking, json_body, Shared};
use crate::auth;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use corridor_ledger::Verb;
use corridor_negotiation::plan;
use serde::{Deserialize, Serialize};

/// The routes of this module.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/api/act", post(act))
        .route("/api/session", post(open_session).delete(close_session))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActRequest {
    /// Acting party (optional; must be the token's).
    party: Option<String>,
    action: String,
    proposal: String,
    reason: Option<String>,
    /// The version the party read (its hash, 64 hex digits): the action is
    /// refused (409) if another is on the table by then.
    version: Option<String>,
}

/// What an accepted action answers.
#[derive(Serialize)]
pub struct Acted {
    /// Entry number.
    pub seq: u64,
    /// Who.
    pub party: String,
    /// What.
    pub action: String,
    /// On which corridor.
    pub corridor: String,
    /// Its state now.
    pub state: &'static str,
    /// The log's tree hash after the entry.
    pub tree_hash: String,
}

async fn act(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Acted>, ApiError> {
    blocking(st, move |st| {
        let party = auth::authenticate(st, &headers)?;
        let req: ActRequest = json_body(&body)?;
        if req.party.as_ref().is_some_and(|p| *p != party) {
            return Err(ApiError::Forbidden(format!(
                "this token acts for `{party}` only"
            )));
        }
        let verb: Verb = req.action.parse().map_err(ApiError::BadRequest)?;
        if let Some(why) = req
            .version
            .as_deref()
            .and_then(|v| corridor_ledger::malformed_version(verb, v))
        {
            return Err(ApiError::BadRequest(format!("version: {why}")));
        }
        // Every other action records its reason; a proposal's content
        // says what it is, and a reason would be dropped unseen.
        if verb == Verb::Propose && req.reason.as_deref().is_some_and(|r| !r.is_empty()) {
            return Err(ApiError::BadRequest(
                "reason: a proposal records no reason (its content says what it is)".into(),
            ));
        }
        act_on(
            st,
            &party,
            &req.proposal,
            verb,
            req.reason,
            req.version.as_deref(),
        )
        .map(Json)
    })
    .await
}

/// One action by `party` on corridor `id`, about `version` when given
/// (checked under the same lock as the append): the lifecycle decides
/// first; a proposal is routed (with the hazards in force) only once it may
/// be made.
pub fn act_on(
    st: &AppState,
    party: &str,
    id: &str,
    verb: Verb,
    reason: Option<String>,
    version: Option<&str>,
) -> Result<Acted, ApiError> {
    let (rec, live) = st.append(party, |ledger| match verb {
        Verb::Propose => {
            let scn = ledger.scenario();
            let spec = scn
                .proposal(id)
                .ok_or_else(|| ApiError::NotFound(format!("no corridor `{id}` in the scenario")))?;
            // Refused by the lifecycle without routing (role, final state).
            if let Some(c) = ledger.corridor(id) {
                if c.state().is_final() {
                    return Err(ApiError::Conflict(format!(
                        "refused (lifecycle): corridor `{id}` is {}: propose a new one",
                        c.state().name()
                    )));
                }
            }
            ledger.may_propose(id)?;
            if !matches!(
                scn.party(party).map(|p| p.role),
                Some(
                    corridor_negotiation::Role::Belligerent | corridor_negotiation::Role::Mediator
                )
            ) {
                return Err(ApiError::Conflict(format!(
                    "refused (lifecycle): `{party}` may not propose (only belligerent or mediator)"
                )));
            }
            let content = route(st, scn, spec)?;
            Ok(corridor_ledger::propose(content, None))
        }
        verb => {
            if let Some(v) = version {
                ledger.on_version(id, v)?;
            }
            Ok(ledger.action(party, verb, id, reason)?)
        }
    })?;
    let state = live
        .ledger
        .corridor(id)
        .map_or("not proposed", |c| c.state().name());
    Ok(Acted {
        seq: rec.entry.seq,
        party: party.to_string(),
        action: verb.name().to_string(),
        corridor: id.to_string(),
        state,
        tree_hash: corridor_log::hex(&live.log.root()),
    })
}

/// A scenario proposal's content, routed on the road graph (or as a
/// polyline) under `scn`'s hazards.
pub fn route(
    st: &AppState,
    scn: &corridor_negotiation::Scenario,
    spec: &corridor_negotiation::scenario::ProposalSpec,
) -> Result<plan::ProposalContent, ApiError> {
    let layer = st
        .router
        .as_ref()
        .map(|r| corridor_routing::HazardLayer::new(r.graph(), r.index(), scn.hazards.clone()));
    let r = plan::plan(scn, spec, st.router.as_ref().zip(layer.as_ref()))
        .map_err(|e| ApiError::Conflict(format!("no route: {e}")))?;
    Ok(plan::canonical(scn, spec, &r))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionRequest {
    token: String,
}

#[derive(Serialize)]
struct SessionOpened {
    party: String,
    role: &'static str,
    /// Echo it in `X-CSRF-Token` with every write made with the cookie.
    csrf: String,
}

/// Trades a party's token for an HttpOnly session cookie.
async fn open_session(
    State(st): State<Shared>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    blocking(st, move |st| {
        let req: SessionRequest = json_body(&body)?;
        let party = auth::party_of_token(st, req.token.trim())?.ok_or(ApiError::Unauthorized)?;
        let role = st
            .scenario()
            .party(&party)
            .map_or("party", |p| p.role.name());
        let (id, csrf) = st.sessions.open(&party).map_err(ApiError::internal)?;
        let cookie = format!(
            "{}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
            crate::sessions::COOKIE,
            crate::sessions::SESSION_SECONDS
        );
        Ok((
            [(header::SET_COOKIE, cookie)],
            Json(SessionOpened { party, role, csrf }),
        )
            .into_response())
    })
    .await
}

async fn close_session(State(st): State<Shared>, headers: HeaderMap) -> Response {
    st.sessions.close(&headers);
    (
        [(
            header::SET_COOKIE,
            format!(
                "{}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0",
                crate::sessions::COOKIE
            ),
        )],
        Json(serde_json::json!({"closed": true})),
    )
        .into_response()
}
