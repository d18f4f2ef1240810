//! One tracing span and one duration sample per GraphQL operation.
//!
//! The span `graphql` (field `operation`) wraps the operation's execution, so what its
//! resolvers log and the store's append spans sit inside it; the operation's name is also
//! written into the HTTP request's span (`request`, field `operation`), so the request's
//! log line says which operation it ran. The duration goes to
//! [`crate::telemetry::GRAPHQL_DURATION`] with the name as a bounded label
//! ([`crate::telemetry::OperationLabels`]).

use crate::telemetry::{GRAPHQL_DURATION, OperationLabels};
use async_graphql::Response;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use std::sync::Arc;
use tracing::Instrument as _;

/// The extension; it keeps nothing per request.
pub struct Telemetry;

impl ExtensionFactory for Telemetry {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Telemetry)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Telemetry {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let label = OperationLabels::global().label(operation_name);
        tracing::Span::current().record("operation", label.as_str());
        let span = tracing::info_span!("graphql", operation = %label);
        let started = std::time::Instant::now();
        let response = next.run(ctx, operation_name).instrument(span).await;
        metrics::histogram!(GRAPHQL_DURATION, "operation" => label).record(started.elapsed().as_secs_f64());
        response
    }
}
