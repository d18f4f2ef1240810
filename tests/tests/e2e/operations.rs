//! What operators ask of a running server (issue 15.5), through the real server on both
//! stores: `/livez` and `/readyz` before and after the fold (held by the test, so the
//! unready state is seen without a timing race), the 503 every other route answers until
//! then, the metrics' names after a few requests, who may read `/metrics`, and JSON logs.

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tests::app::{TestApp, spawn_app, spawn_app_held, spawn_app_with, test_config};
use tests::{DbKind, fresh};

const CREATE: &str = "mutation MakeUnit($i: CreateOrgUnitInput!){ createOrgUnit(input:$i){ id } }";
const COUNT: &str = "query CountEvents { events(first: 1) { totalCount } }";

async fn get(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app.client.get(app.url(path)).send().await.expect("send the request");
    let status = response.status();
    (status, response.text().await.expect("read the body"))
}

async fn create_unit(app: &TestApp, name: &str) {
    let body = app
        .graphql(CREATE, json!({"i": {"kind": "SCHOOL", "name": name}}))
        .await;
    assert!(body["data"]["createOrgUnit"]["id"].is_string(), "{body}");
}

async fn total_count(app: &TestApp) -> Value {
    let body = app.graphql(COUNT, json!({})).await;
    body["data"]["events"]["totalCount"].clone()
}

async fn readiness(backend: DbKind) {
    let Some(db) = fresh(backend).await else { return };
    let app = spawn_app(&db.url).await;
    for name in ["甲大学", "乙大学", "丙大学"] {
        create_unit(&app, name).await;
    }
    app.stop().await;

    // The fold waits for `release`: the server listens, and is not ready.
    let (app, release) = spawn_app_held(test_config(&db.url)).await;
    assert_eq!(get(&app, "/livez").await, (StatusCode::OK, "ok".to_owned()));
    assert_eq!(
        get(&app, "/readyz").await,
        (StatusCode::SERVICE_UNAVAILABLE, "folding the log".to_owned())
    );
    // /healthz asks the database only, as before.
    assert_eq!(get(&app, "/healthz").await, (StatusCode::OK, "ok".to_owned()));
    let token = app.token("admin", true);
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": COUNT }))
        .send()
        .await
        .expect("send the request");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAVAILABLE", "{body}");
    // The metrics are served while folding.
    let (status, text) = get(&app, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("bangfu_follower_lag_events"), "{text}");

    release.send(()).expect("the fold is waiting");
    app.wait_ready(Duration::from_secs(30)).await;
    assert_eq!(get(&app, "/readyz").await, (StatusCode::OK, "ready".to_owned()));
    // Three units, one event each: the state holds the whole log.
    assert_eq!(total_count(&app).await, json!(3));
    app.stop().await;
}

#[tokio::test]
async fn readyz_is_503_until_the_log_is_folded_on_sqlite() {
    readiness(DbKind::Sqlite).await;
}

#[tokio::test]
async fn readyz_is_503_until_the_log_is_folded_on_postgres() {
    readiness(DbKind::Postgres).await;
}

/// The value of the sample `name{labels}` in a Prometheus text exposition.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

async fn metrics_names(backend: DbKind) {
    let Some(db) = fresh(backend).await else { return };
    let app = spawn_app(&db.url).await;
    create_unit(&app, "示例大学").await;
    assert_eq!(total_count(&app).await, json!(1));
    let anonymous = app.graphql("{ events(first: 1) { totalCount } }", json!({})).await;
    assert!(anonymous["data"].is_object(), "{anonymous}");
    // A path no route matches is counted, under `other`, never under its own name.
    let scanned = format!("/scanned-{}", uuid::Uuid::new_v4().simple());
    assert_eq!(get(&app, &scanned).await.0, StatusCode::NOT_FOUND);

    let response = app.client.get(app.url("/metrics")).send().await.expect("scrape");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = response.text().await.expect("read the metrics");
    for series in [
        r#"bangfu_http_requests_total{route="/graphql",status="2xx"}"#,
        r#"bangfu_http_requests_total{route="other",status="4xx"}"#,
        r#"bangfu_graphql_operation_duration_seconds_count{operation="MakeUnit"}"#,
        r#"bangfu_graphql_operation_duration_seconds_count{operation="CountEvents"}"#,
        r#"bangfu_graphql_operation_duration_seconds_count{operation="anonymous"}"#,
        r#"bangfu_graphql_operation_duration_seconds_bucket{operation="CountEvents",le="+Inf"}"#,
        "bangfu_events_appended_total",
        "bangfu_log_position",
        "bangfu_fold_seconds",
        "bangfu_follower_lag_events",
        "bangfu_ready",
    ] {
        // Counters are process-wide and other tests run beside this one: at least ours.
        let value = sample(&text, series).unwrap_or_else(|| panic!("no {series} in\n{text}"));
        assert!(value >= 0.0, "{series} = {value}");
    }
    assert!(
        sample(
            &text,
            r#"bangfu_graphql_operation_duration_seconds_count{operation="CountEvents"}"#
        ) >= Some(1.0),
        "{text}"
    );
    assert!(sample(&text, "bangfu_events_appended_total") >= Some(1.0), "{text}");
    assert!(!text.contains("scanned-"), "a scanned path became a label:\n{text}");
    app.stop().await;
}

