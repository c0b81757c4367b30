//! The staff workspace's knowledge-base editor and register browsers, as a
//! browser without JavaScript uses them: list, edit with preview, save (the
//! search index follows before the answer), conflicts, versions, diffs,
//! restore, status, translations, rights and CSRF; the registers in both
//! languages.

use crate::browser::{Browser, hidden, sign_in, value_of};
use crate::harness::TestApp;
use crate::on_every_backend;
use atbalsts_domain::kb::parse_article;
use reqwest::StatusCode;

const PASSWORD: &str = "pareiza parole 2026";
const ID: &str = "dzivesvietas-deklaresana";
const EDIT: &str = "/staff/kb/dzivesvietas-deklaresana";

async fn signed_in(app: &TestApp, email: &str) -> (Browser, String) {
    app.store.set_password(email, PASSWORD).await.unwrap();
    let mut b = Browser::new();
    let (s, location, _) = sign_in(app, &mut b, email, PASSWORD, "/staff/kb").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "sign-in of {email}");
    assert_eq!(location.as_deref(), Some("/staff/kb"));
    let (s, _, html) = b.get(app, "/staff/kb").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let token = hidden(&html, "csrf");
    (b, token)
}

/// The article form as the page shows it, with some fields replaced.
fn article_form<'a>(
    csrf: &'a str,
    version: &'a str,
    action: &'a str,
    body: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("version", version),
        ("action", action),
        ("lang", "lv"),
        ("translation_of", ""),
        ("title", "Kā deklarēt dzīvesvietu"),
        ("body", body),
        ("tags", "dzīvesvieta, deklarēšana"),
        ("services", "PMLP-003"),
        ("life_situations", "LS-MOVE"),
        ("audience", "public"),
        ("kind", "howto"),
        ("review_by", "2030-06-30"),
        ("note", ""),
    ]
}

