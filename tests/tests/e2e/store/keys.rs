//! Idempotency keys in the store, on both backends: the fingerprint kept beside the key,
//! a key reused for other input refused, rows keyed before fingerprints were kept, and a
//! writer that bypasses the store's serialization.

use super::{new_events, unit};
use api::idempotency::{Fingerprint, Idempotency};
use api::store::{Appended, Backend, EventStore, StoreError};
use chrono::Utc;
use sea_orm::{ConnectionTrait, TransactionTrait};
use std::time::Duration;
use tests::{TestDb, fresh};
use uuid::Uuid;

on_both_backends!(
    a_key_reused_for_other_input_is_refused,
    a_key_from_before_fingerprints_matches_any_input,
    a_writer_that_bypasses_serialization_is_compared_too,
);

/// A key with the fingerprint of `input`.
pub(super) fn keyed<'a>(key: &'a str, input: &str) -> Idempotency<'a> {
    Idempotency {
        key,
        fingerprint: Fingerprint::of("test", &serde_json::json!({ "input": input })),
    }
}

async fn a_key_reused_for_other_input_is_refused(db: TestDb) {
    let store = db.store().await;
    let stream = Uuid::now_v7();
    let first = new_events(
        store
            .append(
                stream,
                0,
                &[unit("a"), unit("b")],
                Some("alice"),
                Some(&keyed("k1", "ab")),
            )
            .await
            .unwrap(),
    );
    // The fingerprint is kept on the row that carries the key, and only there.
    let stored = fingerprints(&store).await;
    assert_eq!(stored, [Some(keyed("k1", "ab").fingerprint.as_str().to_owned()), None]);

    let same = store
        .append(stream, 2, &[unit("a")], Some("alice"), Some(&keyed("k1", "ab")))
        .await
        .unwrap();
    assert_eq!(same, Appended::Duplicate(first[0].clone()));
    for expected in [0, 2] {
        assert!(matches!(
            store
                .append(
                    stream,
                    expected,
                    &[unit("x")],
                    Some("alice"),
                    Some(&keyed("k1", "other"))
                )
                .await,
            Err(StoreError::IdempotencyKeyReused)
        ));
    }
    assert_eq!(store.head().await.unwrap(), 2, "a refused key appends nothing");
    assert_eq!(store.read_after(0, 10).await.unwrap(), first);

    // What append would answer, without appending.
    let found = store.find_keyed("alice", &keyed("k1", "ab")).await.unwrap();
    assert_eq!(found.as_ref(), Some(&first[0]));
    assert!(matches!(
        store.find_keyed("alice", &keyed("k1", "other")).await,
        Err(StoreError::IdempotencyKeyReused)
    ));
    assert_eq!(store.find_keyed("alice", &keyed("k9", "ab")).await.unwrap(), None);
    assert_eq!(store.find_keyed("bob", &keyed("k1", "ab")).await.unwrap(), None);

    // Another actor's key is theirs, whatever its input.
    new_events(
        store
            .append(
                Uuid::now_v7(),
                0,
                &[unit("c")],
                Some("bob"),
                Some(&keyed("k1", "other")),
            )
            .await
            .unwrap(),
    );
    assert_eq!(store.head().await.unwrap(), 3);
}

/// Each row's `idempotency_fingerprint`, in position order.
async fn fingerprints(store: &EventStore) -> Vec<Option<String>> {
    let rows = store
        .connection()
        .query_all_raw(sea_orm::Statement::from_string(
            store.connection().get_database_backend(),
            "SELECT idempotency_fingerprint FROM events ORDER BY position",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get("", "idempotency_fingerprint").unwrap())
        .collect()
}

/// Inserts a row past the store's back, as another program would: `OrgUnitCreated` on a
/// stream of its own, at version 1.
async fn insert_raw(
    db: &impl ConnectionTrait,
    position: i64,
    key: (&str, &str),
    fingerprint: Option<&str>,
) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let (kind, schema_version, payload) = unit("raw").to_stored();
    let uuid = |id: Uuid| -> sea_orm::Value {
        match backend {
            sea_orm::DbBackend::Postgres => id.into(),
            _ => id.hyphenated().to_string().into(),
        }
    };
    let jsonb = if backend == sea_orm::DbBackend::Postgres {
        "::jsonb"
    } else {
        ""
    };
    let sql = format!(
        "INSERT INTO events (position, id, stream_id, stream_version, kind, schema_version, payload, \
         occurred_at, recorded_at, actor_id, idempotency_key, idempotency_fingerprint) \
         VALUES ($1, $2, $3, 1, $4, $5, $6{jsonb}, $7, $7, $8, $9, $10)"
    );
    let values: Vec<sea_orm::Value> = vec![
        position.into(),
        uuid(Uuid::now_v7()),
        uuid(Uuid::now_v7()),
        kind.into(),
        schema_version.into(),
        payload.to_string().into(),
        Utc::now().into(),
        key.0.into(),
        key.1.into(),
        fingerprint.map(str::to_owned).into(),
    ];
    db.execute_raw(sea_orm::Statement::from_sql_and_values(backend, sql, values))
        .await
}

