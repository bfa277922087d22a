//! Every kind of log entry as a Rust type, and its one encoding.
//!
//! A log line carries `kind` (a name) and `body` (JSON). [`Body::decode`]
//! is the only place that turns them into a typed entry, and
//! [`Body::encode`] the only place that turns a typed entry back into them.
//!
//! **Schema versions.** Entries written since the ledger became typed carry
//! `"v": 2` in their body and must be exactly the encoding of what they
//! decode to (a body with an unknown field, a missing field or a value of
//! the wrong type is refused by name). Entries without `v` are schema 1,
//! written before: they are read leniently (unknown optional fields, `null`
//! for absent times) so that every log written then still verifies and
//! replays, and the rules added with schema 2 (hazard ownership, no opening
//! after the last safe departure) apply only to schema 2 entries and later.
//! Schema 3 has schema 2's encoding (`"v": 3`); the rules added with it
//! ([`crate::Ledger::check_new`]: no new version of an open corridor, no
//! hazard starting long after its report) apply to schema 3 entries when a
//! log is replayed, as when they are written. A log's schema never goes
//! down: an entry of an older schema after a newer one is refused, so that
//! nobody escapes the newer rules by writing the older form.

use corridor_hazards::{Effect, Hazard, HazardKind, Part, Validity};
use corridor_negotiation::plan::ProposalContent;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The schema version written by this build.
pub const SCHEMA: u64 = 3;

/// The first schema with the typed, canonical encoding (and its rules).
pub const TYPED: u64 = 2;

/// A new proposal, or a new version of one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Propose {
    /// Corridor id.
    pub proposal: String,
    /// Content hash of `content` (what the parties accept by name).
    pub version: String,
    /// What is proposed: places, window, route.
    pub content: ProposalContent,
    /// The corridor this one answers (a counter-proposal), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<String>,
}

/// A rule broken, as recorded with a verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Broken {
    /// Stable code (`corridor_negotiation::evaluate` lists them).
    pub code: String,
    /// Plain words.
    pub message: String,
}

/// A party's mechanical verdict on the version it answers, recorded with its
/// acceptance or rejection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerdictRecord {
    /// `accept` or `reject`: what the party's rules say.
    pub verdict: String,
    /// Every rule broken.
    pub violations: Vec<Broken>,
}

/// Acceptance, rejection or countersignature of one version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnVersion {
    /// Corridor id.
    pub proposal: String,
    /// The version answered.
    pub version: String,
    /// Why (rejections).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The party's verdict by its rules (acceptances and rejections).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<VerdictRecord>,
}

/// A status change of a corridor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnCorridor {
    /// Corridor id.
    pub proposal: String,
    /// Why (suspensions, cancellations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A hazard reported: a point with a radius, valid for an interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HazardReport {
    /// Identifier, unique in the log and the scenario.
    pub id: String,
    /// Kind (`corridor_hazards::HazardKind` names).
    pub kind: String,
    /// Where, `[lat, lon]` in degrees.
    pub at: [f64; 2],
    /// Radius in metres.
    pub radius_m: f64,
    /// Valid from (RFC 3339 with offset), if not at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// Valid until, if not until lifted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// Who reported it and what they said.
    pub source: String,
}

impl HazardReport {
    /// The hazard for routing and publishing.
    pub fn to_hazard(&self) -> Hazard {
        let time = |t: &Option<String>, none: i64| {
            t.as_deref()
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                .map_or(none, |t| t.timestamp_millis())
        };
        Hazard {
            id: self.id.clone(),
            kind: HazardKind::parse(&self.kind).unwrap_or(HazardKind::Other),
            parts: vec![Part::Point((self.at[1], self.at[0]))],
            buffer_m: self.radius_m.max(1.0),
            validity: Validity {
                from_ms: time(&self.valid_from, i64::MIN),
                until_ms: time(&self.valid_until, i64::MAX),
            },
            effect: Effect::Block,
            source: self.source.clone(),
        }
    }
}

/// A hazard entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HazardEntry {
    /// The report.
    pub hazard: HazardReport,
}

/// A hazard lifted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lift {
    /// The hazard's id.
    pub hazard: String,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The exercise clock: every time of an exercise scenario (windows, hazard
/// validity) moved by whole days, so that an exercise written for a past
/// date can be played today. Only in exercise and test scenarios, only by
/// the mediator, only as the log's first entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clock {
    /// Days added to every time of the scenario.
    pub shift_days: i64,
}

/// A typed log entry body.
// Proposals are the largest and among the commonest entries; a box would
// only move them elsewhere on the heap.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// A proposal or a new version.
    Propose(Propose),
    /// A party accepts the version on the table.
    Accept(OnVersion),
    /// A party rejects it.
    Reject(OnVersion),
    /// The mediator countersigns the agreed version.
    Countersign(OnVersion),
    /// Opened.
    Open(OnCorridor),
    /// Suspended.
    Suspend(OnCorridor),
    /// Opened again after a suspension.
    Reopen(OnCorridor),
    /// Closed by decision.
    Close(OnCorridor),
    /// Completed as planned.
    Complete(OnCorridor),
    /// Called off.
    Cancel(OnCorridor),
    /// A hazard reported.
    Hazard(HazardEntry),
    /// A hazard lifted.
    Lift(Lift),
    /// The exercise clock.
    Clock(Clock),
    /// A convoy movement notified (its commitment only).
    Notify(crate::convoy::Notify),
    /// A belligerent acknowledges a notified movement.
    Acknowledge(crate::convoy::Notify),
    /// A movement over: its details revealed, what happened on the road.
    Movement(crate::convoy::Movement),
}

