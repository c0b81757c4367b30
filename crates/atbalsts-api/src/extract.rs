//! Extractors whose rejections are problem documents, not plain text.

use crate::error::ApiError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A JSON body; a malformed one is a 400 saying what is wrong, too large a 413.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = axum::response::Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(rejection) => Err(json_problem(rejection).into_response()),
        }
    }
}

fn json_problem(r: JsonRejection) -> ApiError {
    match r {
        JsonRejection::MissingJsonContentType(_) => ApiError::BadRequest(
            "send the body as JSON with the header Content-Type: application/json".into(),
        ),
        JsonRejection::JsonSyntaxError(e) => {
            ApiError::BadRequest(format!("the body is not valid JSON: {}", e.body_text()))
        }
        JsonRejection::JsonDataError(e) => {
            ApiError::BadRequest(format!("the body does not fit: {}", e.body_text()))
        }
        JsonRejection::BytesRejection(_) => ApiError::BadRequest(format!(
            "the body could not be read; it must be at most {} KiB",
            crate::MAX_BODY_BYTES / 1024
        )),
        other => ApiError::BadRequest(other.body_text()),
    }
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
