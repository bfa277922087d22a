//! The tag policy: every decision about which OSM ways a profile may use, in
//! which direction, and how fast. Nothing else in corridor reads OSM tags.
//!
//! Car (cars and buses):
//! * routable `highway` classes and their default speeds are in [`CAR_SPEEDS`];
//!   a `maxspeed` (numbers in km/h, `"30 mph"`, country codes such as
//!   `"DE:urban"` or `"RU:rural"`, `"none"`, `"walk"`) replaces the default,
//!   times [`MAXSPEED_FACTOR`] for traffic, junctions and buses;
//! * `oneway` = `yes`/`true`/`1` or `-1`/`reverse`; implied on motorways and on
//!   `junction=roundabout|circular`; `reversible`/`alternating` roads are left
//!   out, because their direction changes over the day;
//! * access from the most specific of `motorcar`, `motor_vehicle`, `vehicle`,
//!   `access`: `no`, `private`, `agricultural`, `forestry`, `emergency`,
//!   `military`, `delivery`, `psv`, `bus` keep cars out; `destination` lets them
//!   in but marks the edge [`flags::DESTINATION_ONLY`];
//! * `route=ferry` at the speed its `duration` gives, else [`FERRY_KMH`];
//! * only roads the convoy's bus fits ([`CONVOY_VEHICLE`]: `maxheight`,
//!   `maxwidth`, `width`, `maxlength`, `maxweight`).
//!
//! Foot: every road but motorways and trunk roads (those only when `foot`
//! allows) and roads for motor vehicles only (`motorroad=yes`), plus
//! footways, paths, steps, pedestrian streets, tracks, platforms and piers,
//! at [`FOOT_KMH`] ([`STEPS_KMH`] on steps), ignoring `oneway`; access from
//! `foot`, then `access`.
//!
//! Both: `highway=construction|proposed`, a `construction=*` tag, `area=yes`
//! and `impassable=yes` leave a way out.
//!
//! Nodes ([`node_passage`]): a barrier on a road stops cars and buses (a
//! bollard, a block, a chain: anything but a cattle grid, a toll booth, a
//! border control and the like) or holds them 60 s (a gate, a lift gate);
//! a height restrictor lower than the bus stops it; a wall or fence stops
//! pedestrians; a node's own access tags decide over its barrier, as OSRM's
//! profiles do. Version 2 of the policy added barriers, the convoy's size
//! and weight, `motorroad`, platforms and piers.
//!
//! Relations ([`car_turn`]): turn restrictions (`no_*`, `only_*`) bind cars
//! and buses, not pedestrians, as in OSRM's profiles; those whose `via` is
//! a node are applied, those via a way are counted and left out. Version 3
//! added them.

use corridor_graph::{flags, Profile};

/// Version of this policy, stored in every graph file it made.
pub const POLICY_VERSION: &str = "corridor-tag-policy/3";

/// Default car speeds in km/h by `highway` class (as in OSRM's car profile).
pub const CAR_SPEEDS: &[(&str, f64)] = &[
    ("motorway", 90.0),
    ("motorway_link", 45.0),
    ("trunk", 85.0),
    ("trunk_link", 40.0),
    ("primary", 65.0),
    ("primary_link", 30.0),
    ("secondary", 55.0),
    ("secondary_link", 25.0),
    ("tertiary", 40.0),
    ("tertiary_link", 20.0),
    ("unclassified", 25.0),
    ("residential", 25.0),
    ("road", 25.0),
    ("living_street", 10.0),
    ("service", 15.0),
];

/// Share of the posted `maxspeed` that a car or bus actually averages.
pub const MAXSPEED_FACTOR: f64 = 0.8;
/// Ferry speed when the way has no usable `duration`.
pub const FERRY_KMH: f64 = 5.0;
/// Walking speed.
pub const FOOT_KMH: f64 = 5.0;
/// Walking speed on steps.
pub const STEPS_KMH: f64 = 3.0;

const FOOT_HIGHWAYS: &[&str] = &[
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "road",
    "living_street",
    "service",
    "track",
    "path",
    "footway",
    "pedestrian",
    "steps",
    "bridleway",
    "platform",
    "corridor",
    "pier",
];
/// Access keys for cars and buses, most specific first.
const CAR_ACCESS_KEYS: &[&str] = &["motorcar", "motor_vehicle", "vehicle", "access"];

/// Access values that keep cars and buses off a way or out of a node.
const CAR_REFUSED: &[&str] = &[
    "no",
    "private",
    "agricultural",
    "forestry",
    "emergency",
    "military",
    "delivery",
    "psv",
    "bus",
    "discouraged",
    "use_sidepath",
];

/// Access keys for pedestrians, most specific first.
const FOOT_ACCESS_KEYS: &[&str] = &["foot", "access"];

/// Access values that keep pedestrians off a way or out of a node.
const FOOT_REFUSED: &[&str] = &[
    "no",
    "private",
    "agricultural",
    "forestry",
    "military",
    "use_sidepath",
    "emergency",
    "delivery",
];

/// `barrier` values a car or bus passes (as OSRM's car profile): anything
/// else on a node (a bollard, a block, a chain) stops it, unless the node's
/// own access tags let cars through; gates are passed after a wait
/// ([`CAR_WAITS_AT_BARRIERS`]).
const CAR_PASSES_BARRIERS: &[&str] = &[
    "cattle_grid",
    "border_control",
    "toll_booth",
    "sally_port",
    "no",
    "entrance",
    "height_restrictor",
    "arch",
];

