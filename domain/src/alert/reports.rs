//! What a person owes on the calendar (seed 002): thought reports, to the branch and to the
//! party group, and the branch's reviews of activists and probationary members. Each is the
//! calendar rule of contacts over the person's own record, counted from `stage_since`. See
//! `docs/alerts.md`.

use super::clock::{Windows, calendar_deadline, counted};
use super::{Alert, AlertDetail, AlertKind, Deadline};
use crate::cadence::{Span, Vacations};
use crate::state::Person;
use crate::time::{local_date, start_of_day};
use crate::vocab::{ReportRecipient, ReviewKind, Stage};
use chrono::{DateTime, NaiveDate, Utc};

/// 思想汇报 (seed 002): an activist hands in at least one each calendar month
/// (「撰写至少1篇思想汇报并在月底前上交至党小组组长」), a probationary member at least one each
/// calendar quarter to the branch (「每季度向党支部书面汇报」), counted from `stage_since`.
/// The calendar rule of contacts applies: due at the end of the month (quarter) after the
/// last one that has a report. `None` for other stages or without `stage_since`.
pub fn thought_reports_due(person: &Person, vacations: &Vacations, as_of: DateTime<Utc>) -> Option<Alert> {
    let (span, to) = match person.stage {
        Stage::Activist => (Span::Month, ReportRecipient::PartyGroup),
        Stage::Probationary => (Span::Quarter, ReportRecipient::Branch),
        _ => return None,
    };
    report_due(person, AlertKind::ThoughtReport, span, to, vacations, as_of)
}

/// Seed 002: 「预备党员每月向党小组……书面汇报思想汇报」: a probationary member also owes a
/// report each calendar month to the party group, besides the quarterly one to the branch.
pub fn party_group_reports_due(person: &Person, vacations: &Vacations, as_of: DateTime<Utc>) -> Option<Alert> {
    if person.stage != Stage::Probationary {
        return None;
    }
    let to = ReportRecipient::PartyGroup;
    report_due(person, AlertKind::PartyGroupReport, Span::Month, to, vacations, as_of)
}

/// A report handed to the branch reaches the party group too (the group is part of the
/// branch, and a member writes one report that month, not two); one handed to the party
/// group does not reach the branch.
fn reaches(handed_to: ReportRecipient, to: ReportRecipient) -> bool {
    handed_to == to || handed_to == ReportRecipient::Branch
}

/// The calendar rule over the person's reports that reach `to`, from `stage_since`.
fn report_due(
    person: &Person,
    kind: AlertKind,
    span: Span,
    to: ReportRecipient,
    vacations: &Vacations,
    as_of: DateTime<Utc>,
) -> Option<Alert> {
    let since = person.stage_since?;
    if local_date(as_of) < since {
        return None;
    }
    let mut submitted: Vec<DateTime<Utc>> = person
        .thought_reports
        .iter()
        .filter(|r| reaches(r.handed_to, to))
        .map(|r| start_of_day(r.submitted_on))
        .collect();
    submitted.sort_unstable();
    let (deadline, last) = calendar_due(&submitted, span, vacations, since, as_of);
    let detail = AlertDetail::ThoughtReport {
        stage: person.stage,
        every: span,
        to,
        last_submitted_on: last,
    };
    Some(Alert::at(kind, person.id, deadline, as_of, detail))
}

/// The calendar rule with one item due each window of `span` from `since`, over instants
/// sorted ascending; also the day of the last item counted.
fn calendar_due(
    sorted: &[DateTime<Utc>],
    span: Span,
    vacations: &Vacations,
    since: NaiveDate,
    as_of: DateTime<Utc>,
) -> (Deadline, Option<NaiveDate>) {
    let windows = Windows { span, vacations };
    let deadline = calendar_deadline(sorted, |t| *t, &windows, 1, since, as_of);
    let last = counted(sorted, &|t: &DateTime<Utc>| *t, start_of_day(since), as_of)
        .last()
        .map(|t| local_date(*t));
    (deadline, last)
}

