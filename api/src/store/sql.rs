//! The store's SQL, one statement per step, written for both dialects: SQLite accepts the
//! `$n` placeholders; UUIDs are native on PostgreSQL and hyphenated text on SQLite, and the
//! payload is `jsonb` on PostgreSQL (sent and read as text) and JSON text on SQLite.

use super::{NOTIFY_CHANNEL, StoreError};
use domain::Event;
use domain::Recorded;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value};
use uuid::Uuid;

/// Rows per SQLite INSERT statement: 12 parameters each stays under its limit.
const INSERT_CHUNK: usize = 500;

pub(super) enum Filter {
    Stream(Uuid),
    After { position: i64, limit: u64 },
    StreamAfter { stream_id: Uuid, position: i64, limit: u64 },
    Id(Uuid),
}

/// What an append must know, read in one statement inside the serialized transaction.
pub(super) struct AppendState {
    pub stream_version: i64,
    pub head: i64,
    /// The first event appended under this actor's idempotency key.
    pub duplicate: Option<Keyed>,
}

/// The row that carries an actor's idempotency key.
pub(super) struct Keyed {
    pub position: i64,
    /// `None` on a row keyed before fingerprints were kept.
    pub fingerprint: Option<String>,
}

pub(super) fn advisory_lock(key: i64) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, "SELECT pg_advisory_xact_lock($1)", [key.into()])
}

pub(super) fn notify(position: i64) -> Statement {
    Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [NOTIFY_CHANNEL.into(), position.to_string().into()],
    )
}

pub(super) async fn append_state(
    db: &impl ConnectionTrait,
    stream_id: Uuid,
    key: Option<(&str, &str)>,
) -> Result<AppendState, DbErr> {
    let backend = db.get_database_backend();
    let (actor, key) = key.map_or((None, None), |(a, k)| (Some(a.to_owned()), Some(k.to_owned())));
    let sql = "SELECT \
        (SELECT COALESCE(MAX(stream_version), 0) FROM events WHERE stream_id = $1) AS stream_version, \
        (SELECT COALESCE(MAX(position), 0) FROM events) AS head, \
        (SELECT position FROM events WHERE actor_id = $2 AND idempotency_key = $3) AS duplicate, \
        (SELECT idempotency_fingerprint FROM events WHERE actor_id = $2 AND idempotency_key = $3) AS fingerprint";
    let values = [uuid(backend, stream_id), actor.into(), key.into()];
    let row = query_one(db, Statement::from_sql_and_values(backend, sql, values)).await?;
    let duplicate: Option<i64> = row.try_get("", "duplicate")?;
    Ok(AppendState {
        stream_version: row.try_get("", "stream_version")?,
        head: row.try_get("", "head")?,
        duplicate: match duplicate {
            Some(position) => Some(Keyed {
                position,
                fingerprint: row.try_get("", "fingerprint")?,
            }),
            None => None,
        },
    })
}

/// The head and the current version of each of `streams` that exists, in one statement:
/// the ids go as one JSON array, so its shape is the same for one stream or thousands.
pub(super) async fn batch_state(
    db: &impl ConnectionTrait,
    streams: &[Uuid],
) -> Result<(i64, std::collections::HashMap<Uuid, i64>), DbErr> {
    let backend = db.get_database_backend();
    let ids = serde_json::Value::from(streams.iter().map(|id| id.hyphenated().to_string()).collect::<Vec<_>>());
    let listed = if backend == DbBackend::Postgres {
        "SELECT value::uuid FROM jsonb_array_elements_text($1::jsonb)"
    } else {
        "SELECT value FROM json_each($1)"
    };
    let sql = format!(
        "SELECT stream_id, MAX(stream_version) AS v FROM events WHERE stream_id IN ({listed}) GROUP BY stream_id"
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, [ids.to_string().into()]))
        .await?;
    let mut versions = std::collections::HashMap::with_capacity(rows.len());
    for row in &rows {
        versions.insert(get_uuid(backend, row, "stream_id")?, row.try_get("", "v")?);
    }
    Ok((head(db).await?, versions))
}

pub(super) async fn stream_version(db: &impl ConnectionTrait, stream_id: Uuid) -> Result<i64, DbErr> {
    let backend = db.get_database_backend();
    let sql = "SELECT COALESCE(MAX(stream_version), 0) AS v FROM events WHERE stream_id = $1";
    let row = query_one(
        db,
        Statement::from_sql_and_values(backend, sql, [uuid(backend, stream_id)]),
    )
    .await?;
    row.try_get("", "v")
}

