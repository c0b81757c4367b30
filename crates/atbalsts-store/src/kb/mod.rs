//! Knowledge-base articles: reading by audience and status ([`Viewer`]),
//! import with version history ([`import`]), editing with optimistic
//! concurrency, restore, diffs and the stale list ([`edit`]).
//!
//! Every write that changes an article's content or metadata sets a new
//! `version` and `updated_at = now` and appends the full snapshot to
//! `kb_versions` in the same transaction: the search index follows
//! `kb_articles` by `updated_at`. Views and feedback touch neither.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::model::{PersonRef, rfc3339};
use crate::now_micros;
use atbalsts_domain::access::ArticleFacts;
use atbalsts_domain::kb::Snapshot;
use atbalsts_domain::kb::render::render_html;
use atbalsts_domain::{Actor, StaffActor};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// Append one snapshot to the history (instantiated per backend by the callers).
macro_rules! insert_version {
    ($ex:expr, $id:expr, $version:expr, $s:expr, $editor:expr, $note:expr, $now:expr) => {{
        let s: &atbalsts_domain::kb::Snapshot = $s;
        sqlx::query(
            "INSERT INTO kb_versions (article_id, version, lang, translation_of, title, body, services, tags, \
             life_situations, audience, kind, status, review_by, edited_by, edited_at, note) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind($id)
        .bind($version)
        .bind(&s.lang)
        .bind(&s.translation_of)
        .bind(&s.title)
        .bind(&s.body)
        .bind($crate::kb::json_list(&s.services)?)
        .bind($crate::kb::json_list(&s.tags)?)
        .bind($crate::kb::json_list(&s.life_situations)?)
        .bind(&s.audience)
        .bind(&s.kind)
        .bind(&s.status)
        .bind(&s.review_by)
        .bind($editor)
        .bind($now)
        .bind($note)
        .execute($ex)
        .await?;
    }};
}

pub mod edit;
pub mod import;

pub use edit::{ArticleDiff, StaleArticle};

/// Another language version of the same article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Translation {
    pub id: String,
    /// `lv` or `en`.
    pub lang: String,
}

/// An article as readers get it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Article {
    /// Stable slug, e.g. `dzivesvietas-deklaresana`.
    pub id: String,
    /// `lv` or `en`.
    pub lang: String,
    /// For a translation: the id of the original.
    pub translation_of: Option<String>,
    /// The article in its other languages, linked either way (the original
    /// and every translation of it), as far as the reader may see them.
    pub translations: Vec<Translation>,
    pub institution: Option<String>,
    pub title: String,
    /// Markdown.
    pub body: String,
    /// The body rendered to HTML and sanitised (no scripts, no event handlers).
    pub html: String,
    /// `public` or `internal` (support staff only).
    pub audience: String,
    /// `faq`, `howto`, `known_error` or `policy`.
    pub kind: String,
    /// `draft`, `published` or `archived`.
    pub status: String,
    /// Raised by every change of content or metadata; an update must name it.
    pub version: i64,
    pub views: i64,
    pub services: Vec<String>,
    /// Codes of the life situations the article answers.
    pub life_situations: Vec<String>,
    pub tags: Vec<String>,
    /// The day by which the article is to be reviewed, `YYYY-MM-DD`.
    pub review_by: Option<String>,
    /// When content or metadata last changed (RFC 3339).
    pub updated_at: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct ArticleRow {
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
    life_situations: String,
    review_by: Option<String>,
    updated_at: i64,
}

pub(crate) fn json_list(v: &[String]) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn parse_list(id: &str, s: &str) -> Result<Vec<String>> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("article {id}: {e}")))
}

impl ArticleRow {
    fn snapshot(&self) -> Result<Snapshot> {
        Ok(Snapshot {
            lang: self.lang.clone(),
            translation_of: self.translation_of.clone(),
            title: self.title.clone(),
            body: self.body.clone(),
            services: parse_list(&self.id, &self.services)?,
            tags: parse_list(&self.id, &self.tags)?,
            life_situations: parse_list(&self.id, &self.life_situations)?,
            audience: self.audience.clone(),
            kind: self.kind.clone(),
            status: self.status.clone(),
            review_by: self.review_by.clone(),
        })
    }

