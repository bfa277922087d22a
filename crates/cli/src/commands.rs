//! The subcommands: raw flags in, resolved options to the libraries, results
//! to `output`.

use crate::exit::{self, Failure};
use crate::output;
use anyhow::anyhow;
use chrono::{DateTime, Datelike, FixedOffset};
use clap::Args;
use corridor_geo::LatLon;
use corridor_graph::{GraphFileError, Profile, RoadGraph};
use corridor_hazards::{HazardFileError, HazardSet};
use corridor_osm::ImportError;
use corridor_routing::cch::Cch;
use corridor_routing::{Engine, HazardLayer, RouteError, RouteOptions, Router};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct ImportArgs {
    /// The OpenStreetMap extract (.osm.pbf).
    pub extract: PathBuf,
    /// Where to write the graph file.
    #[arg(short, long, value_name = "REGION.graph")]
    pub output: PathBuf,
    /// Print the import summary as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct RouteArgs {
    /// Graph file made by `corridor import`.
    #[arg(long, value_name = "REGION.graph")]
    pub graph: PathBuf,
    /// Origin as LAT,LON in decimal degrees (WGS 84), e.g. 49.4093,8.6753.
    #[arg(long, value_name = "LAT,LON", allow_hyphen_values = true)]
    pub from: String,
    /// Destination as LAT,LON.
    #[arg(long, value_name = "LAT,LON", allow_hyphen_values = true)]
    pub to: String,
    /// Hazards to avoid: a GeoJSON FeatureCollection (see README, "Hazard files").
    #[arg(long, value_name = "FILE")]
    pub hazards: Option<PathBuf>,
    /// Departure as RFC 3339 with a UTC offset, e.g. 2022-03-05T10:00:00+03:00,
    /// or `now`. Decides which hazards are valid while on the road.
    #[arg(long, value_name = "TIME", default_value = "now")]
    pub depart: String,
    /// Travel profile: car (cars and buses) or foot.
    #[arg(long, default_value = "car", value_parser = clap::builder::TypedValueParser::map(
        clap::builder::PossibleValuesParser::new(Profile::NAMES), |s: String| s.parse::<Profile>().expect("a listed name")))]
    pub profile: Profile,
    /// A point farther than this from any road is an error, in metres.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "METRES",
        default_value_t = 1000.0
    )]
    pub max_snap_m: f64,
    /// Delay allowance of the time rule, in minutes: a hazard counts if it is
    /// valid while the traveller could be on the road, up to this late.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "MINUTES",
        default_value_t = 15
    )]
    pub margin_min: u32,
    /// Routing engine: `cch` (the contraction hierarchy, microseconds per
    /// query) or `dijkstra` (the plain time-dependent search it is checked
    /// against). Both give the same travel time.
    #[arg(long, default_value = "cch", value_parser = clap::builder::TypedValueParser::map(
        clap::builder::PossibleValuesParser::new(Engine::NAMES), |s: String| s.parse::<Engine>().expect("a listed name")))]
    pub engine: Engine,
    /// Print the route as JSON (for machines).
    #[arg(long, conflicts_with = "geojson")]
    pub json: bool,
    /// Print the route as a GeoJSON FeatureCollection.
    #[arg(long)]
    pub geojson: bool,
}

#[derive(Args)]
pub struct DemoArgs {
    /// Folder for the graph and the route GeoJSON.
    #[arg(long, default_value = "corridor-data")]
    pub out: PathBuf,
}

