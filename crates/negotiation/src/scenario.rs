//! The scenario file (TOML): map, territories, time zone, status, parties
//! with their keys and rules, origins, destinations, hazards and proposals.
//! `examples/*/scenario.toml` are annotated examples; `docs/scenario.md`
//! describes every key.
//!
//! Every mistake is reported with the file, the line and the reason, and all
//! of them at once: unknown territories, time zones, places and keys,
//! duplicate ids, parties without a key, times without an offset.

use crate::gazetteer::{Gazetteer, Town};
use crate::territory::Territory;
use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use corridor_geo::LatLon;
use corridor_graph::Profile;
use corridor_hazards::HazardSet;
use ed25519_dalek::VerifyingKey;
use serde::Deserialize;
use std::collections::HashSet;
use toml::Spanned;

/// Whether a scenario is real: decides the CAP `status` of its alerts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Real events.
    Actual,
    /// A rehearsal.
    Exercise,
    /// A technical test.
    Test,
}

impl std::str::FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Status, String> {
        match s {
            "actual" => Ok(Status::Actual),
            "exercise" => Ok(Status::Exercise),
            "test" => Ok(Status::Test),
            s => Err(format!("status `{s}` is not actual, exercise or test")),
        }
    }
}

/// What a party is at the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A warring party: its acceptance is required.
    Belligerent,
    /// The neutral mediator: countersigns and opens corridors.
    Mediator,
    /// A local or regional authority.
    Authority,
    /// Watches; never required.
    Observer,
}

impl Role {
    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Role::Belligerent => "belligerent",
            Role::Mediator => "mediator",
            Role::Authority => "authority",
            Role::Observer => "observer",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        [
            Role::Belligerent,
            Role::Mediator,
            Role::Authority,
            Role::Observer,
        ]
        .into_iter()
        .find(|r| r.name() == s)
        .ok_or_else(|| format!("role `{s}` is not belligerent, mediator, authority or observer"))
    }
}

/// A checkpoint a route must pass.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    /// Its name.
    pub name: String,
    /// Where.
    pub at: LatLon,
    /// How close the route must come, in metres.
    pub radius_m: f64,
    /// Only for corridors ending in this territory (`None`: every corridor).
    pub for_destinations_in: Option<String>,
}

/// What one party will accept.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Constraints {
    /// Territories a corridor may end in (`None`: anywhere).
    pub allowed_destinations: Option<Vec<String>>,
    /// Territories a corridor may not cross.
    pub forbidden_transit: Vec<String>,
    /// Checkpoints every route must pass.
    pub checkpoints: Vec<Checkpoint>,
    /// Longest acceptable trip, in ms.
    pub max_trip_ms: Option<u64>,
    /// Profiles allowed (`None`: any).
    pub profiles: Option<Vec<Profile>>,
}

/// A party.
#[derive(Clone, Debug, PartialEq)]
pub struct Party {
    /// Id (used in the log).
    pub id: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Key that signs its actions.
    pub key: VerifyingKey,
    /// Its rules.
    pub constraints: Constraints,
}

/// An origin or a destination.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Where.
    pub at: LatLon,
    /// People waiting (origins).
    pub people: u64,
    /// Places available (destinations), if known.
    pub capacity: Option<u64>,
    /// Other names (from the gazetteer), in several scripts.
    pub names: Vec<String>,
    /// Its name in Ukrainian and in Russian: as the file gives them, else
    /// from the names table for a place given as a town (`place_names`).
    /// Missing ones are in [`Scenario::warnings`].
    pub name_uk: Option<String>,
    /// See `name_uk`.
    pub name_ru: Option<String>,
    /// Its name in English: `name_en`, else `name` as the file gives it,
    /// else the official romanization of the town's Ukrainian name from the
    /// names table; `None` leaves `name`.
    pub name_en: Option<String>,
    /// Where people gather, as a person finds it.
    pub gathering: Gathering,
}

/// The gathering point of a place as a person finds it: a name and an
/// address or landmark per language from the scenario file
/// (`gathering = { uk = "…", ru = "…", en = "…" }`), else the nearest
/// named road of the map ([`Scenario::name_gathering_roads`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Gathering {
    /// In Ukrainian.
    pub uk: Option<String>,
    /// In Russian.
    pub ru: Option<String>,
    /// In English.
    pub en: Option<String>,
    /// The nearest named road to the place, from the road graph, when the
    /// file describes no gathering point.
    pub road: Option<String>,
}

