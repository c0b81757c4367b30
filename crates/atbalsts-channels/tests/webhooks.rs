//! Webhooks end to end, on both backends: ticket events go through the
//! dispatcher and the job queue's worker to real HTTP receivers on
//! 127.0.0.1, which check every signature the way docs/webhooks.md tells
//! receivers to (the documented Python function itself, run with python3, on
//! one captured request). A receiver that fails twice gets the delivery on
//! the third attempt; one that always fails gets its subscription switched
//! off, and the institution's administrator an e-mail in the outbox.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../atbalsts-store/tests/common/mod.rs"]
mod common;

use atbalsts_channels::{Channels, MailConfig, WebhookConfig};
use atbalsts_domain::webhook::EventKind;
use atbalsts_domain::{Actor, Role, Scope};
use atbalsts_store::Store;
use atbalsts_store::jobs::{Handlers, Worker, WorkerConfig};
use atbalsts_store::users::NewUser;
use atbalsts_store::webhooks::NewWebhook;
use axum::http::{HeaderMap, StatusCode};
use common::{backends, eventually, exec, seed, ticket};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the receiver saw it.
#[derive(Clone, Debug)]
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

#[derive(Clone)]
struct Receiver {
    secret: Arc<Mutex<String>>,
    /// Answer 500 to this many requests first (`usize::MAX`: always).
    fail_first: usize,
    seen: Arc<Mutex<Vec<Received>>>,
    bad_signatures: Arc<Mutex<usize>>,
}

