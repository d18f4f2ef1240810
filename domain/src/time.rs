//! Calendar facts of the programme: Asia/Shanghai days, academic years and terms.
//!
//! China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact
//! and spares a time-zone database.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Asia/Shanghai.
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("+08:00 is a valid offset"))
}

/// The calendar day in Shanghai on which an instant falls.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&shanghai()).date_naive()
}

/// 00:00 in Shanghai on `day`, as an instant. At the very edges of chrono's calendar the
/// instant does not exist (00:00+08:00 on its first day is before its first instant): there
/// it saturates to the first or last instant rather than fail.
pub fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    match shanghai()
        .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .single()
    {
        Some(t) => t.with_timezone(&Utc),
        None if day < NaiveDate::default() => DateTime::<Utc>::MIN_UTC,
        None => DateTime::<Utc>::MAX_UTC,
    }
}

/// The calendar the programme's rules walk: 1949 (no Party branch record here is older) to
/// the end of 2200. Walks over months and windows clamp their ends into it, so each is
/// bounded by construction whatever date reaches them.
pub const CALENDAR_START: NaiveDate = match NaiveDate::from_ymd_opt(1949, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};
pub const CALENDAR_END: NaiveDate = match NaiveDate::from_ymd_opt(2200, 12, 31) {
    Some(day) => day,
    None => NaiveDate::MAX,
};

/// `day`, moved into [`CALENDAR_START`] ..= [`CALENDAR_END`].
pub fn within_calendar(day: NaiveDate) -> NaiveDate {
    day.clamp(CALENDAR_START, CALENDAR_END)
}

/// An assessment period: an academic year `2025-2026` (1 Sep 2025 – 31 Aug 2026), one of
/// its terms, `2025-2026-1` (1 Sep – end of February) and `2025-2026-2` (1 Mar – 31 Aug), or
/// a calendar year `2026` (1 Jan – 31 Dec; seed 003's 「年內」, 「當年」 and 办法一's
/// 「以自然年度為限」).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Period {
    /// An academic year, from 1 September of `start`.
    Year {
        start: i32,
    },
    Term {
        start: i32,
        term: u8,
    },
    /// A calendar year (自然年度), 1 January – 31 December of `year`.
    Calendar {
        year: i32,
    },
}

/// The kinds of period, as a rubric names the ones it is assessed over (`periods`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PeriodKind {
    /// `2026`: 1 January – 31 December.
    CalendarYear,
    /// `2025-2026`: 1 September – 31 August.
    AcademicYear,
    /// `2025-2026-1`, `2025-2026-2`.
    Term,
}

impl PeriodKind {
    pub const ALL: &'static [PeriodKind] = &[PeriodKind::CalendarYear, PeriodKind::AcademicYear, PeriodKind::Term];
}

impl fmt::Display for PeriodKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PeriodKind::CalendarYear => "calendar years (like 2026)",
            PeriodKind::AcademicYear => "academic years (like 2025-2026)",
            PeriodKind::Term => "terms (like 2025-2026-1)",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a period: write a calendar year like 2026, an academic year like 2025-2026 or a term like 2025-2026-1"
)]
pub struct BadPeriod(pub String);

impl Period {
    pub fn parse(text: &str) -> Result<Period, BadPeriod> {
        let bad = || BadPeriod(text.to_owned());
        let parts: Vec<&str> = text.trim().split('-').collect();
        let year = |s: &str| -> Result<i32, BadPeriod> {
            if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let y = s.parse::<i32>().map_err(|_| bad())?;
            if (1949..=2200).contains(&y) { Ok(y) } else { Err(bad()) }
        };
        if let [one] = parts.as_slice() {
            return Ok(Period::Calendar { year: year(one)? });
        }
        let (start, end) = match parts.as_slice() {
            [a, b] | [a, b, _] => (year(a)?, year(b)?),
            _ => return Err(bad()),
        };
        if end != start + 1 {
            return Err(bad());
        }
        match parts.as_slice() {
            [_, _] => Ok(Period::Year { start }),
            [_, _, "1"] => Ok(Period::Term { start, term: 1 }),
            [_, _, "2"] => Ok(Period::Term { start, term: 2 }),
            _ => Err(bad()),
        }
    }

    /// Which kind of period this is.
    pub fn kind(self) -> PeriodKind {
        match self {
            Period::Year { .. } => PeriodKind::AcademicYear,
            Period::Term { .. } => PeriodKind::Term,
            Period::Calendar { .. } => PeriodKind::CalendarYear,
        }
    }

    /// First day, inclusive.
    pub fn first_day(self) -> NaiveDate {
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
        match self {
            Period::Year { start } | Period::Term { start, term: 1 } => ymd(start, 9, 1),
            Period::Term { start, .. } => ymd(start + 1, 3, 1),
            Period::Calendar { year } => ymd(year, 1, 1),
        }
    }

