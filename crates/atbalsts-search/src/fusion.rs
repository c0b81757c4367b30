//! The assistant's signals and, with the semantic side, the ranking that
//! fuses both: each article group (an original and its translations) scores
//! its cosine similarity plus the lexical score scaled to the best hit's,
//! weighed by the fitted `fusion`. The features feed `confidence`.

use crate::Lang;
use crate::index::{DocKind, KbIndex};
use crate::query::{Hit, tantivy_escape};
use crate::semantic::SemanticView;
use std::collections::HashMap;

/// Semantic groups added to the lexical hits as candidates.
const SEMANTIC_CANDIDATES: usize = 5;

/// One article group as the fused ranking saw it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: String,
    pub group: String,
    /// The lexical score over the best lexical hit's (0 when not found).
    pub lex: f32,
    pub sem: f32,
    pub fused: f32,
}

/// The article to show of a group: the lexical hit when there is one, else
/// the member in the question's language, else the original.
fn representative<'a>(view: &'a SemanticView, group: &str, lang: Lang) -> Option<&'a str> {
    let members = || view.articles.iter().filter(move |a| a.group == group);
    members()
        .find(|a| a.lang == lang.code())
        .or_else(|| members().find(|a| a.id == group))
        .or_else(|| members().next())
        .map(|a| a.id.as_str())
}

/// Rank the lexical `articles` and the semantically closest groups together.
pub(crate) fn fuse(
    articles: &[Hit],
    view: &SemanticView,
    lang: Lang,
    fusion: f32,
) -> Vec<Candidate> {
    let mut group_sim: HashMap<&str, f32> = HashMap::new();
    for a in &view.articles {
        let s = group_sim.entry(a.group.as_str()).or_insert(-1.0);
        *s = s.max(a.similarity);
    }
    let best_lex = articles
        .iter()
        .map(|h| h.score)
        .fold(0.0f32, f32::max)
        .max(f32::MIN_POSITIVE);
    let mut out: Vec<Candidate> = Vec::new();
    for h in articles {
        if out.iter().any(|c| c.group == h.group) {
            continue;
        }
        let sem = group_sim.get(h.group.as_str()).copied().unwrap_or(-1.0);
        let lex = h.score / best_lex;
        out.push(Candidate {
            id: h.id.clone(),
            group: h.group.clone(),
            lex,
            sem,
            fused: fusion * lex + sem,
        });
    }
    let mut by_sim: Vec<(&str, f32)> = group_sim.into_iter().collect();
    by_sim.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    for (group, sem) in by_sim.into_iter().take(SEMANTIC_CANDIDATES) {
        if out.iter().any(|c| c.group == group) {
            continue;
        }
        if let Some(id) = representative(view, group, lang) {
            out.push(Candidate {
                id: id.to_string(),
                group: group.to_string(),
                lex: 0.0,
                sem,
                fused: sem,
            });
        }
    }
    out.sort_by(|a, b| b.fused.total_cmp(&a.fused).then(a.id.cmp(&b.id)));
    out
}

/// The hits to show, in the fused order (a group only the semantic side
/// found gets its stored title and the start of its text).
pub(crate) fn hits_in_order(
    index: &KbIndex,
    articles: Vec<Hit>,
    ranked: &[Candidate],
    limit: usize,
) -> Vec<Hit> {
    let mut by_id: HashMap<String, Hit> = articles.into_iter().map(|h| (h.id.clone(), h)).collect();
    let mut out = Vec::new();
    for c in ranked.iter().take(limit) {
        if let Some(mut h) = by_id.remove(&c.id) {
            h.score = c.fused;
            out.push(h);
        } else if let Some(e) = index.semantic_entry(&c.id) {
            out.push(Hit {
                id: c.id.clone(),
                kind: DocKind::Article,
                lang: e.lang,
                title: e.title,
                score: c.fused,
                bm25: 0.0,
                snippet: tantivy_escape(&e.lead),
                services: e.services,
                group: e.group,
                coverage: 0.0,
                title_match: 0.0,
            });
        }
    }
    out
}

/// What the confidence model reads (see `confidence::FEATURES`).
pub(crate) struct Inputs<'a> {
    pub articles: &'a [Hit],
    pub topic_words: usize,
    pub known_words: usize,
    pub lang: Lang,
    pub unserved_named: bool,
    pub semantic: Option<(&'a SemanticView, &'a [Candidate])>,
}

fn ln1p(x: f32) -> f32 {
    x.max(0.0).ln_1p()
}

pub(crate) fn features(i: &Inputs) -> Vec<f32> {
    let top = i.articles.first();
    let second = i.articles.get(1).map_or(0.0, |h| h.bm25);
    let mut f = vec![
        top.map_or(0.0, |h| ln1p(h.bm25)),
        top.map_or(0.0, |h| h.coverage),
        top.map_or(0.0, |h| h.title_match),
        top.map_or(0.0, |h| ln1p(h.bm25) - ln1p(second)),
        i.known_words as f32 / i.topic_words.max(1) as f32,
        ln1p(i.topic_words as f32),
        f32::from(u8::from(i.lang == Lang::En)),
        f32::from(u8::from(i.unserved_named)),
    ];
    let Some((view, ranked)) = i.semantic else {
        f.extend([0.0; 6]);
        return f;
    };
    let mut sims: Vec<(&str, f32)> = ranked.iter().map(|c| (c.group.as_str(), c.sem)).collect();
    sims.sort_by(|a, b| b.1.total_cmp(&a.1));
    let sem_top = sims.first().map_or(-1.0, |s| s.1);
    let sem_second = sims.get(1).map_or(-1.0, |s| s.1);
    let lex_top_group = top.map(|h| h.group.as_str());
    let sem_of_lex_top = lex_top_group
        .and_then(|g| ranked.iter().find(|c| c.group == g))
        .map_or(-1.0, |c| c.sem);
    let agree = lex_top_group.is_some() && lex_top_group == sims.first().map(|s| s.0);
    f.extend([
        sem_top,
        sem_top - sem_second,
        sem_of_lex_top,
        f32::from(u8::from(agree)),
        view.beyond - sem_top,
        view.unserved.as_ref().map_or(-1.0, |(_, s)| s - sem_top),
    ]);
    f
}
