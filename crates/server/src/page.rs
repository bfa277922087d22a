//! The public page, rendered on the server: the alerts are in the HTML in
//! the reader's language (`?lang=`, else `Accept-Language`, else
//! Ukrainian), so a phone on a 2G link reads where and when before any
//! script or map arrives, and `/text` is the same information with no
//! script at all. Every text from the log or the scenario is escaped here.

use corridor_publish::lang::Lang;
use serde_json::Value;

/// HTML text and attribute escaping (`&`, `<`, `>`, `"`, `'`): the same
/// as XML's, so one function, publishing's, serves both.
pub use corridor_publish::cap::escape;

/// The reader's language: `?lang=` if given and known, else the best of
/// `Accept-Language` by quality (`uk-UA`, `ru`, `en-GB;q=0.8`…), else
/// Ukrainian.
pub fn pick_lang(query: Option<&str>, accept_language: Option<&str>) -> Lang {
    if let Some(l) = query.and_then(|q| q.parse::<Lang>().ok()) {
        return l;
    }
    let mut best: Option<(f32, usize, Lang)> = None;
    for (i, item) in accept_language
        .unwrap_or("")
        .split(',')
        .take(32)
        .enumerate()
    {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        let Some(l) = Lang::ALL.into_iter().find(|l| l.code() == primary) else {
            continue;
        };
        if q > 0.0 && best.is_none_or(|(bq, bi, _)| q > bq || (q == bq && i < bi)) {
            best = Some((q, i, l));
        }
    }
    best.map(|b| b.2).unwrap_or(Lang::Uk)
}

/// The words of the page itself, per language.
pub struct Labels {
    /// No corridor announced.
    pub none: &'static str,
    /// Link to the text-only page.
    pub text_only: &'static str,
    /// Link back to the map.
    pub map: &'static str,
    /// Heading of the files list.
    pub files: &'static str,
    /// The CAP alert of an announcement.
    pub cap: &'static str,
    /// The status of an exercise.
    pub exercise: &'static str,
    /// The status of a test.
    pub test: &'static str,
    /// Real alerts.
    pub actual: &'static str,
}

/// The page's words in `lang`.
pub fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::Uk => &Labels {
            none: "Зараз немає оголошених коридорів.",
            text_only: "Текстова версія (без карти)",
            map: "Карта",
            files: "Файли для інших програм",
            cap: "оповіщення CAP",
            exercise: "НАВЧАННЯ — не справжнє оповіщення",
            test: "ТЕСТ — не справжнє оповіщення",
            actual: "Оповіщення",
        },
        Lang::Ru => &Labels {
            none: "Сейчас нет объявленных коридоров.",
            text_only: "Текстовая версия (без карты)",
            map: "Карта",
            files: "Файлы для других программ",
            cap: "оповещение CAP",
            exercise: "УЧЕНИЯ — не настоящее оповещение",
            test: "ТЕСТ — не настоящее оповещение",
            actual: "Оповещения",
        },
        Lang::En => &Labels {
            none: "No corridor announced now.",
            text_only: "Text-only version (no map)",
            map: "Map",
            files: "Files for other programs",
            cap: "CAP alert",
            exercise: "EXERCISE — not a real alert",
            test: "TEST — not a real alert",
            actual: "Alerts",
        },
    }
}

/// The latest announcement of each corridor (the view is newest first).
fn latest(alerts: &Value) -> Vec<&Value> {
    let mut seen = std::collections::HashSet::new();
    alerts["alerts"]
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|x| seen.insert(x["corridor"].as_str().unwrap_or("").to_string()))
        .collect()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or("")
}

/// The alerts as the page's script would draw them (`#alerts` children).
pub fn alerts_html(alerts: &Value, lang: Lang) -> String {
    let list = latest(alerts);
    if list.is_empty() {
        return escape(labels(lang).none);
    }
    let mut o = String::new();
    for x in list {
        let open = x["open"].as_bool().unwrap_or(false);
        let class = if open { "open" } else { s(x, "kind") };
        let end = x["last_safe_departure"]
            .as_str()
            .unwrap_or_else(|| s(x, "window_end"));
        o += &format!(
            "<div class=\"alert {}\"><b>{}</b><p>{}</p><div class=\"countdown\" data-end=\"{}\" data-open=\"{open}\"></div><p>{}</p></div>",
            escape(class),
            escape(s(x, "headline")),
            escape(s(x, "description")),
            escape(end),
            escape(s(x, "instruction")),
        );
    }
    o
}

/// What the pages need besides the alerts.
pub struct PageFacts<'a> {
    /// The scenario's name.
    pub title: &'a str,
    /// `exercise`, `test` or `actual`.
    pub status: corridor_negotiation::Status,
}

fn status_words(lang: Lang, s: corridor_negotiation::Status) -> &'static str {
    let l = labels(lang);
    match s {
        corridor_negotiation::Status::Exercise => l.exercise,
        corridor_negotiation::Status::Test => l.test,
        corridor_negotiation::Status::Actual => l.actual,
    }
}

