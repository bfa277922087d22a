//! The planner, in the manner of CCRP (Capacity Constrained Route Planner;
//! Lu, George and Shekhar, 2005): again and again, among every vehicle and
//! every corridor, take the trip that brings a load of people to safety
//! earliest, given the capacity already reserved — the vehicle's time and
//! place, and the corridor's departure slots under its convoy limits — then
//! reserve it. A vehicle at a corridor's destination first drives back empty
//! along it, inside the window. People needing an accessible vehicle board
//! accessible vehicles first.

use crate::model::{Leg, Problem, Schedule};

/// First free departure slot at or after `k`, with path compression
/// (a "next free" union–find over slot indices).
struct Slots {
    next: Vec<usize>,
}

impl Slots {
    fn new(n: usize) -> Slots {
        Slots {
            next: (0..=n).collect(),
        }
    }
    fn find(&mut self, k: usize) -> usize {
        let mut r = k.min(self.next.len() - 1);
        while self.next[r] != r {
            r = self.next[r];
        }
        let mut x = k.min(self.next.len() - 1);
        while self.next[x] != r {
            let n = self.next[x];
            self.next[x] = r;
            x = n;
        }
        r
    }
    fn take(&mut self, k: usize) {
        self.next[k] = k + 1;
    }
    /// Index one past the last slot (meaning "none free").
    fn end(&self) -> usize {
        self.next.len() - 1
    }
}

/// The next trip as the greedy rule ranks it: (arrival, -load, vehicle,
/// corridor, departure, the empty leg to the origin if any: (corridor,
/// departure)).
type Choice = (i64, i64, usize, usize, i64, Option<(usize, i64)>);

/// The number of place `name` in `names`, added if new.
fn number<'a>(names: &mut Vec<&'a str>, name: &'a str) -> usize {
    names.iter().position(|n| *n == name).unwrap_or_else(|| {
        names.push(name);
        names.len() - 1
    })
}

/// An upper bound on the work of [`plan`] for `p`, in steps of its inner
/// loop: each trip it chooses looks at every vehicle on every corridor, and
/// a vehicle away from a corridor's origin at every corridor back; trips
/// are at most the departure slots, and at most the people (each trip
/// carries someone). What a server checks before planning for a client.
pub fn work(p: &Problem) -> u128 {
    let slots: u128 = p.corridors.iter().map(|c| c.slots() as u128).sum();
    let trips = slots.min(u128::from(p.people()));
    let (c, v) = (p.corridors.len() as u128, p.vehicles.len() as u128);
    (trips + 1) * c * v * (c + 1)
}

