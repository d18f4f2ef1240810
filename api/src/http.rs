//! The HTTP shell: routes, authentication of every GraphQL request, the
//! offline GraphiQL page, health, request logs and graceful shutdown.
//!
//! | route | what |
//! |---|---|
//! | `POST /graphql` | a GraphQL request; needs `Authorization: Bearer <JWT>` |
//! | `GET /graphql` | the GraphiQL page (no token needed to load it) |
//! | `GET /graphql` + WebSocket upgrade | subscriptions (`graphql-transport-ws`, also the legacy `graphql-ws`); the token goes in the `connection_init` payload `{"Authorization": "Bearer <JWT>"}` |
//! | `GET /graphiql/{file}` | GraphiQL's scripts and styles, embedded in the binary |
//! | `GET /healthz` | `200 ok` when the database answers, else `503` |
//!
//! | `GET /auth/cas/login`, `GET`/`POST /auth/cas/callback` | CAS sign-in and single logout, when `BANGFU_CAS_URL` is set (see [`crate::cas`]) |
//!
//! A request to `POST /graphql` with a missing, malformed, forged, expired or
//! revoked token gets HTTP 401 with a GraphQL error body:
//! `{"errors":[{"message":"…","extensions":{"code":"UNAUTHENTICATED"}}]}`
//! (503 with `UNAVAILABLE` if the CAS session table cannot be read).
//! Tokens are Bangfu's own (HS256) or, with `BANGFU_OIDC_ISSUER`, the school's
//! OIDC provider's (RS256 / ES256, see [`crate::oidc`]).
//!
//! Limits: a body over [`MAX_BODY_BYTES`] gets 413, a request running longer
//! than [`REQUEST_TIMEOUT`] gets 408, a batch of more than [`MAX_BATCH`]
//! operations is refused with `BAD_INPUT` (field `batch`); depth and
//! complexity are limited by the schema. With `BANGFU_ENV=production`,
//! GraphiQL answers 404 without an administrator's token (`Authorization`
//! header or `?token=`), and introspection is disabled for everyone else,
//! over HTTP and over the WebSocket alike.

use crate::access::Caller;
use crate::app::App;
use crate::auth::{Actor, AuthError, Authenticator, Session, TokenKeys, bearer};
use crate::config::{Config, Environment};
use crate::graphql::{BangfuSchema, build_schema};
use crate::oidc::OidcVerifier;
use crate::store::EventStore;
use crate::tls::ExtraRoots;
use anyhow::Context as _;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::{BatchRequest, BatchResponse};
use async_graphql::{Data, ErrorExtensions as _, Executor};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLProtocol, GraphQLResponse, GraphQLWebSocket};
use axum::Router;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{FromRef, FromRequestParts, Path, RawQuery, State, WebSocketUpgrade};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use futures_util::StreamExt as _;
use futures_util::stream::BoxStream;
use std::any::TypeId;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// Largest request body accepted (larger: 413).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Longest a request may run (longer: 408).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Most operations in one batched GraphQL request.
pub const MAX_BATCH: usize = 20;

/// What the handlers share.
#[derive(Clone)]
struct HttpState {
    app: App,
    schema: BangfuSchema,
    auth: Authenticator,
    production: bool,
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
/// are configured, CORS.
pub fn router(
    app: App,
    schema: BangfuSchema,
    auth: Authenticator,
    config: &Config,
    roots: &ExtraRoots,
) -> anyhow::Result<Router> {
    let production = config.environment == Environment::Production;
    let cas = match (&config.cas_url, &config.public_url) {
        (Some(cas_url), Some(public_url)) => Some(
            crate::cas::routes(app.clone(), auth.clone(), cas_url, public_url, roots)
                .context("cannot build the HTTP client for CAS")?,
        ),
        _ => None,
    };
    let state = HttpState {
        app,
        schema,
        auth,
        production,
    };
    let mut router = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphiql/{file}", get(graphiql_asset))
        .route("/healthz", get(healthz))
        .route("/", get(|| async { Redirect::to("/graphql") }))
        .with_state(state);
    if let Some(cas) = cas {
        router = router.merge(cas);
    }
    let router = router
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(
            TraceLayer::new_for_http()
                // The path, never the query: GraphiQL's `?token=` must not reach the logs.
                .make_span_with(|request: &axum::http::Request<axum::body::Body>| {
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        );
    Ok(match cors_layer(&config.cors_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    })
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
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]),
    )
}

