//! The search against brute force: on small random road graphs with a
//! forbidden territory, a blocking hazard, a window and a trip limit, the
//! fastest corridor `search` finds equals the fastest of all simple paths
//! that `evaluate` accepts for every belligerent — or neither exists.

use chrono::DateTime;
use corridor_geo::LatLon;
use corridor_graph::{Profile, RoadGraph, INFINITY};
use corridor_hazards::{Effect, Hazard, HazardKind, HazardSet, Part, Validity};
use corridor_negotiation::evaluate;
use corridor_negotiation::plan::{PlannedRoute, RouteSource};
use corridor_negotiation::scenario::{
    Constraints, NoGraph, Party, Place, ProposalSpec, Role, Scenario, Status, Window,
};
use corridor_negotiation::search::{search, SearchOptions};
use corridor_negotiation::territory::Territory;
use corridor_routing::Router;
use ed25519_dalek::SigningKey;
use proptest::prelude::*;

const W: usize = 4;
const H: usize = 3;

fn pos(i: usize) -> (f64, f64) {
    // lat, lon: a 4 × 3 grid, about 700 m apart, near Kyiv.
    (
        50.40 + (i / W) as f64 * 0.0063,
        30.50 + (i % W) as f64 * 0.0099,
    )
}

fn graph(edges: &[(usize, usize, u32, bool)]) -> RoadGraph {
    let mut g = RoadGraph::builder();
    for i in 0..W * H {
        g.push_node(LatLon::new(pos(i).0, pos(i).1), i as i64 + 1);
    }
    for &(a, b, w, oneway) in edges {
        let back = if oneway { INFINITY } else { w };
        g.push_straight_edge(a as u32, b as u32, [[w, back], [w * 8, w * 8]]);
    }
    g.validate().expect("valid");
    g
}

fn rect(lat0: f64, lon0: f64, lat1: f64, lon1: f64) -> Vec<Vec<(f64, f64)>> {
    vec![vec![
        (lon0, lat0),
        (lon1, lat0),
        (lon1, lat1),
        (lon0, lat1),
        (lon0, lat0),
    ]]
}

fn party(id: &str, seed: u8, c: Constraints) -> Party {
    Party {
        id: id.into(),
        name: id.into(),
        role: Role::Belligerent,
        key: SigningKey::from_bytes(&[seed; 32]).verifying_key(),
        constraints: c,
    }
}

