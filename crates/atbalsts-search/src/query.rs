//! From a question to ranked hits: each word becomes a disjunction of its
//! terms over the fields (title > tags > body > context), widened by
//! synonyms, the English→Latvian glossary and typo correction; hits carry a
//! highlighted snippet and how much of the question they cover.

use crate::Lang;
use crate::analyze::{latvian_variants, root, word_spans};
use crate::index::{DocKind, Fields, KbIndex, Result, SearchError, TextFields};
use crate::lexicon::is_filler;
use crate::tokenizer::{self, terms_by_word};
use atbalsts_domain::validate::fold;
use std::collections::BTreeMap;
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, EnableScoring, Occur,
    PhraseQuery, Query, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

/// The knobs of ranking. The defaults were chosen on the development
/// question set (BENCHMARKS.md); `kb_eval` can try others.
#[derive(Debug, Clone, Copy)]
pub struct Weights {
    /// Relative weight of a match in each field.
    pub title: f32,
    pub tags: f32,
    pub body: f32,
    pub context: f32,
    /// Weight of the kinds of term a word gives, relative to its own stem.
    pub root: f32,
    pub synonym: f32,
    pub fuzzy_one: f32,
    pub fuzzy_two: f32,
    pub glossary: f32,
    pub latvian_name_in_english: f32,
    /// Words of an earlier question in the same conversation.
    pub context_word: f32,
    /// Part of the weaker field scores a word keeps next to its best one.
    pub tie_breaker: f32,
    /// Final score = BM25 × (1 + this × coverage): an article that answers
    /// more of the question's distinct words beats one that repeats a few.
    pub coverage: f32,
    /// Weight of two neighbouring question words found side by side.
    pub phrase: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            title: 3.0,
            tags: 2.0,
            body: 1.0,
            context: 0.7,
            root: 0.7,
            synonym: 0.5,
            fuzzy_one: 0.8,
            fuzzy_two: 0.6,
            glossary: 0.8,
            latvian_name_in_english: 0.6,
            context_word: 0.35,
            tie_breaker: 0.3,
            coverage: 2.0,
            phrase: 0.25,
        }
    }
}

/// Register services ranked beside the articles (assistant only).
const SERVICES: usize = 3;
/// Characters of a snippet.
const SNIPPET_CHARS: usize = 180;

/// What to search for.
#[derive(Debug, Clone)]
pub struct SearchRequest<'a> {
    pub text: &'a str,
    /// The language the question is written in (chooses the analyzer).
    pub lang: Lang,
    /// Only documents in this language.
    pub only_lang: Option<Lang>,
    /// Only articles answering this service.
    pub service: Option<&'a str>,
    /// Staff also find internal articles.
    pub staff: bool,
    pub limit: usize,
    /// Also rank register services (the assistant's check for questions the
    /// knowledge base has no article for).
    pub with_services: bool,
    /// An earlier question of the conversation, weighed lightly.
    pub context: Option<&'a str>,
}

/// One ranked document.
#[derive(Debug, Clone)]
pub struct Hit {
    pub id: String,
    pub kind: DocKind,
    pub lang: String,
    pub title: String,
    /// The ranking score (BM25 weighed by coverage).
    pub score: f32,
    /// The BM25 score alone.
    pub bm25: f32,
    /// HTML: the text escaped, matches in `<mark>`.
    pub snippet: String,
    pub services: Vec<String>,
    pub group: String,
    /// Share of the question's topic words (weighed by rarity) it matches.
    pub coverage: f32,
    /// Share of the title's words that the question contains.
    pub title_match: f32,
}

/// Hits and what the question was made of.
#[derive(Debug, Clone, Default)]
pub struct SearchResult {
    pub hits: Vec<Hit>,
    /// Words that carry a topic (not stop words, not filler).
    pub topic_words: usize,
    /// Of those, words the index knows (directly or through a correction).
    pub known_words: usize,
}

struct Clause {
    field: Field,
    term: String,
    weight: f32,
}

