//! The knowledge-base index: articles (and services, for the assistant) in
//! tantivy, one index per node, derived from the database. Latvian text goes
//! to `*_lv` fields with the Latvian analyzer, English to `*_en`.

use crate::fuzzy::Vocabulary;
use crate::lexicon::Lexicon;
use crate::tokenizer::{self, ENGLISH, LATVIAN};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, RwLock};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Directory(String),
    #[error("the search index lock is poisoned")]
    Poisoned,
    #[error(transparent)]
    Embed(#[from] crate::semantic::EmbedError),
}

pub type Result<T> = std::result::Result<T, SearchError>;

/// What a document is: an article people read, or a service of the
/// register (indexed so the assistant knows a question names a service the
/// knowledge base has no article for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Article,
    Service,
}

impl DocKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DocKind::Article => "article",
            DocKind::Service => "service",
        }
    }
}

/// One document to index.
#[derive(Debug, Clone)]
pub struct IndexDoc {
    pub id: String,
    pub version: i64,
    pub kind: DocKind,
    /// `lv` or `en`.
    pub lang: String,
    /// `public` or `internal`.
    pub audience: String,
    pub title: String,
    /// Markdown or plain text.
    pub body: String,
    pub tags: Vec<String>,
    /// Service codes the document answers (a service document: its own code).
    pub services: Vec<String>,
    /// Names of the services and life situations it answers: weak evidence.
    pub context: String,
    /// The original's id for a translation, else its own: one answer per group.
    pub group: String,
}

#[derive(Clone, Copy)]
pub(crate) struct TextFields {
    pub title: Field,
    pub tags: Field,
    pub body: Field,
    pub context: Field,
}

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub version: Field,
    pub kind: Field,
    pub lang: Field,
    pub audience: Field,
    pub services: Field,
    pub group: Field,
    pub title: Field,
    pub body: Field,
    pub lv: TextFields,
    pub en: TextFields,
}

/// Bumped when the schema or the analyzers change: an index on disk with
/// another version is rebuilt from the database.
pub const SCHEMA_VERSION: u32 = 1;

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |name: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(name)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let texts = |b: &mut tantivy::schema::SchemaBuilder, lang: &str| TextFields {
        title: b.add_text_field(&format!("title_{lang}"), text(lang)),
        tags: b.add_text_field(&format!("tags_{lang}"), text(lang)),
        body: b.add_text_field(&format!("body_{lang}"), text(lang)),
        context: b.add_text_field(&format!("context_{lang}"), text(lang)),
    };
    let lv = texts(&mut b, LATVIAN);
    let en = texts(&mut b, ENGLISH);
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED | FAST),
        version: b.add_i64_field("version", STORED | FAST | INDEXED),
        kind: b.add_text_field("kind", STRING | STORED),
        lang: b.add_text_field("lang", STRING | STORED),
        audience: b.add_text_field("audience", STRING | STORED),
        services: b.add_text_field("services", STRING | STORED),
        group: b.add_text_field("group", STRING | STORED),
        title: b.add_text_field("title", STORED),
        body: b.add_text_field("body", STORED),
        lv,
        en,
    };
    (b.build(), fields)
}

/// The index and what is derived from it in memory.
pub struct KbIndex {
    pub(crate) reader: IndexReader,
    writer: Mutex<IndexWriter>,
    pub(crate) fields: Fields,
    /// Article or service id → indexed version, to follow the database.
    versions: RwLock<HashMap<String, i64>>,
    /// Latvian terms of the index, for typo tolerance.
    pub(crate) vocabulary: RwLock<Vocabulary>,
    pub(crate) lexicon: Lexicon,
    pub(crate) weights: crate::query::Weights,
    /// The semantic side, once an embedding engine is given and the
    /// documents are embedded (until then the assistant is lexical only).
    pub(crate) semantic: RwLock<Option<crate::semantic::SemanticIndex>>,
    pub(crate) embedder: std::sync::OnceLock<std::sync::Arc<dyn crate::semantic::Embed>>,
    /// One writer of the semantic side at a time (enabling it, or an apply).
    pub(crate) semantic_writer: Mutex<()>,
    pub(crate) models: crate::confidence::Models,
}

/// Memory the writer may buffer before it flushes a segment.
const WRITER_BUFFER: usize = 32 * 1024 * 1024;

