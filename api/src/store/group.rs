//! A group commit: one serialized transaction that many commands' events share, so they
//! pay for one lock and one fsync (DESIGN §11).
//!
//! [`EventStore::begin_group`] takes the append lock (on PostgreSQL the writer's lease on the
//! advisory lock, [`super::lease`]; on SQLite the process mutex and `BEGIN IMMEDIATE`) and
//! knows the head (read once per lease, or once per group on SQLite). While the group
//! is open nobody else can append, so the caller's state, caught up to [`Group::head`]
//! through [`Group::read_after`], answers every stream version and idempotency key without
//! asking the database again. [`Group::stage`] mints each command's records (positions run
//! on from the head without a gap); [`Group::commit`] writes them all and commits once.

use super::lease::Lease;
use super::{Backend, EventStore, StoreError, occurred_at, sql};
use crate::idempotency::Idempotency;
use chrono::{DateTime, SubsecRound, Utc};
use domain::{Event, Recorded};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr};
use tokio::sync::OwnedMutexGuard;
use uuid::Uuid;

/// An open group commit; dropping it appends nothing.
pub struct Group {
    lock: AppendLock,
    /// For reads inside the lock that need no transaction (PostgreSQL).
    db: DatabaseConnection,
    /// The last position committed when the group began.
    head: i64,
    now: DateTime<Utc>,
    staged: Vec<Recorded>,
    /// The fingerprint of each keyed row, by position (ascending).
    fingerprints: Vec<(i64, String)>,
}

/// How a group holds the append lock.
enum AppendLock {
    /// SQLite: `BEGIN IMMEDIATE`, and the process mutex (this process's appenders wait
    /// there, not on the busy timeout).
    Transaction {
        txn: DatabaseTransaction,
        _local: OwnedMutexGuard<()>,
    },
    /// PostgreSQL: the writer's lease, held (and kept from others in this process) for the
    /// group.
    Lease(OwnedMutexGuard<Option<Lease>>),
}

impl EventStore {
    /// Opens a group commit: the append lock taken, the head known.
    pub async fn begin_group(&self) -> Result<Group, StoreError> {
        let (lock, head) = match self.backend {
            Backend::Sqlite => {
                let local = self.append_lock.clone().lock_owned().await;
                let txn = self.begin_append().await?;
                match sql::head(&txn).await {
                    Ok(head) => (AppendLock::Transaction { txn, _local: local }, head),
                    Err(e) => {
                        let _ = txn.rollback().await;
                        return Err(e.into());
                    }
                }
            }
            Backend::Postgres => {
                let mut lease = self.lease.clone().lock_owned().await;
                if let Some(old) = lease.take_if(|held| held.turn_is_over()) {
                    old.release().await;
                }
                let head = match lease.as_ref() {
                    Some(held) => held.head,
                    None => {
                        lease
                            .insert(Lease::take(self.db.get_postgres_connection_pool()).await?)
                            .head
                    }
                };
                (AppendLock::Lease(lease), head)
            }
        };
        Ok(Group {
            lock,
            db: self.db.clone(),
            head,
            now: Utc::now().trunc_subsecs(6),
            staged: Vec::new(),
            fingerprints: Vec::new(),
        })
    }
}

impl Group {
    /// The events staged so far.
    pub fn staged_len(&self) -> usize {
        self.staged.len()
    }

    /// The last position committed before this group: a state at a lower position must
    /// catch up (another instance appended) before it decides anything.
    pub fn head(&self) -> i64 {
        self.head
    }

    /// The time the group's records carry as `recorded_at` (and as `occurred_at` when the
    /// event has none); commands are decided as of it.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Committed events after `position`, read inside the lock (for catching up).
    pub async fn read_after(&self, position: i64, limit: u64) -> Result<Vec<Recorded>, StoreError> {
        let filter = sql::Filter::After { position, limit };
        match &self.lock {
            AppendLock::Transaction { txn, .. } => sql::select(txn, filter).await,
            // Nobody appends while the lease is held: any session reads the same log.
            AppendLock::Lease(_) => sql::select(&self.db, filter).await,
        }
    }

