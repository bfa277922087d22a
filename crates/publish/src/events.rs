//! The status changes the public must hear about, read from the ledger.

use chrono::{DateTime, FixedOffset, SecondsFormat};
use corridor_hazards::{segment_meets_part, Hazard, HazardKind};
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
    /// The kind of the hazard the reason names (a hazard reported in the
    /// log before, or one of the scenario's), as the server writes when an
    /// incident suspends a corridor: what the alert gives as the cause in
    /// each language.
    pub cause: Option<HazardKind>,
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

/// A time in CAP's form. An offset beyond ±14:00, which RFC 3339 allows
/// and xs:dateTime does not, is written as UTC.
pub fn cap_time(t: DateTime<FixedOffset>) -> String {
    let t = if t.offset().local_minus_utc().abs() > 14 * 3600 {
        t.with_timezone(&FixedOffset::east_opt(0).unwrap_or(*t.offset()))
    } else {
        t
    };
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
    // Hazards in force by id, to name the cause of a suspension.
    // The scenario's own, on the exercise clock (as the windows are).
    let mut hazards: BTreeMap<String, Hazard> = ledger
        .base_on_clock()
        .hazards
        .hazards
        .iter()
        .map(|h| (h.id.clone(), h.clone()))
        .collect();
    for e in ledger.entries() {
        match &e.body {
            Body::Hazard(h) => {
                hazards.insert(h.hazard.id.clone(), h.hazard.to_hazard());
            }
            Body::Lift(l) => {
                hazards.remove(&l.hazard);
            }
            _ => {}
        }
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
        // The public heard of the version last opened: a suspension,
        // closure or cancellation is of that one, whatever version has
        // been proposed since (a cancelled counter-proposal was never
        // announced).
        let version = match (&c.opened_version, kind.open()) {
            (Some(v), false) => v.clone(),
            _ => c.version.clone(),
        };
        let Some(content) = ledger
            .corridor(id)
            .and_then(|x| x.contents.get(&version))
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
            entry_hash: e.leaf.clone(),
            reason: match &e.body {
                Body::Suspend(x) | Body::Cancel(x) | Body::Close(x) => x.reason.clone(),
                _ => None,
            },
            cause: match &e.body {
                Body::Suspend(x) | Body::Cancel(x) | Body::Close(x) => x
                    .reason
                    .as_deref()
                    .and_then(|r| cause(r, &hazards, &content, e.time)),
                _ => None,
            },
            version,
            content,
        });
    }
    out
}

/// The kind of the hazard whose id the reason names as a word (ids are
/// letters, digits, `-`, `_` and `.`; the longest id wins), if that hazard
/// is a fact about the corridor: in force now (`hazards`: reported and not
/// lifted), at some time of its window from the entry `at` on, and within
/// [`CAUSE_NEAR_M`] of its route. A party's reason is its own words and is never broadcast; naming
/// a hazard far away, lifted or of another day does not make it the cause
/// the public hears.
fn cause(
    reason: &str,
    hazards: &BTreeMap<String, Hazard>,
    content: &ProposalContent,
    at: DateTime<FixedOffset>,
) -> Option<HazardKind> {
    let line = content.line();
    // From the entry (or the window's opening, if later) to the window's
    // end: a hazard over before the suspension is not its cause.
    let window = content.window().map(|(a, b)| {
        (
            a.timestamp_millis().max(at.timestamp_millis()),
            b.timestamp_millis(),
        )
    });
    reason
        .split(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .map(|w| w.trim_end_matches('.'))
        .filter_map(|w| hazards.get(w))
        .filter(|h| window.is_none_or(|(a, b)| h.validity.overlaps(a, b)))
        .filter(|h| {
            let near = |a, b| {
                h.parts
                    .iter()
                    .any(|p| segment_meets_part(a, b, p, h.buffer_m + CAUSE_NEAR_M))
            };
            match line.as_slice() {
                [p] => near(*p, *p),
                _ => line.windows(2).any(|w| near(w[0], w[1])),
            }
        })
        .max_by_key(|h| h.id.len())
        .map(|h| h.kind)
}

/// How near a corridor's route a hazard must be (beyond its buffer) to be
/// given as the cause of a suspension: the corridor's half-width on the
/// alert's map.
pub const CAUSE_NEAR_M: f64 = crate::cap::CORRIDOR_HALF_WIDTH_M;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_times_have_an_offset_xs_datetime_accepts() {
        let t = |s| cap_time(DateTime::parse_from_rfc3339(s).unwrap());
        assert_eq!(t("2022-03-08T09:00:00Z"), "2022-03-08T09:00:00+00:00");
        assert_eq!(
            t("2022-03-08T09:00:00.5+02:00"),
            "2022-03-08T09:00:00+02:00"
        );
        assert_eq!(t("2022-03-08T09:00:00+14:00"), "2022-03-08T09:00:00+14:00");
        assert_eq!(t("2022-03-08T09:00:00+23:59"), "2022-03-07T09:01:00+00:00");
        assert_eq!(t("2022-03-08T09:00:00-14:01"), "2022-03-08T23:01:00+00:00");
    }
}
