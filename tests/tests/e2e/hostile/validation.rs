//! Class 1: the work of validating a document is bounded before it runs. Every shape here
//! is sent by a signed-in subject with no person record at all.

use super::world::{World, on_both_stores};
use serde_json::json;

on_both_stores!(validation_work_is_bounded);

/// `fragment F{n} on Query { ...F{n-1} ...F{n-1} }`: 2^levels fields once expanded.
fn doubling_fragments(levels: usize) -> String {
    let mut query = format!("{{ ...F{levels} }} fragment F0 on Query {{ __typename }} ");
    for n in 1..=levels {
        query.push_str(&format!("fragment F{n} on Query {{ ...F{} ...F{} }} ", n - 1, n - 1));
    }
    query
}

async fn validation_work_is_bounded(mut w: World) {
    let nobody = w.nobody_token.clone();
    const TOO_LARGE: &str = "GRAPHQL_VALIDATION_FAILED";
    // The shapes: 24 levels (9 s and 3 GB before) and 28 (aborted the process).
    for levels in [24, 28, 60] {
        let body = w
            .refused(&nobody, &doubling_fragments(levels), json!({}), TOO_LARGE)
            .await;
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("too large"), "{message}");
        assert!(body.get("data").is_none_or(|d| d.is_null()), "{body}");
        w.still_well(&format!("{levels} levels of doubling fragments")).await;
    }
    // Wide rather than deep: one fragment of 60 fields spread 60 times.
    let fields: String = (0..60).map(|i| format!("f{i}: __typename ")).collect();
    let spreads: String = (0..60).map(|i| format!("s{i}: __schema {{ ...W }} ")).collect();
    let wide = format!("{{ {spreads} }} fragment W on __Schema {{ queryType {{ {fields} }} }}");
    w.refused(&nobody, &wide, json!({}), TOO_LARGE).await;
    // Directives pile up on one field.
    let directives = "@skip(if: false) ".repeat(1_500);
    w.refused(&nobody, &format!("{{ __typename {directives} }}"), json!({}), TOO_LARGE)
        .await;
    // 5,000 aliases: too long a document.
    let aliases: String = (0..5_000).map(|i| format!("a{i}: __typename ")).collect();
    w.refused(&nobody, &format!("{{ {aliases} }}"), json!({}), TOO_LARGE)
        .await;
    // Unused fragments: validation would still expand what they spread (the reviewer's
    // shape, 11 KB: 2.7 s and 1.18 GB before), so a fragment no operation uses is refused,
    // as the spec's own rule refuses it.
    let pairs: String = (0..200)
        .map(|i| format!("a{i}: __typename b{i}: __typename "))
        .collect();
    let spreads: String = (0..20)
        .map(|i| format!("c{i}: __schema {{ queryType {{ ...F }} }} "))
        .collect();
    let unused = format!("{{ me {{ id }} }} fragment F on __Type {{ {pairs} }} fragment U on Query {{ {spreads} }}");
    let body = w.refused(&nobody, &unused, json!({}), TOO_LARGE).await;
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("never used: F, U"), "{message}");
    w.still_well("unused fragments").await;
    // 1,500 unknown fields: the answer carries 100 errors and one that counts the rest.
    let unknown: String = (0..1_500).map(|i| format!("u{i} ")).collect();
    let body = w
        .refused(&nobody, &format!("{{ {unknown} }}"), json!({}), TOO_LARGE)
        .await;
    assert_eq!(
        body["errors"].as_array().map(Vec::len),
        Some(101),
        "{}",
        super::world::truncated(&body)
    );
    // A fragment cycle.
    w.refused(
        &nobody,
        "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        json!({}),
        TOO_LARGE,
    )
    .await;
    // Brackets nested 10,000 deep in an argument: refused by the parser's depth, not a crash.
    let nested = format!(
        "{{ people(first: {}1{}) {{ totalCount }} }}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let (body, _) = w.timed(&nobody, &nested, json!({})).await;
    assert!(
        super::world::code_of(&body).is_some(),
        "{}",
        super::world::truncated(&body)
    );
    w.still_well("brackets nested 10,000 deep").await;

    // What real clients send still runs: GraphiQL's introspection query (as an
    // administrator; development mode) and 1,000 aliases of a cheap field.
    let admin = w.app.token("admin", true);
    let (body, _) = w.timed(&admin, tests::INTROSPECTION, json!({})).await;
    assert!(
        body["data"]["__schema"]["types"].is_array(),
        "{}",
        super::world::truncated(&body)
    );
    let aliases: String = (0..1_000).map(|i| format!("a{i}: __typename ")).collect();
    let (body, _) = w.timed(&nobody, &format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(body["data"]["a999"], "Query", "{}", super::world::truncated(&body));
    w.still_well("the introspection query").await;
    w.app.stop().await;
}
