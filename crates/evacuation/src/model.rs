//! The planning problem and its answer. Times are whole minutes since the
//! Unix epoch; durations whole minutes.

/// The bounds every planning number keeps (issue 12): the planning file
/// refuses numbers outside them, and the planner, the checker and the exact
/// solver size nothing beyond them, so no number can make them allocate
/// gigabytes or overflow.
pub mod limits {
    /// Longest corridor window, and longest one-way trip: seven days.
    pub const MAX_WINDOW_MINUTES: i64 = 7 * 24 * 60;
    /// Longest loading or unloading time, and longest minimum spacing.
    pub const MAX_HANDLING_MINUTES: i64 = 24 * 60;
    /// Most departures per hour: one a minute, the grid of the plan.
    pub const MAX_PER_HOUR: u32 = 60;
    /// Most seats in one vehicle.
    pub const MAX_SEATS: u32 = 1_000;
    /// Most vehicles in a plan.
    pub const MAX_VEHICLES: u64 = 10_000;
    /// Most people in one demand.
    pub const MAX_PEOPLE: u64 = 100_000_000;
    /// Most departure slots of one corridor the planner considers: one a
    /// minute for the longest window, and for the hour longer that the
    /// summary's what-if plans (else it would find that hour worth
    /// nothing on the longest windows).
    pub const MAX_SLOTS: usize = MAX_WINDOW_MINUTES as usize + 60 + 1;
}

/// A corridor the plan may use: one route between an origin and a
/// destination, open for a window, with its convoy limits.
#[derive(Clone, Debug, PartialEq)]
pub struct Corridor {
    /// Id (usually the proposal's).
    pub id: String,
    /// Origin place id.
    pub origin: String,
    /// Destination place id.
    pub destination: String,
    /// Opens (minutes since the epoch).
    pub open: i64,
    /// Closes: every trip, loaded or empty, must arrive by then.
    pub close: i64,
    /// One-way travel time, minutes.
    pub travel: i64,
    /// Most loaded departures in any hour (`None`: no limit).
    pub per_hour: Option<u32>,
    /// Least time between two loaded departures, minutes.
    pub min_spacing: i64,
}

impl Corridor {
    /// The departure grid step that keeps both convoy limits: the minimum
    /// spacing, and `60 / per_hour` rounded up.
    pub fn step(&self) -> i64 {
        let by_rate = self
            .per_hour
            .map_or(1, |n| (60 + n as i64 - 1) / n.max(1) as i64);
        self.min_spacing.max(by_rate).max(1)
    }

    /// The latest loaded departure that arrives before the corridor closes.
    pub fn last_safe_departure(&self) -> i64 {
        self.close.saturating_sub(self.travel)
    }

    /// The departure slots the planner considers: one a [`step`](Self::step)
    /// from the opening to the last safe departure, at most
    /// [`limits::MAX_SLOTS`].
    pub fn slots(&self) -> usize {
        let span = self.last_safe_departure().saturating_sub(self.open);
        if span < 0 {
            return 0;
        }
        usize::try_from(span / self.step())
            .map_or(limits::MAX_SLOTS, |n| n.saturating_add(1))
            .min(limits::MAX_SLOTS)
    }
}

/// People waiting at an origin for one destination, with one need.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Origin place id.
    pub origin: String,
    /// Destination place id (chosen by the evacuees).
    pub destination: String,
    /// Needing an accessible vehicle.
    pub accessible: bool,
    /// How many.
    pub people: u64,
}

/// One vehicle.
#[derive(Clone, Debug, PartialEq)]
pub struct Vehicle {
    /// Id.
    pub id: String,
    /// Seats for evacuees.
    pub seats: u32,
    /// Can carry people who need an accessible vehicle.
    pub accessible: bool,
    /// Where it starts: the origin or the destination of a corridor.
    pub start: String,
    /// When it is ready there (minutes since the epoch).
    pub ready: i64,
}

/// The whole problem.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Corridors.
    pub corridors: Vec<Corridor>,
    /// People.
    pub groups: Vec<Group>,
    /// Fleet.
    pub vehicles: Vec<Vehicle>,
    /// Boarding time at the origin before each loaded departure, minutes.
    pub loading: i64,
    /// Time to set people down at the destination, minutes.
    pub unloading: i64,
}

impl Problem {
    /// Total people waiting.
    pub fn people(&self) -> u64 {
        self.groups.iter().map(|g| g.people).sum()
    }
}

/// One movement of one vehicle along a corridor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leg {
    /// Vehicle index.
    pub vehicle: usize,
    /// Corridor index.
    pub corridor: usize,
    /// Loaded (origin → destination) or empty (destination → origin).
    pub loaded: bool,
    /// Departure, minutes since the epoch (loading ends then).
    pub depart: i64,
    /// Arrival (unloading starts then).
    pub arrive: i64,
    /// People carried: (group index, count).
    pub carries: Vec<(usize, u64)>,
}

/// A schedule: every leg of every vehicle.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    /// Legs, by vehicle then time.
    pub legs: Vec<Leg>,
}

impl Schedule {
    /// People carried per group.
    pub fn carried(&self, groups: usize) -> Vec<u64> {
        let mut out = vec![0; groups];
        for l in &self.legs {
            for &(g, n) in &l.carries {
                out[g] += n;
            }
        }
        out
    }

    /// People carried in all.
    pub fn total(&self) -> u64 {
        self.legs.iter().flat_map(|l| &l.carries).map(|x| x.1).sum()
    }

    /// When the last person arrives (None when nobody travels).
    pub fn last_arrival(&self) -> Option<i64> {
        self.legs
            .iter()
            .filter(|l| l.loaded && !l.carries.is_empty())
            .map(|l| l.arrive)
            .max()
    }
}
