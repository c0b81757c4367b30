//! Virtual-assistant conversations, their hand-over to a person as a
//! level-1 chat ticket, "this helped" (resolved at level 0) and the log of
//! questions nothing answered (knowledge gaps).

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::now_micros;
use crate::tickets::{Created, NewRequester, NewTicket};
use atbalsts_domain::refusal::Code;
use atbalsts_domain::{Actor, Channel, Kind, Level, Priority};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An article the assistant showed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ShownArticle {
    pub id: String,
    pub title: String,
}

/// One question and its reply, to be kept with the conversation.
#[derive(Debug, Clone)]
pub struct Turn {
    pub question: String,
    pub reply: String,
    pub answered: bool,
    pub articles: Vec<ShownArticle>,
    /// The service the question seemed to be about.
    pub service: Option<String>,
}

/// A question and its reply as kept with a conversation, in order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PastTurn {
    /// 1 for the first question of the conversation.
    pub seq: i64,
    pub question: String,
    pub reply: String,
    pub answered: bool,
    pub articles: Vec<ShownArticle>,
}

/// A conversation as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Session {
    pub id: String,
    pub lang: String,
    /// `open`, `helped` or `handed_off`.
    pub outcome: String,
    pub service: Option<String>,
    pub ticket_id: Option<i64>,
    pub turns: i64,
}

/// Who to hand a conversation to, and how to reach them.
#[derive(Debug, Clone)]
pub struct Handoff {
    pub requester: NewRequester,
    /// What the person adds for the specialist.
    pub message: Option<String>,
    /// The service, when the person chose one (else the one the assistant guessed).
    pub service: Option<String>,
    /// Institution that takes questions no service routes (the central help desk).
    pub fallback_institution: Option<String>,
}

/// Deflection figures: how conversations ended.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Outcomes {
    pub open: i64,
    pub helped: i64,
    pub handed_off: i64,
}

/// A question nothing answered, with how often it was asked.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Gap {
    /// The question, lower-cased and folded (how it is grouped).
    pub query: String,
    pub lang: String,
    /// `search` or `assistant`.
    pub source: String,
    pub count: i64,
    /// One question as it was typed.
    pub example: String,
    #[serde(skip)]
    #[sqlx(rename = "last_at")]
    pub last_micros: i64,
    #[sqlx(skip)]
    pub last_at: String,
}

/// A gap seen by this node since its last flush.
#[derive(Debug, Clone)]
pub struct GapCount {
    pub query: String,
    pub lang: String,
    pub source: String,
    pub example: String,
    pub count: i64,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    lang: String,
    outcome: String,
    service: Option<String>,
    ticket_id: Option<i64>,
    turns: i64,
}

impl From<SessionRow> for Session {
    fn from(r: SessionRow) -> Self {
        Session {
            id: r.id,
            lang: r.lang,
            outcome: r.outcome,
            service: r.service,
            ticket_id: r.ticket_id,
            turns: r.turns,
        }
    }
}

impl Store {
    /// A conversation, or not found.
    pub async fn assistant_session(&self, id: &str) -> Result<Session> {
        let row: Option<SessionRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id, lang, outcome, service, ticket_id, turns FROM assistant_sessions WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        row.map(Session::from)
            .ok_or_else(|| StoreError::NotFound(format!("conversation {id}")))
    }

