//! corridor's integration tests: one binary, one module per area.
//! Fixtures: the real OSM extracts in `data/osm/` (ODbL, (c) OpenStreetMap
//! contributors) and small files written by the tests themselves.

mod cdp;
mod cli;
mod lite;
mod negotiation;
mod outbox;
mod parity;
mod publish;
mod server;

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the `corridor` binary with `args`.
pub fn corridor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corridor"))
        .args(args)
        .output()
        .expect("run corridor")
}

/// Path of a file under the repository's `data/`.
pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(rel)
}

/// A fresh scratch folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}
