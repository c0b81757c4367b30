//! The e-mail channel's administration over HTTP: received mail with its
//! outcome, quarantine released or deleted, the outbox, a ticket's mail, and
//! mailboxes — each only for whom it is meant.

use crate::harness::{TestApp, scope, send};
use crate::on_every_backend;
use atbalsts_domain::Role;
use atbalsts_store::mail::inbound::{Arrival, InboundStatus, Settled};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn arrival() -> Arrival {
    Arrival {
        source: "deliver",
        peer: None,
        envelope_from: Some("anna@example.lv".into()),
        envelope_to: vec!["palidziba@pmlp.example.lv".into()],
        group: None,
    }
}

async fn administration(app: &TestApp) {
    let staff = app.staff().await;
    let first = app
        .store
        .receive_mail(&arrival(), b"Subject: a\r\n\r\nA")
        .await
        .unwrap();
    let second = app
        .store
        .receive_mail(&arrival(), b"no headers at all")
        .await
        .unwrap();
    let quarantine = Settled {
        status: InboundStatus::Quarantined,
        reason: Some("unreadable".into()),
        message_id: None,
        from_address: None,
        subject: None,
        group: None,
        ticket_id: None,
    };
    assert!(
        app.store
            .settle_mail(second, InboundStatus::Received, &quarantine)
            .await
            .unwrap()
    );

    // Only administrators see received mail.
    let (s, _) = app.get("/api/v1/mail/inbound", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, p) = app.get("/api/v1/mail/inbound", Some(&staff.pmlp)).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("admin.only"))
    );
    let (s, page) = app.get("/api/v1/mail/inbound", Some(&staff.admin)).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let ids: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [second, first], "newest first");
    let (_, page) = app
        .get(
            "/api/v1/mail/inbound?status=quarantined",
            Some(&staff.admin),
        )
        .await;
    assert_eq!(page["items"][0]["reason"], "unreadable");
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
    let (_, page) = app
        .get("/api/v1/mail/inbound?limit=1", Some(&staff.admin))
        .await;
    assert_eq!(page["next_after"], second);
    for bad in ["?status=lost", "?limit=0", "?limit=999", "?after=-1"] {
        let (s, p) = app
            .get(&format!("/api/v1/mail/inbound{bad}"), Some(&staff.admin))
            .await;
        assert!(
            s == StatusCode::UNPROCESSABLE_ENTITY || s == StatusCode::BAD_REQUEST,
            "{bad}: {s} {p}"
        );
    }

    // Quarantine: release puts it back to intake; only quarantined mail is deleted.
    let (s, p) = app
        .post(
            &format!("/api/v1/mail/inbound/{first}/release"),
            Some(&staff.admin),
            json!({}),
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("mail.not_quarantined"))
    );
    let (s, _) = send(app.req(
        Method::DELETE,
        &format!("/api/v1/mail/inbound/{second}"),
        Some(&staff.admin),
    ))
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, page) = app
        .get("/api/v1/mail/inbound?status=deleted", Some(&staff.admin))
        .await;
    assert_eq!(page["items"][0]["id"], second);
    let (s, _) = send(app.req(
        Method::DELETE,
        "/api/v1/mail/inbound/99999",
        Some(&staff.admin),
    ))
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = send(app.req(
        Method::DELETE,
        "/api/v1/mail/inbound/abc",
        Some(&staff.admin),
    ))
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // The outbox and a ticket's mail.
    let (s, list) = app.get("/api/v1/mail/outbox", Some(&staff.admin)).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let (s, _) = app.get("/api/v1/mail/outbox", Some(&staff.pmlp)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (id, token) = app.citizen_ticket("PMLP-003", "Deklarēšana").await;
    let (s, mail) = app
        .get(&format!("/api/v1/tickets/{id}/mail"), Some(&staff.pmlp))
        .await;
    assert_eq!((s, mail.is_array()), (StatusCode::OK, true), "{mail}");
    let (s, _) = app
        .get(&format!("/api/v1/tickets/{id}/mail"), Some(&staff.vid))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another institution's ticket");
    let (s, _) = send(
        app.req(Method::GET, &format!("/api/v1/tickets/{id}/mail"), None)
            .header("X-Access-Token", token),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the requester reads the thread, not the desk's records"
    );

    // Mailboxes: administrators of the group's institution; the secret is never shown.
    let body = json!({"group": "PMLP-L1", "host": "imap.pmlp.example.lv", "port": 993, "tls": "implicit",
        "username": "palidziba@pmlp.example.lv", "secret": "s3cret-value", "folder": "INBOX"});
    let (s, _) = app
        .post("/api/v1/mailboxes", Some(&staff.pmlp), body.clone())
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a specialist does not configure mailboxes"
    );
    let mut bad = body.clone();
    bad["tls"] = json!("maybe");
    bad["folder"] = json!("");
    let (s, p) = app.post("/api/v1/mailboxes", Some(&staff.admin), bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let (s, created) = app
        .post("/api/v1/mailboxes", Some(&staff.admin), body)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let (_, boxes) = app.get("/api/v1/mailboxes", Some(&staff.admin)).await;
    assert_eq!(boxes[0]["host"], "imap.pmlp.example.lv");
    assert!(!boxes.to_string().contains("s3cret"), "{boxes}");
    let (_, none) = app.get("/api/v1/mailboxes", Some(&staff.vid)).await;
    assert_eq!(none, json!([]));
    let mailbox = created["id"].as_i64().unwrap();
    let (s, _) = send(app.req(
        Method::DELETE,
        &format!("/api/v1/mailboxes/{mailbox}"),
        Some(&staff.admin),
    ))
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
}
on_every_backend!(mail_is_administered_by_whom_it_concerns, administration);

