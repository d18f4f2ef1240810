//! The HTTP shell: routes, authentication of every GraphQL request, the
//! offline GraphiQL page, health, request logs and graceful shutdown.
//!
//! | route | what |
//! |---|---|
//! | `POST /graphql` | a GraphQL request (`application/json`, or `multipart/form-data` carrying one file, the GraphQL multipart request spec); needs `Authorization: Bearer <JWT>` |
//! | `GET /graphql?query=…` | a query (never a mutation: 405); needs the token too |
//! | `GET /graphql` | the GraphiQL page for a browser (no `query`, or `Accept` naming `text/html`; no token needed to load it) |
//! | `GET /graphql` + WebSocket upgrade | subscriptions (`graphql-transport-ws`, also the legacy `graphql-ws`); the token goes in the `connection_init` payload `{"Authorization": "Bearer <JWT>"}` (see [`socket`]) |
//! | `GET /graphiql/{file}` | GraphiQL's scripts and styles, embedded in the binary |
//! | `GET /livez`, `/readyz`, `/healthz`, `/metrics` | the process answers; it is folded and the database answers; the database answers; Prometheus text (see [`operations`]) |
//! | `GET /exports/…` | the archive's files (附件一, 附件二, the archive box), for a bearer token or a signed `?link=` (see [`exports`]) |
//! | `GET /exports/templates/people.xlsx` | the roster template the import reads, for a bearer token (see [`template`]) |
//! | `GET /auth/cas/login`, `GET`/`POST /auth/cas/callback` | CAS sign-in and single logout, when `BANGFU_CAS_URL` is set (see [`crate::signin::cas`]) |
//!
//! Answers follow the GraphQL over HTTP spec (see [`graphql`] and
//! [`negotiate`]): `application/graphql-response+json` when the client asks
//! for it, else `application/json`. Every refusal the shell makes itself is a
//! GraphQL error body with `extensions.code` (see [`errors`]).
//!
//! A request with a missing, malformed, forged, expired or revoked token gets
//! HTTP 401 with `UNAUTHENTICATED` (503 with `UNAVAILABLE` if the CAS session
//! table cannot be read). Tokens are Bangfu's own (HS256) or, with
//! `BANGFU_OIDC_ISSUER`, the school's OIDC provider's (RS256 / ES256, see
//! [`crate::signin::oidc`]).
//!
//! Limits: a body over [`MAX_BODY_BYTES`] ([`MAX_UPLOAD_BODY_BYTES`] for a multipart
//! request, which carries at most [`MAX_UPLOADS`] file) gets 413, a request running longer
//! than the request timeout gets 408, a batch of more than [`MAX_BATCH`]
//! operations is refused with `BAD_INPUT` (field `batch`); depth and
//! complexity are limited by the schema; connections by [`server`]. With
//! `BANGFU_ENV=production`, GraphiQL answers 404 without an administrator's
//! token (`Authorization` header or `?token=`), and introspection is disabled
//! for everyone else, over HTTP and over the WebSocket alike.

mod attachments;
mod errors;
mod exports;
mod graphiql;
mod graphql;
mod negotiate;
mod operations;
mod server;
mod socket;
mod template;

pub use errors::HttpError;
pub use negotiate::MediaType;
pub use server::{MAX_HEAD_BYTES, RESERVED_FILES};
pub use socket::{MAX_OPERATIONS_PER_SOCKET, REVOCATION_CHECK};

use crate::app::App;
use crate::config::{Config, Environment};
use crate::graphql::{BangfuSchema, build_schema};
use crate::signin::oidc::OidcVerifier;
use crate::signin::tls::ExtraRoots;
use crate::signin::{Actor, AuthError, Authenticator, TokenKeys};
use crate::store::EventStore;
use anyhow::Context as _;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use server::{Listening, Stopping};
use socket::{SocketRules, SocketSlots};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tower_http::classify::ServerErrorsFailureClass;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// Largest request body accepted (larger: 413). A page of 100 people's
/// input, or a batch of [`MAX_BATCH`] operations, is a few KiB.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Most operations in one batched GraphQL request.
pub const MAX_BATCH: usize = 20;
/// Largest `multipart/form-data` body of `POST /graphql` (a request carrying a file: a
/// roster of at most 5 MiB, a scan of at most 10 MiB, and the parts around it). It is held in
/// memory while it is read (async-graphql is built without temporary files).
pub const MAX_UPLOAD_BODY_BYTES: usize = 12 * 1024 * 1024;
/// Most files one request carries.
pub const MAX_UPLOADS: usize = 1;
/// Multipart requests read and run at once, server-wide: each holds up to
/// [`MAX_UPLOAD_BODY_BYTES`] (and a copy or two while it is parsed and stored), so many at
/// once could take the machine's memory. One more waits for a turn, within the request
/// timeout.
pub const MAX_UPLOADS_AT_ONCE: usize = 8;

