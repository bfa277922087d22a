//! Phase 3: customization. A [`Metric`] holds, for every arc of the chordal
//! supergraph, the up and down weights and how each was obtained (an original
//! edge, or a lower triangle, by its place in the hierarchy's triangle
//! lists), which is what the query needs to unpack paths: a triangle names
//! both arcs an arc stands for, so unpacking looks nothing up.
//!
//! Every arc's value is the minimum over its input edges and its lower
//! triangles (`y → x → z` through a node `x` below both ends), taken in the
//! same order everywhere (input edges first, then triangles by `x`
//! ascending, a candidate replacing the best only when strictly smaller).
//! So the full customization, the parallel one and a partial update produce
//! the same arrays bit for bit, vias included.

use super::{Cch, INFINITY, NONE};
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

/// Marks a `via` entry that is an original edge id rather than the index of
/// a lower triangle in [`Cch::tri`](super::Cch).
pub(crate) const INPUT: u32 = 1 << 31;

/// In a `via` entry marked [`INPUT`]: set when travelling the arc in that
/// entry's direction travels the edge forward (tail to head), so that
/// unpacking reads nothing about the edge. The edge id is in the bits below
/// ([`EDGE`]); [`Cch::new`](super::Cch::new) refuses graphs with more edges.
pub(crate) const FORWARD: u32 = 1 << 30;

/// The edge id of a `via` entry marked [`INPUT`].
pub(crate) const EDGE: u32 = FORWARD - 1;

/// Arc weights of one metric (one profile under one set of hazards).
#[derive(Clone, Debug)]
pub struct Metric {
    pub(crate) up: Vec<u32>,
    pub(crate) down: Vec<u32>,
    pub(crate) up_via: Vec<u32>,
    pub(crate) down_via: Vec<u32>,
    /// Scratch for partial updates: the queue of arcs to derive again (all
    /// clear between updates).
    queue: ArcQueue,
}

/// The queue of a partial update: a set of arcs, taken out in increasing
/// order, into which only arcs above the last one taken are put (a top arc
/// always comes after its lower sides). So it is a bit set scanned forward,
/// with one summary bit per word to skip empty stretches: no heap, and no
/// arc queued twice.
#[derive(Clone, Debug, Default)]
struct ArcQueue {
    /// One bit per arc.
    bits: Vec<u64>,
    /// One bit per word of `bits`: set when that word may be non-zero.
    words: Vec<u64>,
    /// Word of `bits` where the next search starts.
    at: usize,
}

impl ArcQueue {
    fn new(arcs: usize) -> ArcQueue {
        let n = arcs.div_ceil(64);
        ArcQueue {
            bits: vec![0; n],
            words: vec![0; n.div_ceil(64)],
            at: 0,
        }
    }

    #[inline]
    fn push(&mut self, a: usize) {
        let w = a / 64;
        debug_assert!(w >= self.at, "arcs are queued in increasing order");
        self.bits[w] |= 1 << (a % 64);
        self.words[w / 64] |= 1 << (w % 64);
    }

    /// Takes out the smallest queued arc.
    #[inline]
    fn pop(&mut self) -> Option<usize> {
        let mut w = self.at;
        loop {
            let word = *self.bits.get(w)?;
            if word != 0 {
                self.bits[w] = word & (word - 1);
                if self.bits[w] == 0 {
                    self.words[w / 64] &= !(1 << (w % 64));
                }
                self.at = w;
                return Some(w * 64 + word.trailing_zeros() as usize);
            }
            // Skip to the next word marked in the summary.
            let mut s = w / 64;
            let mut mask = self.words[s] & (!0u64 << (w % 64));
            while mask == 0 {
                s += 1;
                mask = *self.words.get(s)?;
            }
            w = s * 64 + mask.trailing_zeros() as usize;
        }
    }

    /// Empty again, ready for the next update (every arc was taken out).
    fn finish(&mut self) {
        debug_assert!(self.bits.iter().all(|&w| w == 0));
        self.at = 0;
    }
}

/// What one partial update did ([`Metric::update_with_stats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpdateStats {
    /// Arcs derived again from their input edges and lower triangles.
    pub derived: usize,
    /// Arcs whose weight changed.
    pub changed: usize,
    /// Arcs the change reaches: the changed edges' arcs and every top arc
    /// of a triangle with a changed lower side. An update without the
    /// frontier test would derive all of them again.
    pub reached: usize,
}

/// Travel times of an edge: `[forward (tail → head), backward]`, in ms,
/// [`INFINITY`] when it cannot be travelled that way.
pub type EdgeWeights = [u32; 2];

