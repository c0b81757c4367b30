//! Editing: create, update (optimistic concurrency on `version`), status
//! changes and restores — each one transaction that writes the article and
//! appends its full snapshot to the history — plus single versions, diffs
//! and the list of articles due for review.
//!
//! Rights come from `domain::access::authorize_article_edit`: a role that
//! never writes articles is refused (403); an existing article outside the
//! editor's scopes is not found (404), as tickets are; an edit that would
//! leave the article outside them is refused (403).

use super::{ArticleRow, COLUMNS, LINK_COLUMNS, Link, VERSION_COLUMNS, VersionRow, Viewer};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::kb::{Article, ArticleVersion, json_list, may_edit};
use crate::model::rfc3339;
use crate::now_micros;
use atbalsts_domain::access::{ArticleFacts, authorize_article_edit};
use atbalsts_domain::kb::Snapshot;
use atbalsts_domain::kb::diff::{DiffHunk, line_diff};
use atbalsts_domain::refusal::Code;
use atbalsts_domain::{DomainError, FieldError, StaffActor};
use serde::Serialize;
use utoipa::ToSchema;

/// What an edit does.
enum Op {
    Create {
        institution: Option<String>,
        content: Snapshot,
    },
    /// New content and metadata; the status stays.
    Update(Snapshot),
    Status(String),
    Restore(i64),
}

/// The difference between two versions of an article.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleDiff {
    pub id: String,
    pub from: i64,
    pub to: i64,
    /// Unified diff of the two versions in the article file format (front
    /// matter, then the Markdown body); empty when they are equal.
    pub unified: String,
    /// The same changes as data.
    pub hunks: Vec<DiffHunk>,
}

/// A published article due for review: its review-by day has passed or was never set.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaleArticle {
    pub id: String,
    pub lang: String,
    pub title: String,
    pub institution: Option<String>,
    /// `YYYY-MM-DD`; none when no date was ever set.
    pub review_by: Option<String>,
    pub version: i64,
    pub updated_at: String,
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound(format!("article {id}"))
}

fn check_role(staff: &StaffActor) -> Result<()> {
    if staff.role.edits_articles() {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            Code::ArticleRole,
            format!(
                "the role {} may not write knowledge-base articles",
                staff.role
            ),
        )
        .into())
    }
}

/// Today's date in Latvia, `YYYY-MM-DD`.
fn today_in_riga() -> String {
    let riga = jiff::tz::TimeZone::get("Europe/Riga").unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::now().to_zoned(riga).date().to_string()
}

impl Store {
    /// A new article (version 1) owned by `institution`, or when none is
    /// given by the institution of its first service.
    pub async fn create_article(
        &self,
        staff: &StaffActor,
        id: &str,
        institution: Option<&str>,
        content: Snapshot,
        note: Option<&str>,
    ) -> Result<Article> {
        let op = Op::Create {
            institution: institution.map(str::to_string),
            content,
        };
        self.edit(staff, id, op, None, note).await
    }

    /// Replace the content and metadata of version `version` (the one the
    /// editor started from; a later one is a conflict). The status is kept.
    pub async fn update_article(
        &self,
        staff: &StaffActor,
        id: &str,
        version: i64,
        content: Snapshot,
        note: Option<&str>,
    ) -> Result<Article> {
        self.edit(staff, id, Op::Update(content), Some(version), note)
            .await
    }

    /// Draft, publish or archive; `version`, when given, must be the current one.
    pub async fn set_article_status(
        &self,
        staff: &StaffActor,
        id: &str,
        status: &str,
        version: Option<i64>,
        note: Option<&str>,
    ) -> Result<Article> {
        self.edit(staff, id, Op::Status(status.to_string()), version, note)
            .await
    }

