//! Every shared scenario, replayed through the real HTTP GraphQL endpoint on a fresh
//! database, SQLite and PostgreSQL alike, as an administrator.

use api::config::{Config, Secret};
use api::signin::TokenKeys;
use serde_json::{Value, json};
use std::time::Duration;
use tests::scenario::{load, replay, scenario_files};
use tests::{DbKind, fresh};

const SECRET: &str = "fixture-secret-fixture-secret-fixture-secret";

async fn replay_all(backend: DbKind) {
    let files = scenario_files();
    assert!(files.len() >= 4, "the shared scenarios are missing: {files:?}");
    let mut failures = vec![];
    for file in files {
        let scenario = load(&file).expect("a readable scenario");
        let Some(db) = fresh(backend).await else { return };
        let mut config = Config::new(db.url.clone());
        config.bind = "127.0.0.1:0".parse().unwrap();
        config.jwt_secret = Some(Secret::new(SECRET));
        let (addr, server) = api::http::spawn(config).await.expect("the server starts");
        let token = TokenKeys::new(SECRET.as_bytes())
            .unwrap()
            .mint("admin", true, Duration::from_secs(3600));
        let client = tests::http_client().build().unwrap();
        let url = format!("http://{addr}/graphql");
        let post = |doc: String, vars: Value| {
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            async move {
                let response = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"query": doc, "variables": vars}))
                    .send()
                    .await
                    .expect("the server answers");
                response.json::<Value>().await.expect("a JSON answer")
            }
        };
        let head = || async move { last_position(post).await };
        if let Err(e) = replay(&scenario, post, head).await {
            failures.push(format!("[{backend:?}] {e}"));
        }
        server.shutdown().await.expect("the server stops");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The log's last position, read through the audit trail.
async fn last_position<F, Fut>(post: F) -> i64
where
    F: Fn(String, Value) -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    let mut after: Option<String> = None;
    let mut last = 0;
    loop {
        let page = post(
            "query($a: String){ events(after: $a, first: 500) { nodes { position } pageInfo { hasNextPage endCursor } } }".into(),
            json!({"a": after}),
        )
        .await;
        let events = &page["data"]["events"];
        if let Some(p) = events["pageInfo"]["endCursor"].as_str() {
            last = p.parse().expect("a numeric position");
        }
        if events["pageInfo"]["hasNextPage"] != json!(true) {
            return last;
        }
        after = events["pageInfo"]["endCursor"].as_str().map(String::from);
    }
}

#[tokio::test]
async fn shared_scenarios_on_sqlite() {
    replay_all(DbKind::Sqlite).await;
}

#[tokio::test]
async fn shared_scenarios_on_postgres() {
    replay_all(DbKind::Postgres).await;
}
