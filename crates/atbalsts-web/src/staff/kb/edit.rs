//! Writing articles: opening one in the editor, previewing and saving it
//! (with optimistic concurrency), and starting a new article or a
//! translation of an existing one. Every save goes through the same
//! functions as the JSON API, so the same rules apply and the search index
//! is updated before the answer.

use super::form::{ArticleForm, Extras, check, edit_page, problems_of};
use super::{Link, done, editor_path, forbidden, load, posted_edit, viewed};
use crate::AppState;
use crate::i18n::t;
use crate::page::{Problems, not_found, unavailable};
use crate::staff::{posted, signed_in};
use atbalsts_domain::DomainError;
use atbalsts_domain::kb::LANGS;
use atbalsts_domain::kb::render::render_html;
use atbalsts_http::kb_edit::{save_new, save_update};
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
pub struct EditParams {
    done: String,
}

/// A `done` notice from the query: only our own keys.
fn notice(lang: Lang, done: &str) -> Option<String> {
    const DONE: [&str; 6] = [
        "saved",
        "created",
        "published",
        "archived",
        "draft",
        "restored",
    ];
    DONE.contains(&done)
        .then(|| t(lang, &format!("kb-done-{done}")))
}

pub async fn edit(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    jar: CookieJar,
    params: Result<Query<EditParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let (session, article) = match viewed(&s, &jar, lang, &uri, &id).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let done = params.map(|Query(p)| p.done).unwrap_or_default();
    edit_page(
        lang,
        &uri,
        &session,
        StatusCode::OK,
        Some(&article),
        ArticleForm::of(&article),
        Problems::default(),
        Extras {
            notice: notice(lang, &done),
            ..Extras::default()
        },
    )
}

pub async fn save(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    jar: CookieJar,
    form: Result<Form<ArticleForm>, axum_extra::extract::FormRejection>,
) -> Response {
    let (session, mut form, article) =
        match posted_edit(&s, lang, &uri, &jar, &id, form, |f| &f.csrf).await {
            Ok(all) => all,
            Err(response) => return response,
        };
    let Some(version) = form.version.trim().parse::<i64>().ok().filter(|v| *v > 0) else {
        return crate::page::bad_form(lang, &uri);
    };
    let (content, note, problems) = check(lang, &form, false);
    if let Some((code, problems, extras)) = not_saved(&form, problems) {
        return edit_page(
            lang,
            &uri,
            &session,
            code,
            Some(&article),
            form,
            problems,
            extras,
        );
    }
    let staff = &session.staff;
    match save_update(&s, staff, &id, version, content, note.as_deref()).await {
        Ok(_) => done(lang, &id, "saved"),
        Err(StoreError::Domain(DomainError::Conflict(_))) => {
            // Someone saved in between: keep the text, say so, and let a second
            // save (from the version now current) replace theirs knowingly.
            let fresh = match load(&s, lang, &uri, staff, &id).await {
                Ok(a) => a,
                Err(response) => return response,
            };
            let changes = Link {
                href: format!(
                    "{}?from={version}&to={}",
                    editor_path(lang, &id, "/diff"),
                    fresh.version
                ),
                text: t(lang, "kb-conflict-diff"),
            };
            let text = format!("{} {}", t(lang, "kb-conflict"), t(lang, "kb-conflict-keep"));
            form.version = fresh.version.to_string();
            edit_page(
                lang,
                &uri,
                &session,
                StatusCode::CONFLICT,
                Some(&fresh),
                form,
                Problems::default(),
                Extras {
                    error: Some((text, Some(changes))),
                    ..Extras::default()
                },
            )
        }
        Err(e) => refused(lang, &uri, &session, Some(&article), form, e),
    }
}

/// Why a posted form is shown again instead of saved: the preview asked
/// for, or the form's own problems.
fn not_saved(form: &ArticleForm, problems: Problems) -> Option<(StatusCode, Problems, Extras)> {
    if form.action == "preview" {
        let extras = Extras {
            preview: Some(render_html(&form.body)),
            ..Extras::default()
        };
        return Some((StatusCode::OK, Problems::default(), extras));
    }
    (!problems.is_empty()).then(|| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            problems,
            Extras::default(),
        )
    })
}

