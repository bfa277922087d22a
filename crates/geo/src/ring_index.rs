//! [`point_in_ring`] in time that does not grow with the ring.
//!
//! The plain test looks at every edge of the ring. A hazard polygon may have
//! 10,000 vertices, and mapping it onto a city asks the question for tens of
//! thousands of points, so [`RingIndex`] lays a grid of rows and columns over
//! the ring's box and sorts every edge, row by row, into one of four kinds:
//!
//! * no point of the row's height is on the edge's span: it never counts;
//! * the row holds one of its ends: it is tested for every point of the row;
//! * it spans the row's whole height and crosses it wholly to the right of
//!   a column: it counts for every point of that column's cell, and only
//!   its parity is kept (one bit a cell);
//! * it spans the row and crosses it within the column: it is tested for
//!   every point of that cell.
//!
//! Where an edge crosses a row is the abscissa `point_in_ring` computes,
//! `xj + (y - yj) / (yi - yj) * (xi - xj)`, at the row's two bounds: every
//! step of it rounds monotonically, so at any height within the row the
//! computed crossing lies between those two values, exactly, whatever the
//! size of the coordinates. An edge so costs each row it spans the columns
//! it crosses there, about rows + columns in all (not rows × columns, as a
//! long diagonal edge would if its whole span were taken: a review's
//! 10,000-vertex zigzag took 4.6 GB that way).
//!
//! A point then looks at its row's list and its cell's list, and starts from
//! its cell's bit. The per-edge test is [`point_in_ring`]'s own
//! (`crosses_right`), so the answer is the plain test's bit for bit: every
//! edge is either tested the same way or known to give the same answer for
//! every point of the cell. A point outside the grid, or that the rounding of
//! its row or column puts on the wrong side of a cell's bounds, is answered
//! by the plain test.

use crate::{crosses_right, point_in_ring};

/// Rings with fewer edges than this are tested edge by edge.
const MIN_EDGES: usize = 64;
/// Most rows (and columns) of a grid.
const MAX_SIDE: usize = 256;
/// Least height (and width) of a row (column), in degrees (about 1 cm):
/// far above the rounding of any coordinate, so that one row of margin
/// covers it.
const MIN_CELL_DEG: f64 = 1e-7;

/// A ring prepared for many point-in-ring tests ([module docs](self)).
pub struct RingIndex<'a> {
    ring: &'a [(f64, f64)],
    grid: Option<Grid>,
}

struct Grid {
    x0: f64,
    y0: f64,
    w: f64,
    h: f64,
    cols: usize,
    rows: usize,
    /// The columns' and rows' bounds, computed once (`x0 + c * w`), so
    /// that sorting the edges and placing a point compare with the very
    /// same numbers.
    xs: Vec<f64>,
    ys: Vec<f64>,
    /// Edges with an end in each row (compressed rows: `row_first[r]..`).
    row_first: Vec<u32>,
    row_edges: Vec<u32>,
    /// Per cell, the parity of the edges spanning its row wholly to its
    /// right, one bit each.
    base: Vec<u64>,
    /// Edges spanning each cell's row near its column.
    cell_first: Vec<u32>,
    cell_edges: Vec<u32>,
}

impl Grid {
    #[inline(always)]
    fn row_lo(&self, r: usize) -> f64 {
        self.ys[r]
    }
    #[inline(always)]
    fn col_lo(&self, c: usize) -> f64 {
        self.xs[c]
    }

    /// The cell holding `p` by the bounds the edges were sorted against,
    /// or `None`.
    fn cell(&self, p: (f64, f64)) -> Option<(usize, usize)> {
        let r = ((p.1 - self.y0) / self.h).floor();
        let c = ((p.0 - self.x0) / self.w).floor();
        if !(r >= 0.0 && r < self.rows as f64 && c >= 0.0 && c < self.cols as f64) {
            return None;
        }
        let (r, c) = (r as usize, c as usize);
        let inside = self.row_lo(r) <= p.1
            && p.1 <= self.row_lo(r + 1)
            && self.col_lo(c) <= p.0
            && p.0 <= self.col_lo(c + 1);
        inside.then_some((r, c))
    }
}

/// Number of cells of `len` degrees, at most `most`, each at least
/// [`MIN_CELL_DEG`].
fn side(len: f64, most: usize) -> usize {
    ((len / MIN_CELL_DEG).floor() as usize).clamp(1, most)
}

/// The `k`th edge of `ring` as [`point_in_ring`] walks it: from vertex
/// `k - 1` (cyclically) to vertex `k`, as `(later, earlier)`.
fn edge(ring: &[(f64, f64)], k: usize) -> ((f64, f64), (f64, f64)) {
    let n = ring.len();
    (ring[k], ring[(k + n - 1) % n])
}

