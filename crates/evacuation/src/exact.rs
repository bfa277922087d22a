//! The exact optimum on small instances, from a time-expanded network:
//! a node per place and time step; vehicles are the flow. Waiting, empty
//! returns inside the window and loaded departures on the corridor's
//! departure grid (capacity one per slot: the convoy limits) are arcs; a
//! loaded arc earns one trip. A minimum-cost flow (successive shortest paths
//! with Bellman–Ford, costs −1 per loaded trip) gives the most loaded trips
//! any schedule can make.
//!
//! It answers the fleet-bound question exactly when every vehicle has the
//! same seats and demand does not bind (every trip leaves full): then the
//! most people evacuated is seats × trips. [`max_trips`] refuses other
//! instances.

use crate::model::Problem;

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a.saturating_abs()
    } else {
        gcd(b, a % b)
    }
}

struct Edge {
    to: usize,
    cap: i64,
    cost: i64,
}

struct Graph {
    edges: Vec<Edge>,
    adj: Vec<Vec<usize>>,
}

impl Graph {
    fn new(n: usize) -> Graph {
        Graph {
            edges: Vec::new(),
            adj: vec![Vec::new(); n],
        }
    }
    fn add(&mut self, a: usize, b: usize, cap: i64, cost: i64) {
        self.adj[a].push(self.edges.len());
        self.edges.push(Edge { to: b, cap, cost });
        self.adj[b].push(self.edges.len());
        self.edges.push(Edge {
            to: a,
            cap: 0,
            cost: -cost,
        });
    }
    /// Minimum-cost flow of up to `want` units; returns (flow, cost).
    fn min_cost_flow(&mut self, s: usize, t: usize, want: i64) -> (i64, i64) {
        let n = self.adj.len();
        let (mut flow, mut cost) = (0, 0);
        while flow < want {
            let mut dist = vec![i64::MAX; n];
            let mut pred = vec![usize::MAX; n];
            let mut inq = vec![false; n];
            dist[s] = 0;
            let mut q = std::collections::VecDeque::from([s]);
            while let Some(u) = q.pop_front() {
                inq[u] = false;
                for &e in &self.adj[u] {
                    let ed = &self.edges[e];
                    if ed.cap > 0 && dist[u] + ed.cost < dist[ed.to] {
                        dist[ed.to] = dist[u] + ed.cost;
                        pred[ed.to] = e;
                        if !inq[ed.to] {
                            inq[ed.to] = true;
                            q.push_back(ed.to);
                        }
                    }
                }
            }
            if dist[t] == i64::MAX {
                break;
            }
            let mut push = want - flow;
            let mut v = t;
            while v != s {
                let e = pred[v];
                push = push.min(self.edges[e].cap);
                v = self.edges[e ^ 1].to;
            }
            let mut v = t;
            while v != s {
                let e = pred[v];
                self.edges[e].cap -= push;
                self.edges[e ^ 1].cap += push;
                v = self.edges[e ^ 1].to;
            }
            flow += push;
            cost += push * dist[t];
        }
        (flow, cost)
    }
}

/// The most loaded trips any feasible schedule can make, or why the
/// instance is outside what this formulation answers exactly.
pub fn max_trips(p: &Problem) -> Result<u64, String> {
    let seats = p.vehicles.first().map(|v| v.seats).ok_or("no vehicles")?;
    if p.vehicles.iter().any(|v| v.seats != seats) {
        return Err("vehicles differ in seats".into());
    }
    if p.groups.iter().any(|g| g.accessible) {
        return Err("accessible demand".into());
    }
    // Places and the time grid.
    let mut places: Vec<&str> = Vec::new();
    for c in &p.corridors {
        for x in [&c.origin, &c.destination] {
            if !places.contains(&x.as_str()) {
                places.push(x);
            }
        }
    }
    let t0 = p
        .corridors
        .iter()
        .map(|c| c.open.saturating_sub(p.loading))
        .chain(p.vehicles.iter().map(|v| v.ready))
        .min()
        .ok_or("no corridors")?;
    let t1 = p
        .corridors
        .iter()
        .map(|c| c.close.saturating_add(p.unloading))
        .max()
        .ok_or("no corridors")?;
    let mut d = 0;
    for x in p
        .corridors
        .iter()
        .flat_map(|c| {
            [
                c.open.saturating_sub(t0),
                c.close.saturating_sub(t0),
                c.travel,
                c.step(),
            ]
        })
        .chain([p.loading, p.unloading])
        .chain(p.vehicles.iter().map(|v| v.ready.saturating_sub(t0)))
    {
        d = gcd(d, x);
    }
    let d = d.max(1);
    let too_large = || "instance too large for the exact formulation".to_string();
    let steps = t1
        .checked_sub(t0)
        .and_then(|span| usize::try_from(span / d).ok())
        .and_then(|k| k.checked_add(1))
        .ok_or_else(too_large)?;
    if places.len().checked_mul(steps).is_none_or(|n| n > 200_000) {
        return Err(too_large());
    }
    let node = |place: &str, t: i64| -> Option<usize> {
        let pi = places.iter().position(|x| *x == place)?;
        let k = t - t0;
        (k >= 0 && k % d == 0 && ((k / d) as usize) < steps).then(|| pi * steps + (k / d) as usize)
    };
    let (s, z) = (places.len() * steps, places.len() * steps + 1);
    let mut g = Graph::new(places.len() * steps + 2);
    let n = p.vehicles.len() as i64;
    for v in &p.vehicles {
        let a =
            node(&v.start, v.ready).ok_or(format!("vehicle {} starts off the corridors", v.id))?;
        g.add(s, a, 1, 0);
    }
    for pi in 0..places.len() {
        for k in 0..steps {
            let a = pi * steps + k;
            if k + 1 < steps {
                g.add(a, a + 1, n, 0);
            }
        }
        g.add(pi * steps + steps - 1, z, n, 0);
    }
    for c in &p.corridors {
        let step = c.step();
        // Within the grid checked above; `checked_add` ends the walk where
        // numbers beyond the limits would overflow.
        let arrives = |t: i64| t.checked_add(c.travel).filter(|&a| a <= c.close);
        let mut dep = Some(c.open);
        while let Some((t, arr)) = dep.and_then(|t| Some((t, arrives(t)?))) {
            if let (Some(a), Some(b)) = (
                node(&c.origin, t.saturating_sub(p.loading)),
                node(&c.destination, arr.saturating_add(p.unloading)),
            ) {
                g.add(a, b, 1, -1);
            }
            dep = t.checked_add(step);
        }
        let mut t = Some(c.open);
        while let Some((at, arr)) = t.and_then(|t| Some((t, arrives(t)?))) {
            if let (Some(a), Some(b)) = (node(&c.destination, at), node(&c.origin, arr)) {
                g.add(a, b, n, 0);
            }
            t = at.checked_add(d);
        }
    }
    let (_, cost) = g.min_cost_flow(s, z, n);
    Ok((-cost) as u64)
}
