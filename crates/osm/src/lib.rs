//! OpenStreetMap import: `.osm.pbf` in, [`RoadGraph`] out.
//!
//! Two passes over the file, as every PBF importer does: the first reads ways
//! and asks the [`policy`] which profiles may use each one, counting how many
//! times every node is used, and reads the turn restrictions for cars
//! (relations); the second reads the coordinates of just those
//! nodes, and which of them stop or hold a profile (barriers). Ways are then cut at
//! junctions (nodes used more than once), at barriers, at the via nodes of
//! turn restrictions and at their ends, so
//! every chain of degree-2 nodes inside a way becomes one edge that keeps
//! its full shape; a barrier is split so that the profiles it stops cannot
//! pass it, and those it holds wait, and the via node of a turn
//! restriction so that cars cannot make the turns it forbids ([`Nodes`]).
//!
//! **Architecture invariant:** all OSM tag interpretation lives in
//! [`policy`]; the importer only follows its verdicts.
#![deny(missing_docs)]

pub mod policy;

use corridor_geo::{haversine_m, LatLon};
use corridor_graph::{GraphMeta, Profile, RoadGraph, INFINITY};
use osmpbf::{BlobDecode, BlobReader, Element, RelMemberType};
use policy::{Passage, Speed, Tags, Turn, WayAccess};
use std::collections::HashMap;
use std::path::Path;

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// The cause (in the message, not also as a source: a chain of
        /// causes printed would give it twice).
        error: std::io::Error,
    },
    /// Not a PBF file, or a damaged or truncated one.
    #[error(
        "{path} is not a readable OSM PBF file ({detail}); is it truncated or of another format?"
    )]
    Pbf {
        /// The file.
        path: String,
        /// What the decoder said.
        detail: String,
    },
    /// OSM XML instead of PBF.
    #[error("{path} is OSM XML; corridor reads .osm.pbf (convert with `osmium cat {path} -o out.osm.pbf`)")]
    Xml {
        /// The file.
        path: String,
    },
    /// The graph built breaks an invariant of the graph file (a bug in the
    /// importer, caught before anything is written).
    #[error("{path}: the imported graph is invalid ({detail}); please report this")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// Decoded fine, but no way is routable for any profile.
    #[error("{path} holds no road that cars or pedestrians may use")]
    NoRoads {
        /// The file.
        path: String,
    },
}

/// Counts that describe an import, for logs and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportStats {
    /// Ways read in the file.
    pub ways_read: u64,
    /// Ways that at least one profile may use.
    pub ways_routable: u64,
    /// Ways of which some nodes were missing from the extract (or skipped
    /// for coordinates out of range).
    pub ways_clipped: u64,
    /// Nodes skipped because their coordinates are out of range (latitude
    /// beyond ±90°, longitude beyond ±180°): the ways through them are
    /// clipped there, as at the extract's edge.
    pub nodes_out_of_range: u64,
    /// OSM nodes on routable ways.
    pub osm_nodes: u64,
    /// Graph nodes (junctions and way ends).
    pub nodes: u64,
    /// Graph edges.
    pub edges: u64,
    /// Ways skipped for naming more than [`MAX_WAY_NODES`] nodes (OSM
    /// allows 2,000: only a crafted file has more).
    pub ways_too_long: u64,
    /// Nodes on routable ways that stop or hold a profile
    /// ([`policy::node_passage`]): bollards, gates, walls...
    pub barriers: u64,
    /// Turn restrictions for cars ([`policy::car_turn`]) applied: via a
    /// node where both their ways have an edge.
    pub turn_restrictions: u64,
    /// Turn restrictions for cars left out: via a way, members missing or
    /// off the roads read, or at a node where more than
    /// [`MAX_PAIRWISE_COPIES`] edges meet.
    pub turn_restrictions_skipped: u64,
}

/// Most nodes a way may name, after repeats in a row are dropped: OSM's
/// own limit is 2,000, so only a crafted file comes near; above it a way
/// could make an edge of every pair of its nodes.
pub const MAX_WAY_NODES: usize = 2_000;

