use crate::harness::TestApp;
use crate::on_every_backend;
use atbalsts_domain::kb::parse_article;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn article(
    id: &str,
    lang: &str,
    extra: &str,
    title: &str,
    body: &str,
) -> atbalsts_domain::kb::ArticleFile {
    let audience = if id.starts_with("int-") {
        "internal"
    } else {
        "public"
    };
    let services = if id.starts_with("pase") {
        "PMLP-001"
    } else {
        "PMLP-003"
    };
    let text = format!(
        "---\nid: {id}\nlang: {lang}\n{extra}title: \"{title}\"\nservices: [{services}]\ntags: [dokumenti]\naudience: {audience}\nkind: howto\n---\n\n{body}\n"
    );
    parse_article(&format!("{id}.md"), &text).unwrap()
}

async fn knowledge_base(app: &TestApp) {
    let files = vec![
        article(
            "dzivesvietas-deklaresana",
            "lv",
            "",
            "Kā deklarēt dzīvesvietu tiešsaistē",
            "Pēc pārcelšanās uz jaunu adresi deklarējiet dzīvesvietu portālā mēneša laikā.",
        ),
        article(
            "dzivesvietas-deklaresana-en",
            "en",
            "translation_of: dzivesvietas-deklaresana\n",
            "How to declare your place of residence online",
            "After moving to a new address, declare your residence on the portal within a month.",
        ),
        article(
            "pases-sanemsana",
            "lv",
            "",
            "Kā saņemt jaunu pasi",
            "Pasi piesaka klātienē nodaļā; līdzi jāņem iepriekšējā pase un jāsamaksā valsts nodeva.",
        ),
        article(
            "int-zvanitaja-parbaude",
            "lv",
            "",
            "Zvanītāja identitātes pārbaude",
            "Pirms sniedzat personas datus, pārbaudiet zvanītāja identitāti ar kontroljautājumiem.",
        ),
    ];
    app.store.import_articles(&files).await.unwrap();
}

fn ids(v: &Value) -> Vec<String> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

