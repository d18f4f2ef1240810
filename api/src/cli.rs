//! The `bangfu` command line: `serve` (the default), `migrate`, `token`,
//! `export-schema`, `demo`, `import people`, `notify`, `export-events`, `import-events`. Logs go to
//! stderr (`RUST_LOG`, default `info`; `BANGFU_LOG_FORMAT=json` for JSON lines); stdout
//! carries only what a command prints (a token, the SDL, the exported log). A failure
//! prints one line and exits non-zero.

use crate::config::{Config, parse_duration};
use crate::signin::TokenKeys;
use crate::store::EventStore;
use anyhow::Context as _;
use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "bangfu",
    version,
    about = "Bangfu (帮扶): the mentoring programme's GraphQL server"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database and serve GraphQL (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Print a token signed with the configured key.
    Token {
        /// Who the token names: a person's number, or any name for an admin.
        #[arg(long)]
        subject: String,
        /// Make the token a bootstrap administrator's.
        #[arg(long)]
        admin: bool,
        /// How long it is valid: 90s, 30m, 8h, 7d.
        #[arg(long, default_value = "8h", value_parser = parse_duration)]
        ttl: Duration,
    },
    /// Print the GraphQL schema (SDL) the server serves.
    ExportSchema,
    /// Seed an empty database with a demo college, then say how to look at it.
    Demo {
        /// `small` (a dozen people, through the API) or `college` (3,000 people, 1,500
        /// pairings, ~1,000,000 events over two academic years, through the store).
        #[arg(long, value_enum, default_value_t = DemoSize::Small)]
        size: DemoSize,
    },
    /// Write the whole event log to stdout as NDJSON, one event a line in position order
    /// (a backup that either store can load with import-events).
    ExportEvents,
    /// Load an export-events file (`-`: stdin) into the configured database, which must
    /// hold no event: every position kept, the whole file or nothing.
    ImportEvents {
        /// The NDJSON file.
        file: std::path::PathBuf,
    },
    /// Run the reminders due at an instant once — each unit's digest once its
    /// BANGFU_DIGEST_AT has passed, the mentors' emails — then every retry due, and exit
    /// (docs/notifications.md).
    Notify {
        /// The instant to run at, RFC 3339 (`2026-12-03T08:00:00+08:00`); default now.
        #[arg(long, value_parser = parse_instant)]
        as_of: Option<chrono::DateTime<chrono::Utc>>,
        /// Print the messages it would store, and store and send nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Import a file into the configured database.
    Import {
        #[command(subcommand)]
        what: Import,
    },
}

/// How big a demo college `bangfu demo` seeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DemoSize {
    Small,
    College,
}

#[derive(Debug, Subcommand)]
pub enum Import {
    /// A roster (花名册): XLSX, or CSV in UTF-8 or GBK (docs/archive.md). All rows or none:
    /// with any wrong row, each is printed and nothing is imported (exit 1).
    People {
        /// The roster file.
        file: std::path::PathBuf,
        /// The org unit (a college …) the people and new classes and branches go into.
        #[arg(long)]
        unit: uuid::Uuid,
        /// Check the file and say what it would do, without importing.
        #[arg(long)]
        dry_run: bool,
        /// Who the log records as the importer (the command line has an administrator's
        /// rights over the database it is given).
        #[arg(long, default_value = "cli")]
        subject: String,
    },
}

/// `bangfu` with the process's arguments, logging to stderr in the configured format.
pub fn run() -> ExitCode {
    run_parsed(std::env::args_os(), true)
}

/// `bangfu` with the given arguments (the first is the program name); logs
/// only where a subscriber is installed ([`run`] installs one).
pub fn run_from<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    run_parsed(args, false)
}

