//! The web pages of Atbalsts, server-rendered HTML that works without
//! JavaScript: the public portal (home, life situations, services, search,
//! articles, the assistant, the request form and the private ticket page) in
//! Latvian at `/` and in English at `/en/`, and the staff workspace behind
//! sign-in. Texts come from the Fluent files in `locales/`, markup from
//! `templates/` (askama). What the pages share with the JSON API (state, the
//! caller, limits, search, problems, the operations both perform) is
//! `atbalsts-http`; the pages never call the API's handlers.

mod assistant;
mod csrf;
mod files;
pub(crate) mod i18n;
mod page;
mod portal;
mod request;
mod staff;
mod statement;

// The shared edge, under the names the pages use.
use atbalsts_http::{ApiError, AppState, extract, search};
use atbalsts_search::Lang;
use axum::Router;
use axum::extract::{Extension, OriginalUri};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use page::not_found;
use portal::{article, home, life_situation, search, service};

const STYLESHEET: &str = include_str!("../static/site.css");

/// The pages, mounted at `/` (Latvian) and `/en` (English).
pub fn router() -> Router<AppState> {
    let pages = |lang: Lang| {
        Router::new()
            .route("/", get(home))
            .route("/search", get(search))
            .route("/articles/{id}", get(article))
            .route("/articles/{id}/feedback", post(portal::article_feedback))
            .route("/life-situations/{id}", get(life_situation))
            .route("/services/{code}", get(service))
            .route("/assistant", get(assistant::page).post(assistant::ask))
            .route("/assistant/handoff", post(assistant::handoff))
            .route("/accessibility", get(statement::page))
            .merge(request::routes())
            .merge(staff::routes())
            .layer(Extension(lang))
    };
    Router::new()
        .nest("/en", pages(Lang::En))
        // A nested "/" answers "/en" only; people type the slash too.
        .route("/en/", get(home).layer(Extension(Lang::En)))
        .merge(pages(Lang::Lv))
        .route("/static/site.css", get(stylesheet))
        .route("/static/chat.js", get(assistant::script))
        .layer(axum::middleware::from_fn(csrf::same_origin))
        .layer(axum::middleware::from_fn(security_headers))
}

/// Headers every page carries: no inline script or style, no framing, no sniffing.
async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // A download sets its own, stricter policy (a sandbox).
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(header::HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(header::HeaderValue::from_static("same-origin"));
    response
}

/// A page that does not exist, in the language its path suggests.
pub async fn fallback(OriginalUri(uri): OriginalUri) -> Response {
    let lang = if uri.path().starts_with("/en/") || uri.path() == "/en" {
        Lang::En
    } else {
        Lang::Lv
    };
    not_found(lang, &uri)
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
}
