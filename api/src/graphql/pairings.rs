//! Pairings (结对帮扶): who mentors whom, of which kind, from when, at which contact
//! cadence; forming and ending them, and finding them by scope, mentor or mentee.

use super::context::{Seen, actor, app, known_unit, looked_up, run, vanished};
use super::guard::{Can, Right, caller};
use super::paging::{Page, list_page, page};
use super::scalars::{self, CalendarUnit, Date, PairingKind, uuid, uuids};
use super::{OrgUnit, Pairing, Person};
use crate::error::{ApiError, ApiResult};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use domain::decide as d;
use domain::state;
use domain::time::local_date;
use uuid::Uuid;

/// A pairing's own fields (the `Pairing` type): for those with `ReadPairing`.
pub struct PairingFields(pub(super) Seen);

impl PairingFields {
    fn get<T>(&self, ctx: &Context<'_>, f: impl FnOnce(&state::Pairing) -> T) -> ApiResult<T> {
        let id = self.0.id()?;
        looked_up(ctx, |s| s.pairing(id).map(f))
    }

    /// The ids among the pairing's mentors that name what `is` accepts (people or units).
    fn mentors_that(&self, ctx: &Context<'_>, is: impl Fn(&domain::State, &Uuid) -> bool) -> ApiResult<Vec<Uuid>> {
        let id = self.0.id()?;
        let app = app(ctx)?;
        let state = app.state();
        let p = state.pairing(id).ok_or_else(vanished)?;
        let mentors = p.mentor_ids.iter().filter(|m| is(&state, m));
        Ok(mentors.take(domain::decide::MAX_MENTORS).copied().collect())
    }
}

#[Object]
impl PairingFields {
    async fn id(&self) -> ID {
        scalars::id(self.0.plain_id())
    }
    async fn kind(&self, ctx: &Context<'_>) -> ApiResult<PairingKind> {
        self.get(ctx, |p| p.kind.into())
    }
    /// The mentoring people (empty for a branch-to-branch pairing: see `mentorUnits`).
    #[graphql(complexity = "super::paging::bounded_cost(domain::decide::MAX_MENTORS, child_complexity)")]
    async fn mentors(&self, ctx: &Context<'_>) -> ApiResult<Vec<Person>> {
        let ids = self.mentors_that(ctx, |s, m| s.person(*m).is_some())?;
        Ok(ids.into_iter().map(|id| Person::get(ctx, id)).collect())
    }
    /// The mentoring branches of a branch-to-branch pairing.
    #[graphql(complexity = "super::paging::bounded_cost(domain::decide::MAX_MENTORS, child_complexity)")]
    async fn mentor_units(&self, ctx: &Context<'_>) -> ApiResult<Vec<OrgUnit>> {
        let ids = self.mentors_that(ctx, |s, m| s.org_unit(*m).is_some())?;
        Ok(ids.into_iter().map(OrgUnit::new).collect())
    }
    /// The mentee when a person; null when the mentee is a unit (see `menteeUnit`).
    async fn mentee(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        let mentee = self.get(ctx, |p| p.mentee_id)?;
        let person = app(ctx)?.state().person(mentee).is_some();
        Ok(person.then(|| Person::get(ctx, mentee)))
    }
    async fn mentee_unit(&self, ctx: &Context<'_>) -> ApiResult<Option<OrgUnit>> {
        let mentee = self.get(ctx, |p| p.mentee_id)?;
        let unit = app(ctx)?.state().org_unit(mentee).is_some();
        Ok(unit.then(|| OrgUnit::new(mentee)))
    }
    async fn starts_on(&self, ctx: &Context<'_>) -> ApiResult<Date> {
        self.get(ctx, |p| Date(p.starts_on))
    }
    async fn ends_on(&self, ctx: &Context<'_>) -> ApiResult<Option<Date>> {
        self.get(ctx, |p| p.ends_on.map(Date))
    }
    async fn cadence(&self, ctx: &Context<'_>) -> ApiResult<Cadence> {
        self.get(ctx, |p| p.cadence.into())
    }
    async fn situation(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        self.get(ctx, |p| p.situation.clone())
    }
    /// A link to 附件一 (the pairing's activity record) for a period, as XLSX: opens
    /// without a token for 10 minutes, for the caller only.
    async fn record_form_url(&self, ctx: &Context<'_>, period: String) -> ApiResult<String> {
        let period = super::context::period(&period)?;
        let id = self.get(ctx, |p| p.id)?;
        Ok(super::context::links(ctx)?.record_form(actor(ctx)?, id, period))
    }
}

