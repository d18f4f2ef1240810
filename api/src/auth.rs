//! Bangfu's own tokens: HS256 JWTs with the claims `sub`, `exp`, `iat` and
//! `admin`, and the [`Actor`] a verified token becomes.
//!
//! The key comes from `BANGFU_JWT_SECRET`. Without one, the embedded SQLite
//! default generates a key on first start and keeps it beside the database
//! file (`<dbfile>.jwt-secret`, mode 0600), so tokens survive restarts.
//! PostgreSQL (several instances share one key) and production refuse to
//! start without a configured key.

use crate::config::{Backend, Config, ConfigError, Environment};
use crate::oidc::OidcVerifier;
use crate::store::CasSessions;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Shortest key accepted: 256 bits, the size of the HMAC-SHA256 output.
pub const MIN_SECRET_BYTES: usize = 32;
/// Clock skew tolerated on `exp`, in seconds.
pub const LEEWAY_SECS: u64 = 30;

/// Who is making a request, taken from a verified token. Resolvers read it
/// with `ctx.data::<Actor>()`; nothing else parses headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// A person's number, or any name for an administrator.
    pub subject: String,
    /// A bootstrap administrator (`admin: true` in the token).
    pub admin: bool,
}

/// The claims of Bangfu's own tokens.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub exp: u64,
    pub iat: u64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub admin: bool,
    /// The token's id, set on tokens issued after a CAS sign-in so a single
    /// logout can revoke them. Older tokens have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

/// Why a request carries no usable identity. The messages go to clients, so
/// they say what is wrong without echoing the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("authentication required: send `Authorization: Bearer <token>`")]
    Missing,
    #[error("malformed Authorization header: expected `Bearer <token>` with a JWT")]
    Malformed,
    #[error("invalid token: its signature or claims do not verify")]
    Invalid,
    #[error("token expired")]
    Expired,
    #[error("token revoked: its session was signed out")]
    Revoked,
    #[error("the sign-in cannot be checked right now; try again shortly")]
    Unavailable,
}

impl AuthError {
    /// The `extensions.code` a client gets: the revocation table not
    /// answering is no fault of the token.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Unavailable => "UNAVAILABLE",
            _ => "UNAUTHENTICATED",
        }
    }
}

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

/// The HS256 keys. Cheap to clone (shared).
#[derive(Clone)]
pub struct TokenKeys {
    inner: Arc<Keys>,
}

struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(<redacted>)")
    }
}

impl TokenKeys {
    /// Keys from a secret of at least [`MIN_SECRET_BYTES`] bytes.
    pub fn new(secret: &[u8]) -> Result<TokenKeys, SecretError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(SecretError::TooShort(secret.len()));
        }
        // The algorithm is fixed here and never taken from the token's header.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Ok(TokenKeys {
            inner: Arc::new(Keys {
                encoding: EncodingKey::from_secret(secret),
                decoding: DecodingKey::from_secret(secret),
                validation,
            }),
        })
    }

    /// Resolves the key the way `serve` and `token` both do.
    pub fn from_config(config: &Config) -> Result<TokenKeys, SecretError> {
        let secret = resolve_secret(config)?;
        TokenKeys::new(secret.as_bytes())
    }

    /// Signs a token for `subject`, valid for `ttl` from now.
    pub fn mint(&self, subject: &str, admin: bool, ttl: Duration) -> String {
        let iat = now_secs();
        self.mint_claims(&Claims {
            sub: subject.to_owned(),
            exp: iat.saturating_add(ttl.as_secs()),
            iat,
            admin,
            jti: None,
        })
    }

    /// Signs the given claims as they are (tests use it for expired tokens).
    pub fn mint_claims(&self, claims: &Claims) -> String {
        // HS256 over serializable plain data cannot fail: HMAC takes a key of
        // any length and the claims are strings and integers.
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.inner.encoding)
            .unwrap_or_else(|error| unreachable!("HS256 signing failed: {error}"))
    }

    /// Verifies signature, algorithm and expiry; returns who the token names.
    pub fn verify(&self, token: &str) -> Result<Actor, AuthError> {
        self.verify_claims(token).map(|claims| Actor {
            subject: claims.sub,
            admin: claims.admin,
        })
    }

    /// Like [`TokenKeys::verify`], returning all the claims.
    pub fn verify_claims(&self, token: &str) -> Result<Claims, AuthError> {
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.inner.decoding, &self.inner.validation).map_err(|error| {
                match error.kind() {
                    ErrorKind::ExpiredSignature => AuthError::Expired,
                    ErrorKind::InvalidToken | ErrorKind::Base64(_) | ErrorKind::Utf8(_) => AuthError::Malformed,
                    _ => AuthError::Invalid,
                }
            })?;
        let claims = data.claims;
        if claims.sub.trim().is_empty() {
            return Err(AuthError::Invalid);
        }
        Ok(claims)
    }

    /// Verifies the value of an `Authorization` header (`Bearer <token>`).
    pub fn verify_header(&self, value: Option<&str>) -> Result<Actor, AuthError> {
        self.verify(bearer(value)?)
    }
}

