//! Idempotency keys through HTTP, on both stores: a retry with the same key and the same
//! input gets the first result and appends nothing; the key reused for other input is
//! refused (`IDEMPOTENCY_KEY_REUSED`), appends nothing and leaves the first write as it
//! was; on one instance or two.

use domain::Recorded;
use serde_json::{Value, json};
use tests::app::{TestApp, spawn_app_with, test_config};
use tests::{DbKind, TestDb, fresh};

/// Runs each named `async fn(TestDb)` as two tests, `<name>::sqlite` and `<name>::postgres`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                if let Some(db) = fresh(DbKind::Sqlite).await {
                    super::$name(db).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                if let Some(db) = fresh(DbKind::Postgres).await {
                    super::$name(db).await;
                }
            }
        }
    )*};
}

on_both_backends!(
    the_same_input_gets_the_first_result,
    other_input_is_refused_and_stores_nothing,
    keys_hold_across_instances,
    another_actor_may_use_the_same_key,
    blank_long_and_control_keys,
);

const CONTACT: &str = "mutation($i: RecordContactInput!){ recordContact(input:$i){ id occurredAt place } }";
const AT: &str = "2025-10-01T08:00:00Z";

/// A school with a branch, a mentor and two mentees, each paired with the mentor.
struct World {
    app: TestApp,
    db: TestDb,
    pairings: [String; 2],
}

impl World {
    async fn new(db: TestDb) -> World {
        let app = spawn_app_with(test_config(&db.url)).await;
        let data = |response: Value| {
            assert!(response.get("errors").is_none(), "{response}");
            response["data"].clone()
        };
        let unit = |kind: &str, parent: Option<String>| json!({"i": {"kind": kind, "name": kind, "parentId": parent}});
        let create = "mutation($i: CreateOrgUnitInput!){ createOrgUnit(input:$i){ id } }";
        let school = data(app.graphql(create, unit("SCHOOL", None)).await)["createOrgUnit"]["id"].clone();
        let school = school.as_str().map(str::to_owned);
        let branch = data(app.graphql(create, unit("BRANCH", school)).await)["createOrgUnit"]["id"].clone();
        let mut people = vec![];
        for (number, stage) in [("M-1", "FULL"), ("T-1", "ACTIVIST"), ("T-2", "ACTIVIST")] {
            let vars = json!({"i": {"number": number, "name": number, "orgUnitIds": [branch], "stage": stage,
                                    "stageSince": "2024-09-01"}});
            let person = data(
                app.graphql(
                    "mutation($i: RegisterPersonInput!){ registerPerson(input:$i){ id } }",
                    vars,
                )
                .await,
            );
            people.push(person["registerPerson"]["id"].clone());
        }
        let mut pairings = vec![];
        for mentee in &people[1..] {
            let vars = json!({"i": {"kind": "ONE_TO_ONE", "mentorIds": [people[0]], "menteeId": mentee,
                                    "startsOn": "2025-09-01", "cadence": {"atLeast": 1, "everyDays": 14}}});
            let pairing = data(
                app.graphql("mutation($i: FormPairingInput!){ formPairing(input:$i){ id } }", vars)
                    .await,
            );
            pairings.push(pairing["formPairing"]["id"].as_str().unwrap().to_owned());
        }
        let pairings = [pairings[0].clone(), pairings[1].clone()];
        World { app, db, pairings }
    }

    /// A contact on the first pairing, with this key.
    fn contact(&self, key: &str) -> Value {
        json!({"i": {"pairingId": self.pairings[0], "occurredAt": AT, "form": "FACE_TO_FACE",
                     "place": "图书馆", "idempotencyKey": key}})
    }

    /// Every stored event, read from the database itself.
    async fn log(&self) -> Vec<Recorded> {
        self.db.store().await.read_after(0, 10_000).await.unwrap()
    }
}

/// Runs a request on `app` as `subject` (an administrator); returns the body.
async fn as_admin(app: &TestApp, subject: &str, query: &str, vars: Value) -> Value {
    let token = app.token(subject, true);
    app.graphql_as(Some(&token), query, vars).await.1
}

fn contact_id(response: &Value) -> String {
    response["data"]["recordContact"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a contact: {response}"))
        .to_owned()
}

fn assert_reused(response: &Value, what: &str) {
    let error = &response["errors"][0];
    assert_eq!(
        error["extensions"]["code"], "IDEMPOTENCY_KEY_REUSED",
        "{what}: {response}"
    );
    assert_eq!(error["extensions"]["field"], "idempotencyKey", "{what}: {response}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("use a new key"), "{what}: {message}");
    assert_eq!(response["data"], Value::Null, "{what}: {response}");
}

async fn the_same_input_gets_the_first_result(db: TestDb) {
    let w = World::new(db).await;
    let first = w.app.graphql(CONTACT, w.contact("k1")).await;
    let id = contact_id(&first);
    let log = w.log().await;

    // Sent again as it was; with its members in another order, written as literals (the
    // enum bare, not a string); with a null member the first left out; with the key padded.
    let pairing = &w.pairings[0];
    let retries = [
        (CONTACT.to_owned(), w.contact("k1")),
        (
            format!(
                r#"mutation {{ recordContact(input: {{ place: "图书馆", idempotencyKey: "k1", form: FACE_TO_FACE,
                       occurredAt: "{AT}", pairingId: "{pairing}" }}) {{ id occurredAt place }} }}"#
            ),
            json!({}),
        ),
        (
            CONTACT.to_owned(),
            json!({"i": {"form": "FACE_TO_FACE", "content": null, "place": "图书馆", "occurredAt": AT,
                         "idempotencyKey": "k1", "pairingId": pairing}}),
        ),
        (CONTACT.to_owned(), w.contact("  k1 ")),
    ];
    for (query, vars) in retries {
        let retry = w.app.graphql(&query, vars.clone()).await;
        assert_eq!(retry, first, "{query} {vars}");
    }
    assert_eq!(w.log().await, log, "a retry appends nothing");
    assert_eq!(contact_id(&first), id);
}

