//! `corridor serve`: the coordination server on a scenario.

use crate::exit::{self, Failure};
use crate::negotiate::load_scenario;
use anyhow::anyhow;
use clap::Args;
use corridor_server::store::{Sqlite, Store};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Args)]
pub struct ServeArgs {
    /// Scenario file (default: the bundled Heidelberg exercise).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Folder for the database and the demo credentials.
    #[arg(long, value_name = "DIR", default_value = "corridor-data")]
    pub data: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Reads (GET) per minute allowed from one client address, whether
    /// answered from memory (the public files and pages) or not; an IPv6
    /// address counts by its /64. Over it: 429. Searches and plans have a
    /// budget of their own (30 a minute); writes are limited per party.
    #[arg(long, allow_negative_numbers = true, default_value_t = corridor_server::READS_PER_MINUTE)]
    pub reads_per_minute: u32,
    /// Connections one client address may hold open at once (an IPv6
    /// address counts by its /64); more are closed as soon as they are
    /// accepted. Behind a reverse proxy on the same machine every client
    /// is the proxy's address: raise it, or give 0 for no limit, and let
    /// the proxy bound its clients.
    #[arg(long, allow_negative_numbers = true, value_name = "N", default_value_t = corridor_server::front::CONNECTIONS_PER_ADDRESS)]
    pub connections_per_address: u32,
    /// Connections held open at once in all; more are closed as soon as
    /// they are accepted (default: the open-file limit, which serve raises
    /// to its hard limit, less 256 descriptors kept for the store, the
    /// published files and the alert delivery).
    #[arg(long, value_name = "N")]
    pub max_connections: Option<u32>,
    /// PostgreSQL instead of the embedded SQLite, for a shared deployment
    /// of several servers: postgres://USER:PASSWORD@HOST/DB.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// How long convoys' reported positions are kept (in memory only, for
    /// the parties), hours; older ones are deleted. Events keep a position
    /// rounded to about a kilometre.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "HOURS",
        default_value_t = 24.0
    )]
    pub position_retention_hours: f64,
    /// Folder of the parties' secret keys, PARTY.key (default: keys/ next to
    /// the scenario). The server signs each party's actions with its key. A
    /// party without a key file cannot act through the server (a warning);
    /// a key file that cannot be read, or is not a regular file, stops it.
    #[arg(long, value_name = "DIR")]
    pub keys: Option<PathBuf>,
    /// Folder of the publisher's key and certificate that sign every CAP
    /// alert (default: DATA/publisher, made there on first start; or make
    /// one with `corridor keygen --publisher DIR`).
    #[arg(long, value_name = "DIR")]
    pub publisher: Option<PathBuf>,
    /// Alert delivery: the wait after a subscriber's first failure, in
    /// seconds (fractions allowed); it doubles after each further failure,
    /// up to --delivery-backoff-max. Subscribers are registered by the
    /// mediator with POST /api/subscribers.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "SECONDS",
        default_value_t = 10.0
    )]
    pub delivery_backoff: f64,
    /// Alert delivery: the longest wait between two attempts, in seconds.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "SECONDS",
        default_value_t = 3600.0
    )]
    pub delivery_backoff_max: f64,
    /// Alert delivery: how long one POST to a subscriber may take
    /// (connect, send, answer) before it counts as failed, in seconds.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "SECONDS",
        default_value_t = 10.0
    )]
    pub delivery_timeout: f64,
    /// Alert delivery: POSTs in flight at once.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "N",
        default_value_t = 4
    )]
    pub delivery_concurrency: usize,
    /// Alert delivery: most alerts kept waiting for one subscriber; beyond
    /// it the oldest are given up (counted as "dropped" in GET
    /// /api/subscribers; every alert stays in the public feeds).
    #[arg(long, allow_negative_numbers = true, value_name = "N", default_value_t = corridor_server::delivery::DEFAULT_MAX_PENDING)]
    pub delivery_max_pending: usize,
}

/// A positive, finite number of seconds from an option.
fn seconds(option: &str, v: f64) -> Result<std::time::Duration, Failure> {
    if !(v.is_finite() && v > 0.0 && v <= 7.0 * 86_400.0) {
        return Err(Failure::new(
            exit::BAD_VALUE,
            anyhow!("{option}: {v} is not a number of seconds above 0 and at most a week"),
        ));
    }
    Ok(std::time::Duration::from_secs_f64(v))
}

