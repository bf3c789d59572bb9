//! SLA clocks: when a first response and a resolution are due, and how a ticket stands.
//!
//! Emergencies count wall-clock minutes around the clock. Administrative matters count
//! working days on the Vietnamese working week (Monday–Friday) minus public holidays: the
//! deadline falls at the same local time of day on the N-th working day after the day the
//! ticket arrived; a ticket arriving on a weekend or holiday starts counting at 07:30 of the
//! next working day (offices open at 07:30 in Bình Dương). All in Asia/Ho_Chi_Minh.

use std::collections::BTreeSet;

use super::time::{days_from_civil, local_day, local_day_start, to_local, HOUR_MS, MINUTE_MS};
use crate::types::{SlaTarget, SlaUnit};

/// Start of the office day, local time, in milliseconds after midnight.
pub const OFFICE_OPENS_MS: i64 = 7 * HOUR_MS + 30 * MINUTE_MS;

/// The working-day calendar: Monday–Friday, minus the configured public holidays.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorkCalendar {
    /// Local day numbers (days since 1970-01-01 in Vietnam) that are holidays.
    holidays: BTreeSet<i64>,
}

impl WorkCalendar {
    /// A calendar with the given holidays as `YYYY-MM-DD` strings.
    ///
    /// # Errors
    /// Returns the first entry that is not a valid date.
    pub fn from_dates<'a>(dates: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut holidays = BTreeSet::new();
        for d in dates {
            holidays.insert(parse_date(d.trim()).ok_or_else(|| d.to_string())?);
        }
        Ok(Self { holidays })
    }

    /// Vietnam's public holidays for 2025–2027 as announced (Labour Code art. 112 plus the
    /// government's yearly Tết and compensation decisions). Deployments override this list.
    pub fn vietnam_default() -> Self {
        Self::from_dates(DEFAULT_HOLIDAYS.iter().copied()).expect("valid built-in holiday list")
    }

    pub fn is_working_day(&self, day: i64) -> bool {
        let weekday = (day + 3).rem_euclid(7); // 0 = Monday
        weekday < 5 && !self.holidays.contains(&day)
    }

    pub fn holiday_count(&self) -> usize {
        self.holidays.len()
    }
}

/// Built-in holiday list (local dates).
pub const DEFAULT_HOLIDAYS: &[&str] = &[
    // 2025
    "2025-01-01",
    "2025-01-27",
    "2025-01-28",
    "2025-01-29",
    "2025-01-30",
    "2025-01-31",
    "2025-04-07",
    "2025-04-30",
    "2025-05-01",
    "2025-05-02",
    "2025-09-01",
    "2025-09-02",
    // 2026
    "2026-01-01",
    "2026-02-16",
    "2026-02-17",
    "2026-02-18",
    "2026-02-19",
    "2026-02-20",
    "2026-04-27",
    "2026-04-30",
    "2026-05-01",
    "2026-09-01",
    "2026-09-02",
    // 2027
    "2027-01-01",
    "2027-02-05",
    "2027-02-08",
    "2027-02-09",
    "2027-02-10",
    "2027-02-11",
    "2027-04-16",
    "2027-04-30",
    "2027-05-03",
    "2027-09-02",
    "2027-09-03",
];

fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.split('-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if it.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let day = days_from_civil(y, m, d);
    // Reject dates like 2026-02-30 that normalise into another month.
    let (yy, mm, dd) = super::time::civil_from_days(day);
    (yy == y && mm == m && dd == d).then_some(day)
}

