//! The node's search index kept in step with the database: built at start,
//! then followed by polling published articles' versions (so edits made on
//! any node reach every node) and synced at once after this node's edits.
//! Unanswered questions are counted in memory and flushed to the gaps log.

use atbalsts_search::docs::{ArticleText, ServiceText, article_doc, service_docs};
use atbalsts_search::{IndexDoc, KbIndex, SearchError, plan_sync};
use atbalsts_store::Store;
use atbalsts_store::assistant::GapCount;
use atbalsts_store::kb_feed::IndexArticle;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] atbalsts_store::StoreError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error("the index task stopped: {0}")]
    Task(String),
}

/// What one sync changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SyncReport {
    pub indexed: usize,
    pub removed: usize,
}

/// A gap's question (folded), language and source.
type GapKey = (String, String, String);

/// An article search as the portal and the API ask for it.
#[derive(Debug, Clone)]
pub struct ArticleQuery {
    pub text: String,
    /// The language the query is written in.
    pub lang: atbalsts_search::Lang,
    pub only_lang: Option<atbalsts_search::Lang>,
    pub service: Option<String>,
    pub staff: bool,
    pub limit: usize,
}

pub struct SearchService {
    pub index: KbIndex,
    store: Store,
    /// One sync at a time; a request that finds one running waits for it.
    syncing: tokio::sync::Mutex<()>,
    gaps: Mutex<HashMap<GapKey, (String, i64)>>,
}

/// Gaps a node keeps between flushes (beyond this, new questions are dropped).
const MAX_PENDING_GAPS: usize = 10_000;

fn service_text(s: atbalsts_store::kb_feed::IndexService) -> ServiceText {
    // The version stands for the content, so a re-imported name re-indexes.
    let mut hasher = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(
        &(&s.name_lv, &s.name_en, &s.description_lv, &s.description_en),
        &mut hasher,
    );
    let version = (std::hash::Hasher::finish(&hasher) >> 1) as i64;
    ServiceText {
        code: s.code,
        name_lv: s.name_lv,
        name_en: s.name_en,
        description_lv: s.description_lv,
        description_en: s.description_en,
        version,
    }
}

fn article_text(a: IndexArticle) -> Result<ArticleText, SyncError> {
    Ok(ArticleText {
        tags: a.tags()?,
        services: a.services()?,
        id: a.id,
        version: a.version,
        lang: a.lang,
        translation_of: a.translation_of,
        audience: a.audience,
        title: a.title,
        body: a.body,
    })
}

impl SearchService {
    /// Open the index (in `dir`, or in memory) and bring it up to date.
    pub async fn open(store: Store, dir: Option<&Path>) -> Result<Arc<SearchService>, SyncError> {
        let index = match dir {
            Some(dir) => KbIndex::open(dir)?,
            None => KbIndex::in_memory()?,
        };
        let service = Arc::new(SearchService {
            index,
            store,
            syncing: tokio::sync::Mutex::new(()),
            gaps: Mutex::default(),
        });
        let report = service.sync().await?;
        tracing::info!(
            indexed = report.indexed,
            removed = report.removed,
            documents = service.index.len(),
            "search index ready"
        );
        Ok(service)
    }

    /// The register services by code, as the index needs them.
    async fn services(&self) -> Result<HashMap<String, ServiceText>, SyncError> {
        Ok(self
            .store
            .services_for_index()
            .await?
            .into_iter()
            .map(|s| (s.code.clone(), service_text(s)))
            .collect())
    }

    /// Bring the index in line with the database.
    pub async fn sync(self: &Arc<Self>) -> Result<SyncReport, SyncError> {
        let _one = self.syncing.lock().await;
        let services = self.services().await?;
        let mut database: HashMap<String, i64> =
            self.store.published_versions().await?.into_iter().collect();
        let mut service_docs_by_id: HashMap<String, IndexDoc> = HashMap::new();
        for s in services.values() {
            for d in service_docs(s) {
                database.insert(d.id.clone(), d.version);
                service_docs_by_id.insert(d.id.clone(), d);
            }
        }
        let indexed = self.index.versions()?;
        let (stale, gone) = plan_sync(&database, &indexed);
        if stale.is_empty() && gone.is_empty() {
            return Ok(SyncReport::default());
        }
        let mut docs = Vec::with_capacity(stale.len());
        let whole = stale.len() > 64;
        let mut all: HashMap<String, IndexArticle> = HashMap::new();
        if whole {
            all = self
                .store
                .published_articles()
                .await?
                .into_iter()
                .map(|a| (a.id.clone(), a))
                .collect();
        }
        for id in &stale {
            if let Some(d) = service_docs_by_id.remove(id) {
                docs.push(d);
                continue;
            }
            let article = if whole {
                all.remove(id)
            } else {
                self.store.published_article(id).await?
            };
            if let Some(a) = article {
                docs.push(article_doc(article_text(a)?, &services));
            }
        }
        let report = SyncReport {
            indexed: docs.len(),
            removed: gone.len(),
        };
        let this = Arc::clone(self);
        tokio::task::spawn_blocking(move || this.index.apply(&docs, &gone))
            .await
            .map_err(|e| SyncError::Task(e.to_string()))??;
        Ok(report)
    }

