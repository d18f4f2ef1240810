//! The append-only event log (DESIGN §2) on SQLite or PostgreSQL, chosen by URL.
//!
//! Appends are serialized, so a reader tailing `read_after(last)` never skips an event that
//! commits late: on PostgreSQL every append first takes one transaction-scoped advisory lock
//! (across all instances); on SQLite a process-local mutex plus a `BEGIN IMMEDIATE`
//! transaction (the database's single write lock) do the same. Inside that critical section
//! the store checks idempotency and the stream's version, and gives the new rows
//! `MAX(position) + 1` onwards. A batch (`append_batch`: an import's thousands of
//! registrations) is one such critical section for many streams, each version checked.
//!
//! An idempotency key is unique per actor, and its row keeps the fingerprint of the input
//! it was first used with: the same key with the same input is a `Duplicate`, with other
//! input it is refused (`IdempotencyKeyReused`). A row keyed before fingerprints were kept
//! has none, and any input counts as the same: that is what such a retry was answered before
//! the upgrade, and refusing it would turn a phone's honest retry into an error.

mod backup;
mod cas_sessions;
mod files;
mod group;
mod lease;
mod notify;
mod snapshots;
mod sql;

pub use backup::{ImportError, Importer, StoredRow};
pub use cas_sessions::CasSessions;
pub use files::{Content, Files, sha256_hex};
pub use group::Group;
pub use lease::LEASE_IDLE;
pub use snapshots::{SnapshotReader, StoredSnapshot};

use crate::idempotency::{Fingerprint, Idempotency};
use chrono::{DateTime, SubsecRound, Utc};
use domain::Event;
use domain::Recorded;
use domain::event::UnreadableEvent;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr, SqlErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, mpsc};
use uuid::Uuid;

/// The key of the advisory lock that serializes appends on PostgreSQL ("bangfu" in ASCII).
const APPEND_LOCK: i64 = 0x62_61_6e_67_66_75;
/// The key of the advisory lock that serializes migrations of instances starting together.
const MIGRATE_LOCK: i64 = APPEND_LOCK + 1;
/// The LISTEN/NOTIFY channel; the payload is the last position of the append.
pub const NOTIFY_CHANNEL: &str = "bangfu_events";
/// How long a SQLite connection waits for another process's write lock.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// SQLite allows one writer; these connections are for concurrent readers (WAL).
const SQLITE_MAX_CONNECTIONS: u32 = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One stream's part of a batch ([`EventStore::append_batch`]): its events, at the version
/// the caller decided on.
#[derive(Clone, Copy, Debug)]
pub struct StreamAppend<'a> {
    pub stream_id: Uuid,
    pub expected_version: i64,
    pub events: &'a [Event],
}

