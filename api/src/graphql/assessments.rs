//! 量化考核: rubrics, assessments and the evaluators' scores, and the seed 003 facts that
//! feed them.

use super::Person;
use super::context::{app, known_unit, rubric_in_force, run};
use super::guard::{Can, Right};
use super::paging::list_page;
use super::scalars::{self, *};
use crate::error::{ApiError, ApiResult};
use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use domain::decide as d;
use domain::rubric;
use domain::state;
use uuid::Uuid;

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "domain::rubric::Band")]
pub enum AssessmentBand {
    Commended,
    Qualified,
    Unqualified,
    NotAssessed,
}

/// Whom a rubric assesses.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "domain::rubric::Population")]
pub enum RubricPopulation {
    /// Everyone in scope.
    Everyone,
    /// 入党重点培养对象 (seed 000).
    KeyCultivationTargets,
    /// 全体党员: probationary and full members (seed 003 第三條).
    PartyMembers,
    /// 党员领导干部: members who are 支部书记 or 支部委员 (seed 003 第六條 1).
    BranchOfficers,
    /// 帮助人: those who mentor in some pairing.
    Mentors,
    /// 预备党员 (seed 002 二(三)).
    ProbationaryMembers,
    /// 发展对象 (seed 002 二(二)).
    DevelopmentTargets,
}

/// A kind of period a rubric is assessed over.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "domain::PeriodKind")]
pub enum PeriodKind {
    /// A calendar year, `2026` (1 January – 31 December): seed 003's 年内, 当年, 自然年度.
    CalendarYear,
    /// An academic year, `2025-2026` (1 September – 31 August).
    AcademicYear,
    /// A term, `2025-2026-1` (September – February) or `2025-2026-2` (March – August).
    Term,
}

pub struct Assessment(pub rubric::Assessment);

#[Object]
impl Assessment {
    async fn person(&self, ctx: &Context<'_>) -> Person {
        Person::get(ctx, self.0.person_id)
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
    /// A link to this assessment's form (附件二) as XLSX: opens without a token for 10
    /// minutes, for the caller only.
    async fn form_url(&self, ctx: &Context<'_>) -> ApiResult<String> {
        let links = super::context::links(ctx)?;
        let actor = super::context::actor(ctx)?;
        Ok(links.assessment_form(actor, self.0.person_id, &self.0.rubric, self.0.period))
    }
    /// At most 100: a rubric holds no more items.
    #[graphql(complexity = "super::paging::bounded_cost(domain::rubric::MAX_ITEMS, child_complexity)")]
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
    #[graphql(complexity = "super::paging::list_cost(first, child_complexity)")]
    async fn evaluations(&self, first: Option<i32>, after: Option<ID>) -> ApiResult<Vec<Evaluation>> {
        let page = list_page(&self.0.evaluations, |e| e.id.to_string(), first, after.as_ref())?;
        Ok(page.into_iter().map(Evaluation).collect())
    }
    /// The branch's score where given, else the computed one.
    async fn score(&self) -> f64 {
        self.0.score
    }
    /// Ids of the events used.
    /// A page of `first` (default 100, at most 500) after the id `after`.
    #[graphql(complexity = "super::paging::list_cost(first, child_complexity)")]
    async fn evidence(&self, first: Option<i32>, after: Option<ID>) -> ApiResult<Vec<ID>> {
        let page = list_page(&self.0.evidence, Uuid::to_string, first, after.as_ref())?;
        Ok(page.into_iter().map(id).collect())
    }
}

#[derive(SimpleObject)]
pub struct Rubric {
    pub key: String,
    pub title: String,
    pub max: f64,
    pub version: i32,
    /// Whom it assesses: `assessments` lists these people of a scope, and `assessment`
    /// refuses anyone else.
    pub population: RubricPopulation,
    /// The kinds of period it is assessed over: `assessment`, `assessments` and the
    /// rankings refuse a period of another kind (`BAD_INPUT` on `period`).
    pub periods: Vec<PeriodKind>,
    pub definition: Json<serde_json::Value>,
}

impl From<rubric::Rubric> for Rubric {
    fn from(r: rubric::Rubric) -> Rubric {
        Rubric {
            definition: Json(r.definition()),
            population: r.population().into(),
            periods: r.periods().iter().map(|&k| k.into()).collect(),
            key: r.key,
            title: r.title,
            max: r.max,
            version: r.version as i32,
        }
    }
}

#[derive(Default)]
pub struct AssessmentQuery;

#[Object]
impl AssessmentQuery {
    /// One person's assessment under a rubric for a period (`2026`, `2025-2026` or
    /// `2025-2026-1`, of a kind the rubric's `periods` name).
    #[graphql(guard = "Can::over(\"personId\", &person_id, Right::ReadRecord)")]
    async fn assessment(
        &self,
        ctx: &Context<'_>,
        person_id: ID,
        rubric: String,
        period: String,
    ) -> ApiResult<Assessment> {
        let person_id = uuid("personId", &person_id)?;
        let period = super::context::period(&period)?;
        let app = app(ctx)?;
        let state = app.state();
        let rubric = rubric_in_force(&state, rubric.trim(), period)?;
        let person = state
            .person(person_id)
            .ok_or_else(|| ApiError::NotFound(format!("no person with id {person_id}")))?;
        if !rubric.assesses(&state, person) {
            return Err(ApiError::bad(
                "personId",
                format!(
                    "{} is not assessed by {}: it assesses {}",
                    person.name,
                    rubric.key,
                    rubric.population()
                ),
            ));
        }
        Ok(Assessment(rubric::evaluate(&rubric, &state, person, period)))
    }

