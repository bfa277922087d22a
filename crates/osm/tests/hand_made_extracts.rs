//! issue 12: `corridor import` accepted an OSM node at latitude 95 and wrote
//! a graph that every later command refused. The extract here is written by
//! hand (a minimal PBF: uncompressed blobs, plain nodes), so the test needs
//! no tool and shows exactly what it feeds the importer.

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
    let header = Msg::default()
        .bytes(4, b"OsmSchema-V0.6")
        .bytes(4, b"DenseNodes")
        .take();
    let mut group = Msg::default();
    for &(id, lat, lon) in nodes {
        let node = Msg::default().sint(1, id).sint(8, lat).sint(9, lon).take();
        group.bytes(1, &node);
    }
    let mut prev = 0;
    let refs: Vec<u64> = nodes
        .iter()
        .map(|&(id, _, _)| {
            let d = id - prev;
            prev = id;
            ((d << 1) ^ (d >> 63)) as u64
        })
        .collect();
    let way = Msg::default()
        .int(1, 100)
        .packed(2, [1])
        .packed(3, [2])
        .packed(8, refs)
        .take();
    let ways = Msg::default().bytes(3, &way).take();
    let strings = Msg::default()
        .bytes(1, b"")
        .bytes(1, b"highway")
        .bytes(1, b"residential")
        .take();
    let block_data = Msg::default()
        .bytes(1, &strings)
        .bytes(2, &group.take())
        .bytes(2, &ways)
        .take();
    let mut out = block("OSMHeader", &header);
    out.extend(block("OSMData", &block_data));
    out
}

fn import(
    name: &str,
    nodes: &[(i64, i64, i64)],
) -> Result<(RoadGraph, corridor_osm::ImportStats), corridor_osm::ImportError> {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(name);
    std::fs::write(&path, extract(nodes)).unwrap();
    corridor_osm::import(&path, &mut |_: &'static str, _: u64, _: u64| {})
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
