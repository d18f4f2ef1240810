//! Every way a request can say who it is, behind one [`Authenticator`]: Bangfu's
//! own HS256 tokens (those of CAS sign-ins checked against their session, which
//! single logout revokes) and, when an issuer is configured, the school's OIDC
//! tokens (RS256 / ES256).

use super::oidc::OidcVerifier;
use super::token::{Claims, TokenKeys};
use super::{Actor, AuthError, LEEWAY_SECS, Session, TokenVerifier, bearer, now_secs};
use crate::store::CasSessions;
use std::sync::Arc;
use std::time::Duration;

/// The verifiers the configuration allows, and the CAS sessions. Cheap to clone.
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
        let verified = if self.keys.accepts(header.alg) {
            self.keys.verify_token(token, &header).await?
        } else {
            match self.oidc.as_deref() {
                Some(oidc) if oidc.accepts(header.alg) => oidc.verify_token(token, &header).await?,
                // `none`, other algorithms, or OIDC tokens with no issuer configured.
                _ => return Err(AuthError::Invalid),
            }
        };
        // Only tokens with an id (CAS sign-ins) have a session to look up.
        self.check(&verified.1).await?;
        Ok(verified)
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
