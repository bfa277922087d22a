//! Hazards mapped onto edges, and the time rule applied to one traversal.

use corridor_graph::{RoadGraph, SegmentIndex, INFINITY};
use corridor_hazards::{Effect, HazardSet};

/// Which hazards touch which edge (CSR by edge), built once per hazard set.
#[derive(Clone, Debug, Default)]
pub struct HazardLayer {
    set: HazardSet,
    first: Vec<u32>,
    hazards: Vec<u32>,
    /// Largest slow factor of any hazard on the edge (1.0 if none).
    max_slow: Vec<f64>,
}

impl HazardLayer {
    /// No hazards at all.
    pub fn empty(g: &RoadGraph) -> HazardLayer {
        Self::from_hits(g, HazardSet::default(), &[])
    }

    /// Maps `set` onto `g`, using the segment index for candidates.
    pub fn new(g: &RoadGraph, index: &SegmentIndex, set: HazardSet) -> HazardLayer {
        let hits = set.edge_hits(g, index);
        let pairs: Vec<(u32, u32)> = hits.iter().map(|h| (h.edge, h.hazard)).collect();
        Self::from_hits(g, set, &pairs)
    }

    /// Builds the layer from (edge, hazard) pairs sorted by edge.
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
        HazardLayer {
            set,
            first,
            hazards,
            max_slow,
        }
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
        self.first.windows(2).filter(|w| w[1] > w[0]).count()
    }

    /// Applies the time rule (crate docs) to traversing edge `e` of base time
    /// `w` ms, entered at `enter_ms` (absolute). Returns the time it takes,
    /// or the index of the blocking hazard.
    pub fn traverse(&self, e: u32, w: u32, enter_ms: i64, margin_ms: i64) -> Result<u32, u32> {
        let on = self.on_edge(e);
        if on.is_empty() || w == 0 {
            return Ok(w);
        }
        let worst = (w as f64 * self.max_slow[e as usize]).ceil() as i64;
        let leave = enter_ms.saturating_add(worst).saturating_add(margin_ms);
        let mut factor = 1.0f64;
        for &h in on {
            let hz = &self.set.hazards[h as usize];
            if !hz.validity.overlaps(enter_ms, leave) {
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
