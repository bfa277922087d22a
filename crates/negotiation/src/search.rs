//! The search for corridors every belligerent accepts: for one origin, the
//! fastest acceptable route to each destination, up to K alternatives that
//! share at most a set fraction of their length, and for each destination
//! without one, which party's which rule excludes it and what would have to
//! change.
//!
//! On a road graph, the belligerents' forbidden territories and the blocking
//! hazards valid during the window become blocking polygons for the router
//! (so no route through them is even considered), their checkpoints become
//! via points (every order tried), and the result is then evaluated like any
//! proposal, which settles the window, the trip length and the profile.
//! Without a graph, the route is the polyline through the checkpoints.

use crate::evaluate::{evaluate, Evaluation};
use crate::plan::{self, route_through, PlannedRoute};
use crate::scenario::{Place, ProposalSpec, Role, Scenario, Waypoint, Window};
use crate::text;
use corridor_graph::Profile;
use corridor_hazards::{Effect, Hazard, HazardKind, HazardSet, Part, Validity};
use corridor_routing::{HazardLayer, RouteError, Router};
use std::collections::HashSet;

/// Most alternatives [`search`] looks for per destination: each costs up to
/// three more routes for every destination, so a number from a command line
/// must not set the running time unchecked (issue 12).
pub const MAX_ALTERNATIVES: usize = 10;

/// What to search for.
#[derive(Clone, Debug)]
pub struct SearchOptions {
    /// Travel profile.
    pub profile: Profile,
    /// The window the corridor would have.
    pub window: Window,
    /// Alternatives wanted per destination, besides the fastest; at most
    /// [`MAX_ALTERNATIVES`].
    pub alternatives: usize,
    /// Largest share of an alternative's length it may have in common with
    /// a route already found.
    pub max_shared: f64,
    /// Only this destination (its id), or every destination of the
    /// scenario: a search for one is not paid for all of them.
    pub destination: Option<String>,
}

/// An acceptable corridor.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// The route.
    pub route: PlannedRoute,
    /// Every party's verdict on it.
    pub evaluation: Evaluation,
}

/// The answer for one destination.
#[derive(Clone, Debug)]
pub struct DestinationResult {
    /// Destination id.
    pub destination: String,
    /// The fastest acceptable corridor, then the alternatives.
    pub options: Vec<Candidate>,
    /// When there is none: why, rule by rule, and what would change it.
    pub blocked_by: Vec<String>,
}

fn spec(origin: &Place, dest: &Place, opts: &SearchOptions) -> ProposalSpec {
    ProposalSpec {
        id: format!("search:{}:{}", origin.id, dest.id),
        origin: origin.id.clone(),
        destination: dest.id.clone(),
        window: opts.window,
        profile: opts.profile,
        via: Vec::new(),
        route: Vec::new(),
    }
}

/// Blocking polygons of the territories `ids` (ids prefixed `territory:`).
fn territory_hazards(scn: &Scenario, ids: &[String]) -> Vec<Hazard> {
    ids.iter()
        .filter_map(|id| scn.territory(id))
        .map(|t| Hazard {
            id: format!("territory:{}", t.id),
            kind: HazardKind::Other,
            parts: t.polygons().map(|p| Part::Polygon(p.clone())).collect(),
            buffer_m: 0.0,
            validity: Validity::ALWAYS,
            effect: Effect::Block,
            source: "forbidden transit".into(),
        })
        .collect()
}

/// The scenario's hazards as the search uses them: a blocking hazard valid
/// at any time in the window blocks for the whole window.
fn window_hazards(scn: &Scenario, w: &Window) -> Vec<Hazard> {
    scn.hazards
        .hazards
        .iter()
        .map(|h| {
            let mut h = h.clone();
            if h.effect == Effect::Block
                && h.validity
                    .overlaps(w.start.timestamp_millis(), w.end.timestamp_millis())
            {
                h.validity = Validity::ALWAYS;
            }
            h
        })
        .collect()
}