struct Word {
    clauses: Vec<Clause>,
    /// How telling the word is (inverse document frequency); 0 for filler.
    idf: f32,
    known: bool,
    from_context: bool,
}

impl Word {
    fn query(&self, tie_breaker: f32) -> Box<dyn Query> {
        let parts: Vec<Box<dyn Query>> = self
            .clauses
            .iter()
            .map(|c| {
                let term = TermQuery::new(
                    Term::from_field_text(c.field, &c.term),
                    IndexRecordOption::WithFreqs,
                );
                Box::new(BoostQuery::new(Box::new(term), c.weight)) as Box<dyn Query>
            })
            .collect();
        Box::new(DisjunctionMaxQuery::with_tie_breaker(parts, tie_breaker))
    }
}

fn field_weights(t: TextFields, w: &Weights) -> [(Field, f32); 4] {
    [
        (t.title, w.title),
        (t.tags, w.tags),
        (t.body, w.body),
        (t.context, w.context),
    ]
}

fn add_terms(
    clauses: &mut Vec<Clause>,
    fields: TextFields,
    term: &str,
    weight: f32,
    weights: &Weights,
) {
    if clauses.iter().any(|c| c.term == term && c.weight >= weight) {
        return;
    }
    for (field, w) in field_weights(fields, weights) {
        clauses.push(Clause {
            field,
            term: term.to_string(),
            weight: w * weight,
        });
    }
}

fn idf(searcher: &Searcher, fields: TextFields, term: &str) -> Result<f32> {
    let n = searcher.num_docs() as f32;
    let mut df = 0u64;
    for field in [fields.title, fields.tags, fields.body, fields.context] {
        df = df.max(searcher.doc_freq(&Term::from_field_text(field, term))?);
    }
    let df = df as f32;
    Ok((1.0 + (n - df + 0.5) / (df + 0.5)).ln())
}

impl KbIndex {
    fn latvian_word(&self, searcher: &Searcher, word: &str) -> Result<Option<Word>> {
        let variants = latvian_variants(word);
        let Some(first) = variants.first() else {
            return Ok(None);
        };
        let lv = self.fields.lv;
        let word_root = root(first);
        let vocabulary = self.vocabulary.read().map_err(|_| SearchError::Poisoned)?;
        let mut clauses = Vec::new();
        let mut known = false;
        for v in &variants {
            let is_root = *v == word_root && v != first;
            let weight = if is_root { self.weights.root } else { 1.0 };
            known |= vocabulary.doc_freq(v) > 0 && !is_root;
            add_terms(&mut clauses, lv, v, weight, &self.weights);
        }
        if !known {
            let typed = variants.get(1).unwrap_or(first);
            for (term, distance) in vocabulary.nearest(typed, 3) {
                known = true;
                let w = if distance <= 1 {
                    self.weights.fuzzy_one
                } else {
                    self.weights.fuzzy_two
                };
                add_terms(&mut clauses, lv, &term, w, &self.weights);
            }
        }
        for synonym in self.lexicon.synonyms(&variants) {
            add_terms(
                &mut clauses,
                lv,
                synonym,
                self.weights.synonym,
                &self.weights,
            );
        }
        let idf = if is_filler(&fold(word)) {
            0.0
        } else {
            idf(searcher, lv, first)?.max(idf(searcher, lv, &word_root)?.min(1.0))
        };
        Ok(Some(Word {
            clauses,
            idf,
            known,
            from_context: false,
        }))
    }

