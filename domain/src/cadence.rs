//! The calendar a cadence runs on (DESIGN §6), one routine for the alerts (when the next
//! contact or report falls due) and the party-star rubric (which windows of a period were
//! met): Asia/Shanghai days cut into ISO weeks, calendar months and quarters ([`Span`]), or
//! blocks of days from a pairing's first day ([`Windowing`]); and the school's vacations,
//! during which the clock stands still ([`Vacations`]). `docs/alerts.md` has the rules in
//! prose.

use crate::event::{Cadence, Vacation};
use crate::time::start_of_day;
use crate::vocab::CalendarUnit;
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, TimeDelta, Utc};

/// School vacations, normalised: sorted, overlapping or adjacent ones merged, each an
/// inclusive range of Shanghai days. Build once per request and share across pairings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vacations {
    ranges: Vec<(NaiveDate, NaiveDate)>,
}

impl Vacations {
    pub fn new(list: &[Vacation]) -> Vacations {
        let mut ranges: Vec<(NaiveDate, NaiveDate)> =
            list.iter().filter(|v| v.from <= v.to).map(|v| (v.from, v.to)).collect();
        ranges.sort_unstable();
        let mut merged: Vec<(NaiveDate, NaiveDate)> = Vec::with_capacity(ranges.len());
        for (from, to) in ranges {
            match merged.last_mut() {
                Some(last) if from <= next_day(last.1) => last.1 = last.1.max(to),
                _ => merged.push((from, to)),
            }
        }
        Vacations { ranges: merged }
    }

    pub fn none() -> Vacations {
        Vacations::default()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The merged ranges, inclusive, in order.
    pub fn ranges(&self) -> &[(NaiveDate, NaiveDate)] {
        &self.ranges
    }

    /// `from` plus `running` of clock time, the clock standing still on vacation days.
    /// A result that would fall exactly at the start of a vacation is carried to its end:
    /// nothing falls due while school is out.
    pub fn add_running(&self, from: DateTime<Utc>, running: TimeDelta) -> DateTime<Utc> {
        let mut t = from;
        let mut left = running;
        for &(first, last) in &self.ranges {
            let (start, end) = (start_of_day(first), start_of_day(next_day(last)));
            if end <= t {
                continue;
            }
            if start > t {
                let gap = start - t;
                if left < gap {
                    return t + left;
                }
                left -= gap;
            }
            t = end;
        }
        t + left
    }

    /// How many vacation days fall within `first..=last`.
    pub fn days_within(&self, first: NaiveDate, last: NaiveDate) -> i64 {
        self.ranges
            .iter()
            .map(|&(from, to)| {
                let (a, b) = (from.max(first), to.min(last));
                if a <= b { (b - a).num_days() + 1 } else { 0 }
            })
            .sum()
    }

    /// True when every day of `first..=last` is a vacation day.
    pub fn covers(&self, first: NaiveDate, last: NaiveDate) -> bool {
        self.ranges.iter().any(|&(from, to)| from <= first && last <= to)
    }
}

pub(crate) fn next_day(day: NaiveDate) -> NaiveDate {
    day.succ_opt().unwrap_or(NaiveDate::MAX)
}

/// A calendar window: a Monday-based ISO week, a calendar month, a calendar quarter
/// (January–March, April–June, July–September, October–December) or an academic term, the
/// half of an academic year (1 September – end of February, 1 March – 31 August: the terms
/// of [`crate::time::Period`]), in Shanghai days. A window is named by its first day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Span {
    Week,
    Month,
    Quarter,
    Term,
}

impl Span {
    /// The first day of the window containing `day`.
    pub fn window_of(self, day: NaiveDate) -> NaiveDate {
        match self {
            Span::Week => day - TimeDelta::days(i64::from(day.weekday().num_days_from_monday())),
            Span::Month => day.with_day(1).unwrap_or(day),
            Span::Quarter => {
                let month = (day.month0() / 3) * 3 + 1;
                NaiveDate::from_ymd_opt(day.year(), month, 1).unwrap_or(day)
            }
            Span::Term => {
                let (year, month) = match day.month() {
                    3..=8 => (day.year(), 3),
                    9..=12 => (day.year(), 9),
                    _ => (day.year() - 1, 9),
                };
                NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(day)
            }
        }
    }

    /// The first day of the window after the one starting on `first`.
    pub fn next(self, first: NaiveDate) -> NaiveDate {
        let later = match self {
            Span::Week => first.checked_add_signed(TimeDelta::days(7)),
            Span::Month => first.checked_add_months(Months::new(1)),
            Span::Quarter => first.checked_add_months(Months::new(3)),
            Span::Term => first.checked_add_months(Months::new(6)),
        };
        later.unwrap_or(NaiveDate::MAX)
    }

