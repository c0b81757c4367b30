//! The index's semantic side: given an embedding engine, every indexed
//! document is embedded once and kept beside the tantivy index, and each
//! later apply embeds what it changes. Embedding is slow (tens of
//! milliseconds a passage), so callers enable it off the request path; until
//! it is ready the assistant answers from the lexical signals alone.

use crate::index::{DocKind, IndexDoc, KbIndex, Result, SearchError};
use crate::semantic::{Embed, SemanticIndex, SemanticView};
use std::sync::Arc;
use tantivy::TantivyDocument;
use tantivy::schema::Value;

/// Which signals the assistant decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Lexical,
    /// Lexical and semantic, with the model named.
    Semantic,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Lexical => "lexical",
            Mode::Semantic => "semantic",
        }
    }
}

impl KbIndex {
    /// Embed every indexed document with `embed` and keep the vectors
    /// (blocking: call it off the request path). A second engine is refused.
    pub fn enable_semantic(&self, embed: Arc<dyn Embed>) -> Result<usize> {
        let _one = self
            .semantic_writer
            .lock()
            .map_err(|_| SearchError::Poisoned)?;
        if self.embedder.set(embed).is_err() {
            return Err(SearchError::Directory(
                "an embedding engine is already set".into(),
            ));
        }
        self.rebuild_semantic_locked()
    }

    /// Re-embed everything (after a rebuild of the lexical index).
    pub(crate) fn rebuild_semantic(&self) -> Result<()> {
        if self.embedder.get().is_none() {
            return Ok(());
        }
        let _one = self
            .semantic_writer
            .lock()
            .map_err(|_| SearchError::Poisoned)?;
        self.rebuild_semantic_locked().map(|_| ())
    }

    fn rebuild_semantic_locked(&self) -> Result<usize> {
        let Some(embed) = self.embedder.get() else {
            return Ok(0);
        };
        // The documents are read after the engine is set: an apply that
        // committed before this read is in it, one after it re-applies its
        // own documents once this holds no more of the writer lock.
        let docs = self.stored_docs()?;
        let mut index = SemanticIndex::new(embed.as_ref())?;
        index.apply(SemanticIndex::embed_docs(embed.as_ref(), &docs)?, &[]);
        let n = index.len();
        *self.semantic.write().map_err(|_| SearchError::Poisoned)? = Some(index);
        Ok(n)
    }

    /// Embed what an apply changed.
    pub(crate) fn apply_semantic(&self, docs: &[IndexDoc], removed: &[String]) -> Result<()> {
        let Some(embed) = self.embedder.get() else {
            return Ok(());
        };
        let _one = self
            .semantic_writer
            .lock()
            .map_err(|_| SearchError::Poisoned)?;
        let entries = SemanticIndex::embed_docs(embed.as_ref(), docs)?;
        if let Some(index) = self
            .semantic
            .write()
            .map_err(|_| SearchError::Poisoned)?
            .as_mut()
        {
            index.apply(entries, removed);
        }
        Ok(())
    }

    /// The mode the assistant answers in now, and the model when semantic.
    pub fn mode(&self) -> (Mode, Option<String>) {
        match self.semantic.read().ok().as_deref() {
            Some(Some(index)) => (Mode::Semantic, Some(index.model.clone())),
            _ => (Mode::Lexical, None),
        }
    }

    /// How `text` relates to the documents by meaning, when semantic.
    pub(crate) fn semantic_view(&self, text: &str, staff: bool) -> Result<Option<SemanticView>> {
        let Some(embed) = self.embedder.get() else {
            return Ok(None);
        };
        if !matches!(self.mode().0, Mode::Semantic) {
            return Ok(None);
        }
        let vector = embed.query(text)?;
        let guard = self.semantic.read().map_err(|_| SearchError::Poisoned)?;
        Ok(guard.as_ref().map(|index| index.view(&vector, staff)))
    }

    /// A semantic entry's title, language, services and lead (for an article
    /// the lexical search did not find).
    pub(crate) fn semantic_entry(&self, id: &str) -> Option<crate::semantic::Entry> {
        let guard = self.semantic.read().ok()?;
        guard.as_ref()?.entry(id).cloned()
    }

