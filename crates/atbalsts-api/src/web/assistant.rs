//! The virtual assistant as a chat page (being built).

use super::page::not_found;
use atbalsts_search::Lang;
use axum::extract::{Extension, OriginalUri};
use axum::response::Response;

pub async fn page(Extension(lang): Extension<Lang>, OriginalUri(uri): OriginalUri) -> Response {
    not_found(lang, &uri)
}

pub async fn ask(Extension(lang): Extension<Lang>, OriginalUri(uri): OriginalUri) -> Response {
    not_found(lang, &uri)
}

pub async fn handoff(Extension(lang): Extension<Lang>, OriginalUri(uri): OriginalUri) -> Response {
    not_found(lang, &uri)
}

pub async fn script(OriginalUri(uri): OriginalUri) -> Response {
    not_found(Lang::Lv, &uri)
}
