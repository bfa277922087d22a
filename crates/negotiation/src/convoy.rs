//! Watching a convoy on its agreed corridor: the checks made on each
//! reported position, and the simulated tracks that demonstrate and test
//! them. No IO and no clock: times are given in milliseconds since the
//! epoch by the caller.
//!
//! Each convoy has a [`Track`], fed one [`Fix`] at a time (in time order)
//! against the agreed [`RouteLine`] and the hazards in force. Four
//! conditions are watched, each *raised* once when it starts and *cleared*
//! once when it ends, with hysteresis so that GPS noise neither raises
//! nor flaps them:
//!
//! * **off route**: farther than [`Settings::off_route_m`] from the agreed
//!   line for at least [`Settings::off_route_s`]; cleared once back within
//!   half that distance.
//! * **stopped**: every fix of the last [`Settings::stop_s`] seconds within
//!   [`Settings::stop_m`] of their centroid (noise of 20 m never moves a
//!   standing vehicle that far; a moving one leaves it in seconds); cleared
//!   once a fix is twice that distance from where it stood.
//! * **late**: the time of the fix plus the ETA from there (given by the
//!   caller, routed with the hazards in force) passes the window's end;
//!   cleared once the ETA is back [`Settings::late_clear_s`] inside it.
//! * **in a hazard**: the fix lies within a hazard in force (its parts and
//!   buffer, valid at the fix's time); raised per hazard, cleared on leaving.
//!
//! A convoy within [`Settings::arrive_m`] of the end of the route is
//! **arrived**: one event, and no further checks.

use corridor_geo::{point_segment_distance, LatLon, LocalFrame};
use corridor_hazards::{segment_meets_part, Hazard};
use std::collections::{BTreeSet, VecDeque};

/// Thresholds of the checks and bounds of what is kept.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Distance from the agreed line that counts as off route, metres.
    pub off_route_m: f64,
    /// How long off route before it is raised, seconds.
    pub off_route_s: i64,
    /// Radius within which a vehicle counts as standing, metres.
    pub stop_m: f64,
    /// How long standing before it is raised, seconds.
    pub stop_s: i64,
    /// How far from the end of the route counts as arrived, metres.
    pub arrive_m: f64,
    /// How far inside the window the ETA must come back to clear `late`, seconds.
    pub late_clear_s: i64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            off_route_m: 150.0,
            off_route_s: 30,
            stop_m: 60.0,
            stop_s: 120,
            arrive_m: 150.0,
            late_clear_s: 120,
        }
    }
}

/// One reported position.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fix {
    /// When, ms since the epoch.
    pub t_ms: i64,
    /// Where.
    pub at: LatLon,
}

/// What is watched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Away from the agreed road.
    OffRoute,
    /// Not moving.
    Stopped,
    /// Will arrive after the window closes.
    Late,
    /// Inside a hazard in force.
    InHazard,
    /// At the destination.
    Arrived,
}

impl Kind {
    /// Stable name, used on the wire and in the log.
    pub fn name(self) -> &'static str {
        match self {
            Kind::OffRoute => "off_route",
            Kind::Stopped => "stopped",
            Kind::Late => "late",
            Kind::InHazard => "in_hazard",
            Kind::Arrived => "arrived",
        }
    }

    /// Every kind.
    pub const ALL: [Kind; 5] = [
        Kind::OffRoute,
        Kind::Stopped,
        Kind::Late,
        Kind::InHazard,
        Kind::Arrived,
    ];

    /// The kind of a name.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// A condition raised or cleared.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// What.
    pub kind: Kind,
    /// Raised (true) or cleared (false).
    pub raised: bool,
    /// Time of the fix that decided it, ms.
    pub t_ms: i64,
    /// Where (exact: the caller coarsens it before showing it to anyone
    /// but the parties).
    pub at: LatLon,
    /// The hazard, for `in_hazard`.
    pub hazard: Option<String>,
    /// Plain words: distances, durations.
    pub detail: String,
}

/// The agreed line with the distance along it at each vertex.
#[derive(Clone, Debug)]
pub struct RouteLine {
    pts: Vec<LatLon>,
    along: Vec<f64>,
}