/// The extractor's rejection: 401 with a GraphQL error body.
#[derive(Debug)]
pub struct Unauthenticated(pub AuthError);

impl IntoResponse for Unauthenticated {
    fn into_response(self) -> Response {
        let status = match self.0 {
            AuthError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        };
        let body = serde_json::json!({
            "errors": [{
                "message": self.0.to_string(),
                "extensions": { "code": self.0.code() },
            }]
        });
        (
            status,
            [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))],
            axum::Json(body),
        )
            .into_response()
    }
}

impl<S> FromRequestParts<S> for Actor
where
    Authenticator: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Unauthenticated;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Actor, Unauthenticated> {
        let auth = Authenticator::from_ref(state);
        let header = match parts.headers.get(header::AUTHORIZATION) {
            None => None,
            Some(value) => Some(value.to_str().map_err(|_| Unauthenticated(AuthError::Malformed))?),
        };
        auth.verify_header(header).await.map_err(|error| {
            tracing::debug!(reason = %error, "request refused");
            Unauthenticated(error)
        })
    }
}

async fn graphql_post(State(state): State<HttpState>, actor: Actor, request: GraphQLBatchRequest) -> Response {
    let mut request = request.into_inner();
    if let BatchRequest::Batch(operations) = &request
        && operations.len() > MAX_BATCH
    {
        let body = serde_json::json!({
            "errors": [{
                "message": format!(
                    "batch: at most {MAX_BATCH} operations per request (this one has {})",
                    operations.len()
                ),
                "extensions": { "code": "BAD_INPUT", "field": "batch" },
            }]
        });
        return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
    }
    if !introspection_allowed(&state.app, state.production, &actor) {
        request = request.disable_introspection();
    }
    let response: BatchResponse = state.schema.execute_batch(request.data(actor)).await;
    GraphQLResponse::from(response).into_response()
}

impl FromRef<HttpState> for BangfuSchema {
    fn from_ref(state: &HttpState) -> BangfuSchema {
        state.schema.clone()
    }
}

/// GraphiQL for a browser; subscriptions for a WebSocket upgrade.
async fn graphql_get(
    State(state): State<HttpState>,
    RawQuery(query): RawQuery,
    headers: axum::http::HeaderMap,
    protocol: Result<GraphQLProtocol, StatusCode>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(_) if state.production => {
            return if admin_for_graphiql(&state, query.as_deref(), &headers).await {
                graphiql_page()
            } else {
                (StatusCode::NOT_FOUND, "not found").into_response()
            };
        }
        Err(_) => return graphiql_page(),
    };
    let Ok(protocol) = protocol else {
        return (
            StatusCode::BAD_REQUEST,
            "unsupported WebSocket subprotocol: use graphql-transport-ws",
        )
            .into_response();
    };
    let HttpState {
        app,
        schema,
        auth,
        production,
    } = state;
    let executor = SocketExecutor {
        app,
        schema,
        auth: auth.clone(),
        production,
    };
    upgrade.protocols(ALL_WEBSOCKET_PROTOCOLS).on_upgrade(move |socket| {
        GraphQLWebSocket::new(socket, executor, protocol)
            .on_connection_init(move |payload| async move { connection_init(&auth, &payload).await })
            .serve()
    })
}

/// In production only administrators (a bootstrap token, or the ADMIN role
/// anywhere) may introspect the schema; in development everyone may
/// (GraphiQL's completion needs it).
fn introspection_allowed(app: &App, production: bool, actor: &Actor) -> bool {
    !production || Caller::new(&app.state(), actor).administers_something()
}

/// The schema as a WebSocket executes it: every operation on the socket
/// gets the same introspection rule as `POST /graphql`, judged by the actor
/// of the socket's `connection_init`.
#[derive(Clone)]
struct SocketExecutor {
    app: App,
    schema: BangfuSchema,
    auth: Authenticator,
    production: bool,
}

