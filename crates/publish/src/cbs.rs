//! The alert as a cell broadcast (3GPP TS 23.041, as EU-Alert operators
//! take it): the text cut into CBS pages of 82 octets of user data each —
//! 93 characters of the GSM 7-bit alphabet (an extension character takes
//! two), or 41 UCS-2 characters — at most 15 pages per message.

use crate::cap::{args, duration_text, facts};
use crate::events::Event;
use crate::lang::{Lang, Texts};
use crate::sms::{segments, Encoding};
use corridor_negotiation::Scenario;

/// Octets of user data in one CBS page.
pub const PAGE_OCTETS: usize = 82;
/// Most pages of one CBS message.
pub const MAX_PAGES: usize = 15;

/// Characters of one page: 93 septets in GSM-7 (82 × 8 / 7, rounded
/// down), 41 UTF-16 units in UCS-2.
pub fn page_units(enc: Encoding) -> usize {
    match enc {
        Encoding::Gsm7 => PAGE_OCTETS * 8 / 7,
        Encoding::Ucs2 => PAGE_OCTETS / 2,
    }
}

/// The text cut into pages, never inside a character (an extension
/// character's escape stays with it, a surrogate pair together), with the
/// encoding. An empty text is one empty page.
pub fn pages(text: &str) -> (Encoding, Vec<String>) {
    let enc = segments(text).0;
    let cap = page_units(enc);
    let mut out = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        let w = match enc {
            Encoding::Gsm7 => segments(c.encode_utf8(&mut [0; 4])).1,
            Encoding::Ucs2 => c.len_utf16(),
        };
        if used + w > cap {
            out.push(String::new());
            used = 0;
        }
        out.last_mut().expect("one page at least").push(c);
        used += w;
    }
    (enc, out)
}

/// The cell-broadcast text of event `e` in `lang` (template `cbs`: the
/// headline and the description), in the GSM alphabet when only its
/// typography kept it out ([`crate::sms::gsm_fold`]).
pub fn text(scn: &Scenario, e: &Event, lang: Lang, texts: &Texts) -> String {
    let f = facts(scn, e, lang, texts);
    let duration = duration_text(texts, lang, f.hours, f.minutes);
    let km = format!("{}", f.km);
    let a = args(&f, e.kind, scn.tz.name(), &duration, &km);
    let t = texts.get(lang, "cbs", &a);
    crate::sms::gsm_fold(&t).unwrap_or(t)
}

/// The published file: a header line with the encoding and the page
/// count, then each page after a `--- page i/n` line.
pub fn file(text: &str) -> (usize, String) {
    let (enc, ps) = pages(text);
    let mut s = format!(
        "# Cell broadcast (3GPP TS 23.041): {} page(s), {}, {} characters per page\n",
        ps.len(),
        match enc {
            Encoding::Gsm7 => "GSM 7-bit",
            Encoding::Ucs2 => "UCS-2",
        },
        page_units(enc)
    );
    for (i, p) in ps.iter().enumerate() {
        s += &format!("--- page {}/{}\n{p}\n", i + 1, ps.len());
    }
    (ps.len(), s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_hold_82_octets() {
        assert_eq!(page_units(Encoding::Gsm7), 93);
        assert_eq!(page_units(Encoding::Ucs2), 41);
        let n = |s: &str| pages(s).1.len();
        assert_eq!(n(&"a".repeat(93)), 1);
        assert_eq!(n(&"a".repeat(94)), 2);
        assert_eq!(n(&"a".repeat(93 * 15)), 15);
        assert_eq!(n(&"a".repeat(93 * 15 + 1)), 16);
        assert_eq!(n(&"я".repeat(41)), 1);
        assert_eq!(n(&"я".repeat(42)), 2);
        assert_eq!(n(&"я".repeat(41 * 15)), 15);
        assert_eq!(n(""), 1);
        // An extension character takes two septets and is never cut from
        // its escape: 92 + € does not fit one page.
        let (enc, ps) = pages(&format!("{}€", "a".repeat(92)));
        assert_eq!(enc, Encoding::Gsm7);
        assert_eq!(ps, vec!["a".repeat(92), "€".to_string()]);
        // A character outside the BMP (two UTF-16 units) stays whole.
        let (enc, ps) = pages(&format!("{}🚌", "я".repeat(40)));
        assert_eq!(enc, Encoding::Ucs2);
        assert_eq!(ps, vec!["я".repeat(40), "🚌".to_string()]);
        // Joined again, the pages are the text.
        let t = "Гуманітарний коридор «Суми – Полтава» відкрито 8 березня.".repeat(5);
        assert_eq!(pages(&t).1.concat(), t);
    }

    #[test]
    fn the_file_gives_the_page_count() {
        let (n, f) = file(&"b".repeat(100));
        assert_eq!(n, 2);
        assert!(f.starts_with("# Cell broadcast (3GPP TS 23.041): 2 page(s), GSM 7-bit, 93 characters per page\n--- page 1/2\n"));
        assert!(f.ends_with(&format!("--- page 2/2\n{}\n", "b".repeat(7))));
    }
}
