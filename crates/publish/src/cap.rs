//! OASIS CAP 1.2 alerts, one per announced status change, with an `info`
//! block per language, the corridor as polygons and the gathering point as
//! a circle. Element order, value sets and time formats follow the schema
//! (`data/standards/CAP-v1.2-schema.xsd`); [`check`] tests the rules the
//! schema cannot express.

use crate::events::{cap_time, Event, Kind};
use crate::lang::{Arg, Lang, Texts};
use crate::Site;
use chrono::{DateTime, Datelike, Duration, FixedOffset, Offset, TimeZone};
use corridor_geo::{LatLon, LocalFrame};
use corridor_negotiation::plan::from_e6;
use corridor_negotiation::{Scenario, Status};

/// Half-width of the corridor polygon, metres.
pub const CORRIDOR_HALF_WIDTH_M: f64 = 1000.0;
/// Radius of the gathering-point circle, km.
pub const GATHER_RADIUS_KM: f64 = 0.5;
/// Most vertices of the route line before buffering.
const MAX_LINE_POINTS: usize = 40;

/// A CAP alert, as XML and with the facts the checks need.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// The corridor.
    pub corridor: String,
    /// `identifier`.
    pub identifier: String,
    /// Number of the log entry announced: the record's order, which is
    /// also the order of time (the log's times never go backwards).
    pub seq: u64,
    /// `sent`.
    pub sent: String,
    /// `msgType`.
    pub msg_type: &'static str,
    /// `references`: earlier alerts of the same corridor, `sender,identifier,sent`.
    pub references: Vec<String>,
    /// `effective`, `expires` of the info blocks.
    pub effective: String,
    /// See `effective`.
    pub expires: String,
    /// The corridor's polygons (their union is the area), as CAP
    /// `lat,lon` pairs.
    pub polygons: Vec<Vec<(f64, f64)>>,
    /// English headline (for the feed).
    pub headline_en: String,
    /// The document.
    pub xml: String,
}

impl Alert {
    /// File name without extension: the identifier with `:` made safe.
    pub fn file_stem(&self) -> String {
        self.identifier.replace([':', '/'], "_")
    }
}

/// XML text escaping.
///
/// Characters XML 1.0 does not allow at all (C0 controls other than tab,
/// line feed and carriage return; U+FFFE, U+FFFF) are left out: a name
/// with one must not make an alert unreadable, or unsignable.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => o.push(c),
        }
    }
    o
}

/// The facts of an event that every text uses, in one language.
pub struct Facts {
    /// Origin name.
    pub origin: String,
    /// Destination name.
    pub destination: String,
    /// Route: places or roads.
    pub via: String,
    /// The day the window (or, for a reopening, what is left of it)
    /// begins, in words.
    pub date: String,
    /// Start and end, local (`HH:MM`; the end with its day when that is
    /// another day). For a corridor open again, the start is the time it
    /// reopened.
    pub start: String,
    /// See `start`.
    pub end: String,
    /// UTC offset of the start, `+02:00`.
    pub offset: String,
    /// The offset as people read it: `UTC+2`, `UTC+5:30`.
    pub utc: String,
    /// `kyiv` when the scenario keeps Kyiv time, else `other`: selects
    /// the words for the time zone in the templates.
    pub zone: &'static str,
    /// Short date of the start, day and month zero-padded (`08`, `03`),
    /// and the day and month as numbers, for the SMS forms.
    pub dd: String,
    /// See `dd`.
    pub mm: String,
    /// See `dd`.
    pub day_month: (u32, u32),
    /// Last safe departure, local (`HH:MM`, with its day when that is
    /// not the day of `start`).
    pub last: String,
    /// Kilometres.
    pub km: f64,
    /// Hours and minutes on the road.
    pub hours: u64,
    /// See `hours`.
    pub minutes: u64,
    /// Gathering point as a person finds it: the place's name, then the
    /// scenario's description (an address or landmark) or the nearest
    /// named road, then the coordinates.
    pub gather: String,
    /// The gathering point without coordinates (for the SMS).
    pub gather_short: String,
    /// Gathering point coordinates.
    pub gather_at: LatLon,
    /// Why a corridor was suspended, closed or cancelled: a hazard kind
    /// (`shelling`…); `text` when only the mediator's logged reason says;
    /// `party` when a party gave only its own words (never published: a
    /// belligerent's claim must not go out in the mediator-signed alert;
    /// the words stay in the signed log); `none`.
    pub cause: &'static str,
    /// The reason as logged (shown quoted when `cause` is `text`).
    pub reason: String,
    /// The name of the party that made the change.
    pub party: String,
    /// Route geometry.
    pub line: Vec<LatLon>,
    /// Window in absolute time.
    pub window: (DateTime<FixedOffset>, DateTime<FixedOffset>),
}