    fn english_word(&self, searcher: &Searcher, word: &str) -> Result<Option<Word>> {
        let mut analyzer = tokenizer::english();
        let Some(term) = terms_by_word(&mut analyzer, word)
            .into_iter()
            .flatten()
            .next()
        else {
            return Ok(None);
        };
        let (en, lv) = (self.fields.en, self.fields.lv);
        let mut clauses = Vec::new();
        add_terms(&mut clauses, en, &term, 1.0, &self.weights);
        let mut known = idf(searcher, en, &term)? < idf(searcher, en, "\u{0}")?;
        for latvian in self.lexicon.latvian_for(&term) {
            known = true;
            add_terms(
                &mut clauses,
                lv,
                latvian,
                self.weights.glossary,
                &self.weights,
            );
        }
        if self.lexicon.latvian_for(&term).is_empty()
            && let Some(first) = latvian_variants(word).first()
        {
            let vocabulary = self.vocabulary.read().map_err(|_| SearchError::Poisoned)?;
            if vocabulary.doc_freq(first) > 0 {
                known = true;
                add_terms(
                    &mut clauses,
                    lv,
                    first,
                    self.weights.latvian_name_in_english,
                    &self.weights,
                );
            }
        }
        let idf = if is_filler(&fold(word)) {
            0.0
        } else {
            idf(searcher, en, &term)?
        };
        Ok(Some(Word {
            clauses,
            idf,
            known,
            from_context: false,
        }))
    }

    fn words(&self, searcher: &Searcher, text: &str, lang: Lang) -> Result<Vec<Word>> {
        let mut words = Vec::new();
        for (_, word) in word_spans(text).take(64) {
            let w = match lang {
                Lang::Lv => self.latvian_word(searcher, &word)?,
                Lang::En => self.english_word(searcher, &word)?,
            };
            words.extend(w.filter(|w| !w.clauses.is_empty()));
        }
        Ok(words)
    }

    /// Neighbouring topic words of the question found next to each other (one
    /// word may come between) in a title or body: *jauns tālrunis*.
    fn phrases(&self, words: &[Word]) -> Vec<Box<dyn Query>> {
        let mut phrases: Vec<Box<dyn Query>> = Vec::new();
        let topic: Vec<&Word> = words
            .iter()
            .filter(|w| !w.from_context && w.idf > 0.0)
            .collect();
        for pair in topic.windows(2) {
            let (Some(a), Some(b)) = (pair[0].clauses.first(), pair[1].clauses.first()) else {
                continue;
            };
            if a.field != b.field {
                continue;
            }
            let fields = if a.field == self.fields.lv.title {
                self.fields.lv
            } else {
                self.fields.en
            };
            for (field, boost) in [
                (fields.title, self.weights.title),
                (fields.body, self.weights.body),
            ] {
                let query = PhraseQuery::new_with_offset_and_slop(
                    vec![
                        (0, Term::from_field_text(field, &a.term)),
                        (1, Term::from_field_text(field, &b.term)),
                    ],
                    1,
                );
                phrases.push(Box::new(BoostQuery::new(
                    Box::new(query),
                    boost * self.weights.phrase,
                )));
            }
        }
        phrases
    }

    /// For each hit, the summed rarity of the question words it matches. One
    /// scorer per word and segment walks the hits in document order (a
    /// scorer per word and hit cost more than the search itself).
    fn matched_rarity(
        &self,
        searcher: &Searcher,
        weights: &[(f32, Box<dyn Weight>)],
        hits: &[(Hit, DocAddress)],
    ) -> Result<Vec<f32>> {
        let mut order: Vec<usize> = (0..hits.len()).collect();
        order.sort_by_key(|&i| (hits[i].1.segment_ord, hits[i].1.doc_id));
        let mut matched = vec![0.0; hits.len()];
        for (idf, weight) in weights {
            let mut current: Option<(u32, Box<dyn tantivy::query::Scorer>)> = None;
            for &i in &order {
                let address = hits[i].1;
                if current.as_ref().map(|(segment, _)| *segment) != Some(address.segment_ord) {
                    let reader = searcher.segment_reader(address.segment_ord);
                    current = Some((address.segment_ord, weight.scorer(reader, 1.0)?));
                }
                if let Some((_, scorer)) = current.as_mut() {
                    // `seek` may only move forward; the hits come in document order.
                    let at = scorer.doc();
                    let found = at == address.doc_id
                        || at < address.doc_id && scorer.seek(address.doc_id) == address.doc_id;
                    if found {
                        matched[i] += idf;
                    }
                }
            }
        }
        Ok(matched)
    }

