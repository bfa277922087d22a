//! Phase 4: queries by elimination-tree walks (Dibbelt, Strasser and Wagner,
//! section 5.2). The forward search relaxes the upward arcs of every ancestor
//! of the sources in rank order, the backward search those of the targets'
//! ancestors; the best meeting node gives the distance. No priority queue:
//! the work is bounded by the height of the elimination tree.

use super::metric::{Metric, EDGE, FORWARD, INPUT};
use super::{Cch, INFINITY, NONE};

/// One original edge of an unpacked path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// The edge.
    pub edge: u32,
    /// True when travelled tail → head.
    pub forward: bool,
}

/// A path found by [`CchQuery::path`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path {
    /// Total cost, seed costs included.
    pub cost: u32,
    /// The source seed the path starts from (a node id).
    pub source: u32,
    /// The target seed it ends at.
    pub target: u32,
    /// The original edges travelled, in order.
    pub steps: Vec<Step>,
}

/// Reusable query state for one hierarchy (arrays indexed by rank).
#[derive(Clone, Debug)]
pub struct CchQuery {
    df: Vec<u32>,
    db: Vec<u32>,
    pf: Vec<u32>,
    pb: Vec<u32>,
    fpath: Vec<u32>,
    bpath: Vec<u32>,
    /// Scratch of path unpacking: the upward arcs, and the unpacking stack.
    arcs_up: Vec<u32>,
    stack: Vec<(u32, bool)>,
    /// Scratch of the ancestor walk: the current node of each seed.
    cur: Vec<u32>,
}

impl CchQuery {
    /// State for queries on `cch`.
    pub fn new(cch: &Cch) -> CchQuery {
        let n = cch.num_nodes();
        CchQuery {
            df: vec![INFINITY; n],
            db: vec![INFINITY; n],
            pf: vec![NONE; n],
            pb: vec![NONE; n],
            fpath: Vec::new(),
            bpath: Vec::new(),
            arcs_up: Vec::new(),
            stack: Vec::new(),
            cur: Vec::new(),
        }
    }

    /// Distance from node `s` to node `t`, if reachable.
    pub fn distance(&mut self, cch: &Cch, m: &Metric, s: u32, t: u32) -> Option<u32> {
        let r = self.run(cch, m, &[(s, 0)], &[(t, 0)]).map(|x| x.0);
        self.reset();
        r
    }

    /// Shortest path between seed sets: `sources` are `(node, cost to reach
    /// it)`, `targets` are `(node, cost from it to the goal)`.
    pub fn path(
        &mut self,
        cch: &Cch,
        m: &Metric,
        sources: &[(u32, u32)],
        targets: &[(u32, u32)],
    ) -> Option<Path> {
        let mut steps = Vec::new();
        let (cost, source, target) = self.path_into(cch, m, sources, targets, &mut steps)?;
        Some(Path {
            cost,
            source,
            target,
            steps,
        })
    }

    /// [`path`](Self::path) with the steps appended to `steps` (cleared
    /// first), so that a caller can keep one vector for many queries.
    /// Returns the cost, the source seed and the target seed.
    pub fn path_into(
        &mut self,
        cch: &Cch,
        m: &Metric,
        sources: &[(u32, u32)],
        targets: &[(u32, u32)],
        steps: &mut Vec<Step>,
    ) -> Option<(u32, u32, u32)> {
        steps.clear();
        let r = self.run(cch, m, sources, targets).map(|(cost, meet)| {
            let mut arcs_up = std::mem::take(&mut self.arcs_up);
            arcs_up.clear();
            let mut x = meet;
            while self.pf[x as usize] != NONE {
                let a = self.pf[x as usize];
                arcs_up.push(a);
                x = cch.up_tail[a as usize];
            }
            let source = cch.node[x as usize];
            for &a in arcs_up.iter().rev() {
                unpack(cch, m, a, true, &mut self.stack, steps);
            }
            self.arcs_up = arcs_up;
            let mut x = meet;
            while self.pb[x as usize] != NONE {
                let a = self.pb[x as usize];
                unpack(cch, m, a, false, &mut self.stack, steps);
                x = cch.up_tail[a as usize];
            }
            (cost, source, cch.node[x as usize])
        });
        self.reset();
        r
    }

