//! The `snapshots` table beside the log: the folded state's bytes at a position (what they
//! mean is `app/snapshot.rs`'s business). The newest two rows are kept.

use super::{EventStore, StoreError};
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};

/// Rows kept: the newest, and the one before it should the newest be unreadable.
const KEPT: i64 = 2;

/// One row of `snapshots`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSnapshot {
    /// The position of the last event folded into it.
    pub position: i64,
    /// The version of the state's encoding.
    pub format: i32,
    /// CRC-32 of `state`.
    pub checksum: i64,
    pub state: Vec<u8>,
}

impl EventStore {
    /// Stores a snapshot (replacing one at the same position) and prunes all but the newest
    /// [`KEPT`].
    /// Takes the row by value: its bytes (hundreds of MiB for a college) go to the database
    /// without another copy.
    pub async fn save_snapshot(&self, snapshot: StoredSnapshot) -> Result<(), StoreError> {
        let backend = self.db.get_database_backend();
        let txn = self.db.begin().await?;
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "DELETE FROM snapshots WHERE position = $1",
            [snapshot.position.into()],
        ))
        .await?;
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO snapshots (position, format, checksum, state) VALUES ($1, $2, $3, $4)",
            [
                snapshot.position.into(),
                snapshot.format.into(),
                snapshot.checksum.into(),
                snapshot.state.into(),
            ],
        ))
        .await?;
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "DELETE FROM snapshots WHERE position < \
             (SELECT MIN(position) FROM (SELECT position FROM snapshots ORDER BY position DESC LIMIT $1) AS newest)",
            [KEPT.into()],
        ))
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The newest snapshot at or below `head` (a row past the log's head belongs to
    /// another log and is passed over), if any.
    pub async fn latest_snapshot(&self, head: i64) -> Result<Option<StoredSnapshot>, StoreError> {
        let backend = self.db.get_database_backend();
        let row = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                "SELECT position, format, checksum, state FROM snapshots WHERE position <= $1 \
                 ORDER BY position DESC LIMIT 1",
                [head.into()],
            ))
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(StoredSnapshot {
            position: row.try_get("", "position")?,
            format: row.try_get("", "format")?,
            checksum: row.try_get("", "checksum")?,
            state: row.try_get("", "state")?,
        }))
    }
}
