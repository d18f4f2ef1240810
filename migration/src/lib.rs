//! The schema of Bangfu's event log and the tables beside it, as sea-orm migrations.
//!
//! Each migration is raw SQL per backend: the event table is the one thing every instance
//! agrees on, and reading its exact DDL beats reading a builder.

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

mod m20250901_000001_create_events;
mod m20261122_000001_create_cas_sessions;
mod m20261201_000001_add_idempotency_fingerprint;
mod m20261203_000001_create_files;
mod m20261203_000001_create_reminders;
mod m20261203_000001_create_snapshots;
mod m20261204_000001_snapshot_parts;

pub struct Migrator;

/// Runs a migration's statements for the connected backend, in order: each migration is
/// raw SQL per backend, and Bangfu runs on these two only.
async fn run(manager: &SchemaManager<'_>, postgres: &[&str], sqlite: &[&str]) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::DbBackend;
    let statements = match manager.get_database_backend() {
        DbBackend::Postgres => postgres,
        DbBackend::Sqlite => sqlite,
        other => return Err(DbErr::Migration(format!("Bangfu does not support {other:?}"))),
    };
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20250901_000001_create_events::Migration),
            Box::new(m20261122_000001_create_cas_sessions::Migration),
            Box::new(m20261201_000001_add_idempotency_fingerprint::Migration),
            Box::new(m20261203_000001_create_files::Migration),
            Box::new(m20261203_000001_create_reminders::Migration),
            Box::new(m20261203_000001_create_snapshots::Migration),
            Box::new(m20261204_000001_snapshot_parts::Migration),
        ]
    }
}
