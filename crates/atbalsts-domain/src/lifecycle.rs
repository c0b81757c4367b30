//! Ticket lifecycle: which operation may happen in which status, and where it leads.
//!
//! ```text
//!  new ──reply/assign──▶ open ◀──requester reply── pending_requester
//!   │                    │  ▲                            ▲
//!   │                    │  └──────── reopen ───┐        │ staff reply awaiting the requester
//!   └────── resolve ─────┴──▶ resolved ──close──▶ closed (final)
//! ```

use crate::error::DomainError;
use crate::refusal::Code;
use crate::ticket::{Level, Status};

/// Something that changes a ticket, as far as the lifecycle cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    StaffReply {
        await_requester: bool,
    },
    RequesterReply,
    Note,
    Assign,
    ChangeLevel {
        from: Level,
        to: Level,
    },
    Transfer,
    /// Extend a written submission's legal answer term.
    ExtendTerm,
    Resolve,
    Reopen,
    Close,
}

/// The status after `op`, or why `op` is not allowed in `current`.
pub fn next_status(current: Status, op: Operation) -> Result<Status, DomainError> {
    use Operation::*;
    use Status::*;
    if current == Closed && op != Note {
        return Err(DomainError::conflict(
            Code::TicketClosed,
            "the ticket is closed; a closed ticket cannot be changed, submit a new request instead",
        ));
    }
    match op {
        Note => Ok(current),
        StaffReply { await_requester } => Ok(match current {
            Resolved => Resolved,
            _ if await_requester => PendingRequester,
            _ => Open,
        }),
        RequesterReply => Ok(match current {
            New => New,
            _ => Open,
        }),
        Assign => Ok(match current {
            New => Open,
            other => other,
        }),
        ChangeLevel { from, to } => {
            if current == Resolved {
                return Err(DomainError::conflict(
                    Code::LevelResolved,
                    "the ticket is resolved; reopen it before moving it to another level",
                ));
            }
            if from == to {
                return Err(DomainError::conflict(
                    Code::LevelUnchanged,
                    format!("the ticket is already at level {to}"),
                ));
            }
            if to == Level::SelfService {
                return Err(DomainError::conflict(
                    Code::LevelSelfService,
                    "a ticket cannot be moved back to level 0 (self-service)",
                ));
            }
            Ok(current)
        }
        ExtendTerm => match current {
            Resolved => Err(DomainError::conflict(
                Code::LegalTermAnswered,
                "the ticket is resolved: the submission is answered, its term cannot be extended",
            )),
            other => Ok(other),
        },
        Transfer => match current {
            Resolved => Err(DomainError::conflict(
                Code::TransferResolved,
                "the ticket is resolved; reopen it before transferring it",
            )),
            other => Ok(other),
        },
        Resolve => match current {
            Resolved => Err(DomainError::conflict(
                Code::TicketAlreadyResolved,
                "the ticket is already resolved",
            )),
            _ => Ok(Resolved),
        },
        Reopen => match current {
            Resolved => Ok(Open),
            other => Err(DomainError::conflict(
                Code::ReopenNotResolved,
                format!("only a resolved ticket can be reopened; this one is {other}"),
            )),
        },
        Close => match current {
            Resolved => Ok(Closed),
            other => Err(DomainError::conflict(
                Code::CloseNotResolved,
                format!(
                    "only a resolved ticket can be closed; this one is {other}, resolve it first"
                ),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Operation::*;
    use Status::*;

    fn code(status: Status, op: Operation) -> Option<&'static str> {
        next_status(status, op)
            .err()
            .and_then(|e| e.code())
            .map(Code::as_str)
    }

    #[test]
    fn each_refusal_carries_its_stable_code() {
        let up = ChangeLevel {
            from: Level::Specialist,
            to: Level::Expert,
        };
        assert_eq!(code(Closed, Resolve), Some("ticket.closed"));
        assert_eq!(code(Closed, up), Some("ticket.closed"));
        assert_eq!(code(Resolved, up), Some("level.resolved"));
        let same = ChangeLevel {
            from: Level::Expert,
            to: Level::Expert,
        };
        assert_eq!(code(Open, same), Some("level.unchanged"));
        let down = ChangeLevel {
            from: Level::Specialist,
            to: Level::SelfService,
        };
        assert_eq!(code(Open, down), Some("level.self_service"));
        assert_eq!(code(Resolved, Transfer), Some("transfer.resolved"));
        assert_eq!(code(Resolved, ExtendTerm), Some("legal_term.answered"));
        assert_eq!(code(Resolved, Resolve), Some("ticket.already_resolved"));
        assert_eq!(code(Open, Reopen), Some("reopen.not_resolved"));
        assert_eq!(code(Open, Close), Some("close.not_resolved"));
        assert_eq!(code(Open, Resolve), None);
    }

    #[test]
    fn staff_reply_opens_or_waits() {
        assert_eq!(
            next_status(
                New,
                StaffReply {
                    await_requester: false
                }
            ),
            Ok(Open)
        );
        assert_eq!(
            next_status(
                Open,
                StaffReply {
                    await_requester: true
                }
            ),
            Ok(PendingRequester)
        );
        assert_eq!(next_status(PendingRequester, RequesterReply), Ok(Open));
        assert_eq!(next_status(Resolved, RequesterReply), Ok(Open));
    }

    #[test]
    fn closed_is_final_except_for_notes() {
        for op in [
            StaffReply {
                await_requester: false,
            },
            RequesterReply,
            Assign,
            Transfer,
            Resolve,
            Reopen,
            Close,
        ] {
            assert!(
                next_status(Closed, op).is_err(),
                "{op:?} on a closed ticket"
            );
        }
        assert_eq!(next_status(Closed, Note), Ok(Closed));
    }

    #[test]
    fn resolve_reopen_close() {
        assert_eq!(next_status(Open, Resolve), Ok(Resolved));
        assert!(next_status(Resolved, Resolve).is_err());
        assert_eq!(next_status(Resolved, Reopen), Ok(Open));
        assert!(next_status(Open, Reopen).is_err());
        assert!(next_status(Open, Close).is_err());
        assert_eq!(next_status(Resolved, Close), Ok(Closed));
    }

    #[test]
    fn level_changes() {
        let up = ChangeLevel {
            from: Level::Specialist,
            to: Level::Expert,
        };
        assert_eq!(next_status(Open, up), Ok(Open));
        let same = ChangeLevel {
            from: Level::Expert,
            to: Level::Expert,
        };
        assert!(next_status(Open, same).is_err());
        let to_zero = ChangeLevel {
            from: Level::Specialist,
            to: Level::SelfService,
        };
        assert!(next_status(Open, to_zero).is_err());
        assert!(next_status(Resolved, up).is_err());
    }
}
