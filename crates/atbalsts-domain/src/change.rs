//! Deciding a change to a ticket: who may, what state follows, what is recorded.
//!
//! The store loads the ticket and the facts a rule needs (the assignee, the
//! group), calls [`plan`], then writes the outcome, its message and its event
//! in one transaction. Nothing here touches storage.

use crate::access::{Action, Actor, TicketFacts, authorize};
use crate::error::DomainError;
use crate::lifecycle::{Operation, next_status};
use crate::refusal::Code;
use crate::ticket::{Level, Status};
use serde_json::{Value, json};

/// The part of a ticket that changes can touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketState {
    pub id: i64,
    pub institution: String,
    pub service: Option<String>,
    pub level: Level,
    pub status: Status,
    pub assignee: Option<i64>,
    pub group: Option<String>,
    /// Transferred from this institution and not yet accepted by the one it went to.
    pub transfer_from: Option<String>,
}

impl TicketState {
    pub fn facts(&self) -> TicketFacts<'_> {
        TicketFacts {
            id: self.id,
            institution: &self.institution,
            service: self.service.as_deref(),
        }
    }
}

/// A staff member a ticket may be given to, as loaded by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignee {
    pub user_id: i64,
    pub name: String,
    /// Whether the person's scope covers the ticket's institution and service.
    pub covers_ticket: bool,
}

/// A support group, as loaded by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub code: String,
    pub institution: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A public message to or from the requester.
    Reply {
        body: String,
        await_requester: bool,
    },
    /// An internal note, seen by staff only.
    Note {
        body: String,
    },
    Assign {
        assignee: Option<Assignee>,
        group: Option<Group>,
    },
    ChangeLevel {
        to: Level,
        reason: String,
        group: Option<Group>,
    },
    Transfer {
        institution: String,
        reason: String,
    },
    Resolve {
        resolution: String,
    },
    Reopen {
        reason: Option<String>,
    },
    Close,
    /// The receiving institution takes a transferred case; `notice` tells the requester.
    AcceptTransfer {
        notice: String,
    },
    /// The receiving institution sends a transferred case back, saying why.
    ReturnTransfer {
        reason: String,
    },
    /// Extend the legal answer term; `notice` tells the requester why and until when.
    ExtendLegalTerm {
        until: jiff::civil::Date,
        reason: String,
        notice: String,
    },
}

/// A message to append with the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub body: String,
    pub internal: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub state: TicketState,
    pub message: Option<NewMessage>,
    pub resolution: Option<String>,
    /// Event kind and data for the audit trail.
    pub event: (&'static str, Value),
    /// A legal term extension for the store to apply to the ticket's legal clock.
    pub extend_legal_term: Option<(jiff::civil::Date, String)>,
}

