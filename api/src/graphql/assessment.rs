//! 量化考核: rubrics, assessments and the evaluators' scores, and the seed 003 facts that
//! feed them.

use super::mutation::run;
use super::scalars::*;
use super::types::{Evaluation, Person};
use super::{app, query::known_unit};
use crate::access::{Can, Right};
use crate::error::{ApiError, ApiResult};
use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use domain::decide as d;
use domain::rubric::{self, Subject};
use domain::{Period, State};
use uuid::Uuid;

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "domain::rubric::Band")]
pub enum AssessmentBand {
    Commended,
    Qualified,
    Unqualified,
    NotAssessed,
}

pub struct Assessment(pub rubric::Assessment);

#[Object]
impl Assessment {
    async fn person(&self) -> Person {
        Person(self.0.person_id)
    }
    async fn rubric(&self) -> &str {
        &self.0.rubric
    }
    /// The version of the rubric in force for the period.
    async fn rubric_version(&self) -> i32 {
        self.0.version as i32
    }
    async fn period(&self) -> String {
        self.0.period.to_string()
    }
    async fn total(&self) -> f64 {
        self.0.total
    }
    async fn band(&self) -> AssessmentBand {
        self.0.band.into()
    }
    /// A democratic evaluation of "unqualified" means not assessed (一票否决).
    async fn vetoed(&self) -> bool {
        self.0.vetoed
    }
    /// At most 100: a rubric holds no more items.
    #[graphql(complexity = "super::bounded_cost(domain::rubric::MAX_ITEMS, child_complexity)")]
    async fn items(&self) -> Vec<AssessmentItem<'_>> {
        self.0.items.iter().map(AssessmentItem).collect()
    }
}

pub struct AssessmentItem<'a>(&'a rubric::ItemResult);

#[Object]
impl AssessmentItem<'_> {
    async fn key(&self) -> &str {
        &self.0.key
    }
    async fn section(&self) -> &str {
        &self.0.section
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn max(&self) -> f64 {
        self.0.max
    }
    /// From the events.
    async fn computed(&self) -> f64 {
        self.0.computed
    }
    /// 自评 / 组织部考评 / 支部考评.
    /// A page of `first` (default 100, at most 500) after the evaluation whose id is `after`.
    #[graphql(complexity = "super::list_cost(first, child_complexity)")]
    async fn evaluations(&self, first: Option<i32>, after: Option<ID>) -> ApiResult<Vec<Evaluation>> {
        let page = super::list_page(&self.0.evaluations, |e| e.id.to_string(), first, after.as_ref())?;
        Ok(page.into_iter().map(Evaluation).collect())
    }
    /// The branch's score where given, else the computed one.
    async fn score(&self) -> f64 {
        self.0.score
    }
    /// Ids of the events used.
    /// A page of `first` (default 100, at most 500) after the id `after`.
    #[graphql(complexity = "super::list_cost(first, child_complexity)")]
    async fn evidence(&self, first: Option<i32>, after: Option<ID>) -> ApiResult<Vec<ID>> {
        let page = super::list_page(&self.0.evidence, Uuid::to_string, first, after.as_ref())?;
        Ok(page.into_iter().map(id).collect())
    }
}

#[derive(SimpleObject)]
pub struct Rubric {
    pub key: String,
    pub title: String,
    pub max: f64,
    pub version: i32,
    pub definition: Json<serde_json::Value>,
}

impl From<rubric::Rubric> for Rubric {
    fn from(r: rubric::Rubric) -> Rubric {
        Rubric {
            definition: Json(r.definition()),
            key: r.key,
            title: r.title,
            max: r.max,
            version: r.version as i32,
        }
    }
}

fn period(text: &str) -> ApiResult<Period> {
    Period::parse(text).map_err(|e| ApiError::bad("period", e.to_string()))
}

pub(crate) fn rubric_in_force(state: &State, key: &str, period: Period) -> ApiResult<rubric::Rubric> {
    rubric::rubric_for(state, key, period).ok_or_else(|| ApiError::NotFound(format!("no rubric `{key}`")))
}

/// A rubric about mentoring (party-star) is for mentors; any other for everyone.
fn assessed(state: &State, rubric: &rubric::Rubric, person: &domain::state::Person) -> bool {
    let about_mentees = rubric.items().any(|(_, item)| item.subject == Subject::Mentees);
    !about_mentees
        || state.pairings_of.get(&person.id).is_some_and(|ps| {
            ps.iter()
                .any(|p| state.pairings.get(p).is_some_and(|p| p.mentor_ids.contains(&person.id)))
        })
}

#[derive(Default)]
pub struct AssessmentQuery;

#[Object]
impl AssessmentQuery {
    /// One person's assessment under a rubric for a period (`2025-2026` or `2025-2026-1`).
    #[graphql(guard = "Can::over(\"personId\", &person_id, Right::ReadRecord)")]
    async fn assessment(
        &self,
        ctx: &Context<'_>,
        person_id: ID,
        rubric: String,
        period: String,
    ) -> ApiResult<Assessment> {
        let person_id = uuid("personId", &person_id)?;
        let period = self::period(&period)?;
        let app = app(ctx)?;
        let state = app.state();
        let rubric = rubric_in_force(&state, rubric.trim(), period)?;
        let person = state
            .people
            .get(&person_id)
            .ok_or_else(|| ApiError::NotFound(format!("no person with id {person_id}")))?;
        Ok(Assessment(rubric::evaluate(&rubric, &state, person, period)))
    }

