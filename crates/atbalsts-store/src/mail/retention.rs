//! How long the outbox keeps what it wrote. A written message's bytes hold a
//! requester's private ticket link or a one-time sign-in link, and the ticket
//! keeps the words anyway; so the bytes go once the message has had its
//! chance to be delivered, and the record (to whom, what, when, how it went)
//! stays. A password-reset message goes within the hour: its link has died
//! after 30 minutes, and one still waiting for the relay then is failed rather
//! than sent dead.

use crate::db::Store;
use crate::error::Result;

/// The job kind of the periodic purge.
pub const PURGE_JOB: &str = "mail.purge";

/// How often the purge runs.
pub const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Reset mail older than this loses its bytes (its link has expired).
const RESET_LIFE: i64 = 3600 * SECOND;

const SECOND: i64 = 1_000_000;
const DAY: i64 = 86_400 * SECOND;

/// What one purge did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// Messages whose bytes were removed.
    pub emptied: u64,
    /// Reset messages still queued when their link expired, now failed.
    pub expired: u64,
}

impl Store {
    /// Remove the bytes of written messages settled more than `keep_days`
    /// days before `now` (sent, held, failed, bounced; queued ones wait for
    /// their delivery), and of password-reset messages older than an hour.
    pub async fn purge_outbound_content(&self, now: i64, keep_days: u32) -> Result<Purged> {
        let cutoff = now.saturating_sub(i64::from(keep_days).saturating_mul(DAY));
        let reset_cutoff = now.saturating_sub(RESET_LIFE);
        let empty: Vec<u8> = Vec::new();
        let (expired, emptied) = in_tx!(self, |tx| {
            let expired = sqlx::query(
                "UPDATE mail_outbound SET status = 'failed', \
                 last_error = 'not sent: the one-time link expired before the relay took the message' \
                 WHERE purpose = 'password_reset' AND status = 'queued' AND created_at < $1",
            )
            .bind(reset_cutoff)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let emptied = sqlx::query(
                "UPDATE mail_outbound SET raw = $3 WHERE length(raw) > 0 AND status <> 'queued' \
                 AND (created_at < $1 OR (purpose = 'password_reset' AND created_at < $2))",
            )
            .bind(cutoff)
            .bind(reset_cutoff)
            .bind(&empty)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            (expired, emptied)
        });
        Ok(Purged { emptied, expired })
    }
}