/// Farthest a published place may be from the town of the same name to
/// take that town's names, metres.
const SAME_TOWN_M: f64 = 10_000.0;

/// The name of a place in `lang`: the scenario's (its `name_uk`, `name_ru`,
/// `name_en`, or the names table's for a place given as a town); for a
/// place not in the file (a town proposed on the map) or a town of the
/// route, the names table's entry of the town of that name within 10 km;
/// else `name` as recorded, which the scenario check has warned about.
pub fn local_name(scn: &Scenario, lang: Lang, id: Option<&str>, name: &str, at: LatLon) -> String {
    let place = id.and_then(|i| scn.place(i));
    let explicit = place.and_then(|p| match lang {
        Lang::Uk => p.name_uk.clone(),
        Lang::Ru => p.name_ru.clone(),
        Lang::En => p.name_en.clone(),
    });
    if let Some(n) = explicit {
        return n;
    }
    scn.gazetteer
        .near(name, at, SAME_TOWN_M)
        .and_then(|t| match lang {
            Lang::Uk => t.name_uk().map(str::to_string),
            Lang::Ru => t.name_ru().map(str::to_string),
            Lang::En => t.name_en(),
        })
        .unwrap_or_else(|| name.to_string())
}

/// "UTC+2", "UTC+5:30", "UTC": as short as it stays exact.
pub fn utc_text(t: &DateTime<chrono_tz::Tz>) -> String {
    let secs = t.offset().fix().local_minus_utc();
    let (sign, a) = if secs < 0 { ('-', -secs) } else { ('+', secs) };
    let (h, m) = (a / 3600, (a % 3600) / 60);
    match (h, m) {
        (0, 0) => "UTC".to_string(),
        (h, 0) => format!("UTC{sign}{h}"),
        (h, m) => format!("UTC{sign}{h}:{m:02}"),
    }
}

/// Whether people in `tz` keep Kyiv time (the zone and its old aliases).
fn kyiv_time(tz: chrono_tz::Tz) -> bool {
    matches!(
        tz.name(),
        "Europe/Kyiv" | "Europe/Kiev" | "Europe/Zaporozhye" | "Europe/Uzhgorod"
    )
}

