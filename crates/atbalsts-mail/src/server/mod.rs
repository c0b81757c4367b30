//! The built-in SMTP listener (a subset of RFC 5321: EHLO/HELO, MAIL with SIZE and BODY,
//! RCPT, DATA, RSET, NOOP, VRFY, QUIT; 8BITMIME, SIZE, PIPELINING and
//! ENHANCEDSTATUSCODES; no AUTH, no STARTTLS). A message is answered 250 only after the
//! [`Intake`] has stored it durably, so a sender whose connection breaks sends it again.
//!
//! Written here rather than taken from `mailin`: its handler is synchronous, while
//! recipient checks, rate limits and durable delivery here are async calls into the store.
//! The protocol is a state machine without I/O (`session.rs`, unit-tested); `listener.rs`
//! drives it over tokio.

mod listener;
mod session;
#[cfg(test)]
mod session_tests;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

pub use listener::serve;

/// Who sent a message to whom, as the SMTP conversation said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `None` for the null sender `<>` (bounces and other automatic mail).
    pub mail_from: Option<String>,
    pub rcpt_to: Vec<String>,
    pub peer: SocketAddr,
    /// What the client said in EHLO/HELO.
    pub helo: String,
}

/// Whether the desk takes mail for an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipientCheck {
    Accept,
    /// Answered 550 5.1.1.
    Unknown,
    /// Answered 451: the check could not be made now.
    TryLater,
}

/// Why a sender or a message is not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliverError {
    /// A temporary failure (451 for a message, 450 for a sender): the client tries again.
    #[error("try again later: {0}")]
    TryLater(String),
    /// A permanent refusal (554 for a message, 550 for a sender).
    #[error("refused: {0}")]
    Refused(String),
}

/// What the listener asks of the desk.
pub trait Intake: Send + Sync + 'static {
    fn check_recipient(&self, rcpt: &str) -> impl Future<Output = RecipientCheck> + Send;
    /// For rate limits: `TryLater` is answered 450, `Refused` 550.
    fn check_sender(
        &self,
        mail_from: Option<&str>,
        peer: SocketAddr,
    ) -> impl Future<Output = Result<(), DeliverError>> + Send;
    /// Must return only after the message is durably stored: the listener answers 250
    /// only then. The `Ok` value is a queue id for the 250 text.
    fn deliver(
        &self,
        envelope: Envelope,
        raw: Vec<u8>,
    ) -> impl Future<Output = Result<String, DeliverError>> + Send;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// The name in the greeting and the EHLO answer.
    pub hostname: String,
    pub max_message_bytes: usize,
    pub max_recipients: usize,
    /// How long to wait for a command (RFC 5321 suggests 5 minutes).
    pub command_timeout: Duration,
    /// How long to wait for each piece of the message during DATA.
    pub data_timeout: Duration,
    /// Connections beyond this are answered 421 and closed.
    pub max_connections: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            hostname: "localhost".to_string(),
            max_message_bytes: 25 * 1024 * 1024,
            max_recipients: 100,
            command_timeout: Duration::from_secs(300),
            data_timeout: Duration::from_secs(180),
            max_connections: 100,
        }
    }
}
