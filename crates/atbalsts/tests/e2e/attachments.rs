//! Attachments end to end: sent with messages over the API (multipart),
//! listed on the messages, downloaded byte for byte with headers that keep
//! browsers from rendering them, under the ticket's access rules; limits;
//! the sniffed type decides; mail attachments land on the ticket. On local
//! disk and on a real S3 API server (moto), on both databases.

#[path = "../../../atbalsts-objects/tests/moto.rs"]
mod moto;

use crate::harness::{TestApp, send};
use crate::on_every_backend;
use atbalsts_objects::{Objects, S3Config};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::Value;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn elf() -> Vec<u8> {
    let mut b = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0>\0".to_vec();
    b.resize(128, 0);
    b
}

fn file(name: &str, declared: &str, bytes: Vec<u8>) -> Part {
    Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str(declared)
        .unwrap()
}

/// A node of `app` keeping files in `objects`, and a request builder for it.
struct Node {
    base: String,
    client: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Node {
    async fn start(app: &TestApp, objects: Objects) -> Node {
        let (base, stop) = app.node_with_objects(objects).await;
        Node {
            base,
            client: reqwest::Client::new(),
            _stop: stop,
        }
    }

    fn req(&self, method: Method, path: &str, who: &Who) -> reqwest::RequestBuilder {
        let b = self.client.request(method, format!("{}{path}", self.base));
        match who {
            Who::Staff(t) => b.bearer_auth(t),
            Who::Requester(t) => b.header("X-Access-Token", t.as_str()),
            Who::Nobody => b,
        }
    }

    async fn post_form(&self, ticket: i64, who: &Who, form: Form) -> (StatusCode, Value) {
        send(
            self.req(Method::POST, &format!("/api/v1/tickets/{ticket}/messages"), who)
                .multipart(form),
        )
        .await
    }

    async fn get(&self, path: &str, who: &Who) -> (StatusCode, Value) {
        send(self.req(Method::GET, path, who)).await
    }

    /// A download: status, headers and bytes.
    async fn download(&self, href: &str, who: &Who) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let res = self.req(Method::GET, href, who).send().await.unwrap();
        let (status, headers) = (res.status(), res.headers().clone());
        (status, headers, res.bytes().await.unwrap().to_vec())
    }
}

enum Who {
    Staff(String),
    Requester(String),
    Nobody,
}

fn header<'a>(h: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

