//! Append throughput on SQLite and PostgreSQL: `cargo bench -p tests --bench append`.
//!
//! Each scenario runs on a fresh database and prints events per second. Every append is a
//! durable commit (SQLite `synchronous=FULL`, PostgreSQL `synchronous_commit=on`), so the
//! single-event figures are bounded by the disk's fsync rate.

use api::store::{Appended, EventStore};
use domain::Event;
use domain::vocab::OrgUnitKind;
use std::time::{Duration, Instant};
use tests::TestDb;
use uuid::Uuid;

const EVENTS: i64 = 5_000;

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        println!("append throughput, {EVENTS} events per scenario");
        bench_backend("sqlite", || async { Ok(tests::fresh_sqlite().await) }).await?;
        bench_backend("postgres", || async {
            tests::try_fresh_postgres().await.map_err(anyhow::Error::msg)
        })
        .await
    })
}

async fn bench_backend<F, Fut>(label: &str, fresh: F) -> anyhow::Result<()>
where
    F: Fn() -> Fut,
    Fut: Future<Output = anyhow::Result<TestDb>>,
{
    let scenarios: [(&str, usize, i64); 4] = [
        ("1 appender, 1 event per append", 1, 1),
        ("8 appenders, 1 event per append", 8, 1),
        ("1 appender, 10 events per append", 1, 10),
        ("1 appender, 100 events per append", 1, 100),
    ];
    for (name, appenders, batch) in scenarios {
        let db = match fresh().await {
            Ok(db) => db,
            Err(e) => {
                println!("{label:>8}: skipped ({e})");
                return Ok(());
            }
        };
        let store = EventStore::connect(&db.url).await?;
        store.migrate().await?;
        let elapsed = run(&store, appenders, batch).await?;
        anyhow::ensure!(store.head().await? == EVENTS, "the log does not hold every event");
        let rate = EVENTS as f64 / elapsed.as_secs_f64();
        println!(
            "{label:>8}: {name:<36} {rate:>9.0} events/s  ({:.2} s)",
            elapsed.as_secs_f64()
        );
    }
    Ok(())
}

/// `appenders` tasks, each on its own stream, append `EVENTS` in all, `batch` per append.
async fn run(store: &EventStore, appenders: usize, batch: i64) -> anyhow::Result<Duration> {
    let appends_each = EVENTS / batch / appenders as i64;
    let start = Instant::now();
    let tasks: Vec<_> = (0..appenders)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let stream = Uuid::now_v7();
                for n in 0..appends_each {
                    let events: Vec<Event> = (0..batch)
                        .map(|i| Event::OrgUnitCreated {
                            org_unit_id: stream,
                            kind: OrgUnitKind::PartyGroup,
                            name: format!("小组 {}", n * batch + i),
                            parent_id: None,
                        })
                        .collect();
                    match store.append(stream, n * batch, &events, None, None).await? {
                        Appended::New(_) => {}
                        Appended::Duplicate(_) => anyhow::bail!("unexpected duplicate"),
                    }
                }
                Ok(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok(start.elapsed())
}
