//! The life of a corridor, as a state machine over named actions.
//!
//! ```text
//!  propose ──▶ proposed ──(every belligerent accepts this version)──▶ agreed
//!                 ▲  ▲ reject / new version                              │ countersign (mediator)
//!                 │  └───────────────────────────────────────────────── ▼
//!                 │                                               countersigned
//!                 │ new version                                          │ open (mediator, authority)
//!                 └──────────── suspended ◀── suspend ── open ◀──────────┘
//!                                  │  └──── reopen ────▶ │
//!                                  └── close ─▶ closed ◀─┤── complete ─▶ completed
//!         cancel (mediator, belligerent): from any state that is not final ─▶ cancelled
//!         a new version: from any state that is not final; the ledger refuses
//!         one for an open corridor in entries written from now on (suspend first)
//! ```
//!
//! Every action is made by a named party whose role allows it; anything
//! else is refused with the reason. The ledger (`corridor-ledger`) replays
//! the public log through [`Book::apply`] to rebuild every corridor's state.

use crate::scenario::{Role, Scenario};
use std::collections::{BTreeMap, BTreeSet};

/// Where a corridor stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    /// A version is on the table.
    Proposed,
    /// Every belligerent accepted the current version.
    Agreed,
    /// The mediator countersigned the agreement.
    Countersigned,
    /// In force: people may travel.
    Open,
    /// Halted (shelling, an incident); may reopen.
    Suspended,
    /// Ended by decision.
    Closed,
    /// Called off.
    Cancelled,
    /// Ended as planned.
    Completed,
}

impl State {
    /// The name used in the log and in feeds.
    pub fn name(self) -> &'static str {
        match self {
            State::Proposed => "proposed",
            State::Agreed => "agreed",
            State::Countersigned => "countersigned",
            State::Open => "open",
            State::Suspended => "suspended",
            State::Closed => "closed",
            State::Cancelled => "cancelled",
            State::Completed => "completed",
        }
    }

    /// Whether nothing can happen any more.
    pub fn is_final(self) -> bool {
        matches!(self, State::Closed | State::Cancelled | State::Completed)
    }
}

/// An action on a corridor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// A new proposal, or a new version of one (content hash).
    Propose {
        /// Version hash.
        version: String,
    },
    /// Accepts a version.
    Accept {
        /// Version hash.
        version: String,
    },
    /// Rejects a version.
    Reject {
        /// Version hash.
        version: String,
        /// Why.
        reason: String,
    },
    /// The mediator countersigns the agreed version.
    Countersign {
        /// Version hash.
        version: String,
    },
    /// Opens the countersigned corridor.
    Open,
    /// Halts an open corridor.
    Suspend {
        /// Why.
        reason: String,
    },
    /// Opens a suspended corridor again.
    Reopen,
    /// Ends it by decision.
    Close,
    /// Ends it as planned.
    Complete,
    /// Calls it off.
    Cancel {
        /// Why.
        reason: String,
    },
}

impl Action {
    /// The name used in the log.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Propose { .. } => "propose",
            Action::Accept { .. } => "accept",
            Action::Reject { .. } => "reject",
            Action::Countersign { .. } => "countersign",
            Action::Open => "open",
            Action::Suspend { .. } => "suspend",
            Action::Reopen => "reopen",
            Action::Close => "close",
            Action::Complete => "complete",
            Action::Cancel { .. } => "cancel",
        }
    }
}

/// One corridor's record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Corridor {
    /// Proposal id.
    pub id: String,
    /// Current version hash.
    pub version: String,
    /// Number of versions proposed so far.
    pub versions: u32,
    /// State.
    pub state: State,
    /// Parties that accepted the current version.
    pub accepted: BTreeSet<String>,
    /// Parties that rejected it, with their reasons.
    pub rejected: BTreeMap<String, String>,
}

/// All corridors of a scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Book {
    /// By proposal id.
    pub corridors: BTreeMap<String, Corridor>,
}

/// Why an action was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// Who may take an action, from which states, and the state it leads to.
struct Rule {
    /// Roles allowed, in the order the refusal names them.
    roles: &'static [Role],
    /// Whether the corridor's state allows the action.
    from: fn(State) -> bool,
    /// The states `from` allows, as the refusal names them.
    want: &'static str,
    /// The state after it (a vote's is decided by the votes).
    to: State,
}

