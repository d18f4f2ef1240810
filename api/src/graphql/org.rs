//! The organisation: the school, its colleges, branches, party groups, classes and League
//! branches (组织架构), as a tree. Anyone signed in may read the tree; the college
//! committee shapes it below its college, administrators anywhere.

use super::OrgUnit;
use super::context::{looked_up, run};
use super::guard::{Can, Right};
use super::paging::list_page;
use super::scalars::{self, OrgUnitKind, uuid};
use crate::error::ApiResult;
use async_graphql::{Context, ID, InputObject, Object};
use domain::decide as d;
use uuid::Uuid;

/// A unit's own fields (the `OrgUnit` type).
pub struct OrgUnitFields(pub(super) Uuid);

#[Object]
impl OrgUnitFields {
    async fn id(&self) -> ID {
        scalars::id(self.0)
    }
    async fn kind(&self, ctx: &Context<'_>) -> ApiResult<OrgUnitKind> {
        looked_up(ctx, |s| s.org_unit(self.0).map(|u| u.kind.into()))
    }
    async fn name(&self, ctx: &Context<'_>) -> ApiResult<String> {
        looked_up(ctx, |s| s.org_unit(self.0).map(|u| u.name.clone()))
    }
    async fn parent(&self, ctx: &Context<'_>) -> ApiResult<Option<OrgUnit>> {
        looked_up(ctx, |s| s.org_unit(self.0).map(|u| u.parent_id.map(OrgUnit::new)))
    }
    /// In the order they were created; a page of `first` (default 100, at most 500) after
    /// the child whose id is `after`.
    #[graphql(complexity = "super::paging::list_cost(first, child_complexity)")]
    async fn children(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<ID>) -> ApiResult<Vec<OrgUnit>> {
        let page = looked_up(ctx, |s| {
            s.org_unit(self.0)
                .map(|u| list_page(&u.children, Uuid::to_string, first, after.as_ref()))
        })??;
        Ok(page.into_iter().map(OrgUnit::new).collect())
    }
    /// A link to the unit's statistics for a period, as an XLSX sheet (see `statistics`).
    /// Opens without a token for 10 minutes, for the caller only.
    #[graphql(guard = "Can::over(\"id\", &scalars::id(self.0), Right::ReadScope)")]
    async fn statistics_url(&self, ctx: &Context<'_>, period: String) -> ApiResult<String> {
        let period = super::context::period(&period)?;
        Ok(super::context::links(ctx)?.statistics(super::context::actor(ctx)?, self.0, period))
    }
    /// A link to the unit's archive box (档案盒) for a period, as a ZIP: every pairing's
    /// 附件一 and the 附件二 of everyone key-target-100 assesses (the route takes `rubric=`).
    /// Opens without a token for 10 minutes, for the caller only.
    #[graphql(guard = "Can::over(\"id\", &scalars::id(self.0), Right::ReadScope)")]
    async fn archive_url(&self, ctx: &Context<'_>, period: String) -> ApiResult<String> {
        let period = super::context::period(&period)?;
        Ok(super::context::links(ctx)?.archive(super::context::actor(ctx)?, self.0, period))
    }
}

#[derive(Default)]
pub struct OrgQuery;

#[Object]
impl OrgQuery {
    async fn org_unit(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<OrgUnit>> {
        let id = uuid("id", &id)?;
        let app = super::context::app(ctx)?;
        let known = app.state().org_unit(id).is_some();
        Ok(known.then(|| OrgUnit::new(id)))
    }
}

#[derive(InputObject)]
pub struct CreateOrgUnitInput {
    pub kind: OrgUnitKind,
    pub name: String,
    pub parent_id: Option<ID>,
    pub idempotency_key: Option<String>,
}

#[derive(Default)]
pub struct OrgMutation;

#[Object]
impl OrgMutation {
    #[graphql(guard = "Can::maybe(\"parentId\", &input.parent_id, Right::ShapeOrg)")]
    async fn create_org_unit(&self, ctx: &Context<'_>, input: CreateOrgUnitInput) -> ApiResult<OrgUnit> {
        let parent_id = input.parent_id.as_ref().map(|p| uuid("parentId", p)).transpose()?;
        let cmd = d::CreateOrgUnit {
            id: Uuid::now_v7(),
            kind: input.kind.into(),
            name: input.name,
            parent_id,
        };
        let (_, recorded) = run(ctx, input.idempotency_key.as_deref(), move |s, _| {
            d::create_org_unit(s, cmd)
        })
        .await?;
        Ok(OrgUnit::new(recorded.stream_id))
    }
}