    /// Every document as indexed (tags and context are not stored, and the
    /// passages do not use them).
    fn stored_docs(&self) -> Result<Vec<IndexDoc>> {
        let f = &self.fields;
        let searcher = self.reader.searcher();
        let mut out = Vec::new();
        for segment in searcher.segment_readers() {
            let store = segment
                .get_store_reader(0)
                .map_err(tantivy::TantivyError::from)?;
            for doc_id in segment.doc_ids_alive() {
                let doc: TantivyDocument = store.get(doc_id)?;
                let text = |field| {
                    doc.get_first(field)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_string()
                };
                out.push(IndexDoc {
                    id: text(f.id),
                    version: doc
                        .get_first(f.version)
                        .and_then(|v| v.as_i64())
                        .unwrap_or_default(),
                    kind: if text(f.kind) == DocKind::Service.as_str() {
                        DocKind::Service
                    } else {
                        DocKind::Article
                    },
                    lang: text(f.lang),
                    audience: text(f.audience),
                    title: text(f.title),
                    body: text(f.body),
                    tags: Vec::new(),
                    services: doc
                        .get_all(f.services)
                        .filter_map(|v| v.as_str())
                        .map(str::to_string)
                        .collect(),
                    context: String::new(),
                    group: text(f.group),
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::EmbedError;
    use crate::{Lang, Question, Verdict};

    /// A toy engine: one dimension per concept, found by word stems in either
    /// language, so that meaning crosses languages and wording the way a real
    /// model's does, without the model.
    struct Concepts;

    const CONCEPTS: [&[&str]; 4] = [
        &[
            "pase",
            "pasi",
            "passport",
            "ceļošanas dokument",
            "travel document",
        ],
        &["bērnudārz", "kindergarten", "pirmsskol", "preschool"],
        &["medīb", "hunting", "mednie"],
        &["zvanītāj", "caller"],
    ];

    impl Embed for Concepts {
        fn model(&self) -> &str {
            "concepts"
        }
        fn query(&self, text: &str) -> std::result::Result<Vec<f32>, EmbedError> {
            let text = text.to_lowercase();
            let mut v: Vec<f32> = CONCEPTS
                .iter()
                .map(|stems| f32::from(u8::from(stems.iter().any(|s| text.contains(s)))))
                .collect();
            v.push(0.2);
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            Ok(v.into_iter().map(|x| x / norm).collect())
        }
        fn passages(&self, texts: &[&str]) -> std::result::Result<Vec<Vec<f32>>, EmbedError> {
            texts.iter().map(|t| self.query(t)).collect()
        }
    }

    fn doc(id: &str, kind: DocKind, title: &str, body: &str, service: &str) -> IndexDoc {
        IndexDoc {
            id: id.into(),
            version: 1,
            kind,
            lang: "lv".into(),
            audience: "public".into(),
            title: title.into(),
            body: body.into(),
            tags: Vec::new(),
            services: vec![service.into()],
            context: String::new(),
            group: id.into(),
        }
    }

    fn kb() -> KbIndex {
        let kb = KbIndex::in_memory().unwrap();
        let mut internal = doc(
            "iekseja",
            DocKind::Article,
            "Zvanītāja identitātes pārbaude",
            "Pārbaudiet zvanītāja personas kodu.",
            "X-1",
        );
        internal.audience = "internal".into();
        kb.apply(
            &[
                doc(
                    "pase",
                    DocKind::Article,
                    "Kā saņemt jaunu pasi",
                    "Pasi piesaka klātienē.\n\n## Ko ņemt līdzi\n\nFotogrāfiju nevajag.",
                    "PMLP-001",
                ),
                doc(
                    "bernudarzs",
                    DocKind::Article,
                    "Rinda uz bērnudārzu",
                    "Bērnu piesaka rindā portālā.",
                    "RIGA-001",
                ),
                doc(
                    "service:MEDIBAS:lv",
                    DocKind::Service,
                    "Mednieka apliecības izsniegšana",
                    "Medību tiesību apliecība.",
                    "MEDIBAS",
                ),
                internal,
            ],
            &[],
        )
        .unwrap();
        kb
    }

    fn ask(kb: &KbIndex, text: &str, staff: bool) -> crate::Reply {
        kb.ask(&Question {
            text,
            lang: Some(Lang::Lv),
            previous: None,
            staff,
        })
        .unwrap()
    }

    #[test]
    fn lexical_until_enabled_then_semantic() {
        let kb = kb();
        assert_eq!(kb.mode(), (Mode::Lexical, None));
        assert_eq!(kb.enable_semantic(Arc::new(Concepts)).unwrap(), 4);
        assert_eq!(kb.mode(), (Mode::Semantic, Some("concepts".into())));
        assert!(kb.enable_semantic(Arc::new(Concepts)).is_err());
    }

    #[test]
    fn meaning_finds_an_article_no_word_of_the_question_is_in() {
        let kb = kb();
        let before = ask(&kb, "What do I need for a travel document?", false);
        assert!(before.results.iter().all(|h| h.id != "pase"));
        kb.enable_semantic(Arc::new(Concepts)).unwrap();
        let after = ask(&kb, "What do I need for a travel document?", false);
        assert_eq!(after.results.first().map(|h| h.id.as_str()), Some("pase"));
        assert!(!after.results[0].title.is_empty());
    }

    #[test]
    fn internal_articles_stay_hidden_from_the_public() {
        let kb = kb();
        kb.enable_semantic(Arc::new(Concepts)).unwrap();
        let public = ask(&kb, "caller", false);
        assert!(public.results.iter().all(|h| h.id != "iekseja"));
        let staff = ask(&kb, "caller", true);
        assert!(staff.results.iter().any(|h| h.id == "iekseja"));
    }

    #[test]
    fn edits_after_enabling_are_embedded_and_removals_dropped() {
        let kb = kb();
        kb.enable_semantic(Arc::new(Concepts)).unwrap();
        kb.apply(&[], &["bernudarzs".to_string()]).unwrap();
        let reply = ask(&kb, "preschool place", false);
        assert!(reply.results.iter().all(|h| h.id != "bernudarzs"));
        kb.apply(
            &[doc(
                "pirmsskola",
                DocKind::Article,
                "Pirmsskolas izglītība",
                "Kā pieteikt bērnu.",
                "RIGA-001",
            )],
            &[],
        )
        .unwrap();
        let reply = ask(&kb, "preschool place", false);
        assert_eq!(
            reply.results.first().map(|h| h.id.as_str()),
            Some("pirmsskola")
        );
    }

    #[test]
    fn a_question_about_a_service_without_articles_is_handed_over_with_it() {
        let kb = kb();
        kb.enable_semantic(Arc::new(Concepts)).unwrap();
        let reply = ask(&kb, "Where do hunters get their licence?", false);
        assert!(!reply.answer, "{reply:?}");
        assert_eq!(reply.verdict, Verdict::NoArticle);
        assert_eq!(reply.service.as_deref(), Some("MEDIBAS"));
    }
}
