//! Bangfu's own tokens: HS256 JWTs with the claims `sub`, `exp`, `iat`,
//! `admin` and, after a CAS sign-in, `jti`; minted by `bangfu token` and the
//! CAS callback, verified with the key [`super::keys`] resolves.

use super::keys::{MIN_SECRET_BYTES, SecretError, resolve_secret};
use super::links::LinkKeys;
use super::{Actor, AuthError, LEEWAY_SECS, Session, TokenId, TokenVerifier, bearer, now_secs};
use crate::config::Config;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

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

/// The HS256 keys. Cheap to clone (shared).
#[derive(Clone)]
pub struct TokenKeys {
    inner: Arc<Keys>,
}

struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    links: LinkKeys,
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
                links: LinkKeys::derive(secret),
            }),
        })
    }

    /// Resolves the key the way `serve` and `token` both do.
    pub fn from_config(config: &Config) -> Result<TokenKeys, SecretError> {
        let secret = resolve_secret(config)?;
        TokenKeys::new(secret.as_bytes())
    }

    /// The keys of download links, derived from the same secret (see [`LinkKeys`]).
    pub fn links(&self) -> &LinkKeys {
        &self.inner.links
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

/// HS256 with Bangfu's key, and nothing else.
impl TokenVerifier for TokenKeys {
    fn accepts(&self, alg: Algorithm) -> bool {
        alg == Algorithm::HS256
    }

    async fn verify_token(&self, token: &str, _header: &Header) -> Result<(Actor, Session), AuthError> {
        let claims = self.verify_claims(token)?;
        let session = Session {
            token_id: claims.jti.map(TokenId),
            expires_at: claims.exp,
        };
        let actor = Actor {
            subject: claims.sub,
            admin: claims.admin,
        };
        Ok((actor, session))
    }
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

    #[tokio::test]
    async fn as_a_verifier_it_takes_hs256_only_and_keeps_the_session() {
        let keys = TokenKeys::new(SECRET).unwrap();
        assert!(keys.accepts(Algorithm::HS256));
        assert!(!keys.accepts(Algorithm::RS256) && !keys.accepts(Algorithm::ES256) && !keys.accepts(Algorithm::HS512));
        let now = now_secs();
        let token = keys.mint_claims(&Claims {
            sub: "2023000123".into(),
            exp: now + 60,
            iat: now,
            admin: false,
            jti: Some("abc".into()),
        });
        let header = jsonwebtoken::decode_header(&token).unwrap();
        let (actor, session) = keys.verify_token(&token, &header).await.unwrap();
        assert_eq!(actor.subject, "2023000123");
        assert_eq!(
            session,
            Session {
                token_id: Some(TokenId("abc".into())),
                expires_at: now + 60
            }
        );
    }

    #[test]
    fn short_secret_refused() {
        assert!(matches!(TokenKeys::new(b"short"), Err(SecretError::TooShort(5))));
    }
}