    /// The last day of the window starting on `first`.
    pub fn last_day(self, first: NaiveDate) -> NaiveDate {
        self.next(first).pred_opt().unwrap_or(first)
    }
}

/// How a pairing's cadence cuts time into windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Windowing {
    /// Blocks of this many days, counted from the pairing's first day (rolling, seed 001).
    Days(u32),
    /// Calendar weeks or months (seeds 000, 002, 004).
    Calendar(Span),
}

/// One window: its first and last Shanghai day, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Windowing {
    /// The one reading of a cadence: `everyDays` blocks (at least a day long), else
    /// calendar weeks, else calendar months. A cadence names exactly one of the two (the
    /// pairing's command checks); a malformed one reads as the first that applies.
    pub fn of(cadence: &Cadence) -> Windowing {
        match (cadence.every_days, cadence.calendar) {
            (Some(days), _) => Windowing::Days(days.max(1)),
            (None, Some(CalendarUnit::Week)) => Windowing::Calendar(Span::Week),
            (None, Some(CalendarUnit::Month) | None) => Windowing::Calendar(Span::Month),
        }
    }

    /// The windows lying wholly inside `from..=to`, in order; blocks of days are counted
    /// from `anchor` (the pairing's first day).
    pub fn within(self, anchor: NaiveDate, from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = Window> {
        let first = match self {
            Windowing::Days(days) => {
                let every = i64::from(days.max(1));
                let behind = (from - anchor).num_days().max(0);
                let blocks = (behind + every - 1) / every;
                u64::try_from(blocks * every)
                    .ok()
                    .and_then(|d| anchor.checked_add_days(Days::new(d)))
            }
            Windowing::Calendar(span) => {
                let w = span.window_of(from);
                Some(if w < from { span.next(w) } else { w })
            }
        };
        std::iter::successors(first.map(|f| self.window(f)), move |w| {
            // Steps only forward, so the walk ends at the calendar's edge too.
            let next = next_day(w.last);
            (next > w.last).then(|| self.window(next))
        })
        .take_while(move |w| w.last <= to && w.first <= w.last)
    }

    /// The window starting on `first`.
    fn window(self, first: NaiveDate) -> Window {
        let last = match self {
            Windowing::Days(days) => first
                .checked_add_days(Days::new(u64::from(days.max(1)) - 1))
                .unwrap_or(NaiveDate::MAX),
            Windowing::Calendar(span) => span.last_day(first),
        };
        Window { first, last }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn vac(list: &[(NaiveDate, NaiveDate)]) -> Vacations {
        Vacations::new(&list.iter().map(|&(from, to)| Vacation { from, to }).collect::<Vec<_>>())
    }

    #[test]
    fn vacations_merge_when_they_overlap_or_touch() {
        let v = vac(&[
            (d(2026, 7, 16), d(2026, 8, 31)),
            (d(2026, 7, 1), d(2026, 7, 15)),
            (d(2025, 10, 1), d(2025, 10, 7)),
            (d(2025, 10, 5), d(2025, 10, 3)), // backwards: ignored
        ]);
        assert_eq!(
            v.ranges(),
            &[(d(2025, 10, 1), d(2025, 10, 7)), (d(2026, 7, 1), d(2026, 8, 31))]
        );
        assert!(v.covers(d(2026, 7, 1), d(2026, 7, 31)));
        assert_eq!(v.days_within(d(2025, 9, 28), d(2025, 10, 4)), 4);
    }

    #[test]
    fn the_clock_stands_still_during_vacations() {
        let v = vac(&[(d(2025, 10, 1), d(2025, 10, 7))]);
        let from = start_of_day(d(2025, 9, 20)) + TimeDelta::hours(12);
        // 14 days from 20 Sep noon: 10.5 days before the holiday, 3.5 after it.
        assert_eq!(
            v.add_running(from, TimeDelta::days(14)),
            start_of_day(d(2025, 10, 11)) + TimeDelta::hours(12)
        );
        // Landing exactly on the first vacation day carries to its end.
        assert_eq!(
            v.add_running(start_of_day(d(2025, 9, 17)), TimeDelta::days(14)),
            start_of_day(d(2025, 10, 8))
        );
        // Starting inside the vacation starts the clock when it ends.
        assert_eq!(
            v.add_running(start_of_day(d(2025, 10, 3)), TimeDelta::days(1)),
            start_of_day(d(2025, 10, 9))
        );
        assert_eq!(
            Vacations::none().add_running(from, TimeDelta::days(14)),
            from + TimeDelta::days(14)
        );
    }

    #[test]
    fn windows_are_weeks_months_and_quarters() {
        // 2025-09-28 is a Sunday; its week began on Monday the 22nd.
        assert_eq!(Span::Week.window_of(d(2025, 9, 28)), d(2025, 9, 22));
        assert_eq!(Span::Week.window_of(d(2025, 9, 29)), d(2025, 9, 29));
        assert_eq!(Span::Week.last_day(d(2025, 12, 29)), d(2026, 1, 4));
        assert_eq!(Span::Month.window_of(d(2024, 2, 29)), d(2024, 2, 1));
        assert_eq!(Span::Month.last_day(d(2024, 2, 1)), d(2024, 2, 29));
        assert_eq!(Span::Quarter.window_of(d(2025, 12, 31)), d(2025, 10, 1));
        assert_eq!(Span::Quarter.next(d(2025, 10, 1)), d(2026, 1, 1));
        // Terms: 1 Sep – end of February, 1 Mar – 31 Aug, the terms of `Period`.
        assert_eq!(Span::Term.window_of(d(2026, 1, 15)), d(2025, 9, 1));
        assert_eq!(Span::Term.last_day(d(2025, 9, 1)), d(2026, 2, 28));
        assert_eq!(Span::Term.window_of(d(2026, 3, 1)), d(2026, 3, 1));
        assert_eq!(Span::Term.last_day(d(2027, 9, 1)), d(2028, 2, 29));
        let mut day = d(2023, 8, 1);
        while day < d(2029, 1, 1) {
            let term = crate::time::Period::term_of(day);
            let first = Span::Term.window_of(day);
            assert_eq!(
                (first, Span::Term.last_day(first)),
                (term.first_day(), term.last_day()),
                "{day}"
            );
            day = next_day(day);
        }
    }

    fn firsts(w: Windowing, anchor: NaiveDate, from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
        w.within(anchor, from, to).map(|w| (w.first, w.last)).collect()
    }

    #[test]
    fn a_cadence_reads_as_one_windowing() {
        let cadence = |every_days, calendar| Cadence {
            at_least: 1,
            every_days,
            calendar,
            min_minutes: None,
            problems_per_term: None,
        };
        assert_eq!(Windowing::of(&cadence(Some(14), None)), Windowing::Days(14));
        assert_eq!(
            Windowing::of(&cadence(None, Some(CalendarUnit::Week))),
            Windowing::Calendar(Span::Week)
        );
        assert_eq!(
            Windowing::of(&cadence(None, Some(CalendarUnit::Month))),
            Windowing::Calendar(Span::Month)
        );
        // Malformed: both, neither, or blocks of no days.
        assert_eq!(
            Windowing::of(&cadence(Some(7), Some(CalendarUnit::Week))),
            Windowing::Days(7)
        );
        assert_eq!(Windowing::of(&cadence(None, None)), Windowing::Calendar(Span::Month));
        assert_eq!(Windowing::of(&cadence(Some(0), None)), Windowing::Days(1));
    }

    #[test]
    fn the_windows_wholly_inside_a_range() {
        let (from, to) = (d(2025, 9, 3), d(2025, 11, 20));
        // ISO weeks from the first Monday on or after the 3rd (Wednesday): 8 Sep … 10–16 Nov.
        let weeks = firsts(Windowing::Calendar(Span::Week), from, from, to);
        assert_eq!(weeks.first(), Some(&(d(2025, 9, 8), d(2025, 9, 14))));
        assert_eq!(weeks.last(), Some(&(d(2025, 11, 10), d(2025, 11, 16))));
        assert_eq!(weeks.len(), 10);
        // Whole months only: October.
        let months = firsts(Windowing::Calendar(Span::Month), from, from, to);
        assert_eq!(months, [(d(2025, 10, 1), d(2025, 10, 31))]);
        // 14-day blocks counted from a first day before the range: 1 Sep, 15 Sep, 29 Sep …
        let blocks = firsts(Windowing::Days(14), d(2025, 9, 1), from, to);
        assert_eq!(blocks.first(), Some(&(d(2025, 9, 15), d(2025, 9, 28))));
        assert_eq!(blocks.last(), Some(&(d(2025, 10, 27), d(2025, 11, 9))));
        assert_eq!(blocks.len(), 4);
        // A range shorter than a window holds none; the calendar's edge ends the walk.
        assert!(firsts(Windowing::Calendar(Span::Month), from, from, d(2025, 9, 30)).is_empty());
        assert_eq!(
            firsts(Windowing::Days(1), NaiveDate::MAX, NaiveDate::MAX, NaiveDate::MAX).len(),
            1
        );
    }
}
