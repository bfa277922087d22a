//! Graphs for the crate's unit tests.

use corridor_geo::{polyline_length_m, LatLon};
use corridor_graph::RoadGraph;

/// A graph of one edge per shape (points as e7 pairs), each edge as long as
/// its shape, as the importer makes it.
pub(crate) fn graph(shapes: &[Vec<(i32, i32)>]) -> RoadGraph {
    let mut g = RoadGraph::builder();
    for s in shapes {
        let pts: Vec<LatLon> = s.iter().map(|p| LatLon::from_e7(p.0, p.1)).collect();
        let a = g.push_node(pts[0], 0);
        let b = g.push_node(pts[pts.len() - 1], 0);
        g.push_straight_edge(a, b, [[1000; 2]; 2]);
        // Replace the straight shape by the given one.
        let n = g.shape_lat.len() - 2;
        g.shape_lat.truncate(n);
        g.shape_lon.truncate(n);
        g.shape_lat.extend(s.iter().map(|p| p.0));
        g.shape_lon.extend(s.iter().map(|p| p.1));
        *g.shape_first.last_mut().unwrap() = g.shape_lat.len() as u32;
        *g.edge_length_m.last_mut().unwrap() = polyline_length_m(&pts);
    }
    g
}
