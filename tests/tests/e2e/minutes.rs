//! Seed 004's 30-minute rule through HTTP (issue 11, item 3): with `cadence.minMinutes`, a
//! shorter contact, or one without its length, does not count toward the cadence.

use serde_json::{Value, json};
use tests::app::spawn_app;
use tests::{DbKind, fresh};

fn data<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "{body}");
    &body["data"][field]
}

async fn minutes(backend: DbKind) {
    let Some(db) = fresh(backend).await else { return };
    let app = spawn_app(&db.url).await;
    const UNIT: &str = "mutation($i: CreateOrgUnitInput!){ createOrgUnit(input:$i){ id } }";
    let school = data(
        &app.graphql(UNIT, json!({"i": {"kind": "SCHOOL", "name": "分校"}}))
            .await,
        "createOrgUnit",
    )["id"]
        .clone();
    let branch = data(
        &app.graphql(
            UNIT,
            json!({"i": {"kind": "BRANCH", "name": "支部", "parentId": school}}),
        )
        .await,
        "createOrgUnit",
    )["id"]
        .clone();
    const PERSON: &str = "mutation($i: RegisterPersonInput!){ registerPerson(input:$i){ id } }";
    let person = |number: &str, stage: &str| json!({"i": {"number": number, "name": number, "orgUnitIds": [branch], "stage": stage}});
    let mentor = data(&app.graphql(PERSON, person("M-9", "FULL")).await, "registerPerson")["id"].clone();
    let mentee = data(&app.graphql(PERSON, person("A-9", "ACTIVIST")).await, "registerPerson")["id"].clone();
    const FORM: &str =
        "mutation($i: FormPairingInput!){ formPairing(input:$i){ id cadence { atLeast calendar minMinutes } } }";
    // 每周宣讲次数不少于2次，每次不得少于30分钟: twice a week, 30 minutes each.
    let cadence = json!({"atLeast": 2, "calendar": "WEEK", "minMinutes": 30});
    let input = |cadence: Value| {
        json!({"i": {"kind": "ONE_TO_ONE", "mentorIds": [mentor], "menteeId": mentee,
        "startsOn": "2025-09-01", "cadence": cadence}})
    };
    let bad = app
        .graphql(FORM, input(json!({"atLeast": 2, "calendar": "WEEK", "minMinutes": 0})))
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_INPUT", "{bad}");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "cadence.minMinutes", "{bad}");
    let formed = app.graphql(FORM, input(cadence)).await;
    let pairing = data(&formed, "formPairing");
    assert_eq!(pairing["cadence"]["minMinutes"], 30, "{formed}");
    let pairing = pairing["id"].clone();
    const CONTACT: &str = "mutation($p: ID!, $t: DateTime!, $m: Int){ recordContact(input:{pairingId:$p, occurredAt:$t, form:FACE_TO_FACE, durationMinutes:$m}){ id } }";
    // Week 1 (Mon 1 – Sun 7 Sep 2025): 45 minutes and 20 minutes: one counts, two are due.
    for (t, m) in [
        ("2025-09-02T10:00:00+08:00", Some(45)),
        ("2025-09-04T10:00:00+08:00", Some(20)),
    ] {
        data(
            &app.graphql(CONTACT, json!({"p": pairing, "t": t, "m": m})).await,
            "recordContact",
        );
    }
    const ALERTS: &str = "query($s: ID!, $t: DateTime!){ contactAlerts(scopeId:$s, asOf:$t, minSeverity:OVERDUE){ severity pairing { id } } }";
    let alerts = app
        .graphql(ALERTS, json!({"s": branch, "t": "2025-09-08T12:00:00+08:00"}))
        .await;
    let alerts = data(&alerts, "contactAlerts").as_array().cloned().unwrap_or_default();
    assert_eq!(alerts.len(), 1, "week 1 is overdue: {alerts:?}");
    assert_eq!(alerts[0]["pairing"]["id"], pairing);
    app.stop().await;
}

#[tokio::test]
async fn a_short_contact_does_not_count_on_sqlite() {
    minutes(DbKind::Sqlite).await;
}

#[tokio::test]
async fn a_short_contact_does_not_count_on_postgres() {
    minutes(DbKind::Postgres).await;
}
