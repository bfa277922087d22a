//! The ledger against logs written before it was typed (fixtures), and its
//! rules: time, windows, hazard ownership, the exercise clock.

use corridor_ledger::{propose, Body, HazardReport, Ledger, Owner, Rule, Verb, SCHEMA};
use corridor_log::Log;
use corridor_negotiation::lifecycle::State;
use corridor_negotiation::{plan, Scenario};
use ed25519_dalek::SigningKey;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scenario(rel: &str) -> Scenario {
    let path = root().join(rel);
    let dir = path.parent().unwrap().to_path_buf();
    let text = std::fs::read_to_string(&path).unwrap();
    Scenario::parse(&text, rel, &move |f: &str| {
        std::fs::read_to_string(dir.join(f)).map_err(|e| e.to_string())
    })
    .unwrap()
}

fn key(example: &str, party: &str) -> SigningKey {
    let t = std::fs::read_to_string(root().join(format!("examples/{example}/keys/{party}.key")))
        .unwrap();
    corridor_log::parse_secret_key(&t).unwrap()
}

fn fixture(name: &str, scn: &Scenario) -> Log {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .unwrap();
    let v = corridor_log::verify(&text, &|id| scn.party(id).map(|p| p.key));
    assert!(v.problems.is_empty(), "{name}: {:?}", v.problems);
    v.log
}

/// A log written by `corridor act` before entries were typed (schema 1)
/// verifies and replays, with the verdicts it recorded.
#[test]
fn schema_1_cli_log_replays() {
    let scn = scenario("examples/ukraine/scenario.toml");
    let log = fixture("v1-cli.jsonl", &scn);
    let l = Ledger::replay(scn, &log).unwrap();
    assert_eq!(l.len(), 10);
    assert!(l.entries().iter().all(|e| e.schema == 1));
    assert_eq!(l.corridor("sumy-poltava").unwrap().state(), State::Closed);
    let irpin = l.corridor("irpin-gomel").unwrap();
    assert_eq!(irpin.state(), State::Proposed);
    let ua = &irpin.answers_by["ua"];
    assert!(!ua.accept);
    assert_eq!(ua.verdict.as_ref().unwrap().verdict, "reject");
    assert!(ua
        .reason
        .as_deref()
        .unwrap()
        .contains("destination_forbidden"));
}

/// The example log as `examples/ukraine/make-log.sh` wrote it before
/// schema 3 (schema 2, typed): it verifies and replays, under schema 2's
/// rules, and a schema-3 entry may follow it.
#[test]
fn schema_2_example_log_replays() {
    let scn = scenario("examples/ukraine/scenario.toml");
    let mut log = fixture("ukraine-log-schema-2.jsonl", &scn);
    let l = Ledger::replay(scn.clone(), &log).unwrap();
    assert_eq!(l.len(), 10);
    assert!(l.entries().iter().all(|e| e.schema == 2));
    assert_eq!(l.corridor("sumy-poltava").unwrap().state(), State::Closed);
    let mut l = l;
    l.append(
        &mut log,
        "2022-03-09T08:00:00+02:00",
        "ru",
        report("h-after"),
        &key("ukraine", "ru"),
    )
    .unwrap();
    assert_eq!(l.entries().last().unwrap().schema, SCHEMA);
}

/// A log written by the server before entries were typed: hazards with
/// explicit nulls, an incident's suspension and new version, a lift.
#[test]
fn schema_1_server_log_replays() {
    let scn = scenario("examples/heidelberg/scenario.toml");
    let log = fixture("v1-server.jsonl", &scn);
    let l = Ledger::replay(scn, &log).unwrap();
    assert_eq!(l.len(), 10);
    let c = l.corridor("altstadt-rohrbach").unwrap();
    assert_eq!(c.state(), State::Proposed);
    assert_eq!(c.life.versions, 2);
    assert_eq!(c.proposed_by, "south");
    assert!(l.owner("mines-south-5").is_none(), "lifted");
    assert_eq!(
        l.owner("shelling-south-6"),
        Some(&Owner::Party("south".into(), 6))
    );
    assert!(l
        .scenario()
        .hazards
        .hazards
        .iter()
        .any(|h| h.id == "shelling-south-6"));
    assert!(!l
        .scenario()
        .hazards
        .hazards
        .iter()
        .any(|h| h.id == "mines-south-5"));
}

struct Table {
    log: Log,
    l: Ledger,
}

