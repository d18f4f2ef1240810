//! The other alerts a branch secretary needs, each a short rule over the same clock:
//! monthly records, branch opinions and the lifecycle dates of the 发展党员工作细则; and
//! [`secretary_alerts`], which gathers them with the contacts' ([`super::contact`]), the
//! person's reports and reviews ([`super::reports`]) and the problems solved each term
//! ([`super::problems`]). See `docs/alerts.md`.

use super::clock::Windows;
use super::contact::contact_alert_with;
use super::problems::problems_unsolved;
use super::reports::{activist_review_due, party_group_reports_due, probation_review_due, thought_reports_due};
use super::{Alert, AlertDetail, AlertKind, Deadline, Severity, classify};
use crate::cadence::{Span, Vacations};
use crate::state::{Pairing, Person, State};
use crate::time::{Month, local_date, start_of_day, within_calendar};
use crate::vocab::Stage;
use chrono::{DateTime, Months, NaiveDate, TimeDelta, Utc};
use std::cmp::Reverse;
use uuid::Uuid;

/// Days a branch has, after a month ends, to give its opinion on the month's record.
pub const BRANCH_OPINION_DAYS: i64 = 7;

/// How long before the end of probation `FULL_MEMBERSHIP_DUE` shows as `DUE_SOON`: the
/// branch has to prepare the 支部大会 that decides on 转正.
pub const FULL_MEMBERSHIP_SOON: TimeDelta = TimeDelta::days(30);

/// 活动情况记录表 (seed 000 form 1, seed 001's monthly report): an active pairing owes one
/// for every calendar month from the month it starts in, due at 00:00 on the 1st of the
/// next month (`DUE_SOON` in the month's last 3 days), escalated when the next month's is
/// due too. Months wholly inside a vacation owe nothing; vacation days inside a month push
/// its deadline. One alert per month without a record, up to the current month.
pub fn monthly_records_missing(pairing: &Pairing, vacations: &Vacations, as_of: DateTime<Utc>) -> Vec<Alert> {
    let today = local_date(as_of);
    if !pairing.is_active_on(today) {
        return vec![];
    }
    let windows = Windows {
        span: Span::Month,
        vacations,
    };
    let mut out = vec![];
    // Clamped into the programme's calendar: at most 252 years of months, whatever the dates.
    let (mut m, current) = (
        Month::of(within_calendar(pairing.starts_on)),
        Month::of(within_calendar(today)),
    );
    while m <= current {
        let first = m.first_day();
        if !pairing.monthly_records.contains_key(&m) && !windows.exempt(first) {
            let deadline = windows.window_deadline(first);
            out.push(Alert::at(
                AlertKind::MonthlyRecord,
                pairing.id,
                deadline,
                as_of,
                AlertDetail::MonthlyRecord { month: m },
            ));
        }
        m = m.next();
    }
    out
}

/// 党支部意见: every submitted monthly record of an active pairing, for a month up to the
/// current one, needs the branch's opinion within 7 days (of running clock: vacations
/// pause it) after the month ends; escalated when the next month's opinion would be due
/// too.
pub fn branch_opinions_missing(pairing: &Pairing, vacations: &Vacations, as_of: DateTime<Utc>) -> Vec<Alert> {
    let today = local_date(as_of);
    if !pairing.is_active_on(today) {
        return vec![];
    }
    let current = Month::of(today);
    let due =
        |m: Month| vacations.add_running(start_of_day(m.next().first_day()), TimeDelta::days(BRANCH_OPINION_DAYS));
    pairing
        .monthly_records
        .keys()
        .filter(|&&m| m <= current && !pairing.branch_opinions.contains_key(&m))
        .map(|&m| {
            let deadline = Deadline {
                due_at: due(m),
                escalate_at: due(m.next()),
            };
            Alert::at(
                AlertKind::BranchOpinion,
                pairing.id,
                deadline,
                as_of,
                AlertDetail::BranchOpinion { month: m },
            )
        })
        .collect()
}

