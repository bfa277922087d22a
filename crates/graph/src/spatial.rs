//! Spatial index of road segments, answering in metres.
//!
//! The index is a packed Hilbert R-tree (`static_aabb2d_index`, a port of
//! flatbush): the segments' boxes sorted along a Hilbert curve, sixteen to
//! a node, every level one flat array. A search near a point reads a few
//! runs of adjacent boxes instead of following a pointer per node, which is
//! what snapping a route's two ends costs on a cold cache.

use crate::line_grid::LineGrid;
use crate::RoadGraph;
use corridor_geo::{point_segment_distance, LatLon, LocalFrame};
use static_aabb2d_index::{StaticAABB2DIndex, StaticAABB2DIndexBuilder, AABB};

/// One straight piece of an edge's shape, stored beside its box (the
/// tree's leaf of the same position). The segment's two points are corners
/// of that box, so a search reads them there instead of from the graph's
/// shape arrays.
#[derive(Clone, Copy, Debug)]
struct Segment {
    edge: u32,
    /// Index of the segment's first point within the edge's shape, times
    /// 4, plus [`FIRST_LON_MAX`] and [`FIRST_LAT_MAX`]: which corner of
    /// the box the first point is.
    idx_corner: u32,
}

/// The segment's first point has the box's larger longitude.
const FIRST_LON_MAX: u32 = 1;
/// The segment's first point has the box's larger latitude.
const FIRST_LAT_MAX: u32 = 2;

impl Segment {
    /// Index of the segment within its edge's shape.
    fn idx(&self) -> u32 {
        self.idx_corner >> 2
    }

    /// The segment's first and second points, exactly as the graph has them,
    /// from its box.
    fn ends(&self, b: &AABB<f64>) -> (LatLon, LatLon) {
        let (lon_a, lon_b) = if self.idx_corner & FIRST_LON_MAX != 0 {
            (b.max_x, b.min_x)
        } else {
            (b.min_x, b.max_x)
        };
        let (lat_a, lat_b) = if self.idx_corner & FIRST_LAT_MAX != 0 {
            (b.max_y, b.min_y)
        } else {
            (b.min_y, b.max_y)
        };
        (
            LatLon {
                lat: lat_a,
                lon: lon_a,
            },
            LatLon {
                lat: lat_b,
                lon: lon_b,
            },
        )
    }
}

/// A segment near a query point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SegmentHit {
    /// Edge the segment belongs to.
    pub edge: u32,
    /// Index of the segment within the edge's shape (0 = first).
    pub segment: u32,
    /// Distance in metres from the query point.
    pub distance_m: f64,
    /// Closest point on the segment.
    pub point: LatLon,
    /// Fraction of the segment's length before the closest point.
    pub t: f64,
}

/// What a [`BoxVisitor`] makes of a node of the R-tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No segment under the node can be wanted: skip it.
    Skip,
    /// Every segment under the node is wanted, without testing one.
    TakeAll,
    /// Some may be: look at the node's children.
    Descend,
}

/// A walk down the segment R-tree that decides whole nodes at once (see
/// [`SegmentIndex::visit`]). Boxes are `[lon, lat]` degrees, min and max.
pub trait BoxVisitor {
    /// Decides a node from its bounding box.
    fn enter(&mut self, min: [f64; 2], max: [f64; 2]) -> Verdict;
    /// Called after the children of a node `enter` answered
    /// [`Verdict::Descend`] for.
    fn leave(&mut self) {}
    /// A segment under a node answered [`Verdict::TakeAll`].
    fn take(&mut self, edge: u32, segment: u32);
    /// A segment directly under a node answered [`Verdict::Descend`]: the
    /// visitor tests it itself. `min`/`max` is its bounding box.
    fn test(&mut self, edge: u32, segment: u32, min: [f64; 2], max: [f64; 2]);
}

/// R-tree over every shape segment of a graph, in (lon, lat) degrees.
pub struct SegmentIndex {
    tree: StaticAABB2DIndex<f64>,
    /// The segment of each leaf, in the tree's leaf order.
    leaves: Vec<Segment>,
    /// The cells each segment's line crosses, for small circles (None
    /// without segments, or on a network too wide for it).
    grid: Option<LineGrid>,
}

fn corners(b: &AABB<f64>) -> ([f64; 2], [f64; 2]) {
    ([b.min_x, b.min_y], [b.max_x, b.max_y])
}

