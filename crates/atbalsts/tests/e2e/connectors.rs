//! Connectors of social networks and mobile apps over HTTP: administered by
//! the institution's administrators, a conversation threads into one ticket
//! (a new one after it is closed), a repeated message id creates nothing, a
//! wrong key is refused; staff replies reach a real receiver on 127.0.0.1
//! signed, and are retried after it fails once; internal notes stay home.

use crate::harness::{TestApp, scope, send};
use crate::on_every_backend;
use atbalsts_domain::Role;
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|f| f["field"].as_str()).collect())
        .unwrap_or_default()
}

pub(crate) async fn pmlp_admin(app: &TestApp) -> String {
    app.user(
        "admin@pmlp.lv",
        Role::Administrator,
        vec![scope("PMLP", None)],
    )
    .await
    .1
}

/// A connector of PMLP: (its id, key, outbound secret).
pub(crate) async fn connector(
    app: &TestApp,
    admin: &str,
    code: &str,
    url: Option<&str>,
) -> (i64, String, String) {
    let mut body =
        json!({"code": code, "name": "Facebook: PMLP", "channel": "social", "institution": "PMLP"});
    if let Some(u) = url {
        body["outbound_url"] = json!(u);
    }
    let (s, c) = app.post("/api/v1/connectors", Some(admin), body).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    (
        c["id"].as_i64().unwrap(),
        c["key"].as_str().unwrap().to_string(),
        c["outbound_secret"].as_str().unwrap().to_string(),
    )
}

async fn post_message(
    app: &TestApp,
    code: &str,
    key: &str,
    conversation: &str,
    message: &str,
    text: &str,
) -> (StatusCode, Value) {
    send(
        app.req(
            Method::POST,
            &format!("/api/v1/channels/{code}/messages"),
            Some(key),
        )
        .json(&json!({
            "conversation_id": conversation, "message_id": message,
            "sender": {"name": "Jānis Ozols", "handle": "fb:1001"},
            "text": text, "language": "lv"
        })),
    )
    .await
}

