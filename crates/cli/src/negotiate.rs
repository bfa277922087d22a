//! Negotiation subcommands: evaluate, search, keygen, act, log.

use crate::commands::load_graph;
use crate::exit::{self, Failure};
use anyhow::anyhow;
use clap::{Args, Subcommand};
use corridor_graph::Profile;
use corridor_log::{Log, SignedHead};
use corridor_negotiation::lifecycle::{Action, Book};
use corridor_negotiation::plan::{self, PlannedRoute, RouteSource};
use corridor_negotiation::scenario::{parse_time, ProposalSpec, Window};
use corridor_negotiation::search::{search, SearchOptions};
use corridor_negotiation::{evaluate, text, Evaluation, Scenario};
use corridor_routing::{HazardLayer, Router};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct EvaluateArgs {
    /// Scenario file (TOML; see docs/scenario.md and examples/).
    pub scenario: PathBuf,
    /// Only this proposal (default: every proposal in the file).
    #[arg(long, value_name = "ID")]
    pub proposal: Option<String>,
    /// Print JSON (for machines).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct SearchArgs {
    /// Scenario file.
    pub scenario: PathBuf,
    /// Origin id (an [[origin]] of the scenario).
    #[arg(long, value_name = "ID")]
    pub origin: String,
    /// Window opening, RFC 3339 with offset (default: the window of the
    /// first proposal from this origin).
    #[arg(long, value_name = "TIME", requires = "window_end")]
    pub window_start: Option<String>,
    /// Window closing.
    #[arg(long, value_name = "TIME", requires = "window_start")]
    pub window_end: Option<String>,
    /// Travel profile: car or foot.
    #[arg(long, default_value = "car")]
    pub profile: String,
    /// Alternatives wanted per destination, besides the fastest.
    #[arg(long, default_value_t = 2)]
    pub alternatives: usize,
    /// Largest share of an alternative's length in common with a route
    /// already found (0..1).
    #[arg(long, default_value_t = 0.5)]
    pub max_shared: f64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct KeygenArgs {
    /// Where to write the secret key (created with mode 0600; refuses to
    /// overwrite).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Args)]
pub struct ActArgs {
    /// Scenario file (the parties and their public keys).
    pub scenario: PathBuf,
    /// The public log file (created if missing).
    #[arg(long, value_name = "FILE")]
    pub log: PathBuf,
    /// The acting party's id.
    #[arg(long = "as", value_name = "PARTY")]
    pub actor: String,
    /// The acting party's secret key file (from `corridor keygen`).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// propose, accept, reject, countersign, open, suspend, reopen, close,
    /// complete or cancel.
    pub action: String,
    /// The proposal (corridor) id.
    pub proposal: String,
    /// Why (reject, suspend, cancel).
    #[arg(long)]
    pub reason: Option<String>,
    /// When, RFC 3339 with offset (default: now).
    #[arg(long, default_value = "now")]
    pub time: String,
}

#[derive(Subcommand)]
pub enum LogCommand {
    /// Verify a whole log offline from the scenario's public keys: every
    /// line canonical, in order, chained, signed by its party; every action
    /// allowed by the corridor lifecycle; and the signed tree heads.
    Verify {
        /// The log file.
        log: PathBuf,
        /// Scenario with the parties' public keys.
        #[arg(long)]
        scenario: PathBuf,
        /// Signed tree heads to check against the log (one JSON per line).
        #[arg(long, value_name = "FILE")]
        heads: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Sign the log's current tree head and append it to a heads file.
    Head {
        /// The log file.
        log: PathBuf,
        /// Scenario with the parties' public keys.
        #[arg(long)]
        scenario: PathBuf,
        /// The signing party (usually the mediator).
        #[arg(long = "as", value_name = "PARTY")]
        actor: String,
        /// Its secret key file.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// Heads file to append to.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// When (default now).
        #[arg(long, default_value = "now")]
        time: String,
    },
    /// Print an inclusion proof for entry N, or a consistency proof from an
    /// earlier size, as JSON.
    Prove {
        /// The log file.
        log: PathBuf,
        /// Entry number (from 0) to prove included.
        #[arg(long, conflicts_with = "from")]
        entry: Option<usize>,
        /// Earlier tree size to prove the log extends.
        #[arg(long)]
        from: Option<usize>,
    },
}

fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| Failure::new(exit::IO, anyhow!("cannot read {}: {e}", path.display())))
}

/// Loads a scenario, reading the files it names relative to its folder.
pub fn load_scenario(path: &Path) -> Result<Scenario, Failure> {
    let text = read(path)?;
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let reader = move |rel: &str| {
        let p = dir.join(rel);
        std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))
    };
    Scenario::parse(&text, &path.display().to_string(), &reader)
        .map_err(|e| Failure::new(exit::BAD_SCENARIO, anyhow!("{e}")))
}

