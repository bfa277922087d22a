//! The road graph of corridor.
//!
//! A graph is plain arrays, in the manner of routing engines (OSRM,
//! RoutingKit): nodes are road junctions and way ends; every *edge* is one
//! stretch of one OSM way between two nodes, with its full shape, so that
//! degree-2 chains inside a way cost nothing at query time but routes can
//! still be drawn exactly. Each edge has a travel time per [`Profile`] and per
//! direction; [`INFINITY`] marks a direction that the profile may not use.
//!
//! What the graph knows and what it does not:
//! * it knows roads, their names, refs, flags and shapes, and the travel time
//!   of each profile as the importer's tag policy set it;
//! * it knows nothing about OSM tags (that is `corridor-osm`), hazards
//!   (`corridor-hazards`) or searches (`corridor-routing`).
//!
//! The binary format ([`RoadGraph::to_bytes`], [`RoadGraph::from_bytes`]) has a
//! magic, a format version and a SHA-256 of the body; a file from another
//! version, truncated or damaged is refused with a precise [`GraphFileError`],
//! and every index in it is checked before use, so no file can make the
//! program panic. The crate does no IO: callers read and write the bytes.
#![deny(missing_docs)]

mod adjacency;
mod format;
mod line_grid;
mod spatial;

pub use adjacency::{Adjacency, Arc};
pub use format::{decode_body, GraphFileError, FORMAT_VERSION, MAGIC};
pub use spatial::{BoxVisitor, Near, SegmentHit, SegmentIndex, Verdict};

use corridor_geo::LatLon;
use std::sync::Arc as Shared;

/// Travel time that marks "not allowed"; also the largest value any search
/// may hold. Chosen as `u32::MAX / 2` so that adding two weights below it can
/// never overflow a `u32`.
pub const INFINITY: u32 = u32::MAX / 2;

/// An edge's shape has fewer points than this (2^30: the segment index
/// numbers an edge's segments in 30 bits); `validate` refuses more.
pub const MAX_SHAPE_POINTS: u32 = 1 << 30;

/// A way of travelling, with its own tag policy and travel times.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Profile {
    /// Cars and buses: the convoy profile.
    Car = 0,
    /// People on foot: ignores one-way streets.
    Foot = 1,
}

impl Profile {
    /// All profiles, in storage order.
    pub const ALL: [Profile; 2] = [Profile::Car, Profile::Foot];

    /// Index in per-profile arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name used on the command line and in files.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Car => "car",
            Profile::Foot => "foot",
        }
    }

    /// Parses `car` or `foot`.
    pub fn parse(s: &str) -> Option<Profile> {
        match s {
            "car" | "bus" => Some(Profile::Car),
            "foot" | "walk" => Some(Profile::Foot),
            _ => None,
        }
    }

    /// The names the command line offers.
    pub const NAMES: [&'static str; 2] = ["car", "foot"];
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Profile, String> {
        Profile::parse(s).ok_or_else(|| format!("`{s}` is not a profile (car, foot)"))
    }
}

/// Direction along an edge: as digitised in OSM (tail to head) or against it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dir {
    /// From the edge's tail to its head.
    Forward = 0,
    /// From the edge's head to its tail.
    Backward = 1,
}

/// Bit flags of an edge.
pub mod flags {
    /// The way is a bridge.
    pub const BRIDGE: u8 = 1;
    /// The way is a tunnel.
    pub const TUNNEL: u8 = 2;
    /// The way is a ferry route.
    pub const FERRY: u8 = 4;
    /// Motor vehicles may enter only to reach a destination on it.
    pub const DESTINATION_ONLY: u8 = 8;
    /// The way is a roundabout.
    pub const ROUNDABOUT: u8 = 16;
    /// The forward half of a two-way edge split at a turn restriction's
    /// node ([`RoadGraph::twin`]): it carries travel from tail to head
    /// only; the next edge is its twin, of the same shape, carrying the
    /// other way. A route arrives at the restricted node by one half and
    /// leaves by another edge's other half, so no turn made up of two
    /// allowed ones through a third edge's end can replace a forbidden one.
    pub const TWIN_FORWARD: u8 = 32;
    /// The backward half of such a split edge: the previous edge is its
    /// twin.
    pub const TWIN_BACKWARD: u8 = 64;
    /// An edge of no length from a turn restriction's node as a whole (a
    /// place a route starts from) to a road's departure there, or from a
    /// road's arrival to the node as a whole (a place a route ends at): a
    /// route starting or ending on such a node is bound by no turn.
    pub const CENTRE: u8 = 128;
}