fn progress_bar() -> ProgressBar {
    let pb = ProgressBar::new(0);
    if std::io::stderr().is_terminal() {
        pb.set_draw_target(ProgressDrawTarget::stderr());
        pb.set_style(
            ProgressStyle::with_template("{msg:>14} [{bar:40}] {bytes}/{total_bytes} ({eta})")
                .expect("static template")
                .progress_chars("=> "),
        );
    } else {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    pb
}

/// Imports an extract and writes the graph; returns the summary.
fn do_import(extract: &Path, output: &Path) -> Result<output::ImportSummary, Failure> {
    let started = Instant::now();
    crate::files::check(extract, "extract", crate::files::EXTRACT_LIMIT)?;
    // `-o` naming the extract itself would replace the map with the graph.
    if let (Ok(a), Ok(b)) = (extract.canonicalize(), output.canonicalize()) {
        if a == b {
            return Err(Failure::new(
                exit::BAD_VALUE,
                anyhow!(
                    "-o {}: that is the extract itself; write the graph to another file (e.g. {})",
                    output.display(),
                    extract.with_extension("graph").display()
                ),
            ));
        }
    }
    let pb = progress_bar();
    let mut progress = |phase: &'static str, done: u64, total: u64| {
        pb.set_length(total);
        pb.set_position(done);
        pb.set_message(phase);
    };
    let (mut graph, stats) = corridor_osm::import(extract, &mut progress).map_err(|e| {
        let code = match e {
            ImportError::Io { .. } => exit::IO,
            _ => exit::BAD_FILE,
        };
        Failure::new(code, e)
    })?;
    pb.finish_and_clear();
    let spinner = ProgressBar::new_spinner();
    if std::io::stderr().is_terminal() {
        spinner.set_message("ordering and contracting the road network for routing");
        spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    } else {
        spinner.set_draw_target(ProgressDrawTarget::hidden());
    }
    let contracting = Instant::now();
    let contractions = Cch::contractions_of(&graph);
    let contraction_seconds = contracting.elapsed().as_secs_f64();
    spinner.finish_and_clear();
    let cch_arcs = contractions[Profile::Car.index()].up_head.len();
    let cch_arcs_foot = contractions[Profile::Foot.index()].up_head.len();
    graph.contractions = contractions;
    let bytes = graph.to_bytes();
    write_replacing(output, &bytes)
        .map_err(|e| Failure::new(exit::IO, anyhow!("cannot write {}: {e}", output.display())))?;
    Ok(output::ImportSummary {
        extract: extract.display().to_string(),
        output: output.display().to_string(),
        stats,
        car_edges: graph.usable_edges(Profile::Car),
        foot_edges: graph.usable_edges(Profile::Foot),
        file_bytes: bytes.len(),
        seconds: started.elapsed().as_secs_f64(),
        contraction_seconds,
        cch_arcs,
        cch_arcs_foot,
    })
}

pub fn import(a: ImportArgs) -> Result<(), Failure> {
    let s = do_import(&a.extract, &a.output)?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&s.to_json()).map_err(anyhow::Error::from)?
        );
    } else {
        print!("{}", s.human());
    }
    Ok(())
}

