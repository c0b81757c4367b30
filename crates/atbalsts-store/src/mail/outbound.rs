//! The outbox: every message the desk writes, with its delivery. A message is
//! written with its send job in one transaction; the job hands it to the relay,
//! or, with none configured, leaves it `held` in the outbox for the workspace.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::jobs::NewJob;
use crate::now_micros;
use serde::Serialize;
use utoipa::ToSchema;

/// The job kind that sends an outbox message.
pub const SEND_JOB: &str = "mail.send";

/// A message to write (already composed).
#[derive(Debug, Clone)]
pub struct NewOutbound {
    pub ticket_id: Option<i64>,
    /// What it tells: `request_received`, `staff_reply`, `assigned`, …
    pub purpose: String,
    /// What caused it (e.g. `event:42`): the same cause, purpose and recipient write one message.
    pub cause: String,
    pub recipient: String,
    pub user_id: Option<i64>,
    pub sender: String,
    pub message_id: String,
    pub subject: String,
    pub raw: Vec<u8>,
}

/// A written message's state.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct OutboundMail {
    pub id: i64,
    pub ticket_id: Option<i64>,
    pub purpose: String,
    pub recipient: String,
    pub sender: String,
    pub message_id: String,
    pub subject: String,
    /// `queued`, `sent`, `held` (no relay configured), `failed` or `bounced`.
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    #[serde(skip)]
    #[sqlx(rename = "created_at")]
    pub created_micros: i64,
    #[sqlx(skip)]
    pub created_at: String,
}

const COLUMNS: &str = "id, ticket_id, purpose, recipient, sender, message_id, subject, status, \
     attempts, last_error, created_at";

fn dated(mut m: OutboundMail) -> OutboundMail {
    m.created_at = crate::model::rfc3339(m.created_micros);
    m
}

impl Store {
    /// Write a message and queue its sending. `None` when the same cause already
    /// wrote it to this recipient (a repeated dispatch).
    pub async fn queue_mail(&self, m: &NewOutbound) -> Result<Option<i64>> {
        let now = now_micros();
        Ok(in_tx!(self, |tx| {
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO mail_outbound (ticket_id, purpose, cause, recipient, user_id, sender, message_id, \
                 subject, raw, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', $10) \
                 ON CONFLICT (cause, purpose, recipient) DO NOTHING RETURNING id",
            )
            .bind(m.ticket_id)
            .bind(&m.purpose)
            .bind(&m.cause)
            .bind(&m.recipient)
            .bind(m.user_id)
            .bind(&m.sender)
            .bind(&m.message_id)
            .bind(&m.subject)
            .bind(&m.raw)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = id {
                if let Some(ticket) = m.ticket_id {
                    sqlx::query(
                        "INSERT INTO mail_threads (message_id, ticket_id, at) VALUES ($1, $2, $3) \
                         ON CONFLICT (message_id) DO NOTHING",
                    )
                    .bind(&m.message_id)
                    .bind(ticket)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                let job = NewJob::new(SEND_JOB, serde_json::json!({ "mail": id }), now)
                    .dedupe(format!("{SEND_JOB}:{id}"))
                    .max_attempts(8);
                crate::enqueue_job!(&mut *tx, &job);
            }
            id
        }))
    }

    /// A written message with its bytes.
    pub async fn outbound_mail(&self, id: i64) -> Result<(OutboundMail, Vec<u8>)> {
        let row: Option<OutboundMail> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM mail_outbound WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        let mail = row.ok_or_else(|| StoreError::NotFound(format!("no outgoing message {id}")))?;
        let raw: Vec<u8> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT raw FROM mail_outbound WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await?
        });
        Ok((dated(mail), raw))
    }

    /// Record a delivery attempt's result: `sent`, `held`, `failed` (given up) or
    /// still `queued` with the error of a try that will be repeated.
    pub async fn mark_mail(&self, id: i64, status: &str, error: Option<&str>) -> Result<()> {
        let now = now_micros();
        in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE mail_outbound SET status = $1, last_error = $2, attempts = attempts + 1, \
                 sent_at = CASE WHEN $1 = 'sent' THEN $3 ELSE sent_at END WHERE id = $4",
            )
            .bind(status)
            .bind(error)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// A bounce reported on the message with `message_id`: true when it was ours.
    pub async fn mark_bounced(&self, message_id: &str, report: &str) -> Result<bool> {
        Ok(in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE mail_outbound SET status = 'bounced', last_error = $1 WHERE message_id = $2",
            )
            .bind(report)
            .bind(message_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0
        }))
    }

    /// The messages written about a ticket, oldest first.
    pub async fn ticket_mail(&self, ticket: i64) -> Result<Vec<OutboundMail>> {
        let rows: Vec<OutboundMail> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM mail_outbound WHERE ticket_id = $1 ORDER BY id"
            ))
            .bind(ticket)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(dated).collect())
    }

    /// The outbox, newest first: of one status, or all.
    pub async fn outbox(&self, status: Option<&str>, limit: u32) -> Result<Vec<OutboundMail>> {
        let rows: Vec<OutboundMail> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM mail_outbound WHERE ($1 IS NULL OR status = $1) ORDER BY id DESC LIMIT $2"
            ))
            .bind(status)
            .bind(i64::from(limit.clamp(1, 500)))
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(dated).collect())
    }
}