/// The `Person.pairings` field: for those with `ReadPerson`, listing only the pairings
/// the caller may read.
pub struct PersonPairings(pub(super) Seen);

#[Object]
impl PersonPairings {
    /// The pairings this person mentors or is mentored in, those the caller may read: a
    /// page of `first` (default 100, at most 500) after the pairing whose id is `after`.
    #[graphql(complexity = "super::paging::list_cost(first, child_complexity)")]
    async fn pairings(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<ID>) -> ApiResult<Vec<Pairing>> {
        let person = self.0.id()?;
        let readable: Vec<Uuid> = {
            let app = app(ctx)?;
            let state = app.state();
            let caller = caller(&state, actor(ctx)?);
            state
                .pairings_of(person)
                .map(|p| p.id)
                .filter(|p| caller.may(Right::ReadPairing(*p)))
                .collect()
        };
        let page = list_page(&readable, Uuid::to_string, first, after.as_ref())?;
        Ok(page.into_iter().map(|id| Pairing::get(ctx, id)).collect())
    }
}

#[derive(SimpleObject)]
pub struct Cadence {
    pub at_least: i32,
    pub every_days: Option<i32>,
    pub calendar: Option<CalendarUnit>,
    /// Only contacts of at least this many minutes count (seed 004: 每次不得少于30分钟).
    pub min_minutes: Option<i32>,
    /// The problems the counted contacts of each term must solve (seed 000: 至少解决1个实际问题).
    pub problems_per_term: Option<i32>,
}

impl From<domain::Cadence> for Cadence {
    fn from(c: domain::Cadence) -> Cadence {
        Cadence {
            at_least: c.at_least as i32,
            every_days: c.every_days.map(|d| d as i32),
            calendar: c.calendar.map(Into::into),
            min_minutes: c.min_minutes.map(|m| m as i32),
            problems_per_term: c.problems_per_term.map(|n| n as i32),
        }
    }
}

pub type PairingConnection = Page<Pairing>;

#[derive(Default)]
pub struct PairingQuery;

#[Object]
impl PairingQuery {
    #[graphql(guard = "Can::over(\"id\", &id, Right::ReadPairing)")]
    async fn pairing(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Pairing>> {
        let id = uuid("id", &id)?;
        let known = app(ctx)?.state().pairing(id).is_some();
        Ok(known.then(|| Pairing::get(ctx, id)))
    }

    /// Pairings in a scope, of a mentor or of a mentee; `active` means started and not
    /// ended today (Shanghai). Only those the caller may read.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        guard = "Can::scope(\"scopeId\", &scope_id)",
        complexity = "super::paging::SCOPE_COST + super::paging::page_cost(first, child_complexity)"
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
            let caller = caller(&state, actor);
            state
                .pairings()
                .filter(|p| mentor.is_none_or(|m| p.mentor_ids.contains(&m)))
                .filter(|p| mentee.is_none_or(|m| p.mentee_id == m))
                .filter(|p| active.is_none_or(|a| p.is_active_on(today) == a))
                .filter(|p| scope.is_none_or(|s| state.pairing_in_scope(p, s)))
                .filter(|p| caller.may(Right::ReadPairing(p.id)))
                .map(|p| p.id)
                .collect()
        };
        page(ids, first, after.as_deref(), |id| Pairing::get(ctx, id))
    }
}

/// At least `atLeast` contacts in every window; the window is either rolling
/// (`everyDays`) or calendar-aligned (`calendar`); exactly one of the two.
#[derive(InputObject)]
pub struct CadenceInput {
    #[graphql(default = 1)]
    pub at_least: i32,
    pub every_days: Option<i32>,
    pub calendar: Option<CalendarUnit>,
    /// Only contacts whose `durationMinutes` is at least this count; a contact recorded
    /// without a duration does not (seed 004: 「每次不得少于30分钟」).
    pub min_minutes: Option<i32>,
    /// A target a secretary sees: the counted contacts of each academic term must solve at
    /// least this many problems (`problemsSolved`), 1 to 100 (seed 000:
    /// 「至少解决1个实际问题」); a term short of it raises `PROBLEMS_UNSOLVED`. None: no target.
    pub problems_per_term: Option<i32>,
}