/// The token in an `Authorization` header value (`Bearer <token>`).
pub fn bearer(value: Option<&str>) -> Result<&str, AuthError> {
    let value = value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(AuthError::Missing)?;
    let (scheme, token) = value.split_once(' ').ok_or(AuthError::Malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Malformed);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(AuthError::Missing);
    }
    Ok(token)
}

/// Every way a request can say who it is: Bangfu's own HS256 tokens (those of CAS
/// sign-ins checked against their session, which single logout revokes) and, when an
/// issuer is configured, the school's OIDC tokens (RS256 / ES256). Cheap to clone.
#[derive(Clone)]
pub struct Authenticator {
    keys: TokenKeys,
    oidc: Option<Arc<OidcVerifier>>,
    cas_sessions: CasSessions,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("oidc", &self.oidc.is_some())
            .finish_non_exhaustive()
    }
}

/// What a verified token leaves for later checks: when it expires and, for a CAS
/// sign-in, the id of the session a single logout may revoke. A WebSocket keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub token_id: Option<TokenId>,
    /// Unix seconds (`exp`).
    pub expires_at: u64,
}

impl Authenticator {
    pub fn new(keys: TokenKeys, oidc: Option<OidcVerifier>, cas_sessions: CasSessions) -> Authenticator {
        Authenticator {
            keys,
            oidc: oidc.map(Arc::new),
            cas_sessions,
        }
    }

    pub fn keys(&self) -> &TokenKeys {
        &self.keys
    }

    /// Signs the token for a CAS sign-in with `ticket` and opens its session. The
    /// token's id is derived from the ticket, so any instance can revoke it on a single
    /// logout.
    pub async fn sign_in_with_ticket(
        &self,
        subject: &str,
        ticket: &str,
        ttl: Duration,
    ) -> Result<(String, Claims), AuthError> {
        let iat = now_secs();
        let id = token_id_for_ticket(ticket);
        let exp = iat.saturating_add(ttl.as_secs());
        // Kept past `exp` by the leeway the token itself is allowed.
        let until = exp.saturating_add(LEEWAY_SECS);
        self.cas_sessions.open(&id, until, iat).await.map_err(unavailable)?;
        let claims = Claims {
            sub: subject.to_owned(),
            exp,
            iat,
            admin: false,
            jti: Some(id),
        };
        Ok((self.keys.mint_claims(&claims), claims))
    }

    /// Single logout of the session that began with `ticket`: its token is refused from
    /// now on by every instance. Returns whether Bangfu had such a session.
    pub async fn revoke_ticket(&self, ticket: &str) -> Result<bool, AuthError> {
        self.cas_sessions
            .revoke(&token_id_for_ticket(ticket), now_secs())
            .await
            .map_err(unavailable)
    }

    /// Verifies a token of either kind. The header's `alg` only chooses
    /// which verifier to ask; each verifier accepts only its own algorithms
    /// (HS256 with Bangfu's secret; RS256 / ES256 matched to the provider's
    /// key type), so `none` and HS/RS confusion are refused.
    pub async fn verify(&self, token: &str) -> Result<Actor, AuthError> {
        self.verify_session(token).await.map(|(actor, _)| actor)
    }

