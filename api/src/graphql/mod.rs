//! The GraphQL schema. (skeleton: being written by the lead; `build_schema` and `sdl` are stable)

use crate::app::App;
use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};

pub struct Query;

#[Object]
impl Query {
    async fn ping(&self) -> bool {
        true
    }
}

pub type BangfuSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// One builder for the server and the SDL export.
pub fn build_schema(app: Option<App>) -> BangfuSchema {
    let builder = Schema::build(Query, EmptyMutation, EmptySubscription);
    match app {
        Some(app) => builder.data(app).finish(),
        None => builder.finish(),
    }
}

/// The SDL `bangfu export-schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    build_schema(None).sdl()
}
