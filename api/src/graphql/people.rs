//! People: who they are (number, name, stage 政治面貌, units, roles), registering them,
//! the Party's stage rules (发展党员: one step forward, probation extended or withdrawn),
//! and the roles that give rights over units.

use super::context::{Seen, actor, app, known_unit, looked_up, run};
use super::guard::{Can, Right, caller};
use super::paging::{Page, list_page, page};
use super::scalars::{self, Date, Role, Stage, uuid, uuids};
use super::{OrgUnit, Person};
use crate::error::{ApiError, ApiResult};
use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject};
use domain::decide as d;
use domain::state;
use uuid::Uuid;

/// Who a person is (the `Person` type's identity fields): for those with `ReadPerson`.
pub struct PersonIdentity(pub(super) Seen);

impl PersonIdentity {
    fn get<T>(&self, ctx: &Context<'_>, f: impl FnOnce(&state::Person) -> T) -> ApiResult<T> {
        let id = self.0.id()?;
        looked_up(ctx, |s| s.person(id).map(f))
    }
}

#[Object]
impl PersonIdentity {
    async fn id(&self) -> ID {
        scalars::id(self.0.plain_id())
    }
    async fn number(&self, ctx: &Context<'_>) -> ApiResult<String> {
        self.get(ctx, |p| p.number.clone())
    }
    async fn name(&self, ctx: &Context<'_>) -> ApiResult<String> {
        self.get(ctx, |p| p.name.clone())
    }
    async fn stage(&self, ctx: &Context<'_>) -> ApiResult<Stage> {
        self.get(ctx, |p| p.stage.into())
    }
    async fn stage_since(&self, ctx: &Context<'_>) -> ApiResult<Option<Date>> {
        self.get(ctx, |p| p.stage_since.map(Date))
    }
    async fn key_cultivation_target(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        self.get(ctx, |p| p.key_cultivation_target)
    }
    /// Months by which the probationary period was extended.
    async fn probation_extension_months(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        self.get(ctx, |p| p.probation_extension_months as i32)
    }
    /// At most 20: a person belongs to no more units.
    #[graphql(complexity = "super::paging::bounded_cost(domain::decide::MAX_UNITS, child_complexity)")]
    async fn org_units(&self, ctx: &Context<'_>) -> ApiResult<Vec<OrgUnit>> {
        self.get(ctx, |p| {
            let units = p.org_unit_ids.iter().take(domain::decide::MAX_UNITS);
            units.copied().map(OrgUnit::new).collect()
        })
    }
    /// The first `first` (default 100, at most 500) roles held.
    #[graphql(complexity = "super::paging::list_cost(first, child_complexity)")]
    async fn roles(&self, ctx: &Context<'_>, first: Option<i32>) -> ApiResult<Vec<RoleGrant>> {
        let page = self.get(ctx, |p| list_page(&p.roles, |_| String::new(), first, None))??;
        Ok(page
            .into_iter()
            .map(|(role, scope)| RoleGrant {
                role: role.into(),
                scope,
            })
            .collect())
    }
}

/// How to reach a person (the `Person` type's contact fields): part of their record, so for
/// those with `ReadRecord` (docs/access.md).
pub struct PersonContact(pub(super) Seen);

