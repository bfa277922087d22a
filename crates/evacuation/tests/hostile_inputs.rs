//! Hostile numbers in planning files (issue 12): each refused with
//! `plan.toml:LINE: reason`, and a `Problem` built by hand with such numbers
//! planned and checked without overflow or a huge allocation.

use corridor_evacuation::plan_file::{parse, Resolved};
use corridor_evacuation::{ccrp, check, exact, lower_bound, summarize};
use corridor_evacuation::{Corridor, Group, Problem, Vehicle};

const PLACES: [&str; 4] = ["sumy", "poltava", "mariupol", "zaporizhzhia"];
/// 2022-03-05T09:00+02:00 in minutes since the epoch.
const OPEN: i64 = 27_443_220;

fn example() -> String {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/ukraine/plan.toml"
    );
    std::fs::read_to_string(p).unwrap()
}

fn run(text: &str) -> Result<Problem, Vec<String>> {
    let resolve = |id: &str| -> Result<Resolved, String> {
        match id {
            "sumy-poltava" => Ok(("sumy".into(), "poltava".into(), OPEN, OPEN + 720, 180)),
            _ => Err(format!("unknown proposal `{id}`")),
        }
    };
    let is_place = |id: &str| PLACES.contains(&id);
    parse(text, "plan.toml", &resolve, &is_place).map(|(_, p)| p)
}

/// The example with the first line starting with `key` (after `skip` of
/// them) replaced by `key = value`; and that line's number.
fn with(key: &str, skip: usize, value: &str) -> (String, usize) {
    let text = example();
    let at = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with(&format!("{key} ")))
        .nth(skip)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("the example sets {key}"));
    let out: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == at {
                format!("{key} = {value}")
            } else {
                l.to_string()
            }
        })
        .collect();
    (out.join("\n"), at + 1)
}

// issue 12: `loading_minutes` = i64::MAX made the plan fail its own checker,
// a window ending in year 9999 made the planner allocate 11 GB, and a
// negative `min_spacing_minutes` was silently taken as 0.
#[test]
fn issue_12_plan_numbers_out_of_range_are_refused_with_their_line() {
    let p = run(&example()).expect("the example parses");
    assert!(check::check(&p, &ccrp::plan(&p)).is_empty());
    let max = i64::MAX.to_string();
    for (key, skip, value, needle) in [
        ("loading_minutes", 0, max.as_str(), "loading_minutes"),
        ("loading_minutes", 0, "-1", "loading_minutes"),
        ("unloading_minutes", 0, max.as_str(), "unloading_minutes"),
        ("min_spacing_minutes", 0, "-5", "min_spacing_minutes"),
        (
            "min_spacing_minutes",
            1,
            max.as_str(),
            "min_spacing_minutes",
        ),
        ("vehicles_per_hour", 0, "0", "vehicles_per_hour"),
        ("vehicles_per_hour", 1, "4000000000", "vehicles_per_hour"),
        ("duration_minutes", 0, max.as_str(), "duration_minutes"),
        ("duration_minutes", 0, "0", "duration_minutes"),
        ("window_end", 0, "\"9999-12-31T23:59:00+02:00\"", "7 days"),
        ("people", 0, "9223372036854775807", "people"),
        ("seats", 0, "0", "seats"),
        ("seats", 1, "4000000000", "seats"),
        ("count", 0, "4000000000", "vehicles in all"),
    ] {
        let (text, line) = with(key, skip, value);
        let errs = run(&text).expect_err(&format!("{key} = {value} must be refused"));
        let want = format!("plan.toml:{line}: ");
        assert!(
            errs.iter()
                .any(|e| e.starts_with(&want) && e.contains(needle)),
            "{key} = {value}: expected `{want}…{needle}…` in {errs:#?}"
        );
    }
    // The bounds themselves are fine.
    run(&with("loading_minutes", 0, "1440").0).expect("a day of loading");
    run(&with("vehicles_per_hour", 0, "60").0).expect("one a minute");
    run(&with("window_end", 0, "\"2022-03-12T09:00:00+02:00\"").0).expect("seven days");
}

