//! Issue 11's second-round rules through HTTP on both stores: a winter vacation across a
//! month's end (item 4), and 最具进步奖's three steps, 「由帮助人提名，学生党支部进行全面考核，
//! 报院党委审批」 (seed 001 九(三)).

use serde_json::{Value, json};
use tests::app::{TestApp, spawn_app};
use tests::{DbKind, fresh};

fn data<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "{body}");
    &body["data"][field]
}

const UNIT: &str = "mutation($i: CreateOrgUnitInput!){ createOrgUnit(input:$i){ id } }";
const PERSON: &str = "mutation($i: RegisterPersonInput!){ registerPerson(input:$i){ id } }";
const FORM: &str = "mutation($i: FormPairingInput!){ formPairing(input:$i){ id } }";

/// A school with a branch; a mentor (M-1, full member), a mentee (T-1, activist) paired
/// monthly from 1 Sep 2025, and the branch's secretary (S-1). Returns (branch, mentee,
/// pairing).
async fn branch(app: &TestApp) -> (Value, Value, Value) {
    let school = data(
        &app.graphql(UNIT, json!({"i": {"kind": "SCHOOL", "name": "示范大学"}}))
            .await,
        "createOrgUnit",
    )["id"]
        .clone();
    let branch = data(
        &app.graphql(
            UNIT,
            json!({"i": {"kind": "BRANCH", "name": "学生第一党支部", "parentId": school}}),
        )
        .await,
        "createOrgUnit",
    )["id"]
        .clone();
    let register = |number: &str, stage: &str, since: &str| json!({"i": {"number": number, "name": number, "orgUnitIds": [branch], "stage": stage, "stageSince": since}});
    let mentor = data(
        &app.graphql(PERSON, register("M-1", "FULL", "2023-06-01")).await,
        "registerPerson",
    )["id"]
        .clone();
    let mentee = data(
        &app.graphql(PERSON, register("T-1", "ACTIVIST", "2025-03-01")).await,
        "registerPerson",
    )["id"]
        .clone();
    let secretary = data(
        &app.graphql(PERSON, register("S-1", "FULL", "2020-06-01")).await,
        "registerPerson",
    )["id"]
        .clone();
    let role = "mutation($p: ID!, $s: ID!){ assignRole(personId:$p, role:BRANCH_SECRETARY, scopeId:$s){ id } }";
    data(
        &app.graphql(role, json!({"p": secretary, "s": branch})).await,
        "assignRole",
    );
    let pairing = json!({"i": {"kind": "ONE_TO_ONE", "mentorIds": [mentor], "menteeId": mentee,
        "startsOn": "2025-09-01", "cadence": {"atLeast": 1, "calendar": "MONTH"}}});
    let pairing = data(&app.graphql(FORM, pairing).await, "formPairing")["id"].clone();
    (branch, mentee, pairing)
}

async fn winter_vacation(backend: DbKind) {
    let Some(db) = fresh(backend).await else { return };
    let app = spawn_app(&db.url).await;
    let (branch, _, pairing) = branch(&app).await;
    let set = "mutation{ setVacations(vacations:[{from:\"2026-01-24\", to:\"2026-02-28\"}]){ from } }";
    data(&app.graphql(set, json!({})).await, "setVacations");
    let contact = "mutation($p: ID!){ recordContact(input:{pairingId:$p, occurredAt:\"2025-12-15T10:00:00+08:00\", form:FACE_TO_FACE}){ id } }";
    data(&app.graphql(contact, json!({"p": pairing})).await, "recordContact");
    let record = "mutation($p: ID!){ submitMonthlyRecord(pairingId:$p, month:\"2025-12\"){ id } }";
    data(&app.graphql(record, json!({"p": pairing})).await, "submitMonthlyRecord");

    // December is met; January is due. January's 8 vacation days (24–31 Jan) run from the
    // vacation's end: 1 Mar + 8 days = 9 Mar 00:00, not 9 Feb.
    let alerts =
        "query($s: ID!, $t: DateTime!){ contactAlerts(scopeId:$s, asOf:$t, minSeverity:OK){ severity dueAt } }";
    let at = |t: &str| json!({"s": branch, "t": t});
    let body = app.graphql(alerts, at("2026-02-10T12:00:00+08:00")).await;
    let a = &data(&body, "contactAlerts")[0];
    assert_eq!(
        (a["severity"].as_str(), a["dueAt"].as_str()),
        (Some("OK"), Some("2026-03-09T00:00:00+08:00")),
        "{body}"
    );
    let body = app.graphql(alerts, at("2026-03-09T00:00:00+08:00")).await;
    assert_eq!(data(&body, "contactAlerts")[0]["severity"], "OVERDUE", "{body}");

    // January's monthly record falls due at the same instant; February (wholly inside the
    // vacation) owes none.
    let secretary =
        "query($s: ID!, $t: DateTime!){ secretaryAlerts(scopeId:$s, asOf:$t, minSeverity:OK){ kind dueAt detail } }";
    let body = app.graphql(secretary, at("2026-02-10T12:00:00+08:00")).await;
    let record = |month: &str| {
        data(&body, "secretaryAlerts")
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["kind"] == "MONTHLY_RECORD" && a["detail"].as_str().is_some_and(|d| d.contains(month)))
            .cloned()
    };
    let january = record("2026-01").expect("January's record is owed");
    assert_eq!(january["dueAt"], "2026-03-09T00:00:00+08:00", "{body}");
    assert_eq!(record("2026-02"), None, "{body}");
    app.stop().await;
}

