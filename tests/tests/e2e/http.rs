//! The HTTP shell through a real server on port 0: GraphiQL served offline,
//! authentication of every GraphQL request and WebSocket, health, the signing
//! key beside a SQLite database, and configuration refused at start-up.

use api::config::{Config, Environment, Secret};
use api::signin::{Claims, TokenKeys};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tests::app::{spawn_app, spawn_app_with, test_config};
use tests::{DbKind, fresh, fresh_sqlite};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

fn assert_unauthenticated(status: reqwest::StatusCode, body: &Value, case: &str) {
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED, "{case}: {body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{case}: {body}"
    );
    assert!(
        body["errors"][0]["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{case}: {body}"
    );
    assert!(body.get("data").is_none_or(Value::is_null), "{case}: {body}");
}

/// The values of `attr="..."` in an HTML page.
fn attribute_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!("{attr}=\"");
    html.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

#[tokio::test]
async fn graphiql_and_its_assets_come_from_the_server_itself() {
    let db = fresh_sqlite().await;
    let app = spawn_app(&db.url).await;

    let page = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let content_type = page.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = page.text().await.unwrap();

    // Nothing from another host: no absolute URL at all, every script and
    // stylesheet under /graphiql/.
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"),
        "{html}"
    );
    let scripts = attribute_values(&html, "src");
    let styles = attribute_values(&html, "href");
    assert!(scripts.contains(&"/graphiql/graphiql.min.js"), "{scripts:?}");
    assert!(scripts.contains(&"/graphiql/react.production.min.js"), "{scripts:?}");
    assert!(
        scripts.contains(&"/graphiql/react-dom.production.min.js"),
        "{scripts:?}"
    );
    assert!(styles.contains(&"/graphiql/graphiql.min.css"), "{styles:?}");
    // A place for the bearer token.
    assert!(html.contains("id=\"bangfu-token\""), "{html}");

    for path in scripts.iter().chain(&styles) {
        assert!(path.starts_with("/graphiql/"), "{path} is not served by Bangfu");
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
        let expected = if path.ends_with(".js") {
            "text/javascript"
        } else {
            "text/css"
        };
        assert!(content_type.starts_with(expected), "{path}: {content_type}");
        let cache = response.headers()["cache-control"].to_str().unwrap().to_owned();
        assert!(cache.contains("max-age"), "{path}: {cache}");
        let body = response.bytes().await.unwrap();
        assert!(body.len() > 500, "{path} is only {} bytes", body.len());
        if path.contains("bangfu-graphiql") {
            let text = String::from_utf8_lossy(&body);
            assert!(!text.contains("http://") && !text.contains("https://"), "{path}");
        }
    }
    let script = app
        .client
        .get(app.url("/graphiql/bangfu-graphiql.js"))
        .send()
        .await
        .unwrap();
    let script = script.text().await.unwrap();
    assert!(
        script.contains("'/graphql'") && script.contains("Authorization"),
        "{script}"
    );

    let licence = app
        .client
        .get(app.url("/graphiql/LICENSE-graphiql.txt"))
        .send()
        .await
        .unwrap();
    assert_eq!(licence.status(), 200);
    assert!(licence.text().await.unwrap().contains("MIT"));
    let missing = app.client.get(app.url("/graphiql/../Cargo.toml")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let missing = app.client.get(app.url("/graphiql/nothing.js")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn a_valid_token_is_accepted() {
    let db = fresh_sqlite().await;
    let app = spawn_app(&db.url).await;
    let token = app.token("20230001", false);
    let (status, body) = app.graphql_as(Some(&token), "{ __typename }", json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["__typename"], "Query", "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        app.graphql("{ __typename }", json!({})).await["data"]["__typename"],
        "Query"
    );
}

#[tokio::test]
async fn missing_malformed_forged_and_expired_tokens_are_unauthenticated() {
    let db = fresh_sqlite().await;
    let app = spawn_app(&db.url).await;
    let query = "{ __typename }";

    let (status, body) = app.graphql_as(None, query, json!({})).await;
    assert_unauthenticated(status, &body, "no token");

    let (status, body) = app.graphql_as(Some("not-a-jwt"), query, json!({})).await;
    assert_unauthenticated(status, &body, "malformed token");

    let (status, body) = app.graphql_as(Some(""), query, json!({})).await;
    assert_unauthenticated(status, &body, "empty bearer");

    let basic = app
        .client
        .post(app.url("/graphql"))
        .header("authorization", "Basic YWRtaW46YWRtaW4=")
        .json(&json!({ "query": query }));
    let (status, body) = app.send(basic).await;
    assert_unauthenticated(status, &body, "basic auth");

    let other = TokenKeys::new(b"a-different-key-a-different-key-!!").unwrap();
    let forged = other.mint("admin", true, Duration::from_secs(3_600));
    let (status, body) = app.graphql_as(Some(&forged), query, json!({})).await;
    assert_unauthenticated(status, &body, "forged token");

    // A right signature on altered claims is a forgery too.
    let genuine = app.token("20230001", false);
    let mut parts: Vec<&str> = genuine.split('.').collect();
    let admin_claims = other.mint("20230001", true, Duration::from_secs(3_600));
    parts[1] = admin_claims.split('.').nth(1).unwrap();
    let tampered = parts.join(".");
    let (status, body) = app.graphql_as(Some(&tampered), query, json!({})).await;
    assert_unauthenticated(status, &body, "tampered claims");

    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let expired = app.keys.mint_claims(&Claims {
        sub: "admin".into(),
        exp: now - 600,
        iat: now - 4_200,
        admin: true,
        jti: None,
    });
    let (status, body) = app.graphql_as(Some(&expired), query, json!({})).await;
    assert_unauthenticated(status, &body, "expired token");
    assert!(
        body["errors"][0]["message"].as_str().unwrap().contains("expired"),
        "{body}"
    );
}

#[tokio::test]
async fn healthz_answers_ok_on_sqlite() {
    let db = fresh_sqlite().await;
    let app = spawn_app(&db.url).await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn healthz_answers_ok_on_postgres() {
    let Some(db) = fresh(DbKind::Postgres).await else {
        return;
    };
    let app = spawn_app(&db.url).await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
    let token = app.token("admin", true);
    let (status, body) = app.graphql_as(Some(&token), "{ __typename }", json!({})).await;
    assert_eq!(status, 200, "{body}");
    app.stop().await;
}

/// Sends `connection_init` with the given payload; true when acknowledged,
/// false when the server closes the connection instead.
async fn websocket_init(url: &str, payload: Value) -> bool {
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.headers()["sec-websocket-protocol"], "graphql-transport-ws");
    let init = json!({ "type": "connection_init", "payload": payload }).to_string();
    socket.send(Message::Text(init.into())).await.unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("an answer to connection_init");
    match reply {
        Some(Ok(Message::Text(text))) => {
            let message: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(message["type"], "connection_ack", "{message}");
            true
        }
        Some(Ok(Message::Close(frame))) => {
            let frame = frame.expect("a close frame with a reason");
            assert_ne!(u16::from(frame.code), 1000, "{frame:?}");
            false
        }
        Some(Err(_)) | None => false,
        Some(Ok(other)) => panic!("unexpected message {other:?}"),
    }
}

#[tokio::test]
async fn subscriptions_authenticate_from_connection_init() {
    let db = fresh_sqlite().await;
    let app = spawn_app(&db.url).await;
    let url = app.ws_url();
    let token = app.token("20230001", false);
    assert!(websocket_init(&url, json!({ "Authorization": format!("Bearer {token}") })).await);
    assert!(!websocket_init(&url, json!({})).await, "no token");
    assert!(
        !websocket_init(&url, json!({ "Authorization": "Bearer not-a-jwt" })).await,
        "malformed"
    );
    let forged =
        TokenKeys::new(b"a-different-key-a-different-key-!!")
            .unwrap()
            .mint("x", true, Duration::from_secs(60));
    assert!(
        !websocket_init(&url, json!({ "Authorization": format!("Bearer {forged}") })).await,
        "forged"
    );
}

#[tokio::test]
async fn without_a_secret_sqlite_keeps_a_generated_key_beside_the_database() {
    let db = fresh_sqlite().await;
    let mut config = test_config(&db.url);
    config.jwt_secret = None;
    let app = spawn_app_with(config).await;

    let db_file = db
        .url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let secret_file = std::path::PathBuf::from(format!("{db_file}.jwt-secret"));
    let metadata = std::fs::metadata(&secret_file).expect("the key is kept beside the database");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
    }
    assert!(metadata.len() >= 32);

    // `bangfu token` resolves the same key: its token works on the server.
    let keys = TokenKeys::from_config(&app.config).unwrap();
    let token = keys.mint("admin", true, Duration::from_secs(600));
    let (status, body) = app.graphql_as(Some(&token), "{ __typename }", json!({})).await;
    assert_eq!(status, 200, "{body}");

    // A restart reuses the key: the token still works.
    let app = app.restart().await;
    let (status, body) = app.graphql_as(Some(&token), "{ __typename }", json!({})).await;
    assert_eq!(status, 200, "{body}");
    app.stop().await;
}

#[tokio::test]
async fn bad_configuration_is_refused_at_start_up() {
    let db = fresh_sqlite().await;

    let mut config = test_config(&db.url);
    config.jwt_secret = Some(Secret::new("too-short"));
    let error = api::http::spawn(config).await.err().expect("a short secret is refused");
    assert!(format!("{error:#}").contains("at least 32 bytes"), "{error:#}");
    assert!(
        !format!("{error:#}").contains("too-short"),
        "the secret is not echoed: {error:#}"
    );

    let mut config = test_config("mysql://root@localhost/bangfu");
    config.jwt_secret = None;
    let error = api::http::spawn(config)
        .await
        .err()
        .expect("an unknown scheme is refused");
    assert!(format!("{error:#}").contains("mysql"), "{error:#}");

    let mut config = test_config("postgres://bangfu@127.0.0.1:1/bangfu");
    config.jwt_secret = None;
    let error = api::http::spawn(config).await.err().expect("PostgreSQL needs a secret");
    assert!(format!("{error:#}").contains("BANGFU_JWT_SECRET"), "{error:#}");

    let mut config = test_config(&db.url);
    config.jwt_secret = None;
    config.environment = Environment::Production;
    let error = api::http::spawn(config).await.err().expect("production needs a secret");
    assert!(format!("{error:#}").contains("BANGFU_JWT_SECRET"), "{error:#}");

    // The port is taken: one clear error.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut config = test_config(&db.url);
    config.bind = taken.local_addr().unwrap();
    let error = api::http::spawn(config).await.err().expect("a taken port is refused");
    assert!(format!("{error:#}").contains("cannot listen on"), "{error:#}");
}

fn cli(args: &[&str]) -> ExitCode {
    api::cli::run_from(std::iter::once("bangfu").chain(args.iter().copied()))
}

#[test]
fn the_cli_refuses_bad_values_with_a_non_zero_exit() {
    let dir = std::env::temp_dir().join(format!("bangfu-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("cli.db").display());
    let secret = "0123456789abcdef0123456789abcdef";

    assert_eq!(cli(&["--bind", "nowhere", "export-schema"]), ExitCode::from(2));
    assert_eq!(cli(&["--env", "staging", "export-schema"]), ExitCode::from(2));
    assert_eq!(
        cli(&["--database-url", "mysql://x/y", "export-schema"]),
        ExitCode::FAILURE
    );
    assert_eq!(
        cli(&[
            "--database-url",
            &url,
            "--jwt-secret",
            "short",
            "token",
            "--subject",
            "a"
        ]),
        ExitCode::FAILURE
    );
    assert_eq!(
        cli(&[
            "--database-url",
            &url,
            "--jwt-secret",
            secret,
            "token",
            "--subject",
            "a",
            "--ttl",
            "8w"
        ]),
        ExitCode::from(2)
    );
    assert_eq!(
        cli(&[
            "--database-url",
            &url,
            "--jwt-secret",
            secret,
            "token",
            "--subject",
            "a",
            "--ttl",
            "30m"
        ]),
        ExitCode::SUCCESS
    );
    // Flags after the subcommand work as well (they are global).
    assert_eq!(
        cli(&["token", "--subject", "a", "--admin", "--database-url", &url]),
        ExitCode::SUCCESS
    );
    assert!(
        dir.join("cli.db.jwt-secret").exists(),
        "token created the key beside the database"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn minted_tokens_round_trip() {
    let mut config = Config::new("sqlite::memory:");
    config.jwt_secret = Some(Secret::new("0123456789abcdef0123456789abcdef"));
    let keys = TokenKeys::from_config(&config).unwrap();
    let token = keys.mint("20230001", true, Duration::from_secs(60));
    let actor = keys.verify(&token).unwrap();
    assert_eq!((actor.subject.as_str(), actor.admin), ("20230001", true));
    let same = TokenKeys::new(b"0123456789abcdef0123456789abcdef").unwrap();
    assert_eq!(same.verify(&token).unwrap(), actor);
}
