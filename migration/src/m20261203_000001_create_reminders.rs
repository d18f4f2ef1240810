//! The reminders' two tables beside the log: the notification channels (robots' webhook
//! URLs and signing secrets, which must never become readable, so never events) and the
//! outbox of messages, each stored before it is sent (docs/notifications.md).
//!
//! `dedup_key` is unique: a unit's digest per channel and day, a mentor's email per lapse
//! and stage, whichever instance plans it first. A sender claims a row by setting
//! `claimed_until` (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: its single writer).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000001_create_reminders"
    }
}

// Times in Unix seconds, as in cas_sessions.
const UP: &[&str] = &[
    r#"CREATE TABLE notification_channels (
        id       TEXT   NOT NULL PRIMARY KEY,
        unit_id  TEXT   NOT NULL,
        kind     TEXT   NOT NULL,
        target   TEXT   NOT NULL,
        secret   TEXT   NULL,
        set_by   TEXT   NOT NULL,
        set_at   BIGINT NOT NULL,
        UNIQUE (unit_id, kind)
    )"#,
    r#"CREATE TABLE notification_outbox (
        id              TEXT    NOT NULL PRIMARY KEY,
        dedup_key       TEXT    NOT NULL UNIQUE,
        unit_id         TEXT    NOT NULL,
        purpose         TEXT    NOT NULL,
        channel_id      TEXT    NULL,
        kind            TEXT    NOT NULL,
        recipient       TEXT    NULL,
        target_masked   TEXT    NOT NULL,
        title           TEXT    NOT NULL,
        message         TEXT    NOT NULL,
        status          TEXT    NOT NULL,
        attempts        INTEGER NOT NULL,
        last_error      TEXT    NULL,
        created_at      BIGINT  NOT NULL,
        next_attempt_at BIGINT  NOT NULL,
        claimed_until   BIGINT  NULL,
        sent_at         BIGINT  NULL
    )"#,
    "CREATE INDEX notification_outbox_due ON notification_outbox (status, next_attempt_at)",
    "CREATE INDEX notification_outbox_unit ON notification_outbox (unit_id, id)",
];
const DOWN: &[&str] = &[
    "DROP TABLE IF EXISTS notification_outbox",
    "DROP TABLE IF EXISTS notification_channels",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run(manager, UP, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run(manager, DOWN, DOWN).await
    }
}