#[inline]
fn add(a: u32, b: u32) -> u32 {
    // Both are at most INFINITY = u32::MAX / 2, so the sum cannot overflow.
    a + b
}

/// Read access to a weight array, plain (sequential) or shared between
/// threads (parallel customization).
trait Weights {
    fn at(&self, i: usize) -> u32;
}

impl Weights for [u32] {
    #[inline(always)]
    fn at(&self, i: usize) -> u32 {
        self[i]
    }
}

impl Weights for [AtomicU32] {
    #[inline(always)]
    fn at(&self, i: usize) -> u32 {
        self[i].load(Relaxed)
    }
}

/// The value of arc `a` from its input edges and lower triangles:
/// `(up, up_via, down, down_via)`.
#[inline(always)]
fn derive<W: Weights + ?Sized>(
    cch: &Cch,
    a: usize,
    up: &W,
    down: &W,
    weight: &impl Fn(u32) -> EdgeWeights,
) -> (u32, u32, u32, u32) {
    let (mut u, mut uv, mut d, mut dv) = input(cch, a as u32, weight);
    let first = cch.first_tri[a];
    for (t, &[b, m]) in (first..).zip(cch.triangles(a)) {
        let (b, m) = (b as usize, m as usize);
        // y → x → z and z → x → y, with b = (x, y) and m = (x, z).
        let c_up = add(down.at(b), up.at(m));
        if c_up < u {
            u = c_up;
            uv = t;
        }
        let c_down = add(down.at(m), up.at(b));
        if c_down < d {
            d = c_down;
            dv = t;
        }
    }
    (u, uv, d, dv)
}

/// Views an exclusively borrowed `u32` array as atomics, so that threads may
/// share it: each arc is written by exactly one task, and read only by
/// tasks that run after that task finished (rayon's joins order them).
fn atomic(v: &mut [u32]) -> &[AtomicU32] {
    const _: () = assert!(
        std::mem::size_of::<AtomicU32>() == std::mem::size_of::<u32>()
            && std::mem::align_of::<AtomicU32>() == std::mem::align_of::<u32>()
    );
    // SAFETY: AtomicU32 has the size and bit validity of u32, and (checked
    // above) its alignment; `v` is borrowed mutably for the lifetime of the
    // result, so no other access to the memory exists meanwhile.
    unsafe { &*(v as *mut [u32] as *const [AtomicU32]) }
}

/// Top levels with less work (arcs plus triangles) than this are customized
/// on the calling thread: waking other threads would cost more.
const PARALLEL_LEVEL_WORK: u64 = 16_384;

/// How [`Metric::customize_parallel`] splits the hierarchy, computed once per
/// hierarchy on first use, for the number of threads of the pool it runs in.
///
/// An arc `(y, z)` depends only on arcs whose lower end is a descendant of
/// `y` in the elimination tree. So disjoint subtrees can be customized at the
/// same time, and so can nodes of the same level (height above the leaves).
/// With `t` threads, nodes whose subtree holds more than 1/(4t) of the work
/// (arcs plus triangles) form the *top*; the rest falls into subtrees of at
/// most that much work, grouped into tasks of about that size (phase 1, all
/// in parallel: at least 4 tasks per thread, balanced by work stealing).
/// The top (the upper separators: few nodes, many arcs) is then customized
/// level by level, in parallel over the arcs of each level large enough.
#[derive(Clone, Debug, Default)]
pub(crate) struct Schedule {
    /// Nodes of task `t` (rank order): `task_node[first_task[t]..first_task[t+1]]`.
    first_task: Vec<u32>,
    task_node: Vec<u32>,
    /// Arcs of the top, level by level: `top_arc[first_level[l]..first_level[l+1]]`.
    first_level: Vec<u32>,
    top_arc: Vec<u32>,
    /// Work of each level of the top.
    level_work: Vec<u64>,
    pub(crate) plan: ParallelPlan,
}

/// How parallel customization splits one hierarchy ([`Cch::parallel_plan`]),
/// in units of work (an arc plus its lower triangles).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParallelPlan {
    /// Tasks of the first phase (groups of independent subtrees).
    pub tasks: usize,
    /// Levels of the top, customized one after the other.
    pub top_levels: usize,
    /// Arcs of the top.
    pub top_arcs: usize,
    /// Work of the whole hierarchy.
    pub total_work: u64,
    /// Work of the top.
    pub top_work: u64,
    /// Work of the largest task of the first phase.
    pub largest_task_work: u64,
}