fn example(rel: &str) -> PathBuf {
    let here = PathBuf::from("examples").join(rel);
    if here.exists() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(rel)
}

pub fn serve(a: ServeArgs) -> Result<(), Failure> {
    // Every option is checked before anything is read, and every file
    // given before anything is written.
    check_addr(&a.addr)?;
    let delivery = delivery_settings(&a)?;
    if !(a.position_retention_hours > 0.0 && a.position_retention_hours <= 24.0 * 30.0) {
        return Err(Failure::new(
            exit::BAD_VALUE,
            anyhow!("--position-retention-hours: more than 0, at most 720 (30 days)"),
        ));
    }
    let scn_path = a
        .scenario
        .clone()
        .unwrap_or_else(|| example("heidelberg/scenario.toml"));
    let scenario = load_scenario(&scn_path)?;
    let router = crate::negotiate::load_map(&scn_path, &scenario)?;
    let keys = load_keys(&scenario, &a, &scn_path)?;
    // A publisher's key given is read before anything is written.
    let given = match &a.publisher {
        Some(dir) => Some(crate::publisher::load(dir)?),
        None => None,
    };
    let (store, db_desc) = open_store(&a)?;
    let creds = demo_credentials(&scenario, &keys, store.as_ref())?;
    let cred_file = a.data.join("credentials.txt");
    write_credentials(&cred_file, &creds)?;
    let publisher_dir = a
        .publisher
        .clone()
        .unwrap_or_else(|| a.data.join("publisher"));
    let (signer, made) = match given {
        Some(signer) => (signer, false),
        None => crate::publisher::load_or_create(&publisher_dir, SENDER_NAME)?,
    };
    let signed_by = crate::publisher::describe(&publisher_dir, &signer);
    tracing::info!(certificate = %signed_by, new = made, "alerts are signed");
    let mut state = corridor_server::AppState::new(
        scenario,
        router,
        store,
        keys,
        corridor_publish::Site {
            base_url: format!("http://{}/public/", a.addr),
            sender: "alerts@corridor.example.org".into(),
            sender_name: SENDER_NAME.into(),
            signer: Some(signer),
        },
    );
    state.per_minute.1 = a.reads_per_minute.max(1);
    // The soft limit is raised whether or not --max-connections is given
    // (review: it was raised only without it, so a limit given above the
    // default soft limit of 1,024 files was one the process could not keep).
    let fits = corridor_server::front::connections_total(open_file_limit());
    let total = match a.max_connections {
        Some(n) => {
            if n > fits {
                tracing::warn!(
                    max_connections = n,
                    fits,
                    "--max-connections is more than the open-file limit leaves room for: \
                     connections past that take the descriptors kept for the store, the \
                     published files and alert delivery, and past the limit itself wait \
                     unaccepted"
                );
            }
            n
        }
        None => fits,
    };
    tracing::info!(
        per_address = a.connections_per_address,
        total,
        "connection limits"
    );
    state.connections = corridor_server::front::Connections::new(a.connections_per_address, total);
    state.delivery = delivery;
    state.convoys.retention_s = (a.position_retention_hours * 3600.0).round().max(1.0) as i64;
    let clock_line = exercise_clock(&mut state)?;
    let mut banner = vec![
        format!(
            "corridor is serving {} on http://{}/",
            state.scenario().name,
            a.addr
        ),
        format!("  database: {db_desc}"),
    ];
    banner.extend(clock_line);
    if creds.is_empty() {
        banner.push(format!(
            "  parties' tokens: in {} (made at the first start)",
            cred_file.display()
        ));
    } else {
        banner.push(format!(
            "  demo credentials (party, role, token; also in {}):",
            cred_file.display()
        ));
        banner.extend(creds.iter().map(|c| format!("    {c}")));
    }
    banner.extend([
        format!("  public feeds: http://{0}/public/alerts.atom, http://{0}/public/corridors.geojson", a.addr),
        format!("  CAP alerts signed with {signed_by}{}", if made { ", made now" } else { "" }),
        "  convoys: POST /api/convoys, then `corridor simulate --help` (README: \"Watching a convoy\")".to_string(),
        format!("  act: curl -H 'Authorization: Bearer TOKEN' -d '{{\"action\":\"propose\",\"proposal\":\"ID\"}}' http://{}/api/act", a.addr),
        format!("  alert delivery: register a subscriber (mediator): curl -H 'Authorization: Bearer TOKEN' -d '{{\"url\":\"http://HOST/hook\",\"secret\":\"SECRET\"}}' http://{}/api/subscribers", a.addr),
        "  Map data (c) OpenStreetMap contributors, ODbL. Ctrl-C stops.".to_string(),
    ]);
    run(Arc::new(state), &a.addr, &banner)
}

