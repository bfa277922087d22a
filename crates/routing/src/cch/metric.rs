//! Phase 3: customization. A [`Metric`] holds, for every arc of the chordal
//! supergraph, the up and down weights and how each was obtained (an original
//! edge, or the middle node of a lower triangle), which is what the query
//! needs to unpack paths.

use super::{Cch, INFINITY, NONE};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Marks a `via` entry that is an original edge id rather than a middle rank.
pub(crate) const INPUT: u32 = 1 << 31;

/// Arc weights of one metric (one profile under one set of hazards).
#[derive(Clone, Debug)]
pub struct Metric {
    pub(crate) up: Vec<u32>,
    pub(crate) down: Vec<u32>,
    pub(crate) up_via: Vec<u32>,
    pub(crate) down_via: Vec<u32>,
    /// Scratch for partial updates: arcs waiting in the queue.
    queued: Vec<bool>,
}

/// Travel times of an edge: `[forward (tail → head), backward]`, in ms,
/// [`INFINITY`] when it cannot be travelled that way.
pub type EdgeWeights = [u32; 2];

#[inline]
fn add(a: u32, b: u32) -> u32 {
    // Both are at most INFINITY = u32::MAX / 2, so the sum cannot overflow.
    a + b
}

impl Metric {
    /// Full customization: input weights from `weight(edge)`, then the basic
    /// (lower-triangle) pass bottom-up.
    pub fn new(cch: &Cch, weight: impl Fn(u32) -> EdgeWeights) -> Metric {
        let arcs = cch.num_arcs();
        let mut m = Metric {
            up: vec![INFINITY; arcs],
            down: vec![INFINITY; arcs],
            up_via: vec![NONE; arcs],
            down_via: vec![NONE; arcs],
            queued: vec![false; arcs],
        };
        m.customize(cch, weight);
        m
    }

    /// Re-customizes every arc from scratch for new edge weights.
    pub fn customize(&mut self, cch: &Cch, weight: impl Fn(u32) -> EdgeWeights) {
        for a in 0..cch.num_arcs() as u32 {
            let (u, uv, d, dv) = input(cch, a, &weight);
            self.up[a as usize] = u;
            self.up_via[a as usize] = uv;
            self.down[a as usize] = d;
            self.down_via[a as usize] = dv;
        }
        let n = cch.num_nodes() as u32;
        for x in 0..n {
            let r = cch.up_range(x);
            for i in r.clone() {
                let (xy_up, xy_down) = (self.up[i], self.down[i]);
                if xy_up >= INFINITY && xy_down >= INFINITY {
                    continue;
                }
                let y = cch.up_head[i];
                let ry = cch.up_range(y);
                let mut k = ry.start;
                for j in i + 1..r.end {
                    let z = cch.up_head[j];
                    while k < ry.end && cch.up_head[k] < z {
                        k += 1;
                    }
                    if k == ry.end || cch.up_head[k] != z {
                        debug_assert!(false, "contraction not chordal");
                        continue;
                    }
                    // y → x → z and z → x → y.
                    let c_up = add(xy_down, self.up[j]);
                    if c_up < self.up[k] {
                        self.up[k] = c_up;
                        self.up_via[k] = x;
                    }
                    let c_down = add(self.down[j], xy_up);
                    if c_down < self.down[k] {
                        self.down[k] = c_down;
                        self.down_via[k] = x;
                    }
                }
            }
        }
    }

