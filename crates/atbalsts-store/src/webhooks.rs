//! Outgoing webhooks: institutions' subscriptions, and their deliveries, each
//! written with its `webhook.deliver` job in one transaction, once per
//! subscription, ticket event and kind. The results of attempts are kept per
//! delivery; deliveries failing in a row switch a subscription off.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::jobs::NewJob;
use crate::model::rfc3339;
use crate::now_micros;
use atbalsts_domain::FieldError;
use atbalsts_domain::webhook::EventKind;
use serde::Serialize;
use utoipa::ToSchema;

/// The job kind that sends one delivery.
pub const DELIVER_JOB: &str = "webhook.deliver";

/// A subscription as shown to administrators: never with its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Webhook {
    pub id: i64,
    pub institution: String,
    pub url: String,
    pub events: Vec<EventKind>,
    /// Switched off after too many failed deliveries in a row (or never on).
    pub active: bool,
    /// Failed deliveries since the last successful one.
    pub consecutive_failures: i64,
    pub created_at: String,
    pub disabled_at: Option<String>,
}

#[derive(sqlx::FromRow)]
struct WebhookRow {
    id: i64,
    institution: String,
    url: String,
    events: String,
    active: bool,
    consecutive_failures: i64,
    created_at: i64,
    disabled_at: Option<i64>,
}

const COLUMNS: &str =
    "id, institution, url, events, active, consecutive_failures, created_at, disabled_at";

fn events_of(text: &str) -> Vec<EventKind> {
    // Names no longer known (a downgrade) are skipped, not fatal.
    serde_json::from_str::<Vec<String>>(text)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| EventKind::parse(s))
        .collect()
}

impl From<WebhookRow> for Webhook {
    fn from(r: WebhookRow) -> Self {
        Webhook {
            events: events_of(&r.events),
            id: r.id,
            institution: r.institution,
            url: r.url,
            active: r.active,
            consecutive_failures: r.consecutive_failures,
            created_at: rfc3339(r.created_at),
            disabled_at: r.disabled_at.map(rfc3339),
        }
    }
}

/// A subscription to create (already checked by `domain::webhook`).
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub institution: String,
    pub url: String,
    pub events: Vec<EventKind>,
    pub created_by: Option<i64>,
}

/// One delivery's log entry.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Delivery {
    pub id: i64,
    /// The ticket event delivered.
    pub event_id: i64,
    /// The webhook event name, e.g. `ticket.created`.
    pub kind: String,
    /// `pending` (being tried), `delivered`, `failed` (gave up) or `skipped`
    /// (the subscription was off when its turn came).
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
pub struct Outgoing {
    pub id: i64,
    pub subscription_id: i64,
    pub kind: String,
    pub payload: String,
    pub status: String,
    pub url: String,
    pub secret: String,
    pub active: bool,
    pub institution: String,
}

/// How an attempt ended.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub outcome: AttemptOutcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered,
    /// Failed; the queue tries again.
    WillRetry,
    /// Failed for good: counts as one failed delivery of the subscription.
    GaveUp,
}

