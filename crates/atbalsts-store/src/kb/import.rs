//! `atbalsts import kb`: check every file, then write them all in one transaction.

use super::{ArticleRow, COLUMNS};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::now_micros;
use crate::registers::ImportReport;
use atbalsts_domain::FieldError;
use atbalsts_domain::kb::{ArticleFile, Snapshot};
use std::collections::{HashMap, HashSet};

impl Store {
    /// Check every file, then write them all in one transaction. A changed
    /// article (any field of its snapshot) gets a new version with its full
    /// snapshot; an unchanged one is not touched. New articles are published;
    /// existing ones keep their status.
    pub async fn import_articles(&self, files: &[ArticleFile]) -> Result<ImportReport> {
        let now = now_micros();
        let mut report = ImportReport::default();
        in_tx!(self, |tx| {
            let existing: Vec<ArticleRow> =
                sqlx::query_as(&format!("SELECT {COLUMNS} FROM kb_articles"))
                    .fetch_all(&mut *tx)
                    .await?;
            let services: Vec<(String, String)> =
                sqlx::query_as("SELECT code, institution FROM services")
                    .fetch_all(&mut *tx)
                    .await?;
            let situations: Vec<String> = sqlx::query_scalar("SELECT id FROM life_situations")
                .fetch_all(&mut *tx)
                .await?;
            let services: HashMap<&str, &str> = services
                .iter()
                .map(|(c, i)| (c.as_str(), i.as_str()))
                .collect();
            let situations: HashSet<&str> = situations.iter().map(String::as_str).collect();
            // (lang, translation_of) of every article as it will be after the import.
            let mut langs: HashMap<&str, (&str, Option<&str>)> = existing
                .iter()
                .map(|e| {
                    (
                        e.id.as_str(),
                        (e.lang.as_str(), e.translation_of.as_deref()),
                    )
                })
                .collect();
            for f in files {
                langs.insert(&f.id, (&f.lang, f.translation_of.as_deref()));
            }
            let mut errors = Vec::new();
            let mut seen = HashSet::new();
            for f in files {
                let at = |field: &str| format!("{}.md.{field}", f.id);
                if !seen.insert(f.id.as_str()) {
                    errors.push(FieldError::new(
                        format!("{}.md", f.id),
                        "the same id appears twice",
                    ));
                }
                if let Some(t) = &f.translation_of {
                    match langs.get(t.as_str()) {
                        None => errors.push(FieldError::new(at("translation_of"), format!("no article {t}"))),
                        Some((lang, _)) if *lang == f.lang => errors.push(FieldError::new(
                            at("translation_of"),
                            format!("{t} is in {lang} too: a translation links to an article in another language"),
                        )),
                        Some((_, Some(original))) => errors.push(FieldError::new(
                            at("translation_of"),
                            format!("{t} is itself a translation of {original}: link to {original}"),
                        )),
                        Some(_) => {}
                    }
                }
                for s in &f.services {
                    if !services.contains_key(s.as_str()) {
                        errors.push(FieldError::new(
                            at("services"),
                            format!("no service with code {s}"),
                        ));
                    }
                }
                for s in &f.life_situations {
                    if !situations.contains(s.as_str()) {
                        errors.push(FieldError::new(
                            at("life_situations"),
                            format!("no life situation with code {s}"),
                        ));
                    }
                }
            }
            if !errors.is_empty() {
                return Err(StoreError::invalid(errors));
            }
            for f in files {
                let prior = existing.iter().find(|e| e.id == f.id);
                let institution = f
                    .services
                    .first()
                    .and_then(|s| services.get(s.as_str()))
                    .map(|i| i.to_string())
                    .or_else(|| prior.and_then(|p| p.institution.clone()));
                let status = prior.map_or("published", |p| p.status.as_str());
                let next = Snapshot::of_file(f, status);
                let unchanged = match prior {
                    Some(p) => p.snapshot()? == next && p.institution == institution,
                    None => false,
                };
                let bucket = match prior {
                    _ if unchanged => &mut report.unchanged,
                    None => &mut report.created,
                    Some(_) => &mut report.updated,
                };
                *bucket.entry("articles".to_string()).or_insert(0) += 1;
                if unchanged {
                    continue;
                }
                let version = prior.map_or(1, |p| p.version + 1);
                sqlx::query(
                    "INSERT INTO kb_articles (id, lang, translation_of, institution, title, body, services, tags, \
                     life_situations, audience, kind, status, review_by, version, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) \
                     ON CONFLICT (id) DO UPDATE SET lang = excluded.lang, translation_of = excluded.translation_of, \
                     institution = excluded.institution, title = excluded.title, body = excluded.body, \
                     services = excluded.services, tags = excluded.tags, life_situations = excluded.life_situations, \
                     audience = excluded.audience, kind = excluded.kind, review_by = excluded.review_by, \
                     version = excluded.version, updated_at = excluded.updated_at",
                )
                .bind(&f.id)
                .bind(&next.lang)
                .bind(&next.translation_of)
                .bind(&institution)
                .bind(&next.title)
                .bind(&next.body)
                .bind(super::json_list(&next.services)?)
                .bind(super::json_list(&next.tags)?)
                .bind(super::json_list(&next.life_situations)?)
                .bind(&next.audience)
                .bind(&next.kind)
                .bind(&next.status)
                .bind(&next.review_by)
                .bind(version)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                insert_version!(
                    &mut *tx,
                    &f.id,
                    version,
                    &next,
                    None::<i64>,
                    Some("import"),
                    now
                );
            }
        });
        Ok(report)
    }
}
