//! Hazards mapped onto edges, and the time rule applied to one traversal.

use corridor_graph::{Dir, Profile, RoadGraph, SegmentIndex, INFINITY};
use corridor_hazards::{Effect, Hazard, HazardSet};
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Which hazards touch which edge (by edge, and by hazard), built once per
/// hazard set.
///
/// A layer holds nothing per edge of the graph but one bit: the hazards of a
/// city or a front line touch a few thousand edges of a network that may
/// have tens of millions. The touched edges are numbered by a rank over
/// those bits (a count per 64-edge word plus a popcount), and everything
/// else is stored per touched edge. So a layer holds 3/16 of a byte per
/// edge of the graph (the bits and the counts; before, 12 bytes), and asking
/// about an untouched edge (nearly every edge a route crosses) reads one bit
/// of a table small enough to stay in the cache.
#[derive(Clone, Debug, Default)]
pub struct HazardLayer {
    /// Unique per layer built, so that metrics derived from it can be cached.
    id: u64,
    set: HazardSet,
    /// One bit per edge of the graph: set when a hazard touches the edge.
    touched_bits: Vec<u64>,
    /// Number of set bits in `touched_bits` before each word: the slot of
    /// a touched edge is its word's count plus the set bits below it.
    word_rank: Vec<u32>,
    /// Hazards on the touched edge of slot `i`: `hazards[first[i]..first[i+1]]`.
    first: Vec<u32>,
    hazards: Vec<u32>,
    /// Largest slow factor of any hazard on the touched edge of each slot
    /// (1.0 if none).
    max_slow: Vec<f64>,
    /// Edges of each hazard: `edges[first_edge[h]..first_edge[h+1]]`.
    first_edge: Vec<u32>,
    edges: Vec<u32>,
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

    /// This layer's hazards and `extra` after them (numbered from this
    /// layer's count on): the same layer as [`HazardLayer::new`] of the
    /// whole set, with this layer's mapping reused and only `extra` mapped
    /// (the corridor search adds a few penalty lines to hundreds of
    /// hazards, round after round).
    pub fn with_extra(
        &self,
        g: &RoadGraph,
        index: &SegmentIndex,
        extra: Vec<Hazard>,
    ) -> HazardLayer {
        let k = self.set.len() as u32;
        let extra = HazardSet { hazards: extra };
        let added = extra.edge_hits_by_hazard(g, index);
        let mut pairs = Vec::with_capacity(self.edges.len() + added.len());
        for h in 0..k {
            pairs.extend(self.edges_of(h).iter().map(|&e| (e, h)));
        }
        pairs.extend(added.iter().map(|x| (x.edge, k + x.hazard)));
        let mut set = self.set.clone();
        set.hazards.extend(extra.hazards);
        Self::from_hits(g, set, &pairs)
    }

