//! The Atom feed (RFC 4287) of alerts, newest first, each entry linking to
//! its CAP document (`type="application/cap+xml"`), as alert aggregators
//! read CAP feeds.

use crate::cap::{escape, Alert};
use crate::Site;
use corridor_negotiation::Scenario;

/// The feed document.
pub fn feed(scn: &Scenario, alerts: &[Alert], site: &Site) -> String {
    let updated = alerts
        .iter()
        .map(|a| a.sent.as_str())
        .max()
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
    let mut sorted: Vec<&Alert> = alerts.iter().collect();
    // Newest first; alerts sent in the same second by their log entry's
    // number at the end of the identifier (numerically: `.11` after `.9`).
    let seq = |a: &Alert| {
        a.identifier
            .rsplit('.')
            .next()
            .and_then(|n| n.parse::<u64>().ok())
    };
    sorted.sort_by(|a, b| {
        b.sent
            .cmp(&a.sent)
            .then(seq(b).cmp(&seq(a)))
            .then(b.identifier.cmp(&a.identifier))
    });
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
