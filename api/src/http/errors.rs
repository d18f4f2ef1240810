//! One refusal type for everything the HTTP shell answers itself: every body
//! is a GraphQL error body with `extensions.code`, never plain text.
//!
//! | status | code | when |
//! |---|---|---|
//! | 400 | `BAD_REQUEST` | the body cannot be read as a GraphQL request (not JSON, no query, a field of the wrong type, …) |
//! | 400 | `BAD_INPUT` (`field: "batch"`) | an empty batch, or more than [`super::MAX_BATCH`] operations |
//! | 401 / 503 | `UNAUTHENTICATED` / `UNAVAILABLE` | see [`super::Unauthenticated`] |
//! | 404 | `NOT_FOUND` | no such page (GraphiQL in production without an administrator's token) |
//! | 405 | `METHOD_NOT_ALLOWED` | a mutation or subscription over `GET` |
//! | 406 | `NOT_ACCEPTABLE` | `Accept` allows neither `application/graphql-response+json` nor `application/json` |
//! | 408 | `TIMEOUT` | the request ran longer than the request timeout |
//! | 413 | `PAYLOAD_TOO_LARGE` | a body over [`super::MAX_BODY_BYTES`] |
//! | 415 | `BAD_REQUEST` | a body that is not `application/json` in UTF-8 |
//! | 503 | `UNAVAILABLE` | the server is starting: the log is still being folded (`Retry-After: 1`) |

use super::negotiate::MediaType;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A refusal, rendered as `{"errors":[{"message":…,"extensions":{"code":…}}]}`.
#[derive(Debug)]
pub struct HttpError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<&'static str>,
    media: MediaType,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl HttpError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> HttpError {
        HttpError {
            status,
            code,
            message: message.into(),
            field: None,
            media: MediaType::Json,
            headers: Vec::new(),
        }
    }

    /// 400: the request cannot be read as a GraphQL request.
    pub fn bad_request(message: impl Into<String>) -> HttpError {
        HttpError::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }

    /// 400 with `BAD_INPUT` and a field, like the schema's own refusals.
    pub fn bad_input(field: &'static str, message: impl Into<String>) -> HttpError {
        let mut error = HttpError::new(StatusCode::BAD_REQUEST, "BAD_INPUT", message);
        error.field = Some(field);
        error
    }

    /// 415: a body in a format Bangfu does not read.
    pub fn unsupported_media_type(message: impl Into<String>) -> HttpError {
        HttpError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "BAD_REQUEST", message)
    }

    pub fn not_acceptable() -> HttpError {
        HttpError::new(
            StatusCode::NOT_ACCEPTABLE,
            "NOT_ACCEPTABLE",
            "Accept allows no type this server answers in: accept application/graphql-response+json or application/json",
        )
    }

    pub fn payload_too_large(limit: usize) -> HttpError {
        HttpError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("the request body is larger than {limit} bytes"),
        )
    }

    pub fn timeout(limit: std::time::Duration) -> HttpError {
        HttpError::new(
            StatusCode::REQUEST_TIMEOUT,
            "TIMEOUT",
            format!("the request took longer than {} s", limit.as_secs_f64()),
        )
    }

    /// 405 with `Allow`.
    pub fn method_not_allowed(message: impl Into<String>, allow: &'static str) -> HttpError {
        HttpError::new(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", message)
            .with_header(header::ALLOW, HeaderValue::from_static(allow))
    }

    /// 429: the server is doing as much of this as it will at once.
    pub fn busy(message: impl Into<String>) -> HttpError {
        HttpError::new(StatusCode::TOO_MANY_REQUESTS, "BUSY", message)
            .with_header(header::RETRY_AFTER, HeaderValue::from_static("30"))
    }

    /// 503: the server is starting (the log is still being folded); `Retry-After: 1`.
    pub fn unavailable(message: impl Into<String>) -> HttpError {
        HttpError::new(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", message)
            .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
    }

    /// 403: the caller is known and may not have this.
    pub fn forbidden(message: impl Into<String>) -> HttpError {
        HttpError::new(StatusCode::FORBIDDEN, "FORBIDDEN", message)
    }

    pub fn not_found(message: impl Into<String>) -> HttpError {
        HttpError::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
    }

    /// 500: logged by the caller; the client learns nothing more.
    pub fn internal() -> HttpError {
        HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "internal error")
    }

    /// A refusal of authentication: `status` is 401 or 503.
    pub fn unauthenticated(status: StatusCode, code: &'static str, message: impl Into<String>) -> HttpError {
        HttpError::new(status, code, message).with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
    }

    /// Answers in the type the client asked for (the body is the same).
    #[must_use]
    pub fn with_media(mut self, media: MediaType) -> HttpError {
        self.media = media;
        self
    }

    #[must_use]
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> HttpError {
        self.headers.push((name, value));
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let mut extensions = serde_json::json!({ "code": self.code });
        if let Some(field) = self.field {
            extensions["field"] = field.into();
        }
        let body = serde_json::json!({
            "errors": [{ "message": self.message, "extensions": extensions }]
        });
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, self.media.content_type())],
            body.to_string(),
        )
            .into_response();
        for (name, value) in self.headers {
            response.headers_mut().append(name, value);
        }
        response
    }
}
