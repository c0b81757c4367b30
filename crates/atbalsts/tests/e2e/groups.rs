//! Support groups as data: the groups list, routing of new tickets, escalation
//! to the service's level-2 group and back, and automatic assignment.

use crate::harness::{TestApp, new_ticket, scope, send};
use crate::on_every_backend;
use atbalsts_domain::routing::{Assignment, GroupKind};
use atbalsts_domain::{Channel, DomainError, Level, Role};
use atbalsts_store::StoreError;
use atbalsts_store::groups::GroupConfig;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn config(code: &str, institution: &str, level: Level) -> GroupConfig {
    GroupConfig::new(code, institution, code, level)
}

/// The fixture's PMLP groups plus residence (PMLP-003) groups at both levels,
/// the central help desk, and a one-stop centre in Cēsis taking PMLP's and
/// VID's services at its counter.
async fn provider_table(app: &TestApp) {
    for g in [
        GroupConfig {
            services: vec!["PMLP-003".into()],
            ..config("PMLP-RES-L1", "PMLP", Level::Specialist)
        },
        GroupConfig {
            services: vec!["PMLP-003".into()],
            ..config("PMLP-RES-L2", "PMLP", Level::Expert)
        },
        GroupConfig {
            kind: GroupKind::CentralHelpDesk,
            name_en: Some("State services portal help desk".into()),
            channels: vec![
                Channel::Portal,
                Channel::Email,
                Channel::Phone,
                Channel::Chat,
            ],
            languages: vec!["lv".into(), "en".into()],
            hours: Some("mon-fri 08:00-18:00; sat 10:00-14:00".into()),
            assignment: Assignment::RoundRobin,
            ..config("VDAA-L1", "VDAA", Level::Specialist)
        },
        GroupConfig {
            kind: GroupKind::Vpvkac,
            services: vec!["PMLP-003".into(), "VID-001".into()],
            channels: vec![Channel::InPerson],
            locations: vec!["LOC-CESIS".into()],
            assignment: Assignment::LeastLoaded,
            ..config("CESIS-VPVKAC", "CESIS", Level::Specialist)
        },
    ] {
        app.store.save_group(&g).await.expect("save group");
    }
}

fn codes(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|g| g["code"].as_str().expect("code"))
        .collect()
}

