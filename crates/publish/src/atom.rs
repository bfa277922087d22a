//! The Atom feed (RFC 4287) of alerts, newest first, each entry linking to
//! its CAP document (`type="application/cap+xml"`), as alert aggregators
//! read CAP feeds.

use crate::cap::{escape, Alert};
use crate::Site;
use corridor_negotiation::Scenario;

/// The feed document. Its `updated` is the `sent` of the newest alert or,
/// before the first, `opened`: when the record was opened (the time of its
/// first entry), the epoch for a record with none.
pub fn feed(scn: &Scenario, alerts: &[Alert], site: &Site, opened: Option<&str>) -> String {
    // Newest first, in the record's order: `sent` strings are not ordered
    // by time when their offsets differ (a summer time change, or entries
    // written in UTC beside local ones).
    let mut sorted: Vec<&Alert> = alerts.iter().collect();
    sorted.sort_by(|a, b| b.seq.cmp(&a.seq).then(b.identifier.cmp(&a.identifier)));
    let updated = sorted
        .first()
        .map(|a| a.sent.as_str())
        .or(opened)
        .unwrap_or("1970-01-01T00:00:00+00:00");
    let mut x = String::new();
    x += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    x += "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
    x += &format!("  <id>{}alerts.atom</id>\n", escape(&site.base_url));
    x += &format!(
        "  <title>{} — evacuation corridor alerts</title>\n",
        escape(&scn.name)
    );
    x += &format!("  <updated>{updated}</updated>\n");
    x += &format!(
        "  <author><name>{}</name></author>\n",
        escape(&site.sender_name)
    );
    x += &format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}alerts.atom\"/>\n",
        escape(&site.base_url)
    );
    x += &format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}index.html\"/>\n",
        escape(&site.base_url)
    );
    for a in sorted {
        let href = format!("{}cap/{}.xml", site.base_url, a.file_stem());
        x += "  <entry>\n";
        x += &format!("    <id>urn:cap:{}</id>\n", escape(&a.identifier));
        x += &format!("    <title>{}</title>\n", escape(&a.headline_en));
        x += &format!("    <updated>{}</updated>\n", a.sent);
        x += &format!(
            "    <link rel=\"alternate\" type=\"application/cap+xml\" href=\"{}\"/>\n",
            escape(&href)
        );
        x += &format!(
            "    <summary>{} ({}), effective {} until {}</summary>\n",
            escape(&a.headline_en),
            a.msg_type,
            a.effective,
            a.expires
        );
        x += "  </entry>\n";
    }
    x += "</feed>\n";
    x
}
