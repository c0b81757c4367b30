//! Files sent by a connector with its users' messages: kept with the new
//! ticket or the reply they came with, within the same limits as any message,
//! and nothing stored for a message that is refused or repeated.

use crate::connectors::{connector, pmlp_admin};
use crate::harness::{TestApp, send};
use crate::on_every_backend;
use atbalsts_objects::Objects;
use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const JPEG: &[u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00photo";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn objects_in(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| {
        d.filter_map(Result::ok)
            .map(|e| {
                if e.path().is_dir() {
                    objects_in(&e.path())
                } else {
                    1
                }
            })
            .sum()
    })
}

async fn files_from_a_conversation(app: &TestApp) {
    let staff = app.staff().await;
    let admin = pmlp_admin(app).await;
    let (_, key, _) = connector(app, &admin, "facebook", None).await;
    let dir = tempfile::tempdir().unwrap();
    let (base, _stop) = app
        .node_with_objects(Objects::local(dir.path().join("objects")).unwrap())
        .await;
    let client = reqwest::Client::new();
    let post = |message: &str, text: &str, files: Value| {
        send(
            client
                .request(
                    Method::POST,
                    format!("{base}/api/v1/channels/facebook/messages"),
                )
                .bearer_auth(&key)
                .json(&json!({
                    "conversation_id": "c1", "message_id": message,
                    "sender": {"name": "Jānis Ozols", "handle": "fb:1001"},
                    "text": text, "attachments": files
                })),
        )
    };
    let files_of = |ticket: i64| {
        send(
            client
                .request(
                    Method::GET,
                    format!("{base}/api/v1/tickets/{ticket}/attachments"),
                )
                .bearer_auth(&staff.pmlp),
        )
    };

    // The first message opens a ticket with its photo; the declared type loses to the bytes.
    let (s, first) = post(
        "m1",
        "Nosūtu pases foto.",
        json!([{"file_name": "../pase foto.png", "content_type": "image/png", "content_base64": b64(JPEG)}]),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let ticket = first["ticket_id"].as_i64().unwrap();
    let (s, files) = files_of(ticket).await;
    assert_eq!(s, StatusCode::OK, "{files}");
    assert_eq!(files[0]["file_name"], "pase foto.png", "{files}");
    assert_eq!(files[0]["content_type"], "image/jpeg", "{files}");
    assert_eq!(files[0]["size"], JPEG.len());
    let href = files[0]["href"].as_str().unwrap();
    let res = client
        .get(format!("{base}{href}"))
        .bearer_auth(&staff.pmlp)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), JPEG);

    // A reply in the conversation brings its file to the same ticket.
    let (s, second) = post(
        "m2",
        "Un iesniegums.",
        json!([{"file_name": "iesniegums.pdf", "content_base64": b64(b"%PDF-1.4\n%%EOF\n")}]),
    )
    .await;
    assert_eq!(
        (s, second["ticket_id"].as_i64()),
        (StatusCode::OK, Some(ticket))
    );
    let (_, files) = files_of(ticket).await;
    assert_eq!(files.as_array().map(Vec::len), Some(2), "{files}");
    assert_eq!(files[1]["content_type"], "application/pdf");
    assert_eq!(objects_in(dir.path()), 2);

    // A repeat answers as the first time and keeps no second copy.
    let (s, again) = post(
        "m2",
        "Un iesniegums.",
        json!([{"file_name": "iesniegums.pdf", "content_base64": b64(b"%PDF-1.4\n%%EOF\n")}]),
    )
    .await;
    assert_eq!(
        (s, again["replayed"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    assert_eq!(objects_in(dir.path()), 2, "the repeat's object was removed");

    // Refusals store nothing: not base64, empty, too many, too large.
    let (s, p) = post(
        "m3",
        "x",
        json!([{"file_name": "a.txt", "content_base64": "***"}]),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["errors"][0]["field"], "attachments[0].content_base64");
    let (s, p) = post(
        "m4",
        "x",
        json!([{"file_name": "a.txt", "content_base64": ""}]),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let many: Vec<Value> = (0..11)
        .map(|i| json!({"file_name": format!("{i}.txt"), "content_base64": b64(b"teksts")}))
        .collect();
    let (s, p) = post("m5", "x", json!(many)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let (s, p) = post(
        "m6",
        "x",
        json!([{"file_name": "liels.txt", "content_base64": b64(&big)}]),
    )
    .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("liels.txt"), "{p}");
    assert_eq!(
        objects_in(dir.path()),
        2,
        "refused messages leave no objects"
    );
    let (_, files) = files_of(ticket).await;
    assert_eq!(files.as_array().map(Vec::len), Some(2));

    // Without the connector's key a large body is not read at all: the answer is 401,
    // or the connection is closed while the client is still writing what nobody reads.
    // The server then drops that connection, so these probes keep no pooled connection
    // for the next request to land on.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let res = client
        .post(format!("{base}/api/v1/channels/facebook/messages"))
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await;
    match res {
        Ok(r) => assert_eq!(r.status(), StatusCode::UNAUTHORIZED),
        Err(e) => assert!(e.is_request() && !e.is_timeout(), "{e:?}"),
    }
    // A small one gets its answer either way.
    let res = client
        .post(format!("{base}/api/v1/channels/facebook/messages"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}
on_every_backend!(connector_messages_carry_files, files_from_a_conversation);