/// Every order of the checkpoints (there are few).
fn orders(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    let mut out = Vec::new();
    for first in 0..n {
        for mut rest in orders(n - 1) {
            for x in rest.iter_mut() {
                if *x >= first {
                    *x += 1;
                }
            }
            rest.insert(0, first);
            out.push(rest);
        }
    }
    out
}

/// A road route through `pts`, leaving when the window opens.
fn route_window(
    scn: &Scenario,
    router: &Router,
    layer: &HazardLayer,
    pts: &[corridor_geo::LatLon],
    opts: &SearchOptions,
) -> Result<PlannedRoute, RouteError> {
    route_through(
        router,
        layer,
        pts,
        opts.profile,
        opts.window.start.timestamp_millis(),
        scn.max_snap_m,
    )
}

/// The fastest route from `o` to `d` through every checkpoint, under `layer`.
fn fastest(
    scn: &Scenario,
    router: &Router,
    layer: &HazardLayer,
    o: &Place,
    d: &Place,
    checkpoints: &[Waypoint],
    opts: &SearchOptions,
) -> Result<PlannedRoute, RouteError> {
    let mut best: Option<PlannedRoute> = None;
    let mut last_err = None;
    for order in orders(checkpoints.len().min(5)) {
        let mut pts = vec![o.at];
        pts.extend(order.iter().map(|&i| checkpoints[i].at));
        pts.push(d.at);
        match route_window(scn, router, layer, &pts, opts) {
            Ok(r) if best.as_ref().is_none_or(|b| r.duration_ms < b.duration_ms) => best = Some(r),
            Ok(_) => {}
            Err(e) => last_err = Some(e),
        }
    }
    best.ok_or_else(|| last_err.expect("at least one order was tried"))
}

/// Metres of `a` on graph edges that `b` also travels.
fn shared_m(router: &Router, a: &PlannedRoute, b: &PlannedRoute) -> f64 {
    let g = router.graph();
    let bs: HashSet<u32> = b.edges.iter().copied().collect();
    let mut seen = HashSet::new();
    a.edges
        .iter()
        .filter(|e| bs.contains(e) && seen.insert(**e))
        .map(|&e| g.edge_length_m[e as usize])
        .sum()
}

