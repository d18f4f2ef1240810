//! Snapshots of the state on both backends: a restart starts from the newest one and folds
//! the tail; one of another format, with a bad checksum, that does not decode or whose
//! state is not at its position is ignored, and the whole log is folded.
//!
//! To tell which way a restart went, some tests plant a snapshot whose state differs from
//! the log's at the same position (a unit the log never created): seeing that unit after a
//! restart means the snapshot was used; not seeing it, that the log was folded.

use api::app::{App, SnapshotPolicy, encode_snapshot};
use api::store::{Backend, StoredSnapshot};
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

/// A state at `position` (the log's head) holding a unit the log does not have.
fn planted(log: &[Recorded], position: i64) -> (StoredSnapshot, Uuid) {
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
    (encode_snapshot(&state).unwrap(), stranger)
}

async fn a_corrupt_or_foreign_snapshot_is_ignored(db: TestDb) {
    let app = App::start_with(db.store().await, manual()).await.unwrap();
    let school = create(&app, OrgUnitKind::School, None).await;
    for _ in 0..3 {
        create(&app, OrgUnitKind::College, Some(school)).await;
    }
    let store = db.store().await;
    let log = store.read_after(0, 100).await.unwrap();
    let (good, stranger) = planted(&log, 4);
    let sees_stranger = |app: &App| app.state().org_unit(stranger).is_some();

    // Sound: used (the stranger is there), and folded on from.
    store.save_snapshot(good.clone()).await.unwrap();
    let restarted = App::start_with(db.store().await, manual()).await.unwrap();
    assert!(sees_stranger(&restarted), "a sound snapshot is used");
    assert_eq!(restarted.state().position(), 4);

    let mut flipped = good.clone();
    let middle = flipped.state.len() / 2;
    flipped.state[middle] ^= 0x5a;
    let garbage_bytes = b"not a state at all".to_vec();
    let garbage = StoredSnapshot {
        checksum: i64::from(crc32fast_hash(&garbage_bytes)),
        state: garbage_bytes,
        ..good.clone()
    };
    let spoiled = [
        ("a flipped byte (bad checksum)", flipped),
        (
            "another format",
            StoredSnapshot {
                format: State::SNAPSHOT_FORMAT + 1,
                ..good.clone()
            },
        ),
        ("bytes that are no state (checksum right)", garbage),
        (
            "a row at another position than its state",
            StoredSnapshot {
                position: 3,
                ..good.clone()
            },
        ),
    ];
    for (what, snapshot) in spoiled {
        // Replace every row with the spoiled one.
        for position in [3i64, 4] {
            store
                .connection()
                .execute_raw(sea_orm::Statement::from_sql_and_values(
                    store.connection().get_database_backend(),
                    "DELETE FROM snapshots WHERE position = $1",
                    [position.into()],
                ))
                .await
                .unwrap();
        }
        store.save_snapshot(snapshot).await.unwrap();
        let restarted = App::start_with(db.store().await, manual()).await.unwrap();
        assert!(!sees_stranger(&restarted), "{what}: ignored");
        assert_eq!(*restarted.state(), *app.state(), "{what}: the whole log folded");
    }
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
