//! Hazards mapped onto edges, and the time rule applied to one traversal.

use corridor_graph::{Dir, Profile, RoadGraph, SegmentIndex, INFINITY};
use corridor_hazards::{Effect, Hazard, HazardSet};
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Which hazards touch which edge (CSR by edge, and by hazard), built once
/// per hazard set.
#[derive(Clone, Debug, Default)]
pub struct HazardLayer {
    /// Unique per layer built, so that metrics derived from it can be cached.
    id: u64,
    set: HazardSet,
    first: Vec<u32>,
    hazards: Vec<u32>,
    /// Number of edges touched by at least one hazard.
    touched: usize,
    /// Edges of each hazard: `edges[first_edge[h]..first_edge[h+1]]`.
    first_edge: Vec<u32>,
    edges: Vec<u32>,
    /// Largest slow factor of any hazard on the edge (1.0 if none).
    max_slow: Vec<f64>,
    /// Per profile and hazard: the longest time the time rule can give any
    /// of its edges (`w · F` at its slowest), in ms.
    worst_ms: [Vec<i64>; 2],
}

impl HazardLayer {
    /// No hazards at all.
    pub fn empty(g: &RoadGraph) -> HazardLayer {
        Self::from_hits(g, HazardSet::default(), &[])
    }

    /// Maps `set` onto `g` through the segment index (whole R-tree nodes
    /// taken or skipped against each hazard's geometry, see
    /// [`HazardSet::edge_hits`]).
    pub fn new(g: &RoadGraph, index: &SegmentIndex, set: HazardSet) -> HazardLayer {
        let hits = set.edge_hits_by_hazard(g, index);
        let pairs: Vec<(u32, u32)> = hits.iter().map(|h| (h.edge, h.hazard)).collect();
        Self::from_hits(g, set, &pairs)
    }

    /// Builds the layer from distinct (edge, hazard) pairs sorted by edge
    /// then hazard, or by hazard then edge (either order gives every edge's
    /// hazards and every hazard's edges in ascending order).
    pub fn from_hits(g: &RoadGraph, set: HazardSet, pairs: &[(u32, u32)]) -> HazardLayer {
        let m = g.num_edges();
        let mut first = vec![0u32; m + 1];
        for &(e, _) in pairs {
            first[e as usize + 1] += 1;
        }
        for i in 0..m {
            first[i + 1] += first[i];
        }
        let mut pos = first.clone();
        let mut hazards = vec![0u32; pairs.len()];
        for &(e, h) in pairs {
            hazards[pos[e as usize] as usize] = h;
            pos[e as usize] += 1;
        }
        let mut max_slow = vec![1.0f64; m];
        for &(e, h) in pairs {
            if let Effect::Slow(f) = set.hazards[h as usize].effect {
                max_slow[e as usize] = max_slow[e as usize].max(f);
            }
        }
        let k = set.len();
        let mut first_edge = vec![0u32; k + 1];
        for &(_, h) in pairs {
            first_edge[h as usize + 1] += 1;
        }
        for i in 0..k {
            first_edge[i + 1] += first_edge[i];
        }
        let mut pos = first_edge.clone();
        let mut edges = vec![0u32; pairs.len()];
        let mut worst_ms = [vec![0i64; k], vec![0i64; k]];
        for &(e, h) in pairs {
            edges[pos[h as usize] as usize] = e;
            pos[h as usize] += 1;
            for p in [Profile::Car, Profile::Foot] {
                let w = [Dir::Forward, Dir::Backward]
                    .map(|d| g.time(p, e, d))
                    .into_iter()
                    .filter(|&w| w < INFINITY)
                    .max()
                    .unwrap_or(0);
                let worst = (w as f64 * max_slow[e as usize]).ceil() as i64;
                let slot = &mut worst_ms[p.index()][h as usize];
                *slot = (*slot).max(worst);
            }
        }
        let touched = first.windows(2).filter(|w| w[1] > w[0]).count();
        HazardLayer {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            touched,
            set,
            first,
            hazards,
            first_edge,
            edges,
            max_slow,
            worst_ms,
        }
    }

    /// Identity of this layer (unique within the process).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Edges touched by hazard `h`.
    pub fn edges_of(&self, h: u32) -> &[u32] {
        let (a, b) = (
            self.first_edge[h as usize] as usize,
            self.first_edge[h as usize + 1] as usize,
        );
        &self.edges[a..b]
    }

    /// The longest time the time rule can give any edge of hazard `h` for
    /// `profile`, in ms.
    pub fn worst_ms(&self, profile: Profile, h: u32) -> i64 {
        self.worst_ms[profile.index()][h as usize]
    }

    /// The hazard set.
    pub fn set(&self) -> &HazardSet {
        &self.set
    }

    /// Hazards touching edge `e`.
    pub fn on_edge(&self, e: u32) -> &[u32] {
        let (a, b) = (
            self.first[e as usize] as usize,
            self.first[e as usize + 1] as usize,
        );
        &self.hazards[a..b]
    }

    /// Number of edges touched by at least one hazard.
    pub fn edges_touched(&self) -> usize {
        self.touched
    }

    /// Applies the time rule (crate docs) to traversing edge `e` of base time
    /// `w` ms, entered at `enter_ms` (absolute). Returns the time it takes,
    /// or the index of the blocking hazard.
    pub fn traverse(&self, e: u32, w: u32, enter_ms: i64, margin_ms: i64) -> Result<u32, u32> {
        let worst = (w as f64 * self.max_slow[e as usize]).ceil() as i64;
        let leave = enter_ms.saturating_add(worst).saturating_add(margin_ms);
        self.apply(e, w, |_, hz| hz.validity.overlaps(enter_ms, leave))
    }

    /// The time-independent form of [`traverse`](Self::traverse): the
    /// hazards in force are those with `active[h]` set.
    pub fn static_time(&self, e: u32, w: u32, active: &[bool]) -> Result<u32, u32> {
        self.apply(e, w, |h, _| active[h as usize])
    }

    /// Time of edge `e` (base `w` ms) under the hazards for which `met`
    /// holds: the one place where blocking and slowing are applied.
    fn apply(&self, e: u32, w: u32, met: impl Fn(u32, &Hazard) -> bool) -> Result<u32, u32> {
        let on = self.on_edge(e);
        if on.is_empty() || w == 0 {
            return Ok(w);
        }
        let mut factor = 1.0f64;
        for &h in on {
            let hz = &self.set.hazards[h as usize];
            if !met(h, hz) {
                continue;
            }
            match hz.effect {
                Effect::Block => return Err(h),
                Effect::Slow(f) => factor = factor.max(f),
            }
        }
        if factor == 1.0 {
            Ok(w)
        } else {
            Ok(((w as f64 * factor).ceil()).min((INFINITY - 1) as f64) as u32)
        }
    }

    /// Whether edge `e` is blocked at any time from `from_ms` on.
    pub fn blocked_from(&self, e: u32, from_ms: i64) -> Option<u32> {
        self.on_edge(e).iter().copied().find(|&h| {
            let hz = &self.set.hazards[h as usize];
            hz.effect == Effect::Block && hz.validity.overlaps(from_ms, i64::MAX)
        })
    }
}
