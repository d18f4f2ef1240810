//! The log row by row exactly as stored, for `bangfu export-events` and `import-events`
//! (docs/operations.md): pages read in position order, and an import into an empty log
//! that keeps every position.
//!
//! Rows are moved as stored, not decoded and encoded again: an event of an old schema
//! version stays that version (it is upcast when read, like any other), and the
//! idempotency fingerprint goes along, so a retried submission is still recognised after a
//! restore. An import is one transaction under the append lock: the whole file or nothing.

use super::{Backend, EventStore, sql};
use chrono::{DateTime, Utc};
use domain::Event;
use domain::event::UnreadableEvent;
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, QueryResult, Statement};
use std::collections::HashMap;
use tokio::sync::OwnedMutexGuard;
use uuid::Uuid;

/// Rows an import sends to the database at once.
pub const IMPORT_BATCH: usize = 5_000;
/// Rows per SQLite INSERT statement: 12 parameters each stays under its limit.
const SQLITE_ROWS: usize = 500;
/// Rows go into one PostgreSQL statement until its JSON reaches this size: large enough
/// that the ~40 ms a statement over sqlx's 8 KiB buffer may wait on Nagle's algorithm (see
/// `sql::insert_postgres`) is paid once per thousands of rows.
const PG_STATEMENT_BYTES: usize = 1024 * 1024;

/// One event as the log stores it: one line of an export.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredRow {
    pub position: i64,
    pub id: Uuid,
    pub stream_id: Uuid,
    pub stream_version: i64,
    pub kind: String,
    pub schema_version: i32,
    pub payload: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub idempotency_key: Option<String>,
    /// What the input of the keyed submission hashed to; `None` on rows without a key, and
    /// on rows keyed before fingerprints were kept.
    pub idempotency_fingerprint: Option<String>,
}

/// Why an import stopped; nothing of it was kept.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the database already holds events (up to position {0}): import-events loads an empty database only")]
    NotEmpty(i64),
    #[error("position {found} where {expected} was due: the file has a gap, or is out of order")]
    Gap { expected: i64, found: i64 },
    #[error("position {position}: stream {stream_id} goes to version {found} where {expected} was due")]
    StreamGap {
        position: i64,
        stream_id: Uuid,
        expected: i64,
        found: i64,
    },
    #[error("position {position}: an idempotency fingerprint without an idempotency key")]
    FingerprintWithoutKey { position: i64 },
    #[error("position {position}: {source}")]
    Unreadable {
        position: i64,
        #[source]
        source: UnreadableEvent,
    },
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

impl EventStore {
    /// At most `limit` rows after `position`, in position order, as stored.
    pub async fn export_page(&self, position: i64, limit: u64) -> Result<Vec<StoredRow>, DbErr> {
        let backend = self.db.get_database_backend();
        let payload = if backend == DbBackend::Postgres {
            "payload::text AS payload"
        } else {
            "payload"
        };
        let sql = format!(
            "SELECT position, id, stream_id, stream_version, kind, schema_version, {payload}, occurred_at, \
             recorded_at, actor_id, idempotency_key, idempotency_fingerprint \
             FROM events WHERE position > $1 ORDER BY position LIMIT $2"
        );
        let values = [position.into(), i64::try_from(limit).unwrap_or(i64::MAX).into()];
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
        rows.iter().map(|row| stored_row(backend, row)).collect()
    }