/// Progress reports: the phase, bytes done and bytes in all.
pub trait Progress {
    /// Called after each block of the file.
    fn update(&mut self, phase: &'static str, done: u64, total: u64);
}

impl<F: FnMut(&'static str, u64, u64)> Progress for F {
    fn update(&mut self, phase: &'static str, done: u64, total: u64) {
        self(phase, done, total)
    }
}

struct WayRec {
    id: i64,
    refs: Vec<i64>,
    access: [Option<WayAccess>; 2],
    flags: u8,
    name: u32,
    road_ref: u32,
}

/// Imports an extract into a road graph for every profile.
pub fn import(
    path: &Path,
    progress: &mut dyn Progress,
) -> Result<(RoadGraph, ImportStats), ImportError> {
    let shown = path.display().to_string();
    let io = |error| ImportError::Io {
        path: shown.clone(),
        error,
    };
    let total = std::fs::metadata(path).map_err(io)?.len();
    let mut head = [0u8; 64];
    let n = {
        use std::io::Read;
        let mut f = std::fs::File::open(path).map_err(io)?;
        f.read(&mut head).map_err(io)?
    };
    let start = String::from_utf8_lossy(&head[..n]);
    if start.trim_start().starts_with("<?xml") || start.trim_start().starts_with("<osm") {
        return Err(ImportError::Xml { path: shown });
    }

    let mut stats = ImportStats::default();
    let mut strings: Vec<String> = vec![String::new()];
    let mut string_ids: HashMap<String, u32> = HashMap::new();
    let mut intern = |s: Option<&str>| -> u32 {
        match s {
            None | Some("") => 0,
            Some(s) => *string_ids.entry(s.to_string()).or_insert_with(|| {
                strings.push(s.to_string());
                (strings.len() - 1) as u32
            }),
        }
    };
    let mut ways: Vec<WayRec> = Vec::new();
    // Times each OSM node is used by routable ways (saturating at 2+).
    let mut uses: HashMap<i64, u8> = HashMap::new();
    // Car turn restrictions read, by via node: (from way, to way, kind).
    let mut turns: HashMap<i64, Vec<TurnRule>> = HashMap::new();
    let mut turns_read = 0u64;

    for_each_block(path, &shown, total, "reading ways", progress, |el| {
        if let Element::Relation(r) = &el {
            let tags = Tags(r.tags().collect());
            let Some(kind) = policy::car_turn(&tags) else {
                return;
            };
            turns_read += 1;
            let (mut from, mut via, mut to, mut other) = (vec![], vec![], vec![], false);
            for m in r.members() {
                match (m.role().unwrap_or(""), m.member_type) {
                    ("from", RelMemberType::Way) => from.push(m.member_id),
                    ("to", RelMemberType::Way) => to.push(m.member_id),
                    ("via", RelMemberType::Node) => via.push(m.member_id),
                    // A via way (or relation): not read.
                    ("via", _) => other = true,
                    _ => {}
                }
            }
            if let ([from], [via], [to], false) = (&from[..], &via[..], &to[..], other) {
                turns.entry(*via).or_default().push(TurnRule {
                    from: *from,
                    to: *to,
                    kind,
                });
            }
            return;
        }
        if let Element::Way(w) = el {
            stats.ways_read += 1;
            let tags = Tags(w.tags().collect());
            let access = [
                policy::evaluate(&tags, Profile::Car),
                policy::evaluate(&tags, Profile::Foot),
            ];
            if access.iter().all(Option::is_none) {
                return;
            }
            let mut refs: Vec<i64> = w.refs().collect();
            // A node repeated in a row is one point (a crafted way naming
            // one node millions of times made as many self-loop edges).
            refs.dedup();
            if refs.len() < 2 {
                return;
            }
            if refs.len() > MAX_WAY_NODES {
                stats.ways_too_long += 1;
                return;
            }
            stats.ways_routable += 1;
            let last = refs.len() - 1;
            for (i, r) in refs.iter().enumerate() {
                let u = uses.entry(*r).or_insert(0);
                // Way ends count twice so that they always become graph nodes.
                *u = u.saturating_add(if i == 0 || i == last { 2 } else { 1 });
            }
            ways.push(WayRec {
                id: w.id(),
                refs,
                access,
                flags: policy::way_flags(&tags)
                    | access.iter().flatten().fold(0, |f, a| f | a.flags),
                name: intern(tags.get("name")),
                road_ref: intern(tags.get("ref")),
            });
        }
    })?;
    stats.osm_nodes = uses.len() as u64;

    let mut coords: HashMap<i64, (i32, i32)> = HashMap::with_capacity(uses.len());
    // Nodes on routable ways that stop or hold a profile (barriers), and how.
    let mut stops: HashMap<i64, [Passage; 2]> = HashMap::new();
    for_each_block(
        path,
        &shown,
        total,
        "reading nodes",
        progress,
        |el| match el {
            Element::Node(n) if uses.contains_key(&n.id()) => {
                keep(&mut coords, &mut stats, n.id(), n.nano_lat(), n.nano_lon());
                note_stops(&mut stops, n.id(), n.tags());
            }
            Element::DenseNode(n) if uses.contains_key(&n.id()) => {
                keep(&mut coords, &mut stats, n.id(), n.nano_lat(), n.nano_lon());
                note_stops(&mut stops, n.id(), n.tags());
            }
            _ => {}
        },
    )?;
    // A barrier cuts the ways through it, as a junction does; so does the
    // via node of a turn restriction.
    turns.retain(|id, _| uses.contains_key(id));
    // A turn node joins each road's arrival to every other road's
    // departure: past MAX_PAIRWISE_COPIES roads (only a crafted file ends
    // so many at one node) its restrictions are left out, so that the
    // joins stay few.
    if !turns.is_empty() {
        let mut ends: HashMap<i64, usize> = HashMap::new();
        for w in &ways {
            let last = w.refs.len() - 1;
            for (i, r) in w.refs.iter().enumerate() {
                if turns.contains_key(r) {
                    *ends.entry(*r).or_default() += if i == 0 || i == last { 1 } else { 2 };
                }
            }
        }
        turns.retain(|id, _| ends.get(id).is_some_and(|&n| n <= MAX_PAIRWISE_COPIES));
    }
    for id in stops.keys().chain(turns.keys()) {
        uses.insert(*id, 2);
    }
    stats.barriers = stops.len() as u64;

    let mut g = RoadGraph {
        meta: GraphMeta {
            source: path
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            policy: policy::POLICY_VERSION.to_string(),
        },
        strings: strings.into_iter().map(std::sync::Arc::from).collect(),
        ..Default::default()
    };
    g.shape_first.push(0);
    let mut nodes = Nodes {
        of: HashMap::new(),
        stops: &stops,
        turns: &turns,
        copies: HashMap::new(),
    };
    for w in &ways {
        build_way_edges(&mut g, &mut nodes, &uses, &coords, w, &mut stats);
    }
    stats.turn_restrictions = join_copies(&mut g, &nodes);
    stats.turn_restrictions_skipped = turns_read - stats.turn_restrictions;
    stats.nodes = g.num_nodes() as u64;
    stats.edges = g.num_edges() as u64;
    if g.num_edges() == 0 {
        return Err(ImportError::NoRoads { path: shown });
    }
    // Whatever the extract held, never write a graph that `from_bytes`
    // would refuse (issue 12).
    g.validate().map_err(|detail| ImportError::Invalid {
        path: shown.clone(),
        detail,
    })?;
    if stats.nodes_out_of_range > 0 {
        tracing::warn!(
            nodes = stats.nodes_out_of_range,
            "skipped nodes with coordinates out of range"
        );
    }
    tracing::info!(?stats, "imported");
    Ok((g, stats))
}

/// Records a node's position (1e-7 degrees) if it is on the globe; counts
/// and skips it otherwise (issue 12: an OSM node at latitude 95 made a graph
/// that every later command refused).
/// Keeps node `id` at (`lat`, `lon`) in nanodegrees, as 1e-7 degrees, if
/// on Earth. Checked before narrowing: a latitude of 478.9° read as 1e-7
/// degrees in 32 bits wrapped round to 49.4°, a real place.
fn keep(
    coords: &mut HashMap<i64, (i32, i32)>,
    stats: &mut ImportStats,
    id: i64,
    lat: i64,
    lon: i64,
) {
    let e7 = |x: i64| i32::try_from(x / 100).ok();
    match (e7(lat), e7(lon)) {
        (Some(y), Some(x))
            if (-900_000_000..=900_000_000).contains(&y)
                && (-1_800_000_000..=1_800_000_000).contains(&x) =>
        {
            coords.insert(id, (y, x));
        }
        _ => stats.nodes_out_of_range += 1,
    }
}

fn for_each_block(
    path: &Path,
    shown: &str,
    total: u64,
    phase: &'static str,
    progress: &mut dyn Progress,
    mut f: impl FnMut(Element),
) -> Result<(), ImportError> {
    let pbf_err = |e: osmpbf::Error| ImportError::Pbf {
        path: shown.to_string(),
        detail: e.to_string(),
    };
    let reader = BlobReader::seekable_from_path(path).map_err(pbf_err)?;
    let mut saw_header = false;
    let mut done = 0u64;
    for blob in reader {
        let blob = blob.map_err(pbf_err)?;
        if let Some(off) = blob.offset() {
            done = off.0;
        }
        match blob.decode().map_err(pbf_err)? {
            BlobDecode::OsmHeader(_) => saw_header = true,
            BlobDecode::OsmData(block) => {
                if !saw_header {
                    return Err(ImportError::Pbf {
                        path: shown.to_string(),
                        detail: "data before the OSMHeader block".into(),
                    });
                }
                block.for_each_element(&mut f);
            }
            BlobDecode::Unknown(_) => {}
        }
        progress.update(phase, done.min(total), total);
    }
    progress.update(phase, total, total);
    if !saw_header {
        return Err(ImportError::Pbf {
            path: shown.to_string(),
            detail: "no OSMHeader block".into(),
        });
    }
    Ok(())
}

/// Cuts one way at junctions and ends, adding an edge per piece.
fn build_way_edges(
    g: &mut RoadGraph,
    nodes: &mut Nodes,
    uses: &HashMap<i64, u8>,
    coords: &HashMap<i64, (i32, i32)>,
    w: &WayRec,
    stats: &mut ImportStats,
) {
    // Pieces of the way whose nodes are all present (a clipped extract may
    // miss some); each piece is then cut at junctions.
    let mut piece: Vec<(i64, (i32, i32))> = Vec::new();
    let mut clipped = false;
    let mut pieces: Vec<Vec<(i64, (i32, i32))>> = Vec::new();
    for r in &w.refs {
        match coords.get(r) {
            Some(&c) => {
                piece.push((*r, c));
            }
            None => {
                clipped = true;
                if piece.len() >= 2 {
                    pieces.push(std::mem::take(&mut piece));
                } else {
                    piece.clear();
                }
            }
        }
    }
    if piece.len() >= 2 {
        pieces.push(piece);
    }
    if clipped {
        stats.ways_clipped += 1;
    }
    let way_len: f64 = pieces
        .iter()
        .map(|p| {
            p.windows(2)
                .map(|s| haversine_m(pos(s[0]), pos(s[1])))
                .sum::<f64>()
        })
        .sum();
    for piece in pieces {
        let mut start = 0;
        for i in 1..piece.len() {
            let is_end = i == piece.len() - 1;
            let junction = uses.get(&piece[i].0).copied().unwrap_or(0) >= 2;
            if is_end || junction {
                add_edge(g, nodes, w, &piece[start..=i], way_len);
                start = i;
            }
        }
    }
}

fn pos(p: (i64, (i32, i32))) -> LatLon {
    LatLon::from_e7(p.1 .0, p.1 .1)
}

/// The graph nodes made of OSM nodes.
///
/// A node that stops or holds a profile (a barrier,
/// [`policy::node_passage`]) gets one copy for each edge that ends at it,
/// so that no edge leads through it; [`join_copies`] then joins the
/// copies with edges of no length that only the profiles it does not stop
/// may use, taking the wait it holds them (a bollard: pedestrians pass,
/// cars reach it from either side and turn; a gate: cars pass in a
/// minute). This is how GraphHopper
/// models barriers in a graph of nodes; OSRM forbids the turns through
/// them in its graph of edges.
///
/// The via node of a turn restriction goes further: every edge ending at
/// it is split into two halves, one per direction of travel
/// ([`flags::TWIN_FORWARD`](corridor_graph::flags::TWIN_FORWARD)), and
/// each half ends at a copy of its own, where it arrives or where it
/// leaves. The joins lead from arrivals to departures only, one per
/// allowed turn: a node where travel both arrives and leaves would let a
/// route make a forbidden turn as two allowed ones through a third road's
/// end.
struct Nodes<'a> {
    /// Graph node of each OSM node (not of barriers).
    of: HashMap<i64, u32>,
    /// OSM nodes that stop or hold a profile, and how.
    stops: &'a HashMap<i64, [Passage; 2]>,
    /// The car turn restrictions via each OSM node.
    turns: &'a HashMap<i64, Vec<TurnRule>>,
    /// The copies of each split node: the copy, the edge ending there,
    /// and what travel does there.
    copies: HashMap<i64, Vec<(u32, u32, Role)>>,
}

