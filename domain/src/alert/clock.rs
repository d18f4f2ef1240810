//! Deadlines on the cadence calendar ([`crate::cadence`]): when a calendar obligation
//! falls due, and when missing it escalates. See `docs/alerts.md` for the rules in prose.

use super::Deadline;
use crate::cadence::{Span, Vacations, next_day};
use crate::time::{local_date, start_of_day};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

/// Calendar windows as the clock sees them: a window wholly inside a vacation is exempt,
/// any other window's deadline (its end) is pushed by the vacation days inside it.
pub(crate) struct Windows<'a> {
    pub span: Span,
    pub vacations: &'a Vacations,
}

impl Windows<'_> {
    pub fn exempt(&self, first: NaiveDate) -> bool {
        self.vacations.covers(first, self.span.last_day(first))
    }

    /// The end of the window, pushed by the vacation days inside it, the push counted in
    /// running clock (DESIGN §6: vacations pause the clock, nothing falls due while school
    /// is out). January 2026 with a winter vacation from 24 Jan to 28 Feb: the 8 vacation
    /// days inside January run from the vacation's end, so the deadline is 9 Mar, not
    /// 9 Feb. A window without vacation days is due at its end, even when a vacation
    /// begins then: the window was school time throughout.
    pub fn deadline(&self, first: NaiveDate) -> DateTime<Utc> {
        let last = self.span.last_day(first);
        let end = start_of_day(next_day(last));
        match self.vacations.days_within(first, last) {
            0 => end,
            pushed => self.vacations.add_running(end, TimeDelta::days(pushed)),
        }
    }

    /// The deadline of the window starting on `first`, escalated at the next open
    /// window's deadline, never before it is due.
    pub fn window_deadline(&self, first: NaiveDate) -> Deadline {
        let due_at = self.deadline(first);
        Deadline {
            due_at,
            // A long vacation inside the window can push it past the next one's deadline
            // (January with 3 Jan – 20 Feb off): never escalated before it is overdue.
            escalate_at: self.deadline(self.next_open(first)).max(due_at),
        }
    }

    /// The first window after `first` that is not exempt.
    pub fn next_open(&self, first: NaiveDate) -> NaiveDate {
        let mut w = self.span.next(first);
        // Vacations are finite, so this ends; the bound guards against a corrupt list.
        for _ in 0..10_000 {
            if !self.exempt(w) {
                break;
            }
            w = self.span.next(w);
        }
        w
    }

    /// The deadline of the window after the last met one (see `docs/alerts.md`): `met`
    /// is the first day of the latest met window, `None` when none is; `first` is the
    /// first window of the obligation. Exempt windows are skipped: they pause the clock.
    pub fn deadline_after(&self, met: Option<NaiveDate>, first: NaiveDate) -> Deadline {
        let due = match met {
            Some(m) => self.next_open(m),
            None if self.exempt(first) => self.next_open(first),
            None => first,
        };
        self.window_deadline(due)
    }
}

/// The calendar rule over timestamps sorted ascending (`at` reads each item's instant):
/// windows of `span` from the one containing `since`; the latest window up to the one
/// containing `as_of` that holds at least `at_least` items in `[00:00 of since, as_of]`
/// is met; the obligation is due at the deadline of the next open (not exempt) window.
pub(crate) fn calendar_deadline<T>(
    items: &[T],
    at: impl Fn(&T) -> DateTime<Utc>,
    windows: &Windows<'_>,
    at_least: u32,
    since: NaiveDate,
    as_of: DateTime<Utc>,
) -> Deadline {
    let span = windows.span;
    let first = span.window_of(since);
    let current = span.window_of(local_date(as_of)).max(first);
    let counted = counted(items, &at, start_of_day(since), as_of);
    let need = at_least.max(1) as usize;

    // Walk back from the current window. `hi` is the number of counted items before the
    // end of window `w`; a window is met when the `need`-th item before its end falls
    // inside it. Windows without items are skipped by jumping to the window of the latest
    // earlier item, so the walk costs O(need) per window that has items, with no search.
    let mut met = None;
    let (mut w, mut hi) = (current, counted.len());
    while w >= first {
        let start = start_of_day(w);
        if hi >= need && at(&counted[hi - need]) >= start {
            met = Some(w);
            break;
        }
        let mut j = hi;
        while j > 0 && at(&counted[j - 1]) >= start {
            j -= 1;
        }
        let Some(earlier) = j.checked_sub(1) else {
            break;
        };
        w = span.window_of(local_date(at(&counted[earlier])));
        hi = j;
    }
    windows.deadline_after(met, first)
}

/// The items in `[from, to]`. The end is found by galloping back from the last item, as
/// `to` is usually now or recent: no search at all when every item is at or before it, a
/// few probes near the end otherwise. The start is found by one look at the first item
/// (contacts before a pairing starts are rare), then a binary search.
pub(crate) fn counted<'a, T>(
    items: &'a [T],
    at: &impl Fn(&T) -> DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> &'a [T] {
    let hi = partition_point_from_end(items, |i| at(i) <= to);
    let items = &items[..hi];
    let lo = match items.first() {
        Some(i) if at(i) < from => items.partition_point(|i| at(i) < from),
        _ => 0,
    };
    &items[lo..]
}