pub(super) async fn find_by_key(db: &impl ConnectionTrait, actor: &str, key: &str) -> Result<Option<Keyed>, DbErr> {
    let backend = db.get_database_backend();
    let sql = "SELECT position, idempotency_fingerprint FROM events WHERE actor_id = $1 AND idempotency_key = $2";
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [actor.into(), key.into()]))
        .await?;
    row.map(|r| {
        Ok(Keyed {
            position: r.try_get("", "position")?,
            fingerprint: r.try_get("", "idempotency_fingerprint")?,
        })
    })
    .transpose()
}

pub(super) async fn head(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let backend = db.get_database_backend();
    let row = query_one(
        db,
        Statement::from_string(backend, "SELECT COALESCE(MAX(position), 0) AS head FROM events"),
    )
    .await?;
    row.try_get("", "head")
}

/// What `insert` writes as a row's `idempotency_fingerprint` (`None` for most rows).
pub(super) type FingerprintOf<'a> = dyn Fn(&Recorded) -> Option<&'a str> + Sync + 'a;

/// Inserts `rows`, each with its fingerprint (that of the input its idempotency key was
/// first used with).
pub(super) async fn insert(
    db: &impl ConnectionTrait,
    rows: &[Recorded],
    fingerprint: &FingerprintOf<'_>,
) -> Result<(), DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => insert_postgres(db, rows, fingerprint).await,
        _ => insert_sqlite(db, rows, fingerprint).await,
    }
}

/// The columns of `events`, in the order every INSERT names them.
macro_rules! columns {
    () => {
        "position, id, stream_id, stream_version, kind, schema_version, payload, occurred_at, recorded_at, \
         actor_id, idempotency_key, idempotency_fingerprint"
    };
}
const COLUMNS: &str = columns!();

/// SQLite: multi-row VALUES with anonymous parameters. Named ones (`$n`) are resolved by
/// scanning the statement's whole parameter list, quadratic in a 5,500-value INSERT.
async fn insert_sqlite(
    db: &impl ConnectionTrait,
    rows: &[Recorded],
    fingerprint: &FingerprintOf<'_>,
) -> Result<(), DbErr> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        let mut sql = format!("INSERT INTO events ({COLUMNS}) VALUES ");
        let mut values = Vec::with_capacity(chunk.len() * 12);
        for (i, row) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            let (kind, schema_version, payload) = row.event.to_stored();
            values.extend([
                row.position.into(),
                uuid(DbBackend::Sqlite, row.id),
                uuid(DbBackend::Sqlite, row.stream_id),
                row.stream_version.into(),
                kind.into(),
                schema_version.into(),
                payload.to_string().into(),
                row.occurred_at.into(),
                row.recorded_at.into(),
                row.actor_id.clone().into(),
                row.idempotency_key.clone().into(),
                fingerprint(row).map(str::to_owned).into(),
            ]);
        }
        db.execute_raw(Statement::from_sql_and_values(DbBackend::Sqlite, sql, values))
            .await?;
    }
    Ok(())
}

/// PostgreSQL: rows as one JSON parameter, unpacked by `jsonb_to_recordset`, so a
/// statement has one shape whatever its size (a thousand `$n` cost more than the rows).
///
/// Statements stay under [`PG_STATEMENT_BYTES`]: sqlx 0.9.0 leaves Nagle's algorithm on
/// (its TCP_NODELAY was dropped; sqlx issue #4335, fixed upstream, unreleased), and a
/// message larger than its 8 KiB write buffer then waits ~40 ms for a delayed ACK. A
/// 100-event append took 47 ms in one statement and 5 ms in ~6 KiB ones.
async fn insert_postgres(
    db: &impl ConnectionTrait,
    rows: &[Recorded],
    fingerprint: &FingerprintOf<'_>,
) -> Result<(), DbErr> {
    for batch in postgres_batches(rows, fingerprint) {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            PG_INSERT,
            [batch.into()],
        ))
        .await?;
    }
    Ok(())
}

/// [`insert`] on the append lease's own session ([`super::lease`]), with the NOTIFY when
/// `notify`: rows that fit one statement are one autocommit statement, a single round
/// trip; more go in a transaction.
pub(super) async fn insert_on_lease(
    conn: &mut sea_orm::sqlx::PgConnection,
    rows: &[Recorded],
    fingerprint: &FingerprintOf<'_>,
    notify: bool,
) -> Result<(), DbErr> {
    use sea_orm::sqlx::{self, Connection};
    let Some(last) = rows.last() else { return Ok(()) };
    let position = last.position.to_string();
    if let Some(typed) = typed_values(rows, fingerprint, notify.then_some(position.as_str())) {
        typed.execute(&mut *conn).await.map_err(super::lease::sqlx_err)?;
        return Ok(());
    }
    let mut batches = postgres_batches(rows, fingerprint);
    let Some(final_batch) = batches.pop() else {
        return Ok(());
    };
    let notified = |batch: String| {
        if notify {
            sqlx::query(PG_INSERT_AND_NOTIFY)
                .bind(batch)
                .bind(NOTIFY_CHANNEL)
                .bind(position.clone())
        } else {
            sqlx::query(PG_INSERT).bind(batch)
        }
    };
    if batches.is_empty() {
        notified(final_batch)
            .execute(&mut *conn)
            .await
            .map_err(super::lease::sqlx_err)?;
        return Ok(());
    }
    let mut txn = conn.begin().await.map_err(super::lease::sqlx_err)?;
    for batch in batches {
        sqlx::query(PG_INSERT)
            .bind(batch)
            .execute(&mut *txn)
            .await
            .map_err(super::lease::sqlx_err)?;
    }
    notified(final_batch)
        .execute(&mut *txn)
        .await
        .map_err(super::lease::sqlx_err)?;
    txn.commit().await.map_err(super::lease::sqlx_err)
}

