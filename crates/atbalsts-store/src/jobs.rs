//! Background jobs kept in the database: SLA warnings and breaches, auto-close
//! of resolved tickets, notifications.
//!
//! A job is a row of `jobs`. It is enqueued **in the same transaction as the
//! change that needs it**, so a change that rolls back leaves no job behind and
//! a committed change always has its job. Workers claim due jobs, run them and
//! mark them done; a failure is retried with exponential [`backoff`] until the
//! job's `max_attempts`, then the job stays `failed` with its last error, where
//! [`Store::failed_jobs`] and [`Store::job_counts`] show it and
//! [`Store::retry_job`] puts it back in the queue.
//!
//! # Delivery: at least once
//!
//! A claim is a lease (`locked_until`). When a process dies mid-job, its lease
//! runs out and another worker claims the job again; the lost attempt still
//! counts, so a job that kills its worker every time ends up `failed` instead
//! of looping forever. A job may therefore run more than once (a worker dies
//! after the work but before marking it done), so **handlers must be
//! idempotent**: check the state they are about to change, as
//! [`Store::auto_close_resolved`] does with `WHERE status = 'resolved'`.
//! A handler must finish well within the lease (the worker cancels it at nine
//! tenths of it); long work is split into several jobs or batches.
//!
//! On PostgreSQL several nodes claim from one table with `FOR UPDATE SKIP
//! LOCKED`, so each due job goes to exactly one of them. On SQLite every write
//! goes through the one-connection write pool (`BEGIN IMMEDIATE`), which
//! serialises claims the same way.
//!
//! # Enqueueing with a change
//!
//! Inside the store, write the job with [`enqueue_job!`](crate::enqueue_job)
//! (`crate::enqueue_job!`) on the transaction of the change (the macro evaluates to the new job's id,
//! or `None` when a job with the same dedupe key already exists):
//!
//! ```ignore
//! in_tx!(self, |tx| {
//!     sqlx::query("UPDATE tickets SET … WHERE id = $1").bind(id).execute(&mut *tx).await?;
//!     let job = NewJob::new("sla_warning", serde_json::json!({ "ticket": id }), warn_at)
//!         .dedupe(format!("sla_warning:{id}:{warn_at}"));
//!     crate::enqueue_job!(&mut *tx, &job);
//! });
//! ```
//!
//! Outside a transaction, [`Store::enqueue`] opens its own.
//!
//! # Handling a kind
//!
//! A handler is any `Fn(Store, ClaimedJob) -> impl Future<Output = Result<(), JobError>>`,
//! so an `async fn` registers as it is. Register it under the job's kind and
//! hand the set to the worker; `auto_close_resolved` is built in.
//!
//! ```no_run
//! use atbalsts_store::Store;
//! use atbalsts_store::jobs::{ClaimedJob, Handlers, JobError, Worker, WorkerConfig};
//!
//! #[derive(serde::Deserialize)]
//! struct Warning {
//!     ticket: i64,
//! }
//!
//! async fn sla_warning(store: Store, job: ClaimedJob) -> Result<(), JobError> {
//!     let warning: Warning = job.payload_as()?; // a bad payload fails at once, without retries
//!     let _ = (store, warning.ticket); // … store calls; `?` on a StoreError retries later
//!     Ok(())
//! }
//!
//! # async fn start(store: Store) {
//! let handlers = Handlers::new().with("sla_warning", sla_warning);
//! let worker = Worker::spawn(store, handlers, WorkerConfig::default());
//! // … serve …
//! worker.stop().await;
//! # }
//! ```
//!
//! A job whose kind no handler knows fails like any other (with retries, since
//! a newer node in a rolling upgrade may know it), so it is never dropped
//! silently.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::now_micros;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;

const SECOND: i64 = 1_000_000;
const DAY: i64 = 86_400 * SECOND;

/// The kind of the built-in job that closes tickets resolved long enough ago.
pub const AUTO_CLOSE_RESOLVED: &str = "auto_close_resolved";

/// Attempts of a job made with [`NewJob::new`].
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;

/// The longest error text kept in `last_error`.
const MAX_ERROR_LEN: usize = 4000;

/// Tickets closed per read of the auto-close; each closes in its own transaction.
const AUTO_CLOSE_BATCH: i64 = 100;

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

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    /// Not before this time (microseconds since the epoch).
    pub run_at: i64,
    /// Enqueueing a second job with the same key, while the first is kept, does nothing.
    pub dedupe_key: Option<String>,
    /// Attempts before the job is left `failed` (at least 1).
    pub max_attempts: u32,
}

