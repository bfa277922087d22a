//! Per-profile adjacency arrays built from a [`RoadGraph`] in one pass.

use crate::{Dir, Profile, RoadGraph, INFINITY};

/// One directed arc of the adjacency: travel along `edge` in `dir` to `head`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arc {
    /// Node reached.
    pub head: u32,
    /// Edge travelled.
    pub edge: u32,
    /// Direction along the edge.
    pub dir: Dir,
    /// Travel time in ms (never [`INFINITY`]: unusable arcs are left out).
    pub weight: u32,
}

/// Forward-star adjacency of one profile: the arcs out of node `v` are
/// `arcs[first_out[v]..first_out[v+1]]`. Arcs the profile may not use are
/// left out, so a search never looks at them.
#[derive(Clone, Debug, Default)]
pub struct Adjacency {
    /// Offsets into `arcs`, one per node plus one.
    pub first_out: Vec<u32>,
    /// The arcs, grouped by tail node.
    pub arcs: Vec<Arc>,
}

impl Adjacency {
    /// Builds the outgoing adjacency of `profile`; with `reverse`, the incoming
    /// one (arcs point from head back to tail, with the same weight).
    pub fn build(g: &RoadGraph, profile: Profile, reverse: bool) -> Adjacency {
        let n = g.num_nodes();
        let mut deg = vec![0u32; n + 1];
        let each = |f: &mut dyn FnMut(u32, Arc)| {
            for e in 0..g.num_edges() as u32 {
                let (t, h) = (g.edge_tail[e as usize], g.edge_head[e as usize]);
                for (dir, from, to) in [(Dir::Forward, t, h), (Dir::Backward, h, t)] {
                    let w = g.time(profile, e, dir);
                    if w >= INFINITY {
                        continue;
                    }
                    let (from, to) = if reverse { (to, from) } else { (from, to) };
                    f(
                        from,
                        Arc {
                            head: to,
                            edge: e,
                            dir,
                            weight: w,
                        },
                    );
                }
            }
        };
        each(&mut |from, _| deg[from as usize + 1] += 1);
        for i in 0..n {
            deg[i + 1] += deg[i];
        }
        let first_out = deg.clone();
        let mut pos = deg;
        let mut arcs = vec![
            Arc {
                head: 0,
                edge: 0,
                dir: Dir::Forward,
                weight: 0
            };
            first_out[n] as usize
        ];
        each(&mut |from, a| {
            arcs[pos[from as usize] as usize] = a;
            pos[from as usize] += 1;
        });
        Adjacency { first_out, arcs }
    }

    /// Arcs out of `v`.
    pub fn out(&self, v: u32) -> &[Arc] {
        &self.arcs[self.first_out[v as usize] as usize..self.first_out[v as usize + 1] as usize]
    }

    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.first_out.len().saturating_sub(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_adjacency_has_both_directions() {
        let g = crate::testgraph::grid(3, 3);
        let a = Adjacency::build(&g, Profile::Car, false);
        assert_eq!(a.arcs.len(), 2 * g.num_edges());
        assert_eq!(a.out(4).len(), 4);
        let r = Adjacency::build(&g, Profile::Car, true);
        assert_eq!(r.out(0).len(), 2);
    }
}
