//! Contacts that staff record on a ticket: a phone call, a video call or a
//! visit, its direction, how long it took, where a visit happened, how it
//! ended and what was said. The rules here; the record in the store.

use crate::Channel;
use crate::error::FieldError;
use crate::ticket::wire_enum;
use crate::validate::{self, Errors};
use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

wire_enum!(
    /// Who called whom (or who came to whom).
    Direction {
        Inbound => "inbound",
        Outbound => "outbound",
    }
);

wire_enum!(
    /// How a contact ended: `answered` (the matter goes on in the ticket),
    /// `resolved` (answered during the contact), `callback_needed`,
    /// `forwarded` (to another person or institution), `no_answer` (nobody
    /// answered, or the line dropped).
    ContactOutcome {
        Answered => "answered",
        Resolved => "resolved",
        CallbackNeeded => "callback_needed",
        Forwarded => "forwarded",
        NoAnswer => "no_answer",
    }
);

/// The channels a recorded contact can have.
pub const CHANNELS: [Channel; 3] = [Channel::Phone, Channel::Video, Channel::InPerson];

/// The longest contact accepted: a working day.
pub const MAX_DURATION_SECONDS: i64 = 8 * 60 * 60;

/// A contact as staff entered it, before checking.
#[derive(Debug, Clone, Default)]
pub struct RawContact<'a> {
    pub channel: &'a str,
    pub direction: &'a str,
    pub duration_seconds: i64,
    pub location: Option<&'a str>,
    pub outcome: &'a str,
    pub summary: &'a str,
}

/// A contact that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub channel: Channel,
    pub direction: Direction,
    pub duration_seconds: i64,
    /// A register location's id: required for a visit, optional otherwise.
    pub location: Option<String>,
    pub outcome: ContactOutcome,
    pub summary: String,
}

/// `channel` must be a phone call, a video call or a visit.
pub fn check_channel(field: &str, value: &str) -> Result<Channel, FieldError> {
    match Channel::parse(value.trim()) {
        Some(c) if CHANNELS.contains(&c) => Ok(c),
        _ => Err(FieldError::new(
            field,
            format!("\"{value}\" is not a contact channel: phone, video or in_person"),
        )),
    }
}

/// Check a contact; every problem is reported, each under its field.
pub fn check(raw: &RawContact<'_>) -> Result<Contact, Vec<FieldError>> {
    let mut e = Errors::default();
    let channel = check_channel("channel", raw.channel)
        .map_err(|f| e.0.push(f))
        .ok();
    let direction = e.one_of(
        "direction",
        raw.direction,
        Direction::parse,
        Direction::expected(),
    );
    if raw.duration_seconds < 0 {
        e.push("duration_seconds", "must not be negative");
    } else if raw.duration_seconds > MAX_DURATION_SECONDS {
        e.push(
            "duration_seconds",
            format!("is too long: at most {MAX_DURATION_SECONDS} seconds (8 hours)"),
        );
    }
    let location = e.opt_code("location", raw.location);
    if channel == Some(Channel::InPerson) && location.is_none() {
        e.push("location", "a visit needs the place where it happened");
    }
    let outcome = e.one_of(
        "outcome",
        raw.outcome,
        ContactOutcome::parse,
        ContactOutcome::expected(),
    );
    let summary = e.text("summary", raw.summary, validate::MAX_BODY);
    match (channel, direction, outcome) {
        (Some(channel), Some(direction), Some(outcome)) if e.is_empty() => Ok(Contact {
            channel,
            direction,
            duration_seconds: raw.duration_seconds,
            location,
            outcome,
            summary,
        }),
        _ => Err(e.0),
    }
}

/// Clocks of phones and computers differ a little; more than this ahead is a mistake.
const FUTURE_SLACK_MICROS: i64 = 5 * 60 * 1_000_000;

/// When the contact happened (microseconds): not in the future.
pub fn check_occurred_at(field: &str, at: i64, now: i64) -> Result<i64, FieldError> {
    if at > now + FUTURE_SLACK_MICROS {
        Err(FieldError::new(field, "must not be in the future"))
    } else {
        Ok(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call<'a>() -> RawContact<'a> {
        RawContact {
            channel: "phone",
            direction: "inbound",
            duration_seconds: 240,
            location: None,
            outcome: "answered",
            summary: "Jautāja par pases termiņu.",
        }
    }

    fn fields(r: Result<Contact, Vec<FieldError>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn a_call_is_taken_as_given() {
        let c = check(&call()).unwrap();
        assert_eq!(
            (c.channel, c.direction, c.duration_seconds, c.outcome),
            (
                Channel::Phone,
                Direction::Inbound,
                240,
                ContactOutcome::Answered
            )
        );
        assert_eq!(c.location, None);
    }

    #[test]
    fn a_visit_needs_a_place() {
        let visit = RawContact {
            channel: "in_person",
            ..call()
        };
        assert_eq!(fields(check(&visit)), ["location"]);
        let there = RawContact {
            location: Some("VPVKAC-RIGA"),
            ..visit
        };
        assert_eq!(
            check(&there).unwrap().location.as_deref(),
            Some("VPVKAC-RIGA")
        );
    }

    #[test]
    fn durations_are_bounded() {
        for bad in [-1, MAX_DURATION_SECONDS + 1] {
            let c = RawContact {
                duration_seconds: bad,
                ..call()
            };
            assert_eq!(fields(check(&c)), ["duration_seconds"], "{bad}");
        }
        let none = RawContact {
            duration_seconds: 0,
            outcome: "no_answer",
            direction: "outbound",
            ..call()
        };
        assert!(check(&none).is_ok());
    }

    #[test]
    fn contacts_happened_in_the_past() {
        let now = 1_000_000_000_000;
        assert_eq!(check_occurred_at("occurred_at", now - 1, now), Ok(now - 1));
        assert!(check_occurred_at("occurred_at", now + 60_000_000, now).is_ok());
        assert!(check_occurred_at("occurred_at", now + 3_600_000_000, now).is_err());
    }

    #[test]
    fn only_the_three_channels_and_known_values() {
        let bad = RawContact {
            channel: "email",
            direction: "sideways",
            outcome: "maybe",
            summary: " ",
            ..call()
        };
        assert_eq!(
            fields(check(&bad)),
            ["channel", "direction", "outcome", "summary"]
        );
        for ok in ["phone", "video", "in_person"] {
            assert!(check_channel("channel", ok).is_ok());
        }
    }
}
