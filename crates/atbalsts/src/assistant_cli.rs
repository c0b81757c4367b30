//! `atbalsts assistant signals`: the assistant's decision signals for every
//! question of a labelled set, one JSON line each, so that its constants can
//! be chosen by cross-validation away from the server (`scripts/assistant-cv`).
//! The index is built in memory from the database: a running server's own
//! index is never touched.

use anyhow::Context;
use atbalsts_search::semantic::Embed;
use atbalsts_search::{Hit, Lang, Question, Signals};
use atbalsts_store::Store;
use serde_json::{Value, json};
use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Arc;

fn hit(h: &Hit) -> Value {
    json!({
        "id": h.id, "score": h.score, "bm25": h.bm25,
        "coverage": h.coverage, "title_match": h.title_match,
    })
}

fn signals_json(s: &Signals) -> Value {
    json!({
        "lang": s.lang.map(Lang::code),
        "topic_words": s.topic_words,
        "known_words": s.known_words,
        "articles": s.articles.iter().map(hit).collect::<Vec<_>>(),
        "services": s.services.iter().map(|(h, served)| json!({
            "code": h.services.first(), "title_match": h.title_match,
            "score": h.score, "has_article": served,
        })).collect::<Vec<_>>(),
        "mode": s.mode.map(|m| m.as_str()),
        "features": s.features,
        "out_of_scope": s.out_of_scope,
        "candidates": s.candidates.iter().map(|c| json!({
            "id": c.id, "group": c.group, "lex": c.lex, "sem": c.sem, "fused": c.fused,
        })).collect::<Vec<_>>(),
    })
}

/// Read questions (`{"id", "q", "lang", …}` per line) from `questions`, write
/// each line back with `signals`, `verdict`, `answer` and `results` added.
pub async fn signals(
    store: Store,
    questions: &Path,
    embed: Option<Arc<dyn Embed>>,
) -> anyhow::Result<()> {
    let search = atbalsts_http::search::SearchService::open(store.clone(), None)
        .await
        .context("building the search index in memory")?;
    if let Some(embed) = embed {
        let index = Arc::clone(&search);
        tokio::task::spawn_blocking(move || index.index.enable_semantic(embed))
            .await?
            .context("embedding the knowledge base")?;
    }
    let file = std::fs::File::open(questions)
        .with_context(|| format!("opening {}", questions.display()))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let mut item: Value = serde_json::from_str(&line)
            .with_context(|| format!("{} line {}", questions.display(), n + 1))?;
        let text = item["q"]
            .as_str()
            .with_context(|| format!("line {} has no \"q\"", n + 1))?
            .to_string();
        let lang = item["lang"].as_str().and_then(Lang::parse);
        let (reply, signals) = search.index.ask_measured(&Question {
            text: &text,
            lang,
            previous: None,
            staff: false,
        })?;
        item["answer"] = json!(reply.answer);
        item["verdict"] = json!(reply.verdict.as_str());
        item["results"] = json!(reply.results.iter().map(|h| &h.id).collect::<Vec<_>>());
        item["signals"] = signals_json(&signals);
        writeln!(out, "{item}")?;
    }
    store.close().await;
    Ok(())
}
