//! Connectors of social networks, messengers and mobile apps: what a
//! connector is (a code in the address, a channel, an institution), what one
//! of its inbound messages must carry, and how a conversation becomes a
//! ticket. Keys, HTTP and signing live in the store and the channels.

use crate::Channel;
use crate::error::FieldError;
use crate::validate::{self, Errors};

/// The longest external id (conversation or message) accepted.
pub const MAX_EXTERNAL_ID: usize = 200;
/// The longest sender handle accepted (`@name`, a page-scoped id, …).
pub const MAX_HANDLE: usize = 200;
/// The longest message text accepted; longer messages are refused, not cut,
/// so the connector knows its user's words did not all arrive.
pub const MAX_TEXT: usize = validate::MAX_BODY;
/// The subject of a new ticket is the first line of its first message, cut here.
pub const SUBJECT_CHARS: usize = 80;

/// The channels a connector may speak for.
pub const CHANNELS: [Channel; 2] = [Channel::Social, Channel::MobileApp];

/// A connector's code, the `{connector}` of its inbound address: lower-case
/// letters, digits and `-`, 2–40 characters, starting with a letter.
pub fn check_code(field: &str, value: &str) -> Result<String, FieldError> {
    let v = value.trim();
    let shaped = (2..=validate::MAX_CODE).contains(&v.len())
        && v.starts_with(|c: char| c.is_ascii_lowercase())
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if shaped {
        Ok(v.to_string())
    } else {
        Err(FieldError::new(
            field,
            format!(
                "\"{v}\" is not a connector code: 2–40 lower-case letters, digits or '-', starting with a letter"
            ),
        ))
    }
}

/// A connector's channel: `social` or `mobile_app`.
pub fn check_channel(field: &str, value: &str) -> Result<Channel, FieldError> {
    match Channel::parse(value.trim()) {
        Some(c) if CHANNELS.contains(&c) => Ok(c),
        _ => Err(FieldError::new(
            field,
            format!("\"{value}\" is not a connector channel: social or mobile_app"),
        )),
    }
}

/// An inbound message as the connector sent it, before checking.
#[derive(Debug, Clone, Default)]
pub struct RawInbound<'a> {
    pub conversation_id: &'a str,
    pub message_id: &'a str,
    pub sender_name: Option<&'a str>,
    pub sender_handle: &'a str,
    pub sender_email: Option<&'a str>,
    pub sender_phone: Option<&'a str>,
    pub text: &'a str,
    pub language: Option<&'a str>,
}

/// An inbound message as the desk takes it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    pub conversation_id: String,
    pub message_id: String,
    /// The sender's name, or their handle when no name was given.
    pub sender_name: String,
    pub sender_handle: String,
    pub sender_email: Option<String>,
    pub sender_phone: Option<String>,
    pub text: String,
    /// ISO 639-1; Latvian when the connector does not say.
    pub language: String,
}

fn external_id(e: &mut Errors, field: &str, value: &str) -> String {
    let v = value.trim();
    if v.is_empty() {
        e.push(field, "must not be empty");
    } else if v.chars().count() > MAX_EXTERNAL_ID {
        e.push(
            field,
            format!("is too long: at most {MAX_EXTERNAL_ID} characters"),
        );
    } else if v.chars().any(char::is_control) {
        e.push(field, "contains control characters");
    }
    v.to_string()
}