    fn filters(&self, r: &SearchRequest) -> Vec<Box<dyn Query>> {
        let f: &Fields = &self.fields;
        let exact = |field: Field, value: &str| -> Box<dyn Query> {
            Box::new(ConstScoreQuery::new(
                Box::new(TermQuery::new(
                    Term::from_field_text(field, value),
                    IndexRecordOption::Basic,
                )),
                0.0,
            ))
        };
        let mut filters = Vec::new();
        if !r.with_services {
            filters.push(exact(f.kind, "article"));
        }
        if !r.staff {
            filters.push(exact(f.audience, "public"));
        }
        if let Some(lang) = r.only_lang {
            filters.push(exact(f.lang, lang.code()));
        }
        if let Some(service) = r.service {
            filters.push(exact(f.services, service));
        }
        filters
    }

    /// Rank documents for a question.
    pub fn search(&self, r: &SearchRequest) -> Result<SearchResult> {
        let searcher = self.reader.searcher();
        let mut words = self.words(&searcher, r.text, r.lang)?;
        let topic_words = words.iter().filter(|w| w.idf > 0.0).count();
        let known_words = words.iter().filter(|w| w.idf > 0.0 && w.known).count();
        if let Some(context) = r.context {
            for mut w in self.words(&searcher, context, r.lang)? {
                for c in &mut w.clauses {
                    c.weight *= self.weights.context_word;
                }
                w.from_context = true;
                words.push(w);
            }
        }
        if words.is_empty() || r.limit == 0 {
            return Ok(SearchResult {
                hits: Vec::new(),
                topic_words,
                known_words,
            });
        }
        let mut text: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .map(|w| (Occur::Should, w.query(self.weights.tie_breaker)))
            .collect();
        if self.weights.phrase > 0.0 {
            text.extend(self.phrases(&words).into_iter().map(|q| (Occur::Should, q)));
        }
        let mut must: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(BooleanQuery::new(text)))];
        must.extend(self.filters(r).into_iter().map(|q| (Occur::Must, q)));
        let query = BooleanQuery::new(must);
        let top = searcher.search(
            &query,
            &TopDocs::with_limit(r.limit * 3 + 3).order_by_score(),
        )?;
        let mut hits: Vec<(Hit, DocAddress)> = Vec::new();
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let hit = Hit {
                id: text(self.fields.id),
                kind: if text(self.fields.kind) == "service" {
                    DocKind::Service
                } else {
                    DocKind::Article
                },
                lang: text(self.fields.lang),
                title: text(self.fields.title),
                score,
                bm25: score,
                snippet: text(self.fields.body),
                services: doc
                    .get_all(self.fields.services)
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                group: text(self.fields.group),
                coverage: 0.0,
                title_match: 0.0,
            };
            // One answer per translation group: the one in the question's language.
            if let Some(i) = hits
                .iter()
                .position(|(h, _)| h.group == hit.group && h.kind == hit.kind)
            {
                if hits[i].0.lang != r.lang.code() && hit.lang == r.lang.code() {
                    let (score, bm25) = (hits[i].0.score, hits[i].0.bm25);
                    hits[i] = (Hit { score, bm25, ..hit }, address);
                }
                continue;
            }
            hits.push((hit, address));
        }
        // Services count only as evidence for the assistant; keep them
        // out of the limit on articles.
        let (mut articles, mut services) = (0, 0);
        hits.retain(|(h, _)| {
            if h.kind == DocKind::Article {
                articles += 1;
                articles <= r.limit
            } else {
                services += 1;
                services <= SERVICES
            }
        });
        let scoring = EnableScoring::enabled_from_searcher(&searcher);
        let weights: Vec<(f32, Box<dyn Weight>)> = words
            .iter()
            .filter(|w| !w.from_context && w.idf > 0.0)
            .map(|w| Ok((w.idf, w.query(self.weights.tie_breaker).weight(scoring)?)))
            .collect::<Result<_>>()?;
        let total: f32 = weights.iter().map(|(idf, _)| idf).sum();
        let matched = self.matched_rarity(&searcher, &weights, &hits)?;
        let mut snippet_terms: BTreeMap<String, f32> = BTreeMap::new();
        for w in &words {
            for c in &w.clauses {
                snippet_terms.insert(c.term.clone(), c.weight);
            }
        }
        let question_terms: std::collections::HashSet<&str> = words
            .iter()
            .filter(|w| !w.from_context)
            .flat_map(|w| w.clauses.iter().map(|c| c.term.as_str()))
            .collect();
        for ((hit, _), matched) in hits.iter_mut().zip(matched) {
            hit.title_match = title_match(&hit.title, &hit.lang, &question_terms);
            hit.coverage = if total > 0.0 { matched / total } else { 0.0 };
            if hit.kind == DocKind::Service {
                hit.snippet.clear();
                continue;
            }
            let (analyzer, field) = if hit.lang == "en" {
                (tokenizer::english(), self.fields.en.body)
            } else {
                (tokenizer::latvian(), self.fields.lv.body)
            };
            let generator =
                SnippetGenerator::new(snippet_terms.clone(), analyzer, field, SNIPPET_CHARS);
            let plain = plain_text(&hit.snippet);
            let snippet = generator.snippet(window(&plain, &snippet_terms));
            hit.snippet = if snippet.is_empty() {
                let mut start: String = plain.chars().take(SNIPPET_CHARS).collect();
                if plain.chars().count() > SNIPPET_CHARS {
                    start.push('…');
                }
                tantivy_escape(&start)
            } else {
                let mut s = snippet;
                s.set_snippet_prefix_postfix("<mark>", "</mark>");
                s.to_html()
            };
        }
        let mut hits: Vec<Hit> = hits.into_iter().map(|(h, _)| h).collect();
        if self.weights.coverage > 0.0 {
            for h in &mut hits {
                h.score *= 1.0 + self.weights.coverage * h.coverage;
            }
            hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        }
        Ok(SearchResult {
            hits,
            topic_words,
            known_words,
        })
    }
}