/// An institution's administrator handles the mail written to their
/// institution's groups, and nothing else: not another institution's, not
/// mail that reached no group, not the outbox.
async fn institution_mail(app: &TestApp) {
    let staff = app.staff().await;
    let (_, pmlp_admin) = app
        .user(
            "admin@pmlp.lv",
            Role::Administrator,
            vec![scope("PMLP", None)],
        )
        .await;
    let mut ids = Vec::new();
    for group in [Some("PMLP-L1"), Some("VID-L1"), None] {
        let id = app
            .store
            .receive_mail(&arrival(), b"no headers at all")
            .await
            .unwrap();
        let settled = Settled {
            status: InboundStatus::Quarantined,
            reason: Some("unreadable".into()),
            message_id: None,
            from_address: None,
            subject: None,
            group: group.map(Into::into),
            ticket_id: None,
        };
        assert!(
            app.store
                .settle_mail(id, InboundStatus::Received, &settled)
                .await
                .unwrap()
        );
        ids.push(id);
    }
    let listed = |page: &serde_json::Value| -> Vec<i64> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_i64().unwrap())
            .collect()
    };
    let (s, page) = app.get("/api/v1/mail/inbound", Some(&pmlp_admin)).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(listed(&page), [ids[0]], "{page}");
    assert_eq!(page["items"][0]["institution"], "PMLP");
    let (_, page) = app.get("/api/v1/mail/inbound", Some(&staff.admin)).await;
    assert_eq!(listed(&page), [ids[2], ids[1], ids[0]], "{page}");
    for other in [ids[1], ids[2]] {
        let (s, p) = app
            .post(
                &format!("/api/v1/mail/inbound/{other}/release"),
                Some(&pmlp_admin),
                json!({}),
            )
            .await;
        assert_eq!(
            (s, p["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("admin.not_yours")),
            "{p}"
        );
        let (s, _) = send(app.req(
            Method::DELETE,
            &format!("/api/v1/mail/inbound/{other}"),
            Some(&pmlp_admin),
        ))
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    let (s, _) = send(app.req(
        Method::DELETE,
        &format!("/api/v1/mail/inbound/{}", ids[0]),
        Some(&pmlp_admin),
    ))
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app.get("/api/v1/mail/outbox", Some(&pmlp_admin)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, page) = app.get("/api/v1/mail/inbound", Some(&staff.admin)).await;
    assert_eq!(page["items"][2]["status"], "deleted", "{page}");
    assert_eq!(page["items"][1]["status"], "quarantined", "{page}");
}

on_every_backend!(institutions_administer_their_own_mail, institution_mail);

async fn notice_switches(app: &TestApp) {
    let staff = app.staff().await;
    let (s, _) = app.get("/api/v1/me/notifications", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, all) = app.get("/api/v1/me/notifications", Some(&staff.pmlp)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        all,
        json!({"assigned": true, "requester_reply": true, "sla_warning": true, "sla_breach": true})
    );
    let (s, now) = app
        .put(
            "/api/v1/me/notifications",
            Some(&staff.pmlp),
            json!({"sla_warning": false}),
        )
        .await;
    assert_eq!(
        (s, &now["sla_warning"], &now["assigned"]),
        (StatusCode::OK, &json!(false), &json!(true))
    );
    assert!(
        !app.store
            .wants_notice(staff.pmlp_id, "sla_warning")
            .await
            .unwrap()
    );
    let (s, _) = app
        .put(
            "/api/v1/me/notifications",
            Some(&staff.pmlp),
            json!({"sla_warning": "no"}),
        )
        .await;
    assert!(s.is_client_error());
    let (s, _) = app
        .put(
            "/api/v1/me/notifications",
            Some(&staff.pmlp),
            json!({"birthdays": true}),
        )
        .await;
    assert!(s.is_client_error());
    let (_, other) = app.get("/api/v1/me/notifications", Some(&staff.vid)).await;
    assert_eq!(other["sla_warning"], true, "each person's own");
}
on_every_backend!(staff_switch_their_notices, notice_switches);

async fn the_mail_page(app: &TestApp) {
    const PASSWORD: &str = "administratora parole";
    app.staff().await;
    for email in ["admin@atbalsts.lv", "ilze@pmlp.lv"] {
        app.store.set_password(email, PASSWORD).await.unwrap();
    }
    let id = app
        .store
        .receive_mail(&arrival(), b"garbage without headers")
        .await
        .unwrap();
    let quarantine = Settled {
        status: InboundStatus::Quarantined,
        reason: Some("no header section".into()),
        message_id: None,
        from_address: Some("anna@example.lv".into()),
        subject: Some("Vēstule karantīnā".into()),
        group: None,
        ticket_id: None,
    };
    app.store
        .settle_mail(id, InboundStatus::Received, &quarantine)
        .await
        .unwrap();

    let mut specialist = crate::browser::Browser::new();
    crate::browser::sign_in(app, &mut specialist, "ilze@pmlp.lv", PASSWORD, "/staff").await;
    assert_eq!(
        specialist.get(app, "/staff/admin/mail").await.0,
        StatusCode::FORBIDDEN
    );

    let mut root = crate::browser::Browser::new();
    crate::browser::sign_in(app, &mut root, "admin@atbalsts.lv", PASSWORD, "/staff").await;
    let (s, _, html) = root.get(app, "/staff/admin/mail?status=quarantined").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Vēstule karantīnā") && html.contains("no header section"),
        "{html}"
    );
    let csrf = crate::browser::hidden(&html, "csrf");
    let release = format!("/staff/admin/mail/{id}/release");
    let (s, _, _) = root.post(app, &release, &[("csrf", "forged")]).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "no release without the form's token"
    );
    let (s, location, _) = root.post(app, &release, &[("csrf", csrf.as_str())]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some("/staff/admin/mail?status=quarantined")
    );
    let record = app.store.inbound_record(id).await.unwrap();
    assert_eq!(record.status, InboundStatus::Received, "back to intake");
    let (s, _, html) = root.post(app, &release, &[("csrf", csrf.as_str())]).await;
    assert_eq!(s, StatusCode::CONFLICT, "{html}");
    let (s, _, html) = root.get(app, "/en/staff/admin/mail").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Received messages") && html.contains("Outbox"),
        "{html}"
    );
}
on_every_backend!(the_mail_page_releases_quarantine, the_mail_page);

