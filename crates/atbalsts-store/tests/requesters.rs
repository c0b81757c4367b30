//! Requesters as records: recognition across channels (never by name),
//! concurrent first contacts, merge and split, scope, and the rows from
//! before records had addresses of their own. Both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use atbalsts_domain::refusal::Code;
use atbalsts_domain::{Actor, Channel, Role, Scope, StaffActor};
use atbalsts_store::registers::RegisterBatch;
use atbalsts_store::tickets::NewTicket;
use atbalsts_store::{Store, StoreError};
use common::{Db, agent, backends, seed, ticket};

fn from(channel: Channel, name: &str, email: Option<&str>, phone: Option<&str>) -> NewTicket {
    let mut t = ticket("Jautājums");
    t.channel = channel;
    t.requester.name = name.into();
    t.requester.email = email.map(str::to_string);
    t.requester.phone = phone.map(str::to_string);
    t
}

async fn requester_of(store: &Store, t: NewTicket) -> i64 {
    store
        .create_ticket(&Actor::Anonymous, t, None)
        .await
        .unwrap()
        .ticket
        .requester_id
}

fn code(e: StoreError) -> Option<Code> {
    match e {
        StoreError::Domain(d) => d.code(),
        other => panic!("not a refusal: {other:?}"),
    }
}

