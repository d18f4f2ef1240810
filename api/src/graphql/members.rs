//! Seed 003's facts of a member's year (党员量化考核): study sessions, lectures, deeds and
//! duties (member activities), and the democratic evaluation (民主评议) whose
//! "unqualified" vetoes an assessment (一票否决).

use super::context::run;
use super::guard::{Can, Right};
use super::scalars::*;
use crate::error::ApiResult;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use domain::decide as d;

/// Facts of a member's year that seed 003's 百分制量化考核 counts; each is recorded with a
/// quantity (sessions, hours, words, articles ...).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "domain::MemberActivityKind")]
pub enum MemberActivityKind {
    /// 少参加一次支部学习 (quantity: sessions).
    StudySessionMissed,
    /// 少一个学时 (quantity: hours).
    StudyHoursMissed,
    /// 每月党课缺一次 (leader, quantity: lectures).
    PartyLectureMissed,
    /// 学习笔记 (quantity: words written).
    StudyNotes,
    /// 理论文章 / 书面学习心得 (quantity: articles).
    TheoryArticle,
    /// 培训并有心得体会 (quantity: trainings).
    TrainingWithReflection,
    /// 参加培训但未撰写心得 (quantity: trainings).
    TrainingWithoutReflection,
    /// 组织参观学习 (leader, quantity: visits).
    StudyVisitOrganized,
    /// 组织生活会请假缺席 (quantity: meetings).
    OrgLifeMissedWithLeave,
    /// 组织生活会无故缺席 (quantity: meetings).
    OrgLifeMissedWithoutLeave,
    /// 完不成组织交办的工作任务.
    TaskNotCompleted,
    /// 为单位办实事.
    DeedForUnit,
    /// 为群众办实事.
    DeedForMasses,
    /// 工作成绩突出, 模范作用发挥好.
    ExemplaryWork,
    /// 模范作用发挥不好.
    PoorExample,
    /// 工作中失职.
    DutyFailure,
    /// 提出合理化建议.
    SuggestionMade,
    /// 建议被采纳实施.
    SuggestionAdopted,
    /// 征求意见不广泛.
    OpinionsNotSought,
    /// 没有思想自查总结或不深刻.
    NoSelfReview,
    /// 没有个人整改计划.
    NoRectificationPlan,
    /// 消极执行上级决定 (leader).
    DecisionObstructed,
    /// 无故不参加干部学习 (leader, quantity: times).
    CadreStudyMissed,
    /// 未建立教育管理长效机制 (leader).
    NoLongTermMechanism,
    /// 思想政治工作无措施无成效 (leader).
    NoPoliticalWorkMeasures,
    /// 工作无创新, 群众不满意 (leader).
    NoInnovation,
    /// 不交党费.
    DuesUnpaid,
    /// 少参加党员大会 (leader, quantity: meetings).
    GeneralMeetingMissed,
    /// 少上一次党课 (leader, as a participant; quantity: lectures).
    PartyLectureAbsent,
    /// 党小组会议少一次 (leader, quantity: meetings).
    GroupMeetingMissed,
    /// 未参加学习: the whole 组织生活 item scores 0 (leader).
    BranchStudyNotAttended,
    /// 支部未培养和发展新党员 (leader).
    NoMemberDeveloped,
    /// 超过党员转正期限三个月 (leader, quantity: cases).
    ConfirmationOverdue,
    /// 年终考核名列前三名 (leader).
    YearEndTopThree,
    /// 年终考核名列后三名 (leader).
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
        let (app, recorded) = run(ctx, key, move |s, now| d::record_member_activity(s, cmd, now)).await?;
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
        let (app, recorded) = run(ctx, key, move |s, _| d::record_democratic_evaluation(s, cmd)).await?;
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
        .person(person)
        .and_then(find)
        .ok_or_else(|| crate::error::ApiError::NotFound("that fact has since been retracted".into()))
}
