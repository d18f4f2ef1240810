//! Sign-in through the school's CAS server (CAS 3.0 protocol).
//!
//! | route | what |
//! |---|---|
//! | `GET /auth/cas/login` | redirects to `{BANGFU_CAS_URL}/login?service={BANGFU_PUBLIC_URL}/auth/cas/callback` |
//! | `GET /auth/cas/callback?ticket=ST-…` | validates the ticket at `{BANGFU_CAS_URL}/p3/serviceValidate`; answers `{"token", "expiresAt", "subject"}` (a Bangfu token for 8 h), 401 `{"error": "<CAS code>"}` for a refused ticket, 403 `{"error": "NOT_REGISTERED"}` for a number Bangfu does not know |
//! | `POST /auth/cas/callback` (form field `logoutRequest`) | single logout from the CAS server: revokes the token issued for the `SessionIndex` ticket, on every instance (the `cas_sessions` table) |

use crate::app::App;
use crate::signin::Authenticator;
use crate::signin::tls::{self, ExtraRoots, TlsError};
use answer::{CasResponse, parse_service_response, session_index};
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;
use url::Url;

pub mod answer;

/// How long a token issued after a CAS sign-in is valid.
pub const CAS_TOKEN_TTL: Duration = Duration::from_secs(8 * 3_600);
const VALIDATE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
struct CasState {
    app: App,
    auth: Authenticator,
    /// `{cas}/login?service=…`, where the browser is sent.
    login: Url,
    /// `{cas}/p3/serviceValidate`, without its query.
    validate: Url,
    /// `{public}/auth/cas/callback`: the same string at login and at validation, or the
    /// CAS server refuses the ticket.
    service: String,
    client: reqwest::Client,
}