/// Where a graph came from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GraphMeta {
    /// File name of the extract it was imported from.
    pub source: String,
    /// Version of the importer's tag policy, so that routes can be traced to it.
    pub policy: String,
}

/// The road graph: plain arrays, see the crate documentation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoadGraph {
    /// Provenance.
    pub meta: GraphMeta,
    /// Node latitudes in 1e-7 degrees.
    pub node_lat: Vec<i32>,
    /// Node longitudes in 1e-7 degrees.
    pub node_lon: Vec<i32>,
    /// OSM id of each node.
    pub node_osm: Vec<i64>,
    /// Tail node of each edge.
    pub edge_tail: Vec<u32>,
    /// Head node of each edge.
    pub edge_head: Vec<u32>,
    /// OSM way id of each edge.
    pub edge_way: Vec<i64>,
    /// Index into `strings` of the edge's `name` (0 = none).
    pub edge_name: Vec<u32>,
    /// Index into `strings` of the edge's `ref` (0 = none).
    pub edge_ref: Vec<u32>,
    /// [`flags`] of each edge.
    pub edge_flags: Vec<u8>,
    /// Length of each edge in metres along its shape.
    pub edge_length_m: Vec<f64>,
    /// Shape of edge `e` is `shape_*[shape_first[e]..shape_first[e+1]]`,
    /// tail and head included; `shape_first.len() == edges + 1`.
    pub shape_first: Vec<u32>,
    /// Shape latitudes in 1e-7 degrees.
    pub shape_lat: Vec<i32>,
    /// Shape longitudes in 1e-7 degrees.
    pub shape_lon: Vec<i32>,
    /// Travel time in milliseconds, `[profile][dir][edge]`; [`INFINITY`] when
    /// the profile may not use the edge in that direction.
    pub time_ms: [[Vec<u32>; 2]; 2],
    /// Names and refs; `strings[0]` is the empty string. Shared, so that a
    /// route's road stretches take a name without copying it.
    pub strings: Vec<Shared<str>>,
    /// The metric-independent contraction of each profile's network
    /// (indexed by [`Profile::index`]), when computed (by `corridor import`);
    /// empty otherwise. The routing crate builds its customizable
    /// contraction hierarchies from them without re-ordering.
    pub contractions: Vec<Contraction>,
}

/// A node order and the chordal supergraph it induces: the metric-independent
/// part of a customizable contraction hierarchy, stored with the graph.
///
/// Nodes are referred to by *rank* (position in the order). The upward
/// neighbours of rank `x` are `up_head[first_up[x]..first_up[x+1]]`, sorted
/// ascending, all greater than `x`. The first of them is `x`'s parent in the
/// elimination tree.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Contraction {
    /// Rank of each node.
    pub rank: Vec<u32>,
    /// CSR index into `up_head`, `len == nodes + 1`.
    pub first_up: Vec<u32>,
    /// Upward neighbour ranks.
    pub up_head: Vec<u32>,
}

/// Most arcs a stored contraction may have per node and edge of its graph
/// ([`Contraction::validate`]): road networks have about 1.3.
pub const MAX_ARCS_PER_ELEMENT: u64 = 16;

/// Most triangles (pairs of upward neighbours) per arc: road networks have
/// about 2.
pub const MAX_TRIANGLES_PER_ARC: u64 = 64;