impl NewJob {
    /// A job of `kind` due at `run_at`, with [`DEFAULT_MAX_ATTEMPTS`] and no dedupe key.
    pub fn new(kind: impl Into<String>, payload: serde_json::Value, run_at: i64) -> Self {
        Self {
            kind: kind.into(),
            payload,
            run_at,
            dedupe_key: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }

    pub fn dedupe(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }

    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }
}

/// The insert of [`enqueue_job!`](crate::enqueue_job); `ON CONFLICT DO NOTHING` makes a
/// repeated dedupe key a no-op.
#[doc(hidden)]
pub const ENQUEUE_SQL: &str = "INSERT INTO jobs (kind, payload, run_at, max_attempts, dedupe_key, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id";

/// For [`enqueue_job!`](crate::enqueue_job) in crates that do not depend on sqlx themselves.
#[doc(hidden)]
pub use sqlx as __sqlx;

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

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            other => return Err(StoreError::Corrupt(format!("job status {other:?}"))),
        })
    }
}

/// A job a worker holds until `locked_until`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    pub id: i64,
    pub kind: String,
    /// The payload as enqueued (text that is not JSON comes as a JSON string).
    pub payload: serde_json::Value,
    /// This attempt's number, from 1; attempts lost with a dead worker count too.
    pub attempts: u32,
    pub max_attempts: u32,
    pub run_at: i64,
    /// The worker holding the job: finishing it is refused to anyone else.
    pub worker: String,
    pub locked_until: i64,
}

impl ClaimedJob {
    /// The payload as `T`; a payload that does not fit fails the job without retries.
    pub fn payload_as<T: DeserializeOwned>(&self) -> Result<T, JobError> {
        serde_json::from_value(self.payload.clone()).map_err(|e| {
            JobError::permanent(format!(
                "the payload of {} job {} does not fit: {e}",
                self.kind, self.id
            ))
        })
    }

    /// Whether a failure now leaves the job `failed`.
    pub fn is_last_attempt(&self) -> bool {
        self.attempts >= self.max_attempts
    }
}

/// A job as stored, for whoever watches the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobInfo {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    pub status: JobStatus,
    pub run_at: i64,
    pub attempts: u32,
    pub max_attempts: u32,
    /// The worker that claimed it last.
    pub locked_by: Option<String>,
    pub locked_until: Option<i64>,
    pub last_error: Option<String>,
    pub dedupe_key: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// How many jobs are in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobCounts {
    pub queued: i64,
    pub running: i64,
    pub done: i64,
    pub failed: i64,
}

/// What became of a job reported as failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Queued again for this time.
    Retry { at: i64 },
    /// No attempts left (or the error was permanent): the job is `failed`.
    GaveUp,
    /// The worker no longer held the job (its lease ran out and another claimed it): nothing changed.
    LeaseLost,
}

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

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
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
        let done = in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE jobs SET status = 'done', locked_until = NULL, finished_at = $1 \
                 WHERE id = $2 AND locked_by = $3 AND attempts = $4 AND status = 'running'",
            )
            .bind(now)
            .bind(job.id)
            .bind(&job.worker)
            .bind(i64::from(job.attempts))
            .execute(&mut *tx)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
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
        let row: Option<(String, i64)> = in_tx!(self, |tx| {
            sqlx::query_as(
                "UPDATE jobs SET \
                 status = CASE WHEN $1 AND attempts < max_attempts THEN 'queued' ELSE 'failed' END, \
                 run_at = CASE WHEN $1 AND attempts < max_attempts THEN $2 ELSE run_at END, \
                 finished_at = CASE WHEN $1 AND attempts < max_attempts THEN NULL ELSE $3 END, \
                 locked_until = NULL, last_error = $4 \
                 WHERE id = $5 AND locked_by = $6 AND attempts = $7 AND status = 'running' \
                 RETURNING status, run_at",
            )
            .bind(retry)
            .bind(next)
            .bind(now)
            .bind(truncate(error))
            .bind(job.id)
            .bind(&job.worker)
            .bind(i64::from(job.attempts))
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
        let released = in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE jobs SET status = 'queued', attempts = attempts - 1, locked_until = NULL \
                 WHERE id = $1 AND locked_by = $2 AND attempts = $3 AND status = 'running'",
            )
            .bind(job.id)
            .bind(&job.worker)
            .bind(i64::from(job.attempts))
            .execute(&mut *tx)
            .await?
            .rows_affected()
        });
        Ok(released == 1)
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

