//! The bytes of attached files (scans of signed forms), content-addressed by SHA-256, in a
//! table beside the log so that every instance serves them. The `FileAttached` event
//! holds what a file is; this table holds only the bytes, once however often attached.
//!
//! Not events: the log is folded into memory at start, and megabytes of images have no
//! place in it.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000001_create_files"
    }
}

const UP_POSTGRES: &[&str] = &[r#"CREATE TABLE files (
        sha256     TEXT   NOT NULL PRIMARY KEY,
        size       BIGINT NOT NULL,
        bytes      BYTEA  NOT NULL,
        stored_at  TIMESTAMPTZ NOT NULL DEFAULT now()
    )"#];
const UP_SQLITE: &[&str] = &[r#"CREATE TABLE files (
        sha256     TEXT    NOT NULL PRIMARY KEY,
        size       INTEGER NOT NULL,
        bytes      BLOB    NOT NULL,
        stored_at  TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
    )"#];
const DOWN: &[&str] = &["DROP TABLE IF EXISTS files"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run(manager, UP_POSTGRES, UP_SQLITE).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run(manager, DOWN, DOWN).await
    }
}
