//! Random graphs and hazards shared by the routing tests.
#![allow(dead_code)]

use corridor_geo::LatLon;
use corridor_graph::{RoadGraph, INFINITY};
use corridor_hazards::{Effect, Hazard, HazardKind, HazardSet, Part, Validity};

/// 2022-03-05T09:00:00Z.
pub const T0: i64 = 1_646_470_800_000;

/// A random road graph: `n` nodes scattered over ~2 km near 50.45N 30.52E
/// (Kyiv); `edges` as (a, b, car ms, kind) with kind 0 two-way, 1 forward
/// only, 2 backward only; foot takes 7× as long, both ways.
pub fn graph(n: usize, pts: &[(f64, f64)], edges: &[(usize, usize, u32, u8)]) -> RoadGraph {
    let mut g = RoadGraph::builder();
    for (i, (dy, dx)) in pts.iter().take(n).enumerate() {
        g.push_node(
            LatLon::new(50.44 + dy * 0.02, 30.50 + dx * 0.03),
            i as i64 + 1,
        );
    }
    for &(a, b, w, kind) in edges {
        let (f, b_) = match kind % 3 {
            0 => (w, w),
            1 => (w, INFINITY),
            _ => (INFINITY, w),
        };
        g.push_straight_edge((a % n) as u32, (b % n) as u32, [[f, b_], [w * 7, w * 7]]);
    }
    g.validate().expect("valid test graph");
    g
}

/// Hazards from (y, x, size, shape, from_min, len_min, effect): squares,
/// lines or points near the graph; a negative `from_min` means always;
/// effect % 3 == 0 slows, else blocks.
pub fn hazards(spec: &[(f64, f64, f64, u8, i64, i64, u8)]) -> HazardSet {
    let mut set = HazardSet::default();
    for (i, &(y, x, size, shape, from_min, len_min, effect)) in spec.iter().enumerate() {
        let (lat, lon) = (50.44 + y * 0.02, 30.50 + x * 0.03);
        let d = size * 0.002;
        let part = match shape % 3 {
            0 => Part::Polygon(vec![vec![
                (lon - d, lat - d),
                (lon + d, lat - d),
                (lon + d, lat + d),
                (lon - d, lat + d),
                (lon - d, lat - d),
            ]]),
            1 => Part::Line(vec![(lon - d, lat), (lon + d, lat + d)]),
            _ => Part::Point((lon, lat)),
        };
        set.hazards.push(Hazard {
            id: format!("h{i}"),
            kind: HazardKind::Shelling,
            parts: vec![part],
            buffer_m: if shape % 3 == 0 {
                0.0
            } else {
                50.0 + size * 100.0
            },
            validity: if from_min < 0 {
                Validity::ALWAYS
            } else {
                Validity {
                    from_ms: T0 + from_min * 60_000,
                    until_ms: T0 + (from_min + len_min) * 60_000,
                }
            },
            effect: if effect % 3 == 0 {
                Effect::Slow(1.5 + effect as f64)
            } else {
                Effect::Block
            },
            source: "test".into(),
        });
    }
    set
}
