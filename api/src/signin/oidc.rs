//! Tokens from the school's OpenID Connect provider.
//!
//! The discovery document at `{issuer}/.well-known/openid-configuration`
//! names the `jwks_uri`; its keys are fetched on the first OIDC token and
//! cached. A token whose `kid` is not in the cache makes the verifier fetch
//! the set again, at most once every [`MIN_REFRESH`] (key rotation without
//! letting forged `kid`s hammer the provider).
//!
//! The algorithm is never taken from the token alone: a key is usable only
//! with the one algorithm its type allows (RSA → RS256, EC P-256 → ES256,
//! nothing else), and the token's header must name that algorithm. `iss`,
//! `aud`, `exp` and `nbf` are checked with [`LEEWAY_SECS`] of clock skew.
//! The token's `sub` is the person's number.

use super::tls::{self, ExtraRoots, TlsError};
use super::{Actor, AuthError, LEEWAY_SECS, Session, TokenVerifier};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation, errors::ErrorKind};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// Shortest time between two fetches of the key set.
pub const MIN_REFRESH: Duration = Duration::from_secs(3);
/// How long a fetch of the discovery document or the keys may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Verifies OIDC tokens of one issuer for one audience.
pub struct OidcVerifier {
    issuer: String,
    audience: String,
    client: reqwest::Client,
    keys: RwLock<HashMap<String, Arc<OidcKey>>>,
    refresh: tokio::sync::Mutex<Refresh>,
}

struct OidcKey {
    key: DecodingKey,
    alg: Algorithm,
}

#[derive(Default)]
struct Refresh {
    jwks_uri: Option<String>,
    last_fetch: Option<Instant>,
}

#[derive(Deserialize)]
struct OidcClaims {
    sub: String,
    exp: u64,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: Option<String>,
    jwks_uri: String,
}

/// Why the keys could not be fetched (logged, never shown to clients).
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    #[error("the discovery document names the issuer {found:?}, not {expected:?}")]
    IssuerMismatch { found: String, expected: String },
    #[error("the key set has no `keys` array")]
    NoKeys,
}

impl OidcVerifier {
    /// A verifier for `issuer` (no trailing slash) and `audience`. Fetches
    /// nothing yet.
    pub fn new(issuer: &str, audience: &str, roots: &ExtraRoots) -> Result<OidcVerifier, TlsError> {
        let client = tls::client(FETCH_TIMEOUT, roots)?;
        Ok(OidcVerifier {
            issuer: issuer.trim_end_matches('/').to_owned(),
            audience: audience.to_owned(),
            client,
            keys: RwLock::new(HashMap::new()),
            refresh: tokio::sync::Mutex::new(Refresh::default()),
        })
    }

    fn cached(&self, kid: &str) -> Option<Arc<OidcKey>> {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(kid)
            .cloned()
    }

    /// Fetches the key set again unless `kid` arrived meanwhile or the last
    /// fetch was less than [`MIN_REFRESH`] ago.
    async fn refresh_for(&self, kid: &str) {
        let mut refresh = self.refresh.lock().await;
        if self.cached(kid).is_some() {
            return;
        }
        if refresh.last_fetch.is_some_and(|at| at.elapsed() < MIN_REFRESH) {
            return;
        }
        refresh.last_fetch = Some(Instant::now());
        match self.fetch(&mut refresh).await {
            Ok(keys) => {
                tracing::info!(issuer = %self.issuer, keys = keys.len(), "fetched the OIDC signing keys");
                *self.keys.write().unwrap_or_else(PoisonError::into_inner) = keys;
            }
            Err(error) => {
                // A failed discovery is retried next time from the start.
                refresh.jwks_uri = None;
                tracing::warn!(issuer = %self.issuer, %error, "cannot fetch the OIDC signing keys");
            }
        }
    }

    async fn fetch(&self, refresh: &mut Refresh) -> Result<HashMap<String, Arc<OidcKey>>, FetchError> {
        let jwks_uri = match &refresh.jwks_uri {
            Some(uri) => uri.clone(),
            None => {
                let url = format!("{}/.well-known/openid-configuration", self.issuer);
                let discovery: Discovery = self.client.get(url).send().await?.error_for_status()?.json().await?;
                if let Some(found) = &discovery.issuer
                    && found.trim_end_matches('/') != self.issuer
                {
                    return Err(FetchError::IssuerMismatch {
                        found: found.clone(),
                        expected: self.issuer.clone(),
                    });
                }
                refresh.jwks_uri = Some(discovery.jwks_uri.clone());
                discovery.jwks_uri
            }
        };
        let set: serde_json::Value = self
            .client
            .get(jwks_uri)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let entries = set
            .get("keys")
            .and_then(serde_json::Value::as_array)
            .ok_or(FetchError::NoKeys)?;
        // One key of a kind we do not know does not spoil the others.
        let keys = entries
            .iter()
            .filter_map(|entry| serde_json::from_value::<Jwk>(entry.clone()).ok())
            .filter_map(|jwk| usable_key(&jwk))
            .collect();
        Ok(keys)
    }
}

impl TokenVerifier for OidcVerifier {
    fn accepts(&self, alg: Algorithm) -> bool {
        matches!(alg, Algorithm::RS256 | Algorithm::ES256)
    }

    /// An RS256 / ES256 token signed with a key of the provider's set, checked with the
    /// one algorithm that key's type allows. OIDC tokens have no session to revoke.
    async fn verify_token(&self, token: &str, header: &Header) -> Result<(Actor, Session), AuthError> {
        let kid = header.kid.as_deref().ok_or(AuthError::Invalid)?;
        let key = match self.cached(kid) {
            Some(key) => key,
            None => {
                self.refresh_for(kid).await;
                self.cached(kid).ok_or(AuthError::Invalid)?
            }
        };
        if header.alg != key.alg {
            return Err(AuthError::Invalid);
        }
        let mut validation = Validation::new(key.alg);
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[self.issuer.clone(), format!("{}/", self.issuer)]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data =
            jsonwebtoken::decode::<OidcClaims>(token, &key.key, &validation).map_err(|error| match error.kind() {
                ErrorKind::ExpiredSignature => AuthError::Expired,
                ErrorKind::InvalidToken | ErrorKind::Base64(_) | ErrorKind::Utf8(_) => AuthError::Malformed,
                _ => AuthError::Invalid,
            })?;
        let subject = data.claims.sub.trim();
        if subject.is_empty() {
            return Err(AuthError::Invalid);
        }
        let actor = Actor {
            subject: subject.to_owned(),
            admin: false,
        };
        let session = Session {
            token_id: None,
            expires_at: data.claims.exp,
        };
        Ok((actor, session))
    }
}

/// `(kid, key)` for a signature key of a type Bangfu accepts, with the one
/// algorithm that type allows.
fn usable_key(jwk: &Jwk) -> Option<(String, Arc<OidcKey>)> {
    let kid = jwk.common.key_id.clone()?;
    if matches!(
        jwk.common.public_key_use,
        Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
    ) {
        return None;
    }
    let (alg, key_alg) = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => (Algorithm::RS256, KeyAlgorithm::RS256),
        AlgorithmParameters::EllipticCurve(params) if params.curve == EllipticCurve::P256 => {
            (Algorithm::ES256, KeyAlgorithm::ES256)
        }
        _ => return None,
    };
    if jwk.common.key_algorithm.is_some_and(|declared| declared != key_alg) {
        return None;
    }
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some((kid, Arc::new(OidcKey { key, alg })))
}
