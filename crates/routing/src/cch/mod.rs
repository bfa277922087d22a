//! A customizable contraction hierarchy (CCH; Dibbelt, Strasser and Wagner,
//! "Customizable Contraction Hierarchies", 2016), in four phases with their
//! own outputs:
//!
//! 1. [`order::nested_dissection`]: a node order from the topology and the
//!    coordinates only (inertial-flow separators).
//! 2. [`order::contract`]: the chordal supergraph of that order, a
//!    [`Contraction`] that `corridor import` stores in the graph file.
//!    [`Cch::new`] adds the derived arrays (elimination tree, input-edge
//!    mapping, each arc's lower triangles) in milliseconds.
//! 3. [`Metric`]: customization from a weight per edge and direction: full
//!    (basic: each arc the minimum over its input edges and its lower
//!    triangles, read from lists [`Cch::new`] builds once; sequential or
//!    on all cores, [`Metric::customize_parallel`]), partial
//!    ([`Metric::update`]: only the arcs whose value a change can reach) and
//!    perfect ([`Metric::perfect`]).
//! 4. [`CchQuery`]: exact queries by elimination-tree walks, with the path
//!    unpacked to original edges, and one-to-many.
//!
//! ## Weights and infinity
//! Weights are milliseconds in `u32`. [`INFINITY`] (`u32::MAX / 2`) marks an
//! arc that cannot be used (a one-way street backwards, a blocked road). The
//! sum of two weights is at most `2 · INFINITY = u32::MAX - 1`, so no sum ever
//! overflows; any sum at or above `INFINITY` is treated as infinite. Slowed
//! edges carry their scaled weight, capped at `INFINITY - 1`.
//!
//! ## Ranks and arcs
//! Inside this module nodes are referred to by rank. An arc joins a lower rank
//! `lo` and a higher rank `hi`; its `up` weight is the cost of travelling
//! `lo → hi`, its `down` weight the cost of `hi → lo`.

pub mod order;
mod separator;

mod metric;
mod query;

pub use metric::{EdgeWeights, Metric, ParallelPlan, UpdateStats};
pub use query::{CchQuery, Path, Step};

use corridor_graph::{Contraction, Profile, RoadGraph};
use std::sync::OnceLock;

pub use corridor_graph::INFINITY;

/// No arc / no node.
pub(crate) const NONE: u32 = u32::MAX;

/// The metric-independent part of the hierarchy, with everything derived
/// from the stored [`Contraction`].
#[derive(Clone, Debug)]
pub struct Cch {
    /// Rank of each node.
    pub(crate) rank: Vec<u32>,
    /// Node of each rank.
    pub(crate) node: Vec<u32>,
    /// Upward arcs of rank `x`: `first_up[x]..first_up[x+1]`.
    pub(crate) first_up: Vec<u32>,
    /// Higher end of each arc.
    pub(crate) up_head: Vec<u32>,
    /// Lower end of each arc.
    pub(crate) up_tail: Vec<u32>,
    /// Parent of each rank in the elimination tree, or [`NONE`] at a root.
    pub(crate) parent: Vec<u32>,
    /// Arc of each original edge ([`NONE`] for a loop).
    pub(crate) edge_arc: Vec<u32>,
    /// Whether travelling an edge forward (tail → head) is an upward move.
    pub(crate) edge_forward_up: Vec<bool>,
    /// Original edges of each arc: `input_edge[first_input[a]..first_input[a+1]]`.
    pub(crate) first_input: Vec<u32>,
    pub(crate) input_edge: Vec<u32>,
    /// Lower triangles of each arc `(y, z)`: for every `x` below both with
    /// arcs `(x, y)` and `(x, z)`, the pair of those arcs, `x` ascending, at
    /// `tri[first_tri[a]..first_tri[a+1]]`. Customization reads an arc's
    /// candidates from here instead of merging two downward lists.
    pub(crate) first_tri: Vec<u32>,
    pub(crate) tri: Vec<[u32; 2]>,
    /// How parallel customization splits the work, made on first use.
    pub(crate) schedule: OnceLock<metric::Schedule>,
}