/// `barrier` values a car or bus passes after a wait, in seconds (as OSRM's
/// car profile: a gate or a lift gate is opened, 60 s).
pub const CAR_WAITS_AT_BARRIERS: &[(&str, u32)] = &[("gate", 60), ("lift_gate", 60)];

/// `barrier` values that stop a pedestrian (as OSRM's foot profile): a
/// gate, a bollard or a stile does not.
const FOOT_STOPPED_BY_BARRIERS: &[&str] = &["yes", "wall", "fence"];

/// The convoy's vehicle, whose size and weight every road of the car
/// profile must take: a full-size bus (2.55 m wide, the EU limit; a 12 m
/// coach about 3.5 m high and 18 t laden). A way or a height restrictor
/// with a smaller `maxheight`, `maxwidth`, `width`, `maxlength` or
/// `maxweight` is left out for it (OSRM's car profile does the same for a
/// car of 2.0 m, 1.9 m, 4.8 m and 2 t).
pub const CONVOY_VEHICLE: Vehicle = Vehicle {
    height_m: 3.5,
    width_m: 2.55,
    length_m: 12.0,
    weight_t: 18.0,
};

/// A vehicle's size and laden weight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Vehicle {
    /// Height, metres.
    pub height_m: f64,
    /// Width, metres.
    pub width_m: f64,
    /// Length, metres.
    pub length_m: f64,
    /// Laden weight, tonnes.
    pub weight_t: f64,
}

/// How a profile gets past a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Passage {
    /// As if the node were not there.
    Free,
    /// After a wait of this many ms (a gate to open).
    Wait(u32),
    /// Not at all: the node may be reached from either side, not passed.
    Stop,
}

/// What a turn restriction asks of cars and buses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Turn {
    /// `no_*`: the turn from the `from` way to the `to` way is forbidden.
    No,
    /// `only_*`: from the `from` way, the turn onto the `to` way is the
    /// only one allowed at the `via` node.
    Only,
}

/// The vehicle kinds a car turn restriction names, most specific first
/// (OSRM's car profile: `motorcar`, `motor_vehicle`, `vehicle`).
const TURN_VEHICLES: [&str; 3] = ["motorcar", "motor_vehicle", "vehicle"];

/// The turn restriction a relation's tags make for cars and buses, as
/// OSRM's car profile reads them: `type=restriction` (or
/// `restriction:motorcar` and the like), the value of the most specific of
/// `restriction:motorcar`, `restriction:motor_vehicle`,
/// `restriction:vehicle` and `restriction`, `no_*` or `only_*`; none when
/// `except` (a `;` list) names one of those kinds. Conditional
/// restrictions (`restriction:conditional`) and those for other vehicles
/// only (`restriction:hgv`, `restriction:bus`) are not read.
pub fn car_turn(t: &Tags) -> Option<Turn> {
    let ty = t.get("type")?;
    // `type=restriction:hgv` is another vehicle's, whatever its keys say.
    match ty.strip_prefix("restriction") {
        Some("") => {}
        Some(v)
            if TURN_VEHICLES
                .iter()
                .any(|k| v.strip_prefix(':') == Some(*k)) => {}
        _ => return None,
    }
    if let Some(except) = t.get("except") {
        if except.split(';').any(|v| TURN_VEHICLES.contains(&v.trim())) {
            return None;
        }
    }
    let value = most_specific(
        t,
        &[
            "restriction:motorcar",
            "restriction:motor_vehicle",
            "restriction:vehicle",
            "restriction",
        ],
    )?;
    if value.starts_with("no_") {
        Some(Turn::No)
    } else if value.starts_with("only_") {
        Some(Turn::Only)
    } else {
        None
    }
}

/// How each profile ([`Profile::index`] order) gets past a node: a barrier
/// on a road, or access tags on the node that refuse the profile. The
/// importer gives each way through a node that is not [`Passage::Free`]
/// for some profile its own copy of the node, joined to the others by
/// edges of no length that take the wait, or that the stopped profile
/// may not use.
///
/// As OSRM's profiles: the node's access tags, if any, decide (the
/// profile's refused values stop it, any other value lets it through
/// freely); else its `barrier` tag, but for a rising bollard
/// (`bollard=rising`), a lowered or flush kerb, a kerb at a crossing, or
/// a virtual fence (`sensory=audible`); a height restrictor stops the
/// convoy only when its `maxheight` is below [`CONVOY_VEHICLE`]'s.
/// Unlike OSRM, which passes a car through a node tagged `private` or
/// `delivery` (it discourages such ways instead), these stop cars here,
/// as the same values keep them off a way: a convoy cannot open a
/// private gate.
pub fn node_passage(t: &Tags) -> [Passage; 2] {
    let barrier = t.get("barrier");
    let exempt = t.get("bollard") == Some("rising")
        || matches!(t.get("kerb"), Some("lowered" | "flush"))
        || (barrier == Some("kerb") && t.get("highway") == Some("crossing"))
        || (barrier == Some("fence") && matches!(t.get("sensory"), Some("audible" | "audio")));
    let passage = |keys: &[&str], refused: &[&str], by_barrier: &dyn Fn(&str) -> Passage| {
        match most_specific(t, keys) {
            Some(v) if refused.contains(&v) => Passage::Stop,
            Some(_) => Passage::Free,
            None => match barrier {
                Some(b) if !exempt => by_barrier(b),
                _ => Passage::Free,
            },
        }
    };
    let mut out = [Passage::Free; 2];
    out[Profile::Car.index()] = passage(CAR_ACCESS_KEYS, CAR_REFUSED, &|b| {
        if b == "height_restrictor"
            && t.get("maxheight")
                .and_then(parse_metres)
                .is_some_and(|h| h < CONVOY_VEHICLE.height_m)
        {
            return Passage::Stop;
        }
        if let Some(&(_, s)) = CAR_WAITS_AT_BARRIERS.iter().find(|(k, _)| *k == b) {
            return Passage::Wait(s * 1000);
        }
        if CAR_PASSES_BARRIERS.contains(&b) {
            Passage::Free
        } else {
            Passage::Stop
        }
    });
    out[Profile::Foot.index()] = passage(FOOT_ACCESS_KEYS, FOOT_REFUSED, &|b| {
        if FOOT_STOPPED_BY_BARRIERS.contains(&b) {
            Passage::Stop
        } else {
            Passage::Free
        }
    });
    out
}