impl RouteLine {
    /// The line through `pts` (at least one point; `None` otherwise).
    pub fn new(pts: Vec<LatLon>) -> Option<RouteLine> {
        if pts.is_empty() {
            return None;
        }
        let mut along = Vec::with_capacity(pts.len());
        let mut acc = 0.0;
        along.push(0.0);
        for w in pts.windows(2) {
            acc += corridor_geo::haversine_m(w[0], w[1]);
            along.push(acc);
        }
        Some(RouteLine { pts, along })
    }

    /// Its length, metres.
    pub fn length_m(&self) -> f64 {
        *self.along.last().expect("never empty")
    }

    /// The vertices.
    pub fn points(&self) -> &[LatLon] {
        &self.pts
    }

    /// Distance from `p` to the line and the distance along the line of the
    /// nearest point, metres (in a frame centred on `p`).
    pub fn locate(&self, p: LatLon) -> (f64, f64) {
        let f = LocalFrame::new(p);
        if self.pts.len() == 1 {
            let q = f.project(self.pts[0]);
            return (q.0.hypot(q.1), 0.0);
        }
        let mut best = (f64::INFINITY, 0.0);
        let mut a = f.project(self.pts[0]);
        for i in 1..self.pts.len() {
            let b = f.project(self.pts[i]);
            let (d, t) = point_segment_distance((0.0, 0.0), a, b);
            if d < best.0 {
                best = (
                    d,
                    self.along[i - 1] + t * (self.along[i] - self.along[i - 1]),
                );
            }
            a = b;
        }
        best
    }

    /// As [`RouteLine::locate`], for a vehicle last seen `from` metres
    /// along: on a route that passes the same place twice (out to a
    /// checkpoint and back on the same road), of the passages within `near`
    /// metres between `slack` metres behind and [`LOOK_AHEAD_M`] ahead, the
    /// one nearest along the line to `from`; without one, the nearest of all.
    pub fn locate_from(&self, p: LatLon, from: f64, slack: f64, near: f64) -> (f64, f64) {
        let all = self.locate(p);
        if self.pts.len() < 2 {
            return all;
        }
        let f = LocalFrame::new(p);
        let mut best = (f64::INFINITY, 0.0);
        let mut found = None;
        let start = self
            .along
            .partition_point(|&x| x < from - slack)
            .saturating_sub(1);
        let mut a = f.project(self.pts[start]);
        for i in start + 1..self.pts.len() {
            if self.along[i - 1] > from + LOOK_AHEAD_M {
                break;
            }
            let b = f.project(self.pts[i]);
            let (d, t) = point_segment_distance((0.0, 0.0), a, b);
            let s = self.along[i - 1] + t * (self.along[i] - self.along[i - 1]);
            // Within reach and not behind: the passage nearest along the
            // line to where the vehicle was.
            if d <= near && s >= from - slack && (s - from).abs() < best.0 {
                best = ((s - from).abs(), s);
                found = Some((d, s));
            }
            a = b;
        }
        found.unwrap_or(all)
    }

    /// The point `s` metres along the line (clamped to its ends).
    pub fn point_at(&self, s: f64) -> LatLon {
        let s = s.clamp(0.0, self.length_m());
        let i = self
            .along
            .partition_point(|&x| x < s)
            .clamp(1, self.pts.len().max(2) - 1);
        if self.pts.len() == 1 {
            return self.pts[0];
        }
        let (a, b) = (self.pts[i - 1], self.pts[i]);
        let seg = self.along[i] - self.along[i - 1];
        let t = if seg > 0.0 {
            (s - self.along[i - 1]) / seg
        } else {
            0.0
        };
        LatLon::new(a.lat + t * (b.lat - a.lat), a.lon + t * (b.lon - a.lon))
    }
}

/// How far ahead of its last position a vehicle is looked for first, metres.
pub const LOOK_AHEAD_M: f64 = 2_000.0;

/// Longest stretch of recent fixes kept for the `stopped` check.
pub const MAX_RECENT: usize = 512;

/// What is known of one convoy on the road: bounded (a few numbers, the
/// hazards it is in, and at most [`MAX_RECENT`] recent fixes).
#[derive(Clone, Debug, Default)]
pub struct Track {
    /// Time of the last fix taken, ms.
    pub last_t_ms: Option<i64>,
    /// The last fix taken.
    pub last: Option<Fix>,
    /// Distance along the route of the last fix, metres.
    pub along_m: f64,
    /// Distance from the route of the last fix, metres.
    pub off_m: f64,
    off_since: Option<i64>,
    /// Conditions in force.
    pub raised: BTreeSet<Kind>,
    /// Hazards the convoy is in.
    pub hazards_in: BTreeSet<String>,
    recent: VecDeque<Fix>,
    stood_at: Option<LatLon>,
    /// At the destination.
    pub arrived: bool,
}

