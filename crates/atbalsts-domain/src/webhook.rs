//! Outgoing webhooks: which ticket events an institution's subscribers hear
//! of, under which stable names, what a subscription's address may be, and
//! what the signature covers. The HTTP and the HMAC live in the channels.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use utoipa::ToSchema;

/// What a subscriber can hear of. The names are published: never rename one.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
pub enum EventKind {
    #[serde(rename = "ticket.created")]
    TicketCreated,
    /// A public message (internal notes are never sent out).
    #[serde(rename = "message.added")]
    MessageAdded,
    #[serde(rename = "status.changed")]
    StatusChanged,
    #[serde(rename = "ticket.assigned")]
    TicketAssigned,
    /// Sent, accepted or returned between institutions.
    #[serde(rename = "ticket.transferred")]
    TicketTransferred,
    #[serde(rename = "sla.warning")]
    SlaWarning,
    #[serde(rename = "sla.breach")]
    SlaBreach,
}

impl EventKind {
    pub const ALL: [EventKind; 7] = [
        EventKind::TicketCreated,
        EventKind::MessageAdded,
        EventKind::StatusChanged,
        EventKind::TicketAssigned,
        EventKind::TicketTransferred,
        EventKind::SlaWarning,
        EventKind::SlaBreach,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::TicketCreated => "ticket.created",
            EventKind::MessageAdded => "message.added",
            EventKind::StatusChanged => "status.changed",
            EventKind::TicketAssigned => "ticket.assigned",
            EventKind::TicketTransferred => "ticket.transferred",
            EventKind::SlaWarning => "sla.warning",
            EventKind::SlaBreach => "sla.breach",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The webhook kinds a ticket event (its `kind` and `data` as recorded) is
/// heard as. One event can be several: a reply that reopens the ticket is a
/// message and a status change. Events no subscriber can ask for (internal
/// notes, escalations, ratings) are none.
pub fn kinds_of(event_kind: &str, data: &Value) -> Vec<EventKind> {
    let mut kinds = match event_kind {
        "created" => vec![EventKind::TicketCreated],
        "replied" => vec![EventKind::MessageAdded],
        "assigned" => vec![EventKind::TicketAssigned],
        "transferred" | "transfer_accepted" | "transfer_returned" => {
            vec![EventKind::TicketTransferred]
        }
        "sla_warning" => vec![EventKind::SlaWarning],
        "sla_breached" => vec![EventKind::SlaBreach],
        _ => vec![],
    };
    // Every change that moves the status records it as `status: {from, to}`,
    // whatever the event's own kind (resolved, reopened, closed, a reply, …).
    let moved = data
        .get("status")
        .is_some_and(|s| s.get("from").is_some() && s.get("to").is_some() && s["from"] != s["to"]);
    if moved {
        kinds.push(EventKind::StatusChanged);
    }
    kinds
}

/// What the signature covers: the timestamp sent in `X-Atbalsts-Timestamp`,
/// a dot, and the body's bytes exactly as sent. The timestamp is inside so a
/// captured request cannot be replayed later under a fresh one.
pub fn signing_string(timestamp: i64, body: &str) -> String {
    format!("{timestamp}.{body}")
}

/// The longest address accepted.
pub const MAX_URL: usize = 2000;

/// Check a subscriber's address: an absolute `http` or `https` URL with a
/// host, without user name or password (credentials in an address end up in
/// logs; the signature is the credential), at most [`MAX_URL`] characters.
/// Returns the address as parsed (normalised).
pub fn check_url(field: &str, value: &str) -> Result<String, FieldError> {
    let v = value.trim();
    let problem = |m: &str| FieldError::new(field, m);
    if v.is_empty() {
        return Err(problem("must not be empty"));
    }
    if v.chars().count() > MAX_URL {
        return Err(problem("is too long: at most 2000 characters"));
    }
    let url = url::Url::parse(v).map_err(|e| problem(&format!("is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(problem("must be an http or https address"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(problem(
            "must not contain a user name or password; the signature authenticates the desk",
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(problem("must name a host"));
    }
    let normal = url.to_string();
    if normal.chars().count() > MAX_URL {
        return Err(problem("is too long: at most 2000 characters"));
    }
    Ok(normal)
}

/// Check the kinds a subscription asks for: at least one, each known; returns
/// them sorted and without repeats.
pub fn check_kinds(field: &str, values: &[String]) -> Result<Vec<EventKind>, FieldError> {
    if values.is_empty() {
        return Err(FieldError::new(field, "choose at least one event"));
    }
    let mut kinds = Vec::with_capacity(values.len());
    for v in values {
        match EventKind::parse(v) {
            Some(k) => kinds.push(k),
            None => {
                let known: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
                return Err(FieldError::new(
                    field,
                    format!("unknown event {v:?}; known: {}", known.join(", ")),
                ));
            }
        }
    }
    kinds.sort_unstable();
    kinds.dedup();
    Ok(kinds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_are_stable_and_round_trip() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).ok(), Some(json!(k.as_str())));
        }
        assert_eq!(EventKind::parse("ticket.deleted"), None);
    }

    #[test]
    fn events_map_to_kinds() {
        let none = json!({});
        let moved = json!({"status": {"from": "open", "to": "resolved"}});
        assert_eq!(kinds_of("created", &none), [EventKind::TicketCreated]);
        assert_eq!(kinds_of("noted", &none), []);
        assert_eq!(kinds_of("replied", &none), [EventKind::MessageAdded]);
        assert_eq!(
            kinds_of("replied", &moved),
            [EventKind::MessageAdded, EventKind::StatusChanged]
        );
        assert_eq!(kinds_of("resolved", &moved), [EventKind::StatusChanged]);
        assert_eq!(kinds_of("closed", &moved), [EventKind::StatusChanged]);
        assert_eq!(
            kinds_of("assigned", &moved),
            [EventKind::TicketAssigned, EventKind::StatusChanged]
        );
        for k in ["transferred", "transfer_accepted", "transfer_returned"] {
            assert_eq!(kinds_of(k, &none), [EventKind::TicketTransferred], "{k}");
        }
        assert_eq!(kinds_of("sla_warning", &none), [EventKind::SlaWarning]);
        assert_eq!(kinds_of("sla_breached", &none), [EventKind::SlaBreach]);
        assert_eq!(kinds_of("escalated", &none), []);
        let same = json!({"status": {"from": "open", "to": "open"}});
        assert_eq!(kinds_of("rated", &same), []);
    }

    #[test]
    fn the_signature_covers_the_timestamp_and_the_body() {
        assert_eq!(
            signing_string(1_700_000_000, "{\"a\":1}"),
            "1700000000.{\"a\":1}"
        );
    }

    #[test]
    fn addresses_are_checked() {
        assert_eq!(
            check_url("url", " https://hooks.example.lv/in?x=1 ")
                .ok()
                .as_deref(),
            Some("https://hooks.example.lv/in?x=1")
        );
        assert!(check_url("url", "http://127.0.0.1:8080/").is_ok());
        for bad in [
            "",
            "hooks.example.lv",
            "ftp://example.lv/",
            "https://user:pw@example.lv/",
            "https://user@example.lv/",
            "file:///etc/passwd",
            "https://",
        ] {
            assert!(check_url("url", bad).is_err(), "{bad}");
        }
        let long = format!("https://example.lv/{}", "a".repeat(MAX_URL));
        assert!(check_url("url", &long).is_err());
    }

    #[test]
    fn kinds_are_checked() {
        assert!(check_kinds("events", &[]).is_err());
        assert!(check_kinds("events", &["ticket.nope".into()]).is_err());
        assert_eq!(
            check_kinds(
                "events",
                &[
                    "sla.breach".into(),
                    "ticket.created".into(),
                    "sla.breach".into()
                ]
            )
            .ok(),
            Some(vec![EventKind::TicketCreated, EventKind::SlaBreach])
        );
    }
}