/// The facts of `e` in `lang`.
pub fn facts(scn: &Scenario, e: &Event, lang: Lang, texts: &Texts) -> Facts {
    let c = &e.content;
    let origin = local_name(
        scn,
        lang,
        Some(&c.origin.id),
        &c.origin.name,
        from_e6(c.origin.at),
    );
    let destination = local_name(
        scn,
        lang,
        Some(&c.destination.id),
        &c.destination.name,
        from_e6(c.destination.at),
    );
    // Via: the proposal's named places (in this language), else the main
    // roads of the road route.
    let mut via: Vec<String> = c
        .via
        .iter()
        .filter(|w| !w.name.contains(','))
        .map(|w| local_name(scn, lang, None, &w.name, from_e6(w.at)))
        .collect();
    if via.is_empty() && !c.is_polyline() {
        via = c.route.roads.iter().take(4).cloned().collect();
    }
    let mut route_names = vec![origin.clone()];
    route_names.extend(via);
    route_names.push(destination.clone());
    let (ws, we) = c.window().unwrap_or((e.time, e.time));
    let dur_s = c.route.duration_s;
    let tz = scn.tz;
    // A corridor open again is open from the moment it reopened.
    let from = if e.kind == Kind::Reopened && e.time > ws {
        e.time
    } else {
        ws
    };
    let ls = tz.from_utc_datetime(&from.naive_utc());
    let le = tz.from_utc_datetime(&we.naive_utc());
    let last = tz.from_utc_datetime(
        &c.last_safe_departure()
            // No readable last departure (a trip beyond any date): the
            // window's end, which no trip of that length makes.
            .unwrap_or(we)
            .naive_utc(),
    );
    let (day, month) = (ls.day(), ls.month());
    let date = texts.get(
        lang,
        "date",
        &[
            ("day", Arg::Num(f64::from(day))),
            ("m", Arg::Num(f64::from(month))),
            ("year", Arg::Str(&ls.format("%Y").to_string())),
        ],
    );
    let line = c.line();
    let gather_at = from_e6(c.origin.at);
    let place = scn.place(&c.origin.id);
    let described = place.and_then(|p| match lang {
        Lang::Uk => p.gathering.uk.clone(),
        Lang::Ru => p.gathering.ru.clone(),
        Lang::En => p.gathering.en.clone(),
    });
    // The nearest road, unless the place's name already says it
    // ("Altstadt, Friedrich-Ebert-Anlage").
    let road = place
        .and_then(|p| p.gathering.road.clone())
        .filter(|r| !origin.contains(r.as_str()));
    let gather_short = match described.or(road) {
        Some(d) => format!("{origin}, {d}"),
        None => origin.clone(),
    };
    let other_day = |t: &DateTime<chrono_tz::Tz>| t.date_naive() != ls.date_naive();
    // The clocks change inside the window (Kyiv: the last Sundays of March
    // and October): one offset for the window would put its end an hour
    // off, so then every time carries its own and the window none.
    let offset = |t: &DateTime<chrono_tz::Tz>| t.offset().fix().local_minus_utc();
    let change = offset(&le) != offset(&ls) || offset(&last) != offset(&ls);
    let own = |text: String, t: &DateTime<chrono_tz::Tz>| {
        if change {
            format!("{text} {}", utc_text(t))
        } else {
            text
        }
    };
    // A later time: with its date when not the window's first day.
    let later = |t: &DateTime<chrono_tz::Tz>| {
        let time = t.format("%H:%M").to_string();
        if !other_day(t) {
            return own(time, t);
        }
        let (dd, mm) = (t.format("%d").to_string(), t.format("%m").to_string());
        let text = texts.get(
            lang,
            "later-day",
            &[
                ("day", Arg::Num(f64::from(t.day()))),
                ("m", Arg::Num(f64::from(t.month()))),
                ("dd", Arg::Str(&dd)),
                ("mm", Arg::Str(&mm)),
                ("time", Arg::Str(&time)),
            ],
        );
        own(text, t)
    };
    Facts {
        gather: format!(
            "{gather_short} ({:.4}, {:.4})",
            gather_at.lat, gather_at.lon
        ),
        gather_short,
        origin,
        destination,
        via: route_names.join(" – "),
        date,
        start: own(ls.format("%H:%M").to_string(), &ls),
        end: later(&le),
        offset: ls.format("%:z").to_string(),
        utc: if change {
            "none".to_string()
        } else {
            utc_text(&ls)
        },
        zone: if kyiv_time(tz) { "kyiv" } else { "other" },
        dd: ls.format("%d").to_string(),
        mm: ls.format("%m").to_string(),
        day_month: (day, month),
        last: later(&last),
        km: (c.route.distance_m as f64 / 1000.0).round(),
        hours: dur_s / 3600,
        minutes: (dur_s % 3600) / 60,
        gather_at,
        cause: match (e.cause, &e.reason) {
            (Some(k), _) => k.name(),
            (None, Some(r)) if !r.trim().is_empty() => {
                if scn
                    .party(&e.actor)
                    .is_some_and(|p| p.role == corridor_negotiation::Role::Mediator)
                {
                    "text"
                } else {
                    "party"
                }
            }
            _ => "none",
        },
        reason: e.reason.clone().unwrap_or_default(),
        party: scn
            .party(&e.actor)
            .map_or_else(|| e.actor.clone(), |p| p.name.clone()),
        line,
        window: (ws, we),
    }
}

