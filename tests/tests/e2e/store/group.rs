//! Group commit on both backends: commands that arrive together share one transaction,
//! each decided after the ones before it, each answered on its own.
//!
//! To put commands in one group for certain, the first command's rule sleeps: the writer
//! is busy with it while the others queue, and it takes all of them as the next group.
//! Commands of one group share their `recorded_at` (the group's time).

use api::app::App;
use api::error::ApiError;
use api::idempotency::{Fingerprint, Idempotency};
use api::store::Backend;
use domain::decide::{self, CreateOrgUnit};
use domain::vocab::OrgUnitKind;
use domain::{Decision, DomainError, Recorded, State};
use std::time::Duration;
use tests::{TestDb, fresh};
use uuid::Uuid;

on_both_backends!(
    concurrent_commands_commit_with_gap_free_positions,
    a_group_decides_each_command_after_the_ones_before_it,
    a_refusal_in_a_group_fails_no_other_command,
    one_key_twice_in_a_group_records_once,
    two_instances_writing_together_catch_up_with_each_other,
    a_failed_group_commit_fails_its_commands_and_folds_the_log_again,
    a_burst_of_commands_is_notified_up_to_its_last_position,
);

fn unit(id: Uuid, kind: OrgUnitKind, parent_id: Option<Uuid>) -> CreateOrgUnit {
    CreateOrgUnit {
        id,
        kind,
        name: "单位".into(),
        parent_id,
    }
}

/// A school, created by a rule that first keeps the writer busy for a moment.
fn slow_school(id: Uuid) -> impl FnOnce(&State, chrono::DateTime<chrono::Utc>) -> Result<Decision, DomainError> {
    move |s: &State, _| {
        std::thread::sleep(Duration::from_millis(300));
        decide::create_org_unit(s, unit(id, OrgUnitKind::School, None))
    }
}

/// Starts the slow command, then (while the writer sleeps in it) `rest`, all at once.
async fn in_one_group<F>(
    app: &App,
    rest: Vec<(Option<Idempotency<'static>>, F)>,
) -> (Recorded, Vec<Result<Recorded, ApiError>>)
where
    F: FnOnce(&State, chrono::DateTime<chrono::Utc>) -> Result<Decision, DomainError> + Send + 'static,
{
    let first = {
        let app = app.clone();
        tokio::spawn(async move { app.execute("admin", None, slow_school(Uuid::now_v7())).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let answers =
        futures_util::future::join_all(rest.into_iter().map(|(key, decide)| app.execute("admin", key, decide))).await;
    (first.await.unwrap().unwrap(), answers)
}

async fn concurrent_commands_commit_with_gap_free_positions(db: TestDb) {
    const TASKS: usize = 16;
    const EACH: usize = 13;
    let app = App::start(db.store().await).await.unwrap();
    let school = Uuid::now_v7();
    app.execute("admin", None, move |s, _| {
        decide::create_org_unit(s, unit(school, OrgUnitKind::School, None))
    })
    .await
    .unwrap();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let app = app.clone();
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                for n in 0..EACH {
                    // Half of them move one stream (the school's vacations), so groups hold
                    // several commands on the same stream, each at the version before it.
                    let recorded = if n % 2 == 0 {
                        let id = Uuid::now_v7();
                        app.execute("admin", None, move |s, _| {
                            decide::create_org_unit(s, unit(id, OrgUnitKind::College, Some(school)))
                        })
                        .await
                    } else {
                        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
                            + chrono::Days::new((task * EACH + n) as u64);
                        app.execute("admin", None, move |s, _| {
                            decide::set_vacations(s, vec![domain::Vacation { from: day, to: day }])
                        })
                        .await
                    };
                    acknowledged.push(recorded.unwrap());
                }
                acknowledged
            })
        })
        .collect();
    let mut acknowledged = Vec::new();
    for task in tasks {
        acknowledged.extend(task.await.unwrap());
    }
    // 1 school + 16 × 13 = 209 events, one per command.
    assert_eq!(acknowledged.len(), TASKS * EACH);
    let log = app.store().read_after(0, 1_000).await.unwrap();
    let positions: Vec<i64> = log.iter().map(|r| r.position).collect();
    assert_eq!(positions, (1..=209).collect::<Vec<i64>>(), "gap-free, in order");
    for ack in &acknowledged {
        assert_eq!(&log[(ack.position - 1) as usize], ack, "acknowledged as recorded");
    }
    // The school stream: one event per vacations command, 16 × 6 = 96 (n = 1, 3, …, 11),
    // versions 1..=96 without a gap.
    let school_stream = decide::SCHOOL_STREAM;
    let versions: Vec<i64> = log
        .iter()
        .filter(|r| r.stream_id == school_stream)
        .map(|r| r.stream_version)
        .collect();
    assert_eq!(versions, (1..=96).collect::<Vec<i64>>());
    // Fewer transactions than commands: some groups held more than one.
    let mut times: Vec<_> = log.iter().map(|r| r.recorded_at).collect();
    times.dedup();
    assert!(times.len() < 209, "{} groups for 209 commands", times.len());
    // A restart folds the same state from the log.
    let restarted = App::start(db.store().await).await.unwrap();
    assert_eq!(restarted.state().position(), 209);
    assert_eq!(*restarted.state(), *app.state());
}