/// The outcome of an append.
// One per append, moved once: boxing the duplicate would only complicate the callers' match.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Appended {
    /// The events as recorded, in order.
    New(Vec<Recorded>),
    /// This actor already used this idempotency key for the same input: nothing was
    /// appended; this is the first event appended under the key.
    Duplicate(Recorded),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("stream {stream_id} is at version {actual}, not the expected {expected}")]
    Conflict {
        stream_id: Uuid,
        expected: i64,
        actual: i64,
    },
    #[error("an idempotency key needs an actor: keys are unique per actor")]
    KeyWithoutActor,
    /// The actor used this key before for other input: nothing was appended.
    #[error("this idempotency key was first used with other input")]
    IdempotencyKeyReused,
    #[error("unsupported database URL: expected sqlite:… or postgres://…")]
    UnsupportedUrl,
    #[error(transparent)]
    Unreadable(#[from] UnreadableEvent),
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

/// The event store. Cheap to clone: clones share the connection pool.
#[derive(Clone, Debug)]
pub struct EventStore {
    db: DatabaseConnection,
    backend: Backend,
    /// SQLite only: appenders of this process queue here rather than spin on the busy timeout.
    append_lock: Arc<Mutex<()>>,
    /// PostgreSQL only: the writer's hold on the append lock across groups ([`lease`]).
    lease: Arc<Mutex<Option<lease::Lease>>>,
}

impl EventStore {
    /// Connects to `sqlite://path?mode=rwc` or `postgres://…`. SQLite connections use WAL,
    /// `synchronous=FULL` (an acknowledged append survives a power cut) and a busy timeout;
    /// PostgreSQL sessions set `synchronous_commit=on`.
    pub async fn connect(url: &str) -> Result<EventStore, StoreError> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let mut options = ConnectOptions::new(url);
        options.sqlx_logging(false);
        match backend {
            Backend::Sqlite => {
                options
                    .max_connections(SQLITE_MAX_CONNECTIONS)
                    .map_sqlx_sqlite_opts(|o| {
                        o.journal_mode(SqliteJournalMode::Wal)
                            .synchronous(SqliteSynchronous::Full)
                            .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    });
            }
            Backend::Postgres => {
                options.map_sqlx_postgres_opts(|o| o.options([("synchronous_commit", "on")]));
            }
        }
        let db = Database::connect(options).await?;
        Ok(EventStore {
            db,
            backend,
            append_lock: Arc::new(Mutex::new(())),
            lease: Arc::new(Mutex::new(None)),
        })
    }

    /// Applies pending migrations. Instances that start together on one PostgreSQL take turns.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => Migrator::up(&self.db, None).await?,
            Backend::Postgres => {
                let txn = self.db.begin().await?;
                txn.execute_raw(sql::advisory_lock(MIGRATE_LOCK)).await?;
                Migrator::up(&txn, None).await?;
                txn.commit().await?;
            }
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The underlying connection, for tests and raw SQL.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The sessions of CAS sign-ins, which single logout revokes (the table beside the log).
    pub fn cas_sessions(&self) -> CasSessions {
        CasSessions::new(self.db.clone())
    }

    /// The bytes of attached files (the table beside the log, by SHA-256).
    pub fn files(&self) -> Files {
        Files::new(self.db.clone())
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        Ok(self.db.ping().await?)
    }

    /// Appends `events` to one stream. `expected_version` is the stream version the caller
    /// decided on (0: the stream must not exist yet). The store assigns ids, positions,
    /// stream versions, `recorded_at` (now) and `occurred_at` (the event's, else now).
    ///
    /// The idempotency key is checked before the version: a retry whose first attempt
    /// succeeded gets `Duplicate` even though the stream has moved on, and the key reused
    /// for other input `IdempotencyKeyReused`. Only the first row carries the key and its
    /// fingerprint. Appending no events does nothing and returns `New(vec![])`.
    #[tracing::instrument(skip_all, fields(%stream_id, expected_version, count = events.len()))]
    pub async fn append(
        &self,
        stream_id: Uuid,
        expected_version: i64,
        events: &[Event],
        actor_id: Option<&str>,
        idempotency: Option<&Idempotency<'_>>,
    ) -> Result<Appended, StoreError> {
        if events.is_empty() {
            return Ok(Appended::New(Vec::new()));
        }
        let keyed = match (actor_id, idempotency) {
            (Some(actor), Some(idempotency)) => Some((actor, idempotency)),
            (None, Some(_)) => return Err(StoreError::KeyWithoutActor),
            (_, None) => None,
        };
        let key = keyed.map(|(actor, idempotency)| (actor, idempotency.key));
        let _guard = match self.backend {
            Backend::Sqlite => Some(self.append_lock.lock().await),
            Backend::Postgres => None,
        };
        let txn = self.begin_append().await?;
        let state = sql::append_state(&txn, stream_id, key).await?;
        if let (Some(first), Some((_, idempotency))) = (state.duplicate, keyed) {
            txn.rollback().await?;
            return self
                .duplicate(first, &idempotency.fingerprint)
                .await
                .map(Appended::Duplicate);
        }
        if state.stream_version != expected_version {
            txn.rollback().await?;
            return Err(StoreError::Conflict {
                stream_id,
                expected: expected_version,
                actual: state.stream_version,
            });
        }

        let now = Utc::now().trunc_subsecs(6);
        let recorded: Vec<Recorded> = events
            .iter()
            .zip(1..)
            .map(|(event, n)| Recorded {
                id: Uuid::now_v7(),
                position: state.head + n,
                stream_id,
                stream_version: expected_version + n,
                occurred_at: occurred_at(event, now),
                recorded_at: now,
                actor_id: actor_id.map(str::to_owned),
                idempotency_key: if n == 1 {
                    key.map(|(_, key)| key.to_owned())
                } else {
                    None
                },
                event: event.clone(),
            })
            .collect();
        let fingerprint = |row: &Recorded| {
            row.idempotency_key
                .as_ref()
                .and(idempotency)
                .map(|i| i.fingerprint.as_str())
        };
        let written = match sql::insert(&txn, &recorded, &fingerprint).await {
            Ok(()) => self.finish_append(txn, &recorded).await,
            Err(e) => {
                // The insert's error says more than a failed rollback would.
                let _ = txn.rollback().await;
                Err(e)
            }
        };
        match written {
            Ok(()) => Ok(Appended::New(recorded)),
            // Only a writer that bypasses the serialization above can get here (another
            // program on the same database): report what the constraint protects.
            Err(e) => match e.sql_err() {
                Some(SqlErr::UniqueConstraintViolation(message)) if message.contains("idempotency") => {
                    let Some((actor, idempotency)) = keyed else {
                        return Err(e.into());
                    };
                    match sql::find_by_key(&self.db, actor, idempotency.key).await? {
                        Some(first) => self
                            .duplicate(first, &idempotency.fingerprint)
                            .await
                            .map(Appended::Duplicate),
                        None => Err(e.into()),
                    }
                }
                Some(SqlErr::UniqueConstraintViolation(message)) if message.contains("stream") => {
                    let actual = sql::stream_version(&self.db, stream_id).await?;
                    Err(StoreError::Conflict {
                        stream_id,
                        expected: expected_version,
                        actual,
                    })
                }
                _ => Err(e.into()),
            },
        }
    }

    /// Appends several streams' events in one transaction: all of them, or none (an import).
    /// Each part's stream must be at its `expected_version`; a stream named by two parts
    /// expects, the second time, the version after the first part's events. Positions run on
    /// from the head without a gap, in the order given. Batches carry no idempotency key.
    /// The first stream found moved is the `Conflict`; nothing is appended then.
    #[tracing::instrument(skip_all, fields(parts = parts.len(), count))]
    pub async fn append_batch(
        &self,
        parts: &[StreamAppend<'_>],
        actor_id: Option<&str>,
    ) -> Result<Vec<Recorded>, StoreError> {
        let count: usize = parts.iter().map(|p| p.events.len()).sum();
        tracing::Span::current().record("count", count);
        if count == 0 {
            return Ok(Vec::new());
        }
        let _guard = match self.backend {
            Backend::Sqlite => Some(self.append_lock.lock().await),
            Backend::Postgres => None,
        };
        let txn = self.begin_append().await?;
        let mut streams: Vec<Uuid> = parts.iter().map(|p| p.stream_id).collect();
        streams.sort_unstable();
        streams.dedup();
        let (head, mut versions) = match sql::batch_state(&txn, &streams).await {
            Ok(found) => found,
            Err(e) => {
                let _ = txn.rollback().await;
                return Err(e.into());
            }
        };
        let now = Utc::now().trunc_subsecs(6);
        let mut recorded = Vec::with_capacity(count);
        for part in parts {
            let actual = versions.get(&part.stream_id).copied().unwrap_or(0);
            if actual != part.expected_version {
                txn.rollback().await?;
                return Err(StoreError::Conflict {
                    stream_id: part.stream_id,
                    expected: part.expected_version,
                    actual,
                });
            }
            for (event, n) in part.events.iter().zip(1..) {
                recorded.push(Recorded {
                    id: Uuid::now_v7(),
                    position: head + recorded.len() as i64 + 1,
                    stream_id: part.stream_id,
                    stream_version: actual + n,
                    occurred_at: occurred_at(event, now),
                    recorded_at: now,
                    actor_id: actor_id.map(str::to_owned),
                    idempotency_key: None,
                    event: event.clone(),
                });
            }
            versions.insert(part.stream_id, actual + part.events.len() as i64);
        }
        let written = match sql::insert(&txn, &recorded, &|_| None).await {
            Ok(()) => self.finish_append(txn, &recorded).await,
            Err(e) => {
                let _ = txn.rollback().await;
                Err(e)
            }
        };
        match written {
            Ok(()) => Ok(recorded),
            // Only a writer that bypasses the serialization can get here: say which stream.
            Err(e) => match e.sql_err() {
                Some(SqlErr::UniqueConstraintViolation(message)) if message.contains("stream") => {
                    let (_, now_at) = sql::batch_state(&self.db, &streams).await?;
                    let moved = parts.iter().find_map(|p| {
                        let actual = now_at.get(&p.stream_id).copied().unwrap_or(0);
                        (actual != p.expected_version).then_some(StoreError::Conflict {
                            stream_id: p.stream_id,
                            expected: p.expected_version,
                            actual,
                        })
                    });
                    Err(moved.unwrap_or(e.into()))
                }
                _ => Err(e.into()),
            },
        }
    }

    /// The events of one stream, in stream order.
    pub async fn read_stream(&self, stream_id: Uuid) -> Result<Vec<Recorded>, StoreError> {
        sql::select(&self.db, sql::Filter::Stream(stream_id)).await
    }

    /// At most `limit` events of one stream after the global `position`, in stream order.
    pub async fn read_stream_after(
        &self,
        stream_id: Uuid,
        position: i64,
        limit: u64,
    ) -> Result<Vec<Recorded>, StoreError> {
        sql::select(
            &self.db,
            sql::Filter::StreamAfter {
                stream_id,
                position,
                limit,
            },
        )
        .await
    }

    /// At most `limit` events after `position`, in position order.
    pub async fn read_after(&self, position: i64, limit: u64) -> Result<Vec<Recorded>, StoreError> {
        sql::select(&self.db, sql::Filter::After { position, limit }).await
    }

    pub async fn find_event(&self, id: Uuid) -> Result<Option<Recorded>, StoreError> {
        Ok(sql::select(&self.db, sql::Filter::Id(id)).await?.pop())
    }

    /// The first event `actor` appended under this key, when the input is the same
    /// (`None`: the key is unused); `IdempotencyKeyReused` when it is not. What `append`
    /// would answer, without appending.
    pub async fn find_keyed(&self, actor: &str, idempotency: &Idempotency<'_>) -> Result<Option<Recorded>, StoreError> {
        find_keyed_in(&self.db, actor, idempotency).await
    }

    /// The last position, 0 when the log is empty.
    pub async fn head(&self) -> Result<i64, StoreError> {
        Ok(sql::head(&self.db).await?)
    }

    /// PostgreSQL only: the last positions of appends made by any instance, as they commit.
    /// Notifications sent while the listener reconnects are lost, so callers also poll.
    /// `None` on SQLite (one process writes it; poll instead). The listener stops when the
    /// receiver is dropped.
    pub async fn subscribe(&self) -> Option<mpsc::Receiver<i64>> {
        match self.backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(notify::subscribe(self.db.get_postgres_connection_pool().clone()).await),
        }
    }

    async fn begin_append(&self) -> Result<DatabaseTransaction, DbErr> {
        match self.backend {
            Backend::Sqlite => {
                let immediate = TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..Default::default()
                };
                self.db.begin_with_options(immediate).await
            }
            Backend::Postgres => {
                // The writer's lease holds the lock on another session: this one would wait
                // for it forever.
                self.release_lease().await;
                let txn = self.db.begin().await?;
                txn.execute_raw(sql::advisory_lock(APPEND_LOCK)).await?;
                Ok(txn)
            }
        }
    }

    async fn finish_append(&self, txn: DatabaseTransaction, recorded: &[Recorded]) -> Result<(), DbErr> {
        if let (Backend::Postgres, Some(last)) = (self.backend, recorded.last()) {
            txn.execute_raw(sql::notify(last.position)).await?;
        }
        txn.commit().await?;
        metrics::counter!(crate::telemetry::EVENTS_APPENDED).increment(recorded.len() as u64);
        Ok(())
    }

    /// The answer to a key already used ([`duplicate_in`]).
    async fn duplicate(&self, first: sql::Keyed, fingerprint: &Fingerprint) -> Result<Recorded, StoreError> {
        duplicate_in(&self.db, first, fingerprint).await
    }
}

