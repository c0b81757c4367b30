//! The knowledge base's writes, shared by the JSON API and the staff
//! workspace's editor: each goes through the store and, when it succeeds,
//! brings this node's search index up to date before the caller answers, so
//! the editor finds the change at once.

use crate::AppState;
use atbalsts_domain::StaffActor;
use atbalsts_domain::kb::Snapshot;
use atbalsts_store::StoreError;
use atbalsts_store::kb::Article;

/// Create an article (see [`atbalsts_store::Store::create_article`]) and index it.
pub async fn save_new(
    s: &AppState,
    staff: &StaffActor,
    id: &str,
    institution: Option<&str>,
    content: Snapshot,
    note: Option<&str>,
) -> Result<Article, StoreError> {
    let article = s
        .store
        .create_article(staff, id, institution, content, note)
        .await?;
    s.search.after_edit().await;
    Ok(article)
}

/// Replace an article's content from `version` on, and index it.
pub async fn save_update(
    s: &AppState,
    staff: &StaffActor,
    id: &str,
    version: i64,
    content: Snapshot,
    note: Option<&str>,
) -> Result<Article, StoreError> {
    let article = s
        .store
        .update_article(staff, id, version, content, note)
        .await?;
    s.search.after_edit().await;
    Ok(article)
}

/// Change an article's status, and index (or unindex) it.
pub async fn save_status(
    s: &AppState,
    staff: &StaffActor,
    id: &str,
    status: &str,
    version: Option<i64>,
    note: Option<&str>,
) -> Result<Article, StoreError> {
    let article = s
        .store
        .set_article_status(staff, id, status, version, note)
        .await?;
    s.search.after_edit().await;
    Ok(article)
}

/// Make version `n` current again, and index it.
pub async fn save_restore(
    s: &AppState,
    staff: &StaffActor,
    id: &str,
    n: i64,
    note: Option<&str>,
) -> Result<Article, StoreError> {
    let article = s.store.restore_article(staff, id, n, note).await?;
    s.search.after_edit().await;
    Ok(article)
}