/// The name the alerts are signed by.
const SENDER_NAME: &str = "Humanitarian corridor coordination cell";

/// An address that names nothing is a bad value (7), not a failure to
/// listen on a real one (3, e.g. a port in use), nor a name that could not
/// be looked up just now (3: a DNS failure is not the user's typo).
fn check_addr(addr: &str) -> Result<(), Failure> {
    match std::net::ToSocketAddrs::to_socket_addrs(addr).map(|mut x| x.next()) {
        Ok(Some(_)) => Ok(()),
        Err(e) if e.kind() != std::io::ErrorKind::InvalidInput => Err(Failure::new(
            exit::IO,
            anyhow!("--addr {addr}: cannot look the name up: {e}"),
        )),
        _ => Err(Failure::new(
            exit::BAD_VALUE,
            anyhow!("--addr {addr}: not HOST:PORT (e.g. 127.0.0.1:8080)"),
        )),
    }
}

/// The `--delivery-*` options, each within its range.
fn delivery_settings(a: &ServeArgs) -> Result<corridor_server::delivery::Settings, Failure> {
    let within = |option: &str, n: usize, hi: usize| {
        if (1..=hi).contains(&n) {
            Ok(n)
        } else {
            Err(Failure::new(
                exit::BAD_VALUE,
                anyhow!("{option}: {n} is not from 1 to {hi}"),
            ))
        }
    };
    Ok(corridor_server::delivery::Settings {
        backoff_base: seconds("--delivery-backoff", a.delivery_backoff)?,
        backoff_max: seconds("--delivery-backoff-max", a.delivery_backoff_max)?,
        timeout: seconds("--delivery-timeout", a.delivery_timeout)?,
        concurrency: within("--delivery-concurrency", a.delivery_concurrency, 64)?,
        max_pending: within("--delivery-max-pending", a.delivery_max_pending, 1_000_000)?,
        ..Default::default()
    })
}

/// The parties' secret keys found (a party without one cannot act through
/// the server); a key that is not the party's is an error.
fn load_keys(
    scenario: &corridor_negotiation::Scenario,
    a: &ServeArgs,
    scn_path: &Path,
) -> Result<HashMap<String, ed25519_dalek::SigningKey>, Failure> {
    let keys_dir = a
        .keys
        .clone()
        .unwrap_or_else(|| scn_path.parent().unwrap_or(Path::new(".")).join("keys"));
    let mut keys = HashMap::new();
    for p in &scenario.parties {
        let f = keys_dir.join(format!("{}.key", p.id));
        // A party without a key file cannot act through the server; a
        // key file that is there is read as every input file is (regular,
        // capped: a FIFO or device named PARTY.key is refused, not read).
        // A link to a file that is gone counts as no file, as before.
        if std::fs::metadata(&f).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
            tracing::warn!(party = %p.id, file = %f.display(), "no key: this party cannot act through the server");
            continue;
        }
        let text = crate::files::read_text(&f, "key")?;
        let k = corridor_log::parse_secret_key(&text)
            .map_err(|e| Failure::new(exit::BAD_VALUE, anyhow!("{}: {e}", f.display())))?;
        if k.verifying_key() != p.key {
            return Err(Failure::new(
                exit::BAD_VALUE,
                anyhow!("{} is not {}'s key", f.display(), p.id),
            ));
        }
        keys.insert(p.id.clone(), k);
    }
    Ok(keys)
}