async fn search_scenario(app: &TestApp) {
    knowledge_base(app).await;
    let staff = app.staff().await;
    // Folded, inflected and misspelt questions meet the article.
    let v = app
        .search_until("q=deklaret%20dzivesvietu", None, "dzivesvietas-deklaresana")
        .await;
    let snippet = v["results"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>"), "{snippet}");
    app.search_until(
        "q=dz%C4%ABvesvietas%20deklar%C4%93%C5%A1ana",
        None,
        "dzivesvietas-deklaresana",
    )
    .await;
    app.search_until(
        "q=deklar%C4%93t%20dz%C4%ABvesvetu",
        None,
        "dzivesvietas-deklaresana",
    )
    .await;
    app.search_until(
        "q=declare%20residence&lang=en",
        None,
        "dzivesvietas-deklaresana-en",
    )
    .await;

    // Internal articles are for staff only.
    let (_, public) = app
        .get(
            "/api/v1/kb/search?q=zvan%C4%ABt%C4%81ja%20identit%C4%81te",
            None,
        )
        .await;
    assert!(ids(&public).is_empty(), "{public}");
    app.search_until(
        "q=zvan%C4%ABt%C4%81ja%20identit%C4%81te",
        Some(&staff.pmlp),
        "int-zvanitaja-parbaude",
    )
    .await;

    // Filters.
    let (_, v) = app
        .get("/api/v1/kb/search?q=pase&service=PMLP-003", None)
        .await;
    assert!(!ids(&v).contains(&"pases-sanemsana".to_string()), "{v}");
    let (_, v) = app.get("/api/v1/kb/search?q=pase&lang=en", None).await;
    assert!(ids(&v).is_empty(), "{v}");

    // Bad parameters are 400s with a message.
    for bad in [
        "q=",
        "q=pase&lang=ru",
        "q=pase&limit=0",
        "q=pase&limit=500",
        "q=pase&service=a%2Fb%3F",
        "lang=lv",
    ] {
        let (s, v) = app.get(&format!("/api/v1/kb/search?{bad}"), None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {v}");
        assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }

    // A query that found nothing lands in the knowledge-gaps report.
    let (_, v) = app.get("/api/v1/kb/search?q=zirgu%20pakavi", None).await;
    assert!(ids(&v).is_empty());
    let (s, _) = app.get("/api/v1/kb/gaps", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, gaps) = app.get("/api/v1/kb/gaps", Some(&staff.pmlp)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        gaps.as_array()
            .unwrap()
            .iter()
            .any(|g| g["query"] == "zirgu pakavi" && g["count"] == 1),
        "{gaps}"
    );

    // An edit reaches the index without a restart.
    let mut changed = article(
        "pases-sanemsana",
        "lv",
        "",
        "Kā saņemt jaunu pasi vai ceļošanas dokumentu",
        "Pasi piesaka klātienē nodaļā.",
    );
    changed
        .body
        .push_str(" Ceļošanas dokuments derīgs desmit gadus.");
    app.store.import_articles(&[changed]).await.unwrap();
    app.search_until("q=ce%C4%BCo%C5%A1anas%20dokuments", None, "pases-sanemsana")
        .await;
}
on_every_backend!(
    search_is_latvian_aware_filtered_and_current,
    search_scenario
);

async fn edit_scenario(app: &TestApp) {
    knowledge_base(app).await;
    let staff = app.staff().await;
    app.search_until("q=pase", None, "pases-sanemsana").await;
    // Published through the API: found by the very next search, no waiting.
    let (s, v) = app
        .post(
            "/api/v1/kb/articles",
            Some(&staff.pmlp_expert),
            json!({"id": "pases-foto", "lang": "lv", "title": "Fotogrāfija pasei",
                   "body": "Pases fotogrāfiju uzņem klātienē nodaļā.", "services": ["PMLP-001"],
                   "life_situations": [], "tags": ["fotogrāfija"], "audience": "public",
                   "kind": "faq", "status": "published"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, v) = app.get("/api/v1/kb/search?q=fotografija", None).await;
    assert_eq!(
        ids(&v).first().map(String::as_str),
        Some("pases-foto"),
        "{v}"
    );
    // Archived: gone at once.
    let (s, v) = app
        .post(
            "/api/v1/kb/articles/pases-foto/status",
            Some(&staff.pmlp_expert),
            json!({"status": "archived"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app.get("/api/v1/kb/search?q=fotografija", None).await;
    assert!(ids(&v).is_empty(), "{v}");
}
on_every_backend!(edits_reach_the_index_before_the_reply, edit_scenario);

async fn ask(app: &TestApp, body: Value) -> Value {
    let (s, v) = app.post("/api/v1/assistant/query", None, body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn assistant_scenario(app: &TestApp) {
    knowledge_base(app).await;
    let staff = app.staff().await;
    app.search_until("q=pase", None, "pases-sanemsana").await;

    let v = ask(
        app,
        json!({"q": "kā deklarēt dzīvesvietu pēc pārcelšanās", "lang": "lv"}),
    )
    .await;
    assert_eq!(v["answer"], true, "{v}");
    assert_eq!(v["results"][0]["id"], "dzivesvietas-deklaresana");
    assert_eq!(v["lang"], "lv");
    assert!(
        v["reply"]
            .as_str()
            .unwrap()
            .contains("Kā deklarēt dzīvesvietu"),
        "{v}"
    );
    let session = v["session"].as_str().unwrap().to_string();

    // The language is detected when not given, and the reply is in it.
    let v = ask(
        app,
        json!({"q": "How do I declare my place of residence online?"}),
    )
    .await;
    assert_eq!(v["lang"], "en");
    // No sentence model in the tests' data directory: the reply says so.
    assert_eq!(v["mode"], "lexical");
    assert_eq!(v["results"][0]["id"], "dzivesvietas-deklaresana-en");
    assert!(v["reply"].as_str().unwrap().contains("may help"), "{v}");

    // Small talk and unknown topics: no answer, a person is offered.
    for q in ["Sveiki! Kā tev iet?", "Kā iegūt makšķerēšanas karti ezerā?"] {
        let v = ask(app, json!({"q": q})).await;
        assert_eq!(v["answer"], false, "{q}: {v}");
        assert_eq!(v["handoff_offered"], true);
    }
    // A question about a register service that has no article: no answer, and the
    // service is named so that a hand-over goes to its institution.
    let v = ask(app, json!({"q": "Kā iesniegt gada ienākumu deklarāciju?"})).await;
    assert_eq!(v["answer"], false, "{v}");
    assert_eq!(v["verdict"], "no_article");
    assert_eq!(v["service"], "VID-001");
    let uncovered = v["session"].as_str().unwrap().to_string();
    let (s, v) = app
        .post(
            &format!("/api/v1/assistant/sessions/{uncovered}/handoff"),
            None,
            json!({"name": "Jānis", "email": "janis@example.lv"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["institution"], "VID");

    // Internal articles are never shown to the public.
    let v = ask(app, json!({"q": "zvanītāja identitātes pārbaude"})).await;
    assert!(
        !ids(&v).contains(&"int-zvanitaja-parbaude".to_string()),
        "{v}"
    );

    // A follow-up in the same conversation.
    let v = ask(app, json!({"q": "un cik ilgā laikā?", "session": session})).await;
    assert_eq!(v["session"], session.as_str());

    // Bad input.
    for (body, status) in [
        (json!({"q": ""}), StatusCode::BAD_REQUEST),
        (json!({"q": "pase", "lang": "de"}), StatusCode::BAD_REQUEST),
        (json!({"q": 5}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"q": "pase", "session": "nav-tadas-sarunas-0000"}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"q": "pase", "session": "../x"}),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (s, v) = app
            .post("/api/v1/assistant/query", None, body.clone())
            .await;
        assert_eq!(s, status, "{body}: {v}");
    }

    // Hand-over: a level-1 chat ticket with the transcript, routed by the service.
    let path = format!("/api/v1/assistant/sessions/{session}/handoff");
    let (s, v) = app.post(&path, None, json!({"name": "Anna Bērziņa"})).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a way to answer is required: {v}"
    );
    let (s, handed) = app
        .post(&path, None, json!({"name": "Anna Bērziņa", "email": "anna@example.lv", "message": "Lūdzu, piezvaniet."}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{handed}");
    assert_eq!(handed["institution"], "PMLP");
    assert!(handed["access_token"].as_str().is_some());
    let id = handed["ticket_id"].as_i64().unwrap();
    let (s, ticket) = app
        .get(&format!("/api/v1/tickets/{id}"), Some(&staff.pmlp))
        .await;
    assert_eq!(s, StatusCode::OK, "{ticket}");
    assert_eq!(ticket["channel"], "chat");
    assert_eq!(ticket["level"], 1);
    assert_eq!(ticket["service"], "PMLP-003");
    // The answer did not help (a person was asked for): the question is a gap.
    let (_, gaps) = app.get("/api/v1/kb/gaps", Some(&staff.pmlp)).await;
    assert!(
        gaps.as_array().unwrap().iter().any(|g| g["query"]
            .as_str()
            .is_some_and(|q| q.contains("pārcelšanās") || q.contains("parcelsanas"))),
        "{gaps}"
    );
    let description = ticket["description"].as_str().unwrap();
    assert!(
        description.contains("kā deklarēt dzīvesvietu pēc pārcelšanās"),
        "{description}"
    );
    assert!(
        description.contains("dzivesvietas-deklaresana"),
        "{description}"
    );
    assert!(description.contains("Lūdzu, piezvaniet."));
    // An agent can work it.
    let (s, v) = app
        .post(
            &format!("/api/v1/tickets/{id}/messages"),
            Some(&staff.pmlp),
            json!({"body": "Labdien! Palīdzēsim.", "internal": false}),
        )
        .await;
    assert!(s.is_success(), "{v}");
    // The conversation has ended.
    let (s, _) = app
        .post(&path, None, json!({"name": "A", "email": "a@example.lv"}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = app
        .post(
            "/api/v1/assistant/query",
            None,
            json!({"q": "pase", "session": session}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Without a known service and no central help desk configured, the person picks one.
    let v = ask(app, json!({"q": "Sveiki"})).await;
    let lost = v["session"].as_str().unwrap();
    let (s, v) = app
        .post(
            &format!("/api/v1/assistant/sessions/{lost}/handoff"),
            None,
            json!({"name": "A", "phone": "+37120000000"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["errors"][0]["field"], "service");
    let (s, v) = app
        .post(
            &format!("/api/v1/assistant/sessions/{lost}/handoff"),
            None,
            json!({"name": "A", "phone": "+37120000000", "service": "VID-001"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["institution"], "VID");

    // "This helped" ends a conversation resolved at level 0.
    let v = ask(app, json!({"q": "kā saņemt jaunu pasi"})).await;
    let helped = v["session"].as_str().unwrap();
    let (s, v) = app
        .post(
            &format!("/api/v1/assistant/sessions/{helped}/helped"),
            None,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["outcome"], "helped");
    let (s, outcomes) = app
        .get("/api/v1/assistant/outcomes", Some(&staff.admin))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(outcomes["helped"], 1);
    assert_eq!(outcomes["handed_off"], 3);
    let (s, _) = app.get("/api/v1/assistant/outcomes", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
on_every_backend!(assistant_answers_hands_over_and_counts, assistant_scenario);
