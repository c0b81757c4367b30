//! Stable codes of the rules' refusals. A client (a generated API client, a
//! gateway, the web pages' translations) keys on the code; the English detail
//! beside it is for people and may be reworded. A code, once published, keeps
//! its meaning: add new ones, never reuse one.

use std::fmt;

macro_rules! codes {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $code:literal, )+) => {
        /// Why a rule refused, as a stable code (`area.reason`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl Code {
            /// Every code, in the order they are documented.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The code as clients see it, e.g. `ticket.closed`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)+
                }
            }

            /// What the code means, for the API's documentation.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Code::$variant => concat!($($doc),+).trim_ascii(),)+
                }
            }
        }
    };
}

codes! {
    /// The ticket is closed; it cannot change any more (a new request is needed).
    TicketClosed = "ticket.closed",
    /// The ticket is resolved already.
    TicketAlreadyResolved = "ticket.already_resolved",
    /// Only a resolved ticket can be reopened.
    ReopenNotResolved = "reopen.not_resolved",
    /// Only a resolved ticket can be closed.
    CloseNotResolved = "close.not_resolved",
    /// A resolved ticket is reopened before it moves to another level.
    LevelResolved = "level.resolved",
    /// The ticket is at that level already.
    LevelUnchanged = "level.unchanged",
    /// A ticket never goes back to level 0 (self-service).
    LevelSelfService = "level.self_service",
    /// A resolved ticket is reopened before it is transferred.
    TransferResolved = "transfer.resolved",
    /// The ticket is at that institution already.
    TransferSameInstitution = "transfer.same_institution",
    /// The ticket is not waiting to be accepted here.
    TransferNotPending = "transfer.not_pending",
    /// Only a transferred ticket not yet accepted can be returned.
    TransferNotReturnable = "transfer.not_returnable",
    /// The person cannot work on this ticket: it is outside their institution or services.
    AssigneeOutOfScope = "assignment.out_of_scope",
    /// The support group belongs to another institution.
    GroupOtherInstitution = "group.other_institution",
    /// The submission is answered; its legal term cannot be extended.
    LegalTermAnswered = "legal_term.answered",
    /// The ticket is not a written submission; it has no legal term.
    LegalTermNone = "legal_term.not_a_submission",
    /// Sign in, or use the ticket's access link.
    AccessSignIn = "access.sign_in",
    /// The access link belongs to another ticket.
    AccessOtherTicket = "access.other_ticket",
    /// Only support staff may do this.
    AccessStaffOnly = "access.staff_only",
    /// The ticket belongs to an institution or service outside the caller's scope.
    AccessOutOfScope = "access.out_of_scope",
    /// The caller's role may not do this.
    AccessRole = "access.role",
    /// Only the system administrator may do this (shared registers, calendars, policies, rules).
    AccessSystemAdministrator = "access.system_administrator",
    /// The caller's role does not write knowledge-base articles.
    ArticleRole = "article.role",
    /// The article belongs to an institution or services outside the caller's scope.
    ArticleOutOfScope = "article.out_of_scope",
    /// An article with this id exists already.
    ArticleIdTaken = "article.id_taken",
    /// The article changed since the editor opened it (optimistic concurrency).
    ArticleStale = "article.stale",
    /// Someone else changed the article at the same moment.
    ArticleConcurrent = "article.concurrent",
    /// Tickets of that institution or service are outside the caller's scope.
    ContactOutOfScope = "contact.out_of_scope",
    /// Only administrators manage staff accounts.
    AdminOnly = "admin.only",
    /// The caller does not administer that institution.
    AdminNotYours = "admin.not_yours",
    /// A staff account with this e-mail address exists already.
    AccountEmailTaken = "account.email_taken",
    /// Only the person who asked rates the support.
    RatingNotRequester = "rating.not_requester",
    /// Support is rated once the request is resolved.
    RatingNotResolved = "rating.not_resolved",
    /// The assistant's conversation has ended.
    ConversationEnded = "conversation.ended",
    /// The assistant's conversation was handed over to a person already.
    ConversationHandedOver = "conversation.handed_over",
    /// The Idempotency-Key was used before for a different request.
    IdempotencyKeyReused = "idempotency.key_reused",
    /// The calendar has an entry of that kind on that day already.
    CalendarEntryExists = "calendar.entry_exists",
    /// A legal rule taking effect on that day exists already.
    LegalRuleExists = "legal_rule.exists",
    /// Only a quarantined message can be released or deleted.
    MailNotQuarantined = "mail.not_quarantined",
    /// An e-mail address belongs to another support group already.
    MailAddressTaken = "mail.address_taken",
    /// A requester's record cannot be merged into itself.
    RequesterMergeSelf = "requester.merge_self",
    /// The requester's record was merged into another one already; that one is used.
    RequesterMerged = "requester.merged",
    /// Only a merge of two requesters' records can be split back.
    RequesterNotMerge = "requester.not_a_merge",
    /// This merge was split back already.
    RequesterSplitDone = "requester.split_done",
    /// A connector's message with this id is being taken in by another request; retry shortly.
    ConnectorMessageInProgress = "connector.message_in_progress",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refusal: its stable code and, for people, what stood in the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: Code,
    pub detail: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_dotted_and_described() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} twice");
            let (area, reason) = s
                .split_once('.')
                .unwrap_or_else(|| panic!("{s}: area.reason"));
            assert!(!area.is_empty() && !reason.is_empty(), "{s}");
            assert!(
                s.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_'),
                "{s}"
            );
            assert!(!code.meaning().is_empty(), "{s}");
        }
    }
}
