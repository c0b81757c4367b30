//! Requesters as records (the desk's CRM): how contact details are
//! normalised so one person is recognised across channels, which record a
//! new contact belongs to, who may see a record, and the checks of merging
//! two records and splitting them back.

use crate::access::{Role, StaffActor, TicketFacts};
use crate::error::DomainError;
use crate::refusal::Code;
use crate::validate::is_email;

/// An e-mail address as the desk compares it: trimmed and lower-cased.
/// `None` when it is not an address at all.
///
/// The local part is case-sensitive by the letter of RFC 5321, but no mail
/// system a citizen uses treats it so, and two records for `Anna@…` and
/// `anna@…` would split one person.
pub fn normalize_email(value: &str) -> Option<String> {
    let v = value.trim().to_lowercase();
    is_email(&v).then_some(v)
}

/// A phone number in E.164 (`+37126123456`), as telephony systems, forms and
/// staff write it in Latvia: spaces, dashes, dots and brackets are dropped, an
/// international `00` becomes `+`, a trunk `(0)` after the country code goes,
/// and a Latvian number written without its country code (8 digits starting
/// with 2 — mobile — or 6 — fixed line) gets `+371`; so does `371…` without a
/// plus. `None` when what is left is not a plausible international number.
pub fn normalize_phone(value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() || v.len() > 40 {
        return None;
    }
    let v = v.replace("(0)", "");
    let mut out = String::with_capacity(16);
    for c in v.chars() {
        match c {
            '0'..='9' => out.push(c),
            '+' if out.is_empty() => out.push(c),
            ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}' => {}
            _ => return None,
        }
    }
    let e164 = if let Some(rest) = out.strip_prefix('+') {
        format!("+{rest}")
    } else if let Some(rest) = out.strip_prefix("00") {
        format!("+{rest}")
    } else if out.len() == 8 && (out.starts_with('2') || out.starts_with('6')) {
        format!("+371{out}")
    } else if out.len() == 11 && out.starts_with("371") {
        format!("+{out}")
    } else {
        return None;
    };
    let digits = &e164[1..];
    let plausible = (7..=15).contains(&digits.len())
        && !digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit());
    plausible.then_some(e164)
}

/// Which record a new contact belongs to, given the record (if any) that
/// already holds its e-mail address and the one that holds its phone number.
///
/// The e-mail address is the stronger sign (a phone may be a household's or an
/// office's), so it wins when both are known and differ. A name alone never
/// decides: without a known address or number the contact is a new record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recognition {
    Known(i64),
    New,
}

pub fn recognise(by_email: Option<i64>, by_phone: Option<i64>) -> Recognition {
    match by_email.or(by_phone) {
        Some(id) => Recognition::Known(id),
        None => Recognition::New,
    }
}

/// Whether `staff` may see a requester's record, given the tickets it has:
/// a record is personal data, shown to those who work on at least one of
/// its tickets; central agents and system administrators see every record.
pub fn may_see<'a>(staff: &StaffActor, tickets: impl IntoIterator<Item = TicketFacts<'a>>) -> bool {
    staff.sees_everything()
        || tickets
            .into_iter()
            .any(|t| staff.covers(t.institution, t.service))
}

/// Whether `staff` may edit, merge or split records they can see. Partners'
/// agents help with some services but do not curate the desk's records.
pub fn authorize_change(staff: &StaffActor) -> Result<(), DomainError> {
    if staff.role == Role::PartnerAgent {
        return Err(DomainError::forbidden(
            Code::AccessRole,
            format!("the role {} may not change requester records", staff.role),
        ));
    }
    Ok(())
}

/// A record as merging sees it.
#[derive(Debug, Clone, Copy)]
pub struct RecordFacts {
    pub id: i64,
    /// Set when the record was merged into another one.
    pub merged_into: Option<i64>,
}

/// Check merging `other` into `survivor`.
pub fn check_merge(survivor: RecordFacts, other: RecordFacts) -> Result<(), DomainError> {
    if survivor.id == other.id {
        return Err(DomainError::conflict(
            Code::RequesterMergeSelf,
            "a record cannot be merged into itself",
        ));
    }
    for r in [survivor, other] {
        if let Some(into) = r.merged_into {
            return Err(DomainError::conflict(
                Code::RequesterMerged,
                format!(
                    "record {} was merged into record {into} already; use that one",
                    r.id
                ),
            ));
        }
    }
    Ok(())
}