impl Contraction {
    /// Checks that this is a valid contraction of a graph with `n` nodes whose
    /// edges join `tail[e]` and `head[e]`: `rank` a permutation, sorted
    /// upward lists, the supergraph chordal (each node's upward neighbours,
    /// apart from its parent, are upward neighbours of the parent) and every
    /// edge for which `uses(e)` holds present as an arc.
    pub fn validate(
        &self,
        n: usize,
        tail: &[u32],
        head: &[u32],
        uses: impl Fn(usize) -> bool,
    ) -> Result<(), String> {
        if self.rank.len() != n || self.first_up.len() != n + 1 {
            return Err("contraction arrays do not match the node count".into());
        }
        let mut seen = vec![false; n];
        for &r in &self.rank {
            if r as usize >= n || std::mem::replace(&mut seen[r as usize], true) {
                return Err("contraction order is not a permutation".into());
            }
        }
        if self.first_up[0] != 0
            || self.first_up.windows(2).any(|w| w[1] < w[0])
            || self.first_up[n] as usize != self.up_head.len()
        {
            return Err("contraction index is inconsistent".into());
        }
        // Road networks' hierarchies have a few arcs per node and edge, and
        // a few triangles per arc (BENCHMARKS.md: 1.3 and 2, on every
        // extract and tiled size); a crafted file, valid but dense, would
        // make the customization allocate gigabytes from megabytes.
        let arcs = self.up_head.len() as u64;
        if arcs > MAX_ARCS_PER_ELEMENT * (n as u64 + tail.len() as u64) + 1024 {
            return Err(format!(
                "contraction has {arcs} arcs for {n} nodes and {} edges: far denser than any road network",
                tail.len()
            ));
        }
        let triangles: u64 = self
            .first_up
            .windows(2)
            .map(|w| {
                let d = u64::from(w[1].saturating_sub(w[0]));
                d * d.saturating_sub(1) / 2
            })
            .sum();
        if triangles > MAX_TRIANGLES_PER_ARC * arcs + 1024 {
            return Err(format!(
                "contraction has {triangles} triangles for {arcs} arcs: far denser than any road network"
            ));
        }
        let up = |x: usize| &self.up_head[self.first_up[x] as usize..self.first_up[x + 1] as usize];
        for x in 0..n {
            let u = up(x);
            if u.first().is_some_and(|&y| y as usize <= x)
                || u.iter().any(|&y| y as usize >= n)
                || u.windows(2).any(|w| w[1] <= w[0])
            {
                return Err(format!(
                    "contraction: upward list of rank {x} is not sorted above it"
                ));
            }
            if let Some((&p, rest)) = u.split_first() {
                let pu = up(p as usize);
                if rest.iter().any(|y| pu.binary_search(y).is_err()) {
                    return Err(format!("contraction is not chordal at rank {x}"));
                }
            }
        }
        for (e, (&t, &h)) in tail.iter().zip(head).enumerate() {
            if !uses(e) {
                continue;
            }
            let (a, b) = (self.rank[t as usize], self.rank[h as usize]);
            if a != b && up(a.min(b) as usize).binary_search(&a.max(b)).is_err() {
                return Err("contraction lacks an arc for an edge".into());
            }
        }
        Ok(())
    }
}

