//! Spatial index of road segments (R-tree), answering in metres.

use crate::RoadGraph;
use corridor_geo::{degree_margins, point_segment_distance, LatLon, LocalFrame};
use rstar::{ParentNode, RTree, RTreeNode, RTreeObject, AABB};

/// One straight piece of an edge's shape.
#[derive(Clone, Copy, Debug)]
struct Segment {
    edge: u32,
    /// Index of the segment's first point within the edge's shape.
    idx: u32,
    min: [f64; 2],
    max: [f64; 2],
}

impl RTreeObject for Segment {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(self.min, self.max)
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
    tree: RTree<Segment>,
}

impl SegmentIndex {
    /// Indexes every segment of every edge (bulk-loaded).
    pub fn build(g: &RoadGraph) -> SegmentIndex {
        let mut segs = Vec::with_capacity(g.shape_lat.len());
        for e in 0..g.num_edges() as u32 {
            let (a, b) = g.shape_range(e);
            for i in a..b - 1 {
                let p = LatLon::from_e7(g.shape_lat[i], g.shape_lon[i]);
                let q = LatLon::from_e7(g.shape_lat[i + 1], g.shape_lon[i + 1]);
                segs.push(Segment {
                    edge: e,
                    idx: (i - a) as u32,
                    min: [p.lon.min(q.lon), p.lat.min(q.lat)],
                    max: [p.lon.max(q.lon), p.lat.max(q.lat)],
                });
            }
        }
        SegmentIndex {
            tree: RTree::bulk_load(segs),
        }
    }

    /// Segments whose bounding box meets the given box (degrees).
    pub fn edges_in_box(&self, min: LatLon, max: LatLon) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.tree
            .locate_in_envelope_intersecting(&AABB::from_corners(
                [min.lon, min.lat],
                [max.lon, max.lat],
            ))
            .map(|s| (s.edge, s.idx))
    }

    /// Walks the tree from the root, letting `v` decide whole nodes from
    /// their boxes: a node it skips costs one box test, a node it takes
    /// costs no test of its segments, and only segments under nodes it
    /// descends into are handed over one by one.
    pub fn visit(&self, v: &mut impl BoxVisitor) {
        fn all<V: BoxVisitor>(n: &ParentNode<Segment>, v: &mut V) {
            for c in n.children() {
                match c {
                    RTreeNode::Leaf(s) => v.take(s.edge, s.idx),
                    RTreeNode::Parent(p) => all(p, v),
                }
            }
        }
        fn walk<V: BoxVisitor>(n: &ParentNode<Segment>, v: &mut V) {
            let env = n.envelope();
            match v.enter(env.lower(), env.upper()) {
                Verdict::Skip => {}
                Verdict::TakeAll => all(n, v),
                Verdict::Descend => {
                    for c in n.children() {
                        match c {
                            RTreeNode::Leaf(s) => v.test(s.edge, s.idx, s.min, s.max),
                            RTreeNode::Parent(p) => walk(p, v),
                        }
                    }
                    v.leave();
                }
            }
        }
        if self.tree.size() > 0 {
            walk(self.tree.root(), v);
        }
    }

    /// Every segment within `radius_m` metres of `p`, nearest first.
    pub fn within(&self, g: &RoadGraph, p: LatLon, radius_m: f64) -> Vec<SegmentHit> {
        let mut hits = Vec::new();
        self.within_into(g, p, radius_m, &mut hits);
        hits
    }

    /// [`within`](Self::within) into `hits` (cleared first), so that a
    /// caller can keep one vector for many searches.
    pub fn within_into(&self, g: &RoadGraph, p: LatLon, radius_m: f64, hits: &mut Vec<SegmentHit>) {
        hits.clear();
        self.for_each_within(g, p, radius_m, |n| hits.push(n.hit()));
        hits.sort_by(|a, b| {
            a.distance_m
                .total_cmp(&b.distance_m)
                .then(a.edge.cmp(&b.edge))
        });
    }

    /// Calls `f` for every segment within `radius_m` metres of `p`, in the
    /// tree's order (the order [`within`](Self::within) keeps among equal
    /// distances and edges), without sorting or computing closest points:
    /// for a caller that only wants the best few.
    pub fn for_each_within(
        &self,
        g: &RoadGraph,
        p: LatLon,
        radius_m: f64,
        mut f: impl FnMut(&Near),
    ) {
        let (dlat, dlon) = degree_margins(p.lat, radius_m);
        let frame = LocalFrame::new(p);
        let env = AABB::from_corners([p.lon - dlon, p.lat - dlat], [p.lon + dlon, p.lat + dlat]);
        for s in self.tree.locate_in_envelope_intersecting(&env) {
            let (a, _) = g.shape_range(s.edge);
            let i = a + s.idx as usize;
            let pa = LatLon::from_e7(g.shape_lat[i], g.shape_lon[i]);
            let pb = LatLon::from_e7(g.shape_lat[i + 1], g.shape_lon[i + 1]);
            let (xa, xb) = (frame.project(pa), frame.project(pb));
            let (d, t) = point_segment_distance((0.0, 0.0), xa, xb);
            if d <= radius_m {
                f(&Near {
                    edge: s.edge,
                    segment: s.idx,
                    distance_m: d,
                    t,
                    frame,
                    xa,
                    xb,
                });
            }
        }
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
        let hits = idx.within(&g, LatLon::new(49.0001, 8.0005), 100.0);
        assert_eq!(hits[0].edge, 0);
        assert!((hits[0].distance_m - 11.1).abs() < 0.5, "{:?}", hits[0]);
        assert!((hits[0].t - 0.5).abs() < 0.01);
        assert!(idx.within(&g, LatLon::new(50.0, 8.0), 1000.0).is_empty());
    }
}
