//! Rankings: 党员之星 (the top 10% of mentors by their party-star score) and 最具进步奖
//! (the top 5% of nominated mentees by the rise of their key-target-100 total), the
//! nominations behind them and the college committee's approval (报院党委审批).

use super::context::{app, known_unit, recorded_fact, run};
use super::guard::{Can, Right};
use super::scalars::*;
use super::{OrgUnit, Person};
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use async_graphql::{Context, ID, InputObject, Object};
use domain::decide as d;
use domain::ranking;
use domain::state;
use domain::{Period, Recorded};
use std::collections::HashMap;
use uuid::Uuid;

/// Rankings computed from one state, kept until the next event: a ranking is a pure
/// function of the state, the scope and the period (no clock), so a dashboard asked again
/// and again between writes is answered from here. At most [`MEMO_ENTRIES`] are kept.
#[derive(Default)]
pub struct Memo(std::sync::Mutex<Memoised>);

#[derive(Default)]
struct Memoised {
    state: (u64, i64),
    rankings: HashMap<(domain::RankingKind, Uuid, Period), ranking::Ranking>,
}

const MEMO_ENTRIES: usize = 256;

impl Memo {
    /// The ranking `key` names in the state `app` holds (`state`), computed once per state.
    fn ranking(
        &self,
        app: &App,
        state: &domain::State,
        key: (domain::RankingKind, Uuid, Period),
        compute: impl FnOnce() -> Result<ranking::Ranking, domain::DomainError>,
    ) -> Result<ranking::Ranking, domain::DomainError> {
        let at = app.state_key(state);
        let lock = || self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        {
            let memo = lock();
            if memo.state == at
                && let Some(kept) = memo.rankings.get(&key)
            {
                return Ok(kept.clone());
            }
        }
        let computed = compute()?;
        let mut memo = lock();
        if memo.state != at || memo.rankings.len() >= MEMO_ENTRIES {
            memo.state = at;
            memo.rankings.clear();
        }
        memo.rankings.insert(key, computed.clone());
        Ok(computed)
    }
}

/// A ranking through the schema's [`Memo`] (computed directly without one).
fn memoised(
    ctx: &Context<'_>,
    app: &App,
    state: &domain::State,
    key: (domain::RankingKind, Uuid, Period),
    compute: impl FnOnce() -> Result<ranking::Ranking, domain::DomainError>,
) -> Result<ranking::Ranking, domain::DomainError> {
    match ctx.data_opt::<Memo>() {
        Some(memo) => memo.ranking(app, state, key, compute),
        None => compute(),
    }
}

pub struct Ranking {
    kind: RankingKind,
    scope: Uuid,
    period: Period,
    ranking: ranking::Ranking,
}

#[Object]
impl Ranking {
    async fn kind(&self) -> RankingKind {
        self.kind
    }
    async fn scope(&self) -> OrgUnit {
        OrgUnit::new(self.scope)
    }
    async fn period(&self) -> String {
        self.period.to_string()
    }
    /// Everyone the quota is a share of: the mentors (党员之星) or mentees (最具进步奖) in scope.
    async fn population(&self) -> i32 {
        self.ranking.population as i32
    }
    /// floor(N × share), at least 1 when N ≥ 1.
    async fn quota(&self) -> i32 {
        self.ranking.quota as i32
    }
    /// In rank order; a page of `first` (default 100, at most 500) after the entry of the
    /// person whose id is `after`.
    #[graphql(complexity = "super::paging::list_cost(first, child_complexity)")]
    async fn entries(&self, first: Option<i32>, after: Option<ID>) -> ApiResult<Vec<RankingEntry>> {
        let page = super::paging::list_page(
            &self.ranking.entries,
            |e| e.person_id.to_string(),
            first,
            after.as_ref(),
        )?;
        Ok(page.into_iter().map(RankingEntry).collect())
    }
}

pub struct RankingEntry(ranking::RankingEntry);

#[Object]
impl RankingEntry {
    async fn person(&self, ctx: &Context<'_>) -> Person {
        Person::get(ctx, self.0.person_id)
    }
    async fn score(&self) -> f64 {
        self.0.score
    }
    /// Competition rank (1, 1, 3).
    async fn rank(&self) -> i32 {
        self.0.rank as i32
    }
    async fn within_quota(&self) -> bool {
        self.0.within_quota
    }
    /// Tied with the last place inside the quota: the committee decides.
    async fn tied_at_boundary(&self) -> bool {
        self.0.tied_at_boundary
    }
    /// The committee's approval (报院党委审批).
    async fn approved(&self) -> bool {
        self.0.approved
    }
}

pub struct Nomination(pub state::Nomination);