    /// Partial customization after the weights of `changed` edges changed
    /// (in either direction): recomputes their arcs and, in rank order, only
    /// the arcs whose lower triangles changed. Returns the number of arcs
    /// whose weight changed. `weight` must give the new weights of every
    /// edge (unchanged ones included: an arc may carry several edges).
    pub fn update(
        &mut self,
        cch: &Cch,
        changed: &[u32],
        weight: impl Fn(u32) -> EdgeWeights,
    ) -> usize {
        let mut heap: BinaryHeap<Reverse<(u32, u32)>> = BinaryHeap::new();
        for &e in changed {
            let a = cch.edge_arc[e as usize];
            if a != NONE && !self.queued[a as usize] {
                self.queued[a as usize] = true;
                heap.push(Reverse((cch.up_tail[a as usize], a)));
            }
        }
        let mut changed_arcs = 0;
        while let Some(Reverse((y, a))) = heap.pop() {
            let au = a as usize;
            self.queued[au] = false;
            let z = cch.up_head[au];
            let (mut u, mut uv, mut d, mut dv) = input(cch, a, &weight);
            // Lower triangles: x below both y and z, by merging their downward lists.
            let (ry, rz) = (cch.down_range(y), cch.down_range(z));
            let (mut i, mut j) = (ry.start, rz.start);
            while i < ry.end && j < rz.end {
                let (xi, xj) = (cch.down_tail[i], cch.down_tail[j]);
                if xi < xj {
                    i += 1;
                } else if xj < xi {
                    j += 1;
                } else {
                    let (xy, xz) = (cch.down_arc[i] as usize, cch.down_arc[j] as usize);
                    let c_up = add(self.down[xy], self.up[xz]);
                    if c_up < u {
                        u = c_up;
                        uv = xi;
                    }
                    let c_down = add(self.down[xz], self.up[xy]);
                    if c_down < d {
                        d = c_down;
                        dv = xi;
                    }
                    i += 1;
                    j += 1;
                }
            }
            self.up_via[au] = uv;
            self.down_via[au] = dv;
            if u == self.up[au] && d == self.down[au] {
                continue;
            }
            self.up[au] = u;
            self.down[au] = d;
            changed_arcs += 1;
            // Arcs that have (y, z) in a lower triangle: (z, w) or (w, z) for
            // every other upward neighbour w of y.
            for k in cch.up_range(y) {
                let w = cch.up_head[k];
                if w == z {
                    continue;
                }
                let (lo, hi) = (z.min(w), z.max(w));
                if let Some(b) = cch.arc(lo, hi) {
                    if !self.queued[b as usize] {
                        self.queued[b as usize] = true;
                        heap.push(Reverse((lo, b)));
                    }
                }
            }
        }
        changed_arcs
    }

    /// Perfect customization (top-down over upper and intermediate
    /// triangles), which makes every arc weight the exact distance between
    /// its ends. Returns a query metric in which each arc direction whose
    /// basic weight is not that distance is removed (set to [`INFINITY`]):
    /// no shortest path needs it. Paths still unpack through the basic
    /// triangles. Also returns how many arc directions were removed.
    pub fn perfect(&self, cch: &Cch) -> (Metric, usize) {
        let mut pu = self.up.clone();
        let mut pd = self.down.clone();
        let n = cch.num_nodes() as u32;
        for x in (0..n).rev() {
            let r = cch.up_range(x);
            for i in r.clone() {
                let y = cch.up_head[i];
                // Intermediate triangles: x < z < y.
                for j in r.start..i {
                    let z = cch.up_head[j];
                    let Some(k) = cch.arc(z, y) else { continue };
                    let k = k as usize;
                    pu[i] = pu[i].min(add(pu[j], pu[k]));
                    pd[i] = pd[i].min(add(pd[k], pd[j]));
                }
                // Upper triangles: x < y < z, (y, z) found by merging.
                let ry = cch.up_range(y);
                let mut k = ry.start;
                for j in i + 1..r.end {
                    let z = cch.up_head[j];
                    while k < ry.end && cch.up_head[k] < z {
                        k += 1;
                    }
                    if k == ry.end || cch.up_head[k] != z {
                        continue;
                    }
                    pu[i] = pu[i].min(add(pu[j], pd[k]));
                    pd[i] = pd[i].min(add(pu[k], pd[j]));
                }
            }
        }
        let mut out = self.clone();
        let mut removed = 0;
        for a in 0..cch.num_arcs() {
            if out.up[a] < INFINITY && pu[a] < out.up[a] {
                out.up[a] = INFINITY;
                removed += 1;
            }
            if out.down[a] < INFINITY && pd[a] < out.down[a] {
                out.down[a] = INFINITY;
                removed += 1;
            }
        }
        (out, removed)
    }

    /// Up weight (lower → higher rank) of arc `a`.
    pub fn up_weight(&self, a: u32) -> u32 {
        self.up[a as usize]
    }

    /// Down weight (higher → lower rank) of arc `a`.
    pub fn down_weight(&self, a: u32) -> u32 {
        self.down[a as usize]
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        16 * self.up.len() + self.queued.len()
    }
}

/// The input weights of arc `a`: the best original edge each way.
#[inline]
fn input(cch: &Cch, a: u32, weight: &impl Fn(u32) -> EdgeWeights) -> (u32, u32, u32, u32) {
    let (mut u, mut uv, mut d, mut dv) = (INFINITY, NONE, INFINITY, NONE);
    let r = cch.first_input[a as usize] as usize..cch.first_input[a as usize + 1] as usize;
    for &e in &cch.input_edge[r] {
        let [f, b] = weight(e);
        let (wu, wd) = if cch.edge_forward_up[e as usize] {
            (f, b)
        } else {
            (b, f)
        };
        if wu < u {
            u = wu;
            uv = INPUT | e;
        }
        if wd < d {
            d = wd;
            dv = INPUT | e;
        }
    }
    (u.min(INFINITY), uv, d.min(INFINITY), dv)
}