#[tokio::test]
async fn a_winter_vacation_moves_januarys_deadline_past_it_on_sqlite() {
    winter_vacation(DbKind::Sqlite).await;
}

#[tokio::test]
async fn a_winter_vacation_moves_januarys_deadline_past_it_on_postgres() {
    winter_vacation(DbKind::Postgres).await;
}

async fn nomination_steps(backend: DbKind) {
    let Some(db) = fresh(backend).await else { return };
    let app = spawn_app(&db.url).await;
    let (branch, mentee, _) = branch(&app).await;
    let as_person = |number: &str, query: &'static str| {
        let token = app.token(number, false);
        let vars = json!({"p": mentee});
        let app = &app;
        async move { app.graphql_as(Some(&token), query, vars).await.1 }
    };
    let code = |body: &Value| body["errors"][0]["extensions"]["code"].as_str().map(String::from);
    const NOMINATE: &str = "mutation($p: ID!){ nominate(input:{kind:MOST_IMPROVED, personId:$p, period:\"2025-2026\", reason:\"学习成绩进步明显\"}){ approved examination { passed } } }";
    const EXAMINE: &str = "mutation($p: ID!){ examineNomination(input:{kind:MOST_IMPROVED, personId:$p, period:\"2025-2026\", passed:true, opinion:\"全面考核合格\"}){ approved examination { passed opinion } } }";
    const APPROVE: &str =
        "mutation($p: ID!){ approve(input:{kind:MOST_IMPROVED, personId:$p, period:\"2025-2026\"}){ approved } }";

    // The branch secretary may not nominate; the mentor does (「由帮助人提名」).
    assert_eq!(code(&as_person("S-1", NOMINATE).await).as_deref(), Some("FORBIDDEN"));
    let body = as_person("M-1", NOMINATE).await;
    assert_eq!(data(&body, "nominate")["examination"], Value::Null, "{body}");
    // The committee cannot approve before the branch has examined; the mentor cannot examine.
    let body = app.graphql(APPROVE, json!({"p": mentee})).await;
    assert_eq!(code(&body).as_deref(), Some("BAD_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "personId", "{body}");
    assert_eq!(code(&as_person("M-1", EXAMINE).await).as_deref(), Some("FORBIDDEN"));
    let body = as_person("S-1", EXAMINE).await;
    assert_eq!(
        data(&body, "examineNomination")["examination"]["opinion"],
        "全面考核合格",
        "{body}"
    );
    // Once examined, a second examination is a conflict; the approval goes through. The
    // ranking asked twice before it (the second answer kept from the first) and once after
    // it: the approval shows at once.
    assert_eq!(code(&as_person("S-1", EXAMINE).await).as_deref(), Some("CONFLICT"));
    let ranking = "query($s: ID!){ mostImproved(scopeId:$s, period:\"2025-2026\"){ entries { approved } } }";
    for _ in 0..2 {
        let body = app.graphql(ranking, json!({"s": branch})).await;
        assert_eq!(data(&body, "mostImproved")["entries"][0]["approved"], false, "{body}");
    }
    let body = app.graphql(APPROVE, json!({"p": mentee})).await;
    assert_eq!(data(&body, "approve")["approved"], true, "{body}");
    let body = app.graphql(ranking, json!({"s": branch})).await;
    assert_eq!(data(&body, "mostImproved")["entries"][0]["approved"], true, "{body}");
    app.stop().await;
}

#[tokio::test]
async fn most_improved_is_nominated_examined_approved_on_sqlite() {
    nomination_steps(DbKind::Sqlite).await;
}

#[tokio::test]
async fn most_improved_is_nominated_examined_approved_on_postgres() {
    nomination_steps(DbKind::Postgres).await;
}
