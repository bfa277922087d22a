//! Imports of extracts written by hand (a minimal PBF: uncompressed blobs,
//! plain nodes), so that each test needs no tool and shows exactly what it
//! feeds the importer: nodes out of range (issue 12: `corridor import`
//! accepted an OSM node at latitude 95 and wrote a graph that every later
//! command refused), and barriers on a road.

use corridor_graph::RoadGraph;

/// Protocol-buffer encoding, just what a PBF needs.
#[derive(Default)]
struct Msg(Vec<u8>);

impl Msg {
    fn varint(&mut self, mut x: u64) -> &mut Self {
        loop {
            let b = (x & 0x7f) as u8;
            x >>= 7;
            if x == 0 {
                self.0.push(b);
                return self;
            }
            self.0.push(b | 0x80);
        }
    }
    fn key(&mut self, field: u64, wire: u64) -> &mut Self {
        self.varint(field << 3 | wire)
    }
    fn int(&mut self, field: u64, x: i64) -> &mut Self {
        self.key(field, 0).varint(x as u64)
    }
    fn sint(&mut self, field: u64, x: i64) -> &mut Self {
        self.key(field, 0).varint(((x << 1) ^ (x >> 63)) as u64)
    }
    fn bytes(&mut self, field: u64, b: &[u8]) -> &mut Self {
        self.key(field, 2).varint(b.len() as u64);
        self.0.extend_from_slice(b);
        self
    }
    fn packed(&mut self, field: u64, xs: impl IntoIterator<Item = u64>) -> &mut Self {
        let mut m = Msg::default();
        for x in xs {
            m.varint(x);
        }
        self.bytes(field, &m.0)
    }
    fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.0)
    }
}

/// A file block: header length, BlobHeader, Blob with raw data.
fn block(kind: &str, data: &[u8]) -> Vec<u8> {
    let blob = Msg::default()
        .bytes(1, data)
        .int(2, data.len() as i64)
        .take();
    let header = Msg::default()
        .bytes(1, kind.as_bytes())
        .int(3, blob.len() as i64)
        .take();
    let mut out = (header.len() as u32).to_be_bytes().to_vec();
    out.extend(header);
    out.extend(blob);
    out
}

/// An extract with one residential way through `nodes` (id, lat, lon in
/// 1e-7 degrees).
fn extract(nodes: &[(i64, i64, i64)]) -> Vec<u8> {
    extract_tagged(nodes, &[])
}

/// [`extract`], the nodes carrying `tags` (node id, key, value).
fn extract_tagged(nodes: &[(i64, i64, i64)], tags: &[(i64, &str, &str)]) -> Vec<u8> {
    let ids: Vec<i64> = nodes.iter().map(|n| n.0).collect();
    extract_ways(nodes, tags, &[(100, &ids)])
}

/// An extract of residential ways (id, node ids) through `nodes`, the
/// nodes carrying `tags` (node id, key, value).
fn extract_ways(
    nodes: &[(i64, i64, i64)],
    tags: &[(i64, &str, &str)],
    ways: &[(i64, &[i64])],
) -> Vec<u8> {
    extract_relations(nodes, tags, ways, &[])
}

/// A relation: id, tags, members (role, type: 0 node, 1 way, id).
type Relation<'a> = (i64, &'a [(&'a str, &'a str)], &'a [(&'a str, u64, i64)]);