async fn administration(app: &TestApp) {
    let staff = app.staff().await;
    let admin = pmlp_admin(app).await;
    let (_, vid_admin) = app
        .user(
            "admin@vid.lv",
            Role::Administrator,
            vec![scope("VID", None)],
        )
        .await;
    let good = json!({"code": "facebook", "name": "Facebook", "channel": "social", "institution": "PMLP",
        "outbound_url": "https://connector.example.lv/out"});
    let (s, _) = app.post("/api/v1/connectors", None, good.clone()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    for (token, code) in [(&staff.pmlp, "admin.only"), (&vid_admin, "admin.not_yours")] {
        let (s, p) = app
            .post("/api/v1/connectors", Some(token), good.clone())
            .await;
        assert_eq!(
            (s, p["code"].as_str()),
            (StatusCode::FORBIDDEN, Some(code)),
            "{p}"
        );
    }
    let (s, p) = app
        .post(
            "/api/v1/connectors",
            Some(&admin),
            json!({"code": "Face Book", "name": "", "channel": "email", "institution": "PMLP",
                "outbound_url": "ftp://x.lv/"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(
        fields(&p),
        ["code", "name", "channel", "outbound_url"],
        "{p}"
    );

    let (s, created) = app
        .post("/api/v1/connectors", Some(&admin), good.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert!(
        created["key"]
            .as_str()
            .is_some_and(|k| k.starts_with("atbc_") && k.len() > 40)
    );
    assert!(
        created["outbound_secret"]
            .as_str()
            .is_some_and(|k| k.starts_with("whsec_"))
    );
    assert_eq!(created["channel"], "social");
    let (s, p) = app
        .post("/api/v1/connectors", Some(&admin), good.clone())
        .await;
    assert_eq!(
        (s, fields(&p)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["code"]),
        "{p}"
    );

    // Listed without secrets; other institutions' administrators see none of it.
    let (s, list) = app.get("/api/v1/connectors", Some(&admin)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert!(list[0].get("key").is_none() && list[0].get("outbound_secret").is_none());
    let (_, list) = app.get("/api/v1/connectors", Some(&vid_admin)).await;
    assert_eq!(list, json!([]));
    let (_, list) = app.get("/api/v1/connectors", Some(&staff.admin)).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));

    // Switched off, its key is refused.
    let id = created["id"].as_i64().unwrap();
    let key = created["key"].as_str().unwrap();
    let (s, c) = app
        .put(
            &format!("/api/v1/connectors/{id}/active"),
            Some(&admin),
            json!({"active": false}),
        )
        .await;
    assert_eq!((s, &c["active"]), (StatusCode::OK, &json!(false)), "{c}");
    let (s, _) = post_message(app, "facebook", key, "c1", "m1", "Sveiki").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, p) = app
        .put(
            &format!("/api/v1/connectors/{id}/active"),
            Some(&vid_admin),
            json!({"active": true}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{p}");
    let (s, _) = app
        .get("/api/v1/connectors/999999/deliveries", Some(&admin))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
on_every_backend!(
    connectors_are_administered_by_their_institution,
    administration
);

async fn conversations(app: &TestApp) {
    let staff = app.staff().await;
    let admin = pmlp_admin(app).await;
    let (_, key, _) = connector(app, &admin, "facebook", None).await;
    let (_, other_key, _) = connector(app, &admin, "lv-app", None).await;

    // Keys: none, wrong, or another connector's.
    let (s, _) = send(
        app.req(Method::POST, "/api/v1/channels/facebook/messages", None)
            .json(&json!({})),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = post_message(app, "facebook", "atbc_wrong", "t1", "m1", "Sveiki").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = post_message(app, "facebook", &other_key, "t1", "m1", "Sveiki").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = post_message(app, "Not A Code", &key, "t1", "m1", "Sveiki").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Every bad field named.
    let (s, p) = send(
        app.req(
            Method::POST,
            "/api/v1/channels/facebook/messages",
            Some(&key),
        )
        .json(
            &json!({"conversation_id": "", "message_id": "m", "sender": {"handle": ""},
                "text": " ", "language": "xx1"}),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(
        fields(&p),
        ["conversation_id", "sender.handle", "text", "language"]
    );
    // A body has room for files (connector_files.rs), but not a text over its limit.
    let (s, p) = send(
        app.req(
            Method::POST,
            "/api/v1/channels/facebook/messages",
            Some(&key),
        )
        .json(&json!({
            "conversation_id": "t1", "message_id": "long",
            "sender": {"handle": "fb:1001"}, "text": "a".repeat(200_000)
        })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(fields(&p), ["text"]);

    // A conversation of three messages is one ticket.
    let (s, first) = post_message(
        app,
        "facebook",
        &key,
        "t1",
        "m1",
        "Labdien!\nKā pagarināt pasi?",
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(
        (&first["outcome"], &first["replayed"]),
        (&json!("ticket_created"), &json!(false))
    );
    let ticket = first["ticket_id"].as_i64().unwrap();
    for (m, text) in [("m2", "Man ir termiņš nākammēnes."), ("m3", "Paldies!")] {
        let (s, r) = post_message(app, "facebook", &key, "t1", m, text).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(
            (&r["outcome"], r["ticket_id"].as_i64()),
            (&json!("threaded"), Some(ticket))
        );
    }
    // The same message again: the same answer, nothing new.
    let (s, again) = post_message(
        app,
        "facebook",
        &key,
        "t1",
        "m1",
        "Labdien!\nKā pagarināt pasi?",
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(again["replayed"], true);
    assert_eq!(
        (&again["id"], &again["ticket_id"]),
        (&first["id"], &first["ticket_id"])
    );
    let (_, r) = post_message(
        app,
        "facebook",
        &key,
        "t1",
        "m2",
        "Man ir termiņš nākammēnes.",
    )
    .await;
    assert_eq!(
        (r["ticket_id"].as_i64(), &r["replayed"]),
        (Some(ticket), &json!(true))
    );

    let (_, t) = app
        .get(&format!("/api/v1/tickets/{ticket}"), Some(&staff.pmlp))
        .await;
    assert_eq!(
        (&t["channel"], &t["institution"]),
        (&json!("social"), &json!("PMLP")),
        "{t}"
    );
    assert_eq!(t["subject"], "Labdien!");
    assert_eq!(t["number"], first["ticket_number"]);
    let (_, msgs) = app
        .get(
            &format!("/api/v1/tickets/{ticket}/messages"),
            Some(&staff.pmlp),
        )
        .await;
    let bodies: Vec<&str> = msgs
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert_eq!(bodies, ["Man ir termiņš nākammēnes.", "Paldies!"], "{msgs}");
    assert!(
        msgs.as_array()
            .unwrap()
            .iter()
            .all(|m| m["channel"] == "social")
    );

    // Another conversation is another ticket; the same ids at another connector are its own.
    let (s, r) = post_message(app, "facebook", &key, "t2", "m4", "Cits jautājums").await;
    assert_eq!(s, StatusCode::CREATED);
    assert_ne!(r["ticket_id"].as_i64(), Some(ticket));
    let (s, r) = post_message(app, "lv-app", &other_key, "t1", "m1", "No lietotnes").await;
    assert_eq!(
        (s, &r["replayed"]),
        (StatusCode::CREATED, &json!(false)),
        "{r}"
    );

    // Closed, the conversation's next message opens a new ticket.
    let (s, p) = app
        .post(
            &format!("/api/v1/tickets/{ticket}/resolve"),
            Some(&staff.pmlp),
            json!({"resolution": "Atbildēts."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let (s, p) = app
        .post(
            &format!("/api/v1/tickets/{ticket}/close"),
            Some(&staff.pmlp),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let (s, r) = post_message(app, "facebook", &key, "t1", "m5", "Vēl viens jautājums").await;
    assert_eq!(
        (s, &r["outcome"]),
        (StatusCode::CREATED, &json!("ticket_created")),
        "{r}"
    );
    let newer = r["ticket_id"].as_i64().unwrap();
    assert_ne!(newer, ticket);
    let (s, r) = post_message(app, "facebook", &key, "t1", "m6", "Un vēl").await;
    assert_eq!((s, r["ticket_id"].as_i64()), (StatusCode::OK, Some(newer)));
}
on_every_backend!(a_conversation_threads_into_one_ticket, conversations);

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

#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<Received>>>,
}

async fn receive(
    axum::extract::State(r): axum::extract::State<Receiver>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::http::StatusCode {
    let mut seen = r.seen.lock().unwrap();
    seen.push(Received {
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body: body.to_vec(),
    });
    // The first request fails: the desk has to try again.
    if seen.len() == 1 {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    } else {
        axum::http::StatusCode::OK
    }
}

/// The receiver's check as docs/channels.md states it, written apart from
/// the desk's code: HMAC-SHA256 over "{timestamp}.{body}", fresh timestamps.
fn signature_holds(secret: &str, got: &Received) -> bool {
    let Ok(ts) = got.header("x-atbalsts-timestamp").parse::<i64>() else {
        return false;
    };
    let Some(Ok(expected)) = got
        .header("x-atbalsts-signature")
        .strip_prefix("v1=")
        .map(hex::decode)
    else {
        return false;
    };
    if (jiff::Timestamp::now().as_second() - ts).abs() > 300 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(&got.body);
    mac.verify_slice(&expected).is_ok()
}

/// Run docs/channels.md's Python `signed_by_desk` on a captured request:
/// it must accept it, and refuse it tampered with or replayed too late.
fn python_verifies(secret: &str, got: &Received) -> bool {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/channels.md"),
    )
    .unwrap();
    let code = doc
        .split("```python\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a python block in docs/channels.md");
    // The documented module is run under another name: its server stays off.
    let driver = r#"
import json, sys
ns = {"__name__": "documented"}
exec(sys.argv[1], ns)
check = ns["signed_by_desk"]
secret, headers = sys.argv[2], json.loads(sys.argv[3])
body = sys.stdin.buffer.read()
ok = check(secret, headers, body)
tampered = check(secret, headers, body + b" ")
stale = check(secret, headers, body, now=int(headers["x-atbalsts-timestamp"]) + 301)
print("ok" if ok and not tampered and not stale else "bad")
"#;
    let headers: serde_json::Map<String, Value> = got
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let mut child = std::process::Command::new("python3")
        .args([
            "-c",
            driver,
            code,
            secret,
            &Value::Object(headers).to_string(),
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

async fn hurry_retries(store: &atbalsts_store::Store) {
    let sql = "UPDATE jobs SET run_at = 0 WHERE kind = 'connector.deliver' AND status = 'queued'";
    match store {
        atbalsts_store::Store::Sqlite { write, .. } => {
            sqlx::query(sql).execute(write).await.map(|_| ())
        }
        atbalsts_store::Store::Postgres { pool, .. } => {
            sqlx::query(sql).execute(pool).await.map(|_| ())
        }
    }
    .unwrap();
}

async fn replies(app: &TestApp) {
    let staff = app.staff().await;
    let admin = pmlp_admin(app).await;
    let r = Receiver::default();
    let router = axum::Router::new()
        .route("/out", axum::routing::post(receive))
        .with_state(r.clone());
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/out", socket.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(socket, router).await });
    let (connector_id, key, secret) = connector(app, &admin, "facebook", Some(&url)).await;

    let channels = atbalsts_channels::Channels::new(
        app.store.clone(),
        atbalsts_channels::MailConfig::default(),
    )
    .unwrap()
    .with_webhooks(atbalsts_channels::WebhookConfig {
        timeout: Duration::from_secs(5),
        max_attempts: 3,
        disable_after: 5,
        allow_private_addresses: true,
    })
    .unwrap();
    let worker = atbalsts_store::jobs::Worker::spawn(
        app.store.clone(),
        channels.register(atbalsts_store::jobs::Handlers::new()),
        atbalsts_store::jobs::WorkerConfig {
            poll_interval: Duration::from_millis(20),
            auto_close_after_days: None,
            ..atbalsts_store::jobs::WorkerConfig::default()
        },
    );

    let (_, first) = post_message(app, "facebook", &key, "t9", "m1", "Kur ir mana pase?").await;
    let ticket = first["ticket_id"].as_i64().unwrap();
    // An internal note, then a public reply.
    for (body, internal) in [
        ("Jāpārbauda reģistrā.", true),
        ("Pase ir gatava, to var saņemt Cēsīs.", false),
    ] {
        let (s, p) = app
            .post(
                &format!("/api/v1/tickets/{ticket}/messages"),
                Some(&staff.pmlp),
                json!({"body": body, "internal": internal}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{p}");
    }
    // The person's own next message does not echo back.
    post_message(app, "facebook", &key, "t9", "m2", "Paldies!").await;
    while channels.dispatch_once().await.unwrap() > 0 {}

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        hurry_retries(&app.store).await;
        let log = app.store.ticket_connector_deliveries(ticket).await.unwrap();
        if log.iter().any(|d| d.status == "delivered") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never delivered: {log:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.stop().await;

    let (s, log) = app
        .get(
            &format!("/api/v1/tickets/{ticket}/connector-deliveries"),
            Some(&staff.pmlp),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        log.as_array().map(Vec::len),
        Some(1),
        "only the public reply: {log}"
    );
    assert_eq!(
        (
            &log[0]["status"],
            &log[0]["attempts"],
            &log[0]["status_code"]
        ),
        (&json!("delivered"), &json!(2), &json!(200))
    );
    let (s, _) = app
        .get(
            &format!("/api/v1/tickets/{ticket}/connector-deliveries"),
            Some(&staff.vid),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "other institutions see nothing");
    let (_, by_connector) = app
        .get(
            &format!("/api/v1/connectors/{connector_id}/deliveries"),
            Some(&admin),
        )
        .await;
    assert_eq!(by_connector["items"][0]["id"], log[0]["id"]);

    let seen = r.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "failed once, then delivered");
    for got in &seen {
        assert!(signature_holds(&secret, got), "signature of {got:?}");
        assert_eq!(got.header("x-atbalsts-event"), "connector.reply");
        assert_eq!(got.header("x-atbalsts-delivery"), log[0]["id"].to_string());
    }
    assert!(
        python_verifies(&secret, &seen[1]),
        "the documented check accepts it"
    );
    let mut tampered = seen[1].clone();
    tampered.body.push(b' ');
    assert!(!signature_holds(&secret, &tampered));
    let body: Value = serde_json::from_slice(&seen[1].body).unwrap();
    assert_eq!(body["conversation_id"], "t9");
    assert_eq!(body["connector"], "facebook");
    assert_eq!(body["recipient"]["handle"], "fb:1001");
    assert_eq!(
        body["message"]["text"],
        "Pase ir gatava, to var saņemt Cēsīs."
    );
    assert_eq!(body["ticket"]["id"], ticket);
    assert_eq!(body["id"], log[0]["id"]);
    assert!(
        !String::from_utf8_lossy(&seen[1].body).contains("reģistrā"),
        "no note goes out"
    );
    assert_eq!(channels.dispatch_once().await.unwrap(), 0);
}
on_every_backend!(staff_replies_go_back_signed_and_retried, replies);
