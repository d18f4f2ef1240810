//! The GraphQL over HTTP spec: graphql-http's audit suite (`tests/audit/`)
//! against a real server, and the shell's own refusals, each JSON with a code.
//!
//! The audit needs node and `npm ci --prefix tests/audit`; without them it is
//! skipped with a line saying so, unless `BANGFU_TEST_REQUIRE_AUDIT=1` (CI),
//! where it fails.

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;
use tests::app::{TestApp, spawn_app};
use tests::fresh_sqlite;

const AUDIT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/audit");

#[tokio::test]
async fn the_graphql_http_audit_passes_with_no_failure_and_no_warning() {
    let required = std::env::var("BANGFU_TEST_REQUIRE_AUDIT").is_ok_and(|value| value == "1");
    let installed = Path::new(AUDIT_DIR).join("node_modules/graphql-http/package.json");
    let node = std::process::Command::new("node").arg("--version").output();
    let missing = match (&node, installed.exists()) {
        (Ok(output), true) if output.status.success() => None,
        (Ok(output), _) if output.status.success() => Some(format!(
            "graphql-http is not installed: run `npm ci --prefix {AUDIT_DIR}`"
        )),
        _ => Some("node is not on the PATH".to_owned()),
    };
    if let Some(missing) = missing {
        assert!(!required, "BANGFU_TEST_REQUIRE_AUDIT=1 but {missing}");
        println!("skipping the graphql-http audit: {missing}");
        return;
    }

    let db = fresh_sqlite().await;
    let app = spawn_app(&db.url).await;
    let token = app.token("audit", true);
    let run = tokio::process::Command::new("node")
        .arg(Path::new(AUDIT_DIR).join("audit.mjs"))
        .arg(app.url("/graphql"))
        .arg(&token)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the audit finishes within 120 s")
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}{stderr}");
    assert!(
        output.status.success(),
        "the audit failed ({}):\n{stdout}{stderr}",
        output.status
    );
    assert!(
        stdout.contains(" 0 failures") && stdout.contains(" 0 warnings"),
        "{stdout}"
    );
    app.stop().await;
}

/// A POST to /graphql with the given content type, accept and body.
async fn post(app: &TestApp, content_type: Option<&str>, accept: Option<&str>, body: &str) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(app.token("admin", true))
        .body(body.to_owned());
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    request.send().await.expect("an answer")
}

/// The status, content type and JSON body; panics on a body that is not JSON.
async fn read(response: reqwest::Response) -> (StatusCode, String, Value) {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or_else(|error| panic!("not JSON ({error}): {status} {text}"));
    (status, content_type, body)
}