/// Decide `change` by `actor` on `ticket`.
pub fn plan(actor: &Actor, ticket: &TicketState, change: Change) -> Result<Outcome, DomainError> {
    let by_requester = matches!(actor, Actor::Requester { .. });
    let (action, op) = match &change {
        Change::Reply {
            await_requester, ..
        } => (
            Action::Reply,
            if by_requester {
                Operation::RequesterReply
            } else {
                Operation::StaffReply {
                    await_requester: *await_requester,
                }
            },
        ),
        Change::Note { .. } => (Action::Note, Operation::Note),
        Change::Assign { .. } => (Action::Assign, Operation::Assign),
        Change::ChangeLevel { to, .. } => (
            Action::ChangeLevel {
                from: ticket.level,
                to: *to,
            },
            Operation::ChangeLevel {
                from: ticket.level,
                to: *to,
            },
        ),
        Change::Transfer { .. } => (Action::Transfer, Operation::Transfer),
        // Taking a case in is like taking it on; sending it back is a transfer.
        Change::AcceptTransfer { .. } => (Action::Assign, Operation::Transfer),
        Change::ReturnTransfer { .. } => (Action::Transfer, Operation::Transfer),
        Change::Resolve { .. } => (Action::Resolve, Operation::Resolve),
        Change::Reopen { .. } => (Action::Reopen, Operation::Reopen),
        Change::Close => (Action::Close, Operation::Close),
        Change::ExtendLegalTerm { .. } => (Action::Resolve, Operation::ExtendTerm),
    };
    authorize(actor, action, ticket.facts())?;
    let status = next_status(ticket.status, op)?;
    let mut state = TicketState {
        status,
        ..ticket.clone()
    };
    let status_data = |data: Value| with_status(data, ticket.status, status);

    let outcome = |state, message, event| Outcome {
        state,
        message,
        resolution: None,
        event,
        extend_legal_term: None,
    };
    Ok(match change {
        Change::Reply {
            body,
            await_requester,
        } => outcome(
            state,
            Some(NewMessage {
                body,
                internal: false,
            }),
            (
                "replied",
                status_data(json!({ "await_requester": await_requester && !by_requester })),
            ),
        ),
        Change::Note { body } => outcome(
            state,
            Some(NewMessage {
                body,
                internal: true,
            }),
            ("noted", json!({})),
        ),
        Change::Assign { assignee, group } => {
            if let Some(a) = assignee.as_ref().filter(|a| !a.covers_ticket) {
                return Err(DomainError::conflict(
                    Code::AssigneeOutOfScope,
                    format!(
                        "{} cannot work on this ticket: it is outside their institution or services",
                        a.name
                    ),
                ));
            }
            if let Some(g) = &group {
                check_group(g, &ticket.institution)?;
            }
            state.assignee = assignee.as_ref().map(|a| a.user_id);
            state.group = group.as_ref().map(|g| g.code.clone());
            let data = json!({
                "assignee": assignee.as_ref().map(|a| json!({"id": a.user_id, "name": a.name})),
                "group": state.group,
            });
            outcome(state, None, ("assigned", status_data(data)))
        }
        Change::ChangeLevel { to, reason, group } => {
            if let Some(g) = &group {
                check_group(g, &ticket.institution)?;
            }
            state.level = to;
            // The other level works it now: it is routed to the group, not to a person.
            state.assignee = None;
            state.group = group.map(|g| g.code);
            let kind = if to > ticket.level {
                "escalated"
            } else {
                "de_escalated"
            };
            let data =
                json!({ "from": ticket.level, "to": to, "reason": reason, "group": state.group });
            outcome(state, None, (kind, data))
        }
        Change::Transfer {
            institution,
            reason,
        } => {
            if institution == ticket.institution {
                return Err(DomainError::conflict(
                    Code::TransferSameInstitution,
                    format!("the ticket is already at {institution}"),
                ));
            }
            let data = json!({ "from": ticket.institution, "to": institution, "reason": reason });
            // The first sender stays the one a return goes back to.
            state.transfer_from = Some(
                ticket
                    .transfer_from
                    .clone()
                    .unwrap_or_else(|| ticket.institution.clone()),
            );
            state.institution = institution;
            state.assignee = None;
            state.group = None;
            outcome(state, None, ("transferred", data))
        }
        Change::AcceptTransfer { notice } => {
            let Some(from) = ticket.transfer_from.clone() else {
                return Err(DomainError::conflict(
                    Code::TransferNotPending,
                    "the ticket is not waiting to be accepted: it was not transferred here, or is already accepted",
                ));
            };
            state.transfer_from = None;
            let data = json!({ "from": from, "institution": ticket.institution });
            outcome(
                state,
                Some(NewMessage {
                    body: notice,
                    internal: false,
                }),
                ("transfer_accepted", data),
            )
        }
        Change::ReturnTransfer { reason } => {
            let Some(from) = ticket.transfer_from.clone() else {
                return Err(DomainError::conflict(
                    Code::TransferNotReturnable,
                    "only a transferred ticket not yet accepted can be returned",
                ));
            };
            let data = json!({ "from": ticket.institution, "to": from, "reason": reason });
            state.institution = from;
            state.transfer_from = None;
            state.assignee = None;
            state.group = None;
            outcome(state, None, ("transfer_returned", data))
        }
        Change::Resolve { resolution } => {
            let data = status_data(json!({ "resolution": resolution }));
            Outcome {
                state,
                message: None,
                resolution: Some(resolution),
                event: ("resolved", data),
                extend_legal_term: None,
            }
        }
        Change::Reopen { reason } => outcome(
            state,
            None,
            ("reopened", status_data(json!({ "reason": reason }))),
        ),
        Change::Close => outcome(state, None, ("closed", status_data(json!({})))),
        Change::ExtendLegalTerm {
            until,
            reason,
            notice,
        } => Outcome {
            state,
            message: Some(NewMessage {
                body: notice,
                internal: false,
            }),
            resolution: None,
            event: (
                "legal_term_extended",
                json!({ "until": until.to_string(), "reason": reason }),
            ),
            extend_legal_term: Some((until, reason)),
        },
    })
}

fn check_group(group: &Group, institution: &str) -> Result<(), DomainError> {
    if group.institution == institution {
        Ok(())
    } else {
        Err(DomainError::conflict(
            Code::GroupOtherInstitution,
            format!(
                "group {} belongs to {}, not to {institution}",
                group.code, group.institution
            ),
        ))
    }
}

