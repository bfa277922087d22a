//! The road network for a map, in tiles at the detail of each zoom level
//! (the XYZ scheme of web maps, Web Mercator), as GeoJSON: a 2G phone
//! fetches a few kilobytes of main roads around the corridor instead of the
//! whole network, and a country-sized graph serves the same way.
//!
//! Each car-usable edge gets a level from its speed (0 for motorways and
//! trunk roads, 1 for the main roads between towns, 2 for the streets that
//! carry through traffic, 3 for the rest); a tile at zoom `z` shows the
//! levels [`levels_at`] allows, each edge simplified (Douglas–Peucker) to
//! well under a pixel and with coordinates rounded to what a pixel can
//! show, and edges smaller than a pixel dropped. A tile over
//! [`MAX_TILE_BYTES`] loses its lowest level, then detail, until it fits:
//! no tile is ever larger.

use corridor_geo::{haversine_m, LatLon};
use corridor_graph::{Dir, Profile, RoadGraph, INFINITY};
use rstar::{RTree, RTreeObject, AABB};
use std::fmt::Write as _;

/// The largest tile, bytes of GeoJSON (before compression).
pub const MAX_TILE_BYTES: usize = 50_000;
/// The coarsest zoom served.
pub const MIN_ZOOM: u8 = 5;
/// The finest zoom served; a map zoomed further uses these tiles.
pub const MAX_ZOOM: u8 = 16;

/// Why a tile cannot be served.
#[derive(Debug, PartialEq, Eq)]
pub enum TileError {
    /// Zoom outside [`MIN_ZOOM`]..=[`MAX_ZOOM`].
    Zoom(u8),
    /// `x` or `y` outside the `2^z` tiles of the zoom.
    Index,
}

impl std::fmt::Display for TileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TileError::Zoom(z) => write!(
                f,
                "zoom {z} is not served (tiles exist for zoom {MIN_ZOOM} to {MAX_ZOOM})"
            ),
            TileError::Index => write!(f, "x and y must be below 2^zoom"),
        }
    }
}

/// The levels a tile at zoom `z` shows: 0 up to the given level.
pub fn levels_at(z: u8) -> u8 {
    match z {
        0..=8 => 0,
        9..=10 => 1,
        11..=13 => 2,
        _ => 3,
    }
}

/// Whether a map of the network draws edge `e` of `graph`, and if so its
/// car time the faster way: an edge a car may use in some direction, of
/// positive length (an edge of no length is a barrier's or a turn's
/// connector and draws nothing), once per road (`RoadGraph::canonical`). The one rule for every map of the network: the tiles
/// and [`network_geojson`].
pub fn drawn(graph: &RoadGraph, e: u32) -> Option<u32> {
    if !graph
        .edge_length_m
        .get(e as usize)
        .is_some_and(|&l| l > 0.0)
    {
        return None;
    }
    // A road split in two halves at a turn restriction is drawn once, by
    // its forward half, usable if either half is.
    if graph.canonical(e) != e {
        return None;
    }
    let t = graph.time(Profile::Car, e, Dir::Forward).min(graph.time(
        Profile::Car,
        graph.carrier(e, Dir::Backward),
        Dir::Backward,
    ));
    (t < INFINITY).then_some(t)
}

/// The whole drawn network as one GeoJSON feature collection: a single
/// `MultiLineString` of every edge [`drawn`] keeps, coordinates rounded to
/// 1e-5 degrees (about a metre), with the map data's attribution; an empty
/// collection for a graph with no drawn edge.
pub fn network_geojson(graph: &RoadGraph) -> String {
    let mut lines = String::new();
    for e in 0..graph.num_edges() as u32 {
        if drawn(graph, e).is_none() {
            continue;
        }
        lines.push(if lines.is_empty() { '[' } else { ',' });
        for (i, p) in graph.shape(e).enumerate() {
            lines.push(if i == 0 { '[' } else { ',' });
            let _ = write!(
                lines,
                "[{},{}]",
                (p.lon * 1e5).round() / 1e5,
                (p.lat * 1e5).round() / 1e5
            );
        }
        lines.push(']');
    }
    if lines.is_empty() {
        return r#"{"type":"FeatureCollection","features":[]}"#.to_string();
    }
    lines.push(']');
    format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","geometry":{{"type":"MultiLineString","coordinates":{lines}}},"properties":{{"attribution":"(c) OpenStreetMap contributors"}}}}]}}"#
    )
}

