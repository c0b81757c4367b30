//! The Latvian business calendar of state institutions.
//!
//! Public holidays are those of the law "Par svētku, atceres un atzīmējamām
//! dienām", section 1. Of them only 4 May, 18 November and the closing day of
//! the Song and Dance Festival move: when one falls on a Saturday or Sunday,
//! the next working day is a day off. Laws add holidays ad hoc and the Cabinet
//! moves single working days between a holiday and a weekend to a Saturday
//! (Labour Law s.133(4)); both come as [`CalendarData`], so the next amendment
//! is a row, not a release. The working day before a holiday is one hour
//! shorter (Labour Law s.135), also when the holiday is on a Saturday, and on a
//! working Saturday that stands in for such a day.

use jiff::civil::{Date, Weekday};

/// A public holiday, by what it celebrates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Holiday {
    NewYear,
    GoodFriday,
    EasterSunday,
    EasterMonday,
    LabourDay,
    IndependenceRestoration,
    MothersDay,
    Pentecost,
    Midsummer,
    StJohnsDay,
    SongFestivalClosing,
    ProclamationDay,
    ChristmasEve,
    Christmas,
    SecondChristmas,
    NewYearsEve,
    /// A holiday a law added for one year (its name is in the data).
    Extra,
}

impl Holiday {
    /// A stable name, for translation files and the API.
    pub fn code(self) -> &'static str {
        match self {
            Holiday::NewYear => "new_year",
            Holiday::GoodFriday => "good_friday",
            Holiday::EasterSunday => "easter_sunday",
            Holiday::EasterMonday => "easter_monday",
            Holiday::LabourDay => "labour_day",
            Holiday::IndependenceRestoration => "independence_restoration",
            Holiday::MothersDay => "mothers_day",
            Holiday::Pentecost => "pentecost",
            Holiday::Midsummer => "midsummer_eve",
            Holiday::StJohnsDay => "midsummer_day",
            Holiday::SongFestivalClosing => "song_festival_closing",
            Holiday::ProclamationDay => "proclamation_day",
            Holiday::ChristmasEve => "christmas_eve",
            Holiday::Christmas => "christmas",
            Holiday::SecondChristmas => "second_christmas",
            Holiday::NewYearsEve => "new_years_eve",
            Holiday::Extra => "extra",
        }
    }

    /// Whether a weekend date of this holiday gives the next working day off.
    fn moves_off_weekend(self) -> bool {
        matches!(
            self,
            Holiday::IndependenceRestoration
                | Holiday::ProclamationDay
                | Holiday::SongFestivalClosing
        )
    }
}

/// What a law or the Cabinet decided beyond the rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalendarData {
    /// Holidays added for one date, with their name.
    pub extra_holidays: Vec<(Date, String)>,
    /// Closing days of the Song and Dance Festival (set by the Cabinet).
    pub song_festival_closings: Vec<Date>,
    /// A working day given off, and the Saturday worked instead.
    pub transfers: Vec<Transfer>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transfer {
    pub day_off: Date,
    pub worked_on: Date,
}

/// Why a day is or is not a working day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    Working,
    Weekend,
    Holiday(Holiday),
    /// The working day after 4 May, 18 November or the festival's closing day on a weekend.
    HolidayMoved(Holiday),
    /// A working day given off; its Saturday is worked instead.
    TransferredOff {
        worked_on: Date,
    },
    /// A Saturday worked in place of a day given off.
    TransferredWorking {
        day_off: Date,
    },
}

/// One day of the calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    pub date: Date,
    pub kind: DayKind,
    /// An extra holiday's name from the data.
    pub name: Option<String>,
    /// One hour shorter: the working day before a holiday.
    pub shortened: bool,
}

impl Day {
    pub fn is_working(&self) -> bool {
        matches!(
            self.kind,
            DayKind::Working | DayKind::TransferredWorking { .. }
        )
    }
}

/// Western Easter Sunday of `year` (the Gregorian computus).
pub fn easter(year: i16) -> Date {
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // Both fit: March or April, 1–31.
    Date::new(year, month as i8, day as i8).unwrap_or_default()
}

/// The calendar: the rules and the data.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    data: CalendarData,
}

