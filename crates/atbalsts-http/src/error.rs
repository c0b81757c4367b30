//! Errors as `application/problem+json` (RFC 9457), worded for people.

use atbalsts_domain::refusal::Refusal;
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
    #[error("the request body is larger than the limit")]
    TooLarge,
    /// Something in the body (a file) is over its limit; the text says which.
    #[error("{0}")]
    Payload(String),
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
    /// What went wrong, in words for a person (English; may be reworded).
    pub detail: String,
    /// What went wrong, as a stable code to key on: a rule's refusal
    /// (`ticket.closed`, `transfer.not_pending`, …, listed in the API's
    /// description) or the kind of problem (`bad_request`, `invalid`,
    /// `unauthorized`, `not_found`, `too_many_requests`, `unavailable`, `internal`).
    #[schema(example = "ticket.closed")]
    pub code: String,
    /// The fields at fault, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The kinds of problem other than a rule's refusal: each one's status and
/// code (the code doubles as the last segment of the problem's `type`).
const BAD_REQUEST: (StatusCode, &str) = (StatusCode::BAD_REQUEST, "bad_request");
const INVALID: (StatusCode, &str) = (StatusCode::UNPROCESSABLE_ENTITY, "invalid");
const UNAUTHORIZED: (StatusCode, &str) = (StatusCode::UNAUTHORIZED, "unauthorized");
const TOO_LARGE: (StatusCode, &str) = (StatusCode::PAYLOAD_TOO_LARGE, "too_large");
const NOT_FOUND: (StatusCode, &str) = (StatusCode::NOT_FOUND, "not_found");
const TOO_MANY: (StatusCode, &str) = (StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
const UNAVAILABLE: (StatusCode, &str) = (StatusCode::SERVICE_UNAVAILABLE, "unavailable");
const INTERNAL: (StatusCode, &str) = (StatusCode::INTERNAL_SERVER_ERROR, "internal");

/// The codes of the kinds of problem, for the API's documentation.
pub const KIND_CODES: [(&str, &str); 8] = [
    (
        "bad_request",
        "the request cannot be read (malformed JSON, a wrong parameter)",
    ),
    ("invalid", "fields are invalid; `errors` names each one"),
    ("unauthorized", "sign in: no valid API token or access link"),
    ("too_large", "the request body is larger than the limit"),
    ("not_found", "no such thing, or not visible to the caller"),
    (
        "too_many_requests",
        "too many requests from this address; try again later",
    ),
    (
        "unavailable",
        "the service is busy or search is down; try again shortly",
    ),
    ("internal", "a fault on the server's side (logged)"),
];

/// A problem ready to send: its status, the kind (for `type`), the code, the detail and the fields.
struct Parts {
    status: StatusCode,
    kind: &'static str,
    code: &'static str,
    detail: String,
    errors: Vec<FieldError>,
}

impl Parts {
    fn of((status, code): (StatusCode, &'static str), detail: String) -> Self {
        Self {
            status,
            kind: code,
            code,
            detail,
            errors: vec![],
        }
    }

    fn invalid(errors: Vec<FieldError>) -> Self {
        Self {
            errors: errors.clone(),
            ..Self::of(INVALID, summary(&errors))
        }
    }

    fn refusal(status: StatusCode, kind: &'static str, r: Refusal) -> Self {
        Self {
            status,
            kind,
            code: r.code.as_str(),
            detail: r.detail,
            errors: vec![],
        }
    }
}

impl ApiError {
    fn parts(self) -> Parts {
        match self {
            ApiError::BadRequest(m) => Parts::of(BAD_REQUEST, m),
            ApiError::Invalid(errors) => Parts::invalid(errors),
            ApiError::Unauthorized(m) => Parts::of(UNAUTHORIZED, m),
            ApiError::TooLarge => Parts::of(
                TOO_LARGE,
                format!(
                    "the request body is larger than {} KiB",
                    crate::MAX_BODY_BYTES / 1024
                ),
            ),
            ApiError::Payload(m) => Parts::of(TOO_LARGE, m),
            ApiError::NotFound(what) => Parts::of(NOT_FOUND, format!("{what} was not found")),
            ApiError::TooManyRequests(m) => Parts::of(TOO_MANY, m),
            ApiError::Unavailable(m) => Parts::of(UNAVAILABLE, m),
            ApiError::Search(e) => {
                tracing::error!(error = %e, "search index");
                Parts::of(
                    UNAVAILABLE,
                    "search is unavailable at the moment; please try again later".into(),
                )
            }
            ApiError::Store(e) => match e {
                StoreError::Domain(DomainError::Invalid(errors)) => Parts::invalid(errors),
                StoreError::Domain(DomainError::Forbidden(r)) => {
                    Parts::refusal(StatusCode::FORBIDDEN, "forbidden", r)
                }
                StoreError::Domain(DomainError::Conflict(r)) => {
                    Parts::refusal(StatusCode::CONFLICT, "conflict", r)
                }
                StoreError::NotFound(what) => Parts::of(NOT_FOUND, format!("{what} was not found")),
                e if e.is_unavailable() => {
                    tracing::warn!(error = %e, "database unavailable");
                    Parts::of(
                        UNAVAILABLE,
                        "the service is busy; please try again shortly".into(),
                    )
                }
                other => {
                    tracing::error!(error = %other, "request failed");
                    Parts::of(
                        INTERNAL,
                        "something went wrong on our side; it has been logged".into(),
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

fn problem_from(p: Parts) -> Response {
    let problem = Problem {
        kind: format!(
            "https://atbalsts.example/problems/{}",
            p.kind.replace('_', "-")
        ),
        title: p.status.canonical_reason().unwrap_or("Error").to_string(),
        status: p.status.as_u16(),
        detail: p.detail,
        code: p.code.to_string(),
        errors: p.errors,
    };
    let mut res = (p.status, axum::Json(problem)).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if p.status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"atbalsts\""),
        );
    }
    res
}

/// The media type of every error the API answers.
pub const PROBLEM_JSON: &str = "application/problem+json";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        problem_from(self.parts())
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        ApiError::Store(StoreError::Domain(e))
    }
}

/// The request-size limit's own refusal (sent before a handler runs) as a
/// problem, for the API's paths; the pages keep their plain answer.
pub async fn too_large_as_problem(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes() != PROBLEM_JSON.as_bytes());
    if api && response.status() == StatusCode::PAYLOAD_TOO_LARGE && plain {
        return ApiError::TooLarge.into_response();
    }
    response
}

/// A panic is a bug: log it, answer 500 without details.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    problem_from(Parts::of(
        INTERNAL,
        "something went wrong on our side; it has been logged".into(),
    ))
}

pub type ApiResult<T> = Result<T, ApiError>;
