use crate::harness::{TestApp, new_ticket, send};
use crate::on_every_backend;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::collections::HashSet;

async fn requester_creates_and_follows(app: &TestApp) {
    let (s, body) = app
        .post(
            "/api/v1/tickets",
            None,
            new_ticket("PMLP", "PMLP-003", "Dzīvesvietas deklarēšana"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let number = body["number"].as_str().unwrap();
    let year = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .year();
    assert_eq!(number, format!("{year}-000001"));
    assert_eq!(body["level"], 1);
    assert_eq!(body["status"], "new");
    assert_eq!(body["channel"], "portal");
    assert_eq!(
        body["language"], "lv",
        "Latvian when nothing says otherwise"
    );
    let token = body["access_token"].as_str().unwrap().to_string();
    assert!(token.len() >= 40);
    let id = body["id"].as_i64().unwrap();

    // The token works as a query parameter and as a header; nothing else does.
    let (s, t) = app
        .get(&format!("/api/v1/tickets/{id}?access_token={token}"), None)
        .await;
    assert_eq!((s, t["number"].as_str()), (StatusCode::OK, Some(number)));
    let (s, _) = app
        .get_as_requester(&format!("/api/v1/tickets/{id}"), &token)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.get(&format!("/api/v1/tickets/{id}"), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app
        .get(&format!("/api/v1/tickets/{id}?access_token=guess"), None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // The second ticket gets the next number, and the first token does not open it.
    let (other, _) = app.citizen_ticket("VID-001", "Deklarācija").await;
    let (s, _) = app
        .get(
            &format!("/api/v1/tickets/{other}?access_token={token}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, t2) = app
        .get(
            &format!("/api/v1/tickets/{other}"),
            Some(&app.staff().await.vid),
        )
        .await;
    assert_eq!(t2["number"], format!("{year}-000002"));

    // Requesters cannot list queues or read the audit trail.
    let (s, _) = app
        .get(&format!("/api/v1/tickets?access_token={token}"), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .get(
            &format!("/api/v1/tickets/{id}/events?access_token={token}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
on_every_backend!(
    requester_creates_and_follows_a_ticket,
    requester_creates_and_follows
);

async fn staff_create_on_behalf(app: &TestApp) {
    let staff = app.staff().await;
    let mut body = new_ticket("PMLP", "PMLP-003", "Zvans par deklarēšanu");
    body["channel"] = json!("in_person");
    body["location"] = json!("LOC-CESIS");
    body["level"] = json!(2);
    body["priority"] = json!("high");
    body["tags"] = json!(["Deklarēšana", "deklarēšana"]);
    body["requester"] = json!({"name": "Pēteris Kalniņš", "phone": "+371 20000000", "personal_code": "01019012345"});
    let (s, t) = app
        .post("/api/v1/tickets", Some(&staff.pmlp), body.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    assert!(
        t.get("access_token").is_none(),
        "staff get no requester secret"
    );
    assert_eq!(
        (t["level"].as_i64(), t["priority"].as_str()),
        (Some(2), Some("high"))
    );
    assert_eq!(t["location"], "LOC-CESIS");
    assert_eq!(t["tags"], json!(["deklarēšana"]));
    // Kept in E.164, the form recognition compares.
    assert_eq!(t["requester"]["phone"], "+37120000000");

    // Staff register only for their own institution.
    let (s, p) = app.post("/api/v1/tickets", Some(&staff.vid), body).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{p}");

    // Requesters cannot choose the level.
    let mut body = new_ticket("PMLP", "PMLP-003", "x");
    body["level"] = json!(2);
    let (s, p) = app.post("/api/v1/tickets", None, body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "level");
}
on_every_backend!(
    staff_register_tickets_on_behalf_of_requesters,
    staff_create_on_behalf
);

async fn bad_input_is_refused_and_writes_nothing(app: &TestApp) {
    let staff = app.staff().await;
    let before = count(app, &staff.admin).await;

    let mut bad = new_ticket("PMLP", "PMLP-003", "   ");
    bad["channel"] = json!("fax");
    bad["kind"] = json!("gossip");
    bad["requester"] = json!({"name": "A", "email": "not-an-email"});
    let (s, p) = app.post("/api/v1/tickets", None, bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["channel", "kind", "requester.email", "subject"] {
        assert!(fields.contains(&f), "{f} missing in {fields:?}");
    }

    let mut english = new_ticket("PMLP", "PMLP-003", "Language");
    english["language"] = json!("english");
    let (s, p) = app.post("/api/v1/tickets", None, english).await;
    assert_eq!(
        (s, p["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("language")),
        "{p}"
    );

    let mut in_person = new_ticket("PMLP", "PMLP-003", "Vizīte");
    in_person["channel"] = json!("in_person");
    let (s, p) = app.post("/api/v1/tickets", None, in_person).await;
    assert_eq!(
        (s, p["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("location"))
    );

    let mut no_contact = new_ticket("PMLP", "PMLP-003", "Bez kontaktiem");
    no_contact["requester"] = json!({"name": "Anonīms"});
    let (s, _) = app.post("/api/v1/tickets", None, no_contact).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let (s, p) = app
        .post(
            "/api/v1/tickets",
            None,
            new_ticket("NOPE", "NOPE-001", "Nezināma iestāde"),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["institution", "service"]);

    let (s, p) = app
        .post("/api/v1/tickets", None, json!({"institution": "PMLP"}))
        .await;
    assert_eq!(
        (s, p["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("channel")),
        "{p}"
    );
    let mut wrong_type = new_ticket("PMLP", "PMLP-003", "x");
    wrong_type["tags"] = json!("one");
    let (s, p) = app.post("/api/v1/tickets", None, wrong_type).await;
    assert_eq!(
        (s, p["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("tags"))
    );
    let mut unknown = new_ticket("PMLP", "PMLP-003", "x");
    unknown["colour"] = json!("blue");
    let (s, _) = app.post("/api/v1/tickets", None, unknown).await;
    assert!(s.is_client_error());

    let (s, p) = send(
        app.req(Method::POST, "/api/v1/tickets", None)
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(p["detail"].as_str().unwrap().contains("not valid JSON"));
    let (s, _) = send(
        app.req(Method::POST, "/api/v1/tickets", None)
            .body("subject=x"),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let huge = "ā".repeat(300 * 1024);
    let mut big = new_ticket("PMLP", "PMLP-003", "Liels");
    big["description"] = json!(huge);
    // The server answers 413 without reading the body and then closes the
    // connection; the client must not pool it for the next request.
    let res = app
        .req(Method::POST, "/api/v1/tickets", None)
        .header("connection", "close")
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    assert_eq!(
        count(app, &staff.admin).await,
        before,
        "no refused request left a ticket behind"
    );
}
async fn count(app: &TestApp, token: &str) -> usize {
    let (_, page) = app.get("/api/v1/tickets?limit=200", Some(token)).await;
    page["items"].as_array().unwrap().len()
}
on_every_backend!(
    bad_input_is_a_4xx_and_writes_nothing,
    bad_input_is_refused_and_writes_nothing
);

async fn idempotent_create(app: &TestApp) {
    let body = new_ticket("PMLP", "PMLP-003", "Atkārtots pieprasījums");
    let first = send(
        app.req(Method::POST, "/api/v1/tickets", None)
            .header("Idempotency-Key", "k-1")
            .json(&body),
    )
    .await;
    let again = send(
        app.req(Method::POST, "/api/v1/tickets", None)
            .header("Idempotency-Key", "k-1")
            .json(&body),
    )
    .await;
    assert_eq!(first.0, StatusCode::CREATED);
    assert_eq!(again.0, StatusCode::OK);
    assert_eq!(first.1["id"], again.1["id"]);
    assert_eq!(first.1["access_token"], again.1["access_token"]);

    let mut other = body.clone();
    other["subject"] = json!("Cits temats");
    let (s, p) = send(
        app.req(Method::POST, "/api/v1/tickets", None)
            .header("Idempotency-Key", "k-1")
            .json(&other),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(p["detail"].as_str().unwrap().contains("Idempotency-Key"));

    let (_, fresh) = send(
        app.req(Method::POST, "/api/v1/tickets", None)
            .header("Idempotency-Key", "k-2")
            .json(&body),
    )
    .await;
    assert_ne!(fresh["id"], first.1["id"]);
}
on_every_backend!(idempotency_key_returns_the_same_ticket, idempotent_create);

async fn public_creation_is_rate_limited(app: &TestApp) {
    let staff = app.staff().await;
    let mut limited = None;
    for i in 0..45 {
        let (s, _) = app
            .post(
                "/api/v1/tickets",
                None,
                new_ticket("PMLP", "PMLP-003", &format!("Plūdi {i}")),
            )
            .await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(i);
            break;
        }
        assert_eq!(s, StatusCode::CREATED);
    }
    assert_eq!(limited, Some(40), "the harness allows 40 a minute");
    // Signed-in staff are not limited by it.
    let (s, _) = app
        .post(
            "/api/v1/tickets",
            Some(&staff.pmlp),
            new_ticket("PMLP", "PMLP-003", "Darbinieks"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
}
on_every_backend!(
    anonymous_creation_is_rate_limited_per_address,
    public_creation_is_rate_limited
);

async fn concurrent_creates(app: &TestApp) {
    let staff = app.staff().await;
    // Creates are committed in groups; each still succeeds or fails on its own.
    let mut handles = Vec::new();
    for i in 0..40 {
        let req = app.req(Method::POST, "/api/v1/tickets", Some(&staff.pmlp));
        let mut body = new_ticket("PMLP", "PMLP-003", &format!("Vienlaicīgi {i}"));
        let req = if i % 10 == 0 {
            // Same key, different bodies: exactly one of each pair-group may win.
            body["description"] = json!(format!("variants {i}"));
            req.header("Idempotency-Key", "shared")
        } else {
            req
        };
        handles.push(tokio::spawn(send(req.json(&body))));
    }
    let mut numbers = Vec::new();
    let mut conflicts = 0;
    for h in handles {
        let (s, body) = h.await.unwrap();
        match s {
            StatusCode::CREATED => numbers.push(body["number"].as_str().unwrap().to_string()),
            StatusCode::CONFLICT => conflicts += 1,
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((numbers.len(), conflicts), (37, 3));
    let mut seqs: Vec<i64> = numbers.iter().map(|n| n[5..].parse().unwrap()).collect();
    seqs.sort();
    assert_eq!(
        seqs,
        (1..=37).collect::<Vec<_>>(),
        "numbers are unique and without gaps"
    );
    let (_, page) = app
        .get("/api/v1/tickets?limit=200", Some(&staff.pmlp))
        .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 37);
    let requesters: HashSet<i64> = items
        .iter()
        .map(|t| t["requester"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        requesters.len(),
        1,
        "one e-mail, one contact, even within a batch"
    );

    // Requesters without e-mail are told apart by their numbers (the same
    // number is the same record, as the first assertion shows for addresses).
    let mut phone_only = Vec::new();
    for i in 0..3 {
        let mut body = new_ticket("PMLP", "PMLP-003", &format!("Zvans {i}"));
        body["requester"] =
            json!({"name": format!("Zvanītājs {i}"), "phone": format!("+371 2000000{i}")});
        phone_only.push(tokio::spawn(send(
            app.req(Method::POST, "/api/v1/tickets", Some(&staff.pmlp))
                .json(&body),
        )));
    }
    let mut ids = HashSet::new();
    for h in phone_only {
        let (_, t) = h.await.unwrap();
        assert!(
            t["requester"]["name"]
                .as_str()
                .unwrap()
                .starts_with("Zvanītājs")
        );
        ids.insert(t["requester"]["id"].as_i64().unwrap());
    }
    assert_eq!(ids.len(), 3);
    assert!(!ids.iter().any(|id| requesters.contains(id)));
}
on_every_backend!(concurrent_creates_get_unique_numbers, concurrent_creates);

async fn the_requesters_language_is_kept(app: &TestApp) {
    let mut body = new_ticket("PMLP", "PMLP-003", "Residence permit");
    body["language"] = json!("EN");
    let (s, t) = app.post("/api/v1/tickets", None, body).await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    assert_eq!(t["language"], "en", "stored in lower case");
    let id = t["id"].as_i64().unwrap();
    let (_, read) = app
        .get(
            &format!("/api/v1/tickets/{id}"),
            Some(&app.staff().await.pmlp),
        )
        .await;
    assert_eq!(read["language"], "en");
}
on_every_backend!(
    the_requesters_language_is_kept_on_the_ticket,
    the_requesters_language_is_kept
);