impl KbIndex {
    /// An index held in memory, built from scratch (tests, small installations).
    pub fn in_memory() -> Result<KbIndex> {
        let (schema, fields) = schema();
        Self::with_index(Index::create_in_ram(schema), fields)
    }

    /// The index in `dir`, created when missing and recreated when it was
    /// written by another schema version. The caller then brings it up to
    /// date with [`KbIndex::sync`].
    pub fn open(dir: &Path) -> Result<KbIndex> {
        let (schema, fields) = schema();
        let stamp = dir.join("atbalsts-schema-version");
        let current = std::fs::read_to_string(&stamp)
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok())
            == Some(SCHEMA_VERSION);
        if !current && dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| {
                SearchError::Directory(format!("removing the old index {}: {e}", dir.display()))
            })?;
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| SearchError::Directory(format!("creating {}: {e}", dir.display())))?;
        let directory = tantivy::directory::MmapDirectory::open(dir)
            .map_err(|e| SearchError::Directory(format!("{}: {e}", dir.display())))?;
        let index = Index::open_or_create(directory, schema)?;
        std::fs::write(&stamp, SCHEMA_VERSION.to_string())
            .map_err(|e| SearchError::Directory(format!("writing {}: {e}", stamp.display())))?;
        Self::with_index(index, fields)
    }

    fn with_index(index: Index, fields: Fields) -> Result<KbIndex> {
        index.tokenizers().register(LATVIAN, tokenizer::latvian());
        index.tokenizers().register(ENGLISH, tokenizer::english());
        let writer = index.writer_with_num_threads(1, WRITER_BUFFER)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let kb = KbIndex {
            reader,
            writer: Mutex::new(writer),
            fields,
            versions: RwLock::default(),
            vocabulary: RwLock::default(),
            lexicon: Lexicon::builtin(),
            weights: crate::query::Weights::default(),
            semantic: RwLock::default(),
            embedder: std::sync::OnceLock::new(),
            semantic_writer: Mutex::new(()),
            models: crate::confidence::Models::shipped(),
        };
        kb.refresh_derived()?;
        Ok(kb)
    }

    /// Rank with other weights (evaluation tools).
    pub fn set_weights(&mut self, weights: crate::query::Weights) {
        self.weights = weights;
    }

    /// Indexed versions, by id.
    pub fn versions(&self) -> Result<HashMap<String, i64>> {
        Ok(self
            .versions
            .read()
            .map_err(|_| SearchError::Poisoned)?
            .clone())
    }

    /// How many documents the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Add or replace `docs` and drop `removed`, in one commit.
    pub fn apply(&self, docs: &[IndexDoc], removed: &[String]) -> Result<()> {
        if docs.is_empty() && removed.is_empty() {
            return Ok(());
        }
        {
            let mut writer = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
            for id in removed.iter().chain(docs.iter().map(|d| &d.id)) {
                writer.delete_term(Term::from_field_text(self.fields.id, id));
            }
            for d in docs {
                writer.add_document(self.document(d))?;
            }
            writer.commit()?;
        }
        self.reader.reload()?;
        self.refresh_derived()?;
        self.apply_semantic(docs, removed)
    }

    /// Replace everything with `docs`, calling `progress` after each one.
    pub fn rebuild(&self, docs: &[IndexDoc], progress: &mut dyn FnMut(usize)) -> Result<()> {
        {
            let mut writer = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
            writer.delete_all_documents()?;
            for (n, d) in docs.iter().enumerate() {
                writer.add_document(self.document(d))?;
                progress(n + 1);
            }
            writer.commit()?;
        }
        self.reader.reload()?;
        self.refresh_derived()?;
        self.rebuild_semantic()
    }

    fn document(&self, d: &IndexDoc) -> TantivyDocument {
        let f = &self.fields;
        let text = if d.lang == "en" { f.en } else { f.lv };
        let mut document = doc!(
            f.id => d.id.as_str(),
            f.version => d.version,
            f.kind => d.kind.as_str(),
            f.lang => d.lang.as_str(),
            f.audience => d.audience.as_str(),
            f.group => d.group.as_str(),
            f.title => d.title.as_str(),
            f.body => d.body.as_str(),
            text.title => d.title.as_str(),
            text.body => d.body.as_str(),
            text.context => d.context.as_str(),
        );
        for tag in &d.tags {
            document.add_text(text.tags, tag);
        }
        for service in &d.services {
            document.add_text(f.services, service);
        }
        document
    }

    /// Re-read the id → version map and the vocabulary after a commit.
    fn refresh_derived(&self) -> Result<()> {
        let searcher = self.reader.searcher();
        let mut versions = HashMap::new();
        for segment in searcher.segment_readers() {
            let store = segment
                .get_store_reader(0)
                .map_err(tantivy::TantivyError::from)?;
            for doc_id in segment.doc_ids_alive() {
                let doc: TantivyDocument = store.get(doc_id)?;
                let id = doc.get_first(self.fields.id).and_then(|v| v.as_str());
                let version = doc.get_first(self.fields.version).and_then(|v| v.as_i64());
                if let (Some(id), Some(version)) = (id, version) {
                    versions.insert(id.to_string(), version);
                }
            }
        }
        let vocabulary = Vocabulary::read(
            &searcher,
            &[
                self.fields.lv.title,
                self.fields.lv.tags,
                self.fields.lv.body,
            ],
        )?;
        *self.versions.write().map_err(|_| SearchError::Poisoned)? = versions;
        *self.vocabulary.write().map_err(|_| SearchError::Poisoned)? = vocabulary;
        Ok(())
    }
}

