//! Legal deadlines for written submissions (Iesniegumu likums), separate from
//! the support SLAs. The rules are data with the date they take effect (the
//! `legal_rules` table), so the next amendment is a row, not a release.
//!
//! Two rule sets are known:
//! - until 28 February 2026: answer within one month of receipt, extendable
//!   with notice to at most four months from receipt (s.5(1)–(2)); forward to
//!   the competent institution within 7 working days (s.6);
//! - from 1 March 2026 (amendments adopted by the Saeima on 5 February 2026):
//!   answer within 10 working days; within one month when more information,
//!   other institutions or much material are needed; forward within 5 working
//!   days, telling the submitter.
//!
//! Sources read: the Saeima's announcements of 28 January and 5 February 2026
//! (saeima.lv; the final reading, in force from 1 March 2026), LV portāls on the
//! one-month / four-month rule before it, and shared/research/latvia-domain.md
//! §3. The consolidated text on likumi.lv was not reachable from the build
//! machine; the transitional rule is assumed to be the general one: a
//! submission follows the rules in force on the day it was received.
//!
//! Terms are counted as the Administrative Procedure Law does: working days
//! from the day after receipt; a term in months ends on the same date of the
//! target month (its last day when the month is shorter); a term ending on a
//! day that is not worked ends on the next working day.

use crate::calendar::Calendar;
use crate::error::DomainError;
use crate::refusal::Code;
use crate::ticket::Channel;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A length of time as the law states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term {
    WorkingDays(u16),
    Months(u8),
}

impl Term {
    /// From the schema's count and unit (`working_days` or `months`).
    pub fn from_parts(count: i64, unit: &str) -> Option<Term> {
        match unit {
            "working_days" => u16::try_from(count).ok().map(Term::WorkingDays),
            "months" => u8::try_from(count).ok().map(Term::Months),
            _ => None,
        }
    }
}

/// The rules for submissions received from `effective_from` on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub effective_from: Date,
    /// The answer is due within this.
    pub answer: Term,
    /// With a justified extension (and notice to the submitter), at most this, counted from receipt.
    pub extended: Term,
    /// A submission for another institution is forwarded within this.
    pub forward: Term,
    /// Where the rule comes from, for the record.
    pub source: String,
}

/// The rules known to this release, oldest first.
pub fn submissions_law() -> Vec<Rule> {
    vec![
        Rule {
            effective_from: Date::constant(2008, 1, 1),
            answer: Term::Months(1),
            extended: Term::Months(4),
            forward: Term::WorkingDays(7),
            source: "Iesniegumu likums s.5(1), s.5(2) and s.6(1), as in force until 28.02.2026"
                .into(),
        },
        Rule {
            effective_from: Date::constant(2026, 3, 1),
            answer: Term::WorkingDays(10),
            extended: Term::Months(1),
            forward: Term::WorkingDays(5),
            source: "Iesniegumu likums as amended on 05.02.2026, in force from 01.03.2026".into(),
        },
    ]
}

/// The rule in force on `received`: the latest that took effect by then.
pub fn rule_for(rules: &[Rule], received: Date) -> Option<&Rule> {
    rules
        .iter()
        .filter(|r| r.effective_from <= received)
        .max_by_key(|r| r.effective_from)
}

/// The last day of `term` counted from `received`.
pub fn due(calendar: &Calendar, received: Date, term: Term) -> Option<Date> {
    match term {
        Term::WorkingDays(n) => {
            let mut d = received;
            let mut left = n;
            // Bounded: n working days lie within a few times n calendar days.
            for _ in 0..(u32::from(n) * 3 + 30) {
                if left == 0 {
                    return Some(d);
                }
                d = d.tomorrow().ok()?;
                if calendar.day(d).is_working() {
                    left -= 1;
                }
            }
            (left == 0).then_some(d)
        }
        Term::Months(m) => {
            let target = received
                .first_of_month()
                .checked_add(jiff::Span::new().months(i64::from(m)))
                .ok()?;
            let day = received.day().min(target.days_in_month());
            let mut d = Date::new(target.year(), target.month(), day).ok()?;
            for _ in 0..30 {
                if calendar.day(d).is_working() {
                    return Some(d);
                }
                d = d.tomorrow().ok()?;
            }
            None
        }
    }
}

