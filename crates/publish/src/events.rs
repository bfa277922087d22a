//! The status changes the public must hear about, read from the ledger.

use chrono::{DateTime, FixedOffset, SecondsFormat};
use corridor_ledger::{Body, Ledger};
use corridor_negotiation::plan::ProposalContent;
use std::collections::BTreeMap;

/// What happened to a corridor, as announced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Opened for the first time.
    Opened,
    /// Opened again with a new version (route or window changed).
    Changed,
    /// Suspended.
    Suspended,
    /// Open again after a suspension.
    Reopened,
    /// Closed or completed.
    Closed,
    /// Cancelled after it had been announced.
    Cancelled,
}

impl Kind {
    /// The selector used in the message templates.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Opened => "opened",
            Kind::Changed => "changed",
            Kind::Suspended => "suspended",
            Kind::Reopened => "reopened",
            Kind::Closed => "closed",
            Kind::Cancelled => "cancelled",
        }
    }

    /// Whether the corridor may be used after this event.
    pub fn open(self) -> bool {
        matches!(self, Kind::Opened | Kind::Changed | Kind::Reopened)
    }
}

/// One announced status change.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Corridor (proposal) id.
    pub corridor: String,
    /// What happened.
    pub kind: Kind,
    /// Log entry number.
    pub seq: u64,
    /// When, as logged.
    pub time: DateTime<FixedOffset>,
    /// Party that acted.
    pub actor: String,
    /// Version hash of the corridor.
    pub version: String,
    /// Leaf hash (hex) of the log entry announced.
    pub entry_hash: String,
    /// Why, where the entry says (suspensions, closures, cancellations).
    pub reason: Option<String>,
    /// The proposal's canonical content (route, window, places) for that
    /// version, as logged with the proposal.
    pub content: ProposalContent,
}

impl Event {
    /// `sent` in CAP's form: seconds, an explicit `+hh:mm` offset, never `Z`.
    pub fn sent(&self) -> String {
        cap_time(self.time)
    }
}

/// A time in CAP's form.
pub fn cap_time(t: DateTime<FixedOffset>) -> String {
    let s = t.to_rfc3339_opts(SecondsFormat::Secs, false);
    match s.strip_suffix('Z') {
        Some(x) => format!("{x}+00:00"),
        None => s,
    }
}

/// Every announced status change, in log order. A corridor is announced
/// from its first opening on; what happens before (proposals, verdicts) is
/// in the log, not on the air.
pub fn events(ledger: &Ledger) -> Vec<Event> {
    #[derive(Default)]
    struct C {
        version: String,
        opened_version: Option<String>,
    }
    let mut cs: BTreeMap<&str, C> = BTreeMap::new();
    let mut out = Vec::new();
    for e in ledger.entries() {
        let Some(id) = e.body.corridor() else {
            continue;
        };
        let c = cs.entry(id).or_default();
        let kind = match &e.body {
            Body::Propose(p) => {
                c.version = p.version.clone();
                continue;
            }
            Body::Open(_) => match &c.opened_version {
                Some(v) if *v != c.version => Kind::Changed,
                Some(_) => Kind::Reopened,
                None => Kind::Opened,
            },
            Body::Suspend(_) => Kind::Suspended,
            Body::Reopen(_) => Kind::Reopened,
            Body::Close(_) | Body::Complete(_) => Kind::Closed,
            Body::Cancel(_) if c.opened_version.is_some() => Kind::Cancelled,
            _ => continue,
        };
        if kind.open() {
            c.opened_version = Some(c.version.clone());
        }
        let Some(content) = ledger
            .corridor(id)
            .and_then(|x| x.contents.get(&c.version))
            .cloned()
        else {
            continue;
        };
        out.push(Event {
            corridor: id.to_string(),
            kind,
            seq: e.seq,
            time: e.time,
            actor: e.actor.clone(),
            version: c.version.clone(),
            entry_hash: e.leaf.clone(),
            reason: match &e.body {
                Body::Suspend(x) | Body::Cancel(x) | Body::Close(x) => x.reason.clone(),
                _ => None,
            },
            content,
        });
    }
    out
}
