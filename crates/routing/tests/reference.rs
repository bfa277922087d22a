//! The engine against the reference (plain Dijkstra, brute-force hazard
//! mapping) on random graphs with random hazards and departure times.

mod common;
use common::{graph, hazards, T0};
use corridor_geo::LatLon;
use corridor_graph::{Profile, RoadGraph, INFINITY};
use corridor_hazards::Effect;
use corridor_routing::{reference, Engine, HazardLayer, RouteError, RouteOptions, Router};
use proptest::prelude::*;

fn incident(g: &RoadGraph, e: u32, v: u32) -> bool {
    g.edge_tail[e as usize] == v || g.edge_head[e as usize] == v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Node to node: engine == reference for every pair tried.
    #[test]
    fn engine_equals_reference(
        n in 4usize..40,
        pts in prop::collection::vec((0.0..1.0f64, 0.0..1.0f64), 40),
        edges in prop::collection::vec((0usize..40, 0usize..40, 1u32..600_000, 0u8..3), 5..90),
        hz in prop::collection::vec((0.0..1.0f64, 0.0..1.0f64, 0.1..1.5f64, 0u8..3, -30i64..120, 1i64..90, 0u8..6), 0..5),
        depart_min in 0i64..60,
        queries in prop::collection::vec((0usize..40, 0usize..40), 8),
        foot in any::<bool>(),
    ) {
        let g = graph(n, &pts, &edges);
        let set = hazards(&hz);
        let hits = reference::edge_hazards(&g, &set);
        let router = Router::new(g.clone());
        let layer = HazardLayer::new(router.graph(), router.index(), set.clone());
        // The R-tree mapping equals the brute-force one.
        for e in 0..g.num_edges() as u32 {
            let mut a = layer.on_edge(e).to_vec();
            a.sort_unstable();
            prop_assert_eq!(&a, &hits[e as usize], "edge {}", e);
        }
        let opts = RouteOptions {
            profile: if foot { Profile::Foot } else { Profile::Car },
            depart_ms: T0 + depart_min * 60_000,
            margin_ms: 10 * 60_000,
            ..RouteOptions::default()
        };
        let empty = HazardLayer::empty(router.graph());
        for &(s, t) in &queries {
            let (s, t) = ((s % n) as u32, (t % n) as u32);
            let want = reference::node_to_node(&g, &set, &hits, s, t, &opts);
            let got = router.node_to_node(&layer, s, t, &opts);
            prop_assert_eq!(got, want, "{} -> {}", s, t);
            // Hazards never make a route faster.
            let free = router.node_to_node(&empty, s, t, &opts);
            if let (Some(a), Some(b)) = (got, free) {
                prop_assert!(a >= b);
            }
            if got.is_some() {
                prop_assert!(free.is_some());
            }
            // Point to point at node positions agrees when both points sit
            // exactly on the network, at places no other node shares.
            let unique = |v: u32| (0..n as u32).filter(|&u| g.node_pos(u) == g.node_pos(v)).count() == 1;
            if !unique(s) || !unique(t) {
                continue;
            }
            match router.route(&layer, g.node_pos(s), g.node_pos(t), &opts) {
                Ok(r) if r.origin.distance_m < 1e-6
                    && r.destination.distance_m < 1e-6
                    && incident(&g, r.origin.edge, s)
                    && incident(&g, r.destination.edge, t) =>
                {
                    prop_assert_eq!(Some(r.duration_ms as u32), want, "route {} -> {}", s, t);
                }
                Ok(_) => {}
                // The snapped roads may differ from the node's own (a node can
                // lie on another road), so only the message's content is checked.
                Err(RouteError::Cut { hazards }) => prop_assert!(!hazards.is_empty()),
                Err(_) => {}
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Times near the sentinel: edges of days and of nearly
    /// [`INFINITY`] ms, slowing hazards of up to 1000×. A total at or above
    /// the sentinel is no route, for both engines, node to node and point to
    /// point, as for the reference (which sums in 64 bits), and no route
    /// ever comes back taking the sentinel's time or more.
    #[test]
    fn times_near_the_sentinel(
        n in 2usize..8,
        pts in prop::collection::vec((0.0..1.0f64, 0.0..1.0f64), 8),
        edges in prop::collection::vec(
            (0usize..8, 0usize..8,
             prop_oneof![1u32..600_000, (INFINITY / 8)..(INFINITY / 2), (INFINITY - 10)..INFINITY],
             any::<bool>()),
            1..12),
        hz in prop::collection::vec((0.0..1.0f64, 0.0..1.0f64, 0.1..1.5f64, 0u8..3, -30i64..120, 1i64..90, 0u8..6), 0..4),
        thousandfold in any::<bool>(),
        queries in prop::collection::vec((0usize..8, 0usize..8), 4),
    ) {
        let mut b = RoadGraph::builder();
        for (i, (dy, dx)) in pts.iter().take(n).enumerate() {
            b.push_node(LatLon::new(50.44 + dy * 0.02, 30.50 + dx * 0.03), i as i64 + 1);
        }
        for &(a, c, w, two) in &edges {
            let back = if two { w } else { INFINITY };
            b.push_straight_edge((a % n) as u32, (c % n) as u32, [[w, back], [INFINITY, INFINITY]]);
        }
        b.validate().expect("valid test graph");
        let g = b;
        let mut set = hazards(&hz);
        for h in &mut set.hazards {
            if thousandfold && matches!(h.effect, Effect::Slow(_)) {
                h.effect = Effect::Slow(1000.0);
            }
        }
        let hits = reference::edge_hazards(&g, &set);
        let router = Router::new(g.clone());
        let layer = HazardLayer::new(router.graph(), router.index(), set.clone());
        let unique = |v: u32| (0..n as u32).filter(|&u| g.node_pos(u) == g.node_pos(v)).count() == 1;
        for engine in [Engine::Cch, Engine::Dijkstra] {
            let opts = RouteOptions { depart_ms: T0, engine, ..RouteOptions::default() };
            for &(s, t) in &queries {
                let (s, t) = ((s % n) as u32, (t % n) as u32);
                let want = reference::node_to_node(&g, &set, &hits, s, t, &opts);
                prop_assert_eq!(router.node_to_node(&layer, s, t, &opts), want, "{:?} {} -> {}", engine, s, t);
                if !unique(s) || !unique(t) {
                    continue;
                }
                if let Ok(r) = router.route(&layer, g.node_pos(s), g.node_pos(t), &opts) {
                    prop_assert!(r.duration_ms < INFINITY as u64, "{:?} {} -> {}: {} ms", engine, s, t, r.duration_ms);
                    if r.origin.distance_m < 1e-6
                        && r.destination.distance_m < 1e-6
                        && incident(&g, r.origin.edge, s)
                        && incident(&g, r.destination.edge, t)
                    {
                        prop_assert_eq!(Some(r.duration_ms as u32), want, "{:?} route {} -> {}", engine, s, t);
                    }
                }
            }
        }
    }
}

#[test]
fn time_rule_hazard_starting_after_the_edge_is_left_does_not_count() {
    // A straight road of two edges, 10 minutes each; a hazard on the second
    // edge from minute 40 on. With a 15-minute margin, the second edge is
    // entered at 10 and could be occupied until 10 + 10 + 15 = 35 < 40.
    let pts = [(0.0, 0.0), (0.0, 0.5), (0.0, 1.0)];
    let g = graph(3, &pts, &[(0, 1, 600_000, 0), (1, 2, 600_000, 0)]);
    let router = Router::new(g);
    let set = hazards(&[(0.0, 0.75, 0.5, 2, 40, 60, 1)]);
    let layer = HazardLayer::new(router.graph(), router.index(), set);
    let mut opts = RouteOptions {
        depart_ms: T0,
        margin_ms: 15 * 60_000,
        ..Default::default()
    };
    assert_eq!(router.node_to_node(&layer, 0, 2, &opts), Some(1_200_000));
    // Depart 6 minutes later: could be on it until 41 >= 40: blocked.
    opts.depart_ms = T0 + 6 * 60_000;
    assert_eq!(router.node_to_node(&layer, 0, 2, &opts), None);
    // A hazard that ended before the traveller could arrive does not count:
    // valid minutes 0..9 and the edge is entered at minute 10.
    let set = hazards(&[(0.0, 0.75, 0.5, 2, 0, 9, 1)]);
    let layer = HazardLayer::new(router.graph(), router.index(), set);
    opts.depart_ms = T0;
    assert_eq!(router.node_to_node(&layer, 0, 2, &opts), Some(1_200_000));
    // Until is exclusive: valid 0..10 ends exactly as the edge is entered.
    let set = hazards(&[(0.0, 0.75, 0.5, 2, 0, 10, 1)]);
    let layer = HazardLayer::new(router.graph(), router.index(), set);
    assert_eq!(router.node_to_node(&layer, 0, 2, &opts), Some(1_200_000));
    let set = hazards(&[(0.0, 0.75, 0.5, 2, 0, 11, 1)]);
    let layer = HazardLayer::new(router.graph(), router.index(), set);
    assert_eq!(router.node_to_node(&layer, 0, 2, &opts), None);
}

#[test]
fn disconnected_and_cut_are_told_apart() {
    // Two separate roads far apart, and a road cut by a hazard.
    let pts = [(0.0, 0.0), (0.0, 0.3), (1.0, 0.0), (1.0, 0.3)];
    let g = graph(4, &pts, &[(0, 1, 60_000, 0), (2, 3, 60_000, 0)]);
    let router = Router::new(g.clone());
    let empty = HazardLayer::empty(router.graph());
    let opts = RouteOptions {
        max_snap_m: 100_000.0,
        ..Default::default()
    };
    let err = router
        .route(&empty, g.node_pos(0), g.node_pos(3), &opts)
        .unwrap_err();
    assert!(matches!(err, RouteError::Disconnected { .. }), "{err}");
    // A point matched to an island (two nodes, beside a network of three):
    // the error says how far the main network is.
    let pts = [
        (0.0, 0.0),
        (0.0, 0.01),
        (0.0, 0.02),
        (1.0, 0.0),
        (1.0, 0.001),
    ];
    let g = graph(
        5,
        &pts,
        &[(0, 1, 60_000, 0), (1, 2, 60_000, 0), (3, 4, 60_000, 0)],
    );
    let router = Router::new(g.clone());
    let empty = HazardLayer::empty(router.graph());
    let err = router
        .route(
            &empty,
            g.node_pos(3),
            g.node_pos(2),
            &RouteOptions::default(),
        )
        .unwrap_err();
    match &err {
        RouteError::Disconnected { islands, .. } => {
            assert_eq!(islands.len(), 1, "{err}");
            let d = islands[0].main_m.unwrap();
            let want = corridor_geo::haversine_m(g.node_pos(3), g.node_pos(0));
            assert!((d - want).abs() < 1.0, "{err}: {want}");
        }
        _ => panic!("{err}"),
    }
    assert!(
        err.to_string()
            .contains("origin was matched to a road cut off from the main network, which is 2"),
        "{err}"
    );

    let pts = [(0.0, 0.0), (0.0, 0.5), (0.0, 1.0)];
    let g = graph(3, &pts, &[(0, 1, 600_000, 0), (1, 2, 600_000, 0)]);
    let router = Router::new(g.clone());
    let set = hazards(&[(0.0, 0.75, 0.3, 0, -1, 1, 1)]);
    let layer = HazardLayer::new(router.graph(), router.index(), set);
    let err = router.route(&layer, g.node_pos(0), g.node_pos(1), &opts);
    assert!(err.is_ok(), "the first edge is clear: {err:?}");
    // The destination's road is blocked and no other road is within 1 km.
    let err = router
        .route(
            &layer,
            g.node_pos(0),
            LatLon::new(50.44, 30.5 + 0.99 * 0.03),
            &RouteOptions::default(),
        )
        .unwrap_err();
    assert!(
        matches!(err, RouteError::InHazard { inside: false, .. }),
        "{err}"
    );
    // Routing to the far node itself: cut by the hazard, which is named.
    let err = router
        .route(
            &layer,
            g.node_pos(0),
            g.node_pos(2),
            &RouteOptions::default(),
        )
        .unwrap_err();
    assert!(
        matches!(err, RouteError::InHazard { .. } | RouteError::Cut { .. }),
        "{err}"
    );
}

/// A destination must be clear from departure until a day after: a
/// blocking hazard on its road that starts within the day refuses it, one
/// that starts later (say a report for next month) does not close it today.
#[test]
fn the_destination_is_clear_for_a_day_not_for_ever() {
    let pts = [(0.0, 0.0), (0.0, 0.5), (0.0, 1.0)];
    let g = graph(3, &pts, &[(0, 1, 600_000, 0), (1, 2, 600_000, 0)]);
    let router = Router::new(g);
    let day_min = corridor_routing::DESTINATION_CLEAR_MS / 60_000;
    let opts = RouteOptions {
        depart_ms: T0,
        ..Default::default()
    };
    // On the second road, long after the trip is over.
    let to = LatLon::new(50.44, 30.5 + 0.75 * 0.03);
    let from = LatLon::new(50.44, 30.5 + 0.1 * 0.03);
    for (start_min, refused) in [
        (60, true),
        (day_min - 1, true),
        (day_min + 1, false),
        (30 * day_min, false),
    ] {
        let set = hazards(&[(0.0, 0.75, 0.5, 2, start_min, 60, 1)]);
        let layer = HazardLayer::new(router.graph(), router.index(), set);
        let r = router.route(&layer, from, to, &opts);
        assert_eq!(
            matches!(r, Err(RouteError::InHazard { .. })),
            refused,
            "a hazard from minute {start_min}: {r:?}"
        );
        // Refused for a hazard not yet in force: the message says when
        // it starts, and why that reaches the destination.
        if let Err(e @ RouteError::InHazard { from_ms, .. }) = &r {
            assert_eq!(*from_ms, Some(T0 + start_min * 60_000));
            let start = chrono::DateTime::from_timestamp_millis(T0 + start_min * 60_000).unwrap();
            let text = e.to_string();
            assert!(
                text.contains(&format!(
                    "in force from {}",
                    start.format("%Y-%m-%dT%H:%M:%SZ")
                )) && text.contains("a day after departure"),
                "{text}"
            );
        }
    }
    // One in force at departure says nothing of a start.
    let set = hazards(&[(0.0, 0.75, 0.5, 2, -60, 600, 1)]);
    let layer = HazardLayer::new(router.graph(), router.index(), set);
    let e = router.route(&layer, from, to, &opts).unwrap_err();
    assert!(
        matches!(e, RouteError::InHazard { from_ms: None, .. }),
        "{e:?}"
    );
    assert!(!e.to_string().contains("in force from"), "{e}");
}