/// Why a body cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// No such entry kind.
    #[error("`{0}` is not an entry kind")]
    UnknownKind(String),
    /// A schema this build does not know.
    #[error("entry schema version {0} is not known to this build (it reads 1 to 3)")]
    UnknownSchema(String),
    /// Fields missing, unknown or of the wrong type.
    #[error("{kind} entry: {message}")]
    Shape {
        /// The kind.
        kind: String,
        /// serde's words.
        message: String,
    },
    /// A schema 2 body that is not exactly the encoding of what it says.
    #[error("{0} entry is not in its canonical encoding")]
    NotCanonical(String),
}

/// Every kind: the lifecycle's verbs first, in the order of `Verb::ALL`.
pub const KINDS: [&str; 16] = [
    "propose",
    "accept",
    "reject",
    "countersign",
    "open",
    "suspend",
    "reopen",
    "close",
    "complete",
    "cancel",
    "hazard",
    "lift",
    "clock",
    "notify",
    "acknowledge",
    "movement",
];

fn shape<T: DeserializeOwned>(kind: &str, v: Value) -> Result<T, BodyError> {
    serde_json::from_value(v).map_err(|e| BodyError::Shape {
        kind: kind.to_string(),
        message: e.to_string(),
    })
}

fn plain<T: Serialize>(t: &T) -> Value {
    serde_json::to_value(t).expect("plain data always serializes")
}