impl Schedule {
    pub(crate) fn new(cch: &Cch, threads: usize) -> Schedule {
        let n = cch.num_nodes();
        let work_of = |x: usize| {
            let r = cch.up_range(x as u32);
            (r.len() + (cch.first_tri[r.end] - cch.first_tri[r.start]) as usize) as u64
        };
        let mut work = vec![0u64; n];
        for x in 0..n {
            work[x] += work_of(x);
            let p = cch.parent[x];
            if p != NONE {
                work[p as usize] += work[x];
            }
        }
        let total: u64 = (0..n)
            .filter(|&x| cch.parent[x] == NONE)
            .map(|x| work[x])
            .sum();
        let limit = (total / (4 * threads.max(1) as u64)).max(1);
        // Subtree of each non-top node (its root), from the roots down.
        let top: Vec<bool> = work.iter().map(|&w| w > limit).collect();
        let mut root = vec![NONE; n];
        for x in (0..n).rev() {
            if top[x] {
                continue;
            }
            let p = cch.parent[x];
            root[x] = if p == NONE || top[p as usize] {
                x as u32
            } else {
                root[p as usize]
            };
        }
        // Group subtrees (in the order of their roots) into tasks.
        let mut task_of_root = vec![NONE; n];
        let (mut tasks, mut acc, mut open) = (0u32, 0u64, false);
        for x in 0..n {
            if !top[x] && root[x] == x as u32 {
                if open && acc + work[x] > limit {
                    tasks += 1;
                    acc = 0;
                }
                task_of_root[x] = tasks;
                acc += work[x];
                open = true;
            }
        }
        if open {
            tasks += 1;
        }
        let mut first_task = vec![0u32; tasks as usize + 1];
        for x in 0..n {
            if !top[x] {
                first_task[task_of_root[root[x] as usize] as usize + 1] += 1;
            }
        }
        for t in 0..tasks as usize {
            first_task[t + 1] += first_task[t];
        }
        let mut pos = first_task.clone();
        let mut task_node = vec![0u32; first_task[tasks as usize] as usize];
        for x in 0..n {
            if !top[x] {
                let t = task_of_root[root[x] as usize] as usize;
                task_node[pos[t] as usize] = x as u32;
                pos[t] += 1;
            }
        }
        // Levels of the top: a top node above all its top children.
        let mut level = vec![0u32; n];
        let mut levels = 0;
        for x in 0..n {
            if top[x] {
                levels = levels.max(level[x] + 1);
                let p = cch.parent[x];
                if p != NONE {
                    level[p as usize] = level[p as usize].max(level[x] + 1);
                }
            }
        }
        let mut level_work = vec![0u64; levels as usize];
        for x in 0..n {
            if top[x] {
                level_work[level[x] as usize] += work_of(x);
            }
        }
        let mut first_level = vec![0u32; levels as usize + 1];
        for x in 0..n {
            if top[x] {
                first_level[level[x] as usize + 1] += cch.up_range(x as u32).len() as u32;
            }
        }
        for l in 0..levels as usize {
            first_level[l + 1] += first_level[l];
        }
        let mut pos = first_level.clone();
        let mut top_arc = vec![0u32; first_level[levels as usize] as usize];
        for x in 0..n {
            if top[x] {
                for a in cch.up_range(x as u32) {
                    let l = level[x] as usize;
                    top_arc[pos[l] as usize] = a as u32;
                    pos[l] += 1;
                }
            }
        }
        let mut task_work = vec![0u64; tasks as usize];
        for x in 0..n {
            if !top[x] {
                task_work[task_of_root[root[x] as usize] as usize] += work_of(x);
            }
        }
        let plan = ParallelPlan {
            tasks: tasks as usize,
            top_levels: levels as usize,
            top_arcs: top_arc.len(),
            total_work: total,
            top_work: (0..n).filter(|&x| top[x]).map(work_of).sum(),
            largest_task_work: task_work.iter().copied().max().unwrap_or(0),
        };
        Schedule {
            first_task,
            task_node,
            first_level,
            top_arc,
            level_work,
            plan,
        }
    }
}

impl Metric {
    /// Full customization: input weights from `weight(edge)`, then every arc
    /// from its lower triangles bottom-up, on this thread.
    pub fn new(cch: &Cch, weight: impl Fn(u32) -> EdgeWeights) -> Metric {
        let mut m = Metric::empty(cch);
        m.customize(cch, weight);
        m
    }

    /// [`Metric::new`] on every thread of the current rayon pool (see
    /// [`Metric::customize_parallel`]).
    pub fn new_parallel(cch: &Cch, weight: impl Fn(u32) -> EdgeWeights + Sync) -> Metric {
        let mut m = Metric::empty(cch);
        m.customize_parallel(cch, weight);
        m
    }

