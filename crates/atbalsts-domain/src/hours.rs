//! Working hours and business time on the Latvian calendar, in Riga time.
//!
//! A support group (or a customer service centre) works set hours on the
//! calendar's working days: `mon-thu 08:30-17:00; fri 08:30-15:30`. Business
//! time is the time inside those hours; SLA targets are counted in it. The
//! day before a holiday ends an hour earlier (Labour Law s.135); a Saturday
//! worked in place of a weekday keeps that weekday's hours. Local times are
//! turned into instants in Europe/Riga, so the hour lost or gained when DST
//! starts or ends at night is not counted twice or lost.

use crate::calendar::{Calendar, DayKind};
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use std::fmt;

/// Latvia's time zone, compiled in so that clocks do not depend on the host's tzdata.
pub fn riga() -> TimeZone {
    jiff::tz::get!("Europe/Riga")
}

/// Open from `open` to `close` on one day; `close` may be 24:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub open: Time,
    /// Minutes after midnight, so 24:00 (1440) is expressible.
    close_minutes: u16,
}

impl Window {
    fn open_minutes(&self) -> u16 {
        self.open.hour() as u16 * 60 + self.open.minute() as u16
    }
}

/// Hours for each weekday, Monday first; `None` is closed.
///
/// Hours on Saturday or Sunday mean the group works weekends too (a centre
/// open on Saturdays); holidays are off unless `holidays` is given (a
/// round-the-clock desk: `mon-sun 00:00-24:00; holidays`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeeklyHours {
    days: [Option<Window>; 7],
    holidays: bool,
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A day's opening hours could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HoursError(String);

impl Default for WeeklyHours {
    /// The usual hours of a state institution: Monday to Friday, 08:30–17:00.
    fn default() -> Self {
        WeeklyHours::parse("mon-fri 08:30-17:00").unwrap_or(WeeklyHours {
            days: [None; 7],
            holidays: false,
        })
    }
}

fn weekday_index(w: Weekday) -> usize {
    w.to_monday_zero_offset() as usize
}

fn parse_day(s: &str) -> Result<usize, HoursError> {
    DAY_NAMES.iter().position(|d| *d == s).ok_or_else(|| {
        HoursError(format!(
            "unknown day {s:?}: use mon, tue, wed, thu, fri, sat, sun"
        ))
    })
}

fn parse_minutes(s: &str) -> Result<u16, HoursError> {
    let bad = || HoursError(format!("{s:?} is not a time of day like 08:30"));
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m > 59 || h > 24 || (h == 24 && m > 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

impl WeeklyHours {
    /// Read `mon-fri 08:30-17:00; sat 10:00-14:00`. Later parts override earlier ones.
    pub fn parse(text: &str) -> Result<WeeklyHours, HoursError> {
        let mut days = [None; 7];
        let mut any = false;
        let mut holidays = false;
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            if part == "holidays" {
                holidays = true;
                continue;
            }
            let (which, times) = part.split_once(' ').ok_or_else(|| {
                HoursError(format!(
                    "{part:?}: write the days, a space, then the hours, like mon-fri 08:30-17:00"
                ))
            })?;
            let (from, to) = match which.split_once('-') {
                Some((a, b)) => (parse_day(a)?, parse_day(b)?),
                None => (parse_day(which)?, parse_day(which)?),
            };
            if from > to {
                return Err(HoursError(format!("{which:?}: the days run backwards")));
            }
            let (open, close) = times
                .trim()
                .split_once('-')
                .ok_or_else(|| HoursError(format!("{times:?}: write the hours as 08:30-17:00")))?;
            let (open, close) = (parse_minutes(open.trim())?, parse_minutes(close.trim())?);
            if open >= close {
                return Err(HoursError(format!(
                    "{times:?}: closing must come after opening"
                )));
            }
            let open = Time::new((open / 60) as i8, (open % 60) as i8, 0, 0)
                .map_err(|e| HoursError(e.to_string()))?;
            for day in &mut days[from..=to] {
                *day = Some(Window {
                    open,
                    close_minutes: close,
                });
            }
            any = true;
        }
        if !any {
            return Err(HoursError("no opening hours given".into()));
        }
        Ok(WeeklyHours { days, holidays })
    }

    pub fn on(&self, weekday: Weekday) -> Option<Window> {
        self.days[weekday_index(weekday)]
    }
}

impl fmt::Display for WeeklyHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        let mut i = 0;
        while i < 7 {
            let Some(w) = self.days[i] else {
                i += 1;
                continue;
            };
            let mut j = i;
            while j + 1 < 7 && self.days[j + 1] == Some(w) {
                j += 1;
            }
            let days = if i == j {
                DAY_NAMES[i].to_string()
            } else {
                format!("{}-{}", DAY_NAMES[i], DAY_NAMES[j])
            };
            let open = w.open_minutes();
            parts.push(format!(
                "{days} {:02}:{:02}-{:02}:{:02}",
                open / 60,
                open % 60,
                w.close_minutes / 60,
                w.close_minutes % 60
            ));
            i = j + 1;
        }
        if self.holidays {
            parts.push("holidays".into());
        }
        f.write_str(&parts.join("; "))
    }
}

