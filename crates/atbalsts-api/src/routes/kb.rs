//! Knowledge base. Reading: the public sees published public articles;
//! staff also see internal ones, and editors every article of their
//! institutions (drafts, archived). Editing: staff whose role writes
//! articles, within their scopes (`domain::access::authorize_article_edit`).

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ClientIp, Json as JsonBody, Query};
use atbalsts_domain::kb::{self as rules, DraftInput, MAX_NOTE, Snapshot};
use atbalsts_domain::validate::{self, Errors};
use atbalsts_domain::{Actor, StaffActor};
use atbalsts_http::kb_edit::{save_new, save_restore, save_status, save_update};
use atbalsts_store::kb::{
    Article, ArticleDiff, ArticleVersion, FeedbackCounts, StaleArticle, Viewer,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// The staff member behind the request, or 401.
fn staff<'a>(actor: &'a Actor, what: &str) -> ApiResult<&'a StaffActor> {
    match actor {
        Actor::Staff(s) => Ok(s),
        _ => Err(ApiError::Unauthorized(format!(
            "sign in as staff to {what}"
        ))),
    }
}

/// An article id in the path; one that cannot exist is simply not found.
fn article_id(id: &str) -> ApiResult<()> {
    crate::routes::tickets::param_code("id", id)
        .map_err(|_| ApiError::NotFound(format!("article {id:?}")))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ArticleQuery {
    /// `lv` or `en`.
    #[param(pattern = "^(lv|en)$")]
    lang: Option<String>,
    /// Only articles that answer this service.
    #[param(pattern = "^[A-Za-z0-9_-]{1,40}$")]
    service: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/kb/articles", tag = "knowledge base", params(ArticleQuery),
    responses((status = 200, body = [Article]), (status = 400, body = Problem)))]
pub async fn articles(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Query(q): Query<ArticleQuery>,
) -> ApiResult<Json<Vec<Article>>> {
    if let Some(lang) = &q.lang
        && !atbalsts_domain::kb::LANGS.contains(&lang.as_str())
    {
        return Err(crate::ApiError::BadRequest(format!(
            "lang must be one of: {}",
            atbalsts_domain::kb::LANGS.join(", ")
        )));
    }
    if let Some(service) = &q.service {
        crate::routes::tickets::param_code("service", service)?;
    }
    let staff = matches!(actor, Actor::Staff(_));
    Ok(Json(
        s.store
            .articles(staff, q.lang.as_deref(), q.service.as_deref())
            .await?,
    ))
}