/// The map page: `template` (assets/index.html) with the language, the
/// title, the status and the alerts filled in.
pub fn index(template: &str, lang: Lang, facts: &PageFacts<'_>, alerts: &Value) -> String {
    let value = |name: &str| -> Option<String> {
        Some(match name {
            "lang" => lang.code().to_string(),
            "title" => escape(facts.title),
            // The alerts give the time zone in words; no IANA id in prose.
            "status" => escape(status_words(lang, facts.status)),
            "text_only" => escape(labels(lang).text_only),
            "alerts" => alerts_html(alerts, lang),
            _ => return None,
        })
    };
    // One pass over the template: what is filled in is never read again
    // for placeholders (a scenario named "{{alerts}}" stays a name).
    let mut out = String::with_capacity(template.len() + 4096);
    let mut rest = template;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after
            .find("}}")
            .and_then(|j| value(&after[..j]).map(|v| (j, v)))
        {
            Some((j, v)) => {
                out.push_str(&v);
                rest = &after[j + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The page for no JavaScript at all: the alerts with their instructions,
/// links to the alert files and to the other languages.
pub fn text_page(lang: Lang, facts: &PageFacts<'_>, alerts: &Value, files: &[String]) -> String {
    let l = labels(lang);
    let mut o = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>body{{font:16px/1.45 sans-serif;margin:12px;max-width:40em}}.alert{{border-left:4px solid #888;padding:4px 10px;margin:12px 0}}.open{{border-color:#1a7f37}}.suspended{{border-color:#d1242f}}</style></head><body>\n<h1>{}</h1>\n<p><b>{}</b></p>\n<p>",
        lang.code(),
        escape(facts.title),
        escape(facts.title),
        escape(status_words(lang, facts.status)),
    );
    for other in Lang::ALL {
        let name = match other {
            Lang::Uk => "Українська",
            Lang::Ru => "Русский",
            Lang::En => "English",
        };
        if other == lang {
            o += &format!("<b>{name}</b> ");
        } else {
            o += &format!(
                "<a href=\"/text?lang={}\" hreflang=\"{}\">{name}</a> ",
                other.code(),
                other.code()
            );
        }
    }
    o += &format!(
        "· <a href=\"/?lang={}\">{}</a></p>\n",
        lang.code(),
        escape(l.map)
    );
    let list = latest(alerts);
    if list.is_empty() {
        o += &format!("<p>{}</p>\n", escape(l.none));
    }
    for x in list {
        let open = x["open"].as_bool().unwrap_or(false);
        let class = if open { "open" } else { s(x, "kind") };
        o += &format!(
            "<div class=\"alert {}\"><h2>{}</h2><p>{}</p><p>{}</p></div>\n",
            escape(class),
            escape(s(x, "headline")),
            escape(s(x, "description")),
            escape(s(x, "instruction")),
        );
    }
    o += &format!("<h2>{}</h2>\n<ul>\n", escape(l.files));
    for f in files {
        o += &format!(
            "<li><a href=\"/public/{}\">{}</a></li>\n",
            escape(f),
            escape(f)
        );
    }
    o += "</ul>\n<p><small>Map data (c) OpenStreetMap contributors, ODbL.</small></p>\n</body></html>\n";
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_language_follows_the_query_then_the_browser() {
        assert_eq!(pick_lang(Some("ru"), Some("en")), Lang::Ru);
        assert_eq!(pick_lang(Some("xx"), Some("en-GB,en;q=0.9")), Lang::En);
        assert_eq!(
            pick_lang(None, Some("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7")),
            Lang::Ru
        );
        assert_eq!(pick_lang(None, Some("de-DE, en;q=0.5, uk;q=0.9")), Lang::Uk);
        assert_eq!(pick_lang(None, Some("en;q=0, ru;q=0.1")), Lang::Ru);
        assert_eq!(pick_lang(None, Some("de, fr")), Lang::Uk);
        assert_eq!(pick_lang(None, None), Lang::Uk);
        assert_eq!(pick_lang(None, Some(";;;,q=,=,")), Lang::Uk);
    }

    #[test]
    fn text_from_the_log_is_escaped_in_both_pages() {
        let a = json!({"alerts": [
            {"corridor": "c", "kind": "opened", "open": true, "headline": "<script>x</script>",
             "description": "a & b", "instruction": "\"q\"", "window_end": "2022-03-08T21:00:00+02:00",
             "last_safe_departure": null},
            {"corridor": "c", "kind": "suspended", "open": false, "headline": "older", "description": "",
             "instruction": "", "window_end": ""}]});
        let h = alerts_html(&a, Lang::En);
        assert!(h.contains("&lt;script&gt;x&lt;/script&gt;"), "{h}");
        assert!(h.contains("a &amp; b") && h.contains("&quot;q&quot;"));
        assert!(!h.contains("older"), "only the latest of each corridor");
        assert!(h.contains("data-end=\"2022-03-08T21:00:00+02:00\""));
        let f = PageFacts {
            title: "<b>t</b>",
            status: corridor_negotiation::Status::Exercise,
        };
        let t = text_page(Lang::Uk, &f, &a, &["cap/x\".xml".into()]);
        assert!(!t.contains("<script>") && !t.contains("<b>t</b>"));
        assert!(t.contains("cap/x&quot;.xml") && t.contains("НАВЧАННЯ"));
        let i = index(
            "<html lang=\"{{lang}}\"><h1>{{title}}</h1><div id=\"alerts\">{{alerts}}</div>",
            Lang::Ru,
            &f,
            &json!({"alerts": []}),
        );
        assert_eq!(i, "<html lang=\"ru\"><h1>&lt;b&gt;t&lt;/b&gt;</h1><div id=\"alerts\">Сейчас нет объявленных коридоров.</div>");
    }
}
