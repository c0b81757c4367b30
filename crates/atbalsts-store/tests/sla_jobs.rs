//! SLA warnings and breaches: the sweep records each once when its time has
//! come, never for a clock that moved on; the workers schedule the sweep.
//! The clock is the `now` given to the sweep.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use atbalsts_domain::{Actor, Channel};
use atbalsts_store::Store;
use atbalsts_store::jobs::{Handlers, Worker, WorkerConfig};
use atbalsts_store::sla_jobs::{self, SLA_SWEEP};
use atbalsts_store::tickets::{ChangeRequest, NewTicket};
use common::{DAY, Db, agent, backends, eventually, seed};

/// Every backend, with what the tickets stand on.
async fn stores() -> Vec<Db> {
    let dbs = backends().await;
    for db in &dbs {
        seed(&db.store).await;
    }
    dbs
}

fn ticket() -> NewTicket {
    NewTicket {
        channel: Channel::Email,
        ..common::ticket("Termiņš")
    }
}

async fn kinds(store: &Store, id: i64) -> Vec<String> {
    store
        .events(&agent(), id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

#[tokio::test]
async fn warnings_and_breaches_are_recorded_once_and_only_while_the_clock_runs() {
    for db in stores().await {
        let (backend, store) = (db.backend, &db.store);
        let created = store
            .create_ticket(&Actor::Anonymous, ticket(), None)
            .await
            .unwrap();
        let id = created.ticket.id;
        // A create queues nothing: the sweep finds the ticket by its next mark.
        assert_eq!(store.job_counts().await.unwrap().queued, 0, "{backend}");
        let now = atbalsts_store::now_micros();
        assert_eq!(
            store.sweep_clocks(now).await.unwrap(),
            0,
            "{backend}: nothing is due yet"
        );

        // The requester is answered in time: the first response's marks are never recorded.
        store
            .change_ticket(
                &agent(),
                id,
                ChangeRequest::Reply {
                    body: "Atbilde".into(),
                    await_requester: false,
                },
            )
            .await
            .unwrap();
        // Far in the future: the resolution's warning and breach, once each.
        let later = now + 60 * DAY;
        assert_eq!(store.sweep_clocks(later).await.unwrap(), 2, "{backend}");
        let events = kinds(store, id).await;
        assert_eq!(
            events.iter().filter(|k| *k == "sla_warning").count(),
            1,
            "{backend}: {events:?}"
        );
        assert_eq!(
            events.iter().filter(|k| *k == "sla_breached").count(),
            1,
            "{backend}: {events:?}"
        );
        let sla = store.ticket(&agent(), id).await.unwrap().sla.unwrap();
        assert!(sla.resolution.as_ref().unwrap().breached, "{backend}");
        assert!(!sla.first_response.as_ref().unwrap().breached, "{backend}");
        // A second sweep (another node, or a retried job) records nothing new.
        assert_eq!(store.sweep_clocks(later).await.unwrap(), 0, "{backend}");
        assert_eq!(kinds(store, id).await.len(), events.len(), "{backend}");
        db.finish().await;
    }
}

#[tokio::test]
async fn a_pause_makes_the_planned_breach_moot() {
    for db in stores().await {
        let (backend, store) = (db.backend, &db.store);
        let id = store
            .create_ticket(&Actor::Anonymous, ticket(), None)
            .await
            .unwrap()
            .ticket
            .id;
        store
            .change_ticket(
                &agent(),
                id,
                ChangeRequest::Reply {
                    body: "Lūdzu dokumentu".into(),
                    await_requester: true,
                },
            )
            .await
            .unwrap();
        let later = atbalsts_store::now_micros() + 60 * DAY;
        assert_eq!(store.sweep_clocks(later).await.unwrap(), 0, "{backend}");
        let events = kinds(store, id).await;
        assert!(
            !events.iter().any(|k| k.starts_with("sla_")),
            "{backend}: {events:?}"
        );
        let sla = store.ticket(&agent(), id).await.unwrap().sla.unwrap();
        assert!(sla.paused && !sla.breached, "{backend}");
        db.finish().await;
    }
}

#[tokio::test]
async fn workers_schedule_the_sweep_once_per_period() {
    let db = Db::sqlite().await;
    seed(&db.store).await;
    let store = &db.store;
    let config = |id: &str| WorkerConfig {
        worker_id: id.into(),
        poll_interval: std::time::Duration::from_millis(50),
        auto_close_after_days: None,
        periodic: vec![(SLA_SWEEP.into(), std::time::Duration::from_secs(3600))],
        ..WorkerConfig::default()
    };
    // Two workers (two nodes) in the same hour enqueue one sweep between them, and it runs.
    let a = Worker::spawn(
        store.clone(),
        sla_jobs::register(Handlers::new()),
        config("a"),
    );
    let b = Worker::spawn(
        store.clone(),
        sla_jobs::register(Handlers::new()),
        config("b"),
    );
    eventually("the sweep ran", || async {
        store.job_counts().await.unwrap().done > 0
    })
    .await;
    a.stop().await;
    b.stop().await;
    let counts = store.job_counts().await.unwrap();
    assert_eq!(
        (counts.done, counts.queued, counts.failed),
        (1, 0, 0),
        "{counts:?}"
    );
    db.finish().await;
}

#[tokio::test]
async fn a_holiday_added_later_moves_running_targets() {
    for db in stores().await {
        let (backend, store) = (db.backend, &db.store);
        let id = store
            .create_ticket(&Actor::Anonymous, ticket(), None)
            .await
            .unwrap()
            .ticket
            .id;
        let due = |t: &atbalsts_store::model::Ticket| {
            t.sla
                .as_ref()
                .and_then(|s| s.resolution_due.clone())
                .unwrap()
        };
        let before = due(&store.ticket(&agent(), id).await.unwrap());
        let day: jiff::civil::Date = before[..10].parse().unwrap();
        let queued = store.job_counts().await.unwrap().queued;
        // A law makes the due day a holiday: the target moves past it.
        let holiday = atbalsts_domain::calendar::Entry::Holiday {
            day,
            name: "Ārkārtas brīvdiena".into(),
        };
        store.add_calendar_entry("state", &holiday).await.unwrap();
        assert_eq!(
            store.job_counts().await.unwrap().queued,
            queued + 1,
            "{backend}: the replanning job"
        );
        assert_eq!(
            store
                .replan_clocks(atbalsts_store::now_micros())
                .await
                .unwrap(),
            1,
            "{backend}"
        );
        let after = due(&store.ticket(&agent(), id).await.unwrap());
        assert!(after[..10] > before[..10], "{backend}: {before} → {after}");
        // Nothing left to move the second time.
        assert_eq!(
            store
                .replan_clocks(atbalsts_store::now_micros())
                .await
                .unwrap(),
            0,
            "{backend}"
        );
        db.finish().await;
    }
}