struct EdgeBox {
    edge: u32,
    env: AABB<[f64; 2]>,
}

impl RTreeObject for EdgeBox {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.env
    }
}

/// The network of one graph, indexed for tiles. It keeps no reference to
/// the graph: [`Tiles::tile`] takes the same graph again.
pub struct Tiles {
    index: RTree<EdgeBox>,
    level: Vec<u8>,
}

impl Tiles {
    /// Indexes the car-usable edges of `graph` (bulk-loaded R-tree).
    pub fn new(graph: &RoadGraph) -> Tiles {
        let mut level = vec![u8::MAX; graph.num_edges()];
        let mut boxes = Vec::new();
        for e in 0..graph.num_edges() as u32 {
            let Some(t) = drawn(graph, e) else {
                continue;
            };
            let pts: Vec<LatLon> = graph.shape(e).collect();
            let len: f64 = pts.windows(2).map(|w| haversine_m(w[0], w[1])).sum();
            let kmh = if t == 0 {
                0.0
            } else {
                len / (t as f64 / 1000.0) * 3.6
            };
            level[e as usize] = match kmh {
                s if s >= 75.0 => 0,
                s if s >= 55.0 => 1,
                s if s >= 35.0 => 2,
                _ => 3,
            };
            let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
            for p in &pts {
                lo = [lo[0].min(p.lon), lo[1].min(p.lat)];
                hi = [hi[0].max(p.lon), hi[1].max(p.lat)];
            }
            if !pts.is_empty() {
                boxes.push(EdgeBox {
                    edge: e,
                    env: AABB::from_corners(lo, hi),
                });
            }
        }
        Tiles {
            index: RTree::bulk_load(boxes),
            level,
        }
    }

    /// The tile `z/x/y` as a GeoJSON FeatureCollection: one MultiLineString
    /// per level, with `level` as a property, never over
    /// [`MAX_TILE_BYTES`].
    pub fn tile(&self, graph: &RoadGraph, z: u8, x: u32, y: u32) -> Result<String, TileError> {
        if self.level.len() != graph.num_edges() {
            // Another graph than the one indexed: nothing of it is known.
            return Err(TileError::Index);
        }
        if !(MIN_ZOOM..=MAX_ZOOM).contains(&z) {
            return Err(TileError::Zoom(z));
        }
        let n = 1u64 << z;
        let env = envelope(z, x, y).ok_or(TileError::Index)?;
        let mut edges: Vec<u32> = self
            .index
            .locate_in_envelope_intersecting(&env)
            .map(|b| b.edge)
            .collect();
        edges.sort_unstable();
        let mut top = levels_at(z);
        // Pixels: a tile is 256 of them.
        let scale = 256.0 * n as f64;
        let mut tolerance = 0.5;
        let mut min_extent = 0.0;
        loop {
            let body = self.render(graph, &edges, top, scale, tolerance, min_extent, z);
            if body.len() <= MAX_TILE_BYTES {
                return Ok(body);
            }
            if top > 0 {
                top -= 1;
            } else {
                tolerance *= 2.0;
                min_extent = (min_extent * 2.0).max(1.0);
            }
        }
    }

    /// Whether tile `z/x/y` holds any indexed road (an empty tile is cheap
    /// to make: a server need not keep it). False for a tile index outside
    /// the zoom's range.
    pub fn has_roads(&self, z: u8, x: u32, y: u32) -> bool {
        envelope(z, x, y).is_some_and(|env| {
            self.index
                .locate_in_envelope_intersecting(&env)
                .next()
                .is_some()
        })
    }

