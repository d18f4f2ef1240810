//! Test support: a fresh database per test, on SQLite or PostgreSQL.
//!
//! SQLite: a new file in a new temporary directory. PostgreSQL: a new database
//! `bangfu_t_<uuid>` on the server of `BANGFU_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). Both are removed when the [`TestDb`] is
//! dropped, best-effort. An unreachable PostgreSQL fails the test, unless
//! `BANGFU_TEST_SKIP_POSTGRES=1` says to skip it.

pub mod app;
pub mod scenario;

use api::store::{Backend, EventStore};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};
use std::path::PathBuf;
use uuid::Uuid;

pub use api::store::Backend as DbKind;

/// The query GraphiQL 3 sends to learn the schema (the hostile tests and bench send it as
/// what a real client must still be able to ask).
pub const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}
"#;

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A builder for the tests' own HTTP clients. reqwest is built without a
/// TLS provider of its own, so this installs the one Bangfu uses first.
pub fn http_client() -> reqwest::ClientBuilder {
    api::signin::tls::install_crypto_provider();
    reqwest::Client::builder()
}

/// A database that exists for one test. `url` is what the server or the store connects to.
#[derive(Debug)]
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Directory(PathBuf),
    Database { admin_url: String, name: String },
}

impl TestDb {
    /// Connects an event store to this database and migrates it.
    pub async fn store(&self) -> EventStore {
        let store = EventStore::connect(&self.url).await.expect("connect the event store");
        store.migrate().await.expect("migrate the test database");
        store
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Directory(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Database { admin_url, name } => {
                // Drop may run inside a runtime, which cannot block on another: use a thread.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let dropper = std::thread::spawn(move || {
                    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                        return;
                    };
                    runtime.block_on(async {
                        if let Ok(admin) = connect_admin(&admin_url).await {
                            let _ = admin
                                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .await;
                            let _ = admin.close().await;
                        }
                    });
                });
                let _ = dropper.join();
            }
        }
    }
}

/// A new, empty SQLite file (not yet migrated).
pub async fn fresh_sqlite() -> TestDb {
    let dir = std::env::temp_dir()
        .join("bangfu-tests")
        .join(Uuid::new_v4().simple().to_string());
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    let url = format!("sqlite://{}?mode=rwc", dir.join("bangfu.db").display());
    TestDb {
        url,
        backend: Backend::Sqlite,
        cleanup: Cleanup::Directory(dir),
    }
}

/// A new, empty PostgreSQL database (not yet migrated). Panics when the server cannot be
/// reached: check [`postgres_skipped`] first, or use [`fresh`].
pub async fn fresh_postgres() -> TestDb {
    try_fresh_postgres().await.unwrap_or_else(|e| panic!("{e}"))
}

/// A new, empty PostgreSQL database, or why there is none.
pub async fn try_fresh_postgres() -> Result<TestDb, String> {
    let admin_url = std::env::var("BANGFU_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
    let name = format!("bangfu_t_{}", Uuid::new_v4().simple());
    let admin = connect_admin(&admin_url).await.map_err(|e| {
        format!(
            "PostgreSQL at BANGFU_TEST_POSTGRES_URL (default {DEFAULT_POSTGRES_URL}) is unreachable: {e}. \
             Start it, or set BANGFU_TEST_SKIP_POSTGRES=1 to skip the PostgreSQL tests."
        )
    })?;
    let created = admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await;
    created.map_err(|e| format!("cannot create {name}: {e}"))?;
    let _ = admin.close().await;
    let url = with_database(&admin_url, &name);
    Ok(TestDb {
        url,
        backend: Backend::Postgres,
        cleanup: Cleanup::Database { admin_url, name },
    })
}

async fn connect_admin(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options.max_connections(1).sqlx_logging(false);
    Database::connect(options).await
}

/// True when `BANGFU_TEST_SKIP_POSTGRES=1`: the PostgreSQL variants of tests pass without running.
pub fn postgres_skipped() -> bool {
    std::env::var("BANGFU_TEST_SKIP_POSTGRES").is_ok_and(|v| v == "1")
}

/// A fresh database of the given kind; `None` only when PostgreSQL is skipped explicitly.
pub async fn fresh(backend: Backend) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => Some(fresh_sqlite().await),
        Backend::Postgres if postgres_skipped() => {
            eprintln!("BANGFU_TEST_SKIP_POSTGRES=1: skipping the PostgreSQL variant");
            None
        }
        Backend::Postgres => Some(fresh_postgres().await),
    }
}

/// `postgres://user@host:port/db?params` with the database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, Some(query)),
        None => (rest, None),
    };
    let authority = rest.split_once('/').map_or(rest, |(authority, _)| authority);
    match query {
        Some(query) => format!("{scheme}://{authority}/{name}?{query}"),
        None => format!("{scheme}://{authority}/{name}"),
    }
}

#[cfg(test)]
mod unit {
    use super::with_database;

    #[test]
    fn replaces_only_the_database() {
        assert_eq!(with_database("postgres://u@h:1/test", "x"), "postgres://u@h:1/x");
        assert_eq!(
            with_database("postgres://u:p@h/test?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgresql://h", "x"), "postgresql://h/x");
    }
}
