//! SLA clocks and the legal term on a ticket's JSON, moved by its changes.

use crate::harness::TestApp;
use crate::on_every_backend;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// RFC 3339 with Riga's offset (winter +02:00, summer +03:00), to the second.
fn riga_instant(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 25
            && (s.ends_with("+02:00") || s.ends_with("+03:00"))
            && jiff::Timestamp::strptime("%Y-%m-%dT%H:%M:%S%:z", s).is_ok()
    })
}

async fn clocks_follow_the_ticket(app: &TestApp) {
    let staff = app.staff().await;
    let me = Some(staff.pmlp.as_str());
    let (id, token) = app.citizen_ticket("PMLP-003", "Termiņi").await;
    let t = |p: &str| format!("/api/v1/tickets/{id}{p}");

    let (s, v) = app.get(&t(""), me).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let sla = &v["sla"];
    assert_eq!(sla["policy"], "default", "{v}");
    assert!(riga_instant(&sla["first_response_due"]), "{sla}");
    assert!(riga_instant(&sla["resolution_due"]), "{sla}");
    assert_eq!(sla["next_response_due"], Value::Null);
    assert_eq!(sla["first_response"]["target_minutes"], 480);
    assert_eq!(
        (sla["paused"].as_bool(), sla["breached"].as_bool()),
        (Some(false), Some(false))
    );
    assert!(sla["first_response_due"].as_str() <= sla["resolution_due"].as_str());
    // A portal request is a written submission: the legal term is on it, ending at midnight Riga time.
    let legal_due = v["legal_due"].as_str().unwrap_or_default();
    assert!(legal_due.contains("T23:59:59+0"), "{v}");
    let legal = &v["legal"];
    assert_eq!(legal["rule_from"], "2026-03-01");
    assert!(legal["due_date"].as_str() > legal["received"].as_str());
    assert!(legal_due.starts_with(legal["due_date"].as_str().unwrap_or("?")));
    assert_eq!(legal["breached"], false);

    // Staff answer and wait for the requester: first response met, resolution paused.
    let (s, v) = app
        .post(
            &t("/messages"),
            me,
            json!({"body": "Lūdzu, norādiet adresi.", "await_requester": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let sla = &v["sla"];
    assert!(riga_instant(&sla["first_response"]["met_at"]), "{sla}");
    assert_eq!(sla["first_response_due"], Value::Null);
    assert_eq!(sla["first_response"]["breached"], false);
    assert_eq!(sla["paused"], true);
    assert_eq!(sla["resolution_due"], Value::Null);
    let left = sla["resolution"]["remaining_minutes"]
        .as_i64()
        .unwrap_or(-1);
    assert!((2390..=2400).contains(&left), "{sla}");

    // The requester answers: the resolution clock runs again, a next response is due.
    let (s, v) = app
        .post(
            &format!("{}?access_token={token}", t("/messages")),
            None,
            json!({"body": "Rīga, Brīvības iela 1"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let sla = &v["sla"];
    assert_eq!(sla["paused"], false, "{sla}");
    assert!(riga_instant(&sla["resolution_due"]), "{sla}");
    assert!(riga_instant(&sla["next_response_due"]), "{sla}");
    assert_eq!(sla["next_response"]["target_minutes"], 480);

    // The term can be extended with a reason, up to what the law allows; the requester is told.
    let latest = legal["extendable_to"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let beyond = jiff::civil::Date::strptime("%Y-%m-%d", &latest)
        .ok()
        .and_then(|d| d.tomorrow().ok())
        .map(|d| d.to_string())
        .unwrap_or_default();
    let (s, v) = app
        .post(
            &t("/legal-term"),
            me,
            json!({"until": beyond, "reason": "Vajag eksperta atzinumu"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app
        .post(
            &t("/legal-term"),
            me,
            json!({"until": latest, "reason": " "}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app
        .post(
            &t("/legal-term"),
            me,
            json!({"until": "28.12.2026", "reason": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app
        .post(
            &t("/legal-term"),
            None,
            json!({"until": latest, "reason": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    let (s, v) = app
        .post(
            &t("/legal-term"),
            me,
            json!({"until": latest, "reason": "Vajag eksperta atzinumu"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["legal"]["due_date"].as_str(), Some(latest.as_str()));
    assert_eq!(v["legal"]["extended"], true);
    assert!(
        v["legal_due"]
            .as_str()
            .is_some_and(|d| d.starts_with(&latest))
    );
    let (_, thread) = app
        .get(&format!("{}?access_token={token}", t("/messages")), None)
        .await;
    let told = thread.as_array().is_some_and(|m| {
        m.iter().any(|m| {
            m["body"]
                .as_str()
                .is_some_and(|b| b.contains("pagarināts") && b.contains("Vajag eksperta atzinumu"))
        })
    });
    assert!(told, "{thread}");
    let (_, events) = app.get(&t("/events"), me).await;
    assert!(
        events
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["kind"] == "legal_term_extended"))
    );

    // Resolving answers the submission and stops every clock.
    let (s, v) = app
        .post(&t("/resolve"), me, json!({"resolution": "Deklarēts."}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(riga_instant(&v["legal"]["answered_at"]), "{v}");
    assert_eq!(v["legal"]["breached"], false);
    for clock in ["first_response_due", "next_response_due", "resolution_due"] {
        assert_eq!(v["sla"][clock], Value::Null, "{clock}");
    }
    assert!(riga_instant(&v["sla"]["resolution"]["met_at"]));
}
on_every_backend!(
    sla_and_legal_clocks_follow_the_ticket,
    clocks_follow_the_ticket
);

async fn urgent_tickets_get_tighter_targets_and_talk_is_no_submission(app: &TestApp) {
    let staff = app.staff().await;
    let mut body = crate::harness::new_ticket("PMLP", "PMLP-003", "Steidzami");
    body["priority"] = json!("urgent");
    body["channel"] = json!("phone");
    body["requester"] = json!({"name": "Jānis Ozols", "phone": "+37120000000"});
    let (s, v) = app
        .post("/api/v1/tickets", Some(staff.pmlp.as_str()), body)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["sla"]["policy"], "urgent", "{v}");
    assert_eq!(v["sla"]["first_response"]["target_minutes"], 60);
    assert_eq!(v["sla"]["resolution"]["target_minutes"], 480);
    assert_eq!(v["legal_due"], Value::Null);
    assert_eq!(v["legal"], Value::Null);
    let id = v["id"].as_i64().unwrap_or_default();
    let (s, v) = app
        .post(
            &format!("/api/v1/tickets/{id}/legal-term"),
            Some(staff.pmlp.as_str()),
            json!({"until": "2026-12-28", "reason": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
}
on_every_backend!(
    urgent_tickets_get_tighter_targets_and_no_legal_term_for_talk,
    urgent_tickets_get_tighter_targets_and_talk_is_no_submission
);

async fn policies_and_rules_scenario(app: &TestApp) {
    let staff = app.staff().await;
    let admin = Some(staff.admin.as_str());
    let (s, v) = app
        .get("/api/v1/sla-policies", Some(staff.pmlp.as_str()))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        v.as_array().is_some_and(|p| p
            .iter()
            .any(|p| p["id"] == "urgent" && p["priority"] == "urgent")),
        "{v}"
    );
    let (s, _) = app.get("/api/v1/sla-policies", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // A service's own targets, set by the system administrator, apply to new tickets.
    let body = json!({"name_lv": "Dzīvesvietas deklarēšana", "service": "PMLP-003", "first_response_minutes": 120, "resolution_minutes": 960});
    let policy = "/api/v1/sla-policies/pmlp-dzv";
    let (s, _) = app
        .put(policy, Some(staff.pmlp.as_str()), body.clone())
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app.put(policy, admin,
        json!({"name_lv": "x", "service": "NAV-001", "warn_percent": 0, "resolution_minutes": -5}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    for f in ["service", "warn_percent", "resolution_minutes"] {
        assert!(fields.contains(&f), "{f} in {v}");
    }
    let (s, v) = app
        .put(
            policy,
            admin,
            json!({"name_lv": "a\u{0}b", "institution": "P\u{0}"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app.put(policy, admin, body).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (id, _) = app
        .citizen_ticket("PMLP-003", "Ar pakalpojuma termiņiem")
        .await;
    let (_, v) = app
        .get(&format!("/api/v1/tickets/{id}"), Some(staff.pmlp.as_str()))
        .await;
    assert_eq!(v["sla"]["policy"], "pmlp-dzv", "{v}");
    assert_eq!(v["sla"]["first_response"]["target_minutes"], 120);
    assert_eq!(v["sla"]["next_response"], Value::Null);

    // The next amendment of the Law on Submissions is a row.
    let (s, v) = app
        .get("/api/v1/legal-rules", Some(staff.pmlp.as_str()))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v.as_array().map(Vec::len), Some(2), "{v}");
    let rule = json!({"effective_from": "2027-07-01", "answer_count": 15, "answer_unit": "working_days",
        "extended_count": 1, "extended_unit": "months", "forward_count": 5, "forward_unit": "working_days",
        "source": "Iesniegumu likuma grozījumi (piemērs)"});
    let (s, _) = app
        .post(
            "/api/v1/legal-rules",
            Some(staff.pmlp.as_str()),
            rule.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut bad = rule.clone();
    bad["answer_unit"] = json!("weeks");
    bad["effective_from"] = json!("1.7.2027");
    let (s, v) = app.post("/api/v1/legal-rules", admin, bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let mut nul = rule.clone();
    nul["source"] = json!("likums\u{0}");
    let (s, v) = app.post("/api/v1/legal-rules", admin, nul).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app.post("/api/v1/legal-rules", admin, rule.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, _) = app.post("/api/v1/legal-rules", admin, rule).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, v) = app.get("/api/v1/legal-rules", admin).await;
    assert_eq!(v[2]["answer_count"], 15, "{v}");
}
on_every_backend!(
    sla_policies_and_legal_rules_are_data,
    policies_and_rules_scenario
);
