//! The node-by-node hazard mapping against the plain per-segment reference,
//! on random polygons (concave, with holes, with and without a buffer),
//! lines and points over a random road network.

use corridor_geo::LatLon;
use corridor_graph::{RoadGraph, SegmentIndex};
use corridor_hazards::{Effect, Hazard, HazardKind, HazardSet, Part, Validity};
use proptest::prelude::*;
use std::sync::OnceLock;

const LAT0: f64 = 49.0;
const LON0: f64 = 8.0;
/// The network spans about 2.2 km x 2.2 km.
const SPAN: f64 = 0.02;

/// A seeded splitmix64 generator.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A grid of streets (every node a multiple of 1e-3 degrees, so polygons
/// with vertices on the grid meet roads exactly at their corners) plus
/// random straight roads of all lengths.
fn network() -> &'static (RoadGraph, SegmentIndex) {
    static NET: OnceLock<(RoadGraph, SegmentIndex)> = OnceLock::new();
    NET.get_or_init(|| {
        let mut g = RoadGraph::builder();
        let k = 21;
        for y in 0..k {
            for x in 0..k {
                let p = LatLon::new(LAT0 + y as f64 * 1e-3, LON0 + x as f64 * 1e-3);
                g.push_node(p, (y * k + x) as i64 + 1);
            }
        }
        for y in 0..k {
            for x in 0..k {
                if x + 1 < k {
                    g.push_straight_edge(
                        (y * k + x) as u32,
                        (y * k + x + 1) as u32,
                        [[1000; 2]; 2],
                    );
                }
                if y + 1 < k {
                    g.push_straight_edge(
                        (y * k + x) as u32,
                        ((y + 1) * k + x) as u32,
                        [[1000; 2]; 2],
                    );
                }
            }
        }
        let mut rng = Rng(17);
        let first = g.num_nodes() as u32;
        for i in 0..600 {
            let p = LatLon::new(LAT0 + rng.unit() * SPAN, LON0 + rng.unit() * SPAN);
            g.push_node(p, 10_000 + i);
        }
        let n = g.num_nodes() as u32;
        for _ in 0..1500 {
            let a = first + (rng.next() % (n - first) as u64) as u32;
            // Mostly short roads, some across the whole network.
            let b = if rng.next().is_multiple_of(8) {
                (rng.next() % n as u64) as u32
            } else {
                first + ((a - first + 1 + (rng.next() % 5) as u32) % (n - first))
            };
            if a != b {
                g.push_straight_edge(a, b, [[1000; 2]; 2]);
            }
        }
        g.validate().expect("valid network");
        let index = SegmentIndex::build(&g);
        (g, index)
    })
}

/// A star-shaped ring around `c` (concave as soon as the radii differ):
/// `radii` in degrees, at evenly spread angles turned by `turn`.
fn star(c: (f64, f64), radii: &[f64], turn: f64, close: bool) -> Vec<(f64, f64)> {
    let n = radii.len();
    let mut ring: Vec<(f64, f64)> = radii
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let a = turn + i as f64 * std::f64::consts::TAU / n as f64;
            (c.0 + r * a.cos(), c.1 + r * a.sin())
        })
        .collect();
    if close {
        ring.push(ring[0]);
    }
    ring
}

fn hazard(parts: Vec<Part>, buffer_m: f64) -> Hazard {
    Hazard {
        id: "h".into(),
        kind: HazardKind::Shelling,
        parts,
        buffer_m,
        validity: Validity::ALWAYS,
        effect: Effect::Block,
        source: "test".into(),
    }
}

fn check(set: &HazardSet) -> Result<(), TestCaseError> {
    let (g, index) = network();
    let fast = set.edge_hits(g, index);
    let plain = set.edge_hits_reference(g, index);
    prop_assert_eq!(&fast, &plain);
    let mut by_hazard = set.edge_hits_by_hazard(g, index);
    prop_assert!(by_hazard
        .windows(2)
        .all(|w| (w[0].hazard, w[0].edge) < (w[1].hazard, w[1].edge)));
    by_hazard.sort_unstable();
    prop_assert_eq!(by_hazard, plain);
    Ok(())
}

