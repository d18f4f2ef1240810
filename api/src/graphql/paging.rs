//! Pages and what they cost: every list is weighed by the most items it can return, so the
//! complexity limit bounds the size of an answer (see the README's limits table).

use crate::error::ApiError;
use async_graphql::ID;

/// Limits that keep one request from taking the server down. A field costs 1; every list
/// costs the most items it can return times what each item selects (a page its `first`,
/// a list bounded by the rules its bound); a computation over a whole scope (assessments,
/// rankings, alerts, and the `people` and `pairings` of a scope, which sort the whole scope
/// whatever page they return) [`SCOPE_COST`] more. So the complexity bounds the answer:
/// 20,000 is a few full pages, or about twenty scope computations, not hundreds of either.
/// What the document itself may hold before any of this is weighed: [`limits`].
pub const MAX_DEPTH: usize = 16;
pub const MAX_COMPLEXITY: usize = 20_000;
pub const SCOPE_COST: usize = 1_000;
/// The most items a page returns.
pub const MAX_PAGE: usize = 500;
/// Items of a connection (`people`, `pairings`, `events`) when `first` is not given.
pub const DEFAULT_PAGE: usize = 50;
/// Items of a list inside an object (a person's thought reports, a pairing's contacts …)
/// when `first` is not given: a year of weekly contacts fits.
pub const DEFAULT_LIST: usize = 100;

/// The items a page of `first` returns (`default` when not given), at most [`MAX_PAGE`].
fn page_items(first: Option<i32>, default: usize) -> usize {
    first.map_or(default, |n| usize::try_from(n).unwrap_or(0).min(MAX_PAGE))
}

/// The complexity of a connection's page of `first` items, each costing `child`.
pub(crate) fn page_cost(first: Option<i32>, child: usize) -> usize {
    bounded_cost(page_items(first, DEFAULT_PAGE), child)
}

/// The complexity of a list field's page of `first` items, each costing `child`.
pub(crate) fn list_cost(first: Option<i32>, child: usize) -> usize {
    bounded_cost(page_items(first, DEFAULT_LIST), child)
}

/// The complexity of a list of at most `items` items, each costing `child` (at least 1:
/// a list of scalars costs its length too).
pub(crate) fn bounded_cost(items: usize, child: usize) -> usize {
    items.max(1).saturating_mul(child.max(1)).saturating_add(1)
}

/// One page of a list that keeps its own order (time order, rank order): the `first`
/// items (default [`DEFAULT_LIST`]) after the one whose id is `after`.
pub(crate) fn list_page<T: Clone>(
    items: &[T],
    id_of: impl Fn(&T) -> String,
    first: Option<i32>,
    after: Option<&ID>,
) -> Result<Vec<T>, ApiError> {
    let first = match first {
        None => DEFAULT_LIST,
        Some(n) if n >= 0 => (n as usize).min(MAX_PAGE),
        Some(_) => return Err(ApiError::bad("first", "must not be negative")),
    };
    let start = match after {
        None => 0,
        Some(cursor) => {
            items
                .iter()
                .position(|item| id_of(item) == cursor.as_str())
                .ok_or_else(|| ApiError::bad("after", "is not the id of an item of this list"))?
                + 1
        }
    };
    Ok(items.iter().skip(start).take(first).cloned().collect())
}

/// What a connection (`PersonConnection`, `PairingConnection`, `EventConnection`) holds
/// beside its edges: how many items the whole list has.
#[derive(async_graphql::SimpleObject)]
pub struct Total {
    pub total_count: i32,
}

/// A Relay connection as async-graphql builds it: `edges { cursor node }`, `nodes`,
/// `pageInfo` with all four fields, and `totalCount`.
pub type Page<T> = async_graphql::connection::Connection<String, T, Total>;

/// Cursor paging over ids in a stable order: the `first` items (default [`DEFAULT_PAGE`])
/// after the cursor `after` (an id of the list; each edge's cursor is its id).
pub(crate) fn page<T, N>(
    mut items: Vec<T>,
    first: Option<i32>,
    after: Option<&str>,
    node: impl Fn(T) -> N,
) -> Result<Page<N>, ApiError>
where
    T: Copy + Ord + ToString + std::str::FromStr,
    N: async_graphql::OutputType,
{
    let first = match first {
        None => DEFAULT_PAGE,
        Some(n) if n >= 0 => (n as usize).min(MAX_PAGE),
        Some(_) => return Err(ApiError::bad("first", "must not be negative")),
    };
    items.sort_unstable();
    let total_count = i32::try_from(items.len()).unwrap_or(i32::MAX);
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
    let taken = rest.len().min(first);
    let mut connection = async_graphql::connection::Connection::with_additional_fields(
        start > 0,
        rest.len() > taken,
        Total { total_count },
    );
    connection.edges.extend(
        rest[..taken]
            .iter()
            .map(|item| async_graphql::connection::Edge::new(item.to_string(), node(*item))),
    );
    Ok(connection)
}