async fn a_group_decides_each_command_after_the_ones_before_it(db: TestDb) {
    let app = App::start(db.store().await).await.unwrap();
    let (school, college, branch) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    type Boxed = Box<dyn FnOnce(&State, chrono::DateTime<chrono::Utc>) -> Result<Decision, DomainError> + Send>;
    let rest: Vec<(Option<Idempotency<'static>>, Boxed)> = vec![
        (
            None,
            Box::new(move |s: &State, _| decide::create_org_unit(s, unit(school, OrgUnitKind::School, None))),
        ),
        // Each below the one before, which exists only in this group so far.
        (
            None,
            Box::new(move |s: &State, _| decide::create_org_unit(s, unit(college, OrgUnitKind::College, Some(school)))),
        ),
        (
            None,
            Box::new(move |s: &State, _| decide::create_org_unit(s, unit(branch, OrgUnitKind::Branch, Some(college)))),
        ),
    ];
    let (slow, answers) = in_one_group(&app, rest).await;
    let recorded: Vec<Recorded> = answers.into_iter().map(Result::unwrap).collect();
    // The slow school is position 1; the group's three follow it in the order queued.
    assert_eq!(slow.position, 1);
    assert_eq!(recorded.iter().map(|r| r.position).collect::<Vec<_>>(), [2, 3, 4]);
    assert!(
        recorded.iter().all(|r| r.recorded_at == recorded[0].recorded_at),
        "one group"
    );
    assert_eq!(app.state().org_unit(branch).and_then(|u| u.parent_id), Some(college));
    assert_eq!(app.store().read_after(0, 10).await.unwrap().len(), 4);
}

async fn a_refusal_in_a_group_fails_no_other_command(db: TestDb) {
    let app = App::start(db.store().await).await.unwrap();
    let missing = Uuid::now_v7();
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let rest: Vec<(Option<Idempotency<'static>>, _)> = [
        (a, None),
        // Below a unit that does not exist: refused.
        (Uuid::now_v7(), Some(missing)),
        (b, None),
    ]
    .into_iter()
    .map(|(id, parent)| {
        let kind = if parent.is_some() {
            OrgUnitKind::Branch
        } else {
            OrgUnitKind::School
        };
        (None, move |s: &State, _| {
            decide::create_org_unit(s, unit(id, kind, parent))
        })
    })
    .collect();
    let (_, answers) = in_one_group(&app, rest).await;
    assert!(matches!(answers[1], Err(ApiError::NotFound(_))), "{:?}", answers[1]);
    let (first, third) = (answers[0].as_ref().unwrap(), answers[2].as_ref().unwrap());
    // The refusal takes no position: 1 (slow), 2 (a), 3 (b).
    assert_eq!((first.position, third.position), (2, 3));
    assert_eq!(first.recorded_at, third.recorded_at, "one group");
    assert!(app.state().org_unit(a).is_some() && app.state().org_unit(b).is_some());
    assert_eq!(app.store().head().await.unwrap(), 3);
}

