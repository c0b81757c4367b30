//! Connectors and recorded contacts on both backends: keys kept as hashes,
//! messages taken in once even when repeats race each other, messages of a
//! new conversation racing each other meeting in one ticket, reply
//! deliveries written once per event with their job, and contacts written
//! with their event.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use atbalsts_domain::connector::Inbound;
use atbalsts_domain::contact::{Contact, ContactOutcome, Direction};
use atbalsts_domain::{Actor, Channel};
use atbalsts_store::connectors::NewConnector;
use atbalsts_store::connectors::inbound::TakenAs;
use atbalsts_store::connectors::outbound::DELIVER_JOB;
use atbalsts_store::tickets::ChangeRequest;
use common::{agent, backends, exec, seed, ticket};

fn message(conversation: &str, id: &str) -> Inbound {
    Inbound {
        conversation_id: conversation.into(),
        message_id: id.into(),
        sender_name: "Jānis".into(),
        sender_handle: "fb:1".into(),
        sender_email: None,
        sender_phone: None,
        text: format!("Ziņa {id}"),
        language: "lv".into(),
    }
}

async fn count(store: &atbalsts_store::Store, sql: &str) -> i64 {
    // `exec` runs statements; a count is read through an UPDATE-free SELECT here.
    match store {
        atbalsts_store::Store::Sqlite { write, .. } => {
            sqlx::query_scalar(sql).fetch_one(write).await.unwrap()
        }
        atbalsts_store::Store::Postgres { pool, .. } => {
            sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn messages_are_taken_once_and_conversations_meet_in_one_ticket() {
    for db in backends().await {
        let (b, store) = (db.backend, &db.store);
        seed(store).await;
        let (c, secrets) = store
            .create_connector(&NewConnector {
                code: "facebook".into(),
                name: "Facebook".into(),
                channel: Channel::Social,
                institution: "PMLP".into(),
                outbound_url: Some("http://127.0.0.1:9/out".into()),
                created_by: None,
            })
            .await
            .unwrap();
        let stored: String = count_text(store, "SELECT key_hash FROM connectors").await;
        assert!(!stored.contains(&secrets.key), "{b}: only the hash is kept");
        assert!(
            store
                .connector_by_key("facebook", &secrets.key)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .connector_by_key("other", &secrets.key)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .connector_by_key("facebook", "atbc_x")
                .await
                .unwrap()
                .is_none()
        );

        // The same message sent eight times at once: one record, one ticket.
        let runs: Vec<_> = (0..8)
            .map(|_| {
                let (s, c) = (store.clone(), c.clone());
                tokio::spawn(
                    async move { s.take_connector_message(&c, &message("a", "m1"), &[]).await },
                )
            })
            .collect();
        let mut tickets = Vec::new();
        for r in runs {
            // A repeat racing the first is told to come back (409) or gets the first answer.
            if let Ok(taken) = r.await.unwrap() {
                tickets.push(taken.ticket_id);
            }
        }
        tickets.dedup();
        assert_eq!(tickets.len(), 1, "{b}: {tickets:?}");
        assert_eq!(count(store, "SELECT COUNT(*) FROM tickets").await, 1, "{b}");
        let again = store
            .take_connector_message(&c, &message("a", "m1"), &[])
            .await
            .unwrap();
        assert!(again.replayed && again.as_ == TakenAs::TicketCreated, "{b}");

        // Different first messages of a new conversation at once: one ticket, the rest threaded.
        let runs: Vec<_> = (0..6)
            .map(|i| {
                let (s, c) = (store.clone(), c.clone());
                tokio::spawn(async move {
                    s.take_connector_message(&c, &message("b", &format!("b{i}")), &[])
                        .await
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for r in runs {
            let t = r.await.unwrap().unwrap();
            outcomes.push((t.ticket_id, t.as_));
        }
        let created = outcomes
            .iter()
            .filter(|(_, a)| *a == TakenAs::TicketCreated)
            .count();
        assert_eq!(created, 1, "{b}: {outcomes:?}");
        assert!(
            outcomes.iter().all(|(t, _)| *t == outcomes[0].0),
            "{b}: {outcomes:?}"
        );
        let conversation_ticket = outcomes[0].0;
        assert_eq!(
            count(
                store,
                &format!(
                    "SELECT COUNT(*) FROM ticket_messages WHERE ticket_id = {conversation_ticket}"
                )
            )
            .await,
            5,
            "{b}: the other five are replies"
        );

        // A staff reply is delivered once per event, with its job; a note is not.
        store
            .change_ticket(
                &agent(),
                conversation_ticket,
                ChangeRequest::Reply {
                    body: "Atbilde".into(),
                    await_requester: false,
                },
            )
            .await
            .unwrap();
        let event: i64 = count(store, "SELECT MAX(id) FROM ticket_events").await;
        let payload = |code: &str, conv: &str, handle: &str| serde_json::json!({"c": code, "v": conv, "h": handle});
        let first = store
            .add_connector_delivery(event, conversation_ticket, &payload, 3)
            .await
            .unwrap();
        assert!(first.is_some(), "{b}");
        assert_eq!(
            store
                .add_connector_delivery(event, conversation_ticket, &payload, 3)
                .await
                .unwrap(),
            None,
            "{b}"
        );
        assert_eq!(
            count(
                store,
                &format!("SELECT COUNT(*) FROM jobs WHERE kind = '{DELIVER_JOB}'")
            )
            .await,
            1,
            "{b}"
        );
        let out = store
            .connector_outgoing(first.unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(out.payload, r#"{"c":"facebook","h":"fb:1","v":"b"}"#, "{b}");
        assert_eq!(out.secret, secrets.outbound_secret);
        // Tickets that did not come through a connector get no delivery.
        let portal = store
            .create_ticket(&Actor::Anonymous, ticket("Portāls"), None)
            .await
            .unwrap();
        assert_eq!(
            store
                .add_connector_delivery(event, portal.ticket.id, &payload, 3)
                .await
                .unwrap(),
            None
        );
        exec(store, "UPDATE connectors SET active = FALSE").await;
        assert_eq!(
            store
                .add_connector_delivery(event + 1, conversation_ticket, &payload, 3)
                .await
                .unwrap(),
            None,
            "{b}: off sends nothing"
        );
        db.finish().await;
    }
}

async fn count_text(store: &atbalsts_store::Store, sql: &str) -> String {
    match store {
        atbalsts_store::Store::Sqlite { write, .. } => {
            sqlx::query_scalar(sql).fetch_one(write).await.unwrap()
        }
        atbalsts_store::Store::Postgres { pool, .. } => {
            sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
        }
    }
}

#[tokio::test]
async fn a_contact_is_written_with_its_event() {
    for db in backends().await {
        let (b, store) = (db.backend, &db.store);
        seed(store).await;
        let t = store
            .create_ticket(&Actor::Anonymous, ticket("Zvans"), None)
            .await
            .unwrap()
            .ticket;
        let call = Contact {
            channel: Channel::Phone,
            direction: Direction::Outbound,
            duration_seconds: 95,
            location: None,
            outcome: ContactOutcome::NoAnswer,
            summary: "Neatbildēja.".into(),
        };
        let r = store
            .record_contact(&agent(), t.id, &call, None)
            .await
            .unwrap();
        assert_eq!(
            (r.channel.as_str(), r.outcome.as_str(), r.duration_seconds),
            ("phone", "no_answer", 95),
            "{b}"
        );
        let events = store.events(&agent(), t.id).await.unwrap();
        let last = events.last().unwrap();
        assert_eq!(last.kind, "contact_recorded", "{b}");
        assert_eq!(last.data["contact"], r.id);
        assert_eq!(store.contacts_of(&agent(), t.id).await.unwrap().len(), 1);
        // A visit at an unknown place writes nothing.
        let visit = Contact {
            channel: Channel::InPerson,
            location: Some("NOWHERE".into()),
            ..call.clone()
        };
        assert!(
            store
                .record_contact(&agent(), t.id, &visit, None)
                .await
                .is_err()
        );
        assert_eq!(
            store.events(&agent(), t.id).await.unwrap().len(),
            events.len(),
            "{b}"
        );
        assert!(
            store
                .record_contact(&Actor::Requester { ticket_id: t.id }, t.id, &call, None)
                .await
                .is_err()
        );
        db.finish().await;
    }
}
