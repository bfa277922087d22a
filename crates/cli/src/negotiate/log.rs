//! `corridor log`: verify, sign heads, prove.

use super::*;

#[derive(Subcommand)]
pub enum LogCommand {
    /// Verify a whole log offline from the scenario's public keys: every
    /// line canonical, in order, chained, signed by its party; every action
    /// allowed by the corridor lifecycle; and the signed tree heads.
    #[command(after_help = crate::exit::TABLE)]
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
    #[command(after_help = crate::exit::TABLE)]
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
        /// When the head is signed: `now`, or an RFC 3339 time with a UTC
        /// offset (e.g. 2022-03-08T12:00:00+02:00).
        #[arg(long, default_value = "now", value_name = "TIME")]
        time: String,
    },
    /// Print an inclusion proof for entry N, or a consistency proof from an
    /// earlier size, as JSON.
    #[command(after_help = crate::exit::TABLE)]
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

pub fn log_cmd(c: LogCommand) -> Result<(), Failure> {
    match c {
        LogCommand::Verify {
            log,
            scenario,
            heads,
            json,
        } => {
            let scn = load_scenario(&scenario)?;
            let text = read_log_text(&log)?;
            let key_of = |id: &str| scn.party(id).map(|p| p.key);
            let v = corridor_log::verify(&text, &key_of);
            let mut problems: Vec<String> = v.problems.iter().map(|p| p.to_string()).collect();
            // Every entry's meaning: its body, time order, the lifecycle,
            // windows and hazard ownership, named by line.
            let (ledger, refused) = Ledger::replay_all(scn.clone(), &v.log);
            for (seq, e) in refused {
                problems.push(format!("line {}: {}: {e}", seq + 1, e.rule.code()));
            }
            let mut heads_checked = 0;
            if let Some(h) = heads {
                for (where_, head) in signed_heads(&h)? {
                    match head {
                        None => problems.push(format!("{where_}: not a signed tree head")),
                        Some(head) => match corridor_log::check_head(&v.log, &head, &key_of) {
                            Ok(()) => heads_checked += 1,
                            Err(e) => problems.push(format!("{where_}: {e}")),
                        },
                    }
                }
            }
            if json {
                crate::output::print_json(&crate::output::verified_json(
                    &v.log,
                    &ledger,
                    heads_checked,
                    &problems,
                ))?;
            } else if problems.is_empty() {
                // States only from a log that verifies: a tampered log's
                // states are not evidence.
                for c in ledger.corridors().values() {
                    let v = &c.life.version;
                    println!(
                        "corridor {}: {} (version {} of {})",
                        c.life.id,
                        c.state().name(),
                        &v[..12.min(v.len())],
                        c.life.versions
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
                let f = Failure::new(
                    exit::LOG_INVALID,
                    anyhow!("the log does not verify:\n{}", problems.join("\n")),
                );
                // The report above names every problem.
                Err(if json { f.json_written() } else { f })
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
            let _lock = lock_beside(&out)?;
            let log = read_log(&log, &scn, false)?;
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
            let text = read_log_text(&log)?;
            let v = corridor_log::verify(&text, &|_| None);
            let l = v.log;
            let out = match (entry, from) {
                (Some(i), _) => l.inclusion_json(i),
                (None, Some(m)) => l.consistency_json(m),
                _ => None,
            }
            .ok_or_else(|| {
                Failure::new(
                    exit::BAD_VALUE,
                    anyhow!(
                        "give --entry N (0..{}) or --from SIZE (1..={})",
                        l.len(),
                        l.len()
                    ),
                )
            })?;
            crate::output::print_json(&out)?;
            Ok(())
        }
    }
}

/// Signed tree heads from a file: one per line as `corridor log head`
/// writes them, or the body of the server's `/api/log/head` (its `signed`
/// member), as it comes. Each with where it was found.
fn signed_heads(path: &Path) -> Result<Vec<(String, Option<SignedHead>)>, Failure> {
    let text = read(path)?;
    let head_of = |v: &Value| SignedHead::from_json(v.get("signed").unwrap_or(v));
    if let Ok(v) = serde_json::from_str::<Value>(&text) {
        return Ok(vec![(path.display().to_string(), head_of(&v))]);
    }
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            let head = serde_json::from_str::<Value>(line)
                .ok()
                .and_then(|v| head_of(&v));
            (format!("{} line {}", path.display(), i + 1), head)
        })
        .collect())
}