async fn other_input_is_refused_and_stores_nothing(db: TestDb) {
    let w = World::new(db).await;
    let first = w.app.graphql(CONTACT, w.contact("k1")).await;
    contact_id(&first);
    let log = w.log().await;

    let mut later = w.contact("k1");
    later["i"]["occurredAt"] = json!("2025-10-02T08:00:00Z");
    let mut elsewhere = w.contact("k1");
    elsewhere["i"]["pairingId"] = json!(w.pairings[1]);
    let mut unplaced = w.contact("k1");
    unplaced["i"]["place"] = Value::Null;
    let month =
        "mutation($p: ID!){ submitMonthlyRecord(pairingId:$p, month:\"2025-10\", idempotencyKey:\"k1\"){ id } }";
    let attempts = [
        ("another occurredAt", CONTACT, later.clone()),
        ("another pairing", CONTACT, elsewhere),
        ("a member left out", CONTACT, unplaced),
        ("another mutation", month, json!({"p": w.pairings[0]})),
    ];
    for (what, query, vars) in attempts {
        assert_reused(&w.app.graphql(query, vars).await, what);
    }
    // Refused however often it is sent, and the first write is as it was.
    assert_reused(&w.app.graphql(CONTACT, later.clone()).await, "again");
    assert_eq!(w.log().await, log, "nothing appended, nothing changed");
    assert_eq!(w.app.graphql(CONTACT, w.contact("k1")).await, first);

    // The same write under a new key is a new write.
    later["i"]["idempotencyKey"] = json!("k2");
    let second = w.app.graphql(CONTACT, later).await;
    assert_ne!(contact_id(&second), contact_id(&first));
    assert_eq!(w.log().await.len(), log.len() + 1);
}

async fn keys_hold_across_instances(db: TestDb) {
    let w = World::new(db).await;
    // A second instance of the same deployment: one database, one signing key.
    let b = spawn_app_with(w.app.config.clone()).await;
    let first = w.app.graphql(CONTACT, w.contact("k1")).await;
    contact_id(&first);
    let log = w.log().await;

    let mut later = w.contact("k1");
    later["i"]["occurredAt"] = json!("2025-10-02T08:00:00Z");
    assert_reused(&b.graphql(CONTACT, later).await, "other input on the other instance");
    assert_eq!(
        b.graphql(CONTACT, w.contact("k1")).await,
        first,
        "the first result there too"
    );

    // And the other way round: a key first used on B.
    let on_b = b.graphql(CONTACT, w.contact("k2")).await;
    assert_ne!(contact_id(&on_b), contact_id(&first));
    let mut elsewhere = w.contact("k2");
    elsewhere["i"]["pairingId"] = json!(w.pairings[1]);
    assert_reused(&w.app.graphql(CONTACT, elsewhere).await, "other input back on A");
    assert_eq!(w.app.graphql(CONTACT, w.contact("k2")).await, on_b);
    assert_eq!(w.log().await.len(), log.len() + 1);
    b.stop().await;
}

async fn another_actor_may_use_the_same_key(db: TestDb) {
    let w = World::new(db).await;
    let first = as_admin(&w.app, "admin", CONTACT, w.contact("k1")).await;
    let log = w.log().await;
    // Another actor's key is theirs, with the same input or other.
    let mut later = w.contact("k1");
    later["i"]["occurredAt"] = json!("2025-10-02T08:00:00Z");
    let theirs = as_admin(&w.app, "admin2", CONTACT, later.clone()).await;
    assert_ne!(contact_id(&theirs), contact_id(&first));
    let same = as_admin(&w.app, "admin3", CONTACT, w.contact("k1")).await;
    assert_ne!(contact_id(&same), contact_id(&first));
    assert_eq!(w.log().await.len(), log.len() + 2);
    // Each retries into their own first result.
    assert_eq!(as_admin(&w.app, "admin2", CONTACT, later).await, theirs);
    assert_eq!(as_admin(&w.app, "admin", CONTACT, w.contact("k1")).await, first);
    assert_eq!(w.log().await.len(), log.len() + 2);
}

async fn blank_long_and_control_keys(db: TestDb) {
    let w = World::new(db).await;
    let log = w.log().await;
    for key in [
        "k\u{0}1".to_owned(),
        "k\n1".to_owned(),
        "\u{7f}".to_owned(),
        "k".repeat(201),
    ] {
        let response = w.app.graphql(CONTACT, w.contact(&key)).await;
        let error = &response["errors"][0]["extensions"];
        assert_eq!(error["code"], "BAD_INPUT", "{key:?}: {response}");
        assert_eq!(error["field"], "idempotencyKey", "{key:?}: {response}");
    }
    assert_eq!(w.log().await, log, "a refused key appends nothing");
    // 200 characters are accepted; a blank key is no key, so each write is new.
    contact_id(&w.app.graphql(CONTACT, w.contact(&"钥".repeat(200))).await);
    let a = contact_id(&w.app.graphql(CONTACT, w.contact("  ")).await);
    let b = contact_id(&w.app.graphql(CONTACT, w.contact("")).await);
    assert_ne!(a, b);
    assert_eq!(w.log().await.len(), log.len() + 3);
}
