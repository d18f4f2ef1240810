//! Class 9 (the GraphQL side): every refusal before execution carries a code.

use super::world::{World, code_of, field_of, on_both_stores, truncated};
use serde_json::json;

on_both_stores!(every_refusal_has_a_code);

async fn every_refusal_has_a_code(mut w: World) {
    let student = w.student_token.clone();
    let cases: &[(&str, serde_json::Value, &str, Option<&str>)] = &[
        ("{ me { name ", json!({}), "GRAPHQL_PARSE_FAILED", None),
        ("not graphql at all", json!({}), "GRAPHQL_PARSE_FAILED", None),
        ("{ me { shoeSize } }", json!({}), "GRAPHQL_VALIDATION_FAILED", None),
        (
            "query($s: Stage){ people(stage: $s){ totalCount } }",
            json!({"s": "EMPEROR"}),
            "BAD_INPUT",
            Some("stage"),
        ),
        (
            "{ people(stage: EMPEROR){ totalCount } }",
            json!({}),
            "BAD_INPUT",
            Some("stage"),
        ),
        (
            "{ people(first: \"ten\"){ totalCount } }",
            json!({}),
            "BAD_INPUT",
            Some("first"),
        ),
        (
            "query($n: Int){ people(first: $n){ totalCount } }",
            json!({"n": 1e12}),
            "BAD_INPUT",
            Some("first"),
        ),
        (
            "query($i: ID!){ person(id: $i){ id } }",
            json!({}),
            "BAD_INPUT",
            Some("i"),
        ),
    ];
    // Nested too deep (17 levels of a cheap field), and too complex (cheap depth, many pages).
    let deep = format!(
        "{{ __schema {{ types {{ fields {{ type {} name {} }} }} }} }}",
        "{ ofType ".repeat(13),
        "}".repeat(13)
    );
    let body = w.refused(&student, &deep, json!({}), "GRAPHQL_VALIDATION_FAILED").await;
    let message = body["errors"][0]["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("deep"), "{}", truncated(&body));
    let complex: String = (0..50)
        .map(|i| format!("p{i}: people(first: 500) {{ nodes {{ id name }} }} "))
        .collect();
    let body = w
        .refused(
            &student,
            &format!("{{ {complex} }}"),
            json!({}),
            "GRAPHQL_VALIDATION_FAILED",
        )
        .await;
    let message = body["errors"][0]["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("complex"), "{}", truncated(&body));
    for (query, variables, code, field) in cases {
        let body = w.refused(&student, query, variables.clone(), code).await;
        assert_eq!(field_of(&body), *field, "{query}: {}", truncated(&body));
    }
    // An unknown operation name.
    let (_, body) = w
        .app
        .send(
            w.app
                .client
                .post(w.app.url("/graphql"))
                .bearer_auth(&student)
                .json(&json!({"query": "query A { __typename } query B { __typename }", "operationName": "C"})),
        )
        .await;
    assert_eq!(code_of(&body), Some("GRAPHQL_VALIDATION_FAILED"), "{body}");
    w.still_well("malformed requests").await;
    w.app.stop().await;
}
