use crate::harness::TestApp;
use crate::on_every_backend;
use atbalsts_domain::{Role, Scope};
use reqwest::StatusCode;
use serde_json::json;

async fn escalation(app: &TestApp) {
    let staff = app.staff().await;
    let (id, _) = app.citizen_ticket("PMLP-001", "Pase nav gatava").await;
    let t = |p: &str| format!("/api/v1/tickets/{id}{p}");

    let (s, p) = app
        .post(&t("/escalate"), Some(&staff.pmlp), json!({"level": 2}))
        .await;
    assert_eq!(
        (s, p["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")),
        "a reason is required: {p}"
    );
    let (s, p) = app
        .post(
            &t("/escalate"),
            Some(&staff.pmlp),
            json!({"level": 2, "reason": " "}),
        )
        .await;
    assert_eq!(
        (s, p["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
    );
    let (s, _) = app
        .post(
            &t("/escalate"),
            Some(&staff.pmlp),
            json!({"level": 3, "reason": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .post(
            &t("/escalate"),
            Some(&staff.pmlp),
            json!({"level": 2, "reason": "x", "group": "VID-L1"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a group of another institution");

    let (s, v) = app
        .post(
            &t("/escalate"),
            Some(&staff.pmlp),
            json!({"level": 2, "reason": "Vajag eksperta pārbaudi", "group": "PMLP-L2"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["level"].as_i64(), v["group"].as_str()),
        (Some(2), Some("PMLP-L2"))
    );
    let (s, _) = app
        .post(
            &t("/escalate"),
            Some(&staff.pmlp),
            json!({"level": 2, "reason": "atkal"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "already at level 2");

    // Specialists do not push work down; experts do.
    let (s, _) = app
        .post(
            &t("/escalate"),
            Some(&staff.pmlp),
            json!({"level": 1, "reason": "atpakaļ"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .post(
            &t("/escalate"),
            Some(&staff.pmlp_expert),
            json!({"level": 0, "reason": "pašapkalpošanās"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, v) = app
        .post(
            &t("/escalate"),
            Some(&staff.pmlp_expert),
            json!({"level": 1, "reason": "Atbilde sagatavota, nododu atpakaļ"}),
        )
        .await;
    assert_eq!((s, v["level"].as_i64()), (StatusCode::OK, Some(1)));

    let (_, events) = app.get(&t("/events"), Some(&staff.pmlp)).await;
    let moves: Vec<_> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] != "created")
        .map(|e| {
            (
                e["kind"].clone(),
                e["data"]["to"].clone(),
                e["data"]["reason"].clone(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        [
            (
                json!("escalated"),
                json!(2),
                json!("Vajag eksperta pārbaudi")
            ),
            (
                json!("de_escalated"),
                json!(1),
                json!("Atbilde sagatavota, nododu atpakaļ")
            ),
        ]
    );
}
on_every_backend!(escalation_and_de_escalation_between_levels, escalation);

async fn transfer(app: &TestApp) {
    let staff = app.staff().await;
    let (id, token) = app
        .citizen_ticket("PMLP-003", "Jautājums par nodokli")
        .await;
    let t = |p: &str| format!("/api/v1/tickets/{id}{p}");
    let (_, before) = app.get(&t(""), Some(&staff.pmlp)).await;

    let (s, _) = app
        .post(
            &t("/transfer"),
            Some(&staff.pmlp),
            json!({"institution": "NOPE", "reason": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .post(
            &t("/transfer"),
            Some(&staff.pmlp),
            json!({"institution": "PMLP", "reason": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = app
        .post(
            &t("/transfer"),
            Some(&staff.vid),
            json!({"institution": "VID", "reason": "paņemu"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "VID cannot reach PMLP's ticket");

    let (s, v) = app
        .post(
            &t("/transfer"),
            Some(&staff.pmlp),
            json!({"institution": "VID", "reason": "Nodokļu jautājums ir VID kompetencē"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["institution"].as_str(), v["origin_institution"].as_str()),
        (Some("VID"), Some("PMLP"))
    );
    assert_eq!(v["number"], before["number"], "the case keeps its number");

    // Now VID sees it, PMLP no longer does; the requester still follows it.
    let (s, _) = app.get(&t(""), Some(&staff.pmlp)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = app.get(&t(""), Some(&staff.vid)).await;
    assert_eq!(
        (s, v["institution"].as_str()),
        (StatusCode::OK, Some("VID"))
    );
    let (s, _) = app
        .get(&format!("{}?access_token={token}", t("")), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, events) = app.get(&t("/events"), Some(&staff.vid)).await;
    let last = events.as_array().unwrap().last().unwrap();
    assert_eq!(last["kind"], "transferred");
    assert_eq!(
        last["data"],
        json!({"from": "PMLP", "to": "VID", "reason": "Nodokļu jautājums ir VID kompetencē", "group": "VID-L1"})
    );
    // It lands in the group routing picks at VID, waiting to be accepted.
    assert_eq!(v["group"], "VID-L1");
    assert_eq!(v["transfer_pending_from"], "PMLP");
}
on_every_backend!(transfer_between_institutions_keeps_the_case, transfer);

async fn assignment(app: &TestApp) {
    let staff = app.staff().await;
    let (id, _) = app.citizen_ticket("PMLP-003", "Piešķirt man").await;
    let t = |p: &str| format!("/api/v1/tickets/{id}{p}");
    let me = Some(staff.pmlp.as_str());

    let (s, _) = app
        .post(&t("/assign"), me, json!({"assignee": staff.vid_id}))
        .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "a VID specialist cannot work a PMLP ticket"
    );
    let (s, p) = app
        .post(&t("/assign"), me, json!({"assignee": 999_999}))
        .await;
    assert_eq!(
        (s, p["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("assignee"))
    );
    let (s, _) = app
        .post(&t("/assign"), me, json!({"group": "NO-SUCH"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, events) = app.get(&t("/events"), me).await;
    assert_eq!(
        events.as_array().unwrap().len(),
        1,
        "refused changes leave no trace"
    );

    let (s, v) = app
        .post(
            &t("/assign"),
            me,
            json!({"assignee": staff.pmlp_expert_id, "group": "PMLP-L1"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["assignee"]["id"], staff.pmlp_expert_id);
    assert_eq!(
        (v["group"].as_str(), v["status"].as_str()),
        (Some("PMLP-L1"), Some("open"))
    );

    let (_, mine) = app
        .get("/api/v1/tickets?assignee=me", Some(&staff.pmlp_expert))
        .await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let (_, unassigned) = app
        .get("/api/v1/tickets?assignee=none", Some(&staff.pmlp_expert))
        .await;
    assert!(unassigned["items"].as_array().unwrap().is_empty());

    let (s, v) = app
        .post(&t("/assign"), me, json!({"assignee": null, "group": null}))
        .await;
    assert_eq!((s, v["assignee"].is_null()), (StatusCode::OK, true));
}
on_every_backend!(assignment_to_people_and_groups, assignment);

async fn partners_and_service_managers(app: &TestApp) {
    let staff = app.staff().await;
    let (passport, _) = app.citizen_ticket("PMLP-001", "Pase").await;
    let (residence, _) = app.citizen_ticket("PMLP-003", "Deklarēšana").await;

    // A service manager sees only their service.
    let (s, _) = app
        .get(
            &format!("/api/v1/tickets/{residence}"),
            Some(&staff.residence_manager),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .get(
            &format!("/api/v1/tickets/{passport}"),
            Some(&staff.residence_manager),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, page) = app
        .get("/api/v1/tickets", Some(&staff.residence_manager))
        .await;
    let ids: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [residence]);

    // A partner may talk to the requester but not decide.
    let p = format!("/api/v1/tickets/{passport}");
    let (s, _) = app
        .post(
            &format!("{p}/messages"),
            Some(&staff.partner),
            json!({"body": "Palīdzēšu ar pieteikumu."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    for (path, body) in [
        ("/resolve", json!({"resolution": "x"})),
        ("/assign", json!({"assignee": null})),
        ("/transfer", json!({"institution": "VID", "reason": "x"})),
        ("/escalate", json!({"level": 2, "reason": "x"})),
    ] {
        let (s, _) = app
            .post(&format!("{p}{path}"), Some(&staff.partner), body)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "partner {path}");
    }

    // An administrator limited to one institution is not a global one.
    let (_, vid_admin) = app
        .user(
            "admin@vid.lv",
            Role::Administrator,
            vec![Scope {
                institution: "VID".into(),
                service: None,
            }],
        )
        .await;
    let (s, _) = app.get(&p, Some(&vid_admin)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get(&p, Some(&staff.admin)).await;
    assert_eq!(s, StatusCode::OK);
}
on_every_backend!(
    service_scopes_and_partner_limits,
    partners_and_service_managers
);