    /// Embed the knowledge base in the background and then answer with the
    /// semantic signal too; until it is done (or if it fails) the assistant
    /// stays lexical. Vectors are kept beside an on-disk index, so a restart
    /// embeds only what changed.
    pub fn enable_semantic(
        self: &Arc<Self>,
        embed: Arc<dyn atbalsts_search::semantic::Embed>,
        index_dir: Option<&Path>,
    ) -> tokio::task::JoinHandle<()> {
        let embed: Arc<dyn atbalsts_search::semantic::Embed> = match index_dir {
            Some(dir) => Arc::new(crate::vectors::CachedEmbed::new(
                embed,
                &dir.with_file_name(crate::vectors::VECTORS_DIR),
            )),
            None => embed,
        };
        let this = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let model = embed.model().to_string();
            let started = std::time::Instant::now();
            match this.index.enable_semantic(embed) {
                Ok(n) => tracing::info!(
                    model,
                    documents = n,
                    seconds = started.elapsed().as_secs_f32(),
                    "the assistant answers in semantic mode"
                ),
                Err(e) => tracing::warn!(
                    error = %e,
                    "embedding the knowledge base failed; the assistant stays lexical"
                ),
            }
        })
    }

    /// Articles for a query, on a blocking thread (ranking is CPU work). Gap
    /// counting stays with the caller, which knows where the query came from.
    pub async fn articles(
        self: &Arc<Self>,
        query: ArticleQuery,
    ) -> Result<atbalsts_search::SearchResult, crate::ApiError> {
        let this = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            this.index.search(&atbalsts_search::SearchRequest {
                text: &query.text,
                lang: query.lang,
                only_lang: query.only_lang,
                service: query.service.as_deref(),
                staff: query.staff,
                limit: query.limit,
                with_services: false,
                context: None,
            })
        })
        .await
        .map_err(|e| crate::ApiError::Unavailable(format!("search failed: {e}")))?
        .map_err(crate::ApiError::from)
    }

    /// After an edit on this node: index it before answering, so the editor
    /// finds it at once. The edit is saved either way; a failure here is
    /// repaired by the next poll.
    pub async fn after_edit(self: &Arc<Self>) {
        if let Err(e) = self.sync().await {
            tracing::warn!(error = %e, "indexing an edited article failed; the next poll retries");
        }
    }

    /// Rebuild from scratch, reporting progress as (done, total).
    pub async fn rebuild(
        self: &Arc<Self>,
        progress: impl FnMut(usize, usize) + Send + 'static,
    ) -> Result<usize, SyncError> {
        let _one = self.syncing.lock().await;
        let services = self.services().await?;
        let mut docs = Vec::new();
        for a in self.store.published_articles().await? {
            docs.push(article_doc(article_text(a)?, &services));
        }
        for s in services.values() {
            docs.extend(service_docs(s));
        }
        let total = docs.len();
        let this = Arc::clone(self);
        let mut progress = progress;
        tokio::task::spawn_blocking(move || {
            this.index.rebuild(&docs, &mut |done| progress(done, total))
        })
        .await
        .map_err(|e| SyncError::Task(e.to_string()))??;
        Ok(total)
    }

    /// Follow the database every `every` until the task is dropped; flush gaps too.
    pub fn follow(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let this = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = this.sync().await {
                    tracing::warn!(error = %e, "search index sync failed; retrying");
                }
                if let Err(e) = this.flush_gaps().await {
                    tracing::warn!(error = %e, "saving knowledge gaps failed; retrying");
                }
            }
        })
    }

    /// Count a question nothing answered (`source`: `search` or `assistant`).
    pub fn note_gap(&self, text: &str, lang: &str, source: &str) {
        let key = atbalsts_domain::validate::fold(text)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if key.is_empty() {
            return;
        }
        let key: String = key.chars().take(200).collect();
        let Ok(mut gaps) = self.gaps.lock() else {
            return;
        };
        let full = gaps.len() >= MAX_PENDING_GAPS;
        let k = (key, lang.to_string(), source.to_string());
        match gaps.get_mut(&k) {
            Some(entry) => entry.1 += 1,
            None if !full => {
                gaps.insert(k, (text.chars().take(500).collect(), 1));
            }
            None => {}
        }
    }

    /// Write the counted gaps to the database.
    pub async fn flush_gaps(&self) -> Result<(), SyncError> {
        let pending: Vec<GapCount> = {
            let Ok(mut gaps) = self.gaps.lock() else {
                return Ok(());
            };
            gaps.drain()
                .map(|((query, lang, source), (example, count))| GapCount {
                    query,
                    lang,
                    source,
                    example,
                    count,
                })
                .collect()
        };
        Ok(self.store.record_gaps(&pending).await?)
    }
}
