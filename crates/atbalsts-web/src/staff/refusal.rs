//! A ticket rule's refusal in the page's language. The domain words its
//! refusals in English for the API; the workspace recognises each one (a test
//! walks every refusal the lifecycle can give) and shows its translation, or,
//! for one it does not know, a general sentence with the rule's own words.

use crate::i18n::t;
use atbalsts_domain::DomainError;
use atbalsts_search::Lang;

/// (how the refusal begins or what it contains, its text key), most specific first.
const KNOWN: [(&str, &str); 13] = [
    ("the ticket is closed", "refusal-closed"),
    (
        "the ticket is resolved; reopen it before moving",
        "refusal-resolved-level",
    ),
    (
        "the ticket is resolved; reopen it before transferring",
        "refusal-resolved-transfer",
    ),
    ("the ticket is already at level", "refusal-same-level"),
    (
        "a ticket cannot be moved back to level 0",
        "refusal-level-zero",
    ),
    ("the ticket is already resolved", "refusal-already-resolved"),
    ("only a resolved ticket can be reopened", "refusal-reopen"),
    ("only a resolved ticket can be closed", "refusal-close"),
    ("the ticket is already at ", "refusal-same-institution"),
    (" cannot work on this ticket", "refusal-assignee-scope"),
    (" belongs to ", "refusal-group-institution"),
    (" may not do this", "refusal-role"),
    ("outside your scope", "refusal-scope"),
];

fn key(message: &str) -> Option<&'static str> {
    KNOWN
        .iter()
        .find(|(marker, _)| {
            if marker.starts_with(' ') {
                message.contains(marker)
            } else {
                message.starts_with(marker) || message.contains(marker)
            }
        })
        .map(|(_, key)| *key)
}

/// What to tell the person whose action a rule refused.
pub fn text(lang: Lang, e: &DomainError) -> String {
    let general = match e {
        DomainError::Forbidden(_) => "action-error-forbidden",
        DomainError::Conflict(_) => "action-error-conflict",
        DomainError::Invalid(_) => "action-error-invalid",
    };
    match e {
        DomainError::Forbidden(m) | DomainError::Conflict(m) => match key(m) {
            Some(k) => t(lang, k),
            None => format!("{} {m}", t(lang, general)),
        },
        DomainError::Invalid(_) => format!("{} {}", t(lang, general), e.detail()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use atbalsts_domain::lifecycle::{Operation, next_status};
    use atbalsts_domain::{Level, Status};

    #[test]
    fn every_lifecycle_refusal_has_its_translation() {
        let ops = [
            Operation::StaffReply {
                await_requester: true,
            },
            Operation::RequesterReply,
            Operation::Note,
            Operation::Assign,
            Operation::ChangeLevel {
                from: Level::Specialist,
                to: Level::Expert,
            },
            Operation::ChangeLevel {
                from: Level::Expert,
                to: Level::Expert,
            },
            Operation::ChangeLevel {
                from: Level::Specialist,
                to: Level::SelfService,
            },
            Operation::Transfer,
            Operation::Resolve,
            Operation::Reopen,
            Operation::Close,
        ];
        let statuses = [
            Status::New,
            Status::Open,
            Status::PendingRequester,
            Status::Resolved,
            Status::Closed,
        ];
        let mut refusals = 0;
        for status in statuses {
            for op in ops {
                if let Err(e) = next_status(status, op) {
                    refusals += 1;
                    let lv = text(Lang::Lv, &e);
                    assert!(
                        !lv.contains("the ticket") && !lv.contains("only a"),
                        "{status:?} {op:?}: {lv}"
                    );
                    assert!(!lv.starts_with("refusal-"), "a missing text: {lv}");
                }
            }
        }
        assert!(refusals >= 10, "the walk met the refusals: {refusals}");
    }

    #[test]
    fn an_unknown_refusal_keeps_the_rules_words() {
        let e = DomainError::Conflict("something new".into());
        assert_eq!(
            text(Lang::En, &e),
            "This cannot be done in the current state. something new"
        );
        let e = DomainError::Conflict("the ticket is already at VID".into());
        assert_eq!(text(Lang::En, &e), t(Lang::En, "refusal-same-institution"));
    }
}