/// Share of a title's words (stop words aside) found among the question's terms.
fn title_match(title: &str, lang: &str, question: &std::collections::HashSet<&str>) -> f32 {
    let mut analyzer = if lang == "en" {
        tokenizer::english()
    } else {
        tokenizer::latvian()
    };
    let words = terms_by_word(&mut analyzer, title);
    if words.is_empty() {
        return 0.0;
    }
    let found = words
        .iter()
        .filter(|variants| variants.iter().any(|v| question.contains(v.as_str())))
        .count();
    found as f32 / words.len() as f32
}

/// The part of `text` around the first word that begins with a query term,
/// a few snippets long: the snippet generator analyses every word it is
/// given, and whole articles made snippets most of a search's cost.
fn window<'a>(text: &'a str, terms: &BTreeMap<String, f32>) -> &'a str {
    const BEFORE: usize = 40;
    const LENGTH: usize = 3 * SNIPPET_CHARS;
    let first = word_spans(text)
        .find(|(_, word)| {
            let folded = fold(word);
            terms
                .keys()
                .any(|t| t.chars().count() >= 3 && folded.starts_with(t.as_str()))
        })
        .map_or(0, |(range, _)| range.start);
    let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    let at = starts.partition_point(|&i| i < first);
    let from = starts[at
        .saturating_sub(BEFORE)
        .min(starts.len().saturating_sub(1))..]
        .first()
        .copied()
        .unwrap_or(0);
    let to = starts
        .get(at.saturating_sub(BEFORE) + LENGTH)
        .copied()
        .unwrap_or(text.len());
    &text[from.min(to)..to]
}