/// One corridor, one bus, built by hand: no file checks the numbers.
fn problem(open: i64, close: i64, travel: i64, loading: i64, spacing: i64) -> Problem {
    Problem {
        corridors: vec![Corridor {
            id: "c".into(),
            origin: "a".into(),
            destination: "b".into(),
            open,
            close,
            travel,
            per_hour: Some(u32::MAX),
            min_spacing: spacing,
        }],
        groups: vec![Group {
            origin: "a".into(),
            destination: "b".into(),
            accessible: false,
            people: u64::MAX / 4,
        }],
        vehicles: vec![Vehicle {
            id: "bus".into(),
            seats: u32::MAX,
            accessible: false,
            start: "a".into(),
            ready: open,
        }],
        loading,
        unloading: loading,
    }
}

// issue 12, defence in depth: the planner, checker and exact solver saturate
// and bound their sizes whatever the numbers.
#[test]
fn issue_12_planner_and_checker_survive_numbers_beyond_the_limits() {
    let year_9999 = 253_402_300_740 / 60; // 9999-12-31T23:59Z in minutes
    for p in [
        problem(OPEN, year_9999, 60, 30, 0),
        problem(OPEN, OPEN + 600, 60, i64::MAX, 0),
        problem(OPEN, OPEN + 600, i64::MAX, 0, 0),
        problem(OPEN, i64::MAX, 1, 0, i64::MAX),
        problem(i64::MIN, i64::MAX, 1, i64::MAX, 0),
    ] {
        let s = ccrp::plan(&p);
        assert!(
            check::check(&p, &s).is_empty(),
            "the planner's schedule passes the checker: {:?}",
            check::check(&p, &s)
        );
        let _ = exact::max_trips(&p);
        let _ = lower_bound(&p);
        let _ = summarize(&p, &s);
    }
}

/// Review: a window starting at 09:00:59 planned a departure at 09:00, 59 s
/// before it opened; two groups whose numbered ids met (`bus` × 2 and
/// `bus-1`) were scheduled as one vehicle in two places; a syntax error
/// was reported as a missing `scenario`.
#[test]
fn starts_round_up_ids_are_unique_and_syntax_errors_name_their_line() {
    let (text, _) = with("window_start", 0, "\"2022-03-05T09:00:59+02:00\"");
    let p = run(&text).unwrap();
    let direct = p
        .corridors
        .iter()
        .find(|c| c.id == "mariupol-zaporizhzhia-direct")
        .unwrap();
    // 2022-03-05T09:00+02:00 in minutes, and one more.
    let nine = 1_646_463_600 / 60;
    assert_eq!(direct.open, nine + 1);
    let s = ccrp::plan(&p);
    assert!(check::check(&p, &s).is_empty());
    assert!(s
        .legs
        .iter()
        .filter(|l| l.corridor == 1)
        .all(|l| l.depart > nine));

    let mut dup = example();
    dup.push_str("\n[[vehicles]]\nid = \"sumy-bus-1\"\ncount = 1\nseats = 10\nstart = \"sumy\"\n");
    let errs = run(&dup).unwrap_err();
    assert!(
        errs.iter()
            .any(|e| e.contains("two vehicles are called `sumy-bus-1`")),
        "{errs:?}"
    );

    let broken = "scenario = \"scenario.toml\"\npeople = 5[[demand]]\n";
    let e = corridor_evacuation::plan_file::scenario_path(broken, "t.toml").unwrap_err();
    assert!(e.starts_with("t.toml:2: "), "{e}");
    assert_eq!(
        corridor_evacuation::plan_file::scenario_path("scenario = \"s.toml\"\n", "t.toml"),
        Ok("s.toml".to_string())
    );
    assert!(
        corridor_evacuation::plan_file::scenario_path("x = 1\n", "t.toml")
            .unwrap_err()
            .contains("no `scenario")
    );
}
