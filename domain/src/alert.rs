//! Alerts (DESIGN §6): where each obligation of the programme stands as of a given instant.
//!
//! Every rule here reduces to a [`Deadline`] (when the thing is due, and when missing it
//! becomes an escalation) and one shared [`classify`]: `OK`, `DUE_SOON` (3 days or less
//! left), `OVERDUE` from the due instant, `ESCALATED` once a whole further window has been
//! missed. School vacations pause the clock ([`Vacations`]). The exact rules, with worked
//! examples, are in `docs/alerts.md`.
//!
//! - [`contact_alert`] / [`contact_alerts`]: a pairing's contact cadence, rolling or
//!   calendar-aligned.
//! - [`thought_reports_due`], [`party_group_reports_due`], [`activist_review_due`],
//!   [`probation_review_due`] (`reports.rs`): what a person owes on the calendar (seed 002).
//! - [`problems_unsolved`] (`problems.rs`): a pairing's target of problems solved each term
//!   (seed 000).
//! - [`secretary_alerts`]: everything a branch secretary is told about, in one shape
//!   ([`Alert`]): contacts, thought reports, the branch's reviews, monthly records, branch
//!   opinions, problems solved per term and the lifecycle dates of the 发展党员工作细则.

mod clock;
mod contact;
mod problems;
mod reports;
mod secretary;

pub use crate::cadence::{Span, Vacations};
pub use contact::{ContactAlert, contact_alert, contact_alert_with, contact_alerts, pairing_alert};
pub use problems::problems_unsolved;
pub use reports::{activist_review_due, party_group_reports_due, probation_review_due, thought_reports_due};
pub use secretary::{
    branch_opinions_missing, development_target_eligible, full_membership_due, monthly_records_missing,
    secretary_alerts,
};

use crate::time::{Month, Period};
use crate::vocab::{ReportRecipient, ReviewKind, Stage};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// How urgent an obligation is; ordered from `Ok` to `Escalated`, so a `minSeverity`
/// filter is `severity >= min`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    Ok,
    DueSoon,
    Overdue,
    Escalated,
}

/// When an obligation falls due, and when missing it escalates to the branch secretary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    pub due_at: DateTime<Utc>,
    pub escalate_at: DateTime<Utc>,
}

/// How long before `due_at` an obligation shows as `DUE_SOON`, unless a rule says otherwise.
pub const DUE_SOON: TimeDelta = TimeDelta::days(3);

/// The one classification every alert uses: `ESCALATED` from `escalate_at`, `OVERDUE` from
/// `due_at`, `DUE_SOON` when `soon` or less is left, `OK` otherwise. The second value is
/// the number of whole days past `due_at` (0 when not yet due).
pub fn classify(deadline: Deadline, as_of: DateTime<Utc>, soon: TimeDelta) -> (Severity, i64) {
    let Deadline { due_at, escalate_at } = deadline;
    if as_of >= due_at {
        let days = (as_of - due_at).num_days();
        let severity = if as_of >= escalate_at {
            Severity::Escalated
        } else {
            Severity::Overdue
        };
        (severity, days)
    } else if due_at - as_of <= soon {
        (Severity::DueSoon, 0)
    } else {
        (Severity::Ok, 0)
    }
}

/// What an [`Alert`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlertKind {
    /// A pairing's contact cadence (subject: the pairing).
    Contact,
    /// 思想汇报 due: activists monthly, probationary members quarterly to the branch (subject:
    /// the person).
    ThoughtReport,
    /// 活动情况记录表 of a month not submitted (subject: the pairing).
    MonthlyRecord,
    /// 党支部意见 missing on a submitted monthly record (subject: the pairing).
    BranchOpinion,
    /// An activist of a year or more may be listed as a development target (subject: the person).
    DevelopmentTargetEligible,
    /// A probationary member is due for full membership (subject: the person).
    FullMembershipDue,
    /// 考察鉴定 of an activist due, each quarter (subject: the person).
    ActivistReview,
    /// 综合鉴定 of a probationary member due, each half year (term) (subject: the person).
    ProbationReview,
    /// A probationary member's monthly 思想汇报 to the party group due (subject: the person).
    PartyGroupReport,
    /// A term's counted contacts solved fewer problems than the cadence's target (subject:
    /// the pairing).
    ProblemsUnsolved,
}

/// The facts behind an alert, per kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertDetail {
    Contact {
        last_contact_at: Option<DateTime<Utc>>,
    },
    /// A thought report due to `to` (`THOUGHT_REPORT`, `PARTY_GROUP_REPORT`).
    ThoughtReport {
        stage: Stage,
        every: Span,
        to: ReportRecipient,
        last_submitted_on: Option<NaiveDate>,
    },
    /// A review due (`ACTIVIST_REVIEW`, `PROBATION_REVIEW`).
    Review {
        review: ReviewKind,
        every: Span,
        last_reviewed_on: Option<NaiveDate>,
    },
    ProblemsUnsolved {
        term: Period,
        solved: u32,
        target: u32,
    },
    MonthlyRecord {
        month: Month,
    },
    BranchOpinion {
        month: Month,
    },
    DevelopmentTargetEligible {
        activist_since: NaiveDate,
        eligible_on: NaiveDate,
    },
    FullMembershipDue {
        probationary_since: NaiveDate,
        extension_months: u32,
        due_on: NaiveDate,
    },
}

