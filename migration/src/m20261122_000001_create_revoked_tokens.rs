//! The tokens revoked by CAS single logout, shared by every instance.
//!
//! Not events: a revocation matters only until the token it names expires,
//! after which the row is pruned; the log would keep it forever and every
//! instance would fold it at start.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000001_create_revoked_tokens"
    }
}

// `expires_at` in Unix seconds: the prune compares integers on both engines.
const UP: &str = r#"CREATE TABLE revoked_tokens (
    token_id   TEXT   NOT NULL PRIMARY KEY,
    expires_at BIGINT NOT NULL
)"#;
const DOWN: &str = "DROP TABLE IF EXISTS revoked_tokens";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, DOWN).await
    }
}

async fn run(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    match manager.get_database_backend() {
        DbBackend::Postgres | DbBackend::Sqlite => manager.get_connection().execute_unprepared(sql).await.map(drop),
        other => Err(DbErr::Migration(format!("Bangfu does not support {other:?}"))),
    }
}
