//! Negotiation subcommands, one module each: `evaluate`, `search`,
//! `keygen`, `act`, `log`, `publish`, `plan`; and what they share: loading
//! a scenario, its map, a key, and the ledger of a log file.

mod act;
mod evacuation;
mod keygen;
mod log;
mod publish;
mod search;
mod verdicts;

pub use act::{act, ActArgs};
pub use evacuation::{plan_cmd, PlanArgs};
pub use keygen::{keygen, KeygenArgs};
pub use log::{log_cmd, LogCommand};
pub use publish::{publish_cmd, PublishArgs};
pub use search::{search_cmd, SearchArgs};
pub use verdicts::{evaluate_cmd, EvaluateArgs};

use crate::commands::load_graph;
use crate::exit::{self, Failure};
use anyhow::anyhow;
use clap::{Args, Subcommand};
use corridor_graph::Profile;
use corridor_ledger::Ledger;
use corridor_log::{Log, SignedHead};
use corridor_negotiation::plan::{self, PlannedRoute, RouteSource};
use corridor_negotiation::scenario::{parse_time, ProposalSpec, Window};
use corridor_negotiation::search::{search, SearchOptions};
use corridor_negotiation::{evaluate, text, Evaluation, Scenario};
use corridor_routing::{HazardLayer, Router};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A text input (scenario, plan, heads), size-capped (`files.rs`).
fn read(path: &Path) -> Result<String, Failure> {
    crate::files::read_text(path, "file")
}

/// Loads a scenario, reading the files it names relative to its folder.
pub fn load_scenario(path: &Path) -> Result<Scenario, Failure> {
    let text = read(path)?;
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let reader = move |rel: &str| {
        let p = dir.join(rel);
        crate::files::read_text(&p, "file").map_err(|e| format!("{:#}", e.error))
    };
    let scn = Scenario::parse(&text, &path.display().to_string(), &reader)
        .map_err(|e| Failure::new(exit::BAD_SCENARIO, anyhow!("{e}")))?;
    // What the alerts would otherwise guess: a place with no name in a
    // language, a gathering point known only by its coordinates.
    for w in &scn.warnings {
        eprintln!("warning: {}:{}: {}", w.file, w.line, w.message);
    }
    Ok(scn)
}

/// The scenario's road graph, if it names one (a `.graph`, or an
/// `.osm.pbf` imported on the fly), ready for routing.
/// The road graph the scenario at `path` names as its `map` (an extract
/// imported on the fly, or a graph file), if it names one. A map that
/// cannot be read is a file error (3, or 4 when corrupt), as for
/// `corridor import` and `--graph`, named with the scenario that gives it.
pub(crate) fn load_map(path: &Path, scn: &Scenario) -> Result<Option<Router>, Failure> {
    let Some(map) = &scn.map else { return Ok(None) };
    let p = path.parent().unwrap_or(Path::new(".")).join(map);
    let in_scenario = |f: Failure| Failure {
        error: f.error.context(format!("{}: map `{map}`", path.display())),
        ..f
    };
    let g = if map.ends_with(".pbf") {
        crate::files::check(&p, "map", crate::files::EXTRACT_LIMIT).map_err(in_scenario)?;
        corridor_osm::import(&p, &mut |_, _, _| {})
            .map_err(|e| {
                let code = match e {
                    corridor_osm::ImportError::Io { .. } => exit::IO,
                    _ => exit::BAD_FILE,
                };
                in_scenario(Failure::new(code, e))
            })?
            .0
    } else {
        load_graph(&p).map_err(in_scenario)?
    };
    Ok(Some(Router::new(g)))
}

fn planned(
    scn: &Scenario,
    spec: &ProposalSpec,
    router: Option<&Router>,
    layer: Option<&HazardLayer>,
) -> Result<PlannedRoute, Failure> {
    plan::plan(scn, spec, router.zip(layer)).map_err(|e| {
        Failure::new(
            exit::NO_ROUTE,
            anyhow!("proposal `{}`: no route: {e}", spec.id),
        )
    })
}

fn route_line(scn: &Scenario, r: &PlannedRoute) -> String {
    let _ = scn;
    format!(
        "{} {}, {}{}",
        match r.source {
            RouteSource::Graph => "road route,",
            RouteSource::Polyline => "straight-line route (no road graph),",
        },
        text::km(r.distance_m),
        text::duration(r.duration_ms),
        if r.via.is_empty() {
            String::new()
        } else {
            format!(", via {}", r.via.join(" – "))
        }
    )
}