/// The legal clock of a submission received on `received`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalDue {
    pub answer_by: Date,
    pub extended_by: Date,
    pub forward_by: Date,
    pub rule_from: Date,
}

/// The due dates of a submission received on `received`, by the rule then in force.
pub fn legal_due(calendar: &Calendar, rules: &[Rule], received: Date) -> Option<LegalDue> {
    let rule = rule_for(rules, received)?;
    Some(LegalDue {
        answer_by: due(calendar, received, rule.answer)?,
        extended_by: due(calendar, received, rule.extended)?,
        forward_by: due(calendar, received, rule.forward)?,
        rule_from: rule.effective_from,
    })
}

/// Whether a ticket that came in by `channel` is a written submission under
/// the law. Talk (phone, video, chat, a visit) is answered as it happens;
/// what is written through the portal, by e-mail or in an app is a submission.
pub fn is_written_submission(channel: Channel) -> bool {
    matches!(
        channel,
        Channel::Portal | Channel::Email | Channel::MobileApp
    )
}

/// A justified extension of the answer term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub until: Date,
    pub reason: String,
    /// When it was decided (microseconds since the epoch).
    pub at: i64,
}

/// The legal term of one submission, kept on its ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalState {
    pub received: Date,
    pub rule_from: Date,
    pub answer_by: Date,
    /// The latest an extension may reach.
    pub extended_by: Date,
    pub forward_by: Date,
    pub extension: Option<Extension>,
    /// When the answer was given (the ticket resolved).
    pub answered_at: Option<i64>,
}

impl LegalState {
    pub fn start(calendar: &Calendar, rules: &[Rule], received: Date) -> Option<LegalState> {
        let due = legal_due(calendar, rules, received)?;
        Some(LegalState {
            received,
            rule_from: due.rule_from,
            answer_by: due.answer_by,
            extended_by: due.extended_by,
            forward_by: due.forward_by,
            extension: None,
            answered_at: None,
        })
    }

    /// The day the answer is due now: the extension's, if one was made.
    pub fn due(&self) -> Date {
        self.extension.as_ref().map_or(self.answer_by, |e| e.until)
    }

