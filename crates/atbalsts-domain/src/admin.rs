//! Who may administer what: staff accounts and their scopes, support groups,
//! and the shared registers. A system administrator (an administrator without
//! scopes) administers everything; an institution's administrator only the
//! accounts and groups of their own institutions, and never hands out more
//! than they have.

use crate::refusal::Code;
use crate::{DomainError, Role, Scope, StaffActor};

/// Whether `staff` administers at all.
pub fn is_administrator(staff: &StaffActor) -> bool {
    staff.role == Role::Administrator
}

/// Whether `staff` is the system administrator of the installation.
pub fn is_system_administrator(staff: &StaffActor) -> bool {
    staff.role == Role::Administrator && staff.scopes.is_empty()
}

/// Whether `staff` administers `institution`'s accounts and groups.
pub fn administers(staff: &StaffActor, institution: &str) -> bool {
    is_system_administrator(staff)
        || (is_administrator(staff)
            && staff
                .scopes
                .iter()
                .any(|s| s.institution == institution && s.service.is_none()))
}

/// May `staff` give an account `role` with `scopes`? A change is checked twice:
/// for what the account is now and for what it becomes.
pub fn authorize_account(
    staff: &StaffActor,
    role: Role,
    scopes: &[Scope],
) -> Result<(), DomainError> {
    if !is_administrator(staff) {
        return Err(DomainError::forbidden(
            Code::AdminOnly,
            "only administrators manage staff accounts",
        ));
    }
    let installation_wide =
        role == Role::CentralAgent || (role == Role::Administrator && scopes.is_empty());
    if installation_wide && !is_system_administrator(staff) {
        return Err(DomainError::forbidden(
            Code::AccessSystemAdministrator,
            "only the system administrator creates central agents and system administrators",
        ));
    }
    if scopes.is_empty() && !installation_wide {
        return Err(DomainError::invalid(
            "institution",
            "choose the institution the person works for",
        ));
    }
    if let Some(outside) = scopes.iter().find(|s| !administers(staff, &s.institution)) {
        return Err(DomainError::forbidden(
            Code::AdminNotYours,
            format!("you do not administer {}", outside.institution),
        ));
    }
    Ok(())
}

/// May `staff` manage `institution`'s support groups?
pub fn authorize_group(staff: &StaffActor, institution: &str) -> Result<(), DomainError> {
    if administers(staff, institution) {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            Code::AdminNotYours,
            format!("you do not administer the support groups of {institution}"),
        ))
    }
}

/// May `staff` manage `institution`'s webhooks (where its ticket events go
/// out)? Administrators only (`admin.only`), of that institution
/// (`admin.not_yours`); the system administrator of every one.
pub fn authorize_webhooks(staff: &StaffActor, institution: &str) -> Result<(), DomainError> {
    if !is_administrator(staff) {
        return Err(DomainError::forbidden(
            Code::AdminOnly,
            "only administrators manage webhooks",
        ));
    }
    if administers(staff, institution) {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            Code::AdminNotYours,
            format!("you do not administer the webhooks of {institution}"),
        ))
    }
}

/// Whose received e-mail an administrator handles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailScope {
    /// Every message, also those addressed to no group (the system administrator).
    All,
    /// Messages to these institutions' groups or threaded into their tickets.
    Institutions(Vec<String>),
}

impl MailScope {
    /// Whether a message that went to `institution` (`None`: to no group
    /// and no ticket) is within the scope.
    pub fn covers(&self, institution: Option<&str>) -> bool {
        match (self, institution) {
            (MailScope::All, _) => true,
            (MailScope::Institutions(own), Some(i)) => own.iter().any(|o| o == i),
            (MailScope::Institutions(_), None) => false,
        }
    }
}

/// Which received mail `staff` may see, release and delete: administrators
/// only; an institution's administrator the mail of the institutions they
/// administer, since a quarantined message holds a citizen's words that
/// belong to the institution it was written to.
pub fn mail_scope(staff: &StaffActor) -> Result<MailScope, DomainError> {
    if is_system_administrator(staff) {
        return Ok(MailScope::All);
    }
    let own: Vec<String> = staff
        .scopes
        .iter()
        .filter(|s| s.service.is_none())
        .map(|s| s.institution.clone())
        .collect();
    if !is_administrator(staff) || own.is_empty() {
        return Err(DomainError::forbidden(
            Code::AdminOnly,
            "only administrators handle the received e-mail",
        ));
    }
    Ok(MailScope::Institutions(own))
}