/// Business time: a calendar, the hours worked on its working days, a time zone.
#[derive(Debug, Clone)]
pub struct BusinessTime<'a> {
    pub calendar: &'a Calendar,
    pub hours: &'a WeeklyHours,
    pub tz: TimeZone,
}

/// Enough days to find any target's end: ten years of calendar.
const MAX_DAYS: usize = 3700;

impl<'a> BusinessTime<'a> {
    pub fn new(calendar: &'a Calendar, hours: &'a WeeklyHours) -> Self {
        BusinessTime {
            calendar,
            hours,
            tz: riga(),
        }
    }

    /// The instants `date` is worked between, if it is.
    pub fn window(&self, date: Date) -> Option<(Timestamp, Timestamp)> {
        let day = self.calendar.day(date);
        let worked = match day.kind {
            DayKind::Working | DayKind::TransferredWorking { .. } => true,
            DayKind::Weekend => true,
            DayKind::Holiday(_) | DayKind::HolidayMoved(_) | DayKind::TransferredOff { .. } => {
                self.hours.holidays
            }
        };
        if !worked {
            return None;
        }
        // A Saturday worked for a weekday keeps that weekday's hours.
        let weekday = match day.kind {
            DayKind::TransferredWorking { day_off } => day_off.weekday(),
            _ => date.weekday(),
        };
        let w = self.hours.on(weekday)?;
        let mut close = i64::from(w.close_minutes);
        if day.shortened {
            close = (close - 60).max(i64::from(w.open_minutes()));
        }
        let start = self.instant(date, i64::from(w.open_minutes()))?;
        let end = self.instant(date, close)?;
        (start < end).then_some((start, end))
    }

    /// The instant `minutes` after local midnight of `date` (24:00 is the next midnight).
    fn instant(&self, date: Date, minutes: i64) -> Option<Timestamp> {
        let (date, minutes) = if minutes >= 1440 {
            (date.tomorrow().ok()?, minutes - 1440)
        } else {
            (date, minutes)
        };
        let time = Time::new((minutes / 60) as i8, (minutes % 60) as i8, 0, 0).ok()?;
        date.to_datetime(time)
            .to_zoned(self.tz.clone())
            .ok()
            .map(|z| z.timestamp())
    }

    fn local_date(&self, t: Timestamp) -> Date {
        t.to_zoned(self.tz.clone()).date()
    }

