//! `corridor search`: the corridors every belligerent accepts from an origin.

use super::*;

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
    /// Travel profile.
    #[arg(long, default_value = "car", value_parser = clap::builder::TypedValueParser::map(
        clap::builder::PossibleValuesParser::new(Profile::NAMES), |s: String| s.parse::<Profile>().expect("a listed name")))]
    pub profile: Profile,
    /// Alternatives wanted per destination, besides the fastest (0 to 10).
    #[arg(long, allow_negative_numbers = true, default_value_t = 2, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=10))]
    pub alternatives: usize,
    /// Largest share of an alternative's length in common with a route
    /// already found (0..1).
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.5)]
    pub max_shared: f64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn search_cmd(a: SearchArgs) -> Result<(), Failure> {
    let scn = load_scenario(&a.scenario)?;
    let router = load_map(&a.scenario, &scn)?;
    let profile = a.profile;
    if !(0.0..=1.0).contains(&a.max_shared) {
        return Err(Failure::new(
            exit::BAD_VALUE,
            anyhow!("--max-shared must be within 0..1"),
        ));
    }
    let Some(o) = scn.origins.iter().find(|p| p.id == a.origin) else {
        let ids: Vec<&str> = scn.origins.iter().map(|p| p.id.as_str()).collect();
        return Err(Failure::new(
            exit::BAD_VALUE,
            anyhow!(
                "unknown origin `{}`: the scenario's origins are {}",
                a.origin,
                ids.join(", ")
            ),
        ));
    };
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
        destination: None,
    };
    let results = search(&scn, &a.origin, &opts, router.as_ref())
        .map_err(|e| Failure::new(exit::BAD_VALUE, anyhow!(e)))?;
    if a.json {
        crate::output::print_json(&corridor_negotiation::search::results_json(
            &scn, &a.origin, &window, &results,
        ))?;
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
