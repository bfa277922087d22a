//! Stable-toolchain fuzzing of the hazard parser (see `fuzz/mutate.rs`):
//! any text gives `Ok` or an error, never a panic.

#[path = "../../../fuzz/mutate.rs"]
mod mutate;

#[test]
fn fuzz_hazards() {
    mutate::run("hazards", |input| {
        let _ = corridor_hazards::parse_geojson(&mutate::text(input));
    });
}
