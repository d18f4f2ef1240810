//! Statistics (seed 002's yearly figures: 「联系积极分子114人，共计谈话1026次」): a scope's
//! figures for a period and each unit directly below it, as of the period's end or now.
//! The figures are defined in `domain::statistics` and `docs/archive.md`.

use super::OrgUnit;
use super::context::{actor, app, known_unit, links};
use super::guard::{Can, Right};
use super::scalars::{self, Stage, uuid};
use crate::error::ApiResult;
use async_graphql::{Context, ID, MergedObject, Object, SimpleObject};
use chrono::Utc;
use domain::statistics as s;
use uuid::Uuid;

/// How many people in scope are at one stage.
#[derive(SimpleObject)]
pub struct StageCount {
    pub stage: Stage,
    pub count: i32,
}

/// A scope's figures for the period.
pub struct Figures(s::Figures);

fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[Object]
impl Figures {
    /// The people in scope by their stage on the figures' day (those registered by then).
    async fn people_by_stage(&self) -> Vec<StageCount> {
        self.0
            .people_by_stage
            .iter()
            .map(|(stage, n)| StageCount {
                stage: (*stage).into(),
                count: int(*n),
            })
            .collect()
    }
    /// 入党积极分子 in scope on the figures' day.
    async fn activists(&self) -> i32 {
        int(self.0.activists)
    }
    /// Activists who are the mentee of a pairing in scope with a contact in the period.
    async fn activists_contacted(&self) -> i32 {
        int(self.0.activists_contacted)
    }
    /// Contacts (谈话) recorded in the period in the scope's pairings.
    async fn contacts(&self) -> i32 {
        int(self.0.contacts)
    }
    async fn thought_reports(&self) -> i32 {
        int(self.0.thought_reports)
    }
    /// Stage changes into probationary membership in the period.
    async fn new_probationary(&self) -> i32 {
        int(self.0.new_probationary)
    }
    /// Stage changes into full membership in the period.
    async fn became_full(&self) -> i32 {
        int(self.0.became_full)
    }
    /// Of those, no later than a year of probation plus any extension.
    async fn became_full_on_time(&self) -> i32 {
        int(self.0.became_full_on_time)
    }
    async fn volunteer_hours(&self) -> f64 {
        self.0.volunteer_hours
    }
    /// Whole months of the period the scope's pairings owed a 活动情况记录表 (vacations
    /// excluded).
    async fn monthly_records_due(&self) -> i32 {
        int(self.0.monthly_records_due)
    }
    /// Of those months, the ones with a record.
    async fn monthly_records_submitted(&self) -> i32 {
        int(self.0.monthly_records_submitted)
    }
    /// Months of the period with a 党支部意见, over the scope's pairings.
    async fn branch_opinions(&self) -> i32 {
        int(self.0.branch_opinions)
    }
}

/// The figures of one unit directly below the scope.
#[derive(MergedObject)]
pub struct UnitStatistics(UnitPart, Figures);

pub struct UnitPart(Uuid);

#[Object]
impl UnitPart {
    async fn unit(&self) -> OrgUnit {
        OrgUnit::new(self.0)
    }
}

/// A scope's statistics: its figures, and the same for each unit below it.
#[derive(MergedObject)]
pub struct Statistics(ScopePart, Figures);

pub struct ScopePart(s::Statistics);

#[Object]
impl ScopePart {
    async fn scope(&self) -> OrgUnit {
        OrgUnit::new(self.0.scope)
    }
    async fn period(&self) -> String {
        self.0.period.to_string()
    }
    /// The day the figures stand on: the period's last day, or today if earlier.
    async fn as_of(&self) -> scalars::Date {
        scalars::Date(self.0.as_of_day)
    }
    /// The same figures for each unit directly below the scope, in the order they were
    /// created.
    async fn by_unit(&self) -> Vec<UnitStatistics> {
        self.0
            .by_unit
            .iter()
            .map(|(u, f)| UnitStatistics(UnitPart(*u), Figures(f.clone())))
            .collect()
    }
    /// A link to these statistics as an XLSX sheet: opens without a token for 10 minutes,
    /// for the caller only.
    async fn sheet_url(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(links(ctx)?.statistics(actor(ctx)?, self.0.scope, self.0.period))
    }
}

#[derive(Default)]
pub struct StatisticsQuery;

#[Object]
impl StatisticsQuery {
    /// A scope's figures for a period (seed 002's yearly report), and each child unit's.
    #[graphql(
        guard = "Can::over(\"scopeId\", &scope_id, Right::ReadScope)",
        complexity = "super::paging::SCOPE_COST + child_complexity"
    )]
    async fn statistics(&self, ctx: &Context<'_>, scope_id: ID, period: String) -> ApiResult<Statistics> {
        let scope = uuid("scopeId", &scope_id)?;
        let period = super::context::period(&period)?;
        let app = app(ctx)?;
        let state = app.state();
        known_unit(&state, scope)?;
        let statistics = s::statistics(&state, scope, period, Utc::now());
        let figures = Figures(statistics.figures.clone());
        Ok(Statistics(ScopePart(statistics), figures))
    }
}
