//! IMAP polling against a real Dovecot started by each test on 127.0.0.1 through
//! `scripts/dovecot-test-server`; skipped with a notice where Dovecot is not installed
//! (CI installs dovecot-imapd).

#![allow(clippy::unwrap_used)]

mod support;

use std::future::{Ready, ready};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use atbalsts_mail::{ImapError, ImapTls, MailboxConfig, parse, poll_mailbox};
use tokio::net::{TcpListener, TcpStream};

const USER: &str = "desk@example.lv";
/// "Ūdens skaitītāja rādījums — Rīga", as an RFC 2047 encoded word.
const LATVIAN_SUBJECT: &str =
    "=?UTF-8?B?xapkZW5zIHNrYWl0xKt0xIFqYSByxIFkxKtqdW1zIOKAlCBSxKtnYQ==?=";
const SUBJECTS: [&str; 3] = [
    "Pieteikums par pasi",
    "Ūdens skaitītāja rādījums — Rīga",
    "Trešais ziņojums",
];

/// A Dovecot instance in its own temporary directory, stopped when dropped (also when
/// a test panics) by the pid its start script left, and only that pid.
struct Dovecot {
    dir: tempfile::TempDir,
    port: u16,
    password: String,
}

impl Dovecot {
    /// `None`, with a notice, where Dovecot is not installed.
    fn start(test: &str) -> Option<Dovecot> {
        Self::start_with(test, None)
    }

    /// With `certs`, the server offers STARTTLS with their server certificate.
    fn start_with(test: &str, certs: Option<&support::TestCertificates>) -> Option<Dovecot> {
        let dir = tempfile::tempdir().unwrap();
        let port = support::free_port().unwrap();
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/dovecot-test-server");
        let mut command = Command::new("bash");
        command.arg(script).arg(dir.path()).arg(port.to_string());
        if let Some(c) = certs {
            command.arg(c.cert()).arg(c.key());
        }
        let out = command.output().unwrap();
        // The script's "not installed" status, as a shell's for a missing command.
        if out.status.code() == Some(127) {
            eprintln!(
                "NOTICE: {test} skipped: dovecot is not installed (apt-get install dovecot-imapd)"
            );
            return None;
        }
        let password = std::fs::read_to_string(dir.path().join("password")).unwrap_or_default();
        let server = Dovecot {
            dir,
            port,
            password: password.trim().to_string(),
        };
        assert!(
            out.status.success(),
            "dovecot-test-server failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(server)
    }

    fn config(&self) -> MailboxConfig {
        MailboxConfig {
            host: "127.0.0.1".to_string(),
            port: self.port,
            tls: ImapTls::None,
            user: USER.to_string(),
            secret: self.password.clone(),
            folder: "INBOX".to_string(),
            timeout: Duration::from_secs(10),
            ca_pem: None,
        }
    }

    fn pid_file(&self) -> PathBuf {
        self.dir.path().join("dovecot.pid")
    }

    /// Logs in as the desk's mailbox with a client of our own, apart from the code tested.
    async fn session(&self) -> async_imap::Session<TcpStream> {
        let tcp = TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
        let mut client = async_imap::Client::new(tcp);
        client.read_response().await.unwrap().unwrap();
        client
            .login(USER, &self.password)
            .await
            .map_err(|(e, _)| e)
            .unwrap()
    }

    /// Delivers by APPEND, as a mail server's delivery agent would put mail there.
    async fn append(&self, messages: &[Vec<u8>]) {
        let mut session = self.session().await;
        for m in messages {
            session.append("INBOX", None, None, m).await.unwrap();
        }
        session.logout().await.unwrap();
    }

    async fn search(&self, query: &str) -> Vec<u32> {
        let mut session = self.session().await;
        session.select("INBOX").await.unwrap();
        let mut uids: Vec<u32> = session
            .uid_search(query)
            .await
            .unwrap()
            .into_iter()
            .collect();
        uids.sort_unstable();
        session.logout().await.unwrap();
        uids
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let Some(pid) = std::fs::read_to_string(self.pid_file())
            .ok()
            .and_then(|p| p.trim().parse::<u32>().ok())
            // kill treats 0 and negative numbers as process groups: never those.
            .filter(|&p| p > 1)
        else {
            return;
        };
        let _ = Command::new("kill").arg(pid.to_string()).status();
        // Wait for it, so the temporary directory goes after the server has let go of it.
        let deadline = Instant::now() + Duration::from_secs(5);
        let stat = format!("/proc/{pid}/stat");
        while Instant::now() < deadline {
            match std::fs::read_to_string(&stat) {
                Ok(s) if !s.contains(") Z ") => std::thread::sleep(Duration::from_millis(20)),
                _ => break,
            }
        }
    }
}

fn message(n: usize, subject: &str) -> Vec<u8> {
    format!(
        "From: =?UTF-8?Q?Anna_B=C4=93rzi=C5=86a?= <anna@example.lv>\r\n\
         To: {USER}\r\n\
         Subject: {subject}\r\n\
         Message-ID: <{n}.imap-test@example.lv>\r\n\
         Date: Mon, 2 Mar 2026 10:0{n}:00 +0200\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\
         \r\n\
         Labdien! Šis ir ziņojums nr. {n}.\r\n"
    )
    .into_bytes()
}

fn three_messages() -> Vec<Vec<u8>> {
    vec![
        message(1, SUBJECTS[0]),
        message(2, LATVIAN_SUBJECT),
        message(3, SUBJECTS[2]),
    ]
}

fn subject(raw: &[u8]) -> String {
    parse(raw).unwrap().subject
}

/// A `take` that keeps what it is given.
fn keep(into: &mut Vec<Vec<u8>>) -> impl FnMut(Vec<u8>) -> Ready<Result<(), String>> + '_ {
    |raw| {
        into.push(raw);
        ready(Ok(()))
    }
}

