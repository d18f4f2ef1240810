//! What load balancers, orchestrators and Prometheus ask (docs/operations.md):
//!
//! | route | answers |
//! |---|---|
//! | `GET /livez` | `200 ok` whenever the process answers at all |
//! | `GET /readyz` | `200 ready` once the log is folded and the database answers; `503` before (`folding the log`) and while the database does not answer |
//! | `GET /healthz` | `200 ok` when the database answers, else `503` (folded or not) |
//! | `GET /metrics` | Prometheus text; a bearer token with `BANGFU_METRICS_TOKEN`, else open in development and 404 in production |
//!
//! Until the log is folded every other route but GraphiQL's files answers `503`
//! `UNAVAILABLE` with `Retry-After: 1` ([`until_ready`]): the state is still partial. Every
//! request is counted by route template and status class ([`count_requests`]).

use super::HttpError;
use crate::app::App;
use crate::config::{Config, Environment, Secret};
use crate::telemetry::{FOLLOWER_LAG, HTTP_REQUESTS, LOG_POSITION, READY};
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use sha2::{Digest, Sha256};

/// Paths served before the log is folded.
const SERVED_WHILE_FOLDING: &[&str] = &["/livez", "/readyz", "/healthz", "/metrics"];

/// Who may read `/metrics`.
#[derive(Clone)]
enum MetricsAccess {
    Open,
    Token(Secret),
    Off,
}

#[derive(Clone)]
struct Operations {
    app: App,
    metrics: Option<PrometheusHandle>,
    access: MetricsAccess,
}

/// The routes of the module docs.
pub fn routes(app: App, config: &Config) -> Router {
    let access = match (&config.metrics_token, config.environment) {
        (Some(token), _) => MetricsAccess::Token(token.clone()),
        (None, Environment::Development) => MetricsAccess::Open,
        (None, Environment::Production) => {
            tracing::info!("/metrics is off: set BANGFU_METRICS_TOKEN to scrape it in production");
            MetricsAccess::Off
        }
    };
    let state = Operations {
        app,
        metrics: crate::telemetry::prometheus(),
        access,
    };
    Router::new()
        .route("/livez", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

async fn readyz(State(ops): State<Operations>) -> Response {
    if !ops.app.is_ready() {
        return (StatusCode::SERVICE_UNAVAILABLE, "folding the log").into_response();
    }
    if !ops.app.takes_commands() {
        return (StatusCode::SERVICE_UNAVAILABLE, "the command writer has stopped").into_response();
    }
    match ops.app.store().ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(error) => {
            tracing::warn!(error = %error, "readiness: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn healthz(State(ops): State<Operations>) -> Response {
    match ops.app.store().ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(error) => {
            tracing::warn!(error = %error, "health check: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Sets the gauges read from the app (position, lag, readiness), then renders every metric.
async fn metrics(State(ops): State<Operations>, headers: HeaderMap) -> Response {
    match &ops.access {
        MetricsAccess::Open => {}
        MetricsAccess::Off => return HttpError::not_found("no such page").into_response(),
        MetricsAccess::Token(token) => {
            if !bearer_matches(&headers, token) {
                return HttpError::unauthenticated(
                    StatusCode::UNAUTHORIZED,
                    "UNAUTHENTICATED",
                    "/metrics needs the bearer token BANGFU_METRICS_TOKEN",
                )
                .into_response();
            }
        }
    }
    let Some(handle) = &ops.metrics else {
        return (StatusCode::OK, "").into_response();
    };
    let position = ops.app.state().position();
    metrics::gauge!(LOG_POSITION).set(position as f64);
    metrics::gauge!(READY).set(if ops.app.is_ready() { 1.0 } else { 0.0 });
    // One indexed MAX per scrape: what the database holds beyond what this instance applied.
    match ops.app.store().head().await {
        Ok(head) => metrics::gauge!(FOLLOWER_LAG).set(head.saturating_sub(position) as f64),
        Err(error) => tracing::warn!(error = %error, "metrics: cannot read the log's head"),
    }
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        handle.render(),
    )
        .into_response()
}

/// The header carries `Bearer <token>`; compared as digests, so the time taken does not
/// tell how much of a guess was right.
fn bearer_matches(headers: &HeaderMap, token: &Secret) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
    else {
        return false;
    };
    Sha256::digest(given.trim().as_bytes()) == Sha256::digest(token.expose().as_bytes())
}

/// Answers 503 `UNAVAILABLE` to everything but [`SERVED_WHILE_FOLDING`] and GraphiQL's
/// files until the app is ready.
pub async fn until_ready(State(app): State<App>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if app.is_ready() || SERVED_WHILE_FOLDING.contains(&path) || path.starts_with("/graphiql/") {
        return next.run(request).await;
    }
    HttpError::unavailable("the server is starting: the log is being folded; try again in a moment").into_response()
}

/// Counts each answer in [`HTTP_REQUESTS`] by route template (`other` when no route
/// matched, so a scan of random paths adds no series) and status class.
pub async fn count_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "other".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let status = match response.status().as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    metrics::counter!(HTTP_REQUESTS, "route" => route, "status" => status).increment(1);
    response
}