/// The store refused a save: field errors back to the form, a scope refusal
/// as a message above it.
fn refused(
    lang: Lang,
    uri: &Uri,
    session: &Session,
    article: Option<&Article>,
    form: ArticleForm,
    e: StoreError,
) -> Response {
    match e {
        StoreError::Domain(DomainError::Invalid(errors)) => {
            let mut problems = problems_of(lang, &errors);
            if problems.is_empty() {
                problems.add(lang, "title", "action-error-invalid");
            }
            edit_page(
                lang,
                uri,
                session,
                StatusCode::UNPROCESSABLE_ENTITY,
                article,
                form,
                problems,
                Extras::default(),
            )
        }
        StoreError::Domain(DomainError::Forbidden(_)) => {
            let mut problems = Problems::default();
            problems.add(lang, "services", "kb-error-scope");
            edit_page(
                lang,
                uri,
                session,
                StatusCode::FORBIDDEN,
                article,
                form,
                problems,
                Extras::default(),
            )
        }
        StoreError::Domain(DomainError::Conflict(_)) => {
            let mut problems = Problems::default();
            problems.add(lang, "id", "kb-error-id-taken");
            edit_page(
                lang,
                uri,
                session,
                StatusCode::CONFLICT,
                article,
                form,
                problems,
                Extras::default(),
            )
        }
        StoreError::NotFound(_) => not_found(lang, uri),
        e => unavailable(lang, uri, &e.to_string()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewParams {
    translation_of: String,
    lang: String,
}

pub async fn new_form(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
    params: Result<Query<NewParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let session = match signed_in(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    if !session.staff.role.edits_articles() {
        return forbidden(lang, &uri);
    }
    let params = params.map(|Query(p)| p).unwrap_or_default();
    let mut form = ArticleForm {
        lang: lang.code().to_string(),
        audience: "public".into(),
        kind: "faq".into(),
        ..ArticleForm::default()
    };
    // A translation starts from the original's metadata, in the other language.
    if !params.translation_of.is_empty() {
        let original = match load(&s, lang, &uri, &session.staff, &params.translation_of).await {
            Ok(a) => a,
            Err(response) => return response,
        };
        let of = original
            .translation_of
            .clone()
            .unwrap_or(original.id.clone());
        form = ArticleForm {
            translation_of: of,
            lang: LANGS
                .iter()
                .find(|l| **l != original.lang)
                .map_or("en", |l| l)
                .to_string(),
            title: String::new(),
            body: String::new(),
            ..ArticleForm::of(&original)
        };
        form.version = String::new();
    }
    if LANGS.contains(&params.lang.as_str()) {
        form.lang = params.lang;
    }
    if !form.translation_of.is_empty() {
        form.id = format!("{}-{}", form.translation_of, form.lang);
    }
    edit_page(
        lang,
        &uri,
        &session,
        StatusCode::OK,
        None,
        form,
        Problems::default(),
        Extras::default(),
    )
}

pub async fn create(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
    form: Result<Form<ArticleForm>, axum_extra::extract::FormRejection>,
) -> Response {
    let (session, form) = match posted(&s, lang, &uri, &jar, form, |f| &f.csrf).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    if !session.staff.role.edits_articles() {
        return forbidden(lang, &uri);
    }
    let (content, note, problems) = check(lang, &form, true);
    if let Some((code, problems, extras)) = not_saved(&form, problems) {
        return edit_page(lang, &uri, &session, code, None, form, problems, extras);
    }
    let id = form.id.trim().to_string();
    match save_new(&s, &session.staff, &id, None, content, note.as_deref()).await {
        Ok(_) => done(lang, &id, "created"),
        Err(e) => refused(lang, &uri, &session, None, form, e),
    }
}