/// The template arguments of `f` for event kind `kind`. `tz` is no
/// longer shown (the templates name the zone in words and give the UTC
/// offset); it stays for callers that pass it.
pub fn args<'a>(
    f: &'a Facts,
    kind: Kind,
    tz: &'a str,
    duration: &'a str,
    km: &'a str,
) -> Vec<(&'static str, Arg<'a>)> {
    let _ = tz;
    vec![
        ("kind", Arg::Str(kind.name())),
        ("origin", Arg::Str(&f.origin)),
        ("destination", Arg::Str(&f.destination)),
        ("via", Arg::Str(&f.via)),
        ("date", Arg::Str(&f.date)),
        ("start", Arg::Str(&f.start)),
        ("end", Arg::Str(&f.end)),
        ("offset", Arg::Str(&f.offset)),
        ("utc", Arg::Str(&f.utc)),
        ("tzkey", Arg::Str(f.zone)),
        ("last", Arg::Str(&f.last)),
        ("km", Arg::Str(km)),
        ("duration", Arg::Str(duration)),
        ("gather", Arg::Str(&f.gather)),
        ("cause", Arg::Str(f.cause)),
        ("reason", Arg::Str(&f.reason)),
        ("party", Arg::Str(&f.party)),
        ("dd", Arg::Str(&f.dd)),
        ("mm", Arg::Str(&f.mm)),
        ("day", Arg::Num(f64::from(f.day_month.0))),
        ("m", Arg::Num(f64::from(f.day_month.1))),
    ]
}

/// "3 години 20 хвилин" in `lang`.
pub fn duration_text(texts: &Texts, lang: Lang, h: u64, m: u64) -> String {
    texts.get(
        lang,
        "duration",
        &[("h", Arg::Num(h as f64)), ("m", Arg::Num(m as f64))],
    )
}

/// Douglas–Peucker simplification of a planar polyline.
fn simplify(pts: &[(f64, f64)], tol: f64) -> Vec<(f64, f64)> {
    if pts.len() <= 2 {
        return pts.to_vec();
    }
    let (a, b) = (pts[0], pts[pts.len() - 1]);
    let (mut worst, mut at) = (0.0, 0);
    for (i, &p) in pts.iter().enumerate().take(pts.len() - 1).skip(1) {
        let d = corridor_geo::point_segment_distance(p, a, b).0;
        if d > worst {
            worst = d;
            at = i;
        }
    }
    if worst <= tol {
        return vec![a, b];
    }
    let mut left = simplify(&pts[..=at], tol);
    left.pop();
    left.extend(simplify(&pts[at..], tol));
    left
}

/// The corridor as CAP polygons whose union holds the route buffered by
/// `half_width_m`: the route simplified to at most 40 points (within a
/// tolerance of a quarter of `half_width_m`, doubled until so few remain),
/// then one rectangle per stretch, `half_width_m` plus the tolerance either
/// side and extended as much at both ends, so that consecutive stretches
/// overlap at every bend. Each is convex, so never
/// self-crossing, and every point of the route lies inside one of them
/// (an offset curve of a winding route crosses itself, and point-in-polygon
/// tests by the even-odd rule then put parts of the route, the gathering
/// point among them, outside the alert area). CAP takes several
/// `<polygon>` in one `<area>` as their union. Each is (lat, lon) pairs,
/// closed (first = last).
pub fn corridor_polygons(line: &[LatLon], half_width_m: f64) -> Vec<Vec<(f64, f64)>> {
    let Some(&first) = line.first() else {
        return Vec::new();
    };
    let frame = LocalFrame::new(first);
    let pts: Vec<(f64, f64)> = line.iter().map(|&p| frame.project(p)).collect();
    let mut tol = half_width_m / 4.0;
    let mut simple = simplify(&pts, tol);
    while simple.len() > MAX_LINE_POINTS {
        tol *= 2.0;
        simple = simplify(&pts, tol);
    }
    simple.dedup_by(|a, b| (a.0 - b.0).hypot(a.1 - b.1) < 1.0);
    if simple.len() == 1 {
        simple.push((simple[0].0 + 1.0, simple[0].1));
    }
    // Every point of the route is within `tol` of the simplified line
    // (Douglas–Peucker keeps original points, each stretch of the route
    // lying within `tol` of the one segment between its kept ends), within
    // a metre more after dropping points a metre apart, and the corners'
    // rounding to 1e-5° moves them less than a metre: so a band of
    // `half_width_m + tol + 2` around the simplified line holds the band of
    // `half_width_m` around the route.
    let w = half_width_m + tol + 2.0;
    simple
        .windows(2)
        .map(|s| {
            let (a, b) = (s[0], s[1]);
            let l = (b.0 - a.0).hypot(b.1 - a.1).max(1e-9);
            let (dx, dy) = ((b.0 - a.0) / l, (b.1 - a.1) / l);
            let (a, b) = ((a.0 - dx * w, a.1 - dy * w), (b.0 + dx * w, b.1 + dy * w));
            let (nx, ny) = (-dy * w, dx * w);
            let ring = [
                (a.0 + nx, a.1 + ny),
                (b.0 + nx, b.1 + ny),
                (b.0 - nx, b.1 - ny),
                (a.0 - nx, a.1 - ny),
                (a.0 + nx, a.1 + ny),
            ];
            ring.iter()
                .map(|&(x, y)| {
                    let p = frame.unproject(x, y);
                    ((p.lat * 1e5).round() / 1e5, (p.lon * 1e5).round() / 1e5)
                })
                .collect()
        })
        .collect()
}

