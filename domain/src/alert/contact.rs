//! Contact alerts (DESIGN §6): is a pairing meeting as often as its cadence asks?

use super::clock::{Windows, calendar_deadline, counted};
use super::{DUE_SOON, Deadline, Severity, classify};
use crate::cadence::{Vacations, Windowing};
use crate::event::Vacation;
use crate::state::{Contact, Pairing, State};
use crate::time::{local_date, start_of_day};
use chrono::{DateTime, TimeDelta, Utc};
use std::cmp::Reverse;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContactAlert {
    pub pairing_id: Uuid,
    pub severity: Severity,
    /// The latest contact at or before `as_of`.
    pub last_contact_at: Option<DateTime<Utc>>,
    pub due_at: DateTime<Utc>,
    /// Whole days past `due_at`; 0 when not yet due.
    pub days_overdue: i64,
}

/// Where a pairing stands as of `as_of`; `None` when it has not started or has ended
/// (on the Shanghai day of `as_of`). Only contacts at or before `as_of` count.
pub fn contact_alert(pairing: &Pairing, vacations: &[Vacation], as_of: DateTime<Utc>) -> Option<ContactAlert> {
    contact_alert_with(pairing, &Vacations::new(vacations), as_of)
}

/// [`contact_alert`] with the vacations already normalised (build them once for many
/// pairings).
pub fn contact_alert_with(pairing: &Pairing, vacations: &Vacations, as_of: DateTime<Utc>) -> Option<ContactAlert> {
    if !pairing.is_active_on(local_date(as_of)) {
        return None;
    }
    let at = |c: &Contact| c.occurred_at;
    let since = pairing.starts_on;
    let in_range = counted(&pairing.contacts, &at, start_of_day(since), as_of);
    // Only a pairing with a minimum length pays for a filtered copy.
    let long_enough: Vec<Contact>;
    let contacts = if pairing.cadence.min_minutes.is_some() {
        long_enough = in_range.iter().filter(|c| pairing.counts(c)).cloned().collect();
        &long_enough[..]
    } else {
        in_range
    };
    let cadence = pairing.cadence;
    let deadline = match Windowing::of(&cadence) {
        Windowing::Days(days) => rolling_deadline(contacts, days, cadence.at_least, since, vacations),
        Windowing::Calendar(span) => {
            let windows = Windows { span, vacations };
            calendar_deadline(contacts, at, &windows, cadence.at_least, since, as_of)
        }
    };
    let (severity, days_overdue) = classify(deadline, as_of, DUE_SOON);
    Some(ContactAlert {
        pairing_id: pairing.id,
        severity,
        last_contact_at: contacts.last().map(|c| c.occurred_at),
        due_at: deadline.due_at,
        days_overdue,
    })
}

/// Rolling cadence, `at_least` contacts every `days` days: due `days` of running clock
/// after the `at_least`-th most recent contact (after 00:00 of the first day while there
/// are fewer), escalated a further `days` of running clock later.
fn rolling_deadline(
    contacts: &[Contact],
    days: u32,
    at_least: u32,
    since: chrono::NaiveDate,
    vacations: &Vacations,
) -> Deadline {
    let need = at_least.max(1) as usize;
    let anchor = match contacts.len().checked_sub(need) {
        Some(i) => contacts[i].occurred_at,
        None => start_of_day(since),
    };
    let window = TimeDelta::days(i64::from(days.max(1)));
    let due_at = vacations.add_running(anchor, window);
    Deadline {
        due_at,
        escalate_at: vacations.add_running(due_at, window),
    }
}

/// Where a pairing stands as of `as_of`, started or not: one that has not started or has
/// ended owes nothing, so it is `OK`, due at `as_of`, with its last contact up to then.
/// `None` when there is no such pairing.
pub fn pairing_alert(state: &State, pairing: Uuid, as_of: DateTime<Utc>) -> Option<ContactAlert> {
    let p = state.pairing(pairing)?;
    let owes_nothing = || ContactAlert {
        pairing_id: p.id,
        severity: Severity::Ok,
        last_contact_at: p.contacts.iter().rev().map(|c| c.occurred_at).find(|t| *t <= as_of),
        due_at: as_of,
        days_overdue: 0,
    };
    Some(contact_alert(p, state.vacations(), as_of).unwrap_or_else(owes_nothing))
}