    /// Cost between seed sets, as [`path`](Self::path) without the path.
    pub fn cost(
        &mut self,
        cch: &Cch,
        m: &Metric,
        sources: &[(u32, u32)],
        targets: &[(u32, u32)],
    ) -> Option<u32> {
        let r = self.run(cch, m, sources, targets).map(|x| x.0);
        self.reset();
        r
    }

    /// Distances from the source seeds to each target node (`None` when
    /// unreachable): one forward walk, then one backward walk per target.
    pub fn one_to_many(
        &mut self,
        cch: &Cch,
        m: &Metric,
        sources: &[(u32, u32)],
        targets: &[u32],
    ) -> Vec<Option<u32>> {
        self.forward(cch, m, sources);
        let mut out = Vec::with_capacity(targets.len());
        for &t in targets {
            let (best, _) = self.backward_and_meet(cch, m, &[(t, 0)]);
            for &x in &self.bpath {
                self.db[x as usize] = INFINITY;
                self.pb[x as usize] = NONE;
            }
            out.push((best < INFINITY).then_some(best));
        }
        self.reset();
        out
    }

    fn forward(&mut self, cch: &Cch, m: &Metric, sources: &[(u32, u32)]) {
        ancestors(cch, sources, &mut self.cur, &mut self.fpath);
        for &(v, c) in sources {
            let r = cch.rank[v as usize] as usize;
            if c < self.df[r] {
                self.df[r] = c;
                self.pf[r] = NONE;
            }
        }
        for &x in &self.fpath {
            let d = self.df[x as usize];
            if d >= INFINITY {
                continue;
            }
            for a in cch.up_range(x) {
                let y = cch.up_head[a] as usize;
                let nd = d + m.up[a];
                if nd < self.df[y] {
                    self.df[y] = nd;
                    self.pf[y] = a as u32;
                }
            }
        }
    }

    fn backward_and_meet(&mut self, cch: &Cch, m: &Metric, targets: &[(u32, u32)]) -> (u32, u32) {
        ancestors(cch, targets, &mut self.cur, &mut self.bpath);
        for &(v, c) in targets {
            let r = cch.rank[v as usize] as usize;
            if c < self.db[r] {
                self.db[r] = c;
                self.pb[r] = NONE;
            }
        }
        let (mut best, mut meet) = (INFINITY, NONE);
        for &x in &self.bpath {
            let d = self.db[x as usize];
            if d >= INFINITY {
                continue;
            }
            let f = self.df[x as usize];
            if f < INFINITY && f + d < best {
                best = f + d;
                meet = x;
            }
            if d >= best {
                continue;
            }
            for a in cch.up_range(x) {
                let y = cch.up_head[a] as usize;
                let nd = d + m.down[a];
                if nd < self.db[y] {
                    self.db[y] = nd;
                    self.pb[y] = a as u32;
                }
            }
        }
        (best, meet)
    }

    fn run(
        &mut self,
        cch: &Cch,
        m: &Metric,
        sources: &[(u32, u32)],
        targets: &[(u32, u32)],
    ) -> Option<(u32, u32)> {
        self.forward(cch, m, sources);
        let (best, meet) = self.backward_and_meet(cch, m, targets);
        (best < INFINITY).then_some((best, meet))
    }

    fn reset(&mut self) {
        for &x in &self.fpath {
            self.df[x as usize] = INFINITY;
            self.pf[x as usize] = NONE;
        }
        for &x in &self.bpath {
            self.db[x as usize] = INFINITY;
            self.pb[x as usize] = NONE;
        }
        self.fpath.clear();
        self.bpath.clear();
    }
}

