//! `GET /exports/templates/people.xlsx`: the roster template the import reads
//! ([`crate::imports::template`]), for any signed-in caller (`Authorization: Bearer`).

use super::HttpError;
use crate::signin::{Actor, Authenticator};
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// 花名册模板.xlsx, percent-encoded for `filename*` (RFC 6266).
const DISPOSITION: &str =
    "attachment; filename=\"people.xlsx\"; filename*=UTF-8''%E8%8A%B1%E5%90%8D%E5%86%8C%E6%A8%A1%E6%9D%BF.xlsx";

pub(super) fn routes(auth: Authenticator) -> Router {
    Router::new()
        .route("/exports/templates/people.xlsx", get(people))
        .with_state(auth)
}

/// The template; the caller need only be signed in (it holds no one's data).
async fn people(_actor: Actor) -> Response {
    match tokio::task::spawn_blocking(crate::imports::template::write).await {
        Ok(Ok(bytes)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(XLSX)),
                (header::CONTENT_DISPOSITION, HeaderValue::from_static(DISPOSITION)),
            ],
            bytes,
        )
            .into_response(),
        Ok(Err(error)) => {
            tracing::error!(%error, "the roster template could not be written");
            HttpError::internal().into_response()
        }
        Err(error) => {
            tracing::error!(%error, "the roster template's writer stopped");
            HttpError::internal().into_response()
        }
    }
}
