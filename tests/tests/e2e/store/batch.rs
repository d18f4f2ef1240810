//! A batch append (an import's one transaction) on both backends: many streams at once,
//! gap-free positions, each stream's version checked, all or nothing; and the application's
//! batch, each command deciding against the ones before it.

use super::unit;
use api::app::{App, Command};
use api::store::{Backend, StoreError, StreamAppend};
use domain::State;
use domain::decide::{self, CreateOrgUnit, RegisterPerson};
use domain::vocab::{OrgUnitKind, Stage};
use tests::{TestDb, fresh};
use uuid::Uuid;

on_both_backends!(
    a_batch_appends_many_streams_with_gap_free_positions,
    a_batch_with_one_stale_stream_appends_nothing,
    the_apps_batch_decides_each_command_after_the_ones_before_it,
    the_college_demo_appends_the_whole_workload,
);

async fn a_batch_appends_many_streams_with_gap_free_positions(db: TestDb) {
    let store = db.store().await;
    let old = Uuid::now_v7();
    store.append(old, 0, &[unit("old")], None, None).await.unwrap();
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let (two, one, more) = ([unit("a1"), unit("a2")], [unit("b1")], [unit("old2")]);
    let parts = [
        StreamAppend {
            stream_id: a,
            expected_version: 0,
            events: &two,
        },
        StreamAppend {
            stream_id: old,
            expected_version: 1,
            events: &more,
        },
        StreamAppend {
            stream_id: b,
            expected_version: 0,
            events: &one,
        },
        // The same stream again: it expects the version its first part left.
        StreamAppend {
            stream_id: a,
            expected_version: 2,
            events: &one,
        },
    ];
    let recorded = store.append_batch(&parts, Some("importer")).await.unwrap();
    let at: Vec<(i64, Uuid, i64)> = recorded
        .iter()
        .map(|r| (r.position, r.stream_id, r.stream_version))
        .collect();
    assert_eq!(at, [(2, a, 1), (3, a, 2), (4, old, 2), (5, b, 1), (6, a, 3)]);
    assert!(recorded.iter().all(|r| r.actor_id.as_deref() == Some("importer")));
    // Read back exactly as recorded, in position order.
    assert_eq!(store.read_after(1, 100).await.unwrap(), recorded);
    assert_eq!(store.head().await.unwrap(), 6);
    // And an empty batch does nothing.
    assert!(store.append_batch(&[], None).await.unwrap().is_empty());
    assert_eq!(store.head().await.unwrap(), 6);
}

