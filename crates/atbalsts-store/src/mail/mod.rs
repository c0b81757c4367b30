//! The e-mail channel's records: every message received (stored raw before it
//! is parsed), every message the desk writes (the outbox), the Message-IDs of
//! each ticket's conversation, the groups' addresses and the staff's choice of
//! notices. Parsing, deciding and sending live in `atbalsts-channels`; this
//! module only keeps what they decide, each write atomic.

pub mod addresses;
pub mod inbound;
pub mod mailboxes;
pub mod outbound;
pub mod retention;
pub mod settings;
pub mod threads;

/// An e-mail address as the desk compares them: trimmed, lower case.
/// (Local parts are case-sensitive in theory; no mail system in use treats them so.)
pub fn normalise_address(address: &str) -> String {
    address
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_lowercase()
}