    // One private call site; the zoom's numbers read best side by side.
    #[allow(clippy::too_many_arguments)]
    fn render(
        &self,
        graph: &RoadGraph,
        edges: &[u32],
        top: u8,
        scale: f64,
        tolerance: f64,
        min_extent: f64,
        z: u8,
    ) -> String {
        // Decimals a pixel can tell apart at this zoom, and one more.
        let decimals = ((scale / 360.0).log10().ceil() as usize + 1).min(6);
        let mut out = String::from("{\"type\":\"FeatureCollection\",\"attribution\":\"(c) OpenStreetMap contributors\",\"zoom\":");
        let _ = write!(out, "{z},\"features\":[");
        let mut first_feature = true;
        for level in 0..=top {
            let mut lines = String::new();
            let level_edges: Vec<u32> = edges
                .iter()
                .copied()
                .filter(|&e| self.level[e as usize] == level)
                .collect();
            for chain in chains(graph, &level_edges) {
                let px: Vec<(f64, f64)> = chain
                    .iter()
                    .map(|&p| {
                        let (x, y) = project(p);
                        (x * scale, y * scale)
                    })
                    .collect();
                let (mut lo, mut hi) = ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN));
                for &(x, y) in &px {
                    lo = (lo.0.min(x), lo.1.min(y));
                    hi = (hi.0.max(x), hi.1.max(y));
                }
                if (hi.0 - lo.0).max(hi.1 - lo.1) < min_extent {
                    continue;
                }
                let kept = simplify(&px, tolerance);
                if !lines.is_empty() {
                    lines.push(',');
                }
                lines.push('[');
                for (i, &k) in kept.iter().enumerate() {
                    let (lon, lat) = unproject(px[k].0 / scale, px[k].1 / scale);
                    if i > 0 {
                        lines.push(',');
                    }
                    let _ = write!(lines, "[{lon:.decimals$},{lat:.decimals$}]");
                }
                lines.push(']');
            }
            if lines.is_empty() {
                continue;
            }
            if !first_feature {
                out.push(',');
            }
            first_feature = false;
            let _ = write!(
                out,
                "{{\"type\":\"Feature\",\"properties\":{{\"level\":{level}}},\"geometry\":{{\"type\":\"MultiLineString\",\"coordinates\":[{lines}]}}}}"
            );
        }
        out.push_str("]}");
        out
    }
}

/// The box (lon, lat) of tile `z/x/y`, or `None` for an index outside the
/// zoom's range.
fn envelope(z: u8, x: u32, y: u32) -> Option<AABB<[f64; 2]>> {
    let n = 1u64.checked_shl(u32::from(z))?;
    if u64::from(x) >= n || u64::from(y) >= n {
        return None;
    }
    let (west, north) = unproject(f64::from(x) / n as f64, f64::from(y) / n as f64);
    let (east, south) = unproject(
        (f64::from(x) + 1.0) / n as f64,
        (f64::from(y) + 1.0) / n as f64,
    );
    Some(AABB::from_corners([west, south], [east, north]))
}

