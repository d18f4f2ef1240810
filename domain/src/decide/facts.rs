//! The facts of a person's record: thought reports, volunteer service, awards, results,
//! conduct, evaluations, seed 003's member activities and seed 002's reviews.

use super::*;
use crate::time::Period;
use crate::vocab::*;

/// GPAs are on a 0–5 scale unless the school says otherwise.
pub const DEFAULT_GPA_SCALE: f64 = 5.0;

#[derive(Clone, Debug)]
pub struct SubmitThoughtReport {
    pub person_id: Uuid,
    pub submitted_on: NaiveDate,
    pub title: String,
    pub word_count: Option<i64>,
    /// Whom it was handed to (seed 002: 「每月向党小组，每季度向党支部」).
    pub handed_to: ReportRecipient,
}

pub fn submit_thought_report(
    state: &State,
    input: SubmitThoughtReport,
    now: DateTime<Utc>,
) -> Result<Decision, DomainError> {
    let p = person(state, input.person_id)?;
    not_in_future("submittedOn", input.submitted_on, now)?;
    let title = required_text("title", &input.title, MAX_NAME)?;
    let word_count = match input.word_count {
        None => None,
        Some(n) if (0..=1_000_000).contains(&n) => Some(n as u32),
        Some(_) => {
            return Err(DomainError::bad("wordCount", "must be between 0 and 1,000,000"));
        }
    };
    let event = Event::ThoughtReportSubmitted {
        person_id: p.id,
        submitted_on: input.submitted_on,
        title,
        word_count,
        handed_to: input.handed_to,
    };
    Ok(Decision::one(state, p.id, event))
}

#[derive(Clone, Debug)]
pub struct RecordReview {
    pub person_id: Uuid,
    pub kind: ReviewKind,
    pub reviewed_on: NaiveDate,
    pub note: Option<String>,
}

/// Seed 002: 「每季度对入党积极分子进行考察鉴定」, 「支部每半年进行一次综合鉴定」 (of a
/// probationary member). A review is of the stage the person was at on the day of it: an
/// `ACTIVIST_REVIEW` of an activist, a `PROBATION_REVIEW` of a probationary member.
pub fn record_review(state: &State, input: RecordReview, now: DateTime<Utc>) -> Result<Decision, DomainError> {
    let p = person(state, input.person_id)?;
    let reviewed_on = not_in_future("reviewedOn", input.reviewed_on, now)?;
    let note = optional_text("note", input.note.as_deref(), MAX_TEXT)?;
    let rule = match input.kind {
        ReviewKind::ActivistReview => "an ACTIVIST_REVIEW (考察鉴定) is of an activist",
        ReviewKind::ProbationReview => "a PROBATION_REVIEW (综合鉴定) is of a probationary member",
    };
    match p.stage_on(reviewed_on) {
        Some(stage) if stage == input.kind.stage() => {}
        Some(stage) => {
            let message = format!("{rule}; on {reviewed_on} the record shows {stage:?}");
            return Err(DomainError::bad("kind", message));
        }
        None => {
            let message = format!("{rule}; the record shows no stage on {reviewed_on} (it begins later)");
            return Err(DomainError::bad("kind", message));
        }
    }
    let event = Event::ReviewRecorded {
        person_id: p.id,
        kind: input.kind,
        reviewed_on,
        note,
    };
    Ok(Decision::one(state, p.id, event))
}

#[derive(Clone, Debug)]
pub struct LogVolunteerService {
    pub person_id: Uuid,
    pub served_on: NaiveDate,
    pub hours: f64,
    pub activity: String,
}

/// More than 0 and at most 24 hours a day, counting what that day already holds.
pub fn log_volunteer_service(
    state: &State,
    input: LogVolunteerService,
    now: DateTime<Utc>,
) -> Result<Decision, DomainError> {
    let p = person(state, input.person_id)?;
    not_in_future("servedOn", input.served_on, now)?;
    if !input.hours.is_finite() || input.hours <= 0.0 || input.hours > 24.0 {
        return Err(DomainError::bad("hours", "must be more than 0 and at most 24"));
    }
    let that_day: f64 = p
        .volunteer_services
        .iter()
        .filter(|s| s.served_on == input.served_on)
        .map(|s| s.hours)
        .sum();
    if that_day + input.hours > 24.0 + 1e-9 {
        return Err(DomainError::bad(
            "hours",
            format!(
                "{} already holds {that_day} hours of service; a day has 24",
                input.served_on
            ),
        ));
    }
    let activity = required_text("activity", &input.activity, MAX_NAME)?;
    let event = Event::VolunteerServiceLogged {
        person_id: p.id,
        served_on: input.served_on,
        hours: input.hours,
        activity,
    };
    Ok(Decision::one(state, p.id, event))
}

