use crate::harness::TestApp;
use crate::on_every_backend;
use atbalsts_domain::kb::parse_article;
use atbalsts_domain::{Role, Scope};
use reqwest::StatusCode;
use serde_json::{Value, json};

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
    assert_eq!(
        english[0]["translations"],
        json!([{"id": "deklaresana", "lang": "lv"}])
    );
    assert_eq!(
        public[0]["translations"],
        json!([{"id": "deklaresana-en", "lang": "en"}]),
        "translations are linked both ways"
    );
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
    assert_eq!(
        (&again["version"], &again["updated_at"]),
        (&a["version"], &a["updated_at"]),
        "a view changes neither version nor updated_at"
    );
    assert_eq!(a["html"], "<p>Deklarē dzīvesvietu portālā.</p>\n");
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

    assert_eq!(
        versions[0]["tags"],
        json!(["dzīvesvieta"]),
        "versions are full snapshots"
    );
    assert_eq!(versions[0]["note"], "import");

    // Metadata alone is a change too: new version, with the new front-matter keys.
    let mut retagged = edited.clone();
    retagged[0] = article(
        "deklaresana",
        "life_situations: [LS-MOVE]\nreview_by: 2030-01-31\n",
        "public",
        "Deklarē dzīvesvietu latvija.gov.lv.",
    );
    let report = app.store.import_articles(&retagged).await.unwrap();
    assert_eq!(report.updated.get("articles"), Some(&1));
    let (_, a3) = app.get("/api/v1/kb/articles/deklaresana", None).await;
    assert_eq!(
        (
            a3["version"].as_i64(),
            &a3["life_situations"],
            &a3["review_by"]
        ),
        (Some(3), &json!(["LS-MOVE"]), &json!("2030-01-31"))
    );
    assert_ne!(a3["updated_at"], a["updated_at"]);
    let bad_ls = vec![article(
        "cits",
        "life_situations: [LS-NAV]\n",
        "public",
        "x",
    )];
    let err = app.store.import_articles(&bad_ls).await.unwrap_err();
    assert!(format!("{err:?}").contains("cits.md.life_situations"));
    let same_lang = vec![article(
        "cits",
        "translation_of: deklaresana\n",
        "public",
        "x",
    )];
    let err = app.store.import_articles(&same_lang).await.unwrap_err();
    assert!(format!("{err:?}").contains("another language"), "{err:?}");

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

fn new_article() -> Value {
    json!({
        "id": "pases-atjaunosana", "lang": "lv", "title": "Pases atjaunošana",
        "body": "Pieteikumu iesniedz klātienē.\n\nLīdzi ņemiet fotoattēlu.\n",
        "services": ["PMLP-003"], "life_situations": ["LS-MOVE"], "tags": ["Pase", "pase"],
        "audience": "public", "kind": "howto", "note": "pirmais melnraksts"
    })
}

fn edited(version: i64, title: &str, body: &str) -> Value {
    json!({
        "version": version, "lang": "lv", "title": title, "body": body,
        "services": ["PMLP-003"], "life_situations": ["LS-MOVE"], "tags": ["pase"],
        "audience": "public", "kind": "howto", "note": format!("labots: {title}")
    })
}

