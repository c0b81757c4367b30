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
//!
//! # Where things are
//!
//! This module holds what callers and handlers see: the job types,
//! [`JobError`] and [`Handlers`]. Delivery is decided by the queue's
//! statements alone (`queue`: enqueue, claim, finish, fail, watch), so the
//! worker loop (`worker`) only drives them and can change without touching
//! the guarantees above; the jobs no change enqueues, and the auto-close among
//! them, are in `periodic`.

mod periodic;
mod queue;
mod worker;

pub use periodic::{AUTO_CLOSE_RESOLVED, auto_close};
pub use queue::backoff;
pub use worker::{Worker, WorkerConfig, default_worker_id, run_worker};

// `enqueue_job!` expands to these paths, so they stay public from any crate.
#[doc(hidden)]
pub use queue::ENQUEUE_SQL;
/// For [`enqueue_job!`](crate::enqueue_job) in crates that do not depend on sqlx themselves.
#[doc(hidden)]
pub use sqlx as __sqlx;

use crate::db::Store;
use crate::error::{Result, StoreError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

const SECOND: i64 = 1_000_000;

/// Attempts of a job made with [`NewJob::new`].
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;

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

/// Configuration speaks `Duration`; the schema speaks microseconds.
fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
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
