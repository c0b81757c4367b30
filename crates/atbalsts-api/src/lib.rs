//! The HTTP edge of Atbalsts: JSON under `/api/v1`, the OpenAPI document,
//! health, readiness and Prometheus metrics. Handlers parse and check the
//! request, call the store (which applies the domain rules), and map errors
//! to `application/problem+json`.

mod auth;
mod error;
mod extract;
mod limits;
mod metrics;
mod openapi;
mod routes;
mod token_cache;

use atbalsts_store::Store;
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

pub use error::ApiError;

/// Requests larger than this are refused with 413 before they are read.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Tunable limits of the HTTP edge.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Tickets a client address may create without signing in, per minute (burst of the same size).
    pub public_creates_per_minute: u32,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            public_creates_per_minute: 30,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    limits: Arc<limits::Limits>,
    tokens: Arc<token_cache::TokenCache>,
}

/// The whole HTTP application.
pub fn app(store: Store, config: &ApiConfig) -> Router {
    let state = AppState {
        store,
        limits: Arc::new(limits::Limits::new(config)),
        tokens: Arc::default(),
    };
    Router::new()
        .nest("/api/v1", routes::api())
        .merge(routes::health::router())
        .route("/api/openapi.json", axum::routing::get(openapi::document))
        .route_layer(axum::middleware::from_fn(metrics::track))
        .with_state(state)
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::custom(error::panic_response))
}

/// Serve until `shutdown` completes, then finish the requests in flight.
pub async fn serve(
    listener: TcpListener,
    store: Store,
    config: &ApiConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    metrics::install();
    axum::serve(
        listener,
        app(store, config).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

pub use openapi::spec as openapi_spec;
