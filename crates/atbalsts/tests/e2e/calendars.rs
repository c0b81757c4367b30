//! The business calendar over HTTP: every day of 2026 for state institutions.

use crate::harness::TestApp;
use crate::harness::send;
use crate::on_every_backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn calendar_scenario(app: &TestApp) {
    let (s, body) = app
        .get(
            "/api/v1/calendars/state/days?from=2026-01-01&to=2026-12-31",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let days = body["days"].as_array().unwrap();
    assert_eq!(days.len(), 365);
    let day = |date: &str| days.iter().find(|d| d["date"] == date).unwrap().clone();
    let working = days.iter().filter(|d| d["working"] == true).count();
    assert_eq!(working, 250, "2026's working days for state institutions");

    let off = day("2026-01-02");
    assert_eq!(
        (off["kind"].as_str(), off["working"].as_bool()),
        (Some("transferred_off"), Some(false))
    );
    assert_eq!(off["transfer_date"], "2026-01-17");
    let saturday = day("2026-01-17");
    assert_eq!(
        (saturday["kind"].as_str(), saturday["hours"].as_u64()),
        (Some("transferred_working"), Some(8))
    );
    let proclamation = day("2026-11-18");
    assert_eq!(proclamation["holiday"], "proclamation_day");
    assert_eq!(proclamation["hours"], 0);
    for shortened in [
        "2026-04-02",
        "2026-04-30",
        "2026-06-27",
        "2026-11-17",
        "2026-12-23",
        "2026-12-30",
    ] {
        let d = day(shortened);
        assert_eq!(
            (d["shortened"].as_bool(), d["hours"].as_u64()),
            (Some(true), Some(7)),
            "{shortened}"
        );
    }
    assert_eq!(
        day("2026-12-26")["kind"],
        "holiday",
        "26 December on a Saturday"
    );
    assert_eq!(day("2026-12-28")["kind"], "working", "and it does not move");
    assert_eq!(body["name_lv"], "Valsts iestāžu darba dienu kalendārs");

    for (query, status) in [
        ("from=2026-13-01&to=2026-12-31", StatusCode::BAD_REQUEST),
        ("from=2026-12-31&to=2026-01-01", StatusCode::BAD_REQUEST),
        ("from=2026-01-01&to=2028-01-01", StatusCode::BAD_REQUEST),
        ("from=2026-01-01", StatusCode::BAD_REQUEST),
        ("from=2026-01-01&to=2026-01-02&x=1", StatusCode::BAD_REQUEST),
    ] {
        let (s, body) = app
            .get(&format!("/api/v1/calendars/state/days?{query}"), None)
            .await;
        assert_eq!(s, status, "{query}: {body}");
    }
    let (s, _) = app
        .get(
            "/api/v1/calendars/nav/days?from=2026-01-01&to=2026-01-02",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
on_every_backend!(the_state_calendar_of_2026, calendar_scenario);

async fn entries_scenario(app: &TestApp) {
    let staff = app.staff().await;
    let admin = Some(staff.admin.as_str());
    let days = |from: &str| format!("/api/v1/calendars/state/days?from={from}&to={from}");
    // The Cabinet gives Monday 3 May 2027 off, worked on Saturday 8 May.
    let transfer = json!({"kind": "transfer", "day": "2027-05-03", "worked_on": "2027-05-08"});
    let (s, _) = app
        .post("/api/v1/calendars/state/entries", None, transfer.clone())
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app
        .post(
            "/api/v1/calendars/state/entries",
            Some(staff.pmlp.as_str()),
            transfer.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let sunday = json!({"kind": "transfer", "day": "2027-05-03", "worked_on": "2027-05-09"});
    let (s, v) = app
        .post("/api/v1/calendars/state/entries", admin, sunday)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app
        .post(
            "/api/v1/calendars/state/entries",
            admin,
            json!({"kind": "holiday", "day": "3.5.2027"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app
        .post("/api/v1/calendars/state/entries", admin, transfer.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, v) = app.get(&days("2027-05-03"), None).await;
    assert_eq!(v["days"][0]["kind"], "transferred_off", "{v}");
    let (_, v) = app.get(&days("2027-05-08"), None).await;
    assert_eq!(
        (
            v["days"][0]["kind"].as_str(),
            v["days"][0]["working"].as_bool()
        ),
        (Some("transferred_working"), Some(true))
    );
    // Twice is refused; removing restores the working Monday.
    let (s, _) = app
        .post("/api/v1/calendars/state/entries", admin, transfer)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let path = "/api/v1/calendars/state/entries/2027-05-03/transfer";
    let (s, _) = send(app.req(Method::DELETE, path, Some(staff.pmlp.as_str()))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = send(app.req(Method::DELETE, path, admin)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = send(app.req(Method::DELETE, path, admin)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = app.get(&days("2027-05-03"), None).await;
    assert_eq!(v["days"][0]["kind"], "working");
    let (s, v) = app
        .post(
            "/api/v1/calendars/state/entries",
            admin,
            json!({"kind": "holiday", "day": "2027-07-05", "name": "x\u{0}"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // A law's extra holiday, with its name.
    let (s, v) = app
        .post(
            "/api/v1/calendars/state/entries",
            admin,
            json!({"kind": "holiday", "day": "2027-07-05", "name": "Dziesmu svētku brīvdiena"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, v) = app.get(&days("2027-07-05"), None).await;
    assert_eq!(v["days"][0]["name"], "Dziesmu svētku brīvdiena");
}
on_every_backend!(
    administrators_add_and_remove_calendar_entries,
    entries_scenario
);
