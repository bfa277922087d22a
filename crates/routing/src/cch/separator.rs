//! Balanced node separators of a connected cell, by inertial flow with
//! incremental terminals (the way InertialFlowCutter pierces: Gottesbüren,
//! Hamann, Uhl and Wagner, "Faster and better nested dissection orders for
//! customizable contraction hierarchies", 2019).
//!
//! For each of several directions (by default eight, 22.5° apart) the cell's
//! nodes are ordered by their projection on it (only as far as the stages
//! read: which nodes are among the first and the last of each share). The
//! first and last nodes of that order become source and sink, a growing
//! share of the cell at each end
//! (by default 10 %, 20 %, 30 % and 40 %). A unit-capacity max flow between
//! them is augmented stage by stage (the flow of one stage stays valid when
//! the terminal sets grow), and after each stage its minimum edge cut is
//! turned into a node separator: a minimum vertex cover of the cut edges
//! (König's theorem on the bipartite graph they form), never larger than the
//! smaller set of cut-edge endpoints. Of all these candidates the cell keeps
//! the one with the smallest expansion — separator size over the size of the
//! smaller side — so a cheap cut that splits off a tenth of the cell can win
//! over an expensive one through the middle; the first stage's terminals
//! keep either side from being tiny.

/// How the order is computed. The defaults are the engine's; the other
/// settings exist so that the benchmarks can show what each part brings.
#[derive(Clone, Debug)]
pub struct OrderOptions {
    /// Number of projection directions per cell, evenly spread over 180°
    /// (4: the axes and diagonals; 8: every 22.5°).
    pub directions: usize,
    /// Shares of the cell taken as source (and as sink) at each stage,
    /// ascending, each at most 0.5.
    pub stages: Vec<f64>,
    /// Take out trees hanging off the network before dissection.
    pub reduce: bool,
    /// With `reduce`, take out chains of degree-2 nodes too. Off by
    /// default: it orders faster and gives fewer arcs and a lower tree, but
    /// the separators must then be junctions (more fill above them), and the
    /// mean query search space grows by 5-25 % (BENCHMARKS.md, "Order
    /// quality").
    pub chains: bool,
}

impl Default for OrderOptions {
    fn default() -> OrderOptions {
        OrderOptions {
            directions: 8,
            stages: vec![0.1, 0.2, 0.3, 0.4],
            reduce: true,
            chains: false,
        }
    }
}

use super::order::Undirected;

/// A small balanced node separator of the connected cell `nodes` (whose
/// local ids, `local[v]` = position in `nodes`, are set). Never empty for a
/// cell of two or more nodes.
pub(crate) fn separator(
    g: &Undirected,
    xy: &[(f32, f32)],
    nodes: &[u32],
    local: &[u32],
    opts: &OrderOptions,
) -> Vec<u32> {
    let k = nodes.len();
    // Local CSR with twin arcs. Global lists are sorted by id; map them and
    // find each twin by search in the head's list.
    let mut first = Vec::with_capacity(k + 1);
    let mut head: Vec<u32> = Vec::new();
    first.push(0u32);
    let inside = |u: u32| {
        let l = local[u as usize] as usize;
        l < k && nodes[l] == u
    };
    for &v in nodes {
        for &u in g.neighbours(v) {
            if inside(u) {
                head.push(local[u as usize]);
            }
        }
        first.push(head.len() as u32);
    }
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
    let dirs = opts.directions.max(1);
    let mut best: Option<(Candidate, Vec<u32>)> = None;
    // The terminal set sizes of the stages, ascending and distinct.
    let mut sizes: Vec<usize> = Vec::with_capacity(opts.stages.len());
    for &share in &opts.stages {
        let t = ((k as f64 * share).ceil() as usize).clamp(1, k / 2);
        if sizes.last().is_none_or(|&last| t > last) {
            sizes.push(t);
        }
    }
    let mut keyed: Vec<u64> = Vec::with_capacity(k);
    let mut order: Vec<u32> = Vec::with_capacity(k);
    let mut flow = FlowState::new(k, cell.head.len());
    let mut cover = Cover::new(k);
    let mut seeds: Vec<u32> = Vec::new();
    for d in 0..dirs {
        let angle = std::f64::consts::PI * d as f64 / dirs as f64;
        let (dx, dy) = (angle.cos() as f32, angle.sin() as f32);
        keyed.clear();
        keyed.extend(nodes.iter().zip(0..k as u32).map(|(&v, l)| {
            let (x, y) = xy[v as usize];
            by_projection(x * dx + y * dy, l)
        }));
        ends_by_projection(&mut keyed, &sizes);
        order.clear();
        order.extend(keyed.iter().map(|&x| x as u32));
        flow.reset();
        let mut taken = 0;
        for &t in &sizes {
            for i in taken..t {
                flow.role[order[i] as usize] = SOURCE;
                flow.role[order[k - 1 - i] as usize] = SINK;
            }
            taken = t;
            // Only sources with a neighbour that is not one can start a
            // path: the others need not be searched from.
            seeds.clear();
            seeds.extend(order[..t].iter().copied().filter(|&v| {
                cell.head[cell.first[v as usize] as usize..cell.first[v as usize + 1] as usize]
                    .iter()
                    .any(|&u| flow.role[u as usize] != SOURCE)
            }));
            flow.max_flow(&cell, &seeds);
            let c = cover.of_cut(&cell, &flow);
            if best.as_ref().is_none_or(|(b, _)| c.better_than(b)) {
                best = Some((c, cover.separator.clone()));
            }
        }
    }
    let sep = best.map(|b| b.1).unwrap_or_default();
    if sep.is_empty() {
        // Cannot happen for a connected cell; order it whole rather than loop.
        return nodes.to_vec();
    }
    sep.into_iter().map(|l| nodes[l as usize]).collect()
}

