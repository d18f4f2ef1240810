//! Class 2: every list is bounded and weighed, so no alias trick makes a huge answer.

use super::world::{World, code_of, ok, on_both_stores, truncated};
use serde_json::json;

on_both_stores!(lists_are_paged_and_weighed);

async fn lists_are_paged_and_weighed(mut w: World) {
    // The student writes 120 thought reports about themself (their own right).
    const REPORT: &str = "mutation($p: ID!, $t: String!){ submitThoughtReport(input:{personId:$p, submittedOn:\"2025-10-01\", title:$t}){ id } }";
    let student = w.student_token.clone();
    for n in 0..120 {
        let (_, body) = w
            .app
            .graphql_as(Some(&student), REPORT, json!({"p": w.student, "t": format!("汇报{n}")}))
            .await;
        ok(&body);
    }
    // A list without `first` gives the default page of 100; pages follow by `after`.
    let (_, body) = w
        .app
        .graphql_as(Some(&student), "{ me { thoughtReports { id title } } }", json!({}))
        .await;
    let first_page = ok(&body)["me"]["thoughtReports"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(first_page.len(), 100);
    let last = first_page[99]["id"].clone();
    let (_, body) = w
        .app
        .graphql_as(
            Some(&student),
            "query($a: ID){ me { thoughtReports(first: 50, after: $a) { title } } }",
            json!({"a": last}),
        )
        .await;
    let rest = ok(&body)["me"]["thoughtReports"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(rest.len(), 20, "120 = 100 + 20");
    assert_eq!(rest[0]["title"], "汇报100");

    // The attack: the student's own list aliased many times.
    let aliased = |n: usize, first: &str| -> String {
        (0..n)
            .map(|i| format!("a{i}: me {{ thoughtReports{first} {{ title submittedOn }} }} "))
            .collect()
    };
    // 300 aliases × (100 × 2 + 1) > 20,000.
    let body = w
        .refused(
            &student,
            &format!("{{ {} }}", aliased(300, "")),
            json!({}),
            "GRAPHQL_VALIDATION_FAILED",
        )
        .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("complex"),
        "{}",
        truncated(&body)
    );
    // 30 aliases of pages of 500: 30 × (500 × 2 + 1) > 20,000.
    w.refused(
        &student,
        &format!("{{ {} }}", aliased(30, "(first: 500)")),
        json!({}),
        "GRAPHQL_VALIDATION_FAILED",
    )
    .await;
    // Nesting a list in a list in a list multiplies.
    let nested = "{ me { pairings { contacts { pairing { contacts { pairing { contacts { id } } } } } } } }";
    w.refused(&student, nested, json!({}), "GRAPHQL_VALIDATION_FAILED")
        .await;
    // A negative page is bad input on `first`.
    let (_, body) = w
        .app
        .graphql_as(Some(&student), "{ me { thoughtReports(first: -1) { id } } }", json!({}))
        .await;
    assert_eq!(code_of(&body), Some("BAD_INPUT"), "{body}");
    // A stream is paged by the database: its total comes from the state, its page from
    // the rows after the cursor, so `first: 0` reads no rows however long the stream.
    const STREAM: &str = "query($p: ID!, $a: String, $n: Int){ events(streamId: $p, after: $a, first: $n){ \
        totalCount nodes { kind } pageInfo { hasNextPage endCursor } } }";
    let page = |after: Option<String>, first: i64| {
        let (app, student, person) = (&w.app, student.clone(), w.student.clone());
        async move {
            let (_, body) = app
                .graphql_as(Some(&student), STREAM, json!({"p": person, "a": after, "n": first}))
                .await;
            ok(&body)["events"].clone()
        }
    };
    let empty = page(None, 0).await;
    // The student's stream: PersonRegistered and the 120 reports (the pairing and the
    // screening are other streams) = 121.
    assert_eq!(empty["totalCount"], 121, "{empty}");
    assert_eq!(empty["nodes"].as_array().map(Vec::len), Some(0));
    assert_eq!(empty["pageInfo"]["hasNextPage"], true);
    let (mut seen, mut after) = (0, None);
    loop {
        let events = page(after.clone(), 50).await;
        seen += events["nodes"].as_array().map_or(0, Vec::len);
        if events["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = events["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, 121, "50 + 50 + 21");
    // `people` and `pairings` sort their whole scope whatever page they return, so each
    // costs a scope computation: 21 aliases × (1,000 + 2) > 20,000, even at `first: 0`.
    let scans: String = (0..21)
        .map(|i| format!("p{i}: people(first: 0) {{ totalCount }} "))
        .collect();
    w.refused(
        &student,
        &format!("{{ {scans} }}"),
        json!({}),
        "GRAPHQL_VALIDATION_FAILED",
    )
    .await;
    w.still_well("aliased lists").await;

    // What a front end sends still runs: a page of 100 people, a dashboard.
    let counsellor = w.counsellor_token.clone();
    let (_, body) = w
        .app
        .graphql_as(
            Some(&counsellor),
            "query($u: ID!){ people(scopeId: $u, first: 100){ totalCount nodes { id name number stage } \
             edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }",
            json!({"u": w.college}),
        )
        .await;
    assert_eq!(ok(&body)["people"]["totalCount"], 3, "S-1, M-1 and C-1: {body}");
    let dashboard = "query($u: ID!){ pairings(scopeId: $u, first: 100){ totalCount nodes { id kind startsOn \
        mentors { name } mentee { name } lastContactAt alert { severity dueAt daysOverdue } } } \
        contactAlerts(scopeId: $u){ severity pairing { id } } }";
    let (_, body) = w
        .app
        .graphql_as(Some(&counsellor), dashboard, json!({"u": w.college}))
        .await;
    assert_eq!(ok(&body)["pairings"]["totalCount"], 1, "{body}");
    w.app.stop().await;
}
