//! A real server on 127.0.0.1:0 over a real database, once per backend:
//! a temporary SQLite directory always, and a fresh PostgreSQL database when
//! `ATBALSTS_TEST_DATABASE_URL` names a server (CI sets it).

use atbalsts_domain::{Role, Scope};
use atbalsts_store::Store;
use atbalsts_store::registers::RegisterBatch;
use atbalsts_store::users::NewUser;
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;
use std::sync::atomic::{AtomicBool, Ordering};

pub const PG_ENV: &str = "ATBALSTS_TEST_DATABASE_URL";

pub struct TestApp {
    pub backend: &'static str,
    pub base: String,
    pub client: Client,
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// Tokens of the fixture's staff, by short name.
pub struct Staff {
    pub pmlp: String,
    pub pmlp_id: i64,
    pub pmlp_expert: String,
    pub pmlp_expert_id: i64,
    pub vid: String,
    pub vid_id: i64,
    pub central: String,
    pub residence_manager: String,
    pub partner: String,
    pub admin: String,
}

static PG_NOTICE: AtomicBool = AtomicBool::new(false);

/// One app per available backend.
pub async fn apps() -> Vec<TestApp> {
    let mut apps = vec![sqlite_app().await];
    match std::env::var(PG_ENV) {
        Ok(url) if !url.is_empty() => apps.push(postgres_app(&url).await),
        _ => {
            if !PG_NOTICE.swap(true, Ordering::SeqCst) {
                eprintln!(
                    "notice: {PG_ENV} is not set; the PostgreSQL half of these tests is skipped"
                );
            }
        }
    }
    apps
}

async fn sqlite_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open_sqlite(dir.path()).await.expect("open sqlite");
    start("sqlite", store, Some(dir)).await
}

async fn postgres_app(url: &str) -> TestApp {
    let name = format!("atbalsts_test_{:016x}", rand::random::<u64>());
    let mut admin = sqlx::PgConnection::connect(url)
        .await
        .expect("connect to PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create database");
    let (base, _) = url.rsplit_once('/').expect("database URL with a path");
    let store = Store::open_postgres(&format!("{base}/{name}"))
        .await
        .expect("open postgres");
    start("postgres", store, None).await
}

async fn start(backend: &'static str, store: Store, dir: Option<tempfile::TempDir>) -> TestApp {
    store.migrate().await.expect("migrate");
    let fixture: serde_json::Map<String, Value> =
        serde_json::from_str(include_str!("fixtures/registers.json")).expect("fixture");
    let mut batch = RegisterBatch::default();
    for (file, records) in &fixture {
        batch.add_file(file, &records.to_string());
    }
    assert!(batch.problems.is_empty(), "{:?}", batch.problems);
    store
        .import_registers(&batch)
        .await
        .expect("import fixture registers");
    for (code, institution, level) in [
        ("PMLP-L1", "PMLP", 1),
        ("PMLP-L2", "PMLP", 2),
        ("VID-L1", "VID", 1),
    ] {
        store
            .upsert_group(code, institution, code, None, level, &[])
            .await
            .expect("group");
    }

    let (base, tx) = serve(store.clone()).await;
    TestApp {
        backend,
        base,
        client: Client::new(),
        store,
        _dir: dir,
        _shutdown: tx,
    }
}

/// A server over `store` on a free loopback port: its address and its stop switch.
async fn serve(store: Store) -> (String, tokio::sync::oneshot::Sender<()>) {
    serve_with(store, atbalsts_objects::Objects::memory()).await
}

/// [`serve`] keeping attachments in `objects`.
async fn serve_with(
    store: Store,
    objects: atbalsts_objects::Objects,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server_store = store;
    tokio::spawn(async move {
        let config = atbalsts_http::HttpConfig {
            public_creates_per_minute: 40,
            // Changes made straight in the store reach the index by this poll (tests
            // wait up to 5 s); it is slow enough that a test of indexing an API edit
            // before the reply cannot pass by the poll's luck.
            search_poll: std::time::Duration::from_secs(2),
            objects,
            ..atbalsts_http::HttpConfig::default()
        };
        let _ = atbalsts::serve(listener, server_store, &config, async {
            let _ = rx.await;
        })
        .await;
    });
    (base, tx)
}

impl TestApp {
    /// Another app node over the same database, with its own memory (caches,
    /// limits, search index): what a second server behind a load balancer is.
    pub async fn second_node(&self) -> (String, tokio::sync::oneshot::Sender<()>) {
        serve(self.store.clone()).await
    }

    /// A node over the same database keeping attachments in `objects`.
    pub async fn node_with_objects(
        &self,
        objects: atbalsts_objects::Objects,
    ) -> (String, tokio::sync::oneshot::Sender<()>) {
        serve_with(self.store.clone(), objects).await
    }
}

