//! A hash grid of the cells each road segment's line passes through, for
//! the small circles of snapping.
//!
//! Snapping asks for the segments within 15 m of a point, and the R-tree
//! answers that by a walk from its root: on a city, three or four levels of
//! sixteen boxes each, over a thousand instructions a point before the
//! first segment is measured. Here a point's circle (a window of 30 m)
//! falls in one to four cells of [`CELL_M`], found by hashing, and each
//! cell lists the segments whose *line* (not box) crosses it, so a long
//! diagonal road sits in a strip of cells, not in the square of its box.
//! 64 m cells measured best overall (48 m cost more instructions a snap on
//! all five extracts, 32 m more on the two tried and more memory, 128 m
//! more in Heidelberg and Helsinki's centre): BENCHMARKS.md, issue 16,
//! seventh round.
//!
//! Exactness: a segment within `r` metres of `p` has a point within `r` of
//! `p`, inside the search window (`LocalFrame::margins` bounds the circle
//! up to 89° of latitude; beyond, searches use the tree), so it is listed
//! in a cell the window meets. The column sweep that lists a segment's
//! cells widens each column by [`SLACK_DEG`] so that rounding can only add
//! cells (a margin no test has been able to show necessary). A segment may
//! be listed in several of a window's cells: the caller is told when that
//! can happen. Roads crossing more than [`LONG_CELLS`] cells, and any
//! spanning more than 180° of longitude (across the antimeridian, which
//! the span already catches), are kept in a short list every search looks
//! at, so the grid's memory grows with the number of segments, not their
//! length; a network with more such roads, or with more than
//! [`PAIRS_PER_SEGMENT`] cells a segment on average, gets no grid.

use corridor_geo::{LatLon, EARTH_RADIUS_M};

/// Side of a cell in metres (north-south; east-west at the graph's middle
/// latitude).
const CELL_M: f64 = 64.0;

/// A window meeting more cells than this is left to the R-tree.
const MAX_CELLS: i64 = 16;

/// Degrees added either side of a column's latitude interval (about 0.1
/// mm), far above the rounding of the interpolation.
const SLACK_DEG: f64 = 1e-9;

/// A segment crossing more cells than this (a road over 16 km without a
/// bend, a ferry line) is not listed in cells but kept in the short list
/// of long ones, which every search looks at.
const LONG_CELLS: i64 = 256;

/// More long segments than this and the grid is not built: each would cost
/// every search a box test.
const MAX_LONG: usize = 64;

/// More (cell, segment) pairs than this many per segment, plus
/// [`SPARE_PAIRS`], and the grid is not built (its memory would grow with
/// the length of the roads rather than their number).
const PAIRS_PER_SEGMENT: usize = 8;
const SPARE_PAIRS: usize = 1 << 16;

/// `v.floor() as i64`, without the library call `floor` is on a CPU
/// baseline without SSE4.1 (0 for NaN; saturating at both ends, like `as`).
#[inline]
fn floor(v: f64) -> i64 {
    let t = v as i64;
    t.saturating_sub(i64::from(t as f64 > v))
}

/// Sorts `v` by `key` (below 2^`bits`), stably: least significant digit
/// first, [`DIGIT`] bits a pass, in memory order where a comparison sort
/// of millions of items would jump around.
fn radix_sort_by<T: Copy + Default>(v: &mut Vec<T>, bits: u32, key: impl Fn(&T) -> u32) {
    let mut other = vec![T::default(); v.len()];
    let mut shift = 0;
    while shift < bits {
        let digit = |x: &T| ((key(x) >> shift) & ((1 << DIGIT) - 1)) as usize;
        let mut count = vec![0usize; 1 << DIGIT];
        for x in v.iter() {
            count[digit(x)] += 1;
        }
        let mut at = 0;
        for c in count.iter_mut() {
            (*c, at) = (at, at + *c);
        }
        for x in v.iter() {
            let d = digit(x);
            other[count[d]] = *x;
            count[d] += 1;
        }
        std::mem::swap(v, &mut other);
        shift += DIGIT;
    }
}

