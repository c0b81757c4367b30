//! A rule's refusal in the page's language, by its stable code: the text is
//! `refusal-<code>` in the Fluent files (`ticket.closed` →
//! `refusal-ticket-closed`). Invalid fields keep the general sentence with
//! the fields named.

use crate::i18n::{has, t};
use atbalsts_domain::DomainError;
use atbalsts_domain::refusal::Code;
use atbalsts_search::Lang;

/// The Fluent key of a refusal code's text.
pub fn key(code: Code) -> String {
    format!("refusal-{}", code.as_str().replace(['.', '_'], "-"))
}

/// What to tell the person whose action a rule refused.
pub fn text(lang: Lang, e: &DomainError) -> String {
    match e {
        DomainError::Forbidden(r) | DomainError::Conflict(r) => {
            let key = key(r.code);
            if has(lang, &key) {
                return t(lang, &key);
            }
            // A code without its text yet (the test below stops that from
            // shipping): a general sentence with the rule's own words.
            let general = match e {
                DomainError::Forbidden(_) => "action-error-forbidden",
                _ => "action-error-conflict",
            };
            format!("{} {}", t(lang, general), r.detail)
        }
        DomainError::Invalid(_) => format!("{} {}", t(lang, "action-error-invalid"), e.detail()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use atbalsts_domain::lifecycle::{Operation, next_status};
    use atbalsts_domain::{Level, Status};

    #[test]
    fn every_code_has_its_text_in_both_languages() {
        for code in Code::ALL {
            for lang in [Lang::Lv, Lang::En] {
                assert!(has(lang, &key(*code)), "{lang:?} has no text for {code}");
            }
            let e = DomainError::conflict(*code, "the rule's English words");
            let lv = text(Lang::Lv, &e);
            assert!(!lv.contains("English words"), "{code}: {lv}");
            assert_ne!(lv, text(Lang::En, &e), "{code} is not translated");
        }
    }

    #[test]
    fn lifecycle_refusals_read_in_latvian() {
        let e = next_status(Status::Closed, Operation::Resolve).err();
        let e = e.unwrap_or_else(|| panic!("a closed ticket cannot be resolved"));
        assert_eq!(
            text(Lang::Lv, &e),
            "Pieprasījums ir slēgts, to vairs nevar mainīt."
        );
        let same = Operation::ChangeLevel {
            from: Level::Expert,
            to: Level::Expert,
        };
        let e = next_status(Status::Open, same).err();
        let e = e.unwrap_or_else(|| panic!("a ticket stays at its level"));
        assert_eq!(text(Lang::En, &e), "The request is already at this level.");
    }

    #[test]
    fn invalid_fields_are_named() {
        let e = DomainError::invalid("reason", "is required");
        assert_eq!(
            text(Lang::En, &e),
            "The data is not valid. reason: is required"
        );
    }
}