impl Table {
    fn ukraine() -> Table {
        Table {
            log: Log::new(),
            l: Ledger::new(scenario("examples/ukraine/scenario.toml")),
        }
    }

    fn act(&mut self, time: &str, who: &str, body: Body) -> Result<(), corridor_ledger::Refusal> {
        let k = key("ukraine", who);
        self.l
            .append(&mut self.log, time, who, body, &k)
            .map(|_| ())
    }

    fn verb(
        &mut self,
        time: &str,
        who: &str,
        verb: Verb,
        id: &str,
    ) -> Result<(), corridor_ledger::Refusal> {
        let b = self.l.action(who, verb, id, None)?;
        self.act(time, who, b)
    }

    fn propose(&mut self, time: &str, who: &str, id: &str) -> Result<(), corridor_ledger::Refusal> {
        let scn = self.l.scenario();
        let spec = scn.proposal(id).unwrap();
        let r = plan::plan(scn, spec, None).unwrap();
        let b = propose(plan::canonical(scn, spec, &r), None);
        self.act(time, who, b)
    }

    /// Up to countersigned, on 7 March.
    fn agreed(&mut self) {
        self.propose("2022-03-07T18:00:00+02:00", "ua", "sumy-poltava")
            .unwrap();
        self.verb(
            "2022-03-07T19:10:00+02:00",
            "ru",
            Verb::Accept,
            "sumy-poltava",
        )
        .unwrap();
        self.verb(
            "2022-03-07T19:25:00+02:00",
            "ua",
            Verb::Accept,
            "sumy-poltava",
        )
        .unwrap();
        self.verb(
            "2022-03-07T20:00:00+02:00",
            "icrc",
            Verb::Countersign,
            "sumy-poltava",
        )
        .unwrap();
    }
}

#[test]
fn a_refused_entry_changes_nothing_and_replay_agrees() {
    let mut t = Table::ukraine();
    t.agreed();
    let before = (t.log.to_text(), t.l.len());
    // Earlier than the last entry.
    let e = t
        .verb(
            "2022-03-07T19:59:59+02:00",
            "icrc",
            Verb::Open,
            "sumy-poltava",
        )
        .unwrap_err();
    assert_eq!(e.rule, Rule::Time);
    assert!(
        e.message
            .contains("07.03.2022 19:59 (Europe/Kyiv, UTC+02:00)"),
        "{e}"
    );
    // An observer-less role mistake: a belligerent may not open.
    let e = t
        .verb(
            "2022-03-08T08:00:00+02:00",
            "ru",
            Verb::Open,
            "sumy-poltava",
        )
        .unwrap_err();
    assert_eq!(e.rule, Rule::Lifecycle);
    assert_eq!((t.log.to_text(), t.l.len()), before);
    // The same time as the last entry is allowed.
    t.verb(
        "2022-03-07T20:00:00+02:00",
        "icrc",
        Verb::Open,
        "sumy-poltava",
    )
    .unwrap();
    let again = Ledger::replay(t.l.base().clone(), &t.log).unwrap();
    assert_eq!(again.corridors(), t.l.corridors());
    assert!(again.entries().iter().all(|e| e.schema == SCHEMA));
}

#[test]
fn accept_and_reject_record_the_verdict() {
    let mut t = Table::ukraine();
    t.propose("2022-03-07T08:00:00+02:00", "ua", "irpin-gomel")
        .unwrap();
    t.verb(
        "2022-03-07T08:05:00+02:00",
        "ua",
        Verb::Reject,
        "irpin-gomel",
    )
    .unwrap();
    let a = &t.l.corridor("irpin-gomel").unwrap().answers_by["ua"];
    assert_eq!(
        a.reason.as_deref(),
        Some("destination_forbidden, transit_forbidden")
    );
    assert_eq!(
        a.verdict.as_ref().unwrap().violations[0].code,
        "destination_forbidden"
    );
}