/// Why a handler did not finish its job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobError {
    message: String,
    permanent: bool,
}

impl JobError {
    /// A failure worth another attempt (after the backoff).
    pub fn retry(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: false,
        }
    }

    /// A failure no retry can mend: the job is left `failed` at once.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: true,
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn is_permanent(&self) -> bool {
        self.permanent
    }
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JobError {}

/// Store errors are mostly an unavailable or busy database: worth a retry.
impl From<StoreError> for JobError {
    fn from(e: StoreError) -> Self {
        JobError::retry(e.to_string())
    }
}

impl From<String> for JobError {
    fn from(message: String) -> Self {
        JobError::retry(message)
    }
}

impl From<&str> for JobError {
    fn from(message: &str) -> Self {
        JobError::retry(message)
    }
}

/// What a handler returns.
pub type JobFuture = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send + 'static>>;

type Handler = Arc<dyn Fn(Store, ClaimedJob) -> JobFuture + Send + Sync>;

/// The handlers of a worker, by job kind.
#[derive(Clone, Default)]
pub struct Handlers {
    by_kind: HashMap<String, Handler>,
}

impl Handlers {
    pub fn new() -> Self {
        Self::default()
    }

    /// Handle jobs of `kind` with `handler` (replacing an earlier one for that kind).
    pub fn with<F, Fut>(mut self, kind: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Store, ClaimedJob) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), JobError>> + Send + 'static,
    {
        self.by_kind.insert(
            kind.into(),
            Arc::new(move |store, job| -> JobFuture { Box::pin(handler(store, job)) }),
        );
        self
    }

    pub fn handles(&self, kind: &str) -> bool {
        self.by_kind.contains_key(kind)
    }

    /// The kinds handled, sorted.
    pub fn kinds(&self) -> Vec<&str> {
        let mut kinds: Vec<&str> = self.by_kind.keys().map(String::as_str).collect();
        kinds.sort_unstable();
        kinds
    }

    fn get(&self, kind: &str) -> Option<&Handler> {
        self.by_kind.get(kind)
    }
}

impl fmt::Debug for Handlers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handlers")
            .field("kinds", &self.kinds())
            .finish()
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

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Names this worker in `locked_by`; unique per process.
    pub worker_id: String,
    /// The pause when no job is due.
    pub poll_interval: Duration,
    /// How long a claim holds. A handler is cancelled (and its attempt failed)
    /// at nine tenths of it, so it cannot overlap another worker's retry.
    pub lease: Duration,
    /// Jobs claimed at once; they run concurrently.
    pub batch: u32,
    /// Close resolved tickets this many days after resolution; `None` does not schedule it.
    pub auto_close_after_days: Option<u32>,
    /// The period of the periodic jobs (auto-close) and of purging done jobs.
    pub schedule_every: Duration,
    /// How long done jobs are kept.
    pub keep_done: Duration,
    /// On shutdown, how long running jobs may take to finish before they are
    /// cancelled and given back to the queue.
    pub shutdown_grace: Duration,
    /// Further jobs enqueued once per their own period (kind, period), e.g. the
    /// SLA sweep; the dedupe key names the period, so one node enqueues each.
    pub periodic: Vec<(String, Duration)>,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            worker_id: default_worker_id(),
            poll_interval: Duration::from_secs(1),
            lease: Duration::from_secs(300),
            batch: 8,
            auto_close_after_days: Some(7),
            schedule_every: Duration::from_secs(3_600),
            keep_done: Duration::from_secs(7 * 86_400),
            shutdown_grace: Duration::from_secs(10),
            periodic: Vec::new(),
        }
    }
}

impl WorkerConfig {
    fn run_limit(&self) -> Duration {
        self.lease.saturating_sub(self.lease / 10)
    }
}