async fn editor_scenario(app: &TestApp) {
    let staff = app.staff().await;
    let text = "---\nid: dzivesvietas-deklaresana\nlang: lv\ntitle: \"Kā deklarēt dzīvesvietu\"\nservices: [PMLP-003]\ntags: [dzīvesvieta]\naudience: public\nkind: howto\n---\n\nDeklarējiet jauno **adresi** portālā.\n";
    let files = vec![parse_article("dzivesvietas-deklaresana.md", text).unwrap()];
    app.store.import_articles(&files).await.unwrap();

    // Signed out: to the sign-in page.
    let (s, location, _) = Browser::new().get(app, "/staff/kb").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        location
            .as_deref()
            .unwrap_or_default()
            .starts_with("/staff/sign-in?next="),
        "{location:?}"
    );

    let (mut b, csrf) = signed_in(app, "janis@pmlp.lv").await;

    // The list, with a filter and the stale list (no review date set).
    let (_, _, html) = b.get(app, "/staff/kb").await;
    assert!(html.contains(&format!("href=\"{EDIT}\"")), "{html}");
    assert!(html.contains("Kā deklarēt dzīvesvietu"));
    assert!(html.contains("<label for=\"filter-status\">"), "{html}");
    assert!(
        html.contains("Jāpārskata") && html.contains("nav norādīts"),
        "{html}"
    );
    let (s, _, html) = b.get(app, "/staff/kb?status=draft").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Nav neviena raksta"), "{html}");
    let (_, _, html) = b.get(app, "/en/staff/kb?status=published&lang=lv").await;
    assert!(
        html.contains("<html lang=\"en\">")
            && html.contains("/en/staff/kb/dzivesvietas-deklaresana"),
        "{html}"
    );

    // The edit page: a labelled form with the version it started from.
    let (s, _, html) = b.get(app, EDIT).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert_eq!(hidden(&html, "version"), "1");
    assert!(html.contains("<label for=\"body\">"), "{html}");
    assert!(html.contains("Deklarējiet jauno **adresi** portālā."));
    assert!(html.contains("value=\"preview\"") && html.contains("value=\"save\""));
    assert!(
        !html.contains("style=") && !html.contains("<script"),
        "{html}"
    );

    // Preview: the sanitised rendering below the form, nothing saved.
    let body = "Deklarējiet **zilonēns** adresi.\n\n<script>alert('x')</script>";
    let (s, _, html) = b
        .post(app, EDIT, &article_form(&csrf, "1", "preview", body))
        .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("<strong>zilonēns</strong>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(
        html.contains("&#60;script&#62;"),
        "the text stays in the form: {html}"
    );
    let (_, json) = app
        .get(
            &format!("/api/v1/kb/articles/{ID}"),
            Some(&staff.pmlp_expert),
        )
        .await;
    assert_eq!(json["version"], 1, "a preview saves nothing: {json}");

    // A missing field: the error is tied to its control and listed in the summary.
    let mut empty = article_form(&csrf, "1", "save", body);
    empty.retain(|(k, _)| *k != "title");
    let (s, _, html) = b.post(app, EDIT, &empty).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("aria-describedby=\"title-error\""), "{html}");
    assert!(html.contains("href=\"#title\""), "{html}");

    // Save: the article changes, and the portal search finds the new word at once.
    let (s, location, html) = b
        .post(app, EDIT, &article_form(&csrf, "1", "save", body))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    assert_eq!(location.as_deref(), Some(&*format!("{EDIT}?done=saved")));
    let (_, json) = app
        .get(
            &format!("/api/v1/kb/articles/{ID}"),
            Some(&staff.pmlp_expert),
        )
        .await;
    assert_eq!(json["version"], 2, "{json}");
    assert!(
        json["body"].as_str().unwrap().contains("zilonēns"),
        "{json}"
    );
    assert_eq!(json["review_by"], "2030-06-30");
    assert_eq!(json["life_situations"][0], "LS-MOVE");
    let found = app
        .client
        .get(app.url("/search?q=zilonens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        found.contains(&format!("href=\"/articles/{ID}\"")),
        "indexed before the reply: {found}"
    );
    let (_, _, html) = b.get(app, &format!("{EDIT}?done=saved")).await;
    assert!(html.contains("Raksts saglabāts."), "{html}");
    assert_eq!(hidden(&html, "version"), "2");

    // A stale version: a clear conflict, the submitted text kept, nothing written.
    let mine = "Mans teksts, kas nedrīkst pazust.";
    let (s, _, html) = b
        .post(app, EDIT, &article_form(&csrf, "1", "save", mine))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{html}");
    assert!(html.contains("kāds cits šo rakstu jau saglabāja"), "{html}");
    assert!(html.contains(mine), "{html}");
    assert!(html.contains("diff?from=1&#38;to=2"), "{html}");
    assert_eq!(
        hidden(&html, "version"),
        "2",
        "a second save replaces knowingly"
    );
    let (_, json) = app
        .get(
            &format!("/api/v1/kb/articles/{ID}"),
            Some(&staff.pmlp_expert),
        )
        .await;
    assert_eq!(json["version"], 2);

    // Versions and the diff between a version and the current one.
    let (s, _, html) = b.get(app, &format!("{EDIT}/versions")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("Atjaunot šo versiju"), "{html}");
    assert!(html.contains("diff?from=1&#38;to=2"), "{html}");
    assert!(html.contains("Darbinieks janis@pmlp.lv"), "{html}");
    let (s, _, html) = b.get(app, &format!("{EDIT}/diff?from=1&to=2")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("<ins") && html.contains("zilonēns"), "{html}");
    assert!(
        html.contains("<del") && html.contains("Deklarējiet jauno **adresi**"),
        "{html}"
    );
    let (s, _, _) = b.get(app, &format!("{EDIT}/diff?from=9&to=2")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A specialist sees the article read-only and cannot save it.
    let (mut ilze, ilze_csrf) = signed_in(app, "ilze@pmlp.lv").await;
    let (s, _, html) = ilze.get(app, EDIT).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("tikai lasīšanai"), "{html}");
    assert!(!html.contains("name=\"version\""), "{html}");
    assert!(html.contains("<strong>zilonēns</strong>"), "{html}");
    let (s, _, html) = ilze
        .post(
            app,
            EDIT,
            &article_form(&ilze_csrf, "2", "save", "Cits teksts."),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{html}");
    assert!(html.contains("Nav tiesību labot"), "{html}");
    let (s, _, _) = ilze.get(app, "/staff/kb/new").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, json) = app
        .get(
            &format!("/api/v1/kb/articles/{ID}"),
            Some(&staff.pmlp_expert),
        )
        .await;
    assert_eq!(json["version"], 2);

    // Without the session's token: refused.
    let mut forged = article_form("", "2", "save", "Viltots.");
    forged.retain(|(k, _)| *k != "csrf");
    let (s, _, html) = b.post(app, EDIT, &forged).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{html}");
    assert!(html.contains("Veidlapa ir novecojusi"), "{html}");
    let (s, _, _) = b
        .post(app, &format!("{EDIT}/restore"), &[("version", "1")])
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Restore version 1: everything comes back as version 3.
    let (s, location, html) = b
        .post(
            app,
            &format!("{EDIT}/restore"),
            &[("csrf", &csrf), ("version", "1")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    assert_eq!(location.as_deref(), Some(&*format!("{EDIT}?done=restored")));
    let (_, json) = app
        .get(
            &format!("/api/v1/kb/articles/{ID}"),
            Some(&staff.pmlp_expert),
        )
        .await;
    assert_eq!(json["version"], 3, "{json}");
    assert!(
        !json["body"].as_str().unwrap().contains("zilonēns"),
        "{json}"
    );

    // A translation: created from the original's page, linked both ways.
    let (_, _, html) = b.get(app, EDIT).await;
    let create = format!("/staff/kb/new?translation_of={ID}&#38;lang=en");
    assert!(html.contains(&create), "{html}");
    let (s, _, html) = b
        .get(app, &format!("/staff/kb/new?translation_of={ID}&lang=en"))
        .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert_eq!(value_of(&html, "translation_of"), ID);
    assert_eq!(value_of(&html, "id"), format!("{ID}-en"));
    let new_id = format!("{ID}-en");
    let (s, location, html) = b
        .post(
            app,
            "/staff/kb/new",
            &[
                ("csrf", &csrf),
                ("action", "save"),
                ("id", &new_id),
                ("lang", "en"),
                ("translation_of", ID),
                ("title", "How to declare your residence"),
                ("body", "Declare the new address online."),
                ("tags", "residence"),
                ("services", "PMLP-003"),
                ("life_situations", ""),
                ("audience", "public"),
                ("kind", "howto"),
                ("review_by", ""),
                ("note", "translation"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    assert_eq!(
        location.as_deref(),
        Some(&*format!("/staff/kb/{new_id}?done=created"))
    );
    let (_, _, html) = b.get(app, EDIT).await;
    assert!(
        html.contains(&format!("href=\"/staff/kb/{new_id}\"")),
        "{html}"
    );
    // The same id again: the form says so on the id field.
    let (s, _, html) = b
        .post(
            app,
            "/staff/kb/new",
            &[
                ("csrf", &csrf),
                ("action", "save"),
                ("id", &new_id),
                ("lang", "en"),
                ("title", "Again"),
                ("body", "Again."),
                ("services", "PMLP-003"),
                ("audience", "public"),
                ("kind", "faq"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{html}");
    assert!(
        html.contains("aria-describedby=\"id-hint id-error\""),
        "{html}"
    );

    // Archive: the portal no longer shows it.
    let (s, _, _) = app
        .client
        .get(app.url(&format!("/articles/{ID}")))
        .send()
        .await
        .map(|r| (r.status(), (), ()))
        .unwrap();
    assert_eq!(s, StatusCode::OK);
    let (s, location, html) = b
        .post(
            app,
            &format!("{EDIT}/status"),
            &[("csrf", &csrf), ("status", "archived"), ("version", "3")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    assert_eq!(location.as_deref(), Some(&*format!("{EDIT}?done=archived")));
    let s = app
        .client
        .get(app.url(&format!("/articles/{ID}")))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, _, html) = b.get(app, &format!("{EDIT}?done=archived")).await;
    assert!(
        html.contains("Raksts arhivēts.") && html.contains("arhivēts"),
        "{html}"
    );
    // A stale version on a status change is a conflict, not a silent change.
    let (s, _, html) = b
        .post(
            app,
            &format!("{EDIT}/status"),
            &[("csrf", &csrf), ("status", "published"), ("version", "3")],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{html}");
    // The specialist no longer sees the archived article at all.
    let (s, _, _) = ilze.get(app, EDIT).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // English pages.
    let (s, _, html) = b.get(app, &format!("/en{EDIT}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Preview") && html.contains("Version history"),
        "{html}"
    );
}

async fn registers_scenario(app: &TestApp) {
    app.staff().await;
    let (s, _, _) = Browser::new().get(app, "/staff/registers").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (mut b, _) = signed_in(app, "ilze@pmlp.lv").await;

    let (s, _, html) = b.get(app, "/staff/registers").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    for expected in [
        "Pilsonības un migrācijas lietu pārvalde",
        "PMLP-003",
        "Dzīvesvietas deklarēšana",
        "Gada ienākumu deklarācija",
        "30,00 €",
        "1 darbdiena",
        "Pārcelšanās",
        "Cēsu VPVKAC",
        "Raunas iela 4, Cēsis",
        "P 08:00–17:00; O–Sv slēgts",
        "<th scope=\"col\">",
    ] {
        assert!(html.contains(expected), "{expected}: {html}");
    }
    assert!(!html.contains("style="), "{html}");

    let (_, _, html) = b.get(app, "/staff/registers?q=dzivesvieta").await;
    assert!(html.contains("Dzīvesvietas deklarēšana"), "{html}");
    assert!(!html.contains("Gada ienākumu deklarācija"), "{html}");
    assert!(html.contains("Atlasei atbilst 1 pakalpojums"), "{html}");

    let (s, _, html) = b.get(app, "/en/staff/registers").await;
    assert_eq!(s, StatusCode::OK);
    for expected in [
        "<html lang=\"en\">",
        "Office of Citizenship and Migration Affairs",
        "Declaring a place of residence",
        "€30.00",
        "Moving house",
        "Cēsu VPVKAC",
        "Mon 08:00–17:00; Tue–Sun closed",
        "Opening hours",
    ] {
        assert!(html.contains(expected), "{expected}: {html}");
    }
}

on_every_backend!(web_kb_editor, editor_scenario);
on_every_backend!(web_kb_registers, registers_scenario);