/// Seed 002: 「本支部每季度对入党积极分子进行考察鉴定」: an activist is reviewed each calendar
/// quarter, counted from `stage_since`; due at the end of the quarter after the last
/// reviewed one. `None` for other stages or without `stage_since`.
pub fn activist_review_due(person: &Person, vacations: &Vacations, as_of: DateTime<Utc>) -> Option<Alert> {
    if person.stage != Stage::Activist {
        return None;
    }
    let kind = AlertKind::ActivistReview;
    review_due(
        person,
        ReviewKind::ActivistReview,
        kind,
        Span::Quarter,
        vacations,
        as_of,
    )
}

/// Seed 002: 「支部每半年进行一次综合鉴定」: a probationary member is reviewed each half
/// year, read as each academic term (1 Sep – end of February, 1 Mar – 31 Aug: the branch
/// counts by term, 「以学期为单位」), counted from `stage_since`.
pub fn probation_review_due(person: &Person, vacations: &Vacations, as_of: DateTime<Utc>) -> Option<Alert> {
    if person.stage != Stage::Probationary {
        return None;
    }
    let kind = AlertKind::ProbationReview;
    review_due(person, ReviewKind::ProbationReview, kind, Span::Term, vacations, as_of)
}

/// The calendar rule over the person's reviews of `review`, from `stage_since`.
fn review_due(
    person: &Person,
    review: ReviewKind,
    kind: AlertKind,
    span: Span,
    vacations: &Vacations,
    as_of: DateTime<Utc>,
) -> Option<Alert> {
    let since = person.stage_since?;
    if local_date(as_of) < since {
        return None;
    }
    let mut reviewed: Vec<DateTime<Utc>> = person
        .reviews
        .iter()
        .filter(|r| r.kind == review)
        .map(|r| start_of_day(r.reviewed_on))
        .collect();
    reviewed.sort_unstable();
    let (deadline, last) = calendar_due(&reviewed, span, vacations, since, as_of);
    let detail = AlertDetail::Review {
        review,
        every: span,
        last_reviewed_on: last,
    };
    Some(Alert::at(kind, person.id, deadline, as_of, detail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::Severity;
    use crate::testkit::*;

    fn none() -> Vacations {
        Vacations::none()
    }

    // ---- thought reports ----

    #[test]
    fn an_activist_reports_each_month() {
        let mut w = World::new();
        let Campus { college, branch, .. } = w.campus();
        let s = w.register_as("同学", &[college, branch], Stage::Activist, Some("2025-09-01"));
        w.thought_report(s, "2025-09-20");
        w.thought_report(s, "2025-10-31");
        let person = |w: &World| w.person(s).clone();
        let p = person(&w);
        // October has one: November's is due at 00:00 on 1 Dec.
        let a = thought_reports_due(&p, &none(), at("2025-11-10T00:00:00+08:00")).unwrap();
        assert_eq!((a.kind, a.subject_id), (AlertKind::ThoughtReport, s));
        assert_eq!((a.severity, a.due_at), (Severity::Ok, at("2025-12-01T00:00:00+08:00")));
        assert_eq!(
            a.detail,
            AlertDetail::ThoughtReport {
                stage: Stage::Activist,
                every: Span::Month,
                to: ReportRecipient::PartyGroup,
                last_submitted_on: Some(day("2025-10-31"))
            }
        );
        // As of October's last day, before its report counts (reports count from 00:00 of
        // their day): September met, October due on 1 Nov, 1 day left.
        let a = thought_reports_due(&p, &none(), at("2025-10-30T23:00:00+08:00")).unwrap();
        assert_eq!(a.severity, Severity::DueSoon);
        // Nothing after October: overdue on 1 Dec, escalated on 1 Jan.
        let a = thought_reports_due(&p, &none(), at("2025-12-03T00:00:00+08:00")).unwrap();
        assert_eq!((a.severity, a.days_overdue), (Severity::Overdue, 2));
        let a = thought_reports_due(&p, &none(), at("2026-01-01T00:00:00+08:00")).unwrap();
        assert_eq!(a.severity, Severity::Escalated);
        // Reports before the person became an activist do not count.
        let mut w2 = World::new();
        let Campus {
            college: c2,
            branch: b2,
            ..
        } = w2.campus();
        let s2 = w2.register_as("同学", &[c2, b2], Stage::Activist, Some("2025-09-15"));
        w2.thought_report(s2, "2025-09-10");
        let p2 = w2.person(s2).clone();
        let a = thought_reports_due(&p2, &none(), at("2025-10-02T00:00:00+08:00")).unwrap();
        assert_eq!(
            (a.severity, a.due_at),
            (Severity::Overdue, at("2025-10-01T00:00:00+08:00"))
        );
    }

    #[test]
    fn a_thought_report_due_in_the_winter_vacation_falls_due_after_it() {
        // Winter vacation 24 Jan – 28 Feb 2026. December has a report, so January's is due:
        // its 8 vacation days (24–31 Jan) run from 1 Mar: 9 Mar. February is exempt.
        let winter = Vacations::new(&[vacation("2026-01-24", "2026-02-28")]);
        let mut w = World::new();
        let Campus { college, branch, .. } = w.campus();
        let s = w.register_as("同学", &[college, branch], Stage::Activist, Some("2025-09-01"));
        w.thought_report(s, "2025-12-20");
        let p = w.person(s).clone();
        let a = thought_reports_due(&p, &winter, at("2026-02-09T12:00:00+08:00")).unwrap();
        assert_eq!((a.severity, a.due_at), (Severity::Ok, at("2026-03-09T00:00:00+08:00")));
        // Escalation: March's deadline, 1 Apr (no vacation day in March).
        let a = thought_reports_due(&p, &winter, at("2026-03-31T00:00:00+08:00")).unwrap();
        assert_eq!((a.severity, a.days_overdue), (Severity::Overdue, 22));
        let a = thought_reports_due(&p, &winter, at("2026-04-01T00:00:00+08:00")).unwrap();
        assert_eq!(a.severity, Severity::Escalated);
    }

    #[test]
    fn a_probationary_member_reports_each_quarter() {
        let mut w = World::new();
        let Campus { college, branch, .. } = w.campus();
        let m = w.register_as("预备", &[college, branch], Stage::Probationary, Some("2025-08-20"));
        w.thought_report(m, "2025-09-10");
        let p = w.person(m).clone();
        // Q3 (Jul–Sep) met: Q4 is due at 00:00 on 1 Jan 2026.
        let a = thought_reports_due(&p, &none(), at("2025-12-29T00:00:00+08:00")).unwrap();
        assert_eq!(
            (a.severity, a.due_at),
            (Severity::DueSoon, at("2026-01-01T00:00:00+08:00"))
        );
        // Escalated once Q1 2026 is missed too.
        let a = thought_reports_due(&p, &none(), at("2026-04-01T00:00:00+08:00")).unwrap();
        assert_eq!((a.severity, a.days_overdue), (Severity::Escalated, 90));
    }

    #[test]
    fn other_stages_owe_no_thought_report() {
        let mut w = World::new();
        let Campus { college, branch, .. } = w.campus();
        let full = w.register_as("党员", &[college, branch], Stage::Full, Some("2020-06-01"));
        let nosince = w.register_as("积极分子", &[college, branch], Stage::Activist, None);
        let as_of = at("2025-10-01T00:00:00+08:00");
        assert!(thought_reports_due(w.person(full), &none(), as_of).is_none());
        assert!(thought_reports_due(w.person(nosince), &none(), as_of).is_none());
    }

    #[test]
    fn a_probationary_member_reports_monthly_to_the_party_group_and_quarterly_to_the_branch() {
        // 「预备党员每月向党小组，每季度向党支部书面汇报思想汇报」. Given a probationary member since
        // 1 Sep 2025 with reports on 15 Sep and 12 Oct to the party group, 20 Nov to the branch.
        let mut w = World::new();
        let Campus { college, branch, .. } = w.campus();
        let m = w.register_as("预备", &[college, branch], Stage::Probationary, Some("2025-09-01"));
        w.thought_report_to(m, "2025-09-15", ReportRecipient::PartyGroup);
        w.thought_report_to(m, "2025-10-12", ReportRecipient::PartyGroup);
        w.thought_report_to(m, "2025-11-20", ReportRecipient::Branch);
        let p = w.person(m).clone();
        let branch_report = |t: &str| thought_reports_due(&p, &none(), at(t)).unwrap();
        let group_report = |t: &str| party_group_reports_due(&p, &none(), at(t)).unwrap();
        // As of 10 Nov no report has reached the branch: Q3 (Jul–Sep, the first quarter) was
        // due 1 Oct; 1 Oct → 10 Nov = 30 + 10 = 40 days overdue; escalated from 1 Jan.
        let a = branch_report("2025-11-10T00:00:00+08:00");
        assert_eq!(
            (a.kind, a.severity, a.days_overdue),
            (AlertKind::ThoughtReport, Severity::Overdue, 40)
        );
        assert_eq!(a.due_at, at("2025-10-01T00:00:00+08:00"));
        // The party group has had September's and October's: November's is due 1 Dec.
        let a = group_report("2025-11-10T00:00:00+08:00");
        assert_eq!((a.kind, a.severity), (AlertKind::PartyGroupReport, Severity::Ok));
        assert_eq!(a.due_at, at("2025-12-01T00:00:00+08:00"));
        assert_eq!(
            a.detail,
            AlertDetail::ThoughtReport {
                stage: Stage::Probationary,
                every: Span::Month,
                to: ReportRecipient::PartyGroup,
                last_submitted_on: Some(day("2025-10-12"))
            }
        );
        // The report of 20 Nov to the branch meets Q4 (the branch's next is due 1 Apr 2026)
        // and November for the party group too (December's due 1 Jan 2026).
        let a = branch_report("2025-12-10T00:00:00+08:00");
        assert_eq!((a.severity, a.due_at), (Severity::Ok, at("2026-04-01T00:00:00+08:00")));
        let a = group_report("2025-12-10T00:00:00+08:00");
        assert_eq!((a.severity, a.due_at), (Severity::Ok, at("2026-01-01T00:00:00+08:00")));
        // Nothing in December: overdue from 1 Jan 00:00 (1 day as of 2 Jan), escalated 1 Feb.
        let a = group_report("2026-01-02T00:00:00+08:00");
        assert_eq!((a.severity, a.days_overdue), (Severity::Overdue, 1));
        assert_eq!(group_report("2026-02-01T00:00:00+08:00").severity, Severity::Escalated);
        // An activist owes no party-group alert of this kind: theirs is THOUGHT_REPORT.
        let s = w.register_as("积极分子", &[college, branch], Stage::Activist, Some("2025-09-01"));
        assert!(party_group_reports_due(w.person(s), &none(), at("2025-11-10T00:00:00+08:00")).is_none());
    }

    // ---- the branch's reviews ----

    #[test]
    fn an_activist_is_reviewed_each_quarter() {
        // 「每季度对入党积极分子进行考察鉴定」. Given an activist since 10 Sep 2025, reviewed 25 Sep.
        let mut w = World::new();
        let Campus { college, branch, .. } = w.campus();
        let s = w.register_as("积极分子", &[college, branch], Stage::Activist, Some("2025-09-10"));
        w.review(s, ReviewKind::ActivistReview, "2025-09-25");
        let p = w.person(s).clone();
        let due = |t: &str| activist_review_due(&p, &none(), at(t)).unwrap();
        // Q3 met: Q4 (Oct–Dec) is due 1 Jan 2026; 29 Dec 00:00 is 3 days before: due soon.
        let a = due("2025-12-29T00:00:00+08:00");
        assert_eq!((a.kind, a.subject_id), (AlertKind::ActivistReview, s));
        assert_eq!(
            (a.severity, a.due_at),
            (Severity::DueSoon, at("2026-01-01T00:00:00+08:00"))
        );
        assert_eq!(
            a.detail,
            AlertDetail::Review {
                review: ReviewKind::ActivistReview,
                every: Span::Quarter,
                last_reviewed_on: Some(day("2025-09-25"))
            }
        );
        // Missed: 1 Jan → 5 Jan = 4 days overdue; escalated at Q1's end, 1 Apr
        // (31 + 28 + 31 = 90 days after 1 Jan).
        assert_eq!(
            (
                due("2026-01-05T00:00:00+08:00").severity,
                due("2026-01-05T00:00:00+08:00").days_overdue
            ),
            (Severity::Overdue, 4)
        );
        let a = due("2026-04-01T00:00:00+08:00");
        assert_eq!((a.severity, a.days_overdue), (Severity::Escalated, 90));
        // Winter vacation 20 Jan – 28 Feb 2026 (12 + 28 = 40 days inside Q1): Q1's deadline
        // is 1 Apr + 40 days = 11 May.
        let winter = Vacations::new(&[vacation("2026-01-20", "2026-02-28")]);
        w.review(s, ReviewKind::ActivistReview, "2025-12-20");
        let a = activist_review_due(w.person(s), &winter, at("2026-04-20T00:00:00+08:00")).unwrap();
        assert_eq!((a.severity, a.due_at), (Severity::Ok, at("2026-05-11T00:00:00+08:00")));
        // A probationary member's review does not count for an activist; other stages owe none.
        let t = w.register_as("积极分子", &[college, branch], Stage::Activist, Some("2025-09-10"));
        w.review(t, ReviewKind::ProbationReview, "2025-09-25");
        let a = activist_review_due(w.person(t), &none(), at("2025-10-05T00:00:00+08:00")).unwrap();
        assert_eq!(
            (a.severity, a.due_at),
            (Severity::Overdue, at("2025-10-01T00:00:00+08:00"))
        );
        let full = w.register_as("党员", &[college, branch], Stage::Full, Some("2020-06-01"));
        assert!(activist_review_due(w.person(full), &none(), at("2025-10-05T00:00:00+08:00")).is_none());
        assert!(probation_review_due(w.person(s), &none(), at("2025-10-05T00:00:00+08:00")).is_none());
    }

    #[test]
    fn a_probationary_member_is_reviewed_each_term() {
        // 「支部每半年进行一次综合鉴定」, read as each term. Given a probationary member since
        // 20 Nov 2025 (term 2025-2026-1: 1 Sep – 28 Feb), not yet reviewed.
        let mut w = World::new();
        let Campus { college, branch, .. } = w.campus();
        let m = w.register_as("预备", &[college, branch], Stage::Probationary, Some("2025-11-20"));
        let due = |w: &World, v: &Vacations, t: &str| probation_review_due(w.person(m), v, at(t)).unwrap();
        // Due at the first term's end, 1 Mar 2026; 26 Feb 00:00 is 3 days before (2026 is not
        // a leap year): due soon. Escalated at the next term's end, 1 Sep 2026.
        let a = due(&w, &none(), "2026-02-26T00:00:00+08:00");
        assert_eq!((a.kind, a.severity), (AlertKind::ProbationReview, Severity::DueSoon));
        assert_eq!(a.due_at, at("2026-03-01T00:00:00+08:00"));
        assert_eq!(
            due(&w, &none(), "2026-09-01T00:00:00+08:00").severity,
            Severity::Escalated
        );
        // Reviewed 10 Feb: the first term is met, the second (1 Mar – 31 Aug) is due 1 Sep;
        // as of 3 Sep, 2 days overdue.
        w.review(m, ReviewKind::ProbationReview, "2026-02-10");
        let a = due(&w, &none(), "2026-09-03T00:00:00+08:00");
        assert_eq!(
            (a.severity, a.due_at, a.days_overdue),
            (Severity::Overdue, at("2026-09-01T00:00:00+08:00"), 2)
        );
        assert_eq!(
            a.detail,
            AlertDetail::Review {
                review: ReviewKind::ProbationReview,
                every: Span::Term,
                last_reviewed_on: Some(day("2026-02-10"))
            }
        );
        // Summer 1 Jul – 31 Aug 2026 (31 + 31 = 62 days inside the second term) pauses the
        // clock: 1 Sep + 62 days (30 in September, 31 in October, 1 in November) = 2 Nov.
        let summer = Vacations::new(&[vacation("2026-07-01", "2026-08-31")]);
        let a = due(&w, &summer, "2026-09-03T00:00:00+08:00");
        assert_eq!((a.severity, a.due_at), (Severity::Ok, at("2026-11-02T00:00:00+08:00")));
    }
}
