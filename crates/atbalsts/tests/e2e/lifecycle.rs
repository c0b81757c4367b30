use crate::harness::TestApp;
use crate::on_every_backend;
use reqwest::StatusCode;
use serde_json::json;

async fn full_lifecycle(app: &TestApp) {
    let staff = app.staff().await;
    let (id, token) = app
        .citizen_ticket("PMLP-003", "Nevaru deklarēt dzīvesvietu")
        .await;
    let t = |p: &str| format!("/api/v1/tickets/{id}{p}");
    let me = Some(staff.pmlp.as_str());

    let (s, v) = app
        .post(
            &t("/messages"),
            me,
            json!({"body": "Lūdzu, norādiet adresi.", "await_requester": true}),
        )
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("pending_requester"))
    );
    let (s, v) = app
        .post(
            &t("/messages"),
            me,
            json!({"body": "Pārbaudīt adrešu reģistru.", "internal": true}),
        )
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("pending_requester"))
    );

    // The requester answers through the access token; the ticket opens again.
    let (s, v) = app
        .post(
            &format!("{}?access_token={token}", t("/messages")),
            None,
            json!({"body": "Rīga, Brīvības iela 1"}),
        )
        .await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("open")));
    // A requester cannot write internal notes.
    let (s, _) = app
        .post(
            &format!("{}?access_token={token}", t("/messages")),
            None,
            json!({"body": "x", "internal": true}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (_, thread) = app
        .get(&format!("{}?access_token={token}", t("/messages")), None)
        .await;
    let bodies: Vec<&str> = thread
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        ["Lūdzu, norādiet adresi.", "Rīga, Brīvības iela 1"],
        "no internal notes for requesters"
    );
    let (_, staff_thread) = app.get(&t("/messages"), me).await;
    assert_eq!(staff_thread.as_array().unwrap().len(), 3);
    assert_eq!(staff_thread[1]["internal"], true);
    assert_eq!(staff_thread[2]["author_kind"], "requester");

    let (s, v) = app
        .post(
            &t("/resolve"),
            me,
            json!({"resolution": "Deklarācija pieņemta."}),
        )
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("resolved"))
    );
    assert_eq!(v["resolution"], "Deklarācija pieņemta.");
    assert!(v["resolved_at"].is_string());
    let (s, _) = app
        .post(&t("/resolve"), me, json!({"resolution": "vēlreiz"}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = app
        .post(&t("/resolve"), me, json!({"resolution": ""}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // The requester reopens, staff resolve again and close.
    let (s, v) = app
        .post(
            &format!("{}?access_token={token}", t("/reopen")),
            None,
            json!({"reason": "Joprojām neredzu."}),
        )
        .await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("open")));
    let (s, _) = app.post(&t("/reopen"), me, json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "only resolved tickets reopen");
    let (s, _) = app.post(&t("/close"), me, json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "resolve before closing");
    app.post(&t("/resolve"), me, json!({"resolution": "Atjaunots."}))
        .await;
    let (s, v) = app.post(&t("/close"), me, json!({})).await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("closed")));
    assert!(v["closed_at"].is_string());

    // Closed is final.
    for (path, body) in [
        ("/reopen", json!({})),
        ("/close", json!({})),
        ("/messages", json!({"body": "vēl"})),
    ] {
        let (s, p) = app.post(&t(path), me, body).await;
        assert_eq!(s, StatusCode::CONFLICT, "{path}: {p}");
    }

    let (s, events) = app.get(&t("/events"), me).await;
    assert_eq!(s, StatusCode::OK);
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "created", "replied", "noted", "replied", "resolved", "reopened", "resolved", "closed"
        ]
    );
    assert_eq!(events[0]["actor_kind"], "requester");
    assert_eq!(events[1]["actor_id"], staff.pmlp_id);
    assert_eq!(
        events[3]["data"]["status"],
        json!({"from": "pending_requester", "to": "open"})
    );
    assert_eq!(events[5]["data"]["reason"], "Joprojām neredzu.");
    assert!(events[0]["at"].as_str().unwrap().ends_with('Z'));
}
on_every_backend!(ticket_lifecycle_with_enforced_transitions, full_lifecycle);
