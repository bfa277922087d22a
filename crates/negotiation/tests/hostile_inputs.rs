//! Hostile numbers in scenario files (issue 12): refused by `Scenario::parse`
//! with the file, the line and the reason, and harmless to the arithmetic
//! behind it even when a caller builds a `Scenario` by hand.

use corridor_negotiation::evaluate;
use corridor_negotiation::plan::plan;
use corridor_negotiation::Scenario;
use std::path::PathBuf;

fn example_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/ukraine")
}

fn parse(text: &str) -> Result<Scenario, corridor_negotiation::ScenarioErrors> {
    let dir = example_dir();
    let read = move |rel: &str| std::fs::read_to_string(dir.join(rel)).map_err(|e| e.to_string());
    Scenario::parse(text, "scenario.toml", &read)
}

fn example_text() -> String {
    std::fs::read_to_string(example_dir().join("scenario.toml")).unwrap()
}

/// The example with the line setting `key` replaced by `key = value`.
fn with(key: &str, value: &str) -> String {
    let text = example_text();
    let mut found = false;
    let out: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with(&format!("{key} ")) {
                found = true;
                format!("{key} = {value}")
            } else {
                l.to_string()
            }
        })
        .collect();
    assert!(found, "the example sets {key}");
    out.join("\n")
}

fn line_of(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(&format!("{key} ")))
        .unwrap()
        + 1
}

// issue 12: `speed_kmh = 0.0000001` was accepted, then timed a trip at
// centuries and panicked in `evaluate`.
#[test]
fn issue_12_scenario_numbers_out_of_range_are_refused_with_their_line() {
    parse(&example_text()).expect("the example parses");
    for (key, value) in [
        ("speed_kmh", "0.0000001"),
        ("speed_kmh", "0"),
        ("speed_kmh", "-40"),
        ("speed_kmh", "1e308"),
        ("speed_kmh", "nan"),
        ("speed_kmh", "inf"),
        ("detour_factor", "0.5"),
        ("detour_factor", "1e9"),
        ("transit_tolerance_m", "-1"),
        ("transit_tolerance_m", "1e300"),
    ] {
        let text = with(key, value);
        let errs = parse(&text).expect_err(&format!("{key} = {value} must be refused"));
        let e = errs
            .0
            .iter()
            .find(|e| e.message.contains(key))
            .unwrap_or_else(|| panic!("{key} = {value}: {errs}"));
        assert_eq!(e.file, "scenario.toml");
        assert_eq!(e.line, line_of(&text, key), "{key} = {value}: {e:?}");
        assert!(e.message.contains("out of range"), "{}", e.message);
    }
    // Keys the example leaves to their defaults.
    for (extra, key) in [
        ("max_snap_m = 1e12\n", "max_snap_m"),
        ("max_snap_m = 0\n", "max_snap_m"),
    ] {
        let text = format!("{extra}{}", example_text());
        let errs = parse(&text).expect_err(extra);
        let e = errs.0.iter().find(|e| e.message.contains(key)).unwrap();
        assert_eq!(e.line, 1, "{e:?}");
    }
    let text = example_text().replace("radius_m = 3000", "radius_m = -5");
    let errs = parse(&text).expect_err("a negative checkpoint radius");
    assert!(
        errs.0.iter().any(|e| e.message.contains("radius_m")),
        "{errs}"
    );
    // In range still parses: the bounds are inclusive.
    parse(&with("speed_kmh", "200")).expect("200 km/h");
    parse(&with("speed_kmh", "1")).expect("1 km/h");
}

// issue 12, defence in depth: a `Scenario` built by hand with an absurd
// speed still evaluates without panicking (saturating times).
#[test]
fn issue_12_absurd_speed_built_by_hand_does_not_panic_evaluate() {
    let mut scn = parse(&example_text()).unwrap();
    for speed in [1e-7, 1e-300, f64::MIN_POSITIVE, 0.0, f64::NAN] {
        scn.no_graph.speed_kmh = speed;
        for spec in scn.proposals.clone() {
            let route = plan(&scn, &spec, None).unwrap();
            let ev = evaluate::evaluate(&scn, &spec, &route, "v");
            let _ = ev.to_json(&scn);
            if speed > 0.0 && speed < 1e-6 {
                assert!(
                    ev.verdicts.iter().all(|v| !v.accept),
                    "a trip of centuries fits no window"
                );
            }
        }
    }
}

// issue 12: `corridor search --alternatives 1000000` ran past a minute; the
// library refuses more than it will ever search, whatever the caller.
#[test]
fn issue_12_search_bounds_alternatives() {
    use corridor_graph::Profile;
    use corridor_negotiation::search::{search, SearchOptions, MAX_ALTERNATIVES};
    let scn = parse(&example_text()).unwrap();
    let origin = scn.proposals[0].origin.clone();
    let opts = |alternatives, max_shared| SearchOptions {
        profile: Profile::Car,
        window: scn.proposals[0].window,
        alternatives,
        max_shared,
        destination: None,
    };
    for n in [MAX_ALTERNATIVES + 1, 1_000_000, usize::MAX] {
        let e = search(&scn, &origin, &opts(n, 0.5), None).unwrap_err();
        assert!(e.contains("alternatives"), "{e}");
    }
    for shared in [f64::NAN, -0.1, 1.5] {
        assert!(search(&scn, &origin, &opts(2, shared), None).is_err());
    }
    search(&scn, &origin, &opts(MAX_ALTERNATIVES, 0.5), None).expect("the bound itself is fine");
}