    /// Last day, inclusive.
    pub fn last_day(self) -> NaiveDate {
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MAX);
        match self {
            Period::Term { start, term: 1 } => ymd(start + 1, 3, 1).pred_opt().unwrap_or(NaiveDate::MAX),
            Period::Year { start } | Period::Term { start, .. } => ymd(start + 1, 8, 31),
            Period::Calendar { year } => ymd(year, 12, 31),
        }
    }

    pub fn contains(self, day: NaiveDate) -> bool {
        self.first_day() <= day && day <= self.last_day()
    }

    /// The terms a period is made of: a year's two terms, the term itself, or the three
    /// terms a calendar year overlaps (the first term of the academic year that began the
    /// autumn before, from 1 January; the second term; the first term that begins in
    /// September, to 31 December). `PER_TERM_THRESHOLD` reads each of them clipped to the
    /// period.
    pub fn terms(self) -> Vec<Period> {
        match self {
            Period::Year { start } => vec![Period::Term { start, term: 1 }, Period::Term { start, term: 2 }],
            Period::Calendar { year } => vec![
                Period::Term {
                    start: year - 1,
                    term: 1,
                },
                Period::Term {
                    start: year - 1,
                    term: 2,
                },
                Period::Term { start: year, term: 1 },
            ],
            term => vec![term],
        }
    }

    /// True when `term` is one of this period's terms for its academic results: an academic
    /// year's two terms, a term itself, or, for a calendar year, the two terms that end in it
    /// (a result is known when its term ends: `2025-2026-1` ends in February 2026 and
    /// `2025-2026-2` in August, so both count for `2026`; `2026-2027-1` counts for `2027`).
    pub fn holds_term(self, term: Period) -> bool {
        match (self, term) {
            (Period::Year { start: a }, Period::Term { start: b, .. }) => a == b,
            (Period::Calendar { year }, Period::Term { .. }) => term.last_day().year() == year,
            (p, t) => p == t,
        }
    }

    /// The period before: a year's previous year, a term's previous term, a calendar
    /// year's previous calendar year.
    pub fn previous(self) -> Period {
        match self {
            Period::Year { start } => Period::Year { start: start - 1 },
            Period::Term { start, term: 2 } => Period::Term { start, term: 1 },
            Period::Term { start, .. } => Period::Term {
                start: start - 1,
                term: 2,
            },
            Period::Calendar { year } => Period::Calendar { year: year - 1 },
        }
    }

    /// The academic year a day falls in.
    pub fn year_of(day: NaiveDate) -> Period {
        let start = if day.month() >= 9 { day.year() } else { day.year() - 1 };
        Period::Year { start }
    }

    /// The term a day falls in.
    pub fn term_of(day: NaiveDate) -> Period {
        let start = if day.month() >= 9 { day.year() } else { day.year() - 1 };
        let term = if (3..=8).contains(&day.month()) { 2 } else { 1 };
        Period::Term { start, term }
    }

    pub fn is_term(self) -> bool {
        matches!(self, Period::Term { .. })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year { start } => write!(f, "{}-{}", start, start + 1),
            Period::Term { start, term } => write!(f, "{}-{}-{}", start, start + 1, term),
            Period::Calendar { year } => write!(f, "{year}"),
        }
    }
}

