//! The analyzers as tantivy tokenizers: `lv` gives each word's variants
//! (see [`crate::analyze::latvian_variants`]) at one position, `en` is
//! tantivy's English pipeline with diacritics folded.

use crate::analyze::{latvian_variants, word_spans};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, Token, TokenStream, Tokenizer,
};

pub const LATVIAN: &str = "lv";
pub const ENGLISH: &str = "en";

/// Words longer than this are not indexed (base64 blobs, long URLs).
const MAX_WORD: usize = 40;

#[derive(Clone, Default)]
pub struct LatvianTokenizer;

/// Tokens computed up front: a word gives up to three.
pub struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
    /// Returned before the first `advance`, as tantivy's own streams do.
    empty: Token,
}

impl Tokenizer for LatvianTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let mut tokens = Vec::new();
        let mut position = 0;
        for (range, word) in word_spans(text) {
            if word.len() > MAX_WORD {
                continue;
            }
            let variants = latvian_variants(&word);
            if variants.is_empty() {
                continue;
            }
            for text in variants {
                tokens.push(Token {
                    offset_from: range.start,
                    offset_to: range.end,
                    position,
                    text,
                    position_length: 1,
                });
            }
            position += 1;
        }
        VecTokenStream {
            tokens,
            next: 0,
            empty: Token::default(),
        }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        self.tokens
            .get(self.next.wrapping_sub(1))
            .unwrap_or(&self.empty)
    }

    fn token_mut(&mut self) -> &mut Token {
        match self.tokens.get_mut(self.next.wrapping_sub(1)) {
            Some(token) => token,
            None => &mut self.empty,
        }
    }
}

pub fn latvian() -> TextAnalyzer {
    TextAnalyzer::builder(LatvianTokenizer).build()
}

/// Built once: the stop-word set and stemmer are not free to make per query.
static ENGLISH_ANALYZER: std::sync::LazyLock<TextAnalyzer> =
    std::sync::LazyLock::new(build_english);

pub fn english() -> TextAnalyzer {
    ENGLISH_ANALYZER.clone()
}

fn build_english() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_WORD))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(
            StopWordFilter::new(Language::English)
                .unwrap_or_else(|| StopWordFilter::remove(Vec::<String>::new())),
        )
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The terms an analyzer gives for `text`, grouped by word position.
pub fn terms_by_word(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Vec<String>> {
    let mut stream = analyzer.token_stream(text);
    let mut words: Vec<Vec<String>> = Vec::new();
    let mut last = usize::MAX;
    while stream.advance() {
        let token = stream.token();
        if token.position != last || words.is_empty() {
            words.push(Vec::new());
            last = token.position;
        }
        if let Some(word) = words.last_mut()
            && !word.contains(&token.text)
        {
            word.push(token.text.clone());
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latvian_variants_share_a_position() {
        let words = terms_by_word(&mut latvian(), "Kā deklarēt dzīvesvietu?");
        assert_eq!(words.len(), 2, "{words:?}");
        assert_eq!(words[0][0], "deklaret");
        assert!(words[0].contains(&"deklar".to_string()));
        assert!(words[1].contains(&"dzivesviet".to_string()));
    }

    #[test]
    fn english_is_stemmed_and_folded() {
        let words = terms_by_word(&mut english(), "Declaring the residences in Rīga");
        assert_eq!(words, vec![vec!["declar"], vec!["resid"], vec!["riga"]]);
    }

    #[test]
    fn empty_text_gives_nothing() {
        assert!(terms_by_word(&mut latvian(), " , ").is_empty());
        let mut analyzer = latvian();
        let mut stream = analyzer.token_stream("");
        assert!(!stream.advance());
    }
}
