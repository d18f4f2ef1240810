//! One error type for the API layer, mapped once to a GraphQL error with
//! `extensions.code` (and `extensions.field` for bad input). Server-side failures are
//! logged and masked: a client never sees a database message.

use crate::store::StoreError;
use async_graphql::ErrorExtensions;
use domain::DomainError;

///
/// It deliberately has no `Display`: async-graphql turns anything displayable into an
/// error without a code, and this way the compiler sends every `?` through `From` below.
#[derive(Clone, Debug)]
pub enum ApiError {
    Unauthenticated,
    Forbidden(String),
    NotFound(String),
    BadInput {
        field: String,
        message: String,
    },
    Conflict(String),
    /// The caller's idempotency key was first used for other input: nothing was recorded.
    IdempotencyKeyReused,
    /// Logged, and shown to the client only as "internal error".
    Internal(String),
}

impl ApiError {
    pub fn bad(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// What the client is told.
    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthenticated => "sign in first: this request has no valid token".into(),
            ApiError::Forbidden(m) | ApiError::NotFound(m) | ApiError::Conflict(m) => m.clone(),
            ApiError::BadInput { field, message } => format!("{field}: {message}"),
            ApiError::IdempotencyKeyReused => {
                "this idempotency key was used for a different request: use a new key for a new write".into()
            }
            ApiError::Internal(_) => "internal error".into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "UNAUTHENTICATED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::BadInput { .. } => "BAD_INPUT",
            ApiError::Conflict(_) => "CONFLICT",
            ApiError::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            ApiError::Internal(_) => "INTERNAL",
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> ApiError {
        match e {
            DomainError::BadInput { field, message } => ApiError::BadInput {
                field: field.into(),
                message,
            },
            DomainError::NotFound { .. } => ApiError::NotFound(e.to_string()),
            DomainError::Conflict(message) => ApiError::Conflict(message),
        }
    }
}

impl From<crate::idempotency::KeyError> for ApiError {
    fn from(e: crate::idempotency::KeyError) -> ApiError {
        match e {
            crate::idempotency::KeyError::Arguments(detail) => ApiError::Internal(detail),
            refused => ApiError::bad(crate::idempotency::KEY_FIELD, refused.to_string()),
        }
    }
}

impl From<domain::access::Forbidden> for ApiError {
    fn from(refusal: domain::access::Forbidden) -> ApiError {
        ApiError::Forbidden(refusal.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Conflict { .. } => {
                ApiError::Conflict("someone else changed this record at the same moment: try again".into())
            }
            StoreError::IdempotencyKeyReused => ApiError::IdempotencyKeyReused,
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> async_graphql::Error {
        let code = e.code();
        if let ApiError::Internal(detail) = &e {
            tracing::error!(detail = %detail, "internal error");
        }
        let message = e.message();
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code);
            match &e {
                ApiError::BadInput { field, .. } => ext.set("field", field.as_str()),
                ApiError::IdempotencyKeyReused => ext.set("field", crate::idempotency::KEY_FIELD),
                _ => {}
            }
        })
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
