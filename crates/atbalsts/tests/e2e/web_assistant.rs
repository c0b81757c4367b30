//! The assistant chat page (without JavaScript, its script, CSRF, the
//! hand-over form) and the accessibility statement, over HTTP on every backend.

use crate::harness::TestApp;
use crate::on_every_backend;
use atbalsts_domain::kb::parse_article;
use reqwest::{Client, StatusCode, redirect};
use serde_json::Value;

/// A page as a browser without a cookie store sees it.
struct Got {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    html: String,
}

impl Got {
    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    /// The CSRF cookie to send back: `atb_csrf=…`.
    fn cookie(&self) -> String {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("atb_csrf="))
            .and_then(|v| v.split(';').next())
            .expect("the page sets the CSRF cookie")
            .to_string()
    }

    /// The value of the first hidden field `name`.
    fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .html
            .find(&marker)
            .unwrap_or_else(|| panic!("no field {name}: {}", self.html))
            + marker.len();
        let end = self.html[start..].find('"').unwrap() + start;
        self.html[start..end].to_string()
    }
}

/// A client that shows redirects instead of following them.
fn browser() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get(app: &TestApp, path: &str) -> Got {
    let res = browser().get(app.url(path)).send().await.unwrap();
    Got {
        status: res.status(),
        headers: res.headers().clone(),
        html: res.text().await.unwrap(),
    }
}

async fn post(app: &TestApp, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Got {
    let mut req = browser().post(app.url(path)).form(form);
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    let res = req.send().await.unwrap();
    let got = Got {
        status: res.status(),
        headers: res.headers().clone(),
        html: res.text().await.unwrap(),
    };
    assert!(
        !got.status.is_server_error(),
        "{path}: {} {}",
        got.status,
        got.html
    );
    got
}

/// The page's cookie and form token, as a browser would get them.
async fn open(app: &TestApp, path: &str) -> (String, String) {
    let page = get(app, path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    (page.cookie(), page.hidden("csrf"))
}

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
    for _ in 0..200 {
        let (_, v) = app
            .get("/api/v1/kb/search?q=declare%20residence&lang=en", None)
            .await;
        let (_, w) = app
            .get("/api/v1/kb/search?q=deklaret%20dzivesvietu", None)
            .await;
        if v["results"][0]["id"] == "dzivesvietas-deklaresana-en"
            && w["results"][0]["id"] == "dzivesvietas-deklaresana"
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the articles never reached the index");
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
    let page = get(app, "/assistant").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(
        page.header("content-security-policy")
            .contains("script-src 'self'")
    );
    let html = &page.html;
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
    assert_no_inline_code(html);
    // No conversation yet: the "this helped" form waits hidden for the script.
    assert!(html.contains("id=\"helped-form\" method=\"post\" action=\"/assistant\" hidden"));
    assert!(!html.contains("action=\"/assistant/handoff\""));
    let token = page.hidden("csrf");
    assert!(token.len() >= 32, "{token}");
    let cookie = page
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("atb_csrf="))
        .unwrap()
        .to_string();
    assert!(
        cookie.contains(&token),
        "the cookie is the field's token: {cookie}"
    );
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    // A browser that has the cookie keeps its token.
    let again = browser()
        .get(app.url("/assistant"))
        .header("cookie", page.cookie())
        .send()
        .await
        .unwrap();
    assert!(again.headers().get("set-cookie").is_none());
    assert!(again.text().await.unwrap().contains(&token));

    let page = get(app, "/en/assistant").await;
    assert_eq!(page.status, StatusCode::OK);
    for want in [
        "<html lang=\"en\">",
        "<h1>Virtual assistant</h1>",
        "<label for=\"question\">Your question</label>",
        "action=\"/en/assistant\"",
        ">Ask</button>",
        "href=\"/assistant\"",
    ] {
        assert!(page.html.contains(want), "{want}: {}", page.html);
    }

    let script = get(app, "/static/chat.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert_eq!(
        script.header("content-type"),
        "text/javascript; charset=utf-8"
    );
    assert!(script.html.contains("/api/v1/assistant/query"));
    assert!(script.html.contains("ask-form") && script.html.contains("conversation"));
}
on_every_backend!(assistant_page_renders_in_both_languages, page_scenario);

async fn answer_scenario(app: &TestApp) {
    knowledge_base(app).await;
    let (cookie, csrf) = open(app, "/assistant").await;
    let question = "kā deklarēt dzīvesvietu pēc pārcelšanās";
    let got = post(
        app,
        "/assistant",
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("session", ""),
            ("intent", "ask"),
            ("q", question),
        ],
    )
    .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.html);
    let html = &got.html;
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
    assert_no_inline_code(html);
    let session = got.hidden("session");
    assert!(session.len() >= 16, "{session}");
    let stored = app.store.assistant_session(&session).await.unwrap();
    assert_eq!((stored.turns, stored.outcome.as_str()), (1, "open"));

    // A follow-up in the same conversation: both turns are on the page, in order.
    let got = post(
        app,
        "/assistant",
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("session", &session),
            ("q", "deklarēt dzīvesvietu tiešsaistē"),
        ],
    )
    .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.html);
    assert_eq!(got.hidden("session"), session);
    let first = got.html.find(question).expect("the first question");
    let second = got
        .html
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
        let got = post(
            app,
            "/assistant",
            Some(&cookie),
            &[("csrf", &csrf), ("session", &session), ("q", q)],
        )
        .await;
        assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
        for want in [
            "role=\"alert\"",
            "href=\"#question\"",
            "<p class=\"field-error\" id=\"question-error\">",
            "aria-describedby=\"question-hint question-error\" aria-invalid=\"true\"",
            text,
        ] {
            assert!(got.html.contains(want), "{want}: {}", got.html);
        }
    }
    assert_eq!(
        app.store.assistant_session(&session).await.unwrap().turns,
        2
    );

    // "This helped" ends the conversation, resolved at level 0.
    let got = post(
        app,
        "/assistant",
        Some(&cookie),
        &[("csrf", &csrf), ("session", &session), ("intent", "helped")],
    )
    .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.html);
    assert!(got.html.contains("Paldies!"), "{}", got.html);
    assert!(got.html.contains("class=\"notice\" role=\"status\""));
    assert_eq!(got.hidden("session"), "", "the next question starts anew");
    let stored = app.store.assistant_session(&session).await.unwrap();
    assert_eq!(stored.outcome, "helped");
    // The ended conversation takes no more questions; the page says so.
    let got = post(
        app,
        "/assistant",
        Some(&cookie),
        &[("csrf", &csrf), ("session", &session), ("q", "un vēl?")],
    )
    .await;
    assert_eq!(got.status, StatusCode::CONFLICT);
    assert!(got.html.contains("saruna jau ir beigusies"), "{}", got.html);

    // In English: English links, the reply marked as English.
    let (cookie, csrf) = open(app, "/en/assistant").await;
    let got = post(
        app,
        "/en/assistant",
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("q", "How do I declare my place of residence online?"),
        ],
    )
    .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.html);
    for want in [
        "<html lang=\"en\">",
        "href=\"/en/articles/dzivesvietas-deklaresana-en\"",
        "<span class=\"said\" lang=\"en\">",
        "<span class=\"speaker\">You:</span>",
        "Yes, this helped",
    ] {
        assert!(got.html.contains(want), "{want}: {}", got.html);
    }
}
on_every_backend!(assistant_page_answers_without_javascript, answer_scenario);

