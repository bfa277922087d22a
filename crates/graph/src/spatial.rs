//! Spatial index of road segments (R-tree), answering in metres.

use crate::RoadGraph;
use corridor_geo::{degree_margins, point_segment_distance, LatLon, LocalFrame};
use rstar::{RTree, RTreeObject, AABB};

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

    /// Every segment within `radius_m` metres of `p`, nearest first.
    pub fn within(&self, g: &RoadGraph, p: LatLon, radius_m: f64) -> Vec<SegmentHit> {
        let (dlat, dlon) = degree_margins(p.lat, radius_m);
        let frame = LocalFrame::new(p);
        let env = AABB::from_corners([p.lon - dlon, p.lat - dlat], [p.lon + dlon, p.lat + dlat]);
        let mut hits: Vec<SegmentHit> = self
            .tree
            .locate_in_envelope_intersecting(&env)
            .filter_map(|s| {
                let (a, _) = g.shape_range(s.edge);
                let i = a + s.idx as usize;
                let pa = LatLon::from_e7(g.shape_lat[i], g.shape_lon[i]);
                let pb = LatLon::from_e7(g.shape_lat[i + 1], g.shape_lon[i + 1]);
                let (xa, xb) = (frame.project(pa), frame.project(pb));
                let (d, t) = point_segment_distance((0.0, 0.0), xa, xb);
                (d <= radius_m).then(|| SegmentHit {
                    edge: s.edge,
                    segment: s.idx,
                    distance_m: d,
                    point: frame.unproject(xa.0 + t * (xb.0 - xa.0), xa.1 + t * (xb.1 - xa.1)),
                    t,
                })
            })
            .collect();
        hits.sort_by(|a, b| {
            a.distance_m
                .total_cmp(&b.distance_m)
                .then(a.edge.cmp(&b.edge))
        });
        hits
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