impl Body {
    /// The kind written in the log.
    pub fn kind(&self) -> &'static str {
        match self {
            Body::Propose(_) => "propose",
            Body::Accept(_) => "accept",
            Body::Reject(_) => "reject",
            Body::Countersign(_) => "countersign",
            Body::Open(_) => "open",
            Body::Suspend(_) => "suspend",
            Body::Reopen(_) => "reopen",
            Body::Close(_) => "close",
            Body::Complete(_) => "complete",
            Body::Cancel(_) => "cancel",
            Body::Hazard(_) => "hazard",
            Body::Lift(_) => "lift",
            Body::Clock(_) => "clock",
            Body::Notify(_) => "notify",
            Body::Acknowledge(_) => "acknowledge",
            Body::Movement(_) => "movement",
        }
    }

    /// The corridor this entry is about, if any.
    pub fn corridor(&self) -> Option<&str> {
        match self {
            Body::Propose(p) => Some(&p.proposal),
            Body::Accept(v) | Body::Reject(v) | Body::Countersign(v) => Some(&v.proposal),
            Body::Open(c)
            | Body::Suspend(c)
            | Body::Reopen(c)
            | Body::Close(c)
            | Body::Complete(c)
            | Body::Cancel(c) => Some(&c.proposal),
            Body::Hazard(_)
            | Body::Lift(_)
            | Body::Clock(_)
            | Body::Notify(_)
            | Body::Acknowledge(_)
            | Body::Movement(_) => None,
        }
    }

    /// The body as written by this build (schema [`SCHEMA`]).
    pub fn encode(&self) -> Value {
        self.encode_as(SCHEMA)
    }

    /// The body in the typed encoding of schema `schema` (2 or later).
    fn encode_as(&self, schema: u64) -> Value {
        let mut v = match self {
            Body::Propose(p) => plain(p),
            Body::Accept(x) | Body::Reject(x) | Body::Countersign(x) => plain(x),
            Body::Open(c)
            | Body::Suspend(c)
            | Body::Reopen(c)
            | Body::Close(c)
            | Body::Complete(c)
            | Body::Cancel(c) => plain(c),
            Body::Hazard(h) => plain(h),
            Body::Lift(l) => plain(l),
            Body::Clock(c) => plain(c),
            Body::Notify(n) | Body::Acknowledge(n) => plain(n),
            Body::Movement(m) => plain(m),
        };
        if let Value::Object(m) = &mut v {
            m.insert("v".into(), schema.into());
        }
        v
    }

    /// Reads an entry's kind and body; returns the body and its schema
    /// version (1 to [`SCHEMA`]).
    pub fn decode(kind: &str, body: &Value) -> Result<(Body, u64), BodyError> {
        let mut m: Map<String, Value> = match body {
            Value::Object(m) => m.clone(),
            _ => {
                return Err(BodyError::Shape {
                    kind: kind.to_string(),
                    message: "the body is not a JSON object".into(),
                })
            }
        };
        let schema = match m.remove("v") {
            None => 1,
            Some(Value::Number(n)) if n.as_u64().is_some_and(|x| (TYPED..=SCHEMA).contains(&x)) => {
                n.as_u64().unwrap_or(SCHEMA)
            }
            Some(other) => return Err(BodyError::UnknownSchema(other.to_string())),
        };
        let v = Value::Object(m);
        let b = match kind {
            "propose" => Body::Propose(shape(kind, v)?),
            "accept" => Body::Accept(shape(kind, v)?),
            "reject" => Body::Reject(shape(kind, v)?),
            "countersign" => Body::Countersign(shape(kind, v)?),
            "open" => Body::Open(shape(kind, v)?),
            "suspend" => Body::Suspend(shape(kind, v)?),
            "reopen" => Body::Reopen(shape(kind, v)?),
            "close" => Body::Close(shape(kind, v)?),
            "complete" => Body::Complete(shape(kind, v)?),
            "cancel" => Body::Cancel(shape(kind, v)?),
            "hazard" => Body::Hazard(shape(kind, v)?),
            "lift" => Body::Lift(shape(kind, v)?),
            "clock" if schema >= TYPED => Body::Clock(shape(kind, v)?),
            "notify" if schema >= TYPED => Body::Notify(shape(kind, v)?),
            "acknowledge" if schema >= TYPED => Body::Acknowledge(shape(kind, v)?),
            "movement" if schema >= TYPED => Body::Movement(shape(kind, v)?),
            other => return Err(BodyError::UnknownKind(other.to_string())),
        };
        if schema >= TYPED && b.encode_as(schema) != *body {
            return Err(BodyError::NotCanonical(kind.to_string()));
        }
        Ok((b, schema))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_schemas_round_trip_and_refuse_anything_else() {
        let b = Body::Suspend(OnCorridor {
            proposal: "c".into(),
            reason: Some("shelling".into()),
        });
        let v = b.encode();
        assert_eq!(v, json!({"proposal": "c", "reason": "shelling", "v": 3}));
        assert_eq!(Body::decode("suspend", &v), Ok((b.clone(), 3)));
        // Schema 2, written before: the same encoding but for `v`.
        let v2 = json!({"proposal": "c", "reason": "shelling", "v": 2});
        assert_eq!(Body::decode("suspend", &v2), Ok((b, 2)));
        // A field the type does not have.
        let mut extra = v.clone();
        extra["note"] = json!("x");
        assert!(matches!(
            Body::decode("suspend", &extra),
            Err(BodyError::Shape { .. })
        ));
        // A schema 2 body with an explicit null where the encoding omits it.
        let with_null = json!({"proposal": "c", "reason": null, "v": 2});
        assert_eq!(
            Body::decode("suspend", &with_null),
            Err(BodyError::NotCanonical("suspend".into()))
        );
        for v in [json!(4), json!(0), json!("3"), json!(2.5)] {
            assert!(matches!(
                Body::decode("suspend", &json!({"proposal": "c", "v": v})),
                Err(BodyError::UnknownSchema(_))
            ));
        }
        assert!(matches!(
            Body::decode("teleport", &json!({"proposal": "c"})),
            Err(BodyError::UnknownKind(_))
        ));
        // The clock exists only in the typed schemas.
        assert!(Body::decode("clock", &json!({"shift_days": 3})).is_err());
    }

    #[test]
    fn schema_1_bodies_are_read_leniently() {
        // As the server wrote hazards before: explicit nulls.
        let v = json!({"hazard": {"at": [49.4, 8.69], "id": "mines-south-5", "kind": "mines",
            "radius_m": 100.0, "source": "south: reported mines", "valid_from": null, "valid_until": null}});
        let (b, schema) = Body::decode("hazard", &v).unwrap();
        assert_eq!(schema, 1);
        let Body::Hazard(h) = b else { panic!() };
        assert_eq!(h.hazard.valid_from, None);
        assert_eq!(h.hazard.to_hazard().validity.until_ms, i64::MAX);
    }

    #[test]
    fn every_kind_encodes_under_its_name() {
        for k in KINDS {
            let body = match k {
                "propose" => continue,
                "accept" | "reject" | "countersign" => json!({"proposal": "c", "version": "ab"}),
                "hazard" => {
                    json!({"hazard": {"id": "h", "kind": "mines", "at": [1.0, 2.0], "radius_m": 5.0, "source": "x"}})
                }
                "lift" => json!({"hazard": "h"}),
                "clock" => json!({"shift_days": 1}),
                "notify" | "acknowledge" => json!({"convoy": "k", "commitment": "ab"}),
                "movement" => {
                    json!({"convoy": "k", "outcome": "arrived", "salt": "00", "people": 3,
                    "events": [], "details": {"corridor": "c", "people": 3, "departure": "2022-03-08T09:00:00+02:00",
                    "vehicles": {"count": 1, "seats": 4, "markings": "white"}}})
                }
                _ => json!({"proposal": "c"}),
            };
            let mut b2 = body.clone();
            b2["v"] = json!(SCHEMA);
            let (b, _) = Body::decode(k, &b2).unwrap_or_else(|e| panic!("{k}: {e}"));
            assert_eq!(b.kind(), k);
            assert_eq!(b.encode(), b2);
        }
    }
}
