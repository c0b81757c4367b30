//! The rules for mail that must never be answered.

use atbalsts_mail::{AutoReason, ParsedMail, classify, classify_headers, parse};

fn mail(headers: &str) -> Result<ParsedMail, atbalsts_mail::ParseError> {
    parse(format!("From: a@example.lv\r\nSubject: s\r\n{headers}\r\n\r\nbody\r\n").as_bytes())
}

const OURS: &str = "atbalsts@desk.example.lv";

fn ours(address: &str) -> bool {
    address == OURS
}

#[test]
fn header_rules() -> Result<(), atbalsts_mail::ParseError> {
    let cases: &[(&str, Option<AutoReason>)] = &[
        ("X-Mailer: x", None),
        ("Auto-Submitted: no", None),
        ("Auto-Submitted: No; comment", None),
        (
            "Auto-Submitted: auto-generated",
            Some(AutoReason::AutoSubmitted),
        ),
        (
            "Auto-Submitted: auto-replied; owner-email=x@y",
            Some(AutoReason::AutoSubmitted),
        ),
        ("Precedence: bulk", Some(AutoReason::Precedence)),
        ("Precedence: LIST", Some(AutoReason::Precedence)),
        ("Precedence: junk", Some(AutoReason::Precedence)),
        ("Precedence: auto_reply", Some(AutoReason::Precedence)),
        ("Precedence: first-class", None),
        ("List-Id: <x.example.lv>", Some(AutoReason::MailingList)),
        (
            "List-Unsubscribe: <mailto:u@x>",
            Some(AutoReason::MailingList),
        ),
        ("X-Autoreply: yes", Some(AutoReason::AutoResponderHeader)),
        ("X-Autorespond: yes", Some(AutoReason::AutoResponderHeader)),
        (
            "X-Auto-Response-Suppress: DR, OOF",
            Some(AutoReason::AutoResponderHeader),
        ),
        (
            "X-Auto-Response-Suppress: All",
            Some(AutoReason::AutoResponderHeader),
        ),
        ("X-Auto-Response-Suppress: DR", None),
        (
            "Content-Type: multipart/report; report-type=delivery-status; boundary=b",
            Some(AutoReason::Bounce),
        ),
    ];
    for (headers, want) in cases {
        assert_eq!(classify_headers(&mail(headers)?), *want, "{headers}");
        assert_eq!(mail(headers)?.auto, *want, "parse fills auto for {headers}");
    }
    Ok(())
}

#[test]
fn mailer_daemon_is_a_bounce_but_postmaster_only_with_a_report_subject()
-> Result<(), atbalsts_mail::ParseError> {
    let m = parse(b"From: MAILER-DAEMON@mx.example.lv\r\nSubject: hello\r\n\r\nx")?;
    assert_eq!(m.auto, Some(AutoReason::Bounce));
    let m = parse(b"From: postmaster@example.lv\r\nSubject: Question about your policy\r\n\r\nx")?;
    assert_eq!(m.auto, None);
    let m = parse(
        b"From: postmaster@example.lv\r\nSubject: Delivery Status Notification (Failure)\r\n\r\nx",
    )?;
    assert_eq!(m.auto, Some(AutoReason::Bounce));
    Ok(())
}

#[test]
fn envelope_rules_and_their_order() -> Result<(), atbalsts_mail::ParseError> {
    let plain = mail("X-Mailer: x")?;
    assert_eq!(classify(&plain, Some("a@example.lv"), &ours, OURS), None);
    assert_eq!(classify(&plain, None, &ours, OURS), None);
    assert_eq!(
        classify(&plain, Some("<>"), &ours, OURS),
        Some(AutoReason::NullSender)
    );
    assert_eq!(
        classify(&plain, Some(""), &ours, OURS),
        Some(AutoReason::NullSender)
    );
    assert_eq!(
        classify(&mail("Return-Path: <>")?, None, &ours, OURS),
        Some(AutoReason::NullSender)
    );

    let looped = mail(&format!("X-Loop: {OURS}"))?;
    assert_eq!(
        classify(&looped, Some("a@example.lv"), &ours, OURS),
        Some(AutoReason::Loop)
    );
    assert_eq!(
        classify(&looped, Some("a@example.lv"), &ours, "other@x"),
        None
    );
    assert_eq!(
        classify(&looped, Some("a@example.lv"), &ours, ""),
        None,
        "an empty marker matches nothing"
    );

    let own = parse(format!("From: Atbalsts <{OURS}>\r\n\r\nx").as_bytes())?;
    assert_eq!(
        classify(&own, Some(OURS), &ours, OURS),
        Some(AutoReason::OwnAddress)
    );

    // A bounce comes with the null sender and stays a bounce.
    let bounce = mail("Content-Type: multipart/report; report-type=delivery-status; boundary=b")?;
    assert_eq!(
        classify(&bounce, Some("<>"), &ours, OURS),
        Some(AutoReason::Bounce)
    );
    // The envelope rules say more than the header rules.
    let list = mail("List-Id: <x>")?;
    assert_eq!(
        classify(&list, Some("<>"), &ours, OURS),
        Some(AutoReason::NullSender)
    );
    assert_eq!(
        classify(&list, Some("l@x"), &ours, OURS),
        Some(AutoReason::MailingList)
    );
    Ok(())
}

#[test]
fn codes_are_stable() {
    let all = [
        (AutoReason::AutoSubmitted, "auto_submitted"),
        (AutoReason::Precedence, "precedence"),
        (AutoReason::MailingList, "mailing_list"),
        (AutoReason::NullSender, "null_sender"),
        (AutoReason::Loop, "loop"),
        (AutoReason::OwnAddress, "own_address"),
        (AutoReason::Bounce, "bounce"),
        (AutoReason::AutoResponderHeader, "auto_responder_header"),
    ];
    for (reason, code) in all {
        assert_eq!(reason.as_str(), code);
        assert_eq!(reason.to_string(), code);
    }
}