/// Calls `f(i, j, k)` for every triangle `x < y < z` of the chordal graph
/// with `i = (x, y)`, `j = (x, z)`, `k = (y, z)`, by `x` ascending (then
/// `y`, then `z`).
fn for_each_triangle(first_up: &[u32], up_head: &[u32], mut f: impl FnMut(usize, usize, usize)) {
    for x in 0..first_up.len().saturating_sub(1) {
        let (s, e) = (first_up[x] as usize, first_up[x + 1] as usize);
        for i in s..e {
            let y = up_head[i] as usize;
            let (mut k, ye) = (first_up[y] as usize, first_up[y + 1] as usize);
            for j in i + 1..e {
                let z = up_head[j];
                while k < ye && up_head[k] < z {
                    k += 1;
                }
                if k < ye && up_head[k] == z {
                    f(i, j, k);
                    k += 1;
                } else {
                    debug_assert!(false, "contraction not chordal");
                }
            }
        }
    }
}

/// The lower-triangle lists of every arc (see [`Cch::tri`]), counted in a
/// first pass and filled in a second.
fn lower_triangles(first_up: &[u32], up_head: &[u32]) -> Result<(Vec<u32>, Vec<[u32; 2]>), String> {
    let m = up_head.len();
    let mut first = vec![0u32; m + 1];
    let mut total = 0u64;
    for_each_triangle(first_up, up_head, |_, _, k| {
        first[k + 1] += 1;
        total += 1;
    });
    // A metric names the triangle an arc's weight came from by its index,
    // beside edge ids marked with the top bit (`metric::INPUT`).
    if total >= u64::from(metric::INPUT) {
        return Err(format!("{total} triangles: too many for one hierarchy"));
    }
    for a in 0..m {
        first[a + 1] += first[a];
    }
    let mut pos = first.clone();
    let mut tri = vec![[0u32; 2]; total as usize];
    for_each_triangle(first_up, up_head, |i, j, k| {
        tri[pos[k] as usize] = [i as u32, j as u32];
        pos[k] += 1;
    });
    Ok((first, tri))
}

/// The edges a profile may use, as tail and head arrays.
fn profile_edges(g: &RoadGraph, p: Profile) -> (Vec<u32>, Vec<u32>) {
    (0..g.num_edges())
        .filter(|&e| g.usable(p, e as u32))
        .map(|e| (g.edge_tail[e], g.edge_head[e]))
        .unzip()
}

impl Cch {
    /// Computes the order and contraction (phases 1 and 2) of the network
    /// `profile` may use: each profile gets its own hierarchy, so that car
    /// queries never walk footpaths.
    pub fn contraction_of(g: &RoadGraph, profile: Profile) -> Contraction {
        let (tail, head) = profile_edges(g, profile);
        let rank = order::nested_dissection(g.num_nodes(), &tail, &head, &g.node_lat, &g.node_lon);
        order::contract(g.num_nodes(), &tail, &head, &rank)
    }

    /// Contractions of every profile, in [`Profile::index`] order, as
    /// `RoadGraph::contractions` stores them.
    pub fn contractions_of(g: &RoadGraph) -> Vec<Contraction> {
        [Profile::Car, Profile::Foot]
            .iter()
            .map(|&p| Cch::contraction_of(g, p))
            .collect()
    }

    /// Builds the hierarchy of a profile from the graph's stored contraction,
    /// or computes one when the graph has none.
    pub fn for_graph(g: &RoadGraph, profile: Profile) -> Cch {
        let uses = |e: usize| g.usable(profile, e as u32);
        match g.contractions.get(profile.index()) {
            Some(c) => Cch::new(c, &g.edge_tail, &g.edge_head, uses),
            None => Cch::new(
                &Cch::contraction_of(g, profile),
                &g.edge_tail,
                &g.edge_head,
                uses,
            ),
        }
        .expect("a validated or freshly computed contraction covers every edge")
    }