#[derive(Clone, Debug)]
pub struct RecordAward {
    pub recipient_id: Uuid,
    pub name: String,
    pub series: Option<String>,
    pub level: AwardLevel,
    pub category: AwardCategory,
    pub awarded_on: NaiveDate,
}

/// A collective honour goes to a unit (a class); everything else to a person. The series
/// defaults to the name, so "the same award" counts once.
pub fn record_award(state: &State, input: RecordAward, now: DateTime<Utc>) -> Result<Decision, DomainError> {
    let to_person = state.person(input.recipient_id).is_some();
    let to_unit = state.org_unit(input.recipient_id).is_some();
    if !to_person && !to_unit {
        return Err(DomainError::not_found("person or org unit", input.recipient_id));
    }
    if to_unit && input.category != AwardCategory::Collective {
        return Err(DomainError::bad(
            "category",
            "an award to an org unit is a COLLECTIVE honour",
        ));
    }
    if to_person && input.category == AwardCategory::Collective {
        return Err(DomainError::bad(
            "recipientId",
            "a collective honour goes to the class (an org unit), not a person",
        ));
    }
    not_in_future("awardedOn", input.awarded_on, now)?;
    let name = required_text("name", &input.name, MAX_NAME)?;
    let series = optional_text("series", input.series.as_deref(), MAX_NAME)?.unwrap_or_else(|| name.clone());
    let event = Event::AwardRecorded {
        recipient_id: input.recipient_id,
        name,
        series,
        level: input.level,
        category: input.category,
        awarded_on: input.awarded_on,
    };
    Ok(Decision::one(state, input.recipient_id, event))
}

#[derive(Clone, Debug)]
pub struct RecordAcademicResult {
    pub person_id: Uuid,
    pub term: String,
    pub gpa: f64,
    pub class_rank: i64,
    pub class_size: i64,
}

/// A real term that has begun, a GPA on the school's scale, 1 ≤ rank ≤ class size.
pub fn record_academic_result(
    state: &State,
    input: RecordAcademicResult,
    gpa_scale: f64,
    now: DateTime<Utc>,
) -> Result<Decision, DomainError> {
    let p = person(state, input.person_id)?;
    let term = Period::parse(&input.term).map_err(|e| DomainError::bad("term", e.to_string()))?;
    if !term.is_term() {
        return Err(DomainError::bad(
            "term",
            "a result belongs to a term such as 2025-2026-1, not a whole year",
        ));
    }
    if term.first_day() > crate::time::local_date(now) {
        return Err(DomainError::bad("term", format!("{term} has not begun")));
    }
    if !input.gpa.is_finite() || input.gpa < 0.0 || input.gpa > gpa_scale {
        return Err(DomainError::bad("gpa", format!("must be between 0 and {gpa_scale}")));
    }
    if !(1..=10_000).contains(&input.class_size) {
        return Err(DomainError::bad("classSize", "must be between 1 and 10,000"));
    }
    if input.class_rank < 1 || input.class_rank > input.class_size {
        return Err(DomainError::bad(
            "classRank",
            format!("must be between 1 and the class size {}", input.class_size),
        ));
    }
    let event = Event::AcademicResultRecorded {
        person_id: p.id,
        term,
        gpa: input.gpa,
        class_rank: input.class_rank as u32,
        class_size: input.class_size as u32,
    };
    Ok(Decision::one(state, p.id, event))
}

#[derive(Clone, Debug)]
pub struct RecordConduct {
    pub person_id: Uuid,
    pub kind: ConductKind,
    pub occurred_on: NaiveDate,
    pub note: Option<String>,
}

