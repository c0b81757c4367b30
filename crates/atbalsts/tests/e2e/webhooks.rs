//! Webhook subscriptions over the API: only the institution's administrators
//! (and the system administrator) manage them, every field is checked, the
//! secret is shown once and never listed. Delivery is tested in
//! atbalsts-channels' tests/webhooks.rs.

use crate::harness::{TestApp, scope, send};
use crate::on_every_backend;
use atbalsts_domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|f| f["field"].as_str()).collect())
        .unwrap_or_default()
}

async fn managed_by_administrators(app: &TestApp) {
    let staff = app.staff().await;
    let (_, pmlp_admin) = app
        .user(
            "admin@pmlp.lv",
            Role::Administrator,
            vec![scope("PMLP", None)],
        )
        .await;
    let (_, vid_admin) = app
        .user(
            "admin@vid.lv",
            Role::Administrator,
            vec![scope("VID", None)],
        )
        .await;
    let good = json!({"institution": "PMLP", "url": "https://crm.pmlp.example.lv/in",
        "events": ["status.changed", "ticket.created"]});

    // Who may: nobody without a token, no requester, no specialist, no other institution.
    let (s, p) = app.get("/api/v1/webhooks", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{p}");
    let (s, p) = app.post("/api/v1/webhooks", None, good.clone()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{p}");
    let (_, token) = app.citizen_ticket("PMLP-001", "Pase").await;
    let (s, p) = send(
        app.req(Method::GET, "/api/v1/webhooks", None)
            .header("X-Access-Token", &token),
    )
    .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("access.staff_only"))
    );
    let (s, p) = app.get("/api/v1/webhooks", Some(&staff.pmlp)).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("admin.only")),
        "{p}"
    );
    let (s, p) = app
        .post("/api/v1/webhooks", Some(&staff.pmlp), good.clone())
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("admin.only")),
        "{p}"
    );
    let (s, p) = app
        .post("/api/v1/webhooks", Some(&vid_admin), good.clone())
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("admin.not_yours")),
        "{p}"
    );

    // What may not be: each field named.
    for (body, want) in [
        (
            json!({"institution": "", "url": "ftp://x.lv/", "events": []}),
            vec!["institution", "url", "events"],
        ),
        (
            json!({"institution": "PMLP", "url": "https://u:p@x.lv/", "events": ["ticket.created"]}),
            vec!["url"],
        ),
        (
            json!({"institution": "PMLP", "url": "x.lv/hook", "events": ["ticket.created"]}),
            vec!["url"],
        ),
        (
            json!({"institution": "PMLP", "url": format!("https://x.lv/{}", "a".repeat(2000)), "events": ["ticket.created"]}),
            vec!["url"],
        ),
        (
            json!({"institution": "PMLP", "url": "https://x.lv/", "events": ["ticket.deleted"]}),
            vec!["events"],
        ),
    ] {
        let (s, p) = app
            .post("/api/v1/webhooks", Some(&pmlp_admin), body.clone())
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body} {p}");
        assert_eq!(fields(&p), want, "{body} {p}");
    }
    let (s, p) = app
        .post(
            "/api/v1/webhooks",
            Some(&staff.admin),
            json!({"institution": "NOPE", "url": "https://x.lv/", "events": ["sla.breach"]}),
        )
        .await;
    assert_eq!(
        (s, fields(&p)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["institution"]),
        "{p}"
    );
    let (s, p) = app
        .post("/api/v1/webhooks", Some(&pmlp_admin), json!({"institution": "PMLP", "url": "https://x.lv/", "events": ["sla.breach"], "secret": "mine"}))
        .await;
    assert_eq!(
        (s, fields(&p)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["secret"]),
        "no secret of one's own: {p}"
    );

    // Created: the secret once, then never again.
    let (s, created) = app
        .post("/api/v1/webhooks", Some(&pmlp_admin), good.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    assert_eq!(
        created["events"],
        json!(["ticket.created", "status.changed"])
    );
    assert_eq!(
        (&created["active"], &created["consecutive_failures"]),
        (&json!(true), &json!(0))
    );
    let id = created["id"].as_i64().unwrap();
    let (s, _) = app
        .post(
            "/api/v1/webhooks",
            Some(&vid_admin),
            json!({"institution": "VID", "url": "http://127.0.0.1:9/", "events": ["sla.warning"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);

    let (s, list) = app.get("/api/v1/webhooks", Some(&pmlp_admin)).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 1, "only PMLP's: {list:?}");
    assert_eq!(list[0]["id"], id);
    assert!(list[0].get("secret").is_none(), "{:?}", list[0]);
    assert!(!list[0].to_string().contains(secret));
    let (_, all) = app.get("/api/v1/webhooks", Some(&staff.admin)).await;
    assert_eq!(all.as_array().map(Vec::len), Some(2), "{all}");
    assert!(!all.to_string().contains("whsec_"));
    let (_, vid_only) = app
        .get("/api/v1/webhooks?institution=VID", Some(&staff.admin))
        .await;
    assert_eq!(vid_only.as_array().map(Vec::len), Some(1), "{vid_only}");
    let (s, _) = app
        .get("/api/v1/webhooks?institution=a%2Fb", Some(&staff.admin))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // The log, switching on, removal.
    let log = format!("/api/v1/webhooks/{id}/deliveries");
    let (s, page) = app.get(&log, Some(&pmlp_admin)).await;
    assert_eq!((s, &page["items"]), (StatusCode::OK, &json!([])), "{page}");
    for bad in [
        "?limit=0",
        "?limit=201",
        "?before=0",
        "?before=x",
        "?page=2",
    ] {
        let (s, p) = app.get(&format!("{log}{bad}"), Some(&pmlp_admin)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad} {p}");
    }
    for (path, want) in [
        ("/api/v1/webhooks/abc/deliveries", StatusCode::BAD_REQUEST),
        ("/api/v1/webhooks/0/deliveries", StatusCode::BAD_REQUEST),
        (
            "/api/v1/webhooks/99999999999999999999/deliveries",
            StatusCode::BAD_REQUEST,
        ),
        ("/api/v1/webhooks/987654/deliveries", StatusCode::NOT_FOUND),
    ] {
        let (s, p) = app.get(path, Some(&pmlp_admin)).await;
        assert_eq!(s, want, "{path} {p}");
    }
    let (s, p) = app.get(&log, Some(&vid_admin)).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("admin.not_yours"))
    );
    let enable = format!("/api/v1/webhooks/{id}/enable");
    let (s, on) = app.post(&enable, Some(&pmlp_admin), json!({})).await;
    assert_eq!((s, &on["active"]), (StatusCode::OK, &json!(true)), "{on}");
    assert!(on.get("secret").is_none());
    let (s, _) = app.post(&enable, Some(&staff.pmlp), json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let one = format!("/api/v1/webhooks/{id}");
    let (s, p) = send(app.req(Method::DELETE, &one, Some(&vid_admin))).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("admin.not_yours"))
    );
    let (s, _) = send(app.req(Method::DELETE, &one, Some(&pmlp_admin))).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = send(app.req(Method::DELETE, &one, Some(&pmlp_admin))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

on_every_backend!(
    webhooks_are_managed_by_the_institutions_administrators,
    managed_by_administrators
);

#[tokio::test]
async fn the_openapi_document_describes_the_webhooks() {
    let doc = atbalsts_api::openapi_spec();
    for (path, method, statuses) in [
        ("/api/v1/webhooks", "get", &["200", "400", "401", "403"][..]),
        (
            "/api/v1/webhooks",
            "post",
            &["201", "400", "401", "403", "413", "422"][..],
        ),
        (
            "/api/v1/webhooks/{id}",
            "delete",
            &["204", "400", "401", "403", "404"][..],
        ),
        (
            "/api/v1/webhooks/{id}/enable",
            "post",
            &["200", "400", "401", "403", "404"][..],
        ),
        (
            "/api/v1/webhooks/{id}/deliveries",
            "get",
            &["200", "400", "401", "403", "404"][..],
        ),
    ] {
        let op = &doc["paths"][path][method];
        for status in statuses {
            assert!(
                op["responses"][status].is_object(),
                "{method} {path} {status}"
            );
        }
    }
    let created = &doc["components"]["schemas"]["CreatedWebhook"]["properties"];
    assert!(created["secret"].is_object());
    assert!(doc["components"]["schemas"]["Webhook"]["properties"]["secret"].is_null());
}
