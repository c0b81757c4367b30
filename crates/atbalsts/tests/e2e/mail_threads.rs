//! One case history across channels: a ticket opened on the portal takes the
//! requester's e-mail answer, and each message records the channel it came on.

use crate::browser::{Browser, sign_in};
use crate::harness::{TestApp, new_ticket};
use crate::on_every_backend;
use atbalsts_store::mail::inbound::{Arrival, InboundStatus};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

async fn portal_ticket_answered_by_mail(app: &TestApp) {
    let staff = app.staff().await;
    let mut group = atbalsts_store::groups::GroupConfig::new(
        "PMLP-L1",
        "PMLP",
        "PMLP palīdzība",
        atbalsts_domain::Level::Specialist,
    );
    group.email_addresses = vec!["palidziba@pmlp.example.lv".into()];
    app.store.save_group(&group).await.unwrap();
    let channels = atbalsts_channels::Channels::new(
        app.store.clone(),
        atbalsts_channels::MailConfig {
            mail_from: "atbalsts@pmlp.example.lv".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let worker = atbalsts_store::jobs::Worker::spawn(
        app.store.clone(),
        channels.register(atbalsts_store::jobs::Handlers::new()),
        atbalsts_store::jobs::WorkerConfig {
            poll_interval: Duration::from_millis(50),
            ..Default::default()
        },
    );

    let (s, created) = app
        .post(
            "/api/v1/tickets",
            None,
            new_ticket("PMLP", "PMLP-003", "Deklarēšana"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let (id, number) = (created["id"].as_i64().unwrap(), created["number"].clone());
    let token = created["access_token"].as_str().unwrap().to_string();
    let number = number.as_str().unwrap();

    // The requester answers by e-mail, quoting the number: the answer joins the ticket.
    let arrival = Arrival {
        source: "deliver",
        peer: None,
        envelope_from: Some("anna.berzina@example.lv".into()),
        envelope_to: vec!["palidziba@pmlp.example.lv".into()],
        group: None,
    };
    let mail = format!(
        "From: Anna Bērziņa <anna.berzina@example.lv>\r\nTo: palidziba@pmlp.example.lv\r\n\
         Subject: Re: [#{number}] Deklarēšana\r\nMessage-ID: <answer-{number}@example.lv>\r\n\r\n\
         Pievienoju adresi: Rīga, Brīvības iela 1.\r\n"
    );
    let received = app
        .store
        .receive_mail(&arrival, mail.as_bytes())
        .await
        .unwrap();
    let mut record = app.store.inbound_record(received).await.unwrap();
    for _ in 0..200 {
        if record.status != InboundStatus::Received {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        record = app.store.inbound_record(received).await.unwrap();
    }
    assert_eq!(
        (record.status, record.ticket_id),
        (InboundStatus::Threaded, Some(id)),
        "{:?}",
        record.reason
    );
    worker.stop().await;

    // Then on the private page again, and a specialist's reply from the workspace.
    let (s, v) = app
        .post(
            &format!("/api/v1/tickets/{id}/messages?access_token={token}"),
            None,
            json!({"body": "Un vēl viens jautājums."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .post(
            &format!("/api/v1/tickets/{id}/messages"),
            Some(&staff.pmlp),
            json!({"body": "Paldies, adrese saņemta."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let (s, thread) = app
        .get(&format!("/api/v1/tickets/{id}/messages"), Some(&staff.pmlp))
        .await;
    assert_eq!(s, StatusCode::OK, "{thread}");
    let seen: Vec<(&str, &str)> = thread
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["author_kind"].as_str().unwrap_or_default(),
                m["channel"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("requester", "email"),
            ("requester", "portal"),
            ("staff", "portal")
        ],
        "{thread}"
    );
    let (s, ticket) = app
        .get(&format!("/api/v1/tickets/{id}"), Some(&staff.pmlp))
        .await;
    assert_eq!((s, &ticket["channel"]), (StatusCode::OK, &json!("portal")));

    // The workspace's thread says which channel each of the person's messages came on.
    app.store
        .set_password("ilze@pmlp.lv", "pareiza parole 2026")
        .await
        .unwrap();
    let mut b = Browser::new();
    sign_in(app, &mut b, "ilze@pmlp.lv", "pareiza parole 2026", "/staff").await;
    let (s, _, html) = b.get(app, &format!("/staff/tickets/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    let metas: Vec<&str> = html
        .split("<p class=\"meta\">")
        .skip(1)
        .map(|m| m.split("</p>").next().unwrap_or_default())
        .collect();
    assert_eq!(metas.len(), 4, "{html}");
    assert!(metas[0].ends_with(" · portālā"), "{}", metas[0]);
    assert!(metas[1].ends_with(" · e-pastā"), "{}", metas[1]);
    assert!(metas[2].ends_with(" · portālā"), "{}", metas[2]);
    assert!(
        metas[3].ends_with("</time>"),
        "a reply of staff names no channel: {}",
        metas[3]
    );
}
on_every_backend!(
    a_portal_ticket_takes_an_email_answer_on_its_channel,
    portal_ticket_answered_by_mail
);
