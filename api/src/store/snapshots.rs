//! The snapshot tables beside the log: a header row in `snapshots` and the folded state's
//! bytes in `snapshot_parts` (what they mean is `app/snapshot.rs`'s business). The newest
//! two snapshots are kept.
//!
//! The bytes are in parts of a bounded size, each written by its own statement and read by
//! its own query: one value of the whole state (100+ MiB for a college) grew the driver's
//! per-connection buffers to that size, and pooled connections kept them.

use super::{EventStore, StoreError, sql};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, IsolationLevel, QueryResult, Statement,
    TransactionTrait,
};
use uuid::Uuid;

/// Snapshots kept: the newest, and the one before it should the newest be unreadable.
const KEPT: i64 = 2;

/// The header row of a snapshot, as `snapshots` holds it; its bytes are in
/// `snapshot_parts`, `parts` rows numbered from 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSnapshot {
    /// The position of the last event folded into it.
    pub position: i64,
    /// The id of the event at `position`: a log whose event there is another is another
    /// history, and the snapshot is not of it.
    pub event_id: Uuid,
    /// The version of the state's encoding.
    pub format: i32,
    /// CRC-32 of all its bytes, in order.
    pub checksum: i64,
    /// Its bytes, all parts together.
    pub size: i64,
    /// How many parts hold them.
    pub parts: i64,
}

impl StoredSnapshot {
    /// The most bytes a part holds when the application takes a snapshot: what the
    /// driver's buffers grow to, for a snapshot of any size.
    pub const PART_SIZE: usize = 1 << 20;
}

impl EventStore {
    /// Stores a snapshot: its header as given and `parts` as parts 0, 1, … (replacing a
    /// snapshot at the same position), then prunes all but the newest [`KEPT`], in one
    /// transaction. The header should say what `parts` hold (`encode` makes them so);
    /// restore checks that it does.
    /// Takes the parts by value: each is freed once written.
    pub async fn save_snapshot(&self, snapshot: &StoredSnapshot, parts: Vec<Vec<u8>>) -> Result<(), StoreError> {
        let backend = self.db.get_database_backend();
        let txn = self.db.begin().await?;
        for table in ["snapshot_parts", "snapshots"] {
            txn.execute_raw(Statement::from_sql_and_values(
                backend,
                format!("DELETE FROM {table} WHERE position = $1"),
                [snapshot.position.into()],
            ))
            .await?;
        }
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO snapshots (position, event_id, format, checksum, size, parts) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            [
                snapshot.position.into(),
                sql::uuid(backend, snapshot.event_id),
                snapshot.format.into(),
                snapshot.checksum.into(),
                snapshot.size.into(),
                snapshot.parts.into(),
            ],
        ))
        .await?;
        for (part, bytes) in (0i64..).zip(parts) {
            txn.execute_raw(Statement::from_sql_and_values(
                backend,
                "INSERT INTO snapshot_parts (position, part, bytes) VALUES ($1, $2, $3)",
                [snapshot.position.into(), part.into(), bytes.into()],
            ))
            .await?;
        }
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "DELETE FROM snapshots WHERE position < \
             (SELECT MIN(position) FROM (SELECT position FROM snapshots ORDER BY position DESC LIMIT $1) AS newest)",
            [KEPT.into()],
        ))
        .await?;
        txn.execute_raw(Statement::from_string(
            backend,
            "DELETE FROM snapshot_parts WHERE position NOT IN (SELECT position FROM snapshots)",
        ))
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The header of the newest snapshot at or below `head`, if any: [`SnapshotReader::latest`]
    /// outside a transaction (tools, benchmarks).
    pub async fn latest_snapshot(&self, head: i64) -> Result<Option<StoredSnapshot>, StoreError> {
        latest(&self.db, head).await
    }

    /// A reader of the snapshots and the log that sees one committed moment throughout, so a
    /// snapshot's header, its parts and the event at its position agree though another
    /// instance saves and prunes snapshots meanwhile: on PostgreSQL a read-only REPEATABLE
    /// READ transaction, on SQLite one read transaction (WAL keeps its view). Dropped, it
    /// ends.
    pub async fn snapshot_reader(&self) -> Result<SnapshotReader, StoreError> {
        let txn = match self.db.get_database_backend() {
            DbBackend::Postgres => {
                self.db
                    .begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly))
                    .await?
            }
            _ => self.db.begin().await?,
        };
        Ok(SnapshotReader { txn })
    }
}

/// See [`EventStore::snapshot_reader`].
pub struct SnapshotReader {
    txn: DatabaseTransaction,
}

impl SnapshotReader {
    /// The header of the newest snapshot at or below `head` (a snapshot past the log's head
    /// belongs to another log and is passed over), if any.
    pub async fn latest(&self, head: i64) -> Result<Option<StoredSnapshot>, StoreError> {
        latest(&self.txn, head).await
    }

    /// Part `part` of the snapshot at `position` (`None`: there is no such part). One query
    /// per part, so no more than one part is in the driver's buffers.
    pub async fn part(&self, position: i64, part: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let backend = self.txn.get_database_backend();
        let row = self
            .txn
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                "SELECT bytes FROM snapshot_parts WHERE position = $1 AND part = $2",
                [position.into(), part.into()],
            ))
            .await?;
        match row {
            Some(row) => Ok(Some(row.try_get("", "bytes")?)),
            None => Ok(None),
        }
    }

    /// Ends the transaction now (dropped, it ends when its connection is next used).
    pub async fn end(self) {
        if let Err(e) = self.txn.rollback().await {
            tracing::debug!(error = %e, "ending the snapshot reader");
        }
    }

    /// The id of the log's event at `position`, if it has one.
    pub async fn event_id_at(&self, position: i64) -> Result<Option<Uuid>, StoreError> {
        if position < 1 {
            return Ok(None);
        }
        let found = sql::select(
            &self.txn,
            sql::Filter::After {
                position: position - 1,
                limit: 1,
            },
        )
        .await?;
        Ok(found.into_iter().find(|e| e.position == position).map(|e| e.id))
    }
}

async fn latest(db: &impl ConnectionTrait, head: i64) -> Result<Option<StoredSnapshot>, StoreError> {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT position, event_id, format, checksum, size, parts FROM snapshots \
             WHERE position <= $1 ORDER BY position DESC LIMIT 1",
            [head.into()],
        ))
        .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(StoredSnapshot {
        position: row.try_get("", "position")?,
        event_id: event_id(backend, &row)?,
        format: row.try_get("", "format")?,
        checksum: row.try_get("", "checksum")?,
        size: row.try_get("", "size")?,
        parts: row.try_get("", "parts")?,
    }))
}

fn event_id(backend: DbBackend, row: &QueryResult) -> Result<Uuid, DbErr> {
    match backend {
        DbBackend::Sqlite => {
            let text: String = row.try_get("", "event_id")?;
            Uuid::parse_str(&text).map_err(|e| DbErr::Type(format!("snapshots.event_id is not a UUID: {e}")))
        }
        _ => row.try_get("", "event_id"),
    }
}
