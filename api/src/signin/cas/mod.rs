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

pub mod answer;

/// How long a token issued after a CAS sign-in is valid.
pub const CAS_TOKEN_TTL: Duration = Duration::from_secs(8 * 3_600);
const VALIDATE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
struct CasState {
    app: App,
    auth: Authenticator,
    cas_url: String,
    service: String,
    client: reqwest::Client,
}

/// The `/auth/cas/*` routes for the CAS server at `cas_url` and this server's
/// public URL (both without a trailing slash).
pub fn routes(
    app: App,
    auth: Authenticator,
    cas_url: &str,
    public_url: &str,
    roots: &ExtraRoots,
) -> Result<Router, TlsError> {
    let client = tls::client(VALIDATE_TIMEOUT, roots)?;
    let state = CasState {
        app,
        auth,
        cas_url: cas_url.trim_end_matches('/').to_owned(),
        service: format!("{}/auth/cas/callback", public_url.trim_end_matches('/')),
        client,
    };
    Ok(Router::new()
        .route("/auth/cas/login", get(login))
        .route("/auth/cas/callback", get(callback).post(single_logout))
        .with_state(state))
}

fn json_error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": code, "message": message.into() }))).into_response()
}

async fn login(State(cas): State<CasState>) -> Response {
    match reqwest::Url::parse_with_params(&format!("{}/login", cas.cas_url), [("service", &cas.service)]) {
        Ok(url) => Redirect::to(url.as_str()).into_response(),
        Err(error) => {
            tracing::error!(%error, "BANGFU_CAS_URL does not make a login URL");
            json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "CAS_MISCONFIGURED",
                "the CAS URL is not valid",
            )
        }
    }
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
    let url = match reqwest::Url::parse_with_params(
        &format!("{}/p3/serviceValidate", cas.cas_url),
        [("service", cas.service.as_str()), ("ticket", ticket)],
    ) {
        Ok(url) => url,
        Err(error) => {
            tracing::error!(%error, "BANGFU_CAS_URL does not make a validation URL");
            return json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "CAS_MISCONFIGURED",
                "the CAS URL is not valid",
            );
        }
    };
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
            let registered = cas.app.state().person_by_number.contains_key(user.as_str());
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

async fn fetch_text(client: &reqwest::Client, url: reqwest::Url) -> Result<String, reqwest::Error> {
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
}
