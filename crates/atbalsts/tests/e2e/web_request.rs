//! The portal's support-request form and the private ticket page, as a
//! browser without JavaScript uses them: cookies, CSRF tokens, redirects.

use crate::browser::{Browser, hidden, open};
use crate::harness::TestApp;
use crate::on_every_backend;
use reqwest::header::ORIGIN;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn request_scenario(app: &TestApp) {
    let staff = app.staff().await;
    let (mut b, html) = open(app, "/requests/new?service=PMLP-003").await;
    assert!(html.contains("<label for=\"subject\">Temats"), "{html}");
    assert!(
        html.contains("<option value=\"PMLP-003\" selected>"),
        "{html}"
    );
    let csrf = hidden(&html, "csrf");
    let form_id = hidden(&html, "form_id");
    let cookie = b.cookie_header();
    assert!(cookie.ends_with(&csrf), "double submit: {cookie} / {csrf}");

    let good = [
        ("csrf", csrf.as_str()),
        ("form_id", form_id.as_str()),
        ("service", "PMLP-003"),
        ("kind", "incident"),
        ("subject", "Nevaru deklarēt dzīvesvietu"),
        ("description", "Portāls rāda kļūdu E3007."),
        ("name", "Anna Bērziņa"),
        ("email", "anna@example.lv"),
        ("phone", ""),
        ("preferred", "email"),
        ("consent", "yes"),
    ];

    // Without the cookie, with a forged token, or from another site: refused, nothing made.
    let (s, _, html) = Browser::new().post(app, "/requests/new", &good).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(html.contains("Veidlapa ir novecojusi"), "{html}");
    let mut forged = good;
    forged[0] = ("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(
        b.post(app, "/requests/new", &forged).await.0,
        StatusCode::FORBIDDEN
    );
    let cross = b
        .request(Method::POST, &app.url("/requests/new"))
        .header(ORIGIN, "https://evil.example")
        .form(&good);
    assert_eq!(b.send(cross).await.0, StatusCode::FORBIDDEN);
    let (_, listed) = app.get("/api/v1/tickets", Some(&staff.pmlp)).await;
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(0),
        "{listed}"
    );

    // Missing and wrong fields: every problem named next to its field, input kept.
    let mut bad = good;
    bad[4] = ("subject", "  ");
    bad[7] = ("email", "anna-at-example");
    bad[10] = ("consent", "");
    let (s, _, html) = b.post(app, "/requests/new", &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(
        html.contains("<a href=\"#subject\">Ierakstiet tematu.</a>"),
        "{html}"
    );
    assert!(
        html.contains("id=\"email\" name=\"email\" type=\"email\" maxlength=\"254\" autocomplete=\"email\" value=\"anna-at-example\" aria-invalid=\"true\" aria-describedby=\"email-error\""),
        "{html}"
    );
    assert!(html.contains("id=\"consent-error\""), "{html}");
    assert!(html.contains("Portāls rāda kļūdu E3007."), "kept: {html}");

    // A good form: 303 to the private page, which shows the number and the link.
    let (s, location, _) = b.post(app, "/requests/new", &good).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    assert!(
        location.starts_with("/t/") && location.ends_with("?new=1"),
        "{location}"
    );
    let private_path = location.trim_end_matches("?new=1").to_string();

    // The same form sent again (a double click) makes no second ticket.
    let (s, again, _) = b.post(app, "/requests/new", &good).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(again.as_deref(), Some(location.as_str()));
    let (_, listed) = app.get("/api/v1/tickets", Some(&staff.pmlp)).await;
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{listed}");
    let id = items[0]["id"].as_i64().unwrap();
    let number = items[0]["number"].as_str().unwrap().to_string();
    let (_, ticket) = app
        .get(&format!("/api/v1/tickets/{id}"), Some(&staff.pmlp))
        .await;
    assert_eq!(ticket["kind"], "incident");
    assert_eq!(ticket["channel"], "portal");
    assert_eq!(ticket["language"], "lv", "the page's language");
    assert_eq!(ticket["requester"]["email"], "anna@example.lv");

    let (_, _, html) = b.get(app, &location).await;
    assert_eq!(b.header("referrer-policy"), "same-origin");
    assert_eq!(b.header("cache-control"), "no-store");
    assert!(html.contains("Pieprasījums saņemts"), "{html}");
    assert!(html.contains(&number), "{html}");
    assert!(
        html.contains(&format!("{}{private_path}", app.base)),
        "absolute link: {html}"
    );
    assert!(html.contains("Jauns") && html.contains("Portāls rāda kļūdu E3007."));
    assert!(
        !html.contains("rate-heading"),
        "no rating before resolution"
    );

    // Unknown or malformed links are plain 404s.
    assert_eq!(b.get(app, "/t/nope").await.0, StatusCode::NOT_FOUND);
    let unknown = format!("/t/{}", "x".repeat(43));
    assert_eq!(b.get(app, &unknown).await.0, StatusCode::NOT_FOUND);

    // A specialist answers (API); the requester sees it and replies through the page.
    let (s, _) = app
        .post(
            &format!("/api/v1/tickets/{id}/messages"),
            Some(&staff.pmlp),
            json!({"body": "Lūdzu, pamēģiniet vēlreiz pēc 10 minūtēm.", "await_requester": true}),
        )
        .await;
    assert!(s.is_success(), "{s}");
    let (_, _, html) = b.get(app, &private_path).await;
    assert!(
        html.contains("Lūdzu, pamēģiniet vēlreiz pēc 10 minūtēm."),
        "{html}"
    );
    assert!(html.contains("Gaida jūsu atbildi"), "{html}");

    let reply_path = format!("{private_path}/reply");
    let (s, _, html) = b
        .post(app, &reply_path, &[("csrf", &csrf), ("body", " ")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"body-error\""), "{html}");
    let (s, _, _) = Browser::new()
        .post(app, &reply_path, &[("csrf", &csrf), ("body", "x")])
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, location, _) = b
        .post(
            app,
            &reply_path,
            &[("csrf", &csrf), ("body", "Tagad izdevās, paldies!")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some(format!("{private_path}?done=reply").as_str())
    );
    let (_, _, html) = b.get(app, &private_path).await;
    assert!(
        html.contains("Tagad izdevās, paldies!") && html.contains("Tiek izskatīts"),
        "{html}"
    );

    // Rating: refused before resolution, accepted after it, shown back, audited.
    let rate_path = format!("{private_path}/rate");
    let (s, _, _) = b
        .post(app, &rate_path, &[("csrf", &csrf), ("score", "5")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .post(
            &format!("/api/v1/tickets/{id}/resolve"),
            Some(&staff.pmlp),
            json!({"resolution": "Kļūda novērsta."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, _, html) = b.get(app, &private_path).await;
    assert!(
        html.contains("Novērtējiet atbalstu") && html.contains("Kļūda novērsta."),
        "{html}"
    );
    let (s, _, html) = b
        .post(app, &rate_path, &[("csrf", &csrf), ("score", "9")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"score-error\""), "{html}");
    let (s, location, _) = b
        .post(
            app,
            &rate_path,
            &[
                ("csrf", &csrf),
                ("score", "4"),
                ("comment", "Ātri un skaidri"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{location:?}");
    let (_, _, html) = b.get(app, &private_path).await;
    assert!(html.contains("Jūsu vērtējums: 4 no 5"), "{html}");
    assert!(html.contains("value=\"4\" checked"), "{html}");
    let (_, events) = app
        .get(&format!("/api/v1/tickets/{id}/events"), Some(&staff.pmlp))
        .await;
    let rated = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "rated")
        .expect("a rated event");
    assert_eq!(rated["data"]["score"], 4, "{rated}");

    // The English form: the same flow under /en.
    let (mut en, html) = open(app, "/en/requests/new").await;
    assert!(
        html.contains("<html lang=\"en\">") && html.contains("Send request"),
        "{html}"
    );
    let csrf_en = hidden(&html, "csrf");
    let form_id_en = hidden(&html, "form_id");
    let (s, location, _) = en
        .post(
            app,
            "/en/requests/new",
            &[
                ("csrf", csrf_en.as_str()),
                ("form_id", form_id_en.as_str()),
                ("service", "VID-001"),
                ("kind", "consultation"),
                ("subject", "Tax return question"),
                ("description", "Where do I find last year's return?"),
                ("name", "John Smith"),
                ("email", ""),
                ("phone", "+371 2000 0000"),
                ("preferred", "phone"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    assert!(location.starts_with("/en/t/"), "{location}");
    let admin = &staff.admin;
    let (_, listed) = app
        .get("/api/v1/tickets?institution=VID", Some(admin))
        .await;
    let id = listed["items"][0]["id"].as_i64().unwrap();
    let (_, ticket) = app.get(&format!("/api/v1/tickets/{id}"), Some(admin)).await;
    assert_eq!(
        ticket["language"], "en",
        "a request from the English page is in English: {ticket}"
    );
    let (_, _, html) = en.get(app, &location).await;
    assert!(
        html.contains("Request received") && html.contains("Tax return question"),
        "{html}"
    );
}
on_every_backend!(a_citizen_requests_support_and_rates_it, request_scenario);
