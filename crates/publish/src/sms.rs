//! SMS text per language, and its cost in segments: GSM-7 (160 characters
//! in one message, 153 per part when split; the extension characters count
//! twice) when every character fits the GSM 03.38 alphabet, else UCS-2 (70
//! UTF-16 units, 67 per part), as for any Cyrillic text. Each language
//! gives several forms, from the fullest to the most abbreviated; the
//! first that fits one segment is sent.

use crate::cap::{args, duration_text, facts};
use crate::events::Event;
use crate::lang::{Lang, Texts};
use corridor_negotiation::Scenario;

/// The GSM 03.38 basic character set.
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Characters of the extension table (sent as escape + character).
const GSM_EXTENSION: &str = "^{}\\[~]|€\u{c}";

/// How a text travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// 7-bit GSM alphabet.
    Gsm7,
    /// UCS-2 (UTF-16).
    Ucs2,
}

/// Encoding, length in that encoding's units, and number of segments.
pub fn segments(text: &str) -> (Encoding, usize, usize) {
    let gsm = text
        .chars()
        .all(|c| GSM_BASIC.contains(c) || GSM_EXTENSION.contains(c));
    if gsm {
        let units: usize = text
            .chars()
            .map(|c| if GSM_EXTENSION.contains(c) { 2 } else { 1 })
            .sum();
        let n = if units <= 160 { 1 } else { units.div_ceil(153) };
        (Encoding::Gsm7, units, n)
    } else {
        let units = text.encode_utf16().count();
        let n = if units <= 70 { 1 } else { units.div_ceil(67) };
        (Encoding::Ucs2, units, n)
    }
}

/// The text in the GSM alphabet when only its typography keeps it out:
/// dashes become hyphens, typographic quotes plain ones, an arrow between
/// places "to". `None` when a letter needs UCS-2 anyway (Cyrillic): then
/// the text stays as written. A Latin-script text so costs 160 characters
/// a message (93 a broadcast page), not 70 (41).
pub fn gsm_fold(text: &str) -> Option<String> {
    let folded = text
        .replace(" → ", " to ")
        .replace(['–', '—'], "-")
        .replace(['“', '”', '«', '»', '„'], "\"")
        .replace(['‘', '’'], "'");
    (segments(&folded).0 == Encoding::Gsm7).then_some(folded)
}

/// Units one SMS carries without being split: 160 GSM-7 septets or 70
/// UCS-2 units.
pub fn one_segment(enc: Encoding) -> usize {
    match enc {
        Encoding::Gsm7 => 160,
        Encoding::Ucs2 => 70,
    }
}

/// Most forms a language may give (`sms-1` … `sms-9`).
const MAX_FORMS: usize = 9;

/// Every form of the SMS of event `e` in `lang`, longest first: the
/// templates `sms-1`, `sms-2`, … of the language, each with the window in
/// local time and its UTC offset, the last safe departure, and the
/// gathering point by name and description (coordinates are in the alert).
pub fn forms(scn: &Scenario, e: &Event, lang: Lang, texts: &Texts) -> Vec<String> {
    let f = facts(scn, e, lang, texts);
    let duration = duration_text(texts, lang, f.hours, f.minutes);
    let km = format!("{}", f.km);
    let mut a = args(&f, e.kind, scn.tz.name(), &duration, &km);
    a.retain(|x| x.0 != "gather");
    a.push(("gather", crate::lang::Arg::Str(&f.gather_short)));
    (1..=MAX_FORMS)
        .map(|i| format!("sms-{i}"))
        .take_while(|id| texts.has(lang, id))
        .map(|id| {
            let t = texts.get(lang, &id, &a);
            gsm_fold(&t).unwrap_or(t)
        })
        .collect()
}

/// The SMS of event `e` in `lang`: the first form that fits one segment,
/// else the shortest (which [`crate::report`] warns about).
pub fn text(scn: &Scenario, e: &Event, lang: Lang, texts: &Texts) -> String {
    let all = forms(scn, e, lang, texts);
    all.iter()
        .find(|t| segments(t).2 == 1)
        .or_else(|| all.iter().min_by_key(|t| segments(t).1))
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_counted_per_encoding() {
        assert_eq!(
            segments("Corridor OPEN Sumy-Poltava"),
            (Encoding::Gsm7, 26, 1)
        );
        assert_eq!(segments(&"a".repeat(160)).2, 1);
        assert_eq!(segments(&"a".repeat(161)).2, 2);
        assert_eq!(segments(&"a".repeat(306)).2, 2);
        assert_eq!(segments(&"a".repeat(307)).2, 3);
        // Extension characters count twice.
        assert_eq!(segments(&"€".repeat(80)), (Encoding::Gsm7, 160, 1));
        assert_eq!(segments(&"€".repeat(81)).2, 2);
        // Any Cyrillic letter makes the whole text UCS-2: 70, then 67 per part.
        assert_eq!(segments("Коридор"), (Encoding::Ucs2, 7, 1));
        assert_eq!(segments(&"я".repeat(70)).2, 1);
        assert_eq!(segments(&"я".repeat(71)).2, 2);
        assert_eq!(segments(&"я".repeat(134)).2, 2);
        assert_eq!(segments(&"я".repeat(135)).2, 3);
        assert_eq!(
            segments(&format!("{}ї", "a".repeat(69))),
            (Encoding::Ucs2, 70, 1)
        );
        // Characters outside the BMP take two UTF-16 units.
        assert_eq!(segments("🚌"), (Encoding::Ucs2, 2, 1));
    }

    #[test]
    fn typography_alone_does_not_make_a_text_ucs2() {
        assert_eq!(
            gsm_fold("Corridor open: Sumy → Poltava – “as decided”").as_deref(),
            Some("Corridor open: Sumy to Poltava - \"as decided\"")
        );
        assert_eq!(gsm_fold("Суми → Полтава"), None);
    }
}