pub fn scope(institution: &str, service: Option<&str>) -> Scope {
    Scope {
        institution: institution.into(),
        service: service.map(Into::into),
    }
}

impl TestApp {
    pub async fn user(&self, email: &str, role: Role, scopes: Vec<Scope>) -> (i64, String) {
        let id = self
            .store
            .create_user(&NewUser {
                email: email.into(),
                name: format!("Darbinieks {email}"),
                role,
                scopes,
            })
            .await
            .expect("create user");
        (id, self.store.issue_token(id).await.expect("token"))
    }

    pub async fn staff(&self) -> Staff {
        let (pmlp_id, pmlp) = self
            .user("ilze@pmlp.lv", Role::Specialist, vec![scope("PMLP", None)])
            .await;
        let (pmlp_expert_id, pmlp_expert) = self
            .user("janis@pmlp.lv", Role::Expert, vec![scope("PMLP", None)])
            .await;
        let (vid_id, vid) = self
            .user("anna@vid.lv", Role::Specialist, vec![scope("VID", None)])
            .await;
        let (_, central) = self
            .user(
                "central@vdaa.lv",
                Role::CentralAgent,
                vec![scope("VDAA", None)],
            )
            .await;
        let (_, residence_manager) = self
            .user(
                "sm@pmlp.lv",
                Role::ServiceManager,
                vec![scope("PMLP", Some("PMLP-003"))],
            )
            .await;
        let (_, partner) = self
            .user(
                "partner@banka.lv",
                Role::PartnerAgent,
                vec![scope("PMLP", Some("PMLP-001"))],
            )
            .await;
        let (_, admin) = self
            .user("admin@atbalsts.lv", Role::Administrator, vec![])
            .await;
        Staff {
            pmlp,
            pmlp_id,
            pmlp_expert,
            pmlp_expert_id,
            vid,
            vid_id,
            central,
            residence_manager,
            partner,
            admin,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn req(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let b = self.client.request(method, self.url(path));
        match token {
            Some(t) => b.bearer_auth(t),
            None => b,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        send(self.req(Method::GET, path, token)).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        send(self.req(Method::POST, path, token).json(&body)).await
    }

    /// A GET as the requester, with the ticket's access token in its header.
    pub async fn get_as_requester(&self, path: &str, access_token: &str) -> (StatusCode, Value) {
        send(
            self.req(Method::GET, path, None)
                .header("X-Access-Token", access_token),
        )
        .await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        send(self.req(Method::PUT, path, token).json(&body)).await
    }

    /// The index follows the database on its own (within the 2 s poll): wait
    /// until `/api/v1/kb/search?{query}` ranks `want` first, and give that answer.
    pub async fn search_until(&self, query: &str, token: Option<&str>, want: &str) -> Value {
        for _ in 0..100 {
            let (s, v) = self.get(&format!("/api/v1/kb/search?{query}"), token).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            if v["results"][0]["id"].as_str() == Some(want) {
                return v;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("search {query} never ranked {want} first");
    }

    /// A requester's ticket: (id, access token).
    pub async fn citizen_ticket(&self, service: &str, subject: &str) -> (i64, String) {
        let institution = service.split('-').next().unwrap_or_default();
        let (status, body) = self
            .post(
                "/api/v1/tickets",
                None,
                new_ticket(institution, service, subject),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        (
            body["id"].as_i64().expect("id"),
            body["access_token"].as_str().expect("token").to_string(),
        )
    }
}

pub fn new_ticket(institution: &str, service: &str, subject: &str) -> Value {
    json!({
        "institution": institution, "service": service, "channel": "portal", "kind": "consultation",
        "subject": subject, "description": "Lūdzu palīdzēt ar dzīvesvietas deklarēšanu.",
        "requester": {"name": "Anna Bērziņa", "email": "anna.berzina@example.lv"}
    })
}

/// Send and decode; every error answer must be a problem document.
pub async fn send(b: RequestBuilder) -> (StatusCode, Value) {
    let res: Response = b.send().await.expect("request");
    let status = res.status();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = res.text().await.expect("body");
    if status.is_client_error() || status.is_server_error() {
        assert_eq!(content_type, "application/problem+json", "{status} {text}");
    }
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    if status.is_client_error() {
        assert!(
            value["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "a 4xx explains itself: {value}"
        );
    }
    assert!(!status.is_server_error(), "server error: {status} {value}");
    (status, value)
}

/// Run a scenario on every backend.
#[macro_export]
macro_rules! on_every_backend {
    ($name:ident, $scenario:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            for app in $crate::harness::apps().await {
                eprintln!("-- {} on {}", stringify!($name), app.backend);
                $scenario(&app).await;
            }
        }
    };
}