impl RoadGraph {
    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.node_lat.len()
    }

    /// Number of edges (each carries both directions).
    pub fn num_edges(&self) -> usize {
        self.edge_tail.len()
    }

    /// Position of node `n`.
    pub fn node_pos(&self, n: u32) -> LatLon {
        LatLon::from_e7(self.node_lat[n as usize], self.node_lon[n as usize])
    }

    /// Shape of edge `e`, tail to head.
    pub fn shape(
        &self,
        e: u32,
    ) -> impl DoubleEndedIterator<Item = LatLon> + ExactSizeIterator + '_ {
        let (a, b) = self.shape_range(e);
        (a..b).map(move |i| LatLon::from_e7(self.shape_lat[i], self.shape_lon[i]))
    }

    /// Range of edge `e` in the shape arrays.
    pub fn shape_range(&self, e: u32) -> (usize, usize) {
        (
            self.shape_first[e as usize] as usize,
            self.shape_first[e as usize + 1] as usize,
        )
    }

    /// Travel time of edge `e` in direction `dir` for `profile`, or [`INFINITY`].
    pub fn time(&self, profile: Profile, e: u32, dir: Dir) -> u32 {
        self.time_ms[profile.index()][dir as usize][e as usize]
    }

    /// The other half of a split edge ([`flags::TWIN_FORWARD`]): the same
    /// road, the same shape, the other direction of travel.
    pub fn twin(&self, e: u32) -> Option<u32> {
        let f = self.edge_flags.get(e as usize).copied().unwrap_or(0);
        if f & flags::TWIN_FORWARD != 0 {
            Some(e + 1)
        } else if f & flags::TWIN_BACKWARD != 0 {
            Some(e - 1)
        } else {
            None
        }
    }

    /// The edge that carries travel along edge `e`'s road in direction
    /// `dir` of its shape: `e` itself, or its twin when `e` is the half of
    /// a split edge for the other direction.
    pub fn carrier(&self, e: u32, dir: Dir) -> u32 {
        let f = self.edge_flags.get(e as usize).copied().unwrap_or(0);
        match dir {
            Dir::Forward if f & flags::TWIN_BACKWARD != 0 => e - 1,
            Dir::Backward if f & flags::TWIN_FORWARD != 0 => e + 1,
            _ => e,
        }
    }

    /// One id per road: the forward half of a split edge for both halves,
    /// any other edge itself.
    pub fn canonical(&self, e: u32) -> u32 {
        self.carrier(e, Dir::Forward)
    }

    /// Whether `profile` may use edge `e` in at least one direction.
    pub fn usable(&self, profile: Profile, e: u32) -> bool {
        self.time(profile, e, Dir::Forward) < INFINITY
            || self.time(profile, e, Dir::Backward) < INFINITY
    }

    /// The edge's name, if any.
    pub fn name(&self, e: u32) -> &str {
        &self.strings[self.edge_name[e as usize] as usize]
    }

    /// The edge's name, shared with the graph (empty if none).
    pub fn name_shared(&self, e: u32) -> Shared<str> {
        self.strings[self.edge_name[e as usize] as usize].clone()
    }

    /// The edge's `ref`, shared with the graph (empty if none).
    pub fn road_ref_shared(&self, e: u32) -> Shared<str> {
        self.strings[self.edge_ref[e as usize] as usize].clone()
    }

    /// The edge's `ref` (road number), if any.
    pub fn road_ref(&self, e: u32) -> &str {
        &self.strings[self.edge_ref[e as usize] as usize]
    }

    /// Number of edges usable by `profile`.
    pub fn usable_edges(&self, profile: Profile) -> usize {
        (0..self.num_edges() as u32)
            .filter(|&e| self.usable(profile, e))
            .count()
    }

    /// An empty graph to fill with [`push_node`](Self::push_node) and
    /// [`push_straight_edge`](Self::push_straight_edge): for tests, examples
    /// and synthetic networks (the OSM importer builds its own arrays).
    pub fn builder() -> RoadGraph {
        RoadGraph {
            strings: vec![Shared::from("")],
            shape_first: vec![0],
            ..Default::default()
        }
    }

    /// Adds a node; returns its index.
    pub fn push_node(&mut self, p: LatLon, osm_id: i64) -> u32 {
        let (la, lo) = p.to_e7();
        self.node_lat.push(la);
        self.node_lon.push(lo);
        self.node_osm.push(osm_id);
        (self.node_lat.len() - 1) as u32
    }

    /// Adds a straight edge from node `a` to node `b` (no name, no ref) with
    /// travel times `time_ms[profile][dir]`; returns its index.
    pub fn push_straight_edge(&mut self, a: u32, b: u32, time_ms: [[u32; 2]; 2]) -> u32 {
        self.edge_tail.push(a);
        self.edge_head.push(b);
        self.edge_way.push(self.edge_tail.len() as i64);
        self.edge_name.push(0);
        self.edge_ref.push(0);
        self.edge_flags.push(0);
        self.edge_length_m.push(corridor_geo::haversine_m(
            self.node_pos(a),
            self.node_pos(b),
        ));
        for p in [a, b] {
            self.shape_lat.push(self.node_lat[p as usize]);
            self.shape_lon.push(self.node_lon[p as usize]);
        }
        self.shape_first.push(self.shape_lat.len() as u32);
        for (p, row) in time_ms.iter().enumerate() {
            for (d, &t) in row.iter().enumerate() {
                self.time_ms[p][d].push(t);
            }
        }
        (self.edge_tail.len() - 1) as u32
    }

    /// Names edge `e` (for graphs built with [`push_straight_edge`](Self::push_straight_edge)).
    pub fn set_edge_name(&mut self, e: u32, name: &str) {
        let i = match self.strings.iter().position(|s| &**s == name) {
            Some(i) => i,
            None => {
                self.strings.push(Shared::from(name));
                self.strings.len() - 1
            }
        };
        self.edge_name[e as usize] = i as u32;
    }

    /// Checks every invariant the rest of corridor relies on: array lengths,
    /// indices in range, shapes that start and end at their nodes, finite
    /// lengths. A graph that passes can be used without bounds panics.
    pub fn validate(&self) -> Result<(), String> {
        let n = self.num_nodes();
        let m = self.num_edges();
        // Nodes and edges are named by `u32` everywhere (issue 12).
        if u32::try_from(n).is_err() || u32::try_from(m).is_err() {
            return Err("more nodes or edges than a u32 can index".into());
        }
        if self.node_lon.len() != n || self.node_osm.len() != n {
            return Err("node arrays differ in length".into());
        }
        for (what, len) in [
            ("edge heads", self.edge_head.len()),
            ("edge ways", self.edge_way.len()),
            ("edge names", self.edge_name.len()),
            ("edge refs", self.edge_ref.len()),
            ("edge flags", self.edge_flags.len()),
            ("edge lengths", self.edge_length_m.len()),
        ] {
            if len != m {
                return Err(format!("{what}: {len} entries for {m} edges"));
            }
        }
        for p in 0..2 {
            for d in 0..2 {
                if self.time_ms[p][d].len() != m {
                    return Err("travel-time arrays differ in length".into());
                }
                if let Some(t) = self.time_ms[p][d].iter().find(|&&t| t > INFINITY) {
                    return Err(format!("travel time {t} ms exceeds the infinity sentinel"));
                }
            }
        }
        if self.strings.is_empty() || !self.strings[0].is_empty() {
            return Err("string table must start with the empty string".into());
        }
        if self.shape_first.len() != m + 1 {
            return Err("shape index has the wrong length".into());
        }
        if self.shape_lat.len() != self.shape_lon.len()
            || self.shape_first.last().map(|&x| x as usize) != Some(self.shape_lat.len())
            || self.shape_first.first() != Some(&0)
        {
            return Err("shape arrays are inconsistent".into());
        }
        // Checked: a hostile `shape_first` near `u32::MAX` must not overflow
        // (issue 12). With `first == 0`, `last == len` and every step at
        // least 2, every range below is inside the shape arrays.
        if self
            .shape_first
            .windows(2)
            .any(|w| w[1].checked_sub(w[0]).is_none_or(|d| d < 2))
        {
            return Err("an edge has fewer than two shape points".into());
        }
        // The segment index numbers an edge's segments in 30 bits.
        if self
            .shape_first
            .windows(2)
            .any(|w| w[1] - w[0] >= MAX_SHAPE_POINTS)
        {
            return Err(format!(
                "an edge has {MAX_SHAPE_POINTS} shape points or more"
            ));
        }
        // Twins come in pairs, forward half first, of one shape (a corrupt
        // file must not send `twin` out of range).
        for e in 0..m {
            let f = self.edge_flags[e];
            let pair = |a: usize| {
                let b = a + 1;
                b < m
                    && self.edge_flags[a] & (flags::TWIN_FORWARD | flags::TWIN_BACKWARD)
                        == flags::TWIN_FORWARD
                    && self.edge_flags[b] & (flags::TWIN_FORWARD | flags::TWIN_BACKWARD)
                        == flags::TWIN_BACKWARD
                    && {
                        let (ra, rb) = (self.shape_range(a as u32), self.shape_range(b as u32));
                        let ra = ra.0..ra.1;
                        let rb = rb.0..rb.1;
                        self.shape_lat[ra.clone()] == self.shape_lat[rb.clone()]
                            && self.shape_lon[ra] == self.shape_lon[rb]
                    }
            };
            let ok = if f & flags::TWIN_FORWARD != 0 {
                pair(e)
            } else if f & flags::TWIN_BACKWARD != 0 {
                e > 0 && pair(e - 1)
            } else {
                true
            };
            if !ok {
                return Err(format!("edge {e} is half of a split edge without its twin"));
            }
        }
        let ns = self.strings.len();
        for e in 0..m {
            let (t, h) = (self.edge_tail[e] as usize, self.edge_head[e] as usize);
            if t >= n || h >= n {
                return Err(format!("edge {e} refers to a node out of range"));
            }
            if self.edge_name[e] as usize >= ns || self.edge_ref[e] as usize >= ns {
                return Err(format!("edge {e} refers to a string out of range"));
            }
            let len = self.edge_length_m[e];
            if !len.is_finite() || len < 0.0 {
                return Err(format!("edge {e} has an invalid length {len}"));
            }
            let (a, b) = (
                self.shape_first[e] as usize,
                self.shape_first[e + 1] as usize,
            );
            if (self.shape_lat[a], self.shape_lon[a]) != (self.node_lat[t], self.node_lon[t])
                || (self.shape_lat[b - 1], self.shape_lon[b - 1])
                    != (self.node_lat[h], self.node_lon[h])
            {
                return Err(format!("edge {e}: shape does not join its nodes"));
            }
        }
        let bad = |v: &[i32], lim: i32| v.iter().any(|&x| x < -lim || x > lim);
        if bad(&self.node_lat, 900_000_000)
            || bad(&self.shape_lat, 900_000_000)
            || bad(&self.node_lon, 1_800_000_000)
            || bad(&self.shape_lon, 1_800_000_000)
        {
            return Err("a coordinate is out of range".into());
        }
        if !self.contractions.is_empty() {
            if self.contractions.len() != 2 {
                return Err("there must be one contraction per profile".into());
            }
            for p in [Profile::Car, Profile::Foot] {
                self.contractions[p.index()].validate(
                    n,
                    &self.edge_tail,
                    &self.edge_head,
                    |e| self.usable(p, e as u32),
                )?;
            }
        }
        Ok(())
    }

    /// Bounding box `(min, max)` of all nodes, or `None` for an empty graph.
    pub fn bbox(&self) -> Option<(LatLon, LatLon)> {
        if self.num_nodes() == 0 {
            return None;
        }
        let f = |v: &[i32], max: bool| {
            if max {
                *v.iter().max().unwrap_or(&0)
            } else {
                *v.iter().min().unwrap_or(&0)
            }
        };
        Some((
            LatLon::from_e7(f(&self.shape_lat, false), f(&self.shape_lon, false)),
            LatLon::from_e7(f(&self.shape_lat, true), f(&self.shape_lon, true)),
        ))
    }
}

