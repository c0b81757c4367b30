//! The server as the binary runs it: the JSON API (`atbalsts-api`) and the
//! web pages (`atbalsts-web`) mounted over one shared state
//! (`atbalsts-http`), behind the layers every request passes (body limit,
//! tracing, panic guard, metrics). The end-to-end tests start it as well.

use atbalsts_http::search::SearchService;
use atbalsts_http::{AppState, HttpConfig, error, metrics};
use atbalsts_store::Store;
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

/// The whole HTTP application: the API's paths, then the pages; anything
/// else is the pages' "not found" in the language its path suggests.
pub fn app(store: Store, search: Arc<SearchService>, config: &HttpConfig) -> Router {
    Router::new()
        .merge(atbalsts_api::router())
        .merge(atbalsts_web::router())
        .fallback(atbalsts_web::fallback)
        .route_layer(axum::middleware::from_fn(metrics::track))
        .with_state(AppState::new(store, search, config))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn(
            atbalsts_http::attachments::body_limit,
        ))
        .layer(axum::middleware::from_fn(error::too_large_as_problem))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::custom(error::panic_response))
}

/// Serve until `shutdown` completes, then finish the requests in flight.
/// The search index is brought up to date before the first request.
pub async fn serve(
    listener: TcpListener,
    store: Store,
    config: &HttpConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    metrics::install();
    let search = SearchService::open(store.clone(), config.search_index_dir.as_deref())
        .await
        .map_err(std::io::Error::other)?;
    let follower = search.follow(config.search_poll);
    let semantic = config
        .embedder
        .clone()
        .map(|embed| search.enable_semantic(embed, config.search_index_dir.as_deref()));
    let served = axum::serve(
        listener,
        app(store, search.clone(), config).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    follower.abort();
    if let Some(task) = semantic {
        task.abort();
    }
    if let Err(e) = search.flush_gaps().await {
        tracing::warn!(error = %e, "saving the last knowledge gaps failed");
    }
    served
}
