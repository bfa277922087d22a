//! Verdicts: each party's rules checked against a proposal's route, with
//! every violated rule named by a stable code and explained in plain words.
//!
//! | code | rule |
//! |---|---|
//! | `destination_forbidden` | the destination lies outside the party's allowed destination territories |
//! | `transit_forbidden` | the route runs through a territory the party forbids (beyond the scenario's tolerance) |
//! | `hazard` | the route crosses a blocking hazard valid during the window (every party) |
//! | `window_too_short` | the trip takes longer than the window is open (every party) |
//! | `checkpoint_missing` | the route does not pass a checkpoint the party requires |
//! | `too_long` | the trip takes longer than the party accepts |
//! | `profile_forbidden` | the party does not accept this mode of travel |

use crate::plan::PlannedRoute;
use crate::scenario::{Party, ProposalSpec, Role, Scenario};
use crate::text;
use chrono::{DateTime, Duration, FixedOffset};
use corridor_geo::{point_segment_distance, LatLon, LocalFrame};
use corridor_hazards::{segment_meets_part, Effect};
use serde_json::{json, Value};

/// One broken rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    /// Stable machine code (module docs).
    pub code: &'static str,
    /// Plain words.
    pub message: String,
}

/// One party's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Party id.
    pub party: String,
    /// Its role.
    pub role: Role,
    /// Accept (no violation) or reject.
    pub accept: bool,
    /// Every violated rule.
    pub violations: Vec<Violation>,
}

/// Every party's verdict on one proposal version.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Proposal id.
    pub proposal: String,
    /// Version hash.
    pub version: String,
    /// Latest departure that arrives before the window closes (may be
    /// before the window opens, when the window is too short).
    pub last_safe_departure: DateTime<FixedOffset>,
    /// Verdicts, in the scenario's party order.
    pub verdicts: Vec<Verdict>,
}

impl Evaluation {
    /// Whether every belligerent accepts.
    pub fn agreed(&self) -> bool {
        self.verdicts
            .iter()
            .filter(|v| v.role == Role::Belligerent)
            .all(|v| v.accept)
    }
}

/// Shortest distance in metres from `p` to the polyline.
pub fn distance_to_line(p: LatLon, line: &[LatLon]) -> f64 {
    let f = LocalFrame::new(p);
    match line {
        [] => f64::INFINITY,
        [a] => corridor_geo::haversine_m(p, *a),
        _ => line
            .windows(2)
            .map(|w| point_segment_distance((0.0, 0.0), f.project(w[0]), f.project(w[1])).0)
            .fold(f64::INFINITY, f64::min),
    }
}