fn with_status(mut data: Value, from: Status, to: Status) -> Value {
    if let Some(map) = data.as_object_mut().filter(|_| from != to) {
        map.insert("status".into(), json!({ "from": from, "to": to }));
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Role, Scope, StaffActor};

    fn ticket() -> TicketState {
        TicketState {
            id: 1,
            institution: "PMLP".into(),
            service: Some("PMLP-001".into()),
            level: Level::Specialist,
            status: Status::New,
            assignee: Some(5),
            group: Some("PMLP-L1".into()),
            transfer_from: None,
        }
    }

    fn specialist() -> Actor {
        Actor::Staff(StaffActor {
            user_id: 5,
            name: "Ilze".into(),
            role: Role::Specialist,
            scopes: vec![Scope {
                institution: "PMLP".into(),
                service: None,
            }],
        })
    }

    #[test]
    fn escalation_moves_level_and_clears_the_assignee() {
        let g = Group {
            code: "PMLP-L2".into(),
            institution: "PMLP".into(),
        };
        let change = Change::ChangeLevel {
            to: Level::Expert,
            reason: "needs an expert".into(),
            group: Some(g),
        };
        let o = plan(&specialist(), &ticket(), change).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(o.state.level, Level::Expert);
        assert_eq!(o.state.assignee, None);
        assert_eq!(o.state.group.as_deref(), Some("PMLP-L2"));
        assert_eq!(o.event.0, "escalated");
        assert_eq!(o.event.1["reason"], "needs an expert");
    }

    #[test]
    fn groups_of_other_institutions_are_refused() {
        let g = Group {
            code: "VID-L2".into(),
            institution: "VID".into(),
        };
        let change = Change::Assign {
            assignee: None,
            group: Some(g),
        };
        assert!(matches!(
            plan(&specialist(), &ticket(), change),
            Err(DomainError::Conflict(_))
        ));
    }

    #[test]
    fn assignee_must_cover_the_ticket() {
        let a = Assignee {
            user_id: 9,
            name: "Jānis".into(),
            covers_ticket: false,
        };
        let change = Change::Assign {
            assignee: Some(a),
            group: None,
        };
        assert!(plan(&specialist(), &ticket(), change).is_err());
    }

    #[test]
    fn transfer_hands_over_and_records_both_ends() {
        let change = Change::Transfer {
            institution: "VID".into(),
            reason: "tax question".into(),
        };
        let o = plan(&specialist(), &ticket(), change).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(o.state.institution, "VID");
        assert_eq!((o.state.assignee, o.state.group), (None, None));
        assert_eq!(o.event.1["from"], "PMLP");
        let same = Change::Transfer {
            institution: "PMLP".into(),
            reason: "x".into(),
        };
        assert!(plan(&specialist(), &ticket(), same).is_err());
    }

    #[test]
    fn requester_reply_is_public_and_reopens_a_pending_ticket() {
        let t = TicketState {
            status: Status::PendingRequester,
            ..ticket()
        };
        let change = Change::Reply {
            body: "Paldies".into(),
            await_requester: true,
        };
        let o =
            plan(&Actor::Requester { ticket_id: 1 }, &t, change).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(o.state.status, Status::Open);
        assert_eq!(o.message.map(|m| m.internal), Some(false));
        assert_eq!(o.event.1["status"]["to"], "open");
    }

    #[test]
    fn requesters_cannot_note() {
        let change = Change::Note { body: "x".into() };
        assert!(matches!(
            plan(&Actor::Requester { ticket_id: 1 }, &ticket(), change),
            Err(DomainError::Forbidden(_))
        ));
    }

    #[test]
    fn a_transfer_waits_for_acceptance_or_goes_back_with_a_reason() {
        let change = Change::Transfer {
            institution: "VID".into(),
            reason: "nodokļu jautājums".into(),
        };
        let sent = plan(&specialist(), &ticket(), change).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sent.state.transfer_from.as_deref(), Some("PMLP"));
        let vid = Actor::Staff(StaffActor {
            user_id: 7,
            name: "Vita".into(),
            role: Role::Specialist,
            scopes: vec![Scope {
                institution: "VID".into(),
                service: None,
            }],
        });
        // PMLP can no longer act on it; VID accepts, and the requester is told.
        let accept = || Change::AcceptTransfer {
            notice: "Jūsu pieprasījumu izskata VID.".into(),
        };
        assert!(plan(&specialist(), &sent.state, accept()).is_err());
        let accepted = plan(&vid, &sent.state, accept()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(accepted.state.transfer_from, None);
        assert_eq!(accepted.event.0, "transfer_accepted");
        assert_eq!(accepted.message.map(|m| m.internal), Some(false));
        assert!(
            plan(&vid, &accepted.state, accept()).is_err(),
            "accepted once"
        );
        // Or VID returns it: back to PMLP, with the reason.
        let back = Change::ReturnTransfer {
            reason: "nav mūsu kompetencē".into(),
        };
        let returned = plan(&vid, &sent.state, back).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(returned.state.institution, "PMLP");
        assert_eq!(returned.state.transfer_from, None);
        assert_eq!(returned.event.1["reason"], "nav mūsu kompetencē");
        let again = Change::ReturnTransfer { reason: "x".into() };
        assert!(plan(&specialist(), &returned.state, again).is_err());
    }
}
