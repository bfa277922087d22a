//! The one fold over the log: scenario + entries → everything in force.
//!
//! [`Ledger`] is what the CLI (`act`, `publish`, `log verify`), every
//! server handler and publishing read. It is built by [`Ledger::replay`]
//! and grows by [`Ledger::append`], which checks an entry against every
//! rule *before* it is signed and written, so a refused action leaves
//! neither a log line nor a change of state:
//!
//! * **time** never goes backwards: an entry's time is at or after the
//!   previous entry's (checked for every schema);
//! * the **lifecycle** (`corridor_negotiation::lifecycle`): who may do what
//!   in which state;
//! * a **proposal** carries the content it names: its version is the hash
//!   of its content, for the corridor it names;
//! * a corridor is never **opened or reopened after its last safe
//!   departure** (window end minus travel time), and never **proposed**
//!   once that departure has passed;
//! * **hazards** have an owner: ids are never reused; a party lifts only its
//!   own reports; the scenario's hazards and other parties' reports only
//!   the mediator; observers report nothing;
//! * the **exercise clock**: only in exercise and test scenarios, only by
//!   the mediator, only as the first entry.
//!
//! Schema 1 entries (written before the ledger was typed) are held to the
//! time and lifecycle rules only, as they were when written.

use crate::entry::{Body, Clock, HazardReport, OnVersion, Propose, VerdictRecord, SCHEMA, TYPED};
use chrono::{DateTime, Duration, FixedOffset, TimeZone};
use corridor_hazards::Hazard;
use corridor_log::{Log, Record};
use corridor_negotiation::lifecycle::{self, Action, Book, State};
use corridor_negotiation::plan::ProposalContent;
use corridor_negotiation::{Role, Scenario, Status};
use ed25519_dalek::SigningKey;
use std::collections::{BTreeMap, BTreeSet};

/// Most hazards one party may have in force at once.
pub const MAX_HAZARDS_PER_PARTY: usize = 200;
/// Most corridors a party may have proposed and not yet ended (closed,
/// completed or cancelled), for entries of today's schema.
pub const MAX_CORRIDORS_PER_PARTY: usize = 100;
/// Most corridors a party may propose in one log, ended ones included.
pub const MAX_CORRIDORS_PER_PARTY_EVER: usize = 1_000;
/// Most versions one corridor may be proposed in.
pub const MAX_VERSIONS: usize = 100;
/// Largest radius of a reported hazard, metres.
pub const MAX_RADIUS_M: f64 = 50_000.0;
/// Farthest ahead of its report a hazard may start, in days: a report is
/// of what is or is about to be, not a forecast that stays in the record
/// (and in every party's routing) for months without ever being in force.
pub const MAX_REPORT_AHEAD_DAYS: i64 = 7;
/// Longest hazard id, bytes.
pub const MAX_ID_LEN: usize = 64;
/// Longest reason or description, characters.
pub const MAX_TEXT_CHARS: usize = 500;

/// Which rule refused an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// The body cannot be read.
    Body,
    /// Its time is not RFC 3339 with an offset, or earlier than the last.
    Time,
    /// The actor is not a party.
    Party,
    /// Refused by the corridor lifecycle.
    Lifecycle,
    /// The proposal's content does not match its version or id.
    Content,
    /// Opening after the last safe departure, or proposing a closed window.
    Window,
    /// A hazard report or lift that is not this party's to make.
    Hazard,
    /// The exercise clock used where it may not be.
    Clock,
    /// A convoy notification, acknowledgement or movement record refused.
    Convoy,
}

impl Rule {
    /// Stable code, used in `log verify` and API errors.
    pub fn code(self) -> &'static str {
        match self {
            Rule::Body => "body",
            Rule::Time => "time",
            Rule::Party => "party",
            Rule::Lifecycle => "lifecycle",
            Rule::Content => "content",
            Rule::Window => "window",
            Rule::Hazard => "hazard",
            Rule::Clock => "clock",
            Rule::Convoy => "convoy",
        }
    }
}

/// Why an entry was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    /// The rule.
    pub rule: Rule,
    /// Plain words, with times in the scenario's zone.
    pub message: String,
}

fn refuse<T>(rule: Rule, message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        rule,
        message: message.into(),
    })
}

/// One entry of the log, typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Logged {
    /// Entry number.
    pub seq: u64,
    /// When.
    pub time: DateTime<FixedOffset>,
    /// Who acted.
    pub actor: String,
    /// What.
    pub body: Body,
    /// Schema version it was written in.
    pub schema: u64,
    /// Leaf hash (hex) of its line.
    pub leaf: String,
}

/// A party's answer to the version on the table.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// Accepted (else rejected).
    pub accept: bool,
    /// Why, for a rejection.
    pub reason: Option<String>,
    /// Its rules' verdict, as recorded.
    pub verdict: Option<VerdictRecord>,
    /// Entry number.
    pub seq: u64,
}

/// One corridor as the log tells it.
#[derive(Clone, Debug, PartialEq)]
pub struct Corridor {
    /// State, version on the table, acceptances (the lifecycle's record).
    pub life: lifecycle::Corridor,
    /// Every version's content, by version hash.
    pub contents: BTreeMap<String, ProposalContent>,
    /// Who proposed the version on the table.
    pub proposed_by: String,
    /// The corridor the version on the table answers, if any.
    pub answers: Option<String>,
    /// Answers to the version on the table, by party.
    pub answers_by: BTreeMap<String, Answer>,
    /// Entry numbers about this corridor, in order.
    pub history: Vec<u64>,
}

