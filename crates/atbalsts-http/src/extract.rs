//! Extractors whose rejections are problem documents, not plain text.

use crate::error::ApiError;
use atbalsts_domain::FieldError;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A JSON body. Malformed JSON is a 400; a field of the wrong type or a
/// missing one is a 422 naming the field; too large a body is a 413.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = axum::response::Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let headers = req.headers().clone();
        let body = Bytes::from_request(req, state).await.map_err(|e| {
            // Too large, or cut off: a problem like every other, not axum's plain text.
            let e = if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge
            } else {
                ApiError::BadRequest(format!("the body could not be read: {}", e.body_text()))
            };
            e.into_response()
        })?;
        parse_json(&headers, &body).map_err(IntoResponse::into_response)
    }
}

/// Parse a JSON body already read (the create handler also fingerprints it).
pub fn parse_json<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Json<T>, ApiError> {
    let is_json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
    if !is_json {
        return Err(ApiError::BadRequest(
            "send the body as JSON with the header Content-Type: application/json".into(),
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::BadRequest(format!("the body is not valid JSON: {inner}"))
        } else if let Some(field) = missing_field(&inner.to_string()) {
            let full = if path == "." {
                field.to_string()
            } else {
                format!("{path}.{field}")
            };
            ApiError::Invalid(vec![FieldError::new(full, "is required")])
        } else if path == "." {
            ApiError::BadRequest(format!("the body does not fit: {inner}"))
        } else {
            ApiError::Invalid(vec![FieldError::new(path, inner.to_string())])
        }
    })?;
    Ok(Json(value))
}

/// serde words a missing field as "missing field `name` at line …".
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// Query parameters; unknown values are a 400.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e: QueryRejection| {
                ApiError::BadRequest(format!("invalid query parameters: {}", e.body_text()))
            })
    }
}

/// A ticket id in the path.
pub struct TicketId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for TicketId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|e: PathRejection| ApiError::BadRequest(e.body_text()))?;
        raw.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(TicketId)
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "{raw:?} is not a ticket id; ids are positive whole numbers"
                ))
            })
    }
}

/// The client's address as the socket saw it (a reverse proxy's own address when behind one).
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let info = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        Ok(ClientIp(info.map(|c| c.0.ip())))
    }
}

/// A record id in the path (a received message, a mailbox): a positive whole number.
pub struct RecordId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for RecordId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|e: PathRejection| ApiError::BadRequest(e.body_text()))?;
        raw.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(RecordId)
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "{raw:?} is not an id; ids are positive whole numbers"
                ))
            })
    }
}
