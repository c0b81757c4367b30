//! The queue's own statements, apart from whoever drives them (the worker
//! loop, an administrator's retry, a test). Every change to a claimed job is
//! one statement guarded by the claim (worker, attempt, `running`), so a
//! worker whose lease ran out can no longer touch a job another one holds.

use super::{AfterFailure, ClaimedJob, JobCounts, JobInfo, JobStatus, NewJob, SECOND};
use crate::db::Store;
use crate::error::Result;

/// The longest error text kept in `last_error`.
const MAX_ERROR_LEN: usize = 4000;

/// How long to wait before attempt `attempts + 1`, after `attempts` failed:
/// 30 s, 1 min, 2 min, … doubling, never more than an hour (microseconds).
pub fn backoff(attempts: u32) -> i64 {
    let first = 30 * SECOND;
    let cap = 3_600 * SECOND;
    // Past 2^7 the cap holds anyway; the bound keeps the shift from overflowing.
    first
        .checked_shl(attempts.saturating_sub(1).min(7))
        .map_or(cap, |d| d.min(cap))
}

/// The insert of [`enqueue_job!`](crate::enqueue_job); `ON CONFLICT DO NOTHING` makes a
/// repeated dedupe key a no-op.
#[doc(hidden)]
pub const ENQUEUE_SQL: &str = "INSERT INTO jobs (kind, payload, run_at, max_attempts, dedupe_key, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id";

/// Enqueue a [`NewJob`](crate::jobs::NewJob) on `$ex` — an open transaction
/// (`&mut *tx`) or connection of either backend, so the job commits or rolls
/// back with the change around it. Evaluates to `Option<i64>`: the new job's
/// id, or `None` when a job with the same dedupe key exists. An error returns
/// early with `?` (into anything `From<sqlx::Error>`), like the store's other
/// query macros.
#[macro_export]
macro_rules! enqueue_job {
    ($ex:expr, $job:expr) => {{
        let job: &$crate::jobs::NewJob = $job;
        $crate::jobs::__sqlx::query_scalar::<_, i64>($crate::jobs::ENQUEUE_SQL)
            .bind(&job.kind)
            .bind(job.payload.to_string())
            .bind(job.run_at)
            .bind(i64::from(job.max_attempts.max(1)))
            .bind(&job.dedupe_key)
            .bind($crate::now_micros())
            .fetch_optional($ex)
            .await?
    }};
}

/// A claim still holds its job (`$1` id, `$2` worker, `$3` attempt): a
/// worker whose lease ran out, and whose job another worker claimed since,
/// matches no row, so it can neither finish nor fail that job.
const HELD: &str = "id = $1 AND locked_by = $2 AND attempts = $3 AND status = 'running'";

const JOB_COLUMNS: &str = "id, kind, payload, status, run_at, attempts, max_attempts, locked_by, \
     locked_until, last_error, dedupe_key, created_at, finished_at";

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    kind: String,
    payload: String,
    status: String,
    run_at: i64,
    attempts: i64,
    max_attempts: i64,
    locked_by: Option<String>,
    locked_until: Option<i64>,
    last_error: Option<String>,
    dedupe_key: Option<String>,
    created_at: i64,
    finished_at: Option<i64>,
}

