//! The job queue: transactional enqueue, dedupe, leases that survive a dead
//! worker, retries with backoff and visible failures, two nodes on one
//! PostgreSQL, the worker loop, and the auto-close of resolved tickets.
//!
//! Every test runs on SQLite; on PostgreSQL too when `ATBALSTS_TEST_DATABASE_URL`
//! is set (each test in a fresh database).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use atbalsts_domain::{Actor, Status};
use atbalsts_store::jobs::{
    AUTO_CLOSE_RESOLVED, AfterFailure, ClaimedJob, Handlers, JobCounts, JobError, JobStatus,
    NewJob, Worker, WorkerConfig, backoff, run_worker,
};
use atbalsts_store::tickets::ChangeRequest;
use atbalsts_store::{Store, enqueue_job, now_micros};
use common::{
    DAY, Db, HOUR, SECOND, agent, backends, eventually, exec, postgres_server, seed, ticket,
};
use serde_json::json;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Enqueue in a transaction of the backend's own, then commit or roll back.
async fn enqueue_in_tx(store: &Store, job: &NewJob, commit: bool) -> sqlx::Result<Option<i64>> {
    // One body for both pools, whose transactions are of different types.
    macro_rules! in_own_tx {
        ($pool:expr) => {{
            let mut tx = $pool.begin().await?;
            let id = enqueue_job!(&mut *tx, job);
            if commit {
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            Ok(id)
        }};
    }
    match store {
        Store::Sqlite { write, .. } => in_own_tx!(write),
        Store::Postgres { pool, .. } => in_own_tx!(pool),
    }
}

fn counts(queued: i64, running: i64, done: i64, failed: i64) -> JobCounts {
    JobCounts {
        queued,
        running,
        done,
        failed,
    }
}

#[tokio::test]
async fn a_job_exists_exactly_when_its_transaction_commits_and_waits_for_run_at() {
    for db in backends().await {
        let b = db.backend;
        let store = &db.store;
        let t = 1_000 * DAY;
        let job = NewJob::new("note", json!({"n": 1}), t);

        let rolled_back = enqueue_in_tx(store, &job, false).await.unwrap();
        assert!(rolled_back.is_some(), "{b}: the insert itself succeeded");
        assert_eq!(
            store.job_counts().await.unwrap(),
            JobCounts::default(),
            "{b}"
        );
        assert!(
            store.claim_jobs("a", t, HOUR, 10).await.unwrap().is_empty(),
            "{b}"
        );

        let id = enqueue_in_tx(store, &job, true).await.unwrap().unwrap();
        assert_eq!(store.job_counts().await.unwrap(), counts(1, 0, 0, 0), "{b}");
        let later = store
            .enqueue(&NewJob::new("note", json!({"n": 2}), t + 10 * SECOND))
            .await
            .unwrap()
            .unwrap();

        assert!(
            store
                .claim_jobs("a", t - 1, HOUR, 10)
                .await
                .unwrap()
                .is_empty(),
            "{b}: nothing is due before run_at"
        );
        let claimed = store.claim_jobs("a", t, HOUR, 10).await.unwrap();
        assert_eq!(claimed.len(), 1, "{b}: only the due job");
        let first = &claimed[0];
        assert_eq!(
            (
                first.id,
                first.kind.as_str(),
                &first.payload,
                first.attempts
            ),
            (id, "note", &json!({"n": 1}), 1),
            "{b}"
        );
        assert_eq!(
            (first.worker.as_str(), first.locked_until),
            ("a", t + HOUR),
            "{b}"
        );
        assert!(
            store
                .claim_jobs("b", t + 9 * SECOND, HOUR, 10)
                .await
                .unwrap()
                .is_empty(),
            "{b}: a held job is not claimed again, the later one is not due yet"
        );
        let claimed = store
            .claim_jobs("b", t + 10 * SECOND, HOUR, 10)
            .await
            .unwrap();
        assert_eq!(
            claimed.iter().map(|j| j.id).collect::<Vec<_>>(),
            [later],
            "{b}"
        );
        assert_eq!(store.job_counts().await.unwrap(), counts(0, 2, 0, 0), "{b}");
        db.finish().await;
    }
}

#[tokio::test]
async fn the_same_dedupe_key_enqueues_one_job() {
    for db in backends().await {
        let b = db.backend;
        let store = &db.store;
        let t = 1_000 * DAY;
        let job = NewJob::new("sla_warning", json!({"ticket": 7}), t).dedupe("sla:7:1");
        let first = store.enqueue(&job).await.unwrap();
        assert!(first.is_some(), "{b}");
        assert_eq!(store.enqueue(&job).await.unwrap(), None, "{b}");
        assert_eq!(enqueue_in_tx(store, &job, true).await.unwrap(), None, "{b}");
        // Jobs without a key never collide.
        let plain = NewJob::new("sla_warning", json!({"ticket": 7}), t);
        store.enqueue(&plain).await.unwrap().unwrap();
        store.enqueue(&plain).await.unwrap().unwrap();
        assert_eq!(store.job_counts().await.unwrap(), counts(3, 0, 0, 0), "{b}");

        // A finished job still holds its key.
        let claimed = store.claim_jobs("a", t, HOUR, 10).await.unwrap();
        for job in &claimed {
            assert!(store.complete_job(job, t).await.unwrap(), "{b}");
        }
        assert_eq!(store.enqueue(&job).await.unwrap(), None, "{b}");
        let info = store.job(first.unwrap()).await.unwrap().unwrap();
        assert_eq!(info.dedupe_key.as_deref(), Some("sla:7:1"), "{b}");
        assert_eq!(info.status, JobStatus::Done, "{b}");
        db.finish().await;
    }
}

#[tokio::test]
async fn a_job_of_a_killed_worker_is_claimed_again_when_its_lease_runs_out() {
    for db in backends().await {
        let b = db.backend;
        let store = &db.store;
        let t = 1_000 * DAY;
        let lease = 30 * SECOND;
        let id = store
            .enqueue(&NewJob::new("notify", json!({}), t))
            .await
            .unwrap()
            .unwrap();

        // "a" claims and dies: it never reports back.
        let by_a = store.claim_jobs("a", t, lease, 10).await.unwrap();
        assert_eq!(by_a.len(), 1, "{b}");
        assert!(
            store
                .claim_jobs("b", t + lease, lease, 10)
                .await
                .unwrap()
                .is_empty(),
            "{b}: the lease still holds at its last instant"
        );
        let by_b = store
            .claim_jobs("b", t + lease + 1, lease, 10)
            .await
            .unwrap();
        assert_eq!(by_b.len(), 1, "{b}: the lease ran out");
        assert_eq!(
            (by_b[0].id, by_b[0].attempts),
            (id, 2),
            "{b}: the lost attempt counts"
        );

        // "a" comes back late: it may not overwrite "b"'s claim.
        assert!(
            !store.complete_job(&by_a[0], t + lease + 2).await.unwrap(),
            "{b}"
        );
        assert_eq!(
            store
                .fail_job(&by_a[0], "late", t + lease + 2)
                .await
                .unwrap(),
            AfterFailure::LeaseLost,
            "{b}"
        );
        let info = store.job(id).await.unwrap().unwrap();
        assert_eq!(
            (info.status, info.locked_by.as_deref(), info.last_error),
            (JobStatus::Running, Some("b"), None),
            "{b}"
        );
        assert!(
            store.complete_job(&by_b[0], t + lease + 3).await.unwrap(),
            "{b}"
        );
        let info = store.job(id).await.unwrap().unwrap();
        assert_eq!(
            (
                info.status,
                info.attempts,
                info.finished_at,
                info.locked_until
            ),
            (JobStatus::Done, 2, Some(t + lease + 3), None),
            "{b}"
        );
        assert!(
            store
                .claim_jobs("c", t + 10 * HOUR, lease, 10)
                .await
                .unwrap()
                .is_empty(),
            "{b}: a done job is never claimed again"
        );

        // A job whose last attempt died is not claimed again for ever: it fails, visibly.
        let last = store
            .enqueue(&NewJob::new("notify", json!({}), t).max_attempts(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            store.claim_jobs("a", t, lease, 10).await.unwrap().len(),
            1,
            "{b}"
        );
        assert!(
            store
                .claim_jobs("b", t + lease + 1, lease, 10)
                .await
                .unwrap()
                .is_empty(),
            "{b}"
        );
        let info = store.job(last).await.unwrap().unwrap();
        assert_eq!(info.status, JobStatus::Failed, "{b}");
        assert!(
            info.last_error
                .as_deref()
                .unwrap_or("")
                .contains("lease of a"),
            "{b}: {:?}",
            info.last_error
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn failures_are_retried_with_backoff_then_stay_visible_until_retried() {
    for db in backends().await {
        let b = db.backend;
        let store = &db.store;
        let mut now = 1_000 * DAY;
        let id = store
            .enqueue(&NewJob::new("notify", json!({"to": "anna"}), now).max_attempts(3))
            .await
            .unwrap()
            .unwrap();
        for attempt in 1..=3 {
            let claimed = store.claim_jobs("w", now, HOUR, 10).await.unwrap();
            assert_eq!(claimed.len(), 1, "{b}: attempt {attempt}");
            assert_eq!(claimed[0].attempts, attempt, "{b}");
            let after = store
                .fail_job(&claimed[0], &format!("boom {attempt}"), now)
                .await
                .unwrap();
            if attempt < 3 {
                let at = now + backoff(attempt);
                assert_eq!(after, AfterFailure::Retry { at }, "{b}");
                assert!(
                    store
                        .claim_jobs("w", at - 1, HOUR, 10)
                        .await
                        .unwrap()
                        .is_empty(),
                    "{b}: not before the backoff"
                );
                now = at;
            } else {
                assert_eq!(after, AfterFailure::GaveUp, "{b}");
            }
        }
        assert_eq!(backoff(1), 30 * SECOND);
        assert!(
            store
                .claim_jobs("w", now + 100 * DAY, HOUR, 10)
                .await
                .unwrap()
                .is_empty(),
            "{b}: a failed job is not claimed"
        );
        assert_eq!(store.job_counts().await.unwrap(), counts(0, 0, 0, 1), "{b}");
        let failed = store.failed_jobs(10).await.unwrap();
        assert_eq!(failed.len(), 1, "{b}");
        assert_eq!(
            (
                failed[0].id,
                failed[0].kind.as_str(),
                failed[0].attempts,
                failed[0].last_error.as_deref(),
                failed[0].finished_at
            ),
            (id, "notify", 3, Some("boom 3"), Some(now)),
            "{b}"
        );
        assert_eq!(failed[0].payload, json!({"to": "anna"}), "{b}");

        assert!(store.retry_job(id, now + 1).await.unwrap(), "{b}");
        assert!(
            !store.retry_job(id, now + 1).await.unwrap(),
            "{b}: only a failed job"
        );
        assert!(store.failed_jobs(10).await.unwrap().is_empty(), "{b}");
        let claimed = store.claim_jobs("w", now + 1, HOUR, 10).await.unwrap();
        assert_eq!(
            claimed
                .iter()
                .map(|j| (j.id, j.attempts))
                .collect::<Vec<_>>(),
            [(id, 1)],
            "{b}: all attempts again"
        );
        assert!(
            store.complete_job(&claimed[0], now + 2).await.unwrap(),
            "{b}"
        );

        // A permanent error skips the remaining attempts.
        let bad = store
            .enqueue(&NewJob::new("notify", json!("?"), now))
            .await
            .unwrap()
            .unwrap();
        let claimed = store.claim_jobs("w", now + 2, HOUR, 10).await.unwrap();
        assert_eq!(claimed[0].id, bad, "{b}");
        assert_eq!(
            store
                .give_up_job(&claimed[0], "no such recipient", now + 2)
                .await
                .unwrap(),
            AfterFailure::GaveUp,
            "{b}"
        );
        assert_eq!(store.job_counts().await.unwrap(), counts(0, 0, 1, 1), "{b}");
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_one_postgres_claim_each_job_exactly_once() {
    let Some(server) = postgres_server("this PostgreSQL-only test is skipped") else {
        return;
    };
    let db = Db::postgres(&server).await;
    let nodes = [db.store.clone(), db.second_node().await];
    let now = now_micros();
    let mut enqueued = HashSet::new();
    for n in 0..200 {
        let id = nodes[n % 2]
            .enqueue(&NewJob::new("notify", json!({ "n": n }), now))
            .await
            .unwrap()
            .unwrap();
        enqueued.insert(id);
    }

    let mut claimers = tokio::task::JoinSet::new();
    for (node, store) in nodes.iter().enumerate() {
        for task in 0..4 {
            let store = store.clone();
            let worker = format!("node{node}-task{task}");
            claimers.spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let jobs = store.claim_jobs(&worker, now, HOUR, 3).await.unwrap();
                    if jobs.is_empty() {
                        return mine;
                    }
                    for job in jobs {
                        let completed = store.complete_job(&job, now).await.unwrap();
                        mine.push((job.id, completed));
                    }
                }
            });
        }
    }
    let mut claimed = Vec::new();
    let mut busy_claimers = 0;
    while let Some(ids) = claimers.join_next().await {
        let ids = ids.unwrap();
        busy_claimers += usize::from(!ids.is_empty());
        claimed.extend(ids);
    }
    assert_eq!(claimed.len(), 200, "each job claimed once in total");
    assert!(
        claimed.iter().all(|(_, completed)| *completed),
        "no claim was taken over by another"
    );
    assert_eq!(
        claimed
            .into_iter()
            .map(|(id, _)| id)
            .collect::<HashSet<_>>(),
        enqueued
    );
    assert!(busy_claimers > 1, "the claimers shared the work");
    assert_eq!(db.store.job_counts().await.unwrap(), counts(0, 0, 200, 0));
    nodes[1].close().await;
    db.finish().await;
}

/// A worker for tests: fast polling, no periodic jobs unless asked.
fn test_config(id: &str) -> WorkerConfig {
    WorkerConfig {
        worker_id: id.into(),
        poll_interval: Duration::from_millis(10),
        auto_close_after_days: None,
        ..WorkerConfig::default()
    }
}

async fn status(store: &Store, id: i64) -> (JobStatus, u32) {
    let info = store.job(id).await.unwrap().unwrap();
    (info.status, info.attempts)
}

#[tokio::test]
async fn the_worker_runs_jobs_by_kind_and_fails_unknown_kinds_visibly() {
    let db = Db::sqlite().await;
    let store = db.store.clone();
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = calls.clone();
    let handlers = Handlers::new()
        .with("echo", move |_store: Store, job: ClaimedJob| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push((job.id, job.payload.clone()));
                Ok(())
            }
        })
        .with("panics", |_store: Store, job: ClaimedJob| async move {
            if job.attempts > 0 {
                panic!("handler bug");
            }
            Ok::<(), JobError>(())
        });
    let worker = Worker::spawn(store.clone(), handlers, test_config("w1"));

    let now = now_micros();
    let echo = store
        .enqueue(&NewJob::new("echo", json!({"hello": "world"}), now))
        .await
        .unwrap()
        .unwrap();
    let unknown = store
        .enqueue(&NewJob::new("no_such_kind", json!({}), now).max_attempts(2))
        .await
        .unwrap()
        .unwrap();
    let panics = store
        .enqueue(&NewJob::new("panics", json!({}), now).max_attempts(1))
        .await
        .unwrap()
        .unwrap();

    eventually("the echo job is done", || async {
        status(&store, echo).await.0 == JobStatus::Done
    })
    .await;
    assert_eq!(
        *calls.lock().unwrap(),
        [(echo, json!({"hello": "world"}))],
        "run once"
    );

    // The unknown kind fails, waits for its backoff, then fails for good.
    eventually("the unknown kind's first attempt failed", || async {
        status(&store, unknown).await == (JobStatus::Queued, 1)
    })
    .await;
    let info = store.job(unknown).await.unwrap().unwrap();
    assert!(info.run_at >= now + backoff(1), "retried after the backoff");
    assert!(
        info.last_error
            .as_deref()
            .unwrap_or("")
            .contains("no handler for jobs of kind \"no_such_kind\""),
        "{:?}",
        info.last_error
    );
    db.exec(&format!("UPDATE jobs SET run_at = 0 WHERE id = {unknown}"))
        .await;
    eventually("the unknown kind failed for good", || async {
        status(&store, unknown).await == (JobStatus::Failed, 2)
    })
    .await;

    eventually("the panicking job failed", || async {
        status(&store, panics).await.0 == JobStatus::Failed
    })
    .await;
    let failed = store.failed_jobs(10).await.unwrap();
    let errors: Vec<(i64, &str)> = failed
        .iter()
        .map(|j| (j.id, j.last_error.as_deref().unwrap_or("")))
        .collect();
    assert!(
        errors.contains(&(panics, "the handler panicked: handler bug")),
        "{errors:?}"
    );
    assert!(errors.iter().any(|(id, _)| *id == unknown), "{errors:?}");

    worker.stop().await;
    assert_eq!(calls.lock().unwrap().len(), 1, "still run once");
    db.finish().await;
}

#[tokio::test]
async fn a_job_of_a_killed_worker_loop_is_finished_by_another_worker() {
    let db = Db::sqlite().await;
    let store = db.store.clone();
    let started = Arc::new(Mutex::new(Vec::new()));
    let handlers = |who: &'static str, hang: bool| {
        let started = started.clone();
        Handlers::new().with("slow", move |_store: Store, job: ClaimedJob| {
            let started = started.clone();
            async move {
                started.lock().unwrap().push((who, job.attempts));
                if hang {
                    std::future::pending::<()>().await;
                }
                Ok(())
            }
        })
    };
    let lease = Duration::from_millis(600);
    let id = store
        .enqueue(&NewJob::new("slow", json!({}), now_micros()))
        .await
        .unwrap()
        .unwrap();

    // Worker "a" takes the job and is killed mid-job: it never reports back.
    let a = tokio::spawn(run_worker(
        store.clone(),
        handlers("a", true),
        WorkerConfig {
            lease,
            ..test_config("a")
        },
        std::future::pending(),
    ));
    eventually("worker a started the job", || async {
        !started.lock().unwrap().is_empty()
    })
    .await;
    a.abort();
    assert!(a.await.unwrap_err().is_cancelled());
    assert_eq!(status(&store, id).await, (JobStatus::Running, 1));

    let b = Worker::spawn(
        store.clone(),
        handlers("b", false),
        WorkerConfig {
            lease,
            ..test_config("b")
        },
    );
    eventually("worker b finished the job", || async {
        status(&store, id).await.0 == JobStatus::Done
    })
    .await;
    b.stop().await;
    assert_eq!(*started.lock().unwrap(), [("a", 1), ("b", 2)]);
    let info = store.job(id).await.unwrap().unwrap();
    assert_eq!(info.locked_by.as_deref(), Some("b"));
    db.finish().await;
}

#[tokio::test]
async fn a_stopping_worker_gives_unfinished_jobs_back_without_counting_them() {
    let db = Db::sqlite().await;
    let store = db.store.clone();
    let handlers = Handlers::new().with("hangs", |_store: Store, _job: ClaimedJob| async {
        std::future::pending::<Result<(), JobError>>().await
    });
    let id = store
        .enqueue(&NewJob::new("hangs", json!({}), now_micros()))
        .await
        .unwrap()
        .unwrap();
    let worker = Worker::spawn(
        store.clone(),
        handlers,
        WorkerConfig {
            shutdown_grace: Duration::from_millis(50),
            ..test_config("w")
        },
    );
    eventually("the job runs", || async {
        status(&store, id).await.0 == JobStatus::Running
    })
    .await;
    worker.stop().await;
    let info = store.job(id).await.unwrap().unwrap();
    assert_eq!(
        (info.status, info.attempts, info.locked_until),
        (JobStatus::Queued, 0, None)
    );
    db.finish().await;
}

// ---- auto-close ----

/// A ticket resolved `ago` microseconds before now.
async fn resolved_ticket(store: &Store, subject: &str, ago: i64) -> i64 {
    let created = store
        .create_ticket(&Actor::Anonymous, ticket(subject), None)
        .await
        .unwrap();
    let id = created.ticket.id;
    store
        .change_ticket(
            &agent(),
            id,
            ChangeRequest::Resolve {
                resolution: "Atbildēts".into(),
            },
        )
        .await
        .unwrap();
    exec(
        store,
        &format!(
            "UPDATE tickets SET resolved_at = resolved_at - {ago}, updated_at = updated_at - {ago} WHERE id = {id}"
        ),
    )
    .await;
    id
}

async fn ticket_status(store: &Store, id: i64) -> Status {
    store.ticket(&agent(), id).await.unwrap().status
}

#[tokio::test]
async fn tickets_resolved_more_than_n_days_ago_are_closed_with_an_event() {
    for db in backends().await {
        let b = db.backend;
        let store = &db.store;
        seed(store).await;
        let old = resolved_ticket(store, "sen", 8 * DAY).await;
        let recent = resolved_ticket(store, "vakar", DAY).await;
        let open = store
            .create_ticket(&Actor::Anonymous, ticket("atvērts"), None)
            .await
            .unwrap()
            .ticket
            .id;
        exec(
            store,
            &format!(
                "UPDATE tickets SET created_at = created_at - {} WHERE id = {open}",
                30 * DAY
            ),
        )
        .await;

        let now = now_micros();
        assert_eq!(store.auto_close_resolved(now, 7).await.unwrap(), 1, "{b}");
        let closed = store.ticket(&agent(), old).await.unwrap();
        assert_eq!(closed.status, Status::Closed, "{b}");
        assert!(closed.closed_at.is_some(), "{b}");
        let events = store.events(&agent(), old).await.unwrap();
        let last = events.last().unwrap();
        assert_eq!(
            (
                last.kind.as_str(),
                last.actor_kind.as_str(),
                last.actor_name.as_str(),
                last.actor_id
            ),
            ("closed", "system", "Atbalsts", None),
            "{b}"
        );
        assert_eq!(
            last.data,
            json!({"status": {"from": "resolved", "to": "closed"}, "automatic": true, "after_days": 7}),
            "{b}"
        );
        assert_eq!(ticket_status(store, recent).await, Status::Resolved, "{b}");
        assert_eq!(ticket_status(store, open).await, Status::New, "{b}");

        // Running again changes nothing and records nothing.
        assert_eq!(store.auto_close_resolved(now, 7).await.unwrap(), 0, "{b}");
        assert_eq!(
            store.events(&agent(), old).await.unwrap().len(),
            events.len(),
            "{b}"
        );

        // The worker schedules it by itself; two workers schedule it once per period.
        let fresh = resolved_ticket(store, "aizmirsts", 8 * DAY).await;
        let config = |id: &str| WorkerConfig {
            auto_close_after_days: Some(7),
            ..test_config(id)
        };
        let w1 = Worker::spawn(store.clone(), Handlers::new(), config("w1"));
        let w2 = Worker::spawn(store.clone(), Handlers::new(), config("w2"));
        eventually("the worker closed the forgotten ticket", || async {
            ticket_status(store, fresh).await == Status::Closed
        })
        .await;
        w1.stop().await;
        w2.stop().await;
        let count = format!(
            "SELECT COUNT(*) FROM jobs WHERE kind = '{AUTO_CLOSE_RESOLVED}' AND status = 'done'"
        );
        let scheduled: i64 = match store {
            Store::Sqlite { read, .. } => sqlx::query_scalar(&count).fetch_one(read).await,
            Store::Postgres { pool, .. } => sqlx::query_scalar(&count).fetch_one(pool).await,
        }
        .unwrap();
        // Two periods only if the hour turned during the test.
        assert!((1..=2).contains(&scheduled), "{b}: {scheduled}");
        assert_eq!(store.job_counts().await.unwrap().failed, 0, "{b}");
        assert_eq!(ticket_status(store, recent).await, Status::Resolved, "{b}");
        db.finish().await;
    }
}
