//! The most expensive requests a student can still make: `cargo bench -p tests --bench hostile`.
//!
//! Starts `bangfu serve` on a fresh SQLite database as a child process (release build), gives
//! a student 500 thought reports, then sends each candidate 20 times with the student's
//! token and prints the median and worst time, the size of the answer, and the server's
//! peak resident memory (`VmHWM`) after each. The refused shapes of issue 10 run last, for
//! comparison. Figures, not assertions: `tests/tests/e2e/hostile/` asserts the bounds.

use serde_json::{Value, json};
use std::time::{Duration, Instant};

const RUNS: usize = 20;

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let db = tests::fresh_sqlite().await;
    let app = tests::app::spawn_app_process(env!("CARGO_BIN_EXE_bangfu-under-test"), &db.url).await;
    const UNIT: &str = "mutation($i: CreateOrgUnitInput!){ createOrgUnit(input:$i){ id } }";
    let school = app
        .graphql(UNIT, json!({"i": {"kind": "SCHOOL", "name": "大学"}}))
        .await;
    let school = school["data"]["createOrgUnit"]["id"].clone();
    let college = app
        .graphql(
            UNIT,
            json!({"i": {"kind": "COLLEGE", "name": "学院", "parentId": school}}),
        )
        .await["data"]["createOrgUnit"]["id"]
        .clone();
    let student = app
        .graphql(
            "mutation($u: ID!){ registerPerson(input:{number:\"S-1\", name:\"学生\", orgUnitIds:[$u]}){ id } }",
            json!({"u": college}),
        )
        .await["data"]["registerPerson"]["id"]
        .clone();
    let token = app.token("S-1", false);
    const REPORT: &str = "mutation($p: ID!, $t: String!){ submitThoughtReport(input:{personId:$p, submittedOn:\"2025-10-01\", title:$t, wordCount: 3000}){ id } }";
    for n in 0..500 {
        let title = format!("第{n}份思想汇报：学习二十大精神的体会与不足之处");
        app.graphql_as(Some(&token), REPORT, json!({"p": student, "t": title}))
            .await;
    }
    println!("the worst requests a student can make ({RUNS} runs each; SQLite; 500 thought reports)");
    println!(
        "{:<58} {:>9} {:>9} {:>10} {:>9}",
        "request", "median", "worst", "answer", "peak RSS"
    );

    // Nine pages of 500 reports, four fields each: 9 × (500 × 4 + 1) + 9 = 18,018 of 20,000.
    let pages: String = (0..9)
        .map(|i| format!("a{i}: me {{ thoughtReports(first: 500) {{ id title submittedOn wordCount }} }} "))
        .collect();
    measure(
        &app,
        &token,
        "9 aliased pages of 500 reports (complexity 18,018)",
        &format!("{{ {pages} }}"),
        json!({}),
    )
    .await;
    // A fragment chain just under the selection limit: F(n) = 1 + 2 × (1 + F(n-1)), F(0) = 1,
    // so 8 levels select 1,021 fields and spreads (9 would be 2,045: refused).
    let mut chain = String::from("{ me { ...F8 } } fragment F0 on Person { name } ");
    for n in 1..=8 {
        chain.push_str(&format!(
            "fragment F{n} on Person {{ a{n}: stage ...F{} ...F{} }} ",
            n - 1,
            n - 1
        ));
    }
    measure(
        &app,
        &token,
        "a doubling fragment chain, 8 levels (1,023 selections)",
        &chain,
        json!({}),
    )
    .await;
    let aliases: String = (0..1_700).map(|i| format!("a{i}: __typename ")).collect();
    measure(
        &app,
        &token,
        "1,700 aliases of __typename (30 KB)",
        &format!("{{ {aliases} }}"),
        json!({}),
    )
    .await;
    measure(
        &app,
        &token,
        "GraphiQL's introspection query (development)",
        tests::INTROSPECTION,
        json!({}),
    )
    .await;
    // The review's class-2 shape: the student's own stream (501 events) asked 480 times
    // for no rows; the page is read by the database, the total from the state.
    let streams: String = (0..480)
        .map(|i| format!("e{i}: events(streamId: $p, first: 0) {{ totalCount }} "))
        .collect();
    measure(
        &app,
        &token,
        "480 aliases of events(own stream, first: 0)",
        &format!("query($p: ID!) {{ {streams} }}"),
        json!({"p": student}),
    )
    .await;
    let pad = "汇".repeat(300_000);
    measure(
        &app,
        &token,
        "a 900 KB variable beside a cheap query",
        "query($pad: String!){ __type(name: $pad) { name } }",
        json!({"pad": pad}),
    )
    .await;

    println!("refused, for comparison:");
    let mut doubling = String::from("{ ...F28 } fragment F0 on Query { __typename } ");
    for n in 1..=28 {
        doubling.push_str(&format!("fragment F{n} on Query {{ ...F{} ...F{} }} ", n - 1, n - 1));
    }
    measure(
        &app,
        &token,
        "28 levels of doubling fragments (issue 10: aborted)",
        &doubling,
        json!({}),
    )
    .await;
    // The review's class-1 shape: an unused fragment spreading a wide one (2.7 s, 1.18 GB
    // before unused fragments were refused).
    let wide: String = (0..200)
        .map(|i| format!("a{i}: __typename b{i}: __typename "))
        .collect();
    let spreads: String = (0..20)
        .map(|i| format!("c{i}: __schema {{ queryType {{ ...F }} }} "))
        .collect();
    measure(
        &app,
        &token,
        "an unused fragment spreading a wide one 20 times",
        &format!("{{ me {{ id }} }} fragment F on __Type {{ {wide} }} fragment U on Query {{ {spreads} }}"),
        json!({}),
    )
    .await;
    let aliased: String = (0..300)
        .map(|i| format!("a{i}: me {{ thoughtReports {{ title }} }} "))
        .collect();
    measure(
        &app,
        &token,
        "300 aliases of the student's reports",
        &format!("{{ {aliased} }}"),
        json!({}),
    )
    .await;
    app.stop().await;
    Ok(())
}

async fn measure(app: &tests::app::TestApp, token: &str, label: &str, query: &str, variables: Value) {
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut bytes = 0;
    let mut outcome = String::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let response = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(token)
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await;
        let text = match response {
            Ok(response) => response.text().await.unwrap_or_default(),
            Err(error) => format!("{{\"transport\": \"{error}\"}}"),
        };
        times.push(started.elapsed());
        bytes = text.len();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        outcome = match body["errors"][0]["extensions"]["code"].as_str() {
            Some(code) => code.to_owned(),
            None => "answered".to_owned(),
        };
    }
    times.sort();
    let peak = app
        .server_peak_memory_mib()
        .map_or("?".to_owned(), |m| format!("{m} MiB"));
    println!(
        "{label:<58} {:>7.1}ms {:>7.1}ms {:>8}kB {peak:>9}  {outcome}",
        ms(times[RUNS / 2]),
        ms(times[RUNS - 1]),
        bytes / 1024,
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}
