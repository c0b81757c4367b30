//! The worker loop: what runs the queue's statements in a process. Kept
//! apart from them because its concerns are the process's own — handlers
//! bounded by the lease, concurrency within a batch, a graceful stop.

use super::periodic::{AUTO_CLOSE_RESOLVED, Schedule, auto_close};
use super::{AfterFailure, ClaimedJob, Handlers, JobError, JobFuture, SECOND, micros};
use crate::db::Store;
use crate::now_micros;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;

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
    let mut schedule = Schedule::new(&config);
    while !shutdown.fired {
        let now = now_micros();
        schedule.run(&store, &config, now).await;
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