/// Check splitting back the merge recorded by an event of `kind`, undone
/// already when `undone` is true.
pub fn check_split(kind: &str, undone: bool) -> Result<(), DomainError> {
    if kind != "merged" {
        return Err(DomainError::conflict(
            Code::RequesterNotMerge,
            "only a merge can be split back",
        ));
    }
    if undone {
        return Err(DomainError::conflict(
            Code::RequesterSplitDone,
            "this merge was split back already",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Scope;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            normalize_email("  Anna.Berzina@Example.LV "),
            Some("anna.berzina@example.lv".into())
        );
        assert_eq!(normalize_email("not an address"), None);
        assert_eq!(normalize_email(""), None);
    }

    #[test]
    fn phones_become_e164() {
        for written in [
            "+371 26 123 456",
            "26123456",
            "26-123-456",
            "(+371) 26123456",
            "00371 26123456",
            "371 2612 3456",
            "+371 (0) 26123456",
            " 2612.3456 ",
        ] {
            assert_eq!(
                normalize_phone(written).as_deref(),
                Some("+37126123456"),
                "{written}"
            );
        }
        assert_eq!(
            normalize_phone("67 012 345").as_deref(),
            Some("+37167012345")
        );
        assert_eq!(
            normalize_phone("+44 20 7946 0958").as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            normalize_phone("0044 20 7946 0958").as_deref(),
            Some("+442079460958")
        );
    }

    #[test]
    fn what_is_not_a_number_is_refused() {
        for written in [
            "",
            "call me",
            "12345678",
            "2612345",
            "+",
            "+0 123 456 789",
            "26123456x",
            "+1234567890123456",
            "2+6123456",
        ] {
            assert_eq!(normalize_phone(written), None, "{written}");
        }
    }

    #[test]
    fn recognition_by_address_or_number_never_by_name() {
        assert_eq!(recognise(None, None), Recognition::New);
        assert_eq!(recognise(Some(3), None), Recognition::Known(3));
        assert_eq!(recognise(None, Some(4)), Recognition::Known(4));
        // The address is the stronger sign.
        assert_eq!(recognise(Some(3), Some(4)), Recognition::Known(3));
    }

    fn staff(role: Role, scopes: &[(&str, Option<&str>)]) -> StaffActor {
        StaffActor {
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
        }
    }

    fn ticket<'a>(institution: &'a str, service: Option<&'a str>) -> TicketFacts<'a> {
        TicketFacts {
            id: 1,
            institution,
            service,
        }
    }

    #[test]
    fn a_record_is_seen_through_a_ticket_in_scope() {
        let vid = staff(Role::Specialist, &[("VID", None)]);
        let pmlp_service = staff(Role::Specialist, &[("PMLP", Some("PMLP-001"))]);
        let tickets = [ticket("VID", None), ticket("PMLP", Some("PMLP-002"))];
        assert!(may_see(&vid, tickets));
        assert!(!may_see(&pmlp_service, tickets));
        assert!(may_see(&pmlp_service, [ticket("PMLP", Some("PMLP-001"))]));
        // Without tickets, only those who see everything see the record.
        assert!(!may_see(&vid, []));
        assert!(may_see(&staff(Role::Administrator, &[]), []));
        assert!(may_see(&staff(Role::CentralAgent, &[]), tickets));
        // An institution's administrator is not a system administrator.
        assert!(!may_see(
            &staff(Role::Administrator, &[("LAD", None)]),
            tickets
        ));
    }

    #[test]
    fn partners_do_not_change_records() {
        assert!(authorize_change(&staff(Role::PartnerAgent, &[("VID", None)])).is_err());
        assert!(authorize_change(&staff(Role::Specialist, &[("VID", None)])).is_ok());
    }

    #[test]
    fn merge_and_split_refusals() {
        let live = |id| RecordFacts {
            id,
            merged_into: None,
        };
        assert!(check_merge(live(1), live(2)).is_ok());
        let code = |r: Result<(), DomainError>| r.err().and_then(|e| e.code());
        assert_eq!(
            code(check_merge(live(1), live(1))),
            Some(Code::RequesterMergeSelf)
        );
        let gone = RecordFacts {
            id: 2,
            merged_into: Some(1),
        };
        assert_eq!(
            code(check_merge(gone, live(3))),
            Some(Code::RequesterMerged)
        );
        assert_eq!(
            code(check_merge(live(3), gone)),
            Some(Code::RequesterMerged)
        );
        assert!(check_split("merged", false).is_ok());
        assert_eq!(
            code(check_split("merged", true)),
            Some(Code::RequesterSplitDone)
        );
        assert_eq!(
            code(check_split("edited", false)),
            Some(Code::RequesterNotMerge)
        );
    }
}
