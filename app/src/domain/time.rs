//! Local time in Asia/Ho_Chi_Minh, whatever the server's or browser's own time zone.
//!
//! Vietnam has kept UTC+07:00 without daylight saving since 13 June 1975, so for every
//! timestamp this system handles the zone is exactly a fixed +7 h offset. Keeping the rule
//! here (instead of reading the host's zone) makes day boundaries identical on every machine.

/// Offset of Asia/Ho_Chi_Minh from UTC, in milliseconds.
pub const VN_OFFSET_MS: i64 = 7 * 3_600_000;
pub const DAY_MS: i64 = 86_400_000;
pub const HOUR_MS: i64 = 3_600_000;
pub const MINUTE_MS: i64 = 60_000;

/// A civil date and time of day in Vietnam.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalDateTime {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u32,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y as i64 - 1 } else { y as i64 };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
pub fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

/// The local day number (days since 1970-01-01 in Vietnam) of an instant.
pub fn local_day(ms: i64) -> i64 {
    (ms + VN_OFFSET_MS).div_euclid(DAY_MS)
}

/// The instant of local midnight starting local day `day`.
pub fn local_day_start(day: i64) -> i64 {
    day * DAY_MS - VN_OFFSET_MS
}

/// Local midnight at or before `ms`.
pub fn local_midnight(ms: i64) -> i64 {
    local_day_start(local_day(ms))
}

/// The instant of a local civil date and time.
pub fn local_to_utc(y: i32, m: u32, d: u32, hh: u32, mm: u32) -> i64 {
    local_day_start(days_from_civil(y, m, d)) + hh as i64 * HOUR_MS + mm as i64 * MINUTE_MS
}

/// Splits an instant into its Vietnamese civil date and time.
pub fn to_local(ms: i64) -> LocalDateTime {
    let local = ms + VN_OFFSET_MS;
    let day = local.div_euclid(DAY_MS);
    let rem = local.rem_euclid(DAY_MS) / 1000;
    let (year, month, d) = civil_from_days(day);
    LocalDateTime {
        year,
        month,
        day: d,
        hour: (rem / 3600) as u32,
        minute: ((rem % 3600) / 60) as u32,
        second: (rem % 60) as u32,
        // 1970-01-01 was a Thursday (weekday 3).
        weekday: ((day + 3).rem_euclid(7)) as u32,
    }
}

/// `HH:MM dd/mm/yyyy` in Vietnam time.
pub fn format_local(ms: i64) -> String {
    let t = to_local(ms);
    format!(
        "{:02}:{:02} {:02}/{:02}/{}",
        t.hour, t.minute, t.day, t.month, t.year
    )
}

/// `HH:MM` in Vietnam time.
pub fn format_local_time(ms: i64) -> String {
    let t = to_local(ms);
    format!("{:02}:{:02}", t.hour, t.minute)
}

/// ISO 8601 with the +07:00 offset and no fractional seconds (as Open311 expects).
pub fn format_iso_local(ms: i64) -> String {
    let t = to_local(ms);
    format!(
        "{}-{:02}-{:02}T{:02}:{:02}:{:02}+07:00",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// A duration in seconds as `1 g 05 ph`, `12 ph`, `3 ng 4 g` (Vietnamese short units).
pub fn format_duration_vi(secs: f64) -> String {
    let s = secs.max(0.0).round() as i64;
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    if d > 0 {
        format!("{d} ng {h} g")
    } else if h > 0 {
        format!("{h} g {m:02} ph")
    } else if m > 0 {
        format!("{m} ph")
    } else {
        format!("{s} giây")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for z in [-1000_i64, 0, 1, 59, 365, 10_957, 20_000, 24_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn midnight_is_local_not_utc() {
        // 2026-12-31 17:30 UTC is 2027-01-01 00:30 in Vietnam: a new local day and year.
        let ms = local_to_utc(2027, 1, 1, 0, 30);
        let t = to_local(ms);
        assert_eq!((t.year, t.month, t.day, t.hour, t.minute), (2027, 1, 1, 0, 30));
        assert_eq!(local_midnight(ms), local_to_utc(2027, 1, 1, 0, 0));
        // …and that midnight is 17:00 UTC the day before.
        assert_eq!(local_midnight(ms) % DAY_MS, 17 * HOUR_MS);
    }

    #[test]
    fn weekday() {
        // 3 December 2026 is a Thursday.
        assert_eq!(to_local(local_to_utc(2026, 12, 3, 12, 0)).weekday, 3);
        assert_eq!(to_local(local_to_utc(2026, 12, 6, 23, 59)).weekday, 6);
    }

    #[test]
    fn iso_has_offset() {
        assert_eq!(format_iso_local(0), "1970-01-01T07:00:00+07:00");
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration_vi(42.0), "42 giây");
        assert_eq!(format_duration_vi(600.0), "10 ph");
        assert_eq!(format_duration_vi(3_900.0), "1 g 05 ph");
        assert_eq!(format_duration_vi(90_000.0), "1 ng 1 g");
    }
}
