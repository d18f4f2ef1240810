//! Seed 002's reviews and reports through HTTP (issue 11): the branch records an activist's
//! 考察鉴定 (「每季度对入党积极分子进行考察鉴定」) and a probationary member's 综合鉴定
//! (「支部每半年进行一次综合鉴定」); the secretary's alerts say when the next is due; a
//! mentor may not record one; a thought report says whom it was handed to.

use serde_json::{Value, json};
use tests::app::{TestApp, spawn_app};
use tests::{DbKind, fresh};

fn data<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "{body}");
    &body["data"][field]
}

fn refusal(body: &Value) -> (&Value, &Value) {
    let e = &body["errors"][0]["extensions"];
    (&e["code"], &e["field"])
}

async fn id(app: &TestApp, query: &str, variables: Value, field: &str) -> Value {
    data(&app.graphql(query, variables).await, field)["id"].clone()
}

const ALERTS: &str = "query($s: ID!, $t: DateTime!){ secretaryAlerts(scopeId:$s, asOf:$t, minSeverity:OK){ kind subjectId severity dueAt daysOverdue detail } }";

/// The alert of `kind` about `subject` as of `as_of`, as the secretary sees it.
async fn alert(app: &TestApp, token: &str, scope: &Value, as_of: &str, kind: &str, subject: &Value) -> Value {
    let (_, body) = app
        .graphql_as(Some(token), ALERTS, json!({"s": scope, "t": as_of}))
        .await;
    data(&body, "secretaryAlerts")
        .as_array()
        .and_then(|list| list.iter().find(|a| a["kind"] == kind && a["subjectId"] == *subject))
        .cloned()
        .unwrap_or_else(|| panic!("no {kind} about {subject}: {body}"))
}