#[Object]
impl PersonContact {
    /// 联系方式, as registered; null when none was given, or the person was registered
    /// before contacts were kept.
    async fn contact(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        let id = self.0.id()?;
        looked_up(ctx, |s| s.person(id).map(|p| p.contact.clone()))
    }
    /// 邮箱, as registered; null as `contact`.
    async fn email(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        let id = self.0.id()?;
        looked_up(ctx, |s| s.person(id).map(|p| p.email.clone()))
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct RoleGrant {
    pub role: Role,
    #[graphql(skip)]
    pub scope: Uuid,
}

#[ComplexObject]
impl RoleGrant {
    async fn scope(&self) -> OrgUnit {
        OrgUnit::new(self.scope)
    }
}

pub type PersonConnection = Page<Person>;

#[derive(Default)]
pub struct PeopleQuery;

#[Object]
impl PeopleQuery {
    /// The person behind the token; null for an administrator without a person record.
    async fn me(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        let actor = actor(ctx)?;
        let me = app(ctx)?.state().person_by_number(&actor.subject).map(|p| p.id);
        Ok(me.map(|id| Person::get(ctx, id)))
    }

    #[graphql(guard = "Can::over(\"id\", &id, Right::ReadPerson)")]
    async fn person(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Person>> {
        let id = uuid("id", &id)?;
        let known = app(ctx)?.state().person(id).is_some();
        Ok(known.then(|| Person::get(ctx, id)))
    }

    /// People in a scope (everyone when no scope), optionally at one stage; only those the
    /// caller may read.
    #[graphql(
        guard = "Can::scope(\"scopeId\", &scope_id)",
        complexity = "super::paging::SCOPE_COST + super::paging::page_cost(first, child_complexity)"
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
            let caller = caller(&state, actor);
            state
                .people_in(scope, stage.map(Into::into))
                .filter(|p| caller.may(Right::ReadPerson(p.id)))
                .map(|p| p.id)
                .collect()
        };
        page(ids, first, after.as_deref(), |id| Person::get(ctx, id))
    }
}

#[derive(InputObject)]
pub struct RegisterPersonInput {
    /// 学号 / 工号, unique in the school.
    pub number: String,
    pub name: String,
    /// College, branch, party group, class ... the person belongs to.
    pub org_unit_ids: Vec<ID>,
    #[graphql(default_with = "Stage::NonParty")]
    pub stage: Stage,
    pub stage_since: Option<Date>,
    /// 重点培养对象 (activists only).
    #[graphql(default)]
    pub key_cultivation_target: bool,
    /// 联系方式: a phone number, a WeChat id … at most 100 characters; blank is none.
    pub contact: Option<String>,
    /// 邮箱: shaped like an address (name@example.edu.cn), at most 254 characters; blank is none.
    pub email: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct ChangeStageInput {
    pub person_id: ID,
    pub stage: Stage,
    pub effective_on: Date,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct ExtendProbationInput {
    pub person_id: ID,
    /// 6 to 12; at most 12 in all.
    pub months: i32,
    pub reason: String,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct WithdrawQualificationInput {
    pub person_id: ID,
    pub effective_on: Date,
    pub reason: String,
    pub idempotency_key: Option<String>,
}

#[derive(Default)]
pub struct PeopleMutation;

#[Object]
impl PeopleMutation {
    #[graphql(guard = "Can::each(\"orgUnitIds\", &input.org_unit_ids, Right::Register)")]
    async fn register_person(&self, ctx: &Context<'_>, input: RegisterPersonInput) -> ApiResult<Person> {
        let cmd = d::RegisterPerson {
            id: Uuid::now_v7(),
            number: input.number,
            name: input.name,
            org_unit_ids: uuids("orgUnitIds", &input.org_unit_ids)?,
            stage: input.stage.into(),
            stage_since: input.stage_since.map(|d| d.0),
            key_cultivation_target: input.key_cultivation_target,
            contact: input.contact,
            email: input.email,
        };
        let key = input.idempotency_key.as_deref();
        let (_, recorded) = run(ctx, key, move |s, now| d::register_person(s, cmd, now)).await?;
        Ok(Person::get(ctx, recorded.stream_id))
    }

    /// Moves a person one stage forward (发展党员工作细则); a refusal names the rule and the
    /// date from which the change is allowed.
    #[graphql(guard = "Can::over(\"personId\", &input.person_id, Right::DevelopMember)")]
    async fn change_stage(&self, ctx: &Context<'_>, input: ChangeStageInput) -> ApiResult<Person> {
        let cmd = d::ChangeStage {
            person_id: uuid("personId", &input.person_id)?,
            stage: input.stage.into(),
            effective_on: input.effective_on.0,
        };
        let key = input.idempotency_key.as_deref();
        let (_, recorded) = run(ctx, key, move |s, now| d::change_stage(s, cmd, now)).await?;
        Ok(Person::get(ctx, recorded.stream_id))
    }

    /// 延长预备期: 6 to 12 months, with a reason.
    #[graphql(guard = "Can::over(\"personId\", &input.person_id, Right::DevelopMember)")]
    async fn extend_probation(&self, ctx: &Context<'_>, input: ExtendProbationInput) -> ApiResult<Person> {
        let months =
            u32::try_from(input.months).map_err(|_| ApiError::bad("months", "an extension is 6 to 12 months"))?;
        let cmd = d::ExtendProbation {
            person_id: uuid("personId", &input.person_id)?,
            months,
            reason: input.reason,
        };
        let key = input.idempotency_key.as_deref();
        let (_, recorded) = run(ctx, key, move |s, _| d::extend_probation(s, cmd)).await?;
        Ok(Person::get(ctx, recorded.stream_id))
    }

    /// 取消预备党员资格, with a reason: the person is no longer a member.
    #[graphql(guard = "Can::over(\"personId\", &input.person_id, Right::DevelopMember)")]
    async fn withdraw_qualification(&self, ctx: &Context<'_>, input: WithdrawQualificationInput) -> ApiResult<Person> {
        let cmd = d::WithdrawQualification {
            person_id: uuid("personId", &input.person_id)?,
            effective_on: input.effective_on.0,
            reason: input.reason,
        };
        let key = input.idempotency_key.as_deref();
        let (_, recorded) = run(ctx, key, move |s, now| d::withdraw_qualification(s, cmd, now)).await?;
        Ok(Person::get(ctx, recorded.stream_id))
    }

    #[graphql(guard = "Can::over(\"scopeId\", &scope_id, |u| Right::GrantRole(role.into(), u))")]
    async fn assign_role(&self, ctx: &Context<'_>, person_id: ID, role: Role, scope_id: ID) -> ApiResult<Person> {
        let person = uuid("personId", &person_id)?;
        let scope = uuid("scopeId", &scope_id)?;
        run(ctx, None, move |s, _| d::assign_role(s, person, role.into(), scope)).await?;
        Ok(Person::get(ctx, person))
    }

    #[graphql(guard = "Can::over(\"scopeId\", &scope_id, |u| Right::GrantRole(role.into(), u))")]
    async fn revoke_role(&self, ctx: &Context<'_>, person_id: ID, role: Role, scope_id: ID) -> ApiResult<Person> {
        let person = uuid("personId", &person_id)?;
        let scope = uuid("scopeId", &scope_id)?;
        run(ctx, None, move |s, _| d::revoke_role(s, person, role.into(), scope)).await?;
        Ok(Person::get(ctx, person))
    }
}
