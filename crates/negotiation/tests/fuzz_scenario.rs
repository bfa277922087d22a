//! Stable-toolchain fuzzing of the scenario parser (see `fuzz/mutate.rs`):
//! any text gives `Ok` or errors, never a panic; a scenario that parses can
//! be planned (polylines) and evaluated without one.

#[path = "../../../fuzz/mutate.rs"]
mod mutate;

use corridor_negotiation::plan::plan;
use corridor_negotiation::{evaluate, Scenario};
use std::collections::HashMap;
use std::sync::Mutex;

#[test]
fn fuzz_scenario() {
    // Files the seeds refer to, relative to the example folders; read once.
    let cache: Mutex<HashMap<String, Result<String, String>>> = Mutex::default();
    let root = mutate::repo().join("examples");
    mutate::run("scenario", move |input| {
        let read = |rel: &str| -> Result<String, String> {
            cache
                .lock()
                .unwrap()
                .entry(rel.to_string())
                .or_insert_with(|| {
                    ["ukraine", "heidelberg"]
                        .iter()
                        .find_map(|d| std::fs::read_to_string(root.join(d).join(rel)).ok())
                        .ok_or_else(|| format!("no file {rel}"))
                })
                .clone()
        };
        if let Ok(scn) = Scenario::parse(&mutate::text(input), "scenario.toml", &read) {
            for spec in &scn.proposals {
                if let Ok(route) = plan(&scn, spec, None) {
                    let _ = evaluate(&scn, spec, &route, "fuzz").to_json(&scn);
                }
            }
        }
    });
}