/// The edges joined into the longest lines they form: through every point
/// where exactly two of them meet, so that a road split at each junction
/// is one line again (fewer bytes, and no gaps when small pieces would
/// vanish at a coarse zoom). Each edge is in exactly one line.
fn chains(graph: &RoadGraph, edges: &[u32]) -> Vec<Vec<LatLon>> {
    use std::collections::HashMap;
    let key = |p: LatLon| p.to_e7();
    let ends = |e: u32| {
        let mut s = graph.shape(e);
        let a = s.next();
        let b = s.next_back().or(a);
        (a, b)
    };
    // The edges at each end point.
    let mut at: HashMap<(i32, i32), Vec<usize>> = HashMap::new();
    for (i, &e) in edges.iter().enumerate() {
        if let (Some(a), Some(b)) = ends(e) {
            at.entry(key(a)).or_default().push(i);
            at.entry(key(b)).or_default().push(i);
        }
    }
    let mut used = vec![false; edges.len()];
    let mut out = Vec::new();
    // The next edge through a point where exactly two meet.
    let next = |p: LatLon, from: usize, used: &[bool]| -> Option<usize> {
        match at.get(&key(p)).map(|v| v.as_slice()) {
            Some([a, b]) => {
                let o = if *a == from { *b } else { *a };
                (!used[o] && o != from).then_some(o)
            }
            _ => None,
        }
    };
    for start in 0..edges.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let mut line: std::collections::VecDeque<LatLon> = graph.shape(edges[start]).collect();
        // Forwards from the last point, then backwards from the first.
        for forward in [true, false] {
            let mut cur = start;
            while let Some(&p) = if forward { line.back() } else { line.front() } {
                let Some(n) = next(p, cur, &used) else {
                    break;
                };
                used[n] = true;
                let mut pts: Vec<LatLon> = graph.shape(edges[n]).collect();
                // Oriented to continue from p.
                if pts.first().map(|&q| key(q)) != Some(key(p)) {
                    pts.reverse();
                }
                if forward {
                    line.extend(pts.into_iter().skip(1));
                } else {
                    for q in pts.into_iter().skip(1) {
                        line.push_front(q);
                    }
                }
                cur = n;
            }
        }
        out.push(line.into_iter().collect());
    }
    out
}

/// Web Mercator: longitude and latitude to the unit square (x east, y
/// south), latitude clamped to the square's ±85.0511°.
pub fn project(p: LatLon) -> (f64, f64) {
    let lat = p.lat.clamp(-85.051_128_78, 85.051_128_78).to_radians();
    let x = (p.lon + 180.0) / 360.0;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0;
    (x, y)
}

/// The inverse of [`project`]: (longitude, latitude).
pub fn unproject(x: f64, y: f64) -> (f64, f64) {
    let lon = x * 360.0 - 180.0;
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * y))
        .sinh()
        .atan()
        .to_degrees();
    (lon, lat)
}