    /// The last question of a conversation (context for a short follow-up).
    pub async fn last_question(&self, id: &str) -> Result<Option<String>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT question FROM assistant_turns WHERE session_id = $1 ORDER BY seq DESC LIMIT 1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// The turns of conversation `id`, first to last (none when it does not exist).
    pub async fn assistant_turns(&self, id: &str) -> Result<Vec<PastTurn>> {
        let rows: Vec<(i64, String, String, bool, String)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT seq, question, reply, answered, articles FROM assistant_turns \
                 WHERE session_id = $1 ORDER BY seq",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(seq, question, reply, answered, articles)| PastTurn {
                seq,
                question,
                reply,
                answered,
                articles: serde_json::from_str(&articles).unwrap_or_default(),
            })
            .collect())
    }

    /// Append a turn to conversation `id`, creating it when `create`.
    pub async fn record_turn(&self, id: &str, create: bool, lang: &str, turn: &Turn) -> Result<()> {
        let now = now_micros();
        let articles = serde_json::to_string(&turn.articles)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        in_tx!(self, |tx| {
            if create {
                sqlx::query(
                    "INSERT INTO assistant_sessions (id, lang, created_at, updated_at) VALUES ($1, $2, $3, $3)",
                )
                .bind(id)
                .bind(lang)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            let seq: Option<i64> = sqlx::query_scalar(
                "UPDATE assistant_sessions SET turns = turns + 1, updated_at = $2, lang = $3, \
                 service = COALESCE((SELECT code FROM services WHERE code = $4), service) \
                 WHERE id = $1 AND outcome = 'open' RETURNING turns",
            )
            .bind(id)
            .bind(now)
            .bind(lang)
            .bind(&turn.service)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(seq) = seq else {
                return Err(StoreError::conflict(
                    Code::ConversationEnded,
                    "this conversation has ended; start a new one",
                ));
            };
            sqlx::query(
                "INSERT INTO assistant_turns (session_id, seq, question, reply, answered, articles, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(seq)
            .bind(&turn.question)
            .bind(&turn.reply)
            .bind(turn.answered)
            .bind(&articles)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// "This helped": the conversation ends resolved at level 0.
    pub async fn mark_helped(&self, id: &str) -> Result<Session> {
        let now = now_micros();
        let changed = in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE assistant_sessions SET outcome = 'helped', updated_at = $2 WHERE id = $1 AND outcome = 'open'",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        });
        let session = self.assistant_session(id).await?;
        if changed == 0 && session.outcome != "helped" {
            return Err(StoreError::conflict(
                Code::ConversationHandedOver,
                "this conversation was already handed over to a person",
            ));
        }
        Ok(session)
    }

    /// Hand the conversation to a person: a level-1 chat ticket carrying the
    /// transcript and the articles shown, routed by the service.
    pub async fn hand_off(&self, id: &str, h: Handoff) -> Result<Created> {
        let session = self.assistant_session(id).await?;
        if session.outcome != "open" {
            return Err(match session.outcome.as_str() {
                "handed_off" => StoreError::conflict(
                    Code::ConversationHandedOver,
                    "this conversation was already handed over to a person",
                ),
                _ => StoreError::conflict(Code::ConversationEnded, "this conversation has ended"),
            });
        }
        let turns: Vec<(String, String, String)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT question, reply, articles FROM assistant_turns WHERE session_id = $1 ORDER BY seq",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        let service = h.service.clone().or(session.service.clone());
        let institution: Option<String> = match &service {
            Some(code) => on_pool!(self, |pool| {
                sqlx::query_scalar("SELECT institution FROM services WHERE code = $1")
                    .bind(code)
                    .fetch_optional(pool)
                    .await?
            }),
            None => None,
        };
        let institution = match (institution, &service, &h.fallback_institution) {
            (Some(i), _, _) => i,
            (None, Some(code), _) if h.service.is_some() => {
                return Err(StoreError::invalid(vec![atbalsts_domain::FieldError::new(
                    "service",
                    format!("no service with code {code}"),
                )]));
            }
            (None, _, Some(fallback)) => fallback.clone(),
            (None, _, None) => {
                return Err(StoreError::invalid(vec![atbalsts_domain::FieldError::new(
                    "service",
                    "choose the service your question is about",
                )]));
            }
        };
        let mut description = String::new();
        let mut shown: Vec<String> = Vec::new();
        for (question, reply, articles) in &turns {
            description.push_str(&format!("> {question}\n{reply}\n"));
            let articles: Vec<ShownArticle> = serde_json::from_str(articles).unwrap_or_default();
            for a in articles {
                let line = format!("- {} ({})", a.title, a.id);
                if !shown.contains(&line) {
                    shown.push(line);
                }
            }
            description.push('\n');
        }
        if !shown.is_empty() {
            description.push_str(&format!(
                "Raksti, ko asistents rādīja:\n{}\n",
                shown.join("\n")
            ));
        }
        if let Some(message) = &h.message {
            description.push_str(&format!("\nPapildu ziņa: {message}\n"));
        }
        let subject = turns
            .first()
            .map(|t| t.0.chars().take(120).collect::<String>())
            .unwrap_or_else(|| "Jautājums virtuālajam asistentam".to_string());
        let description: String = description.chars().take(20_000).collect();
        let created = self
            .create_ticket(
                &Actor::Anonymous,
                NewTicket {
                    institution,
                    service,
                    resource: None,
                    life_situation: None,
                    channel: Channel::Chat,
                    location: None,
                    kind: Kind::Consultation,
                    priority: Priority::Normal,
                    level: Level::Specialist,
                    subject,
                    description,
                    tags: vec!["virtuālais-asistents".to_string()],
                    requester: h.requester,
                    // The person is answered in the language they asked in.
                    language: atbalsts_domain::language::check_code(&session.lang)
                        .unwrap_or_else(|_| atbalsts_domain::language::DEFAULT.to_string()),
                    group: None,
                },
                None,
            )
            .await?;
        let now = now_micros();
        in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE assistant_sessions SET outcome = 'handed_off', ticket_id = $2, updated_at = $3 WHERE id = $1",
            )
            .bind(id)
            .bind(created.ticket.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        });
        Ok(created)
    }

    /// How conversations ended (deflection: `helped` were resolved at level 0).
    pub async fn assistant_outcomes(&self) -> Result<Outcomes> {
        let rows: Vec<(String, i64)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT outcome, COUNT(*) FROM assistant_sessions GROUP BY outcome")
                .fetch_all(pool)
                .await?
        });
        let mut o = Outcomes::default();
        for (outcome, n) in rows {
            match outcome.as_str() {
                "open" => o.open = n,
                "helped" => o.helped = n,
                "handed_off" => o.handed_off = n,
                _ => {}
            }
        }
        Ok(o)
    }

    /// Add counts of unanswered questions (flushed by each node now and then).
    pub async fn record_gaps(&self, gaps: &[GapCount]) -> Result<()> {
        if gaps.is_empty() {
            return Ok(());
        }
        let now = now_micros();
        in_tx!(self, |tx| {
            for g in gaps {
                sqlx::query(
                    "INSERT INTO kb_gaps (query, lang, source, count, example, first_at, last_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6) \
                     ON CONFLICT (query, lang, source) DO UPDATE SET count = kb_gaps.count + excluded.count, \
                     example = excluded.example, last_at = excluded.last_at",
                )
                .bind(&g.query)
                .bind(&g.lang)
                .bind(&g.source)
                .bind(g.count)
                .bind(&g.example)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        });
        Ok(())
    }

    /// The most asked questions nothing answered.
    pub async fn gaps(&self, limit: i64) -> Result<Vec<Gap>> {
        let mut rows: Vec<Gap> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT query, lang, source, count, example, last_at FROM kb_gaps \
                 ORDER BY count DESC, last_at DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        for g in &mut rows {
            g.last_at = crate::model::rfc3339(g.last_micros);
        }
        Ok(rows)
    }
}
