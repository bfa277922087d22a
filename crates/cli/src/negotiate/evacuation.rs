//! `corridor plan`: evacuation planning on agreed corridors.

use super::*;

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
    use corridor_evacuation::{ccrp, check, plan_file, summarize};
    let text = read(&a.plan)?;
    let rel = plan_file::scenario_path(&text, &a.plan.display().to_string())
        .map_err(|e| Failure::new(exit::BAD_SCENARIO, anyhow!("{e}")))?;
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
            // The start rounded up, as the file's own windows: nobody
            // is planned to leave before the window opens.
            {
                let t = spec.window.start.timestamp();
                t.div_euclid(60) + i64::from(t.rem_euclid(60) != 0)
            },
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
        crate::output::print_json(&corridor_evacuation::plan_json(
            &problem, &schedule, &sum, tz, ms,
        ))?;
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
        // The window with the dates when it is not one day's.
        let (o, e) = (hhmm(tz, c.open), hhmm(tz, c.close));
        let window = if o.get(..5) == e.get(..5) {
            format!("{}–{}", o.get(6..).unwrap_or(&o), e.get(6..).unwrap_or(&e))
        } else {
            format!("{o}–{e}")
        };
        let last = if sum.last_safe_departure[i] < c.open {
            "none (trip > window)".to_string()
        } else {
            hhmm(tz, sum.last_safe_departure[i])
        };
        println!(
            "  {:<26} {:>14} {:>16} {:>20}",
            c.id,
            window,
            last,
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
