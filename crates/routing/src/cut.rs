//! Why a route is cut. The index answers in microseconds: the strongly
//! connected components of a profile's network with a set of hazards in
//! force for good, built once per hazard set (Tarjan, iteratively), and the
//! arcs the hazards refuse, grouped by component.
//!
//! The hazards that cut an origin off are those refusing an arc from the
//! region the origin reaches to a node outside it — exactly what the Dijkstra
//! search names after exploring that region. Here the region is a set of
//! components found by a search over the (small) condensation instead.
//!
//! Building the index costs a pass over the whole network (9.7 million
//! instructions on Heidelberg), a plain search from the origin as much or
//! less.
//! So the first route cut off under a hazard set is answered by that search
//! ([`search`]), and the index is built when a second one is asked about:
//! a hazard change that cuts one corridor off pays for one search, a
//! negotiation that asks about many pays for the index once.

use corridor_graph::Adjacency;

const UNSEEN: u32 = u32::MAX;
/// In `refused_by`: no hazard refuses the arc.
const OPEN: u32 = u32::MAX;

/// Components, condensation and refused arcs of one network state.
pub(crate) struct CutIndex {
    /// Component of each node.
    comp: Vec<u32>,
    /// Condensation arcs: successors of component `c` at
    /// `succ[first_succ[c]..first_succ[c+1]]`.
    first_succ: Vec<u32>,
    succ: Vec<u32>,
    /// Refused arcs out of component `c`: (component of the head, hazard).
    first_refused: Vec<u32>,
    refused: Vec<(u32, u32)>,
}

impl CutIndex {
    /// Builds the index of the network `adj` in which arc `(edge, weight)`
    /// is refused by hazard `h` when `refuse(edge, weight)` is `Some(h)`.
    pub(crate) fn new(adj: &Adjacency, refuse: impl Fn(u32, u32) -> Option<u32>) -> CutIndex {
        let n = adj.first_out.len().saturating_sub(1);
        // The hazard refusing each arc (or OPEN), asked once per arc.
        let refused_by: Vec<u32> = adj
            .arcs
            .iter()
            .map(|a| refuse(a.edge, a.weight).unwrap_or(OPEN))
            .collect();
        let comp = tarjan(adj, n, &refused_by);
        let k = comp.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
        // Condensation arcs and refused arcs by the component of their tail,
        // in arc order within each (a counting sort: two passes).
        let (mut first_succ, mut first_refused) = (vec![0u32; k + 1], vec![0u32; k + 1]);
        let arcs = |f: &mut dyn FnMut(u32, u32, u32)| {
            for v in 0..n {
                let cv = comp[v];
                let r = adj.first_out[v] as usize..adj.first_out[v + 1] as usize;
                for (a, &h) in adj.arcs[r.clone()].iter().zip(&refused_by[r]) {
                    f(cv, comp[a.head as usize], h);
                }
            }
        };
        arcs(&mut |cv, ch, h| {
            if h != OPEN {
                first_refused[cv as usize + 1] += 1;
            } else if ch != cv {
                first_succ[cv as usize + 1] += 1;
            }
        });
        for c in 0..k {
            first_succ[c + 1] += first_succ[c];
            first_refused[c + 1] += first_refused[c];
        }
        let (mut next_succ, mut next_refused) = (first_succ.clone(), first_refused.clone());
        let mut succ = vec![0u32; first_succ[k] as usize];
        let mut refused = vec![(0u32, 0u32); first_refused[k] as usize];
        arcs(&mut |cv, ch, h| {
            let c = cv as usize;
            if h != OPEN {
                refused[next_refused[c] as usize] = (ch, h);
                next_refused[c] += 1;
            } else if ch != cv {
                succ[next_succ[c] as usize] = ch;
                next_succ[c] += 1;
            }
        });
        CutIndex {
            comp,
            first_succ,
            succ,
            first_refused,
            refused,
        }
    }

    /// What `sources` (nodes) reach, and the hazards cutting them off.
    pub(crate) fn answer(self: &std::sync::Arc<Self>, sources: &[u32]) -> Cut {
        let (reach, list) = self.reach(sources);
        Cut {
            hazards: self.cut(&reach, &list),
            reached: Reached::Components(self.clone(), reach),
        }
    }

