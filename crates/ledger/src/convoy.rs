//! Convoy movements in the public log: committed before, revealed after.
//!
//! A movement notification names the corridor, the vehicles and their
//! markings, the people carried and the planned departure: published while
//! the convoy is still to leave or on the road, it would tell anyone where
//! and when to find it. So the public log holds, while it matters, only a
//! **commitment**: `notify` (by the party that notifies) and one
//! `acknowledge` per belligerent carry the convoy's random id and the
//! SHA-256 of its details with a secret salt, nothing else; the details
//! stay with the parties. When the movement is over, the `movement` entry
//! **reveals** the details and the salt (anyone can check them against the
//! commitment every party acknowledged), when it departed, how many people
//! it carried, and the events raised on the road, each with a position
//! rounded to 0.01° (about a kilometre). Live positions never enter the
//! log.
//!
//! The ledger holds the rules: only a party that is not an observer
//! notifies; only belligerents acknowledge, once each, the commitment
//! notified; the movement is recorded by the notifier or the mediator, its
//! revealed details match the commitment, name a corridor of the log, and
//! a departure, if any, is not earlier than every belligerent's
//! acknowledgement.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The vehicles of a movement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vehicles {
    /// How many.
    pub count: u32,
    /// Seats in all.
    pub seats: u32,
    /// Markings (emblem, colours, plates), as the parties' forces will see them.
    pub markings: String,
}

/// What is notified: the details every belligerent acknowledges.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Details {
    /// The corridor travelled.
    pub corridor: String,
    /// The vehicles.
    pub vehicles: Vehicles,
    /// People carried (planned).
    pub people: u32,
    /// Planned departure, RFC 3339 with offset.
    pub departure: String,
}

impl Details {
    /// The commitment to these details with `salt` (hex): SHA-256 (hex) of
    /// a domain tag, the salt and the details' canonical JSON.
    pub fn commitment(&self, salt: &str) -> String {
        let v = serde_json::to_value(self).expect("plain data always serializes");
        let mut h = Sha256::new();
        h.update(b"corridor convoy details v1\n");
        h.update(salt.as_bytes());
        h.update(b"\n");
        h.update(corridor_log::canonical(&v));
        corridor_log::hex(&h.finalize())
    }
}

/// A movement notified (the commitment only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    /// The convoy's id (random: it says nothing of the corridor).
    pub convoy: String,
    /// [`Details::commitment`].
    pub commitment: String,
}

/// One event raised or cleared on the road, as the log keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoadEvent {
    /// `off_route`, `stopped`, `late`, `in_hazard`, `arrived`.
    pub kind: String,
    /// Raised (else cleared).
    pub raised: bool,
    /// When, RFC 3339 with offset.
    pub time: String,
    /// Where, `[lat, lon]` rounded to 0.01°.
    pub at: [f64; 2],
}

/// A movement over: what was notified, revealed, and what happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Movement {
    /// The convoy.
    pub convoy: String,
    /// `arrived` or `called_off`.
    pub outcome: String,
    /// The notified details.
    pub details: Details,
    /// The salt of the commitment (hex).
    pub salt: String,
    /// When it departed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departed: Option<String>,
    /// People it carried to safety.
    pub people: u32,
    /// Events on the road, in order.
    pub events: Vec<RoadEvent>,
}

/// Outcomes of a movement.
pub const OUTCOMES: [&str; 2] = ["arrived", "called_off"];

/// Most events a movement entry records.
pub const MAX_EVENTS: usize = 200;

/// Whether `x` is rounded to 0.01 (as [`corridor_negotiation::convoy::coarse`] rounds).
pub fn is_coarse(x: f64) -> bool {
    x.is_finite() && ((x * 100.0).round() / 100.0 - x).abs() < 1e-9
}

/// A convoy as the log tells it.
#[derive(Clone, Debug, PartialEq)]
pub struct Convoy {
    /// Who notified it.
    pub notifier: String,
    /// The commitment.
    pub commitment: String,
    /// Entry number of the notification.
    pub seq: u64,
    /// Acknowledgements: party → entry time.
    pub acks: std::collections::BTreeMap<String, chrono::DateTime<chrono::FixedOffset>>,
    /// The movement entry, once over.
    pub movement: Option<Movement>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commitment_binds_every_detail_and_the_salt() {
        let d = Details {
            corridor: "c".into(),
            vehicles: Vehicles {
                count: 3,
                seats: 150,
                markings: "white, red cross".into(),
            },
            people: 120,
            departure: "2022-03-08T09:00:00+02:00".into(),
        };
        let c = d.commitment("00ff");
        assert_eq!(c.len(), 64);
        assert_eq!(c, d.commitment("00ff"));
        assert_ne!(c, d.commitment("00fe"));
        let mut e = d.clone();
        e.people = 121;
        assert_ne!(c, e.commitment("00ff"));
        assert!(is_coarse(50.91) && !is_coarse(50.9174));
    }
}
