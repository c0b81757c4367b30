//! Knowledge base, read side: the public sees published public articles;
//! staff also see internal ones.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiResult, Problem};
use crate::extract::Query;
use atbalsts_domain::Actor;
use atbalsts_store::kb::Article;
use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use utoipa::IntoParams;

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
