//! The SMTP state machine, without I/O.

use std::net::SocketAddr;

use super::session::{Reply, Session, Step};
use super::{DeliverError, RecipientCheck, ServerConfig};

fn session(max_bytes: usize) -> Session {
    Session::new(&ServerConfig {
        hostname: "mx.desk.example.lv".into(),
        max_message_bytes: max_bytes,
        max_recipients: 2,
        ..ServerConfig::default()
    })
}

fn peer() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 4000))
}

fn code(step: &Step) -> u16 {
    match step {
        Step::Reply(r) | Step::Close(r) | Step::StartData(r) => r.code,
        Step::CheckSender(_) | Step::CheckRecipient(_) => 0,
    }
}

/// EHLO, MAIL and RCPT answered as the intake would.
fn ready_for_data(s: &mut Session) {
    assert_eq!(code(&s.command(b"EHLO client.example.lv")), 250);
    assert_eq!(
        s.command(b"MAIL FROM:<a@example.lv>"),
        Step::CheckSender(Some("a@example.lv".into()))
    );
    assert_eq!(
        s.sender_checked(Some("a@example.lv".into()), Ok(())).code,
        250
    );
    assert_eq!(
        s.command(b"RCPT TO:<atbalsts@desk.example.lv>"),
        Step::CheckRecipient("atbalsts@desk.example.lv".into())
    );
    assert_eq!(
        s.recipient_checked("atbalsts@desk.example.lv".into(), RecipientCheck::Accept)
            .code,
        250
    );
}

#[test]
fn ehlo_announces_the_extensions() {
    let mut s = session(1000);
    assert_eq!(s.greeting().code, 220);
    let Step::Reply(reply) = s.command(b"ehlo client.example.lv") else {
        panic!("no reply")
    };
    let text = String::from_utf8_lossy(&reply.to_bytes()).into_owned();
    assert_eq!(
        text,
        "250-mx.desk.example.lv Hello client.example.lv\r\n250-8BITMIME\r\n250-SIZE 1000\r\n\
         250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n"
    );
    assert_eq!(code(&s.command(b"HELO x")), 250);
    assert_eq!(code(&s.command(b"EHLO")), 501);
}

#[test]
fn a_whole_transaction() {
    let mut s = session(1000);
    ready_for_data(&mut s);
    assert_eq!(code(&s.command(b"DATA")), 354);
    for line in [
        &b"Subject: x\r\n"[..],
        b"\r\n",
        b"..\r\n",
        b"..leading dot\n",
        b"no ending",
    ] {
        assert!(!s.data_line(line));
    }
    assert!(s.data_line(b".\r\n"));
    let Ok((envelope, raw)) = s.finish_data(peer()) else {
        panic!("refused")
    };
    assert_eq!(raw, b"Subject: x\r\n\r\n.\r\n.leading dot\r\nno ending\r\n");
    assert_eq!(envelope.mail_from.as_deref(), Some("a@example.lv"));
    assert_eq!(envelope.rcpt_to, ["atbalsts@desk.example.lv"]);
    assert_eq!(envelope.helo, "client.example.lv");
    assert_eq!(envelope.peer, peer());
    let reply = s.delivered(Ok("Q7".into()));
    assert_eq!(reply, Reply::new(250, "2.0.0 Ok: queued as Q7"));
    // The transaction is over: a new one needs MAIL again.
    assert_eq!(code(&s.command(b"RCPT TO:<b@example.lv>")), 503);
}

#[test]
fn null_sender_source_routes_and_loose_syntax() {
    let mut s = session(1000);
    s.command(b"HELO c");
    assert_eq!(s.command(b"MAIL FROM:<>"), Step::CheckSender(None));
    s.sender_checked(None, Ok(()));
    assert_eq!(
        s.command(b"RCPT TO: <@relay.example:Atbalsts@desk.example.lv>"),
        Step::CheckRecipient("Atbalsts@desk.example.lv".into())
    );
    assert_eq!(
        s.command(b"rcpt to:postmaster"),
        Step::CheckRecipient("postmaster".into())
    );
    assert_eq!(code(&s.command(b"RCPT TO:<nobody>")), 501);
    assert_eq!(code(&s.command(b"RCPT TO:<>")), 501);
    let mut s = session(1000);
    s.command(b"EHLO c");
    assert_eq!(
        s.command(b"MAIL FROM:a@example.lv BODY=8BITMIME SIZE=10"),
        Step::CheckSender(Some("a@example.lv".into()))
    );
}