/// Writes `bytes` to `path` beside it and renames it over, synced first:
/// an import stopped half way, or a crash, leaves the old file whole, not
/// half of a new one. A symbolic link is followed (its target replaced, the
/// link kept).
fn write_replacing(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => path.canonicalize()?,
        _ => path.to_path_buf(),
    };
    let name = target
        .file_name()
        .map_or_else(Default::default, |n| n.to_string_lossy().into_owned());
    let partial = target.with_file_name(format!(".{name}.{}.partial", std::process::id()));
    let written = (|| {
        let mut f = std::fs::File::create(&partial)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&partial, &target)?;
        // The rename itself, durable (where a folder can be opened).
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

/// Reads a graph file, mapping each failure to its exit code.
pub fn load_graph(path: &Path) -> Result<RoadGraph, Failure> {
    let started = Instant::now();
    let bytes = crate::files::read(path, "graph", crate::files::GRAPH_LIMIT)?;
    let g = RoadGraph::from_bytes(&bytes).map_err(|e| {
        let code = match e {
            GraphFileError::Version { .. } => exit::GRAPH_VERSION,
            _ => exit::BAD_FILE,
        };
        Failure::new(code, anyhow!("{}: {e}", path.display()))
    })?;
    tracing::info!(
        nodes = g.num_nodes(),
        edges = g.num_edges(),
        ms = started.elapsed().as_millis() as u64,
        "graph loaded"
    );
    if let Some(note) = older_policy(&g.meta.policy) {
        eprintln!("warning: {}: {note}", path.display());
    }
    Ok(g)
}

/// What a graph made by another tag policy lacks, for a warning: it still
/// routes, by the rules it was made with.
fn older_policy(policy: &str) -> Option<String> {
    let now = corridor_osm::policy::POLICY_VERSION;
    (policy != now).then(|| {
        format!(
            "made by tag policy `{policy}`, not `{now}` (turn restrictions; barriers such as bollards and gates, roads too small for the convoy's bus, roads for motor vehicles only, platforms and piers): import the extract again for routes by today's rules"
        )
    })
}

/// Reads and validates a hazard file.
pub fn load_hazards(path: &Path) -> Result<HazardSet, Failure> {
    let text = crate::files::read_text(path, "hazards")?;
    corridor_hazards::parse_geojson(&text).map_err(|e: HazardFileError| {
        Failure::new(exit::BAD_HAZARDS, anyhow!("{}: {e}", path.display()))
    })
}

/// Parses `--depart`.
pub fn parse_time(s: &str) -> Result<DateTime<FixedOffset>, Failure> {
    if s == "now" {
        return Ok(chrono::Utc::now().fixed_offset());
    }
    let t = DateTime::parse_from_rfc3339(s).map_err(|e| {
        Failure::new(
            exit::BAD_VALUE,
            anyhow!("`{s}` is not a valid time with a UTC offset ({e}): use RFC 3339, e.g. 2022-03-05T10:00:00+03:00 (Kyiv/Moscow) or …Z for UTC"),
        )
    })?;
    let years = corridor_wire::DEPART_YEARS;
    if !years.contains(&t.year()) {
        return Err(Failure::new(
            exit::BAD_VALUE,
            anyhow!(
                "`{s}`: a time is from the year {} to {}",
                years.start(),
                years.end()
            ),
        ));
    }
    Ok(t)
}

/// Warns (on stderr) of each hazard more than 50 km beyond its buffer
/// from the map: most likely latitude and longitude swapped (GeoJSON is
/// longitude first), though a country's file may well hold hazards beyond
/// a city's extract. Measured between the hazard's bounding box and the
/// map's, so that an area around the map is not taken for one far away.
fn warn_far_hazards(g: &corridor_graph::RoadGraph, hazards: &HazardSet) {
    let Some((lo, hi)) = g.bbox() else { return };
    // The nearest pair of values of two intervals.
    let near = |a0: f64, a1: f64, b0: f64, b1: f64| {
        if a1 < b0 {
            (a1, b0)
        } else if b1 < a0 {
            (a0, b1)
        } else {
            let x = a0.max(b0);
            (x, x)
        }
    };
    for h in &hazards.hazards {
        let mut pts = h.parts.iter().flat_map(|p| match p {
            corridor_hazards::Part::Point(x) => vec![*x],
            corridor_hazards::Part::Line(l) => l.clone(),
            corridor_hazards::Part::Polygon(r) => r.iter().flatten().copied().collect(),
        });
        let Some(first) = pts.next() else { continue };
        let (mut w, mut s, mut e, mut n) = (first.0, first.1, first.0, first.1);
        for (lon, lat) in pts {
            (w, s, e, n) = (w.min(lon), s.min(lat), e.max(lon), n.max(lat));
        }
        let (la, lb) = near(s, n, lo.lat, hi.lat);
        let (oa, ob) = near(w, e, lo.lon, hi.lon);
        let d = corridor_geo::haversine_m(LatLon::new(la, oa), LatLon::new(lb, ob));
        if d > h.buffer_m + 50_000.0 {
            eprintln!(
                "warning: hazard `{}` lies {:.0} km from the map: GeoJSON is longitude first ([lon, lat])",
                h.id,
                d / 1000.0
            );
        }
    }
}

fn route_failure(e: RouteError) -> Failure {
    let code = match e {
        RouteError::OffMap { .. } => exit::OFF_MAP,
        RouteError::InHazard { .. } => exit::IN_HAZARD,
        RouteError::Cut { .. } => exit::CUT_BY_HAZARDS,
        RouteError::Disconnected { .. } => exit::DISCONNECTED,
        _ => exit::INTERNAL,
    };
    Failure::new(code, e)
}

pub fn route(a: RouteArgs) -> Result<(), Failure> {
    let from = LatLon::parse(&a.from)
        .map_err(|e| Failure::new(exit::BAD_VALUE, anyhow!("--from: {e}")))?;
    let to =
        LatLon::parse(&a.to).map_err(|e| Failure::new(exit::BAD_VALUE, anyhow!("--to: {e}")))?;
    let depart = parse_time(&a.depart)?;
    let (profile, engine) = (a.profile, a.engine);
    if !(a.max_snap_m.is_finite() && a.max_snap_m > 0.0) {
        return Err(Failure::new(
            exit::BAD_VALUE,
            anyhow!("--max-snap-m must be a positive number of metres"),
        ));
    }
    let hazards = match &a.hazards {
        Some(p) => load_hazards(p)?,
        None => HazardSet::default(),
    };
    let router = Router::new(load_graph(&a.graph)?);
    warn_far_hazards(router.graph(), &hazards);
    let layer = HazardLayer::new(router.graph(), router.index(), hazards);
    let opts = RouteOptions {
        profile,
        depart_ms: depart.timestamp_millis(),
        max_snap_m: a.max_snap_m,
        margin_ms: a.margin_min as i64 * 60_000,
        engine,
    };
    let started = Instant::now();
    let route = router
        .route(&layer, from, to, &opts)
        .map_err(route_failure)?;
    tracing::info!(
        us = started.elapsed().as_micros() as u64,
        method = route.method.name(),
        "route found"
    );
    let view = output::RouteView::new(&router, &layer, &route, *depart.offset());
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&view.to_json()).map_err(anyhow::Error::from)?
        );
    } else if a.geojson {
        println!(
            "{}",
            serde_json::to_string_pretty(&view.to_geojson()).map_err(anyhow::Error::from)?
        );
    } else {
        print!("{}", view.human());
    }
    Ok(())
}