/// `/graphql?name=value&…`, form-encoded.
fn graphql_url(app: &TestApp, parameters: &[(&str, &str)]) -> String {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|byte| match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (byte as char).to_string(),
                _ => format!("%{byte:02X}"),
            })
            .collect()
    };
    let query: Vec<String> = parameters
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect();
    app.url(&format!("/graphql?{}", query.join("&")))
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn an_unreadable_request_is_refused_as_json_with_a_code() {
    let db = fresh_sqlite().await;
    let app = spawn_app(&db.url).await;
    let json = Some("application/json");
    let cases: [(&str, Option<&str>, &str, StatusCode); 12] = [
        ("bad JSON", json, "{ \"not a JSON", StatusCode::BAD_REQUEST),
        (
            "trailing garbage",
            json,
            "{\"query\": \"{ __typename }\"} x",
            StatusCode::BAD_REQUEST,
        ),
        ("empty body", json, "", StatusCode::BAD_REQUEST),
        (
            "no query",
            json,
            "{\"qeury\": \"{ __typename }\"}",
            StatusCode::BAD_REQUEST,
        ),
        (
            "a number for the query",
            json,
            "{\"query\": 0}",
            StatusCode::BAD_REQUEST,
        ),
        (
            "a string for the variables",
            json,
            "{\"query\": \"{ __typename }\", \"variables\": \"x\"}",
            StatusCode::BAD_REQUEST,
        ),
        (
            "a batch member without a query",
            json,
            "[{\"query\": \"{ __typename }\"}, {}]",
            StatusCode::BAD_REQUEST,
        ),
        (
            "text/plain",
            Some("text/plain"),
            "{\"query\": \"{ __typename }\"}",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "no content type",
            None,
            "{\"query\": \"{ __typename }\"}",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        // Files come as multipart/form-data (the GraphQL multipart request spec): a body
        // without its `operations` part is no request; any other multipart is not read.
        (
            "multipart without operations",
            Some("multipart/form-data; boundary=x"),
            "--x\r\n\r\n--x--",
            StatusCode::BAD_REQUEST,
        ),
        (
            "multipart/mixed",
            Some("multipart/mixed; boundary=x"),
            "--x\r\n\r\n--x--",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "latin-1",
            Some("application/json; charset=latin1"),
            "{\"query\": \"{ __typename }\"}",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ];
    for (case, content_type, body, expected) in cases {
        for accept in [None, Some("application/graphql-response+json")] {
            let (status, _, answer) = read(post(&app, content_type, accept, body).await).await;
            assert_eq!(status, expected, "{case} ({accept:?}): {answer}");
            assert_eq!(code(&answer), "BAD_REQUEST", "{case}: {answer}");
            let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(message.len() > 10, "{case}: says what was wrong: {answer}");
            assert!(answer.get("data").is_none(), "{case}: {answer}");
        }
    }
    // Where the field is wrong, the message names it.
    let (_, _, answer) = read(
        post(
            &app,
            json,
            None,
            "{\"query\": \"{ __typename }\", \"operationName\": 7}",
        )
        .await,
    )
    .await;
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("operationName"),
        "{answer}"
    );

    // An empty batch is refused like one that is too long.
    let (status, _, answer) = read(post(&app, json, None, "[]").await).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::BAD_REQUEST, "BAD_INPUT"),
        "{answer}"
    );
    assert_eq!(answer["errors"][0]["extensions"]["field"], "batch", "{answer}");

    // An Accept that allows no JSON: 406, still a JSON body.
    let (status, _, answer) = read(post(&app, json, Some("text/html"), "{\"query\": \"{ __typename }\"}").await).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::NOT_ACCEPTABLE, "NOT_ACCEPTABLE"),
        "{answer}"
    );

    // Too large, declared or not.
    let huge = format!(
        "{{\"query\": \"{{ __typename }}\", \"variables\": {{\"pad\": \"{}\"}}}}",
        "x".repeat(2 << 20)
    );
    let (status, _, answer) = read(post(&app, json, None, &huge).await).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE"),
        "{answer}"
    );
    let (status, answer) = chunked_past_the_limit(&app).await;
    assert_eq!((status, code(&answer)), (413, "PAYLOAD_TOO_LARGE"), "{answer}");

    // Unauthenticated stays 401 JSON, whatever the body.
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "text/plain")
        .body("nonsense")
        .send()
        .await
        .expect("an answer");
    let (status, _, answer) = read(response).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
        "{answer}"
    );

    let body = app.graphql("{ __typename }", json!({})).await;
    assert_eq!(body["data"]["__typename"], "Query", "still answering: {body}");
    app.stop().await;
}

/// A chunked body (no length declared) that grows past 1 MiB; the status and
/// JSON body of the answer, which may come before the body is all sent.
async fn chunked_past_the_limit(app: &TestApp) -> (u16, Value) {
    use tokio::io::AsyncWriteExt;
    let mut tcp = tokio::net::TcpStream::connect(app.addr).await.expect("connect");
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: bangfu\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
        app.token("admin", true)
    );
    tcp.write_all(head.as_bytes()).await.expect("send the head");
    let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "x".repeat(64 * 1024));
    for _ in 0..40 {
        // Once it has refused, the server reads no more: a write may fail or stall.
        match tokio::time::timeout(Duration::from_secs(2), tcp.write_all(chunk.as_bytes())).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) | Err(_) => break,
        }
    }
    let (status, body) = crate::connections::read_answer(&mut tcp, Duration::from_secs(10))
        .await
        .expect("an answer within 10 s");
    let body = serde_json::from_str(&body).unwrap_or_else(|error| panic!("a JSON body ({error}): {body}"));
    (status, body)
}