async fn reviews(backend: DbKind) {
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
        json!({"i": {"kind": "BRANCH", "name": "艺术与设计系学生党支部", "parentId": school}}),
        "createOrgUnit",
    )
    .await;
    const PERSON: &str = "mutation($i: RegisterPersonInput!){ registerPerson(input:$i){ id } }";
    let person = |number: &str, stage: &str, since: Option<&str>| json!({"i": {"number": number, "name": number, "orgUnitIds": [branch], "stage": stage, "stageSince": since}});
    let secretary = id(
        &app,
        PERSON,
        person("S-1", "FULL", Some("2020-06-01")),
        "registerPerson",
    )
    .await;
    let mentor = id(
        &app,
        PERSON,
        person("M-1", "FULL", Some("2021-06-01")),
        "registerPerson",
    )
    .await;
    let activist = id(
        &app,
        PERSON,
        person("A-1", "ACTIVIST", Some("2025-09-10")),
        "registerPerson",
    )
    .await;
    let probationary = id(
        &app,
        PERSON,
        person("P-1", "PROBATIONARY", Some("2025-11-20")),
        "registerPerson",
    )
    .await;
    let role = "mutation($p: ID!, $s: ID!){ assignRole(personId:$p, role:BRANCH_SECRETARY, scopeId:$s){ id } }";
    data(
        &app.graphql(role, json!({"p": secretary, "s": branch})).await,
        "assignRole",
    );
    // The mentor is the activist's 培养联系人: they record for the activist, but a review is
    // the branch's.
    let form = "mutation($i: FormPairingInput!){ formPairing(input:$i){ id } }";
    let pairing = json!({"i": {"kind": "CULTIVATION_CONTACT", "mentorIds": [mentor], "menteeId": activist,
        "startsOn": "2025-09-10", "cadence": {"atLeast": 1, "calendar": "MONTH"}}});
    data(&app.graphql(form, pairing).await, "formPairing");
    let (secretary_token, mentor_token) = (app.token("S-1", false), app.token("M-1", false));

    const REVIEW: &str =
        "mutation($i: RecordReviewInput!){ recordReview(input:$i){ id kind reviewedOn note person { id } } }";
    let review = |person: &Value, kind: &str, on: &str, note: &str| json!({"i": {"personId": person, "kind": kind, "reviewedOn": on, "note": note}});
    let (_, refused) = app
        .graphql_as(
            Some(&mentor_token),
            REVIEW,
            review(&activist, "ACTIVIST_REVIEW", "2025-09-25", "合格"),
        )
        .await;
    assert_eq!(refusal(&refused).0, "FORBIDDEN", "{refused}");
    // A probationary member's review of an activist, and a note over 5,000 characters: bad input.
    let (_, wrong) = app
        .graphql_as(
            Some(&secretary_token),
            REVIEW,
            review(&activist, "PROBATION_REVIEW", "2025-09-25", "合格"),
        )
        .await;
    assert_eq!(refusal(&wrong), (&json!("BAD_INPUT"), &json!("kind")), "{wrong}");
    let long = "长".repeat(5_001);
    let (_, long) = app
        .graphql_as(
            Some(&secretary_token),
            REVIEW,
            review(&activist, "ACTIVIST_REVIEW", "2025-09-25", &long),
        )
        .await;
    assert_eq!(refusal(&long), (&json!("BAD_INPUT"), &json!("note")), "{long}");

    // The secretary reviews the activist on 25 Sep: Q3 met, Q4's review due 1 Jan 2026;
    // 29 Dec 00:00 is 3 days before it.
    let (_, recorded) = app
        .graphql_as(
            Some(&secretary_token),
            REVIEW,
            review(&activist, "ACTIVIST_REVIEW", "2025-09-25", "考察合格"),
        )
        .await;
    let recorded = data(&recorded, "recordReview").clone();
    assert_eq!(
        (
            &recorded["kind"],
            &recorded["reviewedOn"],
            &recorded["note"],
            &recorded["person"]["id"]
        ),
        (
            &json!("ACTIVIST_REVIEW"),
            &json!("2025-09-25"),
            &json!("考察合格"),
            &activist
        )
    );
    let a = alert(
        &app,
        &secretary_token,
        &branch,
        "2025-12-29T00:00:00+08:00",
        "ACTIVIST_REVIEW",
        &activist,
    )
    .await;
    assert_eq!(
        (&a["severity"], &a["dueAt"]),
        (&json!("DUE_SOON"), &json!("2026-01-01T00:00:00+08:00")),
        "{a}"
    );
    // The activist reads their own reviews (their record).
    let own = "query($p: ID!){ person(id:$p){ reviews { id kind } } }";
    let (_, mine) = app
        .graphql_as(Some(&app.token("A-1", false)), own, json!({"p": activist}))
        .await;
    assert_eq!(data(&mine, "person")["reviews"][0]["id"], recorded["id"], "{mine}");

    // The probationary member, not yet reviewed, owes the term 2025-2026-1's 综合鉴定 at its end.
    let a = alert(
        &app,
        &secretary_token,
        &branch,
        "2025-12-29T00:00:00+08:00",
        "PROBATION_REVIEW",
        &probationary,
    )
    .await;
    assert_eq!(
        (&a["severity"], &a["dueAt"]),
        (&json!("OK"), &json!("2026-03-01T00:00:00+08:00")),
        "{a}"
    );
    // A report to the party group on 25 Nov meets November for the party group (December's
    // is due 1 Jan), not the branch's quarter: Q4 (the first) is due 1 Jan; on 2 Jan both are
    // 1 day overdue, the branch's from Q4 and the party group's from December.
    const REPORT: &str = "mutation($p: ID!){ submitThoughtReport(input:{personId:$p, submittedOn:\"2025-11-25\", title:\"十一月思想汇报\", handedTo:PARTY_GROUP}){ handedTo } }";
    let report = app.graphql(REPORT, json!({"p": probationary})).await;
    assert_eq!(data(&report, "submitThoughtReport")["handedTo"], "PARTY_GROUP");
    let group = alert(
        &app,
        &secretary_token,
        &branch,
        "2025-12-10T00:00:00+08:00",
        "PARTY_GROUP_REPORT",
        &probationary,
    )
    .await;
    assert_eq!(
        (&group["severity"], &group["dueAt"]),
        (&json!("OK"), &json!("2026-01-01T00:00:00+08:00")),
        "{group}"
    );
    let quarter = alert(
        &app,
        &secretary_token,
        &branch,
        "2026-01-02T00:00:00+08:00",
        "THOUGHT_REPORT",
        &probationary,
    )
    .await;
    assert_eq!(
        (&quarter["severity"], &quarter["daysOverdue"]),
        (&json!("OVERDUE"), &json!(1)),
        "{quarter}"
    );

    // Retracting the review (the secretary may, as they may record it) reopens Q3: due 1 Oct.
    const RETRACT: &str = "mutation($e: ID!){ retractEvent(eventId:$e, reason:\"录入错误\"){ id } }";
    let (_, retracted) = app
        .graphql_as(Some(&secretary_token), RETRACT, json!({"e": recorded["id"]}))
        .await;
    data(&retracted, "retractEvent");
    let a = alert(
        &app,
        &secretary_token,
        &branch,
        "2025-12-29T00:00:00+08:00",
        "ACTIVIST_REVIEW",
        &activist,
    )
    .await;
    assert_eq!(
        (&a["severity"], &a["dueAt"]),
        (&json!("OVERDUE"), &json!("2025-10-01T00:00:00+08:00")),
        "{a}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_branch_reviews_and_the_alerts_follow_on_sqlite() {
    reviews(DbKind::Sqlite).await;
}

#[tokio::test]
async fn the_branch_reviews_and_the_alerts_follow_on_postgres() {
    reviews(DbKind::Postgres).await;
}
