//! `corridor publish` on the examples: the folder it writes.

use std::path::PathBuf;
use std::process::Command;

fn root(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

#[test]
fn publish_writes_the_folder_for_the_examples() {
    let dir = crate::scratch("publish").join("out");
    let s = root("examples/ukraine/scenario.toml");
    let l = root("examples/ukraine/log.jsonl");
    let key = crate::scratch("publisher").join("key");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_corridor"))
            .args(args)
            .output()
            .unwrap()
    };
    let (sp, lp, dp, kp) = (
        s.to_str().unwrap(),
        l.to_str().unwrap(),
        dir.to_str().unwrap(),
        key.to_str().unwrap(),
    );
    // A publisher folder given by name must exist: a typo never makes a key
    // nobody has pinned.
    let typo = run(&["publish", sp, "--log", lp, "--out", dp, "--publisher", kp]);
    assert_eq!(
        typo.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&typo.stderr)
    );
    let made = run(&[
        "keygen",
        "--publisher",
        kp,
        "--name",
        "Red Cross, Kyiv office",
    ]);
    assert_eq!(
        made.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert!(String::from_utf8_lossy(&made.stdout).contains("fingerprint = "));
    // Never over an existing key; never inside the published folder.
    assert_eq!(run(&["keygen", "--publisher", kp]).status.code(), Some(3));
    let inside = dir.join("key");
    let r = run(&[
        "publish",
        sp,
        "--log",
        lp,
        "--out",
        dp,
        "--publisher",
        inside.to_str().unwrap(),
    ]);
    assert_eq!(
        r.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_corridor"))
        .args([
            "publish",
            s.to_str().unwrap(),
            "--log",
            l.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
            "--publisher",
            kp,
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let caps: Vec<PathBuf> = std::fs::read_dir(dir.join("cap"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(caps.len(), 4, "opened, suspended, reopened, closed");
    // The publisher's key signs every alert; its certificate is published.
    let cert = std::fs::read_to_string(dir.join("publisher.crt")).unwrap();
    assert_eq!(
        cert,
        std::fs::read_to_string(key.join("publisher.crt")).unwrap()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(key.join("publisher.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the key is its owner's only");
    }
    for c in &caps {
        corridor_xmldsig::verify(&std::fs::read_to_string(c).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", c.display()));
    }
    // Every alert the CLI wrote validates against the OASIS schema
    // (xmllint, an independent validator; CI installs it).
    if std::env::var_os("CI").is_some() || Command::new("xmllint").arg("--version").output().is_ok()
    {
        let v = Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(root("data/standards/CAP-v1.2-schema.xsd"))
            .args(&caps)
            .output()
            .expect("xmllint runs");
        let err = String::from_utf8_lossy(&v.stderr);
        assert!(
            v.status.success() && err.matches("validates").count() == caps.len(),
            "{err}"
        );
    }
    // Atom: newest first, each entry linking to a CAP file that exists.
    let atom = std::fs::read_to_string(dir.join("alerts.atom")).unwrap();
    let updated: Vec<&str> = atom
        .split("<entry>")
        .skip(1)
        .map(|e| {
            e.split("<updated>")
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
        })
        .collect();
    let mut sorted = updated.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(updated, sorted);
    for href in atom.split("type=\"application/cap+xml\" href=\"").skip(1) {
        let url = href.split('"').next().unwrap();
        let file = url.rsplit("public/").next().unwrap();
        assert!(dir.join(file).exists(), "{url}");
    }
    // GeoJSON: the corridor as lon,lat, its status and window; hazards
    // with counter-clockwise outer rings.
    let g: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("corridors.geojson")).unwrap())
            .unwrap();
    let fs = g["features"].as_array().unwrap();
    let corridor = fs
        .iter()
        .find(|f| f["properties"]["kind"] == "corridor")
        .unwrap();
    assert_eq!(corridor["properties"]["status"], "closed");
    assert_eq!(
        corridor["properties"]["window_start"],
        "2022-03-08T09:00:00+02:00"
    );
    let first = &corridor["geometry"]["coordinates"][0];
    assert!(
        (first[0].as_f64().unwrap() - 34.799).abs() < 0.01,
        "lon first: {first}"
    );
    assert!(fs.iter().any(|f| f["properties"]["kind"] == "hazard"));
    assert!(fs
        .iter()
        .any(|f| f["properties"]["kind"] == "gathering_point"));
    // SMS and cell broadcasts per language and event; what they cost, and
    // no warning for the example: every SMS fits one segment.
    let sms: Vec<_> = std::fs::read_dir(dir.join("sms")).unwrap().collect();
    assert_eq!(sms.len(), 12);
    let cbs: Vec<_> = std::fs::read_dir(dir.join("cbs")).unwrap().collect();
    assert_eq!(cbs.len(), 12);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("SMS: 12 text(s), each one segment; cell broadcast: 12 text(s)"),
        "{said}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("warning"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let uk = std::fs::read_to_string(dir.join("sms/sumy-poltava-6-uk.txt")).unwrap();
    assert_eq!(
        uk,
        "Коридор Суми→Полтава ВІДКРИТО 08.03 09:00-21:00 UTC+2, виїзд до 16:10"
    );
    let page = std::fs::read_to_string(dir.join("cbs/sumy-poltava-6-en.txt")).unwrap();
    assert!(
        page.starts_with("# Cell broadcast (3GPP TS 23.041): 5 page(s), GSM 7-bit"),
        "{page}"
    );
    assert!(dir.join("index.html").exists());
}

/// Issue 14: an SMS that no form of its template fits in one segment is
/// published with a warning that names the file and the count (on stderr,
/// and in `--json`), never silently; a place with no Russian name is a
/// warning of the scenario check.
#[test]
fn publish_warns_of_an_sms_over_one_segment_and_of_a_missing_name() {
    let dir = crate::scratch("publish-warn");
    let example = root("examples/ukraine");
    let text = std::fs::read_to_string(example.join("scenario.toml"))
        .unwrap()
        .replace("../../data/", &format!("{}/", root("data").display()))
        .replace("\"hazards.geojson\"", &format!("\"{}\"", example.join("hazards.geojson").display()))
        .replace(
            "id = \"sumy\"\ntown = \"Sumy\"",
            "id = \"sumy\"\ntown = \"Sumy\"\nname_uk = \"Суми, Покровська площа біля колишнього кінотеатру\"",
        )
        .replace("name_uk = \"Гомель\"\nname_ru = \"Гомель\"", "name_uk = \"Гомель\"");
    let s = dir.join("scenario.toml");
    std::fs::write(&s, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_corridor"))
        .args(["publish", s.to_str().unwrap(), "--log"])
        .arg(example.join("log.jsonl"))
        .arg("--out")
        .arg(dir.join("public"))
        .arg("--json")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("destination `gomel` has no Russian name"),
        "{err}"
    );
    assert!(
        err.contains("warning: sms/sumy-poltava-6-uk.txt: the SMS takes 2 segments"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let over: Vec<&serde_json::Value> = v["sms"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["segments"].as_u64().unwrap() > 1)
        .collect();
    assert!(!over.is_empty());
    assert_eq!(v["warnings"].as_array().unwrap().len(), over.len(), "{v}");
    for c in over {
        assert_eq!(c["encoding"], "UCS-2");
        assert!(err.contains(c["path"].as_str().unwrap()), "{err}");
    }
}
