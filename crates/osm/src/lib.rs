//! OpenStreetMap import: `.osm.pbf` in, [`RoadGraph`] out.
//!
//! Two passes over the file, as every PBF importer does: the first reads ways
//! and asks the [`policy`] which profiles may use each one, counting how many
//! times every node is used; the second reads the coordinates of just those
//! nodes, and which of them stop or hold a profile (barriers). Ways are then cut at
//! junctions (nodes used more than once), at barriers and at their ends, so
//! every chain of degree-2 nodes inside a way becomes one edge that keeps
//! its full shape; a barrier is split so that the profiles it stops cannot
//! pass it, and those it holds wait ([`Nodes`]).
//!
//! **Architecture invariant:** all OSM tag interpretation lives in
//! [`policy`]; the importer only follows its verdicts.
#![deny(missing_docs)]

pub mod policy;

use corridor_geo::{haversine_m, LatLon};
use corridor_graph::{GraphMeta, Profile, RoadGraph, INFINITY};
use osmpbf::{BlobDecode, BlobReader, Element};
use policy::{Passage, Speed, Tags, WayAccess};
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

    for_each_block(path, &shown, total, "reading ways", progress, |el| {
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
    // A barrier cuts the ways through it, as a junction does.
    for id in stops.keys() {
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
        copies: HashMap::new(),
    };
    for w in &ways {
        build_way_edges(&mut g, &mut nodes, &uses, &coords, w, &mut stats);
    }
    pass_barriers(&mut g, &nodes);
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
/// so that no edge leads through it; [`pass_barriers`] then joins the
/// copies with edges of no length that only the profiles it does not stop
/// may use, taking the wait it holds them (a bollard: pedestrians pass,
/// cars reach it from either side and turn; a gate: cars pass in a
/// minute). This is how GraphHopper
/// models barriers in a graph of nodes; OSRM forbids the turns through
/// them in its graph of edges.
struct Nodes<'a> {
    /// Graph node of each OSM node (not of barriers).
    of: HashMap<i64, u32>,
    /// OSM nodes that stop or hold a profile, and how.
    stops: &'a HashMap<i64, [Passage; 2]>,
    /// The copies of each barrier, each with the edge that ends at it.
    copies: HashMap<i64, Vec<(u32, u32)>>,
}

impl Nodes<'_> {
    /// The graph node at OSM node `id` for edge `edge` (about to be added).
    fn at(&mut self, g: &mut RoadGraph, (id, (lat, lon)): (i64, (i32, i32)), edge: u32) -> u32 {
        let new = |g: &mut RoadGraph| {
            g.node_lat.push(lat);
            g.node_lon.push(lon);
            g.node_osm.push(id);
            (g.node_lat.len() - 1) as u32
        };
        if self.stops.contains_key(&id) {
            let v = new(g);
            self.copies.entry(id).or_default().push((v, edge));
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

/// Joins the copies of each barrier ([`Nodes`]) with edges of no length,
/// one between every two copies (so that passing costs one wait, from
/// whichever way to whichever other), usable by the profiles the barrier
/// does not stop, in 1 ms or the wait it holds them, each taking the way,
/// name and ref of the edge at the copy it leads to. Past
/// [`MAX_PAIRWISE_COPIES`], each copy is joined to a hub in half the wait
/// (rounded up, at least 1 ms).
fn pass_barriers(g: &mut RoadGraph, nodes: &Nodes) {
    let mut ids: Vec<&i64> = nodes.copies.keys().collect();
    ids.sort_unstable();
    for id in ids {
        let copies = &nodes.copies[id];
        let passage = nodes.stops.get(id).copied().unwrap_or([Passage::Stop; 2]);
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
        if copies.len() <= MAX_PAIRWISE_COPIES {
            for (i, &(u, _)) in copies.iter().enumerate() {
                for &(v, edge) in &copies[i + 1..] {
                    join(g, u, v, edge, time(false));
                }
            }
        } else {
            let hub = copies[0].0 as usize;
            g.node_lat.push(g.node_lat[hub]);
            g.node_lon.push(g.node_lon[hub]);
            g.node_osm.push(*id);
            let hub = (g.node_lat.len() - 1) as u32;
            for &(v, edge) in copies {
                join(g, hub, v, edge, time(true));
            }
        }
    }
}

/// Adds an edge of no length from `u` to `v` (at one place) in `time_ms`
/// per profile either way, with the way, name and ref of edge `like`.
fn join(g: &mut RoadGraph, u: u32, v: u32, like: u32, time_ms: [u32; 2]) {
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
        let t = time_ms[profile.index()];
        g.time_ms[profile.index()][0].push(t);
        g.time_ms[profile.index()][1].push(t);
    }
}

/// Adds one edge; `way_len` (metres, all pieces) spreads a ferry's `duration`.
fn add_edge(
    g: &mut RoadGraph,
    nodes: &mut Nodes,
    w: &WayRec,
    pts: &[(i64, (i32, i32))],
    way_len: f64,
) {
    let edge = g.num_edges() as u32;
    let tail = nodes.at(g, pts[0], edge);
    let head = nodes.at(g, pts[pts.len() - 1], edge);
    let len: f64 = pts
        .windows(2)
        .map(|s| haversine_m(pos(s[0]), pos(s[1])))
        .sum();
    g.edge_tail.push(tail);
    g.edge_head.push(head);
    g.edge_way.push(w.id);
    g.edge_name.push(w.name);
    g.edge_ref.push(w.road_ref);
    g.edge_flags.push(w.flags);
    g.edge_length_m.push(len);
    for p in pts {
        g.shape_lat.push(p.1 .0);
        g.shape_lon.push(p.1 .1);
    }
    g.shape_first.push(g.shape_lat.len() as u32);
    for profile in Profile::ALL {
        let a = w.access[profile.index()];
        let t = |s: Option<Speed>| -> u32 {
            match s {
                None => INFINITY,
                Some(Speed::Kmh(v)) => ms(len / (v / 3.6)),
                Some(Speed::WholeWaySeconds(s)) => ms(s * len / way_len.max(1e-9)),
            }
        };
        g.time_ms[profile.index()][0].push(t(a.and_then(|a| a.forward)));
        g.time_ms[profile.index()][1].push(t(a.and_then(|a| a.backward)));
    }
}

/// Seconds to whole milliseconds, at least 1 so that every edge costs time,
/// and below [`INFINITY`].
fn ms(seconds: f64) -> u32 {
    ((seconds * 1000.0).round().max(1.0)).min((INFINITY - 1) as f64) as u32
}