async fn a_batch_with_one_stale_stream_appends_nothing(db: TestDb) {
    let store = db.store().await;
    let existing = Uuid::now_v7();
    store.append(existing, 0, &[unit("x")], None, None).await.unwrap();
    let fresh_stream = Uuid::now_v7();
    let events = [unit("y")];
    for (stream_id, expected, actual) in [(existing, 0, 1), (existing, 2, 1), (Uuid::now_v7(), 1, 0)] {
        let parts = [
            StreamAppend {
                stream_id: fresh_stream,
                expected_version: 0,
                events: &events,
            },
            StreamAppend {
                stream_id,
                expected_version: expected,
                events: &events,
            },
        ];
        match store.append_batch(&parts, None).await {
            Err(StoreError::Conflict {
                stream_id: s,
                expected: e,
                actual: a,
            }) => assert_eq!((s, e, a), (stream_id, expected, actual)),
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!(store.head().await.unwrap(), 1, "nothing of the batch is appended");
    }
    // A stream named twice must chain its versions too.
    let twice = [
        StreamAppend {
            stream_id: fresh_stream,
            expected_version: 0,
            events: &events,
        },
        StreamAppend {
            stream_id: fresh_stream,
            expected_version: 0,
            events: &events,
        },
    ];
    assert!(matches!(
        store.append_batch(&twice, None).await,
        Err(StoreError::Conflict { actual: 1, .. })
    ));
    assert_eq!(store.head().await.unwrap(), 1);
}

async fn the_apps_batch_decides_each_command_after_the_ones_before_it(db: TestDb) {
    let app = App::start(db.store().await).await.unwrap();
    let (school, class, person) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let unit_of = |id, kind, parent| CreateOrgUnit {
        id,
        kind,
        name: "单位".into(),
        parent_id: parent,
    };
    let register = RegisterPerson {
        id: person,
        number: "2025001".into(),
        name: "学生".into(),
        org_unit_ids: vec![class],
        stage: Stage::NonParty,
        stage_since: None,
        key_cultivation_target: false,
        contact: None,
        email: None,
    };
    let create_school = |s: &State, _| decide::create_org_unit(s, unit_of(school, OrgUnitKind::School, None));
    let create_class = |s: &State, _| decide::create_org_unit(s, unit_of(class, OrgUnitKind::Class, Some(school)));
    let register_into_class = |s: &State, now| decide::register_person(s, register.clone(), now);
    // Refused as a whole when a command fails: here the second registration of a number.
    let again = RegisterPerson {
        id: Uuid::now_v7(),
        ..register.clone()
    };
    let register_again = |s: &State, now| decide::register_person(s, again.clone(), now);
    let refused: [&Command<'_>; 4] = [&create_school, &create_class, &register_into_class, &register_again];
    assert!(app.execute_all("admin", &refused).await.is_err());
    assert_eq!(app.store().head().await.unwrap(), 0, "a refused batch appends nothing");
    // Accepted: the class sees the school, the registration the class.
    let commands: [&Command<'_>; 3] = [&create_school, &create_class, &register_into_class];
    let recorded = app.execute_all("admin", &commands).await.unwrap();
    let positions: Vec<i64> = recorded.iter().map(|r| r.position).collect();
    assert_eq!(positions, [1, 2, 3]);
    {
        let state = app.state();
        assert_eq!(state.person(person).map(|p| p.org_unit_ids.clone()), Some(vec![class]));
        assert_eq!(state.org_unit(class).and_then(|u| u.parent_id), Some(school));
    }
    // A store that moved since is caught up with: a second app on the same database
    // appends, then this one's batch decides against what it appended.
    let other = App::start(db.store().await).await.unwrap();
    let elsewhere = Uuid::now_v7();
    let create_elsewhere =
        |s: &State, _| decide::create_org_unit(s, unit_of(elsewhere, OrgUnitKind::College, Some(school)));
    other.execute_all("admin", &[&create_elsewhere]).await.unwrap();
    let under = Uuid::now_v7();
    let create_under = |s: &State, _| decide::create_org_unit(s, unit_of(under, OrgUnitKind::Branch, Some(elsewhere)));
    let recorded = app.execute_all("admin", &[&create_under]).await.unwrap();
    assert_eq!(recorded[0].position, 5);
}

/// `bangfu demo --size college` at a hundredth of its size: the whole generated log, then
/// the counsellor's role, in order and gap-free.
async fn the_college_demo_appends_the_whole_workload(db: TestDb) {
    use api::demo::workload::{Spec, Workload};
    let store = db.store().await;
    let seeded = api::demo::college::seed_college(&store, 0.01).await.unwrap();
    // The generator's own count of its events (retractions included), plus the role.
    let mut generated = 0;
    Workload::new(Spec::college(0.01)).for_each_recorded(|_| generated += 1);
    assert_eq!(seeded.events, generated + 1);
    let log = store.read_after(0, seeded.events as u64 + 1).await.unwrap();
    let positions: Vec<i64> = log.iter().map(|r| r.position).collect();
    assert_eq!(positions, (1..=seeded.events).collect::<Vec<_>>());
    let app = App::start(store).await.unwrap();
    {
        let state = app.state();
        let counsellor = state.person_by_number(&seeded.counsellor).expect("the counsellor");
        assert!(
            counsellor
                .roles
                .iter()
                .any(|(role, scope)| *role == domain::vocab::Role::Counsellor && *scope == seeded.college_id)
        );
        assert!(state.org_unit(seeded.branch_id).is_some());
    }
    // Seeding again is refused: the database holds events.
    assert!(api::demo::college::seed_college(app.store(), 0.01).await.is_err());
}