#[Object]
impl Nomination {
    async fn kind(&self) -> RankingKind {
        self.0.ranking.into()
    }
    async fn person(&self, ctx: &Context<'_>) -> Person {
        Person::get(ctx, self.0.person_id)
    }
    async fn period(&self) -> String {
        self.0.period.to_string()
    }
    async fn approved(&self) -> bool {
        self.0.approved
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// The branch's examination (学生党支部全面考核), once made.
    async fn examination(&self) -> Option<Examination> {
        self.0.examination.clone().map(Examination)
    }
}

/// The branch's examination of a nomination.
pub struct Examination(pub state::Examination);

#[Object(name = "NominationExamination")]
impl Examination {
    async fn passed(&self) -> bool {
        self.0.passed
    }
    async fn opinion(&self) -> &str {
        &self.0.opinion
    }
}

#[derive(Default)]
pub struct RankingQuery;

#[Object]
impl RankingQuery {
    /// 党员之星: mentors in scope ranked by their `party-star` score; quota 10%.
    #[graphql(
        guard = "Can::over(\"scopeId\", &scope_id, Right::ReadScope)",
        complexity = "super::paging::SCOPE_COST + child_complexity"
    )]
    async fn party_stars(&self, ctx: &Context<'_>, scope_id: ID, period: String) -> ApiResult<Ranking> {
        let scope = uuid("scopeId", &scope_id)?;
        let period = super::context::period(&period)?;
        let app = app(ctx)?;
        let state = app.state();
        known_unit(&state, scope)?;
        let key = (domain::RankingKind::PartyStar, scope, period);
        let ranking = memoised(ctx, app, &state, key, || {
            ranking::rank_party_stars(&state, scope, period)
        })?;
        Ok(Ranking {
            kind: RankingKind::PartyStar,
            scope,
            period,
            ranking,
        })
    }

    /// 最具进步奖: nominated mentees in scope ranked by the rise of their key-target-100
    /// total from the previous period; quota 5% of the mentees in scope.
    #[graphql(
        guard = "Can::over(\"scopeId\", &scope_id, Right::ReadScope)",
        complexity = "super::paging::SCOPE_COST + child_complexity"
    )]
    async fn most_improved(&self, ctx: &Context<'_>, scope_id: ID, period: String) -> ApiResult<Ranking> {
        let scope = uuid("scopeId", &scope_id)?;
        let period = super::context::period(&period)?;
        let app = app(ctx)?;
        let state = app.state();
        known_unit(&state, scope)?;
        let key = (domain::RankingKind::MostImproved, scope, period);
        let ranking = memoised(ctx, app, &state, key, || {
            ranking::rank_most_improved(&state, scope, period)
        })?;
        Ok(Ranking {
            kind: RankingKind::MostImproved,
            scope,
            period,
            ranking,
        })
    }
}

#[derive(InputObject)]
pub struct NominateInput {
    pub kind: RankingKind,
    pub person_id: ID,
    pub period: String,
    pub reason: String,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct ExamineNominationInput {
    pub kind: RankingKind,
    pub person_id: ID,
    pub period: String,
    pub passed: bool,
    /// The branch's opinion (考核意见).
    pub opinion: String,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct ApproveInput {
    pub kind: RankingKind,
    pub person_id: ID,
    pub period: String,
    pub idempotency_key: Option<String>,
}

fn nomination(app: &App, kind: domain::RankingKind, recorded: &Recorded) -> ApiResult<Nomination> {
    let (period, person) = match &recorded.event {
        domain::Event::Nominated { period, person_id, .. }
        | domain::Event::NominationApproved { period, person_id, .. }
        | domain::Event::NominationExamined { period, person_id, .. } => (*period, *person_id),
        _ => return Err(ApiError::Internal("a nomination decided another event".into())),
    };
    recorded_fact(app, recorded, |s, _| {
        s.nomination(kind, period, person).cloned().map(Nomination)
    })
}

#[derive(Default)]
pub struct RankingMutation;

#[Object]
impl RankingMutation {
    /// 最具进步奖: the mentee's mentor nominates them (「由帮助人提名」); 党员之星: the branch
    /// nominates a mentor.
    #[graphql(guard = "Can::over(\"personId\", &input.person_id, |p| Right::Nominate(input.kind.into(), p))")]
    async fn nominate(&self, ctx: &Context<'_>, input: NominateInput) -> ApiResult<Nomination> {
        let kind: domain::RankingKind = input.kind.into();
        let cmd = d::Nominate {
            ranking: kind,
            person_id: uuid("personId", &input.person_id)?,
            period: input.period,
            reason: input.reason,
        };
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, move |s, _| d::nominate(s, cmd)).await?;
        nomination(&app, kind, &recorded)
    }

    /// The branch examines a nomination (「学生党支部进行全面考核」): passed, it may be
    /// approved; failed, it leaves the 最具进步奖 ranking.
    #[graphql(guard = "Can::over(\"personId\", &input.person_id, Right::Examine)")]
    async fn examine_nomination(&self, ctx: &Context<'_>, input: ExamineNominationInput) -> ApiResult<Nomination> {
        let kind: domain::RankingKind = input.kind.into();
        let cmd = d::ExamineNomination {
            ranking: kind,
            person_id: uuid("personId", &input.person_id)?,
            period: input.period,
            passed: input.passed,
            opinion: input.opinion,
        };
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, move |s, _| d::examine_nomination(s, cmd)).await?;
        nomination(&app, kind, &recorded)
    }

    /// The college committee's approval (报院党委审批); 最具进步奖 once the branch has passed
    /// the nomination.
    #[graphql(guard = "Can::over(\"personId\", &input.person_id, Right::Approve)")]
    async fn approve(&self, ctx: &Context<'_>, input: ApproveInput) -> ApiResult<Nomination> {
        let kind: domain::RankingKind = input.kind.into();
        let cmd = d::Approve {
            ranking: kind,
            person_id: uuid("personId", &input.person_id)?,
            period: input.period,
        };
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, move |s, _| d::approve(s, cmd)).await?;
        nomination(&app, kind, &recorded)
    }
}