/// Searches every destination of the scenario from `origin`.
pub fn search(
    scn: &Scenario,
    origin: &str,
    opts: &SearchOptions,
    router: Option<&Router>,
) -> Result<Vec<DestinationResult>, String> {
    if opts.alternatives > MAX_ALTERNATIVES {
        return Err(format!(
            "{} alternatives asked for; at most {MAX_ALTERNATIVES} are searched",
            opts.alternatives
        ));
    }
    if !(0.0..=1.0).contains(&opts.max_shared) {
        return Err(format!(
            "the largest shared share of an alternative must be within 0..1, not {}",
            opts.max_shared
        ));
    }
    let o = scn
        .origins
        .iter()
        .find(|p| p.id == origin)
        .ok_or_else(|| format!("unknown origin `{origin}`"))?;
    let belligerents: Vec<_> = scn
        .parties
        .iter()
        .filter(|p| p.role == Role::Belligerent)
        .collect();
    let forbidden: Vec<String> = {
        let mut v: Vec<String> = belligerents
            .iter()
            .flat_map(|p| p.constraints.forbidden_transit.iter().cloned())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let mut results = Vec::new();
    let mut layer: Option<HazardLayer> = None;
    let wanted = |d: &&crate::scenario::Place| opts.destination.as_ref().is_none_or(|x| *x == d.id);
    for d in scn.destinations.iter().filter(wanted) {
        let checkpoints: Vec<Waypoint> = belligerents
            .iter()
            .flat_map(|p| p.constraints.checkpoints.iter())
            .filter(|c| {
                c.for_destinations_in
                    .as_ref()
                    .is_none_or(|t| scn.territory(t).is_some_and(|t| t.contains(d.at)))
            })
            .map(|c| Waypoint {
                name: c.name.clone(),
                at: c.at,
                names: Vec::new(),
            })
            .collect();
        let mut res = DestinationResult {
            destination: d.id.clone(),
            options: Vec::new(),
            blocked_by: Vec::new(),
        };
        // Rules that no route can satisfy.
        for p in &belligerents {
            if let Some(allowed) = &p.constraints.allowed_destinations {
                if !allowed
                    .iter()
                    .any(|t| scn.territory(t).is_some_and(|t| t.contains(d.at)))
                {
                    let here: Vec<String> = scn
                        .territories_at(d.at)
                        .iter()
                        .map(|t| t.name.clone())
                        .collect();
                    res.blocked_by.push(format!(
                        "{} (destination_forbidden): {} lies in {}; {} would have to accept it as a destination",
                        p.name,
                        d.name,
                        if here.is_empty() { "no listed territory".into() } else { here.join(", ") },
                        p.name
                    ));
                }
            }
            if let Some(profiles) = &p.constraints.profiles {
                if !profiles.contains(&opts.profile) {
                    res.blocked_by.push(format!(
                        "{} (profile_forbidden): accepts only {} corridors",
                        p.name,
                        profiles
                            .iter()
                            .map(|x| x.name())
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ));
                }
            }
        }
        if !res.blocked_by.is_empty() {
            results.push(res);
            continue;
        }
        let s = spec(o, d, opts);
        let Some(router) = router else {
            // No graph: the polyline through the checkpoints, nearest first.
            let mut pts = vec![Waypoint {
                name: o.name.clone(),
                at: o.at,
                names: o.names.clone(),
            }];
            let mut cps = checkpoints.clone();
            cps.sort_by(|a, b| {
                corridor_geo::haversine_m(o.at, a.at)
                    .total_cmp(&corridor_geo::haversine_m(o.at, b.at))
            });
            pts.extend(cps);
            pts.push(Waypoint {
                name: d.name.clone(),
                at: d.at,
                names: d.names.clone(),
            });
            let route = plan::polyline(scn, &pts);
            judge(scn, &s, route, &mut res);
            results.push(res);
            continue;
        };
        // The same hazards for every destination (the window's and the
        // forbidden territories): mapped once a search, not once a
        // destination (with 200 hazards of 50 km, a mapping is a good
        // fraction of a second).
        let layer: &HazardLayer = layer.get_or_insert_with(|| {
            let mut hz = window_hazards(scn, &opts.window);
            hz.extend(territory_hazards(scn, &forbidden));
            HazardLayer::new(router.graph(), router.index(), HazardSet { hazards: hz })
        });
        match fastest(scn, router, layer, o, d, &checkpoints, opts) {
            Ok(route) => {
                judge(scn, &s, route, &mut res);
                if !res.options.is_empty() && opts.alternatives > 0 {
                    alternatives(scn, router, layer, o, d, &checkpoints, opts, &s, &mut res);
                }
            }
            Err(e) => {
                res.blocked_by = explain(scn, router, o, d, &checkpoints, opts, &forbidden, e)
            }
        }
        results.push(res);
    }
    Ok(results)
}

/// Evaluates a route; keeps it as an option when every belligerent accepts,
/// else records why not and what would change it.
fn judge(scn: &Scenario, s: &ProposalSpec, route: PlannedRoute, res: &mut DestinationResult) {
    let version = plan::canonical(scn, s, &route).version();
    let ev = evaluate(scn, s, &route, &version);
    if ev.agreed() {
        res.options.push(Candidate {
            route,
            evaluation: ev,
        });
        return;
    }
    for v in ev.verdicts.iter().filter(|v| v.role == Role::Belligerent) {
        let name = scn
            .party(&v.party)
            .map_or(v.party.as_str(), |p| p.name.as_str());
        for x in &v.violations {
            let change = match x.code {
                "window_too_short" => format!(
                    "; a window of at least {} ({} longer) would do",
                    text::duration(route.duration_ms),
                    text::duration(
                        route
                            .duration_ms
                            .saturating_sub(s.window.len_ms().max(0) as u64)
                    )
                ),
                "too_long" => format!(
                    "; {name} would have to accept trips of {}",
                    text::duration(route.duration_ms)
                ),
                "hazard" => "; lifting the hazard would allow it".to_string(),
                _ => String::new(),
            };
            let line = format!("{name} ({}): {}{change}", x.code, x.message);
            if !res.blocked_by.contains(&line) {
                res.blocked_by.push(line);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn alternatives(
    scn: &Scenario,
    router: &Router,
    layer: &HazardLayer,
    o: &Place,
    d: &Place,
    checkpoints: &[Waypoint],
    opts: &SearchOptions,
    s: &ProposalSpec,
    res: &mut DestinationResult,
) {
    // Penalize the routes found (twice as slow along them), find another,
    // then route for real through a few of its points.
    for round in 0..opts.alternatives * 3 {
        if res.options.len() > opts.alternatives {
            break;
        }
        let mut penalties = Vec::new();
        for (i, x) in res.options.iter().enumerate() {
            penalties.push(Hazard {
                id: format!("penalty:{round}:{i}"),
                kind: HazardKind::Other,
                parts: vec![Part::Line(
                    x.route.geometry.iter().map(|p| (p.lon, p.lat)).collect(),
                )],
                buffer_m: 1.0,
                validity: Validity::ALWAYS,
                effect: Effect::Slow(2.0 + round as f64),
                source: "alternative".into(),
            });
        }
        // The search's hazards are mapped already: only the penalties are.
        let penalized = layer.with_extra(router.graph(), router.index(), penalties);
        let Ok(cand) = fastest(scn, router, &penalized, o, d, checkpoints, opts) else {
            break;
        };
        // Through a few of its points and the checkpoints, in the order
        // the candidate meets them.
        let n = cand.geometry.len();
        let mut marks: Vec<(usize, corridor_geo::LatLon)> = [n / 4, n / 2, 3 * n / 4]
            .iter()
            .map(|&i| (i.min(n - 1), cand.geometry[i.min(n - 1)]))
            .collect();
        for c in checkpoints {
            let i = (0..n)
                .min_by(|&a, &b| {
                    corridor_geo::haversine_m(cand.geometry[a], c.at)
                        .total_cmp(&corridor_geo::haversine_m(cand.geometry[b], c.at))
                })
                .unwrap_or(0);
            marks.push((i, c.at));
        }
        marks.sort_by_key(|m| m.0);
        let mut pts = vec![o.at];
        pts.extend(marks.iter().map(|m| m.1));
        pts.push(d.at);
        let Ok(real) = route_window(scn, router, layer, &pts, opts) else {
            continue;
        };
        let distinct = res
            .options
            .iter()
            .all(|x| shared_m(router, &real, &x.route) <= opts.max_shared * real.distance_m);
        if distinct {
            let mut probe = DestinationResult {
                destination: res.destination.clone(),
                options: Vec::new(),
                blocked_by: Vec::new(),
            };
            judge(scn, s, real, &mut probe);
            res.options.extend(probe.options);
        }
    }
}

/// Why no route exists: which blocking polygons (hazards, forbidden
/// territories) cut it, found by lifting them one group at a time.
#[allow(clippy::too_many_arguments)]
fn explain(
    scn: &Scenario,
    router: &Router,
    o: &Place,
    d: &Place,
    checkpoints: &[Waypoint],
    opts: &SearchOptions,
    forbidden: &[String],
    err: RouteError,
) -> Vec<String> {
    let who_forbids = |t: &str| -> String {
        scn.parties
            .iter()
            .filter(|p| {
                p.role == Role::Belligerent
                    && p.constraints.forbidden_transit.iter().any(|x| x == t)
            })
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let tname = |t: &str| scn.territory(t).map_or(t.to_string(), |x| x.name.clone());
    let try_with = |hz: Vec<Hazard>| {
        let layer = HazardLayer::new(router.graph(), router.index(), HazardSet { hazards: hz });
        fastest(scn, router, &layer, o, d, checkpoints, opts)
    };
    let mut out = Vec::new();
    match &err {
        RouteError::InHazard {
            endpoint, hazard, ..
        } => {
            if let Some(t) = hazard.strip_prefix("territory:") {
                out.push(format!(
                    "the {endpoint} lies in {}, where {} forbids transit; {} would have to allow it",
                    tname(t),
                    who_forbids(t),
                    who_forbids(t)
                ));
            } else {
                out.push(format!(
                    "the {endpoint} is inside hazard `{hazard}`; lifting it would allow a route"
                ));
            }
            return out;
        }
        RouteError::OffMap { .. } | RouteError::Disconnected { .. } => {
            out.push(format!("{err}"));
            return out;
        }
        _ => {}
    }
    let hazards = window_hazards(scn, &opts.window);
    // Forbidden territories alone, then each one lifted.
    let without_hazards = try_with(territory_hazards(scn, forbidden));
    let without_territories = try_with(hazards.clone());
    match (&without_hazards, &without_territories) {
        (Ok(r), _) => {
            if let RouteError::Cut { hazards: names } = &err {
                let names: Vec<&String> = names
                    .iter()
                    .filter(|h| !h.starts_with("territory:"))
                    .collect();
                out.push(format!(
                    "hazard(s) {} cut every route that avoids the forbidden territories; lifting them would allow a route of {} ({})",
                    names.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", "),
                    text::duration(r.duration_ms),
                    text::km(r.distance_m)
                ));
            } else {
                out.push(format!(
                    "the hazards cut every route; without them one takes {}",
                    text::duration(r.duration_ms)
                ));
            }
        }
        (Err(_), Ok(_)) => {
            for t in forbidden {
                let rest: Vec<String> = forbidden.iter().filter(|x| *x != t).cloned().collect();
                let mut hz = hazards.clone();
                hz.extend(territory_hazards(scn, &rest));
                if let Ok(r) = try_with(hz) {
                    out.push(format!(
                        "every route crosses {}, where {} forbids transit; allowing it would permit a route of {} ({})",
                        tname(t),
                        who_forbids(t),
                        text::duration(r.duration_ms),
                        text::km(r.distance_m)
                    ));
                }
            }
            if out.is_empty() {
                out.push(format!(
                    "the forbidden territories ({}) together cut every route",
                    forbidden
                        .iter()
                        .map(|t| tname(t))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        (Err(_), Err(_)) => out.push(format!(
            "both the hazards and the forbidden territories cut every route: {err}"
        )),
    }
    out
}

/// The search's answer for machines (`corridor search --json`,
/// `GET /api/search`): every destination with its corridors (route, version,
/// last safe departure in the scenario's zone) or what blocks it.
pub fn results_json(
    scn: &Scenario,
    origin: &str,
    window: &Window,
    results: &[DestinationResult],
) -> serde_json::Value {
    use serde_json::json;
    let line = |g: &[corridor_geo::LatLon]| json!({"type": "LineString", "coordinates": g.iter().map(|p| [p.lon, p.lat]).collect::<Vec<_>>()});
    let v: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            json!({
                "destination": r.destination,
                "options": r.options.iter().map(|c| json!({
                    "distance_m": c.route.distance_m.round(), "duration_s": c.route.duration_ms / 1000,
                    "via": c.route.via, "version": c.evaluation.version,
                    "last_safe_departure": c.evaluation.last_safe_departure.with_timezone(&scn.tz).to_rfc3339(),
                    "geometry": line(&c.route.geometry),
                })).collect::<Vec<_>>(),
                "blocked_by": r.blocked_by,
            })
        })
        .collect();
    json!({"origin": origin, "window": {"start": window.start.to_rfc3339(), "end": window.end.to_rfc3339()}, "results": v})
}