async fn one_key_twice_in_a_group_records_once(db: TestDb) {
    let app = App::start(db.store().await).await.unwrap();
    let same = Fingerprint::of("createOrgUnit", &serde_json::json!({"name": "a"}));
    let other = Fingerprint::of("createOrgUnit", &serde_json::json!({"name": "b"}));
    let keyed = |fingerprint: &Fingerprint| {
        Some(Idempotency {
            key: "phone-1",
            fingerprint: fingerprint.clone(),
        })
    };
    let (x, y, z) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let rest: Vec<(Option<Idempotency<'static>>, _)> = [(keyed(&same), x), (keyed(&same), y), (keyed(&other), z)]
        .into_iter()
        .map(|(key, id)| {
            (key, move |s: &State, _| {
                decide::create_org_unit(s, unit(id, OrgUnitKind::School, None))
            })
        })
        .collect();
    let (_, answers) = in_one_group(&app, rest).await;
    // The retry is answered with the first event; the key with other input is refused.
    let first = answers[0].as_ref().unwrap();
    assert_eq!(answers[1].as_ref().unwrap(), first);
    assert!(
        matches!(answers[2], Err(ApiError::IdempotencyKeyReused)),
        "{:?}",
        answers[2]
    );
    assert_eq!(first.idempotency_key.as_deref(), Some("phone-1"));
    assert_eq!(app.store().head().await.unwrap(), 2, "the slow school and x");
    assert!(app.state().org_unit(y).is_none() && app.state().org_unit(z).is_none());
    // Committed now, the key still answers the same from the log, in a later group.
    let again = app
        .execute("admin", keyed(&same), move |s, _| {
            decide::create_org_unit(s, unit(Uuid::now_v7(), OrgUnitKind::School, None))
        })
        .await
        .unwrap();
    assert_eq!(&again, first);
    let reused = app
        .execute("admin", keyed(&other), move |s, _| {
            decide::create_org_unit(s, unit(Uuid::now_v7(), OrgUnitKind::School, None))
        })
        .await;
    assert!(matches!(reused, Err(ApiError::IdempotencyKeyReused)));
    // And the key's fingerprint is the one its first use stored.
    let found = app
        .store()
        .find_keyed("admin", keyed(&same).as_ref().unwrap())
        .await
        .unwrap();
    assert_eq!(found.as_ref(), Some(first));
}

async fn two_instances_writing_together_catch_up_with_each_other(db: TestDb) {
    const EACH: usize = 40;
    let (one, two) = (
        App::start(db.store().await).await.unwrap(),
        App::start(db.store().await).await.unwrap(),
    );
    // Both move the same stream (the school's vacations), each from its own state.
    let write = |app: App, offset: u64| {
        tokio::spawn(async move {
            for n in 0..EACH as u64 {
                let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(offset + n);
                app.execute("admin", None, move |s, _| {
                    decide::set_vacations(s, vec![domain::Vacation { from: day, to: day }])
                })
                .await
                .unwrap();
            }
        })
    };
    let (a, b) = (write(one.clone(), 0), write(two.clone(), 100));
    a.await.unwrap();
    b.await.unwrap();
    // 2 × 40 = 80 appends on one stream, versions 1..=80 at positions 1..=80.
    let log = one.store().read_after(0, 1_000).await.unwrap();
    let at: Vec<(i64, i64)> = log.iter().map(|r| (r.position, r.stream_version)).collect();
    assert_eq!(at, (1..=80).map(|n| (n, n)).collect::<Vec<_>>());
}

/// Makes the database refuse any unit named "boom" at INSERT: a stand-in for a commit that
/// fails (a full disk, a lost connection) after the writer has decided and applied its group.
async fn refuse_boom(db: &TestDb) {
    use sea_orm::ConnectionTrait;
    let store = db.store().await;
    let statements: &[&str] = match db.backend {
        Backend::Postgres => &[
            "CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN RAISE EXCEPTION 'boom refused'; END $$",
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON events FOR EACH ROW \
             WHEN (NEW.payload->>'name' = 'boom') EXECUTE FUNCTION refuse_boom()",
        ],
        Backend::Sqlite => &["CREATE TRIGGER refuse_boom BEFORE INSERT ON events \
             WHEN json_extract(NEW.payload, '$.name') = 'boom' BEGIN SELECT RAISE(ABORT, 'boom refused'); END"],
    };
    for sql in statements {
        store.connection().execute_unprepared(sql).await.unwrap();
    }
}

async fn a_failed_group_commit_fails_its_commands_and_folds_the_log_again(db: TestDb) {
    let app = App::start(db.store().await).await.unwrap();
    let mut appended = app.appended();
    let school = Uuid::now_v7();
    app.execute("admin", None, move |s, _| {
        decide::create_org_unit(s, unit(school, OrgUnitKind::School, None))
    })
    .await
    .unwrap();
    refuse_boom(&db).await;
    let (college, boom, branch) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let rest: Vec<(Option<Idempotency<'static>>, _)> = [
        (college, OrgUnitKind::College, Some(school), "单位"),
        (boom, OrgUnitKind::College, Some(school), "boom"),
        // Decided against the college staged before it: refused without it, so it fails too.
        (branch, OrgUnitKind::Branch, Some(college), "单位"),
    ]
    .into_iter()
    .map(|(id, kind, parent_id, name)| {
        (None, move |s: &State, _| {
            decide::create_org_unit(
                s,
                CreateOrgUnit {
                    id,
                    kind,
                    name: name.into(),
                    parent_id,
                },
            )
        })
    })
    .collect();
    // The slow school commits alone (position 2); the three queue behind it as one group.
    let (slow, answers) = in_one_group(&app, rest).await;
    assert_eq!(slow.position, 2);
    for answer in &answers {
        assert!(matches!(answer, Err(ApiError::Internal(_))), "{answer:?}");
    }
    // Nothing of the group is in the log, nor, folded again, in the state.
    assert_eq!(app.store().head().await.unwrap(), 2);
    assert_eq!(app.state().position(), 2);
    for id in [college, boom, branch] {
        assert!(app.state().org_unit(id).is_none());
    }
    // The next command takes the next position, and the state is the log's.
    let again = app
        .execute("admin", None, move |s, _| {
            decide::create_org_unit(s, unit(college, OrgUnitKind::College, Some(school)))
        })
        .await
        .unwrap();
    assert_eq!(again.position, 3);
    let fresh = App::start(db.store().await).await.unwrap();
    assert_eq!(*fresh.state(), *app.state());
    // Subscribers heard of the three committed events only, in order.
    let mut heard = Vec::new();
    while let Ok(event) = appended.try_recv() {
        heard.push(event.position);
    }
    assert_eq!(heard, [1, 2, 3]);
}

async fn a_burst_of_commands_is_notified_up_to_its_last_position(db: TestDb) {
    let app = App::start(db.store().await).await.unwrap();
    let listening = db.store().await;
    let Some(mut positions) = listening.subscribe().await else {
        assert_eq!(db.backend, Backend::Sqlite, "only SQLite has no notifications");
        return;
    };
    // Twenty at once: several groups on one lease, which notifies at most every 10 ms and
    // announces the rest when it is let go.
    let answers = futures_util::future::join_all((0..20).map(|_| {
        let id = Uuid::now_v7();
        app.execute("admin", None, move |s, _| {
            decide::create_org_unit(s, unit(id, OrgUnitKind::School, None))
        })
    }))
    .await;
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    assert_eq!(app.store().head().await.unwrap(), 20);
    let mut last = 0;
    while last < 20 {
        let notified = tokio::time::timeout(Duration::from_secs(5), positions.recv()).await;
        last = notified.expect("a notification in time").expect("still listening");
    }
    assert_eq!(last, 20, "notified of the head, never past it");
}

/// A TCP proxy to PostgreSQL that, once armed, cuts the connection on which the server
/// answers a committed write (an `INSERT` or `COMMIT` complete, then ready and idle, not in
/// a transaction), before the answer reaches the client: a commit that landed and whose
/// answer was lost, as when the network drops at that moment.
struct CuttingProxy {
    addr: std::net::SocketAddr,
    armed: std::sync::Arc<std::sync::atomic::AtomicBool>,
    cut: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

async fn cutting_proxy(upstream: std::net::SocketAddr) -> CuttingProxy {
    use std::sync::atomic::Ordering::SeqCst;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = CuttingProxy {
        addr: listener.local_addr().unwrap(),
        armed: Default::default(),
        cut: Default::default(),
    };
    let (armed, cut) = (proxy.armed.clone(), proxy.cut.clone());
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
                return;
            };
            let (armed, cut) = (armed.clone(), cut.clone());
            tokio::spawn(async move {
                let (mut client_reads, mut client_writes) = client.into_split();
                let (mut server_reads, mut server_writes) = server.into_split();
                let up = tokio::spawn(async move { tokio::io::copy(&mut client_reads, &mut server_writes).await });
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = match server_reads.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let chunk = &buf[..n];
                    let has = |needle: &[u8]| chunk.windows(needle.len()).any(|w| w == needle);
                    // CommandComplete's tag, then ReadyForQuery 'Z', length 5, status 'I'.
                    let committed = (has(b"INSERT 0 ") || has(b"COMMIT\0")) && chunk.ends_with(b"Z\0\0\0\x05I");
                    if committed && armed.swap(false, SeqCst) {
                        cut.fetch_add(1, SeqCst);
                        break;
                    }
                    if client_writes.write_all(chunk).await.is_err() {
                        break;
                    }
                }
                up.abort();
            });
        }
    });
    proxy
}

