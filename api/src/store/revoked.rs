//! Tokens revoked by CAS single logout, in the `revoked_tokens` table beside
//! the log, so a logout received by one instance holds on all of them.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

/// The revoked token ids. Cheap to clone (shares the pool).
#[derive(Clone, Debug)]
pub struct RevokedTokens {
    db: DatabaseConnection,
}

impl RevokedTokens {
    pub(super) fn new(db: DatabaseConnection) -> RevokedTokens {
        RevokedTokens { db }
    }

    /// Revokes `token_id` until `expires_at` (Unix seconds), and forgets the
    /// revocations that have outlived their tokens (`now`, Unix seconds).
    pub async fn revoke(&self, token_id: &str, expires_at: u64, now: u64) -> Result<(), DbErr> {
        let backend = self.db.get_database_backend();
        let insert = Statement::from_sql_and_values(
            backend,
            "INSERT INTO revoked_tokens (token_id, expires_at) VALUES ($1, $2) ON CONFLICT (token_id) DO NOTHING",
            [token_id.into(), seconds(expires_at).into()],
        );
        self.db.execute_raw(insert).await?;
        let prune = Statement::from_sql_and_values(
            backend,
            "DELETE FROM revoked_tokens WHERE expires_at < $1",
            [seconds(now).into()],
        );
        self.db.execute_raw(prune).await?;
        Ok(())
    }

    pub async fn is_revoked(&self, token_id: &str) -> Result<bool, DbErr> {
        let backend = self.db.get_database_backend();
        let select = Statement::from_sql_and_values(
            backend,
            "SELECT 1 AS revoked FROM revoked_tokens WHERE token_id = $1",
            [token_id.into()],
        );
        Ok(self.db.query_one_raw(select).await?.is_some())
    }
}

/// Unix seconds as the column's BIGINT (saturating: no date is that far off).
fn seconds(unix: u64) -> i64 {
    i64::try_from(unix).unwrap_or(i64::MAX)
}
