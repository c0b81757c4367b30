//! Requesters' records over the API: one person across channels and
//! institutions, each institution's staff seeing only their share, search,
//! edits, merge and split, and the phone channel's screen pop.

use crate::harness::{TestApp, new_ticket, scope, send};
use crate::on_every_backend;
use atbalsts_domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn ticket(app: &TestApp, token: Option<&str>, body: Value) -> Value {
    let (s, t) = app.post("/api/v1/tickets", token, body).await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    t
}

fn from(institution: &str, service: &str, channel: &str, requester: Value) -> Value {
    let mut body = new_ticket(institution, service, "Jautājums par pakalpojumu");
    body["channel"] = json!(channel);
    body["requester"] = requester;
    body
}

async fn patch(app: &TestApp, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    send(app.req(Method::PATCH, path, Some(token)).json(&body)).await
}

async fn records_and_scope(app: &TestApp) {
    let staff = app.staff().await;
    // A citizen writes on the portal, then phones PMLP; the number is typed another way.
    let portal = ticket(
        app,
        None,
        from("PMLP", "PMLP-003", "portal", json!({"name": "Anna Bērziņa", "email": "Anna.Berzina@example.lv", "phone": "26 123 456"})),
    )
    .await;
    let anna = portal["requester_id"].as_i64().unwrap();
    let call = ticket(
        app,
        Some(&staff.pmlp),
        from(
            "PMLP",
            "PMLP-003",
            "phone",
            json!({"name": "A. Bērziņa", "phone": "+371 26123456"}),
        ),
    )
    .await;
    assert_eq!(call["requester_id"], anna, "recognised by the number");
    // The same name with another address is someone else.
    let namesake = ticket(
        app,
        None,
        from(
            "PMLP",
            "PMLP-003",
            "portal",
            json!({"name": "Anna Bērziņa", "email": "cita@example.lv"}),
        ),
    )
    .await;
    assert_ne!(namesake["requester_id"], anna, "never by name");
    // She writes to VID too; a VID-only person.
    let vid_ticket = ticket(
        app,
        None,
        from(
            "VID",
            "VID-001",
            "email",
            json!({"name": "Anna", "email": "anna.berzina@example.lv"}),
        ),
    )
    .await;
    assert_eq!(vid_ticket["requester_id"], anna);
    let peteris = ticket(
        app,
        None,
        from(
            "VID",
            "VID-001",
            "portal",
            json!({"name": "Pēteris", "email": "peteris@example.lv"}),
        ),
    )
    .await["requester_id"]
        .as_i64()
        .unwrap();
    let (_, staff_view) = app
        .get(
            &format!("/api/v1/tickets/{}", call["id"]),
            Some(&staff.pmlp),
        )
        .await;
    assert_eq!(
        staff_view["requester_id"], anna,
        "tickets show requester_id"
    );

    // Each institution sees the record with its own tickets only.
    let (s, r) = app
        .get(&format!("/api/v1/requesters/{anna}"), Some(&staff.pmlp))
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let institutions: Vec<&str> = r["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["institution"].as_str().unwrap())
        .collect();
    assert_eq!(institutions, ["PMLP", "PMLP"]);
    assert_eq!(
        r["requester"]["emails"][0]["value"],
        "anna.berzina@example.lv"
    );
    assert_eq!(r["requester"]["phones"][0]["value"], "+37126123456");
    let (_, r) = app
        .get(&format!("/api/v1/requesters/{anna}"), Some(&staff.vid))
        .await;
    let ids: Vec<i64> = r["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [vid_ticket["id"].as_i64().unwrap()]);
    let (s, r) = app
        .get(&format!("/api/v1/requesters/{peteris}"), Some(&staff.pmlp))
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another institution's requester: {r}"
    );
    let (_, r) = app
        .get("/api/v1/requesters?q=peteris", Some(&staff.pmlp))
        .await;
    assert_eq!(r["items"], json!([]), "nor found by search");
    let (_, r) = app
        .get("/api/v1/requesters?q=peteris", Some(&staff.vid))
        .await;
    assert_eq!(r["items"][0]["id"], peteris);
    let (_, r) = app
        .get("/api/v1/requesters?q=0037126123456", Some(&staff.central))
        .await;
    assert_eq!(r["items"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["items"][0]["id"], anna);
    // Keyset paging.
    let (_, p1) = app
        .get("/api/v1/requesters?limit=1", Some(&staff.admin))
        .await;
    let after = p1["next_after"].as_i64().expect("more");
    let (_, p2) = app
        .get(
            &format!("/api/v1/requesters?limit=1&after={after}"),
            Some(&staff.admin),
        )
        .await;
    assert!(p2["items"][0]["id"].as_i64().unwrap() < after);
    // Staff only.
    let (s, _) = app.get("/api/v1/requesters", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app
        .get_as_requester(
            &format!("/api/v1/requesters/{anna}"),
            portal["access_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Edits, with validation.
    let path = format!("/api/v1/requesters/{anna}");
    let (s, r) = patch(
        app,
        &path,
        &staff.pmlp,
        json!({
            "language": "en", "preferred_channel": "phone",
            "consent_email": {"given": true, "how": "portāla forma"},
            "organisation_name": "SIA Piemērs", "organisation_registration_number": "40003000000"
        }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["organisation"]["registration_number"], "40003000000");
    assert_eq!(r["consent_email"]["given"], true);
    assert_eq!(r["preferred_channel"], "phone");
    let (s, r) = patch(
        app,
        &path,
        &staff.pmlp,
        json!({"language": "latviešu", "preferred_channel": "fax"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    assert_eq!(r["errors"].as_array().unwrap().len(), 2, "{r}");
    let (s, _) = patch(
        app,
        &format!("/api/v1/requesters/{peteris}"),
        &staff.pmlp,
        json!({"name": "X"}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, r) = patch(app, &path, &staff.partner, json!({"name": "X"})).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "the partner sees no ticket of hers: {r}"
    );
}
on_every_backend!(requester_records_are_scoped_and_edited, records_and_scope);

async fn merge_and_split(app: &TestApp) {
    let staff = app.staff().await;
    let a = ticket(
        app,
        None,
        from(
            "PMLP",
            "PMLP-003",
            "email",
            json!({"name": "Jānis Ozols", "email": "janis@example.lv"}),
        ),
    )
    .await;
    let b = ticket(
        app,
        Some(&staff.pmlp),
        from(
            "PMLP",
            "PMLP-003",
            "phone",
            json!({"name": "J. Ozols", "phone": "29111222"}),
        ),
    )
    .await;
    let (keep, other) = (
        b["requester_id"].as_i64().unwrap(),
        a["requester_id"].as_i64().unwrap(),
    );
    assert_ne!(keep, other);
    let merge = format!("/api/v1/requesters/{keep}/merge");
    let (s, r) = app
        .post(&merge, Some(&staff.pmlp), json!({"other": other}))
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["tickets"].as_array().unwrap().len(), 2);
    let event = r["events"][0]["id"].as_i64().unwrap();
    assert_eq!(r["events"][0]["kind"], "merged");
    assert_eq!(r["events"][0]["data"]["tickets"], json!([a["id"]]));
    let (_, t) = app
        .get(&format!("/api/v1/tickets/{}", a["id"]), Some(&staff.pmlp))
        .await;
    assert_eq!(t["requester_id"], keep);
    let (s, p) = app
        .post(&merge, Some(&staff.pmlp), json!({"other": other}))
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("requester.merged"))
    );
    let (s, p) = app
        .post(&merge, Some(&staff.pmlp), json!({"other": keep}))
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("requester.merge_self"))
    );
    let (s, _) = app
        .post(&merge, Some(&staff.vid), json!({"other": other}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "out of scope");
    let (s, _) = app
        .post(&merge, Some(&staff.pmlp), json!({"other": "x"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let split = format!("/api/v1/requesters/{keep}/split");
    let (s, r) = app
        .post(&split, Some(&staff.pmlp), json!({"event": event}))
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["tickets"].as_array().unwrap().len(), 1);
    let (_, t) = app
        .get(&format!("/api/v1/tickets/{}", a["id"]), Some(&staff.pmlp))
        .await;
    assert_eq!(t["requester_id"], other, "split gives the ticket back");
    let (s, p) = app
        .post(&split, Some(&staff.pmlp), json!({"event": event}))
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("requester.split_done"))
    );
}
on_every_backend!(requesters_merge_and_split_back, merge_and_split);

async fn screen_pop(app: &TestApp) {
    let staff = app.staff().await;
    let open = ticket(
        app,
        None,
        from(
            "PMLP",
            "PMLP-003",
            "portal",
            json!({"name": "Līga Kalna", "email": "liga@example.lv", "phone": "+371 26 555 444"}),
        ),
    )
    .await;
    let (_, lad) = app
        .user(
            "ieva@cesis.lv",
            Role::Specialist,
            vec![scope("CESIS", None)],
        )
        .await;
    let calls = "/api/v1/channels/phone/calls";
    // As a telephony system sends it, in another format than the one typed on the portal.
    let (s, pop) = app
        .post(
            calls,
            Some(&staff.pmlp),
            json!({"caller": "0037126555444", "called": "+37167000000", "call_id": "c-1"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{pop}");
    assert_eq!(pop["number"], "+37126555444");
    assert_eq!(pop["requester"]["id"], open["requester_id"]);
    assert_eq!(pop["requester"]["name"], "Līga Kalna");
    assert_eq!(pop["open_tickets"][0]["id"], open["id"]);
    // Outside the caller's scope, or a withheld number: nobody.
    let (_, pop) = app
        .post(calls, Some(&lad), json!({"caller": "26555444"}))
        .await;
    assert_eq!(pop["requester"], Value::Null, "{pop}");
    let (s, pop) = app
        .post(calls, Some(&staff.pmlp), json!({"caller": "anonymous"}))
        .await;
    assert_eq!((s, &pop["number"]), (StatusCode::OK, &Value::Null));
    let (s, _) = app
        .post(calls, Some(&staff.pmlp), json!({"caller": " "}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app.post(calls, None, json!({"caller": "26555444"})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
on_every_backend!(phone_screen_pop_recognises_the_caller, screen_pop);