fn names(scn: &Scenario, ids: &[String]) -> String {
    ids.iter()
        .map(|id| scn.territory(id).map_or(id.clone(), |t| t.name.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Violations of the rules every party holds: hazards and the window.
fn common(scn: &Scenario, spec: &ProposalSpec, route: &PlannedRoute) -> Vec<Violation> {
    let mut out = Vec::new();
    let (start, end) = (spec.window.start, spec.window.end);
    for h in &scn.hazards.hazards {
        if h.effect != Effect::Block
            || !h
                .validity
                .overlaps(start.timestamp_millis(), end.timestamp_millis())
        {
            continue;
        }
        let hit = route.geometry.windows(2).any(|w| {
            h.parts
                .iter()
                .any(|p| segment_meets_part(w[0], w[1], p, h.buffer_m))
        });
        if hit {
            out.push(Violation {
                code: "hazard",
                message: format!(
                    "the route crosses hazard `{}` ({}), valid {}",
                    h.id,
                    h.kind.name().replace('_', " "),
                    text::validity(h.validity.from_ms, h.validity.until_ms, scn.tz, start)
                ),
            });
        }
    }
    let trip = route.duration_ms;
    if i64::try_from(trip).unwrap_or(i64::MAX) > spec.window.len_ms() {
        let last = before(end, trip);
        out.push(Violation {
            code: "window_too_short",
            message: format!(
                "the trip takes {} and the window closes {} after it opens; the last safe departure would be {}, before the window opens at {} {}",
                text::duration(trip),
                text::duration(spec.window.len_ms().max(0) as u64),
                text::local(last, scn.tz, start),
                text::local(start, scn.tz, start),
                scn.tz.name()
            ),
        });
    }
    out
}

/// `ms` milliseconds before `t`, or the earliest time chrono can hold when
/// that lies before it: a trip of centuries must not panic (issue 12).
fn before(t: DateTime<FixedOffset>, ms: u64) -> DateTime<FixedOffset> {
    i64::try_from(ms)
        .ok()
        .and_then(Duration::try_milliseconds)
        .and_then(|d| t.checked_sub_signed(d))
        .unwrap_or_else(|| DateTime::<chrono::Utc>::MIN_UTC.with_timezone(t.offset()))
}

fn party_rules(
    scn: &Scenario,
    p: &Party,
    spec: &ProposalSpec,
    route: &PlannedRoute,
) -> Vec<Violation> {
    let c = &p.constraints;
    let mut out = Vec::new();
    if let Some(profiles) = &c.profiles {
        if !profiles.contains(&spec.profile) {
            out.push(Violation {
                code: "profile_forbidden",
                message: format!(
                    "{} accepts only {} corridors, not {}",
                    p.name,
                    profiles
                        .iter()
                        .map(|x| x.name())
                        .collect::<Vec<_>>()
                        .join(" or "),
                    spec.profile.name()
                ),
            });
        }
    }
    // A destination that is not a place of the scenario (a point proposed
    // on the map) is where the route ends: never a way around the rule.
    let dest = scn
        .place(&spec.destination)
        .map(|d| (d.at, d.name.clone()))
        .or_else(|| {
            route
                .geometry
                .last()
                .map(|p| (*p, spec.destination.clone()))
        });
    if let (Some(allowed), Some((at, name))) = (&c.allowed_destinations, &dest) {
        if !allowed
            .iter()
            .any(|t| scn.territory(t).is_some_and(|t| t.contains(*at)))
        {
            let inside: Vec<String> = scn
                .territories_at(*at)
                .iter()
                .map(|t| t.id.clone())
                .collect();
            out.push(Violation {
                code: "destination_forbidden",
                message: format!(
                    "the destination {} lies in {}, not among {}'s allowed destinations ({})",
                    name,
                    if inside.is_empty() {
                        "no listed territory".to_string()
                    } else {
                        names(scn, &inside)
                    },
                    p.name,
                    names(scn, allowed)
                ),
            });
        }
    }
    for t in &c.forbidden_transit {
        let Some(terr) = scn.territory(t) else {
            continue;
        };
        let len = terr.length_inside_m(&route.geometry);
        if len > scn.transit_tolerance_m {
            out.push(Violation {
                code: "transit_forbidden",
                message: format!(
                    "the route runs {} through {}, where {} forbids transit",
                    text::km(len),
                    terr.name,
                    p.name
                ),
            });
        }
    }
    let dest_at = dest.as_ref().map(|d| d.0);
    for cp in &c.checkpoints {
        if let (Some(t), Some(at)) = (&cp.for_destinations_in, dest_at) {
            if !scn.territory(t).is_some_and(|t| t.contains(at)) {
                continue;
            }
        }
        let d = distance_to_line(cp.at, &route.geometry);
        if d > cp.radius_m {
            out.push(Violation {
                code: "checkpoint_missing",
                message: format!(
                    "the route does not pass {}'s checkpoint {} ({:.4},{:.4}); it comes no closer than {}",
                    p.name,
                    cp.name,
                    cp.at.lat,
                    cp.at.lon,
                    text::km(d)
                ),
            });
        }
    }
    if let Some(max) = c.max_trip_ms {
        if route.duration_ms > max {
            out.push(Violation {
                code: "too_long",
                message: format!(
                    "the trip takes {}, more than the {} {} accepts",
                    text::duration(route.duration_ms),
                    text::duration(max),
                    p.name
                ),
            });
        }
    }
    out
}

/// Every party's verdict on `spec` with route `route` (version `version`).
pub fn evaluate(
    scn: &Scenario,
    spec: &ProposalSpec,
    route: &PlannedRoute,
    version: &str,
) -> Evaluation {
    let shared = common(scn, spec, route);
    let verdicts = scn
        .parties
        .iter()
        .map(|p| {
            let mut v = party_rules(scn, p, spec, route);
            v.extend(shared.iter().cloned());
            Verdict {
                party: p.id.clone(),
                role: p.role,
                accept: v.is_empty(),
                violations: v,
            }
        })
        .collect();
    Evaluation {
        proposal: spec.id.clone(),
        version: version.to_string(),
        last_safe_departure: before(spec.window.end, route.duration_ms),
        verdicts,
    }
}

impl Evaluation {
    /// For machines.
    pub fn to_json(&self, scn: &Scenario) -> Value {
        json!({
            "proposal": self.proposal,
            "version": self.version,
            "agreed": self.agreed(),
            "last_safe_departure": self.last_safe_departure.with_timezone(&scn.tz).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            "time_zone": scn.tz.name(),
            "verdicts": self.verdicts.iter().map(|v| json!({
                "party": v.party, "role": v.role.name(),
                "verdict": if v.accept { "accept" } else { "reject" },
                "violations": v.violations.iter().map(|x| json!({"code": x.code, "message": x.message})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}
