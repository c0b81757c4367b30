//! Idempotency keys are kept for a day, then purged by the ticket writer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use atbalsts_domain::Actor;
use atbalsts_store::tickets::IdempotencyKey;
use common::{DAY, Db, seed, ticket};
use sqlx::Connection;

fn key(k: &str) -> Option<IdempotencyKey> {
    Some(IdempotencyKey {
        actor: "public".into(),
        key: k.into(),
        request_hash: "h".into(),
    })
}

async fn keys(url: &str) -> Vec<String> {
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    sqlx::query_scalar("SELECT key FROM idempotency_keys ORDER BY key")
        .fetch_all(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn keys_older_than_a_day_are_purged() {
    let db = Db::sqlite().await;
    seed(&db.store).await;
    let store = &db.store;
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
    let mut conn = sqlx::SqliteConnection::connect(&db.place.url())
        .await
        .unwrap();
    sqlx::query("UPDATE idempotency_keys SET created_at = created_at - $1 WHERE key = 'old'")
        .bind(2 * DAY)
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    // A restarted writer purges before its first batch.
    let store = db.place.open().await;
    let replay = store
        .create_ticket(&Actor::Anonymous, ticket("svaigs"), key("fresh"))
        .await
        .unwrap();
    assert!(replay.replayed, "a key younger than a day still answers");
    assert_eq!(keys(&db.place.url()).await, ["fresh"]);
    let again = store
        .create_ticket(&Actor::Anonymous, ticket("vecs"), key("old"))
        .await
        .unwrap();
    assert!(!again.replayed, "a forgotten key makes a new ticket");
    store.close().await;
    db.finish().await;
}
