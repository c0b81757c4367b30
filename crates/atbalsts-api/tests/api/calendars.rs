//! The business calendar over HTTP: every day of 2026 for state institutions.

use crate::harness::TestApp;
use crate::on_every_backend;
use reqwest::StatusCode;

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
