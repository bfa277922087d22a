//! The planning file (TOML): the scenario it belongs to, loading times, the
//! corridors (a proposal of the scenario, whose route, window and duration
//! are computed; or given directly for a corridor without a graph), the
//! people waiting by origin, destination and need, and the fleet.
//! `examples/ukraine/plan.toml` is an annotated example.

use crate::model::limits::{
    MAX_HANDLING_MINUTES, MAX_PEOPLE, MAX_PER_HOUR, MAX_SEATS, MAX_VEHICLES, MAX_WINDOW_MINUTES,
};
use crate::model::{Corridor, Group, Problem, Vehicle};
use chrono::DateTime;
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    scenario: String,
    loading_minutes: Spanned<i64>,
    unloading_minutes: Spanned<i64>,
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
    duration_minutes: Option<Spanned<i64>>,
    vehicles_per_hour: Option<Spanned<u32>>,
    min_spacing_minutes: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDemand {
    origin: Spanned<String>,
    destination: Spanned<String>,
    people: Spanned<u64>,
    #[serde(default)]
    accessible: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVehicles {
    id: String,
    count: Spanned<u32>,
    seats: Spanned<u32>,
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
    // Times on the plan's grid of whole minutes: a start (of a window, of
    // a vehicle's readiness) rounded up, so that nobody is planned to leave
    // before it; an end rounded down.
    let minutes = |s: &Spanned<String>, up: bool, errs: &mut Vec<String>| -> Option<i64> {
        match DateTime::parse_from_rfc3339(s.get_ref()) {
            Ok(t) => {
                let m = t.timestamp().div_euclid(60);
                Some(m + i64::from(up && t.timestamp().rem_euclid(60) != 0))
            }
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
    // A number within `lo..=hi`, or an error at its line naming the key.
    let bounded = |errs: &mut Vec<String>, key: &str, v: &Spanned<i64>, lo: i64, hi: i64| {
        let x = *v.get_ref();
        if !(lo..=hi).contains(&x) {
            errs.push(out_of_range(file, line(v.span().start), key, x, lo, hi));
        }
    };
    bounded(
        &mut errs,
        "loading_minutes",
        &raw.loading_minutes,
        0,
        MAX_HANDLING_MINUTES,
    );
    bounded(
        &mut errs,
        "unloading_minutes",
        &raw.unloading_minutes,
        0,
        MAX_HANDLING_MINUTES,
    );
    let mut corridors = Vec::new();
    for c in &raw.corridor {
        let per_hour = c.vehicles_per_hour.as_ref().map(|n| {
            let x = *n.get_ref();
            if !(1..=MAX_PER_HOUR).contains(&x) {
                let at = line(n.span().start);
                errs.push(out_of_range(
                    file,
                    at,
                    "vehicles_per_hour",
                    x,
                    1,
                    MAX_PER_HOUR,
                ));
            }
            x
        });
        let min_spacing = c.min_spacing_minutes.as_ref().map_or(0, |m| {
            bounded(&mut errs, "min_spacing_minutes", m, 0, MAX_HANDLING_MINUTES);
            *m.get_ref()
        });
        // Where a corridor's window and trip are checked: at its window or
        // proposal.
        let at = c
            .window_end
            .as_ref()
            .or(c.proposal.as_ref())
            .map_or(1, |s| line(s.span().start));
        let window = |errs: &mut Vec<String>, open: i64, close: i64, travel: i64| {
            if close.saturating_sub(open) > MAX_WINDOW_MINUTES {
                errs.push(format!(
                    "{file}:{at}: the window is {} minutes long; a corridor window may be at most {MAX_WINDOW_MINUTES} minutes (7 days)",
                    close.saturating_sub(open)
                ));
            }
            if travel > MAX_WINDOW_MINUTES {
                errs.push(format!(
                    "{file}:{at}: a trip of {travel} minutes is longer than any window may be ({MAX_WINDOW_MINUTES} minutes)"
                ));
            }
        };
        match (&c.proposal, &c.window_start, &c.window_end, &c.duration_minutes) {
            (Some(p), None, None, None) => match resolve(p.get_ref()) {
                Ok((origin, destination, open, close, travel)) => {
                    window(&mut errs, open, close, travel);
                    corridors.push(Corridor {
                        id: p.get_ref().clone(),
                        origin,
                        destination,
                        open,
                        close,
                        travel: travel.max(1),
                        per_hour,
                        min_spacing,
                    })
                }
                Err(e) => errs.push(format!("{file}:{}: {e}", line(p.span().start))),
            },
            (None, Some(ws), Some(we), Some(d)) => {
                bounded(&mut errs, "duration_minutes", d, 1, MAX_WINDOW_MINUTES);
                let d = *d.get_ref();
                let (o, dst) = (c.origin.clone().unwrap_or_default(), c.destination.clone().unwrap_or_default());
                for x in [&o, &dst] {
                    if !is_place(x) {
                        errs.push(format!("{file}:{}: unknown place `{x}`", line(ws.span().start)));
                    }
                }
                if let (Some(open), Some(close)) = (minutes(ws, true, &mut errs), minutes(we, false, &mut errs)) {
                    if close <= open {
                        errs.push(format!("{file}:{}: the window must end after it starts", line(we.span().start)));
                    }
                    window(&mut errs, open, close, d);
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
        let people = *d.people.get_ref();
        if people > MAX_PEOPLE {
            errs.push(format!(
                "{file}:{}: `people` = {people} is out of range: at most {MAX_PEOPLE} per demand",
                line(d.people.span().start)
            ));
        }
        if d.accessible > people {
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
            (false, people - d.accessible.min(people)),
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
    let mut fleet = 0u64;
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
        let (count, seats) = (*v.count.get_ref(), *v.seats.get_ref());
        if seats == 0 || seats > MAX_SEATS {
            errs.push(format!(
                "{file}:{}: vehicles `{}` have {seats} seats; a vehicle has 1..={MAX_SEATS}",
                line(v.seats.span().start),
                v.id
            ));
        }
        fleet = fleet.saturating_add(u64::from(count));
        if fleet > MAX_VEHICLES {
            errs.push(format!(
                "{file}:{}: more than {MAX_VEHICLES} vehicles in all",
                line(v.count.span().start)
            ));
            break;
        }
        let ready = match &v.ready {
            Some(r) => minutes(r, true, &mut errs).unwrap_or(first_open),
            None => i64::MIN / 4,
        };
        for i in 0..count {
            vehicles.push(Vehicle {
                id: if count == 1 {
                    v.id.clone()
                } else {
                    format!("{}-{}", v.id, i + 1)
                },
                seats,
                accessible: v.accessible,
                start: v.start.get_ref().clone(),
                ready: ready.max(first_open.saturating_sub(24 * 60)),
            });
        }
    }
    // Ids name vehicles in the plan: a group of two `bus` is `bus-1` and
    // `bus-2`, which another vehicle may not be called too.
    let mut seen = std::collections::BTreeSet::new();
    for v in &vehicles {
        if !seen.insert(v.id.as_str()) {
            errs.push(format!(
                "{file}: two vehicles are called `{}` (a group of `count` vehicles is numbered `id-1`, `id-2`...): give each group its own id",
                v.id
            ));
            break;
        }
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
            loading: *raw.loading_minutes.get_ref(),
            unloading: *raw.unloading_minutes.get_ref(),
        },
    ))
}

fn out_of_range(
    file: &str,
    line: usize,
    key: &str,
    x: impl std::fmt::Display,
    lo: impl std::fmt::Display,
    hi: impl std::fmt::Display,
) -> String {
    format!("{file}:{line}: `{key}` = {x} is out of range: it must be within {lo}..={hi}")
}

/// The scenario a planning file names (read before the rest, which needs
/// it); a file that is not TOML is named with the line of its mistake.
pub fn scenario_path(text: &str, file: &str) -> Result<String, String> {
    let line = |off: usize| text[..off.min(text.len())].matches('\n').count() + 1;
    let t = toml::from_str::<toml::Table>(text).map_err(|e| {
        format!(
            "{file}:{}: {}",
            line(e.span().map_or(0, |s| s.start)),
            e.message()
        )
    })?;
    match t.get("scenario") {
        Some(toml::Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!(
            "{file}: `scenario` is not a string (the scenario file's path)"
        )),
        None => Err(format!(
            "{file}: no `scenario = \"...\"` naming the scenario file"
        )),
    }
}