#[test]
fn no_opening_after_the_last_safe_departure() {
    let mut t = Table::ukraine();
    t.agreed();
    // Window 09:00–21:00 Kyiv time; the trip takes several hours.
    let c = t.l.corridor("sumy-poltava").unwrap().content().clone();
    let last = c.last_safe_departure().unwrap();
    let late = (last + chrono::Duration::minutes(1)).to_rfc3339();
    let e = t
        .verb(&late, "icrc", Verb::Open, "sumy-poltava")
        .unwrap_err();
    assert_eq!(e.rule, Rule::Window);
    assert!(
        e.message.contains("last safe departure was 08.03.2022"),
        "{e}"
    );
    assert!(e.message.contains("Europe/Kyiv, UTC+02:00"), "{e}");
    t.verb(&last.to_rfc3339(), "icrc", Verb::Open, "sumy-poltava")
        .unwrap();
    t.verb(&late, "ru", Verb::Suspend, "sumy-poltava").unwrap();
    let e = t
        .verb(&late, "icrc", Verb::Reopen, "sumy-poltava")
        .unwrap_err();
    assert_eq!(e.rule, Rule::Window);
    // Stopping never depends on the window.
    t.verb(
        "2022-03-09T10:00:00+02:00",
        "icrc",
        Verb::Close,
        "sumy-poltava",
    )
    .unwrap();
}

#[test]
fn no_proposal_for_a_window_already_closed() {
    let mut t = Table::ukraine();
    let e = t
        .propose("2022-03-09T08:00:00+02:00", "ua", "sumy-poltava")
        .unwrap_err();
    assert_eq!(e.rule, Rule::Window);
    // Still open, but too late to arrive: refused too (review).
    let e = t
        .propose("2022-03-08T17:00:00+02:00", "ua", "sumy-poltava")
        .unwrap_err();
    assert_eq!(e.rule, Rule::Window);
    assert!(e.message.contains("has passed"), "{e}");
    t.propose("2022-03-08T16:00:00+02:00", "ua", "sumy-poltava")
        .unwrap();
}

fn report(id: &str) -> Body {
    Body::Hazard(corridor_ledger::entry::HazardEntry {
        hazard: HazardReport {
            id: id.into(),
            kind: "shelling".into(),
            at: [50.0, 34.5],
            radius_m: 500.0,
            valid_from: None,
            valid_until: None,
            source: "ru: artillery".into(),
        },
    })
}

fn lift(id: &str) -> Body {
    Body::Lift(corridor_ledger::entry::Lift {
        hazard: id.into(),
        reason: None,
    })
}

#[test]
fn hazards_have_owners_and_ids_are_never_reused() {
    let mut t = Table::ukraine();
    let scenario_hazard = t.l.base().hazards.hazards[0].id.clone();
    let at = "2022-03-07T10:00:00+02:00";
    t.act(at, "ru", report("h-1")).unwrap();
    // Reporting again under the same id would move it: refused.
    assert_eq!(
        t.act(at, "ua", report("h-1")).unwrap_err().rule,
        Rule::Hazard
    );
    assert_eq!(
        t.act(at, "ru", report(&scenario_hazard)).unwrap_err().rule,
        Rule::Hazard
    );
    // Another party's report, the scenario's hazard: not a belligerent's to lift.
    assert_eq!(t.act(at, "ua", lift("h-1")).unwrap_err().rule, Rule::Hazard);
    assert_eq!(
        t.act(at, "ru", lift(&scenario_hazard)).unwrap_err().rule,
        Rule::Hazard
    );
    // Markup in an id is refused.
    assert_eq!(
        t.act(at, "ru", report("<img src=x onerror=alert(1)>"))
            .unwrap_err()
            .rule,
        Rule::Hazard
    );
    // Its reporter lifts it; the mediator lifts the scenario's.
    t.act(at, "ru", lift("h-1")).unwrap();
    t.act(at, "icrc", lift(&scenario_hazard)).unwrap();
    assert!(t
        .l
        .scenario()
        .hazards
        .hazards
        .iter()
        .all(|h| h.id != scenario_hazard));
    // A lifted id is not reused either.
    assert_eq!(
        t.act(at, "ru", report("h-1")).unwrap_err().rule,
        Rule::Hazard
    );
    // A hazard starting more than a week after its report (which would
    // close a destination to every corridor while never in force): refused;
    // one starting within the week is taken.
    let later = |id: &str, from: &str| match report(id) {
        Body::Hazard(mut h) => {
            h.hazard.valid_from = Some(from.into());
            Body::Hazard(h)
        }
        _ => unreachable!(),
    };
    let e = t
        .act(at, "ru", later("h-2", "9999-01-01T00:00:00Z"))
        .unwrap_err();
    assert_eq!(e.rule, Rule::Hazard);
    assert!(
        e.message.contains("more than 7 days after the report"),
        "{e}"
    );
    assert_eq!(
        t.act(at, "ru", later("h-3", "2022-03-14T10:00:01+02:00"))
            .unwrap_err()
            .rule,
        Rule::Hazard
    );
    t.act(at, "ru", later("h-4", "2022-03-14T10:00:00+02:00"))
        .unwrap();
}

