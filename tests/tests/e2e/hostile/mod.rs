//! Hostile requests against the hardened endpoint: too deep, too many
//! batched operations, too large a body. Each is refused and the server keeps
//! answering.

mod batch;
mod codes;
mod dates;
mod lists;
mod privacy;
mod rights;
mod text;
mod validation;
mod world;

use serde_json::{Value, json};
use tests::app::{TestApp, spawn_app};
use tests::fresh_sqlite;

async fn still_answers(app: &TestApp, after: &str) {
    let body = app.graphql("{ __typename }", json!({})).await;
    assert_eq!(body["data"]["__typename"], "Query", "after {after}: {body}");
}

#[tokio::test]
async fn hostile_requests_are_refused_and_the_server_keeps_answering() {
    let db = fresh_sqlite().await;
    let app = spawn_app(&db.url).await;
    let token = app.token("admin", true);

    // A 40-deep query.
    let deep = format!(
        "{{ __schema {{ types {{ fields {{ type {} name{} }} }} }} }}",
        "{ ofType ".repeat(40),
        " }".repeat(40)
    );
    let (status, body) = app.graphql_as(Some(&token), &deep, json!({})).await;
    assert!(status.is_success() || status.is_client_error(), "{status}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default().to_lowercase();
    assert!(message.contains("deep") || message.contains("depth"), "{body}");
    assert!(body.get("data").is_none_or(Value::is_null), "{body}");
    still_answers(&app, "a 40-deep query").await;

    // A wide query: 600 aliased lists of people, each costing more than its own field.
    let wide: String = (0..600)
        .map(|i| format!("p{i}: people(first: 500) {{ nodes {{ id name number }} }} "))
        .collect();
    let (_, body) = app.graphql_as(Some(&token), &format!("{{ {wide} }}"), json!({})).await;
    let message = body["errors"][0]["message"].as_str().unwrap_or_default().to_lowercase();
    assert!(message.contains("complex") || message.contains("too large"), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{body}"
    );
    still_answers(&app, "a too complex query").await;

    // 200 batched operations.
    let batch: Vec<Value> = (0..200).map(|_| json!({ "query": "{ __typename }" })).collect();
    let (status, body) = app
        .send(app.client.post(app.url("/graphql")).bearer_auth(&token).json(&batch))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "batch", "{body}");
    still_answers(&app, "200 batched operations").await;
    // A small batch is fine.
    let batch: Vec<Value> = (0..3).map(|_| json!({ "query": "{ __typename }" })).collect();
    let (status, body) = app
        .send(app.client.post(app.url("/graphql")).bearer_auth(&token).json(&batch))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.as_array().map(Vec::len), Some(3), "{body}");

    // An 8 MiB body.
    let huge = json!({ "query": "{ __typename }", "variables": { "pad": "x".repeat(8 * 1024 * 1024) } });
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(huge.to_string())
        .send()
        .await;
    match response {
        Ok(response) => assert_eq!(response.status(), 413),
        // The server may close the connection once it has answered 413.
        Err(error) => panic!("no answer to an 8 MiB body: {error}"),
    }
    still_answers(&app, "an 8 MiB body").await;
    // Unauthenticated, the same.
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(huge.to_string())
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 413);
    still_answers(&app, "an unauthenticated 8 MiB body").await;
    app.stop().await;
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let db = fresh_sqlite().await;
    let mut config = tests::app::test_config(&db.url);
    config.cors_origins = vec!["https://bangfu.example.edu".to_owned()];
    let app = tests::app::spawn_app_with(config).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type")
            .send()
    };
    let allowed = preflight("https://bangfu.example.edu").await.unwrap();
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap()),
        Some("https://bangfu.example.edu")
    );
    let allowed_headers = allowed.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(allowed_headers.contains("authorization"), "{allowed_headers}");
    let other = preflight("https://evil.example").await.unwrap();
    assert!(
        other.headers().get("access-control-allow-origin").is_none(),
        "{:?}",
        other.headers()
    );
    app.stop().await;
}

