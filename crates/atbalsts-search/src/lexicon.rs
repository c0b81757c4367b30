//! Word lists that widen a query: Latvian synonyms, and English words with
//! their Latvian equivalents so that an English question finds an article
//! written only in Latvian. The lists are text files in `lexicon/`.

use crate::tokenizer::{english, latvian, terms_by_word};
use std::collections::HashMap;

const SYNONYMS_LV: &str = include_str!("../lexicon/synonyms.lv.txt");
const GLOSSARY_EN_LV: &str = include_str!("../lexicon/glossary.en-lv.txt");

/// Query words the assistant ignores when it weighs how much of a question
/// an article covers: greetings, politeness and question scaffolding.
const FILLER: &[&str] = &[
    // Latvian, folded.
    "sveiki",
    "sveiks",
    "labdien",
    "labrit",
    "labvakar",
    "cau",
    "ludzu",
    "paldies",
    "es",
    "man",
    "mans",
    "mana",
    "manu",
    "mani",
    "manas",
    "mes",
    "mums",
    "jus",
    "jums",
    "tu",
    "tev",
    "vins",
    "vina",
    "vinu",
    "vinam",
    "vinai",
    "musu",
    "jusu",
    "sava",
    "savu",
    "savs",
    "savas",
    "kads",
    "kada",
    "kadu",
    "kadi",
    "kadas",
    "kapec",
    "cik",
    "ko",
    "kura",
    "kuru",
    "kuri",
    "gribu",
    "gribetu",
    "velos",
    "veletos",
    "vajag",
    "vajadzetu",
    "vajadzes",
    "nepieciesams",
    "jadara",
    "darit",
    "varu",
    "varetu",
    "varat",
    "variet",
    "var",
    "vares",
    "lai",
    "tagad",
    "sodien",
    "ir",
    "nav",
    "tas",
    "tur",
    "seit",
    "tad",
    "ari",
    "vel",
    "joprojam",
    "kaut",
    "kas",
    "ka",
    "kur",
    "kad",
    "ja",
    "ne",
    "nu",
    "kaa",
    "vai",
    "sis",
    "so",
    "ta",
    "to",
    "tie",
    "tam",
    "esmu",
    "bija",
    "biju",
    "pasakiet",
    "pastastiet",
    "pastasti",
    "palidziet",
    "zinat",
    "zini",
    "jautajums",
    "jautat",
    "interese",
    "uzzinat",
    "gadijuma",
    "tomer",
    "bet",
    // English.
    "hello",
    "hi",
    "hey",
    "please",
    "thanks",
    "thank",
    "i",
    "me",
    "my",
    "we",
    "our",
    "you",
    "your",
    "can",
    "could",
    "would",
    "should",
    "do",
    "does",
    "did",
    "how",
    "what",
    "where",
    "when",
    "why",
    "which",
    "who",
    "need",
    "want",
    "get",
    "is",
    "are",
    "am",
    "the",
    "a",
    "an",
    "to",
    "of",
    "in",
    "on",
    "for",
    "it",
    "this",
    "that",
    "there",
    "now",
    "still",
    "tell",
];

/// Whether a lower-cased, folded query word carries no topic.
pub fn is_filler(folded_word: &str) -> bool {
    FILLER.contains(&folded_word)
}

#[derive(Debug, Default)]
pub struct Lexicon {
    /// A Latvian term → the first terms of the other words of its groups.
    synonyms: HashMap<String, Vec<String>>,
    /// An English term → Latvian terms.
    glossary: HashMap<String, Vec<String>>,
}

fn entries(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// First terms of each comma-separated word of `list`.
fn first_terms(analyzer: &mut tantivy::tokenizer::TextAnalyzer, list: &str) -> Vec<String> {
    let mut terms = Vec::new();
    for word in list.split(',') {
        for variants in terms_by_word(analyzer, word) {
            if let Some(first) = variants.into_iter().next()
                && !terms.contains(&first)
            {
                terms.push(first);
            }
        }
    }
    terms
}

impl Lexicon {
    pub fn builtin() -> Lexicon {
        let mut lv = latvian();
        let mut en = english();
        let mut lexicon = Lexicon::default();
        for line in entries(SYNONYMS_LV) {
            let group = first_terms(&mut lv, line);
            for word in line.split(',') {
                for variants in terms_by_word(&mut lv, word) {
                    for term in variants {
                        let entry = lexicon.synonyms.entry(term.clone()).or_default();
                        for other in &group {
                            if *other != term && !entry.contains(other) {
                                entry.push(other.clone());
                            }
                        }
                    }
                }
            }
        }
        for line in entries(GLOSSARY_EN_LV) {
            let Some((english_words, latvian_words)) = line.split_once('=') else {
                continue;
            };
            let targets = first_terms(&mut lv, latvian_words);
            for term in first_terms(&mut en, english_words) {
                let entry = lexicon.glossary.entry(term).or_default();
                for t in &targets {
                    if !entry.contains(t) {
                        entry.push(t.clone());
                    }
                }
            }
        }
        lexicon
    }

    /// Latvian terms that mean the same as any of `terms`.
    pub fn synonyms<'a>(&'a self, terms: &'a [String]) -> impl Iterator<Item = &'a String> {
        terms
            .iter()
            .filter_map(|t| self.synonyms.get(t))
            .flatten()
            .filter(move |s| !terms.contains(s))
    }

    /// Latvian terms for an English term.
    pub fn latvian_for(&self, english_term: &str) -> &[String] {
        self.glossary
            .get(english_term)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Whether an English term is in the glossary (so the question is English).
    pub fn knows_english(&self, english_term: &str) -> bool {
        self.glossary.contains_key(english_term)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonyms_meet_across_inflections() {
        let lexicon = Lexicon::builtin();
        let terms = terms_by_word(&mut latvian(), "bērēm").concat();
        let found: Vec<&String> = lexicon.synonyms(&terms).collect();
        assert!(found.iter().any(|t| t.starts_with("apbed")), "{found:?}");
    }

    #[test]
    fn english_maps_to_latvian_terms() {
        let lexicon = Lexicon::builtin();
        let pension = terms_by_word(&mut english(), "pensions").concat();
        assert_eq!(lexicon.latvian_for(&pension[0]), ["pensij", "vecum"]);
        assert!(lexicon.latvian_for("zzz").is_empty());
    }

    #[test]
    fn filler_words_are_folded() {
        for w in FILLER {
            assert_eq!(atbalsts_domain::validate::fold(w), *w, "{w} must be folded");
        }
    }
}