async fn knowledge_base_editing(app: &TestApp) {
    let staff = app.staff().await;
    let editor = staff.pmlp_expert.as_str();
    let (_, vid_expert) = app
        .user(
            "experts@vid.lv",
            Role::Expert,
            vec![Scope {
                institution: "VID".into(),
                service: None,
            }],
        )
        .await;
    const ART: &str = "/api/v1/kb/articles/pases-atjaunosana";

    // Who may write: not the public, not specialists or partners, not another institution.
    let (s, _) = app.post("/api/v1/kb/articles", None, new_article()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    for token in [&staff.pmlp, &staff.partner] {
        let (s, p) = app
            .post("/api/v1/kb/articles", Some(token), new_article())
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{p}");
    }
    let (s, p) = app
        .post("/api/v1/kb/articles", Some(&vid_expert), new_article())
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("PMLP"), "{p}");

    // Every bad field is named; nothing is written.
    let mut bad = new_article();
    bad["id"] = json!("Pases Atjaunošana");
    bad["lang"] = json!("ru");
    bad["status"] = json!("deleted");
    bad["review_by"] = json!("31.12.2026");
    bad["body"] = json!("x".repeat(100 * 1024 + 1));
    let (s, p) = app.post("/api/v1/kb/articles", Some(editor), bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["id", "lang", "body", "status", "review_by"], "{p}");
    let mut unknown = new_article();
    unknown["services"] = json!(["PMLP-999"]);
    unknown["life_situations"] = json!(["LS-NAV"]);
    unknown["translation_of"] = json!("nav-tada");
    let (s, p) = app.post("/api/v1/kb/articles", Some(editor), unknown).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["services", "life_situations", "translation_of"],
        "{p}"
    );
    let (s, _) = app.get(ART, Some(editor)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Create: a draft, version 1, owned by the service's institution.
    let mut first = new_article();
    first["body"] = json!(
        "Pieteikumu iesniedz klātienē.<script>alert('x')</script>\n\n<img src=\"foto.png\" onerror=\"alert(1)\">\n\nLīdzi ņemiet fotoattēlu.\n"
    );
    let (s, a) = app.post("/api/v1/kb/articles", Some(editor), first).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(
        (
            a["version"].as_i64(),
            a["status"].as_str(),
            a["institution"].as_str()
        ),
        (Some(1), Some("draft"), Some("PMLP"))
    );
    assert_eq!(a["tags"], json!(["pase"]));
    assert_eq!(a["life_situations"], json!(["LS-MOVE"]));
    let html = a["html"].as_str().unwrap();
    assert!(
        !html.contains("<script") && !html.contains("alert('x')") && !html.contains("onerror"),
        "raw HTML is sanitised: {html}"
    );
    assert!(html.contains("<img src=\"foto.png\">"), "{html}");
    let (s, p) = app
        .post("/api/v1/kb/articles", Some(editor), new_article())
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{p}");

    // A draft is for its editors only.
    let (s, _) = app.get(ART, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    for token in [&staff.pmlp, &vid_expert] {
        let (s, _) = app.get(ART, Some(token)).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "drafts are not for other staff");
    }
    let (s, _) = app.get(&format!("{ART}/versions"), Some(&vid_expert)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    for token in [
        editor,
        &staff.residence_manager,
        &staff.central,
        &staff.admin,
    ] {
        let (s, d) = app.get(ART, Some(token)).await;
        assert_eq!((s, d["status"].as_str()), (StatusCode::OK, Some("draft")));
    }
    let (_, listed) = app.get("/api/v1/kb/articles", None).await;
    assert!(listed.as_array().unwrap().is_empty());

    // Update with the version it started from.
    let (s, a2) = app
        .put(
            ART,
            Some(editor),
            edited(
                1,
                "Pases atjaunošana klātienē",
                "Pieteikumu iesniedz klātienē.\n\nLīdzi ņemiet fotoattēlu un veco pasi.\n",
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{a2}");
    assert_eq!(
        (a2["version"].as_i64(), a2["status"].as_str()),
        (Some(2), Some("draft"))
    );
    assert_ne!(a2["updated_at"], a["updated_at"]);
    // Someone else saves an edit of version 1 too late.
    let (s, p) = app
        .put(
            ART,
            Some(&staff.residence_manager),
            edited(1, "Cits virsraksts", "Cits teksts."),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{p}");
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("version 1") && detail.contains("version 2"),
        "{detail}"
    );
    // Others may not edit; unknown ids are not found; bad bodies are named.
    let (s, _) = app.put(ART, None, edited(2, "X", "Y")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app
        .put(ART, Some(&staff.partner), edited(2, "X", "Y"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.put(ART, Some(&vid_expert), edited(2, "X", "Y")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "out of scope reads as not found");
    let (s, _) = app
        .put(
            "/api/v1/kb/articles/nav-tada",
            Some(editor),
            edited(1, "X", "Y"),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, p) = app
        .put(ART, Some(editor), json!({"version": 2, "title": "X"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let mut stray = edited(2, "X", "Y");
    stray["services"] = json!(["PMLP-003", "PMLP-001"]);
    let (s, p) = app.put(ART, Some(&staff.residence_manager), stray).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a service manager may not take an article beyond their services: {p}"
    );

    // Publish: the public sees it now, rendered.
    let (s, a3) = app
        .post(
            &format!("{ART}/status"),
            Some(&staff.residence_manager),
            json!({"status": "published", "version": 2, "note": "pārbaudīts"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{a3}");
    assert_eq!(
        (a3["version"].as_i64(), a3["status"].as_str()),
        (Some(3), Some("published"))
    );
    let (s, public) = app.get(ART, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(public["title"], "Pases atjaunošana klātienē");
    let (s, _) = app
        .post(
            &format!("{ART}/status"),
            Some(editor),
            json!({"status": "hidden"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .post(
            &format!("{ART}/status"),
            Some(editor),
            json!({"status": "archived", "version": 2}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Diff: the title and the body line changed, and the status.
    let (s, d) = app
        .get(&format!("{ART}/diff?from=1&to=3"), Some(editor))
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let unified = d["unified"].as_str().unwrap();
    for line in [
        "--- pases-atjaunosana version 1",
        "+++ pases-atjaunosana version 3",
        "-title: \"Pases atjaunošana\"",
        "+title: \"Pases atjaunošana klātienē\"",
        "-status: draft",
        "+status: published",
        "+Līdzi ņemiet fotoattēlu un veco pasi.",
    ] {
        assert!(unified.lines().any(|l| l == line), "{line} in\n{unified}");
    }
    assert!(!d["hunks"].as_array().unwrap().is_empty());
    let (s, _) = app
        .get(&format!("{ART}/diff?from=1&to=9"), Some(editor))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get(&format!("{ART}/diff?from=1"), Some(editor)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = app.get(&format!("{ART}/diff?from=1&to=2"), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Restore version 1: everything comes back, status included, as version 4.
    let (s, a4) = app
        .post(
            &format!("{ART}/restore"),
            Some(editor),
            json!({"version": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{a4}");
    assert_eq!(
        (
            a4["version"].as_i64(),
            a4["title"].as_str(),
            a4["status"].as_str()
        ),
        (Some(4), Some("Pases atjaunošana"), Some("draft"))
    );
    assert_eq!(a4["body"], a["body"]);
    let (s, _) = app.get(ART, None).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "the restored draft is hidden again"
    );
    let (s, _) = app
        .post(
            &format!("{ART}/restore"),
            Some(editor),
            json!({"version": 40}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .post(
            &format!("{ART}/restore"),
            Some(&staff.partner),
            json!({"version": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The history keeps every version with who made it and why.
    let (s, history) = app.get(&format!("{ART}/versions"), Some(editor)).await;
    assert_eq!(s, StatusCode::OK);
    let numbers: Vec<i64> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [4, 3, 2, 1]);
    assert_eq!(history[0]["note"], "restored version 1");
    assert_eq!(history[1]["note"], "pārbaudīts");
    assert_eq!(history[3]["note"], "pirmais melnraksts");
    assert_eq!(
        history[3]["edited_by"]["id"].as_i64(),
        Some(staff.pmlp_expert_id)
    );
    let (s, v2) = app.get(&format!("{ART}/versions/2"), Some(editor)).await;
    assert_eq!(
        (s, v2["title"].as_str(), v2["status"].as_str()),
        (
            StatusCode::OK,
            Some("Pases atjaunošana klātienē"),
            Some("draft")
        )
    );
    let (s, _) = app.get(&format!("{ART}/versions/99"), Some(editor)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get(&format!("{ART}/versions/abc"), Some(editor)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Translations: another language only, linked both ways.
    let mut en = new_article();
    en["id"] = json!("passport-renewal");
    en["lang"] = json!("en");
    en["title"] = json!("Renewing a passport");
    en["translation_of"] = json!("pases-atjaunosana");
    let (s, t) = app
        .post("/api/v1/kb/articles", Some(editor), en.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    assert_eq!(
        t["translations"],
        json!([{"id": "pases-atjaunosana", "lang": "lv"}])
    );
    let (_, original) = app.get(ART, Some(editor)).await;
    assert_eq!(
        original["translations"],
        json!([{"id": "passport-renewal", "lang": "en"}])
    );
    let mut same = en.clone();
    same["id"] = json!("pases-atjaunosana-2");
    same["lang"] = json!("lv");
    let (s, p) = app.post("/api/v1/kb/articles", Some(editor), same).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["errors"][0]["field"], "translation_of");
    let mut to_en = edited(4, "Pases atjaunošana", "Teksts.");
    to_en["lang"] = json!("en");
    let (s, p) = app.put(ART, Some(editor), to_en).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["errors"][0]["field"], "lang");

    // Stale: published articles past their review day or without one, for their editors.
    let mut due = edited(4, "Pases atjaunošana", "Pieteikumu iesniedz klātienē.");
    due["review_by"] = json!("2020-01-31");
    let (s, a5) = app.put(ART, Some(editor), due).await;
    assert_eq!(
        (s, a5["review_by"].as_str()),
        (StatusCode::OK, Some("2020-01-31"))
    );
    let (s, stale) = app.get("/api/v1/kb/stale", Some(editor)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        stale.as_array().unwrap().is_empty(),
        "drafts are not stale: {stale}"
    );
    let (_, a6) = app
        .post(
            &format!("{ART}/status"),
            Some(editor),
            json!({"status": "published"}),
        )
        .await;
    assert_eq!(a6["version"].as_i64(), Some(6));
    let (_, en_pub) = app
        .post(
            "/api/v1/kb/articles/passport-renewal/status",
            Some(editor),
            json!({"status": "published"}),
        )
        .await;
    assert_eq!(en_pub["status"], "published");
    let mut later = en.clone();
    later["id"] = json!("pases-nakotne");
    later["lang"] = json!("lv");
    later["translation_of"] = Value::Null;
    later["status"] = json!("published");
    later["review_by"] = json!("2999-12-31");
    let (s, _) = app.post("/api/v1/kb/articles", Some(editor), later).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, stale) = app.get("/api/v1/kb/stale", Some(editor)).await;
    let ids: Vec<(&str, Option<&str>)> = stale
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["id"].as_str().unwrap(), a["review_by"].as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("passport-renewal", None),
            ("pases-atjaunosana", Some("2020-01-31"))
        ],
        "no date first, then the most overdue; not the one reviewed in time"
    );
    let (_, for_vid) = app.get("/api/v1/kb/stale", Some(&vid_expert)).await;
    assert!(for_vid.as_array().unwrap().is_empty());
    let (s, _) = app.get("/api/v1/kb/stale", Some(&staff.pmlp)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.get("/api/v1/kb/stale", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Published: now other staff and the public read it; reads change nothing.
    let (s, read) = app.get(ART, Some(&vid_expert)).await;
    assert_eq!((s, read["version"].as_i64()), (StatusCode::OK, Some(6)));
    let (_, again) = app.get(ART, None).await;
    assert_eq!(
        (&again["version"], &again["updated_at"]),
        (&read["version"], &read["updated_at"])
    );
    assert_eq!(
        again["translations"],
        json!([{"id": "passport-renewal", "lang": "en"}])
    );
    // …but still may not edit it.
    let (s, _) = app.put(ART, Some(&vid_expert), edited(6, "X", "Y")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
on_every_backend!(
    knowledge_base_editing_history_and_rights,
    knowledge_base_editing
);