#[tokio::test]
async fn takes_unseen_messages_oldest_first_and_marks_them_seen() {
    let Some(server) = Dovecot::start("takes_unseen_messages_oldest_first_and_marks_them_seen")
    else {
        return;
    };
    server.append(&three_messages()).await;
    assert_eq!(server.search("SEEN").await, Vec::<u32>::new());

    let mut got = Vec::new();
    let n = poll_mailbox(&server.config(), 10, keep(&mut got))
        .await
        .unwrap();
    assert_eq!(n, 3);
    let subjects: Vec<String> = got.iter().map(|raw| subject(raw)).collect();
    assert_eq!(subjects, SUBJECTS);
    assert!(
        got[1].starts_with(b"From: "),
        "the raw message as appended, not a part of it"
    );
    assert_eq!(server.search("SEEN").await, vec![1, 2, 3]);

    let mut again = Vec::new();
    let n = poll_mailbox(&server.config(), 10, keep(&mut again))
        .await
        .unwrap();
    assert_eq!(n, 0);
    assert!(again.is_empty());
}

#[tokio::test]
async fn a_failed_take_leaves_that_message_and_later_ones_for_the_next_poll() {
    let Some(server) = Dovecot::start("a_failed_take_leaves_that_message_and_later_ones") else {
        return;
    };
    server.append(&three_messages()).await;

    let mut offered = Vec::new();
    let n = poll_mailbox(&server.config(), 10, |raw| {
        offered.push(subject(&raw));
        ready(if offered.len() == 2 {
            Err("the store is unavailable")
        } else {
            Ok(())
        })
    })
    .await
    .unwrap();
    assert_eq!(n, 1);
    assert_eq!(offered, SUBJECTS[..2]);
    assert_eq!(server.search("UNSEEN").await, vec![2, 3]);

    let mut got = Vec::new();
    let n = poll_mailbox(&server.config(), 10, keep(&mut got))
        .await
        .unwrap();
    assert_eq!(n, 2);
    let subjects: Vec<String> = got.iter().map(|raw| subject(raw)).collect();
    assert_eq!(subjects, SUBJECTS[1..]);
}

#[tokio::test]
async fn the_limit_caps_a_batch_and_the_rest_comes_next_time() {
    let Some(server) = Dovecot::start("the_limit_caps_a_batch") else {
        return;
    };
    server.append(&three_messages()).await;

    let mut got = Vec::new();
    assert_eq!(
        poll_mailbox(&server.config(), 2, keep(&mut got))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        poll_mailbox(&server.config(), 2, keep(&mut got))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        poll_mailbox(&server.config(), 0, keep(&mut got))
            .await
            .unwrap(),
        0
    );
    let subjects: Vec<String> = got.iter().map(|raw| subject(raw)).collect();
    assert_eq!(subjects, SUBJECTS);
}

#[tokio::test]
async fn a_wrong_password_is_not_temporary() {
    let Some(server) = Dovecot::start("a_wrong_password_is_not_temporary") else {
        return;
    };
    let cfg = MailboxConfig {
        secret: "not-the-password".to_string(),
        ..server.config()
    };
    let err = poll_mailbox(&cfg, 10, keep(&mut Vec::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, ImapError::Auth { .. }), "{err:?}");
    assert!(!err.is_temporary());
    assert!(!err.to_string().contains("not-the-password"), "{err}");
}

#[tokio::test]
async fn an_unknown_folder_is_not_temporary() {
    let Some(server) = Dovecot::start("an_unknown_folder_is_not_temporary") else {
        return;
    };
    let cfg = MailboxConfig {
        folder: "Pieteikumi".to_string(),
        ..server.config()
    };
    let err = poll_mailbox(&cfg, 10, keep(&mut Vec::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, ImapError::Folder { .. }), "{err:?}");
    assert!(!err.is_temporary());
    assert!(err.to_string().contains("Pieteikumi"), "{err}");
}

