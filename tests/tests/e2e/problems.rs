//! Seed 000's 「至少解决1个实际问题」 through HTTP (issue 11): a pairing's cadence may name
//! `problemsPerTerm`; a term whose counted contacts solved fewer problems raises
//! `PROBLEMS_UNSOLVED` for the secretary, due at the term's end.

use serde_json::{Value, json};
use tests::app::{TestApp, spawn_app};
use tests::{DbKind, fresh};

fn data<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "{body}");
    &body["data"][field]
}

async fn id(app: &TestApp, query: &str, variables: Value, field: &str) -> Value {
    data(&app.graphql(query, variables).await, field)["id"].clone()
}

async fn problems(backend: DbKind) {
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
        json!({"i": {"kind": "BRANCH", "name": "工业与信息学院支部", "parentId": school}}),
        "createOrgUnit",
    )
    .await;
    const PERSON: &str = "mutation($i: RegisterPersonInput!){ registerPerson(input:$i){ id } }";
    let person = |number: &str, stage: &str| json!({"i": {"number": number, "name": number, "orgUnitIds": [branch], "stage": stage}});
    let mentor = id(&app, PERSON, person("M-1", "FULL"), "registerPerson").await;
    let mentee = id(&app, PERSON, person("A-1", "ACTIVIST"), "registerPerson").await;
    const FORM: &str =
        "mutation($i: FormPairingInput!){ formPairing(input:$i){ id cadence { minMinutes problemsPerTerm } } }";
    let input = |cadence: Value| {
        json!({"i": {"kind": "ONE_TO_ONE", "mentorIds": [mentor], "menteeId": mentee,
        "startsOn": "2025-09-01", "cadence": cadence}})
    };
    let bad = app
        .graphql(FORM, input(json!({"calendar": "MONTH", "problemsPerTerm": 0})))
        .await;
    let e = &bad["errors"][0]["extensions"];
    assert_eq!(
        (&e["code"], &e["field"]),
        (&json!("BAD_INPUT"), &json!("cadence.problemsPerTerm")),
        "{bad}"
    );
    // 每个月至少交流一次, each at least 30 minutes, 2 problems solved a term.
    let formed = app
        .graphql(
            FORM,
            input(json!({"calendar": "MONTH", "minMinutes": 30, "problemsPerTerm": 2})),
        )
        .await;
    let pairing = data(&formed, "formPairing").clone();
    assert_eq!(pairing["cadence"]["problemsPerTerm"], 2, "{formed}");
    let pairing = pairing["id"].clone();
    const CONTACT: &str = "mutation($p: ID!, $t: DateTime!, $n: Int!, $m: Int){ recordContact(input:{pairingId:$p, occurredAt:$t, form:FACE_TO_FACE, problemsSolved:$n, durationMinutes:$m}){ id } }";
    // 10 Sep: 1 problem in 45 minutes (counts); 15 Oct: 1 problem in 20 minutes (too short).
    for (t, n, m) in [
        ("2025-09-10T10:00:00+08:00", 1, 45),
        ("2025-10-15T10:00:00+08:00", 1, 20),
    ] {
        let body = app
            .graphql(CONTACT, json!({"p": pairing, "t": t, "n": n, "m": m}))
            .await;
        data(&body, "recordContact");
    }
    const ALERTS: &str = "query($s: ID!, $t: DateTime!){ secretaryAlerts(scopeId:$s, asOf:$t, minSeverity:OVERDUE){ kind subjectId severity dueAt daysOverdue detail } }";
    let unsolved = |t: &'static str| {
        let (app, branch) = (&app, branch.clone());
        async move {
            let body = app.graphql(ALERTS, json!({"s": branch, "t": t})).await;
            data(&body, "secretaryAlerts")
                .as_array()
                .map(|list| {
                    list.iter()
                        .filter(|a| a["kind"] == "PROBLEMS_UNSOLVED")
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_else(|| panic!("{body}"))
        }
    };
    // As of 5 Mar 2026: term 2025-2026-1 solved 1 counted problem of 2, due 1 Mar: 4 days overdue.
    let a = unsolved("2026-03-05T00:00:00+08:00").await;
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(
        (
            &a[0]["subjectId"],
            &a[0]["severity"],
            &a[0]["dueAt"],
            &a[0]["daysOverdue"]
        ),
        (
            &pairing,
            &json!("OVERDUE"),
            &json!("2026-03-01T00:00:00+08:00"),
            &json!(4)
        )
    );
    let detail = a[0]["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("2025-2026-1") && detail.contains("1 solved"),
        "{detail}"
    );
    // Before the term ends it is not yet overdue.
    assert!(unsolved("2026-02-20T00:00:00+08:00").await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_term_short_of_problems_solved_is_an_alert_on_sqlite() {
    problems(DbKind::Sqlite).await;
}

#[tokio::test]
async fn a_term_short_of_problems_solved_is_an_alert_on_postgres() {
    problems(DbKind::Postgres).await;
}