/// `items.partition_point(pred)`, galloping from the end: O(log k) probes for a boundary
/// k items before the end.
pub(crate) fn partition_point_from_end<T>(items: &[T], pred: impl Fn(&T) -> bool) -> usize {
    let mut hi = items.len(); // every item from `hi` on fails `pred`
    let mut step = 1;
    while hi > 0 {
        let probe = hi.saturating_sub(step);
        if pred(&items[probe]) {
            return probe + 1 + items[probe + 1..hi].partition_point(&pred);
        }
        hi = probe;
        step *= 2;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Vacation;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn vac(list: &[(NaiveDate, NaiveDate)]) -> Vacations {
        Vacations::new(&list.iter().map(|&(from, to)| Vacation { from, to }).collect::<Vec<_>>())
    }

    #[test]
    fn galloping_from_the_end_finds_the_same_point() {
        for n in 0..40usize {
            let items: Vec<usize> = (0..n).collect();
            for cut in 0..=n + 1 {
                assert_eq!(
                    partition_point_from_end(&items, |&i| i < cut),
                    items.partition_point(|&i| i < cut),
                    "{n} {cut}"
                );
            }
        }
    }

    #[test]
    fn a_vacation_across_a_window_end_pushes_the_deadline_past_the_vacation() {
        // Winter vacation 24 Jan – 28 Feb 2026 (issue 11, item 4).
        let v = vac(&[(d(2026, 1, 24), d(2026, 2, 28))]);
        let months = Windows {
            span: Span::Month,
            vacations: &v,
        };
        // January holds 8 vacation days (24–31 Jan). Its end, 1 Feb 00:00, lies in the
        // vacation, so the 8 days run from 1 Mar 00:00: 9 Mar, not 9 Feb.
        assert_eq!(months.deadline(d(2026, 1, 1)), start_of_day(d(2026, 3, 9)));
        // February is wholly inside: exempt; March, with no vacation day, is due at its end.
        assert_eq!(months.next_open(d(2026, 1, 1)), d(2026, 3, 1));
        assert_eq!(months.deadline(d(2026, 3, 1)), start_of_day(d(2026, 4, 1)));
        let weeks = Windows {
            span: Span::Week,
            vacations: &v,
        };
        // Mon 19 – Sun 25 Jan: 2 vacation days (24, 25); the end, 26 Jan, is in the
        // vacation: 1 Mar + 2 days = 3 Mar.
        assert_eq!(weeks.deadline(d(2026, 1, 19)), start_of_day(d(2026, 3, 3)));
        // Mon 23 Feb – Sun 1 Mar: 6 vacation days, 1 Mar is school, so not exempt; its
        // end, 2 Mar, is school time: 2 Mar + 6 days = 8 Mar.
        assert!(!weeks.exempt(d(2026, 2, 23)));
        assert_eq!(weeks.deadline(d(2026, 2, 23)), start_of_day(d(2026, 3, 8)));
        // The quarter January–March holds 8 + 28 = 36 vacation days: 1 Apr + 36 = 7 May.
        let quarters = Windows {
            span: Span::Quarter,
            vacations: &v,
        };
        assert_eq!(quarters.deadline(d(2026, 1, 1)), start_of_day(d(2026, 5, 7)));
        // A window with no vacation day is due at its end, even as a vacation begins:
        // June before a summer from 1 Jul.
        let summer = vac(&[(d(2026, 7, 1), d(2026, 8, 31))]);
        let months = Windows {
            span: Span::Month,
            vacations: &summer,
        };
        assert_eq!(months.deadline(d(2026, 6, 1)), start_of_day(d(2026, 7, 1)));
    }

    #[test]
    fn a_window_pushed_past_the_next_escalates_no_sooner_than_it_is_due() {
        // Vacation 3 Jan – 20 Feb 2026: January holds 29 vacation days, its end (1 Feb) lies
        // in the vacation, so it is due 21 Feb + 29 = 22 Mar; February (20 days inside)
        // is due 1 Mar + 20 = 21 Mar, before January. Escalation waits for 22 Mar.
        let v = vac(&[(d(2026, 1, 3), d(2026, 2, 20))]);
        let months = Windows {
            span: Span::Month,
            vacations: &v,
        };
        assert_eq!(months.deadline(d(2026, 1, 1)), start_of_day(d(2026, 3, 22)));
        assert_eq!(months.deadline(d(2026, 2, 1)), start_of_day(d(2026, 3, 21)));
        let january = months.window_deadline(d(2026, 1, 1));
        assert_eq!(january.escalate_at, january.due_at);
    }

    #[test]
    fn windows_wholly_inside_a_vacation_are_exempt() {
        let v = vac(&[(d(2026, 7, 1), d(2026, 8, 31))]);
        let months = Windows {
            span: Span::Month,
            vacations: &v,
        };
        assert!(months.exempt(d(2026, 7, 1)) && months.exempt(d(2026, 8, 1)));
        assert!(!months.exempt(d(2026, 6, 1)));
        assert_eq!(months.next_open(d(2026, 6, 1)), d(2026, 9, 1));
        // A week is exempt only when all seven days are vacation days.
        let weeks = Windows {
            span: Span::Week,
            vacations: &v,
        };
        // 2026-06-29 (Mon) – 07-05: not wholly inside; 07-06 – 07-12: inside.
        assert!(!weeks.exempt(d(2026, 6, 29)));
        assert!(weeks.exempt(d(2026, 7, 6)));
        // 2026-08-31 is a Monday: its week runs past the vacation.
        assert!(weeks.exempt(d(2026, 8, 24)) && !weeks.exempt(d(2026, 8, 31)));
        assert_eq!(weeks.next_open(d(2026, 6, 29)), d(2026, 8, 31));
    }
}