/// May `staff` import the registers (shared by every institution)?
pub fn authorize_register_import(staff: &StaffActor) -> Result<(), DomainError> {
    if is_system_administrator(staff) {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            Code::AccessSystemAdministrator,
            "the registers are shared by every institution; only the system administrator imports them",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role, scopes: &[(&str, Option<&str>)]) -> StaffActor {
        StaffActor {
            user_id: 1,
            name: "A".into(),
            role,
            scopes: scopes
                .iter()
                .map(|(i, s)| Scope {
                    institution: (*i).into(),
                    service: s.map(Into::into),
                })
                .collect(),
        }
    }

    #[test]
    fn institution_administrators_handle_their_institutions_mail() {
        let system = staff(Role::Administrator, &[]);
        assert_eq!(mail_scope(&system).ok(), Some(MailScope::All));
        assert!(MailScope::All.covers(None));
        let pmlp = staff(
            Role::Administrator,
            &[("PMLP", None), ("VID", Some("VID-001"))],
        );
        let scope = mail_scope(&pmlp).ok();
        assert_eq!(scope, Some(MailScope::Institutions(vec!["PMLP".into()])));
        let scope = scope.unwrap_or(MailScope::All);
        assert!(scope.covers(Some("PMLP")));
        assert!(
            !scope.covers(Some("VID")),
            "a service scope administers nothing"
        );
        assert!(
            !scope.covers(None),
            "mail to no group is the system administrator's"
        );
        for other in [
            staff(Role::Specialist, &[("PMLP", None)]),
            staff(Role::CentralAgent, &[]),
            staff(Role::Administrator, &[("PMLP", Some("PMLP-001"))]),
        ] {
            assert!(mail_scope(&other).is_err(), "{other:?}");
        }
    }

    fn scope(i: &str) -> Scope {
        Scope {
            institution: i.into(),
            service: None,
        }
    }

    #[test]
    fn the_system_administrator_administers_everything() {
        let root = staff(Role::Administrator, &[]);
        assert!(authorize_account(&root, Role::CentralAgent, &[scope("VDAA")]).is_ok());
        assert!(authorize_account(&root, Role::Administrator, &[]).is_ok());
        assert!(authorize_account(&root, Role::Specialist, &[scope("VID")]).is_ok());
        assert!(authorize_group(&root, "VID").is_ok());
        assert!(authorize_register_import(&root).is_ok());
    }

    #[test]
    fn an_institution_administrator_stays_in_their_institution() {
        let pmlp = staff(Role::Administrator, &[("PMLP", None)]);
        assert!(authorize_account(&pmlp, Role::Expert, &[scope("PMLP")]).is_ok());
        assert!(authorize_account(&pmlp, Role::Administrator, &[scope("PMLP")]).is_ok());
        for (role, scopes) in [
            (Role::Specialist, vec![scope("VID")]),
            (Role::Specialist, vec![scope("PMLP"), scope("VID")]),
            (Role::Administrator, vec![]),
            (Role::CentralAgent, vec![scope("PMLP")]),
        ] {
            assert!(
                matches!(
                    authorize_account(&pmlp, role, &scopes),
                    Err(DomainError::Forbidden(_))
                ),
                "{role:?} {scopes:?}"
            );
        }
        assert!(authorize_group(&pmlp, "PMLP").is_ok());
        assert!(authorize_group(&pmlp, "VID").is_err());
        assert!(authorize_register_import(&pmlp).is_err());
        assert!(authorize_webhooks(&pmlp, "PMLP").is_ok());
        assert!(matches!(
            authorize_webhooks(&pmlp, "VID"),
            Err(DomainError::Forbidden(r)) if r.code == Code::AdminNotYours
        ));
        let expert = staff(Role::Expert, &[("PMLP", None)]);
        assert!(matches!(
            authorize_webhooks(&expert, "PMLP"),
            Err(DomainError::Forbidden(r)) if r.code == Code::AdminOnly
        ));
        assert!(
            authorize_account(&pmlp, Role::Administrator, &[]).is_err(),
            "cannot touch the system administrator"
        );
    }

    #[test]
    fn others_administer_nothing() {
        for role in [
            Role::Specialist,
            Role::Expert,
            Role::CentralAgent,
            Role::ServiceManager,
        ] {
            let s = staff(role, &[("PMLP", None)]);
            assert!(authorize_account(&s, Role::Specialist, &[scope("PMLP")]).is_err());
            assert!(authorize_group(&s, "PMLP").is_err());
        }
        let narrow = staff(Role::Administrator, &[("PMLP", Some("PMLP-001"))]);
        assert!(
            !administers(&narrow, "PMLP"),
            "a service scope does not administer the institution"
        );
    }

    #[test]
    fn an_account_needs_an_institution() {
        let root = staff(Role::Administrator, &[]);
        assert!(matches!(
            authorize_account(&root, Role::Specialist, &[]),
            Err(DomainError::Invalid(_))
        ));
    }
}