/// One article. Editors also get drafts and archived articles of their institutions.
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}", tag = "knowledge base",
    params(("id" = String, Path, description = "article slug")),
    responses((status = 200, body = Article), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn article(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Article>> {
    article_id(&id)?;
    Ok(Json(s.store.article_for(Viewer::of(&actor), &id).await?))
}

/// Every saved version of an article, newest first, with the full snapshot (staff only).
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/versions", tag = "knowledge base",
    params(("id" = String, Path, description = "article slug")),
    responses((status = 200, body = [ArticleVersion]), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn versions(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<ArticleVersion>>> {
    let staff = staff(&actor, "see an article's versions")?;
    article_id(&id)?;
    Ok(Json(s.store.article_history(staff, &id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBody {
    /// Did the article help?
    pub helpful: bool,
    #[schema(max_length = 2000)]
    pub comment: Option<String>,
}

/// "Was this helpful?" — anyone who may read the article can answer.
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/feedback", tag = "knowledge base",
    params(("id" = String, Path, description = "article slug")), request_body = FeedbackBody,
    responses((status = 200, body = FeedbackCounts), (status = 404, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn feedback(
    State(s): State<AppState>,
    Auth(actor): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<FeedbackBody>,
) -> ApiResult<axum::Json<FeedbackCounts>> {
    article_id(&id)?;
    let mut e = Errors::default();
    let comment = e.opt_text("comment", b.comment.as_deref(), validate::MAX_REASON);
    e.finish(()).map_err(crate::ApiError::Invalid)?;
    let staff = matches!(actor, Actor::Staff(_));
    if !staff {
        s.limits.public_write(ip)?;
    }
    Ok(axum::Json(
        s.store
            .article_feedback(staff, &id, b.helpful, comment.as_deref())
            .await?,
    ))
}

/// A new article. `institution` defaults to the owner of the first service.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewArticleBody {
    /// Stable slug: lower-case letters and digits, words joined by single hyphens.
    #[schema(min_length = 2, max_length = 40, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub id: String,
    /// The owning institution's code; by default the institution of the first service.
    #[schema(min_length = 1, max_length = 40, pattern = "^[A-Za-z0-9_-]+$")]
    pub institution: Option<String>,
    #[schema(pattern = "^(lv|en)$")]
    pub lang: String,
    /// For a translation: the id of the original, an article in another language.
    #[schema(max_length = 40, pattern = "^[A-Za-z0-9_-]*$")]
    pub translation_of: Option<String>,
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// Markdown, at most 100 KiB. Raw HTML is removed when rendered.
    #[schema(min_length = 1, max_length = 102400)]
    pub body: String,
    /// Service codes, e.g. `PMLP-003`.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub services: Vec<String>,
    /// Life situation codes, e.g. `LS-MOVE`.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub life_situations: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub tags: Vec<String>,
    #[schema(pattern = "^(public|internal)$")]
    pub audience: String,
    #[schema(pattern = "^(faq|howto|known_error|policy)$")]
    pub kind: String,
    /// `draft` (default), `published` or `archived`.
    #[schema(pattern = "^(draft|published|archived)$")]
    pub status: Option<String>,
    /// Review by this day, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub review_by: Option<String>,
    /// The change summary kept with the version.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// The whole article as edited, with the version the editor started from.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArticleBody {
    /// The `version` the edit started from; if the article has moved on, the answer is 409.
    #[schema(minimum = 1)]
    pub version: i64,
    #[schema(pattern = "^(lv|en)$")]
    pub lang: String,
    #[schema(max_length = 40, pattern = "^[A-Za-z0-9_-]*$")]
    pub translation_of: Option<String>,
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[schema(min_length = 1, max_length = 102400)]
    pub body: String,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub services: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub life_situations: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub tags: Vec<String>,
    #[schema(pattern = "^(public|internal)$")]
    pub audience: String,
    #[schema(pattern = "^(faq|howto|known_error|policy)$")]
    pub kind: String,
    #[schema(format = Date)]
    pub review_by: Option<String>,
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    #[schema(pattern = "^(draft|published|archived)$")]
    pub status: String,
    /// When given, the version the editor saw; a later one is a 409.
    #[schema(minimum = 1)]
    pub version: Option<i64>,
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreBody {
    /// The version to bring back.
    #[schema(minimum = 1)]
    pub version: i64,
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

fn note(e: &mut Errors, note: Option<&str>) -> Option<String> {
    e.opt_text("note", note, MAX_NOTE)
}

fn positive(e: &mut Errors, field: &str, n: i64) {
    if n < 1 {
        e.push(field, "must be a version number, 1 or more");
    }
}

/// Write a new article (staff whose role writes articles, for their institutions).
#[utoipa::path(post, path = "/api/v1/kb/articles", tag = "knowledge base", request_body = NewArticleBody,
    responses((status = 201, body = Article), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    Auth(actor): Auth,
    JsonBody(b): JsonBody<NewArticleBody>,
) -> ApiResult<(StatusCode, Json<Article>)> {
    let staff = staff(&actor, "write articles")?;
    let mut e = Errors::default();
    let id = rules::slug(&mut e, "id", &b.id);
    let institution = e.opt_code("institution", b.institution.as_deref());
    let content = rules::check_draft(
        &mut e,
        &DraftInput {
            lang: &b.lang,
            translation_of: b.translation_of.as_deref(),
            title: &b.title,
            body: &b.body,
            services: &b.services,
            tags: &b.tags,
            life_situations: &b.life_situations,
            audience: &b.audience,
            kind: &b.kind,
            review_by: b.review_by.as_deref(),
        },
        b.status.as_deref().unwrap_or("draft"),
    );
    let note = note(&mut e, b.note.as_deref());
    e.finish(()).map_err(ApiError::Invalid)?;
    let article = save_new(
        &s,
        staff,
        &id,
        institution.as_deref(),
        content,
        note.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(article)))
}

/// Replace an article's content and metadata (its status stays; see `/status`).
#[utoipa::path(put, path = "/api/v1/kb/articles/{id}", tag = "knowledge base",
    params(("id" = String, Path, description = "article slug")), request_body = UpdateArticleBody,
    responses((status = 200, body = Article), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn update(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<UpdateArticleBody>,
) -> ApiResult<Json<Article>> {
    let staff = staff(&actor, "edit articles")?;
    article_id(&id)?;
    let mut e = Errors::default();
    positive(&mut e, "version", b.version);
    // The status is the article's own; "draft" only stands in for the check.
    let content: Snapshot = rules::check_draft(
        &mut e,
        &DraftInput {
            lang: &b.lang,
            translation_of: b.translation_of.as_deref(),
            title: &b.title,
            body: &b.body,
            services: &b.services,
            tags: &b.tags,
            life_situations: &b.life_situations,
            audience: &b.audience,
            kind: &b.kind,
            review_by: b.review_by.as_deref(),
        },
        "draft",
    );
    let note = note(&mut e, b.note.as_deref());
    e.finish(()).map_err(ApiError::Invalid)?;
    let article = save_update(&s, staff, &id, b.version, content, note.as_deref()).await?;
    Ok(Json(article))
}

/// Draft, publish or archive an article.
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/status", tag = "knowledge base",
    params(("id" = String, Path, description = "article slug")), request_body = StatusBody,
    responses((status = 200, body = Article), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn status(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<StatusBody>,
) -> ApiResult<Json<Article>> {
    let staff = staff(&actor, "change an article's status")?;
    article_id(&id)?;
    let mut e = Errors::default();
    let status = rules::check_status(&mut e, &b.status);
    if let Some(v) = b.version {
        positive(&mut e, "version", v);
    }
    let note = note(&mut e, b.note.as_deref());
    e.finish(()).map_err(ApiError::Invalid)?;
    let article = save_status(&s, staff, &id, &status, b.version, note.as_deref()).await?;
    Ok(Json(article))
}

/// Bring back an earlier version, everything in it (status too), as a new version.
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/restore", tag = "knowledge base",
    params(("id" = String, Path, description = "article slug")), request_body = RestoreBody,
    responses((status = 200, body = Article), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn restore(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<RestoreBody>,
) -> ApiResult<Json<Article>> {
    let staff = staff(&actor, "restore articles")?;
    article_id(&id)?;
    let mut e = Errors::default();
    positive(&mut e, "version", b.version);
    let note = note(&mut e, b.note.as_deref());
    e.finish(()).map_err(ApiError::Invalid)?;
    let article = save_restore(&s, staff, &id, b.version, note.as_deref()).await?;
    Ok(Json(article))
}

fn version_number(n: &str) -> ApiResult<i64> {
    n.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "{n:?} is not a version number; versions are whole numbers from 1"
        ))
    })
}

/// One saved version of an article (staff who may see the article).
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/versions/{n}", tag = "knowledge base",
    params(("id" = String, Path, description = "article slug"),
        ("n" = i64, Path, minimum = 1, description = "version number")),
    responses((status = 200, body = ArticleVersion), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn version(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Path((id, n)): Path<(String, String)>,
) -> ApiResult<Json<ArticleVersion>> {
    let staff = staff(&actor, "see an article's versions")?;
    let n = version_number(&n)?;
    article_id(&id)?;
    Ok(Json(s.store.article_version(staff, &id, n).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    /// The earlier version.
    #[param(minimum = 1)]
    from: i64,
    /// The later version.
    #[param(minimum = 1)]
    to: i64,
}

/// What changed between two versions: a unified diff of the article files and the hunks as data.
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/diff", tag = "knowledge base",
    params(("id" = String, Path, description = "article slug"), DiffQuery),
    responses((status = 200, body = ArticleDiff), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn diff(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    Query(q): Query<DiffQuery>,
) -> ApiResult<Json<ArticleDiff>> {
    let staff = staff(&actor, "compare an article's versions")?;
    article_id(&id)?;
    Ok(Json(s.store.article_diff(staff, &id, q.from, q.to).await?))
}

/// Published articles due for review (review-by day passed or never set),
/// of the institutions the staff member edits.
#[utoipa::path(get, path = "/api/v1/kb/stale", tag = "knowledge base",
    responses((status = 200, body = [StaleArticle]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn stale(
    State(s): State<AppState>,
    Auth(actor): Auth,
) -> ApiResult<Json<Vec<StaleArticle>>> {
    let staff = staff(&actor, "see articles due for review")?;
    Ok(Json(s.store.stale_articles(staff).await?))
}