async fn csrf_scenario(app: &TestApp) {
    let (cookie, csrf) = open(app, "/assistant").await;
    let (other_cookie, _) = open(app, "/assistant").await;
    let ask = [("csrf", csrf.as_str()), ("q", "pase")];
    // No cookie, another browser's cookie, no field, a forged field.
    for (path, cookie, form) in [
        ("/assistant", None, &ask[..]),
        ("/assistant", Some(other_cookie.as_str()), &ask[..]),
        ("/assistant", Some(cookie.as_str()), &[("q", "pase")][..]),
        (
            "/assistant",
            Some(cookie.as_str()),
            &[("csrf", "x".repeat(43).as_str()), ("q", "pase")][..],
        ),
        (
            "/assistant/handoff",
            None,
            &[
                ("csrf", csrf.as_str()),
                ("session", "abcdefghijklmnopqrstuvwxyz"),
                ("name", "Anna"),
                ("email", "anna@example.lv"),
                ("consent", "yes"),
            ][..],
        ),
        ("/en/assistant", None, &ask[..]),
    ] {
        let got = post(app, path, cookie, form).await;
        assert_eq!(got.status, StatusCode::FORBIDDEN, "{path} {form:?}");
        assert!(got.header("content-type").starts_with("text/html"));
        assert!(
            got.html.contains("Veidlapu nevarēja pieņemt")
                || got.html.contains("The form could not be accepted"),
            "{}",
            got.html
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
        let res = browser()
            .post(app.url("/assistant"))
            .header("cookie", &cookie)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{content_type}");
        assert!(res.text().await.unwrap().contains("<html lang=\"lv\">"));
    }
    // A conversation id that the API never makes.
    let got = post(
        app,
        "/assistant",
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("session", "../../etc/passwd"),
            ("q", "pase"),
        ],
    )
    .await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST);
}
on_every_backend!(assistant_forms_need_the_csrf_token, csrf_scenario);

