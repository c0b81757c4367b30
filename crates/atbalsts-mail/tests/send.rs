//! The relay client: its URL, and sending to a real SMTP server (aiosmtpd).

mod support;

use std::time::Duration;

use atbalsts_mail::{Relay, RelayConfig, RelayConfigError, SendError, TlsMode, parse};

#[test]
fn urls() -> Result<(), RelayConfigError> {
    let c: RelayConfig = "smtp://relay.example.lv:2525".parse()?;
    assert_eq!(
        (c.host.as_str(), c.port, c.tls),
        ("relay.example.lv", 2525, TlsMode::None)
    );
    assert_eq!((c.username.as_deref(), c.password.as_deref()), (None, None));

    let c: RelayConfig =
        "smtp://relay.example.lv?tls=starttls&timeout=5&helo=desk.example.lv".parse()?;
    assert_eq!(
        (c.port, c.tls, c.timeout),
        (25, TlsMode::StartTls, Duration::from_secs(5))
    );
    assert_eq!(c.helo_name.as_deref(), Some("desk.example.lv"));

    let c: RelayConfig = "smtps://desk%40example.lv:p%C4%81r%3Aole%40@relay.example.lv".parse()?;
    assert_eq!((c.port, c.tls), (465, TlsMode::Implicit));
    assert_eq!(c.username.as_deref(), Some("desk@example.lv"));
    assert_eq!(c.password.as_deref(), Some("pār:ole@"));

    let c: RelayConfig = "smtp://[::1]:25".parse()?;
    assert_eq!(c.host, "::1");
    Ok(())
}

#[test]
fn the_password_is_never_shown() -> Result<(), RelayConfigError> {
    let c: RelayConfig = "smtp://user:s3cret-p%40ss@relay.example.lv:587?tls=starttls".parse()?;
    assert_eq!(
        c.to_string(),
        "smtp://user:***@relay.example.lv:587?tls=starttls"
    );
    let debug = format!("{c:?}");
    assert!(
        !debug.contains("s3cret") && debug.contains("***"),
        "{debug}"
    );
    let relay = Relay::new(&c).map_err(|e| RelayConfigError::Url(e.to_string()))?;
    assert!(!format!("{relay:?}").contains("s3cret"));
    Ok(())
}

#[test]
fn bad_urls_say_why() {
    let err = |s: &str| s.parse::<RelayConfig>().err();
    assert!(matches!(err("http://x"), Some(RelayConfigError::Scheme(s)) if s == "http"));
    assert!(matches!(err("not a url"), Some(RelayConfigError::Url(_))));
    assert!(matches!(
        err("smtp://x?tls=maybe"),
        Some(RelayConfigError::Parameter { .. })
    ));
    assert!(matches!(
        err("smtps://x?tls=starttls"),
        Some(RelayConfigError::Parameter { .. })
    ));
    assert!(matches!(
        err("smtp://x?timeout=soon"),
        Some(RelayConfigError::Parameter { .. })
    ));
    assert!(matches!(
        err("smtp://x?colour=blue"),
        Some(RelayConfigError::UnknownParameter(_))
    ));
    assert!(matches!(
        err("smtp://u:%FF@x"),
        Some(RelayConfigError::Userinfo)
    ));
    let text = err("smtp://x?colour=blue")
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(text.contains("colour"), "{text}");
}

