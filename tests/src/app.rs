//! A Bangfu server in this process for one test: port 0, its own database,
//! its own signing key.
//!
//! ```text
//! let db = tests::fresh_sqlite().await;
//! let app = tests::app::spawn_app(&db.url).await;
//! let body = app.graphql("{ __typename }", serde_json::json!({})).await;
//! ```

use api::config::{Config, Secret};
use api::http::ServerHandle;
use api::signin::TokenKeys;
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// A client's WebSocket to the server.
pub type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The payload of the next result on the socket (`{"data": …}`), skipping the
/// acknowledgement and pings; panics after 20 s without one.
pub async fn next_result(socket: &mut Socket) -> Value {
    use futures_util::StreamExt;
    loop {
        let message = tokio::time::timeout(Duration::from_secs(20), socket.next())
            .await
            .expect("a result within 20 s")
            .expect("the socket is open")
            .expect("a message");
        if let Message::Text(text) = message {
            let v: Value = serde_json::from_str(&text).expect("a JSON message");
            match v["type"].as_str() {
                Some("next") => return v["payload"].clone(),
                Some("connection_ack" | "ping" | "pong") => continue,
                _ => panic!("unexpected {v}"),
            }
        }
    }
}

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    /// Where it listens (127.0.0.1 and a free port).
    pub addr: SocketAddr,
    /// The configuration it was started with (kept for [`TestApp::restart`]).
    pub config: Config,
    /// Keys that sign tokens this server accepts.
    pub keys: TokenKeys,
    pub client: reqwest::Client,
    server: Option<Server>,
}

/// The server behind a [`TestApp`]: in this process, or a `bangfu serve` child process
/// (whose memory a test can read apart from its own).
enum Server {
    InProcess(ServerHandle),
    Process(tokio::process::Child),
}

/// The configuration [`spawn_app`] uses: the given database, port 0 and a
/// fresh random key.
pub fn test_config(db_url: &str) -> Config {
    let mut config = Config::new(db_url);
    config.bind = SocketAddr::from(([127, 0, 0, 1], 0));
    // The tests' robots and webhooks listen on loopback.
    config.reminder_private_hosts = vec!["127.0.0.1".into()];
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
        server: Some(Server::InProcess(server)),
    }
}

/// Starts a server whose fold of the log waits until the returned sender sends (or is
/// dropped): it listens meanwhile, and is not ready. [`TestApp::wait_ready`] waits for it.
pub async fn spawn_app_held(config: Config) -> (TestApp, tokio::sync::oneshot::Sender<()>) {
    let keys = TokenKeys::from_config(&config).expect("resolve the signing key");
    let (release, held) = tokio::sync::oneshot::channel::<()>();
    let hold = async move {
        let _ = held.await;
    };
    let (addr, server) = api::http::spawn_unready(config.clone(), hold)
        .await
        .expect("start the server");
    let client = crate::http_client()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("build the HTTP client");
    let app = TestApp {
        addr,
        config,
        keys,
        client,
        server: Some(Server::InProcess(server)),
    };
    (app, release)
}

