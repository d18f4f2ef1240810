//! How fast the whole log moves out and in (`bangfu export-events`, `import-events`, issue
//! 15.6): `cargo bench -p tests --bench backup`.
//!
//! The college of `workload::Spec::college` (3,000 people, 1,500 pairings, ~1,000,000
//! events) is written as an export file straight from the generator, then imported into a
//! fresh SQLite database, exported from it, imported into a fresh PostgreSQL database and
//! exported from that, each timed once through `api::backup` (what the commands run). The
//! two exports must be byte for byte the same. The process's peak resident memory before
//! and after the four steps shows that none of them holds the log.
//!
//! `BANGFU_BENCH_SCALE=0.1` shrinks the log tenfold. PostgreSQL comes from
//! `BANGFU_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`); when it
//! is unreachable it is skipped.

mod workload;

use api::store::{EventStore, StoredRow};
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::time::Instant;
use workload::{Spec, Workload, mib};

fn main() -> anyhow::Result<()> {
    let scale = workload::scale();
    let spec = Spec::college(scale);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let dir = std::env::temp_dir().join(format!("bangfu-bench-backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let generated = dir.join("generated.ndjson");
    let events = write_workload(&Workload::new(spec), &generated)?;
    println!(
        "backup: {} people, {} pairings, {events} events (scale {scale}), a {:.0} MiB file; peak RSS {:.0} MiB",
        spec.people,
        spec.pairings,
        mib(std::fs::metadata(&generated)?.len()),
        peak_rss_mib()
    );

    let sqlite = runtime.block_on(tests::fresh_sqlite());
    let store = runtime.block_on(sqlite.store());
    import(&runtime, "sqlite", &store, &generated, events)?;
    let from_sqlite = dir.join("sqlite.ndjson");
    export(&runtime, "sqlite", &store, &from_sqlite, events)?;
    drop(store);

    match runtime.block_on(tests::try_fresh_postgres()) {
        Ok(postgres) => {
            let store = runtime.block_on(postgres.store());
            import(&runtime, "postgres", &store, &from_sqlite, events)?;
            let from_postgres = dir.join("postgres.ndjson");
            export(&runtime, "postgres", &store, &from_postgres, events)?;
            drop(store);
            anyhow::ensure!(
                same_bytes(&from_sqlite, &from_postgres)?,
                "the PostgreSQL export differs from the SQLite export"
            );
            println!("the two exports are the same, byte for byte");
            drop(postgres);
        }
        Err(e) => println!("postgres: skipped ({e})"),
    }
    println!("peak RSS after all steps {:.0} MiB", peak_rss_mib());
    drop(sqlite);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// The generated log as an export file, one event at a time.
fn write_workload(workload: &Workload, file: &Path) -> anyhow::Result<u64> {
    let mut out = BufWriter::new(std::fs::File::create(file)?);
    let mut count = 0;
    let mut failed = None;
    workload.for_each_recorded(|r| {
        if failed.is_some() {
            return;
        }
        let (kind, schema_version, payload) = r.event.to_stored();
        let row = StoredRow {
            position: r.position,
            id: r.id,
            stream_id: r.stream_id,
            stream_version: r.stream_version,
            kind: kind.to_owned(),
            schema_version,
            payload,
            occurred_at: r.occurred_at,
            recorded_at: r.recorded_at,
            actor_id: r.actor_id,
            idempotency_key: r.idempotency_key,
            idempotency_fingerprint: None,
        };
        let written = serde_json::to_writer(&mut out, &row)
            .map_err(anyhow::Error::from)
            .and_then(|()| out.write_all(b"\n").map_err(anyhow::Error::from));
        match written {
            Ok(()) => count += 1,
            Err(e) => failed = Some(e),
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    out.flush()?;
    Ok(count)
}

fn import(
    runtime: &tokio::runtime::Runtime,
    label: &str,
    store: &EventStore,
    file: &Path,
    events: u64,
) -> anyhow::Result<()> {
    let input = BufReader::new(std::fs::File::open(file)?);
    let started = Instant::now();
    let imported = runtime.block_on(api::backup::import_events(store, input))?;
    let took = started.elapsed().as_secs_f64();
    anyhow::ensure!(imported == events, "{label}: imported {imported} of {events}");
    println!(
        "{label:>8}: import-events {imported} events in {took:.1} s ({:.0} events/s); peak RSS {:.0} MiB",
        imported as f64 / took,
        peak_rss_mib()
    );
    Ok(())
}

fn export(
    runtime: &tokio::runtime::Runtime,
    label: &str,
    store: &EventStore,
    file: &Path,
    events: u64,
) -> anyhow::Result<()> {
    let mut out = BufWriter::new(std::fs::File::create(file)?);
    let started = Instant::now();
    let exported = runtime.block_on(api::backup::export_events(store, &mut out))?;
    let took = started.elapsed().as_secs_f64();
    anyhow::ensure!(exported == events, "{label}: exported {exported} of {events}");
    println!(
        "{label:>8}: export-events {exported} events in {took:.1} s ({:.0} events/s); peak RSS {:.0} MiB",
        exported as f64 / took,
        peak_rss_mib()
    );
    Ok(())
}

/// Whether two files hold the same bytes, read a block at a time.
fn same_bytes(a: &Path, b: &Path) -> anyhow::Result<bool> {
    use std::io::Read;
    let (mut a, mut b) = (
        BufReader::new(std::fs::File::open(a)?),
        BufReader::new(std::fs::File::open(b)?),
    );
    let (mut x, mut y) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = a.read(&mut x)?;
        let mut filled = 0;
        while filled < n {
            let m = b.read(&mut y[filled..n])?;
            if m == 0 {
                return Ok(false);
            }
            filled += m;
        }
        if x[..n] != y[..n] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(b.read(&mut y[..1])? == 0);
        }
    }
}

/// This process's peak resident set so far (`VmHWM`), in MiB; 0 where /proc does not tell.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}