fn message(to: &str) -> Vec<u8> {
    format!(
        "From: atbalsts@desk.example.lv\r\nTo: {to}\r\nSubject: =?UTF-8?Q?P=C4=81rbaude?=\r\n\
         Message-ID: <send-test@desk.example.lv>\r\n\r\nSveiki!\r\n.dot line\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn sends_to_a_real_server_and_tells_permanent_from_temporary()
-> Result<(), Box<dyn std::error::Error>> {
    if !support::python_has("aiosmtpd", "sends_to_a_real_server") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let port = support::free_port()?;
    let _sink = support::start_sink(port, dir.path())?;
    let relay = Relay::new(&format!("smtp://127.0.0.1:{port}?timeout=10").parse()?)?;

    let reply = relay
        .send(
            "bounces@desk.example.lv",
            &["janis@example.lv".into()],
            &message("janis@example.lv"),
        )
        .await?;
    assert!(
        reply.starts_with("250") && reply.contains("queued as Q1"),
        "{reply}"
    );
    let stored = std::fs::read(dir.path().join("1.eml"))?;
    let parsed = parse(&stored)?;
    assert_eq!(parsed.subject, "Pārbaude");
    assert!(
        parsed.text.contains("Sveiki!\n.dot line"),
        "{}",
        parsed.text
    );
    let envelope = std::fs::read_to_string(dir.path().join("1.env"))?;
    assert_eq!(envelope, "bounces@desk.example.lv\njanis@example.lv");

    // The null sender, for answers that must not bounce back.
    relay
        .send("", &["anna@example.lv".into()], &message("anna@example.lv"))
        .await?;
    assert_eq!(
        std::fs::read_to_string(dir.path().join("2.env"))?,
        "<>\nanna@example.lv"
    );

    let refused = relay
        .send(
            "a@desk.example.lv",
            &["reject@example.lv".into()],
            &message("x"),
        )
        .await;
    match refused {
        Err(e @ SendError::Rejected { code: 550, .. }) => assert!(e.is_permanent()),
        other => panic!("expected a 550, got {other:?}"),
    }
    let deferred = relay
        .send(
            "a@desk.example.lv",
            &["later@example.lv".into()],
            &message("x"),
        )
        .await;
    match deferred {
        Err(e @ SendError::Deferred { code: 451, .. }) => assert!(!e.is_permanent()),
        other => panic!("expected a 451, got {other:?}"),
    }

    // The sink offers no STARTTLS: a relay that requires it must not fall back to plain.
    let tls = Relay::new(&format!("smtp://127.0.0.1:{port}?tls=starttls&timeout=10").parse()?)?;
    let err = tls
        .send(
            "a@desk.example.lv",
            &["janis@example.lv".into()],
            &message("x"),
        )
        .await;
    assert!(matches!(&err, Err(e) if !e.is_permanent()), "{err:?}");
    assert!(!dir.path().join("3.eml").exists());
    Ok(())
}

#[tokio::test]
async fn no_server_is_temporary() -> Result<(), Box<dyn std::error::Error>> {
    let port = support::free_port()?;
    let relay = Relay::new(&format!("smtp://127.0.0.1:{port}?timeout=5").parse()?)?;
    let err = relay
        .send(
            "a@desk.example.lv",
            &["b@example.lv".into()],
            b"Subject: x\r\n\r\ny\r\n",
        )
        .await;
    match err {
        Err(e) => assert!(!e.is_permanent(), "{e:?}"),
        Ok(reply) => panic!("sent to nobody: {reply}"),
    }
    Ok(())
}

#[tokio::test]
async fn bad_envelopes_are_permanent() -> Result<(), Box<dyn std::error::Error>> {
    let relay = Relay::new(&"smtp://127.0.0.1:9".parse()?)?;
    let no_rcpt = relay.send("a@desk.example.lv", &[], b"x").await;
    assert!(matches!(&no_rcpt, Err(e @ SendError::NoRecipients) if e.is_permanent()));
    let bad = relay
        .send("a@desk.example.lv", &["not an address".into()], b"x")
        .await;
    assert!(matches!(&bad, Err(e @ SendError::Address(_)) if e.is_permanent()));
    Ok(())
}

/// A relay behind TLS with a certificate from an institution's own CA, asking for
/// authentication: STARTTLS and implicit TLS both deliver once that CA is trusted, never
/// without it, and a wrong password is refused.
#[tokio::test]
async fn tls_relays_with_an_own_ca_and_authentication() -> Result<(), Box<dyn std::error::Error>> {
    let test = "tls_relays_with_an_own_ca_and_authentication";
    if !support::python_has("aiosmtpd", test) {
        return Ok(());
    }
    let Some(certs) = support::test_certificates(test) else {
        return Ok(());
    };
    for (mode, scheme) in [("starttls", "smtp"), ("implicit", "smtps")] {
        let dir = tempfile::tempdir()?;
        let port = support::free_port()?;
        let _sink = support::start_tls_sink(port, dir.path(), &certs, mode, "desk", "pa:ss w/ord")?;
        let query = if mode == "starttls" {
            "?tls=starttls&timeout=10"
        } else {
            "?timeout=10"
        };
        let url = format!("{scheme}://desk:pa%3Ass%20w%2Ford@127.0.0.1:{port}{query}");

        let mut trusted: RelayConfig = url.parse()?;
        trusted.ca_pem = Some(certs.ca_pem());
        let reply = Relay::new(&trusted)?
            .send(
                "bounces@desk.example.lv",
                &["janis@example.lv".into()],
                &message("janis@example.lv"),
            )
            .await?;
        assert!(reply.starts_with("250"), "{mode}: {reply}");
        let stored = parse(&std::fs::read(dir.path().join("1.eml"))?)?;
        assert_eq!(stored.subject, "Pārbaude", "{mode}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("1.user"))?,
            "desk",
            "{mode}: the relay knew who sent it"
        );

        // Without the CA the certificate is unknown: nothing is sent in the clear instead.
        let untrusted: RelayConfig = url.parse()?;
        let err = Relay::new(&untrusted)?
            .send(
                "a@desk.example.lv",
                &["janis@example.lv".into()],
                &message("x"),
            )
            .await
            .expect_err("an unknown certificate authority");
        assert!(
            err.to_string().to_lowercase().contains("certificate"),
            "{mode}: {err}"
        );

        let mut wrong: RelayConfig = url.replace("pa%3Ass", "nepareizi").parse()?;
        wrong.ca_pem = Some(certs.ca_pem());
        let err = Relay::new(&wrong)?
            .send(
                "a@desk.example.lv",
                &["janis@example.lv".into()],
                &message("x"),
            )
            .await
            .expect_err("a wrong password");
        assert!(err.to_string().contains("535"), "{mode}: {err}");
        assert!(!dir.path().join("2.eml").exists(), "{mode}");
    }

    // A file that is not PEM is a configuration error, said at start-up.
    let mut broken: RelayConfig = "smtps://127.0.0.1:1".parse()?;
    broken.ca_pem = Some(b"not a certificate".to_vec());
    let err = Relay::new(&broken).expect_err("not PEM");
    assert!(matches!(err, SendError::Config(_)), "{err:?}");
    Ok(())
}
