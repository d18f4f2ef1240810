//! The GraphiQL page and its files, embedded in the binary and served
//! offline; in production only to administrators.

use super::{HttpError, HttpState};
use crate::signin::bearer;
use axum::extract::Path;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

/// The page, or in production 404 unless the request carries an
/// administrator's token (`Authorization` header or `?token=`).
pub(super) async fn serve_page(state: &HttpState, query: Option<&str>, headers: &HeaderMap) -> Response {
    if state.production && !admin_for_graphiql(state, query, headers).await {
        return HttpError::not_found("not found").into_response();
    }
    page()
}

/// In production, whether a GraphiQL page request carries an administrator's
/// token, in the `Authorization` header or as `?token=`.
async fn admin_for_graphiql(state: &HttpState, query: Option<&str>, headers: &HeaderMap) -> bool {
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| bearer(Some(value)).ok())
        .map(str::to_owned);
    let from_query = query.and_then(|query| {
        query.split('&').find_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            (name == "token" && !value.is_empty()).then(|| value.to_owned())
        })
    });
    match from_header.or(from_query) {
        Some(token) => match state.auth.verify(&token).await {
            Ok(actor) => {
                domain::access::Caller::new(&state.app.state(), &actor.subject, actor.admin).administers_something()
            }
            Err(_) => false,
        },
        None => false,
    }
}

/// Everything the page loads comes from this server; the policy makes the
/// browser hold it to that.
const GRAPHIQL_CSP: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
    connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, GRAPHIQL_CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        include_str!("../../assets/graphiql/index.html"),
    )
        .into_response()
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// GraphiQL's files, embedded: `(name, content type, body)`.
static ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "graphiql.min.js",
        JS,
        include_bytes!("../../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        CSS,
        include_bytes!("../../assets/graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        JS,
        include_bytes!("../../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        JS,
        include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    ),
    (
        "bangfu-graphiql.js",
        JS,
        include_bytes!("../../assets/graphiql/bangfu-graphiql.js"),
    ),
    (
        "bangfu-graphiql.css",
        CSS,
        include_bytes!("../../assets/graphiql/bangfu-graphiql.css"),
    ),
    (
        "LICENSE-graphiql.txt",
        TEXT,
        include_bytes!("../../assets/graphiql/LICENSE-graphiql.txt"),
    ),
    (
        "LICENSE-react.txt",
        TEXT,
        include_bytes!("../../assets/graphiql/LICENSE-react.txt"),
    ),
    (
        "LICENSE-react-dom.txt",
        TEXT,
        include_bytes!("../../assets/graphiql/LICENSE-react-dom.txt"),
    ),
];

pub(super) async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            *body,
        )
            .into_response(),
        None => HttpError::not_found("no such GraphiQL asset").into_response(),
    }
}