impl KbIndex {
    /// Whether any article answers the service `code`.
    pub fn has_article_for(&self, code: &str) -> Result<bool> {
        use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
        let term = |field: Field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            ))
        };
        let query = BooleanQuery::new(vec![
            (Occur::Must, term(self.fields.services, code)),
            (
                Occur::Must,
                term(self.fields.kind, DocKind::Article.as_str()),
            ),
        ]);
        Ok(self
            .reader
            .searcher()
            .search(&query, &tantivy::collector::Count)?
            > 0)
    }
}

/// Compare what the database holds (id → version) with the index: what to
/// (re)index and what to drop.
pub fn plan_sync(
    database: &HashMap<String, i64>,
    indexed: &HashMap<String, i64>,
) -> (Vec<String>, Vec<String>) {
    let mut stale: Vec<String> = database
        .iter()
        .filter(|(id, v)| indexed.get(*id) != Some(v))
        .map(|(id, _)| id.clone())
        .collect();
    let mut gone: Vec<String> = indexed
        .keys()
        .filter(|id| !database.contains_key(*id))
        .cloned()
        .collect();
    stale.sort();
    gone.sort();
    (stale, gone)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn article(id: &str, lang: &str, title: &str, body: &str) -> IndexDoc {
        IndexDoc {
            id: id.into(),
            version: 1,
            kind: DocKind::Article,
            lang: lang.into(),
            audience: "public".into(),
            title: title.into(),
            body: body.into(),
            tags: vec![],
            services: vec![],
            context: String::new(),
            group: id.into(),
        }
    }

    #[test]
    fn apply_replaces_and_removes() {
        let kb = KbIndex::in_memory().unwrap();
        kb.apply(&[article("a", "lv", "Pase", "Kā saņemt pasi")], &[])
            .unwrap();
        let mut newer = article("a", "lv", "Pase bērnam", "Kā saņemt pasi");
        newer.version = 2;
        kb.apply(&[newer, article("b", "lv", "Vīza", "")], &[])
            .unwrap();
        assert_eq!(kb.len(), 2);
        assert_eq!(kb.versions().unwrap()["a"], 2);
        kb.apply(&[], &["b".to_string()]).unwrap();
        assert_eq!(kb.len(), 1);
    }

    #[test]
    fn on_disk_index_survives_reopening() {
        let dir = std::env::temp_dir().join(format!("atbalsts-index-{}", std::process::id()));
        {
            let kb = KbIndex::open(&dir).unwrap();
            kb.apply(&[article("a", "lv", "Pase", "")], &[]).unwrap();
        }
        let kb = KbIndex::open(&dir).unwrap();
        assert_eq!(kb.versions().unwrap().get("a"), Some(&1));
        drop(kb);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sync_plan_finds_changed_new_and_gone() {
        let db = HashMap::from([("a".to_string(), 2), ("b".to_string(), 1)]);
        let ix = HashMap::from([("a".to_string(), 1), ("c".to_string(), 1)]);
        assert_eq!(
            plan_sync(&db, &ix),
            (
                vec!["a".to_string(), "b".to_string()],
                vec!["c".to_string()]
            )
        );
    }
}
