//! The node order corridor shipped before issue 16, frozen here (copied
//! from `corridor_routing::cch::order` at commit ac33ab2) so that
//! `corridor-bench order-compare` measures today's order against the new one
//! in the same run. Not used by the engine.
//!
//! Nested dissection with inertial-flow separators
//! (Schild and Sommer, "On balanced separators in road networks", 2015).
//!
//! A connected cell is cut as follows: for each of four directions (east,
//! north, north-east, south-east) the nodes are sorted by their projection on
//! it, the first and last quarter become source and sink, and a unit-capacity
//! max flow between them gives a minimum edge cut. The smaller endpoint set of
//! that cut is a node separator. The direction with the smallest separator
//! (then the best balance) wins; its separator takes the highest ranks of the
//! cell, and the rest is split into connected components and ordered the same
//! way. Small cells are ordered by minimum degree.
//!
//! Only the undirected topology and the coordinates matter: the order, and the
//! contraction built on it, do not depend on any metric.

use std::collections::VecDeque;

/// Share of a cell's nodes in the source (and in the sink) of a flow cut.
const TERMINAL_SHARE: f64 = 0.25;
/// Cells at most this big are ordered by minimum degree instead of cut.
const SMALL_CELL: usize = 24;

/// Undirected simple graph in CSR form (no self loops, no parallel edges).
struct Undirected {
    first: Vec<u32>,
    adj: Vec<u32>,
}

impl Undirected {
    /// Builds the undirected simple graph of `n` nodes with edges `tail[i]`–`head[i]`.
    fn new(n: usize, tail: &[u32], head: &[u32]) -> Undirected {
        let mut deg = vec![0u32; n + 1];
        for (&a, &b) in tail.iter().zip(head) {
            if a != b {
                deg[a as usize + 1] += 1;
                deg[b as usize + 1] += 1;
            }
        }
        for i in 0..n {
            deg[i + 1] += deg[i];
        }
        let mut pos = deg.clone();
        let mut adj = vec![0u32; deg[n] as usize];
        for (&a, &b) in tail.iter().zip(head) {
            if a != b {
                adj[pos[a as usize] as usize] = b;
                pos[a as usize] += 1;
                adj[pos[b as usize] as usize] = a;
                pos[b as usize] += 1;
            }
        }
        // Sort and deduplicate each list, compacting in place.
        let mut first = vec![0u32; n + 1];
        let mut w = 0usize;
        for v in 0..n {
            let (a, b) = (deg[v] as usize, deg[v + 1] as usize);
            adj[a..b].sort_unstable();
            let start = w;
            for i in a..b {
                if w == start || adj[w - 1] != adj[i] {
                    adj[w] = adj[i];
                    w += 1;
                }
            }
            first[v + 1] = w as u32;
        }
        adj.truncate(w);
        Undirected { first, adj }
    }

    fn neighbours(&self, v: u32) -> &[u32] {
        &self.adj[self.first[v as usize] as usize..self.first[v as usize + 1] as usize]
    }
}

/// Computes a nested-dissection order. Returns the rank of each node.
/// `lat`/`lon` are node coordinates in 1e-7 degrees.
pub fn nested_dissection(
    n: usize,
    tail: &[u32],
    head: &[u32],
    lat: &[i32],
    lon: &[i32],
) -> Vec<u32> {
    let g = Undirected::new(n, tail, head);
    let mean_lat = if n == 0 {
        0.0
    } else {
        lat.iter().map(|&x| x as f64).sum::<f64>() / n as f64 * 1e-7
    };
    let kx = mean_lat.to_radians().cos();
    let xy: Vec<(f32, f32)> = (0..n)
        .map(|v| {
            (
                (lon[v] as f64 * 1e-7 * kx) as f32,
                (lat[v] as f64 * 1e-7) as f32,
            )
        })
        .collect();
    let mut ws = Workspace::new(n);
    let mut rank = vec![u32::MAX; n];
    // Work items: nodes of a cell and the first rank of its range.
    let mut work: Vec<(Vec<u32>, u32)> = vec![((0..n as u32).collect(), 0)];
    while let Some((nodes, lo)) = work.pop() {
        let comps = ws.components(&g, &nodes);
        if comps.len() > 1 {
            let mut at = lo;
            for c in comps {
                let len = c.len() as u32;
                work.push((c, at));
                at += len;
            }
            continue;
        }
        if nodes.len() <= SMALL_CELL {
            for (i, v) in ws.min_degree(&g, &nodes).into_iter().enumerate() {
                rank[v as usize] = lo + i as u32;
            }
            continue;
        }
        let sep = ws.separator(&g, &xy, &nodes);
        let hi = lo + nodes.len() as u32;
        let sep_lo = hi - sep.len() as u32;
        for (i, &v) in sep.iter().enumerate() {
            rank[v as usize] = sep_lo + i as u32;
            ws.removed[v as usize] = true;
        }
        let rest: Vec<u32> = nodes
            .into_iter()
            .filter(|&v| !ws.removed[v as usize])
            .collect();
        if !rest.is_empty() {
            work.push((rest, lo));
        }
    }
    debug_assert!(rank.iter().all(|&r| (r as usize) < n));
    rank
}

