//! The e-mail protocol layer of the support desk's e-mail channel: reading incoming mail
//! ([`parse`]), deciding what must never be answered ([`classify`]), building outgoing
//! mail ([`compose`]), handing it to a relay ([`send`]), receiving mail over SMTP
//! ([`server`]) and taking it from a mailbox over IMAP ([`imap`]). Nothing here touches the database: callers store what this crate reads
//! and give it what to send.

pub mod classify;
pub mod compose;
pub mod imap;
pub mod parse;
mod prepare;
mod repair;
pub mod send;
pub mod server;
mod text;
mod trust;

pub use classify::{AutoReason, classify, classify_headers};
pub use compose::{AutoSubmitted, ComposeError, Outgoing, compose, new_message_id};
pub use imap::{ImapError, ImapTls, MailboxConfig, poll_mailbox};
pub use parse::{Attachment, Mailbox, ParseError, ParsedMail, parse};
pub use send::{Relay, RelayConfig, RelayConfigError, SendError, TlsMode};
pub use server::{DeliverError, Envelope, Intake, RecipientCheck, ServerConfig, serve};
