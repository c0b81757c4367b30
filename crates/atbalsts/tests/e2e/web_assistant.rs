//! The assistant chat page (without JavaScript, its script, CSRF, the
//! hand-over form) and the accessibility statement, over HTTP on every backend.

use crate::browser::{Browser, hidden, open, page};
use crate::harness::TestApp;
use crate::on_every_backend;
use atbalsts_domain::kb::parse_article;
use reqwest::{Method, StatusCode};

fn article(id: &str, lang: &str, extra: &str, title: &str, body: &str) -> String {
    format!(
        "---\nid: {id}\nlang: {lang}\n{extra}title: \"{title}\"\nservices: [PMLP-003]\ntags: [dzīvesvieta]\naudience: public\nkind: howto\n---\n\n{body}\n"
    )
}

async fn knowledge_base(app: &TestApp) {
    let files = vec![
        parse_article(
            "dzivesvietas-deklaresana.md",
            &article(
                "dzivesvietas-deklaresana",
                "lv",
                "",
                "Kā deklarēt dzīvesvietu tiešsaistē",
                "Pēc pārcelšanās uz jaunu adresi deklarējiet dzīvesvietu portālā mēneša laikā.",
            ),
        )
        .unwrap(),
        parse_article(
            "dzivesvietas-deklaresana-en.md",
            &article(
                "dzivesvietas-deklaresana-en",
                "en",
                "translation_of: dzivesvietas-deklaresana\n",
                "How to declare your place of residence online",
                "After moving to a new address, declare your residence on the portal within a month.",
            ),
        )
        .unwrap(),
    ];
    app.store.import_articles(&files).await.unwrap();
    // The index follows the database on its own; wait until it has caught up.
    app.search_until(
        "q=declare%20residence&lang=en",
        None,
        "dzivesvietas-deklaresana-en",
    )
    .await;
    app.search_until("q=deklaret%20dzivesvietu", None, "dzivesvietas-deklaresana")
        .await;
}

fn assert_no_inline_code(html: &str) {
    assert!(!html.contains(" style="), "inline style: {html}");
    assert!(!html.contains("<style"), "inline style: {html}");
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script src=\"/static/chat.js\" defer></script>")
            .count(),
        "only the chat script, by address: {html}"
    );
}

async fn page_scenario(app: &TestApp) {
    let mut b = Browser::new();
    let (s, _, html) = b.get(app, "/assistant").await;
    assert_eq!(s, StatusCode::OK);
    assert!(b.header("content-type").starts_with("text/html"));
    assert!(
        b.header("content-security-policy")
            .contains("script-src 'self'")
    );
    for want in [
        "<html lang=\"lv\">",
        "<h1>Virtuālais asistents</h1>",
        "<label for=\"question\">Jūsu jautājums</label>",
        "<textarea id=\"question\" name=\"q\"",
        "aria-describedby=\"question-hint\"",
        "action=\"/assistant\"",
        "aria-live=\"polite\"",
        "<script src=\"/static/chat.js\" defer></script>",
        "<button class=\"button\" type=\"submit\">Jautāt</button>",
        "aria-current=\"page\"",
    ] {
        assert!(html.contains(want), "{want}: {html}");
    }
    assert_no_inline_code(&html);
    // No conversation yet: the "this helped" form waits hidden for the script.
    assert!(html.contains("id=\"helped-form\" method=\"post\" action=\"/assistant\" hidden"));
    assert!(!html.contains("action=\"/assistant/handoff\""));
    let token = hidden(&html, "csrf");
    assert!(token.len() >= 32, "{token}");
    let cookie = b
        .set_cookies()
        .into_iter()
        .find(|v| v.starts_with("atb_csrf="))
        .unwrap();
    assert!(
        cookie.contains(&token),
        "the cookie is the field's token: {cookie}"
    );
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    // A browser that has the cookie keeps its token.
    let (_, _, again) = b.get(app, "/assistant").await;
    assert!(b.set_cookies().is_empty());
    assert!(again.contains(&token));

    let (s, _, html) = page(app, "/en/assistant").await;
    assert_eq!(s, StatusCode::OK);
    for want in [
        "<html lang=\"en\">",
        "<h1>Virtual assistant</h1>",
        "<label for=\"question\">Your question</label>",
        "action=\"/en/assistant\"",
        ">Ask</button>",
        "href=\"/assistant\"",
    ] {
        assert!(html.contains(want), "{want}: {html}");
    }

    let (s, kind, script) = page(app, "/static/chat.js").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(kind, "text/javascript; charset=utf-8");
    assert!(script.contains("/api/v1/assistant/query"));
    assert!(script.contains("ask-form") && script.contains("conversation"));
}
on_every_backend!(assistant_page_renders_in_both_languages, page_scenario);

