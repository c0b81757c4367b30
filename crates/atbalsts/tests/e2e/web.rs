use crate::browser::{hidden, open, page};
use crate::harness::TestApp;
use crate::on_every_backend;
use atbalsts_domain::kb::parse_article;
use reqwest::StatusCode;

async fn portal_scenario(app: &TestApp) {
    let text = "---\nid: dzivesvietas-deklaresana\nlang: lv\ntitle: \"Kā deklarēt dzīvesvietu\"\nservices: [PMLP-003]\ntags: [dzīvesvieta]\naudience: public\nkind: howto\n---\n\nDeklarējiet jauno **adresi** portālā.\n\n<script>bad()</script>\n";
    let en = "---\nid: dzivesvietas-deklaresana-en\nlang: en\ntranslation_of: dzivesvietas-deklaresana\ntitle: \"How to declare your residence\"\nservices: [PMLP-003]\ntags: [residence]\naudience: public\nkind: howto\n---\n\nDeclare the new address online.\n";
    let files = vec![
        parse_article("dzivesvietas-deklaresana.md", text).unwrap(),
        parse_article("dzivesvietas-deklaresana-en.md", en).unwrap(),
    ];
    app.store.import_articles(&files).await.unwrap();

    // Home: Latvian, the life situations with plural forms, a skip link, a labelled search box.
    let (s, kind, html) = page(app, "/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(html.contains("<html lang=\"lv\">"), "{html}");
    assert!(html.contains("href=\"#content\""));
    assert!(html.contains("<label for=\"q\">"));
    assert!(
        html.contains("Pārcelšanās") && html.contains("1 pakalpojums"),
        "{html}"
    );
    assert!(html.contains("href=\"/en/\""), "language switch: {html}");

    let (s, _, html) = page(app, "/en/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("<html lang=\"en\">"));
    assert!(
        html.contains("Moving house") && html.contains("1 service"),
        "{html}"
    );
    assert!(html.contains("href=\"/\""));

    // Search: folded query, highlighted snippet, a link to the article.
    let mut html = String::new();
    for _ in 0..100 {
        html = page(app, "/search?q=deklaret%20dzivesvietu").await.2;
        if html.contains("/articles/dzivesvietas-deklaresana\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        html.contains("href=\"/articles/dzivesvietas-deklaresana\""),
        "{html}"
    );
    assert!(html.contains("<mark>"), "{html}");
    assert!(
        html.contains("Atrasts 1 raksts") || html.contains("Atrasti"),
        "{html}"
    );
    // The query is shown back escaped.
    let (s, _, html) = page(app, "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(
        html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"),
        "{html}"
    );
    let (s, _, _) = page(app, "/search?q=%01").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Article: sanitised HTML, link to the translation.
    let (s, _, html) = page(app, "/articles/dzivesvietas-deklaresana").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("<strong>adresi</strong>"), "{html}");
    assert!(!html.contains("bad()"), "scripts are removed: {html}");
    assert!(
        html.contains("href=\"/en/articles/dzivesvietas-deklaresana-en\""),
        "{html}"
    );
    let (s, _, html) = page(app, "/en/articles/dzivesvietas-deklaresana-en").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("<article lang=\"en\">"), "{html}");

    // Missing pages are HTML 404s in the right language.
    let (s, kind, html) = page(app, "/articles/nav-tada").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(kind.starts_with("text/html"));
    assert!(html.contains("Lapa nav atrasta"));
    let (s, _, html) = page(app, "/en/nothing/here").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        html.contains("Page not found") && html.contains("<html lang=\"en\">"),
        "{html}"
    );
    let (s, _, _) = page(app, "/articles/..%2Fetc").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Life situation → its services → the service page with its facts, centres and articles.
    let (_, _, html) = page(app, "/").await;
    assert!(html.contains("href=\"/life-situations/LS-MOVE\""), "{html}");
    let (s, _, html) = page(app, "/life-situations/LS-MOVE").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("href=\"/services/PMLP-003\"") && html.contains("Dzīvesvietas deklarēšana"),
        "{html}"
    );
    let (s, _, html) = page(app, "/services/PMLP-003").await;
    assert_eq!(s, StatusCode::OK);
    for want in [
        "portālā, klātienē",
        "Bez maksas",
        "1 darbdiena",
        "Cēsu VPVKAC",
        "Pirmdiena",
        "08:00–17:00",
        "slēgts",
        "href=\"/articles/dzivesvietas-deklaresana\"",
    ] {
        assert!(html.contains(want), "{want}: {html}");
    }
    let (s, _, html) = page(app, "/en/services/PMLP-003").await;
    assert_eq!(s, StatusCode::OK);
    for want in [
        "Declaring a place of residence",
        "online on the portal, in person",
        "Free of charge",
        "1 working day",
        "Monday",
        "closed",
        "href=\"/en/articles/dzivesvietas-deklaresana-en\"",
    ] {
        assert!(html.contains(want), "{want}: {html}");
    }
    for missing in [
        "/services/NAV-1",
        "/life-situations/LS-NAV",
        "/services/a%20b",
    ] {
        assert_eq!(
            page(app, missing).await.0,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }

    let (s, kind, css) = page(app, "/static/site.css").await;
    assert_eq!(s, StatusCode::OK);
    assert!(kind.starts_with("text/css"));
    assert!(css.contains(":focus-visible"));
}
on_every_backend!(portal_pages_in_latvian_and_english, portal_scenario);

async fn feedback_scenario(app: &TestApp) {
    let text = "---\nid: e-adrese\nlang: lv\ntitle: \"Kā aktivizēt e-adresi\"\nservices: [PMLP-003]\ntags: [e-adrese]\naudience: public\nkind: howto\n---\n\nAtveriet portālu.\n";
    app.store
        .import_articles(&[parse_article("e-adrese.md", text).unwrap()])
        .await
        .unwrap();
    let (mut b, html) = open(app, "/articles/e-adrese").await;
    assert!(html.contains("Vai šis raksts jums palīdzēja?"), "{html}");
    let csrf = hidden(&html, "csrf");
    let feedback = "/articles/e-adrese/feedback";
    let forged = "x".repeat(43);
    let (s, _, _) = b
        .post(
            app,
            feedback,
            &[("csrf", forged.as_str()), ("helpful", "yes")],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = b
        .post(
            app,
            feedback,
            &[("csrf", csrf.as_str()), ("helpful", "maybe")],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, location, _) = b
        .post(
            app,
            feedback,
            &[
                ("csrf", csrf.as_str()),
                ("helpful", "no"),
                ("comment", "Trūkst ekrānattēlu"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some("/articles/e-adrese?feedback=thanks")
    );
    let (_, _, html) = page(app, "/articles/e-adrese?feedback=thanks").await;
    assert!(html.contains("Paldies! Jūsu atsauksme"), "{html}");
    // The page's answer was counted: one more through the API shows both.
    let (_, counts) = app
        .post(
            "/api/v1/kb/articles/e-adrese/feedback",
            None,
            serde_json::json!({"helpful": true}),
        )
        .await;
    assert_eq!(
        (counts["helpful"].as_i64(), counts["not_helpful"].as_i64()),
        (Some(1), Some(1)),
        "{counts}"
    );

    // The service page leads to the assistant and to a request for this service.
    let (_, _, html) = page(app, "/services/PMLP-003").await;
    assert!(
        html.contains("href=\"/assistant\"")
            && html.contains("href=\"/requests/new?service=PMLP-003\""),
        "{html}"
    );
}
on_every_backend!(article_feedback_and_help_links, feedback_scenario);
