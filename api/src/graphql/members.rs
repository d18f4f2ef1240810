//! Seed 003's facts of a member's year (党员量化考核): study sessions, lectures, deeds and
//! duties (member activities), and the democratic evaluation (民主评议) whose
//! "unqualified" vetoes an assessment (一票否决).

use super::context::run;
use super::guard::{Can, Right};
use super::scalars::*;
use crate::error::ApiResult;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use domain::decide as d;

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "domain::MemberActivityKind")]
pub enum MemberActivityKind {
    StudySessionMissed,
    StudyHoursMissed,
    PartyLectureMissed,
    StudyNotes,
    TheoryArticle,
    TrainingWithReflection,
    TrainingWithoutReflection,
    StudyVisitOrganized,
    OrgLifeMissedWithLeave,
    OrgLifeMissedWithoutLeave,
    TaskNotCompleted,
    DeedForUnit,
    DeedForMasses,
    ExemplaryWork,
    PoorExample,
    DutyFailure,
    SuggestionMade,
    SuggestionAdopted,
    OpinionsNotSought,
    NoSelfReview,
    NoRectificationPlan,
    DecisionObstructed,
    CadreStudyMissed,
    NoLongTermMechanism,
    NoPoliticalWorkMeasures,
    NoInnovation,
    DuesUnpaid,
    GeneralMeetingMissed,
    PartyLectureAbsent,
    GroupMeetingMissed,
    BranchStudyNotAttended,
    NoMemberDeveloped,
    ConfirmationOverdue,
    YearEndTopThree,
    YearEndBottomThree,
}

/// Seed 003's facts of a member's year; `quantity` counts sessions, hours, words or times.
#[derive(InputObject)]
pub struct RecordMemberActivityInput {
    pub person_id: ID,
    pub kind: MemberActivityKind,
    pub occurred_on: Date,
    #[graphql(default = 1.0)]
    pub quantity: f64,
    pub note: Option<String>,
    pub idempotency_key: Option<String>,
}

/// 民主评议: the grade and the masses' poll score (0–100).
#[derive(InputObject)]
pub struct RecordDemocraticEvaluationInput {
    pub person_id: ID,
    pub period: String,
    pub grade: DemocraticGrade,
    pub poll_score: Option<f64>,
    pub idempotency_key: Option<String>,
}

#[derive(SimpleObject)]
pub struct MemberActivity {
    pub id: ID,
    pub kind: MemberActivityKind,
    pub occurred_on: Date,
    pub quantity: f64,
    pub note: Option<String>,
}

#[derive(SimpleObject)]
pub struct DemocraticEvaluation {
    pub id: ID,
    pub period: String,
    pub grade: DemocraticGrade,
    pub poll_score: Option<f64>,
}

#[derive(Default)]
pub struct MemberMutation;

#[Object]
impl MemberMutation {
    #[graphql(guard = "Can::over(\"personId\", &input.person_id, Right::RecordFor)")]
    async fn record_member_activity(
        &self,
        ctx: &Context<'_>,
        input: RecordMemberActivityInput,
    ) -> ApiResult<MemberActivity> {
        let cmd = d::RecordMemberActivity {
            person_id: uuid("personId", &input.person_id)?,
            kind: input.kind.into(),
            occurred_on: input.occurred_on.0,
            quantity: input.quantity,
            note: input.note,
        };
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, |s, now| d::record_member_activity(s, cmd.clone(), now)).await?;
        let state = app.state();
        let a = fact(&state, recorded.stream_id, |p| {
            p.activities.iter().find(|a| a.id == recorded.id).cloned()
        })?;
        Ok(MemberActivity {
            id: id(a.id),
            kind: a.kind.into(),
            occurred_on: Date(a.occurred_on),
            quantity: a.quantity,
            note: a.note,
        })
    }

    #[graphql(
        guard = "Can::over(\"personId\", &input.person_id, |p| Right::Evaluate(p, domain::EvaluatorRole::Branch))"
    )]
    async fn record_democratic_evaluation(
        &self,
        ctx: &Context<'_>,
        input: RecordDemocraticEvaluationInput,
    ) -> ApiResult<DemocraticEvaluation> {
        let cmd = d::RecordDemocraticEvaluation {
            person_id: uuid("personId", &input.person_id)?,
            period: input.period,
            grade: input.grade.into(),
            poll_score: input.poll_score,
        };
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, |s, _| d::record_democratic_evaluation(s, cmd.clone())).await?;
        let state = app.state();
        let e = fact(&state, recorded.stream_id, |p| {
            p.democratic_evaluations.iter().find(|e| e.id == recorded.id).cloned()
        })?;
        Ok(DemocraticEvaluation {
            id: id(e.id),
            period: e.period.to_string(),
            grade: e.grade.into(),
            poll_score: e.poll_score,
        })
    }
}

fn fact<T>(
    state: &domain::State,
    person: uuid::Uuid,
    find: impl FnOnce(&domain::state::Person) -> Option<T>,
) -> ApiResult<T> {
    state
        .people
        .get(&person)
        .and_then(find)
        .ok_or_else(|| crate::error::ApiError::NotFound("that fact has since been retracted".into()))
}
