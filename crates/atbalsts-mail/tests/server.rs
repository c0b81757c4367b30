//! The SMTP listener over real connections: raw TCP from Rust, and Python's smtplib.

mod support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use atbalsts_mail::{DeliverError, Envelope, Intake, RecipientCheck, ServerConfig, serve};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[derive(Default)]
struct Memory {
    delivered: Mutex<Vec<(Envelope, Vec<u8>)>>,
}

impl Memory {
    fn delivered(&self) -> Vec<(Envelope, Vec<u8>)> {
        self.delivered.lock().map(|d| d.clone()).unwrap_or_default()
    }
}

impl Intake for Memory {
    async fn check_recipient(&self, rcpt: &str) -> RecipientCheck {
        match rcpt {
            r if r.ends_with("@desk.example.lv") && !r.starts_with("nobody") => {
                RecipientCheck::Accept
            }
            r if r.starts_with("later@") => RecipientCheck::TryLater,
            _ => RecipientCheck::Unknown,
        }
    }

    async fn check_sender(
        &self,
        mail_from: Option<&str>,
        _peer: SocketAddr,
    ) -> Result<(), DeliverError> {
        match mail_from {
            Some("flood@example.lv") => Err(DeliverError::TryLater("too many messages".into())),
            _ => Ok(()),
        }
    }

    async fn deliver(&self, envelope: Envelope, raw: Vec<u8>) -> Result<String, DeliverError> {
        let mut delivered = self
            .delivered
            .lock()
            .map_err(|_| DeliverError::TryLater("poisoned".into()))?;
        delivered.push((envelope, raw));
        Ok(format!("M{}", delivered.len()))
    }
}

struct Server {
    addr: SocketAddr,
    intake: Arc<Memory>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(cfg: ServerConfig) -> std::io::Result<Server> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let intake = Arc::new(Memory::default());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, cfg, intake.clone(), async {
            let _ = stopped.await;
        }));
        Ok(Server {
            addr,
            intake,
            stop: Some(stop),
            task,
        })
    }

    async fn stop(mut self) -> TestResult {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(10), &mut self.task).await???;
        Ok(())
    }
}

fn config() -> ServerConfig {
    ServerConfig {
        hostname: "mx.desk.example.lv".into(),
        max_message_bytes: 10_000,
        max_recipients: 5,
        command_timeout: Duration::from_secs(10),
        data_timeout: Duration::from_secs(10),
        max_connections: 10,
    }
}

struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    async fn connect(addr: SocketAddr) -> std::io::Result<(Client, String)> {
        let (r, w) = TcpStream::connect(addr).await?.into_split();
        let mut client = Client {
            reader: BufReader::new(r),
            writer: w,
        };
        let greeting = client.reply().await?;
        Ok((client, greeting))
    }

    async fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.writer.write_all(bytes).await
    }

    /// One whole reply (all its lines), or "" when the server closed the connection.
    async fn reply(&mut self) -> std::io::Result<String> {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(Duration::from_secs(10), self.reader.read_line(&mut line))
                .await
                .map_err(|_| std::io::Error::other("no reply"))??;
            if n == 0 {
                return Ok(all);
            }
            all.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(all);
            }
        }
    }

    async fn command(&mut self, line: &str) -> std::io::Result<String> {
        self.send(format!("{line}\r\n").as_bytes()).await?;
        self.reply().await
    }
}

#[tokio::test]
async fn a_conversation_with_unknown_recipient_and_dot_unstuffing() -> TestResult {
    let server = Server::start(config()).await?;
    let (mut c, greeting) = Client::connect(server.addr).await?;
    assert!(greeting.starts_with("220 mx.desk.example.lv"), "{greeting}");
    let ehlo = c.command("EHLO client.example.lv").await?;
    for ext in [
        "250-SIZE 10000",
        "8BITMIME",
        "PIPELINING",
        "ENHANCEDSTATUSCODES",
    ] {
        assert!(ehlo.contains(ext), "{ext} missing in {ehlo}");
    }
    assert!(
        c.command("MAIL FROM:<janis@example.lv>")
            .await?
            .starts_with("250 2.1.0")
    );
    assert!(
        c.command("RCPT TO:<nobody@desk.example.lv>")
            .await?
            .starts_with("550 5.1.1")
    );
    assert!(
        c.command("RCPT TO:<later@example.lv>")
            .await?
            .starts_with("451")
    );
    assert!(
        c.command("RCPT TO:<atbalsts@desk.example.lv>")
            .await?
            .starts_with("250 2.1.5")
    );
    assert!(c.command("DATA").await?.starts_with("354"));
    c.send(b"Subject: dots\r\n\r\n..\r\n...two\r\nend\r\n.\r\n")
        .await?;
    let queued = c.reply().await?;
    assert!(queued.starts_with("250 2.0.0 Ok: queued as M1"), "{queued}");
    assert!(c.command("VRFY x").await?.starts_with("252"));
    assert!(c.command("QUIT").await?.starts_with("221"));

    let delivered = server.intake.delivered();
    assert_eq!(delivered.len(), 1);
    let (envelope, raw) = &delivered[0];
    assert_eq!(raw, b"Subject: dots\r\n\r\n.\r\n..two\r\nend\r\n");
    assert_eq!(envelope.mail_from.as_deref(), Some("janis@example.lv"));
    assert_eq!(envelope.rcpt_to, ["atbalsts@desk.example.lv"]);
    assert_eq!(envelope.helo, "client.example.lv");
    server.stop().await
}