impl Rule {
    fn of(action: &Action) -> Rule {
        use Role::{Authority as A, Belligerent as B, Mediator as M};
        let rule = |roles, from, want, to| Rule {
            roles,
            from,
            want,
            to,
        };
        match action {
            // A proposal's state is checked by `Book::propose`, which
            // also refuses a version already on the table.
            Action::Propose { .. } => {
                rule(&[B, M], |s| !s.is_final(), "not yet ended", State::Proposed)
            }
            Action::Accept { .. } | Action::Reject { .. } => rule(
                &[B, M, A],
                |s| matches!(s, State::Proposed | State::Agreed),
                "proposed or agreed",
                State::Proposed,
            ),
            Action::Countersign { .. } => rule(
                &[M],
                |s| s == State::Agreed,
                "agreed by every belligerent",
                State::Countersigned,
            ),
            Action::Open => rule(
                &[M, A],
                |s| s == State::Countersigned,
                "countersigned",
                State::Open,
            ),
            Action::Suspend { .. } => {
                rule(&[B, M, A], |s| s == State::Open, "open", State::Suspended)
            }
            Action::Reopen => rule(&[M, A], |s| s == State::Suspended, "suspended", State::Open),
            Action::Close => rule(
                &[M, A],
                |s| matches!(s, State::Open | State::Suspended),
                "open or suspended",
                State::Closed,
            ),
            Action::Complete => rule(&[M, A], |s| s == State::Open, "open", State::Completed),
            Action::Cancel { .. } => rule(
                &[M, B],
                |s| !s.is_final(),
                "not yet ended",
                State::Cancelled,
            ),
        }
    }
}

impl Book {
    /// Applies `action` by `actor` on corridor `id`; returns the new state.
    ///
    /// Checked in this order, the first failure being the refusal: the
    /// actor is a party; the corridor exists (but for a proposal); the
    /// actor's role may take the action ([`Rule`]); the version named is
    /// the current one; the corridor's state allows the action.
    pub fn apply(
        &mut self,
        scn: &Scenario,
        actor: &str,
        id: &str,
        action: &Action,
    ) -> Result<State, Refused> {
        let party = scn
            .party(actor)
            .ok_or_else(|| Refused(format!("`{actor}` is not a party of this scenario")))?;
        let rule = Rule::of(action);
        let may = || -> Result<(), Refused> {
            if rule.roles.contains(&party.role) {
                return Ok(());
            }
            let only: Vec<&str> = rule.roles.iter().map(|r| r.name()).collect();
            Err(Refused(format!(
                "a {} may not {} (only {})",
                party.role.name(),
                action.name(),
                only.join(" or ")
            )))
        };
        if let Action::Propose { version } = action {
            may()?;
            return self.propose(id, version);
        }
        let c = self
            .corridors
            .get_mut(id)
            .ok_or_else(|| Refused(format!("no corridor `{id}` has been proposed")))?;
        may()?;
        if let Action::Accept { version }
        | Action::Reject { version, .. }
        | Action::Countersign { version } = action
        {
            if version != &c.version {
                return Err(Refused(format!(
                    "version {} is not the current version {} of `{id}`",
                    &version[..version.len().min(12)],
                    &c.version[..c.version.len().min(12)]
                )));
            }
        }
        if !(rule.from)(c.state) {
            return Err(Refused(format!(
                "corridor `{id}` is {}; {} needs it {}",
                c.state.name(),
                action.name(),
                rule.want
            )));
        }
        let next = match action {
            Action::Accept { .. } | Action::Reject { .. } => c.vote(scn, actor, action),
            _ => rule.to,
        };
        c.state = next;
        Ok(next)
    }

    /// A new corridor, or a new version of one on the table (its votes
    /// start again).
    fn propose(&mut self, id: &str, version: &String) -> Result<State, Refused> {
        match self.corridors.get_mut(id) {
            Some(c) if c.state.is_final() => {
                return Err(Refused(format!(
                    "corridor `{id}` is {}: propose a new one",
                    c.state.name()
                )))
            }
            Some(c) if &c.version == version => {
                return Err(Refused(format!(
                    "this version of `{id}` is already on the table"
                )))
            }
            Some(c) => {
                c.version = version.clone();
                c.versions += 1;
                c.state = State::Proposed;
                c.accepted.clear();
                c.rejected.clear();
            }
            None => {
                self.corridors.insert(
                    id.to_string(),
                    Corridor {
                        id: id.to_string(),
                        version: version.clone(),
                        versions: 1,
                        state: State::Proposed,
                        accepted: BTreeSet::new(),
                        rejected: BTreeMap::new(),
                    },
                );
            }
        }
        Ok(State::Proposed)
    }
}

