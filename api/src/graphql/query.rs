use super::scalars::{Stage, uuid};
use super::types::*;
use super::{actor, app, page};
use crate::access::{Caller, Can, Right};
use crate::error::{ApiError, ApiResult};
use async_graphql::{Context, ID, MergedObject, Object};
use domain::time::local_date;

/// Every read, merged from one object per area.
#[derive(MergedObject, Default)]
pub struct Query(
    RecordsQuery,
    super::assessment::AssessmentQuery,
    super::alerts::AlertQuery,
    AuditQuery,
);

#[derive(Default)]
pub struct RecordsQuery;

#[Object]
impl RecordsQuery {
    /// The person behind the token; null for an administrator without a person record.
    async fn me(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        let actor = actor(ctx)?;
        let app = app(ctx)?;
        Ok(app.state().person_by_number.get(&actor.subject).copied().map(Person))
    }

    #[graphql(guard = "Can::over(\"id\", &id, Right::ReadPerson)")]
    async fn person(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Person>> {
        let id = uuid("id", &id)?;
        Ok(app(ctx)?.state().people.contains_key(&id).then_some(Person(id)))
    }

    /// People in a scope (everyone when no scope), optionally at one stage; only those the
    /// caller may read.
    #[graphql(
        guard = "Can::scope(\"scopeId\", &scope_id)",
        complexity = "super::page_cost(first, child_complexity)"
    )]
    async fn people(
        &self,
        ctx: &Context<'_>,
        scope_id: Option<ID>,
        stage: Option<Stage>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<PersonConnection> {
        let scope = scope_id.as_ref().map(|s| uuid("scopeId", s)).transpose()?;
        let actor = actor(ctx)?;
        let app = app(ctx)?;
        let ids = {
            let state = app.state();
            if let Some(scope) = scope {
                known_unit(&state, scope)?;
            }
            let caller = Caller::new(&state, actor);
            let stage = stage.map(domain::Stage::from);
            state
                .people
                .values()
                .filter(|p| stage.is_none_or(|s| p.stage == s))
                .filter(|p| scope.is_none_or(|scope| state.person_in_scope(p, scope)))
                .filter(|p| caller.may(Right::ReadPerson(p.id)))
                .map(|p| p.id)
                .collect()
        };
        page(ids, first, after.as_deref(), Person)
    }

    async fn org_unit(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<OrgUnit>> {
        let id = uuid("id", &id)?;
        Ok(app(ctx)?.state().org_units.contains_key(&id).then_some(OrgUnit(id)))
    }

    #[graphql(guard = "Can::over(\"id\", &id, Right::ReadPairing)")]
    async fn pairing(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Pairing>> {
        let id = uuid("id", &id)?;
        Ok(app(ctx)?.state().pairings.contains_key(&id).then_some(Pairing(id)))
    }

    /// Pairings in a scope, of a mentor or of a mentee; `active` means started and not
    /// ended today (Shanghai). Only those the caller may read.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        guard = "Can::scope(\"scopeId\", &scope_id)",
        complexity = "super::page_cost(first, child_complexity)"
    )]
    async fn pairings(
        &self,
        ctx: &Context<'_>,
        scope_id: Option<ID>,
        mentor_id: Option<ID>,
        mentee_id: Option<ID>,
        active: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<PairingConnection> {
        let scope = scope_id.as_ref().map(|s| uuid("scopeId", s)).transpose()?;
        let mentor = mentor_id.as_ref().map(|s| uuid("mentorId", s)).transpose()?;
        let mentee = mentee_id.as_ref().map(|s| uuid("menteeId", s)).transpose()?;
        let today = local_date(chrono::Utc::now());
        let actor = actor(ctx)?;
        let app = app(ctx)?;
        let ids = {
            let state = app.state();
            if let Some(scope) = scope {
                known_unit(&state, scope)?;
            }
            let caller = Caller::new(&state, actor);
            state
                .pairings
                .values()
                .filter(|p| mentor.is_none_or(|m| p.mentor_ids.contains(&m)))
                .filter(|p| mentee.is_none_or(|m| p.mentee_id == m))
                .filter(|p| active.is_none_or(|a| p.is_active_on(today) == a))
                .filter(|p| scope.is_none_or(|s| state.pairing_in_scope(p, s)))
                .filter(|p| caller.may(Right::ReadPairing(p.id)))
                .map(|p| p.id)
                .collect()
        };
        page(ids, first, after.as_deref(), Pairing)
    }

    /// The privacy audit: who read whose screening, when (administrators), in time order:
    /// a page of `first` (default 100, at most 500) after the read whose id is `after`.
    #[graphql(
        guard = "Can::new(Right::Administer)",
        complexity = "super::list_cost(first, child_complexity)"
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
        let reads: Vec<&domain::state::ScreeningRead> = state
            .screening_reads
            .iter()
            .filter(|r| person.is_none_or(|p| r.person_id == p))
            .collect();
        let page = super::list_page(&reads, |r| r.id.to_string(), first, after.as_ref())?;
        Ok(page.into_iter().cloned().map(ScreeningRead).collect())
    }

    /// The school's published vacations (at most 100: the rule that publishes them).
    #[graphql(complexity = "super::bounded_cost(domain::decide::MAX_VACATIONS, child_complexity)")]
    async fn vacations(&self, ctx: &Context<'_>) -> ApiResult<Vec<Vacation>> {
        let app = app(ctx)?;
        let state = app.state();
        Ok(Vacation::all(&state))
    }
}