#[test]
fn the_exercise_clock_moves_every_time_of_the_scenario() {
    let mut t = Table::ukraine();
    let clock = Body::Clock(corridor_ledger::entry::Clock { shift_days: 1730 });
    // Not by a belligerent.
    assert_eq!(
        t.act("2026-11-30T08:00:00+02:00", "ua", clock.clone())
            .unwrap_err()
            .rule,
        Rule::Clock
    );
    t.act("2026-11-30T08:00:00+02:00", "icrc", clock.clone())
        .unwrap();
    let w = t.l.scenario().proposal("sumy-poltava").unwrap().window;
    assert_eq!(w.start.to_rfc3339(), "2026-12-02T09:00:00+02:00");
    let base = &t.l.base().hazards.hazards[0];
    let moved = &t.l.scenario().hazards.hazards[0];
    if base.validity.from_ms != i64::MIN {
        assert_eq!(
            moved.validity.from_ms - base.validity.from_ms,
            1730 * 86_400_000
        );
    }
    // Only as the first entry.
    assert_eq!(
        t.act("2026-11-30T08:00:00+02:00", "icrc", clock)
            .unwrap_err()
            .rule,
        Rule::Clock
    );
    t.propose("2026-11-30T09:00:00+02:00", "ua", "sumy-poltava")
        .unwrap();
    let again = Ledger::replay(t.l.base().clone(), &t.log).unwrap();
    assert_eq!(again.corridors(), t.l.corridors());
}