/// What travel does at a copy of a split node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Arrives and leaves (a barrier's copy), at the tail of its edge or
    /// its head.
    Both {
        /// At the tail.
        tail: bool,
    },
    /// Arrives by its edge (a turn restriction's node).
    Arrive,
    /// Leaves by its edge.
    Leave,
}

impl Nodes<'_> {
    /// The graph node at OSM node `id` for edge `edge` (about to be added)
    /// at its tail (`tail`) or head, in role `role` ([`Role::Both`] unless
    /// the edge is half of a split one). `road` is the edge's road: the
    /// forward half for both halves, so that at a barrier both share one
    /// copy of each end (a closed way whose one cut is the barrier has two,
    /// one per end: review).
    fn at(
        &mut self,
        g: &mut RoadGraph,
        (id, (lat, lon)): (i64, (i32, i32)),
        edge: u32,
        (road, tail): (u32, bool),
        role: Role,
    ) -> u32 {
        let new = |g: &mut RoadGraph| {
            g.node_lat.push(lat);
            g.node_lon.push(lon);
            g.node_osm.push(id);
            (g.node_lat.len() - 1) as u32
        };
        if self.turns.contains_key(&id) {
            let v = new(g);
            self.copies.entry(id).or_default().push((v, edge, role));
            return v;
        }
        if self.stops.contains_key(&id) {
            let copies = self.copies.entry(id).or_default();
            let key = Role::Both { tail };
            if let Some(&(v, ..)) = copies.iter().find(|c| c.1 == road && c.2 == key) {
                return v;
            }
            let v = new(g);
            copies.push((v, road, key));
            return v;
        }
        *self.of.entry(id).or_insert_with(|| new(g))
    }
}

