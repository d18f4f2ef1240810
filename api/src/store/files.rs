//! The bytes of attached files, in the `files` table beside the log, by their SHA-256: the
//! same scan attached twice is kept once, and every instance serves what any one stored.

use super::StoreError;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use sha2::{Digest, Sha256};

/// The file table. Cheap to clone (shares the pool).
#[derive(Clone, Debug)]
pub struct Files {
    db: DatabaseConnection,
}

impl Files {
    pub(super) fn new(db: DatabaseConnection) -> Files {
        Files { db }
    }

    fn statement(&self, sql: &str, values: impl IntoIterator<Item = sea_orm::Value>) -> Statement {
        Statement::from_sql_and_values(self.db.get_database_backend(), sql, values)
    }

    /// Keeps the content under its SHA-256, the key it is read back by. Bytes kept already
    /// are left as they are.
    pub async fn put(&self, content: Content) -> Result<(), StoreError> {
        let Content { sha256, bytes } = content;
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let insert = self.statement(
            "INSERT INTO files (sha256, size, bytes) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING",
            [sha256.into(), size.into(), bytes.into()],
        );
        self.db.execute_raw(insert).await?;
        Ok(())
    }

    /// The bytes kept under `sha256`, if any.
    pub async fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let select = self.statement("SELECT bytes FROM files WHERE sha256 = $1", [sha256.into()]);
        match self.db.query_one_raw(select).await? {
            Some(row) => Ok(Some(row.try_get::<Vec<u8>>("", "bytes")?)),
            None => Ok(None),
        }
    }
}

/// Bytes with their SHA-256, digested once: the key is always that of the bytes.
pub struct Content {
    sha256: String,
    bytes: Vec<u8>,
}

impl Content {
    pub fn new(bytes: Vec<u8>) -> Content {
        Content {
            sha256: sha256_hex(&bytes),
            bytes,
        }
    }

    /// Lowercase hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// SHA-256 in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}