pub(crate) fn tantivy_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Markdown reduced to the words a reader sees: no markup, link targets or
/// HTML tags.
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut chars = markdown.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '#' | '*' | '_' | '`' | '>' | '|' => {}
            '<' => {
                for c in chars.by_ref() {
                    if c == '>' {
                        break;
                    }
                }
            }
            ']' if chars.peek() == Some(&'(') => {
                for c in chars.by_ref() {
                    if c == ')' {
                        break;
                    }
                }
            }
            '[' | ']' => {}
            '\n' | '\r' | '\t' => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::IndexDoc;

    fn article(id: &str, lang: &str, title: &str, body: &str, tags: &[&str]) -> IndexDoc {
        IndexDoc {
            id: id.into(),
            version: 1,
            kind: DocKind::Article,
            lang: lang.into(),
            audience: "public".into(),
            title: title.into(),
            body: body.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            services: vec!["PMLP-003".into()],
            context: String::new(),
            group: id.into(),
        }
    }

    fn kb() -> KbIndex {
        let kb = KbIndex::in_memory().unwrap();
        let mut internal = article(
            "iekseja",
            "lv",
            "Zvanītāja identitātes pārbaude",
            "Pārbaudiet zvanītāja personas kodu.",
            &[],
        );
        internal.audience = "internal".into();
        let mut en = article(
            "dzivesvieta-en",
            "en",
            "How to declare your place of residence",
            "Declare the new address online within a month.",
            &["residence"],
        );
        en.group = "dzivesvieta".into();
        kb.apply(
            &[
                article(
                    "dzivesvieta",
                    "lv",
                    "Kā deklarēt dzīvesvietu tiešsaistē",
                    "Pēc pārcelšanās deklarējiet jauno **adresi** portālā [latvija.gov.lv](https://latvija.gov.lv).",
                    &["dzīvesvieta", "deklarēšana"],
                ),
                article(
                    "pase",
                    "lv",
                    "Kā saņemt jaunu pasi",
                    "Pasi var pieteikt klātienē nodaļā. Dzīvesvietas adrese nav jānorāda.",
                    &["pase"],
                ),
                en,
                internal,
            ],
            &[],
        )
        .unwrap();
        kb
    }

    fn ask(kb: &KbIndex, text: &str, lang: Lang) -> SearchResult {
        kb.search(&SearchRequest {
            text,
            lang,
            only_lang: None,
            service: None,
            staff: false,
            limit: 5,
            with_services: false,
            context: None,
        })
        .unwrap()
    }

    fn ids(r: &SearchResult) -> Vec<&str> {
        r.hits.iter().map(|h| h.id.as_str()).collect()
    }

    #[test]
    fn folded_and_inflected_forms_find_the_article() {
        let kb = kb();
        for q in [
            "deklarēt dzīvesvietu",
            "deklaret dzivesvietu",
            "dzīvesvietas deklarēšana",
            "dzivesvietas deklaresana",
        ] {
            assert_eq!(ids(&ask(&kb, q, Lang::Lv))[0], "dzivesvieta", "{q}");
        }
    }

    #[test]
    fn typos_in_longer_words_are_forgiven() {
        let kb = kb();
        let r = ask(&kb, "deklrēt dzīvesvetu", Lang::Lv);
        assert_eq!(ids(&r)[0], "dzivesvieta");
        assert_eq!(r.known_words, 2);
    }

    #[test]
    fn title_outweighs_body() {
        let kb = kb();
        // "pase" is in one title; "adrese" in both bodies.
        assert_eq!(ids(&ask(&kb, "pase adrese", Lang::Lv))[0], "pase");
    }

    #[test]
    fn internal_articles_are_for_staff_only() {
        let kb = kb();
        assert!(ask(&kb, "identitātes pārbaude", Lang::Lv).hits.is_empty());
        let staff = kb
            .search(&SearchRequest {
                text: "identitātes pārbaude",
                lang: Lang::Lv,
                only_lang: None,
                service: None,
                staff: true,
                limit: 5,
                with_services: false,
                context: None,
            })
            .unwrap();
        assert_eq!(ids(&staff), ["iekseja"]);
    }

    #[test]
    fn english_question_gets_the_translation_once() {
        let kb = kb();
        let r = ask(&kb, "declare residence", Lang::En);
        assert_eq!(ids(&r)[0], "dzivesvieta-en");
        assert!(
            !ids(&r).contains(&"dzivesvieta"),
            "one per translation group"
        );
    }

    #[test]
    fn snippets_mark_matches_and_escape() {
        let kb = kb();
        let r = ask(&kb, "jauno adresi", Lang::Lv);
        let hit = r.hits.iter().find(|h| h.id == "dzivesvieta").unwrap();
        assert!(
            hit.snippet.contains("<mark>adresi</mark>"),
            "{}",
            hit.snippet
        );
        assert!(!hit.snippet.contains("**"));
        assert!(!hit.snippet.contains("https://"));
    }

    #[test]
    fn coverage_weighs_the_question_words() {
        let kb = kb();
        let r = ask(&kb, "deklarēt dzīvesvietu mēnesī zirgam", Lang::Lv);
        let top = &r.hits[0];
        assert!(top.coverage > 0.3 && top.coverage < 0.8, "{}", top.coverage);
        assert_eq!(r.topic_words, 4);
        assert_eq!(r.known_words, 2);
    }

    #[test]
    fn filters_by_service_and_language() {
        let kb = kb();
        let r = kb
            .search(&SearchRequest {
                text: "pase",
                lang: Lang::Lv,
                only_lang: Some(Lang::En),
                service: None,
                staff: false,
                limit: 5,
                with_services: false,
                context: None,
            })
            .unwrap();
        assert!(r.hits.is_empty());
        let r = kb
            .search(&SearchRequest {
                text: "pase",
                lang: Lang::Lv,
                only_lang: None,
                service: Some("VID-001"),
                staff: false,
                limit: 5,
                with_services: false,
                context: None,
            })
            .unwrap();
        assert!(r.hits.is_empty());
    }

    #[test]
    fn words_side_by_side_rank_above_words_apart() {
        let kb = KbIndex::in_memory().unwrap();
        let filler = "Šeit ir daudz citu vārdu par dažādām lietām. ".repeat(5);
        kb.apply(
            &[
                article(
                    "apart",
                    "lv",
                    "Ierīces",
                    &format!("Jauns pakalpojums. {filler} Tālrunis ir vajadzīgs."),
                    &[],
                ),
                article(
                    "together",
                    "lv",
                    "Ierīces",
                    &format!("Jauns tālrunis ir vajadzīgs. {filler} Pakalpojums."),
                    &[],
                ),
            ],
            &[],
        )
        .unwrap();
        assert_eq!(ids(&ask(&kb, "jauns tālrunis", Lang::Lv))[0], "together");
    }

    #[test]
    fn snippet_window_finds_the_first_match() {
        let terms: BTreeMap<String, f32> = [("adres".to_string(), 1.0)].into();
        let text = format!(
            "{} Jaunā adrese jādeklarē. {}",
            "vārds ".repeat(200),
            "beigas ".repeat(200)
        );
        let w = window(&text, &terms);
        assert!(w.contains("Jaunā adrese"), "{w}");
        assert!(w.chars().count() <= 3 * SNIPPET_CHARS);
        // No match: the beginning; short text: all of it.
        assert!(window(&text, &BTreeMap::new()).starts_with("vārds"));
        assert_eq!(window("īss", &terms), "īss");
        assert_eq!(window("", &terms), "");
    }

    #[test]
    fn plain_text_drops_markup() {
        assert_eq!(
            plain_text(
                "## Soļi\n\n1. Atveriet [portālu](https://x.lv) un **spiediet** <b>Sākt</b>"
            ),
            "Soļi 1. Atveriet portālu un spiediet Sākt"
        );
    }
}
