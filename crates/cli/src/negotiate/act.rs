//! `corridor act`: one action of a party, checked by the ledger, signed and appended.

use super::*;
use corridor_ledger::Verb;
use corridor_negotiation::plan::ProposalContent;

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
    /// What to do to the corridor.
    #[arg(value_parser = clap::builder::TypedValueParser::map(clap::builder::PossibleValuesParser::new(Verb::NAMES),
        |s: String| s.parse::<Verb>().expect("a listed name")))]
    pub action: Verb,
    /// The proposal (corridor) id.
    pub proposal: String,
    /// Why, recorded in the log with the action (any action but propose,
    /// whose content says what it is); published for a suspension, a
    /// closure or a cancellation by the mediator.
    #[arg(long)]
    pub reason: Option<String>,
    /// The version read (its hash, 64 hex digits, as `corridor act` prints
    /// it): refused (exit 14) if another is on the table.
    #[arg(long, value_name = "HASH")]
    pub version: Option<String>,
    /// When, RFC 3339 with offset (default: now). Never earlier than the
    /// log's last entry: the record's times never go backwards.
    #[arg(long, default_value = "now")]
    pub time: String,
}

/// The content of proposal `id` of the scenario, routed with the scenario
/// in force (the exercise clock, the hazards reported and not lifted).
fn proposal_content(path: &Path, ledger: &Ledger, id: &str) -> Result<ProposalContent, Failure> {
    let scn = ledger.scenario();
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
    Ok(plan::canonical(scn, spec, &r))
}

pub fn act(a: ActArgs) -> Result<(), Failure> {
    let scn = load_scenario(&a.scenario)?;
    let key = load_key(&a.key, &scn, &a.actor)?;
    let _lock = lock_beside(&a.log)?;
    let (mut log, mut ledger) = open_ledger(&a.log, &scn, true)?;
    let time = now_or(&a.time)?;
    let refused =
        |e: corridor_ledger::Refusal| Failure::new(exit::REFUSED, anyhow!("refused: {e}"));
    if let Some(v) = &a.version {
        if let Some(why) = corridor_ledger::malformed_version(a.action, v) {
            return Err(Failure::new(exit::BAD_VALUE, anyhow!("--version: {why}")));
        }
        ledger.on_version(&a.proposal, v).map_err(refused)?;
    }
    if a.action == Verb::Propose && a.reason.as_deref().is_some_and(|r| !r.is_empty()) {
        return Err(Failure::new(
            exit::BAD_VALUE,
            anyhow!("--reason: a proposal records no reason (its content says what it is)"),
        ));
    }
    let body = match a.action {
        Verb::Propose => {
            corridor_ledger::propose(proposal_content(&a.scenario, &ledger, &a.proposal)?, None)
        }
        verb => ledger
            .action(&a.actor, verb, &a.proposal, a.reason.clone())
            .map_err(refused)?,
    };
    let rec = ledger
        .append(&mut log, &time, &a.actor, body, &key)
        .map_err(refused)?;
    write_durably(&a.log, &log.to_text())?;
    let state = ledger.corridor(&a.proposal).map_or("?".to_string(), |c| {
        format!("{} (version {})", c.state().name(), c.life.version)
    });
    println!(
        "entry {}: {} {} `{}` → corridor {}; log size {}, tree hash {}",
        rec.entry.seq,
        a.actor,
        a.action,
        a.proposal,
        state,
        log.len(),
        corridor_log::hex(&log.root())
    );
    Ok(())
}
