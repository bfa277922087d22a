//! Who is asking: a party's bearer token, hashed in one place and compared
//! in constant time against the stored hashes.

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{Store, StoreError};
use axum::http::{header, HeaderMap};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The stored form of a token: SHA-256 of its bytes, hex. The only place a
/// token is hashed.
pub fn hash_token(token: &str) -> String {
    corridor_log::hex(&Sha256::digest(token.as_bytes()))
}

/// The token of an `Authorization: Bearer TOKEN` header: the scheme in any
/// case, one token of visible ASCII, surrounding white space ignored.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer")
        && !token.is_empty()
        && token.len() <= 256
        && token.bytes().all(|b| b.is_ascii_graphic()))
    .then_some(token)
}

fn eq_ct(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// How long the parties' token hashes read from the store are used before
/// they are read again: a token set by another server on a shared database
/// works here within this time.
pub const TOKENS_FRESH: Duration = Duration::from_secs(2);

/// How long after a failed read of the parties' token hashes every bearer
/// token is answered 503 without asking the store again.
pub const TOKENS_RETRY: Duration = Duration::from_secs(1);

/// The parties' token hashes as last read from the store, and when. A
/// made-up token would otherwise cost one store query per party; with
/// this, a flood of them costs at most one round of queries every
/// [`TOKENS_FRESH`], and a real token is never refused for its address.
/// A read that fails is remembered for [`TOKENS_RETRY`]: during a store
/// outage a flood costs one attempt a second, not one per request queued
/// behind the last one's time-out.
#[derive(Default)]
pub struct TokenCache {
    held: Mutex<Option<Held>>,
}

/// What the last read of the hashes gave, and when it began.
enum Held {
    Hashes(Instant, Hashes),
    Failed(Instant),
}

/// Every party's (id, token hash).
type Hashes = Arc<Vec<(String, String)>>;

/// The answer to a bearer token while the hashes cannot be read.
fn unreadable() -> ApiError {
    ApiError::TryAgain(
        "the server cannot read the parties' tokens from its store just now; try again shortly"
            .into(),
    )
}

impl TokenCache {
    /// Every party's (id, token hash), read again when older than
    /// [`TOKENS_FRESH`]. Their age counts from before the first read, so
    /// that no hash is used longer than that after the store gave it, however
    /// slow the reads; the lock is held meanwhile, so that a flood waiting
    /// on a slow store makes one round of reads, not one each. Within
    /// [`TOKENS_RETRY`] of a failed read the answer is 503 at once (the
    /// old hashes are not used past their time: a revoked token must not
    /// work longer because the store is down).
    fn hashes(&self, st: &AppState) -> Result<Hashes, ApiError> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        match held.as_ref() {
            Some(Held::Hashes(at, h)) if at.elapsed() < TOKENS_FRESH => return Ok(h.clone()),
            Some(Held::Failed(at)) if at.elapsed() < TOKENS_RETRY => return Err(unreadable()),
            _ => {}
        }
        let read_from = Instant::now();
        let mut all = Vec::new();
        for p in &st.scenario().parties {
            match st.store.token_hash(&p.id) {
                Ok(Some(stored)) => all.push((p.id.clone(), stored)),
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(error = %e, party = %p.id, "cannot read the token hashes");
                    // Remembered from when it failed, not from when the
                    // read began: a read that takes its store's whole
                    // time-out (seconds) to fail would otherwise be stale
                    // at once, and every request queued behind it would
                    // ask again (review).
                    *held = Some(Held::Failed(Instant::now()));
                    return Err(unreadable());
                }
            }
        }
        let all = Arc::new(all);
        *held = Some(Held::Hashes(read_from, all.clone()));
        Ok(all)
    }
}

/// The party whose token this is (every party's hash compared, in
/// constant time).
pub fn party_of_token(st: &AppState, token: &str) -> Result<Option<String>, ApiError> {
    let h = hash_token(token);
    let mut found = None;
    for (party, stored) in st.tokens.hashes(st)?.iter() {
        if eq_ct(stored.as_bytes(), h.as_bytes()) {
            found = Some(party.clone());
        }
    }
    Ok(found)
}

/// The party making this request, from its bearer token or its session
/// cookie.
pub fn authenticate(st: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    if let Some(t) = bearer(headers) {
        return party_of_token(st, t)?.ok_or(ApiError::Unauthorized);
    }
    st.sessions.party(headers).ok_or(ApiError::Unauthorized)
}

/// A fresh random token (32 bytes, hex).
pub fn new_token() -> Result<String, String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| format!("no randomness: {e}"))?;
    Ok(corridor_log::hex(&b))
}

/// Stores the hash of `token` as `party`'s token.
pub fn set_token(store: &dyn Store, party: &str, token: &str) -> Result<(), StoreError> {
    store.set_token_hash(party, &hash_token(token))
}