fn run_parsed<I, T>(args: I, logs: bool) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            // --help and --version come through here too, with exit code 0.
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };
    if logs {
        crate::telemetry::init_logs(cli.config.log_format);
    }
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bangfu: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a parsed command.
pub fn execute(cli: Cli) -> anyhow::Result<()> {
    let Cli { config, command } = cli;
    config.validate()?;
    match command.unwrap_or(Command::Serve) {
        Command::ExportSchema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
        Command::Token { subject, admin, ttl } => {
            if subject.trim().is_empty() {
                anyhow::bail!("--subject must not be empty");
            }
            let keys = TokenKeys::from_config(&config)?;
            println!("{}", keys.mint(subject.trim(), admin, ttl));
            Ok(())
        }
        Command::Migrate => runtime()?.block_on(async {
            let store = EventStore::connect(&config.database_url)
                .await
                .with_context(|| format!("cannot open the database {}", config.database_url_redacted()))?;
            store.migrate().await.context("cannot migrate the database")?;
            tracing::info!(database = %config.database_url_redacted(), "migrated");
            Ok(())
        }),
        Command::Demo { size: DemoSize::College } => runtime()?.block_on(demo_college(&config)),
        Command::Demo { size: DemoSize::Small } => runtime()?.block_on(async {
            let seeded = crate::demo::seed(&config).await?;
            let college = seeded.college_id;
            println!(
                "Seeded the demo college 计算机学院 ({} events). Its counsellor, D2002, sees the whole college:\n\n  \
                 bangfu token --subject D2002\n\n\
                 then, in GraphiQL (bangfu serve, http://127.0.0.1:8080/graphql) with that token:\n\n  \
                 {{ contactAlerts(scopeId: \"{college}\") {{ severity daysOverdue pairing {{ mentors {{ name }} mentee {{ name }} }} }} }}\n  \
                 {{ partyStars(scopeId: \"{college}\", period: \"{period}\") {{ quota entries {{ rank score person {{ name }} }} }} }}",
                seeded.events,
                period = domain::Period::year_of(domain::time::local_date(chrono::Utc::now())),
            );
            Ok(())
        }),
        Command::Serve => runtime()?.block_on(crate::http::serve(config)),
        Command::ExportEvents => runtime()?.block_on(async {
            let store = open_store(&config).await?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let count = crate::backup::export_events(&store, &mut out).await?;
            tracing::info!(events = count, "exported");
            Ok(())
        }),
        Command::ImportEvents { file } => runtime()?.block_on(async {
            let store = open_store(&config).await?;
            let imported = if file.as_os_str() == "-" {
                crate::backup::import_events(&store, std::io::stdin().lock()).await
            } else {
                let opened =
                    std::fs::File::open(&file).with_context(|| format!("cannot read {}", file.display()))?;
                crate::backup::import_events(&store, std::io::BufReader::new(opened)).await
            };
            let count = imported.with_context(|| format!("{}: nothing imported", file.display()))?;
            println!("imported {count} events");
            Ok(())
        }),
        Command::Notify { as_of, dry_run } => runtime()?.block_on(notify(
            &config,
            as_of.unwrap_or_else(chrono::Utc::now),
            dry_run,
        )),
        Command::Import {
            what:
                Import::People {
                    file,
                    unit,
                    dry_run,
                    subject,
                },
        } => runtime()?.block_on(import_people(&config, &file, unit, dry_run, subject.trim())),
    }
}

/// `bangfu demo --size college`: seeds the college, then says how to look at it.
async fn demo_college(config: &Config) -> anyhow::Result<()> {
    let store = EventStore::connect(&config.database_url)
        .await
        .with_context(|| format!("cannot open the database {}", config.database_url_redacted()))?;
    store.migrate().await.context("cannot migrate the database")?;
    let seeded = crate::demo::college::seed_college(&store, 1.0).await?;
    let (college, branch) = (seeded.college_id, seeded.branch_id);
    println!(
        "Seeded the demo college 计算机学院 at full size ({} events in {:.1} s): 3,000 people, 1,500 pairings, September 2024 to November 2026. Its counsellor, {counsellor}, sees the whole college:\n\n  \
         bangfu token --subject {counsellor}\n\n\
         then, in GraphiQL (bangfu serve, http://127.0.0.1:8080/graphql) with that token, for the college \
         (scopeId: \"{college}\") or its first branch 学生第1党支部 (scopeId: \"{branch}\"):\n\n  \
         {{ contactAlerts(scopeId: \"{branch}\") {{ severity daysOverdue pairing {{ mentors {{ name }} mentee {{ name }} }} }} }}\n  \
         {{ partyStars(scopeId: \"{branch}\", period: \"2025-2026\") {{ quota entries {{ rank score person {{ name }} }} }} }}",
        seeded.events,
        seeded.elapsed.as_secs_f64(),
        counsellor = seeded.counsellor,
    );
    Ok(())
}