    /// Starts an import: takes the append lock (no append runs until the import ends) and
    /// opens its transaction. Refused when the log holds any event.
    pub async fn import(&self) -> Result<Importer, ImportError> {
        let guard = match self.backend {
            Backend::Sqlite => Some(self.append_lock.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        let txn = self.begin_append().await?;
        let head = sql::head(&txn).await?;
        if head > 0 {
            txn.rollback().await?;
            return Err(ImportError::NotEmpty(head));
        }
        Ok(Importer {
            txn,
            _guard: guard,
            next: 1,
            streams: HashMap::new(),
            pending: Vec::with_capacity(IMPORT_BATCH),
        })
    }
}

/// An import under way: rows go in with [`Importer::push`], in position order from 1, and
/// stay invisible until [`Importer::finish`]; dropping it (or [`Importer::abort`]) keeps
/// nothing. Memory holds one batch and each stream's version.
pub struct Importer {
    txn: DatabaseTransaction,
    _guard: Option<OwnedMutexGuard<()>>,
    /// The position the next row must have.
    next: i64,
    /// Each stream's version so far.
    streams: HashMap<Uuid, i64>,
    pending: Vec<StoredRow>,
}

impl Importer {
    /// Checks the row against the ones before it (the next position, the next version of
    /// its stream, an event this build can read) and queues it; every [`IMPORT_BATCH`] rows
    /// go to the database.
    pub async fn push(&mut self, row: StoredRow) -> Result<(), ImportError> {
        if row.position != self.next {
            return Err(ImportError::Gap {
                expected: self.next,
                found: row.position,
            });
        }
        let expected = self.streams.get(&row.stream_id).map_or(1, |v| v + 1);
        if row.stream_version != expected {
            return Err(ImportError::StreamGap {
                position: row.position,
                stream_id: row.stream_id,
                expected,
                found: row.stream_version,
            });
        }
        if row.idempotency_fingerprint.is_some() && row.idempotency_key.is_none() {
            return Err(ImportError::FingerprintWithoutKey { position: row.position });
        }
        if let Err(source) = Event::from_stored_json(&row.kind, row.schema_version, &row.payload.to_string()) {
            return Err(ImportError::Unreadable {
                position: row.position,
                source,
            });
        }
        self.streams.insert(row.stream_id, row.stream_version);
        self.next += 1;
        self.pending.push(row);
        if self.pending.len() >= IMPORT_BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    /// Writes what is queued and commits: the log now holds every row pushed. Returns
    /// how many.
    pub async fn finish(mut self) -> Result<u64, ImportError> {
        self.flush().await?;
        let count = (self.next - 1) as u64;
        self.txn.commit().await?;
        Ok(count)
    }

    /// Rolls the import back: the log stays empty.
    pub async fn abort(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }

    async fn flush(&mut self) -> Result<(), DbErr> {
        match self.txn.get_database_backend() {
            DbBackend::Postgres => insert_postgres(&self.txn, &self.pending).await?,
            _ => insert_sqlite(&self.txn, &self.pending).await?,
        }
        self.pending.clear();
        Ok(())
    }
}

const COLUMNS: &str = "position, id, stream_id, stream_version, kind, schema_version, payload, \
     occurred_at, recorded_at, actor_id, idempotency_key, idempotency_fingerprint";

async fn insert_sqlite(db: &impl ConnectionTrait, rows: &[StoredRow]) -> Result<(), DbErr> {
    for chunk in rows.chunks(SQLITE_ROWS) {
        let mut sql = format!("INSERT INTO events ({COLUMNS}) VALUES ");
        let mut values = Vec::with_capacity(chunk.len() * 12);
        for (i, row) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            values.extend([
                row.position.into(),
                sql::uuid(DbBackend::Sqlite, row.id),
                sql::uuid(DbBackend::Sqlite, row.stream_id),
                row.stream_version.into(),
                row.kind.clone().into(),
                row.schema_version.into(),
                row.payload.to_string().into(),
                row.occurred_at.into(),
                row.recorded_at.into(),
                row.actor_id.clone().into(),
                row.idempotency_key.clone().into(),
                row.idempotency_fingerprint.clone().into(),
            ]);
        }
        db.execute_raw(Statement::from_sql_and_values(DbBackend::Sqlite, sql, values))
            .await?;
    }
    Ok(())
}

/// Rows as one JSON parameter unpacked by `jsonb_to_recordset`, as appends do.
async fn insert_postgres(db: &impl ConnectionTrait, rows: &[StoredRow]) -> Result<(), DbErr> {
    let at = |t: &DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let sql = format!(
        "INSERT INTO events ({COLUMNS}) SELECT {COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS r(\
         position bigint, id uuid, stream_id uuid, stream_version bigint, kind text, schema_version integer, \
         payload jsonb, occurred_at timestamptz, recorded_at timestamptz, actor_id text, idempotency_key text, \
         idempotency_fingerprint text)"
    );
    let mut batch = String::from("[");
    for (i, row) in rows.iter().enumerate() {
        let record = serde_json::json!({
            "position": row.position,
            "id": row.id,
            "stream_id": row.stream_id,
            "stream_version": row.stream_version,
            "kind": row.kind,
            "schema_version": row.schema_version,
            "payload": row.payload,
            "occurred_at": at(&row.occurred_at),
            "recorded_at": at(&row.recorded_at),
            "actor_id": row.actor_id,
            "idempotency_key": row.idempotency_key,
            "idempotency_fingerprint": row.idempotency_fingerprint,
        });
        if batch.len() > 1 {
            batch.push(',');
        }
        batch.push_str(&record.to_string());
        if i + 1 == rows.len() || batch.len() >= PG_STATEMENT_BYTES {
            batch.push(']');
            let values = [std::mem::replace(&mut batch, String::from("[")).into()];
            db.execute_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql.clone(), values))
                .await?;
        }
    }
    Ok(())
}

fn stored_row(backend: DbBackend, row: &QueryResult) -> Result<StoredRow, DbErr> {
    let position: i64 = row.try_get("", "position")?;
    let payload: String = row.try_get("", "payload")?;
    let payload = serde_json::from_str(&payload)
        .map_err(|e| DbErr::Type(format!("the payload at position {position} is not JSON: {e}")))?;
    Ok(StoredRow {
        position,
        id: sql::get_uuid(backend, row, "id")?,
        stream_id: sql::get_uuid(backend, row, "stream_id")?,
        stream_version: row.try_get("", "stream_version")?,
        kind: row.try_get("", "kind")?,
        schema_version: row.try_get("", "schema_version")?,
        payload,
        occurred_at: row.try_get("", "occurred_at")?,
        recorded_at: row.try_get("", "recorded_at")?,
        actor_id: row.try_get("", "actor_id")?,
        idempotency_key: row.try_get("", "idempotency_key")?,
        idempotency_fingerprint: row.try_get("", "idempotency_fingerprint")?,
    })
}
