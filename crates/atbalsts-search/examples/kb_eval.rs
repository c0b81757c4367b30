//! Score the assistant on a question set straight from files, without a
//! server (for quick iterations; CI scores the running server with the
//! shared `evaluate.py`).
//!
//! cargo run --release -p atbalsts-search --example kb_eval -- KB_DIR REGISTERS_DIR QUESTIONS.jsonl [--misses]

use atbalsts_search::docs::{ArticleText, ServiceText, article_doc, service_docs};
use atbalsts_search::{KbIndex, Lang, Question};
use std::collections::HashMap;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kb_dir, registers, questions, ..] = args.as_slice() else {
        return Err("usage: kb_eval KB_DIR REGISTERS_DIR QUESTIONS.jsonl [--misses]".into());
    };
    let show = args.iter().any(|a| a == "--misses");
    let services: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(
        format!("{registers}/services.json"),
    )?)?;
    let mut by_code = HashMap::new();
    for s in &services {
        let text = |k: &str| s[k].as_str().map(str::to_string);
        let code = text("code").unwrap_or_default();
        by_code.insert(
            code.clone(),
            ServiceText {
                code,
                name_lv: text("name_lv").unwrap_or_default(),
                name_en: text("name_en"),
                description_lv: text("description_lv"),
                description_en: text("description_en"),
                version: 1,
            },
        );
    }
    let mut docs = Vec::new();
    for entry in std::fs::read_dir(kb_dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if !name.ends_with(".md") {
            continue;
        }
        let a = atbalsts_domain::kb::parse_article(&name, &std::fs::read_to_string(&path)?)
            .map_err(|e| format!("{name}: {e:?}"))?;
        docs.push(article_doc(
            ArticleText {
                id: a.id,
                version: 1,
                lang: a.lang,
                translation_of: a.translation_of,
                audience: a.audience,
                title: a.title,
                body: a.body,
                tags: a.tags,
                services: a.services,
            },
            &by_code,
        ));
    }
    for s in by_code.values() {
        docs.extend(service_docs(s));
    }
    let mut kb = KbIndex::in_memory()?;
    // KB_WEIGHTS="title=3,root=0.5" tries other ranking weights.
    if let Ok(spec) = std::env::var("KB_WEIGHTS") {
        let mut w = atbalsts_search::query::Weights::default();
        for pair in spec.split(',').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').ok_or("KB_WEIGHTS: name=value")?;
            let v: f32 = v.parse()?;
            match k {
                "title" => w.title = v,
                "tags" => w.tags = v,
                "body" => w.body = v,
                "context" => w.context = v,
                "root" => w.root = v,
                "synonym" => w.synonym = v,
                "fuzzy_one" => w.fuzzy_one = v,
                "fuzzy_two" => w.fuzzy_two = v,
                "glossary" => w.glossary = v,
                "latvian_name_in_english" => w.latvian_name_in_english = v,
                "context_word" => w.context_word = v,
                "tie_breaker" => w.tie_breaker = v,
                "coverage" => w.coverage = v,
                "phrase" => w.phrase = v,
                other => return Err(format!("KB_WEIGHTS: unknown weight {other}").into()),
            }
        }
        kb.set_weights(w);
    }
    kb.rebuild(&docs, &mut |_| {})?;
    let (mut n_in, mut top1, mut top3, mut n_out) = (0, 0, 0, 0);
    let (mut tp, mut fp) = (0, 0);
    let mut by_style: HashMap<String, (u32, u32)> = HashMap::new();
    let started = std::time::Instant::now();
    for line in std::fs::read_to_string(questions)?.lines() {
        let q: serde_json::Value = serde_json::from_str(line)?;
        let text = q["q"].as_str().unwrap_or_default();
        let expected: Vec<&str> = q["expected"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        let lang = q["lang"].as_str().and_then(Lang::parse);
        let reply = kb.ask(&Question {
            text,
            lang,
            previous: None,
            staff: false,
        })?;
        if args.iter().any(|a| a == "--features") {
            let arts: Vec<_> = reply.results.iter().collect();
            let found = kb.search(&atbalsts_search::SearchRequest {
                text,
                lang: lang.unwrap_or(Lang::Lv),
                only_lang: None,
                service: None,
                staff: false,
                limit: 5,
                with_services: true,
                context: None,
            })?;
            let svc = found
                .hits
                .iter()
                .filter(|h| h.kind == atbalsts_search::DocKind::Service)
                .find(|h| !kb.has_article_for(&h.services[0]).unwrap_or(true));
            let top = arts.first();
            println!(
                "F\t{}\t{}\t{}\t{}\t{:.1}\t{:.2}\t{:.2}\t{:.2}\t{:.2}\t{:.2}\t{}",
                if expected.is_empty() { "OUT" } else { "in" },
                q["style"].as_str().unwrap_or_default(),
                found.topic_words,
                found.known_words,
                top.map(|h| h.bm25).unwrap_or(0.0),
                top.map(|h| h.coverage).unwrap_or(0.0),
                top.map(|h| h.title_match).unwrap_or(0.0),
                arts.get(1)
                    .map(|h| h.score / top.map(|t| t.score).unwrap_or(1.0))
                    .unwrap_or(0.0),
                svc.map(|h| h.title_match).unwrap_or(0.0),
                svc.map(|h| h.score).unwrap_or(0.0),
                text
            );
        }
        let ids: Vec<&str> = reply.results.iter().map(|h| h.id.as_str()).collect();
        let rank = ids.iter().position(|id| expected.contains(id));
        let style = q["style"].as_str().unwrap_or_default().to_string();
        let entry = by_style.entry(style.clone()).or_default();
        entry.0 += 1;
        let good = if expected.is_empty() {
            n_out += 1;
            !reply.answer
        } else {
            n_in += 1;
            top1 += u32::from(rank == Some(0));
            top3 += u32::from(rank.is_some_and(|r| r < 3));
            rank == Some(0) && reply.answer
        };
        if !reply.answer {
            if expected.is_empty() {
                tp += 1
            } else {
                fp += 1
            }
        }
        entry.1 += u32::from(good);
        if args.iter().any(|a| a == "--rank") && !expected.is_empty() && rank != Some(0) {
            let top: Vec<String> = reply
                .results
                .iter()
                .take(3)
                .map(|h| format!("{} {:.1}", h.id, h.score))
                .collect();
            println!(
                "RANK {rank:?} [{}] {text}\n   expected {expected:?} got {top:?}",
                q["style"].as_str().unwrap_or_default()
            );
        }
        if show && !good {
            let top: Vec<String> = reply
                .results
                .iter()
                .take(3)
                .map(|h| format!("{} {:.1}/{:.2}", h.id, h.score, h.coverage))
                .collect();
            println!(
                "MISS [{style}] {text}\n   expected {expected:?} got {} answer={} {top:?}",
                reply.verdict.as_str(),
                reply.answer
            );
        }
    }
    let elapsed = started.elapsed();
    let fn_ = n_out - tp;
    let p = f64::from(tp) / f64::from((tp + fp).max(1));
    let r = f64::from(tp) / f64::from((tp + fn_).max(1));
    let f1 = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    println!(
        "top1 {:.3} top3 {:.3} abstain P {p:.3} R {r:.3} F1 {f1:.3} ({} questions, {:?} each)",
        f64::from(top1) / f64::from(n_in),
        f64::from(top3) / f64::from(n_in),
        n_in + n_out,
        elapsed / (n_in + n_out)
    );
    let mut styles: Vec<_> = by_style.into_iter().collect();
    styles.sort();
    for (style, (n, good)) in styles {
        println!("  {style:14} {good}/{n} end to end");
    }
    Ok(())
}
