//! Every error is a problem document (`application/problem+json`) with a
//! stable `code`: a rule's refusal names the rule, anything else its kind.

use crate::harness::{TestApp, send};
use crate::on_every_backend;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn assert_problem(what: &str, got: (StatusCode, Value), status: StatusCode, code: &str) {
    let (s, v) = got;
    assert_eq!(s, status, "{what}: {v}");
    assert_eq!(v["status"], status.as_u16(), "{what}: {v}");
    assert_eq!(v["code"], code, "{what}: {v}");
    assert!(
        !v["detail"].as_str().unwrap_or("").is_empty(),
        "{what}: {v}"
    );
}

async fn codes(app: &TestApp) {
    let staff = app.staff().await;
    let me = Some(staff.pmlp.as_str());
    let (id, _) = app.citizen_ticket("PMLP-003", "Kļūda deklarējot").await;
    let t = |p: &str| format!("/api/v1/tickets/{id}{p}");

    // The media type is the problem's own, not plain JSON.
    let res = app
        .req(Method::POST, &t("/reopen"), me)
        .json(&json!({"reason": "Vēl nav atrisināts"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "reopen.not_resolved", "{body}");

    assert_problem(
        "accepting what was not transferred",
        app.post(&t("/transfer/accept"), me, json!({})).await,
        StatusCode::CONFLICT,
        "transfer.not_pending",
    );
    let (s, _) = app
        .post(&t("/resolve"), me, json!({"resolution": "Atrisināts."}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_problem(
        "resolving twice",
        app.post(&t("/resolve"), me, json!({"resolution": "Vēlreiz."}))
            .await,
        StatusCode::CONFLICT,
        "ticket.already_resolved",
    );
    let (s, _) = app.post(&t("/close"), me, json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert_problem(
        "changing a closed ticket",
        app.post(&t("/reopen"), me, json!({"reason": "Vēlreiz."}))
            .await,
        StatusCode::CONFLICT,
        "ticket.closed",
    );

    // Refusals of who may do what.
    assert_problem(
        "a partner escalating",
        app.post(
            &t("/escalate"),
            Some(&staff.vid),
            json!({"level": 2, "reason": "x"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_problem(
        "a specialist changing a calendar",
        app.post(
            "/api/v1/calendars/state/entries",
            me,
            json!({"day": "2027-05-05", "kind": "holiday", "name": "Svētki"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "access.system_administrator",
    );

    // The kinds of problem.
    assert_problem(
        "a bad token",
        app.get("/api/v1/tickets", Some("not-a-token")).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_problem(
        "a missing field",
        app.post(&t("/escalate"), me, json!({"level": 2})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    );
    assert_problem(
        "malformed JSON",
        send(
            app.req(Method::POST, &t("/escalate"), me)
                .header("content-type", "application/json")
                .body("{"),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    let huge = "a".repeat(300 * 1024);
    assert_problem(
        "a body over the limit",
        send(
            app.req(Method::POST, "/api/v1/tickets", None)
                .header("content-type", "application/json")
                .body(format!("{{\"subject\": \"{huge}\"}}")),
        )
        .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
    );
    assert_problem(
        "an unknown API path",
        app.get("/api/v1/nothing-here", me).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}
on_every_backend!(errors_carry_stable_codes, codes);
