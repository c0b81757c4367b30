//! SLA warnings and breaches: jobs enqueued with the clocks, recorded once,
//! ignored when the clock moved on. The clock is the `now` given to the queue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atbalsts_domain::{Actor, Channel, Kind, Level, Priority, Role, StaffActor};
use atbalsts_store::Store;
use atbalsts_store::registers::RegisterBatch;
use atbalsts_store::sla_jobs::{self, SLA_BREACH, SLA_WARNING};
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

/// Claim every job due by `now` and run the SLA handlers on it, until none is left.
async fn run_due(store: &Store, now: i64) -> usize {
    let mut total = 0;
    loop {
        let n = run_once(store, now).await;
        if n == 0 {
            return total;
        }
        total += n;
    }
}

async fn run_once(store: &Store, now: i64) -> usize {
    let jobs = store
        .claim_jobs("test", now, 60_000_000, 100)
        .await
        .unwrap();
    let n = jobs.len();
    for job in jobs {
        let result = match job.kind.as_str() {
            SLA_WARNING => sla_jobs::sla_warning(store.clone(), job.clone()).await,
            SLA_BREACH => sla_jobs::sla_breach(store.clone(), job.clone()).await,
            other => panic!("unexpected job {other}"),
        };
        assert!(result.is_ok(), "{result:?}");
        store.complete_job(&job, now).await.unwrap();
    }
    n
}

#[tokio::test]
async fn warnings_and_breaches_are_recorded_once_and_only_while_the_clock_runs() {
    for (backend, store, _dir) in stores().await {
        let created = store
            .create_ticket(&Actor::Anonymous, ticket(), None)
            .await
            .unwrap();
        let id = created.ticket.id;
        // One job per ticket: the earliest mark to come (the first response's warning).
        let counts = store.job_counts().await.unwrap();
        assert_eq!(counts.queued, 1, "{backend}");
        let first = store.claim_jobs("peek", 0, 1, 10).await.unwrap();
        assert!(first.is_empty(), "{backend}: nothing is due at the epoch");

        // Nothing is due yet.
        let now = atbalsts_store::now_micros();
        assert_eq!(run_due(&store, now).await, 0, "{backend}");

        // The requester is answered in time: the first-response jobs find their clock stopped.
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
        // Far in the future every mark is due: the first response's warning finds its clock
        // stopped; the resolution's warning and then its breach are recorded, one job after another.
        let later = now + 60 * DAY;
        assert_eq!(run_due(&store, later).await, 3, "{backend}");
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
        let t = store.ticket(&agent(), id).await.unwrap();
        let sla = t.sla.unwrap();
        assert!(sla.resolution.as_ref().unwrap().breached, "{backend}");
        assert!(!sla.first_response.as_ref().unwrap().breached, "{backend}");

        // Running a breach again (a job delivered twice) records nothing new.
        let resolution_breach = store.failed_jobs(10).await.unwrap();
        assert!(resolution_breach.is_empty(), "{backend}");
        let again = sla_jobs::ClockJob {
            ticket: id,
            clock: sla_jobs::ClockName::Resolution,
            at: 0,
        };
        assert!(
            !store
                .record_clock_mark(&again, sla_jobs::Mark::Breach, later)
                .await
                .unwrap()
        );
        assert_eq!(
            kinds(&store, id)
                .await
                .iter()
                .filter(|k| *k == "sla_breached")
                .count(),
            1
        );
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
        run_due(&store, later).await;
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