/// Issue 15: a movement is committed when notified and revealed when over;
/// the ledger holds who notifies and acknowledges, the commitment, the
/// coarse positions, and no departure before every belligerent's
/// acknowledgement.
#[test]
fn convoy_movements_are_committed_then_revealed() {
    use corridor_ledger::convoy::{Details, Movement, Notify, RoadEvent, Vehicles};
    let mut t = Table::ukraine();
    t.agreed();
    let details = Details {
        corridor: "sumy-poltava".into(),
        vehicles: Vehicles {
            count: 2,
            seats: 100,
            markings: "white buses".into(),
        },
        people: 90,
        departure: "2022-03-08T10:00:00+02:00".into(),
    };
    let salt = "a1b2c3";
    let commitment = details.commitment(salt);
    let n = |c: &str| Notify {
        convoy: "cv-1".into(),
        commitment: c.into(),
    };
    let time = "2022-03-07T21:00:00+02:00";
    // The commitment must be a SHA-256 in hex.
    let e = t.act(time, "zp-admin", Body::Notify(n("xyz"))).unwrap_err();
    assert_eq!(e.rule, Rule::Convoy);
    t.act(time, "zp-admin", Body::Notify(n(&commitment)))
        .unwrap();
    assert_eq!(
        t.act(time, "zp-admin", Body::Notify(n(&commitment)))
            .unwrap_err()
            .rule,
        Rule::Convoy,
        "an id is notified once"
    );
    // Acknowledgements: belligerents only, of the commitment notified, once.
    for who in ["icrc", "zp-admin"] {
        assert_eq!(
            t.act(time, who, Body::Acknowledge(n(&commitment)))
                .unwrap_err()
                .rule,
            Rule::Convoy
        );
    }
    let other = "0".repeat(64);
    assert_eq!(
        t.act(time, "ua", Body::Acknowledge(n(&other)))
            .unwrap_err()
            .rule,
        Rule::Convoy
    );
    t.act(
        "2022-03-07T21:05:00+02:00",
        "ua",
        Body::Acknowledge(n(&commitment)),
    )
    .unwrap();
    assert_eq!(
        t.act(
            "2022-03-07T21:05:00+02:00",
            "ua",
            Body::Acknowledge(n(&commitment))
        )
        .unwrap_err()
        .rule,
        Rule::Convoy
    );
    t.act(
        "2022-03-08T09:30:00+02:00",
        "ru",
        Body::Acknowledge(n(&commitment)),
    )
    .unwrap();
    let movement = |departed: &str, salt: &str, at: [f64; 2]| Movement {
        convoy: "cv-1".into(),
        outcome: "arrived".into(),
        details: details.clone(),
        salt: salt.into(),
        departed: Some(departed.into()),
        people: 88,
        events: vec![RoadEvent {
            kind: "off_route".into(),
            raised: true,
            time: "2022-03-08T11:00:00+02:00".into(),
            at,
        }],
    };
    let end = "2022-03-08T15:00:00+02:00";
    // Departed before ru acknowledged (09:30).
    let e = t
        .act(
            end,
            "zp-admin",
            Body::Movement(movement("2022-03-08T09:00:00+02:00", salt, [50.5, 34.2])),
        )
        .unwrap_err();
    assert!(e.message.contains("`ru`"), "{e}");
    // Details that are not those committed to (another salt).
    let e = t
        .act(
            end,
            "zp-admin",
            Body::Movement(movement("2022-03-08T10:00:00+02:00", "ffff", [50.5, 34.2])),
        )
        .unwrap_err();
    assert!(e.message.contains("committed"), "{e}");
    // A position finer than 0.01°.
    let e = t
        .act(
            end,
            "zp-admin",
            Body::Movement(movement("2022-03-08T10:00:00+02:00", salt, [50.5123, 34.2])),
        )
        .unwrap_err();
    assert!(e.message.contains("0.01"), "{e}");
    // Not the notifier nor the mediator.
    let e = t
        .act(
            end,
            "ua",
            Body::Movement(movement("2022-03-08T10:00:00+02:00", salt, [50.5, 34.2])),
        )
        .unwrap_err();
    assert_eq!(e.rule, Rule::Convoy);
    // Review: an event (a tracker's backdated arrival) long before the
    // departure, or after the record: refused.
    for when in ["2022-03-07T13:54:00+02:00", "2022-03-08T16:00:00+02:00"] {
        let mut m = movement("2022-03-08T10:00:00+02:00", salt, [50.51, 34.2]);
        m.events[0].time = when.into();
        let e = t.act(end, "zp-admin", Body::Movement(m)).unwrap_err();
        assert!(e.message.contains("outside the movement"), "{when}: {e}");
    }
    t.act(
        end,
        "zp-admin",
        Body::Movement(movement("2022-03-08T10:00:00+02:00", salt, [50.51, 34.2])),
    )
    .unwrap();
    // Over: no more acknowledgements or records; the replay agrees.
    assert_eq!(
        t.act(
            end,
            "icrc",
            Body::Movement(movement("2022-03-08T10:00:00+02:00", salt, [50.5, 34.2]))
        )
        .unwrap_err()
        .rule,
        Rule::Convoy
    );
    let again = Ledger::replay(t.l.base().clone(), &t.log).unwrap();
    assert_eq!(again.convoys(), t.l.convoys());
    assert_eq!(
        again.convoys()["cv-1"].movement.as_ref().unwrap().people,
        88
    );
}

/// Rules added after logs were written bind the entries written from then
/// on, never a log that was valid when written: a new version of an open
/// corridor and a hazard starting more than a week after its report are
/// refused when appended, and a log that holds them (signed by the parties
/// before the rules) still replays.
#[test]
fn newer_rules_bind_new_entries_and_older_logs_still_replay() {
    let mut t = Table::ukraine();
    t.agreed();
    t.verb(
        "2022-03-08T08:30:00+02:00",
        "icrc",
        Verb::Open,
        "sumy-poltava",
    )
    .unwrap();
    // A new version while open: refused now.
    let scn = t.l.scenario().clone();
    let mut spec = scn.proposal("sumy-poltava").unwrap().clone();
    spec.window.end -= chrono::Duration::hours(1);
    let r = plan::plan(&scn, &spec, None).unwrap();
    let v2 = propose(plan::canonical(&scn, &spec, &r), None);
    let at = "2022-03-08T09:00:00+02:00";
    let e = t.act(at, "ru", v2.clone()).unwrap_err();
    assert_eq!(e.rule, Rule::Lifecycle);
    assert!(e.message.contains("suspend it before"), "{e}");
    let far = match report("h-far") {
        Body::Hazard(mut h) => {
            h.hazard.valid_from = Some("2022-04-01T00:00:00+02:00".into());
            Body::Hazard(h)
        }
        _ => unreachable!(),
    };
    assert_eq!(t.act(at, "ru", far.clone()).unwrap_err().rule, Rule::Hazard);
    // The same entries written by a build of schema 2, before the rules:
    // the whole log in schema 2 replays.
    let as_schema = |body: &serde_json::Value, v: u64| {
        let mut b = body.clone();
        b["v"] = v.into();
        b
    };
    let mut old = Log::new();
    for r in t.log.records() {
        let e = &r.entry;
        old.append(
            &e.time,
            &e.actor,
            &e.kind,
            as_schema(&e.body, 2),
            &key("ukraine", &e.actor),
        );
    }
    let (mut new, mut down) = (t.log.clone(), t.log.clone());
    for body in [v2, far] {
        old.append(
            at,
            "ru",
            body.kind(),
            as_schema(&body.encode(), 2),
            &key("ukraine", "ru"),
        );
        // Today's schema, written by a tool that bypasses `Ledger::append`:
        // replay applies today's rules.
        new.append(at, "ru", body.kind(), body.encode(), &key("ukraine", "ru"));
        // An older schema after today's: refused whatever it says.
        down.append(
            at,
            "ru",
            body.kind(),
            as_schema(&body.encode(), 2),
            &key("ukraine", "ru"),
        );
    }
    let l = Ledger::replay(t.l.base().clone(), &old).expect("an older log replays");
    assert_eq!(
        l.corridor("sumy-poltava").unwrap().state().name(),
        "proposed"
    );
    assert!(l.scenario().hazards.hazards.iter().any(|h| h.id == "h-far"));
    let (_, e) = Ledger::replay(t.l.base().clone(), &new).unwrap_err();
    assert!(e.message.contains("suspend it before"), "{e}");
    let (_, e) = Ledger::replay(t.l.base().clone(), &down).unwrap_err();
    assert!(e.message.contains("never goes down"), "{e}");
}

