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

const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

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
            self.req(
                Method::POST,
                &format!("/api/v1/tickets/{ticket}/messages"),
                who,
            )
            .multipart(form),
        )
        .await
    }

    async fn get(&self, path: &str, who: &Who) -> (StatusCode, Value) {
        send(self.req(Method::GET, path, who)).await
    }

    /// A download: status, headers and bytes.
    async fn download(
        &self,
        href: &str,
        who: &Who,
    ) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
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
        .part(
            "files",
            file(
                "C:\\Mani dokumenti\\izziņa.pdf",
                "application/pdf",
                PDF.to_vec(),
            ),
        )
        .part(
            "files",
            file("piezīmes.txt", "text/plain", text.clone().into_bytes()),
        );
    let (s, t) = node.post_form(ticket, &citizen, form).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert!(
        t["assignee"].is_null(),
        "the requester's view of the ticket"
    );

    let (s, messages) = node
        .get(&format!("/api/v1/tickets/{ticket}/messages"), &agent)
        .await;
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
            assert!(
                header(&h, "content-disposition").starts_with("attachment; "),
                "{h:?}"
            );
            assert_eq!(header(&h, "x-content-type-options"), "nosniff");
            assert!(
                header(&h, "content-security-policy").starts_with("sandbox"),
                "{h:?}"
            );
        }
        let sha = f["sha256"].as_str().unwrap();
        assert_eq!(sha.len(), 64);
    }
    let (_, h, _) = node
        .download(files[0]["href"].as_str().unwrap(), &agent)
        .await;
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
    let (_, all) = node
        .get(&format!("/api/v1/tickets/{ticket}/attachments"), &agent)
        .await;
    let all = all.as_array().unwrap().clone();
    assert_eq!(all.len(), 4, "{all:?}");
    assert_eq!(all[2]["file_name"], "atskaite.pdf");
    assert_eq!(
        all[2]["content_type"], "application/x-executable",
        "sniffed, not declared"
    );
    assert_eq!(all[2]["declared_type"], "application/pdf");
    let (_, h, _) = node
        .download(all[2]["href"].as_str().unwrap(), &agent)
        .await;
    assert_eq!(header(&h, "content-type"), "application/x-executable");
    assert_eq!(
        all[3]["content_type"], "application/pdf",
        "the PNG that is a PDF"
    );

    let note_file = all[3]["href"].as_str().unwrap().to_string();
    let (s, seen) = node
        .get(&format!("/api/v1/tickets/{ticket}/attachments"), &citizen)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        seen.as_array().map(Vec::len),
        Some(3),
        "no note's file: {seen}"
    );
    let (s, _, _) = node.download(&note_file, &citizen).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "a note's file is unknown to the requester"
    );
    let (_, msgs) = node
        .get(&format!("/api/v1/tickets/{ticket}/messages"), &citizen)
        .await;
    assert!(!msgs.to_string().contains("skenējums"), "{msgs}");

    // Another institution's staff and strangers get nothing.
    let vid = Who::Staff(staff.vid.clone());
    let (s, _, _) = node.download(&note_file, &vid).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = node
        .get(&format!("/api/v1/tickets/{ticket}/attachments"), &vid)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = node.download(&note_file, &Who::Nobody).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let form = Form::new()
        .text("body", "Svešs.")
        .part("files", file("a.txt", "text/plain", b"x".to_vec()));
    let (s, _) = node.post_form(ticket, &vid, form).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, p) = node
        .get(&format!("/api/v1/tickets/{ticket}/attachments/abc"), &agent)
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request"))
    );

    // Limits: too many, too large; nothing of a refused message is recorded.
    let mut form = Form::new().text("body", "Daudz failu.");
    for i in 0..11 {
        form = form.part(
            "files",
            file(&format!("{i}.txt"), "text/plain", b"x".to_vec()),
        );
    }
    let (s, p) = node.post_form(ticket, &agent, form).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid")),
        "{p}"
    );
    assert_eq!(p["errors"][0]["field"], "files");
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let form = Form::new()
        .text("body", "Liels fails.")
        .part("files", file("liels.txt", "text/plain", big));
    let (s, p) = node.post_form(ticket, &agent, form).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large")),
        "{p}"
    );
    assert!(p["detail"].as_str().unwrap().contains("liels.txt"), "{p}");
    let form = Form::new().part("files", file("a.txt", "text/plain", b"x".to_vec()));
    let (s, p) = node.post_form(ticket, &agent, form).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a message needs words: {p}"
    );
    let (_, after) = node
        .get(&format!("/api/v1/tickets/{ticket}/attachments"), &agent)
        .await;
    assert_eq!(
        after.as_array().map(Vec::len),
        Some(4),
        "refused messages leave no files"
    );
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
        node.req(
            Method::POST,
            &format!("/api/v1/tickets/{ticket}/messages"),
            &agent,
        )
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