/// `bangfu import people`: prints what it did, or every wrong row and fails.
async fn import_people(
    config: &Config,
    file: &std::path::Path,
    unit: uuid::Uuid,
    dry_run: bool,
    subject: &str,
) -> anyhow::Result<()> {
    use crate::imports::{Importer, MAX_IMPORT_BYTES, import_people};
    if subject.is_empty() {
        anyhow::bail!("--subject must not be empty");
    }
    let size = std::fs::metadata(file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    if size > MAX_IMPORT_BYTES as u64 {
        anyhow::bail!(
            "{} is {size} bytes; a roster is at most {MAX_IMPORT_BYTES} bytes (文件超过{} MiB，请分成几个文件导入)",
            file.display(),
            MAX_IMPORT_BYTES / (1024 * 1024)
        );
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let store = EventStore::connect(&config.database_url)
        .await
        .with_context(|| format!("cannot open the database {}", config.database_url_redacted()))?;
    store.migrate().await.context("cannot migrate the database")?;
    let app = crate::app::App::start(store).await?;
    let importer = Importer { subject, admin: true };
    let report = import_people(&app, importer, unit, bytes, dry_run)
        .await
        .map_err(|e| anyhow::anyhow!("{} ({})", e.message(), e.code()))?;
    if !report.errors.is_empty() {
        for error in &report.errors {
            let column = error.column.as_deref().unwrap_or("-");
            println!("第{}行\t{column}\t{}", error.row, error.message);
        }
        anyhow::bail!(
            "{} problems in {}: nothing imported (有{}处错误，未导入任何人员)",
            report.errors.len(),
            file.display(),
            report.errors.len()
        );
    }
    let done = if dry_run { "试运行，未写入：将" } else { "已" };
    println!(
        "{done}新登记{}人，{}人已登记且一致，新建班级或党支部{}个",
        report.created, report.unchanged, report.units_created
    );
    Ok(())
}

/// `bangfu notify`: one run of the reminders at `as_of`; prints what it did, or (a dry
/// run) each message it would store.
async fn notify(config: &Config, as_of: chrono::DateTime<chrono::Utc>, dry_run: bool) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let app = crate::app::App::start(store).await?;
    let reminders = crate::reminders::Reminders::from_config(app, config)?;
    let (report, planned) = reminders.run_at(as_of, dry_run).await?;
    if dry_run {
        for m in &planned {
            println!(
                "== {} → {} {}\n{}\n",
                m.title,
                m.kind.name(),
                m.target_masked,
                m.message.text
            );
        }
        println!("试运行，未发送：将新建 {} 条消息", report.planned);
    } else {
        let pruned = match report.pruned {
            0 => String::new(),
            n => format!("；删除 {n} 条旧摘要"),
        };
        println!(
            "新建 {} 条消息；已发送 {}，待重试 {}，失败 {}{pruned}",
            report.planned, report.sent, report.retrying, report.failed
        );
    }
    Ok(())
}

fn parse_instant(value: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| format!("{value:?}: expected an RFC 3339 instant such as 2026-12-03T08:00:00+08:00"))
}

/// The configured database, migrated.
async fn open_store(config: &Config) -> anyhow::Result<EventStore> {
    let store = EventStore::connect(&config.database_url)
        .await
        .with_context(|| format!("cannot open the database {}", config.database_url_redacted()))?;
    store.migrate().await.context("cannot migrate the database")?;
    Ok(store)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
