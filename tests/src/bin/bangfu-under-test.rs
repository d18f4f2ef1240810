//! The `bangfu` CLI, plus `append-forever <database-url>` for the crash test: connects,
//! migrates, then appends one event at a time and prints each acknowledged position on its
//! own line, until it is killed.

use api::store::{Appended, EventStore};
use domain::Event;
use domain::vocab::OrgUnitKind;
use std::io::Write;
use std::process::ExitCode;
use uuid::Uuid;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) != Some("append-forever") {
        return api::cli::run();
    }
    let Some(url) = args.get(2) else {
        eprintln!("usage: bangfu-under-test append-forever <database-url>");
        return ExitCode::FAILURE;
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(append_forever(url)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("append-forever: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Appends `OrgUnitCreated { name: "unit <position>" }`, one per append, to one stream.
async fn append_forever(url: &str) -> anyhow::Result<()> {
    let store = EventStore::connect(url).await?;
    store.migrate().await?;
    let stream_id = Uuid::now_v7();
    let mut version = 0;
    let mut next = store.head().await? + 1;
    let mut stdout = std::io::stdout().lock();
    loop {
        let event = Event::OrgUnitCreated {
            org_unit_id: stream_id,
            kind: OrgUnitKind::Branch,
            name: format!("unit {next}"),
            parent_id: None,
        };
        let Appended::New(recorded) = store.append(stream_id, version, &[event], None, None).await? else {
            anyhow::bail!("an append without an idempotency key was taken for a duplicate");
        };
        for r in &recorded {
            writeln!(stdout, "{}", r.position)?;
        }
        stdout.flush()?;
        version += 1;
        next += 1;
    }
}
