use atbalsts_domain::refusal::Code;
use atbalsts_domain::{DomainError, FieldError};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// A domain rule refused the operation.
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("{0} was not found")]
    NotFound(String),
    #[error("the database is unavailable or failed: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Config(String),
    /// The database failed in a way worth retrying (reported to several waiting requests).
    #[error("{0}")]
    Unavailable(String),
}

impl StoreError {
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        StoreError::Domain(DomainError::Invalid(errors))
    }

    /// The database did not answer in time or at all: worth a retry, not a bug.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
            )
        )
    }

    pub fn conflict(code: Code, message: impl Into<String>) -> Self {
        StoreError::Domain(DomainError::conflict(code, message))
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
