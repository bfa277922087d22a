//! `RingIndex` against `point_in_ring` where rounding is hardest (a
//! review's cases): points a unit in the last place either side of an
//! edge's computed crossing, coordinates of 2^30 where an ulp is far larger
//! than any fixed margin, a NaN vertex, and rings whose edges are long
//! diagonals (the grid's memory must grow with rows + columns per edge).

use corridor_geo::{point_in_ring, RingIndex};

/// Same formula as crosses_right: the abscissa where the edge b->a meets y.
fn cross_x(py: f64, a: (f64, f64), b: (f64, f64)) -> f64 {
    let ((xi, yi), (xj, yj)) = (a, b);
    xj + (py - yj) / (yi - yj) * (xi - xj)
}

fn up(x: f64) -> f64 {
    if x >= 0.0 {
        f64::from_bits(x.to_bits() + 1)
    } else {
        f64::from_bits(x.to_bits() - 1)
    }
}
fn down(x: f64) -> f64 {
    -up(-x)
}

#[test]
fn nan_longitude_in_a_vertex() {
    let mut ring: Vec<(f64, f64)> = (0..=70).map(|i| (i as f64, 0.0)).collect();
    ring.extend([(70.0, 10.0), (35.0, 10.0), (f64::NAN, 5.0)]);
    let ix = RingIndex::new(&ring);
    let _ = ix.heap_bytes();
    let p = (20.0, 7.0);
    assert_eq!(ix.contains(p), point_in_ring(p, &ring), "{p:?}");
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn search(k: f64, small: f64, trials: usize) -> usize {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let mut bad = 0;
    for _ in 0..trials {
        let xj = k * (0.5 + 0.5 * rng.next()) * if rng.next() < 0.5 { 1.0 } else { -1.0 };
        let xi = (1e-9 + small * rng.next()) * if rng.next() < 0.5 { 1.0 } else { -1.0 };
        let yj = k * (2.0 * rng.next() - 1.0);
        let yi = k * (2.0 * rng.next() - 1.0);
        let mut ring: Vec<(f64, f64)> = (0..60)
            .map(|i| (-k + 2.0 * k * i as f64 / 59.0, -k))
            .collect();
        ring.extend([(k, k), (xj, yj), (xi, yi), (-k, k)]);
        let ix = RingIndex::new(&ring);
        for _ in 0..50 {
            let py = yi.min(yj) + (yi - yj).abs() * rng.next();
            let x = cross_x(py, (xi, yi), (xj, yj));
            for px in [x, down(x), up(x), xi, down(xi), up(xi), 0.0, -0.0] {
                let p = (px, py);
                if ix.contains(p) != point_in_ring(p, &ring) {
                    if bad < 3 {
                        eprintln!("mismatch: p = {p:?}, edge ({xj:?},{yj:?})->({xi:?},{yi:?}), x = {x:?}, index {} plain {}",
                            ix.contains(p), point_in_ring(p, &ring));
                    }
                    bad += 1;
                }
            }
        }
    }
    bad
}

#[test]
fn geographic_coordinates_agree() {
    assert_eq!(search(180.0, 1e-3, 2_000), 0);
}

#[test]
fn huge_coordinates_agree() {
    let bad = search(1073741824.0, 5e-8, 2_000);
    assert_eq!(bad, 0, "{bad} mismatches");
}

fn zigzag(n: usize) -> Vec<(f64, f64)> {
    // Every edge a diagonal of the box: alternately (0,0)-(1,1) with a tiny
    // jitter so the ring is not degenerate.
    (0..n)
        .map(|i| {
            let e = i as f64 * 1e-6;
            if i % 2 == 0 {
                (e, 0.0)
            } else {
                (1.0 - e, 1.0)
            }
        })
        .collect()
}

/// A simple (non-self-crossing) star of long thin spikes round (0,0).
fn urchin(spikes: usize) -> Vec<(f64, f64)> {
    let mut ring = Vec::new();
    for i in 0..spikes {
        let a = i as f64 / spikes as f64 * std::f64::consts::TAU;
        let b = (i as f64 + 0.5) / spikes as f64 * std::f64::consts::TAU;
        ring.push((0.001 * a.cos(), 0.001 * a.sin()));
        ring.push((0.05 * b.cos(), 0.05 * b.sin()));
    }
    ring
}

#[test]
fn memory() {
    for (name, ring) in [
        ("zigzag 1000", zigzag(1000)),
        ("zigzag 2500", zigzag(2500)),
        ("zigzag 5000", zigzag(5000)),
        ("urchin 2x2500 (simple polygon)", urchin(2500)),
        ("urchin 2x5000 (simple polygon)", urchin(5000)),
    ] {
        let t = std::time::Instant::now();
        let ix = RingIndex::new(&ring);
        let dt = t.elapsed();
        eprintln!(
            "{name}: {} vertices, ring {} KB, grid {} MB, built in {:?}",
            ring.len(),
            ring.len() * 16 / 1024,
            ix.heap_bytes() / (1 << 20),
            dt
        );
        assert!(
            ix.heap_bytes() < 32 << 20,
            "{name}: {} bytes",
            ix.heap_bytes()
        );
        for &p in ring.iter().take(50) {
            assert_eq!(ix.contains(p), point_in_ring(p, &ring));
        }
    }
}

/// A ring of 64 vertices: 60 along the bottom from `x0` to `x1` at `-k`,
/// then `(x1, k)`, the edge under test `(xj, yj)`–`(xi, yi)`, and `(x0, k)`.
fn framed(x0: f64, x1: f64, k: f64, (xj, yj): (f64, f64), (xi, yi): (f64, f64)) -> Vec<(f64, f64)> {
    let mut ring: Vec<(f64, f64)> = (0..60)
        .map(|i| (x0 + (x1 - x0) * i as f64 / 59.0, -k))
        .collect();
    ring.extend([(x1, k), (xj, yj), (xi, yi), (x0, k)]);
    ring
}

/// The points where the index and the plain test disagree.
fn mismatches(
    ring: &[(f64, f64)],
    points: impl IntoIterator<Item = (f64, f64)>,
) -> Vec<(f64, f64)> {
    let ix = RingIndex::new(ring);
    points
        .into_iter()
        .filter(|&p| ix.contains(p) != point_in_ring(p, ring))
        .collect()
}

/// Huge coordinates: an edge from a far vertex (x ~ 2^29) to one just past
/// a column boundary (x = 0), whose near end lies 1e-30 below a row
/// boundary (y = 0), so the row above is spanned and the crossing abscissa
/// on y = 0 is xi up to the rounding of xi - xj (~6e-8, far above the
/// first version's fixed margin of 1e-9).
#[test]
fn huge_coordinates_targeted() {
    let k = 1073741824.0; // 2^30: 16 columns of 2^27, a boundary at x = 0 and y = 0
    let mut rng = Rng(12345);
    for _ in 0..2000 {
        let (xj, yj) = (k * (0.5 + 0.4 * rng.next()), k * (0.5 + 0.4 * rng.next()));
        let xi = (2e-9 + 5e-8 * rng.next()) * if rng.next() < 0.5 { 1.0 } else { -1.0 };
        let ring = framed(-k, k, k, (xj, yj), (xi, -1e-30));
        let x = cross_x(0.0, (xi, -1e-30), (xj, yj));
        let points = [x, down(x), up(x), 0.0, -0.0, down(0.0f64.max(x))].map(|px| (px, 0.0));
        let bad = mismatches(&ring, points);
        assert!(
            bad.is_empty(),
            "{bad:?} with the edge ({xj}, {yj})-({xi}, -1e-30)"
        );
    }
}

/// As above, the frame's columns shifted by fractions of an ulp, every
/// nanodegree for a microdegree either side of the edge's near end.
#[test]
fn huge_coordinates_dense() {
    let k = 1073741824.0;
    let mut rng = Rng(777);
    for _ in 0..150 {
        let x0 = -134217728.0 + (rng.next() * 8.0).floor() * 2f64.powi(-25);
        let (xj, yj) = (k * (1.0 + 0.9 * rng.next()), k * (0.5 + 0.4 * rng.next()));
        let xi = 1e-6 * (2.0 * rng.next() - 1.0);
        let ring = framed(x0, x0 + 2147483648.0, k, (xj, yj), (xi, -1e-30));
        let x = cross_x(0.0, (xi, -1e-30), (xj, yj));
        let points = (-1000..=1000)
            .map(|s| (xi + s as f64 * 1e-9, 0.0))
            .chain([(x, 0.0)]);
        let bad = mismatches(&ring, points);
        assert!(
            bad.is_empty(),
            "{bad:?} with the edge ({xj}, {yj})-({xi}, -1e-30), x0 {x0}"
        );
    }
}

/// The worst a hazard feature may be (10,000 vertices), every edge a long
/// diagonal: the grid holds about rows + columns entries an edge, not rows
/// × columns (4.6 GB before the review's fix).
#[test]
fn memory_10k() {
    let ring = zigzag(10_000);
    let ix = RingIndex::new(&ring);
    assert!(ix.heap_bytes() < 64 << 20, "{} bytes", ix.heap_bytes());
    for &p in ring.iter().step_by(97) {
        assert_eq!(ix.contains(p), point_in_ring(p, &ring));
        let q = (p.0 + 0.5e-6, p.1 * 0.999 + 0.0005);
        assert_eq!(ix.contains(q), point_in_ring(q, &ring));
    }
}

/// Minimal reproduction of huge_coordinates_dense's first mismatch.
#[test]
fn huge_coordinates_minimal() {
    let k = 1073741824.0;
    let (x0, x1) = (-134217727.99999994, 2013265920.0);
    let mut ring: Vec<(f64, f64)> = (0..60)
        .map(|i| (x0 + (x1 - x0) * i as f64 / 59.0, -k))
        .collect();
    ring.extend([
        (x1, k),
        (1228318817.9883552, 864680620.183644),
        (6.625284807006038e-8, -1e-30),
        (x0, k),
    ]);
    let p = (0.0, 0.0);
    assert_eq!(RingIndex::new(&ring).contains(p), point_in_ring(p, &ring));
}