impl SegmentIndex {
    /// Indexes every segment of every edge (bulk-loaded).
    pub fn build(g: &RoadGraph) -> SegmentIndex {
        let count: usize = (0..g.num_edges() as u32)
            .map(|e| {
                let (a, b) = g.shape_range(e);
                b.saturating_sub(a + 1)
            })
            .sum();
        let mut builder = StaticAABB2DIndexBuilder::new(count);
        let mut segs = Vec::with_capacity(count);
        for e in 0..g.num_edges() as u32 {
            let (a, b) = g.shape_range(e);
            for i in a..b.saturating_sub(1) {
                let p = LatLon::from_e7(g.shape_lat[i], g.shape_lon[i]);
                let q = LatLon::from_e7(g.shape_lat[i + 1], g.shape_lon[i + 1]);
                let mut corner = 0;
                if p.lon > q.lon {
                    corner |= FIRST_LON_MAX;
                }
                if p.lat > q.lat {
                    corner |= FIRST_LAT_MAX;
                }
                builder.add(
                    p.lon.min(q.lon),
                    p.lat.min(q.lat),
                    p.lon.max(q.lon),
                    p.lat.max(q.lat),
                );
                // `validate` keeps an edge's shape below 2^30 points, so
                // the index fits above the two corner bits.
                segs.push(Segment {
                    edge: e,
                    idx_corner: ((i - a) as u32) << 2 | corner,
                });
            }
        }
        // Exactly `count` boxes were added, and f64 always casts to f64:
        // the builder's two errors cannot happen.
        let tree = builder
            .build()
            .expect("every counted segment was added, with f64 coordinates");
        let leaves: Vec<Segment> = tree.item_indices().iter().map(|&i| segs[i]).collect();
        let grid = tree.all_boxes().last().and_then(|root| {
            let boxes = tree.all_boxes();
            LineGrid::build(
                leaves.iter().enumerate().map(|(pos, s)| {
                    let (a, b) = s.ends(&boxes[pos]);
                    (pos as u32, a, b)
                }),
                [root.min_x, root.min_y],
                [root.max_x, root.max_y],
            )
        });
        SegmentIndex { tree, leaves, grid }
    }

