//! Contacts staff record on a ticket (a phone call, a video call, a visit):
//! the record and its `contact_recorded` event in one transaction, so the
//! ticket's history shows every contact and the list repeats nothing.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::model::rfc3339;
use crate::now_micros;
use atbalsts_domain::access::{Action, TicketFacts, authorize};
use atbalsts_domain::contact::Contact;
use atbalsts_domain::{Actor, DomainError, FieldError, refusal::Code};
use serde::Serialize;
use utoipa::ToSchema;

/// A recorded contact.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct ContactRecord {
    pub id: i64,
    pub ticket_id: i64,
    /// `phone`, `video` or `in_person`.
    pub channel: String,
    /// `inbound` or `outbound`.
    pub direction: String,
    pub duration_seconds: i64,
    /// The register location of a visit.
    pub location: Option<String>,
    /// `answered`, `resolved`, `callback_needed`, `forwarded` or `no_answer`.
    pub outcome: String,
    pub summary: String,
    pub recorded_by: Option<i64>,
    pub recorded_by_name: String,
    #[serde(skip)]
    #[sqlx(rename = "occurred_at")]
    pub occurred_micros: i64,
    #[sqlx(skip)]
    pub occurred_at: String,
}

const COLUMNS: &str = "id, ticket_id, channel, direction, duration_seconds, location, outcome, summary, \
     recorded_by, recorded_by_name, occurred_at";

impl Store {
    /// Record a contact on ticket `id` (staff within the ticket's scope, as
    /// for a note; closed tickets too: a call about a closed case is history).
    /// `occurred_at` defaults to now.
    pub async fn record_contact(
        &self,
        actor: &Actor,
        id: i64,
        contact: &Contact,
        occurred_at: Option<i64>,
    ) -> Result<ContactRecord> {
        let Actor::Staff(staff) = actor else {
            return Err(DomainError::forbidden(
                Code::AccessStaffOnly,
                "only support staff record contacts",
            )
            .into());
        };
        let now = now_micros();
        let occurred = occurred_at.unwrap_or(now);
        let not_found = || StoreError::NotFound(format!("ticket {id}"));
        let row: ContactRecord = in_tx!(self, |tx| {
            let ticket: Option<(String, Option<String>)> =
                sqlx::query_as("SELECT institution, service FROM tickets WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let (institution, service) = ticket.ok_or_else(not_found)?;
            let facts = TicketFacts {
                id,
                institution: &institution,
                service: service.as_deref(),
            };
            authorize(actor, Action::View, facts).map_err(|_| not_found())?;
            authorize(actor, Action::Note, facts)?;
            if let Some(location) = &contact.location {
                let known: Option<String> =
                    sqlx::query_scalar("SELECT id FROM locations WHERE id = $1")
                        .bind(location)
                        .fetch_optional(&mut *tx)
                        .await?;
                if known.is_none() {
                    return Err(StoreError::invalid(vec![FieldError::new(
                        "location",
                        format!("no location with id {location}"),
                    )]));
                }
            }
            let mut row: ContactRecord = sqlx::query_as(&format!(
                "INSERT INTO ticket_contacts (ticket_id, channel, direction, duration_seconds, location, outcome, \
                 summary, recorded_by, recorded_by_name, occurred_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {COLUMNS}"
            ))
            .bind(id)
            .bind(contact.channel.as_str())
            .bind(contact.direction.as_str())
            .bind(contact.duration_seconds)
            .bind(&contact.location)
            .bind(contact.outcome.as_str())
            .bind(&contact.summary)
            .bind(staff.user_id)
            .bind(&staff.name)
            .bind(occurred)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            row.occurred_at = rfc3339(row.occurred_micros);
            let data = serde_json::json!({
                "contact": row.id,
                "channel": row.channel,
                "direction": row.direction,
                "duration_seconds": row.duration_seconds,
                "location": row.location,
                "outcome": row.outcome,
                "summary": row.summary,
            });
            sqlx::query(
                "INSERT INTO ticket_events (ticket_id, at, actor_kind, actor_id, actor_name, kind, data) \
                 VALUES ($1, $2, 'staff', $3, $4, 'contact_recorded', $5)",
            )
            .bind(id)
            .bind(now)
            .bind(staff.user_id)
            .bind(&staff.name)
            .bind(data.to_string())
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE tickets SET updated_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            row
        });
        Ok(row)
    }

    /// The contacts recorded on ticket `id`, oldest first, if `actor` may see it.
    pub async fn contacts_of(&self, actor: &Actor, id: i64) -> Result<Vec<ContactRecord>> {
        if !matches!(actor, Actor::Staff(_)) {
            return Err(DomainError::forbidden(
                Code::AccessStaffOnly,
                "only support staff read recorded contacts",
            )
            .into());
        }
        self.ticket(actor, id).await?;
        let rows: Vec<ContactRecord> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM ticket_contacts WHERE ticket_id = $1 ORDER BY id"
            ))
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|mut r| {
                r.occurred_at = rfc3339(r.occurred_micros);
                r
            })
            .collect())
    }
}