/// At most this many rows go as typed parameters (12 a row) rather than as JSON: the common
/// group of one to a few commands. PostgreSQL spends about a quarter less on a row so than
/// on unpacking it from `jsonb_to_recordset` (3,100 against 2,400 single-row inserts a
/// second into `events` from one pgbench client, 2026-12-03).
const PG_TYPED_ROWS: usize = 8;

/// `rows` as one INSERT … VALUES with typed parameters (and the NOTIFY of `notify`'s
/// position), when they are few and small enough for one statement under
/// [`PG_STATEMENT_BYTES`]; `None` otherwise. One statement shape per row count, each
/// prepared once per session.
fn typed_values<'q>(
    rows: &[Recorded],
    fingerprint: &FingerprintOf<'_>,
    notify: Option<&str>,
) -> Option<sea_orm::sqlx::query::Query<'q, sea_orm::sqlx::Postgres, sea_orm::sqlx::postgres::PgArguments>> {
    use sea_orm::sqlx;
    if rows.len() > PG_TYPED_ROWS {
        return None;
    }
    let mut payloads = Vec::with_capacity(rows.len());
    let mut bytes = 0;
    for row in rows {
        let (kind, schema_version, payload) = row.event.to_stored();
        let payload = payload.to_string();
        bytes += payload.len() + 256;
        payloads.push((kind, schema_version, payload));
    }
    if bytes > PG_STATEMENT_BYTES {
        return None;
    }
    let mut sql = String::with_capacity(200 + rows.len() * 80);
    if notify.is_some() {
        sql.push_str("WITH inserted AS (");
    }
    sql.push_str("INSERT INTO events (");
    sql.push_str(COLUMNS);
    sql.push_str(") VALUES ");
    for i in 0..rows.len() {
        let n = i * 12;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(${}, ${}, ${}, ${}, ${}, ${}, ${}::jsonb, ${}, ${}, ${}, ${}, ${})",
            n + 1,
            n + 2,
            n + 3,
            n + 4,
            n + 5,
            n + 6,
            n + 7,
            n + 8,
            n + 9,
            n + 10,
            n + 11,
            n + 12
        ));
    }
    let after = rows.len() * 12;
    if notify.is_some() {
        sql.push_str(&format!(") SELECT pg_notify(${}, ${})", after + 1, after + 2));
    }
    // Built from the constants above and parameter numbers only.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (row, (kind, schema_version, payload)) in rows.iter().zip(payloads) {
        query = query
            .bind(row.position)
            .bind(row.id)
            .bind(row.stream_id)
            .bind(row.stream_version)
            .bind(kind)
            .bind(schema_version)
            .bind(payload)
            .bind(row.occurred_at)
            .bind(row.recorded_at)
            .bind(row.actor_id.clone())
            .bind(row.idempotency_key.clone())
            .bind(fingerprint(row).map(str::to_owned));
    }
    if let Some(position) = notify {
        query = query.bind(NOTIFY_CHANNEL).bind(position.to_owned());
    }
    Some(query)
}

/// PostgreSQL's INSERT of rows given as one JSON array.
macro_rules! pg_insert {
    () => {
        concat!(
            "INSERT INTO events (",
            columns!(),
            ") SELECT ",
            columns!(),
            " FROM jsonb_to_recordset($1::jsonb) AS r(position bigint, id uuid, stream_id uuid, \
             stream_version bigint, kind text, schema_version integer, payload jsonb, occurred_at timestamptz, \
             recorded_at timestamptz, actor_id text, idempotency_key text, idempotency_fingerprint text)"
        )
    };
}
const PG_INSERT: &str = pg_insert!();

/// [`PG_INSERT`] and the NOTIFY as one statement: a data-modifying WITH runs whether or not
/// its result is read.
const PG_INSERT_AND_NOTIFY: &str = concat!("WITH inserted AS (", pg_insert!(), ") SELECT pg_notify($2, $3)");

