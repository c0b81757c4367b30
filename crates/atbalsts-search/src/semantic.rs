//! The semantic signal: sentence vectors of questions, article passages, the
//! register's services without articles and topics beyond the knowledge base,
//! compared by cosine. The vectors come from an [`Embed`] engine the caller
//! supplies (crate `atbalsts-embed`); this module only keeps and compares them.

/// An engine that turns text into L2-normalised sentence vectors.
pub trait Embed: Send + Sync {
    /// Names the model and its version; vectors of different models never mix.
    fn model(&self) -> &str;
    /// The vector of a question (e5's "query: " side).
    fn query(&self, text: &str) -> Result<Vec<f32>, EmbedError>;
    /// The vectors of passages (e5's "passage: " side), in order.
    fn passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError>;
}

impl std::fmt::Debug for dyn Embed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Embed({})", self.model())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("the embedding engine failed: {0}")]
    Engine(String),
}

use crate::index::{DocKind, IndexDoc};
use std::collections::HashMap;

/// Topics beyond a support desk's knowledge base (see the file's header).
const BEYOND_TOPICS: &str = include_str!("../data/beyond-topics.lv.txt");

/// The topics of [`BEYOND_TOPICS`], one per line.
pub fn beyond_topics() -> Vec<&'static str> {
    BEYOND_TOPICS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// The passages an article is compared by: the whole article, and each of its
/// sections with the title (a question is often about one section). A
/// register service is compared by its name and description.
pub fn passages(doc: &IndexDoc) -> Vec<String> {
    let title = doc.title.trim();
    if doc.kind == DocKind::Service {
        let body = doc.body.trim();
        return vec![if body.is_empty() {
            title.to_string()
        } else {
            format!("{title}. {body}")
        }];
    }
    let mut out = vec![format!("{title}.\n{}", crate::query::plain_text(&doc.body))];
    let mut section = String::new();
    let mut flush = |section: &mut String| {
        let text = crate::query::plain_text(section);
        if !text.trim().is_empty() {
            out.push(format!("{title}. {}", text.trim()));
        }
        section.clear();
    };
    for line in doc.body.lines() {
        if line.starts_with("## ") {
            flush(&mut section);
        }
        section.push_str(line);
        section.push('\n');
    }
    flush(&mut section);
    out
}

/// What the semantic side keeps of an indexed document.
#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: DocKind,
    pub lang: String,
    pub audience: String,
    pub group: String,
    pub title: String,
    pub services: Vec<String>,
    /// The first words of the body, plain text (a snippet for an article the
    /// lexical search did not find).
    pub lead: String,
    /// Article: the whole text first, then each section. Service: one.
    pub vectors: Vec<Vec<f32>>,
}

/// Vectors of the indexed documents and of the topics beyond them.
#[derive(Debug, Clone, Default)]
pub struct SemanticIndex {
    pub model: String,
    entries: HashMap<String, Entry>,
    beyond: Vec<Vec<f32>>,
}

#[derive(Debug, Clone)]
pub struct ArticleSimilarity {
    pub id: String,
    /// The original's id for a translation, else its own.
    pub group: String,
    pub lang: String,
    pub similarity: f32,
}

/// A question seen through the vectors.
#[derive(Debug, Clone, Default)]
pub struct SemanticView {
    /// Every article the asker may see, with its similarity.
    pub articles: Vec<ArticleSimilarity>,
    /// The closest topic beyond the knowledge base.
    pub beyond: f32,
    /// The closest register service no article answers, with its code.
    pub unserved: Option<(String, f32)>,
}

pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn lead(body: &str) -> String {
    let text = crate::query::plain_text(body);
    let mut out = String::new();
    for word in text.split_whitespace() {
        if out.len() + word.len() > 200 {
            out.push('…');
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

impl SemanticIndex {
    /// An empty index for `model`, with the beyond topics embedded.
    pub fn new(embed: &dyn Embed) -> Result<SemanticIndex, EmbedError> {
        Ok(SemanticIndex {
            model: embed.model().to_string(),
            entries: HashMap::new(),
            beyond: embed.passages(&beyond_topics())?,
        })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Embed `docs` (outside any lock: this is the slow part).
    pub fn embed_docs(
        embed: &dyn Embed,
        docs: &[IndexDoc],
    ) -> Result<Vec<(String, Entry)>, EmbedError> {
        let mut out = Vec::with_capacity(docs.len());
        // A service is compared in Latvian only (its English name adds a
        // second vector of the same meaning).
        for d in docs
            .iter()
            .filter(|d| d.kind == DocKind::Article || d.lang == "lv")
        {
            let texts = passages(d);
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            out.push((
                d.id.clone(),
                Entry {
                    kind: d.kind,
                    lang: d.lang.clone(),
                    audience: d.audience.clone(),
                    group: d.group.clone(),
                    title: d.title.clone(),
                    services: d.services.clone(),
                    lead: lead(&d.body),
                    vectors: embed.passages(&refs)?,
                },
            ));
        }
        Ok(out)
    }

    /// Replace `entries` and drop `removed`.
    pub fn apply(&mut self, entries: Vec<(String, Entry)>, removed: &[String]) {
        for id in removed {
            self.entries.remove(id);
        }
        self.entries.extend(entries);
    }

    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries.get(id)
    }

    /// How `question` (its vector) relates to the articles `staff` may see,
    /// to the topics beyond them and to the services no article answers.
    pub fn view(&self, question: &[f32], staff: bool) -> SemanticView {
        let mut view = SemanticView {
            beyond: self
                .beyond
                .iter()
                .map(|v| cosine(question, v))
                .fold(-1.0, f32::max),
            ..SemanticView::default()
        };
        let mut served = std::collections::HashSet::new();
        for (id, e) in &self.entries {
            if e.kind != DocKind::Article {
                continue;
            }
            served.extend(e.services.iter().map(String::as_str));
            if e.audience != "public" && !staff {
                continue;
            }
            // The whole article and its best section, equally: the whole
            // carries the topic, a section the detail asked about.
            let whole = e.vectors.first().map_or(-1.0, |v| cosine(question, v));
            let section = e
                .vectors
                .iter()
                .skip(1)
                .map(|v| cosine(question, v))
                .fold(whole, f32::max);
            view.articles.push(ArticleSimilarity {
                id: id.clone(),
                group: e.group.clone(),
                lang: e.lang.clone(),
                similarity: (whole + section) / 2.0,
            });
        }
        for e in self.entries.values() {
            if e.kind != DocKind::Service || e.lang != "lv" {
                continue;
            }
            let Some(code) = e.services.first() else {
                continue;
            };
            if served.contains(code.as_str()) {
                continue;
            }
            let s = e.vectors.first().map_or(-1.0, |v| cosine(question, v));
            if view.unserved.as_ref().is_none_or(|(_, best)| s > *best) {
                view.unserved = Some((code.clone(), s));
            }
        }
        view
    }
}