/// Owner-only permissions (unix) on `path`, where it exists.
fn owner_only(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if path.exists() {
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

/// The data folder (made if missing) and the store: PostgreSQL from
/// `--database`, else SQLite in the folder. Also its description for the
/// banner.
fn open_store(a: &ServeArgs) -> Result<(Box<dyn Store>, String), Failure> {
    if let Some(url) = &a.database {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(Failure::new(
                exit::BAD_VALUE,
                anyhow!("--database: `{url}` is not a postgres:// URL"),
            ));
        }
    }
    let fresh = !a.data.exists();
    std::fs::create_dir_all(&a.data)
        .map_err(|e| Failure::new(exit::IO, anyhow!("cannot create {}: {e}", a.data.display())))?;
    // The folder holds the parties' tokens, the publisher's key and the
    // subscribers' secrets: its owner's only.
    if fresh {
        owner_only(&a.data, 0o700);
    }
    if let Some(url) = &a.database {
        let s = corridor_server::store::Postgres::connect(url)
            .map_err(|e| Failure::new(exit::IO, anyhow!("{e}")))?;
        return Ok((Box::new(s), "PostgreSQL (--database)".to_string()));
    }
    let db = a.data.join("corridor.sqlite");
    let s =
        Sqlite::open(&db).map_err(|e| Failure::new(exit::IO, anyhow!("{}: {e}", db.display())))?;
    // The database holds the subscribers' secrets (and its WAL the same
    // pages): readable by its owner only.
    for suffix in ["", "-wal", "-shm"] {
        owner_only(&a.data.join(format!("corridor.sqlite{suffix}")), 0o600);
    }
    Ok((
        Box::new(s),
        format!("{} (SQLite, WAL, full sync)", db.display()),
    ))
}

/// Demo credentials: a token made for each party with a key and no token
/// yet, as `party\trole\ttoken` lines (shown once).
fn demo_credentials(
    scenario: &corridor_negotiation::Scenario,
    keys: &HashMap<String, ed25519_dalek::SigningKey>,
    store: &dyn Store,
) -> Result<Vec<String>, Failure> {
    let mut creds = Vec::new();
    for p in scenario.parties.iter().filter(|p| keys.contains_key(&p.id)) {
        if store
            .token_hash(&p.id)
            .map_err(|e| Failure::new(exit::IO, anyhow!("{e}")))?
            .is_none()
        {
            let t = corridor_server::new_token()
                .map_err(|e| Failure::new(exit::INTERNAL, anyhow!(e)))?;
            corridor_server::set_token(store, &p.id, &t)
                .map_err(|e| Failure::new(exit::IO, anyhow!("{e}")))?;
            creds.push(format!("{}\t{}\t{}", p.id, p.role.name(), t));
        }
    }
    Ok(creds)
}

/// Keeps new tokens in a file only its owner can read.
fn write_credentials(cred_file: &Path, creds: &[String]) -> Result<(), Failure> {
    if creds.is_empty() {
        return Ok(());
    }
    let text = format!(
        "# party\trole\ttoken (send as: Authorization: Bearer TOKEN)\n{}\n",
        creds.join("\n")
    );
    std::fs::write(cred_file, text).map_err(|e| {
        Failure::new(
            exit::IO,
            anyhow!("cannot write {}: {e}", cred_file.display()),
        )
    })?;
    owner_only(cred_file, 0o600);
    Ok(())
}

/// An exercise written for a past date is played today: its times move by
/// whole days, recorded as the log's first entry. The banner's line about
/// it, if they moved.
fn exercise_clock(state: &mut corridor_server::AppState) -> Result<Option<String>, Failure> {
    let clock_note = match state.start_exercise_clock() {
        Ok(days) => {
            if let Some(days) = days {
                tracing::info!(days, "exercise clock set");
            }
            days
        }
        Err(e) => {
            return Err(Failure::new(
                exit::IO,
                anyhow!("cannot start the exercise clock: {}", e.message()),
            ))
        }
    };
    // The store is read here, outside the runtime (the PostgreSQL client
    // blocks).
    let live = state
        .live()
        .map_err(|e| Failure::new(exit::IO, anyhow!("{}", e.message())))?;
    let now = (state.clock)();
    Ok((live.ledger.shift_days() != 0).then(|| {
        let scn = live.ledger.scenario();
        format!(
            "  exercise clock: the scenario's times moved {} days{}; {}",
            live.ledger.shift_days(),
            if clock_note.is_some() {
                " (now, as the log's first entry)"
            } else {
                ""
            },
            windows_now(scn, now)
        )
    }))
}

/// Where the scenario's windows stand at `now`, for the banner: one open
/// (until when), else the next to open, else that all have closed (a
/// server restarted days into an exercise must not name a window as
/// still to open).
fn windows_now(
    scn: &corridor_negotiation::Scenario,
    now: chrono::DateTime<chrono::FixedOffset>,
) -> String {
    let at = |t| corridor_ledger::state::local_time(scn, t);
    let windows = || {
        scn.proposals
            .iter()
            .map(|p| (p.id.as_str(), p.window.start, p.window.end))
    };
    let open: Vec<_> = windows()
        .filter(|&(_, start, end)| start <= now && now < end)
        .collect();
    if let Some(&(id, _, end)) = open.iter().min_by_key(|&&(_, _, end)| end) {
        return match open.len() {
            1 => format!("the window of `{id}` is open until {}", at(end)),
            n => format!(
                "{n} windows are open; `{id}`'s closes first, at {}",
                at(end)
            ),
        };
    }
    if scn.proposals.is_empty() {
        return "no corridor is proposed in the scenario yet".to_string();
    }
    match windows()
        .filter(|&(_, start, _)| start > now)
        .min_by_key(|&(_, start, _)| start)
    {
        Some((_, start, _)) => format!("the next window opens {}", at(start)),
        None => "every window of the scenario has closed".to_string(),
    }
}

/// The number of files the process may open, its soft limit first raised
/// to the hard one (as nginx's `worker_rlimit_nofile` and Go's runtime do):
/// every client connection takes one.
#[cfg(unix)]
fn open_file_limit() -> u64 {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read or write the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) != 0 {
            return 1024;
        }
        if r.rlim_cur < r.rlim_max && r.rlim_max != libc::RLIM_INFINITY {
            let raised = libc::rlimit {
                rlim_cur: r.rlim_max,
                rlim_max: r.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                r.rlim_cur = r.rlim_max;
            }
        }
    }
    // `rlim_t` is `u64` on Linux, not on every Unix.
    #[allow(clippy::unnecessary_cast)]
    let limit = r.rlim_cur as u64;
    limit
}