/// Records node `id`'s barrier, if its tags stop or hold any profile.
fn note_stops<'a>(
    stops: &mut HashMap<i64, [Passage; 2]>,
    id: i64,
    tags: impl Iterator<Item = (&'a str, &'a str)>,
) {
    let tags: Vec<_> = tags.collect();
    if tags.is_empty() {
        return;
    }
    let passage = policy::node_passage(&Tags(tags));
    if passage.iter().any(|&p| p != Passage::Free) {
        stops.insert(id, passage);
    }
}

/// Most copies of a barrier joined two by two; beyond (only a crafted file
/// ends thousands of ways at one node), they are joined through one more
/// copy, a hub, so that the edges added grow with the copies, not with
/// their square.
const MAX_PAIRWISE_COPIES: usize = 8;

/// A car turn restriction at its via node.
struct TurnRule {
    from: i64,
    to: i64,
    kind: Turn,
}

/// Whether a car may turn from the edge of way `from` onto the edge of way
/// `to` at a node with these restrictions. A `no_*` naming one way as
/// both `from` and `to` forbids only a U-turn, which no fastest route
/// makes: it forbids nothing here (were it read as from the way to the
/// way, it would forbid going straight on where the way goes through).
fn turn_allowed(rules: &[TurnRule], from: i64, to: i64) -> bool {
    rules.iter().all(|r| match r.kind {
        Turn::No => !(r.from != r.to && r.from == from && r.to == to),
        Turn::Only => r.from != from || r.to == to,
    })
}