impl Gathering {
    /// Whether the file describes it in any language.
    pub fn described(&self) -> bool {
        self.uk.is_some() || self.ru.is_some() || self.en.is_some()
    }
}

/// A named point on a route.
#[derive(Clone, Debug, PartialEq)]
pub struct Waypoint {
    /// Name as given (a town, or the coordinates).
    pub name: String,
    /// Where.
    pub at: LatLon,
    /// Other names (from the gazetteer).
    pub names: Vec<String>,
}

/// A time window with explicit offsets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    /// Opens.
    pub start: DateTime<FixedOffset>,
    /// Closes.
    pub end: DateTime<FixedOffset>,
}

impl Window {
    /// Length in ms.
    pub fn len_ms(&self) -> i64 {
        (self.end - self.start).num_milliseconds()
    }
}

/// A proposal as written in the scenario file.
#[derive(Clone, Debug, PartialEq)]
pub struct ProposalSpec {
    /// Id.
    pub id: String,
    /// Origin place id.
    pub origin: String,
    /// Destination place id.
    pub destination: String,
    /// Window.
    pub window: Window,
    /// Profile.
    pub profile: Profile,
    /// Via points the route must pass (graph routing).
    pub via: Vec<Waypoint>,
    /// The route as named places (no graph): origin and destination are
    /// added at the ends.
    pub route: Vec<Waypoint>,
}

/// How routes without a road graph are timed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoGraph {
    /// Road distance over straight-line distance.
    pub detour_factor: f64,
    /// Convoy speed, km/h.
    pub speed_kmh: f64,
}

/// A whole scenario, checked.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Name.
    pub name: String,
    /// Status.
    pub status: Status,
    /// Time zone in which people are told times.
    pub tz: Tz,
    /// Road map (a `.graph` or `.osm.pbf` path, relative to the scenario
    /// file), if any.
    pub map: Option<String>,
    /// Timing of routes without a graph.
    pub no_graph: NoGraph,
    /// A route may run this far through a forbidden territory (GPS-grade
    /// slack along borders), metres.
    pub transit_tolerance_m: f64,
    /// Farthest a place may be from the road a route starts or ends on,
    /// metres: a corridor does not begin a kilometre from where people wait.
    pub max_snap_m: f64,
    /// Territories.
    pub territories: Vec<Territory>,
    /// Parties.
    pub parties: Vec<Party>,
    /// Origins.
    pub origins: Vec<Place>,
    /// Destinations.
    pub destinations: Vec<Place>,
    /// Hazards.
    pub hazards: HazardSet,
    /// Proposals.
    pub proposals: Vec<ProposalSpec>,
    /// Towns by name in any script (empty without a gazetteer), for places
    /// given by name; with their Ukrainian and Russian names where the
    /// scenario names a table (`place_names`).
    pub gazetteer: std::sync::Arc<Gazetteer>,
    /// The thresholds of the checks on convoys' positions (`[convoy_checks]`:
    /// what the parties agree counts as off route, stopped, late, out of a
    /// hazard).
    pub convoy_checks: crate::convoy::Settings,
    /// What the file leaves to chance without being wrong: a place with no
    /// Ukrainian or Russian name (the alerts would show its Latin name), a
    /// gathering point known only by its coordinates. The CLI prints them;
    /// the server logs them.
    pub warnings: Vec<ScenarioError>,
}

impl Scenario {
    /// The territory `id`.
    pub fn territory(&self, id: &str) -> Option<&Territory> {
        self.territories.iter().find(|t| t.id == id)
    }

    /// The party `id`.
    pub fn party(&self, id: &str) -> Option<&Party> {
        self.parties.iter().find(|p| p.id == id)
    }

    /// Farthest the nearest named road may be from a place to name its
    /// gathering point, metres.
    pub const GATHERING_ROAD_M: f64 = 500.0;

