//! The outbox (`notification_outbox`): every message is stored before it is sent, under a
//! unique `dedup_key`, so it is planned once whichever instance plans it first and sent at
//! least once. A sender claims due rows by setting `claimed_until` in one statement
//! (PostgreSQL: the rows locked `FOR UPDATE SKIP LOCKED`, so two instances never claim the
//! same; SQLite: the single writer serializes the statement), then acknowledges each
//! (`SENT`), or schedules its retry, or gives it up (`FAILED`). A claim that is never
//! acknowledged (the process died between sending and recording it) lapses after
//! [`CLAIM_LEASE`] and the message is sent again: at least once, not exactly once (each
//! carries its id for a receiver that can tell).

use crate::store::Backend;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, QueryResult, Statement};
use std::collections::HashSet;
use uuid::Uuid;

/// How long a claim holds: far longer than a send may take (30 s timeout).
pub const CLAIM_LEASE: i64 = 5 * 60;
/// Most messages one sender claims at once.
/// Claimed at once: few enough that all are sent well within one lease (8 × a 30 s timeout
/// is 4 minutes of the 5).
pub const CLAIM_BATCH: u64 = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Pending,
    Sent,
    Failed,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pending => "PENDING",
            Status::Sent => "SENT",
            Status::Failed => "FAILED",
        }
    }

    fn parse(name: &str) -> Option<Status> {
        Some(match name {
            "PENDING" => Status::Pending,
            "SENT" => Status::Sent,
            "FAILED" => Status::Failed,
            _ => return None,
        })
    }
}

/// A message to store: where it goes and what it says, rendered once (a retry sends the
/// same bytes).
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub dedup_key: String,
    pub unit_id: Uuid,
    /// `DIGEST`, `MENTOR_OVERDUE`, `MENTOR_ESCALATED`.
    pub purpose: &'static str,
    /// The unit's channel (digests); `None` for a mentor's own mailbox.
    pub channel_id: Option<Uuid>,
    pub kind: super::ChannelKind,
    /// A mentor's mailbox (kept to send to; shown masked).
    pub recipient: Option<String>,
    pub target_masked: String,
    pub title: String,
    pub message: super::Rendered,
}

/// A stored message.
#[derive(Clone, Debug)]
pub struct Stored {
    pub id: Uuid,
    pub dedup_key: String,
    pub unit_id: Uuid,
    pub purpose: String,
    pub channel_id: Option<Uuid>,
    pub kind: super::ChannelKind,
    pub recipient: Option<String>,
    pub target_masked: String,
    pub title: String,
    pub message: super::Rendered,
    pub status: Status,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
}

const COLUMNS: &str = "id, dedup_key, unit_id, purpose, channel_id, kind, recipient, target_masked, title, message, \
                       status, attempts, last_error, created_at, next_attempt_at, sent_at";

/// The outbox table. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Outbox {
    db: DatabaseConnection,
    backend: Backend,
}

impl Outbox {
    pub fn new(db: DatabaseConnection, backend: Backend) -> Outbox {
        Outbox { db, backend }
    }

    fn statement(&self, sql: &str, values: impl IntoIterator<Item = sea_orm::Value>) -> Statement {
        Statement::from_sql_and_values(self.db.get_database_backend(), sql, values)
    }

    /// Stores a message unless one with its key exists; whether it was new.
    pub async fn enqueue(&self, m: &NewMessage, now: i64) -> Result<bool, DbErr> {
        let message = serde_json::to_string(&m.message).map_err(|e| DbErr::Type(e.to_string()))?;
        let insert = self.statement(
            "INSERT INTO notification_outbox (id, dedup_key, unit_id, purpose, channel_id, kind, recipient, \
             target_masked, title, message, status, attempts, created_at, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'PENDING', 0, $11, $11) \
             ON CONFLICT (dedup_key) DO NOTHING",
            [
                Uuid::now_v7().to_string().into(),
                m.dedup_key.clone().into(),
                m.unit_id.to_string().into(),
                m.purpose.into(),
                m.channel_id.map(|c| c.to_string()).into(),
                m.kind.name().into(),
                m.recipient.clone().into(),
                m.target_masked.clone().into(),
                m.title.clone().into(),
                message.into(),
                now.into(),
            ],
        );
        Ok(self.db.execute_raw(insert).await?.rows_affected() > 0)
    }

