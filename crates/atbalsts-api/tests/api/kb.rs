use crate::harness::TestApp;
use crate::on_every_backend;
use atbalsts_domain::kb::parse_article;
use reqwest::StatusCode;
use serde_json::json;

fn article(id: &str, extra: &str, audience: &str, body: &str) -> atbalsts_domain::kb::ArticleFile {
    let text = format!(
        "---\nid: {id}\nlang: {}\n{extra}title: \"Virsraksts {id}\"\nservices: [PMLP-003]\ntags: [dzīvesvieta]\naudience: {audience}\nkind: howto\n---\n\n{body}\n",
        if id.ends_with("-en") { "en" } else { "lv" }
    );
    parse_article(&format!("{id}.md"), &text).unwrap()
}

async fn knowledge_base(app: &TestApp) {
    let staff = app.staff().await;
    let files = vec![
        article("deklaresana", "", "public", "Deklarē dzīvesvietu portālā."),
        article(
            "deklaresana-en",
            "translation_of: deklaresana\n",
            "public",
            "Declare your residence online.",
        ),
        article("int-parbaude", "", "internal", "Pārbaudiet identitāti."),
    ];
    let report = app.store.import_articles(&files).await.unwrap();
    assert_eq!(report.created.get("articles"), Some(&3));

    let ids = |v: &serde_json::Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let (s, public) = app.get("/api/v1/kb/articles", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        ids(&public),
        ["deklaresana", "deklaresana-en"],
        "internal articles never reach the public"
    );
    let (_, for_staff) = app.get("/api/v1/kb/articles", Some(&staff.pmlp)).await;
    assert_eq!(ids(&for_staff).len(), 3);
    let (_, english) = app.get("/api/v1/kb/articles?lang=en", None).await;
    assert_eq!(ids(&english), ["deklaresana-en"]);
    assert_eq!(english[0]["translation_of"], "deklaresana");
    let (_, by_service) = app.get("/api/v1/kb/articles?service=VID-001", None).await;
    assert!(by_service.as_array().unwrap().is_empty());

    let (s, a) = app.get("/api/v1/kb/articles/deklaresana", None).await;
    assert_eq!(
        (s, a["institution"].as_str(), a["version"].as_i64()),
        (StatusCode::OK, Some("PMLP"), Some(1))
    );
    let (s, _) = app.get("/api/v1/kb/articles/int-parbaude", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .get("/api/v1/kb/articles/int-parbaude", Some(&staff.pmlp))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, again) = app.get("/api/v1/kb/articles/deklaresana", None).await;
    assert_eq!(again["views"].as_i64(), Some(2), "views are counted");
    let (s, _) = app.get("/api/v1/kb/articles?lang=ru", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Re-import: an edited article gets a new version, an unchanged one keeps it.
    let mut edited = files.clone();
    edited[0] = article(
        "deklaresana",
        "",
        "public",
        "Deklarē dzīvesvietu latvija.gov.lv.",
    );
    let report = app.store.import_articles(&edited).await.unwrap();
    assert_eq!(
        (
            report.updated.get("articles"),
            report.unchanged.get("articles")
        ),
        (Some(&1), Some(&2))
    );
    let (_, a) = app.get("/api/v1/kb/articles/deklaresana", None).await;
    assert_eq!(
        (a["version"].as_i64(), a["body"].as_str()),
        (Some(2), Some("Deklarē dzīvesvietu latvija.gov.lv."))
    );

    // Staff see the history; nobody else does.
    let (s, versions) = app
        .get(
            "/api/v1/kb/articles/deklaresana/versions",
            Some(&staff.pmlp),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let numbers: Vec<i64> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [2, 1]);
    assert_eq!(versions[1]["body"], "Deklarē dzīvesvietu portālā.");
    let (s, _) = app
        .get("/api/v1/kb/articles/deklaresana/versions", None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // "Was this helpful?"
    let (s, counts) = app
        .post(
            "/api/v1/kb/articles/deklaresana/feedback",
            None,
            json!({"helpful": true}),
        )
        .await;
    assert_eq!((s, counts["helpful"].as_i64()), (StatusCode::OK, Some(1)));
    let (_, counts) = app
        .post(
            "/api/v1/kb/articles/deklaresana/feedback",
            None,
            json!({"helpful": false, "comment": "Trūkst adreses piemēra."}),
        )
        .await;
    assert_eq!(
        (counts["helpful"].as_i64(), counts["not_helpful"].as_i64()),
        (Some(1), Some(1))
    );
    let (s, _) = app
        .post(
            "/api/v1/kb/articles/int-parbaude/feedback",
            None,
            json!({"helpful": true}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "internal articles cannot be rated by the public"
    );
    let (s, _) = app
        .post(
            "/api/v1/kb/articles/deklaresana/feedback",
            None,
            json!({"helpful": "jā"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // References are checked before anything is written.
    let bad = vec![article("cits", "translation_of: nav-tada\n", "public", "x")];
    let err = app.store.import_articles(&bad).await.unwrap_err();
    assert!(format!("{err:?}").contains("cits.md.translation_of"));
    let (s, _) = app.get("/api/v1/kb/articles/cits", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
on_every_backend!(knowledge_base_import_and_reading, knowledge_base);