    /// Everyone in a scope the rubric applies to (mentors for party-star), by person id: a
    /// page of `first` (default 100, at most 500) after the person whose id is `after`.
    #[graphql(
        guard = "Can::over(\"scopeId\", &scope_id, Right::ReadScope)",
        complexity = "super::SCOPE_COST + super::list_cost(first, child_complexity)"
    )]
    async fn assessments(
        &self,
        ctx: &Context<'_>,
        scope_id: ID,
        rubric: String,
        period: String,
        first: Option<i32>,
        after: Option<ID>,
    ) -> ApiResult<Vec<Assessment>> {
        let scope = uuid("scopeId", &scope_id)?;
        let period = self::period(&period)?;
        let app = app(ctx)?;
        let state = app.state();
        known_unit(&state, scope)?;
        let rubric = rubric_in_force(&state, rubric.trim(), period)?;
        let mut people: Vec<&domain::state::Person> = state
            .people
            .values()
            .filter(|p| state.person_in_scope(p, scope) && assessed(&state, &rubric, p))
            .collect();
        people.sort_unstable_by_key(|p| p.id);
        let people = super::list_page(&people, |p| p.id.to_string(), first, after.as_ref())?;
        Ok(people
            .into_iter()
            .map(|p| Assessment(rubric::evaluate(&rubric, &state, p, period)))
            .collect())
    }

    /// Every rubric: the presets and every published version; a page of `first` (default
    /// 100, at most 500) after the rubric `after` (`key@version`).
    #[graphql(complexity = "super::list_cost(first, child_complexity)")]
    async fn rubrics(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<ID>) -> ApiResult<Vec<Rubric>> {
        let app = app(ctx)?;
        let all = rubric::all_rubrics(&app.state());
        let page = super::list_page(&all, |r| format!("{}@{}", r.key, r.version), first, after.as_ref())?;
        Ok(page.into_iter().map(Rubric::from).collect())
    }
}

#[derive(InputObject)]
pub struct RecordEvaluationInput {
    pub person_id: ID,
    pub rubric: String,
    pub period: String,
    pub item_key: String,
    pub evaluator: EvaluatorRole,
    pub score: f64,
    pub note: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct PublishRubricInput {
    /// The rubric as data (see docs/rubrics.md).
    pub definition: Json<serde_json::Value>,
    /// The first period it is in force for.
    pub effective_from: String,
    pub idempotency_key: Option<String>,
}

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
pub struct AssessmentMutation;

#[Object]
impl AssessmentMutation {
    /// An evaluator's score for one item (自评 / 组织部考评 / 支部考评).
    #[graphql(guard = "Can::over(\"personId\", &input.person_id, |p| Right::Evaluate(p, input.evaluator.into()))")]
    async fn record_evaluation(&self, ctx: &Context<'_>, input: RecordEvaluationInput) -> ApiResult<Evaluation> {
        let cmd = d::RecordEvaluation {
            person_id: uuid("personId", &input.person_id)?,
            rubric: input.rubric,
            period: input.period,
            item_key: input.item_key,
            evaluator: input.evaluator.into(),
            score: input.score,
            note: input.note,
        };
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, |s, _| d::record_evaluation(s, cmd.clone())).await?;
        let state = app.state();
        state
            .people
            .get(&recorded.stream_id)
            .and_then(|p| p.evaluations.iter().find(|e| e.id == recorded.id))
            .cloned()
            .map(Evaluation)
            .ok_or_else(|| ApiError::NotFound("that evaluation has since been retracted".into()))
    }

    /// Publishes a school's own rubric as the next version of its key (administrators).
    #[graphql(guard = "Can::new(Right::Administer)")]
    async fn publish_rubric(&self, ctx: &Context<'_>, input: PublishRubricInput) -> ApiResult<Rubric> {
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, |s, _| {
            d::publish_rubric(s, &input.definition.0, &input.effective_from)
        })
        .await?;
        let (key, version) = match &recorded.event {
            domain::Event::RubricPublished { key, version, .. } => (key.clone(), *version),
            _ => return Err(ApiError::Internal("publishing decided another event".into())),
        };
        let state = app.state();
        rubric::all_rubrics(&state)
            .into_iter()
            .find(|r| r.key == key && r.version == version)
            .map(Rubric::from)
            .ok_or_else(|| ApiError::Internal("a published rubric is missing".into()))
    }

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

fn fact<T>(state: &State, person: Uuid, find: impl FnOnce(&domain::state::Person) -> Option<T>) -> ApiResult<T> {
    state
        .people
        .get(&person)
        .and_then(find)
        .ok_or_else(|| ApiError::NotFound("that fact has since been retracted".into()))
}
