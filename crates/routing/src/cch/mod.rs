//! A customizable contraction hierarchy (CCH; Dibbelt, Strasser and Wagner,
//! "Customizable Contraction Hierarchies", 2016), in four phases with their
//! own outputs:
//!
//! 1. [`order::nested_dissection`]: a node order from the topology and the
//!    coordinates only (inertial-flow separators).
//! 2. [`order::contract`]: the chordal supergraph of that order, a
//!    [`Contraction`] that `corridor import` stores in the graph file.
//!    [`Cch::new`] adds the derived arrays (elimination tree, downward lists,
//!    input-edge mapping) in milliseconds.
//! 3. [`Metric`]: customization from a weight per edge and direction: full
//!    (basic, lower triangles bottom-up), partial ([`Metric::update`]: only
//!    the arcs a change can reach) and perfect ([`Metric::perfect`]).
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

pub use metric::{EdgeWeights, Metric};
pub use query::{CchQuery, Path, Step};

use corridor_graph::{Contraction, Profile, RoadGraph};

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
    /// Downward lists: for rank `y`, the lower neighbours `x` (ascending)
    /// and the arc `(x, y)`, at `first_down[y]..first_down[y+1]`.
    pub(crate) first_down: Vec<u32>,
    pub(crate) down_tail: Vec<u32>,
    pub(crate) down_arc: Vec<u32>,
    /// Arc of each original edge ([`NONE`] for a loop).
    pub(crate) edge_arc: Vec<u32>,
    /// Whether travelling an edge forward (tail → head) is an upward move.
    pub(crate) edge_forward_up: Vec<bool>,
    /// Original edges of each arc: `input_edge[first_input[a]..first_input[a+1]]`.
    pub(crate) first_input: Vec<u32>,
    pub(crate) input_edge: Vec<u32>,
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
    /// contraction belongs to another graph).
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
        let mut down_deg = vec![0u32; n + 1];
        for x in 0..n {
            let (a, b) = (c.first_up[x] as usize, c.first_up[x + 1] as usize);
            if a < b {
                parent[x] = c.up_head[a];
            }
            for i in a..b {
                up_tail[i] = x as u32;
                down_deg[c.up_head[i] as usize + 1] += 1;
            }
        }
        for y in 0..n {
            down_deg[y + 1] += down_deg[y];
        }
        let first_down = down_deg;
        let mut pos = first_down.clone();
        let mut down_tail = vec![0u32; m_arcs];
        let mut down_arc = vec![0u32; m_arcs];
        for a in 0..m_arcs {
            let y = c.up_head[a] as usize;
            down_tail[pos[y] as usize] = up_tail[a];
            down_arc[pos[y] as usize] = a as u32;
            pos[y] += 1;
        }
        let m = tail.len();
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
        for e in 0..m {
            let a = edge_arc[e];
            if a != NONE {
                input_edge[pos[a as usize] as usize] = e as u32;
                pos[a as usize] += 1;
            }
        }
        Ok(Cch {
            rank: c.rank.clone(),
            node,
            first_up: c.first_up.clone(),
            up_head: c.up_head.clone(),
            up_tail,
            parent,
            first_down,
            down_tail,
            down_arc,
            edge_arc,
            edge_forward_up,
            first_input,
            input_edge,
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

    /// Bytes held by the topology arrays.
    pub fn heap_bytes(&self) -> usize {
        4 * (self.rank.len()
            + self.node.len()
            + self.first_up.len()
            + self.up_head.len()
            + self.up_tail.len()
            + self.parent.len()
            + self.first_down.len()
            + self.down_tail.len()
            + self.down_arc.len()
            + self.edge_arc.len()
            + self.first_input.len()
            + self.input_edge.len())
            + self.edge_forward_up.len()
    }

    #[inline]
    pub(crate) fn up_range(&self, x: u32) -> std::ops::Range<usize> {
        self.first_up[x as usize] as usize..self.first_up[x as usize + 1] as usize
    }

    #[inline]
    pub(crate) fn down_range(&self, y: u32) -> std::ops::Range<usize> {
        self.first_down[y as usize] as usize..self.first_down[y as usize + 1] as usize
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
