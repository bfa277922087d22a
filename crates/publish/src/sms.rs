//! SMS text per language, and its cost in segments: GSM-7 (160 characters
//! in one message, 153 per part when split; the extension characters count
//! twice) when every character fits the GSM 03.38 alphabet, else UCS-2 (70
//! UTF-16 units, 67 per part), as for any Cyrillic text.

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

/// The SMS of event `e` in `lang`: origin, destination, window in local
/// time with the offset, gathering point; nothing more.
pub fn text(scn: &Scenario, e: &Event, lang: Lang, texts: &Texts) -> String {
    let f = facts(scn, e, lang, texts);
    let duration = duration_text(texts, lang, f.hours, f.minutes);
    let km = format!("{}", f.km);
    // "UTC+2", "UTC+5:30": as short as it stays exact.
    let tzshort = format!(
        "UTC{}",
        f.offset
            .trim_end_matches(":00")
            .replace("+0", "+")
            .replace("-0", "-")
    );
    let dshort = f
        .window
        .0
        .with_timezone(&scn.tz)
        .format("%d.%m")
        .to_string();
    let mut a = args(&f, e.kind, scn.tz.name(), &duration, &km);
    a.push(("tzshort", crate::lang::Arg::Str(&tzshort)));
    a.push(("dshort", crate::lang::Arg::Str(&dshort)));
    // The gathering point by name only: coordinates are in the alert.
    let gather = f.origin.clone();
    a.retain(|x| x.0 != "gather");
    a.push(("gather", crate::lang::Arg::Str(&gather)));
    texts.get(lang, "sms", &a)
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
}
