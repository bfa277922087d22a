//! `corridor evaluate`: every party's verdict on a scenario's proposals.

use super::*;

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
        let version = plan::canonical(&scn, spec, &r).version();
        let ev = evaluate(&scn, spec, &r, &version);
        if a.json {
            out.push(crate::output::evaluation_json(&scn, &ev, &r));
        } else {
            println!("{}", human_evaluation(&scn, spec, &r, &ev));
        }
    }
    if a.json {
        crate::output::print_json(&serde_json::json!({"scenario": scn.name, "evaluations": out}))?;
    }
    Ok(())
}
