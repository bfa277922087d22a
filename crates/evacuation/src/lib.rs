//! Evacuation planning: how many people get out inside the window, on which
//! vehicles, when, and what limits it.
//!
//! * [`model`]: corridors (windows, travel times, convoy limits), people by
//!   origin, destination and need, the fleet; the schedule.
//! * [`ccrp::plan`]: the planner (earliest-arrival trips under reserved
//!   capacity, in the manner of CCRP).
//! * [`check::check`]: an independent feasibility checker.
//! * [`exact::max_trips`]: the exact optimum on small instances
//!   (time-expanded minimum-cost flow).
//! * [`lower_bound`]: a lower bound on the time to evacuate everyone.
//! * [`summarize`]: people out per origin and destination, people left,
//!   last safe departures, the binding bottleneck in plain words, and what an
//!   extra hour of window or ten more vehicles would change.
//!
//! **Architecture invariant:** no IO; the checker shares no code with the
//! planner.
#![deny(missing_docs)]

pub mod ccrp;
pub mod check;
pub mod exact;
pub mod model;
pub mod plan_file;

pub use model::{Corridor, Group, Leg, Problem, Schedule, Vehicle};

/// A lower bound on when the last person can arrive if windows never
/// closed: the later of the convoy bound (on each corridor, the departures
/// its people need, one grid step apart from the opening) and the fleet
/// bound (the earliest time by which all vehicles together could have
/// carried everyone, each on its fastest cycle).
pub fn lower_bound(p: &Problem) -> Option<i64> {
    let max_seats = p.vehicles.iter().map(|v| v.seats as u64).max()?;
    let mut lb = i64::MIN;
    for c in &p.corridors {
        let people: u64 = p
            .groups
            .iter()
            .filter(|g| g.origin == c.origin && g.destination == c.destination)
            .map(|g| g.people)
            .sum();
        if people == 0 {
            continue;
        }
        let trips = i64::try_from(people.div_ceil(max_seats)).unwrap_or(i64::MAX);
        lb = lb.max(
            c.open
                .saturating_add((trips - 1).saturating_mul(c.step()))
                .saturating_add(c.travel),
        );
    }
    let total = p.people();
    if total == 0 {
        return None;
    }
    // Fleet bound: by time t, a vehicle can have made at most k loaded
    // trips on corridor c, k = 1 + (t - first arrival) / cycle. Once for
    // everyone on every vehicle, once for the people who need an accessible
    // vehicle on the accessible ones.
    let trips_by = |t: i64, accessible_only: bool| -> u64 {
        p.vehicles
            .iter()
            .filter(|v| v.accessible || !accessible_only)
            .map(|v| {
                p.corridors
                    .iter()
                    .map(|c| {
                        let to_origin = if v.start == c.origin { 0 } else { c.travel };
                        let first = v
                            .ready
                            .max(c.open.saturating_sub(p.loading).saturating_sub(to_origin))
                            .saturating_add(to_origin)
                            .saturating_add(p.loading)
                            .saturating_add(c.travel);
                        if t < first {
                            0
                        } else {
                            let cycle = c
                                .travel
                                .saturating_mul(2)
                                .saturating_add(p.loading)
                                .saturating_add(p.unloading);
                            (1 + t.saturating_sub(first) / cycle.max(1)) as u64
                        }
                    })
                    .max()
                    .unwrap_or(0)
                    .saturating_mul(v.seats as u64)
            })
            .fold(0u64, u64::saturating_add)
    };
    let accessible: u64 = p
        .groups
        .iter()
        .filter(|g| g.accessible)
        .map(|g| g.people)
        .sum();
    let start = p.corridors.iter().map(|c| c.open).min()?;
    let earliest = |need: u64, accessible_only: bool| -> Option<i64> {
        if need == 0 {
            return Some(i64::MIN);
        }
        let (mut lo, mut hi) = (start, start.saturating_add(60));
        while trips_by(hi, accessible_only) < need {
            if hi == i64::MAX || hi - start > 10_000 * 60 * 24 {
                return None; // no vehicle can ever carry them
            }
            hi = hi.saturating_add((hi - lo).max(60));
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if trips_by(mid, accessible_only) >= need {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Some(lo)
    };
    let all = earliest(total, false)?;
    let acc = earliest(accessible, true)?;
    Some(lb.max(all).max(acc))
}

/// What a plan achieves and what limits it.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// People out, per group (same order as the problem's groups).
    pub evacuated: Vec<u64>,
    /// People left, per group.
    pub left: Vec<u64>,
    /// Last safe departure per corridor.
    pub last_safe_departure: Vec<i64>,
    /// Loaded departures used / available, per corridor.
    pub slots: Vec<(usize, usize)>,
    /// The binding bottleneck, in plain words.
    pub bottleneck: String,
    /// People out with the windows one hour longer.
    pub with_extra_hour: u64,
    /// People out with ten more vehicles like the largest one.
    pub with_ten_more_vehicles: u64,
}

/// The two problems [`summarize`] plans again: every window an hour
/// longer, and ten more vehicles like the largest.
fn what_ifs(p: &Problem) -> (Problem, Problem) {
    let mut longer = p.clone();
    for c in &mut longer.corridors {
        c.close = c.close.saturating_add(60);
    }
    let mut bigger = p.clone();
    if let Some(v) = p.vehicles.iter().max_by_key(|v| v.seats).cloned() {
        for i in 0..10 {
            bigger.vehicles.push(Vehicle {
                id: format!("{}+{}", v.id, i + 1),
                ..v.clone()
            });
        }
    }
    (longer, bigger)
}

/// An upper bound on the work of planning `p` and summarizing the plan
/// ([`ccrp::work`] of the plan and of both what-ifs).
pub fn plan_and_summary_work(p: &Problem) -> u128 {
    let (longer, bigger) = what_ifs(p);
    ccrp::work(p) + ccrp::work(&longer) + ccrp::work(&bigger)
}

/// Summarizes a plan of `p`, replanning twice for the what-ifs.
pub fn summarize(p: &Problem, s: &Schedule) -> Summary {
    let evacuated = s.carried(p.groups.len());
    let left: Vec<u64> = p
        .groups
        .iter()
        .zip(&evacuated)
        .map(|(g, e)| g.people - e)
        .collect();
    let slots: Vec<(usize, usize)> = p
        .corridors
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let used = s
                .legs
                .iter()
                .filter(|l| l.loaded && l.corridor == ci)
                .count();
            // As many as the planner considers.
            (used, c.slots())
        })
        .collect();
    let (longer, bigger) = what_ifs(p);
    let with_extra_hour = ccrp::plan(&longer).total();
    let with_ten_more_vehicles = ccrp::plan(&bigger).total();
    let total_left: u64 = left.iter().sum();
    let out = s.total();
    let bottleneck = if total_left == 0 {
        match s.last_arrival() {
            Some(t) => {
                let close = p.corridors.iter().map(|c| c.close).max().unwrap_or(t);
                format!(
                    "none: everyone is out, the last arriving {} min before the windows close",
                    close.saturating_sub(t)
                )
            }
            None => "none: nobody is waiting".into(),
        }
    } else if let Some((ci, _)) = slots
        .iter()
        .enumerate()
        .filter(|(ci, (u, a))| *a > 0 && *u * 100 >= *a * 95 && left_on(p, &left, *ci) > 0)
        .max_by_key(|(_, (u, _))| *u)
    {
        let c = &p.corridors[ci];
        format!(
            "the convoy limit on corridor {}: all {} departure slots of the window are used (one every {} min); more vehicles do not help, a longer window or a higher limit does",
            c.id,
            slots[ci].1,
            c.step()
        )
    } else if with_ten_more_vehicles > with_extra_hour.max(out) {
        format!(
            "the vehicles: every vehicle is busy to the end of the window; ten more would carry {} more people, an extra hour {} more",
            with_ten_more_vehicles - out,
            with_extra_hour.saturating_sub(out)
        )
    } else if with_extra_hour > out {
        let cycle_share = p
            .corridors
            .iter()
            .map(|c| {
                let handling = p.loading as f64 + p.unloading as f64;
                handling / (2.0 * c.travel as f64 + handling).max(1.0)
            })
            .fold(0.0, f64::max);
        if cycle_share > 0.5 {
            format!(
                "loading and unloading: they take {:.0} % of each round trip; an extra hour of window would carry {} more people",
                cycle_share * 100.0,
                with_extra_hour - out
            )
        } else {
            format!(
                "the window length: vehicles cannot make another round trip before it closes; an extra hour would carry {} more people",
                with_extra_hour - out
            )
        }
    } else if p
        .corridors
        .iter()
        .enumerate()
        .any(|(ci, c)| c.slots() == 0 && left_on(p, &left, ci) > 0)
    {
        "the window is shorter than the trip: no departure from the opening arrives before the corridor closes; a longer window is needed".into()
    } else {
        "nothing the fleet or the window can change: the remaining people have no corridor or no suitable vehicle (e.g. no accessible vehicle)".into()
    };
    let accessible_left: u64 = p
        .groups
        .iter()
        .zip(&left)
        .filter(|(g, _)| g.accessible)
        .map(|x| *x.1)
        .sum();
    let bottleneck = if accessible_left > 0 {
        let seats: u64 = p
            .vehicles
            .iter()
            .filter(|v| v.accessible)
            .map(|v| v.seats as u64)
            .sum();
        format!(
            "{bottleneck}; and {accessible_left} people who need an accessible vehicle are left ({seats} accessible seats in the fleet): more accessible vehicles are needed for them"
        )
    } else {
        bottleneck
    };
    Summary {
        evacuated,
        left,
        last_safe_departure: p
            .corridors
            .iter()
            .map(|c| c.last_safe_departure())
            .collect(),
        slots,
        bottleneck,
        with_extra_hour,
        with_ten_more_vehicles,
    }
}

