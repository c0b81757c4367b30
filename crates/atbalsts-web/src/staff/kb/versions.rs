//! An article's history: moving it between draft, published and archived,
//! the list of its versions, the diff between two of them, and restoring an
//! earlier one as a new version.

use super::form::{ArticleForm, Extras, edit_page};
use super::{done, editor_path, label, load, may_edit, posted_edit, viewed};
use crate::AppState;
use crate::i18n::t;
use crate::page::{Page, Problems, local_time, not_found, render, unavailable};
use askama::Template;
use atbalsts_domain::DomainError;
use atbalsts_domain::kb::STATUSES;
use atbalsts_domain::kb::diff::LineOp;
use atbalsts_http::kb_edit::{save_restore, save_status};
use atbalsts_search::Lang;
use atbalsts_store::StoreError;
use atbalsts_store::kb::Article;
use atbalsts_store::signin::Session;
use axum::extract::{Extension, OriginalUri, Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum_extra::extract::Form;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusForm {
    csrf: String,
    status: String,
    version: String,
}

pub async fn status(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    jar: CookieJar,
    form: Result<Form<StatusForm>, axum_extra::extract::FormRejection>,
) -> Response {
    let (session, form, article) =
        match posted_edit(&s, lang, &uri, &jar, &id, form, |f| &f.csrf).await {
            Ok(all) => all,
            Err(response) => return response,
        };
    let version = form.version.trim().parse::<i64>().ok().filter(|v| *v > 0);
    let Some(status) = STATUSES.iter().find(|st| **st == form.status) else {
        return crate::page::bad_form(lang, &uri);
    };
    match save_status(&s, &session.staff, &id, status, version, None).await {
        Ok(_) => done(lang, &id, status),
        Err(StoreError::Domain(DomainError::Conflict(_))) => {
            let fresh = match load(&s, lang, &uri, &session.staff, &id).await {
                Ok(a) => a,
                Err(response) => return response,
            };
            edit_page(
                lang,
                &uri,
                &session,
                StatusCode::CONFLICT,
                Some(&fresh),
                ArticleForm::of(&fresh),
                Problems::default(),
                Extras {
                    error: Some((t(lang, "kb-conflict-status"), None)),
                    ..Extras::default()
                },
            )
        }
        Err(e) => status_refused(lang, &uri, &session, &article, e),
    }
}

/// A status change or restore the store refused: the reason above the article.
fn status_refused(
    lang: Lang,
    uri: &Uri,
    session: &Session,
    article: &Article,
    e: StoreError,
) -> Response {
    let (code, key) = match &e {
        StoreError::NotFound(_) => return not_found(lang, uri),
        StoreError::Domain(DomainError::Forbidden(_)) => {
            (StatusCode::FORBIDDEN, "action-error-forbidden")
        }
        StoreError::Domain(DomainError::Invalid(_)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, "kb-restore-invalid")
        }
        StoreError::Domain(DomainError::Conflict(_)) => {
            (StatusCode::CONFLICT, "kb-conflict-status")
        }
        _ => return unavailable(lang, uri, &e.to_string()),
    };
    edit_page(
        lang,
        uri,
        session,
        code,
        Some(article),
        ArticleForm::of(article),
        Problems::default(),
        Extras {
            error: Some((t(lang, key), None)),
            ..Extras::default()
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RestoreForm {
    csrf: String,
    version: String,
}

pub async fn restore(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    jar: CookieJar,
    form: Result<Form<RestoreForm>, axum_extra::extract::FormRejection>,
) -> Response {
    let (session, form, article) =
        match posted_edit(&s, lang, &uri, &jar, &id, form, |f| &f.csrf).await {
            Ok(all) => all,
            Err(response) => return response,
        };
    let Some(n) = form.version.trim().parse::<i64>().ok().filter(|v| *v > 0) else {
        return crate::page::bad_form(lang, &uri);
    };
    match save_restore(&s, &session.staff, &id, n, None).await {
        Ok(_) => done(lang, &id, "restored"),
        Err(e) => status_refused(lang, &uri, &session, &article, e),
    }
}

struct VersionRow {
    number: i64,
    current: bool,
    title: String,
    status: String,
    editor: String,
    when: String,
    when_iso: String,
    note: String,
    diff_href: Option<String>,
}

struct VersionTexts {
    intro: String,
    number: String,
    title: String,
    status: String,
    editor: String,
    when: String,
    note: String,
    compare: String,
    restore: String,
    current: String,
    back: String,
}

#[derive(Template)]
#[template(path = "staff_kb_versions.html")]
struct VersionsPage {
    page: Page,
    l: VersionTexts,
    rows: Vec<VersionRow>,
    editable: bool,
    csrf: String,
    restore_action: String,
    back_href: String,
}

pub async fn versions(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Response {
    let (session, article) = match viewed(&s, &jar, lang, &uri, &id).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let history = match s.store.article_history(&session.staff, &id).await {
        Ok(h) => h,
        Err(StoreError::NotFound(_)) => return not_found(lang, &uri),
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    let k = |key: &str| t(lang, key);
    let rows = history
        .into_iter()
        .map(|v| VersionRow {
            number: v.version,
            current: v.version == article.version,
            status: label(lang, "kb-status", &v.status),
            editor: v
                .edited_by
                .map_or_else(|| k("kb-editor-import"), |p| p.name),
            when: local_time(lang, &v.edited_at),
            when_iso: v.edited_at,
            note: v.note.unwrap_or_default(),
            diff_href: (v.version != article.version).then(|| {
                format!(
                    "{}?from={}&to={}",
                    editor_path(lang, &id, "/diff"),
                    v.version,
                    article.version
                )
            }),
            title: v.title,
        })
        .collect();
    render(
        StatusCode::OK,
        VersionsPage {
            page: Page::workspace(
                lang,
                format!("{} — {}", k("kb-versions-heading"), article.title),
                &uri,
                &session.staff,
                &session.csrf_token,
            ),
            l: VersionTexts {
                intro: k("kb-versions-intro"),
                number: k("kb-version"),
                title: k("kb-field-title"),
                status: k("col-status"),
                editor: k("kb-editor"),
                when: k("kb-edited-at"),
                note: k("kb-field-note"),
                compare: k("kb-compare"),
                restore: k("kb-restore"),
                current: k("kb-current"),
                back: k("kb-back-to-article"),
            },
            rows,
            editable: may_edit(&session.staff, &article),
            csrf: session.csrf_token.clone(),
            restore_action: editor_path(lang, &id, "/restore"),
            back_href: editor_path(lang, &id, ""),
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DiffParams {
    from: String,
    to: String,
}

struct DiffLine {
    /// `equal`, `delete` or `insert`.
    op: &'static str,
    text: String,
}

struct DiffTexts {
    intro: String,
    same: String,
    deleted: String,
    inserted: String,
    restore: String,
    back: String,
    versions: String,
}

#[derive(Template)]
#[template(path = "staff_kb_diff.html")]
struct DiffPage {
    page: Page,
    l: DiffTexts,
    hunks: Vec<Vec<DiffLine>>,
    from: i64,
    editable: bool,
    csrf: String,
    restore_action: String,
    back_href: String,
    versions_href: String,
}

pub async fn diff(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    jar: CookieJar,
    params: Result<Query<DiffParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let (session, article) = match viewed(&s, &jar, lang, &uri, &id).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let params = params.map(|Query(p)| p).unwrap_or_default();
    let number = |v: &str| v.trim().parse::<i64>().ok().filter(|n| *n > 0);
    let Some(from) = number(&params.from) else {
        return not_found(lang, &uri);
    };
    let to = number(&params.to).unwrap_or(article.version);
    let changes = match s.store.article_diff(&session.staff, &id, from, to).await {
        Ok(d) => d,
        Err(StoreError::NotFound(_)) => return not_found(lang, &uri),
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    let hunks = changes
        .hunks
        .into_iter()
        .map(|h| {
            h.lines
                .into_iter()
                .map(|l| DiffLine {
                    op: match l.op {
                        LineOp::Equal => "equal",
                        LineOp::Delete => "delete",
                        LineOp::Insert => "insert",
                    },
                    text: l.text,
                })
                .collect()
        })
        .collect();
    let k = |key: &str| t(lang, key);
    let title = match lang {
        Lang::Lv => format!("{}: {from}. → {to}. versija", article.title),
        Lang::En => format!("{}: version {from} → {to}", article.title),
    };
    render(
        StatusCode::OK,
        DiffPage {
            page: Page::workspace(lang, title, &uri, &session.staff, &session.csrf_token),
            l: DiffTexts {
                intro: k("kb-diff-intro"),
                same: k("kb-diff-same"),
                deleted: k("kb-diff-deleted"),
                inserted: k("kb-diff-inserted"),
                restore: k("kb-restore"),
                back: k("kb-back-to-article"),
                versions: k("kb-versions-link"),
            },
            hunks,
            from,
            editable: may_edit(&session.staff, &article) && from != article.version,
            csrf: session.csrf_token.clone(),
            restore_action: editor_path(lang, &id, "/restore"),
            back_href: editor_path(lang, &id, ""),
            versions_href: editor_path(lang, &id, "/versions"),
        },
    )
}
