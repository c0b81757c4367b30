//! The workspace's requester pages and the call screen pop, as a browser
//! without JavaScript uses them: a record with its tickets in scope, search,
//! merge and split (refused without the session's CSRF token), and the
//! screen pop's links to the record and to a prefilled contact form.

use crate::browser::{Browser, hidden, sign_in, value_of};
use crate::harness::TestApp;
use crate::on_every_backend;
use reqwest::StatusCode;
use serde_json::{Value, json};

const PASSWORD: &str = "pareiza parole 2026";

async fn create(app: &TestApp, token: Option<&str>, body: Value) -> Value {
    let (s, t) = app.post("/api/v1/tickets", token, body).await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    t
}

fn body(institution: &str, service: &str, channel: &str, requester: Value) -> Value {
    json!({
        "institution": institution, "service": service, "channel": channel, "kind": "consultation",
        "subject": format!("Jautājums ({channel})"), "description": "Lūdzu palīdzēt.", "requester": requester
    })
}

async fn pages_scenario(app: &TestApp) {
    let staff = app.staff().await;
    app.store
        .set_password("ilze@pmlp.lv", PASSWORD)
        .await
        .unwrap();
    let portal = create(
        app,
        None,
        body(
            "PMLP",
            "PMLP-003",
            "portal",
            json!({"name": "Anna Bērziņa", "email": "anna@example.lv", "phone": "26 123 456"}),
        ),
    )
    .await;
    let anna = portal["requester_id"].as_i64().unwrap();
    let call = create(
        app,
        Some(&staff.pmlp),
        body(
            "PMLP",
            "PMLP-003",
            "phone",
            json!({"name": "Anna B.", "phone": "+37126123456"}),
        ),
    )
    .await;
    let other = create(
        app,
        Some(&staff.pmlp),
        body(
            "PMLP",
            "PMLP-003",
            "video",
            json!({"name": "A. Bērziņa", "email": "anna.darbs@example.lv"}),
        ),
    )
    .await["requester_id"]
        .as_i64()
        .unwrap();
    let vid_only = create(
        app,
        None,
        body(
            "VID",
            "VID-001",
            "portal",
            json!({"name": "Pēteris", "email": "peteris@example.lv"}),
        ),
    )
    .await["requester_id"]
        .as_i64()
        .unwrap();

    let mut b = Browser::new();
    let (s, _, _) = sign_in(app, &mut b, "ilze@pmlp.lv", PASSWORD, "/staff").await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    // The ticket page links to its requester's record.
    let (_, _, html) = b.get(app, &format!("/staff/tickets/{}", call["id"])).await;
    let record = format!("/staff/requesters/{anna}");
    assert!(html.contains(&format!("href=\"{record}\"")), "{html}");
    let (s, _, html) = b.get(app, &record).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("Anna Bērziņa"), "{html}");
    assert!(
        html.contains("anna@example.lv") && html.contains("+37126123456"),
        "{html}"
    );
    for t in [&portal, &call] {
        assert!(
            html.contains(&format!(">{}</a>", t["number"].as_str().unwrap())),
            "{html}"
        );
    }
    let csrf = hidden(&html, "csrf");
    // Another institution's requester is not found.
    let (s, _, _) = b.get(app, &format!("/staff/requesters/{vid_only}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Search.
    let (s, _, html) = b.get(app, "/staff/requesters?q=berzina").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains(&format!("href=\"{record}\"")), "{html}");
    assert!(!html.contains("Pēteris"), "{html}");

    // Merge: refused without the session's token, then done with it.
    let merge = format!("{record}/merge");
    let (s, _, _) = b
        .post(
            app,
            &merge,
            &[("csrf", "nepareizs"), ("other", &other.to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "CSRF");
    let (_, r) = app
        .get(&format!("/api/v1/requesters/{other}"), Some(&staff.pmlp))
        .await;
    assert_eq!(r["requester"]["merged_into"], Value::Null, "nothing merged");
    let (s, _, html) = b
        .post(app, &merge, &[("csrf", &csrf), ("other", "abc")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"other-error\""), "{html}");
    let (s, _, html) = b
        .post(
            app,
            &merge,
            &[("csrf", &csrf), ("other", &vid_only.to_string())],
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "out of scope is not found: {html}"
    );
    let (s, location, _) = b
        .post(
            app,
            &merge,
            &[("csrf", &csrf), ("other", &other.to_string())],
        )
        .await;
    assert_eq!(
        (s, location.as_deref()),
        (
            StatusCode::SEE_OTHER,
            Some(format!("{record}?done=merged").as_str())
        )
    );
    let (_, _, html) = b.get(app, &format!("{record}?done=merged")).await;
    assert!(html.contains("Ieraksti apvienoti."), "{html}");
    assert!(
        html.contains("anna.darbs@example.lv"),
        "the address moved: {html}"
    );
    let event = hidden(&html, "event");
    let split = format!("{record}/split");
    let (s, _, _) = b.post(app, &split, &[("event", event.as_str())]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "CSRF");
    let (s, _, _) = b
        .post(app, &split, &[("csrf", &csrf), ("event", &event)])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, html) = b
        .post(app, &split, &[("csrf", &csrf), ("event", &event)])
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(html.contains("Šī apvienošana jau ir atsaukta."), "{html}");

    // The screen pop, the number typed another way.
    let (s, _, html) = b
        .get(app, "/staff/calls?number=00371%2026%20123%20456")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains(&format!("<h2><a href=\"{record}\">Anna Bērziņa</a></h2>")),
        "{html}"
    );
    assert!(
        html.contains(&format!(">{}</a>", call["number"].as_str().unwrap())),
        "{html}"
    );
    let start = html
        .find("/staff/contacts/new?")
        .expect("the register link");
    let register = html[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&");
    assert!(register.contains("phone=%2B37126123456"), "{register}");
    let (s, _, html) = b.get(app, &register).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(value_of(&html, "phone"), "+37126123456");
    assert_eq!(value_of(&html, "name"), "Anna Bērziņa");
    let (s, _, html) = b.get(app, "/staff/calls?number=zvana").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"number-error\""), "{html}");
    let (s, _, html) = b.get(app, "/staff/calls?number=20999999").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("neviens nav atrasts"), "{html}");

    // English.
    let (s, _, html) = b.get(app, &format!("/en{record}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("<html lang=\"en\">") && html.contains("Merge with another record"),
        "{html}"
    );
    let (s, _, html) = b.get(app, "/en/staff/calls").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Caller&#39;s number") || html.contains("Caller's number"),
        "{html}"
    );
}
on_every_backend!(requester_pages_and_screen_pop, pages_scenario);