impl Corridor {
    /// The content of the version on the table.
    pub fn content(&self) -> &ProposalContent {
        &self.contents[&self.life.version]
    }

    /// Its state.
    pub fn state(&self) -> State {
        self.life.state
    }
}

/// Who may lift a hazard in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    /// From the scenario file: only the mediator lifts it.
    Scenario,
    /// Reported by this party (in this entry).
    Party(String, u64),
}

/// Everything the log says, on top of the scenario.
#[derive(Clone, Debug)]
pub struct Ledger {
    base: Scenario,
    scenario: Scenario,
    shift_days: i64,
    book: Book,
    corridors: BTreeMap<String, Corridor>,
    owners: BTreeMap<String, Owner>,
    used_ids: BTreeSet<String>,
    entries: Vec<Logged>,
    /// The newest schema of any entry so far (a later one may not be older).
    newest_schema: u64,
    convoys: BTreeMap<String, crate::convoy::Convoy>,
}

/// The schema with which [`Ledger::check_new`]'s rules came, and from
/// which a log's schema never goes down.
pub const CHECK_NEW_SINCE: u64 = 3;

/// How far after its record a movement's event may be stamped, seconds
/// (trackers' clocks run a little ahead; records have whole seconds).
pub const MOVEMENT_SKEW_S: i64 = 60;

/// Days, as a duration.
fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// The scenario with every time moved by `shift` days.
fn shifted(base: &Scenario, shift: i64) -> Scenario {
    let mut s = base.clone();
    if shift == 0 {
        return s;
    }
    for p in &mut s.proposals {
        p.window.start += days(shift);
        p.window.end += days(shift);
    }
    let ms = shift * 86_400_000;
    for h in &mut s.hazards.hazards {
        let v = &mut h.validity;
        if v.from_ms != i64::MIN {
            v.from_ms = v.from_ms.saturating_add(ms);
        }
        if v.until_ms != i64::MAX {
            v.until_ms = v.until_ms.saturating_add(ms);
        }
    }
    s
}

/// A time in the scenario's zone, with the zone and its offset.
pub fn local_time(scn: &Scenario, t: DateTime<FixedOffset>) -> String {
    let l = scn.tz.from_utc_datetime(&t.naive_utc());
    format!(
        "{} ({}, UTC{})",
        l.format("%d.%m.%Y %H:%M"),
        scn.tz.name(),
        l.format("%:z")
    )
}

/// The party whose default hazard ids have the form of `id`:
/// `KIND-PARTY-N`, a hazard kind, a party of the scenario and a number (the
/// server names a report that gives no id so). No other party may take
/// such an id, or it could fill the ids a party's reports would get and
/// show its own reports under that party's name.
pub fn default_id_owner<'a>(scn: &'a Scenario, id: &str) -> Option<&'a str> {
    let (rest, n) = id.rsplit_once('-')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    scn.parties.iter().map(|p| p.id.as_str()).find(|p| {
        rest.strip_suffix(p)
            .and_then(|k| k.strip_suffix('-'))
            .is_some_and(|k| corridor_hazards::HazardKind::parse(k).is_some())
    })
}

/// Whether a hazard id is plain: 1 to 64 of `A-Z a-z 0-9 . _ : -`.
pub fn plain_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// Whether a free text is acceptable: bounded, without control or
/// bidirectional-override characters.
pub fn plain_text(s: &str) -> bool {
    s.chars().count() <= MAX_TEXT_CHARS
        && !s.chars().any(|c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
        })
}