    /// The instant `seconds` of business time after `from`. At 0 it is `from`
    /// itself, even outside hours: nothing is left to count.
    pub fn add(&self, from: Timestamp, seconds: i64) -> Option<Timestamp> {
        if seconds <= 0 {
            return Some(from);
        }
        let mut left = seconds;
        let mut date = self.local_date(from);
        for _ in 0..MAX_DAYS {
            if let Some((open, close)) = self.window(date)
                && close > from
            {
                let start = open.max(from);
                let available = close.duration_since(start).as_secs();
                if left <= available {
                    return start.checked_add(SignedDuration::from_secs(left)).ok();
                }
                left -= available;
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// Business seconds in `[from, to)`; zero when `to` is not after `from`.
    pub fn between(&self, from: Timestamp, to: Timestamp) -> i64 {
        if to <= from {
            return 0;
        }
        let mut total = 0;
        let mut date = self.local_date(from);
        let last = self.local_date(to);
        for _ in 0..MAX_DAYS {
            if date > last {
                break;
            }
            if let Some((open, close)) = self.window(date) {
                let (a, b) = (open.max(from), close.min(to));
                if b > a {
                    total += b.duration_since(a).as_secs();
                }
            }
            match date.tomorrow() {
                Ok(d) => date = d,
                Err(_) => break,
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn state() -> Calendar {
        crate::calendar::state_2026()
    }

    fn at(s: &str) -> Timestamp {
        jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M", s)
            .and_then(|d| d.to_zoned(riga()))
            .map(|z| z.timestamp())
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn hours_parse_and_print() {
        let h = WeeklyHours::parse("mon-thu 08:30-17:00; fri 08:30-15:30").unwrap_or_default();
        assert_eq!(h.to_string(), "mon-thu 08:30-17:00; fri 08:30-15:30");
        assert_eq!(
            WeeklyHours::parse("mon-sun 00:00-24:00").map(|h| h.to_string()),
            Ok("mon-sun 00:00-24:00".to_string())
        );
        assert_eq!(
            WeeklyHours::parse("mon-sun 00:00-24:00; holidays").map(|h| h.to_string()),
            Ok("mon-sun 00:00-24:00; holidays".to_string())
        );
        for bad in [
            "",
            "mon",
            "fri-mon 08:00-17:00",
            "mon 17:00-08:00",
            "mon 8:00-17:00",
            "xyz 08:00-17:00",
            "mon 08:00-24:30",
        ] {
            assert!(
                WeeklyHours::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn adding_crosses_nights_weekends_and_holidays() {
        let cal = state();
        let hours = WeeklyHours::default();
        let bt = BusinessTime::new(&cal, &hours);
        // Friday 16:00 + 2 h → Monday 09:30 (one hour Friday, one Monday from 08:30).
        assert_eq!(
            bt.add(at("2026-11-27 16:00"), 7200),
            Some(at("2026-11-30 09:30"))
        );
        // Before opening counts from opening.
        assert_eq!(
            bt.add(at("2026-11-30 06:00"), 3600),
            Some(at("2026-11-30 09:30"))
        );
        // 17.11.2026 is shortened (18.11 a holiday): closes at 16:00; 18.11 is off.
        assert_eq!(
            bt.add(at("2026-11-17 15:30"), 3600),
            Some(at("2026-11-19 09:00"))
        );
        // Easter 2026: Good Friday 3.4, Easter Monday 6.4; Thursday 2.4 shortened.
        assert_eq!(
            bt.add(at("2026-04-02 15:30"), 3600),
            Some(at("2026-04-07 09:00"))
        );
        // 2.1.2026 given off, Saturday 17.1 worked with Friday's hours.
        assert_eq!(
            bt.add(at("2026-01-16 16:00"), 7200),
            Some(at("2026-01-17 09:30"))
        );
    }

    #[test]
    fn dst_changes_do_not_add_or_lose_hours() {
        let cal = state();
        let always = WeeklyHours::parse("mon-sun 00:00-24:00; holidays").unwrap_or_default();
        let bt = BusinessTime::new(&cal, &always);
        // Spring forward on Sunday 29.3.2026, 03:00 → 04:00: that day has 23 hours.
        let sat = at("2026-03-28 12:00");
        let mon = at("2026-03-30 12:00");
        assert_eq!(bt.between(sat, mon), 47 * 3600);
        assert_eq!(bt.add(sat, 47 * 3600), Some(mon));
        // Fall back on Sunday 25.10.2026: a 25-hour day.
        let sat = at("2026-10-24 12:00");
        let mon = at("2026-10-26 12:00");
        assert_eq!(bt.between(sat, mon), 49 * 3600);
        assert_eq!(bt.add(sat, 49 * 3600), Some(mon));
    }

    #[test]
    fn weekends_only_when_the_hours_say_so_and_holidays_only_when_named() {
        let cal = state();
        let saturdays =
            WeeklyHours::parse("mon-fri 08:30-17:00; sat 10:00-14:00").unwrap_or_default();
        let bt = BusinessTime::new(&cal, &saturdays);
        assert_eq!(
            bt.add(at("2026-11-27 16:00"), 7200),
            Some(at("2026-11-28 11:00"))
        );
        // 18.11.2026 (Wednesday) is a holiday: closed without `holidays`.
        assert_eq!(bt.window(date(2026, 11, 18)), None);
        let always = WeeklyHours::parse("mon-sun 00:00-24:00; holidays").unwrap_or_default();
        let bt = BusinessTime::new(&cal, &always);
        assert_eq!(
            bt.between(at("2026-11-18 00:00"), at("2026-11-19 00:00")),
            86400
        );
    }

    #[test]
    fn between_counts_only_open_hours() {
        let cal = state();
        let hours = WeeklyHours::default();
        let bt = BusinessTime::new(&cal, &hours);
        assert_eq!(
            bt.between(at("2026-11-27 16:00"), at("2026-11-30 09:30")),
            7200
        );
        assert_eq!(
            bt.between(at("2026-11-30 09:30"), at("2026-11-27 16:00")),
            0
        );
        // A whole working week: 5 × 8.5 h.
        assert_eq!(
            bt.between(at("2026-11-30 00:00"), at("2026-12-07 00:00")),
            5 * 510 * 60
        );
    }
}

/// Properties over random instants and lengths across 2026–2027 (two DST
/// changes a year, Easter, the transferred days, weekends and nights).
#[cfg(test)]
mod properties {
    use super::*;
    use crate::calendar::{CalendarData, Transfer};
    use jiff::civil::date;
    use proptest::prelude::*;

    fn calendar() -> Calendar {
        Calendar::new(CalendarData {
            transfers: vec![Transfer {
                day_off: date(2026, 6, 22),
                worked_on: date(2026, 6, 27),
            }],
            ..CalendarData::default()
        })
    }

    fn schedules() -> Vec<WeeklyHours> {
        [
            "mon-fri 08:30-17:00",
            "mon-thu 08:30-17:00; fri 08:30-15:30; sat 10:00-14:00",
            "mon-sun 00:00-24:00; holidays",
            "mon-fri 01:00-05:00",
        ]
        .iter()
        .filter_map(|h| WeeklyHours::parse(h).ok())
        .collect()
    }

    // 2026-01-01T00:00Z to 2028-01-01T00:00Z, in seconds.
    const FROM: i64 = 1_767_225_600;
    const TO: i64 = 1_830_297_600;

    fn ts(secs: i64) -> Timestamp {
        Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn adding_then_measuring_gives_the_same_length(
            start in FROM..TO, secs in 0i64..400 * 3600, which in 0usize..4
        ) {
            let cal = calendar();
            let hours = &schedules()[which];
            let bt = BusinessTime::new(&cal, hours);
            let from = ts(start);
            let end = bt.add(from, secs);
            prop_assert!(end.is_some());
            let end = end.unwrap_or(from);
            prop_assert!(end >= from);
            prop_assert_eq!(bt.between(from, end), secs);
        }

        #[test]
        fn lengths_add_up_over_any_split(a in FROM..TO, d1 in 0i64..30 * 86400, d2 in 0i64..30 * 86400, which in 0usize..4) {
            let cal = calendar();
            let hours = &schedules()[which];
            let bt = BusinessTime::new(&cal, hours);
            let (a, b, c) = (ts(a), ts(a + d1), ts(a + d1 + d2));
            prop_assert_eq!(bt.between(a, b) + bt.between(b, c), bt.between(a, c));
            // Business time never exceeds the real time that passed.
            prop_assert!(bt.between(a, c) <= d1 + d2);
        }

        #[test]
        fn later_targets_never_end_earlier(start in FROM..TO, s1 in 0i64..200 * 3600, extra in 0i64..200 * 3600, which in 0usize..4) {
            let cal = calendar();
            let hours = &schedules()[which];
            let bt = BusinessTime::new(&cal, hours);
            let from = ts(start);
            prop_assert!(bt.add(from, s1) <= bt.add(from, s1 + extra));
        }
    }
}