/// What the handlers share.
#[derive(Clone)]
struct HttpState {
    app: App,
    schema: BangfuSchema,
    auth: Authenticator,
    production: bool,
    sockets: SocketRules,
    stopping: Stopping,
    /// Turns for multipart requests ([`MAX_UPLOADS_AT_ONCE`]).
    uploads: Arc<tokio::sync::Semaphore>,
}

impl FromRef<HttpState> for TokenKeys {
    fn from_ref(state: &HttpState) -> TokenKeys {
        state.auth.keys().clone()
    }
}

impl FromRef<HttpState> for Authenticator {
    fn from_ref(state: &HttpState) -> Authenticator {
        state.auth.clone()
    }
}

impl FromRef<HttpState> for BangfuSchema {
    fn from_ref(state: &HttpState) -> BangfuSchema {
        state.schema.clone()
    }
}

/// The verifier of both kinds of token the configuration allows.
pub fn authenticator(
    keys: TokenKeys,
    config: &Config,
    store: &EventStore,
    roots: &ExtraRoots,
) -> anyhow::Result<Authenticator> {
    let oidc = match (&config.oidc_issuer, &config.oidc_audience) {
        (Some(issuer), Some(audience)) => {
            Some(OidcVerifier::new(issuer, audience, roots).context("cannot build the HTTP client for OIDC")?)
        }
        _ => None,
    };
    Ok(Authenticator::new(keys, oidc, store.cas_sessions()))
}

/// The routes of the module docs, with request logs, limits and, when origins
/// are configured, CORS. Sockets close when `stopping` fires.
fn router(
    app: App,
    schema: BangfuSchema,
    auth: Authenticator,
    config: &Config,
    roots: &ExtraRoots,
    stopping: Stopping,
) -> anyhow::Result<Router> {
    let production = config.environment == Environment::Production;
    let cas = match (&config.cas_url, &config.public_url) {
        (Some(cas_url), Some(public_url)) => Some(
            crate::signin::cas::routes(app.clone(), auth.clone(), cas_url, public_url, roots)
                .context("cannot set up the CAS routes")?,
        ),
        _ => None,
    };
    let exports = exports::routes(app.clone(), auth.clone());
    let attachments = attachments::routes(app.clone(), auth.clone());
    let template = template::routes(auth.clone());
    let operations = operations::routes(app.clone(), config);
    let gate = app.clone();
    let state = HttpState {
        app,
        schema,
        auth,
        production,
        sockets: SocketRules {
            init_timeout: config.socket_init_timeout,
            ping_interval: config.socket_ping_interval,
            slots: SocketSlots::new(config.sockets_per_subject),
        },
        stopping,
        uploads: Arc::new(tokio::sync::Semaphore::new(MAX_UPLOADS_AT_ONCE)),
    };
    let mut router = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/graphiql/{file}", get(graphiql::asset))
        .route("/", get(|| async { Redirect::to("/graphql") }))
        .with_state(state)
        .merge(exports)
        .merge(attachments)
        .merge(template)
        .merge(operations);
    if let Some(cas) = cas {
        router = router.merge(cas);
    }
    let router = router
        // Forms and other extractors count a body without a length against the same limit.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            config.request_timeout,
            limit_requests,
        ))
        .layer(axum::middleware::from_fn_with_state(gate, operations::until_ready))
        .layer(axum::middleware::from_fn(operations::count_requests))
        .layer(
            TraceLayer::new_for_http()
                // The path, never the query: GraphiQL's `?token=` must not reach the logs.
                .make_span_with(|request: &axum::http::Request<axum::body::Body>| {
                    // `operation`: the GraphQL operation's name, written in by graphql/telemetry.rs.
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                        operation = tracing::field::Empty
                    )
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO))
                .on_failure(log_failure),
        );
    Ok(match cors_layer(&config.cors_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    })
}

/// A 5xx answer in the log: 503 is what a server says while it folds or while the database
/// is away, and `/readyz` says it to every poll of a load balancer then (the fold and the
/// database's absence are logged once, where they happen), so it is a debug line; any
/// other is an error.
fn log_failure(class: ServerErrorsFailureClass, latency: std::time::Duration, _span: &tracing::Span) {
    let latency_ms = latency.as_millis() as u64;
    match class {
        ServerErrorsFailureClass::StatusCode(status) if status == StatusCode::SERVICE_UNAVAILABLE => {
            tracing::debug!(%status, latency_ms, "unavailable")
        }
        ServerErrorsFailureClass::StatusCode(status) => tracing::error!(%status, latency_ms, "response failed"),
        ServerErrorsFailureClass::Error(error) => tracing::error!(%error, latency_ms, "response failed"),
    }
}