/// Every simple path from `s` to `t` over the car arcs, with its nodes and time.
fn simple_paths(g: &RoadGraph, s: usize, t: usize) -> Vec<(Vec<usize>, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![(vec![s], 0u64)];
    while let Some((path, cost)) = stack.pop() {
        let v = *path.last().expect("non-empty");
        if v == t {
            out.push((path, cost));
            continue;
        }
        for e in 0..g.num_edges() {
            let (a, b) = (g.edge_tail[e] as usize, g.edge_head[e] as usize);
            for (from, to, w) in [(a, b, g.time_ms[0][0][e]), (b, a, g.time_ms[0][1][e])] {
                if from == v && w < INFINITY && !path.contains(&to) {
                    let mut p = path.clone();
                    p.push(to);
                    stack.push((p, cost + w as u64));
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn search_finds_the_fastest_acceptable_corridor(
        weights in prop::collection::vec((30_000u32..400_000, 0u8..6), 17),
        terr in (0usize..12, 0.3..0.9f64),
        hz in (0usize..12, 0.2..0.6f64, any::<bool>()),
        window_min in 10i64..60,
        max_trip_min in prop::option::of(5u64..40),
        s in 0usize..12,
        t in 0usize..12,
    ) {
        prop_assume!(s != t);
        // The grid's 17 edges: horizontal then vertical neighbours.
        let mut pairs = Vec::new();
        for i in 0..W * H {
            if i % W + 1 < W { pairs.push((i, i + 1)); }
            if i + W < W * H { pairs.push((i, i + W)); }
        }
        let edges: Vec<_> = pairs.iter().zip(&weights).map(|(&(a, b), &(w, k))| (a, b, w, k == 0)).collect();
        let g = graph(&edges);
        // A forbidden territory around one node, a hazard around another.
        let (tla, tlo) = pos(terr.0);
        let d = 0.004 * terr.1;
        let territory = Territory::from_polygons("zone", "the zone", vec![rect(tla - d, tlo - d * 1.5, tla + d, tlo + d * 1.5)]);
        let (hla, hlo) = pos(hz.0);
        let e = 0.003 * hz.1;
        let hazards = if hz.2 {
            vec![Hazard {
                id: "h".into(), kind: HazardKind::Shelling,
                parts: vec![Part::Polygon(rect(hla - e, hlo - e, hla + e, hlo + e))],
                buffer_m: 0.0, validity: Validity::ALWAYS, effect: Effect::Block, source: "test".into(),
            }]
        } else { Vec::new() };
        let start = DateTime::parse_from_rfc3339("2022-03-05T10:00:00+02:00").unwrap();
        let window = Window { start, end: start + chrono::Duration::minutes(window_min) };
        let place = |id: &str, i: usize| Place { id: id.into(), name: id.into(), at: LatLon::new(pos(i).0, pos(i).1), people: 10, capacity: None, names: vec![], name_uk: None, name_ru: None, name_en: None, gathering: Default::default() };
        let scn = Scenario {
            name: "brute".into(), status: Status::Test, tz: chrono_tz::Europe::Kyiv, map: None,
            no_graph: NoGraph { detour_factor: 1.3, speed_kmh: 40.0 },
            transit_tolerance_m: 0.0,
            max_snap_m: 300.0,
            convoy_checks: Default::default(),
            territories: vec![territory],
            parties: vec![
                party("a", 1, Constraints { forbidden_transit: vec!["zone".into()], ..Default::default() }),
                party("b", 2, Constraints { max_trip_ms: max_trip_min.map(|m| m * 60_000), ..Default::default() }),
            ],
            origins: vec![place("o", s)],
            destinations: vec![place("d", t)],
            hazards: HazardSet { hazards },
            proposals: Vec::new(),
            gazetteer: Default::default(),
            warnings: Vec::new(),
        };
        // Brute force: every simple path, evaluated.
        let spec = ProposalSpec { id: "x".into(), origin: "o".into(), destination: "d".into(), window, profile: Profile::Car, via: vec![], route: vec![] };
        let mut best: Option<u64> = None;
        for (nodes, cost) in simple_paths(&g, s, t) {
            let geometry: Vec<LatLon> = nodes.iter().map(|&i| LatLon::new(pos(i).0, pos(i).1)).collect();
            let route = PlannedRoute { source: RouteSource::Graph, distance_m: 0.0, duration_ms: cost, via: vec![], edges: vec![], geometry: geometry.clone() };
            let ev = evaluate(&scn, &spec, &route, "v");
            if ev.agreed() && best.is_none_or(|b| cost < b) {
                best = Some(cost);
            }
        }
        let router = Router::new(g.clone());
        let opts = SearchOptions { profile: Profile::Car, window, alternatives: 0, max_shared: 0.5, destination: None };
        let res = search(&scn, "o", &opts, Some(&router)).unwrap();
        let found = res[0].options.first().map(|c| c.route.duration_ms);
        prop_assert_eq!(found, best, "search {:?} vs brute force {:?}; blocked by {:?}", found, best, res[0].blocked_by);
        if found.is_none() {
            prop_assert!(!res[0].blocked_by.is_empty(), "no corridor must come with a reason");
        }
    }
}

#[test]
fn alternatives_are_acceptable_and_distinct() {
    // A 4 × 3 grid of equal roads: many routes corner to corner.
    let mut edges = Vec::new();
    for i in 0..W * H {
        if i % W + 1 < W {
            edges.push((i, i + 1, 60_000, false));
        }
        if i + W < W * H {
            edges.push((i, i + W, 60_000, false));
        }
    }
    let g = graph(&edges);
    let start = DateTime::parse_from_rfc3339("2022-03-05T10:00:00+02:00").unwrap();
    let window = Window {
        start,
        end: start + chrono::Duration::hours(2),
    };
    let place = |id: &str, i: usize| Place {
        id: id.into(),
        name: id.into(),
        at: LatLon::new(pos(i).0, pos(i).1),
        people: 10,
        capacity: None,
        names: vec![],
        name_uk: None,
        name_ru: None,
        name_en: None,
        gathering: Default::default(),
    };
    let scn = Scenario {
        name: "alt".into(),
        status: Status::Test,
        tz: chrono_tz::Europe::Kyiv,
        map: None,
        no_graph: NoGraph {
            detour_factor: 1.3,
            speed_kmh: 40.0,
        },
        transit_tolerance_m: 0.0,
        max_snap_m: 300.0,
        convoy_checks: Default::default(),
        territories: vec![],
        parties: vec![party("a", 1, Constraints::default())],
        origins: vec![place("o", 0)],
        destinations: vec![place("d", W * H - 1)],
        hazards: HazardSet::default(),
        proposals: Vec::new(),
        gazetteer: Default::default(),
        warnings: Vec::new(),
    };
    let router = Router::new(g.clone());
    let opts = SearchOptions {
        profile: Profile::Car,
        window,
        alternatives: 2,
        max_shared: 0.5,
        destination: None,
    };
    let res = search(&scn, "o", &opts, Some(&router)).unwrap();
    let opts_found = &res[0].options;
    assert!(opts_found.len() >= 2, "{:?}", res[0].blocked_by);
    // The first is the fastest: 5 roads of a minute.
    assert_eq!(opts_found[0].route.duration_ms, 5 * 60_000);
    for (i, a) in opts_found.iter().enumerate() {
        assert!(a.evaluation.agreed());
        for b in &opts_found[..i] {
            let shared: f64 = a
                .route
                .edges
                .iter()
                .filter(|e| b.route.edges.contains(e))
                .map(|&e| g.edge_length_m[e as usize])
                .sum();
            assert!(
                shared <= 0.5 * a.route.distance_m + 1.0,
                "alternative {i} shares {shared} m of {}",
                a.route.distance_m
            );
        }
    }
}
