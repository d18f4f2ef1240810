//! 排查摸底, the officers' screening of a person (seed 001: 「保护隐私」): recorded and read
//! only by the person's mentors, counsellors, branch secretary and committee, the college
//! committee and administrators — not by the person themself — and every read logged.

use super::Person;
use super::context::{Seen, app, log_screening_read, looked_up, recorded_fact, run};
use super::guard::{Can, Right};
use super::paging::list_page;
use super::scalars::{self, DateTime, ScreeningCategory, uuid};
use crate::error::ApiResult;
use async_graphql::{Context, ID, InputObject, Object};
use domain::decide as d;
use domain::state;

/// The `Person.screening` field: for those with the `Screening` right.
pub struct PersonScreening(pub(super) Seen);

#[Object]
impl PersonScreening {
    /// 排查摸底: only the person's mentors, counsellors, branch secretary / committee,
    /// college committee and admins may read it; FORBIDDEN for anyone else.
    /// Every read is logged (who, whose, when): see `screeningReads`.
    async fn screening(&self, ctx: &Context<'_>) -> ApiResult<Option<Screening>> {
        let person = self.0.id()?;
        let screening = looked_up(ctx, |s| s.person(person).map(|p| p.screening().cloned().map(Screening)))?;
        if screening.is_some() {
            log_screening_read(ctx, person).await?;
        }
        Ok(screening)
    }
}

pub struct Screening(pub state::Screening);

#[Object]
impl Screening {
    async fn id(&self) -> ID {
        scalars::id(self.0.id)
    }
    #[graphql(complexity = "super::paging::bounded_cost(domain::decide::SCREENING_CATEGORIES, child_complexity)")]
    async fn categories(&self) -> Vec<ScreeningCategory> {
        self.0.categories.iter().map(|c| (*c).into()).collect()
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn recorded_at(&self) -> DateTime {
        self.0.recorded_at.into()
    }
}

/// One read of a person's screening.
pub struct ScreeningRead(pub state::ScreeningRead);

#[Object]
impl ScreeningRead {
    async fn person(&self, ctx: &Context<'_>) -> Person {
        Person::get(ctx, self.0.person_id)
    }
    /// The token subject of the reader.
    async fn reader(&self) -> &str {
        &self.0.reader
    }
    async fn read_at(&self) -> DateTime {
        self.0.at.into()
    }
}

#[derive(Default)]
pub struct ScreeningQuery;

#[Object]
impl ScreeningQuery {
    /// The privacy audit: who read whose screening, when (administrators), in time order:
    /// a page of `first` (default 100, at most 500) after the read whose id is `after`.
    #[graphql(
        guard = "Can::new(Right::Administer)",
        complexity = "super::paging::list_cost(first, child_complexity)"
    )]
    async fn screening_reads(
        &self,
        ctx: &Context<'_>,
        person_id: Option<ID>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> ApiResult<Vec<ScreeningRead>> {
        let person = person_id.as_ref().map(|p| uuid("personId", p)).transpose()?;
        let app = app(ctx)?;
        let state = app.state();
        let reads: Vec<&state::ScreeningRead> = state.screening_reads(person).collect();
        let page = list_page(&reads, |r| r.id.to_string(), first, after.as_ref())?;
        Ok(page.into_iter().cloned().map(ScreeningRead).collect())
    }
}

#[derive(InputObject)]
pub struct RecordScreeningInput {
    pub person_id: ID,
    pub categories: Vec<ScreeningCategory>,
    pub note: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(Default)]
pub struct ScreeningMutation;

#[Object]
impl ScreeningMutation {
    /// 排查摸底 (sensitive).
    #[graphql(guard = "Can::over(\"personId\", &input.person_id, Right::Screening)")]
    async fn record_screening(&self, ctx: &Context<'_>, input: RecordScreeningInput) -> ApiResult<Screening> {
        let cmd = d::RecordScreening {
            person_id: uuid("personId", &input.person_id)?,
            categories: input.categories.into_iter().map(Into::into).collect(),
            note: input.note,
        };
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, move |s, _| d::record_screening(s, cmd)).await?;
        recorded_fact(&app, &recorded, |s, id| {
            s.person(recorded.stream_id)?
                .screening()
                .filter(|sc| sc.id == id)
                .cloned()
                .map(Screening)
        })
    }
}
