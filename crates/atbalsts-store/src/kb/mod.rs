//! Knowledge-base articles: import with version history, and reading.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::now_micros;
use crate::registers::ImportReport;
use atbalsts_domain::FieldError;
use atbalsts_domain::kb::ArticleFile;
use serde::Serialize;
use std::collections::HashSet;
use utoipa::ToSchema;

/// An article as readers get it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Article {
    /// Stable slug, e.g. `dzivesvietas-deklaresana`.
    pub id: String,
    /// `lv` or `en`.
    pub lang: String,
    /// For a translation: the id of the original.
    pub translation_of: Option<String>,
    pub institution: Option<String>,
    pub title: String,
    /// Markdown.
    pub body: String,
    /// `public` or `internal` (support staff only).
    pub audience: String,
    /// `faq`, `howto`, `known_error` or `policy`.
    pub kind: String,
    /// `draft`, `published` or `archived`.
    pub status: String,
    pub version: i64,
    pub views: i64,
    pub services: Vec<String>,
    pub tags: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct ArticleRow {
    id: String,
    lang: String,
    translation_of: Option<String>,
    institution: Option<String>,
    title: String,
    body: String,
    audience: String,
    kind: String,
    status: String,
    version: i64,
    views: i64,
    services: String,
    tags: String,
}

impl ArticleRow {
    fn into_article(self) -> Result<Article> {
        let list = |s: &str| {
            serde_json::from_str(s)
                .map_err(|e| StoreError::Corrupt(format!("article {}: {e}", self.id)))
        };
        Ok(Article {
            services: list(&self.services)?,
            tags: list(&self.tags)?,
            id: self.id,
            lang: self.lang,
            translation_of: self.translation_of,
            institution: self.institution,
            title: self.title,
            body: self.body,
            audience: self.audience,
            kind: self.kind,
            status: self.status,
            version: self.version,
            views: self.views,
        })
    }
}

const COLUMNS: &str = "id, lang, translation_of, institution, title, body, audience, kind, status, version, views, services, tags";

