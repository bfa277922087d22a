//! The router on every shipped OpenStreetMap extract (`data/osm/`, (c)
//! OpenStreetMap contributors, ODbL): both engines against the plain
//! reference, with and without hazards, and every CCH phase.

mod cch;
mod extracts;

use std::path::PathBuf;

/// Path of a file under the repository's `data/`.
pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(rel)
}