/// [`extract_ways`] with relations.
fn extract_relations(
    nodes: &[(i64, i64, i64)],
    tags: &[(i64, &str, &str)],
    ways: &[(i64, &[i64])],
    relations: &[Relation],
) -> Vec<u8> {
    let header = Msg::default()
        .bytes(4, b"OsmSchema-V0.6")
        .bytes(4, b"DenseNodes")
        .take();
    let mut strings: Vec<&str> = vec!["", "highway", "residential"];
    let mut string = |s| match strings.iter().position(|&x| x == s) {
        Some(i) => i as u64,
        None => {
            strings.push(s);
            (strings.len() - 1) as u64
        }
    };
    let mut group = Msg::default();
    for &(id, lat, lon) in nodes {
        let mine: Vec<_> = tags.iter().filter(|t| t.0 == id).collect();
        let keys: Vec<u64> = mine.iter().map(|t| string(t.1)).collect();
        let vals: Vec<u64> = mine.iter().map(|t| string(t.2)).collect();
        let mut node = Msg::default();
        node.sint(1, id);
        if !keys.is_empty() {
            node.packed(2, keys).packed(3, vals);
        }
        group.bytes(1, &node.sint(8, lat).sint(9, lon).take());
    }
    let mut way_group = Msg::default();
    for &(way_id, way_nodes) in ways {
        let mut prev = 0;
        let refs: Vec<u64> = way_nodes
            .iter()
            .map(|&id| {
                let d = id - prev;
                prev = id;
                ((d << 1) ^ (d >> 63)) as u64
            })
            .collect();
        let way = Msg::default()
            .int(1, way_id)
            .packed(2, [1])
            .packed(3, [2])
            .packed(8, refs)
            .take();
        way_group.bytes(3, &way);
    }
    let mut relation_group = Msg::default();
    for &(id, kv, members) in relations {
        let keys: Vec<u64> = kv.iter().map(|t| string(t.0)).collect();
        let vals: Vec<u64> = kv.iter().map(|t| string(t.1)).collect();
        let roles: Vec<u64> = members.iter().map(|m| string(m.0)).collect();
        let mut prev = 0;
        let ids: Vec<u64> = members
            .iter()
            .map(|m| {
                let d = m.2 - prev;
                prev = m.2;
                ((d << 1) ^ (d >> 63)) as u64
            })
            .collect();
        let relation = Msg::default()
            .int(1, id)
            .packed(2, keys)
            .packed(3, vals)
            .packed(8, roles)
            .packed(9, ids)
            .packed(10, members.iter().map(|m| m.1))
            .take();
        relation_group.bytes(4, &relation);
    }
    let mut table = Msg::default();
    for s in &strings {
        table.bytes(1, s.as_bytes());
    }
    let block_data = Msg::default()
        .bytes(1, &table.take())
        .bytes(2, &group.take())
        .bytes(2, &way_group.take())
        .bytes(2, &relation_group.take())
        .take();
    let mut out = block("OSMHeader", &header);
    out.extend(block("OSMData", &block_data));
    out
}

fn import(
    name: &str,
    nodes: &[(i64, i64, i64)],
) -> Result<(RoadGraph, corridor_osm::ImportStats), corridor_osm::ImportError> {
    import_bytes(name, extract(nodes))
}