fn now_or(t: &str) -> Result<String, Failure> {
    if t == "now" {
        return Ok(chrono::Local::now()
            .fixed_offset()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false));
    }
    parse_time(t)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
        .map_err(|e| Failure::new(exit::BAD_VALUE, anyhow!("--time: {e}")))
}

/// A log's text; bytes that are not UTF-8 make it invalid (exit 13, with
/// the line), not unreadable.
fn read_log_text(path: &Path) -> Result<String, Failure> {
    let bytes = crate::files::read(path, "log", crate::files::TEXT_LIMIT)?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        Failure::new(
            exit::LOG_INVALID,
            anyhow!(
                "{}: line {line}: malformed: not UTF-8 text (byte {at})",
                path.display()
            ),
        )
    })
}

/// Reads a log and verifies it (lines, chain, signatures); refuses a log
/// with problems. An absent file is an empty log when `may_be_new` (the
/// first `act` starts the log), else unreadable (exit 3): a mistyped path
/// must not be signed or published as an empty record.
fn read_log(path: &Path, scn: &Scenario, may_be_new: bool) -> Result<Log, Failure> {
    // Absent, not merely unreadable: a dangling link or a folder that
    // cannot be searched is an error, never a fresh log.
    let absent = matches!(std::fs::symlink_metadata(path), Err(e) if e.kind() == std::io::ErrorKind::NotFound);
    let text = if may_be_new && absent {
        String::new()
    } else {
        read_log_text(path)?
    };
    let v = corridor_log::verify(&text, &|id| scn.party(id).map(|p| p.key));
    if !v.problems.is_empty() {
        let list: Vec<String> = v.problems.iter().map(|p| p.to_string()).collect();
        return Err(Failure::new(
            exit::LOG_INVALID,
            anyhow!(
                "{}: the log does not verify:\n{}",
                path.display(),
                list.join("\n")
            ),
        ));
    }
    Ok(v.log)
}

/// Reads, verifies and replays a log into its ledger; refuses a log with
/// any problem (exit 13, naming the entry). `may_be_new` as [`read_log`].
fn open_ledger(path: &Path, scn: &Scenario, may_be_new: bool) -> Result<(Log, Ledger), Failure> {
    let log = read_log(path, scn, may_be_new)?;
    let ledger = Ledger::replay(scn.clone(), &log).map_err(|(seq, e)| {
        Failure::new(
            exit::LOG_INVALID,
            anyhow!(
                "{}: line {}: {}: {e}",
                path.display(),
                seq + 1,
                e.rule.code()
            ),
        )
    })?;
    Ok((log, ledger))
}

/// Holds `<path>.lock` locked, exclusively, waiting while another command
/// holds it: a command reads, checks and rewrites a log or a heads file
/// only under it, so that two commands on one file at once neither lose
/// an entry nor tear the file. (A lock file beside it, since each write
/// replaces the file itself.) Unlocked when dropped.
fn lock_beside(path: &Path) -> Result<std::fs::File, Failure> {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let lock = PathBuf::from(name);
    let io =
        |e: std::io::Error| Failure::new(exit::IO, anyhow!("cannot lock {}: {e}", lock.display()));
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .map_err(io)?;
    f.lock().map_err(io)?;
    Ok(f)
}

/// Writes a whole file durably: a temporary file of this process's own,
/// fsync, rename, fsync of the directory (so that the rename survives a
/// power loss). Callers hold [`lock_beside`].
fn write_durably(path: &Path, text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(name);
    let io =
        |e: std::io::Error| Failure::new(exit::IO, anyhow!("cannot write {}: {e}", path.display()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    // On Unix the rename is durable once the directory is synced; Windows
    // cannot open a directory as a file (and makes the rename durable
    // itself).
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
    }
    Ok(())
}

fn load_key(
    path: &Path,
    scn: &Scenario,
    actor: &str,
) -> Result<ed25519_dalek::SigningKey, Failure> {
    let key = corridor_log::parse_secret_key(&read(path)?)
        .map_err(|e| Failure::new(exit::BAD_VALUE, anyhow!("{}: {e}", path.display())))?;
    let party = scn.party(actor).ok_or_else(|| {
        Failure::new(
            exit::REFUSED,
            anyhow!("`{actor}` is not a party of this scenario"),
        )
    })?;
    if key.verifying_key() != party.key {
        return Err(Failure::new(
            exit::REFUSED,
            anyhow!(
                "{} is not {actor}'s key: it does not match the public key in the scenario",
                path.display()
            ),
        ));
    }
    Ok(key)
}