#[tokio::test]
async fn pipelined_commands_are_answered_in_order() -> TestResult {
    let server = Server::start(config()).await?;
    let (mut c, _) = Client::connect(server.addr).await?;
    c.command("EHLO pipe.example.lv").await?;
    c.send(b"MAIL FROM:<>\r\nRCPT TO:<a@desk.example.lv>\r\nRCPT TO:<x@elsewhere.lv>\r\nRCPT TO:<b@desk.example.lv>\r\nDATA\r\n")
        .await?;
    let codes: Vec<String> = {
        let mut v = Vec::new();
        for _ in 0..5 {
            v.push(c.reply().await?.chars().take(3).collect());
        }
        v
    };
    assert_eq!(codes, ["250", "250", "550", "250", "354"]);
    // The message and the next transaction in one write, too.
    c.send(b"Subject: p\r\n\r\nbody\r\n.\r\nRSET\r\nQUIT\r\n")
        .await?;
    assert!(c.reply().await?.starts_with("250 2.0.0 Ok: queued"));
    assert!(c.reply().await?.starts_with("250"));
    assert!(c.reply().await?.starts_with("221"));
    let delivered = server.intake.delivered();
    assert_eq!(delivered[0].0.mail_from, None, "the null sender");
    assert_eq!(
        delivered[0].0.rcpt_to,
        ["a@desk.example.lv", "b@desk.example.lv"]
    );
    server.stop().await
}

#[tokio::test]
async fn oversize_is_refused_and_long_lines_are_tolerated() -> TestResult {
    let server = Server::start(config()).await?;
    let (mut c, _) = Client::connect(server.addr).await?;
    c.command("EHLO c").await?;
    assert!(
        c.command("MAIL FROM:<a@example.lv> SIZE=10001")
            .await?
            .starts_with("552 5.3.4")
    );
    assert!(
        c.command("MAIL FROM:<a@example.lv> SIZE=5000")
            .await?
            .starts_with("250")
    );
    c.command("RCPT TO:<atbalsts@desk.example.lv>").await?;
    c.command("DATA").await?;
    // Bigger than declared and than the limit, with one line of 20 000 bytes.
    c.send(
        format!(
            "Subject: big\r\n\r\n{}\r\nmore\r\n.\r\n",
            "x".repeat(20_000)
        )
        .as_bytes(),
    )
    .await?;
    assert!(c.reply().await?.starts_with("552 5.3.4"));
    assert!(server.intake.delivered().is_empty());

    // A 3 000-byte line within the limit is kept whole.
    c.command("MAIL FROM:<a@example.lv>").await?;
    c.command("RCPT TO:<atbalsts@desk.example.lv>").await?;
    c.command("DATA").await?;
    c.send(format!("Subject: long\r\n\r\n{}\r\n.\r\n", "y".repeat(3000)).as_bytes())
        .await?;
    assert!(c.reply().await?.starts_with("250"));
    assert!(
        server.intake.delivered()[0]
            .1
            .windows(3000)
            .any(|w| w.iter().all(|&b| b == b'y'))
    );
    server.stop().await
}

