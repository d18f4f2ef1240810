//! How long the server takes to fold the whole log into memory at start, and how much memory
//! that state holds (DESIGN §8, issue 3): `cargo bench -p tests --bench fold`.
//!
//! For each backend (SQLite, then PostgreSQL) the bench generates the college of
//! `workload::Spec::college` (3,000 people, 1,500 pairings, 1,000,000 events) into a fresh
//! database through `EventStore::append`, one large batch per stream, and reports that
//! load's throughput. Then it starts a child process per run that times
//! `api::app::App::start(store)` (which folds the log, 10,000 events a page) and reads its
//! resident set before and after from /proc/self/statm; a fresh process each time, so the
//! memory figure is the state's and not a previous run's heap. A last child folds the same
//! events straight from memory (`State::apply` only, no database, no JSON) to show where
//! the time goes.
//!
//! `BANGFU_BENCH_SCALE=0.1` shrinks the log tenfold; `BANGFU_BENCH_RUNS` sets the number
//! of timed folds per backend (default 5); `BANGFU_BENCH_BACKENDS=sqlite` (or `postgres`)
//! runs one backend only. PostgreSQL comes from `BANGFU_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); when it is unreachable it is skipped.

mod workload;

use anyhow::Context;
use api::store::{Appended, EventStore};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tests::TestDb;
use uuid::Uuid;
use workload::{Spec, Workload, median_p90, mib, ms};

const CHILD: &str = "BANGFU_BENCH_FOLD_CHILD";

fn main() -> anyhow::Result<()> {
    if let Ok(what) = std::env::var(CHILD) {
        return child(&what);
    }
    let scale = workload::scale();
    let runs = workload::runs(5);
    let spec = Spec::college(scale);
    let backends = std::env::var("BANGFU_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    println!(
        "fold at start: {} people, {} pairings, ~{} events (scale {scale}); median and p90 of {runs} runs",
        spec.people, spec.pairings, spec.events
    );
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    for backend in backends.split(',').map(str::trim) {
        let db = match backend {
            "sqlite" => runtime.block_on(tests::fresh_sqlite()),
            "postgres" => match runtime.block_on(tests::try_fresh_postgres()) {
                Ok(db) => db,
                Err(e) => {
                    println!("postgres: skipped ({e})");
                    continue;
                }
            },
            other => anyhow::bail!("unknown backend {other}: sqlite or postgres"),
        };
        bench_backend(&runtime, backend, &db, spec, runs)?;
        // Drop the database (a PostgreSQL drop blocks on its own thread).
        drop(db);
    }
    fold_in_memory(runs)?;
    Ok(())
}

fn bench_backend(
    runtime: &tokio::runtime::Runtime,
    label: &str,
    db: &TestDb,
    spec: Spec,
    runs: usize,
) -> anyhow::Result<()> {
    let store = runtime.block_on(db.store());
    let started = Instant::now();
    let events = load(runtime, &store, &Workload::new(spec))?;
    let load = started.elapsed();
    drop(store);
    let size = runtime.block_on(database_size(db))?;
    println!(
        "{label:>8}: loaded {events} events in {:.1} s ({:.0} events/s, one append per stream), database {:.0} MiB",
        load.as_secs_f64(),
        events as f64 / load.as_secs_f64(),
        mib(size)
    );
    let mut times = Vec::new();
    let mut held = Vec::new();
    for _ in 0..runs {
        let report = run_child(&db.url)?;
        times.push(report.elapsed);
        held.push(report.held);
        anyhow::ensure!(
            report.position == events as i64,
            "the fold stopped at {}",
            report.position
        );
    }
    let (median, p90) = median_p90(times);
    held.sort_unstable();
    println!(
        "{label:>8}: App::start folds {events} events in median {:.2} s, p90 {:.2} s; state holds {:.0} MiB (RSS after − before, median)",
        median.as_secs_f64(),
        p90.as_secs_f64(),
        mib(held[held.len() / 2])
    );
    Ok(())
}