/// The scenario's road graph, if it names one (a `.graph`, or an
/// `.osm.pbf` imported on the fly), ready for routing.
fn load_map(path: &Path, scn: &Scenario) -> Result<Option<Router>, Failure> {
    let Some(map) = &scn.map else { return Ok(None) };
    let p = path.parent().unwrap_or(Path::new(".")).join(map);
    let g = if map.ends_with(".pbf") {
        corridor_osm::import(&p, &mut |_, _, _| {})
            .map_err(|e| Failure::new(exit::BAD_FILE, anyhow!("{}: {e}", p.display())))?
            .0
    } else {
        load_graph(&p)?
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

fn human_evaluation(
    scn: &Scenario,
    spec: &ProposalSpec,
    r: &PlannedRoute,
    ev: &Evaluation,
) -> String {
    let mut s = String::new();
    let name = |id: &str| scn.place(id).map_or(id.to_string(), |p| p.name.clone());
    s += &format!(
        "Proposal {} (version {}): {} → {}, window {} to {}\n",
        spec.id,
        &ev.version[..12],
        name(&spec.origin),
        name(&spec.destination),
        text::local_full(spec.window.start, scn.tz),
        text::local(spec.window.end, scn.tz, spec.window.start),
    );
    s += &format!("  route     {}\n", route_line(scn, r));
    s += &format!(
        "  last safe departure {} {}\n",
        text::local(ev.last_safe_departure, scn.tz, spec.window.start),
        scn.tz.name()
    );
    for v in &ev.verdicts {
        let p = scn.party(&v.party).expect("verdicts are for parties");
        s += &format!(
            "  {:<8} {} ({}, {})\n",
            if v.accept { "ACCEPT" } else { "REJECT" },
            p.id,
            p.name,
            p.role.name()
        );
        for x in &v.violations {
            s += &format!("           - {}: {}\n", x.code, x.message);
        }
    }
    s += &format!(
        "  agreed    {}\n",
        if ev.agreed() {
            "yes: every belligerent accepts"
        } else {
            "no"
        }
    );
    s
}

pub fn evaluate_cmd(a: EvaluateArgs) -> Result<(), Failure> {
    let scn = load_scenario(&a.scenario)?;
    let router = load_map(&a.scenario, &scn)?;
    let layer = router
        .as_ref()
        .map(|r| HazardLayer::new(r.graph(), r.index(), scn.hazards.clone()));
    let specs: Vec<&ProposalSpec> = match &a.proposal {
        Some(id) => vec![scn.proposal(id).ok_or_else(|| {
            Failure::new(
                exit::BAD_VALUE,
                anyhow!("no proposal `{id}` in {}", a.scenario.display()),
            )
        })?],
        None => scn.proposals.iter().collect(),
    };
    let mut out = Vec::new();
    for spec in specs {
        let r = planned(&scn, spec, router.as_ref(), layer.as_ref())?;
        let canonical = plan::canonical(&scn, spec, &r);
        let version = plan::version_hash(&canonical);
        let ev = evaluate(&scn, spec, &r, &version);
        if a.json {
            let mut v = ev.to_json(&scn);
            v["route"] = json!({
                "source": match r.source { RouteSource::Graph => "graph", RouteSource::Polyline => "polyline" },
                "distance_m": r.distance_m.round(), "duration_s": r.duration_ms / 1000, "via": r.via,
                "geometry": {"type": "LineString", "coordinates": r.geometry.iter().map(|p| [p.lon, p.lat]).collect::<Vec<_>>()},
            });
            out.push(v);
        } else {
            println!("{}", human_evaluation(&scn, spec, &r, &ev));
        }
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({"scenario": scn.name, "evaluations": out}))
                .map_err(anyhow::Error::from)?
        );
    }
    Ok(())
}