    /// The people of a scope the rubric assesses (its `population`), by person id: a
    /// page of `first` (default 100, at most 500) after the person whose id is `after`.
    #[graphql(
        guard = "Can::over(\"scopeId\", &scope_id, Right::ReadScope)",
        complexity = "super::paging::SCOPE_COST + super::paging::list_cost(first, child_complexity)"
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
        let period = super::context::period(&period)?;
        let app = app(ctx)?;
        let state = app.state();
        known_unit(&state, scope)?;
        let rubric = rubric_in_force(&state, rubric.trim(), period)?;
        let people = rubric::assessed_in(&state, &rubric, scope);
        let people = list_page(&people, |p| p.id.to_string(), first, after.as_ref())?;
        Ok(people
            .into_iter()
            .map(|p| Assessment(rubric::evaluate(&rubric, &state, p, period)))
            .collect())
    }

    /// Every rubric: the presets and every published version; a page of `first` (default
    /// 100, at most 500) after the rubric `after` (`key@version`).
    #[graphql(complexity = "super::paging::list_cost(first, child_complexity)")]
    async fn rubrics(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<ID>) -> ApiResult<Vec<Rubric>> {
        let app = app(ctx)?;
        let all = rubric::all_rubrics(&app.state());
        let page = list_page(&all, |r| format!("{}@{}", r.key, r.version), first, after.as_ref())?;
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
        let (app, recorded) = run(ctx, key, move |s, _| d::record_evaluation(s, cmd)).await?;
        let state = app.state();
        state
            .person(recorded.stream_id)
            .and_then(|p| p.evaluations.iter().find(|e| e.id == recorded.id))
            .cloned()
            .map(Evaluation)
            .ok_or_else(|| ApiError::NotFound("that evaluation has since been retracted".into()))
    }

    /// Publishes a school's own rubric as the next version of its key (administrators).
    #[graphql(guard = "Can::new(Right::Administer)")]
    async fn publish_rubric(&self, ctx: &Context<'_>, input: PublishRubricInput) -> ApiResult<Rubric> {
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, move |s, _| {
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
}

pub struct Evaluation(pub state::Evaluation);

#[Object]
impl Evaluation {
    async fn id(&self) -> ID {
        scalars::id(self.0.id)
    }
    async fn evaluator(&self) -> EvaluatorRole {
        self.0.evaluator.into()
    }
    async fn item_key(&self) -> &str {
        &self.0.item_key
    }
    async fn score(&self) -> f64 {
        self.0.score
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn rubric(&self) -> &str {
        &self.0.rubric
    }
    async fn period(&self) -> String {
        self.0.period.to_string()
    }
}