impl Store {
    /// Create a subscription with a fresh secret: the secret is returned here
    /// and never again.
    pub async fn create_webhook(&self, w: &NewWebhook) -> Result<(Webhook, String)> {
        let secret = format!("whsec_{}", crate::tickets::new_secret());
        let events: Vec<&str> = w.events.iter().map(|k| k.as_str()).collect();
        let events =
            serde_json::to_string(&events).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let now = now_micros();
        let row: WebhookRow = in_tx!(self, |tx| {
            let known: Option<String> =
                sqlx::query_scalar("SELECT code FROM institutions WHERE code = $1")
                    .bind(&w.institution)
                    .fetch_optional(&mut *tx)
                    .await?;
            if known.is_none() {
                return Err(StoreError::invalid(vec![FieldError::new(
                    "institution",
                    format!("no institution {:?} in the register", w.institution),
                )]));
            }
            sqlx::query_as(&format!(
                "INSERT INTO webhook_subscriptions (institution, url, events, secret, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
            ))
            .bind(&w.institution)
            .bind(&w.url)
            .bind(&events)
            .bind(&secret)
            .bind(w.created_by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
        });
        Ok((row.into(), secret))
    }

    /// Subscriptions, of one institution or all, oldest first.
    pub async fn webhooks(&self, institution: Option<&str>) -> Result<Vec<Webhook>> {
        let rows: Vec<WebhookRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM webhook_subscriptions WHERE ($1 IS NULL OR institution = $1) ORDER BY id"
            ))
            .bind(institution)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(Webhook::from).collect())
    }

    pub async fn webhook(&self, id: i64) -> Result<Option<Webhook>> {
        let row: Option<WebhookRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM webhook_subscriptions WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(Webhook::from))
    }

    /// Remove a subscription and its log; `false` when there was none.
    /// Its queued jobs find nothing to send and end.
    pub async fn delete_webhook(&self, id: i64) -> Result<bool> {
        Ok(in_tx!(self, |tx| {
            sqlx::query("DELETE FROM webhook_subscriptions WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0
        }))
    }

    /// Switch a subscription (back) on with a clean failure count.
    pub async fn enable_webhook(&self, id: i64) -> Result<Option<Webhook>> {
        let row: Option<WebhookRow> = in_tx!(self, |tx| {
            sqlx::query_as(&format!(
                "UPDATE webhook_subscriptions SET active = TRUE, consecutive_failures = 0, disabled_at = NULL \
                 WHERE id = $1 RETURNING {COLUMNS}"
            ))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        });
        Ok(row.map(Webhook::from))
    }

    /// Write a delivery (with its job) for every active subscription of
    /// `institution` that asked for one of `kinds`; `payload` gives the body
    /// of each kind (without the delivery's id). Returns how many were new: a
    /// repeated call for the same event writes none.
    pub async fn add_webhook_deliveries(
        &self,
        event_id: i64,
        institution: &str,
        kinds: &[EventKind],
        payload: &(dyn Fn(EventKind) -> serde_json::Value + Sync),
        max_attempts: u32,
    ) -> Result<usize> {
        if kinds.is_empty() {
            return Ok(0);
        }
        let now = now_micros();
        Ok(in_tx!(self, |tx| {
            let subs: Vec<(i64, String)> = sqlx::query_as(
                "SELECT id, events FROM webhook_subscriptions WHERE institution = $1 AND active = TRUE ORDER BY id",
            )
            .bind(institution)
            .fetch_all(&mut *tx)
            .await?;
            let mut written = 0;
            for (sub, events) in subs {
                let wanted = events_of(&events);
                for kind in kinds.iter().filter(|k| wanted.contains(k)) {
                    let id: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO webhook_deliveries (subscription_id, event_id, kind, payload, created_at) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subscription_id, event_id, kind) DO NOTHING RETURNING id",
                    )
                    .bind(sub)
                    .bind(event_id)
                    .bind(kind.as_str())
                    .bind(payload(*kind).to_string())
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some(id) = id {
                        let job =
                            NewJob::new(DELIVER_JOB, serde_json::json!({ "delivery": id }), now)
                                .dedupe(format!("{DELIVER_JOB}:{id}"))
                                .max_attempts(max_attempts);
                        crate::enqueue_job!(&mut *tx, &job);
                        written += 1;
                    }
                }
            }
            written
        }))
    }

    /// A delivery with its subscription's address and secret; `None` when the
    /// subscription was deleted.
    pub async fn webhook_outgoing(&self, delivery: i64) -> Result<Option<Outgoing>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT d.id, d.subscription_id, d.kind, d.payload, d.status, s.url, s.secret, s.active, \
                 s.institution FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id \
                 WHERE d.id = $1",
            )
            .bind(delivery)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// A delivery whose subscription is off when its turn comes is not sent.
    pub async fn skip_webhook_delivery(&self, delivery: i64) -> Result<()> {
        in_tx!(self, |tx| {
            sqlx::query("UPDATE webhook_deliveries SET status = 'skipped' WHERE id = $1 AND status = 'pending'")
                .bind(delivery)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Record an attempt. A success clears the subscription's failure count; a
    /// delivery given up raises it, and the one that reaches `disable_after`
    /// switches the subscription off: then its `disabled_at` is returned (once,
    /// to the attempt that switched it off).
    pub async fn record_webhook_attempt(
        &self,
        delivery: i64,
        attempt: &Attempt,
        disable_after: u32,
    ) -> Result<Option<i64>> {
        let now = now_micros();
        let status = match attempt.outcome {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::WillRetry => "pending",
            AttemptOutcome::GaveUp => "failed",
        };
        Ok(in_tx!(self, |tx| {
            let sub: Option<i64> = sqlx::query_scalar(
                "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, status_code = $2, \
                 last_error = $3, duration_ms = $4, last_attempt_at = $5 WHERE id = $6 AND status = 'pending' \
                 RETURNING subscription_id",
            )
            .bind(status)
            .bind(attempt.status_code.map(i64::from))
            .bind(attempt.error.as_deref())
            .bind(attempt.duration_ms)
            .bind(now)
            .bind(delivery)
            .fetch_optional(&mut *tx)
            .await?;
            match (sub, attempt.outcome) {
                (Some(sub), AttemptOutcome::Delivered) => {
                    sqlx::query(
                        "UPDATE webhook_subscriptions SET consecutive_failures = 0 WHERE id = $1",
                    )
                    .bind(sub)
                    .execute(&mut *tx)
                    .await?;
                    None
                }
                (Some(sub), AttemptOutcome::GaveUp) => {
                    sqlx::query(
                        "UPDATE webhook_subscriptions SET consecutive_failures = consecutive_failures + 1 WHERE id = $1",
                    )
                    .bind(sub)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query_scalar(
                        "UPDATE webhook_subscriptions SET active = FALSE, disabled_at = $1 \
                         WHERE id = $2 AND active = TRUE AND consecutive_failures >= $3 RETURNING disabled_at",
                    )
                    .bind(now)
                    .bind(sub)
                    .bind(i64::from(disable_after.max(1)))
                    .fetch_optional(&mut *tx)
                    .await?
                }
                _ => None,
            }
        }))
    }

    /// A subscription's deliveries, newest first, older than `before` (an id) when given.
    pub async fn webhook_deliveries(
        &self,
        subscription: i64,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Delivery>> {
        let rows: Vec<Delivery> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id, event_id, kind, status, attempts, status_code, last_error, duration_ms, created_at \
                 FROM webhook_deliveries WHERE subscription_id = $1 AND ($2 IS NULL OR id < $2) \
                 ORDER BY id DESC LIMIT $3",
            )
            .bind(subscription)
            .bind(before)
            .bind(i64::from(limit.clamp(1, 200)))
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|mut d| {
                d.created_at = rfc3339(d.created_micros);
                d
            })
            .collect())
    }

    /// The active administrators of `institution` as a whole (id, e-mail,
    /// name): who is told when its webhook is switched off.
    pub async fn institution_administrators(
        &self,
        institution: &str,
    ) -> Result<Vec<(i64, String, String)>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT DISTINCT u.id, u.email, u.name FROM users u JOIN user_scopes s ON s.user_id = u.id \
                 WHERE u.role = 'administrator' AND u.active = TRUE AND s.institution = $1 AND s.service = '' \
                 ORDER BY u.id",
            )
            .bind(institution)
            .fetch_all(pool)
            .await?
        }))
    }
}
