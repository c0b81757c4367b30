//! Staff replies going back through a connector: a delivery per connector
//! and ticket event, written with its `connector.deliver` job; each
//! attempt's result is kept, so a failure shows on the ticket.

use crate::db::Store;
use crate::error::Result;
use crate::jobs::NewJob;
use crate::model::rfc3339;
use crate::now_micros;
use crate::webhooks::{Attempt, AttemptOutcome};
use serde::Serialize;
use utoipa::ToSchema;

/// The job kind that sends one reply to its connector.
pub const DELIVER_JOB: &str = "connector.deliver";

/// One reply's delivery, as its log shows it.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct ConnectorDelivery {
    pub id: i64,
    pub connector_id: i64,
    pub ticket_id: i64,
    /// The ticket event (the reply) delivered.
    pub event_id: i64,
    /// `pending` (being tried), `delivered`, `failed` (gave up) or `skipped`
    /// (the connector was off or had no address when its turn came).
    pub status: String,
    pub attempts: i64,
    /// The HTTP status of the last attempt, when there was an answer.
    pub status_code: Option<i64>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// How long the last attempt took, in milliseconds.
    pub duration_ms: Option<i64>,
    #[serde(skip)]
    #[sqlx(rename = "created_at")]
    pub created_micros: i64,
    #[sqlx(skip)]
    pub created_at: String,
}

/// What a delivery job needs to send.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConnectorOutgoing {
    pub id: i64,
    pub connector_id: i64,
    pub payload: String,
    pub status: String,
    pub url: Option<String>,
    pub secret: String,
    pub active: bool,
}

const DELIVERY_COLUMNS: &str = "id, connector_id, ticket_id, event_id, status, attempts, status_code, last_error, \
     duration_ms, created_at";

fn with_times(rows: Vec<ConnectorDelivery>) -> Vec<ConnectorDelivery> {
    rows.into_iter()
        .map(|mut d| {
            d.created_at = rfc3339(d.created_micros);
            d
        })
        .collect()
}

impl Store {
    /// Write the delivery of a reply on `ticket` (event `event_id`) when the
    /// ticket came through an active connector with an outbound address.
    /// `payload` receives the connector's code and the conversation. Returns
    /// the new delivery's id; `None` when there is nothing to send or it was
    /// written before.
    pub async fn add_connector_delivery(
        &self,
        event_id: i64,
        ticket: i64,
        payload: &(dyn Fn(&str, &str, &str) -> serde_json::Value + Sync),
        max_attempts: u32,
    ) -> Result<Option<i64>> {
        let now = now_micros();
        Ok(in_tx!(self, |tx| {
            let found: Option<(i64, String, String, String)> = sqlx::query_as(
                "SELECT c.id, c.code, t.conversation, t.sender_handle FROM connector_tickets t \
                 JOIN connectors c ON c.id = t.connector_id \
                 WHERE t.ticket_id = $1 AND c.active = TRUE AND c.outbound_url IS NOT NULL",
            )
            .bind(ticket)
            .fetch_optional(&mut *tx)
            .await?;
            match found {
                None => None,
                Some((connector, code, conversation, handle)) => {
                    let id: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO connector_deliveries (connector_id, ticket_id, event_id, payload, created_at) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (connector_id, event_id) DO NOTHING RETURNING id",
                    )
                    .bind(connector)
                    .bind(ticket)
                    .bind(event_id)
                    .bind(payload(&code, &conversation, &handle).to_string())
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some(id) = id {
                        let job =
                            NewJob::new(DELIVER_JOB, serde_json::json!({ "delivery": id }), now)
                                .dedupe(format!("{DELIVER_JOB}:{id}"))
                                .max_attempts(max_attempts);
                        crate::enqueue_job!(&mut *tx, &job);
                    }
                    id
                }
            }
        }))
    }

    /// A delivery with its connector's address and secret; `None` when the
    /// connector was deleted.
    pub async fn connector_outgoing(&self, delivery: i64) -> Result<Option<ConnectorOutgoing>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT d.id, d.connector_id, d.payload, d.status, c.outbound_url AS url, \
                 c.outbound_secret AS secret, c.active FROM connector_deliveries d \
                 JOIN connectors c ON c.id = d.connector_id WHERE d.id = $1",
            )
            .bind(delivery)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// A delivery whose connector is off (or has no address) when its turn comes is not sent.
    pub async fn skip_connector_delivery(&self, delivery: i64, why: &str) -> Result<()> {
        in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE connector_deliveries SET status = 'skipped', last_error = $2 \
                 WHERE id = $1 AND status = 'pending'",
            )
            .bind(delivery)
            .bind(why)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// Record an attempt's result.
    pub async fn record_connector_attempt(&self, delivery: i64, attempt: &Attempt) -> Result<()> {
        let status = match attempt.outcome {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::WillRetry => "pending",
            AttemptOutcome::GaveUp => "failed",
        };
        let now = now_micros();
        in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE connector_deliveries SET status = $1, attempts = attempts + 1, status_code = $2, \
                 last_error = $3, duration_ms = $4, last_attempt_at = $5 WHERE id = $6 AND status = 'pending'",
            )
            .bind(status)
            .bind(attempt.status_code.map(i64::from))
            .bind(attempt.error.as_deref())
            .bind(attempt.duration_ms)
            .bind(now)
            .bind(delivery)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// The deliveries of replies on a ticket, oldest first.
    pub async fn ticket_connector_deliveries(&self, ticket: i64) -> Result<Vec<ConnectorDelivery>> {
        let rows: Vec<ConnectorDelivery> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM connector_deliveries WHERE ticket_id = $1 ORDER BY id"
            ))
            .bind(ticket)
            .fetch_all(pool)
            .await?
        });
        Ok(with_times(rows))
    }

    /// A connector's deliveries, newest first, older than `before` (an id) when given.
    pub async fn connector_deliveries(
        &self,
        connector: i64,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<ConnectorDelivery>> {
        let rows: Vec<ConnectorDelivery> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM connector_deliveries WHERE connector_id = $1 \
                 AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
            ))
            .bind(connector)
            .bind(before)
            .bind(i64::from(limit.clamp(1, 200)))
            .fetch_all(pool)
            .await?
        });
        Ok(with_times(rows))
    }
}