/// [`EventStore::find_keyed`] on a connection or a transaction.
async fn find_keyed_in(
    db: &impl ConnectionTrait,
    actor: &str,
    idempotency: &Idempotency<'_>,
) -> Result<Option<Recorded>, StoreError> {
    match sql::find_by_key(db, actor, idempotency.key).await? {
        Some(first) => duplicate_in(db, first, &idempotency.fingerprint).await.map(Some),
        None => Ok(None),
    }
}

/// The answer to a key already used: its first event when `fingerprint` matches what the
/// key's row keeps (or the row keeps none), else `IdempotencyKeyReused`.
async fn duplicate_in(
    db: &impl ConnectionTrait,
    first: sql::Keyed,
    fingerprint: &Fingerprint,
) -> Result<Recorded, StoreError> {
    if first
        .fingerprint
        .as_deref()
        .is_some_and(|stored| stored != fingerprint.as_str())
    {
        return Err(StoreError::IdempotencyKeyReused);
    }
    let position = first.position;
    let mut found = sql::select(
        db,
        sql::Filter::After {
            position: position - 1,
            limit: 1,
        },
    )
    .await?;
    match found.pop() {
        Some(found) if found.position == position => Ok(found),
        _ => Err(DbErr::RecordNotFound(format!("event at position {position}")).into()),
    }
}

/// Business time for a stored row: the event's own, else the append's.
fn occurred_at(event: &Event, now: DateTime<Utc>) -> DateTime<Utc> {
    event.occurred_at().map_or(now, |t| t.trunc_subsecs(6))
}