/// Whether the convoy's vehicle fits a way: its `maxheight`, `maxwidth`,
/// `width`, `maxlength` and `maxweight` (the `:physical` forms first) are
/// none of them below [`CONVOY_VEHICLE`]'s (a width equal to the
/// vehicle's is too narrow). Values that are not a measure (`default`,
/// `none`, `below_default`...) are no limit.
fn convoy_fits(t: &Tags) -> bool {
    let v = CONVOY_VEHICLE;
    let metres = |keys: &[&str]| most_specific(t, keys).and_then(parse_metres);
    !(metres(&["maxheight:physical", "maxheight"]).is_some_and(|h| h < v.height_m)
        || metres(&["maxwidth:physical", "maxwidth", "width", "est_width"])
            .is_some_and(|w| w <= v.width_m)
        || metres(&["maxlength"]).is_some_and(|l| l < v.length_m)
        || most_specific(t, &["maxweight:physical", "maxweight"])
            .and_then(parse_tonnes)
            .is_some_and(|w| w < v.weight_t))
}

/// A length as OSM writes one: metres (`"3.5"`, `"3.5 m"`, `"3,5"`), feet
/// and inches (`"11'6\""`, `"11 ft"`). Anything else gives `None`.
pub fn parse_metres(v: &str) -> Option<f64> {
    let v = v.trim();
    if let Some((feet, rest)) = v.split_once('\'') {
        let inches = rest.trim().trim_end_matches('"').trim();
        let inches: f64 = if inches.is_empty() {
            0.0
        } else {
            inches.parse().ok()?
        };
        let feet: f64 = feet.trim().parse().ok()?;
        return finite(feet * 0.3048 + inches * 0.0254);
    }
    let (num, unit) = split_unit(v);
    let n: f64 = num.replace(',', ".").parse().ok()?;
    match unit {
        "" | "m" => finite(n),
        "ft" => finite(n * 0.3048),
        "cm" => finite(n / 100.0),
        _ => None,
    }
}

/// A weight as OSM writes one, in tonnes: `"7.5"`, `"7.5 t"`, `"7500 kg"`,
/// `"5 st"` (short tons), `"6000 lbs"`. Anything else gives `None`.
pub fn parse_tonnes(v: &str) -> Option<f64> {
    let (num, unit) = split_unit(v.trim());
    let n: f64 = num.replace(',', ".").parse().ok()?;
    match unit {
        "" | "t" => finite(n),
        "kg" => finite(n / 1000.0),
        "st" => finite(n * 0.907_185),
        "lbs" | "lb" => finite(n * 0.000_453_592),
        _ => None,
    }
}

/// `"7.5 t"` or `"7.5t"` as `("7.5", "t")`.
fn split_unit(v: &str) -> (&str, &str) {
    let end = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(v.len());
    (v[..end].trim(), v[end..].trim())
}

fn finite(x: f64) -> Option<f64> {
    (x.is_finite() && x >= 0.0).then_some(x)
}

/// Open to pedestrians only when a `foot` tag says so.
const FOOT_IF_TAGGED: &[&str] = &["trunk", "trunk_link", "cycleway", "busway"];

/// Tags of one way, looked up by key.
pub struct Tags<'a>(pub Vec<(&'a str, &'a str)>);

impl<'a> Tags<'a> {
    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// How fast a profile travels on a way.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speed {
    /// A speed in km/h.
    Kmh(f64),
    /// The whole way takes this many seconds (ferries with `duration`).
    WholeWaySeconds(f64),
}

/// What a profile may do on a way.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WayAccess {
    /// Speed along the way as digitised, or `None` if not allowed.
    pub forward: Option<Speed>,
    /// Speed against the way, or `None` if not allowed.
    pub backward: Option<Speed>,
    /// [`flags`] that this profile's decision adds.
    pub flags: u8,
}

/// Flags that come from the way itself, whatever the profile.
pub fn way_flags(t: &Tags) -> u8 {
    let mut f = 0;
    if t.get("bridge").is_some_and(|v| v != "no") {
        f |= flags::BRIDGE;
    }
    if t.get("tunnel").is_some_and(|v| v != "no") {
        f |= flags::TUNNEL;
    }
    if t.get("route") == Some("ferry") {
        f |= flags::FERRY;
    }
    if matches!(t.get("junction"), Some("roundabout" | "circular")) {
        f |= flags::ROUNDABOUT;
    }
    f
}

/// The policy's verdict for one way and profile; `None` when the profile may
/// not use the way at all.
pub fn evaluate(t: &Tags, profile: Profile) -> Option<WayAccess> {
    if t.get("area") == Some("yes")
        || t.get("impassable") == Some("yes")
        || t.get("construction").is_some_and(|v| v != "no")
    {
        return None;
    }
    match profile {
        Profile::Car => car(t),
        Profile::Foot => foot(t),
    }
}

