//! Asking the virtual assistant and handing the conversation to a person:
//! the JSON API and the portal's chat page both do it here, so the rate
//! limits, the knowledge gaps and the kept turns are the same for both.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use atbalsts_domain::refusal::Code;
use atbalsts_domain::validate::{self, Errors};
use atbalsts_search::{Lang, Question};
use atbalsts_store::assistant::{Handoff, ShownArticle, Turn};
use atbalsts_store::tickets::NewRequester;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct AssistantResult {
    /// Article id.
    pub id: String,
    pub title: String,
    pub score: f32,
    /// HTML: escaped text with the matched words in `<mark>`.
    pub snippet: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssistantReply {
    /// False when the assistant is not confident: it says so and offers a person.
    pub answer: bool,
    pub reply: String,
    /// The language of the reply (the question's).
    pub lang: String,
    /// The articles it used or suggests, best first.
    pub results: Vec<AssistantResult>,
    pub session: String,
    pub handoff_offered: bool,
    /// True when two answers were close and the reply asks which one is meant.
    pub clarify: bool,
    /// Why: `answered`, `clarify`, `chit_chat`, `not_sure`, `no_article`, `empty`.
    pub verdict: String,
    /// The service the question seems to be about (a hand-off goes there).
    pub service: Option<String>,
    /// `semantic` when the embedding model is loaded and the knowledge base
    /// embedded, else `lexical`.
    pub mode: String,
}

/// A conversation id in a path; one that cannot exist is simply not found.
pub fn session_param(id: &str) -> ApiResult<()> {
    let ok = (16..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!("conversation {id:?}")))
    }
}

/// Answer question `q` (already checked for length) in conversation
/// `session`, or in a new one: the rate limit for the public, the reply from
/// the index, the knowledge gap when nothing answered, and the turn kept with
/// the conversation. The JSON API and the portal's chat page both ask here.
pub async fn answer(
    s: &AppState,
    staff: bool,
    ip: Option<IpAddr>,
    q: &str,
    lang: Option<Lang>,
    session: Option<&str>,
) -> ApiResult<AssistantReply> {
    if !staff {
        s.limits.assistant(ip)?;
    }
    let (session, previous, create) = match session {
        Some(id) => {
            session_param(id)?;
            let session = s.store.assistant_session(id).await?;
            if session.outcome != "open" {
                return Err(atbalsts_store::StoreError::conflict(
                    Code::ConversationEnded,
                    "this conversation has ended; start a new one",
                )
                .into());
            }
            (id.to_string(), s.store.last_question(id).await?, false)
        }
        None => (atbalsts_store::tickets::new_secret(), None, true),
    };
    let search = s.search.clone();
    let text = q.to_string();
    let reply = tokio::task::spawn_blocking(move || {
        search.index.ask(&Question {
            text: &text,
            lang,
            previous: previous.as_deref(),
            staff,
        })
    })
    .await
    .map_err(|e| ApiError::Unavailable(format!("the assistant failed: {e}")))??;
    if !reply.answer && reply.verdict != atbalsts_search::Verdict::ChitChat {
        s.search.note_gap(q, reply.lang.code(), "assistant");
    }
    s.store
        .record_turn(
            &session,
            create,
            reply.lang.code(),
            &Turn {
                question: q.to_string(),
                reply: reply.reply.clone(),
                answered: reply.answer,
                articles: reply
                    .results
                    .iter()
                    .take(3)
                    .map(|h| ShownArticle {
                        id: h.id.clone(),
                        title: h.title.clone(),
                    })
                    .collect(),
                service: reply.service.clone(),
            },
        )
        .await?;
    Ok(AssistantReply {
        answer: reply.answer,
        lang: reply.lang.code().to_string(),
        clarify: reply.verdict == atbalsts_search::Verdict::Clarify,
        verdict: reply.verdict.as_str().to_string(),
        handoff_offered: reply.handoff_offered,
        service: reply.service,
        mode: s.search.index.mode().0.as_str().to_string(),
        reply: reply.reply,
        results: reply
            .results
            .into_iter()
            .map(|h| AssistantResult {
                id: h.id,
                title: h.title,
                score: h.score,
                snippet: h.snippet,
            })
            .collect(),
        session,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoffBody {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Anything to add for the specialist.
    #[schema(max_length = 2000)]
    pub message: Option<String>,
    /// The service the question is about, when the person knows it.
    pub service: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HandoffReply {
    /// The new ticket's number, e.g. `2026-000123`.
    pub number: String,
    pub ticket_id: i64,
    /// The requester's private key to the ticket (shown once).
    pub access_token: Option<String>,
    pub institution: String,
}

/// Hand conversation `id` to a person: the fields checked (422 listing each),
/// the rate limit for the public, and the chat ticket created. The JSON API
/// and the portal's chat page both hand over here.
pub async fn hand_over(
    s: &AppState,
    staff: bool,
    ip: Option<IpAddr>,
    id: &str,
    b: HandoffBody,
) -> ApiResult<HandoffReply> {
    session_param(id)?;
    let mut e = Errors::default();
    let name = e.text("name", &b.name, validate::MAX_NAME);
    let email = b.email.as_deref().map(|v| e.email("email", v));
    let phone = b.phone.as_deref().map(|v| e.phone("phone", v));
    if email.is_none() && phone.is_none() {
        e.push(
            "email",
            "give an e-mail address or a phone number so that we can answer",
        );
    }
    let message = e.opt_text("message", b.message.as_deref(), validate::MAX_REASON);
    let service = e.opt_code("service", b.service.as_deref());
    e.finish(()).map_err(ApiError::Invalid)?;
    if !staff {
        s.limits.public_write(ip)?;
    }
    let created = s
        .store
        .hand_off(
            id,
            Handoff {
                requester: NewRequester {
                    name,
                    email,
                    phone,
                    personal_code: None,
                },
                message,
                service,
                fallback_institution: s.handoff_institution.clone(),
            },
        )
        .await?;
    // Answers that did not help (the person still asked for someone): what the
    // knowledge base lacks, like the questions the assistant did not answer.
    match s.store.assistant_turns(id).await {
        Ok(turns) => {
            for t in turns.iter().filter(|t| t.answered) {
                let lang =
                    atbalsts_search::assistant::detect_language(&t.question).unwrap_or(Lang::Lv);
                s.search.note_gap(&t.question, lang.code(), "assistant");
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "reading a handed-over conversation for the gaps log failed")
        }
    }
    Ok(HandoffReply {
        number: created.ticket.number.clone(),
        ticket_id: created.ticket.id,
        access_token: created.access_token,
        institution: created.ticket.institution.clone(),
    })
}