    /// Gives every place whose gathering point the file does not describe
    /// the name of the nearest named road of `router`'s graph within
    /// [`Scenario::GATHERING_ROAD_M`] (ties by edge number: the same graph
    /// always gives the same road). The CLI and the server both call it
    /// where they build the scenario with its map, so that they publish the
    /// same bytes. Returns how many places got a road.
    pub fn name_gathering_roads(&mut self, router: &corridor_routing::Router) -> usize {
        let g = router.graph();
        let mut n = 0;
        for p in self.origins.iter_mut().chain(self.destinations.iter_mut()) {
            if p.gathering.described() {
                continue;
            }
            p.gathering.road = router
                .index()
                .within(p.at, Self::GATHERING_ROAD_M)
                .into_iter()
                .map(|h| g.name(h.edge).trim())
                .find(|name| !name.is_empty())
                .map(str::to_string);
            n += usize::from(p.gathering.road.is_some());
        }
        n
    }

    /// The origin or destination `id`.
    pub fn place(&self, id: &str) -> Option<&Place> {
        self.origins
            .iter()
            .chain(&self.destinations)
            .find(|p| p.id == id)
    }

    /// The proposal `id`.
    pub fn proposal(&self, id: &str) -> Option<&ProposalSpec> {
        self.proposals.iter().find(|p| p.id == id)
    }

    /// Territories containing `p`, in file order.
    pub fn territories_at(&self, p: LatLon) -> Vec<&Territory> {
        self.territories.iter().filter(|t| t.contains(p)).collect()
    }
}

/// One mistake in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file.
    pub file: String,
    /// Line, from 1.
    pub line: usize,
    /// The reason.
    pub message: String,
}

/// All the mistakes found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|e| format!("{}:{}: {}", e.file, e.line, e.message)).collect::<Vec<_>>().join("\n"))]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: String,
    status: Spanned<String>,
    time_zone: Spanned<String>,
    map: Option<String>,
    hazards: Option<Spanned<String>>,
    gazetteer: Option<Spanned<String>>,
    place_names: Option<Spanned<String>>,
    detour_factor: Option<Spanned<f64>>,
    speed_kmh: Option<Spanned<f64>>,
    transit_tolerance_m: Option<Spanned<f64>>,
    max_snap_m: Option<Spanned<f64>>,
    #[serde(default)]
    territory: Vec<RawTerritory>,
    #[serde(default)]
    party: Vec<RawParty>,
    #[serde(default)]
    origin: Vec<RawPlace>,
    #[serde(default)]
    destination: Vec<RawPlace>,
    #[serde(default)]
    proposal: Vec<RawProposal>,
    convoy_checks: Option<RawConvoyChecks>,
}

