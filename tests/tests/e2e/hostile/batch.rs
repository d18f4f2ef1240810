//! Classes 5 and 6 across a JSON batch: the operations of one HTTP request share one
//! complexity budget, one count of writes, and one record of screenings read.

use super::world::{World, code_of, ok, on_both_stores, truncated};
use serde_json::{Value, json};
use tests::app::TestApp;

on_both_stores!(a_batch_costs_what_one_request_may);

async fn batch(app: &TestApp, token: &str, operations: Vec<Value>) -> Vec<Value> {
    let request = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&operations);
    let (_, body) = app.send(request).await;
    body.as_array()
        .cloned()
        .unwrap_or_else(|| panic!("a batch answer: {}", truncated(&body)))
}

async fn a_batch_costs_what_one_request_may(mut w: World) {
    let admin = w.app.token("admin", true);
    const READS: &str = "query($p: ID){ screeningReads(personId: $p, first: 500) { reader } }";
    let reads = |body: &Value| ok(body)["screeningReads"].as_array().map_or(0, Vec::len);
    let before = reads(&w.app.graphql_as(Some(&admin), READS, json!({"p": w.stranger})).await.1);

    // Twenty operations, each reading the stranger's screening: one read logged.
    let read = json!({"query": "query($p: ID!){ person(id: $p){ screening { id } } }", "variables": {"p": w.stranger}});
    let answers = batch(&w.app, &admin, vec![read; 20]).await;
    assert_eq!(answers.len(), 20);
    assert!(answers.iter().all(|a| ok(a)["person"]["screening"]["id"].is_string()));
    let after = reads(&w.app.graphql_as(Some(&admin), READS, json!({"p": w.stranger})).await.1);
    assert_eq!(after, before + 1, "one HTTP request, one read");

    // Complexity is one budget: 12 aliases of a 500-report page weigh 12 × (500 × 2 + 1)
    // = 12,012 each, so the first of two fits under 20,000 and the second does not.
    let student = w.student_token.clone();
    let pages: String = (0..12)
        .map(|i| format!("a{i}: me {{ thoughtReports(first: 500) {{ id title }} }} "))
        .collect();
    let heavy = json!({"query": format!("{{ {pages} }}")});
    let answers = batch(&w.app, &student, vec![heavy.clone(), heavy]).await;
    assert!(answers[0].get("errors").is_none(), "{}", truncated(&answers[0]));
    assert_eq!(
        code_of(&answers[1]),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{}",
        truncated(&answers[1])
    );

    // Writes are counted across the batch: 50 fit; a 51st, in another operation, is
    // refused and stores nothing.
    let events_before = w.event_count().await;
    let reports = |n: usize, from: usize| -> Value {
        let fields: String = (from..from + n)
            .map(|i| {
                format!(
                    "r{i}: submitThoughtReport(input:{{personId:$p, submittedOn:\"2025-10-02\", title:\"批{i}\"}}){{ id }} "
                )
            })
            .collect();
        json!({"query": format!("mutation($p: ID!) {{ {fields} }}"), "variables": {"p": w.student}})
    };
    let answers = batch(&w.app, &student, vec![reports(50, 0), reports(1, 50)]).await;
    assert!(answers[0].get("errors").is_none(), "{}", truncated(&answers[0]));
    assert_eq!(
        code_of(&answers[1]),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{}",
        truncated(&answers[1])
    );
    assert_eq!(
        w.event_count().await,
        events_before + 50,
        "the 51st write stored nothing"
    );
    // One request of 51 writes is refused whole.
    let (_, body) = w
        .app
        .graphql_as(
            Some(&student),
            reports(51, 100)["query"].as_str().unwrap_or_default(),
            json!({"p": w.student}),
        )
        .await;
    assert_eq!(
        code_of(&body),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{}",
        truncated(&body)
    );
    assert_eq!(w.event_count().await, events_before + 50);
    w.still_well("batches").await;
    w.app.stop().await;
}