pub fn search_cmd(a: SearchArgs) -> Result<(), Failure> {
    let scn = load_scenario(&a.scenario)?;
    let router = load_map(&a.scenario, &scn)?;
    let profile = Profile::parse(&a.profile).ok_or_else(|| {
        Failure::new(
            exit::BAD_VALUE,
            anyhow!("--profile: `{}` is not car or foot", a.profile),
        )
    })?;
    if !(0.0..=1.0).contains(&a.max_shared) {
        return Err(Failure::new(
            exit::BAD_VALUE,
            anyhow!("--max-shared must be within 0..1"),
        ));
    }
    let window = match (&a.window_start, &a.window_end) {
        (Some(s), Some(e)) => {
            let bad = |e: String| Failure::new(exit::BAD_VALUE, anyhow!(e));
            let w = Window { start: parse_time(s).map_err(bad)?, end: parse_time(e).map_err(|e| Failure::new(exit::BAD_VALUE, anyhow!(e)))? };
            if w.end <= w.start {
                return Err(Failure::new(exit::BAD_VALUE, anyhow!("the window ends before it starts")));
            }
            w
        }
        _ => scn
            .proposals
            .iter()
            .find(|p| p.origin == a.origin)
            .map(|p| p.window)
            .ok_or_else(|| {
                Failure::new(exit::BAD_VALUE, anyhow!("no proposal from `{}` gives a window: pass --window-start and --window-end", a.origin))
            })?,
    };
    let opts = SearchOptions {
        profile,
        window,
        alternatives: a.alternatives,
        max_shared: a.max_shared,
    };
    let results = search(&scn, &a.origin, &opts, router.as_ref())
        .map_err(|e| Failure::new(exit::BAD_VALUE, anyhow!(e)))?;
    let o = scn.place(&a.origin).expect("search checked the origin");
    if a.json {
        let v: Vec<Value> = results
            .iter()
            .map(|r| {
                json!({
                    "destination": r.destination,
                    "options": r.options.iter().map(|c| json!({
                        "distance_m": c.route.distance_m.round(), "duration_s": c.route.duration_ms / 1000,
                        "via": c.route.via, "version": c.evaluation.version,
                        "last_safe_departure": c.evaluation.last_safe_departure.with_timezone(&scn.tz).to_rfc3339(),
                        "geometry": {"type": "LineString", "coordinates": c.route.geometry.iter().map(|p| [p.lon, p.lat]).collect::<Vec<_>>()},
                    })).collect::<Vec<_>>(),
                    "blocked_by": r.blocked_by,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({"origin": a.origin, "window": {"start": window.start.to_rfc3339(), "end": window.end.to_rfc3339()}, "results": v}))
                .map_err(anyhow::Error::from)?
        );
        return Ok(());
    }
    println!(
        "From {} ({} people waiting), window {} to {}, by {}:",
        o.name,
        o.people,
        text::local_full(window.start, scn.tz),
        text::local(window.end, scn.tz, window.start),
        profile.name()
    );
    for r in &results {
        let d = scn.place(&r.destination).expect("a destination");
        if r.options.is_empty() {
            println!("  {}: no corridor every belligerent accepts", d.name);
            for b in &r.blocked_by {
                println!("      - {b}");
            }
        } else {
            println!("  {}: {} corridor(s)", d.name, r.options.len());
            for (i, c) in r.options.iter().enumerate() {
                println!(
                    "      {}. {}; last safe departure {} {}",
                    i + 1,
                    route_line(&scn, &c.route),
                    text::local(c.evaluation.last_safe_departure, scn.tz, window.start),
                    scn.tz.name()
                );
            }
        }
    }
    Ok(())
}

pub fn keygen(a: KeygenArgs) -> Result<(), Failure> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| Failure::new(exit::INTERNAL, anyhow!("no randomness: {e}")))?;
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    use std::io::Write;
    let mut f = opts
        .open(&a.out)
        .map_err(|e| Failure::new(exit::IO, anyhow!("cannot create {}: {e}", a.out.display())))?;
    writeln!(f, "{}", corridor_log::format_secret_key(&key))
        .map_err(|e| Failure::new(exit::IO, anyhow!("cannot write {}: {e}", a.out.display())))?;
    println!(
        "public_key = \"{}\"",
        corridor_log::format_public_key(&key.verifying_key())
    );
    eprintln!(
        "secret key written to {} (keep it secret; it signs this party's actions)",
        a.out.display()
    );
    Ok(())
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

/// Reads and verifies a log; refuses a log with problems.
fn open_log(path: &Path, scn: &Scenario) -> Result<(Log, Book), Failure> {
    let text = if path.exists() {
        read(path)?
    } else {
        String::new()
    };
    let key_of = |id: &str| scn.party(id).map(|p| p.key);
    let v = corridor_log::verify(&text, &key_of);
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
    let mut book = Book::default();
    for r in v.log.records() {
        if let Some((id, a)) = Action::from_entry(&r.entry.kind, &r.entry.body) {
            book.apply(scn, &r.entry.actor, &id, &a).map_err(|e| {
                Failure::new(
                    exit::LOG_INVALID,
                    anyhow!("{}: entry {}: {e}", path.display(), r.entry.seq),
                )
            })?;
        }
    }
    Ok((v.log, book))
}

/// Writes a whole file durably: a temporary file, fsync, rename.
fn write_durably(path: &Path, text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let io =
        |e: std::io::Error| Failure::new(exit::IO, anyhow!("cannot write {}: {e}", path.display()));
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    f.write_all(text.as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
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

/// A proposal of the scenario with its route, canonical form and version.
fn proposal_version<'s>(
    path: &Path,
    scn: &'s Scenario,
    id: &str,
) -> Result<(&'s ProposalSpec, PlannedRoute, Value, String), Failure> {
    let spec = scn.proposal(id).ok_or_else(|| {
        Failure::new(
            exit::BAD_VALUE,
            anyhow!("no proposal `{id}` in {}", path.display()),
        )
    })?;
    let router = load_map(path, scn)?;
    let layer = router
        .as_ref()
        .map(|r| HazardLayer::new(r.graph(), r.index(), scn.hazards.clone()));
    let r = planned(scn, spec, router.as_ref(), layer.as_ref())?;
    let canonical = plan::canonical(scn, spec, &r);
    let version = plan::version_hash(&canonical);
    Ok((spec, r, canonical, version))
}

pub fn act(a: ActArgs) -> Result<(), Failure> {
    let scn = load_scenario(&a.scenario)?;
    let key = load_key(&a.key, &scn, &a.actor)?;
    let (mut log, mut book) = open_log(&a.log, &scn)?;
    let time = now_or(&a.time)?;
    let current = book.corridors.get(&a.proposal).map(|c| c.version.clone());
    let need_version = || {
        current.clone().ok_or_else(|| {
            Failure::new(
                exit::REFUSED,
                anyhow!("no corridor `{}` has been proposed", a.proposal),
            )
        })
    };
    let reason = a.reason.clone().unwrap_or_default();
    let mut body = json!({"proposal": a.proposal});
    let action = match a.action.as_str() {
        "propose" => {
            let (_, _, canonical, version) = proposal_version(&a.scenario, &scn, &a.proposal)?;
            body["content"] = canonical;
            Action::Propose { version }
        }
        "accept" | "reject" => {
            // The party's verdict on the version on the table goes into the
            // log with its acceptance or rejection.
            let version = need_version()?;
            let (spec, r, _, here) = proposal_version(&a.scenario, &scn, &a.proposal)?;
            if here != version {
                return Err(Failure::new(
                    exit::REFUSED,
                    anyhow!(
                        "the proposal `{}` in {} (version {}) is not the version on the table ({}): propose it first",
                        a.proposal,
                        a.scenario.display(),
                        &here[..12],
                        &version[..12.min(version.len())]
                    ),
                ));
            }
            let ev = evaluate(&scn, spec, &r, &version);
            if let Some(v) = ev.verdicts.iter().find(|v| v.party == a.actor) {
                body["verdict"] = json!({
                    "verdict": if v.accept { "accept" } else { "reject" },
                    "violations": v.violations.iter().map(|x| json!({"code": x.code, "message": x.message})).collect::<Vec<_>>(),
                });
                if a.action == "reject" && reason.is_empty() && !v.accept {
                    let codes: Vec<&str> = v.violations.iter().map(|x| x.code).collect();
                    body["reason"] = json!(codes.join(", "));
                }
            }
            if a.action == "accept" {
                Action::Accept { version }
            } else {
                let reason = body.get("reason").and_then(Value::as_str).map(str::to_string).unwrap_or(reason.clone());
                Action::Reject { version, reason }
            }
        }
        "countersign" => Action::Countersign { version: need_version()? },
        "open" => Action::Open,
        "suspend" => Action::Suspend { reason: reason.clone() },
        "reopen" => Action::Reopen,
        "close" => Action::Close,
        "complete" => Action::Complete,
        "cancel" => Action::Cancel { reason: reason.clone() },
        other => {
            return Err(Failure::new(
                exit::BAD_VALUE,
                anyhow!("`{other}` is not an action (propose, accept, reject, countersign, open, suspend, reopen, close, complete, cancel)"),
            ))
        }
    };
    match &action {
        Action::Propose { version }
        | Action::Accept { version }
        | Action::Countersign { version } => {
            body["version"] = json!(version);
        }
        Action::Reject { version, reason } => {
            body["version"] = json!(version);
            body["reason"] = json!(reason);
        }
        Action::Suspend { reason } | Action::Cancel { reason } => body["reason"] = json!(reason),
        _ => {}
    }
    let state = book
        .apply(&scn, &a.actor, &a.proposal, &action)
        .map_err(|e| Failure::new(exit::REFUSED, anyhow!("refused: {e}")))?;
    let rec = log
        .append(&time, &a.actor, action.name(), body, &key)
        .clone();
    write_durably(&a.log, &log.to_text())?;
    println!(
        "entry {}: {} {} `{}` → corridor {}; log size {}, tree hash {}",
        rec.entry.seq,
        a.actor,
        action.name(),
        a.proposal,
        state.name(),
        log.len(),
        corridor_log::hex(&log.root())
    );
    Ok(())
}

pub fn log_cmd(c: LogCommand) -> Result<(), Failure> {
    match c {
        LogCommand::Verify {
            log,
            scenario,
            heads,
            json,
        } => {
            let scn = load_scenario(&scenario)?;
            let text = read(&log)?;
            let key_of = |id: &str| scn.party(id).map(|p| p.key);
            let v = corridor_log::verify(&text, &key_of);
            let mut problems: Vec<String> = v.problems.iter().map(|p| p.to_string()).collect();
            let mut book = Book::default();
            for r in v.log.records() {
                if let Some((id, a)) = Action::from_entry(&r.entry.kind, &r.entry.body) {
                    if let Err(e) = book.apply(&scn, &r.entry.actor, &id, &a) {
                        problems.push(format!("line {}: lifecycle: {e}", r.entry.seq + 1));
                    }
                }
            }
            let mut heads_checked = 0;
            if let Some(h) = heads {
                for (i, line) in read(&h)?.lines().enumerate() {
                    let head = serde_json::from_str::<Value>(line)
                        .ok()
                        .and_then(|v| SignedHead::from_json(&v));
                    match head {
                        None => problems.push(format!(
                            "{} line {}: not a signed tree head",
                            h.display(),
                            i + 1
                        )),
                        Some(head) => match corridor_log::check_head(&v.log, &head, &key_of) {
                            Ok(()) => heads_checked += 1,
                            Err(e) => problems.push(format!("{} line {}: {e}", h.display(), i + 1)),
                        },
                    }
                }
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&json!({
                    "entries": v.log.len(), "tree_hash": corridor_log::hex(&v.log.root()),
                    "heads_checked": heads_checked, "ok": problems.is_empty(), "problems": problems,
                    "corridors": book.corridors.values().map(|c| json!({"id": c.id, "state": c.state.name(), "version": c.version, "versions": c.versions})).collect::<Vec<_>>(),
                })).map_err(anyhow::Error::from)?);
            } else {
                for c in book.corridors.values() {
                    println!(
                        "corridor {}: {} (version {} of {})",
                        c.id,
                        c.state.name(),
                        &c.version[..12.min(c.version.len())],
                        c.versions
                    );
                }
            }
            if problems.is_empty() {
                if !json {
                    println!(
                        "OK: {} entries, every signature valid, chain intact; tree hash {}; {} tree head(s) checked",
                        v.log.len(),
                        corridor_log::hex(&v.log.root()),
                        heads_checked
                    );
                }
                Ok(())
            } else {
                Err(Failure::new(
                    exit::LOG_INVALID,
                    anyhow!("the log does not verify:\n{}", problems.join("\n")),
                ))
            }
        }
        LogCommand::Head {
            log,
            scenario,
            actor,
            key,
            out,
            time,
        } => {
            let scn = load_scenario(&scenario)?;
            let key = load_key(&key, &scn, &actor)?;
            let (log, _) = open_log(&log, &scn)?;
            let head = log.head(&now_or(&time)?, &actor, &key);
            let mut text = if out.exists() {
                read(&out)?
            } else {
                String::new()
            };
            text += &String::from_utf8(corridor_log::canonical(&head.to_json())).expect("UTF-8");
            text += "\n";
            write_durably(&out, &text)?;
            println!(
                "signed tree head: size {}, tree hash {}",
                head.head.size, head.head.root
            );
            Ok(())
        }
        LogCommand::Prove { log, entry, from } => {
            let text = read(&log)?;
            let v = corridor_log::verify(&text, &|_| None);
            let l = v.log;
            let hexes =
                |p: Vec<[u8; 32]>| p.iter().map(|h| corridor_log::hex(h)).collect::<Vec<_>>();
            let out = match (entry, from) {
                (Some(i), _) if i < l.len() => json!({
                    "type": "inclusion", "entry": i, "tree_size": l.len(),
                    "leaf_hash": corridor_log::hex(&l.leaf(i).expect("in range")),
                    "tree_hash": corridor_log::hex(&l.root()), "audit_path": hexes(l.inclusion_proof(i)),
                }),
                (None, Some(m)) if m >= 1 && m <= l.len() => json!({
                    "type": "consistency", "first_size": m, "first_tree_hash": corridor_log::hex(&l.root_at(m)),
                    "second_size": l.len(), "second_tree_hash": corridor_log::hex(&l.root()),
                    "proof": hexes(l.consistency_proof(m)),
                }),
                _ => {
                    return Err(Failure::new(
                        exit::BAD_VALUE,
                        anyhow!(
                            "give --entry N (0..{}) or --from SIZE (1..={})",
                            l.len(),
                            l.len()
                        ),
                    ))
                }
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&out).map_err(anyhow::Error::from)?
            );
            Ok(())
        }
    }
}