    /// The components reachable from `sources` (nodes): a mark per
    /// component, and the list of those marked.
    fn reach(&self, sources: &[u32]) -> (Vec<bool>, Vec<u32>) {
        let k = self.first_succ.len() - 1;
        let mut seen = vec![false; k];
        let mut list: Vec<u32> = Vec::new();
        for &s in sources {
            let Some(&c) = self.comp.get(s as usize) else {
                continue;
            };
            if !std::mem::replace(&mut seen[c as usize], true) {
                list.push(c);
            }
        }
        // `list` is also the queue: what is from `next` on is still to visit.
        let mut next = 0;
        while let Some(&c) = list.get(next) {
            next += 1;
            let r = self.first_succ[c as usize] as usize..self.first_succ[c as usize + 1] as usize;
            for &d in &self.succ[r] {
                if !std::mem::replace(&mut seen[d as usize], true) {
                    list.push(d);
                }
            }
        }
        (seen, list)
    }

    /// Hazards refusing an arc from a reached component (all of them in
    /// `list`) to an unreached one.
    fn cut(&self, reach: &[bool], list: &[u32]) -> Vec<u32> {
        let mut out = Vec::new();
        for &c in list {
            let c = c as usize;
            let r = self.first_refused[c] as usize..self.first_refused[c + 1] as usize;
            for &(d, h) in &self.refused[r] {
                if !reach[d as usize] {
                    out.push(h);
                }
            }
        }
        out
    }
}

/// The region a route's origin reaches with a set of hazards in force, and
/// the hazards refusing an arc out of it (each once or more, in no order).
pub(crate) struct Cut {
    pub(crate) hazards: Vec<u32>,
    reached: Reached,
}

enum Reached {
    /// Marks per component of a [`CutIndex`].
    Components(std::sync::Arc<CutIndex>, Vec<bool>),
    /// Marks per node, from [`search`].
    Nodes(Vec<bool>),
}

impl Cut {
    /// Whether the origin reaches node `v`.
    pub(crate) fn reached(&self, v: u32) -> bool {
        match &self.reached {
            Reached::Components(index, reach) => index
                .comp
                .get(v as usize)
                .is_some_and(|&c| reach[c as usize]),
            Reached::Nodes(seen) => seen.get(v as usize).copied().unwrap_or(false),
        }
    }
}

/// What [`CutIndex::answer`] gives, found by one search from `sources`
/// over the arcs `refuse` lets through, without building the index.
pub(crate) fn search(
    adj: &Adjacency,
    refuse: impl Fn(u32, u32) -> Option<u32>,
    sources: &[u32],
) -> Cut {
    let mut seen = vec![false; adj.num_nodes()];
    let mut stack: Vec<u32> = Vec::new();
    for &s in sources {
        if seen.get(s as usize) == Some(&false) {
            seen[s as usize] = true;
            stack.push(s);
        }
    }
    // Refused arcs out of reached nodes, as (head, hazard): those whose
    // head is never reached cut the origin off.
    let mut refused: Vec<(u32, u32)> = Vec::new();
    while let Some(v) = stack.pop() {
        for a in adj.out(v) {
            match refuse(a.edge, a.weight) {
                Some(h) => refused.push((a.head, h)),
                None => {
                    if !std::mem::replace(&mut seen[a.head as usize], true) {
                        stack.push(a.head);
                    }
                }
            }
        }
    }
    Cut {
        hazards: refused
            .into_iter()
            .filter(|&(u, _)| !seen[u as usize])
            .map(|(_, h)| h)
            .collect(),
        reached: Reached::Nodes(seen),
    }
}

