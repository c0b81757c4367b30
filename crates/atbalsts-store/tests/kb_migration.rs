//! Migration 0005 turns the title-and-body history into full snapshots:
//! articles and versions written under 0004 come through with sensible values.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atbalsts_store::Store;
use sqlx::Connection;
use sqlx::migrate::Migrator;
use std::borrow::Cow;

const OLD: &[&str] = &[
    "INSERT INTO kb_articles (id, lang, translation_of, institution, title, body, services, tags, audience, kind, status, \
     version, views, created_at, updated_at) VALUES ('pase', 'lv', NULL, NULL, 'Pase', 'Otrais teksts.', '[]', '[\"pase\"]', \
     'public', 'howto', 'published', 2, 7, 1, 2)",
    "INSERT INTO kb_versions (article_id, version, title, body, edited_at) VALUES ('pase', 1, 'Pase', 'Pirmais teksts.', 1)",
    "INSERT INTO kb_versions (article_id, version, title, body, edited_at) VALUES ('pase', 2, 'Pase', 'Otrais teksts.', 2)",
];

fn up_to_0004(mut m: Migrator) -> Migrator {
    m.migrations = Cow::Owned(
        m.migrations
            .iter()
            .filter(|m| m.version <= 4)
            .cloned()
            .collect(),
    );
    m
}

async fn check(store: &Store) {
    let versions = store.article_versions("pase").await.unwrap();
    assert_eq!(versions.len(), 2);
    for v in &versions {
        assert_eq!(
            (
                v.lang.as_str(),
                v.status.as_str(),
                v.audience.as_str(),
                v.kind.as_str()
            ),
            ("lv", "published", "public", "howto")
        );
        assert_eq!(v.tags, ["pase"]);
        assert!(v.life_situations.is_empty() && v.review_by.is_none() && v.note.is_none());
    }
    assert_eq!(versions[1].body, "Pirmais teksts.");
    let a = store.article(false, "pase").await.unwrap();
    assert_eq!((a.version, a.views), (2, 8));
    assert!(a.life_situations.is_empty() && a.review_by.is_none());
}

#[tokio::test]
async fn sqlite_history_becomes_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("atbalsts.db").display()
    );
    {
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        up_to_0004(sqlx::migrate!("migrations/sqlite"))
            .run_direct(&mut conn)
            .await
            .unwrap();
        for q in OLD {
            sqlx::query(q).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();
    }
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    store.migrate().await.unwrap();
    check(&store).await;
    store.close().await;
}

#[tokio::test]
async fn postgres_history_becomes_snapshots() {
    let Ok(url) = std::env::var("ATBALSTS_TEST_DATABASE_URL") else {
        eprintln!("notice: ATBALSTS_TEST_DATABASE_URL is not set; skipped");
        return;
    };
    let name = format!("atbalsts_test_{:016x}", rand::random::<u64>());
    let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    let db_url = format!("{base}/{name}");
    {
        let mut conn = sqlx::PgConnection::connect(&db_url).await.unwrap();
        up_to_0004(sqlx::migrate!("migrations/postgres"))
            .run_direct(&mut conn)
            .await
            .unwrap();
        for q in OLD {
            sqlx::query(q).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();
    }
    let store = Store::open_postgres(&db_url).await.unwrap();
    store.migrate().await.unwrap();
    check(&store).await;
    store.close().await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
}
