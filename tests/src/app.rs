//! A Bangfu server in this process for one test: port 0, its own database,
//! its own signing key.
//!
//! ```text
//! let db = tests::fresh_sqlite().await;
//! let app = tests::app::spawn_app(&db.url).await;
//! let body = app.graphql("{ __typename }", serde_json::json!({})).await;
//! ```

use api::auth::TokenKeys;
use api::config::{Config, Secret};
use api::http::ServerHandle;
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    /// Where it listens (127.0.0.1 and a free port).
    pub addr: SocketAddr,
    /// The configuration it was started with (kept for [`TestApp::restart`]).
    pub config: Config,
    /// Keys that sign tokens this server accepts.
    pub keys: TokenKeys,
    pub client: reqwest::Client,
    server: Option<ServerHandle>,
}

/// The configuration [`spawn_app`] uses: the given database, port 0 and a
/// fresh random key.
pub fn test_config(db_url: &str) -> Config {
    let mut config = Config::new(db_url);
    config.bind = SocketAddr::from(([127, 0, 0, 1], 0));
    config.jwt_secret = Some(Secret::new(format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )));
    config
}

/// Starts a server on `db_url` (migrated on start) with a fresh key.
pub async fn spawn_app(db_url: &str) -> TestApp {
    spawn_app_with(test_config(db_url)).await
}

/// Starts a server with the given configuration; `bind` should use port 0.
pub async fn spawn_app_with(config: Config) -> TestApp {
    let keys = TokenKeys::from_config(&config).expect("resolve the signing key");
    let (addr, server) = api::http::spawn(config.clone()).await.expect("start the server");
    let client = crate::http_client()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("build the HTTP client");
    TestApp {
        addr,
        config,
        keys,
        client,
        server: Some(server),
    }
}

impl TestApp {
    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `ws://127.0.0.1:PORT/graphql`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/graphql", self.addr)
    }

    /// A token for `subject`, valid for an hour.
    pub fn token(&self, subject: &str, admin: bool) -> String {
        self.keys.mint(subject, admin, Duration::from_secs(3_600))
    }

    /// Runs a GraphQL request as the administrator `admin`; returns the body.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let token = self.token("admin", true);
        self.graphql_as(Some(&token), query, variables).await.1
    }

    /// Runs a GraphQL request with the given bearer token (or none); returns
    /// the HTTP status and the body.
    pub async fn graphql_as(&self, token: Option<&str>, query: &str, variables: Value) -> (reqwest::StatusCode, Value) {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&serde_json::json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.send(request).await
    }

    /// Sends a request and parses its JSON body.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> (reqwest::StatusCode, Value) {
        let response = request.send().await.expect("send the request");
        let status = response.status();
        let text = response.text().await.expect("read the body");
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("the body is not JSON ({e}); status {status}: {text}"));
        (status, body)
    }

    /// Stops the server (in-flight requests finish) and starts a new one on
    /// the same database and key, as a process restart would.
    pub async fn restart(mut self) -> TestApp {
        self.stop_server().await;
        spawn_app_with(self.config.clone()).await
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        self.stop_server().await;
    }

    async fn stop_server(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await.expect("stop the server");
        }
    }
}
