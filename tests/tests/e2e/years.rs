//! Calendar-year periods and seed 002's composites, through HTTP (issue 11, "not encoded
//! yet"): volunteer-week over `2025` (seed 003 办法一 「一年工作總時間達35小時,工作次數不少於
//! 18次」, 「以自然年度為限」), a rubric refusing a kind of period it does not take, and
//! development-defence and probationary-review (seed 002) from the evaluators' scores.

use serde_json::{Value, json};
use tests::app::{TestApp, spawn_app};
use tests::{DbKind, fresh};

async fn ok(app: &TestApp, query: &str, variables: Value) -> Value {
    let body = app.graphql(query, variables).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

async fn id(app: &TestApp, query: &str, variables: Value, field: &str) -> String {
    let data = ok(app, query, variables).await;
    data[field]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{data}"))
        .to_owned()
}

const ONE: &str = "query($p: ID!, $r: String!, $t: String!){ assessment(personId:$p, rubric:$r, period:$t){ period total band items { key score } } }";

/// A refusal of the `period` argument; returns the message.
async fn refused_period(app: &TestApp, query: &str, variables: Value) -> String {
    let body = app.graphql(query, variables).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "period", "{body}");
    body["errors"][0]["message"].as_str().unwrap_or_default().to_owned()
}

