//! Whether the assistant is sure enough to answer: a logistic model over the
//! signals of one question, fitted offline by `scripts/assistant_fit.py` on
//! the labelled question sets and shipped as data (`data/assistant-model.json`).
//! Two models: one for the lexical signals alone, one with the semantic ones,
//! chosen by whether the embedding model is loaded.

use serde::Deserialize;

/// The signals, in the order of the model's weights. Names are the contract
/// with the fitting script (it checks them).
pub const FEATURES: [&str; 14] = [
    "lex_bm25",
    "lex_coverage",
    "lex_title_match",
    "lex_margin",
    "known_share",
    "topic_words",
    "lang_en",
    "unserved_named",
    "sem_top",
    "sem_margin",
    "sem_of_lex_top",
    "agree",
    "beyond_minus_top",
    "unserved_minus_top",
];

/// How many of [`FEATURES`] the lexical model reads (the first ones).
pub const LEXICAL_FEATURES: usize = 8;

#[derive(Debug, Clone, Deserialize)]
pub struct Logistic {
    pub features: Vec<String>,
    pub mean: Vec<f32>,
    pub scale: Vec<f32>,
    pub weights: Vec<f32>,
    pub bias: f32,
    /// Abstain when the probability of "out of scope" reaches this.
    pub threshold: f32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Models {
    pub lexical: Logistic,
    pub semantic: Logistic,
    /// Weight of the lexical score (scaled to the best hit's) beside the
    /// cosine similarity when both rank the articles.
    pub fusion: f32,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("the assistant model is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the assistant model's {0} part does not match the signals it is given")]
    Shape(&'static str),
}

const SHIPPED: &str = include_str!("../data/assistant-model.json");

impl Logistic {
    fn check(&self, part: &'static str, n: usize) -> Result<(), ModelError> {
        let names_match = self
            .features
            .iter()
            .zip(FEATURES.iter())
            .all(|(a, b)| a == b);
        let ok = self.features.len() == n
            && names_match
            && self.mean.len() == n
            && self.scale.len() == n
            && self.weights.len() == n
            && self.scale.iter().all(|s| *s > 0.0);
        if ok {
            Ok(())
        } else {
            Err(ModelError::Shape(part))
        }
    }

    /// The probability that the question is one to hand over.
    pub fn out_of_scope(&self, signals: &[f32]) -> f32 {
        let z = self.bias
            + self
                .weights
                .iter()
                .zip(&self.mean)
                .zip(&self.scale)
                .zip(signals)
                .map(|(((w, m), s), x)| w * (x - m) / s)
                .sum::<f32>();
        1.0 / (1.0 + (-z).exp())
    }
}

impl Models {
    pub fn parse(json: &str) -> Result<Models, ModelError> {
        let m: Models = serde_json::from_str(json)?;
        m.lexical.check("lexical", LEXICAL_FEATURES)?;
        m.semantic.check("semantic", FEATURES.len())?;
        Ok(m)
    }

    /// The models shipped with the binary (checked by a test).
    pub fn shipped() -> Models {
        match Models::parse(SHIPPED) {
            Ok(m) => m,
            // A test parses the shipped file, so this is unreachable in a
            // released build; an assistant that never abstains would be worse
            // than one that always hands over.
            Err(_) => Models::always_hand_over(),
        }
    }

    fn always_hand_over() -> Models {
        let part = |n: usize| Logistic {
            features: FEATURES[..n].iter().map(|s| s.to_string()).collect(),
            mean: vec![0.0; n],
            scale: vec![1.0; n],
            weights: vec![0.0; n],
            bias: 0.0,
            threshold: 0.0,
        };
        Models {
            lexical: part(LEXICAL_FEATURES),
            semantic: part(FEATURES.len()),
            fusion: 1.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_models_parse() {
        let m = Models::parse(SHIPPED).map_err(|e| e.to_string());
        assert!(m.is_ok(), "{m:?}");
    }

    #[test]
    fn a_model_of_another_shape_is_refused() {
        let json = SHIPPED.replacen("\"lex_bm25\"", "\"something_else\"", 1);
        assert!(matches!(Models::parse(&json), Err(ModelError::Shape(_))));
    }

    #[test]
    fn the_probability_follows_the_weights() {
        let l = Logistic {
            features: vec!["lex_bm25".into()],
            mean: vec![1.0],
            scale: vec![2.0],
            weights: vec![-1.0],
            bias: 0.0,
            threshold: 0.5,
        };
        assert!((l.out_of_scope(&[1.0]) - 0.5).abs() < 1e-6);
        assert!(l.out_of_scope(&[5.0]) < 0.2);
        assert!(l.out_of_scope(&[-3.0]) > 0.8);
    }
}
