//! The e-mail channel's records on both backends: received mail stored with
//! its intake job and settled once; the outbox written once per cause; the
//! Message-IDs of a ticket; the groups' addresses; every event waiting for dispatch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use atbalsts_domain::{Actor, Level};
use atbalsts_store::StoreError;
use atbalsts_store::groups::GroupConfig;
use atbalsts_store::mail::inbound::{Arrival, INTAKE_JOB, InboundStatus, Settled};
use atbalsts_store::mail::outbound::NewOutbound;
use atbalsts_store::tickets::ChangeRequest;
use common::{agent, backends, seed, ticket};

fn arrival() -> Arrival {
    Arrival {
        source: "smtp",
        peer: Some("127.0.0.1:4000".into()),
        envelope_from: Some("anna@example.lv".into()),
        envelope_to: vec!["palidziba@pmlp.example.lv".into()],
        group: None,
    }
}

#[tokio::test]
async fn received_mail_is_stored_raw_with_its_intake_job_and_settled_once() {
    for db in backends().await {
        let (b, store) = (db.backend, &db.store);
        seed(store).await;
        let raw = b"Subject: x\r\n\r\n\xff\x00binary stays binary\r\n";
        let id = store.receive_mail(&arrival(), raw).await.unwrap();
        let (record, arrival_back, bytes) = store.inbound_mail(id).await.unwrap();
        assert_eq!(bytes, raw, "{b}");
        assert_eq!(record.status, InboundStatus::Received, "{b}");
        assert_eq!(arrival_back.envelope_to, ["palidziba@pmlp.example.lv"]);
        let jobs = store
            .claim_jobs("t", atbalsts_store::now_micros() + 1, 60_000_000, 10)
            .await
            .unwrap();
        assert!(
            jobs.iter()
                .any(|j| j.kind == INTAKE_JOB && j.payload["mail"] == id),
            "{b}: the intake job came with the message"
        );

        let settled = Settled {
            status: InboundStatus::Quarantined,
            reason: Some("no header section".into()),
            message_id: None,
            from_address: Some("anna@example.lv".into()),
            subject: None,
            group: None,
            ticket_id: None,
        };
        assert!(
            store
                .settle_mail(id, InboundStatus::Received, &settled)
                .await
                .unwrap()
        );
        assert!(
            !store
                .settle_mail(id, InboundStatus::Received, &settled)
                .await
                .unwrap(),
            "{b}: a repeated intake changes nothing"
        );
        let page = store
            .list_inbound(
                &atbalsts_domain::admin::MailScope::All,
                Some(InboundStatus::Quarantined),
                None,
                10,
            )
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1, "{b}");
        assert_eq!(page.items[0].reason.as_deref(), Some("no header section"));

        // Release puts it back to intake; delete only works in quarantine.
        store.release_mail(id).await.unwrap();
        assert_eq!(
            store.inbound_record(id).await.unwrap().status,
            InboundStatus::Received
        );
        let refused = store.delete_quarantined_mail(id).await.unwrap_err();
        assert!(matches!(refused, StoreError::Domain(_)), "{b}: {refused:?}");
        assert!(
            store
                .settle_mail(id, InboundStatus::Received, &settled)
                .await
                .unwrap()
        );
        store.delete_quarantined_mail(id).await.unwrap();
        let (record, _, bytes) = store.inbound_mail(id).await.unwrap();
        assert_eq!(record.status, InboundStatus::Deleted);
        assert!(
            bytes.is_empty(),
            "{b}: the bytes are gone, the record stays"
        );

        // Keyset paging, newest first.
        for _ in 0..5 {
            store
                .receive_mail(&arrival(), b"Subject: y\r\n\r\nz")
                .await
                .unwrap();
        }
        let first = store
            .list_inbound(&atbalsts_domain::admin::MailScope::All, None, None, 4)
            .await
            .unwrap();
        assert_eq!(first.items.len(), 4);
        let rest = store
            .list_inbound(
                &atbalsts_domain::admin::MailScope::All,
                None,
                first.next_after,
                4,
            )
            .await
            .unwrap();
        assert_eq!(rest.items.len(), 2, "{b}");
        assert!(rest.next_after.is_none());
        assert!(first.items[0].id > rest.items[1].id);
        db.finish().await;
    }
}

