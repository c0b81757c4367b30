//! A case transferred to another institution keeps its number, history and
//! clocks; the receiving institution accepts it (the requester is told) or
//! returns it with a reason.

use crate::harness::TestApp;
use crate::on_every_backend;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn transfer(app: &TestApp, token: &str, id: i64) -> Value {
    let (s, v) = app
        .post(
            &format!("/api/v1/tickets/{id}/transfer"),
            Some(token),
            json!({"institution": "VID", "reason": "Jautājums par nodokļiem"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn accept_scenario(app: &TestApp) {
    let staff = app.staff().await;
    let (id, token) = app.citizen_ticket("PMLP-003", "Par nodokļiem").await;
    let t = |p: &str| format!("/api/v1/tickets/{id}{p}");
    let (_, before) = app.get(&t(""), Some(staff.pmlp.as_str())).await;
    let sent = transfer(app, &staff.pmlp, id).await;
    assert_eq!(sent["institution"], "VID");
    assert_eq!(sent["transfer_pending_from"], "PMLP");
    // One number, one clock: the SLA state travels with the case.
    assert_eq!(sent["number"], before["number"]);
    assert_eq!(sent["sla"]["policy"], before["sla"]["policy"]);
    assert_eq!(sent["legal"]["received"], before["legal"]["received"]);
    assert_eq!(
        sent["sla"]["first_response_due"],
        before["sla"]["first_response_due"]
    );

    // It is in VID's incoming queue, and PMLP cannot accept on VID's behalf.
    let (s, list) = app
        .get("/api/v1/tickets?institution=VID", Some(staff.vid.as_str()))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        list["items"]
            .as_array()
            .is_some_and(|i| i.iter().any(|t| t["id"] == id)),
        "{list}"
    );
    let (s, _) = app
        .post(&t("/transfer/accept"), Some(staff.pmlp.as_str()), json!({}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, v) = app
        .post(&t("/transfer/accept"), Some(staff.vid.as_str()), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["transfer_pending_from"], Value::Null);
    assert_eq!(v["institution"], "VID");
    let (s, v) = app
        .post(&t("/transfer/accept"), Some(staff.vid.as_str()), json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    // The requester reads who handles the case now.
    let (_, thread) = app
        .get(&format!("{}?access_token={token}", t("/messages")), None)
        .await;
    let told = thread.as_array().is_some_and(|m| {
        m.iter().any(|m| {
            m["body"]
                .as_str()
                .is_some_and(|b| b.contains("tagad izskata"))
        })
    });
    assert!(told, "{thread}");
    let (_, events) = app.get(&t("/events"), Some(staff.vid.as_str())).await;
    let kinds: Vec<&str> = events
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["kind"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        kinds.ends_with(&["transferred", "transfer_accepted"]),
        "{kinds:?}"
    );
}
on_every_backend!(accepted_transfers_tell_the_requester, accept_scenario);

async fn return_scenario(app: &TestApp) {
    let staff = app.staff().await;
    let (id, _) = app.citizen_ticket("PMLP-003", "Nav VID jautājums").await;
    let t = |p: &str| format!("/api/v1/tickets/{id}{p}");
    transfer(app, &staff.pmlp, id).await;
    let (s, v) = app
        .post(
            &t("/transfer/return"),
            Some(staff.vid.as_str()),
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app
        .post(
            &t("/transfer/return"),
            Some(staff.vid.as_str()),
            json!({"reason": "Dzīvesvietas jautājums, ne nodokļu"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["institution"], "PMLP");
    assert_eq!(v["transfer_pending_from"], Value::Null);
    // Back home, PMLP sees it again with the reason in its history; VID no longer does.
    let (s, events) = app.get(&t("/events"), Some(staff.pmlp.as_str())).await;
    assert_eq!(s, StatusCode::OK);
    let returned = events
        .as_array()
        .and_then(|e| e.iter().find(|e| e["kind"] == "transfer_returned"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        returned["data"]["reason"], "Dzīvesvietas jautājums, ne nodokļu",
        "{events}"
    );
    let (s, _) = app.get(&t(""), Some(staff.vid.as_str())).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A ticket that was not transferred cannot be returned.
    let (s, _) = app
        .post(
            &t("/transfer/return"),
            Some(staff.pmlp.as_str()),
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
}
on_every_backend!(returned_transfers_go_back_with_the_reason, return_scenario);
