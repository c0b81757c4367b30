//! Staff replies back through connectors: the dispatcher writes a delivery
//! for every public staff message on a ticket that came through a connector
//! ([`Channels::fan_out_connector`]); the `connector.deliver` job POSTs it to
//! the connector's outbound address, signed like the webhooks
//! ([`crate::webhooks::signature`]), with the queue's retries. Internal notes
//! never go out: the message is read only when it is public.

use crate::Channels;
use atbalsts_store::StoreError;
use atbalsts_store::dispatch::PendingEvent;
use atbalsts_store::jobs::{ClaimedJob, JobError};
use atbalsts_store::webhooks::{Attempt, AttemptOutcome};
use serde_json::{Value, json};
use std::time::Instant;

/// The `X-Atbalsts-Event` of a reply sent to a connector.
pub const REPLY_EVENT: &str = "connector.reply";

#[derive(serde::Deserialize)]
struct DeliverPayload {
    delivery: i64,
}

impl Channels {
    /// Write the delivery a staff member's public message causes on a
    /// connector's ticket. Idempotent: one delivery per connector and event.
    pub async fn fan_out_connector(&self, event: &PendingEvent) -> Result<bool, StoreError> {
        if event.actor_kind != "staff" {
            return Ok(false);
        }
        let data = event.data_json();
        let Some(message_id) = data["message"].as_i64() else {
            return Ok(false);
        };
        let Some(facts) = self
            .store
            .notice_facts(event.ticket_id, Some(message_id))
            .await?
        else {
            return Ok(false);
        };
        // Internal notes are not found by `notice_facts`: nothing to send.
        let Some((author, text)) = facts.message else {
            return Ok(false);
        };
        let ticket = facts.ticket;
        let occurred_at = jiff::Timestamp::from_microsecond(event.at)
            .map(|t| t.to_string())
            .unwrap_or_default();
        let payload = |code: &str, conversation: &str, handle: &str| {
            json!({
                "event": REPLY_EVENT,
                "occurred_at": occurred_at,
                "connector": code,
                "conversation_id": conversation,
                "recipient": {"handle": handle},
                "ticket": {"id": ticket.id, "number": ticket.number, "status": ticket.status},
                "message": {"id": message_id, "author_name": author, "text": text},
                "language": ticket.language,
            })
        };
        let written = self
            .store
            .add_connector_delivery(
                event.event_id,
                event.ticket_id,
                &payload,
                self.webhooks.max_attempts,
            )
            .await?;
        Ok(written.is_some())
    }

    /// The `connector.deliver` job: one signed POST; a failure is retried by the queue.
    pub(crate) async fn deliver_to_connector(&self, job: ClaimedJob) -> Result<(), JobError> {
        let p: DeliverPayload = job.payload_as()?;
        let Some(out) = self.store.connector_outgoing(p.delivery).await? else {
            return Ok(());
        };
        if out.status != "pending" {
            return Ok(());
        }
        let url = match (&out.url, out.active) {
            (Some(url), true) => url.clone(),
            (None, _) => {
                self.store
                    .skip_connector_delivery(out.id, "the connector has no outbound address")
                    .await?;
                return Ok(());
            }
            (_, false) => {
                self.store
                    .skip_connector_delivery(out.id, "the connector is switched off")
                    .await?;
                return Ok(());
            }
        };
        let mut body: Value = serde_json::from_str(&out.payload).map_err(|e| {
            JobError::permanent(format!("delivery {} has a broken body: {e}", out.id))
        })?;
        body["id"] = json!(out.id);
        let body = body.to_string();
        let timestamp = jiff::Timestamp::now().as_second();
        let signed = crate::webhooks::signature(&out.secret, timestamp, &body)
            .ok_or_else(|| JobError::permanent("the connector's secret cannot key an HMAC"))?;
        let started = Instant::now();
        // The same policy as webhooks: a connector's address is data an administrator
        // typed, so it must not point the desk into its own network.
        let refused = crate::egress::check_url(&url, self.webhooks.allow_private_addresses);
        let answer = match refused {
            Err(r) => Err(crate::webhooks::Failure::Refused(r)),
            Ok(()) => self
                .http
                .post(&url)
                .timeout(self.webhooks.timeout)
                .header("content-type", "application/json")
                .header("user-agent", "Atbalsts-Connectors/1")
                .header("x-atbalsts-event", REPLY_EVENT)
                .header("x-atbalsts-delivery", out.id.to_string())
                .header("x-atbalsts-timestamp", timestamp.to_string())
                .header("x-atbalsts-signature", signed)
                .body(body)
                .send()
                .await
                .map_err(crate::webhooks::Failure::Http),
        };
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (status_code, error) = match answer {
            Ok(r) if r.status().is_success() => (Some(r.status().as_u16()), None),
            Ok(r) => (
                Some(r.status().as_u16()),
                Some(format!("the connector answered {}", r.status())),
            ),
            Err(crate::webhooks::Failure::Refused(r)) => (None, Some(r.to_string())),
            Err(crate::webhooks::Failure::Http(e)) if e.is_timeout() => (
                None,
                Some(format!(
                    "no answer within {} s",
                    self.webhooks.timeout.as_secs_f64()
                )),
            ),
            Err(crate::webhooks::Failure::Http(e)) => (
                None,
                Some(format!(
                    "could not reach the connector: {}",
                    crate::webhooks::chain(&e)
                )),
            ),
        };
        let outcome = match (&error, job.is_last_attempt()) {
            (None, _) => AttemptOutcome::Delivered,
            (Some(_), false) => AttemptOutcome::WillRetry,
            (Some(_), true) => AttemptOutcome::GaveUp,
        };
        if outcome == AttemptOutcome::GaveUp {
            tracing::warn!(
                delivery = out.id,
                connector = out.connector_id,
                "a reply could not be delivered to its connector"
            );
        }
        let attempt = Attempt {
            status_code,
            error: error.clone(),
            duration_ms,
            outcome,
        };
        self.store
            .record_connector_attempt(out.id, &attempt)
            .await?;
        match error {
            None => Ok(()),
            Some(e) => Err(JobError::retry(e)),
        }
    }
}