#[tokio::test]
async fn answers_are_negotiated_and_request_errors_get_400_only_in_the_new_type() {
    let db = fresh_sqlite().await;
    let app = spawn_app(&db.url).await;
    let json = Some("application/json");
    let graphql_response = Some("application/graphql-response+json");
    let good = "{\"query\": \"{ __typename }\"}";

    for (accept, expected) in [
        (None, "application/json"),
        (Some("*/*"), "application/json"),
        (json, "application/json"),
        (graphql_response, "application/graphql-response+json"),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            "application/graphql-response+json",
        ),
    ] {
        let (status, content_type, answer) = read(post(&app, json, accept, good).await).await;
        assert_eq!(status, StatusCode::OK, "{accept:?}: {answer}");
        assert!(content_type.starts_with(expected), "{accept:?}: {content_type}");
        assert!(content_type.contains("charset=utf-8"), "{content_type}");
        assert_eq!(answer["data"]["__typename"], "Query");
    }

    // Request errors: nothing executed.
    for query in ["{", "{ noSuchField }", "query($id: ID!) { __typename }"] {
        let body = json!({ "query": query }).to_string();
        let (status, _, answer) = read(post(&app, json, graphql_response, &body).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {answer}");
        assert!(answer.get("data").is_none(), "{query}: {answer}");
        assert!(answer["errors"][0]["message"].is_string(), "{query}: {answer}");
        let (status, _, answer) = read(post(&app, json, json, &body).await).await;
        assert_eq!(status, StatusCode::OK, "{query}: {answer}");
        assert!(
            answer["data"].is_null() && answer["errors"].is_array(),
            "{query}: {answer}"
        );
    }

    // A field error is not a request error: 200 in both types, with data.
    let body = json!({ "query": "{ person(id: \"00000000-0000-0000-0000-000000000000\") { id } }" }).to_string();
    let (status, _, answer) = read(post(&app, json, graphql_response, &body).await).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer.get("data").is_some(), "{answer}");
    app.stop().await;
}

#[tokio::test]
async fn get_runs_queries_only_and_still_serves_graphiql_to_a_browser() {
    let db = fresh_sqlite().await;
    let app = spawn_app(&db.url).await;
    let token = app.token("admin", true);
    let get = |query: &str, accept: Option<&str>| {
        let url = if query.is_empty() {
            app.url("/graphql")
        } else {
            graphql_url(&app, &[("query", query)])
        };
        let mut request = app.client.get(url).bearer_auth(&token);
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        request.send()
    };

    let (status, content_type, answer) = read(get("{ __typename }", None).await.expect("an answer")).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(content_type.starts_with("application/json"), "{content_type}");
    assert_eq!(answer["data"]["__typename"], "Query");

    let variables = app
        .client
        .get(graphql_url(
            &app,
            &[
                ("query", "query Q($n: String!) { __type(name: $n) { name } }"),
                ("variables", "{\"n\": \"Query\"}"),
                ("operationName", "Q"),
            ],
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("an answer");
    let (status, _, answer) = read(variables).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["data"]["__type"]["name"], "Query", "{answer}");

    for mutation in [
        "mutation { createOrgUnit(input: {kind: COLLEGE, name: \"x\"}) { id } }",
        "query A { __typename } mutation B { __typename }",
    ] {
        let operation = if mutation.starts_with("query A") {
            app.client
                .get(graphql_url(&app, &[("query", mutation), ("operationName", "B")]))
                .bearer_auth(&token)
                .send()
                .await
        } else {
            get(mutation, Some("application/graphql-response+json")).await
        };
        let response = operation.expect("an answer");
        assert_eq!(
            response.headers().get("allow").and_then(|v| v.to_str().ok()),
            Some("POST")
        );
        let (status, _, answer) = read(response).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED"),
            "{answer}"
        );
    }
    let trail = app.graphql("{ events { nodes { __typename } } }", json!({})).await;
    assert_eq!(
        trail["data"]["events"]["nodes"],
        json!([]),
        "nothing was written over GET: {trail}"
    );

    // Bad parameters are 400 JSON.
    let bad = app
        .client
        .get(graphql_url(&app, &[("query", "{ __typename }"), ("variables", "[1]")]))
        .bearer_auth(&token)
        .send()
        .await
        .expect("an answer");
    let (status, _, answer) = read(bad).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
        "{answer}"
    );

    // A query without a token is 401 over GET too.
    let anonymous = app
        .client
        .get(graphql_url(&app, &[("query", "{ __typename }")]))
        .send()
        .await
        .expect("an answer");
    let (status, _, answer) = read(anonymous).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
        "{answer}"
    );

    // A browser gets the page, with or without a query in the URL.
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    for query in ["", "{ __typename }"] {
        let page = get(query, Some(browser)).await.expect("an answer");
        assert_eq!(page.status(), StatusCode::OK);
        let content_type = page.headers()["content-type"].to_str().unwrap_or_default().to_owned();
        assert!(content_type.starts_with("text/html"), "{query:?}: {content_type}");
    }
    app.stop().await;
}