    /// Builds the layer from distinct (edge, hazard) pairs sorted by edge
    /// then hazard, or by hazard then edge (either order gives every edge's
    /// hazards and every hazard's edges in ascending order).
    pub fn from_hits(g: &RoadGraph, set: HazardSet, pairs: &[(u32, u32)]) -> HazardLayer {
        let m = g.num_edges();
        let k = set.len();
        // A pair naming an edge or a hazard that does not exist would make
        // every later lookup wrong; the mapping never gives one.
        debug_assert!(pairs
            .iter()
            .all(|&(e, h)| (e as usize) < m && (h as usize) < k));
        let valid = |&&(e, h): &&(u32, u32)| (e as usize) < m && (h as usize) < k;
        let mut touched_bits = vec![0u64; m.div_ceil(64)];
        for &(e, _) in pairs.iter().filter(valid) {
            touched_bits[e as usize / 64] |= 1 << (e % 64);
        }
        let mut word_rank = Vec::with_capacity(touched_bits.len());
        let mut touched = 0u32;
        for w in &touched_bits {
            word_rank.push(touched);
            touched += w.count_ones();
        }
        let touched = touched as usize;
        // Each pair's slot, ranked once.
        let slots: Vec<u32> = pairs
            .iter()
            .filter(valid)
            .map(|&(e, _)| rank(&touched_bits, &word_rank, e) as u32)
            .collect();
        let mut first = vec![0u32; touched + 1];
        for &i in &slots {
            first[i as usize + 1] += 1;
        }
        for i in 0..touched {
            first[i + 1] += first[i];
        }
        let mut pos = first.clone();
        let mut hazards = vec![0u32; slots.len()];
        let mut max_slow = vec![1.0f64; touched];
        for (&(_, h), &i) in pairs.iter().filter(valid).zip(&slots) {
            let i = i as usize;
            hazards[pos[i] as usize] = h;
            pos[i] += 1;
            if let Effect::Slow(f) = set.hazards[h as usize].effect {
                max_slow[i] = max_slow[i].max(f);
            }
        }
        let mut first_edge = vec![0u32; k + 1];
        for &(_, h) in pairs.iter().filter(valid) {
            first_edge[h as usize + 1] += 1;
        }
        for i in 0..k {
            first_edge[i + 1] += first_edge[i];
        }
        // The longest time of each touched edge under its worst slowing,
        // per profile: computed once an edge, not once a pair (200
        // hazards over a whole city are millions of pairs).
        let mut edge_worst = [Vec::with_capacity(touched), Vec::with_capacity(touched)];
        for (wi, &bits) in touched_bits.iter().enumerate() {
            let mut b = bits;
            while b != 0 {
                let e = (wi * 64) as u32 + b.trailing_zeros();
                b &= b - 1;
                let slow = max_slow[edge_worst[0].len()];
                for p in [Profile::Car, Profile::Foot] {
                    let w = [Dir::Forward, Dir::Backward]
                        .map(|d| g.time(p, e, d))
                        .into_iter()
                        .filter(|&w| w < INFINITY)
                        .max()
                        .unwrap_or(0);
                    edge_worst[p.index()].push((w as f64 * slow).ceil() as i64);
                }
            }
        }
        let mut pos = first_edge.clone();
        let mut edges = vec![0u32; slots.len()];
        let mut worst_ms = [vec![0i64; k], vec![0i64; k]];
        for (&(e, h), &i) in pairs.iter().filter(valid).zip(&slots) {
            edges[pos[h as usize] as usize] = e;
            pos[h as usize] += 1;
            for p in 0..2 {
                let best = &mut worst_ms[p][h as usize];
                *best = (*best).max(edge_worst[p][i as usize]);
            }
        }
        HazardLayer {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            set,
            touched_bits,
            word_rank,
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
        match self.slot(e) {
            Some(i) => &self.hazards[self.first[i] as usize..self.first[i + 1] as usize],
            None => &[],
        }
    }

    /// The slot of edge `e` in the per-touched-edge arrays, if a hazard
    /// touches it (an edge out of range touches none).
    #[inline]
    fn slot(&self, e: u32) -> Option<usize> {
        let w = *self.touched_bits.get(e as usize / 64)?;
        (w >> (e % 64) & 1 != 0).then(|| rank(&self.touched_bits, &self.word_rank, e))
    }

    /// Bytes held by the mapping (the hazard set itself not counted).
    pub fn heap_bytes(&self) -> usize {
        8 * (self.touched_bits.len() + self.max_slow.len())
            + 4 * (self.word_rank.len() + self.first.len() + self.hazards.len())
            + 4 * (self.first_edge.len() + self.edges.len())
            + 8 * (self.worst_ms[0].len() + self.worst_ms[1].len())
    }

    /// Number of edges touched by at least one hazard.
    pub fn edges_touched(&self) -> usize {
        self.max_slow.len()
    }

    /// Applies the time rule (crate docs) to traversing edge `e` of base time
    /// `w` ms, entered at `enter_ms` (absolute). Returns the time it takes,
    /// or the index of the blocking hazard.
    pub fn traverse(&self, e: u32, w: u32, enter_ms: i64, margin_ms: i64) -> Result<u32, u32> {
        let Some(i) = self.slot(e) else {
            return Ok(w);
        };
        let worst = (w as f64 * self.max_slow[i]).ceil() as i64;
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

    /// A hazard blocking edge `e` at some time from `from_ms` to `until_ms`.
    pub fn blocked_between(&self, e: u32, from_ms: i64, until_ms: i64) -> Option<u32> {
        self.on_edge(e).iter().copied().find(|&h| {
            let hz = &self.set.hazards[h as usize];
            hz.effect == Effect::Block && hz.validity.overlaps(from_ms, until_ms)
        })
    }
}

/// The number of set bits of `bits` below bit `e` (`word_rank` holding the
/// count before each word): the slot of a touched edge.
#[inline]
fn rank(bits: &[u64], word_rank: &[u32], e: u32) -> usize {
    let (w, b) = (e as usize / 64, e % 64);
    word_rank[w] as usize + (bits[w] & ((1u64 << b) - 1)).count_ones() as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use corridor_geo::LatLon;
    use corridor_hazards::{HazardKind, Part, Validity};
    use proptest::prelude::*;

    fn hazard(i: usize, effect: Effect, from_min: i64) -> Hazard {
        Hazard {
            id: format!("h{i}"),
            kind: HazardKind::Shelling,
            parts: vec![Part::square(LatLon::new(49.4, 8.7), 100.0)],
            buffer_m: 0.0,
            validity: Validity {
                from_ms: from_min * 60_000,
                until_ms: i64::MAX,
            },
            effect,
            source: "test".into(),
        }
    }

    /// `with_extra` is `new` of the whole set: the same hazards on every
    /// edge, the same edges of every hazard, the same worst times.
    #[test]
    fn a_layer_with_extra_hazards_is_the_layer_of_them_all() {
        let mut g = RoadGraph::builder();
        let mut ids = Vec::new();
        for y in 0..8 {
            for x in 0..8 {
                ids.push(g.push_node(
                    LatLon::new(49.40 + y as f64 * 1e-3, 8.70 + x as f64 * 1e-3),
                    (y * 8 + x) as i64 + 1,
                ));
            }
        }
        for y in 0..8 {
            for x in 0..8 {
                if x + 1 < 8 {
                    g.push_straight_edge(
                        ids[y * 8 + x],
                        ids[y * 8 + x + 1],
                        [[60_000 + x as u32; 2]; 2],
                    );
                }
                if y + 1 < 8 {
                    g.push_straight_edge(ids[y * 8 + x], ids[(y + 1) * 8 + x], [[90_000; 2]; 2]);
                }
            }
        }
        let index = SegmentIndex::build(&g);
        let square = |i: usize, lat: f64, lon: f64, side: f64, effect: Effect| Hazard {
            parts: vec![Part::square(LatLon::new(lat, lon), side)],
            effect,
            ..hazard(i, effect, 0)
        };
        let base: Vec<Hazard> = (0..5)
            .map(|i| {
                square(
                    i,
                    49.401 + i as f64 * 1e-3,
                    8.702,
                    150.0 + 40.0 * i as f64,
                    if i % 2 == 0 {
                        Effect::Block
                    } else {
                        Effect::Slow(1.5 + i as f64)
                    },
                )
            })
            .collect();
        let extra: Vec<Hazard> = (5..8)
            .map(|i| Hazard {
                parts: vec![Part::Line(vec![
                    (8.700, 49.400 + (i - 5) as f64 * 2e-3),
                    (8.707, 49.407),
                ])],
                buffer_m: 1.0,
                ..hazard(i, Effect::Slow(2.0 + i as f64), 0)
            })
            .collect();
        let layer = HazardLayer::new(
            &g,
            &index,
            HazardSet {
                hazards: base.clone(),
            },
        );
        let got = layer.with_extra(&g, &index, extra.clone());
        let all: Vec<Hazard> = base.into_iter().chain(extra).collect();
        let want = HazardLayer::new(&g, &index, HazardSet { hazards: all });
        assert_eq!(got.set(), want.set());
        assert!(want.edges_touched() > 20, "the hazards touch the grid");
        assert_eq!(got.edges_touched(), want.edges_touched());
        for e in 0..g.num_edges() as u32 {
            assert_eq!(got.on_edge(e), want.on_edge(e), "edge {e}");
            assert_eq!(
                got.traverse(e, 60_000, 0, 0),
                want.traverse(e, 60_000, 0, 0)
            );
        }
        for h in 0..8 {
            assert_eq!(got.edges_of(h), want.edges_of(h), "hazard {h}");
            for p in [Profile::Car, Profile::Foot] {
                assert_eq!(got.worst_ms(p, h), want.worst_ms(p, h));
            }
        }
    }

    proptest! {
        /// Whatever edges the hazards touch (in one 64-edge word or across
        /// many, first and last edges included), the layer answers as a
        /// plain table with a row per edge of the graph: each edge's
        /// hazards in order, each hazard's edges, the time rule (a hazard
        /// starting while the edge would be travelled at its slowest counts),
        /// the number of edges touched; edges beyond the graph touch nothing.
        #[test]
        fn the_layer_answers_as_a_table_per_edge(
            m in 1usize..300,
            effects in prop::collection::vec((prop::option::of(1.0f64..4.0), 0i64..5), 1..6),
            picks in prop::collection::vec((0usize..300, 0usize..6), 0..120),
        ) {
            let mut g = RoadGraph::builder();
            let a = g.push_node(LatLon::new(49.4, 8.7), 1);
            let b = g.push_node(LatLon::new(49.41, 8.7), 2);
            for _ in 0..m {
                g.push_straight_edge(a, b, [[60_000; 2]; 2]);
            }
            let k = effects.len();
            let set = HazardSet {
                hazards: effects
                    .iter()
                    .enumerate()
                    .map(|(i, &(f, from))| hazard(i, f.map_or(Effect::Block, Effect::Slow), from))
                    .collect(),
            };
            let mut pairs: Vec<(u32, u32)> =
                picks.iter().map(|&(e, h)| ((e % m) as u32, (h % k) as u32)).collect();
            pairs.sort_unstable();
            pairs.dedup();
            let layer = HazardLayer::from_hits(&g, set.clone(), &pairs);
            let mut touched = 0;
            for e in 0..m as u32 {
                let want: Vec<u32> = pairs.iter().filter(|p| p.0 == e).map(|p| p.1).collect();
                prop_assert_eq!(layer.on_edge(e), &want[..], "edge {}", e);
                touched += usize::from(!want.is_empty());
                // Entered at 0 with a minute's margin, the edge taking one
                // minute at its base time: a hazard starting by then, or by
                // the end of the edge's slowest traversal, is in force.
                let slowest = want
                    .iter()
                    .filter_map(|&h| effects[h as usize].0)
                    .fold(1.0f64, f64::max);
                let leave = (60_000.0 * slowest).ceil() as i64 + 60_000;
                let met: Vec<u32> = want
                    .iter()
                    .copied()
                    .filter(|&h| effects[h as usize].1 * 60_000 <= leave)
                    .collect();
                let factor = met
                    .iter()
                    .filter_map(|&h| effects[h as usize].0)
                    .fold(1.0f64, f64::max);
                let got = layer.traverse(e, 60_000, 0, 60_000);
                match met.iter().find(|&&h| effects[h as usize].0.is_none()) {
                    Some(&h) => prop_assert_eq!(got, Err(h)),
                    None => prop_assert_eq!(got, Ok((60_000.0 * factor).ceil() as u32)),
                }
            }
            prop_assert_eq!(layer.edges_touched(), touched);
            for h in 0..k as u32 {
                let want: Vec<u32> = pairs.iter().filter(|p| p.1 == h).map(|p| p.0).collect();
                prop_assert_eq!(layer.edges_of(h), &want[..], "hazard {}", h);
            }
            for e in [m as u32, m as u32 + 64, u32::MAX] {
                prop_assert!(layer.on_edge(e).is_empty());
                prop_assert_eq!(layer.traverse(e, 1000, 0, 0), Ok(1000));
            }
        }
    }
}
