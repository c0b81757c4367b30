//! Administration pages: accounts, groups and the register import, each
//! limited to what the signed-in administrator administers.

use crate::browser::{Browser, hidden, sign_in};
use crate::harness::{TestApp, scope};
use crate::on_every_backend;
use atbalsts_domain::Role;
use reqwest::{Method, StatusCode};

const PASSWORD: &str = "administratora parole";

async fn admin_scenario(app: &TestApp) {
    let staff = app.staff().await;
    app.user(
        "dace@pmlp.lv",
        Role::Administrator,
        vec![scope("PMLP", None)],
    )
    .await;
    for email in ["admin@atbalsts.lv", "dace@pmlp.lv", "ilze@pmlp.lv"] {
        app.store.set_password(email, PASSWORD).await.unwrap();
    }

    // A specialist is not let in.
    let mut specialist = Browser::new();
    assert_eq!(
        sign_in(app, &mut specialist, "ilze@pmlp.lv", PASSWORD, "/staff")
            .await
            .0,
        StatusCode::SEE_OTHER
    );
    let (s, _, html) = specialist.get(app, "/staff/admin").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(html.contains("tikai administratoriem"), "{html}");
    // Nor can they post an administration form with their own valid token.
    let (_, _, html) = specialist.get(app, "/staff").await;
    let their_token = hidden(&html, "csrf");
    let (s, _, _) = specialist
        .post(
            app,
            "/staff/admin/users/new",
            &[
                ("csrf", their_token.as_str()),
                ("email", "x@pmlp.lv"),
                ("name", "X"),
                ("role", "administrator"),
                ("institution", "PMLP"),
                ("password", "garš garš garš garš"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        app.store
            .user_id_by_email("x@pmlp.lv")
            .await
            .unwrap()
            .is_none()
    );

    // PMLP's administrator sees PMLP's people and groups only.
    let mut dace = Browser::new();
    sign_in(app, &mut dace, "dace@pmlp.lv", PASSWORD, "/staff").await;
    let (s, _, html) = dace.get(app, "/staff/admin").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("ilze@pmlp.lv") && !html.contains("anna@vid.lv"),
        "{html}"
    );
    assert!(
        !html.contains("/staff/admin/import"),
        "no register import: {html}"
    );
    let csrf = hidden(&html, "csrf");

    // Adding a colleague: checks, then the account can sign in.
    let (_, _, html) = dace.get(app, "/staff/admin/users/new").await;
    assert!(
        html.contains("<option value=\"PMLP\"") && !html.contains("<option value=\"VID\""),
        "{html}"
    );
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("email", "maris@pmlp.lv"),
        ("name", "Māris Liepa"),
        ("role", "expert"),
        ("institution", "VID"),
        ("services", ""),
        ("password", "short"),
        ("active", "yes"),
    ];
    let (s, _, html) = dace.post(app, "/staff/admin/users/new", &form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("id=\"password-error\"") && html.contains("id=\"role-error\""),
        "{html}"
    );
    form[4] = ("institution", "PMLP");
    form[6] = ("password", "jauna droša parole");
    let (s, location, _) = dace.post(app, "/staff/admin/users/new", &form).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/staff/admin?done=user-created"));
    let (s, _, html) = dace.post(app, "/staff/admin/users/new", &form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "the e-mail is taken");
    assert!(html.contains("id=\"email-error\""), "{html}");
    let mut maris = Browser::new();
    assert_eq!(
        sign_in(
            app,
            &mut maris,
            "maris@pmlp.lv",
            "jauna droša parole",
            "/staff"
        )
        .await
        .0,
        StatusCode::SEE_OTHER
    );
    let maris_id = app
        .store
        .user_id_by_email("maris@pmlp.lv")
        .await
        .unwrap()
        .unwrap();
    let actor = app
        .store
        .staff_by_email("maris@pmlp.lv")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(actor.role, Role::Expert);

    // Narrowing to a service and blocking: the blocked account's session ends at once.
    let path = format!("/staff/admin/users/{maris_id}");
    let (s, _, _) = dace.get(app, &path).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, html) = dace
        .post(
            app,
            &path,
            &[
                ("csrf", &csrf),
                ("role", "service_manager"),
                ("institution", "PMLP"),
                ("services", "VID-001"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"services-error\""), "{html}");
    let (s, _, _) = dace
        .post(
            app,
            &path,
            &[
                ("csrf", &csrf),
                ("role", "service_manager"),
                ("institution", "PMLP"),
                ("services", "PMLP-003"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let actor = app.store.staff_by_email("maris@pmlp.lv").await.unwrap();
    assert!(actor.is_none(), "not active any more (no 'active' box)");
    assert_eq!(
        maris.get(app, "/staff").await.0,
        StatusCode::SEE_OTHER,
        "signed out"
    );
    // Someone else's account is not found, and a forged form changes nothing.
    let vid_path = format!("/staff/admin/users/{}", staff.vid_id);
    assert_eq!(dace.get(app, &vid_path).await.0, StatusCode::NOT_FOUND);
    let (s, _, _) = dace
        .post(
            app,
            &path,
            &[
                ("csrf", "forged"),
                ("role", "administrator"),
                ("institution", "PMLP"),
                ("active", "yes"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Group members: set, and only people of the group's institution.
    app.store
        .upsert_group("PMLP-L1", "PMLP", "PMLP palīdzības dienests", None, 1, &[])
        .await
        .unwrap();
    let (s, _, html) = dace.get(app, "/staff/admin/groups/PMLP-L1").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains(&format!("value=\"{}\"", staff.pmlp_id)),
        "{html}"
    );
    let ilze = staff.pmlp_id.to_string();
    let anna = staff.vid_id.to_string();
    let (s, _, _) = dace
        .post(
            app,
            "/staff/admin/groups/PMLP-L1",
            &[("csrf", &csrf), ("member", &ilze), ("member", &anna)],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let accounts = app.store.accounts().await.unwrap();
    let groups_of = |id: i64| accounts.iter().find(|a| a.id == id).unwrap().groups.clone();
    assert_eq!(groups_of(staff.pmlp_id), vec!["PMLP-L1".to_string()]);
    assert!(
        groups_of(staff.vid_id).is_empty(),
        "VID's person was not added"
    );

    // A new group: only in an institution this administrator administers; a taken code is refused.
    let group = |code: &'static str, institution: &'static str| {
        [
            ("csrf", csrf.as_str()),
            ("code", code),
            ("institution", institution),
            ("name_lv", "PMLP pasu eksperti"),
            ("name_en", ""),
            ("level", "2"),
        ]
    };
    let new_group = "/staff/admin/groups/new";
    let (s, _, html) = dace.post(app, new_group, &group("VID-PASES", "VID")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"institution-error\""), "{html}");
    let (s, _, html) = dace.post(app, new_group, &group("PMLP-L1", "PMLP")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"code-error\""), "{html}");
    let (s, _, _) = dace
        .post(app, new_group, &group("pmlp-pases", "PMLP"))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let groups = app.store.groups(Some("PMLP")).await.unwrap();
    let made = groups
        .iter()
        .find(|g| g.code == "PMLP-PASES")
        .expect("the new group");
    assert_eq!(
        (made.level, made.name_lv.as_str()),
        (2, "PMLP pasu eksperti")
    );

    // The register import: the institution's administrator may not, the system administrator may.
    assert_eq!(
        dace.get(app, "/staff/admin/import").await.0,
        StatusCode::FORBIDDEN
    );
    let mut root = Browser::new();
    sign_in(app, &mut root, "admin@atbalsts.lv", PASSWORD, "/staff").await;
    let (s, _, html) = root.get(app, "/staff/admin/import").await;
    assert_eq!(s, StatusCode::OK);
    let root_csrf = hidden(&html, "csrf");
    // Takes the browser instead of capturing it, which would keep `root` borrowed while it sends.
    let upload = |b: &Browser, csrf: &str, name: &'static str, body: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.to_string())
            .part(
                "files",
                reqwest::multipart::Part::text(body).file_name(name),
            );
        b.request(Method::POST, &app.url("/staff/admin/import"))
            .multipart(form)
    };
    let bad = r#"[{"code": "KM", "name_lv": "Kultūras ministrija", "kind": "ministry"}]"#;
    let (s, _, html) = root
        .send(upload(&root, &root_csrf, "institutions.json", bad))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Nekas netika importēts") && html.contains("institutions.json"),
        "{html}"
    );
    let good = r#"[{"code": "KM", "name_lv": "Kultūras ministrija", "kind": "state"}]"#;
    let (s, _, html) = root
        .send(upload(&root, "forged", "institutions.json", good))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{html}");
    let (s, _, html) = root
        .send(upload(&root, &root_csrf, "notes.txt", good))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("nezināma datne"), "{html}");
    let (s, _, html) = root
        .send(upload(&root, &root_csrf, "institutions.json", good))
        .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("Imports pabeigts"), "{html}");
    let institutions = app.store.institutions().await.unwrap();
    assert!(institutions.iter().any(|i| i.code == "KM"));
}
on_every_backend!(
    administration_of_accounts_groups_and_registers,
    admin_scenario
);