fn most_specific<'a>(t: &Tags<'a>, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| t.get(k))
}

fn car(t: &Tags) -> Option<WayAccess> {
    let ferry = t.get("route") == Some("ferry");
    let hw = t.get("highway");
    let default = match hw {
        Some(h) => CAR_SPEEDS.iter().find(|(k, _)| *k == h).map(|&(_, s)| s),
        None => None,
    };
    if default.is_none() && !ferry {
        return None;
    }
    let mut flags = 0;
    match most_specific(t, CAR_ACCESS_KEYS) {
        Some(v) if CAR_REFUSED.contains(&v) => return None,
        Some("destination" | "customers") => flags |= corridor_graph::flags::DESTINATION_ONLY,
        _ => {}
    }
    if matches!(t.get("smoothness"), Some("impassable")) || !convoy_fits(t) {
        return None;
    }
    let (fwd_ok, bwd_ok) = match t.get("oneway") {
        Some("yes" | "true" | "1") => (true, false),
        Some("-1" | "reverse") => (false, true),
        Some("reversible" | "alternating") => return None,
        Some("no" | "false" | "0") => (true, true),
        _ => {
            let implied = hw == Some("motorway")
                || matches!(t.get("junction"), Some("roundabout" | "circular"));
            (true, !implied)
        }
    };
    let speed = |dir_key: &str| -> Speed {
        if ferry {
            return ferry_speed(t);
        }
        let class = default.unwrap_or(FERRY_KMH);
        let posted = t.get(dir_key).or_else(|| t.get("maxspeed"));
        match posted.and_then(|v| parse_maxspeed(v, hw.unwrap_or(""))) {
            Some(MaxSpeed::Kmh(v)) => Speed::Kmh((v * MAXSPEED_FACTOR).max(3.0)),
            Some(MaxSpeed::None) => Speed::Kmh((130.0 * MAXSPEED_FACTOR).max(class)),
            None => Speed::Kmh(class),
        }
    };
    Some(WayAccess {
        forward: fwd_ok.then(|| speed("maxspeed:forward")),
        backward: bwd_ok.then(|| speed("maxspeed:backward")),
        flags,
    })
}

fn foot(t: &Tags) -> Option<WayAccess> {
    let ferry = t.get("route") == Some("ferry");
    let hw = t.get("highway").unwrap_or("");
    let access = most_specific(t, FOOT_ACCESS_KEYS);
    let tagged_yes = matches!(t.get("foot"), Some("yes" | "designated" | "permissive"));
    // A platform or a pier without a `highway` tag is walked all the same.
    let walked_without_highway = hw.is_empty()
        && (t.get("railway") == Some("platform") || t.get("man_made") == Some("pier"));
    let allowed_class = ferry
        || FOOT_HIGHWAYS.contains(&hw)
        || walked_without_highway
        || (FOOT_IF_TAGGED.contains(&hw) && tagged_yes)
        || (hw.starts_with("motorway") && tagged_yes);
    if !allowed_class {
        return None;
    }
    // A road for motor vehicles only (`motorroad=yes`, Germany's
    // Kraftfahrstraße): pedestrians are forbidden on it by law.
    if t.get("motorroad") == Some("yes") && !tagged_yes {
        return None;
    }
    if access.is_some_and(|v| FOOT_REFUSED.contains(&v)) {
        return None;
    }
    let speed = if ferry {
        ferry_speed(t)
    } else if hw == "steps" {
        Speed::Kmh(STEPS_KMH)
    } else {
        Speed::Kmh(FOOT_KMH)
    };
    let (fwd, bwd) = match t.get("oneway:foot") {
        Some("yes") => (true, false),
        Some("-1") => (false, true),
        _ => (true, true),
    };
    Some(WayAccess {
        forward: fwd.then_some(speed),
        backward: bwd.then_some(speed),
        flags: 0,
    })
}

/// The longest ferry `duration` believed, in seconds (a week): the longest
/// scheduled crossings take three to four days. A longer one ("1e300",
/// "inf") is a tagging error, and the way gets [`FERRY_KMH`] instead of a
/// time that would make every route across it "no route".
pub const MAX_FERRY_DURATION_S: f64 = 7.0 * 86_400.0;

fn ferry_speed(t: &Tags) -> Speed {
    match t.get("duration").and_then(parse_duration_s) {
        Some(s) if s > 0.0 && s <= MAX_FERRY_DURATION_S => Speed::WholeWaySeconds(s),
        _ => Speed::Kmh(FERRY_KMH),
    }
}

/// A parsed `maxspeed` value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MaxSpeed {
    /// A limit in km/h.
    Kmh(f64),
    /// No limit (`none`, German motorways).
    None,
}