impl TryFrom<String> for Period {
    type Error = BadPeriod;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Period::parse(&value)
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

/// A calendar month `2025-10`, as used by monthly records and branch opinions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a month: write it like 2025-10")]
pub struct BadMonth(pub String);

impl Month {
    pub fn parse(text: &str) -> Result<Month, BadMonth> {
        let bad = || BadMonth(text.to_owned());
        let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
        // Digits only: `str::parse` would take `+1` for a month.
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(y, 4) || !digits(m, 2) {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || !(1949..=2200).contains(&year) {
            return Err(bad());
        }
        Ok(Month { year, month })
    }

    pub fn of(day: NaiveDate) -> Month {
        Month {
            year: day.year(),
            month: day.month(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl TryFrom<String> for Month {
    type Error = BadMonth;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Month::parse(&value)
    }
}

impl From<Month> for String {
    fn from(m: Month) -> String {
        m.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_calendar_edges_do_not_panic() {
        // 00:00+08:00 on chrono's first day is before its first instant.
        assert_eq!(start_of_day(NaiveDate::MIN), DateTime::<Utc>::MIN_UTC);
        assert!(start_of_day(NaiveDate::MAX) > start_of_day(d(2200, 1, 1)));
        assert_eq!(within_calendar(NaiveDate::MIN), CALENDAR_START);
        assert_eq!(within_calendar(NaiveDate::MAX), CALENDAR_END);
        assert_eq!(within_calendar(d(2025, 10, 1)), d(2025, 10, 1));
    }

    #[test]
    fn a_year_runs_from_september_to_august() {
        let p = Period::parse("2025-2026").unwrap();
        assert_eq!((p.first_day(), p.last_day()), (d(2025, 9, 1), d(2026, 8, 31)));
        assert_eq!(p.previous().to_string(), "2024-2025");
    }

    #[test]
    fn the_first_term_ends_on_the_last_day_of_february() {
        let t1 = Period::parse("2023-2024-1").unwrap();
        assert_eq!(t1.last_day(), d(2024, 2, 29)); // 2024 is a leap year
        let t2 = Period::parse("2025-2026-2").unwrap();
        assert_eq!((t2.first_day(), t2.last_day()), (d(2026, 3, 1), d(2026, 8, 31)));
        assert_eq!(
            Period::parse("2025-2026-1").unwrap().previous().to_string(),
            "2024-2025-2"
        );
        assert_eq!(t2.previous().to_string(), "2025-2026-1");
    }

    #[test]
    fn a_calendar_year_runs_from_january_to_december() {
        // Seed 003 办法一 「每次為期一年,以自然年度為限」: a natural (calendar) year.
        let p = Period::parse("2026").unwrap();
        assert_eq!(p, Period::Calendar { year: 2026 });
        assert_eq!((p.first_day(), p.last_day()), (d(2026, 1, 1), d(2026, 12, 31)));
        assert_eq!(p.kind(), PeriodKind::CalendarYear);
        assert_eq!(p.to_string(), "2026");
        assert_eq!(p.previous().to_string(), "2025");
        assert!(p.contains(d(2026, 1, 1)) && p.contains(d(2026, 12, 31)));
        assert!(!p.contains(d(2025, 12, 31)) && !p.contains(d(2027, 1, 1)));
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, "\"2026\"");
        assert_eq!(serde_json::from_str::<Period>(&json).unwrap(), p);
    }

    #[test]
    fn a_calendar_year_overlaps_three_terms_and_holds_the_results_of_two() {
        let p = Period::parse("2026").unwrap();
        let terms: Vec<String> = p.terms().iter().map(Period::to_string).collect();
        // Jan–Feb of 2025-2026-1, all of 2025-2026-2, Sep–Dec of 2026-2027-1.
        assert_eq!(terms, ["2025-2026-1", "2025-2026-2", "2026-2027-1"]);
        // Results count by the year their term ends in: February and August 2026.
        let holds = |t: &str| p.holds_term(Period::parse(t).unwrap());
        assert!(holds("2025-2026-1") && holds("2025-2026-2"));
        assert!(!holds("2026-2027-1") && !holds("2024-2025-2"));
        let year = Period::parse("2025-2026").unwrap();
        assert!(year.holds_term(Period::parse("2025-2026-2").unwrap()));
        assert!(!year.holds_term(Period::parse("2026-2027-1").unwrap()));
    }

    #[test]
    fn each_kind_parses_back_from_its_display() {
        for text in ["2026", "2025-2026", "2025-2026-1", "2025-2026-2"] {
            assert_eq!(Period::parse(text).unwrap().to_string(), text);
        }
        let kinds: Vec<PeriodKind> = ["2026", "2025-2026", "2025-2026-1"]
            .iter()
            .map(|t| Period::parse(t).unwrap().kind())
            .collect();
        assert_eq!(kinds, PeriodKind::ALL);
    }

    #[test]
    fn nonsense_is_not_a_period() {
        for bad in [
            "25",
            "1948",
            "2201",
            "+025",
            "2025-2027",
            "2025-2026-3",
            "25-26",
            "2025-2026-1-1",
            "abcd-abce",
            "",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn days_fall_in_terms() {
        assert_eq!(Period::term_of(d(2026, 2, 28)).to_string(), "2025-2026-1");
        assert_eq!(Period::term_of(d(2026, 3, 1)).to_string(), "2025-2026-2");
        assert_eq!(Period::term_of(d(2025, 9, 1)).to_string(), "2025-2026-1");
        assert_eq!(Period::year_of(d(2025, 8, 31)).to_string(), "2024-2025");
    }

    #[test]
    fn shanghai_days_begin_at_sixteen_utc() {
        let t = start_of_day(d(2025, 9, 15));
        assert_eq!(t.to_rfc3339(), "2025-09-14T16:00:00+00:00");
        assert_eq!(local_date(t), d(2025, 9, 15));
    }

    #[test]
    fn months_parse_and_step() {
        let m = Month::parse("2025-12").unwrap();
        assert_eq!(m.next().to_string(), "2026-01");
        assert_eq!(Month::parse("2026-02").unwrap().last_day(), d(2026, 2, 28));
        assert!(Month::parse("2025-13").is_err());
        assert!(Month::parse("2025-1").is_err());
        assert!(Month::parse("2025-+1").is_err(), "a sign is not a digit");
        assert!(Month::parse("+025-01").is_err());
    }
}
