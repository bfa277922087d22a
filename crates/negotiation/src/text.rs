//! Times and durations as people read them: local time in the scenario's
//! zone, always with the zone named.

use chrono::{DateTime, FixedOffset, Offset, TimeZone};
use chrono_tz::Tz;

/// "3 h 20 min", "45 min", "40 s".
pub fn duration(ms: u64) -> String {
    let s = ms / 1000;
    match (s / 3600, (s % 3600) / 60) {
        (0, 0) => format!("{s} s"),
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// A local time: "13:40" when on `day`'s date, else "2022-03-06 13:40";
/// with its offset, "04:00 (+02:00)", when the clocks have changed since
/// `day` (read against `day`'s offset, it would be an hour off).
pub fn local(t: DateTime<FixedOffset>, tz: Tz, day: DateTime<FixedOffset>) -> String {
    let l = tz.from_utc_datetime(&t.naive_utc());
    let d = tz.from_utc_datetime(&day.naive_utc());
    let mut s = if l.date_naive() == d.date_naive() {
        l.format("%H:%M").to_string()
    } else {
        l.format("%Y-%m-%d %H:%M").to_string()
    };
    if l.offset().fix() != d.offset().fix() {
        s += &l.format(" (%:z)").to_string();
    }
    s
}

/// A local time with its date and zone: "2022-03-05 10:00 Europe/Kyiv (+02:00)".
pub fn local_full(t: DateTime<FixedOffset>, tz: Tz) -> String {
    let l = tz.from_utc_datetime(&t.naive_utc());
    format!(
        "{} {} ({})",
        l.format("%Y-%m-%d %H:%M"),
        tz.name(),
        l.format("%:z")
    )
}

/// An interval in ms since the epoch, "10:00 to 14:00 Europe/Kyiv"; open
/// ends read "until further notice" and "since before".
pub fn validity(from_ms: i64, until_ms: i64, tz: Tz, day: DateTime<FixedOffset>) -> String {
    let at =
        |ms: i64| DateTime::from_timestamp_millis(ms).map(|t| local(t.fixed_offset(), tz, day));
    match (from_ms == i64::MIN, until_ms == i64::MAX) {
        (true, true) => "at all times".into(),
        (true, false) => format!("until {} {}", at(until_ms).unwrap_or_default(), tz.name()),
        (false, true) => format!(
            "from {} {} until further notice",
            at(from_ms).unwrap_or_default(),
            tz.name()
        ),
        (false, false) => format!(
            "{} to {} {}",
            at(from_ms).unwrap_or_default(),
            at(until_ms).unwrap_or_default(),
            tz.name()
        ),
    }
}

/// Kilometres with one decimal.
pub fn km(m: f64) -> String {
    format!("{:.1} km", m / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_after_the_clocks_change_carries_its_offset() {
        let t = |s| DateTime::parse_from_rfc3339(s).unwrap();
        let tz = chrono_tz::Europe::Berlin;
        let start = t("2022-03-27T01:30:00+01:00");
        assert_eq!(
            local(t("2022-03-27T04:00:00+02:00"), tz, start),
            "04:00 (+02:00)"
        );
        assert_eq!(local(t("2022-03-27T01:50:00+01:00"), tz, start), "01:50");
        assert_eq!(
            local(t("2022-03-28T09:00:00+02:00"), tz, start),
            "2022-03-28 09:00 (+02:00)"
        );
        assert_eq!(
            local(t("2022-03-26T09:00:00+01:00"), tz, start),
            "2022-03-26 09:00"
        );
    }
}