/// `rows` as JSON arrays of at most about [`PG_STATEMENT_BYTES`] each, in order.
fn postgres_batches(rows: &[Recorded], fingerprint: &FingerprintOf<'_>) -> Vec<String> {
    let at = |t: &chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let mut batches = Vec::new();
    let mut batch = String::from("[");
    for (i, row) in rows.iter().enumerate() {
        let (kind, schema_version, payload) = row.event.to_stored();
        let mut record = serde_json::json!({
            "position": row.position,
            "id": row.id,
            "stream_id": row.stream_id,
            "stream_version": row.stream_version,
            "kind": kind,
            "schema_version": schema_version,
            "payload": payload,
            "occurred_at": at(&row.occurred_at),
            "recorded_at": at(&row.recorded_at),
            "actor_id": row.actor_id,
            "idempotency_key": row.idempotency_key,
        });
        // Left out when absent (most rows): jsonb_to_recordset reads a missing member as NULL.
        if let (Some(fingerprint), Some(fields)) = (fingerprint(row), record.as_object_mut()) {
            fields.insert("idempotency_fingerprint".into(), fingerprint.into());
        }
        if batch.len() > 1 {
            batch.push(',');
        }
        batch.push_str(&record.to_string());
        if i + 1 == rows.len() || batch.len() >= PG_STATEMENT_BYTES {
            batch.push(']');
            batches.push(std::mem::replace(&mut batch, String::from("[")));
        }
    }
    batches
}

/// Rows go into a PostgreSQL statement until its JSON reaches this size (see
/// [`insert_postgres`]).
const PG_STATEMENT_BYTES: usize = 6 * 1024;

pub(super) async fn select(db: &impl ConnectionTrait, filter: Filter) -> Result<Vec<Recorded>, StoreError> {
    let backend = db.get_database_backend();
    let payload = if backend == DbBackend::Postgres {
        "payload::text AS payload"
    } else {
        "payload"
    };
    let columns = format!(
        "position, id, stream_id, stream_version, kind, schema_version, {payload}, \
         occurred_at, recorded_at, actor_id, idempotency_key"
    );
    let (condition, values) = match filter {
        Filter::Stream(stream_id) => ("stream_id = $1 ORDER BY stream_version", vec![uuid(backend, stream_id)]),
        Filter::After { position, limit } => (
            "position > $1 ORDER BY position LIMIT $2",
            vec![position.into(), i64::try_from(limit).unwrap_or(i64::MAX).into()],
        ),
        // Within a stream, positions grow with versions: one order for both.
        Filter::StreamAfter {
            stream_id,
            position,
            limit,
        } => (
            "stream_id = $1 AND position > $2 ORDER BY stream_version LIMIT $3",
            vec![
                uuid(backend, stream_id),
                position.into(),
                i64::try_from(limit).unwrap_or(i64::MAX).into(),
            ],
        ),
        Filter::Id(id) => ("id = $1", vec![uuid(backend, id)]),
    };
    let sql = format!("SELECT {columns} FROM events WHERE {condition}");
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    rows.iter().map(|row| decode(backend, row)).collect()
}

fn decode(backend: DbBackend, row: &QueryResult) -> Result<Recorded, StoreError> {
    let kind: String = row.try_get("", "kind")?;
    let payload: String = row.try_get("", "payload")?;
    let event = Event::from_stored_json(&kind, row.try_get("", "schema_version")?, &payload)?;
    Ok(Recorded {
        id: get_uuid(backend, row, "id")?,
        position: row.try_get("", "position")?,
        stream_id: get_uuid(backend, row, "stream_id")?,
        stream_version: row.try_get("", "stream_version")?,
        occurred_at: row.try_get("", "occurred_at")?,
        recorded_at: row.try_get("", "recorded_at")?,
        actor_id: row.try_get("", "actor_id")?,
        idempotency_key: row.try_get("", "idempotency_key")?,
        event,
    })
}

pub(super) fn uuid(backend: DbBackend, id: Uuid) -> Value {
    match backend {
        DbBackend::Sqlite => id.hyphenated().to_string().into(),
        _ => id.into(),
    }
}

pub(super) fn get_uuid(backend: DbBackend, row: &QueryResult, column: &str) -> Result<Uuid, DbErr> {
    match backend {
        DbBackend::Sqlite => {
            let text: String = row.try_get("", column)?;
            Uuid::parse_str(&text).map_err(|e| DbErr::Type(format!("events.{column} is not a UUID: {e}")))
        }
        _ => row.try_get("", column),
    }
}

async fn query_one(db: &impl ConnectionTrait, statement: Statement) -> Result<QueryResult, DbErr> {
    db.query_one_raw(statement)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("a row from an aggregate query".into()))
}
