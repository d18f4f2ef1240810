//! The rights matrix at the GraphQL edge: a field guard ([`Can`]) and [`require`], thin
//! adapters over the pure matrix in [`domain::access`] (what may be done is decided there
//! and only there, and tested there row by row).

use crate::error::ApiError;
pub use domain::access::{Caller, Right, right_to_record};
use uuid::Uuid;

/// The caller of this request as the rights see them.
pub fn caller<'a>(state: &'a domain::State, actor: &crate::signin::Actor) -> Caller<'a> {
    Caller::new(state, &actor.subject, actor.admin)
}

/// A field guard: the caller must have every one of the rights
/// (`#[graphql(guard = "Can::over(\"personId\", &input.person_id, Right::RecordFor)")]`).
pub struct Can(pub Result<Vec<Right>, ApiError>);

impl Can {
    pub fn new(right: Right) -> Can {
        Can(Ok(vec![right]))
    }

    /// A right over an id argument, parsed here so a bad id is bad input on that field.
    pub fn over(field: &str, id: &async_graphql::ID, right: impl Fn(Uuid) -> Right) -> Can {
        Can(super::scalars::uuid(field, id).map(|id| vec![right(id)]))
    }

    /// The right over each of several ids. No ids is bad input, never "no right needed":
    /// a mutation with an empty set of targets would otherwise run unchecked.
    pub fn each(field: &str, ids: &[async_graphql::ID], right: impl Fn(Uuid) -> Right) -> Can {
        if ids.is_empty() {
            return Can(Err(ApiError::bad(field, "name at least one")));
        }
        Can(super::scalars::uuids(field, ids).map(|ids| ids.into_iter().map(&right).collect()))
    }

    /// A right over a unit, when a scope is given.
    pub fn scope(field: &str, id: &Option<async_graphql::ID>) -> Can {
        match id {
            None => Can(Ok(vec![])),
            Some(id) => Can::over(field, id, Right::ReadScope),
        }
    }

    /// A right over an optional id argument.
    pub fn maybe(field: &str, id: &Option<async_graphql::ID>, right: impl Fn(Option<Uuid>) -> Right) -> Can {
        Can(id
            .as_ref()
            .map(|id| super::scalars::uuid(field, id))
            .transpose()
            .map(|id| vec![right(id)]))
    }
}

impl async_graphql::Guard for Can {
    async fn check(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<()> {
        for right in self.0.clone()? {
            require(ctx, right)?;
        }
        Ok(())
    }
}

/// The caller of this request must have `right` (for the few checks that need what a
/// guard cannot see first, such as the event a retraction names).
pub fn require(ctx: &async_graphql::Context<'_>, right: Right) -> Result<(), ApiError> {
    let actor = super::context::actor(ctx)?;
    let app = super::context::app(ctx)?;
    let state = app.state();
    Ok(caller(&state, actor).check(right)?)
}
