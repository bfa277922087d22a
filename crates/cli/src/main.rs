//! The `corridor` command: thin glue over the library crates. Arguments are
//! parsed by clap, resolved into options, handed to the libraries, and the
//! results rendered for people (default) or machines (`--json`).

mod commands;
mod exit;
mod files;
mod negotiate;
mod output;
mod publisher;
mod serve;
mod simulate;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

const ABOUT: &str = "Plan, negotiate, publish and monitor humanitarian evacuation corridors.";

const LONG_ABOUT: &str = "\
Plan, negotiate, publish and monitor humanitarian evacuation corridors.

corridor turns an OpenStreetMap extract into a road graph, and finds the exact
fastest route between two points that avoids every hazard (shelling zones,
mines, destroyed bridges, closed checkpoints) active while the convoy is on
the road.

Start with the demo on the bundled Heidelberg extract:
    corridor demo

Or step by step:
    corridor import data/osm/heidelberg.osm.pbf -o heidelberg.graph
    corridor route --graph heidelberg.graph --from 49.4037,8.6760 \\
        --to 49.4225,8.6860 --hazards data/demo-hazards.geojson \\
        --depart 2022-03-05T10:00:00+01:00

Map data (c) OpenStreetMap contributors, ODbL.";

#[derive(Parser)]
#[command(name = "corridor", version, about = ABOUT, long_about = LONG_ABOUT, after_help = exit::TABLE)]
struct Cli {
    /// More log output on stderr (-v info, -vv debug); RUST_LOG also works.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import an OpenStreetMap .osm.pbf extract into a road graph file.
    #[command(after_help = exit::TABLE)]
    Import(commands::ImportArgs),
    /// Find the exact fastest route between two points, avoiding hazards.
    #[command(after_help = exit::TABLE)]
    Route(commands::RouteArgs),
    /// Run the demo on the bundled Heidelberg extract: import, then a route
    /// across the Neckar with sample hazards; writes a GeoJSON file.
    #[command(after_help = exit::TABLE)]
    Demo(commands::DemoArgs),
    /// Check every proposal of a scenario against every party's rules: a
    /// verdict per party, each broken rule with a code and a reason.
    #[command(after_help = exit::TABLE)]
    Evaluate(negotiate::EvaluateArgs),
    /// For one origin, find the fastest corridor to each destination that
    /// every belligerent accepts, with alternatives, and explain the rest.
    #[command(after_help = exit::TABLE)]
    Search(negotiate::SearchArgs),
    /// Make a party's ed25519 key pair (the secret to a file, the public key
    /// for the scenario file to standard output), or with --publisher the
    /// publisher's key and X.509 certificate that sign every CAP alert.
    #[command(after_help = exit::TABLE)]
    Keygen(negotiate::KeygenArgs),
    /// Act as a party on a corridor (propose, accept, reject, countersign,
    /// open, suspend, reopen, close, complete, cancel): checked against the
    /// lifecycle, signed, appended to the public log.
    #[command(after_help = exit::TABLE)]
    Act(negotiate::ActArgs),
    /// The public log: verify it offline, sign tree heads, print proofs.
    #[command(subcommand, after_help = exit::TABLE)]
    Log(negotiate::LogCommand),
    /// Write the public information of a scenario's corridors into a static
    /// folder: CAP 1.2 alerts (Ukrainian, Russian, English), an Atom feed,
    /// GeoJSON, SMS texts (the first form of each language's template that
    /// fits one segment; a warning with the count for any that does not)
    /// and cell broadcasts cut into 3GPP TS 23.041 pages, from the public
    /// log.
    #[command(after_help = exit::TABLE)]
    Publish(negotiate::PublishArgs),
    /// Serve a scenario: the coordination API, the public feeds and the web
    /// map (default: the bundled Heidelberg exercise, stored in SQLite).
    #[command(after_help = exit::TABLE)]
    Serve(serve::ServeArgs),
    /// Plan the evacuation: which vehicle carries whom on which corridor
    /// when, how many get out inside the windows, and what limits it.
    #[command(after_help = exit::TABLE)]
    Plan(negotiate::PlanArgs),
    /// Drive a simulated convoy along an open corridor and feed its GPS
    /// fixes (with noise, and a detour, a stop or a delay if asked) to a
    /// server as the convoy's tracker; prints the events it raises.
    #[command(after_help = exit::TABLE)]
    Simulate(simulate::SimulateArgs),
}

/// Where the bundled data lives: `./data` when run from the repository, else
/// next to the crate sources.
pub fn bundled(name: &str) -> PathBuf {
    let here = PathBuf::from("data").join(name);
    if here.exists() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
}

/// Restores the default action of SIGPIPE, which the Rust runtime ignores:
/// then `corridor … | head -1` ends quietly when `head` has read enough, as
/// every Unix filter does, instead of panicking in `println!` on the broken
/// pipe (issue 12). Not for `serve`, whose sockets must see EPIPE as an error.
#[cfg(unix)]
fn die_quietly_on_broken_pipe() {
    // From <signal.h>: the same on every Unix corridor builds for.
    const SIGPIPE: i32 = 13;
    const SIG_DFL: usize = 0;
    extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }
    // SAFETY: `signal` with SIG_DFL installs no Rust code as a handler; it
    // runs before any thread is started.
    unsafe {
        signal(SIGPIPE, SIG_DFL);
    }
}

#[cfg(not(unix))]
fn die_quietly_on_broken_pipe() {}

fn main() -> ExitCode {
    let parsed = Cli::try_parse();
    if !matches!(
        &parsed,
        Ok(Cli {
            command: Command::Serve(_),
            ..
        })
    ) {
        die_quietly_on_broken_pipe();
    }
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            });
        }
    };
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| {
        match cli.verbose {
            0 => "warn",
            1 => "info",
            _ => "debug",
        }
        .to_string()
    });
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        // Colours only on a terminal: a log redirected to a file stays text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let json = std::env::args_os().skip(1).any(|a| a == "--json");
    let result = match cli.command {
        Command::Import(a) => commands::import(a),
        Command::Route(a) => commands::route(a),
        Command::Demo(a) => commands::demo(a),
        Command::Evaluate(a) => negotiate::evaluate_cmd(a),
        Command::Search(a) => negotiate::search_cmd(a),
        Command::Keygen(a) => negotiate::keygen(a),
        Command::Act(a) => negotiate::act(a),
        Command::Log(c) => negotiate::log_cmd(c),
        Command::Publish(a) => negotiate::publish_cmd(a),
        Command::Plan(a) => negotiate::plan_cmd(a),
        Command::Serve(a) => serve::serve(a),
        Command::Simulate(a) => simulate::simulate_cmd(a),
    };
    match result {
        Ok(()) => ExitCode::from(exit::OK),
        Err(f) => {
            eprintln!("error: {:#}", f.error);
            // A machine that asked for JSON gets the failure as JSON too,
            // on standard output where it reads the answer.
            if json && !f.json_written {
                println!(
                    "{}",
                    serde_json::json!({"error": format!("{:#}", f.error), "exit_code": f.code})
                );
            }
            ExitCode::from(f.code)
        }
    }
}
