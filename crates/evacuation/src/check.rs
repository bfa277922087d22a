//! An independent feasibility checker for any schedule, written apart from
//! the planner: it shares nothing with it but the data types.

use crate::model::{Problem, Schedule};
use std::collections::BTreeMap;

/// Every way a schedule breaks the rules; empty when it is feasible.
pub fn check(p: &Problem, s: &Schedule) -> Vec<String> {
    let mut errs = Vec::new();
    let mut by_vehicle: BTreeMap<usize, Vec<&crate::model::Leg>> = BTreeMap::new();
    for l in &s.legs {
        if l.vehicle >= p.vehicles.len() || l.corridor >= p.corridors.len() {
            errs.push(format!(
                "a leg names vehicle {} or corridor {} that does not exist",
                l.vehicle, l.corridor
            ));
            continue;
        }
        by_vehicle.entry(l.vehicle).or_default().push(l);
    }
    if !errs.is_empty() {
        return errs;
    }
    // One vehicle, one place at a time: legs chain in place and time.
    for (&v, legs) in &mut by_vehicle {
        legs.sort_by_key(|l| l.depart);
        let veh = &p.vehicles[v];
        let mut place = veh.start.clone();
        let mut free = veh.ready;
        for l in legs.iter() {
            let c = &p.corridors[l.corridor];
            let (from, to) = if l.loaded {
                (&c.origin, &c.destination)
            } else {
                (&c.destination, &c.origin)
            };
            if *from != place {
                errs.push(format!(
                    "vehicle {} leaves {from} at {} but is at {place}",
                    veh.id, l.depart
                ));
            }
            let needs = if l.loaded {
                free.saturating_add(p.loading)
            } else {
                free
            };
            if l.depart < needs {
                errs.push(format!(
                    "vehicle {} departs at {} but is busy until {}{}",
                    veh.id,
                    l.depart,
                    free,
                    if l.loaded { " and must load first" } else { "" }
                ));
            }
            if l.depart.checked_add(c.travel) != Some(l.arrive) {
                errs.push(format!(
                    "vehicle {}: a trip on {} takes {} min, not {}",
                    veh.id,
                    c.id,
                    l.arrive.saturating_sub(l.depart),
                    c.travel
                ));
            }
            if l.depart < c.open || l.arrive > c.close {
                errs.push(format!(
                    "vehicle {} travels corridor {} from {} to {}, outside its window {}–{}",
                    veh.id, c.id, l.depart, l.arrive, c.open, c.close
                ));
            }
            let on: u64 = l.carries.iter().map(|x| x.1).sum();
            if !l.loaded && on > 0 {
                errs.push(format!(
                    "vehicle {} carries people on an empty return",
                    veh.id
                ));
            }
            if on > veh.seats as u64 {
                errs.push(format!(
                    "vehicle {} carries {on} people in {} seats",
                    veh.id, veh.seats
                ));
            }
            for &(g, _) in &l.carries {
                let grp = &p.groups[g];
                if grp.origin != c.origin || grp.destination != c.destination {
                    errs.push(format!(
                        "vehicle {} carries people of {}→{} on corridor {}",
                        veh.id, grp.origin, grp.destination, c.id
                    ));
                }
                if grp.accessible && !veh.accessible {
                    errs.push(format!(
                        "vehicle {} is not accessible but carries people who need it",
                        veh.id
                    ));
                }
            }
            place = to.clone();
            free = l
                .arrive
                .saturating_add(if l.loaded { p.unloading } else { 0 });
        }
    }
    // Nobody carried twice, or who was not there.
    for (g, n) in s.carried(p.groups.len()).iter().enumerate() {
        if *n > p.groups[g].people {
            errs.push(format!(
                "{n} people carried from a group of {}",
                p.groups[g].people
            ));
        }
    }
    // Convoy limits on loaded departures.
    for (ci, c) in p.corridors.iter().enumerate() {
        let mut deps: Vec<i64> = s
            .legs
            .iter()
            .filter(|l| l.corridor == ci && l.loaded)
            .map(|l| l.depart)
            .collect();
        deps.sort_unstable();
        for w in deps.windows(2) {
            if w[1].saturating_sub(w[0]) < c.min_spacing {
                errs.push(format!(
                    "corridor {}: departures at {} and {} are closer than {} min",
                    c.id, w[0], w[1], c.min_spacing
                ));
            }
        }
        if let Some(n) = c.per_hour {
            for (i, &t) in deps.iter().enumerate() {
                let within = deps[i..]
                    .iter()
                    .take_while(|&&x| x < t.saturating_add(60))
                    .count();
                if within > n as usize {
                    errs.push(format!(
                        "corridor {}: {within} departures in the hour from {t}, limit {n}",
                        c.id
                    ));
                }
            }
        }
    }
    errs
}
