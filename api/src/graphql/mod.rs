//! The GraphQL API (`schema.graphql`): per-area query and mutation objects merged into one
//! schema. Resolvers translate GraphQL to domain calls and nothing more.

mod alerts;
mod assessment;
mod mutation;
mod query;
pub mod scalars;
mod subscription;
mod types;

use crate::app::App;
use crate::auth::Actor;
use crate::error::ApiError;
use async_graphql::{Context, Schema};
use domain::State;

pub use mutation::Mutation;
pub use query::Query;
pub use subscription::Subscription;

pub type BangfuSchema = Schema<Query, Mutation, Subscription>;
pub use alerts::severity_changes;

/// Limits that keep one request from taking the server down. A field costs 1, a page
/// its size times what each item selects, and a computation over a whole scope
/// (assessments, rankings, alerts) [`SCOPE_COST`]: a request may read a few full pages,
/// or run about twenty scope computations, not hundreds of either.
pub const MAX_DEPTH: usize = 16;
pub const MAX_COMPLEXITY: usize = 20_000;
pub const SCOPE_COST: usize = 1_000;
/// The most items a page returns.
pub const MAX_PAGE: usize = 500;
pub const DEFAULT_PAGE: usize = 50;

/// The complexity of a page of `first` items, each costing `child`.
pub(crate) fn page_cost(first: Option<i32>, child: usize) -> usize {
    let items = first.map_or(DEFAULT_PAGE, |n| usize::try_from(n).unwrap_or(0).min(MAX_PAGE));
    items.max(1).saturating_mul(child).saturating_add(1)
}

/// One builder for the server and the SDL export.
pub fn build_schema(app: Option<App>) -> BangfuSchema {
    let builder = Schema::build(Query::default(), Mutation::default(), Subscription::default())
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY);
    match app {
        Some(app) => builder.data(app).finish(),
        None => builder.finish(),
    }
}

/// The SDL `bangfu export-schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    build_schema(None).sdl()
}

pub(crate) fn app<'a>(ctx: &Context<'a>) -> Result<&'a App, ApiError> {
    ctx.data::<App>()
        .map_err(|_| ApiError::Internal("the schema was built without the application".into()))
}

pub(crate) fn actor<'a>(ctx: &Context<'a>) -> Result<&'a Actor, ApiError> {
    ctx.data::<Actor>().map_err(|_| ApiError::Unauthenticated)
}

/// The object behind an id that was resolved a moment ago is gone (it cannot be: nothing
/// is deleted), so this is an internal error.
pub(crate) fn vanished() -> async_graphql::Error {
    ApiError::Internal("an object resolved a moment ago is missing from the state".into()).into()
}

/// Reads one thing from the state.
pub(crate) fn looked_up<T>(ctx: &Context<'_>, f: impl FnOnce(&State) -> Option<T>) -> async_graphql::Result<T> {
    let app = app(ctx)?;
    let state = app.state();
    f(&state).ok_or_else(vanished)
}

/// Cursor paging over ids in a stable order.
pub(crate) fn page<T: Copy + Ord + ToString + std::str::FromStr>(
    mut items: Vec<T>,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<(Vec<T>, types::PageInfo, i32), ApiError> {
    let first = match first {
        None => DEFAULT_PAGE,
        Some(n) if n >= 0 => (n as usize).min(MAX_PAGE),
        Some(_) => return Err(ApiError::bad("first", "must not be negative")),
    };
    items.sort_unstable();
    let total = i32::try_from(items.len()).unwrap_or(i32::MAX);
    let start = match after {
        None => 0,
        Some(cursor) => {
            let cursor: T = cursor
                .parse()
                .map_err(|_| ApiError::bad("after", "is not a cursor from this list"))?;
            items.partition_point(|i| *i <= cursor)
        }
    };
    let rest = &items[start.min(items.len())..];
    let nodes: Vec<T> = rest.iter().take(first).copied().collect();
    let info = types::PageInfo {
        has_next_page: rest.len() > nodes.len(),
        end_cursor: nodes.last().map(|n| n.to_string()),
    };
    Ok((nodes, info, total))
}
