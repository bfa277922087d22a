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
    let mut r = Reader {
        text,
        file,
        errs: Vec::new(),
    };
    let raw: Raw = toml::from_str(text).map_err(|e| {
        vec![format!(
            "{file}:{}: {}",
            r.line(e.span().map_or(0, |s| s.start)),
            e.message()
        )]
    })?;
    r.bounded(
        "loading_minutes",
        &raw.loading_minutes,
        0,
        MAX_HANDLING_MINUTES,
    );
    r.bounded(
        "unloading_minutes",
        &raw.unloading_minutes,
        0,
        MAX_HANDLING_MINUTES,
    );
    let corridors: Vec<Corridor> = raw
        .corridor
        .iter()
        .filter_map(|c| r.corridor(c, resolve, is_place))
        .collect();
    let mut groups = Vec::new();
    for d in &raw.demand {
        groups.extend(r.demand(d, &corridors, is_place));
    }
    let vehicles = r.vehicles(&raw.vehicles, &corridors);
    if !r.errs.is_empty() {
        return Err(r.errs);
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

/// A planning file being read: its text, for the line of each error, and
/// the errors so far (all are reported, not just the first).
struct Reader<'a> {
    text: &'a str,
    file: &'a str,
    errs: Vec<String>,
}

impl Reader<'_> {
    /// The line of byte offset `off`.
    fn line(&self, off: usize) -> usize {
        let text = self.text;
        text[..off.min(text.len())].matches('\n').count() + 1
    }

    /// An error at the line of byte offset `off`.
    fn error(&mut self, off: usize, msg: impl std::fmt::Display) {
        let line = self.line(off);
        self.errs.push(format!("{}:{line}: {msg}", self.file));
    }

    /// A time on the plan's grid of whole minutes: a start (of a window,
    /// of a vehicle's readiness) rounded up, so that nobody is planned to
    /// leave before it; an end rounded down.
    fn minutes(&mut self, s: &Spanned<String>, up: bool) -> Option<i64> {
        match DateTime::parse_from_rfc3339(s.get_ref()) {
            Ok(t) => {
                let m = t.timestamp().div_euclid(60);
                Some(m + i64::from(up && t.timestamp().rem_euclid(60) != 0))
            }
            Err(_) => {
                self.error(
                    s.span().start,
                    format_args!(
                        "`{}` is not a time with an explicit UTC offset (RFC 3339)",
                        s.get_ref()
                    ),
                );
                None
            }
        }
    }

    /// Checks that `v` is within `lo..=hi`, or an error at its line naming
    /// the key.
    fn bounded<T: Copy + PartialOrd + std::fmt::Display>(
        &mut self,
        key: &str,
        v: &Spanned<T>,
        lo: T,
        hi: T,
    ) {
        let x = *v.get_ref();
        if !(lo..=hi).contains(&x) {
            let line = self.line(v.span().start);
            self.errs
                .push(out_of_range(self.file, line, key, x, lo, hi));
        }
    }

    /// One `[[corridor]]`: a proposal of the scenario, or given directly.
    fn corridor(
        &mut self,
        c: &RawCorridor,
        resolve: &dyn Fn(&str) -> Result<Resolved, String>,
        is_place: &dyn Fn(&str) -> bool,
    ) -> Option<Corridor> {
        let per_hour = c.vehicles_per_hour.as_ref().map(|n| {
            self.bounded("vehicles_per_hour", n, 1, MAX_PER_HOUR);
            *n.get_ref()
        });
        let min_spacing = c.min_spacing_minutes.as_ref().map_or(0, |m| {
            self.bounded("min_spacing_minutes", m, 0, MAX_HANDLING_MINUTES);
            *m.get_ref()
        });
        // Where a corridor's window and trip are checked: at its window or
        // proposal.
        let at = c
            .window_end
            .as_ref()
            .or(c.proposal.as_ref())
            .map_or(0, |s| s.span().start);
        let corridor = |id, origin, destination, open, close, travel| Corridor {
            id,
            origin,
            destination,
            open,
            close,
            travel,
            per_hour,
            min_spacing,
        };
        match (
            &c.proposal,
            &c.window_start,
            &c.window_end,
            &c.duration_minutes,
        ) {
            (Some(p), None, None, None) => match resolve(p.get_ref()) {
                Ok((origin, destination, open, close, travel)) => {
                    self.window(at, open, close, travel);
                    let id = p.get_ref().clone();
                    Some(corridor(
                        id,
                        origin,
                        destination,
                        open,
                        close,
                        travel.max(1),
                    ))
                }
                Err(e) => {
                    self.error(p.span().start, e);
                    None
                }
            },
            (None, Some(ws), Some(we), Some(d)) => {
                self.bounded("duration_minutes", d, 1, MAX_WINDOW_MINUTES);
                let d = *d.get_ref();
                let o = c.origin.clone().unwrap_or_default();
                let dst = c.destination.clone().unwrap_or_default();
                for x in [&o, &dst] {
                    if !is_place(x) {
                        self.error(ws.span().start, format_args!("unknown place `{x}`"));
                    }
                }
                let (open, close) = (self.minutes(ws, true), self.minutes(we, false));
                let (open, close) = (open?, close?);
                if close <= open {
                    self.error(we.span().start, "the window must end after it starts");
                }
                self.window(at, open, close, d);
                let id = c.id.clone().unwrap_or_else(|| format!("{o}-{dst}"));
                Some(corridor(id, o, dst, open, close, d))
            }
            _ => {
                self.errs.push(format!(
                    "{}: a [[corridor]] gives either `proposal`, or `origin`, `destination`, `window_start`, `window_end` and `duration_minutes`",
                    self.file
                ));
                None
            }
        }
    }

    /// Checks a corridor's window and trip (the error at byte `at`).
    fn window(&mut self, at: usize, open: i64, close: i64, travel: i64) {
        let long = close.saturating_sub(open);
        if long > MAX_WINDOW_MINUTES {
            self.error(
                at,
                format_args!("the window is {long} minutes long; a corridor window may be at most {MAX_WINDOW_MINUTES} minutes (7 days)"),
            );
        }
        if travel > MAX_WINDOW_MINUTES {
            self.error(
                at,
                format_args!("a trip of {travel} minutes is longer than any window may be ({MAX_WINDOW_MINUTES} minutes)"),
            );
        }
    }

    /// One `[[demand]]`: its groups, those needing accessible vehicles
    /// apart.
    fn demand(
        &mut self,
        d: &RawDemand,
        corridors: &[Corridor],
        is_place: &dyn Fn(&str) -> bool,
    ) -> Vec<Group> {
        for x in [&d.origin, &d.destination] {
            if !is_place(x.get_ref()) {
                self.error(
                    x.span().start,
                    format_args!("unknown place `{}`", x.get_ref()),
                );
            }
        }
        let people = *d.people.get_ref();
        let at = d.origin.span().start;
        if people > MAX_PEOPLE {
            self.error(
                d.people.span().start,
                format_args!(
                    "`people` = {people} is out of range: at most {MAX_PEOPLE} per demand"
                ),
            );
        }
        if d.accessible > people {
            self.error(at, "more people needing accessible vehicles than people");
        }
        let (o, dst) = (d.origin.get_ref(), d.destination.get_ref());
        if !corridors
            .iter()
            .any(|c| c.origin == *o && c.destination == *dst)
        {
            self.error(at, format_args!("no corridor from {o} to {dst}"));
        }
        [
            (false, people - d.accessible.min(people)),
            (true, d.accessible),
        ]
        .into_iter()
        .filter(|&(_, n)| n > 0)
        .map(|(accessible, people)| Group {
            origin: o.clone(),
            destination: dst.clone(),
            accessible,
            people,
        })
        .collect()
    }

    /// The fleet, one [`Vehicle`] each, a group of `count` numbered.
    fn vehicles(&mut self, raw: &[RawVehicles], corridors: &[Corridor]) -> Vec<Vehicle> {
        let first_open = corridors.iter().map(|c| c.open).min().unwrap_or(0);
        let mut vehicles = Vec::new();
        let mut fleet = 0u64;
        for v in raw {
            let start = v.start.get_ref();
            if !corridors
                .iter()
                .any(|c| c.origin == *start || c.destination == *start)
            {
                self.error(
                    v.start.span().start,
                    format_args!(
                        "vehicles `{}` start at `{start}`, which is no corridor's origin or destination",
                        v.id
                    ),
                );
            }
            let (count, seats) = (*v.count.get_ref(), *v.seats.get_ref());
            if seats == 0 || seats > MAX_SEATS {
                self.error(
                    v.seats.span().start,
                    format_args!(
                        "vehicles `{}` have {seats} seats; a vehicle has 1..={MAX_SEATS}",
                        v.id
                    ),
                );
            }
            fleet = fleet.saturating_add(u64::from(count));
            if fleet > MAX_VEHICLES {
                self.error(
                    v.count.span().start,
                    format_args!("more than {MAX_VEHICLES} vehicles in all"),
                );
                break;
            }
            let ready = match &v.ready {
                Some(r) => self.minutes(r, true).unwrap_or(first_open),
                None => i64::MIN / 4,
            };
            vehicles.extend((0..count).map(|i| Vehicle {
                id: if count == 1 {
                    v.id.clone()
                } else {
                    format!("{}-{}", v.id, i + 1)
                },
                seats,
                accessible: v.accessible,
                start: start.clone(),
                ready: ready.max(first_open.saturating_sub(24 * 60)),
            }));
        }
        // Ids name vehicles in the plan: a group of two `bus` is `bus-1`
        // and `bus-2`, which another vehicle may not be called too.
        let mut seen = std::collections::BTreeSet::new();
        if let Some(v) = vehicles.iter().find(|v| !seen.insert(v.id.as_str())) {
            self.errs.push(format!(
                "{}: two vehicles are called `{}` (a group of `count` vehicles is numbered `id-1`, `id-2`...): give each group its own id",
                self.file, v.id
            ));
        }
        vehicles
    }
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