/// Plans the evacuation. Times are added with saturation and at most
/// [`MAX_SLOTS`](crate::model::limits::MAX_SLOTS) departures of a corridor are considered, so a problem
/// built with numbers beyond the [`limits`](crate::model::limits) plans
/// fewer trips but never overflows or allocates in proportion to them.
pub fn plan(p: &Problem) -> Schedule {
    let nc = p.corridors.len();
    let mut slots: Vec<Slots> = p.corridors.iter().map(|c| Slots::new(c.slots())).collect();
    let mut remaining: Vec<u64> = p.groups.iter().map(|g| g.people).collect();
    // Groups served by each corridor: accessible first.
    let served: Vec<Vec<usize>> = p
        .corridors
        .iter()
        .map(|c| {
            let mut v: Vec<usize> = (0..p.groups.len())
                .filter(|&g| {
                    p.groups[g].origin == c.origin && p.groups[g].destination == c.destination
                })
                .collect();
            v.sort_by_key(|&g| !p.groups[g].accessible);
            v
        })
        .collect();
    // Places as numbers: the loop compares them for every vehicle on every
    // corridor.
    let mut names: Vec<&str> = Vec::new();
    let ends: Vec<(usize, usize)> = p
        .corridors
        .iter()
        .map(|c| {
            (
                number(&mut names, &c.origin),
                number(&mut names, &c.destination),
            )
        })
        .collect();
    let mut loc: Vec<usize> = p
        .vehicles
        .iter()
        .map(|v| number(&mut names, &v.start))
        .collect();
    let mut ready: Vec<i64> = p.vehicles.iter().map(|v| v.ready).collect();
    let mut legs: Vec<Leg> = Vec::new();
    loop {
        let mut best: Option<Choice> = None;
        for ci in 0..nc {
            let c = &p.corridors[ci];
            let (mut general, mut accessible) = (0u64, 0u64);
            for &g in &served[ci] {
                if p.groups[g].accessible {
                    accessible += remaining[g];
                } else {
                    general += remaining[g];
                }
            }
            if general + accessible == 0 {
                continue;
            }
            let step = c.step();
            for (vi, v) in p.vehicles.iter().enumerate() {
                let load = general + if v.accessible { accessible } else { 0 };
                if load == 0 {
                    continue;
                }
                // An accessible vehicle with people who need it goes first:
                // nobody else can carry them.
                let needed = i64::from(!(v.accessible && accessible > 0));
                let load = load.min(v.seats as u64) as i64;
                // To the origin: already there, or empty back along any
                // corridor from where the vehicle is, inside its window.
                let (at_origin, empty) = if loc[vi] == ends[ci].0 {
                    (ready[vi], None)
                } else {
                    let back = p
                        .corridors
                        .iter()
                        .enumerate()
                        .filter(|(bi, _)| ends[*bi] == (ends[ci].0, loc[vi]))
                        .filter_map(|(bi, b)| {
                            let dep = ready[vi].max(b.open);
                            let arr = dep.saturating_add(b.travel);
                            (arr <= b.close).then_some((arr, bi, dep))
                        })
                        .min();
                    match back {
                        Some((arr, bi, dep)) => (arr, Some((bi, dep))),
                        None => continue,
                    }
                };
                let earliest = at_origin.saturating_add(p.loading).max(c.open);
                let k = usize::try_from(
                    (earliest.saturating_sub(c.open))
                        .saturating_add(step - 1)
                        .div_euclid(step),
                )
                .unwrap_or(usize::MAX);
                let s = &mut slots[ci];
                if k >= s.end() {
                    continue;
                }
                let free = s.find(k);
                if free >= s.end() {
                    continue;
                }
                // `free` < MAX_SLOTS and `step` at most a window: no overflow
                // unless the window is beyond the limits; then saturate.
                let depart = c.open.saturating_add((free as i64).saturating_mul(step));
                let arrive = depart.saturating_add(c.travel);
                if arrive > c.close {
                    continue;
                }
                let key = (arrive, needed * 1_000_000 - load, vi, ci, depart, empty);
                if best.is_none_or(|b| (key.0, key.1, key.2, key.3) < (b.0, b.1, b.2, b.3)) {
                    best = Some(key);
                }
            }
        }
        let Some((arrive, _, vi, ci, depart, empty)) = best else {
            break;
        };
        let c = &p.corridors[ci];
        if let Some((bi, dep)) = empty {
            legs.push(Leg {
                vehicle: vi,
                corridor: bi,
                loaded: false,
                depart: dep,
                arrive: dep.saturating_add(p.corridors[bi].travel),
                carries: Vec::new(),
            });
        }
        let mut seats = p.vehicles[vi].seats as u64;
        let mut carries = Vec::new();
        for &g in &served[ci] {
            if seats == 0 {
                break;
            }
            if p.groups[g].accessible && !p.vehicles[vi].accessible {
                continue;
            }
            let n = remaining[g].min(seats);
            if n > 0 {
                remaining[g] -= n;
                seats -= n;
                carries.push((g, n));
            }
        }
        slots[ci].take(((depart - c.open) / c.step()) as usize);
        legs.push(Leg {
            vehicle: vi,
            corridor: ci,
            loaded: true,
            depart,
            arrive,
            carries,
        });
        loc[vi] = ends[ci].1;
        ready[vi] = arrive.saturating_add(p.unloading);
    }
    legs.sort_by_key(|l| (l.vehicle, l.depart, !l.loaded));
    Schedule { legs }
}