/// The form of an older schema cannot smuggle in what today's rules refuse:
/// an `open` after the window, written without `v` (schema 1, whose rules
/// had no window check) and signed by the mediator, after schema 3 entries.
#[test]
fn an_older_schema_cannot_follow_a_newer_one() {
    let mut t = Table::ukraine();
    t.agreed();
    let late = "2022-03-20T08:30:00+02:00";
    assert_eq!(
        t.verb(late, "icrc", Verb::Open, "sumy-poltava")
            .unwrap_err()
            .rule,
        Rule::Window
    );
    let mut forged = t.log.clone();
    forged.append(
        late,
        "icrc",
        "open",
        serde_json::json!({"proposal": "sumy-poltava"}),
        &key("ukraine", "icrc"),
    );
    let (_, e) = Ledger::replay(t.l.base().clone(), &forged).unwrap_err();
    assert!(
        e.message.contains("schema 1 after an entry of schema 3"),
        "{e}"
    );
    // Before schema 3 a log could mix them (an older build appending after
    // a newer one): such a log still replays.
    let mut mixed = Log::new();
    for r in t.log.records() {
        let e = &r.entry;
        let mut b = e.body.clone();
        b["v"] = 2.into();
        mixed.append(&e.time, &e.actor, &e.kind, b, &key("ukraine", &e.actor));
    }
    mixed.append(
        "2022-03-08T08:30:00+02:00",
        "icrc",
        "open",
        serde_json::json!({"proposal": "sumy-poltava"}),
        &key("ukraine", "icrc"),
    );
    let l = Ledger::replay(t.l.base().clone(), &mixed).expect("a mixed log of schemas 1 and 2");
    assert_eq!(l.corridor("sumy-poltava").unwrap().state().name(), "open");
}

/// A route's duration beyond any date (a hostile log's 10^17 s) is refused
/// by name when written and when replayed, and never panics the
/// arithmetic of the last safe departure.
#[test]
fn a_duration_beyond_any_date_is_refused_not_a_panic() {
    let mut t = Table::ukraine();
    let scn = t.l.scenario().clone();
    let spec = scn.proposal("sumy-poltava").unwrap().clone();
    let r = plan::plan(&scn, &spec, None).unwrap();
    let mut content = plan::canonical(&scn, &spec, &r);
    content.route.duration_s = 100_000_000_000_000_000;
    assert_eq!(content.last_safe_departure(), None);
    let body = propose(content, None);
    let at = "2022-03-07T08:00:00+02:00";
    let e = t.act(at, "ua", body.clone()).unwrap_err();
    assert!(e.message.contains("beyond any date"), "{e}");
    let mut forged = t.log.clone();
    forged.append(at, "ua", body.kind(), body.encode(), &key("ukraine", "ua"));
    let (_, e) = Ledger::replay(t.l.base().clone(), &forged).unwrap_err();
    assert!(e.message.contains("beyond any date"), "{e}");
}

