//! Sign-in: who a request comes from, and the ways a person proves it.
//!
//! This file holds the words every part of sign-in shares: the [`Actor`] a
//! verified token becomes, the [`Session`] it leaves for later checks,
//! [`AuthError`], why a request carries no usable identity, and
//! [`TokenVerifier`], what each kind of token implements. The rest of the
//! server sees only these and the [`Authenticator`]; the core (`app`) sees
//! only the actor's subject.
//!
//! | module | its job |
//! |---|---|
//! | [`token`] | Bangfu's own tokens: HS256 JWTs, minted and verified ([`TokenKeys`]) |
//! | [`keys`] | where the HS256 key comes from: `BANGFU_JWT_SECRET`, or a file beside a SQLite database |
//! | [`oidc`] | the school's OpenID Connect tokens (RS256 / ES256), checked against the provider's keys |
//! | [`authenticator`] | every kind of token behind one [`Authenticator`], and the CAS sessions a single logout revokes |
//! | [`links`] | download links: one path, one caller, minutes, signed with a key derived from the HS256 secret |
//! | [`cas`] | the CAS 3.0 routes: login redirect, ticket validation, single logout |
//! | [`tls`] | the HTTPS client that reaches the school's sign-in servers |
//!
//! Dependencies run one way: [`token`] and [`oidc`] implement [`TokenVerifier`]
//! with this file's words and know nothing of each other or of the
//! [`Authenticator`] that asks them; [`cas`] uses the [`Authenticator`].

pub mod authenticator;
pub mod cas;
pub mod keys;
pub mod links;
pub mod oidc;
pub mod tls;
pub mod token;

pub use authenticator::Authenticator;
pub use links::{LinkError, LinkKeys};
pub use token::{Claims, TokenKeys};

use jsonwebtoken::{Algorithm, Header};
use std::future::Future;
use std::time::{SystemTime, UNIX_EPOCH};

/// Clock skew tolerated on `exp` (and OIDC's `nbf`), in seconds.
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

/// What a verified token leaves for later checks: when it expires and, for a CAS
/// sign-in, the id of the session a single logout may revoke. A WebSocket keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub token_id: Option<TokenId>,
    /// Unix seconds (`exp`).
    pub expires_at: u64,
}

/// One kind of token and how it is checked. The [`Authenticator`] reads a token's
/// header and asks the verifier that [`accepts`](TokenVerifier::accepts) its `alg`;
/// the verifier then checks the signature with its own keys and algorithms only, so
/// the header chooses a verifier but never what a signature is checked with.
pub trait TokenVerifier: Send + Sync {
    /// Whether tokens whose header names `alg` are this verifier's to check.
    fn accepts(&self, alg: Algorithm) -> bool;

    /// Checks `token` (its `header` already decoded): signature, algorithm and claims.
    /// Says who it names and what later checks need; expiry is checked here, a CAS
    /// session by the [`Authenticator`].
    fn verify_token(
        &self,
        token: &str,
        header: &Header,
    ) -> impl Future<Output = Result<(Actor, Session), AuthError>> + Send;
}

/// The id (`jti`) of a token a single logout can revoke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenId(String);

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

pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