fn metres(a: LatLon, b: LatLon) -> f64 {
    let f = LocalFrame::new(a);
    let q = f.project(b);
    q.0.hypot(q.1)
}

impl Track {
    /// Takes one fix (later than the last: earlier ones are ignored and
    /// `None` is returned); the events it raises or clears.
    pub fn observe(
        &mut self,
        route: &RouteLine,
        s: &Settings,
        fix: Fix,
        hazards: &[Hazard],
    ) -> Option<Vec<Event>> {
        if self.last_t_ms.is_some_and(|t| fix.t_ms <= t) {
            return None;
        }
        let mut out = Vec::new();
        self.last_t_ms = Some(fix.t_ms);
        self.last = Some(fix);
        if self.arrived {
            return Some(out);
        }
        let (off, along) = route.locate_from(fix.at, self.along_m, 60.0, s.off_route_m);
        self.off_m = off;
        let ev = |kind, raised, detail: String| Event {
            kind,
            raised,
            t_ms: fix.t_ms,
            at: fix.at,
            hazard: None,
            detail,
        };
        // Off route.
        if off > s.off_route_m {
            let since = *self.off_since.get_or_insert(fix.t_ms);
            if !self.raised.contains(&Kind::OffRoute) && fix.t_ms - since >= s.off_route_s * 1000 {
                self.raised.insert(Kind::OffRoute);
                out.push(ev(
                    Kind::OffRoute,
                    true,
                    format!(
                        "{:.0} m from the agreed road for {} s",
                        off,
                        (fix.t_ms - since) / 1000
                    ),
                ));
            }
        } else {
            if off <= s.off_route_m / 2.0 {
                self.off_since = None;
                if self.raised.remove(&Kind::OffRoute) {
                    out.push(ev(
                        Kind::OffRoute,
                        false,
                        format!("back on the agreed road ({off:.0} m)"),
                    ));
                }
            }
            // Progress counts only on the road: a detour's projection
            // onto the line is not progress.
            self.along_m = along;
        }
        // Stopped.
        self.recent.push_back(fix);
        while self.recent.len() > MAX_RECENT
            || self
                .recent
                .front()
                .is_some_and(|f| fix.t_ms - f.t_ms > s.stop_s * 1000)
        {
            self.recent.pop_front();
        }
        if let Some(stood) = self.stood_at {
            if metres(stood, fix.at) > 2.0 * s.stop_m {
                self.stood_at = None;
                self.raised.remove(&Kind::Stopped);
                out.push(ev(Kind::Stopped, false, "moving again".into()));
            }
        } else if let Some(first) = self.recent.front() {
            // The window must span the whole time: fixes reach back to
            // (almost) stop_s ago.
            let span = fix.t_ms - first.t_ms;
            if span >= s.stop_s * 1000 * 9 / 10 && self.recent.len() >= 3 {
                let n = self.recent.len() as f64;
                let c = LatLon::new(
                    self.recent.iter().map(|f| f.at.lat).sum::<f64>() / n,
                    self.recent.iter().map(|f| f.at.lon).sum::<f64>() / n,
                );
                if self.recent.iter().all(|f| metres(c, f.at) <= s.stop_m) {
                    self.stood_at = Some(c);
                    self.raised.insert(Kind::Stopped);
                    out.push(ev(
                        Kind::Stopped,
                        true,
                        format!("no movement for {} s", span / 1000),
                    ));
                }
            }
        }
        // Hazards in force at the fix's time.
        let mut now_in = BTreeSet::new();
        for h in hazards {
            if h.validity.from_ms <= fix.t_ms
                && fix.t_ms < h.validity.until_ms
                && h.parts
                    .iter()
                    .any(|p| segment_meets_part(fix.at, fix.at, p, h.buffer_m))
            {
                now_in.insert(h.id.clone());
            }
        }
        for id in now_in.difference(&self.hazards_in) {
            out.push(Event {
                hazard: Some(id.clone()),
                ..ev(Kind::InHazard, true, format!("inside hazard {id}"))
            });
        }
        for id in self.hazards_in.difference(&now_in) {
            out.push(Event {
                hazard: Some(id.clone()),
                ..ev(Kind::InHazard, false, format!("out of hazard {id}"))
            });
        }
        if now_in.is_empty() {
            self.raised.remove(&Kind::InHazard);
        } else {
            self.raised.insert(Kind::InHazard);
        }
        self.hazards_in = now_in;
        // Arrived.
        if off <= s.off_route_m && route.length_m() - along <= s.arrive_m {
            self.arrived = true;
            self.raised.insert(Kind::Arrived);
            out.push(ev(Kind::Arrived, true, "at the destination".into()));
        }
        Some(out)
    }