fn point() -> impl Strategy<Value = (f64, f64)> {
    (-0.002..SPAN + 0.002, -0.002..SPAN + 0.002).prop_map(|(x, y)| (LON0 + x, LAT0 + y))
}

fn buffer() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), 0.0..400.0f64]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Concave polygons, with a hole or not, closed or not, any buffer.
    #[test]
    fn polygons_with_holes(
        c in point(),
        radii in prop::collection::vec(0.0005..0.012f64, 3..14),
        turn in 0.0..6.3f64,
        hole in prop::option::of((prop::collection::vec(0.1..0.9f64, 3..8), 0.0..6.3f64)),
        close in any::<bool>(),
        buffer_m in buffer(),
    ) {
        let outer = star(c, &radii, turn, close);
        let mut rings = vec![outer];
        if let Some((shares, t)) = hole {
            // Inside the outer ring: a fraction of its smallest radius.
            let rmin = radii.iter().cloned().fold(f64::INFINITY, f64::min)
                * (std::f64::consts::PI / radii.len() as f64).cos();
            let r: Vec<f64> = shares.iter().map(|s| s * rmin).collect();
            rings.push(star(c, &r, t, close));
        }
        check(&HazardSet { hazards: vec![hazard(vec![Part::Polygon(rings)], buffer_m)] })?;
    }

    /// Polygons whose corners and sides lie exactly on the grid's nodes and
    /// streets: the boundary cases of the even-odd and crossing tests.
    #[test]
    fn polygons_on_the_grid(
        x0 in 0u32..20, y0 in 0u32..20, w in 1u32..12, h in 1u32..12,
        notch in any::<bool>(),
        buffer_m in buffer(),
    ) {
        let at = |x: u32, y: u32| (LON0 + x as f64 * 1e-3, LAT0 + y as f64 * 1e-3);
        let (x1, y1) = (x0 + w, y0 + h);
        let mut ring = vec![at(x0, y0), at(x1, y0), at(x1, y1)];
        if notch && w >= 2 && h >= 2 {
            // An L shape: a concave corner on a node.
            ring.push(at(x0 + 1, y1));
            ring.push(at(x0 + 1, y0 + 1));
            ring.push(at(x0, y0 + 1));
        } else {
            ring.push(at(x0, y1));
        }
        ring.push(ring[0]);
        let sq = Part::square(LatLon::new(at(x0, y0).1, at(x0, y0).0), w as f64 * 100.0);
        check(&HazardSet { hazards: vec![
            hazard(vec![Part::Polygon(vec![ring])], buffer_m),
            hazard(vec![sq], 0.0),
        ] })?;
    }

    /// Lines and points with a buffer, several parts and several hazards.
    #[test]
    fn lines_points_and_many_hazards(
        line in prop::collection::vec(point(), 1..8),
        pt in point(),
        b1 in 1.0..500.0f64,
        b2 in buffer(),
        c in point(),
        radii in prop::collection::vec(0.001..0.006f64, 3..9),
    ) {
        check(&HazardSet { hazards: vec![
            hazard(vec![Part::Line(line)], b1),
            hazard(vec![Part::Point(pt)], b1),
            hazard(vec![Part::Polygon(vec![star(c, &radii, 0.3, true)]), Part::Point(c)], b2),
        ] })?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Rings of hundreds of vertices, where containment goes through the
    /// ring's grid (`RingIndex`), and a hole of as many: the same edges as
    /// the reference, and `containing` the same hazards as the plain test
    /// of every part.
    #[test]
    fn many_vertices(
        c in point(),
        radii in prop::collection::vec(0.0005..0.012f64, 64..400),
        hole in prop::collection::vec(0.1..0.9f64, 64..200),
        turn in 0.0..6.3f64,
        buffer_m in buffer(),
        probes in prop::collection::vec(point(), 50),
    ) {
        let rmin = radii.iter().cloned().fold(f64::INFINITY, f64::min)
            * (std::f64::consts::PI / radii.len() as f64).cos();
        let inner: Vec<f64> = hole.iter().map(|s| s * rmin).collect();
        let rings = vec![star(c, &radii, turn, true), star(c, &inner, turn, true)];
        let set = HazardSet { hazards: vec![
            hazard(vec![Part::Polygon(rings)], buffer_m),
            hazard(vec![Part::Line(star(c, &radii, turn, false))], buffer_m.max(1.0)),
        ] };
        check(&set)?;
        for &(lon, lat) in &probes {
            let p = LatLon::new(lat, lon);
            let plain: Vec<u32> = (0..set.len() as u32)
                .filter(|&h| {
                    let hz = &set.hazards[h as usize];
                    hz.parts.iter().any(|part| corridor_hazards::segment_meets_part(p, p, part, hz.buffer_m))
                })
                .collect();
            prop_assert_eq!(set.containing(p), plain);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Circles (a point with a buffer, as a party reports a hazard) of
    /// every size, from a metre to far beyond the network, anywhere near
    /// it: whole tree nodes are taken or skipped by their distance from
    /// the centre, and the edges are still exactly the reference's.
    #[test]
    fn circles_of_every_size(
        c in point(),
        r in prop_oneof![0.5..50.0f64, 50.0..3000.0f64, 3000.0..60_000.0f64],
        line in any::<bool>(),
    ) {
        let part = if line { Part::Line(vec![c]) } else { Part::Point(c) };
        check(&HazardSet { hazards: vec![hazard(vec![part], r)] })?;
    }
}

/// A comb of 300 teeth whose sides lie on the grid's streets and whose
/// teeth end on its nodes: every level ray through it crosses hundreds of
/// edges, and many roads touch its boundary exactly.
#[test]
fn a_comb_on_the_grid_finds_the_same_edges() {
    let (g, index) = network();
    for (pitch, buffer_m) in [(1e-3, 0.0), (1e-3 / 15.0, 0.0), (1e-3 / 15.0, 30.0)] {
        let (x0, y0) = (LON0 + 1e-3, LAT0 + 2e-3);
        let (bar, top) = (y0 + 1e-3, y0 + 15e-3);
        let mut ring = vec![(x0, y0)];
        for i in 0..300 {
            let x = x0 + i as f64 * pitch;
            ring.extend([
                (x, top),
                (x + pitch / 2.0, top),
                (x + pitch / 2.0, bar),
                (x + pitch, bar),
            ]);
        }
        ring.extend([(x0 + 300.0 * pitch, y0), (x0, y0)]);
        let set = HazardSet {
            hazards: vec![hazard(vec![Part::Polygon(vec![ring])], buffer_m)],
        };
        let hits = set.edge_hits(g, index);
        assert!(hits.len() > 100, "{pitch} {buffer_m}: {}", hits.len());
        assert_eq!(
            hits,
            set.edge_hits_reference(g, index),
            "{pitch} {buffer_m}"
        );
    }
}

#[test]
fn a_large_square_takes_whole_nodes_and_finds_the_same_edges() {
    let (g, index) = network();
    let c = LatLon::new(LAT0 + SPAN / 2.0, LON0 + SPAN / 2.0);
    let set = HazardSet {
        hazards: vec![hazard(vec![Part::square(c, 1500.0)], 0.0)],
    };
    let hits = set.edge_hits(g, index);
    assert!(
        hits.len() > 500,
        "a 1.5 km square covers much of the network"
    );
    assert_eq!(hits, set.edge_hits_reference(g, index));
}