#[derive(InputObject)]
pub struct FormPairingInput {
    pub kind: PairingKind,
    /// People, or branches for BRANCH_TO_BRANCH.
    pub mentor_ids: Vec<ID>,
    /// A person, a League branch, or a branch.
    pub mentee_id: ID,
    pub starts_on: Date,
    pub cadence: CadenceInput,
    /// 帮扶前具体情况.
    pub situation: Option<String>,
    pub idempotency_key: Option<String>,
}

fn cadence(input: &CadenceInput) -> ApiResult<domain::Cadence> {
    let at_least = u32::try_from(input.at_least).map_err(|_| ApiError::bad("cadence.atLeast", "must be at least 1"))?;
    let every_days = input
        .every_days
        .map(|d| u32::try_from(d).map_err(|_| ApiError::bad("cadence.everyDays", "must be between 1 and 366")))
        .transpose()?;
    let min_minutes = input
        .min_minutes
        .map(|m| u32::try_from(m).map_err(|_| ApiError::bad("cadence.minMinutes", "must be between 1 and 1440")))
        .transpose()?;
    let problems_per_term = input
        .problems_per_term
        .map(|n| u32::try_from(n).map_err(|_| ApiError::bad("cadence.problemsPerTerm", "must be between 1 and 100")))
        .transpose()?;
    Ok(domain::Cadence {
        at_least,
        every_days,
        calendar: input.calendar.map(Into::into),
        min_minutes,
        problems_per_term,
    })
}

#[derive(Default)]
pub struct PairingMutation;

#[Object]
impl PairingMutation {
    /// Pairs mentors with a mentee. Each kind keeps its seed's rules (docs/pairings.md),
    /// with each person's stage read on `startsOn`: ONE_TO_ONE, one mentor who is a Party
    /// member or an activist; MANY_TO_ONE, two or more such mentors, at least one a Party
    /// member; OLD_TO_NEW, full members who joined before the mentee, a new member
    /// (probationary, or full for less than a year), and two new members at a time per old
    /// member; CULTIVATION_CONTACT, one full member for an activist; MEMBER_TO_LEAGUE_BRANCH,
    /// two or three Party members for a League branch; BRANCH_TO_BRANCH, branches. A misfit
    /// is BAD_INPUT on `mentorIds` or `menteeId`, naming the rule (an id of the wrong sort
    /// says what it is); NOT_FOUND only when an id names nothing.
    #[graphql(guard = "Can::over(\"menteeId\", &input.mentee_id, Right::ArrangePairing)")]
    async fn form_pairing(&self, ctx: &Context<'_>, input: FormPairingInput) -> ApiResult<Pairing> {
        let cmd = d::FormPairing {
            id: Uuid::now_v7(),
            kind: input.kind.into(),
            mentor_ids: uuids("mentorIds", &input.mentor_ids)?,
            mentee_id: uuid("menteeId", &input.mentee_id)?,
            starts_on: input.starts_on.0,
            cadence: cadence(&input.cadence)?,
            situation: input.situation,
        };
        let key = input.idempotency_key.as_deref();
        let (_, recorded) = run(ctx, key, move |s, _| d::form_pairing(s, cmd)).await?;
        Ok(Pairing::get(ctx, recorded.stream_id))
    }

    #[graphql(guard = "Can::over(\"pairingId\", &pairing_id, Right::ArrangePairing)")]
    async fn end_pairing(
        &self,
        ctx: &Context<'_>,
        pairing_id: ID,
        ends_on: Date,
        reason: String,
        idempotency_key: Option<String>,
    ) -> ApiResult<Pairing> {
        let cmd = d::EndPairing {
            pairing_id: uuid("pairingId", &pairing_id)?,
            ends_on: ends_on.0,
            reason,
        };
        let (_, recorded) = run(ctx, idempotency_key.as_deref(), move |s, _| d::end_pairing(s, cmd)).await?;
        Ok(Pairing::get(ctx, recorded.stream_id))
    }
}