    /// Checks the ETA from the last fix, `eta_ms` (time to the destination
    /// from there; `None`: no route from there, which counts as late)
    /// against the window's end, `end_ms`.
    pub fn check_eta(&mut self, s: &Settings, eta_ms: Option<i64>, end_ms: i64) -> Option<Event> {
        let fix = self.last?;
        if self.arrived {
            return None;
        }
        let arrive = eta_ms.map(|e| fix.t_ms.saturating_add(e));
        let late = arrive.is_none_or(|a| a > end_ms);
        let back = arrive.is_some_and(|a| a <= end_ms - s.late_clear_s * 1000);
        let detail = match arrive {
            Some(a) if a > end_ms => format!(
                "arrives {} min after the window closes",
                (a - end_ms + 59_999) / 60_000
            ),
            Some(a) => format!(
                "arrives {} min before the window closes",
                (end_ms - a) / 60_000
            ),
            None => "no road to the destination from here".into(),
        };
        let make = |raised| Event {
            kind: Kind::Late,
            raised,
            t_ms: fix.t_ms,
            at: fix.at,
            hazard: None,
            detail,
        };
        if late && !self.raised.contains(&Kind::Late) {
            self.raised.insert(Kind::Late);
            return Some(make(true));
        }
        if back && self.raised.remove(&Kind::Late) {
            return Some(make(false));
        }
        None
    }
}

/// A position rounded to a grid of about a kilometre (0.01°), as it may be
/// logged and shown beyond the live view.
pub fn coarse(p: LatLon) -> [f64; 2] {
    [
        (p.lat * 100.0).round() / 100.0,
        (p.lon * 100.0).round() / 100.0,
    ]
}

/// How a simulated convoy drives.
#[derive(Clone, Debug, PartialEq)]
pub struct SimOptions {
    /// Cruising speed, km/h.
    pub speed_kmh: f64,
    /// Seconds between reports.
    pub interval_s: f64,
    /// Standard deviation of the GPS noise, metres (per axis).
    pub noise_m: f64,
    /// A detour: leave the road at this fraction of the way, drive on
    /// alongside it up to this far away (metres) and back, over this many
    /// seconds.
    pub detour: Option<(f64, f64, f64)>,
    /// A stop: at this fraction of the way, stand this many seconds.
    pub stop: Option<(f64, f64)>,
    /// A delay: from this fraction of the way on, drive at this fraction
    /// of the cruising speed.
    pub delay: Option<(f64, f64)>,
    /// Seed of the noise.
    pub seed: u64,
}

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions {
            speed_kmh: 40.0,
            interval_s: 5.0,
            noise_m: 20.0,
            detour: None,
            stop: None,
            delay: None,
            seed: 1,
        }
    }
}

/// A small deterministic generator (SplitMix64) with Gaussian draws.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn gauss(&mut self) -> f64 {
        let (u, v) = (self.next(), self.next());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// Most fixes a simulation makes.
pub const MAX_SIM_FIXES: usize = 200_000;