    fn empty(cch: &Cch) -> Metric {
        let arcs = cch.num_arcs();
        Metric {
            up: vec![INFINITY; arcs],
            down: vec![INFINITY; arcs],
            up_via: vec![NONE; arcs],
            down_via: vec![NONE; arcs],
            queue: ArcQueue::new(arcs),
        }
    }

    /// Re-customizes every arc from scratch for new edge weights, on this
    /// thread: arcs in order (lower end ascending), each from its input
    /// edges and its precomputed lower triangles, whose arcs all come
    /// earlier.
    pub fn customize(&mut self, cch: &Cch, weight: impl Fn(u32) -> EdgeWeights) {
        for a in 0..cch.num_arcs() {
            let (u, uv, d, dv) = derive(cch, a, &self.up[..], &self.down[..], &weight);
            self.up[a] = u;
            self.up_via[a] = uv;
            self.down[a] = d;
            self.down_via[a] = dv;
        }
    }

    /// [`Metric::customize`] on every thread of the current rayon pool
    /// (`pool.install(|| m.customize_parallel(..))` to choose the pool):
    /// independent subtrees of the elimination tree at once, then the upper
    /// separators level by level (see `Schedule`). The result equals
    /// [`Metric::customize`]'s bit for bit: every arc is derived by the
    /// same function from the same, already final, lower arcs.
    pub fn customize_parallel(&mut self, cch: &Cch, weight: impl Fn(u32) -> EdgeWeights + Sync) {
        use rayon::prelude::*;
        let s = cch
            .schedule
            .get_or_init(|| Schedule::new(cch, rayon::current_num_threads()));
        let (up, down) = (atomic(&mut self.up), atomic(&mut self.down));
        let (up_via, down_via) = (atomic(&mut self.up_via), atomic(&mut self.down_via));
        let one = |a: usize| {
            let (u, uv, d, dv) = derive(cch, a, up, down, &weight);
            up[a].store(u, Relaxed);
            up_via[a].store(uv, Relaxed);
            down[a].store(d, Relaxed);
            down_via[a].store(dv, Relaxed);
        };
        (0..s.first_task.len() - 1).into_par_iter().for_each(|t| {
            let nodes = &s.task_node[s.first_task[t] as usize..s.first_task[t + 1] as usize];
            for &x in nodes {
                for a in cch.up_range(x) {
                    one(a);
                }
            }
        });
        for l in 0..s.first_level.len() - 1 {
            let arcs = &s.top_arc[s.first_level[l] as usize..s.first_level[l + 1] as usize];
            // A level too small to pay for waking other threads runs here.
            if s.level_work[l] < PARALLEL_LEVEL_WORK {
                arcs.iter().for_each(|&a| one(a as usize));
            } else {
                arcs.par_iter()
                    .with_min_len(8)
                    .for_each(|&a| one(a as usize));
            }
        }
    }

    /// Partial customization after the weights of `changed` edges changed
    /// (in either direction). Returns the number of arcs whose weight
    /// changed. `weight` must give the new weights of every edge (unchanged
    /// ones included: an arc may carry several edges).
    ///
    /// The arcs of the changed edges are derived again (input edges and
    /// lower triangles), in arc order from a queue (a bit set: see
    /// `ArcQueue`). When an arc's value
    /// changes, each triangle in which it is a lower side is looked at: its
    /// top arc is queued only if its current value came (or may have come)
    /// through that triangle's old sum, or the new sum beats it. Any other
    /// top arc keeps its value and its via. An arc whose value does not
    /// change stops the propagation there.
    pub fn update(
        &mut self,
        cch: &Cch,
        changed: &[u32],
        weight: impl Fn(u32) -> EdgeWeights,
    ) -> usize {
        self.update_inner::<false>(cch, changed, weight).changed
    }

    /// [`Metric::update`], counting what it does (slower: for benchmarks
    /// and tests).
    pub fn update_with_stats(
        &mut self,
        cch: &Cch,
        changed: &[u32],
        weight: impl Fn(u32) -> EdgeWeights,
    ) -> UpdateStats {
        self.update_inner::<true>(cch, changed, weight)
    }

