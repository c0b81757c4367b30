//! What the two faces of Atbalsts share — the JSON API (`atbalsts-api`) and
//! the web pages (`atbalsts-web`): the application state, resolving the
//! caller, per-address rate limits, the node's search service, errors as
//! problem documents, extractors whose rejections are problems, request
//! metrics, and the operations both faces perform (asking the assistant,
//! handing over, saving articles, the desk's notices to requesters). Neither
//! face depends on the other; the binary mounts both over one [`AppState`].

pub mod assistant;
pub mod attachments;
pub mod auth;
pub mod error;
pub mod extract;
pub use atbalsts_i18n as i18n;
pub mod kb_edit;
pub mod limits;
pub mod metrics;
pub mod notices;
pub mod search;
mod token_cache;
pub mod vectors;

use atbalsts_store::Store;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use error::{ApiError, ApiResult, Problem};

/// Requests larger than this are refused with 413 before they are read.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Tunable limits and settings of the HTTP edge.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Tickets a client address may create without signing in, per minute (burst of the same size).
    pub public_creates_per_minute: u32,
    /// Questions a client address may ask the assistant without signing in, per minute.
    pub assistant_questions_per_minute: u32,
    /// Where this node keeps its search index; `None`: in memory, rebuilt at start.
    pub search_index_dir: Option<PathBuf>,
    /// The sentence-embedding engine for the assistant's semantic signal;
    /// none: the assistant answers from the lexical signals alone.
    pub embedder: Option<std::sync::Arc<dyn atbalsts_search::semantic::Embed>>,
    /// How often the index looks for changes made on other nodes.
    pub search_poll: Duration,
    /// Institution that takes assistant hand-overs no service routes (the central help desk).
    pub handoff_institution: Option<String>,
    /// Mark cookies `Secure` (sent over HTTPS only; browsers also keep them on
    /// http://localhost). Turn off only for plain-HTTP installations on a trusted network.
    pub secure_cookies: bool,
    /// Where attachments' bytes are kept.
    pub objects: atbalsts_objects::Objects,
    /// How many files, and how large, one message may carry.
    pub attachment_limits: atbalsts_domain::attachment::Limits,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            public_creates_per_minute: 30,
            assistant_questions_per_minute: 300,
            search_index_dir: None,
            embedder: None,
            search_poll: Duration::from_secs(5),
            handoff_institution: None,
            secure_cookies: true,
            // Tests and tools that keep nothing; the binary always names a place.
            objects: atbalsts_objects::Objects::memory(),
            attachment_limits: Default::default(),
        }
    }
}

/// What every handler of either face is given.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub search: Arc<search::SearchService>,
    /// Per-address limits on what the public may do without signing in.
    pub limits: Arc<limits::Limits>,
    tokens: Arc<token_cache::TokenCache>,
    /// Institution that takes assistant hand-overs no service routes.
    pub handoff_institution: Option<String>,
    /// Whether cookies are marked `Secure`.
    pub secure_cookies: bool,
    /// Where attachments' bytes are kept.
    pub objects: atbalsts_objects::Objects,
    pub attachment_limits: atbalsts_domain::attachment::Limits,
}

impl AppState {
    pub fn new(store: Store, search: Arc<search::SearchService>, config: &HttpConfig) -> Self {
        Self {
            store,
            search,
            limits: Arc::new(limits::Limits::new(config)),
            tokens: Arc::default(),
            handoff_institution: config.handoff_institution.clone(),
            secure_cookies: config.secure_cookies,
            objects: config.objects.clone(),
            attachment_limits: config.attachment_limits,
        }
    }
}