    /// Extend the term to `until` for `reason`; the requester must be told.
    pub fn extend(&mut self, until: Date, reason: &str, at: i64) -> Result<(), DomainError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(DomainError::invalid(
                "reason",
                "say why the answer needs more time: the requester is told the reason",
            ));
        }
        if self.answered_at.is_some() {
            return Err(DomainError::conflict(
                Code::LegalTermAnswered,
                "the submission is already answered; its term cannot be extended",
            ));
        }
        if until <= self.due() {
            return Err(DomainError::invalid(
                "until",
                format!("the new term must be after the current one, {}", self.due()),
            ));
        }
        if until > self.extended_by {
            return Err(DomainError::invalid(
                "until",
                format!(
                    "the law allows extending the term to {} at the latest",
                    self.extended_by
                ),
            ));
        }
        self.extension = Some(Extension {
            until,
            reason: reason.to_string(),
            at,
        });
        Ok(())
    }

    /// Late by `today`: unanswered after the due day.
    pub fn overdue(&self, today: Date) -> bool {
        self.answered_at.is_none() && today > self.due()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn state() -> Calendar {
        crate::calendar::state_2026()
    }

    #[test]
    fn ten_working_days_from_the_day_after_receipt() {
        let cal = state();
        assert_eq!(
            due(&cal, date(2026, 3, 2), Term::WorkingDays(10)),
            Some(date(2026, 3, 16))
        );
        // Across Easter (Good Friday 3.4, Easter Monday 6.4).
        assert_eq!(
            due(&cal, date(2026, 4, 1), Term::WorkingDays(10)),
            Some(date(2026, 4, 17))
        );
        // Across Midsummer: 22.6 off, 23–24.6 holidays, Saturday 27.6 worked.
        assert_eq!(
            due(&cal, date(2026, 6, 19), Term::WorkingDays(5)),
            Some(date(2026, 6, 30))
        );
    }

    #[test]
    fn a_month_ends_on_the_same_date_or_the_next_working_day() {
        let cal = state();
        assert_eq!(
            due(&cal, date(2026, 2, 27), Term::Months(1)),
            Some(date(2026, 3, 27))
        );
        // 31 January → 28 February 2026, a Saturday → Monday 2 March.
        assert_eq!(
            due(&cal, date(2026, 1, 31), Term::Months(1)),
            Some(date(2026, 3, 2))
        );
        // 18 October → 18 November, a holiday → 19 November.
        assert_eq!(
            due(&cal, date(2026, 10, 18), Term::Months(1)),
            Some(date(2026, 11, 19))
        );
        assert_eq!(
            due(&cal, date(2025, 11, 30), Term::Months(4)),
            Some(date(2026, 3, 30))
        );
    }

    #[test]
    fn the_rule_of_the_day_of_receipt_applies() {
        let cal = state();
        let rules = submissions_law();
        let before = legal_due(&cal, &rules, date(2026, 2, 27));
        assert_eq!(
            before.map(|d| (d.answer_by, d.extended_by, d.forward_by)),
            // Four months end on Saturday 27 June 2026, a working Saturday for state bodies.
            Some((date(2026, 3, 27), date(2026, 6, 27), date(2026, 3, 10)))
        );
        let after = legal_due(&cal, &rules, date(2026, 3, 2));
        assert_eq!(
            after.map(|d| (d.answer_by, d.extended_by, d.forward_by, d.rule_from)),
            Some((
                date(2026, 3, 16),
                date(2026, 4, 2),
                date(2026, 3, 9),
                date(2026, 3, 1)
            ))
        );
        // The next amendment is one more rule.
        let mut amended = rules.clone();
        amended.push(Rule {
            effective_from: date(2027, 1, 1),
            answer: Term::WorkingDays(15),
            extended: Term::Months(2),
            forward: Term::WorkingDays(5),
            source: "a test".into(),
        });
        let later = legal_due(&cal, &amended, date(2027, 1, 4)).map(|d| d.rule_from);
        assert_eq!(later, Some(date(2027, 1, 1)));
        assert!(legal_due(&cal, &rules, date(2007, 12, 31)).is_none());
    }

    #[test]
    fn an_extension_needs_a_reason_and_stays_within_the_law() {
        let cal = state();
        let rules = submissions_law();
        let mut s = LegalState::start(&cal, &rules, date(2026, 11, 30))
            .unwrap_or_else(|| panic!("a rule applies"));
        // 10 working days from 1.12.2026: 1–4, 7–11, 14 December.
        assert_eq!(s.answer_by, date(2026, 12, 14));
        assert_eq!(s.extended_by, date(2026, 12, 30));
        assert!(s.extend(date(2026, 12, 20), "  ", 1).is_err());
        assert!(s.extend(date(2026, 12, 10), "needs an expert", 1).is_err());
        assert!(s.extend(date(2027, 1, 4), "needs an expert", 1).is_err());
        assert!(s.overdue(date(2026, 12, 15)));
        assert_eq!(s.extend(date(2026, 12, 28), "needs an expert", 1), Ok(()));
        assert_eq!(s.due(), date(2026, 12, 28));
        assert!(!s.overdue(date(2026, 12, 15)));
        s.answered_at = Some(2);
        assert!(!s.overdue(date(2027, 1, 15)));
        assert!(s.extend(date(2026, 12, 29), "more", 3).is_err());
    }

    #[test]
    fn written_channels_are_submissions() {
        assert!(is_written_submission(Channel::Email));
        assert!(is_written_submission(Channel::Portal));
        assert!(!is_written_submission(Channel::Phone));
        assert!(!is_written_submission(Channel::Chat));
        assert_eq!(
            Term::from_parts(10, "working_days"),
            Some(Term::WorkingDays(10))
        );
        assert_eq!(Term::from_parts(1, "months"), Some(Term::Months(1)));
        assert_eq!(Term::from_parts(1, "weeks"), None);
    }
}
