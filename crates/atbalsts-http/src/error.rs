//! Errors as `application/problem+json` (RFC 9457), worded for people.

use atbalsts_domain::{DomainError, FieldError};
use atbalsts_store::StoreError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} was not found")]
    NotFound(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("the search index failed: {0}")]
    Search(#[from] atbalsts_search::SearchError),
}

/// A problem report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, in words for a person.
    pub detail: String,
    /// The fields at fault, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl ApiError {
    fn parts(self) -> (StatusCode, &'static str, String, Vec<FieldError>) {
        use StatusCode as S;
        match self {
            ApiError::BadRequest(m) => (S::BAD_REQUEST, "bad-request", m, vec![]),
            ApiError::Invalid(errors) => {
                (S::UNPROCESSABLE_ENTITY, "invalid", summary(&errors), errors)
            }
            ApiError::Unauthorized(m) => (S::UNAUTHORIZED, "unauthorized", m, vec![]),
            ApiError::Forbidden(m) => (S::FORBIDDEN, "forbidden", m, vec![]),
            ApiError::NotFound(what) => (
                S::NOT_FOUND,
                "not-found",
                format!("{what} was not found"),
                vec![],
            ),
            ApiError::TooManyRequests(m) => (S::TOO_MANY_REQUESTS, "too-many-requests", m, vec![]),
            ApiError::Unavailable(m) => (S::SERVICE_UNAVAILABLE, "unavailable", m, vec![]),
            ApiError::Search(e) => {
                tracing::error!(error = %e, "search index");
                (
                    S::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "search is unavailable at the moment; please try again later".into(),
                    vec![],
                )
            }
            ApiError::Store(e) => match e {
                StoreError::Domain(DomainError::Invalid(errors)) => {
                    (S::UNPROCESSABLE_ENTITY, "invalid", summary(&errors), errors)
                }
                StoreError::Domain(DomainError::Forbidden(m)) => {
                    (S::FORBIDDEN, "forbidden", m, vec![])
                }
                StoreError::Domain(DomainError::Conflict(m)) => {
                    (S::CONFLICT, "conflict", m, vec![])
                }
                StoreError::NotFound(what) => (
                    S::NOT_FOUND,
                    "not-found",
                    format!("{what} was not found"),
                    vec![],
                ),
                e if e.is_unavailable() => {
                    tracing::warn!(error = %e, "database unavailable");
                    (
                        S::SERVICE_UNAVAILABLE,
                        "unavailable",
                        "the service is busy; please try again shortly".into(),
                        vec![],
                    )
                }
                other => {
                    tracing::error!(error = %other, "request failed");
                    (
                        S::INTERNAL_SERVER_ERROR,
                        "internal",
                        "something went wrong on our side; it has been logged".into(),
                        vec![],
                    )
                }
            },
        }
    }
}

fn summary(errors: &[FieldError]) -> String {
    let parts: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect();
    format!("Please correct the request: {}", parts.join("; "))
}

pub fn problem_response(
    status: StatusCode,
    slug: &str,
    detail: String,
    errors: Vec<FieldError>,
) -> Response {
    let problem = Problem {
        kind: format!("https://atbalsts.example/problems/{slug}"),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail,
        errors,
    };
    let mut res = (status, axum::Json(problem)).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"atbalsts\""),
        );
    }
    res
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, slug, detail, errors) = self.parts();
        problem_response(status, slug, detail, errors)
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        ApiError::Store(StoreError::Domain(e))
    }
}

/// A panic is a bug: log it, answer 500 without details.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    problem_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "something went wrong on our side; it has been logged".into(),
        vec![],
    )
}

pub type ApiResult<T> = Result<T, ApiError>;
