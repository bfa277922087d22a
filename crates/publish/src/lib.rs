//! Telling the public. From a scenario and its public log, every status
//! change of every corridor becomes:
//!
//! * an OASIS CAP 1.2 alert ([`cap`]) with one `info` block per language
//!   (Ukrainian, Russian, English), the corridor as a polygon and the
//!   gathering point as a circle, and parameters tying it to the log entry;
//! * an entry of an Atom feed ([`atom`]), newest first, linking to the CAP
//!   document;
//! * SMS text per language ([`sms`]), counted in GSM-7 or UCS-2 segments,
//!   the first of the language's forms that fits one segment;
//! * the cell-broadcast text per language ([`cbs`]), cut into 3GPP TS
//!   23.041 pages;
//!
//! and the corridors in force, the hazards and the gathering points become
//! one GeoJSON FeatureCollection ([`geojson`]). [`publish`] returns them as
//! files for a static folder: the way public information scales to millions
//! of readers.
//!
//! Texts come from Fluent templates in `locales/` ([`lang`]). [`report`]
//! says what the SMS and cell broadcasts cost, and warns of every SMS over
//! one segment and every broadcast over 15 pages: the CLI prints it, the
//! server logs it.
//!
//! **Architecture invariant:** no IO; every output is a pure function of
//! the ledger (the scenario and the log), so the same log always publishes
//! the same bytes, whether the CLI or the server publishes it.
#![deny(missing_docs)]

pub mod atom;
pub mod cap;
pub mod cbs;
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
        text: atom::feed(
            scn,
            &alerts,
            site,
            ledger
                .entries()
                .first()
                .map(|e| events::cap_time(e.time))
                .as_deref(),
        ),
    });
    files.push(File {
        path: "corridors.geojson".into(),
        text: geojson::collection(scn, &evs),
    });
    for m in messages(ledger, &texts) {
        files.push(File {
            path: m.sms_path,
            // Exactly the message: a gateway that posts the file as it is
            // sends what was counted (no trailing newline).
            text: m.sms,
        });
        files.push(File {
            path: m.cbs_path,
            text: cbs::file(&m.cbs).1,
        });
    }
    files.push(File {
        path: "index.html".into(),
        text: index(scn, &alerts),
    });
    files
}

/// The SMS and the cell broadcast of one event in one language.
struct Message {
    sms_path: String,
    sms: String,
    cbs_path: String,
    cbs: String,
}

fn messages(ledger: &Ledger, texts: &lang::Texts) -> Vec<Message> {
    let scn = ledger.scenario();
    let mut out = Vec::new();
    for e in events(ledger) {
        for l in lang::Lang::ALL {
            let stem = format!("{}-{}-{}", e.corridor, e.seq, l.code());
            out.push(Message {
                sms_path: format!("sms/{stem}.txt"),
                sms: sms::text(scn, &e, l, texts),
                cbs_path: format!("cbs/{stem}.txt"),
                cbs: cbs::text(scn, &e, l, texts),
            });
        }
    }
    out
}

/// The cost of one published text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cost {
    /// The file, as [`publish`] names it.
    pub path: String,
    /// Its encoding.
    pub encoding: sms::Encoding,
    /// Its length in that encoding's units.
    pub units: usize,
    /// SMS segments, or cell-broadcast pages.
    pub parts: usize,
}

/// What publishing the ledger sends by SMS and by cell broadcast, and what
/// goes over budget.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Every SMS, with its segments.
    pub sms: Vec<Cost>,
    /// Every cell broadcast, with its pages.
    pub cbs: Vec<Cost>,
    /// An SMS that takes more than one segment (no form of the language
    /// fits), a broadcast over 15 pages: each with its count, in plain
    /// words.
    pub warnings: Vec<String>,
}

/// The report of what [`publish`] writes for the same ledger: the texts
/// are the same bytes. Never silent about an SMS over its budget.
pub fn report(ledger: &Ledger) -> Report {
    let texts = lang::Texts::new();
    let mut r = Report::default();
    for m in messages(ledger, &texts) {
        let (encoding, units, parts) = sms::segments(&m.sms);
        if parts > 1 {
            r.warnings.push(format!(
                "{}: the SMS takes {parts} segments ({units} {} units, one segment holds {}): no shorter form of the template fits; shorten the place names (name_uk/name_ru/name_en) or the gathering description",
                m.sms_path,
                match encoding {
                    sms::Encoding::Gsm7 => "GSM-7",
                    sms::Encoding::Ucs2 => "UCS-2",
                },
                sms::one_segment(encoding)
            ));
        }
        r.sms.push(Cost {
            path: m.sms_path,
            encoding,
            units,
            parts,
        });
        let (encoding, pages) = cbs::pages(&m.cbs);
        let units = sms::segments(&m.cbs).1;
        if pages.len() > cbs::MAX_PAGES {
            r.warnings.push(format!(
                "{}: the cell broadcast takes {} pages, more than the {} one message may have",
                m.cbs_path,
                pages.len(),
                cbs::MAX_PAGES
            ));
        }
        r.cbs.push(Cost {
            path: m.cbs_path,
            encoding,
            units,
            parts: pages.len(),
        });
    }
    r
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
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{name} — corridors</title></head>\n<body>\n<h1>{name}</h1>\n<p>Status: {status}. <a href=\"alerts.atom\">Atom feed</a> · <a href=\"corridors.geojson\">GeoJSON</a> · SMS texts in <code>sms/</code>, cell broadcasts in <code>cbs/</code>.</p>\n<ul>\n{rows}</ul>\n<p>Map data (c) OpenStreetMap contributors, ODbL.</p>\n</body></html>\n",
        name = esc(&scn.name),
        status = match scn.status {
            corridor_negotiation::Status::Actual => "actual",
            corridor_negotiation::Status::Exercise => "EXERCISE — not a real alert",
            corridor_negotiation::Status::Test => "TEST — not a real alert",
        }
    )
}
