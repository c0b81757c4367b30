//! A mailbox configured as data, polled from a real IMAP server (Dovecot, started
//! by `scripts/dovecot-test-server`): its mail becomes tickets of the mailbox's
//! group, a message fetched twice is taken in once, on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../atbalsts-store/tests/common/mod.rs"]
mod common;

use atbalsts_channels::{Channels, MailConfig};
use atbalsts_domain::Level;
use atbalsts_store::groups::GroupConfig;
use atbalsts_store::jobs::{Handlers, Worker, WorkerConfig};
use atbalsts_store::mail::inbound::InboundStatus;
use atbalsts_store::mail::mailboxes::NewMailbox;
use common::{backends, eventually, seed};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

struct Dovecot {
    dir: tempfile::TempDir,
    port: u16,
    password: String,
}

impl Dovecot {
    fn start() -> Option<Dovecot> {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/dovecot-test-server");
        let out = Command::new("bash")
            .arg(script)
            .arg(dir.path())
            .arg(port.to_string())
            .output()
            .unwrap();
        if out.status.code() == Some(127) {
            eprintln!(
                "NOTICE: IMAP intake skipped: dovecot is not installed (apt-get install dovecot-imapd)"
            );
            return None;
        }
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let password = std::fs::read_to_string(dir.path().join("password")).unwrap();
        Some(Dovecot {
            dir,
            port,
            password: password.trim().to_string(),
        })
    }

    /// Put a message in the INBOX as a delivery agent would (Python's imaplib).
    fn append(&self, message: &str) {
        let script = r#"
import imaplib, sys, time
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login("desk@example.lv", sys.argv[2])
m.append("INBOX", None, imaplib.Time2Internaldate(time.time()), sys.stdin.buffer.read())
m.logout()
"#;
        let mut child = Command::new("python3")
            .args(["-c", script, &self.port.to_string(), &self.password])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(message.replace('\n', "\r\n").as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success());
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let pid = std::fs::read_to_string(self.dir.path().join("dovecot.pid"))
            .ok()
            .and_then(|p| p.trim().parse::<u32>().ok())
            .filter(|&p| p > 1);
        if let Some(pid) = pid {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            for _ in 0..50 {
                if !Path::new(&format!("/proc/{pid}")).exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_in_a_polled_mailbox_becomes_a_ticket_of_its_group_once() {
    let Some(dovecot) = Dovecot::start() else {
        return;
    };
    for db in backends().await {
        let (b, store) = (db.backend, db.store.clone());
        seed(&store).await;
        let group = GroupConfig::new("PMLP-L1", "PMLP", "PMLP palīdzība", Level::Specialist);
        store.save_group(&group).await.unwrap();
        store
            .add_mailbox(&NewMailbox {
                group: "PMLP-L1".into(),
                host: "127.0.0.1".into(),
                port: dovecot.port,
                tls: "none".into(),
                username: "desk@example.lv".into(),
                secret: dovecot.password.clone(),
                folder: "INBOX".into(),
            })
            .await
            .unwrap();
        let id = format!("imap-{b}@example.lv");
        dovecot.append(&format!(
            "From: Jānis <janis@example.lv>\nTo: pmlp@example.lv\nSubject: Pase\nMessage-ID: <{id}>\n\n\
             Kad būs gatava mana pase?\n"
        ));
        let channels = Channels::new(store.clone(), MailConfig::default()).unwrap();
        assert_eq!(channels.poll_mailboxes_once().await, 1, "{b}");
        assert_eq!(channels.poll_mailboxes_once().await, 0, "{b}: marked seen");
        // The same message again (a crash between storing and marking it seen).
        dovecot.append(&format!(
            "From: janis@example.lv\nTo: pmlp@example.lv\nSubject: Pase\nMessage-ID: <{id}>\n\nKad?\n"
        ));
        assert_eq!(channels.poll_mailboxes_once().await, 1, "{b}");
        let worker = Worker::spawn(
            store.clone(),
            channels.register(Handlers::new()),
            WorkerConfig {
                poll_interval: Duration::from_millis(50),
                ..WorkerConfig::default()
            },
        );
        eventually("both taken in", || {
            let store = store.clone();
            async move {
                let page = store
                    .list_inbound(&atbalsts_domain::admin::MailScope::All, None, None, 10)
                    .await
                    .unwrap();
                page.items.len() == 2
                    && page
                        .items
                        .iter()
                        .all(|m| m.status != InboundStatus::Received)
            }
        })
        .await;
        worker.stop().await;
        let page = store
            .list_inbound(&atbalsts_domain::admin::MailScope::All, None, None, 10)
            .await
            .unwrap();
        // Either copy may win when both are taken in at once; exactly one makes the ticket.
        let created: Vec<_> = page
            .items
            .iter()
            .filter(|m| m.status == InboundStatus::TicketCreated)
            .collect();
        let duplicates: Vec<_> = page
            .items
            .iter()
            .filter(|m| {
                m.status == InboundStatus::AutoIgnored && m.reason.as_deref() == Some("duplicate")
            })
            .collect();
        assert_eq!(
            (created.len(), duplicates.len()),
            (1, 1),
            "{b}: {:?}",
            page.items
        );
        assert!(page.items.iter().all(|m| m.source == "imap"));
        assert_eq!(
            created[0].group.as_deref(),
            Some("PMLP-L1"),
            "{b}: the mailbox's group"
        );
        let boxes = store.mailboxes(None).await.unwrap();
        assert_eq!(boxes[0].last_error, None, "{b}");
        db.finish().await;
    }
}