#[tokio::test]
async fn metrics_are_prometheus_text_on_sqlite() {
    metrics_names(DbKind::Sqlite).await;
}

#[tokio::test]
async fn metrics_are_prometheus_text_on_postgres() {
    metrics_names(DbKind::Postgres).await;
}

/// In production `/metrics` is off without `BANGFU_METRICS_TOKEN`, and asks for it when set.
#[tokio::test]
async fn metrics_need_the_token_in_production() {
    let Some(db) = fresh(DbKind::Sqlite).await else { return };
    let mut config = test_config(&db.url);
    config.environment = api::config::Environment::Production;
    let app = spawn_app_with(config.clone()).await;
    assert_eq!(get(&app, "/metrics").await.0, StatusCode::NOT_FOUND);
    app.stop().await;

    config.metrics_token = Some(api::config::Secret::new("a-scrape-token-of-some-length"));
    let app = spawn_app_with(config).await;
    let scrape = |token: Option<&'static str>| {
        let mut request = app.client.get(app.url("/metrics"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { request.send().await.expect("scrape").status() }
    };
    assert_eq!(scrape(None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(Some("a-scrape-token-of-some-lengtH")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(scrape(Some("a-scrape-token-of-some-length")).await, StatusCode::OK);
    // The probes need nothing.
    assert_eq!(get(&app, "/livez").await.0, StatusCode::OK);
    assert_eq!(get(&app, "/readyz").await.0, StatusCode::OK);
    app.stop().await;
}

/// `BANGFU_LOG_FORMAT=json`: every line the CLI logs is one JSON object.
#[tokio::test]
async fn json_logs_are_one_object_per_line() {
    let db = tests::fresh_sqlite().await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bangfu-under-test"))
        .args(["--database-url", &db.url, "migrate"])
        .env("BANGFU_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .output()
        .expect("run bangfu migrate");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "migrated" && l["level"] == "INFO" && l["timestamp"].is_string()),
        "{stderr}"
    );
}

/// A log the server cannot fold (an event of a kind this build does not know) stops it
/// with the fold's error, as a failed start always did: it is never ready.
#[tokio::test]
async fn a_fold_that_fails_stops_the_server() {
    use sea_orm::ConnectionTrait;
    let db = tests::fresh_sqlite().await;
    let store = db.store().await;
    store
        .connection()
        .execute_unprepared(
            "INSERT INTO events (position, id, stream_id, stream_version, kind, schema_version, payload, \
             occurred_at, recorded_at) VALUES (1, '01a23b1d-dad0-7070-8bdd-4d5d7bd6f66e', \
             '01a23b1d-dacf-72af-a857-00702b763c14', 1, 'NoSuchKind', 1, '{}', \
             '2026-12-01 08:00:00+00:00', '2026-12-01 08:00:00+00:00')",
        )
        .await
        .expect("insert an unreadable event");
    let error = match api::http::spawn(test_config(&db.url)).await {
        Ok(_) => panic!("a server started on an unreadable log"),
        Err(error) => format!("{error:#}"),
    };
    assert!(error.contains("folding the log failed"), "{error}");
    assert!(error.contains("NoSuchKind"), "{error}");
}