impl Corridor {
    /// Records `actor`'s acceptance or rejection of the current version;
    /// the corridor is agreed once every belligerent has accepted it.
    fn vote(&mut self, scn: &Scenario, actor: &str, action: &Action) -> State {
        if let Action::Reject { reason, .. } = action {
            self.accepted.remove(actor);
            self.rejected.insert(actor.to_string(), reason.clone());
        } else {
            self.rejected.remove(actor);
            self.accepted.insert(actor.to_string());
        }
        let all = scn
            .parties
            .iter()
            .filter(|p| p.role == Role::Belligerent)
            .all(|p| self.accepted.contains(&p.id));
        if all {
            State::Agreed
        } else {
            State::Proposed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Constraints, NoGraph, Party, Status};

    fn scn() -> Scenario {
        let party = |id: &str, role: Role, seed: u8| Party {
            id: id.into(),
            name: id.into(),
            role,
            key: ed25519_dalek::SigningKey::from_bytes(&[seed; 32]).verifying_key(),
            constraints: Constraints::default(),
        };
        Scenario {
            name: "t".into(),
            status: Status::Test,
            tz: chrono_tz::UTC,
            map: None,
            no_graph: NoGraph {
                detour_factor: 1.3,
                speed_kmh: 40.0,
            },
            transit_tolerance_m: 25.0,
            max_snap_m: 300.0,
            convoy_checks: Default::default(),
            territories: vec![],
            parties: vec![
                party("a", Role::Belligerent, 1),
                party("b", Role::Belligerent, 2),
                party("m", Role::Mediator, 3),
                party("o", Role::Observer, 4),
            ],
            origins: vec![],
            destinations: vec![],
            hazards: Default::default(),
            proposals: vec![],
            gazetteer: Default::default(),
            warnings: Vec::new(),
        }
    }

    fn v(s: &str) -> String {
        s.to_string()
    }

    #[test]
    fn only_allowed_transitions_by_allowed_roles() {
        let s = scn();
        let mut b = Book::default();
        let p = |version: &str| Action::Propose {
            version: v(version),
        };
        let acc = |version: &str| Action::Accept {
            version: v(version),
        };
        assert!(
            b.apply(&s, "o", "c", &p("v1")).is_err(),
            "an observer cannot propose"
        );
        assert!(b.apply(&s, "x", "c", &p("v1")).is_err(), "not a party");
        assert_eq!(b.apply(&s, "a", "c", &p("v1")), Ok(State::Proposed));
        assert_eq!(b.apply(&s, "a", "c", &acc("v1")), Ok(State::Proposed));
        assert!(b.apply(&s, "b", "c", &acc("v0")).is_err(), "stale version");
        assert!(b
            .apply(&s, "m", "c", &Action::Countersign { version: v("v1") })
            .is_err());
        assert_eq!(b.apply(&s, "b", "c", &acc("v1")), Ok(State::Agreed));
        // A new version resets every acceptance.
        assert_eq!(b.apply(&s, "b", "c", &p("v2")), Ok(State::Proposed));
        assert!(b.corridors["c"].accepted.is_empty());
        assert_eq!(b.corridors["c"].versions, 2);
        b.apply(&s, "a", "c", &acc("v2")).unwrap();
        // A rejection after acceptance takes the acceptance back.
        b.apply(
            &s,
            "b",
            "c",
            &Action::Reject {
                version: v("v2"),
                reason: v("too long"),
            },
        )
        .unwrap();
        assert_eq!(b.apply(&s, "b", "c", &acc("v2")), Ok(State::Agreed));
        assert!(
            b.apply(&s, "a", "c", &Action::Countersign { version: v("v2") })
                .is_err(),
            "not the mediator"
        );
        assert_eq!(
            b.apply(&s, "m", "c", &Action::Countersign { version: v("v2") }),
            Ok(State::Countersigned)
        );
        assert!(
            b.apply(&s, "a", "c", &Action::Open).is_err(),
            "a belligerent does not open"
        );
        assert_eq!(b.apply(&s, "m", "c", &Action::Open), Ok(State::Open));
        assert_eq!(
            b.apply(
                &s,
                "a",
                "c",
                &Action::Suspend {
                    reason: v("shelling")
                }
            ),
            Ok(State::Suspended)
        );
        // Suspended, it may change.
        let mut changed = b.clone();
        assert_eq!(changed.apply(&s, "a", "c", &p("v3")), Ok(State::Proposed));
        assert!(
            b.apply(&s, "m", "c", &Action::Complete).is_err(),
            "complete needs it open"
        );
        assert_eq!(
            b.apply(&s, "b", "c", &Action::Cancel { reason: v("no") }),
            Ok(State::Cancelled)
        );
        assert!(
            b.apply(&s, "m", "c", &Action::Reopen).is_err(),
            "cancelled is final"
        );
        assert!(
            b.apply(&s, "a", "c", &p("v4")).is_err(),
            "a final corridor takes no new version"
        );
    }
}