    fn into_article(self, translations: Vec<Translation>) -> Result<Article> {
        Ok(Article {
            services: parse_list(&self.id, &self.services)?,
            tags: parse_list(&self.id, &self.tags)?,
            life_situations: parse_list(&self.id, &self.life_situations)?,
            html: render_html(&self.body),
            translations,
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
            review_by: self.review_by,
            updated_at: rfc3339(self.updated_at),
        })
    }
}

pub(crate) const COLUMNS: &str = "id, lang, translation_of, institution, title, body, audience, kind, status, version, views, services, tags, life_situations, review_by, updated_at";

/// Who reads, which decides the statuses and audiences they see.
#[derive(Debug, Clone, Copy)]
pub enum Viewer<'a> {
    /// Published public articles only.
    Public,
    /// Published articles, internal ones too.
    AnyStaff,
    /// Published articles, and every article this person may edit (drafts,
    /// archived ones) — see `domain::access::authorize_article_edit`.
    Staff(&'a StaffActor),
}

impl<'a> Viewer<'a> {
    pub fn of(actor: &'a Actor) -> Viewer<'a> {
        match actor {
            Actor::Staff(s) => Viewer::Staff(s),
            _ => Viewer::Public,
        }
    }

    fn sees(&self, a: &Link) -> bool {
        match self {
            Viewer::Public => a.status == "published" && a.audience == "public",
            Viewer::AnyStaff => a.status == "published",
            Viewer::Staff(s) => {
                a.status == "published" || may_edit(s, a.institution.as_deref(), &a.services)
            }
        }
    }
}

/// Whether the role writes articles and the article lies within the person's scopes.
pub(crate) fn may_edit(staff: &StaffActor, institution: Option<&str>, services: &str) -> bool {
    let services: Vec<String> = serde_json::from_str(services).unwrap_or_default();
    staff.role.edits_articles()
        && staff.covers_article(ArticleFacts {
            institution,
            services: &services,
        })
}

/// What visibility and translation links depend on.
#[derive(Debug, sqlx::FromRow)]
struct Link {
    id: String,
    lang: String,
    translation_of: Option<String>,
    status: String,
    audience: String,
    institution: Option<String>,
    services: String,
}

const LINK_COLUMNS: &str = "id, lang, translation_of, status, audience, institution, services";

impl Link {
    fn of(row: &ArticleRow) -> Link {
        Link {
            id: row.id.clone(),
            lang: row.lang.clone(),
            translation_of: row.translation_of.clone(),
            status: row.status.clone(),
            audience: row.audience.clone(),
            institution: row.institution.clone(),
            services: row.services.clone(),
        }
    }
}

/// The other language versions of `id`: its original and the original's
/// translations, those the viewer may see.
fn translations(
    viewer: Viewer<'_>,
    id: &str,
    of: Option<&str>,
    links: &[&Link],
) -> Vec<Translation> {
    let root = of.unwrap_or(id);
    let mut out: Vec<Translation> = links
        .iter()
        .filter(|l| l.id != id && (l.id == root || l.translation_of.as_deref() == Some(root)))
        .filter(|l| viewer.sees(l))
        .map(|l| Translation {
            id: l.id.clone(),
            lang: l.lang.clone(),
        })
        .collect();
    out.sort_by(|a, b| (&a.lang, &a.id).cmp(&(&b.lang, &b.id)));
    out
}

impl Store {
    /// Published articles; internal ones only when `staff`.
    pub async fn articles(
        &self,
        staff: bool,
        lang: Option<&str>,
        service: Option<&str>,
    ) -> Result<Vec<Article>> {
        let viewer = if staff {
            Viewer::AnyStaff
        } else {
            Viewer::Public
        };
        let (rows, links): (Vec<ArticleRow>, Vec<Link>) = on_pool!(self, |pool| {
            let rows = sqlx::query_as::<_, ArticleRow>(&format!(
                "SELECT {COLUMNS} FROM kb_articles WHERE status = 'published' AND (audience = 'public' OR $1) \
                 AND ($2 IS NULL OR lang = $2) ORDER BY id"
            ))
            .bind(staff)
            .bind(lang)
            .fetch_all(pool)
            .await?;
            let links = sqlx::query_as::<_, Link>(&format!(
                "SELECT {LINK_COLUMNS} FROM kb_articles WHERE status = 'published' AND (audience = 'public' OR $1)"
            ))
            .bind(staff)
            .fetch_all(pool)
            .await?;
            (rows, links)
        });
        let mut by_root: HashMap<&str, Vec<&Link>> = HashMap::new();
        for l in &links {
            by_root
                .entry(l.translation_of.as_deref().unwrap_or(&l.id))
                .or_default()
                .push(l);
        }
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            if let Some(s) = service
                && !parse_list(&row.id, &row.services)?.iter().any(|x| x == s)
            {
                continue;
            }
            let root = row.translation_of.as_deref().unwrap_or(&row.id);
            let group = by_root.get(root).map(Vec::as_slice).unwrap_or_default();
            let t = translations(viewer, &row.id, row.translation_of.as_deref(), group);
            out.push(row.into_article(t)?);
        }
        Ok(out)
    }