impl JobRow {
    fn into_info(self) -> Result<JobInfo> {
        Ok(JobInfo {
            payload: payload_value(self.id, self.payload),
            status: JobStatus::parse(&self.status)?,
            attempts: count(self.attempts),
            max_attempts: count(self.max_attempts),
            id: self.id,
            kind: self.kind,
            run_at: self.run_at,
            locked_by: self.locked_by,
            locked_until: self.locked_until,
            last_error: self.last_error,
            dedupe_key: self.dedupe_key,
            created_at: self.created_at,
            finished_at: self.finished_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    id: i64,
    kind: String,
    payload: String,
    attempts: i64,
    max_attempts: i64,
    run_at: i64,
    locked_until: Option<i64>,
}

fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// Jobs are enqueued from `serde_json::Value`, so the text is JSON unless
/// someone wrote the row by hand; then the handler sees the raw text as a
/// string and fails on it visibly rather than the whole claim failing.
fn payload_value(id: i64, text: String) -> serde_json::Value {
    match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(job = id, error = %e, "job payload is not JSON");
            serde_json::Value::String(text)
        }
    }
}

fn truncate(error: &str) -> &str {
    if error.len() <= MAX_ERROR_LEN {
        return error;
    }
    let mut end = MAX_ERROR_LEN;
    while !error.is_char_boundary(end) {
        end -= 1;
    }
    &error[..end]
}

impl Store {
    /// `SKIP LOCKED` lets concurrent claimers on PostgreSQL pass each other's
    /// rows instead of waiting for them; SQLite has one writer, so no clause.
    fn skip_locked(&self) -> &'static str {
        match self {
            Store::Sqlite { .. } => "",
            Store::Postgres { .. } => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// Enqueue a job in a transaction of its own; `None` when its dedupe key is taken.
    /// (To enqueue together with a change, use [`enqueue_job!`](crate::enqueue_job) in that
    /// change's transaction.)
    pub async fn enqueue(&self, job: &NewJob) -> Result<Option<i64>> {
        Ok(in_tx!(self, |tx| crate::enqueue_job!(&mut *tx, job)))
    }

    /// Claim up to `limit` jobs due at `now` for `worker`, holding them until
    /// `now + lease_micros`: queued jobs whose `run_at` has come, and running
    /// jobs whose lease ran out (their worker died). Each claim counts an attempt.
    pub async fn claim_jobs(
        &self,
        worker: &str,
        now: i64,
        lease_micros: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedJob>> {
        // An idle queue is read on the read pool, so polling does not take
        // SQLite's write lock (or a PostgreSQL write transaction) every time.
        let due: Option<i64> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT id FROM jobs WHERE (status = 'queued' AND run_at <= $1) \
                 OR (status = 'running' AND locked_until < $1) LIMIT 1",
            )
            .bind(now)
            .fetch_optional(pool)
            .await?
        });
        if due.is_none() {
            return Ok(Vec::new());
        }
        let lock = self.skip_locked();
        // A job whose last attempt died with its worker would otherwise stay
        // `running` for ever: it fails here, visibly.
        let give_up = format!(
            "UPDATE jobs SET status = 'failed', locked_until = NULL, finished_at = $1, \
             last_error = 'the last attempt did not finish: the lease of ' || COALESCE(locked_by, '?') \
             || ' ran out (the worker stopped or ran too long)' \
             WHERE id IN (SELECT id FROM jobs WHERE status = 'running' AND locked_until < $1 \
             AND attempts >= max_attempts{lock})"
        );
        let claim = format!(
            "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM jobs WHERE (status = 'queued' AND run_at <= $3) \
             OR (status = 'running' AND locked_until < $3 AND attempts < max_attempts) \
             ORDER BY run_at, id LIMIT $4{lock}) \
             RETURNING id, kind, payload, attempts, max_attempts, run_at, locked_until"
        );
        let lease_end = now.saturating_add(lease_micros.max(0));
        let (abandoned, rows) = in_tx!(self, |tx| {
            let abandoned = sqlx::query(&give_up)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let rows: Vec<ClaimRow> = sqlx::query_as(&claim)
                .bind(worker)
                .bind(lease_end)
                .bind(now)
                .bind(limit.max(1))
                .fetch_all(&mut *tx)
                .await?;
            (abandoned, rows)
        });
        if abandoned > 0 {
            tracing::error!(
                jobs = abandoned,
                "jobs failed: their last attempt's worker never finished"
            );
        }
        let mut jobs: Vec<ClaimedJob> = rows
            .into_iter()
            .map(|r| ClaimedJob {
                payload: payload_value(r.id, r.payload),
                attempts: count(r.attempts),
                max_attempts: count(r.max_attempts),
                worker: worker.to_string(),
                locked_until: r.locked_until.unwrap_or(lease_end),
                id: r.id,
                kind: r.kind,
                run_at: r.run_at,
            })
            .collect();
        // RETURNING promises no order.
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    /// Mark a claimed job done. `false` when the worker no longer holds it
    /// (its lease ran out and another worker claimed it): then nothing changes.
    pub async fn complete_job(&self, job: &ClaimedJob, now: i64) -> Result<bool> {
        self.change_held(
            job,
            "status = 'done', locked_until = NULL, finished_at = $4",
            Some(now),
        )
        .await
    }

    /// Report a failed attempt: the job is queued again after [`backoff`], or
    /// left `failed` with `error` when it has no attempts left.
    pub async fn fail_job(&self, job: &ClaimedJob, error: &str, now: i64) -> Result<AfterFailure> {
        self.finish_failed(job, error, now, true).await
    }

    /// Report a failure that no retry can mend (a malformed payload): the job
    /// is left `failed` at once.
    pub async fn give_up_job(
        &self,
        job: &ClaimedJob,
        error: &str,
        now: i64,
    ) -> Result<AfterFailure> {
        self.finish_failed(job, error, now, false).await
    }