    /// Make version `version`'s snapshot (status included) the article's
    /// content again, as a new version.
    pub async fn restore_article(
        &self,
        staff: &StaffActor,
        id: &str,
        version: i64,
        note: Option<&str>,
    ) -> Result<Article> {
        let note = note
            .map(str::to_string)
            .unwrap_or_else(|| format!("restored version {version}"));
        self.edit(staff, id, Op::Restore(version), None, Some(&note))
            .await
    }

    async fn edit(
        &self,
        staff: &StaffActor,
        id: &str,
        op: Op,
        expected: Option<i64>,
        note: Option<&str>,
    ) -> Result<Article> {
        check_role(staff)?;
        let now = now_micros();
        in_tx!(self, |tx| {
            let current: Option<ArticleRow> =
                sqlx::query_as(&format!("SELECT {COLUMNS} FROM kb_articles WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(c) = &current
                && !may_edit(staff, c.institution.as_deref(), &c.services)
            {
                return Err(not_found(id));
            }
            let mut errors: Vec<FieldError> = Vec::new();
            let (institution, next) = match op {
                Op::Create {
                    institution,
                    content,
                } => {
                    if current.is_some() {
                        return Err(StoreError::conflict(
                            Code::ArticleIdTaken,
                            format!(
                                "an article with the id {id} already exists; choose another id"
                            ),
                        ));
                    }
                    let institution = match institution {
                        Some(i) => {
                            let known: i64 = sqlx::query_scalar(
                                "SELECT COUNT(*) FROM institutions WHERE code = $1",
                            )
                            .bind(&i)
                            .fetch_one(&mut *tx)
                            .await?;
                            if known == 0 {
                                errors.push(FieldError::new(
                                    "institution",
                                    format!("no institution with code {i}"),
                                ));
                            }
                            Some(i)
                        }
                        None => match content.services.first() {
                            Some(s) => {
                                sqlx::query_scalar::<_, String>(
                                    "SELECT institution FROM services WHERE code = $1",
                                )
                                .bind(s)
                                .fetch_optional(&mut *tx)
                                .await?
                            }
                            None => {
                                errors.push(FieldError::new(
                                    "institution",
                                    "give the owning institution, or at least one service (its institution then owns the article)",
                                ));
                                None
                            }
                        },
                    };
                    (institution, content)
                }
                op => {
                    let c = current.as_ref().ok_or_else(|| not_found(id))?;
                    if let Some(v) = expected
                        && v != c.version
                    {
                        return Err(StoreError::conflict(
                            Code::ArticleStale,
                            format!(
                                "article {id} has changed since you opened it: you edited version {v}, \
                             it is now at version {}. Reload it, apply your changes again and save",
                                c.version
                            ),
                        ));
                    }
                    let cur = c.snapshot()?;
                    let next = match op {
                        Op::Update(mut s) => {
                            s.status = cur.status.clone();
                            s
                        }
                        Op::Status(status) => Snapshot { status, ..cur },
                        Op::Restore(n) => {
                            let row: Option<VersionRow> = sqlx::query_as(&format!(
                                "SELECT {VERSION_COLUMNS} WHERE v.article_id = $1 AND v.version = $2"
                            ))
                            .bind(id)
                            .bind(n)
                            .fetch_optional(&mut *tx)
                            .await?;
                            row.ok_or_else(|| {
                                StoreError::NotFound(format!("version {n} of article {id}"))
                            })?
                            .snapshot()?
                        }
                        Op::Create { .. } => return Err(not_found(id)),
                    };
                    (c.institution.clone(), next)
                }
            };

            // References: registers, and the translation links.
            for s in &next.services {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM services WHERE code = $1")
                    .bind(s)
                    .fetch_one(&mut *tx)
                    .await?;
                if n == 0 {
                    errors.push(FieldError::new(
                        "services",
                        format!("no service with code {s}"),
                    ));
                }
            }
            for s in &next.life_situations {
                let n: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM life_situations WHERE id = $1")
                        .bind(s)
                        .fetch_one(&mut *tx)
                        .await?;
                if n == 0 {
                    errors.push(FieldError::new(
                        "life_situations",
                        format!("no life situation with code {s}"),
                    ));
                }
            }
            if let Some(t) = &next.translation_of {
                let original: Option<(String, Option<String>)> =
                    sqlx::query_as("SELECT lang, translation_of FROM kb_articles WHERE id = $1")
                        .bind(t)
                        .fetch_optional(&mut *tx)
                        .await?;
                let problem = match original {
                    _ if t == id => {
                        Some("an article cannot be a translation of itself".to_string())
                    }
                    None => Some(format!("no article {t}")),
                    Some((lang, _)) if lang == next.lang => Some(format!(
                        "{t} is in {lang} too: a translation links to an article in another language"
                    )),
                    Some((_, Some(o))) => {
                        Some(format!("{t} is itself a translation of {o}: link to {o}"))
                    }
                    Some(_) => None,
                };
                if let Some(p) = problem {
                    errors.push(FieldError::new("translation_of", p));
                }
            }
            let dependants: Vec<(String, String)> = sqlx::query_as(
                "SELECT id, lang FROM kb_articles WHERE translation_of = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            if !dependants.is_empty() && next.translation_of.is_some() {
                let ids: Vec<&str> = dependants.iter().map(|d| d.0.as_str()).collect();
                errors.push(FieldError::new(
                    "translation_of",
                    format!(
                        "{} translate this article, so it cannot be a translation itself",
                        ids.join(", ")
                    ),
                ));
            }
            if let Some((d, lang)) = dependants.iter().find(|d| d.1 == next.lang) {
                errors.push(FieldError::new(
                    "lang",
                    format!("{d} is this article's translation in {lang}; an article and its translations differ in language"),
                ));
            }
            if !errors.is_empty() {
                return Err(StoreError::invalid(errors));
            }
            // The article as the edit leaves it must be the editor's too.
            authorize_article_edit(
                staff,
                ArticleFacts {
                    institution: institution.as_deref(),
                    services: &next.services,
                },
            )?;

            let unchanged = match &current {
                Some(c) => c.snapshot()? == next,
                None => false,
            };
            if !unchanged {
                let version = current.as_ref().map_or(1, |c| c.version + 1);
                let services = json_list(&next.services)?;
                let tags = json_list(&next.tags)?;
                let situations = json_list(&next.life_situations)?;
                let written = match &current {
                    None => sqlx::query(
                        "INSERT INTO kb_articles (id, lang, translation_of, institution, title, body, services, tags, \
                         life_situations, audience, kind, status, review_by, version, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $14) \
                         ON CONFLICT (id) DO NOTHING",
                    )
                    .bind(id)
                    .bind(&next.lang)
                    .bind(&next.translation_of)
                    .bind(&institution)
                    .bind(&next.title)
                    .bind(&next.body)
                    .bind(&services)
                    .bind(&tags)
                    .bind(&situations)
                    .bind(&next.audience)
                    .bind(&next.kind)
                    .bind(&next.status)
                    .bind(&next.review_by)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected(),
                    Some(c) => sqlx::query(
                        "UPDATE kb_articles SET lang = $2, translation_of = $3, title = $4, body = $5, services = $6, \
                         tags = $7, life_situations = $8, audience = $9, kind = $10, status = $11, review_by = $12, \
                         version = $13, updated_at = $14 WHERE id = $1 AND version = $15",
                    )
                    .bind(id)
                    .bind(&next.lang)
                    .bind(&next.translation_of)
                    .bind(&next.title)
                    .bind(&next.body)
                    .bind(&services)
                    .bind(&tags)
                    .bind(&situations)
                    .bind(&next.audience)
                    .bind(&next.kind)
                    .bind(&next.status)
                    .bind(&next.review_by)
                    .bind(version)
                    .bind(now)
                    .bind(c.version)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected(),
                };
                if written == 0 {
                    // Another edit committed between our read and our write (PostgreSQL).
                    return Err(StoreError::conflict(
                        Code::ArticleConcurrent,
                        format!(
                            "article {id} was changed by someone else at the same moment; reload it and try again"
                        ),
                    ));
                }
                insert_version!(&mut *tx, id, version, &next, Some(staff.user_id), note, now);
            }
        });
        self.load_article(Viewer::Staff(staff), id).await
    }

    /// Whether `viewer` may see the article at all (its history goes with it).
    async fn ensure_visible(&self, viewer: Viewer<'_>, id: &str) -> Result<()> {
        let link: Option<Link> = on_pool!(self, |pool| {
            sqlx::query_as::<_, Link>(&format!(
                "SELECT {LINK_COLUMNS} FROM kb_articles WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        match link {
            Some(l) if viewer.sees(&l) => Ok(()),
            _ => Err(not_found(id)),
        }
    }

    /// Every version of an article the staff member may see, newest first.
    pub async fn article_history(
        &self,
        staff: &StaffActor,
        id: &str,
    ) -> Result<Vec<ArticleVersion>> {
        self.ensure_visible(Viewer::Staff(staff), id).await?;
        self.article_versions(id).await
    }

    async fn version_row(&self, id: &str, n: i64) -> Result<VersionRow> {
        let row: Option<VersionRow> = on_pool!(self, |pool| {
            sqlx::query_as::<_, VersionRow>(&format!(
                "SELECT {VERSION_COLUMNS} WHERE v.article_id = $1 AND v.version = $2"
            ))
            .bind(id)
            .bind(n)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or_else(|| StoreError::NotFound(format!("version {n} of article {id}")))
    }

    /// Version `n` of an article the staff member may see.
    pub async fn article_version(
        &self,
        staff: &StaffActor,
        id: &str,
        n: i64,
    ) -> Result<ArticleVersion> {
        self.ensure_visible(Viewer::Staff(staff), id).await?;
        self.version_row(id, n).await?.into_version()
    }

    /// What changed from version `from` to version `to`.
    pub async fn article_diff(
        &self,
        staff: &StaffActor,
        id: &str,
        from: i64,
        to: i64,
    ) -> Result<ArticleDiff> {
        self.ensure_visible(Viewer::Staff(staff), id).await?;
        let old = self.version_row(id, from).await?.snapshot()?;
        let new = self.version_row(id, to).await?.snapshot()?;
        let changes = line_diff(
            &format!("{id} version {from}"),
            &old.to_text(),
            &format!("{id} version {to}"),
            &new.to_text(),
        );
        Ok(ArticleDiff {
            id: id.to_string(),
            from,
            to,
            unified: changes.unified,
            hunks: changes.hunks,
        })
    }

    /// Published articles the staff member may edit whose review-by day has
    /// passed (in Latvia) or was never set: those without a date first, then
    /// the longest overdue.
    pub async fn stale_articles(&self, staff: &StaffActor) -> Result<Vec<StaleArticle>> {
        check_role(staff)?;
        let today = today_in_riga();
        #[derive(sqlx::FromRow)]
        struct Row {
            id: String,
            lang: String,
            title: String,
            institution: Option<String>,
            services: String,
            review_by: Option<String>,
            version: i64,
            updated_at: i64,
        }
        let rows: Vec<Row> = on_pool!(self, |pool| {
            sqlx::query_as::<_, Row>(
                "SELECT id, lang, title, institution, services, review_by, version, updated_at FROM kb_articles \
                 WHERE status = 'published' AND (review_by IS NULL OR review_by < $1) \
                 ORDER BY COALESCE(review_by, ''), id",
            )
            .bind(&today)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .filter(|r| may_edit(staff, r.institution.as_deref(), &r.services))
            .map(|r| StaleArticle {
                id: r.id,
                lang: r.lang,
                title: r.title,
                institution: r.institution,
                review_by: r.review_by,
                version: r.version,
                updated_at: rfc3339(r.updated_at),
            })
            .collect())
    }
}