/// Every route's limits, answered as JSON: a declared body over
/// [`MAX_BODY_BYTES`] ([`MAX_UPLOAD_BODY_BYTES`] for a multipart `POST /graphql`) is
/// refused before anything else (413; a body without a length is counted as it is read),
/// and a request running past `timeout` gets 408.
async fn limit_requests(State(timeout): State<Duration>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    // A file goes to `POST /graphql` as multipart, which alone may be larger.
    let upload = request.method() == Method::POST
        && request.uri().path() == "/graphql"
        && negotiate::is_multipart(request.headers());
    let max = if upload { MAX_UPLOAD_BODY_BYTES } else { MAX_BODY_BYTES };
    if declared.is_some_and(|length| length > max as u64) {
        return HttpError::payload_too_large(max).into_response();
    }
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => HttpError::timeout(timeout).into_response(),
    }
}

fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| match HeaderValue::from_str(origin) {
            Ok(value) => Some(value),
            Err(_) => {
                tracing::warn!(origin = %origin, "ignoring a CORS origin that is not a header value");
                None
            }
        })
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT]),
    )
}

/// The extractor's rejection: 401 (503 when sessions cannot be read) with a
/// GraphQL error body and `WWW-Authenticate: Bearer`.
#[derive(Debug)]
pub struct Unauthenticated(pub AuthError);

impl IntoResponse for Unauthenticated {
    fn into_response(self) -> Response {
        let status = match self.0 {
            AuthError::Unavailable => axum::http::StatusCode::SERVICE_UNAVAILABLE,
            _ => axum::http::StatusCode::UNAUTHORIZED,
        };
        HttpError::unauthenticated(status, self.0.code(), self.0.to_string()).into_response()
    }
}

/// The actor of a request's `Authorization` header.
async fn authenticate(auth: &Authenticator, headers: &HeaderMap) -> Result<Actor, Unauthenticated> {
    let header = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(value) => Some(value.to_str().map_err(|_| Unauthenticated(AuthError::Malformed))?),
    };
    auth.verify_header(header).await.map_err(|error| {
        tracing::debug!(reason = %error, "request refused");
        Unauthenticated(error)
    })
}

impl<S> FromRequestParts<S> for Actor
where
    Authenticator: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Unauthenticated;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Actor, Unauthenticated> {
        authenticate(&Authenticator::from_ref(state), &parts.headers).await
    }
}

/// In production only administrators (a bootstrap token, or the ADMIN role
/// anywhere) may introspect the schema; in development everyone may
/// (GraphiQL's completion needs it).
fn introspection_allowed(app: &App, production: bool, actor: &Actor) -> bool {
    !production || domain::access::Caller::new(&app.state(), &actor.subject, actor.admin).administers_something()
}

/// How the fold of the log at start stands.
#[derive(Clone, Debug, PartialEq)]
enum Fold {
    Running,
    Done,
    Failed(String),
}

/// A server started by [`spawn`] or [`spawn_unready`]: stop it with
/// [`ServerHandle::shutdown`]; dropping the handle starts the same shutdown without waiting
/// for it.
pub struct ServerHandle {
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
    fold: watch::Receiver<Fold>,
}

impl ServerHandle {
    /// Stops accepting, lets in-flight requests finish, closes sockets, and waits.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        (&mut self.task).await.context("the server task panicked")??;
        Ok(())
    }

    /// Waits until the log is folded and every route is served; the fold's error if it
    /// failed (the server then stops by itself).
    pub async fn ready(&mut self) -> anyhow::Result<()> {
        let outcome = match self.fold.wait_for(|fold| *fold != Fold::Running).await {
            Ok(outcome) => outcome.clone(),
            Err(_) => anyhow::bail!("the server stopped before the log was folded"),
        };
        match outcome {
            Fold::Failed(error) => anyhow::bail!("{error}"),
            Fold::Done | Fold::Running => Ok(()),
        }
    }
}

/// A bound listener and everything that serves it, before the log is folded.
struct Prepared {
    listener: TcpListener,
    router: Router,
    listening: Listening,
    stop: watch::Sender<bool>,
    app: App,
}