/// Scratch arrays indexed by global node id, reused across cells.
struct Workspace {
    /// Nodes already given a rank as part of a separator.
    removed: Vec<bool>,
    /// Stamp of the cell a node belongs to (membership test).
    cell: Vec<u32>,
    stamp: u32,
    /// Local id of a node in the current cell.
    local: Vec<u32>,
}

impl Workspace {
    fn new(n: usize) -> Workspace {
        Workspace {
            removed: vec![false; n],
            cell: vec![0; n],
            stamp: 0,
            local: vec![0; n],
        }
    }

    fn enter(&mut self, nodes: &[u32]) {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.cell.iter_mut().for_each(|c| *c = 0);
            self.stamp = 1;
        }
        for (i, &v) in nodes.iter().enumerate() {
            self.cell[v as usize] = self.stamp;
            self.local[v as usize] = i as u32;
        }
    }

    fn inside(&self, v: u32) -> bool {
        self.cell[v as usize] == self.stamp
    }

    /// Connected components of the cell (one component: returned as is).
    fn components(&mut self, g: &Undirected, nodes: &[u32]) -> Vec<Vec<u32>> {
        self.enter(nodes);
        let mut seen = vec![false; nodes.len()];
        let mut comps = Vec::new();
        let mut queue = VecDeque::new();
        for &s in nodes {
            let ls = self.local[s as usize] as usize;
            if seen[ls] {
                continue;
            }
            seen[ls] = true;
            let mut comp = vec![s];
            queue.push_back(s);
            while let Some(v) = queue.pop_front() {
                for &u in g.neighbours(v) {
                    if self.inside(u) && !seen[self.local[u as usize] as usize] {
                        seen[self.local[u as usize] as usize] = true;
                        comp.push(u);
                        queue.push_back(u);
                    }
                }
            }
            if comp.len() == nodes.len() {
                return vec![nodes.to_vec()];
            }
            comps.push(comp);
        }
        comps
    }

    /// Minimum-degree elimination of a small cell: returns its nodes from
    /// first to last eliminated.
    fn min_degree(&mut self, g: &Undirected, nodes: &[u32]) -> Vec<u32> {
        self.enter(nodes);
        let k = nodes.len();
        let mut nb: Vec<Vec<u32>> = nodes
            .iter()
            .map(|&v| {
                g.neighbours(v)
                    .iter()
                    .filter(|&&u| self.inside(u))
                    .map(|&u| self.local[u as usize])
                    .collect()
            })
            .collect();
        let mut gone = vec![false; k];
        let mut out = Vec::with_capacity(k);
        for _ in 0..k {
            let v = (0..k)
                .filter(|&v| !gone[v])
                .min_by_key(|&v| (nb[v].len(), v))
                .expect("a node is left");
            gone[v] = true;
            out.push(nodes[v]);
            let list = std::mem::take(&mut nb[v]);
            for &a in &list {
                let a = a as usize;
                nb[a].retain(|&x| x as usize != v);
                for &b in &list {
                    if b as usize != a && !nb[a].contains(&b) {
                        nb[a].push(b);
                    }
                }
            }
        }
        out
    }

    /// A small balanced node separator of a connected cell.
    fn separator(&mut self, g: &Undirected, xy: &[(f32, f32)], nodes: &[u32]) -> Vec<u32> {
        self.enter(nodes);
        let k = nodes.len();
        // Local CSR with twin arcs.
        let mut first = Vec::with_capacity(k + 1);
        let mut head: Vec<u32> = Vec::new();
        first.push(0u32);
        for &v in nodes {
            for &u in g.neighbours(v) {
                if self.inside(u) {
                    head.push(self.local[u as usize]);
                }
            }
            first.push(head.len() as u32);
        }
        // Lists are sorted by global id; twin by search in the head's list.
        let mut twin = vec![0u32; head.len()];
        for v in 0..k {
            for a in first[v] as usize..first[v + 1] as usize {
                let u = head[a] as usize;
                let (lo, hi) = (first[u] as usize, first[u + 1] as usize);
                let b = (lo..hi)
                    .find(|&b| head[b] as usize == v)
                    .expect("undirected graph is symmetric");
                twin[a] = b as u32;
            }
        }
        let cell = LocalCell { first, head, twin };
        let terminals = ((k as f64 * TERMINAL_SHARE).ceil() as usize).clamp(1, k / 2);
        let dirs: [(f32, f32); 4] = [(1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, -1.0)];
        let mut best: Option<(usize, usize, Vec<u32>)> = None; // (size, imbalance, sep)
        let mut order: Vec<u32> = (0..k as u32).collect();
        let mut flow = FlowState::new(k, cell.head.len());
        for (dx, dy) in dirs {
            let key = |l: u32| {
                let (x, y) = xy[nodes[l as usize] as usize];
                x * dx + y * dy
            };
            order.sort_unstable_by(|&a, &b| key(a).total_cmp(&key(b)).then(a.cmp(&b)));
            let limit = best.as_ref().map(|b| b.0);
            let Some((sep, source_part)) =
                flow.min_cut(&cell, &order[..terminals], &order[k - terminals..], limit)
            else {
                continue;
            };
            let imbalance = (2 * source_part).abs_diff(k);
            if best
                .as_ref()
                .is_none_or(|b| (sep.len(), imbalance) < (b.0, b.1))
            {
                best = Some((sep.len(), imbalance, sep));
            }
        }
        let sep = best.map(|b| b.2).unwrap_or_default();
        if sep.is_empty() {
            // Cannot happen for a connected cell; order it whole rather than loop.
            return nodes.to_vec();
        }
        sep.into_iter().map(|l| nodes[l as usize]).collect()
    }
}

