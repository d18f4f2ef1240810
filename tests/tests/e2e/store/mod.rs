//! The event store on both backends, each test on a fresh database.

use api::store::{Appended, Backend, EventStore, StoreError};
use chrono::{TimeZone, Utc};
use domain::vocab::{ContactForm, OrgUnitKind};
use domain::{Event, Recorded};
use keys::keyed;
use sea_orm::ConnectionTrait;
use std::time::Duration;
use tests::{TestDb, fresh};
use tokio::io::{AsyncBufReadExt, BufReader};
use uuid::Uuid;

/// Runs each named `async fn(TestDb)` as two tests, `<name>::sqlite` and `<name>::postgres`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                if let Some(db) = fresh(Backend::Sqlite).await {
                    super::$name(db).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                if let Some(db) = fresh(Backend::Postgres).await {
                    super::$name(db).await;
                }
            }
        }
    )*};
}

on_both_backends!(
    appended_events_read_back_as_recorded,
    a_stale_expected_version_is_a_conflict,
    a_retried_idempotency_key_appends_nothing,
    the_database_refuses_update_and_delete,
    a_tailing_reader_sees_every_concurrent_append_in_order,
    acknowledged_appends_survive_kill_9,
    acknowledged_group_commits_survive_kill_9,
    other_instances_are_notified_of_appends,
);

// After the macro, which they use.
mod batch;
mod group;
mod keys;
mod snapshots;

fn unit(name: &str) -> Event {
    Event::OrgUnitCreated {
        org_unit_id: Uuid::now_v7(),
        kind: OrgUnitKind::Branch,
        name: name.into(),
        parent_id: None,
    }
}

fn new_events(appended: Appended) -> Vec<Recorded> {
    match appended {
        Appended::New(recorded) => recorded,
        Appended::Duplicate(first) => panic!("expected new events, got a duplicate of {first:?}"),
    }
}

async fn appended_events_read_back_as_recorded(db: TestDb) {
    let store = db.store().await;
    store.ping().await.unwrap();
    assert_eq!(store.head().await.unwrap(), 0);
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    // Nanoseconds are kept in the payload; the occurred_at column keeps microseconds.
    let contact_time =
        Utc.with_ymd_and_hms(2025, 11, 3, 8, 30, 0).unwrap() + chrono::Duration::nanoseconds(123_456_789);
    let contact = Event::ContactRecorded {
        pairing_id: a,
        occurred_at: contact_time,
        form: ContactForm::FaceToFace,
        place: Some("图书馆".into()),
        content: None,
        effect: None,
        problems_solved: 2,
        duration_minutes: Some(45),
    };

    let first = new_events(
        store
            .append(a, 0, &[unit("一支部"), contact.clone()], Some("alice"), None)
            .await
            .unwrap(),
    );
    let second = new_events(store.append(b, 0, &[unit("二支部")], None, None).await.unwrap());

    assert_eq!(
        first.iter().map(|r| (r.position, r.stream_version)).collect::<Vec<_>>(),
        [(1, 1), (2, 2)]
    );
    assert_eq!((second[0].position, second[0].stream_version), (3, 1));
    assert_eq!(first[1].event, contact);
    assert_eq!(
        first[1].occurred_at,
        Utc.with_ymd_and_hms(2025, 11, 3, 8, 30, 0).unwrap() + chrono::Duration::microseconds(123_456)
    );
    assert_eq!(
        first[0].occurred_at, first[0].recorded_at,
        "an undated event occurs when it is recorded"
    );
    assert_eq!(first[0].actor_id.as_deref(), Some("alice"));

    assert_eq!(store.read_stream(a).await.unwrap(), first);
    assert_eq!(store.read_stream(Uuid::now_v7()).await.unwrap(), []);
    let all: Vec<Recorded> = first.iter().chain(&second).cloned().collect();
    assert_eq!(store.read_after(0, 10).await.unwrap(), all);
    assert_eq!(store.read_after(1, 1).await.unwrap(), all[1..2]);
    assert_eq!(store.read_after(3, 10).await.unwrap(), []);
    assert_eq!(store.find_event(first[1].id).await.unwrap().as_ref(), Some(&first[1]));
    assert_eq!(store.find_event(Uuid::now_v7()).await.unwrap(), None);
    assert_eq!(store.head().await.unwrap(), 3);

    // A second connection (another instance, or a restart) reads the same log.
    let again = EventStore::connect(&db.url).await.unwrap();
    again.migrate().await.unwrap();
    assert_eq!(again.read_after(0, 10).await.unwrap(), all);
}

