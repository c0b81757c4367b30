//! Ticket events waiting for the channels. A trigger on `ticket_events` writes
//! each new event's id into `event_dispatch` in the event's own transaction;
//! the dispatcher (in `atbalsts-channels`) reads them in order, writes what they
//! cause (e-mail, webhook deliveries) and removes them. Its writes carry their
//! cause, so a dispatch repeated after a crash writes nothing twice.

use crate::db::Store;
use crate::error::Result;
use serde::Serialize;

/// An event to dispatch, with the ticket facts its consumers need most.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PendingEvent {
    pub event_id: i64,
    pub ticket_id: i64,
    pub at: i64,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub kind: String,
    pub data: String,
    pub institution: String,
}

impl PendingEvent {
    /// The event's data as JSON (an empty object when unreadable).
    pub fn data_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data).unwrap_or_else(|_| serde_json::json!({}))
    }
}

impl Store {
    /// The oldest events not yet dispatched.
    pub async fn pending_events(&self, limit: u32) -> Result<Vec<PendingEvent>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as::<_, PendingEvent>(
                "SELECT e.id AS event_id, e.ticket_id, e.at, e.actor_kind, e.actor_id, e.actor_name, e.kind, \
                 e.data, t.institution FROM event_dispatch d JOIN ticket_events e ON e.id = d.event_id \
                 JOIN tickets t ON t.id = e.ticket_id ORDER BY d.event_id LIMIT $1",
            )
            .bind(i64::from(limit.clamp(1, 1000)))
            .fetch_all(pool)
            .await?
        }))
    }

    /// Mark events dispatched.
    pub async fn events_dispatched(&self, ids: &[i64]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        in_tx!(self, |tx| {
            for id in ids {
                sqlx::query("DELETE FROM event_dispatch WHERE event_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(())
    }
}

/// What a notice about a ticket needs to know, read without an actor: the
/// dispatcher works for the desk, not for a person.
#[derive(Debug, Clone)]
pub struct NoticeFacts {
    pub ticket: crate::model::Ticket,
    /// The message the event names, as (author name, body), when there is one.
    pub message: Option<(String, String)>,
}

impl Store {
    /// The ticket of an event and the message it names.
    pub async fn notice_facts(
        &self,
        ticket: i64,
        message: Option<i64>,
    ) -> Result<Option<NoticeFacts>> {
        let Some(ticket) = self.ticket_by_id(ticket).await? else {
            return Ok(None);
        };
        let message = match message {
            Some(id) => on_pool!(self, |pool| {
                sqlx::query_as::<_, (String, String)>(
                    "SELECT author_name, body FROM ticket_messages WHERE id = $1 AND internal = FALSE",
                )
                .bind(id)
                .fetch_optional(pool)
                .await?
            }),
            None => None,
        };
        Ok(Some(NoticeFacts { ticket, message }))
    }

    /// A staff member's e-mail address and name, when the account is active.
    pub async fn staff_address(&self, user: i64) -> Result<Option<(String, String)>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as::<_, (String, String)>(
                "SELECT email, name FROM users WHERE id = $1 AND active = TRUE",
            )
            .bind(user)
            .fetch_optional(pool)
            .await?
        }))
    }
}