/// Compressed lists from `(list, item)` pairs over `lists` lists (a
/// counting sort: items keep their order within a list).
fn compress(lists: usize, pairs: Vec<(u32, u32)>) -> (Vec<u32>, Vec<u32>) {
    let mut first = vec![0u32; lists + 1];
    for &(l, _) in &pairs {
        first[l as usize + 1] += 1;
    }
    for i in 0..lists {
        first[i + 1] += first[i];
    }
    let mut next = first.clone();
    let mut items = vec![0u32; pairs.len()];
    for (l, k) in pairs {
        let slot = &mut next[l as usize];
        items[*slot as usize] = k;
        *slot += 1;
    }
    (first, items)
}

impl<'a> RingIndex<'a> {
    /// Prepares `ring` (as [`point_in_ring`] takes it). Small rings, and
    /// rings without height or width, are tested edge by edge.
    pub fn new(ring: &'a [(f64, f64)]) -> RingIndex<'a> {
        RingIndex {
            ring,
            grid: Self::grid(ring),
        }
    }

    fn grid(ring: &[(f64, f64)]) -> Option<Grid> {
        let n = ring.len();
        if n < MIN_EDGES {
            return None;
        }
        // `f64::min` passes over a NaN, which would leave its edges out of
        // the grid while the plain test sees them (review).
        if !ring.iter().all(|&(x, y)| x.is_finite() && y.is_finite()) {
            return None;
        }
        let (mut lo, mut hi) = (
            (f64::INFINITY, f64::INFINITY),
            (f64::NEG_INFINITY, f64::NEG_INFINITY),
        );
        for &(x, y) in ring {
            lo = (lo.0.min(x), lo.1.min(y));
            hi = (hi.0.max(x), hi.1.max(y));
        }
        let (width, height) = (hi.0 - lo.0, hi.1 - lo.1);
        if !(width.is_finite() && height.is_finite() && width > 0.0 && height > 0.0) {
            return None;
        }
        let most = (2 * (n as f64).sqrt().ceil() as usize).min(MAX_SIDE);
        let (cols, rows) = (side(width, most), side(height, most));
        let mut g = Grid {
            x0: lo.0,
            y0: lo.1,
            w: width / cols as f64,
            h: height / rows as f64,
            cols,
            rows,
            xs: (0..=cols)
                .map(|c| lo.0 + c as f64 * (width / cols as f64))
                .collect(),
            ys: (0..=rows)
                .map(|r| lo.1 + r as f64 * (height / rows as f64))
                .collect(),
            row_first: Vec::new(),
            row_edges: Vec::new(),
            base: vec![0; (rows * cols).div_ceil(64)],
            cell_first: Vec::new(),
            cell_edges: Vec::new(),
        };
        let (mut in_row, mut in_cell) = (Vec::new(), Vec::new());
        // Per row, a bit flipped at the first column and at the first
        // column an edge does not lie wholly right of: the prefix parity
        // of these flips is the cell's base.
        let mut flips = vec![false; rows * (cols + 1)];
        // The row (or column) of a coordinate, by the same arithmetic as
        // `Grid::cell`, clamped: a first guess, moved until the bounds
        // themselves say it is right.
        let index = |v: f64, o: f64, d: f64, len: usize| -> usize {
            let i = ((v - o) / d).floor();
            if i <= 0.0 {
                0
            } else {
                (i as usize).min(len - 1)
            }
        };
        for k in 0..n {
            let ((xi, yi), (xj, yj)) = edge(ring, k);
            let (ymin, ymax) = (yi.min(yj), yi.max(yj));
            if ymin == ymax {
                // Level edges never cross a level ray.
                continue;
            }
            // Rows below `ra` end below the edge, rows above `rb` start
            // above it.
            let mut ra = index(ymin, g.y0, g.h, rows);
            while ra > 0 && g.row_lo(ra) >= ymin {
                ra -= 1;
            }
            let mut rb = index(ymax, g.y0, g.h, rows);
            while rb + 1 < rows && g.row_lo(rb + 1) <= ymax {
                rb += 1;
            }
            let at = |y: f64| xj + (y - yj) / (yi - yj) * (xi - xj);
            // The crossing at the previous row's upper bound (this row's
            // lower one), and the previous row's first column: a straight
            // edge moves on from there, so the walk below costs the
            // columns it crosses, not a division a row.
            let (mut below, mut guess): (Option<f64>, Option<usize>) = (None, None);
            for r in ra..=rb {
                let (rlo, rhi) = (g.row_lo(r), g.row_lo(r + 1));
                if ymax < rlo || ymin > rhi {
                    continue;
                }
                if !(ymin < rlo && ymax > rhi) {
                    in_row.push((r as u32, k as u32));
                    continue;
                }
                // Spanning the row: where it crosses the row lies between
                // its crossings of the row's bounds (module docs). Columns
                // wholly left of that get it in their parity, columns
                // meeting it in their list.
                // A meridian edge crosses every row at its own abscissa
                // (`xj + t * 0`), with no division.
                let (xa, xb) = if xi == xj {
                    (xi, xi)
                } else {
                    let xb = at(rhi);
                    (below.replace(xb).unwrap_or_else(|| at(rlo)), xb)
                };
                let (xmin, xmax) = (xa.min(xb), xa.max(xb));
                // `ca`: the first column not ending left of `xmin`.
                let mut ca = guess.unwrap_or_else(|| index(xmin, g.x0, g.w, cols));
                while ca > 0 && g.col_lo(ca) >= xmin {
                    ca -= 1;
                }
                while ca < cols && g.col_lo(ca + 1) < xmin {
                    ca += 1;
                }
                guess = Some(ca.min(cols - 1));
                flips[r * (cols + 1)] ^= true;
                flips[r * (cols + 1) + ca] ^= true;
                let mut c = ca;
                while c < cols && g.col_lo(c) <= xmax {
                    in_cell.push(((r * cols + c) as u32, k as u32));
                    c += 1;
                }
            }
        }
        for r in 0..rows {
            let mut parity = false;
            for c in 0..cols {
                parity ^= flips[r * (cols + 1) + c];
                if parity {
                    let i = r * cols + c;
                    g.base[i / 64] |= 1 << (i % 64);
                }
            }
        }
        (g.row_first, g.row_edges) = compress(rows, in_row);
        (g.cell_first, g.cell_edges) = compress(rows * cols, in_cell);
        Some(g)
    }

    /// [`point_in_ring`]`(p, ring)`, bit for bit.
    pub fn contains(&self, p: (f64, f64)) -> bool {
        let Some((g, (r, c))) = self.grid.as_ref().and_then(|g| Some((g, g.cell(p)?))) else {
            return point_in_ring(p, self.ring);
        };
        let i = r * g.cols + c;
        let mut inside = g.base[i / 64] >> (i % 64) & 1 != 0;
        let rows = &g.row_edges[g.row_first[r] as usize..g.row_first[r + 1] as usize];
        let cells = &g.cell_edges[g.cell_first[i] as usize..g.cell_first[i + 1] as usize];
        for &k in rows.iter().chain(cells) {
            let (a, b) = edge(self.ring, k as usize);
            inside ^= crosses_right(p, a, b);
        }
        inside
    }

    /// Bytes held by the grid.
    pub fn heap_bytes(&self) -> usize {
        self.grid.as_ref().map_or(0, |g| {
            4 * (g.row_first.len() + g.row_edges.len() + g.cell_first.len() + g.cell_edges.len())
                + 8 * (g.base.len() + g.xs.len() + g.ys.len())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A comb: the worst shape for a plain test (every level ray crosses
    /// every tooth).
    fn comb(teeth: usize) -> Vec<(f64, f64)> {
        let mut ring = vec![(0.0, 0.0)];
        for i in 0..teeth {
            let x = i as f64;
            ring.extend([(x, 1.0), (x + 0.5, 1.0), (x + 0.5, 0.1), (x + 1.0, 0.1)]);
        }
        ring.extend([(teeth as f64, 0.0), (0.0, 0.0)]);
        ring
    }

    #[test]
    fn comb_answers_as_the_plain_test() {
        let ring = comb(300);
        let ix = RingIndex::new(&ring);
        assert!(ix.grid.is_some());
        let mut n = 0;
        for i in 0..=1210 {
            for j in 0..=110 {
                // Vertices, edges and the space between, exactly.
                let p = (i as f64 * 0.25 - 0.25, j as f64 * 0.01 - 0.05);
                assert_eq!(ix.contains(p), point_in_ring(p, &ring), "{p:?}");
                n += usize::from(ix.contains(p));
            }
        }
        assert!(n > 1000, "a comb holds points");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Random rings (self-crossing, repeated and level edges, points on
        /// a coarse lattice so that many fall on vertices and edges): the
        /// index answers as the plain test for every point tried.
        #[test]
        fn equals_the_plain_test(
            ring in prop::collection::vec((0i32..40, 0i32..40), 3..300),
            scale in prop_oneof![Just(1.0), Just(1e-3), Just(1e-6), Just(0.37)],
            points in prop::collection::vec((-2i32..84, -2i32..84), 200),
            offset in prop_oneof![Just((0.0, 0.0)), Just((30.5, 50.4)), Just((-179.0, -89.0))],
        ) {
            let at = |x: i32, y: i32, half: f64| {
                (offset.0 + x as f64 * scale * half, offset.1 + y as f64 * scale * half)
            };
            let ring: Vec<(f64, f64)> = ring.iter().map(|&(x, y)| at(x, y, 1.0)).collect();
            let ix = RingIndex::new(&ring);
            for &(x, y) in &points {
                let p = at(x, y, 0.5);
                prop_assert_eq!(ix.contains(p), point_in_ring(p, &ring), "{:?}", p);
            }
        }
    }
}
