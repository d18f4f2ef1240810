//! PostgreSQL: the append lock held across groups (DESIGN §11).
//!
//! A group commit that took the transaction-scoped advisory lock paid five round trips:
//! BEGIN, the lock, the head, the INSERT and COMMIT, where a raw single-row insert pays one.
//! While commands keep coming, the writer instead holds the lock on one session of its own
//! (`pg_advisory_lock`, the same key as every other append takes): nobody else can append
//! meanwhile, so the head it read when it took the lease stays the log's head, advanced
//! only by its own commits, and a group is one autocommit statement (the rows and the
//! NOTIFY). The writer lets the lease go after [`LEASE_IDLE`] without a command and, so
//! other instances take their turns, once it is [`LEASE_TURN`] old; every other append of
//! this process lets it go before it takes the lock ([`EventStore::release_lease`]).
//! Commits on a lease notify the other instances at most every [`NOTIFY_EVERY`].
//!
//! A lease's connection never goes back to the pool holding the lock: it is unlocked first,
//! and one dropped otherwise (an error, a cancelled future) is closed, which ends the
//! session and so releases the lock.

use super::{APPEND_LOCK, EventStore};
use sea_orm::DbErr;
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::{self, Postgres};
use std::time::{Duration, Instant};

/// The writer lets the lease go when no command came for this long.
pub const LEASE_IDLE: Duration = Duration::from_millis(10);
/// A lease this old is let go and taken again, behind any other instance waiting for it.
const LEASE_TURN: Duration = Duration::from_millis(100);
/// Commits on a lease NOTIFY other instances at most this often, and the last unannounced
/// one when the lease is let go. Each NOTIFY wakes every listening session, this
/// instance's own among them: one per commit cost a quarter of a single client's writes.
/// Followers hear of a burst of writes within this long (and poll every second anyway).
const NOTIFY_EVERY: Duration = Duration::from_millis(10);

/// The append lock, held on a session of this process's own, and the log's head.
pub(super) struct Lease {
    conn: Option<PoolConnection<Postgres>>,
    /// The last position in the log: read when the lease was taken, then this writer's own.
    pub head: i64,
    taken: Instant,
    /// When other instances were last notified, and of what.
    notified: Instant,
    announced: i64,
}

impl Lease {
    /// Takes the lock on a connection of its own (waiting for any other appender), then
    /// reads the head.
    pub async fn take(pool: &sqlx::PgPool) -> Result<Lease, DbErr> {
        let conn = pool.acquire().await.map_err(sqlx_err)?;
        let mut lease = Lease {
            conn: None,
            head: 0,
            taken: Instant::now(),
            // So the lease's first commit notifies at once.
            notified: Instant::now().checked_sub(NOTIFY_EVERY).unwrap_or_else(Instant::now),
            announced: 0,
        };
        // Held by the lease before the lock is asked for: dropped while it waits (a future
        // cancelled), the session is closed, never pooled with the lock granted later.
        let conn = lease.conn.insert(conn);
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(APPEND_LOCK)
            .execute(&mut **conn)
            .await
            .map_err(sqlx_err)?;
        let (head,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(position), 0) FROM events")
            .fetch_one(&mut **conn)
            .await
            .map_err(sqlx_err)?;
        lease.head = head;
        lease.announced = head;
        lease.taken = Instant::now();
        Ok(lease)
    }

    /// Whether the next commit should NOTIFY (see [`NOTIFY_EVERY`]).
    pub fn notify_due(&self) -> bool {
        self.notified.elapsed() >= NOTIFY_EVERY
    }

    /// Records a commit up to `last`, and whether it notified.
    pub fn committed(&mut self, last: i64, notified: bool) {
        self.head = last;
        if notified {
            self.announced = last;
            self.notified = Instant::now();
        }
    }

    /// Whether other instances have waited long enough.
    pub fn turn_is_over(&self) -> bool {
        self.taken.elapsed() >= LEASE_TURN
    }

    /// The lease's session, for the group's statements.
    pub fn connection(&mut self) -> Result<&mut PoolConnection<Postgres>, DbErr> {
        self.conn
            .as_mut()
            .ok_or_else(|| DbErr::Custom("the append lease has no connection".into()))
    }

    /// Unlocks and gives the connection back to the pool (closing it if the unlock fails).
    pub async fn release(mut self) {
        let unannounced = self.unannounced();
        let Some(conn) = self.conn.as_mut() else { return };
        // The last commits' NOTIFY, if they were not announced, rides on the unlock.
        let unlocked: Result<(bool,), _> = if let Some(head) = unannounced {
            sqlx::query_as("SELECT pg_advisory_unlock($1), pg_notify($2, $3)::text")
                .bind(APPEND_LOCK)
                .bind(super::NOTIFY_CHANNEL)
                .bind(head.to_string())
                .fetch_one(&mut **conn)
                .await
                .map(|(unlocked, _): (bool, String)| (unlocked,))
        } else {
            sqlx::query_as("SELECT pg_advisory_unlock($1)")
                .bind(APPEND_LOCK)
                .fetch_one(&mut **conn)
                .await
        };
        match unlocked {
            // Unlocked: the session may serve the pool again.
            Ok((true,)) => drop(self.conn.take()),
            // Otherwise (and if this future is dropped before the answer) the lease's drop
            // closes the session.
            Ok((false,)) => tracing::warn!("the append lease's session did not hold the lock; closing it"),
            Err(error) => tracing::warn!(%error, "cannot unlock the append lease; closing its session"),
        }
    }

    /// The head, if commits up to it were not notified yet.
    pub fn unannounced(&self) -> Option<i64> {
        (self.announced < self.head).then_some(self.head)
    }
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease")
            .field("head", &self.head)
            .finish_non_exhaustive()
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.as_mut() {
            conn.close_on_drop();
        }
    }
}

/// As sea-orm reports a failed statement, so `DbErr::sql_err` reads constraint violations.
pub(super) fn sqlx_err(e: sqlx::Error) -> DbErr {
    DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e.into()))
}

impl EventStore {
    /// Lets the append lease go, if this store holds one (PostgreSQL). Every append that
    /// takes the lock by itself calls this first; the writer calls it when idle.
    pub async fn release_lease(&self) {
        let lease = self.lease.lock().await.take();
        if let Some(lease) = lease {
            lease.release().await;
        }
    }
}
