//! Knowledge-base search: Latvian and English analysis, the tantivy index
//! (derived from the database, one per node) and the virtual assistant that
//! answers from it. No database or network I/O: the caller feeds documents.

pub mod analyze;
pub mod assistant;
pub mod confidence;
pub mod docs;
pub mod fusion;
pub mod fuzzy;
pub mod index;
pub mod index_semantic;
pub mod latvian;
pub mod lexicon;
pub mod query;
pub mod semantic;
pub mod tokenizer;

pub use assistant::{Question, Reply, Signals, Verdict};
pub use index::{DocKind, IndexDoc, KbIndex, SearchError, plan_sync};
pub use query::{Hit, SearchRequest, SearchResult};

/// A language of the knowledge base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Lv,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Lv => "lv",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "lv" => Some(Lang::Lv),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}
