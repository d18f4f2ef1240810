//! Class 6: however many times one request reads a screening, one read is logged.

use super::world::{World, ok, on_both_stores};
use serde_json::json;

on_both_stores!(one_read_is_logged_per_reader_person_and_request);

async fn one_read_is_logged_per_reader_person_and_request(mut w: World) {
    let admin = w.app.token("admin", true);
    let reads = |body: &serde_json::Value| ok(body)["screeningReads"].as_array().map_or(0, Vec::len);
    const READS: &str = "query($p: ID){ screeningReads(personId: $p, first: 500) { reader readAt } }";
    let before = reads(&w.app.graphql_as(Some(&admin), READS, json!({"p": w.stranger})).await.1);

    // 400 aliases of the same screening, and the audit trail's copy of it, in one request.
    let aliases: String = (0..400)
        .map(|i| format!("a{i}: person(id: $p) {{ screening {{ id }} }} "))
        .collect();
    let query = format!("query($p: ID!) {{ {aliases} events(streamId: $p) {{ nodes {{ payload }} }} }}");
    let (_, body) = w.app.graphql_as(Some(&admin), &query, json!({"p": w.stranger})).await;
    assert!(ok(&body)["a399"]["screening"]["id"].is_string(), "{body}");
    let after = reads(&w.app.graphql_as(Some(&admin), READS, json!({"p": w.stranger})).await.1);
    assert_eq!(after, before + 1, "one request, one read");

    // A second request is a second read.
    let (_, body) = w
        .app
        .graphql_as(
            Some(&admin),
            "query($p: ID!){ person(id: $p){ screening { id } } }",
            json!({"p": w.stranger}),
        )
        .await;
    ok(&body);
    let again = reads(&w.app.graphql_as(Some(&admin), READS, json!({"p": w.stranger})).await.1);
    assert_eq!(again, before + 2);
    w.still_well("400 aliases of a screening").await;
    w.app.stop().await;
}
