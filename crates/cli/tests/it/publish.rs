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
    let dir = std::env::temp_dir().join(format!("corridor-publish-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let s = root("examples/ukraine/scenario.toml");
    let l = root("examples/ukraine/log.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_corridor"))
        .args([
            "publish",
            s.to_str().unwrap(),
            "--log",
            l.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
            "--publisher",
            dir.join("key").to_str().unwrap(),
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
    // A publisher key was made on first use, and signs every alert.
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("made a new publisher key"), "{said}");
    let cert = std::fs::read_to_string(dir.join("publisher.crt")).unwrap();
    assert_eq!(
        cert,
        std::fs::read_to_string(dir.join("key/publisher.crt")).unwrap()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("key/publisher.key"))
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
    // SMS per language and event.
    let sms: Vec<_> = std::fs::read_dir(dir.join("sms")).unwrap().collect();
    assert_eq!(sms.len(), 12);
    assert!(dir.join("index.html").exists());
}
