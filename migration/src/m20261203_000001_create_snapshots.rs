//! `snapshots`: the folded state at a position, beside the log, so an instance starts from
//! the newest one and folds only the events after it (DESIGN §11).
//!
//! Not the truth: the log is. A row is the state's encoding (`format`, the version of its
//! shape), its CRC-32 and the position it was folded to; a row of another format or a bad
//! checksum is ignored and the whole log folded. Rows may be replaced and pruned (they are
//! a cache), so no trigger guards them.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000001_create_snapshots"
    }
}

const POSTGRES_UP: &[&str] = &[r#"CREATE TABLE snapshots (
        position   BIGINT      NOT NULL PRIMARY KEY,
        format     INTEGER     NOT NULL,
        checksum   BIGINT      NOT NULL,
        state      BYTEA       NOT NULL,
        taken_at   TIMESTAMPTZ NOT NULL DEFAULT now()
    )"#];
const SQLITE_UP: &[&str] = &[r#"CREATE TABLE snapshots (
        position   INTEGER NOT NULL PRIMARY KEY,
        format     INTEGER NOT NULL,
        checksum   INTEGER NOT NULL,
        state      BLOB    NOT NULL,
        taken_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    )"#];
const DOWN: &[&str] = &["DROP TABLE IF EXISTS snapshots"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run(manager, POSTGRES_UP, SQLITE_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run(manager, DOWN, DOWN).await
    }
}