/// Joins the copies of each split node ([`Nodes`]) with edges of no
/// length, usable by the profiles the barrier there (if any) does not
/// stop, in 1 ms or the wait it holds them, each taking the way, name and
/// ref of the edge at the copy it leads to.
///
/// At a barrier, one join between every two copies, either way (so that
/// passing costs one wait, from whichever way to whichever other); past
/// [`MAX_PAIRWISE_COPIES`], each copy is joined to a hub in half the wait
/// (rounded up, at least 1 ms). At a turn restriction's node, one join
/// from each arrival to each departure of another road: a turn, which a
/// car may not take where a restriction forbids it (pedestrians may).
/// Returns how many turn restrictions were applied.
fn join_copies(g: &mut RoadGraph, nodes: &Nodes) -> u64 {
    let mut applied = 0;
    let mut ids: Vec<&i64> = nodes.copies.keys().collect();
    ids.sort_unstable();
    let car = Profile::Car.index();
    for id in ids {
        let copies = &nodes.copies[id];
        let passage = nodes.stops.get(id).copied().unwrap_or([Passage::Free; 2]);
        if passage.iter().all(|&p| p == Passage::Stop) {
            continue;
        }
        let time = |halved: bool| {
            passage.map(|p| match p {
                Passage::Free => 1,
                Passage::Wait(ms) if halved => ms.div_ceil(2).clamp(1, INFINITY - 1),
                Passage::Wait(ms) => ms.clamp(1, INFINITY - 1),
                Passage::Stop => INFINITY,
            })
        };
        if let Some(rules) = nodes.turns.get(id) {
            let way = |e: u32| g.edge_way[e as usize];
            applied += rules
                .iter()
                .filter(|r| {
                    copies.iter().any(|&(_, e, _)| way(e) == r.from)
                        && copies.iter().any(|&(_, e, _)| way(e) == r.to)
                })
                .count() as u64;
            for &(u, from, _) in copies.iter().filter(|c| c.2 == Role::Arrive) {
                for &(v, to, _) in copies.iter().filter(|c| c.2 == Role::Leave) {
                    if g.canonical(from) == g.canonical(to) {
                        continue; // a U-turn: no fastest route makes one
                    }
                    let mut t = time(false).map(|x| [x, INFINITY]);
                    if !turn_allowed(rules, g.edge_way[from as usize], g.edge_way[to as usize]) {
                        t[car][0] = INFINITY;
                    }
                    join(g, u, v, to, t);
                }
            }
            // The node as a whole, where a route starts or ends: a source
            // joined to every departure and a sink every arrival joins, one
            // after the other (`RoadGraph` flag CENTRE), so that a trip from
            // or to the node itself is bound by no turn, and neither is a
            // way through it.
            let at = copies[0].0 as usize;
            let (lat, lon) = (g.node_lat[at], g.node_lon[at]);
            for _ in 0..2 {
                g.node_lat.push(lat);
                g.node_lon.push(lon);
                g.node_osm.push(*id);
            }
            let sink = (g.node_lat.len() - 1) as u32;
            let source = sink - 1;
            let free = [[1, INFINITY]; 2];
            for &(c, edge, role) in copies {
                match role {
                    Role::Leave => join(g, source, c, edge, free),
                    Role::Arrive => join(g, c, sink, edge, free),
                    Role::Both { .. } => continue,
                }
                if let Some(f) = g.edge_flags.last_mut() {
                    *f = corridor_graph::flags::CENTRE;
                }
            }
        } else if copies.len() <= MAX_PAIRWISE_COPIES {
            for (i, &(u, ..)) in copies.iter().enumerate() {
                for &(v, edge, _) in &copies[i + 1..] {
                    join(g, u, v, edge, time(false).map(|x| [x; 2]));
                }
            }
        } else {
            let hub = copies[0].0 as usize;
            g.node_lat.push(g.node_lat[hub]);
            g.node_lon.push(g.node_lon[hub]);
            g.node_osm.push(*id);
            let hub = (g.node_lat.len() - 1) as u32;
            for &(v, edge, _) in copies {
                join(g, hub, v, edge, time(true).map(|x| [x; 2]));
            }
        }
    }
    applied
}

