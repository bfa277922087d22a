//! Why a route is cut, answered in microseconds: the strongly connected
//! components of a profile's network with a set of hazards in force for good,
//! built once per hazard set (Tarjan, iteratively), and the arcs the hazards
//! refuse, grouped by component.
//!
//! The hazards that cut an origin off are those refusing an arc from the
//! region the origin reaches to a node outside it — exactly what the Dijkstra
//! search names after exploring that region. Here the region is a set of
//! components found by a search over the (small) condensation instead.

use corridor_graph::Adjacency;

const UNSEEN: u32 = u32::MAX;

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
        let comp = tarjan(adj, n, &refuse);
        let k = comp.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
        let mut succ_pairs: Vec<(u32, u32)> = Vec::new();
        let mut refused_pairs: Vec<(u32, (u32, u32))> = Vec::new();
        for v in 0..n as u32 {
            let cv = comp[v as usize];
            for a in adj.out(v) {
                let ch = comp[a.head as usize];
                match refuse(a.edge, a.weight) {
                    None if ch != cv => succ_pairs.push((cv, ch)),
                    None => {}
                    Some(h) => refused_pairs.push((cv, (ch, h))),
                }
            }
        }
        let (first_succ, succ) = csr(k, &mut succ_pairs);
        let (first_refused, refused) = csr(k, &mut refused_pairs);
        CutIndex {
            comp,
            first_succ,
            succ,
            first_refused,
            refused,
        }
    }

    /// The components reachable from `sources` (nodes), as a mark per component.
    pub(crate) fn reach(&self, sources: &[u32]) -> Vec<bool> {
        let k = self.first_succ.len() - 1;
        let mut seen = vec![false; k];
        let mut stack: Vec<u32> = Vec::new();
        for &s in sources {
            let c = self.comp[s as usize];
            if !std::mem::replace(&mut seen[c as usize], true) {
                stack.push(c);
            }
        }
        while let Some(c) = stack.pop() {
            let r = self.first_succ[c as usize] as usize..self.first_succ[c as usize + 1] as usize;
            for &d in &self.succ[r] {
                if !std::mem::replace(&mut seen[d as usize], true) {
                    stack.push(d);
                }
            }
        }
        seen
    }

    /// Whether node `v` lies in a reached component.
    pub(crate) fn reached(&self, reach: &[bool], v: u32) -> bool {
        reach[self.comp[v as usize] as usize]
    }

    /// Hazards refusing an arc from a reached component to an unreached one.
    pub(crate) fn cut(&self, reach: &[bool]) -> Vec<u32> {
        let mut out = Vec::new();
        for (c, _) in reach.iter().enumerate().filter(|x| *x.1) {
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

/// Groups `(key, value)` pairs by key into CSR form.
fn csr<T: Copy>(k: usize, pairs: &mut [(u32, T)]) -> (Vec<u32>, Vec<T>) {
    pairs.sort_by_key(|p| p.0);
    let mut first = vec![0u32; k + 1];
    for p in pairs.iter() {
        first[p.0 as usize + 1] += 1;
    }
    for i in 0..k {
        first[i + 1] += first[i];
    }
    (first, pairs.iter().map(|p| p.1).collect())
}

/// Strongly connected components over the arcs `refuse` lets through
/// (Tarjan's algorithm with an explicit stack). Returns the component of
/// each node.
fn tarjan(adj: &Adjacency, n: usize, refuse: &impl Fn(u32, u32) -> Option<u32>) -> Vec<u32> {
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
                let a = adj.arcs[*pos as usize];
                *pos += 1;
                if refuse(a.edge, a.weight).is_some() {
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
