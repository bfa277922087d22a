//! Stable-toolchain fuzzing of the planning file (see `fuzz/mutate.rs`): any
//! text gives `Ok` or errors, never a panic; a plan that parses is planned,
//! checked, bounded and summarized without one.

#[path = "../../../fuzz/mutate.rs"]
mod mutate;

use corridor_evacuation::plan_file::{parse, Resolved};
use corridor_evacuation::{ccrp, check, exact, lower_bound, summarize};

#[test]
fn fuzz_plan() {
    mutate::run("plan", |input| {
        // 2022-03-05T09:00+02:00, twelve hours, three hours' drive.
        let resolve = |id: &str| -> Result<Resolved, String> {
            match id {
                "sumy-poltava" => {
                    Ok(("sumy".into(), "poltava".into(), 27_443_220, 27_443_940, 180))
                }
                _ => Err(format!("unknown proposal `{id}`")),
            }
        };
        let is_place = |id: &str| ["sumy", "poltava", "mariupol", "zaporizhzhia"].contains(&id);
        let Ok((_, p)) = parse(&mutate::text(input), "plan.toml", &resolve, &is_place) else {
            return;
        };
        // The planner is O(trips × vehicles × corridors): keep each input
        // to the fleets of real plans (the file allows up to 10,000).
        if p.vehicles.len() > 300 {
            return;
        }
        let s = ccrp::plan(&p);
        assert_eq!(
            check::check(&p, &s),
            Vec::<String>::new(),
            "the plan passes its checker"
        );
        let _ = lower_bound(&p);
        let _ = summarize(&p, &s);
        let _ = exact::max_trips(&p);
    });
}