/// When a step with `target` is due for a ticket created at `created_at` (epoch ms).
pub fn due_at(created_at: i64, target: SlaTarget, cal: &WorkCalendar) -> i64 {
    match target.unit {
        SlaUnit::Minutes => created_at + target.amount as i64 * MINUTE_MS,
        SlaUnit::Hours => created_at + target.amount as i64 * HOUR_MS,
        SlaUnit::WorkingDays => {
            let mut day = local_day(created_at);
            let mut time_of_day = created_at - local_day_start(day);
            if !cal.is_working_day(day) {
                while !cal.is_working_day(day) {
                    day += 1;
                }
                time_of_day = OFFICE_OPENS_MS;
            }
            let mut left = target.amount;
            while left > 0 {
                day += 1;
                if cal.is_working_day(day) {
                    left -= 1;
                }
            }
            local_day_start(day) + time_of_day
        }
    }
}

/// Where a ticket stands against one SLA step at `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlaState {
    /// Done by the due time.
    Met,
    /// Done, but after the due time.
    MissedDone,
    /// Not done and past due.
    Breached { overdue_ms: i64 },
    /// Not done, still in time.
    Running { left_ms: i64 },
}

/// The state of one SLA step.
pub fn sla_state(done_at: Option<i64>, due: i64, now: i64) -> SlaState {
    match done_at {
        Some(d) if d <= due => SlaState::Met,
        Some(_) => SlaState::MissedDone,
        None if now > due => SlaState::Breached {
            overdue_ms: now - due,
        },
        None => SlaState::Running { left_ms: due - now },
    }
}

/// Weekday name in Vietnamese for a local instant (used in tooltips).
pub fn weekday_vi(ms: i64) -> &'static str {
    [
        "Thứ Hai",
        "Thứ Ba",
        "Thứ Tư",
        "Thứ Năm",
        "Thứ Sáu",
        "Thứ Bảy",
        "Chủ Nhật",
    ][to_local(ms).weekday as usize]
}

#[cfg(test)]
mod tests {
    use super::super::time::local_to_utc;
    use super::*;

    fn wd(n: u32) -> SlaTarget {
        SlaTarget {
            amount: n,
            unit: SlaUnit::WorkingDays,
        }
    }

    #[test]
    fn minutes_run_around_the_clock() {
        let t = local_to_utc(2026, 12, 5, 23, 50); // Saturday night
        let due = due_at(
            t,
            SlaTarget {
                amount: 15,
                unit: SlaUnit::Minutes,
            },
            &WorkCalendar::default(),
        );
        assert_eq!(due, local_to_utc(2026, 12, 6, 0, 5));
    }

    #[test]
    fn working_days_skip_weekends() {
        let cal = WorkCalendar::default();
        // Thursday 10:00 + 2 working days = Monday 10:00.
        let t = local_to_utc(2026, 12, 3, 10, 0);
        assert_eq!(due_at(t, wd(2), &cal), local_to_utc(2026, 12, 7, 10, 0));
        // Saturday 15:00 + 1 working day = Tuesday 07:30 (counting starts Monday at opening).
        let t = local_to_utc(2026, 12, 5, 15, 0);
        assert_eq!(due_at(t, wd(1), &cal), local_to_utc(2026, 12, 8, 7, 30));
    }

    #[test]
    fn working_days_skip_holidays() {
        let cal = WorkCalendar::from_dates(["2026-09-01", "2026-09-02"]).unwrap();
        // Monday 31/8 09:00 + 1 working day: Tue 1/9 and Wed 2/9 are holidays → Thu 3/9 09:00.
        let t = local_to_utc(2026, 8, 31, 9, 0);
        assert_eq!(due_at(t, wd(1), &cal), local_to_utc(2026, 9, 3, 9, 0));
        assert!(WorkCalendar::from_dates(["2026-02-30"]).is_err());
        assert!(WorkCalendar::vietnam_default().holiday_count() > 20);
    }

    #[test]
    fn states() {
        assert_eq!(sla_state(Some(10), 10, 99), SlaState::Met);
        assert_eq!(sla_state(Some(11), 10, 99), SlaState::MissedDone);
        assert_eq!(sla_state(None, 10, 15), SlaState::Breached { overdue_ms: 5 });
        assert_eq!(sla_state(None, 10, 4), SlaState::Running { left_ms: 6 });
    }
}
