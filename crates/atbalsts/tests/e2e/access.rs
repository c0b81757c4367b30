use crate::harness::{TestApp, send};
use crate::on_every_backend;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn institutions_are_walled(app: &TestApp) {
    let staff = app.staff().await;
    let (id, _) = app.citizen_ticket("PMLP-003", "Tikai PMLP").await;
    let path = format!("/api/v1/tickets/{id}");

    let (s, p) = app.get(&path, Some(&staff.vid)).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "other institutions do not even learn it exists: {p}"
    );
    for (action, body) in [
        ("/messages", json!({"body": "x"})),
        ("/resolve", json!({"resolution": "x"})),
        ("/close", json!({})),
        ("/reopen", json!({})),
        ("/assign", json!({"assignee": null})),
    ] {
        let (s, _) = app
            .post(&format!("{path}{action}"), Some(&staff.vid), body)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{action}");
    }
    let (s, _) = app.get(&format!("{path}/messages"), Some(&staff.vid)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get(&format!("{path}/events"), Some(&staff.vid)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, page) = app
        .get("/api/v1/tickets?institution=PMLP", Some(&staff.vid))
        .await;
    assert!(page["items"].as_array().unwrap().is_empty());

    // The central help desk works every institution's tickets.
    let (s, _) = app.get(&path, Some(&staff.central)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .post(
            &format!("{path}/messages"),
            Some(&staff.central),
            json!({"body": "Centrālais dienests palīdz."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}
on_every_backend!(
    staff_never_see_other_institutions_tickets,
    institutions_are_walled
);

async fn authentication(app: &TestApp) {
    let (s, _) = app.get("/api/v1/tickets", Some("atb_not-a-token")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let res = app
        .req(Method::GET, "/api/v1/tickets", Some("nope"))
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("www-authenticate").is_some());
    let (s, _) = send(
        app.req(Method::GET, "/api/v1/tickets", None)
            .header("Authorization", "Basic abc"),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app.get("/api/v1/tickets", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app.get("/api/v1/tickets/abc", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = app.get("/api/v1/no-such-thing", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
on_every_backend!(authentication_is_required_and_explained, authentication);

async fn operations_endpoints(app: &TestApp) {
    let (s, _) = app.get("/healthz", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.get("/readyz", None).await;
    assert_eq!(s, StatusCode::OK);
    app.get("/api/v1/institutions", None).await;
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("atbalsts_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/api/v1/institutions\""), "{text}");

    let (s, doc) = app.get("/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/tickets",
        "/api/v1/tickets/{id}/escalate",
        "/api/v1/tickets/{id}/events",
        "/api/v1/services/{code}",
        "/api/v1/locations",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from OpenAPI"
        );
    }
    assert!(doc["components"]["schemas"].get("Problem").is_some());
}
on_every_backend!(health_metrics_and_openapi, operations_endpoints);