/// A cell with local ids and twin arcs (`twin[a]` is the reverse of arc `a`).
struct LocalCell {
    first: Vec<u32>,
    head: Vec<u32>,
    twin: Vec<u32>,
}

/// Unit-capacity max flow on an undirected cell: each edge carries at most
/// one unit in either direction; the flow on arc `a` is `-flow[twin[a]]`.
struct FlowState {
    flow: Vec<i8>,
    role: Vec<u8>,
    seen: Vec<u32>,
    stamp: u32,
    pred: Vec<u32>,
    queue: Vec<u32>,
}

const FREE: u8 = 0;
const SOURCE: u8 = 1;
const SINK: u8 = 2;
const NO: u32 = u32::MAX;

impl FlowState {
    fn new(k: usize, arcs: usize) -> FlowState {
        FlowState {
            flow: vec![0; arcs],
            role: vec![FREE; k],
            seen: vec![0; k],
            stamp: 0,
            pred: vec![NO; k],
            queue: Vec::with_capacity(k),
        }
    }

    /// Breadth-first search in the residual graph from every source node.
    /// Returns the sink reached, if any; `pred` holds the arcs used.
    fn bfs(&mut self, c: &LocalCell, sources: &[u32]) -> Option<u32> {
        self.stamp += 1;
        self.queue.clear();
        for &s in sources {
            self.seen[s as usize] = self.stamp;
            self.pred[s as usize] = NO;
            self.queue.push(s);
        }
        let mut i = 0;
        while i < self.queue.len() {
            let v = self.queue[i];
            i += 1;
            for a in c.first[v as usize]..c.first[v as usize + 1] {
                if self.flow[a as usize] >= 1 {
                    continue;
                }
                let u = c.head[a as usize];
                if self.seen[u as usize] == self.stamp {
                    continue;
                }
                self.seen[u as usize] = self.stamp;
                self.pred[u as usize] = a;
                if self.role[u as usize] == SINK {
                    return Some(u);
                }
                self.queue.push(u);
            }
        }
        None
    }

    /// Minimum edge cut between `sources` and `sinks`, turned into a node
    /// separator (the smaller endpoint set of the cut edges). Returns the
    /// separator and the number of nodes on the source side, or `None` when
    /// the flow exceeds `limit` (a better cut is already known).
    fn min_cut(
        &mut self,
        c: &LocalCell,
        sources: &[u32],
        sinks: &[u32],
        limit: Option<usize>,
    ) -> Option<(Vec<u32>, usize)> {
        self.flow.iter_mut().for_each(|f| *f = 0);
        self.role.iter_mut().for_each(|r| *r = FREE);
        for &s in sources {
            self.role[s as usize] = SOURCE;
        }
        for &t in sinks {
            self.role[t as usize] = SINK;
        }
        let mut value = 0usize;
        while let Some(t) = self.bfs(c, sources) {
            value += 1;
            if limit.is_some_and(|l| value > l) {
                return None;
            }
            let mut v = t;
            while self.pred[v as usize] != NO {
                let a = self.pred[v as usize] as usize;
                self.flow[a] += 1;
                self.flow[c.twin[a] as usize] -= 1;
                // The tail of arc a is the head of its twin.
                v = c.head[c.twin[a] as usize];
            }
        }
        // The last search marked the source side (residual reachability).
        let stamp = self.stamp;
        let on_source = |v: u32| self.seen[v as usize] == stamp;
        let k = c.first.len() - 1;
        let mut near: Vec<u32> = Vec::new();
        let mut far: Vec<u32> = Vec::new();
        let mut source_part = 0;
        let mut far_mark = vec![false; k];
        for v in 0..k as u32 {
            if !on_source(v) {
                continue;
            }
            source_part += 1;
            let mut cut = false;
            for a in c.first[v as usize]..c.first[v as usize + 1] {
                let u = c.head[a as usize];
                if !on_source(u) {
                    cut = true;
                    if !far_mark[u as usize] {
                        far_mark[u as usize] = true;
                        far.push(u);
                    }
                }
            }
            if cut {
                near.push(v);
            }
        }
        let sep = if far.len() < near.len() { far } else { near };
        Some((sep, source_part))
    }
}