async fn round_trip(app: &TestApp, objects: Objects) {
    let staff = app.staff().await;
    let node = Node::start(app, objects).await;
    let (ticket, token) = app.citizen_ticket("PMLP-003", "Izziņa pielikumā").await;
    let citizen = Who::Requester(token.clone());
    let agent = Who::Staff(staff.pmlp.clone());
    let text = "Labdien!\nPielikumā izziņa un piezīmes.\n".repeat(50);

    // The requester answers with two files.
    let form = Form::new()
        .text("body", "Sūtu dokumentus.")
        .part("files", file("C:\\Mani dokumenti\\izziņa.pdf", "application/pdf", PDF.to_vec()))
        .part("files", file("piezīmes.txt", "text/plain", text.clone().into_bytes()));
    let (s, t) = node.post_form(ticket, &citizen, form).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert!(t["assignee"].is_null(), "the requester's view of the ticket");

    let (s, messages) = node.get(&format!("/api/v1/tickets/{ticket}/messages"), &agent).await;
    assert_eq!(s, StatusCode::OK, "{messages}");
    let files = messages[0]["attachments"].as_array().unwrap().clone();
    assert_eq!(files.len(), 2, "{messages}");
    assert_eq!(files[0]["file_name"], "izziņa.pdf", "no path parts");
    assert_eq!(files[0]["content_type"], "application/pdf");
    assert_eq!(files[0]["size"], PDF.len());
    assert_eq!(files[0]["uploaded_by_kind"], "requester");
    assert_eq!(files[1]["content_type"], "text/plain");
    assert_eq!(files[1]["message_id"], messages[0]["id"]);

    // Downloads are the same bytes, never rendered by the browser.
    for (f, want) in files.iter().zip([PDF.to_vec(), text.into_bytes()]) {
        let href = f["href"].as_str().unwrap();
        for who in [&agent, &citizen] {
            let (s, h, bytes) = node.download(href, who).await;
            assert_eq!(s, StatusCode::OK);
            assert_eq!(bytes, want, "byte for byte");
            assert!(header(&h, "content-disposition").starts_with("attachment; "), "{h:?}");
            assert_eq!(header(&h, "x-content-type-options"), "nosniff");
            assert!(header(&h, "content-security-policy").starts_with("sandbox"), "{h:?}");
        }
        let sha = f["sha256"].as_str().unwrap();
        assert_eq!(sha.len(), 64);
    }
    let (_, h, _) = node.download(files[0]["href"].as_str().unwrap(), &agent).await;
    assert_eq!(
        header(&h, "content-disposition"),
        "attachment; filename=\"izzi_a.pdf\"; filename*=UTF-8''izzi%C5%86a.pdf"
    );
    assert_eq!(header(&h, "content-type"), "application/pdf");

    // An executable named .pdf is labelled by its bytes.
    let form = Form::new()
        .text("body", "Atskaite pielikumā.")
        .part("files", file("atskaite.pdf", "application/pdf", elf()));
    let (s, _) = node.post_form(ticket, &agent, form).await;
    assert_eq!(s, StatusCode::OK);
    // An internal note's file stays with the staff.
    let form = Form::new()
        .text("body", "Iekšēja piezīme ar skenējumu.")
        .text("internal", "true")
        .part("files", file("skenējums.png", "image/png", PDF.to_vec()));
    let (s, _) = node.post_form(ticket, &agent, form).await;
    assert_eq!(s, StatusCode::OK);
    let (_, all) = node.get(&format!("/api/v1/tickets/{ticket}/attachments"), &agent).await;
    let all = all.as_array().unwrap().clone();
    assert_eq!(all.len(), 4, "{all:?}");
    assert_eq!(all[2]["file_name"], "atskaite.pdf");
    assert_eq!(all[2]["content_type"], "application/x-executable", "sniffed, not declared");
    assert_eq!(all[2]["declared_type"], "application/pdf");
    let (_, h, _) = node.download(all[2]["href"].as_str().unwrap(), &agent).await;
    assert_eq!(header(&h, "content-type"), "application/x-executable");
    assert_eq!(all[3]["content_type"], "application/pdf", "the PNG that is a PDF");

    let note_file = all[3]["href"].as_str().unwrap().to_string();
    let (s, seen) = node.get(&format!("/api/v1/tickets/{ticket}/attachments"), &citizen).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(seen.as_array().map(Vec::len), Some(3), "no note's file: {seen}");
    let (s, _, _) = node.download(&note_file, &citizen).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a note's file is unknown to the requester");
    let (_, msgs) = node.get(&format!("/api/v1/tickets/{ticket}/messages"), &citizen).await;
    assert!(!msgs.to_string().contains("skenējums"), "{msgs}");

    // Another institution's staff and strangers get nothing.
    let vid = Who::Staff(staff.vid.clone());
    let (s, _, _) = node.download(&note_file, &vid).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = node.get(&format!("/api/v1/tickets/{ticket}/attachments"), &vid).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = node.download(&note_file, &Who::Nobody).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let form = Form::new().text("body", "Svešs.").part("files", file("a.txt", "text/plain", b"x".to_vec()));
    let (s, _) = node.post_form(ticket, &vid, form).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, p) = node.get(&format!("/api/v1/tickets/{ticket}/attachments/abc"), &agent).await;
    assert_eq!((s, p["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")));

    // Limits: too many, too large; nothing of a refused message is recorded.
    let mut form = Form::new().text("body", "Daudz failu.");
    for i in 0..11 {
        form = form.part("files", file(&format!("{i}.txt"), "text/plain", b"x".to_vec()));
    }
    let (s, p) = node.post_form(ticket, &agent, form).await;
    assert_eq!((s, p["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid")), "{p}");
    assert_eq!(p["errors"][0]["field"], "files");
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let form = Form::new().text("body", "Liels fails.").part("files", file("liels.txt", "text/plain", big));
    let (s, p) = node.post_form(ticket, &agent, form).await;
    assert_eq!((s, p["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large")), "{p}");
    assert!(p["detail"].as_str().unwrap().contains("liels.txt"), "{p}");
    let form = Form::new().part("files", file("a.txt", "text/plain", b"x".to_vec()));
    let (s, p) = node.post_form(ticket, &agent, form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a message needs words: {p}");
    let (_, after) = node.get(&format!("/api/v1/tickets/{ticket}/attachments"), &agent).await;
    assert_eq!(after.as_array().map(Vec::len), Some(4), "refused messages leave no files");
    // A form on a path that takes no files keeps the small body limit.
    let form = Form::new().part("files", file("a.txt", "text/plain", vec![b'a'; 300 * 1024]));
    let res = node
        .req(Method::POST, "/api/v1/tickets", &agent)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // JSON messages work as before.
    let (s, _) = send(
        node.req(Method::POST, &format!("/api/v1/tickets/{ticket}/messages"), &agent)
            .json(&serde_json::json!({"body": "Bez pielikuma."})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
}

async fn on_local_disk(app: &TestApp) {
    let dir = tempfile::tempdir().unwrap();
    round_trip(app, Objects::local(dir.path().join("objects")).unwrap()).await;
    let stored = walk(&dir.path().join("objects/att"));
    assert_eq!(stored, 4, "one object per recorded file");
}
on_every_backend!(attachments_round_trip_on_local_disk, on_local_disk);

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| {
                    if e.path().is_dir() {
                        walk(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

async fn in_s3(app: &TestApp) {
    let Some(moto) = moto::Moto::start("atbalsts-e2e") else {
        return;
    };
    let mut config = S3Config::from_url("s3://atbalsts-e2e/attachments").unwrap();
    config.endpoint = Some(moto.endpoint.clone());
    config.access_key = Some("test".into());
    config.secret_key = Some("test".into());
    round_trip(app, Objects::s3(&config).unwrap()).await;
}
on_every_backend!(attachments_round_trip_in_s3, in_s3);
