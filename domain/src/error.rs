use thiserror::Error;

/// Why a command was refused. The API maps each to an `extensions.code` once.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DomainError {
    /// The input breaks a rule; `field` is the input field's name as the API spells it.
    #[error("{field}: {message}")]
    BadInput { field: &'static str, message: String },
    #[error("no {what} with id {id}")]
    NotFound { what: &'static str, id: String },
    /// The command collides with what is already recorded (a number taken, a stream moved).
    #[error("{0}")]
    Conflict(String),
}

impl DomainError {
    pub fn bad(field: &'static str, message: impl Into<String>) -> DomainError {
        DomainError::BadInput {
            field,
            message: message.into(),
        }
    }

    pub fn not_found(what: &'static str, id: impl ToString) -> DomainError {
        DomainError::NotFound {
            what,
            id: id.to_string(),
        }
    }
}