/// Appends the workload, one append per stream batch, as it is generated; retractions go
/// last, one append per stream. Returns the number of events appended.
fn load(runtime: &tokio::runtime::Runtime, store: &EventStore, workload: &Workload) -> anyhow::Result<usize> {
    let mut versions: HashMap<Uuid, i64> = HashMap::new();
    let mut retract: Vec<(Uuid, Uuid)> = Vec::new();
    let mut count = 0usize;
    let mut failed = None;
    workload.for_each_batch(|b| {
        if failed.is_some() {
            return;
        }
        let version = versions.entry(b.stream).or_insert(0);
        match runtime.block_on(store.append(b.stream, *version, &b.events, Some(workload::ACTOR), None)) {
            Ok(Appended::New(recorded)) => {
                *version += recorded.len() as i64;
                count += recorded.len();
                retract.extend(b.retract.iter().map(|&k| (b.stream, recorded[k].id)));
            }
            Ok(Appended::Duplicate(_)) => failed = Some(anyhow::anyhow!("unexpected duplicate")),
            Err(e) => failed = Some(e.into()),
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    let mut by_stream: HashMap<Uuid, Vec<domain::Event>> = HashMap::new();
    for (stream, id) in retract {
        by_stream.entry(stream).or_default().push(workload::retraction(id));
    }
    for (stream, events) in by_stream {
        let version = versions.entry(stream).or_insert(0);
        runtime.block_on(store.append(stream, *version, &events, Some(workload::ACTOR), None))?;
        *version += events.len() as i64;
        count += events.len();
    }
    Ok(count)
}

async fn database_size(db: &TestDb) -> anyhow::Result<u64> {
    use sea_orm::ConnectionTrait;
    let store = EventStore::connect(&db.url).await?;
    let size = match store.backend() {
        api::store::Backend::Sqlite => {
            let path = db
                .url
                .trim_start_matches("sqlite://")
                .split('?')
                .next()
                .unwrap_or_default()
                .to_owned();
            ["", "-wal"]
                .iter()
                .filter_map(|s| std::fs::metadata(format!("{path}{s}")).ok())
                .map(|m| m.len())
                .sum()
        }
        api::store::Backend::Postgres => {
            let row = store
                .connection()
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    "SELECT pg_database_size(current_database())::bigint AS size",
                ))
                .await?
                .context("no size")?;
            row.try_get::<i64>("", "size")? as u64
        }
    };
    Ok(size)
}

struct ChildReport {
    elapsed: Duration,
    held: u64,
    position: i64,
}

fn run_child(what: &str) -> anyhow::Result<ChildReport> {
    let exe = std::env::current_exe()?;
    let output = std::process::Command::new(exe).env(CHILD, what).output()?;
    anyhow::ensure!(
        output.status.success(),
        "the fold child failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("FOLD "))
        .context("the child printed no FOLD line")?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    anyhow::ensure!(fields.len() == 3, "bad child line {line}");
    Ok(ChildReport {
        elapsed: Duration::from_nanos(fields[0].parse()?),
        held: fields[1].parse()?,
        position: fields[2].parse()?,
    })
}

/// In a fresh process: fold the log at `what` (a database URL, or `memory`) and print
/// `FOLD <nanoseconds> <bytes held> <position>`.
fn child(what: &str) -> anyhow::Result<()> {
    if what == "memory" {
        return child_in_memory();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let store = EventStore::connect(what).await?;
        workload::trim_heap();
        let before = workload::rss_bytes();
        let started = Instant::now();
        let app = api::app::App::start(store).await?;
        let elapsed = started.elapsed();
        workload::trim_heap();
        let after = workload::rss_bytes();
        let position = app.state().position();
        println!(
            "FOLD {} {} {position}",
            elapsed.as_nanos(),
            after.saturating_sub(before)
        );
        anyhow::Ok(())
    })?;
    // Exit without tearing the state down: the parent has what it needs.
    std::process::exit(0)
}

/// The events generated into memory first (not timed), then applied: the domain's share.
fn child_in_memory() -> anyhow::Result<()> {
    let workload = Workload::new(Spec::college(workload::scale()));
    let mut events = Vec::new();
    workload.for_each_recorded(|r| events.push(r));
    workload::trim_heap();
    let before = workload::rss_bytes();
    let started = Instant::now();
    let mut state = domain::State::new();
    for e in &events {
        state.apply(e);
    }
    let elapsed = started.elapsed();
    workload::trim_heap();
    let after = workload::rss_bytes();
    println!(
        "FOLD {} {} {}",
        elapsed.as_nanos(),
        after.saturating_sub(before),
        state.position()
    );
    std::process::exit(0)
}

fn fold_in_memory(runs: usize) -> anyhow::Result<()> {
    let mut times = Vec::new();
    let mut held = Vec::new();
    let mut events = 0;
    for _ in 0..runs {
        let r = run_child("memory")?;
        times.push(r.elapsed);
        held.push(r.held);
        events = r.position;
    }
    let (median, p90) = median_p90(times);
    held.sort_unstable();
    println!(
        "  memory: State::apply alone folds {events} events in median {:.0} ms, p90 {:.0} ms; state holds {:.0} MiB",
        ms(median),
        ms(p90),
        mib(held[held.len() / 2])
    );
    Ok(())
}