async fn a_stale_expected_version_is_a_conflict(db: TestDb) {
    let store = db.store().await;
    let stream = Uuid::now_v7();
    new_events(store.append(stream, 0, &[unit("a")], None, None).await.unwrap());

    for stale in [0, 5] {
        match store.append(stream, stale, &[unit("b")], None, None).await {
            Err(StoreError::Conflict {
                stream_id,
                expected,
                actual,
            }) => {
                assert_eq!((stream_id, expected, actual), (stream, stale, 1));
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
    }
    assert_eq!(store.head().await.unwrap(), 1);
    new_events(store.append(stream, 1, &[unit("b")], None, None).await.unwrap());
    assert_eq!(store.head().await.unwrap(), 2);
}

async fn a_retried_idempotency_key_appends_nothing(db: TestDb) {
    let store = db.store().await;
    let (stream, other_stream) = (Uuid::now_v7(), Uuid::now_v7());
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
    assert_eq!(first[0].idempotency_key.as_deref(), Some("k1"));
    assert_eq!(first[1].idempotency_key, None, "only the first row carries the key");

    // The retry is a duplicate even though the stream has moved on since.
    for expected in [0, 2] {
        let retry = store
            .append(
                stream,
                expected,
                &[unit("a"), unit("b")],
                Some("alice"),
                Some(&keyed("k1", "ab")),
            )
            .await
            .unwrap();
        assert_eq!(retry, Appended::Duplicate(first[0].clone()));
    }
    assert_eq!(store.head().await.unwrap(), 2);

    // The key is unique per actor only.
    let bobs = new_events(
        store
            .append(other_stream, 0, &[unit("c")], Some("bob"), Some(&keyed("k1", "c")))
            .await
            .unwrap(),
    );
    assert_eq!(bobs[0].position, 3);
    assert!(matches!(
        store
            .append(other_stream, 1, &[unit("d")], None, Some(&keyed("k2", "d")))
            .await,
        Err(StoreError::KeyWithoutActor)
    ));
    assert_eq!(store.head().await.unwrap(), 3);
}

async fn the_database_refuses_update_and_delete(db: TestDb) {
    let store = db.store().await;
    let stream = Uuid::now_v7();
    let recorded = new_events(
        store
            .append(stream, 0, &[unit("a")], Some("alice"), Some(&keyed("k", "a")))
            .await
            .unwrap(),
    );

    let mut refused = vec![
        "UPDATE events SET kind = 'Forged'",
        "UPDATE events SET actor_id = 'mallory' WHERE position = 1",
        "DELETE FROM events WHERE position = 1",
        "DELETE FROM events",
    ];
    if db.backend == Backend::Postgres {
        refused.push("TRUNCATE events");
    }
    for sql in refused {
        let error = store.connection().execute_unprepared(sql).await.expect_err(sql);
        assert!(error.to_string().contains("append-only"), "{sql}: {error}");
    }
    assert_eq!(store.read_after(0, 10).await.unwrap(), recorded);
}

async fn a_tailing_reader_sees_every_concurrent_append_in_order(db: TestDb) {
    const APPENDERS: usize = 8;
    const EACH: i64 = 200;
    const TOTAL: i64 = APPENDERS as i64 * EACH;
    // Two instances on one database, as two api processes would be.
    let stores = [db.store().await, EventStore::connect(&db.url).await.unwrap()];

    let reader = {
        let store = stores[1].clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut last = 0;
            while last < TOTAL {
                let batch = store.read_after(last, 64).await.unwrap();
                if batch.is_empty() {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                for r in batch {
                    assert_eq!(r.position, last + 1, "the reader skipped or repeated a position");
                    last = r.position;
                    seen.push(r.position);
                }
            }
            seen
        })
    };
    let appenders: Vec<_> = (0..APPENDERS)
        .map(|i| {
            let store = stores[i % 2].clone();
            tokio::spawn(async move {
                let stream = Uuid::now_v7();
                for version in 0..EACH {
                    new_events(
                        store
                            .append(stream, version, &[unit(&format!("{i}/{version}"))], None, None)
                            .await
                            .unwrap(),
                    );
                }
                stream
            })
        })
        .collect();

    let work = async {
        let mut streams = Vec::new();
        for appender in appenders {
            streams.push(appender.await.unwrap());
        }
        (streams, reader.await.unwrap())
    };
    let (streams, seen) = tokio::time::timeout(Duration::from_secs(300), work)
        .await
        .expect("appends finish in time");

    assert_eq!(seen, (1..=TOTAL).collect::<Vec<_>>());
    assert_eq!(stores[0].head().await.unwrap(), TOTAL);
    for stream in streams {
        let versions: Vec<i64> = stores[0]
            .read_stream(stream)
            .await
            .unwrap()
            .iter()
            .map(|r| r.stream_version)
            .collect();
        assert_eq!(versions, (1..=EACH).collect::<Vec<_>>());
    }
}

async fn acknowledged_appends_survive_kill_9(db: TestDb) {
    const ACKS: usize = 50;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_bangfu-under-test"))
        .args(["append-forever", &db.url])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn bangfu-under-test");
    let stdout = child.stdout.take().expect("the child's stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut acknowledged = Vec::new();
    let read = async {
        while acknowledged.len() < ACKS {
            let line = lines
                .next_line()
                .await
                .expect("read an ack")
                .expect("the child exited early");
            acknowledged.push(line.trim().parse::<i64>().expect("an ack is a position"));
        }
    };
    tokio::time::timeout(Duration::from_secs(120), read)
        .await
        .expect("the child acknowledges appends");
    child.kill().await.expect("kill -9 the child");

    let store = db.store().await;
    assert!(store.head().await.unwrap() >= ACKS as i64);
    for position in acknowledged {
        let found = store.read_after(position - 1, 1).await.unwrap();
        let recorded = found
            .first()
            .unwrap_or_else(|| panic!("acknowledged position {position} is lost"));
        assert_eq!(recorded.position, position);
        match &recorded.event {
            Event::OrgUnitCreated { name, .. } => assert_eq!(name, &format!("unit {position}")),
            other => panic!("unexpected event at {position}: {other:?}"),
        }
    }
}

/// The same through the application's group commit: 8 writers at once, so most
/// acknowledgements come from groups of several commands; after kill -9 every acknowledged
/// command is in the log at its position, and the positions have no gap.
async fn acknowledged_group_commits_survive_kill_9(db: TestDb) {
    const ACKS: usize = 200;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_bangfu-under-test"))
        .args(["execute-forever", &db.url])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn bangfu-under-test");
    let stdout = child.stdout.take().expect("the child's stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut acknowledged = Vec::new();
    let read = async {
        while acknowledged.len() < ACKS {
            let line = lines
                .next_line()
                .await
                .expect("read an ack")
                .expect("the child exited early");
            let (position, name) = line.split_once(' ').expect("an ack is `<position> <name>`");
            acknowledged.push((position.parse::<i64>().expect("a position"), name.to_owned()));
        }
    };
    tokio::time::timeout(Duration::from_secs(120), read)
        .await
        .expect("the child acknowledges commands");
    child.kill().await.expect("kill -9 the child");

    let store = db.store().await;
    let head = store.head().await.unwrap();
    let log = store.read_after(0, head as u64 + 1).await.unwrap();
    let positions: Vec<i64> = log.iter().map(|r| r.position).collect();
    assert_eq!(positions, (1..=head).collect::<Vec<_>>(), "gap-free");
    let mut groups: Vec<_> = log.iter().map(|r| r.recorded_at).collect();
    groups.dedup();
    assert!(groups.len() < log.len(), "some commands shared a commit");
    for (position, name) in acknowledged {
        let recorded = log
            .get((position - 1) as usize)
            .unwrap_or_else(|| panic!("acknowledged position {position} is lost"));
        match &recorded.event {
            Event::OrgUnitCreated { name: stored, .. } => assert_eq!(stored, &name, "at {position}"),
            other => panic!("unexpected event at {position}: {other:?}"),
        }
    }
}

async fn other_instances_are_notified_of_appends(db: TestDb) {
    let listening = db.store().await;
    let appending = EventStore::connect(&db.url).await.unwrap();
    let Some(mut positions) = listening.subscribe().await else {
        assert_eq!(db.backend, Backend::Sqlite, "only SQLite has no notifications");
        return;
    };
    new_events(
        appending
            .append(Uuid::now_v7(), 0, &[unit("a"), unit("b")], None, None)
            .await
            .unwrap(),
    );
    new_events(
        appending
            .append(Uuid::now_v7(), 0, &[unit("c")], None, None)
            .await
            .unwrap(),
    );
    for expected in [2, 3] {
        let notified = tokio::time::timeout(Duration::from_secs(10), positions.recv()).await;
        assert_eq!(notified.expect("a notification in time"), Some(expected));
    }
}