#[cfg(test)]
pub(crate) mod testgraph {
    use super::*;

    /// A small ladder graph for unit tests: nodes on a 1e-3 degree grid.
    pub fn grid(w: usize, h: usize) -> RoadGraph {
        let mut g = RoadGraph::builder();
        for y in 0..h {
            for x in 0..w {
                let p = LatLon::new(49.0 + y as f64 * 1e-3, 8.0 + x as f64 * 1e-3);
                g.push_node(p, (y * w + x) as i64 + 1);
            }
        }
        let mut add = |a: usize, b: usize| {
            let len = corridor_geo::haversine_m(g.node_pos(a as u32), g.node_pos(b as u32));
            let t = (len / 10.0 * 1000.0) as u32;
            g.push_straight_edge(a as u32, b as u32, [[t; 2]; 2]);
        };
        for y in 0..h {
            for x in 0..w {
                if x + 1 < w {
                    add(y * w + x, y * w + x + 1);
                }
                if y + 1 < h {
                    add(y * w + x, (y + 1) * w + x);
                }
            }
        }
        g
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Review: a chain of N nodes whose upward lists are complete is a
    /// valid (chordal) contraction; at N = 1000 its 4 MB file made the
    /// customization take 2.6 GB, at 1400 abort. Refused as too dense.
    #[test]
    fn a_dense_contraction_is_refused_before_anything_is_allocated() {
        let n = 300usize;
        let mut first_up = vec![0u32];
        let mut up_head = Vec::new();
        for x in 0..n {
            up_head.extend((x as u32 + 1)..n as u32);
            first_up.push(up_head.len() as u32);
        }
        let c = Contraction {
            rank: (0..n as u32).collect(),
            first_up,
            up_head,
        };
        let tail: Vec<u32> = (0..n as u32 - 1).collect();
        let head: Vec<u32> = (1..n as u32).collect();
        let e = c.validate(n, &tail, &head, |_| true).unwrap_err();
        assert!(e.contains("far denser"), "{e}");
        // A path's own contraction (each node's one upward neighbour) passes.
        let path = Contraction {
            rank: (0..n as u32).collect(),
            first_up: (0..=n as u32).map(|x| x.min(n as u32 - 1)).collect(),
            up_head: (1..n as u32).collect(),
        };
        assert_eq!(path.validate(n, &tail, &head, |_| true), Ok(()));
    }

    /// The halves of a split road find each other, carry one way each, and
    /// a file whose flags pair a half with nothing (the last edge, another
    /// forward half, an edge of another shape) is refused, not followed
    /// out of range.
    #[test]
    fn twins_pair_up_or_the_graph_is_refused() {
        let mut g = testgraph::grid(3, 1);
        // Edges 0 (nodes 0-1) and 1 (1-2); edge 2 is edge 0's twin.
        g.push_straight_edge(0, 1, [[5; 2]; 2]);
        let half = |g: &mut RoadGraph, flags: [u8; 3]| {
            g.edge_flags.copy_from_slice(&flags);
            g.validate()
        };
        use flags::{TWIN_BACKWARD as B, TWIN_FORWARD as F};
        assert!(
            half(&mut g, [0, F, B]).is_err(),
            "edge 1 (1-2) is not edge 2's shape"
        );
        g.edge_tail.swap(0, 1);
        g.edge_head.swap(0, 1);
        g.shape_lat.swap(0, 2);
        g.shape_lon.swap(0, 2);
        g.shape_lat.swap(1, 3);
        g.shape_lon.swap(1, 3);
        // Now edge 0 is 1-2 and edge 1 is 0-1, as edge 2.
        assert_eq!(half(&mut g, [0, F, B]), Ok(()));
        assert_eq!((g.twin(1), g.twin(2), g.twin(0)), (Some(2), Some(1), None));
        assert_eq!(
            (g.carrier(1, Dir::Backward), g.carrier(2, Dir::Forward)),
            (2, 1)
        );
        assert_eq!(
            (g.carrier(1, Dir::Forward), g.carrier(2, Dir::Backward)),
            (1, 2)
        );
        assert_eq!((g.canonical(1), g.canonical(2), g.canonical(0)), (1, 1, 0));
        for bad in [[0, 0, F], [0, F, F], [B, 0, 0], [0, B, F], [0, F | B, B]] {
            assert!(half(&mut g, bad).is_err(), "{bad:?}");
        }
    }
}
