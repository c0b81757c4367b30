//! The virtual assistant: questions in a conversation, hand-over to a
//! person as a level-1 chat ticket, and "this helped".

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiResult, Problem};
use crate::extract::{ClientIp, Json as JsonBody};
use crate::routes::search::{check_text, parse_lang};
use atbalsts_domain::Actor;
use atbalsts_http::assistant::{
    AssistantReply, HandoffBody, HandoffReply, answer, hand_over, session_param,
};
use atbalsts_store::assistant::Session;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryBody {
    /// The question, as the person typed it.
    #[schema(min_length = 1, max_length = 2000)]
    pub q: String,
    /// `lv` or `en`; when absent the question's language is detected.
    pub lang: Option<String>,
    /// The conversation to continue (from an earlier reply).
    pub session: Option<String>,
}

/// Ask the assistant. It answers from the knowledge base when it is
/// confident, asks to choose when two answers are close, and otherwise says
/// so and offers a person.
#[utoipa::path(post, path = "/api/v1/assistant/query", tag = "assistant", request_body = QueryBody,
    responses((status = 200, body = AssistantReply), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn query(
    State(s): State<AppState>,
    Auth(actor): Auth,
    ClientIp(ip): ClientIp,
    JsonBody(b): JsonBody<QueryBody>,
) -> ApiResult<Json<AssistantReply>> {
    check_text("q", &b.q)?;
    let lang = parse_lang(b.lang.as_deref())?;
    let staff = matches!(actor, Actor::Staff(_));
    Ok(Json(
        answer(&s, staff, ip, &b.q, lang, b.session.as_deref()).await?,
    ))
}

/// Hand the conversation to a person: a level-1 ticket on the chat channel
/// with the transcript and the articles shown, routed by the service.
#[utoipa::path(post, path = "/api/v1/assistant/sessions/{id}/handoff", tag = "assistant",
    params(("id" = String, Path, description = "conversation id")), request_body = HandoffBody,
    responses((status = 201, body = HandoffReply), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn handoff(
    State(s): State<AppState>,
    Auth(actor): Auth,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<HandoffBody>,
) -> ApiResult<(StatusCode, Json<HandoffReply>)> {
    let staff = matches!(actor, Actor::Staff(_));
    let reply = hand_over(&s, staff, ip, &id, b).await?;
    Ok((StatusCode::CREATED, Json(reply)))
}

/// "This helped": the conversation ends, resolved at level 0.
#[utoipa::path(post, path = "/api/v1/assistant/sessions/{id}/helped", tag = "assistant",
    params(("id" = String, Path, description = "conversation id")),
    responses((status = 200, body = Session), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn helped(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Session>> {
    session_param(&id)?;
    Ok(Json(s.store.mark_helped(&id).await?))
}