/// `host-pid-random`: readable in `locked_by`, and a restarted process never
/// passes for its predecessor.
pub fn default_worker_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".into());
    format!(
        "{host}-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// A worker running in the background; [`Worker::stop`] ends it gracefully
/// (so does dropping the handle).
#[derive(Debug)]
pub struct Worker {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Worker {
    pub fn spawn(store: Store, handlers: Handlers, config: WorkerConfig) -> Worker {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(run_worker(store, handlers, config, async move {
            // A dropped handle stops the worker as well.
            let _ = stopped.await;
        }));
        Worker { stop, task }
    }

    /// Stop claiming, let running jobs finish (within the grace period), and wait.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the job worker ended abnormally");
        }
    }
}

/// The shutdown future, remembered once it has fired (a finished future must not be polled again).
struct Shutdown<F> {
    signal: Pin<Box<F>>,
    fired: bool,
}

impl<F: Future<Output = ()>> Shutdown<F> {
    async fn wait(&mut self) {
        if !self.fired {
            self.signal.as_mut().await;
            self.fired = true;
        }
    }
}

/// Run jobs until `shutdown` completes: claim what is due, run each with the
/// handler of its kind, record the outcome; sleep `poll_interval` when nothing
/// is due. Also schedules the periodic jobs and purges old done jobs. Errors
/// are logged, never fatal: the database may come back.
pub async fn run_worker(
    store: Store,
    handlers: Handlers,
    config: WorkerConfig,
    shutdown: impl Future<Output = ()> + Send,
) {
    let mut handlers = handlers;
    if !handlers.handles(AUTO_CLOSE_RESOLVED) {
        handlers = handlers.with(AUTO_CLOSE_RESOLVED, auto_close);
    }
    let mut shutdown = Shutdown {
        signal: Box::pin(shutdown),
        fired: false,
    };
    tracing::info!(worker = %config.worker_id, kinds = ?handlers.kinds(), "job worker started");
    let mut scheduled_period = None;
    let mut periodic_done: Vec<Option<i64>> = vec![None; config.periodic.len()];
    while !shutdown.fired {
        let now = now_micros();
        for ((kind, every), done) in config.periodic.iter().zip(periodic_done.iter_mut()) {
            let period = now / micros(*every).max(1);
            if *done != Some(period) {
                let job = NewJob::new(kind.clone(), serde_json::json!({}), now)
                    .dedupe(format!("{kind}:{period}"));
                match store.enqueue(&job).await {
                    Ok(_) => *done = Some(period),
                    Err(e) => {
                        tracing::warn!(error = %e, kind = %kind, "scheduling a periodic job failed")
                    }
                }
            }
        }
        let period = now / micros(config.schedule_every).max(1);
        if scheduled_period != Some(period) {
            match schedule(&store, &config, now, period).await {
                Ok(()) => scheduled_period = Some(period),
                Err(e) => tracing::warn!(error = %e, "scheduling periodic jobs failed"),
            }
        }
        let jobs = store
            .claim_jobs(
                &config.worker_id,
                now,
                micros(config.lease),
                i64::from(config.batch.max(1)),
            )
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "claiming jobs failed");
                Vec::new()
            });
        if jobs.is_empty() {
            tokio::select! {
                () = shutdown.wait() => {}
                () = tokio::time::sleep(config.poll_interval) => {}
            }
            continue;
        }
        run_batch(&store, &handlers, &config, jobs, &mut shutdown).await;
    }
    tracing::info!(worker = %config.worker_id, "job worker stopped");
}

/// Once per period: enqueue the periodic jobs (their dedupe key names the
/// period, so of all nodes one enqueues them) and forget old done jobs.
async fn schedule(store: &Store, config: &WorkerConfig, now: i64, period: i64) -> Result<()> {
    if let Some(after_days) = config.auto_close_after_days {
        let job = NewJob::new(
            AUTO_CLOSE_RESOLVED,
            serde_json::json!({ "after_days": after_days }),
            now,
        )
        .dedupe(format!("{AUTO_CLOSE_RESOLVED}:{period}"));
        store.enqueue(&job).await?;
    }
    let purged = store
        .purge_done_jobs(now.saturating_sub(micros(config.keep_done)))
        .await?;
    if purged > 0 {
        tracing::debug!(purged, "forgot old done jobs");
    }
    Ok(())
}

enum Phase {
    Running,
    Draining(Instant),
    Cancelled,
}

