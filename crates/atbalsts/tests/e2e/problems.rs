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

/// POST a ticket whose headers declare 300 KiB, over a raw connection: the
/// status, the media type and the body of the answer.
async fn too_large(app: &TestApp) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/tickets HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        300 * 1024
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).to_string();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_string)
        })
        .unwrap_or_default();
    (status, content_type, body.to_string())
}

async fn codes(app: &TestApp) {
    let staff = app.staff().await;
    let me = Some(staff.pmlp.as_str());
    let (id, access) = app.citizen_ticket("PMLP-003", "Kļūda deklarējot").await;
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

    assert_problem(
        "a requester's access link on a staff list",
        send(
            app.req(Method::GET, "/api/v1/groups", None)
                .header("x-access-token", &access),
        )
        .await,
        StatusCode::FORBIDDEN,
        "access.staff_only",
    );
    assert_problem(
        "nobody on a staff list",
        app.get("/api/v1/sla-policies", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
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
    // Declared too large: refused from the headers alone, before any body is
    // sent (a client writing the whole body could meet a closed connection).
    let (status, content_type, body) = too_large(app).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(content_type, "application/problem+json");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["code"], "too_large", "{v}");
    assert_problem(
        "an unknown API path",
        app.get("/api/v1/nothing-here", me).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}
on_every_backend!(errors_carry_stable_codes, codes);