/// Whether `p` (lat, lon) is inside `ring` (lat, lon pairs, closed), by
/// the even-odd rule most CAP consumers use.
pub fn inside(ring: &[(f64, f64)], p: (f64, f64)) -> bool {
    let ring: Vec<(f64, f64)> = ring.iter().map(|&(la, lo)| (lo, la)).collect();
    corridor_geo::point_in_ring((p.1, p.0), &ring)
}

/// Whether the closed ring crosses itself (two non-adjacent sides meet).
pub fn self_crossing(ring: &[(f64, f64)]) -> bool {
    let n = ring.len().saturating_sub(1);
    (0..n).any(|i| {
        (i + 2..n).any(|j| {
            !(i == 0 && j == n - 1)
                && corridor_geo::segments_intersect(ring[i], ring[i + 1], ring[j], ring[j + 1])
        })
    })
}

fn status(s: Status) -> &'static str {
    match s {
        Status::Actual => "Actual",
        Status::Exercise => "Exercise",
        Status::Test => "Test",
    }
}

/// Every alert for the events, in order, each referencing the earlier
/// alerts of its corridor.
pub fn alerts(scn: &Scenario, events: &[Event], site: &Site, texts: &Texts) -> Vec<Alert> {
    let slug = slug(&scn.name);
    let mut out: Vec<Alert> = Vec::with_capacity(events.len());
    for e in events {
        let a = alert(scn, e, site, texts, &slug, &out);
        out.push(a);
    }
    out
}

/// The scenario's name in identifiers: ASCII letters and digits, lower
/// case, runs of anything else one `-`.
fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The alert announcing event `e`, after the `earlier` alerts of the same
/// list (those of its corridor are its references).
fn alert(
    scn: &Scenario,
    e: &Event,
    site: &Site,
    texts: &Texts,
    slug: &str,
    earlier: &[Alert],
) -> Alert {
    let identifier = format!(
        "corridor.{slug}.{}.{}",
        e.corridor.replace([' ', ',', '<', '&'], "_"),
        e.seq
    );
    let sent = e.sent();
    let references: Vec<String> = earlier
        .iter()
        .filter(|a| a.corridor == e.corridor)
        .map(|a| format!("{},{},{}", site.sender, a.identifier, a.sent))
        .collect();
    let msg_type = match (e.kind, references.is_empty()) {
        (Kind::Cancelled, false) => "Cancel",
        (_, true) => "Alert",
        _ => "Update",
    };
    let en = facts(scn, e, Lang::En, texts);
    let block = Block::new(e, &en);
    let polygons = corridor_polygons(&en.line, CORRIDOR_HALF_WIDTH_M);
    let mut x = header(scn, site, &identifier, &sent, msg_type, &references);
    let mut headline_en = String::new();
    for lang in Lang::ALL {
        let headline = info(&mut x, scn, e, lang, site, texts, &block, &polygons);
        if lang == Lang::En {
            headline_en = headline;
        }
    }
    x += "</alert>\n";
    Alert {
        corridor: e.corridor.clone(),
        identifier,
        seq: e.seq,
        sent,
        msg_type,
        references,
        effective: block.effective,
        expires: block.expires,
        polygons,
        headline_en,
        xml: x,
    }
}

