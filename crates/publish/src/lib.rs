//! Telling the public. From a scenario and its public log, every status
//! change of every corridor becomes:
//!
//! * an OASIS CAP 1.2 alert ([`cap`]) with one `info` block per language
//!   (Ukrainian, Russian, English), the corridor as a polygon and the
//!   gathering point as a circle, and parameters tying it to the log entry;
//! * an entry of an Atom feed ([`atom`]), newest first, linking to the CAP
//!   document;
//! * SMS text per language ([`sms`]), counted in GSM-7 or UCS-2 segments;
//!
//! and the corridors in force, the hazards and the gathering points become
//! one GeoJSON FeatureCollection ([`geojson`]). [`publish`] returns them as
//! files for a static folder: the way public information scales to millions
//! of readers.
//!
//! Texts come from Fluent templates in `locales/` ([`lang`]).
//!
//! **Architecture invariant:** no IO; every output is a pure function of
//! the ledger (the scenario and the log), so the same log always publishes
//! the same bytes, whether the CLI or the server publishes it.
#![deny(missing_docs)]

pub mod atom;
pub mod cap;
pub mod events;
pub mod geojson;
pub mod lang;
pub mod sms;

pub use events::{events, Event, Kind};

use corridor_ledger::Ledger;
use corridor_negotiation::Scenario;

/// One published file: a path relative to the folder, and its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// Relative path (`/`-separated).
    pub path: String,
    /// Content.
    pub text: String,
}

/// Where the folder will be served from, and who sends the alerts.
#[derive(Clone, Debug)]
pub struct Site {
    /// Base URL of the published folder, ending in `/`.
    pub base_url: String,
    /// CAP `sender` (an e-mail-like identifier of the publishing office).
    pub sender: String,
    /// Human name of the sender, for `senderName`.
    pub sender_name: String,
    /// The publisher's key and certificate: every CAP alert then carries an
    /// enveloped XML-DSig signature (CAP 1.2 §3.3.2.1). `None` publishes
    /// unsigned alerts, which strict alert hubs refuse.
    pub signer: Option<corridor_xmldsig::Signer>,
}

/// Everything to publish from the ledger: CAP alerts, the Atom feed,
/// GeoJSON, SMS texts and an index page. The scenario is the one in force
/// (the exercise clock applied, reported hazards in, lifted ones out).
pub fn publish(ledger: &Ledger, site: &Site) -> Vec<File> {
    let scn = ledger.scenario();
    let texts = lang::Texts::new();
    let evs = events(ledger);
    let mut alerts = cap::alerts(scn, &evs, site, &texts);
    if let Some(signer) = &site.signer {
        for a in &mut alerts {
            // Our own CAP documents are always in the subset the signer
            // canonicalizes (default namespace, no attributes, text); the
            // publishing tests sign and verify every alert they make.
            a.xml = signer
                .sign(&a.xml)
                .expect("a CAP alert written by cap::alerts can be signed");
        }
    }
    let mut files: Vec<File> = alerts
        .iter()
        .map(|a| File {
            path: format!("cap/{}.xml", a.file_stem()),
            text: a.xml.clone(),
        })
        .collect();
    if let Some(signer) = &site.signer {
        // What alert hubs pin to trust these alerts.
        files.push(File {
            path: "publisher.crt".into(),
            text: signer.certificate_pem(),
        });
    }
    files.push(File {
        path: "alerts.atom".into(),
        text: atom::feed(scn, &alerts, site),
    });
    files.push(File {
        path: "corridors.geojson".into(),
        text: geojson::collection(scn, &evs),
    });
    for e in evs.iter() {
        for l in lang::Lang::ALL {
            let text = sms::text(scn, e, l, &texts);
            let seg = sms::segments(&text);
            files.push(File {
                path: format!("sms/{}-{}-{}.txt", e.corridor, e.seq, l.code()),
                text: format!("{text}\n"),
            });
            let _ = seg;
        }
    }
    files.push(File {
        path: "index.html".into(),
        text: index(scn, &alerts),
    });
    files
}

fn esc(s: &str) -> String {
    cap::escape(s)
}

/// A plain page listing what was published (the web map is the server's).
fn index(scn: &Scenario, alerts: &[cap::Alert]) -> String {
    let mut rows = String::new();
    for a in alerts.iter().rev() {
        rows += &format!(
            "<li><a href=\"cap/{}.xml\">{}</a> — {}</li>\n",
            esc(&a.file_stem()),
            esc(&a.sent),
            esc(&a.headline_en)
        );
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{name} — corridors</title></head>\n<body>\n<h1>{name}</h1>\n<p>Status: {status}. <a href=\"alerts.atom\">Atom feed</a> · <a href=\"corridors.geojson\">GeoJSON</a> · SMS texts in <code>sms/</code>.</p>\n<ul>\n{rows}</ul>\n<p>Map data (c) OpenStreetMap contributors, ODbL.</p>\n</body></html>\n",
        name = esc(&scn.name),
        status = match scn.status {
            corridor_negotiation::Status::Actual => "actual",
            corridor_negotiation::Status::Exercise => "EXERCISE — not a real alert",
            corridor_negotiation::Status::Test => "TEST — not a real alert",
        }
    )
}
