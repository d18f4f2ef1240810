//! Uploads, as the GraphQL multipart request spec has them (the body is read by
//! `http/graphql.rs`): an `Upload` argument names a file of the request, and [`read`] gives
//! its bytes, bounded, to a resolver (`importPeople`; `attachFile` can share it).
//!
//! async-graphql marks an uploaded variable as the string `#__graphql_file__:N` and, asked
//! for a marker it did not set — in a JSON request, in a document literal, or past the
//! files it holds — would panic (an unchecked index and parse). [`Markers`] refuses such a
//! request before anything runs, on every transport (HTTP and WebSocket): a marker is valid
//! only as a variable of a multipart request, naming one of its files.

use crate::error::{ApiError, ApiResult};
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest};
use async_graphql::{Context, Request, ServerError, ServerResult, Upload, Value};
use std::sync::Arc;

/// How async-graphql marks an uploaded file in the variables.
const MARKER: &str = "#__graphql_file__:";

/// A file of the request.
#[derive(Clone, Debug)]
pub struct Uploaded {
    /// The name the client gave it (never trusted for its type: judge the bytes).
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// The bytes of an uploaded file, refused (`BAD_INPUT` on `field`) past `max` bytes.
pub(crate) fn read(ctx: &Context<'_>, file: &Upload, field: &'static str, max: usize) -> ApiResult<Uploaded> {
    let value = file
        .value(ctx)
        .map_err(|e| ApiError::Internal(format!("an uploaded file could not be read: {e}")))?;
    if value.content.len() > max {
        return Err(ApiError::bad(
            field,
            format!("the file is {} bytes; at most {max} are accepted", value.content.len()),
        ));
    }
    Ok(Uploaded {
        filename: value.filename,
        bytes: value.content.to_vec(),
    })
}

/// The extension that refuses upload markers not set by the multipart reader.
pub struct Markers;

impl ExtensionFactory for Markers {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Markers)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Markers {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        check(&request)?;
        next.run(ctx, request).await
    }
}

fn check(request: &Request) -> ServerResult<()> {
    let refused = |message: &str| {
        let mut error = ServerError::new(message, None);
        let mut extensions = async_graphql::ErrorExtensionValues::default();
        extensions.set("code", "BAD_REQUEST");
        error.extensions = Some(extensions);
        Err(error)
    };
    if request.query.contains(MARKER) {
        return refused("a file is sent as a variable of a multipart request, never in the document");
    }
    let files = request.uploads.len();
    if request.variables.values().all(|value| markers_valid(value, files)) {
        Ok(())
    } else {
        refused("a variable names a file the request does not carry: send files as multipart parts named in `map`")
    }
}

/// Every marker within `value` names one of the request's `files`.
fn markers_valid(value: &Value, files: usize) -> bool {
    match value {
        Value::String(text) => text
            .strip_prefix(MARKER)
            .is_none_or(|index| index.parse::<usize>().is_ok_and(|index| index < files)),
        Value::List(items) => items.iter().all(|item| markers_valid(item, files)),
        Value::Object(fields) => fields.values().all(|field| markers_valid(field, files)),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_markers_of_the_requests_own_files_pass() {
        let with = |vars: serde_json::Value| {
            Request::new("mutation($f: Upload!){ x(file: $f) }").variables(async_graphql::Variables::from_json(vars))
        };
        assert!(check(&with(serde_json::json!({"f": "plain text"}))).is_ok());
        for bad in [
            "#__graphql_file__:0",
            "#__graphql_file__:x",
            "#__graphql_file__:99999999999999999999",
        ] {
            assert!(check(&with(serde_json::json!({"f": bad}))).is_err(), "{bad}");
            assert!(
                check(&with(serde_json::json!({"deep": [{"f": bad}]}))).is_err(),
                "{bad}"
            );
        }
        assert!(check(&Request::new("{ x(file: \"#__graphql_file__:0\") }")).is_err());
    }
}
