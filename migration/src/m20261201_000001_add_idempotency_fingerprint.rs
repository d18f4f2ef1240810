//! `events.idempotency_fingerprint`: the hex SHA-256 of the input an idempotency key was
//! first used with, on the row that carries the key, so that the key reused for other input
//! is refused rather than answered with the first result (api/src/idempotency.rs).
//!
//! Nullable: rows keyed before this migration have none, and rows without a key never do.
//! Adding a column changes no stored row, so the append-only triggers do not fire; the
//! checks hold for every existing row (all NULL).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000001_add_idempotency_fingerprint"
    }
}

const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE events ADD COLUMN idempotency_fingerprint TEXT NULL \
        CONSTRAINT events_idempotency_fingerprint_hex CHECK (idempotency_fingerprint ~ '^[0-9a-f]{64}$')",
    "ALTER TABLE events ADD CONSTRAINT events_idempotency_fingerprint_keyed \
        CHECK (idempotency_fingerprint IS NULL OR idempotency_key IS NOT NULL)",
];
const POSTGRES_DOWN: &[&str] = &["ALTER TABLE events DROP COLUMN IF EXISTS idempotency_fingerprint"];

// SQLite adds no table constraint to an existing table: one column CHECK says both.
const SQLITE_UP: &[&str] = &["ALTER TABLE events ADD COLUMN idempotency_fingerprint TEXT NULL \
        CHECK (idempotency_fingerprint IS NULL OR (idempotency_key IS NOT NULL \
            AND length(idempotency_fingerprint) = 64 \
            AND idempotency_fingerprint NOT GLOB '*[^0-9a-f]*'))"];
const SQLITE_DOWN: &[&str] = &["ALTER TABLE events DROP COLUMN idempotency_fingerprint"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run(manager, POSTGRES_UP, SQLITE_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run(manager, POSTGRES_DOWN, SQLITE_DOWN).await
    }
}