/// Everything before accepting connections: check the config, resolve the signing key,
/// connect and migrate the store, open the app (its state still empty), bind.
async fn prepare(config: &Config) -> anyhow::Result<Prepared> {
    config.validate()?;
    let keys = TokenKeys::from_config(config)?;
    let store = EventStore::connect(&config.database_url)
        .await
        .with_context(|| format!("cannot open the database {}", config.database_url_redacted()))?;
    store.migrate().await.context("cannot migrate the database")?;
    let roots = ExtraRoots::load(config.tls_ca_file.as_deref())?;
    let links = crate::exports::Links::new(keys.links().clone(), config.public_url.as_deref());
    let auth = authenticator(keys, config, &store, &roots)?;
    let app = App::open(store, config.snapshot_policy());
    let schema = build_schema(
        Some(app.clone()),
        Some(links),
        crate::reminders::TargetPolicy::new(&config.reminder_private_hosts),
    );
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let (stop, stopping) = server::stop_signal();
    if config.reminder_schedule {
        let reminders = crate::reminders::Reminders::from_config(app.clone(), config)?;
        let mut stopped = stopping.clone();
        tokio::spawn(crate::reminders::schedule(
            reminders,
            async move { stopped.wait().await },
        ));
    }
    Ok(Prepared {
        listener,
        router: router(app.clone(), schema, auth, config, &roots, stopping)?,
        listening: Listening {
            header_read_timeout: config.header_read_timeout,
            max_connections: config.max_connections,
        },
        stop,
        app,
    })
}

/// Serves until `signal`, folding the log once `hold` resolves; a failed fold stops the
/// server and is its error. The receiver tells how the fold stands.
fn run(
    prepared: Prepared,
    hold: impl Future<Output = ()> + Send + 'static,
    signal: impl Future<Output = ()> + Send + 'static,
) -> (watch::Receiver<Fold>, impl Future<Output = anyhow::Result<()>>) {
    let Prepared {
        listener,
        router,
        listening,
        stop,
        app,
    } = prepared;
    let (fold_tx, fold_rx) = watch::channel(Fold::Running);
    let mut failed = fold_rx.clone();
    let outcome = fold_rx.clone();
    let running = async move {
        let folding = tokio::spawn(async move {
            hold.await;
            let fold = match app.fold().await {
                Ok(()) => Fold::Done,
                Err(error) => {
                    tracing::error!(error = %format!("{error:#}"), "cannot start the application: stopping");
                    Fold::Failed(format!("cannot start the application: {error:#}"))
                }
            };
            fold_tx.send_replace(fold);
        });
        let stop_when = async move {
            tokio::select! {
                () = signal => {}
                () = async move {
                    // Err: the fold finished without failing (its sender is gone): never.
                    let ended = failed.wait_for(|fold| matches!(fold, Fold::Failed(_))).await.is_err();
                    if ended {
                        std::future::pending::<()>().await;
                    }
                } => {}
            }
        };
        let served = server::run(listener, router, listening, stop, stop_when).await;
        folding.abort();
        served?;
        if let Fold::Failed(error) = &*outcome.borrow() {
            anyhow::bail!("{error}");
        }
        Ok(())
    };
    (fold_rx, running)
}

/// Starts the server in this process (tests bind port 0) and returns once it listens and
/// the log is folded: the address and a handle to stop it.
pub async fn spawn(config: Config) -> anyhow::Result<(SocketAddr, ServerHandle)> {
    let (addr, mut handle) = spawn_unready(config, std::future::ready(())).await?;
    handle.ready().await?;
    Ok((addr, handle))
}

/// Starts the server in this process and returns as soon as it listens, before the log is
/// folded (`/livez` answers, `/readyz` is 503): the fold begins when `hold` resolves (tests
/// hold it to look at a server that is not ready). [`ServerHandle::ready`] waits for it.
pub async fn spawn_unready(
    config: Config,
    hold: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<(SocketAddr, ServerHandle)> {
    let prepared = prepare(&config).await?;
    let addr = prepared.listener.local_addr()?;
    tracing::info!("listening on {addr}");
    let (tx, rx) = oneshot::channel::<()>();
    let (fold, running) = run(prepared, hold, async move {
        let _ = rx.await;
    });
    let task = tokio::spawn(running);
    Ok((
        addr,
        ServerHandle {
            shutdown: Some(tx),
            task,
            fold,
        },
    ))
}

/// `bangfu serve`: listens at once (`/livez`, `/readyz` answer while the log is folded),
/// runs until SIGTERM or Ctrl-C, then drains and returns.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let prepared = prepare(&config).await?;
    let addr = prepared.listener.local_addr()?;
    tracing::info!(
        database = %config.database_url_redacted(),
        "listening on {addr}; GraphiQL at http://{addr}/graphql (ready once the log is folded: /readyz)"
    );
    let (_fold, running) = run(prepared, std::future::ready(()), shutdown_signal());
    running.await?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C: shutting down"),
        () = terminate => tracing::info!("SIGTERM: shutting down"),
    }
}