/// PostgreSQL commits a group, and the connection drops before its answer: the commit
/// errors but landed. The writer finds the group in the log and answers it as committed
/// (not as failed, which would have the caller record it twice); the state and the
/// subscribers have it once. (SQLite commits in-process: an answer cannot be lost there;
/// its failed commits are the test above.)
#[tokio::test]
async fn a_commit_whose_answer_was_lost_is_answered_as_committed_on_postgres() {
    use std::sync::atomic::Ordering::SeqCst;
    let Some(db) = fresh(Backend::Postgres).await else {
        return;
    };
    let direct = db.store().await;
    let mut url = url::Url::parse(&db.url).unwrap();
    let upstream = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    let proxy = cutting_proxy(upstream.parse().unwrap()).await;
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(proxy.addr.port())).unwrap();
    // In the clear, so the proxy reads the answers.
    url.query_pairs_mut().append_pair("sslmode", "disable");
    let store = api::store::EventStore::connect(url.as_str()).await.unwrap();
    let app = App::start(store).await.unwrap();
    let mut appended = app.appended();
    let school = Uuid::now_v7();
    let first = app
        .execute("admin", None, move |s, _| {
            decide::create_org_unit(s, unit(school, OrgUnitKind::School, None))
        })
        .await
        .unwrap();
    assert_eq!((first.position, proxy.cut.load(SeqCst)), (1, 0));

    proxy.armed.store(true, SeqCst);
    let college = Uuid::now_v7();
    let answer = app
        .execute("admin", None, move |s, _| {
            decide::create_org_unit(s, unit(college, OrgUnitKind::College, Some(school)))
        })
        .await;
    assert_eq!(proxy.cut.load(SeqCst), 1, "the commit's answer was cut");
    let recorded = answer.expect("a commit that landed is answered as committed");
    assert_eq!(recorded.position, 2);
    // Past the proxy, the log has it once, at 2, by its id.
    let log = direct.read_after(0, 10).await.unwrap();
    assert_eq!(
        log.iter().map(|e| (e.position, e.id)).collect::<Vec<_>>()[1],
        (2, recorded.id)
    );
    assert_eq!(log.len(), 2);
    assert!(app.state().org_unit(college).is_some());
    // The next command takes 3, and subscribers heard 1, 2, 3 once each.
    let branch = Uuid::now_v7();
    let next = app
        .execute("admin", None, move |s, _| {
            decide::create_org_unit(s, unit(branch, OrgUnitKind::Branch, Some(college)))
        })
        .await
        .unwrap();
    assert_eq!(next.position, 3);
    let mut heard = Vec::new();
    while let Ok(event) = appended.try_recv() {
        heard.push(event.position);
    }
    assert_eq!(heard, [1, 2, 3]);
    assert_eq!(*App::start(db.store().await).await.unwrap().state(), *app.state());
}
