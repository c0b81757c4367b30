//! Jobs no change enqueues: every node's worker enqueues them once per
//! period, and the dedupe key that names the period leaves one job per period
//! among all nodes. The built-in one closes tickets resolved long enough ago.

use super::{ClaimedJob, JobError, NewJob, SECOND, WorkerConfig, micros};
use crate::db::Store;
use crate::error::Result;
use crate::now_micros;

const DAY: i64 = 86_400 * SECOND;

/// The kind of the built-in job that closes tickets resolved long enough ago.
pub const AUTO_CLOSE_RESOLVED: &str = "auto_close_resolved";

/// Tickets closed per read of the auto-close; each closes in its own transaction.
const AUTO_CLOSE_BATCH: i64 = 100;

impl Store {
    /// Close the tickets resolved more than `after_days` days before `now`,
    /// each in its own transaction with its `closed` event by the system.
    /// Returns how many were closed.
    pub async fn auto_close_resolved(&self, now: i64, after_days: u32) -> Result<u64> {
        let cutoff = now.saturating_sub(i64::from(after_days).saturating_mul(DAY));
        let data = serde_json::json!({
            "status": { "from": "resolved", "to": "closed" },
            "automatic": true,
            "after_days": after_days,
        })
        .to_string();
        let mut closed = 0;
        loop {
            let ids: Vec<i64> = on_pool!(self, |pool| {
                sqlx::query_scalar(
                    "SELECT id FROM tickets WHERE status = 'resolved' AND resolved_at < $1 \
                     ORDER BY id LIMIT $2",
                )
                .bind(cutoff)
                .bind(AUTO_CLOSE_BATCH)
                .fetch_all(pool)
                .await?
            });
            let mut closed_now = 0;
            for &id in &ids {
                // The status check is repeated under the write lock: the
                // requester may have reopened the ticket since it was read.
                let changed = in_tx!(self, |tx| {
                    let changed = sqlx::query(
                        "UPDATE tickets SET status = 'closed', closed_at = $1, updated_at = $1 \
                         WHERE id = $2 AND status = 'resolved' AND resolved_at < $3",
                    )
                    .bind(now)
                    .bind(id)
                    .bind(cutoff)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if changed == 1 {
                        sqlx::query(
                            "INSERT INTO ticket_events (ticket_id, at, actor_kind, actor_id, actor_name, kind, data) \
                             VALUES ($1, $2, 'system', NULL, 'Atbalsts', 'closed', $3)",
                        )
                        .bind(id)
                        .bind(now)
                        .bind(&data)
                        .execute(&mut *tx)
                        .await?;
                    }
                    changed
                });
                closed_now += changed;
            }
            closed += closed_now;
            // A short page is the last; a page where nothing closed would only repeat.
            if ids.len() < AUTO_CLOSE_BATCH as usize || closed_now == 0 {
                break;
            }
        }
        Ok(closed)
    }
}

#[derive(serde::Deserialize)]
struct AutoClose {
    after_days: u32,
}

/// The built-in handler of [`AUTO_CLOSE_RESOLVED`] jobs (payload `{"after_days": N}`).
pub async fn auto_close(store: Store, job: ClaimedJob) -> Result<(), JobError> {
    let AutoClose { after_days } = job.payload_as()?;
    let closed = store.auto_close_resolved(now_micros(), after_days).await?;
    if closed > 0 {
        tracing::info!(
            closed,
            after_days,
            "closed tickets resolved long enough ago"
        );
    }
    Ok(())
}

/// The periods this worker has enqueued already, so that it asks the
/// database once per period rather than at every poll. A failed attempt is
/// not remembered: the next poll tries again.
pub(super) struct Schedule {
    /// The period of the built-in jobs (auto-close, forgetting done jobs).
    built_in: Option<i64>,
    /// One per entry of [`WorkerConfig::periodic`], in its order.
    periodic: Vec<Option<i64>>,
}

impl Schedule {
    pub(super) fn new(config: &WorkerConfig) -> Self {
        Schedule {
            built_in: None,
            periodic: vec![None; config.periodic.len()],
        }
    }

    /// Enqueue what the period of `now` still lacks. Errors are logged, never
    /// fatal: the database may come back.
    pub(super) async fn run(&mut self, store: &Store, config: &WorkerConfig, now: i64) {
        for ((kind, every), done) in config.periodic.iter().zip(self.periodic.iter_mut()) {
            let period = now / micros(*every).max(1);
            if *done != Some(period) {
                match store
                    .enqueue(&once_in(kind, serde_json::json!({}), now, period))
                    .await
                {
                    Ok(_) => *done = Some(period),
                    Err(e) => {
                        tracing::warn!(error = %e, kind = %kind, "scheduling a periodic job failed")
                    }
                }
            }
        }
        let period = now / micros(config.schedule_every).max(1);
        if self.built_in != Some(period) {
            match built_in(store, config, now, period).await {
                Ok(()) => self.built_in = Some(period),
                Err(e) => tracing::warn!(error = %e, "scheduling periodic jobs failed"),
            }
        }
    }
}

/// The dedupe key names the period, so of all nodes one enqueues the job.
fn once_in(kind: &str, payload: serde_json::Value, now: i64, period: i64) -> NewJob {
    NewJob::new(kind, payload, now).dedupe(format!("{kind}:{period}"))
}

/// The worker's own housekeeping, once per `schedule_every`: the auto-close
/// (when configured), and forgetting done jobs, which would otherwise keep
/// the table growing.
async fn built_in(store: &Store, config: &WorkerConfig, now: i64, period: i64) -> Result<()> {
    if let Some(after_days) = config.auto_close_after_days {
        let payload = serde_json::json!({ "after_days": after_days });
        store
            .enqueue(&once_in(AUTO_CLOSE_RESOLVED, payload, now, period))
            .await?;
    }
    let purged = store
        .purge_done_jobs(now.saturating_sub(micros(config.keep_done)))
        .await?;
    if purged > 0 {
        tracing::debug!(purged, "forgot old done jobs");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_payload_is_a_permanent_error() {
        let job = ClaimedJob {
            id: 1,
            kind: AUTO_CLOSE_RESOLVED.into(),
            payload: serde_json::json!({ "after_days": "seven" }),
            attempts: 1,
            max_attempts: 5,
            run_at: 0,
            worker: "w".into(),
            locked_until: 1,
        };
        let err = job
            .payload_as::<AutoClose>()
            .err()
            .map(|e| e.is_permanent());
        assert_eq!(err, Some(true));
    }
}
