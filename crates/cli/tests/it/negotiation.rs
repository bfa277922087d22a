//! Negotiation on real data: every verdict code on the Ukrainian exercise
//! (real oblasts, borders and towns), bad scenario files refused with file,
//! line and reason, the Heidelberg exercise on the road graph, and a whole
//! corridor life through `corridor act`, checked by `corridor log verify`.

use crate::corridor;
use corridor_graph::Profile;
use corridor_negotiation::plan;
use corridor_negotiation::{evaluate, Scenario};
use std::path::{Path, PathBuf};
use std::process::Output;

fn example(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(rel)
}

fn load(path: &Path, text: &str) -> Result<Scenario, corridor_negotiation::ScenarioErrors> {
    let dir = path.parent().unwrap().to_path_buf();
    let read = move |rel: &str| std::fs::read_to_string(dir.join(rel)).map_err(|e| e.to_string());
    Scenario::parse(text, "scenario.toml", &read)
}

fn ukraine() -> Scenario {
    let p = example("ukraine/scenario.toml");
    load(&p, &std::fs::read_to_string(&p).unwrap()).expect("the example parses")
}

/// (party, codes) of one proposal's verdicts, polyline routes.
fn codes(scn: &Scenario, id: &str, profile: Option<Profile>) -> Vec<(String, Vec<&'static str>)> {
    let mut spec = scn.proposal(id).unwrap().clone();
    if let Some(p) = profile {
        spec.profile = p;
    }
    let route = plan::plan(scn, &spec, None).unwrap();
    let v = plan::canonical(scn, &spec, &route).version();
    evaluate(scn, &spec, &route, &v)
        .verdicts
        .into_iter()
        .map(|x| (x.party, x.violations.iter().map(|v| v.code).collect()))
        .collect()
}

