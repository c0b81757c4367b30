//! Which ticket events the desk tells people about by e-mail, and whom: the
//! desk speaks first. Requesters hear of what happens to their request; staff
//! hear of what needs them, each kind switchable per person.

use serde_json::Value;

/// What a notice tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// To the requester: the request is registered, with its number and private link.
    RequestReceived,
    /// To the requester: a specialist answered.
    StaffReply,
    /// To the requester: a specialist answered and waits for the requester.
    WaitingForYou,
    /// To the requester: the request is resolved.
    Resolved,
    /// To the requester: another institution handles it now.
    Transferred,
    /// To the requester: the legal term of the answer is extended.
    TermExtended,
    /// To staff: a ticket was given to them.
    Assigned,
    /// To staff: the requester answered on their ticket.
    RequesterReply,
    /// To staff: an SLA target of their ticket is near.
    SlaWarning,
    /// To staff: an SLA target of their ticket was missed.
    SlaBreach,
}

impl Purpose {
    pub const ALL: [Purpose; 10] = [
        Self::RequestReceived,
        Self::StaffReply,
        Self::WaitingForYou,
        Self::Resolved,
        Self::Transferred,
        Self::TermExtended,
        Self::Assigned,
        Self::RequesterReply,
        Self::SlaWarning,
        Self::SlaBreach,
    ];

    /// The stable name (records, settings, template keys).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequestReceived => "request_received",
            Self::StaffReply => "staff_reply",
            Self::WaitingForYou => "waiting_for_you",
            Self::Resolved => "resolved",
            Self::Transferred => "transferred",
            Self::TermExtended => "term_extended",
            Self::Assigned => "assigned",
            Self::RequesterReply => "requester_reply",
            Self::SlaWarning => "sla_warning",
            Self::SlaBreach => "sla_breach",
        }
    }

    /// Notices to staff are switchable; those to requesters are part of the service.
    pub fn to_staff(self) -> bool {
        matches!(
            self,
            Self::Assigned | Self::RequesterReply | Self::SlaWarning | Self::SlaBreach
        )
    }

    /// An answer to the person's own message (RFC 3834 `auto-replied`), not news of the desk's own.
    pub fn is_reply(self) -> bool {
        self == Self::RequestReceived
    }
}

/// Whom a notice goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    Requester,
    Staff(i64),
}

/// A notice an event causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notice {
    pub purpose: Purpose,
    pub to: Recipient,
}

/// The event as the rules need it.
#[derive(Debug, Clone)]
pub struct EventFacts<'a> {
    pub kind: &'a str,
    /// `staff`, `requester` or `system`.
    pub actor_kind: &'a str,
    pub actor_id: Option<i64>,
    pub data: &'a Value,
    /// The ticket's assignee now.
    pub assignee: Option<i64>,
}

/// The notices `event` causes. Nobody is told of their own act.
pub fn notices(event: &EventFacts) -> Vec<Notice> {
    let requester = |purpose| Notice {
        purpose,
        to: Recipient::Requester,
    };
    let staff = |purpose, id: Option<i64>| {
        id.filter(|id| event.actor_kind != "staff" || Some(*id) != event.actor_id)
            .map(|id| Notice {
                purpose,
                to: Recipient::Staff(id),
            })
    };
    let by_requester = event.actor_kind == "requester";
    let mut out = Vec::new();
    match event.kind {
        "created" => out.push(requester(Purpose::RequestReceived)),
        "replied" if by_requester => out.extend(staff(Purpose::RequesterReply, event.assignee)),
        "replied" => {
            let waits = event.data["await_requester"].as_bool().unwrap_or(false);
            out.push(requester(if waits {
                Purpose::WaitingForYou
            } else {
                Purpose::StaffReply
            }));
        }
        "resolved" => out.push(requester(Purpose::Resolved)),
        "transfer_accepted" => out.push(requester(Purpose::Transferred)),
        "legal_term_extended" => out.push(requester(Purpose::TermExtended)),
        "assigned" => out.extend(staff(
            Purpose::Assigned,
            event.data["assignee"]["id"].as_i64(),
        )),
        "sla_warning" => out.extend(staff(Purpose::SlaWarning, event.assignee)),
        "sla_breached" => out.extend(staff(Purpose::SlaBreach, event.assignee)),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts<'a>(kind: &'a str, actor: &'a str, data: &'a Value) -> EventFacts<'a> {
        EventFacts {
            kind,
            actor_kind: actor,
            actor_id: (actor == "staff").then_some(7),
            data,
            assignee: Some(9),
        }
    }

    fn purposes(f: &EventFacts) -> Vec<(Purpose, Recipient)> {
        notices(f).into_iter().map(|n| (n.purpose, n.to)).collect()
    }

    #[test]
    fn requesters_hear_what_happens_to_their_request() {
        let none = json!({});
        let waits = json!({"await_requester": true});
        let r = Recipient::Requester;
        assert_eq!(
            purposes(&facts("created", "requester", &none)),
            [(Purpose::RequestReceived, r)]
        );
        assert_eq!(
            purposes(&facts("replied", "staff", &none)),
            [(Purpose::StaffReply, r)]
        );
        assert_eq!(
            purposes(&facts("replied", "staff", &waits)),
            [(Purpose::WaitingForYou, r)]
        );
        assert_eq!(
            purposes(&facts("resolved", "staff", &none)),
            [(Purpose::Resolved, r)]
        );
        assert_eq!(
            purposes(&facts("transfer_accepted", "staff", &none)),
            [(Purpose::Transferred, r)]
        );
        assert_eq!(
            purposes(&facts("legal_term_extended", "staff", &none)),
            [(Purpose::TermExtended, r)]
        );
        assert!(
            purposes(&facts("noted", "staff", &none)).is_empty(),
            "internal notes stay inside"
        );
    }

    #[test]
    fn staff_hear_what_needs_them_but_not_their_own_acts() {
        let none = json!({});
        assert_eq!(
            purposes(&facts("replied", "requester", &none)),
            [(Purpose::RequesterReply, Recipient::Staff(9))]
        );
        let to_nine = json!({"assignee": {"id": 9}});
        assert_eq!(
            purposes(&facts("assigned", "staff", &to_nine)),
            [(Purpose::Assigned, Recipient::Staff(9))]
        );
        let to_self = json!({"assignee": {"id": 7}});
        assert!(
            purposes(&facts("assigned", "staff", &to_self)).is_empty(),
            "took it themselves"
        );
        assert_eq!(
            purposes(&facts("sla_breached", "system", &none)),
            [(Purpose::SlaBreach, Recipient::Staff(9))]
        );
        let unassigned = EventFacts {
            assignee: None,
            ..facts("sla_warning", "system", &none)
        };
        assert!(notices(&unassigned).is_empty());
    }

    #[test]
    fn names_are_stable_and_only_staff_notices_switch() {
        let names: std::collections::HashSet<_> = Purpose::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(names.len(), Purpose::ALL.len());
        assert_eq!(Purpose::ALL.iter().filter(|p| p.to_staff()).count(), 4);
    }
}