/// Node `l` with projection `key` as one integer, so that integers compare
/// as nodes by projection (`f32::total_cmp`), then by local id: the order
/// the stages take their terminals in, compared in one instruction.
fn by_projection(key: f32, l: u32) -> u64 {
    // f32::total_cmp's own mapping of a float to an ordered integer, with
    // the sign bit flipped so that it orders as unsigned.
    let bits = key.to_bits() as i32;
    let ordered = (bits ^ (((bits >> 31) as u32) >> 1) as i32) as u32 ^ 0x8000_0000;
    u64::from(ordered) << 32 | u64::from(l)
}

/// Arranges `v` so that, for every size `t` of `sizes` (ascending, each at
/// most half of `v`), its first `t` entries are the `t` first
/// (see [`by_projection`]) and its last `t` the `t` last, in some order within
/// each band between two sizes. That is all the stages read of the order,
/// and it takes a few linear-time selections where a whole sort took 38 %
/// of the order's instructions (BENCHMARKS.md, seventeenth round); the
/// terminal sets, and so the cuts, are the same as a sort's.
fn ends_by_projection(v: &mut [u64], sizes: &[usize]) {
    let k = v.len();
    let Some(&top) = sizes.last() else { return };
    if top == 0 || 2 * top > k {
        v.sort_unstable();
        return;
    }
    v.select_nth_unstable(top - 1);
    let rest = &mut v[top..];
    let j = rest.len() - top;
    if j > 0 {
        rest.select_nth_unstable(j);
    }
    // Within the bands: each smaller size splits the band above it.
    for w in sizes.windows(2).rev() {
        let (t, above) = (w[0], w[1]);
        v[..above].select_nth_unstable(t - 1);
        v[k - above..].select_nth_unstable(above - t);
    }
}

/// A cut's quality: separator size and the nodes on each side without it.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    sep: usize,
    side_a: usize,
    side_b: usize,
}