async fn a_key_from_before_fingerprints_matches_any_input(db: TestDb) {
    let store = db.store().await;
    // What the migration leaves of a row keyed before it: a key, no fingerprint.
    insert_raw(store.connection(), 1, ("alice", "old"), None).await.unwrap();
    let first = store.read_after(0, 1).await.unwrap().remove(0);
    for input in ["a", "b"] {
        let retry = store
            .append(
                Uuid::now_v7(),
                0,
                &[unit("a")],
                Some("alice"),
                Some(&keyed("old", input)),
            )
            .await
            .unwrap();
        assert_eq!(retry, Appended::Duplicate(first.clone()), "{input}");
    }
    assert_eq!(store.head().await.unwrap(), 1);

    // The database keeps only what a fingerprint can be, and only beside a key.
    for (position, key, fingerprint) in [
        (2, ("alice", "x"), "not hex"),
        (3, ("alice", "y"), &"A".repeat(64)[..]),
        (4, ("alice", "z"), &"a".repeat(63)[..]),
    ] {
        assert!(
            insert_raw(store.connection(), position, key, Some(fingerprint))
                .await
                .is_err(),
            "{fingerprint}"
        );
    }
    assert_eq!(store.head().await.unwrap(), 1);
}

/// Another program's transaction inserts a keyed row without the store's lock; the store's
/// own append of the same key waits on the unique index (PostgreSQL; on SQLite the
/// database's one write lock makes it wait earlier) and must still compare fingerprints.
async fn a_writer_that_bypasses_serialization_is_compared_too(db: TestDb) {
    let store = db.store().await;
    let bypass = EventStore::connect(&db.url).await.unwrap();
    for (n, input, reused) in [(1, "other", true), (2, "same", false)] {
        let key = format!("k{n}");
        let theirs = keyed(&key, "same");
        let txn = bypass.connection().begin().await.unwrap();
        insert_raw(&txn, 1000 * n, ("alice", &key), Some(theirs.fingerprint.as_str()))
            .await
            .unwrap();
        let appending = {
            let (store, key) = (store.clone(), key.clone());
            tokio::spawn(async move {
                store
                    .append(
                        Uuid::now_v7(),
                        0,
                        &[unit("a")],
                        Some("alice"),
                        Some(&keyed(&key, input)),
                    )
                    .await
            })
        };
        wait_until_blocked(&store, db.backend).await;
        txn.commit().await.unwrap();
        let appended = appending.await.unwrap();
        match (reused, appended) {
            (true, Err(StoreError::IdempotencyKeyReused)) => {}
            (false, Ok(Appended::Duplicate(first))) => assert_eq!(first.position, 1000 * n),
            (_, other) => panic!("{input}: {other:?}"),
        }
    }
    assert_eq!(
        store.read_after(0, 10).await.unwrap().len(),
        2,
        "only the bypassing rows"
    );
}

/// PostgreSQL: until a lock is waited for (the append is inside its INSERT). SQLite: a
/// moment, for the append to reach its `BEGIN IMMEDIATE`.
async fn wait_until_blocked(store: &EventStore, backend: Backend) {
    if backend == Backend::Sqlite {
        tokio::time::sleep(Duration::from_millis(300)).await;
        return;
    }
    let waiting = sea_orm::Statement::from_string(
        sea_orm::DbBackend::Postgres,
        // A transaction id: what an INSERT waits on behind another's uncommitted row. Locks
        // are listed for the whole server, and other tests run beside this one.
        "SELECT COUNT(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE NOT l.granted AND l.locktype = 'transactionid' AND a.datname = current_database()",
    );
    for _ in 0..200 {
        let row = store
            .connection()
            .query_one_raw(waiting.clone())
            .await
            .unwrap()
            .unwrap();
        if row.try_get::<i64>("", "n").unwrap() > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the append never waited on the bypassing transaction");
}