/// The track of a convoy driving `route` from `start_ms`: one fix every
/// `interval_s`, with Gaussian noise, and the detour, stop and delay asked
/// for. Ends with a few fixes at the destination. Bounded by
/// [`MAX_SIM_FIXES`].
pub fn simulate(route: &RouteLine, o: &SimOptions, start_ms: i64) -> Vec<Fix> {
    let mut rng = Noise(o.seed);
    let len = route.length_m();
    let v = (o.speed_kmh.max(1.0)) / 3.6;
    let dt = o.interval_s.max(0.1);
    let mut out = Vec::new();
    let mut s = 0.0;
    let mut t = 0.0;
    let mut stood = 0.0;
    let mut detour_t: Option<f64> = None;
    let mut arrived_fixes = 0;
    while out.len() < MAX_SIM_FIXES && arrived_fixes < 4 {
        let frac = if len > 0.0 { s / len } else { 1.0 };
        let mut p = route.point_at(s);
        let mut moving = true;
        if let Some((at, secs)) = o.stop {
            if frac >= at && stood < secs {
                stood += dt;
                moving = false;
            }
        }
        if let Some((at, away, secs)) = o.detour {
            if frac >= at && detour_t.is_none_or(|d| d < secs) {
                let d = detour_t.unwrap_or(0.0);
                detour_t = Some(d + dt);
                // Out and back, perpendicular to the road.
                let k = (std::f64::consts::PI * (d / secs.max(dt))).sin();
                let q = route.point_at((s + 20.0).min(len));
                let f = LocalFrame::new(p);
                let (dx, dy) = f.project(q);
                let n = dx.hypot(dy).max(1e-9);
                p = f.unproject(-dy / n * away * k, dx / n * away * k);
            }
        }
        let f = LocalFrame::new(p);
        let noisy = f.unproject(rng.gauss() * o.noise_m, rng.gauss() * o.noise_m);
        out.push(Fix {
            t_ms: start_ms + (t * 1000.0) as i64,
            at: noisy,
        });
        if s >= len {
            arrived_fixes += 1;
        }
        if moving {
            let slow = match o.delay {
                Some((at, f)) if frac >= at => f.clamp(0.01, 1.0),
                _ => 1.0,
            };
            s = (s + v * slow * dt).min(len);
        }
        t += dt;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line() -> RouteLine {
        // About 12 km, with a bend.
        RouteLine::new(vec![
            LatLon::new(50.0, 30.0),
            LatLon::new(50.0, 30.1),
            LatLon::new(50.05, 30.15),
        ])
        .unwrap()
    }

    fn run(o: &SimOptions, hazards: &[Hazard], end_ms: Option<i64>) -> Vec<Event> {
        let r = line();
        let s = Settings::default();
        let mut tr = Track::default();
        let mut out = Vec::new();
        let speed = o.speed_kmh / 3.6;
        for f in simulate(&r, o, 0) {
            out.extend(tr.observe(&r, &s, f, hazards).unwrap());
            if let Some(end) = end_ms {
                let eta = ((r.length_m() - tr.along_m) / speed * 1000.0) as i64;
                out.extend(tr.check_eta(&s, Some(eta), end));
            }
        }
        out
    }

    fn raised(ev: &[Event]) -> Vec<Kind> {
        ev.iter().filter(|e| e.raised).map(|e| e.kind).collect()
    }

    #[test]
    fn a_clean_noisy_track_raises_nothing_but_arrival() {
        for seed in 1..40 {
            let o = SimOptions {
                seed,
                ..Default::default()
            };
            let ev = run(&o, &[], Some(i64::MAX / 4));
            assert_eq!(raised(&ev), vec![Kind::Arrived], "seed {seed}: {ev:?}");
        }
    }

    #[test]
    fn a_detour_is_off_route_and_back() {
        let o = SimOptions {
            detour: Some((0.3, 800.0, 240.0)),
            ..Default::default()
        };
        let ev = run(&o, &[], None);
        let k: Vec<(Kind, bool)> = ev.iter().map(|e| (e.kind, e.raised)).collect();
        assert_eq!(
            k,
            vec![
                (Kind::OffRoute, true),
                (Kind::OffRoute, false),
                (Kind::Arrived, true)
            ],
            "{ev:?}"
        );
    }

    #[test]
    fn a_stop_is_stopped_and_moving_again() {
        let o = SimOptions {
            stop: Some((0.5, 600.0)),
            ..Default::default()
        };
        let ev = run(&o, &[], None);
        let k: Vec<(Kind, bool)> = ev.iter().map(|e| (e.kind, e.raised)).collect();
        assert_eq!(
            k,
            vec![
                (Kind::Stopped, true),
                (Kind::Stopped, false),
                (Kind::Arrived, true)
            ]
        );
        // A short halt (a minute at a junction) raises nothing.
        let o = SimOptions {
            stop: Some((0.5, 60.0)),
            ..Default::default()
        };
        assert_eq!(raised(&run(&o, &[], None)), vec![Kind::Arrived]);
    }

    #[test]
    fn a_delay_past_the_window_is_late() {
        // 12 km at 40 km/h: 18 minutes; the window closes after 25.
        let end = 25 * 60_000;
        assert_eq!(
            raised(&run(&SimOptions::default(), &[], Some(end))),
            vec![Kind::Arrived]
        );
        let o = SimOptions {
            delay: Some((0.3, 0.3)),
            ..Default::default()
        };
        let ev = run(&o, &[], Some(end));
        assert!(raised(&ev).contains(&Kind::Late), "{ev:?}");
    }

    #[test]
    fn a_hazard_on_the_road_is_entered_and_left() {
        let h = Hazard {
            id: "shelling-1".into(),
            kind: corridor_hazards::HazardKind::Shelling,
            parts: vec![corridor_hazards::Part::Point((30.05, 50.0))],
            buffer_m: 300.0,
            validity: corridor_hazards::Validity {
                from_ms: i64::MIN,
                until_ms: i64::MAX,
            },
            effect: corridor_hazards::Effect::Block,
            source: "test".into(),
        };
        let ev = run(&SimOptions::default(), std::slice::from_ref(&h), None);
        let k: Vec<(Kind, bool)> = ev.iter().map(|e| (e.kind, e.raised)).collect();
        assert_eq!(
            k,
            vec![
                (Kind::InHazard, true),
                (Kind::InHazard, false),
                (Kind::Arrived, true)
            ]
        );
        assert_eq!(ev[0].hazard.as_deref(), Some("shelling-1"));
        // Not yet in force: nothing.
        let mut later = h;
        later.validity.from_ms = i64::MAX / 2;
        assert_eq!(
            raised(&run(&SimOptions::default(), &[later], None)),
            vec![Kind::Arrived]
        );
    }

    #[test]
    fn progress_follows_a_route_that_passes_a_place_twice() {
        // Out 5 km east and back west 30 m north of the way out (the
        // other side of the same road): the nearest of all would jump
        // between the two with 20 m of noise.
        let r = RouteLine::new(vec![
            LatLon::new(50.0, 30.0),
            LatLon::new(50.0, 30.07),
            LatLon::new(50.00027, 30.07),
            LatLon::new(50.00027, 30.0),
        ])
        .unwrap();
        let (mut jumps_all, mut jumps_from) = (0, 0);
        for seed in 1..=20 {
            let mut last = 0.0;
            let mut last_all = 0.0;
            for f in simulate(
                &r,
                &SimOptions {
                    noise_m: 20.0,
                    seed,
                    ..Default::default()
                },
                0,
            ) {
                let (_, along) = r.locate_from(f.at, last, 60.0, 150.0);
                if (along - last).abs() > 1_000.0 {
                    jumps_from += 1;
                }
                last = along;
                let (_, a) = r.locate(f.at);
                if (a - last_all).abs() > 1_000.0 {
                    jumps_all += 1;
                }
                last_all = a;
            }
            assert!(
                last > r.length_m() - 100.0,
                "seed {seed}: {last} of {}",
                r.length_m()
            );
        }
        // Near the turn a fix 3 sigma behind can still be taken for the way
        // back (a jump ahead of about a kilometre, righted at the turn):
        // rare, where the nearest of all jumps on every pass.
        assert!(
            jumps_from <= 2 && jumps_all >= 20 * jumps_from.max(1),
            "{jumps_from} jumps; the nearest of all: {jumps_all}"
        );
    }

    #[test]
    fn late_fixes_are_ignored_and_the_state_is_bounded() {
        let r = line();
        let s = Settings::default();
        let mut tr = Track::default();
        let f = Fix {
            t_ms: 10_000,
            at: LatLon::new(50.0, 30.0),
        };
        assert!(tr.observe(&r, &s, f, &[]).is_some());
        assert!(tr.observe(&r, &s, f, &[]).is_none());
        for i in 0..5_000 {
            let f = Fix {
                t_ms: 20_000 + i,
                at: LatLon::new(50.0, 30.0),
            };
            tr.observe(&r, &s, f, &[]);
        }
        assert!(tr.recent.len() <= MAX_RECENT);
        assert_eq!(coarse(LatLon::new(50.01234, 30.98765)), [50.01, 30.99]);
    }
}