impl Executor for SocketExecutor {
    async fn execute(&self, request: async_graphql::Request) -> async_graphql::Response {
        // Sockets run everything through `execute_stream`; without its actor,
        // a request here gets the stricter rule.
        let request = if self.production {
            request.disable_introspection()
        } else {
            request
        };
        self.schema.execute(request).await
    }

    fn execute_stream(
        &self,
        request: async_graphql::Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, async_graphql::Response> {
        let actor = session_data
            .as_deref()
            .and_then(|data| data.get(&TypeId::of::<Actor>()))
            .and_then(|actor| actor.downcast_ref::<Actor>());
        let allowed = actor.is_some_and(|actor| introspection_allowed(&self.app, self.production, actor));
        let request = if allowed {
            request
        } else {
            request.disable_introspection()
        };
        let session = session_data
            .as_deref()
            .and_then(|data| data.get(&TypeId::of::<Session>()))
            .and_then(|session| session.downcast_ref::<Session>())
            .cloned();
        let Some(session) = session else {
            // `connection_init` stores the session of every socket it admits.
            return Executor::execute_stream(&self.schema, request, session_data);
        };
        let (schema, auth) = (self.schema.clone(), self.auth.clone());
        // The token is checked again before each operation runs (an open socket outlives
        // neither its token's expiry nor a single logout), then watched while it runs.
        futures_util::stream::once(async move {
            match auth.check(&session).await {
                Ok(()) => Executor::execute_stream(&schema, request, session_data)
                    .take_until(session_ends(auth, session))
                    .boxed(),
                Err(error) => {
                    let code = error.code();
                    let refusal = async_graphql::Error::new(error.to_string())
                        .extend_with(|_, extensions| extensions.set("code", code))
                        .into_server_error(async_graphql::Pos::default());
                    futures_util::stream::once(async move { async_graphql::Response::from_errors(vec![refusal]) })
                        .boxed()
                }
            }
        })
        .flatten()
        .boxed()
    }
}

/// How often a running subscription checks that its token still holds.
pub const REVOCATION_CHECK: Duration = Duration::from_secs(10);

/// Resolves once the session's token no longer holds: signed out by a single logout,
/// expired, or not checkable (a table that cannot be read). Checked every
/// [`REVOCATION_CHECK`].
async fn session_ends(auth: Authenticator, session: Session) {
    loop {
        tokio::time::sleep(REVOCATION_CHECK).await;
        if let Err(error) = auth.check(&session).await {
            tracing::info!(reason = %error, "a subscription's session ended: completing it");
            return;
        }
    }
}

/// In production, whether a GraphiQL page request carries an administrator's
/// token, in the `Authorization` header or as `?token=`.
async fn admin_for_graphiql(state: &HttpState, query: Option<&str>, headers: &axum::http::HeaderMap) -> bool {
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| bearer(Some(value)).ok())
        .map(str::to_owned);
    let from_query = query.and_then(|query| {
        query.split('&').find_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            (name == "token" && !value.is_empty()).then(|| value.to_owned())
        })
    });
    match from_header.or(from_query) {
        Some(token) => match state.auth.verify(&token).await {
            Ok(actor) => Caller::new(&state.app.state(), &actor).administers_something(),
            Err(_) => false,
        },
        None => false,
    }
}

/// Authenticates a WebSocket from its `connection_init` payload
/// (`{"Authorization": "Bearer <JWT>"}`); an error closes the connection.
async fn connection_init(auth: &Authenticator, payload: &serde_json::Value) -> async_graphql::Result<Data> {
    let header = ["Authorization", "authorization"]
        .iter()
        .find_map(|name| payload.get(name))
        .and_then(serde_json::Value::as_str);
    let verified = match bearer(header) {
        Ok(token) => auth.verify_session(token).await,
        Err(error) => Err(error),
    };
    match verified {
        Ok((actor, session)) => {
            let mut data = Data::default();
            data.insert(actor);
            data.insert(session);
            Ok(data)
        }
        Err(error) => {
            tracing::debug!(reason = %error, "subscription refused");
            let code = error.code();
            Err(async_graphql::Error::new(error.to_string()).extend_with(|_, extensions| extensions.set("code", code)))
        }
    }
}