/// Bits of a radix sort's digit: 2,048 buckets, whose write positions stay
/// in the cache and the TLB (65,536 made each write a miss).
const DIGIT: u32 = 11;

/// No key: an empty slot of the table (cells are numbered below it).
const EMPTY: u32 = u32::MAX;

/// A cell of the table: its number (column × rows + row) and where its run
/// starts in `refs`: the run's length, then its leaf positions.
#[derive(Clone, Copy, Debug)]
struct Slot {
    key: u32,
    start: u32,
}

/// A window's cells: columns and rows, first and last (either may be
/// off the grid).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    cols: (i64, i64),
    rows: (i64, i64),
}

impl Window {
    /// Whether the window meets more than one cell.
    #[inline]
    pub(crate) fn several(&self) -> bool {
        self.cols.0 != self.cols.1 || self.rows.0 != self.rows.1
    }
}

/// The non-empty cells, in an open-addressed table, each a run of leaf
/// positions of the R-tree (ascending).
#[derive(Debug)]
pub(crate) struct LineGrid {
    /// West and south edges of cell (0, 0), degrees.
    x0: f64,
    y0: f64,
    /// Cells per degree of longitude and of latitude.
    per_x: f64,
    per_y: f64,
    /// Columns and rows over the graph's box.
    cols: i64,
    rows: i64,
    table: Vec<Slot>,
    /// `64 - log2(table.len())`: the hash keeps the top bits.
    shift: u32,
    refs: Vec<u32>,
    /// Leaf positions of the segments too long to list in cells (at most
    /// [`MAX_LONG`]), and of those spanning more than 180° of longitude
    /// (across the antimeridian: the R-tree measures them the short way
    /// round, a sweep in degrees would go the long way).
    long: Vec<u32>,
}

impl LineGrid {
    /// The grid of `segments` (leaf position, ascending; first point,
    /// second point), inside the box `min`..`max` (lon, lat degrees). None
    /// without segments, or when the box has 2^32 cells or more (a
    /// continent: the R-tree alone serves it).
    pub(crate) fn build(
        segments: impl Iterator<Item = (u32, LatLon, LatLon)>,
        min: [f64; 2],
        max: [f64; 2],
    ) -> Option<LineGrid> {
        let mid_lat = (min[1] + max[1]) / 2.0;
        let deg_y = CELL_M / (EARTH_RADIUS_M * std::f64::consts::PI / 180.0);
        let deg_x = deg_y / mid_lat.to_radians().cos().max(0.01);
        let mut grid = LineGrid {
            x0: min[0],
            y0: min[1],
            per_x: 1.0 / deg_x,
            per_y: 1.0 / deg_y,
            cols: 0,
            rows: 0,
            table: Vec::new(),
            shift: 64,
            refs: Vec::new(),
            long: Vec::new(),
        };
        (grid.cols, grid.rows) = (grid.col(max[0]) + 1, grid.row(max[1]) + 1);
        let cells = grid.cols.checked_mul(grid.rows)?;
        if cells >= EMPTY as i64 {
            return None;
        }
        // (cell << 32 | position), sorted by cell: in memory order, where
        // a hash table filled segment by segment would miss the cache at
        // every cell of a large network. The sort is stable, so each
        // cell's positions stay ascending.
        // Most segments cross one or two cells.
        let count = segments.size_hint().0;
        let most = count
            .saturating_mul(PAIRS_PER_SEGMENT)
            .saturating_add(SPARE_PAIRS);
        let mut pairs: Vec<u64> = Vec::with_capacity(count * 3 / 2);
        for (pos, a, b) in segments {
            let span = (grid.col(a.lon).abs_diff(grid.col(b.lon)))
                .saturating_add(grid.row(a.lat).abs_diff(grid.row(b.lat)));
            if (a.lon - b.lon).abs() > 180.0 || span > LONG_CELLS as u64 {
                grid.long.push(pos);
                if grid.long.len() > MAX_LONG {
                    return None;
                }
                continue;
            }
            grid.cover(a, b, |key| {
                pairs.push(u64::from(key) << 32 | u64::from(pos))
            });
            if pairs.len() > most {
                return None;
            }
        }
        let key_bits = 64 - (cells as u64).leading_zeros();
        radix_sort_by(&mut pairs, key_bits, |&x| (x >> 32) as u32);
        let used = 1 + pairs
            .windows(2)
            .filter(|w| w[0] >> 32 != w[1] >> 32)
            .count();
        if pairs.len() + used >= u32::MAX as usize {
            return None;
        }
        // At most three quarters full.
        let size = (used * 4 / 3 + 1).next_power_of_two().max(2);
        grid.shift = 64 - size.trailing_zeros();
        grid.table = vec![
            Slot {
                key: EMPTY,
                start: 0
            };
            size
        ];
        let mut refs = Vec::with_capacity(pairs.len() + used);
        // Each cell's run, then the cells placed in the order of their home
        // slots, so that the table too is written front to back.
        let mut homes = Vec::with_capacity(used);
        for run in pairs.chunk_by(|x, y| x >> 32 == y >> 32) {
            let key = (run[0] >> 32) as u32;
            homes.push((grid.home(key) as u32, key, refs.len() as u32));
            refs.push(run.len() as u32);
            refs.extend(run.iter().map(|&x| x as u32));
        }
        drop(pairs);
        radix_sort_by(&mut homes, size.trailing_zeros(), |h| h.0);
        for (_, key, start) in homes {
            let i = grid.slot(key);
            grid.table[i] = Slot { key, start };
        }
        grid.refs = refs;
        Some(grid)
    }