/// What every `<info>` of an alert shares whatever its language: its
/// times and the response asked for.
struct Block {
    effective: String,
    onset: String,
    expires: String,
    response: &'static str,
    urgency: &'static str,
    severity: &'static str,
}

impl Block {
    /// Times: an open corridor is in force for its window; a suspension,
    /// closure or cancellation from now until the window would have ended
    /// (at least an hour).
    fn new(e: &Event, en: &Facts) -> Block {
        let (effective, onset, expires) = if e.kind.open() {
            let eff = en.window.0.max(e.time);
            (
                eff,
                // A reopened corridor is open again from its reopening,
                // as its text says.
                if e.kind == Kind::Reopened {
                    eff
                } else {
                    en.window.0
                },
                en.window.1.max(eff + Duration::minutes(1)),
            )
        } else {
            (e.time, e.time, en.window.1.max(e.time + Duration::hours(1)))
        };
        let (response, urgency, severity) = match e.kind {
            Kind::Opened | Kind::Changed | Kind::Reopened => (
                "Evacuate",
                if e.time >= en.window.0 {
                    "Immediate"
                } else {
                    "Expected"
                },
                "Severe",
            ),
            Kind::Suspended => ("Avoid", "Immediate", "Severe"),
            Kind::Closed => ("AllClear", "Past", "Minor"),
            Kind::Cancelled => ("Avoid", "Immediate", "Moderate"),
        };
        Block {
            effective: cap_time(effective),
            onset: cap_time(onset),
            expires: cap_time(expires),
            response,
            urgency,
            severity,
        }
    }
}

/// The document's start, up to its first `<info>`.
fn header(
    scn: &Scenario,
    site: &Site,
    identifier: &str,
    sent: &str,
    msg_type: &str,
    references: &[String],
) -> String {
    let mut x = String::new();
    x += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    x += "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n";
    x += &format!("  <identifier>{}</identifier>\n", escape(identifier));
    x += &format!("  <sender>{}</sender>\n", escape(&site.sender));
    x += &format!("  <sent>{sent}</sent>\n");
    x += &format!("  <status>{}</status>\n", status(scn.status));
    x += &format!("  <msgType>{msg_type}</msgType>\n");
    x += "  <scope>Public</scope>\n";
    if scn.status != Status::Actual {
        x += &format!(
            "  <note>{} — not a real alert</note>\n",
            if scn.status == Status::Exercise {
                "EXERCISE"
            } else {
                "TEST"
            }
        );
    }
    if !references.is_empty() {
        x += &format!(
            "  <references>{}</references>\n",
            escape(&references.join(" "))
        );
    }
    x
}