fn left_on(p: &Problem, left: &[u64], ci: usize) -> u64 {
    let c = &p.corridors[ci];
    p.groups
        .iter()
        .zip(left)
        .filter(|(g, _)| g.origin == c.origin && g.destination == c.destination)
        .map(|x| *x.1)
        .sum()
}

/// A checked plan for machines (`corridor plan --json`, `POST /api/plan`):
/// people out and left per group, per corridor the last safe departure and
/// the departures used, the bottleneck in words, the what-ifs, the lower
/// bound, and every leg; times in `tz`.
pub fn plan_json(
    problem: &Problem,
    schedule: &Schedule,
    sum: &Summary,
    tz: chrono_tz::Tz,
    ms: f64,
) -> serde_json::Value {
    use serde_json::json;
    let at = |m: i64| {
        chrono::DateTime::from_timestamp(m.saturating_mul(60), 0)
            .map(|t| t.with_timezone(&tz).to_rfc3339())
    };
    let legs: Vec<serde_json::Value> = schedule
        .legs
        .iter()
        .map(|l| {
            json!({
                "vehicle": problem.vehicles[l.vehicle].id, "corridor": problem.corridors[l.corridor].id,
                "loaded": l.loaded, "depart": at(l.depart), "arrive": at(l.arrive),
                "carries": l.carries.iter().map(|&(g, n)| json!({"origin": problem.groups[g].origin, "destination": problem.groups[g].destination, "accessible": problem.groups[g].accessible, "people": n})).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "people": problem.people(), "evacuated": schedule.total(), "left": sum.left.iter().sum::<u64>(),
        "groups": problem.groups.iter().enumerate().map(|(i, g)| json!({"origin": g.origin, "destination": g.destination, "accessible": g.accessible, "people": g.people, "evacuated": sum.evacuated[i], "left": sum.left[i]})).collect::<Vec<_>>(),
        "corridors": problem.corridors.iter().enumerate().map(|(i, c)| json!({"id": c.id, "last_safe_departure": at(sum.last_safe_departure[i]), "departures_used": sum.slots[i].0, "departures_available": sum.slots[i].1})).collect::<Vec<_>>(),
        "bottleneck": sum.bottleneck, "with_extra_hour": sum.with_extra_hour, "with_ten_more_vehicles": sum.with_ten_more_vehicles,
        "lower_bound_all_out": lower_bound(problem).and_then(at),
        "plan_ms": ms, "legs": legs, "time_zone": tz.name(),
    })
}