async fn years(backend: DbKind) {
    let Some(db) = fresh(backend).await else { return };
    let app = spawn_app(&db.url).await;
    const UNIT: &str = "mutation($i: CreateOrgUnitInput!){ createOrgUnit(input:$i){ id } }";
    let school = id(
        &app,
        UNIT,
        json!({"i": {"kind": "SCHOOL", "name": "大学"}}),
        "createOrgUnit",
    )
    .await;
    let branch = id(
        &app,
        UNIT,
        json!({"i": {"kind": "BRANCH", "name": "支部", "parentId": school}}),
        "createOrgUnit",
    )
    .await;
    const PERSON: &str = "mutation($i: RegisterPersonInput!){ registerPerson(input:$i){ id } }";
    let register = |number: &'static str, stage: &'static str| {
        let (app, branch) = (&app, branch.clone());
        async move {
            let input =
                json!({"i": {"number": number, "name": format!("人{number}"), "orgUnitIds": [branch], "stage": stage}});
            id(app, PERSON, input, "registerPerson").await
        }
    };

    // --- volunteer-week over the calendar year 2025 ---
    let member = register("V-1", "FULL").await;
    const SERVE: &str = "mutation($p: ID!, $d: Date!, $h: Float!){ logVolunteerService(input:{personId:$p, servedOn:$d, hours:$h, activity:\"义工\"}){ id } }";
    // 17 sessions of 2 h in March 2025, the 18th (1 h) on 31 December 2025, and one more on
    // 1 January 2026, which belongs to the next year.
    for d in 1..=17 {
        ok(
            &app,
            SERVE,
            json!({"p": member, "d": format!("2025-03-{d:02}"), "h": 2.0}),
        )
        .await;
    }
    ok(&app, SERVE, json!({"p": member, "d": "2025-12-31", "h": 1.0})).await;
    ok(&app, SERVE, json!({"p": member, "d": "2026-01-01", "h": 5.0})).await;
    // 2025: 17 × 2 + 1 = 35 h (達35小時) and 18 sessions (不少於18次) → 100, QUALIFIED.
    let data = ok(&app, ONE, json!({"p": member, "r": "volunteer-week", "t": "2025"})).await;
    assert_eq!(data["assessment"]["period"], "2025", "{data}");
    assert_eq!(data["assessment"]["total"], 100.0, "{data}");
    assert_eq!(data["assessment"]["band"], "QUALIFIED", "{data}");
    // 2026 so far: 5 h in 1 session → 0, UNQUALIFIED.
    let data = ok(&app, ONE, json!({"p": member, "r": "volunteer-week", "t": "2026"})).await;
    assert_eq!(data["assessment"]["total"], 0.0, "{data}");
    assert_eq!(data["assessment"]["band"], "UNQUALIFIED", "{data}");
    // Over an academic year it is refused, naming the kinds it takes.
    let message = refused_period(&app, ONE, json!({"p": member, "r": "volunteer-week", "t": "2025-2026"})).await;
    assert!(message.contains("it takes calendar years"), "{message}");
    // member-100 takes the calendar year; key-target-100 and the rankings do not.
    let data = ok(&app, ONE, json!({"p": member, "r": "member-100", "t": "2025"})).await;
    assert_eq!(data["assessment"]["period"], "2025", "{data}");
    let message = refused_period(
        &app,
        "query($s: ID!){ assessments(scopeId:$s, rubric:\"key-target-100\", period:\"2025\"){ total } }",
        json!({"s": branch}),
    )
    .await;
    assert!(message.contains("academic years (like 2025-2026), terms"), "{message}");
    refused_period(
        &app,
        "query($s: ID!){ partyStars(scopeId:$s, period:\"2025\"){ quota } }",
        json!({"s": branch}),
    )
    .await;
    let data = ok(&app, "{ rubrics { key periods population } }", json!({})).await;
    let rubrics = data["rubrics"].as_array().cloned().unwrap_or_default();
    let of = |key: &str| rubrics.iter().find(|r| r["key"] == key).cloned().unwrap_or(Value::Null);
    assert_eq!(
        of("member-100")["periods"],
        json!(["CALENDAR_YEAR", "ACADEMIC_YEAR"]),
        "{data}"
    );
    assert_eq!(
        of("key-target-100")["periods"],
        json!(["ACADEMIC_YEAR", "TERM"]),
        "{data}"
    );
    assert_eq!(of("development-defence")["population"], "DEVELOPMENT_TARGETS", "{data}");
    assert_eq!(
        of("probationary-review")["population"],
        "PROBATIONARY_MEMBERS",
        "{data}"
    );

    // --- seed 002: the evaluators' scores ---
    const SCORE: &str = "mutation($p: ID!, $r: String!, $t: String!, $k: String!, $e: EvaluatorRole!, $s: Float!){ \
        recordEvaluation(input:{personId:$p, rubric:$r, period:$t, itemKey:$k, evaluator:$e, score:$s}){ evaluator } }";
    let target = register("D-1", "DEVELOPMENT_TARGET").await;
    for (item, score) in [("defence", 80.0), ("daily_record", 90.0)] {
        let v =
            json!({"p": target, "r": "development-defence", "t": "2025-2026-2", "k": item, "e": "BRANCH", "s": score});
        ok(&app, SCORE, v).await;
    }
    // 「30%現場答辯和70%支部日常工作和現實表現」: 0.3 × 80 + 0.7 × 90 = 24 + 63 = 87 → QUALIFIED.
    let data = ok(
        &app,
        ONE,
        json!({"p": target, "r": "development-defence", "t": "2025-2026-2"}),
    )
    .await;
    assert_eq!(data["assessment"]["total"], 87.0, "{data}");
    assert_eq!(data["assessment"]["band"], "QUALIFIED", "{data}");

    let probationary = register("P-1", "PROBATIONARY").await;
    let aspects = ["political_thought", "party_spirit", "conduct", "mass_base"];
    for (evaluator, scores) in [
        ("SELF", [23.0, 22.0, 24.0, 21.0]),
        ("MASSES", [20.0, 18.0, 22.0, 20.0]),
        ("BRANCH", [22.0, 20.0, 23.0, 21.0]),
    ] {
        for (item, score) in aspects.iter().zip(scores) {
            let v = json!({"p": probationary, "r": "probationary-review", "t": "2025-2026-2", "k": item, "e": evaluator, "s": score});
            ok(&app, SCORE, v).await;
        }
    }
    // 「黨員自評20%、群衆評議30%、支部考核50%」: self 90, masses 80, branch 86 (out of 100);
    // 0.2 × 90 + 0.3 × 80 + 0.5 × 86 = 18 + 24 + 43 = 85 → QUALIFIED.
    let data = ok(
        &app,
        ONE,
        json!({"p": probationary, "r": "probationary-review", "t": "2025-2026-2"}),
    )
    .await;
    assert_eq!(data["assessment"]["total"], 85.0, "{data}");
    assert_eq!(data["assessment"]["band"], "QUALIFIED", "{data}");
    // The development target is not a probationary member.
    let body = app
        .graphql(
            ONE,
            json!({"p": target, "r": "probationary-review", "t": "2025-2026-2"}),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "personId", "{body}");
    app.stop().await;
}

#[tokio::test]
async fn calendar_years_and_seed_002_presets_on_sqlite() {
    years(DbKind::Sqlite).await;
}

#[tokio::test]
async fn calendar_years_and_seed_002_presets_on_postgres() {
    years(DbKind::Postgres).await;
}