    /// Claims up to [`CLAIM_BATCH`] pending messages due at `now` and not claimed by
    /// another sender (or whose claim lapsed), counting the attempt.
    pub async fn claim(&self, now: i64) -> Result<Vec<Stored>, DbErr> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let update = self.statement(
            &format!(
                "UPDATE notification_outbox SET claimed_until = $1, attempts = attempts + 1 \
                 WHERE id IN (SELECT id FROM notification_outbox WHERE status = 'PENDING' AND next_attempt_at <= $2 \
                 AND (claimed_until IS NULL OR claimed_until <= $2) ORDER BY next_attempt_at, id LIMIT $3{lock}) \
                 RETURNING {COLUMNS}"
            ),
            [
                (now + CLAIM_LEASE).into(),
                now.into(),
                i64::try_from(CLAIM_BATCH).unwrap_or(50).into(),
            ],
        );
        let mut claimed: Vec<Stored> = self
            .db
            .query_all_raw(update)
            .await?
            .iter()
            .map(stored)
            .collect::<Result<_, _>>()?;
        claimed.sort_by_key(|m| m.id);
        Ok(claimed)
    }

    /// Sent: acknowledged, never sent again.
    /// Sent, acknowledged under the claim made at `claimed_at`: a claim that lapsed and was
    /// taken by another sender is theirs to acknowledge, and this changes nothing.
    pub async fn sent(&self, id: Uuid, now: i64, claimed_at: i64) -> Result<(), DbErr> {
        let update = self.statement(
            "UPDATE notification_outbox SET status = 'SENT', sent_at = $1, claimed_until = NULL, last_error = NULL \
             WHERE id = $2 AND status = 'PENDING' AND claimed_until = $3",
            [now.into(), id.to_string().into(), (claimed_at + CLAIM_LEASE).into()],
        );
        self.db.execute_raw(update).await?;
        Ok(())
    }

    /// Failed this time: tried again at `retry_at`, or given up (`FAILED`) without one.
    /// As [`Outbox::sent`], under the claim made at `claimed_at`.
    pub async fn failed(&self, id: Uuid, error: &str, retry_at: Option<i64>, claimed_at: i64) -> Result<(), DbErr> {
        let error: String = error.chars().take(500).collect();
        let lease = claimed_at + CLAIM_LEASE;
        let update = match retry_at {
            Some(at) => self.statement(
                "UPDATE notification_outbox SET last_error = $1, next_attempt_at = $2, claimed_until = NULL \
                 WHERE id = $3 AND status = 'PENDING' AND claimed_until = $4",
                [error.into(), at.into(), id.to_string().into(), lease.into()],
            ),
            None => self.statement(
                "UPDATE notification_outbox SET status = 'FAILED', last_error = $1, claimed_until = NULL \
                 WHERE id = $2 AND status = 'PENDING' AND claimed_until = $3",
                [error.into(), id.to_string().into(), lease.into()],
            ),
        };
        self.db.execute_raw(update).await?;
        Ok(())
    }

    /// Deletes the digests sent or given up that were stored before `before` (Unix
    /// seconds); answers how many. A digest's key names its day, which no later run plans
    /// again; a mentor's email is kept, its key naming a lapse that may still be open.
    pub async fn prune(&self, before: i64) -> Result<u64, DbErr> {
        let delete = self.statement(
            "DELETE FROM notification_outbox \
             WHERE purpose = 'DIGEST' AND status IN ('SENT', 'FAILED') AND created_at < $1",
            [before.into()],
        );
        Ok(self.db.execute_raw(delete).await?.rows_affected())
    }

    /// The messages of these units, newest first: `first` after the one whose id is `after`.
    pub async fn of_units(&self, units: &[Uuid], first: u64, after: Option<Uuid>) -> Result<Vec<Stored>, DbErr> {
        if units.is_empty() || first == 0 {
            return Ok(vec![]);
        }
        let mut values: Vec<sea_orm::Value> = units.iter().map(|u| u.to_string().into()).collect();
        let placeholders: Vec<String> = (1..=units.len()).map(|i| format!("${i}")).collect();
        let mut sql = format!(
            "SELECT {COLUMNS} FROM notification_outbox WHERE unit_id IN ({})",
            placeholders.join(", ")
        );
        if let Some(after) = after {
            values.push(after.to_string().into());
            sql.push_str(&format!(" AND id < ${}", values.len()));
        }
        values.push(i64::try_from(first).unwrap_or(i64::MAX).into());
        sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", values.len()));
        self.db
            .query_all_raw(self.statement(&sql, values))
            .await?
            .iter()
            .map(stored)
            .collect()
    }

    /// The keys stored for `prefix:{day}:…` (a day's digests).
    pub async fn keys_of_day(&self, prefix: &str, day: chrono::NaiveDate) -> Result<HashSet<String>, DbErr> {
        // A prefix match, not a range: under a database's collation (en_US on PostgreSQL)
        // `;` need not sort after `:`. The key holds no `%` or `_` (letters, digits, `-`, `:`).
        let select = self.statement(
            "SELECT dedup_key FROM notification_outbox WHERE dedup_key LIKE $1",
            [format!("{prefix}:{day}:%").into()],
        );
        keys(self.db.query_all_raw(select).await?)
    }

    /// Which of these keys are stored (asked 500 at a time).
    pub async fn existing<'a>(&self, keys_asked: impl IntoIterator<Item = &'a str>) -> Result<HashSet<String>, DbErr> {
        let asked: Vec<&str> = keys_asked.into_iter().collect();
        let mut found = HashSet::new();
        for chunk in asked.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let select = self.statement(
                &format!(
                    "SELECT dedup_key FROM notification_outbox WHERE dedup_key IN ({})",
                    placeholders.join(", ")
                ),
                chunk.iter().map(|k| sea_orm::Value::from(*k)),
            );
            found.extend(keys(self.db.query_all_raw(select).await?)?);
        }
        Ok(found)
    }

    /// Every message, oldest first (tests and the CLI's report).
    pub async fn all(&self) -> Result<Vec<Stored>, DbErr> {
        let select = self.statement(&format!("SELECT {COLUMNS} FROM notification_outbox ORDER BY id"), []);
        self.db.query_all_raw(select).await?.iter().map(stored).collect()
    }
}