/// `[convoy_checks]`: every key optional (the defaults of
/// [`crate::convoy::Settings`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConvoyChecks {
    off_route_m: Option<Spanned<f64>>,
    off_route_s: Option<Spanned<f64>>,
    stop_m: Option<Spanned<f64>>,
    stop_s: Option<Spanned<f64>>,
    arrive_m: Option<Spanned<f64>>,
    late_clear_s: Option<Spanned<f64>>,
    hazard_margin_m: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerritory {
    id: Spanned<String>,
    name: String,
    file: Spanned<String>,
    property: Option<String>,
    #[serde(default)]
    values: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParty {
    id: Spanned<String>,
    name: String,
    role: Spanned<String>,
    public_key: Option<Spanned<String>>,
    #[serde(default)]
    allowed_destinations: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    forbidden_transit: Vec<Spanned<String>>,
    #[serde(default)]
    checkpoint: Vec<RawCheckpoint>,
    max_trip_minutes: Option<u32>,
    profiles: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheckpoint {
    name: String,
    at: Spanned<String>,
    radius_m: Option<Spanned<f64>>,
    for_destinations_in: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlace {
    id: Spanned<String>,
    name: Option<String>,
    at: Option<Spanned<String>>,
    town: Option<Spanned<String>>,
    people: Option<u64>,
    capacity: Option<u64>,
    name_uk: Option<String>,
    name_ru: Option<String>,
    name_en: Option<String>,
    gathering: Option<RawGathering>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGathering {
    uk: Option<String>,
    ru: Option<String>,
    en: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProposal {
    id: Spanned<String>,
    origin: Spanned<String>,
    destination: Spanned<String>,
    window_start: Spanned<String>,
    window_end: Spanned<String>,
    profile: Option<Spanned<String>>,
    #[serde(default)]
    via: Vec<Spanned<String>>,
    #[serde(default)]
    route: Vec<Spanned<String>>,
}

/// Collects errors with their lines.
struct Errors<'a> {
    file: &'a str,
    text: &'a str,
    list: Vec<ScenarioError>,
}

impl Errors<'_> {
    fn at(&mut self, offset: usize, message: impl Into<String>) {
        let line = self.text[..offset.min(self.text.len())]
            .matches('\n')
            .count()
            + 1;
        self.list.push(ScenarioError {
            file: self.file.to_string(),
            line,
            message: message.into(),
        });
    }
    fn span<T>(&mut self, s: &Spanned<T>, message: impl Into<String>) {
        self.at(s.span().start, message)
    }
}

/// A number the scenario may set: its key, unit and sane range. Numbers out
/// of range would time a convoy at a snail's pace for centuries (issue 12),
/// or snap a corridor to a road in another country.
struct Bounds {
    key: &'static str,
    unit: &'static str,
    min: f64,
    max: f64,
}

const SPEED_KMH: Bounds = Bounds {
    key: "speed_kmh",
    unit: " km/h",
    min: 1.0,
    max: 200.0,
};
const DETOUR_FACTOR: Bounds = Bounds {
    key: "detour_factor",
    unit: "",
    min: 1.0,
    max: 5.0,
};
const TRANSIT_TOLERANCE_M: Bounds = Bounds {
    key: "transit_tolerance_m",
    unit: " m",
    min: 0.0,
    max: 10_000.0,
};
const MAX_SNAP_M: Bounds = Bounds {
    key: "max_snap_m",
    unit: " m",
    min: 1.0,
    max: 50_000.0,
};
const RADIUS_M: Bounds = Bounds {
    key: "radius_m",
    unit: " m",
    min: 1.0,
    max: 50_000.0,
};

/// The value of an optional number within `b`, or `default`; a value out of
/// range (or NaN) is reported at its line and replaced by the default.
fn number(errs: &mut Errors, v: Option<&Spanned<f64>>, b: Bounds, default: f64) -> f64 {
    let Some(v) = v else { return default };
    let x = *v.get_ref();
    if x >= b.min && x <= b.max {
        x
    } else {
        errs.span(
            v,
            format!(
                "`{}` = {x} is out of range: it must be within {}..={}{}",
                b.key, b.min, b.max, b.unit
            ),
        );
        default
    }
}

/// Parses an RFC 3339 time that carries its offset.
pub fn parse_time(s: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(s).map_err(|_| {
        format!("`{s}` is not a time with an explicit UTC offset (RFC 3339, e.g. 2022-03-05T10:00:00+02:00)")
    })
}

impl Scenario {
    /// Parses and checks a scenario. `file` names it in errors; `read`
    /// returns the text of a file the scenario refers to (territory
    /// GeoJSON, hazards, gazetteer), given the path as written. Every
    /// mistake is collected, then all are returned at once, in line order.
    pub fn parse(
        text: &str,
        file: &str,
        read: &dyn Fn(&str) -> Result<String, String>,
    ) -> Result<Scenario, ScenarioErrors> {
        let mut errs = Errors {
            file,
            text,
            list: Vec::new(),
        };
        let mut warnings = Errors {
            file,
            text,
            list: Vec::new(),
        };
        let raw: Raw = match toml::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                let off = e.span().map(|s| s.start).unwrap_or(0);
                errs.at(off, e.message().to_string());
                return Err(ScenarioErrors(errs.list));
            }
        };
        let mut c = Check {
            errs,
            read,
            seen: HashSet::new(),
            gazetteer: Gazetteer::default(),
            territory_ids: raw
                .territory
                .iter()
                .map(|t| t.id.get_ref().clone())
                .collect(),
        };
        let (status, tz) = c.header(&raw);
        c.gazetteer = c.gazetteer(&raw);
        c.place_names(&raw);
        let hazards = c.hazards(&raw);
        let territories = c.territories(&raw);
        let parties = c.parties(&raw);
        let origins = c.places("origin", &raw.origin);
        let destinations = c.places("destination", &raw.destination);
        let proposals = c.proposals(&raw);
        let no_graph = NoGraph {
            detour_factor: number(&mut c.errs, raw.detour_factor.as_ref(), DETOUR_FACTOR, 1.3),
            speed_kmh: number(&mut c.errs, raw.speed_kmh.as_ref(), SPEED_KMH, 40.0),
        };
        let transit_tolerance_m = number(
            &mut c.errs,
            raw.transit_tolerance_m.as_ref(),
            TRANSIT_TOLERANCE_M,
            25.0,
        );
        let max_snap_m = number(&mut c.errs, raw.max_snap_m.as_ref(), MAX_SNAP_M, 300.0);
        let convoy_checks = convoy_checks(&mut c.errs, raw.convoy_checks.as_ref());
        name_warnings(&mut warnings, &raw, &origins, &destinations, &c.gazetteer);
        let mut errs = c.errs;
        if !errs.list.is_empty() {
            errs.list.sort_by_key(|e| e.line);
            return Err(ScenarioErrors(errs.list));
        }
        Ok(Scenario {
            name: raw.name,
            status,
            tz,
            map: raw.map,
            no_graph,
            transit_tolerance_m,
            max_snap_m,
            territories,
            parties,
            origins,
            destinations,
            hazards,
            proposals,
            gazetteer: std::sync::Arc::new(c.gazetteer),
            convoy_checks,
            warnings: warnings.list,
        })
    }
}

/// The thresholds of `[convoy_checks]`, each within a sane range (GPS
/// noise below, a useless check above).
fn convoy_checks(errs: &mut Errors, raw: Option<&RawConvoyChecks>) -> crate::convoy::Settings {
    let d = crate::convoy::Settings::default();
    let Some(r) = raw else { return d };
    let b = |key, unit, min, max| Bounds {
        key,
        unit,
        min,
        max,
    };
    crate::convoy::Settings {
        off_route_m: number(
            errs,
            r.off_route_m.as_ref(),
            b("off_route_m", " m", 50.0, 5_000.0),
            d.off_route_m,
        ),
        off_route_s: number(
            errs,
            r.off_route_s.as_ref(),
            b("off_route_s", " s", 0.0, 3_600.0),
            d.off_route_s as f64,
        ) as i64,
        stop_m: number(
            errs,
            r.stop_m.as_ref(),
            b("stop_m", " m", 30.0, 1_000.0),
            d.stop_m,
        ),
        stop_s: number(
            errs,
            r.stop_s.as_ref(),
            b("stop_s", " s", 30.0, 3_600.0),
            d.stop_s as f64,
        ) as i64,
        arrive_m: number(
            errs,
            r.arrive_m.as_ref(),
            b("arrive_m", " m", 20.0, 5_000.0),
            d.arrive_m,
        ),
        late_clear_s: number(
            errs,
            r.late_clear_s.as_ref(),
            b("late_clear_s", " s", 0.0, 3_600.0),
            d.late_clear_s as f64,
        ) as i64,
        hazard_margin_m: number(
            errs,
            r.hazard_margin_m.as_ref(),
            b("hazard_margin_m", " m", 0.0, 1_000.0),
            d.hazard_margin_m,
        ),
    }
}

/// The checks of one scenario file, section by section, collecting every
/// mistake in `errs`.
struct Check<'a> {
    errs: Errors<'a>,
    read: &'a dyn Fn(&str) -> Result<String, String>,
    /// Ids seen so far, by kind (duplicates are mistakes).
    seen: HashSet<(&'static str, String)>,
    /// Towns by name, for places given as `town`.
    gazetteer: Gazetteer,
    /// The `[[territory]]` ids, for rules that name territories.
    territory_ids: HashSet<String>,
}

impl Check<'_> {
    fn unique(&mut self, what: &'static str, id: &Spanned<String>) {
        if id.get_ref().is_empty() {
            self.errs.span(id, format!("{what} id must not be empty"));
        } else if !self.seen.insert((what, id.get_ref().clone())) {
            self.errs
                .span(id, format!("duplicate {what} id `{}`", id.get_ref()));
        }
    }

    fn header(&mut self, raw: &Raw) -> (Status, Tz) {
        let status = raw.status.get_ref().parse::<Status>().unwrap_or_else(|e| {
            self.errs.span(&raw.status, e);
            Status::Exercise
        });
        let tz: Tz = raw.time_zone.get_ref().parse().unwrap_or_else(|_| {
            self.errs.span(
                &raw.time_zone,
                format!(
                    "`{}` is not an IANA time zone (e.g. Europe/Kyiv, Europe/Berlin)",
                    raw.time_zone.get_ref()
                ),
            );
            Tz::UTC
        });
        (status, tz)
    }

    fn gazetteer(&mut self, raw: &Raw) -> Gazetteer {
        let Some(p) = &raw.gazetteer else {
            return Gazetteer::default();
        };
        (self.read)(p.get_ref())
            .and_then(|t| Gazetteer::from_json(&t))
            .unwrap_or_else(|e| {
                self.errs.span(p, format!("gazetteer {}: {e}", p.get_ref()));
                Gazetteer::default()
            })
    }

    /// The names table, applied to the gazetteer's towns.
    fn place_names(&mut self, raw: &Raw) {
        let Some(p) = &raw.place_names else { return };
        if raw.gazetteer.is_none() {
            self.errs.span(
                p,
                "`place_names` names towns of the gazetteer: set `gazetteer` too",
            );
            return;
        }
        match (self.read)(p.get_ref()).and_then(|t| crate::names::NameTable::from_csv(&t)) {
            Ok(table) => {
                self.gazetteer.apply_names(&table);
            }
            Err(e) => self
                .errs
                .span(p, format!("place_names {}: {e}", p.get_ref())),
        }
    }

    fn hazards(&mut self, raw: &Raw) -> HazardSet {
        let Some(p) = &raw.hazards else {
            return HazardSet::default();
        };
        let parsed = (self.read)(p.get_ref())
            .and_then(|t| corridor_hazards::parse_geojson(&t).map_err(|e| e.to_string()));
        parsed.unwrap_or_else(|e| {
            self.errs.span(p, format!("hazards {}: {e}", p.get_ref()));
            HazardSet::default()
        })
    }

    fn territories(&mut self, raw: &Raw) -> Vec<Territory> {
        let mut out = Vec::new();
        for t in &raw.territory {
            self.unique("territory", &t.id);
            let loaded = (self.read)(t.file.get_ref()).and_then(|text| {
                Territory::from_geojson(
                    t.id.get_ref(),
                    &t.name,
                    &text,
                    t.property.as_deref(),
                    &t.values,
                )
            });
            match loaded {
                Ok(x) => out.push(x),
                Err(e) => self.errs.span(
                    &t.file,
                    format!("territory `{}`: {}: {e}", t.id.get_ref(), t.file.get_ref()),
                ),
            }
        }
        out
    }

    fn territory_ref(&mut self, s: &Spanned<String>) {
        if !self.territory_ids.contains(s.get_ref()) {
            self.errs.span(
                s,
                format!(
                    "unknown territory `{}` (not among the [[territory]] ids)",
                    s.get_ref()
                ),
            );
        }
    }

    /// A point given as `LAT,LON` or as a town of the gazetteer.
    fn point(&mut self, s: &Spanned<String>) -> Option<Waypoint> {
        let text = s.get_ref();
        let looks_like_coordinates = text.contains(',')
            && text
                .trim_start()
                .starts_with(|c: char| c.is_ascii_digit() || c == '-');
        if looks_like_coordinates {
            return match LatLon::parse(text) {
                Ok(at) => Some(Waypoint {
                    name: text.clone(),
                    at,
                    names: Vec::new(),
                }),
                Err(e) => {
                    self.errs.span(s, format!("`{text}`: {e}"));
                    None
                }
            };
        }
        if let Some(t) = self.gazetteer.find(text) {
            return Some(Waypoint {
                name: t.name.clone(),
                at: t.at,
                names: t.alternates.clone(),
            });
        }
        let why = if self.gazetteer.is_empty() {
            format!("`{text}` is neither LAT,LON nor a place (no gazetteer is set)")
        } else {
            format!("unknown place `{text}`: not in the gazetteer")
        };
        self.errs.span(s, why);
        None
    }

    fn profile(&mut self, s: &Spanned<String>) -> Profile {
        s.get_ref().parse().unwrap_or_else(|e: String| {
            self.errs.span(s, e);
            Profile::Car
        })
    }

    fn parties(&mut self, raw: &Raw) -> Vec<Party> {
        let parties = raw.party.iter().filter_map(|p| self.party(p)).collect();
        if !raw.party.is_empty() && !raw.party.iter().any(|p| p.role.get_ref() == "belligerent") {
            self.errs.at(
                0,
                "no party is a belligerent: nobody's acceptance would be required",
            );
        }
        parties
    }

    fn party(&mut self, p: &RawParty) -> Option<Party> {
        self.unique("party", &p.id);
        let role = p.role.get_ref().parse::<Role>().unwrap_or_else(|e| {
            self.errs.span(&p.role, e);
            Role::Observer
        });
        let key = match &p.public_key {
            None => {
                self.errs.span(
                    &p.id,
                    format!(
                        "party `{}` has no public_key: every party signs its actions",
                        p.id.get_ref()
                    ),
                );
                None
            }
            Some(k) => corridor_log::parse_public_key(k.get_ref())
                .map_err(|e| {
                    self.errs
                        .span(k, format!("party `{}`: {e}", p.id.get_ref()))
                })
                .ok(),
        };
        let constraints = self.constraints(p);
        Some(Party {
            id: p.id.get_ref().clone(),
            name: p.name.clone(),
            role,
            key: key?,
            constraints,
        })
    }

    fn constraints(&mut self, p: &RawParty) -> Constraints {
        for t in p
            .allowed_destinations
            .iter()
            .flatten()
            .chain(&p.forbidden_transit)
        {
            self.territory_ref(t);
        }
        let mut checkpoints = Vec::new();
        for c in &p.checkpoint {
            if let Some(t) = &c.for_destinations_in {
                self.territory_ref(t);
            }
            if let Some(w) = self.point(&c.at) {
                checkpoints.push(Checkpoint {
                    name: c.name.clone(),
                    at: w.at,
                    radius_m: number(&mut self.errs, c.radius_m.as_ref(), RADIUS_M, 250.0),
                    for_destinations_in: c
                        .for_destinations_in
                        .as_ref()
                        .map(|t| t.get_ref().clone()),
                });
            }
        }
        Constraints {
            allowed_destinations: p
                .allowed_destinations
                .as_ref()
                .map(|a| a.iter().map(|t| t.get_ref().clone()).collect()),
            forbidden_transit: p
                .forbidden_transit
                .iter()
                .map(|t| t.get_ref().clone())
                .collect(),
            checkpoints,
            max_trip_ms: p.max_trip_minutes.map(|m| m as u64 * 60_000),
            profiles: p
                .profiles
                .as_ref()
                .map(|v| v.iter().map(|s| self.profile(s)).collect()),
        }
    }

    fn places(&mut self, what: &'static str, list: &[RawPlace]) -> Vec<Place> {
        let mut out = Vec::new();
        for p in list {
            self.unique(what, &p.id);
            let w = match (&p.at, &p.town) {
                (Some(at), None) => self.point(at),
                (None, Some(town)) => self.point(town),
                _ => {
                    self.errs.span(
                        &p.id,
                        format!(
                            "{what} `{}` needs exactly one of `at` (LAT,LON) or `town`",
                            p.id.get_ref()
                        ),
                    );
                    None
                }
            };
            if let Some(w) = w {
                let town = p
                    .town
                    .as_ref()
                    .and_then(|t| self.gazetteer.find(t.get_ref()));
                let g = p.gathering.as_ref();
                out.push(Place {
                    id: p.id.get_ref().clone(),
                    name: p.name.clone().unwrap_or(w.name),
                    at: w.at,
                    people: p.people.unwrap_or(0),
                    capacity: p.capacity,
                    names: w.names,
                    name_uk: p
                        .name_uk
                        .clone()
                        .or_else(|| town.and_then(Town::name_uk).map(str::to_string)),
                    name_ru: p
                        .name_ru
                        .clone()
                        .or_else(|| town.and_then(Town::name_ru).map(str::to_string)),
                    name_en: p
                        .name_en
                        .clone()
                        .or_else(|| p.name.clone())
                        .or_else(|| town.and_then(Town::name_en)),
                    gathering: Gathering {
                        uk: g.and_then(|g| g.uk.clone()),
                        ru: g.and_then(|g| g.ru.clone()),
                        en: g.and_then(|g| g.en.clone()),
                        road: None,
                    },
                });
            }
        }
        out
    }

    fn proposals(&mut self, raw: &Raw) -> Vec<ProposalSpec> {
        raw.proposal
            .iter()
            .filter_map(|p| self.proposal(raw, p))
            .collect()
    }

    fn proposal(&mut self, raw: &Raw, p: &RawProposal) -> Option<ProposalSpec> {
        self.unique("proposal", &p.id);
        for (what, list, id) in [
            ("origin", &raw.origin, &p.origin),
            ("destination", &raw.destination, &p.destination),
        ] {
            if !list.iter().any(|o| o.id.get_ref() == id.get_ref()) {
                self.errs
                    .span(id, format!("unknown {what} `{}`", id.get_ref()));
            }
        }
        let mut time = |s: &Spanned<String>| {
            parse_time(s.get_ref())
                .map_err(|e| self.errs.span(s, e))
                .ok()
        };
        let (start, end) = (time(&p.window_start), time(&p.window_end));
        let via: Vec<Waypoint> = p.via.iter().filter_map(|s| self.point(s)).collect();
        let route: Vec<Waypoint> = p.route.iter().filter_map(|s| self.point(s)).collect();
        let profile = p
            .profile
            .as_ref()
            .map(|s| self.profile(s))
            .unwrap_or(Profile::Car);
        let (start, end) = (start?, end?);
        if end <= start {
            self.errs
                .span(&p.window_end, "the window ends before it starts");
        }
        Some(ProposalSpec {
            id: p.id.get_ref().clone(),
            origin: p.origin.get_ref().clone(),
            destination: p.destination.get_ref().clone(),
            window: Window { start, end },
            profile,
            via,
            route,
        })
    }
}

