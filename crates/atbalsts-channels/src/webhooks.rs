//! Outgoing webhooks: the dispatcher writes a delivery per matching
//! subscription ([`Channels::fan_out_webhooks`]); the `webhook.deliver` job
//! POSTs it, signed, with the queue's retries. A delivery that runs out of
//! attempts counts against its subscription; at the threshold the
//! subscription is switched off and the institution's administrators are told
//! by e-mail. Delivery is at least once: receivers deduplicate by
//! `X-Atbalsts-Delivery`.

use crate::Channels;
use crate::texts::catalog;
use atbalsts_domain::webhook::{self, EventKind};
use atbalsts_i18n::Lang;
use atbalsts_mail::{AutoSubmitted, Mailbox, Outgoing};
use atbalsts_store::StoreError;
use atbalsts_store::dispatch::PendingEvent;
use atbalsts_store::jobs::{ClaimedJob, JobError};
use atbalsts_store::mail::outbound::NewOutbound;
use atbalsts_store::webhooks::{Attempt, AttemptOutcome};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::{Duration, Instant};

/// How webhooks are delivered on this node.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// One attempt's limit, connection to the end of the answer.
    pub timeout: Duration,
    /// Attempts per delivery (the queue's backoff between them: 30 s, 1 min, 2 min, …).
    pub max_attempts: u32,
    /// Deliveries failing in a row (each after all its attempts) that switch a subscription off.
    pub disable_after: u32,
    /// Post also to loopback and private networks (a closed network, tests);
    /// off: only public addresses ([`atbalsts_domain::egress`]).
    pub allow_private_addresses: bool,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            timeout: Duration::from_secs(10),
            max_attempts: 6,
            disable_after: 10,
            allow_private_addresses: false,
        }
    }
}

/// `v1=<hex>`: HMAC-SHA256 of [`webhook::signing_string`] under the
/// secret's UTF-8 bytes. The version prefix lets a later scheme be sent
/// beside this one.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> Option<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(webhook::signing_string(timestamp, body).as_bytes());
    Some(format!("v1={}", hex::encode(mac.finalize().into_bytes())))
}

/// Why an attempt did not get an answer.
pub(crate) enum Failure {
    Refused(crate::egress::Refused),
    Http(reqwest::Error),
}

/// An error with its causes: reqwest's own text hides the resolver's refusal.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[derive(serde::Deserialize)]
struct DeliverPayload {
    delivery: i64,
}

impl Channels {
    /// Write the webhook deliveries an event causes. Idempotent: a delivery
    /// is kept once per subscription, event and kind.
    pub async fn fan_out_webhooks(&self, event: &PendingEvent) -> Result<usize, StoreError> {
        let data = event.data_json();
        let kinds = webhook::kinds_of(&event.kind, &data);
        if kinds.is_empty() {
            return Ok(0);
        }
        let Some(facts) = self.store.notice_facts(event.ticket_id, None).await? else {
            return Ok(0);
        };
        let ticket = facts.ticket;
        let ticket_json = json!({
            "id": ticket.id,
            "number": ticket.number,
            "status": ticket.status,
            "level": ticket.level,
            "subject": ticket.subject,
            "channel": ticket.channel,
        });
        let occurred_at = jiff::Timestamp::from_microsecond(event.at)
            .map(|t| t.to_string())
            .unwrap_or_default();
        let payload = |kind: EventKind| {
            json!({
                "event": kind.as_str(),
                "occurred_at": occurred_at,
                "institution": ticket.institution,
                "ticket": ticket_json,
                "data": data,
            })
        };
        // A transfer concerns both ends: the sender hears that the case left.
        let mut institutions = vec![event.institution.clone()];
        if kinds.contains(&EventKind::TicketTransferred) {
            for end in ["from", "to"] {
                if let Some(i) = data[end]
                    .as_str()
                    .filter(|i| !institutions.iter().any(|x| x == i))
                {
                    institutions.push(i.to_string());
                }
            }
        }
        let mut written = 0;
        for institution in &institutions {
            written += self
                .store
                .add_webhook_deliveries(
                    event.event_id,
                    institution,
                    &kinds,
                    &payload,
                    self.webhooks.max_attempts,
                )
                .await?;
        }
        Ok(written)
    }