impl Calendar {
    pub fn new(data: CalendarData) -> Calendar {
        Calendar { data }
    }

    /// The holiday on `date`, if it is one.
    pub fn holiday(&self, date: Date) -> Option<(Holiday, Option<String>)> {
        if let Some((_, name)) = self.data.extra_holidays.iter().find(|(d, _)| *d == date) {
            return Some((Holiday::Extra, Some(name.clone())));
        }
        if self.data.song_festival_closings.contains(&date) {
            return Some((Holiday::SongFestivalClosing, None));
        }
        let easter = easter(date.year());
        let from_easter = |days: i64| easter.checked_add(jiff::Span::new().days(days)).ok();
        let fixed = match (date.month(), date.day()) {
            (1, 1) => Some(Holiday::NewYear),
            (5, 1) => Some(Holiday::LabourDay),
            (5, 4) => Some(Holiday::IndependenceRestoration),
            (6, 23) => Some(Holiday::Midsummer),
            (6, 24) => Some(Holiday::StJohnsDay),
            (11, 18) => Some(Holiday::ProclamationDay),
            (12, 24) => Some(Holiday::ChristmasEve),
            (12, 25) => Some(Holiday::Christmas),
            (12, 26) => Some(Holiday::SecondChristmas),
            (12, 31) => Some(Holiday::NewYearsEve),
            _ => None,
        };
        let movable = if Some(date) == from_easter(-2) {
            Some(Holiday::GoodFriday)
        } else if date == easter {
            Some(Holiday::EasterSunday)
        } else if Some(date) == from_easter(1) {
            Some(Holiday::EasterMonday)
        } else if Some(date) == from_easter(49) {
            Some(Holiday::Pentecost)
        } else if date.month() == 5
            && date.weekday() == Weekday::Sunday
            && (8..=14).contains(&date.day())
        {
            Some(Holiday::MothersDay)
        } else {
            None
        };
        fixed.or(movable).map(|h| (h, None))
    }

    /// A moving holiday that fell on the weekend before `date`, if `date` is the day off for it.
    fn moved_here(&self, date: Date) -> Option<Holiday> {
        // The holiday is at most two days back (Saturday → Monday, Sunday → Monday),
        // or further when a holiday stands between, which the loop walks over.
        let mut back = date.yesterday().ok()?;
        for _ in 0..4 {
            match self.holiday(back) {
                Some((h, _)) if h.moves_off_weekend() && is_weekend(back) => {
                    // The first working day after it must be `date`.
                    return (self.first_working_after(back) == Some(date)).then_some(h);
                }
                _ if is_weekend(back) || self.holiday(back).is_some() => {
                    back = back.yesterday().ok()?;
                }
                _ => return None,
            }
        }
        None
    }

    /// The first day after `date` that is neither a weekend nor a holiday.
    fn first_working_after(&self, date: Date) -> Option<Date> {
        let mut d = date.tomorrow().ok()?;
        for _ in 0..10 {
            if !is_weekend(d) && self.holiday(d).is_none() {
                return Some(d);
            }
            d = d.tomorrow().ok()?;
        }
        None
    }

    fn kind(&self, date: Date) -> (DayKind, Option<String>) {
        if let Some(t) = self.data.transfers.iter().find(|t| t.day_off == date) {
            return (
                DayKind::TransferredOff {
                    worked_on: t.worked_on,
                },
                None,
            );
        }
        if let Some(t) = self.data.transfers.iter().find(|t| t.worked_on == date) {
            return (DayKind::TransferredWorking { day_off: t.day_off }, None);
        }
        if let Some((h, name)) = self.holiday(date) {
            return (DayKind::Holiday(h), name);
        }
        if is_weekend(date) {
            return (DayKind::Weekend, None);
        }
        match self.moved_here(date) {
            Some(h) => (DayKind::HolidayMoved(h), None),
            None => (DayKind::Working, None),
        }
    }

    /// Whether the day after `date` is a holiday, so `date`, if worked, is shortened.
    fn before_holiday(&self, date: Date) -> bool {
        date.tomorrow()
            .ok()
            .is_some_and(|next| self.holiday(next).is_some())
    }