/// Parses a `maxspeed` value: `"50"`, `"30 mph"`, `"50 km/h"`, `"DE:urban"`,
/// `"RU:rural"`, `"none"`, `"walk"`, `"50;30"` (first wins). `highway` picks
/// the limit for codes such as `"DE:zone30"`. Unknown forms give `None`, so the
/// class default applies.
pub fn parse_maxspeed(v: &str, highway: &str) -> Option<MaxSpeed> {
    let v = v.split(';').next()?.trim();
    match v {
        "none" | "unlimited" => return Some(MaxSpeed::None),
        "walk" => return Some(MaxSpeed::Kmh(7.0)),
        "signals" | "variable" | "" => return None,
        _ => {}
    }
    if let Some((country, kind)) = v.split_once(':') {
        return country_limit(country, kind, highway);
    }
    let lower = v.to_ascii_lowercase();
    let (num, mph) = if let Some(n) = lower.strip_suffix("mph") {
        (n.trim(), true)
    } else if let Some(n) = lower
        .strip_suffix("km/h")
        .or_else(|| lower.strip_suffix("kmh"))
    {
        (n.trim(), false)
    } else if let Some(n) = lower.strip_suffix("knots") {
        // The same range as any speed (a vandalised "1e300 knots" made an
        // 11 km road take a millisecond and drew every route onto it).
        let k: f64 = n.trim().parse().ok()?;
        let kmh = k * 1.852;
        return (kmh.is_finite() && kmh > 0.0 && kmh < 400.0).then_some(MaxSpeed::Kmh(kmh));
    } else {
        (lower.as_str(), false)
    };
    let x: f64 = num.parse().ok()?;
    if !(x.is_finite() && x > 0.0 && x < 400.0) {
        return None;
    }
    Some(MaxSpeed::Kmh(if mph { x * 1.609_344 } else { x }))
}

/// Legal limits behind country codes (km/h); `None` = no limit.
fn country_limit(country: &str, kind: &str, highway: &str) -> Option<MaxSpeed> {
    // (urban, rural, trunk, motorway) per country; motorway 0 = no general limit.
    let (urban, rural, trunk, motorway): (f64, f64, f64, f64) = match country {
        "DE" => (50.0, 100.0, 100.0, 0.0),
        "AT" => (50.0, 100.0, 100.0, 130.0),
        "CH" => (50.0, 80.0, 100.0, 120.0),
        "LI" => (50.0, 80.0, 80.0, 80.0),
        "FR" => (50.0, 80.0, 110.0, 130.0),
        "AD" => (50.0, 90.0, 90.0, 90.0),
        "FI" => (50.0, 80.0, 100.0, 120.0),
        "UA" => (50.0, 90.0, 110.0, 130.0),
        "RU" => (60.0, 90.0, 90.0, 110.0),
        "BY" => (60.0, 90.0, 90.0, 110.0),
        "MD" => (50.0, 90.0, 90.0, 110.0),
        "PL" => (50.0, 90.0, 120.0, 140.0),
        "RO" => (50.0, 90.0, 100.0, 130.0),
        "SK" => (50.0, 90.0, 90.0, 130.0),
        "HU" => (50.0, 90.0, 110.0, 130.0),
        "GB" => (48.0, 96.0, 112.0, 112.0),
        _ => (50.0, 90.0, 100.0, 120.0),
    };
    let kmh = match kind {
        "urban" => urban,
        "rural" => rural,
        "trunk" | "expressway" | "dual_carriageway" | "nsl_dual" => trunk,
        "nsl_single" | "single_carriageway" => rural,
        "motorway" => motorway,
        "living_street" | "walk" => 7.0,
        "bicycle_road" | "cyclestreet" => 30.0,
        // "zone30": a zone's own limit, in range ("zone0", "zoneinf" and
        // "zone99999" are no limit one can drive at).
        k if k.starts_with("zone") => {
            let z: f64 = k[4..].trim_start_matches(':').parse().ok()?;
            if !(z.is_finite() && z > 0.0 && z < 400.0) {
                return None;
            }
            z
        }
        _ => {
            return if highway.starts_with("motorway") {
                Some(MaxSpeed::None)
            } else {
                None
            }
        }
    };
    if kmh == 0.0 {
        Some(MaxSpeed::None)
    } else {
        Some(MaxSpeed::Kmh(kmh))
    }
}