#[tokio::test]
async fn the_outbox_writes_once_per_cause_and_remembers_the_thread() {
    for db in backends().await {
        let (b, store) = (db.backend, &db.store);
        seed(store).await;
        let t = store
            .create_ticket(&Actor::Anonymous, ticket("Pase"), None)
            .await
            .unwrap()
            .ticket;
        let mail = NewOutbound {
            ticket_id: Some(t.id),
            purpose: "request_received".into(),
            cause: "event:1".into(),
            recipient: "anna@example.lv".into(),
            user_id: None,
            sender: "palidziba@pmlp.example.lv".into(),
            message_id: "abc@pmlp.example.lv".into(),
            subject: "Pieprasījums".into(),
            raw: b"raw".to_vec(),
        };
        let id = store.queue_mail(&mail).await.unwrap().expect("written");
        let again = NewOutbound {
            message_id: "other@pmlp.example.lv".into(),
            ..mail.clone()
        };
        assert_eq!(store.queue_mail(&again).await.unwrap(), None, "{b}");
        assert_eq!(
            store
                .ticket_of_message_ids(&["unknown@x".into(), "abc@pmlp.example.lv".into()])
                .await
                .unwrap(),
            Some(t.id)
        );
        store.mark_mail(id, "sent", None).await.unwrap();
        assert!(
            store
                .mark_bounced("abc@pmlp.example.lv", "550 no such user")
                .await
                .unwrap()
        );
        let listed = store.ticket_mail(t.id).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (listed[0].status.as_str(), listed[0].last_error.as_deref()),
            ("bounced", Some("550 no such user")),
            "{b}"
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn every_event_waits_for_dispatch_until_taken() {
    for db in backends().await {
        let (b, store) = (db.backend, &db.store);
        seed(store).await;
        let t = store
            .create_ticket(&Actor::Anonymous, ticket("Pase"), None)
            .await
            .unwrap()
            .ticket;
        store
            .change_ticket(
                &agent(),
                t.id,
                ChangeRequest::Reply {
                    body: "Atbilde".into(),
                    await_requester: true,
                },
            )
            .await
            .unwrap();
        let pending = store.pending_events(100).await.unwrap();
        let kinds: Vec<&str> = pending.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["created", "replied"], "{b}");
        assert!(
            pending[1].data_json()["message"].as_i64().is_some(),
            "{b}: a reply's event names its message"
        );
        store
            .events_dispatched(&[pending[0].event_id])
            .await
            .unwrap();
        let left = store.pending_events(100).await.unwrap();
        assert_eq!(left.len(), 1, "{b}");
        db.finish().await;
    }
}

#[tokio::test]
async fn a_group_answers_at_its_own_addresses_only() {
    for db in backends().await {
        let (b, store) = (db.backend, &db.store);
        seed(store).await;
        let mut g = GroupConfig::new("PMLP-L1", "PMLP", "PMLP", Level::Specialist);
        g.email_addresses = vec![
            " Palidziba@PMLP.example.lv ".into(),
            "palidziba@pmlp.example.lv".into(),
        ];
        store.save_group(&g).await.unwrap();
        let found = store
            .group_for_address("<PALIDZIBA@pmlp.example.lv>")
            .await
            .unwrap()
            .expect("the group");
        assert_eq!(
            (found.group_code.as_str(), found.institution.as_str()),
            ("PMLP-L1", "PMLP")
        );
        assert_eq!(
            store.group_addresses("PMLP-L1").await.unwrap(),
            ["palidziba@pmlp.example.lv"],
            "{b}: normalised, once"
        );
        let mut other = GroupConfig::new("PMLP-L2", "PMLP", "PMLP 2", Level::Expert);
        other.email_addresses = vec!["palidziba@pmlp.example.lv".into()];
        let err = store.save_group(&other).await.unwrap_err();
        let StoreError::Domain(atbalsts_domain::DomainError::Invalid(fields)) = &err else {
            panic!("{b}: {err:?}");
        };
        assert_eq!(fields[0].field, "email_addresses", "{b}");
        assert!(fields[0].message.contains("PMLP-L1"), "{b}: {fields:?}");
        other.email_addresses = vec!["not an address".into()];
        assert!(store.save_group(&other).await.is_err());
        assert!(
            store
                .group_for_address("nobody@pmlp.example.lv")
                .await
                .unwrap()
                .is_none()
        );
        db.finish().await;
    }
}

/// The outbox forgets the bytes of what it wrote once they have had their
/// chance (private links live in them), and reset mail within the hour; the
/// records stay, and mail still waiting for the relay keeps its bytes.
#[tokio::test]
async fn the_outbox_purges_written_bytes_after_their_time() {
    for db in backends().await {
        let (b, store) = (db.backend, &db.store);
        seed(store).await;
        let day: i64 = 86_400 * 1_000_000;
        let now = atbalsts_store::now_micros();
        let write = |n: u32, purpose: &str| NewOutbound {
            ticket_id: None,
            purpose: purpose.into(),
            cause: format!("test:{n}"),
            recipient: "anna@example.lv".into(),
            user_id: None,
            sender: "atbalsts@localhost".into(),
            message_id: format!("m{n}@localhost"),
            subject: format!("Nr. {n}"),
            raw: format!("Subject: {n}\r\n\r\nhttps://atbalsts.example.lv/t/secret{n}")
                .into_bytes(),
        };
        // (purpose, status, age in days-or-hours, bytes kept after the purge)
        let cases: [(&str, &str, i64, bool); 6] = [
            ("staff_reply", "sent", 31 * day, false),
            ("staff_reply", "held", 31 * day, false),
            ("staff_reply", "sent", 29 * day, true),
            ("staff_reply", "queued", 40 * day, true),
            ("password_reset", "held", 2 * 3_600_000_000, false),
            ("password_reset", "held", 10 * 60_000_000, true),
        ];
        let mut ids = Vec::new();
        for (n, (purpose, status, age, _)) in cases.iter().enumerate() {
            let id = store
                .queue_mail(&write(n as u32, purpose))
                .await
                .unwrap()
                .unwrap();
            common::exec(
                store,
                &format!(
                    "UPDATE mail_outbound SET status = '{status}', created_at = {} WHERE id = {id}",
                    now - age
                ),
            )
            .await;
            ids.push(id);
        }
        let stale_reset = store
            .queue_mail(&write(9, "password_reset"))
            .await
            .unwrap()
            .unwrap();
        common::exec(
            store,
            &format!(
                "UPDATE mail_outbound SET created_at = {} WHERE id = {stale_reset}",
                now - 2 * 3_600_000_000
            ),
        )
        .await;

        let purged = store.purge_outbound_content(now, 30).await.unwrap();
        assert_eq!((purged.emptied, purged.expired), (4, 1), "{b}");
        for (id, (purpose, status, _, kept)) in ids.iter().zip(cases) {
            let (record, raw) = store.outbound_mail(*id).await.unwrap();
            assert_eq!(!raw.is_empty(), kept, "{b}: {purpose} {status}");
            assert_eq!(record.status, status, "{b}: the record stays as it was");
        }
        let (record, raw) = store.outbound_mail(stale_reset).await.unwrap();
        assert_eq!(record.status, "failed", "{b}");
        assert!(raw.is_empty(), "{b}");
        assert!(record.last_error.is_some_and(|e| e.contains("expired")));
        let again = store.purge_outbound_content(now, 30).await.unwrap();
        assert_eq!((again.emptied, again.expired), (0, 0), "{b}: nothing twice");
    }
}