#[derive(Args)]
pub struct PublishArgs {
    /// Scenario file.
    pub scenario: PathBuf,
    /// The public log of its corridors (from `corridor act`).
    #[arg(long, value_name = "FILE")]
    pub log: PathBuf,
    /// Folder to write (created if missing; files in it are replaced).
    #[arg(long, value_name = "DIR", default_value = "corridor-data/public")]
    pub out: PathBuf,
    /// URL the folder will be served from, for links in the feed and alerts.
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://corridor.example.org/public/"
    )]
    pub base_url: String,
    /// CAP sender identifier of the publishing office.
    #[arg(long, default_value = "alerts@corridor.example.org")]
    pub sender: String,
    /// Human name of the sender.
    #[arg(long, default_value = "Humanitarian corridor coordination cell")]
    pub sender_name: String,
    /// Print a JSON summary.
    #[arg(long)]
    pub json: bool,
}

pub fn publish_cmd(a: PublishArgs) -> Result<(), Failure> {
    let scn = load_scenario(&a.scenario)?;
    let (log, _) = open_log(&a.log, &scn)?;
    let mut base = a.base_url.clone();
    if !base.ends_with('/') {
        base.push('/');
    }
    if a.sender.contains(' ') || a.sender.contains(',') || a.sender.is_empty() {
        return Err(Failure::new(
            exit::BAD_VALUE,
            anyhow!("--sender must be non-empty, without spaces or commas (CAP)"),
        ));
    }
    let site = corridor_publish::Site {
        base_url: base,
        sender: a.sender.clone(),
        sender_name: a.sender_name.clone(),
    };
    let files = corridor_publish::publish(&scn, &log, &site);
    let io = |p: &Path, e: std::io::Error| {
        Failure::new(exit::IO, anyhow!("cannot write {}: {e}", p.display()))
    };
    for f in &files {
        let p = a.out.join(&f.path);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        }
        std::fs::write(&p, &f.text).map_err(|e| io(&p, e))?;
    }
    let alerts = files.iter().filter(|f| f.path.starts_with("cap/")).count();
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({"out": a.out.display().to_string(), "files": files.iter().map(|f| &f.path).collect::<Vec<_>>(), "alerts": alerts}))
                .map_err(anyhow::Error::from)?
        );
    } else {
        println!(
            "Wrote {} files to {}: {} CAP alert(s) in cap/, alerts.atom, corridors.geojson, SMS texts in sms/, index.html.",
            files.len(),
            a.out.display(),
            alerts
        );
        println!(
            "Look at it: python3 -m http.server -d {} 8000, then open http://localhost:8000/",
            a.out.display()
        );
    }
    Ok(())
}