/// 细则: an activist of one year or more (`stage_since` + 1 year ≤ the day of `as_of`) may
/// be listed as a development target. Informational: severity `OK`, `due_at` the day the
/// year is complete, no days overdue.
pub fn development_target_eligible(person: &Person, as_of: DateTime<Utc>) -> Option<Alert> {
    if person.stage != Stage::Activist {
        return None;
    }
    let since = person.stage_since?;
    let eligible_on = add_months(since, 12);
    (local_date(as_of) >= eligible_on).then(|| Alert {
        kind: AlertKind::DevelopmentTargetEligible,
        subject_id: person.id,
        severity: Severity::Ok,
        due_at: start_of_day(eligible_on),
        days_overdue: 0,
        detail: AlertDetail::DevelopmentTargetEligible {
            activist_since: since,
            eligible_on,
        },
    })
}

/// 细则: a probationary member is due for full membership one year after `stage_since`,
/// plus any extension (延长预备期). `DUE_SOON` in the last 30 days, `OVERDUE` from 00:00
/// of the due day, `ESCALATED` a month later (the branch has let a whole monthly cycle
/// pass without deciding).
pub fn full_membership_due(person: &Person, as_of: DateTime<Utc>) -> Option<Alert> {
    if person.stage != Stage::Probationary {
        return None;
    }
    let since = person.stage_since?;
    let due_on = add_months(since, 12 + person.probation_extension_months);
    let deadline = Deadline {
        due_at: start_of_day(due_on),
        escalate_at: start_of_day(add_months(due_on, 1)),
    };
    let (severity, days_overdue) = classify(deadline, as_of, FULL_MEMBERSHIP_SOON);
    Some(Alert {
        kind: AlertKind::FullMembershipDue,
        subject_id: person.id,
        severity,
        due_at: deadline.due_at,
        days_overdue,
        detail: AlertDetail::FullMembershipDue {
            probationary_since: since,
            extension_months: person.probation_extension_months,
            due_on,
        },
    })
}

/// Calendar months later; the 29th–31st fall back to the month's last day (29 Feb 2024 +
/// 1 year = 28 Feb 2025).
fn add_months(day: NaiveDate, months: u32) -> NaiveDate {
    day.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX)
}