    /// Derives the hierarchy from a contraction of the graph with edges
    /// `tail[e] → head[e]`, of which those with `uses(e)` take part (the
    /// others never get an arc). Fails when a used edge has no arc (the
    /// contraction belongs to another graph), or when the graph has 2^30
    /// edges or more, or its hierarchy 2^31 triangles or more (a metric
    /// names both in 31 bits).
    pub fn new(
        c: &Contraction,
        tail: &[u32],
        head: &[u32],
        uses: impl Fn(usize) -> bool,
    ) -> Result<Cch, String> {
        let n = c.rank.len();
        let m_arcs = c.up_head.len();
        let mut node = vec![0u32; n];
        for (v, &r) in c.rank.iter().enumerate() {
            node[r as usize] = v as u32;
        }
        let mut up_tail = vec![0u32; m_arcs];
        let mut parent = vec![NONE; n];
        for (x, p) in parent.iter_mut().enumerate() {
            let (a, b) = (c.first_up[x] as usize, c.first_up[x + 1] as usize);
            if a < b {
                *p = c.up_head[a];
            }
            up_tail[a..b].fill(x as u32);
        }
        let m = tail.len();
        // A metric names an edge in the bits below its two marks
        // (`metric::INPUT`, `metric::FORWARD`).
        if m > metric::EDGE as usize + 1 {
            return Err(format!("{m} edges: too many for one hierarchy"));
        }
        let mut edge_arc = vec![NONE; m];
        let mut edge_forward_up = vec![false; m];
        let mut input_deg = vec![0u32; m_arcs + 1];
        for e in 0..m {
            let (rt, rh) = (c.rank[tail[e] as usize], c.rank[head[e] as usize]);
            if rt == rh || !uses(e) {
                continue;
            }
            let (lo, hi) = (rt.min(rh), rt.max(rh));
            let list =
                &c.up_head[c.first_up[lo as usize] as usize..c.first_up[lo as usize + 1] as usize];
            let i = list
                .binary_search(&hi)
                .map_err(|_| format!("edge {e} has no arc in the contraction"))?;
            let a = c.first_up[lo as usize] + i as u32;
            edge_arc[e] = a;
            edge_forward_up[e] = rt < rh;
            input_deg[a as usize + 1] += 1;
        }
        for a in 0..m_arcs {
            input_deg[a + 1] += input_deg[a];
        }
        let first_input = input_deg;
        let mut pos = first_input.clone();
        let mut input_edge = vec![0u32; first_input[m_arcs] as usize];
        for (e, &a) in edge_arc.iter().enumerate().take(m) {
            if a != NONE {
                input_edge[pos[a as usize] as usize] = e as u32;
                pos[a as usize] += 1;
            }
        }
        let (first_tri, tri) = lower_triangles(&c.first_up, &c.up_head)?;
        Ok(Cch {
            rank: c.rank.clone(),
            node,
            first_up: c.first_up.clone(),
            up_head: c.up_head.clone(),
            up_tail,
            parent,
            edge_arc,
            edge_forward_up,
            first_input,
            input_edge,
            first_tri,
            tri,
            schedule: OnceLock::new(),
        })
    }

    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.rank.len()
    }

    /// Number of arcs of the chordal supergraph.
    pub fn num_arcs(&self) -> usize {
        self.up_head.len()
    }

    /// Rank of a node.
    pub fn rank_of(&self, node: u32) -> u32 {
        self.rank[node as usize]
    }

    /// Height of the elimination tree (longest path from a node to its root),
    /// which bounds the work of one query.
    pub fn tree_height(&self) -> usize {
        let n = self.num_nodes();
        let mut depth = vec![0u32; n];
        let mut best = 0;
        for x in (0..n).rev() {
            let p = self.parent[x];
            if p != NONE {
                depth[x] = depth[p as usize] + 1;
            }
            best = best.max(depth[x] as usize + 1);
        }
        best
    }

    /// Number of upward arcs of rank `x`.
    pub fn up_degree(&self, x: u32) -> usize {
        self.up_range(x).len()
    }

    /// Parent of rank `x` in the elimination tree (`None` at a root).
    pub fn parent_of(&self, x: u32) -> Option<u32> {
        Some(self.parent[x as usize]).filter(|&p| p != NONE)
    }

    /// Number of lower triangles (each arc's candidates in customization).
    pub fn num_triangles(&self) -> usize {
        self.tri.len()
    }

    /// Bytes held by the lower-triangle lists (included in
    /// [`Cch::heap_bytes`]).
    pub fn triangle_bytes(&self) -> usize {
        4 * self.first_tri.len() + 8 * self.tri.len()
    }

    /// Bytes held by the topology arrays, triangle lists included (the
    /// parallel schedule, made on first use, is not counted).
    pub fn heap_bytes(&self) -> usize {
        self.triangle_bytes()
            + 4 * (self.rank.len()
                + self.node.len()
                + self.first_up.len()
                + self.up_head.len()
                + self.up_tail.len()
                + self.parent.len()
                + self.edge_arc.len()
                + self.first_input.len()
                + self.input_edge.len())
            + self.edge_forward_up.len()
    }

    #[inline]
    pub(crate) fn up_range(&self, x: u32) -> std::ops::Range<usize> {
        self.first_up[x as usize] as usize..self.first_up[x as usize + 1] as usize
    }

    /// How [`Metric::customize_parallel`] splits this hierarchy (made on
    /// first use, for the current rayon pool's number of threads, then
    /// kept).
    pub fn parallel_plan(&self) -> ParallelPlan {
        self.schedule
            .get_or_init(|| metric::Schedule::new(self, rayon::current_num_threads()))
            .plan
    }

    /// How [`Metric::customize_parallel`] would split this hierarchy for
    /// `threads` threads (computed afresh, not kept).
    pub fn parallel_plan_for(&self, threads: usize) -> ParallelPlan {
        metric::Schedule::new(self, threads).plan
    }

    /// Lower triangles of arc `a`: pairs `[(x, y), (x, z)]` of arcs.
    #[inline]
    pub(crate) fn triangles(&self, a: usize) -> &[[u32; 2]] {
        &self.tri[self.first_tri[a] as usize..self.first_tri[a + 1] as usize]
    }

    /// The arc joining ranks `lo < hi`, if any.
    #[inline]
    pub(crate) fn arc(&self, lo: u32, hi: u32) -> Option<u32> {
        let r = self.up_range(lo);
        self.up_head[r.clone()]
            .binary_search(&hi)
            .ok()
            .map(|i| (r.start + i) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The triangle lists hold exactly the lower triangles of every arc,
        /// `x` ascending, found here by brute force over all node triples.
        #[test]
        fn triangle_lists_are_exact(
            n in 1usize..40,
            edges in prop::collection::vec((0u32..40, 0u32..40), 0..120),
            seed in any::<u64>(),
        ) {
            let (tail, head): (Vec<u32>, Vec<u32>) =
                edges.iter().map(|&(a, b)| (a % n as u32, b % n as u32)).unzip();
            // A random order.
            let mut rank: Vec<u32> = (0..n as u32).collect();
            let mut s = seed | 1;
            for i in (1..n).rev() {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                rank.swap(i, (s % (i as u64 + 1)) as usize);
            }
            let c = order::contract(n, &tail, &head, &rank);
            let cch = Cch::new(&c, &tail, &head, |_| true).expect("hierarchy");
            let mut total = 0;
            for a in 0..cch.num_arcs() {
                let (y, z) = (cch.up_tail[a], cch.up_head[a]);
                let mut want = Vec::new();
                for x in 0..y {
                    if let (Some(b), Some(m)) = (cch.arc(x, y), cch.arc(x, z)) {
                        want.push([b, m]);
                    }
                }
                prop_assert_eq!(cch.triangles(a), &want[..], "arc {} = ({}, {})", a, y, z);
                total += want.len();
            }
            prop_assert_eq!(cch.num_triangles(), total);
        }
    }
}
