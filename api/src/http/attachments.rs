//! `GET /exports/attachments/{id}`: an attached scan's bytes, as they were uploaded, for
//! those who may read what it is attached to (a bearer token, or a link `Attachment.downloadUrl`
//! handed out).

use super::HttpError;
use super::exports::{attachment, caller, id, may};
use crate::app::App;
use crate::signin::Authenticator;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

#[derive(Clone)]
struct Downloads {
    app: App,
    auth: Authenticator,
}

pub(super) fn routes(app: App, auth: Authenticator) -> Router {
    Router::new()
        .route("/exports/attachments/{id}", get(download))
        .with_state(Downloads { app, auth })
}

async fn download(
    State(dl): State<Downloads>,
    Path(attachment_id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let actor = caller(&dl.auth, &uri, &headers).await?;
        let wanted = id(&attachment_id, "attachmentId")?;
        let missing = || HttpError::not_found(format!("no attachment with id {wanted}"));
        let (right, file) = {
            let state = dl.app.state();
            let (to, subject, file) = state.attachment(wanted).ok_or_else(missing)?;
            (domain::access::right_to_read_attachment(to, subject), file.clone())
        };
        may(&dl.app, &actor, right)?;
        let bytes = dl.app.store().files().get(&file.sha256).await.map_err(|error| {
            tracing::error!(%error, "an attachment's bytes could not be read");
            HttpError::internal()
        })?;
        let Some(bytes) = bytes else {
            tracing::error!(sha256 = %file.sha256, attachment = %wanted, "an attachment's bytes are missing");
            return Err(HttpError::internal());
        };
        let fallback = format!("attachment.{}", file.kind.extension());
        let mut response = (attachment(file.kind.content_type(), &fallback, &file.filename), bytes).into_response();
        // The type is the one judged at upload: a browser must not guess another.
        response
            .headers_mut()
            .insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=600"));
        Ok::<Response, HttpError>(response)
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}