/// Appends the `<info>` of `lang` to `x`; returns its headline.
#[allow(clippy::too_many_arguments)]
fn info(
    x: &mut String,
    scn: &Scenario,
    e: &Event,
    lang: Lang,
    site: &Site,
    texts: &Texts,
    block: &Block,
    polygons: &[Vec<(f64, f64)>],
) -> String {
    let f = facts(scn, e, lang, texts);
    let duration = duration_text(texts, lang, f.hours, f.minutes);
    let km = format!("{}", f.km);
    let a = args(&f, e.kind, scn.tz.name(), &duration, &km);
    let headline = texts.get(lang, "headline", &a);
    let Block {
        effective,
        onset,
        expires,
        response,
        urgency,
        severity,
    } = block;
    *x += "  <info>\n";
    *x += &format!("    <language>{}</language>\n", lang.tag());
    *x += "    <category>Safety</category>\n";
    *x += &format!(
        "    <event>{}</event>\n",
        escape(&texts.get(lang, "event", &a))
    );
    *x += &format!("    <responseType>{response}</responseType>\n");
    *x += &format!("    <urgency>{urgency}</urgency>\n");
    *x += &format!("    <severity>{severity}</severity>\n");
    *x += "    <certainty>Observed</certainty>\n";
    *x += &format!("    <effective>{effective}</effective>\n");
    *x += &format!("    <onset>{onset}</onset>\n");
    *x += &format!("    <expires>{expires}</expires>\n");
    *x += &format!(
        "    <senderName>{}</senderName>\n",
        escape(&site.sender_name)
    );
    *x += &format!("    <headline>{}</headline>\n", escape(&headline));
    *x += &format!(
        "    <description>{}</description>\n",
        escape(&texts.get(lang, "description", &a))
    );
    *x += &format!(
        "    <instruction>{}</instruction>\n",
        escape(&texts.get(lang, "instruction", &a))
    );
    *x += &format!(
        "    <web>{}</web>\n",
        escape(&format!("{}index.html", site.base_url))
    );
    for (name, value) in [
        ("corridor", e.corridor.as_str()),
        ("corridorVersion", e.version.as_str()),
        ("logEntry", &e.seq.to_string()),
        ("logEntryHash", e.entry_hash.as_str()),
    ] {
        *x += &format!(
            "    <parameter><valueName>{name}</valueName><value>{}</value></parameter>\n",
            escape(value)
        );
    }
    *x += "    <area>\n";
    *x += &format!(
        "      <areaDesc>{}</areaDesc>\n",
        escape(&texts.get(lang, "area", &a))
    );
    for polygon in polygons.iter().filter(|p| p.len() >= 4) {
        let p: Vec<String> = polygon
            .iter()
            .map(|(la, lo)| format!("{la},{lo}"))
            .collect();
        *x += &format!("      <polygon>{}</polygon>\n", p.join(" "));
    }
    *x += &format!(
        "      <circle>{:.5},{:.5} {GATHER_RADIUS_KM}</circle>\n",
        f.gather_at.lat, f.gather_at.lon
    );
    *x += "    </area>\n";
    *x += "  </info>\n";
    headline
}

/// The rules the schema cannot express: closed polygons of at least four
/// points with valid coordinates, none crossing itself, `expires` after `effective`, references
/// of the form `sender,identifier,sent` naming earlier alerts, times with
/// an explicit offset and no fractions.
pub fn check(a: &Alert, earlier: &[Alert]) -> Result<(), Vec<String>> {
    let mut errs = Vec::new();
    for polygon in &a.polygons {
        if polygon.len() < 4 {
            errs.push(format!(
                "polygon has {} points, fewer than 4",
                polygon.len()
            ));
        }
        if polygon.first() != polygon.last() {
            errs.push("polygon is not closed".into());
        }
        if polygon
            .iter()
            .any(|&(la, lo)| !(-90.0..=90.0).contains(&la) || !(-180.0..=180.0).contains(&lo))
        {
            errs.push("polygon point out of range".into());
        }
        if self_crossing(polygon) {
            errs.push("polygon crosses itself".into());
        }
    }
    let time = |s: &str| {
        let ok = s.len() == 25
            && !s.contains('Z')
            && !s.contains('.')
            && (s.ends_with(":00") || s.ends_with(":30") || s.ends_with(":45"));
        ok.then(|| DateTime::parse_from_rfc3339(s).ok()).flatten()
    };
    for (what, t) in [
        ("sent", &a.sent),
        ("effective", &a.effective),
        ("expires", &a.expires),
    ] {
        if time(t).is_none() {
            errs.push(format!(
                "{what} `{t}` is not a CAP time (seconds, explicit +hh:mm offset)"
            ));
        }
    }
    if let (Some(e), Some(x)) = (time(&a.effective), time(&a.expires)) {
        if x <= e {
            errs.push(format!(
                "expires {} is not after effective {}",
                a.expires, a.effective
            ));
        }
    }
    for r in &a.references {
        let parts: Vec<&str> = r.split(',').collect();
        if parts.len() != 3
            || parts.iter().any(|p| p.is_empty() || p.contains(' '))
            || time(parts[2]).is_none()
        {
            errs.push(format!("reference `{r}` is not sender,identifier,sent"));
        } else if !earlier
            .iter()
            .any(|x| x.identifier == parts[1] && x.sent == parts[2] && x.corridor == a.corridor)
        {
            errs.push(format!(
                "reference `{r}` names no earlier alert of corridor {}",
                a.corridor
            ));
        }
    }
    if (a.msg_type == "Alert") != a.references.is_empty() {
        errs.push(format!(
            "msgType {} with {} references",
            a.msg_type,
            a.references.len()
        ));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs)
    }
}
