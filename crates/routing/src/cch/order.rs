//! Phase 1: a node order by nested dissection with inertial-flow separators
//! (Schild and Sommer, "On balanced separators in road networks", 2015;
//! the incremental cuts follow InertialFlowCutter, Gottesbüren et al.,
//! "Faster and better nested dissection orders for customizable contraction
//! hierarchies", 2019).
//!
//! The order is built in two stages:
//!
//! 1. **Reduction.** Trees hanging off the network (dead ends, found by
//!    peeling degree-1 nodes) are taken out and ranked below everything
//!    else: eliminating them creates no fill. Each tree is ordered by
//!    centroids: its most central node is ranked highest, and the parts left
//!    are ordered the same way, so a dead-end road of `L` nodes adds about
//!    `log2 L` to the elimination tree instead of `L`. With
//!    [`OrderOptions::chains`] chains of degree-2 nodes are taken out too
//!    (each leaves one edge between its two ends), round after round until
//!    no node of degree 2 or less remains; that is faster and gives fewer
//!    arcs, but longer queries, so it is off by default.
//! 2. **Nested dissection** of the remaining core, cell by cell (see the
//!    `separator` module for how a separator is found): a cell's separator takes
//!    its highest ranks, the rest splits into connected components that are
//!    ordered the same way. Small cells are ordered by minimum degree.
//!
//! Only the undirected topology and the coordinates matter: the order, and the
//! contraction built on it, do not depend on any metric. The order is
//! deterministic: every choice breaks ties by node id.

use std::collections::VecDeque;

pub use super::separator::OrderOptions;

/// Cells at most this big are ordered by minimum degree instead of cut.
const SMALL_CELL: usize = 24;

/// Undirected simple graph in CSR form (no self loops, no parallel edges).
pub(crate) struct Undirected {
    pub(crate) first: Vec<u32>,
    pub(crate) adj: Vec<u32>,
}

