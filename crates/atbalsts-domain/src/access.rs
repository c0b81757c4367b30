//! Who may do what, in which institution.
//!
//! Staff act within their scopes (an institution, optionally narrowed to one
//! service). Central help-desk agents and system administrators (an
//! administrator with no scope) act everywhere. A requester without an
//! account reaches exactly one ticket, through its secret access token.

use crate::error::DomainError;
use crate::ticket::Level;
use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Level-1 support specialist.
    Specialist,
    /// Level-2 support expert (e.g. a developer).
    Expert,
    /// Level-2 expert responsible for one or more services.
    ServiceManager,
    /// Level-2 expert responsible for a resource (information system, app).
    ResourceManager,
    /// Institution's service portfolio manager: all services of the institution.
    PortfolioManager,
    /// Agent of a partner organisation helping with some services.
    PartnerAgent,
    /// Agent of the central state help desk: works tickets of every institution.
    CentralAgent,
    Administrator,
}

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::Specialist,
        Role::Expert,
        Role::ServiceManager,
        Role::ResourceManager,
        Role::PortfolioManager,
        Role::PartnerAgent,
        Role::CentralAgent,
        Role::Administrator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Specialist => "specialist",
            Role::Expert => "expert",
            Role::ServiceManager => "service_manager",
            Role::ResourceManager => "resource_manager",
            Role::PortfolioManager => "portfolio_manager",
            Role::PartnerAgent => "partner_agent",
            Role::CentralAgent => "central_agent",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.iter().copied().find(|r| r.as_str() == s)
    }

    pub fn expected() -> String {
        Role::ALL
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Level-2 roles may hand a ticket back down to level 1.
    fn is_expert(self) -> bool {
        matches!(
            self,
            Role::Expert
                | Role::ServiceManager
                | Role::ResourceManager
                | Role::PortfolioManager
                | Role::CentralAgent
                | Role::Administrator
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An institution, optionally narrowed to one of its services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Scope {
    pub institution: String,
    pub service: Option<String>,
}

impl Scope {
    fn covers(&self, institution: &str, service: Option<&str>) -> bool {
        self.institution == institution
            && match &self.service {
                None => true,
                Some(s) => service == Some(s.as_str()),
            }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffActor {
    pub user_id: i64,
    pub name: String,
    pub role: Role,
    pub scopes: Vec<Scope>,
}

impl StaffActor {
    /// Central agents and system-wide administrators see every institution.
    pub fn sees_everything(&self) -> bool {
        self.role == Role::CentralAgent
            || (self.role == Role::Administrator && self.scopes.is_empty())
    }

    pub fn covers(&self, institution: &str, service: Option<&str>) -> bool {
        self.sees_everything() || self.scopes.iter().any(|s| s.covers(institution, service))
    }

    /// Which tickets a queue may show to this person: `None` means all.
    pub fn visible_scopes(&self) -> Option<&[Scope]> {
        if self.sees_everything() {
            None
        } else {
            Some(&self.scopes)
        }
    }
}

/// Whoever sends a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Staff(StaffActor),
    /// A requester holding the access token of one ticket.
    Requester {
        ticket_id: i64,
    },
    Anonymous,
}

/// What the actor wants to do to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    View,
    Reply,
    Note,
    Assign,
    ChangeLevel { from: Level, to: Level },
    Transfer,
    Resolve,
    Reopen,
    Close,
}

/// The facts about a ticket that access depends on.
#[derive(Debug, Clone, Copy)]
pub struct TicketFacts<'a> {
    pub id: i64,
    pub institution: &'a str,
    pub service: Option<&'a str>,
}

/// Check that `actor` may perform `action` on the ticket.
///
/// A ticket outside the actor's scope answers as not found elsewhere (so its
/// existence is not revealed); here it is a `Forbidden` with a reason.
pub fn authorize(
    actor: &Actor,
    action: Action,
    ticket: TicketFacts<'_>,
) -> Result<(), DomainError> {
    match actor {
        Actor::Anonymous => Err(DomainError::Forbidden(
            "sign in or use the ticket's access link to see this ticket".into(),
        )),
        Actor::Requester { ticket_id } => {
            if *ticket_id != ticket.id {
                return Err(DomainError::Forbidden(
                    "this access token belongs to another ticket".into(),
                ));
            }
            match action {
                Action::View | Action::Reply | Action::Reopen | Action::Close => Ok(()),
                _ => Err(DomainError::Forbidden(
                    "only support staff can do this".into(),
                )),
            }
        }
        Actor::Staff(staff) => {
            if !staff.covers(ticket.institution, ticket.service) {
                return Err(DomainError::Forbidden(
                    "this ticket belongs to an institution or service outside your scope".into(),
                ));
            }
            let allowed = match action {
                Action::View | Action::Reply | Action::Note => true,
                Action::ChangeLevel { from, to } if to < from => staff.role.is_expert(),
                _ => staff.role != Role::PartnerAgent,
            };
            if allowed {
                Ok(())
            } else {
                Err(DomainError::Forbidden(format!(
                    "the role {} may not do this",
                    staff.role
                )))
            }
        }
    }
}

/// Check that staff may register a new ticket for `institution`/`service`.
pub fn authorize_create(
    staff: &StaffActor,
    institution: &str,
    service: Option<&str>,
) -> Result<(), DomainError> {
    if staff.covers(institution, service) {
        Ok(())
    } else {
        Err(DomainError::Forbidden(format!(
            "you may not register tickets for institution {institution}{}",
            service
                .map(|s| format!(", service {s}"))
                .unwrap_or_default()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role, scopes: &[(&str, Option<&str>)]) -> Actor {
        Actor::Staff(StaffActor {
            user_id: 1,
            name: "x".into(),
            role,
            scopes: scopes
                .iter()
                .map(|(i, s)| Scope {
                    institution: i.to_string(),
                    service: s.map(str::to_string),
                })
                .collect(),
        })
    }

    const PMLP: TicketFacts<'static> = TicketFacts {
        id: 7,
        institution: "PMLP",
        service: Some("PMLP-001"),
    };

    #[test]
    fn staff_see_only_their_institution() {
        let a = staff(Role::Specialist, &[("VID", None)]);
        assert!(authorize(&a, Action::View, PMLP).is_err());
        let b = staff(Role::Specialist, &[("PMLP", None)]);
        assert!(authorize(&b, Action::View, PMLP).is_ok());
    }

    #[test]
    fn service_scopes_narrow() {
        let sm = staff(Role::ServiceManager, &[("PMLP", Some("PMLP-003"))]);
        assert!(authorize(&sm, Action::View, PMLP).is_err());
        let sm = staff(Role::ServiceManager, &[("PMLP", Some("PMLP-001"))]);
        assert!(authorize(&sm, Action::Resolve, PMLP).is_ok());
    }

    #[test]
    fn central_agents_and_global_admins_see_all() {
        assert!(
            authorize(
                &staff(Role::CentralAgent, &[("VDAA", None)]),
                Action::Transfer,
                PMLP
            )
            .is_ok()
        );
        assert!(authorize(&staff(Role::Administrator, &[]), Action::Close, PMLP).is_ok());
        assert!(
            authorize(
                &staff(Role::Administrator, &[("VID", None)]),
                Action::View,
                PMLP
            )
            .is_err()
        );
    }

    #[test]
    fn partners_talk_but_do_not_decide() {
        let p = staff(Role::PartnerAgent, &[("PMLP", Some("PMLP-001"))]);
        assert!(authorize(&p, Action::Reply, PMLP).is_ok());
        assert!(authorize(&p, Action::Resolve, PMLP).is_err());
        assert!(authorize(&p, Action::Assign, PMLP).is_err());
    }

    #[test]
    fn only_experts_de_escalate() {
        let down = Action::ChangeLevel {
            from: Level::Expert,
            to: Level::Specialist,
        };
        let up = Action::ChangeLevel {
            from: Level::Specialist,
            to: Level::Expert,
        };
        let s = staff(Role::Specialist, &[("PMLP", None)]);
        assert!(authorize(&s, up, PMLP).is_ok());
        assert!(authorize(&s, down, PMLP).is_err());
        assert!(authorize(&staff(Role::Expert, &[("PMLP", None)]), down, PMLP).is_ok());
    }

    #[test]
    fn requester_reaches_only_own_ticket() {
        let r = Actor::Requester { ticket_id: 7 };
        assert!(authorize(&r, Action::View, PMLP).is_ok());
        assert!(authorize(&r, Action::Note, PMLP).is_err());
        let other = Actor::Requester { ticket_id: 8 };
        assert!(authorize(&other, Action::View, PMLP).is_err());
        assert!(authorize(&Actor::Anonymous, Action::View, PMLP).is_err());
    }
}