/// Parses a ferry `duration`: `"HH:MM"`, `"HH:MM:SS"`, minutes `"90"`, or ISO
/// 8601 `"PT1H30M"`. Returns seconds.
pub fn parse_duration_s(v: &str) -> Option<f64> {
    let v = v.trim();
    if let Some(iso) = v.strip_prefix("PT") {
        let mut total = 0.0;
        let mut num = String::new();
        for c in iso.chars() {
            match c {
                '0'..='9' | '.' => num.push(c),
                'H' | 'M' | 'S' => {
                    let x: f64 = num.parse().ok()?;
                    total += x * match c {
                        'H' => 3600.0,
                        'M' => 60.0,
                        _ => 1.0,
                    };
                    num.clear();
                }
                _ => return None,
            }
        }
        return num.is_empty().then_some(total);
    }
    let parts: Vec<&str> = v.split(':').collect();
    let nums: Option<Vec<f64>> = parts.iter().map(|p| p.parse::<f64>().ok()).collect();
    match nums?.as_slice() {
        [m] => Some(m * 60.0),
        [h, m] => Some(h * 3600.0 + m * 60.0),
        [h, m, s] => Some(h * 3600.0 + m * 60.0 + s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Turn restrictions as OSRM's car profile reads them: `no_*` and
    /// `only_*`, the most specific vehicle key first, `except` sparing
    /// cars, other vehicles' and conditional restrictions not read.
    #[test]
    fn turn_restrictions_bind_cars_as_osrm_s_car_profile_reads_them() {
        use Turn::{No, Only};
        for (kv, want) in [
            (
                vec![("type", "restriction"), ("restriction", "no_left_turn")],
                Some(No),
            ),
            (
                vec![("type", "restriction"), ("restriction", "no_u_turn")],
                Some(No),
            ),
            (
                vec![("type", "restriction"), ("restriction", "no_entry")],
                Some(No),
            ),
            (
                vec![("type", "restriction"), ("restriction", "only_straight_on")],
                Some(Only),
            ),
            (
                vec![("type", "restriction"), ("restriction", "only_right_turn")],
                Some(Only),
            ),
            (
                vec![("type", "restriction"), ("restriction", "give_way")],
                None,
            ),
            (vec![("restriction", "no_left_turn")], None),
            (
                vec![("type", "multipolygon"), ("restriction", "no_left_turn")],
                None,
            ),
            (
                vec![
                    ("type", "restriction"),
                    ("restriction", "no_left_turn"),
                    ("except", "bicycle;motorcar"),
                ],
                None,
            ),
            (
                vec![
                    ("type", "restriction"),
                    ("restriction", "no_left_turn"),
                    ("except", "psv"),
                ],
                Some(No),
            ),
            (
                vec![
                    ("type", "restriction:hgv"),
                    ("restriction:hgv", "no_left_turn"),
                ],
                None,
            ),
            (
                vec![("type", "restriction:hgv"), ("restriction", "no_left_turn")],
                None,
            ),
            (
                vec![("type", "restrictions"), ("restriction", "no_left_turn")],
                None,
            ),
            (
                vec![
                    ("type", "restriction"),
                    (
                        "restriction:conditional",
                        "no_left_turn @ (Mo-Fr 07:00-09:00)",
                    ),
                ],
                None,
            ),
            (
                vec![
                    ("type", "restriction:motorcar"),
                    ("restriction:motorcar", "only_left_turn"),
                ],
                Some(Only),
            ),
            (
                vec![
                    ("type", "restriction"),
                    ("restriction", "no_right_turn"),
                    ("restriction:motor_vehicle", "only_straight_on"),
                ],
                Some(Only),
            ),
        ] {
            assert_eq!(car_turn(&Tags(kv.clone())), want, "{kv:?}");
        }
    }

    /// Barriers as OSRM's car and foot profiles read them: a bollard stops
    /// cars, not pedestrians; a gate holds cars a minute; a wall stops
    /// both; a cattle grid neither; the node's own access tags decide over
    /// its barrier; a rising bollard, a lowered kerb and a virtual fence
    /// stop nobody; a height restrictor stops the bus if lower than it.
    #[test]
    fn barriers_stop_or_hold_the_profiles_osrm_s_profiles_do() {
        use Passage::{Free, Stop, Wait};
        let (car, foot) = (Profile::Car.index(), Profile::Foot.index());
        for (kv, want_car, want_foot) in [
            (vec![("barrier", "bollard")], Stop, Free),
            (vec![("barrier", "gate")], Wait(60_000), Free),
            (vec![("barrier", "lift_gate")], Wait(60_000), Free),
            (vec![("barrier", "block")], Stop, Free),
            (vec![("barrier", "chain")], Stop, Free),
            (vec![("barrier", "wall")], Stop, Stop),
            (vec![("barrier", "fence")], Stop, Stop),
            (
                vec![("barrier", "fence"), ("sensory", "audible")],
                Free,
                Free,
            ),
            (vec![("barrier", "cattle_grid")], Free, Free),
            (vec![("barrier", "toll_booth")], Free, Free),
            (vec![("barrier", "border_control")], Free, Free),
            (vec![("barrier", "height_restrictor")], Free, Free),
            (
                vec![("barrier", "height_restrictor"), ("maxheight", "4")],
                Free,
                Free,
            ),
            (
                vec![("barrier", "height_restrictor"), ("maxheight", "2.1 m")],
                Stop,
                Free,
            ),
            (
                vec![("barrier", "height_restrictor"), ("maxheight", "10'6\"")],
                Stop,
                Free,
            ),
            (
                vec![("barrier", "height_restrictor"), ("maxheight", "default")],
                Free,
                Free,
            ),
            (
                vec![("barrier", "bollard"), ("bollard", "rising")],
                Free,
                Free,
            ),
            (vec![("barrier", "kerb"), ("kerb", "lowered")], Free, Free),
            (vec![("barrier", "gate"), ("access", "yes")], Free, Free),
            (
                vec![("barrier", "gate"), ("motor_vehicle", "yes")],
                Free,
                Free,
            ),
            (vec![("barrier", "gate"), ("access", "private")], Stop, Stop),
            (
                vec![("barrier", "gate"), ("access", "no"), ("foot", "yes")],
                Stop,
                Free,
            ),
            (vec![("barrier", "bollard"), ("motorcar", "no")], Stop, Free),
            (vec![("access", "no")], Stop, Stop),
            (vec![("highway", "crossing")], Free, Free),
            (vec![("highway", "traffic_signals")], Free, Free),
        ] {
            let got = node_passage(&tags(&kv));
            assert_eq!((got[car], got[foot]), (want_car, want_foot), "{kv:?}");
        }
    }

    /// The convoy's bus keeps off ways too low, narrow, short or weak for
    /// it, whatever unit the limit is written in; pedestrians do not.
    #[test]
    fn the_convoy_keeps_to_roads_its_bus_fits() {
        let drives = |kv: &[(&str, &str)]| {
            let mut all = vec![("highway", "residential")];
            all.extend_from_slice(kv);
            evaluate(&tags(&all), Profile::Car).is_some()
        };
        for (kv, fits) in [
            (vec![], true),
            (vec![("maxheight", "3.8")], true),
            (vec![("maxheight", "3.2")], false),
            (vec![("maxheight", "3,2 m")], false),
            (vec![("maxheight", "11'")], false),
            (vec![("maxheight", "12'6\"")], true),
            (vec![("maxheight", "default")], true),
            (vec![("maxheight", "none")], true),
            (
                vec![("maxheight", "4"), ("maxheight:physical", "3.3")],
                false,
            ),
            (vec![("maxwidth", "2.2")], false),
            (vec![("maxwidth", "2.55")], false),
            (vec![("width", "6")], true),
            (vec![("width", "2.5")], false),
            (vec![("maxlength", "10")], false),
            (vec![("maxweight", "7.5")], false),
            (vec![("maxweight", "7.5 t")], false),
            (vec![("maxweight", "3500 kg")], false),
            (vec![("maxweight", "40")], true),
            (vec![("maxweight", "30 st")], true),
            (vec![("maxweight", "10000 lbs")], false),
            (vec![("maxweight", "signs")], true),
        ] {
            assert_eq!(drives(&kv), fits, "{kv:?}");
            let mut walk = vec![("highway", "residential")];
            walk.extend_from_slice(&kv);
            assert!(evaluate(&tags(&walk), Profile::Foot).is_some(), "{kv:?}");
        }
        assert_eq!(parse_metres("inf"), None);
        assert_eq!(parse_metres("-3"), None);
        assert_eq!(parse_tonnes("NaN t"), None);
        assert_eq!(parse_metres("150 cm"), Some(1.5));
    }

    /// Pedestrians: never on a road for motor vehicles only unless a `foot`
    /// tag allows it; along platforms and piers; not on delivery-only ways.
    #[test]
    fn pedestrians_keep_off_motorroads_and_walk_platforms_and_piers() {
        let walks = |kv: &[(&str, &str)]| evaluate(&tags(kv), Profile::Foot).is_some();
        assert!(walks(&[("highway", "primary")]));
        assert!(!walks(&[("highway", "primary"), ("motorroad", "yes")]));
        assert!(walks(&[
            ("highway", "primary"),
            ("motorroad", "yes"),
            ("foot", "yes")
        ]));
        assert!(walks(&[("railway", "platform")]));
        assert!(walks(&[("man_made", "pier")]));
        assert!(walks(&[("highway", "pier")]));
        assert!(!walks(&[("railway", "rail")]));
        assert!(!walks(&[("highway", "service"), ("access", "delivery")]));
        assert!(evaluate(&tags(&[("railway", "platform")]), Profile::Car).is_none());
    }

    /// Review: "1e300 knots", "inf knots", "DE:zoneinf", "DE:zone99999" and
    /// "DE:zone0" escaped the range every other speed is held to.
    #[test]
    fn every_speed_form_is_held_to_the_same_range() {
        for v in [
            "1e300 knots",
            "inf knots",
            "0 knots",
            "-5 knots",
            "DE:zoneinf",
            "DE:zone99999",
            "DE:zone0",
            "DE:zone-30",
        ] {
            assert!(
                !matches!(parse_maxspeed(v, "residential"), Some(MaxSpeed::Kmh(k)) if !(k > 0.0 && k < 400.0)),
                "{v}: {:?}",
                parse_maxspeed(v, "residential")
            );
            assert_ne!(
                parse_maxspeed(v, "residential"),
                Some(MaxSpeed::None),
                "{v}"
            );
        }
        assert_eq!(
            parse_maxspeed("10 knots", "residential"),
            Some(MaxSpeed::Kmh(18.52))
        );
        assert_eq!(
            parse_maxspeed("DE:zone30", "residential"),
            Some(MaxSpeed::Kmh(30.0))
        );
    }

    fn tags<'a>(kv: &[(&'a str, &'a str)]) -> Tags<'a> {
        Tags(kv.to_vec())
    }

    fn kmh(s: Option<Speed>) -> f64 {
        match s {
            Some(Speed::Kmh(v)) => v,
            other => panic!("expected a speed, got {other:?}"),
        }
    }

    #[test]
    fn maxspeed_forms() {
        assert_eq!(parse_maxspeed("50", ""), Some(MaxSpeed::Kmh(50.0)));
        assert_eq!(parse_maxspeed("50 km/h", ""), Some(MaxSpeed::Kmh(50.0)));
        let MaxSpeed::Kmh(v) = parse_maxspeed("30 mph", "").unwrap() else {
            panic!()
        };
        assert!((v - 48.28).abs() < 0.01);
        assert_eq!(parse_maxspeed("DE:urban", ""), Some(MaxSpeed::Kmh(50.0)));
        assert_eq!(parse_maxspeed("DE:rural", ""), Some(MaxSpeed::Kmh(100.0)));
        assert_eq!(
            parse_maxspeed("DE:motorway", "motorway"),
            Some(MaxSpeed::None)
        );
        assert_eq!(parse_maxspeed("RU:rural", ""), Some(MaxSpeed::Kmh(90.0)));
        assert_eq!(parse_maxspeed("RU:urban", ""), Some(MaxSpeed::Kmh(60.0)));
        assert_eq!(parse_maxspeed("UA:urban", ""), Some(MaxSpeed::Kmh(50.0)));
        assert_eq!(parse_maxspeed("DE:zone30", ""), Some(MaxSpeed::Kmh(30.0)));
        assert_eq!(parse_maxspeed("DE:zone:30", ""), Some(MaxSpeed::Kmh(30.0)));
        assert_eq!(parse_maxspeed("none", ""), Some(MaxSpeed::None));
        assert_eq!(parse_maxspeed("50;30", ""), Some(MaxSpeed::Kmh(50.0)));
        assert_eq!(parse_maxspeed("signals", ""), None);
        assert_eq!(parse_maxspeed("fast", ""), None);
        assert_eq!(parse_maxspeed("-5", ""), None);
    }

    #[test]
    fn oneway_rules() {
        let a = evaluate(
            &tags(&[("highway", "primary"), ("oneway", "yes")]),
            Profile::Car,
        )
        .unwrap();
        assert!(a.forward.is_some() && a.backward.is_none());
        let a = evaluate(
            &tags(&[("highway", "primary"), ("oneway", "-1")]),
            Profile::Car,
        )
        .unwrap();
        assert!(a.forward.is_none() && a.backward.is_some());
        let a = evaluate(&tags(&[("highway", "motorway")]), Profile::Car).unwrap();
        assert!(a.backward.is_none(), "implied on motorways");
        let a = evaluate(
            &tags(&[("highway", "tertiary"), ("junction", "roundabout")]),
            Profile::Car,
        )
        .unwrap();
        assert!(a.backward.is_none(), "implied on roundabouts");
        assert!(evaluate(
            &tags(&[("highway", "primary"), ("oneway", "reversible")]),
            Profile::Car
        )
        .is_none());
        // Foot ignores oneway.
        let a = evaluate(
            &tags(&[("highway", "residential"), ("oneway", "yes")]),
            Profile::Foot,
        )
        .unwrap();
        assert!(a.forward.is_some() && a.backward.is_some());
    }

    #[test]
    fn access_rules() {
        assert!(evaluate(
            &tags(&[("highway", "service"), ("access", "private")]),
            Profile::Car
        )
        .is_none());
        assert!(evaluate(
            &tags(&[
                ("highway", "service"),
                ("access", "no"),
                ("motor_vehicle", "yes")
            ]),
            Profile::Car
        )
        .is_some());
        assert!(evaluate(
            &tags(&[("highway", "residential"), ("motor_vehicle", "no")]),
            Profile::Car
        )
        .is_none());
        assert!(evaluate(
            &tags(&[("highway", "residential"), ("motor_vehicle", "no")]),
            Profile::Foot
        )
        .is_some());
        let a = evaluate(
            &tags(&[("highway", "residential"), ("access", "destination")]),
            Profile::Car,
        )
        .unwrap();
        assert_eq!(a.flags & flags::DESTINATION_ONLY, flags::DESTINATION_ONLY);
        assert!(evaluate(&tags(&[("highway", "footway")]), Profile::Car).is_none());
        assert!(evaluate(&tags(&[("highway", "footway")]), Profile::Foot).is_some());
        assert!(evaluate(
            &tags(&[("highway", "footway"), ("foot", "no")]),
            Profile::Foot
        )
        .is_none());
        assert!(evaluate(&tags(&[("highway", "motorway")]), Profile::Foot).is_none());
        assert!(evaluate(&tags(&[("highway", "trunk")]), Profile::Foot).is_none());
        assert!(evaluate(
            &tags(&[("highway", "trunk"), ("foot", "yes")]),
            Profile::Foot
        )
        .is_some());
        assert!(evaluate(&tags(&[("highway", "construction")]), Profile::Car).is_none());
        assert!(evaluate(
            &tags(&[("highway", "primary"), ("construction", "yes")]),
            Profile::Car
        )
        .is_none());
        assert!(evaluate(
            &tags(&[("highway", "pedestrian"), ("area", "yes")]),
            Profile::Foot
        )
        .is_none());
    }

    #[test]
    fn speeds() {
        let a = evaluate(&tags(&[("highway", "primary")]), Profile::Car).unwrap();
        assert_eq!(kmh(a.forward), 65.0);
        let a = evaluate(
            &tags(&[("highway", "primary"), ("maxspeed", "100")]),
            Profile::Car,
        )
        .unwrap();
        assert_eq!(kmh(a.forward), 80.0);
        let a = evaluate(
            &tags(&[
                ("highway", "primary"),
                ("maxspeed", "100"),
                ("maxspeed:backward", "50"),
            ]),
            Profile::Car,
        )
        .unwrap();
        assert_eq!(kmh(a.backward), 40.0);
        let a = evaluate(&tags(&[("highway", "steps")]), Profile::Foot).unwrap();
        assert_eq!(kmh(a.forward), STEPS_KMH);
    }

    #[test]
    fn ferries() {
        let a = evaluate(
            &tags(&[("route", "ferry"), ("duration", "00:45")]),
            Profile::Car,
        )
        .unwrap();
        assert_eq!(a.forward, Some(Speed::WholeWaySeconds(2700.0)));
        let a = evaluate(&tags(&[("route", "ferry")]), Profile::Foot).unwrap();
        assert_eq!(a.forward, Some(Speed::Kmh(FERRY_KMH)));
        assert!(evaluate(
            &tags(&[("route", "ferry"), ("motor_vehicle", "no")]),
            Profile::Car
        )
        .is_none());
        assert_eq!(parse_duration_s("PT1H30M"), Some(5400.0));
        assert_eq!(parse_duration_s("90"), Some(5400.0));
        assert_eq!(parse_duration_s("1:2:3"), Some(3723.0));
        assert_eq!(parse_duration_s("soon"), None);
        // Review: a ferry of "1e300" minutes took the sentinel time, and
        // every route across it read as "no route".
        for v in ["1e300", "inf", "NaN", "PT1e300H", "200:00:00", "-5", "0"] {
            let a = evaluate(&tags(&[("route", "ferry"), ("duration", v)]), Profile::Car).unwrap();
            assert_eq!(a.forward, Some(Speed::Kmh(FERRY_KMH)), "{v}");
        }
        let a = evaluate(
            &tags(&[("route", "ferry"), ("duration", "PT96H")]),
            Profile::Car,
        )
        .unwrap();
        assert_eq!(a.forward, Some(Speed::WholeWaySeconds(96.0 * 3600.0)));
    }
}
