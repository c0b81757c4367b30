//! Knowledge base, read side: the public sees published public articles;
//! staff also see internal ones.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiResult, Problem};
use crate::extract::{ClientIp, Json as JsonBody, Query};
use atbalsts_domain::Actor;
use atbalsts_domain::validate::{self, Errors};
use atbalsts_store::kb::{Article, ArticleVersion, FeedbackCounts};
use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ArticleQuery {
    /// `lv` or `en`.
    lang: Option<String>,
    /// Only articles that answer this service.
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

#[utoipa::path(get, path = "/api/v1/kb/articles/{id}", tag = "knowledge base",
    params(("id" = String, Path, description = "article slug")),
    responses((status = 200, body = Article), (status = 404, body = Problem)))]
pub async fn article(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Article>> {
    crate::routes::tickets::param_code("id", &id)
        .map_err(|_| crate::ApiError::NotFound(format!("article {id:?}")))?;
    let staff = matches!(actor, Actor::Staff(_));
    Ok(Json(s.store.article(staff, &id).await?))
}

/// Every saved version of an article, newest first (staff only).
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/versions", tag = "knowledge base",
    params(("id" = String, Path, description = "article slug")),
    responses((status = 200, body = [ArticleVersion]), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn versions(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<ArticleVersion>>> {
    if !matches!(actor, Actor::Staff(_)) {
        return Err(crate::ApiError::Unauthorized(
            "sign in as staff to see an article's versions".into(),
        ));
    }
    crate::routes::tickets::param_code("id", &id)
        .map_err(|_| crate::ApiError::NotFound(format!("article {id:?}")))?;
    Ok(Json(s.store.article_versions(&id).await?))
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
    crate::routes::tickets::param_code("id", &id)
        .map_err(|_| crate::ApiError::NotFound(format!("article {id:?}")))?;
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