/// The contact alerts of every active pairing in `scope` (an org unit) at `min` or worse,
/// as a list shows them: the worst first, then the longest due, then by pairing id (so a
/// page after a cursor is stable).
pub fn contact_alerts(state: &State, scope: Uuid, as_of: DateTime<Utc>, min: Severity) -> Vec<ContactAlert> {
    let vacations = Vacations::new(state.vacations());
    let scope = state.scope(scope);
    let mut alerts: Vec<ContactAlert> = scope
        .pairings()
        .into_iter()
        .filter_map(|p| contact_alert_with(p, &vacations, as_of))
        .filter(|a| a.severity >= min)
        .collect();
    alerts.sort_unstable_by_key(|a| (Reverse(a.severity), a.due_at, a.pairing_id));
    alerts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Cadence;
    use crate::testkit::*;
    use crate::vocab::CalendarUnit;

    /// A pairing of two people not registered (ids 2 and 3), with these contacts.
    fn pairing(starts_on: &str, cadence: Cadence, contacts: &[&str]) -> Pairing {
        let mut w = World::new();
        let id = w.form_pairing(&[Uuid::from_u128(2)], Uuid::from_u128(3), starts_on, cadence);
        for c in contacts {
            w.contact(id, c);
        }
        w.pairing(id).clone()
    }

    fn alert(pairing: &Pairing, vacations: &[Vacation], as_of: &str) -> ContactAlert {
        contact_alert(pairing, vacations, at(as_of)).expect("active")
    }

    /// ../shared/fixtures/contact-alerts-rolling.json, step by step.
    #[test]
    fn the_rolling_fixture() {
        let mut w = World::new();
        let Campus {
            school,
            college,
            branch,
            class,
        } = w.campus();
        let _ = school;
        let mentor = w.register_as("陈静", &[college, branch], crate::Stage::Full, None);
        let mentee = w.register_as("刘洋", &[college, class], crate::Stage::NonParty, None);
        let mentee2 = w.register_as("赵敏", &[college, class], crate::Stage::NonParty, None);
        let pair = w.form_pairing(&[mentor], mentee, "2025-09-01", rolling(1, 14));
        let silent = w.form_pairing(&[mentor], mentee2, "2025-09-01", rolling(1, 14));
        w.contact(pair, "2025-09-05T19:00:00+08:00");
        w.contact(pair, "2025-09-18T20:30:00+08:00");
        let s = w.state();
        let find = |scope, as_of: &str, id| {
            contact_alerts(s, scope, at(as_of), Severity::Ok)
                .into_iter()
                .find(|a| a.pairing_id == id)
                .expect("listed")
        };

        let a = find(college, "2025-09-25T12:00:00+08:00", pair);
        assert_eq!(a.severity, Severity::Ok);
        let a = find(college, "2025-09-25T12:00:00+08:00", silent);
        assert_eq!((a.severity, a.days_overdue), (Severity::Overdue, 10));
        assert_eq!(a.last_contact_at, None);

        let a = find(college, "2025-09-30T12:00:00+08:00", pair);
        assert_eq!(a.severity, Severity::DueSoon);
        assert_eq!(a.last_contact_at, Some(at("2025-09-18T20:30:00+08:00")));
        assert_eq!(a.due_at, at("2025-10-02T20:30:00+08:00"));

        let a = find(college, "2025-10-05T21:00:00+08:00", pair);
        assert_eq!((a.severity, a.days_overdue), (Severity::Overdue, 3));

        let a = find(college, "2025-10-17T12:00:00+08:00", pair);
        assert_eq!((a.severity, a.days_overdue), (Severity::Escalated, 14));
        let a = find(college, "2025-10-17T12:00:00+08:00", silent);
        assert_eq!(a.severity, Severity::Escalated);

        let a = find(branch, "2025-09-14T23:00:00+08:00", silent);
        assert_eq!(a.severity, Severity::DueSoon);
        assert_eq!(a.due_at, at("2025-09-15T00:00:00+08:00"));
    }

    #[test]
    fn rolling_boundaries_are_exact() {
        let p = pairing("2025-09-01", rolling(1, 14), &["2025-09-18T20:30:00+08:00"]);
        let sev = |t: &str| alert(&p, &[], t).severity;
        assert_eq!(sev("2025-09-29T20:29:59+08:00"), Severity::Ok);
        assert_eq!(sev("2025-09-29T20:30:00+08:00"), Severity::DueSoon);
        assert_eq!(sev("2025-10-02T20:29:59+08:00"), Severity::DueSoon);
        assert_eq!(sev("2025-10-02T20:30:00+08:00"), Severity::Overdue);
        assert_eq!(alert(&p, &[], "2025-10-03T20:29:59+08:00").days_overdue, 0);
        assert_eq!(alert(&p, &[], "2025-10-03T20:30:00+08:00").days_overdue, 1);
        assert_eq!(sev("2025-10-16T20:29:59+08:00"), Severity::Overdue);
        assert_eq!(sev("2025-10-16T20:30:00+08:00"), Severity::Escalated);
    }

    #[test]
    fn rolling_at_least_two_counts_from_the_second_latest_contact() {
        let p = pairing(
            "2025-09-01",
            rolling(2, 14),
            &["2025-09-03T10:00:00+08:00", "2025-09-10T10:00:00+08:00"],
        );
        let a = alert(&p, &[], "2025-09-12T00:00:00+08:00");
        assert_eq!(a.due_at, at("2025-09-17T10:00:00+08:00"));
        assert_eq!(a.last_contact_at, Some(at("2025-09-10T10:00:00+08:00")));
        // With a single contact, the start of the pairing is the anchor.
        let one = pairing("2025-09-01", rolling(2, 14), &["2025-09-10T10:00:00+08:00"]);
        assert_eq!(
            alert(&one, &[], "2025-09-12T00:00:00+08:00").due_at,
            at("2025-09-15T00:00:00+08:00")
        );
    }

    #[test]
    fn contacts_after_as_of_do_not_count() {
        let p = pairing(
            "2025-09-01",
            rolling(1, 14),
            &["2025-09-05T19:00:00+08:00", "2025-09-18T20:30:00+08:00"],
        );
        let a = alert(&p, &[], "2025-09-10T00:00:00+08:00");
        assert_eq!(a.last_contact_at, Some(at("2025-09-05T19:00:00+08:00")));
        assert_eq!(a.due_at, at("2025-09-19T19:00:00+08:00"));
        // A contact exactly at as_of counts.
        let a = alert(&p, &[], "2025-09-18T20:30:00+08:00");
        assert_eq!(a.due_at, at("2025-10-02T20:30:00+08:00"));
    }

    #[test]
    fn a_vacation_pauses_the_rolling_clock() {
        // 国庆 1–7 Oct: the 14 days after 18 Sep 20:30 run 12 d 3.5 h before the holiday
        // and the remaining 1 d 20.5 h after it: due 9 Oct 20:30.
        let national_day = [vacation("2025-10-01", "2025-10-07")];
        let p = pairing("2025-09-01", rolling(1, 14), &["2025-09-18T20:30:00+08:00"]);
        let a = alert(&p, &national_day, "2025-10-05T12:00:00+08:00");
        assert_eq!(a.due_at, at("2025-10-09T20:30:00+08:00"));
        assert_eq!(a.severity, Severity::Ok);
        assert_eq!(
            alert(&p, &national_day, "2025-10-07T12:00:00+08:00").severity,
            Severity::DueSoon
        );
        // Escalation is one further window of running clock: 23 Oct 20:30.
        let sev = |t: &str| alert(&p, &national_day, t).severity;
        assert_eq!(sev("2025-10-23T20:29:00+08:00"), Severity::Overdue);
        assert_eq!(sev("2025-10-23T20:30:00+08:00"), Severity::Escalated);
        // A vacation after the due time does not move it; one inside the escalation window
        // moves the escalation.
        let later = [vacation("2025-10-10", "2025-10-12")];
        let q = pairing("2025-09-01", rolling(1, 14), &["2025-09-18T20:30:00+08:00"]);
        let a = alert(&q, &later, "2025-10-15T00:00:00+08:00");
        assert_eq!(a.due_at, at("2025-10-02T20:30:00+08:00"));
        let sev = |t: &str| alert(&q, &later, t).severity;
        assert_eq!(sev("2025-10-19T20:29:00+08:00"), Severity::Overdue);
        assert_eq!(sev("2025-10-19T20:30:00+08:00"), Severity::Escalated);
    }

    #[test]
    fn pairings_not_started_or_ended_raise_nothing() {
        let mut p = pairing("2025-09-01", rolling(1, 14), &[]);
        assert!(contact_alert(&p, &[], at("2025-08-31T23:59:59+08:00")).is_none());
        assert!(contact_alert(&p, &[], at("2025-09-01T00:00:00+08:00")).is_some());
        p.ends_on = Some(day("2025-10-31"));
        assert!(contact_alert(&p, &[], at("2025-10-31T23:59:59+08:00")).is_some());
        assert!(contact_alert(&p, &[], at("2025-11-01T00:00:00+08:00")).is_none());
        // ... and as of a day while it ran, it is judged as it stood then.
        let a = contact_alert(&p, &[], at("2025-10-01T00:00:00+08:00")).unwrap();
        assert_eq!(a.severity, Severity::Escalated);
    }

    #[test]
    fn an_ended_pairing_leaves_the_scope_list() {
        let mut w = World::new();
        let Campus {
            college, branch, class, ..
        } = w.campus();
        let mentor = w.register_as("党员", &[college, branch], crate::Stage::Full, None);
        let mentee = w.register_as("同学", &[college, class], crate::Stage::Activist, None);
        let p = w.form_pairing(&[mentor], mentee, "2025-09-01", monthly(1));
        assert_eq!(
            contact_alerts(w.state(), branch, at("2025-10-20T00:00:00+08:00"), Severity::Ok).len(),
            1
        );
        w.end_pairing(p, "2025-10-15");
        assert!(contact_alerts(w.state(), branch, at("2025-10-20T00:00:00+08:00"), Severity::Ok).is_empty());
        // A unit outside the pairing's parties selects nothing.
        let other = w.unit(crate::OrgUnitKind::College, None);
        assert!(contact_alerts(w.state(), other, at("2025-10-01T00:00:00+08:00"), Severity::Ok).is_empty());
    }

    #[test]
    fn the_schools_vacations_apply_to_the_scope_list() {
        let mut w = World::new();
        let Campus {
            college, branch, class, ..
        } = w.campus();
        let mentor = w.register_as("党员", &[college, branch], crate::Stage::Full, None);
        let mentee = w.register_as("同学", &[college, class], crate::Stage::Activist, None);
        let p = w.form_pairing(&[mentor], mentee, "2025-09-01", rolling(1, 14));
        w.contact(p, "2025-09-18T20:30:00+08:00");
        w.set_vacations(&[vacation("2025-10-01", "2025-10-07")]);
        let list = contact_alerts(w.state(), class, at("2025-10-05T00:00:00+08:00"), Severity::Ok);
        assert_eq!(list[0].due_at, at("2025-10-09T20:30:00+08:00"));
    }

    #[test]
    fn a_scope_lists_the_worst_first_then_the_longest_due_then_by_pairing() {
        let mut w = World::new();
        let Campus {
            college, branch, class, ..
        } = w.campus();
        let mentor = w.register_as("党员", &[college, branch], crate::Stage::Full, None);
        let pair = |w: &mut World, starts_on: &str| {
            let mentee = w.register_as("同学", &[college, class], crate::Stage::Activist, None);
            w.form_pairing(&[mentor], mentee, starts_on, rolling(1, 14))
        };
        // As of 20 Oct: silent since 1 Sep is escalated (due 15 Sep), since 25 Sep overdue
        // (due 9 Oct), two silent since 1 Oct overdue (due 15 Oct), since 10 Oct OK.
        let escalated = pair(&mut w, "2025-09-01");
        let overdue_longer = pair(&mut w, "2025-09-25");
        let (a, b) = (pair(&mut w, "2025-10-01"), pair(&mut w, "2025-10-01"));
        let ok = pair(&mut w, "2025-10-10");
        let as_of = at("2025-10-20T00:00:00+08:00");
        let listed = |min| -> Vec<Uuid> {
            contact_alerts(w.state(), branch, as_of, min)
                .iter()
                .map(|a| a.pairing_id)
                .collect()
        };
        let (first, second) = (a.min(b), a.max(b));
        assert_eq!(listed(Severity::Ok), [escalated, overdue_longer, first, second, ok]);
        assert_eq!(listed(Severity::Overdue), [escalated, overdue_longer, first, second]);
        assert_eq!(listed(Severity::Escalated), [escalated]);
    }

    #[test]
    fn a_pairing_not_running_owes_nothing() {
        let mut w = World::new();
        let p = w.form_pairing(&[Uuid::from_u128(2)], Uuid::from_u128(3), "2025-09-01", rolling(1, 14));
        w.contact(p, "2025-09-05T19:00:00+08:00");
        w.end_pairing(p, "2025-10-31");
        // Before it starts and after it ends: OK, due as of the question, last contact up to then.
        for (as_of, last) in [
            ("2025-08-31T12:00:00+08:00", None),
            ("2025-11-20T12:00:00+08:00", Some(at("2025-09-05T19:00:00+08:00"))),
        ] {
            let a = pairing_alert(w.state(), p, at(as_of)).unwrap();
            assert_eq!((a.severity, a.due_at, a.days_overdue), (Severity::Ok, at(as_of), 0));
            assert_eq!(a.last_contact_at, last);
        }
        // While it runs, the cadence decides.
        let a = pairing_alert(w.state(), p, at("2025-10-20T12:00:00+08:00")).unwrap();
        assert_eq!(a.severity, Severity::Escalated);
        assert!(pairing_alert(w.state(), Uuid::from_u128(404), at("2025-10-20T12:00:00+08:00")).is_none());
    }

    // ---- calendar cadences ----

    #[test]
    fn monthly_across_month_ends() {
        // Seed 000: at least one contact each calendar month.
        let p = pairing(
            "2025-09-01",
            monthly(1),
            &["2025-09-30T23:30:00+08:00", "2025-11-01T00:10:00+08:00"],
        );
        // September is met (23:30 Shanghai on the 30th is still September, though it
        // is 15:30 UTC): October is due at 00:00 on 1 Nov.
        let a = alert(&p, &[], "2025-10-15T00:00:00+08:00");
        assert_eq!((a.severity, a.due_at), (Severity::Ok, at("2025-11-01T00:00:00+08:00")));
        assert_eq!(alert(&p, &[], "2025-10-29T00:00:00+08:00").severity, Severity::DueSoon);
        // 00:10 on 1 Nov is November's contact: October stays missed until then, and the
        // alert is judged as of each instant.
        let a = alert(&p, &[], "2025-11-01T00:05:00+08:00");
        assert_eq!((a.severity, a.days_overdue), (Severity::Overdue, 0));
        // Once November is met, December is what is due.
        let a = alert(&p, &[], "2025-11-01T00:10:00+08:00");
        assert_eq!((a.severity, a.due_at), (Severity::Ok, at("2026-01-01T00:00:00+08:00")));
    }

    #[test]
    fn monthly_overdue_then_escalated() {
        let p = pairing("2025-09-01", monthly(1), &["2025-09-10T10:00:00+08:00"]);
        // October missed: overdue from 1 Nov, escalated from 1 Dec (November missed too).
        let a = alert(&p, &[], "2025-11-20T12:00:00+08:00");
        assert_eq!(a.due_at, at("2025-11-01T00:00:00+08:00"));
        assert_eq!((a.severity, a.days_overdue), (Severity::Overdue, 19));
        let a = alert(&p, &[], "2025-12-01T00:00:00+08:00");
        assert_eq!((a.severity, a.days_overdue), (Severity::Escalated, 30));
        // February has 28 days in 2026: a January contact makes February due on 1 Mar.
        let q = pairing("2025-09-01", monthly(1), &["2026-01-31T20:00:00+08:00"]);
        let a = alert(&q, &[], "2026-02-26T00:00:00+08:00");
        assert_eq!(
            (a.severity, a.due_at),
            (Severity::DueSoon, at("2026-03-01T00:00:00+08:00"))
        );
    }

    #[test]
    fn a_pairing_without_contacts_is_due_at_the_end_of_its_first_window() {
        let p = pairing("2025-09-10", monthly(1), &[]);
        let a = alert(&p, &[], "2025-09-20T00:00:00+08:00");
        assert_eq!(a.due_at, at("2025-10-01T00:00:00+08:00"));
        let a = alert(&p, &[], "2025-11-02T00:00:00+08:00");
        assert_eq!((a.severity, a.days_overdue), (Severity::Escalated, 32));
    }

    #[test]
    fn twice_a_week_across_week_ends() {
        // Seed 004: at least twice each (Monday-based) week. 2025-10-13 is a Monday.
        let p = pairing(
            "2025-10-13",
            weekly(2),
            &[
                "2025-10-14T19:00:00+08:00",
                "2025-10-19T23:00:00+08:00", // Sunday night: still week 13–19
                "2025-10-20T08:00:00+08:00", // Monday: the next week
            ],
        );
        // Week 13–19 met: week 20–26 is due at 00:00 Monday 27 Oct.
        let a = alert(&p, &[], "2025-10-22T12:00:00+08:00");
        assert_eq!((a.severity, a.due_at), (Severity::Ok, at("2025-10-27T00:00:00+08:00")));
        assert_eq!(alert(&p, &[], "2025-10-24T00:00:00+08:00").severity, Severity::DueSoon);
        // One contact in week 20–26 is not enough: overdue from the 27th...
        let a = alert(&p, &[], "2025-10-29T12:00:00+08:00");
        assert_eq!((a.severity, a.days_overdue), (Severity::Overdue, 2));
        // ... and escalated once week 27 Oct – 2 Nov has passed too.
        assert_eq!(
            alert(&p, &[], "2025-11-03T00:00:00+08:00").severity,
            Severity::Escalated
        );
        // A week that is met later on clears it all.
        let q = pairing(
            "2025-10-13",
            weekly(2),
            &[
                "2025-10-14T19:00:00+08:00",
                "2025-10-19T23:00:00+08:00",
                "2025-10-20T08:00:00+08:00",
                "2025-11-04T10:00:00+08:00",
                "2025-11-05T10:00:00+08:00",
            ],
        );
        let a = alert(&q, &[], "2025-11-05T12:00:00+08:00");
        assert_eq!((a.severity, a.due_at), (Severity::Ok, at("2025-11-17T00:00:00+08:00")));
    }

    #[test]
    fn weeks_across_a_year_end() {
        // 2025-12-29 (Mon) – 2026-01-04 (Sun) is one ISO week.
        let p = pairing("2025-12-01", weekly(1), &["2025-12-30T10:00:00+08:00"]);
        let a = alert(&p, &[], "2026-01-03T00:00:00+08:00");
        assert_eq!(a.due_at, at("2026-01-12T00:00:00+08:00"));
        let a = alert(&p, &[], "2026-01-12T00:00:00+08:00");
        assert_eq!(a.severity, Severity::Overdue);
        assert_eq!(
            alert(&p, &[], "2026-01-19T00:00:00+08:00").severity,
            Severity::Escalated
        );
    }

    #[test]
    fn a_vacation_inside_a_month_pushes_its_deadline() {
        // 国庆 1–7 Oct: October's deadline moves from 1 Nov to 8 Nov.
        let national_day = [vacation("2025-10-01", "2025-10-07")];
        let p = pairing("2025-09-01", monthly(1), &["2025-09-10T10:00:00+08:00"]);
        let a = alert(&p, &national_day, "2025-11-03T00:00:00+08:00");
        assert_eq!((a.severity, a.due_at), (Severity::Ok, at("2025-11-08T00:00:00+08:00")));
        assert_eq!(
            alert(&p, &national_day, "2025-11-05T00:00:00+08:00").severity,
            Severity::DueSoon
        );
        // Escalation: November's deadline (no vacation in it), 1 Dec.
        assert_eq!(
            alert(&p, &national_day, "2025-11-30T23:00:00+08:00").severity,
            Severity::Overdue
        );
        assert_eq!(
            alert(&p, &national_day, "2025-12-01T00:00:00+08:00").severity,
            Severity::Escalated
        );
    }

    #[test]
    fn a_vacation_across_a_month_end_moves_the_deadline_past_it() {
        // Winter vacation 24 Jan – 28 Feb 2026; December met, so January is due. Its 8
        // vacation days (24–31 Jan) run after the vacation: 1 Mar + 8 days = 9 Mar 00:00.
        let winter = [vacation("2026-01-24", "2026-02-28")];
        let p = pairing("2025-09-01", monthly(1), &["2025-12-15T10:00:00+08:00"]);
        let a = alert(&p, &winter, "2026-02-10T12:00:00+08:00");
        assert_eq!((a.severity, a.due_at), (Severity::Ok, at("2026-03-09T00:00:00+08:00")));
        // DUE_SOON from 3 days before (6 Mar 00:00), OVERDUE from 9 Mar.
        let sev = |t: &str| alert(&p, &winter, t).severity;
        assert_eq!(sev("2026-03-05T23:59:59+08:00"), Severity::Ok);
        assert_eq!(sev("2026-03-06T00:00:00+08:00"), Severity::DueSoon);
        assert_eq!(sev("2026-03-09T00:00:00+08:00"), Severity::Overdue);
        // Rolling, 14 days, last contact 15 Jan 10:00: 8 d 14 h run to 24 Jan 00:00, the
        // other 5 d 10 h from 1 Mar 00:00: due 6 Mar 10:00, escalated 14 days later.
        let r = pairing("2025-09-01", rolling(1, 14), &["2026-01-15T10:00:00+08:00"]);
        let a = alert(&r, &winter, "2026-02-10T12:00:00+08:00");
        assert_eq!((a.severity, a.due_at), (Severity::Ok, at("2026-03-06T10:00:00+08:00")));
        assert_eq!(
            alert(&r, &winter, "2026-03-20T10:00:00+08:00").severity,
            Severity::Escalated
        );
        // February is exempt, so escalation is March's deadline: 1 Apr.
        assert_eq!(sev("2026-03-31T23:59:59+08:00"), Severity::Overdue);
        assert_eq!(sev("2026-04-01T00:00:00+08:00"), Severity::Escalated);
    }

    #[test]
    fn a_month_wholly_inside_a_vacation_is_exempt() {
        // Summer: 1 Jul – 31 Aug 2026. June is met; July and August ask nothing;
        // September is due on 1 Oct.
        let summer = [vacation("2026-07-01", "2026-08-31")];
        let p = pairing("2025-09-01", monthly(1), &["2026-06-15T10:00:00+08:00"]);
        for as_of in [
            "2026-07-20T00:00:00+08:00",
            "2026-08-30T00:00:00+08:00",
            "2026-09-20T00:00:00+08:00",
        ] {
            let a = alert(&p, &summer, as_of);
            assert_eq!(
                (a.severity, a.due_at),
                (Severity::Ok, at("2026-10-01T00:00:00+08:00")),
                "{as_of}"
            );
        }
        // June missed: it was due on 1 Jul; escalation waits for the next open window,
        // September: 1 Oct.
        let q = pairing("2025-09-01", monthly(1), &["2026-05-15T10:00:00+08:00"]);
        let a = alert(&q, &summer, "2026-08-01T00:00:00+08:00");
        assert_eq!(
            (a.severity, a.due_at, a.days_overdue),
            (Severity::Overdue, at("2026-07-01T00:00:00+08:00"), 31)
        );
        // The summer pauses the clock without forgiving June: still overdue in
        // September, escalated once September is missed too.
        let a = alert(&q, &summer, "2026-09-10T00:00:00+08:00");
        assert_eq!(
            (a.severity, a.due_at),
            (Severity::Overdue, at("2026-07-01T00:00:00+08:00"))
        );
        assert_eq!(
            alert(&q, &summer, "2026-10-01T00:00:00+08:00").severity,
            Severity::Escalated
        );
        // A pairing formed during the summer is first due at the end of September.
        let r = pairing("2026-07-10", monthly(1), &[]);
        let a = alert(&r, &summer, "2026-07-20T00:00:00+08:00");
        assert_eq!((a.severity, a.due_at), (Severity::Ok, at("2026-10-01T00:00:00+08:00")));
    }

    #[test]
    fn a_monthly_pairing_that_ends() {
        let mut p = pairing("2025-09-01", monthly(1), &["2025-09-10T10:00:00+08:00"]);
        p.ends_on = Some(day("2025-11-15"));
        assert_eq!(alert(&p, &[], "2025-11-15T12:00:00+08:00").severity, Severity::Overdue);
        assert!(contact_alert(&p, &[], at("2025-11-16T00:00:00+08:00")).is_none());
    }

    #[test]
    fn a_malformed_cadence_does_not_panic() {
        let c = Cadence {
            at_least: 0,
            every_days: Some(0),
            calendar: None,
            min_minutes: None,
            problems_per_term: None,
        };
        let p = pairing("2025-09-01", c, &[]);
        assert_eq!(
            alert(&p, &[], "2025-09-01T12:00:00+08:00").due_at,
            at("2025-09-02T00:00:00+08:00")
        );
        let c = Cadence {
            at_least: 1,
            every_days: None,
            calendar: None,
            min_minutes: None,
            problems_per_term: None,
        };
        let p = pairing("2025-09-01", c, &[]);
        assert!(contact_alert(&p, &[], at("2025-09-02T00:00:00+08:00")).is_some());
        let _ = CalendarUnit::Week;
    }
}