/// Adds an edge of no length from `u` to `v` (at one place) taking
/// `time_ms[profile][direction]` (forward: `u` to `v`), with the way, name
/// and ref of edge `like`.
fn join(g: &mut RoadGraph, u: u32, v: u32, like: u32, time_ms: [[u32; 2]; 2]) {
    let e = like as usize;
    let (way, name, road_ref) = (g.edge_way[e], g.edge_name[e], g.edge_ref[e]);
    g.edge_tail.push(u);
    g.edge_head.push(v);
    g.edge_way.push(way);
    g.edge_name.push(name);
    g.edge_ref.push(road_ref);
    g.edge_flags.push(0);
    g.edge_length_m.push(0.0);
    for _ in 0..2 {
        g.shape_lat.push(g.node_lat[v as usize]);
        g.shape_lon.push(g.node_lon[v as usize]);
    }
    g.shape_first.push(g.shape_lat.len() as u32);
    for profile in Profile::ALL {
        let [forward, backward] = time_ms[profile.index()];
        g.time_ms[profile.index()][0].push(forward);
        g.time_ms[profile.index()][1].push(backward);
    }
}

/// Adds one edge; `way_len` (metres, all pieces) spreads a ferry's
/// `duration`. An edge ending at a turn restriction's node is added as two
/// halves, forward then backward ([`Nodes`]).
fn add_edge(
    g: &mut RoadGraph,
    nodes: &mut Nodes,
    w: &WayRec,
    pts: &[(i64, (i32, i32))],
    way_len: f64,
) {
    let (first, last) = (pts[0], pts[pts.len() - 1]);
    let len: f64 = pts
        .windows(2)
        .map(|s| haversine_m(pos(s[0]), pos(s[1])))
        .sum();
    let times = Profile::ALL.map(|profile| {
        let a = w.access[profile.index()];
        let t = |s: Option<Speed>| -> u32 {
            match s {
                None => INFINITY,
                Some(Speed::Kmh(v)) => ms(len / (v / 3.6)),
                Some(Speed::WholeWaySeconds(s)) => ms(s * len / way_len.max(1e-9)),
            }
        };
        [t(a.and_then(|a| a.forward)), t(a.and_then(|a| a.backward))]
    });
    let edge = g.num_edges() as u32;
    if !(nodes.turns.contains_key(&first.0) || nodes.turns.contains_key(&last.0)) {
        let tail = nodes.at(g, first, edge, (edge, true), Role::Both { tail: true });
        let head = nodes.at(g, last, edge, (edge, false), Role::Both { tail: false });
        push_edge(g, w, pts, len, tail, head, w.flags, times);
        return;
    }
    use corridor_graph::flags::{TWIN_BACKWARD, TWIN_FORWARD};
    let (fwd, bwd) = (edge, edge + 1);
    // The forward half leaves its tail and arrives at its head; the
    // backward half the other way round.
    let tail = nodes.at(g, first, fwd, (fwd, true), Role::Leave);
    let head = nodes.at(g, last, fwd, (fwd, false), Role::Arrive);
    let only = |dir: usize| {
        times.map(|t| {
            if dir == 0 {
                [t[0], INFINITY]
            } else {
                [INFINITY, t[1]]
            }
        })
    };
    push_edge(g, w, pts, len, tail, head, w.flags | TWIN_FORWARD, only(0));
    let tail = nodes.at(g, first, bwd, (fwd, true), Role::Arrive);
    let head = nodes.at(g, last, bwd, (fwd, false), Role::Leave);
    push_edge(g, w, pts, len, tail, head, w.flags | TWIN_BACKWARD, only(1));
}

