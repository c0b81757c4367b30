//! What the search index on each node reads to follow the database: the
//! published articles' versions, their text, and the register services.

use crate::db::Store;
use crate::error::{Result, StoreError};

/// An article's searchable text.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IndexArticle {
    pub id: String,
    pub version: i64,
    pub lang: String,
    pub translation_of: Option<String>,
    pub audience: String,
    pub title: String,
    pub body: String,
    #[sqlx(rename = "tags")]
    tags_json: String,
    #[sqlx(rename = "services")]
    services_json: String,
}

impl IndexArticle {
    pub fn tags(&self) -> Result<Vec<String>> {
        list(&self.id, &self.tags_json)
    }

    pub fn services(&self) -> Result<Vec<String>> {
        list(&self.id, &self.services_json)
    }
}

fn list(id: &str, json: &str) -> Result<Vec<String>> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("article {id}: {e}")))
}

/// A register service's searchable text.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IndexService {
    pub code: String,
    pub name_lv: String,
    pub name_en: Option<String>,
    pub description_lv: Option<String>,
    pub description_en: Option<String>,
}

const COLUMNS: &str = "id, version, lang, translation_of, audience, title, body, tags, services";

impl Store {
    /// Id and version of every published article.
    pub async fn published_versions(&self) -> Result<Vec<(String, i64)>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as("SELECT id, version FROM kb_articles WHERE status = 'published'")
                .fetch_all(pool)
                .await?
        }))
    }

    /// Every published article (a full build of the index).
    pub async fn published_articles(&self) -> Result<Vec<IndexArticle>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as::<_, IndexArticle>(&format!(
                "SELECT {COLUMNS} FROM kb_articles WHERE status = 'published' ORDER BY id"
            ))
            .fetch_all(pool)
            .await?
        }))
    }

    /// One published article, if it still is.
    pub async fn published_article(&self, id: &str) -> Result<Option<IndexArticle>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as::<_, IndexArticle>(&format!(
                "SELECT {COLUMNS} FROM kb_articles WHERE status = 'published' AND id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Every register service.
    pub async fn services_for_index(&self) -> Result<Vec<IndexService>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as::<_, IndexService>(
                "SELECT code, name_lv, name_en, description_lv, description_en FROM services ORDER BY code",
            )
            .fetch_all(pool)
            .await?
        }))
    }
}
