//! Recording contacts in the workspace without JavaScript: the one-step
//! registration records the call with its new ticket; the ticket page's form
//! records another (a visit needs its place); other institutions' staff
//! cannot; a connector's ticket shows its conversation.

use crate::browser::{Browser, hidden, sign_in};
use crate::harness::TestApp;
use crate::on_every_backend;
use reqwest::StatusCode;
use serde_json::json;

const PASSWORD: &str = "pareiza parole 2026";

async fn recording(app: &TestApp) {
    let staff = app.staff().await;
    for email in ["ilze@pmlp.lv", "anna@vid.lv"] {
        app.store.set_password(email, PASSWORD).await.unwrap();
    }
    let mut b = Browser::new();
    sign_in(app, &mut b, "ilze@pmlp.lv", PASSWORD, "/staff").await;
    let (s, _, html) = b.get(app, "/staff/contacts/new").await;
    assert_eq!(s, StatusCode::OK);
    let csrf = hidden(&html, "csrf");
    for field in [
        "name=\"direction\"",
        "id=\"contact-minutes\"",
        "id=\"contact-outcome\"",
    ] {
        assert!(html.contains(field), "{field}: {html}");
    }

    // A phone call registered in one step: the ticket and its contact.
    let mut call = vec![
        ("csrf", csrf.as_str()),
        ("channel", "phone"),
        ("location", ""),
        ("service", "PMLP-003"),
        ("kind", "consultation"),
        ("subject", "Zvans par deklarēšanu"),
        ("description", "Jautāja, kā deklarēt dzīvesvietu."),
        ("name", "Pēteris Kalniņš"),
        ("email", ""),
        ("phone", "+371 20000000"),
        ("language", "lv"),
        ("resolution", ""),
        ("direction", "outbound"),
        ("minutes", "-3"),
        ("outcome", "callback_needed"),
    ];
    let (s, _, html) = b.post(app, "/staff/contacts/new", &call).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"contact-minutes-error\""), "{html}");
    call[13] = ("minutes", "5");
    let (s, location, _) = b.post(app, "/staff/contacts/new", &call).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{location:?}");
    let location = location.unwrap();
    let id: i64 = location
        .trim_start_matches("/staff/tickets/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (_, contacts) = app
        .get(&format!("/api/v1/tickets/{id}/contacts"), Some(&staff.pmlp))
        .await;
    assert_eq!(contacts.as_array().map(Vec::len), Some(1), "{contacts}");
    assert_eq!(
        (
            &contacts[0]["direction"],
            &contacts[0]["duration_seconds"],
            &contacts[0]["outcome"]
        ),
        (&json!("outbound"), &json!(300), &json!("callback_needed"))
    );
    let (_, _, html) = b.get(app, &location).await;
    assert!(html.contains("Tālruņa zvans, izejošs"), "{html}");

    // The ticket page records a visit: its place is required.
    let path = format!("/staff/tickets/{id}/contact");
    let mut visit = vec![
        ("csrf", csrf.as_str()),
        ("channel", "in_person"),
        ("location", ""),
        ("direction", "inbound"),
        ("minutes", "15"),
        ("outcome", "resolved"),
        ("summary", "Atnāca ar iesniegumu; pieņemts."),
    ];
    let (s, _, html) = b.post(app, &path, &visit).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"contact-location-error\""), "{html}");
    assert!(
        html.contains("Atnāca ar iesniegumu"),
        "the form keeps what was typed"
    );
    visit[2] = ("location", "LOC-CESIS");
    let (s, location, _) = b.post(app, &path, &visit).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some(format!("/staff/tickets/{id}?done=contact").as_str())
    );
    let (_, _, html) = b
        .get(app, &format!("/staff/tickets/{id}?done=contact"))
        .await;
    assert!(html.contains("Kontakts pierakstīts."), "{html}");
    assert!(html.contains("Klātienes apmeklējums, ienākošs"), "{html}");
    assert!(
        html.contains("Reģistrēts kontakts"),
        "in the history: {html}"
    );
    let (_, contacts) = app
        .get(&format!("/api/v1/tickets/{id}/contacts"), Some(&staff.pmlp))
        .await;
    assert_eq!(contacts.as_array().map(Vec::len), Some(2));

    // Without the session's token, nothing; another institution's staff do not find the ticket.
    let mut forged = visit.clone();
    forged[0] = ("csrf", "forged");
    let (s, _, _) = b.post(app, &path, &forged).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut other = Browser::new();
    sign_in(app, &mut other, "anna@vid.lv", PASSWORD, "/staff").await;
    let (_, _, html) = other.get(app, "/staff").await;
    let vid_csrf = hidden(&html, "csrf");
    let mut theirs = visit.clone();
    theirs[0] = ("csrf", vid_csrf.as_str());
    let (s, _, _) = other.post(app, &path, &theirs).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, contacts) = app
        .get(&format!("/api/v1/tickets/{id}/contacts"), Some(&staff.pmlp))
        .await;
    assert_eq!(
        contacts.as_array().map(Vec::len),
        Some(2),
        "nothing written"
    );

    // A connector's ticket shows its conversation.
    let (_, admin) = app
        .user(
            "admin@pmlp.lv",
            atbalsts_domain::Role::Administrator,
            vec![crate::harness::scope("PMLP", None)],
        )
        .await;
    let (_, c) = app
        .post("/api/v1/connectors", Some(&admin),
            json!({"code": "facebook", "name": "Facebook", "channel": "social", "institution": "PMLP",
                "outbound_url": "http://127.0.0.1:9/out"}))
        .await;
    let (_, m) = crate::harness::send(
        app.req(
            reqwest::Method::POST,
            "/api/v1/channels/facebook/messages",
            c["key"].as_str(),
        )
        .json(&json!({"conversation_id": "t-77", "message_id": "x1",
                "sender": {"handle": "fb:77"}, "text": "Sveiki"})),
    )
    .await;
    let (_, _, html) = b
        .get(app, &format!("/staff/tickets/{}", m["ticket_id"]))
        .await;
    assert!(
        html.contains("Facebook (facebook) · t-77 · fb:77"),
        "{html}"
    );

    // The institution's administrator lists connectors and switches one off; a specialist may not.
    let (s, _, _) = b.get(app, "/staff/admin/connectors").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    app.store
        .set_password("admin@pmlp.lv", PASSWORD)
        .await
        .unwrap();
    let mut a = Browser::new();
    sign_in(app, &mut a, "admin@pmlp.lv", PASSWORD, "/staff/admin").await;
    let (s, _, html) = a.get(app, "/staff/admin/connectors").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        html.contains("/api/v1/channels/facebook/messages"),
        "{html}"
    );
    assert!(
        !html.contains(c["key"].as_str().unwrap()),
        "the key is never shown again"
    );
    let admin_csrf = hidden(&html, "csrf");
    let id = c["id"].as_i64().unwrap();
    let (s, _, _) = a
        .post(
            app,
            &format!("/staff/admin/connectors/{id}/active"),
            &[("csrf", admin_csrf.as_str()), ("active", "no")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, list) = app.get("/api/v1/connectors", Some(&admin)).await;
    assert_eq!(list[0]["active"], false);
    let (_, _, html) = a.get(app, "/en/staff/admin/connectors").await;
    assert!(html.contains("Switch on"), "{html}");
}
on_every_backend!(contacts_are_recorded_in_the_workspace, recording);
