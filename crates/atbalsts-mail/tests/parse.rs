//! The fields of a parsed message, beyond what the corpus checks.

use atbalsts_mail::{Mailbox, ParseError, parse};

#[test]
fn addresses_ids_and_dates() -> Result<(), ParseError> {
    let raw = "Delivered-To: Atbalsts@Desk.Example.LV\r\n\
        X-Original-To: <info@desk.example.lv>\r\n\
        From: \"Bērziņš, Jānis\" <Janis@EXAMPLE.lv>\r\n\
        Reply-To: janis.privats@example.lv\r\n\
        To: atbalsts@desk.example.lv, Kolēģis <Kolegis@Example.lv>\r\n\
        Cc: =?UTF-8?Q?Vad=C4=ABba?= <vadiba@example.lv>\r\n\
        Subject:   =?UTF-8?Q?J=C4=81_?=  \r\n\
        Date: Tue, 14 May 2024 10:15:00 +0300\r\n\
        Message-ID:  <abc.1@example.lv> \r\n\
        In-Reply-To: <t-1@desk.example.lv>\r\n\
        References: <t-0@desk.example.lv>\r\n <t-1@desk.example.lv>\r\n\
        X-Loop: desk\r\n\
        \r\n\
        Teksts.   \r\n\r\n\r\n";
    let m = parse(raw.as_bytes())?;
    assert_eq!(
        m.from,
        Some(Mailbox {
            name: Some("Bērziņš, Jānis".into()),
            address: "Janis@example.lv".into()
        })
    );
    assert_eq!(
        m.reply_to.as_ref().map(|r| r.address.as_str()),
        Some("janis.privats@example.lv")
    );
    assert_eq!(m.to.len(), 2);
    assert_eq!(
        m.to[1],
        Mailbox {
            name: Some("Kolēģis".into()),
            address: "Kolegis@example.lv".into()
        }
    );
    assert_eq!(m.cc[0].name.as_deref(), Some("Vadība"));
    assert_eq!(
        m.delivered_to,
        ["Atbalsts@desk.example.lv", "info@desk.example.lv"]
    );
    assert_eq!(m.subject, "Jā");
    assert_eq!(m.date, Some(1_715_670_900));
    assert_eq!(m.message_id.as_deref(), Some("abc.1@example.lv"));
    assert_eq!(m.in_reply_to, ["t-1@desk.example.lv"]);
    assert_eq!(m.references, ["t-0@desk.example.lv", "t-1@desk.example.lv"]);
    assert_eq!(m.headers_x_loop, ["desk"]);
    assert_eq!(m.header("x-loop"), Some("desk"));
    assert_eq!(m.text, "Teksts.");
    assert_eq!(m.auto, None);
    assert_eq!(m.reports_on, None);
    Ok(())
}

#[test]
fn absent_fields_are_empty() -> Result<(), ParseError> {
    let m = parse(b"X-Nothing: here\r\n\r\n")?;
    assert_eq!(m.subject, "");
    assert_eq!(m.from, None);
    assert_eq!(m.message_id, None);
    assert_eq!(m.date, None);
    assert_eq!(m.text, "");
    assert!(m.attachments.is_empty());
    Ok(())
}

#[test]
fn refusals_say_why() {
    assert_eq!(parse(b"").map(|_| ()), Err(ParseError::Empty));
    assert_eq!(parse(b"\r\n\r\n").map(|_| ()), Err(ParseError::Empty));
    assert_eq!(
        parse(b"just words, no header\n").map(|_| ()),
        Err(ParseError::NoHeaders)
    );
    assert_eq!(ParseError::Empty.to_string(), "empty message");
    assert!(
        ParseError::NoHeaders
            .to_string()
            .contains("no header section")
    );
}

#[test]
fn mailbox_new_normalises() {
    let m = Mailbox::new(Some("  \"Anna\" "), " <Anna@Example.LV> ");
    assert_eq!(
        m,
        Mailbox {
            name: Some("Anna".into()),
            address: "Anna@example.lv".into()
        }
    );
    assert_eq!(Mailbox::new(Some("  "), "x@y").name, None);
}