    async fn finish_failed(
        &self,
        job: &ClaimedJob,
        error: &str,
        now: i64,
        retry: bool,
    ) -> Result<AfterFailure> {
        let next = now.saturating_add(backoff(job.attempts));
        let sql = format!(
            "UPDATE jobs SET \
             status = CASE WHEN $4 AND attempts < max_attempts THEN 'queued' ELSE 'failed' END, \
             run_at = CASE WHEN $4 AND attempts < max_attempts THEN $5 ELSE run_at END, \
             finished_at = CASE WHEN $4 AND attempts < max_attempts THEN NULL ELSE $6 END, \
             locked_until = NULL, last_error = $7 \
             WHERE {HELD} RETURNING status, run_at"
        );
        let row: Option<(String, i64)> = in_tx!(self, |tx| {
            sqlx::query_as(&sql)
                .bind(job.id)
                .bind(&job.worker)
                .bind(i64::from(job.attempts))
                .bind(retry)
                .bind(next)
                .bind(now)
                .bind(truncate(error))
                .fetch_optional(&mut *tx)
                .await?
        });
        Ok(match row {
            None => AfterFailure::LeaseLost,
            Some((status, at)) if status == "queued" => AfterFailure::Retry { at },
            Some(_) => AfterFailure::GaveUp,
        })
    }

    /// Give a claimed job back without counting the attempt (the worker is
    /// stopping). `false` when the worker no longer held it.
    pub async fn release_job(&self, job: &ClaimedJob) -> Result<bool> {
        self.change_held(
            job,
            "status = 'queued', attempts = attempts - 1, locked_until = NULL",
            None,
        )
        .await
    }

    /// `UPDATE jobs SET {set}` while `job`'s claim still holds it; `now` is
    /// `$4` where `set` needs it. `false` when the claim was lost.
    async fn change_held(&self, job: &ClaimedJob, set: &str, now: Option<i64>) -> Result<bool> {
        let sql = format!("UPDATE jobs SET {set} WHERE {HELD}");
        let changed = in_tx!(self, |tx| {
            let query = sqlx::query(&sql)
                .bind(job.id)
                .bind(&job.worker)
                .bind(i64::from(job.attempts));
            match now {
                Some(now) => query.bind(now),
                None => query,
            }
            .execute(&mut *tx)
            .await?
            .rows_affected()
        });
        Ok(changed == 1)
    }

    /// Put a failed job back in the queue, due at `now`, with all its attempts
    /// again (its last error stays until it is overwritten). `false` when the
    /// job is not failed.
    pub async fn retry_job(&self, id: i64, now: i64) -> Result<bool> {
        let queued = in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE jobs SET status = 'queued', attempts = 0, run_at = $1, finished_at = NULL, \
                 locked_until = NULL WHERE id = $2 AND status = 'failed'",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        });
        Ok(queued == 1)
    }

    pub async fn job(&self, id: i64) -> Result<Option<JobInfo>> {
        let row: Option<JobRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(JobRow::into_info).transpose()
    }

    /// Jobs that ran out of attempts, the latest failure first.
    pub async fn failed_jobs(&self, limit: i64) -> Result<Vec<JobInfo>> {
        let rows: Vec<JobRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {JOB_COLUMNS} FROM jobs WHERE status = 'failed' \
                 ORDER BY finished_at DESC, id DESC LIMIT $1"
            ))
            .bind(limit.max(0))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(JobRow::into_info).collect()
    }

    pub async fn job_counts(&self) -> Result<JobCounts> {
        let rows: Vec<(String, i64)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT status, COUNT(*) FROM jobs GROUP BY status")
                .fetch_all(pool)
                .await?
        });
        let mut counts = JobCounts::default();
        for (status, n) in rows {
            match JobStatus::parse(&status)? {
                JobStatus::Queued => counts.queued = n,
                JobStatus::Running => counts.running = n,
                JobStatus::Done => counts.done = n,
                JobStatus::Failed => counts.failed = n,
            }
        }
        Ok(counts)
    }

    /// Forget jobs done before `before` (failed ones stay until retried).
    pub async fn purge_done_jobs(&self, before: i64) -> Result<u64> {
        Ok(in_tx!(self, |tx| {
            sqlx::query("DELETE FROM jobs WHERE status = 'done' AND finished_at < $1")
                .bind(before)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_up_to_an_hour() {
        assert_eq!(backoff(0), 30 * SECOND);
        assert_eq!(backoff(1), 30 * SECOND);
        assert_eq!(backoff(2), 60 * SECOND);
        assert_eq!(backoff(3), 120 * SECOND);
        assert_eq!(backoff(7), 1_920 * SECOND);
        assert_eq!(backoff(8), 3_600 * SECOND);
        assert_eq!(backoff(u32::MAX), 3_600 * SECOND);
    }

    #[test]
    fn long_errors_are_cut_on_a_character_boundary() {
        let long = "ā".repeat(MAX_ERROR_LEN);
        let cut = truncate(&long);
        assert!(cut.len() <= MAX_ERROR_LEN);
        assert!(cut.chars().all(|c| c == 'ā'));
        assert_eq!(truncate("short"), "short");
    }
}