/// Limits on what a party writes (`Ledger::check_limits`): no hazard id of
/// another party's default form, at most 100 corridors on the table per
/// party; checked when written, not when a log is replayed, so that a log
/// written before them replays as it did.
#[test]
fn write_limits_bind_new_entries_and_older_logs_still_replay() {
    use corridor_ledger::state::{
        MAX_CORRIDORS_PER_PARTY, MAX_CORRIDORS_PER_PARTY_EVER, MAX_VERSIONS,
    };
    let mut t = Table::ukraine();
    let at = "2022-03-07T10:00:00+02:00";
    for id in ["shelling-ua-3", "mines-ua-17", "front_line-ua-0"] {
        let e = t.act(at, "ru", report(id)).unwrap_err();
        assert_eq!(e.rule, Rule::Hazard, "{id}");
        assert!(e.message.contains("`ua`'s own reports"), "{e}");
    }
    // Its own form, and names that are not it, are free.
    for id in ["shelling-ru-3", "shelling-ua", "shelling-ua-x", "rain-ua-3"] {
        t.act(at, "ru", report(id)).unwrap();
    }
    // Written before the limit (by appending to the log directly), the
    // entry still replays.
    let k = key("ukraine", "ru");
    let squat = report("shelling-ua-99");
    t.log.append(at, "ru", squat.kind(), squat.encode(), &k);
    let l = Ledger::replay(t.l.base().clone(), &t.log).unwrap();
    assert!(matches!(l.owner("shelling-ua-99"), Some(Owner::Party(p, _)) if p == "ru"));
    // Corridors: a party's 100 on the table, then none until one ends.
    let mut t = Table::ukraine();
    let scn = t.l.scenario().clone();
    let base = scn.proposal("sumy-poltava").unwrap().clone();
    let put = |t: &mut Table, id: &str| {
        let mut spec = base.clone();
        spec.id = id.into();
        let r = plan::plan(&scn, &spec, None).unwrap();
        t.act(
            "2022-03-07T18:00:00+02:00",
            "ua",
            propose(plan::canonical(&scn, &spec, &r), None),
        )
    };
    for i in 0..MAX_CORRIDORS_PER_PARTY {
        put(&mut t, &format!("c{i}")).unwrap();
    }
    let e = put(&mut t, "one-more").unwrap_err();
    assert!(e.message.contains("corridors on the table"), "{e}");
    t.verb("2022-03-07T18:00:00+02:00", "ua", Verb::Cancel, "c0")
        .unwrap();
    put(&mut t, "one-more").unwrap();
    // Proposed and cancelled in turn: at most 1,000 in all.
    t.verb("2022-03-07T18:00:00+02:00", "ua", Verb::Cancel, "c1")
        .unwrap();
    let mut i = 0;
    let e = loop {
        let id = format!("turn-{i}");
        if let Err(e) = put(&mut t, &id) {
            break e;
        }
        t.verb("2022-03-07T18:00:00+02:00", "ua", Verb::Cancel, &id)
            .unwrap();
        i += 1;
    };
    assert!(e.message.contains("has proposed 1000 corridors"), "{e}");
    assert_eq!(
        i + MAX_CORRIDORS_PER_PARTY + 1,
        MAX_CORRIDORS_PER_PARTY_EVER
    );
    // A direction mark in a reason.
    let b =
        t.l.action("ua", Verb::Cancel, "c2", Some("why\u{061c} not".into()))
            .unwrap();
    let e = t.act("2022-03-07T18:00:00+02:00", "ua", b).unwrap_err();
    assert_eq!(e.rule, Rule::Body, "{e}");
    // Versions: 100 of one corridor, then a new corridor is needed.
    let mut t = Table::ukraine();
    let version = |t: &mut Table, i: i64| {
        let mut spec = base.clone();
        spec.window.start += chrono::Duration::minutes(i);
        let r = plan::plan(&scn, &spec, None).unwrap();
        t.act(
            "2022-03-07T18:00:00+02:00",
            "ua",
            propose(plan::canonical(&scn, &spec, &r), None),
        )
    };
    for i in 0..MAX_VERSIONS as i64 {
        version(&mut t, i).unwrap();
    }
    let e = version(&mut t, MAX_VERSIONS as i64).unwrap_err();
    assert!(e.message.contains("versions, the most one may"), "{e}");
}
