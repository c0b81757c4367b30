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
pub mod search;
/// Messages to requesters that the demo shares with the API.
pub use routes::tickets::{legal_term_notice, transfer_notice_text};
mod token_cache;
mod web;

use atbalsts_store::Store;
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

pub use error::ApiError;

/// Requests larger than this are refused with 413 before they are read.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Tunable limits and settings of the HTTP edge.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Tickets a client address may create without signing in, per minute (burst of the same size).
    pub public_creates_per_minute: u32,
    /// Questions a client address may ask the assistant without signing in, per minute.
    pub assistant_questions_per_minute: u32,
    /// Where this node keeps its search index; `None`: in memory, rebuilt at start.
    pub search_index_dir: Option<PathBuf>,
    /// How often the index looks for changes made on other nodes.
    pub search_poll: Duration,
    /// Institution that takes assistant hand-overs no service routes (the central help desk).
    pub handoff_institution: Option<String>,
    /// Mark cookies `Secure` (sent over HTTPS only; browsers also keep them on
    /// http://localhost). Turn off only for plain-HTTP installations on a trusted network.
    pub secure_cookies: bool,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            public_creates_per_minute: 30,
            assistant_questions_per_minute: 300,
            search_index_dir: None,
            search_poll: Duration::from_secs(5),
            handoff_institution: None,
            secure_cookies: true,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub search: Arc<search::SearchService>,
    limits: Arc<limits::Limits>,
    tokens: Arc<token_cache::TokenCache>,
    handoff_institution: Option<String>,
    secure_cookies: bool,
}

/// The whole HTTP application.
pub fn app(store: Store, search: Arc<search::SearchService>, config: &ApiConfig) -> Router {
    let state = AppState {
        store,
        search,
        limits: Arc::new(limits::Limits::new(config)),
        tokens: Arc::default(),
        handoff_institution: config.handoff_institution.clone(),
        secure_cookies: config.secure_cookies,
    };
    Router::new()
        .nest("/api/v1", routes::api())
        .merge(routes::health::router())
        .route("/api/openapi.json", axum::routing::get(openapi::document))
        .merge(web::router())
        .fallback(web::fallback)
        .route_layer(axum::middleware::from_fn(metrics::track))
        .with_state(state)
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::custom(error::panic_response))
}

/// Serve until `shutdown` completes, then finish the requests in flight.
/// The search index is brought up to date before the first request.
pub async fn serve(
    listener: TcpListener,
    store: Store,
    config: &ApiConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    metrics::install();
    let search = search::SearchService::open(store.clone(), config.search_index_dir.as_deref())
        .await
        .map_err(std::io::Error::other)?;
    let follower = search.follow(config.search_poll);
    let served = axum::serve(
        listener,
        app(store, search.clone(), config).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    follower.abort();
    if let Err(e) = search.flush_gaps().await {
        tracing::warn!(error = %e, "saving the last knowledge gaps failed");
    }
    served
}

pub use openapi::spec as openapi_spec;
