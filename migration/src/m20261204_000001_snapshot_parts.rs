//! Snapshots in parts: a header row in `snapshots` and the state's bytes in
//! `snapshot_parts`, at most a bounded size each (DESIGN §11).
//!
//! One row holding the whole state (100+ MiB for a college) made PostgreSQL's driver grow
//! a pooled connection's buffers to the snapshot's size and keep them: parts are written
//! one statement each and read one query each, so no buffer holds more than a part. The
//! header also names the event at the snapshot's position, so a snapshot of another
//! history (a log restored or replaced under it) is told apart and ignored.
//!
//! Snapshots are a cache, not the truth: this drops the old table with its rows (the next
//! start folds the log and takes a new one), and `down` brings back the old, empty one.
//! No foreign key ties the parts to their header: SQLite enforces none without a pragma
//! per connection, and the store deletes both together in one transaction.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000001_snapshot_parts"
    }
}

const POSTGRES_UP: &[&str] = &[
    "DROP TABLE IF EXISTS snapshots",
    r#"CREATE TABLE snapshots (
        position   BIGINT      NOT NULL PRIMARY KEY,
        event_id   UUID        NOT NULL,
        format     INTEGER     NOT NULL,
        checksum   BIGINT      NOT NULL,
        size       BIGINT      NOT NULL,
        parts      BIGINT      NOT NULL,
        taken_at   TIMESTAMPTZ NOT NULL DEFAULT now()
    )"#,
    r#"CREATE TABLE snapshot_parts (
        position   BIGINT  NOT NULL,
        part       BIGINT  NOT NULL,
        bytes      BYTEA   NOT NULL,
        PRIMARY KEY (position, part)
    )"#,
];
const SQLITE_UP: &[&str] = &[
    "DROP TABLE IF EXISTS snapshots",
    r#"CREATE TABLE snapshots (
        position   INTEGER NOT NULL PRIMARY KEY,
        event_id   TEXT    NOT NULL,
        format     INTEGER NOT NULL,
        checksum   INTEGER NOT NULL,
        size       INTEGER NOT NULL,
        parts      INTEGER NOT NULL,
        taken_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    )"#,
    r#"CREATE TABLE snapshot_parts (
        position   INTEGER NOT NULL,
        part       INTEGER NOT NULL,
        bytes      BLOB    NOT NULL,
        PRIMARY KEY (position, part)
    )"#,
];
// The shape of m20261203_000001_create_snapshots, empty.
const POSTGRES_DOWN: &[&str] = &[
    "DROP TABLE IF EXISTS snapshot_parts",
    "DROP TABLE IF EXISTS snapshots",
    r#"CREATE TABLE snapshots (
        position   BIGINT      NOT NULL PRIMARY KEY,
        format     INTEGER     NOT NULL,
        checksum   BIGINT      NOT NULL,
        state      BYTEA       NOT NULL,
        taken_at   TIMESTAMPTZ NOT NULL DEFAULT now()
    )"#,
];
const SQLITE_DOWN: &[&str] = &[
    "DROP TABLE IF EXISTS snapshot_parts",
    "DROP TABLE IF EXISTS snapshots",
    r#"CREATE TABLE snapshots (
        position   INTEGER NOT NULL PRIMARY KEY,
        format     INTEGER NOT NULL,
        checksum   INTEGER NOT NULL,
        state      BLOB    NOT NULL,
        taken_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    )"#,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run(manager, POSTGRES_UP, SQLITE_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run(manager, POSTGRES_DOWN, SQLITE_DOWN).await
    }
}
