//! The whole e-mail loop over real SMTP, on both backends: a citizen's message
//! (Python's smtplib) reaches the built-in listener and becomes a ticket; the
//! acknowledgement arrives in a real SMTP server (aiosmtpd) with the threading
//! headers; the specialist's reply follows in the thread; the citizen's answer
//! threads back into the ticket; an auto-reply produces no mail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../atbalsts-store/tests/common/mod.rs"]
mod common;

use atbalsts_channels::{Channels, MailConfig};
use atbalsts_domain::{Actor, Level};
use atbalsts_store::groups::GroupConfig;
use atbalsts_store::jobs::{Handlers, Worker, WorkerConfig};
use atbalsts_store::mail::inbound::InboundStatus;
use atbalsts_store::tickets::ChangeRequest;
use common::{agent, backends, eventually, seed};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

struct Sink(Child);
impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn start_sink(dir: &Path) -> (Sink, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../atbalsts-mail/tests/support/smtp_sink.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(port.to_string())
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let sink = Sink(child);
    let mut line = String::new();
    BufReader::new(out).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "READY");
    (sink, port)
}

/// Send with Python's smtplib; returns the recipients the server refused.
fn smtp_send(port: u16, to: &[&str], message: &str) -> String {
    let script = r#"
import smtplib, sys
port, to, msg = int(sys.argv[1]), sys.argv[2].split(","), sys.stdin.buffer.read()
with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
    try:
        refused = s.sendmail("anna@example.lv", to, msg)
    except smtplib.SMTPRecipientsRefused as e:
        refused = e.recipients
    print(sorted(refused))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script, &port.to_string(), &to.join(",")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(message.replace('\n', "\r\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sent(dir: &Path) -> Vec<atbalsts_mail::ParsedMail> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort_by_key(|p| {
        p.file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.parse::<u32>().ok())
    });
    files
        .iter()
        .map(|p| atbalsts_mail::parse(&std::fs::read(p).unwrap()).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_citizens_mail_becomes_a_ticket_and_the_conversation_threads() {
    if !python_has("aiosmtpd") {
        eprintln!("NOTICE: the mail loop is skipped: python3 with aiosmtpd is not available");
        return;
    }
    for db in backends().await {
        let (b, store) = (db.backend, db.store.clone());
        seed(&store).await;
        let mut group = GroupConfig::new("PMLP-L1", "PMLP", "PMLP palīdzība", Level::Specialist);
        group.email_addresses = vec!["palidziba@pmlp.example.lv".into()];
        store.save_group(&group).await.unwrap();

        let outdir = tempfile::tempdir().unwrap();
        let (_sink, relay_port) = start_sink(outdir.path());
        let channels = Channels::new(
            store.clone(),
            MailConfig {
                relay: Some(format!("smtp://127.0.0.1:{relay_port}").parse().unwrap()),
                mail_from: "atbalsts@pmlp.example.lv".into(),
                public_url: "https://atbalsts.example.lv".into(),
                ..MailConfig::default()
            },
        )
        .unwrap();
        let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = socket.local_addr().unwrap().port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(atbalsts_mail::serve(
            socket,
            atbalsts_mail::ServerConfig::default(),
            Arc::new(channels.clone()),
            async move {
                let _ = stopped.await;
            },
        ));
        let worker = Worker::spawn(
            store.clone(),
            channels.register(Handlers::new()),
            WorkerConfig {
                poll_interval: Duration::from_millis(50),
                ..WorkerConfig::default()
            },
        );
        let dispatcher = channels.spawn_dispatcher(Duration::from_millis(50));

        // 1. The citizen writes; an unknown recipient is refused at RCPT.
        let refused = smtp_send(
            port,
            &["palidziba@pmlp.example.lv", "nobody@pmlp.example.lv"],
            "From: Anna Bērziņa <anna@example.lv>\nTo: palidziba@pmlp.example.lv\n\
             Subject: =?utf-8?q?Dz=C4=ABvesvietas_deklar=C4=93=C5=A1ana?=\n\
             Message-ID: <first@example.lv>\nMIME-Version: 1.0\n\
             Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n\
             Labdien! Kā deklarēt dzīvesvietu?\n",
        );
        assert!(refused.contains("nobody@pmlp.example.lv"), "{b}: {refused}");
        let mut ticket_id = 0;
        eventually("the ticket", || {
            let store = store.clone();
            async move {
                let page = store
                    .list_inbound(&atbalsts_domain::admin::MailScope::All, None, None, 10)
                    .await
                    .unwrap();
                page.items
                    .first()
                    .is_some_and(|m| m.status == InboundStatus::TicketCreated)
            }
        })
        .await;
        let page = store
            .list_inbound(&atbalsts_domain::admin::MailScope::All, None, None, 10)
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1, "{b}: one accepted, one stored");
        ticket_id = page.items[0].ticket_id.unwrap_or(ticket_id);
        let ticket = store.ticket(&agent(), ticket_id).await.unwrap();
        assert_eq!(ticket.subject, "Dzīvesvietas deklarēšana", "{b}");
        assert_eq!(ticket.channel.as_str(), "email");
        assert_eq!(ticket.group.as_deref(), Some("PMLP-L1"));
        assert_eq!(ticket.language, "lv");

        // 2. The acknowledgement arrives, threaded on the citizen's message.
        let dir = outdir.path().to_path_buf();
        eventually("the acknowledgement", || {
            let dir = dir.clone();
            async move { !sent(&dir).is_empty() }
        })
        .await;
        let ack = &sent(outdir.path())[0];
        assert!(
            ack.subject.contains(&format!("[#{}]", ticket.number)),
            "{b}: {}",
            ack.subject
        );
        assert_eq!(ack.in_reply_to, ["first@example.lv"], "{b}");
        assert_eq!(ack.header("Auto-Submitted"), Some("auto-replied"));
        assert_eq!(
            ack.reply_to.as_ref().map(|m| m.address.as_str()),
            Some("palidziba@pmlp.example.lv")
        );
        assert!(
            ack.text.contains("https://atbalsts.example.lv/t/"),
            "{}",
            ack.text
        );
        let ack_id = ack.message_id.clone().unwrap();

        // 3. The specialist answers: the mail follows in the thread.
        store
            .change_ticket(
                &agent(),
                ticket_id,
                ChangeRequest::Reply {
                    body: "Deklarēt var portālā latvija.gov.lv.".into(),
                    await_requester: true,
                },
            )
            .await
            .unwrap();
        eventually("the reply", || {
            let dir = dir.clone();
            async move { sent(&dir).len() >= 2 }
        })
        .await;
        let reply = &sent(outdir.path())[1];
        assert!(reply.text.contains("latvija.gov.lv"), "{b}: {}", reply.text);
        assert!(
            reply.references.contains(&"first@example.lv".to_string()),
            "{b}"
        );
        assert!(reply.references.contains(&ack_id), "{b}");
        assert_eq!(reply.header("Auto-Submitted"), Some("auto-generated"));
        let reply_id = reply.message_id.clone().unwrap();

        // 4. The citizen answers it: threaded into the same ticket.
        smtp_send(
            port,
            &["palidziba@pmlp.example.lv"],
            &format!(
                "From: anna@example.lv\nTo: palidziba@pmlp.example.lv\nSubject: Re: {}\n\
                 In-Reply-To: <{reply_id}>\nReferences: <first@example.lv> <{reply_id}>\n\
                 Message-ID: <second@example.lv>\n\nPaldies, izdevās.\n",
                ticket.number
            ),
        );
        // 5. An out-of-office answer to the acknowledgement: ignored, no mail.
        smtp_send(
            port,
            &["palidziba@pmlp.example.lv"],
            &format!(
                "From: anna@example.lv\nTo: palidziba@pmlp.example.lv\nSubject: Prombūtnē\n\
                 Auto-Submitted: auto-replied\nIn-Reply-To: <{ack_id}>\n\
                 Message-ID: <ooo@example.lv>\n\nEsmu atvaļinājumā.\n"
            ),
        );
        eventually("both taken in", || {
            let store = store.clone();
            async move {
                let page = store
                    .list_inbound(&atbalsts_domain::admin::MailScope::All, None, None, 10)
                    .await
                    .unwrap();
                page.items
                    .iter()
                    .all(|m| m.status != InboundStatus::Received)
                    && page.items.len() == 3
            }
        })
        .await;
        let page = store
            .list_inbound(&atbalsts_domain::admin::MailScope::All, None, None, 10)
            .await
            .unwrap();
        let statuses: Vec<_> = page.items.iter().map(|m| m.status).collect();
        assert_eq!(
            statuses,
            [
                InboundStatus::AutoIgnored,
                InboundStatus::Threaded,
                InboundStatus::TicketCreated
            ],
            "{b}"
        );
        assert_eq!(page.items[1].ticket_id, Some(ticket_id));
        let messages = store.messages(&agent(), ticket_id).await.unwrap();
        assert!(
            messages.iter().any(|m| m.body.contains("Paldies, izdevās")),
            "{b}"
        );
        // The citizen's answer tells the assignee (none here) and nobody else: no mail to the citizen.
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(
            sent(outdir.path()).len(),
            2,
            "{b}: no mail answers an auto-reply or the citizen's own answer"
        );
        let _ = Actor::Anonymous;

        dispatcher.stop().await;
        worker.stop().await;
        let _ = stop.send(());
        let _ = server.await;
        db.finish().await;
    }
}