    /// Bytes the index holds on the heap (tree, leaves and grid).
    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of_val(self.tree.all_boxes())
            + std::mem::size_of_val(self.tree.all_box_indices())
            + std::mem::size_of_val(&self.leaves[..])
            + self.grid.as_ref().map_or(0, LineGrid::heap_bytes)
    }

    /// Number of tree levels above the leaves' (0 for an empty index).
    fn root_level(&self) -> Option<usize> {
        (self.tree.count() > 0).then(|| self.tree.level_bounds().len() - 1)
    }

    /// Positions of the children of the node at `pos`, on `level` (≥ 1).
    fn children(&self, pos: usize, level: usize) -> std::ops::Range<usize> {
        let first = self.tree.all_box_indices()[pos];
        let end = (first + self.tree.node_size()).min(self.tree.level_bounds()[level - 1]);
        first..end
    }

    /// Leaf positions under the node at `pos` on `level`: a run, since the
    /// tree is packed.
    fn leaves_under(&self, pos: usize, level: usize) -> std::ops::Range<usize> {
        let (mut first, mut last) = (pos, pos);
        for l in (1..=level).rev() {
            first = self.children(first, l).start;
            last = self.children(last, l).end - 1;
        }
        first..last + 1
    }

    /// Calls `f(leaf position)` for every leaf whose box meets `env`.
    fn for_each_leaf_in(&self, env: &AABB<f64>, f: &mut impl FnMut(usize)) {
        fn walk(
            ix: &SegmentIndex,
            pos: usize,
            level: usize,
            env: &AABB<f64>,
            f: &mut impl FnMut(usize),
        ) {
            let boxes = ix.tree.all_boxes();
            for c in ix.children(pos, level) {
                if boxes[c].overlaps_aabb(env) {
                    if level == 1 {
                        f(c);
                    } else {
                        walk(ix, c, level - 1, env, f);
                    }
                }
            }
        }
        // A NaN corner would meet every box (the crate's test is "not
        // disjoint", and no comparison with NaN says disjoint): none.
        let finite = [env.min_x, env.min_y, env.max_x, env.max_y];
        let Some(root) = self
            .root_level()
            .filter(|_| finite.iter().all(|x| x.is_finite()))
        else {
            return;
        };
        let pos = self.tree.all_boxes().len() - 1;
        if self.tree.all_boxes()[pos].overlaps_aabb(env) {
            walk(self, pos, root, env, f);
        }
    }

    /// Segments whose bounding box meets the box with corners `min` and
    /// `max` (degrees, either way round; none for a non-finite corner).
    pub fn edges_in_box(&self, min: LatLon, max: LatLon) -> impl Iterator<Item = (u32, u32)> + '_ {
        // (`f64::min` would drop a NaN: test the corners as given.)
        let finite = [min.lat, min.lon, max.lat, max.lon]
            .iter()
            .all(|x| x.is_finite());
        let env = if finite {
            AABB::new(
                min.lon.min(max.lon),
                min.lat.min(max.lat),
                min.lon.max(max.lon),
                min.lat.max(max.lat),
            )
        } else {
            AABB::new(f64::NAN, f64::NAN, f64::NAN, f64::NAN)
        };
        let mut found = Vec::new();
        self.for_each_leaf_in(&env, &mut |pos| {
            let s = self.leaves[pos];
            found.push((s.edge, s.idx()));
        });
        found.into_iter()
    }

    /// Walks the tree from the root, letting `v` decide whole nodes from
    /// their boxes: a node it skips costs one box test, a node it takes
    /// costs no test of its segments, and only segments under nodes it
    /// descends into are handed over one by one.
    pub fn visit(&self, v: &mut impl BoxVisitor) {
        fn walk<V: BoxVisitor>(ix: &SegmentIndex, pos: usize, level: usize, v: &mut V) {
            let boxes = ix.tree.all_boxes();
            let (min, max) = corners(&boxes[pos]);
            match v.enter(min, max) {
                Verdict::Skip => {}
                Verdict::TakeAll => {
                    for leaf in ix.leaves_under(pos, level) {
                        let s = ix.leaves[leaf];
                        v.take(s.edge, s.idx());
                    }
                }
                Verdict::Descend => {
                    for c in ix.children(pos, level) {
                        if level == 1 {
                            let s = ix.leaves[c];
                            let (min, max) = corners(&boxes[c]);
                            v.test(s.edge, s.idx(), min, max);
                        } else {
                            walk(ix, c, level - 1, v);
                        }
                    }
                    v.leave();
                }
            }
        }
        if let Some(root) = self.root_level() {
            walk(self, self.tree.all_boxes().len() - 1, root, v);
        }
    }

    /// Every segment within `radius_m` metres of `p`, nearest first.
    pub fn within(&self, p: LatLon, radius_m: f64) -> Vec<SegmentHit> {
        let mut hits = Vec::new();
        self.within_into(p, radius_m, &mut hits);
        hits
    }

    /// [`within`](Self::within) into `hits` (cleared first), so that a
    /// caller can keep one vector for many searches.
    pub fn within_into(&self, p: LatLon, radius_m: f64, hits: &mut Vec<SegmentHit>) {
        hits.clear();
        self.for_each_within(p, radius_m, |_| true, |n| hits.push(n.hit()));
        hits.sort_by(|a, b| {
            a.distance_m
                .total_cmp(&b.distance_m)
                .then(a.edge.cmp(&b.edge))
                .then(a.segment.cmp(&b.segment))
        });
    }

    /// Calls `f` once for every segment of an edge that `keep` keeps within
    /// `radius_m` metres of `p`, in no particular order, without sorting
    /// or computing closest points: for a caller that only wants the best
    /// few. `keep` is asked before the distance is measured (in a city
    /// centre most segments near a point are footways a car snap skips).
    /// A small circle (snapping's) is answered from the grid of cells the
    /// segments cross, a larger one by the R-tree; both find the same
    /// segments.
    pub fn for_each_within(
        &self,
        p: LatLon,
        radius_m: f64,
        keep: impl Fn(u32) -> bool,
        f: impl FnMut(&Near),
    ) {
        self.near(p, radius_m, true, keep, f)
    }

    /// [`for_each_within`](Self::for_each_within), from the grid when
    /// `grid` and the circle is small, else from the R-tree.
    fn near(
        &self,
        p: LatLon,
        radius_m: f64,
        grid: bool,
        keep: impl Fn(u32) -> bool,
        mut f: impl FnMut(&Near),
    ) {
        let frame = LocalFrame::new(p);
        let (dlat, dlon) = frame.margins(radius_m);
        let (min, max) = ([p.lon - dlon, p.lat - dlat], [p.lon + dlon, p.lat + dlat]);
        if ![min, max].iter().flatten().all(|x| x.is_finite()) {
            return;
        }
        let env = AABB::new(min[0], min[1], max[0], max[1]);
        let boxes = self.tree.all_boxes();
        let near = |pos: usize| -> Option<Near> {
            let s = self.leaves[pos];
            if !keep(s.edge) {
                return None;
            }
            let (pa, pb) = s.ends(&boxes[pos]);
            let (xa, xb) = (frame.project(pa), frame.project(pb));
            let (d, t) = point_segment_distance((0.0, 0.0), xa, xb);
            (d <= radius_m).then_some(Near {
                edge: s.edge,
                segment: s.idx(),
                distance_m: d,
                t,
                frame,
                xa,
                xb,
            })
        };
        // Beyond 89° the window is narrower than the circle
        // (`LocalFrame::margins`): there only the tree's boxes, as before.
        let cells = self.grid.as_ref().filter(|_| grid && p.lat.abs() <= 89.0);
        if let Some((grid, w)) = cells.and_then(|g| Some((g, g.window(min, max)?))) {
            // A segment crossing several of the window's cells comes once
            // from each. The hits handed over so far (a handful in a
            // circle of 15 m) are kept, with a 64-bit mask of them that
            // answers most "not yet" without looking.
            let (mut mask, mut few, mut count, mut more) = (0u64, [0u32; 16], 0, Vec::new());
            let mut first = |pos: usize| {
                let (pos, bit) = (pos as u32, 1u64 << (pos % 64));
                if mask & bit != 0 && (few[..count].contains(&pos) || more.contains(&pos)) {
                    return false;
                }
                mask |= bit;
                if count < few.len() {
                    few[count] = pos;
                    count += 1;
                } else {
                    more.push(pos);
                }
                true
            };
            let several = w.several();
            grid.for_each_in(&w, |pos| {
                // The box test first, as the tree's leaves have it: most
                // of a cell's segments lie outside a smaller window.
                if !boxes[pos].overlaps_aabb(&env) {
                    return;
                }
                if let Some(h) = near(pos) {
                    if !several || first(pos) {
                        f(&h);
                    }
                }
            });
            return;
        }
        self.for_each_leaf_in(&env, &mut |pos| {
            if let Some(h) = near(pos) {
                f(&h);
            }
        });
    }
}