    /// The actor, and what later checks of the same token need.
    pub async fn verify_session(&self, token: &str) -> Result<(Actor, Session), AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::Malformed)?;
        match header.alg {
            Algorithm::HS256 => self.verify_own(token).await,
            Algorithm::RS256 | Algorithm::ES256 => match &self.oidc {
                Some(oidc) => {
                    let (actor, expires_at) = oidc.verify(token, &header).await?;
                    let session = Session {
                        token_id: None,
                        expires_at,
                    };
                    Ok((actor, session))
                }
                None => Err(AuthError::Invalid),
            },
            _ => Err(AuthError::Invalid),
        }
    }

    /// Bangfu's own token. Only tokens with an id (CAS sign-ins) have a session to
    /// look up.
    async fn verify_own(&self, token: &str) -> Result<(Actor, Session), AuthError> {
        let claims = self.keys.verify_claims(token)?;
        let session = Session {
            token_id: claims.jti.map(TokenId),
            expires_at: claims.exp,
        };
        self.check(&session).await?;
        let actor = Actor {
            subject: claims.sub,
            admin: claims.admin,
        };
        Ok((actor, session))
    }

    /// Verifies the value of an `Authorization` header (`Bearer <token>`).
    pub async fn verify_header(&self, value: Option<&str>) -> Result<Actor, AuthError> {
        self.verify(bearer(value)?).await
    }

    /// Whether a token verified earlier still holds: not expired (with the leeway), and
    /// its CAS session, if it has one, not signed out.
    pub async fn check(&self, session: &Session) -> Result<(), AuthError> {
        if now_secs() > session.expires_at.saturating_add(LEEWAY_SECS) {
            return Err(AuthError::Expired);
        }
        match &session.token_id {
            Some(id) if !self.cas_sessions.is_open(&id.0).await.map_err(unavailable)? => Err(AuthError::Revoked),
            _ => Ok(()),
        }
    }
}

/// The id (`jti`) of a token a single logout can revoke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenId(String);

/// A token id that is a function of the CAS ticket (SHA-256, hex, 128 bits):
/// the ticket itself never leaves the server inside a token.
fn token_id_for_ticket(ticket: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(format!("bangfu-cas-ticket:{ticket}").as_bytes());
    digest[..16].iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A session could not be checked or stored: fail closed, say so.
fn unavailable(error: sea_orm::DbErr) -> AuthError {
    tracing::error!(%error, "the CAS session table cannot be read or written");
    AuthError::Unavailable
}

/// Where the generated key of a SQLite database lives, or `None` for an
/// in-memory database (which then gets a key for this process only).
pub fn secret_file_for(database_url: &str) -> Option<PathBuf> {
    let rest = database_url.trim().split_once(':')?.1;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, query),
        None => (rest, ""),
    };
    let in_memory = path.is_empty() || path == ":memory:" || query.split('&').any(|pair| pair == "mode=memory");
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

pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn round_trip() {
        let keys = TokenKeys::new(SECRET).unwrap();
        let token = keys.mint("20230001", false, Duration::from_secs(60));
        assert_eq!(
            keys.verify(&token).unwrap(),
            Actor {
                subject: "20230001".into(),
                admin: false
            }
        );
        let admin = keys.mint("root", true, Duration::from_secs(60));
        assert!(keys.verify_header(Some(&format!("Bearer {admin}"))).unwrap().admin);
    }

    #[test]
    fn refusals() {
        let keys = TokenKeys::new(SECRET).unwrap();
        let other = TokenKeys::new(b"another-key-another-key-another-key").unwrap();
        let forged = other.mint("root", true, Duration::from_secs(60));
        assert_eq!(keys.verify(&forged), Err(AuthError::Invalid));
        let now = now_secs();
        let expired = keys.mint_claims(&Claims {
            sub: "x".into(),
            exp: now - 3_600,
            iat: now - 7_200,
            admin: false,
            jti: None,
        });
        assert_eq!(keys.verify(&expired), Err(AuthError::Expired));
        assert_eq!(keys.verify("not-a-jwt"), Err(AuthError::Malformed));
        assert_eq!(keys.verify_header(None), Err(AuthError::Missing));
        assert_eq!(keys.verify_header(Some("Basic abc")), Err(AuthError::Malformed));
        // An unsigned token ("alg": "none") is refused.
        let none = format!(
            "{}.{}.",
            "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0",
            forged.split('.').nth(1).unwrap()
        );
        assert!(keys.verify(&none).is_err());
    }

    #[test]
    fn short_secret_refused() {
        assert!(matches!(TokenKeys::new(b"short"), Err(SecretError::TooShort(5))));
    }

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
    }
}
