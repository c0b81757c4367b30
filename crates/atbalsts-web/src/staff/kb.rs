//! The knowledge-base editor: the list of articles (with a status and
//! language filter) and those due for review, the article form with a
//! preview and optimistic concurrency, status changes, versions with diffs
//! and restore, and new articles and translations. Every write goes through
//! the same functions as the JSON API (`routes::kb::save_*`), so the same
//! rules apply and the search index is updated before the answer.

use super::{posted, signed_in};
use crate::AppState;
use atbalsts_http::kb_edit::{save_new, save_restore, save_status, save_update};

use crate::i18n::t;
use crate::page::{
    FieldProblem, Page, Problems, article_href, local_time, localized, message, not_found, render,
    unavailable,
};
use askama::Template;
use atbalsts_domain::access::{ArticleFacts, authorize_article_edit};
use atbalsts_domain::kb::render::render_html;
use atbalsts_domain::kb::{self as rules, AUDIENCES, DraftInput, KINDS, LANGS, STATUSES, Snapshot};
use atbalsts_domain::validate::Errors;
use atbalsts_domain::{DomainError, FieldError, StaffActor};
use atbalsts_search::Lang;
use atbalsts_store::StoreError;
use atbalsts_store::kb::{Article, Viewer};
use atbalsts_store::signin::Session;
use axum::Router;
use axum::extract::{Extension, OriginalUri, Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/kb", get(list))
        .route("/staff/kb/new", get(new_form).post(create))
        .route("/staff/kb/{id}", get(edit).post(save))
        .route("/staff/kb/{id}/status", post(status))
        .route("/staff/kb/{id}/versions", get(versions))
        .route("/staff/kb/{id}/diff", get(diff))
        .route("/staff/kb/{id}/restore", post(restore))
}

// ---------------------------------------------------------------- helpers

/// An article id from a path: only what a slug or an imported id can be.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn editor_path(lang: Lang, id: &str, rest: &str) -> String {
    localized(lang, &format!("/staff/kb/{id}{rest}"))
}

/// Whether the domain rule lets this person edit the article.
fn may_edit(staff: &StaffActor, a: &Article) -> bool {
    authorize_article_edit(
        staff,
        ArticleFacts {
            institution: a.institution.as_deref(),
            services: &a.services,
        },
    )
    .is_ok()
}

fn forbidden(lang: Lang, uri: &Uri) -> Response {
    message(
        lang,
        uri,
        StatusCode::FORBIDDEN,
        "kb-forbidden-heading",
        "kb-forbidden-text",
    )
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

/// A `YYYY-MM-DD` day as people read it: `30.06.2027.` or `30 Jun 2027`.
pub(super) fn local_day(lang: Lang, day: &str) -> String {
    match day.parse::<jiff::civil::Date>() {
        Ok(d) => match lang {
            Lang::Lv => d.strftime("%d.%m.%Y.").to_string(),
            Lang::En => d.strftime("%-d %b %Y").to_string(),
        },
        Err(_) => day.to_string(),
    }
}

/// The text for a wire value (`kb-status-draft`), or the value itself when there is none.
pub(super) fn label(lang: Lang, prefix: &str, value: &str) -> String {
    let key = format!("{prefix}-{value}");
    let text = t(lang, &key);
    if text == key { value.to_string() } else { text }
}

struct Choice {
    value: String,
    label: String,
}

fn choices(lang: Lang, prefix: &str, values: &[&str]) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice {
            value: (*v).to_string(),
            label: label(lang, prefix, v),
        })
        .collect()
}

fn language_choices(lang: Lang) -> Vec<Choice> {
    LANGS
        .iter()
        .map(|v| Choice {
            value: (*v).to_string(),
            label: t(lang, &format!("kb-language-{v}")),
        })
        .collect()
}

struct Link {
    href: String,
    text: String,
}

// ---------------------------------------------------------------- the list

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

