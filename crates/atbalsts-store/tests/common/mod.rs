//! What the store's integration tests share, so that every file sets up its
//! backends and fixtures the same way: SQLite in a temporary directory, and
//! PostgreSQL in a fresh database of its own when `ATBALSTS_TEST_DATABASE_URL`
//! names a server (a notice says when it does not).
// Each test file is its own crate and uses only part of this module.
#![allow(dead_code)]

use atbalsts_domain::{Actor, Channel, Kind, Level, Priority, Role, StaffActor};
use atbalsts_store::Store;
use atbalsts_store::registers::RegisterBatch;
use atbalsts_store::tickets::{NewRequester, NewTicket};
use atbalsts_store::users::NewUser;
use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const PG_ENV: &str = "ATBALSTS_TEST_DATABASE_URL";

/// The schema's timestamps are microseconds.
pub const SECOND: i64 = 1_000_000;
pub const HOUR: i64 = 3_600 * SECOND;
pub const DAY: i64 = 86_400 * SECOND;

/// The PostgreSQL server to test on; without one, a notice says what is `skipped`.
pub fn postgres_server(skipped: &str) -> Option<String> {
    match std::env::var(PG_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("notice: {PG_ENV} is not set; {skipped}");
            None
        }
    }
}

/// A test's own database, empty until a store migrates it (or the test
/// writes an older schema first); [`Db::finish`] removes it.
pub enum Place {
    Sqlite(tempfile::TempDir),
    Postgres { server: String, name: String },
}

impl Place {
    pub fn sqlite() -> Place {
        Place::Sqlite(tempfile::tempdir().unwrap())
    }

    /// A fresh database on `server`. CI drops what a failed test leaves
    /// behind by the `atbalsts_test_` prefix.
    pub async fn postgres(server: &str) -> Place {
        let name = format!("atbalsts_test_{:016x}", rand::random::<u64>());
        let mut admin = sqlx::PgConnection::connect(server).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        Place::Postgres {
            server: server.to_string(),
            name,
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Place::Sqlite(_) => "sqlite",
            Place::Postgres { .. } => "postgres",
        }
    }

    /// For a connection of the test's own, beside the store or before it.
    pub fn url(&self) -> String {
        match self {
            Place::Sqlite(dir) => format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("atbalsts.db").display()
            ),
            Place::Postgres { server, name } => {
                let (base, _) = server.rsplit_once('/').unwrap();
                format!("{base}/{name}")
            }
        }
    }

    /// A store on this database, as a (re)started node opens it: not migrated.
    pub async fn open(&self) -> Store {
        match self {
            Place::Sqlite(dir) => Store::open_sqlite(dir.path()).await.unwrap(),
            Place::Postgres { .. } => Store::open_postgres(&self.url()).await.unwrap(),
        }
    }

    async fn remove(self) {
        if let Place::Postgres { server, name } = self {
            let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await
                .unwrap();
        }
    }
}

/// A migrated store on a test's own database.
pub struct Db {
    /// Named in assertion messages, so a failure says which backend it was.
    pub backend: &'static str,
    pub store: Store,
    pub place: Place,
}

impl Db {
    pub async fn sqlite() -> Db {
        Db::migrated(Place::sqlite()).await
    }

    pub async fn postgres(server: &str) -> Db {
        Db::migrated(Place::postgres(server).await).await
    }

    pub async fn migrated(place: Place) -> Db {
        let store = place.open().await;
        store.migrate().await.unwrap();
        Db {
            backend: place.backend(),
            store,
            place,
        }
    }

    /// Another store on the same database: a second node.
    pub async fn second_node(&self) -> Store {
        self.place.open().await
    }

    pub async fn exec(&self, sql: &str) -> u64 {
        exec(&self.store, sql).await
    }

    pub async fn finish(self) {
        self.store.close().await;
        self.place.remove().await;
    }
}

/// Each backend available: SQLite, and PostgreSQL when configured.
pub async fn backends() -> Vec<Db> {
    let mut dbs = vec![Db::sqlite().await];
    if let Some(server) = postgres_server("the PostgreSQL half is skipped") {
        dbs.push(Db::postgres(&server).await);
    }
    dbs
}

/// Raw SQL on the store's own write pool, to set up what the API does not (the clock's past).
pub async fn exec(store: &Store, sql: &str) -> u64 {
    match store {
        Store::Sqlite { write, .. } => sqlx::query(sql)
            .execute(write)
            .await
            .map(|r| r.rows_affected()),
        Store::Postgres { pool, .. } => sqlx::query(sql)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()),
    }
    .unwrap()
}

/// What tickets stand on: the institution `PMLP`, and the central agent
/// (user 1) that [`agent`] acts as.
pub async fn seed(store: &Store) {
    let mut batch = RegisterBatch::default();
    batch.add_file(
        "institutions.json",
        r#"[{"id":"PMLP","name_lv":"PMLP","kind":"state","parent":null}]"#,
    );
    store.import_registers(&batch).await.unwrap();
    let user = NewUser {
        email: "agent@example.lv".into(),
        name: "Aģents".into(),
        role: Role::CentralAgent,
        scopes: vec![],
    };
    assert_eq!(store.create_user(&user).await.unwrap(), 1);
}

/// The central agent [`seed`] creates: sees and may change every ticket.
pub fn agent() -> Actor {
    Actor::Staff(StaffActor {
        user_id: 1,
        name: "Aģents".into(),
        role: Role::CentralAgent,
        scopes: vec![],
    })
}

/// A requester's question to `PMLP` from the portal.
pub fn ticket(subject: &str) -> NewTicket {
    NewTicket {
        institution: "PMLP".into(),
        service: None,
        resource: None,
        life_situation: None,
        channel: Channel::Portal,
        location: None,
        kind: Kind::Information,
        priority: Priority::Normal,
        level: Level::Specialist,
        subject: subject.into(),
        description: "Apraksts".into(),
        tags: vec![],
        requester: NewRequester {
            name: "Anna".into(),
            email: Some("anna@example.lv".into()),
            phone: None,
            personal_code: None,
        },
        language: "lv".into(),
        group: None,
    }
}

/// Wait (up to 20 s) until `check` holds: workers run on their own time.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The migration files of `dialect` (`sqlite`, `postgres`), in the order they run.
pub fn migration_files(dialect: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dialect);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}