pub fn record_conduct(state: &State, input: RecordConduct, now: DateTime<Utc>) -> Result<Decision, DomainError> {
    let p = person(state, input.person_id)?;
    not_in_future("occurredOn", input.occurred_on, now)?;
    let note = optional_text("note", input.note.as_deref(), MAX_TEXT)?;
    let event = Event::ConductRecorded {
        person_id: p.id,
        kind: input.kind,
        occurred_on: input.occurred_on,
        note,
    };
    Ok(Decision::one(state, p.id, event))
}

#[derive(Clone, Debug)]
pub struct RecordMemberActivity {
    pub person_id: Uuid,
    pub kind: MemberActivityKind,
    pub occurred_on: NaiveDate,
    pub quantity: f64,
    pub note: Option<String>,
}

/// Seed 003's facts of a member's year; the quantity is sessions, hours, words or times.
pub fn record_member_activity(
    state: &State,
    input: RecordMemberActivity,
    now: DateTime<Utc>,
) -> Result<Decision, DomainError> {
    let p = person(state, input.person_id)?;
    not_in_future("occurredOn", input.occurred_on, now)?;
    if !input.quantity.is_finite() || input.quantity <= 0.0 || input.quantity > 10_000_000.0 {
        return Err(DomainError::bad("quantity", "must be more than 0"));
    }
    let note = optional_text("note", input.note.as_deref(), MAX_TEXT)?;
    let event = Event::MemberActivityRecorded {
        person_id: p.id,
        kind: input.kind,
        occurred_on: input.occurred_on,
        quantity: input.quantity,
        note,
    };
    Ok(Decision::one(state, p.id, event))
}

#[derive(Clone, Debug)]
pub struct RecordDemocraticEvaluation {
    pub person_id: Uuid,
    pub period: String,
    pub grade: DemocraticGrade,
    pub poll_score: Option<f64>,
}

