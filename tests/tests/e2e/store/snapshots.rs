//! Snapshots of the state on both backends: a restart starts from the newest one and folds
//! the tail; a snapshot in many parts reads back whole; one of another format, with a bad
//! checksum, a missing or spoiled part, that does not decode, whose state is not at its
//! position or that was taken of another history (another event at its position) is
//! ignored, and the whole log is folded.
//!
//! To tell which way a restart went, some tests plant a snapshot whose state differs from
//! the log's at the same position (a unit the log never created): seeing that unit after a
//! restart means the snapshot was used; not seeing it, that the log was folded.

use api::app::{App, SnapshotPolicy, encode_snapshot};
use api::store::{Backend, EventStore, StoredSnapshot};
use domain::decide::{self, CreateOrgUnit};
use domain::vocab::OrgUnitKind;
use domain::{Event, Recorded, State};
use sea_orm::ConnectionTrait;
use tests::{TestDb, fresh};
use uuid::Uuid;

on_both_backends!(
    a_restart_folds_the_tail_after_the_snapshot,
    a_snapshot_is_taken_in_the_background_every_n_events,
    a_corrupt_or_foreign_snapshot_is_ignored,
    a_snapshot_in_many_parts_reads_back_whole,
    a_missing_or_spoiled_part_is_ignored,
    a_snapshot_of_another_history_is_ignored,
    a_spoiled_newest_snapshot_falls_back_to_the_one_before,
    a_restore_reads_one_moment_while_another_instance_prunes,
);

async fn create(app: &App, kind: OrgUnitKind, parent: Option<Uuid>) -> Uuid {
    let id = Uuid::now_v7();
    let unit = CreateOrgUnit {
        id,
        kind,
        name: "单位".into(),
        parent_id: parent,
    };
    app.execute("admin", None, move |s, _| decide::create_org_unit(s, unit))
        .await
        .unwrap();
    id
}

/// Never in the background, so each test says when one is taken.
fn manual() -> SnapshotPolicy {
    SnapshotPolicy {
        every_events: 0,
        ..SnapshotPolicy::default()
    }
}

async fn a_restart_folds_the_tail_after_the_snapshot(db: TestDb) {
    let app = App::start_with(db.store().await, manual()).await.unwrap();
    let school = create(&app, OrgUnitKind::School, None).await;
    for _ in 0..5 {
        create(&app, OrgUnitKind::College, Some(school)).await;
    }
    assert_eq!(app.take_snapshot().await.unwrap(), 6);
    // The tail: 4 more, one under a college of the snapshot.
    let college = create(&app, OrgUnitKind::College, Some(school)).await;
    for _ in 0..3 {
        create(&app, OrgUnitKind::Branch, Some(college)).await;
    }
    let restarted = App::start_with(db.store().await, manual()).await.unwrap();
    assert_eq!(restarted.state().position(), 10);
    assert_eq!(*restarted.state(), *app.state(), "snapshot + tail = the whole fold");
    let stored = db.store().await.latest_snapshot(i64::MAX).await.unwrap().unwrap();
    assert_eq!(stored.position, 6);
}

