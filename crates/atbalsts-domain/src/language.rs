//! The language a person is addressed in.
//!
//! A ticket records its requester's language as an ISO 639-1 code (`lv`, `en`,
//! `ru`, …): routing may send it to a group that speaks it. The desk's own texts
//! (notices, e-mail) exist in Latvian and English only; a language without texts
//! is written to in Latvian, the state language in which institutions answer
//! (Valsts valodas likums, 10. pants).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The language of a request when nothing says otherwise.
pub const DEFAULT: &str = "lv";

/// A two-letter ISO 639-1 code in lower case, with its message for a person when it is not one.
pub fn check_code(value: &str) -> Result<String, String> {
    let v = value.trim().to_ascii_lowercase();
    if v.len() == 2 && v.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(v)
    } else {
        Err(format!(
            "\"{value}\" is not a two-letter language code such as lv, en or ru"
        ))
    }
}

/// A language the desk's own texts are written in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TextLanguage {
    #[default]
    Lv,
    En,
}

impl TextLanguage {
    /// The texts a person with this language code gets.
    pub fn for_code(code: &str) -> Self {
        if code.eq_ignore_ascii_case("en") {
            Self::En
        } else {
            Self::Lv
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lv => "lv",
            Self::En => "en",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_two_lower_case_letters() {
        assert_eq!(check_code(" EN "), Ok("en".to_string()));
        assert_eq!(check_code("ru"), Ok("ru".to_string()));
        for bad in ["", "e", "eng", "e1", "lv-LV", "ā"] {
            assert!(check_code(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn texts_are_english_for_english_and_latvian_otherwise() {
        assert_eq!(TextLanguage::for_code("en"), TextLanguage::En);
        assert_eq!(TextLanguage::for_code("lv"), TextLanguage::Lv);
        assert_eq!(TextLanguage::for_code("ru"), TextLanguage::Lv);
    }
}
