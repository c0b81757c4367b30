use crate::harness::TestApp;
use crate::on_every_backend;
use reqwest::StatusCode;

async fn registers_are_public(app: &TestApp) {
    let (s, institutions) = app.get("/api/v1/institutions", None).await;
    assert_eq!(s, StatusCode::OK);
    let vdaa = institutions
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "VDAA")
        .unwrap();
    assert_eq!(vdaa["parent"], "VARAM");
    assert_eq!(vdaa["name_lv"], "Valsts digitālās attīstības aģentūra");

    let (s, services) = app.get("/api/v1/services?institution=PMLP", None).await;
    assert_eq!(s, StatusCode::OK);
    let codes: Vec<&str> = services
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["PMLP-001", "PMLP-003"]);

    let (_, by_ls) = app
        .get("/api/v1/services?life_situation=LS-MOVE", None)
        .await;
    assert_eq!(by_ls.as_array().unwrap().len(), 1);

    let (s, svc) = app.get("/api/v1/services/PMLP-003", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(svc["life_situations"], serde_json::json!(["LS-MOVE"]));
    assert_eq!(svc["resources"], serde_json::json!(["RES-PORTAL"]));
    assert_eq!(svc["deadline_unit"], "working_days");
    let (_, passport) = app.get("/api/v1/services/PMLP-001", None).await;
    assert_eq!(passport["fee_eur"], 30.0);

    let (s, _) = app.get("/api/v1/services/NOPE-1", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get("/api/v1/services?colour=blue", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = app.get("/api/v1/services?institution=P%00", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let (_, ls) = app.get("/api/v1/life-situations", None).await;
    let tax = ls
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "LS-TAX")
        .unwrap();
    assert_eq!(tax["services"], serde_json::json!(["VID-001"]));
    let (_, resources) = app.get("/api/v1/resources", None).await;
    assert_eq!(resources.as_array().unwrap().len(), 2);
    let (_, locations) = app.get("/api/v1/locations", None).await;
    let cesis = &locations[0];
    assert_eq!(
        cesis["opening_hours"]["mon"],
        serde_json::json!(["08:00-17:00"])
    );
    assert_eq!(
        cesis["services"],
        serde_json::json!(["PMLP-003", "VID-001"])
    );
}
on_every_backend!(registers_are_public_and_complete, registers_are_public);

async fn import_is_idempotent_and_all_or_nothing(app: &TestApp) {
    use atbalsts_store::registers::RegisterBatch;
    let before = app.store.services(None, None).await.unwrap();
    // Re-importing the same records updates them in place.
    let mut batch = RegisterBatch::default();
    batch.add_file(
        "services.json",
        r#"[{"code":"PMLP-001","institution":"PMLP","name_lv":"Pases izsniegšana (jauna)","channels":["in_person"],"deadline_days":null,"deadline_unit":null}]"#,
    );
    let report = app.store.import_registers(&batch).await.unwrap();
    assert_eq!(report.updated.get("services"), Some(&1));
    assert!(report.created.is_empty());
    let (_, svc) = app.get("/api/v1/services/PMLP-001", None).await;
    assert_eq!(svc["name_lv"], "Pases izsniegšana (jauna)");

    // One bad record among good ones: nothing is written, the bad one is named.
    let mut batch = RegisterBatch::default();
    batch.add_file(
        "services.json",
        r#"[{"code":"PMLP-009","institution":"PMLP","name_lv":"Jauns","channels":["portal"],"deadline_days":null,"deadline_unit":null},
            {"code":"PMLP-010","institution":"NOWHERE","name_lv":"Slikts","channels":["fax"],"deadline_days":null,"deadline_unit":null}]"#,
    );
    let err = app.store.import_registers(&batch).await.unwrap_err();
    let text = format!("{err:?}");
    assert!(
        text.contains("services.json[1] (PMLP-010).institution"),
        "{text}"
    );
    assert!(
        text.contains("services.json[1] (PMLP-010).channels[0]"),
        "{text}"
    );
    let after = app.store.services(None, None).await.unwrap();
    assert_eq!(after.len(), before.len(), "no half-imported batch");
}
on_every_backend!(
    register_import_is_idempotent_and_atomic,
    import_is_idempotent_and_all_or_nothing
);