/// A message with files, as mail clients write it: base64 parts, an RFC 2231
/// encoded Latvian file name, and a declared type the bytes contradict.
fn mail_with_files(message_id: &str, subject: &str, pdf: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    format!(
        "From: Anna Bērziņa <anna@example.lv>\r\nTo: palidziba@pmlp.example.lv\r\n\
         Subject: {subject}\r\nMessage-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
         Labdien! Pielikumā izziņa.\r\n\
         --b1\r\nContent-Type: application/pdf\r\n\
         Content-Disposition: attachment; filename*=utf-8''izzi%C5%86a%20nr%201.pdf\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n\
         --b1\r\nContent-Type: application/msword; name=\"programma.doc\"\r\n\
         Content-Disposition: attachment; filename=\"programma.doc\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b1--\r\n",
        b64(pdf),
        b64(&elf()),
    )
    .into_bytes()
}

async fn mail_files(app: &TestApp) {
    use atbalsts_store::mail::inbound::{Arrival, InboundStatus};
    let staff = app.staff().await;
    let mut group = atbalsts_store::groups::GroupConfig::new(
        "PMLP-L1",
        "PMLP",
        "PMLP palīdzība",
        atbalsts_domain::Level::Specialist,
    );
    group.email_addresses = vec!["palidziba@pmlp.example.lv".into()];
    app.store.save_group(&group).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let objects = Objects::local(dir.path().join("objects")).unwrap();
    let channels = atbalsts_channels::Channels::new(
        app.store.clone(),
        atbalsts_channels::MailConfig {
            mail_from: "atbalsts@pmlp.example.lv".into(),
            ..Default::default()
        },
    )
    .unwrap()
    .with_objects(objects.clone());
    let worker = atbalsts_store::jobs::Worker::spawn(
        app.store.clone(),
        channels.register(atbalsts_store::jobs::Handlers::new()),
        atbalsts_store::jobs::WorkerConfig {
            poll_interval: std::time::Duration::from_millis(50),
            ..Default::default()
        },
    );
    let node = Node::start(app, objects).await;
    let arrival = Arrival {
        source: "deliver",
        peer: None,
        envelope_from: Some("anna@example.lv".into()),
        envelope_to: vec!["palidziba@pmlp.example.lv".into()],
        group: None,
    };
    let settled = |id: i64| {
        let store = app.store.clone();
        async move {
            for _ in 0..200 {
                let r = store.inbound_record(id).await.unwrap();
                if r.status != InboundStatus::Received {
                    return r;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("message {id} was never taken in");
        }
    };

    // A new message with two files becomes a ticket with both.
    let first = app
        .store
        .receive_mail(&arrival, &mail_with_files("m1@example.lv", "Izziņa", PDF))
        .await
        .unwrap();
    let record = settled(first).await;
    assert_eq!(
        record.status,
        InboundStatus::TicketCreated,
        "{:?}",
        record.reason
    );
    let ticket = record.ticket_id.unwrap();
    let agent = Who::Staff(staff.pmlp.clone());
    let (s, files) = node
        .get(&format!("/api/v1/tickets/{ticket}/attachments"), &agent)
        .await;
    assert_eq!(s, StatusCode::OK, "{files}");
    let files = files.as_array().unwrap().clone();
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(
        files[0]["file_name"], "izziņa nr 1.pdf",
        "RFC 2231 name decoded"
    );
    assert_eq!(files[0]["content_type"], "application/pdf");
    assert!(files[0]["message_id"].is_null(), "the request's own files");
    assert_eq!(files[1]["file_name"], "programma.doc");
    assert_eq!(files[1]["content_type"], "application/x-executable");
    assert_eq!(files[1]["declared_type"], "application/msword");
    let (s, _, bytes) = node
        .download(files[0]["href"].as_str().unwrap(), &agent)
        .await;
    assert_eq!((s, bytes.as_slice()), (StatusCode::OK, PDF));

    // The requester's answer threads in, its file on the reply.
    let (_, t) = node.get(&format!("/api/v1/tickets/{ticket}"), &agent).await;
    let number = t["number"].as_str().unwrap().to_string();
    let reply = mail_with_files(
        "m2@example.lv",
        &format!("Re: [#{number}] Izziņa"),
        b"%PDF-1.4\notra\n",
    );
    let reply = String::from_utf8(reply)
        .unwrap()
        .replace("Message-ID:", "In-Reply-To: <m1@example.lv>\r\nMessage-ID:")
        .into_bytes();
    let second = app.store.receive_mail(&arrival, &reply).await.unwrap();
    let record = settled(second).await;
    assert_eq!(
        record.status,
        InboundStatus::Threaded,
        "{:?}",
        record.reason
    );
    let (_, messages) = node
        .get(&format!("/api/v1/tickets/{ticket}/messages"), &agent)
        .await;
    let last = messages.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last["attachments"].as_array().map(Vec::len),
        Some(2),
        "{last}"
    );
    assert_eq!(last["attachments"][0]["size"], b"%PDF-1.4\notra\n".len());

    // The staff's reply with a file reaches the requester's mailbox with the file.
    let dispatcher = channels.spawn_dispatcher(std::time::Duration::from_millis(50));
    let form = Form::new()
        .text("body", "Paldies, izziņa saņemta. Pielikumā apstiprinājums.")
        .part(
            "files",
            file("apstiprinājums.pdf", "application/pdf", PDF.to_vec()),
        );
    let (s, _) = node.post_form(ticket, &agent, form).await;
    assert_eq!(s, StatusCode::OK);
    let mut mailed = None;
    for _ in 0..200 {
        let outbox = app.store.outbox(None, 20).await.unwrap();
        if let Some(m) = outbox.iter().find(|m| m.purpose == "staff_reply") {
            mailed = Some(m.id);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    dispatcher.stop().await;
    let (_, raw) = app
        .store
        .outbound_mail(mailed.expect("the reply's mail"))
        .await
        .unwrap();
    let parsed = atbalsts_mail::parse(&raw).unwrap();
    assert_eq!(
        parsed.attachments.len(),
        1,
        "{}",
        String::from_utf8_lossy(&raw)
    );
    assert_eq!(
        parsed.attachments[0].filename.as_deref(),
        Some("apstiprinājums.pdf")
    );
    assert_eq!(parsed.attachments[0].data, PDF);

    // Files over the limits hold the message in quarantine, with the reason.
    let big = vec![b'%'; 10 * 1024 * 1024 + 10];
    let third = app
        .store
        .receive_mail(&arrival, &mail_with_files("m3@example.lv", "Liels", &big))
        .await
        .unwrap();
    let record = settled(third).await;
    assert_eq!(record.status, InboundStatus::Quarantined);
    assert!(
        record
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("izziņa nr 1.pdf"),
        "{:?}",
        record.reason
    );
    worker.stop().await;
}
on_every_backend!(mail_attachments_are_kept_with_the_ticket, mail_files);
