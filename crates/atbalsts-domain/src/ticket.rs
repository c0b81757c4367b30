//! The vocabulary of a support request (ticket).

use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

/// Declares a closed set of wire names with parsing and display in one place.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }

            /// The accepted values, for error messages.
            pub fn expected() -> String {
                [$($wire),+].join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use wire_enum;

wire_enum!(
    /// How the request reached the institution.
    Channel {
        Portal => "portal",
        Email => "email",
        Phone => "phone",
        Video => "video",
        Chat => "chat",
        Social => "social",
        MobileApp => "mobile_app",
        InPerson => "in_person",
    }
);

wire_enum!(
    /// What the requester needs (PU2-16: information, consultation, training,
    /// technical means), plus incidents, complaints and suggestions.
    Kind {
        Information => "information",
        Consultation => "consultation",
        Training => "training",
        TechnicalAccess => "technical_access",
        Incident => "incident",
        Complaint => "complaint",
        Suggestion => "suggestion",
    }
);

wire_enum!(
    Priority {
        Low => "low",
        Normal => "normal",
        High => "high",
        Urgent => "urgent",
    }
);

wire_enum!(
    /// Where the ticket is in its lifecycle; see [`crate::lifecycle`].
    Status {
        New => "new",
        Open => "open",
        PendingRequester => "pending_requester",
        Resolved => "resolved",
        Closed => "closed",
    }
);

/// Support level: 0 self-service, 1 support specialist, 2 expert.
/// On the wire it is the number; API schemas declare it as an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Level {
    SelfService,
    Specialist,
    Expert,
}

impl Level {
    pub fn from_number(n: i64) -> Option<Self> {
        match n {
            0 => Some(Level::SelfService),
            1 => Some(Level::Specialist),
            2 => Some(Level::Expert),
            _ => None,
        }
    }

    pub fn number(self) -> u8 {
        match self {
            Level::SelfService => 0,
            Level::Specialist => 1,
            Level::Expert => 2,
        }
    }
}

impl TryFrom<u8> for Level {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        Level::from_number(i64::from(n)).ok_or_else(|| format!("level must be 0, 1 or 2, not {n}"))
    }
}

impl From<Level> for u8 {
    fn from(l: Level) -> u8 {
        l.number()
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

/// The number people quote on the phone: the year and a per-year sequence,
/// `2026-000123`. Six digits are padded; more are printed as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketNumber {
    pub year: i16,
    pub seq: i64,
}

impl TicketNumber {
    pub fn parse(s: &str) -> Option<Self> {
        let (y, n) = s.split_once('-')?;
        if y.len() != 4 || n.len() < 6 || !n.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Self {
            year: y.parse().ok()?,
            seq: n.parse().ok()?,
        })
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:06}", self.year, self.seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(*c));
        }
        assert_eq!(Channel::parse("fax"), None);
        assert_eq!(Kind::parse("technical_access"), Some(Kind::TechnicalAccess));
        assert_eq!(
            Status::parse("pending_requester"),
            Some(Status::PendingRequester)
        );
    }

    #[test]
    fn ticket_numbers_format_and_parse() {
        let n = TicketNumber {
            year: 2026,
            seq: 123,
        };
        assert_eq!(n.to_string(), "2026-000123");
        assert_eq!(TicketNumber::parse("2026-000123"), Some(n));
        assert_eq!(
            TicketNumber {
                year: 2026,
                seq: 1_234_567
            }
            .to_string(),
            "2026-1234567"
        );
        assert_eq!(TicketNumber::parse("2026-12"), None);
        assert_eq!(TicketNumber::parse("abcd-000001"), None);
    }

    #[test]
    fn levels_order_and_bounds() {
        assert!(Level::SelfService < Level::Specialist && Level::Specialist < Level::Expert);
        assert!(Level::try_from(3u8).is_err());
        assert_eq!(u8::from(Level::Expert), 2);
    }
}