/// Check every field of an inbound message; all problems are reported together.
pub fn check_inbound(raw: &RawInbound<'_>) -> Result<Inbound, Vec<FieldError>> {
    let mut e = Errors::default();
    let conversation_id = external_id(&mut e, "conversation_id", raw.conversation_id);
    let message_id = external_id(&mut e, "message_id", raw.message_id);
    let sender_handle = e.text("sender.handle", raw.sender_handle, MAX_HANDLE);
    let sender_name = e
        .opt_text("sender.name", raw.sender_name, validate::MAX_NAME)
        .unwrap_or_else(|| sender_handle.chars().take(validate::MAX_NAME).collect());
    let sender_email = match raw.sender_email.map(str::trim) {
        None | Some("") => None,
        Some(v) => Some(e.email("sender.email", v)),
    };
    let sender_phone = match raw.sender_phone.map(str::trim) {
        None | Some("") => None,
        Some(v) => Some(e.phone("sender.phone", v)),
    };
    let text = e.text("text", raw.text, MAX_TEXT);
    let language = e.language("language", raw.language);
    e.finish(Inbound {
        conversation_id,
        message_id,
        sender_name,
        sender_handle,
        sender_email,
        sender_phone,
        text,
        language,
    })
}

/// The subject of the ticket a conversation opens: the first non-empty line
/// of its first message, cut at a word where it can be.
pub fn subject_of(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("…");
    if line.chars().count() <= SUBJECT_CHARS {
        return line.to_string();
    }
    let cut: String = line.chars().take(SUBJECT_CHARS).collect();
    let at_word = match cut.rfind(' ') {
        Some(i) if i > SUBJECT_CHARS / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", at_word.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw<'a>() -> RawInbound<'a> {
        RawInbound {
            conversation_id: "t_100",
            message_id: "m_1",
            sender_name: Some("Jānis Ozols"),
            sender_handle: "@janis",
            text: "Labdien! Kā deklarēt dzīvesvietu?",
            ..RawInbound::default()
        }
    }

    #[test]
    fn codes_are_lower_case_words() {
        assert_eq!(check_code("code", "facebook").unwrap(), "facebook");
        assert_eq!(check_code("code", " lv-app2 ").unwrap(), "lv-app2");
        for bad in [
            "",
            "a",
            "Facebook",
            "2fb",
            "fb_page",
            "fb page",
            &"a".repeat(41),
        ] {
            assert!(check_code("code", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_social_and_mobile_channels() {
        assert_eq!(check_channel("channel", "social").unwrap(), Channel::Social);
        assert_eq!(
            check_channel("channel", "mobile_app").unwrap(),
            Channel::MobileApp
        );
        assert!(check_channel("channel", "email").is_err());
        assert!(check_channel("channel", "x").is_err());
    }

    #[test]
    fn a_good_message_is_taken_with_defaults() {
        let m = check_inbound(&raw()).unwrap();
        assert_eq!(m.language, "lv");
        assert_eq!(m.sender_name, "Jānis Ozols");
        let nameless = check_inbound(&RawInbound {
            sender_name: None,
            language: Some("en"),
            ..raw()
        })
        .unwrap();
        assert_eq!(
            (nameless.sender_name.as_str(), nameless.language.as_str()),
            ("@janis", "en")
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let long_text = "x".repeat(MAX_TEXT + 1);
        let long_id = "1".repeat(MAX_EXTERNAL_ID + 1);
        let bad = RawInbound {
            conversation_id: " ",
            message_id: &long_id,
            sender_name: None,
            sender_handle: "",
            sender_email: Some("not-an-address"),
            sender_phone: Some("abc"),
            text: &long_text,
            language: Some("latvian"),
        };
        let fields: Vec<String> = check_inbound(&bad)
            .unwrap_err()
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(
            fields,
            [
                "conversation_id",
                "message_id",
                "sender.handle",
                "sender.email",
                "sender.phone",
                "text",
                "language"
            ]
        );
    }

    #[test]
    fn subjects_come_from_the_first_line() {
        assert_eq!(subject_of("\n  Sveiki!\nOtrā rinda"), "Sveiki!");
        let long = "vārds ".repeat(30);
        let s = subject_of(&long);
        assert!(
            s.ends_with('…') && s.chars().count() <= SUBJECT_CHARS + 1,
            "{s}"
        );
        assert!(!s.contains("vārds …"), "cut at a word: {s}");
        assert_eq!(subject_of("   "), "…");
    }
}
