//! Who may do what, in which institution.
//!
//! Staff act within their scopes (an institution, optionally narrowed to one
//! service). Central help-desk agents and system administrators (an
//! administrator with no scope) act everywhere. A requester without an
//! account reaches exactly one ticket, through its secret access token.

use crate::error::DomainError;
use crate::refusal::Code;
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

    /// Roles that write knowledge-base articles, within their scopes: the
    /// level-2 people who know the services (experts, service, resource and
    /// portfolio managers), administrators, and central agents. Level-1
    /// specialists and partners' agents read and rate articles but do not
    /// write them.
    pub fn edits_articles(self) -> bool {
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

    /// Whether the article lies within this person's scopes: everywhere for
    /// central agents and system-wide administrators; otherwise the owning
    /// institution must be theirs — a whole-institution scope covers every
    /// article of it, service scopes only articles all of whose services
    /// they cover. (Whether the role writes articles at all is
    /// [`Role::edits_articles`].)
    pub fn covers_article(&self, article: ArticleFacts<'_>) -> bool {
        if self.sees_everything() {
            return true;
        }
        let Some(institution) = article.institution else {
            return false;
        };
        self.scopes
            .iter()
            .any(|s| s.institution == institution && s.service.is_none())
            || (!article.services.is_empty()
                && article.services.iter().all(|service| {
                    self.scopes
                        .iter()
                        .any(|s| s.covers(institution, Some(service)))
                }))
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
        Actor::Anonymous => Err(DomainError::forbidden(
            Code::AccessSignIn,
            "sign in or use the ticket's access link to see this ticket",
        )),
        Actor::Requester { ticket_id } => {
            if *ticket_id != ticket.id {
                return Err(DomainError::forbidden(
                    Code::AccessOtherTicket,
                    "this access token belongs to another ticket",
                ));
            }
            match action {
                Action::View | Action::Reply | Action::Reopen | Action::Close => Ok(()),
                _ => Err(DomainError::forbidden(
                    Code::AccessStaffOnly,
                    "only support staff can do this",
                )),
            }
        }
        Actor::Staff(staff) => {
            if !staff.covers(ticket.institution, ticket.service) {
                return Err(DomainError::forbidden(
                    Code::AccessOutOfScope,
                    "this ticket belongs to an institution or service outside your scope",
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
                Err(DomainError::forbidden(
                    Code::AccessRole,
                    format!("the role {} may not do this", staff.role),
                ))
            }
        }
    }
}

/// The facts about a knowledge-base article that editing rights depend on.
#[derive(Debug, Clone, Copy)]
pub struct ArticleFacts<'a> {
    /// The owning institution (none for an imported article without services).
    pub institution: Option<&'a str>,
    pub services: &'a [String],
}

/// Check that `staff` may write this knowledge-base article (as it is, or as
/// an edit would leave it): the role must write articles and the article must
/// lie within their scopes. The store answers an existing article outside
/// the scopes as not found, like a ticket.
pub fn authorize_article_edit(
    staff: &StaffActor,
    article: ArticleFacts<'_>,
) -> Result<(), DomainError> {
    if !staff.role.edits_articles() {
        return Err(DomainError::forbidden(
            Code::ArticleRole,
            format!(
                "the role {} may not write knowledge-base articles",
                staff.role
            ),
        ));
    }
    if staff.covers_article(article) {
        return Ok(());
    }
    Err(DomainError::forbidden(Code::ArticleOutOfScope, match article.institution {
        Some(i) => format!(
            "you may not write articles of institution {i}{}",
            if article.services.is_empty() {
                String::new()
            } else {
                format!(" for the services {}", article.services.join(", "))
            }
        ),
        None => "only central agents and system administrators may write articles that belong to no institution".into(),
    }))
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
        Err(DomainError::forbidden(
            Code::ContactOutOfScope,
            format!(
                "you may not register tickets for institution {institution}{}",
                service
                    .map(|s| format!(", service {s}"))
                    .unwrap_or_default()
            ),
        ))
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

    fn facts<'a>(institution: Option<&'a str>, services: &'a [String]) -> ArticleFacts<'a> {
        ArticleFacts {
            institution,
            services,
        }
    }

    #[test]
    fn article_editors_by_role_and_scope() {
        let residence = ["PMLP-003".to_string()];
        let two = ["PMLP-003".to_string(), "PMLP-001".to_string()];
        let article = facts(Some("PMLP"), &residence);
        let edits = |a: &Actor, f: ArticleFacts<'_>| match a {
            Actor::Staff(s) => authorize_article_edit(s, f).is_ok(),
            _ => false,
        };
        // Level-2 roles and administrators of the institution.
        for role in [
            Role::Expert,
            Role::ServiceManager,
            Role::ResourceManager,
            Role::PortfolioManager,
            Role::Administrator,
        ] {
            assert!(edits(&staff(role, &[("PMLP", None)]), article), "{role}");
            assert!(!edits(&staff(role, &[("VID", None)]), article), "{role}");
        }
        // Never: level-1 specialists and partners, even in scope.
        for role in [Role::Specialist, Role::PartnerAgent] {
            assert!(!edits(&staff(role, &[("PMLP", None)]), article), "{role}");
        }
        // Everywhere: central agents and system-wide administrators, even without an owner.
        let central = staff(Role::CentralAgent, &[("VDAA", None)]);
        let admin = staff(Role::Administrator, &[]);
        for a in [&central, &admin] {
            assert!(edits(a, article));
            assert!(edits(a, facts(None, &[])));
        }
        assert!(!edits(
            &staff(Role::Expert, &[("PMLP", None)]),
            facts(None, &[])
        ));
        // A service manager: only articles all of whose services are theirs.
        let sm = staff(Role::ServiceManager, &[("PMLP", Some("PMLP-003"))]);
        assert!(edits(&sm, article));
        assert!(!edits(&sm, facts(Some("PMLP"), &two)));
        assert!(!edits(&sm, facts(Some("PMLP"), &[])));
        let both = staff(
            Role::ServiceManager,
            &[("PMLP", Some("PMLP-003")), ("PMLP", Some("PMLP-001"))],
        );
        assert!(edits(&both, facts(Some("PMLP"), &two)));
        // The reason names the role or the scope.
        let Actor::Staff(s) = staff(Role::PartnerAgent, &[("PMLP", None)]) else {
            return;
        };
        let refusal = authorize_article_edit(&s, article).err();
        assert!(format!("{refusal:?}").contains("partner_agent"));
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
