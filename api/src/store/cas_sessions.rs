//! The sessions opened by CAS sign-ins, in the `cas_sessions` table beside the log, so
//! that a single logout received by one instance holds on all of them.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

/// Open and revoked CAS sessions, by token id. Cheap to clone (shares the pool).
#[derive(Clone, Debug)]
pub struct CasSessions {
    db: DatabaseConnection,
}

impl CasSessions {
    pub(super) fn new(db: DatabaseConnection) -> CasSessions {
        CasSessions { db }
    }

    fn statement(&self, sql: &str, values: impl IntoIterator<Item = sea_orm::Value>) -> Statement {
        Statement::from_sql_and_values(self.db.get_database_backend(), sql, values)
    }

    /// Opens the session of a token just issued, valid until `expires_at`, and forgets the
    /// sessions that ended before `now` (all times Unix seconds).
    pub async fn open(&self, token_id: &str, expires_at: u64, now: u64) -> Result<(), DbErr> {
        let prune = self.statement("DELETE FROM cas_sessions WHERE expires_at < $1", [seconds(now).into()]);
        self.db.execute_raw(prune).await?;
        let insert = self.statement(
            "INSERT INTO cas_sessions (token_id, expires_at) VALUES ($1, $2) ON CONFLICT (token_id) DO NOTHING",
            [token_id.into(), seconds(expires_at).into()],
        );
        self.db.execute_raw(insert).await?;
        Ok(())
    }

    /// Revokes an open session; returns whether there was one (a logout for a ticket
    /// Bangfu never exchanged changes nothing).
    pub async fn revoke(&self, token_id: &str, now: u64) -> Result<bool, DbErr> {
        let update = self.statement(
            "UPDATE cas_sessions SET revoked_at = $1 WHERE token_id = $2 AND revoked_at IS NULL",
            [seconds(now).into(), token_id.into()],
        );
        Ok(self.db.execute_raw(update).await?.rows_affected() > 0)
    }

    /// Open and not revoked. A token whose session is unknown (pruned, or never
    /// recorded) counts as signed out.
    pub async fn is_open(&self, token_id: &str) -> Result<bool, DbErr> {
        let select = self.statement(
            "SELECT 1 AS open FROM cas_sessions WHERE token_id = $1 AND revoked_at IS NULL",
            [token_id.into()],
        );
        Ok(self.db.query_one_raw(select).await?.is_some())
    }
}

/// Unix seconds as the column's BIGINT (saturating: no date is that far off).
fn seconds(unix: u64) -> i64 {
    i64::try_from(unix).unwrap_or(i64::MAX)
}