    /// The day `date`: working or not, why, and whether it is shortened.
    pub fn day(&self, date: Date) -> Day {
        let (kind, name) = self.kind(date);
        let shortened = match &kind {
            DayKind::Working => self.before_holiday(date),
            // A Saturday worked for a pre-holiday day keeps the shorter hours.
            DayKind::TransferredWorking { day_off } => {
                self.before_holiday(date) || self.before_holiday(*day_off)
            }
            _ => false,
        };
        Day {
            date,
            kind,
            name,
            shortened,
        }
    }
}

fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// A decision of a law or the Cabinet to add to a calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A holiday a law adds for one date.
    Holiday { day: Date, name: String },
    /// The Song and Dance Festival's closing day.
    SongFestivalClosing { day: Date },
    /// A working day given off, worked on a Saturday instead.
    Transfer { day_off: Date, worked_on: Date },
}

impl Entry {
    /// Check an entry against the calendar it joins; every problem, by field.
    pub fn check(&self, calendar: &Calendar) -> Result<(), crate::error::DomainError> {
        let mut errors = Vec::new();
        match self {
            Entry::Holiday { day, name } => {
                if name.trim().is_empty() {
                    errors.push(crate::error::FieldError::new(
                        "name",
                        "give the holiday's name as the law states it",
                    ));
                }
                if calendar.holiday(*day).is_some() {
                    errors.push(crate::error::FieldError::new(
                        "day",
                        format!("{day} is already a holiday"),
                    ));
                }
            }
            Entry::SongFestivalClosing { day } => {
                if calendar.holiday(*day).is_some() {
                    errors.push(crate::error::FieldError::new(
                        "day",
                        format!("{day} is already a holiday"),
                    ));
                }
            }
            Entry::Transfer { day_off, worked_on } => {
                if !calendar.day(*day_off).is_working() {
                    errors.push(crate::error::FieldError::new(
                        "day",
                        format!("{day_off} is not a working day, so it cannot be given off"),
                    ));
                }
                if worked_on.weekday() != Weekday::Saturday {
                    errors.push(crate::error::FieldError::new(
                        "worked_on",
                        "the day worked instead must be a Saturday",
                    ));
                } else if calendar.holiday(*worked_on).is_some()
                    || !matches!(calendar.day(*worked_on).kind, DayKind::Weekend)
                {
                    errors.push(crate::error::FieldError::new(
                        "worked_on",
                        format!("{worked_on} is already taken by a holiday or another transfer"),
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(crate::error::DomainError::Invalid(errors))
        }
    }
}

/// The state calendar of 2026 with the Cabinet's transfers, for tests here and in other modules.
#[cfg(test)]
pub(crate) fn state_2026() -> Calendar {
    use jiff::civil::date;
    Calendar::new(CalendarData {
        transfers: vec![
            Transfer {
                day_off: date(2026, 1, 2),
                worked_on: date(2026, 1, 17),
            },
            Transfer {
                day_off: date(2026, 6, 22),
                worked_on: date(2026, 6, 27),
            },
        ],
        ..CalendarData::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn easter_falls_on_the_known_sundays() {
        for (y, m, d) in [
            (2023, 4, 9),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
        ] {
            assert_eq!(easter(y), date(y, m, d), "{y}");
        }
    }

    /// Every day of 2026 against the research table (latvia-domain.md §4).
    #[test]
    fn every_day_of_2026() {
        let cal = state_2026();
        let holidays = [
            (1, 1),
            (4, 3),
            (4, 5),
            (4, 6),
            (5, 1),
            (5, 4),
            (5, 10),
            (5, 24),
            (6, 23),
            (6, 24),
            (11, 18),
            (12, 24),
            (12, 25),
            (12, 26),
            (12, 31),
        ];
        let off = [(1, 2), (6, 22)];
        let worked_saturdays = [(1, 17), (6, 27)];
        let shortened = [(4, 2), (4, 30), (6, 27), (11, 17), (12, 23), (12, 30)];
        let mut d = date(2026, 1, 1);
        let mut working = 0;
        while d.year() == 2026 {
            let md = (d.month(), d.day());
            let day = cal.day(d);
            let expect_working = (worked_saturdays.contains(&md)
                || (!is_weekend(d) && !holidays.contains(&md) && !off.contains(&md)))
                && !holidays.contains(&md);
            assert_eq!(day.is_working(), expect_working, "{d}: {day:?}");
            assert_eq!(
                matches!(day.kind, DayKind::Holiday(_)),
                holidays.contains(&md),
                "{d}: {day:?}"
            );
            assert_eq!(day.shortened, shortened.contains(&md), "{d}: {day:?}");
            working += usize::from(day.is_working());
            d = d.tomorrow().unwrap_or(date(2027, 1, 1));
        }
        // 261 weekdays, less 11 holidays on weekdays and 2 days off, plus 2 worked Saturdays.
        assert_eq!(working, 250);
    }

    #[test]
    fn only_the_moving_holidays_give_a_day_off_after_a_weekend() {
        // 4 May 2025 was a Sunday: Monday 5 May off.
        let cal = Calendar::default();
        assert_eq!(
            cal.day(date(2025, 5, 5)).kind,
            DayKind::HolidayMoved(Holiday::IndependenceRestoration)
        );
        // 18 November 2023 was a Saturday: Monday 20 November off.
        assert_eq!(
            cal.day(date(2023, 11, 20)).kind,
            DayKind::HolidayMoved(Holiday::ProclamationDay)
        );
        // 26 December 2026 is a Saturday and is lost: Monday 28 December is worked.
        assert_eq!(cal.day(date(2026, 12, 28)).kind, DayKind::Working);
        // The Song Festival closed on Sunday 9 July 2023: Monday 10 July off.
        let festival = Calendar::new(CalendarData {
            song_festival_closings: vec![date(2023, 7, 9)],
            ..CalendarData::default()
        });
        assert_eq!(
            festival.day(date(2023, 7, 10)).kind,
            DayKind::HolidayMoved(Holiday::SongFestivalClosing)
        );
        assert_eq!(
            Calendar::default().day(date(2023, 7, 10)).kind,
            DayKind::Working
        );
    }

    #[test]
    fn an_extra_holiday_is_a_row_of_data() {
        // 29 May 2023, the ice-hockey bronze.
        let cal = Calendar::new(CalendarData {
            extra_holidays: vec![(date(2023, 5, 29), "Hokeja bronzas diena".into())],
            ..CalendarData::default()
        });
        let day = cal.day(date(2023, 5, 29));
        assert_eq!(day.kind, DayKind::Holiday(Holiday::Extra));
        assert_eq!(day.name.as_deref(), Some("Hokeja bronzas diena"));
        // Shortened is the working day right before a holiday: Sunday 28 May was Pentecost,
        // so no day was; an extra holiday on a Wednesday shortens the Tuesday.
        assert!(!cal.day(date(2023, 5, 26)).shortened);
        let midweek = Calendar::new(CalendarData {
            extra_holidays: vec![(date(2027, 3, 17), "Piemērs".into())],
            ..CalendarData::default()
        });
        assert!(midweek.day(date(2027, 3, 16)).shortened);
        assert!(!Calendar::default().day(date(2027, 3, 16)).shortened);
    }

    #[test]
    fn entries_are_checked_against_the_calendar() {
        let cal = Calendar::default();
        let ok = Entry::Transfer {
            day_off: date(2027, 5, 3),
            worked_on: date(2027, 5, 8),
        };
        assert_eq!(ok.check(&cal), Ok(()));
        let sunday = Entry::Transfer {
            day_off: date(2027, 5, 3),
            worked_on: date(2027, 5, 9),
        };
        assert!(sunday.check(&cal).is_err());
        let holiday_off = Entry::Transfer {
            day_off: date(2027, 5, 4),
            worked_on: date(2027, 5, 8),
        };
        assert!(holiday_off.check(&cal).is_err());
        let unnamed = Entry::Holiday {
            day: date(2027, 7, 1),
            name: " ".into(),
        };
        assert!(unnamed.check(&cal).is_err());
        let twice = Entry::Holiday {
            day: date(2027, 11, 18),
            name: "Svētki".into(),
        };
        assert!(twice.check(&cal).is_err());
        let new = Entry::Holiday {
            day: date(2027, 7, 1),
            name: "Ārkārtas brīvdiena".into(),
        };
        assert_eq!(new.check(&cal), Ok(()));
    }
}