#[tokio::test]
async fn recognised_by_address_or_number_across_channels_never_by_name() {
    for db in backends().await {
        seed(&db.store).await;
        let s = &db.store;
        let b = db.backend;
        let anna = requester_of(
            s,
            from(
                Channel::Portal,
                "Anna Bērziņa",
                Some(" Anna@Example.LV "),
                None,
            ),
        )
        .await;
        // The same address written otherwise, by e-mail.
        let again = requester_of(
            s,
            from(Channel::Email, "anna", Some("anna@example.lv"), None),
        )
        .await;
        assert_eq!(again, anna, "{b}: same address");
        // A number joins her record when it comes with her address.
        let with_phone = requester_of(
            s,
            from(
                Channel::Chat,
                "Anna",
                Some("ANNA@example.lv"),
                Some("26 123 456"),
            ),
        )
        .await;
        assert_eq!(with_phone, anna, "{b}");
        // A phone call, the number written the telephony system's way, no address.
        let call = requester_of(
            s,
            from(Channel::Phone, "A. B.", None, Some("+371 26123456")),
        )
        .await;
        assert_eq!(call, anna, "{b}: same number");
        // Same name, another or no address: other people.
        let namesake = requester_of(
            s,
            from(
                Channel::Portal,
                "Anna Bērziņa",
                Some("cita.anna@example.lv"),
                None,
            ),
        )
        .await;
        assert_ne!(namesake, anna, "{b}: never by name");
        let anonymous = requester_of(s, from(Channel::InPerson, "Anna Bērziņa", None, None)).await;
        assert_ne!(anonymous, anna, "{b}");
        assert_ne!(anonymous, namesake, "{b}");
        let twice = requester_of(s, from(Channel::InPerson, "Anna Bērziņa", None, None)).await;
        assert_ne!(twice, anonymous, "{b}: a name alone never matches");

        let record = s.requester(&agent(), anna).await.unwrap();
        let emails: Vec<_> = record
            .requester
            .emails
            .iter()
            .map(|p| p.value.as_str())
            .collect();
        let phones: Vec<_> = record
            .requester
            .phones
            .iter()
            .map(|p| p.value.as_str())
            .collect();
        assert_eq!(emails, ["anna@example.lv"], "{b}");
        assert_eq!(phones, ["+37126123456"], "{b}");
        assert_eq!(record.requester.phones[0].source, "chat", "{b}");
        assert_eq!(record.tickets.len(), 4, "{b}");
        let mut channels: Vec<_> = record.tickets.iter().map(|t| t.channel).collect();
        channels.sort_by_key(|c| c.as_str());
        assert_eq!(
            channels,
            [
                Channel::Chat,
                Channel::Email,
                Channel::Phone,
                Channel::Portal
            ],
            "{b}"
        );
        // Search by name, address and number (any way of writing it).
        let found = |q: &'static str| async move {
            s.list_requesters(&agent(), Some(q), None, 50)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(found("0037126123456").await, [anna], "{b}");
        assert_eq!(found("anna@EXAMPLE").await, [anna], "{b}");
        assert_eq!(found("berzina").await.len(), 4, "{b}: folded name");
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_first_contacts_of_one_address_make_one_record() {
    for db in backends().await {
        seed(&db.store).await;
        let b = db.backend;
        // Two nodes on PostgreSQL race on the unique address; on SQLite the writer batches.
        let second = match db.backend {
            "postgres" => db.second_node().await,
            _ => db.store.clone(),
        };
        let mut handles = Vec::new();
        for i in 0..24 {
            let store = if i % 2 == 0 {
                db.store.clone()
            } else {
                second.clone()
            };
            let email = if i % 3 == 0 {
                "Jauna@Example.lv"
            } else {
                "jauna@example.lv"
            };
            let phone = (i % 4 == 0).then(|| format!("2000000{}", i % 10));
            handles.push(tokio::spawn(async move {
                let mut t = ticket("Pirmais");
                t.requester.name = format!("Jauna {i}");
                t.requester.email = Some(email.into());
                t.requester.phone = phone;
                store
                    .create_ticket(&Actor::Anonymous, t, None)
                    .await
                    .unwrap()
                    .ticket
                    .requester_id
            }));
        }
        let mut ids = Vec::new();
        for h in handles {
            ids.push(h.await.unwrap());
        }
        ids.dedup();
        assert_eq!(ids.len(), 1, "{b}: one record, got {ids:?}");
        let listed = db
            .store
            .list_requesters(&agent(), Some("jauna@example.lv"), None, 50)
            .await
            .unwrap();
        assert_eq!(listed.items.len(), 1, "{b}");
        let orphans: i64 = match &db.store {
            Store::Sqlite { read, .. } => sqlx::query_scalar(
                "SELECT COUNT(*) FROM contacts c WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.requester_id = c.id)",
            )
            .fetch_one(read)
            .await
            .unwrap(),
            Store::Postgres { pool, .. } => sqlx::query_scalar(
                "SELECT COUNT(*) FROM contacts c WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.requester_id = c.id)",
            )
            .fetch_one(pool)
            .await
            .unwrap(),
        };
        assert_eq!(
            orphans, 0,
            "{b}: a record that lost the race is not left behind"
        );
        if db.backend == "postgres" {
            second.close().await;
        }
        db.finish().await;
    }
}

/// Everything a merge may touch, to compare before and after.
async fn snapshot(db: &Db) -> Vec<String> {
    let queries = [
        "SELECT id || ':' || requester_id FROM tickets ORDER BY id",
        "SELECT address || ':' || contact_id FROM contact_emails ORDER BY address",
        "SELECT number || ':' || contact_id FROM contact_phones ORDER BY number",
        "SELECT id || ':' || COALESCE(email, '-') || ':' || COALESCE(phone, '-') || ':' || COALESCE(CAST(merged_into AS TEXT), '-') FROM contacts ORDER BY id",
    ];
    let mut out = Vec::new();
    for q in queries {
        let rows: Vec<String> = match &db.store {
            Store::Sqlite { read, .. } => sqlx::query_scalar(q).fetch_all(read).await.unwrap(),
            Store::Postgres { pool, .. } => sqlx::query_scalar(q).fetch_all(pool).await.unwrap(),
        };
        out.extend(rows);
    }
    out
}

#[tokio::test]
async fn merge_moves_everything_and_split_restores_exactly() {
    for db in backends().await {
        seed(&db.store).await;
        let s = &db.store;
        let b = db.backend;
        let by_mail = requester_of(
            s,
            from(
                Channel::Email,
                "Jānis Ozols",
                Some("janis@example.lv"),
                None,
            ),
        )
        .await;
        requester_of(
            s,
            from(
                Channel::Email,
                "Jānis Ozols",
                Some("janis@example.lv"),
                None,
            ),
        )
        .await;
        let by_phone = requester_of(
            s,
            from(Channel::Phone, "J. Ozols", None, Some("29 111 222")),
        )
        .await;
        assert_ne!(by_mail, by_phone, "{b}");
        let before = snapshot(&db).await;

        let merged = s
            .merge_requesters(&agent(), by_phone, by_mail)
            .await
            .unwrap();
        assert_eq!(merged.tickets.len(), 3, "{b}");
        let emails: Vec<_> = merged
            .requester
            .emails
            .iter()
            .map(|p| (p.value.as_str(), p.primary))
            .collect();
        assert_eq!(
            emails,
            [("janis@example.lv", true)],
            "{b}: the survivor takes the address as its primary"
        );
        let event = &merged.events[0];
        assert_eq!(event.kind, "merged", "{b}");
        assert_eq!(event.data["other"], by_mail, "{b}");
        assert_eq!(
            event.data["tickets"].as_array().unwrap().len(),
            2,
            "{b}: exactly what moved"
        );
        assert_eq!(event.data["emails"][0], "janis@example.lv", "{b}");
        // The other record stays, marked.
        let gone = s.requester_record(&agent(), by_mail).await.unwrap();
        assert_eq!(gone.merged_into, Some(by_phone), "{b}");
        // A new e-mail from the merged address lands on the survivor.
        let later = requester_of(
            s,
            from(Channel::Email, "Jānis", Some("janis@example.lv"), None),
        )
        .await;
        assert_eq!(later, by_phone, "{b}");
        let ticket_events = s
            .events(&agent(), merged.tickets.last().unwrap().id)
            .await
            .unwrap();
        assert!(
            ticket_events.iter().any(|e| e.kind == "requester_changed"),
            "{b}: the moved ticket records it"
        );

        // Refusals.
        let err = s
            .merge_requesters(&agent(), by_phone, by_phone)
            .await
            .unwrap_err();
        assert_eq!(code(err), Some(Code::RequesterMergeSelf), "{b}");
        let err = s
            .merge_requesters(&agent(), by_mail, by_phone)
            .await
            .unwrap_err();
        assert_eq!(code(err), Some(Code::RequesterMerged), "{b}");

        // Split the merge: the later ticket stays with the survivor, the rest is as before.
        let split = s
            .split_requester(&agent(), by_phone, event.id)
            .await
            .unwrap();
        assert_eq!(split.tickets.len(), 2, "{b}: the call and the later e-mail");
        let mut after = snapshot(&db).await;
        let later_row = format!("{}:{by_phone}", split.tickets[0].id);
        after.retain(|r| r != &later_row);
        assert_eq!(after, before, "{b}: split restores exactly");
        let err = s
            .split_requester(&agent(), by_phone, event.id)
            .await
            .unwrap_err();
        assert_eq!(code(err), Some(Code::RequesterSplitDone), "{b}");
        let split_event = split.events.iter().find(|e| e.kind == "split").unwrap();
        let err = s
            .split_requester(&agent(), by_phone, split_event.id)
            .await
            .unwrap_err();
        assert_eq!(code(err), Some(Code::RequesterNotMerge), "{b}");
        db.finish().await;
    }
}

fn staff_of(institution: &str, role: Role) -> Actor {
    Actor::Staff(StaffActor {
        user_id: 1,
        name: "Darbinieks".into(),
        role,
        scopes: vec![Scope {
            institution: institution.into(),
            service: None,
        }],
    })
}

#[tokio::test]
async fn a_record_is_seen_only_through_a_ticket_in_scope() {
    for db in backends().await {
        seed(&db.store).await;
        let mut batch = RegisterBatch::default();
        batch.add_file(
            "institutions.json",
            r#"[{"id":"PMLP","name_lv":"PMLP","kind":"state","parent":null},{"id":"VID","name_lv":"VID","kind":"state","parent":null}]"#,
        );
        db.store.import_registers(&batch).await.unwrap();
        let s = &db.store;
        let b = db.backend;
        let anna = requester_of(
            s,
            from(Channel::Portal, "Anna", Some("anna@example.lv"), None),
        )
        .await;
        let mut vid = from(Channel::Phone, "Anna", None, Some("26123456"));
        vid.institution = "VID".into();
        vid.requester.email = Some("anna@example.lv".into());
        assert_eq!(requester_of(s, vid).await, anna, "{b}: across institutions");
        let only_vid = requester_of(
            s,
            NewTicket {
                institution: "VID".into(),
                ..from(Channel::Email, "Pēteris", Some("peteris@example.lv"), None)
            },
        )
        .await;

        let pmlp = staff_of("PMLP", Role::Specialist);
        let record = s.requester(&pmlp, anna).await.unwrap();
        assert_eq!(record.tickets.len(), 1, "{b}: only PMLP's ticket");
        assert!(
            matches!(
                s.requester(&pmlp, only_vid).await,
                Err(StoreError::NotFound(_))
            ),
            "{b}"
        );
        let listed: Vec<i64> = s
            .list_requesters(&pmlp, None, None, 50)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(listed, [anna], "{b}");
        let pop = s.screen_pop(&pmlp, "+371 26 123 456").await.unwrap();
        assert_eq!(pop.requester.map(|r| r.id), Some(anna), "{b}");
        assert_eq!(pop.open_tickets.len(), 1, "{b}");
        let pop = s
            .screen_pop(&staff_of("LAD", Role::Specialist), "26123456")
            .await
            .unwrap();
        assert!(
            pop.requester.is_none(),
            "{b}: out of scope answers as unknown"
        );
        let err = s
            .merge_requesters(&staff_of("VID", Role::PartnerAgent), anna, only_vid)
            .await
            .unwrap_err();
        assert_eq!(code(err), Some(Code::AccessRole), "{b}");
        db.finish().await;
    }
}

#[tokio::test]
async fn rows_from_before_records_get_their_address_and_number() {
    for db in backends().await {
        seed(&db.store).await;
        db.exec(
            "INSERT INTO contacts (id, name, email, phone, created_at) VALUES \
             (900, 'Vecā Līga', ' Liga@Example.lv', '(+371) 20 555 666', 1), \
             (901, 'Dublikāts', 'liga@example.lv', NULL, 2)",
        )
        .await;
        db.store.migrate().await.unwrap();
        let s = &db.store;
        let b = db.backend;
        let by_mail = requester_of(
            s,
            from(Channel::Email, "Līga", Some("liga@example.lv"), None),
        )
        .await;
        assert_eq!(by_mail, 900, "{b}: the oldest record keeps the address");
        let by_phone = requester_of(s, from(Channel::Phone, "Līga", None, Some("20555666"))).await;
        assert_eq!(by_phone, 900, "{b}");
        let found = s
            .list_requesters(&agent(), Some("liga"), None, 50)
            .await
            .unwrap();
        assert!(
            found.items.iter().any(|r| r.id == 900),
            "{b}: folded name searchable"
        );
        db.finish().await;
    }
}