/// Run claimed jobs concurrently (their leases started together) and record
/// each outcome as it comes.
async fn run_batch<F: Future<Output = ()>>(
    store: &Store,
    handlers: &Handlers,
    config: &WorkerConfig,
    jobs: Vec<ClaimedJob>,
    shutdown: &mut Shutdown<F>,
) {
    let limit = config.run_limit();
    let mut tasks = JoinSet::new();
    let mut running = HashMap::new();
    for job in jobs {
        let work: JobFuture = match handlers.get(&job.kind) {
            Some(handler) => handler(store.clone(), job.clone()),
            None => {
                let message = format!(
                    "no handler for jobs of kind {:?} on worker {}",
                    job.kind, config.worker_id
                );
                Box::pin(async move { Err(JobError::retry(message)) })
            }
        };
        let task = tasks.spawn(async move {
            tokio::time::timeout(limit, work).await.unwrap_or_else(|_| {
                Err(JobError::retry(format!(
                    "did not finish within {} s",
                    limit.as_secs_f64()
                )))
            })
        });
        running.insert(task.id(), job);
    }
    let mut phase = if shutdown.fired {
        Phase::Draining(Instant::now() + config.shutdown_grace)
    } else {
        Phase::Running
    };
    loop {
        let (watch_shutdown, deadline) = match phase {
            Phase::Running => (true, None),
            Phase::Draining(at) => (false, Some(at)),
            Phase::Cancelled => (false, None),
        };
        let joined = tokio::select! {
            joined = tasks.join_next_with_id() => joined,
            () = shutdown.wait(), if watch_shutdown => {
                phase = Phase::Draining(Instant::now() + config.shutdown_grace);
                continue;
            }
            () = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                tasks.abort_all();
                phase = Phase::Cancelled;
                continue;
            }
        };
        let Some(joined) = joined else { break };
        let now = now_micros();
        match joined {
            Ok((task, outcome)) => {
                if let Some(job) = running.remove(&task) {
                    settle(store, &job, outcome, now).await;
                }
            }
            Err(e) => {
                let Some(job) = running.remove(&e.id()) else {
                    continue;
                };
                if e.is_cancelled() {
                    // Stopping, not failing: the attempt does not count.
                    match store.release_job(&job).await {
                        Ok(_) => {
                            tracing::info!(job = job.id, kind = %job.kind, "job given back on shutdown")
                        }
                        Err(e) => {
                            tracing::warn!(job = job.id, error = %e, "giving a job back failed; its lease will run out")
                        }
                    }
                } else {
                    let message = panic_message(e);
                    settle(store, &job, Err(JobError::retry(message)), now).await;
                }
            }
        }
    }
}

/// Record how a job ended. A store error leaves the job running until its
/// lease runs out, when it is claimed again.
async fn settle(store: &Store, job: &ClaimedJob, outcome: Result<(), JobError>, now: i64) {
    match outcome {
        Ok(()) => match store.complete_job(job, now).await {
            Ok(true) => tracing::debug!(job = job.id, kind = %job.kind, "job done"),
            Ok(false) => tracing::warn!(
                job = job.id,
                kind = %job.kind,
                "job finished after its lease ran out; another worker has it"
            ),
            Err(e) => tracing::error!(job = job.id, error = %e, "recording a done job failed"),
        },
        Err(error) => {
            let recorded = if error.is_permanent() {
                store.give_up_job(job, error.message(), now).await
            } else {
                store.fail_job(job, error.message(), now).await
            };
            match recorded {
                Ok(AfterFailure::Retry { at }) => tracing::warn!(
                    job = job.id,
                    kind = %job.kind,
                    attempt = job.attempts,
                    max_attempts = job.max_attempts,
                    retry_in_s = (at - now) / SECOND,
                    error = %error,
                    "job failed; it will be retried"
                ),
                Ok(AfterFailure::GaveUp) => tracing::error!(
                    job = job.id,
                    kind = %job.kind,
                    attempt = job.attempts,
                    error = %error,
                    "job failed for good"
                ),
                Ok(AfterFailure::LeaseLost) => tracing::warn!(
                    job = job.id,
                    kind = %job.kind,
                    error = %error,
                    "job failed after its lease ran out; another worker has it"
                ),
                Err(e) => {
                    tracing::error!(job = job.id, error = %e, "recording a failed job failed")
                }
            }
        }
    }
}

fn panic_message(e: tokio::task::JoinError) -> String {
    let detail = match e.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default(),
        Err(e) => e.to_string(),
    };
    format!("the handler panicked: {detail}")
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