impl Candidate {
    /// Smaller expansion (sep / smaller side) first, then the smaller
    /// separator, then the better balance; earlier candidates win ties.
    fn better_than(&self, o: &Candidate) -> bool {
        let small = |c: &Candidate| c.side_a.min(c.side_b).max(1) as u64;
        // sep / small(self) < o.sep / small(o), in integers.
        let (l, r) = (self.sep as u64 * small(o), o.sep as u64 * small(self));
        if l != r {
            return l < r;
        }
        if self.sep != o.sep {
            return self.sep < o.sep;
        }
        small(self) > small(o)
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
    /// Nodes found and not yet searched from.
    stack: Vec<u32>,
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
            stack: Vec::with_capacity(k),
        }
    }

    fn reset(&mut self) {
        self.flow.iter_mut().for_each(|f| *f = 0);
        self.role.iter_mut().for_each(|r| *r = FREE);
    }

    /// Search in the residual graph from every source node, last found
    /// first (FlowCutter's pseudo depth-first search: a path to a sink is
    /// found long before a breadth-first search has swept every node
    /// nearer the sources: tiled-2's order 0.86 s with a breadth-first
    /// search, 0.68 s with this, BENCHMARKS.md, seventeenth round). Returns
    /// the sink reached, if any; `pred` holds the arcs used. When none is reached,
    /// the nodes with `seen == stamp` are the source side of a minimum cut:
    /// those the sources reach in the residual graph of a maximum flow,
    /// the same whichever maximum flow and whatever order of search, so
    /// the separators, and the order, are those of a breadth-first search.
    fn search(&mut self, c: &LocalCell, sources: &[u32]) -> Option<u32> {
        self.stamp += 1;
        self.stack.clear();
        for &s in sources {
            self.seen[s as usize] = self.stamp;
            self.pred[s as usize] = NO;
            self.stack.push(s);
        }
        while let Some(v) = self.stack.pop() {
            for a in c.first[v as usize]..c.first[v as usize + 1] {
                if self.flow[a as usize] >= 1 {
                    continue;
                }
                let u = c.head[a as usize];
                if self.seen[u as usize] == self.stamp || self.role[u as usize] == SOURCE {
                    continue;
                }
                self.seen[u as usize] = self.stamp;
                self.pred[u as usize] = a;
                if self.role[u as usize] == SINK {
                    return Some(u);
                }
                self.stack.push(u);
            }
        }
        None
    }

    /// Augments the current flow (valid for smaller terminal sets) to a
    /// maximum one between `sources` and the nodes marked `SINK`.
    fn max_flow(&mut self, c: &LocalCell, sources: &[u32]) {
        while let Some(t) = self.search(c, sources) {
            let mut v = t;
            while self.pred[v as usize] != NO {
                let a = self.pred[v as usize] as usize;
                self.flow[a] += 1;
                self.flow[c.twin[a] as usize] -= 1;
                // The tail of arc a is the head of its twin.
                v = c.head[c.twin[a] as usize];
            }
        }
    }

    /// Whether a node is on the source side of the minimum cut the last
    /// (failed) search found: reached by it, or a source.
    fn on_source_side(&self, v: u32) -> bool {
        self.seen[v as usize] == self.stamp || self.role[v as usize] == SOURCE
    }
}

/// Minimum vertex cover of a cut's edges (bipartite: source-side ends
/// against sink-side ends), by augmenting paths and König's construction.
struct Cover {
    /// Position of a sink-side end in `far`, or `NO`.
    far_pos: Vec<u32>,
    /// Position of a source-side end in `near`, or `NO`.
    near_pos: Vec<u32>,
    separator: Vec<u32>,
}

impl Cover {
    fn new(k: usize) -> Cover {
        Cover {
            far_pos: vec![NO; k],
            near_pos: vec![NO; k],
            separator: Vec::new(),
        }
    }

    /// The separator of the minimum cut the last search of `f` found (left
    /// in `self.separator`, local ids) and its quality.
    fn of_cut(&mut self, c: &LocalCell, f: &FlowState) -> Candidate {
        let k = c.first.len() - 1;
        let mut near: Vec<u32> = Vec::new();
        let mut far: Vec<u32> = Vec::new();
        let mut source_part = 0;
        // Cut edges as (near index, far index), grouped by near node.
        let mut first_edge: Vec<u32> = vec![0];
        let mut edge_far: Vec<u32> = Vec::new();
        for v in 0..k as u32 {
            if !f.on_source_side(v) {
                continue;
            }
            source_part += 1;
            let before = edge_far.len();
            for a in c.first[v as usize]..c.first[v as usize + 1] {
                let u = c.head[a as usize];
                if f.on_source_side(u) {
                    continue;
                }
                if self.far_pos[u as usize] == NO {
                    self.far_pos[u as usize] = far.len() as u32;
                    far.push(u);
                }
                edge_far.push(self.far_pos[u as usize]);
            }
            if edge_far.len() > before {
                self.near_pos[v as usize] = near.len() as u32;
                near.push(v);
                first_edge.push(edge_far.len() as u32);
            }
        }
        // Maximum matching (Kuhn's augmenting paths; cuts are small).
        let (nn, nf) = (near.len(), far.len());
        let mut match_near = vec![NO; nn];
        let mut match_far = vec![NO; nf];
        let mut visited = vec![u32::MAX; nf];
        for s in 0..nn {
            augment(
                s as u32,
                s as u32,
                &first_edge,
                &edge_far,
                &mut match_near,
                &mut match_far,
                &mut visited,
            );
        }
        // König: Z = reached from unmatched near nodes by alternating paths.
        let mut z_near = vec![false; nn];
        let mut z_far = vec![false; nf];
        let mut stack: Vec<u32> = (0..nn as u32)
            .filter(|&x| match_near[x as usize] == NO)
            .collect();
        for &x in &stack {
            z_near[x as usize] = true;
        }
        while let Some(x) = stack.pop() {
            for &y in
                &edge_far[first_edge[x as usize] as usize..first_edge[x as usize + 1] as usize]
            {
                if !z_far[y as usize] {
                    z_far[y as usize] = true;
                    let m = match_far[y as usize];
                    if m != NO && !z_near[m as usize] {
                        z_near[m as usize] = true;
                        stack.push(m);
                    }
                }
            }
        }
        self.separator.clear();
        let mut near_in = 0;
        for (i, &v) in near.iter().enumerate() {
            if !z_near[i] {
                self.separator.push(v);
                near_in += 1;
            }
        }
        let mut far_in = 0;
        for (j, &u) in far.iter().enumerate() {
            if z_far[j] {
                self.separator.push(u);
                far_in += 1;
            }
        }
        for &v in &near {
            self.near_pos[v as usize] = NO;
        }
        for &u in &far {
            self.far_pos[u as usize] = NO;
        }
        Candidate {
            sep: self.separator.len(),
            side_a: source_part - near_in,
            side_b: k - source_part - far_in,
        }
    }
}

