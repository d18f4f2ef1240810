//! The sessions opened by CAS sign-ins, so that a single logout received by any instance
//! holds on all of them.
//!
//! Not events: a session matters only until its token expires, after which the row is
//! pruned; the log would keep it forever and every instance would fold it at start.
//! A row exists only for a token Bangfu issued, so an unauthenticated logout request can
//! revoke a session but never add a row.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000001_create_cas_sessions"
    }
}

// Times in Unix seconds: the prune compares integers on both engines.
const UP: &[&str] = &[
    r#"CREATE TABLE cas_sessions (
        token_id   TEXT   NOT NULL PRIMARY KEY,
        expires_at BIGINT NOT NULL,
        revoked_at BIGINT NULL
    )"#,
    "CREATE INDEX cas_sessions_expires_at ON cas_sessions (expires_at)",
];
const DOWN: &[&str] = &["DROP TABLE IF EXISTS cas_sessions"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run(manager, UP, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run(manager, DOWN, DOWN).await
    }
}
