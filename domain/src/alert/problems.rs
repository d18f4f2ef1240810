//! Seed 000's 「至少解决1个实际问题」 as a target a secretary sees: the problems a pairing's
//! counted contacts solve each academic term. See `docs/alerts.md`.

use super::clock::{Windows, counted};
use super::{Alert, AlertDetail, AlertKind};
use crate::cadence::{Span, Vacations, next_day};
use crate::state::{Contact, Pairing};
use crate::time::{Period, local_date, start_of_day, within_calendar};
use chrono::{DateTime, Utc};

/// Seed 000: 「党员为帮扶对象在学习、生活、宿舍、社会实践活动等方面至少解决1个实际问题」: with
/// `problemsPerTerm` on its cadence, an active pairing's counted contacts (those that count
/// toward the cadence: `Pairing::counts`) of each academic term must solve at least that
/// many problems. A term short of it is due at its end (pushed by the vacation days inside
/// it), escalated when the next term's is due too; a term wholly inside a vacation asks
/// nothing. One alert per term short of the target, from the term `startsOn` falls in to the
/// current one (which shows as `OK` / `DUE_SOON` until it ends).
pub fn problems_unsolved(pairing: &Pairing, vacations: &Vacations, as_of: DateTime<Utc>) -> Vec<Alert> {
    let today = local_date(as_of);
    let Some(target) = pairing.cadence.problems_per_term else {
        return vec![];
    };
    if !pairing.is_active_on(today) {
        return vec![];
    }
    let windows = Windows {
        span: Span::Term,
        vacations,
    };
    let contacts = counted(
        &pairing.contacts,
        &|c: &Contact| c.occurred_at,
        start_of_day(pairing.starts_on),
        as_of,
    );
    let mut out = vec![];
    // Clamped into the programme's calendar: at most 504 terms, whatever the dates.
    let (mut term, current) = (
        Span::Term.window_of(within_calendar(pairing.starts_on)),
        Span::Term.window_of(within_calendar(today)),
    );
    while term <= current {
        let (start, end) = (start_of_day(term), start_of_day(next_day(Span::Term.last_day(term))));
        let solved = contacts
            .iter()
            .filter(|c| start <= c.occurred_at && c.occurred_at < end && pairing.counts(c))
            .fold(0u32, |sum, c| sum.saturating_add(c.problems_solved));
        if solved < target && !windows.exempt(term) {
            let deadline = windows.window_deadline(term);
            let detail = AlertDetail::ProblemsUnsolved {
                term: Period::term_of(term),
                solved,
                target,
            };
            out.push(Alert::at(
                AlertKind::ProblemsUnsolved,
                pairing.id,
                deadline,
                as_of,
                detail,
            ));
        }
        term = Span::Term.next(term);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::Severity;
    use crate::testkit::*;
    use crate::vocab::Stage;
    use uuid::Uuid;

    fn none() -> Vacations {
        Vacations::none()
    }

    // ---- problems solved (seed 000) ----

    /// A monthly pairing from 1 Sep 2025 whose contacts must last 30 minutes and solve
    /// `target` problems a term.
    fn pairing_with_target(w: &mut World, target: Option<u32>) -> (Uuid, Campus) {
        let campus = w.campus();
        let Campus {
            college, branch, class, ..
        } = campus;
        let mentor = w.register_as("党员", &[college, branch], Stage::Full, Some("2023-12-01"));
        let mentee = w.register_as("同学", &[college, class], Stage::Activist, Some("2025-03-01"));
        let cadence = crate::Cadence {
            min_minutes: Some(30),
            problems_per_term: target,
            ..monthly(1)
        };
        (w.form_pairing(&[mentor], mentee, "2025-09-01", cadence), campus)
    }

    #[test]
    fn a_pairing_solves_its_target_of_problems_each_term() {
        // 「至少解决1个实际问题」 as a target of 2 a term. Given contacts on 10 Sep (1 problem,
        // 45 min), 15 Oct (1 problem, 20 min: too short to count), 5 Nov (none, 60 min) and
        // 10 Mar 2026 (3 problems, 40 min).
        let mut w = World::new();
        let (p, _) = pairing_with_target(&mut w, Some(2));
        w.contact_solving(p, "2025-09-10", 1, Some(45));
        w.contact_solving(p, "2025-10-15", 1, Some(20));
        w.contact_solving(p, "2025-11-05", 0, Some(60));
        w.contact_solving(p, "2026-03-10", 3, Some(40));
        let pairing = w.pairing(p).clone();
        let alerts = |t: &str| problems_unsolved(&pairing, &none(), at(t));
        // As of 1 Dec: term 2025-2026-1 has 1 + 0 = 1 counted problem of 2; due at its end,
        // 1 Mar 2026.
        let a = alerts("2025-12-01T00:00:00+08:00");
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].kind, a[0].subject_id), (AlertKind::ProblemsUnsolved, p));
        assert_eq!(
            (a[0].severity, a[0].due_at),
            (Severity::Ok, at("2026-03-01T00:00:00+08:00"))
        );
        assert_eq!(
            a[0].detail,
            AlertDetail::ProblemsUnsolved {
                term: period("2025-2026-1"),
                solved: 1,
                target: 2
            }
        );
        assert_eq!(alerts("2026-02-26T00:00:00+08:00")[0].severity, Severity::DueSoon);
        // As of 5 Mar: the first term is 4 days overdue; the second has nothing yet (due 1 Sep).
        let a = alerts("2026-03-05T00:00:00+08:00");
        let seen: Vec<_> = a.iter().map(|a| (a.severity, a.days_overdue, a.due_at)).collect();
        assert_eq!(
            seen,
            [
                (Severity::Overdue, 4, at("2026-03-01T00:00:00+08:00")),
                (Severity::Ok, 0, at("2026-09-01T00:00:00+08:00"))
            ]
        );
        // 3 problems on 10 Mar meet the second term; the first escalates when the second
        // term's deadline passes, 1 Sep: 31 + 30 + 31 + 30 + 31 + 31 = 184 days after 1 Mar.
        assert_eq!(alerts("2026-03-15T00:00:00+08:00").len(), 1);
        let a = alerts("2026-09-01T00:00:00+08:00");
        assert_eq!((a[0].severity, a[0].days_overdue), (Severity::Escalated, 184));
        // The third term (2026-2027-1) is open: 0 of 2, due 1 Mar 2027.
        assert_eq!(a.len(), 2);
        assert_eq!(
            (a[1].severity, a[1].due_at),
            (Severity::Ok, at("2027-03-01T00:00:00+08:00"))
        );
        // Winter 20 Jan – 28 Feb 2026 (40 days inside the first term): due 1 Mar + 40 = 10 Apr.
        let winter = Vacations::new(&[vacation("2026-01-20", "2026-02-28")]);
        let a = problems_unsolved(&pairing, &winter, at("2026-03-05T00:00:00+08:00"));
        assert_eq!(
            (a[0].severity, a[0].due_at),
            (Severity::Ok, at("2026-04-10T00:00:00+08:00"))
        );
    }

    #[test]
    fn only_counted_contacts_solve_problems_and_only_a_target_asks_for_them() {
        let mut w = World::new();
        let (p, _) = pairing_with_target(&mut w, Some(2));
        w.contact_solving(p, "2025-09-10", 1, Some(45));
        w.contact_solving(p, "2025-10-15", 1, Some(20));
        // With the 30-minute minimum the 20-minute talk's problem does not count: 1 of 2.
        let as_of = at("2025-12-01T00:00:00+08:00");
        assert_eq!(problems_unsolved(w.pairing(p), &none(), as_of).len(), 1);
        // Without the minimum it counts: 1 + 1 = 2 of 2, no alert.
        let mut any_length = w.pairing(p).clone();
        any_length.cadence.min_minutes = None;
        assert!(problems_unsolved(&any_length, &none(), as_of).is_empty());
        // A pairing without a target (every pairing formed before it existed) asks nothing,
        // and an ended pairing raises nothing more.
        let (untargeted, _) = pairing_with_target(&mut w, None);
        assert!(problems_unsolved(w.pairing(untargeted), &none(), as_of).is_empty());
        w.end_pairing(p, "2025-11-20");
        assert!(problems_unsolved(w.pairing(p), &none(), as_of).is_empty());
    }
}