/// Why the CAS routes cannot be built (at start-up, never per request).
#[derive(Debug, thiserror::Error)]
pub enum CasSetupError {
    #[error("{setting} is not a URL: {source}")]
    Url {
        setting: &'static str,
        source: url::ParseError,
    },
    #[error("{setting} cannot have paths below it (expected e.g. https://cas.example.edu/cas)")]
    NotABase { setting: &'static str },
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// The `/auth/cas/*` routes for the CAS server at `cas_url` and this server's
/// public URL (a trailing slash on either makes no difference).
pub fn routes(
    app: App,
    auth: Authenticator,
    cas_url: &str,
    public_url: &str,
    roots: &ExtraRoots,
) -> Result<Router, CasSetupError> {
    let service = below("BANGFU_PUBLIC_URL", public_url, &["auth", "cas", "callback"])?.to_string();
    let mut login = below("BANGFU_CAS_URL", cas_url, &["login"])?;
    login.query_pairs_mut().append_pair("service", &service);
    let state = CasState {
        app,
        auth,
        login,
        validate: below("BANGFU_CAS_URL", cas_url, &["p3", "serviceValidate"])?,
        service,
        client: tls::client(VALIDATE_TIMEOUT, roots)?,
    };
    Ok(Router::new()
        .route("/auth/cas/login", get(login_redirect))
        .route("/auth/cas/callback", get(callback).post(single_logout))
        .with_state(state))
}

/// `base` with `segments` appended to its path.
fn below(setting: &'static str, base: &str, segments: &[&str]) -> Result<Url, CasSetupError> {
    let mut url = Url::parse(base).map_err(|source| CasSetupError::Url { setting, source })?;
    url.path_segments_mut()
        .map_err(|()| CasSetupError::NotABase { setting })?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

fn json_error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": code, "message": message.into() }))).into_response()
}

async fn login_redirect(State(cas): State<CasState>) -> Redirect {
    Redirect::to(cas.login.as_str())
}

async fn callback(State(cas): State<CasState>, Query(query): Query<HashMap<String, String>>) -> Response {
    let Some(ticket) = query.get("ticket").map(|t| t.trim()).filter(|t| !t.is_empty()) else {
        return json_error(
            StatusCode::BAD_REQUEST,
            "MISSING_TICKET",
            "no ticket: start at /auth/cas/login",
        );
    };
    if !is_ticket(ticket) {
        return json_error(
            StatusCode::BAD_REQUEST,
            "BAD_TICKET",
            "ticket: expected a CAS service ticket (letters, digits, '-', '.', '_'; at most 256)",
        );
    }
    let mut url = cas.validate.clone();
    url.query_pairs_mut()
        .append_pair("service", &cas.service)
        .append_pair("ticket", ticket);
    let body = match fetch_text(&cas.client, url).await {
        Ok(body) => body,
        Err(error) => {
            tracing::warn!(%error, "CAS ticket validation failed");
            return json_error(
                StatusCode::BAD_GATEWAY,
                "CAS_UNAVAILABLE",
                "the CAS server did not answer",
            );
        }
    };
    match parse_service_response(&body) {
        Err(error) => {
            tracing::warn!(%error, "the CAS server's answer is not a CAS 3.0 service response");
            json_error(
                StatusCode::BAD_GATEWAY,
                "CAS_BAD_RESPONSE",
                "the CAS server's answer could not be read",
            )
        }
        Ok(CasResponse::Failure { code, message }) => {
            tracing::info!(%code, "CAS refused a ticket");
            json_error(StatusCode::UNAUTHORIZED, &code, message)
        }
        Ok(CasResponse::Success { user, .. }) => {
            let registered = cas.app.state().person_by_number(user.as_str()).is_some();
            if !registered {
                return json_error(
                    StatusCode::FORBIDDEN,
                    "NOT_REGISTERED",
                    format!("{user} is not registered in Bangfu; ask the branch secretary to register this number"),
                );
            }
            let (token, claims) = match cas.auth.sign_in_with_ticket(&user, ticket, CAS_TOKEN_TTL).await {
                Ok(signed_in) => signed_in,
                Err(error) => return json_error(StatusCode::SERVICE_UNAVAILABLE, error.code(), error.to_string()),
            };
            let expires_at = i64::try_from(claims.exp)
                .ok()
                .and_then(|exp| chrono::DateTime::from_timestamp(exp, 0))
                .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            (
                [(header::CACHE_CONTROL, "no-store")],
                Json(json!({ "token": token, "expiresAt": expires_at, "subject": user })),
            )
                .into_response()
        }
    }
}

async fn fetch_text(client: &reqwest::Client, url: Url) -> Result<String, reqwest::Error> {
    client.get(url).send().await?.error_for_status()?.text().await
}

/// Single logout: the CAS server posts `logoutRequest`, a SAML document
/// whose `SessionIndex` is the service ticket.
async fn single_logout(State(cas): State<CasState>, Form(form): Form<HashMap<String, String>>) -> Response {
    let ticket = form.get("logoutRequest").and_then(|xml| session_index(xml));
    let Some(ticket) = ticket.filter(|t| is_ticket(t)) else {
        return json_error(
            StatusCode::BAD_REQUEST,
            "BAD_LOGOUT_REQUEST",
            "expected a form field logoutRequest with a SessionIndex",
        );
    };
    match cas.auth.revoke_ticket(&ticket).await {
        Ok(known) => {
            tracing::info!(known, "CAS single logout");
            (StatusCode::OK, Json(json!({ "ok": true }))).into_response()
        }
        Err(error) => json_error(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", error.to_string()),
    }
}

/// A service ticket as CAS issues them (`ST-…`: letters, digits, `-`, `.`, `_`).
/// Anything else is refused before it reaches the CAS server, so no markup sent
/// by a client can come back inside the server's answer.
pub fn is_ticket(ticket: &str) -> bool {
    (1..=256).contains(&ticket.len())
        && ticket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets() {
        assert!(is_ticket("ST-12-abcDEF.cas_01"));
        assert!(!is_ticket(""));
        assert!(!is_ticket("ST-1<cas:user>"));
        assert!(!is_ticket("ST-1 2"));
        assert!(!is_ticket(&"S".repeat(257)));
    }

    #[test]
    fn urls_below_a_base() {
        let url = |base, segments: &[&str]| below("BANGFU_CAS_URL", base, segments).map(|url| url.to_string());
        assert_eq!(
            url("https://cas.example.edu/cas/", &["login"]).unwrap(),
            "https://cas.example.edu/cas/login"
        );
        assert_eq!(
            url("https://bangfu.example.edu", &["auth", "cas", "callback"]).unwrap(),
            "https://bangfu.example.edu/auth/cas/callback"
        );
        assert_eq!(
            url("http://127.0.0.1:8080/bangfu", &["p3", "serviceValidate"]).unwrap(),
            "http://127.0.0.1:8080/bangfu/p3/serviceValidate"
        );
        assert!(matches!(
            below("BANGFU_CAS_URL", "mailto:cas@example.edu", &["login"]),
            Err(CasSetupError::NotABase { .. })
        ));
        assert!(matches!(
            below("BANGFU_CAS_URL", "cas.example.edu", &["login"]),
            Err(CasSetupError::Url { .. })
        ));
    }
}
