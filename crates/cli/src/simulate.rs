//! `corridor simulate`: a convoy driving an open corridor, as its tracker
//! would report it, fed to a server.
//!
//! The agreed line comes from the server's public GeoJSON; the track
//! (`corridor_negotiation::convoy::simulate`) has Gaussian GPS noise and
//! the detour, stop and delay asked for; batches go to
//! `POST /api/convoys/ID/positions` with the convoy's tracker token, and
//! the events the server raises are printed as they come back.

use crate::exit::{self, Failure};
use anyhow::anyhow;
use clap::Args;
use corridor_geo::LatLon;
use corridor_negotiation::convoy::{simulate, RouteLine, SimOptions};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

#[derive(Args)]
#[command(after_long_help = "\
Example (the README's walk-through): once a convoy is notified on the open
corridor now-altstadt, acknowledged by every belligerent and marked departed
inside its window, with the tracker token the notification returned (in real
time: the off-route event comes about a minute after the start):

  corridor simulate --server http://127.0.0.1:8080 --corridor now-altstadt \\
      --convoy cv-… --token TRACKER --detour --detour-at 0.1 --detour-minutes 1

Times: with --speedup 1 every fix is stamped when it is sent. With a speedup,
the whole trip is stamped as if it had started one trip-length ago and ends
now, so that no fix is ever in the server's future; it is sent that many times
faster. The server's checks use the fixes' own times, so a detour of three
minutes is a detour of three minutes however fast it is replayed; but such a
replay's fixes (and events) carry times before the departure mark.

A 429 answer is sent again after 2 s (five times at most). Exit codes: 0 done;
2 the options do not parse (clap's usage message, no JSON); 3 the server
cannot be reached or answered an error, or the --plan file cannot be read;
4 the --plan file is not a plan's JSON; 7 a bad option value (--server not
http://HOST:PORT, a fraction out of 0..1, no leg in the plan) or a batch
the server refused as malformed (400); 14 refused: not this convoy's token,
not departed, or over (401, 403, 404, 409). With --json, once the options
parse, the document is printed in every case, with `error` and `exit_code`
on failure and the events raised until then. The events printed include
those that a change of the log raised since the last batch (a hazard ahead,
the corridor suspended), which the server gives back with the next answer.")]
pub struct SimulateArgs {
    /// The server (http:// only), e.g. http://127.0.0.1:8080.
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// The corridor driven (must be published: open, or once opened).
    #[arg(long, value_name = "ID")]
    pub corridor: String,
    /// The convoy, as `POST /api/convoys` named it.
    #[arg(long, value_name = "ID")]
    pub convoy: String,
    /// The convoy's tracker token (returned once by the notification).
    #[arg(long, value_name = "TOKEN")]
    pub token: String,
    /// Cruising speed, km/h.
    #[arg(long, allow_negative_numbers = true, default_value_t = 40.0)]
    pub speed_kmh: f64,
    /// Seconds between two fixes of the tracker.
    #[arg(long, allow_negative_numbers = true, default_value_t = 5.0)]
    pub interval_s: f64,
    /// GPS noise: standard deviation per axis, metres.
    #[arg(long, allow_negative_numbers = true, default_value_t = 20.0)]
    pub noise_m: f64,
    /// Fixes sent in one request (a tracker on a poor link sends several).
    /// Raised as needed so that at most 5 requests a second are sent (the
    /// server takes 600 a minute per convoy).
    #[arg(long, allow_negative_numbers = true, default_value_t = 1)]
    pub batch: usize,
    /// Leave the agreed road: drive alongside it, up to --detour-m away,
    /// for --detour-minutes, from --detour-at of the way.
    #[arg(long)]
    pub detour: bool,
    /// Fraction of the way where the detour starts.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.4)]
    pub detour_at: f64,
    /// How far from the road the detour goes, metres.
    #[arg(long, allow_negative_numbers = true, default_value_t = 600.0)]
    pub detour_m: f64,
    /// How long the detour lasts, minutes (longer if it could not go out
    /// and back at the convoy's speed: no vehicle leaps sideways).
    #[arg(long, allow_negative_numbers = true, default_value_t = 3.0)]
    pub detour_minutes: f64,
    /// Stand still for this many minutes at --stop-at of the way.
    #[arg(long, allow_negative_numbers = true, value_name = "MINUTES")]
    pub stop_minutes: Option<f64>,
    /// Fraction of the way where the stop is made.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.5)]
    pub stop_at: f64,
    /// Arrive this many minutes late: from --delay-at of the way on, drive
    /// slower by as much.
    #[arg(long, allow_negative_numbers = true, value_name = "MINUTES")]
    pub delay_minutes: Option<f64>,
    /// Fraction of the way where the delay starts.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.3)]
    pub delay_at: f64,
    /// Replay this many times faster than real time (1 to 10000).
    #[arg(long, allow_negative_numbers = true, default_value_t = 1.0)]
    pub speedup: f64,
    /// Seed of the noise (the same seed, the same track).
    #[arg(long, allow_negative_numbers = true, default_value_t = 1)]
    pub seed: u64,
    /// Drive a trip of an evacuation plan: the JSON that `corridor plan
    /// --json` prints (or `POST /api/plan` answers). Its first loaded leg
    /// on --corridor (of --vehicle, if given) sets the speed, so that the
    /// trip takes as long as the plan says (instead of --speed-kmh).
    #[arg(long, value_name = "FILE")]
    pub plan: Option<std::path::PathBuf>,
    /// With --plan: the vehicle whose leg is driven.
    #[arg(long, value_name = "ID", requires = "plan")]
    pub vehicle: Option<String>,
    /// Print one JSON document at the end instead of lines as it goes.
    #[arg(long)]
    pub json: bool,
}

/// A minimal HTTP/1.1 client for `http://host:port`: one request per
/// connection.
fn request(
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Result<(u16, String), String> {
    let rest = base
        .strip_prefix("http://")
        .ok_or_else(|| format!("--server: `{base}` is not an http:// URL"))?;
    let host = rest.trim_end_matches('/');
    if host.is_empty() || host.contains('/') {
        return Err(format!("--server: `{base}` is not http://HOST:PORT"));
    }
    let addr = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:80")
    };
    let mut s = std::net::TcpStream::connect(&addr).map_err(|e| format!("{addr}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let body = body.unwrap_or("");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())
        .and_then(|_| s.write_all(body.as_bytes()))
        .map_err(|e| format!("{addr}: {e}"))?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)
        .map_err(|e| format!("{addr}: {e}"))?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("{addr}: not an HTTP answer"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("{addr}: not an HTTP answer"))?;
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase()
            .starts_with("transfer-encoding: chunked")
    });
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    Ok((status, body))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

fn fail(code: u8, m: impl std::fmt::Display) -> Failure {
    Failure::new(code, anyhow!("{m}"))
}

/// The agreed line of `corridor` from the server's public GeoJSON.
fn line_of(server: &str, corridor: &str) -> Result<RouteLine, Failure> {
    let (status, body) = request(server, "GET", "/public/corridors.geojson", None, None)
        .map_err(|e| fail(exit::IO, e))?;
    if status != 200 {
        return Err(fail(
            exit::IO,
            format!("{server}: /public/corridors.geojson answered {status}"),
        ));
    }
    let v: Value = serde_json::from_str(&body).map_err(|e| fail(exit::IO, e))?;
    let want = format!("corridor:{corridor}");
    let f = v["features"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["id"] == want.as_str()))
        .ok_or_else(|| {
            fail(
                exit::BAD_VALUE,
                format!("--corridor: `{corridor}` is not published on {server} (is it open?)"),
            )
        })?;
    let pts: Vec<LatLon> = f["geometry"]["coordinates"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| Some(LatLon::new(c[1].as_f64()?, c[0].as_f64()?)))
        .collect();
    RouteLine::new(pts).ok_or_else(|| {
        fail(
            exit::BAD_VALUE,
            format!("corridor `{corridor}` has no line"),
        )
    })
}

/// `corridor simulate`. With --json a failure is a JSON document too
/// (with the events raised until then when it came while feeding).
pub fn simulate_cmd(a: SimulateArgs) -> Result<(), Failure> {
    let json = a.json;
    let mut printed = false;
    let r = run(a, &mut printed);
    if let (Err(f), true, false) = (&r, json, printed) {
        println!(
            "{}",
            json!({"error": format!("{:#}", f.error), "exit_code": f.code, "events": []})
        );
    }
    // Written here, or with the events while feeding.
    r.map_err(|f| if json { f.json_written() } else { f })
}

fn run(a: SimulateArgs, printed: &mut bool) -> Result<(), Failure> {
    let host = a.server.strip_prefix("http://").unwrap_or("");
    if host.is_empty() || host.trim_end_matches('/').contains('/') {
        return Err(fail(
            exit::BAD_VALUE,
            format!(
                "--server: `{}` is not http://HOST:PORT (http only)",
                a.server
            ),
        ));
    }
    let frac = |name: &str, x: f64| {
        if (0.0..=1.0).contains(&x) {
            Ok(x)
        } else {
            Err(fail(
                exit::BAD_VALUE,
                format!("--{name}: a fraction of the way, 0 to 1"),
            ))
        }
    };
    frac("detour-at", a.detour_at)?;
    frac("stop-at", a.stop_at)?;
    frac("delay-at", a.delay_at)?;
    if !(1.0..=10_000.0).contains(&a.speedup) {
        return Err(fail(exit::BAD_VALUE, "--speedup: 1 to 10000"));
    }
    if !(1.0..=200.0).contains(&a.speed_kmh) || !(0.5..=600.0).contains(&a.interval_s) {
        return Err(fail(
            exit::BAD_VALUE,
            "--speed-kmh: 1 to 200; --interval-s: 0.5 to 600",
        ));
    }
    if !(0.0..=500.0).contains(&a.noise_m) || !(1..=500).contains(&a.batch) {
        return Err(fail(
            exit::BAD_VALUE,
            "--noise-m: 0 to 500; --batch: 1 to 500",
        ));
    }
    let line = line_of(&a.server, &a.corridor)?;
    let mut a = a;
    if let Some(p) = &a.plan {
        let (vehicle, kmh) = plan_speed(p, &a.corridor, a.vehicle.as_deref(), line.length_m())?;
        if !a.json {
            println!("driving the plan's leg of vehicle {vehicle}: {kmh:.1} km/h");
        }
        a.speed_kmh = kmh;
    }
    let a = a;
    let v = a.speed_kmh / 3.6;
    let delay = a.delay_minutes.map(|m| {
        let rem = (1.0 - a.delay_at) * line.length_m() / v;
        (a.delay_at, rem / (rem + m.max(0.0) * 60.0))
    });
    let o = SimOptions {
        speed_kmh: a.speed_kmh,
        interval_s: a.interval_s,
        noise_m: a.noise_m,
        detour: a
            .detour
            .then_some((a.detour_at, a.detour_m, a.detour_minutes * 60.0)),
        stop: a.stop_minutes.map(|m| (a.stop_at, m * 60.0)),
        delay,
        seed: a.seed,
    };
    let now = chrono::Utc::now().timestamp_millis();
    let probe = simulate(&line, &o, 0);
    let trip_ms = probe.last().map_or(0, |f| f.t_ms);
    let start = if a.speedup > 1.0 { now - trip_ms } else { now };
    let track = simulate(&line, &o, start);
    if !a.json {
        println!(
            "simulating convoy {} on {}: {:.1} km, {} fixes every {} s, noise {} m, {}x real time ({:.0} s)",
            a.convoy,
            a.corridor,
            line.length_m() / 1000.0,
            track.len(),
            a.interval_s,
            a.noise_m,
            a.speedup,
            trip_ms as f64 / 1000.0 / a.speedup
        );
    }
    let path = format!("/api/convoys/{}/positions", a.convoy);
    let per = a
        .batch
        .max((a.speedup / (a.interval_s * 5.0)).ceil() as usize)
        .min(500);
    let began = Instant::now();
    let mut events = Vec::new();
    let mut sent = 0usize;
    let result = feed(&a, &path, &track, per, start, began, &mut events, &mut sent);
    if a.json {
        // Whatever happened, the events raised so far, and the error if any
        // (its exit code too), as one document.
        let mut doc = json!({"convoy": a.convoy, "corridor": a.corridor, "fixes": sent,
               "length_m": line.length_m().round(), "seconds": began.elapsed().as_secs_f64(),
               "events": events});
        if let Err(f) = &result {
            doc["error"] = json!(format!("{:#}", f.error));
            doc["exit_code"] = json!(f.code);
        }
        println!("{doc}");
        *printed = true;
    } else if result.is_ok() {
        println!(
            "sent {sent} fixes in {:.1} s; {} events",
            began.elapsed().as_secs_f64(),
            events.len()
        );
    }
    result
}

/// From a plan's JSON: the vehicle and the speed (km/h) of its first
/// loaded leg on `corridor` (of `vehicle` if given), so that a route of
/// `length_m` takes as long as the leg.
fn plan_speed(
    file: &std::path::Path,
    corridor: &str,
    vehicle: Option<&str>,
    length_m: f64,
) -> Result<(String, f64), Failure> {
    let bad = |m: String| fail(exit::BAD_FILE, format!("{}: {m}", file.display()));
    let text = crate::files::read_text(file, "plan")?;
    let v: Value = serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let legs = v["legs"]
        .as_array()
        .ok_or_else(|| bad("no `legs`: not the JSON of `corridor plan --json`".into()))?;
    let leg = legs
        .iter()
        .find(|l| {
            l["corridor"] == corridor
                && l["loaded"] == true
                && vehicle.is_none_or(|w| l["vehicle"] == w)
        })
        .ok_or_else(|| {
            fail(
                exit::BAD_VALUE,
                format!(
                    "{}: no loaded leg on `{corridor}`{}",
                    file.display(),
                    vehicle.map_or(String::new(), |w| format!(" for vehicle `{w}`"))
                ),
            )
        })?;
    let t = |k: &str| {
        leg[k]
            .as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .ok_or_else(|| bad(format!("a leg's `{k}` is not an RFC 3339 time")))
    };
    let secs = (t("arrive")? - t("depart")?).num_seconds();
    if secs <= 0 {
        return Err(bad("a leg arrives before it departs".into()));
    }
    let kmh = (length_m / secs as f64 * 3.6).clamp(1.0, 200.0);
    Ok((leg["vehicle"].as_str().unwrap_or("?").to_string(), kmh))
}

/// Tries a 429 answer again after this long, this many times.
const RETRY_AFTER_429: Duration = Duration::from_secs(2);
const RETRIES_429: usize = 5;

/// Sends `track` in batches of `per` as each is due; collects the events
/// the server raised and counts the fixes taken.
#[allow(clippy::too_many_arguments)]
fn feed(
    a: &SimulateArgs,
    path: &str,
    track: &[corridor_negotiation::convoy::Fix],
    per: usize,
    start: i64,
    began: Instant,
    events: &mut Vec<Value>,
    sent: &mut usize,
) -> Result<(), Failure> {
    for chunk in track.chunks(per) {
        let last = chunk.last().expect("chunks are never empty");
        // Send when the last fix of the batch is due.
        let due =
            Duration::from_secs_f64(((last.t_ms - start) as f64 / 1000.0 / a.speedup).max(0.0));
        if let Some(wait) = due.checked_sub(began.elapsed()) {
            std::thread::sleep(wait);
        }
        let fixes: Vec<Value> = chunk
            .iter()
            .map(|f| {
                json!({"time": corridor_server::convoys::rfc3339(f.t_ms),
                       "lat": (f.at.lat * 1e6).round() / 1e6, "lon": (f.at.lon * 1e6).round() / 1e6})
            })
            .collect();
        let body = json!({ "positions": fixes }).to_string();
        let mut tries = 0;
        let (status, answer) = loop {
            let (status, answer) = request(&a.server, "POST", path, Some(&a.token), Some(&body))
                .map_err(|e| fail(exit::IO, e))?;
            // Too many batches: wait and send again, as a tracker would.
            if status == 429 && tries < RETRIES_429 {
                tries += 1;
                tracing::warn!("429 from the server: sending again in {RETRY_AFTER_429:?}");
                std::thread::sleep(RETRY_AFTER_429);
                continue;
            }
            break (status, answer);
        };
        if status != 200 {
            let msg = serde_json::from_str::<Value>(&answer)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_string))
                .unwrap_or(answer);
            return Err(fail(
                match status {
                    400 | 413 => exit::BAD_VALUE,
                    401 | 403 | 404 | 409 => exit::REFUSED,
                    _ => exit::IO,
                },
                format!("the server answered {status}: {msg}"),
            ));
        }
        *sent += chunk.len();
        let v: Value = serde_json::from_str(&answer).map_err(|e| fail(exit::IO, e))?;
        for e in v["events"].as_array().into_iter().flatten() {
            if !a.json {
                println!(
                    "  {}  {} {}: {}  ({:.1} km along)",
                    e["time"].as_str().unwrap_or(""),
                    if e["raised"] == true {
                        "RAISED "
                    } else {
                        "cleared"
                    },
                    e["kind"].as_str().unwrap_or(""),
                    e["detail"].as_str().unwrap_or(""),
                    v["along_m"].as_f64().unwrap_or(0.0) / 1000.0
                );
            }
            events.push(e.clone());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plans_leg_sets_the_speed_and_bad_plans_are_named() {
        let dir = std::env::temp_dir().join(format!("corridor-sim-plan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("plan.json");
        std::fs::write(
            &f,
            r#"{"legs":[
              {"vehicle":"bus-1","corridor":"a-b","loaded":false,"depart":"2022-03-08T09:00:00+02:00","arrive":"2022-03-08T09:30:00+02:00"},
              {"vehicle":"bus-2","corridor":"a-b","loaded":true,"depart":"2022-03-08T10:00:00+02:00","arrive":"2022-03-08T10:30:00+02:00"},
              {"vehicle":"bus-3","corridor":"a-b","loaded":true,"depart":"2022-03-08T10:00:00+02:00","arrive":"2022-03-08T11:00:00+02:00"}]}"#,
        )
        .unwrap();
        // 20 km in half an hour: 40 km/h; the empty leg is skipped.
        let (v, kmh) = plan_speed(&f, "a-b", None, 20_000.0).unwrap();
        assert_eq!(v, "bus-2");
        assert!((kmh - 40.0).abs() < 1e-9, "{kmh}");
        let (v, kmh) = plan_speed(&f, "a-b", Some("bus-3"), 20_000.0).unwrap();
        assert_eq!((v.as_str(), kmh.round()), ("bus-3", 20.0));
        assert_eq!(
            plan_speed(&f, "c-d", None, 1.0).unwrap_err().code,
            exit::BAD_VALUE
        );
        std::fs::write(&f, "{}").unwrap();
        assert_eq!(
            plan_speed(&f, "a-b", None, 1.0).unwrap_err().code,
            exit::BAD_FILE
        );
        std::fs::write(&f, "not json").unwrap();
        assert_eq!(
            plan_speed(&f, "a-b", None, 1.0).unwrap_err().code,
            exit::BAD_FILE
        );
        // Review: the plan was read with no check, so `--plan /dev/zero`
        // read until memory ran out.
        #[cfg(unix)]
        {
            let e = plan_speed(std::path::Path::new("/dev/zero"), "a-b", None, 1.0).unwrap_err();
            assert_eq!(e.code, exit::BAD_FILE);
            assert!(
                e.error.to_string().contains("not a regular file"),
                "{}",
                e.error
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
