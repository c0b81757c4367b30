//! Knowledge-base search and the knowledge-gaps report.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiResult, Problem};
use crate::extract::Query;
use atbalsts_domain::Actor;
use atbalsts_search::Lang;
use atbalsts_store::assistant::{Gap, Outcomes};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Longest question or query accepted, in characters.
pub const MAX_QUERY: usize = 2000;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// What to look for, e.g. `deklarēt dzīvesvietu` (diacritics optional).
    q: String,
    /// Only articles in `lv` or `en`; also the language of `q` (default: detected).
    #[param(pattern = "^(lv|en)$")]
    lang: Option<String>,
    /// Only articles that answer this service.
    #[param(pattern = "^[A-Za-z0-9_-]{1,40}$")]
    service: Option<String>,
    /// At most this many results (1–50, default 10).
    #[param(minimum = 1, maximum = 50)]
    limit: Option<u32>,
}

/// One article found.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    pub id: String,
    pub title: String,
    pub lang: String,
    pub score: f32,
    /// HTML: the text escaped, the matched words in `<mark>`.
    pub snippet: String,
    pub services: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub results: Vec<SearchHit>,
}

pub(crate) fn parse_lang(lang: Option<&str>) -> ApiResult<Option<Lang>> {
    match lang {
        None => Ok(None),
        Some(code) => Lang::parse(code)
            .map(Some)
            .ok_or_else(|| crate::ApiError::BadRequest("lang must be one of: lv, en".into())),
    }
}

pub(crate) fn check_text(name: &str, text: &str) -> ApiResult<()> {
    if text.trim().is_empty() {
        return Err(crate::ApiError::BadRequest(format!(
            "{name} must not be empty"
        )));
    }
    if text.chars().count() > MAX_QUERY || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(crate::ApiError::BadRequest(format!(
            "{name} must be at most {MAX_QUERY} characters of text, without control characters"
        )));
    }
    Ok(())
}

/// Search the knowledge base: Latvian-aware (inflections, missing
/// diacritics, typos), English for English articles; the public finds
/// published public articles, staff internal ones too.
#[utoipa::path(get, path = "/api/v1/kb/search", tag = "knowledge base", params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 400, body = Problem)))]
pub async fn search(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    check_text("q", &q.q)?;
    let only_lang = parse_lang(q.lang.as_deref())?;
    if let Some(service) = &q.service {
        crate::routes::tickets::param_code("service", service)?;
    }
    let limit = q.limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(crate::ApiError::BadRequest(
            "limit must be between 1 and 50".into(),
        ));
    }
    let lang = only_lang
        .or_else(|| atbalsts_search::assistant::detect_language(&q.q))
        .unwrap_or(Lang::Lv);
    let staff = matches!(actor, Actor::Staff(_));
    let found = s
        .search
        .articles(crate::search::ArticleQuery {
            text: q.q.clone(),
            lang,
            only_lang,
            service: q.service.clone(),
            staff,
            limit: limit as usize,
        })
        .await?;
    if found.hits.is_empty() {
        s.search.note_gap(&q.q, lang.code(), "search");
    }
    Ok(Json(SearchResults {
        results: found
            .hits
            .into_iter()
            .map(|h| SearchHit {
                id: h.id,
                title: h.title,
                lang: h.lang,
                score: h.score,
                snippet: h.snippet,
                services: h.services,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GapsQuery {
    /// At most this many (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// The knowledge-gaps report (staff): questions that found nothing or that
/// the assistant could not answer, most asked first.
#[utoipa::path(get, path = "/api/v1/kb/gaps", tag = "knowledge base", params(GapsQuery),
    responses((status = 200, body = [Gap]), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn gaps(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Query(q): Query<GapsQuery>,
) -> ApiResult<Json<Vec<Gap>>> {
    if !matches!(actor, Actor::Staff(_)) {
        return Err(crate::ApiError::Unauthorized(
            "sign in as staff to see the knowledge gaps".into(),
        ));
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(crate::ApiError::BadRequest(
            "limit must be between 1 and 500".into(),
        ));
    }
    // What this node counted so far is part of the report.
    s.search.flush_gaps().await.map_err(sync_error)?;
    Ok(Json(s.store.gaps(i64::from(limit)).await?))
}

/// How assistant conversations ended (staff): deflection at level 0.
#[utoipa::path(get, path = "/api/v1/assistant/outcomes", tag = "assistant",
    responses((status = 200, body = Outcomes), (status = 401, body = Problem)))]
pub async fn outcomes(State(s): State<AppState>, Auth(actor): Auth) -> ApiResult<Json<Outcomes>> {
    if !matches!(actor, Actor::Staff(_)) {
        return Err(crate::ApiError::Unauthorized(
            "sign in as staff to see the assistant's figures".into(),
        ));
    }
    Ok(Json(s.store.assistant_outcomes().await?))
}

pub(crate) fn sync_error(e: crate::search::SyncError) -> crate::ApiError {
    match e {
        crate::search::SyncError::Store(e) => crate::ApiError::Store(e),
        other => crate::ApiError::Unavailable(format!("the search index failed: {other}")),
    }
}