impl Undirected {
    /// Builds the undirected simple graph of `n` nodes with edges `tail[i]`–`head[i]`.
    pub(crate) fn new(n: usize, tail: &[u32], head: &[u32]) -> Undirected {
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

    pub(crate) fn neighbours(&self, v: u32) -> &[u32] {
        &self.adj[self.first[v as usize] as usize..self.first[v as usize + 1] as usize]
    }
}

/// Computes a nested-dissection order with the default [`OrderOptions`].
/// Returns the rank of each node. `lat`/`lon` are node coordinates in 1e-7
/// degrees.
pub fn nested_dissection(
    n: usize,
    tail: &[u32],
    head: &[u32],
    lat: &[i32],
    lon: &[i32],
) -> Vec<u32> {
    nested_dissection_with(n, tail, head, lat, lon, &OrderOptions::default())
}

/// [`nested_dissection`] with explicit options (the benchmarks compare them).
pub fn nested_dissection_with(
    n: usize,
    tail: &[u32],
    head: &[u32],
    lat: &[i32],
    lon: &[i32],
    opts: &OrderOptions,
) -> Vec<u32> {
    let mut g = Undirected::new(n, tail, head);
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
    let mut next_rank = 0u32;
    let mut core: Vec<u32> = (0..n as u32).collect();
    if opts.reduce {
        // Stage 1: take out trees and chains, round after round.
        loop {
            let (outer, inner, reduced) = reduce(&g, &core, opts.chains);
            if outer.is_empty() {
                break;
            }
            ws.order_forest(&g, &outer, next_rank, &mut rank);
            next_rank += outer.len() as u32;
            core = inner;
            g = reduced;
        }
    }
    // Stage 2: nested dissection of the core.
    // Work items: nodes of a cell and the first rank of its range.
    let mut work: Vec<(Vec<u32>, u32)> = Vec::new();
    if !core.is_empty() {
        work.push((core, next_rank));
    }
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
        ws.enter(&nodes);
        let sep = super::separator::separator(&g, &xy, &nodes, &ws.local, opts);
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

/// One round of reduction of the graph `g` restricted to `active` (every
/// edge of `g` joins two active nodes). Returns the nodes taken out (trees
/// hanging off, then chains of degree-2 nodes with their trees), the nodes
/// left, and the graph on those: its edges among them plus an edge between
/// the ends of every chain (the fill that eliminating the chain creates).
fn reduce(g: &Undirected, active: &[u32], chains: bool) -> (Vec<u32>, Vec<u32>, Undirected) {
    let n = g.first.len() - 1;
    let mut deg = vec![0u32; n];
    let mut out = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    for &v in active {
        deg[v as usize] = g.neighbours(v).len() as u32;
        if deg[v as usize] <= 1 {
            stack.push(v);
        }
    }
    // Peel degree-1 nodes until none is left (what remains is the 2-core).
    while let Some(v) = stack.pop() {
        if out[v as usize] {
            continue;
        }
        out[v as usize] = true;
        for &u in g.neighbours(v) {
            if !out[u as usize] {
                deg[u as usize] -= 1;
                if deg[u as usize] == 1 {
                    stack.push(u);
                }
            }
        }
    }
    // Chains: nodes of the 2-core with two neighbours in it.
    let mut outer = Vec::new();
    let mut inner = Vec::new();
    for &v in active {
        if chains && !out[v as usize] && deg[v as usize] == 2 {
            out[v as usize] = true;
        }
        if out[v as usize] {
            outer.push(v);
        } else {
            inner.push(v);
        }
    }
    // The reduced graph: edges among the nodes left, and for each piece
    // taken out, a clique on the nodes left that it touches (at most two).
    let (mut tail, mut head) = (Vec::new(), Vec::new());
    for &v in &inner {
        for &u in g.neighbours(v) {
            if !out[u as usize] && v < u {
                tail.push(v);
                head.push(u);
            }
        }
    }
    let mut seen = vec![false; n];
    let mut touch: Vec<u32> = Vec::new();
    let mut queue: Vec<u32> = Vec::new();
    for &s in &outer {
        if seen[s as usize] {
            continue;
        }
        seen[s as usize] = true;
        queue.clear();
        queue.push(s);
        touch.clear();
        let mut i = 0;
        while i < queue.len() {
            let v = queue[i];
            i += 1;
            for &u in g.neighbours(v) {
                if !out[u as usize] {
                    touch.push(u);
                } else if !seen[u as usize] {
                    seen[u as usize] = true;
                    queue.push(u);
                }
            }
        }
        touch.sort_unstable();
        touch.dedup();
        for (i, &a) in touch.iter().enumerate() {
            for &b in &touch[i + 1..] {
                tail.push(a);
                head.push(b);
            }
        }
    }
    (outer, inner, Undirected::new(n, &tail, &head))
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

    /// Ranks the nodes taken out by one round of reduction, `lo` upwards:
    /// every connected piece by centroids (its most central node highest,
    /// then the parts left, the same way). A piece that is not a tree (a
    /// ring of degree-2 nodes with its trees) first gives up the lowest id
    /// on its cycle.
    fn order_forest(&mut self, g: &Undirected, outer: &[u32], lo: u32, rank: &mut [u32]) {
        let mut work: Vec<(Vec<u32>, u32)> = vec![(outer.to_vec(), lo)];
        while let Some((nodes, lo)) = work.pop() {
            let comps = self.components(g, &nodes);
            if comps.len() > 1 {
                let mut at = lo;
                for c in comps {
                    let len = c.len() as u32;
                    work.push((c, at));
                    at += len;
                }
                continue;
            }
            let top = self.centroid(g, &nodes);
            rank[top as usize] = lo + nodes.len() as u32 - 1;
            if nodes.len() > 1 {
                let rest: Vec<u32> = nodes.into_iter().filter(|&v| v != top).collect();
                work.push((rest, lo));
            }
        }
    }

    /// The node of a connected piece (of the graph restricted to `nodes`)
    /// whose removal leaves the smallest largest part, when the piece is a
    /// tree; otherwise a node on a cycle (one not of degree 1 in the piece
    /// after peeling leaves). Ties go to the first node found.
    fn centroid(&mut self, g: &Undirected, nodes: &[u32]) -> u32 {
        self.enter(nodes);
        let k = nodes.len();
        // Breadth-first tree from nodes[0]; count edges inside.
        let mut order: Vec<u32> = Vec::with_capacity(k);
        let mut parent = vec![u32::MAX; k];
        let mut seen = vec![false; k];
        let mut degree = vec![0u32; k];
        let mut edges2 = 0usize;
        seen[0] = true;
        order.push(0);
        let mut i = 0;
        while i < order.len() {
            let lv = order[i] as usize;
            i += 1;
            for &u in g.neighbours(nodes[lv]) {
                if !self.inside(u) {
                    continue;
                }
                edges2 += 1;
                degree[lv] += 1;
                let lu = self.local[u as usize] as usize;
                if !seen[lu] {
                    seen[lu] = true;
                    parent[lu] = lv as u32;
                    order.push(lu as u32);
                }
            }
        }
        if edges2 / 2 != k - 1 {
            // Not a tree: peel the leaves; any node left lies on a cycle.
            let mut stack: Vec<usize> = (0..k).filter(|&v| degree[v] <= 1).collect();
            let mut gone = vec![false; k];
            while let Some(v) = stack.pop() {
                if gone[v] {
                    continue;
                }
                gone[v] = true;
                for &u in g.neighbours(nodes[v]) {
                    if self.inside(u) {
                        let lu = self.local[u as usize] as usize;
                        if !gone[lu] {
                            degree[lu] -= 1;
                            if degree[lu] == 1 {
                                stack.push(lu);
                            }
                        }
                    }
                }
            }
            let v = (0..k)
                .filter(|&v| !gone[v])
                .min_by_key(|&v| nodes[v])
                .expect("a graph with a cycle keeps its 2-core");
            return nodes[v];
        }
        let mut size = vec![1u32; k];
        let mut biggest_child = vec![0u32; k];
        for &lv in order.iter().rev() {
            let p = parent[lv as usize];
            if p != u32::MAX {
                size[p as usize] += size[lv as usize];
                biggest_child[p as usize] = biggest_child[p as usize].max(size[lv as usize]);
            }
        }
        let best = order
            .iter()
            .map(|&lv| {
                let lv = lv as usize;
                (biggest_child[lv].max(k as u32 - size[lv]), lv)
            })
            .min()
            .expect("a piece has a node");
        nodes[best.1]
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
}

/// Chordal supergraph of the graph under `rank`: the upward neighbour lists
/// that contracting nodes in rank order creates. Metric independent.
pub fn contract(n: usize, tail: &[u32], head: &[u32], rank: &[u32]) -> corridor_graph::Contraction {
    let mut up: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (&a, &b) in tail.iter().zip(head) {
        let (ra, rb) = (rank[a as usize], rank[b as usize]);
        if ra != rb {
            up[ra.min(rb) as usize].push(ra.max(rb));
        }
    }
    let mut first_up = Vec::with_capacity(n + 1);
    first_up.push(0u32);
    let mut up_head: Vec<u32> = Vec::new();
    for x in 0..n {
        let mut list = std::mem::take(&mut up[x]);
        list.sort_unstable();
        list.dedup();
        if let Some((&p, rest)) = list.split_first() {
            up[p as usize].extend_from_slice(rest);
        }
        up_head.extend_from_slice(&list);
        first_up.push(up_head.len() as u32);
    }
    corridor_graph::Contraction {
        rank: rank.to_vec(),
        first_up,
        up_head,
    }
}
