//! Migration 0005 turns the title-and-body history into full snapshots:
//! articles and versions written under 0004 come through with sensible values.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Db, Place, postgres_server};
use sqlx::Connection;
use sqlx::migrate::{Migrate, Migrator};
use std::borrow::Cow;

const OLD: &[&str] = &[
    "INSERT INTO kb_articles (id, lang, translation_of, institution, title, body, services, tags, audience, kind, status, \
     version, views, created_at, updated_at) VALUES ('pase', 'lv', NULL, NULL, 'Pase', 'Otrais teksts.', '[]', '[\"pase\"]', \
     'public', 'howto', 'published', 2, 7, 1, 2)",
    "INSERT INTO kb_versions (article_id, version, title, body, edited_at) VALUES ('pase', 1, 'Pase', 'Pirmais teksts.', 1)",
    "INSERT INTO kb_versions (article_id, version, title, body, edited_at) VALUES ('pase', 2, 'Pase', 'Otrais teksts.', 2)",
];

/// The database as 0004 left it: its schema, and an article with two versions.
async fn written_under_0004<C>(url: &str, migrator: Migrator)
where
    C: Connection + Migrate,
    for<'c> &'c mut C: sqlx::Executor<'c>,
{
    let mut m = migrator;
    m.migrations = Cow::Owned(
        m.migrations
            .iter()
            .filter(|m| m.version <= 4)
            .cloned()
            .collect(),
    );
    let mut conn = C::connect(url).await.unwrap();
    m.run_direct(&mut conn).await.unwrap();
    for q in OLD {
        sqlx::Executor::execute(&mut conn, *q).await.unwrap();
    }
    conn.close().await.unwrap();
}

/// Migrating to the latest schema keeps the old article and its history.
async fn check(place: Place) {
    let db = Db::migrated(place).await;
    let store = &db.store;
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
    db.finish().await;
}

#[tokio::test]
async fn sqlite_history_becomes_snapshots() {
    let place = Place::sqlite();
    written_under_0004::<sqlx::SqliteConnection>(&place.url(), sqlx::migrate!("migrations/sqlite"))
        .await;
    check(place).await;
}

#[tokio::test]
async fn postgres_history_becomes_snapshots() {
    let Some(server) = postgres_server("this PostgreSQL-only test is skipped") else {
        return;
    };
    let place = Place::postgres(&server).await;
    written_under_0004::<sqlx::PgConnection>(&place.url(), sqlx::migrate!("migrations/postgres"))
        .await;
    check(place).await;
}