    /// The `webhook.deliver` job: one signed POST; a failure is retried by the queue.
    pub(crate) async fn deliver_webhook(&self, job: ClaimedJob) -> Result<(), JobError> {
        let p: DeliverPayload = job.payload_as()?;
        // Deleted with its subscription, or finished by an earlier run of this job.
        let Some(out) = self.store.webhook_outgoing(p.delivery).await? else {
            return Ok(());
        };
        if out.status != "pending" {
            return Ok(());
        }
        if !out.active {
            self.store.skip_webhook_delivery(out.id).await?;
            return Ok(());
        }
        let mut body: Value = serde_json::from_str(&out.payload).map_err(|e| {
            JobError::permanent(format!("delivery {} has a broken body: {e}", out.id))
        })?;
        body["id"] = json!(out.id);
        let body = body.to_string();
        let timestamp = jiff::Timestamp::now().as_second();
        let signed = signature(&out.secret, timestamp, &body)
            .ok_or_else(|| JobError::permanent("the subscription's secret cannot key an HMAC"))?;
        let started = Instant::now();
        let refused = crate::egress::check_url(&out.url, self.webhooks.allow_private_addresses);
        let answer = match refused {
            Err(r) => Err(Failure::Refused(r)),
            Ok(()) => self
                .http
                .post(&out.url)
                .timeout(self.webhooks.timeout)
                .header("content-type", "application/json")
                .header("user-agent", "Atbalsts-Webhooks/1")
                .header("x-atbalsts-event", &out.kind)
                .header("x-atbalsts-delivery", out.id.to_string())
                .header("x-atbalsts-timestamp", timestamp.to_string())
                .header("x-atbalsts-signature", signed)
                .body(body)
                .send()
                .await
                .map_err(Failure::Http),
        };
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (status_code, error) = match answer {
            Ok(r) if r.status().is_success() => (Some(r.status().as_u16()), None),
            Ok(r) => (
                Some(r.status().as_u16()),
                Some(format!("the receiver answered {}", r.status())),
            ),
            Err(Failure::Refused(r)) => (None, Some(r.to_string())),
            Err(Failure::Http(e)) if e.is_timeout() => (
                None,
                Some(format!(
                    "no answer within {} s",
                    self.webhooks.timeout.as_secs_f64()
                )),
            ),
            Err(Failure::Http(e)) => (
                None,
                Some(format!("could not reach the receiver: {}", chain(&e))),
            ),
        };
        let outcome = match (&error, job.is_last_attempt()) {
            (None, _) => AttemptOutcome::Delivered,
            (Some(_), false) => AttemptOutcome::WillRetry,
            (Some(_), true) => AttemptOutcome::GaveUp,
        };
        let attempt = Attempt {
            status_code,
            error: error.clone(),
            duration_ms,
            outcome,
        };
        let disabled = self
            .store
            .record_webhook_attempt(out.id, &attempt, self.webhooks.disable_after)
            .await?;
        if let Some(at) = disabled {
            tracing::warn!(subscription = out.subscription_id, url = %out.url, "webhook switched off after failed deliveries");
            if let Err(e) = self.tell_administrators(out.subscription_id, at).await {
                tracing::error!(subscription = out.subscription_id, error = %e, "the administrators were not told of a switched-off webhook");
            }
        }
        match error {
            None => Ok(()),
            Some(e) => Err(JobError::retry(e)),
        }
    }

    /// An e-mail to each administrator of the subscription's institution. The
    /// cause names the switching-off (by its instant), so a repeated run
    /// writes nothing twice, and a subscription switched off again later is
    /// reported again.
    pub async fn tell_administrators(
        &self,
        subscription: i64,
        disabled_at: i64,
    ) -> Result<usize, StoreError> {
        let Some(hook) = self.store.webhook(subscription).await? else {
            return Ok(0);
        };
        let base = self.config.public_url.trim_end_matches('/');
        let log = format!("{base}/api/v1/webhooks/{}/deliveries", hook.id);
        let enable = format!("{base}/api/v1/webhooks/{}/enable", hook.id);
        let failures = hook.consecutive_failures.to_string();
        let c = catalog(Lang::Lv);
        let mut written = 0;
        for (user, email, name) in self
            .store
            .institution_administrators(&hook.institution)
            .await?
        {
            let args = [
                ("institution", hook.institution.as_str()),
                ("url", hook.url.as_str()),
                ("failures", failures.as_str()),
                ("log", log.as_str()),
                ("enable", enable.as_str()),
                ("name", name.as_str()),
                ("desk", self.config.desk_name.as_str()),
            ];
            let subject = c.t_args("mail-subject-webhook_disabled", &args);
            let text = format!(
                "{}\n\n{}\n\n{}\n",
                c.t_args("mail-greeting", &args),
                c.t_args("mail-body-webhook_disabled", &args),
                c.t_args("mail-signature", &args)
            );
            let message_id = atbalsts_mail::new_message_id(self.config.domain());
            let out = Outgoing {
                from: Mailbox::new(Some(&self.config.desk_name), &self.config.mail_from),
                reply_to: None,
                to: Mailbox::new(Some(&name), &email),
                subject: subject.clone(),
                html: crate::notify::html_of(&text),
                text,
                message_id: message_id.clone(),
                in_reply_to: None,
                references: Vec::new(),
                auto_submitted: AutoSubmitted::Generated,
                loop_marker: Some(self.config.mail_from.clone()),
                attachments: Vec::new(),
            };
            let raw =
                atbalsts_mail::compose(&out).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let queued = self
                .store
                .queue_mail(&NewOutbound {
                    ticket_id: None,
                    purpose: "webhook_disabled".into(),
                    cause: format!("webhook-disabled:{}:{disabled_at}", hook.id),
                    recipient: email.clone(),
                    user_id: Some(user),
                    sender: self.config.mail_from.clone(),
                    message_id,
                    subject,
                    raw,
                })
                .await?;
            written += usize::from(queued.is_some());
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // RFC 4231 has no vector for this layout; this one was computed with
        // Python's hmac module over the documented string.
        let s = signature("whsec_test", 1_700_000_000, "{\"a\":1}");
        assert_eq!(
            s.as_deref(),
            Some("v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789")
        );
    }
}