/// Everything a branch secretary of `scope` is told about as of `as_of`: the contact
/// alert of every active pairing in scope, its missing monthly records, branch opinions
/// and terms short of problems solved, and the thought reports (to the branch and to the
/// party group), reviews and lifecycle dates of every person in scope; those at `min` or
/// worse. The most urgent first, then by due time, then by kind and subject (so a
/// page after a cursor is stable).
pub fn secretary_alerts(state: &State, scope: Uuid, as_of: DateTime<Utc>, min: Severity) -> Vec<Alert> {
    let vacations = Vacations::new(state.vacations());
    let scope = state.scope(scope);
    let mut out = vec![];
    for pairing in scope.pairings() {
        out.extend(contact_alert_with(pairing, &vacations, as_of).map(Alert::from));
        out.extend(monthly_records_missing(pairing, &vacations, as_of));
        out.extend(branch_opinions_missing(pairing, &vacations, as_of));
        out.extend(problems_unsolved(pairing, &vacations, as_of));
    }
    for person in scope.people() {
        out.extend(thought_reports_due(person, &vacations, as_of));
        out.extend(party_group_reports_due(person, &vacations, as_of));
        out.extend(activist_review_due(person, &vacations, as_of));
        out.extend(probation_review_due(person, &vacations, as_of));
        out.extend(development_target_eligible(person, as_of));
        out.extend(full_membership_due(person, as_of));
    }
    out.retain(|a| a.severity >= min);
    out.sort_by_key(|a| (Reverse(a.severity), a.due_at, a.kind, a.subject_id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::Severity;
    use crate::testkit::*;
    use crate::vocab::ReviewKind;

    fn none() -> Vacations {
        Vacations::none()
    }

    // ---- monthly records and branch opinions ----

    fn branch_pairing(w: &mut World, starts_on: &str) -> (Uuid, Uuid) {
        let Campus {
            college, branch, class, ..
        } = w.campus();
        let mentor = w.register_as("党员", &[college, branch], Stage::Full, Some("2023-12-01"));
        let mentee = w.register_as("同学", &[college, class], Stage::NonParty, None);
        (w.form_pairing(&[mentor], mentee, starts_on, monthly(1)), branch)
    }

    #[test]
    fn monthly_records_are_due_on_the_first_of_the_next_month() {
        let mut w = World::new();
        let (p, _) = branch_pairing(&mut w, "2025-09-10");
        w.monthly_record(p, "2025-09");
        let pairing = w.pairing(p).clone();
        let missing = |t: &str| monthly_records_missing(&pairing, &none(), at(t));
        // Mid-October: only October's, not yet due.
        let a = missing("2025-10-15T00:00:00+08:00");
        assert_eq!(a.len(), 1);
        assert_eq!(
            a[0].detail,
            AlertDetail::MonthlyRecord {
                month: month("2025-10")
            }
        );
        assert_eq!(
            (a[0].severity, a[0].due_at),
            (Severity::Ok, at("2025-11-01T00:00:00+08:00"))
        );
        // The last 3 days of October: due soon.
        assert_eq!(missing("2025-10-29T00:00:00+08:00")[0].severity, Severity::DueSoon);
        // 1 December: October's escalated (November's is due too), November's overdue,
        // December's open.
        let a = missing("2025-12-01T00:00:00+08:00");
        let sev: Vec<_> = a.iter().map(|a| a.severity).collect();
        assert_eq!(sev, [Severity::Escalated, Severity::Overdue, Severity::Ok]);
        assert_eq!(a[0].days_overdue, 30);
        // An ended pairing owes nothing more.
        w.end_pairing(p, "2025-11-20");
        let ended = w.pairing(p).clone();
        assert!(monthly_records_missing(&ended, &none(), at("2025-12-01T00:00:00+08:00")).is_empty());
    }

    #[test]
    fn vacations_push_or_exempt_monthly_records() {
        let v = Vacations::new(&[
            vacation("2025-10-01", "2025-10-07"),
            vacation("2026-01-20", "2026-02-28"),
        ]);
        let mut w = World::new();
        let (p, _) = branch_pairing(&mut w, "2025-10-01");
        for m in ["2025-11", "2025-12"] {
            w.monthly_record(p, m);
        }
        let pairing = w.pairing(p).clone();
        let a = monthly_records_missing(&pairing, &v, at("2026-03-05T00:00:00+08:00"));
        // October: due 8 Nov (7 days of 国庆 inside it); escalation waits for the next month
        // without a record... and next_open is November: deadline 1 Dec.
        assert_eq!(
            a[0].detail,
            AlertDetail::MonthlyRecord {
                month: month("2025-10")
            }
        );
        assert_eq!(a[0].due_at, at("2025-11-08T00:00:00+08:00"));
        // January: its end, 1 Feb, lies in the vacation; its 12 vacation days (20–31 Jan)
        // run from the vacation's end: 1 Mar + 12 = 13 Mar, not 13 Feb (nothing falls due
        // while school is out). February is exempt, so escalation waits for March's
        // deadline, 1 Apr. As of 5 Mar, 8 days are left: OK.
        assert_eq!(
            a[1].detail,
            AlertDetail::MonthlyRecord {
                month: month("2026-01")
            }
        );
        assert_eq!(a[1].due_at, at("2026-03-13T00:00:00+08:00"));
        assert_eq!((a[1].severity, a[1].days_overdue), (Severity::Ok, 0));
        let late = monthly_records_missing(&pairing, &v, at("2026-03-20T00:00:00+08:00"));
        assert_eq!((late[1].severity, late[1].days_overdue), (Severity::Overdue, 7));
        let later = monthly_records_missing(&pairing, &v, at("2026-04-01T00:00:00+08:00"));
        assert_eq!(later[1].severity, Severity::Escalated);
        // March is the current month; February is not listed at all.
        assert_eq!(
            a[2].detail,
            AlertDetail::MonthlyRecord {
                month: month("2026-03")
            }
        );
        assert_eq!(a.len(), 3);
    }

    #[test]
    fn branch_opinions_are_due_seven_days_after_the_month() {
        let mut w = World::new();
        let (p, _) = branch_pairing(&mut w, "2025-09-01");
        w.monthly_record(p, "2025-09");
        w.monthly_record(p, "2025-10");
        w.monthly_record(p, "2025-12"); // a future month: not yet asked for
        w.branch_opinion(p, "2025-09");
        let pairing = w.pairing(p).clone();
        let a = branch_opinions_missing(&pairing, &none(), at("2025-11-05T00:00:00+08:00"));
        assert_eq!(a.len(), 1);
        assert_eq!(
            a[0].detail,
            AlertDetail::BranchOpinion {
                month: month("2025-10")
            }
        );
        assert_eq!(
            (a[0].severity, a[0].due_at),
            (Severity::DueSoon, at("2025-11-08T00:00:00+08:00"))
        );
        let a = branch_opinions_missing(&pairing, &none(), at("2025-11-20T00:00:00+08:00"));
        assert_eq!((a[0].severity, a[0].days_overdue), (Severity::Overdue, 12));
        let a = branch_opinions_missing(&pairing, &none(), at("2025-12-08T00:00:00+08:00"));
        assert_eq!(a[0].severity, Severity::Escalated);
        // 国庆 pauses the 7 days after September: due 15 Oct instead of 8 Oct.
        let mut q = pairing.clone();
        q.branch_opinions.clear();
        let v = Vacations::new(&[vacation("2025-10-01", "2025-10-07")]);
        let a = branch_opinions_missing(&q, &v, at("2025-10-10T00:00:00+08:00"));
        assert_eq!(a[0].due_at, at("2025-10-15T00:00:00+08:00"));
    }

    // ---- lifecycle ----

    #[test]
    fn an_activist_of_a_year_may_become_a_development_target() {
        let mut w = World::new();
        let Campus { college, branch, .. } = w.campus();
        let s = w.register_as("同学", &[college, branch], Stage::Activist, Some("2024-03-01"));
        let p = w.person(s).clone();
        assert!(development_target_eligible(&p, at("2025-02-28T23:59:00+08:00")).is_none());
        let a = development_target_eligible(&p, at("2025-03-01T00:00:00+08:00")).unwrap();
        assert_eq!(
            (a.kind, a.severity, a.due_at, a.days_overdue),
            (
                AlertKind::DevelopmentTargetEligible,
                Severity::Ok,
                at("2025-03-01T00:00:00+08:00"),
                0
            )
        );
        // 29 Feb + 1 year = 28 Feb.
        let leap = w.register_as("同学", &[college, branch], Stage::Activist, Some("2024-02-29"));
        let a = development_target_eligible(w.person(leap), at("2025-02-28T00:00:00+08:00"));
        assert!(a.is_some());
    }

    #[test]
    fn a_probationary_member_is_due_for_full_membership_after_a_year_and_any_extension() {
        let mut w = World::new();
        let Campus { college, branch, .. } = w.campus();
        let m = w.register_as("预备", &[college, branch], Stage::Probationary, Some("2024-11-15"));
        let a = full_membership_due(w.person(m), at("2025-10-01T00:00:00+08:00")).unwrap();
        assert_eq!((a.severity, a.due_at), (Severity::Ok, at("2025-11-15T00:00:00+08:00")));
        let sev = |w: &World, t: &str| full_membership_due(w.person(m), at(t)).unwrap();
        assert_eq!(sev(&w, "2025-10-16T00:00:00+08:00").severity, Severity::DueSoon);
        assert_eq!(sev(&w, "2025-11-15T00:00:00+08:00").severity, Severity::Overdue);
        assert_eq!(sev(&w, "2025-12-15T00:00:00+08:00").severity, Severity::Escalated);
        // 延长预备期 by 6 months: due 15 May 2026.
        w.extend_probation(m, 6);
        let a = sev(&w, "2025-12-15T00:00:00+08:00");
        assert_eq!((a.severity, a.due_at), (Severity::Ok, at("2026-05-15T00:00:00+08:00")));
        assert!(a.detail.to_string().contains("extended by 6 months"));
    }

    #[test]
    fn the_secretary_sees_every_alert_of_the_scope_most_urgent_first() {
        let mut w = World::new();
        let (p, branch) = branch_pairing(&mut w, "2025-09-01");
        let college = w.state().org_unit(branch).unwrap().parent_id.unwrap();
        let s = w.register_as("积极分子", &[college, branch], Stage::Activist, Some("2024-09-01"));
        w.thought_report(s, "2025-09-05");
        w.review(s, ReviewKind::ActivistReview, "2025-09-15");
        w.monthly_record(p, "2025-09");
        let list = secretary_alerts(w.state(), branch, at("2025-10-20T00:00:00+08:00"), Severity::Ok);
        let kinds: Vec<_> = list.iter().map(|a| (a.kind, a.severity)).collect();
        assert_eq!(
            kinds,
            [
                // No contact since 1 Sep; September missed, due 1 Oct.
                (AlertKind::Contact, Severity::Overdue),
                // September's opinion: due 8 Oct.
                (AlertKind::BranchOpinion, Severity::Overdue),
                // Activist since 2024-09-01: eligible since 2025-09-01.
                (AlertKind::DevelopmentTargetEligible, Severity::Ok),
                // September's report is in: October's due 1 Nov; October's record too.
                (AlertKind::ThoughtReport, Severity::Ok),
                (AlertKind::MonthlyRecord, Severity::Ok),
                // Q3 reviewed on 15 Sep: Q4's review is due 1 Jan 2026.
                (AlertKind::ActivistReview, Severity::Ok),
            ]
        );
        assert!(list.iter().all(|a| !a.detail.to_string().is_empty()));
        // At DUE_SOON or worse, the same order without the rest.
        let urgent = secretary_alerts(w.state(), branch, at("2025-10-20T00:00:00+08:00"), Severity::DueSoon);
        assert_eq!(urgent, list[..2]);
        // An unrelated unit sees nothing.
        let other = w.unit(crate::OrgUnitKind::College, None);
        assert!(secretary_alerts(w.state(), other, at("2025-10-20T00:00:00+08:00"), Severity::Ok).is_empty());
    }

    #[test]
    fn the_secretary_sees_reviews_party_group_reports_and_problems() {
        // Given a probationary member since 1 Sep 2025 with nothing recorded, and a pairing
        // from 1 Sep with a target of 1 problem a term and no contact.
        let mut w = World::new();
        let Campus {
            college, branch, class, ..
        } = w.campus();
        let mentor = w.register_as("党员", &[college, branch], Stage::Full, Some("2023-12-01"));
        let mentee = w.register_as("同学", &[college, class], Stage::Activist, Some("2025-03-01"));
        let cadence = crate::Cadence {
            problems_per_term: Some(1),
            ..monthly(1)
        };
        let p = w.form_pairing(&[mentor], mentee, "2025-09-01", cadence);
        let m = w.register_as("预备", &[college, branch], Stage::Probationary, Some("2025-09-01"));
        let as_of = at("2025-10-20T00:00:00+08:00");
        let list = secretary_alerts(w.state(), branch, as_of, Severity::Ok);
        let of = |kind| {
            list.iter()
                .find(|a| a.kind == kind)
                .map(|a| (a.subject_id, a.severity, a.due_at))
        };
        // Q3's report to the branch and September's to the party group were due 1 Oct.
        let oct = at("2025-10-01T00:00:00+08:00");
        assert_eq!(of(AlertKind::ThoughtReport), Some((m, Severity::Overdue, oct)));
        assert_eq!(of(AlertKind::PartyGroupReport), Some((m, Severity::Overdue, oct)));
        // The first term's 综合鉴定 and problems are due at its end, 1 Mar 2026.
        let march = at("2026-03-01T00:00:00+08:00");
        assert_eq!(of(AlertKind::ProbationReview), Some((m, Severity::Ok, march)));
        assert_eq!(of(AlertKind::ProblemsUnsolved), Some((p, Severity::Ok, march)));
        assert!(list.iter().all(|a| !a.detail.to_string().is_empty()));
    }
}