async fn a_snapshot_is_taken_in_the_background_every_n_events(db: TestDb) {
    let every = SnapshotPolicy {
        every_events: 5,
        ..SnapshotPolicy::default()
    };
    let app = App::start_with(db.store().await, every).await.unwrap();
    let school = create(&app, OrgUnitKind::School, None).await;
    for _ in 0..6 {
        create(&app, OrgUnitKind::College, Some(school)).await;
    }
    // 7 events ≥ 5: the task (which looks every 5 s) takes one at 7.
    let store = db.store().await;
    let mut taken = None;
    for _ in 0..100 {
        taken = store.latest_snapshot(i64::MAX).await.unwrap();
        if taken.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let taken = taken.expect("a snapshot within 20 s");
    assert_eq!(taken.position, 7);
    assert_eq!(taken.format, State::SNAPSHOT_FORMAT);
}

/// A state at `position` (the log's head) holding a unit the log does not have, and its
/// snapshot (taken after the log's event there) in parts of `part_size` bytes.
fn planted(log: &[Recorded], position: i64, part_size: usize) -> (State, Planted, Uuid) {
    let mut state = State::from_events(&log[..position as usize - 1]);
    let stranger = Uuid::now_v7();
    let mut last = log[position as usize - 1].clone();
    last.event = Event::OrgUnitCreated {
        org_unit_id: stranger,
        kind: OrgUnitKind::School,
        name: "不在日志里".into(),
        parent_id: None,
    };
    state.apply(&last);
    let planted = encode_snapshot(&state, last.id, part_size).unwrap();
    (state, planted, stranger)
}

/// A snapshot's header and its parts, as `save_snapshot` takes them.
type Planted = (StoredSnapshot, Vec<Vec<u8>>);

/// Removes every snapshot, header and parts, so the next saved one is the only one.
async fn clear(store: &EventStore) {
    for table in ["snapshot_parts", "snapshots"] {
        store
            .connection()
            .execute_unprepared(&format!("DELETE FROM {table}"))
            .await
            .unwrap();
    }
}

async fn raw(store: &EventStore, sql: &str, values: Vec<sea_orm::Value>) -> u64 {
    let backend = store.connection().get_database_backend();
    store
        .connection()
        .execute_raw(sea_orm::Statement::from_sql_and_values(backend, sql, values))
        .await
        .unwrap()
        .rows_affected()
}

/// An app on a log of a school and three colleges (4 events).
async fn four_events(db: &TestDb) -> App {
    let app = App::start_with(db.store().await, manual()).await.unwrap();
    let school = create(&app, OrgUnitKind::School, None).await;
    for _ in 0..3 {
        create(&app, OrgUnitKind::College, Some(school)).await;
    }
    app
}

async fn a_corrupt_or_foreign_snapshot_is_ignored(db: TestDb) {
    let app = four_events(&db).await;
    let store = db.store().await;
    let log = store.read_after(0, 100).await.unwrap();
    let (_, (good, parts), stranger) = planted(&log, 4, StoredSnapshot::PART_SIZE);
    assert_eq!(good.parts, 1, "a small state is one part");
    let sees_stranger = |app: &App| app.state().org_unit(stranger).is_some();

    // Sound: used (the stranger is there), and folded on from.
    store.save_snapshot(&good, parts.clone()).await.unwrap();
    let restarted = App::start_with(db.store().await, manual()).await.unwrap();
    assert!(sees_stranger(&restarted), "a sound snapshot is used");
    assert_eq!(restarted.state().position(), 4);

    let mut flipped = parts.clone();
    let middle = flipped[0].len() / 2;
    flipped[0][middle] ^= 0x5a;
    let garbage_bytes = b"not a state at all".to_vec();
    let garbage = StoredSnapshot {
        checksum: i64::from(crc32fast_hash(&garbage_bytes)),
        size: garbage_bytes.len() as i64,
        ..good.clone()
    };
    let spoiled: [(&str, Planted); 4] = [
        ("a flipped byte (bad checksum)", (good.clone(), flipped)),
        (
            "another format",
            (
                StoredSnapshot {
                    format: State::SNAPSHOT_FORMAT + 1,
                    ..good.clone()
                },
                parts.clone(),
            ),
        ),
        (
            "bytes that are no state (checksum right)",
            (garbage, vec![garbage_bytes]),
        ),
        (
            // The log's event at 3, so that only the state's position gives it away.
            "a row at another position than its state",
            (
                StoredSnapshot {
                    position: 3,
                    event_id: log[2].id,
                    ..good.clone()
                },
                parts.clone(),
            ),
        ),
    ];
    for (what, (snapshot, parts)) in spoiled {
        clear(&store).await;
        store.save_snapshot(&snapshot, parts).await.unwrap();
        let restarted = App::start_with(db.store().await, manual()).await.unwrap();
        assert!(!sees_stranger(&restarted), "{what}: ignored");
        assert_eq!(*restarted.state(), *app.state(), "{what}: the whole log folded");
    }
}

/// Parts this small split even this log's state into dozens.
const SMALL_PART: usize = 64;

async fn a_snapshot_in_many_parts_reads_back_whole(db: TestDb) {
    let _app = four_events(&db).await;
    let store = db.store().await;
    let log = store.read_after(0, 100).await.unwrap();
    let (state, (snapshot, parts), _) = planted(&log, 4, SMALL_PART);
    assert!(snapshot.parts > 3, "{} parts", snapshot.parts);
    assert_eq!(snapshot.parts, parts.len() as i64);
    assert_eq!(snapshot.size, parts.iter().map(Vec::len).sum::<usize>() as i64);
    assert!(parts.iter().all(|p| p.len() <= SMALL_PART && !p.is_empty()));
    store.save_snapshot(&snapshot, parts.clone()).await.unwrap();

    // Stored as given, a row per part.
    assert_eq!(store.latest_snapshot(i64::MAX).await.unwrap(), Some(snapshot.clone()));
    let reader = store.snapshot_reader().await.unwrap();
    for (i, part) in parts.iter().enumerate() {
        assert_eq!(reader.part(4, i as i64).await.unwrap().as_ref(), Some(part));
    }
    assert_eq!(reader.part(4, snapshot.parts).await.unwrap(), None);
    drop(reader);

    // The log's head is the snapshot's position: a restart is the snapshot's state alone,
    // stranger and all, so every part came back in its place.
    let restarted = App::start_with(db.store().await, manual()).await.unwrap();
    assert_eq!(*restarted.state(), state);
}

async fn a_missing_or_spoiled_part_is_ignored(db: TestDb) {
    let app = four_events(&db).await;
    let store = db.store().await;
    let log = store.read_after(0, 100).await.unwrap();
    let (_, (snapshot, parts), stranger) = planted(&log, 4, SMALL_PART);
    let sees_stranger = |app: &App| app.state().org_unit(stranger).is_some();
    let mut flipped = parts[1].clone();
    flipped[0] ^= 0x5a;

    let spoil: [(&str, &str, Vec<sea_orm::Value>); 4] = [
        (
            "a part missing",
            "DELETE FROM snapshot_parts WHERE position = 4 AND part = 2",
            vec![],
        ),
        (
            "a byte flipped in a part",
            "UPDATE snapshot_parts SET bytes = $1 WHERE position = 4 AND part = 1",
            vec![flipped.into()],
        ),
        (
            "a part shorter",
            "UPDATE snapshot_parts SET bytes = $1 WHERE position = 4 AND part = 0",
            vec![parts[0][..10].to_vec().into()],
        ),
        (
            "a part longer",
            "UPDATE snapshot_parts SET bytes = $1 WHERE position = 4 AND part = 0",
            vec![[&parts[0][..], b"more"].concat().into()],
        ),
    ];
    for (what, sql, values) in spoil {
        clear(&store).await;
        store.save_snapshot(&snapshot, parts.clone()).await.unwrap();
        assert_eq!(raw(&store, sql, values).await, 1, "{what}: one part spoiled");
        let restarted = App::start_with(db.store().await, manual()).await.unwrap();
        assert!(!sees_stranger(&restarted), "{what}: ignored");
        assert_eq!(*restarted.state(), *app.state(), "{what}: the whole log folded");
    }
}

async fn a_snapshot_of_another_history_is_ignored(db: TestDb) {
    let app = four_events(&db).await;
    let store = db.store().await;

    // Another log of as many events, and a snapshot of it at the same position: sound in
    // every way but the history it was taken of.
    let other_db = fresh(db.backend).await.unwrap();
    let other = four_events(&other_db).await;
    assert_eq!(other.take_snapshot().await.unwrap(), 4);
    assert_ne!(*other.state(), *app.state());
    let other_store = other_db.store().await;
    let reader = other_store.snapshot_reader().await.unwrap();
    let theirs = reader.latest(i64::MAX).await.unwrap().unwrap();
    let mut parts = Vec::new();
    for part in 0..theirs.parts {
        parts.push(reader.part(4, part).await.unwrap().unwrap());
    }
    drop(reader);
    store.save_snapshot(&theirs, parts).await.unwrap();
    let restarted = App::start_with(db.store().await, manual()).await.unwrap();
    assert_eq!(
        *restarted.state(),
        *app.state(),
        "another log's snapshot: the whole log folded"
    );

    // One of this log, used; then named after an event the log does not have: ignored.
    clear(&store).await;
    let log = store.read_after(0, 100).await.unwrap();
    let (_, (ours, parts), stranger) = planted(&log, 4, StoredSnapshot::PART_SIZE);
    store.save_snapshot(&ours, parts).await.unwrap();
    let restarted = App::start_with(db.store().await, manual()).await.unwrap();
    assert!(restarted.state().org_unit(stranger).is_some(), "this log's: used");
    let elsewhere = match db.backend {
        Backend::Sqlite => Uuid::now_v7().hyphenated().to_string().into(),
        Backend::Postgres => Uuid::now_v7().into(),
    };
    assert_eq!(
        raw(&store, "UPDATE snapshots SET event_id = $1", vec![elsewhere]).await,
        1
    );
    let restarted = App::start_with(db.store().await, manual()).await.unwrap();
    assert!(
        restarted.state().org_unit(stranger).is_none(),
        "another event id: ignored"
    );
    assert_eq!(
        *restarted.state(),
        *app.state(),
        "another event id: the whole log folded"
    );
}

async fn a_spoiled_newest_snapshot_falls_back_to_the_one_before(db: TestDb) {
    let app = four_events(&db).await;
    let store = db.store().await;
    let log = store.read_after(0, 100).await.unwrap();
    let (_, (older, older_parts), at_3) = planted(&log, 3, SMALL_PART);
    let (_, (newest, newest_parts), at_4) = planted(&log, 4, SMALL_PART);
    store.save_snapshot(&older, older_parts).await.unwrap();
    store.save_snapshot(&newest, newest_parts).await.unwrap();
    let restarted = App::start_with(db.store().await, manual()).await.unwrap();
    assert!(
        restarted.state().org_unit(at_4).is_some(),
        "the newest is used while sound"
    );

    assert_eq!(
        raw(
            &store,
            "DELETE FROM snapshot_parts WHERE position = 4 AND part = 1",
            vec![]
        )
        .await,
        1
    );
    let restarted = App::start_with(db.store().await, manual()).await.unwrap();
    assert!(
        restarted.state().org_unit(at_4).is_none(),
        "the spoiled newest: ignored"
    );
    assert!(restarted.state().org_unit(at_3).is_some(), "the one before: used");
    // Its tail (event 4, the fourth unit) folded on top of it.
    assert_eq!(restarted.state().position(), 4);
    let fourth = match &log[3].event {
        Event::OrgUnitCreated { org_unit_id, .. } => *org_unit_id,
        other => panic!("event 4 is {other:?}"),
    };
    assert!(restarted.state().org_unit(fourth).is_some());
    assert!(app.state().org_unit(at_3).is_none());
}

/// A restore reads a snapshot's header, then its parts one query each; meanwhile another
/// instance may take two newer snapshots, which prunes the one being read (two are kept).
/// The reader still sees the moment it began: the header, every part and the log's event at
/// its position, as they were.
async fn a_restore_reads_one_moment_while_another_instance_prunes(db: TestDb) {
    let app = four_events(&db).await;
    let store = db.store().await;
    let log = store.read_after(0, 100).await.unwrap();
    let (_, (snapshot, parts), _) = planted(&log, 4, SMALL_PART);
    store.save_snapshot(&snapshot, parts.clone()).await.unwrap();

    let reader = store.snapshot_reader().await.unwrap();
    assert_eq!(reader.latest(i64::MAX).await.unwrap(), Some(snapshot.clone()));
    assert_eq!(reader.part(4, 0).await.unwrap().as_ref(), Some(&parts[0]));

    // The other instance: events 5 and 6, a snapshot after each; the one at 4 is pruned.
    let Event::OrgUnitCreated {
        org_unit_id: school, ..
    } = log[0].event
    else {
        panic!("event 1 is {:?}", log[0].event)
    };
    for _ in 0..2 {
        create(&app, OrgUnitKind::College, Some(school)).await;
        app.take_snapshot().await.unwrap();
    }
    assert_eq!(
        store.latest_snapshot(4).await.unwrap(),
        None,
        "pruned, seen from outside"
    );
    assert_eq!(
        store.latest_snapshot(i64::MAX).await.unwrap().map(|s| s.position),
        Some(6)
    );

    // The reader, still at its moment.
    assert_eq!(reader.latest(i64::MAX).await.unwrap(), Some(snapshot.clone()));
    for (i, part) in parts.iter().enumerate() {
        assert_eq!(reader.part(4, i as i64).await.unwrap().as_ref(), Some(part), "part {i}");
    }
    assert_eq!(reader.event_id_at(4).await.unwrap(), Some(log[3].id));
    assert_eq!(
        reader.event_id_at(6).await.unwrap(),
        None,
        "event 6 came after its moment"
    );
}

/// CRC-32 (IEEE), as the snapshot sums its bytes, written out so the test does not lean on
/// the code it checks: reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF.
fn crc32fast_hash(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
