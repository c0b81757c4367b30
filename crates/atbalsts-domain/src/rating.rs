//! The requester's rating of the support they got (the seed's satisfaction
//! survey after a request is resolved).

use crate::refusal::Code;
use crate::{Actor, DomainError, FieldError, Status};

/// Longest comment kept with a rating, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// A checked rating: 1 (poor) to 5 (very good), with an optional comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub score: u8,
    pub comment: Option<String>,
}

/// Check that `actor` may rate ticket `ticket_id` in `status`, and the values.
/// Only the ticket's own requester rates, and only once it is resolved or closed.
pub fn check(
    actor: &Actor,
    ticket_id: i64,
    status: Status,
    score: i64,
    comment: Option<&str>,
) -> Result<Rating, DomainError> {
    match actor {
        Actor::Requester { ticket_id: own } if *own == ticket_id => {}
        _ => {
            return Err(DomainError::forbidden(
                Code::RatingNotRequester,
                "only the person who asked can rate the support",
            ));
        }
    }
    if !matches!(status, Status::Resolved | Status::Closed) {
        return Err(DomainError::conflict(
            Code::RatingNotResolved,
            "the support can be rated once the request is resolved",
        ));
    }
    let mut errors = Vec::new();
    let score = match u8::try_from(score) {
        Ok(s @ 1..=5) => s,
        _ => {
            errors.push(FieldError::new(
                "score",
                "must be a whole number from 1 to 5",
            ));
            0
        }
    };
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        errors.push(FieldError::new(
            "comment",
            format!("must be at most {MAX_COMMENT_CHARS} characters"),
        ));
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    Ok(Rating {
        score,
        comment: comment.map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: Actor = Actor::Requester { ticket_id: 7 };

    #[test]
    fn the_requester_rates_a_resolved_ticket() {
        let r = check(&ME, 7, Status::Resolved, 5, Some("  Paldies! ")).ok();
        assert_eq!(
            r,
            Some(Rating {
                score: 5,
                comment: Some("Paldies!".into())
            })
        );
        assert!(check(&ME, 7, Status::Closed, 1, Some("   ")).is_ok_and(|r| r.comment.is_none()));
    }

    #[test]
    fn not_before_resolution_nor_by_anyone_else() {
        for status in [Status::New, Status::Open, Status::PendingRequester] {
            assert!(matches!(
                check(&ME, 7, status, 4, None),
                Err(DomainError::Conflict(_))
            ));
        }
        let other = Actor::Requester { ticket_id: 8 };
        assert!(matches!(
            check(&other, 7, Status::Resolved, 4, None),
            Err(DomainError::Forbidden(_))
        ));
        assert!(matches!(
            check(&Actor::Anonymous, 7, Status::Resolved, 4, None),
            Err(DomainError::Forbidden(_))
        ));
    }

    #[test]
    fn the_score_is_one_to_five() {
        for bad in [0, 6, -1, 300] {
            assert!(matches!(
                check(&ME, 7, Status::Resolved, bad, None),
                Err(DomainError::Invalid(_))
            ));
        }
        let long = "ā".repeat(MAX_COMMENT_CHARS + 1);
        assert!(check(&ME, 7, Status::Resolved, 3, Some(&long)).is_err());
    }
}