async fn the_list(app: &TestApp) {
    provider_table(app).await;
    let staff = app.staff().await;

    let (s, p) = app.get("/api/v1/groups", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{p}");
    let (_, token) = app.citizen_ticket("PMLP-001", "Pase").await;
    let (s, _) = send(
        app.req(Method::GET, "/api/v1/groups", None)
            .header("X-Access-Token", token),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "requesters do not see the desk");

    // A PMLP specialist: PMLP's groups and the central help desk, nothing of VID or Cēsis.
    let (s, list) = app.get("/api/v1/groups", Some(&staff.pmlp)).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(
        codes(&list),
        [
            "PMLP-L1",
            "PMLP-L2",
            "PMLP-RES-L1",
            "PMLP-RES-L2",
            "VDAA-L1"
        ]
    );
    let central = &list[4];
    assert_eq!(
        (
            &central["institution"],
            &central["kind"],
            &central["level"],
            &central["channels"],
            &central["languages"],
            &central["assignment"],
            &central["members"],
        ),
        (
            &json!("VDAA"),
            &json!("central_help_desk"),
            &json!(1),
            &json!(["chat", "email", "phone", "portal"]),
            &json!(["lv", "en"]),
            &json!("round_robin"),
            &json!(0),
        )
    );
    assert_eq!(
        central["hours"],
        json!({
            "text": "mon-fri 08:00-18:00; sat 10:00-14:00",
            "days": [
                {"day": "mon", "open": "08:00", "close": "18:00"},
                {"day": "tue", "open": "08:00", "close": "18:00"},
                {"day": "wed", "open": "08:00", "close": "18:00"},
                {"day": "thu", "open": "08:00", "close": "18:00"},
                {"day": "fri", "open": "08:00", "close": "18:00"},
                {"day": "sat", "open": "10:00", "close": "14:00"},
            ],
            "holidays": false,
        })
    );
    let residence = &list[2];
    assert_eq!(
        (
            &residence["services"],
            &residence["channels"],
            &residence["locations"],
            &residence["hours"],
            &residence["assignment"],
            &residence["kind"]
        ),
        (
            &json!(["PMLP-003"]),
            &json!([]),
            &json!([]),
            &Value::Null,
            &json!("manual"),
            &json!("help_desk")
        )
    );

    // VID's specialist sees VID's groups and the central one.
    let (_, list) = app.get("/api/v1/groups", Some(&staff.vid)).await;
    assert_eq!(codes(&list), ["VDAA-L1", "VID-L1"]);

    // A system administrator sees everything, and can narrow by institution.
    let (_, list) = app.get("/api/v1/groups", Some(&staff.admin)).await;
    assert_eq!(list.as_array().map(Vec::len), Some(7));
    let (_, list) = app
        .get("/api/v1/groups?institution=CESIS", Some(&staff.admin))
        .await;
    assert_eq!(codes(&list), ["CESIS-VPVKAC"]);
    assert_eq!(
        (
            &list[0]["kind"],
            &list[0]["locations"],
            &list[0]["services"]
        ),
        (
            &json!("vpvkac"),
            &json!(["LOC-CESIS"]),
            &json!(["PMLP-003", "VID-001"])
        )
    );
    // The filter never widens the caller's sight.
    let (_, list) = app
        .get("/api/v1/groups?institution=VID", Some(&staff.pmlp))
        .await;
    assert_eq!(codes(&list), Vec::<&str>::new());

    for bad in [
        "/api/v1/groups?institution=no%20such!",
        "/api/v1/groups?institution=",
        "/api/v1/groups?colour=blue",
    ] {
        let (s, p) = app.get(bad, Some(&staff.admin)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {p}");
    }
}
on_every_backend!(
    groups_list_shows_what_each_group_takes_within_scope,
    the_list
);

async fn saving_checks_every_reference(app: &TestApp) {
    let bad = GroupConfig {
        services: vec!["PMLP-999".into(), "VID-001".into()],
        locations: vec!["LOC-CESIS".into()],
        hours: Some("mon-fri 17:00-08:00".into()),
        languages: vec!["latviešu".into()],
        members: vec![999_999],
        ..config("PMLP-X", "PMLP", Level::Specialist)
    };
    let err = app.store.save_group(&bad).await.expect_err("refused");
    let StoreError::Domain(DomainError::Invalid(errors)) = err else {
        panic!("field errors expected: {err:?}");
    };
    let mut fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["hours", "languages", "locations", "members", "services"],
        "{errors:?}"
    );
    // A remote group may not take another institution's services.
    let foreign = GroupConfig {
        services: vec!["VID-001".into()],
        ..config("PMLP-X", "PMLP", Level::Specialist)
    };
    assert!(app.store.save_group(&foreign).await.is_err());
    // Nothing of a refused group was written.
    let all = app.store.groups_with_details(Some("PMLP")).await.unwrap();
    assert!(all.iter().all(|g| g.code != "PMLP-X"));
    // Level 0 is self-service: no group works it.
    let zero = config("PMLP-L0", "PMLP", Level::SelfService);
    assert!(app.store.save_group(&zero).await.is_err());
    // Saving again replaces what the group takes.
    let mut g = GroupConfig {
        services: vec!["PMLP-001".into(), "PMLP-003".into()],
        ..config("PMLP-Y", "PMLP", Level::Specialist)
    };
    app.store.save_group(&g).await.unwrap();
    g.services = vec!["PMLP-003".into()];
    app.store.save_group(&g).await.unwrap();
    let saved = app.store.groups_with_details(Some("PMLP")).await.unwrap();
    let y = saved.iter().find(|x| x.code == "PMLP-Y").unwrap();
    assert_eq!(y.services, ["PMLP-003"]);
}
on_every_backend!(
    saving_a_group_checks_every_reference,
    saving_checks_every_reference
);

async fn create(app: &TestApp, token: Option<&str>, body: Value) -> Value {
    let (s, v) = app.post("/api/v1/tickets", token, body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

async fn routing(app: &TestApp) {
    provider_table(app).await;
    let staff = app.staff().await;
    let group_of = |v: &Value| v["group"].as_str().map(str::to_string);

    // A portal request for the residence service: that service's level-1 group.
    let residence = create(
        app,
        Some(&staff.pmlp),
        new_ticket("PMLP", "PMLP-003", "Deklarēšana"),
    )
    .await;
    assert_eq!(group_of(&residence).as_deref(), Some("PMLP-RES-L1"));
    // Another service: the institution's general group.
    let passport = create(
        app,
        Some(&staff.pmlp),
        json!({
            "institution": "PMLP", "service": "PMLP-001", "channel": "phone", "kind": "information",
            "subject": "Pase", "description": "Kad būs gatava?", "requester": {"name": "Jānis", "phone": "+37120000000"}
        }),
    )
    .await;
    assert_eq!(group_of(&passport).as_deref(), Some("PMLP-L1"));
    // The created event names the group.
    let id = residence["id"].as_i64().unwrap();
    let (_, events) = app
        .get(&format!("/api/v1/tickets/{id}/events"), Some(&staff.pmlp))
        .await;
    assert_eq!(events[0]["kind"], "created");
    assert_eq!(events[0]["data"]["group"], "PMLP-RES-L1");

    // In person at the Cēsis one-stop centre: the centre's group, though it is Cēsis's.
    let visit = create(
        app,
        Some(&staff.pmlp),
        json!({
            "institution": "PMLP", "service": "PMLP-003", "channel": "in_person", "location": "LOC-CESIS",
            "kind": "consultation", "subject": "Deklarēšana klātienē", "description": "Apmeklējums VPVKAC.",
            "requester": {"name": "Ilga", "phone": "+37120000001"}
        }),
    )
    .await;
    assert_eq!(group_of(&visit).as_deref(), Some("CESIS-VPVKAC"));
    assert_eq!(visit["institution"], "PMLP", "the ticket stays PMLP's");
    // Nobody at the centre covers the ticket yet: it waits in the centre's queue.
    assert_eq!(
        (&visit["status"], &visit["assignee"]),
        (&json!("new"), &Value::Null)
    );
    // A service the centre does not take goes to the institution.
    let other = create(
        app,
        Some(&staff.pmlp),
        json!({
            "institution": "PMLP", "service": "PMLP-001", "channel": "in_person", "location": "LOC-CESIS",
            "kind": "consultation", "subject": "Pase klātienē", "description": "Apmeklējums VPVKAC.",
            "requester": {"name": "Ilga", "phone": "+37120000001"}
        }),
    )
    .await;
    assert_eq!(group_of(&other).as_deref(), Some("PMLP-L1"));

    // Manual assignment leaves a requester's ticket unassigned and new.
    let manual = create(app, None, new_ticket("PMLP", "PMLP-001", "Pase")).await;
    let id = manual["id"].as_i64().unwrap();
    let (_, t) = app
        .get(&format!("/api/v1/tickets/{id}"), Some(&staff.pmlp))
        .await;
    assert_eq!(
        (&t["group"], &t["status"], &t["assignee"]),
        (&json!("PMLP-L1"), &json!("new"), &Value::Null)
    );
    // The requester does not see the desk's routing.
    assert_eq!(manual["group"], Value::Null);

    // VID has no level-2 group and no group for a service-less ticket of Cēsis:
    // a ticket no group takes has none.
    let cesis = create(
        app,
        Some(&staff.admin),
        json!({
            "institution": "CESIS", "channel": "email", "kind": "information",
            "subject": "Jautājums", "description": "Par pašvaldību.", "requester": {"name": "Ints", "email": "ints@example.lv"}
        }),
    )
    .await;
    assert_eq!(cesis["group"], Value::Null);
}
on_every_backend!(new_tickets_land_in_the_right_group, routing);

async fn escalation(app: &TestApp) {
    provider_table(app).await;
    let staff = app.staff().await;
    let move_to = |id: i64, token: String, level: u8| async move {
        let (s, v) = app
            .post(
                &format!("/api/v1/tickets/{id}/escalate"),
                Some(&token),
                json!({"level": level, "reason": "Pārbaude"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        (v["level"].as_i64(), v["group"].as_str().map(str::to_string))
    };

    let residence = create(
        app,
        Some(&staff.pmlp),
        new_ticket("PMLP", "PMLP-003", "Deklarēšana"),
    )
    .await;
    let id = residence["id"].as_i64().unwrap();
    assert_eq!(
        move_to(id, staff.pmlp.clone(), 2).await,
        (Some(2), Some("PMLP-RES-L2".into())),
        "the service's level-2 group"
    );
    assert_eq!(
        move_to(id, staff.pmlp_expert.clone(), 1).await,
        (Some(1), Some("PMLP-RES-L1".into())),
        "back to the service's level-1 group"
    );
    let (_, events) = app
        .get(&format!("/api/v1/tickets/{id}/events"), Some(&staff.pmlp))
        .await;
    let moves: Vec<(Value, Value)> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] != "created")
        .map(|e| (e["kind"].clone(), e["data"]["group"].clone()))
        .collect();
    assert_eq!(
        moves,
        [
            (json!("escalated"), json!("PMLP-RES-L2")),
            (json!("de_escalated"), json!("PMLP-RES-L1"))
        ]
    );

    // Without a service-specific expert group: the institution's all-services one.
    let (passport, _) = app.citizen_ticket("PMLP-001", "Pase").await;
    assert_eq!(
        move_to(passport, staff.pmlp.clone(), 2).await,
        (Some(2), Some("PMLP-L2".into()))
    );
    // A group named in the request still wins.
    let (named, _) = app.citizen_ticket("PMLP-003", "Deklarēšana").await;
    let (s, v) = app
        .post(
            &format!("/api/v1/tickets/{named}/escalate"),
            Some(&staff.pmlp),
            json!({"level": 2, "reason": "Vispārīgi", "group": "PMLP-L2"}),
        )
        .await;
    assert_eq!((s, v["group"].as_str()), (StatusCode::OK, Some("PMLP-L2")));
    // No level-2 group at VID: the ticket moves up without a group.
    let (vid, _) = app.citizen_ticket("VID-001", "Deklarācija").await;
    assert_eq!(move_to(vid, staff.vid.clone(), 2).await, (Some(2), None));
}
on_every_backend!(escalation_reaches_the_level_2_group_and_returns, escalation);

/// Two VID specialists in VID-L1 with `rule`; returns their ids, lowest first.
async fn vid_desk(app: &TestApp, rule: Assignment) -> (i64, String, i64, String) {
    let (a, a_token) = app
        .user("a@vid.lv", Role::Specialist, vec![scope("VID", None)])
        .await;
    let (b, b_token) = app
        .user("b@vid.lv", Role::Specialist, vec![scope("VID", None)])
        .await;
    app.store
        .save_group(&GroupConfig {
            assignment: rule,
            members: vec![a, b],
            ..config("VID-L1", "VID", Level::Specialist)
        })
        .await
        .unwrap();
    (a, a_token, b, b_token)
}

fn assignee(v: &Value) -> Option<i64> {
    v["assignee"]["id"].as_i64()
}

async fn round_robin(app: &TestApp) {
    let (a, a_token, b, _) = vid_desk(app, Assignment::RoundRobin).await;
    let mut turns = Vec::new();
    let mut ids = Vec::new();
    for n in 0..4 {
        let v = create(
            app,
            Some(&a_token),
            new_ticket("VID", "VID-001", &format!("Deklarācija {n}")),
        )
        .await;
        assert_eq!(v["status"], "open", "an assigned ticket is open: {v}");
        turns.push(assignee(&v));
        ids.push(v["id"].as_i64().unwrap());
    }
    assert_eq!(turns, [Some(a), Some(b), Some(a), Some(b)]);
    // What was returned is what was stored, with the system's event.
    let (_, t) = app
        .get(&format!("/api/v1/tickets/{}", ids[1]), Some(&a_token))
        .await;
    assert_eq!((assignee(&t), &t["status"]), (Some(b), &json!("open")));
    let (_, events) = app
        .get(
            &format!("/api/v1/tickets/{}/events", ids[1]),
            Some(&a_token),
        )
        .await;
    let assigned = &events[1];
    assert_eq!(
        (
            &assigned["kind"],
            &assigned["actor_kind"],
            &assigned["actor_name"],
            &assigned["data"]["assignee"]["id"],
            &assigned["data"]["group"],
            &assigned["data"]["rule"],
            &assigned["data"]["status"],
        ),
        (
            &json!("assigned"),
            &json!("system"),
            &json!("Atbalsts"),
            &json!(b),
            &json!("VID-L1"),
            &json!("round_robin"),
            &json!({"from": "new", "to": "open"}),
        )
    );
    // An away member is skipped.
    app.store
        .set_member_available("VID-L1", a, false)
        .await
        .unwrap();
    let v = create(app, None, new_ticket("VID", "VID-001", "Vēl viena")).await;
    let id = v["id"].as_i64().unwrap();
    let (_, t) = app
        .get(&format!("/api/v1/tickets/{id}"), Some(&a_token))
        .await;
    assert_eq!(assignee(&t), Some(b));
    // The requester sees the ticket being worked, not by whom.
    assert_eq!(
        (&v["status"], &v["assignee"]),
        (&json!("open"), &Value::Null)
    );
}
on_every_backend!(round_robin_spreads_tickets_in_turn, round_robin);

async fn least_loaded(app: &TestApp) {
    let (a, a_token, b, _) = vid_desk(app, Assignment::Manual).await;
    // a already works two tickets, b one.
    for (who, n) in [(a, 2), (b, 1)] {
        for i in 0..n {
            let v = create(
                app,
                Some(&a_token),
                new_ticket("VID", "VID-001", &format!("Agrāk {who} {i}")),
            )
            .await;
            assert_eq!(assignee(&v), None, "manual: nobody yet");
            let id = v["id"].as_i64().unwrap();
            let (s, v) = app
                .post(
                    &format!("/api/v1/tickets/{id}/assign"),
                    Some(&a_token),
                    json!({"assignee": who, "group": "VID-L1"}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
    }
    vid_desk_rule(app, Assignment::LeastLoaded).await;
    let v = create(app, Some(&a_token), new_ticket("VID", "VID-001", "Jauna")).await;
    assert_eq!(assignee(&v), Some(b), "b has fewer open tickets");
    // Now both have two: the lower id.
    let v = create(app, Some(&a_token), new_ticket("VID", "VID-001", "Vēl")).await;
    assert_eq!(assignee(&v), Some(a));
    // A resolved ticket no longer counts as load.
    let id = v["id"].as_i64().unwrap();
    let (s, _) = app
        .post(
            &format!("/api/v1/tickets/{id}/resolve"),
            Some(&a_token),
            json!({"resolution": "Atbildēts"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let v = create(app, Some(&a_token), new_ticket("VID", "VID-001", "Trešā")).await;
    assert_eq!(
        assignee(&v),
        Some(a),
        "a: 2 open, b: 2 open, a has the lower id"
    );
}
on_every_backend!(
    least_loaded_picks_the_member_with_fewest_open_tickets,
    least_loaded
);

async fn vid_desk_rule(app: &TestApp, rule: Assignment) {
    app.store
        .save_group(&GroupConfig {
            assignment: rule,
            ..config("VID-L1", "VID", Level::Specialist)
        })
        .await
        .unwrap();
}

async fn saved_over_the_api(app: &TestApp) {
    let staff = app.staff().await;
    let (_, pmlp_admin) = app
        .user(
            "admin@pmlp.lv",
            Role::Administrator,
            vec![scope("PMLP", None)],
        )
        .await;
    let evening = "/api/v1/groups/PMLP-VAKARS";
    let body = json!({"institution": "PMLP", "name_lv": "PMLP vakara dienests", "level": 1,
        "channels": ["phone", "chat"], "languages": ["lv", "ru"], "hours": "mon-fri 17:00-20:00",
        "assignment": "round_robin"});
    let (s, _) = app.put(evening, None, body.clone()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app.put(evening, Some(&staff.pmlp), body.clone()).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a specialist does not configure groups"
    );
    let mut bad = body.clone();
    bad["hours"] = json!("pirmdien 9-17");
    let (s, v) = app.put(evening, Some(&pmlp_admin), bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // Malformed codes (here a NUL byte, which PostgreSQL refuses) are a 422, never a 500.
    let mut nul = body.clone();
    nul["locations"] = json!(["LOC\u{0}X"]);
    nul["services"] = json!(["", "PMLP-003"]);
    let (s, v) = app.put(evening, Some(&pmlp_admin), nul).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app.put(evening, Some(&pmlp_admin), body.clone()).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (_, list) = app
        .get("/api/v1/groups?institution=PMLP", Some(staff.pmlp.as_str()))
        .await;
    let g = list
        .as_array()
        .and_then(|l| l.iter().find(|g| g["code"] == "PMLP-VAKARS"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(g["hours"]["text"], "mon-fri 17:00-20:00", "{list}");
    assert_eq!(g["assignment"], "round_robin");
    let channels: Vec<&str> = g["channels"]
        .as_array()
        .map(|c| c.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert!(
        channels.contains(&"phone") && channels.contains(&"chat"),
        "{g}"
    );
    // PMLP's administrator cannot take VID's group over, nor make one for VID.
    let mut vid = body.clone();
    vid["institution"] = json!("VID");
    let (s, _) = app.put(evening, Some(&pmlp_admin), vid).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .put("/api/v1/groups/VID-L1", Some(&pmlp_admin), body)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
on_every_backend!(
    groups_are_configured_by_their_administrators,
    saved_over_the_api
);

async fn routed_by_the_requesters_language(app: &TestApp) {
    provider_table(app).await;
    let staff = app.staff().await;
    let body = json!({"institution": "PMLP", "name_lv": "PMLP angļu valodā", "level": 1,
        "services": ["PMLP-003"], "languages": ["en"], "assignment": "manual"});
    let (s, v) = app
        .put("/api/v1/groups/PMLP-EN", Some(&staff.admin), body)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let mut english = new_ticket("PMLP", "PMLP-003", "Residence");
    english["language"] = json!("en");
    // As staff: a requester does not see the desk's routing.
    let (s, t) = app
        .post("/api/v1/tickets", Some(&staff.pmlp), english)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    assert_eq!(t["group"], "PMLP-EN", "the group that speaks English: {t}");
    let (s, t) = app
        .post(
            "/api/v1/tickets",
            Some(&staff.pmlp),
            new_ticket("PMLP", "PMLP-003", "Dzīvesvieta"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    assert_eq!(t["group"], "PMLP-RES-L1", "Latvian goes elsewhere: {t}");
}
on_every_backend!(
    a_request_goes_to_a_group_that_speaks_its_language,
    routed_by_the_requesters_language
);
