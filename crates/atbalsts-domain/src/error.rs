pub use crate::refusal::{Code, Refusal};
use thiserror::Error;

/// One invalid field of an input, worded for the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// Path of the field, e.g. `requester.email`.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Why a domain rule refused an operation.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(Refusal),
    /// It cannot be done in the current state.
    #[error("{0}")]
    Conflict(Refusal),
}

impl DomainError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn forbidden(code: Code, detail: impl Into<String>) -> Self {
        Self::Forbidden(Refusal {
            code,
            detail: detail.into(),
        })
    }

    pub fn conflict(code: Code, detail: impl Into<String>) -> Self {
        Self::Conflict(Refusal {
            code,
            detail: detail.into(),
        })
    }

    /// The stable code of a refusal (`None` for invalid fields, which name each field).
    pub fn code(&self) -> Option<Code> {
        match self {
            Self::Invalid(_) => None,
            Self::Forbidden(r) | Self::Conflict(r) => Some(r.code),
        }
    }

    /// What stood in the way, in one sentence (field problems joined).
    pub fn detail(&self) -> String {
        match self {
            Self::Invalid(errors) => errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
            Self::Forbidden(r) | Self::Conflict(r) => r.detail.clone(),
        }
    }
}