pub(crate) fn known_unit(state: &domain::State, id: uuid::Uuid) -> ApiResult<()> {
    if state.org_units.contains_key(&id) {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!("no org unit with id {id}")))
    }
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit trail: every event in position order, retracted ones marked; optionally
    /// one stream's. `after` is a position (an `endCursor`). The whole trail is for
    /// administrators; a person's or a pairing's stream for those who may read it.
    #[graphql(
        guard = "Can::maybe(\"streamId\", &stream_id, |s| s.map_or(Right::Administer, Right::ReadStream))",
        complexity = "super::page_cost(first, child_complexity)"
    )]
    async fn events(
        &self,
        ctx: &Context<'_>,
        stream_id: Option<ID>,
        after: Option<String>,
        first: Option<i32>,
    ) -> ApiResult<EventConnection> {
        let stream = stream_id.as_ref().map(|s| uuid("streamId", s)).transpose()?;
        let after: i64 = match after.as_deref() {
            None => 0,
            Some(c) => c.parse().map_err(|_| ApiError::bad("after", "is not a position"))?,
        };
        let first = match first {
            None => super::DEFAULT_PAGE,
            Some(n) if n >= 0 => (n as usize).min(super::MAX_PAGE),
            Some(_) => return Err(ApiError::bad("first", "must not be negative")),
        };
        let app = app(ctx)?;
        let (mut events, total) = match stream {
            Some(stream) => {
                let mut all = app.store().read_stream(stream).await?;
                let total = all.len();
                all.retain(|e| e.position > after);
                all.truncate(first + 1);
                (all, total)
            }
            // Positions are gap-free: the last one is the number of events.
            None => (
                app.store().read_after(after, first as u64 + 1).await?,
                usize::try_from(app.state().position).unwrap_or(usize::MAX),
            ),
        };
        let has_next_page = events.len() > first;
        events.truncate(first);
        let state = app.state();
        let mut connection = async_graphql::connection::Connection::with_additional_fields(
            after > 0,
            has_next_page,
            super::Total {
                total_count: i32::try_from(total).unwrap_or(i32::MAX),
            },
        );
        connection.edges.extend(events.into_iter().map(|recorded| {
            let cursor = recorded.position.to_string();
            let node = Event {
                retracted: state.retracted.contains(&recorded.id),
                recorded,
            };
            async_graphql::connection::Edge::new(cursor, node)
        }));
        Ok(connection)
    }
}