#[tokio::test]
async fn starttls_is_required_when_asked_for() {
    let Some(server) = Dovecot::start("starttls_is_required_when_asked_for") else {
        return;
    };
    // This server has no TLS: the secret must not go over plain text instead.
    let cfg = MailboxConfig {
        tls: ImapTls::StartTls,
        ..server.config()
    };
    let err = poll_mailbox(&cfg, 10, keep(&mut Vec::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, ImapError::StartTls(_)), "{err:?}");
    assert!(!err.is_temporary());
}

#[tokio::test]
async fn implicit_tls_to_a_plain_server_fails_the_handshake() {
    let Some(server) = Dovecot::start("implicit_tls_to_a_plain_server") else {
        return;
    };
    let cfg = MailboxConfig {
        tls: ImapTls::Implicit,
        host: "localhost".to_string(),
        ..server.config()
    };
    let err = poll_mailbox(&cfg, 10, keep(&mut Vec::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, ImapError::Tls(_)), "{err:?}");
    // A plain-text greeting where TLS was expected is a configuration mismatch.
    assert!(!err.is_temporary(), "{err:?}");
}

#[tokio::test]
async fn nothing_listening_is_temporary() {
    let port = support::free_port().unwrap();
    let cfg = MailboxConfig {
        host: "127.0.0.1".to_string(),
        port,
        tls: ImapTls::None,
        user: USER.to_string(),
        secret: "x".to_string(),
        folder: "INBOX".to_string(),
        timeout: Duration::from_secs(5),
        ca_pem: None,
    };
    let err = poll_mailbox(&cfg, 10, keep(&mut Vec::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, ImapError::Connect { .. }), "{err:?}");
    assert!(err.is_temporary());
}

#[tokio::test]
async fn a_silent_server_times_out_as_temporary() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts and then says nothing, like a server stuck under load.
    let silent = tokio::spawn(async move {
        let (_conn, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let cfg = MailboxConfig {
        host: "127.0.0.1".to_string(),
        port,
        tls: ImapTls::None,
        user: USER.to_string(),
        secret: "x".to_string(),
        folder: "INBOX".to_string(),
        timeout: Duration::from_millis(300),
        ca_pem: None,
    };
    let err = poll_mailbox(&cfg, 10, keep(&mut Vec::new()))
        .await
        .unwrap_err();
    silent.abort();
    assert!(matches!(err, ImapError::Timeout { .. }), "{err:?}");
    assert!(err.is_temporary());
}

#[test]
fn debug_does_not_show_the_secret() {
    let cfg = MailboxConfig {
        host: "imap.example.lv".to_string(),
        port: 993,
        tls: ImapTls::Implicit,
        user: USER.to_string(),
        secret: "s3cret-parole".to_string(),
        folder: "INBOX".to_string(),
        timeout: Duration::from_secs(30),
        ca_pem: None,
    };
    let shown = format!("{cfg:?}");
    assert!(!shown.contains("s3cret-parole"), "{shown}");
    assert!(shown.contains("imap.example.lv"), "{shown}");
}

#[test]
fn polling_can_run_on_a_spawned_task() {
    fn assert_send<T: Send>(_: &T) {}
    let cfg = MailboxConfig {
        host: "127.0.0.1".to_string(),
        port: 1,
        tls: ImapTls::StartTls,
        user: USER.to_string(),
        secret: "x".to_string(),
        folder: "INBOX".to_string(),
        timeout: Duration::from_secs(1),
        ca_pem: None,
    };
    assert_send(&poll_mailbox(&cfg, 1, |_raw| ready(Ok::<(), String>(()))));
}

/// STARTTLS to a server whose certificate an institution's own CA signed: taken once
/// that CA is trusted; refused (and not as a passing trouble) without it, so the
/// secret never goes to a server that could not prove who it is.
#[tokio::test]
async fn starttls_with_an_own_certificate_authority() {
    let test = "starttls_with_an_own_certificate_authority";
    let Some(certs) = support::test_certificates(test) else {
        return;
    };
    let Some(server) = Dovecot::start_with(test, Some(&certs)) else {
        return;
    };
    server.append(&three_messages()).await;
    let untrusted = MailboxConfig {
        tls: ImapTls::StartTls,
        ..server.config()
    };
    let err = poll_mailbox(&untrusted, 10, keep(&mut Vec::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, ImapError::Tls(_)), "{err:?}");
    assert!(!err.is_temporary(), "{err:?}");
    assert_eq!(server.search("SEEN").await, Vec::<u32>::new());

    let trusted = MailboxConfig {
        ca_pem: Some(certs.ca_pem()),
        ..untrusted.clone()
    };
    let mut got = Vec::new();
    let n = poll_mailbox(&trusted, 10, keep(&mut got)).await.unwrap();
    assert_eq!(n, 3);
    assert_eq!(server.search("SEEN").await, vec![1, 2, 3]);

    let junk = MailboxConfig {
        ca_pem: Some(b"not a certificate".to_vec()),
        ..untrusted
    };
    let err = poll_mailbox(&junk, 10, keep(&mut Vec::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, ImapError::Trust(_)), "{err:?}");
    assert!(!err.is_temporary());
}
