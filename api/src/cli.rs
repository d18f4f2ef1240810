//! The `bangfu` command line: `serve` (the default), `migrate`, `token`,
//! `export-schema`, `demo`. Logs go to stderr (`RUST_LOG`, default `info`); stdout
//! carries only what a command prints (a token, the SDL). A failure prints
//! one line and exits non-zero.

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
    /// Seed an empty database with a small demo college, then say how to look at it.
    Demo,
}

/// `bangfu` with the process's arguments.
pub fn run() -> ExitCode {
    init_tracing();
    run_from(std::env::args_os())
}

/// `bangfu` with the given arguments (the first is the program name); logs
/// only where a subscriber is installed ([`run`] installs one).
pub fn run_from<I, T>(args: I) -> ExitCode
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
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bangfu: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second call (tests running several commands) keeps the first.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
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
        Command::Demo => runtime()?.block_on(async {
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
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