/// Appends an edge of way `w` along `pts` (`len` metres) from `tail` to
/// `head`, taking `times[profile][direction]`.
#[allow(clippy::too_many_arguments)]
fn push_edge(
    g: &mut RoadGraph,
    w: &WayRec,
    pts: &[(i64, (i32, i32))],
    len: f64,
    tail: u32,
    head: u32,
    flags: u8,
    times: [[u32; 2]; 2],
) {
    g.edge_tail.push(tail);
    g.edge_head.push(head);
    g.edge_way.push(w.id);
    g.edge_name.push(w.name);
    g.edge_ref.push(w.road_ref);
    g.edge_flags.push(flags);
    g.edge_length_m.push(len);
    for p in pts {
        g.shape_lat.push(p.1 .0);
        g.shape_lon.push(p.1 .1);
    }
    g.shape_first.push(g.shape_lat.len() as u32);
    for profile in Profile::ALL {
        let [forward, backward] = times[profile.index()];
        g.time_ms[profile.index()][0].push(forward);
        g.time_ms[profile.index()][1].push(backward);
    }
}

/// Seconds to whole milliseconds, at least 1 so that every edge costs time,
/// and below [`INFINITY`].
fn ms(seconds: f64) -> u32 {
    ((seconds * 1000.0).round().max(1.0)).min((INFINITY - 1) as f64) as u32
}