    /// Where the probe for `key` starts.
    #[inline]
    fn home(&self, key: u32) -> usize {
        ((key as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The slot holding `key`, or the empty one where it would go.
    #[inline]
    fn slot(&self, key: u32) -> usize {
        let mask = self.table.len() - 1;
        let mut h = self.home(key);
        while self.table[h].key != key && self.table[h].key != EMPTY {
            h = (h + 1) & mask;
        }
        h
    }

    /// Column of longitude `x` (may be negative or huge for a window off
    /// the graph).
    #[inline]
    fn col(&self, x: f64) -> i64 {
        floor((x - self.x0) * self.per_x)
    }

    #[inline]
    fn row(&self, y: f64) -> i64 {
        floor((y - self.y0) * self.per_y)
    }

    /// The number of cell (`c`, `r`), if it is on the grid.
    #[inline]
    fn key(&self, c: i64, r: i64) -> Option<u32> {
        ((0..self.cols).contains(&c) && (0..self.rows).contains(&r))
            .then(|| (c * self.rows + r) as u32)
    }

    /// Calls `f(key)` for every cell the segment `a`-`b` crosses (and
    /// perhaps a neighbour, never fewer): column by column, the rows
    /// between the line's latitudes at the column's two sides.
    fn cover(&self, a: LatLon, b: LatLon, mut f: impl FnMut(u32)) {
        let (a, b) = if a.lon <= b.lon { (a, b) } else { (b, a) };
        let (c0, c1) = (self.col(a.lon), self.col(b.lon));
        let dx = b.lon - a.lon;
        for c in c0..=c1 {
            // The line's latitudes where it enters and leaves the column.
            let at = |x: f64| {
                if dx > 0.0 {
                    a.lat + (b.lat - a.lat) * ((x - a.lon) / dx).clamp(0.0, 1.0)
                } else {
                    a.lat
                }
            };
            // Widened like the rows, so that rounding here cannot lose the
            // line's ends in the column.
            let west = self.x0 + c as f64 / self.per_x - SLACK_DEG;
            let east = self.x0 + (c + 1) as f64 / self.per_x + SLACK_DEG;
            let (mut lo, mut hi) = if dx > 0.0 {
                let (p, q) = (at(west.max(a.lon)), at(east.min(b.lon)));
                (p.min(q), p.max(q))
            } else {
                (a.lat.min(b.lat), a.lat.max(b.lat))
            };
            // The end columns also hold the ends themselves.
            if c == c0 {
                lo = lo.min(a.lat);
                hi = hi.max(a.lat);
            }
            if c == c1 {
                lo = lo.min(b.lat);
                hi = hi.max(b.lat);
            }
            for r in self.row(lo - SLACK_DEG)..=self.row(hi + SLACK_DEG) {
                if let Some(key) = self.key(c, r) {
                    f(key);
                }
            }
        }
    }

    /// The cells the window `min`..`max` (lon, lat degrees) meets; None
    /// when they are more than [`MAX_CELLS`].
    #[inline]
    pub(crate) fn window(&self, min: [f64; 2], max: [f64; 2]) -> Option<Window> {
        let w = Window {
            cols: (self.col(min[0]), self.col(max[0])),
            rows: (self.row(min[1]), self.row(max[1])),
        };
        let span = |(a, b): (i64, i64)| b.saturating_sub(a).saturating_add(1).max(0);
        (span(w.cols).saturating_mul(span(w.rows)) <= MAX_CELLS).then_some(w)
    }

    /// Calls `f(leaf position)` for every segment listed in a cell of `w`
    /// (more than once for a segment in several of them:
    /// [`Window::several`]) and for every long one, wherever it is: the
    /// caller tests each against the window.
    #[inline]
    pub(crate) fn for_each_in(&self, w: &Window, mut f: impl FnMut(usize)) {
        // The runs first, then one loop over them: `f` (snapping's whole
        // test) is then inlined once.
        let mut runs: [&[u32]; 1 + MAX_CELLS as usize] = [&[]; 1 + MAX_CELLS as usize];
        runs[0] = &self.long;
        let mut n = 1;
        for c in w.cols.0.max(0)..=w.cols.1.min(self.cols - 1) {
            for r in w.rows.0.max(0)..=w.rows.1.min(self.rows - 1) {
                let Some(key) = self.key(c, r) else { continue };
                let slot = self.table[self.slot(key)];
                if slot.key == EMPTY || n == runs.len() {
                    continue;
                }
                let start = slot.start as usize + 1;
                let len = self.refs[start - 1] as usize;
                runs[n] = &self.refs[start..start + len];
                n += 1;
            }
        }
        for run in &runs[..n] {
            for &pos in *run {
                f(pos as usize);
            }
        }
    }

    /// The south-west corner of cell (`c`, `r`), (lon, lat) degrees.
    #[cfg(test)]
    pub(crate) fn corner(&self, c: i64, r: i64) -> (f64, f64) {
        (
            self.x0 + c as f64 / self.per_x,
            self.y0 + r as f64 / self.per_y,
        )
    }

    /// The cell of (`x`, `y`), (lon, lat) degrees.
    #[cfg(test)]
    pub(crate) fn cell_of(&self, x: f64, y: f64) -> (i64, i64) {
        (self.col(x), self.row(y))
    }

    /// Bytes held on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        std::mem::size_of_val(&self.table[..])
            + std::mem::size_of_val(&self.refs[..])
            + std::mem::size_of_val(&self.long[..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The radix sort is the standard library's stable sort by the key,
        /// whatever the key's width (up to 32 bits).
        #[test]
        fn radix_sort_is_a_stable_sort_by_the_high_bits(
            v in proptest::collection::vec(any::<u64>(), 0..3000),
            bits in 1u32..=32,
        ) {
            let v: Vec<u64> = v.iter().map(|&x| x & (u64::MAX >> (32 - bits))).collect();
            let mut want = v.clone();
            want.sort_by_key(|&x| x >> 32);
            let mut got = v;
            radix_sort_by(&mut got, bits, |&x| (x >> 32) as u32);
            prop_assert_eq!(got, want);
        }
    }
}
