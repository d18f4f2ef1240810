//! Who is assessed, and the band at exactly 60, through HTTP (issue 11, items 2 and 5): a
//! rubric assesses its population; seed 003's 「60分以下」 includes 60.

use serde_json::{Value, json};
use tests::app::{TestApp, spawn_app};
use tests::{DbKind, fresh};

async fn id(app: &TestApp, query: &str, variables: Value, field: &str) -> String {
    let body = app.graphql(query, variables).await;
    body["data"][field]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

async fn assessed(backend: DbKind) {
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
    let register = |number: &'static str, stage: &'static str, key_target: bool| {
        let app = &app;
        let branch = branch.clone();
        async move {
            let input = json!({"i": {"number": number, "name": format!("人{number}"), "orgUnitIds": [branch],
                "stage": stage, "keyCultivationTarget": key_target}});
            id(app, PERSON, input, "registerPerson").await
        }
    };
    let member = register("M-5", "FULL", false).await;
    let probationary = register("P-1", "PROBATIONARY", false).await;
    let target = register("A-1", "ACTIVIST", true).await;
    let activist = register("A-2", "ACTIVIST", false).await;

    // assessments lists the rubric's population only.
    let listed = |rubric: &'static str| {
        let (app, branch) = (&app, branch.clone());
        async move {
            let body = app
                .graphql(
                    "query($s: ID!, $r: String!){ assessments(scopeId:$s, rubric:$r, period:\"2025-2026\"){ person { id } } }",
                    json!({"s": branch, "r": rubric}),
                )
                .await;
            let mut ids: Vec<String> = body["data"]["assessments"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"))
                .iter()
                .filter_map(|a| a["person"]["id"].as_str().map(str::to_owned))
                .collect();
            ids.sort();
            ids
        }
    };
    let mut members = vec![member.clone(), probationary.clone()];
    members.sort();
    assert_eq!(listed("member-100").await, members, "全體黨員: full and probationary");
    assert_eq!(
        listed("key-target-100").await,
        std::slice::from_ref(&target),
        "入党重点培养对象 only"
    );
    assert!(
        listed("leader-100").await.is_empty(),
        "no one holds a branch office yet"
    );

    // assessment(person) outside the population says so, with a code and the field.
    const ONE: &str =
        "query($p: ID!, $r: String!){ assessment(personId:$p, rubric:$r, period:\"2025-2026\"){ total band } }";
    let body = app.graphql(ONE, json!({"p": activist, "r": "member-100"})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "personId", "{body}");
    let body = app.graphql("{ rubrics { key population } }", json!({})).await;
    let populations: Vec<(String, String)> = body["data"]["rubrics"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap_or_default().to_owned(),
                r["population"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert!(
        populations.contains(&("leader-100".into(), "BRANCH_OFFICERS".into())),
        "{body}"
    );

    // M-5 scores exactly 60 under member-100 (domain test member_100_bands_include_exactly_90_and_exactly_60):
    // 学习 20 (2万字, 2 篇); 组织生活 20 − 6 × 3 (无故) = 2; 岗位 40 + 3 − 5 − 5 = 33; 民主评议 20;
    // 量化 75; 0.8 × 75 + 0.2 × 0 (poll) = 60 → UNQUALIFIED (60分以下 includes 60).
    const ACTIVITY: &str = "mutation($p: ID!, $k: MemberActivityKind!, $d: Date!, $q: Float!){ \
        recordMemberActivity(input:{personId:$p, kind:$k, occurredOn:$d, quantity:$q}){ kind } }";
    let mut facts = vec![
        ("STUDY_NOTES", "2025-10-01", 20_000.0),
        ("THEORY_ARTICLE", "2025-12-01", 2.0),
        ("DEED_FOR_MASSES", "2026-03-05", 1.0),
        ("TASK_NOT_COMPLETED", "2026-04-05", 1.0),
        ("POOR_EXAMPLE", "2026-05-05", 1.0),
    ];
    for day in [
        "2025-11-01",
        "2025-11-02",
        "2025-11-03",
        "2025-11-04",
        "2025-11-05",
        "2025-11-06",
    ] {
        facts.push(("ORG_LIFE_MISSED_WITHOUT_LEAVE", day, 1.0));
    }
    for (kind, on, quantity) in facts {
        let body = app
            .graphql(ACTIVITY, json!({"p": member, "k": kind, "d": on, "q": quantity}))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let body = app
        .graphql(
            "mutation($p: ID!){ recordDemocraticEvaluation(input:{personId:$p, period:\"2025-2026\", grade:QUALIFIED, pollScore:0}){ grade } }",
            json!({"p": member}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let body = app.graphql(ONE, json!({"p": member, "r": "member-100"})).await;
    assert_eq!(body["data"]["assessment"]["total"], 60.0, "{body}");
    assert_eq!(body["data"]["assessment"]["band"], "UNQUALIFIED", "{body}");
    app.stop().await;
}

#[tokio::test]
async fn a_rubric_assesses_its_population_on_sqlite() {
    assessed(DbKind::Sqlite).await;
}

#[tokio::test]
async fn a_rubric_assesses_its_population_on_postgres() {
    assessed(DbKind::Postgres).await;
}