async fn handoff_scenario(app: &TestApp) {
    knowledge_base(app).await;
    let (cookie, csrf) = open(app, "/assistant").await;
    // A register service without an article: the assistant abstains and offers a person.
    let got = post(
        app,
        "/assistant",
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("q", "Kā iesniegt gada ienākumu deklarāciju?"),
        ],
    )
    .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.html);
    let html = &got.html;
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
    assert_no_inline_code(html);
    let session = got.hidden("session");

    // Without an e-mail and consent: the page again, errors next to the fields.
    let got = post(
        app,
        "/assistant/handoff",
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("session", &session),
            ("name", "Jānis Ozols"),
            ("email", ""),
            ("service", "VID-001"),
        ],
    )
    .await;
    assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", got.html);
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
        assert!(got.html.contains(want), "{want}: {}", got.html);
    }
    assert!(!got.html.contains("handoff-name-error"), "{}", got.html);
    assert_eq!(
        app.store.assistant_session(&session).await.unwrap().outcome,
        "open"
    );

    // Complete: a chat ticket, and the way to its private page.
    let got = post(
        app,
        "/assistant/handoff",
        Some(&cookie),
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
    assert_eq!(got.status, StatusCode::SEE_OTHER, "{}", got.html);
    let location = got.header("location");
    let token = location
        .strip_prefix("/t/")
        .unwrap_or_else(|| panic!("{location}"));
    assert!(token.len() >= 32, "{location}");
    let stored = app.store.assistant_session(&session).await.unwrap();
    assert_eq!(stored.outcome, "handed_off");
    let id = stored.ticket_id.expect("the ticket");
    let res = app
        .client
        .get(app.url(&format!("/api/v1/tickets/{id}")))
        .header("x-access-token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let ticket: Value = res.json().await.unwrap();
    assert_eq!(ticket["channel"], "chat", "{ticket}");
    assert_eq!(ticket["level"], 1);
    assert_eq!(ticket["institution"], "VID");
    let description = ticket["description"].as_str().unwrap();
    assert!(description.contains("Kā iesniegt gada ienākumu deklarāciju?"));
    assert!(description.contains("Lūdzu, atbildiet e-pastā."));
    // Sent again: the conversation was already handed over.
    let got = post(
        app,
        "/assistant/handoff",
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("session", &session),
            ("name", "Jānis Ozols"),
            ("email", "janis.ozols@example.lv"),
            ("consent", "yes"),
        ],
    )
    .await;
    assert_eq!(got.status, StatusCode::CONFLICT, "{}", got.html);
    assert!(
        got.html.contains("jau ir nodota speciālistam"),
        "{}",
        got.html
    );

    // Small talk has no service, and there is no central help desk: the person picks one.
    let got = post(
        app,
        "/assistant",
        Some(&cookie),
        &[("csrf", &csrf), ("q", "Sveiki!")],
    )
    .await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(got.html.contains("action=\"/assistant/handoff\""));
    let small_talk = got.hidden("session");
    let form = [
        ("csrf", csrf.as_str()),
        ("session", small_talk.as_str()),
        ("name", "Anna"),
        ("email", "anna@example.lv"),
        ("consent", "yes"),
    ];
    let got = post(app, "/assistant/handoff", Some(&cookie), &form).await;
    assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", got.html);
    assert!(
        got.html
            .contains("<p class=\"field-error\" id=\"handoff-service-error\">"),
        "{}",
        got.html
    );

    // In English, asked for after an answer: the English ticket page.
    let (cookie, csrf) = open(app, "/en/assistant").await;
    let got = post(
        app,
        "/en/assistant",
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("q", "How do I declare my place of residence online?"),
        ],
    )
    .await;
    let session = got.hidden("session");
    let got = post(
        app,
        "/en/assistant",
        Some(&cookie),
        &[("csrf", &csrf), ("session", &session), ("intent", "person")],
    )
    .await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(
        got.html.contains("action=\"/en/assistant/handoff\"")
            && got.html.contains("<option value=\"PMLP-003\" selected>"),
        "{}",
        got.html
    );
    let got = post(
        app,
        "/en/assistant/handoff",
        Some(&cookie),
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
    assert_eq!(got.status, StatusCode::SEE_OTHER, "{}", got.html);
    assert!(got.header("location").starts_with("/en/t/"));
    assert_eq!(app.store.assistant_outcomes().await.unwrap().handed_off, 2);
}
on_every_backend!(assistant_page_hands_over_to_a_person, handoff_scenario);

async fn statement_scenario(app: &TestApp) {
    let page = get(app, "/accessibility").await;
    assert_eq!(page.status, StatusCode::OK);
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
        assert!(page.html.contains(want), "{want}: {}", page.html);
    }
    assert!(!page.html.contains("<script"));
    assert_no_inline_code(&page.html);
    let page = get(app, "/en/accessibility").await;
    assert_eq!(page.status, StatusCode::OK);
    for want in [
        "<html lang=\"en\">",
        "<h1>Accessibility statement</h1>",
        "WCAG 2.1",
        "href=\"/en/requests/new\"",
        "<time datetime=\"2026-11-29\">29 November 2026</time>",
        "supervisory body",
    ] {
        assert!(page.html.contains(want), "{want}: {}", page.html);
    }
    // The footer of every page leads here.
    assert!(get(app, "/").await.html.contains("href=\"/accessibility\""));
}
on_every_backend!(
    accessibility_statement_in_both_languages,
    statement_scenario
);
