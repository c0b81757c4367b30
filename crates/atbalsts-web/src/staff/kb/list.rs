//! The list of articles, with a status and language filter, and for editors
//! the published articles whose review day has come.

use super::{Choice, choices, editor_path, label, language_choices, local_day};
use crate::AppState;
use crate::i18n::t;
use crate::page::{Page, local_time, localized, render, unavailable};
use crate::staff::signed_in;
use askama::Template;
use atbalsts_domain::kb::{LANGS, STATUSES};
use atbalsts_search::Lang;
use axum::extract::{Extension, OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListParams {
    status: String,
    lang: String,
}

struct Row {
    href: String,
    title: String,
    lang: String,
    status: String,
    kind: String,
    audience: String,
    updated: String,
    updated_iso: String,
    review_by: String,
    review_iso: String,
}

struct StaleRow {
    href: String,
    title: String,
    lang: String,
    review_by: String,
    review_iso: String,
}

struct ListTexts {
    intro: String,
    filter: String,
    status: String,
    language: String,
    any: String,
    apply: String,
    new_article: String,
    title: String,
    kind: String,
    audience: String,
    updated: String,
    review_by: String,
    empty: String,
    stale: String,
    stale_intro: String,
    stale_none: String,
}

#[derive(Template)]
#[template(path = "staff_kb_list.html")]
struct ListPage {
    page: Page,
    l: ListTexts,
    action: String,
    status: String,
    article_lang: String,
    statuses: Vec<Choice>,
    langs: Vec<Choice>,
    new_href: Option<String>,
    rows: Vec<Row>,
    editor: bool,
    stale: Vec<StaleRow>,
}

pub async fn list(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let session = match signed_in(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let params = params.map(|Query(p)| p).unwrap_or_default();
    let status = Some(params.status.as_str()).filter(|v| STATUSES.contains(v));
    let article_lang = Some(params.lang.as_str()).filter(|v| LANGS.contains(v));
    let staff = &session.staff;
    let editor = staff.role.edits_articles();
    let listed = s.store.staff_articles(staff, status, article_lang);
    let stale = async {
        if editor {
            s.store.stale_articles(staff).await
        } else {
            Ok(Vec::new())
        }
    };
    let (articles, stale) = match tokio::try_join!(listed, stale) {
        Ok(both) => both,
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    let k = |key: &str| t(lang, key);
    let rows = articles
        .into_iter()
        .map(|a| Row {
            href: editor_path(lang, &a.id, ""),
            lang: a.lang,
            status: label(lang, "kb-status", &a.status),
            kind: label(lang, "kb-kind", &a.kind),
            audience: label(lang, "kb-audience", &a.audience),
            updated: local_time(lang, &a.updated_at),
            updated_iso: a.updated_at,
            review_by: a
                .review_by
                .as_deref()
                .map_or_else(|| k("kb-review-none"), |d| local_day(lang, d)),
            review_iso: a.review_by.unwrap_or_default(),
            title: a.title,
        })
        .collect();
    let stale = stale
        .into_iter()
        .map(|a| StaleRow {
            href: editor_path(lang, &a.id, ""),
            title: a.title,
            lang: a.lang,
            review_by: a
                .review_by
                .as_deref()
                .map_or_else(|| k("kb-review-none"), |d| local_day(lang, d)),
            review_iso: a.review_by.unwrap_or_default(),
        })
        .collect();
    render(
        StatusCode::OK,
        ListPage {
            page: Page::workspace(lang, k("kb-heading"), &uri, staff, &session.csrf_token),
            l: ListTexts {
                intro: k("kb-intro"),
                filter: k("kb-filter"),
                status: k("col-status"),
                language: k("kb-field-lang"),
                any: k("kb-filter-any"),
                apply: k("kb-filter-apply"),
                new_article: k("kb-new"),
                title: k("kb-field-title"),
                kind: k("kb-field-kind"),
                audience: k("kb-field-audience"),
                updated: k("col-updated"),
                review_by: k("kb-field-review-by"),
                empty: k("kb-list-empty"),
                stale: k("kb-stale-heading"),
                stale_intro: k("kb-stale-intro"),
                stale_none: k("kb-stale-none"),
            },
            action: localized(lang, "/staff/kb"),
            status: status.unwrap_or_default().to_string(),
            article_lang: article_lang.unwrap_or_default().to_string(),
            statuses: choices(lang, "kb-status", &STATUSES),
            langs: language_choices(lang),
            new_href: editor.then(|| localized(lang, "/staff/kb/new")),
            rows,
            editor,
            stale,
        },
    )
}
