//! The ledger: what the public log says, typed, and the one fold over it.
//!
//! The log crate (`corridor-log`) knows lines, hashes and signatures, and
//! nothing of what an entry means. This crate owns the meaning:
//!
//! * [`entry`]: every entry kind as a Rust type ([`Body`]), its one
//!   encoding and its schema version. No other code reads an entry body by
//!   name.
//! * [`convoy`]: convoy movements, committed when notified and revealed
//!   when over (no live position ever enters the log).
//! * [`state`]: [`Ledger`], the fold scenario + entries → corridors with
//!   their state, the version on the table and its content, each party's
//!   answer and verdict, hazards in force with their owners, and the
//!   scenario in force. Every rule an entry must obey (time never going
//!   backwards, the lifecycle, windows, hazard ownership) is checked here,
//!   before an entry is signed and appended, and again on every replay.
//!
//! The CLI (`act`, `publish`, `log verify`), the server (which keeps one
//! `Ledger` and applies each new entry to it) and publishing all read the
//! same `Ledger`, so the same log always gives the same state and the same
//! public files, whoever reads it.
//!
//! **Architecture invariant:** no IO, no clock: callers pass the log, the
//! time of an entry and the key that signs it.
#![deny(missing_docs)]

pub mod convoy;
pub mod entry;
pub mod state;

pub use entry::{
    Body, BodyError, HazardReport, OnCorridor, OnVersion, Propose, VerdictRecord, SCHEMA,
};
pub use state::{plausible_version, Corridor, Ledger, Logged, Owner, Refusal, Rule};

use corridor_negotiation::plan::ProposalContent;

/// Why `version`, given with `verb` by a client (`corridor act --version`,
/// `"version"` of `POST /api/act`), is malformed, if it is: a bad value,
/// before the ledger is asked whether it is the version on the table
/// ([`Ledger::on_version`]).
pub fn malformed_version(verb: Verb, version: &str) -> Option<&'static str> {
    if verb == Verb::Propose {
        Some("a version names the version an action is about; a proposal makes a new one")
    } else if !plausible_version(version) {
        Some("a version is the version hash, 64 lowercase hex digits (never a prefix)")
    } else {
        None
    }
}

/// What a party does to a corridor: the verbs of `corridor act` and
/// `POST /api/act`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    /// Put a version on the table.
    Propose,
    /// Accept the version on the table.
    Accept,
    /// Reject it.
    Reject,
    /// Countersign the agreed version (mediator).
    Countersign,
    /// Open it.
    Open,
    /// Suspend it.
    Suspend,
    /// Open it again.
    Reopen,
    /// Close it.
    Close,
    /// Complete it.
    Complete,
    /// Call it off.
    Cancel,
}

impl Verb {
    /// Every verb.
    pub const ALL: [Verb; 10] = [
        Verb::Propose,
        Verb::Accept,
        Verb::Reject,
        Verb::Countersign,
        Verb::Open,
        Verb::Suspend,
        Verb::Reopen,
        Verb::Close,
        Verb::Complete,
        Verb::Cancel,
    ];

    /// Every verb's name: the lifecycle's entry kinds.
    pub const NAMES: &'static [&'static str] = entry::KINDS.split_at(10).0;

    /// Its name (as in the log).
    pub fn name(self) -> &'static str {
        Verb::NAMES[Verb::ALL.iter().position(|v| *v == self).expect("listed")]
    }
}

impl std::str::FromStr for Verb {
    type Err = String;
    fn from_str(s: &str) -> Result<Verb, String> {
        Verb::NAMES
            .iter()
            .position(|n| *n == s)
            .map(|i| Verb::ALL[i])
            .ok_or_else(|| format!("`{s}` is not an action ({})", Verb::NAMES.join(", ")))
    }
}

impl std::fmt::Display for Verb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Ledger {
    /// The entry for `verb` by `actor` on corridor `id` (every verb but
    /// `propose`, whose content comes from routing: see [`propose`]).
    /// Acceptances and rejections record the party's verdict; versions are
    /// the one on the table; the reason given, if any, is recorded with
    /// every action.
    pub fn action(
        &self,
        actor: &str,
        verb: Verb,
        id: &str,
        reason: Option<String>,
    ) -> Result<Body, Refusal> {
        let on = |reason: Option<String>| OnCorridor {
            proposal: id.to_string(),
            reason: reason.filter(|r| !r.is_empty()),
        };
        Ok(match verb {
            Verb::Propose => {
                return Err(Refusal {
                    rule: Rule::Content,
                    message: "a proposal carries its content: route it first".into(),
                })
            }
            Verb::Accept => self.answer(actor, id, true, reason)?,
            Verb::Reject => self.answer(actor, id, false, reason)?,
            Verb::Countersign => {
                let c = self.corridor(id).ok_or_else(|| Refusal {
                    rule: Rule::Lifecycle,
                    message: format!("no corridor `{id}` has been proposed"),
                })?;
                Body::Countersign(OnVersion {
                    proposal: id.to_string(),
                    version: c.life.version.clone(),
                    reason: reason.filter(|r| !r.is_empty()),
                    verdict: None,
                })
            }
            // Every action records the reason given with it: none is
            // dropped unseen (an acceptance "on condition that…" is
            // evidence too).
            Verb::Open => Body::Open(on(reason)),
            Verb::Suspend => Body::Suspend(on(reason)),
            Verb::Reopen => Body::Reopen(on(reason)),
            Verb::Close => Body::Close(on(reason)),
            Verb::Complete => Body::Complete(on(reason)),
            Verb::Cancel => Body::Cancel(on(reason)),
        })
    }
}

/// The entry proposing `content` (a counter-proposal when it `answers`
/// another corridor).
pub fn propose(content: ProposalContent, answers: Option<String>) -> Body {
    Body::Propose(Propose {
        proposal: content.id.clone(),
        version: content.version(),
        content,
        answers,
    })
}
