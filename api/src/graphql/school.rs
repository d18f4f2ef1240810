//! School-wide settings: the published vacations (寒暑假), which pause every clock.

use super::context::{app, run};
use super::guard::{Can, Right};
use super::scalars::Date;
use crate::error::ApiResult;
use async_graphql::{Context, InputObject, Object, SimpleObject};
use domain::decide as d;

#[derive(SimpleObject)]
pub struct Vacation {
    pub from: Date,
    pub to: Date,
}

impl Vacation {
    /// The school's published vacations.
    pub fn all(state: &domain::State) -> Vec<Vacation> {
        state
            .vacations()
            .iter()
            .map(|v| Vacation {
                from: v.from.into(),
                to: v.to.into(),
            })
            .collect()
    }
}

/// Both days included.
#[derive(InputObject)]
pub struct VacationInput {
    pub from: Date,
    pub to: Date,
}

#[derive(Default)]
pub struct SchoolQuery;

#[Object]
impl SchoolQuery {
    /// The school's published vacations (at most 100: the rule that publishes them).
    #[graphql(complexity = "super::paging::bounded_cost(domain::decide::MAX_VACATIONS, child_complexity)")]
    async fn vacations(&self, ctx: &Context<'_>) -> ApiResult<Vec<Vacation>> {
        let app = app(ctx)?;
        let state = app.state();
        Ok(Vacation::all(&state))
    }
}

#[derive(Default)]
pub struct SchoolMutation;

#[Object]
impl SchoolMutation {
    /// Publishes the school's vacations (replacing the earlier list); they pause the
    /// contact clock.
    #[graphql(
        guard = "Can::new(Right::Administer)",
        complexity = "super::paging::bounded_cost(domain::decide::MAX_VACATIONS, child_complexity)"
    )]
    async fn set_vacations(
        &self,
        ctx: &Context<'_>,
        vacations: Vec<VacationInput>,
        idempotency_key: Option<String>,
    ) -> ApiResult<Vec<Vacation>> {
        let list: Vec<domain::Vacation> = vacations
            .iter()
            .map(|v| domain::Vacation {
                from: v.from.0,
                to: v.to.0,
            })
            .collect();
        let (app, _) = run(ctx, idempotency_key.as_deref(), move |s, _| d::set_vacations(s, list)).await?;
        let state = app.state();
        Ok(Vacation::all(&state))
    }
}