fn import_bytes(
    name: &str,
    pbf: Vec<u8>,
) -> Result<(RoadGraph, corridor_osm::ImportStats), corridor_osm::ImportError> {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(name);
    std::fs::write(&path, pbf).unwrap();
    corridor_osm::import(&path, &mut |_: &'static str, _: u64, _: u64| {})
}

/// Whether `profile` can go from the graph node of OSM node `from` to that
/// of `to` (breadth-first over the edges it may use, in their directions).
fn reaches(g: &RoadGraph, profile: corridor_graph::Profile, from: i64, to: i64) -> bool {
    let p = profile.index();
    let node = |id| g.node_osm.iter().position(|&x| x == id).unwrap() as u32;
    let (s, t) = (node(from), node(to));
    let mut seen = vec![false; g.num_nodes()];
    let mut todo = vec![s];
    seen[s as usize] = true;
    while let Some(v) = todo.pop() {
        for e in 0..g.num_edges() {
            let (a, b) = (g.edge_tail[e], g.edge_head[e]);
            let next = if a == v && g.time_ms[p][0][e] < corridor_graph::INFINITY {
                b
            } else if b == v && g.time_ms[p][1][e] < corridor_graph::INFINITY {
                a
            } else {
                continue;
            };
            if !seen[next as usize] {
                seen[next as usize] = true;
                todo.push(next);
            }
        }
    }
    seen[t as usize]
}

/// A bollard across a street stops cars and buses, not pedestrians; a wall
/// stops both; a bollard the node's own tags open to cars stops nobody;
/// a cattle grid stops nobody. Either side of a barrier stays reachable
/// (a car may drive up to a bollard and turn).
#[test]
fn barriers_stop_the_profiles_they_stop_and_no_other() {
    use corridor_graph::Profile::{Car, Foot};
    let nodes = [
        (1, 494_100_000, 86_900_000),
        (2, 494_110_000, 86_900_000),
        (3, 494_120_000, 86_910_000),
    ];
    for (name, tags, car, foot) in [
        ("none", vec![], true, true),
        ("bollard", vec![(2, "barrier", "bollard")], false, true),
        ("wall", vec![(2, "barrier", "wall")], false, false),
        (
            "open",
            vec![(2, "barrier", "bollard"), (2, "motor_vehicle", "yes")],
            true,
            true,
        ),
        ("grid", vec![(2, "barrier", "cattle_grid")], true, true),
        ("crossing", vec![(2, "highway", "crossing")], true, true),
    ] {
        let (g, stats) =
            import_bytes(&format!("{name}.osm.pbf"), extract_tagged(&nodes, &tags)).unwrap();
        assert_eq!(stats.barriers, u64::from(!car || !foot), "{name}");
        for (a, b) in [(1, 3), (3, 1)] {
            assert_eq!(reaches(&g, Car, a, b), car, "{name}: car {a} to {b}");
            assert_eq!(reaches(&g, Foot, a, b), foot, "{name}: foot {a} to {b}");
        }
        // The barrier itself is reached from both sides, by every profile.
        for end in [1, 3] {
            let at_barrier = g
                .node_osm
                .iter()
                .enumerate()
                .filter(|&(_, &id)| id == 2)
                .any(|(v, _)| {
                    let there = g.node_osm.iter().position(|&x| x == end).unwrap();
                    (0..g.num_edges()).any(|e| {
                        let (a, b) = (g.edge_tail[e] as usize, g.edge_head[e] as usize);
                        (a, b) == (there, v) || (a, b) == (v, there)
                    })
                });
            assert!(at_barrier || !g.node_osm.contains(&2), "{name}: from {end}");
        }
        RoadGraph::from_bytes(&g.to_bytes()).expect("every graph written can be read");
    }
}

/// The fastest time in ms for `profile` from any graph node of OSM node
/// `from` to any of `to` (Bellman–Ford: the graphs here are tiny).
fn fastest(g: &RoadGraph, profile: corridor_graph::Profile, from: i64, to: i64) -> Option<u64> {
    let p = profile.index();
    let inf = u64::MAX;
    let mut d: Vec<u64> = g
        .node_osm
        .iter()
        .map(|&id| if id == from { 0 } else { inf })
        .collect();
    for _ in 0..g.num_nodes() {
        for e in 0..g.num_edges() {
            let (a, b) = (g.edge_tail[e] as usize, g.edge_head[e] as usize);
            for (u, v, t) in [(a, b, g.time_ms[p][0][e]), (b, a, g.time_ms[p][1][e])] {
                if d[u] < inf && t < corridor_graph::INFINITY {
                    d[v] = d[v].min(d[u] + u64::from(t));
                }
            }
        }
    }
    (0..g.num_nodes())
        .filter(|&v| g.node_osm[v] == to)
        .map(|v| d[v])
        .min()
        .filter(|&t| t < inf)
}

/// A barrier where three ways meet, and one on a closed way: a profile it
/// stops passes from no way to another, one it holds waits once (60 s at
/// a gate) whichever two ways it joins, one it lets through loses 1 ms;
/// each way still reaches the barrier.
#[test]
fn a_barrier_where_ways_meet_is_passed_once_or_not_at_all() {
    use corridor_graph::Profile::{Car, Foot};
    // Arms 1, 2, 3 meet at 10; a loop 10-4-5-10 starts and ends there,
    // with a spur 4-6.
    let nodes = [
        (10, 494_100_000, 86_900_000),
        (1, 494_110_000, 86_900_000),
        (2, 494_090_000, 86_900_000),
        (3, 494_100_000, 86_910_000),
        (4, 494_100_000, 86_890_000),
        (5, 494_105_000, 86_885_000),
        (6, 494_100_000, 86_880_000),
    ];
    let ways: [(i64, &[i64]); 5] = [
        (101, &[1, 10]),
        (102, &[10, 2]),
        (103, &[3, 10]),
        (104, &[10, 4, 5, 10]),
        (105, &[4, 6]),
    ];
    let plain = import_bytes("meet-none.osm.pbf", extract_ways(&nodes, &[], &ways))
        .unwrap()
        .0;
    for (name, barrier, car, foot) in [
        ("bollard", "bollard", None, Some(1)),
        ("gate", "gate", Some(60_000), Some(1)),
        ("wall", "wall", None, None),
    ] {
        let (g, stats) = import_bytes(
            &format!("meet-{name}.osm.pbf"),
            extract_ways(&nodes, &[(10, "barrier", barrier)], &ways),
        )
        .unwrap();
        assert_eq!(stats.barriers, 1, "{name}");
        // One copy of the barrier for each way's end at it.
        assert_eq!(
            g.node_osm.iter().filter(|&&id| id == 10).count(),
            5,
            "{name}"
        );
        for (profile, wait) in [(Car, car), (Foot, foot)] {
            for (a, b) in [(1, 2), (2, 3), (3, 1), (1, 4), (4, 3), (6, 2)] {
                let through = fastest(&g, profile, a, b);
                let free = fastest(&plain, profile, a, b).unwrap();
                assert_eq!(
                    through,
                    wait.map(|w| free + w),
                    "{name}: {profile:?} {a} to {b}"
                );
                for end in [a, b] {
                    assert!(fastest(&g, profile, end, 10).is_some(), "{name}: {end}");
                }
            }
        }
    }
}

/// Twelve ways ending at one gate (more than are joined two by two): the
/// copies meet at a hub, so the edges added grow with the ways, and a car
/// still waits exactly 60 s from any way to any other.
#[test]
fn many_ways_at_one_barrier_meet_at_a_hub() {
    use corridor_graph::Profile::Car;
    let mut nodes = vec![(50, 494_100_000, 86_900_000)];
    for i in 1..=12i64 {
        let a = i as f64 * std::f64::consts::TAU / 12.0;
        let lat = 494_100_000 + (10_000.0 * a.sin()) as i64;
        let lon = 86_900_000 + (10_000.0 * a.cos()) as i64;
        nodes.push((i, lat, lon));
    }
    let refs: Vec<[i64; 2]> = (1..=12).map(|i| [i, 50]).collect();
    let ways: Vec<(i64, &[i64])> = refs.iter().zip(100..).map(|(r, id)| (id, &r[..])).collect();
    let (plain, _) = import_bytes("hub-none.osm.pbf", extract_ways(&nodes, &[], &ways)).unwrap();
    let (g, stats) = import_bytes(
        "hub-gate.osm.pbf",
        extract_ways(&nodes, &[(50, "barrier", "gate")], &ways),
    )
    .unwrap();
    assert_eq!(stats.barriers, 1);
    // 12 copies and a hub; 12 ways and 12 joins (not 66).
    assert_eq!(g.node_osm.iter().filter(|&&id| id == 50).count(), 13);
    assert_eq!(g.num_edges(), 24);
    for (a, b) in [(1, 2), (1, 7), (5, 12), (12, 11)] {
        let free = fastest(&plain, Car, a, b).unwrap();
        assert_eq!(fastest(&g, Car, a, b), Some(free + 60_000), "{a} to {b}");
    }
}

// issue 12
#[test]
fn issue_12_nodes_out_of_range_never_reach_the_graph_file() {
    // The hand-written extract itself imports: three nodes in Heidelberg.
    let ok = [
        (1, 494_100_000, 86_900_000),
        (2, 494_110_000, 86_900_000),
        (3, 494_120_000, 86_910_000),
    ];
    let (g, stats) = import("ok.osm.pbf", &ok).expect("a valid extract");
    assert_eq!((stats.nodes_out_of_range, g.num_edges()), (0, 1));
    // A node at latitude 95 at the start of the way; one at longitude 190
    // in the middle of another.
    for (name, nodes) in [
        (
            "lat95.osm.pbf",
            [(1, 950_000_000, 86_900_000), ok[1], ok[2]],
        ),
        (
            "lon190.osm.pbf",
            [ok[0], (2, 494_110_000, 1_900_000_000), ok[2]],
        ),
        (
            "lat-95.osm.pbf",
            [ok[0], ok[1], (3, -950_000_000, 86_910_000)],
        ),
        // Review: 478.9°, narrowed to 32 bits before the check, wrapped
        // round to 49.4° (Heidelberg).
        (
            "lat479.osm.pbf",
            [(1, 4_789_000_000, 86_900_000), ok[1], ok[2]],
        ),
    ] {
        match import(name, &nodes) {
            Ok((g, stats)) => {
                assert_eq!(stats.nodes_out_of_range, 1, "{name}");
                assert!(stats.ways_clipped >= 1, "{name}");
                RoadGraph::from_bytes(&g.to_bytes()).expect("every graph written can be read");
            }
            // Nothing routable left is a clean refusal too.
            Err(corridor_osm::ImportError::NoRoads { .. }) => {}
            Err(e) => panic!("{name}: {e}"),
        }
    }
}

/// A crossing of four residential ways at node 1: west (way 10, from
/// node 2), east (11, to 3), north (12, to 4), south (13, to 5). A
/// restriction forbids cars a turn; they make it only by turning round at
/// a dead end beyond (the graph's nodes allow U-turns), in exactly the
/// time that takes, while pedestrians and the other turns are unaffected.
#[test]
fn turn_restrictions_forbid_cars_their_turns_and_nothing_else() {
    use corridor_graph::Profile::{Car, Foot};
    let nodes = [
        (1, 494_100_000, 86_900_000),
        (2, 494_100_000, 86_890_000),
        (3, 494_100_000, 86_910_000),
        (4, 494_110_000, 86_900_000),
        (5, 494_090_000, 86_900_000),
    ];
    let ways: [(i64, &[i64]); 4] = [(10, &[2, 1]), (11, &[1, 3]), (12, &[1, 4]), (13, &[5, 1])];
    let restriction = |kv: &'static [(&'static str, &'static str)], from, to| -> Vec<u8> {
        let members: &[(&str, u64, i64)] = &[("from", 1, from), ("via", 0, 1), ("to", 1, to)];
        extract_relations(&nodes, &[], &ways, &[(900, kv, members)])
    };
    let (plain, _) = import_bytes("turns-none.osm.pbf", extract_ways(&nodes, &[], &ways)).unwrap();
    // Each way's time by car, either way (all are two-way, 25 km/h).
    let t = |way: i64| -> u64 {
        (0..plain.num_edges())
            .filter(|&e| plain.edge_way[e] == way && plain.edge_length_m[e] > 0.0)
            .map(|e| u64::from(plain.time_ms[0][0][e]))
            .min()
            .unwrap()
    };
    // Straight through the crossing: no join at an unsplit node.
    assert_eq!(fastest(&plain, Car, 2, 4), Some(t(10) + t(12)));
    // West to north the long way: to the east end, round, back, and north;
    // a join (1 ms) at each pass through the split crossing.
    let round = Some(t(10) + 2 * t(11).min(t(13)) + t(12) + 2);
    let straight = Some(t(10) + t(12) + 1);
    const NO_LEFT: &[(&str, &str)] = &[("type", "restriction"), ("restriction", "no_left_turn")];
    const SPARED: &[(&str, &str)] = &[
        ("type", "restriction"),
        ("restriction", "no_left_turn"),
        ("except", "motorcar"),
    ];
    const ONLY_AHEAD: &[(&str, &str)] =
        &[("type", "restriction"), ("restriction", "only_straight_on")];
    for (name, pbf, applied, car_west_north, car_west_east) in [
        (
            "no-left",
            restriction(NO_LEFT, 10, 12),
            1,
            round,
            Some(t(10) + t(11) + 1),
        ),
        (
            "spared",
            restriction(SPARED, 10, 12),
            0,
            Some(t(10) + t(12)),
            Some(t(10) + t(11)),
        ),
        (
            "only-ahead",
            restriction(ONLY_AHEAD, 10, 11),
            1,
            round,
            Some(t(10) + t(11) + 1),
        ),
    ] {
        let (g, stats) = import_bytes(&format!("turns-{name}.osm.pbf"), pbf).unwrap();
        assert_eq!(stats.turn_restrictions, applied, "{name}");
        // A restriction that spares cars is none for them.
        assert_eq!(stats.turn_restrictions_skipped, 0, "{name}");
        assert_eq!(
            fastest(&g, Car, 2, 4),
            car_west_north,
            "{name}: car west to north"
        );
        assert_eq!(
            fastest(&g, Car, 2, 3),
            car_west_east,
            "{name}: car west to east"
        );
        if applied == 1 {
            // The turn the other way round, and pedestrians, are free.
            assert_eq!(
                fastest(&g, Car, 4, 2),
                straight,
                "{name}: car north to west"
            );
            let walk = |way: i64| -> u64 {
                (0..plain.num_edges())
                    .filter(|&e| plain.edge_way[e] == way)
                    .map(|e| u64::from(plain.time_ms[1][0][e]))
                    .min()
                    .unwrap()
            };
            assert_eq!(
                fastest(&g, Foot, 2, 4),
                Some(walk(10) + walk(12) + 1),
                "{name}: pedestrians turn"
            );
        }
        g.validate().unwrap();
        RoadGraph::from_bytes(&g.to_bytes()).expect("every graph written can be read");
    }
    // A restriction via a way is counted and left out.
    let via_way: &[(&str, u64, i64)] = &[("from", 1, 10), ("via", 1, 11), ("to", 1, 12)];
    let (g, stats) = import_bytes(
        "turns-via-way.osm.pbf",
        extract_relations(&nodes, &[], &ways, &[(901, NO_LEFT, via_way)]),
    )
    .unwrap();
    assert_eq!(
        (stats.turn_restrictions, stats.turn_restrictions_skipped),
        (0, 1)
    );
    assert_eq!(fastest(&g, Car, 2, 4), Some(t(10) + t(12)));
}

