//! The virtual assistant: answers a question from the knowledge base when it
//! is confident, asks to choose when two answers are close, and otherwise
//! says so and offers a person. Pure decisions over the index's hits.

use crate::Lang;
use crate::analyze::word_spans;
use crate::confidence::{FEATURES, LEXICAL_FEATURES};
use crate::fusion::{Candidate, Inputs, features, fuse, hits_in_order};
use crate::index::{DocKind, KbIndex, Result};
use crate::index_semantic::Mode;
use crate::lexicon::is_filler;
use crate::query::{Hit, SearchRequest};
use atbalsts_domain::validate::fold;

/// A register service without any article whose name the question repeats
/// at least this much is a question the knowledge base does not cover.
const SERVICE_NAMED: f32 = 0.75;
/// Two answers within this ratio of scores are "close": ask which one.
const CLOSE: f32 = 0.92;
/// With the semantic side: two answers whose fused scores differ by less.
const CLOSE_FUSED: f32 = 0.01;
/// A follow-up this short (topic words) is read with the previous question.
const FOLLOW_UP_WORDS: usize = 2;
/// Articles returned with a reply.
const RESULTS: usize = 5;

/// A question put to the assistant.
#[derive(Debug, Clone)]
pub struct Question<'a> {
    pub text: &'a str,
    /// The language the person chose, if any; the text decides when it is clear.
    pub lang: Option<Lang>,
    /// The previous question of the same conversation.
    pub previous: Option<&'a str>,
    pub staff: bool,
}

/// Why the assistant answered or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Answered,
    /// Two answers were close: the reply asks which one.
    Clarify,
    /// Greetings, thanks, chit-chat: nothing to look up.
    ChitChat,
    /// The best match was not good enough.
    NotSure,
    /// The question names a service the knowledge base has no article for.
    NoArticle,
    Empty,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Answered => "answered",
            Verdict::Clarify => "clarify",
            Verdict::ChitChat => "chit_chat",
            Verdict::NotSure => "not_sure",
            Verdict::NoArticle => "no_article",
            Verdict::Empty => "empty",
        }
    }
}

/// The assistant's reply.
#[derive(Debug, Clone)]
pub struct Reply {
    pub answer: bool,
    pub verdict: Verdict,
    pub lang: Lang,
    pub reply: String,
    /// Articles, best first.
    pub results: Vec<Hit>,
    pub handoff_offered: bool,
    /// The service the question is most likely about (routes a hand-off).
    pub service: Option<String>,
}

const REPLIES_LV: &str = include_str!("../lexicon/replies.lv.txt");
const REPLIES_EN: &str = include_str!("../lexicon/replies.en.txt");

