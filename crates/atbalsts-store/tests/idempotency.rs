//! Idempotency keys are kept for a day, then purged by the ticket writer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atbalsts_domain::{Actor, Channel, Kind, Level, Priority};
use atbalsts_store::Store;
use atbalsts_store::registers::RegisterBatch;
use atbalsts_store::tickets::{IdempotencyKey, NewRequester, NewTicket};
use sqlx::Connection;

fn ticket(subject: &str) -> NewTicket {
    NewTicket {
        institution: "PMLP".into(),
        service: None,
        resource: None,
        life_situation: None,
        channel: Channel::Portal,
        location: None,
        kind: Kind::Information,
        priority: Priority::Normal,
        level: Level::Specialist,
        subject: subject.into(),
        description: "Apraksts".into(),
        tags: vec![],
        requester: NewRequester {
            name: "Anna".into(),
            email: Some("anna@example.lv".into()),
            phone: None,
            personal_code: None,
        },
    }
}

fn key(k: &str) -> Option<IdempotencyKey> {
    Some(IdempotencyKey {
        actor: "public".into(),
        key: k.into(),
        request_hash: "h".into(),
    })
}

async fn keys(dir: &std::path::Path) -> Vec<String> {
    let url = format!("sqlite://{}", dir.join("atbalsts.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query_scalar("SELECT key FROM idempotency_keys ORDER BY key")
        .fetch_all(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn keys_older_than_a_day_are_purged() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    store.migrate().await.unwrap();
    let mut batch = RegisterBatch::default();
    batch.add_file(
        "institutions.json",
        r#"[{"id":"PMLP","name_lv":"PMLP","kind":"state","parent":null}]"#,
    );
    store.import_registers(&batch).await.unwrap();
    store
        .create_ticket(&Actor::Anonymous, ticket("vecs"), key("old"))
        .await
        .unwrap();
    store
        .create_ticket(&Actor::Anonymous, ticket("svaigs"), key("fresh"))
        .await
        .unwrap();
    store.close().await;

    // Age one key by two days.
    let url = format!("sqlite://{}", dir.path().join("atbalsts.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let two_days = 2 * 24 * 3600 * 1_000_000_i64;
    sqlx::query("UPDATE idempotency_keys SET created_at = created_at - $1 WHERE key = 'old'")
        .bind(two_days)
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    // A restarted writer purges before its first batch.
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    let replay = store
        .create_ticket(&Actor::Anonymous, ticket("svaigs"), key("fresh"))
        .await
        .unwrap();
    assert!(replay.replayed, "a key younger than a day still answers");
    assert_eq!(keys(dir.path()).await, ["fresh"]);
    let again = store
        .create_ticket(&Actor::Anonymous, ticket("vecs"), key("old"))
        .await
        .unwrap();
    assert!(!again.replayed, "a forgotten key makes a new ticket");
}
