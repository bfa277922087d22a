//! Parity (issue 11): a corridor's life driven through the server's API
//! (propose, accept, countersign, open, an incident, a lift), then the log
//! exported and published with the CLI: every public file (each CAP alert,
//! Atom, GeoJSON, each SMS) is byte-identical to what the server serves,
//! and `corridor log verify --heads` accepts `/api/log/head` as it comes.
//! On SQLite, and on PostgreSQL where `.ci/run` started one.

use crate::server::{example, free_port, http, start_with, tokens};
use std::path::Path;

fn drive_and_compare(name: &str, database: Option<&str>) {
    let dir = crate::scratch(name);
    let data = dir.join("data");
    let scn = example("ukraine/scenario.toml");
    let port = free_port();
    let more: Vec<&str> = database.map(|u| vec!["--database", u]).unwrap_or_default();
    let _server = crate::server::Server(start_with(&data, port, &scn, &more));
    let tok = tokens(&data);
    let post = |who: &str, path: &str, body: &str| {
        let (s, b) = http(port, "POST", path, Some(&tok[who]), body).expect("server answers");
        assert_eq!(s, 200, "{who} {path} {body}: {b}");
        serde_json::from_str::<serde_json::Value>(&b).unwrap()
    };
    let act = |who: &str, a: &str| {
        post(
            who,
            "/api/act",
            &format!("{{\"action\":\"{a}\",\"proposal\":\"sumy-poltava\"}}"),
        )
    };
    act("ua", "propose");
    act("ru", "accept");
    act("ua", "accept");
    act("icrc", "countersign");
    act("zp-admin", "open");
    // An incident on the route: a point of the line on the table.
    let (_, log) = http(port, "GET", "/api/log", None, "").unwrap();
    let propose: serde_json::Value = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["entry"]["kind"] == "propose")
        .unwrap();
    let g = propose["entry"]["body"]["content"]["route"]["geometry"]
        .as_array()
        .unwrap();
    let (a, b) = (&g[0], &g[1]);
    let mid = |i: usize| (a[i].as_f64().unwrap() + b[i].as_f64().unwrap()) / 2e6;
    let at = format!("{:.5},{:.5}", mid(0), mid(1));
    let inc = post(
        "ru",
        "/api/incidents",
        &format!("{{\"kind\":\"shelling\",\"at\":\"{at}\",\"radius_m\":3000,\"description\":\"artillery\"}}"),
    );
    assert_eq!(
        inc["suspended"],
        serde_json::json!(["sumy-poltava"]),
        "{inc}"
    );
    let hazard = inc["hazard"].as_str().unwrap().to_string();
    post("ru", &format!("/api/hazards/{hazard}/lift"), "");
    // A hazard that stays in force: both publishers must show it.
    post(
        "ua",
        "/api/hazards",
        "{\"id\":\"mines-okhtyrka\",\"kind\":\"mines\",\"at\":\"50.31,34.90\",\"radius_m\":200}",
    );
    // Export the log and the signed head as they come.
    let (s, log) = http(port, "GET", "/api/log", None, "").unwrap();
    assert_eq!(s, 200);
    let (s, head) = http(port, "GET", "/api/log/head", None, "").unwrap();
    assert_eq!(s, 200);
    let log_file = dir.join("log.jsonl");
    let head_file = dir.join("head.json");
    std::fs::write(&log_file, &log).unwrap();
    std::fs::write(&head_file, &head).unwrap();
    let out = crate::corridor(&[
        "log",
        "verify",
        log_file.to_str().unwrap(),
        "--scenario",
        scn.to_str().unwrap(),
        "--heads",
        head_file.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("1 tree head(s) checked"), "{said}");
    // Publish with the CLI, pointing where the server serves.
    let public = dir.join("public");
    let base = format!("http://127.0.0.1:{port}/public/");
    let out = crate::corridor(&[
        "publish",
        scn.to_str().unwrap(),
        "--log",
        log_file.to_str().unwrap(),
        "--out",
        public.to_str().unwrap(),
        "--base-url",
        &base,
        "--publisher",
        data.join("publisher").to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut compared = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for f in walk(&public) {
        let rel = f
            .strip_prefix(&public)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let (s, served) = http(port, "GET", &format!("/public/{rel}"), None, "").unwrap();
        assert_eq!(s, 200, "/public/{rel}");
        let written = std::fs::read_to_string(&f).unwrap();
        assert!(
            served == written,
            "/public/{rel} differs from `corridor publish`"
        );
        compared += 1;
        kinds.insert(rel.split('/').next().unwrap().to_string());
    }
    // Opened, suspended: two CAP alerts (signed with the server's own
    // publisher key, made at its first start), six SMS, Atom, GeoJSON, the
    // index, the publisher's certificate.
    assert_eq!(compared, 2 + 6 + 4, "{kinds:?}");
    for f in walk(&public.join("cap")) {
        let xml = std::fs::read_to_string(&f).unwrap();
        corridor_xmldsig::verify(&xml).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    }
    let geo = std::fs::read_to_string(public.join("corridors.geojson")).unwrap();
    assert!(geo.contains("\"status\": \"suspended\""), "{geo}");
    assert!(geo.contains("hazard:mines-okhtyrka"), "{geo}");
    assert!(
        !geo.contains(&format!("hazard:{hazard}\"")),
        "lifted: {geo}"
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn the_same_log_publishes_the_same_bytes_from_the_server_and_the_cli_on_sqlite() {
    drive_and_compare("parity-sqlite", None);
}

#[test]
fn the_same_log_publishes_the_same_bytes_from_the_server_and_the_cli_on_postgresql() {
    let Ok(url) = std::env::var("CORRIDOR_TEST_PG") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CORRIDOR_TEST_PG is not set in CI: .ci/run starts PostgreSQL"
        );
        eprintln!("CORRIDOR_TEST_PG not set: PostgreSQL parity skipped");
        return;
    };
    // An empty database (no other test of this binary uses it).
    let pg = corridor_server::store::Postgres::connect(&url).expect("PostgreSQL");
    pg.reset().unwrap();
    drop(pg);
    drive_and_compare("parity-pg", Some(&url));
}