/// Douglas–Peucker: the indices of the points kept, first and last always.
fn simplify(pts: &[(f64, f64)], tolerance: f64) -> Vec<usize> {
    if pts.len() <= 2 {
        return (0..pts.len()).collect();
    }
    let mut keep = vec![false; pts.len()];
    keep[0] = true;
    keep[pts.len() - 1] = true;
    let mut stack = vec![(0usize, pts.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        let mut worst = (0.0, 0usize);
        for i in a + 1..b {
            let d = corridor_geo::point_segment_distance(pts[i], pts[a], pts[b]).0;
            if d > worst.0 {
                worst = (d, i);
            }
        }
        if worst.0 > tolerance {
            keep[worst.1] = true;
            stack.push((a, worst.1));
            stack.push((worst.1, b));
        }
    }
    (0..pts.len()).filter(|&i| keep[i]).collect()
}

/// The tile at zoom `z` that contains `p`.
pub fn tile_of(p: LatLon, z: u8) -> (u32, u32) {
    let n = (1u64 << z) as f64;
    let (x, y) = project(p);
    let clamp = |v: f64| (v * n).floor().clamp(0.0, n - 1.0) as u32;
    (clamp(x), clamp(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mercator_round_trips_and_tiles_are_the_usual_ones() {
        for (lat, lon) in [(49.41, 8.69), (50.45, 30.52), (-33.9, 151.2), (0.0, 0.0)] {
            let (x, y) = project(LatLon::new(lat, lon));
            let (lo, la) = unproject(x, y);
            assert!((lo - lon).abs() < 1e-9 && (la - lat).abs() < 1e-9);
        }
        // Heidelberg's old town at zoom 12: x = (8.7092 + 180) / 360 · 4096,
        // y = (1 − ln(tan φ + sec φ) / π) / 2 · 4096 = 1399.7.
        assert_eq!(tile_of(LatLon::new(49.4106, 8.7092), 12), (2147, 1399));
    }

    #[test]
    fn edges_join_into_lines_through_points_where_two_meet() {
        // A path a–b–c–d and a spur at c: a–b–c is one line (b joins two),
        // c–d and the spur meet at c with a third: they stay apart.
        let mut g = RoadGraph::builder();
        let p = |i: f64| LatLon::new(49.0, 8.0 + i * 1e-3);
        let n: Vec<u32> = (0..4).map(|i| g.push_node(p(i as f64), i + 1)).collect();
        let s = g.push_node(LatLon::new(49.001, 8.002), 9);
        let t = [[1000u32; 2]; 2];
        let e = [
            g.push_straight_edge(n[1], n[0], t),
            g.push_straight_edge(n[1], n[2], t),
            g.push_straight_edge(n[2], n[3], t),
            g.push_straight_edge(n[2], s, t),
        ];
        let mut c = chains(&g, &e);
        c.sort_by_key(|l| std::cmp::Reverse(l.len()));
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].len(), 3, "{:?}", c[0]);
        let ends = [c[0][0].to_e7(), c[0][2].to_e7()];
        assert!(ends.contains(&p(0.0).to_e7()) && ends.contains(&p(2.0).to_e7()));
        assert_eq!(
            c.iter().map(|l| l.len() - 1).sum::<usize>(),
            4,
            "every edge once"
        );
    }

    /// a–b, then b' at b's place (a barrier's two copies joined by an edge
    /// of no length), then b'–c, and a footpath c–d: the graph, the point
    /// b and the edges in that order.
    fn street_through_a_barrier() -> (RoadGraph, LatLon, [u32; 4]) {
        let mut g = RoadGraph::builder();
        let b = LatLon::new(49.0, 8.001);
        let n = [
            g.push_node(LatLon::new(49.0, 8.0), 1),
            g.push_node(b, 2),
            g.push_node(b, 2),
            g.push_node(LatLon::new(49.0, 8.002), 3),
            g.push_node(LatLon::new(49.001, 8.002), 4),
        ];
        let t = [[1000u32; 2]; 2];
        let e = [
            g.push_straight_edge(n[0], n[1], t),
            g.push_straight_edge(n[1], n[2], [[1; 2]; 2]),
            g.push_straight_edge(n[2], n[3], t),
            g.push_straight_edge(n[3], n[4], [[INFINITY; 2], [1000; 2]]),
        ];
        (g, b, e)
    }

    #[test]
    fn an_edge_of_no_length_is_not_drawn() {
        // The tiles draw a–b–c: not the connector, not the footpath.
        let (g, b, e) = street_through_a_barrier();
        let tiles = Tiles::new(&g);
        let drawn: Vec<bool> = e
            .iter()
            .map(|&e| tiles.level[e as usize] != u8::MAX)
            .collect();
        assert_eq!(drawn, [true, false, true, false]);
        let (x, y) = tile_of(b, MAX_ZOOM);
        let body = tiles.tile(&g, MAX_ZOOM, x, y).unwrap();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let lines: usize = v["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["geometry"]["coordinates"].as_array().unwrap().len())
            .sum();
        // One line from a to c, joined through b: the copies share a place.
        assert_eq!(lines, 1, "{body}");
    }

    #[test]
    fn the_whole_network_draws_what_the_tiles_draw() {
        // The network is a–b and b'–c, valid GeoJSON.
        let (g, _, e) = street_through_a_barrier();
        let kept: Vec<bool> = e.iter().map(|&e| drawn(&g, e).is_some()).collect();
        assert_eq!(kept, [true, false, true, false]);
        assert_eq!(drawn(&g, 99), None, "an edge out of range");
        let text = network_geojson(&g);
        let fc = match text.parse::<geojson::GeoJson>().unwrap() {
            geojson::GeoJson::FeatureCollection(fc) => fc,
            other => panic!("not a feature collection: {other}"),
        };
        let f = &fc.features[0];
        assert_eq!(
            f.property("attribution").and_then(|v| v.as_str()),
            Some("(c) OpenStreetMap contributors")
        );
        match &f.geometry.as_ref().unwrap().value {
            geojson::Value::MultiLineString(lines) => assert_eq!(
                lines,
                &vec![
                    vec![vec![8.0, 49.0], vec![8.001, 49.0]],
                    vec![vec![8.001, 49.0], vec![8.002, 49.0]],
                ]
            ),
            other => panic!("{other:?}"),
        }
        let empty = RoadGraph::builder();
        let fc: geojson::FeatureCollection = network_geojson(&empty).parse().unwrap();
        assert!(fc.features.is_empty());
    }

    #[test]
    fn douglas_peucker_keeps_the_ends_and_the_corners() {
        let pts = [(0.0, 0.0), (1.0, 0.01), (2.0, 0.0), (2.0, 5.0)];
        assert_eq!(simplify(&pts, 0.5), vec![0, 2, 3]);
        assert_eq!(simplify(&pts[..2], 0.5), vec![0, 1]);
    }

    #[test]
    fn tiles_of_a_dense_grid_stay_under_the_cap_and_bad_indices_are_refused() {
        // 300 × 300 crossings about 100 m apart, every fifth street a
        // motorway: dense at every zoom.
        let (w, h) = (300usize, 300usize);
        let mut g = RoadGraph::builder();
        for y in 0..h {
            for x in 0..w {
                g.push_node(
                    LatLon::new(49.0 + y as f64 * 1e-3, 8.0 + x as f64 * 1.4e-3),
                    (y * w + x) as i64 + 1,
                );
            }
        }
        for y in 0..h {
            for x in 0..w {
                let a = (y * w + x) as u32;
                let ms = if y % 5 == 0 { 30.0 } else { 8.0 };
                let t = (100.0 / ms * 1000.0) as u32;
                if x + 1 < w {
                    g.push_straight_edge(a, a + 1, [[t; 2]; 2]);
                }
                if y + 1 < h {
                    g.push_straight_edge(a, a + w as u32, [[t; 2]; 2]);
                }
            }
        }
        let t = Tiles::new(&g);
        let (lo, _) = g.bbox().unwrap();
        for z in MIN_ZOOM..=MAX_ZOOM {
            let (x, y) = tile_of(lo, z);
            let body = t.tile(&g, z, x, y).unwrap();
            assert!(body.len() <= MAX_TILE_BYTES, "z{z}: {} bytes", body.len());
            assert!(body.starts_with("{\"type\":\"FeatureCollection\""));
        }
        assert_eq!(t.tile(&g, 4, 0, 0), Err(TileError::Zoom(4)));
        assert_eq!(t.tile(&g, 17, 0, 0), Err(TileError::Zoom(17)));
        assert_eq!(t.tile(&g, 5, 32, 0), Err(TileError::Index));
        assert_eq!(t.tile(&g, 5, 0, u32::MAX), Err(TileError::Index));
        // Roads where the grid is, none elsewhere, nor at an impossible
        // tile (a zoom past 63, the last index of zoom 32).
        for z in MIN_ZOOM..=MAX_ZOOM {
            let (x, y) = tile_of(lo, z);
            assert!(t.has_roads(z, x, y), "z{z}");
            assert_eq!(
                t.has_roads(z, 0, 0),
                t.tile(&g, z, 0, 0).unwrap().contains("Line")
            );
        }
        assert!(!t.has_roads(255, 0, 0));
        assert!(!t.has_roads(32, u32::MAX, u32::MAX));
        assert!(!t.has_roads(5, 32, 0));
    }
}