/// A reply text by key, in `lang`.
pub fn phrase(lang: Lang, key: &str) -> String {
    let file = match lang {
        Lang::Lv => REPLIES_LV,
        Lang::En => REPLIES_EN,
    };
    file.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

const ENGLISH_MARKERS: &[&str] = &[
    "the", "how", "what", "where", "when", "why", "which", "who", "is", "are", "do", "does", "can",
    "could", "i", "my", "me", "to", "for", "of", "and", "a", "an", "in", "on", "with", "have",
    "has", "get", "apply", "need", "should", "it", "you", "your", "from", "not",
];
const LATVIAN_MARKERS: &[&str] = &[
    "ka", "kur", "ko", "kas", "kad", "cik", "kapec", "es", "man", "vai", "ir", "un", "par", "ar",
    "uz", "no", "lai", "ja", "nav", "var", "jus", "mans", "mana", "kads", "kada", "pie", "pec",
];

/// The language a question is written in, or `None` when the text alone
/// does not tell.
pub fn detect_language(text: &str) -> Option<Lang> {
    let (mut lv, mut en) = (0i32, 0i32);
    for (_, word) in word_spans(text) {
        if word.chars().any(|c| "āčēģīķļņšūž".contains(c)) {
            lv += 2;
        }
        let folded = fold(&word);
        if LATVIAN_MARKERS.contains(&folded.as_str()) {
            lv += 1;
        }
        if ENGLISH_MARKERS.contains(&word.as_str()) {
            en += 1;
        }
    }
    match lv.cmp(&en) {
        std::cmp::Ordering::Greater => Some(Lang::Lv),
        std::cmp::Ordering::Less => Some(Lang::En),
        std::cmp::Ordering::Equal => None,
    }
}

fn only_filler(text: &str) -> bool {
    word_spans(text).all(|(_, w)| {
        let f = fold(&w);
        is_filler(&f) || CHIT_CHAT.contains(&f.as_str())
    })
}

/// Words that make a question small talk when nothing else is asked.
const CHIT_CHAT: &[&str] = &[
    "joks",
    "joku",
    "jokus",
    "anekdote",
    "anekdoti",
    "iet",
    "klajas",
    "klajies",
    "sveicinati",
    "atā",
    "ata",
    "uzredzesanos",
    "viss",
    "labi",
    "lieliski",
    "super",
    "ok",
    "okej",
    "jauki",
    "joke",
    "jokes",
    "bye",
    "goodbye",
    "fine",
    "great",
    "okay",
    "going",
    "doing",
    "all",
];

/// What the decision saw, for measuring and fitting it away from the
/// server (`atbalsts assistant signals`, `scripts/assistant-cv`).
#[derive(Debug, Clone, Default)]
pub struct Signals {
    pub lang: Option<Lang>,
    pub topic_words: usize,
    pub known_words: usize,
    /// The articles considered, best first.
    pub articles: Vec<Hit>,
    /// The register services most like the question, best first, each with
    /// whether any article serves it.
    pub services: Vec<(Hit, bool)>,
    /// The signals the decision read (`confidence::FEATURES`; the semantic
    /// ones are 0 in lexical mode), and what the model made of them.
    pub features: Vec<f32>,
    pub out_of_scope: f32,
    pub mode: Option<Mode>,
    /// With the semantic side: the article groups in the fused order.
    pub candidates: Vec<Candidate>,
}

impl KbIndex {
    /// Answer a question, or say why not.
    pub fn ask(&self, q: &Question) -> Result<Reply> {
        self.decide(q, false).map(|(reply, _)| reply)
    }

    /// [`KbIndex::ask`] with the signals its decision was made on (every
    /// service's article looked up, so slower: for measuring, not serving).
    pub fn ask_measured(&self, q: &Question) -> Result<(Reply, Signals)> {
        self.decide(q, true)
    }

    /// Whether an article serves the register service `s` (one without a code: yes).
    fn serves(&self, s: &Hit) -> Result<bool> {
        match s.services.first() {
            Some(code) => self.has_article_for(code),
            None => Ok(true),
        }
    }

    fn decide(&self, q: &Question, measure: bool) -> Result<(Reply, Signals)> {
        let mut signals = Signals::default();
        let lang = match (detect_language(q.text), q.lang) {
            (Some(detected), None) => detected,
            (Some(detected), Some(chosen)) if detected != chosen && strongly(q.text, detected) => {
                detected
            }
            (_, Some(chosen)) => chosen,
            (None, None) => Lang::Lv,
        };
        signals.lang = Some(lang);
        let reply = |verdict: Verdict, results: Vec<Hit>, service: Option<String>| {
            let answer = matches!(verdict, Verdict::Answered | Verdict::Clarify);
            let text = match verdict {
                Verdict::Answered => format!(
                    "{} {}",
                    phrase(lang, "answer").replace(
                        "{title}",
                        results
                            .first()
                            .map(|h| h.title.as_str())
                            .unwrap_or_default()
                    ),
                    phrase(lang, "more")
                ),
                Verdict::Clarify => phrase(lang, "clarify")
                    .replace(
                        "{first}",
                        results
                            .first()
                            .map(|h| h.title.as_str())
                            .unwrap_or_default(),
                    )
                    .replace(
                        "{second}",
                        results.get(1).map(|h| h.title.as_str()).unwrap_or_default(),
                    ),
                Verdict::ChitChat => phrase(lang, "chit_chat"),
                Verdict::NotSure => phrase(lang, "not_sure"),
                Verdict::NoArticle => phrase(lang, "no_article"),
                Verdict::Empty => phrase(lang, "empty"),
            };
            Reply {
                answer,
                verdict,
                lang,
                reply: text,
                results,
                handoff_offered: verdict != Verdict::Answered,
                service,
            }
        };
        if word_spans(q.text).next().is_none() {
            return Ok((reply(Verdict::Empty, Vec::new(), None), signals));
        }
        if only_filler(q.text) {
            return Ok((reply(Verdict::ChitChat, Vec::new(), None), signals));
        }
        let mut request = SearchRequest {
            text: q.text,
            lang,
            only_lang: None,
            service: None,
            staff: q.staff,
            limit: RESULTS,
            with_services: true,
            context: None,
        };
        let mut found = self.search(&request)?;
        if found.topic_words <= FOLLOW_UP_WORDS
            && let Some(previous) = q.previous
        {
            request.context = Some(previous);
            found = self.search(&request)?;
        }
        let used_context = request.context.is_some();
        let (articles, services): (Vec<Hit>, Vec<Hit>) = found
            .hits
            .into_iter()
            .partition(|h| h.kind == DocKind::Article);
        signals.topic_words = found.topic_words;
        signals.known_words = found.known_words;
        if measure {
            signals.articles = articles.clone();
            for s in &services {
                signals.services.push((s.clone(), self.serves(s)?));
            }
        }
        // The register service the question is most like, or one it names,
        // has no article: the knowledge base does not cover the question.
        let mut uncovered = None;
        for (i, s) in services.iter().enumerate() {
            if i > 0 && s.title_match < SERVICE_NAMED {
                continue;
            }
            let served = match signals.services.get(i) {
                Some((_, served)) => *served,
                None => self.serves(s)?,
            };
            if !served {
                uncovered = s.services.first().cloned();
                break;
            }
        }
        let view = match (used_context, q.previous) {
            (true, Some(previous)) => {
                self.semantic_view(&format!("{previous} {}", q.text), q.staff)?
            }
            _ => self.semantic_view(q.text, q.staff)?,
        };
        let ranked = view
            .as_ref()
            .map(|v| fuse(&articles, v, lang, self.models.fusion))
            .unwrap_or_default();
        let features = features(&Inputs {
            articles: &articles,
            topic_words: found.topic_words,
            known_words: found.known_words,
            lang,
            unserved_named: uncovered.is_some(),
            semantic: view.as_ref().map(|v| (v, ranked.as_slice())),
        });
        let (model, read) = match view {
            Some(_) => (&self.models.semantic, FEATURES.len()),
            None => (&self.models.lexical, LEXICAL_FEATURES),
        };
        let out_of_scope = model.out_of_scope(&features[..read]);
        let unsure = out_of_scope >= model.threshold;
        let lexical_close = articles
            .get(1)
            .zip(articles.first())
            .is_some_and(|(second, top)| second.score >= top.score * CLOSE);
        let close = match view {
            Some(_) => ranked
                .get(1)
                .zip(ranked.first())
                .is_some_and(|(second, top)| second.fused >= top.fused - CLOSE_FUSED),
            None => lexical_close,
        };
        if measure {
            signals.mode = Some(if view.is_some() {
                Mode::Semantic
            } else {
                Mode::Lexical
            });
            signals.features = features;
            signals.out_of_scope = out_of_scope;
            signals.candidates = ranked.clone();
        }
        let results = match view {
            Some(_) => hits_in_order(self, articles, &ranked, RESULTS),
            None => articles,
        };
        // A service the question is about that no article answers: the one
        // it names, or the closest by meaning when that is closer than any
        // article and than any topic beyond the knowledge base.
        let unserved = uncovered.or_else(|| {
            let v = view.as_ref()?;
            let (code, s) = v.unserved.as_ref()?;
            let best = ranked.iter().map(|c| c.sem).fold(-1.0f32, f32::max);
            (*s > best && *s >= v.beyond).then(|| code.clone())
        });
        let Some(top) = results.first() else {
            let service =
                unserved.or_else(|| services.first().and_then(|s| s.services.first().cloned()));
            let verdict = if service.is_some() {
                Verdict::NoArticle
            } else {
                Verdict::NotSure
            };
            return Ok((reply(verdict, Vec::new(), service), signals));
        };
        let service = top.services.first().cloned();
        if unsure {
            return Ok(match unserved {
                Some(code) => (reply(Verdict::NoArticle, results, Some(code)), signals),
                None => (reply(Verdict::NotSure, results, service), signals),
            });
        }
        let verdict = if close {
            Verdict::Clarify
        } else {
            Verdict::Answered
        };
        Ok((reply(verdict, results, service), signals))
    }
}

/// Whether the text is clearly in `lang` (enough to override the chosen language).
fn strongly(text: &str, lang: Lang) -> bool {
    let words = word_spans(text).count();
    words >= 3 && detect_language(text) == Some(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_latvian_and_english() {
        assert_eq!(detect_language("Kā deklarēt dzīvesvietu?"), Some(Lang::Lv));
        assert_eq!(
            detect_language("ka deklaret dzivesvietu caur internetu"),
            Some(Lang::Lv)
        );
        assert_eq!(
            detect_language("How do I declare my place of residence?"),
            Some(Lang::En)
        );
        assert_eq!(detect_language("eParaksts"), None);
    }

    #[test]
    fn phrases_exist_in_both_languages() {
        for key in [
            "answer",
            "clarify",
            "more",
            "not_sure",
            "no_article",
            "chit_chat",
            "empty",
        ] {
            assert!(!phrase(Lang::Lv, key).is_empty(), "lv {key}");
            assert!(!phrase(Lang::En, key).is_empty(), "en {key}");
        }
    }

    #[test]
    fn small_talk_is_recognised() {
        assert!(only_filler("Sveiki! Paldies!"));
        assert!(only_filler("Pastāsti kādu joku"));
        assert!(!only_filler("Kā saņemt pasi?"));
    }
}