fn keys(rows: Vec<QueryResult>) -> Result<HashSet<String>, DbErr> {
    rows.iter().map(|r| r.try_get::<String>("", "dedup_key")).collect()
}

fn stored(row: &QueryResult) -> Result<Stored, DbErr> {
    let uuid = |text: &str, column: &str| -> Result<Uuid, DbErr> {
        Uuid::parse_str(text).map_err(|e| DbErr::Type(format!("{column}: {e}")))
    };
    let id: String = row.try_get("", "id")?;
    let unit: String = row.try_get("", "unit_id")?;
    let channel: Option<String> = row.try_get("", "channel_id")?;
    let kind: String = row.try_get("", "kind")?;
    let status: String = row.try_get("", "status")?;
    let message: String = row.try_get("", "message")?;
    let attempts: i32 = row.try_get("", "attempts")?;
    Ok(Stored {
        id: uuid(&id, "id")?,
        dedup_key: row.try_get("", "dedup_key")?,
        unit_id: uuid(&unit, "unit_id")?,
        purpose: row.try_get("", "purpose")?,
        channel_id: channel.as_deref().map(|c| uuid(c, "channel_id")).transpose()?,
        kind: super::ChannelKind::parse(&kind).ok_or_else(|| DbErr::Type(format!("kind {kind:?}")))?,
        recipient: row.try_get("", "recipient")?,
        target_masked: row.try_get("", "target_masked")?,
        title: row.try_get("", "title")?,
        message: serde_json::from_str(&message).map_err(|e| DbErr::Type(format!("message: {e}")))?,
        status: Status::parse(&status).ok_or_else(|| DbErr::Type(format!("status {status:?}")))?,
        attempts: u32::try_from(attempts).unwrap_or(0),
        last_error: row.try_get("", "last_error")?,
        created_at: row.try_get("", "created_at")?,
        next_attempt_at: row.try_get("", "next_attempt_at")?,
        sent_at: row.try_get("", "sent_at")?,
    })
}