/// Strongly connected components over the arcs no hazard refuses
/// (`refused_by[arc] == OPEN`; Tarjan's algorithm with an explicit
/// stack). Returns the component of each node.
fn tarjan(adj: &Adjacency, n: usize, refused_by: &[u32]) -> Vec<u32> {
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0u32; n];
    let mut comp = vec![UNSEEN; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    // (node, next arc position) frames of the depth-first search.
    let mut frames: Vec<(u32, u32)> = Vec::new();
    let (mut next_index, mut next_comp) = (0u32, 0u32);
    for root in 0..n as u32 {
        if index[root as usize] != UNSEEN {
            continue;
        }
        frames.push((root, adj.first_out[root as usize]));
        index[root as usize] = next_index;
        low[root as usize] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        while let Some(&mut (v, ref mut pos)) = frames.last_mut() {
            let end = adj.first_out[v as usize + 1];
            if *pos < end {
                let (a, by) = (adj.arcs[*pos as usize], refused_by[*pos as usize]);
                *pos += 1;
                if by != OPEN {
                    continue;
                }
                let u = a.head as usize;
                if index[u] == UNSEEN {
                    index[u] = next_index;
                    low[u] = next_index;
                    next_index += 1;
                    stack.push(a.head);
                    on_stack[u] = true;
                    frames.push((a.head, adj.first_out[u]));
                } else if on_stack[u] {
                    low[v as usize] = low[v as usize].min(index[u]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent as usize] = low[parent as usize].min(low[v as usize]);
            }
            if low[v as usize] == index[v as usize] {
                while let Some(w) = stack.pop() {
                    on_stack[w as usize] = false;
                    comp[w as usize] = next_comp;
                    if w == v {
                        break;
                    }
                }
                next_comp += 1;
            }
        }
    }
    comp
}

#[cfg(test)]
mod tests {
    use super::*;
    use corridor_graph::{Arc as Link, Dir};
    use proptest::prelude::*;
    use std::sync::Arc;

    /// A network of `n` nodes with `links` (tail, head, weight), arcs
    /// grouped by tail in the order given.
    fn network(n: usize, links: &[(usize, usize, u32)]) -> Adjacency {
        let mut first_out = vec![0u32; n + 1];
        let mut arcs = Vec::new();
        for v in 0..n {
            for (e, &(t, h, w)) in links.iter().enumerate() {
                if t % n == v {
                    arcs.push(Link {
                        head: (h % n) as u32,
                        edge: e as u32,
                        dir: Dir::Forward,
                        weight: w,
                    });
                }
            }
            first_out[v + 1] = arcs.len() as u32;
        }
        Adjacency { first_out, arcs }
    }

    proptest! {
        /// One search from the origin and the index give the same reached
        /// nodes and the same hazards, each against a plain fixpoint of
        /// reachability over the arcs no hazard refuses.
        #[test]
        fn the_search_answers_as_the_index(
            n in 1usize..25,
            links in proptest::collection::vec((0usize..25, 0usize..25, 0u32..6), 0..70),
            sources in proptest::collection::vec(0usize..25, 1..3),
        ) {
            let adj = network(n, &links);
            // Weights 0 and 1 are refused, by hazards 7 and 8.
            let refuse = |_e: u32, w: u32| (w < 2).then_some(7 + w);
            let sources: Vec<u32> = sources.iter().map(|&s| (s % n) as u32).collect();
            let mut want = vec![false; n];
            for &s in &sources {
                want[s as usize] = true;
            }
            loop {
                let mut grew = false;
                for v in 0..n {
                    for a in adj.out(v as u32) {
                        if want[v] && refuse(a.edge, a.weight).is_none() && !want[a.head as usize] {
                            want[a.head as usize] = true;
                            grew = true;
                        }
                    }
                }
                if !grew {
                    break;
                }
            }
            let mut want_cut: Vec<u32> = (0..n as u32)
                .filter(|&v| want[v as usize])
                .flat_map(|v| adj.out(v).iter().filter_map(|a| {
                    let h = refuse(a.edge, a.weight)?;
                    (!want[a.head as usize]).then_some(h)
                }))
                .collect();
            want_cut.sort_unstable();
            let searched = search(&adj, refuse, &sources);
            let indexed = Arc::new(CutIndex::new(&adj, refuse)).answer(&sources);
            for found in [searched, indexed] {
                let mut cut = found.hazards.clone();
                cut.sort_unstable();
                prop_assert_eq!(&cut, &want_cut);
                for v in 0..n as u32 {
                    prop_assert_eq!(found.reached(v), want[v as usize], "node {}", v);
                }
            }
        }
    }
}
