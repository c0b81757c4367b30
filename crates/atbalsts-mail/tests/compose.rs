//! Composed messages are what they should be, and survive a round trip through parse().

use atbalsts_mail::{
    Attachment, AutoReason, AutoSubmitted, ComposeError, Mailbox, Outgoing, compose,
    new_message_id, parse,
};

const LETTERS: &str = "ā č ē ģ ī ķ ļ ņ š ū ž Ā Č Ē Ģ Ī Ķ Ļ Ņ Š Ū Ž";

fn outgoing() -> Outgoing {
    Outgoing {
        from: Mailbox::new(
            Some("Atbalsts — Valsts pārvaldes dienesti"),
            "atbalsts@desk.example.lv",
        ),
        reply_to: Some(Mailbox::new(Some("Atbalsts"), "reply+t42@desk.example.lv")),
        to: Mailbox::new(Some("Jānis Bērziņš"), "janis@example.lv"),
        subject: format!("Re: [#42] Dzīvesvietas deklarēšana {LETTERS}"),
        text: format!("Labdien!\n\nJūsu jautājums ir saņemts. {LETTERS}\n\n.\nAr cieņu"),
        html: format!("<p>Labdien!</p><p>Jūsu jautājums ir saņemts. {LETTERS}</p>"),
        message_id: new_message_id("desk.example.lv"),
        in_reply_to: Some("abc.1@example.lv".into()),
        references: vec!["abc.0@example.lv".into(), "abc.1@example.lv".into()],
        auto_submitted: AutoSubmitted::Replied,
        loop_marker: Some("atbalsts@desk.example.lv".into()),
        attachments: vec![Attachment {
            filename: Some("Izziņa par ūdeni.pdf".into()),
            content_type: "application/pdf".into(),
            data: b"%PDF-1.4 \x00\x01\x02\xff".to_vec(),
        }],
    }
}

#[test]
fn round_trip_keeps_latvian_letters_ids_and_marks() -> Result<(), Box<dyn std::error::Error>> {
    let o = outgoing();
    let raw = compose(&o)?;
    let text = String::from_utf8_lossy(&raw);
    assert!(raw.is_ascii(), "headers and bodies are 7-bit encoded");
    for header in [
        "Date: ",
        "MIME-Version: 1.0",
        "Auto-Submitted: auto-replied",
        "X-Loop: atbalsts@desk.example.lv",
    ] {
        assert!(text.contains(header), "no {header:?} in\n{text}");
    }
    assert!(text.contains("multipart/alternative"));

    let m = parse(&raw)?;
    assert_eq!(m.subject, o.subject);
    assert_eq!(m.message_id.as_deref(), Some(o.message_id.as_str()));
    assert_eq!(m.in_reply_to, ["abc.1@example.lv"]);
    assert_eq!(m.references, o.references);
    assert_eq!(m.from, Some(o.from.clone()));
    assert_eq!(m.reply_to, o.reply_to);
    assert_eq!(m.to, std::slice::from_ref(&o.to));
    assert!(m.text.contains(LETTERS), "{}", m.text);
    assert!(m.text.contains("\n.\nAr cieņu"), "{}", m.text);
    assert_eq!(m.attachments.len(), 1);
    assert_eq!(
        m.attachments[0].filename.as_deref(),
        Some("Izziņa par ūdeni.pdf")
    );
    assert_eq!(m.attachments[0].content_type, "application/pdf");
    assert_eq!(m.attachments[0].data, o.attachments[0].data);
    assert!(m.date.is_some());
    // Our own mail, come back, is known for what it is.
    assert_eq!(m.auto, Some(AutoReason::AutoSubmitted));
    Ok(())
}

#[test]
fn generated_mark_and_no_optional_headers() -> Result<(), Box<dyn std::error::Error>> {
    let o = Outgoing {
        reply_to: None,
        in_reply_to: None,
        references: vec![],
        loop_marker: None,
        attachments: vec![],
        auto_submitted: AutoSubmitted::Generated,
        ..outgoing()
    };
    let text = String::from_utf8(compose(&o)?)?;
    assert!(text.contains("Auto-Submitted: auto-generated"));
    for absent in [
        "Reply-To:",
        "In-Reply-To:",
        "References:",
        "X-Loop:",
        "multipart/mixed",
    ] {
        assert!(!text.contains(absent), "{absent} in\n{text}");
    }
    Ok(())
}

#[test]
fn header_injection_is_flattened() -> Result<(), Box<dyn std::error::Error>> {
    let o = Outgoing {
        subject: "Sveiki\r\nBcc: victim@example.lv".into(),
        ..outgoing()
    };
    let m = parse(&compose(&o)?)?;
    assert_eq!(m.subject, "Sveiki  Bcc: victim@example.lv");
    assert!(m.header("Bcc").is_none());
    Ok(())
}

#[test]
fn refuses_bad_input() {
    let bad_id = Outgoing {
        message_id: "<x@y>".into(),
        ..outgoing()
    };
    assert!(matches!(compose(&bad_id), Err(ComposeError::MessageId(_))));
    let bad_ref = Outgoing {
        references: vec!["a b".into()],
        ..outgoing()
    };
    assert!(matches!(compose(&bad_ref), Err(ComposeError::MessageId(_))));
    let bad_to = Outgoing {
        to: Mailbox::new(None, "not an address"),
        ..outgoing()
    };
    assert!(matches!(
        compose(&bad_to),
        Err(ComposeError::Address { field: "To", .. })
    ));
    let mut bad_type = outgoing();
    bad_type.attachments[0].content_type = "nonsense".into();
    assert!(matches!(
        compose(&bad_type),
        Err(ComposeError::ContentType(_))
    ));
}

#[test]
fn message_ids_are_unique_and_at_the_domain() {
    let a = new_message_id("desk.example.lv");
    let b = new_message_id("desk.example.lv");
    assert_ne!(a, b);
    assert!(
        a.ends_with("@desk.example.lv") && a.len() == 32 + 1 + 15,
        "{a}"
    );
    assert!(new_message_id(" <bad domain> ").ends_with("@baddomain"));
    assert!(new_message_id("").ends_with("@localhost"));
}
