//! The `bangfu` CLI, plus two writers for the crash tests, which run until they are killed:
//! - `append-forever <database-url>`: connects, migrates, then appends one event at a time
//!   through the store and prints each acknowledged position on its own line;
//! - `execute-forever <database-url>`: starts the application and runs commands from 8
//!   tasks at once (so they are committed in groups), printing `<position> <name>` for each
//!   acknowledged one.

use api::store::{Appended, EventStore};
use domain::Event;
use domain::vocab::OrgUnitKind;
use std::io::Write;
use std::process::ExitCode;
use uuid::Uuid;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let command = args.get(1).map(String::as_str);
    if !matches!(command, Some("append-forever" | "execute-forever")) {
        return api::cli::run();
    }
    let Some(url) = args.get(2) else {
        eprintln!("usage: bangfu-under-test append-forever|execute-forever <database-url>");
        return ExitCode::FAILURE;
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ran = if command == Some("append-forever") {
        runtime.block_on(append_forever(url))
    } else {
        runtime.block_on(execute_forever(url))
    };
    match ran {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {e}", command.unwrap_or_default());
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

/// Creates schools named `school <task>-<n>` from 8 tasks at once through `App::execute`.
async fn execute_forever(url: &str) -> anyhow::Result<()> {
    let store = EventStore::connect(url).await?;
    store.migrate().await?;
    let app = api::app::App::start(store).await?;
    let (acks, mut acknowledged) = tokio::sync::mpsc::unbounded_channel::<(i64, String)>();
    for task in 0..8 {
        let (app, acks) = (app.clone(), acks.clone());
        tokio::spawn(async move {
            for n in 0.. {
                let name = format!("school {task}-{n}");
                let unit = domain::decide::CreateOrgUnit {
                    id: Uuid::now_v7(),
                    kind: OrgUnitKind::School,
                    name: name.clone(),
                    parent_id: None,
                };
                match app
                    .execute("crash-test", None, move |s, _| domain::decide::create_org_unit(s, unit))
                    .await
                {
                    Ok(recorded) => {
                        if acks.send((recorded.position, name)).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        eprintln!("execute-forever: {e:?}");
                        return;
                    }
                }
            }
        });
    }
    drop(acks);
    let mut stdout = std::io::stdout().lock();
    while let Some((position, name)) = acknowledged.recv().await {
        writeln!(stdout, "{position} {name}")?;
        stdout.flush()?;
    }
    anyhow::bail!("every writer stopped")
}