/// 民主评议: the grade, and the masses' poll score (0–100) where one was taken.
pub fn record_democratic_evaluation(state: &State, input: RecordDemocraticEvaluation) -> Result<Decision, DomainError> {
    let p = person(state, input.person_id)?;
    let period = Period::parse(&input.period).map_err(|e| DomainError::bad("period", e.to_string()))?;
    if let Some(score) = input.poll_score
        && (!score.is_finite() || !(0.0..=100.0).contains(&score))
    {
        return Err(DomainError::bad("pollScore", "must be between 0 and 100"));
    }
    let event = Event::DemocraticEvaluationRecorded {
        person_id: p.id,
        period,
        grade: input.grade,
        poll_score: input.poll_score,
    };
    Ok(Decision::one(state, p.id, event))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    fn service(person_id: Uuid, hours: f64) -> LogVolunteerService {
        LogVolunteerService {
            person_id,
            served_on: day("2025-10-01"),
            hours,
            activity: "社区服务".into(),
        }
    }

    #[test]
    fn volunteer_hours_are_positive_and_at_most_a_day() {
        let mut w = World::new();
        let p = w.register(&[], Stage::NonParty);
        for bad in [-3.0, 0.0, 24.5, f64::NAN] {
            w.when(|s, now| log_volunteer_service(s, service(p, bad), now))
                .then_refuses("hours");
        }
        w.when(|s, now| log_volunteer_service(s, service(p, 20.0), now))
            .then_applied();
        w.when(|s, now| log_volunteer_service(s, service(p, 5.0), now))
            .then_refuses("hours");
        w.when(|s, now| log_volunteer_service(s, service(p, 4.0), now))
            .then_decided();
    }

    fn result(person_id: Uuid, term: &str, gpa: f64, class_rank: i64, class_size: i64) -> RecordAcademicResult {
        RecordAcademicResult {
            person_id,
            term: term.into(),
            gpa,
            class_rank,
            class_size,
        }
    }

    #[test]
    fn academic_results_are_checked() {
        let mut w = World::new();
        let p = w.register(&[], Stage::NonParty);
        fn check(w: &mut World, r: RecordAcademicResult) -> Then<'_> {
            w.when(|s, now| record_academic_result(s, r, DEFAULT_GPA_SCALE, now))
        }
        check(&mut w, result(p, "2025-2026-1", 3.1, 50, 40)).then_refuses("classRank");
        check(&mut w, result(p, "2025-2026-1", 3.1, 0, 40)).then_refuses("classRank");
        check(&mut w, result(p, "2025-2026-1", 5.1, 1, 40)).then_refuses("gpa");
        check(&mut w, result(p, "2025-2026", 3.1, 1, 40)).then_refuses("term");
        check(&mut w, result(p, "2025-2027-1", 3.1, 1, 40)).then_refuses("term");
        check(&mut w, result(p, "2026-2027-1", 3.1, 1, 40)).then_refuses("term");
        check(&mut w, result(p, "2025-2026-2", 3.1, 7, 45)).then_decided();
    }

    #[test]
    fn a_collective_honour_goes_to_a_class() {
        let mut w = World::new();
        let class = w.unit(OrgUnitKind::Class, None);
        let p = w.register(&[class], Stage::NonParty);
        let award = |recipient_id, category| RecordAward {
            recipient_id,
            name: "先进班集体".into(),
            series: None,
            level: AwardLevel::School,
            category,
            awarded_on: day("2026-01-05"),
        };
        w.when(|s, now| record_award(s, award(p, AwardCategory::Collective), now))
            .then_refuses("recipientId");
        w.when(|s, now| record_award(s, award(class, AwardCategory::Individual), now))
            .then_refuses("category");
        let d = w
            .when(|s, now| record_award(s, award(class, AwardCategory::Collective), now))
            .then_decided();
        match &d.events[0] {
            Event::AwardRecorded { series, .. } => assert_eq!(series, "先进班集体"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn facts_cannot_be_dated_in_the_future() {
        let mut w = World::new();
        let p = w.register(&[], Stage::Activist);
        let report = SubmitThoughtReport {
            person_id: p,
            submitted_on: day("2026-07-01"),
            title: "汇报".into(),
            word_count: None,
            handed_to: ReportRecipient::Branch,
        };
        w.when(|s, now| submit_thought_report(s, report, now))
            .then_refuses("submittedOn");
        let conduct = RecordConduct {
            person_id: p,
            kind: ConductKind::Late,
            occurred_on: day("2026-07-01"),
            note: None,
        };
        w.when(|s, now| record_conduct(s, conduct, now))
            .then_refuses("occurredOn");
    }

    #[test]
    fn a_thought_report_says_whom_it_was_handed_to() {
        // Given a probationary member; when a report is handed to the party group; then the
        // event and the record say so.
        let mut w = World::new();
        let p = w.register_since(&[], Stage::Probationary, "2025-09-01");
        let report = SubmitThoughtReport {
            person_id: p,
            submitted_on: day("2025-10-08"),
            title: "十月汇报".into(),
            word_count: Some(1500),
            handed_to: ReportRecipient::PartyGroup,
        };
        w.when(|s, now| submit_thought_report(s, report, now))
            .then_events(vec![Event::ThoughtReportSubmitted {
                person_id: p,
                submitted_on: day("2025-10-08"),
                title: "十月汇报".into(),
                word_count: Some(1500),
                handed_to: ReportRecipient::PartyGroup,
            }]);
    }

    fn review(person_id: Uuid, kind: ReviewKind, on: &str) -> RecordReview {
        RecordReview {
            person_id,
            kind,
            reviewed_on: day(on),
            note: Some("考察合格".into()),
        }
    }

    #[test]
    fn a_review_is_of_the_stage_held_on_its_day() {
        // Given an activist since 1 Sep 2025 who became probationary on 1 Jun 2026.
        let mut w = World::new();
        let p = w.register_since(&[], Stage::Activist, "2025-09-01");
        w.change_stage(p, Stage::DevelopmentTarget, "2026-01-10");
        w.change_stage(p, Stage::Probationary, "2026-06-01");
        // When the branch records the activist's December review: then it is kept, note trimmed.
        w.when(|s, now| record_review(s, review(p, ReviewKind::ActivistReview, "2025-12-20"), now))
            .then_events(vec![Event::ReviewRecorded {
                person_id: p,
                kind: ReviewKind::ActivistReview,
                reviewed_on: day("2025-12-20"),
                note: Some("考察合格".into()),
            }]);
        // An activist's review dated when they were probationary, or before the record
        // begins, or a probationary review of an activist: refused on `kind`.
        for (kind, on) in [
            (ReviewKind::ActivistReview, "2026-06-15"),
            (ReviewKind::ActivistReview, "2025-08-31"),
            (ReviewKind::ProbationReview, "2025-12-20"),
        ] {
            w.when(|s, now| record_review(s, review(p, kind, on), now))
                .then_refuses("kind");
        }
        // A review in the future (now is 30 Jun 2026), a note too long: refused on their fields.
        w.when(|s, now| record_review(s, review(p, ReviewKind::ProbationReview, "2026-07-01"), now))
            .then_refuses("reviewedOn");
        let mut long = review(p, ReviewKind::ProbationReview, "2026-06-20");
        long.note = Some("长".repeat(MAX_TEXT + 1));
        w.when(|s, now| record_review(s, long, now)).then_refuses("note");
        // The probationary member's review of 20 Jun 2026 is applied; an unknown person is not found.
        w.when(|s, now| record_review(s, review(p, ReviewKind::ProbationReview, "2026-06-20"), now))
            .then_applied();
        assert_eq!(w.person(p).reviews.len(), 1);
        let missing = w
            .when(|s, now| {
                record_review(
                    s,
                    review(Uuid::from_u128(77), ReviewKind::ActivistReview, "2025-12-20"),
                    now,
                )
            })
            .then_not_found();
        assert_eq!(missing, "person");
    }

    #[test]
    fn a_title_is_trimmed_and_bounded() {
        let mut w = World::new();
        let p = w.register(&[], Stage::Activist);
        let long = "长".repeat(MAX_NAME + 1);
        let report = SubmitThoughtReport {
            person_id: p,
            submitted_on: day("2026-01-01"),
            title: long,
            word_count: None,
            handed_to: ReportRecipient::Branch,
        };
        w.when(|s, now| submit_thought_report(s, report, now))
            .then_refuses("title");
    }
}

#[derive(Clone, Debug)]
pub struct RecordEvaluation {
    pub person_id: Uuid,
    pub rubric: String,
    pub period: String,
    pub item_key: String,
    pub evaluator: EvaluatorRole,
    pub score: f64,
    pub note: Option<String>,
}

/// An evaluator's score for one item of a rubric in force for the period, within
/// [0, the item's maximum].
pub fn record_evaluation(state: &State, input: RecordEvaluation) -> Result<Decision, DomainError> {
    let p = person(state, input.person_id)?;
    let period = Period::parse(&input.period).map_err(|e| DomainError::bad("period", e.to_string()))?;
    let rubric = crate::rubric::in_force(state, input.rubric.trim(), period)?;
    let item = rubric.item(input.item_key.trim()).ok_or_else(|| {
        DomainError::bad(
            "itemKey",
            format!("rubric {} has no item `{}`", rubric.key, input.item_key),
        )
    })?;
    if !input.score.is_finite() || input.score < 0.0 || input.score > item.max {
        return Err(DomainError::bad(
            "score",
            format!("must be between 0 and the item's maximum {}", item.max),
        ));
    }
    let note = optional_text("note", input.note.as_deref(), MAX_TEXT)?;
    let event = Event::EvaluationRecorded {
        person_id: p.id,
        rubric: rubric.key.clone(),
        period,
        item_key: item.key.clone(),
        evaluator: input.evaluator,
        score: input.score,
        note,
    };
    Ok(Decision::one(state, p.id, event))
}

/// Publishes a school's own rubric (validated) as the next version of its key, in force
/// from `effective_from` on.
pub fn publish_rubric(
    state: &State,
    definition: &serde_json::Value,
    effective_from: &str,
) -> Result<Decision, DomainError> {
    let effective_from = Period::parse(effective_from).map_err(|e| DomainError::bad("effectiveFrom", e.to_string()))?;
    let rubric = crate::rubric::validate(definition).map_err(|e| DomainError::bad("definition", e.to_string()))?;
    let preset = crate::rubric::preset(&rubric.key).map(|r| r.version);
    let published = state
        .published_rubrics()
        .iter()
        .filter(|r| r.key == rubric.key)
        .map(|r| r.version)
        .max();
    let version = published.max(preset).unwrap_or(0) + 1;
    let event = Event::RubricPublished {
        key: rubric.key.clone(),
        version,
        effective_from,
        definition: rubric.definition(),
    };
    Ok(Decision::one(state, SCHOOL_STREAM, event))
}