/// The demo's scenario: across the Neckar with the central bridges out.
pub const DEMO_FROM: &str = "49.4037,8.6760";
/// Destination of the demo route.
pub const DEMO_TO: &str = "49.4225,8.6860";
/// Departure of the demo route.
pub const DEMO_DEPART: &str = "2022-03-05T10:00:00+01:00";

pub fn demo(a: DemoArgs) -> Result<(), Failure> {
    std::fs::create_dir_all(&a.out)
        .map_err(|e| Failure::new(exit::IO, anyhow!("cannot create {}: {e}", a.out.display())))?;
    let extract = crate::bundled("osm/heidelberg.osm.pbf");
    let graph_path = a.out.join("heidelberg.graph");
    println!("1. Importing the bundled extract {} ...", extract.display());
    let s = do_import(&extract, &graph_path)?;
    print!("{}", s.human());
    let hazards_path = crate::bundled("demo-hazards.geojson");
    let hazards = load_hazards(&hazards_path)?;
    let router = Router::new(load_graph(&graph_path)?);
    let depart = parse_time(DEMO_DEPART)?;
    let opts = RouteOptions {
        depart_ms: depart.timestamp_millis(),
        ..Default::default()
    };
    let (from, to) = (
        LatLon::parse(DEMO_FROM).expect("constant"),
        LatLon::parse(DEMO_TO).expect("constant"),
    );
    let clear = HazardLayer::empty(router.graph());
    let before = router
        .route(&clear, from, to, &opts)
        .map_err(route_failure)?;
    println!("\n2. Route without hazards:");
    print!(
        "{}",
        output::RouteView::new(&router, &clear, &before, *depart.offset()).human()
    );
    let layer = HazardLayer::new(router.graph(), router.index(), hazards);
    println!(
        "\n3. Route avoiding the {} hazards of {}:",
        layer.set().len(),
        hazards_path.display()
    );
    let route = router
        .route(&layer, from, to, &opts)
        .map_err(route_failure)?;
    let view = output::RouteView::new(&router, &layer, &route, *depart.offset());
    print!("{}", view.human());
    let out = a.out.join("demo-route.geojson");
    let text = serde_json::to_string_pretty(&view.to_geojson()).map_err(anyhow::Error::from)?;
    std::fs::write(&out, text)
        .map_err(|e| Failure::new(exit::IO, anyhow!("cannot write {}: {e}", out.display())))?;
    println!("\nWrote {} (the route, its endpoints and the hazards; open it in any GeoJSON viewer, e.g. geojson.io).", out.display());
    println!("Map data (c) OpenStreetMap contributors, ODbL.");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::older_policy;

    /// A graph of today's policy loads quietly; one of another says which,
    /// and what to do.
    #[test]
    fn a_graph_of_another_tag_policy_is_named_with_the_cure() {
        assert_eq!(older_policy(corridor_osm::policy::POLICY_VERSION), None);
        let note = older_policy("corridor-tag-policy/1").unwrap_or_default();
        assert!(
            note.contains("`corridor-tag-policy/1`") && note.contains("import the extract again"),
            "{note}"
        );
    }
}
