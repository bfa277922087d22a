//! The status changes the public must hear about, read from the public log.

use chrono::{DateTime, FixedOffset, SecondsFormat};
use corridor_log::Log;
use corridor_negotiation::Scenario;
use serde_json::Value;
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
    /// The proposal's canonical content (route, window, places) for that
    /// version, as logged with the proposal.
    pub content: Value,
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
pub fn events(_scn: &Scenario, log: &Log) -> Vec<Event> {
    #[derive(Default)]
    struct C {
        content: BTreeMap<String, Value>,
        version: String,
        opened_version: Option<String>,
    }
    let mut cs: BTreeMap<String, C> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, r) in log.records().iter().enumerate() {
        let e = &r.entry;
        let Some(id) = e.body.get("proposal").and_then(Value::as_str) else {
            continue;
        };
        let c = cs.entry(id.to_string()).or_default();
        if e.kind == "propose" {
            if let (Some(v), Some(content)) = (
                e.body.get("version").and_then(Value::as_str),
                e.body.get("content"),
            ) {
                c.version = v.to_string();
                c.content.insert(v.to_string(), content.clone());
            }
            continue;
        }
        let kind = match e.kind.as_str() {
            "open" => match &c.opened_version {
                Some(v) if *v != c.version => Kind::Changed,
                Some(_) => Kind::Reopened,
                None => Kind::Opened,
            },
            "suspend" => Kind::Suspended,
            "reopen" => Kind::Reopened,
            "close" | "complete" => Kind::Closed,
            "cancel" if c.opened_version.is_some() => Kind::Cancelled,
            _ => continue,
        };
        if kind.open() {
            c.opened_version = Some(c.version.clone());
        }
        let Ok(time) = DateTime::parse_from_rfc3339(&e.time) else {
            continue;
        };
        out.push(Event {
            corridor: id.to_string(),
            kind,
            seq: e.seq,
            time,
            actor: e.actor.clone(),
            version: c.version.clone(),
            entry_hash: log
                .leaf(i)
                .map(|h| corridor_log::hex(&h))
                .unwrap_or_default(),
            content: c.content.get(&c.version).cloned().unwrap_or(Value::Null),
        });
    }
    out
}