async fn answer_scenario(app: &TestApp) {
    knowledge_base(app).await;
    let (mut b, html) = open(app, "/assistant").await;
    let csrf = hidden(&html, "csrf");
    let question = "kā deklarēt dzīvesvietu pēc pārcelšanās";
    let (status, _, html) = b
        .post(
            app,
            "/assistant",
            &[
                ("csrf", &csrf),
                ("session", ""),
                ("intent", "ask"),
                ("q", question),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for want in [
        question,
        "<span class=\"speaker\">Jūs:</span>",
        "<span class=\"speaker\">Asistents:</span>",
        "Kā deklarēt dzīvesvietu tiešsaistē",
        "href=\"/articles/dzivesvietas-deklaresana\"",
        "value=\"helped\"",
    ] {
        assert!(html.contains(want), "{want}: {html}");
    }
    assert!(
        !html.contains("action=\"/assistant\" hidden"),
        "an answer offers \"this helped\": {html}"
    );
    assert_no_inline_code(&html);
    let session = hidden(&html, "session");
    assert!(session.len() >= 16, "{session}");
    let stored = app.store.assistant_session(&session).await.unwrap();
    assert_eq!((stored.turns, stored.outcome.as_str()), (1, "open"));

    // A follow-up in the same conversation: both turns are on the page, in order.
    let (status, _, html) = b
        .post(
            app,
            "/assistant",
            &[
                ("csrf", &csrf),
                ("session", &session),
                ("q", "deklarēt dzīvesvietu tiešsaistē"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(hidden(&html, "session"), session);
    let first = html.find(question).expect("the first question");
    let second = html
        .find("deklarēt dzīvesvietu tiešsaistē</span>")
        .expect("the second question");
    assert!(first < second);
    assert_eq!(
        app.store.assistant_session(&session).await.unwrap().turns,
        2
    );

    // A question that cannot be asked is shown back with its error.
    let long = "a".repeat(1001);
    for (q, text) in [
        ("   ", "Uzrakstiet savu jautājumu."),
        (long.as_str(), "ne vairāk kā 1000 rakstzīmju"),
    ] {
        let (status, _, html) = b
            .post(
                app,
                "/assistant",
                &[("csrf", &csrf), ("session", &session), ("q", q)],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        for want in [
            "role=\"alert\"",
            "href=\"#question\"",
            "<p class=\"field-error\" id=\"question-error\">",
            "aria-describedby=\"question-hint question-error\" aria-invalid=\"true\"",
            text,
        ] {
            assert!(html.contains(want), "{want}: {}", html);
        }
    }
    assert_eq!(
        app.store.assistant_session(&session).await.unwrap().turns,
        2
    );

    // "This helped" ends the conversation, resolved at level 0.
    let (status, _, html) = b
        .post(
            app,
            "/assistant",
            &[("csrf", &csrf), ("session", &session), ("intent", "helped")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Paldies!"), "{html}");
    assert!(html.contains("class=\"notice\" role=\"status\""));
    assert_eq!(
        hidden(&html, "session"),
        "",
        "the next question starts anew"
    );
    let stored = app.store.assistant_session(&session).await.unwrap();
    assert_eq!(stored.outcome, "helped");
    // The ended conversation takes no more questions; the page says so.
    let (status, _, html) = b
        .post(
            app,
            "/assistant",
            &[("csrf", &csrf), ("session", &session), ("q", "un vēl?")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("saruna jau ir beigusies"), "{html}");

    // In English: English links, the reply marked as English.
    let (mut b, html) = open(app, "/en/assistant").await;
    let csrf = hidden(&html, "csrf");
    let (status, _, html) = b
        .post(
            app,
            "/en/assistant",
            &[
                ("csrf", &csrf),
                ("q", "How do I declare my place of residence online?"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for want in [
        "<html lang=\"en\">",
        "href=\"/en/articles/dzivesvietas-deklaresana-en\"",
        "<span class=\"said\" lang=\"en\">",
        "<span class=\"speaker\">You:</span>",
        "Yes, this helped",
    ] {
        assert!(html.contains(want), "{want}: {}", html);
    }
}
on_every_backend!(assistant_page_answers_without_javascript, answer_scenario);

async fn csrf_scenario(app: &TestApp) {
    let (mut b, html) = open(app, "/assistant").await;
    let csrf = hidden(&html, "csrf");
    let (other, _) = open(app, "/assistant").await;
    let none = Browser::new();
    let ask = [("csrf", csrf.as_str()), ("q", "pase")];
    // No cookie, another browser's cookie, no field, a forged field.
    for (path, browser, form) in [
        ("/assistant", &none, &ask[..]),
        ("/assistant", &other, &ask[..]),
        ("/assistant", &b, &[("q", "pase")][..]),
        (
            "/assistant",
            &b,
            &[("csrf", "x".repeat(43).as_str()), ("q", "pase")][..],
        ),
        (
            "/assistant/handoff",
            &none,
            &[
                ("csrf", csrf.as_str()),
                ("session", "abcdefghijklmnopqrstuvwxyz"),
                ("name", "Anna"),
                ("email", "anna@example.lv"),
                ("consent", "yes"),
            ][..],
        ),
        ("/en/assistant", &none, &ask[..]),
    ] {
        // A copy, so that what one answer sets does not reach the next case.
        let mut browser = browser.clone();
        let (s, _, html) = browser.post(app, path, form).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path} {form:?}");
        assert!(browser.header("content-type").starts_with("text/html"));
        assert!(
            html.contains("Veidlapu nevarēja pieņemt")
                || html.contains("The form could not be accepted"),
            "{html}"
        );
    }
    let outcomes = app.store.assistant_outcomes().await.unwrap();
    assert_eq!(outcomes.open, 0, "nothing was asked");

    // Malformed bodies are 400 pages, never server errors.
    for (content_type, body) in [
        (
            "application/x-www-form-urlencoded",
            format!("csrf={csrf}&q=a&q=b"),
        ),
        (
            "application/json",
            format!("{{\"csrf\":\"{csrf}\",\"q\":\"pase\"}}"),
        ),
    ] {
        let malformed = b
            .request(Method::POST, &app.url("/assistant"))
            .header("content-type", content_type)
            .body(body);
        let (s, _, html) = b.send(malformed).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{content_type}");
        assert!(html.contains("<html lang=\"lv\">"));
    }
    // A conversation id that the API never makes.
    let (status, _, _) = b
        .post(
            app,
            "/assistant",
            &[
                ("csrf", &csrf),
                ("session", "../../etc/passwd"),
                ("q", "pase"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
on_every_backend!(assistant_forms_need_the_csrf_token, csrf_scenario);

async fn handoff_scenario(app: &TestApp) {
    knowledge_base(app).await;
    let (mut b, html) = open(app, "/assistant").await;
    let csrf = hidden(&html, "csrf");
    // A register service without an article: the assistant abstains and offers a person.
    let (status, _, html) = b
        .post(
            app,
            "/assistant",
            &[
                ("csrf", &csrf),
                ("q", "Kā iesniegt gada ienākumu deklarāciju?"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for want in [
        "<h2 id=\"handoff-heading\">Nodot jautājumu speciālistam</h2>",
        "action=\"/assistant/handoff\"",
        "<label for=\"handoff-name\">",
        "<label for=\"handoff-email\">",
        "<label for=\"handoff-service\">",
        "id=\"handoff-consent\" name=\"consent\" type=\"checkbox\"",
        "<option value=\"VID-001\" selected>",
    ] {
        assert!(html.contains(want), "{want}: {html}");
    }
    assert!(
        html.contains("action=\"/assistant\" hidden"),
        "no \"this helped\" without an answer: {html}"
    );
    assert_no_inline_code(&html);
    let session = hidden(&html, "session");

    // Without an e-mail and consent: the page again, errors next to the fields.
    let (status, _, html) = b
        .post(
            app,
            "/assistant/handoff",
            &[
                ("csrf", &csrf),
                ("session", &session),
                ("name", "Jānis Ozols"),
                ("email", ""),
                ("service", "VID-001"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    for want in [
        "class=\"error-summary\" role=\"alert\"",
        "href=\"#handoff-email\"",
        "href=\"#handoff-consent\"",
        "aria-invalid=\"true\" aria-describedby=\"handoff-email-error\"",
        "<p class=\"field-error\" id=\"handoff-email-error\">Ierakstiet e-pasta adresi",
        "<p class=\"field-error\" id=\"handoff-consent-error\">",
        "value=\"Jānis Ozols\"",
        "Kā iesniegt gada ienākumu deklarāciju?",
    ] {
        assert!(html.contains(want), "{want}: {}", html);
    }
    assert!(!html.contains("handoff-name-error"), "{html}");
    assert_eq!(
        app.store.assistant_session(&session).await.unwrap().outcome,
        "open"
    );

    // Complete: a chat ticket, and the way to its private page.
    let (status, location, html) = b
        .post(
            app,
            "/assistant/handoff",
            &[
                ("csrf", &csrf),
                ("session", &session),
                ("name", "Jānis Ozols"),
                ("email", "janis.ozols@example.lv"),
                ("service", "VID-001"),
                ("message", "Lūdzu, atbildiet e-pastā."),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let location = location.unwrap_or_default();
    let token = location
        .strip_prefix("/t/")
        .unwrap_or_else(|| panic!("{location}"));
    assert!(token.len() >= 32, "{location}");
    let stored = app.store.assistant_session(&session).await.unwrap();
    assert_eq!(stored.outcome, "handed_off");
    let id = stored.ticket_id.expect("the ticket");
    let (s, ticket) = app
        .get_as_requester(&format!("/api/v1/tickets/{id}"), token)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ticket["channel"], "chat", "{ticket}");
    assert_eq!(ticket["level"], 1);
    assert_eq!(ticket["institution"], "VID");
    let description = ticket["description"].as_str().unwrap();
    assert!(description.contains("Kā iesniegt gada ienākumu deklarāciju?"));
    assert!(description.contains("Lūdzu, atbildiet e-pastā."));
    // Sent again: the conversation was already handed over.
    let (status, _, html) = b
        .post(
            app,
            "/assistant/handoff",
            &[
                ("csrf", &csrf),
                ("session", &session),
                ("name", "Jānis Ozols"),
                ("email", "janis.ozols@example.lv"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    assert!(html.contains("jau ir nodota speciālistam"), "{html}");

    // Small talk has no service, and there is no central help desk: the person picks one.
    let (status, _, html) = b
        .post(app, "/assistant", &[("csrf", &csrf), ("q", "Sveiki!")])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("action=\"/assistant/handoff\""));
    let small_talk = hidden(&html, "session");
    let form = [
        ("csrf", csrf.as_str()),
        ("session", small_talk.as_str()),
        ("name", "Anna"),
        ("email", "anna@example.lv"),
        ("consent", "yes"),
    ];
    let (status, _, html) = b.post(app, "/assistant/handoff", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("<p class=\"field-error\" id=\"handoff-service-error\">"),
        "{html}"
    );

    // In English, asked for after an answer: the English ticket page.
    let (mut b, html) = open(app, "/en/assistant").await;
    let csrf = hidden(&html, "csrf");
    let (_, _, html) = b
        .post(
            app,
            "/en/assistant",
            &[
                ("csrf", &csrf),
                ("q", "How do I declare my place of residence online?"),
            ],
        )
        .await;
    let session = hidden(&html, "session");
    let (status, _, html) = b
        .post(
            app,
            "/en/assistant",
            &[("csrf", &csrf), ("session", &session), ("intent", "person")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("action=\"/en/assistant/handoff\"")
            && html.contains("<option value=\"PMLP-003\" selected>"),
        "{html}"
    );
    let (status, location, html) = b
        .post(
            app,
            "/en/assistant/handoff",
            &[
                ("csrf", &csrf),
                ("session", &session),
                ("name", "Anna Bērziņa"),
                ("email", "anna@example.lv"),
                ("service", "PMLP-003"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    assert!(location.unwrap_or_default().starts_with("/en/t/"));
    assert_eq!(app.store.assistant_outcomes().await.unwrap().handed_off, 2);
}
on_every_backend!(assistant_page_hands_over_to_a_person, handoff_scenario);

async fn statement_scenario(app: &TestApp) {
    let (s, _, html) = page(app, "/accessibility").await;
    assert_eq!(s, StatusCode::OK);
    for want in [
        "<html lang=\"lv\">",
        "<h1>Piekļūstamības paziņojums</h1>",
        "WCAG 2.1",
        "EN 301 549",
        "Nr. 445",
        "axe-core",
        "320",
        "PDF",
        "href=\"/requests/new\"",
        "<time datetime=\"2026-11-29\">2026. gada 29. novembris</time>",
    ] {
        assert!(html.contains(want), "{want}: {html}");
    }
    assert!(!html.contains("<script"));
    assert_no_inline_code(&html);
    let (s, _, html) = page(app, "/en/accessibility").await;
    assert_eq!(s, StatusCode::OK);
    for want in [
        "<html lang=\"en\">",
        "<h1>Accessibility statement</h1>",
        "WCAG 2.1",
        "href=\"/en/requests/new\"",
        "<time datetime=\"2026-11-29\">29 November 2026</time>",
        "supervisory body",
    ] {
        assert!(html.contains(want), "{want}: {html}");
    }
    // The footer of every page leads here.
    assert!(page(app, "/").await.2.contains("href=\"/accessibility\""));
}
on_every_backend!(
    accessibility_statement_in_both_languages,
    statement_scenario
);