/// Whether `s` can name a version: a version hash, 64 lowercase hex
/// digits. Never a prefix: the proposer chooses both versions, and a
/// collision of a few dozen bits is an afternoon's search.
pub fn plausible_version(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Ledger {
    /// Refuses unless `want` (a version hash, see [`plausible_version`])
    /// is the version of corridor `id` on the table. An answer, a
    /// countersignature or an opening is then about the version the party
    /// read: a proposer cannot swap the content between another party
    /// reading it and accepting it.
    pub fn on_version(&self, id: &str, want: &str) -> Result<(), Refusal> {
        let Some(c) = self.corridors.get(id) else {
            return refuse(
                Rule::Lifecycle,
                format!("no corridor `{id}` has been proposed"),
            );
        };
        if plausible_version(want) && c.life.version == want {
            return Ok(());
        }
        refuse(
            Rule::Lifecycle,
            format!(
                "version {} of `{id}` is not the one on the table: another was proposed since; read it before acting on it",
                want.chars().take(64).collect::<String>()
            ),
        )
    }

    /// The ledger of an empty log.
    pub fn new(scenario: Scenario) -> Ledger {
        Ledger {
            scenario: scenario.clone(),
            base: scenario,
            shift_days: 0,
            book: Book::default(),
            corridors: BTreeMap::new(),
            owners: BTreeMap::new(),
            used_ids: BTreeSet::new(),
            entries: Vec::new(),
            newest_schema: 0,
            convoys: BTreeMap::new(),
        }
        .with_scenario_hazards()
    }

    fn with_scenario_hazards(mut self) -> Ledger {
        for h in &self.base.hazards.hazards {
            self.owners.insert(h.id.clone(), Owner::Scenario);
            self.used_ids.insert(h.id.clone());
        }
        self
    }

    /// Replays a whole log; the first refused entry stops it.
    pub fn replay(scenario: Scenario, log: &Log) -> Result<Ledger, (u64, Refusal)> {
        let mut l = Ledger::new(scenario);
        for (i, r) in log.records().iter().enumerate() {
            l.apply(r, leaf_hex(log, i)).map_err(|e| (r.entry.seq, e))?;
        }
        Ok(l)
    }

    /// Replays a whole log, passing over refused entries: every refusal
    /// with its entry number (for `log verify`, which lists them all).
    pub fn replay_all(scenario: Scenario, log: &Log) -> (Ledger, Vec<(u64, Refusal)>) {
        let mut l = Ledger::new(scenario);
        let mut problems = Vec::new();
        for (i, r) in log.records().iter().enumerate() {
            if let Err(e) = l.apply(r, leaf_hex(log, i)) {
                problems.push((r.entry.seq, e));
            }
        }
        (l, problems)
    }

    /// The scenario file as read.
    pub fn base(&self) -> &Scenario {
        &self.base
    }

    /// The scenario in force: the exercise clock applied, the hazards
    /// reported and not lifted added, those lifted removed.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Days the exercise clock moved the scenario.
    pub fn shift_days(&self) -> i64 {
        self.shift_days
    }

    /// The scenario file's own content with the exercise clock applied:
    /// its hazards as they stood before any report or lift.
    pub fn base_on_clock(&self) -> Scenario {
        shifted(&self.base, self.shift_days)
    }

    /// Every corridor proposed, by id.
    pub fn corridors(&self) -> &BTreeMap<String, Corridor> {
        &self.corridors
    }

    /// One corridor.
    pub fn corridor(&self, id: &str) -> Option<&Corridor> {
        self.corridors.get(id)
    }

    /// Whether hazard id `id` has been used (ids are never reused).
    pub fn id_used(&self, id: &str) -> bool {
        self.used_ids.contains(id)
    }

    /// Who may lift hazard `id` (`None`: not in force).
    pub fn owner(&self, id: &str) -> Option<&Owner> {
        self.owners.get(id)
    }

    /// Every entry, typed, in order.
    pub fn entries(&self) -> &[Logged] {
        &self.entries
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every convoy notified, by id.
    pub fn convoys(&self) -> &BTreeMap<String, crate::convoy::Convoy> {
        &self.convoys
    }

    /// The belligerents of the scenario, who must acknowledge every movement.
    pub fn belligerents(&self) -> impl Iterator<Item = &str> {
        self.scenario
            .parties
            .iter()
            .filter(|p| p.role == Role::Belligerent)
            .map(|p| p.id.as_str())
    }

    fn check_notify(&self, role: Role, n: &crate::convoy::Notify) -> Result<(), Refusal> {
        if role == Role::Observer {
            return refuse(Rule::Convoy, "an observer notifies no movement");
        }
        if !plain_id(&n.convoy) || self.convoys.contains_key(&n.convoy) {
            return refuse(
                Rule::Convoy,
                format!("`{}` is not a new plain convoy id", n.convoy),
            );
        }
        if n.commitment.len() != 64
            || !n
                .commitment
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return refuse(Rule::Convoy, "the commitment is not a SHA-256 in hex");
        }
        Ok(())
    }

    fn check_ack(&self, actor: &str, role: Role, n: &crate::convoy::Notify) -> Result<(), Refusal> {
        if role != Role::Belligerent {
            return refuse(Rule::Convoy, "only a belligerent acknowledges a movement");
        }
        let Some(c) = self.convoys.get(&n.convoy) else {
            return refuse(
                Rule::Convoy,
                format!("no convoy `{}` was notified", n.convoy),
            );
        };
        if c.movement.is_some() {
            return refuse(Rule::Convoy, format!("convoy `{}` is over", n.convoy));
        }
        if c.commitment != n.commitment {
            return refuse(
                Rule::Convoy,
                "the acknowledgement is not of the commitment notified",
            );
        }
        if c.acks.contains_key(actor) {
            return refuse(
                Rule::Convoy,
                format!("`{actor}` has acknowledged convoy `{}` already", n.convoy),
            );
        }
        Ok(())
    }

    fn check_movement(
        &self,
        actor: &str,
        role: Role,
        m: &crate::convoy::Movement,
        t: DateTime<FixedOffset>,
    ) -> Result<(), Refusal> {
        use crate::convoy::{is_coarse, MAX_EVENTS, OUTCOMES};
        let Some(c) = self.convoys.get(&m.convoy) else {
            return refuse(
                Rule::Convoy,
                format!("no convoy `{}` was notified", m.convoy),
            );
        };
        if c.notifier != actor && role != Role::Mediator {
            return refuse(
                Rule::Convoy,
                "only the party that notified a movement, or the mediator, records it",
            );
        }
        if c.movement.is_some() {
            return refuse(
                Rule::Convoy,
                format!("convoy `{}` is recorded already", m.convoy),
            );
        }
        if m.details.commitment(&m.salt) != c.commitment {
            return refuse(
                Rule::Convoy,
                "the details revealed are not those committed to when notified",
            );
        }
        if !OUTCOMES.contains(&m.outcome.as_str()) {
            return refuse(
                Rule::Convoy,
                format!("outcome is one of {}", OUTCOMES.join(", ")),
            );
        }
        if !self.corridors.contains_key(&m.details.corridor) {
            return refuse(
                Rule::Convoy,
                format!("no corridor `{}` is in the log", m.details.corridor),
            );
        }
        if !plain_text(&m.details.vehicles.markings) {
            return refuse(Rule::Convoy, "the markings are not plain text");
        }
        if m.people > m.details.vehicles.seats {
            return refuse(Rule::Convoy, "more people carried than seats");
        }
        if m.events.len() > MAX_EVENTS
            || m.events.iter().any(|e| {
                !is_coarse(e.at[0])
                    || !is_coarse(e.at[1])
                    || corridor_negotiation::convoy::Kind::parse(&e.kind).is_none()
                    || DateTime::parse_from_rfc3339(&e.time).is_err()
            })
        {
            return refuse(
                Rule::Convoy,
                format!("at most {MAX_EVENTS} events, of known kinds, with RFC 3339 times and positions rounded to 0.01°"),
            );
        }
        if let Some(d) = &m.departed {
            let Ok(d) = DateTime::parse_from_rfc3339(d) else {
                return refuse(Rule::Convoy, "the departure is not an RFC 3339 time");
            };
            if d > t {
                return refuse(Rule::Convoy, "the departure is later than the record");
            }
            for b in self.belligerents() {
                if c.acks.get(b).is_none_or(|a| *a > d) {
                    return refuse(
                        Rule::Convoy,
                        format!("the convoy departed before `{b}` acknowledged it"),
                    );
                }
            }
        }
        Ok(())
    }

    /// Time of the last entry.
    pub fn last_time(&self) -> Option<DateTime<FixedOffset>> {
        self.entries.last().map(|e| e.time)
    }

    /// The lifecycle book (states of every corridor).
    pub fn book(&self) -> &Book {
        &self.book
    }

    /// Checks `body` by `actor` at `time`, signs it with `key`, appends it
    /// to `log` and applies it. A refused entry changes nothing.
    pub fn append(
        &mut self,
        log: &mut Log,
        time: &str,
        actor: &str,
        body: Body,
        key: &SigningKey,
    ) -> Result<Record, Refusal> {
        let t = self.check(time, actor, &body, SCHEMA)?;
        self.check_new(&body, t)?;
        self.check_limits(actor, &body)?;
        let rec = log
            .append(time, actor, body.kind(), body.encode(), key)
            .clone();
        let leaf = leaf_hex(log, log.len() - 1);
        self.commit(rec.entry.seq, t, actor, body, SCHEMA, leaf);
        Ok(rec)
    }

    /// Applies one record of a log (already verified by `corridor_log`).
    pub fn apply(&mut self, rec: &Record, leaf: String) -> Result<(), Refusal> {
        let (body, schema) =
            Body::decode(&rec.entry.kind, &rec.entry.body).map_err(|e| Refusal {
                rule: Rule::Body,
                message: e.to_string(),
            })?;
        let t = self.check(&rec.entry.time, &rec.entry.actor, &body, schema)?;
        if schema >= CHECK_NEW_SINCE {
            // Written under these rules: replayed under them too.
            self.check_new(&body, t)?;
        }
        self.commit(rec.entry.seq, t, &rec.entry.actor, body, schema, leaf);
        Ok(())
    }

    /// The rules an entry of schema [`SCHEMA`] obeys on top of
    /// [`check`](Self::check)'s, checked when it is written and when it is
    /// replayed; a log written before them may break them (it was valid
    /// under the rules of its day, and still replays):
    /// no new version of an open corridor ([`may_propose`](Self::may_propose)),
    /// no hazard starting more than [`MAX_REPORT_AHEAD_DAYS`] after
    /// its report, and no event of a movement after the record of it, nor
    /// before its departure less one planned trip of its corridor (what a
    /// replayed track may be stamped with).
    pub fn check_new(&self, body: &Body, at: DateTime<FixedOffset>) -> Result<(), Refusal> {
        match body {
            Body::Movement(m) => {
                let departed = m
                    .departed
                    .as_deref()
                    .and_then(|d| DateTime::parse_from_rfc3339(d).ok());
                // The longest trip of any version of the corridor: the
                // convoy went on the version of its departure, which may
                // since have changed.
                let trip = self
                    .corridors
                    .get(&m.details.corridor)
                    .and_then(|c| c.contents.values().map(|x| x.route.duration_s).max())
                    .and_then(|d| i64::try_from(d).ok())
                    .and_then(Duration::try_seconds)
                    .unwrap_or_default();
                let earliest = departed.and_then(|d| d.checked_sub_signed(trip));
                // Fixes, and so events, may be stamped a little ahead of
                // the server's clock (`corridor_server`'s 30 s), and the
                // record's time has whole seconds.
                let latest = at + Duration::seconds(MOVEMENT_SKEW_S);
                for e in &m.events {
                    let Ok(when) = DateTime::parse_from_rfc3339(&e.time) else {
                        continue; // `check` names it
                    };
                    if when > latest || earliest.is_none_or(|x| when < x) {
                        return refuse(
                            Rule::Convoy,
                            format!(
                                "an event at {} is outside the movement: after its record ({}), before its departure less one planned trip, or without a departure",
                                local_time(&self.scenario, when),
                                local_time(&self.scenario, at)
                            ),
                        );
                    }
                }
                Ok(())
            }
            Body::Propose(p) => self.may_propose(&p.proposal),
            Body::Hazard(h) => {
                let from = h
                    .hazard
                    .valid_from
                    .as_deref()
                    .map(DateTime::parse_from_rfc3339);
                match from {
                    Some(Ok(f)) if f > at + Duration::days(MAX_REPORT_AHEAD_DAYS) => refuse(
                        Rule::Hazard,
                        format!(
                            "valid_from {} is more than {MAX_REPORT_AHEAD_DAYS} days after the report ({}): report it nearer the time",
                            local_time(&self.scenario, f),
                            local_time(&self.scenario, at)
                        ),
                    ),
                    _ => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    /// Limits on what one party may write, checked when an entry is
    /// written, never when a log is replayed (they guard the server's
    /// views and the other parties' reports, not what the record proves;
    /// a log written before them replays as it did):
    /// at most [`MAX_CORRIDORS_PER_PARTY`] corridors a party proposed on
    /// the table and [`MAX_CORRIDORS_PER_PARTY_EVER`] in all, at most
    /// [`MAX_VERSIONS`] versions of one corridor (every view of the table
    /// holds them all), and no hazard id of the form of
    /// another party's own reports ([`default_id_owner`]).
    pub fn check_limits(&self, actor: &str, body: &Body) -> Result<(), Refusal> {
        // The Arabic letter mark reorders text shown after it as the other
        // marks [`plain_text`] refuses do (refused when written since; a
        // log holding one still replays).
        let mut texts = reasons(body);
        match body {
            Body::Hazard(h) => texts.push(&h.hazard.source),
            Body::Movement(m) => texts.push(&m.details.vehicles.markings),
            _ => {}
        }
        if texts.iter().any(|t| t.contains('\u{061c}')) {
            return refuse(Rule::Body, "a text may not hold direction marks (U+061C)");
        }
        match body {
            Body::Propose(p) => match self.corridors.get(&p.proposal) {
                None => {
                    let (mut on_table, mut ever) = (0, 0);
                    for c in self.corridors.values().filter(|c| c.proposed_by == actor) {
                        ever += 1;
                        on_table += usize::from(!c.state().is_final());
                    }
                    if on_table >= MAX_CORRIDORS_PER_PARTY {
                        return refuse(
                            Rule::Content,
                            format!("`{actor}` has {on_table} corridors on the table, the most a party may: cancel some first"),
                        );
                    }
                    // Ended corridors stay in every view of the table: a
                    // party that proposed and cancelled in turn would grow
                    // it without end.
                    if ever >= MAX_CORRIDORS_PER_PARTY_EVER {
                        return refuse(
                            Rule::Content,
                            format!("`{actor}` has proposed {ever} corridors, the most a party may in one log"),
                        );
                    }
                    Ok(())
                }
                Some(c) if c.contents.len() >= MAX_VERSIONS => refuse(
                    Rule::Content,
                    format!(
                        "corridor `{}` has {} versions, the most one may: propose a new corridor",
                        p.proposal,
                        c.contents.len()
                    ),
                ),
                Some(_) => Ok(()),
            },
            Body::Hazard(h) => match default_id_owner(&self.scenario, &h.hazard.id) {
                Some(owner) if owner != actor => refuse(
                    Rule::Hazard,
                    format!(
                        "hazard id `{}` has the form of `{owner}`'s own reports (KIND-{owner}-N): choose another id",
                        h.hazard.id
                    ),
                ),
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// Refuses a new version of corridor `id` while it is open: the public
    /// has been told it is open on this version, and a new one would take
    /// it off the road without a word to anyone travelling. Suspending it
    /// is announced; then it may change.
    pub fn may_propose(&self, id: &str) -> Result<(), Refusal> {
        match self.book.corridors.get(id) {
            Some(c) if c.state == State::Open => refuse(
                Rule::Lifecycle,
                format!("corridor `{id}` is open: suspend it before proposing a new version"),
            ),
            _ => Ok(()),
        }
    }

    /// Whether `body` by `actor` at `time` would be accepted; changes nothing.
    pub fn check(
        &self,
        time: &str,
        actor: &str,
        body: &Body,
        schema: u64,
    ) -> Result<DateTime<FixedOffset>, Refusal> {
        let t = DateTime::parse_from_rfc3339(time).or_else(|_| {
            refuse(
                Rule::Time,
                format!("`{time}` is not an RFC 3339 time with a UTC offset"),
            )
        })?;
        if let Some(last) = self.last_time() {
            if t < last {
                return refuse(
                    Rule::Time,
                    format!(
                        "its time {} is earlier than the last entry's, {}: the record's times never go backwards",
                        local_time(&self.scenario, t),
                        local_time(&self.scenario, last)
                    ),
                );
            }
        }
        // From schema 3 on: older logs mixed schema 1 and 2 entries (an
        // older build appended after a newer one) and still replay.
        if self.newest_schema >= CHECK_NEW_SINCE && schema < self.newest_schema {
            return refuse(
                Rule::Body,
                format!(
                    "schema {schema} after an entry of schema {}: a log's schema never goes down (an older form would escape newer rules)",
                    self.newest_schema
                ),
            );
        }
        let Some(party) = self.scenario.party(actor) else {
            return refuse(
                Rule::Party,
                format!("`{actor}` is not a party of this scenario"),
            );
        };
        let strict = schema >= TYPED;
        match body {
            Body::Propose(p) => self.check_propose(p, t, strict)?,
            Body::Hazard(h) => self.check_hazard(actor, party.role, &h.hazard, strict)?,
            Body::Lift(l) => self.check_lift(actor, party.role, &l.hazard, strict)?,
            Body::Clock(c) => self.check_clock(party.role, c)?,
            Body::Notify(n) => self.check_notify(party.role, n)?,
            Body::Acknowledge(n) => self.check_ack(actor, party.role, n)?,
            Body::Movement(m) => self.check_movement(actor, party.role, m, t)?,
            Body::Open(c) | Body::Reopen(c) if strict => self.check_window(&c.proposal, t)?,
            _ => {}
        }
        if strict {
            for text in reasons(body) {
                if !plain_text(text) {
                    return refuse(
                        Rule::Body,
                        format!("a reason is at most {MAX_TEXT_CHARS} characters, without control or direction-override characters"),
                    );
                }
            }
        }
        if let Some((id, action)) = action_of(body) {
            // The lifecycle on a scratch copy of this corridor only.
            let mut scratch = Book::default();
            if let Some(c) = self.book.corridors.get(id) {
                scratch.corridors.insert(id.to_string(), c.clone());
            }
            scratch
                .apply(&self.scenario, actor, id, &action)
                .map_err(|e| Refusal {
                    rule: Rule::Lifecycle,
                    message: e.0,
                })?;
        }
        Ok(t)
    }

    fn check_propose(
        &self,
        p: &Propose,
        t: DateTime<FixedOffset>,
        strict: bool,
    ) -> Result<(), Refusal> {
        if p.content.id != p.proposal {
            return refuse(
                Rule::Content,
                format!(
                    "the content is for `{}`, the entry for `{}`",
                    p.content.id, p.proposal
                ),
            );
        }
        if p.content.version() != p.version {
            return refuse(
                Rule::Content,
                "the version is not the hash of the content proposed",
            );
        }
        let Some((start, end)) = p.content.window() else {
            return refuse(Rule::Content, "the window is not two RFC 3339 times");
        };
        if strict {
            if end <= start {
                return refuse(Rule::Window, "the window ends before it opens");
            }
            if t >= end {
                return refuse(
                    Rule::Window,
                    format!(
                        "the window closed at {}: propose a window still to come",
                        local_time(&self.scenario, end)
                    ),
                );
            }
            let Some(last) = p.content.last_safe_departure() else {
                return refuse(
                    Rule::Content,
                    format!(
                        "the route's duration, {} s, is beyond any date",
                        p.content.route.duration_s
                    ),
                );
            };
            if t > last {
                return refuse(
                    Rule::Window,
                    format!(
                        "its last safe departure, {}, has passed: nobody who leaves now arrives before the window closes at {}",
                        local_time(&self.scenario, last),
                        local_time(&self.scenario, end)
                    ),
                );
            }
            if let Some(a) = &p.answers {
                if a == &p.proposal || !self.corridors.contains_key(a) {
                    return refuse(
                        Rule::Content,
                        format!("it answers `{a}`, which is not another corridor on the table"),
                    );
                }
            }
        }
        Ok(())
    }

    fn check_window(&self, id: &str, t: DateTime<FixedOffset>) -> Result<(), Refusal> {
        let Some(c) = self.corridors.get(id) else {
            return Ok(()); // the lifecycle names it
        };
        let content = c.content();
        let Some(last) = content.last_safe_departure() else {
            return refuse(
                Rule::Content,
                "the version on the table has no readable window",
            );
        };
        if t > last {
            let (_, end) = content.window().expect("read above");
            return refuse(
                Rule::Window,
                format!(
                    "corridor `{id}` cannot be opened at {}: its last safe departure was {} (the window closes {}, the trip takes {} min {} s)",
                    local_time(&self.scenario, t),
                    local_time(&self.scenario, last),
                    local_time(&self.scenario, end),
                    content.route.duration_s / 60,
                    content.route.duration_s % 60
                ),
            );
        }
        Ok(())
    }

    fn check_hazard(
        &self,
        actor: &str,
        role: Role,
        h: &HazardReport,
        strict: bool,
    ) -> Result<(), Refusal> {
        if role == Role::Observer {
            return refuse(Rule::Hazard, "observers do not report hazards");
        }
        if !strict {
            return Ok(());
        }
        if !plain_id(&h.id) {
            return refuse(
                Rule::Hazard,
                format!("a hazard id is 1 to {MAX_ID_LEN} of A-Z, a-z, 0-9, '.', '_', ':', '-'"),
            );
        }
        if self.used_ids.contains(&h.id) {
            return refuse(
                Rule::Hazard,
                format!("hazard id `{}` is already used: ids are never reused (lift it, or report under a new id)", h.id),
            );
        }
        if corridor_hazards::HazardKind::parse(&h.kind).is_none() {
            return refuse(Rule::Hazard, format!("`{}` is not a hazard kind", h.kind));
        }
        if corridor_geo::LatLon::checked(h.at[0], h.at[1]).is_err() {
            return refuse(
                Rule::Hazard,
                "the position is not a latitude and longitude in range",
            );
        }
        if !(h.radius_m.is_finite() && h.radius_m > 0.0 && h.radius_m <= MAX_RADIUS_M) {
            return refuse(
                Rule::Hazard,
                format!("the radius must be more than 0 and at most {MAX_RADIUS_M} m"),
            );
        }
        let mut times = Vec::new();
        for t in [&h.valid_from, &h.valid_until].into_iter().flatten() {
            match DateTime::parse_from_rfc3339(t) {
                Ok(t) => times.push(t),
                Err(_) => {
                    return refuse(
                        Rule::Hazard,
                        format!("`{t}` is not a time with a UTC offset"),
                    )
                }
            }
        }
        if let (Some(f), Some(u)) = (&h.valid_from, &h.valid_until) {
            if DateTime::parse_from_rfc3339(u).ok() <= DateTime::parse_from_rfc3339(f).ok() {
                return refuse(Rule::Hazard, "valid_until must be after valid_from");
            }
        }
        if !plain_text(&h.source) {
            return refuse(
                Rule::Hazard,
                format!("the description is at most {MAX_TEXT_CHARS} characters, without control or direction-override characters"),
            );
        }
        let mine = self
            .owners
            .values()
            .filter(|o| matches!(o, Owner::Party(p, _) if p == actor))
            .count();
        if mine >= MAX_HAZARDS_PER_PARTY {
            return refuse(
                Rule::Hazard,
                format!("`{actor}` has {mine} hazards in force, the most one party may have: lift some first"),
            );
        }
        Ok(())
    }

    fn check_lift(&self, actor: &str, role: Role, id: &str, strict: bool) -> Result<(), Refusal> {
        if role == Role::Observer {
            return refuse(Rule::Hazard, "observers do not lift hazards");
        }
        let Some(owner) = self.owners.get(id) else {
            return refuse(Rule::Hazard, format!("no hazard `{id}` is in force"));
        };
        if strict && role != Role::Mediator {
            match owner {
                Owner::Party(p, _) if p == actor => {}
                Owner::Party(p, seq) => {
                    return refuse(
                        Rule::Hazard,
                        format!("hazard `{id}` was reported by `{p}` (entry {seq}): only they or the mediator may lift it"),
                    )
                }
                Owner::Scenario => {
                    return refuse(
                        Rule::Hazard,
                        format!("hazard `{id}` is the scenario's: only the mediator may lift it"),
                    )
                }
            }
        }
        Ok(())
    }

    fn check_clock(&self, role: Role, c: &Clock) -> Result<(), Refusal> {
        if !self.entries.is_empty() {
            return refuse(
                Rule::Clock,
                "the exercise clock is set by the log's first entry only",
            );
        }
        if self.base.status == Status::Actual {
            return refuse(
                Rule::Clock,
                "a scenario of real events has no exercise clock",
            );
        }
        if role != Role::Mediator {
            return refuse(Rule::Clock, "only the mediator sets the exercise clock");
        }
        if c.shift_days.abs() > 36_500 {
            return refuse(Rule::Clock, "the exercise clock moves at most 100 years");
        }
        Ok(())
    }

    /// Applies a checked entry (cannot fail).
    fn commit(
        &mut self,
        seq: u64,
        time: DateTime<FixedOffset>,
        actor: &str,
        body: Body,
        schema: u64,
        leaf: String,
    ) {
        if let Some((id, action)) = action_of(&body) {
            self.book
                .apply(&self.scenario, actor, id, &action)
                .expect("checked before commit");
        }
        match &body {
            Body::Propose(p) => {
                let life = self.book.corridors[&p.proposal].clone();
                let c = self
                    .corridors
                    .entry(p.proposal.clone())
                    .or_insert_with(|| Corridor {
                        life: life.clone(),
                        contents: BTreeMap::new(),
                        proposed_by: String::new(),
                        answers: None,
                        answers_by: BTreeMap::new(),
                        history: Vec::new(),
                    });
                c.contents.insert(p.version.clone(), p.content.clone());
                c.proposed_by = actor.to_string();
                c.answers = p.answers.clone();
                c.answers_by.clear();
                // A corridor proposed beyond the scenario file (on the map,
                // between points or towns) joins the scenario in force, with
                // its places, so that it is evaluated, re-routed and
                // published like the file's own.
                let (o, d) = p.content.places();
                if self.scenario.place(&o.id).is_none() {
                    self.scenario.origins.push(o);
                }
                if self.scenario.place(&d.id).is_none() {
                    self.scenario.destinations.push(d);
                }
                if self.base.proposal(&p.proposal).is_none() {
                    if let Some((spec, _)) = p.content.replayed() {
                        self.scenario.proposals.retain(|x| x.id != spec.id);
                        self.scenario.proposals.push(spec);
                    }
                }
            }
            Body::Accept(v) | Body::Reject(v) => {
                if let Some(c) = self.corridors.get_mut(&v.proposal) {
                    c.answers_by.insert(
                        actor.to_string(),
                        Answer {
                            accept: matches!(body, Body::Accept(_)),
                            reason: v.reason.clone(),
                            verdict: v.verdict.clone(),
                            seq,
                        },
                    );
                }
            }
            Body::Hazard(h) => {
                let hz = h.hazard.to_hazard();
                self.scenario.hazards.hazards.retain(|x| x.id != hz.id);
                self.scenario.hazards.hazards.push(hz);
                self.owners
                    .insert(h.hazard.id.clone(), Owner::Party(actor.to_string(), seq));
                self.used_ids.insert(h.hazard.id.clone());
            }
            Body::Lift(l) => {
                self.scenario.hazards.hazards.retain(|x| x.id != l.hazard);
                self.owners.remove(&l.hazard);
            }
            Body::Clock(c) => {
                self.shift_days = c.shift_days;
                self.scenario = shifted(&self.base, c.shift_days);
            }
            _ => {}
        }
        match &body {
            Body::Notify(n) => {
                self.convoys.insert(
                    n.convoy.clone(),
                    crate::convoy::Convoy {
                        notifier: actor.to_string(),
                        commitment: n.commitment.clone(),
                        seq,
                        acks: BTreeMap::new(),
                        movement: None,
                    },
                );
            }
            Body::Acknowledge(n) => {
                if let Some(c) = self.convoys.get_mut(&n.convoy) {
                    c.acks.insert(actor.to_string(), time);
                }
            }
            Body::Movement(m) => {
                if let Some(c) = self.convoys.get_mut(&m.convoy) {
                    c.movement = Some(m.clone());
                }
            }
            _ => {}
        }
        if let Some(id) = body.corridor() {
            if let Some(c) = self.corridors.get_mut(id) {
                c.life = self.book.corridors[id].clone();
                c.history.push(seq);
            }
        }
        self.newest_schema = self.newest_schema.max(schema);
        self.entries.push(Logged {
            seq,
            time,
            actor: actor.to_string(),
            body,
            schema,
            leaf,
        });
    }

    /// The hazards in force with their owners, in the order they came in force.
    pub fn hazards(&self) -> impl Iterator<Item = (&Hazard, &Owner)> {
        self.scenario
            .hazards
            .hazards
            .iter()
            .filter_map(|h| Some((h, self.owners.get(&h.id)?)))
    }

    /// Party `party`'s verdict, by its rules, on the version of `id` on the
    /// table: what an accept or reject entry records.
    pub fn verdict(&self, party: &str, id: &str) -> Option<VerdictRecord> {
        let c = self.corridors.get(id)?;
        let (spec, route) = c.content().replayed()?;
        let ev = corridor_negotiation::evaluate(&self.scenario, &spec, &route, &c.life.version);
        let v = ev.verdicts.into_iter().find(|v| v.party == party)?;
        Some(VerdictRecord {
            verdict: if v.accept { "accept" } else { "reject" }.into(),
            violations: v
                .violations
                .iter()
                .map(|x| crate::entry::Broken {
                    code: x.code.to_string(),
                    message: x.message.clone(),
                })
                .collect(),
        })
    }

    /// The accept or reject entry of `party` on the version of `id` on the
    /// table, with its verdict recorded (a rejection without a reason takes
    /// the broken rules' codes as its reason).
    pub fn answer(
        &self,
        party: &str,
        id: &str,
        accept: bool,
        reason: Option<String>,
    ) -> Result<Body, Refusal> {
        let Some(c) = self.corridors.get(id) else {
            return refuse(
                Rule::Lifecycle,
                format!("no corridor `{id}` has been proposed"),
            );
        };
        let verdict = self.verdict(party, id);
        let reason = match (accept, reason) {
            (true, r) => r.filter(|r| !r.is_empty()),
            (false, Some(r)) if !r.is_empty() => Some(r),
            (false, _) => verdict
                .as_ref()
                .filter(|v| !v.violations.is_empty())
                .map(|v| {
                    v.violations
                        .iter()
                        .map(|x| x.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                }),
        };
        let v = OnVersion {
            proposal: id.to_string(),
            version: c.life.version.clone(),
            reason,
            verdict,
        };
        Ok(if accept {
            Body::Accept(v)
        } else {
            Body::Reject(v)
        })
    }
}

fn leaf_hex(log: &Log, i: usize) -> String {
    log.leaf(i)
        .map(|h| corridor_log::hex(&h))
        .unwrap_or_default()
}

/// The free texts of an entry.
fn reasons(b: &Body) -> Vec<&str> {
    match b {
        Body::Accept(v) | Body::Reject(v) | Body::Countersign(v) => {
            v.reason.as_deref().into_iter().collect()
        }
        Body::Open(c)
        | Body::Suspend(c)
        | Body::Reopen(c)
        | Body::Close(c)
        | Body::Complete(c)
        | Body::Cancel(c) => c.reason.as_deref().into_iter().collect(),
        Body::Lift(l) => l.reason.as_deref().into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The lifecycle action an entry takes, with its corridor.
pub fn action_of(b: &Body) -> Option<(&str, Action)> {
    let reason = |r: &Option<String>| r.clone().unwrap_or_default();
    Some(match b {
        Body::Propose(p) => (
            &p.proposal,
            Action::Propose {
                version: p.version.clone(),
            },
        ),
        Body::Accept(v) => (
            &v.proposal,
            Action::Accept {
                version: v.version.clone(),
            },
        ),
        Body::Reject(v) => (
            &v.proposal,
            Action::Reject {
                version: v.version.clone(),
                reason: reason(&v.reason),
            },
        ),
        Body::Countersign(v) => (
            &v.proposal,
            Action::Countersign {
                version: v.version.clone(),
            },
        ),
        Body::Open(c) => (&c.proposal, Action::Open),
        Body::Suspend(c) => (
            &c.proposal,
            Action::Suspend {
                reason: reason(&c.reason),
            },
        ),
        Body::Reopen(c) => (&c.proposal, Action::Reopen),
        Body::Close(c) => (&c.proposal, Action::Close),
        Body::Complete(c) => (&c.proposal, Action::Complete),
        Body::Cancel(c) => (
            &c.proposal,
            Action::Cancel {
                reason: reason(&c.reason),
            },
        ),
        Body::Hazard(_)
        | Body::Lift(_)
        | Body::Clock(_)
        | Body::Notify(_)
        | Body::Acknowledge(_)
        | Body::Movement(_) => return None,
    })
}