#[cfg(not(unix))]
fn open_file_limit() -> u64 {
    8192
}

/// Serves `state` on `addr` until Ctrl-C, after printing `banner`.
///
/// One serving thread per core, each with its own event loop and listening
/// socket (corridor_server::front::serve_per_core), as nginx runs its
/// workers; one more runtime thread for the alert delivery worker and the
/// signals.
fn run(
    state: Arc<corridor_server::AppState>,
    addr: &str,
    banner: &[String],
) -> Result<(), Failure> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| Failure::new(exit::INTERNAL, anyhow!("{e}")))?;
    // The PostgreSQL client must be dropped outside the runtime.
    let keep = state.clone();
    let listening =
        corridor_server::front::serve_per_core(addr, corridor_server::app(state.clone()), cores)
            .map_err(|e| Failure::new(exit::IO, anyhow!("cannot listen on {addr}: {e}")))?;
    let result = rt.block_on(async move {
        for line in banner {
            println!("{line}");
        }
        // The outbox worker: queues what is published (also what a crash
        // left unqueued) and delivers it.
        tokio::spawn(corridor_server::delivery::run(state));
        let _ = tokio::signal::ctrl_c().await;
        Ok::<(), Failure>(())
    });
    // Requests in flight finish (at most 5 seconds), then the threads end.
    listening.stop();
    drop(rt);
    drop(keep);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Review: a server restarted days into an exercise announced "the
    /// first window opens" for a window long open, or closed.
    #[test]
    fn the_banner_names_the_window_open_or_next_or_says_all_closed() {
        let scn = load_scenario(&example("ukraine/scenario.toml")).unwrap();
        let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
        let tz = "(Europe/Kyiv, UTC+02:00)";
        for (now, want) in [
            ("2022-03-01T12:00:00+02:00", format!("the next window opens 05.03.2022 10:00 {tz}")),
            ("2022-03-07T12:00:00+02:00", format!("2 windows are open; `kharkiv-belgorod`'s closes first, at 07.03.2022 18:00 {tz}")),
            ("2022-03-07T19:00:00+02:00", format!("the next window opens 08.03.2022 09:00 {tz}")),
            ("2022-03-08T12:00:00+02:00", format!("the window of `sumy-poltava` is open until 08.03.2022 21:00 {tz}")),
            ("2022-03-09T12:00:00+02:00", "every window of the scenario has closed".into()),
        ] {
            assert_eq!(windows_now(&scn, t(now)), want, "at {now}");
        }
        let mut none = scn.clone();
        none.proposals.clear();
        assert_eq!(
            windows_now(&none, t("2022-03-09T12:00:00+02:00")),
            "no corridor is proposed in the scenario yet"
        );
    }
}
