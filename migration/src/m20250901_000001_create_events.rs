//! The append-only event table (DESIGN §2).
//!
//! - `position` is the global order. It is not a sequence: the store computes
//!   `MAX(position) + 1` inside its serialized append, so positions are gap-free.
//! - `UNIQUE (stream_id, stream_version)` is the optimistic-concurrency guard; its index also
//!   serves every lookup by `stream_id`, so there is no separate `stream_id` index.
//! - `UNIQUE (actor_id, idempotency_key)`: NULLs are distinct in both engines, so only
//!   rows that carry a key are constrained (the first row of an append carries it).
//! - The database itself refuses UPDATE, DELETE and (PostgreSQL) TRUNCATE.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20250901_000001_create_events"
    }
}

const POSTGRES_UP: &[&str] = &[
    r#"CREATE TABLE events (
        position        BIGINT      NOT NULL PRIMARY KEY CHECK (position > 0),
        id              UUID        NOT NULL,
        stream_id       UUID        NOT NULL,
        stream_version  BIGINT      NOT NULL CHECK (stream_version > 0),
        kind            TEXT        NOT NULL,
        schema_version  INTEGER     NOT NULL,
        payload         JSONB       NOT NULL,
        occurred_at     TIMESTAMPTZ NOT NULL,
        recorded_at     TIMESTAMPTZ NOT NULL,
        actor_id        TEXT        NULL,
        idempotency_key TEXT        NULL,
        CONSTRAINT events_id_key UNIQUE (id),
        CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version),
        CONSTRAINT events_idempotency_key UNIQUE (actor_id, idempotency_key)
    )"#,
    r#"CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'events are append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$"#,
    // FOR EACH STATEMENT: even an UPDATE or DELETE that matches no row is refused.
    r#"CREATE TRIGGER events_append_only
        BEFORE UPDATE OR DELETE OR TRUNCATE ON events
        FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change()"#,
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TABLE IF EXISTS events",
    "DROP FUNCTION IF EXISTS events_refuse_change()",
];

const SQLITE_UP: &[&str] = &[
    // `INTEGER PRIMARY KEY` makes `position` the rowid (a 64-bit integer), without AUTOINCREMENT.
    r#"CREATE TABLE events (
        position        INTEGER NOT NULL PRIMARY KEY CHECK (position > 0),
        id              TEXT    NOT NULL UNIQUE,
        stream_id       TEXT    NOT NULL,
        stream_version  INTEGER NOT NULL CHECK (stream_version > 0),
        kind            TEXT    NOT NULL,
        schema_version  INTEGER NOT NULL,
        payload         TEXT    NOT NULL CHECK (json_valid(payload)),
        occurred_at     TEXT    NOT NULL,
        recorded_at     TEXT    NOT NULL,
        actor_id        TEXT    NULL,
        idempotency_key TEXT    NULL,
        UNIQUE (stream_id, stream_version),
        UNIQUE (actor_id, idempotency_key)
    )"#,
    r#"CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN
        SELECT RAISE(ABORT, 'events are append-only: UPDATE refused');
    END"#,
    r#"CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN
        SELECT RAISE(ABORT, 'events are append-only: DELETE refused');
    END"#,
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS events_no_update",
    "DROP TRIGGER IF EXISTS events_no_delete",
    "DROP TABLE IF EXISTS events",
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