#[tokio::test]
async fn garbage_gets_errors_then_421() -> TestResult {
    let server = Server::start(config()).await?;
    let (mut c, _) = Client::connect(server.addr).await?;
    assert!(c.command("HELLO?").await?.starts_with("500"));
    assert!(
        c.command("MAIL FROM:<a@example.lv>")
            .await?
            .starts_with("503")
    );
    c.command("EHLO c").await?;
    assert!(
        c.command("MAIL TO:<a@example.lv>")
            .await?
            .starts_with("501")
    );
    assert!(
        c.command(&"Z".repeat(10_000))
            .await?
            .starts_with("500 5.5.2 Line too long")
    );
    assert!(
        c.command("MAIL FROM:<flood@example.lv>")
            .await?
            .starts_with("450 4.7.1")
    );
    assert!(
        c.command("NOOP").await?.starts_with("250"),
        "still connected"
    );
    let mut last = String::new();
    for _ in 0..10 {
        last = c.command("\u{1}\u{2}junk").await?;
        if last.starts_with("421") {
            break;
        }
    }
    assert!(last.starts_with("421"), "{last}");
    assert_eq!(c.reply().await?, "", "closed after 421");
    server.stop().await
}

#[tokio::test]
async fn timeouts_connection_limit_and_shutdown() -> TestResult {
    let cfg = ServerConfig {
        command_timeout: Duration::from_millis(300),
        max_connections: 1,
        ..config()
    };
    let server = Server::start(cfg).await?;
    let (mut first, greeting) = Client::connect(server.addr).await?;
    assert!(greeting.starts_with("220"));
    let (_, busy) = Client::connect(server.addr).await?;
    assert!(busy.starts_with("421 "), "{busy}");
    assert!(
        first
            .reply()
            .await?
            .starts_with("421 mx.desk.example.lv 4.4.2"),
        "idle client timed out"
    );

    let (mut idle, _) = Client::connect(server.addr).await?;
    idle.command("EHLO c").await?;
    let server_addr = server.addr;
    server.stop().await?;
    assert!(
        TcpStream::connect(server_addr).await.is_err(),
        "no longer listening"
    );
    Ok(())
}

const SMTPLIB_CLIENT: &str = r#"
import smtplib, sys
from email.message import EmailMessage
port = int(sys.argv[1])
msg = EmailMessage()
msg["From"] = "Jānis Bērziņš <janis@example.lv>"
msg["To"] = "atbalsts@desk.example.lv"
msg["Subject"] = "Pārbaude: ā č ē ģ ī ķ ļ ņ š ū ž"
msg.set_content("Labdien!\n.\n..divi punkti\nAr cieņu")
with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
    s.ehlo("python.example.lv")
    assert s.has_extn("size") and s.has_extn("pipelining") and s.has_extn("8bitmime"), s.esmtp_features
    assert int(s.esmtp_features["size"]) == 10000
    refused = s.send_message(msg, to_addrs=["atbalsts@desk.example.lv", "nobody@desk.example.lv"])
    assert list(refused) == ["nobody@desk.example.lv"] and refused["nobody@desk.example.lv"][0] == 550, refused
    try:
        s.sendmail("a@example.lv", ["nobody@desk.example.lv"], "Subject: x\r\n\r\ny\r\n")
        raise SystemExit("unknown recipient accepted")
    except smtplib.SMTPRecipientsRefused as e:
        assert e.recipients["nobody@desk.example.lv"][0] == 550
    try:
        s.sendmail("a@example.lv", ["atbalsts@desk.example.lv"], "x" * 20000)
        raise SystemExit("oversize accepted")
    except smtplib.SMTPSenderRefused as e:
        assert e.smtp_code == 552, e
print("OK")
"#;

#[tokio::test]
async fn python_smtplib_client() -> TestResult {
    if !support::python_has("smtplib", "python_smtplib_client") {
        return Ok(());
    }
    let server = Server::start(config()).await?;
    let port = server.addr.port().to_string();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .args(["-c", SMTPLIB_CLIENT, &port])
            .output()
    })
    .await??;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && out.stdout.starts_with(b"OK"),
        "smtplib failed: {stderr}"
    );
    let delivered = server.intake.delivered();
    assert_eq!(delivered.len(), 1, "the oversize message is not delivered");
    let (envelope, raw) = &delivered[0];
    assert_eq!(envelope.rcpt_to, ["atbalsts@desk.example.lv"]);
    assert_eq!(envelope.helo, "python.example.lv");
    let mail = atbalsts_mail::parse(raw)?;
    // Short enough that Python does not fold it: its folding puts the space between two
    // encoded words, where RFC 2047 says it is no part of the text.
    assert_eq!(mail.subject, "Pārbaude: ā č ē ģ ī ķ ļ ņ š ū ž");
    assert_eq!(
        mail.from.and_then(|f| f.name).as_deref(),
        Some("Jānis Bērziņš")
    );
    assert!(
        mail.text.contains("Labdien!\n.\n..divi punkti\nAr cieņu"),
        "{}",
        mail.text
    );
    server.stop().await
}