/// The union of the seeds' ancestors (seeds included), in ascending rank.
///
/// The lowest seed's chain is walked whole; each other seed's chain only
/// until it meets a node already listed (found by binary search, the list
/// being ascending), and what it adds is merged in. A route's seeds are the
/// two ends of one edge, and of two nodes joined by an edge the higher is an
/// ancestor of the lower, so the second chain is met at once: the walk is
/// that of one seed.
fn ancestors(cch: &Cch, seeds: &[(u32, u32)], cur: &mut Vec<u32>, out: &mut Vec<u32>) {
    cur.clear();
    cur.extend(seeds.iter().map(|&(v, _)| cch.rank[v as usize]));
    chains(&cch.parent, cur, out);
}

/// [`ancestors`] of the ranks in `cur` (reordered) in the elimination tree
/// given by `parent` (a rank's parent, higher, or [`NONE`] at a root).
fn chains(parent: &[u32], cur: &mut Vec<u32>, out: &mut Vec<u32>) {
    out.clear();
    cur.sort_unstable();
    cur.dedup();
    let Some(&lowest) = cur.first() else {
        return;
    };
    let mut x = lowest;
    while x != NONE {
        out.push(x);
        x = parent[x as usize];
    }
    for &seed in &cur[1..] {
        let listed = out.len();
        let mut y = seed;
        while y != NONE && out[..listed].binary_search(&y).is_err() {
            out.push(y);
            y = parent[y as usize];
        }
        if out.len() > listed {
            // Seeds in different subtrees (not a route's): keep it ascending.
            out.sort_unstable();
        }
    }
}

/// Appends the original edges of arc `a` travelled up (lower → higher rank)
/// or down, with `stack` as scratch.
fn unpack(
    cch: &Cch,
    m: &Metric,
    a: u32,
    up: bool,
    stack: &mut Vec<(u32, bool)>,
    out: &mut Vec<Step>,
) {
    stack.clear();
    stack.push((a, up));
    while let Some((a, up)) = stack.pop() {
        let via = if up {
            m.up_via[a as usize]
        } else {
            m.down_via[a as usize]
        };
        if via == NONE {
            debug_assert!(false, "unpacking an arc without a path");
            continue;
        }
        if via & INPUT != 0 {
            out.push(Step {
                edge: via & EDGE,
                forward: via & FORWARD != 0,
            });
            continue;
        }
        // The triangle lo ← via → hi: its arcs (via, lo) and (via, hi).
        let Some(&[a_lo, a_hi]) = cch.tri.get(via as usize) else {
            debug_assert!(false, "a via that is no triangle");
            continue;
        };
        if up {
            // lo → via (down on (via, lo)), then via → hi (up on (via, hi)).
            stack.push((a_hi, true));
            stack.push((a_lo, false));
        } else {
            // hi → via, then via → lo.
            stack.push((a_lo, true));
            stack.push((a_hi, false));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    proptest! {
        /// The walk lists exactly the union of the seeds' chains, ascending
        /// and once each, whatever the tree and however the seeds lie in
        /// it (on one chain, in different subtrees, repeated).
        #[test]
        fn chains_are_the_union_of_the_seeds_ancestors(
            ups in proptest::collection::vec((any::<bool>(), 1u32..8), 1..60),
            picks in proptest::collection::vec(0usize..60, 0..5),
        ) {
            let n = ups.len();
            // A forest: each node's parent a little higher, or none.
            let parent: Vec<u32> = ups
                .iter()
                .enumerate()
                .map(|(x, &(root, up))| {
                    let p = x + up as usize;
                    if root && x % 3 == 0 || p >= n { NONE } else { p as u32 }
                })
                .collect();
            let seeds: Vec<u32> = picks.iter().map(|&i| (i % n) as u32).collect();
            let mut want = BTreeSet::new();
            for &s in &seeds {
                let mut x = s;
                while x != NONE {
                    want.insert(x);
                    x = parent[x as usize];
                }
            }
            let (mut cur, mut out) = (seeds.clone(), vec![7]);
            chains(&parent, &mut cur, &mut out);
            prop_assert_eq!(out, want.into_iter().collect::<Vec<_>>());
        }
    }
}
