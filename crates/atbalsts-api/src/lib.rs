//! The JSON API of Atbalsts: `/api/v1`, the OpenAPI document generated from
//! the handlers, health, readiness and Prometheus metrics. Handlers parse and
//! check the request, call the store (which applies the domain rules), and
//! map errors to `application/problem+json`. What the API shares with the
//! web pages (state, the caller, limits, search, problems) is `atbalsts-http`.

mod openapi;
mod routes;

// The shared edge, under the names the handlers use.
use atbalsts_http::{ApiError, AppState, auth, error, extract, metrics, search};

use axum::Router;

pub use openapi::spec as openapi_spec;

/// The API's routes: `/api/v1/…`, `/api/openapi.json`, `/healthz`,
/// `/readyz` and `/metrics`. Unknown paths under `/api/v1` answer a problem.
pub fn router() -> Router<AppState> {
    Router::new()
        .nest("/api/v1", routes::api())
        .merge(routes::health::router())
        .route("/api/openapi.json", axum::routing::get(openapi::document))
}
