//! `bangfu export-events` and `bangfu import-events` (issue 15.6) through the real CLI:
//! the demo college exported from one store and imported into the other answers the same
//! GraphQL queries, positions and idempotency fingerprints kept (SQLite → PostgreSQL and
//! PostgreSQL → SQLite); a non-empty target, a file with a gap and a line that is not an
//! event are refused with nothing imported.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;
use tests::app::{TestApp, spawn_app_with, test_config};
use tests::{DbKind, TestDb, fresh};

const CONTACT: &str = "mutation($i: RecordContactInput!){ recordContact(input:$i){ id } }";

fn bangfu(db: &TestDb, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_bangfu-under-test"))
        .args(["--database-url", &db.url])
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run bangfu")
}

/// `export-events` into a file; its lines.
fn export(db: &TestDb, file: &Path) -> Vec<String> {
    let out = bangfu(db, &["export-events"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(file, &out.stdout).expect("write the export");
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

fn import(db: &TestDb, file: &Path) -> Output {
    bangfu(db, &["import-events", file.to_str().expect("a UTF-8 path")])
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bangfu-backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("create a directory");
    dir
}

/// A contact on `pairing` under `key`, at `at`.
fn contact(pairing: &Value, key: &str, place: &str, at: &str) -> Value {
    json!({"i": {"pairingId": pairing, "occurredAt": at, "form": "FACE_TO_FACE", "place": place,
                 "idempotencyKey": key}})
}

/// What a user sees of the college: every event as the audit trail shows it, the alerts
/// and the rankings, the people and pairings, as its counsellor and as an administrator.
/// Not the payloads: reading a screening's appends a logged read (the export's lines, compared
/// whole, cover them).
async fn answers(app: &TestApp, college: &str, as_of: &str) -> Vec<Value> {
    let period = domain::Period::year_of(domain::time::local_date(chrono::Utc::now())).to_string();
    let vars = json!({"c": college, "p": period, "t": as_of});
    let admin = app.token("admin", true);
    let counsellor = app.token("D2002", false);
    let mut seen = Vec::new();
    for (token, query) in [
        (
            &admin,
            "{ events(first: 500) { totalCount pageInfo { hasNextPage endCursor } nodes { id position streamId \
             streamVersion kind schemaVersion occurredAt recordedAt actorId retracted } } }",
        ),
        (
            &counsellor,
            "query($c: ID!, $t: DateTime){ contactAlerts(scopeId: $c, asOf: $t, minSeverity: OK) { severity dueAt \
             daysOverdue pairing { id mentee { number } } } }",
        ),
        (
            &counsellor,
            "query($c: ID!, $p: String!){ partyStars(scopeId: $c, period: $p) { quota population entries { rank score withinQuota \
             tiedAtBoundary person { number } } } }",
        ),
        (
            &counsellor,
            "query($c: ID!){ people(scopeId: $c, first: 500) { totalCount nodes { id number name stage } } \
             pairings(scopeId: $c, first: 500) { totalCount nodes { id kind startsOn lastContactAt \
             mentors { number } } } }",
        ),
    ] {
        let (status, body) = app.graphql_as(Some(token), query, vars.clone()).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{query}: {body}");
        seen.push(body);
    }
    seen
}

async fn round_trip(from: DbKind, to: DbKind) {
    let (Some(source), Some(target)) = (fresh(from).await, fresh(to).await) else {
        return;
    };
    let config = test_config(&source.url);
    let seeded = api::demo::seed(&config).await.expect("seed the demo");
    let college = seeded.college_id.to_string();
    let app = spawn_app_with(config).await;
    // A keyed write, so that a fingerprint must cross over too.
    let pairings = app
        .graphql(
            "query($c: ID!){ pairings(scopeId: $c, first: 1) { nodes { id } } }",
            json!({ "c": college }),
        )
        .await;
    let pairing = pairings["data"]["pairings"]["nodes"][0]["id"].clone();
    let now = chrono::Utc::now();
    let at = (now - chrono::Duration::hours(1)).to_rfc3339();
    let later = (now - chrono::Duration::minutes(30)).to_rfc3339();
    let as_of = now.to_rfc3339();
    let first = app.graphql(CONTACT, contact(&pairing, "phone-42", "图书馆", &at)).await;
    let contact_id = first["data"]["recordContact"]["id"].clone();
    assert!(contact_id.is_string(), "{first}");
    let before = answers(&app, &college, &as_of).await;
    app.stop().await;

    let dir = scratch();
    let file = dir.join("log.ndjson");
    let exported = export(&source, &file);
    // The demo's events and the contact, one line each, positions 1, 2, 3 …
    assert_eq!(exported.len() as u64, seeded.events as u64 + 1);
    for (line, n) in exported.iter().zip(1..) {
        let row: Value = serde_json::from_str(line).expect("a JSON line");
        assert_eq!(row["position"], json!(n), "{line}");
    }
    let keyed: Vec<&String> = exported.iter().filter(|l| l.contains("\"phone-42\"")).collect();
    assert_eq!(keyed.len(), 1);
    assert!(
        serde_json::from_str::<Value>(keyed[0]).unwrap()["idempotency_fingerprint"].is_string(),
        "{}",
        keyed[0]
    );

    let out = import(&target, &file);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("imported {} events", exported.len())
    );
    // The target exports the very same lines.
    assert_eq!(export(&target, &dir.join("again.ndjson")), exported);

    let app = spawn_app_with(test_config(&target.url)).await;
    assert_eq!(answers(&app, &college, &as_of).await, before);
    // The same submission retried answers the first contact; other input under the key is
    // refused: the fingerprint came along.
    let retried = app.graphql(CONTACT, contact(&pairing, "phone-42", "图书馆", &at)).await;
    assert_eq!(retried["data"]["recordContact"]["id"], contact_id, "{retried}");
    let reused = app.graphql(CONTACT, contact(&pairing, "phone-42", "食堂", &at)).await;
    assert_eq!(
        reused["errors"][0]["extensions"]["code"], "IDEMPOTENCY_KEY_REUSED",
        "{reused}"
    );
    // Appends go on after the imported positions.
    let next = app
        .graphql(CONTACT, contact(&pairing, "phone-43", "操场", &later))
        .await;
    assert!(next["data"]["recordContact"]["id"].is_string(), "{next}");
    let last = app
        .graphql(
            "query($a: String){ events(after: $a, first: 5) { totalCount nodes { position } } }",
            json!({ "a": exported.len().to_string() }),
        )
        .await;
    assert_eq!(
        last["data"]["events"]["nodes"],
        json!([{ "position": (exported.len() + 1).to_string() }]),
        "{last}"
    );
    assert_eq!(
        last["data"]["events"]["totalCount"],
        json!(exported.len() + 1),
        "{last}"
    );
    app.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_sqlite_export_imports_into_postgres_with_the_same_answers() {
    round_trip(DbKind::Sqlite, DbKind::Postgres).await;
}

#[tokio::test]
async fn a_postgres_export_imports_into_sqlite_with_the_same_answers() {
    round_trip(DbKind::Postgres, DbKind::Sqlite).await;
}

async fn refusals(backend: DbKind) {
    let (Some(source), Some(target)) = (fresh(DbKind::Sqlite).await, fresh(backend).await) else {
        return;
    };
    let app = spawn_app_with(test_config(&source.url)).await;
    let create = "mutation($i: CreateOrgUnitInput!){ createOrgUnit(input:$i){ id } }";
    for name in ["甲", "乙", "丙", "丁"] {
        let body = app
            .graphql(create, json!({"i": {"kind": "SCHOOL", "name": name}}))
            .await;
        assert!(body["data"]["createOrgUnit"]["id"].is_string(), "{body}");
    }
    app.stop().await;
    let dir = scratch();
    let full = dir.join("full.ndjson");
    let lines = export(&source, &full);
    assert_eq!(lines.len(), 4);
    let head = || async { target.store().await.head().await.expect("read the head") };

    // Position 3 left out: refused at the line after the gap, and the two lines before it
    // are not kept either.
    let gap = dir.join("gap.ndjson");
    std::fs::write(&gap, format!("{}\n{}\n{}\n", lines[0], lines[1], lines[3])).unwrap();
    let out = import(&target, &gap);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("line 3: position 4 where 3 was due: the file has a gap"),
        "{stderr}"
    );
    assert_eq!(head().await, 0);

    // A line that is not an event names its line.
    let bad = dir.join("bad.ndjson");
    std::fs::write(&bad, format!("{}\n{{\"position\": 2}}\n", lines[0])).unwrap();
    let out = import(&target, &bad);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("line 2 is not an exported event"), "{stderr}");
    assert_eq!(head().await, 0);

    // The whole file goes in; a second import into the now non-empty database is refused.
    assert!(import(&target, &full).status.success());
    assert_eq!(head().await, 4);
    let out = import(&target, &full);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("already holds events (up to position 4)"), "{stderr}");
    assert_eq!(head().await, 4);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_import_refuses_a_gap_a_bad_line_and_a_non_empty_database_on_sqlite() {
    refusals(DbKind::Sqlite).await;
}

#[tokio::test]
async fn an_import_refuses_a_gap_a_bad_line_and_a_non_empty_database_on_postgres() {
    refusals(DbKind::Postgres).await;
}