/// Review: a closed way whose one cut is the barrier where it closes is one
/// edge from the barrier back to it; its two ends shared one copy, so a
/// car drove round through a gate without waiting, and through a bollard.
/// Each end has its own copy, joined as at any barrier.
#[test]
fn a_loop_closing_at_a_barrier_passes_it_as_any_way_does() {
    use corridor_graph::INFINITY;
    let nodes = [
        (31, 494_100_000, 86_900_000),
        (32, 494_102_000, 86_902_000),
        (33, 494_100_000, 86_904_000),
        (34, 494_098_000, 86_902_000),
    ];
    let ways: [(i64, &[i64]); 1] = [(30, &[31, 32, 33, 34, 31])];
    for (barrier, car_join) in [("gate", Some(60_000)), ("bollard", None)] {
        let pbf = extract_ways(&nodes, &[(31, "barrier", barrier)], &ways);
        let (g, _) = import_bytes(&format!("loop-{barrier}.osm.pbf"), pbf).unwrap();
        let road: Vec<usize> = (0..g.num_edges())
            .filter(|&e| g.edge_length_m[e] > 0.0)
            .collect();
        assert_eq!(road.len(), 1, "{barrier}");
        let (tail, head) = (g.edge_tail[road[0]], g.edge_head[road[0]]);
        assert_ne!(tail, head, "{barrier}: the loop's two ends share a node");
        let joins: Vec<u32> = (0..g.num_edges())
            .filter(|&e| g.edge_length_m[e] == 0.0)
            .filter(|&e| {
                let (a, b) = (g.edge_tail[e], g.edge_head[e]);
                (a, b) == (tail, head) || (a, b) == (head, tail)
            })
            .map(|e| g.time_ms[0][0][e])
            .filter(|&t| t < INFINITY)
            .collect();
        assert_eq!(joins.first().copied(), car_join, "{barrier}: {joins:?}");
    }
}