/// The receiver's check as docs/webhooks.md states it, written here apart
/// from the desk's code: HMAC-SHA256 over "{timestamp}.{body}", compared in
/// constant time (`verify_slice`), timestamps within five minutes.
fn signature_holds(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let get = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    let (Ok(ts), Some(hex_sig)) = (
        get("x-atbalsts-timestamp").parse::<i64>(),
        get("x-atbalsts-signature").strip_prefix("v1="),
    ) else {
        return false;
    };
    if (jiff::Timestamp::now().as_second() - ts).abs() > 300 {
        return false;
    }
    let Ok(expected) = hex::decode(hex_sig) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

async fn receive(
    axum::extract::State(r): axum::extract::State<Receiver>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    if !signature_holds(&r.secret.lock().unwrap(), &headers, &body) {
        *r.bad_signatures.lock().unwrap() += 1;
    }
    let mut seen = r.seen.lock().unwrap();
    seen.push(Received {
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body: body.to_vec(),
    });
    if seen.len() <= r.fail_first {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    }
}

/// A receiver on a free loopback port: its URL and what it records.
async fn receiver(fail_first: usize) -> (String, Receiver) {
    let r = Receiver {
        secret: Arc::default(),
        fail_first,
        seen: Arc::default(),
        bad_signatures: Arc::default(),
    };
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(r.clone());
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", socket.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(socket, app).await });
    (url, r)
}

async fn subscribe(store: &Store, url: &str, r: &Receiver) -> i64 {
    let (hook, secret) = store
        .create_webhook(&NewWebhook {
            institution: "PMLP".into(),
            url: url.into(),
            events: vec![EventKind::TicketCreated, EventKind::StatusChanged],
            created_by: None,
        })
        .await
        .unwrap();
    *r.secret.lock().unwrap() = secret;
    hook.id
}

/// The queue waits 30 s before a retry; the test moves the retries' time
/// forward instead of waiting, and lets the real worker take them.
async fn hurry_retries(store: &Store) {
    exec(
        store,
        "UPDATE jobs SET run_at = 0 WHERE kind = 'webhook.deliver' AND status = 'queued'",
    )
    .await;
}

async fn new_ticket(store: &Store, subject: &str) {
    store
        .create_ticket(&Actor::Anonymous, ticket(subject), None)
        .await
        .unwrap();
}

/// Run docs/webhooks.md's Python `verify` on a captured request.
fn python_verifies(secret: &str, got: &Received) -> bool {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/webhooks.md"),
    )
    .unwrap();
    let code = doc
        .split("```python\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a python block in docs/webhooks.md");
    let driver = r#"
import json, sys
secret, headers = sys.argv[1], json.loads(sys.argv[2])
body = sys.stdin.buffer.read()
ok = verify(secret, headers, body)
tampered = verify(secret, headers, body + b" ")
stale = verify(secret, headers, body, now=int(headers["x-atbalsts-timestamp"]) + 301)
print("ok" if ok and not tampered and not stale else "bad")
"#;
    let headers: serde_json::Map<String, serde_json::Value> = got
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let mut child = std::process::Command::new("python3")
        .args([
            "-c",
            &format!("{code}\n{driver}"),
            secret,
            &serde_json::Value::Object(headers).to_string(),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&got.body).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "ok"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deliveries_are_signed_retried_and_a_dead_receiver_is_switched_off() {
    for db in backends().await {
        let (b, store) = (db.backend, db.store.clone());
        seed(&store).await;
        store
            .create_user(&NewUser {
                email: "admin@pmlp.example.lv".into(),
                name: "Iestādes administrators".into(),
                role: Role::Administrator,
                scopes: vec![Scope {
                    institution: "PMLP".into(),
                    service: None,
                }],
            })
            .await
            .unwrap();
        let channels = Channels::new(store.clone(), MailConfig::default())
            .unwrap()
            .with_webhooks(WebhookConfig {
                timeout: Duration::from_secs(5),
                max_attempts: 3,
                disable_after: 2,
                allow_private_addresses: true,
            })
            .unwrap();
        let worker = Worker::spawn(
            store.clone(),
            channels.register(Handlers::new()),
            WorkerConfig {
                poll_interval: Duration::from_millis(20),
                auto_close_after_days: None,
                ..WorkerConfig::default()
            },
        );

        // A receiver that answers 500 twice, then accepts.
        let (url, flaky) = receiver(2).await;
        let flaky_id = subscribe(&store, &url, &flaky).await;
        new_ticket(&store, "Pase").await;
        assert_eq!(channels.dispatch_once().await.unwrap(), 1, "{b}");
        eventually("the third attempt is delivered", || async {
            hurry_retries(&store).await;
            store.webhook_deliveries(flaky_id, None, 10).await.unwrap()[0].status == "delivered"
        })
        .await;
        let log = store.webhook_deliveries(flaky_id, None, 10).await.unwrap();
        assert_eq!(log.len(), 1, "{b}: {log:?}");
        assert_eq!(
            (
                log[0].attempts,
                log[0].status_code,
                log[0].last_error.as_deref()
            ),
            (3, Some(204), None),
            "{b}: {log:?}"
        );
        assert_eq!(log[0].kind, "ticket.created");
        let seen = flaky.seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 3, "{b}");
        assert_eq!(*flaky.bad_signatures.lock().unwrap(), 0, "{b}");
        let ids: Vec<&str> = seen
            .iter()
            .map(|r| r.header("x-atbalsts-delivery"))
            .collect();
        assert!(
            ids.iter().all(|i| *i == log[0].id.to_string()),
            "{b}: {ids:?}"
        );
        assert_eq!(seen[2].header("x-atbalsts-event"), "ticket.created");
        let body: serde_json::Value = serde_json::from_slice(&seen[2].body).unwrap();
        assert_eq!(body["id"], log[0].id, "{b}: {body}");
        assert_eq!(body["event"], "ticket.created");
        assert_eq!(body["institution"], "PMLP");
        assert_eq!(body["ticket"]["subject"], "Pase");
        assert_eq!(body["ticket"]["status"], "new");
        assert_eq!(body["ticket"]["channel"], "portal");
        assert!(
            body["ticket"]["number"]
                .as_str()
                .is_some_and(|n| n.len() == 11)
        );
        assert!(
            body["occurred_at"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z'))
        );
        assert!(
            python_verifies(&flaky.secret.lock().unwrap(), &seen[2]),
            "{b}"
        );
        assert_eq!(channels.dispatch_once().await.unwrap(), 0, "nothing twice");

        // A receiver that never accepts: two deliveries given up switch it off.
        let (dead_url, dead) = receiver(usize::MAX).await;
        let dead_id = subscribe(&store, &dead_url, &dead).await;
        new_ticket(&store, "Vīza").await;
        new_ticket(&store, "ID karte").await;
        assert_eq!(channels.dispatch_once().await.unwrap(), 2, "{b}");
        eventually(
            "the dead receiver's subscription is switched off",
            || async {
                hurry_retries(&store).await;
                !store.webhook(dead_id).await.unwrap().unwrap().active
            },
        )
        .await;
        let hook = store.webhook(dead_id).await.unwrap().unwrap();
        assert_eq!(hook.consecutive_failures, 2, "{b}");
        assert!(hook.disabled_at.is_some());
        let log = store.webhook_deliveries(dead_id, None, 10).await.unwrap();
        assert_eq!(log.len(), 2, "{b}");
        for d in &log {
            assert_eq!(
                (d.status.as_str(), d.attempts, d.status_code),
                ("failed", 3, Some(500)),
                "{b}"
            );
            assert!(d.last_error.as_deref().is_some_and(|e| e.contains("500")));
        }
        assert_eq!(dead.seen.lock().unwrap().len(), 6, "{b}");
        assert_eq!(*dead.bad_signatures.lock().unwrap(), 0, "{b}");
        // The administrators are told just after the switch-off, by the same job.
        eventually("the administrator's notice is in the outbox", || async {
            let told = store.outbox(None, 50).await.unwrap();
            told.iter().any(|m| m.purpose == "webhook_disabled")
        })
        .await;
        let told = store.outbox(None, 50).await.unwrap();
        let notice: Vec<_> = told
            .iter()
            .filter(|m| m.purpose == "webhook_disabled")
            .collect();
        assert_eq!(notice.len(), 1, "{b}: {told:?}");
        assert_eq!(notice[0].recipient, "admin@pmlp.example.lv");
        let (_, raw) = store.outbound_mail(notice[0].id).await.unwrap();
        let mail = atbalsts_mail::parse(&raw).unwrap();
        let text = mail.text;
        assert!(text.contains(&dead_url), "{b}: {text}");
        assert!(
            text.contains(&format!("/api/v1/webhooks/{dead_id}/enable")),
            "{text}"
        );

        // Off is off: a new event writes nothing for it; on again, it hears again.
        new_ticket(&store, "Atkal").await;
        channels.dispatch_once().await.unwrap();
        assert_eq!(
            store
                .webhook_deliveries(dead_id, None, 10)
                .await
                .unwrap()
                .len(),
            2
        );
        let on = store.enable_webhook(dead_id).await.unwrap().unwrap();
        assert!(on.active && on.consecutive_failures == 0 && on.disabled_at.is_none());
        // The flaky receiver now accepts everything.
        eventually("later deliveries reach the working receiver", || async {
            hurry_retries(&store).await;
            let log = store.webhook_deliveries(flaky_id, None, 10).await.unwrap();
            log.len() == 4 && log.iter().all(|d| d.status == "delivered")
        })
        .await;
        // Keyset paging: newest first, then older than the last seen.
        let page = store.webhook_deliveries(flaky_id, None, 3).await.unwrap();
        let rest = store
            .webhook_deliveries(flaky_id, Some(page[2].id), 3)
            .await
            .unwrap();
        assert_eq!(rest.len(), 1);
        assert!(page.windows(2).all(|w| w[0].id > w[1].id) && rest[0].id < page[2].id);

        worker.stop().await;
        db.finish().await;
    }
}

/// By default the desk posts only to public addresses: a subscriber on
/// loopback (by IP literal or by a name that resolves there) gets nothing,
/// and the delivery log says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn private_receivers_are_refused_unless_the_operator_allows_them() {
    for db in backends().await {
        let (b, store) = (db.backend, db.store.clone());
        seed(&store).await;
        let channels = Channels::new(store.clone(), MailConfig::default())
            .unwrap()
            .with_webhooks(WebhookConfig {
                timeout: Duration::from_secs(5),
                max_attempts: 1,
                disable_after: 5,
                ..WebhookConfig::default()
            })
            .unwrap();
        let worker = Worker::spawn(
            store.clone(),
            channels.register(Handlers::new()),
            WorkerConfig {
                poll_interval: Duration::from_millis(20),
                auto_close_after_days: None,
                ..WorkerConfig::default()
            },
        );
        let (url, by_ip) = receiver(0).await;
        let by_ip_id = subscribe(&store, &url, &by_ip).await;
        let (url, by_name) = receiver(0).await;
        let named = url.replace("127.0.0.1", "localhost");
        let by_name_id = subscribe(&store, &named, &by_name).await;
        new_ticket(&store, "Pase").await;
        assert_eq!(channels.dispatch_once().await.unwrap(), 1, "{b}");
        for id in [by_ip_id, by_name_id] {
            eventually("the delivery is given up", || async {
                store.webhook_deliveries(id, None, 10).await.unwrap()[0].status == "failed"
            })
            .await;
            let log = store.webhook_deliveries(id, None, 10).await.unwrap();
            let error = log[0].last_error.clone().unwrap_or_default();
            assert!(
                error.contains("outbound_allow_private"),
                "{b}: subscription {id}: {error}"
            );
            assert_eq!(log[0].status_code, None, "{b}");
        }
        assert!(by_ip.seen.lock().unwrap().is_empty(), "{b}");
        assert!(by_name.seen.lock().unwrap().is_empty(), "{b}");
        worker.stop().await;
    }
}