/// Everything the page loads comes from this server; the policy makes the
/// browser hold it to that.
const GRAPHIQL_CSP: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
    connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

fn graphiql_page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, GRAPHIQL_CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        include_str!("../assets/graphiql/index.html"),
    )
        .into_response()
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// GraphiQL's files, embedded: `(name, content type, body)`.
static ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "graphiql.min.js",
        JS,
        include_bytes!("../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        CSS,
        include_bytes!("../assets/graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        JS,
        include_bytes!("../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        JS,
        include_bytes!("../assets/graphiql/react-dom.production.min.js"),
    ),
    (
        "bangfu-graphiql.js",
        JS,
        include_bytes!("../assets/graphiql/bangfu-graphiql.js"),
    ),
    (
        "bangfu-graphiql.css",
        CSS,
        include_bytes!("../assets/graphiql/bangfu-graphiql.css"),
    ),
    (
        "LICENSE-graphiql.txt",
        TEXT,
        include_bytes!("../assets/graphiql/LICENSE-graphiql.txt"),
    ),
    (
        "LICENSE-react.txt",
        TEXT,
        include_bytes!("../assets/graphiql/LICENSE-react.txt"),
    ),
    (
        "LICENSE-react-dom.txt",
        TEXT,
        include_bytes!("../assets/graphiql/LICENSE-react-dom.txt"),
    ),
];

async fn graphiql_asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such GraphiQL asset").into_response(),
    }
}

async fn healthz(State(state): State<HttpState>) -> Response {
    match state.app.store().ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(error) => {
            tracing::warn!(error = %error, "health check: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// A server started by [`spawn`]: stop it with [`ServerHandle::shutdown`];
/// dropping the handle leaves it running until the runtime ends.
pub struct ServerHandle {
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl ServerHandle {
    /// Stops accepting, lets in-flight requests finish, and waits.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        (&mut self.task).await.context("the server task panicked")??;
        Ok(())
    }
}

/// Everything before accepting connections: check the config, resolve the
/// signing key, connect and migrate the store, start the app, bind.
async fn prepare(config: &Config) -> anyhow::Result<(TcpListener, Router)> {
    config.validate()?;
    let keys = TokenKeys::from_config(config)?;
    let store = EventStore::connect(&config.database_url)
        .await
        .with_context(|| format!("cannot open the database {}", config.database_url_redacted()))?;
    store.migrate().await.context("cannot migrate the database")?;
    let roots = ExtraRoots::load(config.tls_ca_file.as_deref())?;
    let auth = authenticator(keys, config, &store, &roots)?;
    let app = App::start(store).await.context("cannot start the application")?;
    let schema = build_schema(Some(app.clone()));
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    Ok((listener, router(app, schema, auth, config, &roots)?))
}

async fn run(
    listener: TcpListener,
    router: Router,
    signal: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt as _;
    // Answers leave at once rather than wait on Nagle's algorithm for an ACK.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, router).with_graceful_shutdown(signal).await
}

/// Starts the server in this process (tests bind port 0): returns the address
/// it listens on and a handle to stop it.
pub async fn spawn(config: Config) -> anyhow::Result<(SocketAddr, ServerHandle)> {
    let (listener, router) = prepare(&config).await?;
    let addr = listener.local_addr()?;
    tracing::info!("listening on {addr}");
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(run(listener, router, async move {
        let _ = rx.await;
    }));
    Ok((
        addr,
        ServerHandle {
            shutdown: Some(tx),
            task,
        },
    ))
}

/// `bangfu serve`: runs until SIGTERM or Ctrl-C, then drains and returns.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let (listener, router) = prepare(&config).await?;
    let addr = listener.local_addr()?;
    tracing::info!(
        database = %config.database_url_redacted(),
        "listening on {addr}; GraphiQL at http://{addr}/graphql"
    );
    run(listener, router, shutdown_signal()).await?;
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