    /// What a committed use of this actor's key answers: its first event when the input is
    /// the same (or the row predates fingerprints), `IdempotencyKeyReused` when it is not,
    /// `None` when the key is unused.
    pub async fn find_keyed(&self, actor: &str, idempotency: &Idempotency<'_>) -> Result<Option<Recorded>, StoreError> {
        match &self.lock {
            AppendLock::Transaction { txn, .. } => super::find_keyed_in(txn, actor, idempotency).await,
            AppendLock::Lease(_) => super::find_keyed_in(&self.db, actor, idempotency).await,
        }
    }

    /// Stages one command's events on a stream at `expected_version` (the caller checked
    /// it against its caught-up state) and returns them as they will be recorded. The first
    /// row carries the key and its fingerprint.
    pub fn stage(
        &mut self,
        stream_id: Uuid,
        expected_version: i64,
        events: &[Event],
        actor_id: Option<&str>,
        idempotency: Option<&Idempotency<'_>>,
    ) -> Vec<Recorded> {
        let start = self.head + self.staged.len() as i64;
        let key = actor_id.and(idempotency);
        let recorded: Vec<Recorded> = events
            .iter()
            .zip(1..)
            .map(|(event, n)| Recorded {
                id: Uuid::now_v7(),
                position: start + n,
                stream_id,
                stream_version: expected_version + n,
                occurred_at: occurred_at(event, self.now),
                recorded_at: self.now,
                actor_id: actor_id.map(str::to_owned),
                idempotency_key: if n == 1 { key.map(|i| i.key.to_owned()) } else { None },
                event: event.clone(),
            })
            .collect();
        if let (Some(idempotency), Some(first)) = (key, recorded.first()) {
            self.fingerprints
                .push((first.position, idempotency.fingerprint.as_str().to_owned()));
        }
        self.staged.extend(recorded.iter().cloned());
        recorded
    }

    /// Writes every staged record and commits once (notifying other instances); an empty
    /// group just releases the lock. The records as committed, in position order.
    pub async fn commit(self) -> Result<Vec<Recorded>, StoreError> {
        let Group {
            lock,
            db,
            staged,
            fingerprints,
            ..
        } = self;
        let fingerprint = |row: &Recorded| {
            fingerprints
                .binary_search_by_key(&row.position, |(position, _)| *position)
                .ok()
                .map(|i| fingerprints[i].1.as_str())
        };
        match lock {
            AppendLock::Transaction { txn, .. } => {
                if staged.is_empty() {
                    txn.rollback().await?;
                    return Ok(staged);
                }
                if let Err(e) = sql::insert(&txn, &staged, &fingerprint).await {
                    let _ = txn.rollback().await;
                    return Err(e.into());
                }
                txn.commit().await?;
            }
            AppendLock::Lease(mut lease) => {
                let Some(last) = staged.last() else { return Ok(staged) };
                let notify = lease.as_ref().is_some_and(Lease::notify_due);
                let written = match lease.as_mut() {
                    Some(held) => match held.connection() {
                        Ok(conn) => sql::insert_on_lease(conn, &staged, &fingerprint, notify).await,
                        Err(e) => Err(e),
                    },
                    None => Err(DbErr::Custom("the append lease was let go during a group".into())),
                };
                match (written, lease.as_mut()) {
                    (Ok(()), Some(held)) => held.committed(last.position, notify),
                    (Ok(()), None) => {}
                    (Err(e), _) => {
                        // Whether the rows landed is unknown: the lease's head with it. Its
                        // session is closed (the drop), and the next group takes the lock
                        // and reads the head afresh. Earlier commits it had not announced
                        // are, from any session.
                        if let Some(head) = lease.take().and_then(|dropped| dropped.unannounced()) {
                            let _ = db.execute_raw(sql::notify(head)).await;
                        }
                        return Err(e.into());
                    }
                }
            }
        }
        metrics::counter!(crate::telemetry::EVENTS_APPENDED).increment(staged.len() as u64);
        Ok(staged)
    }
}
