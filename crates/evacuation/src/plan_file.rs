//! The planning file (TOML): the scenario it belongs to, loading times, the
//! corridors (a proposal of the scenario, whose route, window and duration
//! are computed; or given directly for a corridor without a graph), the
//! people waiting by origin, destination and need, and the fleet.
//! `examples/ukraine/plan.toml` is an annotated example.

use crate::model::{Corridor, Group, Problem, Vehicle};
use chrono::DateTime;
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    scenario: String,
    loading_minutes: i64,
    unloading_minutes: i64,
    #[serde(default)]
    corridor: Vec<RawCorridor>,
    #[serde(default)]
    demand: Vec<RawDemand>,
    #[serde(default)]
    vehicles: Vec<RawVehicles>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCorridor {
    proposal: Option<Spanned<String>>,
    id: Option<String>,
    origin: Option<String>,
    destination: Option<String>,
    window_start: Option<Spanned<String>>,
    window_end: Option<Spanned<String>>,
    duration_minutes: Option<i64>,
    vehicles_per_hour: Option<u32>,
    min_spacing_minutes: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDemand {
    origin: Spanned<String>,
    destination: Spanned<String>,
    people: u64,
    #[serde(default)]
    accessible: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVehicles {
    id: String,
    count: u32,
    seats: u32,
    #[serde(default)]
    accessible: bool,
    start: Spanned<String>,
    ready: Option<Spanned<String>>,
}

/// A corridor's facts, from the scenario: origin, destination, window
/// (minutes since the epoch) and one-way travel time (minutes).
pub type Resolved = (String, String, i64, i64, i64);

/// Parses a planning file. `resolve(proposal)` gives a proposal's corridor
/// facts; `is_place(id)` tells whether the scenario has that place.
/// Errors carry the line.
pub fn parse(
    text: &str,
    file: &str,
    resolve: &dyn Fn(&str) -> Result<Resolved, String>,
    is_place: &dyn Fn(&str) -> bool,
) -> Result<(String, Problem), Vec<String>> {
    let line = |off: usize| text[..off.min(text.len())].matches('\n').count() + 1;
    let raw: Raw = toml::from_str(text).map_err(|e| {
        vec![format!(
            "{file}:{}: {}",
            line(e.span().map_or(0, |s| s.start)),
            e.message()
        )]
    })?;
    let mut errs = Vec::new();
    let minutes = |s: &Spanned<String>, errs: &mut Vec<String>| -> Option<i64> {
        match DateTime::parse_from_rfc3339(s.get_ref()) {
            Ok(t) => Some(t.timestamp().div_euclid(60)),
            Err(_) => {
                errs.push(format!(
                    "{file}:{}: `{}` is not a time with an explicit UTC offset (RFC 3339)",
                    line(s.span().start),
                    s.get_ref()
                ));
                None
            }
        }
    };
    let mut corridors = Vec::new();
    for c in &raw.corridor {
        let per_hour = c.vehicles_per_hour;
        let min_spacing = c.min_spacing_minutes.unwrap_or(0).max(0);
        if per_hour == Some(0) {
            errs.push(format!("{file}: vehicles_per_hour must be at least 1"));
        }
        match (&c.proposal, &c.window_start, &c.window_end, c.duration_minutes) {
            (Some(p), None, None, None) => match resolve(p.get_ref()) {
                Ok((origin, destination, open, close, travel)) => corridors.push(Corridor {
                    id: p.get_ref().clone(),
                    origin,
                    destination,
                    open,
                    close,
                    travel: travel.max(1),
                    per_hour,
                    min_spacing,
                }),
                Err(e) => errs.push(format!("{file}:{}: {e}", line(p.span().start))),
            },
            (None, Some(ws), Some(we), Some(d)) => {
                let (o, dst) = (c.origin.clone().unwrap_or_default(), c.destination.clone().unwrap_or_default());
                for x in [&o, &dst] {
                    if !is_place(x) {
                        errs.push(format!("{file}:{}: unknown place `{x}`", line(ws.span().start)));
                    }
                }
                if let (Some(open), Some(close)) = (minutes(ws, &mut errs), minutes(we, &mut errs)) {
                    if close <= open || d < 1 {
                        errs.push(format!("{file}:{}: the window must end after it starts and the duration be positive", line(we.span().start)));
                    }
                    corridors.push(Corridor {
                        id: c.id.clone().unwrap_or_else(|| format!("{o}-{dst}")),
                        origin: o,
                        destination: dst,
                        open,
                        close,
                        travel: d,
                        per_hour,
                        min_spacing,
                    });
                }
            }
            _ => errs.push(format!(
                "{file}: a [[corridor]] gives either `proposal`, or `origin`, `destination`, `window_start`, `window_end` and `duration_minutes`"
            )),
        }
    }
    let mut groups = Vec::new();
    for d in &raw.demand {
        for x in [&d.origin, &d.destination] {
            if !is_place(x.get_ref()) {
                errs.push(format!(
                    "{file}:{}: unknown place `{}`",
                    line(x.span().start),
                    x.get_ref()
                ));
            }
        }
        if d.accessible > d.people {
            errs.push(format!(
                "{file}:{}: more people needing accessible vehicles than people",
                line(d.origin.span().start)
            ));
        }
        if !corridors
            .iter()
            .any(|c| c.origin == *d.origin.get_ref() && c.destination == *d.destination.get_ref())
        {
            errs.push(format!(
                "{file}:{}: no corridor from {} to {}",
                line(d.origin.span().start),
                d.origin.get_ref(),
                d.destination.get_ref()
            ));
        }
        for (accessible, n) in [
            (false, d.people - d.accessible.min(d.people)),
            (true, d.accessible),
        ] {
            if n > 0 {
                groups.push(Group {
                    origin: d.origin.get_ref().clone(),
                    destination: d.destination.get_ref().clone(),
                    accessible,
                    people: n,
                });
            }
        }
    }
    let first_open = corridors.iter().map(|c| c.open).min().unwrap_or(0);
    let mut vehicles = Vec::new();
    for v in &raw.vehicles {
        if !corridors
            .iter()
            .any(|c| c.origin == *v.start.get_ref() || c.destination == *v.start.get_ref())
        {
            errs.push(format!(
                "{file}:{}: vehicles `{}` start at `{}`, which is no corridor's origin or destination",
                line(v.start.span().start),
                v.id,
                v.start.get_ref()
            ));
        }
        if v.seats == 0 {
            errs.push(format!(
                "{file}:{}: vehicles `{}` have no seats",
                line(v.start.span().start),
                v.id
            ));
        }
        let ready = match &v.ready {
            Some(r) => minutes(r, &mut errs).unwrap_or(first_open),
            None => i64::MIN / 4,
        };
        for i in 0..v.count {
            vehicles.push(Vehicle {
                id: if v.count == 1 {
                    v.id.clone()
                } else {
                    format!("{}-{}", v.id, i + 1)
                },
                seats: v.seats,
                accessible: v.accessible,
                start: v.start.get_ref().clone(),
                ready: ready.max(first_open - 24 * 60),
            });
        }
    }
    if raw.loading_minutes < 0 || raw.unloading_minutes < 0 {
        errs.push(format!(
            "{file}: loading and unloading times must not be negative"
        ));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok((
        raw.scenario,
        Problem {
            corridors,
            groups,
            vehicles,
            loading: raw.loading_minutes,
            unloading: raw.unloading_minutes,
        },
    ))
}

/// The scenario a planning file names (read before the rest, which needs it).
pub fn scenario_path(text: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Only {
        scenario: String,
    }
    toml::from_str::<toml::Table>(text)
        .ok()
        .and_then(|t| t.get("scenario").cloned())
        .and_then(|v| v.try_into::<String>().ok())
        .or_else(|| toml::from_str::<Only>(text).ok().map(|o| o.scenario))
}
