//! The accessibility statement (being built).

use super::page::not_found;
use atbalsts_search::Lang;
use axum::extract::{Extension, OriginalUri};
use axum::response::Response;

pub async fn page(Extension(lang): Extension<Lang>, OriginalUri(uri): OriginalUri) -> Response {
    not_found(lang, &uri)
}
