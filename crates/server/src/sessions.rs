//! Browser sessions: the page trades a party's token for an HttpOnly,
//! SameSite=Strict cookie that no page script can read, plus a CSRF token
//! that every write made with the cookie must echo in `X-CSRF-Token`.
//! Bounded: at most [`MAX_SESSIONS_PER_PARTY`] per party, its oldest
//! evicted first, and [`MAX_SESSIONS`] in all, each for
//! [`SESSION_SECONDS`].

use axum::http::{header, HeaderMap};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most sessions held at once.
pub const MAX_SESSIONS: usize = 1_000;
/// Most sessions of one party (its tabs and people): its oldest gives way.
pub const MAX_SESSIONS_PER_PARTY: usize = 32;
/// How long a session lasts.
pub const SESSION_SECONDS: u64 = 12 * 3600;
/// The cookie's name.
pub const COOKIE: &str = "corridor_session";

struct Session {
    party: String,
    csrf: String,
    until: Instant,
}

/// The sessions, keyed by the hash of their cookie value.
#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| kv.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

impl Sessions {
    /// A new session for `party`: (cookie value, CSRF token).
    pub fn open(&self, party: &str) -> Result<(String, String), String> {
        let id = crate::auth::new_token()?;
        let csrf = crate::auth::new_token()?;
        let now = Instant::now();
        let mut m = self.map.lock().unwrap_or_else(|e| e.into_inner());
        m.retain(|_, s| s.until > now);
        // A party's sessions make room only for its own: one party opening
        // a thousand can never sign the others out (review). Were the whole
        // table full, the party holding most gives way.
        let oldest_of = |m: &HashMap<String, Session>, party: &str| {
            m.iter()
                .filter(|(_, s)| s.party == party)
                .min_by_key(|(_, s)| s.until)
                .map(|(k, _)| k.clone())
        };
        while m.values().filter(|s| s.party == party).count() >= MAX_SESSIONS_PER_PARTY {
            let Some(k) = oldest_of(&m, party) else { break };
            m.remove(&k);
        }
        while m.len() >= MAX_SESSIONS {
            let mut count: HashMap<&str, usize> = HashMap::new();
            for s in m.values() {
                *count.entry(s.party.as_str()).or_default() += 1;
            }
            let Some(most) = count
                .into_iter()
                .max_by_key(|x| x.1)
                .map(|x| x.0.to_string())
            else {
                break;
            };
            let Some(k) = oldest_of(&m, &most) else { break };
            m.remove(&k);
        }
        m.insert(
            crate::auth::hash_token(&id),
            Session {
                party: party.to_string(),
                csrf: csrf.clone(),
                until: now + Duration::from_secs(SESSION_SECONDS),
            },
        );
        Ok((id, csrf))
    }

    /// The party of the request's session cookie, if the session is alive
    /// and the request carries its CSRF token.
    pub fn party(&self, headers: &HeaderMap) -> Option<String> {
        let id = cookie(headers)?;
        let csrf = headers.get("x-csrf-token")?.to_str().ok()?;
        let m = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let s = m.get(&crate::auth::hash_token(id))?;
        // Compared by their hashes, so that the time taken says nothing of
        // how much of the token was right.
        let same = crate::auth::hash_token(&s.csrf) == crate::auth::hash_token(csrf);
        (s.until > Instant::now() && same).then(|| s.party.clone())
    }

    /// The party of the request's session cookie alone, without its CSRF
    /// token: only for reads that change nothing (an event stream cannot
    /// send headers; the cookie is SameSite=Strict).
    pub fn party_by_cookie(&self, headers: &HeaderMap) -> Option<String> {
        let id = cookie(headers)?;
        let m = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let s = m.get(&crate::auth::hash_token(id))?;
        (s.until > Instant::now()).then(|| s.party.clone())
    }

    /// Ends the request's session.
    pub fn close(&self, headers: &HeaderMap) {
        if let Some(id) = cookie(headers) {
            self.map
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&crate::auth::hash_token(id));
        }
    }

    /// Sessions held.
    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(id: &str, csrf: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, format!("{COOKIE}={id}").parse().unwrap());
        h.insert("x-csrf-token", csrf.parse().unwrap());
        h
    }

    /// Review: a belligerent opening a thousand sessions evicted the
    /// mediator's and the other side's. Its own oldest give way instead.
    #[test]
    fn one_party_cannot_sign_the_others_out() {
        let s = Sessions::default();
        let (mid, mcsrf) = s.open("icrc").unwrap();
        let (first, fcsrf) = s.open("ru").unwrap();
        for _ in 0..MAX_SESSIONS * 2 {
            s.open("ru").unwrap();
        }
        assert_eq!(s.party(&with_cookie(&mid, &mcsrf)).as_deref(), Some("icrc"));
        assert_eq!(
            s.party(&with_cookie(&first, &fcsrf)),
            None,
            "ru's oldest gave way"
        );
        let m = s.map.lock().unwrap();
        assert_eq!(
            m.values().filter(|x| x.party == "ru").count(),
            MAX_SESSIONS_PER_PARTY
        );
    }
}