#[tokio::test]
async fn production_keeps_graphiql_and_introspection_for_administrators_over_http_and_websocket() {
    let db = fresh_sqlite().await;
    let mut config = tests::app::test_config(&db.url);
    config.environment = api::config::Environment::Production;
    let app = tests::app::spawn_app_with(config).await;
    let admin = app.token("admin", true);
    let person = app.token("2025000100", false);

    let page = |query: String, bearer: Option<String>| {
        let mut request = app.client.get(app.url(&format!("/graphql{query}")));
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_eq!(page(String::new(), None).await.unwrap().status(), 404);
    assert_eq!(page(format!("?token={person}"), None).await.unwrap().status(), 404);
    assert_eq!(page(String::new(), Some(person.clone())).await.unwrap().status(), 404);
    assert_eq!(page("?token=garbage".into(), None).await.unwrap().status(), 404);
    assert_eq!(page(format!("?token={admin}"), None).await.unwrap().status(), 200);
    assert_eq!(page(String::new(), Some(admin.clone())).await.unwrap().status(), 200);

    let introspection = "{ __schema { queryType { name } } }";
    let (_, body) = app.graphql_as(Some(&person), introspection, json!({})).await;
    // async-graphql answers a disabled introspection field with null.
    assert!(body["data"]["__schema"].is_null(), "{body}");
    let (_, body) = app.graphql_as(Some(&admin), introspection, json!({})).await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query", "{body}");
    // Ordinary queries still run for everyone.
    let (status, body) = app.graphql_as(Some(&person), "{ __typename }", json!({})).await;
    assert_eq!(status, 200, "{body}");

    // The same rule over the WebSocket, judged by the socket's own token.
    let body = over_websocket(&app, &person, introspection).await;
    assert!(body["data"]["__schema"].is_null(), "{body}");
    let body = over_websocket(&app, &person, "{ __type(name: \"Person\") { name } }").await;
    assert!(body["data"]["__type"].is_null(), "{body}");
    let body = over_websocket(&app, &admin, introspection).await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query", "{body}");
    let body = over_websocket(&app, &person, "{ __typename }").await;
    assert_eq!(body["data"]["__typename"], "Query", "{body}");

    // Someone signed in through the school's SSO who holds the ADMIN role (over any
    // unit) counts as an administrator here.
    let college = app
        .graphql(
            "mutation{ createOrgUnit(input:{kind:COLLEGE, name:\"学院\"}){ id } }",
            json!({}),
        )
        .await["data"]["createOrgUnit"]["id"]
        .clone();
    let registered = app
        .graphql(
            "mutation($u: ID!){ registerPerson(input:{number:\"D-1\", name:\"管理员\", orgUnitIds:[$u]}){ id } }",
            json!({ "u": college }),
        )
        .await;
    let id = registered["data"]["registerPerson"]["id"].clone();
    let granted = app
        .graphql(
            "mutation($p: ID!, $u: ID!){ assignRole(personId:$p, role:ADMIN, scopeId:$u){ id } }",
            json!({ "p": id, "u": college }),
        )
        .await;
    assert!(granted.get("errors").is_none(), "{granted}");
    let role_admin = app.token("D-1", false);
    assert_eq!(
        page(String::new(), Some(role_admin.clone())).await.unwrap().status(),
        200
    );
    let (_, body) = app.graphql_as(Some(&role_admin), introspection, json!({})).await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query", "{body}");
    let body = over_websocket(&app, &role_admin, introspection).await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query", "{body}");
    app.stop().await;
}

/// Runs one operation over a fresh socket signed in with `token`; returns its result.
async fn over_websocket(app: &TestApp, token: &str, query: &str) -> Value {
    let mut socket = app.subscribe(token, query, json!({})).await;
    tests::app::next_result(&mut socket).await
}