/// A segment near a query point, as [`SegmentIndex::for_each_within`]
/// finds it: the closest point is computed only when asked for.
#[derive(Clone, Copy, Debug)]
pub struct Near {
    /// Edge the segment belongs to.
    pub edge: u32,
    /// Index of the segment within the edge's shape (0 = first).
    pub segment: u32,
    /// Distance in metres from the query point.
    pub distance_m: f64,
    /// Fraction of the segment's length before the closest point.
    pub t: f64,
    frame: LocalFrame,
    xa: (f64, f64),
    xb: (f64, f64),
}

impl Near {
    /// The hit, with its closest point.
    pub fn hit(&self) -> SegmentHit {
        let (xa, xb, t) = (self.xa, self.xb, self.t);
        SegmentHit {
            edge: self.edge,
            segment: self.segment,
            distance_m: self.distance_m,
            point: self
                .frame
                .unproject(xa.0 + t * (xb.0 - xa.0), xa.1 + t * (xb.1 - xa.1)),
            t,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_segment_in_grid() {
        let g = crate::testgraph::grid(3, 3);
        let idx = SegmentIndex::build(&g);
        // Just north of the first horizontal edge (0 -> 1), ~11 m away.
        let hits = idx.within(LatLon::new(49.0001, 8.0005), 100.0);
        assert_eq!(hits[0].edge, 0);
        assert!((hits[0].distance_m - 11.1).abs() < 0.5, "{:?}", hits[0]);
        assert!((hits[0].t - 0.5).abs() < 0.01);
        assert!(idx.within(LatLon::new(50.0, 8.0), 1000.0).is_empty());
        // A box given either way round is the same box; a NaN point or
        // corner finds nothing (it would "meet" every box).
        let (a, b) = (LatLon::new(48.9995, 7.9995), LatLon::new(49.0005, 8.0015));
        let mut one: Vec<_> = idx.edges_in_box(a, b).collect();
        let mut other: Vec<_> = idx.edges_in_box(b, a).collect();
        one.sort_unstable();
        other.sort_unstable();
        assert!(!one.is_empty());
        assert_eq!(one, other);
        let nan = LatLon {
            lat: f64::NAN,
            lon: 8.0,
        };
        assert_eq!(idx.edges_in_box(nan, b).count(), 0);
        assert!(idx.within(nan, 100.0).is_empty());
    }

    /// A graph of random edges with bent shapes running every way, so that
    /// each segment's first point is each corner of its box.
    fn tangle(seed: u64, edges: usize) -> RoadGraph {
        let mut x = seed;
        let mut rnd = move || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 33) as f64) / (1u64 << 31) as f64
        };
        let mut g = RoadGraph::builder();
        for i in 0..edges {
            let at = |a: f64, b: f64| LatLon::new(49.0 + a * 0.02, 8.0 + b * 0.02);
            // Short edges (a few hundred metres), so that whole tree nodes
            // fit inside a window, and a few long ones.
            let reach = if i % 10 == 0 { 1.0 } else { 0.03 };
            let (a, b) = (rnd(), rnd());
            let mut near = || (a + (rnd() - 0.5) * reach, b + (rnd() - 0.5) * reach);
            let (p, q, m) = (near(), near(), near());
            let (u, v) = (
                g.push_node(at(p.0, p.1), 2 * i as i64),
                g.push_node(at(q.0, q.1), 2 * i as i64 + 1),
            );
            g.push_straight_edge(u, v, [[1000; 2]; 2]);
            // Bend it: an inner point, also random.
            let e = g.num_edges() - 1;
            let mid = at(m.0, m.1).to_e7();
            let end = g.shape_lat.len() - 1;
            g.shape_lat.insert(end, mid.0);
            g.shape_lon.insert(end, mid.1);
            g.shape_first[e + 1] += 1;
        }
        g.validate().unwrap();
        g
    }

    /// What a search hands over, exactly (bits of the floats), sorted.
    fn found(idx: &SegmentIndex, p: LatLon, r: f64, grid: bool) -> Vec<(u32, u32, u64, u64)> {
        let mut v = Vec::new();
        // Every third edge left out, as snapping leaves out the roads a
        // profile may not use.
        idx.near(
            p,
            r,
            grid,
            |e| e % 3 != 1,
            |h| v.push((h.edge, h.segment, h.distance_m.to_bits(), h.t.to_bits())),
        );
        v.sort_unstable();
        v
    }

    proptest::proptest! {
        /// The grid hands over exactly the segments the R-tree does, each
        /// once, for circles up to those it leaves to the tree: on bent
        /// edges running every way (some two kilometres long, across many
        /// cells), on axis-parallel ones, from anywhere near or on them.
        #[test]
        fn the_grid_finds_what_the_tree_finds(
            seed in 1u64..10_000,
            edges in 1usize..300,
            queries in proptest::collection::vec(
                (0.0f64..1.0, 0.0f64..1.0, 0.0f64..150.0, 0usize..1000, proptest::bool::ANY), 1..25),
        ) {
            let tangled = tangle(seed, edges);
            let square = crate::testgraph::grid(1 + edges % 7, 2 + edges % 5);
            for g in [&tangled, &square] {
                let idx = SegmentIndex::build(g);
                proptest::prop_assert!(idx.grid.is_some());
                for &(a, b, r, e, on_shape) in &queries {
                    // A point on a shape point (as a node's position is),
                    // or anywhere around the graph.
                    let p = if on_shape {
                        let (s, _) = g.shape_range((e % g.num_edges()) as u32);
                        LatLon::from_e7(g.shape_lat[s], g.shape_lon[s])
                    } else {
                        LatLon::new(48.99 + a * 0.04, 7.99 + b * 0.04)
                    };
                    let by_grid = found(&idx, p, r, true);
                    let mut once = by_grid.clone();
                    once.dedup();
                    proptest::prop_assert_eq!(&once, &by_grid, "a segment came twice");
                    proptest::prop_assert_eq!(by_grid, found(&idx, p, r, false), "{:?} {}", p, r);
                }
            }
        }
    }

    /// A graph of straight edges, one per pair of points.
    fn lines(pairs: &[(LatLon, LatLon)]) -> RoadGraph {
        let mut g = RoadGraph::builder();
        for (i, &(a, b)) in pairs.iter().enumerate() {
            let (u, v) = (
                g.push_node(a, 2 * i as i64),
                g.push_node(b, 2 * i as i64 + 1),
            );
            g.push_straight_edge(u, v, [[1000; 2]; 2]);
        }
        g.validate().unwrap();
        g
    }

    /// Where the grid is not the whole answer: more hits than the
    /// deduplication keeps on the stack, roads across the antimeridian
    /// (the tree measures them the short way round), long roads, points
    /// beyond 89°, and absurd radii and coordinates. Grid and tree agree,
    /// each segment once, and nothing panics.
    #[test]
    fn the_grid_agrees_at_its_edges() {
        let at = |lat: f64, lon: f64| LatLon::new(lat, lon);
        // Forty roads through one point, in every direction, each a
        // separate edge: a 15 m circle there meets all of them, in
        // several cells.
        let c = at(49.0, 8.0);
        let star: Vec<_> = (0..40)
            .map(|i| {
                let t = i as f64 * std::f64::consts::PI / 40.0;
                let d = 0.0005;
                (
                    at(c.lat + d * t.sin(), c.lon + d * t.cos()),
                    at(c.lat - d * t.sin(), c.lon - d * t.cos()),
                )
            })
            .collect();
        // Roads across ±180° and long straight ones, beside short ones.
        let mut wide = vec![
            (at(10.0, 179.99), at(10.5, -179.99)),
            (at(10.2, -179.995), at(10.1, 179.995)),
            (at(10.0, 179.0), at(10.4, 179.999)),
            (at(10.3, 179.9), at(10.3001, 179.9002)),
        ];
        wide.extend((0..10).map(|i| (at(10.0 + i as f64 * 0.01, 179.5), at(10.05, 179.9))));
        // Beyond 89° a window is narrower than its circle: short roads
        // every way round there, probed all over.
        let mut x = 7u64;
        let mut rnd = move || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let polar: Vec<_> = (0..400)
            .map(|_| {
                let (y, x) = (89.45 + 0.1 * rnd(), 10.0 + 0.3 * rnd());
                (
                    at(y, x),
                    at(y + 0.004 * (rnd() - 0.5), x + 0.5 * (rnd() - 0.5)),
                )
            })
            .collect();
        let polar_probes: Vec<_> = (0..300)
            .map(|_| at(89.45 + 0.1 * rnd(), 10.0 + 0.3 * rnd()))
            .collect();
        for (pairs, probes) in [
            (star, vec![c, at(49.00001, 8.00002), at(49.0001, 7.9999)]),
            (
                wide,
                vec![
                    at(10.0025, 179.9901),
                    at(10.15, -179.999),
                    at(10.3, 179.9001),
                    at(10.0, 179.5),
                    at(10.2, 179.7),
                ],
            ),
            (polar, polar_probes),
        ] {
            let g = lines(&pairs);
            let idx = SegmentIndex::build(&g);
            // Long and wrapped roads sit in the short list, not in cells.
            assert!(idx.heap_bytes() < 1 << 20, "{}", idx.heap_bytes());
            for p in probes {
                for r in [0.0, 1.0, 15.0, 60.0, 500.0] {
                    let by_grid = found(&idx, p, r, true);
                    let mut once = by_grid.clone();
                    once.dedup();
                    assert_eq!(once, by_grid, "a segment came twice at {p:?} {r}");
                    assert_eq!(by_grid, found(&idx, p, r, false), "{p:?} {r}");
                }
            }
            for (p, r) in [
                (at(49.0, -1e300), 15.0),
                (at(49.0, 1e300), 15.0),
                (c, 1e21),
                (c, 1e300),
                (c, f64::INFINITY),
                (c, f64::NAN),
                (c, -15.0),
            ] {
                let p = LatLon {
                    lat: p.lat,
                    lon: p.lon,
                };
                assert_eq!(
                    found(&idx, p, r, true),
                    found(&idx, p, r, false),
                    "{p:?} {r}"
                );
            }
        }
        // More long roads than the short list takes: no grid, the tree.
        let many: Vec<_> = (0..100)
            .map(|i| (at(10.0 + i as f64 * 1e-3, 179.99), at(10.05, -179.99)))
            .collect();
        let idx = SegmentIndex::build(&lines(&many));
        assert!(idx.grid.is_none());
        assert!(!found(&idx, at(10.0, 179.99), 15.0, true).is_empty());
        // The star's centre meets every road `found` keeps, once.
        let idx = SegmentIndex::build(&lines(
            &(0..40)
                .map(|i| {
                    let t = i as f64 * std::f64::consts::PI / 40.0;
                    (
                        at(49.0 + 0.0005 * t.sin(), 8.0 + 0.0005 * t.cos()),
                        at(49.0 - 0.0005 * t.sin(), 8.0 - 0.0005 * t.cos()),
                    )
                })
                .collect::<Vec<_>>(),
        ));
        let kept = (0..40).filter(|e| e % 3 != 1).count();
        assert_eq!(found(&idx, c, 15.0, true).len(), kept);
    }

    /// Beyond 89° a window is narrower than its circle, so a road whose
    /// box meets the window can pass it by without crossing its cells:
    /// one built so (by the reviewer of the grid), with a point moved bit
    /// by bit until its window starts at the chosen cell. The tree finds
    /// the road; so must every search, hence no grid there.
    #[test]
    fn beyond_89_degrees_the_tree_answers() {
        let at = |lat: f64, lon: f64| LatLon::new(lat, lon);
        let base = (at(89.45, 10.0), at(89.55, 10.3));
        let idx0 = SegmentIndex::build(&lines(&[base]));
        let (x, y) = idx0.grid.as_ref().unwrap().corner(2, 80);
        let r = 15.0;
        let (dl, dn) = LocalFrame::new(at(y + 1e-4, x)).margins(r);
        let (d, e) = (1e-6, 1e-6);
        let (a, b) = (
            at(y - d, x + e),
            at(y + 2.0 * dl, x + e - 0.5 * dn * (2.0 * dl + d) / dl),
        );
        // (Edge 0: `found` leaves out edge 1.)
        let idx = SegmentIndex::build(&lines(&[(a, b), base]));
        let grid = idx.grid.as_ref().unwrap();
        assert_eq!(grid.corner(2, 80), (x, y), "same box, same grid");
        let mut p = at(y + dl, x + dn);
        for _ in 0..100_000 {
            let (dl2, dn2) = LocalFrame::new(p).margins(r);
            let (c, row) = grid.cell_of(p.lon - dn2, p.lat - dl2);
            if c >= 2 && row >= 80 {
                break;
            }
            if c < 2 {
                p.lon = f64::from_bits(p.lon.to_bits() + 1);
            }
            if row < 80 {
                p.lat = f64::from_bits(p.lat.to_bits() + 1);
            }
        }
        let by_tree = found(&idx, p, r, false);
        assert!(!by_tree.is_empty(), "the construction finds the road");
        assert_eq!(found(&idx, p, r, true), by_tree);
    }

    #[test]
    fn segments_come_back_exactly_and_searches_equal_brute_force() {
        for seed in 1..6 {
            let g = tangle(seed, 300 * seed as usize);
            let idx = SegmentIndex::build(&g);
            // Every segment is a leaf once, with the graph's own points.
            let mut leaves: Vec<(u32, u32)> =
                idx.leaves.iter().map(|s| (s.edge, s.idx())).collect();
            leaves.sort_unstable();
            let all: Vec<(u32, u32)> = (0..g.num_edges() as u32)
                .flat_map(|e| (0..2).map(move |i| (e, i)))
                .collect();
            assert_eq!(leaves, all);
            for (pos, s) in idx.leaves.iter().enumerate() {
                let (a, _) = g.shape_range(s.edge);
                let i = a + s.idx() as usize;
                let want = (
                    LatLon::from_e7(g.shape_lat[i], g.shape_lon[i]),
                    LatLon::from_e7(g.shape_lat[i + 1], g.shape_lon[i + 1]),
                );
                assert_eq!(s.ends(&idx.tree.all_boxes()[pos]), want);
            }
            // Searches against every segment tested one by one.
            for q in 0..40 {
                let p = LatLon::new(49.0 + (q % 7) as f64 * 0.003, 8.0 + (q / 7) as f64 * 0.003);
                let r = [5.0, 60.0, 400.0, 3000.0][q % 4];
                let frame = LocalFrame::new(p);
                let mut brute = Vec::new();
                for e in 0..g.num_edges() as u32 {
                    let pts: Vec<LatLon> = g.shape(e).collect();
                    for (i, w) in pts.windows(2).enumerate() {
                        let (d, _) = point_segment_distance(
                            (0.0, 0.0),
                            frame.project(w[0]),
                            frame.project(w[1]),
                        );
                        if d <= r {
                            brute.push((e, i as u32, d.to_bits()));
                        }
                    }
                }
                let mut got: Vec<_> = idx
                    .within(p, r)
                    .iter()
                    .map(|h| (h.edge, h.segment, h.distance_m.to_bits()))
                    .collect();
                assert!(idx
                    .within(p, r)
                    .windows(2)
                    .all(|w| w[0].distance_m <= w[1].distance_m));
                brute.sort_unstable();
                got.sort_unstable();
                assert_eq!(got, brute, "seed {seed}, query {q}");
                // The walk meets exactly the leaves whose boxes meet the
                // window, in leaf order (the tree's order).
                let (dlat, dlon) = corridor_geo::degree_margins(p.lat, r);
                let env = AABB::new(p.lon - dlon, p.lat - dlat, p.lon + dlon, p.lat + dlat);
                let mut walked = Vec::new();
                idx.for_each_leaf_in(&env, &mut |pos| walked.push(pos));
                let boxes = idx.tree.all_boxes();
                let every: Vec<usize> = (0..idx.leaves.len())
                    .filter(|&c| boxes[c].overlaps_aabb(&env))
                    .collect();
                assert_eq!(walked, every, "seed {seed}, query {q}");
            }
            // A walk that takes the root takes every segment once; one that
            // always descends tests every segment once.
            struct Count(Verdict, Vec<(u32, u32)>);
            impl BoxVisitor for Count {
                fn enter(&mut self, _: [f64; 2], _: [f64; 2]) -> Verdict {
                    self.0
                }
                fn take(&mut self, e: u32, s: u32) {
                    self.1.push((e, s));
                }
                fn test(&mut self, e: u32, s: u32, _: [f64; 2], _: [f64; 2]) {
                    self.1.push((e, s));
                }
            }
            for v in [Verdict::TakeAll, Verdict::Descend] {
                let mut c = Count(v, Vec::new());
                idx.visit(&mut c);
                c.1.sort_unstable();
                assert_eq!(c.1, all, "{v:?}");
            }
            // A walk that decides nodes against a window takes whole nodes
            // inside it at every level: exactly the segments whose boxes
            // meet the window.
            struct Window([f64; 2], [f64; 2], Vec<(u32, u32)>, usize);
            impl Window {
                fn meets(&self, min: [f64; 2], max: [f64; 2]) -> bool {
                    (0..2).all(|k| min[k] <= self.1[k] && max[k] >= self.0[k])
                }
            }
            impl BoxVisitor for Window {
                fn enter(&mut self, min: [f64; 2], max: [f64; 2]) -> Verdict {
                    if !self.meets(min, max) {
                        Verdict::Skip
                    } else if (0..2).all(|k| min[k] >= self.0[k] && max[k] <= self.1[k]) {
                        Verdict::TakeAll
                    } else {
                        Verdict::Descend
                    }
                }
                fn take(&mut self, e: u32, s: u32) {
                    self.2.push((e, s));
                    self.3 += 1;
                }
                fn test(&mut self, e: u32, s: u32, min: [f64; 2], max: [f64; 2]) {
                    if self.meets(min, max) {
                        self.2.push((e, s));
                    }
                }
            }
            for (lo, hi) in [(0.1, 0.6), (0.0, 1.0), (0.45, 0.55), (0.3, 0.9)] {
                let at = |f: f64| [8.0 + f * 0.02, 49.0 + f * 0.02];
                let mut w = Window(at(lo), at(hi), Vec::new(), 0);
                idx.visit(&mut w);
                w.2.sort_unstable();
                let mut want: Vec<(u32, u32)> = idx
                    .leaves
                    .iter()
                    .zip(idx.tree.item_boxes())
                    .filter(|(_, b)| w.meets([b.min_x, b.min_y], [b.max_x, b.max_y]))
                    .map(|(s, _)| (s.edge, s.idx()))
                    .collect();
                want.sort_unstable();
                assert!(!want.is_empty());
                assert!(
                    w.3 > 0 || hi - lo < 0.2,
                    "no node taken whole in {lo}..{hi}"
                );
                assert_eq!(w.2, want, "window {lo}..{hi}");
                let mut boxed: Vec<(u32, u32)> = idx
                    .edges_in_box(
                        LatLon::new(at(lo)[1], at(lo)[0]),
                        LatLon::new(at(hi)[1], at(hi)[0]),
                    )
                    .collect();
                boxed.sort_unstable();
                assert_eq!(boxed, want);
            }
        }
    }
}