#[derive(Args)]
pub struct PlanArgs {
    /// Planning file (TOML; see examples/ukraine/plan.toml).
    pub plan: PathBuf,
    /// Print JSON (the whole schedule).
    #[arg(long)]
    pub json: bool,
}

fn hhmm(tz: chrono_tz::Tz, minutes: i64) -> String {
    use chrono::TimeZone;
    chrono::DateTime::from_timestamp(minutes * 60, 0)
        .map(|t| {
            tz.from_utc_datetime(&t.naive_utc())
                .format("%d.%m %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

pub fn plan_cmd(a: PlanArgs) -> Result<(), Failure> {
    use corridor_evacuation::{ccrp, check, lower_bound, plan_file, summarize};
    let text = read(&a.plan)?;
    let rel = plan_file::scenario_path(&text).ok_or_else(|| {
        Failure::new(
            exit::BAD_SCENARIO,
            anyhow!(
                "{}: no `scenario = \"...\"` naming the scenario file",
                a.plan.display()
            ),
        )
    })?;
    let dir = a.plan.parent().unwrap_or(Path::new(".")).to_path_buf();
    let scn_path = dir.join(&rel);
    let scn = load_scenario(&scn_path)?;
    let router = load_map(&scn_path, &scn)?;
    let layer = router
        .as_ref()
        .map(|r| HazardLayer::new(r.graph(), r.index(), scn.hazards.clone()));
    let resolve = |id: &str| -> Result<plan_file::Resolved, String> {
        let spec = scn
            .proposal(id)
            .ok_or(format!("no proposal `{id}` in the scenario"))?;
        let r = plan::plan(&scn, spec, router.as_ref().zip(layer.as_ref()))
            .map_err(|e| format!("proposal `{id}`: {e}"))?;
        Ok((
            spec.origin.clone(),
            spec.destination.clone(),
            spec.window.start.timestamp().div_euclid(60),
            spec.window.end.timestamp().div_euclid(60),
            (r.duration_ms as i64 + 59_999) / 60_000,
        ))
    };
    let is_place = |id: &str| scn.place(id).is_some();
    let (_, problem) = plan_file::parse(&text, &a.plan.display().to_string(), &resolve, &is_place)
        .map_err(|e| Failure::new(exit::BAD_SCENARIO, anyhow!("{}", e.join("\n"))))?;
    let started = std::time::Instant::now();
    let schedule = ccrp::plan(&problem);
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let errs = check::check(&problem, &schedule);
    if !errs.is_empty() {
        return Err(Failure::new(
            exit::INTERNAL,
            anyhow!(
                "the plan fails its own checker (a bug):\n{}",
                errs.join("\n")
            ),
        ));
    }
    let sum = summarize(&problem, &schedule);
    let tz = scn.tz;
    let name = |id: &str| scn.place(id).map_or(id.to_string(), |p| p.name.clone());
    if a.json {
        let legs: Vec<Value> = schedule
            .legs
            .iter()
            .map(|l| {
                json!({
                    "vehicle": problem.vehicles[l.vehicle].id, "corridor": problem.corridors[l.corridor].id,
                    "loaded": l.loaded,
                    "depart": chrono::DateTime::from_timestamp(l.depart * 60, 0).map(|t| t.with_timezone(&tz).to_rfc3339()),
                    "arrive": chrono::DateTime::from_timestamp(l.arrive * 60, 0).map(|t| t.with_timezone(&tz).to_rfc3339()),
                    "carries": l.carries.iter().map(|&(g, n)| json!({"origin": problem.groups[g].origin, "destination": problem.groups[g].destination, "accessible": problem.groups[g].accessible, "people": n})).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "people": problem.people(), "evacuated": schedule.total(), "left": sum.left.iter().sum::<u64>(),
                "groups": problem.groups.iter().enumerate().map(|(i, g)| json!({"origin": g.origin, "destination": g.destination, "accessible": g.accessible, "people": g.people, "evacuated": sum.evacuated[i], "left": sum.left[i]})).collect::<Vec<_>>(),
                "corridors": problem.corridors.iter().enumerate().map(|(i, c)| json!({"id": c.id, "last_safe_departure": chrono::DateTime::from_timestamp(sum.last_safe_departure[i] * 60, 0).map(|t| t.with_timezone(&tz).to_rfc3339()), "departures_used": sum.slots[i].0, "departures_available": sum.slots[i].1})).collect::<Vec<_>>(),
                "bottleneck": sum.bottleneck, "with_extra_hour": sum.with_extra_hour, "with_ten_more_vehicles": sum.with_ten_more_vehicles,
                "lower_bound_all_out": lower_bound(&problem).and_then(|m| chrono::DateTime::from_timestamp(m * 60, 0)).map(|t| t.with_timezone(&tz).to_rfc3339()),
                "plan_ms": ms, "legs": legs, "time_zone": tz.name(),
            }))
            .map_err(anyhow::Error::from)?
        );
        return Ok(());
    }
    println!(
        "Evacuation plan for {} ({} people waiting, {} vehicles, {} corridors; times {}):",
        scn.name,
        problem.people(),
        problem.vehicles.len(),
        problem.corridors.len(),
        tz.name()
    );
    println!(
        "\n  {:<22} {:<42} {:>8} {:>10} {:>8}",
        "from", "to", "waiting", "evacuated", "left"
    );
    for (i, g) in problem.groups.iter().enumerate() {
        println!(
            "  {:<22} {:<42} {:>8} {:>10} {:>8}",
            name(&g.origin),
            format!(
                "{}{}",
                name(&g.destination),
                if g.accessible { " (accessible)" } else { "" }
            ),
            g.people,
            sum.evacuated[i],
            sum.left[i]
        );
    }
    println!(
        "\n  {:<26} {:>14} {:>16} {:>20}",
        "corridor", "window", "last departure", "departures used"
    );
    for (i, c) in problem.corridors.iter().enumerate() {
        println!(
            "  {:<26} {:>14} {:>16} {:>20}",
            c.id,
            format!("{}–{}", &hhmm(tz, c.open)[6..], &hhmm(tz, c.close)[6..]),
            hhmm(tz, sum.last_safe_departure[i]),
            format!("{} of {}", sum.slots[i].0, sum.slots[i].1)
        );
    }
    println!(
        "\n  Schedule ({} trips; --json for all):",
        schedule.legs.len()
    );
    println!(
        "  {:<12} {:<22} {:>12} {:>12} {:>7}",
        "vehicle", "corridor", "depart", "arrive", "people"
    );
    for l in schedule.legs.iter().take(25) {
        let n: u64 = l.carries.iter().map(|x| x.1).sum();
        println!(
            "  {:<12} {:<22} {:>12} {:>12} {:>7}",
            problem.vehicles[l.vehicle].id,
            format!(
                "{}{}",
                problem.corridors[l.corridor].id,
                if l.loaded { "" } else { " (back, empty)" }
            ),
            hhmm(tz, l.depart),
            hhmm(tz, l.arrive),
            if l.loaded { n.to_string() } else { "-".into() }
        );
    }
    if schedule.legs.len() > 25 {
        println!("  … {} more", schedule.legs.len() - 25);
    }
    println!(
        "\n  Evacuated {} of {} inside the windows; {} left.",
        schedule.total(),
        problem.people(),
        sum.left.iter().sum::<u64>()
    );
    println!("  Bottleneck: {}.", sum.bottleneck);
    println!(
        "  With one more hour of window: {} evacuated ({:+}). With ten more vehicles: {} ({:+}).",
        sum.with_extra_hour,
        sum.with_extra_hour as i64 - schedule.total() as i64,
        sum.with_ten_more_vehicles,
        sum.with_ten_more_vehicles as i64 - schedule.total() as i64
    );
    println!("  Planned in {ms:.1} ms; checked: no vehicle in two places, seats, windows and convoy limits kept.");
    Ok(())
}