/// One augmenting-path search of Kuhn's matching from near node `x`
/// (iterative, so a long alternating path cannot overflow the stack).
fn augment(
    root: u32,
    x: u32,
    first_edge: &[u32],
    edge_far: &[u32],
    match_near: &mut [u32],
    match_far: &mut [u32],
    visited: &mut [u32],
) -> bool {
    // Stack of (near node, next edge index to try).
    let mut stack: Vec<(u32, u32)> = vec![(x, first_edge[x as usize])];
    // Far node chosen at each depth.
    let mut chosen: Vec<u32> = Vec::new();
    while let Some(&mut (v, ref mut e)) = stack.last_mut() {
        if *e >= first_edge[v as usize + 1] {
            stack.pop();
            chosen.pop();
            continue;
        }
        let y = edge_far[*e as usize];
        *e += 1;
        if visited[y as usize] == root {
            continue;
        }
        visited[y as usize] = root;
        let m = match_far[y as usize];
        if m == NO {
            // Flip the path: each near node on the stack takes its far node.
            chosen.push(y);
            for (i, &(v, _)) in stack.iter().enumerate() {
                let y = chosen[i];
                match_near[v as usize] = y;
                match_far[y as usize] = v;
            }
            return true;
        }
        chosen.push(y);
        stack.push((m, first_edge[m as usize]));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The integers order as the projections do (`total_cmp`), then
        /// as the local ids.
        #[test]
        fn the_integers_order_as_projection_then_id(
            a in any::<f32>(), b in any::<f32>(), i in 0u32..4, j in 0u32..4,
        ) {
            let want = a.total_cmp(&b).then(i.cmp(&j));
            prop_assert_eq!(by_projection(a, i).cmp(&by_projection(b, j)), want);
        }

        /// Every band the stages read holds the nodes a whole sort puts
        /// there, ties in the projection included.
        #[test]
        fn the_ends_hold_what_a_sort_puts_there(
            keys in prop::collection::vec(-4i8..4, 2..300),
            shares in prop::collection::vec(0.01f64..0.5, 1..5),
        ) {
            let k = keys.len();
            let mut sizes: Vec<usize> = shares
                .iter()
                .map(|&s| ((k as f64 * s).ceil() as usize).clamp(1, k / 2))
                .collect();
            sizes.sort_unstable();
            sizes.dedup();
            let mut v: Vec<u64> =
                keys.iter().zip(0..).map(|(&x, l)| by_projection(f32::from(x), l)).collect();
            let mut sorted = v.clone();
            sorted.sort_unstable_by(|a, b| {
                let key = |x: u64| f32::from(keys[x as u32 as usize]);
                key(*a).total_cmp(&key(*b)).then((*a as u32).cmp(&(*b as u32)))
            });
            ends_by_projection(&mut v, &sizes);
            let band = |s: &[u64]| {
                let mut ids: Vec<u32> = s.iter().map(|&x| x as u32).collect();
                ids.sort_unstable();
                ids
            };
            let mut lo = 0;
            for &t in &sizes {
                prop_assert_eq!(band(&v[lo..t]), band(&sorted[lo..t]));
                prop_assert_eq!(band(&v[k - t..k - lo]), band(&sorted[k - t..k - lo]));
                lo = t;
            }
            prop_assert_eq!(band(&v), band(&sorted));
        }
    }
}