impl Store {
    /// Check every file, then write them all in one transaction. A changed
    /// article gets a new version; an unchanged one is left as it is.
    pub async fn import_articles(&self, files: &[ArticleFile]) -> Result<ImportReport> {
        let now = now_micros();
        let mut report = ImportReport::default();
        in_tx!(self, |tx| {
            let existing: Vec<(String, String, String, i64)> =
                sqlx::query_as("SELECT id, title, body, version FROM kb_articles")
                    .fetch_all(&mut *tx)
                    .await?;
            let services: Vec<(String, String)> =
                sqlx::query_as("SELECT code, institution FROM services")
                    .fetch_all(&mut *tx)
                    .await?;
            let ids: HashSet<&str> = files
                .iter()
                .map(|f| f.id.as_str())
                .chain(existing.iter().map(|e| e.0.as_str()))
                .collect();
            let mut errors = Vec::new();
            let mut seen = HashSet::new();
            for f in files {
                if !seen.insert(f.id.as_str()) {
                    errors.push(FieldError::new(
                        format!("{}.md", f.id),
                        "the same id appears twice",
                    ));
                }
                if let Some(t) = &f.translation_of
                    && !ids.contains(t.as_str())
                {
                    errors.push(FieldError::new(
                        format!("{}.md.translation_of", f.id),
                        format!("no article {t}"),
                    ));
                }
                for s in &f.services {
                    if !services.iter().any(|(code, _)| code == s) {
                        errors.push(FieldError::new(
                            format!("{}.md.services", f.id),
                            format!("no service with code {s}"),
                        ));
                    }
                }
            }
            if !errors.is_empty() {
                return Err(StoreError::invalid(errors));
            }
            for f in files {
                let institution = f
                    .services
                    .first()
                    .and_then(|s| services.iter().find(|(code, _)| code == s))
                    .map(|(_, i)| i.clone());
                let services_json = serde_json::to_string(&f.services)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let tags_json = serde_json::to_string(&f.tags)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let prior = existing.iter().find(|e| e.0 == f.id);
                let version = match prior {
                    Some((_, title, body, v)) if title == &f.title && body == &f.body => *v,
                    Some((_, _, _, v)) => v + 1,
                    None => 1,
                };
                sqlx::query(
                    "INSERT INTO kb_articles (id, lang, translation_of, institution, title, body, services, tags, audience, \
                     kind, status, version, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'published', $11, $12, $12) \
                     ON CONFLICT (id) DO UPDATE SET lang = excluded.lang, translation_of = excluded.translation_of, \
                     institution = excluded.institution, title = excluded.title, body = excluded.body, \
                     services = excluded.services, tags = excluded.tags, audience = excluded.audience, \
                     kind = excluded.kind, version = excluded.version, updated_at = excluded.updated_at",
                )
                .bind(&f.id)
                .bind(&f.lang)
                .bind(&f.translation_of)
                .bind(&institution)
                .bind(&f.title)
                .bind(&f.body)
                .bind(&services_json)
                .bind(&tags_json)
                .bind(&f.audience)
                .bind(&f.kind)
                .bind(version)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let changed = prior.is_none_or(|p| p.3 != version);
                if changed {
                    sqlx::query(
                        "INSERT INTO kb_versions (article_id, version, title, body, edited_at) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&f.id)
                    .bind(version)
                    .bind(&f.title)
                    .bind(&f.body)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                let bucket = match (prior, changed) {
                    (None, _) => &mut report.created,
                    (Some(_), true) => &mut report.updated,
                    (Some(_), false) => &mut report.unchanged,
                };
                *bucket.entry("articles".to_string()).or_insert(0) += 1;
            }
        });
        Ok(report)
    }

    /// Published articles; internal ones only when `staff`.
    pub async fn articles(
        &self,
        staff: bool,
        lang: Option<&str>,
        service: Option<&str>,
    ) -> Result<Vec<Article>> {
        let rows: Vec<ArticleRow> = on_pool!(self, |pool| {
            sqlx::query_as::<_, ArticleRow>(&format!(
                "SELECT {COLUMNS} FROM kb_articles WHERE status = 'published' AND (audience = 'public' OR $1) \
                 AND ($2 IS NULL OR lang = $2) ORDER BY id"
            ))
            .bind(staff)
            .bind(lang)
            .fetch_all(pool)
            .await?
        });
        let mut rows = rows
            .into_iter()
            .map(ArticleRow::into_article)
            .collect::<Result<Vec<_>>>()?;
        if let Some(s) = service {
            rows.retain(|a| a.services.iter().any(|x| x == s));
        }
        Ok(rows)
    }

    /// One published article (internal ones only for staff); counts the view.
    pub async fn article(&self, staff: bool, id: &str) -> Result<Article> {
        let article: Option<ArticleRow> = on_pool!(self, |pool| {
            sqlx::query_as::<_, ArticleRow>(&format!(
                "SELECT {COLUMNS} FROM kb_articles WHERE id = $1 AND status = 'published' AND (audience = 'public' OR $2)"
            ))
            .bind(id)
            .bind(staff)
            .fetch_optional(pool)
            .await?
        });
        let mut article = article
            .ok_or_else(|| StoreError::NotFound(format!("article {id}")))?
            .into_article()?;
        in_tx!(self, |tx| {
            sqlx::query("UPDATE kb_articles SET views = views + 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        });
        // This view counts too.
        article.views += 1;
        Ok(article)
    }
}

/// One saved version of an article.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct ArticleVersion {
    pub version: i64,
    pub title: String,
    pub body: String,
    #[serde(skip)]
    #[sqlx(rename = "edited_at")]
    pub edited_micros: i64,
    #[sqlx(skip)]
    pub edited_at: String,
}

/// Readers' answers to "was this helpful?".
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct FeedbackCounts {
    pub helpful: i64,
    pub not_helpful: i64,
}

impl Store {
    /// Every version of an article, newest first (staff read this).
    pub async fn article_versions(&self, id: &str) -> Result<Vec<ArticleVersion>> {
        let mut rows: Vec<ArticleVersion> = on_pool!(self, |pool| {
            sqlx::query_as::<_, ArticleVersion>(
                "SELECT version, title, body, edited_at FROM kb_versions WHERE article_id = $1 ORDER BY version DESC",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        if rows.is_empty() {
            return Err(StoreError::NotFound(format!("article {id}")));
        }
        for v in &mut rows {
            v.edited_at = crate::model::rfc3339(v.edited_micros);
        }
        Ok(rows)
    }

    /// Record a reader's answer on a published article they may see.
    pub async fn article_feedback(
        &self,
        staff: bool,
        id: &str,
        helpful: bool,
        comment: Option<&str>,
    ) -> Result<FeedbackCounts> {
        let now = now_micros();
        let counts: (i64, i64) = in_tx!(self, |tx| {
            let visible: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM kb_articles WHERE id = $1 AND status = 'published' AND (audience = 'public' OR $2)",
            )
            .bind(id)
            .bind(staff)
            .fetch_one(&mut *tx)
            .await?;
            if visible == 0 {
                return Err(StoreError::NotFound(format!("article {id}")));
            }
            sqlx::query("INSERT INTO kb_feedback (article_id, helpful, comment, created_at) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(helpful)
                .bind(comment)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query_as(
                "SELECT COALESCE(SUM(CASE WHEN helpful THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN helpful THEN 0 ELSE 1 END), 0) FROM kb_feedback WHERE article_id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?
        });
        Ok(FeedbackCounts {
            helpful: counts.0,
            not_helpful: counts.1,
        })
    }
}