    /// One published article (internal ones only for staff); counts the view.
    pub async fn article(&self, staff: bool, id: &str) -> Result<Article> {
        let viewer = if staff {
            Viewer::AnyStaff
        } else {
            Viewer::Public
        };
        self.article_for(viewer, id).await
    }

    /// One article as `viewer` may see it — editors also get drafts and
    /// archived articles of their institutions. A published article's read
    /// counts as a view (which changes neither `version` nor `updated_at`).
    pub async fn article_for(&self, viewer: Viewer<'_>, id: &str) -> Result<Article> {
        let mut article = self.load_article(viewer, id).await?;
        if article.status == "published" {
            in_tx!(self, |tx| {
                sqlx::query("UPDATE kb_articles SET views = views + 1 WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            });
            // This view counts too.
            article.views += 1;
        }
        Ok(article)
    }

    /// The article with its translations, if `viewer` may see it; no view counted.
    pub(crate) async fn load_article(&self, viewer: Viewer<'_>, id: &str) -> Result<Article> {
        let not_found = || StoreError::NotFound(format!("article {id}"));
        let (row, links): (Option<ArticleRow>, Vec<Link>) = on_pool!(self, |pool| {
            let row = sqlx::query_as::<_, ArticleRow>(&format!(
                "SELECT {COLUMNS} FROM kb_articles WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?;
            let root = row
                .as_ref()
                .map(|r| r.translation_of.clone().unwrap_or_else(|| r.id.clone()));
            let links = match root {
                Some(root) => sqlx::query_as::<_, Link>(&format!(
                    "SELECT {LINK_COLUMNS} FROM kb_articles WHERE id = $1 OR translation_of = $1"
                ))
                .bind(root)
                .fetch_all(pool)
                .await?,
                None => Vec::new(),
            };
            (row, links)
        });
        let row = row.ok_or_else(not_found)?;
        if !viewer.sees(&Link::of(&row)) {
            return Err(not_found());
        }
        let links: Vec<&Link> = links.iter().collect();
        let t = translations(viewer, &row.id, row.translation_of.as_deref(), &links);
        row.into_article(t)
    }
}

/// One saved version of an article: the full snapshot, who saved it and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleVersion {
    pub version: i64,
    pub lang: String,
    pub translation_of: Option<String>,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub services: Vec<String>,
    pub tags: Vec<String>,
    pub life_situations: Vec<String>,
    pub audience: String,
    pub kind: String,
    pub status: String,
    pub review_by: Option<String>,
    /// The editor's change summary.
    pub note: Option<String>,
    /// Who saved it; none for imports.
    pub edited_by: Option<PersonRef>,
    pub edited_at: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct VersionRow {
    article_id: String,
    version: i64,
    lang: String,
    translation_of: Option<String>,
    title: String,
    body: String,
    services: String,
    tags: String,
    life_situations: String,
    audience: String,
    kind: String,
    status: String,
    review_by: Option<String>,
    note: Option<String>,
    edited_by: Option<i64>,
    editor_name: Option<String>,
    edited_at: i64,
}

pub(crate) const VERSION_COLUMNS: &str = "v.article_id, v.version, v.lang, v.translation_of, v.title, v.body, v.services, \
     v.tags, v.life_situations, v.audience, v.kind, v.status, v.review_by, v.note, v.edited_by, u.name AS editor_name, v.edited_at \
     FROM kb_versions v LEFT JOIN users u ON u.id = v.edited_by";

impl VersionRow {
    fn snapshot(&self) -> Result<Snapshot> {
        Ok(Snapshot {
            lang: self.lang.clone(),
            translation_of: self.translation_of.clone(),
            title: self.title.clone(),
            body: self.body.clone(),
            services: parse_list(&self.article_id, &self.services)?,
            tags: parse_list(&self.article_id, &self.tags)?,
            life_situations: parse_list(&self.article_id, &self.life_situations)?,
            audience: self.audience.clone(),
            kind: self.kind.clone(),
            status: self.status.clone(),
            review_by: self.review_by.clone(),
        })
    }

    fn into_version(self) -> Result<ArticleVersion> {
        let s = self.snapshot()?;
        Ok(ArticleVersion {
            version: self.version,
            lang: s.lang,
            translation_of: s.translation_of,
            title: s.title,
            body: s.body,
            services: s.services,
            tags: s.tags,
            life_situations: s.life_situations,
            audience: s.audience,
            kind: s.kind,
            status: s.status,
            review_by: s.review_by,
            note: self.note,
            edited_by: match (self.edited_by, self.editor_name) {
                (Some(id), Some(name)) => Some(PersonRef { id, name }),
                _ => None,
            },
            edited_at: rfc3339(self.edited_at),
        })
    }
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
        let rows: Vec<VersionRow> = on_pool!(self, |pool| {
            sqlx::query_as::<_, VersionRow>(&format!(
                "SELECT {VERSION_COLUMNS} WHERE v.article_id = $1 ORDER BY v.version DESC"
            ))
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        if rows.is_empty() {
            return Err(StoreError::NotFound(format!("article {id}")));
        }
        rows.into_iter().map(VersionRow::into_version).collect()
    }

    /// Record a reader's answer on a published article they may see.
    /// Feedback changes neither the article's `version` nor its `updated_at`.
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

/// An article in the staff workspace's list (no body).
#[derive(Debug, Clone, Serialize)]
pub struct ArticleListing {
    pub id: String,
    pub lang: String,
    pub translation_of: Option<String>,
    pub institution: Option<String>,
    pub title: String,
    pub audience: String,
    pub kind: String,
    pub status: String,
    pub version: i64,
    pub review_by: Option<String>,
    /// RFC 3339.
    pub updated_at: String,
    /// Whether this staff member may edit it.
    pub editable: bool,
}

impl Store {
    /// The articles a staff member sees in the workspace: every published
    /// one (internal ones too) and every one they may edit (drafts, archived),
    /// optionally of one status and one language, most recently changed first.
    pub async fn staff_articles(
        &self,
        staff: &StaffActor,
        status: Option<&str>,
        lang: Option<&str>,
    ) -> Result<Vec<ArticleListing>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: String,
            lang: String,
            translation_of: Option<String>,
            institution: Option<String>,
            title: String,
            audience: String,
            kind: String,
            status: String,
            version: i64,
            services: String,
            review_by: Option<String>,
            updated_at: i64,
        }
        let rows: Vec<Row> = on_pool!(self, |pool| {
            sqlx::query_as::<_, Row>(
                "SELECT id, lang, translation_of, institution, title, audience, kind, status, version, services, \
                 review_by, updated_at FROM kb_articles WHERE ($1 IS NULL OR status = $1) \
                 AND ($2 IS NULL OR lang = $2) ORDER BY updated_at DESC, id",
            )
            .bind(status)
            .bind(lang)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let editable = may_edit(staff, r.institution.as_deref(), &r.services);
                (editable || r.status == "published").then(|| ArticleListing {
                    id: r.id,
                    lang: r.lang,
                    translation_of: r.translation_of,
                    institution: r.institution,
                    title: r.title,
                    audience: r.audience,
                    kind: r.kind,
                    status: r.status,
                    version: r.version,
                    review_by: r.review_by,
                    updated_at: rfc3339(r.updated_at),
                    editable,
                })
            })
            .collect())
    }

    /// One article as `viewer` may see it, for an editor's screen: unlike
    /// [`Store::article_for`], opening it does not count as a view.
    pub async fn article_unviewed(&self, viewer: Viewer<'_>, id: &str) -> Result<Article> {
        self.load_article(viewer, id).await
    }
}
