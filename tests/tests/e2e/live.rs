//! Live alerts over WebSocket (graphql-transport-ws): a client subscribed to a scope is told
//! when a pairing becomes overdue and again when a contact clears it.

use chrono::{Duration as Days, Utc};
use serde_json::{Value, json};
use std::time::Duration;
use tests::app::{next_result, spawn_app};
use tests::{DbKind, fresh};

fn id(v: &Value, path: &str) -> String {
    v["data"][path]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}"))
        .to_owned()
}

async fn alerts_over_websocket(backend: DbKind) {
    let Some(db) = fresh(backend).await else { return };
    let app = spawn_app(&db.url).await;
    let unit = |kind: &str, parent: Option<&str>| json!({"i": {"kind": kind, "name": kind, "parentId": parent}});
    const UNIT: &str = "mutation($i: CreateOrgUnitInput!){ createOrgUnit(input:$i){ id } }";
    let school = id(&app.graphql(UNIT, unit("SCHOOL", None)).await, "createOrgUnit");
    let college = id(
        &app.graphql(UNIT, unit("COLLEGE", Some(&school))).await,
        "createOrgUnit",
    );
    const PERSON: &str = "mutation($i: RegisterPersonInput!){ registerPerson(input:$i){ id } }";
    let mentor = id(
        &app.graphql(
            PERSON,
            json!({"i": {"number": "M", "name": "导", "orgUnitIds": [college], "stage": "FULL"}}),
        )
        .await,
        "registerPerson",
    );
    let mentee = id(
        &app.graphql(
            PERSON,
            json!({"i": {"number": "T", "name": "学", "orgUnitIds": [college]}}),
        )
        .await,
        "registerPerson",
    );

    let token = app.token("admin", true);
    let mut socket = app
        .subscribe(
            &token,
            "subscription($s: ID!){ contactAlerts(scopeId:$s){ severity daysOverdue pairing { id } } }",
            json!({"s": college}),
        )
        .await;
    // Give the server a moment to take its baseline before anything changes.
    tokio::time::sleep(Duration::from_millis(500)).await;

    // A pairing that started 20 days ago with a fortnightly cadence and no contact is
    // overdue the moment it is recorded: due 14 days after its start.
    let starts_on = (Utc::now() - Days::days(20))
        .with_timezone(&domain::time::shanghai())
        .date_naive();
    let pairing = id(
        &app.graphql(
            "mutation($i: FormPairingInput!){ formPairing(input:$i){ id } }",
            json!({"i": {"kind": "ONE_TO_ONE", "mentorIds": [mentor], "menteeId": mentee,
                         "startsOn": starts_on.to_string(), "cadence": {"atLeast": 1, "everyDays": 14}}}),
        )
        .await,
        "formPairing",
    );
    let overdue = next_result(&mut socket).await;
    assert_eq!(
        overdue["data"]["contactAlerts"]["pairing"]["id"],
        json!(pairing),
        "{overdue}"
    );
    assert_eq!(
        overdue["data"]["contactAlerts"]["severity"],
        json!("OVERDUE"),
        "{overdue}"
    );
    assert_eq!(overdue["data"]["contactAlerts"]["daysOverdue"], json!(6), "{overdue}");

    // A contact an hour ago clears it.
    let at = (Utc::now() - Days::hours(1)).to_rfc3339();
    let contact = app
        .graphql(
            "mutation($p: ID!, $t: DateTime!){ recordContact(input:{pairingId:$p, occurredAt:$t, form:FACE_TO_FACE}){ id } }",
            json!({"p": pairing, "t": at}),
        )
        .await;
    assert!(contact.get("errors").is_none(), "{contact}");
    let cleared = next_result(&mut socket).await;
    assert_eq!(cleared["data"]["contactAlerts"]["severity"], json!("OK"), "{cleared}");
    app.stop().await;
}

#[tokio::test]
async fn alerts_over_websocket_on_sqlite() {
    alerts_over_websocket(DbKind::Sqlite).await;
}

#[tokio::test]
async fn alerts_over_websocket_on_postgres() {
    alerts_over_websocket(DbKind::Postgres).await;
}