async fn password_reset(app: &TestApp) {
    use crate::browser::{Browser, hidden, open, sign_in};
    app.staff().await;
    let channels = atbalsts_channels::Channels::new(
        app.store.clone(),
        atbalsts_channels::MailConfig::default(),
    )
    .unwrap();
    let worker = atbalsts_store::jobs::Worker::spawn(
        app.store.clone(),
        channels.register(atbalsts_store::jobs::Handlers::new()),
        atbalsts_store::jobs::WorkerConfig {
            poll_interval: std::time::Duration::from_millis(50),
            ..Default::default()
        },
    );
    let (mut b, html) = open(app, "/staff/sign-in").await;
    assert!(
        html.contains("/staff/password-reset"),
        "the way there: {html}"
    );
    let (_, _, html) = b.get(app, "/staff/password-reset").await;
    let csrf = hidden(&html, "csrf");
    // Unknown and known addresses get the same answer.
    for email in ["nobody@pmlp.lv", "ilze@pmlp.lv"] {
        let (s, _, html) = b
            .post(
                app,
                "/staff/password-reset",
                &[("csrf", csrf.as_str()), ("email", email)],
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Ja adrese pieder darbiniekam"), "{html}");
    }
    let mut link = None;
    for _ in 0..100 {
        let sent = app.store.outbox(None, 10).await.unwrap();
        if let Some(m) = sent.iter().find(|m| m.purpose == "password_reset") {
            assert_eq!(m.recipient, "ilze@pmlp.lv");
            let (_, raw) = app.store.outbound_mail(m.id).await.unwrap();
            let mail = atbalsts_mail::parse(&raw).unwrap();
            link = mail
                .text
                .split_whitespace()
                .find(|w| w.contains("/staff/password-reset/"))
                .map(str::to_string);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    worker.stop().await;
    let link = link.expect("a reset mail with its link");
    assert_eq!(
        app.store
            .outbox(None, 10)
            .await
            .unwrap()
            .iter()
            .filter(|m| m.purpose == "password_reset")
            .count(),
        1,
        "nothing for the unknown address"
    );
    let path = &link[link.find("/staff/").unwrap()..];
    let (s, _, html) = b.get(app, path).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let csrf = hidden(&html, "csrf");
    let (s, _, html) = b
        .post(
            app,
            path,
            &[
                ("csrf", csrf.as_str()),
                ("password", "jauna parole 2026"),
                ("again", "cita"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let (s, _, _) = b
        .post(
            app,
            path,
            &[
                ("csrf", csrf.as_str()),
                ("password", "īsa"),
                ("again", "īsa"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, location, _) = b
        .post(
            app,
            path,
            &[
                ("csrf", csrf.as_str()),
                ("password", "jauna parole 2026"),
                ("again", "jauna parole 2026"),
            ],
        )
        .await;
    assert_eq!(
        (s, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/staff/sign-in?reset=1"))
    );
    // The link works once.
    assert_eq!(b.get(app, path).await.0, StatusCode::GONE);
    let mut again = Browser::new();
    let (s, location, _) = sign_in(
        app,
        &mut again,
        "ilze@pmlp.lv",
        "jauna parole 2026",
        "/staff",
    )
    .await;
    assert_eq!(
        (s, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/staff"))
    );
    assert_eq!(
        b.get(app, "/staff/password-reset/not-a-link").await.0,
        StatusCode::GONE
    );
}
on_every_backend!(staff_reset_their_password_by_email, password_reset);
