//! Where the key of Bangfu's own tokens comes from.
//!
//! The key comes from `BANGFU_JWT_SECRET`. Without one, the embedded SQLite
//! default generates a key on first start and keeps it beside the database
//! file (`<dbfile>.jwt-secret`, mode 0600), so tokens survive restarts.
//! PostgreSQL (several instances share one key) and production refuse to
//! start without a configured key.

use crate::config::{Backend, Config, ConfigError, Environment};
use std::path::{Path, PathBuf};

/// Shortest key accepted: 256 bits, the size of the HMAC-SHA256 output.
pub const MIN_SECRET_BYTES: usize = 32;

/// Why the signing key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("BANGFU_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes (it has {0})")]
    TooShort(usize),
    #[error(
        "BANGFU_JWT_SECRET is required with PostgreSQL (every instance must share the key); generate one with e.g. `openssl rand -hex 32`"
    )]
    RequiredForPostgres,
    #[error("BANGFU_JWT_SECRET is required when BANGFU_ENV=production; generate one with e.g. `openssl rand -hex 32`")]
    RequiredInProduction,
    #[error("JWT secret file {path}: {source}")]
    File { path: PathBuf, source: std::io::Error },
    #[error("JWT secret file {0} is shorter than {MIN_SECRET_BYTES} bytes; delete it to generate a new one")]
    FileTooShort(PathBuf),
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Where the generated key of a SQLite database lives, or `None` for an
/// in-memory database (which then gets a key for this process only).
///
/// The file is found the way sqlx finds the database: a `sqlite:` URL is not read as
/// a URL (`sqlite://bangfu.db` names a file, not a host), only split at its `?`; the
/// options after it are a form-encoded query.
pub fn secret_file_for(database_url: &str) -> Option<PathBuf> {
    let rest = database_url.trim().split_once(':')?.1;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, options) = rest.split_once('?').unwrap_or((rest, ""));
    let in_memory = path.is_empty()
        || path == ":memory:"
        || url::form_urlencoded::parse(options.as_bytes()).any(|(name, value)| name == "mode" && value == "memory");
    if in_memory {
        return None;
    }
    Some(PathBuf::from(format!("{path}.jwt-secret")))
}

/// `BANGFU_JWT_SECRET` if set; else for SQLite the key kept beside the
/// database file (generated on first use); else an error.
pub fn resolve_secret(config: &Config) -> Result<String, SecretError> {
    if let Some(secret) = &config.jwt_secret {
        let secret = secret.expose();
        if secret.len() < MIN_SECRET_BYTES {
            return Err(SecretError::TooShort(secret.len()));
        }
        return Ok(secret.to_owned());
    }
    if config.environment == Environment::Production {
        return Err(SecretError::RequiredInProduction);
    }
    match config.backend()? {
        Backend::Postgres => Err(SecretError::RequiredForPostgres),
        Backend::Sqlite => match secret_file_for(&config.database_url) {
            Some(path) => load_or_create_secret_file(&path),
            None => {
                tracing::warn!(
                    "BANGFU_JWT_SECRET is not set and the database is in memory: \
                     using a key for this process only"
                );
                Ok(generate_secret())
            }
        },
    }
}

fn generate_secret() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

fn load_or_create_secret_file(path: &Path) -> Result<String, SecretError> {
    let file_error = |source| SecretError::File {
        path: path.to_owned(),
        source,
    };
    match create_secret_file(path) {
        Ok(secret) => {
            tracing::warn!(
                path = %path.display(),
                "BANGFU_JWT_SECRET is not set: generated a signing key and stored it beside the \
                 database; set BANGFU_JWT_SECRET for production"
            );
            Ok(secret)
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            let secret = std::fs::read_to_string(path).map_err(file_error)?;
            let secret = secret.trim();
            if secret.len() < MIN_SECRET_BYTES {
                return Err(SecretError::FileTooShort(path.to_owned()));
            }
            tracing::warn!(
                path = %path.display(),
                "BANGFU_JWT_SECRET is not set: using the signing key stored beside the database"
            );
            Ok(secret.to_owned())
        }
        Err(error) => Err(file_error(error)),
    }
}

/// Creates the file only if it does not exist, readable by its owner only.
fn create_secret_file(path: &Path) -> std::io::Result<String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    let secret = generate_secret();
    let written = file.write_all(secret.as_bytes()).and_then(|()| file.sync_all());
    if let Err(error) = written {
        // Leave no half-written key behind for the next start to trust.
        let _ = std::fs::remove_file(path);
        return Err(error);
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_file_paths() {
        assert_eq!(
            secret_file_for("sqlite://bangfu.db?mode=rwc"),
            Some(PathBuf::from("bangfu.db.jwt-secret"))
        );
        assert_eq!(
            secret_file_for("sqlite:///var/lib/bangfu/b.db"),
            Some(PathBuf::from("/var/lib/bangfu/b.db.jwt-secret"))
        );
        assert_eq!(secret_file_for("sqlite::memory:"), None);
        assert_eq!(secret_file_for("sqlite://x.db?mode=memory"), None);
        assert_eq!(secret_file_for("sqlite://x.db?cache=shared&mode=memory"), None);
        assert_eq!(secret_file_for("sqlite://x.db?mode=%6Demory"), None);
        assert_eq!(
            secret_file_for("sqlite:x.db?mode=rwc&cache=shared"),
            Some(PathBuf::from("x.db.jwt-secret"))
        );
    }
}
