//! SLA warnings and breaches: the sweep records each once when its time has
//! come, never for a clock that moved on; the workers schedule the sweep.
//! The clock is the `now` given to the sweep.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atbalsts_domain::{Actor, Channel, Kind, Level, Priority, Role, StaffActor};
use atbalsts_store::Store;
use atbalsts_store::jobs::{Handlers, Worker, WorkerConfig};
use atbalsts_store::registers::RegisterBatch;
use atbalsts_store::sla_jobs::{self, SLA_SWEEP};
use atbalsts_store::tickets::{ChangeRequest, NewRequester, NewTicket};
use sqlx::Connection;

const DAY: i64 = 86_400 * 1_000_000;

async fn stores() -> Vec<(&'static str, Store, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::open_sqlite(dir.path()).await.unwrap();
    let mut out = vec![("sqlite", sqlite, Some(dir))];
    if let Ok(url) = std::env::var("ATBALSTS_TEST_DATABASE_URL")
        && !url.is_empty()
    {
        let name = format!("atbalsts_sla_{:016x}", rand::random::<u64>());
        let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let (base, _) = url.rsplit_once('/').unwrap();
        out.push((
            "postgres",
            Store::open_postgres(&format!("{base}/{name}"))
                .await
                .unwrap(),
            None,
        ));
    }
    for (_, s, _) in &out {
        s.migrate().await.unwrap();
        let mut batch = RegisterBatch::default();
        batch.add_file(
            "institutions.json",
            r#"[{"id":"PMLP","name_lv":"PMLP","kind":"state","parent":null}]"#,
        );
        s.import_registers(&batch).await.unwrap();
        let user = atbalsts_store::users::NewUser {
            email: "agent@example.lv".into(),
            name: "Aģents".into(),
            role: Role::CentralAgent,
            scopes: vec![],
        };
        assert_eq!(s.create_user(&user).await.unwrap(), 1);
    }
    out
}

fn agent() -> Actor {
    Actor::Staff(StaffActor {
        user_id: 1,
        name: "Aģents".into(),
        role: Role::CentralAgent,
        scopes: vec![],
    })
}

fn ticket() -> NewTicket {
    NewTicket {
        institution: "PMLP".into(),
        service: None,
        resource: None,
        life_situation: None,
        channel: Channel::Email,
        location: None,
        kind: Kind::Information,
        priority: Priority::Normal,
        level: Level::Specialist,
        subject: "Termiņš".into(),
        description: "Apraksts".into(),
        tags: vec![],
        requester: NewRequester {
            name: "Anna".into(),
            email: Some("anna@example.lv".into()),
            phone: None,
            personal_code: None,
        },
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
    for (backend, store, _dir) in stores().await {
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
        let events = kinds(&store, id).await;
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
        assert_eq!(kinds(&store, id).await.len(), events.len(), "{backend}");
    }
}

#[tokio::test]
async fn a_pause_makes_the_planned_breach_moot() {
    for (backend, store, _dir) in stores().await {
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
        let events = kinds(&store, id).await;
        assert!(
            !events.iter().any(|k| k.starts_with("sla_")),
            "{backend}: {events:?}"
        );
        let sla = store.ticket(&agent(), id).await.unwrap().sla.unwrap();
        assert!(sla.paused && !sla.breached, "{backend}");
    }
}

#[tokio::test]
async fn workers_schedule_the_sweep_once_per_period() {
    let (_, store, _dir) = stores().await.into_iter().next().unwrap();
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
    let mut done = 0;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        done = store.job_counts().await.unwrap().done;
        if done > 0 {
            break;
        }
    }
    a.stop().await;
    b.stop().await;
    let counts = store.job_counts().await.unwrap();
    assert_eq!(
        (done, counts.queued, counts.failed),
        (1, 0, 0),
        "{counts:?}"
    );
}

#[tokio::test]
async fn a_holiday_added_later_moves_running_targets() {
    for (backend, store, _dir) in stores().await {
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
    }
}