// ---------------------------------------------------------------- the form

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ArticleForm {
    csrf: String,
    /// `preview` or `save`.
    action: String,
    /// The version the edit started from (existing articles).
    version: String,
    /// The new article's id.
    id: String,
    lang: String,
    translation_of: String,
    title: String,
    body: String,
    tags: String,
    services: String,
    life_situations: String,
    audience: String,
    kind: String,
    review_by: String,
    note: String,
}

impl ArticleForm {
    fn of(a: &Article) -> Self {
        ArticleForm {
            version: a.version.to_string(),
            id: a.id.clone(),
            lang: a.lang.clone(),
            translation_of: a.translation_of.clone().unwrap_or_default(),
            title: a.title.clone(),
            body: a.body.clone(),
            tags: a.tags.join(", "),
            services: a.services.join(", "),
            life_situations: a.life_situations.join(", "),
            audience: a.audience.clone(),
            kind: a.kind.clone(),
            review_by: a.review_by.clone().unwrap_or_default(),
            ..ArticleForm::default()
        }
    }
}

/// Comma-separated values (tags may contain spaces).
fn list_of(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// Codes separated by commas or spaces.
fn codes_of(s: &str) -> Vec<String> {
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// The form's control for a field the domain or the store named, and the text to show.
fn problem_for(lang: Lang, e: &FieldError) -> Option<FieldProblem> {
    let base = e.field.split('[').next().unwrap_or_default();
    let empty = e.message == "must not be empty";
    let (field, key): (&'static str, &str) = match base {
        "id" => ("id", "kb-error-id"),
        "lang" => ("lang", "kb-error-lang"),
        "translation_of" => ("translation_of", "kb-error-translation"),
        "title" if empty => ("title", "action-error-required"),
        "title" => ("title", "kb-error-title"),
        "body" if empty => ("body", "action-error-required"),
        "body" => ("body", "kb-error-body"),
        "services" => ("services", "kb-error-services"),
        "institution" => ("services", "kb-error-institution"),
        "life_situations" => ("life_situations", "kb-error-life-situations"),
        "tags" => ("tags", "kb-error-tags"),
        "audience" => ("audience", "action-error-choose"),
        "kind" => ("kind", "action-error-choose"),
        "review_by" => ("review_by", "kb-error-review-by"),
        "note" => ("note", "action-error-long"),
        _ => return None,
    };
    Some(FieldProblem {
        field,
        message: t(lang, key),
    })
}

/// Field errors as the form's problems, one per control.
fn problems_of(lang: Lang, errors: &[FieldError]) -> Problems {
    let mut p = Problems::default();
    for e in errors {
        match problem_for(lang, e) {
            Some(found) if p.of(found.field).is_none() => p.0.push(found),
            Some(_) => {}
            None => {
                tracing::info!(field = %e.field, message = %e.message, "an article field error without a control")
            }
        }
    }
    p
}

/// Check the form as the JSON API checks its body; the id only for a new article.
fn check(lang: Lang, form: &ArticleForm, new: bool) -> (Snapshot, Option<String>, Problems) {
    let mut e = Errors::default();
    if new {
        rules::slug(&mut e, "id", &form.id);
    }
    let (services, situations, tags) = (
        codes_of(&form.services),
        codes_of(&form.life_situations),
        list_of(&form.tags),
    );
    let content = rules::check_draft(
        &mut e,
        &DraftInput {
            lang: &form.lang,
            translation_of: Some(form.translation_of.as_str()),
            title: &form.title,
            body: &form.body,
            services: &services,
            tags: &tags,
            life_situations: &situations,
            audience: &form.audience,
            kind: &form.kind,
            review_by: Some(form.review_by.as_str()),
        },
        "draft",
    );
    let note = e.opt_text("note", Some(&form.note), rules::MAX_NOTE);
    (content, note, problems_of(lang, &e.0))
}

struct FormTexts {
    id: String,
    id_hint: String,
    lang: String,
    translation_of: String,
    translation_hint: String,
    title: String,
    body: String,
    body_hint: String,
    tags: String,
    tags_hint: String,
    services: String,
    services_hint: String,
    life_situations: String,
    life_situations_hint: String,
    audience: String,
    kind: String,
    review_by: String,
    review_hint: String,
    note: String,
    note_hint: String,
    preview: String,
    save: String,
    preview_heading: String,
    preview_note: String,
    details: String,
    status: String,
    version: String,
    updated: String,
    institution: String,
    status_heading: String,
    versions: String,
    translations: String,
    open_portal: String,
    read_only: String,
    none: String,
}

impl FormTexts {
    fn new(lang: Lang) -> Self {
        let k = |key: &str| t(lang, key);
        FormTexts {
            id: k("kb-field-id"),
            id_hint: k("kb-field-id-hint"),
            lang: k("kb-field-lang"),
            translation_of: k("kb-field-translation-of"),
            translation_hint: k("kb-field-translation-of-hint"),
            title: k("kb-field-title"),
            body: k("kb-field-body"),
            body_hint: k("kb-field-body-hint"),
            tags: k("kb-field-tags"),
            tags_hint: k("kb-field-tags-hint"),
            services: k("request-service"),
            services_hint: k("kb-field-services-hint"),
            life_situations: k("kb-field-life-situations"),
            life_situations_hint: k("kb-field-life-situations-hint"),
            audience: k("kb-field-audience"),
            kind: k("kb-field-kind"),
            review_by: k("kb-field-review-by"),
            review_hint: k("kb-field-review-by-hint"),
            note: k("kb-field-note"),
            note_hint: k("kb-field-note-hint"),
            preview: k("kb-preview"),
            save: k("kb-save"),
            preview_heading: k("kb-preview-heading"),
            preview_note: k("kb-preview-note"),
            details: k("kb-details"),
            status: k("col-status"),
            version: k("kb-version"),
            updated: k("col-updated"),
            institution: k("kb-institution"),
            status_heading: k("kb-status-heading"),
            versions: k("kb-versions-link"),
            translations: k("kb-translations"),
            open_portal: k("kb-open-portal"),
            read_only: k("kb-read-only"),
            none: k("staff-none"),
        }
    }
}

/// An existing article's side of the page.
struct Current {
    status: String,
    version: i64,
    updated: String,
    updated_iso: String,
    institution: String,
    /// The sanitised rendering, for the read-only view.
    html: String,
    portal_href: Option<String>,
    versions_href: String,
    status_action: String,
    /// The statuses it can be moved to: (value, button text).
    moves: Vec<Choice>,
    translations: Vec<Link>,
    create_translation: Option<Link>,
    facts: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "staff_kb_edit.html")]
struct EditPage {
    page: Page,
    l: FormTexts,
    notice: Option<String>,
    /// A conflict or refusal, with a link to what changed.
    error: Option<(String, Option<Link>)>,
    is_new: bool,
    editable: bool,
    action: String,
    csrf: String,
    form: ArticleForm,
    langs: Vec<Choice>,
    kinds: Vec<Choice>,
    audiences: Vec<Choice>,
    problems: Problems,
    problems_heading: String,
    preview: Option<String>,
    current: Option<Current>,
}

fn current_of(lang: Lang, a: &Article, editable: bool) -> Current {
    let k = |key: &str| t(lang, key);
    let other = LANGS
        .iter()
        .find(|l| **l != a.lang && !a.translations.iter().any(|tr| tr.lang == **l));
    let root = a.translation_of.clone().unwrap_or_else(|| a.id.clone());
    let create_translation = match other {
        Some(other) if editable => Some(Link {
            href: format!(
                "{}?translation_of={root}&lang={other}",
                localized(lang, "/staff/kb/new")
            ),
            text: format!(
                "{} ({})",
                k("kb-create-translation"),
                t(lang, &format!("kb-language-{other}"))
            ),
        }),
        _ => None,
    };
    let list = |v: &[String]| {
        if v.is_empty() {
            k("staff-none")
        } else {
            v.join(", ")
        }
    };
    Current {
        status: label(lang, "kb-status", &a.status),
        version: a.version,
        updated: local_time(lang, &a.updated_at),
        updated_iso: a.updated_at.clone(),
        institution: a.institution.clone().unwrap_or_else(|| k("staff-none")),
        html: a.html.clone(),
        portal_href: (a.status == "published" && a.audience == "public")
            .then(|| article_href(Lang::parse(&a.lang).unwrap_or(lang), &a.id)),
        versions_href: editor_path(lang, &a.id, "/versions"),
        status_action: editor_path(lang, &a.id, "/status"),
        moves: STATUSES
            .iter()
            .filter(|st| **st != a.status)
            .map(|st| Choice {
                value: (*st).to_string(),
                label: k(&format!("kb-move-{st}")),
            })
            .collect(),
        translations: a
            .translations
            .iter()
            .map(|tr| Link {
                href: editor_path(lang, &tr.id, ""),
                text: format!(
                    "{} ({})",
                    tr.id,
                    t(lang, &format!("kb-language-{}", tr.lang))
                ),
            })
            .collect(),
        create_translation,
        facts: vec![
            (k("kb-field-lang"), label(lang, "kb-language", &a.lang)),
            (k("kb-field-kind"), label(lang, "kb-kind", &a.kind)),
            (
                k("kb-field-audience"),
                label(lang, "kb-audience", &a.audience),
            ),
            (k("request-service"), list(&a.services)),
            (k("kb-field-life-situations"), list(&a.life_situations)),
            (k("kb-field-tags"), list(&a.tags)),
            (
                k("kb-field-review-by"),
                a.review_by
                    .as_deref()
                    .map_or_else(|| k("kb-review-none"), |d| local_day(lang, d)),
            ),
        ],
    }
}

/// What the edit page shows besides the form.
#[derive(Default)]
struct Extras {
    notice: Option<String>,
    error: Option<(String, Option<Link>)>,
    preview: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn edit_page(
    lang: Lang,
    uri: &Uri,
    session: &Session,
    status: StatusCode,
    article: Option<&Article>,
    form: ArticleForm,
    problems: Problems,
    extras: Extras,
) -> Response {
    let k = |key: &str| t(lang, key);
    let editable = match article {
        Some(a) => may_edit(&session.staff, a),
        None => session.staff.role.edits_articles(),
    };
    let (title, action) = match article {
        Some(a) => (a.title.clone(), editor_path(lang, &a.id, "")),
        None => (k("kb-new"), localized(lang, "/staff/kb/new")),
    };
    render(
        status,
        EditPage {
            page: Page::workspace(lang, title, uri, &session.staff, &session.csrf_token),
            l: FormTexts::new(lang),
            notice: extras.notice,
            error: extras.error,
            is_new: article.is_none(),
            editable,
            action,
            csrf: session.csrf_token.clone(),
            form,
            langs: language_choices(lang),
            kinds: choices(lang, "kb-kind", &KINDS),
            audiences: choices(lang, "kb-audience", &AUDIENCES),
            problems,
            problems_heading: k("form-problems-heading"),
            preview: extras.preview,
            current: article.map(|a| current_of(lang, a, editable)),
        },
    )
}

/// The article as this person may see it (drafts only for its editors); no view counted.
/// A posted form on an article the signed-in person may edit: the session,
/// the form and the article, or the page to answer instead.
async fn posted_edit<F>(
    s: &AppState,
    lang: Lang,
    uri: &Uri,
    jar: &CookieJar,
    id: &str,
    form: Result<Form<F>, axum_extra::extract::FormRejection>,
    token: impl Fn(&F) -> &str,
) -> Result<(Session, F, Article), Response> {
    let (session, form) = posted(s, lang, uri, jar, form, token).await?;
    let article = load(s, lang, uri, &session.staff, id).await?;
    if !may_edit(&session.staff, &article) {
        return Err(forbidden(lang, uri));
    }
    Ok((session, form, article))
}

async fn load(
    s: &AppState,
    lang: Lang,
    uri: &Uri,
    staff: &StaffActor,
    id: &str,
) -> Result<Article, Response> {
    if !valid_id(id) {
        return Err(not_found(lang, uri));
    }
    match s.store.article_unviewed(Viewer::Staff(staff), id).await {
        Ok(a) => Ok(a),
        Err(StoreError::NotFound(_)) => Err(not_found(lang, uri)),
        Err(e) => Err(unavailable(lang, uri, &e.to_string())),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EditParams {
    done: String,
}

pub async fn edit(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    jar: CookieJar,
    params: Result<Query<EditParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let session = match signed_in(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let article = match load(&s, lang, &uri, &session.staff, &id).await {
        Ok(a) => a,
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
    if form.action == "preview" {
        let preview = Some(render_html(&form.body));
        return edit_page(
            lang,
            &uri,
            &session,
            StatusCode::OK,
            Some(&article),
            form,
            Problems::default(),
            Extras {
                preview,
                ..Extras::default()
            },
        );
    }
    if !problems.is_empty() {
        return edit_page(
            lang,
            &uri,
            &session,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&article),
            form,
            problems,
            Extras::default(),
        );
    }
    let staff = &session.staff;
    match save_update(&s, staff, &id, version, content, note.as_deref()).await {
        Ok(_) => {
            Redirect::to(&format!("{}?done=saved", editor_path(lang, &id, ""))).into_response()
        }
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

// ---------------------------------------------------------------- new articles

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
    if form.action == "preview" {
        let preview = Some(render_html(&form.body));
        return edit_page(
            lang,
            &uri,
            &session,
            StatusCode::OK,
            None,
            form,
            Problems::default(),
            Extras {
                preview,
                ..Extras::default()
            },
        );
    }
    if !problems.is_empty() {
        return edit_page(
            lang,
            &uri,
            &session,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            form,
            problems,
            Extras::default(),
        );
    }
    let id = form.id.trim().to_string();
    match save_new(&s, &session.staff, &id, None, content, note.as_deref()).await {
        Ok(_) => {
            Redirect::to(&format!("{}?done=created", editor_path(lang, &id, ""))).into_response()
        }
        Err(e) => refused(lang, &uri, &session, None, form, e),
    }
}

// ---------------------------------------------------------------- status and restore

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
        Ok(_) => {
            Redirect::to(&format!("{}?done={status}", editor_path(lang, &id, ""))).into_response()
        }
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
        Ok(_) => {
            Redirect::to(&format!("{}?done=restored", editor_path(lang, &id, ""))).into_response()
        }
        Err(e) => status_refused(lang, &uri, &session, &article, e),
    }
}

// ---------------------------------------------------------------- versions and diffs

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
    let session = match signed_in(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let article = match load(&s, lang, &uri, &session.staff, &id).await {
        Ok(a) => a,
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
    let session = match signed_in(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let article = match load(&s, lang, &uri, &session.staff, &id).await {
        Ok(a) => a,
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
    use atbalsts_domain::kb::diff::LineOp;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_as_written() {
        assert_eq!(
            list_of("pase, ID karte ,, ceļošana"),
            ["pase", "ID karte", "ceļošana"]
        );
        assert_eq!(
            codes_of("PMLP-001, PMLP-003 VID-001"),
            ["PMLP-001", "PMLP-003", "VID-001"]
        );
    }

    #[test]
    fn field_errors_land_on_their_controls() {
        let p = problems_of(
            Lang::Lv,
            &[
                FieldError::new("services[1]", "bad"),
                FieldError::new("services", "no service with code X"),
                FieldError::new("title", "must not be empty"),
            ],
        );
        assert_eq!(p.0.len(), 2);
        assert_eq!(
            p.of("title"),
            Some(t(Lang::Lv, "action-error-required").as_str())
        );
        assert!(p.of("services").is_some());
    }

    #[test]
    fn review_days_read_locally() {
        assert_eq!(local_day(Lang::Lv, "2027-06-30"), "30.06.2027.");
        assert_eq!(local_day(Lang::En, "2027-06-30"), "30 Jun 2027");
    }
}
