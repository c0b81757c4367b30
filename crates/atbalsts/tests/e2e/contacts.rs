//! Recorded contacts over the API: a phone call on an existing ticket and as
//! a new ticket, each in the ticket's history; visits without a place,
//! negative durations and other institutions' tickets refused.

use crate::harness::{TestApp, new_ticket, send};
use crate::on_every_backend;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|f| f["field"].as_str()).collect())
        .unwrap_or_default()
}

fn call() -> Value {
    json!({"channel": "phone", "direction": "inbound", "duration_seconds": 245,
        "outcome": "callback_needed", "summary": "Jautāja par pases saņemšanu; jāpārbauda un jāatzvana."})
}

async fn on_existing_tickets(app: &TestApp) {
    let staff = app.staff().await;
    let (id, token) = app.citizen_ticket("PMLP-001", "Pase").await;
    let path = format!("/api/v1/tickets/{id}/contacts");

    let (s, c) = app.post(&path, Some(&staff.pmlp), call()).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(
        (
            &c["channel"],
            &c["direction"],
            &c["duration_seconds"],
            &c["outcome"]
        ),
        (
            &json!("phone"),
            &json!("inbound"),
            &json!(245),
            &json!("callback_needed")
        )
    );
    assert_eq!(c["recorded_by_name"], "Darbinieks ilze@pmlp.lv");
    let visit = json!({"channel": "in_person", "direction": "inbound", "duration_seconds": 600,
        "location": "LOC-CESIS", "outcome": "resolved", "summary": "Atnāca pēc pases.",
        "occurred_at": "2026-01-15T10:00:00+02:00"});
    let (s, v) = app.post(&path, Some(&staff.pmlp), visit).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["occurred_at"], "2026-01-15T08:00:00Z", "{v}");

    let (s, list) = app.get(&path, Some(&staff.pmlp)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
    assert_eq!(list[1]["location"], "LOC-CESIS");
    let (_, events) = app
        .get(&format!("/api/v1/tickets/{id}/events"), Some(&staff.pmlp))
        .await;
    let recorded: Vec<&Value> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "contact_recorded")
        .collect();
    assert_eq!(recorded.len(), 2, "{events}");
    assert_eq!(recorded[0]["data"]["contact"], c["id"]);
    assert_eq!(recorded[0]["data"]["channel"], "phone");

    // Refusals: each field named.
    for (body, want) in [
        (
            json!({"channel": "in_person", "direction": "inbound", "duration_seconds": 60,
            "outcome": "answered", "summary": "Vizīte"}),
            vec!["location"],
        ),
        (
            json!({"channel": "phone", "direction": "inbound", "duration_seconds": -5,
            "outcome": "answered", "summary": "Zvans"}),
            vec!["duration_seconds"],
        ),
        (
            json!({"channel": "email", "direction": "up", "duration_seconds": 90000,
            "outcome": "maybe", "summary": ""}),
            vec![
                "channel",
                "direction",
                "duration_seconds",
                "outcome",
                "summary",
            ],
        ),
        (
            json!({"channel": "in_person", "direction": "inbound", "duration_seconds": 60,
            "location": "LOC-NOWHERE", "outcome": "answered", "summary": "Vizīte"}),
            vec!["location"],
        ),
        (
            json!({"channel": "phone", "direction": "inbound", "duration_seconds": 60,
            "outcome": "answered", "summary": "Zvans", "occurred_at": "2099-01-01T00:00:00Z"}),
            vec!["occurred_at"],
        ),
    ] {
        let (s, p) = app.post(&path, Some(&staff.pmlp), body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body} {p}");
        assert_eq!(fields(&p), want, "{body} {p}");
    }
    // Who may: another institution's staff do not find the ticket; requesters and strangers may not.
    let (s, _) = app.post(&path, Some(&staff.vid), call()).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get(&path, Some(&staff.vid)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.post(&path, None, call()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, p) = send(
        app.req(Method::POST, &path, None)
            .header("X-Access-Token", &token)
            .json(&call()),
    )
    .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("access.staff_only"))
    );
    let (s, _) = app
        .post("/api/v1/tickets/999999/contacts", Some(&staff.pmlp), call())
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, list) = app.get(&path, Some(&staff.pmlp)).await;
    assert_eq!(
        list.as_array().map(Vec::len),
        Some(2),
        "refusals wrote nothing"
    );
}
on_every_backend!(
    contacts_are_recorded_on_existing_tickets,
    on_existing_tickets
);

async fn as_new_tickets(app: &TestApp) {
    let staff = app.staff().await;
    let mut body = new_ticket("PMLP", "PMLP-001", "Zvans par pasi");
    body["channel"] = json!("phone");
    body["contact"] =
        json!({"direction": "inbound", "duration_seconds": 180, "outcome": "answered"});
    let (s, t) = app
        .post("/api/v1/tickets", Some(&staff.pmlp), body.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let id = t["id"].as_i64().unwrap();
    assert_eq!(t["channel"], "phone");
    let (_, list) = app
        .get(&format!("/api/v1/tickets/{id}/contacts"), Some(&staff.pmlp))
        .await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(
        (&list[0]["duration_seconds"], &list[0]["outcome"]),
        (&json!(180), &json!("answered"))
    );
    assert_eq!(
        list[0]["summary"], body["description"],
        "the description when no summary"
    );

    // A visit as a new ticket needs its place, and only staff record contacts.
    let mut visit = new_ticket("PMLP", "PMLP-001", "Vizīte");
    visit["channel"] = json!("in_person");
    visit["contact"] =
        json!({"direction": "inbound", "duration_seconds": -1, "outcome": "answered"});
    let (s, p) = app.post("/api/v1/tickets", Some(&staff.pmlp), visit).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(fields(&p), ["contact.duration_seconds", "location"], "{p}");
    let mut chat = new_ticket("PMLP", "PMLP-001", "Tērzēšana");
    chat["contact"] =
        json!({"direction": "inbound", "duration_seconds": 10, "outcome": "answered"});
    let (s, p) = app.post("/api/v1/tickets", Some(&staff.pmlp), chat).await;
    assert_eq!(
        (s, fields(&p)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["channel"]),
        "{p}"
    );
    let (s, p) = app.post("/api/v1/tickets", None, body).await;
    assert_eq!(
        (s, fields(&p)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["contact"]),
        "{p}"
    );
    // Another institution's staff cannot register for PMLP at all.
    let mut vid = new_ticket("PMLP", "PMLP-001", "Zvans");
    vid["channel"] = json!("phone");
    vid["contact"] = json!({"direction": "inbound", "duration_seconds": 10, "outcome": "answered"});
    let (s, _) = app.post("/api/v1/tickets", Some(&staff.vid), vid).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
on_every_backend!(contacts_are_recorded_with_new_tickets, as_new_tickets);