#[test]
fn size_limits() {
    let mut s = session(100);
    s.command(b"EHLO c");
    assert_eq!(code(&s.command(b"MAIL FROM:<a@example.lv> SIZE=101")), 552);
    assert_eq!(code(&s.command(b"MAIL FROM:<a@example.lv> SIZE=many")), 501);
    let mut s = session(100);
    ready_for_data(&mut s);
    assert_eq!(code(&s.command(b"DATA")), 354);
    for _ in 0..10 {
        assert!(!s.data_line(b"0123456789012345678901234567890123456789\r\n"));
    }
    assert!(s.data_line(b".\r\n"));
    assert_eq!(s.finish_data(peer()).err().map(|r| r.code), Some(552));
    // The session goes on.
    assert_eq!(code(&s.command(b"MAIL FROM:<a@example.lv>")), 0);
}

#[test]
fn order_and_recipient_rules() {
    let mut s = session(1000);
    assert_eq!(code(&s.command(b"MAIL FROM:<a@example.lv>")), 503);
    s.command(b"EHLO c");
    assert_eq!(code(&s.command(b"RCPT TO:<a@example.lv>")), 503);
    assert_eq!(code(&s.command(b"DATA")), 503);
    s.command(b"MAIL FROM:<a@example.lv>");
    s.sender_checked(Some("a@example.lv".into()), Ok(()));
    assert_eq!(code(&s.command(b"MAIL FROM:<b@example.lv>")), 503);
    assert_eq!(code(&s.command(b"DATA")), 554, "no recipients yet");
    assert_eq!(
        s.recipient_checked("x@example.lv".into(), RecipientCheck::Unknown)
            .code,
        550
    );
    assert_eq!(
        s.recipient_checked("y@example.lv".into(), RecipientCheck::TryLater)
            .code,
        451
    );
    s.recipient_checked("a@desk.example.lv".into(), RecipientCheck::Accept);
    s.recipient_checked("b@desk.example.lv".into(), RecipientCheck::Accept);
    assert_eq!(
        code(&s.command(b"RCPT TO:<c@desk.example.lv>")),
        452,
        "max_recipients is 2"
    );
    assert_eq!(
        code(&s.command(b"RCPT TO:<c@desk.example.lv> NOTIFY=NEVER")),
        555
    );
    assert_eq!(code(&s.command(b"RSET")), 250);
    assert_eq!(code(&s.command(b"DATA")), 503);
}

#[test]
fn intake_refusals() {
    let mut s = session(1000);
    s.command(b"EHLO c");
    s.command(b"MAIL FROM:<a@example.lv>");
    let r = s.sender_checked(
        Some("a@example.lv".into()),
        Err(DeliverError::TryLater("slow down\r\nnow".into())),
    );
    assert_eq!(r, Reply::new(450, "4.7.1 slow down  now"));
    assert_eq!(
        s.sender_checked(None, Err(DeliverError::Refused("no".into())))
            .code,
        550
    );
    assert_eq!(
        s.delivered(Err(DeliverError::TryLater("disk".into()))).code,
        451
    );
    assert_eq!(
        s.delivered(Err(DeliverError::Refused("virus".into()))).code,
        554
    );
}

#[test]
fn simple_commands_and_garbage() {
    let mut s = session(1000);
    assert_eq!(code(&s.command(b"NOOP")), 250);
    assert_eq!(code(&s.command(b"VRFY someone")), 252);
    assert_eq!(code(&s.command(b"HELP")), 214);
    assert_eq!(code(&s.command(b"STARTTLS")), 502);
    assert!(matches!(
        s.command(b"QUIT"),
        Step::Close(Reply { code: 221, .. })
    ));
    let mut s = session(1000);
    for i in 1..10 {
        assert_eq!(code(&s.command(b"\xff\xfe garbage")), 500, "error {i}");
    }
    assert!(matches!(
        s.command(b"GARBAGE"),
        Step::Close(Reply { code: 421, .. })
    ));
    let mut s = session(1000);
    assert_eq!(code(&s.line_too_long()), 500);
}

#[test]
fn multiline_reply_format() {
    let r = Reply {
        code: 250,
        lines: vec!["a".into(), "b".into()],
    };
    assert_eq!(r.to_bytes(), b"250-a\r\n250 b\r\n");
}