/// The places whose alerts would guess: no Ukrainian or Russian name (the
/// Latin name would be shown), or a town of a route with none in the names
/// table; a gathering point with neither a description nor a map to find
/// the nearest road on.
fn name_warnings(
    w: &mut Errors,
    raw: &Raw,
    origins: &[Place],
    destinations: &[Place],
    gazetteer: &Gazetteer,
) {
    for (what, list, places) in [
        ("origin", &raw.origin, origins),
        ("destination", &raw.destination, destinations),
    ] {
        for (r, p) in list.iter().zip(places) {
            let mut missing = Vec::new();
            if p.name_uk.is_none() {
                missing.push(("Ukrainian", "name_uk"));
            }
            if p.name_ru.is_none() {
                missing.push(("Russian", "name_ru"));
            }
            for (language, key) in missing {
                w.span(
                    &r.id,
                    format!(
                        "{what} `{}` has no {language} name{}: the alerts would show `{}`; add {key} = \"…\"",
                        p.id,
                        if raw.place_names.is_some() { " (nor one in the names table)" } else { "" },
                        p.name
                    ),
                );
            }
            if what == "origin" && !p.gathering.described() && raw.map.is_none() {
                w.span(
                    &r.id,
                    format!(
                        "origin `{}`: the gathering point is known only by its coordinates (no map to find the nearest road on); add gathering = {{ uk = \"…\", ru = \"…\", en = \"…\" }} with a name and an address or landmark",
                        p.id
                    ),
                );
            }
        }
    }
    for p in &raw.proposal {
        for s in p.via.iter().chain(&p.route) {
            let Some(t) = gazetteer.find(s.get_ref()) else {
                continue;
            };
            if t.local.is_none() {
                w.span(
                    s,
                    format!(
                        "proposal `{}`: town `{}` has no Ukrainian or Russian name in the names table{}: the alerts would show `{}`",
                        p.id.get_ref(),
                        s.get_ref(),
                        if raw.place_names.is_none() { " (no `place_names` is set)" } else { "" },
                        t.name
                    ),
                );
            }
        }
    }
}