    fn update_inner<const STATS: bool>(
        &mut self,
        cch: &Cch,
        changed: &[u32],
        weight: impl Fn(u32) -> EdgeWeights,
    ) -> UpdateStats {
        let mut stats = UpdateStats::default();
        let mut reached = std::collections::HashSet::new();
        let Metric {
            up,
            down,
            up_via,
            down_via,
            queue,
        } = self;
        for &e in changed {
            let a = cch.edge_arc[e as usize];
            if a != NONE {
                queue.push(a as usize);
            }
        }
        while let Some(au) = queue.pop() {
            stats.derived += 1;
            let (u, uv, d, dv) = derive(cch, au, &up[..], &down[..], &weight);
            up_via[au] = uv;
            down_via[au] = dv;
            let (ou, od) = (up[au], down[au]);
            if u == ou && d == od {
                continue;
            }
            up[au] = u;
            down[au] = d;
            stats.changed += 1;
            let (y, z) = (cch.up_tail[au], cch.up_head[au]);
            // Does top arc k of a triangle whose other lower side has
            // weights (o_up, o_down) need deriving again?
            let touches = |k: usize, o_up: u32, o_down: u32, top_up: bool| {
                // For a = (y, z) and the triangle's other lower side o:
                // when a is the bottom side (top (z, w)), the top's up
                // weight z → y → w is a.down + o.up and its down weight
                // w → y → z is o.down + a.up; when a is the middle side
                // (top (w, z)), up w → y → z is o.down + a.up and down
                // z → y → w is a.down + o.up.
                let (old_u, new_u, old_d, new_d) = if top_up {
                    (add(od, o_up), add(d, o_up), add(o_down, ou), add(o_down, u))
                } else {
                    (add(o_down, ou), add(o_down, u), add(od, o_up), add(d, o_up))
                };
                old_u == up[k] || new_u < up[k] || old_d == down[k] || new_d < down[k]
            };
            // Upper triangles y < z < w: o = (y, w) after a in y's list,
            // top (z, w) in z's list (every such w is there: the graph is
            // chordal).
            let ry = cch.up_range(y);
            let rz = cch.up_range(z);
            let mut k = rz.start;
            for j in au + 1..ry.end {
                let w = cch.up_head[j];
                while k < rz.end && cch.up_head[k] < w {
                    k += 1;
                }
                if k == rz.end || cch.up_head[k] != w {
                    debug_assert!(false, "contraction not chordal");
                    continue;
                }
                if STATS {
                    reached.insert(k);
                }
                if touches(k, up[j], down[j], true) {
                    queue.push(k);
                }
                k += 1;
            }
            // Intermediate triangles y < w < z: o = (y, w) before a in y's
            // list, top (w, z) in w's list (the chordal graph has it: w and
            // z are both upward neighbours of y). Looked up in w's short
            // upward list rather than by merging with z's downward list,
            // which is long for the nodes of a top separator.
            for j in ry.start..au {
                let w = cch.up_head[j];
                let rw = cch.up_range(w);
                let Ok(i) = cch.up_head[rw.clone()].binary_search(&z) else {
                    debug_assert!(false, "contraction not chordal");
                    continue;
                };
                let top = rw.start + i;
                if STATS {
                    reached.insert(top);
                }
                if touches(top, up[j], down[j], false) {
                    queue.push(top);
                }
            }
        }
        queue.finish();
        if STATS {
            for &e in changed {
                let a = cch.edge_arc[e as usize];
                if a != NONE {
                    reached.insert(a as usize);
                }
            }
            stats.reached = reached.len();
        }
        stats
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

    /// Whether both metrics hold the same weights and the same unpacking
    /// data, bit for bit.
    pub fn same_as(&self, other: &Metric) -> bool {
        self.up == other.up
            && self.down == other.down
            && self.up_via == other.up_via
            && self.down_via == other.down_via
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        16 * self.up.len() + 8 * (self.queue.bits.len() + self.queue.words.len())
    }
}

/// The input weights of arc `a`: the best original edge each way.
#[inline(always)]
fn input(cch: &Cch, a: u32, weight: &impl Fn(u32) -> EdgeWeights) -> (u32, u32, u32, u32) {
    let (mut u, mut uv, mut d, mut dv) = (INFINITY, NONE, INFINITY, NONE);
    let r = cch.first_input[a as usize] as usize..cch.first_input[a as usize + 1] as usize;
    for &e in &cch.input_edge[r] {
        let [f, b] = weight(e);
        // Going up the arc travels the edge forward, or going down does.
        let (wu, wd, up_dir, down_dir) = if cch.edge_forward_up[e as usize] {
            (f, b, FORWARD, 0)
        } else {
            (b, f, 0, FORWARD)
        };
        if wu < u {
            u = wu;
            uv = INPUT | up_dir | e;
        }
        if wd < d {
            d = wd;
            dv = INPUT | down_dir | e;
        }
    }
    (u.min(INFINITY), uv, d.min(INFINITY), dv)
}