/// Starts `binary serve` (the `bangfu` CLI, e.g. `env!("CARGO_BIN_EXE_bangfu-under-test")`)
/// on `db_url` with a fresh key, port 0, as a child process; returns once it listens.
pub async fn spawn_app_process(binary: &str, db_url: &str) -> TestApp {
    use tokio::io::AsyncBufReadExt;
    let config = test_config(db_url);
    let keys = TokenKeys::from_config(&config).expect("resolve the signing key");
    let secret = config
        .jwt_secret
        .as_ref()
        .expect("test_config sets a key")
        .expose()
        .to_owned();
    let mut child = tokio::process::Command::new(binary)
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url", db_url])
        .env("BANGFU_JWT_SECRET", secret)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server process");
    let stderr = child.stderr.take().expect("the server's stderr");
    let mut lines = tokio::io::BufReader::new(stderr).lines();
    let addr = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.expect("read the server's log") {
            if let Some(rest) = line.split("listening on ").nth(1) {
                let addr = rest.split([';', ' ']).next().unwrap_or_default();
                return addr.parse::<SocketAddr>().expect("a listening address");
            }
        }
        panic!("the server exited before listening");
    })
    .await
    .expect("the server listens within 60 s");
    // Keep draining its log, so the pipe never fills and blocks it.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let client = crate::http_client()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("build the HTTP client");
    let app = TestApp {
        addr,
        config,
        keys,
        client,
        server: Some(Server::Process(child)),
    };
    // It listens before the log is folded.
    app.wait_ready(Duration::from_secs(120)).await;
    app
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

    /// Polls `/readyz` until it answers 200; panics after `within`. Returns how many
    /// answers were 503 before.
    pub async fn wait_ready(&self, within: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + within;
        let mut unready = 0;
        loop {
            let status = match self.client.get(self.url("/readyz")).send().await {
                Ok(response) => Some(response.status()),
                Err(_) => None,
            };
            match status {
                Some(reqwest::StatusCode::OK) => return unready,
                Some(reqwest::StatusCode::SERVICE_UNAVAILABLE) => unready += 1,
                other => panic!("/readyz answered {other:?}"),
            }
            assert!(tokio::time::Instant::now() < deadline, "not ready within {within:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
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

    /// A GET of `path` (a download link, or a path with a bearer token): the status, the
    /// headers and the body's bytes.
    pub async fn download(&self, path: &str, token: Option<&str>) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.bytes().await.expect("a body").to_vec())
    }

    /// Runs a GraphQL multipart request (the spec's `operations`, `map`, then the files)
    /// with the given bearer token (or none): every file goes to the variable `file_variable`
    /// (set to null in `operations`). Returns the HTTP status and the body.
    pub async fn upload(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
        file_variable: &str,
        files: &[(&str, &[u8])],
    ) -> (reqwest::StatusCode, Value) {
        let (boundary, body) = multipart_body(query, variables, file_variable, files);
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.send(request).await
    }

    /// Opens a graphql-transport-ws socket signed in with `token` and starts one
    /// operation on it; read its results with [`next_result`].
    pub async fn subscribe(&self, token: &str, query: &str, variables: Value) -> Socket {
        use futures_util::SinkExt;
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        use tokio_tungstenite::tungstenite::http::HeaderValue;

        let mut request = self.ws_url().into_client_request().expect("a WebSocket request");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        let (mut socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("open the socket");
        let init =
            serde_json::json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}});
        let subscribe =
            serde_json::json!({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}});
        for message in [init, subscribe] {
            socket
                .send(Message::Text(message.to_string().into()))
                .await
                .expect("send on the socket");
        }
        socket
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
        match self.server.take() {
            Some(Server::InProcess(server)) => server.shutdown().await.expect("stop the server"),
            Some(Server::Process(mut child)) => {
                let _ = child.kill().await;
            }
            None => {}
        }
    }

    /// The server process's peak resident memory so far (`VmHWM`, Linux), in MiB; `None`
    /// for a server in this process, or where `/proc` does not tell.
    pub fn server_peak_memory_mib(&self) -> Option<u64> {
        let Some(Server::Process(child)) = &self.server else {
            return None;
        };
        let status = std::fs::read_to_string(format!("/proc/{}/status", child.id()?)).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024)
    }

    /// Whether the server process is still running (always true in this process).
    pub fn server_alive(&mut self) -> bool {
        match &mut self.server {
            Some(Server::Process(child)) => matches!(child.try_wait(), Ok(None)),
            Some(Server::InProcess(_)) => true,
            None => false,
        }
    }
}

/// A GraphQL multipart request's body, built by hand (the tests' reqwest has no multipart):
/// the boundary and the bytes. Each file is mapped to `variables.<file_variable>`.
pub fn multipart_body(
    query: &str,
    mut variables: Value,
    file_variable: &str,
    files: &[(&str, &[u8])],
) -> (String, Vec<u8>) {
    let boundary = format!("----bangfu-test-{}", uuid::Uuid::new_v4().simple());
    variables[file_variable] = Value::Null;
    let map: serde_json::Map<String, Value> = (0..files.len())
        .map(|i| (i.to_string(), serde_json::json!([format!("variables.{file_variable}")])))
        .collect();
    let mut body = Vec::new();
    let mut part = |head: String, content: &[u8]| {
        body.extend_from_slice(format!("--{boundary}\r\n{head}\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    };
    let operations = serde_json::json!({"query": query, "variables": variables}).to_string();
    part(
        "Content-Disposition: form-data; name=\"operations\"".into(),
        operations.as_bytes(),
    );
    part(
        "Content-Disposition: form-data; name=\"map\"".into(),
        Value::Object(map).to_string().as_bytes(),
    );
    for (i, (name, bytes)) in files.iter().enumerate() {
        part(
            format!(
                "Content-Disposition: form-data; name=\"{i}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream"
            ),
            bytes,
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (boundary, body)
}