impl fmt::Display for AlertDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlertDetail::Contact { last_contact_at } => match last_contact_at {
                Some(at) => write!(
                    f,
                    "谈心谈话: last contact {}",
                    at.with_timezone(&crate::time::shanghai()).to_rfc3339()
                ),
                None => write!(f, "谈心谈话: no contact yet"),
            },
            AlertDetail::ThoughtReport {
                every,
                to,
                last_submitted_on,
                ..
            } => {
                let (every, to) = (every_word(*every), recipient_word(*to));
                match last_submitted_on {
                    Some(day) => write!(f, "思想汇报 to the {to} ({every}): last submitted {day}"),
                    None => write!(f, "思想汇报 to the {to} ({every}): none submitted yet"),
                }
            }
            AlertDetail::Review {
                review,
                every,
                last_reviewed_on,
            } => {
                let review = match review {
                    ReviewKind::ActivistReview => "入党积极分子考察鉴定",
                    ReviewKind::ProbationReview => "预备党员综合鉴定",
                };
                let every = every_word(*every);
                match last_reviewed_on {
                    Some(day) => write!(f, "{review} ({every}): last reviewed {day}"),
                    None => write!(f, "{review} ({every}): none recorded yet"),
                }
            }
            AlertDetail::ProblemsUnsolved { term, solved, target } => write!(
                f,
                "实际问题 in term {term}: {solved} solved in counted contacts, the target is {target}"
            ),
            AlertDetail::MonthlyRecord { month } => {
                write!(f, "活动情况记录表 for {month} not submitted")
            }
            AlertDetail::BranchOpinion { month } => {
                write!(f, "党支部意见 on the record for {month} not given")
            }
            AlertDetail::DevelopmentTargetEligible {
                activist_since,
                eligible_on,
            } => write!(
                f,
                "入党积极分子 since {activist_since}: may be listed as 发展对象 from {eligible_on}"
            ),
            AlertDetail::FullMembershipDue {
                probationary_since,
                extension_months,
                due_on,
            } => {
                write!(f, "预备党员 since {probationary_since}: due for 转正 on {due_on}")?;
                if *extension_months > 0 {
                    write!(f, " (预备期 extended by {extension_months} months)")?;
                }
                Ok(())
            }
        }
    }
}

fn every_word(span: Span) -> &'static str {
    match span {
        Span::Week => "weekly",
        Span::Month => "monthly",
        Span::Quarter => "quarterly",
        Span::Term => "each term",
    }
}

fn recipient_word(to: ReportRecipient) -> &'static str {
    match to {
        ReportRecipient::PartyGroup => "党小组",
        ReportRecipient::Branch => "党支部",
    }
}

/// One obligation as of an instant, in the shape every alert shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alert {
    pub kind: AlertKind,
    /// The pairing (contacts, monthly records, branch opinions, problems solved) or the
    /// person (the rest).
    pub subject_id: Uuid,
    pub severity: Severity,
    pub due_at: DateTime<Utc>,
    pub days_overdue: i64,
    pub detail: AlertDetail,
}

impl Alert {
    /// An alert classified against `deadline` with the usual 3-day `DUE_SOON`.
    fn at(kind: AlertKind, subject_id: Uuid, deadline: Deadline, as_of: DateTime<Utc>, detail: AlertDetail) -> Alert {
        let (severity, days_overdue) = classify(deadline, as_of, DUE_SOON);
        Alert {
            kind,
            subject_id,
            severity,
            due_at: deadline.due_at,
            days_overdue,
            detail,
        }
    }
}

impl From<ContactAlert> for Alert {
    fn from(a: ContactAlert) -> Alert {
        Alert {
            kind: AlertKind::Contact,
            subject_id: a.pairing_id,
            severity: a.severity,
            due_at: a.due_at,
            days_overdue: a.days_overdue,
            detail: AlertDetail::Contact {
                last_contact_at: a.last_contact_at,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(d: u32, h: u32) -> DateTime<Utc> {
        crate::time::shanghai()
            .with_ymd_and_hms(2025, 10, d, h, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn severities_are_ordered() {
        assert!(Severity::Ok < Severity::DueSoon);
        assert!(Severity::DueSoon < Severity::Overdue);
        assert!(Severity::Overdue < Severity::Escalated);
        assert_eq!(serde_json::to_string(&Severity::DueSoon).unwrap(), "\"DUE_SOON\"");
    }

    #[test]
    fn classify_has_four_bands() {
        let d = Deadline {
            due_at: t(10, 12),
            escalate_at: t(24, 12),
        };
        assert_eq!(classify(d, t(1, 0), DUE_SOON), (Severity::Ok, 0));
        assert_eq!(classify(d, t(7, 11), DUE_SOON), (Severity::Ok, 0));
        assert_eq!(classify(d, t(7, 12), DUE_SOON), (Severity::DueSoon, 0));
        assert_eq!(classify(d, t(10, 12), DUE_SOON), (Severity::Overdue, 0));
        assert_eq!(classify(d, t(13, 11), DUE_SOON), (Severity::Overdue, 2));
        assert_eq!(classify(d, t(24, 11), DUE_SOON), (Severity::Overdue, 13));
        assert_eq!(classify(d, t(24, 12), DUE_SOON), (Severity::Escalated, 14));
    }
}