fn of<'a>(v: &'a [(String, Vec<&'static str>)], party: &str) -> &'a [&'static str] {
    &v.iter().find(|x| x.0 == party).unwrap().1
}

#[test]
fn every_verdict_code_on_real_ukrainian_data() {
    let scn = ukraine();
    assert_eq!(scn.territories.len(), 6);
    // Sumy → Poltava: both belligerents accept (the corridor of 8 March 2022).
    let v = codes(&scn, "sumy-poltava", None);
    assert!(of(&v, "ua").is_empty() && of(&v, "ru").is_empty(), "{v:?}");
    // Kharkiv → Belgorod: Ukraine refuses a destination in Russia and the
    // stretch through Russia; Russia accepts.
    let v = codes(&scn, "kharkiv-belgorod", None);
    assert_eq!(of(&v, "ua"), ["destination_forbidden", "transit_forbidden"]);
    assert!(of(&v, "ru").is_empty());
    // Irpin → Gomel: into Belarus; and longer than Russia's 6-hour limit.
    let v = codes(&scn, "irpin-gomel", None);
    assert_eq!(of(&v, "ua"), ["destination_forbidden", "transit_forbidden"]);
    assert_eq!(of(&v, "ru"), ["too_long"]);
    // Mariupol → Zaporizhzhia town by town: through the shelling at Orikhiv,
    // longer than the window, past no Vasylivka checkpoint.
    let v = codes(&scn, "mariupol-zaporizhzhia", None);
    assert_eq!(of(&v, "ua"), ["hazard", "window_too_short"]);
    assert_eq!(of(&v, "ru"), ["too_long", "hazard", "window_too_short"]);
    assert_eq!(
        of(&v, "zp-admin"),
        ["checkpoint_missing", "hazard", "window_too_short"]
    );
    // On foot, Russia's car-only rule applies.
    let v = codes(&scn, "sumy-poltava", Some(Profile::Foot));
    assert!(of(&v, "ru").contains(&"profile_forbidden"), "{v:?}");
}

#[test]
fn messages_give_places_lengths_and_local_times() {
    let scn = ukraine();
    let spec = scn.proposal("kharkiv-belgorod").unwrap();
    let route = plan::plan(&scn, spec, None).unwrap();
    let ev = evaluate(&scn, spec, &route, "v");
    let ua = &ev.verdicts[0];
    let transit = &ua.violations[1].message;
    // The straight line Kharkiv–Belgorod: the border lies about a third of
    // the way; 94 km × 1.3 road factor, so 30–35 km in Russia.
    assert!(transit.contains("through Russia"), "{transit}");
    let km: f64 = transit
        .split(" km")
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((25.0..40.0).contains(&km), "{transit}");
    let spec = scn.proposal("mariupol-zaporizhzhia").unwrap();
    let route = plan::plan(&scn, spec, None).unwrap();
    let ev = evaluate(&scn, spec, &route, "v");
    let msgs: Vec<&str> = ev.verdicts[0]
        .violations
        .iter()
        .map(|v| v.message.as_str())
        .collect();
    assert!(
        msgs[0].contains("valid 10:00 to 14:00 Europe/Kyiv"),
        "{}",
        msgs[0]
    );
    assert!(
        msgs[1].contains("the window closes 6 h after it opens"),
        "{}",
        msgs[1]
    );
    assert!(route.via.iter().any(|v| v == "Polohy"));
}

#[test]
fn bad_scenario_files_are_refused_with_file_line_and_reason() {
    let p = example("ukraine/scenario.toml");
    let good = std::fs::read_to_string(&p).unwrap();
    let line_of =
        |text: &str, needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let cases: [(&str, &str, &str, &str); 6] = [
        (
            "unknown territory",
            "forbidden_transit = [\"russia\", \"belarus\"]",
            "forbidden_transit = [\"russia\", \"narnia\"]",
            "unknown territory `narnia`",
        ),
        (
            "unknown time zone",
            "time_zone = \"Europe/Kyiv\"",
            "time_zone = \"Europe/Kiev-Moscow\"",
            "not an IANA time zone",
        ),
        (
            "party without a key",
            "public_key = \"ed25519:52ea",
            "# public_key = \"ed25519:52ea",
            "has no public_key",
        ),
        (
            "duplicate id",
            "id = \"gomel\"",
            "id = \"belgorod\"",
            "duplicate destination id `belgorod`",
        ),
        (
            "time without offset",
            "window_start = \"2022-03-07T10:00:00+02:00\"",
            "window_start = \"2022-03-07T10:00:00\"",
            "explicit UTC offset",
        ),
        (
            "unknown place",
            "route = [\"Nikolske\"",
            "route = [\"Atlantis\"",
            "unknown place `Atlantis`",
        ),
    ];
    for (what, from, to, reason) in cases {
        let bad = good.replacen(from, to, 1);
        assert_ne!(bad, good, "{what}: the edit applies");
        let errs = load(&p, &bad).expect_err(what).0;
        let e = errs
            .iter()
            .find(|e| e.message.contains(reason))
            .unwrap_or_else(|| panic!("{what}: {errs:?}"));
        let want_line = line_of(&good, from);
        assert_eq!(e.file, "scenario.toml");
        // The party-without-key error points at the party's id line.
        if what != "party without a key" {
            assert_eq!(e.line, want_line, "{what}: {e:?}");
        }
    }
    // Through the CLI: exit 12, with file:line: reason.
    let dir = crate::scratch("bad-scenario");
    let bad = good.replacen(
        "time_zone = \"Europe/Kyiv\"",
        "time_zone = \"Mars/Olympus\"",
        1,
    );
    // Keep the relative paths working from the copy.
    let bad = bad.replace(
        "../../data/",
        &format!(
            "{}/",
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../data")
                .display()
        ),
    );
    let bad = bad.replace(
        "\"hazards.geojson\"",
        &format!("\"{}\"", example("ukraine/hazards.geojson").display()),
    );
    let f = dir.join("scenario.toml");
    std::fs::write(&f, bad).unwrap();
    let out = corridor(&["evaluate", f.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(12),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    let tz_line = good
        .lines()
        .position(|l| l.starts_with("time_zone"))
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!(
            "scenario.toml:{tz_line}: `Mars/Olympus` is not an IANA time zone"
        )),
        "{err}"
    );
}

#[test]
fn the_examples_run_from_the_command_line() {
    let ukr = example("ukraine/scenario.toml");
    let out = corridor(&["evaluate", ukr.to_str().unwrap(), "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let evs = v["evaluations"].as_array().unwrap();
    assert_eq!(evs.len(), 4);
    assert_eq!(evs[0]["agreed"], true);
    assert_eq!(evs[0]["time_zone"], "Europe/Kyiv");
    assert!(evs[0]["last_safe_departure"]
        .as_str()
        .unwrap()
        .ends_with("+02:00"));
    // An unknown origin is named as such, with the origins there are
    // (not "no proposal gives a window").
    let out = corridor(&["search", ukr.to_str().unwrap(), "--origin", "nowhere"]);
    assert_eq!(out.status.code(), Some(7));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("unknown origin `nowhere`") && e.contains("sumy"),
        "{e}"
    );
    let out = corridor(&["search", ukr.to_str().unwrap(), "--origin", "sumy"]);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("Poltava reception centre: 1 corridor(s)"), "{s}");
    assert!(
        s.contains("(destination_forbidden): Belgorod lies in Russia"),
        "{s}"
    );
    // Heidelberg, on the road graph (imported on the fly).
    let hd = example("heidelberg/scenario.toml");
    let out = corridor(&["evaluate", hd.to_str().unwrap()]);
    let s = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(s.contains("road route"), "{s}");
    assert!(s.contains("agreed    yes"), "{s}");
    assert!(s.contains("destination_forbidden: the destination Rohrbach town hall lies in the southern control zone"), "{s}");
    let out = corridor(&[
        "search",
        hd.to_str().unwrap(),
        "--origin",
        "altstadt",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let res = v["results"].as_array().unwrap();
    assert!(!res[0]["options"].as_array().unwrap().is_empty(), "{v}");
    assert!(res[2]["blocked_by"][0]
        .as_str()
        .unwrap()
        .contains("destination_forbidden"));
}

/// Commands writing one log at once wait for each other: every entry
/// each reports written is in the log, the log verifies, and no temporary
/// file is left behind (a fixed temporary name and no lock lost entries
/// and tore the file).
#[test]
fn concurrent_actions_on_one_log_lose_nothing() {
    let dir = crate::scratch("act-concurrent");
    let scn = example("ukraine/scenario.toml");
    let log = dir.join("log.jsonl");
    let ids = [
        "sumy-poltava",
        "kharkiv-belgorod",
        "irpin-gomel",
        "mariupol-zaporizhzhia",
    ];
    for round in 0..3 {
        let _ = std::fs::remove_file(&log);
        let children: Vec<_> = ids
            .iter()
            .map(|id| {
                std::process::Command::new(env!("CARGO_BIN_EXE_corridor"))
                    .args(["act", scn.to_str().unwrap(), "--log", log.to_str().unwrap()])
                    .args(["--as", "ua", "--key"])
                    .arg(example("ukraine/keys/ua.key"))
                    .args(["propose", id, "--time", "2022-03-01T08:00:00+02:00"])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().unwrap();
            assert_eq!(
                o.status.code(),
                Some(0),
                "round {round}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        let text = std::fs::read_to_string(&log).unwrap();
        assert_eq!(text.lines().count(), ids.len(), "round {round}:\n{text}");
        for id in ids {
            assert!(
                text.contains(&format!("\"proposal\":\"{id}\"")),
                "{id} lost in round {round}"
            );
        }
        let o = corridor(&[
            "log",
            "verify",
            log.to_str().unwrap(),
            "--scenario",
            scn.to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}

#[test]
fn a_corridor_lives_through_signed_actions_and_the_log_verifies() {
    let dir = crate::scratch("act");
    let scn = example("ukraine/scenario.toml");
    let log = dir.join("log.jsonl");
    let heads = dir.join("heads.jsonl");
    let key = |p: &str| example(&format!("ukraine/keys/{p}.key"));
    let act = |who: &str, keyfile: &str, action: &str, extra: &[&str]| {
        let mut a = vec![
            "act",
            scn.to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
            "--as",
            who,
        ];
        let k = key(keyfile);
        a.extend(["--key", k.to_str().unwrap(), action, "sumy-poltava"]);
        a.extend_from_slice(extra);
        a.extend(["--time", "2022-03-07T20:00:00+02:00"]);
        corridor(&a)
    };
    let ok = |o: Output| {
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    assert!(ok(act("ua", "ua", "propose", &[])).contains("corridor proposed"));
    // The wrong key for the party: refused (14), nothing written.
    let o = act("ru", "ua", "accept", &[]);
    assert_eq!(
        o.status.code(),
        Some(14),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // An answer about another version than the one on the table, or with
    // a malformed version or only the start of one: refused (14) and a bad
    // value (7), nothing written.
    let zeros = "0".repeat(64);
    for (version, code) in [(zeros.as_str(), 14), ("xyz", 7), ("a396e19e5a9c", 7)] {
        let o = act("ru", "ru", "accept", &["--version", version]);
        assert_eq!(o.status.code(), Some(code), "{version}");
    }
    let on_table = |o: &str| {
        let v = o.split("(version ").nth(1).unwrap();
        v[..64].to_string()
    };
    let s = ok(act("ru", "ru", "accept", &[]));
    assert!(s.contains("corridor proposed"));
    let version = on_table(&s);
    // The mediator cannot countersign before every belligerent accepted.
    assert_eq!(
        act("icrc", "icrc", "countersign", &[]).status.code(),
        Some(14)
    );
    assert!(ok(act("ua", "ua", "accept", &["--version", &version])).contains("corridor agreed"));
    // A belligerent cannot countersign.
    assert_eq!(act("ua", "ua", "countersign", &[]).status.code(), Some(14));
    assert!(ok(act("icrc", "icrc", "countersign", &[])).contains("corridor countersigned"));
    assert!(ok(act("zp-admin", "zp-admin", "open", &[])).contains("corridor open"));
    // Open, it is not proposed again (the lifecycle test refuses a new
    // version of an open corridor too: the public was told it is open).
    assert_eq!(act("ua", "ua", "propose", &[]).status.code(), Some(14));
    assert!(ok(act(
        "ru",
        "ru",
        "suspend",
        &["--reason", "shelling reported near the route"]
    ))
    .contains("corridor suspended"));
    assert!(ok(act("icrc", "icrc", "reopen", &[])).contains("corridor open"));
    assert!(ok(act("icrc", "icrc", "complete", &[])).contains("corridor completed"));
    assert_eq!(act("icrc", "icrc", "reopen", &[]).status.code(), Some(14));
    // A signed tree head, then the whole log verified offline. A head of
    // a log that is not there is not signed (exit 3, nothing written).
    let k = key("icrc");
    let head = |of: &Path, time: &str| {
        corridor(&[
            "log",
            "head",
            of.to_str().unwrap(),
            "--scenario",
            scn.to_str().unwrap(),
            "--as",
            "icrc",
            "--key",
            k.to_str().unwrap(),
            "--out",
            heads.to_str().unwrap(),
            "--time",
            time,
        ])
    };
    let o = head(&dir.join("nowhere.jsonl"), "2022-03-08T22:00:00+02:00");
    assert_eq!(o.status.code(), Some(3));
    assert!(!heads.exists());
    ok(head(&log, "2022-03-08T22:00:00+02:00"));
    let verify = || {
        corridor(&[
            "log",
            "verify",
            log.to_str().unwrap(),
            "--scenario",
            scn.to_str().unwrap(),
            "--heads",
            heads.to_str().unwrap(),
        ])
    };
    let s = ok(verify());
    assert!(s.contains("corridor sumy-poltava: completed"), "{s}");
    assert!(s.contains("OK: 8 entries"), "{s}");
    // Proofs print.
    let p: serde_json::Value = serde_json::from_slice(
        &corridor(&["log", "prove", log.to_str().unwrap(), "--entry", "3"]).stdout,
    )
    .unwrap();
    assert_eq!(p["type"], "inclusion");
    let p: serde_json::Value = serde_json::from_slice(
        &corridor(&["log", "prove", log.to_str().unwrap(), "--from", "4"]).stdout,
    )
    .unwrap();
    assert_eq!(p["type"], "consistency");
    // Tampering: Russia's acceptance turned into a rejection → caught, exit 13.
    let text = std::fs::read_to_string(&log).unwrap();
    let forged = text.replacen("\"kind\":\"accept\"", "\"kind\":\"reject\"", 1);
    std::fs::write(&log, &forged).unwrap();
    let o = verify();
    assert_eq!(o.status.code(), Some(13));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("line 2: signature"), "{err}");
    // With --json: one document on standard output, the report.
    let o = corridor(&[
        "log",
        "verify",
        log.to_str().unwrap(),
        "--scenario",
        scn.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(13));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert!(v.to_string().contains("signature"), "{v}");
    // Truncated history: the tree head no longer matches.
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&log, lines[..5].join("\n") + "\n").unwrap();
    let o = verify();
    assert_eq!(o.status.code(), Some(13));
    assert!(String::from_utf8_lossy(&o.stderr).contains("entries were removed"));
}

#[test]
fn the_planning_example_runs() {
    let plan = example("ukraine/plan.toml");
    let out = corridor(&["plan", plan.to_str().unwrap()]);
    let s = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(s.contains("Bottleneck:"), "{s}");
    assert!(s.contains("With one more hour of window"), "{s}");
    assert!(s.contains("checked: no vehicle in two places"), "{s}");
    let out = corridor(&["plan", plan.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["people"], 18700);
    let evacuated = v["evacuated"].as_u64().unwrap();
    assert!(evacuated > 3000 && evacuated < 18700, "{evacuated}");
    // Every loaded leg inside its corridor's window, in local time.
    for l in v["legs"].as_array().unwrap() {
        assert!(l["depart"].as_str().unwrap().ends_with("+02:00"));
    }
    // A bad planning file: the line and the reason, exit 12.
    let dir = crate::scratch("plan");
    let text = std::fs::read_to_string(&plan).unwrap().replace(
        "origin = \"sumy\"\ndestination = \"poltava\"",
        "origin = \"sumy\"\ndestination = \"atlantis\"",
    );
    let text = text.replace(
        "scenario = \"scenario.toml\"",
        &format!(
            "scenario = \"{}\"",
            example("ukraine/scenario.toml").display()
        ),
    );
    let f = dir.join("plan.toml");
    std::fs::write(&f, text).unwrap();
    let out = corridor(&["plan", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(12));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown place `atlantis`") && err.contains("plan.toml:"),
        "{err}"
    );
}

/// Issue 11: an entry earlier than the log's last is refused (exit 14);
/// `log verify` on a log whose times go backwards exits 13 naming the line;
/// opening after the last safe departure is refused with the times; and
/// (issue 12) a log that is not UTF-8 is an invalid log (13), not an
/// unreadable file.
#[test]
fn time_never_goes_backwards_in_the_log() {
    let dir = crate::scratch("time-order");
    let scn = example("ukraine/scenario.toml");
    let log = dir.join("log.jsonl");
    let run = |who: &str, action: &str, time: &str| {
        let k = example(&format!("ukraine/keys/{who}.key"));
        corridor(&[
            "act",
            scn.to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
            "--as",
            who,
            "--key",
            k.to_str().unwrap(),
            action,
            "sumy-poltava",
            "--time",
            time,
        ])
    };
    for (who, a, t) in [
        ("ua", "propose", "2022-03-07T18:00:00+02:00"),
        ("ru", "accept", "2022-03-07T19:10:00+02:00"),
        ("ua", "accept", "2022-03-07T19:25:00+02:00"),
        ("icrc", "countersign", "2022-03-07T20:00:00+02:00"),
    ] {
        let o = run(who, a, t);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{a}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let before = std::fs::read(&log).unwrap();
    let o = run("icrc", "open", "2022-03-07T19:00:00+02:00");
    assert_eq!(o.status.code(), Some(14));
    assert!(String::from_utf8_lossy(&o.stderr).contains("never go backwards"));
    assert_eq!(std::fs::read(&log).unwrap(), before, "nothing written");
    let o = run("icrc", "open", "2022-03-08T20:00:00+02:00");
    assert_eq!(o.status.code(), Some(14));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("last safe departure was 08.03.2022 16:1")
            && err.contains("Europe/Kyiv, UTC+02:00"),
        "{err}"
    );
    // The shipped example log of an older build, with its 7 March entries
    // after 8 March ones, fails verification by line.
    let old = dir.join("backwards.jsonl");
    std::fs::write(&old, include_str!("data/backwards.jsonl")).unwrap();
    let o = corridor(&[
        "log",
        "verify",
        old.to_str().unwrap(),
        "--scenario",
        scn.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(13));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("line 8: time:") && err.contains("line 9: time:"),
        "{err}"
    );
    // Bytes that are not UTF-8: an invalid log, by line.
    let mut bytes = before.clone();
    let second = bytes.iter().position(|&b| b == b'\n').unwrap() + 5;
    bytes[second] = 0xff;
    let bad = dir.join("not-utf8.jsonl");
    std::fs::write(&bad, bytes).unwrap();
    let o = corridor(&[
        "log",
        "verify",
        bad.to_str().unwrap(),
        "--scenario",
        scn.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(13));
    assert!(String::from_utf8_lossy(&o.stderr).contains("line 2: malformed: not UTF-8"));
}
